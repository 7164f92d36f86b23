/**
 * SPEC.md "Channels across contexts" (`chanasync/port`) in Node: toPort and fromPort over
 * Node's MessageChannel (the same ports as the web's), over a hand-made port (an object with
 * postMessage and addEventListener, which lets a test count listeners or silence a peer), and
 * across a real thread (worker_threads, test/port/node-worker.mjs). The browser contexts are in
 * port.browser.test.ts, workerd in port.workerd.test.ts.
 */
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, test } from 'vitest';
import { Channel } from '../src/channel.js';
import { ChannelClosedError, ChannelError } from '../src/errors.js';
import { fromPort, GONE_AFTER_MS, isPortMessage, type PortLike, toPort } from '../src/port/index.js';
import { pull, select } from '../src/select.js';
import { fakePorts } from './helpers/fake-ports.js';
import {
  bundleForThreads,
  closeAfterTest,
  closePortsAfterEach,
  collect,
  ports,
  sleep,
  until,
} from './helpers/ports.js';

/** chanasync (core and port) bundled from src/ for the worker threads, which cannot load TypeScript. */
let lib: string;
beforeAll(async () => {
  lib = await bundleForThreads('port-test');
});

closePortsAfterEach();

/** Pushes 0..count-1 into `channel` (awaiting each push), then closes it. */
async function produce(channel: Channel<number>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await channel.push(i);
  channel.close();
}

describe('order, loss and batching', () => {
  test('100,000 values arrive in order, each once, and toPort reports them all sent', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(64);
    const remote = fromPort<number>(there, { capacity: 256 });
    const done = toPort(local, here);
    const [received] = await Promise.all([collect(remote), produce(local, 100_000)]);
    expect(received.length).toBe(100_000);
    expect(received.every((value, index) => value === index)).toBe(true);
    expect(received.reduce((sum, value) => sum + value, 0)).toBe((100_000 * 99_999) / 2);
    expect(await done).toEqual({ sent: 100_000, undelivered: [] });
  });

  test('values pulled in the same turn travel in one message', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(10);
    for (let i = 0; i < 10; i++) local.pushNowait(i);
    local.close();
    const remote = fromPort<number>(b, { capacity: 10 });
    const done = toPort(local, a);
    expect(await collect(remote)).toEqual([...Array(10).keys()]);
    await done;
    const batches = a.posted.filter((message) => message.type === 'values');
    expect(batches).toHaveLength(1);
    expect(batches[0]?.values).toEqual([...Array(10).keys()]);
  });

  test('a fast producer in a turn that outlasts 16 ms still batches: a message per 16 ms, not one per value', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 100_000 });
    const received = collect(remote);
    const done = toPort(local, a);
    await sleep(20); // paired: the credit is here
    // One turn: a push, 30 ms of computing (the turn is long now), then 5,000 fast pushes.
    await local.push(0);
    const until = performance.now() + 30;
    while (performance.now() < until);
    for (let i = 1; i <= 5000; i++) await local.push(i);
    local.close();
    expect(await received).toEqual([...Array(5001).keys()]);
    expect(await done).toEqual({ sent: 5001, undelivered: [] });
    // Posting each value once the turn had lasted 16 ms made this 5,000 messages.
    expect(a.posted.filter((message) => message.type === 'values').length).toBeLessThan(100);
  });

  test('in a long turn, a value pushed after 16 ms of computing is posted at once, before the next is computed', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 64 });
    const received = collect(remote);
    const done = toPort(local, a);
    await sleep(20);
    const postedBefore: number[] = [];
    for (let i = 0; i < 5; i++) {
      postedBefore.push(a.posted.filter((message) => message.type === 'values').length);
      const until = performance.now() + 20;
      while (performance.now() < until);
      await local.push(i);
    }
    local.close();
    expect(await received).toEqual([0, 1, 2, 3, 4]);
    await done;
    // The first value of the turn goes with the second (nothing said yet that the turn would
    // be long); from then on each value is posted before the next one is computed.
    expect(postedBefore).toEqual([0, 0, 1, 2, 3]);
  });

  test('a batch the consumer drains in the turn it arrives is acknowledged by its new credit alone: one message', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(8);
    for (let i = 0; i < 8; i++) local.pushNowait(i);
    const remote = fromPort<number>(b, { capacity: 8 });
    const done = toPort(local, a);
    // The parked pull takes the first value; its continuation drains the other 7 in the same turn.
    const taken = [await remote.pull(), ...(await remote.pullMany(7))];
    await sleep(50);
    expect(taken).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const acknowledgements = b.posted.filter(
      (message) => message.type === 'credit' && (message.committed as number) > 0,
    );
    expect(acknowledgements).toEqual([expect.objectContaining({ granted: 16, committed: 8 })]);
    local.close();
    expect(await done).toEqual({ sent: 8, undelivered: [] });
  });

  test('objects arrive as structured clones, with their shape', async () => {
    const [here, there] = ports();
    const local = new Channel<{ id: number; tags: string[]; at: Date }>(1);
    const remote = fromPort<{ id: number; tags: string[]; at: Date }>(there, { capacity: 1 });
    const done = toPort(local, here);
    const value = { id: 7, tags: ['a', 'b'], at: new Date(0) };
    await local.push(value);
    local.close();
    const [received] = await collect(remote);
    expect(received).toEqual(value);
    expect(received).not.toBe(value);
    await done;
  });
});

