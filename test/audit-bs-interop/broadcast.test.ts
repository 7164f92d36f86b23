import { getEventListeners } from 'node:events';
import { broadcast, Channel, ChannelClosedError, from, merge, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { microtasks, tick, track, until } from './util.js';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

async function drain<T>(ch: Channel<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of ch) out.push(v);
  return out;
}

describe('broadcast', () => {
  it('every value to every subscriber, in order, once; subscribers closed after the source ends', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const subs = [hub.subscribe(), hub.subscribe({ capacity: 3 }), hub.subscribe({ capacity: 0 })];
    const reads = subs.map((s) => drain(s));
    for (let i = 0; i < 30; i++) await src.push(i);
    src.close();
    const results = await Promise.all(reads);
    for (const r of results) expect(r).toEqual(range(30));
    expect(subs.every((s) => s.closed)).toBe(true);
  });

  it('subscribe() defaults: capacity 1, block, named subscriber', () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const s = hub.subscribe();
    expect(s.capacity).toBe(1);
    expect(s.stats().overflow).toBe('block');
    expect(s.name).toBe('subscriber');
    hub.close();
    src.close();
  });

  it('with no subscriber it pulls nothing: values wait in the source', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    await src.pushAll([1, 2, 3]);
    await tick();
    expect(src.size).toBe(3);
    expect(src.stats().waitingPullers).toBe(0);
    const s = hub.subscribe({ capacity: 8 });
    await until(() => s.size === 3, 'subscriber got the waiting values');
    expect(await s.pullMany(10)).toEqual([1, 2, 3]);
    hub.close();
    src.close();
  });

  it('the slowest block subscriber sets the pace; nothing pulled beyond its room', async () => {
    const src = new Channel<number>(100);
    const hub = broadcast(src);
    // subscribe both before the source holds values (README: subscribe() starts taking at once)
    const fast = hub.subscribe({ capacity: 10 });
    const slow = hub.subscribe({ capacity: 2 });
    await src.pushAll(range(20));
    await tick();
    await microtasks();
    // the slow one has room for 2: the broadcast took exactly 2
    expect(slow.size).toBe(2);
    expect(fast.size).toBe(2);
    expect(src.size).toBe(18);
    const fastGot = await fast.pullMany(10);
    await tick();
    expect(src.size).toBe(18); // draining fast does not move the pace
    expect(await slow.pull()).toBe(0);
    await until(() => slow.size === 2, 'slow refilled');
    expect(src.size).toBe(17);
    const rest = [...fastGot, ...(await fast.pullMany(10))];
    expect(rest).toEqual([0, 1, 2]);
    hub.close();
    src.close();
  });

  it('a drop-mode subscriber never holds the others back', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const log = hub.subscribe({ capacity: 100 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const newest = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    for (let i = 1; i <= 10; i++) await src.push(i); // unbuffered source: resolves only if taken
    expect(latest.pullNowait()).toBe(10);
    expect(await newest.pullMany(5)).toEqual([1, 2]);
    expect(await log.pullMany(100)).toEqual(range(10, 1));
    hub.close();
    src.close();
  });

  it('a late subscriber receives only values pulled after it subscribed, in order', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const early = hub.subscribe({ capacity: 10 });
    await src.push(1);
    await src.push(2);
    const late = hub.subscribe({ capacity: 10 });
    await src.push(3);
    await src.push(4);
    src.close();
    expect(await drain(early)).toEqual([1, 2, 3, 4]);
    expect(await drain(late)).toEqual([3, 4]);
  });

  it('leaving by close: the remaining subscribers go on; a closed blocked subscriber no longer holds the pace', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 5 });
    await src.push(1);
    const p2 = track(src.push(2)); // a is full: the broadcast waits
    await tick();
    expect(p2.state).toBe('pending');
    a.close();
    await until(() => p2.state === 'fulfilled', 'push 2 taken after a left');
    expect(await a.pull()).toBe(1); // a keeps what it had
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await b.pullMany(5)).toEqual([1, 2]);
    hub.close();
    src.close();
  });

  it('leaving by signal: the subscriber closes normally, keeps its values, and its abort listener is removed', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const ac = new AbortController();
    const a = hub.subscribe({ capacity: 1, signal: ac.signal });
    const b = hub.subscribe({ capacity: 5 });
    await src.push(1);
    const p2 = track(src.push(2));
    await tick();
    expect(p2.state).toBe('pending');
    ac.abort(new Error('leaving'));
    expect(a.closed).toBe(true);
    await until(() => p2.state === 'fulfilled', 'push 2 taken after a left');
    expect(await drain(a)).toEqual([1]); // ends normally
    expect(await b.pullMany(5)).toEqual([1, 2]);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    hub.close();
    src.close();
  });

  it('a subscriber signal that is removed by close leaves no abort listener', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const ac = new AbortController();
    const subs = range(15).map(() => hub.subscribe({ signal: ac.signal }));
    expect(getEventListeners(ac.signal, 'abort').length).toBeLessThanOrEqual(1);
    for (const s of subs) s.close();
    await tick();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    hub.close();
    src.close();
  });

  it('an already aborted signal gives a closed subscriber that receives nothing and holds nothing back', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const dead = hub.subscribe({ signal: AbortSignal.abort() });
    const live = hub.subscribe({ capacity: 4 });
    expect(dead.closed).toBe(true);
    await src.push(1);
    expect(live.pullNowait()).toBe(1);
    expect(dead.size).toBe(0);
    hub.close();
    src.close();
  });

  it("the source's close with a reason reaches every subscriber after everything it was sent", async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    const b = hub.subscribe({ capacity: 10, overflow: 'drop-oldest' });
    const reason = new Error('feed died');
    await src.pushAll([1, 2, 3]);
    src.close(reason);
    for (const s of [a, b]) {
      const got: number[] = [];
      let err: unknown;
      try {
        for await (const v of s) got.push(v);
      } catch (e) {
        err = e;
      }
      expect(got).toEqual([1, 2, 3]);
      expect(err).toBe(reason);
      const e2 = await s.pull().catch((e) => e);
      expect(e2).toBeInstanceOf(ChannelClosedError);
      expect(e2.cause).toBe(reason);
    }
    // a subscribe after the end gets a closed channel with the reason
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    const e3 = await late.pull().catch((e) => e);
    expect(e3.cause).toBe(reason);
  });

  it('source closed while a block subscriber is full: every subscriber is closed at once, the full one keeps its value', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const full = hub.subscribe({ capacity: 1 });
    const other = hub.subscribe({ capacity: 4 });
    await src.push(1);
    expect(full.full).toBe(true);
    src.close();
    await until(() => full.closed && other.closed, 'both closed');
    expect(await drain(full)).toEqual([1]);
    expect(await drain(other)).toEqual([1]);
  });

  it('close(): stops pulling, closes subscribers (no reason), source keeps its values, idempotent', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 2 });
    await src.pushAll([1, 2, 3, 4]);
    await until(() => a.size === 2, 'a filled');
    hub.close();
    hub.close();
    expect(a.closed).toBe(true);
    expect(src.closed).toBe(false);
    expect(await drain(a)).toEqual([1, 2]);
    expect(src.stats().waitingPullers).toBe(0);
    await src.push(5);
    expect(await src.pullMany(10)).toEqual([3, 4, 5]);
    expect(hub.subscribe().closed).toBe(true);
    src.close();
  });

  it('using hub = broadcast(source) closes it at the end of the block; subscribe/close are bound', async () => {
    const src = new Channel<number>(4);
    let sub!: Channel<number>;
    {
      using hub = broadcast(src);
      const { subscribe } = hub;
      sub = subscribe({ capacity: 4 });
      await src.push(1);
    }
    expect(sub.closed).toBe(true);
    expect(await drain(sub)).toEqual([1]);
    src.close();
  });

  it('no value pulled from the source is lost at close(): each subscriber present has it', async () => {
    for (let round = 0; round < 20; round++) {
      const src = new Channel<number>(50);
      const hub = broadcast(src);
      const subs = [hub.subscribe({ capacity: 3 }), hub.subscribe({ capacity: 7 })];
      await src.pushAll(range(50));
      const reading = subs.map(async (s) => {
        const out: number[] = [];
        for await (const v of s) {
          out.push(v);
          if (Math.random() < 0.3) await tick();
        }
        return out;
      });
      for (let i = 0; i < round % 5; i++) await tick();
      hub.close();
      const got = await Promise.all(reading);
      const rest = await (async () => (src.size ? src.pullMany(100) : []))();
      // every value pulled went to every subscriber: the longest prefix + the rest of source = everything
      const longest = got[0]!.length >= got[1]!.length ? got[0]! : got[1]!;
      expect([...longest, ...rest]).toEqual(range(50));
      for (const g of got) expect(g).toEqual(longest);
      src.close();
    }
  });

  it('last subscriber leaving stops pulling: values wait in the source', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 1 });
    await src.pushAll([1, 2, 3]);
    await until(() => s.size === 1, 'first delivered');
    s.close();
    await tick();
    expect(src.size).toBe(2);
    expect(src.stats().waitingPullers).toBe(0);
    const t = hub.subscribe({ capacity: 4 });
    await until(() => t.size === 2, 'next subscriber gets the rest');
    expect(await t.pullMany(4)).toEqual([2, 3]);
    hub.close();
    src.close();
  });

  it('a break out of for await over a subscriber does not unsubscribe (documented) — the values keep arriving', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 2 });
    const prod = (async () => {
      for (let i = 0; i < 4; i++) await src.push(i);
    })();
    for await (const v of s) {
      expect(v).toBe(0);
      break;
    }
    expect(s.closed).toBe(false);
    await until(() => s.size === 2, 'values 1 and 2 arrived after the break');
    const after: number[] = [];
    while (after.length < 3) after.push(...(await s.pullMany(5))); // pullMany may take refills (README Batches)
    expect(after).toEqual([1, 2, 3]);
    await prod;
    hub.close();
    src.close();
  });

  it('merge of subscribers, and a subscriber inside select, lose nothing', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 2 });
    const m = merge(a);
    const stop = new Channel<void>();
    const prod = (async () => {
      for (let i = 0; i < 20; i++) await src.push(i);
      src.close();
    })();
    const viaMerge = drain(m);
    const viaSelect: number[] = [];
    for (;;) {
      const r = await select([pull(b), pull(stop)]);
      if (r.index === 0 && !r.ok) break;
      if (r.index === 0) viaSelect.push(r.value as number);
    }
    await prod;
    expect(await viaMerge).toEqual(range(20));
    expect(viaSelect).toEqual(range(20));
    stop.close();
  });

  it('broadcast of a from() source: the generator is read at the slowest subscriber pace', async () => {
    let produced = 0;
    function* gen() {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield i;
      }
    }
    const src = from(gen());
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 5 });
    await tick();
    await tick();
    expect(produced).toBeLessThanOrEqual(3);
    expect(await a.pull()).toBe(0);
    expect(await b.pull()).toBe(0);
    hub.close();
    src.close();
  });

  it('bad arguments are TypeError/RangeError naming broadcast', () => {
    expect(() => broadcast({} as never)).toThrow(TypeError);
    const src = new Channel<number>();
    const hub = broadcast(src);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(/broadcast\.subscribe/);
    expect(() => hub.subscribe({ overflow: 'drop-oldest', capacity: 0 })).toThrow(RangeError);
    expect(() => hub.subscribe({ overflow: 'nope' as never })).toThrow(TypeError);
    expect(() => hub.subscribe(AbortSignal.abort() as never)).toThrow(TypeError);
    hub.close();
    src.close();
  });
});
