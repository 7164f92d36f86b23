/**
 * Fifth audit, `chanasync/port` in real Chromium (Debian's /usr/bin/chromium through
 * playwright-core): whole programs as users write them — a pool of dedicated Workers with three
 * named streams per Worker, the same pool losing a Worker to `terminate()` with jobs in flight, a
 * pipeline page → Worker A → Worker B → page over MessageChannels handed to the Workers (numbers,
 * and 64 KB ArrayBuffers moved at every hop), a SharedWorker serving two pages (one of which is
 * closed mid-stream), a frame on another origin exchanging streams both ways and closing with
 * reasons, and a frame of an unexpected origin that gets nothing.
 *
 * The programs are modules under test/port/programs/ (pool.js, pipeline.js, shared.js, frame.js
 * and their workers and frame), importing chanasync as a page without a bundler does: the
 * package's dist/ through an import map (module Workers, which have no import map, import the
 * dist/ files by path). dist/ is copied when the file starts (`npm run build` first), so that a
 * rebuild beside it cannot pull files from under a page. Each context loads
 * test/port/programs/track.js first, which counts port listeners and live heartbeat intervals:
 * every program checks it left none behind on either side.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.mjs';

declare global {
  interface Window {
    /** Set by programs/page.html once it is ready. */
    programsReady: boolean;
    /** Imports a program module of test/port/programs/ (see page.html). */
    program(path: string): Promise<any>;
    /** The shared-counter program's connection in this page (shared.js). */
    counter: any;
  }
}

const root = fileURLToPath(new URL('..', import.meta.url));
const programs = join(root, 'test', 'port', 'programs');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

let dist: string;
let server: Server;
let port: number;
let browser: Browser;
const pages: Page[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'port.js'))) throw new Error('dist/ is missing: run npm run build');
  dist = mkdtempSync(join(tmpdir(), 'programs-port-'));
  cpSync(join(root, 'dist'), dist, { recursive: true, filter: (path) => !path.endsWith('.map') });
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const [base, rest] = path.startsWith('/dist/')
      ? [dist, path.slice('/dist/'.length)]
      : [programs, path.slice('/programs/'.length)];
    const file = normalize(join(base, rest));
    if (
      !(path.startsWith('/dist/') || path.startsWith('/programs/')) ||
      !file.startsWith(base + sep) ||
      !existsSync(file)
    ) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => {
    server?.closeAllConnections();
    server?.close(resolve);
  });
  if (dist !== undefined) rmSync(dist, { recursive: true, force: true });
});

afterEach(async () => {
  for (const page of pages.splice(0)) if (!page.isClosed()) await page.close();
  expect(pageErrors.splice(0)).toEqual([]);
});

/** Opens programs/page.html (chanasync loaded through its import map) on `host`. */
async function open(host = '127.0.0.1', context?: Awaited<ReturnType<Browser['newContext']>>): Promise<Page> {
  const page = await (context ?? browser).newPage();
  pages.push(page);
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`http://${host}:${port}/programs/page.html`);
  await page.waitForFunction(() => window.programsReady === true);
  return page;
}

/** Sum of 1..n. */
const triangle = (n: number): number => (n * (n + 1)) / 2;
const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);

interface PoolResult {
  results: { worker: number; id: number; sum: number }[];
  retried: number[];
  rounds: {
    workers: {
      id: number;
      sent: number;
      undelivered: number[];
      resultsEnd: string | null;
      progressEnd: string | null;
      progress: { worker: number; id: number; step: number }[];
      report: null | {
        taken: number;
        results: { sent: number; undelivered: unknown[] };
        progress: { sent: number; undelivered: unknown[] };
        listeners: number;
        intervals: number;
      };
      pageListeners: number;
    }[];
    queue: { waitingPushers: number; waitingPullers: number };
  }[];
  detectedAfter?: number;
  intervals: number;
  windowListeners: number;
}

