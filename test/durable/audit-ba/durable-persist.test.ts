/**
 * Auditor BA — durable: what is stored survives a restart, in order, with its ids.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, resetObject } from '../helpers.js';

const ns = () => env.CHANNELS as any;

it('(holds) 300 pushes made together, a restart, a close with a reason, another restart: all 300 read in order with their ids and attempt 1, then the reason', async () => {
  const name = freshName('ba-persist');
  const producer = durableChannel<{ n: number; at: Date }>(ns(), name, { capacity: 500 });
  await Promise.all(Array.from({ length: 300 }, (_, n) => producer.push({ n, at: new Date(n) }, { id: `job-${n}` })));
  await resetObject(name);
  expect(await producer.stats()).toMatchObject({ capacity: 500, size: 300, leased: 0, closed: false });
  await producer.close(new TypeError('done for today'));
  await resetObject(name);
  const consumer = durableChannel<{ n: number; at: Date }>(ns(), name);
  const first = await consumer.pullWithId();
  expect(first).toEqual({ value: { n: 0, at: new Date(0) }, id: 'job-0', attempt: 1 });
  const rest: number[] = [];
  while (rest.length < 299) rest.push(...(await consumer.pullMany(1000)).map((v) => v.n));
  expect(rest).toEqual(Array.from({ length: 299 }, (_, i) => i + 1));
  const error = await consumer.pull().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelClosedError);
  expect((error as Error).cause).toBeInstanceOf(TypeError);
  await expect(producer.push({ n: 1, at: new Date() })).rejects.toBeInstanceOf(ChannelClosedError);
  // The retry of a push stored before the close resolves (its id is remembered).
  await expect(producer.push({ n: 5, at: new Date(5) }, { id: 'job-5' })).resolves.toBeUndefined();
});

it('(holds) values leased when the object restarts are back at the head, in order, attempt 2', async () => {
  const name = freshName('ba-persist-leased');
  const ch = durableChannel<number>(ns(), name);
  for (let i = 0; i < 5; i++) await ch.push(i, { id: `v${i}` });
  // A pull that took three values and whose acknowledgement never comes (the raw protocol).
  const stub = env.CHANNELS.get(env.CHANNELS.idFromName(name)) as any;
  const answer = await stub.pull({ capacity: null, ticket: 't', max: 3, wait: false, sliceMs: 1000, leaseMs: 60_000 });
  expect(answer.kind).toBe('values');
  expect(await ch.stats()).toMatchObject({ size: 2, leased: 3 });
  await resetObject(name);
  expect(await ch.stats()).toMatchObject({ size: 5, leased: 0 });
  const got = [];
  for (let i = 0; i < 5; i++) got.push(await ch.pullWithId());
  expect(got.map((d) => [d.value, d.id, d.attempt])).toEqual([
    [0, 'v0', 2],
    [1, 'v1', 2],
    [2, 'v2', 2],
    [3, 'v3', 1],
    [4, 'v4', 1],
  ]);
});
