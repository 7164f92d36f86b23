/**
 * Audit BP: the Channels panel (Chromium, opened as a tab for the inspected tab, the extension as
 * built) the way a developer hunting a stuck channel uses it — on the browser example, on a page
 * without debug mode, across `enableDebug` twice and `disableDebug`, with hundreds of channels,
 * and with frames and Workers.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { cell, inspect, POLL, rows, seconds, sleep } from '../audit-bf/bf.js';
import { newTab } from '../harness.mjs';
import { row, text } from '../panel-rows.js';

const env = useBuiltExtension();
/** bf.ts resolves fixtures under audit-bf/fixtures; ours are beside this file. */
const FIX = '../../audit-bp/fixtures';

const status = (panel: Page) => panel.locator('#status').textContent();
const names = async (panel: Page) => (await rows(panel)).map((r) => r.split(':')[0]);
const emptyTitle = (panel: Page) => text(panel.locator('.empty h2'));
type BpWindow = { bp: Record<string, (...args: unknown[]) => unknown> & { heard: string[] } };

describe('the browser example (examples/browser)', () => {
  it('after “Park a pull forever”, stuck-demo turns stuck by the default 5 s threshold, alone and first, parked in stuck.js; closing it clears the mark', async () => {
    const { context, extensionId, serviceWorker } = env.browser;
    const { page, tabId } = await newTab(context, serviceWorker);
    const panel = await context.newPage();
    const errors: string[] = [];
    panel.on('pageerror', (error) => errors.push(`panel: ${error.message}`));
    try {
      await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
      await panel.fill('#threshold', '5'); // the default, set in case another test file stored another
      await page.goto(`${env.server.origin}/examples/browser/index.html`);
      await page.waitForFunction(() => (window as unknown as { demo?: unknown }).demo !== undefined);
      await expect.poll(() => names(panel), POLL).toEqual(expect.arrayContaining(['search-replies']));
      await expect.poll(() => page.textContent('#inspector-status'), POLL).toBe('inspector: connected');
      const parkedAt = Date.now();
      await page.click('#stuck-park');
      await expect.poll(async () => (await rows(panel)).find((r) => r.startsWith('stuck-demo:')), POLL).toBeDefined();
      // Waiting, then stuck once 5 s passed: not before (generously: 4 s), and soon after.
      await sleep(Math.max(0, parkedAt + 3500 - Date.now()));
      expect((await rows(panel)).find((r) => r.startsWith('stuck-demo:'))).not.toBe('stuck-demo:stuck');
      await expect
        .poll(async () => (await rows(panel))[0], { timeout: 15_000, interval: 100 })
        .toBe('stuck-demo:stuck');
      expect(Date.now() - parkedAt).toBeLessThan(15_000);
      const all = await rows(panel);
      expect(all.filter((r) => r.endsWith(':stuck'))).toEqual(['stuck-demo:stuck']);
      expect(all.some((r) => r.endsWith(':waiting for input'))).toBe(true);
      expect(await cell(panel, 'stuck-demo', '.col-where')).toMatch(/\(stuck\.js:\d+\)/);
      expect(seconds(await cell(panel, 'stuck-demo', '.col-wait'))).toBeGreaterThanOrEqual(4.5);
      // The status line counts it.
      expect(await status(panel)).toMatch(/\b1 stuck\b/);
      await page.click('#stuck-release');
      await expect.poll(async () => (await rows(panel)).filter((r) => r.endsWith(':stuck')), POLL).toEqual([]);
      expect(await status(panel)).not.toMatch(/stuck/);
      expect(errors).toEqual([]);
    } finally {
      await panel.close().catch(() => {});
      await page.close().catch(() => {});
    }
  });
});

