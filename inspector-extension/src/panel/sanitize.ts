/**
 * What the panel keeps of a page's snapshot: a copy with only the fields it uses, text made
 * safe to show, and every time turned into an age the panel can trust.
 *
 * The page is untrusted (any script on it, or on a frame of it, can post a snapshot), so even
 * after the protocol guard (`isPageToInspectorMessage`: types, ranges, unique ids) passed it:
 *
 * - Unknown fields are dropped: the copy is built field by field.
 * - Bidirectional-text controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) and other
 *   control characters are removed from names, stacks and URLs, so that a name cannot reverse
 *   the text around it; the renderer also isolates names in `<bdi>`.
 * - Times are never compared with the extension's clock and never used to order snapshots:
 *   a waiter's age is `time - since` within one snapshot (both on the page's clock), at least
 *   0 and at most the age of the document that sent it (the content script reports when its
 *   document started, which the page cannot forge). An ancient `since` therefore reads as
 *   "since the page loaded", not as two billion hours.
 */
import type { ChannelSnapshot, LeakSnapshot, SnapshotMessage, WaiterSnapshot } from '../../../src/protocol.js';
import { isInstanceId } from '../../../src/protocol.js';
import type { FrameInfo } from '../messages.js';

/** A parked operation, as the panel keeps it. */
export interface Waiting {
  readonly kind: 'push' | 'pull' | 'select';
  /** Which queue it sits in. */
  readonly queue: 'push' | 'pull';
  /** How long it had waited when the snapshot was taken, in ms (clamped, see the file's top). */
  readonly ageAtSnapshot: number;
  readonly stack?: string;
  /** The id shared by the cases of one multi-case select. */
  readonly select?: number;
  /** The page says the wait is explained by input. */
  readonly input: boolean;
}

/** A channel, as the panel keeps it. */
export interface ChannelInfo {
  readonly id: number;
  readonly name: string;
  readonly capacity: number | null;
  readonly size: number;
  readonly closed: boolean;
  readonly overflow: ChannelSnapshot['overflow'];
  readonly createdAt?: string;
  /** Fed by the outside world: waiting on it is expected. */
  readonly input: boolean;
  readonly pushers: readonly Waiting[];
  readonly pullers: readonly Waiting[];
  /**
   * The queues' true lengths, when the page cut a list (`ChannelSnapshot.waiting`): at least
   * the lists' lengths. Absent when the lists are whole, or the page did not say.
   */
  readonly waiting?: { readonly pushers: number; readonly pullers: number };
}

/** A leaked operation, as the panel keeps it. */
export interface LeakInfo {
  readonly id: number;
  readonly kind: LeakSnapshot['kind'];
  /** How long it had waited when the snapshot that reported it was taken, in ms. */
  readonly ageAtSnapshot: number;
  readonly stack?: string;
  readonly channel: {
    readonly id: number;
    readonly name: string;
    readonly capacity: number | null;
    readonly createdAt?: string;
  };
  /** For a select, its cases (`LeakSnapshot.cases`), when the page said. */
  readonly cases?: readonly {
    readonly kind: 'push' | 'pull';
    readonly channel: { readonly id: number; readonly name: string };
  }[];
}

/** Who produced a snapshot inside a frame: the frame's own page, or a Worker it relays. */
export interface ContextInfo {
  readonly kind: 'page' | 'worker';
  /** The worker script's URL (for a worker); display only, never trusted. */
  readonly url?: string;
  /**
   * Which copy of chanasync posted it (the posted snapshots' `instance`), when it said: two
   * bundles that each include chanasync can enable debug mode in one document, with
   * overlapping channel ids; each copy's channels are kept apart from the other's.
   */
  readonly instance?: string;
}

/** A snapshot, as the panel keeps it. */
export interface CleanSnapshot {
  readonly seq: number | undefined;
  readonly context: ContextInfo;
  readonly channels: readonly ChannelInfo[];
  readonly leaked: readonly LeakInfo[];
  /** What the page left out, if anything. */
  readonly truncated?: { readonly channels: number; readonly waiters: number; readonly leaks: number };
}

/** Characters that reorder text: bidi embeddings, overrides, isolates and marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Control characters but line feeds. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
/**
 * Control characters, line feeds included, and the Unicode line and paragraph separators
 * (U+2028, U+2029: forced line breaks), for one-line text such as names.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` without bidi controls or other control characters (line feeds kept). */
export function safeText(text: string): string {
  return text.replace(BIDI, '').replace(CONTROLS, '');
}

