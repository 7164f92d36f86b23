// Audit BR-peers-d: the async-iterator and stream protocol details that Deno's tee_test ("handles
// concurrent next() calls"), abortable_test ("behaves just like original when return is called",
// "calls return before throwing") and channel_test ("toReadableStream() cancel …") check, applied
// to chanasync's channel iterator, from(), merge(), broadcast subscribers and toReadableStream.
import { broadcast, Channel, from, merge, pull, push, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collect, flush, settle, streamFrom } from './helpers.js';

function within<T>(p: Promise<T>, ms = 50): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
}

describe('channel iterator', () => {
  // tee_test "handles concurrent next() calls" + return(): the next() that got a value keeps it,
  // the others resolve done, nothing stays parked (README Iteration).
  it('return() with three pending next(): the committed one keeps its value, the rest end', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const ps = [it.next(), it.next(), it.next()];
    await flush();
    ch.pushNowait(1);
    expect(await it.return?.()).toEqual({ done: true, value: undefined });
    expect(await Promise.all(ps)).toEqual([
      { done: false, value: 1 },
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, closed: false });
  });

  // README Reference: return() withdraws parked next() "also when the channel is closed with a
  // reason before they settle".
  it('return() then close(reason) in the same turn: the withdrawn next() resolves done', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const p = it.next();
    const r = it.return?.();
    ch.close(new Error('E'));
    expect(await p).toEqual({ done: true, value: undefined });
    expect(await r).toEqual({ done: true, value: undefined });
  });

  // Deno channel_test "receive() rejects on closed …" repeated: after close(reason) every next()
  // rejects with the reason (the channel iterator is not a generator that finishes after a throw;
  // SPEC: for await "throws reason after close(reason)").
  it('after close(reason), a pending next() and the following one both reject with the reason', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const p = it.next();
    const reason = new Error('E');
    ch.close(reason);
    expect(await settle(p)).toEqual({ ok: false, error: reason });
    expect(await settle(it.next())).toEqual({ ok: false, error: reason });
  });
});

describe('from(), merge() and subscribers: return() during a pending next() loses nothing', () => {
  it('from(channel): the next value stays in the source, then reaches a later pull', async () => {
    const src = new Channel<number>();
    const f = from(src);
    const it = f[Symbol.asyncIterator]();
    const p = it.next();
    await flush();
    await it.return?.();
    expect(await p).toEqual({ done: true, value: undefined });
    const pushing = src.push(1);
    await flush();
    expect(src.stats().waitingPushers).toBe(1); // nobody wants it: it waits in the source
    expect(await within(f.pull())).toBe(1);
    await pushing;
  });

  it('merge(from(src)) whose select lost to another case: the next value is not stranded', async () => {
    const src = new Channel<number>();
    const m = merge(from(src));
    const other = new Channel<number>(1);
    other.pushNowait(0);
    expect((await select([pull(m), pull(other)])).index).toBe(1);
    const pushing = src.push(1);
    expect(await within(m.pull())).toBe(1);
    await pushing;
  });

  it('capacity-0 subscriber: return() during next(), then the value reaches the next pull', async () => {
    const src = new Channel<number>();
    const sub = broadcast(src).subscribe({ capacity: 0 });
    const it = sub[Symbol.asyncIterator]();
    const p = it.next();
    await flush();
    await it.return?.();
    expect(await p).toEqual({ done: true, value: undefined });
    const pushing = src.push(1);
    expect(await within(sub.pull())).toBe(1);
    await pushing;
  });

  it('capacity-0 subscriber read through toReadableStream: cancel during a read loses nothing', async () => {
    const src = new Channel<number>();
    const sub = broadcast(src).subscribe({ capacity: 0 });
    const reader = toReadableStream(sub).getReader();
    const p = reader.read();
    await flush();
    await reader.cancel();
    expect(await p).toEqual({ done: true, value: undefined });
    const pushing = src.push(7);
    expect(await within(sub.pull())).toBe(7);
    await pushing;
  });

  // Deno tee_test "handles concurrent next() calls" with an unbuffered subscriber.
  it('capacity-0 subscriber answers four concurrent next() in order', async () => {
    const hub = broadcast(from([1, 2, 3]));
    const it = hub.subscribe({ capacity: 0 })[Symbol.asyncIterator]();
    expect(await Promise.all([it.next(), it.next(), it.next(), it.next()])).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
      { done: true, value: undefined },
    ]);
  });
});

describe('streams: cancel and close', () => {
  // README Interop: toReadableStream enqueues at the commit point, so a value committed to the
  // pending read in the same turn as a cancel reaches the read.
  it('a value committed in the same turn as cancel() reaches the pending read', async () => {
    const ch = new Channel<number>();
    const reader = toReadableStream(ch).getReader();
    const p = reader.read();
    await flush();
    expect(ch.tryPush(1)).toBe(true);
    const c = reader.cancel();
    expect(await p).toEqual({ done: false, value: 1 });
    await c;
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, closed: false });
  });

  it('ReadableStream.from(channel) errors with the close reason after the values', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const reason = new Error('R');
    ch.close(reason);
    const seen: number[] = [];
    const r = await settle(
      (async () => {
        for await (const v of streamFrom(ch)) seen.push(v);
      })(),
    );
    expect(seen).toEqual([1]);
    expect(r).toEqual({ ok: false, error: reason });
  });

  it('toReadableStream with highWaterMark 1 aborted by its signal keeps what it queued readable', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const stream = toReadableStream(ch, { signal: ac.signal, highWaterMark: 1 });
    ch.pushNowait(1);
    await flush();
    ac.abort();
    expect(await collect(stream)).toEqual([1]);
    expect(ch.size).toBe(0);
  });

  it('ReadableStream.from(from([1, 2, 3])) cancelled after one read leaves the rest in the channel', async () => {
    const f = from([1, 2, 3]);
    const reader = streamFrom(f).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await reader.cancel();
    expect(await collect(f)).toEqual([2, 3]);
  });
});

describe('abort ordering with misuse (abortable_test: already aborted beats the other failure)', () => {
  // README Cancellation: "An already aborted signal is checked first, before anything else";
  // Thenables: "only an already aborted signal comes first".
  it('an already aborted signal beats an empty case list, a malformed case and a thenable', async () => {
    const signal = AbortSignal.abort('R');
    const ch = new Channel<unknown>();
    await expect(select([], { signal })).rejects.toBe('R');
    await expect(select([{} as never], { signal })).rejects.toBe('R');
    await expect(ch.push(Promise.resolve(1), { signal })).rejects.toBe('R');
    await expect(ch.pullMany(0, { signal })).rejects.toBe('R');
    // Without the signal, the misuse is reported.
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push(Promise.resolve(1))).rejects.toBeInstanceOf(TypeError);
  });

  // Signal aborted during a commit, select and pullMany forms (README Commit points).
  it('an earlier abort listener pushing: a parked select and pullMany are cancelled, not served', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    let pushedIntoA: boolean | undefined;
    ac.signal.addEventListener('abort', () => {
      pushedIntoA = a.tryPush(1);
    });
    const p = select([pull(a), push(new Channel<number>(), 2)], { signal: ac.signal });
    await flush();
    ac.abort('R');
    expect(pushedIntoA).toBe(false);
    await expect(p).rejects.toBe('R');

    const b = new Channel<number>(4);
    const ac2 = new AbortController();
    ac2.signal.addEventListener('abort', () => {
      b.tryPush(1);
    });
    const q = b.pullMany(3, { signal: ac2.signal });
    ac2.abort('R2');
    await expect(q).rejects.toBe('R2');
    expect(b.size).toBe(1);
  });
});