describe('backpressure', () => {
  test('the sender pulls no more values than the receiver has free slots', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(there, { capacity: 8 });
    const done = toPort(local, here);
    let pushed = 0;
    void (async () => {
      for (let i = 0; i < 100; i++) {
        await local.push(i);
        pushed++;
      }
    })().catch(() => {});
    await until(() => remote.size === 8); // however long a loaded machine takes to get there
    await sleep(100);
    expect(remote.size).toBe(8); // measured on the receiving side: the buffer is full…
    expect(pushed).toBe(8); // …and the producer is held back: nothing more was pulled
    expect(await remote.pull()).toBe(0);
    await sleep(100);
    // Credit comes back once a quarter of the capacity is free: one pull is not enough yet.
    expect(remote.size).toBe(7);
    expect(await remote.pull()).toBe(1);
    await until(() => remote.size === 8);
    await sleep(100);
    expect(remote.size).toBe(8);
    expect(pushed).toBe(10);
    remote.close();
    const result = await done;
    expect(result.sent).toBe(10);
    expect(result.undelivered).toEqual([]);
  });

  test('credit freed all at once reaches the sender in quarter steps, and each step is a batch of its own', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll([...Array(4096).keys()]);
    const remote = fromPort<number>(b, { capacity: 2048 });
    const done = toPort(local, a);
    while (remote.size < 2048) await sleep(5);
    expect(await remote.pullMany(2048)).toEqual([...Array(2048).keys()]); // empties the buffer at once
    while (remote.size < 2048) await sleep(5);
    const granted = b.posted
      .filter((message) => message.type === 'credit')
      .map((message) => message.granted as number)
      .filter((credit, i, all) => credit !== all[i - 1]); // acknowledgements repeat the credit
    // The first credit and the credit freed by the pullMany: four steps of 512 each.
    expect(granted).toEqual([512, 1024, 1536, 2048, 2560, 3072, 3584, 4096]);
    const batches = a.posted
      .filter((message) => message.type === 'values')
      .map((message) => message.values as number[]);
    expect(batches.map((values) => values.length)).toEqual([512, 512, 512, 512, 512, 512, 512, 512]);
    expect(batches.flat()).toEqual([...Array(4096).keys()]);
    expect(remote.size).toBe(2048); // never more than the capacity in flight and buffered
    local.close();
    expect(await collect(remote)).toEqual([...Array(4096).keys()].slice(2048));
    expect(await done).toEqual({ sent: 4096, undelivered: [] });
  });

  test('a small window freed all at once goes back in one credit (a step is at least 128 values)', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll([...Array(200).keys()]);
    const remote = fromPort<number>(b, { capacity: 100 });
    const done = toPort(local, a);
    while (remote.size < 100) await sleep(5);
    expect(await remote.pullMany(100)).toHaveLength(100);
    while (remote.size < 100) await sleep(5);
    const granted = b.posted
      .filter((message) => message.type === 'credit')
      .map((message) => message.granted as number)
      .filter((credit, i, all) => credit !== all[i - 1]); // acknowledgements repeat the credit
    expect(granted).toEqual([100, 200]);
    local.close();
    expect(await collect(remote)).toEqual([...Array(200).keys()].slice(100));
    expect(await done).toEqual({ sent: 200, undelivered: [] });
  });

  test('an unbounded receiver (capacity Infinity) lets the sender take everything at once', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll([...Array(500).keys()]);
    const remote = fromPort<number>(there, { capacity: Infinity });
    const done = toPort(local, here);
    await until(() => remote.size === 500); // a fixed 50 ms is too short on a loaded machine
    expect(local.size).toBe(0);
    local.close();
    expect(await collect(remote)).toEqual([...Array(500).keys()]);
    expect(await done).toEqual({ sent: 500, undelivered: [] });
  });

  test('capacity 0 is a rendezvous: a push resolves only once a remote pull took its value', async () => {
    const [here, there] = ports();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(there); // capacity 0
    const done = toPort(local, here);
    let committed = false;
    const push = local.push('hello').then(() => {
      committed = true;
    });
    await sleep(100);
    expect(committed).toBe(false);
    expect(await remote.pull()).toBe('hello');
    await push;
    expect(committed).toBe(true);
    local.close();
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('with capacity 0, a value whose remote pull gave up waits there for the next pull', async () => {
    const [here, there] = ports();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(there);
    const done = toPort(local, here);
    const controller = new AbortController();
    const first = remote.pull({ signal: controller.signal });
    await sleep(20); // the parked pull's credit reached the sender
    const push = local.push('kept'); // pulled and posted for that pull…
    controller.abort(); // …which gives up before the value arrives
    await expect(first).rejects.toBeInstanceOf(DOMException);
    await push;
    await sleep(20);
    expect(remote.size).toBe(0); // not committed: no pull wants it
    expect(await remote.pull()).toBe('kept');
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('with capacity 0 and no remote pull, closing the local channel still ends the stream', async () => {
    const [here, there] = ports();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(there);
    const done = toPort(local, here);
    const pulled = remote.pull();
    await local.push('only');
    expect(await pulled).toBe('only');
    local.close(); // the sender has no credit left, so no pull is parked on the local channel
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    expect(remote.closed).toBe(true);
  });
});

describe('with the rest of chanasync', () => {
  test('a select waiting on a capacity-0 fromPort channel gets the remote value', async () => {
    const [here, there] = ports();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(there);
    const never = new Channel<string>();
    const done = toPort(local, here);
    const selected = select([pull(never), pull(remote)]);
    await local.push('through select'); // resolves once the select took it: a rendezvous
    const result = await selected;
    expect(result).toMatchObject({ index: 1, value: 'through select', ok: true });
    expect(never.stats().waitingPullers).toBe(0);
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('a middle context relays a fromPort channel with toPort, in order, end to end', async () => {
    const [aOut, bIn] = ports();
    const [bOut, cIn] = ports();
    const source = new Channel<number>(8);
    const first = toPort(source, aOut, { name: 'hop' });
    const relay = fromPort<number>(bIn, { name: 'hop' }); // capacity 0: only what the next hop asks for
    const second = toPort(relay, bOut, { name: 'hop' });
    const sink = fromPort<number>(cIn, { name: 'hop', capacity: 16 });
    const [received] = await Promise.all([collect(sink), produce(source, 1000)]);
    expect(received).toEqual([...Array(1000).keys()]);
    expect(await first).toEqual({ sent: 1000, undelivered: [] });
    expect(await second).toEqual({ sent: 1000, undelivered: [] });
  });
});

describe('close', () => {
  test('closing the local channel closes the remote one after the last value', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(8);
    const remote = fromPort<number>(there, { capacity: 2 });
    const done = toPort(local, here);
    await produce(local, 5);
    expect(await collect(remote)).toEqual([0, 1, 2, 3, 4]);
    expect(remote.closed).toBe(true);
    expect(await done).toEqual({ sent: 5, undelivered: [] });
  });

  test('the close reason crosses over: for-await on the remote channel throws it', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(there, { capacity: 1 });
    void toPort(local, here);
    await local.push(1);
    local.close(new RangeError('out of range'));
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const value of remote) seen.push(value);
    })().catch((error: unknown) => error);
    expect(seen).toEqual([1]);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('out of range');
  });

  test('a close reason that cannot be cloned arrives as an Error with its message', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(there, { capacity: 1 });
    void toPort(local, here);
    local.close({ message: 'no functions across contexts', retry: () => {} });
    const failure = await remote.pull().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChannelClosedError);
    expect((failure as ChannelClosedError).cause).toBeInstanceOf(Error);
    expect(((failure as ChannelClosedError).cause as Error).message).toContain('no functions across contexts');
  });

  test('when the receiver closes early, sent + undelivered account for every value pulled', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(there, { capacity: 8 });
    const done = toPort(local, here);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 1000; i++) {
        await local.push(i);
        pushed++;
      }
    })().catch(() => {});
    const taken = [await remote.pull(), await remote.pull(), await remote.pull()];
    remote.close();
    const { sent, undelivered } = await done;
    expect(taken).toEqual([0, 1, 2]);
    // Everything toPort pulled (= the pushes that resolved) is either committed remotely
    // (the 3 taken plus what the closed buffer still held) or undelivered, in order.
    expect(sent + undelivered.length).toBe(pushed);
    expect(undelivered).toEqual([...Array(undelivered.length).keys()].map((i) => sent + i));
    // The sender stopped pulling at once: the next values stay in the local channel.
    expect(local.stats().waitingPullers).toBe(0);
    await sleep(20);
    const pulled = pushed;
    expect(pulled).toBe(sent + undelivered.length);
    expect(await local.pull()).toBe(pulled);
    local.close();
    await producer;
  });

  test('the values left in a closed remote buffer stay readable there', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(8);
    const remote = fromPort<number>(there, { capacity: 4 });
    const done = toPort(local, here);
    for (let i = 0; i < 8; i++) await local.push(i);
    await sleep(50);
    remote.close();
    const { sent, undelivered } = await done;
    expect(sent).toBe(4);
    expect(undelivered).toEqual([]);
    expect(await collect(remote)).toEqual([0, 1, 2, 3]);
    expect(local.size).toBe(4); // never pulled: 4, 5, 6, 7 are still here
  });

  test('aborting toPort closes the remote channel with the reason and returns what was not delivered', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(8);
    const remote = fromPort<number>(there, { capacity: 2 });
    const controller = new AbortController();
    const done = toPort(local, here, { signal: controller.signal });
    for (let i = 0; i < 8; i++) await local.push(i);
    await sleep(50);
    controller.abort(new Error('enough'));
    const { sent, undelivered } = await done;
    expect(sent).toBe(2);
    expect(undelivered).toEqual([]);
    const values: number[] = [];
    const failure = await (async () => {
      for await (const value of remote) values.push(value);
    })().catch((error: unknown) => error);
    expect(values).toEqual([0, 1]);
    expect((failure as Error).message).toBe('enough');
    expect(local.size).toBe(6);
  });

  test('aborting a toPort that is still pairing closes the receiver that heard it, with the reason', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(1);
    const controller = new AbortController();
    const remote = fromPort<number>(b, { name: 'x', capacity: 0 });
    b.held = true; // the receiver's answers do not arrive: the sender stays in pairing
    const done = toPort(local, a, { name: 'x', signal: controller.signal });
    await sleep(20); // the receiver heard `open` and answered
    controller.abort(new Error('changed my mind'));
    expect(await done).toEqual({ sent: 0, undelivered: [] });
    const failure = await remote.pull().catch((error: unknown) => error);
    expect((failure as ChannelClosedError).cause).toEqual(new Error('changed my mind'));
  });

  test('toPort with an already aborted signal pulls nothing and resolves at once', async () => {
    const [here] = ports();
    const local = new Channel<number>(1);
    await local.push(1);
    expect(await toPort(local, here, { signal: AbortSignal.abort() })).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(1);
  });
});

