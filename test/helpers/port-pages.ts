/**
 * What the Chromium tests of `chanasync/port` share: test/port/'s server and one headless
 * Chromium for the file, pages that load chanasync as `window.lib`, closed after each test, and
 * the check that no page threw an uncaught error.
 *
 * A test file calls {@link usePortPages} once, at its top level, and opens pages with the
 * `open` it returns.
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startServer } from '../port/server.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';
// test/port/page.html's own globals (`window.lib`, `nextReport`, `spawn`, `errors`, …) are typed there.
import type {} from './port-scenarios.js';

declare global {
  interface Window {
    /** Set once `lib` is loaded. */
    ready: boolean;
    /** A blob URL of a module script that imports chanasync as `lib`, then runs `code` (see `open`). */
    script: (code: string) => string;
    /** A module Worker running {@link Window.script}'s `code`, and the messages of its `error` events. */
    spawnScript: (code: string) => { worker: Worker; errors: string[] };
    /**
     * Streams 0..count-1 (awaiting `pace(i)` after each push, if given) from a new channel of
     * `capacity` to a {@link Window.spawnScript} Worker of `code`, as stream `name`; resolves with
     * `toPort`'s result, the Worker's report and its errors once it reported, and terminates it.
     */
    streamToWorker: (
      code: string,
      options: { name: string; capacity: number; count: number; pace?: (i: number) => Promise<void> | void },
    ) => Promise<{ result: any; r: any; workerErrors: string[] }>;
  }
}

/** Where to open a page: on which host, in which browser context. */
export interface OpenOptions {
  /** The page's host (default `127.0.0.1`; `localhost` is another origin). */
  host?: string;
  /** A browser context to open it in (pages that share a SharedWorker); default: one of its own. */
  context?: BrowserContext;
}

/** What {@link usePortPages} gives a test file. */
export interface PortPages {
  /**
   * Opens test/port/page.html once chanasync is loaded, with `window.script`,
   * `window.spawnScript` and `window.streamToWorker` defined; closed after the test.
   */
  open(options?: OpenOptions): Promise<Page>;
  /** The server's port (pages on 127.0.0.1 and localhost are two origins of it). */
  port(): number;
  /** The browser, for contexts of a test's own. */
  browser(): Browser;
}

/** Registers the hooks that start and stop the server and the browser; returns `open`. */
export function usePortPages(): PortPages {
  let server: { port: number; close(): Promise<void> };
  let browser: Browser;
  const pages: Page[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(async () => {
    for (const page of pages.splice(0)) if (!page.isClosed()) await page.close();
    expect(pageErrors.splice(0)).toEqual([]);
  });

  return {
    async open({ host = '127.0.0.1', context } = {}) {
      const page = await (context ?? browser).newPage();
      pages.push(page);
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      await page.goto(`http://${host}:${server.port}/page.html`);
      await page.waitForFunction(() => window.ready === true);
      await page.evaluate(() => {
        window.script = (code) =>
          URL.createObjectURL(
            new Blob([`import * as lib from '${location.origin}/lib.js';\n${code}`], { type: 'text/javascript' }),
          );
        window.spawnScript = (code) => {
          const worker = new Worker(window.script(code), { type: 'module' });
          const errors: string[] = [];
          worker.addEventListener('error', (event) => errors.push(event.message));
          return { worker, errors };
        };
        window.streamToWorker = async (code, { name, capacity, count, pace }) => {
          const { worker, errors: workerErrors } = window.spawnScript(code);
          const report = window.nextReport(worker);
          const ch = new window.lib.Channel(capacity);
          const sending = window.lib.toPort(ch, worker, { name });
          for (let i = 0; i < count; i++) {
            await ch.push(i);
            const paced = pace?.(i);
            if (paced) await paced;
          }
          ch.close();
          const result = await sending;
          const r = await report;
          worker.terminate();
          return { result, r, workerErrors };
        };
      });
      return page;
    },
    port: () => server.port,
    browser: () => browser,
  };
}
