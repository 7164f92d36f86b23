/**
 * Auditor AW — durable: FIFO among waiters when a waiter is between two slices, and when a
 * waiter in the middle withdraws.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, sleep, until } from '../helpers.js';

describe('FIFO among waiters', () => {
  it('a pull waiting across short slices keeps its place against a pull that arrives with the value', async () => {
    for (let round = 0; round < 12; round++) {
      const name = freshName('slice-place');
      const a = durableChannel<string>(env.CHANNELS as any, name, { sliceMs: 40 } as any);
      const b = durableChannel<string>(env.CHANNELS as any, name, { sliceMs: 40 } as any);
      const order: string[] = [];
      const pa = a.pull().then((v) => order.push(`a:${v}`));
      // FIFO is by arrival at the object: a's first call must be there before b's. On a loaded
      // machine it once took longer than the sleep below (round 9: b came first, got v1).
      await until(async () => (await a.stats()).waitingPullers === 1);
      await sleep(90 + round * 7);
      const pb = b.pull().then((v) => order.push(`b:${v}`));
      await b.push('v1');
      await b.push('v2');
      await Promise.all([pa, pb]);
      expect(order.sort(), `round ${round}`).toEqual(['a:v1', 'b:v2']);
    }
  }, 30_000);

  it('the middle one of three waiting pulls withdraws: the first and third get the two values in order', async () => {
    const name = freshName('middle-withdraw');
    const ch = durableChannel<string>(env.CHANNELS as any, name);
    const ac = new AbortController();
    const got: string[] = [];
    const p1 = ch.pull().then((v) => got.push(`1:${v}`));
    await until(async () => (await ch.stats()).waitingPullers === 1);
    const p2 = ch.pull({ signal: ac.signal }).catch(() => got.push('2:aborted'));
    await until(async () => (await ch.stats()).waitingPullers === 2);
    const p3 = ch.pull().then((v) => got.push(`3:${v}`));
    await until(async () => (await ch.stats()).waitingPullers === 3);
    ac.abort();
    await p2;
    await ch.push('x');
    await ch.push('y');
    await Promise.all([p1, p3]);
    expect(got.sort()).toEqual(['1:x', '2:aborted', '3:y']);
  });

  it('a push waiting across short slices keeps its place against a push that arrives when room appears', async () => {
    for (let round = 0; round < 8; round++) {
      const name = freshName('slice-push-place');
      const a = durableChannel<string>(env.CHANNELS as any, name, { capacity: 1, sliceMs: 40 } as any);
      const b = durableChannel<string>(env.CHANNELS as any, name, { capacity: 1, sliceMs: 40 } as any);
      await a.push('head');
      const pa = a.push('A');
      await sleep(90 + round * 9);
      const pulled = b.pull();
      const late = b.tryPush('B'); // room just appeared, but A waits before it
      expect(await pulled).toBe('head');
      const lateOk = await late;
      await pa;
      const rest: string[] = [];
      let v: string | undefined;
      for (v = await b.tryPull(); v !== undefined; v = await b.tryPull()) rest.push(v);
      expect(rest[0], `round ${round} late=${lateOk} rest=${rest}`).toBe('A');
    }
  }, 30_000);
});