describe('the wire', () => {
  test('ArrayBuffers listed by transfer move: detached on the sender, intact on the receiver', async () => {
    const [here, there] = ports();
    const local = new Channel<ArrayBuffer>(2);
    const remote = fromPort<ArrayBuffer>(there, { capacity: 2 });
    const done = toPort(local, here, { transfer: (buffer) => [buffer] });
    const buffer = new Uint8Array(65_536).fill(9).buffer;
    await local.push(buffer);
    const received = await remote.pull();
    expect(buffer.byteLength).toBe(0); // detached: it moved
    expect(received.byteLength).toBe(65_536);
    expect(new Uint8Array(received)[65_535]).toBe(9);
    local.close();
    await done;
  });

  test('isPortMessage accepts every message of the protocol and nothing malformed', () => {
    const envelope = { source: 'chanasync-port', version: 1, name: 'jobs', session: 's1' };
    const valid = [
      { ...envelope, type: 'open' },
      { ...envelope, type: 'values', values: [1, { a: 2 }] },
      { ...envelope, type: 'end', abort: false },
      { ...envelope, type: 'end', abort: true, reason: new Error('x') },
      { source: 'chanasync-port', version: 1, name: 'jobs', type: 'ready' },
      { ...envelope, type: 'credit', granted: 8, committed: 3 },
      { ...envelope, type: 'credit', granted: Number.POSITIVE_INFINITY, committed: 3 },
      { ...envelope, type: 'closed', committed: 0 },
      { ...envelope, type: 'ping' },
      { ...envelope, type: 'pong' },
    ];
    for (const message of valid) expect(isPortMessage(message), JSON.stringify(message)).toBe(true);
    const invalid = [
      null,
      'open',
      { ...envelope, type: 'open', source: 'chanasync' },
      { ...envelope, type: 'open', version: 2 },
      { ...envelope, type: 'open', name: 7 },
      { ...envelope, type: 'open', session: '' },
      { ...envelope, type: 'values', values: [] },
      { ...envelope, type: 'values', values: { 0: 1 } },
      { ...envelope, type: 'end' },
      { ...envelope, type: 'credit', granted: 2, committed: 3 },
      { ...envelope, type: 'credit', granted: -1, committed: 0 },
      { ...envelope, type: 'credit', granted: 1.5, committed: 0 },
      { ...envelope, type: 'closed', committed: Number.NaN },
      { ...envelope, type: 'shutdown' },
    ];
    for (const message of invalid) expect(isPortMessage(message), JSON.stringify(message)).toBe(false);
  });

  test('malformed and foreign messages on the port are ignored', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(there, { capacity: 4 });
    const done = toPort(local, here);
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    const junk = [
      'hello',
      null,
      42,
      { type: 'values', values: [666] },
      { source: 'chanasync-port', version: 2, type: 'values', name: '', session: 'x', values: [666] },
      { source: 'chanasync-port', version: 1, type: 'values', name: '', session: 'not-the-session', values: [666] },
      { source: 'chanasync-port', version: 1, type: 'values', name: '', session: 'x', values: 'not an array' },
      { source: 'chanasync-port', version: 1, type: 'end', name: '', session: 'x', abort: true },
      { source: 'chanasync-port', version: 1, type: 'nonsense', name: '', session: 'x' },
    ];
    for (const message of junk) here.postMessage(message);
    for (const message of [
      { source: 'chanasync-port', version: 1, type: 'credit', name: '', session: 'x', granted: -1, committed: 0 },
      { source: 'chanasync-port', version: 1, type: 'closed', name: '', session: 'x', committed: 0 },
    ]) {
      there.postMessage(message);
    }
    await sleep(50);
    await local.push(2);
    expect(await remote.pull()).toBe(2);
    expect(remote.size).toBe(0);
    expect(remote.closed).toBe(false);
    local.close();
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });

  test('several channels share one port, paired by name', async () => {
    const [here, there] = ports();
    const letters = new Channel<string>(4);
    const numbers = new Channel<number>(4);
    const remoteLetters = fromPort<string>(there, { name: 'letters', capacity: 2 });
    const remoteNumbers = fromPort<number>(there, { name: 'numbers', capacity: 2 });
    const sent = Promise.all([toPort(letters, here, { name: 'letters' }), toPort(numbers, here, { name: 'numbers' })]);
    const producers = (async () => {
      for (const letter of 'abcde') await letters.push(letter);
      letters.close();
    })();
    const [gotLetters, gotNumbers] = await Promise.all([
      collect(remoteLetters),
      collect(remoteNumbers),
      producers,
      produce(numbers, 5),
    ]);
    expect(gotLetters).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(gotNumbers).toEqual([0, 1, 2, 3, 4]);
    expect((await sent).map((result) => result.sent)).toEqual([5, 5]);
    expect(remoteLetters.name).toBe('letters');
  });

  test('a receiver created after the sender started still pairs with it', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(4);
    const done = toPort(local, here, { name: 'late' });
    await produce(local, 3);
    await sleep(30);
    const remote = fromPort<number>(there, { name: 'late', capacity: 4 });
    expect(await collect(remote)).toEqual([0, 1, 2]);
    expect(await done).toEqual({ sent: 3, undelivered: [] });
  });

  test('a sender that starts long after its receiver was created still pairs with it', async () => {
    const [here, there] = ports();
    const remote = fromPort<number>(there, { name: 'patient', capacity: 4 });
    await sleep(3500); // longer than a receiver may stay silent once paired
    const local = new Channel<number>(4);
    const done = toPort(local, here, { name: 'patient' });
    await produce(local, 3);
    expect(await collect(remote)).toEqual([0, 1, 2]);
    expect(await done).toEqual({ sent: 3, undelivered: [] });
  });

  test('the stream leaves no listener and no timer behind once it is over', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(2);
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = toPort(local, a);
    expect(a.listeners).toBe(1);
    expect(b.listeners).toBe(1);
    await produce(local, 3);
    await collect(remote);
    await done;
    expect(a.listeners).toBe(0);
    expect(b.listeners).toBe(0);
    const posted = a.posted.length + b.posted.length;
    await sleep(1600); // longer than the ping period: a timer left behind would ping
    expect(a.posted.length + b.posted.length).toBe(posted);
  });
});