/** Runs pool.js's program in a fresh page. */
async function runPool(options: { workers: number; jobs: number; steps: number; kill?: number }): Promise<PoolResult> {
  const page = await open();
  return page.evaluate(async (options) => {
    const { runPool } = await window.program('/programs/pool.js');
    return runPool(options);
  }, options);
}

describe('a pool of dedicated Workers', () => {
  test('three Workers, one port each carrying jobs, results and progress, complete 30 jobs exactly once with exact sums and leave nothing behind', async () => {
    const JOBS = 30;
    const STEPS = 3;
    const out = await runPool({ workers: 3, jobs: JOBS, steps: STEPS });
    expect(out.retried).toEqual([]);
    expect(out.rounds).toHaveLength(1);
    expect(out.results.map((r) => r.id).sort((a, b) => a - b)).toEqual(range(JOBS));
    for (const r of out.results) expect(r.sum).toBe(triangle(100 + r.id));
    const [round] = out.rounds;
    for (const w of round?.workers ?? []) {
      const report = w.report;
      // What the page sent each Worker is what that Worker took, and it finished everything.
      expect(report?.taken).toBe(w.sent);
      expect(w.undelivered).toEqual([]);
      expect([w.resultsEnd, w.progressEnd]).toEqual([null, null]);
      expect(report?.results.undelivered).toEqual([]);
      expect(report?.progress.sent).toBe(w.sent * STEPS);
      // Each of its jobs reported every step once, in order.
      const mine = out.results.filter((r) => r.worker === w.id).map((r) => r.id);
      expect(mine).toHaveLength(w.sent);
      expect(w.progress).toHaveLength(w.sent * STEPS);
      for (const id of mine) {
        expect(w.progress.filter((p) => p.id === id).map((p) => p.step)).toEqual([1, 2, 3]);
      }
      expect({ worker: report?.listeners, workerIntervals: report?.intervals, page: w.pageListeners }).toEqual({
        worker: 0,
        workerIntervals: 0,
        page: 0,
      });
    }
    expect(round?.workers.reduce((total, w) => total + w.sent, 0)).toBe(JOBS);
    expect(round?.queue).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect({ intervals: out.intervals, windowListeners: out.windowListeners }).toEqual({
      intervals: 0,
      windowListeners: 0,
    });
  }, 60_000); // three module Workers started in a page: over 8 s beside a CI run

  test('a Worker terminated with jobs in flight: its toPort returns the jobs it never took, and every job without a result is redone by a new Worker, each once', async () => {
    const JOBS = 30;
    const out = await runPool({ workers: 3, jobs: JOBS, steps: 3, kill: 3 });
    const [first, second] = out.rounds;
    const dead = first?.workers[0];
    // The page finds out from the heartbeat (no close event for a terminated Worker's port):
    // 5 s after the last message heard (a silent stream pings every second, so at most about
    // 1.5 s before the kill) and within a tick. Measured once the whole round is over (the
    // other Workers' jobs and reports too), and a tick that comes late defers the verdict by a
    // tick: a loaded machine needs room, a stream that never gave up would run into the
    // test's timeout.
    expect(out.detectedAfter).toBeGreaterThan(3000);
    expect(out.detectedAfter).toBeLessThan(20_000);
    expect(dead?.resultsEnd).toMatch(/^ChannelError: .*the other side is gone/);
    expect(dead?.progressEnd).toMatch(/^ChannelError: .*the other side is gone/);
    // Every job the dead Worker's toPort pulled was either acknowledged or comes back; none of
    // those that came back has a result, and all of them were redone.
    const deadResults = out.results.filter((r) => r.worker === 0).map((r) => r.id);
    // It was terminated on its third result (a result it had posted already may still arrive).
    expect(deadResults.length).toBeGreaterThanOrEqual(3);
    for (const id of dead?.undelivered ?? []) {
      expect(deadResults).not.toContain(id);
      expect(out.retried).toContain(id);
    }
    // The jobs redone: those the dead Worker took or got and never answered (at least the one it
    // was working on), and nothing that had a result.
    expect(out.retried.length).toBeGreaterThanOrEqual(1);
    expect(out.retried.length).toBe((dead?.sent ?? 0) + (dead?.undelivered.length ?? 0) - deadResults.length);
    expect(second?.workers[0]?.sent).toBe(out.retried.length);
    expect(second?.workers[0]?.undelivered).toEqual([]);
    // In the end: every job once, with its exact sum.
    expect(out.results.map((r) => r.id).sort((a, b) => a - b)).toEqual(range(JOBS));
    for (const r of out.results) expect(r.sum).toBe(triangle(100 + r.id));
    for (const round of out.rounds) for (const w of round.workers) expect(w.pageListeners).toBe(0);
    for (const w of [...(first?.workers.slice(1) ?? []), ...(second?.workers ?? [])]) {
      expect({ listeners: w.report?.listeners, intervals: w.report?.intervals }).toEqual({
        listeners: 0,
        intervals: 0,
      });
    }
    expect({ intervals: out.intervals, windowListeners: out.windowListeners }).toEqual({
      intervals: 0,
      windowListeners: 0,
    });
  }, 60_000); // the pool, the heartbeat's 5 s, and a new Worker
});

