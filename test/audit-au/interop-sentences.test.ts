import { Channel, ChannelClosedError, fromEvent, merge, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Channel.from', () => {
  it('from an array: values then closed', async () => {
    const ch = Channel.from([1, 2, 3]);
    const got = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(ch.closed).toBe(true);
  });
  it('lazy: never more than capacity ahead of the consumer (endless source)', async () => {
    let produced = 0;
    function* endless() {
      for (;;) yield produced++;
    }
    const ch = Channel.from(endless(), { capacity: 3 });
    await tick();
    await tick();
    expect(produced).toBeLessThanOrEqual(4);
    expect(await ch.pull()).toBe(0);
    await tick();
    expect(produced).toBeLessThanOrEqual(5);
    ch.close();
  });
  it('default capacity: source read only when a pull asks', async () => {
    let produced = 0;
    async function* g() {
      for (;;) yield produced++;
    }
    const ch = Channel.from(g());
    await tick();
    expect(produced).toBeLessThanOrEqual(1);
    const p = ch.pull();
    expect(await p).toBe(0);
    ch.close();
  });
  it('source throws: close(error), for await throws it after values', async () => {
    const err = new Error('src');
    async function* g() {
      yield 1;
      throw err;
    }
    const ch = Channel.from(g());
    const got: number[] = [];
    let caught: unknown;
    try {
      for await (const v of ch) got.push(v);
    } catch (e) {
      caught = e;
    }
    expect(got).toEqual([1]);
    expect(caught).toBe(err);
    const e: any = await ch.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(err);
  });
  it('from a ReadableStream', async () => {
    const rs = new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
        c.enqueue(2);
        c.close();
      },
    });
    const got = [];
    for await (const v of Channel.from(rs)) got.push(v);
    expect(got).toEqual([1, 2]);
  });
  it('from an erroring ReadableStream closes with the error', async () => {
    const err = new Error('rs');
    const rs = new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
        c.error(err);
      },
    });
    const ch = Channel.from(rs);
    const r = await (async () => {
      const got: number[] = [];
      try {
        for await (const v of ch) got.push(v);
      } catch (e) {
        return { got, e };
      }
      return { got, e: undefined };
    })();
    expect(r.e).toBe(err);
  });
  it('signal abort stops the pump and closes normally; generator finally runs', async () => {
    let finalized = false;
    async function* g() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const ac = new AbortController();
    const ch = Channel.from(g(), { capacity: 2, signal: ac.signal });
    expect(await ch.pull()).toBe(0);
    ac.abort('x');
    for (let i = 0; i < 5; i++) await tick();
    expect(ch.closed).toBe(true);
    expect(finalized).toBe(true);
    // closed normally: iteration ends without throwing
    for await (const _ of ch);
  });
  it('closing the channel by hand releases the source', async () => {
    let finalized = false;
    function* g() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const ch = Channel.from(g(), { capacity: 1 });
    await tick();
    ch.close();
    for (let i = 0; i < 5; i++) await tick();
    expect(finalized).toBe(true);
  });
  it('select over a from() channel: no value read ahead is lost', async () => {
    const ch = Channel.from([1, 2, 3, 4, 5]);
    const other = new Channel<number>();
    const got: number[] = [];
    for (;;) {
      const r = await select([pull(ch), pull(other)]);
      if (!r.ok) break;
      got.push(r.value as number);
    }
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });
  it('bad arguments: TypeError naming from', () => {
    expect(() => Channel.from(42 as never)).toThrow(TypeError);
    try {
      Channel.from(42 as never);
    } catch (e) {
      expect((e as Error).message).toMatch(/from/);
    }
    expect(() => Channel.from([], { capacity: -1 })).toThrow(RangeError);
  });
});

