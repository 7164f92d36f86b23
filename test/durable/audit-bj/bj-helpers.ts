/** Helpers of auditor BJ's durable tests (black-box: only the public client, a raw stub to reset objects). */
import { env } from 'cloudflare:workers';
import type { DurableObjectNamespaceLike } from 'chanasync/durable';
import { rejection as rejectionOf } from '../../helpers/track.js';

export { freshName, pause, resetFlagged, resetObject, settled, sleep, startInOrder, until } from '../helpers.js';

/** The CHANNELS binding as the client's namespace type. */
export const ns = (): DurableObjectNamespaceLike => env.CHANNELS as unknown as DurableObjectNamespaceLike;

/** The error a promise rejects with (fails the test if it resolves), typed as an `Error`. */
export const rejection = async (promise: Promise<unknown>): Promise<Error> => (await rejectionOf(promise)) as Error;

/** Races `promise` against a timer: a hang becomes a clear failure. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`hang: ${what} not settled within ${ms} ms`)), ms)),
  ]);
}
