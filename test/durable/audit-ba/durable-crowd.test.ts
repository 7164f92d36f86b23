/**
 * Auditor BA — durable: a crowd on one object. Dozens of clients (each as a request would make
 * its own) push and pull one channel at once, a share of them cancelled mid-operation by their
 * signal (a client disconnect), while stats() is read: nothing lost, duplicated or handed to a
 * cancelled pull; stats never reports more than the channel can hold.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

for (const [seed, capacity] of [
  [11, 8],
  [12, Infinity],
  [13, 1],
] as const) {
  it(`(holds) seed ${seed}, capacity ${capacity}: 60 producers and 60 consumers at once, a third cancelled mid-operation — every resolved push is read once, nothing else`, async () => {
    const random = seededRandom(seed);
    const name = freshName(`ba-crowd-${seed}`);
    const options = { capacity, sliceMs: 40, leaseMs: 3000 };
    const stored = new Set<string>();
    const refused = new Set<string>();
    const got: string[] = [];
    const problems: string[] = [];
    const watch = durableChannel<string>(ns(), name, options);
    let running = true;
    // stats() read while everything is in flight.
    const watcher = (async () => {
      while (running) {
        const s = await watch.stats();
        if (s.size < 0 || s.leased < 0 || s.size + s.leased > capacity)
          problems.push(`stats out of bounds: ${JSON.stringify(s)}`);
        if (s.waitingPullers > 60 || s.waitingPushers > 60) problems.push(`waiters: ${JSON.stringify(s)}`);
      }
    })();
    const producers = Array.from({ length: 60 }, async (_, p) => {
      const client = durableChannel<string>(ns(), name, options);
      const value = `v${p}`;
      const cancelled = random() < 1 / 3;
      const signal = cancelled ? AbortSignal.timeout(Math.floor(random() * 30)) : undefined;
      try {
        await client.push(value, { signal });
        stored.add(value);
      } catch (error) {
        if (!cancelled || (error as Error).name !== 'TimeoutError') problems.push(`push ${value}: ${error}`);
        refused.add(value);
      }
    });
    const consumers = Array.from({ length: 60 }, async (_, c) => {
      const client = durableChannel<string>(ns(), name, options);
      const cancelled = random() < 1 / 3;
      const signal = cancelled ? AbortSignal.timeout(Math.floor(random() * 60)) : AbortSignal.timeout(1500);
      try {
        if (c % 7 === 0) got.push(...(await client.pullMany(3, { signal })));
        else got.push(await client.pull({ signal }));
      } catch (error) {
        if ((error as Error).name !== 'TimeoutError') problems.push(`pull ${c}: ${error}`);
      }
    });
    await Promise.all(consumers);
    running = false;
    await watcher;
    // Drain until every push has settled (uncancelled pushes may outnumber the pulls that got a value).
    const drain = durableChannel<string>(ns(), name, options);
    const rest: string[] = [];
    let pushed = false;
    const settledPushes = Promise.all(producers).then(() => {
      pushed = true;
    });
    for (;;) {
      const batch = await drain.pullMany(100, { signal: AbortSignal.timeout(100) }).catch(() => [] as string[]);
      rest.push(...batch);
      if (batch.length === 0 && pushed) break;
    }
    await settledPushes;
    const all = [...got, ...rest];
    const counts = new Map<string, number>();
    for (const v of all) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const [v, n] of counts) if (n > 1) problems.push(`${v} read ${n} times`);
    for (const v of stored) if (!counts.has(v)) problems.push(`${v} stored but never read`);
    for (const v of refused) if (counts.has(v)) problems.push(`${v} refused but read`);
    const end = await drain.stats();
    if (end.size + end.leased + end.waitingPullers + end.waitingPushers !== 0)
      problems.push(`end: ${JSON.stringify(end)}`);
    expect(problems).toEqual([]);
  }, 15_000);
}
