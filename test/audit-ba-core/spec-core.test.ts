/**
 * Audit BA-core: the SPEC's core sections ("Channel<T>" through "Interop"), one test per
 * sentence, as literally as the sentence allows. Imports the built package (dist/).
 */
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

const flush = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};
const settled = async <T>(p: Promise<T>) => {
  let state: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  p.then(
    (value) => {
      state = { ok: true, value };
    },
    (error) => {
      state = { ok: false, error };
    },
  );
  await flush();
  return state;
};

describe('Channel<T>: constructor', () => {
  it('capacity defaults to 0 (unbuffered), positive integers and Infinity are accepted', () => {
    expect(new Channel().capacity).toBe(0);
    expect(new Channel(3).capacity).toBe(3);
    expect(new Channel(Infinity).capacity).toBe(Infinity);
  });
  it.each([-1, Number.NaN, 1.5, -Infinity])('capacity %s is a RangeError', (capacity) => {
    expect(() => new Channel(capacity)).toThrow(RangeError);
  });
  it.each(['1', null, {}, 1n])('capacity %s (non-number) is a TypeError', (capacity) => {
    expect(() => new Channel(capacity as never)).toThrow(TypeError);
  });
  it('a drop mode with capacity 0 is a RangeError', () => {
    expect(() => new Channel(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-newest' })).toThrow(RangeError);
  });
  it('drop-oldest: push resolves and pushNowait returns on a full buffer, the oldest is discarded', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    expect(ch.pushNowait(4)).toBeUndefined();
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([3, 4]);
  });
  it('capacity 1 drop-oldest is a conflated channel: the latest value wins', () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    for (let i = 0; i < 10; i++) ch.pushNowait(i);
    expect(ch.pullNowait()).toBe(9);
  });
  it('drop-newest: the pushed value is discarded when full, without waiting or throwing', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    ch.pushNowait(4);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2]);
    expect(ch.size).toBe(0);
  });
  it('name labels errors and stats()', () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    expect(ch.name).toBe('jobs');
    expect(ch.stats().name).toBe('jobs');
    expect(() => ch.pushNowait(1)).toThrow(/jobs/);
  });
});

