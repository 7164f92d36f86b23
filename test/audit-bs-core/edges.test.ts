// biome-ignore-all lint/suspicious/noThenProperty: thenables on purpose (a channel refuses them)
// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
import { after, Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { abortListeners, rejection, settle, thrown, track, until } from './helpers.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('options validation', () => {
  it('name must be a string; unknown overflow is a TypeError; options must be an object', () => {
    expect(() => new Channel(1, { name: 5 as unknown as string })).toThrow(TypeError);
    expect(() => new Channel(1, { overflow: 'drop' as 'block' })).toThrow(TypeError);
    expect(() => new Channel(1, 'x' as unknown as object)).toThrow(TypeError);
  });
  it('-0 capacity reads as 0', () => {
    expect(new Channel(-0).capacity).toBe(0);
  });
  it('select push case with a thenable is a TypeError, nothing committed', async () => {
    const ch = new Channel<unknown>(1);
    // refused where the case is built (README: "the push() select case refuse a thenable")
    expect(thrown(() => selectNowait([push(ch, Promise.resolve(1))]))).toBeInstanceOf(TypeError);
    expect(thrown(() => push(ch, { then() {} }))).toBeInstanceOf(TypeError);
    expect(ch.size).toBe(0);
  });
  it('select on a non-chanasync channel is a TypeError', async () => {
    const fake = { pull: async () => 1 } as unknown as Channel<number>;
    const e = await rejection(
      (async () => {
        return select([pull(fake)]);
      })(),
    );
    expect(e).toBeInstanceOf(TypeError);
  });
});