describe('a Worker whose job loop throws mid-stream', () => {
  const run = async (options: { count: number; crashAt: number; tidy: boolean }) => {
    const page = await open();
    return page.evaluate(async (options) => {
      const { runThrower } = await window.program('/programs/thrower.js');
      return runThrower(options);
    }, options);
  };

  const expectAllOnce = (squares: [number, number][], count: number) => {
    expect(squares.map(([job]) => job).sort((a, b) => a - b)).toEqual(range(count));
    for (const [job, square] of squares) expect(square).toBe(job * job);
  };

  test('a worker that closes its streams with the error in a finally: the page’s loop throws that error at once, and the jobs left without a result are redone elsewhere', async () => {
    const out = await run({ count: 40, crashAt: 10, tidy: true });
    expect(out.first.error).toMatch(/job 10 is poisoned/);
    expect(out.first.resultsEnd).toBe('Error: job 10 is poisoned');
    // The jobs answered before the poisoned one, nothing after it.
    expect(out.retried).toEqual(range(40).slice(10));
    // What the worker's channel had committed (its buffer, the poisoned job) is sent; what was
    // on its way comes back; the rest never left the page's channel.
    expect(out.first.sent).toBeGreaterThanOrEqual(11);
    expect([...range(out.first.sent), ...out.first.undelivered].slice(0, 10)).toEqual(range(10));
    expect(out.second).toMatchObject({ sent: 30, undelivered: [], resultsEnd: null, error: null });
    expect(out.second.workerReport).toEqual({ listeners: 0, intervals: 0 });
    expectAllOnce(out.squares, 40);
    expect([out.first.pageListeners, out.second.pageListeners, out.windowListeners, out.intervals]).toEqual([
      0, 0, 0, 0,
    ]);
  });

  test('a worker that lets the error leave its loop stays alive with its streams open; the page that stops its side on the Worker’s error event (aborts toPort, closes its results) settles at once and redoes the rest', async () => {
    const out = await run({ count: 40, crashAt: 10, tidy: false });
    expect(out.first.error).toMatch(/job 10 is poisoned/);
    // The page closed its results channel itself: its loop ends normally. (Closing its jobs
    // channel instead would not do: toPort still sends what a closed channel holds.)
    expect(out.first.resultsEnd).toBe(null);
    // Settled right after the error event: the worker is alive and answers, no heartbeat timeout.
    expect(out.first.settledAfter).toBeLessThan(2000);
    expect(out.retried).toEqual(range(40).slice(10));
    expect(out.second).toMatchObject({ sent: 30, undelivered: [], resultsEnd: null, error: null });
    expectAllOnce(out.squares, 40);
    expect([out.first.pageListeners, out.second.pageListeners, out.windowListeners, out.intervals]).toEqual([
      0, 0, 0, 0,
    ]);
  });
});