describe('Channel<T>: properties and stats()', () => {
  it('getters at each step of a buffered channel', async () => {
    const ch = new Channel<number>(2);
    expect([ch.size, ch.closed, ch.full, ch.empty]).toEqual([0, false, false, true]);
    await ch.push(1);
    expect([ch.size, ch.closed, ch.full, ch.empty]).toEqual([1, false, false, false]);
    await ch.push(2);
    expect([ch.size, ch.closed, ch.full, ch.empty]).toEqual([2, false, true, false]);
    ch.close();
    expect([ch.size, ch.closed, ch.full, ch.empty]).toEqual([2, true, true, false]);
    await ch.pull();
    await ch.pull();
    expect([ch.size, ch.closed, ch.full, ch.empty]).toEqual([0, true, false, true]);
  });
  it('an unbuffered channel is always full, size always 0', async () => {
    const ch = new Channel<number>();
    expect([ch.size, ch.full, ch.empty]).toEqual([0, true, true]);
    const p = ch.push(1);
    expect([ch.size, ch.full]).toEqual([0, true]);
    await ch.pull();
    await p;
  });
  it('properties are getters (read-only)', () => {
    const ch = new Channel<number>(1);
    for (const key of ['capacity', 'size', 'closed', 'full', 'empty', 'name']) {
      const d = Object.getOwnPropertyDescriptor(Channel.prototype, key);
      expect(typeof d?.get, key).toBe('function');
      expect(d?.set, key).toBeUndefined();
    }
    expect(ch.capacity).toBe(1);
  });
  it('stats() has exactly the SPEC fields and counts a select case on each channel', async () => {
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(1, { overflow: 'drop-oldest' });
    const s = select([pull(a), push(a, 1), pull(new Channel<number>())]);
    expect(a.stats()).toEqual({
      name: 'a',
      capacity: 0,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 1,
      waitingPullers: 1,
    });
    expect(Object.keys(b.stats()).sort()).toEqual(
      ['capacity', 'closed', 'name', 'overflow', 'size', 'waitingPullers', 'waitingPushers'].sort(),
    );
    a.close();
    await expect(s).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('toJSON gives stats() (no buffered values)', () => {
    const ch = new Channel<string>(4, { name: 'secret' });
    ch.pushNowait('password');
    expect(JSON.parse(JSON.stringify(ch))).toEqual({ ...ch.stats(), name: 'secret' });
    expect(JSON.stringify(ch)).not.toContain('password');
  });
});

describe('Channel<T>: blocking operations', () => {
  it('unbuffered push waits for a puller (rendezvous)', async () => {
    const ch = new Channel<number>();
    const p = ch.push(1);
    expect(await settled(p)).toBeUndefined();
    expect(await ch.pull()).toBe(1);
    expect(await settled(p)).toEqual({ ok: true, value: undefined });
  });
  it('push rejects ChannelClosedError when closed while waiting; the value is not delivered', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = ch.push(2);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('an already aborted signal is checked first, even on a closed channel', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const reason = new Error('stop');
    const signal = AbortSignal.abort(reason);
    await expect(ch.push(1, { signal })).rejects.toBe(reason);
    await expect(ch.pull({ signal })).rejects.toBe(reason);
    await expect(ch.pullMany(1, { signal })).rejects.toBe(reason);
    await expect(select([pull(ch)], { signal })).rejects.toBe(reason);
  });
  it('an abort while parked rejects with signal.reason and leaves no trace', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    const q = ch.pull({ signal: AbortSignal.abort() }).catch(() => 'x');
    expect(await q).toBe('x');
    ac.abort('bye');
    await expect(p).rejects.toBe('bye');
    expect(ch.stats().waitingPushers).toBe(0);
    const r = ch.pull();
    ch.pushNowait(2);
    expect(await r).toBe(2);
  });
  it('pull takes the head; a waiting pusher then moves into the buffer (FIFO)', async () => {
    const ch = new Channel<number>(2);
    await ch.push(1);
    await ch.push(2);
    const p3 = ch.push(3);
    const p4 = ch.push(4);
    expect(await ch.pull()).toBe(1);
    expect(ch.size).toBe(2);
    await p3;
    expect([await ch.pull(), await ch.pull(), await ch.pull()]).toEqual([2, 3, 4]);
    await p4;
  });
  it('closed and drained pull rejects ChannelClosedError whose cause is the close reason', async () => {
    const ch = new Channel<number>();
    const reason = new Error('r');
    ch.close(reason);
    const e = (await ch.pull().catch((x: unknown) => x)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
    const plain = new Channel<number>();
    plain.close();
    const e2 = (await plain.pull().catch((x: unknown) => x)) as ChannelClosedError;
    expect('cause' in e2).toBe(false);
  });
  it('parked pushers and parked pullers are each served FIFO', async () => {
    const ch = new Channel<number>();
    const pulls = [ch.pull(), ch.pull(), ch.pull()];
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    expect(await Promise.all(pulls)).toEqual([1, 2, 3]);
    const order: number[] = [];
    const pushes = [1, 2, 3].map((v) => ch.push(v).then(() => order.push(v)));
    expect([ch.pullNowait(), ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2, 3]);
    await Promise.all(pushes);
    expect(order).toEqual([1, 2, 3]);
  });
  it('a value committed to a pull is never taken back by a later abort', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ch.pushNowait(7);
    ac.abort();
    expect(await p).toBe(7);
  });
});

describe('Channel<T>: non-blocking operations', () => {
  it('pushNowait on unbuffered succeeds exactly when a puller waits', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
    const p = ch.pull();
    ch.pushNowait(2);
    expect(await p).toBe(2);
  });
  it('pullNowait on unbuffered succeeds exactly when a pusher waits', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    const p = ch.push(3);
    expect(ch.pullNowait()).toBe(3);
    await p;
  });
  it('pushNowait closed → ChannelClosedError; pullNowait closed+drained → ChannelClosedError', () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.close('why');
    expect(() => ch.pushNowait(2)).toThrow(ChannelClosedError);
    expect(ch.pullNowait()).toBe(1);
    let e: unknown;
    try {
      ch.pullNowait();
    } catch (error) {
      e = error;
    }
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBe('why');
  });
});

