/**
 * Audit AA: `chanasync/port` as an application uses it, in headless Chromium — a pool of
 * dedicated Workers fed from one page channel, one of them terminated mid-run.
 *
 * Written from the SPEC ("Channels across contexts") and the README's port reference only.
 */
import { describe, expect, test } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

/** The pool's worker: takes jobs on stream "jobs", reports each on stream "results". */
const POOL_WORKER = `
const { fromPort, toPort, Channel } = lib;
const capacity = Number(new URL(import.meta.url).hash.slice(1) || 2);
const jobs = fromPort(self, { name: 'jobs', capacity });
const results = new Channel(0);
const done = toPort(results, self, { name: 'results' });
let at = 0;
for await (const job of jobs) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  await results.push({ job, at: at++, capacity });
}
results.close();
await done;
`;

describe('a pool of four Workers behind one page channel', () => {
  test('every job is done once, the dead Worker is accounted for exactly, no stream reorders', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort, fromPort, ChannelError } = window.lib;
      const N = 400;
      const workerErrors: string[] = [];
      const jobs = new Channel(0);
      const workers: Worker[] = [];
      const senders: Promise<{ sent: number; undelivered: number[] }>[] = [];
      const inputs: any[] = [];
      const url = window.script(code);
      for (let w = 0; w < 4; w++) {
        const worker = new Worker(url, { type: 'module' });
        worker.addEventListener('error', (event) => workerErrors.push(`worker ${w}: ${event.message}`));
        workers.push(worker);
        senders.push(toPort(jobs, worker, { name: 'jobs' }));
        inputs.push(fromPort(worker, { name: 'results', capacity: 4 }));
      }
      const got: { job: number; at: number }[][] = [[], [], [], []];
      const reads = inputs.map(async (input, w) => {
        try {
          for await (const result of input) got[w]!.push(result);
          return null;
        } catch (error: any) {
          return { name: error?.name, message: error?.message, isChannelError: error instanceof ChannelError };
        }
      });
      let pushed = 0;
      const producer = (async () => {
        for (let i = 0; i < N; i++) {
          await jobs.push(i);
          pushed++;
        }
      })();
      const deadline = Date.now() + 20_000;
      while (got[0]!.length < 15 && Date.now() < deadline) await window.sleep(2);
      const pushedAtKill = pushed;
      workers[0]!.terminate();
      const killedAt = Date.now();
      const dead = await senders[0]!;
      const detectedAfter = Date.now() - killedAt;
      await producer;
      // What the dead Worker never committed goes back into the queue (the application's retry).
      for (const job of dead.undelivered) await jobs.push(job);
      jobs.close();
      const live = await Promise.all(senders.slice(1));
      const ends = await Promise.all(reads);
      for (const worker of workers) worker.terminate();
      return { N, pushedAtKill, dead, detectedAfter, live, ends, got, workerErrors, errors: window.errors };
    }, POOL_WORKER);

    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.pushedAtKill).toBeLessThan(out.N); // the Worker really died mid-run
    // Found gone within the documented heartbeat bound (5 to 5.5 s), generously.
    expect(out.detectedAfter).toBeLessThan(15_000);
    expect(out.ends[0]).toMatchObject({ name: 'ChannelError', isChannelError: true });
    expect(out.ends[0]!.message).toMatch(/gone/i);
    expect(out.ends.slice(1)).toEqual([null, null, null]);
    for (const result of out.live) expect(result.undelivered).toEqual([]);

    // Accounting: every job pulled from the page channel was committed by one Worker or is
    // undelivered; undelivered jobs were pushed again, so Σ sent is exactly N.
    const totalSent = out.dead.sent + out.live.reduce((sum, r) => sum + r.sent, 0);
    expect(totalSent).toBe(out.N);
    // A live Worker reported every job it committed; the dead one at most what it committed.
    for (let w = 1; w < 4; w++) expect(out.got[w]!.length).toBe(out.live[w - 1]!.sent);
    expect(out.got[0]!.length).toBeLessThanOrEqual(out.dead.sent);
    // Undelivered come back in order.
    expect(out.dead.undelivered).toEqual([...out.dead.undelivered].sort((a, b) => a - b));

    // Each job done at most once; the ones without a result are exactly those the dead Worker
    // committed and never reported.
    const done = out.got.flat().map((r) => r.job);
    expect(new Set(done).size).toBe(done.length);
    const missing = out.N - done.length;
    expect(missing).toBe(out.dead.sent - out.got[0]!.length);
    for (const job of done) expect(job >= 0 && job < out.N).toBe(true);

    // No stream reorders: each Worker's results arrive in the order it made them, and the jobs
    // it took are increasing (apart from the re-queued ones, which came later).
    const requeued = new Set(out.dead.undelivered);
    for (const results of out.got) {
      expect(results.map((r) => r.at)).toEqual(results.map((_, i) => i));
      const firstPass = results.map((r) => r.job).filter((job) => !requeued.has(job));
      for (let i = 1; i < firstPass.length; i++) expect(firstPass[i]!).toBeGreaterThan(firstPass[i - 1]!);
    }
  }, 60_000);
});

