/**
 * The SPEC's "Channels across contexts (chanasync/port)" section read by an outsider who has
 * never seen the implementation: every sentence checked through the public entries
 * (`chanasync`, `chanasync/port`, which resolve to dist/), over Node's `MessageChannel` ports,
 * hand-made ports (a port that goes silent, a port that counts what is posted) and a real
 * `worker_threads` Worker that is terminated.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { Channel, ChannelClosedError, ChannelError, from, merge, pull, select } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { afterEach, describe, expect, test } from 'vitest';
import { drain, settled, sleep } from './helpers/ports.js';
import { tempDir } from './helpers/temp-dir.js';

const opened: { close(): void }[] = [];
const workers: Worker[] = [];
afterEach(async () => {
  for (const port of opened.splice(0)) port.close();
  for (const worker of workers.splice(0)) await worker.terminate();
});

/** Both ends of a fresh `MessageChannel`, closed after the test. */
function pair(): [PortLike & MessagePort, PortLike & MessagePort] {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return [port1 as PortLike & MessagePort, port2 as PortLike & MessagePort];
}

async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(2);
  }
}

/**
 * A port over a `MessagePort` that can be made to go silent, as a context that died without a
 * `close` event: after `kill()` it posts nothing and hears nothing.
 */
function silenceable(real: MessagePort) {
  const target = new EventTarget();
  let dead = false;
  real.addEventListener('message', (event) => {
    if (!dead) target.dispatchEvent(new MessageEvent('message', { data: (event as MessageEvent).data }));
  });
  const port: PortLike = {
    postMessage(message: unknown, transfer?: Transferable[]) {
      if (!dead) real.postMessage(message, transfer as never);
    },
    addEventListener: (type, listener) => target.addEventListener(type, listener as EventListener),
    removeEventListener: (type, listener) => target.removeEventListener(type, listener as EventListener),
  };
  return {
    port,
    kill() {
      dead = true;
    },
  };
}

/** A port over a `MessagePort` that counts the messages posted through it. */
function counting(real: MessagePort) {
  const counter = { posts: 0 };
  const port: PortLike = {
    postMessage(message: unknown, transfer?: Transferable[]) {
      counter.posts++;
      real.postMessage(message, transfer as never);
    },
    addEventListener: (type, listener) => real.addEventListener(type, listener as EventListener),
    removeEventListener: (type, listener) => real.removeEventListener(type, listener as EventListener),
  };
  return { port, counter };
}

