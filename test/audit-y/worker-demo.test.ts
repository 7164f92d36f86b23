/**
 * Audit Y: demo 5 of examples/browser (worker-demo.html), as a newcomer clicks it in headless
 * Chromium — served by the example's own `serve.mjs` (`start({ port: 0 })`, no build: dist/ is
 * built by `npm run build`). What its README promises: the jobs go to a Worker and come back,
 * each computed exactly once, and a Worker that dies does not leave the page waiting.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script of the example, without declarations
import { start } from '../../examples/browser/serve.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';
import { collectProblems } from '../helpers/static-page.js';

interface DemoState {
  ready?: boolean;
  running: boolean;
  phase: string;
  duplicates: number;
  results: Map<number, unknown>;
  queue: number[];
}
declare const window: { workerDemo: DemoState };

let server: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  server = await start({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens worker-demo.html; `problems` collects page errors and console errors. */
async function openDemo(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems = collectProblems(page, { http: false });
  await page.goto(new URL('worker-demo.html', server.url).href);
  await page.waitForFunction(() => window.workerDemo?.ready === true, null, { timeout: 60_000 });
  return { page, problems };
}

describe('examples/browser, demo 5 (primes in a Worker)', () => {
  // Was: the click handler started a run and nothing was drawn until the first job was taken
  // (the Worker's start-up, about 100 ms), so Start stayed enabled: a double click ran two
  // Workers over the same queue, and the page said "done: every job computed exactly once"
  // with duplicates: 1 on screen.
  test('a double click on Start runs one Worker: every job is computed exactly once', async () => {
    const { page, problems } = await openDemo();
    try {
      await page.dblclick('#wd-start');
      const startDisabled = await page.isDisabled('#wd-start');
      const phaseShown = await page.textContent('#wd-phase');
      await page.waitForFunction(() => window.workerDemo.running === false, null, { timeout: 120_000, polling: 250 });
      const end = await page.evaluate(() => ({
        phase: window.workerDemo.phase,
        results: window.workerDemo.results.size,
        duplicates: window.workerDemo.duplicates,
      }));
      expect({ startDisabled, phaseShown, ...end }).toEqual({
        startDisabled: true,
        phaseShown: 'running: the producer waits whenever the Worker holds 4 jobs',
        phase: 'done: every job computed exactly once',
        results: 120,
        duplicates: 0,
      });
      expect(await page.textContent('#wd-duplicates')).toBe('0');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 150_000);

  // Was: a Worker script that fails to load (here a 404; for someone who copied the example, a
  // bare 'chanasync' import that the Worker cannot resolve, as a module Worker does not see the
  // page's import map) left the page on "idle" with its run never ending: the page's toPort
  // waited for a receiver and its fromPort for a sender, forever, and Terminate stayed disabled.
  test('a Worker whose script fails to load is reported and Start comes back: the page does not wait forever', async () => {
    const { page, problems } = await openDemo();
    try {
      await page.route('**/worker-demo.worker.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
      await page.click('#wd-start');
      await page.waitForFunction(() => window.workerDemo.running === false, null, { timeout: 60_000, polling: 100 });
      const phase = await page.textContent('#wd-phase');
      expect(phase).toMatch(/the Worker is gone \(the Worker failed: .+\); restart to run the 120 missing jobs/);
      expect(await page.isDisabled('#wd-start')).toBe(false);
      expect(await page.isDisabled('#wd-terminate')).toBe(true);
      expect(await page.evaluate(() => window.workerDemo.queue.length)).toBe(120);
      // Once the script is served again, a restart runs every job.
      await page.unroute('**/worker-demo.worker.js');
      await page.click('#wd-start');
      await page.waitForFunction(() => window.workerDemo.running === false, null, { timeout: 120_000, polling: 250 });
      expect(
        await page.evaluate(() => ({
          phase: window.workerDemo.phase,
          results: window.workerDemo.results.size,
          duplicates: window.workerDemo.duplicates,
        })),
      ).toEqual({ phase: 'done: every job computed exactly once', results: 120, duplicates: 0 });
      expect(problems.filter((problem) => !problem.includes('404'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);
  // The other way a Worker fails: its loop throws. In a browser the Worker stays alive with its
  // streams open (the README's "Semantic details"), so nothing would settle by itself; its
  // `error` event now stops the page's side, and the jobs it held are accounted for.
  test('a Worker whose loop throws mid-run is reported, and a restart runs exactly the missing jobs', async () => {
    const { page, problems } = await openDemo();
    try {
      const original = await (await fetch(new URL('worker-demo.worker.js', server.url))).text();
      const throwing = original.replace(
        'for await (const job of jobs) {',
        "let seen = 0;\nfor await (const job of jobs) {\n  if (++seen === 6) throw new Error('boom at job ' + job.id);",
      );
      expect(throwing).not.toBe(original);
      await page.route('**/worker-demo.worker.js', (route) =>
        route.fulfill({ status: 200, contentType: 'text/javascript', body: throwing }),
      );
      await page.click('#wd-start');
      await page.waitForFunction(() => window.workerDemo.running === false, null, { timeout: 60_000, polling: 100 });
      const failed = await page.evaluate(() => ({
        phase: window.workerDemo.phase,
        results: window.workerDemo.results.size,
        missing: window.workerDemo.queue.length,
      }));
      expect(failed.phase).toMatch(/^the Worker is gone \(the Worker failed: .*boom at job 5.*\); restart/);
      expect(failed.results).toBe(5);
      expect(failed.results + failed.missing).toBe(120);
      await page.unroute('**/worker-demo.worker.js');
      await page.click('#wd-start');
      await page.waitForFunction(() => window.workerDemo.running === false, null, { timeout: 120_000, polling: 250 });
      expect(
        await page.evaluate(() => ({
          phase: window.workerDemo.phase,
          results: window.workerDemo.results.size,
          duplicates: window.workerDemo.duplicates,
        })),
      ).toEqual({ phase: 'done: every job computed exactly once', results: 120, duplicates: 0 });
      expect(problems.filter((problem) => !problem.includes('boom'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);
});
