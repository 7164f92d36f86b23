/**
 * Auditor BA — durable: FIFO among waiters of many clients when every wait slice is shorter
 * than a round trip (the waiters spend most of their time between two slices).
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, until } from '../helpers.js';

const ns = () => env.CHANNELS as any;

it('(holds) sliceMs 1: 20 waiting pulls of separate clients, parked one after the other, get values in the order they came', async () => {
  const name = freshName('ba-tiny-slice-pulls');
  const options = { sliceMs: 1, leaseMs: 5000 };
  const admin = durableChannel<number>(ns(), name, options);
  const got: number[] = [];
  const pulls: Promise<void>[] = [];
  for (let i = 0; i < 20; i++) {
    pulls.push(
      durableChannel<number>(ns(), name, options)
        .pull()
        .then((v) => {
          got[i] = v;
        }),
    );
    await until(async () => (await admin.stats()).waitingPullers === i + 1);
  }
  for (let v = 0; v < 20; v++) await admin.push(v);
  await Promise.all(pulls);
  expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
}, 10_000);

it('(holds) sliceMs 1: 20 waiting pushes of separate clients on a full channel are stored in the order they came', async () => {
  const name = freshName('ba-tiny-slice-pushes');
  const options = { capacity: 1, sliceMs: 1, leaseMs: 5000 };
  const admin = durableChannel<number>(ns(), name, options);
  await admin.push(-1);
  const pushes: Promise<void>[] = [];
  for (let i = 0; i < 20; i++) {
    pushes.push(durableChannel<number>(ns(), name, options).push(i));
    await until(async () => (await admin.stats()).waitingPushers === i + 1);
  }
  const got: number[] = [];
  for (let k = 0; k < 21; k++) got.push(await admin.pull());
  await Promise.all(pushes);
  expect(got).toEqual(Array.from({ length: 21 }, (_, i) => i - 1));
}, 10_000);