describe('order and loss', () => {
  test('values arrive in FIFO order and toPort resolves with { sent, undelivered: [] } after close', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(4);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 4 });
    const received = drain(remote);
    for (let i = 0; i < 200; i++) await local.push(i);
    local.close();
    expect(await done).toEqual({ sent: 200, undelivered: [] });
    expect(await received).toEqual({ values: Array.from({ length: 200 }, (_, i) => i), error: undefined });
  });

  test('values are structured-cloned: a Date, a Map and nested objects arrive as such', async () => {
    const [a, b] = pair();
    const local = new Channel<unknown>(2);
    const done = toPort(local, a);
    const remote = fromPort<unknown>(b, { capacity: 2 });
    const value = { at: new Date(5), map: new Map([['k', [1, 2]]]), nested: { deep: [null, undefined, 'x'] } };
    await local.push(value);
    local.close();
    const got = await remote.pull();
    expect(got).toEqual(value);
    expect(got).not.toBe(value);
    expect((got as typeof value).at).toBeInstanceOf(Date);
    await done;
  });

  test('undefined and null are carried as values, not taken for the end of the stream', async () => {
    const [a, b] = pair();
    const local = new Channel<unknown>(3);
    const done = toPort(local, a);
    const remote = fromPort<unknown>(b, { capacity: 3 });
    local.pushNowait(undefined);
    local.pushNowait(null);
    local.pushNowait(0);
    local.close();
    expect(await drain(remote)).toEqual({ values: [undefined, null, 0], error: undefined });
    expect(await done).toEqual({ sent: 3, undelivered: [] });
  });

  test('a local channel closed and empty before toPort ends the remote channel at once, with nothing sent', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    local.close();
    const done = toPort(local, a);
    const remote = fromPort<number>(b);
    expect(await drain(remote)).toEqual({ values: [], error: undefined });
    expect(await done).toEqual({ sent: 0, undelivered: [] });
  });

  test('values buffered before a close still all arrive, then the remote channel closes', async () => {
    const [a, b] = pair();
    const local = new Channel<string>(3);
    local.pushNowait('x');
    local.pushNowait('y');
    local.pushNowait('z');
    local.close();
    const remote = fromPort<string>(b, { capacity: 1 });
    const done = toPort(local, a);
    expect(await drain(remote)).toEqual({ values: ['x', 'y', 'z'], error: undefined });
    expect(await done).toEqual({ sent: 3, undelivered: [] });
  });

  test('two receivers pulling from one fromPort channel get each value exactly once', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(8);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 2 });
    const one = drain(remote);
    const two = drain(remote);
    for (let i = 0; i < 100; i++) await local.push(i);
    local.close();
    const [r1, r2] = await Promise.all([one, two]);
    expect([...r1.values, ...r2.values].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(r1.values).toEqual([...r1.values].sort((x, y) => x - y));
    expect(r2.values).toEqual([...r2.values].sort((x, y) => x - y));
    expect(await done).toEqual({ sent: 100, undelivered: [] });
  });

  test('the fromPort channel is an ordinary chanasync Channel: select over it and a local channel works', async () => {
    const [a, b] = pair();
    const local = new Channel<string>(1);
    void toPort(local, a);
    const remote = fromPort<string>(b, { capacity: 1 });
    expect(remote).toBeInstanceOf(Channel);
    const other = new Channel<string>();
    const chosen = select([pull(other), pull(remote)]);
    await local.push('from afar');
    expect(await chosen).toEqual({ index: 1, channel: remote, value: 'from afar', ok: true });
    expect(other.stats().waitingPullers).toBe(0);
    local.close();
  });

  test('a fromPort channel can be relayed onward with toPort, keeping order', async () => {
    const [a1, b1] = pair();
    const [a2, b2] = pair();
    const source = new Channel<number>(2);
    const first = toPort(source, a1);
    const middle = fromPort<number>(b1, { capacity: 2 });
    const second = toPort(middle, a2);
    const end = fromPort<number>(b2, { capacity: 2 });
    const received = drain(end);
    for (let i = 0; i < 50; i++) await source.push(i);
    source.close();
    expect(await received).toEqual({ values: Array.from({ length: 50 }, (_, i) => i), error: undefined });
    expect(await first).toEqual({ sent: 50, undelivered: [] });
    expect(await second).toEqual({ sent: 50, undelivered: [] });
  });
});

describe('backpressure', () => {
  test('toPort never pulls more than the receiver capacity while nobody pulls remotely', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(20);
    for (let i = 0; i < 20; i++) local.pushNowait(i);
    void toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 3 });
    await until(() => remote.size === 3);
    await sleep(100);
    expect(remote.size).toBe(3);
    expect(local.size).toBe(17);
    remote.close();
  });

  test('with capacity 0 the remote channel is a rendezvous: push resolves only once a remote pull took the value', async () => {
    const [a, b] = pair();
    const local = new Channel<string>(0);
    void toPort(local, a);
    const remote = fromPort<string>(b);
    let pushed = false;
    const push = local.push('hand-off').then(() => {
      pushed = true;
    });
    await sleep(100);
    expect(pushed).toBe(false);
    expect(remote.size).toBe(0);
    expect(await remote.pull()).toBe('hand-off');
    await push;
    expect(pushed).toBe(true);
    remote.close();
  });

  test('with capacity 0 and no remote pull, a buffered local channel keeps its values: nothing is pulled ahead', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(5);
    for (let i = 0; i < 5; i++) local.pushNowait(i);
    void toPort(local, a);
    const remote = fromPort<number>(b);
    await sleep(150);
    // At most one value may be in flight for capacity 0; with no parked pull, none is needed.
    expect(local.size).toBeGreaterThanOrEqual(4);
    expect(await remote.pull()).toBe(0);
    remote.close();
  });

  test('a slow remote consumer sets the pace: the local producer waits, and everything arrives in order', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 2 });
    const produced = (async () => {
      for (let i = 0; i < 30; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      // values posted or buffered remotely never exceed the capacity; locally at most 1 waits
      expect(remote.size).toBeLessThanOrEqual(2);
      if (v % 5 === 0) await sleep(5);
    }
    await produced;
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(await done).toEqual({ sent: 30, undelivered: [] });
  });

  test('an unbounded receiver (capacity Infinity) takes everything the sender has', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 500; i++) local.pushNowait(i);
    local.close();
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: Number.POSITIVE_INFINITY });
    expect(await done).toEqual({ sent: 500, undelivered: [] });
    expect(remote.size).toBe(500);
    expect((await drain(remote)).values).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});

