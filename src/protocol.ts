/**
 * The debug wire protocol: the messages chanasync's debug mode and the DevTools inspector
 * exchange over `postMessage`, and the guards that check them. This module is their sole
 * definition; `chanasync/debug` and the inspector extension both import it
 * (`chanasync/protocol`).
 *
 * Page → inspector: `announce` (debug mode was enabled), `snapshot` (the channels now).
 * Inspector → page: `hello` (start sending snapshots), `bye` (stop).
 * Every message carries its `source` tag and the protocol `version`.
 */

/** The `source` of messages posted by the page's debug mode. */
export const PAGE_SOURCE = 'chanasync';
/** The `source` of messages posted by the inspector. */
export const INSPECTOR_SOURCE = 'chanasync-inspector';
/** The protocol version every message carries. */
export const PROTOCOL_VERSION = 1;

/** Bounds that keep a snapshot's size in check; the guards reject anything beyond them. */
export const LIMITS = {
  /** Channels listed in one snapshot; the rest are counted in `truncated.channels`. */
  channels: 1000,
  /** Waiters listed per queue (`pushers`, `pullers`); the rest are counted in `truncated.waiters`. */
  waiters: 100,
  /** Characters of a channel name. */
  name: 200,
  /** Characters of a stack trace (`createdAt`, `stack`). */
  stack: 4000,
} as const;

/** A parked operation in a snapshot. */
export interface WaiterSnapshot {
  /** What is parked: a plain push or pull, or a case of a select. */
  readonly kind: 'push' | 'pull' | 'select';
  /** When it parked, in ms since the epoch. */
  readonly since: number;
  /** Where it parked (user frames only), with `stacks: true`. */
  readonly stack?: string;
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
  /** Parked pushes, oldest first (at most `LIMITS.waiters`). */
  readonly pushers: readonly WaiterSnapshot[];
  /** Parked pulls, oldest first (at most `LIMITS.waiters`). */
  readonly pullers: readonly WaiterSnapshot[];
}

/** The state of every tracked channel. */
export interface SnapshotMessage {
  readonly source: typeof PAGE_SOURCE;
  readonly version: typeof PROTOCOL_VERSION;
  readonly type: 'snapshot';
  /** When the snapshot was taken, in ms since the epoch. */
  readonly time: number;
  /**
   * The channels, those with parked operations first (longest waiting first), then the
   * others by id; at most `LIMITS.channels`.
   */
  readonly channels: readonly ChannelSnapshot[];
  /** Present when something was left out: how many channels and waiters. */
  readonly truncated?: { readonly channels: number; readonly waiters: number };
}

/** Debug mode was enabled: an inspector that is already open answers with `hello`. */
export interface AnnounceMessage {
  readonly source: typeof PAGE_SOURCE;
  readonly version: typeof PROTOCOL_VERSION;
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

/** `{ source, version, type }` of a message from `source`, or `undefined` for anything else. */
function envelope(message: unknown, source: string): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { source: from, version, type } = message as Record<string, unknown>;
  return from === source && version === PROTOCOL_VERSION && typeof type === 'string' ? type : undefined;
}

/** Whether `message` is a `hello` or `bye` from the inspector. Cheap for foreign messages. */
export function isInspectorToPageMessage(message: unknown): message is InspectorToPageMessage {
  const type = envelope(message, INSPECTOR_SOURCE);
  return type === 'hello' || type === 'bye';
}

/**
 * Whether `message` is a well-formed `announce` or `snapshot` from a page — every field of the
 * right type and within {@link LIMITS}. The inspector checks each message with it before use.
 */
export function isPageToInspectorMessage(message: unknown): message is PageToInspectorMessage {
  const type = envelope(message, PAGE_SOURCE);
  if (type === 'announce') return true;
  if (type !== 'snapshot') return false;
  const { time, channels, truncated } = message as Record<string, unknown>;
  if (typeof time !== 'number' || !Array.isArray(channels) || channels.length > LIMITS.channels) return false;
  if (truncated !== undefined && !isTruncated(truncated)) return false;
  return channels.every(isChannelSnapshot);
}

const OVERFLOWS = ['block', 'drop-oldest', 'drop-newest'];
const KINDS = ['push', 'pull', 'select'];

function isTruncated(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { channels, waiters } = value as Record<string, unknown>;
  return typeof channels === 'number' && typeof waiters === 'number';
}

function isText(value: unknown, limit: number): boolean {
  return typeof value === 'string' && value.length <= limit;
}

function isChannelSnapshot(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const channel = value as Record<string, unknown>;
  return (
    typeof channel.id === 'number' &&
    isText(channel.name, LIMITS.name) &&
    (channel.capacity === null || typeof channel.capacity === 'number') &&
    typeof channel.size === 'number' &&
    typeof channel.closed === 'boolean' &&
    OVERFLOWS.includes(channel.overflow as string) &&
    (channel.createdAt === undefined || isText(channel.createdAt, LIMITS.stack)) &&
    isWaiterList(channel.pushers) &&
    isWaiterList(channel.pullers)
  );
}

function isWaiterList(value: unknown): boolean {
  return Array.isArray(value) && value.length <= LIMITS.waiters && value.every(isWaiterSnapshot);
}

function isWaiterSnapshot(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const waiter = value as Record<string, unknown>;
  return (
    KINDS.includes(waiter.kind as string) &&
    typeof waiter.since === 'number' &&
    (waiter.stack === undefined || isText(waiter.stack, LIMITS.stack))
  );
}
