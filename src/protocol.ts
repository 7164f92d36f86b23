/**
 * The debug wire protocol: the messages chanasync's debug mode and the DevTools inspector
 * exchange over `postMessage`, and the guards that check them. This module is their sole
 * definition; `chanasync/debug` and the inspector extension both import it
 * (`chanasync/protocol`).
 *
 * Page → inspector: `announce` (debug mode was enabled), `snapshot` (the channels now).
 * Inspector → page: `hello` (start sending snapshots), `bye` (stop).
 * Every message carries its `source` tag and the protocol `version`.
 *
 * Version 1 grows only by optional fields, so an inspector written for the first shape reads
 * a newer snapshot and a newer inspector reads an old one: `input`, `select`, `leaked`, `seq`,
 * `context` (issue 12) and a channel's `waiting` are all optional.
 */

/** The `source` of messages posted by the page's debug mode. */
export const PAGE_SOURCE = 'chanasync';
/** The `source` of messages posted by the inspector. */
export const INSPECTOR_SOURCE = 'chanasync-inspector';
/** The protocol version every message carries. */
export const PROTOCOL_VERSION = 1;

/** Bounds that keep a snapshot's size in check; the guards reject anything beyond them but `totalWaiters`. */
export const LIMITS = {
  /** Channels listed in one snapshot; the rest are counted in `truncated.channels`. */
  channels: 1000,
  /** Waiters listed per queue (`pushers`, `pullers`); the rest are counted in `truncated.waiters`. */
  waiters: 100,
  /**
   * Waiters listed in one snapshot, all channels together; the rest are counted in
   * `truncated.waiters`. The most stuck channels keep their whole lists, and every listed
   * channel keeps the oldest waiter of each non-empty queue and its oldest wait nothing
   * explains (at most `3 × channels`, which fits in it). Set by chanasync's debug mode; the
   * guards do not check it (a page of an earlier version 1 may list more).
   *
   * Worst case of every limit together, in characters of `JSON.stringify` (every number at its
   * largest, every optional field present): 1000 channels of 200-character names at ≤ 431 each
   * (0.43 M), 10 000 waiters at ≤ 82 each besides their stacks (0.82 M), the 1 000 000
   * characters of stacks debug mode allows (`STACK_BUDGET`, ~1.02 M with their keys and escaped
   * line feeds), 100 leaks at ≤ 367 each besides their stacks and their `cases` (0.04 M), and
   * their 8 cases at ≤ 260 each (0.21 M): ~2.5 M, 60% of the inspector's 4 MiB (4 194 304). Names and stacks full of characters that JSON escapes (`"`,
   * `\\`, control characters) weigh up to 6 times more.
   */
  totalWaiters: 10_000,
  /** Characters of a channel name. */
  name: 200,
  /** Characters of a stack trace (`createdAt`, `stack`). */
  stack: 4000,
  /** Leaked operations listed in one snapshot; later leaks are counted in `truncated.leaks`. */
  leaks: 100,
  /** Cases of a leaked select listed in its `cases` (its first ones). */
  leakCases: 8,
  /** Characters of a context's `url` or `origin`. */
  url: 2048,
} as const;

/**
 * The largest number a `time`, `since` or `detectedAt` may be: the last instant a `Date` can
 * represent (8.64e15 ms after the epoch). Together with "not negative" it keeps nonsense such
 * as an age of two billion hours out of the inspector.
 */
export const MAX_TIME = 8.64e15;

/** A parked operation in a snapshot. */
export interface WaiterSnapshot {
  /** What is parked: a plain push or pull, or a case of a select. */
  readonly kind: 'push' | 'pull' | 'select';
  /** When it parked, in ms since the epoch. */
  readonly since: number;
  /** Where it parked (user frames only), with `stacks: true`. */
  readonly stack?: string;
  /**
   * For a case of a select with several cases: a number shared by all its cases (one per
   * select, unique within the context), so that an inspector shows the select once. Absent for
   * plain operations and one-case selects.
   */
  readonly select?: number;
  /**
   * `true` when the wait is explained by input: its channel was created with `input: true`,
   * or it is a case of a select with a case on such a channel. Such a wait is expected — idle,
   * not stuck. Absent otherwise.
   */
  readonly input?: boolean;
}

