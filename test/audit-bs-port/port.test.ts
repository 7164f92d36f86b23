// Blind acceptance tests for chanasync/port over Node's MessageChannel (BS-port audit).
// Written from SPEC.md "Channels across contexts" and the README's port reference and
// Semantic details only.
import { getEventListeners } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { fromPort, GONE_AFTER_MS, isPortMessage, PING_AFTER_MS, type PortLike, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { drainAll, settle, track, until } from './helpers.js';

const opened: MessageChannel[] = [];
function pair(): MessageChannel {
  const mc = new MessageChannel();
  opened.push(mc);
  return mc;
}
afterEach(() => {
  for (const mc of opened.splice(0)) {
    mc.port1.close();
    mc.port2.close();
  }
});

const msgListeners = (p: unknown) => getEventListeners(p as EventTarget, 'message').length;

describe('order and loss', () => {
  it('1000 values arrive in FIFO order, each exactly once, with a slow random consumer', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(local, port1);
    const producer = (async () => {
      for (let i = 0; i < 1000; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (v % 97 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 1000, undelivered: [] });
  });

  it('structured-clonable values (objects, Map, Date, undefined, null) arrive as clones', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<unknown>(10);
    const values = [{ a: 1 }, new Map([[1, 'x']]), new Date(5), undefined, null, 0, '', [1, [2]]];
    await local.pushAll(values);
    local.close();
    const remote = fromPort<unknown>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const got: unknown[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual(values);
    expect(got[0]).not.toBe(values[0]);
    expect((await sending).sent).toBe(values.length);
  });

  it('several names multiplex over one port without mixing values', async () => {
    const { port1, port2 } = pair();
    const a = new Channel<string>(10);
    const b = new Channel<string>(10);
    await a.pushAll(['a1', 'a2', 'a3']);
    await b.pushAll(['b1', 'b2']);
    a.close();
    b.close();
    const ra = fromPort<string>(port2, { name: 'a', capacity: 1 });
    const rb = fromPort<string>(port2, { name: 'b', capacity: 1 });
    const sa = toPort(a, port1, { name: 'a' });
    const sb = toPort(b, port1, { name: 'b' });
    const [gotA, gotB] = await drainAll(ra, rb);
    expect(gotA).toEqual(['a1', 'a2', 'a3']);
    expect(gotB).toEqual(['b1', 'b2']);
    expect((await sa).sent).toBe(3);
    expect((await sb).sent).toBe(2);
  });

  it('a receiver that closes early: sent + undelivered + left in channel = everything, nothing duplicated', async () => {
    const { port1, port2 } = pair();
    const jobs = new Channel<number>(20);
    await jobs.pushAll(Array.from({ length: 20 }, (_, i) => i));
    const remote = fromPort<number>(port2, { capacity: 4 });
    const sending = toPort(jobs, port1);
    const first = [await remote.pull(), await remote.pull(), await remote.pull()];
    expect(first).toEqual([0, 1, 2]);
    remote.close();
    const readable: number[] = [];
    while (remote.size > 0) readable.push(remote.pullNowait());
    const { sent, undelivered } = await sending;
    // committed = the 3 pulled + what stayed readable in the closed channel
    expect(sent).toBe(3 + readable.length);
    const left: number[] = [];
    while (jobs.size > 0) left.push(jobs.pullNowait());
    const all = [...first, ...readable, ...undelivered, ...left];
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // the sender stops pulling at once: the local channel is not drained
    expect(left.length).toBeGreaterThan(0);
    jobs.close();
  });
});

describe('backpressure', () => {
  it('a full receiver holds the sender: in flight + buffered never exceeds the capacity', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(local, port1);
    const pushes = Array.from({ length: 10 }, (_, i) => track(local.push(i)));
    await until(() => remote.size === 3, 'remote buffer full');
    await settle(100);
    // only capacity values left the local channel
    expect(pushes.filter((p) => p.done).length).toBe(3);
    expect(remote.size).toBe(3);
    // each value pulled remotely lets one more through, eventually
    expect(await remote.pull()).toBe(0);
    await until(() => pushes.filter((p) => p.done).length >= 4, 'credit after one pull');
    await settle(60);
    expect(pushes.filter((p) => p.done).length).toBeLessThanOrEqual(4);
    const got: number[] = [0];
    while (got.length < 10) got.push(await remote.pull());
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    local.close();
    expect(await sending).toEqual({ sent: 10, undelivered: [] });
  });

  it('toPort never pulls ahead of its credit: a capacity-0 receiver with no pull takes nothing', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(5);
    await local.pushAll([1, 2, 3, 4, 5]);
    const remote = fromPort<number>(port2); // capacity 0
    const sending = toPort(local, port1);
    await settle(150);
    expect(local.size).toBe(5);
    expect(await remote.pull()).toBe(1);
    await settle(50);
    expect(local.size).toBe(4);
    remote.close();
    const r = await sending;
    expect(r).toEqual({ sent: 1, undelivered: [] });
    local.close();
  });

  it('capacity 0 is a rendezvous: push resolves only after a remote pull asked for the value', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const p = track(local.push('x'));
    await settle(150);
    expect(p.done).toBe(false);
    const pulled = remote.pull();
    await until(() => p.done, 'push resolved');
    expect(await pulled).toBe('x');
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('capacity 0: a remote pull that gives up (abort) takes its credit back', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const ac = new AbortController();
    const pulled = remote.pull({ signal: ac.signal }).catch((e) => e);
    await settle(100); // credit for the parked pull reaches the sender
    ac.abort();
    await pulled;
    await settle(150); // the revoked credit reaches the sender
    const p = track(local.push('late'));
    await settle(150);
    expect(p.done).toBe(false);
    expect(await remote.pull()).toBe('late');
    await until(() => p.done, 'push resolved');
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });
});

