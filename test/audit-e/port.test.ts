/**
 * Audit E: `chanasync/port` as a consumer wires it, through the public entry — combinations no
 * earlier test tried.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, pull as pullCase, select, after as timer } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, ports, settled, sleep } from '../helpers/ports.js';

closePortsAfterEach();

describe('chanasync/port, combinations', () => {
  test('closing the local channel from inside the transfer callback: every value arrives, then the remote channel closes', async () => {
    const [a, b] = ports();
    const local = new Channel<{ n: number }>(8);
    for (let n = 0; n < 4; n++) local.pushNowait({ n });
    const remote = fromPort<{ n: number }>(b, { capacity: 8 });
    const done = toPort(local, a, {
      transfer: (value) => {
        if (value.n === 1) local.close('stop');
        return [];
      },
    });
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of remote) got.push(v.n);
    } catch (e) {
      error = e;
    }
    expect(got).toEqual([0, 1, 2, 3]);
    expect(error).toBe('stop');
    expect(await done).toEqual({ sent: 4, undelivered: [] });
  });

  test('a remote pullMany on a capacity-0 fromPort gets values, and no value is lost or duplicated', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(10);
    for (let n = 0; n < 5; n++) local.pushNowait(n);
    local.close();
    const remote = fromPort<number>(b);
    const done = toPort(local, a);
    const got: number[] = [];
    for (;;) {
      const r = await settled(remote.pullMany(3));
      if (r.error !== undefined) {
        expect(r.error).toBeInstanceOf(ChannelClosedError);
        break;
      }
      expect(r.value!.length).toBeGreaterThan(0);
      got.push(...r.value!);
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(await done).toEqual({ sent: 5, undelivered: [] });
  });

  test('a value the receiving side pushes into its own fromPort channel mixes in without loss', async () => {
    const [a, b] = ports();
    const local = new Channel<string>(4);
    const remote = fromPort<string>(b, { capacity: 1 });
    const done = toPort(local, a);
    expect(remote.tryPush('mine')).toBe(true);
    await local.push('a');
    await local.push('b');
    local.close();
    const got: string[] = [];
    for await (const v of remote) got.push(v);
    expect(got.sort()).toEqual(['a', 'b', 'mine']);
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });

  test('an after() channel sent with toPort delivers its one tick and closes the remote channel', async () => {
    const [a, b] = ports();
    const remote = fromPort<number>(b, { capacity: 1 });
    const done = toPort(timer(5), a);
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toHaveLength(1);
    expect(typeof got[0]).toBe('number');
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('a select racing a fromPort channel against after() loses no remote value when after wins', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(16);
    const remote = fromPort<number>(b, { capacity: 0 });
    const done = toPort(local, a);
    const got: number[] = [];
    const producer = (async () => {
      for (let n = 0; n < 30; n++) {
        await local.push(n);
        if (n % 3 === 0) await sleep(2);
      }
      local.close();
    })();
    for (;;) {
      const r = await select([pullCase(remote), pullCase(timer(1))]);
      if (r.index === 0) {
        if (!r.ok) break;
        got.push(r.value as number);
      }
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(await done).toEqual({ sent: 30, undelivered: [] });
  });

  test('values of every falsy kind cross a capacity-0 port in order: undefined, null, 0, -0, "", false, NaN', async () => {
    const [a, b] = ports();
    const values = [undefined, null, 0, -0, '', false, Number.NaN, 0n];
    const local = new Channel<unknown>();
    const remote = fromPort<unknown>(b);
    const done = toPort(local, a);
    const producer = (async () => {
      for (const v of values) await local.push(v);
      local.close(0);
    })();
    const got: unknown[] = [];
    let error: unknown = 'none';
    try {
      for await (const v of remote) got.push(v);
    } catch (e) {
      error = e;
    }
    await producer;
    expect(got).toEqual(values);
    expect(Object.is(got[3], -0)).toBe(true);
    expect(error).toBe(0);
    expect(await done).toEqual({ sent: values.length, undelivered: [] });
  });

  test('a MessageChannel given in place of a port is refused by both calls with a TypeError saying to give one of its ports', async () => {
    const channel = new MessageChannel();
    try {
      const hint =
        'port has no postMessage (a MessageChannel? Give one of its ports here, the other to the other side)';
      expect(() => fromPort(channel as never)).toThrow(new TypeError(`fromPort(port, options): ${hint}`));
      const refused = await settled(toPort(new Channel<number>(), channel as never));
      expect(refused.error).toBeInstanceOf(TypeError);
      expect((refused.error as Error).message).toBe(`toPort(channel, port, options): ${hint}`);
    } finally {
      channel.port1.close();
      channel.port2.close();
    }
  });
});
