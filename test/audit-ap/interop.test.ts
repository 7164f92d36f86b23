import {
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  pull,
  select,
  selectNowait,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const micro = async (n = 30) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('Channel.from', () => {
  it('Channel.from and from are both available and feed a channel from an array, then close', async () => {
    const ch = Channel.from([1, 2, 3]);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(ch.closed).toBe(true);
  });

  it('never reads more than capacity values ahead of the consumer (endless generator)', async () => {
    let read = 0;
    function* endless() {
      for (let i = 0; ; i++) {
        read++;
        yield i;
      }
    }
    const ch = from(endless(), { capacity: 3 });
    await micro();
    await sleep(5);
    expect(read).toBeLessThanOrEqual(3);
    expect(ch.size).toBeLessThanOrEqual(3);
    expect(await ch.pull()).toBe(0);
    await micro();
    await sleep(5);
    expect(read).toBeLessThanOrEqual(4);
    ch.close();
  });

  it('capacity 0 (default) reads the source only when a pull asks', async () => {
    let read = 0;
    function* gen() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const ch = from(gen());
    await micro();
    await sleep(5);
    expect(read).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
    expect(read).toBe(0);
    expect(await ch.pull()).toBe(0);
    expect(await ch.pull()).toBe(1);
    await micro();
    await sleep(5);
    expect(read).toBe(2);
    ch.close();
  });

  it('closes with the error as reason when the source throws; values before it are delivered', async () => {
    const boom = new Error('boom');
    function* gen() {
      yield 1;
      yield 2;
      throw boom;
    }
    const ch = from(gen(), { capacity: 1 });
    const got: number[] = [];
    let err: unknown;
    try {
      for await (const v of ch) got.push(v);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([1, 2]);
    expect(err).toBe(boom);
    const e = await ch.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(boom);
  });

  it('an async iterable source that rejects closes the channel with its error', async () => {
    const boom = new Error('async boom');
    async function* gen() {
      yield 'a';
      await sleep(1);
      throw boom;
    }
    const ch = from(gen());
    expect(await ch.pull()).toBe('a');
    const e = await ch.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(boom);
  });

  it('from a ReadableStream, in order, then closed', async () => {
    const rs = new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
        c.enqueue(2);
        c.close();
      },
    });
    const ch = from(rs, { capacity: 2 });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2]);
  });

  it('a ReadableStream that errors closes the channel with that error', async () => {
    const boom = new Error('stream err');
    let ctrl!: ReadableStreamDefaultController<number>;
    const rs = new ReadableStream<number>({
      start(c) {
        ctrl = c;
        c.enqueue(1);
      },
    });
    const ch = from(rs);
    expect(await ch.pull()).toBe(1);
    const p = ch.pull();
    ctrl.error(boom);
    const e = await p.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(boom);
  });

  it('aborting the signal closes the channel normally and releases the generator (finally runs)', async () => {
    let finalized = false;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const ctl = new AbortController();
    const ch = from(gen(), { capacity: 1, signal: ctl.signal });
    expect(await ch.pull()).toBe(0);
    ctl.abort(new Error('stop'));
    expect(ch.closed).toBe(true);
    expect(finalized).toBe(true);
    const rest: number[] = [];
    for await (const v of ch) rest.push(v); // ends normally
    expect(rest.length).toBeLessThanOrEqual(1);
  });

  it('closing the channel by hand releases the source', async () => {
    let finalized = false;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const ch = from(gen(), { capacity: 2 });
    await ch.pull();
    ch.close();
    expect(finalized).toBe(true);
  });

  it('an already aborted signal gives a closed channel and reads nothing', async () => {
    let read = 0;
    function* gen() {
      read++;
      yield 1;
    }
    const ch = from(gen(), { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
    await micro();
    expect(read).toBe(0);
  });

  it('cancels a ReadableStream source when aborted', async () => {
    let cancelled: unknown = 'no';
    const rs = new ReadableStream<number>({
      pull(c) {
        c.enqueue(1);
      },
      cancel(r) {
        cancelled = r;
      },
    });
    const ctl = new AbortController();
    const ch = from(rs, { capacity: 1, signal: ctl.signal });
    await ch.pull();
    const reason = new Error('r');
    ctl.abort(reason);
    await micro();
    expect(cancelled).toBe(reason);
  });

  it('carries undefined, null and NaN values from an array', async () => {
    const ch = from([undefined, null, Number.NaN], { capacity: 3 });
    expect(await ch.pull()).toBeUndefined();
    expect(await ch.pull()).toBeNull();
    expect(await ch.pull()).toBeNaN();
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('an empty source gives a channel that ends', async () => {
    const ch = from([]);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.closed).toBe(true);
  });

  it('bad arguments throw at the call', () => {
    expect(() => from(42 as unknown as number[])).toThrow(TypeError);
    expect(() => from([1], { capacity: -1 })).toThrow(RangeError);
  });

  it('capacity Infinity reads an async source eagerly but a finite sync one fully', async () => {
    const ch = from([1, 2, 3, 4], { capacity: Infinity });
    await micro();
    expect(ch.size).toBe(4);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4]);
  });

  it('from works in select', async () => {
    const a = from(['x']);
    const b = new Channel<string>();
    const r = await select([pull(a), pull(b)]);
    expect(r).toMatchObject({ index: 0, value: 'x', ok: true });
    const r2 = await select([pull(a), pull(b)]);
    expect(r2).toMatchObject({ index: 0, ok: false });
  });
});

