/**
 * Auditor AX — durable probes (workerd), second batch: stats across slices, big batches, waiting-id after close.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, sleep, until } from '../helpers.js';

const ns = () => env.CHANNELS as any;

describe('stats across wait slices', () => {
  it('waitingPushers and waitingPullers stay exact while waiters cross several short slices', async () => {
    const name = freshName('stats-slices');
    const full = durableChannel<number>(ns(), name, { capacity: 1, sliceMs: 25 } as any);
    await full.push(0);
    const pushes = [1, 2, 3].map((i) => full.push(i));
    await until(async () => (await full.stats()).waitingPushers === 3);
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      seen.add((await full.stats()).waitingPushers);
      await sleep(17);
    }
    expect([...seen]).toEqual([3]);
    for (let i = 0; i < 4; i++) await full.pull();
    await Promise.all(pushes);

    const empty = durableChannel<number>(ns(), freshName('stats-slices-pull'), { sliceMs: 25 } as any);
    const pulls = [empty.pull(), empty.pull()];
    await until(async () => (await empty.stats()).waitingPullers === 2);
    const seen2 = new Set<number>();
    for (let i = 0; i < 12; i++) {
      seen2.add((await empty.stats()).waitingPullers);
      await sleep(17);
    }
    expect([...seen2]).toEqual([2]);
    await empty.push(1);
    await empty.push(2);
    expect((await Promise.all(pulls)).sort()).toEqual([1, 2]);
  });
});

describe('waiting push ids and close', () => {
  it('a push waiting with id X when the channel closes rejects; a later push with id X rejects too (nothing stored)', async () => {
    const ch = durableChannel<string>(ns(), freshName('wait-id-close'), { capacity: 1 });
    await ch.push('head');
    const waiting = ch.push('v', { id: 'X' }).catch((e) => e);
    await until(async () => (await ch.stats()).waitingPushers === 1);
    await ch.close();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    const again = await ch.push('v', { id: 'X' }).catch((e) => e);
    expect(again).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pullMany(10)).toEqual(['head']);
  });
});

describe('big batches', () => {
  it('pullMany over values totalling more than 32 MiB returns them all in order across calls', async () => {
    const ch = durableChannel<string>(ns(), freshName('big-batch'));
    const n = 20;
    for (let i = 0; i < n; i++) await ch.push(String(i).padEnd(1_900_000, '.'));
    const got: string[] = [];
    while (got.length < n) got.push(...(await ch.pullMany(100)));
    expect(got.map((s) => Number.parseInt(s, 10))).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
  }, 60_000);
});

describe('tryPush vs local', () => {
  it('tryPush on a full channel with a waiting pusher returns false and does not overtake it', async () => {
    const ch = durableChannel<number>(ns(), freshName('trypush-full'), { capacity: 1 });
    await ch.push(0);
    const w = ch.push(1);
    await until(async () => (await ch.stats()).waitingPushers === 1);
    expect(await ch.tryPush(2)).toBe(false);
    expect(await ch.pull()).toBe(0);
    await w;
    expect(await ch.tryPush(3)).toBe(false);
    expect(await ch.pull()).toBe(1);
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('tryPull with a waiting pusher on a full channel takes the head and lets the pusher in', async () => {
    const ch = durableChannel<number>(ns(), freshName('trypull-full'), { capacity: 1 });
    await ch.push(0);
    const w = ch.push(1);
    await until(async () => (await ch.stats()).waitingPushers === 1);
    expect(await ch.tryPull()).toBe(0);
    await w;
    expect(await ch.tryPull()).toBe(1);
  });
});
