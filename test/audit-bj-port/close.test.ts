/**
 * Audit BJ — close across a port: order and no loss up to the close, the reason (class and
 * message) as the other side sees it, the receiver's close stopping the sender, and aborts on
 * either side mid-stream. Over Node `MessageChannel`s (real structured cloning).
 */
import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { closePortsAfterEach, paired, ports, settled, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();

/** Pulls until the channel ends; returns the values and the error it ended with (if any). */
async function drainAll<T>(channel: Channel<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

describe('close with a reason crosses the port', () => {
  const reasons: [string, () => unknown, (seen: unknown) => void][] = [
    [
      'a TypeError arrives as a TypeError with its message',
      () => new TypeError('bad input'),
      (seen) => {
        expect(seen).toBeInstanceOf(TypeError);
        expect((seen as Error).message).toBe('bad input');
      },
    ],
    [
      'a RangeError arrives as a RangeError with its message',
      () => new RangeError('too far'),
      (seen) => {
        expect(seen).toBeInstanceOf(RangeError);
        expect((seen as Error).message).toBe('too far');
      },
    ],
    [
      'a custom Error subclass arrives as an Error with its message',
      () => {
        class JobFailed extends Error {}
        return new JobFailed('job 7 failed');
      },
      (seen) => {
        expect(seen).toBeInstanceOf(Error);
        expect((seen as Error).message).toBe('job 7 failed');
      },
    ],
    ['a string reason arrives as the same string', () => 'stop', (seen) => expect(seen).toBe('stop')],
    [
      'a plain object reason arrives as an equal object',
      () => ({ code: 42, why: 'done' }),
      (seen) => expect(seen).toEqual({ code: 42, why: 'done' }),
    ],
    [
      'an uncloneable reason arrives as an Error whose message contains its message',
      () => Object.assign(new Error('with a callback'), { retry: () => 1 }),
      (seen) => {
        expect(seen).toBeInstanceOf(Error);
        expect((seen as Error).message).toContain('with a callback');
      },
    ],
    [
      'a reason object holding a function arrives as an Error mentioning its message',
      () => ({ message: 'not cloneable', fn: () => 0 }),
      (seen) => {
        expect(seen).toBeInstanceOf(Error);
        expect((seen as Error).message).toContain('not cloneable');
      },
    ],
  ];
  for (const [title, make, expectSeen] of reasons) {
    it(`${title}, after every value in order`, async () => {
      const [p1, p2] = ports();
      const local = new Channel<number>(8);
      const remote = fromPort<number>(p2, { capacity: 3 });
      const sending = toPort(local, p1);
      await local.pushAll([1, 2, 3, 4, 5, 6, 7, 8]);
      const reason = make();
      local.close(reason);
      const { values, error } = await drainAll(remote);
      expect(values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expectSeen(error);
      expect(await sending).toEqual({ sent: 8, undelivered: [] });
    });
  }

  it('a close without a reason ends the remote for-await normally', async () => {
    const [p1, p2] = ports();
    const local = new Channel<string>(2);
    const remote = fromPort<string>(p2, { capacity: 1 });
    const sending = toPort(local, p1);
    await local.pushAll(['a', 'b']);
    local.close();
    const { values, error } = await drainAll(remote);
    expect(values).toEqual(['a', 'b']);
    expect(error).toBeUndefined();
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
    // the remote channel's pull after the end rejects as a closed channel's does
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('the receiver closes mid-stream', () => {
  it('the sender stops pulling, resolves, and every pulled value is sent or undelivered (none twice)', async () => {
    const [p1, p2] = ports();
    const total = 50;
    const local = new Channel<number>(total);
    await local.pushAll(Array.from({ length: total }, (_, i) => i));
    const remote = fromPort<number>(p2, { capacity: 4 });
    const sending = toPort(local, p1);
    const got = [await remote.pull(), await remote.pull(), await remote.pull()];
    await sleep(10);
    const bufferedAtClose: number[] = [];
    for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) bufferedAtClose.push(v);
    remote.close(new Error('receiver had enough'));
    const { sent, undelivered } = await sending;
    const committed = [...got, ...bufferedAtClose];
    // "sent" counts the values committed remotely
    expect(sent).toBe(committed.length);
    expect(committed).toEqual(Array.from({ length: committed.length }, (_, i) => i));
    // undelivered continues the order, then what was never pulled is still in the local channel
    const rest: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) rest.push(v);
    expect([...committed, ...undelivered, ...rest]).toEqual(Array.from({ length: total }, (_, i) => i));
    // the sender pulled no more than the credit allowed
    expect(committed.length + undelivered.length).toBeLessThanOrEqual(3 + 4 + 4);
  });

  it("the receiver's close reason stays on the receiving side: toPort resolves, the local channel stays open", async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3, 4]);
    const remote = fromPort<number>(p2, { capacity: 1 });
    const sending = toPort(local, p1);
    expect(await remote.pull()).toBe(1);
    remote.close(new Error('mine'));
    const outcome = await settled(sending);
    expect(outcome.error).toBeUndefined();
    expect(local.closed).toBe(false);
    const { sent, undelivered } = outcome.value as { sent: number; undelivered: number[] };
    expect(sent + undelivered.length + local.size).toBe(4);
    // a pull rejects as on a local channel closed with a reason: ChannelClosedError, cause = reason
    const error = (await settled(remote.pull())).error as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error.cause as Error).message).toBe('mine');
  });

  it('a receiver closed while the sender waits with no local values resolves toPort without any value', async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>();
    const remote = fromPort<number>(p2, { capacity: 2 });
    const sending = toPort(local, p1);
    await paired(p1); // the sender waits on the empty local channel
    remote.close();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    // the local channel is free again for a local consumer
    const pulling = local.pull();
    await local.push(9);
    expect(await pulling).toBe(9);
  });
});

