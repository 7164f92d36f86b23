/**
 * Audit BF: leaked waiters where a developer meets them — in a relayed Worker, in an iframe, and
 * across a reload — in Debian's Chromium with the built extension (panel opened as a tab).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { row } from '../panel-rows.js';
import { cell, inspect, lineOf, POLL, rows, sleep } from './bf.js';

const env = useBuiltExtension();

type Bf = {
  leak(name?: string): void;
  more(): void;
  collect(): Promise<void>;
  workerLeak(): Promise<{ hasGc: boolean }>;
  workerCollect(): Promise<unknown>;
  workerDisable(): Promise<unknown>;
  workerEnable(): Promise<unknown>;
  terminateWorker(): void;
  frame(): { bf: { leak(): void; collect(): Promise<void> } };
  removeFrame(): void;
};
const bf = (page: Page) => page.evaluateHandle(() => (window as unknown as { bf: Bf }).bf);
const leakedNames = async (panel: Page) =>
  (await rows(panel)).filter((r) => r.endsWith(':leaked')).map((r) => r.slice(0, -':leaked'.length));

/** Leaks in the page (collecting until the panel lists `count` leaked rows named `name`). */
async function leakInPage(page: Page, panel: Page, name: string, count: number) {
  await page.evaluate((n) => (window as unknown as { bf: Bf }).bf.leak(n), name);
  await expect
    .poll(async () => {
      await page.evaluate(() => (window as unknown as { bf: Bf }).bf.collect());
      return (await leakedNames(panel)).filter((n) => n === name).length;
    }, POLL)
    .toBe(count);
}

