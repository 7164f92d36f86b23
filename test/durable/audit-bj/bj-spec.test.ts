/**
 * Auditor BJ — durable: the SPEC's sentences of `chanasync/durable`, one by one, black-box.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, ns, rejection, resetObject, within } from './bj-helpers.js';

describe('FIFO, stats, ids', () => {
  it('values pushed one after another come out in push order, each exactly once', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-fifo'));
    for (let i = 0; i < 20; i++) await ch.push(i);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await ch.pull());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await ch.tryPull()).toBeUndefined();
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, closed: false });
  });

  it('pullWithId returns the push id the producer chose, and a generated id when none was given', async () => {
    const ch = durableChannel<string>(ns(), freshName('bj-ids'));
    await ch.push('a', { id: 'order-17' });
    await ch.push('b');
    const first = await ch.pullWithId();
    const second = await ch.pullWithId();
    expect(first).toMatchObject({ value: 'a', id: 'order-17' });
    expect(second.value).toBe('b');
    expect(typeof second.id).toBe('string');
    expect(second.id.length).toBeGreaterThan(0);
    expect(second.id).not.toBe('order-17');
  });

  it('a push retried with the same id is stored once, even after the first copy was consumed', async () => {
    const ch = durableChannel<string>(ns(), freshName('bj-idem'));
    await ch.push('x', { id: 'k' });
    await ch.push('x-again', { id: 'k' });
    expect(await ch.stats()).toMatchObject({ size: 1 });
    expect(await ch.pull()).toBe('x');
    await ch.push('x-third', { id: 'k' });
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('two clients of the same name see one channel; stats reports the shared state', async () => {
    const name = freshName('bj-shared');
    const a = durableChannel<number>(ns(), name, { capacity: 3 });
    const b = durableChannel<number>(ns(), name);
    await a.push(1);
    await b.push(2);
    expect(await b.stats()).toMatchObject({ name, capacity: 3, size: 2, leased: 0, closed: false });
    expect(await b.pull()).toBe(1);
    expect(await a.pull()).toBe(2);
  });

  it('async iteration yields the stored values in order and ends when the channel is closed and drained', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-iter'));
    for (let i = 0; i < 5; i++) await ch.push(i);
    await ch.close();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('pullMany takes up to max stored values in order and leaves the rest', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-many'));
    for (let i = 0; i < 7; i++) await ch.push(i);
    expect(await ch.pullMany(5)).toEqual([0, 1, 2, 3, 4]);
    expect(await ch.pullMany(5)).toEqual([5, 6]);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  it('pullMany on an empty channel waits for the first value rather than answering an empty batch', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-many-wait'));
    const batch = ch.pullMany(10);
    setTimeout(() => void ch.push(42), 50);
    expect(await within(batch, 5000, 'pullMany')).toEqual([42]);
  });
});

describe('capacity', () => {
  it('capacity is fixed by the first client: a later client asking for another capacity gets a RangeError naming the operation', async () => {
    const name = freshName('bj-cap-fixed');
    await durableChannel<number>(ns(), name, { capacity: 2 }).push(1);
    const other = durableChannel<number>(ns(), name, { capacity: 5 });
    const error = await rejection(other.push(2));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/push/);
    expect(error.message).toMatch(/2/);
    const pullError = await rejection(other.pull());
    expect(pullError).toBeInstanceOf(RangeError);
    // Nothing of the refused push was stored, nothing was taken.
    expect(await durableChannel<number>(ns(), name).stats()).toMatchObject({ capacity: 2, size: 1 });
  });

  it('the same capacity again is accepted', async () => {
    const name = freshName('bj-cap-same');
    await durableChannel<number>(ns(), name, { capacity: 2 }).push(1);
    await durableChannel<number>(ns(), name, { capacity: 2 }).push(2);
    expect(await durableChannel<number>(ns(), name).stats()).toMatchObject({ capacity: 2, size: 2 });
  });

  it('a push on a full channel waits until a pull makes room, and tryPush answers false meanwhile', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-full'), { capacity: 2 });
    await ch.push(1);
    await ch.push(2);
    expect(await ch.tryPush(99)).toBe(false);
    let done = false;
    const third = ch.push(3).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    expect(await ch.stats()).toMatchObject({ size: 2 });
    expect(await ch.pull()).toBe(1);
    await within(third, 5000, 'waiting push');
    expect(await ch.pullMany(10)).toEqual([2, 3]);
  });

  it('capacity survives an object restart', async () => {
    const name = freshName('bj-cap-restart');
    const ch = durableChannel<number>(ns(), name, { capacity: 1 });
    await ch.push(1);
    await resetObject(name);
    expect(await ch.tryPush(2)).toBe(false);
    expect(await ch.stats()).toMatchObject({ capacity: 1, size: 1 });
  });
});

describe('close', () => {
  it('close without a reason: buffered values stay readable by every client, then every client pull rejects with ChannelClosedError', async () => {
    const name = freshName('bj-close');
    const a = durableChannel<number>(ns(), name);
    const b = durableChannel<number>(ns(), name);
    await a.push(1);
    await a.push(2);
    await a.close();
    expect(await b.pull()).toBe(1);
    expect(await a.pull()).toBe(2);
    expect(await rejection(a.pull())).toBeInstanceOf(ChannelClosedError);
    expect(await rejection(b.pull())).toBeInstanceOf(ChannelClosedError);
    expect(await rejection(b.push(3))).toBeInstanceOf(ChannelClosedError);
    expect(await b.tryPush(3)).toBe(false);
    expect((await b.stats()).closed).toBe(true);
  });

  it('close with a reason: every client (another client, after a restart) sees the reason with its class and message', async () => {
    const name = freshName('bj-close-reason');
    const a = durableChannel<number>(ns(), name);
    await a.close(new RangeError('quota exhausted'));
    for (const client of [a, durableChannel<number>(ns(), name)]) {
      const error = await rejection(client.pull());
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error.cause).toBeInstanceOf(RangeError);
      expect((error.cause as Error).message).toBe('quota exhausted');
    }
    await resetObject(name);
    const after = await rejection(durableChannel<number>(ns(), name).pull());
    expect(after).toBeInstanceOf(ChannelClosedError);
    expect((after.cause as Error).message).toBe('quota exhausted');
  });

  it('close wakes a pull already waiting on an empty channel with ChannelClosedError, promptly', async () => {
    const name = freshName('bj-close-wake');
    const waiting = rejection(durableChannel<number>(ns(), name).pull());
    await new Promise((r) => setTimeout(r, 100));
    await durableChannel<number>(ns(), name).close('bye');
    const error = await within(waiting, 3000, 'waiting pull after close');
    expect(error).toBeInstanceOf(ChannelClosedError);
  });

  it('close fails a push waiting on a full channel with ChannelClosedError and does not store its value', async () => {
    const name = freshName('bj-close-pusher');
    const ch = durableChannel<number>(ns(), name, { capacity: 1 });
    await ch.push(1);
    const waiting = rejection(ch.push(2));
    await new Promise((r) => setTimeout(r, 100));
    await durableChannel<number>(ns(), name).close();
    expect(await within(waiting, 3000, 'waiting push after close')).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe(1);
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  it('a closed channel stays closed across a restart, and its buffered values are still read in order', async () => {
    const name = freshName('bj-close-restart');
    const ch = durableChannel<string>(ns(), name);
    await ch.push('a');
    await ch.push('b');
    await ch.close();
    await resetObject(name);
    expect(await ch.stats()).toMatchObject({ closed: true, size: 2 });
    expect(await ch.pull()).toBe('a');
    expect(await ch.pull()).toBe('b');
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  it('a second close does not replace the first reason', async () => {
    const name = freshName('bj-close-twice');
    const ch = durableChannel<number>(ns(), name);
    await ch.close(new Error('first'));
    await ch.close(new Error('second')).catch(() => {});
    const error = await rejection(ch.pull());
    expect((error.cause as Error).message).toBe('first');
  });
});

describe('durable commit', () => {
  it('values committed before an object restart are all still there afterwards, in order, with their ids', async () => {
    const name = freshName('bj-commit');
    const ch = durableChannel<{ n: number }>(ns(), name);
    for (let i = 0; i < 10; i++) await ch.push({ n: i }, { id: `p${i}` });
    await resetObject(name);
    const got = [];
    for (let i = 0; i < 10; i++) got.push(await ch.pullWithId());
    expect(got.map((d) => [d.value.n, d.id])).toEqual(Array.from({ length: 10 }, (_, i) => [i, `p${i}`]));
  });

  it('push ids are remembered across a restart: a retry after the restart stores nothing', async () => {
    const name = freshName('bj-idem-restart');
    const ch = durableChannel<number>(ns(), name);
    await ch.push(1, { id: 'once' });
    await resetObject(name);
    await ch.push(1, { id: 'once' });
    expect(await ch.stats()).toMatchObject({ size: 1 });
  });
});
