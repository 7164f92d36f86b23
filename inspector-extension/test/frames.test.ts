/**
 * Debug mode in frames whose document has no URL of its own — an `about:srcdoc` iframe, as
 * playgrounds use for their previews — in Debian's Chromium with the built extension: the
 * content script must run there too (`match_about_blank`), or such a frame's channels never
 * reach the panel.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildAll, fixturesPath, launchWithExtension, loadFixture, newTab, startServer } from './harness.mjs';

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

test("a srcdoc iframe's channels reach the panel, tagged with their frame", async () => {
  const { page, tabId } = await newTab(browser.context, browser.serviceWorker);
  await loadFixture(page, `${server.origin}${fixturesPath}/srcdoc.html`);
  const panel: Page = await browser.context.newPage();
  await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
  const row = panel
    .locator('.row')
    .filter({ has: panel.locator('.name-text').getByText('srcdoc-channel', { exact: true }) });
  await expect.poll(() => row.count(), { timeout: 10_000, interval: 50 }).toBe(1);
  expect(await row.locator('.occupancy-text').textContent()).toBe('1 / 2');
  expect(await row.locator('.frame-chip').textContent()).toBe('srcdoc');
});
