/**
 * Auditor BB — durable: `push(1); push(unsendable); push(3); close()` in one run. The joint call
 * fails (a value Workers RPC refuses), each push calls on its own — and the close does not wait
 * for those calls.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName } from '../helpers.js';

/** A value of the application's own class: structured-cloneable, refused by Workers RPC. */
class Job {
  constructor(readonly n: number) {}
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'stored',
    (e: unknown) => (e instanceof ChannelClosedError ? 'closed' : e instanceof TypeError ? 'TypeError' : String(e)),
  );

it('push(1); push(unsendable); push(3); close() in one run: 1 and 3 are stored before the close (repeated rounds)', async () => {
  const bad: string[] = [];
  for (let round = 0; round < 80; round++) {
    const name = freshName('bb-unsendable-close');
    const ch = durableChannel<unknown>(env.CHANNELS as any, name);
    const pushes = [outcome(ch.push(1)), outcome(ch.push(new Job(2))), outcome(ch.push(3))];
    const closing = ch.close();
    const got = (await Promise.all(pushes)).join(',');
    await closing;
    if (got !== 'stored,TypeError,stored') bad.push(`round ${round}: ${got}`);
  }
  // README: "push(1); push(2); close() stores both values (room permitting …)".
  expect(bad).toEqual([]);
}, 9_000);

it('(holds) push(1); push(unsendable); push(3) in one run, no close: 1 and 3 stored once each, the other a TypeError', async () => {
  const name = freshName('bb-unsendable');
  const ch = durableChannel<unknown>(env.CHANNELS as any, name);
  const got = await Promise.all([outcome(ch.push(1)), outcome(ch.push(new Job(2))), outcome(ch.push(3))]);
  expect(got).toEqual(['stored', 'TypeError', 'stored']);
  expect((await ch.pullMany(10)).sort()).toEqual([1, 3]);
});
