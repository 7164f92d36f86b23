/** Small helpers for the audit-al ports of Go's time and context tests. */

/** Sleeps `ms` on the real clock (only where a test needs time to pass, never as a sync point). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds or `deadline` ms passed (then throws). */
export async function waitFor(condition: () => boolean, deadline = 5000): Promise<void> {
  const end = Date.now() + deadline;
  while (!condition()) {
    if (Date.now() > end) throw new Error('waitFor: condition not met before the deadline');
    await sleep(2);
  }
}

/** Settles in a microtask-free way: the promise's state after the queued microtasks ran. */
export async function state(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let result: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => {
      result = 'fulfilled';
    },
    () => {
      result = 'rejected';
    },
  );
  for (let i = 0; i < 20; i++) await Promise.resolve();
  return result;
}

/** Upper bounds on delays: wide, the machine is loaded. */
export const SLACK = 3000;
