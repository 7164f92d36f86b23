/**
 * Audit Y: examples/browser in Firefox (Debian's firefox-esr, headless, through Marionette) —
 * the example is for "browsers", and its end-to-end tests drive Chromium only. Served by the
 * example's own `serve.mjs` (`start({ port: 0 })`, dist/ built by `npm run build`).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script of the example, without declarations
import { start } from '../../examples/browser/serve.mjs';
import { FIREFOX_PATH, type FirefoxTab, launchFirefox } from '../helpers/firefox.js';

describe.skipIf(!existsSync(FIREFOX_PATH))('examples/browser in Firefox', () => {
  let server: { url: string; close(): Promise<void> };
  let tab: FirefoxTab;

  beforeAll(async () => {
    server = await start({ port: 0 });
    tab = await launchFirefox();
  }, 60_000);

  afterAll(async () => {
    await tab?.close();
    await server?.close();
  });

  test('the demo page: the job queue does every job exactly once, the stuck pull shows in the snapshot, search answers', async () => {
    await tab.navigate(server.url, 'window.demo !== undefined');
    const result = await tab.run(
      `const errors = [];
       window.addEventListener('error', (event) => errors.push(String(event.message)));
       window.addEventListener('unhandledrejection', (event) => errors.push(String(event.reason)));
       document.getElementById('jobs-run').click();
       document.getElementById('stuck-park').click();
       const box = document.getElementById('search-box');
       box.value = 'chan';
       box.dispatchEvent(new Event('input', { bubbles: true }));
       const deadline = performance.now() + 60000;
       while (window.demo.jobs.exactlyOnce === null || window.demo.search.renderedQuery !== 'chan') {
         if (performance.now() > deadline) throw new Error('timed out: ' + JSON.stringify(window.demo.jobs));
         await new Promise((resolve) => setTimeout(resolve, 100));
       }
       const stuck = window.demo.snapshot().channels.find((channel) => channel.name === 'stuck-demo');
       return {
         exactlyOnce: window.demo.jobs.exactlyOnce,
         done: window.demo.jobs.done,
         waited: window.demo.jobs.maxWaitingPushers > 0,
         stuckPullers: stuck?.pullers.length,
         stuckStack: typeof stuck?.pullers[0]?.stack === 'string' && stuck.pullers[0].stack.includes('stuck.js'),
         results: window.demo.search.results.length > 0,
         errors,
       };`,
      [],
      90_000,
    );
    expect(result).toEqual({
      exactlyOnce: true,
      done: 36,
      waited: true,
      stuckPullers: 1,
      stuckStack: true,
      results: true,
      errors: [],
    });
  }, 120_000);

  test('demo 5: the jobs go through a module Worker and come back, each exactly once', async () => {
    await tab.navigate(new URL('worker-demo.html', server.url).href, 'window.workerDemo?.ready === true');
    const result = await tab.run(
      `const errors = [];
       window.addEventListener('error', (event) => errors.push(String(event.message)));
       window.addEventListener('unhandledrejection', (event) => errors.push(String(event.reason)));
       document.getElementById('wd-start').click();
       const deadline = performance.now() + 90000;
       await new Promise((resolve) => setTimeout(resolve, 200));
       while (window.workerDemo.running) {
         if (performance.now() > deadline) throw new Error('timed out: ' + window.workerDemo.phase);
         await new Promise((resolve) => setTimeout(resolve, 200));
       }
       return {
         phase: window.workerDemo.phase,
         results: window.workerDemo.results.size,
         duplicates: window.workerDemo.duplicates,
         maxOut: window.workerDemo.maxOut <= 6,
         errors,
       };`,
      [],
      120_000,
    );
    expect(result).toEqual({
      phase: 'done: every job computed exactly once',
      results: 120,
      duplicates: 0,
      maxOut: true,
      errors: [],
    });
  }, 150_000);
  test('demo 5: Terminate mid-run is noticed within the heartbeat bound, and a restart runs exactly the missing jobs', async () => {
    await tab.navigate(new URL('worker-demo.html', server.url).href, 'window.workerDemo?.ready === true');
    const result = await tab.run(
      `const until = async (check, ms, what) => {
         const deadline = performance.now() + ms;
         while (!check()) {
           if (performance.now() > deadline) throw new Error('timed out: ' + what + ': ' + window.workerDemo.phase);
           await new Promise((resolve) => setTimeout(resolve, 100));
         }
       };
       const state = window.workerDemo;
       document.getElementById('wd-start').click();
       await until(() => state.results.size >= 3 && !document.getElementById('wd-terminate').disabled, 30000, 'results');
       document.getElementById('wd-terminate').click();
       const terminated = performance.now();
       await until(() => !state.running, 20000, 'noticed');
       const noticedMs = performance.now() - terminated;
       const afterDeath = { phase: state.phase, missing: state.queue.length, results: state.results.size };
       document.getElementById('wd-start').click();
       await new Promise((resolve) => setTimeout(resolve, 200));
       await until(() => !state.running, 90000, 'restart');
       return {
         noticed: noticedMs < 12000,
         accounted: afterDeath.missing + afterDeath.results === 120,
         gone: afterDeath.phase.startsWith('the Worker is gone'),
         phase: state.phase,
         results: state.results.size,
         duplicates: state.duplicates,
       };`,
      [],
      140_000,
    );
    expect(result).toEqual({
      noticed: true,
      accounted: true,
      gone: true,
      phase: 'done: every job computed exactly once',
      results: 120,
      duplicates: 0,
    });
  }, 160_000);
});