describe('iteration edges', () => {
  it('the iterator is its own async iterable', () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    expect(it[Symbol.asyncIterator]()).toBe(it);
  });
  it('concurrent next() calls on one iterator get values in order', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const a = it.next();
    const b = it.next();
    await ch.push(1);
    await ch.push(2);
    expect(await a).toEqual({ done: false, value: 1 });
    expect(await b).toEqual({ done: false, value: 2 });
  });
  it('return() with two parked next() withdraws both; later pushes are not lost', async () => {
    const ch = new Channel<number>(4);
    const it = ch[Symbol.asyncIterator]();
    const a = it.next();
    const b = it.next();
    expect(ch.stats().waitingPullers).toBe(2);
    await it.return!();
    expect(await a).toMatchObject({ done: true });
    expect(await b).toMatchObject({ done: true });
    ch.pushNowait(1);
    expect(ch.pullNowait()).toBe(1);
  });
  it('a value committed to next() before return() is still delivered', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const a = it.next();
    ch.pushNowait(7);
    await it.return!();
    expect(await a).toEqual({ done: false, value: 7 });
  });
  it('close() while for-await loops are parked ends them normally', async () => {
    const ch = new Channel<number>();
    const loops = [0, 1, 2].map(async () => {
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      return got;
    });
    await until(() => ch.stats().waitingPullers === 3);
    await ch.push(1);
    await until(() => ch.stats().waitingPullers === 3);
    ch.close();
    const res = await Promise.all(loops);
    expect(res.flat()).toEqual([1]);
  });
  it('close(reason) while several for-await loops are parked makes each throw the reason', async () => {
    const ch = new Channel<number>();
    const reason = new Error('fail');
    const loops = [0, 1].map(async () => {
      try {
        for await (const _ of ch) {
          /* nothing */
        }
        return 'ended';
      } catch (e) {
        return e;
      }
    });
    await until(() => ch.stats().waitingPullers === 2);
    ch.close(reason);
    expect(await Promise.all(loops)).toEqual([reason, reason]);
  });
  it('close() inside a loop body: the loop drains the buffer then ends', async () => {
    const ch = new Channel<number>(5);
    for (const v of [1, 2, 3]) ch.pushNowait(v);
    const got: number[] = [];
    for await (const v of ch) {
      got.push(v);
      if (v === 1) ch.close();
    }
    expect(got).toEqual([1, 2, 3]);
  });
  it('break from for-await while other iterators wait: no waiter left, values go to the others', async () => {
    const ch = new Channel<number>();
    const first = (async () => {
      for await (const v of ch) if (v === 0) break;
    })();
    const rest: number[] = [];
    const second = (async () => {
      for await (const v of ch) rest.push(v);
    })();
    for (let i = 0; i < 5; i++) await ch.push(i);
    await first;
    ch.close();
    await second;
    expect(rest.length).toBe(4 + (rest.includes(0) ? 1 : 0));
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('pushAll edges', () => {
  it('an iterable that throws stops pushAll with that error, carrying pushed', async () => {
    const ch = new Channel<number>(10);
    const boom = new Error('gen');
    function* gen() {
      yield 1;
      yield 2;
      throw boom;
    }
    const e = (await rejection(ch.pushAll(gen()))) as Error & { pushed?: number };
    expect(e).toBe(boom);
    expect(e.pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });
  it('stopping part-way returns the iterator (generator finally runs)', async () => {
    const ch = new Channel<number>(1);
    let finalized = false;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const p = ch.pushAll(gen());
    ch.close();
    const e = (await rejection(p)) as ChannelClosedError;
    expect(e.pushed).toBe(1);
    expect(finalized).toBe(true);
  });
  it('a thenable part-way is a TypeError with pushed', async () => {
    const ch = new Channel<unknown>(10);
    const e = (await rejection(ch.pushAll([1, Promise.resolve(2), 3]))) as TypeError & { pushed?: number };
    expect(e).toBeInstanceOf(TypeError);
    expect(e.pushed).toBe(1);
    expect(ch.size).toBe(1);
  });
  it('an async iterable is refused with a TypeError saying it is async', async () => {
    const ch = new Channel<number>(10);
    const src = new Channel<number>(1);
    const e = (await rejection(ch.pushAll(src as unknown as Iterable<number>))) as Error;
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/async/);
  });
  it('pullMany serves a parked pushAll value and a parked select push, each resolving', async () => {
    const ch = new Channel<number>();
    const a = track(ch.pushAll([1, 2]));
    const s = track(select([push(ch, 10)]));
    expect(await ch.pullMany(5)).toEqual([1, 10]);
    await settle();
    expect(s.outcome).toMatchObject({ state: 'fulfilled' });
    expect(a.outcome.state).toBe('pending'); // 2 waits now
    expect(await ch.pull()).toBe(2);
    await a.promise;
  });
});

describe('resources', () => {
  it('select with after() won by another case, then after closed: no timer left', async () => {
    const before = timers();
    const data = new Channel<number>(1);
    data.pushNowait(1);
    const timeout = after(60_000);
    const r = await select([pull(data), pull(timeout)]);
    expect(r.index).toBe(0);
    expect(timers()).toBeGreaterThanOrEqual(before + 1);
    timeout.close();
    expect(timers()).toBe(before);
  });
  it('after() aborted by its signal: closed, no value, no timer, no listener', async () => {
    const before = timers();
    const ac = new AbortController();
    const t = after(60_000, { signal: ac.signal });
    ac.abort();
    expect(t.closed).toBe(true);
    expect(t.tryPull()).toBeUndefined();
    expect(timers()).toBe(before);
    expect(abortListeners(ac.signal)).toBe(0);
  });
  it('select with a signal that commits by a case leaves no abort listener', async () => {
    const ac = new AbortController();
    const a = new Channel<number>();
    const p = select([pull(a)], { signal: ac.signal });
    expect(abortListeners(ac.signal)).toBe(1);
    a.pushNowait(1);
    await p;
    expect(abortListeners(ac.signal)).toBe(0);
  });
  it('1000 timed-out pulls do not grow the channel', async () => {
    const ch = new Channel<number>();
    for (let i = 0; i < 1000; i++) {
      const ac = new AbortController();
      const p = ch.pull({ signal: ac.signal });
      ac.abort();
      await p.catch(() => undefined);
    }
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });
  it('closing from inside an abort listener of the same signal: parked op rejects with the reason', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => ch.close());
    const p = ch.pull({ signal: ac.signal });
    const reason = new Error('r');
    ac.abort(reason);
    expect(await rejection(p)).toBe(reason);
  });
});

