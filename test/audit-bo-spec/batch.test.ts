// Blind conformance pass (audit BO-spec): Second map, "Non-blocking and batch operations".

import { Channel, ChannelClosedError, type ChannelError, type PullChannel, type PushChannel } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { tick, track } from './helpers.js';

/** Either a sync throw or a rejection. */
async function failure(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('tryPush', () => {
  it('returns true when it commits into the buffer', () => {
    const ch = new Channel<number>(2);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(true);
    expect(ch.size).toBe(2);
  });

  it('returns false (never throws) when full; nothing added', () => {
    const ch = new Channel<number>(1);
    ch.tryPush(1);
    expect(ch.tryPush(2)).toBe(false);
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe(1);
  });

  it('returns false (never throws) on a closed channel, closed tells them apart', () => {
    const ch = new Channel<number>(5);
    ch.close(new Error('r'));
    expect(() => ch.tryPush(1)).not.toThrow();
    expect(ch.tryPush(1)).toBe(false);
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(0);
  });

  it('unbuffered: true exactly when a puller waits (hands the value over)', async () => {
    const ch = new Channel<number>(0);
    expect(ch.tryPush(1)).toBe(false);
    const q = track(ch.pull());
    await tick();
    expect(ch.tryPush(2)).toBe(true);
    await tick();
    expect(q.value).toBe(2);
    expect(ch.tryPush(3)).toBe(false);
  });

  it('drop modes: true when full (the policy is the commit)', () => {
    const o = new Channel<number>(1, { overflow: 'drop-oldest' });
    const n = new Channel<number>(1, { overflow: 'drop-newest' });
    for (const v of [1, 2, 3]) {
      expect(o.tryPush(v)).toBe(true);
      expect(n.tryPush(v)).toBe(true);
    }
    expect(o.pullNowait()).toBe(3);
    expect(n.pullNowait()).toBe(1);
  });

  it('does not park anything', () => {
    const ch = new Channel<number>(0);
    ch.tryPush(1);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('skips a parked puller whose signal already aborted (no commit to an aborted op)', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const q = track(ch.pull({ signal: ac.signal }));
    await tick();
    ac.abort('x');
    expect(ch.tryPush(1)).toBe(false);
    await tick();
    expect(q.error).toBe('x');
  });
});

describe('tryPull', () => {
  it('returns the head of the buffer', () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBe(2);
  });

  it('returns undefined when empty, and when closed and drained (never throws)', () => {
    const ch = new Channel<number>(3);
    expect(ch.tryPull()).toBeUndefined();
    ch.pushNowait(1);
    ch.close('reason');
    expect(ch.tryPull()).toBe(1);
    expect(() => ch.tryPull()).not.toThrow();
    expect(ch.tryPull()).toBeUndefined();
  });

  it('unbuffered: takes a parked pusher value and resolves that pusher', async () => {
    const ch = new Channel<number>(0);
    const p = track(ch.push(4));
    await tick();
    expect(ch.tryPull()).toBe(4);
    await tick();
    expect(p.status).toBe('resolved');
    expect(ch.tryPull()).toBeUndefined();
  });

  it('full buffer with a parked pusher: the pusher moves into the buffer', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = track(ch.push(2));
    await tick();
    expect(ch.tryPull()).toBe(1);
    await tick();
    expect(p.status).toBe('resolved');
    expect(ch.size).toBe(1);
    expect(ch.tryPull()).toBe(2);
  });

  it('does not park anything', () => {
    const ch = new Channel<number>(0);
    ch.tryPull();
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('pullMany', () => {
  it.each([0, -1, 1.5, Number.NaN, -Infinity])('max %s is a RangeError', async (max) => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    const e = await failure(() => ch.pullMany(max));
    expect(e).toBeInstanceOf(RangeError);
    expect(ch.size).toBe(1); // nothing taken
  });

  it('takes up to max values from the buffer in FIFO order', async () => {
    const ch = new Channel<number>(10);
    for (let i = 1; i <= 5; i++) ch.pushNowait(i);
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
    expect(await ch.pullMany(10)).toEqual([4, 5]);
    expect(ch.size).toBe(0);
  });

  it('takes buffer first, then parked pushers, each pusher resolving', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const ps = [3, 4, 5].map((v) => track(ch.push(v)));
    await tick();
    expect(await ch.pullMany(4)).toEqual([1, 2, 3, 4]);
    await tick();
    // 3 and 4 were taken; the buffer then has room, so 5 moves into it (SPEC pull rule)
    expect(ps.map((p) => p.status)).toEqual(['resolved', 'resolved', 'resolved']);
    expect(ch.size).toBe(1);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(await ch.pull()).toBe(5);
  });

  it('takes the parked pushers behind a full buffer when max exceeds them', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const ps = [3, 4].map((v) => track(ch.push(v)));
    await tick();
    expect(await ch.pullMany(100)).toEqual([1, 2, 3, 4]);
    await tick();
    expect(ps.every((p) => p.status === 'resolved')).toBe(true);
  });

  it('unbuffered: takes up to max parked pushers', async () => {
    const ch = new Channel<number>(0);
    const ps = [1, 2, 3].map((v) => track(ch.push(v)));
    await tick();
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    await tick();
    expect(ps.map((p) => p.status)).toEqual(['resolved', 'resolved', 'pending']);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(ch.pullNowait()).toBe(3);
  });

  it('waits like pull until at least one value can be taken', async () => {
    const ch = new Channel<number>(5);
    const q = track(ch.pullMany(3));
    await tick();
    expect(q.status).toBe('pending');
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(1);
    await tick();
    expect(q.status).toBe('resolved');
    expect(q.value!.length).toBeGreaterThanOrEqual(1);
    expect(q.value![0]).toBe(1);
  });

  it('waiting on an unbuffered channel: a push completes it', async () => {
    const ch = new Channel<number>(0);
    const q = track(ch.pullMany(3));
    await tick();
    await ch.push(7);
    await tick();
    expect(q.value).toEqual([7]);
  });

  it('is FIFO with other parked pullers', async () => {
    const ch = new Channel<number>(0);
    const a = track(ch.pull());
    const b = track(ch.pullMany(5));
    const c = track(ch.pull());
    await tick();
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    await tick();
    expect(a.value).toBe(1);
    expect(b.value).toEqual([2]);
    expect(c.value).toBe(3);
  });

  it('closed and drained: ChannelClosedError (with cause); closed with values: takes them', async () => {
    const ch = new Channel<number>(5);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const reason = new Error('end');
    ch.close(reason);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    const e = await failure(() => ch.pullMany(1));
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBe(reason);
  });

  it('parked pullMany rejects with ChannelClosedError on close', async () => {
    const ch = new Channel<number>(1);
    const q = track(ch.pullMany(2));
    await tick();
    ch.close();
    await tick();
    expect(q.error).toBeInstanceOf(ChannelClosedError);
  });

  it('already aborted: rejects with the reason, nothing taken (even on a closed channel)', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    const reason = { r: 1 };
    await expect(ch.pullMany(2, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ch.size).toBe(1);
    ch.close();
    await expect(ch.pullMany(2, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ch.size).toBe(1);
  });

  it('aborted while waiting: rejects with the reason, leaves no waiter, later values not lost', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const q = track(ch.pullMany(2, { signal: ac.signal }));
    await tick();
    ac.abort('stop');
    await tick();
    expect(q.error).toBe('stop');
    expect(ch.stats().waitingPullers).toBe(0);
    ch.pushNowait(1);
    expect(ch.size).toBe(1);
  });

  it('max = 1 behaves like pull', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await ch.pullMany(1)).toEqual([1]);
  });

  it('a large buffer drained in one call, in order', async () => {
    const ch = new Channel<number>(Infinity);
    for (let i = 0; i < 5000; i++) ch.pushNowait(i);
    const got = await ch.pullMany(10_000);
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe('pushAll', () => {
  it('pushes in order into a buffer with room and resolves', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2, 3]);
    expect(ch.size).toBe(3);
    expect(await ch.pullMany(5)).toEqual([1, 2, 3]);
  });

  it('accepts any iterable (generator, Set)', async () => {
    const ch = new Channel<number>(Infinity);
    function* gen() {
      yield 1;
      yield 2;
    }
    await ch.pushAll(gen());
    await ch.pushAll(new Set([3, 4]));
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4]);
  });

  it('empty iterable resolves', async () => {
    const ch = new Channel<number>(0);
    await ch.pushAll([]);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('waits for room and delivers every value in order (small buffer, slow consumer)', async () => {
    const ch = new Channel<number>(2);
    const values = Array.from({ length: 20 }, (_, i) => i);
    const p = track(ch.pushAll(values));
    await tick();
    expect(p.status).toBe('pending');
    expect(ch.size).toBe(2);
    const got: number[] = [];
    while (got.length < 20) got.push(await ch.pull());
    await tick();
    expect(p.status).toBe('resolved');
    expect(got).toEqual(values);
  });

  it('unbuffered: rendezvous for each value', async () => {
    const ch = new Channel<number>(0);
    const p = track(ch.pushAll([1, 2, 3]));
    await tick();
    expect(p.status).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    await tick();
    expect(p.status).toBe('resolved');
  });

  it('unbuffered: values go to parked pullers in FIFO order', async () => {
    const ch = new Channel<number>(0);
    const qs = [track(ch.pull()), track(ch.pull())];
    await tick();
    const p = track(ch.pushAll([1, 2]));
    await tick();
    expect(p.status).toBe('resolved');
    expect(qs.map((q) => q.value)).toEqual([1, 2]);
  });

  it('closed at call time: ChannelClosedError with pushed = 0', async () => {
    const ch = new Channel<number>(3);
    ch.close();
    const e = (await failure(() => ch.pushAll([1, 2]))) as ChannelError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(0);
    expect(ch.size).toBe(0);
  });

  it('closes part-way: rejects with ChannelClosedError, pushed says how many were committed', async () => {
    const ch = new Channel<number>(2);
    const p = track(ch.pushAll([1, 2, 3, 4, 5]));
    await tick();
    expect(ch.size).toBe(2);
    ch.close();
    await tick();
    expect(p.status).toBe('rejected');
    expect(p.error).toBeInstanceOf(ChannelClosedError);
    expect((p.error as ChannelError).pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('closes part-way after partial consumption: pushed counts every committed value', async () => {
    const ch = new Channel<number>(1);
    const p = track(ch.pushAll([1, 2, 3, 4]));
    await tick();
    expect(await ch.pull()).toBe(1);
    await tick();
    expect(await ch.pull()).toBe(2);
    await tick();
    // 3 is now committed into the buffer; 4 waits
    ch.close('bye');
    await tick();
    expect(p.error).toBeInstanceOf(ChannelClosedError);
    expect((p.error as ChannelError).pushed).toBe(3);
    expect(await ch.pull()).toBe(3);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('aborted part-way: rejects with the signal reason carrying pushed', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const reason = new Error('abort mid-way');
    const p = track(ch.pushAll([1, 2, 3, 4], { signal: ac.signal }));
    await tick();
    ac.abort(reason);
    await tick();
    expect(p.status).toBe('rejected');
    expect(p.error).toBe(reason);
    expect((p.error as { pushed?: number }).pushed).toBe(2);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('already aborted: rejects with the reason, nothing pushed (even on a closed channel)', async () => {
    const ch = new Channel<number>(5);
    const reason = new Error('pre');
    await expect(ch.pushAll([1, 2], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ch.size).toBe(0);
    ch.close();
    await expect(ch.pushAll([1, 2], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('drop modes never wait', async () => {
    const o = new Channel<number>(2, { overflow: 'drop-oldest' });
    await o.pushAll([1, 2, 3, 4, 5]);
    expect(await o.pullMany(5)).toEqual([4, 5]);
    const n = new Channel<number>(2, { overflow: 'drop-newest' });
    await n.pushAll([1, 2, 3, 4, 5]);
    expect(await n.pullMany(5)).toEqual([1, 2]);
  });

  it('two concurrent pushAll on a buffered channel each keep their own order, nothing lost', async () => {
    const ch = new Channel<number>(3);
    const a = Array.from({ length: 30 }, (_, i) => i);
    const b = Array.from({ length: 30 }, (_, i) => 100 + i);
    const pa = ch.pushAll(a);
    const pb = ch.pushAll(b);
    const got: number[] = [];
    while (got.length < 60) got.push(...(await ch.pullMany(4)));
    await Promise.all([pa, pb]);
    expect(got.filter((v) => v < 100)).toEqual(a);
    expect(got.filter((v) => v >= 100)).toEqual(b);
  });
});

describe('views', () => {
  it('the four methods are reachable through PushChannel / PullChannel views', async () => {
    const ch = new Channel<number>(4);
    const w: PushChannel<number> = ch;
    const r: PullChannel<number> = ch;
    expect(w.tryPush(1)).toBe(true);
    await w.pushAll([2, 3]);
    expect(r.tryPull()).toBe(1);
    expect(await r.pullMany(5)).toEqual([2, 3]);
  });

  // SPEC-wording note (README "Semantic details": "The methods are not bound"): even though
  // PushChannel types its members as function properties, a detached call throws a TypeError.
  it('detached PushChannel members throw TypeError (documented: methods are not bound)', async () => {
    const ch = new Channel<number>(4);
    const w: PushChannel<number> = ch;
    const { tryPush, pushAll, pushNowait } = w;
    expect(() => tryPush(5)).toThrow(TypeError);
    expect(() => pushNowait(5)).toThrow(TypeError);
    await expect((async () => pushAll([6]))()).rejects.toBeInstanceOf(TypeError);
    expect(ch.size).toBe(0);
  });
});