describe('adversarial', () => {
  test('a remote pull aborted after its credit went out loses nothing: the value goes to the next remote pull', async () => {
    const [a, b] = pair();
    const local = new Channel<string>(0);
    const done = toPort(local, a);
    const remote = fromPort<string>(b);
    const controller = new AbortController();
    const first = settled(remote.pull({ signal: controller.signal }));
    // The push resolves once toPort pulled the value: the credit of the parked pull reached it.
    await local.push('in flight');
    controller.abort('changed my mind');
    expect((await first).error).toBe('changed my mind');
    expect(await remote.pull()).toBe('in flight');
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('a value that arrived after its remote pull was aborted comes back as undelivered when the receiver closes', async () => {
    const [a, b] = pair();
    const local = new Channel<string>(0);
    const done = toPort(local, a);
    const remote = fromPort<string>(b);
    const controller = new AbortController();
    const first = settled(remote.pull({ signal: controller.signal }));
    await local.push('orphan');
    controller.abort();
    await first;
    await sleep(50);
    remote.close();
    const result = await done;
    const received = (await drain(remote)).values;
    expect([...received, ...result.undelivered]).toEqual(['orphan']);
    expect(result.sent).toBe(received.length);
  });

  test('several parked remote pulls on capacity 0 each get one value, in the order they parked', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const done = toPort(local, a);
    const remote = fromPort<number>(b);
    const pulls = [remote.pull(), remote.pull(), remote.pull()];
    for (let i = 0; i < 3; i++) await local.push(i);
    expect(await Promise.all(pulls)).toEqual([0, 1, 2]);
    local.close();
    expect(await done).toEqual({ sent: 3, undelivered: [] });
  });

  test('two toPort streams reading one local channel to two ports: each value goes to exactly one of them', async () => {
    const [a1, b1] = pair();
    const [a2, b2] = pair();
    const local = new Channel<number>(4);
    const d1 = toPort(local, a1);
    const d2 = toPort(local, a2);
    const r1 = drain(fromPort<number>(b1, { capacity: 2 }));
    const r2 = drain(fromPort<number>(b2, { capacity: 2 }));
    for (let i = 0; i < 100; i++) await local.push(i);
    local.close();
    const [x, y] = await Promise.all([r1, r2]);
    expect([...x.values, ...y.values].sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const [s1, s2] = await Promise.all([d1, d2]);
    expect(s1.sent + s2.sent).toBe(100);
  });

  test('an endless lazy source (Channel.from of a generator) is sent as far as the receiver asks, and no further', async () => {
    const [a, b] = pair();
    let produced = 0;
    function* naturals() {
      for (let i = 0; ; i++) {
        produced = i + 1;
        yield i;
      }
    }
    const local = from(naturals(), { capacity: 1 });
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 4 });
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (got.length === 10) break;
    }
    remote.close();
    const result = await done;
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Everything the generator produced is received, in the receiver's buffer, undelivered or still local.
    const rest = [...(await drain(remote)).values, ...result.undelivered];
    expect([...got, ...rest]).toEqual(Array.from({ length: got.length + rest.length }, (_, i) => i));
    expect(produced).toBeLessThanOrEqual(10 + 4 + 1 + 1);
    local.close();
  });

  test('a merged channel can be sent: each input keeps its order on the other side', async () => {
    const [a, b] = pair();
    const x = new Channel<string>(2);
    const y = new Channel<string>(2);
    const done = toPort(merge(x, y), a);
    const remote = fromPort<string>(b, { capacity: 3 });
    const received = drain(remote);
    for (let i = 0; i < 20; i++) {
      await x.push(`x${i}`);
      await y.push(`y${i}`);
    }
    x.close();
    y.close();
    const { values, error } = await received;
    expect(error).toBeUndefined();
    expect(values.filter((v) => v.startsWith('x'))).toEqual(Array.from({ length: 20 }, (_, i) => `x${i}`));
    expect(values.filter((v) => v.startsWith('y'))).toEqual(Array.from({ length: 20 }, (_, i) => `y${i}`));
    expect(await done).toEqual({ sent: 40, undelivered: [] });
  });

  test('ten thousand values through a small window arrive in order, each once', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(16);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 16 });
    const received = drain(remote);
    for (let i = 0; i < 10_000; i++) await local.push(i);
    local.close();
    const { values } = await received;
    expect(values.length).toBe(10_000);
    expect(values.every((v, i) => v === i)).toBe(true);
    expect(await done).toEqual({ sent: 10_000, undelivered: [] });
  });

  test('a second toPort or fromPort of the same name on the same port is refused with a TypeError (README Semantic details)', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    const first = toPort(local, a, { name: 'dup' });
    const { error } = await settled(toPort(new Channel<number>(1), a, { name: 'dup' }));
    expect(error).toBeInstanceOf(TypeError);
    const remote = fromPort<number>(b, { name: 'dup', capacity: 1 });
    expect(() => fromPort<number>(b, { name: 'dup' })).toThrow(TypeError);
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    local.close();
    expect(await first).toEqual({ sent: 1, undelivered: [] });
  });

  test('a transfer function that throws loses no value', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    const done = settled(
      toPort(local, a, {
        transfer: () => {
          throw new Error('cannot list');
        },
      }),
    );
    fromPort<number>(b, { capacity: 2 });
    await local.push(1);
    local.close();
    const result = await done;
    const report = (result.value ?? result.error) as { sent?: number; undelivered?: unknown[] };
    expect([report.sent, report.undelivered]).toEqual([0, [1]]);
  });

  test('a local channel closed with a reason before toPort and empty closes the remote channel with that reason', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    local.close('nothing to do');
    const done = toPort(local, a);
    const remote = fromPort<number>(b);
    expect(await drain(remote)).toEqual({ values: [], error: 'nothing to do' });
    expect(await done).toEqual({ sent: 0, undelivered: [] });
  });

  test('a receiver that does not pull learns of the close within the heartbeat tick (README: no credit, no parked pull)', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const done = toPort(local, a);
    const remote = fromPort<number>(b);
    const first = remote.pull();
    await local.push(1);
    expect(await first).toBe(1);
    local.close();
    const start = Date.now();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    expect(remote.closed).toBe(true);
    expect(Date.now() - start).toBeLessThan(3000);
  });

  test('when the other end of the MessageChannel is closed, toPort settles instead of waiting forever', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    local.pushNowait(1);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 2 });
    await until(() => remote.size === 1);
    b.close();
    const result = await settled(done);
    expect(result.value ?? result.error).toBeDefined();
    expect(local.size + (result.value?.sent ?? 0) + (result.value?.undelivered.length ?? 0)).toBe(1);
  }, 20_000);
});

