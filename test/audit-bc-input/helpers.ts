/**
 * Audit BC-input: shared helpers. `outcome` runs a call and tells how it failed: a synchronous
 * throw, a rejected promise, or neither — so that each table row can say which one the TSDoc asks
 * for (a synchronous function throws, a function that returns a promise rejects).
 */
import { expect } from 'vitest';

export type Outcome =
  | { how: 'throw'; error: unknown }
  | { how: 'reject'; error: unknown }
  | { how: 'return'; value: unknown }
  | { how: 'resolve'; value: unknown }
  | { how: 'pending' };

/** Lets queued microtasks and one timer turn run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Runs `call`. A promise it returns is given one timer turn to settle (a bad-input rejection
 * settles at once); if it has not, the outcome is `pending`.
 */
export async function outcome(call: () => unknown): Promise<Outcome> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { how: 'throw', error };
  }
  if (!(result instanceof Promise)) return { how: 'return', value: result };
  let settled: Outcome = { how: 'pending' };
  result.then(
    (value) => {
      settled = { how: 'resolve', value };
    },
    (error) => {
      settled = { how: 'reject', error };
    },
  );
  await settle();
  return settled;
}

/** Asserts that `got` failed the way `how` says, with an error of class `type` whose message matches `message`. */
export function expectFailure(
  got: Outcome,
  how: 'throw' | 'reject',
  type: new (...args: any[]) => Error,
  message: RegExp,
): void {
  expect(got.how).toBe(how);
  const error = (got as { error?: unknown }).error;
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
}

/**
 * A duck-typed `AbortSignal` whose abort the test dispatches by hand, each listener in its own
 * try/catch — as the platform does, which reports a listener's error and goes on with the next.
 * Returns the errors the listeners threw (in Node a real `AbortSignal` turns such an error into
 * an uncaught exception).
 */
export function handSignal() {
  const listeners = new Set<(event: unknown) => void>();
  const signal = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener(_type: string, listener: (event: unknown) => void) {
      listeners.add(listener);
    },
    removeEventListener(_type: string, listener: (event: unknown) => void) {
      listeners.delete(listener);
    },
  };
  return {
    signal: signal as unknown as AbortSignal,
    listeners,
    abort(reason: unknown): unknown[] {
      signal.aborted = true;
      signal.reason = reason;
      const thrown: unknown[] = [];
      for (const listener of [...listeners]) {
        try {
          listener({ type: 'abort' });
        } catch (error) {
          thrown.push(error);
        }
      }
      return thrown;
    },
  };
}