describe('a pipeline page → Worker A → Worker B → page over MessageChannels handed to the Workers', () => {
  const run = async (options: { count: number; bytes?: number; capacity?: number }) => {
    const page = await open();
    return page.evaluate(async (options) => {
      const { runPipeline } = await window.program('/programs/pipeline.js');
      return runPipeline(options);
    }, options);
  };

  test('5,000 numbers come back doubled and incremented, in order, each once, with nothing left on any port', async () => {
    const out = await run({ count: 5_000 });
    expect(out).toEqual({
      received: 5_000,
      inOrder: true,
      detached: 0,
      sent: 5_000,
      undelivered: 0,
      stages: [
        { count: 5_000, sent: 5_000, undelivered: 0, listeners: 0, intervals: 0 },
        { count: 5_000, sent: 5_000, undelivered: 0, listeners: 0, intervals: 0 },
      ],
      pageListeners: 0,
      intervals: 0,
    });
  });

  test('1,000 ArrayBuffers of 64 KB are moved at every hop, arrive intact and in order, and are detached where they left', async () => {
    const out = await run({ count: 1000, bytes: 64 * 1024, capacity: 8 });
    expect(out).toEqual({
      received: 1000,
      inOrder: true,
      detached: 1000,
      sent: 1000,
      undelivered: 0,
      stages: [
        { count: 1000, sent: 1000, undelivered: 0, listeners: 0, intervals: 0 },
        { count: 1000, sent: 1000, undelivered: 0, listeners: 0, intervals: 0 },
      ],
      pageListeners: 0,
      intervals: 0,
    });
  });
});

describe('a slow consumer in a Worker', () => {
  test('the page’s producer of 64 KB buffers waits for it: never more than the Worker’s capacity ahead, every buffer consumed once', async () => {
    const page = await open();
    const out = await page.evaluate(async () => {
      const { Channel } = await window.program('chanasync');
      const { toPort } = await window.program('chanasync/port');
      const { listeners, liveIntervals, nextReport } = await window.program('/programs/track.js');
      const worker = new Worker('/programs/slow-worker.js?capacity=8&ms=4', { type: 'module' });
      let consumedSeen = 0;
      const onConsumed = (event: MessageEvent) => {
        if (typeof event.data?.consumed === 'number') consumedSeen = event.data.consumed;
      };
      worker.addEventListener('message', onConsumed);
      const report = nextReport(worker);
      const buffers = new Channel(0);
      const sending = toPort(buffers, worker, { name: 'in', transfer: (buffer: ArrayBuffer) => [buffer] });
      let most = 0;
      for (let i = 0; i < 150; i++) {
        await buffers.push(new ArrayBuffer(64 * 1024));
        most = Math.max(most, i + 1 - consumedSeen);
      }
      buffers.close();
      const result = await sending;
      const worker_ = await report;
      worker.removeEventListener('message', onConsumed);
      worker.terminate();
      return {
        most,
        sent: result.sent,
        undelivered: result.undelivered.length,
        worker: worker_,
        pageListeners: listeners(worker),
        intervals: liveIntervals(),
      };
    });
    // Pushed and not yet consumed: the Worker's 8 slots, and the buffer it has just taken.
    expect(out.most).toBeGreaterThanOrEqual(8);
    expect(out.most).toBeLessThanOrEqual(9);
    expect(out).toMatchObject({
      sent: 150,
      undelivered: 0,
      worker: { consumed: 150, bytes: 150 * 64 * 1024, listeners: 0, intervals: 0 },
      pageListeners: 0,
      intervals: 0,
    });
  });
});

