import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  pull,
  push,
  select,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));
const settled = async <T>(p: Promise<T>) => {
  let s: { st: 'pending' } | { st: 'ok'; v: T } | { st: 'err'; e: unknown } = { st: 'pending' };
  p.then(
    (v) => (s = { st: 'ok', v }),
    (e) => (s = { st: 'err', e }),
  );
  await tick();
  return () => s;
};

describe('constructor', () => {
  it('defaults to capacity 0', () => {
    const ch = new Channel();
    expect(ch.capacity).toBe(0);
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.closed).toBe(false);
  });
  it('accepts Infinity', () => {
    const ch = new Channel(Infinity);
    expect(ch.capacity).toBe(Infinity);
    for (let i = 0; i < 1000; i++) ch.pushNowait(i);
    expect(ch.size).toBe(1000);
    expect(ch.full).toBe(false);
  });
  it.each([-1, NaN, 1.5, -Infinity])('capacity %s throws RangeError naming the argument', (c) => {
    expect(() => new Channel(c)).toThrow(RangeError);
    try {
      new Channel(c);
    } catch (e) {
      expect((e as Error).message).toMatch(/capacity/i);
    }
  });
  it.each(['3', null, {}, 1n, true])('non-number capacity %s throws TypeError', (c) => {
    expect(() => new Channel(c as never)).toThrow(TypeError);
    try {
      new Channel(c as never);
    } catch (e) {
      expect((e as Error).message).toMatch(/capacity/i);
    }
  });
  it('explicit undefined capacity is the default 0', () => {
    expect(new Channel(undefined).capacity).toBe(0);
  });
  it('drop mode with capacity 0 throws RangeError', () => {
    expect(() => new Channel(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-newest' })).toThrow(RangeError);
    expect(() => new Channel(undefined, { overflow: 'drop-newest' })).toThrow(RangeError);
  });
  it('unknown overflow value is rejected', () => {
    expect(() => new Channel(1, { overflow: 'drop' as never })).toThrow();
  });
  it('name getter', () => {
    expect(new Channel(0, { name: 'jobs' }).name).toBe('jobs');
  });
});

describe('overflow', () => {
  it('drop-oldest: sliding buffer, push resolves immediately', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    ch.pushNowait(4);
    expect(ch.size).toBe(2);
    expect(ch.pullNowait()).toBe(3);
    expect(ch.pullNowait()).toBe(4);
  });
  it('drop-oldest capacity 1 is conflated', () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    expect(ch.pullNowait()).toBe(4);
  });
  it('drop-newest discards the pushed value', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    ch.pushNowait(4);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2]);
  });
  it('drop modes: a waiting puller receives the pushed value directly', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    const p = ch.pull();
    ch.pushNowait(7);
    expect(await p).toBe(7);
  });
  it('drop mode push still rejects on a closed channel', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
  });
  it('stats reports overflow and counts', async () => {
    const ch = new Channel<number>(0, { name: 's' });
    const a = ch.pull();
    const b = ch.pull();
    expect(ch.stats()).toEqual({
      name: 's',
      capacity: 0,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 2,
    });
    ch.close();
    await expect(a).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(b).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.stats().waitingPullers).toBe(0);
  });
  it('stats counts a select case on each channel', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const p = select([pull(a), push(b, 1), pull(b)], { signal: ac.signal });
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPushers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    ac.abort();
    await expect(p).rejects.toBeDefined();
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('blocking operations', () => {
  it('unbuffered push waits for a puller (rendezvous)', async () => {
    const ch = new Channel<number>();
    const p = ch.push(1);
    const s = await settled(p);
    expect(s().st).toBe('pending');
    expect(await ch.pull()).toBe(1);
    await p;
  });
  it('buffered push resolves once stored', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const s = await settled(ch.push(2));
    expect(s().st).toBe('pending');
    expect(ch.size).toBe(1);
  });
  it('undefined is a value like any other', async () => {
    const ch = new Channel<undefined>(1);
    await ch.push(undefined);
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBeUndefined();
    const p = ch.pull();
    ch.pushNowait(undefined);
    expect(await p).toBeUndefined();
    ch.pushNowait(undefined);
    const r = await select([pull(ch)]);
    expect(r).toEqual({ index: 0, channel: ch, value: undefined, ok: true });
  });
  it('parked push rejects on close and the value is not delivered', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = ch.push(2);
    ch.close('bye');
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });
  it('already-aborted signal wins over closed channel (push and pull)', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const reason = new Error('r');
    await expect(ch.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(ch.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
  it('already-aborted signal wins over a ready value; nothing consumed', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    await expect(ch.pull({ signal: AbortSignal.abort('x') })).rejects.toBe('x');
    expect(ch.size).toBe(1);
    const p = ch.pull();
    expect(await p).toBe(1);
    const q = ch.pull();
    await expect(ch.push(5, { signal: AbortSignal.abort('y') })).rejects.toBe('y');
    ch.pushNowait(2);
    expect(await q).toBe(2);
  });
  it('aborted parked push leaves no trace', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    ac.abort('gone');
    await expect(p).rejects.toBe('gone');
    expect(ch.stats().waitingPushers).toBe(0);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });
  it('aborted with undefined reason rejects with signal.reason (AbortError DOMException)', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ac.abort();
    const e = await p.catch((x) => x);
    expect(e).toBe(ac.signal.reason);
    expect((e as Error).name).toBe('AbortError');
  });
  it('pull moves a parked pusher into the buffer, keeping FIFO', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const p3 = ch.push(3);
    const p4 = ch.push(4);
    expect(await ch.pull()).toBe(1);
    await p3;
    expect(ch.size).toBe(2);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    expect(await ch.pull()).toBe(4);
    await p4;
  });
  it('parked pushers served FIFO (unbuffered)', async () => {
    const ch = new Channel<number>();
    const ps = [1, 2, 3, 4].map((v) => ch.push(v));
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await ch.pull());
    expect(got).toEqual([1, 2, 3, 4]);
    await Promise.all(ps);
  });
  it('parked pullers served FIFO', async () => {
    const ch = new Channel<number>();
    const order: number[] = [];
    const ps = [0, 1, 2].map((i) => ch.pull().then((v) => order.push(i * 10 + v)));
    ch.pushNowait(1);
    await ch.push(2);
    ch.pushNowait(3);
    await Promise.all(ps);
    expect(order).toEqual([1, 12, 23]);
  });
  it('FIFO holds when an earlier puller aborts', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const a = ch.pull({ signal: ac.signal });
    const b = ch.pull();
    const c = ch.pull();
    ac.abort('x');
    ch.pushNowait(1);
    ch.pushNowait(2);
    await expect(a).rejects.toBe('x');
    expect(await b).toBe(1);
    expect(await c).toBe(2);
  });
  it('a resolved pull keeps its value even if its signal aborts in the same tick', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ch.pushNowait(9);
    ac.abort('late');
    expect(await p).toBe(9);
  });
  it('a push committed then aborted in the same tick resolves', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(9, { signal: ac.signal });
    expect(ch.pullNowait()).toBe(9);
    ac.abort('late');
    await expect(p).resolves.toBeUndefined();
  });
  it('close in the same tick after commit does not reject the committed push', async () => {
    const ch = new Channel<number>();
    const p = ch.push(9);
    const q = ch.pull();
    ch.close();
    await expect(p).resolves.toBeUndefined();
    expect(await q).toBe(9);
  });
  it('re-entrant push from a pull.then keeps order', async () => {
    const ch = new Channel<number>(1);
    const seen: number[] = [];
    const loop = async () => {
      for (;;) {
        try {
          seen.push(await ch.pull());
        } catch {
          return;
        }
      }
    };
    const l = loop();
    for (let i = 0; i < 20; i++) await ch.push(i);
    ch.close();
    await l;
    expect(seen).toEqual([...Array(20).keys()]);
  });
  it('a signal shared across many operations only rejects the pending ones', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const a = ch.pull({ signal: ac.signal });
    const b = ch.pull({ signal: ac.signal });
    ch.pushNowait(1);
    ac.abort('stop');
    expect(await a).toBe(1);
    await expect(b).rejects.toBe('stop');
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('non-blocking', () => {
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
  it('pushNowait on closed throws ChannelClosedError even when a drop mode / room', () => {
    const ch = new Channel<number>(5);
    ch.close();
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
  });
  it('pullNowait on closed but non-drained returns values then throws closed', () => {
    const ch = new Channel<number>(5);
    ch.pushNowait(1);
    ch.close(new Error('why'));
    expect(ch.pullNowait()).toBe(1);
    let e: unknown;
    try {
      ch.pullNowait();
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toEqual(new Error('why'));
  });
  it('pushNowait full error names channel and op', () => {
    const ch = new Channel<number>(1, { name: 'q' });
    ch.pushNowait(1);
    let e: any;
    try {
      ch.pushNowait(2);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ChannelFullError);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ChannelFullError');
    expect(e.channel).toBe(ch);
    expect(e.message).toContain('q');
    expect(e.message).toMatch(/pushNowait/);
  });
  it('pullNowait empty error names channel and op', () => {
    const ch = new Channel<number>(1, { name: 'q2' });
    let e: any;
    try {
      ch.pullNowait();
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ChannelEmptyError);
    expect(e.name).toBe('ChannelEmptyError');
    expect(e.channel).toBe(ch);
    expect(e.message).toContain('q2');
    expect(e.message).toMatch(/pullNowait/);
  });
  it('closed error names channel, op and carries cause', async () => {
    const ch = new Channel<number>(1, { name: 'q3' });
    const reason = new Error('shutdown');
    ch.close(reason);
    const e: any = await ch.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.name).toBe('ChannelClosedError');
    expect(e.channel).toBe(ch);
    expect(e.message).toContain('q3');
    expect(e.message).toMatch(/pull/);
    expect(e.cause).toBe(reason);
    const e2: any = await ch.push(1).catch((x) => x);
    expect(e2.message).toMatch(/push/);
    expect(e2.channel).toBe(ch);
  });
  it('close() without reason: ChannelClosedError has no cause', async () => {
    const ch = new Channel<number>();
    ch.close();
    const e: any = await ch.pull().catch((x) => x);
    expect(e.cause).toBeUndefined();
  });
  it('close reason not an Error (string, 0, null) appears as cause', async () => {
    for (const r of ['s', 0, null, false]) {
      const ch = new Channel<number>();
      ch.close(r);
      const e: any = await ch.pull().catch((x) => x);
      expect(e.cause).toBe(r);
    }
  });
});

describe('closing', () => {
  it('is idempotent: the first reason stays', async () => {
    const ch = new Channel<number>();
    ch.close('first');
    ch.close('second');
    const e: any = await ch.pull().catch((x) => x);
    expect(e.cause).toBe('first');
  });
  it('close() then close(reason) does not add a reason', async () => {
    const ch = new Channel<number>();
    ch.close();
    ch.close('late');
    const e: any = await ch.pull().catch((x) => x);
    expect(e.cause).toBeUndefined();
    const it = ch[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
  it('buffer stays readable after close', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close('r');
    expect(ch.closed).toBe(true);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('parked pullers all reject with cause', async () => {
    const ch = new Channel<number>();
    const ps = [ch.pull(), ch.pull()];
    ch.close('x');
    for (const p of ps) {
      const e: any = await p.catch((x) => x);
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toBe('x');
    }
  });
  it('for await ends normally after close()', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    const got = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2]);
  });
  it('for await throws the reason itself after close(reason), after draining', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    const reason = new Error('boom');
    ch.close(reason);
    const got = [];
    let err: unknown;
    try {
      for await (const v of ch) got.push(v);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([1]);
    expect(err).toBe(reason);
  });
  it('for await throws a falsy reason (null, 0, "")', async () => {
    for (const r of [null, 0, '', false]) {
      const ch = new Channel<number>();
      ch.close(r);
      let err: unknown = 'none';
      try {
        for await (const _ of ch);
      } catch (e) {
        err = e;
      }
      expect(err).toBe(r);
    }
  });
  it('for await parked when close(reason) happens throws reason', async () => {
    const ch = new Channel<number>();
    const run = (async () => {
      for await (const _ of ch);
    })();
    await tick();
    ch.close('late');
    await expect(run).rejects.toBe('late');
  });
  it('close(undefined) ends iteration normally', async () => {
    const ch = new Channel<number>();
    ch.close(undefined);
    for await (const _ of ch);
  });
});

describe('iteration and disposal', () => {
  it('several iterators: each value to exactly one', async () => {
    const ch = new Channel<number>(4);
    const a: number[] = [];
    const b: number[] = [];
    const ra = (async () => {
      for await (const v of ch) {
        a.push(v);
        await tick();
      }
    })();
    const rb = (async () => {
      for await (const v of ch) b.push(v);
    })();
    for (let i = 0; i < 100; i++) await ch.push(i);
    ch.close();
    await Promise.all([ra, rb]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([...Array(100).keys()]);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
  });
  it('break does not close and loses no value', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    for await (const v of ch) if (v === 1) break;
    expect(ch.closed).toBe(false);
    expect(ch.size).toBe(3);
    expect(ch.pullNowait()).toBe(2);
  });
  it('throw inside loop does not close', async () => {
    const ch = new Channel<number>(10);
    ch.pushNowait(1);
    ch.pushNowait(2);
    await expect(
      (async () => {
        for await (const _ of ch) throw new Error('x');
      })(),
    ).rejects.toThrow('x');
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(2);
  });
  it('iterator.return() while a next() is parked does not lose a later value', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const n = it.next();
    const r = await it.return!();
    expect(r.done).toBe(true);
    // parked next should settle done, not steal a value
    const p = ch.push(1);
    const s = await settled(n);
    expect(ch.pullNowait === undefined).toBe(false);
    const st = s();
    if (st.st === 'ok') expect((st.v as IteratorResult<number>).done).toBe(true);
    // the value should still be available to another puller
    expect(await ch.pull()).toBe(1);
    await p;
  });
  it('iterator stays usable after return() (README: documented, SPEC silent)', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    const it = ch[Symbol.asyncIterator]();
    await it.return!();
    expect(ch.closed).toBe(false);
    expect(await it.next()).toEqual({ done: false, value: 1 });
  });
  it('Symbol.asyncDispose closes; await using closes at block end', async () => {
    let outer: Channel<number>;
    {
      await using ch = new Channel<number>(1);
      outer = ch;
      ch.pushNowait(1);
    }
    expect(outer!.closed).toBe(true);
    expect(outer!.pullNowait()).toBe(1);
  });
  it('using closes at block end', () => {
    let outer: Channel<number>;
    {
      using ch = new Channel<number>(1);
      outer = ch;
    }
    expect(outer!.closed).toBe(true);
  });
  it('asyncDispose returns a promise and rejects parked ops', async () => {
    const ch = new Channel<number>();
    const p = ch.pull();
    const r = ch[Symbol.asyncDispose]();
    expect(r).toBeInstanceOf(Promise);
    await r;
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('for await over an await-using channel inside the block', async () => {
    const got: number[] = [];
    const producer = async (c: Channel<number>) => {
      for (let i = 0; i < 3; i++) await c.push(i);
    };
    {
      await using ch = new Channel<number>();
      const pp = producer(ch);
      for await (const v of ch) {
        got.push(v);
        if (got.length === 3) break;
      }
      await pp;
    }
    expect(got).toEqual([0, 1, 2]);
  });
});
