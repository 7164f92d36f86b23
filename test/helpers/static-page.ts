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
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.map': 'application/json',
};

/**
 * Collects what went wrong in `page` as lines: page errors, `console.error`s and (unless
 * `http: false`) responses with a status of 400 or more, each line starting with `prefix`.
 * Into `into` when given (several pages of one test), else a new array; returns the array.
 */
export function collectProblems(
  page: Page,
  { into = [], prefix = '', http = true }: { into?: string[]; prefix?: string; http?: boolean } = {},
): string[] {
  page.on('pageerror', (error) => into.push(`${prefix}pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') into.push(`${prefix}console.error: ${message.text()}`);
  });
  if (http) {
    page.on('response', (response) => {
      if (response.status() >= 400) into.push(`${prefix}HTTP ${response.status()} ${response.url()}`);
    });
  }
  return into;
}

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
    const problems = collectProblems(page);
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== '', null, { timeout: 15_000 });
    return { out: JSON.parse((await page.textContent('#out')) ?? ''), problems };
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
