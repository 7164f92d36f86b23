// Blind conformance pass (audit BO-spec): more corner cases (select result shape, signals
// composed with AbortSignal.any/timeout, broadcast edges, promises as values).

import { after, broadcast, Channel, ChannelClosedError, pull, push, select, selectNowait, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collect, tick, ticks, track } from './helpers.js';

describe('select result shape', () => {
  it('is exactly { index, channel, value, ok }', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(3);
    const r = await select([pull(a)]);
    expect(Object.keys(r).sort()).toEqual(['channel', 'index', 'ok', 'value']);
    const b = new Channel<number>(1);
    const r2 = selectNowait([push(b, 1)])!;
    expect(Object.keys(r2).sort()).toEqual(['channel', 'index', 'ok', 'value']);
    expect(r2.value).toBeUndefined();
  });
});

describe('composed signals pass their reason through unchanged', () => {
  it('AbortSignal.any: parked pull rejects with the source reason', async () => {
    const ac = new AbortController();
    const signal = AbortSignal.any([ac.signal, new AbortController().signal]);
    const ch = new Channel<number>(0);
    const q = track(ch.pull({ signal }));
    await tick();
    const reason = new Error('outer');
    ac.abort(reason);
    await tick();
    expect(q.error).toBe(reason);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('AbortSignal.timeout: rejects with the TimeoutError DOMException (the signal reason)', async () => {
    const ch = new Channel<number>(0);
    const signal = AbortSignal.timeout(30);
    const err = await ch.pull({ signal }).catch((e) => e);
    expect(err).toBe(signal.reason);
    expect((err as DOMException).name).toBe('TimeoutError');
    const err2 = await select([pull(ch)], { signal }).catch((e) => e);
    expect(err2).toBe(signal.reason);
  });

  it('abort() with no argument: the DOMException reason is passed through, for push/pullMany/select', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const ops = [
      track(ch.push(1, { signal: ac.signal })),
      track(new Channel<number>(0).pullMany(2, { signal: ac.signal })),
      track(select([pull(new Channel<number>(0))], { signal: ac.signal })),
    ];
    await tick();
    ac.abort();
    await tick();
    for (const o of ops) {
      expect(o.status).toBe('rejected');
      expect(o.error).toBe(ac.signal.reason);
    }
  });
});

describe('pullMany and selects', () => {
  it('pullMany takes values of parked select push cases in FIFO order and resolves those selects', async () => {
    const ch = new Channel<number>(0);
    const other = new Channel<number>(0);
    const s1 = track(select([push(ch, 1), pull(other)]));
    const p2 = track(ch.push(2));
    const s3 = track(select([push(ch, 3)]));
    await tick();
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
    await tick();
    expect(s1.value).toMatchObject({ index: 0 });
    expect(p2.status).toBe('resolved');
    expect(s3.status).toBe('resolved');
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('a parked pullMany served by pushAll gets the first value, the rest goes on as pushes', async () => {
    const ch = new Channel<number>(2);
    const q = track(ch.pullMany(5));
    await tick();
    await ch.pushAll([1, 2, 3]);
    await tick();
    expect(q.value![0]).toBe(1);
    const rest = [...q.value!.slice(1), ...(await ch.pullMany(5))];
    expect(rest).toEqual([2, 3]);
  });
});

describe('broadcast edges', () => {
  it('with an unbuffered source and no subscriber, a push stays parked until someone subscribes', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const p = track(src.push(1));
    await ticks(5);
    expect(p.status).toBe('pending');
    const s = b.subscribe();
    await ticks(3);
    expect(await s.pull()).toBe(1);
    await tick();
    expect(p.status).toBe('resolved');
    b.close();
  });

  it('subscribe with an already aborted signal: a closed channel, the others unaffected', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const dead = b.subscribe({ signal: AbortSignal.abort() });
    const live = b.subscribe({ capacity: 5 });
    await ticks(2);
    expect(dead.closed).toBe(true);
    await src.push(1);
    await ticks(2);
    expect(live.pullNowait()).toBe(1);
    b.close();
  });

  it('subscribe after broadcast.close() gives a closed channel', () => {
    const b = broadcast(new Channel<number>(0));
    b.close();
    const s = b.subscribe();
    expect(s.closed).toBe(true);
  });

  it('capacity-0 subscribers: every value reaches every reader', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const subs = [b.subscribe({ capacity: 0 }), b.subscribe({ capacity: 0 })];
    const rs = subs.map((s) => collect(s));
    for (let i = 0; i < 10; i++) await src.push(i);
    src.close('end');
    for (const r of await Promise.all(rs)) {
      expect(r.values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(r.error).toBe('end');
    }
  });

  it('a drop-newest subscriber keeps the earliest values when not read', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const d = b.subscribe({ capacity: 2, overflow: 'drop-newest' });
    for (let i = 1; i <= 5; i++) await src.push(i);
    await ticks(2);
    expect([d.pullNowait(), d.pullNowait()]).toEqual([1, 2]);
    b.close();
  });

  it('source closed while a block subscriber is full: after reading, the subscriber sees everything then the reason', async () => {
    const src = new Channel<number>(5);
    const b = broadcast(src);
    const s = b.subscribe(); // capacity 1
    for (const v of [1, 2, 3]) src.pushNowait(v);
    await ticks(3);
    const reason = new Error('src end');
    src.close(reason);
    await ticks(3);
    const r = await collect(s);
    expect(r.values).toEqual([1, 2, 3]);
    expect(r.error).toBe(reason);
  });

  it('broadcast.close() does not close the source', async () => {
    const src = new Channel<number>(1);
    const b = broadcast(src);
    b.subscribe();
    b.close();
    await tick();
    expect(src.closed).toBe(false);
  });

  it('a subscriber closed by its reader while the broadcast waits for its room releases the others', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const slow = b.subscribe(); // capacity 1, never read
    const fast = b.subscribe({ capacity: 10 });
    await src.push(1); // fills slow
    const p2 = track(src.push(2));
    await ticks(3);
    expect(p2.status).toBe('pending'); // slow has no room
    slow.close();
    await ticks(3);
    expect(p2.status).toBe('resolved');
    expect(await fast.pullMany(10)).toEqual([1, 2]);
    // the closed subscriber's buffered value stays readable
    expect(slow.pullNowait()).toBe(1);
    await expect(slow.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    b.close();
  });
});

