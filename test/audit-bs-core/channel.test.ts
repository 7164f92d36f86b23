import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  type PullChannel,
  type PushChannel,
} from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { abortListeners, rejection, settle, thrown, track, until } from './helpers.js';

describe('constructor', () => {
  it('defaults to capacity 0 (unbuffered) and block', () => {
    const ch = new Channel<number>();
    expect(ch.capacity).toBe(0);
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.closed).toBe(false);
    expect(ch.name).toBeUndefined();
    expect(ch.stats()).toEqual({
      name: undefined,
      capacity: 0,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });
  it('accepts positive integers and Infinity', () => {
    expect(new Channel(1).capacity).toBe(1);
    expect(new Channel(1000).capacity).toBe(1000);
    expect(new Channel(Number.POSITIVE_INFINITY).capacity).toBe(Number.POSITIVE_INFINITY);
    const inf = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 10_000; i++) inf.pushNowait(i);
    expect(inf.size).toBe(10_000);
    expect(inf.full).toBe(false);
  });
  it.each([-1, -Infinity, Number.NaN, 1.5, 0.1])('capacity %s is a RangeError', (cap) => {
    expect(() => new Channel(cap)).toThrow(RangeError);
  });
  it.each(['1', null, {}, 1n, true])('non-number capacity %s is a TypeError', (cap) => {
    expect(() => new Channel(cap as unknown as number)).toThrow(TypeError);
  });
  it('drop mode with capacity 0 is a RangeError', () => {
    expect(() => new Channel(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => new Channel(undefined, { overflow: 'drop-newest' })).toThrow(RangeError);
  });
  it('drop modes work with Infinity capacity (never full)', () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY, { overflow: 'drop-oldest' });
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    expect(ch.size).toBe(5);
  });
  it('name and overflow show in stats', () => {
    const ch = new Channel<number>(2, { name: 'jobs', overflow: 'drop-newest' });
    expect(ch.name).toBe('jobs');
    expect(ch.stats()).toMatchObject({ name: 'jobs', capacity: 2, overflow: 'drop-newest' });
  });
  it('stats() is a copy', () => {
    const ch = new Channel<number>(2);
    const s = ch.stats();
    ch.pushNowait(1);
    expect(s.size).toBe(0);
    expect(ch.stats().size).toBe(1);
  });
});

describe('properties', () => {
  it('size/full/empty follow the buffer', () => {
    const ch = new Channel<number>(2);
    expect([ch.size, ch.full, ch.empty]).toEqual([0, false, true]);
    ch.pushNowait(1);
    expect([ch.size, ch.full, ch.empty]).toEqual([1, false, false]);
    ch.pushNowait(2);
    expect([ch.size, ch.full, ch.empty]).toEqual([2, true, false]);
    ch.pullNowait();
    expect([ch.size, ch.full, ch.empty]).toEqual([1, false, false]);
  });
  it('unbuffered: size 0, always full, even with parked pushers', async () => {
    const ch = new Channel<number>();
    const p = ch.push(1);
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(1);
    await p;
  });
  it('closed flips on close() even with buffered values', () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close();
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(1);
    expect(ch.stats().closed).toBe(true);
  });
});

