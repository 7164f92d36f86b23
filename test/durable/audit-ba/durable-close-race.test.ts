/**
 * Auditor BA — durable: close(reason) racing waiting pushes and pulls of many clients, some of
 * the pulls cancelled after a value was handed to them.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { freshName, until } from '../helpers.js';

const ns = () => env.CHANNELS as any;

for (const seed of [31, 32, 33]) {
  it(`(holds) seed ${seed}: close(reason) racing 12 waiting pushes and 20 pulls of separate clients — stored values read once, every other operation fails with the reason`, async () => {
    const random = seededRandom(seed);
    const name = freshName(`ba-close-race-${seed}`);
    const options = { capacity: 3, sliceMs: 25, leaseMs: 3000 };
    const admin = durableChannel<string>(ns(), name, options);
    for (const v of ['a', 'b', 'c']) await admin.push(v);
    const problems: string[] = [];
    const stored: string[] = ['a', 'b', 'c'];
    const reason = new RangeError('shutting down');
    const checkClosed = (what: string, error: unknown) => {
      if (!(error instanceof ChannelClosedError)) problems.push(`${what}: ${error}`);
      else if (!(error.cause instanceof RangeError) || error.cause.message !== 'shutting down')
        problems.push(`${what}: cause ${String(error.cause)}`);
    };
    const pushes = Array.from({ length: 12 }, (_, i) =>
      durableChannel<string>(ns(), name, options)
        .push(`p${i}`)
        .then(
          () => stored.push(`p${i}`),
          (error: unknown) => checkClosed(`push p${i}`, error),
        ),
    );
    await until(async () => (await admin.stats()).waitingPushers === 12);
    const got: string[] = [];
    const pulls = Array.from({ length: 20 }, (_, i) => {
      const cancelled = random() < 0.3;
      const signal = cancelled ? AbortSignal.timeout(Math.floor(random() * 15)) : undefined;
      return durableChannel<string>(ns(), name, options)
        .pull({ signal })
        .then(
          (value) => got.push(value),
          (error: unknown) => {
            if (cancelled && (error as Error).name === 'TimeoutError') return;
            checkClosed(`pull ${i}`, error);
          },
        );
    });
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 10)));
    await admin.close(reason);
    await Promise.all([...pushes, ...pulls]);
    // Whatever is left (a value given back by a cancelled pull after the others failed) is still readable.
    for (;;) {
      const value = await admin.pull().catch((error: unknown) => {
        checkClosed('drain', error);
        return undefined;
      });
      if (value === undefined) break;
      got.push(value);
    }
    if (JSON.stringify([...got].sort()) !== JSON.stringify([...stored].sort()))
      problems.push(`read ${JSON.stringify(got)}, stored ${JSON.stringify(stored)}`);
    expect(problems).toEqual([]);
    expect(await admin.stats()).toMatchObject({
      size: 0,
      leased: 0,
      closed: true,
      waitingPushers: 0,
      waitingPullers: 0,
    });
  }, 10_000);
}
