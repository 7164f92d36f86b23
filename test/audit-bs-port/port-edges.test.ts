// Blind acceptance tests for chanasync/port (BS-port audit), part 2: invariants under random
// schedules, re-pairing, disposal, hand-made ports and message-level checks.
import { getEventListeners } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { after, Channel, ChannelClosedError, pull, select } from 'chanasync';
import { fromPort, isPortMessage, type PortLike, toPort } from 'chanasync/port';
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

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Watches the sender's port: counts values posted in `values` messages. */
function spyPort(p: MessagePort, onValues: (n: number) => void): PortLike {
  return {
    postMessage(data: unknown, transfer?: Transferable[]) {
      if (isPortMessage(data) && data.type === 'values') onValues(data.values.length);
      p.postMessage(data, transfer as never);
    },
    addEventListener: p.addEventListener.bind(p) as never,
    removeEventListener: p.removeEventListener.bind(p) as never,
  } as unknown as PortLike;
}

describe('credit invariant', () => {
  for (const capacity of [1, 3, 8]) {
    it(`posted-but-uncommitted + buffered never exceeds capacity ${capacity}`, async () => {
      const { port1, port2 } = pair();
      let posted = 0;
      let committedSeen = 0;
      let worst = 0;
      const local = new Channel<number>(0);
      const remote = fromPort<number>(port2, { capacity });
      // committed = consumed + buffered; posted - committed = in flight
      const check = () => {
        const inFlightAndBuffered = posted - committedSeen;
        worst = Math.max(worst, inFlightAndBuffered);
      };
      const sending = toPort(
        local,
        spyPort(port1, (n) => {
          posted += n;
          check();
        }),
      );
      const producer = (async () => {
        for (let i = 0; i < 300; i++) await local.push(i);
        local.close();
      })();
      const r = rng(capacity);
      const got: number[] = [];
      for await (const v of remote) {
        got.push(v);
        committedSeen++;
        check();
        if (r() < 0.1) await new Promise((res) => setTimeout(res, 2));
      }
      await producer;
      expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
      // values posted and not consumed: in flight + buffered remotely
      expect(worst).toBeLessThanOrEqual(capacity);
      expect(await sending).toEqual({ sent: 300, undelivered: [] });
    });
  }

  it('capacity 0: one value in flight per parked pull, three parked pulls take three values', async () => {
    const { port1, port2 } = pair();
    let posted = 0;
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5]);
    const remote = fromPort<number>(port2);
    const sending = toPort(
      local,
      spyPort(port1, (n) => (posted += n)),
    );
    const pulls = [remote.pull(), remote.pull(), remote.pull()];
    expect(await Promise.all(pulls)).toEqual([0, 1, 2]);
    await settle(100);
    expect(posted).toBe(3);
    expect(local.size).toBe(3);
    remote.close();
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
    local.close();
  });
});

