/** Helpers shared by audit T's tests. */
import { flush } from '../helpers/track.js';

/** Lets every pending microtask (and the ones they queue, 20 levels deep) run: the suite's `flush`. */
export const settle = (rounds = 20): Promise<void> => flush(rounds);

/** Lets a macrotask turn pass (timers of 0 ms, I/O). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface Tracked<T> {
  status: 'pending' | 'resolved' | 'rejected';
  value?: T;
  reason?: unknown;
}

/** Watches a promise's outcome without awaiting it (and marks its rejection handled). */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const state: Tracked<T> = { status: 'pending' };
  promise.then(
    (value) => {
      state.status = 'resolved';
      state.value = value;
    },
    (reason) => {
      state.status = 'rejected';
      state.reason = reason;
    },
  );
  return state;
}

/** Counts the timers made through `setTimeout` from now on that are still pending (see test/helpers/timers.ts). */
export { pendingTimers as timerLedger } from '../helpers/timers.js';