describe('batching and transfer', () => {
  test('values pulled in the same turn travel in few messages, not one per value', async () => {
    const [a, b] = pair();
    const { port, counter } = counting(a);
    const local = new Channel<number>(Number.POSITIVE_INFINITY);
    const done = toPort(local, port);
    const remote = fromPort<number>(b, { capacity: 1000 });
    await local.push(-1);
    expect(await remote.pull()).toBe(-1);
    await sleep(20);
    const before = counter.posts;
    for (let i = 0; i < 100; i++) local.pushNowait(i);
    await until(() => remote.size === 100);
    expect(counter.posts - before).toBeLessThanOrEqual(5);
    local.close();
    await done;
  });

  test('transfer moves an ArrayBuffer: detached on the sending side, intact on the receiving side', async () => {
    const [a, b] = pair();
    const local = new Channel<ArrayBuffer>(1);
    const done = toPort(local, a, { transfer: (buffer) => [buffer] });
    const remote = fromPort<ArrayBuffer>(b, { capacity: 1 });
    const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
    await local.push(buffer);
    const got = await remote.pull();
    expect([...new Uint8Array(got)]).toEqual([1, 2, 3, 4]);
    expect(buffer.byteLength).toBe(0);
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('without transfer an ArrayBuffer is copied and stays usable on the sending side', async () => {
    const [a, b] = pair();
    const local = new Channel<ArrayBuffer>(1);
    void toPort(local, a);
    const remote = fromPort<ArrayBuffer>(b, { capacity: 1 });
    const buffer = new Uint8Array([9, 8]).buffer;
    await local.push(buffer);
    expect([...new Uint8Array(await remote.pull())]).toEqual([9, 8]);
    expect(buffer.byteLength).toBe(2);
    local.close();
  });
});

describe('close', () => {
  test('close(reason) with a cloneable reason: the remote for-await throws that reason after the last value', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 2 });
    await local.push(1);
    await local.push(2);
    local.close('producer failed');
    expect(await drain(remote)).toEqual({ values: [1, 2], error: 'producer failed' });
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });

  test('close(new Error(...)): the remote pull rejects with ChannelClosedError whose cause is an Error of that message', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    void toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 1 });
    local.close(new TypeError('bad input'));
    const { error } = await settled(remote.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    const cause = (error as ChannelClosedError).cause as Error;
    expect(cause).toBeInstanceOf(TypeError);
    expect(cause.message).toBe('bad input');
  });

  test('a reason that cannot be cloned arrives as an Error whose message contains reason.message', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 1 });
    await local.push(7);
    local.close({ message: 'socket reset', retry: () => 1 });
    const { values, error } = await drain(remote);
    expect(values).toEqual([7]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('socket reset');
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('close() without a reason: the remote for-await ends normally', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    void toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 1 });
    await local.push(1);
    local.close();
    expect(await drain(remote)).toEqual({ values: [1], error: undefined });
    expect(remote.closed).toBe(true);
  });

  test('when the receiver closes its channel, toPort resolves and pulls nothing more from the local channel', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(10);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 2 });
    for (let i = 0; i < 10; i++) local.pushNowait(i);
    await until(() => remote.size === 2);
    remote.close();
    const result = await done;
    expect(result.sent).toBe(2);
    // Whatever was pulled but not committed comes back; the rest stays in the local channel.
    expect([...result.undelivered, ...drainNow(local)]).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    // The receiver keeps what it committed: buffered values stay readable after its close.
    expect(await drain(remote)).toEqual({ values: [0, 1], error: undefined });
    expect(local.closed).toBe(false);
  });

  test('after the receiver closed, values pushed later stay in the local channel', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(3);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 1 });
    await local.push(0);
    expect(await remote.pull()).toBe(0);
    remote.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    local.pushNowait(1);
    await sleep(50);
    expect(local.size).toBe(1);
    expect(local.pullNowait()).toBe(1);
  });

  test('a fromPort closed before any sender paired tells no sender: toPort waits and pairs with the next fromPort of that name (README Semantic details)', async () => {
    const [a, b] = pair();
    const early = fromPort<number>(b, { name: 'late', capacity: 1 });
    early.close();
    const local = new Channel<number>(1);
    const done = toPort(local, a, { name: 'late' });
    await local.push(1);
    await sleep(50);
    expect(local.size).toBe(1);
    const next = fromPort<number>(b, { name: 'late', capacity: 1 });
    expect(await next.pull()).toBe(1);
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('toPort does not close the local channel when it ends', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    fromPort<number>(b, { capacity: 1 });
    controller.abort();
    await done;
    expect(local.closed).toBe(false);
  });

  test('a receiver that closes with values in flight gets none of them: each value is either received or undelivered', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(Number.POSITIVE_INFINITY);
    const total = 300;
    for (let i = 0; i < total; i++) local.pushNowait(i);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 64 });
    const received: number[] = [];
    for await (const v of remote) {
      received.push(v);
      if (received.length === 37) remote.close();
    }
    const result = await done;
    const left = drainNow(local);
    expect([...received, ...result.undelivered, ...left]).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(result.sent).toBe(received.length);
  });
});