describe('random schedules: nothing lost, duplicated or reordered', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}`, async () => {
      const r = rng(seed * 7919);
      const { port1, port2 } = pair();
      const N = 60;
      const localCap = Math.floor(r() * 4);
      const remoteCap = Math.floor(r() * 5);
      const local = new Channel<number>(localCap);
      const remote = fromPort<number>(port2, { capacity: remoteCap });
      const ac = new AbortController();
      const ending = Math.floor(r() * 3); // 0: sender closes, 1: receiver closes, 2: sender aborts
      const stopAt = 10 + Math.floor(r() * 40);
      const sending = toPort(local, port1, { signal: ac.signal });
      let pushedCount = 0;
      const producer = (async () => {
        try {
          for (let i = 0; i < N; i++) {
            await local.push(i);
            pushedCount++;
          }
          if (ending === 0) local.close(new Error('done'));
        } catch {
          /* local closed by the test */
        }
      })();
      const consumed: number[] = [];
      let finalError: unknown;
      try {
        while (true) {
          const k = r();
          if (ending !== 0 && consumed.length >= stopAt) {
            if (ending === 1) remote.close();
            else ac.abort(new Error('aborted'));
            break;
          }
          if (k < 0.5) consumed.push(await remote.pull());
          else if (k < 0.7) consumed.push(...(await remote.pullMany(1 + Math.floor(r() * 4))));
          else if (k < 0.8) {
            const v = remote.tryPull();
            if (v !== undefined) consumed.push(v);
            else await new Promise((res) => setTimeout(res, 1));
          } else if (k < 0.9) {
            const c = new AbortController();
            const p = remote.pull({ signal: c.signal });
            if (r() < 0.5) c.abort();
            else await new Promise((res) => setTimeout(res, 1));
            c.abort();
            const res = await p.then(
              (v) => ({ v }),
              (e) => ({ e }),
            );
            if ('v' in res) consumed.push(res.v);
            else if (res.e instanceof ChannelClosedError) throw res.e;
          } else {
            await new Promise((res) => setTimeout(res, r() * 3));
          }
        }
      } catch (e) {
        finalError = e;
      }
      const result = await sending;
      // drain what stayed readable remotely
      const readable: number[] = [];
      while (true) {
        const v = remote.tryPull();
        if (v === undefined) break;
        readable.push(v);
      }
      local.close();
      await producer;
      const left: number[] = [];
      while (local.size) left.push(local.pullNowait());
      const received = [...consumed, ...readable];
      expect(received).toEqual(Array.from({ length: received.length }, (_, i) => i));
      expect(result.sent).toBe(received.length);
      const all = [...received, ...result.undelivered, ...left];
      expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i));
      // everything pushed is somewhere
      expect(all.length).toBeGreaterThanOrEqual(pushedCount);
      if (ending === 0) {
        expect(received.length).toBe(N);
        expect((finalError as ChannelClosedError).cause).toMatchObject({ message: 'done' });
      }
      await until(() => msgListeners(port1) === 0 && msgListeners(port2) === 0, 'listeners gone', 3000);
    });
  }
});

describe('pairing and re-pairing', () => {
  it('a fromPort created right after its predecessor closed never takes values posted for the predecessor', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(10);
    await local.pushAll([1, 2, 3, 4, 5, 6]);
    const r1 = fromPort<number>(port2, { name: 'n', capacity: 2 });
    const s1 = toPort(local, port1, { name: 'n' });
    expect(await r1.pull()).toBe(1);
    r1.close();
    const r2 = fromPort<number>(port2, { name: 'n', capacity: 2 });
    const res1 = await s1;
    await settle(100);
    expect(r2.size).toBe(0);
    // the second sender pairs with r2 and sends what the first left
    const s2 = toPort(local, port1, { name: 'n' });
    local.close();
    const got: number[] = [];
    for await (const v of r2) got.push(v);
    const res2 = await s2;
    // r1 got 1 (+ maybe what was buffered), s1's undelivered are lost to the app only if not listed
    const r1Readable: number[] = [];
    while (r1.size) r1Readable.push(r1.pullNowait());
    expect([1, ...r1Readable, ...res1.undelivered, ...got]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(res1.sent).toBe(1 + r1Readable.length);
    expect(res2).toEqual({ sent: got.length, undelivered: [] });
  });

  it('a toPort pairs only with a fromPort of its own name', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(2);
    await local.push(1);
    const other = fromPort<number>(port2, { name: 'other', capacity: 2 });
    const ac = new AbortController();
    const sending = toPort(local, port1, { name: 'mine', signal: ac.signal });
    await settle(150);
    expect(other.size).toBe(0);
    expect(local.size).toBe(1);
    ac.abort();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    other.close();
    local.close();
  });

  it('a closed and empty local channel: toPort resolves { sent: 0 } and the remote closes normally', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(1);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 1 });
    const got: number[] = [];
    const sending = toPort(local, port1);
    for await (const v of remote) got.push(v);
    expect(got).toEqual([]);
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
  });
});

describe('iteration and disposal of a fromPort channel', () => {
  it('breaking a for-await over a fromPort channel does not close it and loses no value', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(6);
    await local.pushAll([1, 2, 3, 4, 5, 6]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (v === 2) break;
    }
    expect(remote.closed).toBe(false);
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await sending).toEqual({ sent: 6, undelivered: [] });
  });

  it('await using a fromPort channel closes it at the end of the block and stops the sender', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(6);
    await local.pushAll([1, 2, 3, 4, 5, 6]);
    let sending!: Promise<{ sent: number; undelivered: number[] }>;
    let first!: number;
    let ref!: Channel<number>;
    {
      await using remote = fromPort<number>(port2, { capacity: 1 });
      ref = remote;
      sending = toPort(local, port1);
      first = await remote.pull();
    }
    expect(first).toBe(1);
    expect(ref.closed).toBe(true);
    const r = await sending;
    const readable: number[] = [];
    while (ref.size) readable.push(ref.pullNowait());
    const left: number[] = [];
    while (local.size) left.push(local.pullNowait());
    expect([1, ...readable, ...r.undelivered, ...left]).toEqual([1, 2, 3, 4, 5, 6]);
    local.close();
  });

  it('select over a capacity-0 fromPort channel commits exactly one case', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(port2);
    const other = new Channel<string>(1);
    const sending = toPort(local, port1);
    const producer = track(local.push('remote'));
    await settle(60);
    expect(producer.done).toBe(false); // no pull parked yet
    await other.push('local');
    const res = await select([pull(remote), pull(other)]);
    expect(res.index).toBe(1);
    expect(res.value).toBe('local');
    // the remote value is not lost: the next pull gets it
    expect(await remote.pull()).toBe('remote');
    await until(() => producer.done, 'producer resolved');
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    other.close();
  });
});

describe('hand-made ports', () => {
  it('an emitter-style port (on/off via addEventListener delivering raw data) works', async () => {
    const { port1, port2 } = pair();
    const wrap = (p: MessagePort): PortLike => {
      const map = new Map<unknown, (e: MessageEvent) => void>();
      return {
        postMessage: (d: unknown) => p.postMessage(d),
        addEventListener(type: string, fn: (d: unknown) => void) {
          if (type !== 'message') return;
          const w = (e: MessageEvent) => fn(e.data);
          map.set(fn, w);
          p.addEventListener('message', w as never);
        },
        removeEventListener(type: string, fn: unknown) {
          const w = map.get(fn);
          if (type === 'message' && w) p.removeEventListener('message', w as never);
        },
      } as unknown as PortLike;
    };
    const local = new Channel<number>(3);
    await local.pushAll([1, 2, 3]);
    local.close();
    const remote = fromPort<number>(wrap(port2), { capacity: 1 });
    const sending = toPort(local, wrap(port1));
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
    await until(() => msgListeners(port1) === 0 && msgListeners(port2) === 0, 'listeners removed', 2000);
  });

  it('a port whose postMessage throws synchronously rejects toPort with the values accounted for', async () => {
    const { port1, port2 } = pair();
    let fail = false;
    const flaky: PortLike = {
      postMessage(d: unknown, t?: Transferable[]) {
        if (fail && isPortMessage(d) && d.type === 'values') throw new Error('port broke');
        port1.postMessage(d, t as never);
      },
      addEventListener: port1.addEventListener.bind(port1) as never,
      removeEventListener: port1.removeEventListener.bind(port1) as never,
    } as unknown as PortLike;
    const local = new Channel<number>(5);
    await local.pushAll([1, 2, 3, 4, 5]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = track(toPort(local, flaky));
    expect(await remote.pull()).toBe(1);
    fail = true;
    await until(() => sending.done, 'toPort settled', 8000);
    const outcome = sending.error ?? sending.value;
    const { sent, undelivered } = outcome as { sent: number; undelivered: number[] };
    const left: number[] = [];
    while (local.size) left.push(local.pullNowait());
    const readable: number[] = [];
    while (remote.size) readable.push(remote.pullNowait());
    expect([1, ...readable]).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    expect([...undelivered, ...left]).toEqual(Array.from({ length: 5 - sent }, (_, i) => i + 1 + sent));
    local.close();
    remote.close();
  }, 15_000);
});

describe('batching, transfer and unbounded credit', () => {
  it('values pulled in one turn travel in one message (100 buffered values, capacity 100: a few messages)', async () => {
    const { port1, port2 } = pair();
    let messages = 0;
    const local = new Channel<number>(100);
    await local.pushAll(Array.from({ length: 100 }, (_, i) => i));
    local.close();
    const remote = fromPort<number>(port2, { capacity: 100 });
    const sending = toPort(
      local,
      spyPort(port1, () => messages++),
    );
    await until(() => remote.size === 100, 'all buffered');
    expect(messages).toBeLessThanOrEqual(4);
    const got = await remote.pullMany(100);
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 100, undelivered: [] });
  });

  it('fromPort capacity Infinity: unbounded credit, all values buffered', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: Infinity });
    const sending = toPort(local, port1);
    for (let i = 0; i < 500; i++) await local.push(i);
    local.close();
    await until(() => remote.size === 500, 'all buffered');
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 500, undelivered: [] });
  });

  it('undelivered values whose buffers were transferred come back detached (values waiting for room when the receiver closes)', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<ArrayBuffer>(4);
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 2 });
    const sending = toPort(local, port1, { transfer: (b) => [b] });
    await settle(80); // credit of 2 reaches the sender
    // code on the receiving side fills the channel itself: the values posted find no room
    expect(remote.tryPush(new ArrayBuffer(1))).toBe(true);
    expect(remote.tryPush(new ArrayBuffer(1))).toBe(true);
    const b1 = new Uint8Array([1]).buffer;
    const b2 = new Uint8Array([2]).buffer;
    await local.pushAll([b1, b2]);
    await until(() => b1.byteLength === 0 && b2.byteLength === 0, 'posted (transferred)');
    await settle(60);
    remote.close();
    const r = await sending;
    expect(r.sent).toBe(0);
    expect(r.undelivered).toHaveLength(2);
    expect(r.undelivered[0]).toBe(b1);
    expect(r.undelivered[0]!.byteLength).toBe(0); // detached, as documented
    local.close();
  });
});

describe('closing a port on either side', () => {
  it('the receiver closing its own port: its channel closes as gone, committed values stay readable', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(3);
    await local.pushAll([1, 2, 3]);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(local, port1);
    await until(() => remote.size === 3, 'buffered');
    await settle(60);
    port2.close();
    await until(() => remote.closed, 'receiver closed', 7000);
    expect([remote.pullNowait(), remote.pullNowait(), remote.pullNowait()]).toEqual([1, 2, 3]);
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(String((err as Error).cause)).toMatch(/gone/i);
    const r = await sending;
    expect(r.sent + r.undelivered.length).toBe(3);
    local.close();
  });
});

describe('races at the close, listeners and timers', () => {
  it('a push in the same turn as the receiver close is either undelivered or left in the local channel, never lost', async () => {
    for (let round = 0; round < 5; round++) {
      const { port1, port2 } = pair();
      const local = new Channel<number>(0);
      const remote = fromPort<number>(port2, { capacity: 4 });
      const sending = toPort(local, port1);
      await local.push(0);
      expect(await remote.pull()).toBe(0);
      await settle(30); // credit is back at 4
      remote.close();
      const late = [track(local.push(1)), track(local.push(2))];
      const r = await sending;
      await settle(20);
      const left: number[] = [];
      while (local.size || late.some((p) => !p.done)) {
        const v = local.tryPull();
        if (v === undefined) break;
        left.push(v);
      }
      const readable: number[] = [];
      while (remote.size) readable.push(remote.pullNowait());
      expect([0, ...readable, ...r.undelivered, ...left]).toEqual([0, 1, 2]);
      expect(r.sent).toBe(1 + readable.length);
      local.close();
      await Promise.all(late.map((p) => p.p.catch(() => {})));
    }
  });

  it('signal listeners are removed once toPort and fromPort streams end', async () => {
    const { port1, port2 } = pair();
    const sAc = new AbortController();
    const rAc = new AbortController();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 1, signal: rAc.signal });
    const sending = toPort(local, port1, { signal: sAc.signal });
    expect(getEventListeners(sAc.signal, 'abort').length).toBeGreaterThan(0);
    expect(getEventListeners(rAc.signal, 'abort').length).toBeGreaterThan(0);
    for await (const _ of remote) {
      /* drain */
    }
    await sending;
    await until(
      () => getEventListeners(sAc.signal, 'abort').length === 0 && getEventListeners(rAc.signal, 'abort').length === 0,
      'abort listeners removed',
      2000,
    );
    sAc.abort(); // too late: nothing happens
  });

  it('a toPort aborted while pairing leaves no timer and no listener (no receiver ever came)', async () => {
    const { port1 } = pair();
    const local = new Channel<number>(1);
    const ac = new AbortController();
    const sending = toPort(local, port1, { signal: ac.signal });
    await settle(1200); // it re-posts open every second
    ac.abort();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    expect(msgListeners(port1)).toBe(0);
    await until(() => !process.getActiveResourcesInfo().includes('Timeout'), 'timers cleared', 2000);
    local.close();
  });

  it('an idle stream is not taken for dead: after 6.5 s of no traffic values still flow', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = track(toPort(local, port1));
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    await settle(6500);
    expect(remote.closed).toBe(false);
    expect(sending.done).toBe(false);
    await local.push(2);
    expect(await remote.pull()).toBe(2);
    local.close();
    expect(await sending.p).toEqual({ sent: 2, undelivered: [] });
  }, 20_000);

  it('both sides frozen together (event loop blocked 6 s) resume where they were, nothing lost', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const producer = (async () => {
      for (let i = 0; i < 20; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (v === 5) {
        const end = Date.now() + 6000;
        while (Date.now() < end) {
          /* a frozen thread */
        }
      }
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 20, undelivered: [] });
  }, 30_000);
});

describe('port shapes', () => {
  it('a toPort aborted before its (existing) receiver answered: the receiver closes with the reason', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const ac = new AbortController();
    const sending = toPort(local, port1, { signal: ac.signal });
    ac.abort(new Error('early'));
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
    await until(() => remote.closed, 'receiver closed', 3000);
    const err = await remote.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(((err as Error).cause as Error).message).toBe('early');
    local.close();
  });

  it('a synchronous loopback port (one EventTarget whose posts reach its own listeners) carries a stream', async () => {
    const target = new EventTarget();
    const loop = {
      postMessage(data: unknown) {
        target.dispatchEvent(new MessageEvent('message', { data: structuredClone(data) }));
      },
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
    } as unknown as PortLike;
    const local = new Channel<number>(0);
    const remote = fromPort<number>(loop, { name: 'l', capacity: 2 });
    const sending = toPort(local, loop, { name: 'l' });
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await local.push(i);
      local.close(new Error('loop end'));
    })();
    const got: number[] = [];
    const err = await (async () => {
      for await (const v of remote) got.push(v);
    })().catch((e) => e);
    await producer;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((err as Error).message).toBe('loop end');
    expect(await sending).toEqual({ sent: 50, undelivered: [] });
  });

  it('both directions with the same name over one MessageChannel do not mix', async () => {
    const { port1, port2 } = pair();
    const aToB = new Channel<string>(5);
    const bToA = new Channel<string>(5);
    await aToB.pushAll(['a1', 'a2', 'a3']);
    await bToA.pushAll(['b1', 'b2']);
    aToB.close();
    bToA.close();
    const atB = fromPort<string>(port2, { name: 'x', capacity: 1 });
    const atA = fromPort<string>(port1, { name: 'x', capacity: 1 });
    const s1 = toPort(aToB, port1, { name: 'x' });
    const s2 = toPort(bToA, port2, { name: 'x' });
    const [gotB, gotA] = await drainAll(atB, atA);
    expect(gotB).toEqual(['a1', 'a2', 'a3']);
    expect(gotA).toEqual(['b1', 'b2']);
    expect(await s1).toEqual({ sent: 3, undelivered: [] });
    expect(await s2).toEqual({ sent: 2, undelivered: [] });
  });

  it('a BroadcastChannel: the stream runs on the first receiver that answers, the other takes none', async () => {
    const id = `bs-port-${Math.random()}`;
    const bc1 = new BroadcastChannel(id);
    const bc2 = new BroadcastChannel(id);
    const bc3 = new BroadcastChannel(id);
    try {
      const local = new Channel<number>(10);
      await local.pushAll(Array.from({ length: 10 }, (_, i) => i));
      local.close();
      const r2 = fromPort<number>(bc2 as unknown as PortLike, { capacity: 2 });
      const r3 = fromPort<number>(bc3 as unknown as PortLike, { capacity: 2 });
      const sending = toPort(local, bc1 as unknown as PortLike);
      const got2: number[] = [];
      const got3: number[] = [];
      const drain = async (r: Channel<number>, into: number[]) => {
        try {
          for await (const v of r) into.push(v);
        } catch {
          /* the loser may close as gone */
        }
      };
      const d2 = drain(r2, got2);
      const d3 = drain(r3, got3);
      const res = await sending;
      expect(res).toEqual({ sent: 10, undelivered: [] });
      await until(() => got2.length + got3.length === 10, 'all received');
      const winner = got2.length ? got2 : got3;
      expect(winner).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(Math.min(got2.length, got3.length)).toBe(0);
      r2.close();
      r3.close();
      await Promise.all([d2, d3]);
    } finally {
      bc1.close();
      bc2.close();
      bc3.close();
    }
  });
});

describe('capacity 0 under churn', () => {
  it('a pull that gives up while its value is on the way: the value waits for the next pull, exactly once', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const ac = new AbortController();
    const parked = remote.pull({ signal: ac.signal }).catch((e) => e);
    await settle(60); // its credit reaches the sender
    const pushed = track(local.push('v'));
    ac.abort(); // same turn: the value is already taken by toPort
    expect(await parked).toBeInstanceOf(Error);
    await until(() => pushed.done, 'push resolved (documented: on the old credit)');
    expect(await remote.pull()).toBe('v');
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('…and if the receiving channel closes first, the value is undelivered', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const ac = new AbortController();
    const parked = remote.pull({ signal: ac.signal }).catch((e) => e);
    await settle(60);
    const pushed = track(local.push('v'));
    ac.abort();
    await parked;
    await until(() => pushed.done, 'push resolved');
    await settle(60); // the value arrives and waits, not committed
    remote.close();
    expect(await sending).toEqual({ sent: 0, undelivered: ['v'] });
    local.close();
  });

  it('select with a short timeout in a loop over a capacity-0 fromPort: every value exactly once, in order', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const producer = (async () => {
      for (let i = 0; i < 40; i++) {
        await local.push(i);
        if (i % 3 === 0) await new Promise((r) => setTimeout(r, 3));
      }
      local.close();
    })();
    const got: number[] = [];
    let timeouts = 0;
    while (true) {
      const t = after(2);
      const res = await select([pull(remote), pull(t)]);
      t.close();
      if (res.index === 1) {
        timeouts++;
        continue;
      }
      if (!res.ok) break;
      got.push(res.value as number);
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 40, undelivered: [] });
    expect(timeouts).toBeGreaterThanOrEqual(0);
  });

  it('pullMany on a capacity-0 fromPort is a demand: it receives at least one value', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(3);
    await local.pushAll([0, 1, 2]);
    local.close();
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const first = await remote.pullMany(3);
    expect(first.length).toBeGreaterThanOrEqual(1);
    const rest: number[] = [];
    for await (const v of remote) rest.push(v);
    expect([...first, ...rest]).toEqual([0, 1, 2]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  it('several streams on one port share one message listener', async () => {
    const { port1, port2 } = pair();
    const rs = ['a', 'b', 'c'].map((name) => fromPort<number>(port2, { name }));
    expect(msgListeners(port2)).toBe(1);
    rs[0]!.close();
    expect(msgListeners(port2)).toBe(1);
    rs[1]!.close();
    rs[2]!.close();
    expect(msgListeners(port2)).toBe(0);
    void port1;
  });
});

describe('reasons and transfer details', () => {
  for (const reason of [null, 0, '', false, 'stop', 42n]) {
    it(`close(${typeof reason === 'bigint' ? '42n' : JSON.stringify(reason)}) — a reason other than undefined — crosses and is thrown by for-await`, async () => {
      const { port1, port2 } = pair();
      const local = new Channel<number>(1);
      await local.push(1);
      local.close(reason);
      const remote = fromPort<number>(port2, { capacity: 1 });
      const sending = toPort(local, port1);
      const got: number[] = [];
      let threw = false;
      let thrown: unknown;
      try {
        for await (const v of remote) got.push(v);
      } catch (e) {
        threw = true;
        thrown = e;
      }
      expect(got).toEqual([1]);
      expect(threw).toBe(true);
      expect(thrown).toBe(reason);
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
    });
  }

  it('two views of one ArrayBuffer in one batch: transferred once, both arrive sharing it', async () => {
    const { port1, port2 } = pair();
    const buf = new ArrayBuffer(8);
    const a = new Uint8Array(buf, 0, 4).fill(1);
    const b = new Uint8Array(buf, 4, 4).fill(2);
    const local = new Channel<Uint8Array>(2);
    await local.pushAll([a, b]);
    local.close();
    const remote = fromPort<Uint8Array>(port2, { capacity: 2 });
    let calls = 0;
    const sending = toPort(local, port1, {
      transfer: (v) => {
        calls++;
        return [v.buffer as ArrayBuffer];
      },
    });
    const got: Uint8Array[] = [];
    for await (const v of remote) got.push(v);
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
    expect(calls).toBe(2);
    expect(buf.byteLength).toBe(0);
    expect([...got[0]!]).toEqual([1, 1, 1, 1]);
    expect([...got[1]!]).toEqual([2, 2, 2, 2]);
    expect(got[0]!.buffer).toBe(got[1]!.buffer);
  });

  it('a transfer function that throws rejects toPort with a TypeError; every value accounted for', async () => {
    const { port1, port2 } = pair();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 4 });
    const err = (await toPort(local, port1, {
      transfer: (v) => {
        if (v === 2) throw new Error('boom');
        return [];
      },
    }).catch((e) => e)) as TypeError & { sent: number; undelivered: number[] };
    expect(err).toBeInstanceOf(TypeError);
    const got: number[] = [];
    const closeErr = await (async () => {
      for await (const v of remote) got.push(v);
    })().catch((e) => e);
    expect(got).toEqual([1]);
    expect(closeErr).toBeInstanceOf(Error);
    expect(err.sent).toBe(1);
    expect(err.undelivered[0]).toBe(2);
    const left: number[] = [];
    while (local.size) left.push(local.pullNowait());
    expect([...got, ...err.undelivered, ...left]).toEqual([1, 2, 3]);
  });
});

describe('sequential streams on one port', () => {
  it('after a stream ended, the same name pairs again with a new sender and receiver; no stale values', async () => {
    const { port1, port2 } = pair();
    for (let round = 0; round < 3; round++) {
      const local = new Channel<string>(3);
      await local.pushAll([`r${round}a`, `r${round}b`]);
      local.close();
      const remote = fromPort<string>(port2, { name: 'seq', capacity: 1 });
      const sending = toPort(local, port1, { name: 'seq' });
      const got: string[] = [];
      for await (const v of remote) got.push(v);
      expect(got).toEqual([`r${round}a`, `r${round}b`]);
      expect(await sending).toEqual({ sent: 2, undelivered: [] });
    }
    await until(() => msgListeners(port1) === 0 && msgListeners(port2) === 0, 'listeners removed', 2000);
  });
});

describe('one side blocked longer than the heartbeat (worker_threads)', () => {
  it('the sender gives up; the blocked receiver then closes as gone and never commits what the sender listed undelivered', async () => {
    const { Worker } = await import('node:worker_threads');
    const portUrl = new URL('../../dist/port.js', import.meta.url).href;
    const { port1, port2 } = pair();
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(${JSON.stringify(portUrl)}).then(async ({ fromPort }) => {
        const ch = fromPort(workerData.port, { capacity: 4 });
        const got = [];
        got.push(await ch.pull());
        got.push(await ch.pull());
        await new Promise((r) => setTimeout(r, 300)); // acknowledgements go out first
        parentPort.postMessage({ kind: 'blocking' });
        const end = Date.now() + 7000;
        while (Date.now() < end) {}
        let err = null;
        try {
          for await (const v of ch) got.push(v);
        } catch (e) {
          err = String(e && e.message);
        }
        parentPort.postMessage({ kind: 'after', got, err });
      });`;
    const worker = new Worker(code, { eval: true, workerData: { port: port2 }, transferList: [port2 as never] });
    try {
      const msgs: { kind: string; got?: number[]; err?: string | null }[] = [];
      worker.on('message', (m) => msgs.push(m));
      const local = new Channel<number>(20);
      await local.pushAll(Array.from({ length: 20 }, (_, i) => i));
      const sending = toPort(local, port1);
      const r = await sending;
      await until(() => msgs.some((m) => m.kind === 'after'), 'worker reported', 15_000);
      const after = msgs.find((m) => m.kind === 'after')!;
      const left: number[] = [];
      while (local.size) left.push(local.pullNowait());
      expect(after.err).toMatch(/gone|gave up/i);
      expect(after.got).toEqual(Array.from({ length: r.sent }, (_, i) => i));
      expect([...after.got!, ...r.undelivered, ...left]).toEqual(Array.from({ length: 20 }, (_, i) => i));
      local.close();
    } finally {
      await worker.terminate();
    }
  }, 30_000);
});

