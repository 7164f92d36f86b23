// Audit BR-peers-d: @thi.ng/csp packages/csp/test/main.test.ts (channels, offer/poll, consume,
// select, timeout, ping pong, pipe) and denoland/std async/pool_test.ts (pooledMap as a worker
// pool over channels), ported onto chanasync.
import { after as afterMs, Channel, ChannelClosedError, from, pull, select, selectNowait } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect, flush, settle } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('thi.ng/csp main.test.ts', () => {
  // From csp "async iterator": written values then a later close end the loop.
  it('async iterator ends once the channel is closed later', async () => {
    vi.useFakeTimers();
    const ch = new Channel<number>();
    void (async () => {
      await ch.push(1);
      await ch.push(2);
      await ch.push(3);
      setTimeout(() => ch.close(), 10);
    })();
    const out = collect(ch);
    await vi.advanceTimersByTimeAsync(10);
    expect(await out).toEqual([1, 2, 3]);
  });

  // From csp "fromAsyncIterable".
  it('from(async iterable) relays and closes', async () => {
    async function* repeatedly() {
      for (let i = 0; i < 3; i++) yield i;
    }
    expect(await collect(from(repeatedly()))).toEqual([0, 1, 2]);
  });

  // From csp "consume" (with a limit) and "drain": pullMany takes up to max in FIFO order; what is
  // left stays readable after close.
  it('consume with a limit = pullMany(max); the rest stays readable', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    ch.pushAll([1, 2, 3, 4, 5, 6]);
    ch.close();
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
    expect(await ch.pull()).toBe(4);
    expect(await collect(ch)).toEqual([5, 6]);
  });

  // From csp "offer" and "poll". Adaptation: csp's default channel holds one value; chanasync's
  // default is unbuffered, so the port uses capacity 1.
  it('offer/poll = tryPush/tryPull', async () => {
    const a = new Channel<number>(1);
    expect(a.tryPull()).toBeUndefined();
    expect(a.tryPush(1)).toBe(true);
    expect(a.tryPush(2)).toBe(false);
    expect(a.tryPull()).toBe(1);
    expect(a.tryPull()).toBeUndefined();
  });

  // From csp "pipe": from(channel) relays a channel and closes with it.
  it('pipe = from(channel)', async () => {
    const a = new Channel<number>();
    const b = from(a);
    void (async () => {
      await a.push(1);
      await a.push(2);
      await a.push(3);
      a.close();
    })();
    expect(await collect(b)).toEqual([1, 2, 3]);
  });

  // From csp "select": a closed channel and a channel with a value are both ready; the result is
  // one of them. Adaptation: csp gives [undefined, a] for the closed one; chanasync gives ok: false
  // (SPEC select). Only one case commits: if the closed case won, 42 is still in b.
  it('select: closed input and ready input, exactly one commits', async () => {
    for (let i = 0; i < 20; i++) {
      const a = new Channel<number>();
      const b = new Channel<number>(1);
      const c = new Channel<number>();
      a.close();
      b.pushNowait(42);
      const r = await select([pull(a), pull(b), pull(c)]);
      if (r.index === 0) {
        expect(r).toMatchObject({ ok: false, value: undefined });
        expect(b.tryPull()).toBe(42);
      } else {
        expect(r).toMatchObject({ index: 1, ok: true, value: 42 });
        expect(b.size).toBe(0);
      }
      expect(c.stats().waitingPullers).toBe(0);
    }
  });

  // From csp "timeout": a ready channel beats a timeout; a timeout beats an empty channel.
  // Adaptation: chanasync's after() delivers Date.now(), not undefined.
  it('timeout: a ready channel wins over after(10); after(0) wins over an empty channel', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const t = afterMs(10);
    expect(await select([pull(t), pull(ch)])).toMatchObject({ index: 1, value: 1 });
    t.close();
    const p = select([pull(afterMs(0)), pull(new Channel())]);
    await vi.advanceTimersByTimeAsync(0);
    expect(await p).toMatchObject({ index: 0, value: 1_000, ok: true });
    expect(selectNowait([pull(new Channel())])).toBeUndefined();
  });

  // From csp "ping pong": two goroutines over two unbuffered channels; the loser of the rally sees
  // the closed channel. Adaptation: csp's read() resolves undefined on close; chanasync's pull
  // rejects with ChannelClosedError.
  it('ping pong ends with both channels closed', async () => {
    const ping = new Channel<number>(0, { name: 'ping' });
    const pong = new Channel<number>(0, { name: 'pong' });
    const a = (async () => {
      for (;;) {
        const x = await ping.pull();
        if (x > 3) {
          ping.close();
          pong.close();
          return;
        }
        await pong.push(x + 1);
      }
    })();
    const b = (async () => {
      const seen: number[] = [];
      for (;;) {
        const r = await settle(pong.pull());
        if (!r.ok) return { seen, error: r.error };
        seen.push(r.value);
        await ping.push(r.value + 1);
      }
    })();
    await ping.push(0);
    await a;
    const end = await b;
    expect(end.seen).toEqual([1, 3]);
    expect(end.error).toBeInstanceOf(ChannelClosedError);
    expect((end.error as Error).message).toContain('"pong"');
    expect(ping.closed && pong.closed).toBe(true);
  });
});

