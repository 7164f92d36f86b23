/**
 * Audit BO-programs: programs around event sources and disposal — `fromEvent` feeding a broadcast
 * and a merge, a component's AbortController ending it all, `using` on a broadcast, `pushAll`
 * from a generator stopped part-way, a merged channel closed by its consumer, ticker bounded by
 * `AbortSignal.timeout` on real timers. Every event/value counted; listeners on targets and
 * signals checked with `getEventListeners`.
 */
import { getEventListeners } from 'node:events';
import { broadcast, Channel, ChannelClosedError, from, fromEvent, merge, pull, select, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drain, idle, range, tick } from './helpers.js';

class Msg extends Event {
  constructor(readonly id: number) {
    super('message');
  }
}

describe('fromEvent → broadcast → subscribers, one component signal', () => {
  it('events dispatched while open reach every subscriber once, in order; the abort removes every listener and ends the subscribers normally', async () => {
    const target = new EventTarget();
    const component = new AbortController();
    const events = fromEvent<Msg>(target, 'message', { capacity: 8, overflow: 'block', signal: component.signal });
    const hub = broadcast(events);
    const subs = [hub.subscribe({ capacity: 2 }), hub.subscribe({ capacity: 4, signal: component.signal })];
    const got: number[][] = [[], []];
    const ends: unknown[] = [];
    const loops = subs.map(async (s, i) => {
      try {
        for await (const e of s) {
          got[i]?.push(e.id);
          if (e.id % 5 === i) await tick();
        }
        ends[i] = 'normal';
      } catch (error) {
        ends[i] = error;
      }
    });
    let dispatched = 0;
    for (let i = 0; i < 60; i++) {
      target.dispatchEvent(new Msg(i));
      dispatched++;
      if (i % 6 === 0) await tick();
    }
    // Let the subscribers catch up before the component goes away: nothing is parked then.
    while ((got[0]?.length ?? 0) < 60 || (got[1]?.length ?? 0) < 60) await tick();
    expect(events.stats().waitingPushers).toBe(0);
    component.abort();
    await Promise.all(loops);
    expect(got[0]).toEqual(range(dispatched));
    expect(got[1]).toEqual(range(dispatched));
    expect(ends).toEqual(['normal', 'normal']);
    // Events after the abort go nowhere, and nothing listens any more.
    target.dispatchEvent(new Msg(999));
    expect(getEventListeners(target, 'message').length).toBe(0);
    expect(getEventListeners(component.signal, 'abort').length).toBe(0);
    idle(events, ...subs);
  });

  it('a component aborted while a burst is queued: dispatched = received + discarded parked events (README: close fails the parked pushes)', async () => {
    const target = new EventTarget();
    const component = new AbortController();
    const events = fromEvent<Msg>(target, 'message', { capacity: 2, overflow: 'block', signal: component.signal });
    for (let i = 0; i < 10; i++) target.dispatchEvent(new Msg(i));
    const got: number[] = [(await events.pull()).id, (await events.pull()).id];
    const parked = events.stats().waitingPushers;
    const buffered = events.size;
    component.abort();
    for await (const e of events) got.push(e.id);
    expect(got).toEqual(range(2 + buffered));
    expect(got.length + parked).toBe(10);
    expect(getEventListeners(target, 'message').length).toBe(0);
    idle(events);
  });

  it('merge(fromEvent(a), fromEvent(b), quit) in a for/select loop: closing everything at the end leaves no listener on either target', async () => {
    const a = new EventTarget();
    const b = new EventTarget();
    const quit = new Channel<void>(0, { name: 'quit' });
    const ea = fromEvent<Msg>(a, 'message', { capacity: 16, overflow: 'block' });
    const eb = fromEvent<Msg>(b, 'message', { capacity: 16, overflow: 'block' });
    const all = merge(ea, eb);
    const seen: string[] = [];
    const loop = (async () => {
      for (;;) {
        const r = await select([pull(all), pull(quit)]);
        if (r.index === 1) return;
        const e = r.value as Msg;
        seen.push(`${e.target === a ? 'a' : 'b'}${e.id}`);
      }
    })();
    for (let i = 0; i < 20; i++) {
      a.dispatchEvent(new Msg(i));
      if (i % 2 === 0) b.dispatchEvent(new Msg(i));
      if (i % 5 === 0) await tick();
    }
    while (seen.length < 30) await tick();
    await quit.push();
    await loop;
    {
      using _a = ea;
      using _b = eb;
      using _all = all;
    }
    expect(seen.filter((s) => s[0] === 'a')).toEqual(range(20).map((i) => `a${i}`));
    expect(seen.filter((s) => s[0] === 'b')).toEqual(range(10).map((i) => `b${i * 2}`));
    expect(getEventListeners(a, 'message').length).toBe(0);
    expect(getEventListeners(b, 'message').length).toBe(0);
    idle(ea, eb, all, quit);
  });
});

