/**
 * Audit K, in Chromium with the real extension: the SPEC's "channels in a worker or iframe that
 * enables debug mode show in the page's inspector, tagged with their context" — and what the
 * panel shows when that frame is removed or navigated, or that Worker is terminated.
 */
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { row, states, text } from '../../inspector-extension/test/panel-rows.js';

/** The extension tests' harness (plain JavaScript, typed here by hand). */
interface Harness {
  buildAll(): Promise<string>;
  startServer(): Promise<{ origin: string; close(): Promise<void> }>;
  launchWithExtension(dir: string): Promise<{
    context: BrowserContext;
    extensionId: string;
    serviceWorker(): Promise<Worker>;
    close(): Promise<void>;
  }>;
  newTab(context: BrowserContext, serviceWorker: () => Promise<Worker>): Promise<{ page: Page; tabId: number }>;
}
const harnessUrl = new URL('../../inspector-extension/test/harness.mjs', import.meta.url).href;
const { buildAll, launchWithExtension, newTab, startServer } = (await import(harnessUrl)) as Harness;

const POLL = { timeout: 10_000, interval: 50 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: Awaited<ReturnType<typeof startServer>>;
let browser: Awaited<ReturnType<typeof launchWithExtension>>;

beforeAll(async () => {
  const extensionDir = await buildAll();
  server = await startServer();
  browser = await launchWithExtension(extensionDir);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh tab on the contexts fixture, and a panel for it with a 1 s stuck threshold. */
async function inspected(): Promise<{ page: Page; panel: Page; close(): Promise<void> }> {
  const { page, tabId } = await newTab(browser.context, browser.serviceWorker);
  await page.goto(`${server.origin}/test/audit-k/fixtures/contexts.html`);
  await page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
  const panel = await browser.context.newPage();
  await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
  await panel.locator('#threshold').fill('1');
  await expect.poll(() => row(panel, 'page-own').count(), POLL).toBe(1);
  return {
    page,
    panel,
    close: async () => {
      await panel.close();
      await page.close();
    },
  };
}

const call = (page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(
    ([f, a]) => (window as unknown as Record<string, (...x: unknown[]) => unknown>)[f as string]?.(...(a as unknown[])),
    [fn, args] as const,
  );

describe('frames', () => {
  test("a frame's stuck channel is listed, tagged with its frame, and goes when the frame is removed", async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'addFrame', 'a');
      await expect.poll(() => row(panel, 'frame-a').count(), POLL).toBe(1);
      expect(await text(row(panel, 'frame-a').locator('.col-frame'))).toMatch(/frame\.html/);
      await expect.poll(async () => (await states(panel))[0], POLL).toBe('frame-a:stuck');
      await call(page, 'removeFrame', 'a');
      await expect.poll(() => row(panel, 'frame-a').count(), POLL).toBe(0);
      expect(await row(panel, 'page-own').count()).toBe(1);
    } finally {
      await close();
    }
  });

  test("a frame that navigates drops its old document's rows and lists the new one's", async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'addFrame', 'b');
      await expect.poll(() => row(panel, 'frame-b').count(), POLL).toBe(1);
      await call(page, 'navigateFrame', 'b', 'b2');
      await expect.poll(() => row(panel, 'frame-b2').count(), POLL).toBe(1);
      await expect.poll(() => row(panel, 'frame-b').count(), POLL).toBe(0);
    } finally {
      await close();
    }
  });

  test("a frame's relayed Worker is tagged with the frame and the Worker, and goes with the frame", async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'addFrame', 'fw', { worker: true });
      await expect.poll(() => row(panel, 'worker-of-fw').count(), POLL).toBe(1);
      expect(await text(row(panel, 'worker-of-fw').locator('.col-frame'))).toBe('frame.html › worker frame-worker-fw');
      await call(page, 'removeFrame', 'fw');
      await expect.poll(() => row(panel, 'worker-of-fw').count(), POLL).toBe(0);
      expect(await row(panel, 'frame-fw').count()).toBe(0);
    } finally {
      await close();
    }
  });

  test("a frame's leak stays listed after the frame is removed, until Clear", async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'addFrame', 'c');
      await expect.poll(() => row(panel, 'frame-c').count(), POLL).toBe(1);
      const frame = page.frames().find((f) => f.url().includes('#c'));
      if (frame === undefined) throw new Error('no frame c');
      await frame.evaluate(() => (window as unknown as { leakOnce(): void }).leakOnce());
      await expect
        .poll(async () => {
          await frame.evaluate(() => (window as unknown as { collect(): Promise<void> }).collect());
          return (await states(panel))[0];
        }, POLL)
        .toBe('frame-leak-c:leaked');
      await call(page, 'removeFrame', 'c');
      await expect.poll(() => row(panel, 'frame-c').count(), POLL).toBe(0);
      await sleep(500);
      expect((await states(panel))[0]).toBe('frame-leak-c:leaked');
      await panel.locator('#clear').click();
      await expect.poll(() => row(panel, 'frame-leak-c').count(), POLL).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('relayed Workers', () => {
  test("a relayed Worker's stuck channel is tagged with the Worker; its leak is listed as leaked", async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'startWorker', 'w1');
      await expect.poll(() => row(panel, 'worker-w1').count(), POLL).toBe(1);
      expect(await text(row(panel, 'worker-w1').locator('.col-frame'))).toBe('top › worker worker-w1');
      await call(page, 'workerSays', 'w1', 'leak');
      await expect.poll(async () => (await states(panel))[0], POLL).toBe('worker-leak-w1:leaked');
      expect(await text(row(panel, 'worker-leak-w1').locator('.col-frame'))).toBe('top › worker worker-w1');
    } finally {
      await close();
    }
  });

  test('two Workers of one script relayed with `#1`, `#2` URLs are told apart in the frame column', async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'startWorker', 'p1', { url: `${server.origin}/pool.js#1` });
      await call(page, 'startWorker', 'p2', { url: `${server.origin}/pool.js#2` });
      await expect.poll(() => row(panel, 'worker-p2').count(), POLL).toBe(1);
      await expect.poll(() => row(panel, 'worker-p1').count(), POLL).toBe(1);
      expect(await text(row(panel, 'worker-p1').locator('.col-frame'))).toBe('top › worker pool.js#1');
      expect(await text(row(panel, 'worker-p2').locator('.col-frame'))).toBe('top › worker pool.js#2');
    } finally {
      await close();
    }
  });

  test('a Worker terminated with its relay stopped leaves no row; its leak stays until Clear', async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'startWorker', 'w2');
      await call(page, 'workerSays', 'w2', 'leak');
      await expect.poll(async () => (await states(panel))[0], POLL).toBe('worker-leak-w2:leaked');
      await call(page, 'terminateWorker', 'w2', { stopRelay: true });
      await expect.poll(() => row(panel, 'worker-w2').count(), POLL).toBe(0);
      expect((await states(panel))[0]).toBe('worker-leak-w2:leaked');
    } finally {
      await close();
    }
  });

  test('a Worker terminated without stopping its relay does not stay listed as stuck', async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'startWorker', 'w3');
      await expect.poll(async () => (await states(panel))[0], POLL).toBe('worker-w3:stuck');
      await call(page, 'terminateWorker', 'w3');
      await expect.poll(() => row(panel, 'worker-w3').count(), { timeout: 15_000, interval: 100 }).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('a page without debug mode of its own', () => {
  test('its relayed Worker and its frames show in the panel all the same; the Worker goes when terminated', async () => {
    const { page, tabId } = await newTab(browser.context, browser.serviceWorker);
    const panel = await browser.context.newPage();
    try {
      await page.goto(`${server.origin}/test/audit-k/fixtures/contexts.html?relay-only`);
      await page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
      await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
      await call(page, 'startWorker', 'r1');
      await expect.poll(() => row(panel, 'worker-r1').count(), POLL).toBe(1);
      expect(await row(panel, 'page-own').count()).toBe(0);
      await call(page, 'terminateWorker', 'r1');
      await expect.poll(() => row(panel, 'worker-r1').count(), POLL).toBe(0);
      // A frame with debug mode under a page without: listed, tagged with its frame.
      await call(page, 'addFrame', 'nf');
      await expect.poll(() => row(panel, 'frame-nf').count(), POLL).toBe(1);
      expect(await text(row(panel, 'frame-nf').locator('.col-frame'))).toBe('frame.html');
    } finally {
      await panel.close();
      await page.close();
    }
  });
});

