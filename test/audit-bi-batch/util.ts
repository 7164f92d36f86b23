/**
 * Helpers of audit BI-batch (batch operations, broadcast, ticker and after).
 */
import { rejection as rejectionOf, thrown as thrownBy } from '../helpers/track.js';

/** Lets `n` microtasks run. */
export async function flush(n = 30): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** How a promise settled by now (after `flush`): 'pending', or its outcome. */
export async function state<T>(
  promise: Promise<T>,
): Promise<{ status: 'pending' } | { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown }> {
  let result: { status: 'pending' } | { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } = {
    status: 'pending',
  };
  promise.then(
    (value) => {
      result = { status: 'fulfilled', value };
    },
    (reason: unknown) => {
      result = { status: 'rejected', reason };
    },
  );
  await flush();
  return result;
}

/** The rejection of `promise` (fails if it resolves), typed loosely for the assertions. */
export const rejection = rejectionOf as (promise: Promise<unknown>) => Promise<any>;

/** The error `fn` throws synchronously (fails if it does not), typed loosely. */
export const thrown = thrownBy as (fn: () => unknown) => any;

/**
 * A duck-typed signal (README: any object with `aborted`, `addEventListener` and
 * `removeEventListener` is a signal) whose `aborted` getter runs `onRead` while `armed`.
 */
export function trapSignal(onRead: () => void): { signal: AbortSignal; arm(skip?: number): void; disarm(): void } {
  let armed = false;
  let skipping = 0;
  const listeners = new Set<() => void>();
  const signal = {
    get aborted() {
      if (armed && skipping > 0) skipping--;
      else if (armed) {
        armed = false;
        onRead();
      }
      return false;
    },
    reason: undefined,
    addEventListener(_type: string, listener: () => void) {
      listeners.add(listener);
    },
    removeEventListener(_type: string, listener: () => void) {
      listeners.delete(listener);
    },
  };
  return {
    signal: signal as unknown as AbortSignal,
    arm: (skip = 0) => {
      armed = true;
      skipping = skip;
    },
    disarm: () => {
      armed = false;
    },
  };
}
