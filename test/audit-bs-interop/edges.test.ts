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
  pull,
  select,
  ticker,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';
import { microtasks, tick, track, until } from './util.js';

async function settle<T>(p: Promise<T>): Promise<{ ok: boolean; v: unknown }> {
  try {
    return { ok: true, v: await p };
  } catch (e) {
    return { ok: false, v: e };
  }
}

describe('falsy close reasons are reasons (README: any reason other than undefined)', () => {
  for (const reason of [null, 0, false, '']) {
    it(`toReadableStream errors with ${JSON.stringify(reason)}`, async () => {
      const ch = new Channel<number>(1);
      const reader = toReadableStream(ch).getReader();
      const read = settle(reader.read());
      await tick();
      ch.close(reason);
      const r = await read;
      expect(r.ok).toBe(false);
      expect(r.v).toBe(reason);
    });

    it(`merge closes with ${JSON.stringify(reason)}`, async () => {
      const a = new Channel<number>();
      const b = new Channel<number>();
      const m = merge(a, b);
      a.close(reason);
      const e = (await settle(m.pull())).v as ChannelClosedError;
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toBe(reason);
      b.close();
    });

    it(`broadcast passes ${JSON.stringify(reason)} to subscribers`, async () => {
      const src = new Channel<number>();
      const hub = broadcast(src);
      const s = hub.subscribe();
      src.close(reason);
      const e = (await settle(s.pull())).v as ChannelClosedError;
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toBe(reason);
      let thrown: unknown = 'none';
      try {
        for await (const _ of s) {
        }
      } catch (x) {
        thrown = x;
      }
      expect(thrown).toBe(reason);
    });

    it(`from: a source that throws ${JSON.stringify(reason)} closes the channel with it`, async () => {
      function* gen() {
        yield 1;
        throw reason;
      }
      const ch = from(gen());
      expect(await ch.pull()).toBe(1);
      const e = (await settle(ch.pull())).v as ChannelClosedError;
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toBe(reason);
    });
  }
});

describe('toReadableStream edges', () => {
  it('a closed (drained) channel gives a stream that is done at once; closed with a reason, errored', async () => {
    const a = new Channel<number>();
    a.close();
    expect(await toReadableStream(a).getReader().read()).toEqual({ done: true, value: undefined });
    const b = new Channel<number>();
    const why = new Error('why');
    b.close(why);
    await expect(toReadableStream(b).getReader().read()).rejects.toBe(why);
  });

  it('break out of for await over the stream cancels it: the channel stays open with the rest', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2, 3, 4]);
    const got: number[] = [];
    for await (const v of toReadableStream(ch)) {
      got.push(v);
      if (v === 2) break;
    }
    expect(got).toEqual([1, 2]);
    expect(ch.closed).toBe(false);
    expect(await ch.pullMany(10)).toEqual([3, 4]);
    ch.close();
  });

  it('hwm > 0 and a cancel: the queued values are gone but nothing more is taken', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3, 4, 5]);
    const s = toReadableStream(ch, { highWaterMark: 2 });
    await until(() => ch.size === 3, 'read ahead 2');
    await s.cancel();
    await tick();
    expect(ch.size).toBe(3);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(await ch.pullMany(10)).toEqual([3, 4, 5]);
    ch.close();
  });

  it('an unbuffered producer/consumer rendezvous through a stream: producer resolves only when read', async () => {
    const ch = new Channel<number>();
    const reader = toReadableStream(ch).getReader();
    const p = track(ch.push(1));
    await tick();
    expect(p.state).toBe('pending');
    expect((await reader.read()).value).toBe(1);
    await until(() => p.state === 'fulfilled', 'push resolved');
    reader.releaseLock();
    ch.close();
  });
});

