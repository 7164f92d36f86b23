/**
 * Auditor AW — SPEC "Channels across contexts (chanasync/port)", sentence by sentence, over a
 * Node MessageChannel (same thread) — black-box, public API only.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const closePorts = (...ports: MessagePort[]) => {
  for (const p of ports) p.close();
};

/** A PortLike wrapper that records each message posted through it. */
function recording(port: MessagePort) {
  const posted: any[] = [];
  const like: PortLike = {
    postMessage(message: any, transfer?: any) {
      posted.push(message);
      (port.postMessage as any)(message, transfer);
    },
    addEventListener: port.addEventListener.bind(port) as any,
    removeEventListener: port.removeEventListener.bind(port) as any,
    start: () => port.start(),
  } as any;
  return { like, posted };
}

describe('order and loss', () => {
  it('delivers 2000 values FIFO, each exactly once, with capacity 3', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(7);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const done = toPort(local, port1);
    const producer = (async () => {
      for (let i = 0; i < 2000; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    await producer;
    const result = await done;
    expect(got).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(result).toEqual({ sent: 2000, undelivered: [] });
    closePorts(port1, port2);
  });

  it('carries undefined, null, 0, "" and nested objects faithfully', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<unknown>(Infinity);
    const values = [undefined, null, 0, '', false, { a: [1, { b: undefined }] }, NaN, new Map([[1, 2]])];
    for (const v of values) local.pushNowait(v);
    local.close();
    const remote = fromPort<unknown>(port2, { capacity: 2 });
    const done = toPort(local, port1);
    const got: unknown[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual(values);
    expect((await done).sent).toBe(values.length);
    closePorts(port1, port2);
  });

  it('receiver created before sender and sender created before receiver both pair', async () => {
    for (const receiverFirst of [true, false]) {
      const { port1, port2 } = new MessageChannel();
      const local = new Channel<number>(Infinity);
      local.pushNowait(1);
      local.pushNowait(2);
      local.close();
      let remote: Channel<number>;
      let done: Promise<any>;
      if (receiverFirst) {
        remote = fromPort<number>(port2);
        await sleep(20);
        done = toPort(local, port1);
      } else {
        done = toPort(local, port1);
        await sleep(20);
        remote = fromPort<number>(port2);
      }
      const got: number[] = [];
      for await (const v of remote) got.push(v);
      expect(got).toEqual([1, 2]);
      expect(await done).toEqual({ sent: 2, undelivered: [] });
      closePorts(port1, port2);
    }
  });
});

describe('backpressure', () => {
  it('capacity 0: the sender-side push resolves only once a remote pull took the value', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(port2, { capacity: 0 });
    const done = toPort(local, port1);
    let resolved = false;
    const p = local.push('x').then(() => (resolved = true));
    await sleep(100);
    expect(resolved).toBe(false);
    expect(remote.size).toBe(0);
    const v = await remote.pull();
    expect(v).toBe('x');
    await p;
    expect(resolved).toBe(true);
    // After the take, a second push again waits.
    let second = false;
    const p2 = local.push('y').then(() => (second = true));
    await sleep(100);
    expect(second).toBe(false);
    expect(await remote.pull()).toBe('y');
    await p2;
    local.close();
    expect(await done).toEqual({ sent: 2, undelivered: [] });
    closePorts(port1, port2);
  });

  it('capacity 0 with two parked remote pulls: at most two values are out of the local channel', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 0 });
    const done = toPort(local, port1);
    let committedLocally = 0;
    const pushes = [0, 1, 2, 3, 4].map((i) => local.push(i).then(() => committedLocally++));
    const a = remote.pull();
    const b = remote.pull();
    expect(await a).toBe(0);
    expect(await b).toBe(1);
    await sleep(100);
    expect(committedLocally).toBe(2);
    expect(await remote.pull()).toBe(2);
    expect(await remote.pull()).toBe(3);
    expect(await remote.pull()).toBe(4);
    await Promise.all(pushes);
    local.close();
    expect(await done).toEqual({ sent: 5, undelivered: [] });
    closePorts(port1, port2);
  });

  for (const capacity of [1, 4]) {
    it(`capacity ${capacity}: values taken from the local channel minus values pulled remotely never exceed ${capacity}`, async () => {
      const { port1, port2 } = new MessageChannel();
      const local = new Channel<number>(0);
      const remote = fromPort<number>(port2, { capacity });
      const done = toPort(local, port1);
      let taken = 0;
      let pulled = 0;
      let maxOut = 0;
      const producer = (async () => {
        for (let i = 0; i < 200; i++) {
          await local.push(i);
          taken++;
          maxOut = Math.max(maxOut, taken - pulled);
        }
        local.close();
      })();
      for (let i = 0; i < 200; i++) {
        if (i % 7 === 0) await sleep(5);
        expect(await remote.pull()).toBe(i);
        pulled++;
        expect(remote.size).toBeLessThanOrEqual(capacity);
      }
      await producer;
      expect(maxOut).toBeLessThanOrEqual(capacity);
      expect(await done).toEqual({ sent: 200, undelivered: [] });
      closePorts(port1, port2);
    });
  }

  it('capacity Infinity: the sender drains a large local buffer without waiting for pulls', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 500; i++) local.pushNowait(i);
    local.close();
    const remote = fromPort<number>(port2, { capacity: Infinity });
    const result = await toPort(local, port1);
    expect(result).toEqual({ sent: 500, undelivered: [] });
    expect(remote.size).toBe(500);
    closePorts(port1, port2);
  });
});