describe('aborts on either side mid-stream', () => {
  it("aborting toPort's signal resolves it, and the remote closes with the abort reason after what arrived", async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(20);
    await local.pushAll(Array.from({ length: 20 }, (_, i) => i));
    const remote = fromPort<number>(p2, { capacity: 3 });
    const controller = new AbortController();
    const sending = toPort(local, p1, { signal: controller.signal });
    const got = [await remote.pull(), await remote.pull()];
    controller.abort(new RangeError('cancelled by the page'));
    const outcome = await settled(sending);
    expect(outcome.error).toBeUndefined();
    const { sent, undelivered } = outcome.value as { sent: number; undelivered: number[] };
    const rest = await drainAll(remote);
    expect(rest.error).toBeInstanceOf(RangeError);
    expect((rest.error as Error).message).toBe('cancelled by the page');
    const committed = [...got, ...rest.values];
    expect(sent).toBe(committed.length);
    const left: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    expect([...committed, ...undelivered, ...left]).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("aborting toPort's signal with the default reason closes the remote with an error naming AbortError", async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3, 4]);
    const remote = fromPort<number>(p2, { capacity: 1 });
    const controller = new AbortController();
    const sending = toPort(local, p1, { signal: controller.signal });
    expect(await remote.pull()).toBe(1);
    controller.abort();
    await sending;
    const rest = await drainAll(remote);
    expect(rest.error).toBeDefined();
    const error = rest.error as { name?: string; message?: string };
    expect(`${error.name}: ${error.message}`).toMatch(/AbortError/);
  });

  it("aborting fromPort's signal ends the remote for-await normally and resolves toPort with what it held", async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const controller = new AbortController();
    const remote = fromPort<number>(p2, { capacity: 2, signal: controller.signal });
    const sending = toPort(local, p1);
    const got: number[] = [];
    const loop = (async () => {
      for await (const value of remote) {
        got.push(value);
        if (got.length === 3) controller.abort(new Error('consumer left'));
      }
    })();
    await loop; // ends normally (no throw)
    const { sent, undelivered } = await sending;
    const left: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    // anything committed but not consumed stayed in the remote buffer (closed without a reason)
    const buffered: number[] = [];
    for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) buffered.push(v);
    expect(sent).toBe(got.length + buffered.length);
    expect([...got, ...buffered, ...undelivered, ...left]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a toPort whose signal is already aborted pulls nothing and a receiver of its name stays open for the next sender', async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(p2, { name: 'n', capacity: 2 });
    const aborted = AbortSignal.abort(new Error('before'));
    expect(await toPort(local, p1, { name: 'n', signal: aborted })).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
    await sleep(30);
    expect(remote.closed).toBe(false);
    const sending = toPort(local, p1, { name: 'n' });
    expect(await remote.pull()).toBe(1);
    expect(await remote.pull()).toBe(2);
    local.close();
    await until(() => remote.closed);
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });
});

describe('a receiver that goes away', () => {
  it('closing the receiving MessagePort settles toPort with the uncommitted values, no hang', async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(p2, { capacity: 2 });
    const sending = toPort(local, p1);
    expect(await remote.pull()).toBe(0);
    p2.close();
    const outcome = await settled(sending);
    const { sent, undelivered } = (outcome.value ?? (outcome.error as object)) as {
      sent: number;
      undelivered: number[];
    };
    const left: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    // nothing was lost: 0 was committed; every other value pulled is sent or undelivered
    expect(sent).toBeGreaterThanOrEqual(1);
    const accounted = sent + undelivered.length + left.length;
    expect(accounted).toBe(10);
    expect([...undelivered, ...left]).toEqual(Array.from({ length: 10 - sent }, (_, i) => sent + i));
  });

  it('the receiving channel of a closed port closes with a ChannelError saying the other side is gone', async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(p2, { capacity: 4 });
    const sending = toPort(local, p1);
    await until(() => remote.size === 2);
    p1.close();
    await settled(sending);
    const { values, error } = await drainAll(remote);
    expect(values).toEqual([1, 2]);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/gone/i);
  });
});
