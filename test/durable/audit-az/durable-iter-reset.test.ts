/**
 * Auditor AZ — durable: `for await` over a durable channel with the object reset in the middle.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, resetFlagged, resetObject, until } from '../helpers.js';

it('(holds) for await over a channel whose object resets three times mid-stream reads every value once, in order, then ends', async () => {
  const bad: string[] = [];
  for (let round = 0; round < 10; round++) {
    const name = freshName('az-iter-reset');
    const producer = durableChannel<number>(resetFlagged(), name);
    const consumer = durableChannel<number>(resetFlagged(), name);
    const got: number[] = [];
    const resetsAt = new Set([3, 8, 14]);
    const reading = (async () => {
      for await (const value of consumer) {
        got.push(value);
        if (resetsAt.has(got.length)) await resetObject(name);
      }
    })();
    for (let i = 1; i <= 20; i++) await producer.push(i);
    await producer.close();
    await reading;
    const expected = Array.from({ length: 20 }, (_, i) => i + 1);
    if (JSON.stringify(got) !== JSON.stringify(expected)) bad.push(`round ${round}: ${JSON.stringify(got)}`);
    const stats = await producer.stats();
    if (stats.size + stats.leased + stats.waitingPullers !== 0) bad.push(`round ${round}: ${JSON.stringify(stats)}`);
  }
  expect(bad).toEqual([]);
}, 30_000);

it('(holds) break out of for await while its pull is waiting through a reset: nothing consumed, no waiter or lease left', async () => {
  const bad: string[] = [];
  for (let round = 0; round < 10; round++) {
    const name = freshName('az-iter-break-reset');
    const consumer = durableChannel<number>(resetFlagged(), name);
    const producer = durableChannel<number>(env.CHANNELS as any, name);
    const iterator = consumer[Symbol.asyncIterator]();
    const next = iterator.next();
    await until(async () => (await producer.stats()).waitingPullers === 1);
    await resetObject(name);
    // The iterator's pull is in its back-off or queued again; leave now.
    await iterator.return!();
    await producer.push(7);
    const answer = await next;
    const stats = await producer.stats();
    if (answer.done !== true) bad.push(`round ${round}: next ${JSON.stringify(answer)}`);
    if (stats.size !== 1 || stats.leased !== 0 || stats.waitingPullers !== 0)
      bad.push(`round ${round}: ${JSON.stringify(stats)}`);
  }
  expect(bad).toEqual([]);
}, 30_000);

it('(holds) for await over a channel closed with a reason and reset before it is drained: the values, then the reason is thrown', async () => {
  const name = freshName('az-iter-reason-reset');
  const producer = durableChannel<number>(env.CHANNELS as any, name);
  for (let i = 1; i <= 3; i++) await producer.push(i);
  const reason = new RangeError('no more');
  await producer.close(reason);
  const consumer = durableChannel<number>(resetFlagged(), name);
  const got: number[] = [];
  let thrown: unknown;
  try {
    for await (const value of consumer) {
      got.push(value);
      if (got.length === 1) await resetObject(name);
    }
  } catch (error) {
    thrown = error;
  }
  expect(got).toEqual([1, 2, 3]);
  expect(thrown).toBeInstanceOf(RangeError);
  expect((thrown as Error).message).toBe('no more');
  const error = await consumer.pull().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelClosedError);
  expect((error as Error).cause).toBeInstanceOf(RangeError);
});
