/**
 * Audit BP: demo 5 (worker-demo.html) in Debian's headless Chromium, beyond worker-demo.test.ts:
 * the README's promise that a Worker whose script fails to load is reported ("the Worker
 * failed: its script failed to load") instead of waited on, a restart after that, and a double
 * click on Start. A small proxy in front of serve.mjs answers 404 for the Worker's script while
 * `failWorker` is set, as a copied page whose Worker path is wrong would get.
 */
import { existsSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../../test/helpers/chromium.mjs';
// @ts-expect-error serve.mjs is plain JavaScript without declarations
import { root, start } from '../../serve.mjs';

let upstream: { port: number; close(): Promise<void> };
let proxy: Server;
let base = '';
let failWorker = true;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const demo = () =>
  page.evaluate(() => {
    const state = (window as any).workerDemo;
    return {
      phase: state.phase as string,
      running: state.running as boolean,
      done: state.results.size as number,
      queued: state.queue.length as number,
      duplicates: state.duplicates as number,
      created: (window as any).workersCreated as number,
    };
  });

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'port.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  upstream = await start({ port: 0 });
  proxy = createServer((incoming, outgoing) => {
    if (failWorker && incoming.url?.endsWith('/worker-demo.worker.js')) {
      outgoing.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const forward = request(
      {
        host: '127.0.0.1',
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.addInitScript(() => {
    // counts the Workers the page creates
    const Original = window.Worker;
    (window as any).workersCreated = 0;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        (window as any).workersCreated++;
      }
    };
    window.addEventListener('unhandledrejection', (event) => {
      (window as any).unhandled = [...((window as any).unhandled ?? []), String(event.reason)];
    });
  });
  await page.goto(`${base}/examples/browser/worker-demo.html`);
  await page.waitForFunction(() => (window as any).workerDemo?.ready === true, null, { timeout: 20_000 });
}, 40_000);

afterAll(async () => {
  await browser?.close();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await upstream?.close();
});

it('a Worker whose script fails to load is reported, not waited on, and every job stays queued', async () => {
  const began = Date.now();
  await page.click('#wd-start');
  await page.waitForFunction(() => !(window as any).workerDemo.running, null, { timeout: 20_000 });
  const state = await demo();
  expect(state.phase).toMatch(/the Worker failed: its script failed to load/);
  expect(state).toMatchObject({ done: 0, queued: 120, duplicates: 0, created: 1 });
  expect(Date.now() - began).toBeLessThan(15_000);
  expect(await page.isEnabled('#wd-start')).toBe(true);
  expect(await page.isDisabled('#wd-terminate')).toBe(true);
});

it('a double click on Start (with the script back) runs one Worker, which does every job exactly once', async () => {
  failWorker = false;
  await page.dblclick('#wd-start');
  await page.waitForFunction(
    () => (window as any).workerDemo.results.size === 120 && !(window as any).workerDemo.running,
    null,
    { timeout: 60_000 },
  );
  const state = await demo();
  expect(state).toMatchObject({ done: 120, queued: 0, duplicates: 0, created: 2 });
  expect(state.phase).toBe('done: every job computed exactly once');
  expect(await page.isDisabled('#wd-start')).toBe(true);
  expect(await page.textContent('#wd-done')).toBe('120 / 120');
  await expect.poll(() => page.workers().length, { timeout: 5000 }).toBe(0);
}, 70_000);

it('nothing threw in the page and no rejection was left unhandled', async () => {
  expect(pageErrors).toEqual([]);
  expect(await page.evaluate(() => (window as any).unhandled ?? [])).toEqual([]);
});