describe('Channel<T>: closing, iteration, disposal', () => {
  it('close is idempotent: the first reason counts', async () => {
    const ch = new Channel<number>();
    ch.close('first');
    ch.close('second');
    const e = (await ch.pull().catch((x: unknown) => x)) as Error;
    expect(e.cause).toBe('first');
  });
  it('every parked puller rejects ChannelClosedError on close', async () => {
    const ch = new Channel<number>();
    const ps = [ch.pull(), ch.pullMany(2), ch.pull()];
    ch.close();
    for (const p of ps) await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('for await ends normally after close(), throws reason after close(reason)', async () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    a.close();
    const got: number[] = [];
    for await (const v of a) got.push(v);
    expect(got).toEqual([1]);
    const b = new Channel<number>(2);
    b.pushNowait(1);
    b.close(0);
    const got2: number[] = [];
    const err = await (async () => {
      for await (const v of b) got2.push(v);
    })().catch((x: unknown) => ({ thrown: x }));
    expect(got2).toEqual([1]);
    expect(err).toEqual({ thrown: 0 });
  });
  it('several iterators: each value goes to exactly one', async () => {
    const ch = new Channel<number>(4);
    const seen: number[][] = [[], [], []];
    const loops = seen.map(async (into) => {
      for await (const v of ch) into.push(v);
    });
    await ch.pushAll(Array.from({ length: 50 }, (_, i) => i));
    ch.close();
    await Promise.all(loops);
    expect(seen.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
  it('leaving a for await early does not close and loses nothing', async () => {
    const ch = new Channel<number>(4);
    await ch.pushAll([1, 2, 3]);
    for await (const v of ch) if (v === 1) break;
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(2);
    try {
      for await (const _ of ch) throw new Error('x');
    } catch {}
    expect(ch.closed).toBe(false);
    expect(ch.size).toBe(0);
  });
  it('[Symbol.asyncDispose] and [Symbol.dispose] close the channel', async () => {
    const a = new Channel<number>();
    await a[Symbol.asyncDispose]();
    expect(a.closed).toBe(true);
    const b = new Channel<number>();
    b[Symbol.dispose]();
    expect(b.closed).toBe(true);
    let escaped: Channel<number> | undefined;
    {
      await using c = new Channel<number>(1);
      escaped = c;
    }
    expect(escaped.closed).toBe(true);
    {
      using d = new Channel<number>(1);
      escaped = d;
    }
    expect(escaped.closed).toBe(true);
  });
});

describe('select', () => {
  it('resolves with exactly { index, channel, value, ok }', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(5);
    const r = await select([null, pull(a)]);
    expect(r).toEqual({ index: 1, channel: a, value: 5, ok: true });
    expect(Object.keys(r).sort()).toEqual(['channel', 'index', 'ok', 'value']);
    const b = new Channel<number>(1);
    const w = await select([push(b, 9)]);
    expect(w).toEqual({ index: 0, channel: b, value: undefined, ok: true });
    b.close();
    b.pullNowait();
    expect(await select([pull(b)])).toEqual({ index: 0, channel: b, value: undefined, ok: false });
  });
  it('losing cases leave no trace', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>(1);
    const s = select([pull(a), push(b, 1), pull(c)]);
    c.pushNowait(3);
    expect((await s).index).toBe(2);
    expect([a.stats().waitingPullers, b.stats().waitingPushers]).toEqual([0, 0]);
  });
  it('a push case on a drop-mode channel is always ready', () => {
    const d = new Channel<number>(1, { overflow: 'drop-newest' });
    d.pushNowait(1);
    expect(selectNowait([push(d, 2)])?.index).toBe(0);
    expect(d.pullNowait()).toBe(1);
  });
  it('an empty list rejects TypeError; selectNowait returns undefined', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    expect(selectNowait([null])).toBeUndefined();
  });
  it('a push case on a closed channel rejects ChannelClosedError, at the call or later', async () => {
    const a = new Channel<number>();
    a.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    await expect(select([push(a, 1), pull(ready)])).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ready.size).toBe(1);
    expect(() => selectNowait([push(a, 1), pull(ready)])).toThrow(ChannelClosedError);
    const b = new Channel<number>();
    const s = select([push(b, 1), pull(new Channel<number>())]);
    b.close();
    await expect(s).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('an aborted signal rejects with signal.reason; nothing committed', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const s = select([pull(a), push(a, 1)], { signal: ac.signal });
    ac.abort('r');
    await expect(s).rejects.toBe('r');
    expect(a.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });
  it('never matches its own push case with its own pull case', async () => {
    const a = new Channel<number>();
    const s = select([push(a, 1), pull(a)], { signal: AbortSignal.timeout(30) });
    await expect(s).rejects.toHaveProperty('name', 'TimeoutError');
  });
  it('case descriptors can be reused by many selects', async () => {
    const a = new Channel<number>(10);
    const cases = [pull(a)] as const;
    await a.pushAll([1, 2, 3]);
    expect([(await select(cases)).value, (await select(cases)).value, selectNowait(cases)?.value]).toEqual([1, 2, 3]);
  });
  it('uniform choice among ready cases', () => {
    const chans = [0, 1, 2].map(() => new Channel<number>(Infinity));
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      for (const c of chans) c.pushNowait(i);
      const r = selectNowait(chans.map((c) => pull(c)));
      counts[r!.index]!++;
      for (const c of chans) while (c.tryPull() !== undefined);
    }
    for (const n of counts) expect(n).toBeGreaterThan(850);
  });
});

describe('after', () => {
  it('receives Date.now() once after ms, then closes', async () => {
    const t0 = Date.now();
    const ch = afterMs(15);
    expect(ch.closed).toBe(false);
    const v = await ch.pull();
    expect(v).toBeGreaterThanOrEqual(t0 + 15);
    expect(ch.closed).toBe(true);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('after(0) fires and closes; for await sees one value', async () => {
    const got: number[] = [];
    for await (const v of afterMs(0)) got.push(v);
    expect(got).toHaveLength(1);
  });
  it('signal aborting first: no value ever, channel closed', async () => {
    const ac = new AbortController();
    const ch = afterMs(10, { signal: ac.signal });
    ac.abort();
    expect(ch.closed).toBe(true);
    await new Promise((r) => setTimeout(r, 25));
    expect(ch.size).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
  });
});

describe('Errors', () => {
  it('each error class: extends ChannelError, name = class name, message names channel and operation, channel prop', () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const full = (() => {
      try {
        ch.pushNowait(1);
      } catch (e) {
        return e as ChannelFullError;
      }
    })()!;
    const empty = (() => {
      try {
        ch.pullNowait();
      } catch (e) {
        return e as ChannelEmptyError;
      }
    })()!;
    ch.close();
    const closed = (() => {
      try {
        ch.pushNowait(1);
      } catch (e) {
        return e as ChannelClosedError;
      }
    })()!;
    for (const [e, cls, op] of [
      [full, ChannelFullError, 'pushNowait'],
      [empty, ChannelEmptyError, 'pullNowait'],
      [closed, ChannelClosedError, 'pushNowait'],
    ] as const) {
      expect(e).toBeInstanceOf(cls);
      expect(e).toBeInstanceOf(ChannelError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(cls.name);
      expect(e.message).toContain('jobs');
      expect(e.message).toContain(op);
      expect(e.channel).toBe(ch);
    }
  });
});

describe('Interop', () => {
  it('Channel.from is lazy: never more than capacity values ahead', async () => {
    let read = 0;
    function* endless() {
      for (;;) {
        read++;
        yield read;
      }
    }
    const ch = Channel.from(endless(), { capacity: 2 });
    await flush();
    expect(read).toBeLessThanOrEqual(2);
    expect(await ch.pull()).toBe(1);
    await flush();
    expect(read).toBeLessThanOrEqual(3);
    ch.close();
  });
  it('Channel.from closes when the source ends, close(error) when it throws', async () => {
    const err = new Error('gen');
    async function* g() {
      yield 1;
      throw err;
    }
    const ch = Channel.from(g());
    expect(await ch.pull()).toBe(1);
    const e = (await ch.pull().catch((x: unknown) => x)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(err);
    const done = Channel.from([1]);
    expect(await done.pull()).toBe(1);
    await expect(done.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(done.closed).toBe(true);
  });
  it('Channel.from(ReadableStream)', async () => {
    const rs = new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
        c.enqueue(2);
        c.close();
      },
    });
    const got: number[] = [];
    for await (const v of from(rs)) got.push(v);
    expect(got).toEqual([1, 2]);
  });
  it('toReadableStream: pulls only for a pending read; closes when drained; errors with the reason', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    const rs = ch.toReadableStream();
    await flush();
    expect(ch.size).toBe(1);
    const reader = rs.getReader();
    expect(await reader.read()).toEqual({ value: 1, done: false });
    const pending = reader.read();
    await flush();
    expect(ch.stats().waitingPullers).toBe(1);
    ch.close(new Error('r'));
    await expect(pending).rejects.toThrow('r');
  });
  it('toReadableStream: cancel stops pulling, consumes nothing more, does not close', async () => {
    const ch = new Channel<number>(2);
    const reader = toReadableStream(ch).getReader();
    const pending = reader.read();
    await flush();
    await reader.cancel();
    expect(await pending).toEqual({ value: undefined, done: true });
    ch.pushNowait(1);
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(1);
  });
  it('fromEvent: capacity 1, drop-oldest; listener removed and channel closed on abort', async () => {
    const t = new EventTarget();
    const ac = new AbortController();
    const ch = fromEvent(t, 'x', { signal: ac.signal });
    expect(ch.capacity).toBe(1);
    expect(ch.stats().overflow).toBe('drop-oldest');
    const e1 = new Event('x');
    const e2 = new Event('x');
    t.dispatchEvent(e1);
    t.dispatchEvent(e2);
    ac.abort();
    expect(ch.closed).toBe(true);
    t.dispatchEvent(new Event('x'));
    expect(ch.pullNowait()).toBe(e2);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });
  it('merge: keeps each input order, closes once every input is closed and drained', async () => {
    const a = new Channel<number>(5);
    const b = new Channel<number>(5);
    await a.pushAll([1, 2, 3]);
    await b.pushAll([10, 20, 30]);
    const m = merge(a, b);
    a.close();
    b.close();
    const got: number[] = [];
    for await (const v of m) got.push(v);
    expect(got.filter((v) => v < 10)).toEqual([1, 2, 3]);
    expect(got.filter((v) => v >= 10)).toEqual([10, 20, 30]);
    expect(m.closed).toBe(true);
  });
});
