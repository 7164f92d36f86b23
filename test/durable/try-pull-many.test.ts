/**
 * `tryPullMany(max)` of a durable channel: the values ready now, up to `max`, in one round trip
 * (one lease and one acknowledgement), never waiting. README, Durable channels reference.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { freshName, until } from './helpers.js';

const open = <T>(label: string, capacity?: number) =>
  durableChannel<T>(env.CHANNELS, freshName(label), capacity === undefined ? undefined : { capacity });

describe('tryPullMany(max)', () => {
  test('takes the ready values up to max, in FIFO order; an empty array when none are ready', async () => {
    const channel = open<number>('try-many');
    expect(await channel.tryPullMany(5)).toEqual([]);
    for (let i = 0; i < 7; i++) await channel.push(i);
    expect(await channel.tryPullMany(3)).toEqual([0, 1, 2]);
    expect(await channel.tryPullMany(10)).toEqual([3, 4, 5, 6]);
    expect(await channel.tryPullMany(10)).toEqual([]);
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('never waits, and leaves no waiter: a push after it goes to the next pull', async () => {
    const channel = open<string>('try-many-nowait');
    expect(await channel.tryPullMany(1)).toEqual([]);
    expect(await channel.stats()).toMatchObject({ waitingPullers: 0 });
    await channel.push('later');
    expect(await channel.pull()).toBe('later');
  });

  test('frees room: a push waiting on a full channel is stored once the batch is acknowledged', async () => {
    const channel = open<number>('try-many-room', 2);
    await channel.push(1);
    await channel.push(2);
    const waiting = channel.push(3);
    await until(async () => (await channel.stats()).waitingPushers === 1);
    expect(await channel.tryPullMany(2)).toEqual([1, 2]);
    await waiting;
    expect(await channel.tryPullMany(2)).toEqual([3]);
  });

  test('closed: the buffered values, then [] (a pull rejects with ChannelClosedError)', async () => {
    const channel = open<string>('try-many-closed');
    await channel.push('a');
    await channel.push('b');
    await channel.close('done');
    expect(await channel.tryPullMany(1)).toEqual(['a']);
    expect(await channel.tryPullMany(5)).toEqual(['b']);
    expect(await channel.tryPullMany(5)).toEqual([]);
    await expect(channel.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause: 'done' });
  });

  test('several clients at once: each value to exactly one, each batch in FIFO order', async () => {
    const name = freshName('try-many-race');
    const producer = durableChannel<number>(env.CHANNELS, name);
    for (let i = 0; i < 40; i++) await producer.push(i);
    const batches = await Promise.all(
      Array.from({ length: 6 }, () => durableChannel<number>(env.CHANNELS, name).tryPullMany(9)),
    );
    for (const batch of batches) expect([...batch].sort((a, b) => a - b)).toEqual(batch);
    const rest = await producer.tryPullMany(1000);
    expect([...batches.flat(), ...rest].sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
  });

  test('more than 1000 asked: at most 1000 in one call', async () => {
    const channel = open<number>('try-many-cap');
    // Pushed together: their calls go to the object as a few batches.
    await Promise.all(Array.from({ length: 1003 }, (_, i) => channel.push(i)));
    const first = await channel.tryPullMany(5000);
    expect(first).toHaveLength(1000);
    expect(first[0]).toBe(0);
    expect(await channel.tryPullMany(5000)).toEqual([1000, 1001, 1002]);
  });

  test('a bad max is refused at the call, naming the method, and nothing is taken', async () => {
    const channel = open<number>('try-many-bad');
    await channel.push(1);
    await expect(channel.tryPullMany('3' as never)).rejects.toThrow(
      new TypeError('tryPullMany(max): max must be a positive integer, got "3"'),
    );
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(channel.tryPullMany(bad)).rejects.toBeInstanceOf(RangeError);
    }
    await expect(channel.tryPullMany(0)).rejects.toThrow('tryPullMany(max): max must be a positive integer, got 0');
    expect(await channel.tryPullMany(1)).toEqual([1]);
  });

  test('detached from its client, it says so', async () => {
    const { tryPullMany } = open<number>('try-many-detached');
    await expect(tryPullMany(1)).rejects.toThrow(
      new TypeError('tryPullMany(max): called without its durable channel as this (wrap it in an arrow function)'),
    );
  });
});
