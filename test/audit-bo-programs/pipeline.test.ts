import { Channel, ChannelClosedError, from, merge } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { drain, idle, listeners, range, tick } from './helpers.js';

interface StageReport {
  read: number[];
  forwarded: number[];
  held: number[]; // value(s) read but not forwarded when the stage stopped
  error?: unknown;
}

/** A stage: read `input` until it ends, forward `f(v)` to `output`; stop at the first failure. */
async function stage(
  input: Channel<number>,
  output: Channel<number>,
  f: (v: number) => number,
  signal: AbortSignal,
): Promise<StageReport> {
  const report: StageReport = { read: [], forwarded: [], held: [] };
  try {
    for await (const v of input) {
      report.read.push(v);
      try {
        await output.push(f(v), { signal });
        report.forwarded.push(v);
      } catch (error) {
        report.held.push(v);
        report.error = error;
        return report;
      }
    }
  } catch (error) {
    report.error = error;
  } finally {
    output.close();
  }
  return report;
}

describe('a three-stage pipeline with one AbortController', () => {
  it('runs to the end without cancellation: every value arrives once, in order, and the long-lived signal keeps no listener', async () => {
    const ctx = new AbortController();
    let produced = 0;
    async function* numbers() {
      for (let i = 0; i < 200; i++) {
        produced++;
        yield i;
      }
    }
    const src = from(numbers(), { capacity: 4, signal: ctx.signal });
    const sq = new Channel<number>(2, { name: 'sq' });
    const inc = new Channel<number>(0, { name: 'inc' });
    const s1 = stage(src, sq, (v) => v * v, ctx.signal);
    const s2 = stage(sq, inc, (v) => v + 1, ctx.signal);
    const got: number[] = [];
    for await (const v of inc) got.push(v);
    const [r1, r2] = await Promise.all([s1, s2]);
    expect(got).toEqual(range(200).map((v) => v * v + 1));
    expect(r1.held).toEqual([]);
    expect(r2.held).toEqual([]);
    expect(produced).toBe(200);
    expect(src.closed && sq.closed && inc.closed).toBe(true);
    idle(src, sq, inc);
    expect(listeners(ctx.signal)).toBe(0);
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`cancelled mid-stream (seed ${seed}): sink + held + buffered is exactly the prefix the source produced`, async () => {
      const rnd = seededRandom(seed);
      const ctx = new AbortController();
      let produced = 0;
      let released = false;
      async function* numbers() {
        try {
          for (let i = 0; ; i++) {
            produced++;
            if (rnd() < 0.3) await tick();
            yield i;
          }
        } finally {
          released = true;
        }
      }
      const src = from(numbers(), { capacity: 1 + Math.floor(rnd() * 4), signal: ctx.signal });
      const a = new Channel<number>(Math.floor(rnd() * 3), { name: 'a' });
      const b = new Channel<number>(Math.floor(rnd() * 3), { name: 'b' });
      const s1 = stage(src, a, (v) => v, ctx.signal);
      const s2 = stage(a, b, (v) => v, ctx.signal);
      const got: number[] = [];
      const stopAt = 20 + Math.floor(rnd() * 40);
      let sinkError: unknown;
      try {
        for await (const v of b) {
          got.push(v);
          if (rnd() < 0.2) await tick();
          if (got.length === stopAt) ctx.abort(new Error('cancelled'));
        }
      } catch (error) {
        sinkError = error;
      }
      const [r1, r2] = await Promise.all([s1, s2]);
      await tick();
      expect(sinkError).toBeUndefined(); // stages close their outputs normally
      // Leftovers: src kept its buffered values readable (abort closes a `from` channel normally);
      // a and b were closed by the stages (normally) and keep theirs.
      const leftB = drain(b);
      const leftA = drain(a);
      const leftSrc = drain(src);
      // Everything the sink saw, then b's leftovers, then what stage 2 held, then a's leftovers,
      // then what stage 1 held: that is the order values travelled.
      const all = [...got, ...leftB, ...r2.held, ...leftA, ...r1.held];
      expect(all).toEqual(range(all.length));
      // Stage 1's read-but-unread: nothing; stage 1 read everything it forwarded or held.
      expect(r1.read).toEqual([...r1.forwarded, ...r1.held]);
      // src's leftovers continue where stage 1 stopped reading.
      expect(leftSrc).toEqual(range(leftSrc.length, r1.read.length));
      // The source produced at most one value more than the channel ever held (the read that
      // was in flight when the signal aborted, dropped with the source as it is released).
      const accounted = r1.read.length + leftSrc.length;
      expect(produced - accounted).toBeGreaterThanOrEqual(0);
      expect(produced - accounted).toBeLessThanOrEqual(1);
      expect(released).toBe(true);
      idle(src, a, b);
      expect(listeners(ctx.signal)).toBe(0);
    });
  }

  it('AbortSignal.any([parent, AbortSignal.timeout(150)]) stops a slow pipeline; the parent signal keeps no listener', async () => {
    const parent = new AbortController();
    const signal = AbortSignal.any([parent.signal, AbortSignal.timeout(150)]);
    const src = new Channel<number>(4, { name: 'src' });
    const out = new Channel<number>(0, { name: 'out' });
    const producer = (async () => {
      let i = 0;
      try {
        for (;;) {
          await src.push(i, { signal });
          i++;
        }
      } catch (error) {
        return { pushed: i, error };
      }
    })();
    const s = stage(src, out, (v) => v, signal);
    const got: number[] = [];
    let end: unknown;
    try {
      for (;;) {
        got.push(await out.pull({ signal }));
        await tick(20); // a slow consumer
      }
    } catch (error) {
      end = error;
    }
    const p = await producer;
    const r = await s;
    expect((end as DOMException).name).toBe('TimeoutError');
    expect((p.error as DOMException).name).toBe('TimeoutError');
    expect((r.error as DOMException).name).toBe('TimeoutError');
    const leftOut = drain(out);
    const leftSrc = drain(src);
    expect([...got, ...leftOut, ...r.held, ...leftSrc]).toEqual(range(p.pushed));
    idle(src, out);
    expect(listeners(parent.signal)).toBe(0);
    expect(listeners(signal)).toBe(0);
  });
});

