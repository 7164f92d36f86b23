/**
 * Small helpers for the ported suites: a "yield" that lets every queued microtask and timer
 * turn run (the closest thing to Kotlin's `yield()` / trio's `wait_all_tasks_blocked()` on an
 * event loop), and a tracker that shows whether a promise settled yet.
 */

/** One macrotask turn: every microtask queued before it has run. */
export const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A few turns: chains of microtasks and zero-delay timers have run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await tick();
}

export interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: T;
  error?: unknown;
  promise: Promise<T>;
}

/** Watches `promise` without leaving a rejection unhandled. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { state: 'pending', promise };
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

/** Records the order in which steps happen (Kotlin's TestBase `expect(n)` / `finish(n)`). */
export class Steps {
  readonly log: number[] = [];
  expect(n: number): void {
    this.log.push(n);
  }
}

/** `counts[index]++` for a counter array (the test tsconfig checks indexed access). */
export function bump(counts: number[], index: number): void {
  counts[index] = (counts[index] ?? 0) + 1;
}

export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for a promise to reject and returns the reason (fails if it fulfils). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
