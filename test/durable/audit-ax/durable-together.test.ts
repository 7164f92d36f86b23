/**
 * Auditor AX — operations one client starts in one synchronous run take effect in the order
 * they were made, "as a local channel's do" (README, Semantic details): compared with the
 * results a local Channel gives for the same calls.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

describe('operations started together, as a local channel', () => {
  it('pullMany(5) then push(1), push(2) on an empty channel: pullMany resolves with [1] (local: [[1]])', async () => {
    const ch = durableChannel<number>(ns(), freshName('tog-pm'));
    const r = await Promise.all([ch.pullMany(5), ch.push(1), ch.push(2)]);
    expect(r[0]).toEqual([1]);
    expect(await ch.pullMany(5)).toEqual([2]);
  });

  it('push(1) then tryPull() on an empty channel: tryPull gets 1', async () => {
    const ch = durableChannel<number>(ns(), freshName('tog-tp'));
    const r = await Promise.all([ch.push(1), ch.tryPull()]);
    expect(r[1]).toBe(1);
  });

  it('pull(), pullMany(5), then three pushes on an empty channel: 1 and [2] (local), 3 stays', async () => {
    const ch = durableChannel<number>(ns(), freshName('tog-ppm'));
    const r = await Promise.all([ch.pull(), ch.pullMany(5), ch.push(1), ch.push(2), ch.push(3)]);
    expect(r[0]).toBe(1);
    expect(r[1]).toEqual([2]);
    expect(await ch.pullMany(5)).toEqual([3]);
  });

  // A local channel gives [1, 2]. Documented (README Semantic details, durable "Capacity"): a
  // leased value keeps its slot until acknowledged, and the first tryPull's lease is
  // acknowledged only after the joint call, so push 2 waits for room past the second tryPull.
  // Nothing is lost: 2 is stored once the acknowledgement makes room.
  it('capacity 1: push(1), push(2), tryPull(), tryPull() gives 1 then undefined, and 2 after (documented)', async () => {
    const ch = durableChannel<number>(ns(), freshName('tog-cap1'), { capacity: 1 });
    const r = await Promise.all([ch.push(1), ch.push(2), ch.tryPull(), ch.tryPull()]);
    expect([r[2], r[3]]).toEqual([1, undefined]);
    expect(await ch.tryPull()).toBe(2);
  });
});

describe('contrast (holds): the same calls awaited one after the other', () => {
  it('capacity 1: push(1) awaited, push(2) waiting, tryPull() awaited twice gives 1 then 2', async () => {
    const ch = durableChannel<number>(ns(), freshName('seq-cap1'), { capacity: 1 });
    await ch.push(1);
    const w = ch.push(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(await ch.tryPull()).toBe(1);
    await w;
    expect(await ch.tryPull()).toBe(2);
  });
});