describe('push/pull', () => {
  it('unbuffered push waits until a puller takes the value (rendezvous)', async () => {
    const ch = new Channel<string>();
    const p = track(ch.push('a'));
    await settle();
    expect(p.outcome.state).toBe('pending');
    expect(await ch.pull()).toBe('a');
    await settle();
    expect(p.outcome.state).toBe('fulfilled');
  });
  it('pull parked first receives the value of the later push', async () => {
    const ch = new Channel<string>();
    const got = ch.pull();
    await ch.push('x');
    expect(await got).toBe('x');
  });
  it('buffered push resolves when stored; blocks when full', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const p = track(ch.push(2));
    await settle();
    expect(p.outcome.state).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(1);
    // the parked pusher's value moves into the buffer at once
    expect(ch.size).toBe(1);
    await settle();
    expect(p.outcome.state).toBe('fulfilled');
    expect(await ch.pull()).toBe(2);
  });
  it('FIFO for parked pushers and for parked pullers', async () => {
    const ch = new Channel<number>();
    const pushes = [ch.push(1), ch.push(2), ch.push(3)];
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    await Promise.all(pushes);
    const pulls = [ch.pull(), ch.pull(), ch.pull()];
    ch.pushNowait(10);
    ch.pushNowait(20);
    ch.pushNowait(30);
    expect(await Promise.all(pulls)).toEqual([10, 20, 30]);
  });
  it('pushNowait cannot overtake a parked push once a slot frees', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = ch.push(2);
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pushNowait(3)).toThrow(ChannelFullError);
    expect(ch.pullNowait()).toBe(2);
    await p;
  });
  it('value committed to a puller is not taken back by a later abort', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const got = ch.pull({ signal: ac.signal });
    ch.pushNowait(5);
    ac.abort(new Error('late'));
    expect(await got).toBe(5);
    expect(abortListeners(ac.signal)).toBe(0);
  });
  it('push with a signal that aborts after commit still resolves', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(5, { signal: ac.signal });
    expect(ch.pullNowait()).toBe(5);
    ac.abort();
    await expect(p).resolves.toBeUndefined();
  });
  it('aborted parked push rejects with signal.reason, delivers nothing, leaves no trace', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    expect(ch.stats().waitingPushers).toBe(1);
    expect(abortListeners(ac.signal)).toBe(1);
    const reason = new Error('stop');
    ac.abort(reason);
    expect(await rejection(p)).toBe(reason);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });
  it('aborted parked pull rejects with signal.reason and consumes nothing', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ac.abort('why');
    expect(await rejection(p)).toBe('why');
    expect(ch.stats().waitingPullers).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
    const next = ch.pull();
    await ch.push(7);
    expect(await next).toBe(7);
  });
  it('already-aborted signal is checked first, even on a closed channel', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const reason = new Error('pre');
    const s = AbortSignal.abort(reason);
    expect(await rejection(ch.push(1, { signal: s }))).toBe(reason);
    expect(await rejection(ch.pull({ signal: s }))).toBe(reason);
  });
  it('already-aborted signal on a channel with a ready value consumes nothing', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const s = AbortSignal.abort();
    const e = await rejection(ch.pull({ signal: s }));
    expect((e as DOMException).name).toBe('AbortError');
    expect(ch.size).toBe(1);
    const e2 = await rejection(ch.push(2, { signal: AbortSignal.abort() }));
    expect((e2 as DOMException).name).toBe('AbortError');
    const c2 = new Channel<number>(2);
    await rejection(c2.push(2, { signal: AbortSignal.abort() }));
    expect(c2.size).toBe(0);
  });
  it('AbortSignal.timeout rejects a parked pull with TimeoutError and cleans up', async () => {
    const ch = new Channel<number>();
    const signal = AbortSignal.timeout(5);
    const e = await rejection(ch.pull({ signal }));
    expect((e as DOMException).name).toBe('TimeoutError');
    expect(ch.stats().waitingPullers).toBe(0);
    expect(abortListeners(signal)).toBe(0);
  });
  it('one controller shared by many parked operations uses one listener, removed at the end', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const ps = Array.from({ length: 50 }, () => ch.pull({ signal: ac.signal }));
    expect(abortListeners(ac.signal)).toBeLessThanOrEqual(1);
    for (let i = 0; i < 50; i++) ch.pushNowait(i);
    expect(await Promise.all(ps)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(abortListeners(ac.signal)).toBe(0);
  });
  it('aborting one of several parked pullers keeps FIFO for the rest', async () => {
    const ch = new Channel<number>();
    const acs = [new AbortController(), new AbortController(), new AbortController()];
    const ps = acs.map((ac) => track(ch.pull({ signal: ac.signal })));
    acs[1]!.abort();
    await settle();
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(() => ch.pushNowait(3)).toThrow(ChannelFullError);
    await settle();
    expect(ps.map((p) => p.outcome.state)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((ps[0]!.outcome as { value: number }).value).toBe(1);
    expect((ps[2]!.outcome as { value: number }).value).toBe(2);
  });
  it('a non-signal as signal is a TypeError, channel untouched', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const e = await rejection(ch.pull({ signal: {} as AbortSignal }));
    expect(e).toBeInstanceOf(TypeError);
    expect(ch.size).toBe(1);
  });
});

