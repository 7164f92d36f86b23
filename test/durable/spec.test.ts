/**
 * The SPEC's "Durable channels" section read literally by an outsider: `durableChannel(namespace,
 * name, { capacity })` and `DurableChannel`'s push(value, { signal, id }), pull, pullWithId →
 * { value, id }, tryPush, tryPull, pullMany, close, stats and async iteration, with the local
 * channel's meaning. Runs inside workerd (vitest project `workers`).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { ChannelObject, durableChannel } from '../../src/durable/index.js';
import { ChannelClosedError } from '../../src/errors.js';
import { freshName, settled } from './helpers.js';

const open = <T>(label: string, options?: { capacity?: number }) =>
  durableChannel<T>(env.CHANNELS, freshName(label), options);

describe('durableChannel, literally', () => {
  test('ChannelObject is exported as a class a Worker can bind', () => {
    expect(typeof ChannelObject).toBe('function');
  });

  test('two clients of the same namespace and name share one channel', async () => {
    const name = freshName('shared');
    await durableChannel<string>(env.CHANNELS, name).push('hello');
    expect(await durableChannel<string>(env.CHANNELS, name).pull()).toBe('hello');
  });

  test('values pushed come out of pull in FIFO order, structured-cloned', async () => {
    const ch = open<{ n: number; at: Date }>('fifo');
    const at = new Date(0);
    await ch.push({ n: 1, at });
    await ch.push({ n: 2, at });
    const first = await ch.pull();
    expect(first.n).toBe(1);
    expect(first.at).toBeInstanceOf(Date);
    expect((await ch.pull()).n).toBe(2);
  });

  test('pullWithId returns { value, id } with the id given to push', async () => {
    const ch = open<string>('with-id');
    await ch.push('job', { id: 'job-1' });
    const delivery = await ch.pullWithId();
    expect(delivery.value).toBe('job');
    expect(delivery.id).toBe('job-1');
  });

  test('pullWithId gives a string id when push was given none', async () => {
    const ch = open<number>('generated-id');
    await ch.push(7);
    const { value, id } = await ch.pullWithId();
    expect(value).toBe(7);
    expect(typeof id).toBe('string');
    expect(id.length).toBeGreaterThan(0);
  });

  test('a push retried with the same id is stored once', async () => {
    const ch = open<string>('idempotent');
    await ch.push('once', { id: 'same' });
    await ch.push('once', { id: 'same' });
    expect((await ch.stats()).size).toBe(1);
    expect(await ch.pull()).toBe('once');
    expect(await ch.tryPull()).toBeUndefined();
  });

  test('tryPush answers true with room and false when the channel is full', async () => {
    const ch = open<number>('try-push', { capacity: 1 });
    expect(await ch.tryPush(1)).toBe(true);
    expect(await ch.tryPush(2)).toBe(false);
    expect(await ch.pull()).toBe(1);
    expect(await ch.tryPull()).toBeUndefined();
  });

  test('tryPush answers false on a closed channel instead of throwing', async () => {
    const ch = open<number>('try-push-closed');
    await ch.close();
    expect(await ch.tryPush(1)).toBe(false);
  });

  test('tryPull answers undefined on an empty channel and the head value otherwise', async () => {
    const ch = open<string>('try-pull');
    expect(await ch.tryPull()).toBeUndefined();
    await ch.push('a');
    await ch.push('b');
    expect(await ch.tryPull()).toBe('a');
  });

  test('pullMany takes up to max values in FIFO order', async () => {
    const ch = open<number>('pull-many');
    for (const v of [1, 2, 3, 4]) await ch.push(v);
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
    expect(await ch.pullMany(3)).toEqual([4]);
  });

  test('a pull on an empty channel waits for the next push', async () => {
    const ch = open<string>('wait-pull');
    const pulled = ch.pull();
    expect(await settled(pulled)).toBe(false);
    await ch.push('late');
    expect(await pulled).toBe('late');
  });

  test('a push on a full channel waits until a pull makes room', async () => {
    const ch = open<number>('wait-push', { capacity: 1 });
    await ch.push(1);
    const pushed = ch.push(2);
    expect(await settled(pushed)).toBe(false);
    expect(await ch.pull()).toBe(1);
    await pushed;
    expect(await ch.pull()).toBe(2);
  });

  test('a pull aborted by its signal rejects with signal.reason and takes nothing', async () => {
    const ch = open<string>('abort-pull');
    const controller = new AbortController();
    const pulled = ch.pull({ signal: controller.signal });
    expect(await settled(pulled)).toBe(false);
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(pulled).rejects.toBe(reason);
    await ch.push('kept');
    expect(await ch.pull()).toBe('kept');
  });

  test('a push aborted while it waits for room rejects with signal.reason and stores nothing', async () => {
    const ch = open<number>('abort-push', { capacity: 1 });
    await ch.push(1);
    const controller = new AbortController();
    const pushed = ch.push(2, { signal: controller.signal });
    expect(await settled(pushed)).toBe(false);
    const reason = new Error('no room');
    controller.abort(reason);
    await expect(pushed).rejects.toBe(reason);
    expect(await ch.pull()).toBe(1);
    expect(await ch.tryPull()).toBeUndefined();
  });

  test('close keeps buffered values readable, then pulls reject with ChannelClosedError carrying the reason', async () => {
    const ch = open<number>('close');
    await ch.push(1);
    await ch.close(new Error('done'));
    expect(await ch.pull()).toBe(1);
    const error = await ch.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(((error as ChannelClosedError).cause as Error).message).toBe('done');
  });

  test('a push on a closed channel rejects with ChannelClosedError', async () => {
    const ch = open<number>('push-closed');
    await ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('close fails a waiting pull with ChannelClosedError', async () => {
    const ch = open<number>('close-waiting');
    const pulled = ch.pull();
    expect(await settled(pulled)).toBe(false);
    await ch.close();
    await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('for await yields the values until the channel is closed and drained', async () => {
    const ch = open<number>('iterate');
    for (const v of [1, 2, 3]) await ch.push(v);
    await ch.close();
    const out: number[] = [];
    for await (const v of ch) out.push(v);
    expect(out).toEqual([1, 2, 3]);
  });

  test('stats() reports name, capacity, size, closed and the waiting counts', async () => {
    const name = freshName('stats');
    const ch = durableChannel<number>(env.CHANNELS, name, { capacity: 3 });
    await ch.push(1);
    await ch.push(2);
    const stats = await ch.stats();
    expect(stats).toMatchObject({ name, capacity: 3, size: 2, closed: false, waitingPushers: 0, waitingPullers: 0 });
  });

  test('an unbounded channel reports capacity Infinity by default', async () => {
    const ch = open<number>('default-capacity');
    expect((await ch.stats()).capacity).toBe(Number.POSITIVE_INFINITY);
  });

  test('capacity is fixed by the first call; a client asking for another one gets a RangeError', async () => {
    const name = freshName('fixed-capacity');
    await durableChannel<number>(env.CHANNELS, name, { capacity: 2 }).push(1);
    await expect(durableChannel<number>(env.CHANNELS, name, { capacity: 5 }).push(2)).rejects.toBeInstanceOf(
      RangeError,
    );
    expect((await durableChannel<number>(env.CHANNELS, name).stats()).capacity).toBe(2);
  });

  test('pullMany with a max that is not a positive integer rejects with a RangeError', async () => {
    const ch = open<number>('pull-many-max');
    await expect(ch.pullMany(0)).rejects.toBeInstanceOf(RangeError);
  });

  test('a closed channel stays closed for a new client of the same name', async () => {
    const name = freshName('stays-closed');
    await durableChannel<number>(env.CHANNELS, name).close();
    expect((await durableChannel<number>(env.CHANNELS, name).stats()).closed).toBe(true);
  });
});
