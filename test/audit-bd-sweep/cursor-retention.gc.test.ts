/**
 * Audit BD-sweep: the sweep's persistent cursor (`sweepCursor`, a `Set` iterator kept on the
 * signal's set, `src/signals.ts`) stops moving whenever every entry of the set must stay
 * (`size <= mustStayCount`: only operations with a way out, or strongly held channels, are
 * parked) — yet the set lives on and its entries keep coming and going. In V8 (Node, Chromium,
 * workerd) a `Set` that grows past its table rehashes into a new table and leaves the old one
 * pointing at it, so that live iterators can catch up; an iterator that never moves again keeps
 * the whole chain of tables made since, and each table the entries it held when it was replaced.
 *
 * The everyday program: a server's shutdown signal, one operation parked on it for the process's
 * life (`await stop.pull({ signal })`), one `fromEvent`/`after`/subscriber on it once (the sweep
 * runs, the cursor is made), then a worker loop that parks and leaves with the signal millions of
 * times. Runs with `--expose-gc`.
 */
import { getEventListeners } from 'node:events';
import { Channel, from, fromEvent } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collectAll, heapUsed, quiet } from '../helpers/gc.js';

/** An operation parked with `signal` for the process's life: the set never empties. */
function parkForLife(signal: AbortSignal): Channel<void> {
  const stop = new Channel<void>(0, { name: 'stop' });
  quiet(stop.pull({ signal }));
  return stop;
}

/** A channel the signal closes is watched once and closed: a sweep runs, the cursor is made. */
function oneFromEvent(signal: AbortSignal): void {
  const events = fromEvent(new EventTarget(), 'message', { signal });
  events.close();
}

/** `count` pulls park with `signal` and leave, committed (a worker loop's `jobs.pull({ signal })`). */
function workerLoop(signal: AbortSignal, jobs: Channel<number>, count: number): void {
  for (let i = 0; i < count; i++) {
    quiet(jobs.pull({ signal }));
    jobs.tryPush(i);
  }
}

/**
 * Heap retained by `run(count)` after a warm-up: the smaller of two consecutive runs' growth (as
 * in audit BC-soak: the first run may still grow compiled code; a leak grows both).
 */
async function retained(run: (count: number) => void, count: number): Promise<number> {
  run(Math.ceil(count / 4));
  const first = await heapUsed();
  run(count);
  const second = await heapUsed();
  run(count);
  const third = await heapUsed();
  return Math.min(second - first, third - second);
}

describe('a long-lived signal whose set swept once, then holds only operations with a way out', () => {
  it('a worker loop of 200,000 pulls with the signal retains less than 1 MB', async () => {
    const { signal } = new AbortController();
    const stop = parkForLife(signal);
    oneFromEvent(signal);
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const growth = await retained((count) => workerLoop(signal, jobs, count), 200_000);
    // Observed: several MB per 200,000 (about 40 bytes a pull, for ever): the stuck cursor keeps
    // every table the set's churn replaced.
    expect(growth).toBeLessThan(1_000_000);
    expect(stop.closed).toBe(false);
  }, 60_000);

  it('a from() channel made and closed with the signal is collected', async () => {
    const { signal } = new AbortController();
    parkForLife(signal);
    oneFromEvent(signal);
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const refs: WeakRef<object>[] = [];
    (() => {
      // Held strongly by its entry while open (so that the abort releases its source): the
      // entry must go, with the channel, once it is closed.
      const source = from([1, 2, 3], { signal, name: 'lines' });
      refs.push(new WeakRef(source));
      workerLoop(signal, jobs, 20); // the set's table is replaced while the entry is in it
      source.close();
    })();
    workerLoop(signal, jobs, 20);
    await collectAll(refs);
  });

  it('(holds) the same from() channel is collected when no sweep ever ran on the signal (no cursor)', async () => {
    const { signal } = new AbortController();
    parkForLife(signal);
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const refs: WeakRef<object>[] = [];
    (() => {
      const source = from([1, 2, 3], { signal, name: 'lines' });
      refs.push(new WeakRef(source));
      workerLoop(signal, jobs, 20);
      source.close();
    })();
    workerLoop(signal, jobs, 20);
    await collectAll(refs);
  });

  it('(holds) the same loop retains nothing when no sweep ever ran on the signal (no cursor)', async () => {
    const { signal } = new AbortController();
    parkForLife(signal);
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const growth = await retained((count) => workerLoop(signal, jobs, count), 200_000);
    expect(growth).toBeLessThan(1_000_000);
  }, 60_000);

  it('(holds) the same loop retains nothing while a live fromEvent channel keeps the cursor moving', async () => {
    const { signal } = new AbortController();
    parkForLife(signal);
    const target = new EventTarget();
    const events = fromEvent(target, 'message', { signal });
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const growth = await retained((count) => workerLoop(signal, jobs, count), 200_000);
    expect(growth).toBeLessThan(1_000_000);
    events.close();
  }, 60_000);

  it('(holds) the set and its listener still go once the operation parked for life leaves', async () => {
    const { signal } = new AbortController();
    const stop = parkForLife(signal);
    oneFromEvent(signal);
    workerLoop(signal, new Channel<number>(), 1000);
    stop.close();
    expect(getEventListeners(signal, 'abort').length).toBe(0);
  });
});
