import { getEventListeners } from 'node:events';
import { Channel, ChannelClosedError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush } from './helpers.js';

const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length;

describe('no trace left on the signal or the channel', () => {
  it('a signal shared by parked pull, pullMany and pushAll has no abort listener once they all committed', async () => {
    const c = new AbortController();
    const { signal } = c;
    const ch = new Channel<number>(1);
    const ps = [ch.pull({ signal }), ch.pullMany(3, { signal }), ch.pull({ signal })];
    expect(listeners(signal)).toBeGreaterThanOrEqual(1);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    await Promise.all(ps);
    await flush();
    expect(listeners(signal)).toBe(0);

    const ch2 = new Channel<number>(1);
    const pa = ch2.pushAll([1, 2, 3], { signal });
    for (let i = 0; i < 3; i++) {
      await ch2.pullMany(1);
      await flush();
    }
    await pa;
    await flush();
    expect(listeners(signal)).toBe(0);
  });

  it('close() removes the abort listeners of the operations it fails', async () => {
    const c = new AbortController();
    const ch = new Channel<number>();
    const ps = [ch.pull({ signal: c.signal }), ch.pullMany(2, { signal: c.signal })];
    ch.close();
    await Promise.allSettled(ps);
    await flush();
    expect(listeners(c.signal)).toBe(0);
    const ch2 = new Channel<number>(1);
    ch2.pushNowait(0);
    const pa = ch2.pushAll([1, 2], { signal: c.signal });
    ch2.close();
    await pa.catch(() => {});
    await flush();
    expect(listeners(c.signal)).toBe(0);
  });

  it('a losing select case leaves no waiter when pullMany takes the select’s push', async () => {
    const ch = new Channel<string>();
    const other = new Channel<string>();
    const s = select([push(ch, 'S'), pull(other)]);
    const p = ch.push('P');
    expect(ch.stats().waitingPushers).toBe(2);
    expect(other.stats().waitingPullers).toBe(1);
    expect(await ch.pullMany(5)).toEqual(['S', 'P']);
    const r = await s;
    expect(r.index).toBe(0);
    expect(other.stats().waitingPullers).toBe(0);
    await p;
  });

  it('pushAll commits to a parked select pull case exactly once', async () => {
    const ch = new Channel<number>();
    const other = new Channel<number>();
    const s = select([pull(ch), pull(other), pull(ch)]);
    expect(ch.stats().waitingPullers).toBe(2);
    const pa = ch.pushAll([1, 2]);
    const r = await s;
    expect(r.value).toBe(1);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(other.stats().waitingPullers).toBe(0);
    expect(await ch.pull()).toBe(2);
    await pa;
  });
});

describe('values that look like thenables', () => {
  it('an object whose then is not callable is an ordinary value', async () => {
    const ch = new Channel<{ then: number }>(1);
    // biome-ignore lint/suspicious/noThenProperty: a then property is what this test is about
    const v = { then: 5 };
    await ch.push(v);
    expect(await ch.pull()).toBe(v);
  });

  it('a value whose then-getter throws commits nothing', async () => {
    const ch = new Channel<object>(1);
    const v = {
      // biome-ignore lint/suspicious/noThenProperty: a then property is what this test is about
      get then(): undefined {
        throw new Error('getter');
      },
    };
    await expect(ch.push(v)).rejects.toThrow();
    expect(ch.size).toBe(0);
  });
});

describe('operation names in errors of parked batch operations (README decision)', () => {
  it('a parked pullMany failed by close rejects with the error of the pull it parked', async () => {
    const ch = new Channel<number>(0, { name: 'q' });
    const p = ch.pullMany(3).catch((e: unknown) => e);
    ch.close();
    const e = (await p) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.message).toMatch(/^pull(Many)?: channel "q" is closed$/);
  });

  it('a parked pushAll failed by close rejects with the error of the push it parked, with pushed', async () => {
    const ch = new Channel<number>(0, { name: 'q' });
    const p = ch.pushAll([1, 2]).catch((e: unknown) => e);
    ch.close();
    const e = (await p) as ChannelClosedError & { pushed: number };
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.message).toMatch(/^push(All)?: channel "q" is closed$/);
    expect(e.pushed).toBe(0);
  });
});

describe('disposal of a subclass', () => {
  it('using calls an overridden close()', () => {
    const calls: unknown[] = [];
    class Logged<T> extends Channel<T> {
      override close(reason?: unknown): void {
        calls.push(reason);
        super.close(reason);
      }
    }
    {
      using ch = new Logged<number>(1);
      ch.pushNowait(1);
    }
    expect(calls).toEqual([undefined]);
  });
});
