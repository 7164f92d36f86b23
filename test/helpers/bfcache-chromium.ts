/**
 * The setup of the Chromium tests of the back/forward cache: test/port/'s server, serving the
 * pages `storable` accepts without `no-store`, and a headless Chromium launched without
 * Playwright's `--disable-back-forward-cache` — once for the file that calls
 * {@link useBfcacheChromium}, and closed after it.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startServer } from '../port/server.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

/** The server and the browser, set once the `beforeAll` hook has run. */
export interface BfcacheChromium {
  server: { port: number; close(): Promise<void> };
  browser: Browser;
}

/** Registers the hooks; read `server` and `browser` from the result inside tests. */
export function useBfcacheChromium(storable: (url: string) => boolean): BfcacheChromium {
  const env = {} as BfcacheChromium;
  beforeAll(async () => {
    env.server = await startServer({ storable });
    env.browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    });
  }, 30_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
