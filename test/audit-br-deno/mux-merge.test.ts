// Audit BR-peers-d: denoland/std async/mux_async_iterator_test.ts and
// unstable_mux_async_iterator_test.ts, and @thi.ng/csp test "merge", ported onto chanasync's
// `merge(from(a), from(b))`. Deno's MuxAsyncIterator is an iterator one adds sources to; chanasync's
// merge is a channel with a fixed list of input channels.
import { Channel, ChannelClosedError, from, merge, pull, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collect, flush, gen123, gen456, genThrows, settle } from './helpers.js';

function inOrder(all: number[], part: number[]): boolean {
  const seen = all.filter((v) => part.includes(v));
  return seen.join() === part.join();
}

describe('Deno mux_async_iterator_test via merge', () => {
  // From "MuxAsyncIterator()" and "(unstable) MuxAsyncIterator() works with constructor iterables".
  // chanasync adds: each input's order is kept (SPEC Interop: "fan-in keeping each input's order").
  it('merges two async generators: every value once, each input in order', async () => {
    const out = await collect(merge(from(gen123()), from(gen456())));
    expect(new Set(out)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(out).toHaveLength(6);
    expect(inOrder(out, [1, 2, 3])).toBe(true);
    expect(inOrder(out, [4, 5, 6])).toBe(true);
  });

  // From "MuxAsyncIterator() works with no iterables".
  it('merge() of nothing is a closed, empty channel', async () => {
    const m = merge();
    expect(m.closed).toBe(true);
    expect(await collect(m)).toEqual([]);
  });

  // From "MuxAsyncIterator() clears iterables after successful iteration". Adaptation: a merge's
  // inputs are fixed at the call (README Reference: merge(...channels)); a second round is a new
  // merge, and the first one stays closed and drained.
  it('a finished merge stays finished; a new merge serves new inputs', async () => {
    const m = merge(from(gen123()), from(gen456()));
    expect((await collect(m)).length).toBe(6);
    expect(await collect(m)).toEqual([]);
    expect(await collect(merge(from(gen123())))).toEqual([1, 2, 3]);
  });

  // From "MuxAsyncIterator() takes async iterable as source".
  it('takes a custom async iterable through from()', async () => {
    const custom = { [Symbol.asyncIterator]: () => gen123() };
    expect(await collect(merge(from(custom)))).toEqual([1, 2, 3]);
  });

  // From "MuxAsyncIterator() throws when the source throws" and "doesn't clear iterables after
  // throwing": a second read of the failed merge fails again with the same error (chanasync:
  // the merged channel is closed with the input's reason — README Reference merge: "or at once
  // with an input's close reason" — and every later iteration throws that reason).
  it('a throwing source fails the merge, and keeps failing it', async () => {
    const m = merge(from(gen123()), from(genThrows()));
    const first = await settle(collect(m));
    expect(first.ok).toBe(false);
    expect((first as { error: Error }).error.message).toBe('something went wrong');
    const second = await settle(collect(m));
    expect((second as { error: Error }).error.message).toBe('something went wrong');
  });

  // From thi.ng/csp "merge": inputs closed at different times; the merge closes only when every
  // input is closed and drained.
  it('csp merge: closes only after the last input closes', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>();
    const m = merge(a, b, c);
    const producer = (async () => {
      await a.push(1);
      await b.push(2);
      await c.push(3);
      a.close();
      b.close();
      await flush();
      expect(m.closed).toBe(false);
      c.close();
    })();
    expect(new Set(await collect(m))).toEqual(new Set([1, 2, 3]));
    await producer;
  });
});

describe('iterator protocol of a merged channel', () => {
  // From Deno abortable_test "behaves just like original when return is called", applied to
  // merge's iterator: return() while a next() waits resolves that next() done, and the value
  // pushed afterwards is not lost (README Iteration: "return() withdraws the pulls … no value
  // pushed afterwards goes to a consumer that left").
  it('return() during a pending next() resolves it done and loses nothing', async () => {
    const a = new Channel<number>();
    const m = merge(a);
    const it = m[Symbol.asyncIterator]();
    const pending = it.next();
    expect(await it.return?.('bye')).toEqual({ done: true, value: 'bye' });
    expect(await pending).toEqual({ done: true, value: undefined });
    await a.push(9);
    expect(await m.pull()).toBe(9);
    expect(m.closed).toBe(false);
  });

  // A merge is a real channel: select and toReadableStream see it (README Reference merge).
  it('select over a merged channel, and a cancelled stream of it, consume nothing extra', async () => {
    const a = new Channel<number>(4);
    const m = merge(a);
    await a.push(1);
    await a.push(2);
    const r = await select([pull(m)]);
    expect(r).toMatchObject({ index: 0, value: 1, ok: true });
    const reader = toReadableStream(m).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 2 });
    const pending = reader.read();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    await a.push(3);
    expect(await m.pull()).toBe(3);
    a.close();
    await expect(m.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // From "MuxAsyncIterator()" with concurrent consumers: two iterators over one merge share the
  // values, each exactly once (SPEC Iteration: "each value goes to exactly one of them").
  it('two iterators over one merge share its values exactly once', async () => {
    const m = merge(from([1, 2, 3, 4, 5, 6, 7, 8]));
    const [x, y] = await Promise.all([collect(m), collect(m)]);
    expect([...x, ...y].sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