/** One channel in a snapshot: counts and waiters, never buffered values. */
export interface ChannelSnapshot {
  /** A number unique to the channel within the page's lifetime. */
  readonly id: number;
  /** The channel's name, or `''`. */
  readonly name: string;
  /** The capacity; `null` stands for `Infinity`. */
  readonly capacity: number | null;
  /** Values buffered now. */
  readonly size: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /** The overflow policy. */
  readonly overflow: 'block' | 'drop-oldest' | 'drop-newest';
  /** Where the channel was created (user frames only), with `stacks: true`. */
  readonly createdAt?: string;
  /**
   * `true` when the channel was created with `input: true`: it is fed by the outside world
   * (events, timers, another context), so waiting on it is expected. Absent otherwise.
   */
  readonly input?: boolean;
  /**
   * Parked pushes, oldest first (at most `LIMITS.waiters`; past `LIMITS.totalWaiters` in the
   * snapshot, as few as the oldest one: `waiting` then says how many there are).
   */
  readonly pushers: readonly WaiterSnapshot[];
  /** Parked pulls, oldest first (cut as `pushers` are). */
  readonly pullers: readonly WaiterSnapshot[];
  /**
   * The true lengths of the queues, present only when a list is shorter than its queue (cut by
   * `LIMITS.waiters` or by `LIMITS.totalWaiters`): each is at least its list's length. Absent
   * when both lists are whole (and in snapshots of older pages).
   */
  readonly waiting?: { readonly pushers: number; readonly pullers: number };
}

/**
 * An operation that can never complete: it was parked on a channel that became unreachable
 * (garbage-collected) before anything committed, aborted or closed it — Go 1.26's leaked
 * goroutine. A select is one leak, reported when every channel it waited on is gone.
 */
export interface LeakSnapshot {
  /** A number unique to this leak within the context's lifetime. */
  readonly id: number;
  /** What leaked: a plain push or pull (iteration included), or a select. */
  readonly kind: 'push' | 'pull' | 'select';
  /** When it parked, in ms since the epoch. */
  readonly since: number;
  /** Where it parked (user frames only), with `stacks: true`. */
  readonly stack?: string;
  /** When the leak was detected (the channel was garbage-collected), in ms since the epoch. */
  readonly detectedAt: number;
  /** The channel it was parked on (for a select, the channel of its first case). */
  readonly channel: {
    /** The channel's id in the snapshots it appeared in. */
    readonly id: number;
    /** Its name, or `''`. */
    readonly name: string;
    /** Its capacity; `null` stands for `Infinity`. */
    readonly capacity: number | null;
    /** Where it was created (user frames only), with `stacks: true`. */
    readonly createdAt?: string;
  };
  /**
   * For a select: its cases on tracked channels, in the order of its array of cases (the first
   * `LIMITS.leakCases`), each with its direction and its channel's id and name, so that the
   * leak can be told by any of them. Absent for a push or a pull, and in snapshots of pages
   * older than 2026-12-06.
   */
  readonly cases?: readonly LeakCase[];
}

/** A case of a leaked select (`LeakSnapshot.cases`). */
export interface LeakCase {
  /** The case's direction. */
  readonly kind: 'push' | 'pull';
  /** Its channel: its id in the snapshots it appeared in, and its name or `''`. */
  readonly channel: { readonly id: number; readonly name: string };
}

/**
 * Who produced a snapshot: the top page, a frame, or a dedicated Worker (whose snapshots
 * reach the page through `relayDebug`). Informative — any script on a page can post
 * anything, so an inspector also tags what it receives by the frame it came from.
 */
export interface DebugContext {
  /** Where the channels live: a top-level page, a worker (dedicated, shared or service), or a frame. */
  readonly kind: 'page' | 'worker' | 'frame';
  /** The document's or the worker script's URL. */
  readonly url?: string;
  /** The context's origin. */
  readonly origin?: string;
}

