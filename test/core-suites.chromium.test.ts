/**
 * The Node suite in real Chromium: the 28 files of test/ that run unchanged in a browser page
 * (test/helpers/page-suites.ts, the same files Firefox runs in test/core.firefox.test.ts), each
 * in a fresh document of headless Chromium (Debian's, through playwright-core), where
 * `AbortSignal`, `EventTarget`, `MessagePort`, streams and timers are Blink's own and not Node's.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.mjs';
import { buildPageSuites, PAGE_SUITES, SINK_FRAME, skipsIn } from './helpers/page-suites.js';

/** The page the files run in. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>the Node suite in Chromium</title>
<script>${SINK_FRAME}</script>`;

/** What the shim's `runRegisteredTests` reports, or the error that kept the file from running. */
interface Report {
  passed: string[];
  failed: { name: string; error: string }[];
  unsupported: string[];
  skipped: string[];
  error?: string;
}

describe.skipIf(!existsSync(CHROMIUM_PATH))('the Node suite in Chromium', () => {
  const files = new Map<string, string>([['/page.html', PAGE]]);
  let server: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    for (const [path, text] of await buildPageSuites()) files.set(path, text);
    server = createServer((request, response) => {
      const text = files.get(new URL(request.url ?? '/', 'http://x').pathname);
      if (text === undefined) return void response.writeHead(404).end();
      const type = request.url?.endsWith('.html') ? 'text/html' : 'text/javascript';
      response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  const cases = PAGE_SUITES.map((suite) => [suite.file, skipsIn(suite, 'chromium')] as const);
  test.each(cases)(
    'every test of test/%s that can run in a page passes in Chromium',
    async (file, skip: Record<string, string>) => {
      pageErrors.length = 0;
      await page.goto(`${origin}/page.html`); // a fresh document per file
      // A string, not a function: vitest would rewrite a function's `import()` for Node.
      const url = `/suites/${file.replace(/\.ts$/, '.js')}`;
      const report = (await page.evaluate(`import(${JSON.stringify(url)}).then(
        (suite) => suite.runRegisteredTests((name) => !${JSON.stringify(Object.keys(skip))}.includes(name)),
      ).catch((error) => ({ passed: [], failed: [], unsupported: [], skipped: [], error: String(error) }))`)) as Report;
      expect(report.error).toBeUndefined();
      expect(report.failed).toEqual([]);
      expect(report.passed.length).toBeGreaterThan(0);
      expect(report.skipped.filter((name) => name in skip).sort()).toEqual(Object.keys(skip).sort()); // no stale skip
      expect(pageErrors).toEqual([]);
    },
    120_000,
  );
});