describe('toReadableStream', () => {
  it('highWaterMark 0 (default): pulls only for a pending read', async () => {
    const ch = new Channel<number>(5);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    const rs = toReadableStream(ch);
    await micro();
    await sleep(5);
    expect(ch.size).toBe(3);
    const reader = rs.getReader();
    expect(await reader.read()).toEqual({ value: 1, done: false });
    await micro();
    await sleep(5);
    expect(ch.size).toBe(2);
    reader.releaseLock();
  });

  it('method spelling channel.toReadableStream exists', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(9);
    ch.close();
    const rs = ch.toReadableStream();
    const reader = rs.getReader();
    expect(await reader.read()).toEqual({ value: 9, done: false });
    expect(await reader.read()).toEqual({ value: undefined, done: true });
  });

  it('positive highWaterMark pulls ahead up to it', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 10; i++) ch.pushNowait(i);
    const rs = toReadableStream(ch, { highWaterMark: 3 });
    await micro();
    await sleep(5);
    expect(ch.size).toBe(7);
    const reader = rs.getReader();
    expect((await reader.read()).value).toBe(0);
    await micro();
    await sleep(5);
    expect(ch.size).toBe(6);
    reader.releaseLock();
  });

  it('closes when the channel is closed and drained', async () => {
    const ch = new Channel<string>(2);
    ch.pushNowait('a');
    ch.close();
    const reader = toReadableStream(ch).getReader();
    expect(await reader.read()).toEqual({ value: 'a', done: false });
    expect(await reader.read()).toEqual({ value: undefined, done: true });
  });

  it('errors with the close reason after the values', async () => {
    const ch = new Channel<string>(2);
    ch.pushNowait('a');
    const reason = new Error('bad');
    ch.close(reason);
    const reader = toReadableStream(ch, { highWaterMark: 2 }).getReader();
    expect(await reader.read()).toEqual({ value: 'a', done: false });
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('cancel stops pulling, consumes nothing more and does not close the channel', async () => {
    const ch = new Channel<number>();
    const rs = toReadableStream(ch);
    const reader = rs.getReader();
    const pending = reader.read();
    await micro();
    expect(ch.stats().waitingPullers).toBe(1);
    await reader.cancel();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(ch.closed).toBe(false);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false); // nobody waiting
    const p = ch.pull();
    ch.pushNowait(5);
    expect(await p).toBe(5);
  });

  it('cancel with highWaterMark 0 leaves buffered values in the channel', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const rs = toReadableStream(ch);
    await micro();
    await rs.cancel();
    expect(ch.size).toBe(2);
    expect(ch.closed).toBe(false);
  });

  it('bad highWaterMark is a RangeError', () => {
    const ch = new Channel<number>();
    expect(() => toReadableStream(ch, { highWaterMark: -1 })).toThrow(RangeError);
    expect(() => toReadableStream(ch, { highWaterMark: Number.NaN })).toThrow(RangeError);
  });

  it('a value pushed into a channel with a pending read goes to the stream', async () => {
    const ch = new Channel<{ a: number }>();
    const reader = toReadableStream(ch).getReader();
    const r = reader.read();
    const obj = { a: 1 };
    await ch.push(obj);
    expect((await r).value).toBe(obj);
  });

  it('carries undefined values', async () => {
    const ch = new Channel<undefined | null>(2);
    ch.pushNowait(undefined);
    ch.pushNowait(null);
    ch.close();
    const reader = toReadableStream(ch).getReader();
    expect(await reader.read()).toEqual({ value: undefined, done: false });
    expect(await reader.read()).toEqual({ value: null, done: false });
    expect((await reader.read()).done).toBe(true);
  });
});