describe('nowait', () => {
  it('pushNowait on unbuffered succeeds exactly when a puller waits', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
    const p = ch.pull();
    ch.pushNowait(2);
    expect(await p).toBe(2);
    expect(() => ch.pushNowait(3)).toThrow(ChannelFullError);
  });
  it('pullNowait on unbuffered succeeds exactly when a pusher waits', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    const p = ch.push(4);
    expect(ch.pullNowait()).toBe(4);
    await p;
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });
  it('pushNowait on a full buffered channel throws ChannelFullError, keeps buffer', () => {
    const ch = new Channel<number>(2, { name: 'q' });
    ch.pushNowait(1);
    ch.pushNowait(2);
    const e = thrown(() => ch.pushNowait(3)) as ChannelFullError;
    expect(e).toBeInstanceOf(ChannelFullError);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ChannelFullError');
    expect(e.channel).toBe(ch);
    expect(e.message).toContain('pushNowait');
    expect(e.message).toContain('"q"');
    expect(e.message).toMatch(/full/);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2]);
  });
  it('pullNowait on empty throws ChannelEmptyError naming op and channel', () => {
    const ch = new Channel<number>(2, { name: 'inbox' });
    const e = thrown(() => ch.pullNowait()) as ChannelEmptyError;
    expect(e).toBeInstanceOf(ChannelEmptyError);
    expect(e.name).toBe('ChannelEmptyError');
    expect(e.channel).toBe(ch);
    expect(e.message).toContain('pullNowait');
    expect(e.message).toContain('"inbox"');
    expect(e.message).toMatch(/empty/);
    const u = thrown(() => new Channel<number>(1).pullNowait()) as Error;
    expect(u.message).toBe('pullNowait: channel is empty');
  });
  it('pushNowait on closed throws ChannelClosedError (even with room)', () => {
    const ch = new Channel<number>(5, { name: 'c' });
    ch.close();
    const e = thrown(() => ch.pushNowait(1)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.name).toBe('ChannelClosedError');
    expect(e.message).toContain('pushNowait');
    expect(e.message).toContain('"c"');
    expect(e.message).toMatch(/closed/);
    expect(ch.size).toBe(0);
  });
  it('pushNowait on closed drop-mode channel throws ChannelClosedError', () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      ch.close();
      expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
      expect(ch.tryPush(1)).toBe(false);
    }
  });
  it('pullNowait on closed: drains buffer first, then ChannelClosedError with cause', () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    const reason = new Error('bye');
    ch.close(reason);
    expect(ch.pullNowait()).toBe(1);
    const e = thrown(() => ch.pullNowait()) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
    expect(e.message).toContain('pullNowait');
  });
});

