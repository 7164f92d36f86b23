/** Helpers of auditor BO's durable tests: black-box, from SPEC and README only. */
import { env, exports } from 'cloudflare:workers';
import type { DurableObjectNamespaceLike } from 'chanasync/durable';

export { freshName, rawStub, resetObject, startInOrder, until } from '../helpers.js';

/** The CHANNELS binding, typed as a user types it. */
export const ns = (): DurableObjectNamespaceLike => env.CHANNELS as unknown as DurableObjectNamespaceLike;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The error a promise rejects with; fails if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    const v = await p;
    throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('expected a rejection')) throw e;
    return e;
  }
}

/** Races `p` against a timer: a hang becomes a clear failure. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`hang: ${what} not settled within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** Whether `p` settled within `ms`. */
export async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await sleep(ms);
  return done;
}

/** A request of the test Worker (a separate request, with its own client). */
export async function requestPush(name: string, value: unknown, id?: string): Promise<Response> {
  const q = new URLSearchParams({ name });
  if (id !== undefined) q.set('id', id);
  return exports.default.fetch(`https://w/push?${q}`, { method: 'POST', body: JSON.stringify(value) });
}
export async function requestPull(name: string, withId = false): Promise<Response> {
  const q = new URLSearchParams({ name });
  if (withId) q.set('withId', '1');
  return exports.default.fetch(`https://w/pull?${q}`);
}
