/**
 * Audit BO-port — order, loss and close over real Node MessageChannels.
 * SPEC "Channels across contexts": Order and loss; Close.
 */
import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';
import { channelPair, closeAll, drainNow, sleep, tracked, waitFor } from './helpers.js';

afterEach(closeAll);

async function collect<T>(ch: AsyncIterable<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of ch) values.push(v);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

describe('FIFO, at most once, every value accounted for', () => {
  for (const capacity of [0, 1, 3, 64, Number.POSITIVE_INFINITY]) {
    it(`capacity ${capacity}: 300 values arrive once each, in order; toPort resolves {sent: 300, undelivered: []}`, async () => {
      const [p1, p2] = channelPair();
      const local = new Channel<number>(capacity === 0 ? 0 : 4);
      const remote = fromPort<number>(p2, { capacity, name: 'n' });
      const sending = toPort(local, p1, { name: 'n' });
      const producer = (async () => {
        for (let i = 0; i < 300; i++) await local.push(i);
        local.close();
      })();
      const got = await collect(remote);
      await producer;
      expect(got.error).toBeUndefined();
      expect(got.values).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(await sending).toEqual({ sent: 300, undelivered: [] });
    });
  }

  it('values of many kinds survive the trip by structured clone (Map, Date, nested, undefined, null)', async () => {
    const [p1, p2] = channelPair();
    const values: unknown[] = [
      undefined,
      null,
      0,
      -0,
      Number.NaN,
      'x',
      { a: [1, { b: 2 }] },
      new Map([[1, 'one']]),
      new Date(5),
      10n,
      new Uint8Array([1, 2, 3]),
    ];
    const local = new Channel<unknown>(values.length);
    await local.pushAll(values);
    local.close();
    const remote = fromPort<unknown>(p2, { capacity: 2 });
    const sending = toPort(local, p1);
    const got = await collect(remote);
    expect(got.error).toBeUndefined();
    expect(got.values).toEqual(values);
    expect(Object.is(got.values[3], -0)).toBe(true);
    expect((await sending).sent).toBe(values.length);
  });

  it('fromPort created after toPort pairs (sender waits), and fromPort created first pairs too', async () => {
    for (const receiverFirst of [false, true]) {
      const [p1, p2] = channelPair();
      const local = new Channel<number>(3);
      await local.pushAll([1, 2, 3]);
      local.close();
      let remote: Channel<number> | undefined;
      if (receiverFirst) remote = fromPort<number>(p2, { capacity: 1 });
      const sending = toPort(local, p1);
      await sleep(50);
      if (!receiverFirst) {
        expect(local.size).toBe(3); // nothing pulled before a receiver answered
        remote = fromPort<number>(p2, { capacity: 1 });
      }
      const got = await collect(remote as Channel<number>);
      expect(got.values).toEqual([1, 2, 3]);
      expect(await sending).toEqual({ sent: 3, undelivered: [] });
    }
  });
});

