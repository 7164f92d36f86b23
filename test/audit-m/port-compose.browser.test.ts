/**
 * Audit M in headless Chromium with a real dedicated Worker: the compositions of
 * port-compose.test.ts that matter most, across a thread boundary — select over two remote
 * channels and a local one, a select aborted while values travel, merge and broadcast of remote
 * channels, toPort fed by a merge; every value once, in order per stream, accounted for.
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const { open } = usePortPages();
let page: Page;

beforeEach(async () => {
  page = await open();
});

afterEach(async () => {
  expect(await page.evaluate(() => window.errors)).toEqual([]);
});

test('select over two Worker streams (capacity 0 and 2) and a local channel, with aborted selects in between: every value once, in order', async () => {
  const result = await page.evaluate(async () => {
    const { lib } = window;
    const worker = new Worker(
      window.script(`
        const send = async (name, base, reason) => {
          const out = new lib.Channel(0);
          const done = lib.toPort(out, self, { name });
          for (let i = 0; i < 200; i++) await out.push(base + i);
          if (reason === undefined) out.close(); else out.close(reason);
          postMessage({ report: { name, ...(await done) } });
        };
        void send('a', 0);
        void send('b', 1000, new Error('b over'));`),
      { type: 'module' },
    );
    const reports: unknown[] = [];
    worker.addEventListener('message', (event) => {
      if (event.data?.report !== undefined) reports.push(event.data.report);
    });
    const a = lib.fromPort(worker, { name: 'a' });
    const b = lib.fromPort(worker, { name: 'b', capacity: 2 });
    const local = new lib.Channel(1);
    void (async () => {
      for (let i = 0; i < 200; i++) await local.push(2000 + i);
      local.close();
    })();
    const cases: (ReturnType<typeof lib.pull> | null)[] = [lib.pull(a), lib.pull(b), lib.pull(local)];
    const got: number[][] = [[], [], []];
    let aborted = 0;
    let n = 0;
    while (cases.some((c) => c !== null)) {
      // every 7th select gives up after a microtask or a task: values on their way must not be lost
      const signal = ++n % 7 === 0 ? AbortSignal.timeout(0) : undefined;
      try {
        const r = await lib.select(cases, { signal });
        if (r.ok) got[r.index]?.push(r.value as number);
        else cases[r.index] = null;
      } catch {
        aborted++;
      }
    }
    while (reports.length < 2) await window.sleep(5);
    const closeError = await b.pull().catch((e: unknown) => (e as { cause?: { message?: string } }).cause?.message);
    worker.terminate();
    return { got, aborted, reports, closeError };
  });
  const range = (count: number, base: number) => Array.from({ length: count }, (_, i) => base + i);
  expect(result.got).toEqual([range(200, 0), range(200, 1000), range(200, 2000)]);
  expect(result.reports).toEqual(
    expect.arrayContaining([
      { name: 'a', sent: 200, undelivered: [] },
      { name: 'b', sent: 200, undelivered: [] },
    ]),
  );
  expect(result.closeError).toBe('b over');
  expect(result.aborted).toBeGreaterThanOrEqual(0); // how many selects gave up varies with timing
});

test('broadcast(merge(fromPort(worker, a), fromPort(worker, b))) and toPort(merge(...)) back to the Worker: every value to each subscriber, then to the Worker', async () => {
  const result = await page.evaluate(async () => {
    const { lib } = window;
    const worker = new Worker(
      window.script(`
        const send = async (name, base) => {
          const out = new lib.Channel(3);
          const done = lib.toPort(out, self, { name });
          await out.pushAll(Array.from({ length: 100 }, (_, i) => base + i));
          out.close();
          await done;
        };
        void send('a', 0);
        void send('b', 1000);
        const back = lib.fromPort(self, { name: 'back', capacity: 4 });
        const got = [];
        postMessage({ ready: true });
        for await (const v of back) got.push(v);
        postMessage({ report: got });`),
      { type: 'module' },
    );
    const backReport = window.nextReport(worker);
    const hub = lib.broadcast(
      lib.merge(lib.fromPort(worker, { name: 'a' }), lib.fromPort(worker, { name: 'b', capacity: 8 })),
    );
    const s1 = hub.subscribe();
    const s2 = hub.subscribe({ capacity: 16 });
    const sending = lib.toPort(lib.merge(s2), worker, { name: 'back' });
    const first = await window.drain(s1);
    const back = await backReport;
    const sent = await sending;
    worker.terminate();
    return { first: first.values as number[], back: back as number[], sent };
  });
  const inOrder = (values: number[]) =>
    values.filter((v) => v < 1000).join() === Array.from({ length: 100 }, (_, i) => i).join() &&
    values.filter((v) => v >= 1000).join() === Array.from({ length: 100 }, (_, i) => 1000 + i).join();
  expect(result.first).toHaveLength(200);
  expect(inOrder(result.first)).toBe(true);
  expect(result.back).toEqual(result.first);
  expect(result.sent).toEqual({ sent: 200, undelivered: [] });
});
