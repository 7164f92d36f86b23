// Blind conformance pass (audit BO-spec): Channel<T> graded against SPEC.md sentences alone.

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collect, tick, track } from './helpers.js';

describe('constructor', () => {
  it('defaults to capacity 0 (unbuffered)', () => {
    const ch = new Channel<number>();
    expect(ch.capacity).toBe(0);
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.closed).toBe(false);
  });

  it('accepts positive integers and Infinity', () => {
    expect(new Channel(1).capacity).toBe(1);
    expect(new Channel(1000).capacity).toBe(1000);
    expect(new Channel(Infinity).capacity).toBe(Infinity);
    expect(new Channel(undefined).capacity).toBe(0);
  });

  it.each([-1, -0.5, 1.5, Number.NaN, -Infinity, 0.1])('capacity %s throws RangeError', (cap) => {
    expect(() => new Channel(cap)).toThrow(RangeError);
  });

  it.each(['3', null, {}, true, 1n] as unknown[])('non-number capacity %s throws TypeError', (cap) => {
    expect(() => new Channel(cap as number)).toThrow(TypeError);
  });

  it('a drop mode with capacity 0 throws RangeError', () => {
    expect(() => new Channel(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-newest' })).toThrow(RangeError);
    expect(() => new Channel(undefined, { overflow: 'drop-newest' })).toThrow(RangeError);
  });

  it('drop modes with positive or infinite capacity are accepted; block with 0 is accepted', () => {
    expect(() => new Channel(1, { overflow: 'drop-oldest' })).not.toThrow();
    expect(() => new Channel(3, { overflow: 'drop-newest' })).not.toThrow();
    expect(() => new Channel(Infinity, { overflow: 'drop-oldest' })).not.toThrow();
    expect(() => new Channel(0, { overflow: 'block' })).not.toThrow();
  });

  it('an unknown overflow mode is refused', () => {
    expect(() => new Channel(1, { overflow: 'drop-middle' as never })).toThrow();
  });

  it('name labels the channel', () => {
    expect(new Channel(0, { name: 'jobs' }).name).toBe('jobs');
    expect(new Channel(0).name).toBeUndefined();
  });
});

describe('properties are getters', () => {
  it.each(['capacity', 'size', 'closed', 'full', 'empty', 'name'])('%s is a getter on the prototype', (prop) => {
    let proto: object | null = Channel.prototype;
    let desc: PropertyDescriptor | undefined;
    while (proto && !desc) {
      desc = Object.getOwnPropertyDescriptor(proto, prop);
      proto = Object.getPrototypeOf(proto);
    }
    expect(desc?.get).toBeTypeOf('function');
  });

  it('buffered: size, full, empty track the buffer', async () => {
    const ch = new Channel<number>(2);
    expect([ch.size, ch.full, ch.empty]).toEqual([0, false, true]);
    await ch.push(1);
    expect([ch.size, ch.full, ch.empty]).toEqual([1, false, false]);
    await ch.push(2);
    expect([ch.size, ch.full, ch.empty]).toEqual([2, true, false]);
    await ch.pull();
    expect([ch.size, ch.full, ch.empty]).toEqual([1, false, false]);
  });

  it('unbuffered: size is always 0 and full always true, even with a parked pusher', async () => {
    const ch = new Channel<number>(0);
    const p = track(ch.push(1));
    await tick();
    expect(p.status).toBe('pending');
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(await ch.pull()).toBe(1);
  });

  it('Infinity: never full', async () => {
    const ch = new Channel<number>(Infinity);
    for (let i = 0; i < 10_000; i++) await ch.push(i);
    expect(ch.size).toBe(10_000);
    expect(ch.full).toBe(false);
    expect(ch.empty).toBe(false);
  });

  it('closed becomes true on close()', () => {
    const ch = new Channel(1);
    expect(ch.closed).toBe(false);
    ch.close();
    expect(ch.closed).toBe(true);
  });
});

describe('stats()', () => {
  it('has exactly the documented fields', () => {
    const ch = new Channel<number>(3, { name: 's', overflow: 'drop-newest' });
    ch.pushNowait(1);
    const s = ch.stats();
    expect(Object.keys(s).sort()).toEqual(
      ['capacity', 'closed', 'name', 'overflow', 'size', 'waitingPullers', 'waitingPushers'].sort(),
    );
    expect(s).toEqual({
      name: 's',
      capacity: 3,
      size: 1,
      closed: false,
      overflow: 'drop-newest',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  it('defaults overflow to block', () => {
    expect(new Channel(1).stats().overflow).toBe('block');
    expect(new Channel().stats().overflow).toBe('block');
  });

  it('counts parked pushers and pullers, and forgets them when served, aborted or closed', async () => {
    const a = new Channel<number>(0);
    const pushes = [track(a.push(1)), track(a.push(2))];
    await tick();
    expect(a.stats().waitingPushers).toBe(2);
    expect(a.stats().waitingPullers).toBe(0);
    await a.pull();
    expect(a.stats().waitingPushers).toBe(1);
    a.close();
    await tick();
    expect(a.stats().waitingPushers).toBe(0);
    expect(pushes.map((p) => p.status)).toEqual(['resolved', 'rejected']);

    const b = new Channel<number>(1);
    const ac = new AbortController();
    const pulls = [track(b.pull({ signal: ac.signal })), track(b.pull()), track(b.pull())];
    await tick();
    expect(b.stats().waitingPullers).toBe(3);
    ac.abort();
    await tick();
    expect(b.stats().waitingPullers).toBe(2);
    expect(pulls[0]!.status).toBe('rejected');
    b.close();
    await tick();
    expect(b.stats()).toMatchObject({ waitingPullers: 0, closed: true });
  });
});

describe('blocking push/pull', () => {
  it('buffered push with room resolves without a puller', async () => {
    const ch = new Channel<number>(1);
    const p = track(ch.push(1));
    await tick();
    expect(p.status).toBe('resolved');
    expect(ch.size).toBe(1);
  });

  it('unbuffered push waits for a puller (rendezvous)', async () => {
    const ch = new Channel<string>(0);
    const p = track(ch.push('x'));
    await tick();
    await tick();
    expect(p.status).toBe('pending');
    expect(await ch.pull()).toBe('x');
    await tick();
    expect(p.status).toBe('resolved');
  });

  it('unbuffered pull waits for a pusher', async () => {
    const ch = new Channel<string>(0);
    const q = track(ch.pull());
    await tick();
    expect(q.status).toBe('pending');
    await ch.push('y'); // resolves because the puller was waiting
    await tick();
    expect(q.status).toBe('resolved');
    expect(q.value).toBe('y');
  });

  it('pull from a full buffer moves the first parked pusher value into the buffer (FIFO kept)', async () => {
    const ch = new Channel<number>(2);
    await ch.push(1);
    await ch.push(2);
    const p3 = track(ch.push(3));
    const p4 = track(ch.push(4));
    await tick();
    expect([p3.status, p4.status]).toEqual(['pending', 'pending']);
    expect(await ch.pull()).toBe(1);
    await tick();
    expect(p3.status).toBe('resolved');
    expect(p4.status).toBe('pending');
    expect(ch.size).toBe(2);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    expect(await ch.pull()).toBe(4);
    await tick();
    expect(p4.status).toBe('resolved');
  });

  it('parked pushers are served FIFO (unbuffered)', async () => {
    const ch = new Channel<number>(0);
    const order: number[] = [];
    const pushes = [1, 2, 3, 4, 5].map((v) => ch.push(v).then(() => order.push(v)));
    await tick();
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await ch.pull());
    await Promise.all(pushes);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('parked pullers are served FIFO', async () => {
    for (const cap of [0, 1, 4, Infinity]) {
      const ch = new Channel<number>(cap);
      const pulls = [0, 1, 2, 3].map(() => ch.pull());
      await tick();
      for (const v of [10, 11, 12, 13]) ch.pushNowait(v);
      expect(await Promise.all(pulls)).toEqual([10, 11, 12, 13]);
    }
  });

  it('a value committed to a parked puller is its own even if its signal aborts just after', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const q = track(ch.pull({ signal: ac.signal }));
    await tick();
    ch.pushNowait(42); // commits synchronously to the parked pull
    ac.abort(new Error('late'));
    await tick();
    expect(q.status).toBe('resolved');
    expect(q.value).toBe(42);
  });

  it('a parked push whose value was taken resolves even if its signal aborts just after', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const p = track(ch.push(7, { signal: ac.signal }));
    await tick();
    expect(ch.pullNowait()).toBe(7);
    ac.abort(new Error('late'));
    await tick();
    expect(p.status).toBe('resolved');
  });
});

describe('signals', () => {
  const reasons: [string, () => unknown][] = [
    ['an Error', () => new Error('stop')],
    ['a string', () => 'stop-string'],
    ['a plain object', () => ({ why: 'stop' })],
    ['the number 0', () => 0],
  ];

  it.each(reasons)('push with an already aborted signal rejects with the exact reason (%s)', async (_, make) => {
    const reason = make();
    const ch = new Channel<number>(5);
    const err = await ch.push(1, { signal: AbortSignal.abort(reason) }).catch((e) => e);
    expect(err).toBe(reason);
    expect(ch.size).toBe(0);
  });

  it('default abort reason (DOMException AbortError) is passed through unchanged', async () => {
    const ch = new Channel<number>(0);
    const signal = AbortSignal.abort();
    const err = await ch.pull({ signal }).catch((e) => e);
    expect(err).toBe(signal.reason);
    expect((err as DOMException).name).toBe('AbortError');
  });

  it('already aborted check comes first, even on a closed channel (push and pull)', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const reason = new Error('abort first');
    await expect(ch.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(ch.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('already aborted check comes first even when the operation could commit now', async () => {
    const ch = new Channel<number>(1);
    const reason = new Error('r');
    await expect(ch.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ch.size).toBe(0);
    await ch.push(2);
    await expect(ch.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ch.size).toBe(1); // nothing consumed
    expect(await ch.pull()).toBe(2);

    const un = new Channel<number>(0);
    const parked = track(un.pull());
    await tick();
    await expect(un.push(3, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await tick();
    expect(parked.status).toBe('pending'); // the value was not delivered
    un.pushNowait(4);
    expect(await parked.promise).toBe(4);
  });

  it('push aborted while parked rejects with the reason, leaves no trace and delivers nothing', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const ac = new AbortController();
    const reason = { custom: true };
    const p = track(ch.push(2, { signal: ac.signal }));
    track(ch.push(3));
    await tick();
    expect(ch.stats().waitingPushers).toBe(2);
    ac.abort(reason);
    await tick();
    expect(p.status).toBe('rejected');
    expect(p.error).toBe(reason);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(3);
    expect(ch.size).toBe(0);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });

  it('pull aborted while parked rejects with the reason and consumes nothing later', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const q1 = track(ch.pull({ signal: ac.signal }));
    const q2 = track(ch.pull());
    await tick();
    ac.abort('bye');
    await tick();
    expect(q1.status).toBe('rejected');
    expect(q1.error).toBe('bye');
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(9);
    await tick();
    expect(q2.value).toBe(9);
  });

  it('abort on a signal shared by several parked operations rejects all of them', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const qs = [track(ch.pull({ signal: ac.signal })), track(ch.pull({ signal: ac.signal }))];
    await tick();
    ac.abort('all');
    await tick();
    expect(qs.map((q) => [q.status, q.error])).toEqual([
      ['rejected', 'all'],
      ['rejected', 'all'],
    ]);
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('non-blocking operations', () => {
  it('pushNowait: room commits, full throws ChannelFullError, closed throws ChannelClosedError', () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    expect(() => ch.pushNowait(2)).toThrow(ChannelFullError);
    expect(ch.size).toBe(1);
    ch.close();
    expect(() => ch.pushNowait(3)).toThrow(ChannelClosedError);
  });

  it('pushNowait on a closed channel throws ChannelClosedError even when it is also full/unbuffered', () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    a.close();
    expect(() => a.pushNowait(2)).toThrow(ChannelClosedError);
    const b = new Channel<number>(0);
    b.close();
    expect(() => b.pushNowait(2)).toThrow(ChannelClosedError);
  });

  it('pushNowait on an unbuffered channel succeeds exactly when a puller waits', async () => {
    const ch = new Channel<number>(0);
    expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
    const q = track(ch.pull());
    await tick();
    ch.pushNowait(2);
    await tick();
    expect(q.value).toBe(2);
    expect(() => ch.pushNowait(3)).toThrow(ChannelFullError);
  });

  it('pullNowait: returns head, throws Empty when empty, Closed when closed and drained', () => {
    const ch = new Channel<number>(3);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(ch.pullNowait()).toBe(1);
    ch.close();
    expect(ch.pullNowait()).toBe(2);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  it('pullNowait on an unbuffered channel succeeds exactly when a pusher waits', async () => {
    const ch = new Channel<number>(0);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    const p = track(ch.push(5));
    await tick();
    expect(ch.pullNowait()).toBe(5);
    await tick();
    expect(p.status).toBe('resolved');
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });

  it('pullNowait on a full buffer with a parked pusher pulls the head and moves the pusher in', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = track(ch.push(2));
    await tick();
    expect(ch.pullNowait()).toBe(1);
    await tick();
    expect(p.status).toBe('resolved');
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe(2);
  });

  it('closed unbuffered channel: pullNowait throws ChannelClosedError', () => {
    const ch = new Channel<number>(0);
    ch.close();
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });
});

describe('overflow modes', () => {
  it('drop-oldest: push resolves immediately when full and the oldest is discarded', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (const v of [1, 2, 3, 4]) {
      const p = track(ch.push(v));
      await tick();
      expect(p.status).toBe('resolved');
    }
    expect(ch.size).toBe(2);
    expect(ch.pullNowait()).toBe(3);
    expect(ch.pullNowait()).toBe(4);
  });

  it('drop-oldest: pushNowait and tryPush never fail when full', () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(() => ch.pushNowait(3)).not.toThrow();
    expect(ch.tryPush(4)).toBe(true);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([3, 4]);
  });

  it('capacity 1 drop-oldest is conflated: the latest value wins', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    expect(await ch.pull()).toBe(99);
    expect(ch.empty).toBe(true);
  });

  it('drop-newest: the pushed value is discarded when full; no error', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.push(1);
    await ch.push(2);
    const p = track(ch.push(3));
    await tick();
    expect(p.status).toBe('resolved');
    expect(() => ch.pushNowait(4)).not.toThrow();
    expect(ch.tryPush(5)).toBe(true);
    expect(ch.size).toBe(2);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2]);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('drop modes hand a value to a parked puller rather than dropping it', async () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      const q = track(ch.pull());
      await tick();
      await ch.push(1);
      await tick();
      expect(q.value).toBe(1);
      expect(ch.size).toBe(0);
    }
  });

  it('drop modes still refuse pushes on a closed channel', async () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      ch.pushNowait(1);
      ch.close();
      await expect(ch.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
      expect(() => ch.pushNowait(2)).toThrow(ChannelClosedError);
      expect(ch.tryPush(2)).toBe(false);
      expect(await ch.pull()).toBe(1);
    }
  });

  it('drop modes never park a pusher (stats)', async () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      const ps = [ch.push(1), ch.push(2), ch.push(3)];
      expect(ch.stats().waitingPushers).toBe(0);
      await Promise.all(ps);
    }
  });
});