describe('batching', () => {
  it('values pulled in the same turn travel in one message', async () => {
    const { port1, port2 } = new MessageChannel();
    const { like, posted } = recording(port1);
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(port2, { capacity: 100 });
    await sleep(20);
    for (let i = 0; i < 10; i++) local.pushNowait(i);
    local.close();
    const result = await toPort(local, like);
    expect(result.sent).toBe(10);
    const valueMessages = posted.filter((m) => m && m.type === 'values');
    expect(valueMessages.length).toBe(1);
    expect(valueMessages[0].values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toHaveLength(10);
    closePorts(port1, port2);
  });
});

describe('transfer', () => {
  it('transferred buffers move (sender copy detached) and arrive intact', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<{ buf: ArrayBuffer }>(Infinity);
    const remote = fromPort<{ buf: ArrayBuffer }>(port2, { capacity: 4 });
    const sentBufs: ArrayBuffer[] = [];
    for (let i = 0; i < 3; i++) {
      const buf = new Uint8Array([i, i + 1, i + 2]).buffer;
      sentBufs.push(buf);
      local.pushNowait({ buf });
    }
    local.close();
    const result = await toPort(local, port1, { transfer: (v) => [v.buf] });
    expect(result.sent).toBe(3);
    for (const b of sentBufs) expect(b.byteLength).toBe(0);
    const got: number[][] = [];
    for await (const v of remote) got.push([...new Uint8Array(v.buf)]);
    expect(got).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
    ]);
    closePorts(port1, port2);
  });

  it('a transfer callback that throws does not lose the value silently', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    local.pushNowait(2);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 4 });
    const outcome = await toPort(local, port1, {
      transfer: (v) => {
        if (v === 2) throw new Error('boom');
        return [];
      },
    }).then(
      (r) => ({ ok: r }),
      (e) => ({ err: e }),
    );
    // Either it rejects, or value 2 is listed as undelivered / delivered: never silently dropped.
    const got: number[] = [];
    const drained = (async () => {
      try {
        for await (const v of remote) got.push(v);
      } catch {}
    })();
    await Promise.race([drained, sleep(500)]);
    if ('ok' in outcome) {
      expect(got.length + outcome.ok.undelivered.length).toBe(2);
    } else {
      const undeliv: unknown[] = (outcome.err as any).undelivered ?? [];
      expect(got.length + undeliv.length + local.size).toBeGreaterThanOrEqual(1);
    }
    closePorts(port1, port2);
  });
});

