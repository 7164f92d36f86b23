/**
 * Audit i: `chanasync/port` and Chromium's back/forward cache (README, Semantic details: "The
 * back/forward cache freezes a page with its Workers and frames … restored, a page whose peers
 * were frozen with it … goes on where it was, its receivers checking first that their senders
 * still run"). Firefox's suite tests this (test/port.firefox.test.ts); Chromium's did not, as
 * playwright passes `--disable-back-forward-cache` and test/port/'s server marks every page
 * `no-store` (RECIPES.md). This file launches its own Chromium without that flag and serves
 * test/port/page.html storable. And a page frozen in place, as Chrome freezes background tabs
 * (CDP `Page.setWebLifecycleState`; its dedicated Worker is frozen with it).
 */
import type { Page } from 'playwright-core';
import { afterEach, expect, test } from 'vitest';
import { useBfcacheChromium } from '../helpers/bfcache-chromium.js';
import { finishWorkerStream, readWorkerStream } from '../helpers/port-scenarios.js';

/**
 * How long the page stays in the back/forward cache: past the receivers' 3 s check, and past
 * the 5 s heartbeat timeout too (both sides are frozen: neither may give the other up).
 */
const FROZEN = [3500, 7000];

let page: Page;
const env = useBfcacheChromium((url) => url.startsWith('/page.html?storable'));

afterEach(async () => {
  expect(await page.evaluate(() => window.errors)).toEqual([]);
  await page.close();
});

/** Opens the storable page, runs `start` in it, leaves it for `frozenMs`, and comes back. */
async function freeze(frozenMs: number, start: () => Promise<void>): Promise<void> {
  page = await env.browser.newPage();
  await page.goto(`http://127.0.0.1:${env.server.port}/page.html?storable`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(() => {
    const kept = window as unknown as { shown: boolean[] };
    kept.shown = [];
    addEventListener('pageshow', (event) => kept.shown.push(event.persisted));
  });
  await page.evaluate(start);
  await page.goto(`http://127.0.0.1:${env.server.port}/page.html?elsewhere`);
  await page.waitForFunction(() => window.ready === true);
  await new Promise((resolve) => setTimeout(resolve, frozenMs));
  await page.goBack({ waitUntil: 'commit' });
  await page.waitForFunction(() => (window as unknown as { shown?: boolean[] }).shown?.length === 1);
  expect(await page.evaluate(() => (window as unknown as { shown: boolean[] }).shown)).toEqual([true]); // restored, not reloaded
}

/** What the page → Worker test keeps on `window` across the freeze. */
interface Kept {
  worker: Worker;
  channel: any;
  sending: Promise<{ sent: number; undelivered: number[] }>;
  producer: { pushed: number; reach(count: number): Promise<void> };
  collected: Promise<number[]>;
}

test.each(FROZEN)(
  'a Worker → page stream restored from the back/forward cache after %i ms goes on: every value once, in order, and the Worker counts them sent',
  async (frozenMs) => {
    await freeze(frozenMs, readWorkerStream);
    const result = await page.evaluate(finishWorkerStream);
    expect(result.error).toBeNull();
    expect(result.got.length).toBeGreaterThanOrEqual(result.resumedAt + 20);
    const received = [...result.got, ...result.rest];
    expect(received).toEqual([...Array(received.length).keys()]);
    const { sent, undelivered, pulled } = result.workerResult;
    expect(sent).toBe(received.length);
    expect(sent + undelivered.length).toBe(pulled);
  },
  40_000,
);

test.each(FROZEN)(
  'a page → Worker stream restored from the back/forward cache after %i ms goes on: the Worker gets every value once, in order, and toPort counts them all sent',
  async (frozenMs) => {
    await freeze(frozenMs, async () => {
      const kept = window as unknown as Kept;
      kept.worker = window.spawn('mode=collect');
      kept.collected = window.nextReport(kept.worker);
      kept.channel = new window.lib.Channel(0);
      kept.sending = window.lib.toPort(kept.channel, kept.worker, { name: 'in' });
      kept.producer = window.pushForever(kept.channel);
      await kept.producer.reach(10);
    });
    const result = await page.evaluate(async () => {
      const kept = window as unknown as Kept;
      const restoredAt = kept.producer.pushed;
      await Promise.race([kept.producer.reach(restoredAt + 20), window.sleep(10_000)]);
      kept.channel.close();
      const { sent, undelivered } = await kept.sending;
      const values = await kept.collected;
      kept.worker.terminate();
      return { restoredAt, pushed: kept.producer.pushed, sent, undelivered, values };
    });
    expect(result.pushed).toBeGreaterThanOrEqual(result.restoredAt + 20);
    expect(result.values).toEqual([...Array(result.pushed).keys()]);
    expect(result).toMatchObject({ sent: result.pushed, undelivered: [] });
  },
  40_000,
);

test.each(FROZEN)(
  'a page frozen for %i ms by the browser (Page.setWebLifecycleState, as Chrome freezes background tabs) with a Worker → page stream goes on when resumed: every value once, in order',
  async (frozenMs) => {
    page = await env.browser.newPage();
    await page.goto(`http://127.0.0.1:${env.server.port}/page.html`);
    await page.waitForFunction(() => window.ready === true);
    await page.evaluate(readWorkerStream);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    await new Promise((resolve) => setTimeout(resolve, frozenMs));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    const result = await page.evaluate(finishWorkerStream);
    const received = [...result.got, ...result.rest];
    expect(received).toEqual([...Array(received.length).keys()]);
    const { sent, undelivered, pulled } = result.workerResult;
    expect(sent + undelivered.length).toBe(pulled);
    expect(result.error).toBeNull();
    expect(sent).toBe(received.length);
  },
  40_000,
);
