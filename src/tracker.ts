/**
 * The debug hook: the only place where core code knows debug mode exists.
 *
 * `chanasync/debug` installs a {@link Tracker} while it is enabled. Core code calls it at two
 * points — a channel is created, an operation parks — and does nothing else for it: with debug
 * mode never enabled, the cost is one `undefined` check at each of those points, and no
 * timestamp or stack is ever taken. Everything else (what was parked since when, snapshots,
 * posting) lives in `src/debug/`.
 */
import type { Channel } from './channel.js';
import type { Waiter } from './waiters.js';

/**
 * What debug mode hears about: `tracker(channel)` when a channel is constructed, and
 * `tracker(waiter, kind)` when a waiter was just queued — a push (`true`), a pull (`false`),
 * or a select case (`'select'`). One function rather than two methods keeps the hook points
 * in the smallest bundles to a few bytes.
 */
export type Tracker = (subject: Channel<any> | Waiter<any>, kind?: boolean | 'select') => void;

/** The installed tracker; `undefined` unless debug mode is enabled. */
export let tracker: Tracker | undefined;

/** Installs (or, with `undefined`, removes) the tracker. */
export function setTracker(next: Tracker | undefined): void {
  tracker = next;
}
