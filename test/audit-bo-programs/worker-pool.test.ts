/**
 * Audit BO-programs: a worker pool. Producers feed a jobs channel with `pushAll` (and `push`,
 * `tryPush`, select push cases); workers take batches with `pullMany`; the jobs channel is
 * closed with a reason part-way. Every value is counted: what the workers took plus nothing else
 * must be exactly what the producers' `pushed` counts (or resolved calls) say was committed,
 * each producer's values form a prefix of what it offered, and they come out in commit order.
 */
import { getEventListeners } from 'node:events';
import { Channel, ChannelClosedError, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { idle, tick } from './helpers.js';

type Job = { p: number; i: number };

async function runPool(seed: number) {
  const rnd = seededRandom(seed);
  const capacity = [0, 1, 3, 8, Number.POSITIVE_INFINITY][Math.floor(rnd() * 5)] as number;
  const jobs = new Channel<Job>(capacity, { name: 'jobs' });
  const nProducers = 2 + Math.floor(rnd() * 3);
  const nWorkers = 1 + Math.floor(rnd() * 4);
  const stopAfter = 30 + Math.floor(rnd() * 150);
  const reason = new Error(`shutdown ${seed}`);
  const log: Job[] = []; // in the order workers received them
  const committedByProducer: number[] = Array(nProducers).fill(0);
  const offeredByProducer: number[] = Array(nProducers).fill(0);

  const producers = Array.from({ length: nProducers }, async (_, p) => {
    let next = 0;
    try {
      for (;;) {
        const kind = rnd();
        if (kind < 0.6) {
          const n = 1 + Math.floor(rnd() * 12);
          const batch = Array.from({ length: n }, (_, k) => ({ p, i: next + k }));
          offeredByProducer[p] = next + n;
          try {
            await jobs.pushAll(batch);
          } catch (error) {
            const pushed = (error as { pushed?: number }).pushed;
            expect(typeof pushed).toBe('number');
            committedByProducer[p] = next + (pushed as number);
            throw error;
          }
          next += n;
        } else if (kind < 0.8) {
          offeredByProducer[p] = next + 1;
          await jobs.push({ p, i: next });
          next += 1;
        } else if (kind < 0.9) {
          offeredByProducer[p] = next + 1;
          if (jobs.tryPush({ p, i: next })) next += 1;
          else if (jobs.closed)
            await jobs.push({ p, i: next }); // rejects: the close's error
          else await tick();
        } else {
          offeredByProducer[p] = next + 1;
          await select([push(jobs, { p, i: next })]);
          next += 1;
        }
        committedByProducer[p] = next;
        if (rnd() < 0.1) await tick();
      }
    } catch (error) {
      return error;
    }
  });

  const workers = Array.from({ length: nWorkers }, async () => {
    let batches = 0;
    try {
      for (;;) {
        const batch = await jobs.pullMany(1 + Math.floor(rnd() * 10));
        expect(batch.length).toBeGreaterThan(0);
        log.push(...batch);
        batches++;
        if (log.length >= stopAfter && !jobs.closed) jobs.close(reason);
        if (rnd() < 0.3) await tick();
      }
    } catch (error) {
      return { batches, error };
    }
  });

  const perr = await Promise.all(producers);
  const wres = await Promise.all(workers);
  return { jobs, reason, log, committedByProducer, offeredByProducer, perr, wres, nProducers };
}

describe('worker pool: pushAll producers, pullMany workers, close(reason) part-way', () => {
  for (const seed of Array.from({ length: 40 }, (_, i) => 1000 + i)) {
    it(`seed ${seed}: delivered = committed, per producer a prefix, in commit order, nothing parked`, async () => {
      const r = await runPool(seed);
      // Every producer stopped with ChannelClosedError naming no other reason than the close.
      for (const e of r.perr) {
        expect(e).toBeInstanceOf(ChannelClosedError);
        expect((e as ChannelClosedError).cause).toBe(r.reason);
      }
      // Every worker ended with ChannelClosedError whose cause is the reason (closed and drained).
      for (const w of r.wres) {
        expect(w.error).toBeInstanceOf(ChannelClosedError);
        expect((w.error as ChannelClosedError).cause).toBe(r.reason);
      }
      // Delivered per producer: exactly its committed prefix, in order.
      for (let p = 0; p < r.nProducers; p++) {
        const mine = r.log.filter((j) => j.p === p).map((j) => j.i);
        expect(mine).toEqual(Array.from({ length: r.committedByProducer[p] as number }, (_, i) => i));
      }
      expect(r.log.length).toBe(r.committedByProducer.reduce((a, b) => a + b, 0));
      expect(r.jobs.size).toBe(0);
      idle(r.jobs);
    });
  }
});

describe('a pool with per-worker cancellation', () => {
  it('a worker whose signal aborts while parked in pullMany takes nothing; the others get every value', async () => {
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const acs = [0, 1, 2].map(() => new AbortController());
    const taken: number[][] = [[], [], []];
    const workers = acs.map(async (ac, w) => {
      try {
        for (;;) taken[w]?.push(...(await jobs.pullMany(3, { signal: ac.signal })));
      } catch (error) {
        return error;
      }
    });
    const producer = jobs.pushAll(Array.from({ length: 50 }, (_, i) => i));
    await tick();
    acs[1]?.abort(new Error('worker 1 leaves'));
    await producer.catch(() => {});
    await tick();
    jobs.close();
    const errs = await Promise.all(workers);
    expect((errs[1] as Error).message).toBe('worker 1 leaves');
    expect(errs[0]).toBeInstanceOf(ChannelClosedError);
    expect(errs[2]).toBeInstanceOf(ChannelClosedError);
    const all = taken.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const ac of acs) expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    idle(jobs);
  });

  it('errgroup: the first failing worker cancels the others through a shared controller; values they had in hand are reported, none lost', async () => {
    const jobs = new Channel<number>(8, { name: 'jobs' });
    const results = new Channel<number>(Number.POSITIVE_INFINITY, { name: 'results' });
    const group = new AbortController();
    const signal = group.signal;
    const inHand: number[] = [];
    const workers = [0, 1, 2, 3].map(async (w) => {
      try {
        for (;;) {
          const batch = await jobs.pullMany(4, { signal });
          for (let k = 0; k < batch.length; k++) {
            const v = batch[k] as number;
            if (v === 77) {
              inHand.push(...batch.slice(k));
              throw new Error(`bad job ${v} on worker ${w}`);
            }
            await tick();
            if (signal.aborted) {
              inHand.push(...batch.slice(k));
              throw signal.reason;
            }
            await results.push(v * 2, { signal });
          }
        }
      } catch (error) {
        group.abort(error);
        return error;
      }
    });
    const producer = (async () => {
      try {
        await jobs.pushAll(
          (function* () {
            for (let i = 0; i < 200; i++) yield i;
          })(),
          { signal },
        );
        return 200;
      } catch (error) {
        return (error as { pushed: number }).pushed;
      }
    })();
    const errs = await Promise.all(workers);
    const pushed = await producer;
    const first = signal.reason as Error;
    expect(first.message).toMatch(/^bad job 77 on worker \d$/);
    for (const e of errs)
      expect(e === first || (e as { cause?: unknown }).cause === first || e === signal.reason).toBe(true);
    const done = [] as number[];
    for (;;) {
      const v = results.tryPull();
      if (v === undefined) break;
      done.push(v / 2);
    }
    const left: number[] = [];
    for (;;) {
      const v = jobs.tryPull();
      if (v === undefined) break;
      left.push(v);
    }
    const everything = [...done, ...inHand, ...left].sort((a, b) => a - b);
    expect(everything).toEqual(Array.from({ length: pushed }, (_, i) => i));
    expect(getEventListeners(signal, 'abort').length).toBe(0);
    idle(jobs, results);
  });
});
