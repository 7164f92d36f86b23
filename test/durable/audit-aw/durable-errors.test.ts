/**
 * Auditor AW — durable: error objects as SPEC "Errors" describes them (name, message naming the
 * channel and the operation, a `channel` property), after crossing RPC.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError, ChannelError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName } from '../helpers.js';

describe('durable errors', () => {
  it('ChannelClosedError from push/pull/pullMany/pullWithId: class, name, message with name and op, channel property', async () => {
    const name = freshName('errs');
    const ch = durableChannel<number>(env.CHANNELS as any, name, { capacity: 2 });
    await ch.close(new Error('why'));
    for (const [op, call] of [
      ['push', () => ch.push(1)],
      ['pull', () => ch.pull()],
      ['pullMany', () => ch.pullMany(2)],
      ['pullWithId', () => ch.pullWithId()],
    ] as const) {
      const e: any = await (call as () => Promise<unknown>)().catch((x) => x);
      expect(e, op).toBeInstanceOf(ChannelClosedError);
      expect(e, op).toBeInstanceOf(ChannelError);
      expect(e.name, op).toBe('ChannelClosedError');
      expect(e.message, op).toContain(op);
      expect(e.message, op).toContain(name);
      expect(e.channel, op).toBeDefined();
      console.log(op, JSON.stringify(e.message), typeof e.channel, e.channel?.name ?? e.channel);
      expect(e.cause?.message, op).toBe('why');
    }
  });

  it('capacity mismatch: RangeError from every operation, naming the op and both capacities; close() does not close', async () => {
    const name = freshName('mismatch');
    await durableChannel<number>(env.CHANNELS as any, name, { capacity: 2 }).push(1);
    const wrong = durableChannel<number>(env.CHANNELS as any, name, { capacity: 5 });
    for (const [op, call] of [
      ['close', () => wrong.close()],
      ['stats', () => wrong.stats()],
      ['tryPull', () => wrong.tryPull()],
      ['tryPush', () => wrong.tryPush(1)],
      ['pull', () => wrong.pull()],
    ] as const) {
      const e: any = await (call as () => Promise<unknown>)().catch((x) => x);
      expect(e, op).toBeInstanceOf(RangeError);
      expect(e.message, op).toMatch(/2/);
      expect(e.message, op).toMatch(/5/);
      expect(e.message, op).toContain(op);
    }
    const right = durableChannel<number>(env.CHANNELS as any, name);
    expect(await right.stats()).toMatchObject({ closed: false, size: 1, capacity: 2 });
  });
});
