// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
// Cancellation at every microtask offset: nothing lost, nothing duplicated.
import { after, broadcast, Channel, ChannelClosedError, from, merge, ticker, toReadableStream } from 'chanasync';
import { describe, expect, it, vi } from 'vitest';
import { microtasks, tick, timeouts, until } from './util.js';

const K = 25;

async function drainNowait<T>(ch: Channel<T>): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const v = ch.tryPull();
    if (v === undefined) return out;
    out.push(v);
  }
}

describe('cancel at every point', () => {
  for (const cap of [0, 1, 3]) {
    it(`toReadableStream (channel capacity ${cap}): a cancel at any microtask keeps each value exactly once`, async () => {
      for (let k = 0; k < K; k++) {
        const ch = new Channel<number>(cap);
        const reader = toReadableStream(ch).getReader();
        const reads: number[] = [];
        const readLoop = (async () => {
          for (;;) {
            const r = await reader.read();
            if (r.done) return;
            reads.push(r.value);
          }
        })();
        const pushes = [1, 2, 3, 4, 5].map((v) =>
          ch.push(v).then(
            () => true,
            () => false,
          ),
        );
        await microtasks(k);
        await reader.cancel();
        await readLoop;
        ch.close();
        const committed = await Promise.all(pushes);
        const left = await drainNowait(ch);
        const nCommitted = committed.filter(Boolean).length;
        expect([...reads, ...left]).toEqual([1, 2, 3, 4, 5].slice(0, nCommitted));
      }
    });
  }

  it('merge: closing the merged channel at any microtask loses nothing', async () => {
    for (let k = 0; k < K; k++) {
      const a = new Channel<number>(2);
      const b = new Channel<number>(2);
      const m = merge(a, b);
      const got: number[] = [];
      const reading = (async () => {
        try {
          for await (const v of m) got.push(v);
        } catch {}
      })();
      const pa = [1, 2, 3].map((v) =>
        a.push(v).then(
          () => true,
          () => false,
        ),
      );
      const pb = [11, 12, 13].map((v) =>
        b.push(v).then(
          () => true,
          () => false,
        ),
      );
      await microtasks(k);
      m.close();
      await reading;
      got.push(...(await drainNowait(m)));
      a.close();
      b.close();
      await Promise.all([...pa, ...pb]);
      const restA = await drainNowait(a);
      const restB = await drainNowait(b);
      const all = [...got, ...restA, ...restB].sort((x, y) => x - y);
      // pushes into a closed input reject; everything committed is somewhere exactly once
      const committed = [
        ...(await Promise.all(pa)).map((ok, i) => (ok ? i + 1 : -1)),
        ...(await Promise.all(pb)).map((ok, i) => (ok ? i + 11 : -1)),
      ].filter((v) => v > 0);
      expect(all).toEqual(committed.sort((x, y) => x - y));
      expect(got.filter((v) => v < 10)).toEqual([...got.filter((v) => v < 10)].sort((x, y) => x - y));
    }
  });

  it('from(channel): closing the relay at any microtask loses nothing', async () => {
    for (let k = 0; k < K; k++) {
      const src = new Channel<number>(1);
      const relay = from(src, { capacity: 1 });
      const got: number[] = [];
      const reading = (async () => {
        for await (const v of relay) got.push(v);
      })();
      const pushes = [1, 2, 3, 4].map((v) =>
        src.push(v).then(
          () => true,
          () => false,
        ),
      );
      await microtasks(k);
      relay.close();
      await reading;
      src.close();
      const ok = await Promise.all(pushes);
      const rest = await drainNowait(src);
      expect([...got, ...rest]).toEqual([1, 2, 3, 4].filter((_, i) => ok[i]));
    }
  });

  it('broadcast: hub.close() at any microtask — every subscriber has the same prefix, the rest is in the source', async () => {
    for (let k = 0; k < K; k++) {
      const src = new Channel<number>(2);
      const hub = broadcast(src);
      const subs = [hub.subscribe(), hub.subscribe({ capacity: 0 }), hub.subscribe({ capacity: 3 })];
      const gots = subs.map(() => [] as number[]);
      const readers = subs.map(async (s, i) => {
        for await (const v of s) gots[i]!.push(v);
      });
      const pushes = [1, 2, 3, 4, 5].map((v) =>
        src.push(v).then(
          () => true,
          () => false,
        ),
      );
      await microtasks(k);
      hub.close();
      await Promise.all(readers);
      src.close();
      const ok = await Promise.all(pushes);
      const rest = await drainNowait(src);
      const committed = [1, 2, 3, 4, 5].filter((_, i) => ok[i]);
      for (const g of gots) expect(g).toEqual(gots[0]);
      expect([...gots[0]!, ...rest]).toEqual(committed);
    }
  });

  it('broadcast: a subscriber leaving by signal at any microtask keeps a contiguous prefix; others get everything', async () => {
    for (let k = 0; k < K; k++) {
      const src = new Channel<number>();
      const hub = broadcast(src);
      const ac = new AbortController();
      const leaver = hub.subscribe({ signal: ac.signal });
      const stayer = hub.subscribe({ capacity: 2 });
      const gl: number[] = [];
      const gs: number[] = [];
      const r1 = (async () => {
        for await (const v of leaver) gl.push(v);
      })();
      const r2 = (async () => {
        for await (const v of stayer) gs.push(v);
      })();
      const prod = (async () => {
        for (let i = 1; i <= 6; i++) await src.push(i);
        src.close();
      })();
      await microtasks(k);
      ac.abort();
      await Promise.all([r1, r2, prod]);
      expect(gs).toEqual([1, 2, 3, 4, 5, 6]);
      expect(gl).toEqual([1, 2, 3, 4, 5, 6].slice(0, gl.length));
    }
  });

  it('from(async generator): closing at any microtask runs finally and delivers nothing after the close', async () => {
    for (let k = 0; k < K; k++) {
      let finished = false;
      async function* gen() {
        try {
          for (let i = 1; ; i++) {
            await Promise.resolve();
            yield i;
          }
        } finally {
          finished = true;
        }
      }
      const ch = from(gen(), { capacity: 2 });
      const got: number[] = [];
      const reading = (async () => {
        for await (const v of ch) got.push(v);
      })();
      await microtasks(k);
      ch.close();
      await reading;
      await until(() => finished, 'finally ran', 2000);
      expect(got).toEqual(got.map((_, i) => i + 1));
      await tick();
      expect(ch.size).toBe(0);
    }
  });

  it('ticker: closing at any point of a fake-timer schedule leaves no timer', async () => {
    vi.useFakeTimers();
    try {
      for (let k = 0; k < 12; k++) {
        const t = ticker(3);
        await vi.advanceTimersByTimeAsync(k);
        t.close();
        expect(vi.getTimerCount()).toBe(0);
        const a = after(5);
        await vi.advanceTimersByTimeAsync(k);
        a.close();
        expect(vi.getTimerCount()).toBe(0);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('the timeout idiom in a loop with using: no timer piles up', async () => {
    const before = timeouts();
    const data = new Channel<number>(1);
    for (let i = 0; i < 300; i++) {
      await data.push(i);
      using timeout = after(60_000);
      const { select, pull } = await import('chanasync');
      const r = await select([pull(data), pull(timeout)]);
      expect(r.index).toBe(0);
    }
    await until(() => timeouts() <= before, 'no timers left');
    data.close();
  });
});

describe('more edges', () => {
  it('from(stream) that errors after values: values first, then the error', async () => {
    const why = new Error('late failure');
    let n = 0;
    const s = new ReadableStream<number>({
      pull(c) {
        if (n < 2) c.enqueue(n++);
        else c.error(why);
      },
    });
    const ch = from(s, { capacity: 3 });
    const got: number[] = [];
    let err: unknown;
    try {
      for await (const v of ch) got.push(v);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([0, 1]);
    expect(err).toBe(why);
  });

  it('closing a from channel whose iterator return() throws does not throw', async () => {
    const it = {
      [Symbol.iterator]() {
        return this;
      },
      next() {
        return { value: 1, done: false };
      },
      return(): IteratorResult<number> {
        throw new Error('return failed');
      },
    };
    const ch = from(it, { capacity: 1 });
    await ch.pull();
    expect(() => ch.close()).not.toThrow();
  });

  it('toReadableStream: abort with closeOnCancel closes the channel', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const r = toReadableStream(ch, { closeOnCancel: true, signal: ac.signal }).getReader();
    const p = r.read();
    ac.abort();
    expect((await p).done).toBe(true);
    expect(ch.closed).toBe(true);
  });

  it('ticker/after with Number.MAX_VALUE: one timer each, nothing fires, close clears', async () => {
    const before = timeouts();
    const t = ticker(Number.MAX_VALUE);
    const a = after(Number.MAX_VALUE);
    expect(timeouts()).toBe(before + 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.size + a.size).toBe(0);
    const pre = timeouts();
    t.close();
    a.close();
    expect(timeouts()).toBe(pre - 2);
  });

  it('ticker with a period far below a millisecond ticks once per timer turn (does not spin)', async () => {
    const t = ticker(Number.MIN_VALUE);
    const v = [await t.pull(), await t.pull(), await t.pull()];
    t.close();
    expect(v[2]).toBeGreaterThanOrEqual(v[0]!);
  });

  it('after beyond 2^31-1 under fake timers fires at exactly start + ms', async () => {
    vi.useFakeTimers();
    try {
      const start = Date.now();
      const a = after(2 ** 31 + 5);
      vi.advanceTimersByTime(2 ** 31 + 4);
      expect(a.size).toBe(0);
      vi.advanceTimersByTime(1);
      expect(a.pullNowait()).toBe(start + 2 ** 31 + 5);
      expect(a.closed).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a pull parked on a closed-by-hand ticker rejects with ChannelClosedError', async () => {
    const t = ticker(10_000);
    const p = t.pull();
    t.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });
});
