// Audit BR-peers-c: fairness and model checks. async-channel relies on event-listener's FIFO
// notification order (exercised by its mpmc/spsc tests); tokio's sync_mpsc.rs
// send_recv_many_* tests check recv_many against the values sent. Property tests compare with a
// plain-array model.
import { Channel, pull, select } from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('fairness and models', () => {
  // async-channel: parked receivers are woken in arrival order
  it('parked pullers are served FIFO', async () => {
    const ch = new Channel<number>(0);
    const order: number[] = [];
    const pulls = [0, 1, 2, 3].map((i) => ch.pull().then((v) => order.push(i * 10 + v)));
    for (let v = 0; v < 4; v++) await ch.push(v);
    await Promise.all(pulls);
    expect(order).toEqual([0, 11, 22, 33]);
  });

  // async-channel: parked senders are admitted in arrival order
  it('parked pushers are admitted FIFO and a later pushNowait cannot overtake them', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(0);
    const parked = [1, 2, 3].map((v) => ch.push(v));
    expect(ch.pullNowait()).toBe(0);
    expect(ch.tryPush(99)).toBe(false);
    expect([ch.pullNowait(), ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2, 3]);
    await Promise.all(parked);
  });

  // select fairness (Go/tokio select! random branch order): both ready cases win often
  it('select among two always-ready cases picks each a fair share', async () => {
    const a = new Channel<number>(Number.POSITIVE_INFINITY);
    const b = new Channel<number>(Number.POSITIVE_INFINITY);
    const wins = [0, 0];
    for (let i = 0; i < 2000; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
      const r = await select([pull(a), pull(b)]);
      wins[r.index] = (wins[r.index] ?? 0) + 1;
    }
    expect(wins[0]).toBeGreaterThan(800);
    expect(wins[1]).toBeGreaterThan(800);
    // nothing lost: what remains + wins = 2000 each
    expect(a.size + (wins[0] ?? 0)).toBe(2000);
    expect(b.size + (wins[1] ?? 0)).toBe(2000);
  });

  // tokio send_recv_many_*: pullMany(max) equals max consecutive pullNowait calls, parked
  // pushers included
  it('property: pullMany(k) equals k consecutive pullNowait (buffer + parked pushers)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 10 }),
        async (cap, n, k) => {
          const a = new Channel<number>(cap);
          const b = new Channel<number>(cap);
          const pa = Array.from({ length: n }, (_, i) => a.push(i));
          const pb = Array.from({ length: n }, (_, i) => b.push(i));
          const viaNowait: number[] = [];
          for (let i = 0; i < k; i++) {
            const v = b.tryPull();
            if (v === undefined) break;
            viaNowait.push(v);
          }
          if (n === 0) {
            expect(a.tryPull()).toBeUndefined();
          } else {
            expect(await a.pullMany(k)).toEqual(viaNowait);
          }
          expect(a.size).toBe(b.size);
          expect(a.stats().waitingPushers).toBe(b.stats().waitingPushers);
          a.close();
          b.close();
          await Promise.allSettled([...pa, ...pb]);
        },
      ),
      { numRuns: 100 },
    );
  });

  // async-channel mpmc under random scheduling against a multiset model
  it('property: random producers/consumers with yields deliver each value exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        async (cap, producers, consumers) => {
          const ch = new Channel<string>(cap);
          const got: string[] = [];
          const prods = producers.map(async (yieldEvery, p) => {
            for (let i = 0; i < 10; i++) {
              await ch.push(`${p}:${i}`);
              if (yieldEvery && i % yieldEvery === 0) await tick();
            }
          });
          const cons = Array.from({ length: consumers }, async () => {
            for await (const v of ch) got.push(v);
          });
          await Promise.all(prods);
          ch.close();
          await Promise.all(cons);
          expect(got.length).toBe(producers.length * 10);
          expect(new Set(got).size).toBe(got.length);
        },
      ),
      { numRuns: 25 },
    );
  });
});
