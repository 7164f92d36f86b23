/**
 * Audit i: the scenarios of ./scenarios.ts (a Worker that blocks its event loop for longer than
 * the heartbeat timeout, as a receiver and as a sender; a Worker terminated with transferred
 * ArrayBuffers in flight) in Firefox: Debian's firefox-esr, headless, driven through Marionette
 * (test/helpers/firefox.ts), on test/port/page.html as test/port.firefox.test.ts serves it.
 * Skipped when firefox-esr is not installed.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { FIREFOX_PATH, usePortFirefox } from '../helpers/firefox.js';
import type { PortDriver } from '../helpers/port-scenarios.js';
import { blockedWorkerScenarios } from './scenarios.js';

describe.skipIf(!existsSync(FIREFOX_PATH))('chanasync/port in Firefox (firefox-esr, Marionette)', () => {
  const env = usePortFirefox();

  beforeEach(async () => {
    await env.firefox.navigate(`http://127.0.0.1:${env.server.port}/page.html`, 'window.ready === true');
  });

  afterEach(async () => {
    // No uncaught error in the page or its Workers.
    expect(await driver.run(async () => window.errors)).toEqual([]);
  });

  const driver: PortDriver = {
    run: (scenario, arg, timeoutMs) => env.firefox.run(`return (${scenario.toString()})(args[0]);`, [arg], timeoutMs),
    port: () => env.server.port,
  };

  blockedWorkerScenarios(driver);
});
