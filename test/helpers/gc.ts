/**
 * Helpers for the `gc` vitest project (files named `*.gc.test.ts`, run with `--expose-gc`):
 * force collections and let finalizers run.
 */
import { expect } from 'vitest';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (the vitest "gc" project)');

/** A macrotask: lets finalizers and timers run. */
export const tick = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Collects garbage until every referent of `refs` is gone (and their finalizers had a chance
 * to run), or fails: a test that expects "no leak" must not pass because nothing was collected.
 */
export async function collectAll(refs: readonly WeakRef<object>[]): Promise<void> {
  for (let round = 0; round < 30; round++) {
    await tick();
    gc?.();
    if (refs.every((ref) => ref.deref() === undefined)) break;
  }
  expect(refs.map((ref) => ref.deref() === undefined)).toEqual(refs.map(() => true));
  // Finalization callbacks run in tasks of their own, after the collection.
  for (let round = 0; round < 3; round++) await tick();
}

/** The heap in use once collections have settled (`rounds` of a macrotask and a collection). */
export async function heapUsed(rounds = 6): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    await tick();
    gc?.();
  }
  return process.memoryUsage().heapUsed;
}

/** A promise whose rejection (by close or abort) the test expects. */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