describe('pools with other capacities and kill points, side by side', () => {
  test('capacity 0, 2 and 16, the Worker killed after 1, 5 and 40 results: the same exact accounting', async () => {
    const page = await pages.open();
    const outs = await page.evaluate(async (code) => {
      const { Channel, toPort, fromPort, ChannelError } = window.lib;
      const base = window.script(code);
      const runPool = async (capacity: number, killAfter: number) => {
        const N = 200;
        const workerErrors: string[] = [];
        const jobs = new Channel(0);
        const workers: Worker[] = [];
        const senders: Promise<{ sent: number; undelivered: number[] }>[] = [];
        const reads: Promise<any>[] = [];
        const got: number[][] = [[], [], [], []];
        const capacities = new Set<number>();
        for (let w = 0; w < 4; w++) {
          // The hash picks the capacity of the worker's receiver (the blob URL stays the same).
          const worker = new Worker(`${base}#${capacity}`, { type: 'module' });
          worker.addEventListener('error', (event) => workerErrors.push(`worker ${w}: ${event.message}`));
          workers.push(worker);
          senders.push(toPort(jobs, worker, { name: 'jobs' }));
          const input = fromPort(worker, { name: 'results', capacity: 4 });
          reads.push(
            (async () => {
              try {
                for await (const r of input) {
                  got[w]!.push(r.job);
                  capacities.add(r.capacity);
                }
                return null;
              } catch (error: any) {
                return { name: error?.name, message: error?.message, isChannelError: error instanceof ChannelError };
              }
            })(),
          );
        }
        const producer = (async () => {
          for (let i = 0; i < N; i++) await jobs.push(i);
        })();
        const deadline = Date.now() + 20_000;
        while (got[0]!.length < killAfter && Date.now() < deadline) await window.sleep(1);
        workers[0]!.terminate();
        const dead = await senders[0]!;
        await producer;
        for (const job of dead.undelivered) await jobs.push(job);
        jobs.close();
        const live = await Promise.all(senders.slice(1));
        const ends = await Promise.all(reads);
        for (const worker of workers) worker.terminate();
        return { N, capacity, capacities: [...capacities], dead, live, ends, got, workerErrors };
      };
      const results = await Promise.all([runPool(0, 1), runPool(2, 5), runPool(16, 40)]);
      return { results, errors: window.errors };
    }, POOL_WORKER);
    expect(outs.errors).toEqual([]);
    for (const out of outs.results) {
      const label = `capacity ${out.capacity}`;
      expect(out.workerErrors, label).toEqual([]);
      expect(out.capacities, label).toEqual([out.capacity]);
      expect(out.ends[0], label).toMatchObject({ name: 'ChannelError', isChannelError: true });
      expect(out.ends.slice(1), label).toEqual([null, null, null]);
      const totalSent = out.dead.sent + out.live.reduce((sum, r) => sum + r.sent, 0);
      expect(totalSent, label).toBe(out.N);
      for (const r of out.live) expect(r.undelivered, label).toEqual([]);
      for (let w = 1; w < 4; w++) expect(out.got[w]!.length, label).toBe(out.live[w - 1]!.sent);
      expect(out.got[0]!.length, label).toBeLessThanOrEqual(out.dead.sent);
      // At most what the receiver could hold was lost with it: its buffer, one in its hands.
      expect(out.dead.sent - out.got[0]!.length, label).toBeLessThanOrEqual(out.capacity + 2);
      const done = out.got.flat();
      expect(new Set(done).size, label).toBe(done.length);
      expect(out.N - done.length, label).toBe(out.dead.sent - out.got[0]!.length);
    }
  }, 60_000);
});