describe('contexts that die', () => {
  test(
    'a receiver that goes silent is detected by the heartbeat: toPort returns the values in flight',
    async () => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(16);
      const remote = fromPort<number>(b, { capacity: 4 });
      const done = toPort(local, a);
      for (let i = 0; i < 6; i++) await local.push(i);
      // The credit window fills (a fixed 50 ms was too short in one CI run), and no further.
      await until(() => remote.size === 4);
      await sleep(50);
      expect(remote.size).toBe(4);
      b.dead = true; // the receiving context dies: it posts and hears nothing more
      a.dead = true;
      const started = performance.now();
      const { sent, undelivered } = await done;
      const detection = performance.now() - started;
      expect(detection).toBeGreaterThanOrEqual(GONE_AFTER_MS - 1000);
      expect(detection).toBeLessThan(GONE_AFTER_MS + 3000); // the heartbeat, late on a loaded machine
      expect(sent + undelivered.length).toBe(4);
      expect(local.size).toBe(2);
    },
    GONE_AFTER_MS + 5000,
  );

  test(
    'a sender that goes silent closes the receiving channel with an error saying the other side is gone',
    async () => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(4);
      const remote = fromPort<number>(b, { name: 'jobs', capacity: 4 });
      void toPort(local, a, { name: 'jobs' });
      await local.push(1);
      expect(await remote.pull()).toBe(1);
      a.dead = true;
      b.dead = true;
      const failure = await (async () => {
        for await (const _ of remote);
      })().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ChannelError);
      expect((failure as Error).message).toMatch(/fromPort: channel "jobs" lost its sender.*other side is gone/);
    },
    GONE_AFTER_MS + 5000,
  );

  test(
    'a worker thread terminated mid-stream: toPort resolves with the undelivered values',
    async () => {
      const { port1, port2 } = new MessageChannel();
      closeAfterTest(port1);
      const worker = new Worker(new URL('./port/node-worker.mjs', import.meta.url), {
        workerData: { lib: pathToFileURL(lib).href, port: port2, mode: 'receive-slowly' },
        transferList: [port2],
      });
      const local = new Channel<number>(0);
      const done = toPort(local, port1 as unknown as PortLike, { name: 'work' });
      let pushed = 0;
      const producer = (async () => {
        for (let i = 0; ; i++) {
          await local.push(i);
          pushed++;
        }
      })().catch(() => {});
      while (pushed < 20) await sleep(10);
      const started = performance.now();
      await worker.terminate();
      const { sent, undelivered } = await done;
      expect(performance.now() - started).toBeLessThan(GONE_AFTER_MS + 3000); // the heartbeat, late on a loaded machine
      expect(sent + undelivered.length).toBe(pushed);
      expect(undelivered).toEqual([...Array(undelivered.length).keys()].map((i) => sent + i));
      local.close();
      await producer;
    },
    GONE_AFTER_MS + 10_000,
  );

  test('where a MessagePort fires close when its peer ends (Node), toPort learns it at once', async () => {
    const { port1, port2 } = new MessageChannel();
    closeAfterTest(port1);
    const worker = new Worker(new URL('./port/node-worker.mjs', import.meta.url), {
      workerData: { lib: pathToFileURL(lib).href, port: port2, mode: 'receive-slowly' },
      transferList: [port2],
    });
    const local = new Channel<number>(0);
    const done = toPort(local, port1 as unknown as PortLike, { name: 'work' });
    await local.push(0); // paired, and the worker has credit out
    const started = performance.now();
    await worker.terminate();
    await done;
    expect(performance.now() - started).toBeLessThan(3000); // not the 5 s heartbeat (room for a loaded machine)
  });

  test(
    'a receiver that blocked longer than the timeout refuses what arrived meanwhile: no value is both committed and undelivered',
    async () => {
      const { port1, port2 } = new MessageChannel();
      closeAfterTest(port1);
      const worker = new Worker(new URL('./port/node-worker.mjs', import.meta.url), {
        workerData: { lib: pathToFileURL(lib).href, port: port2, mode: 'block', blockMs: GONE_AFTER_MS + 1500 },
        transferList: [port2],
      });
      const reports: unknown[] = [];
      const reported = new Promise<void>((resolve) =>
        worker.on('message', (message) => {
          reports.push(message);
          if (reports.length === 2) resolve();
        }),
      );
      const local = new Channel<number>(0);
      const done = toPort(local, port1 as unknown as PortLike, { name: 'work' });
      let pushed = 0;
      const producer = (async () => {
        for (let i = 0; ; i++) {
          await local.push(i);
          pushed++;
        }
      })().catch(() => {});
      const { sent, undelivered } = await done; // the sender gives up on the blocked worker
      await reported;
      const { received, error } = reports[1] as { received: number[]; error: string };
      expect(reports[0]).toBe('blocking');
      expect(received).toEqual([...Array(sent).keys()]); // exactly what toPort counts as sent…
      expect(undelivered).toEqual([...Array(pushed - sent).keys()].map((i) => sent + i)); // …and the rest
      expect(undelivered.length).toBeGreaterThan(0);
      expect(error).toMatch(/other side is gone/);
      local.close();
      await producer;
      await worker.terminate();
    },
    GONE_AFTER_MS + 10_000,
  );

  test('a worker thread sends values back through its own channel', async () => {
    const { port1, port2 } = new MessageChannel();
    closeAfterTest(port1);
    const worker = new Worker(new URL('./port/node-worker.mjs', import.meta.url), {
      workerData: { lib: pathToFileURL(lib).href, port: port2, mode: 'send-squares', count: 1000 },
      transferList: [port2],
    });
    const squares = fromPort<number>(port1 as unknown as PortLike, { name: 'squares', capacity: 32 });
    const values = await collect(squares);
    expect(values).toEqual([...Array(1000).keys()].map((i) => i * i));
    await worker.terminate();
  });
});

