/**
 * Audit BQ-peers: js-csp's own tests (js-csp/js-csp test/csp.js "put" / "alts" / "Process
 * runner", test/operations.js "mult" and "pub-sub"), Effect's PubSub tests (Effect-TS/effect
 * packages/effect/test/PubSub.test.ts, v3) and Go's time.Ticker tests (golang/go
 * src/time/tick_test.go: TestTicker, TestTeardown, TestNewTickerLtZeroDuration, and Go 1.23's
 * TestChan stop semantics), translated onto chanasync: alts → select / selectNowait
 * ({ default } → selectNowait), mult / tap → broadcast / subscribe, PubSub.subscribe →
 * broadcast.subscribe, time.NewTicker → ticker.
 */
import { broadcast, Channel, ChannelClosedError, pull, push, select, selectNowait, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settle, track } from '../helpers/ported-suites.js';

describe('js-csp test/csp.js → push / select', () => {
  // "put should return whether channel was open": js-csp's put yields false on a closed
  // channel; chanasync's push rejects (SPEC) and tryPush returns false.
  it('a push into a closed channel fails: push rejects, tryPush returns false', async () => {
    const ch = new Channel<number>(1);
    await ch.push(42);
    ch.close();
    await expect(ch.push(43)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.tryPush(43)).toBe(false);
  });

  // The delayed variant: a push parked on an unbuffered channel succeeds when taken, and one
  // parked when the channel closes fails.
  it('a parked push resolves when a pull takes it; one parked when the channel closes rejects', async () => {
    const ch = new Channel<number>();
    const consumer = (async () => {
      await new Promise((r) => setTimeout(r, 5));
      await ch.pull();
      await new Promise((r) => setTimeout(r, 5));
      ch.close();
    })();
    await expect(ch.push(42)).resolves.toBeUndefined();
    await expect(ch.push(43)).rejects.toBeInstanceOf(ChannelClosedError);
    await consumer;
  });

  // "alts should work with identity channel"
  it('select over one ready channel gives its value and the channel', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(42);
    const r = await select([pull(ch)]);
    expect(r.value).toBe(42);
    expect(r.channel).toBe(ch);
  });

  // "default value should be returned if no result is immediately available" / "should be
  // ignored if some result is immediately available": js-csp's { default } is selectNowait.
  it('selectNowait gives undefined when nothing is ready, and the ready case otherwise', () => {
    const ch = new Channel<number>(1);
    expect(selectNowait([pull(ch)])).toBeUndefined();
    ch.pushNowait(1);
    const r = selectNowait([pull(ch)]);
    expect(r?.value).toBe(1);
    expect(r?.channel).toBe(ch);
  });

  // "ordering should be non-deterministic by default" (js-csp warns that it can fail by
  // chance; with 20 channels the chance that a uniform choice gives 0..19 in order is 1/20!).
  it('select over 20 ready channels does not take them in list order', async () => {
    const chs = Array.from({ length: 20 }, (_, i) => {
      const ch = new Channel<number>(1);
      ch.pushNowait(i);
      return ch;
    });
    const cases = chs.map((ch) => pull(ch));
    const results: number[] = [];
    for (let i = 0; i < 20; i++) results.push((await select(cases)).value as number);
    expect(results).not.toEqual([...Array(20).keys()]);
    expect([...results].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  // "should follow priority if requested": chanasync has no priority option (Go has none);
  // a user gets priority with selectNowait on the preferred cases first.
  it('priority by hand: selectNowait on each case in turn takes them in list order', () => {
    const chs = Array.from({ length: 5 }, (_, i) => {
      const ch = new Channel<number>(1);
      ch.pushNowait(i);
      return ch;
    });
    const results: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const ch of chs) {
        const r = selectNowait([pull(ch)]);
        if (r) {
          results.push(r.value as number);
          break;
        }
      }
    }
    expect(results).toEqual([0, 1, 2, 3, 4]);
  });

  // "alts should work with one channel (put)"
  it('a select with one push case on a rendezvous channel completes when a pull takes the value', async () => {
    const ch = new Channel<number>();
    const taker = ch.pull();
    const r = await select([push(ch, 42)]);
    expect(r.channel).toBe(ch);
    expect(r.value).toBeUndefined();
    expect(await taker).toBe(42);
  });

  // pogo's "alts cancels slow alternatives": a select over two push cases delivers exactly one
  // value; the losing case's value ("second") is never seen.
  it('a select over two push cases delivers one; the other value never arrives', async () => {
    const ch1 = new Channel<string>();
    const ch2 = new Channel<string>();
    const log: string[] = [];
    const producer = (async () => {
      await select([push(ch1, 'first'), push(ch2, 'second')]);
      log.push('put first');
      await ch2.push('deuxieme');
      log.push('put deuxieme');
    })();
    const r1 = await select([pull(ch1), pull(ch2)]);
    log.push('alted');
    const r2 = await select([pull(ch1), pull(ch2)]);
    log.push('alted');
    await producer;
    // Whichever of the two push cases won, the next value is 'deuxieme' on ch2, never 'second'
    // after 'first' (or 'first' after 'second').
    expect([r1.value, r2.value]).toContain('deuxieme');
    expect([r1.value, r2.value].filter((v) => v === 'first' || v === 'second')).toHaveLength(1);
    expect(r2.channel).toBe(ch2);
    expect(r2.value).toBe('deuxieme');
    expect(log).toContain('put first');
    expect(ch1.stats().waitingPushers + ch2.stats().waitingPushers).toBe(0);
  });

  // "Process runner should not blow the stack on repeated takes / puts / selects on a closed
  // channel" (LIMIT 25000). A select with a push case on a closed channel rejects (SPEC).
  it('25 000 pulls, pushes and selects on a closed channel each fail without blowing the stack', async () => {
    const ch = new Channel<number>();
    ch.close();
    let failures = 0;
    for (let i = 0; i < 25_000; i++) {
      await ch.pull().catch(() => failures++);
      await ch.push(1).catch(() => failures++);
      await select([pull(ch), push(ch, 1)]).catch((e: unknown) => {
        if (e instanceof ChannelClosedError) failures++;
      });
    }
    expect(failures).toBe(75_000);
  });
});

