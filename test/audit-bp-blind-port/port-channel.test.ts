/**
 * Blind specification pass (audit BP) over SPEC.md "Channels across contexts": order, loss,
 * backpressure, batching, transfer, close and foreign messages, over a Node MessageChannel whose
 * two ports stand for two contexts. Written from SPEC.md and the README only.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, PORT_SOURCE, PORT_VERSION, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { drain } from '../helpers/drain.js';
import { closeOpened, pair, prng, sleep, tap, until, valuesMessages } from './helpers.js';

afterEach(closeOpened);

const collect = drain;

describe('order and loss', () => {
  it('delivers 500 values in FIFO order, each once, to a consumer with seeded pauses', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(8);
    const remote = fromPort<number>(port2, { capacity: 16 });
    const sending = toPort(local, port1);
    const random = prng(0xb1e55);
    const producing = (async () => {
      for (let i = 0; i < 500; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const value of remote) {
      got.push(value);
      if (random() < 0.05) await sleep(1);
    }
    await producing;
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 500, undelivered: [] });
  });

  it('with capacity 0 delivers in FIFO order, each once', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const producing = (async () => {
      for (let i = 0; i < 40; i++) await local.push(i);
      local.close();
    })();
    const { values, error } = await collect(remote);
    await producing;
    expect(error).toBeUndefined();
    expect(values).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 40, undelivered: [] });
  });

  it('several streams on one port pair by name and keep their own values', async () => {
    const { port1, port2 } = pair();
    const a = new Channel<string>(4);
    const b = new Channel<string>(4);
    const remoteA = fromPort<string>(port2, { name: 'a', capacity: 2 });
    const remoteB = fromPort<string>(port2, { name: 'b', capacity: 2 });
    const lonely = fromPort<string>(port2, { name: 'nobody-sends', capacity: 2 });
    const sendingA = toPort(a, port1, { name: 'a' });
    const sendingB = toPort(b, port1, { name: 'b' });
    await a.pushAll(['a1', 'a2', 'a3']);
    await b.pushAll(['b1', 'b2', 'b3']);
    a.close();
    b.close();
    const [gotA, gotB] = await Promise.all([collect(remoteA), collect(remoteB)]);
    expect(gotA.values).toEqual(['a1', 'a2', 'a3']);
    expect(gotB.values).toEqual(['b1', 'b2', 'b3']);
    expect(await sendingA).toEqual({ sent: 3, undelivered: [] });
    expect(await sendingB).toEqual({ sent: 3, undelivered: [] });
    expect(lonely.closed).toBe(false);
    expect(lonely.tryPull()).toBeUndefined();
    lonely.close();
  });
});

describe('backpressure', () => {
  it('never has more than the capacity pulled from the local channel and not yet consumed remotely', async () => {
    const { port1, port2 } = pair();
    const capacity = 4;
    const local = new Channel<number>(0); // a push resolves exactly when toPort pulls the value
    const remote = fromPort<number>(port2, { capacity });
    const sending = toPort(local, port1);
    let pulledByToPort = 0;
    let consumed = 0;
    let worst = 0;
    const check = () => {
      worst = Math.max(worst, pulledByToPort - consumed);
    };
    const producing = (async () => {
      for (let i = 0; i < 60; i++) {
        await local.push(i);
        pulledByToPort++;
        check();
      }
      local.close();
    })();
    // Let the producer run into the credit window while nobody consumes.
    await until(() => pulledByToPort >= capacity, 'the first window');
    await sleep(300);
    check();
    expect(pulledByToPort).toBe(capacity);
    const random = prng(42);
    for await (const value of remote) {
      expect(value).toBe(consumed);
      consumed++;
      check();
      if (random() < 0.3) await sleep(5);
    }
    await producing;
    expect(consumed).toBe(60);
    expect(worst).toBeLessThanOrEqual(capacity);
    expect(await sending).toEqual({ sent: 60, undelivered: [] });
  });

  it('capacity 0 is a rendezvous: a local push resolves only once a remote pull asked', async () => {
    const { port1, port2 } = pair();
    const { port: tapped, posted } = tap(port1);
    const local = new Channel<string>(0);
    const remote = fromPort<string>(port2);
    const sending = toPort(local, tapped);
    let resolved = false;
    const pushing = local.push('x').then(() => {
      resolved = true;
    });
    await sleep(400);
    expect(resolved).toBe(false);
    expect(valuesMessages(posted)).toHaveLength(0); // nothing in flight without a pull
    expect(await remote.pull()).toBe('x');
    await pushing;
    expect(resolved).toBe(true);
    // The next one likewise waits for the next pull.
    let second = false;
    const pushing2 = local.push('y').then(() => {
      second = true;
    });
    await sleep(300);
    expect(second).toBe(false);
    expect(await remote.pull()).toBe('y');
    await pushing2;
    remote.close();
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  it('a foreign credit message does not let the sender pull past the real credit', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(100);
    await local.pushAll(Array.from({ length: 50 }, (_, i) => i));
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    await until(() => remote.size === 2, 'the first window');
    // Someone else's credit on the same port (no session of ours).
    port2.postMessage({
      source: PORT_SOURCE,
      version: PORT_VERSION,
      type: 'credit',
      name: '',
      session: 'forged',
      granted: 1000,
      committed: 0,
    });
    await sleep(300);
    expect(local.size).toBe(48);
    remote.close();
    const result = await sending;
    expect(result.sent + result.undelivered.length + local.size).toBe(50);
  });
});

describe('batching and transfer', () => {
  it('values pulled in one turn travel in one message', async () => {
    const { port1, port2 } = pair();
    const { port: tapped, posted } = tap(port1);
    const local = new Channel<number>(64);
    await local.pushAll(Array.from({ length: 20 }, (_, i) => i));
    const remote = fromPort<number>(port2, { capacity: 64 });
    const sending = toPort(local, tapped);
    await until(() => remote.size === 20, 'the 20 buffered values');
    const first = valuesMessages(posted);
    expect(first.map((m) => m.values?.length)).toEqual([20]);
    // A producer pushing 10 values in one synchronous run, with room: one more message.
    for (let i = 20; i < 30; i++) local.pushNowait(i);
    await until(() => remote.size === 30, 'the next 10 values');
    expect(valuesMessages(posted).map((m) => m.values?.length)).toEqual([20, 10]);
    local.close();
    expect((await collect(remote)).values).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 30, undelivered: [] });
  });

  it('transfer moves ArrayBuffers instead of copying them', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<ArrayBuffer>(4);
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 4 });
    const sending = toPort(local, port1, { transfer: (buffer) => [buffer] });
    const buffers = [new Uint8Array([1, 2, 3]).buffer, new Uint8Array([4, 5]).buffer];
    for (const buffer of buffers) await local.push(buffer);
    local.close();
    const { values } = await collect(remote);
    expect(values.map((b) => [...new Uint8Array(b)])).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(buffers.map((b) => b.byteLength)).toEqual([0, 0]); // moved: detached here
    expect((await sending).sent).toBe(2);
  });

  it('without transfer, buffers are copied and stay usable on the sending side', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<ArrayBuffer>(4);
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 4 });
    const sending = toPort(local, port1);
    const buffer = new Uint8Array([9, 8, 7]).buffer;
    await local.push(buffer);
    local.close();
    const { values } = await collect(remote);
    expect([...new Uint8Array(values[0] as ArrayBuffer)]).toEqual([9, 8, 7]);
    expect(buffer.byteLength).toBe(3);
    await sending;
  });
});

describe('close', () => {
  it('the sender close crosses after the last value, with a cloneable Error reason', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    await local.pushAll([1, 2, 3]);
    local.close(new Error('no more'));
    const { values, error } = await collect(remote);
    expect(values).toEqual([1, 2, 3]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('no more');
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('a plain-data close reason arrives as it was', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    local.close({ code: 7, detail: ['a'] });
    const { error } = await collect(remote);
    expect(error).toEqual({ code: 7, detail: ['a'] });
    await sending;
  });

  it('a close without a reason ends the remote loop normally', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await local.push(1);
    local.close();
    expect(await collect(remote)).toEqual({ values: [1], error: undefined });
    await sending;
  });

  it('a reason that cannot be cloned arrives as an Error whose message contains its message', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await local.push(1);
    local.close({ message: 'cannot clone me', callback() {} });
    const { values, error } = await collect(remote);
    expect(values).toEqual([1]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('cannot clone me');
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('a receiver close stops the sender at once and resolves toPort, accounting for every value', async () => {
    const { port1, port2 } = pair();
    const jobs = new Channel<number>(100);
    await jobs.pushAll(Array.from({ length: 100 }, (_, i) => i));
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(jobs, port1);
    expect(await remote.pull()).toBe(0);
    expect(await remote.pull()).toBe(1);
    const closedAt = Date.now();
    remote.close();
    const { sent, undelivered } = await sending;
    expect(Date.now() - closedAt).toBeLessThan(2_500); // not the heartbeat
    expect(sent).toBeGreaterThanOrEqual(2);
    // Everything toPort pulled is sent or undelivered, in order, and the rest is still here.
    expect([...Array.from({ length: sent }, (_, i) => i), ...undelivered]).toEqual(
      Array.from({ length: sent + undelivered.length }, (_, i) => i),
    );
    const left = jobs.size;
    expect(sent + undelivered.length + left).toBe(100);
    await sleep(300);
    expect(jobs.size).toBe(left); // stopped pulling
    expect(jobs.pullNowait()).toBe(sent + undelivered.length);
  });

  it('a receiver close with a pending local push leaves that value in the local channel', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await local.push('first');
    expect(await remote.pull()).toBe('first');
    remote.close();
    await sending;
    await sleep(100);
    // The sender pulls nothing more: a later push finds no puller.
    expect(local.tryPush('second')).toBe(false);
    expect(local.closed).toBe(false);
  });
});

describe('foreign messages and names', () => {
  it('ignores malformed and foreign messages on the port', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(port2, { capacity: 4 });
    const junk: unknown[] = [
      null,
      42,
      'values',
      [],
      { source: 'someone-else', type: 'values', values: [666] },
      { source: PORT_SOURCE },
      { source: PORT_SOURCE, version: 99, type: 'values', name: '', session: 's', values: [666] },
      { source: PORT_SOURCE, version: PORT_VERSION, type: 'values', name: '', session: 'forged', values: [666] },
      { source: PORT_SOURCE, version: PORT_VERSION, type: 'values', name: '', session: 'forged', values: 'nope' },
      {
        source: PORT_SOURCE,
        version: PORT_VERSION,
        type: 'end',
        name: '',
        session: 'forged',
        abort: true,
        reason: 'x',
      },
      { source: PORT_SOURCE, version: PORT_VERSION, type: 'nonsense', name: '' },
    ];
    for (const message of junk) port1.postMessage(message);
    const sending = toPort(local, port1);
    for (const message of junk) port1.postMessage(message);
    await local.pushAll([1, 2, 3]);
    for (const message of junk) port1.postMessage(message);
    for (const message of junk) port2.postMessage(message); // towards the sender too
    await sleep(100);
    local.close();
    expect(await collect(remote)).toEqual({ values: [1, 2, 3], error: undefined });
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  it('a fromPort closed before any sender came leaves a later toPort of its name pulling nothing', async () => {
    const { port1, port2 } = pair();
    const remote = fromPort<number>(port2, { name: 'late', capacity: 4 });
    remote.close();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const controller = new AbortController();
    const sending = toPort(local, port1, { name: 'late', signal: controller.signal });
    await sleep(400);
    expect(local.size).toBe(2);
    controller.abort();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
  });
});

describe('signal on toPort', () => {
  it('an abort resolves toPort and closes the remote channel with the reason', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(10);
    await local.pushAll([1, 2, 3, 4, 5]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const controller = new AbortController();
    const sending = toPort(local, port1, { signal: controller.signal });
    await until(() => remote.size === 2, 'the first window');
    controller.abort(new Error('stop now'));
    const result = await sending;
    const { values, error } = await collect(remote);
    expect((error as Error).message).toBe('stop now');
    expect(values).toEqual([1, 2].slice(0, values.length));
    expect(result.sent).toBe(values.length);
    expect([...values, ...result.undelivered, ...Array.from({ length: local.size }, () => local.pullNowait())]).toEqual(
      [1, 2, 3, 4, 5],
    );
  });

  it('an already aborted signal pulls nothing and leaves the receiver open for the next sender', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const result = await toPort(local, port1, { signal: AbortSignal.abort() });
    expect(result).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
    await sleep(200);
    expect(remote.closed).toBe(false);
    const sending = toPort(local, port1);
    local.close();
    expect(await collect(remote)).toEqual({ values: [1, 2], error: undefined });
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });
});
