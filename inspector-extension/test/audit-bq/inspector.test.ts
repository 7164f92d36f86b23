/**
 * Audit BQ: a developer hunting a stuck channel with the Channels panel (Chromium, the extension
 * as built, the panel opened as a tab for the inspected tab) — on small buggy apps of our own
 * (fixtures/), on the project's browser example served by examples/browser/serve.mjs, across
 * frames and Workers, hundreds of channels, reloads and navigation, and debug mode turned off.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { cell, inspect, POLL, rows, seconds, sleep } from '../audit-bf/bf.js';
import { evaluatorFor, findTarget, showChannelsPanel } from '../devtools-targets.js';
import { loadFixture, newTab, repoRoot } from '../harness.mjs';
import { row, text } from '../panel-rows.js';

const env = useBuiltExtension();
/** bf.ts resolves fixtures under audit-bf/fixtures; ours are beside this file. */
const FIX = '../../audit-bq/fixtures';

/** examples/browser/serve.mjs's start() (plain JavaScript: imported by URL, left out of the type check). */
type Served = { url: string; close(): Promise<void> };
const serveModule: string = new URL('../../../examples/browser/serve.mjs', import.meta.url).href;
const start = async (options: { port: number }): Promise<Served> =>
  ((await import(serveModule)) as { start(o: { port: number }): Promise<Served> }).start(options);

/** The 1-based line of fixtures/`file` that carries the marker `BQ:<tag>`. */
function lineOf(file: string, tag: string): number {
  const lines = readFileSync(join(repoRoot, 'inspector-extension/test/audit-bq/fixtures', file), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`BQ:${tag}`));
  if (index < 0) throw new Error(`no BQ:${tag} in ${file}`);
  return index + 1;
}

const status = (panel: Page) => panel.locator('#status').textContent();
const names = async (panel: Page) => (await rows(panel)).map((r) => r.slice(0, r.lastIndexOf(':')));
const stateOf = async (panel: Page, name: string) =>
  (await rows(panel)).find((r) => r.slice(0, r.lastIndexOf(':')) === name)?.slice(name.length + 1);
const emptyTitle = (panel: Page) => text(panel.locator('.empty h2'));
type BqWindow = { collect(): Promise<void>; bq: Record<string, unknown> & { off(): void } };