describe('bad input', () => {
  test('toPort rejects a channel that is not a chanasync Channel with a TypeError naming it', async () => {
    const [here] = ports();
    await expect(toPort({} as Channel<number>, here)).rejects.toThrow(
      new TypeError('toPort(channel, port, options): channel is not a chanasync Channel, got Object'),
    );
  });

  test('toPort and fromPort reject a port without postMessage', async () => {
    const notAPort = { addEventListener() {}, removeEventListener() {} } as unknown as PortLike;
    await expect(toPort(new Channel<number>(), notAPort)).rejects.toThrow(/toPort\(.*\): port has no postMessage/);
    expect(() => fromPort(notAPort)).toThrow(/fromPort\(port, options\): port has no postMessage/);
  });

  test('fromPort refuses a bad capacity with a RangeError', () => {
    const [, there] = ports();
    expect(() => fromPort(there, { capacity: -1 })).toThrow(RangeError);
    expect(() => fromPort(there, { capacity: 1.5 })).toThrow(/capacity must be 0, a positive integer or Infinity/);
  });

  test('a second fromPort of the same name on the same port is refused', () => {
    const [, there] = ports();
    const first = fromPort(there, { name: 'x' });
    expect(() => fromPort(there, { name: 'x' })).toThrow(/a fromPort stream named "x" is already open/);
    first.close();
    expect(() => fromPort(there, { name: 'x' }).close()).not.toThrow();
  });

  test('fromPort on a window requires the origin the sender must have', () => {
    const fakeWindow = { postMessage() {} } as unknown as PortLike & { window: unknown };
    fakeWindow.window = fakeWindow;
    expect(() => fromPort(fakeWindow)).toThrow(/origin is required when port is a Window/);
  });

  test('a value that cannot be cloned makes toPort reject with an error that accounts for every value', async () => {
    const [here, there] = ports();
    const local = new Channel<unknown>(4);
    const remote = fromPort<unknown>(there, { capacity: 4 });
    const done = toPort(local, here);
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    const uncloneable = { run() {} };
    await local.push(uncloneable);
    const failure = (await done.catch((error: unknown) => error)) as TypeError & {
      sent: number;
      undelivered: unknown[];
    };
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure.message).toMatch(/^toPort\(channel, port\): a value could not be posted/);
    expect(failure.sent).toBe(1);
    expect(failure.undelivered).toEqual([uncloneable]);
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('a hand-made port with only postMessage and addEventListener (the SPEC names no more)', () => {
  /** Two such ports, wired to each other; delivery is a macrotask, as a MessagePort's. */
  function minimalPair() {
    const listeners: [((event: { data: unknown }) => void)[], ((event: { data: unknown }) => void)[]] = [[], []];
    const side = (mine: 0 | 1) => ({
      postMessage(data: unknown) {
        setTimeout(() => {
          for (const listener of listeners[1 - mine]!) listener({ data: structuredClone(data) });
        }, 0);
      },
      addEventListener(type: string, listener: (event: { data: unknown }) => void) {
        if (type === 'message') listeners[mine].push(listener);
      },
    });
    return { a: side(0), b: side(1), listeners };
  }

  test('carries streams both ways, and later streams reuse its one listener', async () => {
    const { a, b, listeners } = minimalPair();
    for (const round of [1, 2]) {
      const local = new Channel<number>(4);
      const sending = toPort(local, a);
      const remote = fromPort<number>(b, { capacity: 2 });
      const back = new Channel<string>(1);
      const replying = toPort(back, b, { name: 'back' });
      const replies = fromPort<string>(a, { name: 'back' });
      const got: number[] = [];
      const consuming = (async () => {
        for await (const value of remote) got.push(value);
      })();
      for (let i = 0; i < 10; i++) await local.push(i);
      local.close();
      await consuming;
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await back.push(`done ${round}`);
      back.close();
      expect(await replies.pull()).toBe(`done ${round}`);
      expect(await sending).toEqual({ sent: 10, undelivered: [] });
      expect(await replying).toEqual({ sent: 1, undelivered: [] });
      // The listener added by the first stream on each side stays (nothing can remove it), and
      // no stream adds another.
      expect(listeners.map((list) => list.length)).toEqual([1, 1]);
    }
  });
});
