// Takes the README's screenshots of the Channels panel: a crawler whose database writer is
// stuck (test/fixtures/demo.html) — with a leaked push first, the stuck writer, the supervisor's
// select, and a keyboard loop that is only waiting for input — with the stuck row expanded to
// show where it waits: screenshot.png (light theme), screenshot-dark.png (dark theme), and
// screenshot-docked.png (550 px wide, as in docked DevTools). Same setup as the end-to-end
// test: headless Chromium, the built extension, the panel opened as a tab.
//
//   node inspector-extension/screenshot.mjs      (or: npm run screenshot)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, fixturesPath, launchWithExtension, loadFixture, newTab, startServer } from './test/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const extensionDir = await buildAll();
const server = await startServer();
const browser = await launchWithExtension(extensionDir, { viewport: { width: 1280, height: 480 } });
try {
  const { context, extensionId } = browser;
  const { page, tabId } = await newTab(context, browser.serviceWorker);
  // Open the panel first, so that it records the page's history (its sparklines) from the start.
  const panel = await context.newPage();
  await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
  await loadFixture(page, `${server.origin}${fixturesPath}/demo.html`);
  // The leak shows once its channel is collected; the writer parked as the page loaded, and at
  // the default threshold (5 s) its row turns stuck.
  const leaked = panel.locator('.row.leaked').filter({ hasText: 'http/retries' });
  for (let i = 0; i < 50 && (await leaked.count()) === 0; i++) {
    await page.evaluate(() => /** @type {any} */ (window).collect());
    await panel.waitForTimeout(100);
  }
  await leaked.waitFor({ timeout: 15_000 });
  const stuck = panel.locator('.row.stuck').filter({ hasText: 'db/replies' });
  await stuck.waitFor({ timeout: 15_000 });
  await panel.locator('.row.stuck').filter({ hasText: 'select:' }).waitFor({ timeout: 15_000 });
  await stuck.locator('.caret').click();
  await panel.mouse.move(0, 479); // no hover highlight
  await panel.locator('.details').waitFor();
  await panel.bringToFront();
  await panel.screenshot({ path: join(here, 'screenshot.png') });
  await panel.emulateMedia({ colorScheme: 'dark' });
  await panel.waitForFunction(() => document.documentElement.classList.contains('theme-dark'));
  await panel.screenshot({ path: join(here, 'screenshot-dark.png') });
  await panel.emulateMedia({ colorScheme: 'light' });
  await panel.waitForFunction(() => !document.documentElement.classList.contains('theme-dark'));
  await panel.setViewportSize({ width: 550, height: 520 });
  await panel.mouse.move(0, 519);
  await panel.waitForTimeout(200);
  await panel.screenshot({ path: join(here, 'screenshot-docked.png') });
  console.log(`Wrote ${join(here, 'screenshot.png')}, screenshot-dark.png and screenshot-docked.png`);
} finally {
  await browser.close();
  await server.close();
}