describe('from edges', () => {
  it('a sync iterable of promises is awaited; a rejecting one closes with its reason and returns the iterator', async () => {
    const why = new Error('rejected');
    let returned = false;
    function* gen() {
      try {
        yield Promise.resolve(1);
        yield Promise.reject(why);
        yield 3;
      } finally {
        returned = true;
      }
    }
    const ch = from(gen());
    expect(await ch.pull()).toBe(1);
    const e = (await settle(ch.pull())).v as ChannelClosedError;
    expect(e.cause).toBe(why);
    await until(() => returned, 'iterator returned');
  });

  it('closing while an async source read is pending: return() is called, nothing delivered after close', async () => {
    let release!: () => void;
    let returned = false;
    const gate = new Promise<void>((r) => (release = r));
    const it = {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        await gate;
        return { value: 1, done: false };
      },
      async return() {
        returned = true;
        return { value: undefined, done: true };
      },
    };
    const ch = from(it);
    const p = settle(ch.pull());
    await tick();
    ch.close();
    const r = await p;
    expect(r.ok).toBe(false);
    expect(r.v).toBeInstanceOf(ChannelClosedError);
    await until(() => returned, 'return called');
    release();
    await tick();
    expect(ch.size).toBe(0);
  });

  it('two consumers over one from channel: each value once', async () => {
    const ch = from(
      Array.from({ length: 100 }, (_, i) => i),
      { capacity: 3 },
    );
    const a: number[] = [];
    const b: number[] = [];
    await Promise.all([
      (async () => {
        for await (const v of ch) a.push(v);
      })(),
      (async () => {
        for await (const v of ch) {
          b.push(v);
          await tick();
        }
      })(),
    ]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('from(channel) closes when its source closes with a reason, carrying it', async () => {
    const src = new Channel<number>(2);
    const ch = from(src);
    await src.push(1);
    const why = new Error('src failed');
    src.close(why);
    expect(await ch.pull()).toBe(1);
    const e = (await settle(ch.pull())).v as ChannelClosedError;
    expect(e.cause).toBe(why);
  });

  it('a signal that aborts after the source ended changes nothing', async () => {
    const ac = new AbortController();
    const ch = from([1, 2], { capacity: 2, signal: ac.signal });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    ac.abort();
    expect(got).toEqual([1, 2]);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('from(channel, { signal }) leaves no abort listener once the relay ends', async () => {
    const ac = new AbortController();
    const src = new Channel<number>(1);
    const ch = from(src, { signal: ac.signal });
    src.close();
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});

describe('fromEvent edges', () => {
  it('a select over fromEvent and after: the event wins when it comes, the timer is closed', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'go');
    const timeout = after(5_000);
    const s = select([pull(events), pull(timeout)]);
    await tick();
    target.dispatchEvent(new Event('go'));
    const r = await s;
    expect(r.index).toBe(0);
    timeout.close();
    events.close();
    expect(getEventListeners(target, 'go')).toHaveLength(0);
  });

  it('capture listeners are removed with their capture flag', () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'x', { listenerOptions: { capture: true } });
    expect(getEventListeners(target, 'x')).toHaveLength(1);
    ch.close();
    expect(getEventListeners(target, 'x')).toHaveLength(0);
  });

  it("capacity 0 with 'block': every event waits as a parked push and is pulled in order", async () => {
    const target = new EventTarget();
    const ch = fromEvent<CustomEvent<number>>(target, 'n', { capacity: 0, overflow: 'block' });
    for (let i = 0; i < 3; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    expect(ch.stats().waitingPushers).toBe(3);
    const got = [(await ch.pull()).detail, (await ch.pull()).detail, (await ch.pull()).detail];
    expect(got).toEqual([0, 1, 2]);
    ch.close();
    expect(getEventListeners(target, 'n')).toHaveLength(0);
  });

  it("'drop-newest' keeps the first events", async () => {
    const target = new EventTarget();
    const ch = fromEvent<CustomEvent<number>>(target, 'n', { capacity: 2, overflow: 'drop-newest' });
    for (let i = 0; i < 5; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    expect((await ch.pullMany(5)).map((e) => e.detail)).toEqual([0, 1]);
    ch.close();
  });

  it("'block' with close: buffered events stay, parked events beyond capacity are discarded, listener gone", async () => {
    const target = new EventTarget();
    const ch = fromEvent<CustomEvent<number>>(target, 'n', { capacity: 2, overflow: 'block' });
    for (let i = 0; i < 5; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    ch.close();
    const got: number[] = [];
    for await (const e of ch) got.push(e.detail);
    expect(got).toEqual([0, 1]);
    expect(getEventListeners(target, 'n')).toHaveLength(0);
  });
});

describe('merge edges', () => {
  it('the same channel twice: each value once', async () => {
    const a = new Channel<number>(10);
    await a.pushAll([1, 2, 3, 4, 5]);
    a.close();
    const got: number[] = [];
    for await (const v of merge(a, a)) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  it('an input shared with another consumer: every value exactly once overall', async () => {
    const a = new Channel<number>();
    const m = merge(a);
    const viaMerge: number[] = [];
    const direct: number[] = [];
    const r1 = (async () => {
      for await (const v of m) viaMerge.push(v);
    })();
    const r2 = (async () => {
      for await (const v of a) direct.push(v);
    })();
    for (let i = 0; i < 50; i++) await a.push(i);
    a.close();
    await Promise.all([r1, r2]);
    expect([...viaMerge, ...direct].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(viaMerge).toEqual([...viaMerge].sort((x, y) => x - y));
  });

  it('round robin: with values ready on every input, inputs alternate', async () => {
    const a = new Channel<string>(5);
    const b = new Channel<string>(5);
    await a.pushAll(['a1', 'a2', 'a3']);
    await b.pushAll(['b1', 'b2', 'b3']);
    a.close();
    b.close();
    const got: string[] = [];
    for await (const v of merge(a, b)) got.push(v);
    expect(got.filter((v) => v[0] === 'a')).toEqual(['a1', 'a2', 'a3']);
    // never three of one input in a row while the other has values
    expect(got.join(',')).not.toMatch(/a\d,a\d,a\d|b\d,b\d,b\d/);
  });

  it('a merge of a ticker and a data channel: ticker closed, merge not closed until data closes', async () => {
    const t = ticker(5);
    const d = new Channel<number>(1);
    const m = merge(t, d);
    await m.pull();
    t.close();
    await d.push(1);
    const vals: unknown[] = [];
    while (vals.length < 1 || vals[vals.length - 1] !== 1) vals.push(await m.pull());
    expect(m.closed).toBe(false);
    d.close();
    await until(() => m.closed && m.size === 0, 'merge closed');
  });
});

describe('broadcast edges', () => {
  it('a subscriber closed by the user with a reason leaves; others continue', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 4 });
    await src.push(1);
    a.close(new Error('bye'));
    await src.push(2);
    await src.push(3);
    expect(await b.pullMany(4)).toEqual([1, 2, 3]);
    hub.close();
    src.close();
  });

  it('a capacity-0 subscriber: delivered only to a parked pull, sets the pace for the others', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const zero = hub.subscribe({ capacity: 0 });
    const big = hub.subscribe({ capacity: 10 });
    await src.pushAll([1, 2, 3]);
    await tick();
    expect(big.size).toBe(0);
    expect(src.size).toBe(3);
    expect(await zero.pull()).toBe(1);
    expect(big.pullNowait()).toBe(1);
    expect(big.size).toBe(0);
    hub.close();
    src.close();
  });

  it('a broadcast of a broadcast subscriber (fan-out tree): all leaves get everything in order', async () => {
    const src = new Channel<number>();
    const root = broadcast(src);
    const mid = root.subscribe({ capacity: 2 });
    const direct = root.subscribe({ capacity: 2 });
    const leafHub = broadcast(mid);
    const l1 = leafHub.subscribe({ capacity: 1 });
    const l2 = leafHub.subscribe({ capacity: 3 });
    const drain = async (c: Channel<number>) => {
      const out: number[] = [];
      for await (const v of c) {
        out.push(v);
        if (v % 3 === 0) await tick();
      }
      return out;
    };
    const reads = [drain(direct), drain(l1), drain(l2)];
    for (let i = 0; i < 40; i++) await src.push(i);
    src.close();
    const all = await Promise.all(reads);
    for (const r of all) expect(r).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('the source closes while no subscriber: a later subscriber is closed with the reason', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const why = new Error('ended');
    src.close(why);
    const s = hub.subscribe();
    const e = (await settle(s.pull())).v as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(why);
  });

  it('hub.close() while a producer waits on an unbuffered source: nothing is taken', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 1 });
    await src.push(1);
    const p = track(src.push(2));
    await tick();
    hub.close();
    await tick();
    expect(p.state).toBe('pending');
    expect(await src.pull()).toBe(2);
    await until(() => p.state === 'fulfilled', 'push 2 resolved by direct pull');
    expect(await s.pull()).toBe(1);
    await expect(s.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    src.close();
  });

  it('many subscribers with one shared signal leave together; the broadcast stops pulling', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const ac = new AbortController();
    const subs = Array.from({ length: 12 }, () => hub.subscribe({ signal: ac.signal }));
    await src.push(1);
    await until(() => subs.every((s) => s.size === 1), 'all received 1');
    ac.abort();
    expect(subs.every((s) => s.closed)).toBe(true);
    await src.pushAll([2, 3]);
    await microtasks();
    expect(src.size).toBe(2);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    hub.close();
    src.close();
  });

  it('a subscriber read through toReadableStream gets every value then closes', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const stream = toReadableStream(hub.subscribe({ capacity: 2 }));
    const prod = (async () => {
      for (let i = 0; i < 10; i++) await src.push(i);
      src.close();
    })();
    const got: number[] = [];
    for await (const v of stream) got.push(v);
    await prod;
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('timer edges', () => {
  it('after: an abort after it fired leaves the value readable', async () => {
    const ac = new AbortController();
    const a = after(1, { signal: ac.signal });
    await until(() => a.size === 1, 'fired');
    ac.abort();
    expect(typeof a.pullNowait()).toBe('number');
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('ticker: a sub-millisecond period is valid and ticks', async () => {
    const t = ticker(0.5);
    const a = await t.pull();
    const b = await t.pull();
    expect(b).toBeGreaterThanOrEqual(a);
    t.close();
  });

  it('error messages name the function and the argument', () => {
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(msg(() => ticker(0))).toMatch(/ticker/);
    expect(msg(() => ticker(0))).toMatch(/ms/);
    expect(msg(() => after(Number.NaN))).toMatch(/after/);
    expect(msg(() => after(Number.NaN))).toMatch(/ms/);
    expect(msg(() => toReadableStream(new Channel(), { highWaterMark: -1 }))).toMatch(/highWaterMark/);
    expect(msg(() => from([], { capacity: 1.5 }))).toMatch(/capacity/);
    expect(msg(() => fromEvent(new EventTarget(), 'x', { overflow: 'x' as never }))).toMatch(/overflow/);
    expect(msg(() => merge(new Channel(), 5 as never))).toMatch(/merge/);
    expect(msg(() => broadcast(5 as never))).toMatch(/broadcast/);
  });
});
