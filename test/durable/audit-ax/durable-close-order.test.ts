/**
 * Auditor AX — a close made in the same synchronous run as pushes, after them, as local code
 * writes `ch.push(a); ch.push(b); ch.close()`.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

it('push(1), push(2), then close() made together: both pushes are stored and read before the end (as locally)', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 15; round++) {
    const ch = durableChannel<number>(ns(), freshName('push-close'));
    const settled = await Promise.allSettled([ch.push(1), ch.push(2), ch.close()]);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    outcomes.push(`${settled.map((s) => s.status).join(',')} ${JSON.stringify(got)}`);
  }
  expect(outcomes.filter((o) => o !== 'fulfilled,fulfilled,fulfilled [1,2]')).toEqual([]);
}, 30_000);

it('pull() made together before close() on a channel holding a value gets it', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 15; round++) {
    const ch = durableChannel<number>(ns(), freshName('pull-close'));
    await ch.push(7);
    const [p] = await Promise.allSettled([ch.pull(), ch.close()]);
    outcomes.push(p.status === 'fulfilled' ? String(p.value) : String(p.reason));
  }
  expect(outcomes.filter((o) => o !== '7')).toEqual([]);
}, 30_000);

it('tryPush(1) then close() made together: tryPush answers true and 1 is stored', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 15; round++) {
    const ch = durableChannel<number>(ns(), freshName('trypush-close'));
    const [t] = await Promise.all([ch.tryPush(1), ch.close()]);
    outcomes.push(`${t} ${JSON.stringify((await ch.stats()).size)}`);
  }
  expect(outcomes.filter((o) => o !== 'true 1')).toEqual([]);
}, 30_000);
