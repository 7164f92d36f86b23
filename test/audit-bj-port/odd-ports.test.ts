/**
 * Audit BJ — the contract over hand-made ports: one that delivers synchronously from inside
 * `postMessage` (re-entrant), an EventEmitter-style one (its listener gets the data itself), and
 * a loop-back object whose posts reach its own listeners. The SPEC: "any object with
 * `postMessage` and `addEventListener('message')`"; README: a hand-made port "may deliver
 * synchronously, from inside `postMessage`", and may call the listener with the data itself.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { syncPorts } from '../helpers/fake-ports.js';
import { settled, sleep, until } from '../helpers/ports.js';

type Listener = (data: unknown) => void;

/** EventEmitter-style pair: `on`-like `addEventListener` whose listener receives the data itself. */
function emitterPorts(): { a: PortLike; b: PortLike; listeners: () => number } {
  const make = () => {
    const own: Listener[] = [];
    const side = {
      peer: undefined as unknown as { own: Listener[] },
      own,
      postMessage(message: unknown, transfer?: Transferable[]) {
        const data = structuredClone(message, transfer === undefined ? undefined : { transfer });
        const peer = side.peer;
        setTimeout(() => {
          for (const listener of [...peer.own]) listener(data);
        }, 0);
      },
      addEventListener(type: string, listener: Listener) {
        if (type === 'message') own.push(listener);
      },
      removeEventListener(type: string, listener: Listener) {
        if (type !== 'message') return;
        const index = own.indexOf(listener);
        if (index >= 0) own.splice(index, 1);
      },
    };
    return side;
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return { a: a as unknown as PortLike, b: b as unknown as PortLike, listeners: () => a.own.length + b.own.length };
}

async function drainAll<T>(channel: Channel<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('over a port that delivers synchronously inside postMessage', () => {
  for (const capacity of [0, 1, 3, 64]) {
    it(`capacity ${capacity}: every value arrives once, in order, then the close reason`, async () => {
      const { a, b } = syncPorts();
      const local = new Channel<number>(8);
      const remote = fromPort<number>(b, { capacity });
      const sending = toPort(local, a);
      const producer = (async () => {
        for (const i of range(40)) await local.push(i);
        local.close(new Error('the end'));
      })();
      const { values, error } = await drainAll(remote);
      await producer;
      expect(values).toEqual(range(40));
      expect((error as Error).message).toBe('the end');
      expect(await sending).toEqual({ sent: 40, undelivered: [] });
    });
  }

  it('the receiver closing mid-stream accounts for every pulled value', async () => {
    const { a, b } = syncPorts();
    const local = new Channel<number>(30);
    await local.pushAll(range(30));
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a);
    const got = [
      await remote.pull(),
      await remote.pull(),
      await remote.pull(),
      await remote.pull(),
      await remote.pull(),
    ];
    const buffered: number[] = [];
    for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) buffered.push(v);
    remote.close();
    const { sent, undelivered } = await sending;
    const left: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    expect(sent).toBe(got.length + buffered.length);
    expect([...got, ...buffered, ...undelivered, ...left]).toEqual(range(30));
  });

  it('an uncloneable value rejects toPort and loses nothing', async () => {
    const { a, b } = syncPorts();
    const local = new Channel<unknown>(5);
    const bad = () => 0;
    await local.pushAll([0, 1, bad, 3, 4]);
    local.close();
    const remote = fromPort<unknown>(b, { capacity: 2 });
    const sending = settled(toPort(local, a));
    const { values, error } = await drainAll(remote as Channel<unknown>);
    const outcome = await sending;
    expect(outcome.error).toBeInstanceOf(TypeError);
    const { sent, undelivered } = outcome.error as { sent: number; undelivered: unknown[] };
    expect(error).toBeInstanceOf(Error);
    expect(sent).toBe(values.length);
    const left: unknown[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    expect([...values, ...undelivered, ...left]).toEqual([0, 1, bad, 3, 4]);
  });

  it("aborting toPort's signal mid-stream resolves it and the remote ends with the reason", async () => {
    const { a, b } = syncPorts();
    const local = new Channel<number>(20);
    await local.pushAll(range(20));
    const remote = fromPort<number>(b, { capacity: 2 });
    const controller = new AbortController();
    const sending = toPort(local, a, { signal: controller.signal });
    const got = [await remote.pull(), await remote.pull(), await remote.pull()];
    controller.abort(new Error('stop now'));
    const outcome = await settled(sending);
    expect(outcome.error).toBeUndefined();
    const { sent, undelivered } = outcome.value as { sent: number; undelivered: number[] };
    const rest = await drainAll(remote);
    expect((rest.error as Error).message).toBe('stop now');
    const left: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    expect(sent).toBe(got.length + rest.values.length);
    expect([...got, ...rest.values, ...undelivered, ...left]).toEqual(range(20));
  });

  it('streams that ended leave no listener on either synchronous port', async () => {
    const { a, b } = syncPorts();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    local.close();
    const remote = fromPort<number>(b, { capacity: 1 });
    const sending = toPort(local, a);
    expect((await drainAll(remote)).values).toEqual([1, 2]);
    await sending;
    await sleep(10);
    expect(a.listeners).toBe(0);
    expect(b.listeners).toBe(0);
  });
});

describe('over an EventEmitter-style port (listener called with the data itself)', () => {
  it('values, order, close reason and the sender result are as over a MessagePort', async () => {
    const { a, b, listeners } = emitterPorts();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(b, { capacity: 3 });
    const sending = toPort(local, a);
    const producer = (async () => {
      for (const i of range(25)) await local.push(i);
      local.close(new RangeError('enough'));
    })();
    const { values, error } = await drainAll(remote);
    await producer;
    expect(values).toEqual(range(25));
    expect(error).toBeInstanceOf(RangeError);
    expect(await sending).toEqual({ sent: 25, undelivered: [] });
    await sleep(10);
    expect(listeners()).toBe(0);
  });

  it('the receiver closing stops the sender over an emitter-style port', async () => {
    const { a, b } = emitterPorts();
    const local = new Channel<number>(10);
    await local.pushAll(range(10));
    const remote = fromPort<number>(b, { capacity: 2 });
    const sending = toPort(local, a);
    expect(await remote.pull()).toBe(0);
    remote.close();
    const { sent, undelivered } = await sending;
    const buffered: number[] = [];
    for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) buffered.push(v);
    expect(sent).toBe(1 + buffered.length);
    expect(sent + undelivered.length + local.size).toBe(10);
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('over a loop-back port (one object, its posts reach its own listeners)', () => {
  it('a toPort and a fromPort of one name on it behave as two contexts', async () => {
    const listeners: ((event: { data: unknown }) => void)[] = [];
    const port = {
      postMessage(message: unknown) {
        const data = structuredClone(message);
        setTimeout(() => {
          for (const listener of [...listeners]) listener({ data });
        }, 0);
      },
      addEventListener(type: string, listener: (event: { data: unknown }) => void) {
        if (type === 'message') listeners.push(listener);
      },
      removeEventListener(type: string, listener: (event: { data: unknown }) => void) {
        const index = listeners.indexOf(listener);
        if (type === 'message' && index >= 0) listeners.splice(index, 1);
      },
    } as unknown as PortLike;
    const local = new Channel<number>(3);
    const remote = fromPort<number>(port, { name: 'loop', capacity: 2 });
    const sending = toPort(local, port, { name: 'loop' });
    const producer = (async () => {
      for (const i of range(15)) await local.push(i);
      local.close();
    })();
    const { values, error } = await drainAll(remote);
    await producer;
    expect(error).toBeUndefined();
    expect(values).toEqual(range(15));
    expect(await sending).toEqual({ sent: 15, undelivered: [] });
    await until(() => listeners.length === 0, 2000);
  });
});