describe('close crossing the boundary', () => {
  it('close without reason: remote for-await ends normally after the last value', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(3);
    await local.pushAll([1, 2, 3]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(remote.closed).toBe(true);
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  it('close with an Error reason: the remote channel closes with the same reason after the last value', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(3);
    await local.pushAll([1, 2]);
    local.close(new RangeError('no more'));
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    const got: number[] = [];
    let caught: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (e) {
      caught = e;
    }
    expect(got).toEqual([1, 2]);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe('no more');
    expect((caught as Error).name).toBe('RangeError');
    const pullErr = await remote.pull().catch((e) => e);
    expect(pullErr).toBeInstanceOf(ChannelClosedError);
    expect((pullErr as Error).cause).toBe(caught);
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  it('close with a plain-object reason crosses as a clone', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    local.close({ code: 'quota', n: 3 });
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as Error).cause).toEqual({ code: 'quota', n: 3 });
    await sending;
  });

  it('a reason that cannot be cloned arrives as an Error whose message contains reason.message', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    local.close({ message: 'cannot clone me', fn: () => 1 });
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    const cause = (err as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.message).toContain('cannot clone me');
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
  });

  it('the receiver closing (with a reason) stops the sender; the reason stays on the receiving side', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const pushes = [track(local.push(1)), track(local.push(2)), track(local.push(3))];
    await until(() => remote.size === 2, 'buffered');
    remote.close(new Error('receiver done'));
    const r = await sending;
    expect(r.sent).toBe(2);
    expect(r.undelivered).toEqual([]);
    expect(local.closed).toBe(false); // the local channel is left to its owner
    await settle(50);
    expect(pushes[2]!.done).toBe(false); // value 3 was never pulled
    expect(local.pullNowait()).toBe(3);
    local.close();
  });

  it('toPort resolves when the local channel is closed after the credit ran out (bounded time)', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = track(toPort(local, port1));
    await local.push(1);
    await until(() => remote.size === 1, 'buffered');
    local.close();
    await until(() => sending.done, 'toPort settled', 3000);
    expect(sending.value).toEqual({ sent: 1, undelivered: [] });
    expect(await remote.pull()).toBe(1);
    await until(() => remote.closed, 'remote closed');
  });
});