function drainNow<T>(channel: Channel<T>): T[] {
  const values: T[] = [];
  while (channel.size > 0) values.push(channel.pullNowait());
  return values;
}

describe('signal', () => {
  test('aborting the signal stops the stream: toPort resolves, the remote channel closes with signal.reason', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(10);
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    const remote = fromPort<number>(b, { capacity: 2 });
    for (let i = 0; i < 5; i++) local.pushNowait(i);
    await until(() => remote.size === 2);
    const reason = new Error('stop sending');
    controller.abort(reason);
    const result = await done;
    const { values, error } = await drain(remote);
    expect(values).toEqual([0, 1]);
    expect(result.sent).toBe(2);
    expect((error as Error).message).toBe('stop sending');
    expect([...result.undelivered, ...drainNow(local)]).toEqual([2, 3, 4]);
  });

  test('aborting a toPort whose receiver never answered settles it promptly with nothing sent or pulled', async () => {
    const [a] = pair();
    const local = new Channel<number>(2);
    local.pushNowait(1);
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    await sleep(20);
    controller.abort();
    const start = Date.now();
    expect(await done).toEqual({ sent: 0, undelivered: [] });
    expect(Date.now() - start).toBeLessThan(2000);
    expect(local.size).toBe(1);
  });

  test('aborting after everything was delivered and the local channel closed changes nothing', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    const remote = fromPort<number>(b, { capacity: 2 });
    await local.push(1);
    local.close();
    expect(await drain(remote)).toEqual({ values: [1], error: undefined });
    controller.abort();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('an already aborted signal pulls nothing from the local channel', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(3);
    local.pushNowait(1);
    local.pushNowait(2);
    const controller = new AbortController();
    controller.abort(new Error('never'));
    const remote = fromPort<number>(b, { capacity: 3 });
    const result = await settled(toPort(local, a, { signal: controller.signal }));
    if (result.value) expect(result.value).toEqual({ sent: 0, undelivered: [] });
    else expect((result.error as Error).message).toBe('never');
    await sleep(50);
    expect(local.size).toBe(2);
    expect(remote.size).toBe(0);
  });
});

