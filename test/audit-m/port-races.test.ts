/**
 * Audit M: endings that race — the local channel closed (with a reason) and toPort's signal
 * aborted in the same turn, in both orders, with values buffered remotely and on their way; the
 * receiver closing as the sender ends; close reasons that are falsy. Every value pulled is
 * committed remotely or undelivered, the remote channel closes with one of the two reasons, and
 * nothing is left parked on either channel.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, ports, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();

const range = (count: number, base = 0) => Array.from({ length: count }, (_, i) => base + i);

/** Everything the remote channel yields, and how it ended (its pull's ChannelClosedError cause). */
async function drainCause<T>(channel: Channel<T>): Promise<{ values: T[]; cause: unknown }> {
  const values: T[] = [];
  for (;;) {
    try {
      values.push(await channel.pull());
    } catch (error) {
      expect(error).toBeInstanceOf(ChannelClosedError);
      return { values, cause: (error as ChannelClosedError).cause };
    }
  }
}

describe('close and abort in the same turn', () => {
  for (const capacity of [0, 3]) {
    for (const first of ['close', 'abort'] as const) {
      test(`capacity ${capacity}, ${first} first: one reason wins, every value accounted for, nothing parked`, async () => {
        for (let round = 0; round < 6; round++) {
          const [a, b] = ports();
          const local = new Channel<number>(Infinity);
          await local.pushAll(range(12));
          const controller = new AbortController();
          const remote = fromPort<number>(b, { capacity });
          const sending = toPort(local, a, { signal: controller.signal });
          // a consumer that takes a few values, so that some are on their way at the end
          const taken: number[] = [];
          for (let i = 0; i < 3; i++) taken.push(await remote.pull());
          const extra = remote.pull().then(
            (v) => [v],
            () => [] as number[],
          );
          await sleep(round);
          if (first === 'close') {
            local.close('closed');
            controller.abort('aborted');
          } else {
            controller.abort('aborted');
            local.close('closed');
          }
          const result = await sending;
          const more = await extra;
          const { values, cause } = await drainCause(remote);
          const rest: number[] = [];
          while (local.size > 0) rest.push(local.pullNowait());
          const got = [...taken, ...more, ...values];
          expect(got).toEqual(range(result.sent));
          expect([...got, ...result.undelivered, ...rest]).toEqual(range(12));
          // The abort stops the stream: the remote channel closes with the abort's reason unless
          // the local channel was closed and drained (and its end posted) before it.
          expect(['aborted', 'closed']).toContain(cause);
          if (rest.length > 0 || result.undelivered.length > 0) expect(cause).toBe('aborted');
          expect(local.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
          expect(remote.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
          a.close();
          b.close();
        }
      });
    }
  }

  test('the receiver closes in the turn the sender ends: toPort resolves once, with exact accounting', async () => {
    for (let round = 0; round < 6; round++) {
      const [a, b] = ports();
      const local = new Channel<number>(Infinity);
      await local.pushAll(range(8));
      const remote = fromPort<number>(b, { capacity: 2 });
      const sending = toPort(local, a);
      await until(() => remote.size === 2);
      await sleep(round);
      local.close('done');
      remote.close('enough');
      const result = await sending;
      const { values, cause } = await drainCause(remote);
      expect(cause).toBe('enough');
      const rest: number[] = [];
      while (local.size > 0) rest.push(local.pullNowait());
      expect(values).toEqual(range(result.sent));
      expect([...values, ...result.undelivered, ...rest]).toEqual(range(8));
      expect(local.stats().waitingPullers).toBe(0);
      a.close();
      b.close();
    }
  });
});
