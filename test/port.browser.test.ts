/**
 * `chanasync/port` between real contexts in headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core): page ↔ dedicated Worker, a MessageChannel, a SharedWorker, a
 * cross-origin iframe (127.0.0.1 embeds localhost). The scenarios Firefox runs too are written
 * once, in test/helpers/port-scenarios.ts: this file gives them a driver (`page.evaluate`) and
 * adds Chromium's own. One browser for the file; each test opens its own page
 * (test/port/page.html); test/port/server.mjs serves test/port/ and chanasync bundled from src/.
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { usePortPages } from './helpers/port-pages.js';
import {
  batchingScenarios,
  frameScenarios,
  otherPortScenarios,
  type PortDriver,
  workerScenarios,
} from './helpers/port-scenarios.js';

const { open, port } = usePortPages();

/** The test's page, opened before it (and closed after it by usePortPages). */
let page: Page;

beforeEach(async () => {
  page = await open();
});

afterEach(async () => {
  // No uncaught error in the page or its Workers (an unhandled rejection of toPort, say). The
  // hooks of usePortPages, registered first, run after this one.
  expect(await page.evaluate(() => window.errors)).toEqual([]);
});

const driver: PortDriver = {
  // playwright-core sends the function's source text, as the Firefox driver does.
  run: <R, A>(scenario: (arg: A) => Promise<R>, arg?: A) =>
    page.evaluate(scenario as (arg: unknown) => Promise<R>, arg),
  port,
};

describe('page ↔ dedicated Worker', () => {
  workerScenarios(driver);

  test('backpressure: the Worker’s buffer fills to its capacity and the page’s producer waits', async () => {
    const result = await driver.run(async () => {
      const { lib, nextReport } = window;
      const worker = window.spawn('mode=hold&capacity=16');
      await nextReport(worker);
      const numbers = new lib.Channel(0);
      void lib.toPort(numbers, worker, { name: 'in' });
      let pushed = 0;
      void (async () => {
        for (let i = 0; i < 1000; i++) {
          await numbers.push(i);
          pushed++;
        }
      })();
      await window.sleep(300);
      worker.postMessage({ command: 'size' });
      const remoteSize = await nextReport(worker);
      const pushedBefore = pushed;
      worker.postMessage({ command: 'pull' });
      const first = await nextReport(worker);
      worker.terminate();
      return { remoteSize, pushedBefore, first };
    });
    expect(result).toEqual({ remoteSize: 16, pushedBefore: 16, first: 0 });
  });
});

describe('other ports', () => {
  otherPortScenarios(driver);
});

describe('cross-origin iframe', () => {
  frameScenarios(driver);
});

describe('batching', () => {
  batchingScenarios(driver);
});
