/**
 * Auditor AX — durable probes (workerd): names, stats under waiters, double close, huge values,
 * a client used across requests.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, sleep, until } from '../helpers.js';

const ns = () => env.CHANNELS as any;

describe('names', () => {
  it('two different channel names (one with a lone surrogate) are two different channels', async () => {
    const base = freshName('lone');
    const a = durableChannel<string>(ns(), `${base}\uD800`);
    const b = durableChannel<string>(ns(), `${base}\uFFFD`);
    await a.push('for-a');
    expect(await b.tryPull()).toBeUndefined();
    expect((await b.stats()).size).toBe(0);
  });

  it('names with slashes, spaces, NUL and emoji are distinct channels', async () => {
    const base = freshName('odd');
    const names = [`${base}/x`, `${base} x`, `${base}\0x`, `${base}😀`, `${base}x`];
    for (const n of names) await durableChannel<string>(ns(), n).push(n);
    for (const n of names) {
      const ch = durableChannel<string>(ns(), n);
      expect(await ch.pullMany(10)).toEqual([n]);
    }
  });
});

describe('stats under waiters', () => {
  it('waitingPullers counts two waiting pulls, and drops to 0 once both were aborted', async () => {
    const ch = durableChannel<number>(ns(), freshName('stats-pullers'));
    const ac = new AbortController();
    const p1 = ch.pull({ signal: ac.signal }).catch((e) => e);
    const p2 = ch.pull({ signal: ac.signal }).catch((e) => e);
    await until(async () => (await ch.stats()).waitingPullers === 2);
    ac.abort();
    await p1;
    await p2;
    expect((await ch.stats()).waitingPullers).toBe(0);
    await ch.push(1);
    expect(await ch.stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
  });

  it('waitingPushers counts three waiting pushes on a full channel, and 0 after they were stored', async () => {
    const ch = durableChannel<number>(ns(), freshName('stats-pushers'), { capacity: 1 });
    await ch.push(0);
    const ps = [1, 2, 3].map((i) => ch.push(i));
    await until(async () => (await ch.stats()).waitingPushers === 3);
    expect(await ch.stats()).toMatchObject({ size: 1, waitingPushers: 3 });
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(await ch.pull());
    await Promise.all(ps);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('close', () => {
  it('a second close with another reason keeps the first reason (as a local channel does)', async () => {
    const ch = durableChannel<number>(ns(), freshName('close-twice'));
    await ch.close(new Error('first'));
    await ch.close(new Error('second'));
    const e = await ch.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e.cause as Error).message).toBe('first');
  });

  it('close() without a reason after close(reason) keeps the reason', async () => {
    const ch = durableChannel<number>(ns(), freshName('close-twice-2'));
    await ch.close(new Error('first'));
    await ch.close();
    const e = await ch.pull().catch((x) => x);
    expect((e.cause as Error)?.message).toBe('first');
  });

  it('close(reason) with a reason larger than storage takes still closes the channel', async () => {
    const ch = durableChannel<number>(ns(), freshName('close-huge'));
    await ch.push(1);
    const err = await ch.close({ blob: 'x'.repeat(3_000_000) }).then(
      () => undefined,
      (x) => x,
    );
    expect(err).toBeUndefined();
    expect((await ch.stats()).closed).toBe(true);
    expect(await ch.pull()).toBe(1);
  });
});

describe('values', () => {
  it('a 1.5 MB value round-trips', async () => {
    const ch = durableChannel<string>(ns(), freshName('big'));
    const v = 'y'.repeat(1_500_000);
    await ch.push(v);
    expect((await ch.pull()).length).toBe(v.length);
  });

  it('a value larger than storage takes rejects the push with a TypeError and stores nothing', async () => {
    const ch = durableChannel<string>(ns(), freshName('too-big'));
    const e = await ch.push('z'.repeat(3_000_000)).catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0 });
  });

  it('tryPull and pullMany on a closed drained channel: undefined and ChannelClosedError', async () => {
    const ch = durableChannel<number>(ns(), freshName('closed-try'));
    await ch.close();
    expect(await ch.tryPull()).toBeUndefined();
    expect(await ch.pullMany(3).catch((x) => x)).toBeInstanceOf(ChannelClosedError);
  });
});

describe('iteration', () => {
  it('for await with break after 2 values: the rest stay, nothing leased, next pull gets the 3rd', async () => {
    const ch = durableChannel<number>(ns(), freshName('iter-break'));
    for (let i = 0; i < 5; i++) await ch.push(i);
    const got: number[] = [];
    for await (const v of ch) {
      got.push(v);
      if (got.length === 2) break;
    }
    expect(got).toEqual([0, 1]);
    expect(await ch.stats()).toMatchObject({ size: 3, leased: 0 });
    expect(await ch.pull()).toBe(2);
  });
});

describe('pullWithId', () => {
  it('a pullWithId aborted while waiting, then a value pushed: the next pullWithId gets it with attempt 1', async () => {
    const ch = durableChannel<string>(ns(), freshName('pwid'));
    const ac = new AbortController();
    const p = ch.pullWithId({ signal: ac.signal }).catch((e) => e);
    await sleep(50);
    ac.abort();
    await p;
    await ch.push('v', { id: 'my-id' });
    const d = await ch.pullWithId();
    expect(d).toEqual({ value: 'v', id: 'my-id', attempt: 1 });
  });
});