describe('disposal of hubs and channels around running loops', () => {
  it('using hub = broadcast(source): subscribers end at the block end, the source stays open with its values', async () => {
    const source = new Channel<number>(8, { name: 'source' });
    const got: number[] = [];
    let loop!: Promise<void>;
    let sub!: Channel<number>;
    {
      using hub = broadcast(source);
      sub = hub.subscribe({ capacity: 1 });
      loop = (async () => {
        for await (const v of sub) got.push(v);
      })();
      await source.pushAll(range(5));
      while (got.length < 5) await tick();
    }
    await loop;
    await source.pushAll(range(3, 5));
    expect(got).toEqual(range(5));
    expect(source.closed).toBe(false);
    expect(drain(source)).toEqual(range(3, 5));
    expect(sub.closed).toBe(true);
    idle(source, sub);
  });

  it('a consumer closes a merge of unbuffered inputs mid-stream: producers keep their values in the inputs; nothing taken by the merge is lost', async () => {
    const inputs = [0, 1, 2].map((k) => new Channel<number>(0, { name: `in${k}` }));
    const producers = inputs.map(async (ch, k) => {
      try {
        for (let i = 0; i < 50; i++) {
          await ch.push(k * 100 + i);
        }
      } catch (error) {
        return error;
      }
    });
    const m = merge(...inputs);
    const got: number[] = [];
    for await (const v of m) {
      got.push(v);
      if (got.length === 40) m.close();
    }
    // Take the rest straight from the inputs, as a second consumer would.
    const rest: number[] = [];
    await Promise.all(
      inputs.map(async (ch, k) => {
        const fromInput = () => [...got, ...rest].filter((v) => Math.floor(v / 100) === k).length;
        while (fromInput() < 50) rest.push(await ch.pull());
        ch.close();
      }),
    );
    await Promise.all(producers);
    for (let k = 0; k < 3; k++) {
      const mine = [...got, ...rest].filter((v) => Math.floor(v / 100) === k);
      expect(mine.sort((x, y) => x - y)).toEqual(range(50, k * 100));
      // Per input, the merge's values come first and in order.
      const viaMerge = got.filter((v) => Math.floor(v / 100) === k);
      expect(viaMerge).toEqual(range(viaMerge.length, k * 100));
    }
    idle(m, ...inputs);
  });

  it('pushAll from a generator stopped by close(reason) part-way: `pushed` counts exactly the delivered values, and the generator’s finally runs', async () => {
    const ch = new Channel<number>(3, { name: 'jobs' });
    let finallyRan = false;
    let yielded = 0;
    function* gen() {
      try {
        for (let i = 0; i < 100; i++) {
          yielded++;
          yield i;
        }
      } finally {
        finallyRan = true;
      }
    }
    const p = ch.pushAll(gen()).then(
      () => undefined,
      (e) => e,
    );
    const got: number[] = [];
    for (let k = 0; k < 10; k++) got.push(await ch.pull());
    const reason = new Error('consumer done');
    ch.close(reason);
    const e = (await p) as ChannelClosedError & { pushed: number };
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
    const rest = drain(ch);
    expect([...got, ...rest]).toEqual(range(e.pushed));
    expect(finallyRan).toBe(true);
    expect(yielded - e.pushed).toBeLessThanOrEqual(1); // the value it held when the close came
    idle(ch);
  });
});

describe('real timers: ticker bounded by AbortSignal.timeout', () => {
  it('ticker(30, { signal: AbortSignal.timeout(200) }) in a for await: a handful of on-schedule ticks, then the loop ends normally; timer handle and listener released', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const signal = AbortSignal.timeout(200);
    const start = Date.now();
    const got: number[] = [];
    const t = ticker(30, { signal });
    for await (const v of t) got.push(v);
    const elapsed = Date.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    // At least one: a machine that stalls the loop past 200 ms runs the first tick and the
    // timeout in one timers phase, and the close ends the ticker after that one tick.
    expect(got.length).toBeGreaterThanOrEqual(1);
    expect(got.length).toBeLessThanOrEqual(Math.floor(elapsed / 30));
    for (let k = 0; k < got.length; k++) expect(got[k]).toBeGreaterThanOrEqual(start + (k + 1) * 30 - 1);
    expect(t.closed).toBe(true);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
    await tick();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(before);
    idle(t);
  });

  it('from(async generator, { signal: AbortSignal.timeout(150) }) over a paced source: ends normally, generator released, values a prefix', async () => {
    let released = false;
    async function* paced() {
      try {
        for (let i = 0; ; i++) {
          await tick(20);
          yield i;
        }
      } finally {
        released = true;
      }
    }
    const signal = AbortSignal.timeout(150);
    const ch = from(paced(), { capacity: 2, signal });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual(range(got.length));
    expect(got.length).toBeGreaterThan(2);
    await tick(50);
    expect(released).toBe(true);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
    idle(ch);
  });
});