describe('js-csp test/operations.js "mult" / "pub-sub" → broadcast', () => {
  // "mult should work": two taps of capacity 4 on an unbuffered source fed from [1, 2, 3, 4].
  it('two capacity-4 subscribers of an unbuffered source each receive 1, 2, 3, 4', async () => {
    const src = new Channel<number>();
    const m = broadcast(src);
    const a = m.subscribe({ capacity: 4 });
    const b = m.subscribe({ capacity: 4 });
    const feeding = (async () => {
      for (const v of [1, 2, 3, 4]) await src.push(v);
      src.close();
    })();
    const into = async (ch: Channel<number>) => {
      const out: number[] = [];
      for await (const v of ch) out.push(v);
      return out;
    };
    expect(await into(a)).toEqual([1, 2, 3, 4]);
    expect(await into(b)).toEqual([1, 2, 3, 4]);
    await feeding;
  });

  // "pub-sub should work": js-csp routes by topic; with broadcast, each subscriber filters.
  it('topic routing over one broadcast: each reader sees every value of its topic in order', async () => {
    const src = new Channel<number | string>();
    const hub = broadcast(src);
    const subs = [hub.subscribe({ capacity: 6 }), hub.subscribe({ capacity: 6 })];
    for (const v of [1, 'a', 2, 'b', 3, 'c']) await src.push(v);
    src.close();
    for (const sub of subs) {
      const all: (number | string)[] = [];
      for await (const v of sub) all.push(v);
      expect(all.filter((v) => typeof v === 'number')).toEqual([1, 2, 3]);
      expect(all.filter((v) => typeof v === 'string')).toEqual(['a', 'b', 'c']);
    }
  });
});