describe('drop modes', () => {
  it('drop-oldest: sliding window; push resolves at once when full', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-oldest' });
    for (let i = 0; i < 10; i++) await ch.push(i);
    expect(ch.size).toBe(3);
    expect([ch.pullNowait(), ch.pullNowait(), ch.pullNowait()]).toEqual([7, 8, 9]);
  });
  it('drop-oldest capacity 1 is conflated (latest wins)', () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    expect(ch.pullNowait()).toBe(99);
  });
  it('drop-newest keeps the oldest', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-newest' });
    for (let i = 0; i < 10; i++) await ch.push(i);
    for (let i = 10; i < 20; i++) ch.pushNowait(i);
    for (let i = 20; i < 30; i++) expect(ch.tryPush(i)).toBe(true);
    expect([ch.pullNowait(), ch.pullNowait(), ch.pullNowait()]).toEqual([0, 1, 2]);
  });
  it('drop modes hand a value to a parked puller before dropping anything', async () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      const p = ch.pull();
      ch.pushNowait(1);
      ch.pushNowait(2);
      expect(await p).toBe(1);
      expect(ch.pullNowait()).toBe(2);
    }
  });
  it('drop-mode push never parks', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    const ps = Array.from({ length: 5 }, (_, i) => ch.push(i));
    expect(ch.stats().waitingPushers).toBe(0);
    await Promise.all(ps);
  });
  it('drop-mode push on closed channel rejects with ChannelClosedError', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.close();
    expect(await rejection(ch.push(1))).toBeInstanceOf(ChannelClosedError);
  });
});

describe('close', () => {
  it('is idempotent; first reason wins', async () => {
    const ch = new Channel<number>();
    const r1 = new Error('one');
    ch.close(r1);
    ch.close(new Error('two'));
    ch.close();
    const e = (await rejection(ch.pull())) as ChannelClosedError;
    expect(e.cause).toBe(r1);
  });
  it('buffered values stay readable; pulls reject once drained', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    const e = (await rejection(ch.pull())) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.message).toContain('pull');
    expect('cause' in e && e.cause !== undefined).toBe(false);
  });
  it('every parked pusher rejects; values not added (Go: close with parked senders)', async () => {
    const ch = new Channel<number>(1, { name: 'full' });
    ch.pushNowait(0);
    const ps = [ch.push(1), ch.push(2), ch.push(3)];
    const reason = new Error('r');
    ch.close(reason);
    for (const p of ps) {
      const e = (await rejection(p)) as ChannelClosedError;
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.channel).toBe(ch);
      expect(e.message).toContain('"full"');
      expect(e.message).toMatch(/^push:/);
    }
    expect(ch.stats()).toMatchObject({ size: 1, waitingPushers: 0, waitingPullers: 0 });
    expect(ch.pullNowait()).toBe(0);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });
  it('every parked puller rejects with ChannelClosedError whose cause is the reason', async () => {
    const ch = new Channel<number>();
    const ps = [ch.pull(), ch.pull()];
    ch.close('because');
    for (const p of ps) {
      const e = (await rejection(p)) as ChannelClosedError;
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toBe('because');
    }
    expect(ch.stats().waitingPullers).toBe(0);
  });
  it('close of unbuffered with parked pushers: nothing delivered afterwards', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    ch.close();
    expect(await rejection(p)).toBeInstanceOf(ChannelClosedError);
    expect(abortListeners(ac.signal)).toBe(0);
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });
  it('push after close rejects ChannelClosedError, value not delivered', async () => {
    const ch = new Channel<number>(5, { name: 'n' });
    ch.close();
    const e = (await rejection(ch.push(1))) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.message).toBe('push: channel "n" is closed');
    expect(ch.size).toBe(0);
  });
  it('falsy reasons other than undefined are reasons', async () => {
    for (const reason of [null, 0, false, '']) {
      const ch = new Channel<number>();
      ch.close(reason);
      const e = (await rejection(ch.pull())) as ChannelClosedError;
      expect(e.cause).toBe(reason);
      const it = ch[Symbol.asyncIterator]();
      expect(await rejection(it.next())).toBe(reason);
    }
  });
  it('close from inside a pull continuation does not lose a buffered value', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const first = await ch.pull();
    ch.close();
    expect(first).toBe(1);
    expect(await ch.pull()).toBe(2);
  });
});

