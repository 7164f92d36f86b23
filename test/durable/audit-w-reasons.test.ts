/**
 * Audit W: close reasons that are falsy or unusual keep their identity across an object reset
 * (SPEC: "a closed channel stays closed across restarts"; the local channel: `for await` throws
 * the reason after `close(reason)` with a reason other than `undefined`). Runs inside workerd.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { ChannelClosedError } from '../../src/errors.js';
import { freshName, resetObject } from './helpers.js';

async function drainError(
  channel: AsyncIterable<unknown>,
): Promise<{ thrown: boolean; error?: unknown; seen: unknown[] }> {
  const seen: unknown[] = [];
  try {
    for await (const value of channel) seen.push(value);
    return { thrown: false, seen };
  } catch (error) {
    return { thrown: true, error, seen };
  }
}

describe('close reasons across a reset', () => {
  for (const reason of [null, 0, '', false, Number.NaN, -0, 0n]) {
    test(`close(${String(reason)}${Object.is(reason, -0) ? ' (-0)' : ''}): after a reset, pull’s cause and for await’s throw are that reason`, async () => {
      const name = freshName('w-reason');
      const channel = durableChannel<number>(env.CHANNELS, name);
      await channel.push(1);
      await channel.close(reason);
      await resetObject(name);
      const fresh = durableChannel<number>(env.CHANNELS, name);
      const result = await drainError(fresh);
      expect(result.seen).toEqual([1]);
      expect(result.thrown).toBe(true);
      expect(Object.is(result.error, reason)).toBe(true);
      const error = await fresh.pull().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(Object.is((error as Error).cause, reason)).toBe(true);
    });
  }

  test('close() without a reason: after a reset, for await ends normally and pull’s error has no cause', async () => {
    const name = freshName('w-no-reason');
    await durableChannel<number>(env.CHANNELS, name).close();
    await resetObject(name);
    const fresh = durableChannel<number>(env.CHANNELS, name);
    expect(await drainError(fresh)).toEqual({ thrown: false, seen: [] });
    const error = (await fresh.pull().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect('cause' in error).toBe(false);
  });
});

describe('push ids across close and a reset', () => {
  test('a push id stored before close is still remembered after a reset: its retry resolves, tryPush answers true, a new id is refused', async () => {
    const name = freshName('w-id-closed-reset');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('kept', { id: 'order-1' });
    await channel.close('no more');
    await resetObject(name);
    const fresh = durableChannel<string>(env.CHANNELS, name);
    await fresh.push('kept', { id: 'order-1' }); // the retry of a push that succeeded
    expect(await fresh.tryPush('kept', { id: 'order-1' })).toBe(true);
    await expect(fresh.push('new', { id: 'order-2' })).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await fresh.tryPush('new', { id: 'order-3' })).toBe(false);
    expect(await fresh.pullWithId()).toEqual({ value: 'kept', id: 'order-1', attempt: 1 });
    await expect(fresh.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});