describe('a CPU-bound Worker', () => {
  test('its progress updates reach the page while it computes, not in one burst when it is done', async () => {
    const page = await open();
    const out = await page.evaluate(async () => {
      const { fromPort } = await window.program('chanasync/port');
      const { listeners, liveIntervals, nextReport } = await window.program('/programs/track.js');
      const worker = new Worker('/programs/compute-worker.js?chunks=10&ms=30', { type: 'module' });
      const progress = fromPort(worker, { name: 'progress', capacity: 16 });
      const report = nextReport(worker);
      // The user clicks "start" a moment later (before the stream has paired, nothing is sent).
      await new Promise((resolve) => setTimeout(resolve, 300));
      worker.postMessage('start');
      const steps: number[] = [];
      const arrivals: number[] = [];
      for await (const step of progress) {
        steps.push(step);
        arrivals.push(performance.now());
      }
      const workerLeft = await report;
      worker.terminate();
      return {
        steps,
        spread: (arrivals.at(-1) as number) - (arrivals[0] as number),
        workerLeft,
        pageListeners: listeners(worker),
        intervals: liveIntervals(),
      };
    });
    expect(out.steps).toEqual(range(10).map((i) => i + 1));
    // 10 chunks of 30 ms computed in one turn: the updates arrive over most of that time.
    expect(out.spread).toBeGreaterThan(150);
    expect(out).toMatchObject({ workerLeft: { listeners: 0, intervals: 0 }, pageListeners: 0, intervals: 0 });
  });
});

describe('a SharedWorker serving two pages', () => {
  test('each page gets its own running sums and the shared total; a page that closes its stream and a page that is closed are both seen by the worker', async () => {
    const context = await browser.newContext();
    try {
      const [a, b] = [await open('127.0.0.1', context), await open('127.0.0.1', context)];
      const connect = (page: Page, name: string) =>
        page.evaluate(async (name) => {
          const { connect } = await window.program('/programs/shared.js');
          window.counter = connect(name);
        }, name);
      await connect(a, 'A');
      await connect(b, 'B');
      const send = (page: Page, numbers: number[]): Promise<{ mine: number; total: number }[]> =>
        page.evaluate((numbers) => window.counter.send(numbers), numbers);
      // Interleaved: A sends 1..50, B 51..100, A 101..150.
      const a1 = await send(
        a,
        range(50).map((i) => i + 1),
      );
      const b1 = await send(
        b,
        range(50).map((i) => i + 51),
      );
      const a2 = await send(
        a,
        range(50).map((i) => i + 101),
      );
      expect(a1.map((x) => x.mine)).toEqual(range(50).map((i) => triangle(i + 1)));
      expect(a1.map((x) => x.total)).toEqual(range(50).map((i) => triangle(i + 1)));
      expect(b1.map((x) => x.mine)).toEqual(range(50).map((i) => triangle(i + 51) - triangle(50)));
      expect(b1.map((x) => x.total)).toEqual(range(50).map((i) => triangle(i + 51)));
      expect(a2.map((x) => x.mine)).toEqual(range(50).map((i) => triangle(50) + triangle(i + 101) - triangle(100)));
      expect(a2.at(-1)?.total).toBe(triangle(150));

      // B closes its stream: the worker ends B's streams cleanly, and tells A.
      const told = a.evaluate(async () => {
        const { nextReport } = await window.program('/programs/track.js');
        return nextReport(window.counter.port, (report: { page: string }) => report.page === 'B');
      });
      const bDone = await b.evaluate(() => window.counter.finish());
      expect(bDone).toEqual({ sent: 50, undelivered: 0, listeners: 0, intervals: 0 });
      expect(await told).toEqual({
        page: 'B',
        ended: null,
        sent: 50,
        undelivered: 0,
        total: triangle(150),
        listeners: 0,
        intervals: 2, // A's two streams still run
      });
      // A sends more, then its page is closed mid-stream (its streams still open).
      await a.evaluate(() => {
        const counter = window.counter;
        void counter.send([1000]);
      });
      // A third page hears about A's death (A cannot: it is gone).
      const c = await open('127.0.0.1', context);
      await connect(c, 'C');
      expect(await send(c, [7])).toEqual([{ mine: 7, total: triangle(150) + 1000 + 7 }]);
      const heard = c.evaluate(async () => {
        const { nextReport } = await window.program('/programs/track.js');
        const port = window.counter.port;
        return nextReport(port, (report: { page: string }) => report.page === 'A');
      });
      const closedAt = Date.now();
      await a.close();
      const aGone = await heard;
      const detectedAfter = Date.now() - closedAt;
      expect(aGone).toMatchObject({
        page: 'A',
        ended: expect.stringMatching(/^ChannelError: .*the other side is gone/),
        // The worker's sums for A: 101 were committed in A's channel before A died, or came back.
        total: triangle(150) + 1000 + 7,
        listeners: 0,
        intervals: 2, // C's two streams still run
      });
      expect(aGone.sent + aGone.undelivered).toBe(101);
      expect(detectedAfter).toBeLessThan(10_000);
      const cDone = await c.evaluate(() => window.counter.finish());
      expect(cDone).toEqual({ sent: 1, undelivered: 0, listeners: 0, intervals: 0 });
    } finally {
      await context.close();
    }
  });
});