/** The state of every tracked channel. */
export interface SnapshotMessage {
  /** {@link PAGE_SOURCE}: the message comes from a page's debug mode. */
  readonly source: typeof PAGE_SOURCE;
  /** {@link PROTOCOL_VERSION}: the message's protocol version. */
  readonly version: typeof PROTOCOL_VERSION;
  /** A snapshot of the tracked channels. */
  readonly type: 'snapshot';
  /** When the snapshot was taken, in ms since the epoch. */
  readonly time: number;
  /**
   * The channels, those with parked operations first (longest waiting first), then the
   * others by id; at most `LIMITS.channels`.
   */
  readonly channels: readonly ChannelSnapshot[];
  /**
   * Present when something was left out: how many channels, waiters (of the listed channels
   * and of the channels left out) and leaks (`leaks` only when some were).
   */
  readonly truncated?: { readonly channels: number; readonly waiters: number; readonly leaks?: number };
  /**
   * Operations that leaked since debug mode was enabled or `clearLeaks()` was last called,
   * oldest first (at most `LIMITS.leaks`). Absent when there are none.
   */
  readonly leaked?: readonly LeakSnapshot[];
  /**
   * Increases with every snapshot taken in this context: order snapshots by it, not by
   * `time` (a page's clock can be wrong or step back).
   */
  readonly seq?: number;
  /**
   * Which copy of chanasync posted it: a random id per copy (1–64 letters, digits, `_` or `-`),
   * the same across its `enableDebug` calls. Two bundles that each include chanasync number
   * their channels from 1 alike; an inspector keeps their snapshots apart by this. Only on
   * posted snapshots (`snapshot()` returns none).
   */
  readonly instance?: string;
  /** Who produced the snapshot, when known. */
  readonly context?: DebugContext;
}

/** Debug mode was enabled: an inspector that is already open answers with `hello`. */
export interface AnnounceMessage {
  /** {@link PAGE_SOURCE}: the message comes from a page's debug mode. */
  readonly source: typeof PAGE_SOURCE;
  /** {@link PROTOCOL_VERSION}: the message's protocol version. */
  readonly version: typeof PROTOCOL_VERSION;
  /** The page has debug mode on and answers `hello` with snapshots. */
  readonly type: 'announce';
}

/** Messages from the page's debug mode to the inspector. */
export type PageToInspectorMessage = SnapshotMessage | AnnounceMessage;

/** Messages from the inspector to the page's debug mode. */
export type InspectorToPageMessage = {
  readonly source: typeof INSPECTOR_SOURCE;
  readonly version: typeof PROTOCOL_VERSION;
  readonly type: 'hello' | 'bye';
};

/**
 * `{ source, version, type }` of a message from `source`, or `undefined` for anything else. The
 * three fields must be the object's own (as a structured clone's are): an object that inherits
 * them (`Object.create(hello)`) or an array that carries them is not a message.
 */
function envelope(message: unknown, source: string): string | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  for (const key of ['source', 'version', 'type']) if (!Object.hasOwn(message, key)) return undefined;
  const { source: from, version, type } = message as Record<string, unknown>;
  return from === source && version === PROTOCOL_VERSION && typeof type === 'string' ? type : undefined;
}

/**
 * Whether `message` is a `hello` or `bye` from the inspector. Cheap for foreign messages; never
 * throws (an object whose fields throw when read, such as a revoked `Proxy`, is not one).
 *
 * @example
 * ```ts
 * import { isInspectorToPageMessage } from 'chanasync/protocol';
 *
 * addEventListener('message', (event: MessageEvent) => {
 *   if (isInspectorToPageMessage(event.data)) console.log('the inspector says', event.data.type);
 * });
 * ```
 */
export function isInspectorToPageMessage(message: unknown): message is InspectorToPageMessage {
  try {
    const type = envelope(message, INSPECTOR_SOURCE);
    return type === 'hello' || type === 'bye';
  } catch {
    return false;
  }
}

