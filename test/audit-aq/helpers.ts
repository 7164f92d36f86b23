/**
 * What the audit-aq files share: a sleep, the inspector's messages and how to send one, and,
 * for the `*.gc.test.ts` files (run with `--expose-gc`), collections with tasks in between.
 */
export { until } from '../helpers/poll.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
export const BYE = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

/** Dispatches `data` as a `message` event on `listen` (debug mode's `listen` option). */
export function send(listen: EventTarget, data: unknown): void {
  listen.dispatchEvent(new MessageEvent('message', { data }));
}

/** One collection, in a task of its own: a `WeakRef` deref'd in this job keeps its target. */
async function collectOnce(): Promise<void> {
  await sleep(1);
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(10);
}

/** Collects repeatedly until `cond()` or a generous deadline; returns `cond()`. */
export async function collectUntil(cond: () => boolean, timeoutMs = 8000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await collectOnce();
    if (cond()) return true;
  }
  return cond();
}

/** Collects for a while regardless (to show that something does not happen). */
export async function collectFor(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await collectOnce();
}
