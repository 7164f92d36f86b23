// Audit BR-peers-d: denoland/std async/abortable_test.ts and deadline_test.ts (with delay_test's
// abort cases), ported onto chanasync's `{ signal }` on push/pull/select/pullMany/pushAll, `from`'s
// signal, and `after` as the deadline. Deno's abortable() wraps a promise; chanasync's operations
// take the signal themselves.
import { after as afterMs, Channel, ChannelClosedError, from, pull, push, select, toReadableStream } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortListeners, collect, deferred, flush, settle, streamFrom } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Deno abortable_test: promises -> operations', () => {
  // From "abortable() handles promise": an operation that completes is not disturbed by a signal.
  it('a pull with a live signal resolves with the value and leaves no listener', async () => {
    const ch = new Channel<string>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    expect(abortListeners(ac.signal)).toBe(1);
    await ch.push('Hello');
    expect(await p).toBe('Hello');
    expect(abortListeners(ac.signal)).toBe(0);
  });

  // From "abortable() handles promise with aborted signal after delay": abort() without reason
  // gives a DOMException named AbortError.
  it('abort() without reason rejects with an AbortError DOMException', async () => {
    const ch = new Channel<string>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ac.abort();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DOMException);
    expect((e as DOMException).name).toBe('AbortError');
    expect(abortListeners(ac.signal)).toBe(0);
  });

  // From "abortable() handles promise with aborted signal after delay with reason".
  it('abort(reason) rejects with that very reason', async () => {
    const ch = new Channel<string>();
    const ac = new AbortController();
    const reason = new Error('This is my reason');
    const p = ch.push('x', { signal: ac.signal });
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(ch.tryPull()).toBeUndefined();
  });

  // From "abortable() handles promise with already aborted signal (with reason)".
  it('an already aborted signal: AbortError, or the reason', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('kept');
    const e = await ch.pull({ signal: AbortSignal.abort() }).catch((x: unknown) => x);
    expect((e as DOMException).name).toBe('AbortError');
    const reason = new Error('This is my reason');
    await expect(ch.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ch.tryPull()).toBe('kept');
  });

  // From "abortable() does not throw when the signal is already aborted and the promise is already
  // rejected": the abort wins over the other failure. chanasync: "that check comes first, even on
  // a closed channel" (SPEC push/pull), and for select "checked first" (README Select).
  it('an already aborted signal beats a closed channel, for push, pull and select', async () => {
    const ch = new Channel<number>();
    ch.close();
    const signal = AbortSignal.abort('stop');
    await expect(ch.push(1, { signal })).rejects.toBe('stop');
    await expect(ch.pull({ signal })).rejects.toBe('stop');
    await expect(select([push(ch, 1)], { signal })).rejects.toBe('stop');
    await expect(ch.pullMany(2, { signal })).rejects.toBe('stop');
  });

  // From "abortable() handles promise with aborted signal after delay" on a select: no case
  // committed, the values stay where they were.
  it('select aborted while parked commits no case', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const p = select([pull(a), push(b, 1)], { signal: ac.signal });
    await flush();
    ac.abort(new Error('gone'));
    await expect(p).rejects.toThrow('gone');
    expect(a.stats()).toMatchObject({ waitingPullers: 0 });
    expect(b.stats()).toMatchObject({ waitingPushers: 0 });
    expect(a.tryPush(1)).toBe(false);
    expect(b.tryPull()).toBeUndefined();
    expect(abortListeners(ac.signal)).toBe(0);
  });

  // A signal aborted during a commit: the README's Commit points say a commit never goes to an
  // operation whose signal is already aborted, even when its abort listener has not run yet (an
  // earlier listener of the same signal pushing during the abort dispatch).
  it('an earlier abort listener pushing into the channel does not commit to the aborted pull', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    let pushed: boolean | undefined;
    ac.signal.addEventListener('abort', () => {
      pushed = ch.tryPush(1);
    });
    const p = ch.pull({ signal: ac.signal });
    const reason = new Error('why');
    ac.abort(reason);
    expect(pushed).toBe(false);
    await expect(p).rejects.toBe(reason);
  });

  // An abort right after the commit, in the same turn, changes nothing (SPEC: "A value committed
  // to a waiter is never taken back").
  it("abort in the same turn after the commit: the value is the pull's", async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ch.pushNowait(3);
    ac.abort();
    expect(await p).toBe(3);
  });

  // AbortSignal.any / AbortSignal.timeout reasons: the follower's reason is the source's; a
  // timeout's is a TimeoutError.
  it('AbortSignal.any carries the source reason; AbortSignal.timeout a TimeoutError', async () => {
    const ch = new Channel<number>();
    const a = new AbortController();
    const b = new AbortController();
    const p = ch.pull({ signal: AbortSignal.any([a.signal, b.signal]) });
    b.abort('from-b');
    await expect(p).rejects.toBe('from-b');
    const e = await ch.pull({ signal: AbortSignal.timeout(5) }).catch((x: unknown) => x);
    expect((e as DOMException).name).toBe('TimeoutError');
  });

  // pushAll stopped part-way by an abort: the reason carries `pushed` (README Batches).
  it('pushAll aborted part-way rejects with the reason carrying pushed', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const p = ch.pushAll([1, 2, 3, 4], { signal: ac.signal });
    await flush();
    const reason = new Error('enough');
    ac.abort(reason);
    const e = await p.catch((x: unknown) => x);
    expect(e).toBe(reason);
    expect((e as { pushed: number }).pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });
});

