/**
 * Auditor BA — durable: leases shorter than a round trip with a crowd of consumers: values pass
 * from pull to pull, late acknowledgements take them; each must still be read exactly once.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

for (const leaseMs of [1, 3, 10]) {
  it(`(holds) leaseMs ${leaseMs}: 30 consumers (pull, pullWithId, pullMany) and 4 producers at once — each of 80 values read exactly once, nothing left`, async () => {
    const name = freshName(`ba-short-lease-${leaseMs}`);
    const options = { capacity: 6, sliceMs: 50, leaseMs };
    const got: number[] = [];
    let remaining = 80;
    const producers = [0, 1, 2, 3].map(async (p) => {
      const client = durableChannel<number>(ns(), name, options);
      for (let i = 0; i < 20; i++) await client.push(p * 20 + i);
    });
    const consumers = Array.from({ length: 30 }, async (_, c) => {
      const client = durableChannel<number>(ns(), name, options);
      while (remaining > 0) {
        const signal = AbortSignal.timeout(300);
        try {
          const batch =
            c % 3 === 0
              ? await client.pullMany(4, { signal })
              : c % 3 === 1
                ? [(await client.pullWithId({ signal })).value]
                : [await client.pull({ signal })];
          got.push(...batch);
          remaining -= batch.length;
        } catch (error) {
          if ((error as Error).name !== 'TimeoutError') throw error;
        }
      }
    });
    await Promise.all([...producers, ...consumers]);
    const counts = new Map<number, number>();
    for (const v of got) counts.set(v, (counts.get(v) ?? 0) + 1);
    const duplicated = [...counts].filter(([, n]) => n > 1);
    expect(duplicated).toEqual([]);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    const end = await durableChannel(ns(), name).stats();
    expect(end).toMatchObject({ size: 0, leased: 0, waitingPushers: 0 });
  }, 15_000);
}