describe('a Worker that closes itself', () => {
  test('its channels leave the panel; its leak stays', async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'startWorker', 'c1');
      await call(page, 'workerSays', 'c1', 'leak');
      await expect.poll(async () => (await states(panel))[0], POLL).toBe('worker-leak-c1:leaked');
      await expect.poll(async () => (await states(panel))[1], POLL).toBe('worker-c1:stuck');
      await call(page, 'workerSays', 'c1', 'close');
      await expect.poll(() => row(panel, 'worker-c1').count(), POLL).toBe(0);
      expect(await states(panel)).toEqual(['worker-leak-c1:leaked', 'page-own:idle']);
    } finally {
      await close();
    }
  });
});

describe('navigation and the back/forward cache', () => {
  test("leaving the page drops its rows and its Worker's but keeps its leak; coming back lists them again, the leak once", async () => {
    const { page, panel, close } = await inspected();
    try {
      await call(page, 'startWorker', 'n1');
      await call(page, 'workerSays', 'n1', 'leak');
      await expect.poll(async () => (await states(panel))[0], POLL).toBe('worker-leak-n1:leaked');
      await expect.poll(() => row(panel, 'worker-n1').count(), POLL).toBe(1);
      await page.goto(`${server.origin}/test/audit-k/fixtures/plain.html`);
      await expect.poll(() => row(panel, 'page-own').count(), POLL).toBe(0);
      await expect.poll(() => row(panel, 'worker-n1').count(), POLL).toBe(0);
      expect(await states(panel)).toEqual(['worker-leak-n1:leaked']);
      await page.goBack({ waitUntil: 'commit' }); // a page restored from the cache fires no load
      await expect.poll(() => row(panel, 'page-own').count(), POLL).toBe(1);
      const restored = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.toJSON().type);
      if (restored === 'back_forward') {
        // From the cache: the same page, its Worker and its leak again.
        await expect.poll(() => row(panel, 'worker-n1').count(), POLL).toBe(1);
      }
      await sleep(500);
      expect((await states(panel)).filter((s) => s === 'worker-leak-n1:leaked')).toHaveLength(1);
    } finally {
      await close();
    }
  });
});

