/**
 * Test helpers: watch a promise settle without awaiting it, and let queued reactions run.
 */

/** What a tracked promise has done so far. */
export type Outcome<T> =
  | { status: 'pending' }
  | { status: 'fulfilled'; value: T }
  | { status: 'rejected'; reason: unknown };

/** Records how `promise` settles; read `.current` after {@link flush}. Marks the rejection handled. */
export function track<T>(promise: Promise<T>): { readonly current: Outcome<T> } {
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

/** Lets every reaction queued so far (and those they queue, a few levels deep) run. */
export async function flush(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** An `AbortSignal` already aborted with `reason`. */
export function abortedSignal(reason: unknown): AbortSignal {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
}

/** The error `promise` rejects with; fails the test if it fulfils. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The error `run` throws; fails the test if it returns. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * Counts the `abort` listeners the library has on a signal: every listener added from now on
 * but a test's own, which it marks with an `own: true` property.
 */
export function countListeners(signal: AbortSignal): { live: number } {
  const count = { live: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const seen = new Set<unknown>();
  signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === 'abort' && !(listener as { own?: boolean }).own && !seen.has(listener)) {
      seen.add(listener);
      count.live++;
    }
    add(type, listener, options as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === 'abort' && seen.delete(listener)) count.live--;
    remove(type, listener, options as EventListenerOptions);
  }) as typeof signal.removeEventListener;
  return count;
}