/**
 * Whether `message` is a well-formed `announce` or `snapshot` from a page — every field of the
 * right type and range and within {@link LIMITS}: ids are non-negative integers, unique within
 * the snapshot (channels) and within `leaked`; sizes and capacities are non-negative integers
 * with `size ≤ capacity` (unless the capacity is `null`, i.e. infinite; an unbuffered channel
 * may show 1: a broadcast's capacity-0 subscriber holding its value) and a drop policy
 * only with a capacity of at least 1; times are between 0 and {@link MAX_TIME}; lists have no
 * holes, `pushers` holds no `pull` and `pullers` no `push` (a `select` may be in either), a
 * channel's `waiting` counts are not below its lists' lengths. Optional
 * fields may be absent (older pages) but never malformed. Fields it does not know are
 * allowed (a later version-1 page may add some); an inspector should copy only the fields it
 * uses. The inspector checks each message with it before use. Never throws: an object whose
 * fields throw when read is not a message.
 *
 * @example
 * ```ts
 * import { isPageToInspectorMessage } from 'chanasync/protocol';
 *
 * // In an inspector: only well-formed snapshots are used.
 * addEventListener('message', (event: MessageEvent) => {
 *   const message: unknown = event.data;
 *   if (isPageToInspectorMessage(message) && message.type === 'snapshot') {
 *     console.log(`${message.channels.length} channels`);
 *   }
 * });
 * ```
 */
export function isPageToInspectorMessage(message: unknown): message is PageToInspectorMessage {
  try {
    return isPageMessage(message);
  } catch {
    return false; // a field that throws when read (a getter, a revoked Proxy)
  }
}

function isPageMessage(message: unknown): boolean {
  const type = envelope(message, PAGE_SOURCE);
  if (type === 'announce') return true;
  if (type !== 'snapshot') return false;
  const { time, channels, truncated, leaked, seq, context } = message as Record<string, unknown>;
  if (!isTime(time) || !Array.isArray(channels) || channels.length > LIMITS.channels) return false;
  if (truncated !== undefined && !isTruncated(truncated)) return false;
  if (seq !== undefined && !isCount(seq)) return false;
  if (context !== undefined && !isContext(context)) return false;
  if (leaked !== undefined && !isLeakList(leaked)) return false;
  return everyOf(channels, isChannelSnapshot) && uniqueIds(channels);
}

const OVERFLOWS = ['block', 'drop-oldest', 'drop-newest'];
const KINDS = ['push', 'pull', 'select'];
const CONTEXTS = ['page', 'worker', 'frame'];

/**
 * Whether `value` is a well-formed `instance` of a posted snapshot (1–64 letters, digits, `_`
 * or `-`). A snapshot whose `instance` is anything else is still a snapshot; an inspector
 * ignores that field (keying it as a copy that did not say).
 *
 * @example
 * ```ts
 * import { isInstanceId } from 'chanasync/protocol';
 *
 * console.log(isInstanceId('tab-1'), isInstanceId('../tab')); // true false
 * ```
 */
export function isInstanceId(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{1,64}$/.test(value);
}

/** A non-negative integer that a JSON number holds exactly. */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** A time in ms since the epoch that a `Date` can hold, not before the epoch. */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= MAX_TIME;
}