describe('closing', () => {
  it('is idempotent: a later close(reason) changes nothing', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    ch.close(new Error('later'));
    const r = await collect(ch);
    expect(r).toEqual({ values: [], threw: false });
    const err = await ch.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as Error).cause).toBeUndefined();
  });

  it('is idempotent with a first reason: the first reason stays', async () => {
    const ch = new Channel<number>(1);
    const first = new Error('first');
    ch.close(first);
    ch.close(new Error('second'));
    ch.close();
    const err = await ch.pull().catch((e) => e);
    expect((err as Error).cause).toBe(first);
    const r = await collect(ch);
    expect(r.error).toBe(first);
  });

  it('buffered values stay readable; pulls reject only once drained', async () => {
    const ch = new Channel<number>(3);
    await ch.push(1);
    await ch.push(2);
    ch.close();
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(2);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('push on a closed channel rejects with ChannelClosedError', async () => {
    const ch = new Channel<number>(3);
    ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.size).toBe(0);
  });

  it('every parked pusher rejects with ChannelClosedError and its value is not added', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const ps = [track(ch.push(2)), track(ch.push(3))];
    await tick();
    ch.close('why');
    await tick();
    for (const p of ps) {
      expect(p.status).toBe('rejected');
      expect(p.error).toBeInstanceOf(ChannelClosedError);
    }
    expect(ch.size).toBe(1);
    expect(await ch.pull()).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('unbuffered: parked pushers reject on close and nothing is delivered', async () => {
    const ch = new Channel<number>(0);
    const ps = [track(ch.push(1)), track(ch.push(2))];
    await tick();
    ch.close();
    await tick();
    expect(ps.map((p) => p.status)).toEqual(['rejected', 'rejected']);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  it('every parked puller rejects with ChannelClosedError; cause is the reason', async () => {
    const ch = new Channel<number>(2);
    const qs = [track(ch.pull()), track(ch.pull())];
    await tick();
    const reason = new Error('shutdown');
    ch.close(reason);
    await tick();
    for (const q of qs) {
      expect(q.status).toBe('rejected');
      expect(q.error).toBeInstanceOf(ChannelClosedError);
      expect((q.error as Error).cause).toBe(reason);
    }
  });

  it('parked pullers reject on close() without reason: cause undefined', async () => {
    const ch = new Channel<number>(0);
    const q = track(ch.pull());
    await tick();
    ch.close();
    await tick();
    expect(q.error).toBeInstanceOf(ChannelClosedError);
    expect((q.error as Error).cause).toBeUndefined();
  });

  it('pull after close(reason) and drain has cause === reason (non-Error reasons too)', async () => {
    for (const reason of ['str', 42, { a: 1 }, null, false]) {
      const ch = new Channel<number>(1);
      ch.close(reason);
      const err = await ch.pull().catch((e) => e);
      expect(err).toBeInstanceOf(ChannelClosedError);
      expect((err as Error).cause).toBe(reason);
    }
  });

  it('for await ends normally after close()', async () => {
    const ch = new Channel<number>(3);
    await ch.push(1);
    await ch.push(2);
    ch.close();
    expect(await collect(ch)).toEqual({ values: [1, 2], threw: false });
  });

  it('for await ends normally after close(undefined)', async () => {
    const ch = new Channel<number>(3);
    await ch.push(1);
    ch.close(undefined);
    expect(await collect(ch)).toEqual({ values: [1], threw: false });
  });

  it('for await yields the buffered values first, then throws the reason itself', async () => {
    const ch = new Channel<number>(3);
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    const reason = new Error('boom');
    ch.close(reason);
    const r = await collect(ch);
    expect(r.values).toEqual([1, 2, 3]);
    expect(r.threw).toBe(true);
    expect(r.error).toBe(reason);
  });

  it.each([
    ['null', null],
    ['0', 0],
    ['false', false],
    ['empty string', ''],
    ['string', 'why'],
  ] as [string, unknown][])('for await throws a falsy/non-Error reason unchanged (%s)', async (_, reason) => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    ch.close(reason);
    const r = await collect(ch);
    expect(r.values).toEqual([1]);
    expect(r.threw).toBe(true);
    expect(r.error).toBe(reason);
  });

  it('a for await parked on an empty channel throws the reason when closed with one', async () => {
    const ch = new Channel<number>(0);
    const done = collect(ch);
    await tick();
    await ch.push(1);
    const reason = new Error('late close');
    ch.close(reason);
    const r = await done;
    expect(r.values).toEqual([1]);
    expect(r.error).toBe(reason);
  });

  it('a for await parked on an empty channel ends normally on close()', async () => {
    const ch = new Channel<number>(0);
    const done = collect(ch);
    await tick();
    ch.close();
    expect(await done).toEqual({ values: [], threw: false });
  });
});

describe('iteration', () => {
  it('yields until closed and drained, with a concurrent producer on an unbuffered channel', async () => {
    const ch = new Channel<number>(0);
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await ch.push(i);
      ch.close();
    })();
    const r = await collect(ch);
    await producer;
    expect(r.values).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('several iterators: each value goes to exactly one of them', async () => {
    const ch = new Channel<number>(2);
    const consumers = [collect(ch), collect(ch), collect(ch)];
    for (let i = 0; i < 300; i++) await ch.push(i);
    ch.close();
    const results = await Promise.all(consumers);
    const all = results.flatMap((r) => r.values).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const r of results) {
      // each consumer sees its own values in increasing (FIFO) order
      expect(r.values).toEqual([...r.values].sort((a, b) => a - b));
      expect(r.threw).toBe(false);
    }
  });

  it('break does not close the channel and loses no value', async () => {
    const ch = new Channel<number>(5);
    for (const v of [1, 2, 3, 4, 5]) await ch.push(v);
    for await (const v of ch) {
      expect(v).toBe(1);
      break;
    }
    expect(ch.closed).toBe(false);
    expect(ch.size).toBe(4);
    for await (const v of ch) {
      expect(v).toBe(2);
      break;
    }
    expect([ch.pullNowait(), ch.pullNowait(), ch.pullNowait()]).toEqual([3, 4, 5]);
  });

  it('throw and return inside the loop do not close the channel and lose no value', async () => {
    const ch = new Channel<number>(5);
    for (const v of [1, 2, 3]) await ch.push(v);
    await expect(
      (async () => {
        for await (const _ of ch) throw new Error('inside');
      })(),
    ).rejects.toThrow('inside');
    expect(ch.closed).toBe(false);
    const f = async () => {
      for await (const v of ch) return v;
      return -1;
    };
    expect(await f()).toBe(2);
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(3);
  });

  it('leaving a loop early on an unbuffered channel does not consume the parked pushers', async () => {
    const ch = new Channel<number>(0);
    const ps = [1, 2, 3].map((v) => track(ch.push(v)));
    await tick();
    for await (const v of ch) {
      expect(v).toBe(1);
      break;
    }
    await tick();
    expect(ps.map((p) => p.status)).toEqual(['resolved', 'pending', 'pending']);
    expect(ch.pullNowait()).toBe(2);
    expect(ch.pullNowait()).toBe(3);
  });

  it('the async iterator protocol: next() after close+drain gives done', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    ch.close();
    const it = ch[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    expect((await it.next()).done).toBe(true);
  });
});