describe('multiplexing by name', () => {
  test('several channels share one port, each pairing with the receiver of its name', async () => {
    const [a, b] = pair();
    const letters = new Channel<string>(3);
    const numbers = new Channel<number>(3);
    const d1 = toPort(letters, a, { name: 'letters' });
    const d2 = toPort(numbers, a, { name: 'numbers' });
    const rNumbers = fromPort<number>(b, { name: 'numbers', capacity: 3 });
    const rLetters = fromPort<string>(b, { name: 'letters', capacity: 3 });
    for (const l of ['a', 'b', 'c']) letters.pushNowait(l);
    for (const n of [1, 2, 3]) numbers.pushNowait(n);
    letters.close();
    numbers.close();
    expect(await drain(rLetters)).toEqual({ values: ['a', 'b', 'c'], error: undefined });
    expect(await drain(rNumbers)).toEqual({ values: [1, 2, 3], error: undefined });
    expect(await d1).toEqual({ sent: 3, undelivered: [] });
    expect(await d2).toEqual({ sent: 3, undelivered: [] });
  });

  test('the receiving channel is labelled with the stream name', async () => {
    const [, b] = pair();
    const remote = fromPort<number>(b, { name: 'labelled' });
    expect(remote.name).toBe('labelled');
    expect(remote.capacity).toBe(0);
    remote.close();
  });

  test('the default name is the empty string: toPort without a name pairs with fromPort named ""', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    void toPort(local, a);
    const remote = fromPort<number>(b, { name: '', capacity: 1 });
    await local.push(5);
    expect(await remote.pull()).toBe(5);
    local.close();
  });

  test('a stream of another name does not feed a receiver: nothing is pulled for a name nobody receives', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    local.pushNowait(1);
    void toPort(local, a, { name: 'left' });
    const remote = fromPort<number>(b, { name: 'right', capacity: 2 });
    await sleep(100);
    expect(remote.size).toBe(0);
    expect(local.size).toBe(1);
    remote.close();
  });

  test('closing one named stream leaves the other running', async () => {
    const [a, b] = pair();
    const one = new Channel<number>(1);
    const two = new Channel<number>(1);
    const d1 = toPort(one, a, { name: 'one' });
    void toPort(two, a, { name: 'two' });
    const r1 = fromPort<number>(b, { name: 'one', capacity: 1 });
    const r2 = fromPort<number>(b, { name: 'two', capacity: 1 });
    await one.push(11);
    expect(await r1.pull()).toBe(11);
    r1.close();
    expect(await d1).toEqual({ sent: 1, undelivered: [] });
    await two.push(22);
    expect(await r2.pull()).toBe(22);
    two.close();
  });
});

