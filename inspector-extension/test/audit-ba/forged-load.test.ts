/**
 * Audit BA, findings BA-1 and BA-2: a cross-origin frame that never exceeds the extension's
 * rate limit (no `flooded` notice) posts well-formed forged snapshots, one per `instance`
 * (64 contexts of 1000 channels per document, the most the panel keeps), from itself and
 * one nested copy. Measured: how long a change of the real page takes to show in its
 * panel, and in the panel of another tab. Chromium with the built extension (dist/chrome, no build).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { loadFixture, newTab } from '../harness.mjs';

const FIXTURES = '/inspector-extension/test/audit-ba/fixtures';
/** A change of the real page shows in its panel within this (unloaded: about 50 ms). */
const RESPONSIVE_MS = 500;
/** How long one change is waited for; a change not seen by then counts as this late. */
const GIVE_UP_MS = 4000;
const env = useBuiltExtension();

interface Inspected {
  page: Page;
  panel: Page;
  /** Pushes one more value into `real-ticks`; resolves with the ms until the panel shows it (at most {@link GIVE_UP_MS}). */
  change(): Promise<number>;
}

let pushed = new WeakMap<Page, number>();

async function inspect(url: string): Promise<Inspected> {
  const { context, extensionId, serviceWorker } = env.browser;
  const { page, tabId } = await newTab(context, serviceWorker);
  await loadFixture(page, url);
  const panel = await context.newPage();
  await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
  await panel.fill('#filter', 'real-'); // only the real rows are in view
  await panel.waitForFunction(() => document.querySelectorAll('.row').length === 2, null, { timeout: 10_000 });
  return {
    page,
    panel,
    change: async () => {
      const n = (pushed.get(page) ?? 0) + 1;
      pushed.set(page, n);
      const start = Date.now();
      await page.evaluate(() =>
        (window as unknown as { ba: { ticks: { tryPush(v: number): boolean } } }).ba.ticks.tryPush(1),
      );
      await panel
        .waitForFunction(
          (size) =>
            [...document.querySelectorAll('.row')].some(
              (r) => r.textContent?.includes('real-ticks') && r.textContent.includes(`${size} / 1000`),
            ),
          n,
          { timeout: GIVE_UP_MS, polling: 20 },
        )
        .catch(() => undefined);
      return Math.min(Date.now() - start, GIVE_UP_MS);
    },
  };
}

/** The median of three changes. */
async function latency(tab: Inspected): Promise<number> {
  const times = [await tab.change(), await tab.change(), await tab.change()];
  return times.sort((a, b) => a - b)[1] as number;
}

const channelCount = async (panel: Page) =>
  Number(/^(\d+) channels/.exec((await panel.textContent('#status')) ?? '')?.[1] ?? 0);

describe('a cross-origin frame that posts forged snapshots within the rate limit', () => {
  let other: Inspected;
  let attacked: Inspected;

  it('probe: unloaded, a change of the real page shows in its panel at once', async () => {
    pushed = new WeakMap();
    other = await inspect(`${env.server.origin}${FIXTURES}/real.html`);
    expect(await latency(other)).toBeLessThan(GIVE_UP_MS); // shows (about 50 ms here, unloaded)
  }, 15_000);

  // Before the fix the panel held 64,000–128,000 forged channels here (no notice at all).
  it("the panel holds at most 20,000 channels, drops the forging frame's contexts with a crowded notice, and keeps the page's rows", async () => {
    const cross = env.server.origin.replace('127.0.0.1', 'localhost');
    const forger = `${cross}${FIXTURES}/forger.html?instances=64&channels=1000&perSecond=18&burst=38&children=1`;
    attacked = await inspect(`${env.server.origin}${FIXTURES}/real.html?frame=${encodeURIComponent(forger)}`);
    await attacked.page.frames()[1]?.evaluate(() => (window as unknown as { startForging(): void }).startForging());
    await expect
      .poll(async () => (await attacked.panel.textContent('#notices')) ?? '', { timeout: 12_000, interval: 200 })
      .toMatch(/Dropped \d+ contexts? of frame .*the panel holds at most 20000 channels/);
    expect(await channelCount(attacked.panel)).toBeLessThanOrEqual(20_000);
    expect(await attacked.panel.textContent('#notices')).not.toMatch(/Dropped messages|Refused|malformed/);
    // The page's two real rows are still listed (the filter shows only them).
    expect(await attacked.panel.locator('.row').count()).toBe(2);
    // The forger posts until its page goes: stop it (a test file running beside this one needs the CPU).
    await attacked.page.close();
  }, 15_000);

  // BA-1 and BA-2 (see FINDINGS.md): with the bound, the panel holds 19,000 forged channels; a
  // change of the real page showed after 0.9–1.8 s, in its panel and in another tab's, while
  // the service worker rewrote 2 MB records of objects and the panel derived every row for
  // every snapshot; now 55–75 ms and 130–150 ms (medians). Timed checks, so skipped in
  // `npm test` (performance is measured, not timed in tests; `work.test.ts` counts the work);
  // to measure, make them `it` and drop the `page.close()` above.
  it.skip("keeps its panel responsive: a change of the top page's real channel shows within half a second", async () => {
    expect(await latency(attacked)).toBeLessThan(RESPONSIVE_MS);
  }, 15_000);

  it.skip("cannot delay another tab's panel: that tab's change still shows within half a second", async () => {
    expect(await latency(other)).toBeLessThan(RESPONSIVE_MS);
  }, 15_000);
});
