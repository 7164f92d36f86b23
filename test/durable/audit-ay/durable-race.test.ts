/**
 * Auditor AY — durable: many clients racing pushes, pullMany and close on one object.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, sleep } from '../helpers.js';

const ns = () => env.CHANNELS as any;

async function race(capacity: number, together: boolean, closeAfterMs: number) {
  const name = freshName('race');
  const pushed: number[] = [];
  const refused: number[] = [];
  const other: unknown[] = [];
  const producers = [0, 1, 2, 3].map(async (p) => {
    const ch = durableChannel<number>(ns(), name, { capacity });
    const values = Array.from({ length: 10 }, (_, i) => p * 100 + i);
    if (together) {
      const settled = await Promise.allSettled(values.map((v) => ch.push(v)));
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') pushed.push(values[i]!);
        else if (s.reason instanceof ChannelClosedError) refused.push(values[i]!);
        else other.push(s.reason);
      });
    } else {
      for (const v of values) {
        try {
          await ch.push(v);
          pushed.push(v);
        } catch (e) {
          if (e instanceof ChannelClosedError) refused.push(v);
          else other.push(e);
        }
      }
    }
  });
  const got: number[][] = [];
  const consumers = [0, 1, 2].map(async (c) => {
    const ch = durableChannel<number>(ns(), name, { capacity });
    const mine: number[] = [];
    got[c] = mine;
    for (;;) {
      try {
        mine.push(...(await ch.pullMany(4)));
      } catch (e) {
        if (!(e instanceof ChannelClosedError)) other.push(e);
        return;
      }
    }
  });
  await sleep(closeAfterMs);
  await durableChannel<number>(ns(), name).close();
  await Promise.all([...producers, ...consumers]);
  const all = got.flat();
  return { pushed, refused, all, got, other, stats: await durableChannel<number>(ns(), name).stats() };
}

for (const [capacity, together, ms] of [
  [3, false, 40],
  [3, true, 40],
  [1, false, 20],
  [Infinity, true, 5],
] as const) {
  it(`capacity ${capacity}, ${together ? 'Promise.all' : 'awaited'} pushes from 4 clients, 3 pullMany clients, close after ${ms} ms: every stored value read once, per-producer order kept`, async () => {
    const { pushed, refused, all, got, other, stats } = await race(capacity, together, ms);
    expect(other).toEqual([]);
    expect([...all].sort((a, b) => a - b)).toEqual([...pushed].sort((a, b) => a - b));
    expect(pushed.length + refused.length).toBe(40);
    for (const mine of got) {
      for (let p = 0; p < 4; p++) {
        const seq = mine.filter((v) => Math.floor(v / 100) === p);
        expect(seq).toEqual([...seq].sort((a, b) => a - b));
      }
    }
    // an awaited producer's refused values are a suffix of its values
    if (!together) {
      for (let p = 0; p < 4; p++) {
        const r = refused.filter((v) => Math.floor(v / 100) === p);
        const s = pushed.filter((v) => Math.floor(v / 100) === p);
        if (r.length > 0 && s.length > 0) expect(Math.min(...r)).toBeGreaterThan(Math.max(...s));
      }
    }
    expect(stats).toMatchObject({ size: 0, leased: 0, closed: true, waitingPushers: 0, waitingPullers: 0 });
  }, 20_000);
}
