/**
 * Audit BK-core: `pullMany`, `pushAll` (SPEC "Non-blocking and batch operations"), iteration and
 * disposal (SPEC "Iteration and disposal"), with the README's "Batches" and "Iteration".
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { abortedSignal, flush, rejection, track } from '../helpers/track.js';

type Counted = { pushed?: number };

describe('pullMany', () => {
  it('takes up to max in FIFO order: buffer first, then parked pushers, each resolving', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const parked = [3, 4, 5].map((v) => track(ch.push(v)));
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
    await flush();
    expect(parked.map((p) => p.current.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(ch.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });

  it('returns the same values as max consecutive pullNowait calls would', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<number>(3);
    for (const ch of [a, b]) {
      ch.pushNowait(1);
      ch.pushNowait(2);
      ch.pushNowait(3);
      void ch.push(4);
      void ch.push(5);
    }
    const many = await a.pullMany(4);
    const one = [b.pullNowait(), b.pullNowait(), b.pullNowait(), b.pullNowait()];
    expect(many).toEqual(one);
    expect(drainNow(a)).toEqual(drainNow(b));
  });

  it('on an unbuffered channel takes the parked pushers’ values', async () => {
    const ch = new Channel<string>();
    const pushes = ['a', 'b', 'c'].map((v) => ch.push(v));
    expect(await ch.pullMany(2)).toEqual(['a', 'b']);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(ch.pullNowait()).toBe('c');
    await Promise.all(pushes);
  });

  it('parks when empty and is served by the next push with that one value', async () => {
    const ch = new Channel<number>(4);
    const many = ch.pullMany(3);
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await many).toEqual([1]);
    expect(drainNow(ch)).toEqual([2]);
  });

  it.each([
    ['0', 0, RangeError],
    ['-1', -1, RangeError],
    ['1.5', 1.5, RangeError],
    ['NaN', Number.NaN, RangeError],
    ['Infinity', Number.POSITIVE_INFINITY, RangeError],
    ['"3"', '3', TypeError],
    ['undefined', undefined, TypeError],
    ['3n', 3n, TypeError],
  ])(
    'pullMany(%s) rejects (not throws) with a clear error naming pullMany and takes nothing',
    async (_l, max, kind) => {
      const ch = new Channel<number>(2);
      ch.pushNowait(1);
      let result: Promise<unknown> | undefined;
      expect(() => {
        result = ch.pullMany(max as never);
      }).not.toThrow();
      const error = (await rejection(result as Promise<unknown>)) as Error;
      expect(error).toBeInstanceOf(kind);
      expect(error.message).toMatch(/pullMany/);
      expect(ch.size).toBe(1);
    },
  );

  it('an aborted signal is checked before max: pullMany(0, aborted) rejects with the reason', async () => {
    const ch = new Channel<number>(1);
    expect(await rejection(ch.pullMany(0, { signal: abortedSignal('why') }))).toBe('why');
  });

  it('aborting a parked pullMany takes nothing and leaves no waiter', async () => {
    const ch = new Channel<number>(2);
    const controller = new AbortController();
    const many = track(ch.pullMany(5, { signal: controller.signal }));
    controller.abort('stop');
    ch.pushNowait(1);
    await flush();
    expect(many.current).toEqual({ status: 'rejected', reason: 'stop' });
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, size: 1 });
  });

  it('on a closed channel returns the buffered rest then rejects ChannelClosedError naming pullMany', async () => {
    const ch = new Channel<number>(3, { name: 'n' });
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close('r');
    expect(await ch.pullMany(1)).toEqual([1]);
    expect(await ch.pullMany(5)).toEqual([2]);
    const error = (await rejection(ch.pullMany(5))) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pullMany: channel "n" is closed');
    expect(error.cause).toBe('r');
  });

  it('skips a parked pusher whose signal aborted in an earlier listener (its value is not taken)', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    let got: number[] | undefined;
    controller.signal.addEventListener(
      'abort',
      Object.assign(
        () => {
          got = drainNow(ch);
        },
        { own: true },
      ),
    );
    const aborted = track(ch.push(1, { signal: controller.signal }));
    const live = ch.push(2);
    controller.abort('x');
    expect(got).toEqual([2]);
    await live;
    await flush();
    expect(aborted.current).toEqual({ status: 'rejected', reason: 'x' });
  });
});

describe('pushAll', () => {
  it('commits synchronously while there is room, then waits like push', async () => {
    const ch = new Channel<number>(2);
    const all = track(ch.pushAll([1, 2, 3, 4]));
    expect(ch.size).toBe(2);
    await flush();
    expect(all.current.status).toBe('pending');
    expect(await ch.pullMany(4)).toEqual([1, 2, 3]);
    expect(await ch.pull()).toBe(4);
    await flush();
    expect(all.current.status).toBe('fulfilled');
  });

  it('a close part-way rejects with ChannelClosedError naming pushAll, pushed counting the committed values', async () => {
    const ch = new Channel<number>(2, { name: 'c' });
    let finalized = false;
    function* values() {
      try {
        yield* [1, 2, 3, 4];
      } finally {
        finalized = true;
      }
    }
    const all = ch.pushAll(values());
    ch.close('shut');
    const error = (await rejection(all)) as ChannelClosedError & Counted;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pushAll: channel "c" is closed');
    expect(error.pushed).toBe(2);
    expect(error.cause).toBe('shut');
    expect(finalized).toBe(true);
    expect(drainNow(ch)).toEqual([1, 2]);
  });

  it('an abort part-way rejects with the reason carrying pushed, the rest not delivered', async () => {
    const ch = new Channel<number>(1);
    const controller = new AbortController();
    const all = ch.pushAll([1, 2, 3], { signal: controller.signal });
    expect(await ch.pull()).toBe(1);
    // 2 moved into the buffer; 3 is parked
    const reason = new Error('stop');
    controller.abort(reason);
    const error = (await rejection(all)) as Error & Counted;
    expect(error).toBe(reason);
    expect(error.pushed).toBe(2);
    expect(drainNow(ch)).toEqual([2]);
  });

  it('an already aborted signal rejects with the reason, pushed 0, nothing committed', async () => {
    const ch = new Channel<number>(4);
    const reason = new Error('pre');
    const error = (await rejection(ch.pushAll([1, 2], { signal: abortedSignal(reason) }))) as Error & Counted;
    expect(error).toBe(reason);
    expect(error.pushed).toBe(0);
    expect(ch.size).toBe(0);
  });

  it('two pushAll calls stopped by one reason each read their own count', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const controller = new AbortController();
    const first = a.pushAll([1, 2, 3], { signal: controller.signal });
    const second = b.pushAll([1, 2, 3], { signal: controller.signal });
    controller.abort(new Error('both'));
    const e1 = (await rejection(first)) as Counted & { cause?: unknown };
    const e2 = (await rejection(second)) as Counted & { cause?: unknown };
    expect([e1.pushed, e2.pushed].sort()).toEqual([1, 2]);
  });

  it('pushAll([]) resolves even on a closed channel', async () => {
    const ch = new Channel<number>();
    ch.close();
    await expect(ch.pushAll([])).resolves.toBeUndefined();
  });

  it('pushAll of something not iterable rejects with a TypeError naming pushAll; an async iterable is told apart', async () => {
    const ch = new Channel<number>(1);
    const plain = (await rejection(ch.pushAll(5 as never))) as Error;
    expect(plain).toBeInstanceOf(TypeError);
    expect(plain.message).toMatch(/^pushAll/);
    const asyncGen = (async function* () {})();
    const async = (await rejection(ch.pushAll(asyncGen as never))) as Error;
    expect(async).toBeInstanceOf(TypeError);
    expect(async.message).toMatch(/async/);
    expect((await rejection(ch.pushAll(null as never))) as Error).toBeInstanceOf(TypeError);
  });

  it('an iterable that throws part-way rejects with that error carrying pushed; the values before stay', async () => {
    const ch = new Channel<number>(4);
    const boom = new Error('boom');
    function* values() {
      yield 1;
      yield 2;
      throw boom;
    }
    const error = (await rejection(ch.pushAll(values()))) as Error & Counted;
    expect(error).toBe(boom);
    expect(error.pushed).toBe(2);
    expect(drainNow(ch)).toEqual([1, 2]);
  });

  it('an iterator whose next() closes the channel stops pushAll with the count', async () => {
    const ch = new Channel<number>(4);
    function* values() {
      yield 1;
      ch.close();
      yield 2;
    }
    const error = (await rejection(ch.pushAll(values()))) as ChannelClosedError & Counted;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(1);
    expect(drainNow(ch)).toEqual([1]);
  });

  it('an iterator whose next() pulls from the same channel loses and duplicates nothing', async () => {
    const ch = new Channel<number>(1);
    const taken: number[] = [];
    function* values() {
      yield 1;
      taken.push(ch.pullNowait());
      yield 2;
      taken.push(ch.pullNowait());
      yield 3;
    }
    await ch.pushAll(values());
    expect([...taken, ...drainNow(ch)]).toEqual([1, 2, 3]);
  });

  it('an abort in the same turn as a value is committed stops before the next value, counting it', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const all = ch.pushAll([1, 2, 3], { signal: controller.signal });
    const got = ch.pullNowait();
    controller.abort('now');
    const error = await rejection(all);
    expect(got).toBe(1);
    // a primitive reason is rejected as is
    expect(error).toBe('now');
    expect(ch.stats().waitingPushers).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('an abort in the same turn as its last value is committed resolves', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const all = track(ch.pushAll([1], { signal: controller.signal }));
    expect(ch.pullNowait()).toBe(1);
    controller.abort('late');
    await flush();
    expect(all.current.status).toBe('fulfilled');
  });

  it('into a drop-newest channel every value counts as committed and pushAll resolves', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3]);
    expect(drainNow(ch)).toEqual([1]);
  });
});

describe('iteration', () => {
  it('for await yields the values until closed and drained, then ends normally', async () => {
    const ch = new Channel<number>(3);
    void ch.pushAll([1, 2, 3]).then(() => ch.close());
    const out: number[] = [];
    for await (const value of ch) out.push(value);
    expect(out).toEqual([1, 2, 3]);
  });

  it.each([
    ['an Error', new Error('fail')],
    ['null', null],
    ['0', 0],
    ['false', false],
    ['the empty string', ''],
  ])('for await throws the reason %s after close(reason), after the buffered values', async (_l, reason) => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.close(reason);
    const out: number[] = [];
    let caught: unknown = 'nothing';
    try {
      for await (const value of ch) out.push(value);
    } catch (error) {
      caught = error;
    }
    expect(out).toEqual([1]);
    expect(Object.is(caught, reason)).toBe(true);
  });

  it('a parked next() throws the reason when the channel is closed with one', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    const reason = new Error('r');
    ch.close(reason);
    expect(await rejection(next)).toBe(reason);
  });

  it('break does not close the channel and loses no value', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2, 3, 4]);
    const out: number[] = [];
    for await (const value of ch) {
      out.push(value);
      if (value === 2) break;
    }
    expect(ch.closed).toBe(false);
    expect([...out, ...drainNow(ch)]).toEqual([1, 2, 3, 4]);
  });

  it('a throw out of the loop body does not close the channel and loses no value', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2, 3]);
    await expect(
      (async () => {
        for await (const value of ch) if (value === 1) throw new Error('out');
      })(),
    ).rejects.toThrow('out');
    expect(ch.closed).toBe(false);
    expect(drainNow(ch)).toEqual([2, 3]);
  });

  it('several iterators at once share the values: each goes to exactly one', async () => {
    const ch = new Channel<number>();
    const results: number[][] = [[], [], []];
    const loops = results.map(async (out) => {
      for await (const value of ch) out.push(value);
    });
    const values = Array.from({ length: 60 }, (_, i) => i);
    for (const value of values) await ch.push(value);
    ch.close();
    await Promise.all(loops);
    expect(results.flat().sort((a, b) => a - b)).toEqual(values);
    for (const out of results) expect(out).toEqual([...out].sort((a, b) => a - b));
  });

  it('return() while a next() is parked resolves that next() done and no later value goes to it', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    expect(ch.stats().waitingPullers).toBe(1);
    expect(await it.return?.()).toEqual({ done: true, value: undefined });
    expect(await next).toEqual({ done: true, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false);
    expect(ch.closed).toBe(false);
  });

  it('return() withdraws every parked next() of that iterator only, not other consumers’ pulls', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const n1 = it.next();
    const other = ch.pull();
    const n2 = it.next();
    await it.return?.();
    expect(await n1).toEqual({ done: true, value: undefined });
    expect(await n2).toEqual({ done: true, value: undefined });
    ch.pushNowait(7);
    expect(await other).toBe(7);
  });

  it('a value committed to a next() before return() is still delivered to it', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    ch.pushNowait(5);
    await it.return?.();
    expect(await next).toEqual({ done: false, value: 5 });
  });

  it('the iterator stays usable after return()', async () => {
    const ch = new Channel<number>(2);
    const it = ch[Symbol.asyncIterator]();
    await it.return?.();
    ch.pushNowait(1);
    expect(await it.next()).toEqual({ done: false, value: 1 });
  });

  it('return() then close(reason) before the withdrawn next() settles: it resolves done, not the reason', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    void it.return?.();
    ch.close(new Error('late'));
    expect(await next).toEqual({ done: true, value: undefined });
  });

  it('return(value) echoes the value as a done result', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    expect(await it.return?.(42 as never)).toEqual({ done: true, value: 42 });
  });

  it('the iterator is itself async iterable', () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    expect(it[Symbol.asyncIterator]()).toBe(it);
  });

  it('ReadableStream.from(channel) cancelled during a read consumes nothing more', async () => {
    const ch = new Channel<number>();
    // Node has ReadableStream.from (v20.6); the DOM lib of this TypeScript does not declare it.
    const streamFrom = (ReadableStream as unknown as { from<T>(source: AsyncIterable<T>): ReadableStream<T> }).from;
    const stream = streamFrom(ch);
    const reader = stream.getReader();
    const read = reader.read();
    await flush();
    await reader.cancel();
    expect(await read).toEqual({ done: true, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false);
  });
});

describe('disposal', () => {
  it('await using closes the channel at the end of the block, buffered values staying readable', async () => {
    let kept: Channel<number> | undefined;
    {
      await using ch = new Channel<number>(2);
      ch.pushNowait(1);
      kept = ch;
      expect(ch.closed).toBe(false);
    }
    expect(kept.closed).toBe(true);
    expect(drainNow(kept)).toEqual([1]);
  });

  it('using closes the channel even when the block throws, failing a parked pull', async () => {
    let pending: { current: { status: string } } | undefined;
    let kept: Channel<number> | undefined;
    expect(() => {
      using ch = new Channel<number>();
      kept = ch;
      pending = track(ch.pull());
      throw new Error('body');
    }).toThrow('body');
    expect(kept?.closed).toBe(true);
    await flush();
    expect(pending?.current.status).toBe('rejected');
  });

  it('Symbol.asyncDispose returns a promise and is idempotent with close()', async () => {
    const ch = new Channel<number>();
    ch.close('first');
    const result = ch[Symbol.asyncDispose]();
    expect(result).toBeInstanceOf(Promise);
    await result;
    const error = (await rejection(ch.pull())) as ChannelClosedError;
    expect(error.cause).toBe('first');
    expect(ch[Symbol.dispose]()).toBeUndefined();
  });

  it('await using calls a subclass’s close override', async () => {
    const calls: unknown[] = [];
    class Logged<T> extends Channel<T> {
      override close(reason?: unknown): void {
        calls.push(reason);
        super.close(reason);
      }
    }
    {
      await using ch = new Logged<number>(1);
      ch.pushNowait(1);
    }
    expect(calls).toEqual([undefined]);
  });
});
