/**
 * Audit W: a push whose signal aborts while Workers RPC serializes its value (a getter of the
 * value is user code, and may abort). SPEC (push): "Rejects with signal.reason if the signal is
 * aborted before the commit …; the value is then not delivered". The local channel guards the
 * same case ("a getter there is user code that may abort it, and a push whose signal aborted
 * before its commit must not commit"). The durable client attached its abort listener only after
 * the call was made, so this abort went unnoticed: the push kept waiting in the object until its
 * slice ended (5 s by default) and, when room appeared meanwhile, was stored and resolved.
 * Runs inside workerd.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { freshName, settled, sleep, until } from './helpers.js';

/** A value whose getter aborts `controller` when read (Workers RPC reads it as it sends the push). */
function abortingValue(controller: AbortController, reason: unknown) {
  return {
    get job() {
      controller.abort(reason);
      return 'payload';
    },
  };
}

describe('a push whose signal aborts while its value is being sent', () => {
  test('on a full channel: it rejects with the reason at once, keeps no place, and room made later stores nothing of it', async () => {
    const name = freshName('w-getter-abort-full');
    const channel = durableChannel<unknown>(env.CHANNELS, name, { capacity: 1 }); // default 5 s slices
    await channel.push('first');
    const controller = new AbortController();
    const reason = new Error('aborted while sending');
    const push = channel.push(abortingValue(controller, reason), { signal: controller.signal });
    push.catch(() => {});
    await until(() => settled(push), 2000); // well within one 5 s slice
    await expect(push).rejects.toBe(reason);
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    expect(await channel.pull()).toBe('first'); // room: nothing of the aborted push may take it
    await sleep(50);
    expect(await channel.tryPull()).toBeUndefined();
  });

  test('on a channel with room: it resolves only if the value was stored, and rejects only if it was not', async () => {
    for (let i = 0; i < 5; i++) {
      const channel = durableChannel<unknown>(env.CHANNELS, freshName('w-getter-abort-room'));
      const controller = new AbortController();
      const reason = new Error('aborted while sending');
      const outcome = await channel.push(abortingValue(controller, reason), { signal: controller.signal }).then(
        () => 'resolved',
        (error: unknown) => (error === reason ? 'rejected' : error),
      );
      const stored = (await channel.stats()).size;
      expect(outcome === 'resolved' ? 1 : outcome === 'rejected' ? 0 : -1).toBe(stored);
    }
  });
});
