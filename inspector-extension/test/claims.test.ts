/**
 * Sixth audit, in Debian's Chromium with the unpacked extension: what the docs promise about a
 * page that turns debug mode off (README Reference `disableDebug()`, Semantic details
 * "Inspector: Contexts that stop") — its channels leave the Channels panel instead of staying
 * listed as live and ageing into "stuck", while its leaks stay until Clear. As a panel tab, then
 * once inside the real DevTools. The page is fixtures/claims.js (it loads dist/: built first).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { evaluatorFor, findTarget, showChannelsPanel } from './devtools-targets.js';
import { buildAll, fixturesPath, launchWithExtension, loadFixture, newTab, startServer } from './harness.mjs';
import { row, states } from './panel-rows.js';

const POLL = { timeout: 15_000, interval: 100 };

let server: Awaited<ReturnType<typeof startServer>>;
let browser: Awaited<ReturnType<typeof launchWithExtension>>;
let context: BrowserContext;

const call = (page: Page, name: 'collect' | 'stopDebug') =>
  page.evaluate((fn) => (window as unknown as Record<string, () => Promise<void> | void>)[fn]?.(), name);

beforeAll(async () => {
  const extensionDir = await buildAll();
  server = await startServer();
  browser = await launchWithExtension(extensionDir);
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a page that turns debug mode off leaves the panel: its stuck channel goes, its leak stays until Clear', async () => {
  const { page, tabId } = await newTab(context, browser.serviceWorker);
  const panel = await context.newPage();
  try {
    await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
    await loadFixture(page, `${server.origin}${fixturesPath}/claims.html`);
    await panel.locator('#threshold').fill('0.2');
    await expect.poll(() => row(panel, 'replies').count(), POLL).toBe(1);
    await expect
      .poll(async () => {
        await call(page, 'collect');
        return states(panel);
      }, POLL)
      .toEqual(['orphan:leaked', 'replies:stuck']);
    await call(page, 'stopDebug');
    await expect.poll(() => states(panel), POLL).toEqual(['orphan:leaked']);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a repaint or two later: still gone
    expect(await states(panel)).toEqual(['orphan:leaked']);
    expect(await panel.locator('#status').textContent()).not.toMatch(/stuck/);
    await panel.locator('#clear').click();
    await expect.poll(() => states(panel), POLL).toEqual([]);
  } finally {
    await panel.close();
    await page.close();
  }
});

test('inside the real DevTools, the Channels panel of a page that turned debug mode off lists no channels and does not say debug mode is on', async () => {
  const { page } = await newTab(context, browser.serviceWorker);
  await loadFixture(page, `${server.origin}${fixturesPath}/claims.html?devtools`);
  const cdp = await context.browser()!.newBrowserCDPSession();
  const isPage = (url: string) => url.startsWith(`${server.origin}${fixturesPath}/claims.html?devtools`);
  const pageTarget = (await findTarget(cdp, isPage)) as string;
  await cdp.send('Target.openDevTools', { targetId: pageTarget });
  const isDevtools = (url: string) => url.startsWith('devtools://devtools/bundled/devtools_app');
  await expect.poll(() => findTarget(cdp, isDevtools), POLL).toBeDefined();
  const devtoolsTarget = (await findTarget(cdp, isDevtools)) as string;
  try {
    const devtools = await evaluatorFor(cdp, devtoolsTarget);
    const inPanel = await evaluatorFor(cdp, await showChannelsPanel(cdp, devtools, browser.extensionId, POLL));
    const shown = async () =>
      String(
        await inPanel(`JSON.stringify({
          rows: [...document.querySelectorAll('.row .name-text')].map((cell) => cell.textContent),
          empty: document.querySelector('.empty')?.textContent ?? null,
        })`),
      );
    await expect.poll(async () => JSON.parse(await shown()).rows, POLL).toEqual(['replies']);
    await call(page, 'stopDebug');
    await expect.poll(async () => JSON.parse(await shown()).rows, POLL).toEqual([]);
    const { empty } = JSON.parse(await shown()) as { empty: string | null };
    expect(empty).toContain('No channels yet');
    expect(empty).toContain('disableDebug()');
    expect(empty).not.toContain('Debug mode is on');
  } finally {
    await cdp.send('Target.closeTarget', { targetId: devtoolsTarget });
    await cdp.detach();
    await page.close();
  }
}, 90_000); // DevTools' own window loads slowly on a busy machine (see showChannelsPanel)

// inspector-extension/README.md, the Occupancy column: "A bar of buffered values against the
// capacity: orange at 75 %, red when full, but only for `block` channels (the drop modes never
// block). An unbounded channel shows a hatched bar and its count."
test('the occupancy bar turns orange at 75 % and red when full, only for block channels; an unbounded one is hatched with its count', async () => {
  const { page, tabId } = await newTab(context, browser.serviceWorker);
  const panel = await context.newPage();
  try {
    await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
    await loadFixture(page, `${server.origin}${fixturesPath}/claims-occupancy.html`);
    await expect.poll(() => panel.locator('.row').count(), POLL).toBe(6);
    const bar = async (name: string) =>
      row(panel, name)
        .locator('.col-occupancy')
        .evaluate((cell) => {
          const fill = cell.querySelector('.fill');
          return {
            bar: cell.querySelector('.bar')?.className,
            fill: fill?.className,
            color: fill === null ? null : getComputedStyle(fill).backgroundColor,
            hatched: getComputedStyle(cell.querySelector('.bar') as Element).backgroundImage.includes('gradient'),
            text: cell.querySelector('.occupancy-text')?.textContent,
          };
        });
    const half = await bar('half');
    const high = await bar('three-quarters');
    const full = await bar('full');
    expect(half.fill).toBe('fill');
    expect(high.fill).toBe('fill high');
    expect(full.fill).toBe('fill full');
    // Orange, then red: three colours apart, red the reddest.
    expect(new Set([half.color, high.color, full.color]).size).toBe(3);
    const rgb = (color: string | null | undefined) => (color ?? '').match(/\d+/g)?.map(Number) ?? [];
    const [fullRed = 0, fullGreen = 0] = rgb(full.color);
    const [highRed = 0, highGreen = 0] = rgb(high.color);
    expect(fullRed).toBeGreaterThan(fullGreen);
    expect(highRed).toBeGreaterThan(highGreen);
    expect(highGreen).toBeGreaterThan(fullGreen); // orange has more green than red
    for (const name of ['full-drop-oldest', 'full-drop-newest']) {
      const drop = await bar(name);
      expect(drop.fill).toBe('fill');
      expect(drop.color).toBe(half.color);
      expect(drop.text).toBe('4 / 4');
    }
    const unbounded = await bar('unbounded');
    expect(unbounded.bar).toBe('bar unbounded');
    expect(unbounded.hatched).toBe(true);
    expect(unbounded.text).toBe('5 / ∞');
  } finally {
    await panel.close();
    await page.close();
  }
});

// inspector-extension/README.md, the stuck state: "A wait that nothing explains has lasted the
// threshold (5 s by default; change it in the toolbar, the panel remembers it)."
test('the stuck threshold is 5 s by default, and the panel remembers the one the user sets', async () => {
  const { page, tabId } = await newTab(context, browser.serviceWorker);
  const panel = await context.newPage();
  try {
    await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
    await loadFixture(page, `${server.origin}${fixturesPath}/claims.html?devtools`);
    await expect.poll(() => row(panel, 'replies').count(), POLL).toBe(1);
    // Nothing saved (the first test of this file saved a threshold): the default.
    await panel.evaluate(() => localStorage.clear());
    await panel.reload();
    expect(await panel.locator('#threshold').inputValue()).toBe('5');
    await panel.locator('#threshold').fill('0.3');
    await expect.poll(() => row(panel, 'replies').locator('.col-state').textContent(), POLL).toBe('stuck');
    await panel.reload();
    expect(await panel.locator('#threshold').inputValue()).toBe('0.3');
    await expect.poll(() => row(panel, 'replies').locator('.col-state').textContent(), POLL).toBe('stuck');
  } finally {
    await panel.evaluate(() => localStorage.clear());
    await panel.close();
    await page.close();
  }
});

// Semantic details, "Only to its own target": "a parent or child window, same-origin or not,
// receives none of a frame's snapshots" (the cross-origin parent is in peer-bugs.test.ts).
test('a same-origin parent and its child frame, both with debug mode and inspected, receive none of each other’s messages', async () => {
  const { page, tabId } = await newTab(context, browser.serviceWorker);
  const panel = await context.newPage();
  try {
    await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
    await loadFixture(page, `${server.origin}${fixturesPath}/claims-frames.html`);
    await expect
      .poll(async () => (await panel.locator('.row .name-text').allTextContents()).sort(), POLL)
      .toEqual(['child-channel', 'parent-channel']);
    const child = page.frames().find((frame) => frame.url().endsWith('claims-frames.html?child'));
    expect(child).toBeDefined();
    await child?.evaluate(() =>
      (window as unknown as { channel: { pushNowait(v: number): void } }).channel.pushNowait(2),
    );
    await expect.poll(() => panel.locator('.row .occupancy-text').allTextContents(), POLL).toContain('2 / 2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.evaluate(() => (window as unknown as { heard: unknown[] }).heard)).toEqual([]);
    expect(await child?.evaluate(() => (window as unknown as { heard: unknown[] }).heard)).toEqual([]);
  } finally {
    await panel.close();
    await page.close();
  }
});

// inspector-extension/README.md: "Pause freezes the table while snapshots keep arriving;
// _Resume_ catches up."
test('Pause freezes the table while the page changes, and Resume shows the latest state at once', async () => {
  const { page, tabId } = await newTab(context, browser.serviceWorker);
  const panel = await context.newPage();
  try {
    await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
    await loadFixture(page, `${server.origin}${fixturesPath}/claims-occupancy.html`);
    const half = () => row(panel, 'half').locator('.occupancy-text').textContent();
    await expect.poll(half, POLL).toBe('2 / 4');
    await panel.locator('#pause').click();
    expect(await panel.locator('#pause').textContent()).toBe('Resume');
    await page.evaluate(() =>
      (window as unknown as { channels: { pushNowait(v: number): void }[] }).channels[0]?.pushNowait(9),
    );
    await new Promise((resolve) => setTimeout(resolve, 600)); // several of the page's 100 ms intervals
    expect(await half()).toBe('2 / 4');
    await panel.locator('#pause').click();
    await expect.poll(half, { timeout: 5000, interval: 50 }).toBe('3 / 4'); // from the snapshot it already has
    expect(await panel.locator('#pause').textContent()).toBe('Pause');
  } finally {
    await panel.close();
    await page.close();
  }
});

// inspector-extension/README.md: "The panel follows DevTools' light or dark theme. Opened as a
// plain tab, it follows the system's theme instead."
test('the panel opened as a tab follows the system’s theme, also when it changes', async () => {
  const panel = await context.newPage();
  try {
    await panel.emulateMedia({ colorScheme: 'dark' });
    await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=1`);
    const dark = () => panel.evaluate(() => document.documentElement.classList.contains('theme-dark'));
    expect(await dark()).toBe(true);
    await panel.emulateMedia({ colorScheme: 'light' });
    await expect.poll(dark, POLL).toBe(false);
    const background = () => panel.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await panel.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(dark, POLL).toBe(true);
    expect(await background()).not.toBe(light);
  } finally {
    await panel.close();
  }
});