describe('dead or closed port', () => {
  it('the sender closing its port: the receiving channel closes with a ChannelError saying the other side is gone', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    await settle(100); // the acknowledgement of value 1 travels back first
    port1.close();
    await until(() => remote.closed, 'remote closed', 7000);
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    const cause = (err as Error).cause;
    expect(cause).toBeInstanceOf(ChannelError);
    expect((cause as Error).message).toMatch(/gone/i);
    const r = await sending;
    expect(r.sent).toBe(1);
    local.close();
  });

  it('the receiver closing its port: toPort resolves with the values not acknowledged in undelivered', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    void local.push(1).catch(() => {});
    void local.push(2).catch(() => {});
    await until(() => remote.size === 2, 'buffered');
    await settle(50); // the acknowledgement of 1 and 2 travels back
    port2.close();
    const r = await sending;
    expect(r.sent + r.undelivered.length).toBe(2);
    // remaining local pushes are never pulled
    const p3 = track(local.push(3));
    await settle(50);
    expect(p3.done).toBe(false);
    expect(local.pullNowait()).toBe(3);
    local.close();
  });

  it('a peer that goes silent (no close event) is given up by the heartbeat within ~5.5 s, both sides', async () => {
    expect(PING_AFTER_MS).toBe(1000);
    expect(GONE_AFTER_MS).toBe(5000);
    // Two hand-made ports over a MessageChannel that can be cut without any close event.
    const { port1, port2 } = pair();
    let cut = false;
    const wrap = (p: MessagePort): PortLike => {
      const map = new Map<unknown, (e: unknown) => void>();
      return {
        postMessage(data: unknown, transfer?: Transferable[]) {
          if (!cut) p.postMessage(data, transfer as never);
        },
        addEventListener(type: string, fn: (e: unknown) => void) {
          if (type !== 'message') return;
          const w = (e: unknown) => {
            if (!cut) fn(e);
          };
          map.set(fn, w);
          p.addEventListener('message', w as never);
        },
        removeEventListener(type: string, fn: (e: unknown) => void) {
          if (type !== 'message') return;
          const w = map.get(fn);
          if (w) p.removeEventListener('message', w as never);
        },
      } as unknown as PortLike;
    };
    const local = new Channel<number>(0);
    const remote = fromPort<number>(wrap(port2), { capacity: 1 });
    const sending = track(toPort(local, wrap(port1)));
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    const p2 = track(local.push(2));
    await until(() => p2.done && remote.size === 1, 'second value buffered');
    await settle(50);
    cut = true;
    const t0 = Date.now();
    void local.push(3).catch(() => {}); // credit: 1 pull freed nothing — value 3 may be taken after the cut
    await until(() => remote.closed && sending.done, 'both sides gave up', 9000);
    const took = Date.now() - t0;
    expect(took).toBeLessThan(8000);
    const err = (await remote.pull().catch((e) => e)) as Error; // value 2 still readable first
    expect(err === (2 as unknown) || err instanceof ChannelClosedError).toBe(true);
    let closedErr: unknown = err;
    if ((err as unknown) === 2) closedErr = await remote.pull().catch((e) => e);
    expect(((closedErr as Error).cause as Error).message).toMatch(/gone/i);
    expect((closedErr as Error).cause).toBeInstanceOf(ChannelError);
    const r = sending.value!;
    // every value pulled is committed remotely or undelivered (2 may be in both: it was committed
    // just before the link died and its acknowledgement may not have been seen)
    expect(r.sent + r.undelivered.length).toBeGreaterThanOrEqual(2);
    local.close();
  }, 20_000);
});

