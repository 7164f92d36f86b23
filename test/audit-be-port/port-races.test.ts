/**
 * Audit BE, port: closes and aborts that race a batch in flight. Every value `toPort` pulled is
 * committed remotely or listed in `undelivered` — exactly one of the two (SPEC "Order and loss").
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { link } from './helpers.js';

/** Everything the receiving channel still holds (it is closed: pullNowait until it throws). */
function leftIn<T>(ch: Channel<T>): T[] {
  const out: T[] = [];
  while (ch.size > 0) out.push(ch.pullNowait());
  return out;
}

describe('a batch in flight', () => {
  for (const when of ['credit', 'values'] as const) {
    it(`the receiver closing its channel as the ${when} message goes by: exact accounting, nothing twice`, async () => {
      const { port1, port2 } = link();
      const local = new Channel<number>(10);
      await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const remote = fromPort<number>(port2, { capacity: 4 });
      const sending = toPort(local, port1);
      // the credit goes by at the sender's port, the values at the receiver's
      const where = when === 'credit' ? port1 : port2;
      let done = false;
      where.addEventListener('message', (event) => {
        if (!done && (event as MessageEvent).data?.type === when) {
          done = true;
          remote.close();
        }
      });
      const { sent, undelivered } = await sending;
      const committed = leftIn(remote);
      const stillLocal = await local.pullMany(10);
      expect(committed).toHaveLength(sent);
      expect([...committed, ...undelivered, ...stillLocal]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      local.close();
    });

    it(`toPort's signal aborting as the ${when} message goes by: exact accounting, nothing twice`, async () => {
      const { port1, port2 } = link();
      const local = new Channel<number>(10);
      await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const remote = fromPort<number>(port2, { capacity: 4 });
      const controller = new AbortController();
      const sending = toPort(local, port1, { signal: controller.signal });
      const where = when === 'credit' ? port1 : port2;
      let done = false;
      where.addEventListener('message', (event) => {
        if (!done && (event as MessageEvent).data?.type === when) {
          done = true;
          controller.abort(new Error('stop'));
        }
      });
      const { sent, undelivered } = await sending;
      const committed = leftIn(remote);
      const stillLocal = await local.pullMany(10);
      expect(remote.closed).toBe(true);
      expect(committed).toHaveLength(sent);
      expect([...committed, ...undelivered, ...stillLocal]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      local.close();
    });
  }

  it('the local channel closing while a batch is in flight still ends the remote after the last value', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    let closed = false;
    port2.addEventListener('message', (event) => {
      if (!closed && (event as MessageEvent).data?.type === 'values') {
        closed = true;
        local.close(new Error('mid-flight'));
      }
    });
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (e) {
      error = e;
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect((error as Error).message).toBe('mid-flight');
    await expect(sending).resolves.toEqual({ sent: 5, undelivered: [] });
  });
});
