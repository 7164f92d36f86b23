/**
 * Helpers for audit AJ's ported queue suites: a macrotask turn (asyncio's `await sleep(0)` or
 * `run_briefly`, a Java thread getting scheduled), a promise tracker (`task.done()`), and a
 * polling wait with a generous deadline (a `CountDownLatch.await`).
 */

/** One macrotask turn: every microtask queued before it has run. */
export const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A few turns: chains of microtasks (an abort's rejection takes two more) have run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await tick();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: T;
  error?: unknown;
  promise: Promise<T>;
  readonly done: boolean;
}

/** Watches `promise` without leaving a rejection unhandled (asyncio's `Task.done()`). */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = {
    state: 'pending',
    promise,
    get done() {
      return t.state !== 'pending';
    },
  };
  promise.then(
    (value) => {
      t.state = 'fulfilled';
      t.value = value;
    },
    (error: unknown) => {
      t.state = 'rejected';
      t.error = error;
    },
  );
  return t;
}

/** Waits until `predicate()` holds, polling each turn, up to a generous deadline. */
export async function until(predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await tick();
  }
}

/** Java's `remainingCapacity()`: free buffer slots (0 for a rendezvous channel). */
export const remaining = (ch: { capacity: number; size: number }): number => ch.capacity - ch.size;
