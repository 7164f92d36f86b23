/**
 * Opens a folder of static files in headless Chromium, as a newcomer's page without a bundler
 * would be served: `index.html` from a throwaway HTTP server on 127.0.0.1 (only files inside the
 * folder; `.html`, `.js` and `.map` with their content types). The page writes its results as
 * JSON into `#out`; what comes back is that JSON, parsed, and every problem the page had — a page
 * error, a `console.error`, an HTTP status of 400 or more — so that a test asserts both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.map': 'application/json',
};

/** Serves `dir`, loads its `index.html`, waits (15 s at most) for `#out`, and stops everything. */
export async function openStaticPage(dir: string): Promise<{ out: unknown; problems: string[] }> {
  const server = createServer((request, response) => {
    const file = normalize(join(dir, new URL(request.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir + sep) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== '', null, { timeout: 15_000 });
    return { out: JSON.parse((await page.textContent('#out')) ?? ''), problems };
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