function isText(value: unknown, limit: number): value is string {
  return typeof value === 'string' && value.length <= limit;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether no two entries share an `id` (each already checked to be a number). */
/**
 * Whether every element of `list` passes `test`, holes included: `Array.prototype.every` skips
 * the holes of a sparse array (`[, ]`), which structured clone keeps, and a hole is no entry.
 */
function everyOf(list: readonly unknown[], test: (value: unknown) => boolean): boolean {
  for (let index = 0; index < list.length; index++) if (!test(list[index])) return false;
  return true;
}

function uniqueIds(list: readonly unknown[]): boolean {
  return new Set(list.map((entry) => (entry as { id: number }).id)).size === list.length;
}

function isTruncated(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { channels, waiters, leaks } = value;
  return isCount(channels) && isCount(waiters) && (leaks === undefined || isCount(leaks));
}

function isContext(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { kind, url, origin } = value;
  return (
    CONTEXTS.includes(kind as string) &&
    (url === undefined || isText(url, LIMITS.url)) &&
    (origin === undefined || isText(origin, LIMITS.url))
  );
}

/** `capacity` and `size` as a snapshot carries them: `null` capacity is infinite. */
function isCapacity(value: unknown): boolean {
  return value === null || isCount(value);
}

function isChannelSnapshot(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const channel = value;
  const { capacity, size, overflow } = channel;
  return (
    isCount(channel.id) &&
    isText(channel.name, LIMITS.name) &&
    isCapacity(capacity) &&
    isCount(size) &&
    // At most one value on an unbuffered channel: a broadcast's capacity-0 subscriber holds the
    // value its source's push handed over until a pull takes it (README, "Broadcast").
    (capacity === null || size <= Math.max(capacity as number, 1)) &&
    typeof channel.closed === 'boolean' &&
    OVERFLOWS.includes(overflow as string) &&
    (overflow === 'block' || capacity !== 0) &&
    (channel.createdAt === undefined || isText(channel.createdAt, LIMITS.stack)) &&
    (channel.input === undefined || typeof channel.input === 'boolean') &&
    isWaiterList(channel.pushers, 'pull') &&
    isWaiterList(channel.pullers, 'push') &&
    (channel.waiting === undefined || isWaiting(channel.waiting, channel.pushers, channel.pullers))
  );
}

/** `waiting`: the queues' true lengths, non-negative integers not below the lists' lengths. */
function isWaiting(value: unknown, pushers: unknown, pullers: unknown): boolean {
  if (!isRecord(value)) return false;
  const { pushers: pushes, pullers: pulls } = value;
  return (
    isCount(pushes) &&
    isCount(pulls) &&
    pushes >= (pushers as readonly unknown[]).length &&
    pulls >= (pullers as readonly unknown[]).length
  );
}

/** A list of waiters, none of which is of the `wrong` kind (a pull among pushers, or a push among pullers). */
function isWaiterList(value: unknown, wrong: 'push' | 'pull'): boolean {
  return (
    Array.isArray(value) &&
    value.length <= LIMITS.waiters &&
    everyOf(value, (waiter) => isWaiterSnapshot(waiter) && (waiter as { kind: unknown }).kind !== wrong)
  );
}

function isWaiterSnapshot(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const waiter = value;
  return (
    KINDS.includes(waiter.kind as string) &&
    isTime(waiter.since) &&
    (waiter.stack === undefined || isText(waiter.stack, LIMITS.stack)) &&
    (waiter.select === undefined || isCount(waiter.select)) &&
    (waiter.input === undefined || typeof waiter.input === 'boolean')
  );
}

function isLeakList(value: unknown): boolean {
  return Array.isArray(value) && value.length <= LIMITS.leaks && everyOf(value, isLeakSnapshot) && uniqueIds(value);
}

function isLeakSnapshot(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const leak = value;
  const channel = leak.channel;
  return (
    isCount(leak.id) &&
    KINDS.includes(leak.kind as string) &&
    isTime(leak.since) &&
    isTime(leak.detectedAt) &&
    (leak.stack === undefined || isText(leak.stack, LIMITS.stack)) &&
    isRecord(channel) &&
    isCount(channel.id) &&
    isText(channel.name, LIMITS.name) &&
    isCapacity(channel.capacity) &&
    (channel.createdAt === undefined || isText(channel.createdAt, LIMITS.stack)) &&
    (leak.cases === undefined || (leak.kind === 'select' && isLeakCases(leak.cases)))
  );
}

function isLeakCases(value: unknown): boolean {
  return Array.isArray(value) && value.length <= LIMITS.leakCases && everyOf(value, isLeakCase);
}

function isLeakCase(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const channel = value.channel;
  return (
    (value.kind === 'push' || value.kind === 'pull') &&
    isRecord(channel) &&
    isCount(channel.id) &&
    isText(channel.name, LIMITS.name)
  );
}
