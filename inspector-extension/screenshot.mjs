// Takes the README's screenshots of the Channels panel: a crawler whose database writer is
// stuck (test/fixtures/demo.html), with the stuck row expanded to show where it waits —
// screenshot.png in the light theme, screenshot-dark.png in the dark one. Same setup as the
// end-to-end test: headless Chromium, the built extension, the panel opened as a tab.
//
//   node inspector-extension/screenshot.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, fixturesPath, launchWithExtension, loadFixture, newTab, startServer } from './test/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const extensionDir = await buildAll();
const server = await startServer();
const browser = await launchWithExtension(extensionDir, { viewport: { width: 1280, height: 440 } });
try {
  const { context, extensionId } = browser;
  const { page, tabId } = await newTab(context, browser.serviceWorker);
  // Open the panel first, so that it records the page's history (its sparklines) from the start.
  const panel = await context.newPage();
  await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
  await loadFixture(page, `${server.origin}${fixturesPath}/demo.html`);
  // The writer parked as the page loaded; at the default threshold (5 s) its row turns stuck.
  const stuck = panel.locator('.row.stuck').filter({ hasText: 'db/replies' });
  await stuck.waitFor({ timeout: 15_000 });
  await stuck.locator('.caret').click();
  await panel.mouse.move(0, 439); // no hover highlight
  await panel.locator('.details').waitFor();
  await panel.bringToFront();
  await panel.screenshot({ path: join(here, 'screenshot.png') });
  await panel.emulateMedia({ colorScheme: 'dark' });
  await panel.waitForFunction(() => document.documentElement.classList.contains('theme-dark'));
  await panel.screenshot({ path: join(here, 'screenshot-dark.png') });
  console.log(`Wrote ${join(here, 'screenshot.png')} and screenshot-dark.png`);
} finally {
  await browser.close();
  await server.close();
}