describe('iteration', () => {
  it('for await yields until closed and drained, then ends', async () => {
    const ch = new Channel<number>(4);
    for (const v of [1, 2, 3]) ch.pushNowait(v);
    ch.close();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2, 3]);
  });
  it('for await throws the reason after close(reason), after draining', async () => {
    const ch = new Channel<number>(4);
    ch.pushNowait(1);
    const reason = new Error('boom');
    ch.close(reason);
    const got: number[] = [];
    let caught: unknown;
    try {
      for await (const v of ch) got.push(v);
    } catch (e) {
      caught = e;
    }
    expect(got).toEqual([1]);
    expect(caught).toBe(reason);
  });
  it('for await over an unbuffered channel with a concurrent producer', async () => {
    const ch = new Channel<number>();
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await ch.push(i);
      ch.close();
    })();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    await producer;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
  it('several iterators share values, each exactly once', async () => {
    const ch = new Channel<number>(3);
    const seen: number[][] = [[], [], []];
    const workers = seen.map(async (bucket) => {
      for await (const v of ch) {
        bucket.push(v);
        if (v % 7 === 0) await new Promise((r) => setTimeout(r, 0));
      }
    });
    for (let i = 0; i < 300; i++) await ch.push(i);
    ch.close();
    await Promise.all(workers);
    const all = seen.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const b of seen) expect(b).toEqual([...b].sort((x, y) => x - y));
  });
  it.each(['break', 'return', 'throw'] as const)('leaving early with %s neither closes nor loses', async (how) => {
    const ch = new Channel<number>(5);
    for (const v of [1, 2, 3, 4, 5]) ch.pushNowait(v);
    const run = async (): Promise<void> => {
      for await (const v of ch) {
        if (v === 2) {
          if (how === 'break') break;
          if (how === 'return') return;
          throw new Error('x');
        }
      }
    };
    await run().catch(() => undefined);
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(3);
    expect(ch.stats().waitingPullers).toBe(0);
    ch.close();
  });
  it('iterator return() while next() is parked withdraws it: the next value is not lost', async () => {
    const ch = new Channel<number>(1);
    const it = ch[Symbol.asyncIterator]();
    const n = it.next();
    expect(ch.stats().waitingPullers).toBe(1);
    await it.return?.();
    expect(await n).toEqual({ done: true, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
    ch.pushNowait(9);
    expect(ch.pullNowait()).toBe(9);
  });
  it('ReadableStream.from(channel) cancel does not steal the next value', async () => {
    const ch = new Channel<number>();
    const rs = (ReadableStream as unknown as { from(x: AsyncIterable<number>): ReadableStream<number> }).from(ch);
    const reader = rs.getReader();
    const r = reader.read();
    await until(() => ch.stats().waitingPullers === 1);
    await reader.cancel();
    await r;
    await until(() => ch.stats().waitingPullers === 0);
    const p = ch.pull();
    ch.pushNowait(1);
    expect(await p).toBe(1);
  });
  it('next() after closed-with-reason keeps rejecting with the reason (like a Go receive)', async () => {
    const ch = new Channel<number>();
    ch.close('r');
    const it = ch[Symbol.asyncIterator]();
    expect(await rejection(it.next())).toBe('r');
    expect(await rejection(it.next())).toBe('r');
  });
});

describe('disposal', () => {
  it('await using closes at the end of the block; buffer stays readable', async () => {
    let escaped: Channel<number> | undefined;
    {
      await using ch = new Channel<number>(2);
      ch.pushNowait(1);
      escaped = ch;
      expect(ch.closed).toBe(false);
    }
    expect(escaped.closed).toBe(true);
    expect(escaped.pullNowait()).toBe(1);
  });
  it('using closes and fails parked pullers', async () => {
    let p!: Promise<number>;
    {
      using ch = new Channel<number>();
      p = ch.pull();
    }
    expect(await rejection(p)).toBeInstanceOf(ChannelClosedError);
  });
  it('disposal methods exist and close; a thrown block still closes', async () => {
    const ch = new Channel<number>();
    expect(typeof ch[Symbol.asyncDispose]).toBe('function');
    expect(typeof ch[Symbol.dispose]).toBe('function');
    await ch[Symbol.asyncDispose]();
    expect(ch.closed).toBe(true);
    let escaped: Channel<number> | undefined;
    try {
      await using c2 = new Channel<number>();
      escaped = c2;
      throw new Error('x');
    } catch {
      /* expected */
    }
    expect(escaped?.closed).toBe(true);
  });
});

