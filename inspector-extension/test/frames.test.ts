/**
 * Debug mode in frames whose document has no URL of its own — an `about:srcdoc` iframe, as
 * playgrounds use for their previews — in Debian's Chromium with the built extension: the
 * content script must run there too (`match_about_blank`), or such a frame's channels never
 * reach the panel.
 */
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { useExtensionBrowser } from './extension-browser.js';
import { fixturesPath, loadFixture, newTab } from './harness.mjs';

const env = useExtensionBrowser();

test("a srcdoc iframe's channels reach the panel, tagged with their frame", async () => {
  const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
  await loadFixture(page, `${env.server.origin}${fixturesPath}/srcdoc.html`);
  const panel: Page = await env.browser.context.newPage();
  await panel.goto(`chrome-extension://${env.browser.extensionId}/panel.html?tabId=${tabId}`);
  const row = panel
    .locator('.row')
    .filter({ has: panel.locator('.name-text').getByText('srcdoc-channel', { exact: true }) });
  await expect.poll(() => row.count(), { timeout: 10_000, interval: 50 }).toBe(1);
  expect(await row.locator('.occupancy-text').textContent()).toBe('1 / 2');
  expect(await row.locator('.frame-chip').textContent()).toBe('srcdoc');
});
