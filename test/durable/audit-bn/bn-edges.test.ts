/**
 * Auditor BN — durable: falsy close reasons, huge capacities across restarts, capacity fixed by
 * a first tryPull, attempts across several restarts.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, resetObject } from '../helpers.js';

const ns = () => env.CHANNELS as any;

describe('falsy close reasons (a reason other than undefined counts, as locally)', () => {
  for (const [label, reason] of [
    ['null', null],
    ['0', 0],
    ['empty string', ''],
    ['false', false],
    ['NaN', Number.NaN],
  ] as const) {
    it(`close(${label}): pull rejects ChannelClosedError with that cause, for-await throws it, also after a restart`, async () => {
      const name = freshName(`bn-falsy-${label}`);
      const ch = durableChannel<number>(ns(), name);
      await ch.push(1);
      await ch.close(reason);
      const check = async () => {
        const error = await ch.pull().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ChannelClosedError);
        expect('cause' in (error as object)).toBe(true);
        expect(Object.is((error as Error).cause, reason)).toBe(true);
        let thrown: unknown = 'nothing thrown';
        try {
          for await (const _ of ch) throw new Error('no value expected');
        } catch (e) {
          thrown = e;
        }
        expect(Object.is(thrown, reason)).toBe(true);
      };
      expect(await ch.pull()).toBe(1);
      await check();
      await resetObject(name);
      await check();
      expect((await ch.stats()).closed).toBe(true);
    });
  }
});

describe('capacity persisted exactly', () => {
  for (const capacity of [2 ** 31 + 1, 2 ** 53 - 1, 2 ** 60, 1e300]) {
    it(`capacity ${capacity}: the creating client keeps working after a restart, stats reports it`, async () => {
      const name = freshName('bn-bigcap');
      const ch = durableChannel<number>(ns(), name, { capacity });
      await ch.push(1);
      expect((await ch.stats()).capacity).toBe(capacity);
      await resetObject(name);
      await ch.push(2);
      expect(await ch.stats()).toMatchObject({ capacity, size: 2 });
      expect(await ch.pullMany(10)).toEqual([1, 2]);
      // A client with another capacity is still refused.
      const other = durableChannel<number>(ns(), name, { capacity: 7 });
      await expect(other.push(3)).rejects.toBeInstanceOf(RangeError);
    });
  }
});

it('capacity fixed by a first tryPull / stats / close, and a later different one is a RangeError naming the call', async () => {
  const a = freshName('bn-cap-trypull');
  expect(await durableChannel<number>(ns(), a, { capacity: 2 }).tryPull()).toBeUndefined();
  const other = durableChannel<number>(ns(), a, { capacity: 3 });
  const e1 = await other.tryPull().catch((e: unknown) => e);
  expect(e1).toBeInstanceOf(RangeError);
  expect(String((e1 as Error).message)).toMatch(/tryPull/);
  const e2 = await other.tryPush(1).catch((e: unknown) => e);
  expect(e2).toBeInstanceOf(RangeError);
  expect(String((e2 as Error).message)).toMatch(/tryPush/);
  const e3 = await other.pullMany(2, { signal: AbortSignal.timeout(3000) }).catch((e: unknown) => e);
  expect(e3).toBeInstanceOf(RangeError);
  expect(String((e3 as Error).message)).toMatch(/pullMany/);
  const e4 = await other.close().catch((e: unknown) => e);
  expect(e4).toBeInstanceOf(RangeError);
  const same = durableChannel<number>(ns(), a);
  expect((await same.stats()).capacity).toBe(2);
  expect((await same.stats()).closed).toBe(false);
});

it('a value leased at two restarts in a row comes back with its id and attempt 3', async () => {
  const name = freshName('bn-attempts');
  const ch = durableChannel<string>(ns(), name);
  await ch.push('x', { id: 'the-x' });
  await ch.push('y', { id: 'the-y' });
  for (let round = 1; round <= 2; round++) {
    const stub = env.CHANNELS.get(env.CHANNELS.idFromName(name)) as any;
    const answer = await stub.pull({
      capacity: null,
      ticket: `t${round}`,
      max: 1,
      wait: false,
      sliceMs: 1000,
      leaseMs: 60_000,
    });
    expect(answer.kind).toBe('values');
    expect(answer.deliveries[0].attempt).toBe(round);
    await resetObject(name);
  }
  expect(await ch.pullWithId()).toEqual({ value: 'x', id: 'the-x', attempt: 3 });
  expect(await ch.pullWithId()).toEqual({ value: 'y', id: 'the-y', attempt: 1 });
  expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
});
