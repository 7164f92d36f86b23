/**
 * Audit AY: a realistic app — a page, a relayed Worker and an iframe, each with one stuck
 * consumer — in Debian's Chromium with the unpacked extension (panel opened as a tab).
 */
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { loadFixture, newTab } from '../harness.mjs';
import { row, states, text } from '../panel-rows.js';
import { useBuiltExtension } from './browser.js';

const FIXTURES = '/inspector-extension/test/audit-ay/fixtures';
const POLL = { timeout: 15_000, interval: 100 };
const env = useBuiltExtension();

async function inspect(fixture: string) {
  const { context, extensionId, serviceWorker } = env.browser;
  const { page, tabId } = await newTab(context, serviceWorker);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  await loadFixture(page, `${env.server.origin}${FIXTURES}/${fixture}`);
  const panel = await context.newPage();
  panel.on('pageerror', (error) => errors.push(`panel: ${error.message}`));
  const url = `chrome-extension://${extensionId}/panel.html?tabId=${tabId}`;
  await panel.goto(url);
  await panel.fill('#threshold', '1');
  return {
    page,
    panel,
    tabId,
    url,
    errors,
    done: async () => {
      await panel.close();
      await page.close();
    },
  };
}

const sorted = async (panel: Page) => (await states(panel)).sort();
const STUCK = ['frame-jobs:stuck', 'page-orders:stuck', 'worker-replies:stuck'];

describe('a page, its relayed Worker and its iframe, each with a stuck consumer', () => {
  test('all three show stuck, with the right frame, parked-at and waiter count; the Worker mark clears when it unsticks', async () => {
    const { page, panel, errors, done } = await inspect('app.html');
    try {
      await expect.poll(() => sorted(panel), POLL).toEqual(STUCK);
      const w = row(panel, 'worker-replies');
      expect(await text(w.locator('.col-frame'))).toBe('top › worker worker.js');
      expect(await text(w.locator('.col-where'))).toBe('waitForReply (worker.js:9)');
      expect(await text(w.locator('.col-pullers .count'))).toBe('1');
      expect(await text(row(panel, 'page-orders').locator('.col-where'))).toBe('awaitOrder (app.js:11)');
      expect(await text(row(panel, 'frame-jobs').locator('.col-where'))).toBe('frameConsumer (frame.js:9)');
      expect(await text(row(panel, 'frame-jobs').locator('.col-frame'))).toBe('frame.html');
      await page.evaluate(() => (window as any).ay.worker.postMessage({ cmd: 'reply', value: 1 }));
      await expect
        .poll(() => sorted(panel), POLL)
        .toEqual(['frame-jobs:stuck', 'page-orders:stuck', 'worker-replies:idle']);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });
});

/** Seconds in the Waiting cell of the row named `name` ("12.3 s", "820 ms", "1 min 3 s"). */
async function waitedSeconds(panel: Page, name: string): Promise<number> {
  const cell = (await text(row(panel, name).locator('.col-wait'))) ?? '';
  let total = 0;
  for (const [, n, unit] of cell.matchAll(/([\d.]+)\s*(ms|s|min|h)\b/g)) {
    total += Number(n) * ({ ms: 0.001, s: 1, min: 60, h: 3600 } as Record<string, number>)[unit as string]!;
  }
  return total;
}

describe('the same app across the panel closed and reopened, a reload and the back/forward cache', () => {
  test('reopened after 3 s, the panel shows the three stuck rows with ages that kept growing', async () => {
    const { panel, url, errors, done } = await inspect('app.html');
    try {
      await expect.poll(() => sorted(panel), POLL).toEqual(STUCK);
      const before = await waitedSeconds(panel, 'worker-replies');
      await panel.goto('about:blank');
      await new Promise((r) => setTimeout(r, 3000));
      await panel.goto(url);
      await expect.poll(() => sorted(panel), POLL).toEqual(STUCK);
      for (const name of ['worker-replies', 'page-orders', 'frame-jobs']) {
        expect(await waitedSeconds(panel, name)).toBeGreaterThanOrEqual(before + 3);
      }
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  test('after a reload, each stuck row is listed once, for the new document', async () => {
    const { page, panel, errors, done } = await inspect('app.html');
    try {
      await expect.poll(() => sorted(panel), POLL).toEqual(STUCK);
      await page.reload();
      await page.waitForFunction(() => (window as any).fixtureReady === true);
      await expect
        .poll(async () => (await states(panel)).map((s) => s.split(':')[0]).sort(), POLL)
        .toEqual(['frame-jobs', 'page-orders', 'worker-replies']);
      await expect.poll(() => sorted(panel), POLL).toEqual(STUCK);
      expect(await waitedSeconds(panel, 'worker-replies')).toBeLessThan(10);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  test('back from the back/forward cache, the Worker and frame rows come back, still stuck', async () => {
    const { page, panel, errors, done } = await inspect('app.html');
    try {
      await expect.poll(() => sorted(panel), POLL).toEqual(STUCK);
      await page.goto(`${env.server.origin}${FIXTURES}/other.html`);
      await expect.poll(() => states(panel), POLL).toEqual([]);
      await page.goBack({ waitUntil: 'commit' }); // a restore fires no load event
      // Restored from the cache, not reloaded (else this test would only re-run the reload one).
      await expect.poll(() => page.evaluate(() => (window as any).restored ?? 0), POLL).toBe(1);
      await expect.poll(() => sorted(panel), POLL).toEqual(STUCK);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  }, 60_000);
});
