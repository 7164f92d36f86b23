/**
 * Auditor BA — durable: one client's operations made together (one synchronous run: their
 * first calls travel as one joint call), a share of them cancelled by their signals while the
 * joint call is in flight or while they wait.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

for (const [seed, capacity] of [
  [21, 5],
  [22, Infinity],
  [23, 1],
] as const) {
  it(`(holds) seed ${seed}, capacity ${capacity}: 50 pushes and 50 pulls made together, a third cancelled — every stored value read once, no refused one read, nothing left waiting`, async () => {
    const random = seededRandom(seed);
    const name = freshName(`ba-together-abort-${seed}`);
    const options = { capacity, sliceMs: 30, leaseMs: 3000 };
    const producer = durableChannel<number>(ns(), name, options);
    const consumer = durableChannel<number>(ns(), name, options);
    const problems: string[] = [];
    const outcomes: ('stored' | 'refused')[] = [];
    const pushing = Array.from({ length: 50 }, (_, i) => {
      const cancelled = random() < 1 / 3;
      const signal = cancelled ? AbortSignal.timeout(Math.floor(random() * 20)) : undefined;
      return producer.push(i, { signal }).then(
        () => {
          outcomes[i] = 'stored';
        },
        (error: unknown) => {
          outcomes[i] = 'refused';
          if (!cancelled) problems.push(`push ${i}: ${error}`);
        },
      );
    });
    const pulled: (number | undefined)[] = [];
    const pulling = Array.from({ length: 50 }, (_, i) => {
      const cancelled = random() < 1 / 3;
      const signal = cancelled ? AbortSignal.timeout(Math.floor(random() * 40)) : AbortSignal.timeout(2000);
      return consumer.pull({ signal }).then(
        (value) => {
          pulled[i] = value;
        },
        (error: unknown) => {
          if ((error as Error).name !== 'TimeoutError') problems.push(`pull ${i}: ${error}`);
        },
      );
    });
    await Promise.all(pulling);
    // Drain until every push has settled (the uncancelled pushes may outnumber the pulls).
    const rest: number[] = [];
    let pushed = false;
    const settledPushes = Promise.all(pushing).then(() => {
      pushed = true;
    });
    for (;;) {
      const batch = await consumer.pullMany(100, { signal: AbortSignal.timeout(100) }).catch(() => [] as number[]);
      rest.push(...batch);
      // Empty, with every push settled: done once the channel holds nothing (on a loaded
      // machine a pullMany can time out with values there: it left 3 stored values unread).
      if (batch.length === 0 && pushed) {
        const now = await consumer.stats();
        if (now.size + now.leased === 0) break;
      }
    }
    await settledPushes;
    const served = pulled.filter((v): v is number => v !== undefined);
    const all = [...served, ...rest];
    const stored = outcomes.flatMap((o, i) => (o === 'stored' ? [i] : []));
    if (JSON.stringify([...all].sort((a, b) => a - b)) !== JSON.stringify(stored))
      problems.push(`read ${JSON.stringify(all)} stored ${JSON.stringify(stored)}`);
    const end = await consumer.stats();
    if (end.size + end.leased + end.waitingPullers + end.waitingPushers !== 0)
      problems.push(`end: ${JSON.stringify(end)}`);
    expect(problems).toEqual([]);
  }, 15_000);
}