describe('Go: close semantics with mixed waiters', () => {
  it('closing a channel with a parked select push and a parked plain pull on another channel', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const s = select([push(a, 1), pull(b)]);
    const p = b.pull();
    a.close();
    expect(await rejection(s)).toBeInstanceOf(ChannelClosedError);
    expect(b.stats().waitingPullers).toBe(1); // only p now
    b.pushNowait(5);
    expect(await p).toBe(5);
  });
  it('drain after close through select and pullMany keeps FIFO', async () => {
    const ch = new Channel<number>(5);
    for (const v of [1, 2, 3, 4, 5]) ch.pushNowait(v);
    ch.close();
    const got: number[] = [];
    got.push((await select([pull(ch)])).value as number);
    got.push(...(await ch.pullMany(2)));
    got.push(ch.pullNowait());
    got.push(ch.tryPull()!);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(await select([pull(ch)])).toMatchObject({ ok: false });
  });
});

describe('more edges', () => {
  it('properties are read-only getters', () => {
    const ch = new Channel<number>(2, { name: 'n' });
    for (const key of ['capacity', 'size', 'closed', 'full', 'empty', 'name'] as const)
      expect(() => {
        (ch as unknown as Record<string, unknown>)[key] = 1;
      }, key).toThrow(TypeError);
    expect(ch.capacity).toBe(2);
  });
  it('options with signal undefined, and no options, work', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1, { signal: undefined });
    expect(await ch.pull({})).toBe(1);
    await ch.push(2, {});
    expect(await ch.pullMany(1, { signal: undefined })).toEqual([2]);
    expect(await ch.pushAll([3], { signal: undefined })).toBeUndefined();
    expect(await select([pull(ch)], { signal: undefined })).toMatchObject({ value: 3 });
  });
  it('close() and disposal return undefined; asyncDispose returns a promise of undefined', async () => {
    const ch = new Channel<number>();
    expect(ch.close()).toBeUndefined();
    const c2 = new Channel<number>();
    const r = c2[Symbol.asyncDispose]();
    expect(r).toBeInstanceOf(Promise);
    expect(await r).toBeUndefined();
    expect(new Channel<number>()[Symbol.dispose]()).toBeUndefined();
  });
  it('errors of plain operations have no pushed count', async () => {
    const ch = new Channel<number>();
    ch.close();
    const e = (await rejection(ch.push(1))) as ChannelClosedError;
    expect(e.pushed).toBeUndefined();
  });
  it('a thenable is a TypeError even on a closed or full channel (misuse first)', () => {
    const ch = new Channel<unknown>(1);
    ch.pushNowait(0);
    expect(thrown(() => ch.tryPush(Promise.resolve(1)))).toBeInstanceOf(TypeError);
    ch.close();
    expect(thrown(() => ch.pushNowait(Promise.resolve(1)))).toBeInstanceOf(TypeError);
  });
  it('a push in an earlier abort listener of the same signal does not go to the aborted pull', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    let pushed: boolean | undefined;
    ac.signal.addEventListener('abort', () => {
      pushed = ch.tryPush(1);
    });
    const p = ch.pull({ signal: ac.signal });
    const reason = new Error('r');
    ac.abort(reason);
    expect(pushed).toBe(false);
    expect(await rejection(p)).toBe(reason);
    expect(ch.stats().waitingPullers).toBe(0);
  });
  it('pushAll of 5000 values against a pullMany loop: nothing lost, duplicated or reordered', async () => {
    const ch = new Channel<number>(3);
    const input = Array.from({ length: 5000 }, (_, i) => i);
    const producer = ch.pushAll(input).then(() => ch.close());
    const out: number[] = [];
    for (;;) {
      try {
        out.push(...(await ch.pullMany(4)));
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelClosedError);
        break;
      }
    }
    await producer;
    expect(out).toEqual(input);
  });
  it('select in a loop with a per-iteration signal leaves no listeners and no waiters', async () => {
    const a = new Channel<number>();
    const shared = new AbortController();
    for (let i = 0; i < 200; i++) {
      const ac = new AbortController();
      const p = select([pull(a)], { signal: i % 2 ? ac.signal : shared.signal });
      if (i % 2) ac.abort();
      else a.pushNowait(i);
      await p.catch(() => undefined);
      expect(abortListeners(ac.signal)).toBe(0);
    }
    expect(abortListeners(shared.signal)).toBe(0);
    expect(a.stats().waitingPullers).toBe(0);
  });
  it('Go fairness: a closed pull case and a ready value case are chosen uniformly', () => {
    const closed = new Channel<number>();
    closed.close();
    const vals = new Channel<number>(Number.POSITIVE_INFINITY);
    const N = 2000;
    for (let i = 0; i < N; i++) vals.pushNowait(i);
    const counts = [0, 0];
    for (let i = 0; i < N; i++) counts[selectNowait([pull(closed), pull(vals)])!.index]!++;
    expect(Math.min(...counts)).toBeGreaterThan(N / 2 - 250);
  });
  it('Go fairness: a drop-mode push case competes uniformly with a ready pull', () => {
    const drop = new Channel<number>(1, { overflow: 'drop-oldest' });
    const vals = new Channel<number>(Number.POSITIVE_INFINITY);
    const N = 2000;
    for (let i = 0; i < N; i++) vals.pushNowait(i);
    const counts = [0, 0];
    for (let i = 0; i < N; i++) counts[selectNowait([pull(vals), push(drop, i)])!.index]!++;
    expect(Math.min(...counts)).toBeGreaterThan(N / 2 - 250);
    expect(vals.size).toBe(N - counts[0]!);
  });
  it('iterator return() leaves it usable; return(value) awaits the value', async () => {
    const ch = new Channel<number>(2);
    const it = ch[Symbol.asyncIterator]();
    expect(await it.return!(Promise.resolve(1) as unknown as number)).toEqual({ done: true, value: 1 });
    ch.pushNowait(5);
    expect(await it.next()).toEqual({ done: false, value: 5 });
  });
  it('after(): a timestamp once, then closed; bad ms values', async () => {
    const t0 = Date.now();
    const t = after(5);
    expect(t.capacity).toBe(1);
    expect(t.tryPull()).toBeUndefined();
    const r = await select([pull(t)]);
    expect(r.ok).toBe(true);
    expect(r.value as number).toBeGreaterThanOrEqual(t0);
    expect(r.value as number).toBeLessThanOrEqual(Date.now());
    expect(await select([pull(t)])).toMatchObject({ ok: false });
    expect(t.closed).toBe(true);
    const neg = after(-10);
    expect(neg.size).toBe(0); // not synchronous
    expect(typeof (await neg.pull())).toBe('number');
    expect(() => after(Number.NaN)).toThrow(RangeError);
    expect(() => after(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => after('5' as unknown as number)).toThrow(TypeError);
  });
});

describe('values', () => {
  it('any non-thenable value passes through unchanged (null, undefined, NaN, symbols, functions, {then: 5})', async () => {
    const ch = new Channel<unknown>(8);
    const values: unknown[] = [{ then: 5 }, { then: null }, () => 1, Symbol('s'), null, undefined, Number.NaN, 0];
    for (const v of values) ch.pushNowait(v);
    for (const v of values) expect(Object.is(await ch.pull(), v)).toBe(true);
    const fnThenable = Object.assign(() => 1, { then: (r: (x: number) => void) => r(2) });
    expect(thrown(() => ch.pushNowait(fnThenable))).toBeInstanceOf(TypeError);
  });
  it('a channel of undefined: pullNowait tells a value from nothing, tryPull cannot (documented)', () => {
    const ch = new Channel<undefined>(2);
    ch.pushNowait(undefined);
    expect(ch.pullNowait()).toBeUndefined();
    expect(() => ch.pullNowait()).toThrow();
    ch.pushNowait(undefined);
    expect(ch.tryPull()).toBeUndefined();
    expect(ch.size).toBe(0);
  });
});