describe('promises as values (SPEC: push(value: T) for any T)', () => {
  // SPEC-wording note: README "Thenables are not values" refuses thenables with a TypeError at push.
  it('a thenable value is refused with TypeError and nothing is committed (documented decision)', async () => {
    const ch = new Channel<Promise<number>>(2);
    const p = Promise.resolve(1);
    await expect(ch.push(p)).rejects.toBeInstanceOf(TypeError);
    expect(() => ch.pushNowait(p)).toThrow(TypeError);
    expect(ch.size).toBe(0);
    // wrapping works
    const w = new Channel<{ promise: Promise<number> }>(1);
    await w.push({ promise: p });
    expect(await (await w.pull()).promise).toBe(1);
  });
});

describe('parked select with two cases on one channel (Go TestPseudoRandomSend)', () => {
  it('a counterpart meets either push case with about equal odds', async () => {
    const trials = 600;
    let a = 0;
    for (let i = 0; i < trials; i++) {
      const c = new Channel<string>(0);
      const s = select([push(c, 'A'), push(c, 'B')]);
      await Promise.resolve();
      const v = c.pullNowait();
      const r = await s;
      expect(r.index).toBe(v === 'A' ? 0 : 1);
      if (v === 'A') a++;
      expect(c.stats().waitingPushers).toBe(0);
    }
    expect(a / trials).toBeGreaterThan(0.35);
    expect(a / trials).toBeLessThan(0.65);
  });

  it('a select parked with a push and a pull case on the channel that closes rejects with ChannelClosedError', async () => {
    const c = new Channel<number>(0);
    const s = select([pull(c), push(c, 1)]).catch((e) => e);
    await Promise.resolve();
    c.close();
    expect(await s).toBeInstanceOf(ChannelClosedError);
  });
});

describe('a committed value is never taken back', () => {
  it('pull committed then close() in the same turn: the pull still resolves with the value', async () => {
    const ch = new Channel<number>(0);
    const q = track(ch.pull());
    await tick();
    ch.pushNowait(1);
    ch.close(new Error('right after'));
    await tick();
    expect(q.status).toBe('resolved');
    expect(q.value).toBe(1);
  });

  it('parked push taken by a pull, then close() in the same turn: the push resolves', async () => {
    const ch = new Channel<number>(0);
    const p = track(ch.push(1));
    await tick();
    expect(ch.pullNowait()).toBe(1);
    ch.close();
    await tick();
    expect(p.status).toBe('resolved');
  });

  it('parked push moved into the buffer, then close(): it resolves and its value stays readable', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = track(ch.push(2));
    await tick();
    expect(ch.pullNowait()).toBe(1);
    ch.close('r');
    await tick();
    expect(p.status).toBe('resolved');
    expect(ch.pullNowait()).toBe(2);
  });
});

describe('timeout idiom', () => {
  it('select([pull(ch), pull(after(ms))]) fires the after case with a timestamp', async () => {
    const ch = new Channel<number>(0);
    const t0 = Date.now();
    const r = await select([pull(ch), pull(after(30))]);
    expect(r.index).toBe(1);
    expect(r.ok).toBe(true);
    expect(typeof r.value).toBe('number');
    expect(r.value as number).toBeGreaterThanOrEqual(t0);
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('argument types (SPEC-wording notes: non-numbers are TypeError, as for the constructor)', () => {
  it('ticker with a non-number is a TypeError; pullMany with a non-number is a TypeError', async () => {
    expect(() => ticker('100' as unknown as number)).toThrow(TypeError);
    const ch = new Channel<number>(1);
    const e = await (async () => ch.pullMany('2' as unknown as number))().catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
  });

  it('pullMany(Infinity) is a RangeError (Infinity is not an integer)', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const e = await (async () => ch.pullMany(Infinity))().catch((x) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(ch.size).toBe(1);
  });
});