describe('Deno abortable_test: async iterables -> from(source, { signal })', () => {
  // From "abortable.AsyncIterable()": without abort, from() relays every value.
  it('relays a source that awaits in between', async () => {
    const { promise, resolve } = deferred<void>();
    async function* a() {
      yield 'Hello';
      await promise;
      yield 'World';
    }
    const ch = from(a(), { signal: new AbortController().signal });
    const out = collect(ch);
    await flush();
    resolve();
    expect(await out).toEqual(['Hello', 'World']);
  });

  // From "abortable.AsyncIterable() handles aborted signal after delay". Adaptation: Deno's
  // iteration rejects with AbortError; aborting from()'s signal ends the channel normally
  // (README Interop: "aborting the signal of from or fromEvent closes the channel normally").
  it('abort after the first value ends the loop normally with that value', async () => {
    const { promise } = deferred<void>();
    async function* a() {
      yield 'Hello';
      await promise;
      yield 'World';
    }
    const ac = new AbortController();
    const items: string[] = [];
    const loop = (async () => {
      for await (const item of from(a(), { signal: ac.signal })) {
        items.push(item);
        ac.abort();
      }
    })();
    await loop;
    expect(items).toEqual(['Hello']);
    expect(abortListeners(ac.signal)).toBe(0);
  });

  // From "abortable.AsyncIterable() handles already aborted signal": nothing is read.
  it('an already aborted signal reads nothing from the source', async () => {
    let reads = 0;
    const src = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          reads++;
          return { value: 1, done: false };
        },
      }),
    };
    const ch = from(src, { signal: AbortSignal.abort() });
    expect(await collect(ch)).toEqual([]);
    expect(ch.closed).toBe(true);
    expect(reads).toBe(0);
  });

  // From "abortable.AsyncIterable() calls return before throwing": an abort during a pending
  // next() of the source calls the source iterator's return().
  it('an abort during a pending source next() calls the source return()', async () => {
    let returnCalled = false;
    const src: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<string>>(() => {}),
        return: async () => {
          returnCalled = true;
          return { value: undefined, done: true };
        },
      }),
    };
    const ac = new AbortController();
    const ch = from(src, { signal: ac.signal });
    const p = ch.pull();
    await flush();
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    await flush();
    expect(returnCalled).toBe(true);
  });

  // From "abortable.AsyncIterable() closes the source iterator when the consumer stops early".
  // Adaptation: leaving a loop never closes a channel (SPEC Iteration), so the source's finally runs
  // when the from() channel is closed (README: "closing a from channel … calls the iterator's
  // return()").
  it('break does not release the source; close() does', async () => {
    let finallyRan = false;
    function* gen() {
      try {
        yield 1;
        yield 2;
      } finally {
        finallyRan = true;
      }
    }
    const ch = from(gen());
    for await (const _ of ch) break;
    expect(finallyRan).toBe(false);
    expect(await ch.pull()).toBe(2);
    ch.close();
    expect(finallyRan).toBe(true);
  });

  // From "abortable.AsyncIterable() behaves just like original when return is called": the
  // channel iterator's return(v) resolves { done: true, value: v } and the iterator stays usable
  // (README Iteration: "return() does not close the channel, and the iterator stays usable").
  it('iterator return(value) mirrors an async generator, and awaits a promise value', async () => {
    const ch = from([1, 2, 3], { capacity: 3 });
    const it = ch[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 1 });
    expect(await it.return?.(321)).toEqual({ done: true, value: 321 });
    expect(await it.return?.(Promise.resolve(7))).toEqual({ done: true, value: 7 });
    await expect(it.return?.(Promise.reject(new Error('r')))).rejects.toThrow('r');
    expect(await it.next()).toEqual({ done: false, value: 2 });
    expect(it[Symbol.asyncIterator]()).toBe(it);
  });

  // From "abortable.AsyncIterable() behaves just like original when not aborted": next() after
  // the end keeps answering done, as an exhausted generator does.
  it('next() after done keeps resolving done', async () => {
    const ch = from([1]);
    const it = ch[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 1 });
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
});

