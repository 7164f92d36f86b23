/**
 * Audit i: the scenarios of ./scenarios.ts (a Worker that blocks its event loop for longer than
 * the heartbeat timeout, as a receiver and as a sender; a Worker terminated with transferred
 * ArrayBuffers in flight) in Firefox: Debian's firefox-esr, headless, driven through Marionette
 * (test/helpers/firefox.ts), on test/port/page.html as test/port.firefox.test.ts serves it.
 * Skipped when firefox-esr is not installed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import {
  bundleSource,
  FIREFOX_PATH,
  type FileServer,
  type FirefoxTab,
  launchFirefox,
  serveFiles,
} from '../helpers/firefox.js';
import type { PortDriver } from '../helpers/port-scenarios.js';
import { blockedWorkerScenarios } from './scenarios.js';

/** What /lib.js exports: the core and the port entry. */
const LIB = `export * from './src/index.js'; export * from './src/port/index.js';`;

describe.skipIf(!existsSync(FIREFOX_PATH))('chanasync/port in Firefox (firefox-esr, Marionette)', () => {
  let server: FileServer;
  let firefox: FirefoxTab;

  beforeAll(async () => {
    const lib = await bundleSource(LIB);
    server = await serveFiles(join(import.meta.dirname, '..', 'port'), new Map([['/lib.js', lib]]));
    firefox = await launchFirefox();
  }, 60_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  beforeEach(async () => {
    await firefox.navigate(`http://127.0.0.1:${server.port}/page.html`, 'window.ready === true');
  });

  afterEach(async () => {
    // No uncaught error in the page or its Workers.
    expect(await driver.run(async () => window.errors)).toEqual([]);
  });

  const driver: PortDriver = {
    run: (scenario, arg, timeoutMs) => firefox.run(`return (${scenario.toString()})(args[0]);`, [arg], timeoutMs),
    port: () => server.port,
  };

  blockedWorkerScenarios(driver);
});