describe('batch pipeline: pullMany → transform → pushAll', () => {
  it('batches move through two stages; an abort part-way is accounted for by `pushed`', async () => {
    const rnd = seededRandom(42);
    const ctx = new AbortController();
    const jobs = new Channel<number>(16, { name: 'jobs' });
    const results = new Channel<number>(8, { name: 'results' });
    const producer = (async () => {
      let committed = 0;
      for (let batch = 0; ; batch++) {
        const values = range(10, batch * 10);
        try {
          await jobs.pushAll(values, { signal: ctx.signal });
          committed += values.length;
        } catch (error) {
          committed += (error as { pushed: number }).pushed;
          return { committed, error };
        }
      }
    })();
    const worker = (async () => {
      const taken: number[] = [];
      let forwarded = 0;
      let held: number[] = [];
      try {
        for (;;) {
          const batch = await jobs.pullMany(1 + Math.floor(rnd() * 7), { signal: ctx.signal });
          taken.push(...batch);
          try {
            await results.pushAll(batch, { signal: ctx.signal });
            forwarded += batch.length;
          } catch (error) {
            const n = (error as { pushed: number }).pushed;
            forwarded += n;
            held = batch.slice(n);
            return { taken, forwarded, held, error };
          }
        }
      } catch (error) {
        return { taken, forwarded, held, error };
      }
    })();
    const got: number[] = [];
    while (got.length < 137) {
      got.push(...(await results.pullMany(5)));
      if (rnd() < 0.3) await tick();
    }
    ctx.abort(new Error('stop'));
    const p = await producer;
    const w = await worker;
    expect((p.error as Error).message).toBe('stop');
    expect((w.error as Error).message).toBe('stop');
    const leftResults = drain(results);
    const leftJobs = drain(jobs);
    expect(w.taken).toEqual(range(w.taken.length));
    expect([...got, ...leftResults]).toEqual(range(w.forwarded));
    expect([...got, ...leftResults, ...w.held, ...leftJobs]).toEqual(range(p.committed));
    idle(jobs, results);
    expect(listeners(ctx.signal)).toBe(0);
  });
});

describe('fan-out / fan-in with merge', () => {
  it('three workers on one jobs channel, merged results: each job done exactly once; close(reason) of jobs reaches every worker', async () => {
    const jobs = new Channel<number>(4, { name: 'jobs' });
    const outs = [0, 1, 2].map((i) => new Channel<[number, number]>(1, { name: `out${i}` }));
    const workers = outs.map(async (out, w) => {
      let n = 0;
      try {
        for await (const j of jobs) {
          n++;
          if (j % (w + 2) === 0) await tick();
          await out.push([w, j * 10]);
        }
        out.close();
        return { n, error: undefined as unknown };
      } catch (error) {
        out.close(error); // Go: errgroup propagates the first error
        return { n, error };
      }
    });
    const all = merge(...outs);
    const producer = (async () => {
      let i = 0;
      try {
        for (; i < 1000; i++) await jobs.push(i);
      } catch (error) {
        return { i, error };
      }
      return { i, error: undefined };
    })();
    const got: number[] = [];
    let consumerError: unknown;
    try {
      for await (const [, v] of all) {
        got.push(v / 10);
        if (got.length === 100) jobs.close(new Error('shutdown'));
      }
    } catch (error) {
      consumerError = error;
    }
    // Drain each worker's output to its end, so that no worker stays parked on a full output
    // (the merge stopped reading them when it closed with the first reason).
    const left: number[] = [];
    for (const [, v] of drain(all)) left.push(v / 10);
    await Promise.all(
      outs.map(async (out) => {
        try {
          for await (const [, v] of out) left.push(v / 10);
        } catch {}
      }),
    );
    const ws = await Promise.all(workers);
    const p = await producer;
    expect(p.error).toBeInstanceOf(ChannelClosedError);
    for (const w of ws) expect((w.error as Error).message).toBe('shutdown');
    expect((consumerError as Error).message).toBe('shutdown');
    // Every job a worker took is in `got` or still in a worker's output (merge closes with the
    // first reason at once; the other outputs keep their values).
    const done = [...got, ...left].sort((x, y) => x - y);
    expect(new Set(done).size).toBe(done.length);
    expect(done).toEqual(range(ws.reduce((s, w) => s + w.n, 0)));
    expect(done.length).toBe(p.i);
    idle(jobs, all, ...outs);
  });
});
