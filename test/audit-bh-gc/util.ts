/**
 * Helpers of audit BH-gc: build a wait inside a function scope, collect, then end it.
 */
import { tick } from '../helpers/gc.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;

/** `rounds` of a macrotask and a full collection: whatever nothing roots is gone afterwards. */
export async function collect(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await tick();
    gc();
  }
}

/** How a promise settled: `resolved <json>`, `rejected <name>: <message>`, or `pending` after `ms`. */
export function outcome(promise: Promise<unknown>, ms = 1500): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  const settled = promise.then(
    (value) => `resolved ${JSON.stringify(value)}`,
    (error: unknown) =>
      error instanceof Error || error instanceof DOMException
        ? `rejected ${error.name}: ${error.message}`
        : `rejected ${String(error)}`,
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

/**
 * Marks `promise` handled at once and returns it. A wait that a short `AbortSignal.timeout`
 * rejects may fail while {@link collect} runs — on a loaded machine its six collections outlast
 * the timeout — before {@link outcome} attaches its reaction: vitest would report that as an
 * unhandled rejection. `outcome` still reads how it settled.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** A promise that never settles (and holds nothing). */
export const never = (): Promise<never> => new Promise<never>(() => {});

/** Sleeps `ms` (a timer: it holds only its own callback). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
