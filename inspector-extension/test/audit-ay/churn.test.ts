/**
 * Audit AY: many channels (1,500 kept) and fast churn (channels created, used and dropped) in
 * Chromium with the extension: the stuck consumer stays visible and first, nothing that
 * completed is reported as leaked, and an abandoned parked push is.
 */
import { expect, test } from 'vitest';
import { loadFixture, newTab } from '../harness.mjs';
import { states } from '../panel-rows.js';
import { useBuiltExtension } from './browser.js';

const FIXTURES = '/inspector-extension/test/audit-ay/fixtures';
const POLL = { timeout: 20_000, interval: 200 };
const env = useBuiltExtension();

test('1,500 idle channels and 2 s of churn: the stuck rows stay first, only the abandoned push leaks', async () => {
  const { context, extensionId, serviceWorker } = env.browser;
  const { page, tabId } = await newTab(context, serviceWorker);
  const panel = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  panel.on('pageerror', (e) => errors.push(`panel: ${e.message}`));
  try {
    await loadFixture(page, `${env.server.origin}${FIXTURES}/app.html`);
    await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
    await panel.fill('#threshold', '1');
    await page.evaluate(async () => {
      const { lib, keep } = (window as any).ay;
      for (let i = 0; i < 1500; i++) keep.push(new lib.Channel(1, { name: `idle-${i}` }));
      const end = Date.now() + 2000;
      while (Date.now() < end) {
        for (let i = 0; i < 300; i++) {
          const ch = new lib.Channel(0, { name: 'churn' });
          const got = ch.pull();
          await ch.push(i);
          await got;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      (function abandon() {
        const reply = new lib.Channel(0, { name: 'abandoned' });
        reply.push(1).catch(() => {});
      })();
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 4; i++) {
        (globalThis as any).gc();
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await expect
      .poll(async () => {
        // The leak first; the three stuck rows next (their order is by age, which is close).
        const [first, ...rest] = (await states(panel)).filter((s) => !s.startsWith('idle-'));
        return [first, ...rest.sort()];
      }, POLL)
      .toEqual(['abandoned:leaked', 'frame-jobs:stuck', 'page-orders:stuck', 'worker-replies:stuck']);
    expect((await states(panel)).filter((s) => s.startsWith('churn'))).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await panel.close();
    await page.close();
  }
}, 60_000);
