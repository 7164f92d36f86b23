/**
 * chanasync/debug — debug mode: channel-state snapshots for the DevTools inspector, over
 * `postMessage`. Off until {@link enableDebug}; a bundle that never imports this entry contains
 * none of it, and with it never enabled, core code takes no timestamps and no stacks.
 *
 * @packageDocumentation
 */
import type { SnapshotMessage } from '../protocol.js';
import { PAGE_SOURCE, PROTOCOL_VERSION } from '../protocol.js';
import { setTracker } from '../tracker.js';
import { type DebugTarget, Session } from './post.js';
import { Registry } from './snapshot.js';

export type { ChannelSnapshot, SnapshotMessage as DebugSnapshot, WaiterSnapshot } from '../protocol.js';
export type { DebugTarget } from './post.js';

/** Options of {@link enableDebug}. */
export interface DebugOptions {
  /**
   * Where snapshots are posted (default: `globalThis` when it has `postMessage` — a window,
   * or a worker's `self`). A window gets `postMessage(message, '*')`, anything else
   * `postMessage(message)`.
   */
  target?: DebugTarget;
  /** Where `hello`/`bye` arrive as `message` events (default: `globalThis`). */
  listen?: EventTarget;
  /** At most one snapshot per this many milliseconds, and only when something changed (default 250). */
  intervalMs?: number;
  /**
   * Record where each channel is created and where each operation parks (user frames only).
   * Costs a stack capture per channel and per park; default `false`.
   */
  stacks?: boolean;
}

/** The enabled session, if any. */
let session: Session | undefined;

/**
 * Turns debug mode on: every channel created from now on is tracked (through a `WeakRef`, so
 * it is never kept alive by debug mode), and every operation that parks on one is recorded
 * with its kind and time (and, with `stacks`, its stack). Posts `announce`; from the first
 * `hello` until a `bye`, posts a snapshot at most every `intervalMs`, when something changed.
 * Calling it again starts over with the new options.
 *
 * @throws {RangeError} if `intervalMs` is not a positive finite number.
 * @example
 * ```ts
 * import { enableDebug } from 'chanasync/debug';
 * enableDebug({ stacks: true }); // before creating the channels you want to see
 * ```
 */
export function enableDebug(options?: DebugOptions): void {
  const intervalMs = options?.intervalMs ?? 250;
  if (!(intervalMs > 0 && intervalMs < Infinity)) {
    throw new RangeError(`enableDebug: intervalMs must be a positive finite number, got ${intervalMs}`);
  }
  disableDebug();
  const global = globalThis as unknown as Partial<DebugTarget & EventTarget>;
  const target = options?.target ?? (typeof global.postMessage === 'function' ? (global as DebugTarget) : undefined);
  const listen =
    options?.listen ?? (typeof global.addEventListener === 'function' ? (global as EventTarget) : undefined);
  const registry = new Registry(options?.stacks === true);
  setTracker(registry.track);
  session = new Session(registry, target, listen, intervalMs);
}

/** Turns debug mode off: stops tracking, posting and listening. Tracked channels are forgotten. */
export function disableDebug(): void {
  setTracker(undefined);
  session?.close();
  session = undefined;
}

/**
 * The state of every channel tracked since debug mode was enabled: for each, `id`, `name`,
 * `capacity` (`null` for `Infinity`), `size`, `closed`, `overflow`, and its parked pushes and
 * pulls with their kind and `since` — never buffered values. Structured-clone safe, bounded
 * (see `LIMITS` in `chanasync/protocol`; `truncated` counts what was left out). With debug mode
 * off, a snapshot with no channels.
 *
 * @example
 * ```ts
 * // In a Worker: a debug route.
 * if (url.pathname === '/debug/channels') return Response.json(snapshot());
 * ```
 */
export function snapshot(): SnapshotMessage {
  return (
    session?.registry.snapshot() ?? {
      source: PAGE_SOURCE,
      version: PROTOCOL_VERSION,
      type: 'snapshot',
      time: Date.now(),
      channels: [],
    }
  );
}
