/**
 * Audit AY: the extension's Chromium harness (harness.mjs) without a build: the library's dist/
 * and inspector-extension/dist/chrome are used as they are.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { launchWithExtension, repoRoot, startServer } from '../harness.mjs';

export interface AyBrowser {
  server: Awaited<ReturnType<typeof startServer>>;
  browser: Awaited<ReturnType<typeof launchWithExtension>>;
}

export function useBuiltExtension(): AyBrowser {
  const env = {} as AyBrowser;
  beforeAll(async () => {
    env.server = await startServer();
    env.browser = await launchWithExtension(join(repoRoot, 'inspector-extension/dist/chrome'));
  }, 60_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