describe('abort signals', () => {
  it('aborting toPort resolves it, the remote closes with signal.reason; values pulled but not posted are undelivered', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(5);
    await local.pushAll([1, 2, 3]);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const ac = new AbortController();
    const sending = toPort(local, port1, { signal: ac.signal });
    expect(await remote.pull()).toBe(1);
    ac.abort(new Error('stop sending'));
    const r = await sending;
    const got: number[] = [1];
    let caught: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).message).toBe('stop sending');
    // every value is somewhere exactly once
    const left: number[] = [];
    while (local.size) left.push(local.pullNowait());
    expect([...got, ...r.undelivered, ...left].sort()).toEqual([1, 2, 3]);
    expect(r.sent).toBe(got.length);
    local.close();
  });

  it('an already aborted toPort signal pulls and posts nothing; a receiver of that name stays open for the next sender', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(5);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const r = await toPort(local, port1, { signal: AbortSignal.abort(new Error('x')) });
    expect(r).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
    await settle(100);
    expect(remote.closed).toBe(false);
    local.close();
    const sending = toPort(local, port1);
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2]);
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  it('aborting fromPort signal closes the channel without reason: for-await ends normally, toPort resolves', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const ac = new AbortController();
    const remote = fromPort<number>(port2, { capacity: 2, signal: ac.signal });
    const sending = toPort(local, port1);
    void local.push(1);
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of remote) {
        got.push(v);
        ac.abort(new Error('ignored reason'));
      }
    })();
    await loop; // ends normally (no throw)
    expect(got).toEqual([1]);
    const r = await sending;
    expect(r.sent).toBe(1);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    local.close();
  });

  it('an already aborted fromPort signal: a closed channel, the port left alone', async () => {
    const { port2 } = pair();
    const before = msgListeners(port2);
    const remote = fromPort<number>(port2, { signal: AbortSignal.abort() });
    expect(remote.closed).toBe(true);
    expect(msgListeners(port2)).toBe(before);
  });

  it('toPort on a pairing stream: abort before any receiver answered resolves { sent: 0, undelivered: [] }', async () => {
    const { port1 } = pair();
    const local = new Channel<number>(1);
    await local.push(1);
    const ac = new AbortController();
    const sending = toPort(local, port1, { signal: ac.signal });
    await settle(50);
    ac.abort();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(1);
    expect(msgListeners(port1)).toBe(0);
    local.close();
  });
});

describe('channels and postMessage', () => {
  it('posting a channel through postMessage throws a DataCloneError naming chanasync/port', () => {
    const { port1 } = pair();
    const ch = new Channel<number>(1);
    let err: unknown;
    try {
      port1.postMessage({ jobs: ch });
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    expect((err as Error).name).toBe('DataCloneError');
    expect((err as Error).message).toContain('chanasync/port');
    expect(() => structuredClone(ch)).toThrow(/chanasync\/port/);
  });

  it('a fromPort channel can itself be forwarded with toPort (chaining over two ports)', async () => {
    const a = pair();
    const b = pair();
    const src = new Channel<number>(5);
    await src.pushAll([1, 2, 3]);
    src.close(new Error('end of chain'));
    const mid = fromPort<number>(a.port2, { capacity: 1 });
    const s1 = toPort(src, a.port1);
    const dst = fromPort<number>(b.port2, { capacity: 1 });
    const s2 = toPort(mid, b.port1);
    const got: number[] = [];
    const err = await (async () => {
      for await (const v of dst) got.push(v);
    })().catch((e) => e);
    expect(got).toEqual([1, 2, 3]);
    expect((err as Error).message).toBe('end of chain');
    expect((await s1).sent).toBe(3);
    expect((await s2).sent).toBe(3);
  });
});

describe('transfer', () => {
  it('transfer moves ArrayBuffers (detached on the sending side, intact on the receiving side)', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<ArrayBuffer>(2);
    const buf = new Uint8Array([1, 2, 3, 4]).buffer;
    await local.push(buf);
    local.close();
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 1 });
    const sending = toPort(local, port1, { transfer: (v) => [v] });
    const got = await remote.pull();
    expect([...new Uint8Array(got)]).toEqual([1, 2, 3, 4]);
    expect(buf.byteLength).toBe(0);
    expect((await sending).sent).toBe(1);
  });

  it('without transfer the buffer is copied (still usable on the sending side)', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<ArrayBuffer>(2);
    const buf = new Uint8Array([9, 8]).buffer;
    await local.push(buf);
    local.close();
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    const got = await remote.pull();
    expect([...new Uint8Array(got)]).toEqual([9, 8]);
    expect(buf.byteLength).toBe(2);
    await sending;
  });

  it('transfer returning a non-iterable rejects toPort with a TypeError carrying sent and undelivered', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 4 });
    const err = await toPort(local, port1, { transfer: () => 42 as never }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    const e = err as TypeError & { sent: number; undelivered: number[] };
    expect(typeof e.sent).toBe('number');
    expect(Array.isArray(e.undelivered)).toBe(true);
    const got: number[] = [];
    const closeErr = await (async () => {
      for await (const v of remote) got.push(v);
    })().catch((x) => x);
    expect(closeErr).toBeInstanceOf(Error);
    expect(e.sent + e.undelivered.length).toBe(2);
    expect(got.length).toBe(e.sent);
  });
});

