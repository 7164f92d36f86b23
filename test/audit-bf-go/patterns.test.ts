/**
 * Audit BF (Go lens): Go concurrency patterns ported verbatim — errgroup, a semaphore made of
 * a buffered channel, WaitGroup fan-in with merge, bounded parallelism with early exit, done
 * channels, nil cases — checked for loss, duplication, leftovers and clear misuse errors.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from '../../dist/index.js';
import { settled, turn, turns } from './util.js';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

/** Go's errgroup.WithContext: the first task to fail cancels the group; wait() gives its error. */
function errgroup() {
  const ctx = new AbortController();
  const tasks: Promise<void>[] = [];
  let first: unknown;
  let failed = false;
  return {
    signal: ctx.signal,
    go(task: () => Promise<void>): void {
      tasks.push(
        task().catch((error: unknown) => {
          if (!failed) {
            failed = true;
            first = error;
            ctx.abort(error);
          }
        }),
      );
    },
    async wait(): Promise<void> {
      await Promise.all(tasks);
      if (failed) throw first;
    },
  };
}

describe('errgroup: the first error cancels the rest', () => {
  it('a worker failing on one job cancels producer, workers and consumer; every job is accounted for exactly once', async () => {
    const g = errgroup();
    const { signal } = g;
    const jobs = new Channel<number>();
    const results = new Channel<number>(2);
    const pushed: number[] = [];
    const dropped: number[] = [];
    const received: number[] = [];
    const boom = new Error('job 37 failed');
    const reasons: unknown[] = [];
    g.go(async () => {
      try {
        for (let i = 0; i < 100; i++) {
          await jobs.push(i, { signal });
          pushed.push(i);
        }
      } catch (e) {
        reasons.push(e);
        throw e;
      }
    });
    for (let w = 0; w < 4; w++) {
      g.go(async () => {
        for (;;) {
          let job: number;
          try {
            job = await jobs.pull({ signal });
          } catch (e) {
            reasons.push(e);
            throw e;
          }
          await turn();
          if (job === 37) {
            dropped.push(job);
            throw boom;
          }
          try {
            await results.push(job, { signal });
          } catch (e) {
            dropped.push(job);
            reasons.push(e);
            throw e;
          }
        }
      });
    }
    g.go(async () => {
      try {
        for (;;) received.push(await results.pull({ signal }));
      } catch (e) {
        reasons.push(e);
        throw e;
      }
    });
    await expect(g.wait()).rejects.toBe(boom);
    // every cancelled operation rejected with the group's error, by identity (ctx.Err())
    expect(reasons.length).toBeGreaterThanOrEqual(5);
    for (const r of reasons) expect(r).toBe(boom);
    const left: number[] = [];
    for (let v = results.tryPull(); v !== undefined; v = results.tryPull()) left.push(v);
    const accounted = [...received, ...dropped, ...left].sort((a, b) => a - b);
    expect(accounted).toEqual([...pushed].sort((a, b) => a - b));
    expect(jobs.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(listeners(signal)).toBe(0);
  });
});

describe('a semaphore made of a buffered channel', () => {
  it('acquire with a cancellable push: never more than 3 at once, cancelled waiters take no slot, all slots are free at the end', async () => {
    const sem = new Channel<void>(3);
    let running = 0;
    let most = 0;
    const ran: number[] = [];
    const cancel = new AbortController();
    const task = async (i: number, signal?: AbortSignal): Promise<void> => {
      await sem.push(undefined, { signal });
      try {
        running++;
        most = Math.max(most, running);
        ran.push(i);
        await turns(2);
      } finally {
        running--;
        sem.pullNowait();
      }
    };
    const all = Array.from({ length: 20 }, (_, i) => task(i, i >= 15 ? cancel.signal : undefined).catch((e) => e));
    await turn();
    cancel.abort();
    const outcomes = await Promise.all(all);
    expect(most).toBe(3);
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(outcomes.slice(15).every((o) => (o as Error).name === 'AbortError')).toBe(true);
    expect(sem.size).toBe(0);
    expect(sem.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('acquire with a timeout (select on push(sem) and after): a timed-out acquire takes no slot', async () => {
    const sem = new Channel<void>(2);
    sem.pushNowait();
    sem.pushNowait();
    using timeout = afterMs(20);
    const r = await select([push(sem), pull(timeout)]);
    expect(r.index).toBe(1);
    expect(sem.size).toBe(2);
    expect(sem.stats().waitingPushers).toBe(0);
    sem.pullNowait();
    expect(selectNowait([push(sem), null])).toMatchObject({ index: 0 });
    expect(sem.size).toBe(2);
  });
});

describe('WaitGroup fan-in with merge', () => {
  it('merge() of no channel is closed at once (wg.Wait() with a zero count returns, then close(out))', async () => {
    const m = merge();
    const got: unknown[] = [];
    for await (const v of m) got.push(v);
    expect(got).toEqual([]);
    expect(m.closed).toBe(true);
  });

  it('the merged channel stays open until the last input closes, then a parked pull rejects with ChannelClosedError', async () => {
    const ins = [new Channel<number>(), new Channel<number>(), new Channel<number>()];
    const m = merge(...ins);
    ins[0]?.close();
    ins[1]?.close();
    const p = m.pull();
    expect(await settled(p)).toBe(false);
    expect(m.closed).toBe(false);
    ins[2]?.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(m.closed).toBe(true);
  });

  it('the same channel merged twice (two forwarding goroutines on one channel) delivers each value once', async () => {
    const a = new Channel<number>();
    const m = merge(a, a);
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await a.push(i);
      a.close();
    })();
    const got: number[] = [];
    for await (const v of m) got.push(v);
    await producer;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('bounded parallelism with a consumer that stops early: cancelling the context stops the walk and every worker, and nothing is left parked', async () => {
    const ctx = new AbortController();
    const { signal } = ctx;
    function* walk() {
      for (let i = 0; ; i++) yield i;
    }
    const paths = from(walk(), { signal });
    const outs: Channel<number>[] = [];
    const workers: Promise<string>[] = [];
    for (let w = 0; w < 3; w++) {
      const out = new Channel<number>();
      outs.push(out);
      workers.push(
        (async () => {
          try {
            for await (const p of paths) await out.push(p * 10, { signal });
            return 'drained';
          } catch (e) {
            return (e as Error).name;
          } finally {
            out.close();
          }
        })(),
      );
    }
    const results = merge(...outs);
    const got: number[] = [];
    for await (const v of results) {
      got.push(v);
      if (got.length === 10) break;
    }
    ctx.abort();
    const ends = await Promise.all(workers);
    for (const e of ends) expect(['drained', 'AbortError']).toContain(e);
    // every result was received once
    expect(new Set(got).size).toBe(10);
    // the merge holds at most one value taken ahead; then it ends
    const rest: number[] = [];
    for await (const v of results) rest.push(v);
    expect(rest.length).toBeLessThanOrEqual(1);
    expect(new Set([...got, ...rest]).size).toBe(got.length + rest.length);
    expect(paths.closed).toBe(true);
    for (const o of outs) expect(o.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(listeners(signal)).toBe(0);
  });
});

describe('select sends with a timeout, and lossless relays', () => {
  it('load balancing: a send select over three busy workers with an after(1) timeout delivers each of 60 jobs exactly once', async () => {
    const workers = Array.from({ length: 3 }, () => new Channel<number>());
    const seen: number[] = [];
    const runs = workers.map(async (w) => {
      for await (const j of w) {
        seen.push(j);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });
    for (let j = 0; j < 60; ) {
      using timeout = afterMs(1);
      const r = await select([...workers.map((w) => push(w, j)), pull(timeout)]);
      if (r.index < 3) j++;
    }
    for (const w of workers) w.close();
    await Promise.all(runs);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('or-done over from(channel) read by a select loop with timeouts: every value pushed is received once, in order', async () => {
    const input = new Channel<number>();
    const relay = from(input);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 40; i++) {
        await input.push(i);
        pushed++;
        if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
      }
      input.close();
    })();
    const got: number[] = [];
    for (;;) {
      using timeout = afterMs(1);
      const r = await select([pull(relay), pull(timeout)]);
      if (r.index === 1) continue;
      if (!r.ok) break;
      got.push(r.value as number);
    }
    await producer;
    expect(pushed).toBe(40);
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('merge of after() channels as a WaitGroup of timers: one value each, then closed', async () => {
    const all = merge(afterMs(10), afterMs(20), afterMs(5));
    let n = 0;
    for await (const v of all) {
      expect(typeof v).toBe('number');
      n++;
    }
    expect(n).toBe(3);
  });
});

describe('done channels and nil cases', () => {
  it('select { case out <- r: case <-done: return }: closing done stops ten senders, and the consumer got exactly the values whose push case won', async () => {
    const out = new Channel<number>();
    const done = new Channel<void>();
    let delivered = 0;
    const senders = Array.from({ length: 10 }, async (_, w) => {
      for (let i = 0; ; i++) {
        const r = await select([push(out, w * 1000 + i), pull(done)]);
        if (r.index === 1) return;
        delivered++;
      }
    });
    const got: number[] = [];
    for (let i = 0; i < 57; i++) got.push(await out.pull());
    done.close();
    await Promise.all(senders);
    expect(delivered).toBe(57);
    expect(new Set(got).size).toBe(57);
    expect(out.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    // per sender, its values arrived in order (FIFO per goroutine)
    for (let w = 0; w < 10; w++) {
      const mine = got.filter((v) => Math.floor(v / 1000) === w);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });

  it('a done channel closed before the workers start stops each at its first select, even when work is ready (either case may win in Go; done is checked)', async () => {
    const done = new Channel<void>();
    done.close();
    const work = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) work.pushNowait(i);
    let doneWins = 0;
    for (let i = 0; i < 1000; i++) {
      const r = await select([pull(work), pull(done)]);
      if (r.index === 1) doneWins++;
    }
    // both cases are ready: Go chooses uniformly at random
    expect(doneWins).toBeGreaterThan(350);
    expect(doneWins).toBeLessThan(650);
    expect(work.size + (1000 - doneWins)).toBe(1000);
  });

  it('ctx.Done() as fromEvent(signal, "abort", { signal }): wakes a parked select on cancel, and fires at once for a context already cancelled', async () => {
    const work = new Channel<number>();
    const ctx = new AbortController();
    const done = fromEvent(ctx.signal, 'abort', { signal: ctx.signal });
    const s = select([pull(work), pull(done)]);
    ctx.abort();
    expect((await s).index).toBe(1);
    const dead = AbortSignal.abort();
    const done2 = fromEvent(dead, 'abort', { signal: dead });
    expect(await select([pull(work), pull(done2)])).toMatchObject({ index: 1, ok: false });
    expect(work.stats().waitingPullers).toBe(0);
  });

  it('null cases keep their positions: the index is the position in the array, nulls included', async () => {
    const a = new Channel<string>(1);
    const b = new Channel<string>(1);
    b.pushNowait('b');
    expect(await select([null, pull(a), undefined, pull(b)])).toMatchObject({ index: 3, value: 'b' });
    a.pushNowait('a');
    expect(selectNowait([undefined, pull(a), null, pull(b)])).toMatchObject({ index: 1, value: 'a' });
  });

  it('for-select over two inputs that sets an exhausted case to null ends when both are null, with every value once', async () => {
    const a = from([1, 2, 3], { capacity: 1 });
    const t = ticker(1);
    const b = from(
      (async function* () {
        for (let i = 10; i < 13; i++) {
          await t.pull();
          yield i;
        }
      })(),
    );
    let ca: Channel<number> | null = a;
    let cb: Channel<number> | null = b;
    const got: number[] = [];
    while (ca || cb) {
      const r = await select([ca && pull(ca), cb && pull(cb)]);
      if (!r.ok) {
        if (r.index === 0) ca = null;
        else cb = null;
        continue;
      }
      got.push(r.value as number);
    }
    t.close();
    expect(got.sort((x, y) => x - y)).toEqual([1, 2, 3, 10, 11, 12]);
  });
});
