/**
 * The debug hook: the only place where core code knows debug mode exists.
 *
 * `chanasync/debug` installs a {@link Tracker} while it is enabled. Core code calls it at three
 * points — a channel is created, an operation parks, a parked operation leaves its queue — and
 * does nothing else for it: with debug mode never enabled, the cost is one `undefined` check at
 * each of those points, and no timestamp or stack is ever taken. Everything else (what was
 * parked since when, leaks, snapshots, posting) lives in `src/debug/`.
 *
 * The installer is not an export of any package entry: `src/debug/` imports it from
 * `channel.ts`, which re-exports it, so that the build keeps this variable in the same file as
 * the hot paths that read it (see esbuild.config.mjs).
 */
import type { Channel, ChannelOptions } from './channel.js';
import type { Waiter } from './waiters.js';

/**
 * What debug mode hears about:
 * - `tracker(channel, 'create', options)` when a channel is constructed (`options` as given,
 *   e.g. `input: true`);
 * - `tracker(waiter, 'push' | 'pull' | 'select', owner?)` right after a waiter was queued (a
 *   multi-case select reports each of its case waiters, which share `waiter.group`); `owner` is
 *   what parks on behalf of its caller, whose later parks share the stack of its first (debug
 *   mode with stacks): a relay (a `merge`, a broadcast, a `from(channel)`, a `toPort` sender),
 *   whose later parks run inside whichever producer's push fed it last, a frame of the other
 *   side (audit BF-I2); or a `pushAll`, whose later parks are made in a microtask, where no
 *   frame of its caller is left (audit AX-D2);
 * - `tracker(waiter, 'leave')` when a queued waiter is unlinked — committed, cancelled by its
 *   signal, failed by `close()`, or a select case that lost — before it settles;
 * - `tracker(owner, 'owner')` when an owner whose first park comes later, from a microtask with
 *   no frame of its caller left, is made: its parks get the stack of this call instead (a
 *   capacity-0 `from(channel)`, which reads its source only once a pull asks; a
 *   `toReadableStream`, whose pulls the stream makes: audit BO-debug-1 and -2).
 *
 * One function rather than several methods keeps the hook points in the smallest bundles to a
 * few bytes.
 */
export type Tracker = {
  (channel: Channel<any>, event: 'create', options: ChannelOptions | undefined): void;
  (waiter: Waiter<any>, event: 'push' | 'pull' | 'select' | 'leave', owner?: object): void;
  (owner: object, event: 'owner'): void;
};

/**
 * The bits of a channel's `debugMarks`. An enum, not four constants: esbuild writes an enum
 * member's value where it is used, in dist/ too, so a consumer's minifier sees `& 1`, not a
 * variable it cannot inline (`{ Channel }`: 17 bytes, minified and gzipped).
 */
export enum Mark {
  /**
   * Debug mode noted the channel in this task (it will look at its queues at the end of the
   * task), so a park on it need not be reported — unless stacks are recorded, when debug mode
   * never sets it.
   */
  NOTED = 1,
  /**
   * An operation parked on the channel was recorded, so an operation leaving its queue must be
   * reported (it may be that one). Never cleared.
   */
  RECORDED = 2,
  /**
   * The enabled debug mode tracks the channel (created while it was on), and reports the
   * operations parked on it as leaked once it is collected. Cleared for every live channel when
   * that debug mode is turned off. An operation parked with a signal on such a channel gets no
   * way out for after its channel is collected (see `park` in `waiters.ts`): it would keep the
   * channel alive, and the leak unreported. Every other one keeps its way out — on a channel
   * created before debug mode was enabled, nothing would report it.
   */
  TRACKED = 4,
  /**
   * Set by no debug mode: the channel's feeder wants to hear when an operation leaves one of its
   * queues (`claim`), with `feed(true)`. A port receiver of capacity 0 counts its parked pulls
   * as credit, and takes back the credit of one that gave up; a channel its signal closes
   * (`fromEvent`'s, a broadcast subscriber, with a signal) is held by its watch only while an
   * operation with no way out of its own waits on it (`hold` in `waiters.ts`), and a relay that
   * reads such a channel (merge, a subscriber, `from`) tells it when a pull leaves the relay
   * (`hold`).
   */
  LEAVES = 8,
}

/** The installed tracker; `undefined` unless debug mode is enabled. */
export let tracker: Tracker | undefined;

/** Installs (or, with `undefined`, removes) the tracker. */
export function setTracker(next: Tracker | undefined): void {
  tracker = next;
}