describe('values that cannot be cloned', () => {
  it('rejects toPort with a TypeError carrying sent/undelivered; remote closes with an Error after the values before it', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<unknown>(5);
    await local.pushAll([1, 2, () => 3, 4]);
    const remote = fromPort<unknown>(port2, { capacity: 10 });
    const err = await toPort(local, port1).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    const e = err as TypeError & { sent: number; undelivered: unknown[] };
    const got: unknown[] = [];
    const closeErr = await (async () => {
      for await (const v of remote) got.push(v);
    })().catch((x) => x);
    expect(got).toEqual([1, 2]);
    expect(closeErr).toBeInstanceOf(Error);
    expect(e.sent).toBe(2);
    // the uncloneable value is undelivered; value 4 is either undelivered or never pulled
    expect(e.undelivered.length).toBeGreaterThanOrEqual(1);
    expect(typeof e.undelivered[0]).toBe('function');
    const left: unknown[] = [];
    while (local.size) left.push(local.pullNowait());
    expect([...e.undelivered.slice(1), ...left]).toEqual([4]);
    local.close();
  });
});

describe('bad arguments fail at the call', () => {
  it('toPort rejects a non-channel with a TypeError naming toPort', async () => {
    const { port1 } = pair();
    const err = await toPort({ pull() {} } as never, port1).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/toPort/);
  });

  it('toPort rejects a port without postMessage/addEventListener', async () => {
    const ch = new Channel<number>(1);
    for (const bad of [null, undefined, {}, { postMessage() {} }, 42]) {
      const err = await toPort(ch, bad as never).catch((e) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/toPort/);
    }
    ch.close();
  });

  it('toPort rejects a bad option (name, signal, transfer)', async () => {
    const { port1 } = pair();
    const ch = new Channel<number>(1);
    for (const opts of [{ name: 5 }, { name: null }, { signal: {} }, { transfer: 'x' }]) {
      const err = await toPort(ch, port1, opts as never).catch((e) => e);
      expect(err, JSON.stringify(opts)).toBeInstanceOf(TypeError);
    }
    expect(msgListeners(port1)).toBe(0);
    ch.close();
  });

  it('fromPort throws TypeError for a bad port or option, RangeError for a bad capacity', () => {
    const { port2 } = pair();
    expect(() => fromPort({} as never)).toThrow(TypeError);
    expect(() => fromPort(null as never)).toThrow(TypeError);
    expect(() => fromPort(port2, { name: 3 as never })).toThrow(TypeError);
    expect(() => fromPort(port2, { name: null as never })).toThrow(TypeError);
    expect(() => fromPort(port2, { capacity: null as never })).toThrow(TypeError);
    expect(() => fromPort(port2, { capacity: -1 })).toThrow(RangeError);
    expect(() => fromPort(port2, { capacity: 1.5 })).toThrow(RangeError);
    expect(() => fromPort(port2, { capacity: Number.NaN })).toThrow(RangeError);
    expect(() => fromPort(port2, { origin: 'not a url' })).toThrow(TypeError);
    expect(() => fromPort(port2, { origin: 'null' })).toThrow(TypeError);
    expect(() => fromPort(port2, { signal: {} as never })).toThrow(TypeError);
    // messages name the function
    expect(() => fromPort({} as never)).toThrow(/fromPort/);
    expect(() => fromPort(port2, { capacity: -1 })).toThrow(/fromPort/);
    // nothing left behind by the failed calls
    expect(msgListeners(port2)).toBe(0);
  });

  it('a second fromPort or toPort of the same name on the same port is a TypeError', async () => {
    const { port1, port2 } = pair();
    const r1 = fromPort(port2, { name: 'n' });
    expect(() => fromPort(port2, { name: 'n' })).toThrow(TypeError);
    const other = fromPort(port2, { name: 'other' }); // another name is fine
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const s1 = toPort(ch, port1, { name: 'n', signal: ac.signal });
    const err = await toPort(ch, port1, { name: 'n' }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    ac.abort();
    await s1;
    r1.close();
    other.close();
    // after close the name is free again
    const r2 = fromPort(port2, { name: 'n' });
    r2.close();
    ch.close();
  });
});