describe('leaks in a relayed Worker and in an iframe', () => {
  it('are listed first as leaked, tagged with their frame, parked at the line of the abandoned push', async () => {
    const t = await inspect(env, 'leaky.html');
    try {
      await expect
        .poll(async () => (await rows(t.panel)).map((r) => r.split(':')[0]).sort(), POLL)
        .toEqual(['frame-alive', 'page-alive', 'worker-alive']);
      const handle = await bf(t.page);
      expect((await handle.evaluate((b) => b.workerLeak())).hasGc).toBe(true);
      await handle.evaluate((b) => b.frame().bf.leak());
      await expect
        .poll(async () => {
          await handle.evaluate((b) => Promise.all([b.workerCollect(), b.frame().bf.collect()]));
          return (await leakedNames(t.panel)).sort();
        }, POLL)
        .toEqual(['frame-reply', 'worker-reply']);
      const top = (await rows(t.panel)).slice(0, 2).map((r) => r.split(':')[1]);
      expect(top).toEqual(['leaked', 'leaked']);
      // V8 names a function called as a method `Object.loadOnce [as leak]`: the function and line are what count.
      expect(await cell(t.panel, 'worker-reply', '.col-where')).toMatch(
        new RegExp(`askOnce.* \\(leaky-worker\\.js:${lineOf('leaky-worker.js', 'worker-leak')}\\)$`),
      );
      expect(await cell(t.panel, 'frame-reply', '.col-where')).toMatch(
        new RegExp(`loadOnce.* \\(leaky-frame\\.js:${lineOf('leaky-frame.js', 'frame-leak')}\\)$`),
      );
      expect(await cell(t.panel, 'worker-reply', '.col-frame')).toBe('top › worker leaky-worker.js');
      expect(await cell(t.panel, 'frame-reply', '.col-frame')).toBe('leaky-frame.html');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });

  it('stay listed after the iframe is removed and the Worker terminated, until Clear', async () => {
    const t = await inspect(env, 'leaky.html');
    try {
      await expect.poll(async () => (await rows(t.panel)).length, POLL).toBe(3);
      const handle = await bf(t.page);
      await handle.evaluate((b) => b.workerLeak());
      await handle.evaluate((b) => b.frame().bf.leak());
      await expect
        .poll(async () => {
          await handle.evaluate((b) => Promise.all([b.workerCollect(), b.frame().bf.collect()]));
          return (await leakedNames(t.panel)).sort();
        }, POLL)
        .toEqual(['frame-reply', 'worker-reply']);
      // The developer closes the widget and stops the Worker: their live rows go …
      await handle.evaluate((b) => {
        b.removeFrame();
        b.terminateWorker();
      });
      await expect
        .poll(async () => (await rows(t.panel)).filter((r) => !r.endsWith(':leaked')).map((r) => r.split(':')[0]), POLL)
        .toEqual(['page-alive']);
      // … and the leaks they found stay, "until cleared".
      await sleep(600);
      expect((await leakedNames(t.panel)).sort()).toEqual(['frame-reply', 'worker-reply']);
      await t.panel.locator('#clear').click();
      await expect.poll(() => rows(t.panel), POLL).toEqual(['page-alive:stuck']); // its pull, nobody pushes
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});

describe('which waits leak', () => {
  it('a select over two abandoned channels is one leaked row; a push with a long-lived signal leaks; aborted or closed ones never', async () => {
    const t = await inspect(env, 'leaky.html');
    try {
      await expect.poll(() => row(t.panel, 'page-alive').count(), POLL).toBe(1);
      const handle = await bf(t.page);
      await handle.evaluate((b) => b.more());
      await expect
        .poll(async () => {
          await handle.evaluate((b) => b.collect());
          return (await leakedNames(t.panel)).length;
        }, POLL)
        .toBeGreaterThanOrEqual(2);
      await sleep(800);
      await handle.evaluate((b) => b.collect());
      await sleep(500);
      const leaked = await leakedNames(t.panel);
      expect(leaked.filter((n) => n.includes('race-')).length).toBe(1); // one row for the select
      expect(leaked).toContain('signalled-reply');
      expect(leaked.filter((n) => n.startsWith('clean-'))).toEqual([]);
      expect(await cell(t.panel, 'signalled-reply', '.col-where')).toMatch(
        new RegExp(`signalledOnce.* \\(leaky\\.js:${lineOf('leaky.js', 'signal-leak')}\\)$`),
      );
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});

describe('a relayed Worker that turns debug mode off and on again while the panel is open', () => {
  it('its rows go, and its new session’s channels show (its announce, relayed, is answered)', async () => {
    const t = await inspect(env, 'leaky.html');
    try {
      await expect.poll(async () => (await rows(t.panel)).length, POLL).toBe(3);
      const handle = await bf(t.page);
      await handle.evaluate((b) => b.workerDisable());
      await expect
        .poll(async () => (await rows(t.panel)).map((r) => r.split(':')[0]).sort(), POLL)
        .toEqual(['frame-alive', 'page-alive']);
      await handle.evaluate((b) => b.workerEnable());
      await expect
        .poll(async () => (await rows(t.panel)).map((r) => r.split(':')[0]).sort(), POLL)
        .toEqual(['frame-alive', 'page-alive', 'worker-again']);
      expect(await cell(t.panel, 'worker-again', '.col-frame')).toBe('top › worker leaky-worker.js');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});

describe('leaks across a reload of the page', () => {
  it('the leak of the document before a reload stays, and the new document’s leak is listed beside it', async () => {
    const t = await inspect(env, 'leaky.html');
    try {
      await expect.poll(() => row(t.panel, 'page-alive').count(), POLL).toBe(1);
      await leakInPage(t.page, t.panel, 'page-reply', 1);
      await t.page.reload();
      await t.page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
      await expect.poll(() => row(t.panel, 'page-alive').count(), POLL).toBe(1);
      expect(await leakedNames(t.panel)).toEqual(['page-reply']); // kept across the navigation
      // The same bug again in the new document: its leak has the same id there (a new realm).
      await leakInPage(t.page, t.panel, 'page-reply', 2);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });

  it('after Clear and a reload, the same leak happening again is listed again', async () => {
    const t = await inspect(env, 'leaky.html');
    try {
      await expect.poll(() => row(t.panel, 'page-alive').count(), POLL).toBe(1);
      await leakInPage(t.page, t.panel, 'page-reply', 1);
      await t.panel.locator('#clear').click();
      await expect.poll(() => leakedNames(t.panel), POLL).toEqual([]);
      await t.page.reload();
      await t.page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
      await expect.poll(() => row(t.panel, 'page-alive').count(), POLL).toBe(1);
      await leakInPage(t.page, t.panel, 'page-reply', 1);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });

  it('after Clear, a new leak in the same document is listed', async () => {
    const t = await inspect(env, 'leaky.html');
    try {
      await expect.poll(() => row(t.panel, 'page-alive').count(), POLL).toBe(1);
      await leakInPage(t.page, t.panel, 'page-reply', 1);
      await t.panel.locator('#clear').click();
      await expect.poll(() => leakedNames(t.panel), POLL).toEqual([]);
      await leakInPage(t.page, t.panel, 'page-reply-2', 1);
      expect(await leakedNames(t.panel)).toEqual(['page-reply-2']);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});