describe('close propagation', () => {
  it('a cloneable Error reason arrives after the last value, same class and message', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(p2, { capacity: 2 });
    const sending = toPort(local, p1);
    await local.pushAll([1, 2, 3]);
    local.close(new RangeError('no more'));
    const got = await collect(remote);
    expect(got.values).toEqual([1, 2, 3]);
    expect(got.error).toBeInstanceOf(RangeError);
    expect((got.error as Error).message).toBe('no more');
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  it('non-Error cloneable reasons (string, plain object) arrive as equal values', async () => {
    for (const reason of ['bye', { code: 7, list: [1, 2] }]) {
      const [p1, p2] = channelPair();
      const local = new Channel<number>(1);
      const remote = fromPort<number>(p2, { capacity: 1 });
      const sending = toPort(local, p1);
      await local.push(1);
      local.close(reason);
      const got = await collect(remote);
      expect(got.values).toEqual([1]);
      expect(got.error).toEqual(reason);
      await sending;
    }
  });

  it('a pull on the drained remote channel rejects with ChannelClosedError whose cause is the reason', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(p2, { capacity: 1 });
    const sending = toPort(local, p1);
    local.close(new Error('why'));
    await sending;
    const error = await remote.pull().catch((e) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toBeInstanceOf(Error);
    expect(((error as ChannelClosedError).cause as Error).message).toBe('why');
  });

  it('an uncloneable reason arrives as an Error whose message contains reason.message', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(p2, { capacity: 1 });
    const sending = toPort(local, p1);
    await local.push(1);
    const reason = { message: 'cannot clone me', fn: () => 1 };
    local.close(reason);
    const got = await collect(remote);
    expect(got.values).toEqual([1]);
    expect(got.error).toBeInstanceOf(Error);
    expect((got.error as Error).message).toContain('cannot clone me');
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('an Error carrying an uncloneable property still closes the remote with its message', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(p2, { capacity: 1 });
    const sending = toPort(local, p1);
    const reason = Object.assign(new Error('with a function'), { detail: () => 0 });
    local.close(reason);
    const got = await collect(remote);
    expect(got.error).toBeInstanceOf(Error);
    expect((got.error as Error).message).toContain('with a function');
    await sending;
  });

  it('a close without reason ends a for-await normally after the last value', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<string>(2);
    const remote = fromPort<string>(p2, { capacity: 0 });
    const sending = toPort(local, p1);
    const producer = (async () => {
      await local.push('a');
      await local.push('b');
      local.close();
    })();
    const got = await collect(remote);
    await producer;
    expect(got).toEqual({ values: ['a', 'b'] });
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  it('receiver close: the sender stops pulling at once, toPort resolves, and every value is somewhere exactly once', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(20);
    const all = Array.from({ length: 20 }, (_, i) => i);
    await local.pushAll(all);
    const remote = fromPort<number>(p2, { capacity: 4 });
    const sending = tracked(toPort(local, p1));
    const first = [await remote.pull(), await remote.pull()];
    remote.close(new Error('receiver done'));
    const leftRemote = drainNow(remote); // committed values stay readable on the receiving side
    const result = await sending.promise;
    // the sender's local channel is not closed by the receiver's reason
    expect(local.closed).toBe(false);
    const sizeAfter = local.size;
    await sleep(150);
    expect(local.size).toBe(sizeAfter); // pulls nothing more
    const leftLocal = drainNow(local);
    expect([...first, ...leftRemote, ...result.undelivered, ...leftLocal]).toEqual(all);
    expect(result.sent).toBe(first.length + leftRemote.length);
  });

  it('receiver close while the sender waits for credit on an empty channel: toPort resolves quickly', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(p2, { capacity: 8 });
    const sending = tracked(toPort(local, p1));
    await paired(p1); // the sender is parked on the empty local channel
    remote.close();
    await waitFor(sending.done, 1000, 'toPort to resolve');
    expect(await sending.promise).toEqual({ sent: 0, undelivered: [] });
    // the local channel is usable afterwards and has no waiter of toPort left
    expect(local.tryPush(1)).toBe(false);
    expect(local.stats().waitingPullers).toBe(0);
  });

  it('a close after the credit ran out (remote buffer full, consumer idle) still ends the stream when the consumer drains', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(p2, { capacity: 2 });
    const sending = toPort(local, p1);
    await local.pushAll([1, 2, 3, 4, 5]);
    await sleep(50);
    local.close(new Error('end'));
    await sleep(50);
    const got = await collect(remote);
    expect(got.values).toEqual([1, 2, 3, 4, 5]);
    expect((got.error as Error).message).toBe('end');
    expect(await sending).toEqual({ sent: 5, undelivered: [] });
  });

  it('the channel closed by a dead-sender or receiver reason is a ChannelError subclass only for "gone" (sanity: a normal close is not)', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(p2, { capacity: 1 });
    const sending = toPort(local, p1);
    local.close();
    await sending;
    const error = await remote.pull().catch((e) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelClosedError).cause).toBeUndefined();
  });
});