describe('a frame on another origin', () => {
  test('questions go to a localhost frame and answers come back; the page’s close reason reaches the frame, and the frame’s own reason comes back', async () => {
    const page = await open('127.0.0.1');
    const out = await page.evaluate(
      async ({ port }) => {
        const { askFrame } = await window.program('/programs/frame.js');
        return askFrame({
          frameSrc: `http://localhost:${port}/programs/frame.html?parent=${encodeURIComponent(location.origin)}`,
          frameOrigin: `http://localhost:${port}`,
          questions: 50,
        });
      },
      { port },
    );
    expect(out).toEqual({
      got: range(50).map((i) => (i + 1) * 10),
      ended: { name: 'RangeError', message: 'the frame stops: no more questions' },
      sent: 50,
      undelivered: 0,
      frame: { count: 50, why: 'no more questions', sent: 50, undelivered: 0, listeners: 0, intervals: 0 },
      windowListeners: 0,
      intervals: 0,
    });
  });

  test('a frame handed a MessagePort over an origin-checked window stream runs its questions and answers over that port, both ways', async () => {
    const page = await open('127.0.0.1');
    const out = await page.evaluate(
      async ({ port }) => {
        const { askFrame } = await window.program('/programs/frame.js');
        return askFrame({
          frameSrc: `http://localhost:${port}/programs/frame.html?handshake=1&parent=${encodeURIComponent(location.origin)}`,
          frameOrigin: `http://localhost:${port}`,
          questions: 50,
          handshake: true,
        });
      },
      { port },
    );
    expect(out).toEqual({
      handshake: { sent: 1, undelivered: 0 },
      portListeners: 0,
      got: range(50).map((i) => (i + 1) * 10),
      ended: { name: 'RangeError', message: 'the frame stops: no more questions' },
      sent: 50,
      undelivered: 0,
      frame: { count: 50, why: 'no more questions', sent: 50, undelivered: 0, listeners: 0, intervals: 0 },
      windowListeners: 0,
      intervals: 0,
    });
  });

  test('a frame that turns out to have another origin than the one expected gets nothing and is heard not at all; removing it settles everything', async () => {
    const page = await open('127.0.0.1');
    const out = await page.evaluate(
      async ({ port }) => {
        const { askFrame } = await window.program('/programs/frame.js');
        // The frame is on 127.0.0.1 (same origin as the page), but the page expects localhost.
        return askFrame({
          frameSrc: `http://127.0.0.1:${port}/programs/frame.html?parent=${encodeURIComponent(location.origin)}`,
          frameOrigin: `http://localhost:${port}`,
          questions: 1,
          waitMs: 800,
        });
      },
      { port },
    );
    expect(out).toEqual({
      got: [],
      ended: null,
      pushing: 'pushed',
      leftInQueue: 1, // never pulled: toPort pulls nothing before a receiver of the expected origin answers
      sent: 0,
      undelivered: 0,
      windowListeners: 0,
      intervals: 0,
    });
  });
});
