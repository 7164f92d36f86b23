/**
 * Audit BE, durable: waiting edge cases — waiters between slices that abort or get closed,
 * pullMany next to waiting pushes, and an iterator's return() while a pull is in flight.
 */
import { ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { channel, fresh, rejection, sleep, track, until } from './helpers.js';

describe('waiters and slices', () => {
  it('a waiter that aborts between slices leaves the others their order', async () => {
    const ch = channel<string>(fresh('slice-abort'), { sliceMs: 40, leaseMs: 2000 });
    const a = track(ch.pull());
    await until(async () => (await ch.stats()).waitingPullers === 1, 5000, 'a waits');
    const controller = new AbortController();
    const b = track(ch.pull({ signal: controller.signal }));
    await until(async () => (await ch.stats()).waitingPullers === 2, 5000, 'b waits');
    const c = track(ch.pull());
    await until(async () => (await ch.stats()).waitingPullers === 3, 5000, 'c waits');
    await sleep(120);
    controller.abort();
    expect(await rejection(b.promise)).toMatchObject({ name: 'AbortError' });
    await until(async () => (await ch.stats()).waitingPullers === 2, 5000, 'b gone');
    await ch.push('1');
    await ch.push('2');
    expect(await a.promise).toBe('1');
    expect(await c.promise).toBe('2');
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('a pull waiting across slices rejects with ChannelClosedError when the channel closes', async () => {
    const ch = channel<string>(fresh('slice-close'), { sliceMs: 40 });
    const pull = track(ch.pull());
    await until(async () => (await ch.stats()).waitingPullers === 1, 5000, 'pull waits');
    await sleep(100);
    await ch.close('over');
    const error = (await rejection(pull.promise)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('over');
  });

  it('a push waiting for room across slices is stored once room appears, in its turn', async () => {
    const ch = channel<number>(fresh('slice-push'), { capacity: 1, sliceMs: 40, leaseMs: 2000 });
    await ch.push(1);
    const second = track(ch.push(2));
    await until(async () => (await ch.stats()).waitingPushers === 1, 5000, 'push waits');
    const third = track(ch.push(3));
    await until(async () => (await ch.stats()).waitingPushers === 2, 5000, 'push waits');
    await sleep(150);
    expect(second.settled || third.settled).toBe(false);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    await Promise.all([second.promise, third.promise]);
  });
});

describe('pullMany next to waiting pushes', () => {
  it('takes the stored values; the waiting push is stored right after, in order (documented)', async () => {
    const ch = channel<string>(fresh('many-pushers'), { capacity: 2 });
    await ch.push('a');
    await ch.push('b');
    const c = track(ch.push('c'));
    await until(async () => (await ch.stats()).waitingPushers === 1, 5000, 'c waits');
    const batch = await ch.pullMany(3);
    expect(batch).toEqual(['a', 'b']);
    await c.promise;
    expect(await ch.pull()).toBe('c');
  });
});

describe("an iterator's return() while a pull is in flight", () => {
  it('withdraws the pull: a value pushed afterwards is not consumed silently', async () => {
    const ch = channel<string>(fresh('iter-return'));
    const iterator = ch[Symbol.asyncIterator]();
    const next = track(iterator.next());
    await until(async () => (await ch.stats()).waitingPullers === 1, 5000, 'next waits');
    await iterator.return?.();
    await ch.push('x');
    const result = await next.promise;
    const left = await ch.tryPull();
    if (result.done) expect(left).toBe('x');
    else {
      expect(result.value).toBe('x');
      expect(left).toBeUndefined();
    }
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