describe('fromEvent', () => {
  it('default capacity 1, drop-oldest: keeps only the latest event', async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'ping');
    expect(ch.capacity).toBe(1);
    expect(ch.stats().overflow).toBe('drop-oldest');
    const events = [new Event('ping'), new Event('ping'), new Event('ping')];
    for (const e of events) target.dispatchEvent(e);
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe(events[2]);
    ch.close();
  });

  it('delivers to a waiting pull', async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'x');
    const p = ch.pull();
    const ev = new Event('x');
    target.dispatchEvent(ev);
    expect(await p).toBe(ev);
    ch.close();
  });

  it('ignores other event types', () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'a');
    target.dispatchEvent(new Event('b'));
    expect(ch.size).toBe(0);
    ch.close();
  });

  it('with block and capacity 2 keeps every event', async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'e', { capacity: 2, overflow: 'block' });
    for (let i = 0; i < 5; i++) target.dispatchEvent(new CustomEvent('e', { detail: i }));
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(((await ch.pull()) as CustomEvent<number>).detail);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    ch.close();
  });

  it('drop-newest keeps the first events', () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'e', { capacity: 2, overflow: 'drop-newest' });
    for (let i = 0; i < 5; i++) target.dispatchEvent(new CustomEvent('e', { detail: i }));
    expect((ch.pullNowait() as CustomEvent).detail).toBe(0);
    expect((ch.pullNowait() as CustomEvent).detail).toBe(1);
    ch.close();
  });

  it('closing the channel removes the listener (later events are not received, no throw)', () => {
    const target = new EventTarget();
    const origAdd = target.addEventListener.bind(target);
    const origRemove = target.removeEventListener.bind(target);
    let added = 0;
    let removed = 0;
    target.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => {
      added++;
      origAdd(...args);
    };
    target.removeEventListener = (...args: Parameters<EventTarget['removeEventListener']>) => {
      removed++;
      origRemove(...args);
    };
    const ch = fromEvent(target, 'e');
    expect(added).toBe(1);
    ch.close();
    expect(removed).toBe(1);
    expect(() => target.dispatchEvent(new Event('e'))).not.toThrow();
    expect(ch.size).toBe(0);
  });

  it('aborting the signal removes the listener and closes the channel; buffered events stay readable', async () => {
    const target = new EventTarget();
    let removed = 0;
    const origRemove = target.removeEventListener.bind(target);
    target.removeEventListener = (...args: Parameters<EventTarget['removeEventListener']>) => {
      removed++;
      origRemove(...args);
    };
    const ctl = new AbortController();
    const ch = fromEvent(target, 'e', { signal: ctl.signal });
    const ev = new Event('e');
    target.dispatchEvent(ev);
    ctl.abort(new Error('x'));
    expect(ch.closed).toBe(true);
    expect(removed).toBe(1);
    target.dispatchEvent(new Event('e'));
    const got: Event[] = [];
    for await (const e of ch) got.push(e); // ends normally
    expect(got).toEqual([ev]);
  });

  it('an already aborted signal gives a closed channel and adds no listener (or removes it)', () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'e', { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
    target.dispatchEvent(new Event('e'));
    expect(ch.size).toBe(0);
  });

  it('bad target, type or capacity are refused at the call', () => {
    expect(() => fromEvent({} as EventTarget, 'e')).toThrow(TypeError);
    expect(() => fromEvent(new EventTarget(), 5 as unknown as string)).toThrow(TypeError);
    expect(() => fromEvent(new EventTarget(), 'e', { capacity: 0 })).toThrow(RangeError);
  });

  it('a select with a fromEvent case wins when the event fires', async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'go');
    const other = new Channel<number>();
    const p = select([pull(other), pull(ch)]);
    await micro();
    target.dispatchEvent(new Event('go'));
    expect((await p).index).toBe(1);
    expect(other.stats().waitingPullers).toBe(0);
    ch.close();
  });
});

