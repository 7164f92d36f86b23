/**
 * chanasync/debug — debug mode: channel-state snapshots for the DevTools inspector, over
 * `postMessage`. Off until {@link enableDebug}; a bundle that never imports this entry contains
 * none of it, and with it never enabled, core code takes no timestamps and no stacks.
 *
 * @packageDocumentation
 */
import type { SnapshotMessage } from '../protocol.js';
import { isSignal } from '../signals.js';
import { type DebugTarget, detectContext, emptySnapshot, hasMethod, Session } from './post.js';
import { Registry, setTracker } from './snapshot.js';
import { warnLeak } from './warn.js';

export type {
  ChannelSnapshot,
  DebugContext,
  LeakCase,
  LeakSnapshot,
  SnapshotMessage as DebugSnapshot,
  WaiterSnapshot,
  /** The SPEC's name for {@link WaiterSnapshot}: one parked operation in a snapshot. */
  WaiterSnapshot as Waiter,
} from '../protocol.js';
export type { DebugTarget } from './post.js';
export { type RelayEndpoint, type RelayOptions, relayDebug } from './relay.js';

/** Options of {@link enableDebug}. */
export interface DebugOptions {
  /**
   * Where snapshots are posted (default: `globalThis` when it has `postMessage` — a window,
   * or a worker's `self`). A window gets `postMessage(message, '*')`, anything else
   * `postMessage(message)`.
   */
  target?: DebugTarget | undefined;
  /**
   * Where `hello`/`bye` arrive as `message` events (default: `globalThis`); one that another
   * window posted there (a frame's `parent.postMessage`) is not the inspector's, and is ignored.
   * A `MessagePort` is started (`start()`), since browsers deliver a port's messages only then:
   * attach your own listeners to it in the same task.
   */
  listen?: EventTarget | undefined;
  /** At most one snapshot per this many milliseconds, and only when something changed (default 250). */
  intervalMs?: number | undefined;
  /**
   * Record where each channel is created and where each operation parks (user frames only).
   * Costs a stack capture per channel and per park; default `false`.
   */
  stacks?: boolean | undefined;
  /**
   * Warn on the console (`console.warn`, once per leak) when a parked operation leaks: its
   * channel was garbage-collected while it waited. Default `true`; leaks are in snapshots
   * either way.
   */
  warnLeaks?: boolean | undefined;
}

/** The enabled session, if any. */
let session: Session | undefined;

/** Puts a worker scope's own `close` back (see {@link watchClose}), while debug mode stands in for it. */
let restoreClose: (() => void) | undefined;

/**
 * A Worker that closes itself says nothing to its page, and the inspector would keep listing
 * its waits, ageing into "stuck": in a worker's global scope, while debug mode is on, `close()`
 * turns debug mode off first (posting the last snapshot with no channels), then closes.
 * (A `[Global]` interface's operations are own properties of the global object.)
 */
function watchClose(): void {
  const scope = globalThis as unknown as { close?: unknown };
  const own = Object.getOwnPropertyDescriptor(scope, 'close');
  const original = scope.close;
  if (typeof original !== 'function') return;
  function close(this: unknown, ...args: unknown[]): unknown {
    disableDebug();
    return Reflect.apply(original as () => void, this, args);
  }
  try {
    scope.close = close;
    restoreClose = () => {
      if (scope.close !== close) return;
      if (own) Object.defineProperty(scope, 'close', own);
      else delete scope.close;
    };
  } catch {
    // A frozen global: nothing to watch.
  }
}

