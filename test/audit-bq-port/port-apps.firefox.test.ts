/**
 * Audit BQ-port: the most important application scenarios of chanasync/port again in Firefox
 * (Debian's firefox-esr, headless, through Marionette: test/helpers/firefox.ts), the very same
 * page code as the Chromium file. One browser for the file.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIREFOX_PATH, type FileServer, type FirefoxTab, launchFirefox } from '../helpers/firefox.js';
import { SCENARIOS, type ScenarioName, startScenarioServer } from './fixtures.js';

describe.skipIf(!existsSync(FIREFOX_PATH))('chanasync/port application scenarios (Firefox)', () => {
  let server: FileServer;
  let firefox: FirefoxTab;

  beforeAll(async () => {
    server = await startScenarioServer();
    firefox = await launchFirefox();
  }, 60_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  async function runScenario<R = any>(name: ScenarioName, args: unknown[] = []): Promise<R> {
    // A fresh document per scenario: the previous one's Workers go with it.
    await firefox.navigate(`http://127.0.0.1:${server.port}/page.html?${name}`, 'window.ready === true');
    return firefox.run<R>(SCENARIOS[name], args, 45_000);
  }

  it('a pool of 3 Workers pulls jobs from one page channel: credit holds, each job once, the close reason reaches all', async () => {
    const r = await runScenario('pool');
    expect(r.pushedWhileHeld).toBeLessThanOrEqual(r.bound);
    expect(r.pushedWhileHeld).toBeGreaterThan(0);
    expect(r.over).toEqual([]);
    expect(r.jobsDone).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(r.reasons).toEqual(['worker 0 threw shift over', 'worker 1 threw shift over', 'worker 2 threw shift over']);
    expect(r.sent.reduce((a: number, b: number) => a + b, 0)).toBe(60);
    expect(r.undelivered).toEqual([[], [], []]);
  }, 60_000);

  it('a module Worker terminated while the page push is parked: toPort settles by the heartbeat, nothing lost', async () => {
    const r = await runScenario('terminateSender');
    expect(r.workerPulled).toBe(0);
    expect(r.pushedBefore).toBe(3);
    expect(r.ms).toBeLessThan(7000);
    expect(r.sent + r.undelivered.length).toBe(3);
    expect(r.undelivered).toEqual(Array.from({ length: r.undelivered.length }, (_, i) => r.sent + i));
    expect(r.closed).toBe(false);
    expect(r.next).toBe(3);
  }, 60_000);

  it('a function value mid-stream: toPort rejects with a TypeError naming toPort, every value accounted for', async () => {
    const r = await runScenario('cloneFunction');
    expect(r.settled).toBeNull();
    expect(r.isTypeError).toBe(true);
    expect(r.message).toMatch(/toPort/);
    expect(r.worker.got).toEqual([1, 2, 3]);
    expect(r.sent).toBe(3);
    expect(r.undelivered[0]).toBe('fn:secret');
    expect(r.undelivered.length + r.left).toBe(2);
  }, 60_000);

  it('the Worker closes its receiver mid-stream (capacity 256): every value in exactly one place', async () => {
    const r = await runScenario('receiverCloses');
    expect(r.exactlyOnce).toBe(true);
    expect(r.receivedInOrder).toBe(true);
    expect(r.received).toBe(r.sent);
    expect(r.late).toBe(0);
    expect(r.sent + r.undelivered).toBeLessThanOrEqual(5 + 256);
  }, 60_000);

  it('a MessagePort transferred page → worker → nested worker before pairing carries both ways', async () => {
    const r = await runScenario('nested');
    expect(r).toEqual({ same: true, n: 500, reason: 'nested done: all sent', sent: 500, undelivered: 0 });
  }, 60_000);
});