describe('merge', () => {
  it('keeps each input order and closes after every input is closed and drained', async () => {
    const a = new Channel<string>(10);
    const b = new Channel<string>(10);
    for (const v of ['a1', 'a2', 'a3']) a.pushNowait(v);
    for (const v of ['b1', 'b2', 'b3']) b.pushNowait(v);
    a.close();
    const m = merge(a, b);
    const got: string[] = [];
    const reader = (async () => {
      for await (const v of m) got.push(v);
    })();
    await micro();
    await sleep(5);
    expect(m.closed).toBe(false); // b still open
    b.pushNowait('b4');
    b.close();
    await reader;
    expect(got.filter((v) => v.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(got.filter((v) => v.startsWith('b'))).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(m.closed).toBe(true);
  });

  it('merge of no channels / of closed channels is closed', async () => {
    const a = new Channel<number>();
    a.close();
    const m = merge(a);
    expect(m.closed).toBe(true);
    await expect(m.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('each value goes exactly once, with concurrent producers', async () => {
    const ins = [new Channel<number>(), new Channel<number>(), new Channel<number>()];
    const m = merge(...ins);
    const producers = ins.map(async (c, k) => {
      for (let i = 0; i < 50; i++) await c.push(k * 1000 + i);
      c.close();
    });
    const got: number[] = [];
    for await (const v of m) got.push(v);
    await Promise.all(producers);
    expect(got.length).toBe(150);
    for (let k = 0; k < 3; k++) {
      const mine = got.filter((v) => Math.floor(v / 1000) === k);
      expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => k * 1000 + i));
    }
  });

  it('an input closed with a reason closes the merged channel with that reason', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const m = merge(a, b);
    const reason = new Error('a died');
    a.close(reason);
    const e = await m.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
  });

  it('merge inside select: exactly one value taken', async () => {
    const a = new Channel<number>(5);
    const b = new Channel<number>(5);
    const m = merge(a, b);
    const stop = new Channel<void>();
    const p = select([pull(stop), pull(m)]);
    await micro();
    a.pushNowait(1);
    const r = await p;
    expect(r).toMatchObject({ index: 1, value: 1, ok: true });
    expect(stop.stats().waitingPullers).toBe(0);
    // merge with a closed input, selectNowait
    b.pushNowait(2);
    await micro();
    expect(selectNowait([pull(m)])).toMatchObject({ value: 2 });
    a.close();
    b.close();
    expect(await select([pull(m)])).toMatchObject({ ok: false });
  });

  it('merge takes at most one value ahead: inputs keep the rest', async () => {
    const a = new Channel<number>(10);
    for (let i = 0; i < 5; i++) a.pushNowait(i);
    const m = merge(a);
    await micro();
    expect(m.size).toBe(1);
    expect(a.size).toBe(4);
  });

  it('closing the merged channel leaves inputs open and keeps their values', async () => {
    const a = new Channel<number>(10);
    for (let i = 0; i < 5; i++) a.pushNowait(i);
    const m = merge(a);
    await micro();
    m.close();
    expect(a.closed).toBe(false);
    expect(m.pullNowait()).toBe(0);
    expect(a.size).toBe(4);
    expect(a.stats().waitingPullers).toBe(0);
  });

  it('non-channel arguments are a TypeError', () => {
    expect(() => merge({} as Channel<number>)).toThrow(TypeError);
  });

  it('carries undefined values', async () => {
    const a = new Channel<undefined>(3);
    a.pushNowait(undefined);
    a.pushNowait(undefined);
    a.close();
    const m = merge(a);
    let n = 0;
    for await (const v of m) {
      expect(v).toBeUndefined();
      n++;
    }
    expect(n).toBe(2);
  });

  it('merge of a merge keeps order', async () => {
    const a = new Channel<number>(10);
    const b = new Channel<number>(10);
    for (let i = 0; i < 5; i++) a.pushNowait(i);
    for (let i = 10; i < 15; i++) b.pushNowait(i);
    a.close();
    b.close();
    const m = merge(merge(a), b);
    const got: number[] = [];
    for await (const v of m) got.push(v);
    expect(got.filter((v) => v < 10)).toEqual([0, 1, 2, 3, 4]);
    expect(got.filter((v) => v >= 10)).toEqual([10, 11, 12, 13, 14]);
  });
});