/** A pooledMap analogue: `limit` workers read jobs from one channel and push results. */
function pooled<T, R>(limit: number, items: Iterable<T>, fn: (x: T) => Promise<R>): Channel<R> {
  const jobs = from(items);
  const results = new Channel<R>(limit);
  const errors: unknown[] = [];
  let running = limit;
  for (let w = 0; w < limit; w++) {
    void (async () => {
      for await (const job of jobs) {
        try {
          await results.push(await fn(job));
        } catch (e) {
          errors.push(e);
        }
      }
      if (--running === 0) {
        results.close(errors.length ? new AggregateError(errors, 'an item failed') : undefined);
      }
    })();
  }
  return results;
}

describe('Deno pool_test: pooledMap as a worker pool over channels', () => {
  // From "pooledMap()": 2 workers, 3 jobs of 300 ms each take 600 ms (fake time, not wall clock).
  it('runs at most `limit` jobs at once and finishes every job', async () => {
    vi.useFakeTimers({ now: 0 });
    let active = 0;
    let peak = 0;
    const results = pooled(2, [1, 2, 3], async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 300));
      active--;
      return i;
    });
    const out = collect(results);
    await vi.advanceTimersByTimeAsync(600);
    expect((await out).sort()).toEqual([1, 2, 3]);
    expect(peak).toBe(2);
    expect(Date.now()).toBe(600);
  });

  // From "pooledMap() returns ordered items". Adaptation: a pool over channels yields in
  // completion order; the port checks that every job ran exactly once (SPEC Iteration: "each
  // value goes to exactly one of them").
  it('every job reaches exactly one worker', async () => {
    vi.useFakeTimers();
    const ran: number[] = [];
    const items = Array.from({ length: 10 }, (_, i) => i + 1);
    const results = pooled(3, items, async (i) => {
      ran.push(i);
      await new Promise((r) => setTimeout(r, 100 / i));
      return i;
    });
    const out = collect(results);
    await vi.advanceTimersByTimeAsync(500);
    expect((await out).sort((a, b) => a - b)).toEqual(items);
    expect(ran.sort((a, b) => a - b)).toEqual(items);
  });

  // From "pooledMap() handles errors": results before the failure are delivered, then the loop
  // throws an AggregateError holding both errors (through close(reason)).
  it('errors end the result loop with the reason after the good values', async () => {
    const mapped: number[] = [];
    const r = await settle(
      (async () => {
        for await (const m of pooled(3, [1, 2, 3, 4], async (n) => {
          if (n <= 2) throw new Error(`Bad number: ${n}`);
          await flush();
          return n;
        }))
          mapped.push(m);
      })(),
    );
    expect(r.ok).toBe(false);
    const e = (r as { error: AggregateError }).error;
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.errors.map((x: Error) => x.message).sort()).toEqual(['Bad number: 1', 'Bad number: 2']);
    expect(mapped.sort()).toEqual([3, 4]);
  });
});