describe('a small buggy app: deadlock, crashed consumer, unserved select, beside idle loops', () => {
  it('every bug is stuck with its name, counts and line; no idle loop is; blocked producer first', async () => {
    const t = await inspect(env, `${FIX}/bugs.html`, { threshold: '1' });
    try {
      await expect.poll(() => status(t.panel), POLL).toBe('10 channels · 4 stuck · 5 waiting for input');
      const all = await rows(t.panel);
      // Leaked none, stuck: the blocked producer first, then the deadlock and the select.
      expect(all.slice(0, 4).sort()).toEqual(
        ['bq-work:stuck', 'bq-to-a:stuck', 'bq-to-b:stuck', 'select: pull bq-replies | pull bq-cancel:stuck'].sort(),
      );
      expect(all[0]).toBe('bq-work:stuck');
      // Idle loops: waiting for input, never stuck.
      for (const name of ['fromEvent(click)', 'fromEvent(keydown)', 'fromEvent(keyup)', 'merge']) {
        expect(await stateOf(t.panel, name)).toBe('waiting for input');
      }
      expect(await stateOf(t.panel, 'select: pull bq-cancel | pull after(60000)')).toBe('waiting for input');
      // Where each one waits: function and line.
      expect(await cell(t.panel, 'bq-to-a', '.col-where')).toBe(`alice (bugs.js:${lineOf('bugs.js', 'alice')})`);
      expect(await cell(t.panel, 'bq-to-b', '.col-where')).toBe(`bob (bugs.js:${lineOf('bugs.js', 'bob')})`);
      expect(await cell(t.panel, 'bq-work', '.col-where')).toBe(`producer (bugs.js:${lineOf('bugs.js', 'producer')})`);
      expect(await cell(t.panel, 'select: pull bq-replies | pull bq-cancel', '.col-where')).toBe(
        `waitReply (bugs.js:${lineOf('bugs.js', 'select')})`,
      );
      // The full channel: 3 / 3 and one parked push.
      expect(await text(row(t.panel, 'bq-work').locator('.occupancy-text'))).toBe('3 / 3');
      expect(await cell(t.panel, 'bq-work', '.col-pushers')).toMatch(/^1 · /);
      // Filtering by a case's channel finds the select.
      await t.panel.fill('#filter', 'bq-replies');
      await expect.poll(() => names(t.panel), POLL).toEqual(['select: pull bq-replies | pull bq-cancel', 'bq-replies']);
      await t.panel.fill('#filter', '');
      // Clicking the loop's button: its row stays waiting for input.
      await t.page.click('#go');
      await sleep(1200);
      expect(await stateOf(t.panel, 'fromEvent(click)')).toBe('waiting for input');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  }, 60_000);
});

describe('leaks: the same bugs with channels local to a function', () => {
  it('after a GC: the deadlock, the crashed consumer’s producer and the abandoned select are leaked, first; the half-abandoned select is not; kept across a reload until Clear', async () => {
    const t = await inspect(env, `${FIX}/leaks.html`, { threshold: '1' });
    try {
      await expect.poll(() => status(t.panel), POLL).toMatch(/^7 channels · 5 stuck/);
      await t.page.evaluate(() => (window as unknown as BqWindow).collect());
      await expect.poll(() => status(t.panel), POLL).toBe('2 channels · 4 leaked · 1 stuck');
      const all = await rows(t.panel);
      expect(all.slice(0, 4).sort()).toEqual(
        [
          'bq-local-to-a:leaked',
          'bq-local-to-b:leaked',
          'bq-local-work:leaked',
          'select: pull bq-sel-x | pull bq-sel-y:leaked',
        ].sort(),
      );
      expect(all.slice(4)).toEqual([
        'select: pull bq-kept | pull bq-half-local:stuck',
        'bq-kept:in a select',
        'bq-half-local:in a select',
      ]);
      expect(await cell(t.panel, 'bq-local-to-a', '.col-where')).toBe(`leaks.js:${lineOf('leaks.js', 'leak-alice')}`);
      expect(await cell(t.panel, 'bq-local-work', '.col-where')).toBe(
        `leaks.js:${lineOf('leaks.js', 'leak-producer')}`,
      );
      // Expanded, a leak says what leaked and where its channel was created.
      await row(t.panel, 'bq-local-work').locator('.caret').click();
      await expect.poll(() => text(t.panel.locator('.details')), POLL).toContain('garbage-collected');
      expect(await text(t.panel.locator('.details'))).toContain(`leaks.js:${lineOf('leaks.js', 'leak-producer') - 2}`);
      // A reload: the live rows are the new document's, the leaks stay.
      await t.page.reload();
      await t.page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
      await expect.poll(() => status(t.panel), POLL).toMatch(/^7 channels · 4 leaked/);
      await t.panel.click('#clear');
      await expect.poll(() => status(t.panel), POLL).toMatch(/^7 channels · 5 stuck$/);
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  }, 60_000);

  // BQ-inspector-1 (fixed): a leaked select was labelled by its first case's channel only
  // (`bq-sel-x`), so the filter by its other case's channel — which found it a moment before,
  // while it was stuck — found nothing, and its expansion did not name `bq-sel-y`. Leak reports
  // of a select now carry its cases (`LeakSnapshot.cases`).
  it('a leaked select stays findable by any of its cases’ channels, and names them', async () => {
    const t = await inspect(env, `${FIX}/leaks.html`, { threshold: '1' });
    try {
      await t.panel.fill('#filter', 'bq-sel-y');
      await expect
        .poll(() => rows(t.panel), POLL)
        .toEqual(['select: pull bq-sel-x | pull bq-sel-y:stuck', 'bq-sel-y:in a select']);
      await t.page.evaluate(() => (window as unknown as BqWindow).collect());
      await t.panel.fill('#filter', '');
      await expect.poll(() => status(t.panel), POLL).toMatch(/4 leaked/);
      // The leak, expanded, names the select's cases.
      await row(t.panel, 'select: pull bq-sel-x | pull bq-sel-y').locator('.caret').click();
      await expect.poll(() => text(t.panel.locator('.details')), POLL).toContain('garbage-collected');
      const detail = await text(t.panel.locator('.details'));
      console.log('leaked select, expanded:', detail);
      await t.panel.fill('#filter', 'bq-sel-y');
      await expect
        .poll(async () => (await rows(t.panel)).filter((r) => r.endsWith(':leaked')), {
          timeout: 3000,
          interval: 150,
        })
        .toHaveLength(1);
      expect(detail).toContain('bq-sel-y');
    } finally {
      await t.done();
    }
  }, 60_000);
});

describe('frames and Workers (chanasync/port between the page and a cross-origin iframe)', () => {
  it('every context’s stuck channel is listed and tagged: top, top › worker, the frame’s origin, its worker', async () => {
    const t = await inspect(env, `${FIX}/frames.html?cross`, { threshold: '1' });
    try {
      await expect.poll(() => status(t.panel), POLL).toBe('6 channels · 5 stuck · 2 frames · 2 workers');
      const frameOf = (name: string) => cell(t.panel, name, '.col-frame');
      expect(await frameOf('bq-top-stuck')).toBe('top');
      expect(await frameOf('bq-worker-top')).toBe('top › worker frames-worker.js');
      expect(await frameOf('bq-frame-gate')).toMatch(/^localhost:\d+ › frame\.html$/);
      expect(await frameOf('bq-worker-frame')).toMatch(/^localhost:\d+ › frame\.html › worker frames-worker\.js$/);
      expect(await cell(t.panel, 'bq-frame-gate', '.col-where')).toBe(`loop (frame.js:${lineOf('frame.js', 'frame')})`);
      // The page's push to the frame is stuck (the frame's loop never pulls); the frame's
      // fromPort channel has no parked pull and is idle.
      expect(await stateOf(t.panel, 'bq-jobs-to-frame')).toBe('stuck');
      expect(await stateOf(t.panel, 'jobs')).toBe('idle');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  }, 60_000);
});

describe('hundreds of channels', () => {
  it('500 channels: the one stuck channel is the first row, the filter finds any of them, sorting by occupancy puts the fullest first', async () => {
    const t = await inspect(env, `${FIX}/many.html`, { threshold: '1' });
    try {
      await expect.poll(() => status(t.panel), POLL).toBe('500 channels · 1 stuck');
      expect((await rows(t.panel))[0]).toBe('bq-needle:stuck');
      expect(await cell(t.panel, 'bq-needle', '.col-where')).toBe(`many.js:${lineOf('many.js', 'needle')}`);
      await t.panel.fill('#filter', 'bq-cache-417');
      await expect.poll(() => rows(t.panel), POLL).toEqual(['bq-cache-417:idle']);
      expect(await text(row(t.panel, 'bq-cache-417').locator('.occupancy-text'))).toBe(`${417 % 11} / 10`);
      await t.panel.fill('#filter', 'bq-cache');
      await t.panel.click('[data-sort="occupancy"]');
      const occupancies = async () =>
        t.panel.$$eval('.row .occupancy-text', (list) => list.map((e) => Number(e.textContent?.split(' / ')[0])));
      let sorted = await occupancies();
      if (sorted[0] === 0) {
        await t.panel.click('[data-sort="occupancy"]'); // the other direction
        sorted = await occupancies();
      }
      expect(sorted[0]).toBe(10);
      // Debug mode turned off: the rows go, the panel says so.
      await t.panel.fill('#filter', '');
      await t.page.evaluate(() => (window as unknown as BqWindow).bq.off());
      await expect.poll(() => emptyTitle(t.panel), POLL).toBe('No channels yet');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  }, 60_000);
});

describe('the browser example', () => {
  it('index.html: Park a pull forever makes stuck-demo the only stuck row, parked in stuck.js; navigating away to a page without debug mode empties the panel', async () => {
    const server = await start({ port: 0 });
    const { context, extensionId, serviceWorker } = env.browser;
    const { page, tabId } = await newTab(context, serviceWorker);
    const panel = await context.newPage();
    try {
      await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
      await panel.fill('#threshold', '1');
      await page.goto(server.url);
      await expect.poll(() => page.textContent('#inspector-status'), POLL).toBe('inspector: connected');
      await page.click('#stuck-park');
      await expect.poll(async () => (await rows(panel))[0], POLL).toBe('stuck-demo:stuck');
      expect((await rows(panel)).filter((r) => r.endsWith(':stuck'))).toEqual(['stuck-demo:stuck']);
      expect(await cell(panel, 'stuck-demo', '.col-where')).toMatch(/^waitForever \(stuck\.js:\d+\)$/);
      expect(await stateOf(panel, 'select: pull fromEvent(input) | pull search-replies')).toBe('waiting for input');
      await page.goto(server.url.replace('/examples/browser/', '/examples/browser/README.md'));
      await expect.poll(() => emptyTitle(panel), POLL).toBe('No chanasync debug mode on this page');
    } finally {
      await panel.close().catch(() => {});
      await page.close().catch(() => {});
      await server.close();
    }
  }, 60_000);

  // BQ-inspector-2 (fixed): demo 5 (worker-demo.html) did not enable debug mode on the page —
  // it only relayed the Worker's — so the channel the demo is about (the page's `jobs`, where
  // "the producer waits whenever the Worker holds 4 jobs") never showed in the panel, only the
  // Worker's two channels, without stacks. The page and the Worker now enable it with stacks.
  it('worker-demo.html: while the run is held by backpressure, the panel shows the page’s producer parked on jobs, and the Worker’s channels tagged as the Worker’s', async () => {
    const server = await start({ port: 0 });
    const { context, extensionId, serviceWorker } = env.browser;
    const { page, tabId } = await newTab(context, serviceWorker);
    const panel = await context.newPage();
    try {
      await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
      await page.goto(server.url.replace(/\/$/, '/worker-demo.html'));
      await page.click('#wd-start');
      const seen = new Set<string>();
      const tags = new Set<string>();
      for (let i = 0; i < 15 && !(await page.textContent('#wd-phase'))?.startsWith('done'); i++) {
        for (const r of await rows(panel)) seen.add(r.slice(0, r.lastIndexOf(':')));
        for (const tag of await panel.$$eval('.row .col-frame, .row .frame-chip', (l) => l.map((e) => e.textContent)))
          if (tag) tags.add(tag);
        await sleep(150);
      }
      console.log('worker demo rows seen:', [...seen], 'frame tags:', [...tags]);
      expect([...seen]).toEqual(expect.arrayContaining(['jobs', 'results']));
      // The page's producer channel and the Worker's channel of the same name are two rows.
      expect([...seen].filter((name) => name === 'jobs').length + [...tags].length).toBeGreaterThan(1);
      expect([...tags].some((tag) => tag.includes('worker'))).toBe(true);
    } finally {
      await panel.close().catch(() => {});
      await page.close().catch(() => {});
      await server.close();
    }
  }, 60_000);
});

/** The id of the first target whose URL matches, once there is one. */
async function targetWhere(cdp: CDPSession, match: (url: string) => boolean): Promise<string> {
  await expect.poll(() => findTarget(cdp, match), POLL).toBeDefined();
  return (await findTarget(cdp, match)) as string;
}

describe('the real DevTools: closing and reopening it', () => {
  it('the reopened Channels panel shows the same stuck rows, aged from when they parked (not from the reopening)', async () => {
    const { context, extensionId, serviceWorker } = env.browser;
    const { page } = await newTab(context, serviceWorker);
    const cdp = await context.browser()!.newBrowserCDPSession();
    try {
      await loadFixture(page, `${env.server.origin}/inspector-extension/test/audit-bq/fixtures/bugs.html`);
      const loadedAt = Date.now();
      const pageTarget = await targetWhere(cdp, (url) => url.endsWith('/audit-bq/fixtures/bugs.html'));
      const isDevtools = (url: string) => url.startsWith('devtools://devtools/bundled/devtools_app');
      const open = async () => {
        await cdp.send('Target.openDevTools', { targetId: pageTarget });
        const devtoolsTarget = await targetWhere(cdp, isDevtools);
        const devtools = await evaluatorFor(cdp, devtoolsTarget);
        const panelTarget = await showChannelsPanel(cdp, devtools, extensionId, POLL);
        const inPanel = await evaluatorFor(cdp, panelTarget);
        await inPanel(
          'document.querySelector("#threshold").value = "1"; document.querySelector("#threshold").dispatchEvent(new Event("input"))',
        );
        return { devtoolsTarget, inPanel };
      };
      const rowsIn = (inPanel: (e: string) => Promise<unknown>) =>
        inPanel(
          '[...document.querySelectorAll(".row")].map((r) => r.querySelector(".name-text").textContent + ":" + r.querySelector(".col-state").textContent + ":" + r.querySelector(".col-wait").textContent)',
        ) as Promise<string[]>;
      const first = await open();
      await expect.poll(async () => (await rowsIn(first.inPanel))[0]?.startsWith('bq-work:stuck:'), POLL).toBe(true);
      await cdp.send('Target.closeTarget', { targetId: first.devtoolsTarget });
      await expect.poll(() => findTarget(cdp, isDevtools), POLL).toBeUndefined();
      await sleep(3000);
      const second = await open();
      await expect.poll(async () => (await rowsIn(second.inPanel))[0]?.startsWith('bq-work:stuck:'), POLL).toBe(true);
      const again = await rowsIn(second.inPanel);
      expect(again.filter((r) => r.includes(':stuck:')).length).toBe(4);
      // Aged from the park (at load), not from the reopening 3 s ago.
      const age = seconds(again[0]!.split(':').at(-1)!);
      expect(age).toBeGreaterThanOrEqual((Date.now() - loadedAt) / 1000 - 2);
      await cdp.send('Target.closeTarget', { targetId: second.devtoolsTarget });
    } finally {
      await cdp.detach().catch(() => {});
      await page.close().catch(() => {});
    }
  }, 120_000);
});
