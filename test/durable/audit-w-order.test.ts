/**
 * Audit W: which error wins when a call is wrong in two ways at once, compared with the local
 * channel. The SPEC: a pull "rejects with signal.reason if aborted before a value was committed
 * to it (an already aborted signal is checked first, as for push)", and pullMany "rejects like
 * pull". A local channel checks the options, then the aborted signal, then `max`; the durable
 * client is to do the same ("with the local channel's meaning"). Runs inside workerd.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { durableChannel } from '../../src/durable/index.js';
import { freshName } from './helpers.js';

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return { resolved: await promise };
  } catch (error) {
    return error;
  }
}

describe('an already aborted signal is checked first, as on a local channel', () => {
  test('pullMany with a bad max and an aborted signal rejects with the signal’s reason, as a local channel does, and takes nothing', async () => {
    const durable = durableChannel<number>(env.CHANNELS, freshName('w-order'));
    await durable.push(1);
    const local = new Channel<number>(1);
    local.pushNowait(1);
    for (const max of [0, -1, 1.5, Number.NaN, Infinity, '2' as unknown as number]) {
      const reason = new Error(`aborted ${String(max)}`);
      const signal = AbortSignal.abort(reason);
      expect(await outcome(local.pullMany(max, { signal })), `local ${String(max)}`).toBe(reason);
      expect(await outcome(durable.pullMany(max, { signal })), `durable ${String(max)}`).toBe(reason);
    }
    expect(local.size).toBe(1);
    expect(await durable.stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
  });

  test('pullMany with a bad max and options that are not an options object: the options’ TypeError, on both', async () => {
    const durable = durableChannel<number>(env.CHANNELS, freshName('w-order-options'));
    const local = new Channel<number>(1);
    for (const options of ['x', 5, AbortSignal.abort()] as unknown[]) {
      const fromLocal = await outcome(local.pullMany(0, options as never));
      const fromDurable = await outcome(durable.pullMany(0, options as never));
      expect(fromLocal, `local ${String(options)}`).toBeInstanceOf(TypeError);
      expect(fromDurable, `durable ${String(options)}`).toBeInstanceOf(TypeError);
      expect((fromDurable as Error).message).toContain('pullMany');
    }
  });
});
