/**
 * Audit BE-core: "nothing is ever lost" and "a rejected push delivered nothing" through relays
 * (merge) built the way a user folds channels together: `all = merge(all, next)`.
 * README "Semantic details" records deep relay chains overflowing the stack as a known limit; the
 * SPEC's words (push rejects only for close or abort; nothing lost) make it a finding all the same.
 */
import { Channel, merge } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { outcome } from './helpers.js';

/** Calls an async API and describes what it did: a synchronous throw is reported, not raised. */
async function settle(call: () => Promise<unknown>): Promise<string> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    return `threw ${(error as Error).name} synchronously`;
  }
  const o = await outcome(promise);
  return o.status === 'rejected' ? `rejected ${(o.reason as Error).name}` : o.status;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still pending'> {
  return Promise.race([promise, new Promise<'still pending'>((r) => setTimeout(() => r('still pending'), ms))]);
}

describe('relays built by folding merge', () => {
  it('a fold of 200 merges relays every value (holds)', async () => {
    const chans = Array.from({ length: 200 }, () => new Channel<number>());
    let all = merge(chans[0]!);
    for (let i = 1; i < chans.length; i++) all = merge(all, chans[i]!);
    const got = all.pull();
    await chans[0]!.push(1);
    expect(await got).toBe(1);
    const again = all.pull();
    await chans[0]!.push(2);
    expect(await again).toBe(2);
  });

  it('a push into a fold of 3000 merges resolves, is delivered, and the pipeline keeps relaying', async () => {
    const chans = Array.from({ length: 3000 }, () => new Channel<number>());
    let all = merge(chans[0]!);
    for (let i = 1; i < chans.length; i++) all = merge(all, chans[i]!);
    const got = all.pull();
    got.catch(() => {});
    const first = await settle(() => chans[0]!.push(1));
    const firstValue = await within(got, 100);
    // merge holds one value ahead, so with the pipeline healthy the next push is taken at once
    const second = await within(
      settle(() => chans[0]!.push(2)),
      100,
    );
    expect({ push: first, delivered: firstValue, nextPush: second }).toEqual({
      push: 'fulfilled',
      delivered: 1,
      nextPush: 'fulfilled',
    });
  });

  it('a value pushed into a chain of 6000 merges reaches the end (it is not lost)', async () => {
    const src = new Channel<number>();
    let tail: Channel<number> = src;
    for (let i = 0; i < 6000; i++) tail = merge(tail);
    const got = tail.pull();
    got.catch(() => {});
    const pushed = await settle(() => src.push(1));
    const delivered = await within(got, 100);
    expect({ push: pushed, delivered }).toEqual({ push: 'fulfilled', delivered: 1 });
  });
});