/** `typeof`, with `null` told apart, for error messages. */
function typeName(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

/**
 * Turns debug mode on: every channel created from now on is tracked (through a `WeakRef`, so
 * it is never kept alive by debug mode), and every operation that parks on one is recorded
 * with its kind and time (and, with `stacks`, its stack) until it leaves its queue. An
 * operation still parked when its channel is garbage-collected can never complete: it is
 * reported as **leaked** — in `snapshot().leaked` (until {@link clearLeaks}) and, unless
 * `warnLeaks: false`, with one `console.warn`. Posts `announce`; from the first `hello` until
 * a `bye`, posts a snapshot at most every `intervalMs`, when something changed. Calling it
 * again starts over with the new options (the running session ends as {@link disableDebug}
 * ends it). Every option is checked before anything changes: a
 * call that throws leaves debug mode as it was. In a Worker, `close()` turns debug mode off
 * first, so that a connected inspector stops listing the Worker's channels.
 *
 * @throws {TypeError} if `options` is not an object (or is an `AbortSignal`), `target` has no `postMessage`, `listen`
 *   is not an `EventTarget`, `intervalMs` is not a number, or `stacks` or `warnLeaks` is not
 *   a boolean.
 * @throws {RangeError} if `intervalMs` is not a positive finite number.
 * @throws {TypeError} if the platform has no `WeakRef` or `FinalizationRegistry` (a Cloudflare
 *   Worker with a compatibility date before 2025-05-05 and without the `enable_weak_ref` flag).
 * @throws whatever `target.postMessage` throws when posting the `announce` (debug mode is then
 *   left as it was).
 * @example
 * ```ts
 * import { enableDebug } from 'chanasync/debug';
 * enableDebug({ stacks: true }); // before creating the channels you want to see
 * ```
 */
export function enableDebug(options?: DebugOptions): void {
  const name = 'enableDebug(options)';
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${name}: options must be an object, got ${typeName(options)}`);
  }
  // Read as options, a signal would be silently ignored: debug mode would never stop on abort.
  if (isSignal(options)) {
    throw new TypeError(
      `${name}: options is an AbortSignal: debug mode takes no signal (call disableDebug() on abort)`,
    );
  }
  const { target, listen, intervalMs = 250, stacks = false, warnLeaks = true } = options ?? {};
  if (target !== undefined && !hasMethod(target, 'postMessage')) {
    throw new TypeError(`${name}: target has no postMessage method`);
  }
  if (listen !== undefined && !(hasMethod(listen, 'addEventListener') && hasMethod(listen, 'removeEventListener'))) {
    throw new TypeError(`${name}: listen is not an EventTarget (it needs addEventListener and removeEventListener)`);
  }
  if (typeof intervalMs !== 'number') {
    throw new TypeError(`${name}: intervalMs must be a number, got ${typeName(intervalMs)}`);
  }
  if (!(intervalMs > 0 && intervalMs < Infinity)) {
    throw new RangeError(`${name}: intervalMs must be a positive finite number, got ${intervalMs}`);
  }
  if (typeof stacks !== 'boolean') throw new TypeError(`${name}: stacks must be a boolean, got ${typeName(stacks)}`);
  if (typeof warnLeaks !== 'boolean') {
    throw new TypeError(`${name}: warnLeaks must be a boolean, got ${typeName(warnLeaks)}`);
  }
  if (typeof WeakRef !== 'function' || typeof FinalizationRegistry !== 'function') {
    // Without them debug mode could only keep every channel alive (a leak of its own) and
    // could not detect leaked operations: refuse, and say how to get them.
    throw new TypeError(
      `${name}: debug mode needs WeakRef and FinalizationRegistry, missing here (a Cloudflare Worker has them from compatibility date 2025-05-05 on, or with the enable_weak_ref flag)`,
    );
  }
  const here = globalThis as unknown as Partial<DebugTarget & EventTarget>;
  const to = target ?? (hasMethod(here, 'postMessage') ? (here as DebugTarget) : undefined);
  const from = listen ?? (hasMethod(here, 'addEventListener') ? (here as EventTarget) : undefined);
  const context = detectContext();
  const registry = new Registry({ stacks, onLeak: warnLeaks ? warnLeak : undefined, context });
  // The new session announces itself before the running one stops: a target that throws on
  // the announce makes this call throw with the running session untouched.
  const next = new Session(registry, to, from, intervalMs);
  disableDebug();
  registry.install();
  session = next;
  if (context?.kind === 'worker') watchClose();
}

/**
 * Turns debug mode off: stops tracking, posting and listening, and forgets the tracked
 * channels and the leaks detected. An inspector that is connected (between its `hello` and a
 * `bye`) first gets a last snapshot with no channels, at once — unless the last one it got had
 * none either — so that it stops showing the channels as live (an inspector keeps the leaks it
 * listed until the user clears them). Never throws (a target that throws on that snapshot
 * loses only it); leaves no listener and no timer behind. Does nothing when debug mode is off.
 *
 * @example
 * ```ts
 * import { disableDebug } from 'chanasync/debug';
 * disableDebug();
 * ```
 */
export function disableDebug(): void {
  restoreClose?.();
  restoreClose = undefined;
  setTracker(undefined);
  const ending = session;
  session = undefined;
  ending?.registry.close();
  ending?.close();
}

/**
 * Forgets the leaks detected so far: the next snapshots carry only leaks detected from now on
 * (the page's side of an inspector's "Clear", which forgets in the panel only and never reaches
 * the page). Does nothing when debug mode is off.
 *
 * @example
 * ```ts
 * import { clearLeaks, snapshot } from 'chanasync/debug';
 * clearLeaks();
 * console.log(snapshot().leaked); // undefined
 * ```
 */
export function clearLeaks(): void {
  session?.registry.clearLeaks();
}

/**
 * The state of every tracked channel that is still alive: for each, `id`, `name`, `capacity`
 * (`null` for `Infinity` and for any capacity of 2⁵³ or more), `size`, `closed`, `overflow`,
 * `input`, and its parked pushes and pulls with their kind, `since`, `select` (the id of a
 * multi-case select) and `input` (the wait is explained by input) — never buffered values.
 * Plus `leaked` (operations that can never complete) and `context` (page, frame or worker,
 * where known). The snapshots posted to an inspector also carry `seq`, increasing with every
 * one posted, even across sessions. Channels whose waits nothing explains come first, then
 * those waiting for input, then idle ones. Structured-clone safe, bounded (see `LIMITS` in
 * `chanasync/protocol`; `truncated` counts what was left out). With debug mode off, a
 * snapshot with no channels.
 *
 * @example
 * ```ts
 * import { snapshot } from 'chanasync/debug';
 *
 * // In a Worker: a debug route.
 * export default {
 *   fetch(request: Request): Response {
 *     const url = new URL(request.url);
 *     if (url.pathname === '/debug/channels') return Response.json(snapshot());
 *     return new Response('not found', { status: 404 });
 *   },
 * };
 * ```
 */
export function snapshot(): SnapshotMessage {
  return session?.registry.snapshot() ?? emptySnapshot();
}
