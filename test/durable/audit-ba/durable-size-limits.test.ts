/**
 * Auditor BA — durable: values at storage's size limit.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName } from '../helpers.js';

const MiB = 1024 * 1024;

it('(holds) a value of 2 MiB is stored and read back; one of 3 MiB is refused with a TypeError naming the channel, storing nothing, also on a full channel', async () => {
  const name = freshName('ba-size');
  const ch = durableChannel<Uint8Array>(env.CHANNELS as any, name, { capacity: 2 });
  await ch.push(new Uint8Array(2 * MiB).fill(7));
  const error = await ch.push(new Uint8Array(3 * MiB)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toMatch(/^push\(value\): channel ".*" cannot store the value: .*TOOBIG/);
  await ch.push(new Uint8Array(1));
  // Full now: the refusal still comes at once (the trial write), not when room appears.
  const full = await ch.push(new Uint8Array(3 * MiB), { signal: AbortSignal.timeout(2000) }).catch((e: unknown) => e);
  expect(full).toBeInstanceOf(TypeError);
  expect(await ch.stats()).toMatchObject({ size: 2, waitingPushers: 0 });
  const big = await ch.pull();
  expect([big.length, big[0]]).toEqual([2 * MiB, 7]);
});
