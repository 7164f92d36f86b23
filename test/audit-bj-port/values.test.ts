/**
 * Audit BJ — values that cannot cross, bad input, and what a stream leaves behind: an
 * uncloneable value rejects `toPort` with a clear error and loses nothing; misuse throws an
 * error naming the function; a stream that ended leaves no listener on its port.
 */
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { fakePorts } from '../helpers/fake-ports.js';
import { closePortsAfterEach, ports, settled, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();

type Accounted<T> = { sent: number; undelivered: T[] };

async function drainAll<T>(channel: Channel<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

describe('a value that cannot be cloned', () => {
  it('rejects toPort with a TypeError carrying sent and undelivered; the remote closes with an Error; nothing is lost', async () => {
    const [p1, p2] = ports();
    const local = new Channel<unknown>(10);
    const bad = { id: 3, run: () => 0 };
    await local.pushAll([0, 1, 2, bad, 4, 5]);
    const remote = fromPort<unknown>(p2, { capacity: 2 });
    const sending = toPort(local, p1);
    const got: unknown[] = [];
    const drained = (async () => {
      const result = await drainAll(remote as Channel<unknown>);
      got.push(...result.values);
      return result.error;
    })();
    const outcome = await settled(sending);
    expect(outcome.error).toBeInstanceOf(TypeError);
    const { sent, undelivered } = outcome.error as TypeError & Accounted<unknown>;
    expect(typeof sent).toBe('number');
    expect(Array.isArray(undelivered)).toBe(true);
    const remoteError = await drained;
    expect(remoteError).toBeInstanceOf(Error);
    expect(String((remoteError as Error).message).length).toBeGreaterThan(0);
    // order kept and each value exactly once across: received, undelivered, still local
    expect(got).toEqual([0, 1, 2].slice(0, got.length));
    expect(sent).toBe(got.length);
    expect(undelivered).toContain(bad);
    const left: unknown[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    expect([...got, ...undelivered, ...left]).toEqual([0, 1, 2, bad, 4, 5]);
  });

  it('a symbol value rejects toPort with a TypeError and the value comes back in undelivered', async () => {
    const [p1, p2] = ports();
    const local = new Channel<unknown>(2);
    const sym = Symbol('not cloneable');
    await local.pushAll(['ok', sym]);
    local.close();
    const remote = fromPort<unknown>(p2, { capacity: 4 });
    const outcome = await settled(toPort(local, p1));
    expect(outcome.error).toBeInstanceOf(TypeError);
    const { sent, undelivered } = outcome.error as TypeError & Accounted<unknown>;
    const { values, error } = await drainAll(remote as Channel<unknown>);
    expect(error).toBeInstanceOf(Error);
    expect([...values, ...undelivered]).toEqual(['ok', sym]);
    expect(sent).toBe(values.length);
  });

  it('a transfer callback that throws rejects toPort with a TypeError, accounting for every pulled value', async () => {
    const [p1, p2] = ports();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3, 4]);
    local.close();
    const remote = fromPort<number>(p2, { capacity: 8 });
    const outcome = await settled(
      toPort(local, p1, {
        transfer: (value) => {
          if (value === 3) throw new Error('no transfer for 3');
          return [];
        },
      }),
    );
    expect(outcome.error).toBeInstanceOf(TypeError);
    const { sent, undelivered } = outcome.error as TypeError & Accounted<number>;
    const { values, error } = await drainAll(remote);
    expect(error).toBeInstanceOf(Error);
    expect(sent).toBe(values.length);
    expect([...values, ...undelivered]).toEqual([1, 2, 3, 4]);
  });

  it('a transferred ArrayBuffer moves (the sender side sees it detached) and arrives whole', async () => {
    const [p1, p2] = ports();
    const local = new Channel<ArrayBuffer>(1);
    const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
    await local.push(buffer);
    local.close();
    const remote = fromPort<ArrayBuffer>(p2, { capacity: 1 });
    const sending = toPort(local, p1, { transfer: (value) => [value] });
    const got = await remote.pull();
    expect([...new Uint8Array(got)]).toEqual([1, 2, 3, 4]);
    expect(buffer.byteLength).toBe(0);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });
});

describe('bad input errors name the function', () => {
  it('toPort on something that is not a chanasync Channel is a TypeError naming toPort', async () => {
    const [p1] = ports();
    const outcome = await settled(Promise.resolve().then(() => toPort({} as never, p1)));
    expect(outcome.error).toBeInstanceOf(TypeError);
    expect((outcome.error as Error).message).toMatch(/toPort/);
  });

  it('toPort on an object that is no port is a TypeError naming toPort', async () => {
    const outcome = await settled(Promise.resolve().then(() => toPort(new Channel<number>(), {} as PortLike)));
    expect(outcome.error).toBeInstanceOf(TypeError);
    expect((outcome.error as Error).message).toMatch(/toPort/);
  });

  it('toPort(channel, port, signal) — a signal in place of options — is a TypeError', async () => {
    const [p1] = ports();
    const outcome = await settled(
      Promise.resolve().then(() => toPort(new Channel<number>(), p1, new AbortController().signal as never)),
    );
    expect(outcome.error).toBeInstanceOf(TypeError);
    expect((outcome.error as Error).message).toMatch(/toPort/);
  });

  for (const [label, capacity, kind] of [
    ['a negative capacity', -1, RangeError],
    ['a fractional capacity', 1.5, RangeError],
    ['a NaN capacity', Number.NaN, RangeError],
    ['a string capacity', '4', TypeError],
  ] as const) {
    it(`fromPort with ${label} throws a ${kind.name} naming fromPort`, () => {
      const [, p2] = ports();
      let thrown: unknown;
      try {
        fromPort(p2, { capacity: capacity as number });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(kind);
      expect((thrown as Error).message).toMatch(/fromPort/);
    });
  }

  it('fromPort on an object without postMessage throws a TypeError naming fromPort', () => {
    expect(() => fromPort({ addEventListener() {} } as unknown as PortLike)).toThrow(/fromPort/);
    expect(() => fromPort({ addEventListener() {} } as unknown as PortLike)).toThrow(TypeError);
  });

  it('a second fromPort of the same name on the same port is a TypeError naming fromPort; the first keeps working', async () => {
    const [p1, p2] = ports();
    const first = fromPort<number>(p2, { name: 'x', capacity: 1 });
    expect(() => fromPort(p2, { name: 'x' })).toThrow(TypeError);
    expect(() => fromPort(p2, { name: 'x' })).toThrow(/fromPort/);
    const local = new Channel<number>(1);
    await local.push(7);
    local.close();
    const sending = toPort(local, p1, { name: 'x' });
    expect(await first.pull()).toBe(7);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('a second toPort of the same name on the same port is a TypeError naming toPort; the first keeps working', async () => {
    const [p1, p2] = ports();
    const a = new Channel<number>(1);
    const sending = toPort(a, p1, { name: 'y' });
    const outcome = await settled(Promise.resolve().then(() => toPort(new Channel<number>(), p1, { name: 'y' })));
    expect(outcome.error).toBeInstanceOf(TypeError);
    expect((outcome.error as Error).message).toMatch(/toPort/);
    const remote = fromPort<number>(p2, { name: 'y', capacity: 1 });
    await a.push(1);
    a.close();
    expect(await remote.pull()).toBe(1);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('the name of a stream that ended is free again on the same port', async () => {
    const [p1, p2] = ports();
    for (let round = 0; round < 3; round++) {
      const local = new Channel<number>(1);
      await local.push(round);
      local.close();
      const remote = fromPort<number>(p2, { name: 'again', capacity: 1 });
      const sending = toPort(local, p1, { name: 'again' });
      expect(await remote.pull()).toBe(round);
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
      await until(() => remote.closed);
    }
  });
});

describe('nothing is left behind after close', () => {
  it('a stream that ended removes its listeners from both ports', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(3);
    await local.pushAll([1, 2, 3]);
    local.close();
    const remote = fromPort<number>(b, { capacity: 2 });
    const sending = toPort(local, a);
    expect(await drainAll(remote)).toEqual({ values: [1, 2, 3] });
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
    await sleep(20);
    expect(a.allListeners).toBe(0);
    expect(b.allListeners).toBe(0);
  });

  it('a fromPort closed before any sender came removes its listener', async () => {
    const { b } = fakePorts();
    const remote = fromPort<number>(b, { capacity: 2 });
    expect(b.listeners).toBe(1);
    remote.close();
    expect(b.allListeners).toBe(0);
  });

  it('a toPort aborted while pairing removes its listener and leaves no timer running', async () => {
    const { a } = fakePorts();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const controller = new AbortController();
    const sending = toPort(new Channel<number>(), a, { signal: controller.signal });
    await sleep(10);
    controller.abort();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    await sleep(20);
    expect(a.allListeners).toBe(0);
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });

  it('after a stream ends on both sides no heartbeat timer stays active', async () => {
    const { a, b } = fakePorts();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const local = new Channel<number>(1);
    await local.push(1);
    const remote = fromPort<number>(b, { capacity: 1 });
    const sending = toPort(local, a);
    expect(await remote.pull()).toBe(1);
    local.close();
    await sending;
    await until(() => remote.closed);
    await sleep(30);
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});