describe('idle is not stuck, as the panel shows it', () => {
  test('waits on fromEvent, after, ticker, fromPort, input: true, a merge or broadcast of input, and selects with such a case wait for input; the rest ranks leaked, then stuck producers longest-blocked first', async () => {
    const { page, tabId } = await newTab(browser.context, browser.serviceWorker);
    const panel = await browser.context.newPage();
    try {
      await page.goto(`${server.origin}/test/audit-k/fixtures/idle.html`);
      await page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
      await sleep(300);
      await call(page, 'later');
      await call(page, 'leak');
      await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
      await panel.locator('#threshold').fill('1');
      await expect.poll(() => row(panel, 'stuck-pull').count(), POLL).toBe(1);
      await sleep(1200); // every wait is now past the threshold
      await expect.poll(async () => (await states(panel)).filter((s) => s.endsWith(':stuck')).length, POLL).toBe(3);
      const shown = await states(panel);
      expect(shown.slice(0, 4)).toEqual([
        'orphan:leaked',
        'old-producer:stuck',
        'new-producer:stuck',
        'stuck-pull:stuck',
      ]);
      const waiting = shown
        .filter((s) => s.endsWith(':waiting for input'))
        .map((s) => s.replace(/:waiting for input$/, ''));
      for (const name of ['fromEvent(click)', 'remote-jobs', 'user-feed', 'subscriber']) {
        expect(waiting, name).toContain(name);
      }
      expect(waiting.some((label) => label.startsWith('after('))).toBe(true);
      expect(waiting.some((label) => label.startsWith('ticker('))).toBe(true);
      expect(waiting.some((label) => label.includes('timeout-replies'))).toBe(true);
      expect(waiting.some((label) => label.includes('port-or-cancel'))).toBe(true);
      expect(waiting.some((label) => label.includes('results-or-keys'))).toBe(true);
      expect(waiting.some((label) => label.includes('merge') || label.includes('merge-cancel'))).toBe(true);
      // The leak, as a user reads it: how long it waited, where it parked, where its channel was made.
      const leak = row(panel, 'orphan');
      expect(await text(leak.locator('.col-wait'))).toMatch(/^\d+(\.\d+)? s$|^\d+ ms$/);
      expect(await text(leak.locator('.col-where'))).toMatch(/idle\.js:\d+\)?$/);
      await leak.locator('.caret').click();
      const details = leak.locator('.details');
      await details.waitFor();
      expect(await text(details)).toMatch(/a push parked on channel "orphan" \(#\d+\), which was garbage-collected/);
      expect(await details.locator('.stack').allTextContents()).toEqual([
        expect.stringMatching(/idle\.js:\d+/),
        expect.stringMatching(/idle\.js:\d+/),
      ]);
      expect(shown.filter((s) => s.endsWith(':stuck'))).toEqual([
        'old-producer:stuck',
        'new-producer:stuck',
        'stuck-pull:stuck',
      ]);
    } finally {
      await panel.close();
      await page.close();
    }
  });
});