describe('Effect PubSub.test.ts → broadcast', () => {
  // "sequential publishers and subscribers with one publisher and one subscriber"
  it('one publisher, one subscriber: the values arrive in order', async () => {
    const values = [...Array(10).keys()];
    const src = new Channel<number>();
    const hub = broadcast(src);
    const sub = hub.subscribe({ capacity: 2 });
    const reader = (async () => {
      const out: number[] = [];
      for (let i = 0; i < values.length; i++) out.push(await sub.pull());
      return out;
    })();
    await src.pushAll(values);
    expect(await reader).toEqual(values);
    hub.close();
  });

  // "null values"
  it('null values are delivered to every subscriber', async () => {
    const src = new Channel<null>(1);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 2 });
    await src.pushAll([null, null]);
    expect(await a.pullMany(5)).toEqual([null, null]);
    expect(await b.pullMany(5)).toEqual([null, null]);
    hub.close();
  });

  // "backpressured - concurrent publishers and subscribers - one to many", with pushAll on a
  // capacity-2 hub: the slowest subscriber sets the pace, nobody loses a value.
  it('pushAll of 64 values with two block subscribers of capacity 2 read at different speeds: both get all, in order', async () => {
    const values = [...Array(64).keys()];
    const src = new Channel<number>();
    const hub = broadcast(src);
    const fast = hub.subscribe({ capacity: 2 });
    const slow = hub.subscribe({ capacity: 2 });
    const read = async (ch: Channel<number>, pause: boolean) => {
      const out: number[] = [];
      for await (const v of ch) {
        out.push(v);
        if (pause) await new Promise((r) => setTimeout(r, 0));
      }
      return out;
    };
    const readers = [read(fast, false), read(slow, true)];
    await src.pushAll(values);
    src.close();
    expect(await Promise.all(readers)).toEqual([values, values]);
  });

  // "sliding - concurrent publishers and subscribers": a sliding subscriber sees an ordered
  // subsequence ending with the last value; a block one sees everything.
  it('a drop-oldest subscriber read slowly sees an ordered subsequence ending in the last value', async () => {
    const values = [...Array(50).keys()];
    const src = new Channel<number>();
    const hub = broadcast(src);
    const all = hub.subscribe({ capacity: Number.POSITIVE_INFINITY });
    const sliding = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    await src.pushAll(values);
    src.close();
    const seen: number[] = [];
    for await (const v of sliding) seen.push(v);
    expect(seen).toEqual([48, 49]);
    expect(await all.pullMany(100)).toEqual(values);
  });

  // "dropping": a drop-newest subscriber keeps the first values it had room for.
  it('a drop-newest subscriber nobody reads keeps the first values; the block one gets all', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const all = hub.subscribe({ capacity: 10 });
    const dropping = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    await src.pushAll([1, 2, 3, 4, 5]);
    src.close();
    expect(await dropping.pullMany(10)).toEqual([1, 2]);
    expect(await all.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
  });

  // "shutdown interrupts subscribers" / "subscribe after shutdown": after hub.close(), a
  // parked pull on a subscriber rejects, and subscribe() returns a closed channel.
  it('hub.close() fails a parked subscriber pull; a later subscribe() is already closed', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const sub = hub.subscribe();
    const parked = track(sub.pull());
    await settle();
    hub.close();
    await settle();
    expect(parked.error).toBeInstanceOf(ChannelClosedError);
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expect(src.stats().waitingPullers).toBe(0);
  });

  // "pubsub unsubscribe": a subscriber leaving with its signal frees the pace for the others.
  it('a block subscriber that leaves through its signal no longer holds the others back', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const controller = new AbortController();
    const stuck = hub.subscribe({ capacity: 1, signal: controller.signal });
    const reader = hub.subscribe({ capacity: 10 });
    await src.push(1);
    const second = track(src.push(2));
    await settle();
    expect(second.done).toBe(false);
    controller.abort();
    await second.promise;
    expect(stuck.closed).toBe(true);
    expect(await stuck.pullMany(5)).toEqual([1]);
    expect(await reader.pullMany(5)).toEqual([1, 2]);
    hub.close();
  });
});

describe('Go src/time/tick_test.go → ticker (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 5_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // TestTicker: Count ticks at Delta take about Count*Delta; after Stop, no tick arrives.
  it('ten ticks of ticker(20) read as they come take 200 ms; after close nothing more arrives', async () => {
    const start = Date.now();
    const t = ticker(20);
    const times: number[] = [];
    const reading = (async () => {
      for (let i = 0; i < 10; i++) times.push(await t.pull());
    })();
    await vi.advanceTimersByTimeAsync(200);
    await reading;
    expect(times).toEqual(Array.from({ length: 10 }, (_, i) => start + 20 * (i + 1)));
    t.close();
    await vi.advanceTimersByTimeAsync(40);
    expect(t.tryPull()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  // TestTeardown: create, receive one tick, stop — three times; nothing is left behind.
  it('three tickers created, read once and closed leave no timer', async () => {
    for (let i = 0; i < 3; i++) {
      const t = ticker(10);
      const tick = t.pull();
      await vi.advanceTimersByTimeAsync(10);
      expect(typeof (await tick)).toBe('number');
      t.close();
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  // Go 1.23's TestChan: after Stop, a tick already sent is no longer received (the channel
  // is synchronous). README ("Closing a timer channel is closing a channel") documents the
  // other choice: the tick it holds stays readable; `tryPull()` once after closing drops it.
  it('a tick buffered before close stays readable after it (README, unlike Go 1.23 Stop)', async () => {
    const start = Date.now();
    const t = ticker(10);
    await vi.advanceTimersByTimeAsync(15);
    t.close();
    expect(t.tryPull()).toBe(start + 10);
    await expect(t.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // Go's "slow reader" rule from the time.NewTicker doc: ticks are dropped, and the reader
  // that comes back gets the buffered (oldest) tick, then the next one on the schedule.
  it('a reader 55 ms late on ticker(10) gets the tick at 10, then the one at 60', async () => {
    const start = Date.now();
    const t = ticker(10);
    await vi.advanceTimersByTimeAsync(55);
    expect(await t.pull()).toBe(start + 10);
    const next = t.pull();
    await vi.advanceTimersByTimeAsync(5);
    expect(await next).toBe(start + 60);
    t.close();
  });

  // A ticker with a signal, as a loop ends with context cancellation (Go's select on ctx.Done()).
  it('aborting the signal closes the ticker: a for await over it ends normally, no timer left', async () => {
    const controller = new AbortController();
    const t = ticker(10, { signal: controller.signal });
    let n = 0;
    const loop = (async () => {
      for await (const _ of t) if (++n === 3) controller.abort();
    })();
    await vi.advanceTimersByTimeAsync(100);
    await loop;
    expect(n).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });
});
