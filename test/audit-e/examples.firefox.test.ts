/**
 * Audit E: the browser example as a Firefox user opens it — the page of `npm start`
 * (examples/browser/index.html, importing dist/ as is) in Debian's Firefox ESR: every demo
 * starts, the job queue does every job exactly once, the stuck demo parks a pull that
 * snapshot() reports, and nothing on the page throws; and demo 5 (worker-demo.html,
 * chanasync/port to a module Worker), whose terminated Worker's jobs all come back.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIREFOX_PATH, type FileServer, type FirefoxTab, launchFirefox, serveFiles } from '../helpers/firefox.js';

const root = join(import.meta.dirname, '..', '..');

let firefox: FirefoxTab | undefined;
let server: FileServer | undefined;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  server = await serveFiles(root);
  firefox = await launchFirefox();
}, 60_000);

afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

describe.skipIf(!existsSync(FIREFOX_PATH))('examples/browser in Firefox', () => {
  test('the demo page starts every demo; the job queue does each job exactly once; the stuck pull is in snapshot(); nothing throws', async () => {
    const tab = firefox!;
    await tab.navigate(`http://127.0.0.1:${server!.port}/examples/browser/index.html`, 'window.demo !== undefined');
    const result = await tab.run<{
      errors: string[];
      exactlyOnce: boolean;
      done: number;
      total: number;
      stuck: boolean;
    }>(
      `
      const errors = [];
      window.addEventListener('error', (event) => errors.push(String(event.message)));
      window.addEventListener('unhandledrejection', (event) => errors.push('unhandled: ' + String(event.reason)));
      document.getElementById('jobs-run').click();
      document.getElementById('stuck-park').click();
      const deadline = performance.now() + 25000;
      while (window.demo.jobs.exactlyOnce === null && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const stuck = window.demo.snapshot().channels.some(
        (channel) => channel.name === 'stuck-demo' && channel.pullers.length === 1,
      );
      return { errors, exactlyOnce: window.demo.jobs.exactlyOnce, done: window.demo.jobs.done, total: window.demo.jobs.total, stuck };
      `,
      [],
      40_000,
    );
    expect(result.errors).toEqual([]);
    expect(result.exactlyOnce).toBe(true);
    expect(result.done).toBe(result.total);
    expect(result.stuck).toBe(true);
  }, 60_000);

  test('demo 5: a terminated Worker is found gone, every job is done or queued again, and a restart finishes each exactly once', async () => {
    const tab = firefox!;
    await tab.navigate(
      `http://127.0.0.1:${server!.port}/examples/browser/worker-demo.html`,
      'window.workerDemo?.ready === true',
    );
    const result = await tab.run<{
      errors: string[];
      maxOut: number;
      phaseAfterTerminate: string;
      accounted: number;
      duplicates: number;
      finalPhase: string;
      done: number;
    }>(
      `
      const errors = [];
      window.addEventListener('error', (event) => errors.push(String(event.message)));
      window.addEventListener('unhandledrejection', (event) => errors.push('unhandled: ' + String(event.reason)));
      const demo = window.workerDemo;
      const until = async (condition, ms) => {
        const deadline = performance.now() + ms;
        while (!condition()) {
          if (performance.now() > deadline) throw new Error('timed out in phase ' + demo.phase);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      document.getElementById('wd-start').click();
      await until(() => demo.results.size >= 10, 20000);
      document.getElementById('wd-terminate').click();
      await until(() => !demo.running, 15000);
      const phaseAfterTerminate = demo.phase;
      const accounted = demo.results.size + demo.queue.length;
      document.getElementById('wd-start').click();
      await until(() => demo.results.size === 120 && !demo.running, 40000);
      return {
        errors,
        maxOut: demo.maxOut,
        phaseAfterTerminate,
        accounted,
        duplicates: demo.duplicates,
        finalPhase: demo.phase,
        done: demo.results.size,
      };
      `,
      [],
      90_000,
    );
    expect(result.errors).toEqual([]);
    expect(result.maxOut).toBeLessThanOrEqual(6);
    expect(result.phaseAfterTerminate).toMatch(/the Worker is gone \(.*other side is gone.*\)/);
    expect(result.accounted).toBe(120);
    expect(result.duplicates).toBe(0);
    expect(result.done).toBe(120);
    expect(result.finalPhase).toBe('done: every job computed exactly once');
  }, 120_000);
});
