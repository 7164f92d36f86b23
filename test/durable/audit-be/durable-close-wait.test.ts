/**
 * Audit BE, durable: close, waiting (in slices, FIFO among waiters, across requests), aborts,
 * durability across object resets, and no loss when callers go away.
 */
import { exports } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { channel, fresh, rejection, resetOne, sleep, track, until } from './helpers.js';

describe('close', () => {
  it('buffered values stay readable, then pulls reject with ChannelClosedError whose cause is the reason', async () => {
    const ch = channel<number>(fresh('close'));
    await ch.push(1);
    await ch.push(2);
    const reason = new Error('no more jobs');
    await ch.close(reason);
    expect((await ch.stats()).closed).toBe(true);
    expect(await ch.pull()).toBe(1);
    expect(await ch.tryPull()).toBe(2);
    const error = await rejection(ch.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(((error as ChannelClosedError).cause as Error).message).toBe('no more jobs');
    expect(await ch.tryPull()).toBeUndefined();
    await expect(ch.pullMany(3)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('close is idempotent: the first reason counts', async () => {
    const ch = channel<number>(fresh('close-twice'));
    await ch.close('first');
    await ch.close('second');
    const error = (await rejection(ch.pull())) as ChannelClosedError;
    expect(error.cause).toBe('first');
  });

  it('a push to a closed channel rejects with ChannelClosedError; tryPush answers false', async () => {
    const ch = channel<number>(fresh('closed-push'));
    await ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.tryPush(1)).toBe(false);
    expect((await ch.stats()).size).toBe(0);
  });

  it('a pull waiting on an empty channel rejects with ChannelClosedError when it closes', async () => {
    const ch = channel<number>(fresh('close-waiting-pull'));
    const pull = track(ch.pull());
    await until(async () => (await ch.stats()).waitingPullers === 1, 5000, 'pull waits');
    await ch.close();
    expect(await rejection(pull.promise)).toBeInstanceOf(ChannelClosedError);
  });

  it('a push waiting on a full channel rejects with ChannelClosedError when it closes; its value is not added', async () => {
    const ch = channel<string>(fresh('close-waiting-push'), { capacity: 1 });
    await ch.push('in');
    const push = track(ch.push('out'));
    await until(async () => (await ch.stats()).waitingPushers === 1, 5000, 'push waits');
    await ch.close();
    expect(await rejection(push.promise)).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe('in');
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('a closed channel stays closed (with its values and reason) across an object reset', async () => {
    const name = fresh('close-restart');
    const ch = channel<number>(name);
    await ch.push(1);
    await ch.close('bye');
    await resetOne(name);
    const again = channel<number>(name);
    expect((await again.stats()).closed).toBe(true);
    expect(await again.pull()).toBe(1);
    const error = (await rejection(again.pull())) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('bye');
    await expect(again.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('durable commit', () => {
  it('values pushed survive an object reset, in order', async () => {
    const name = fresh('survive');
    const ch = channel<string>(name, { capacity: 10 });
    for (const v of ['a', 'b', 'c']) await ch.push(v);
    await resetOne(name);
    const again = channel<string>(name);
    expect((await again.stats()).capacity).toBe(10);
    expect(await again.pullMany(10)).toEqual(['a', 'b', 'c']);
  });

  it('a push retried with the same id after a reset is stored once', async () => {
    const name = fresh('retry-reset');
    const ch = channel<string>(name);
    await ch.push('v', { id: 'retry-me' });
    await resetOne(name);
    await channel<string>(name).push('v', { id: 'retry-me' });
    expect((await channel(name).stats()).size).toBe(1);
  });
});

describe('waiting', () => {
  it('waiting pulls are served in the order they started waiting', async () => {
    const ch = channel<string>(fresh('fifo-pullers'));
    const first = ch.pull();
    await until(async () => (await ch.stats()).waitingPullers === 1, 5000, 'first waits');
    const second = ch.pull();
    await until(async () => (await ch.stats()).waitingPullers === 2, 5000, 'second waits');
    const third = ch.pull();
    await until(async () => (await ch.stats()).waitingPullers === 3, 5000, 'third waits');
    await ch.push('x');
    await ch.push('y');
    await ch.push('z');
    expect(await Promise.all([first, second, third])).toEqual(['x', 'y', 'z']);
  });

  it('waits through many short slices without losing its place', async () => {
    const ch = channel<string>(fresh('slices'), { sliceMs: 40, leaseMs: 2000 });
    const first = track(ch.pull());
    await until(async () => (await ch.stats()).waitingPullers === 1, 5000, 'first waits');
    const second = track(ch.pull());
    await until(async () => (await ch.stats()).waitingPullers === 2, 5000, 'second waits');
    await sleep(300); // several slices each
    expect(first.settled).toBe(false);
    expect(second.settled).toBe(false);
    expect((await ch.stats()).waitingPullers).toBe(2);
    await ch.push('one');
    await ch.push('two');
    expect(await first.promise).toBe('one');
    expect(await second.promise).toBe('two');
  });

  it('a pull in one request gets the value pushed by another request', async () => {
    const name = fresh('requests');
    const pulling = exports.default.fetch(`https://worker.test/pull?name=${encodeURIComponent(name)}&withId=1`);
    await until(async () => (await channel(name).stats()).waitingPullers === 1, 5000, 'request waits');
    const pushed = await exports.default.fetch(`https://worker.test/push?name=${encodeURIComponent(name)}&id=req-1`, {
      method: 'POST',
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(pushed.status).toBe(204);
    const response = await pulling;
    expect(await response.json()).toEqual({ value: { hello: 'world' }, id: 'req-1', attempt: 1 });
    expect(await channel(name).tryPull()).toBeUndefined();
  });
});

describe('abort', () => {
  it('an aborted waiting pull rejects with the reason and consumes nothing', async () => {
    const ch = channel<number>(fresh('abort-pull'));
    const controller = new AbortController();
    const pull = track(ch.pull({ signal: controller.signal }));
    await until(async () => (await ch.stats()).waitingPullers === 1, 5000, 'pull waits');
    const reason = new Error('client left');
    controller.abort(reason);
    expect(await rejection(pull.promise)).toBe(reason);
    await until(async () => (await ch.stats()).waitingPullers === 0, 5000, 'pull withdrawn');
    await ch.push(5);
    expect(await ch.pull()).toBe(5);
  });

  it('an already aborted signal rejects with its reason first, even on a closed channel, and consumes nothing', async () => {
    const ch = channel<number>(fresh('abort-first'));
    await ch.push(1);
    const reason = new Error('already');
    await expect(ch.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(ch.push(2, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await ch.close();
    await expect(ch.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(ch.push(3, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await ch.pull()).toBe(1);
  });

  it('an aborted waiting push on a full channel rejects with the reason and its value is never stored', async () => {
    const ch = channel<string>(fresh('abort-push'), { capacity: 1 });
    await ch.push('kept');
    const controller = new AbortController();
    const push = track(ch.push('dropped', { signal: controller.signal }));
    await until(async () => (await ch.stats()).waitingPushers === 1, 5000, 'push waits');
    controller.abort(new Error('stop'));
    expect(((await rejection(push.promise)) as Error).message).toBe('stop');
    expect(await ch.pull()).toBe('kept');
    await sleep(50);
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('pulls aborted at arbitrary moments lose no value and duplicate none', async () => {
    const ch = channel<number>(fresh('abort-storm'), { leaseMs: 500 });
    const n = 25;
    for (let i = 0; i < n; i++) await ch.push(i);
    const got: { value: number; id: string }[] = [];
    let attempts = 0;
    while (got.length < n && attempts < 400) {
      attempts++;
      const controller = new AbortController();
      const pull = ch.pullWithId({ signal: controller.signal });
      setTimeout(() => controller.abort(), attempts % 4); // 0–3 ms: before, during or after the hand-out
      try {
        got.push(await pull);
      } catch {
        // aborted: nothing consumed
      }
    }
    // On a loaded machine most of the 400 can be aborted before their hand-out (a CI run got 12
    // values, 2026-12-06): the rest are pulled without a signal, so every value is still
    // accounted for. One lost would leave the pull waiting: its timeout says so.
    while (got.length < n) got.push(await ch.pullWithId({ signal: AbortSignal.timeout(10_000) }));
    const values = got.map((d) => d.value);
    // no failure happened (only aborts): exactly once, in order
    expect(values).toEqual(Array.from({ length: n }, (_, i) => i));
    await sleep(600); // any lease left behind would come back after leaseMs
    expect(await ch.tryPull()).toBeUndefined();
    expect((await ch.stats()).leased).toBe(0);
  });
});

describe('object reset between calls', () => {
  it('a pull whose object is reset right after it started loses nothing', async () => {
    const name = fresh('reset-pull');
    const ch = channel<number>(name, { leaseMs: 200 });
    await ch.push(7);
    const pull = ch.pull().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await resetOne(name);
    const outcome = await pull;
    await sleep(300); // a lease left by the reset would end after leaseMs
    const left = await channel<number>(name).tryPull();
    // the pull got it, or it is still in the channel (at-least-once: maybe both)
    expect('value' in outcome ? outcome.value : left).toBe(7);
  });

  it('a push repeated with the same id around a reset is stored once', async () => {
    const name = fresh('reset-retry');
    const ch = channel<number>(name);
    await ch.stats();
    const first = ch.push(1, { id: 'retry-after-cut' }).catch(() => undefined);
    await resetOne(name);
    await first;
    await channel<number>(name).push(1, { id: 'retry-after-cut' });
    await channel<number>(name).push(1, { id: 'retry-after-cut' });
    expect(await channel<number>(name).pullMany(10)).toEqual([1]);
  });
});
