/**
 * Auditor BJ — durable: operations made in one synchronous run, and documented limits.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, ns, rejection } from './bj-helpers.js';

it('push(1); push(2); close() in one run stores both values before the close; a push after it is refused', async () => {
  const ch = durableChannel<number>(ns(), freshName('bj-run-close'));
  const ops = [ch.push(1), ch.push(2), ch.close()];
  const late = rejection(ch.push(3));
  await Promise.all(ops);
  expect(await late).toBeInstanceOf(ChannelClosedError);
  expect(await ch.pullMany(10)).toEqual([1, 2]);
  expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
});

it('a new channel made without capacity is unbounded: stats says Infinity', async () => {
  const ch = durableChannel<number>(ns(), freshName('bj-unbounded'));
  expect((await ch.stats()).capacity).toBe(Number.POSITIVE_INFINITY);
});

it('pullMany with max above 1000 takes at most 1000 values (or refuses clearly), never loses any', async () => {
  const ch = durableChannel<number>(ns(), freshName('bj-many-1000'));
  await Promise.all(Array.from({ length: 1100 }, (_, i) => ch.push(i)));
  let first: number[] = [];
  try {
    first = await ch.pullMany(5000);
    expect(first.length).toBeLessThanOrEqual(1000);
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/pullMany/);
  }
  const rest: number[] = [];
  while (first.length + rest.length < 1100) rest.push(...(await ch.pullMany(1000)));
  expect([...first, ...rest]).toEqual(Array.from({ length: 1100 }, (_, i) => i));
});

it('the same id pushed to two channels stores a value in each', async () => {
  const a = durableChannel<string>(ns(), freshName('bj-id-a'));
  const b = durableChannel<string>(ns(), freshName('bj-id-b'));
  await a.push('A', { id: 'shared' });
  await b.push('B', { id: 'shared' });
  expect(await a.pullWithId()).toMatchObject({ value: 'A', id: 'shared', attempt: 1 });
  expect(await b.pullWithId()).toMatchObject({ value: 'B', id: 'shared', attempt: 1 });
});

it('a push with a remembered id resolves even on a closed channel (it is a retry of a stored push)', async () => {
  const ch = durableChannel<string>(ns(), freshName('bj-id-closed'));
  await ch.push('v', { id: 'r' });
  await ch.close();
  await expect(ch.push('v', { id: 'r' })).resolves.toBeUndefined();
  await expect(ch.tryPush('v', { id: 'r' })).resolves.toBe(true);
  expect(await ch.pull()).toBe('v');
  expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
});