/** `text` on one line: bidi controls removed, other control characters and line breaks (U+2028 too) as spaces. */
export function safeLine(text: string): string {
  return text.replace(BIDI, '').replace(LINE_CONTROLS, ' ');
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/**
 * A waiter's age in a snapshot taken at `time`: at least 0 (a `since` after `time` is the
 * page's clock stepping back), at most `maxAge` (no wait is older than its document).
 */
export function clampedAge(time: number, since: number, maxAge: number): number {
  return Math.min(Math.max(0, time - since), Math.max(0, maxAge));
}

function waiting(waiter: WaiterSnapshot, queue: 'push' | 'pull', time: number, maxAge: number): Waiting {
  return {
    kind: waiter.kind,
    queue,
    ageAtSnapshot: clampedAge(time, waiter.since, maxAge),
    ...optional('stack', waiter.stack === undefined ? undefined : safeText(waiter.stack)),
    ...optional('select', Number.isSafeInteger(waiter.select) ? waiter.select : undefined),
    input: waiter.input === true,
  };
}

function channelInfo(channel: ChannelSnapshot, time: number, maxAge: number): ChannelInfo {
  return {
    id: channel.id,
    name: safeLine(channel.name),
    capacity: channel.capacity,
    size: channel.size,
    closed: channel.closed,
    overflow: channel.overflow,
    ...optional('createdAt', channel.createdAt === undefined ? undefined : safeText(channel.createdAt)),
    input: channel.input === true,
    pushers: channel.pushers.map((waiter) => waiting(waiter, 'push', time, maxAge)),
    pullers: channel.pullers.map((waiter) => waiting(waiter, 'pull', time, maxAge)),
    ...optional('waiting', queueLengths(channel)),
  };
}

/** `channel.waiting` copied field by field (the protocol guard checked its counts), if present. */
function queueLengths({ waiting }: ChannelSnapshot): ChannelInfo['waiting'] {
  return waiting === undefined ? undefined : { pushers: waiting.pushers, pullers: waiting.pullers };
}

function leakInfo(leak: LeakSnapshot, time: number, maxAge: number): LeakInfo {
  const { channel } = leak;
  return {
    id: leak.id,
    kind: leak.kind,
    ageAtSnapshot: clampedAge(time, leak.since, maxAge),
    ...optional('stack', leak.stack === undefined ? undefined : safeText(leak.stack)),
    channel: {
      id: channel.id,
      name: safeLine(channel.name),
      capacity: channel.capacity,
      ...optional('createdAt', channel.createdAt === undefined ? undefined : safeText(channel.createdAt)),
    },
    ...optional(
      'cases',
      leak.cases?.map(({ kind, channel }) => ({ kind, channel: { id: channel.id, name: safeLine(channel.name) } })),
    ),
  };
}

/**
 * A context's identity within its frame: the page itself, or one worker by its URL — and the
 * copy of chanasync that posted, when it said.
 */
function contextOf(snapshot: SnapshotMessage): ContextInfo {
  const context = snapshot.context;
  const posted: unknown = snapshot.instance;
  const instance = optional('instance', isInstanceId(posted) ? posted : undefined);
  if (context?.kind !== 'worker') return { kind: 'page', ...instance };
  return {
    kind: 'worker',
    ...optional('url', context.url === undefined ? undefined : safeLine(context.url)),
    ...instance,
  };
}

/** A context's key within its document: the page, or a worker by its URL; then the copy of chanasync. */
export function contextKey(context: ContextInfo): string {
  const base = context.kind === 'page' ? 'page' : `worker:${context.url ?? ''}`;
  return context.instance === undefined ? base : `${base}#${context.instance}`;
}

/**
 * The panel's copy of `snapshot` (already checked by the protocol guard), received at
 * `receivedAt` on the extension's clock from `frame`. Waits are capped at the document's age,
 * `receivedAt - frame.startedAt`, when the content script reported when its document started.
 */
export function sanitize(snapshot: SnapshotMessage, frame: FrameInfo, receivedAt: number): CleanSnapshot {
  const maxAge = frame.startedAt === undefined ? Number.MAX_SAFE_INTEGER : receivedAt - frame.startedAt;
  const { time, truncated } = snapshot;
  return {
    seq: Number.isSafeInteger(snapshot.seq) ? snapshot.seq : undefined,
    context: contextOf(snapshot),
    channels: snapshot.channels.map((channel) => channelInfo(channel, time, maxAge)),
    leaked: (snapshot.leaked ?? []).map((leak) => leakInfo(leak, time, maxAge)),
    ...optional(
      'truncated',
      truncated === undefined
        ? undefined
        : { channels: truncated.channels, waiters: truncated.waiters, leaks: truncated.leaks ?? 0 },
    ),
  };
}