describe('disposal', () => {
  it('[Symbol.asyncDispose]() closes the channel and returns a promise', async () => {
    const ch = new Channel<number>(1);
    const r = ch[Symbol.asyncDispose]();
    expect(r).toBeInstanceOf(Promise);
    await r;
    expect(ch.closed).toBe(true);
  });

  it('[Symbol.dispose]() closes the channel', () => {
    const ch = new Channel<number>(1);
    ch[Symbol.dispose]();
    expect(ch.closed).toBe(true);
  });

  it('await using closes at the end of the block; buffered values stay readable', async () => {
    let outer!: Channel<number>;
    {
      await using ch = new Channel<number>(2);
      outer = ch;
      await ch.push(1);
      expect(ch.closed).toBe(false);
    }
    expect(outer.closed).toBe(true);
    expect(await outer.pull()).toBe(1);
    await expect(outer.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('using closes at the end of the block, also when the block throws', () => {
    let outer!: Channel<number>;
    expect(() => {
      using ch = new Channel<number>(0);
      outer = ch;
      throw new Error('in block');
    }).toThrow('in block');
    expect(outer.closed).toBe(true);
  });

  it('disposing rejects parked operations with ChannelClosedError', async () => {
    const ch = new Channel<number>(0);
    const q = track(ch.pull());
    const p = track(new Channel<number>(0).push(1));
    await tick();
    await ch[Symbol.asyncDispose]();
    await tick();
    expect(q.error).toBeInstanceOf(ChannelClosedError);
    expect(p.status).toBe('pending');
  });

  it('disposing an already closed channel keeps its first reason', async () => {
    const ch = new Channel<number>(0);
    ch.close('first');
    await ch[Symbol.asyncDispose]();
    const r = await collect(ch);
    expect(r.error).toBe('first');
  });
});

describe('errors of channel operations', () => {
  it('every error is a ChannelError and an Error', async () => {
    const ch = new Channel<number>(0, { name: 'e' });
    const errs: unknown[] = [];
    try {
      ch.pushNowait(1);
    } catch (e) {
      errs.push(e);
    }
    try {
      ch.pullNowait();
    } catch (e) {
      errs.push(e);
    }
    ch.close();
    errs.push(await ch.pull().catch((e) => e));
    for (const e of errs) {
      expect(e).toBeInstanceOf(ChannelError);
      expect(e).toBeInstanceOf(Error);
      expect((e as ChannelError).channel).toBe(ch);
    }
  });
});
