/**
 * End to end: examples/browser/worker-demo.html in headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core), served in-process by serve.mjs. It reads the
 * built dist/ (`npm test` builds it first) and never rebuilds it.
 *
 * It runs the jobs, checks that the producer is held back to the Worker's credit, terminates
 * the Worker mid-run, checks that every job is accounted for (a result, back in the queue as
 * undelivered, or died with the Worker), and restarts to finish exactly the missing jobs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../test/helpers/chromium.mjs';
// @ts-expect-error serve.mjs is plain JavaScript without declarations
import { root, start } from '../serve.mjs';

declare global {
  interface Window {
    workerDemo: {
      ready: boolean;
      running: boolean;
      phase: string;
      pushed: number;
      resultsThisRun: number;
      maxOut: number;
      duplicates: number;
      queue: number[];
      results: Map<number, unknown>;
      undelivered: number[];
      diedWith: number[];
    };
  }
}

let server: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'port.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
  server = await start({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(new URL('worker-demo.html', server.url).href);
  await page.waitForFunction(() => window.workerDemo?.ready === true);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The demo's counters, read in the page. */
const counters = () =>
  page.evaluate(() => {
    const demo = window.workerDemo;
    return {
      phase: demo.phase,
      running: demo.running,
      pushed: demo.pushed,
      out: demo.pushed - demo.resultsThisRun,
      maxOut: demo.maxOut,
      done: demo.results.size,
      queued: demo.queue.length,
      duplicates: demo.duplicates,
      undelivered: demo.undelivered,
      diedWith: demo.diedWith,
    };
  });

test('the producer is held to the Worker’s credit; a terminated Worker’s jobs come back; a restart finishes them', async () => {
  await page.click('#wd-start');
  await page.waitForFunction(() => window.workerDemo.results.size >= 10, null, { timeout: 20_000 });
  const running = await counters();
  expect(running.maxOut).toBeLessThanOrEqual(6); // never more jobs out than the credit allows
  expect(running.pushed).toBeLessThan(120); // the producer did not run ahead of the Worker
  expect(await page.textContent('#wd-out')).toMatch(/of 6\)$/);

  await page.click('#wd-terminate');
  // The heartbeat's 5 s tell the page, and a loaded machine is late.
  await page.waitForFunction(() => !window.workerDemo.running, null, { timeout: 20_000 });
  const after = await counters();
  expect(after.phase).toMatch(/the Worker is gone \(.*other side is gone.*\)/);
  // Every job is in exactly one place: done, or queued again (undelivered, died with the
  // Worker, or never handed over).
  expect(after.done + after.queued).toBe(120);
  expect(after.duplicates).toBe(0);
  expect(await page.textContent('#wd-undelivered')).toBe(after.undelivered.length ? after.undelivered.join(', ') : '–');

  await page.click('#wd-start');
  await page.waitForFunction(() => window.workerDemo.results.size === 120 && !window.workerDemo.running, null, {
    timeout: 30_000,
  });
  const done = await counters();
  expect(done.phase).toBe('done: every job computed exactly once');
  expect(done.duplicates).toBe(0);
  // The finished run's Worker is terminated, not left idle until the page closes.
  await expect.poll(() => page.workers().length, { timeout: 5000 }).toBe(0);
  expect(pageErrors).toEqual([]);
}, 120_000);
