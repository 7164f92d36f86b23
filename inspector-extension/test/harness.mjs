// What the end-to-end test and screenshot.mjs share: build the library and the extension, serve
// the repository root on 127.0.0.1, and run Debian's Chromium headless with the extension loaded.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/helpers/chromium.mjs';
import { build } from '../build.mjs';

/** The repository root (served over HTTP, so that fixtures can import /dist/*.js). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Path of the fixtures, as URLs on the server. */
export const fixturesPath = '/inspector-extension/test/fixtures';

/** Builds the library's dist/ if it is missing, then the extension; returns the Chrome build's folder. */
export async function buildAll() {
  if (!existsSync(join(repoRoot, 'dist/index.js')) || !existsSync(join(repoRoot, 'dist/debug.js'))) {
    execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  }
  return (await build()).chrome;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.css': 'text/css' };

/**
 * Serves the repository root on 127.0.0.1, on a random port.
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function startServer() {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = resolve(repoRoot, `.${path}`);
    if (!file.startsWith(repoRoot + sep) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    // A file without an extension is a page too (fixtures/top: a frame whose path ends in /top).
    const type = TYPES[/** @type {keyof typeof TYPES} */ (extname(file) || '.html')] ?? 'application/octet-stream';
    // `no-cache` (revalidate every time), not `no-store`: a no-store page is never put in the
    // back/forward cache, and the end-to-end test needs the cache.
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' }).end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', () => done(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done(undefined));
      }),
  };
}

/**
 * Headless Chromium with the unpacked extension, in a fresh profile. With the back/forward
 * cache on (Playwright turns it off by default; a test of it must not) and `gc()` exposed to
 * pages (`--js-flags=--expose-gc`), so that a page can make its abandoned channels collectable
 * on demand.
 * @param {string} extensionDir
 * @param {{ colorScheme?: 'light' | 'dark', viewport?: { width: number, height: number } }} [options]
 */
export async function launchWithExtension(extensionDir, options = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'chanasync-inspector-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 720 },
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--js-flags=--expose-gc',
      ...CHROMIUM_ARGS,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    extensionId,
    /** The extension's service worker now (a new one after a restart). */
    serviceWorker: async () => context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker')),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a new, blank tab and finds its id: the id that `tabs.query` lists after opening and not
 * before (without the "tabs" permission, the extension cannot see tab URLs).
 * @param {import('playwright-core').BrowserContext} context
 * @param {() => Promise<import('playwright-core').Worker>} serviceWorker
 */
export async function newTab(context, serviceWorker) {
  const tabIds = async () =>
    (await serviceWorker()).evaluate(async () => {
      /** @type {{ tabs: { query(filter: object): Promise<{ id: number }[]> } }} */
      const chrome = /** @type {any} */ (globalThis).chrome;
      return (await chrome.tabs.query({})).map((tab) => tab.id);
    });
  const before = new Set(await tabIds());
  const page = await context.newPage();
  const tabId = (await tabIds()).find((id) => !before.has(id));
  if (tabId === undefined) throw new Error('could not find the new tab');
  return { page, tabId };
}

/**
 * Loads a fixture page and waits until it says it is ready (`window.fixtureReady`).
 * @param {import('playwright-core').Page} page
 * @param {string} url
 */
export async function loadFixture(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => /** @type {any} */ (window).fixtureReady === true);
}
