/**
 * Auditor BA — durable: pushes made together whose values fit one by one, but not all in one
 * joint call (Workers RPC carries at most 32 MiB).
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, observed } from '../helpers.js';

const MiB = 1024 * 1024;

it('pushes made together (Promise.all) are stored in the order they were made, also when their values add up to more than one RPC call carries', async () => {
  // 34 jobs: every even one 1.9 MiB (each fits storage's 2 MiB and an RPC call by far), every
  // odd one 1 byte: about 32.3 MiB in all. Three rounds (one is out of order about half the time).
  const payload = (i: number) => new Uint8Array(i % 2 === 0 ? 1.9 * MiB : 1).fill(i);
  const expected = Array.from({ length: 34 }, (_, i) => i);
  const bad: string[] = [];
  for (let round = 0; round < 3; round++) {
    const { namespace, calls } = observed();
    const jobs = durableChannel<Uint8Array>(namespace, freshName('ba-big-together'));
    await Promise.all(expected.map((i) => jobs.push(payload(i))));
    const order: (number | undefined)[] = [];
    while (order.length < 34) order.push(...(await jobs.pullMany(10)).map((value) => value[0]));
    // The joint call is refused as too large; its halves go as joint calls, one after the other
    // (before the fix, every push then went on its own: calls { inOrder: 1, push: 34 }).
    if ((calls.push ?? 0) !== 0) bad.push(`round ${round}: calls ${JSON.stringify(calls)}`);
    if (JSON.stringify(order) !== JSON.stringify(expected)) bad.push(`round ${round}: stored ${JSON.stringify(order)}`);
  }
  expect(bad).toEqual([]);
}, 10_000);

it('(holds) the same pushes made together under 32 MiB in all are stored in order', async () => {
  const name = freshName('ba-big-together-ok');
  const jobs = durableChannel<Uint8Array>(env.CHANNELS as any, name);
  const payload = (i: number) => new Uint8Array(i % 2 === 0 ? 1.9 * MiB : 1).fill(i);
  await Promise.all(Array.from({ length: 30 }, (_, i) => jobs.push(payload(i))));
  const order: (number | undefined)[] = [];
  while (order.length < 30) order.push(...(await jobs.pullMany(10)).map((value) => value[0]));
  expect(order).toEqual(Array.from({ length: 30 }, (_, i) => i));
}, 10_000);