describe('foreign traffic', () => {
  it('malformed and foreign messages on the port are ignored; isPortMessage tells them apart', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const garbage = [
      null,
      42,
      'str',
      { source: 'chanasync-port' },
      { source: 'chanasync-port', version: 1, name: '', type: 'values', values: 'no' },
      { source: 'chanasync-port', version: 2, name: '', type: 'end' },
      { source: 'other', type: 'values', values: [99] },
    ];
    for (const g of garbage) {
      port1.postMessage(g);
      port2.postMessage(g);
      expect(isPortMessage(g)).toBe(false);
    }
    await local.pushAll([1, 2, 3]);
    local.close();
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });
});

describe('nothing left behind', () => {
  it('after a stream ends, no message listener is left on either port and no timer keeps running', async () => {
    const { port1, port2 } = pair();
    const l1 = msgListeners(port1);
    const l2 = msgListeners(port2);
    const local = new Channel<number>(3);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    expect(msgListeners(port1)).toBeGreaterThan(l1);
    expect(msgListeners(port2)).toBeGreaterThan(l2);
    await local.pushAll([1, 2, 3]);
    local.close();
    for await (const _ of remote) {
      /* drain */
    }
    await sending;
    await until(() => msgListeners(port1) === l1 && msgListeners(port2) === l2, 'listeners removed', 2000);
    await until(() => !process.getActiveResourcesInfo().includes('Timeout'), 'timers cleared', 2000);
  });

  it('after the receiver closes and after an abort, listeners are removed', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(3);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    remote.close();
    await sending;
    await until(() => msgListeners(port1) === 0 && msgListeners(port2) === 0, 'listeners removed', 2000);
    // fromPort closed before any sender: listener removed at once
    const lonely = fromPort<number>(port1, { name: 'lonely' });
    expect(msgListeners(port1)).toBe(1);
    lonely.close();
    expect(msgListeners(port1)).toBe(0);
    local.close();
    await until(() => !process.getActiveResourcesInfo().includes('Timeout'), 'timers cleared', 2000);
  });

  it('getEventListeners on close/messageerror too: nothing left on a MessagePort after the streams end', async () => {
    const { port1, port2 } = pair();
    const names = ['message', 'close', 'messageerror'] as const;
    const count = (p: unknown) => names.reduce((n, t) => n + getEventListeners(p as EventTarget, t).length, 0);
    const local = new Channel<number>(1);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await local.push(7);
    local.close();
    expect(await remote.pull()).toBe(7);
    await sending;
    await until(() => remote.closed, 'closed');
    await until(() => count(port1) === 0 && count(port2) === 0, 'all listeners removed', 2000);
  });
});

