// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
import { getEventListeners } from 'node:events';
import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  type PullChannel,
  pull,
  select,
  ticker,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';
import { tick, until } from './util.js';

/**
 * Reads `channel` to its end with `select` and a fresh 2 ms `after()` case each round (closed by
 * `using`), as a consumer with a poll timeout does; the values in the order they came.
 */
async function pullWithTimeouts(channel: PullChannel<number>): Promise<number[]> {
  const got: number[] = [];
  for (;;) {
    using timeout = after(2);
    const r = await select([pull(channel), pull(timeout)]);
    if (r.index === 0) {
      if (!r.ok) return got;
      got.push(r.value as number);
    }
  }
}

describe('signals: no abort listener left after a normal end', () => {
  it('ticker closed by hand', () => {
    const ac = new AbortController();
    const t = ticker(1000, { signal: ac.signal });
    t.close();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
  it('after that fired', async () => {
    const ac = new AbortController();
    const a = after(1, { signal: ac.signal });
    await a.pull();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
  it('fromEvent closed by hand', () => {
    const ac = new AbortController();
    const target = new EventTarget();
    fromEvent(target, 'x', { signal: ac.signal }).close();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(target, 'x')).toHaveLength(0);
  });
  it('toReadableStream ended by the channel close', async () => {
    const ac = new AbortController();
    const ch = new Channel<number>();
    const reader = toReadableStream(ch, { signal: ac.signal }).getReader();
    const r = reader.read();
    ch.close();
    expect((await r).done).toBe(true);
    await tick();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
  it('toReadableStream cancelled', async () => {
    const ac = new AbortController();
    const ch = new Channel<number>();
    const s = toReadableStream(ch, { signal: ac.signal });
    await s.cancel();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    ch.close();
  });
  it('broadcast subscriber ended by hub.close()', () => {
    const ac = new AbortController();
    const src = new Channel<number>();
    const hub = broadcast(src);
    hub.subscribe({ signal: ac.signal });
    hub.close();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    src.close();
  });
  it('broadcast subscriber ended by the source close', async () => {
    const ac = new AbortController();
    const src = new Channel<number>();
    const hub = broadcast(src);
    const s = hub.subscribe({ signal: ac.signal });
    src.close();
    await expect(s.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});

describe('never early', () => {
  it('after(k) never delivers before the call time + k (k = 1..5, many at once)', async () => {
    const start = Date.now();
    const chans = Array.from({ length: 40 }, (_, i) => ({ k: (i % 5) + 1, ch: after((i % 5) + 1) }));
    const vals = await Promise.all(chans.map(async ({ k, ch }) => ({ k, v: await ch.pull() })));
    for (const { k, v } of vals) expect(v).toBeGreaterThanOrEqual(start + k);
  });

  for (const ms of [2.2, 3, 7]) {
    it(`ticker(${ms}): the k-th tick received is never before start + k·ms`, async () => {
      const start = Date.now();
      const t = ticker(ms);
      const vals: number[] = [];
      for (let i = 0; i < 25; i++) vals.push(await t.pull());
      t.close();
      vals.forEach((v, i) => {
        expect(v).toBeGreaterThanOrEqual(start + (i + 1) * ms - 1e-3);
      });
    });
  }
});

describe('lossless under select timeouts and aborted pulls', () => {
  it('from(ReadableStream) read with select + after timeouts: every value, in order', async () => {
    let i = 0;
    const stream = new ReadableStream<number>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 8));
        c.enqueue(i++);
        if (i === 8) c.close();
      },
    });
    const ch = from(stream);
    const got: number[] = [];
    for (;;) {
      using timeout = after(3);
      const r = await select([pull(ch), pull(timeout)]);
      if (r.index === 0) {
        if (!r.ok) break;
        got.push(r.value as number);
      }
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('from(async generator) read with aborted pulls: every value, in order', async () => {
    async function* gen() {
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 6));
        yield i;
      }
    }
    const ch = from(gen());
    const got: number[] = [];
    for (;;) {
      try {
        got.push(await ch.pull({ signal: AbortSignal.timeout(2) }));
      } catch (e) {
        if (e instanceof ChannelClosedError) break;
      }
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('merge read with select + after timeouts: every value of each input, in order', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const m = merge(a, b);
    const prod = (async () => {
      for (let i = 0; i < 15; i++) {
        await (i % 2 ? a : b).push(i);
        if (i % 4 === 0) await new Promise((r) => setTimeout(r, 4));
      }
      a.close();
      b.close();
    })();
    const got = await pullWithTimeouts(m);
    await prod;
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('broadcast subscriber read with select + after timeouts: every value, in order', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 0 });
    const other = hub.subscribe({ capacity: 20 });
    const prod = (async () => {
      for (let i = 0; i < 12; i++) {
        await src.push(i);
        if (i % 3 === 0) await new Promise((r) => setTimeout(r, 4));
      }
      src.close();
    })();
    const got = await pullWithTimeouts(s);
    await prod;
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const o: number[] = [];
    for await (const v of other) o.push(v);
    expect(o).toEqual(got);
  });

  it('fromEvent block read with aborted pulls: every event, in order', async () => {
    const target = new EventTarget();
    const ch = fromEvent<CustomEvent<number>>(target, 'n', { capacity: 1, overflow: 'block' });
    const prod = (async () => {
      for (let i = 0; i < 10; i++) {
        target.dispatchEvent(new CustomEvent('n', { detail: i }));
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const got: number[] = [];
    while (got.length < 10) {
      try {
        got.push((await ch.pull({ signal: AbortSignal.timeout(1) })).detail);
      } catch {}
    }
    await prod;
    ch.close();
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('self-closing sources and disposal', () => {
  it('a generator that aborts its own from signal mid-next: released after that next, finally runs, loop ends normally', async () => {
    const ac = new AbortController();
    let fin = false;
    function* gen() {
      try {
        yield 1;
        ac.abort();
        yield 2;
        yield 3;
      } finally {
        fin = true;
      }
    }
    const ch = from(gen(), { capacity: 1, signal: ac.signal });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1]);
    await until(() => fin, 'finally');
  });

  it('a generator that closes its own channel with a reason: the loop throws it after the values before', async () => {
    let fin = false;
    let ch!: Channel<number>;
    const why = new Error('self');
    function* gen() {
      try {
        yield 1;
        ch.close(why);
        yield 2;
      } finally {
        fin = true;
      }
    }
    ch = from<number>(gen(), { capacity: 1 });
    const got: number[] = [];
    let err: unknown;
    try {
      for await (const v of ch) got.push(v);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([1]);
    expect(err).toBe(why);
    await until(() => fin, 'finally');
  });

  it('using a from channel returns its iterator; await using a subscriber unsubscribes it and the broadcast stops pulling', async () => {
    let fin = false;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        fin = true;
      }
    }
    {
      using ch = from(gen(), { capacity: 2 });
      await ch.pull();
    }
    expect(fin).toBe(true);
    const src = new Channel<number>();
    const hub = broadcast(src);
    let s!: Channel<number>;
    {
      await using sub = hub.subscribe();
      s = sub;
    }
    expect(s.closed).toBe(true);
    const p = src.push(1).catch((e) => e);
    await tick();
    expect(src.stats().waitingPushers).toBe(1); // nobody takes it: no subscriber
    src.close();
    expect(await p).toBeInstanceOf(ChannelClosedError);
  });

  it('merge with a broadcast subscriber whose source ends with a reason while the merge is full: all values, then the reason', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const sub = hub.subscribe({ capacity: 1 });
    const other = new Channel<number>(4);
    const m = merge(sub, other);
    await src.pushAll([1, 2]);
    await other.push(10);
    const why = new Error('end');
    src.close(why);
    const got: number[] = [];
    let err: unknown;
    try {
      for await (const v of m) got.push(v);
    } catch (e) {
      err = e;
    }
    expect([...got].sort((a, b) => a - b)).toEqual([1, 2, 10]);
    expect(got.filter((v) => v < 10)).toEqual([1, 2]);
    expect(err).toBe(why);
  });
});

describe('noted: documented decisions', () => {
  // Noted (README "Semantic details", Interop): "An input closed with a reason closes the merged
  // channel with that reason at once — errors are not held back until the other inputs finish —
  // and the other inputs keep their values." The SPEC's wording is "closed once every input is
  // closed and drained"; the README records the decision, so this asserts the documented one.
  it('an input closed with a reason ends the merge at once; the other input keeps its values', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(4);
    await b.pushAll([1, 2, 3]);
    const m = merge(a, b);
    await until(() => m.size === 1, 'merge took one');
    const why = new Error('a failed');
    a.close(why);
    const got: number[] = [];
    let err: unknown;
    try {
      for await (const v of m) got.push(v);
    } catch (e) {
      err = e;
    }
    expect(err).toBe(why);
    expect([...got, ...(await b.pullMany(10))]).toEqual([1, 2, 3]);
    b.close();
  });
});