describe('close', () => {
  it('remote closes after the last value, with the same cloneable reason', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    const reason = { code: 42, detail: 'shutdown' };
    local.close(reason);
    const remote = fromPort<number>(port2, { capacity: 4 });
    const result = await toPort(local, port1);
    expect(result).toEqual({ sent: 1, undelivered: [] });
    expect(await remote.pull()).toBe(1);
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.cause).toEqual(reason);
    closePorts(port1, port2);
  });

  it('an Error reason arrives as an Error with its message (and class name)', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.close(new TypeError('bad input'));
    const remote = fromPort<number>(port2);
    await toPort(local, port1);
    const thrown = await (async () => {
      try {
        for await (const _ of remote);
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toBe('bad input');
    closePorts(port1, port2);
  });

  it('a reason that cannot be cloned arrives as an Error whose message contains reason.message', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(5);
    local.close({ message: 'not cloneable', fn() {} });
    const remote = fromPort<number>(port2);
    const done = toPort(local, port1);
    expect(await remote.pull()).toBe(5);
    expect((await done).sent).toBe(1);
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.cause.message).toContain('not cloneable');
    closePorts(port1, port2);
  });

  it('a Symbol reason (not cloneable, no message) still closes the remote channel with an Error', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.close(Symbol('why'));
    const remote = fromPort<number>(port2);
    await toPort(local, port1);
    const err = await Promise.race([remote.pull().catch((e) => e), sleep(1000).then(() => 'hang')]);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.cause).toBeInstanceOf(Error);
    closePorts(port1, port2);
  });

  it('close() without a reason: remote for-await ends normally', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    local.close();
    const remote = fromPort<number>(port2);
    const done = toPort(local, port1);
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1]);
    await done;
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.cause).toBeUndefined();
    closePorts(port1, port2);
  });

  it('receiver closes: sender stops pulling at once, toPort resolves with sent/undelivered and the rest stays in the local channel', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 10; i++) local.pushNowait(i);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const done = toPort(local, port1);
    expect(await remote.pull()).toBe(0);
    await sleep(50);
    remote.close();
    const result = await done;
    // Pulled remotely: 0; buffered remotely (committed): some; the rest of local stays local.
    const remaining: number[] = [];
    while (local.size > 0) remaining.push(local.pullNowait());
    const bufferedRemote: number[] = [];
    while (remote.size > 0) bufferedRemote.push(remote.pullNowait());
    const all = [0, ...bufferedRemote, ...result.undelivered, ...remaining].sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.sent).toBe(1 + bufferedRemote.length);
    expect(local.closed).toBe(false);
    // sender does not keep pulling after the result
    local.pushNowait(99);
    await sleep(50);
    expect(local.size).toBe(remaining.length === 0 ? 1 : 1);
    closePorts(port1, port2);
  });

  it('receiver closes while the sender is parked on an empty local channel: toPort resolves promptly', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const done = toPort(local, port1);
    await paired(port1); // the sender is parked on the empty local channel
    remote.close();
    const r = await Promise.race([done, sleep(1000).then(() => 'hang' as const)]);
    expect(r).toEqual({ sent: 0, undelivered: [] });
    // no pull left parked on the local channel
    expect(local.stats().waitingPullers).toBe(0);
    expect(local.tryPush(1)).toBe(false);
    closePorts(port1, port2);
  });

  it('receiver closes with a value in flight: that value is in undelivered, not lost', async () => {
    // Close the receiver in the same turn the sender posts: race the commit.
    for (let round = 0; round < 20; round++) {
      const { port1, port2 } = new MessageChannel();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(port2, { capacity: 5 });
      const done = toPort(local, port1);
      await paired(port1); // a fromPort closed before pairing tells no sender: README
      for (let i = 0; i < 5; i++) local.pushNowait(i);
      // close remote after a variable number of turns
      for (let k = 0; k < round % 5; k++) await Promise.resolve();
      if (round >= 10) await new Promise((r) => setImmediate(r));
      remote.close();
      const result = await done;
      const buffered: number[] = [];
      while (remote.size > 0) buffered.push(remote.pullNowait());
      const remaining: number[] = [];
      while (local.size > 0) remaining.push(local.pullNowait());
      expect([...buffered, ...result.undelivered, ...remaining].sort()).toEqual([0, 1, 2, 3, 4]);
      expect(result.sent).toBe(buffered.length);
      closePorts(port1, port2);
    }
  });
});

describe('signal', () => {
  it('aborting toPort stops the stream; every pulled value is delivered or undelivered; remote closes', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 10; i++) local.pushNowait(i);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const ac = new AbortController();
    const done = toPort(local, port1, { signal: ac.signal }).then(
      (r) => ({ r }),
      (e) => ({ e }),
    );
    await paired(port1); // mid-stream: the sender has credit
    ac.abort(new Error('stop'));
    const outcome: any = await Promise.race([done, sleep(2000).then(() => 'hang')]);
    expect(outcome).not.toBe('hang');
    const got: number[] = [];
    const tail = await (async () => {
      try {
        for await (const v of remote) got.push(v);
        return 'normal';
      } catch (e) {
        return e;
      }
    })();
    const remaining: number[] = [];
    while (local.size > 0) remaining.push(local.pullNowait());
    const undelivered = outcome.r?.undelivered ?? outcome.e?.undelivered ?? [];
    expect([...got, ...undelivered, ...remaining].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(tail).not.toBe('normal');
    closePorts(port1, port2);
  });
});

