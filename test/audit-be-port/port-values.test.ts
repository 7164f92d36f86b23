/**
 * Audit BE, port: values that cannot be cloned, transfer lists, foreign messages, option
 * checks and a hand-made `PortLike` (SPEC "Channels across contexts": `PortLike`, Batching,
 * Malformed or foreign messages; README "Semantic details" for what the SPEC leaves open).
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, PORT_SOURCE, PORT_VERSION, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { drain, link, rejection, sleep, until } from './helpers.js';

describe('values that cannot be structured-cloned', () => {
  it('reject toPort with a TypeError accounting for every pulled value; the values of earlier batches are delivered', async () => {
    const { port1, port2 } = link();
    const local = new Channel<unknown>(4);
    const remote = fromPort<unknown>(port2, { capacity: 4 });
    const sending = toPort(local, port1);
    await local.push('before');
    expect(await remote.pull()).toBe('before');
    const fn = () => 'not cloneable';
    await local.push(fn); // committed locally: the local push cannot know
    const error = (await rejection(sending)) as TypeError & { sent: number; undelivered: unknown[] };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.sent).toBe(1);
    expect(error.undelivered).toEqual([fn]);
    const closed = await rejection(remote.pull());
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect((closed as ChannelClosedError).cause).toBeInstanceOf(Error);
    local.close();
  });

  it('values pulled in the same turn as an uncloneable one come back undelivered with it, in order', async () => {
    const { port1, port2 } = link();
    const local = new Channel<unknown>(4);
    const sym = Symbol('nope');
    await local.pushAll([1, sym, 3]);
    const remote = fromPort<unknown>(port2, { capacity: 10 });
    const sending = toPort(local, port1);
    const error = (await rejection(sending)) as TypeError & { sent: number; undelivered: unknown[] };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.sent + error.undelivered.length).toBe(3);
    expect(error.undelivered).toEqual([1, sym, 3].slice(error.sent));
    const { got, error: closeError } = await drain(remote);
    expect(got).toEqual([1, sym, 3].slice(0, error.sent));
    expect(closeError).toBeInstanceOf(Error);
    local.close();
  });

  it('a throwing transfer function rejects toPort the same way', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1, {
      transfer: () => {
        throw new Error('no transfer list');
      },
    });
    const error = (await rejection(sending)) as { sent: number; undelivered: unknown[] };
    expect(error.sent + error.undelivered.length).toBe(2);
    await drain(remote);
    local.close();
  });
});

describe('transfer lists', () => {
  it('a listed ArrayBuffer moves: the sender copy is detached, the receiver gets the bytes', async () => {
    const { port1, port2 } = link();
    const local = new Channel<Uint8Array>(2);
    const remote = fromPort<Uint8Array>(port2, { capacity: 2 });
    const sending = toPort(local, port1, { transfer: (v) => [v.buffer as ArrayBuffer] });
    const bytes = new Uint8Array([1, 2, 3, 4]);
    await local.push(bytes);
    const got = await remote.pull();
    expect([...got]).toEqual([1, 2, 3, 4]);
    expect(bytes.buffer.byteLength).toBe(0); // moved, not copied
    local.close();
    await expect(sending).resolves.toMatchObject({ sent: 1, undelivered: [] });
  });

  it('without transfer the buffer is copied and stays usable on the sending side', async () => {
    const { port1, port2 } = link();
    const local = new Channel<Uint8Array>(2);
    const remote = fromPort<Uint8Array>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const bytes = new Uint8Array([9, 8, 7]);
    await local.push(bytes);
    expect([...(await remote.pull())]).toEqual([9, 8, 7]);
    expect([...bytes]).toEqual([9, 8, 7]);
    local.close();
    await sending;
  });

  it('two values viewing one buffer in one batch both arrive, sharing it (documented)', async () => {
    const { port1, port2 } = link();
    const local = new Channel<Uint8Array>(2);
    const buffer = new ArrayBuffer(8);
    const a = new Uint8Array(buffer, 0, 4);
    const b = new Uint8Array(buffer, 4, 4);
    a.set([1, 2, 3, 4]);
    b.set([5, 6, 7, 8]);
    await local.pushAll([a, b]);
    local.close();
    const remote = fromPort<Uint8Array>(port2, { capacity: 2 });
    const sending = toPort(local, port1, { transfer: (v) => [v.buffer as ArrayBuffer] });
    const { got } = await drain(remote);
    expect(got.map((v) => [...v])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(got[0]!.buffer).toBe(got[1]!.buffer);
    await expect(sending).resolves.toMatchObject({ sent: 2 });
  });
});

describe('foreign and malformed messages', () => {
  it('are ignored by the receiver and do not disturb a running stream', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const junk: unknown[] = [
      null,
      42,
      'values',
      { type: 'values', values: [666] },
      { source: PORT_SOURCE },
      { source: PORT_SOURCE, version: 99, name: '', type: 'values', session: 'x', values: [666] },
      { source: PORT_SOURCE, version: PORT_VERSION, name: '', type: 'values', session: 'forged', values: [666] },
      { source: PORT_SOURCE, version: PORT_VERSION, name: '', type: 'end', session: 'forged', abort: true },
      { source: PORT_SOURCE, version: PORT_VERSION, name: '', type: 'nonsense' },
    ];
    await local.push(1);
    for (const message of junk) port1.postMessage(message);
    await local.push(2);
    for (const message of junk) port1.postMessage(message);
    await local.push(3);
    local.close();
    expect(await drain(remote)).toEqual({ got: [1, 2, 3], error: undefined });
    await expect(sending).resolves.toEqual({ sent: 3, undelivered: [] });
  });

  it('are ignored by the sender (forged credit does not make it pull)', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(5);
    await local.pushAll([1, 2, 3, 4, 5]);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await until(() => remote.size === 1, 2000, 'first value');
    port2.postMessage({
      source: PORT_SOURCE,
      version: PORT_VERSION,
      name: '',
      type: 'credit',
      session: 'forged',
      granted: 100,
      committed: 0,
    });
    port2.postMessage({ garbage: true });
    port2.postMessage(undefined);
    await sleep(50);
    expect(local.size).toBe(4);
    local.close();
    expect(await drain(remote)).toEqual({ got: [1, 2, 3, 4, 5], error: undefined });
    await expect(sending).resolves.toEqual({ sent: 5, undelivered: [] });
  });

  it('a sender for a name whose receiver already closed pulls nothing (its messages are ignored)', async () => {
    const { port1, port2 } = link();
    const remote = fromPort<number>(port2, { name: 'done', capacity: 2 });
    remote.close();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const controller = new AbortController();
    const sending = toPort(local, port1, { name: 'done', signal: controller.signal });
    await sleep(60);
    expect(local.size).toBe(2);
    controller.abort();
    await expect(sending).resolves.toEqual({ sent: 0, undelivered: [] });
    local.close();
  });
});

describe('PortLike: any object with postMessage and addEventListener("message")', () => {
  /** Two hand-made ports that deliver structured clones asynchronously, as a real port would. */
  function handMadePair(): [PortLike, PortLike] {
    const make = () => {
      const target = new EventTarget();
      return { target, peer: undefined as unknown as EventTarget };
    };
    const a = make();
    const b = make();
    a.peer = b.target;
    b.peer = a.target;
    const port = (side: { target: EventTarget; peer: EventTarget }) =>
      ({
        postMessage(message: unknown) {
          const data = structuredClone(message);
          setTimeout(() => side.peer.dispatchEvent(new MessageEvent('message', { data })), 0);
        },
        addEventListener: side.target.addEventListener.bind(side.target),
        removeEventListener: side.target.removeEventListener.bind(side.target),
      }) as unknown as PortLike;
    return [port(a), port(b)];
  }

  it('carries a stream with backpressure and close reason', async () => {
    const [p1, p2] = handMadePair();
    const local = new Channel<number>(3);
    const remote = fromPort<number>(p2, { capacity: 2 });
    const sending = toPort(local, p1);
    const producer = (async () => {
      for (let i = 0; i < 30; i++) await local.push(i);
      local.close(new Error('fin'));
    })();
    const { got, error } = await drain(remote);
    await producer;
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect((error as Error).message).toBe('fin');
    await expect(sending).resolves.toEqual({ sent: 30, undelivered: [] });
  });
});

