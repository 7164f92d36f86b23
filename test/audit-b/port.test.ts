/**
 * Audit B of SPEC "Channels across contexts (chanasync/port)", through the public entries over
 * Node's MessageChannel: sentences combined with values and consumers no other test used — a
 * close or abort reason that is falsy (`null`, `0`, `''`, `false`, `NaN`) is still "the same
 * reason", and a consumer that only polls (`tryPull`, `selectNowait`) or takes batches
 * (`pullMany`) still gets every value once, in order, the credit following it.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, pull, select, selectNowait } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, drain, paired, ports, sleep } from '../helpers/ports.js';

closePortsAfterEach();

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('close: the remote channel closes after the last value, with the same reason', () => {
  for (const reason of [null, 0, '', false, Number.NaN]) {
    test(`a falsy reason (${JSON.stringify(reason) ?? String(reason)}) is a reason: the remote for await throws it after the values`, async () => {
      const [a, b] = ports();
      const local = new Channel<number>(4);
      const remote = fromPort<number>(b, { capacity: 2 });
      const sending = toPort(local, a);
      await local.pushAll([1, 2]);
      local.close(reason);
      const { values, error } = await drain(remote);
      expect(values).toEqual([1, 2]);
      expect(error).toBe(reason);
      expect(await sending).toEqual({ sent: 2, undelivered: [] });
    });
  }

  test('a signal aborted with null closes the remote channel with null, after what was committed', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(b, { capacity: 3 });
    const controller = new AbortController();
    const sending = toPort(local, a, { signal: controller.signal });
    await local.push(1);
    while (remote.size === 0) await sleep(1);
    controller.abort(null);
    const { values, error } = await drain(remote);
    expect(values).toEqual([1]);
    expect(error).toBe(null);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  test('a signal aborted with a TypeError closes the remote channel with a TypeError of its message; a pull there rejects with ChannelClosedError caused by it', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(b, { capacity: 3, name: 'jobs' });
    const controller = new AbortController();
    const sending = toPort(local, a, { signal: controller.signal, name: 'jobs' });
    await paired(a, 'jobs');
    controller.abort(new TypeError('stop'));
    const error = await remote.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).channel).toBe(remote);
    expect((error as ChannelClosedError).message).toContain('"jobs"');
    expect((error as ChannelClosedError).cause).toBeInstanceOf(TypeError);
    expect(((error as ChannelClosedError).cause as TypeError).message).toBe('stop');
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
  });
});

describe('backpressure: credit follows consumers that never park', () => {
  for (const capacity of [1, 2, 5]) {
    test(`a consumer that only polls with tryPull gets every value, in order (capacity ${capacity})`, async () => {
      const [a, b] = ports();
      const local = new Channel<number>(100);
      await local.pushAll(range(20));
      local.close();
      const remote = fromPort<number>(b, { capacity });
      const sending = toPort(local, a);
      const got: number[] = [];
      const deadline = Date.now() + 5000;
      while ((!remote.closed || remote.size > 0) && Date.now() < deadline) {
        const value = remote.tryPull();
        if (value === undefined) await sleep(1);
        else got.push(value);
      }
      expect(got).toEqual(range(20));
      expect(await sending).toEqual({ sent: 20, undelivered: [] });
    });

    test(`a consumer that only polls with selectNowait gets every value, in order, then ok: false (capacity ${capacity})`, async () => {
      const [a, b] = ports();
      const local = new Channel<number>(100);
      await local.pushAll(range(20));
      local.close();
      const remote = fromPort<number>(b, { capacity });
      const idle = new Channel<number>(0);
      const sending = toPort(local, a);
      const got: number[] = [];
      const deadline = Date.now() + 5000;
      for (;;) {
        const result = selectNowait([pull(remote), pull(idle)]);
        if (result === undefined) {
          if (Date.now() > deadline) break;
          await sleep(1);
          continue;
        }
        if (!result.ok) break;
        got.push(result.value as number);
      }
      expect(got).toEqual(range(20));
      expect(await sending).toEqual({ sent: 20, undelivered: [] });
    });

    test(`a consumer of pullMany batches gets every value once, in order, then ChannelClosedError (capacity ${capacity})`, async () => {
      const [a, b] = ports();
      const local = new Channel<number>(100);
      const remote = fromPort<number>(b, { capacity });
      const sending = toPort(local, a);
      const producing = (async () => {
        for (const value of range(50)) await local.push(value);
        local.close();
      })();
      const got: number[] = [];
      let end: unknown;
      try {
        for (;;) {
          got.push(...(await remote.pullMany(3)));
          await sleep(1);
        }
      } catch (error) {
        end = error;
      }
      await producing;
      expect(end).toBeInstanceOf(ChannelClosedError);
      expect(got).toEqual(range(50));
      expect(await sending).toEqual({ sent: 50, undelivered: [] });
    });
  }

  test('capacity 0: a consumer that selects with a fresh short timeout each time loses and duplicates nothing', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b);
    const sending = toPort(local, a);
    const producing = (async () => {
      for (const value of range(30)) await local.push(value);
      local.close();
    })();
    const got: number[] = [];
    for (;;) {
      const timeout = new Channel<never>(0);
      const timer = setTimeout(() => timeout.close(), 2);
      const result = await select([pull(remote), pull(timeout)]);
      clearTimeout(timer);
      if (result.index === 1) continue;
      if (!result.ok) break;
      got.push(result.value as number);
    }
    await producing;
    expect(got).toEqual(range(30));
    expect(await sending).toEqual({ sent: 30, undelivered: [] });
  });
});