describe('the sending side blocked longer than the heartbeat (worker_threads)', () => {
  it('the receiver closes as gone after ~5 s; once the sender runs again, toPort accounts for every value exactly once', async () => {
    const { Worker } = await import('node:worker_threads');
    const portUrl = new URL('../../dist/port.js', import.meta.url).href;
    const indexUrl = new URL('../../dist/index.js', import.meta.url).href;
    const { port1, port2 } = pair();
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      Promise.all([import(${JSON.stringify(indexUrl)}), import(${JSON.stringify(portUrl)})]).then(async ([{ Channel }, { toPort }]) => {
        const local = new Channel(20);
        await local.pushAll(Array.from({ length: 20 }, (_, i) => i));
        const sending = toPort(local, workerData.port);
        parentPort.on('message', (m) => {
          if (m !== 'block') return;
          const end = Date.now() + 7000;
          while (Date.now() < end) {}
          sending.then((r) => {
            const left = [];
            while (local.size) left.push(local.pullNowait());
            parentPort.postMessage({ kind: 'result', sent: r.sent, undelivered: r.undelivered, left });
          }, (e) => parentPort.postMessage({ kind: 'result', error: String(e) }));
        });
      });`;
    const worker = new Worker(code, { eval: true, workerData: { port: port1 }, transferList: [port1 as never] });
    try {
      const msgs: { kind: string; sent?: number; undelivered?: number[]; left?: number[]; error?: string }[] = [];
      worker.on('message', (m) => msgs.push(m));
      const remote = fromPort<number>(port2, { capacity: 4 });
      const got = [await remote.pull(), await remote.pull()];
      await settle(300);
      worker.postMessage('block');
      const t0 = Date.now();
      await until(() => remote.closed, 'receiver gave the sender up', 12_000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(3000); // not before the heartbeat's limit
      const readable: number[] = [];
      while (remote.size) readable.push(remote.pullNowait());
      const err = await remote.pull().catch((e) => e);
      expect(String((err as Error).cause)).toMatch(/gone/i);
      await until(() => msgs.some((m) => m.kind === 'result'), 'worker result', 15_000);
      const res = msgs.find((m) => m.kind === 'result')!;
      expect(res.error).toBeUndefined();
      const received = [...got, ...readable];
      expect(received).toEqual(Array.from({ length: received.length }, (_, i) => i));
      expect(res.sent).toBe(received.length);
      expect([...received, ...res.undelivered!, ...res.left!]).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await worker.terminate();
    }
  }, 30_000);
});
