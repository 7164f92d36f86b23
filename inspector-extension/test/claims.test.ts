/**
 * Sixth audit, in Debian's Chromium with the unpacked extension: what the docs promise about a
 * page that turns debug mode off (README Reference `disableDebug()`, Semantic details
 * "Inspector: Contexts that stop") — its channels leave the Channels panel instead of staying
 * listed as live and ageing into "stuck", while its leaks stay until Clear. As a panel tab, then
 * once inside the real DevTools. The page is fixtures/claims.js (it loads dist/: built first).
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { evaluatorFor, findTarget } from './devtools-targets.js';
import { buildAll, fixturesPath, launchWithExtension, loadFixture, newTab, startServer } from './harness.mjs';

const POLL = { timeout: 15_000, interval: 100 };

let server: Awaited<ReturnType<typeof startServer>>;
let browser: Awaited<ReturnType<typeof launchWithExtension>>;
let context: BrowserContext;

/** Each rendered row as `label:state`, in the panel's order. */
const states = (view: Page) =>
  view.$$eval('.row', (rows) =>
    rows.map((r) => `${r.querySelector('.name-text')?.textContent}:${r.querySelector('.col-state')?.textContent}`),
  );

/** The row of the channel labelled `name`. */
function row(view: Page, name: string): Locator {
  return view.locator('.row').filter({ has: view.locator('.name-text').getByText(name, { exact: true }) });
}

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
    const panelKey = `chrome-extension://${browser.extensionId}Channels`;
    const isPanel = (url: string) => url.endsWith('/panel.html');
    await expect
      .poll(async () => {
        await devtools(`InspectorFrontendAPI.showPanel(${JSON.stringify(panelKey)})`);
        return findTarget(cdp, isPanel);
      }, POLL)
      .toBeDefined();
    const inPanel = await evaluatorFor(cdp, (await findTarget(cdp, isPanel)) as string);
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
});
