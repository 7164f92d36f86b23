/**
 * Audit BE-core helpers: settle-state probes and a seeded PRNG. No chanasync internals.
 */

export type Outcome<T> =
  | { status: 'pending' }
  | { status: 'fulfilled'; value: T }
  | { status: 'rejected'; reason: unknown };

/** Lets every queued microtask chain run (the library settles through microtasks). */
export async function flush(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** Observes a promise: attaches handlers at once (so no unhandled rejection) and returns a live view. */
export function watch<T>(promise: Promise<T>): { readonly current: Outcome<T> } {
  const box: { current: Outcome<T> } = { current: { status: 'pending' } };
  promise.then(
    (value) => {
      box.current = { status: 'fulfilled', value };
    },
    (reason: unknown) => {
      box.current = { status: 'rejected', reason };
    },
  );
  return box;
}

/** The state of a promise after the microtask queue has drained. */
export async function outcome<T>(promise: Promise<T>, turns = 30): Promise<Outcome<T>> {
  const w = watch(promise);
  await flush(turns);
  return w.current;
}

/** Runs a synchronous function and returns what it threw (or `undefined`). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The rejection reason of a promise (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a fulfilment');
}

/** mulberry32: a small seeded PRNG for reproducible random schedules. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many `Timeout` handles keep the Node process alive right now. */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
