/**
 * Helpers for the Go programs of test/programs-go.test.ts: Go's `time.Sleep` and
 * `sync.WaitGroup`, a deadline that turns a hang into a failure, and the leftovers a finished
 * program must not leave behind — parked operations (`stats()`), abort listeners, pending timers.
 */
import { getEventListeners } from 'node:events';
import { onTestFinished } from 'vitest';

/** The channel surface the leftover count reads (a `Channel`'s `stats()`). */
interface HasStats {
  stats(): { waitingPushers: number; waitingPullers: number };
}

/** Go's `time.Sleep`: resolves after `ms` on a real timer; with a signal, rejects with its reason and clears the timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Go's `sync.WaitGroup`: `add(n)`, `done()`, and `wait()`, which resolves once the count is back to 0. */
export class WaitGroup {
  #count = 0;
  #waiters: (() => void)[] = [];

  add(n = 1): void {
    this.#count += n;
  }

  done(): void {
    if (--this.#count < 0) throw new Error('WaitGroup: negative counter');
    if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
  }

  wait(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** Awaits `promise`, failing with `what hung` if it has not settled within `ms` (real time). */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hung: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parked pushes and pulls on `channels`, all together: 0 for a program that left nothing behind. */
export function parked(...channels: HasStats[]): number {
  let n = 0;
  for (const channel of channels) {
    const stats = channel.stats();
    n += stats.waitingPushers + stats.waitingPullers;
  }
  return n;
}

/** The `abort` listeners registered on `signal` now. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/**
 * Counts the timers set from now on that are still pending: wraps the global `setTimeout` and
 * `clearTimeout` until the test ends. (Timer channels look `setTimeout` up when they are created, so
 * create them after this call.) The process-wide count would include the test runner's timers.
 */
export function countTimers(): { pending(): number } {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const pending = new Set<unknown>();
  const set = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = realSet(
      (...callArgs: unknown[]) => {
        pending.delete(handle);
        callback(...callArgs);
      },
      ms,
      ...args,
    );
    pending.add(handle);
    return handle;
  };
  globalThis.setTimeout = set as typeof setTimeout;
  globalThis.clearTimeout = ((handle?: Parameters<typeof clearTimeout>[0]) => {
    pending.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout;
  onTestFinished(() => {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  });
  return { pending: () => pending.size };
}
