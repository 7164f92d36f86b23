/**
 * Blind specification pass (audit BP): edge cases of "Channels across contexts" — falsy close
 * reasons, values that cannot be cloned, capacity-0 credit per parked pull, values in flight when
 * the receiver closes, a fromPort signal, a channel already closed when toPort starts.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { closeOpened, pair, sleep, until } from './helpers.js';

afterEach(closeOpened);

async function settle<T>(channel: AsyncIterable<T>): Promise<{ values: T[]; threw: boolean; error: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
    return { values, threw: false, error: undefined };
  } catch (error) {
    return { values, threw: true, error };
  }
}

describe('close reasons', () => {
  for (const reason of [null, 0, '', false]) {
    it(`a falsy cloneable reason (${JSON.stringify(reason)}) crosses as it is`, async () => {
      const { port1, port2 } = pair();
      const local = new Channel<number>(1);
      const remote = fromPort<number>(port2, { capacity: 1 });
      const sending = toPort(local, port1);
      await local.push(1);
      local.close(reason);
      // Locally, for-await throws the reason (anything but undefined).
      const result = await settle(remote);
      expect(result).toEqual({ values: [1], threw: true, error: reason });
      await sending;
    });
  }

  it('a close reason arrives only after every value, also when the receiver had no room', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await local.pushAll([1, 2, 3, 4, 5]);
    local.close(new RangeError('done'));
    await sleep(200);
    const result = await settle(remote);
    expect(result.values).toEqual([1, 2, 3, 4, 5]);
    expect(result.error).toBeInstanceOf(RangeError);
    expect(await sending).toEqual({ sent: 5, undelivered: [] });
  });

  it('a channel closed and drained before toPort starts closes the remote channel promptly', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    local.close('bye');
    const remote = fromPort<number>(port2, { capacity: 1 });
    const at = Date.now();
    const sending = toPort(local, port1);
    const result = await settle(remote);
    expect(result).toEqual({ values: [], threw: true, error: 'bye' });
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    expect(Date.now() - at).toBeLessThan(2_500);
  });
});

describe('values that cannot be cloned', () => {
  it('toPort rejects with a TypeError accounting for every value; the remote side gets the ones before', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<unknown>(10);
    const remote = fromPort<unknown>(port2, { capacity: 10 });
    const fn = () => 1;
    await local.pushAll([1, 2, fn, 4]);
    const sending = toPort(local, port1);
    const error = (await sending.then(
      () => undefined,
      (e: unknown) => e,
    )) as TypeError & { sent: number; undelivered: unknown[] };
    expect(error).toBeInstanceOf(TypeError);
    const result = await settle(remote);
    expect(result.values).toEqual([1, 2]);
    expect(result.threw).toBe(true);
    expect(result.error).toBeInstanceOf(Error);
    expect(error.sent).toBe(2);
    expect(error.undelivered[0]).toBe(fn);
    expect(error.sent + error.undelivered.length + local.size).toBe(4);
  });
});

describe('capacity 0 credit', () => {
  it('grants one credit per parked remote pull', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const pulls = [remote.pull(), remote.pull(), remote.pull()];
    let resolved = 0;
    const pushes = [1, 2, 3, 4].map((v) => local.push(v).then(() => resolved++));
    expect(await Promise.all(pulls)).toEqual([1, 2, 3]);
    await until(() => resolved === 3, 'three pushes');
    await sleep(300);
    expect(resolved).toBe(3); // the fourth waits for a fourth pull
    expect(await remote.pull()).toBe(4);
    await Promise.all(pushes);
    remote.close();
    expect(await sending).toEqual({ sent: 4, undelivered: [] });
  });

  it('a remote pull that gives up takes its credit back: a later push waits', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const controller = new AbortController();
    const pull = remote.pull({ signal: controller.signal }).catch(() => 'aborted');
    // The credit reached the sender: it waits on the empty local channel.
    await until(() => local.stats().waitingPullers === 1, 'the credit to reach the sender');
    controller.abort();
    expect(await pull).toBe('aborted');
    await until(() => local.stats().waitingPullers === 0, 'its withdrawal to reach the sender');
    let resolved = false;
    const pushing = local.push(1).then(() => {
      resolved = true;
    });
    await sleep(300);
    expect(resolved).toBe(false);
    expect(await remote.pull()).toBe(1);
    await pushing;
    remote.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('a value in flight when the receiver closes is listed in undelivered, never lost', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const controller = new AbortController();
    const pull = remote.pull({ signal: controller.signal }).catch(() => 'aborted');
    await until(() => local.stats().waitingPullers === 1, 'the credit to reach the sender');
    // Push and abort in the same turn: the value goes on the old credit.
    const pushing = local.push(42);
    controller.abort();
    await pushing; // the sender took it (README: for that pull's credit)
    expect(await pull).toBe('aborted');
    await sleep(200); // the value waits at the receiver (if still in flight: undelivered all the same)
    remote.close();
    const result = await sending;
    expect(result).toEqual({ sent: 0, undelivered: [42] });
  });
});

describe('fromPort signal', () => {
  it('aborting it closes the receiving channel without a reason and resolves toPort', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(10);
    await local.pushAll([1, 2, 3, 4, 5]);
    const controller = new AbortController();
    const remote = fromPort<number>(port2, { capacity: 2, signal: controller.signal });
    const sending = toPort(local, port1);
    await until(() => remote.size === 2, 'the first window');
    controller.abort(new Error('ignored reason'));
    const result = await settle(remote);
    expect(result).toEqual({ values: [1, 2], threw: false, error: undefined });
    const { sent, undelivered } = await sending;
    expect(sent).toBe(2);
    expect(sent + undelivered.length + local.size).toBe(5);
  });
});

describe('options', () => {
  it('an unbounded receiver takes a burst of 5000 values in a few messages, in order', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(Infinity);
    await local.pushAll(Array.from({ length: 5000 }, (_, i) => i));
    local.close();
    const remote = fromPort<number>(port2, { capacity: Infinity });
    const sending = toPort(local, port1);
    const result = await settle(remote);
    expect(result.values).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 5000, undelivered: [] });
  });

  it('refuses bad capacities, a second fromPort of one name, and a non-channel', async () => {
    const { port1, port2 } = pair();
    expect(() => fromPort(port2, { capacity: -1 })).toThrow(RangeError);
    expect(() => fromPort(port2, { capacity: 1.5 })).toThrow(RangeError);
    expect(() => fromPort(port2, { capacity: '3' as unknown as number })).toThrow(TypeError);
    const first = fromPort(port2, { name: 'once' });
    expect(() => fromPort(port2, { name: 'once' })).toThrow(TypeError);
    first.close();
    await expect(toPort([1, 2] as never, port1)).rejects.toBeInstanceOf(TypeError);
    await expect(toPort(new Channel(), {} as never)).rejects.toBeInstanceOf(TypeError);
  });
});