describe('malformed and foreign messages', () => {
  test('foreign messages on the port are ignored and the stream keeps working', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 2 });
    // Both directions get junk: b hears what a posts, a hears what b posts.
    for (const junk of [null, 42, 'hello', { source: 'chanasync-port' }, { type: 'values' }, [1, 2], {}]) {
      a.postMessage(junk);
      b.postMessage(junk);
    }
    await local.push(1);
    await local.push(2);
    local.close();
    expect(await drain(remote)).toEqual({ values: [1, 2], error: undefined });
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });

  test('hostile foreign messages (a throwing getter, a throwing proxy) on a hand-made port are ignored', async () => {
    const here = new EventTarget();
    const there = new EventTarget();
    const port = (from: EventTarget, to: EventTarget): PortLike => ({
      postMessage: (data: unknown) => setTimeout(() => to.dispatchEvent(new MessageEvent('message', { data })), 0),
      addEventListener: (type, listener) => from.addEventListener(type, listener as EventListener),
      removeEventListener: (type, listener) => from.removeEventListener(type, listener as EventListener),
    });
    const a = port(here, there);
    const b = port(there, here);
    const local = new Channel<number>(1);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 1 });
    const hostile = [
      {
        get source(): string {
          throw new Error('hostile getter');
        },
      },
      new Proxy(
        {},
        {
          get() {
            throw new Error('hostile proxy');
          },
          has() {
            throw new Error('hostile proxy');
          },
        },
      ),
    ];
    for (const data of hostile) {
      here.dispatchEvent(new MessageEvent('message', { data }));
      there.dispatchEvent(new MessageEvent('message', { data }));
    }
    await local.push(3);
    local.close();
    expect(await drain(remote)).toEqual({ values: [3], error: undefined });
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  test('messages posted on the port by the application itself still reach its own listeners', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    void toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 1 });
    const appMessages: unknown[] = [];
    b.addEventListener('message', (event) => {
      const data = (event as MessageEvent).data;
      if (data && typeof data === 'object' && 'app' in data) appMessages.push(data);
    });
    a.postMessage({ app: 'ping' });
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    await until(() => appMessages.length === 1);
    expect(appMessages).toEqual([{ app: 'ping' }]);
    local.close();
  });
});

describe('bad input', () => {
  test('toPort rejects with a TypeError naming toPort when the port has no postMessage', async () => {
    const { error } = await settled(toPort(new Channel<number>(), {} as PortLike));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('toPort');
  });

  test('toPort rejects with a TypeError when the channel is not a channel', async () => {
    const [a] = pair();
    const { error } = await settled(toPort({} as never, a));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('toPort');
  });

  test('fromPort throws a TypeError naming fromPort when the port cannot be listened to', () => {
    const port = { postMessage() {} } as unknown as PortLike;
    expect(() => fromPort(port)).toThrow(TypeError);
    expect(() => fromPort(port)).toThrow(/fromPort/);
  });

  test('fromPort over a Window without origin is a TypeError', () => {
    const win: { window?: unknown; postMessage(): void; addEventListener(): void } = {
      postMessage() {},
      addEventListener() {},
    };
    win.window = win;
    expect(() => fromPort(win as unknown as PortLike)).toThrow(TypeError);
    expect(() => fromPort(win as unknown as PortLike)).toThrow(/origin/);
  });

  test('fromPort throws a RangeError for a negative, fractional or NaN capacity', () => {
    for (const capacity of [-1, 1.5, Number.NaN]) {
      const [, b] = pair();
      expect(() => fromPort(b, { capacity })).toThrow(RangeError);
    }
  });

  test('a value that cannot be cloned is not lost: toPort reports it, and the stream does not hang', async () => {
    const [a, b] = pair();
    const local = new Channel<unknown>(2);
    const done = settled(toPort(local, a));
    const remote = fromPort<unknown>(b, { capacity: 2 });
    const fn = () => 1;
    await local.push(fn);
    local.close();
    const result = await done;
    const report = (result.value ?? result.error) as { undelivered?: unknown[] };
    expect(report.undelivered).toEqual([fn]);
    expect(remote.size).toBe(0);
  });
});

