/**
 * `sliceMs` and `leaseMs` take any positive finite number (README, Durable channels, "Waiting in
 * slices"): a slice above 2³¹−1 ms is one long wait inside workerd — not the 1 ms that Node and
 * browsers give a timer past that bound, which would make a waiting pull a loop of calls.
 */
import { env } from 'cloudflare:workers';
import { expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { freshName, observed, sleep } from './helpers.js';

for (const sliceMs of [2 ** 31 - 1, 2 ** 31 + 1, 3e9, 1e300]) {
  test(`a pull waiting with sliceMs ${sliceMs} makes one call, and its abort leaves nothing behind`, async () => {
    const { namespace, calls } = observed();
    const name = freshName('long-slice');
    const channel = durableChannel<number>(namespace, name, { sliceMs, leaseMs: 1e300 });
    const controller = new AbortController();
    const waiting = channel.pull({ signal: controller.signal }).catch((error: unknown) => error);
    await sleep(300);
    expect(calls.pull).toBe(1);
    controller.abort('stop');
    expect(await waiting).toBe('stop');
    const other = durableChannel<number>(env.CHANNELS, name);
    await other.push(1);
    expect(await other.stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
    // A lease of 1e300 ms: the value is handed out and acknowledged as with any other.
    expect(await channel.pullWithId()).toMatchObject({ value: 1, attempt: 1 });
  });
}