describe('more edges', () => {
  it('a toPort started before its fromPort pairs once the receiver appears', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(3);
    await local.pushAll([1, 2, 3]);
    local.close();
    const sending = toPort(local, port1);
    await settle(80);
    expect(local.size).toBe(3); // nothing pulled before a receiver answered
    const remote = fromPort<number>(port2, { capacity: 1 });
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  it('two toPorts reading one channel: each value goes to exactly one of them', async () => {
    const a = pair();
    const b = pair();
    const src = new Channel<number>(0);
    const ra = fromPort<number>(a.port2, { capacity: 2 });
    const rb = fromPort<number>(b.port2, { capacity: 2 });
    const sa = toPort(src, a.port1);
    const sb = toPort(src, b.port1);
    const producer = (async () => {
      for (let i = 0; i < 200; i++) await src.push(i);
      src.close();
    })();
    const got: number[] = [];
    await Promise.all(
      [ra, rb].map(async (r) => {
        for await (const v of r) got.push(v);
      }),
    );
    await producer;
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const [ya, yb] = await Promise.all([sa, sb]);
    expect(ya.sent + yb.sent).toBe(200);
  });

  it('toPort(channel, port, signal) — a signal in place of the options — is a TypeError', async () => {
    const { port1 } = pair();
    const ch = new Channel<number>(1);
    const err = await toPort(ch, port1, new AbortController().signal as never).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    ch.close();
  });

  it('aborting toPort with the default reason: the remote closes with an Error naming AbortError', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const ac = new AbortController();
    const sending = toPort(local, port1, { signal: ac.signal });
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    ac.abort();
    const r = await sending;
    expect(r).toEqual({ sent: 1, undelivered: [] });
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    const cause = (err as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(`${cause.name} ${cause.message}`).toMatch(/AbortError/);
    local.close();
  });

  it('a capacity-0 fromPort whose consumer only polls (tryPull) receives nothing (documented)', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    await local.push(1);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    await settle(100);
    expect(remote.tryPull()).toBeUndefined();
    expect(local.size).toBe(1);
    remote.close();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    local.close();
  });

  it('aborting toPort when the local channel closed but the end waits for room closes the remote at once', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 1 });
    const ac = new AbortController();
    const sending = toPort(local, port1, { signal: ac.signal });
    await until(() => remote.size === 1, 'one buffered');
    ac.abort(new Error('cut'));
    const r = await sending;
    await until(() => remote.closed, 'remote closed at once');
    const got: number[] = [];
    const err = await (async () => {
      for await (const v of remote) got.push(v);
    })().catch((e) => e);
    expect((err as Error).message).toBe('cut');
    const left: number[] = [];
    while (local.size) left.push(local.pullNowait());
    expect([...got, ...r.undelivered, ...left]).toEqual([1, 2, 3]);
    expect(r.sent).toBe(got.length);
  });
});

describe('a terminated worker_threads Worker', () => {
  it('toPort to a port handed to a Worker resolves when the Worker is terminated; nothing lost', async () => {
    const { Worker } = await import('node:worker_threads');
    const portUrl = new URL('../../dist/port.js', import.meta.url).href;
    const { port1, port2 } = pair();
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(${JSON.stringify(portUrl)}).then(async ({ fromPort }) => {
        const ch = fromPort(workerData.port, { capacity: 2 });
        for await (const v of ch) {
          parentPort.postMessage(v);
          await new Promise((r) => setTimeout(r, 20));
        }
      });`;
    const worker = new Worker(code, { eval: true, workerData: { port: port2 }, transferList: [port2 as never] });
    const local = new Channel<number>(50);
    await local.pushAll(Array.from({ length: 50 }, (_, i) => i));
    const seen: number[] = [];
    worker.on('message', (v: number) => seen.push(v));
    const sending = toPort(local, port1);
    await until(() => seen.length >= 3, 'worker consumed a few', 10_000);
    await worker.terminate();
    const r = await sending;
    const left: number[] = [];
    while (local.size) left.push(local.pullNowait());
    // everything pulled is sent or undelivered; together with what is left, all 50, none twice
    expect(r.sent + r.undelivered.length + left.length).toBe(50);
    expect([...r.undelivered, ...left]).toEqual(Array.from({ length: 50 - r.sent }, (_, i) => i + r.sent));
    expect(r.sent).toBeGreaterThanOrEqual(seen.length);
    local.close();
    await until(() => msgListeners(port1) === 0, 'listener removed', 2000);
  }, 20_000);
});