describe('a context that dies', () => {
  test('a receiver that goes silent (no close event) is detected by the heartbeat: toPort resolves with the undelivered values', async () => {
    const [a, b] = pair();
    const far = silenceable(b);
    const local = new Channel<number>(10);
    const done = toPort(local, a);
    const remote = fromPort<number>(far.port, { capacity: 2 });
    for (let i = 0; i < 6; i++) local.pushNowait(i);
    await until(() => remote.size === 2);
    await sleep(50);
    far.kill();
    const start = Date.now();
    const result = await done;
    expect(Date.now() - start).toBeLessThan(12_000);
    // Values 0 and 1 were committed remotely (acknowledged or not); nothing is lost locally.
    const left = drainNow(local);
    expect(result.sent + result.undelivered.length + left.length).toBe(6);
    expect([...result.undelivered, ...left]).toEqual(Array.from({ length: 6 }, (_, i) => i).slice(result.sent));
  }, 20_000);

  test('a sender that goes silent is detected: the receiving channel closes with a ChannelError saying the other side is gone', async () => {
    const [a, b] = pair();
    const near = silenceable(a);
    const local = new Channel<number>(1);
    void toPort(local, near.port);
    const remote = fromPort<number>(b, { capacity: 1 });
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    near.kill();
    const { values, error } = await drain(remote);
    expect(values).toEqual([]);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/gone/i);
    const pulled = await settled(remote.pull());
    expect(pulled.error).toBeInstanceOf(ChannelClosedError);
    expect((pulled.error as ChannelClosedError).cause).toBe(error);
  }, 20_000);

  test('an idle stream is not declared dead: after more than the heartbeat timeout with no values, it still delivers', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    const done = toPort(local, a);
    const remote = fromPort<number>(b, { capacity: 1 });
    await sleep(6500);
    expect(remote.closed).toBe(false);
    await local.push(99);
    expect(await remote.pull()).toBe(99);
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  }, 20_000);

  describe('a real worker thread that is terminated', () => {
    const dir = tempDir('outsider-port-');
    const dist = (file: string) => pathToFileURL(join(import.meta.dirname, '..', 'dist', file)).href;
    const receiverScript = join(dir, 'receiver.mjs');
    writeFileSync(
      receiverScript,
      `import { workerData, parentPort } from 'node:worker_threads';
import { fromPort } from ${JSON.stringify(dist('port.js'))};
const channel = fromPort(workerData.port, { capacity: 2 });
const first = await channel.pull();
parentPort.postMessage({ first });
// then never pulls again: the worker is terminated with values in flight
`,
    );
    const senderScript = join(dir, 'sender.mjs');
    writeFileSync(
      senderScript,
      `import { workerData, parentPort } from 'node:worker_threads';
import { Channel } from ${JSON.stringify(dist('index.js'))};
import { toPort } from ${JSON.stringify(dist('port.js'))};
const channel = new Channel(1);
toPort(channel, workerData.port);
for (let i = 0; ; i++) { await channel.push(i); if (i === 3) parentPort.postMessage('pushed 4'); }
`,
    );

    test('toPort resolves once the receiving worker is terminated, accounting for every value it pulled', async () => {
      const { port1, port2 } = new MessageChannel();
      opened.push(port1);
      const worker = new Worker(receiverScript, { workerData: { port: port2 }, transferList: [port2] });
      workers.push(worker);
      const firstSeen = new Promise((resolve) => worker.once('message', resolve));
      const local = new Channel<number>(10);
      for (let i = 0; i < 8; i++) local.pushNowait(i);
      const done = toPort(local, port1 as PortLike & MessagePort);
      expect(await firstSeen).toEqual({ first: 0 });
      await sleep(50);
      await worker.terminate();
      const result = await done;
      const left = drainNow(local);
      expect(result.sent).toBeGreaterThanOrEqual(1);
      expect([...result.undelivered, ...left]).toEqual(Array.from({ length: 8 }, (_, i) => i).slice(result.sent));
    }, 20_000);

    test('the receiving channel closes with a ChannelError once the sending worker is terminated', async () => {
      const { port1, port2 } = new MessageChannel();
      opened.push(port1);
      const worker = new Worker(senderScript, { workerData: { port: port2 }, transferList: [port2] });
      workers.push(worker);
      const remote = fromPort<number>(port1 as PortLike & MessagePort, { capacity: 1 });
      expect(await remote.pull()).toBe(0);
      await worker.terminate();
      const { values, error } = await drain(remote);
      // what was committed before the death is still readable, in order, then the error
      expect(values).toEqual(values.map((_, i) => i + 1));
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as Error).message).toMatch(/gone/i);
    }, 20_000);
  });
});