describe('toReadableStream', () => {
  it('default hwm 0: pulls only for a pending read', async () => {
    const ch = new Channel<number>(5);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const rs = ch.toReadableStream();
    await tick();
    expect(ch.size).toBe(2);
    const r = rs.getReader();
    expect(await r.read()).toEqual({ done: false, value: 1 });
    await tick();
    expect(ch.size).toBe(1);
    r.releaseLock();
  });
  it('closes when channel closed and drained', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.close();
    const r = ch.toReadableStream().getReader();
    expect(await r.read()).toEqual({ done: false, value: 1 });
    expect(await r.read()).toEqual({ done: true, value: undefined });
  });
  it('errors with the close reason', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    const reason = new Error('why');
    ch.close(reason);
    const r = ch.toReadableStream().getReader();
    expect(await r.read()).toEqual({ done: false, value: 1 });
    await expect(r.read()).rejects.toBe(reason);
  });
  it('errors with reason while a read is pending', async () => {
    const ch = new Channel<number>();
    const r = ch.toReadableStream().getReader();
    const p = r.read();
    await tick();
    ch.close('late');
    await expect(p).rejects.toBe('late');
  });
  it('cancel stops pulling, consumes nothing, does not close', async () => {
    const ch = new Channel<number>();
    const rs = ch.toReadableStream();
    const r = rs.getReader();
    const p = r.read();
    await tick();
    await r.cancel('bye');
    expect((await p).done).toBe(true);
    expect(ch.closed).toBe(false);
    expect(ch.stats().waitingPullers).toBe(0);
    const q = ch.pull();
    ch.pushNowait(5);
    expect(await q).toBe(5);
  });
  it('hwm > 0 reads ahead', async () => {
    const ch = new Channel<number>(5);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    const rs = ch.toReadableStream({ highWaterMark: 2 });
    await tick();
    expect(ch.size).toBe(3);
    const r = rs.getReader();
    expect((await r.read()).value).toBe(0);
    r.releaseLock();
  });
  it('bad highWaterMark: RangeError naming it', () => {
    const ch = new Channel<number>();
    expect(() => ch.toReadableStream({ highWaterMark: -1 })).toThrow(RangeError);
    try {
      ch.toReadableStream({ highWaterMark: NaN });
    } catch (e) {
      expect((e as Error).message).toMatch(/highWaterMark/);
    }
  });
  it('pipe through a TransformStream end-to-end', async () => {
    const ch = Channel.from([1, 2, 3]);
    const out = ch
      .toReadableStream()
      .pipeThrough(new TransformStream<number, number>({ transform: (v, c) => c.enqueue(v * 2) }));
    const got = [];
    for await (const v of out as unknown as AsyncIterable<number>) got.push(v);
    expect(got).toEqual([2, 4, 6]);
  });
  it('two streams of one channel share values, each exactly once', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 10; i++) ch.pushNowait(i);
    ch.close();
    const a = ch.toReadableStream().getReader();
    const b = ch.toReadableStream().getReader();
    const got: number[] = [];
    for (;;) {
      const [x, y] = await Promise.all([a.read(), b.read()]);
      if (!x.done) got.push(x.value);
      if (!y.done) got.push(y.value);
      if (x.done && y.done) break;
    }
    expect(got.sort((p, q) => p - q)).toEqual([...Array(10).keys()]);
  });
});

describe('merge', () => {
  it('keeps each input order and closes once all closed and drained', async () => {
    const a = Channel.from([1, 2, 3]);
    const b = Channel.from(['a', 'b']);
    const m = merge(a, b);
    const got: (number | string)[] = [];
    for await (const v of m) got.push(v);
    expect(got.filter((x) => typeof x === 'number')).toEqual([1, 2, 3]);
    expect(got.filter((x) => typeof x === 'string')).toEqual(['a', 'b']);
    expect(m.closed).toBe(true);
  });
  it('merge of nothing is closed', async () => {
    const m = merge();
    for await (const _ of m);
    expect(m.closed).toBe(true);
  });
  it('merge does not close until every input closed', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const m = merge(a, b);
    a.close();
    await tick();
    expect(m.closed).toBe(false);
    const p = m.pull();
    await b.push(3);
    expect(await p).toBe(3);
    b.close();
    await expect(m.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('merge of an input closed with a reason', async () => {
    const a = new Channel<number>();
    const m = merge(a);
    a.close(new Error('x'));
    // SPEC silent on reason propagation: the merge must at least end
    const r = await select([pull(m)]).catch((e) => ({ err: e }));
    expect(r).toBeDefined();
  });
  it('merge with a non-channel is a TypeError naming merge', () => {
    expect(() => merge(1 as never)).toThrow(TypeError);
  });
  it('no value lost when the merged channel is iterated and broken out of', async () => {
    const a = Channel.from([1, 2, 3, 4, 5, 6]);
    const m = merge(a);
    const got: number[] = [];
    for await (const v of m) {
      got.push(v);
      if (v === 2) break;
    }
    for await (const v of m) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('fromEvent (node EventTarget)', () => {
  it('default capacity 1 drop-oldest: the latest event wins', async () => {
    const t = new EventTarget();
    const ch = fromEvent(t, 'x');
    expect(ch.capacity).toBe(1);
    expect(ch.stats().overflow).toBe('drop-oldest');
    const e1 = new Event('x');
    const e2 = new Event('x');
    t.dispatchEvent(e1);
    t.dispatchEvent(e2);
    expect(await ch.pull()).toBe(e2);
    ch.close();
  });
  it('close removes the listener', async () => {
    const t = new EventTarget();
    const ch = fromEvent(t, 'x', { capacity: 5, overflow: 'block' });
    ch.close();
    t.dispatchEvent(new Event('x'));
    expect(ch.size).toBe(0);
  });
  it('signal abort closes and removes the listener', async () => {
    const t = new EventTarget();
    const ac = new AbortController();
    const ch = fromEvent(t, 'x', { capacity: 5, signal: ac.signal });
    t.dispatchEvent(new Event('x'));
    ac.abort();
    expect(ch.closed).toBe(true);
    t.dispatchEvent(new Event('x'));
    expect(ch.size).toBe(1);
  });
  it('already aborted signal: closed channel', () => {
    const t = new EventTarget();
    const ch = fromEvent(t, 'x', { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
  });
  it('bad target: TypeError naming fromEvent', () => {
    expect(() => fromEvent({} as never, 'x')).toThrow(TypeError);
    try {
      fromEvent(null as never, 'x');
    } catch (e) {
      expect((e as Error).message).toMatch(/fromEvent/);
    }
  });
});
