/**
 * The setup the extension's Chromium tests share: build the library and the extension, serve
 * the repository, launch Chromium with the unpacked extension — once for the file or `describe`
 * block that calls {@link useExtensionBrowser} — and close both after it.
 */
import { afterAll, beforeAll } from 'vitest';
import { buildAll, launchWithExtension, startServer } from './harness.mjs';

/** The fixture server and the browser, set once the `beforeAll` hook has run. */
export interface ExtensionBrowser {
  server: Awaited<ReturnType<typeof startServer>>;
  browser: Awaited<ReturnType<typeof launchWithExtension>>;
}

/** Registers the hooks; read `server` and `browser` from the result inside tests. */
export function useExtensionBrowser(): ExtensionBrowser {
  const env = {} as ExtensionBrowser;
  beforeAll(async () => {
    const extensionDir = await buildAll();
    env.server = await startServer();
    env.browser = await launchWithExtension(extensionDir);
  }, 60_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