describe('a page that does not enable debug mode', () => {
  it('gets the how-to empty state (and a hello it may ignore); enabling debug mode later fills the panel without a reload', async () => {
    const t = await inspect(env, `${FIX}/nodebug.html`, { panelFirst: false }); // the panel opens on the loaded page
    try {
      await expect.poll(() => emptyTitle(t.panel), POLL).toBe('No chanasync debug mode on this page');
      expect(await text(t.panel.locator('.empty pre.snippet'))).toContain('enableDebug');
      await expect.poll(() => t.page.evaluate(() => (window as unknown as BpWindow).bp.heard), POLL).toContain('hello');
      expect(await status(t.panel)).toBe('');
      await t.page.evaluate(() => (window as unknown as BpWindow).bp.enable?.());
      await expect.poll(() => names(t.panel), POLL).toEqual(['bp-after-debug']);
      await expect.poll(async () => (await rows(t.panel))[0], POLL).toBe('bp-after-debug:stuck');
      // A channel created before enableDebug is not tracked (documented), so not listed.
      expect(await names(t.panel)).not.toContain('bp-before-debug');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});

describe('debug mode enabled twice, then disabled, then enabled again', () => {
  it('the panel follows the page’s current session each time, as snapshot() does', async () => {
    const t = await inspect(env, `${FIX}/twice.html`);
    const page = (fn: string) => t.page.evaluate((name) => (window as unknown as BpWindow).bp[name]?.(), fn);
    try {
      await expect.poll(() => rows(t.panel), POLL).toEqual(['bp-first-session:stuck']);
      await page('again');
      expect(await page('names')).toEqual(['bp-second-session']);
      await expect.poll(() => names(t.panel), POLL).toEqual(['bp-second-session']);
      await page('off');
      await expect.poll(() => emptyTitle(t.panel), POLL).toBe('No channels yet');
      expect(await status(t.panel)).toBe('0 channels');
      await page('on');
      await expect.poll(() => names(t.panel), POLL).toEqual(['bp-third-session']);
      await expect.poll(() => rows(t.panel), POLL).toEqual(['bp-third-session:stuck']);
      // The new session's wait is aged from its own park, not from the first session's.
      expect(seconds(await cell(t.panel, 'bp-third-session', '.col-wait'))).toBeLessThan(8);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});

describe('hundreds of channels', () => {
  it('400 channels: all counted, stuck ones first, sortable by occupancy and name, filterable, scrollable to the end', async () => {
    const t = await inspect(env, `${FIX}/many.html`, { threshold: '1' });
    try {
      await expect.poll(() => status(t.panel), POLL).toMatch(/^400 channels · 30 stuck/);
      const first = await rows(t.panel);
      expect(first.length).toBeGreaterThan(5);
      expect(first.length).toBeLessThan(100); // only the rows in view are built
      expect(first.slice(0, 5).every((r) => r.startsWith('bp-stuck-') && r.endsWith(':stuck'))).toBe(true);
      // Sort by occupancy: within the idle rows, 9/10 first.
      await t.panel.click('[data-sort="occupancy"]');
      await t.panel.fill('#filter', 'bp-idle');
      await expect.poll(() => status(t.panel), POLL).toMatch(/400 channels · 30 stuck · 360 shown/);
      const occupancies = await t.panel.$$eval('.row .col-occupancy .occupancy-text', (list) =>
        list.map((n) => Number(n.textContent?.split('/')[0])),
      );
      expect(occupancies.length).toBeGreaterThan(5);
      expect(occupancies.every((n) => n === 9)).toBe(true);
      // Scroll to the end: the emptiest rows are built there.
      await t.panel.locator('#viewport').evaluate((v) => {
        v.scrollTop = v.scrollHeight;
      });
      await expect
        .poll(
          () =>
            t.panel.$$eval('.row .col-occupancy', (list) =>
              list.map((n) => n.querySelector('.occupancy-text')?.textContent ?? ''),
            ),
          POLL,
        )
        .toContain('0 / 10');
      // Sort by name reads as people count: bp-idle-2 before bp-idle-10.
      await t.panel.locator('#viewport').evaluate((v) => {
        v.scrollTop = 0;
      });
      await t.panel.click('[data-sort="name"]');
      await expect
        .poll(async () => (await names(t.panel)).slice(0, 4), POLL)
        .toEqual(['bp-idle-0', 'bp-idle-1', 'bp-idle-2', 'bp-idle-3']);
      // The panel's counts agree with snapshot().
      const snap = (await t.page.evaluate(() => (window as unknown as BpWindow).bp.snapshot?.())) as {
        channels: unknown[];
      };
      expect(snap.channels).toHaveLength(400);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});

describe('sorting by the Pushers or Pullers column', () => {
  it('clicking Pushers ranks the channels with the most parked pushes first (and marks only Pushers sorted)', async () => {
    // A threshold of 10 min: every wait is "waiting", one state, so only the sort orders them.
    const t = await inspect(env, `${FIX}/sortq.html`, { threshold: '600' });
    try {
      await expect.poll(async () => (await names(t.panel)).length, POLL).toBe(3);
      await t.panel.click('.th.col-pushers');
      await expect.poll(() => t.panel.locator('.th.col-pushers').getAttribute('aria-sort'), POLL).toBe('descending');
      // Pushers and Pullers shared one sort key, parked pushes + pulls, so the channel with three
      // parked pulls and no push came first, and both headers said they were the sort (BP-inspector-2).
      expect(await names(t.panel)).toEqual(['bp-q-two-pushes', 'bp-q-one-push', 'bp-q-three-pulls']);
      expect(await t.panel.locator('.th.col-pullers').getAttribute('aria-sort')).toBe('none');
      await t.panel.click('.th.col-pullers');
      await expect.poll(() => t.panel.locator('.th.col-pullers').getAttribute('aria-sort'), POLL).toBe('descending');
      expect((await names(t.panel))[0]).toBe('bp-q-three-pulls');
      expect(await t.panel.locator('.th.col-pushers').getAttribute('aria-sort')).toBe('none');
    } finally {
      await t.done();
    }
  });
});

describe('frames and Workers', () => {
  it('the page, its relayed Worker, a same-origin frame, a cross-origin frame and the Worker it relays each show, tagged', async () => {
    const t = await inspect(env, `${FIX}/frames.html`, { threshold: '1' });
    try {
      await t.panel.setViewportSize({ width: 1600, height: 900 });
      const want = ['bp-cross-stuck', 'bp-same-stuck', 'bp-top-stuck', 'bp-worker-cross', 'bp-worker-top'];
      await expect.poll(async () => (await names(t.panel)).sort(), POLL).toEqual(want);
      await expect.poll(async () => (await rows(t.panel)).filter((r) => r.endsWith(':stuck')).length, POLL).toBe(5);
      const frameOf = async (name: string) => (await text(row(t.panel, name).locator('.col-frame')))?.trim();
      const labels = Object.fromEntries(await Promise.all(want.map(async (n) => [n, await frameOf(n)])));
      expect(labels['bp-top-stuck']).toBe('top');
      expect(labels['bp-worker-top']).toMatch(/^top › worker bp-worker\.js$/);
      expect(labels['bp-same-stuck']).toMatch(/frame\.html/);
      expect(labels['bp-cross-stuck']).toMatch(/^localhost.*frame\.html/);
      expect(labels['bp-worker-cross']).toMatch(/^localhost.*› worker bp-worker\.js$/);
      // Only the top frame is `top`.
      expect(
        Object.entries(labels)
          .filter(([, label]) => label === 'top')
          .map(([n]) => n),
      ).toEqual(['bp-top-stuck']);
      expect(await status(t.panel)).toMatch(/5 channels · 5 stuck · 3 frames · 2 workers/);
      // The same-origin frame navigates: its old rows go, the new document's come.
      await t.page.evaluate(() => (window as unknown as BpWindow).bp.navigateSame?.());
      await expect
        .poll(async () => (await names(t.panel)).sort(), POLL)
        .toEqual(['bp-cross-stuck', 'bp-same-second', 'bp-top-stuck', 'bp-worker-cross', 'bp-worker-top']);
      // The page terminates its Worker: its rows go (relayDebug wraps terminate()).
      await t.page.evaluate(() => (window as unknown as BpWindow).bp.terminateWorker?.());
      await expect
        .poll(async () => (await names(t.panel)).sort(), POLL)
        .toEqual(['bp-cross-stuck', 'bp-same-second', 'bp-top-stuck', 'bp-worker-cross']);
      // Clear: the page, its frames and both Workers re-post their current state.
      await t.panel.click('#clear');
      await expect
        .poll(async () => (await names(t.panel)).sort(), POLL)
        .toEqual(['bp-cross-stuck', 'bp-same-second', 'bp-top-stuck', 'bp-worker-cross']);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });

  it('back/forward cache: the page, its frames and its Workers come back in the open panel', async () => {
    const t = await inspect(env, `${FIX}/frames.html`, { threshold: '1' });
    try {
      const want = ['bp-cross-stuck', 'bp-same-stuck', 'bp-top-stuck', 'bp-worker-cross', 'bp-worker-top'];
      await expect.poll(async () => (await names(t.panel)).sort(), POLL).toEqual(want);
      await t.page.goto(`${env.server.origin}/inspector-extension/test/audit-bp/fixtures/keys.html`);
      await expect
        .poll(async () => (await names(t.panel)).sort(), POLL)
        .toEqual(['bp-key-empty', 'bp-key-full', 'bp-key-half', 'bp-key-stuck']);
      await t.page.goBack({ waitUntil: 'commit' }); // a page restored from the cache fires no load
      await t.page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
      const restored = await t.page.evaluate(
        () => (window as unknown as { restoredFromCache?: boolean }).restoredFromCache,
      );
      await expect.poll(async () => (await names(t.panel)).sort(), POLL).toEqual(want);
      await expect.poll(async () => (await rows(t.panel)).filter((r) => r.endsWith(':stuck')).length, POLL).toBe(5);
      // The page really came from the cache (not reloaded): its pageshow said `persisted`.
      expect(restored).toBe(true);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  }, 90_000);
});
