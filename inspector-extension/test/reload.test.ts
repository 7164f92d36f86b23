/**
 * In Chromium with the built extension: reloading the extension (an update, or a developer's
 * reload) leaves the open tabs' content scripts running as orphans that can reach no one. The
 * page's debug mode, which an open panel had told `hello`, must be told `bye` by its orphaned
 * content script and stop posting snapshots (before, it kept posting for nobody until reloaded).
 */
import { describe, expect, test } from 'vitest';
import { useExtensionBrowser } from './extension-browser.js';
import { fixturesPath, loadFixture, newTab } from './harness.mjs';

interface FixtureWindow {
  postedSnapshots: number;
  inspectorSaid: ('hello' | 'bye')[];
  fixture: { create(name: string, capacity: number): void };
}

const POLL = { timeout: 15_000, interval: 50 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const env = useExtensionBrowser();

describe('reloading the extension under an inspected page', () => {
  test('the orphaned content script tells a quiet page bye, and the page stops posting snapshots', async () => {
    const { context, extensionId, serviceWorker } = env.browser;
    const { page, tabId } = await newTab(context, serviceWorker);
    await loadFixture(page, `${env.server.origin}${fixturesPath}/page.html`);
    const said = () => page.evaluate(() => (window as unknown as FixtureWindow).inspectorSaid.at(-1));
    const posted = () => page.evaluate(() => (window as unknown as FixtureWindow).postedSnapshots);
    const panel = await context.newPage();
    await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
    await expect.poll(said, POLL).toBe('hello');
    await expect.poll(posted, POLL).toBeGreaterThan(0);

    const worker = await serviceWorker();
    await worker
      .evaluate(() => (globalThis as unknown as { chrome: { runtime: { reload(): void } } }).chrome.runtime.reload())
      .catch(() => {});
    // A quiet page (it posts only on change) is told too: the port's disconnect is enough.
    await expect.poll(said, POLL).toBe('bye');

    // The page changes, as pages do: a connected debug mode would post a snapshot within 100 ms.
    const before = await posted();
    for (let i = 0; i < 5; i++) {
      await page.evaluate((n) => (window as unknown as FixtureWindow).fixture.create(`later-${n}`, 1), i);
      await sleep(150);
    }
    expect(await posted()).toBe(before);
  }, 60_000);
});
