/** Helpers of audit BE's durable tests (inside workerd, project `workers`). */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { type DurableChannel, type DurableChannelOptions, durableChannel } from 'chanasync/durable';

let count = 0;

/** A channel name no other test uses (storage persists for the whole run). */
export function fresh(label: string): string {
  return `audit-be-${label}-${++count}-${crypto.randomUUID()}`;
}

/** A client of a fresh channel (or of `name`), on the Worker's CHANNELS binding. */
export function channel<T>(name: string, options?: DurableChannelOptions): DurableChannel<T> {
  return durableChannel<T>(env.CHANNELS, name, options);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 10 ms until it holds; throws after `timeoutMs` (a liveness bound, not a timing assertion). */
export async function until(
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`until: ${what} not met in ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The rejection of `promise` (throws if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a value');
}

/** A promise's state, observed without changing it. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

/**
 * Resets the one object behind channel `name` (as a deploy or an eviction does: a fresh instance
 * over the same storage; calls under way fail), leaving the objects of other tests alone.
 */
export async function resetOne(name: string): Promise<void> {
  const stub = env.CHANNELS.get(env.CHANNELS.idFromName(name));
  await runInDurableObject(stub, (_instance, state) => {
    (state as unknown as { abort(reason?: unknown): void }).abort(new Error('audit BE: object reset'));
  }).catch(() => {}); // the abort fails this call too
}
