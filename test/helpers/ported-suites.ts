/**
 * Helpers shared by the suites ported from other libraries (test/audit-af, audit-ag, audit-aj):
 * a "yield" that lets every queued microtask and timer turn run (the closest thing to Kotlin's
 * `yield()`, trio's `wait_all_tasks_blocked()`, asyncio's `await sleep(0)` or a Java thread
 * getting scheduled on an event loop), a tracker that shows whether a promise settled yet
 * (asyncio's `Task.done()`), and a polling wait with a generous deadline (a
 * `CountDownLatch.await`).
 */

import type { Channel } from 'chanasync';
import { expect } from 'vitest';

export { rejection } from './track.js';

/** One macrotask turn: every microtask queued before it has run. */
export const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A few turns: chains of microtasks (an abort's rejection takes two more) and zero-delay timers have run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await tick();
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What {@link track} reports of a promise. */
export interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  /** Whether it settled (asyncio's `Task.done()`). */
  readonly done: boolean;
  value?: T;
  error?: unknown;
  promise: Promise<T>;
}

/** Watches `promise` without leaving a rejection unhandled. */
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

/** Crossbeam's scope with a thread per step: each step runs for i = 0..count-1 in a task of its own, all tasks at once. */
export async function loopsInParallel(count: number, ...steps: ((i: number) => Promise<void>)[]): Promise<void> {
  await Promise.all(
    steps.map(async (step) => {
      for (let i = 0; i < count; i++) await step(i);
    }),
  );
}

/** Retries `attempt` while it rejects with a `TimeoutError` (a timed operation in a `loop` until it succeeds); resolves with its value. */
export async function retryTimeouts<T>(attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      expect(e instanceof DOMException && e.name === 'TimeoutError').toBe(true);
    }
  }
}

/** A `len` test's round, `rounds` times: push 0..49, then pull them, checking `size` after each step. */
export async function sizeFollowsRounds(ch: Channel<number>, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 50; i++) {
      await ch.push(i);
      expect(ch.size).toBe(i + 1);
    }
    for (let i = 0; i < 50; i++) {
      await ch.pull();
      expect(ch.size).toBe(50 - i - 1);
    }
  }
}

/** A `len` test's concurrent part: a receiver and a sender of 0..count-1 in step; the largest `size` either saw. */
export async function largestSizeUnderLoad(ch: Channel<number>, count: number): Promise<number> {
  let max = 0;
  await loopsInParallel(
    count,
    async (i) => {
      expect(await ch.pull()).toBe(i);
      max = Math.max(max, ch.size);
    },
    async (i) => {
      await ch.push(i);
      max = Math.max(max, ch.size);
    },
  );
  return max;
}