describe('errors', () => {
  it('classes exist, hierarchy and names', () => {
    for (const C of [ChannelClosedError, ChannelFullError, ChannelEmptyError]) {
      expect(C.prototype).toBeInstanceOf(ChannelError);
      expect(ChannelError.prototype).toBeInstanceOf(Error);
    }
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const full = thrown(() => ch.pushNowait(2)) as Error;
    expect(full.name).toBe('ChannelFullError');
    expect(String(full)).toContain('ChannelFullError');
    expect(full.stack).toBeTypeOf('string');
  });
  it('ChannelError base: name, message format, channel, cause', () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    const e = new ChannelError('push', 'is closed', ch, 'why');
    expect(e.name).toBe('ChannelError');
    expect(e.message).toBe('push: channel "jobs" is closed');
    expect(e.channel).toBe(ch);
    expect(e.cause).toBe('why');
    expect(new ChannelClosedError('pull', 'is closed', ch).name).toBe('ChannelClosedError');
  });
  it('misuse messages name the call and the problem', async () => {
    expect(thrown(() => new Channel(-1))).toHaveProperty('message', expect.stringMatching(/Channel.*capacity/));
    expect(thrown(() => new Channel(1, { overflow: 'x' as 'block' }))).toHaveProperty(
      'message',
      expect.stringMatching(/Channel.*overflow/),
    );
    const ch = new Channel<number>(1);
    expect(await rejection(ch.pullMany(0))).toHaveProperty('message', expect.stringMatching(/pullMany.*max/));
    expect(await rejection(ch.pushAll(3 as unknown as number[]))).toHaveProperty(
      'message',
      expect.stringMatching(/pushAll.*iterable/),
    );
    expect(await rejection(ch.push(1, { signal: {} as AbortSignal }))).toHaveProperty(
      'message',
      expect.stringMatching(/push.*signal/),
    );
  });
  it('unnamed channel messages do not say "undefined"', async () => {
    const ch = new Channel<number>();
    ch.close();
    const e = (await rejection(ch.pull())) as Error;
    expect(e.message).not.toContain('undefined');
    expect(e.message).toMatch(/^pull: /);
  });
});

describe('directional types', () => {
  it('Channel satisfies PushChannel and PullChannel', async () => {
    const ch = new Channel<number>(1);
    const pushEnd: PushChannel<number> = ch;
    const pullEnd: PullChannel<number> = ch;
    await pushEnd.push(1);
    expect(await pullEnd.pull()).toBe(1);
    expect(pushEnd.tryPush(2)).toBe(true);
    expect(pullEnd.tryPull()).toBe(2);
    await pushEnd.pushAll([3]);
    expect(await pullEnd.pullMany(5)).toEqual([3]);
    expectTypeOf(ch).toMatchTypeOf<PushChannel<number>>();
    expectTypeOf(ch).toMatchTypeOf<PullChannel<number>>();
    expectTypeOf<PullChannel<number>>().toMatchTypeOf<AsyncIterable<number>>();
    expectTypeOf(ch.pull()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(ch.tryPull()).toEqualTypeOf<number | undefined>();
    expectTypeOf(ch.tryPush(1)).toEqualTypeOf<boolean>();
    expectTypeOf(ch.pullMany(2)).toEqualTypeOf<Promise<number[]>>();
    // @ts-expect-error a string is not a number
    ch.tryPush('x');
    pushEnd.close();
  });
});
