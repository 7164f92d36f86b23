// Writes examples/browser/screenshot.png: the page after a little of each demo — a search with
// an aborted request, a pointer sweep, a parked pull, and a job run caught mid-way, with its
// buffer full and producers waiting. Serves the repository root itself (it
// builds dist/ first only when it is missing; `npm start` always builds).
//
//   node examples/browser/screenshot.mjs
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/helpers/chromium.mjs';
import { build, root, start } from './serve.mjs';

const output = fileURLToPath(new URL('./screenshot.png', import.meta.url));
if (!existsSync(`${root}/dist/index.js`)) build();

const server = await start({ port: 0 });
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [...CHROMIUM_ARGS],
});
try {
  const page = await browser.newPage({ viewport: { width: 1240, height: 980 }, deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.waitForFunction(() => window.demo !== undefined);

  // 4: a parked pull (first, so that it has been waiting a while when the picture is taken).
  await page.click('#stuck-park');

  // 1: a query typed in two bursts, so that the first request is aborted.
  await page.click('#search-box');
  await page.keyboard.type('cha', { delay: 40 });
  await page.waitForFunction(() => window.demo.search.inFlight !== null);
  await page.keyboard.type('nnel', { delay: 40 });

  // 2: a pointer sweep across the pad.
  const pad = await page.locator('#pointer-pad').boundingBox();
  for (let i = 0; i <= 80; i++) {
    await page.mouse.move(pad.x + 20 + i * ((pad.width - 80) / 80), pad.y + 90 + Math.sin(i / 8) * 60);
  }

  await page.waitForFunction(() => window.demo.search.renderedQuery === 'channel', null, { timeout: 10_000 });

  // 3: a job run, caught in the middle: the buffer full and producers parked on push.
  await page.click('#jobs-run');
  await page.waitForFunction(() => window.demo.jobs.done >= 6, null, { timeout: 10_000 });
  await page.waitForFunction(
    () =>
      document.querySelectorAll('#jobs-bar .full').length === 5 &&
      document.querySelector('#jobs-waiting').textContent !== '0',
    null,
    { timeout: 10_000, polling: 'raf' },
  );
  await page.screenshot({ path: output, fullPage: true });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
  await server.close();
}