describe('option checks', () => {
  it('fromPort refuses a bad capacity with RangeError and a bad port with TypeError', () => {
    const { port2 } = link();
    expect(() => fromPort(port2, { capacity: -1 })).toThrow(RangeError);
    expect(() => fromPort(port2, { capacity: 1.5 })).toThrow(RangeError);
    expect(() => fromPort(port2, { capacity: Number.NaN })).toThrow(RangeError);
    expect(() => fromPort({} as unknown as PortLike)).toThrow(TypeError);
    expect(() => fromPort(null as unknown as PortLike)).toThrow(TypeError);
  });

  it('toPort rejects with TypeError for something that is not a chanasync Channel or not a port', async () => {
    const { port1 } = link();
    const fake = { pull: async () => 1, [Symbol.asyncIterator]: async function* () {} };
    await expect(toPort(fake as unknown as Channel<number>, port1)).rejects.toBeInstanceOf(TypeError);
    const ch = new Channel<number>();
    await expect(toPort(ch, {} as unknown as PortLike)).rejects.toBeInstanceOf(TypeError);
    ch.close();
  });

  it('one receiver and one sender per name and port (a second is a TypeError)', async () => {
    const { port1, port2 } = link();
    const first = fromPort<number>(port2, { name: 'x' });
    expect(() => fromPort(port2, { name: 'x' })).toThrow(TypeError);
    const local = new Channel<number>();
    const controller = new AbortController();
    const sending = toPort(local, port1, { name: 'x', signal: controller.signal });
    await expect(toPort(new Channel<number>(), port1, { name: 'x' })).rejects.toBeInstanceOf(TypeError);
    first.close();
    local.close();
    controller.abort();
    await sending;
  });
});