describe('Deno deadline_test / delay_test via after()', () => {
  // From "deadline() returns fulfilled promise": the data arrives before the deadline.
  it('select with after(): the data case wins before the deadline, and the timer can be cleared', async () => {
    vi.useFakeTimers();
    const data = new Channel<string>();
    const timeout = afterMs(1000);
    const p = select([pull(data), pull(timeout)]);
    setTimeout(() => data.pushNowait('Hello'), 100);
    await vi.advanceTimersByTimeAsync(100);
    expect(await p).toMatchObject({ index: 0, value: 'Hello', ok: true });
    timeout.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  // From "deadline() throws DOMException" (TimeoutError). Adaptation: with select the deadline is a
  // case that fires (index 1, value Date.now()), not a rejection.
  it('select with after(): the deadline fires first', async () => {
    vi.useFakeTimers({ now: 5_000 });
    const data = new Channel<string>();
    const p = select([pull(data), pull(afterMs(100))]);
    await vi.advanceTimersByTimeAsync(100);
    const r = await p;
    expect(r.index).toBe(1);
    expect(r.value).toBe(5_100);
    expect(data.stats().waitingPullers).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  // From "deadline() handles aborted signal after delay" / "handles already aborted signal" and
  // delay_test's abort cases: after({ signal }) aborted clears the timer, delivers nothing and
  // closes the channel (SPEC after). Adaptation: Deno rejects with AbortError; an after channel is
  // closed, so a pull on it rejects with ChannelClosedError and select's pull case fires ok: false.
  it('after with a signal aborted later: timer cleared, no value, closed, listener gone', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const t = afterMs(100, { signal: ac.signal });
    expect(vi.getTimerCount()).toBe(1);
    expect(abortListeners(ac.signal)).toBe(1);
    ac.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
    expect(t.closed).toBe(true);
    await expect(t.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    const r = await select([pull(t)]);
    expect(r).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  it('after with an already aborted signal sets no timer', async () => {
    vi.useFakeTimers();
    const t = afterMs(100, { signal: AbortSignal.abort() });
    expect(vi.getTimerCount()).toBe(0);
    expect(t.closed).toBe(true);
    expect(await collect(t)).toEqual([]);
  });

  // A select sharing its signal with the after(): README Close bullet — the select rejects with
  // the reason instead of firing the timeout case with ok: false.
  it('select and after share one signal: the select rejects with the reason', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const data = new Channel<number>();
    const p = select([pull(data), pull(afterMs(100, { signal: ac.signal }))], { signal: ac.signal });
    await flush();
    ac.abort('cancelled');
    await expect(p).rejects.toBe('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });

  // From "deadline() supports numbers greater than Number.MAX_SAFE_INTEGER" (Infinity). Adaptation:
  // README Select: "NaN, Infinity and -Infinity are a RangeError … for no timeout, pass a null
  // case, or after(Number.MAX_SAFE_INTEGER)".
  it('after(Infinity) is a RangeError; after(MAX_SAFE_INTEGER) never fires and can be closed', async () => {
    vi.useFakeTimers();
    expect(() => afterMs(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    const t = afterMs(Number.MAX_SAFE_INTEGER);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(t.size).toBe(0);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  // delay_test "delay() handles negative/zero ms": README "after(ms) with ms ≤ 0 fires at once,
  // exactly as after(0): its value arrives on the next timer turn".
  it('after(-5) fires on the next timer turn, not synchronously', async () => {
    vi.useFakeTimers();
    const t = afterMs(-5);
    expect(t.tryPull()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(0);
    expect(typeof (await t.pull())).toBe('number');
    expect(t.closed).toBe(true);
  });
});

describe('toReadableStream with a signal and cancel', () => {
  // The async-iterator/stream analogue of abortable: an abort of toReadableStream's signal
  // withdraws the stream's parked pull and closes the stream normally (README Interop).
  it('abort closes the stream normally and leaves the next value in the channel', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const reader = toReadableStream(ch, { signal: ac.signal }).getReader();
    const pending = reader.read();
    await flush();
    expect(ch.stats().waitingPullers).toBe(1);
    ac.abort(new Error('x'));
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false);
    expect(abortListeners(ac.signal)).toBe(0);
  });

  // ReadableStream.from(channel): the platform calls the iterator's return() on cancel; the pull
  // parked by next() is withdrawn (README Iteration).
  it('ReadableStream.from(channel) cancelled during a read leaves no parked pull', async () => {
    const ch = new Channel<number>();
    const reader = streamFrom(ch).getReader();
    const pending = reader.read();
    await flush();
    expect(ch.stats().waitingPullers).toBe(1);
    await reader.cancel();
    expect((await settle(pending)).ok).toBe(true);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);
  });
});