describe('malformed and foreign messages', () => {
  it('junk on the port is ignored and the stream still works', async () => {
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port2, { capacity: 4 });
    const junk: unknown[] = [
      null,
      undefined,
      42,
      'hello',
      [],
      {},
      { source: 'chanasync-port' },
      { source: 'chanasync-port', version: 1 },
      { source: 'chanasync-port', version: 1, name: '', type: 'values' },
      { source: 'chanasync-port', version: 1, name: '', type: 'values', session: 'x', values: 'nope' },
      { source: 'chanasync-port', version: 1, name: '', type: 'values', session: 'x', values: [1, 2] },
      { source: 'chanasync-port', version: 1, name: '', type: 'end', session: 'x', abort: false },
      { source: 'chanasync-port', version: 2, name: '', type: 'open', session: 'y' },
      { source: 'chanasync-port', version: 1, name: '', type: 'nonsense', session: 'z' },
      { source: 'chanasync-port', version: 1, name: 7, type: 'open', session: 'q' },
    ];
    for (const j of junk) port1.postMessage(j);
    await sleep(30);
    expect(remote.size).toBe(0);
    expect(remote.closed).toBe(false);
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    local.pushNowait(2);
    local.close();
    const result = await toPort(local, port1);
    expect(result).toEqual({ sent: 2, undelivered: [] });
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2]);
    closePorts(port1, port2);
  });

  it('junk from the receiver side does not disturb the sender', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    const done = toPort(local, port1);
    for (const j of [
      null,
      { source: 'chanasync-port', version: 1, name: '', type: 'credit', granted: -5 },
      { source: 'chanasync-port', version: 1, name: '', type: 'closed', session: 'nope', committed: 3 },
    ])
      port2.postMessage(j);
    await sleep(30);
    local.pushNowait(1);
    const remote = fromPort<number>(port2, { capacity: 2 });
    expect(await remote.pull()).toBe(1);
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    closePorts(port1, port2);
  });
});

describe('name multiplexing', () => {
  it('three named streams share one port; each receiver gets only its own values', async () => {
    const { port1, port2 } = new MessageChannel();
    const names = ['a', 'b', ''];
    const locals = names.map(() => new Channel<string>(Infinity));
    const remotes = names.map((name) => fromPort<string>(port2, { name, capacity: 1 }));
    const dones = names.map((name, i) => toPort(locals[i]!, port1, { name }));
    names.forEach((name, i) => {
      for (let k = 0; k < 20; k++) locals[i]!.pushNowait(`${name}${k}`);
      locals[i]!.close();
    });
    const results = await Promise.all(
      remotes.map(async (r) => {
        const got: string[] = [];
        for await (const v of r) got.push(v);
        return got;
      }),
    );
    for (const [i, name] of names.entries()) {
      expect(results[i]).toEqual(Array.from({ length: 20 }, (_, k) => `${name}${k}`));
    }
    for (const d of dones) expect((await d).sent).toBe(20);
    closePorts(port1, port2);
  });

  it('closing one named receiver does not affect another stream on the same port', async () => {
    const { port1, port2 } = new MessageChannel();
    const la = new Channel<number>(Infinity);
    const lb = new Channel<number>(Infinity);
    const ra = fromPort<number>(port2, { name: 'a', capacity: 1 });
    const rb = fromPort<number>(port2, { name: 'b', capacity: 1 });
    const da = toPort(la, port1, { name: 'a' });
    const db = toPort(lb, port1, { name: 'b' });
    la.pushNowait(1);
    lb.pushNowait(1);
    expect(await ra.pull()).toBe(1);
    ra.close();
    expect((await da).sent).toBe(1);
    lb.pushNowait(2);
    lb.close();
    expect(await rb.pull()).toBe(1);
    expect(await rb.pull()).toBe(2);
    expect((await db).sent).toBe(2);
    closePorts(port1, port2);
  });
});
