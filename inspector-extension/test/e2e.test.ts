/**
 * End to end, in Debian's Chromium (headless, via playwright-core): the built extension, a page
 * served from 127.0.0.1 with debug mode on (fixtures/page.html, with an iframe), and the panel
 * opened as a normal tab with `?tabId=N` — then, once, inside the real DevTools.
 *
 * The tests share one browser and run in order, each leaving the page in the state the next one
 * expects (vitest runs a file's tests sequentially).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { evaluatorFor, findTarget, showChannelsPanel } from './devtools-targets.js';
import { buildAll, fixturesPath, launchWithExtension, loadFixture, newTab, repoRoot, startServer } from './harness.mjs';
import { row, states, text } from './panel-rows.js';

/** What the fixture page exposes (fixtures/page.js). */
interface FixtureWindow {
  postedSnapshots: number;
  inspectorSaid: ('hello' | 'bye')[];
  fixture: {
    push(name: string, count?: number): void;
    park(name: string, kind: 'push' | 'pull'): void;
    create(name: string, capacity: number): void;
  };
}

const POLL = { timeout: 10_000, interval: 50 };

let server: Awaited<ReturnType<typeof startServer>>;
let browser: Awaited<ReturnType<typeof launchWithExtension>>;
let context: BrowserContext;
let page: Page;
let tabId: number;
let panel: Page;

const panelUrl = () => `chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`;
/** Runs `run` with the page's window (its source is sent, so it may use nothing from here). */
const onPage = (run: (window: FixtureWindow) => void) => page.evaluate(`(${run.toString()})(window)`);
const postedSnapshots = () => page.evaluate(() => (window as unknown as FixtureWindow).postedSnapshots);
/** The last thing the inspector said to the page. */
const lastSaid = () => page.evaluate(() => (window as unknown as FixtureWindow).inspectorSaid.at(-1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page's snapshot count once it stopped changing for 300 ms (three of its intervals). */
async function quietSnapshotCount(): Promise<number> {
  let count = await postedSnapshots();
  for (;;) {
    await sleep(300);
    const now = await postedSnapshots();
    if (now === count) return count;
    count = now;
  }
}

async function openPanel(): Promise<Page> {
  const opened = await context.newPage();
  await opened.goto(panelUrl());
  return opened;
}

beforeAll(async () => {
  const extensionDir = await buildAll();
  server = await startServer();
  browser = await launchWithExtension(extensionDir);
  context = browser.context;
  ({ page, tabId } = await newTab(context, browser.serviceWorker));
  await loadFixture(page, `${server.origin}${fixturesPath}/page.html`);
  panel = await openPanel();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the Channels panel, as a tab', () => {
  test("the panel lists the page's channels with capacity, occupancy, overflow and waiters", async () => {
    await expect.poll(() => text(row(panel, 'jobs').locator('.occupancy-text')), POLL).toBe('3 / 8');
    const names = await panel.locator('.row .name-text').allTextContents();
    expect(names.slice().sort()).toEqual(
      ['<img src=x onerror=alert(1)>', 'done', 'events', 'frame-uploads', 'jobs', 'latest', 'replies'].sort(),
    );
    expect(await text(row(panel, 'jobs').locator('.col-capacity'))).toBe('8');
    expect(await row(panel, 'jobs').locator('.fill').getAttribute('style')).toContain('width: 37.5%');
    expect(await text(row(panel, 'events').locator('.col-capacity'))).toBe('∞');
    expect(await text(row(panel, 'events').locator('.occupancy-text'))).toBe('5 / ∞');
    expect(await text(row(panel, 'latest').locator('.col-overflow'))).toBe('drop-oldest');
    expect(await text(row(panel, 'replies').locator('.col-pullers .count'))).toBe('1');
    expect(await text(row(panel, 'replies').locator('.col-pushers'))).toBe('–');
    expect(await row(panel, 'done').getAttribute('class')).toContain('closed');
  });

  test('rows of an iframe are tagged with their frame', async () => {
    expect(await text(row(panel, 'frame-uploads').locator('.col-frame'))).toBe('frame.html');
    expect(await row(panel, 'frame-uploads').locator('.col-frame').getAttribute('title')).toMatch(
      /\/frame\.html \(origin http:\/\/127\.0\.0\.1:\d+\)$/,
    );
    expect(await text(row(panel, 'jobs').locator('.col-frame'))).toBe('top');
  });

  test('a hostile channel name is shown as text, never as markup', async () => {
    expect(await text(row(panel, '<img src=x onerror=alert(1)>').locator('.name-text'))).toBe(
      '<img src=x onerror=alert(1)>',
    );
    expect(await panel.locator('img').count()).toBe(0);
  });

  test("the panel follows the page's state as it changes", async () => {
    await onPage((w) => w.fixture.push('jobs', 2));
    await expect.poll(() => text(row(panel, 'jobs').locator('.occupancy-text')), POLL).toBe('5 / 8');
    await onPage((w) => {
      w.fixture.create('fresh', 0);
      w.fixture.park('fresh', 'push');
    });
    await expect.poll(() => text(row(panel, 'fresh').locator('.col-pushers .count')), POLL).toBe('1');
  });

  test('with two inspected tabs, each panel shows only its own tab’s channels', async () => {
    const other = await newTab(context, browser.serviceWorker);
    const otherPanel = await context.newPage();
    try {
      await otherPanel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${other.tabId}`);
      await loadFixture(other.page, `${server.origin}${fixturesPath}/demo.html`);
      await expect.poll(() => row(otherPanel, 'crawl/urls').count(), POLL).toBe(1);
      expect(await row(otherPanel, 'jobs').count()).toBe(0);
      await onPage((w) => w.fixture.push('jobs', 0)); // nothing changes; give tab 2's snapshots time to stray
      await sleep(300);
      expect(await row(panel, 'crawl/urls').count()).toBe(0);
      expect(await row(panel, 'jobs').count()).toBe(1);
    } finally {
      await otherPanel.close();
      await other.page.close();
    }
  });

  test('a same-document navigation (pushState, a hash change) keeps the rows and their history', async () => {
    const points = () => row(panel, 'jobs').locator('.spark-line').getAttribute('points');
    const before = await points();
    await page.evaluate(() => {
      history.pushState({}, '', '?route=2');
      location.hash = 'section';
    });
    await sleep(300);
    expect(await row(panel, 'fresh').count()).toBe(1);
    expect(await points()).toBe(before);
  });

  test('a kept snapshot of a document that left while the service worker slept is not restored', async () => {
    const other = await newTab(context, browser.serviceWorker);
    const url = `chrome-extension://${browser.extensionId}/panel.html?tabId=${other.tabId}`;
    try {
      const first = await context.newPage();
      await first.goto(url);
      await loadFixture(other.page, `${server.origin}${fixturesPath}/demo.html`);
      await expect.poll(() => row(first, 'crawl/urls').count(), POLL).toBe(1);
      await first.close();
      const cdp = await context.newCDPSession(other.page);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers'); // the demo's port closes with the worker, unheard
      await cdp.detach();
      await loadFixture(other.page, `${server.origin}${fixturesPath}/plain.html`);
      const second = await context.newPage();
      await second.goto(url);
      await expect.poll(() => text(second.locator('.empty h2')), POLL).toBe('No chanasync debug mode on this page');
      await sleep(300);
      expect(await second.locator('.row').count()).toBe(0);
      await second.close();
    } finally {
      await other.page.close();
    }
  });

  test('a channel whose oldest waiter passed the threshold is marked stuck and sorted first', async () => {
    await panel.locator('#threshold').fill('0.5');
    await expect.poll(() => row(panel, 'replies').getAttribute('class'), POLL).toContain('stuck');
    expect(await text(row(panel, 'replies').locator('.col-state'))).toBe('stuck');
    const first = await panel.locator('.row').first().locator('.name-text').textContent();
    expect(['replies', 'fresh']).toContain(first);
    const fixture = readFileSync(join(repoRoot, fixturesPath, 'page.js'), 'utf8').split('\n');
    const line = fixture.findIndex((source) => source.includes('channels.replies.pull()')) + 1;
    expect(await text(row(panel, 'replies').locator('.col-where'))).toBe(`waitForReply (page.js:${line})`);
  });

  test('expanding a row shows its waiters with their stacks, and where the channel was created', async () => {
    await row(panel, 'replies').locator('.caret').click();
    const details = row(panel, 'replies').locator('.details');
    await details.waitFor();
    expect(await text(details.locator('.kind'))).toBe('pull');
    expect(await text(details.locator('.waiter .stack'))).toContain('waitForReply');
    expect(await details.locator('dd .stack').first().textContent()).toContain('page.js');
  });

  test('the panel recovers when the service worker restarts', async () => {
    const cdp: CDPSession = await context.newCDPSession(panel);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    await onPage((w) => w.fixture.push('jobs', 1));
    await expect.poll(() => text(row(panel, 'jobs').locator('.occupancy-text')), POLL).toBe('6 / 8');
    await expect.poll(() => text(panel.locator('#status')), POLL).not.toContain('reconnecting');
  });

  test('a second panel of the same tab fills at once from the kept snapshots', async () => {
    const before = await quietSnapshotCount();
    const second = await openPanel();
    try {
      await expect.poll(() => text(row(second, 'jobs').locator('.occupancy-text')), POLL).toBe('6 / 8');
      expect(await postedSnapshots()).toBe(before); // not a new snapshot: only the first panel says hello
    } finally {
      await second.close();
    }
  });

  test('reloading the page starts the panel over with the new page', async () => {
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
    await expect.poll(() => text(row(panel, 'jobs').locator('.occupancy-text')), POLL).toBe('3 / 8');
    expect(await row(panel, 'fresh').count()).toBe(0);
    // The sparkline starts over too: every sample is the new page's 3.
    const points = (await row(panel, 'jobs').locator('.spark-line').getAttribute('points')) ?? '';
    expect(new Set(points.split(' ').map((point) => point.split(',')[1])).size).toBe(1);
  });

  test('closing the last panel says bye: the page stops posting snapshots', async () => {
    await onPage((w) => w.fixture.push('jobs', 1));
    await expect.poll(() => text(row(panel, 'jobs').locator('.occupancy-text')), POLL).toBe('4 / 8');
    expect(await lastSaid()).toBe('hello');
    await panel.close();
    await expect.poll(lastSaid, POLL).toBe('bye'); // panel → service worker → content script → page
    const count = await postedSnapshots();
    await onPage((w) => w.fixture.push('jobs', 1));
    await sleep(600); // six of the page's 100 ms intervals
    expect(await postedSnapshots()).toBe(count);
  });
});

// ── the real DevTools ──────────────────────────────────────────────────────────────────────

/** The id of the first target whose URL matches, once there is one. */
async function targetWhere(cdp: CDPSession, match: (url: string) => boolean): Promise<string> {
  await expect.poll(() => findTarget(cdp, match), POLL).toBeDefined();
  return (await findTarget(cdp, match)) as string;
}

describe('the Channels panel in the real DevTools', () => {
  test('DevTools shows the Channels panel with the inspected tab, opens a parked-at location in Sources, and closing DevTools says bye', async () => {
    const cdp = await context.browser()!.newBrowserCDPSession();
    const pageTarget = await targetWhere(cdp, (url) => url.startsWith(`${server.origin}${fixturesPath}/page.html`));
    const before = await postedSnapshots();
    await cdp.send('Target.openDevTools', { targetId: pageTarget });
    const devtoolsTarget = await targetWhere(cdp, (url) => url.startsWith('devtools://devtools/bundled/devtools_app'));
    const devtools = await evaluatorFor(cdp, devtoolsTarget);
    const panelTarget = await showChannelsPanel(cdp, devtools, browser.extensionId, POLL);
    const inPanel = await evaluatorFor(cdp, panelTarget);
    const names = () =>
      inPanel('[...document.querySelectorAll(".row .name-text")].map((e) => e.textContent).sort().join(",")');
    await expect.poll(names, POLL).toBe('<img src=x onerror=alert(1)>,done,events,frame-uploads,jobs,latest,replies');
    expect(await inPanel('location.search')).toBe(''); // the tab id came from devtools.inspectedWindow
    // A click on a parked-at location opens it in the Sources panel (which DevTools creates on first show).
    const sourcesShown = () => devtools('"sources" in UI.panels');
    expect(await sourcesShown()).toBe(false);
    await expect
      .poll(() => inPanel('document.querySelectorAll(".row .col-where .loc").length'), POLL)
      .toBeGreaterThan(0);
    await inPanel('document.querySelector(".row .col-where .loc").click()');
    await expect.poll(sourcesShown, POLL).toBe(true);
    await expect.poll(lastSaid, POLL).toBe('hello'); // the first panel of the tab wakes its pages
    await expect.poll(postedSnapshots, POLL).toBeGreaterThan(before);

    await cdp.send('Target.closeTarget', { targetId: devtoolsTarget });
    await expect.poll(lastSaid, POLL).toBe('bye');
    const count = await postedSnapshots();
    await onPage((w) => w.fixture.push('jobs', 1));
    await sleep(600);
    expect(await postedSnapshots()).toBe(count);
    await cdp.detach();
  }, 90_000); // DevTools' own window loads slowly on a busy machine (see showChannelsPanel)
});

// ── lifecycle, frames and states ───────────────────────────────────────────────────────────

describe('lifecycle, frames and states', () => {
  /** A new tab with `fixture` loaded and, unless told otherwise, a panel opened on it first. */
  async function tabWith(fixture: string, withPanel = true) {
    const tab = await newTab(context, browser.serviceWorker);
    let view: Page | undefined;
    if (withPanel) {
      view = await context.newPage();
      await view.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tab.tabId}`);
    }
    await loadFixture(tab.page, `${server.origin}${fixturesPath}/${fixture}`);
    return { ...tab, panel: view };
  }
  const said = (target: Page) => target.evaluate(() => (window as unknown as FixtureWindow).inspectorSaid.at(-1));
  const posted = (target: Page) => target.evaluate(() => (window as unknown as FixtureWindow).postedSnapshots);
  const restored = (target: Page) =>
    target.evaluate(() => (window as unknown as { restoredFromCache: number }).restoredFromCache);
  test('a tab without a panel has nothing kept in storage.session, however much its page posts', async () => {
    const tab = await tabWith('page.html', false);
    try {
      // The page's debug mode posts only after a hello; make it post anyway, as a hostile page could.
      await tab.page.evaluate(() => {
        for (let i = 0; i < 200; i++) {
          window.postMessage(
            { source: 'chanasync', version: 1, type: 'snapshot', time: Date.now(), channels: [] },
            '*',
          );
        }
      });
      await expect.poll(() => said(tab.page), POLL).toBe('bye'); // the service worker answered
      const kept = await (await browser.serviceWorker()).evaluate(
        async (id) =>
          Object.keys(await (globalThis as any).chrome.storage.session.get(null)).filter((key) => key === `tab:${id}`),
        tab.tabId,
      );
      expect(kept).toEqual([]);
    } finally {
      await tab.page.close();
    }
  });

  test('a page restored from the back/forward cache with the panel open shows its channels again', async () => {
    const tab = await tabWith('page.html');
    const view = tab.panel as Page;
    try {
      await expect.poll(() => row(view, 'jobs').count(), POLL).toBe(1);
      await tab.page.goto(`${server.origin}${fixturesPath}/plain.html`);
      await expect.poll(() => text(view.locator('.empty h2')), POLL).toBe('No chanasync debug mode on this page');
      await tab.page.goBack({ waitUntil: 'commit' }); // a restore fires no load event
      await expect.poll(() => restored(tab.page), POLL).toBe(1); // restored, not reloaded
      await expect.poll(() => text(row(view, 'jobs').locator('.occupancy-text')), POLL).toBe('3 / 8');
      expect(await view.locator('.empty').count()).toBe(0);
    } finally {
      await view.close();
      await tab.page.close();
    }
  });

  test('a page restored from the back/forward cache with no panel open is told bye and stops posting', async () => {
    const tab = await tabWith('page.html');
    const view = tab.panel as Page;
    await expect.poll(() => row(view, 'jobs').count(), POLL).toBe(1);
    expect(await said(tab.page)).toBe('hello');
    await tab.page.goto(`${server.origin}${fixturesPath}/plain.html`);
    await view.close(); // the bye goes to the tab's current document, not to the frozen one
    await sleep(300);
    await tab.page.goBack({ waitUntil: 'commit' }); // a restore fires no load event
    await expect.poll(() => restored(tab.page), POLL).toBe(1);
    await expect.poll(() => said(tab.page), POLL).toBe('bye');
    const count = await posted(tab.page);
    await tab.page.evaluate(() => (window as unknown as FixtureWindow).fixture.push('jobs', 1));
    await sleep(600);
    expect(await posted(tab.page)).toBe(count);
    await tab.page.close();
  });

  test('a service-worker stop followed at once by closing the panel still ends with the page told bye', async () => {
    const tab = await tabWith('page.html');
    const view = tab.panel as Page;
    await expect.poll(() => row(view, 'jobs').count(), POLL).toBe(1);
    const cdp = await context.newCDPSession(tab.page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await view.close();
    await cdp.detach();
    await tab.page.evaluate(() => (window as unknown as FixtureWindow).fixture.push('jobs', 1)); // the page posts
    await expect.poll(() => said(tab.page), POLL).toBe('bye');
    const count = await posted(tab.page);
    await tab.page.evaluate(() => (window as unknown as FixtureWindow).fixture.push('jobs', 1));
    await sleep(600);
    expect(await posted(tab.page)).toBe(count);
    await tab.page.close();
  });

  test('a text selection in an expanded stack survives the repaints that age the wait and mark it stuck', async () => {
    const tab = await tabWith('page.html');
    const view = tab.panel as Page;
    try {
      // A threshold far off while the row is expanded and the text selected (on a loaded machine
      // that takes longer than any short threshold); then a short one, set without focusing the
      // input (focus would move the selection), so the wait turns stuck under the selection.
      await view.locator('#threshold').fill('60');
      await tab.page.evaluate(() => {
        const { fixture } = window as unknown as FixtureWindow;
        fixture.create('selected', 0);
        fixture.park('selected', 'pull');
      });
      await expect.poll(() => row(view, 'selected').count(), POLL).toBe(1);
      const line = row(view, 'selected').locator('.waiter .stack .frame-line').first();
      // Expanded by its caret; clicked again only if a click did not take (the row is rebuilt
      // when it expands, and repainted every 500 ms).
      await expect
        .poll(async () => {
          const caret = row(view, 'selected').locator('.caret');
          if ((await caret.getAttribute('aria-expanded')) !== 'true')
            await caret.click({ timeout: 2_000 }).catch(() => {});
          return line.count();
        }, POLL)
        .toBeGreaterThan(0);
      expect(await text(row(view, 'selected').locator('.col-state'))).toBe('waiting');
      const selected = await line.evaluate((node) => {
        const range = document.createRange();
        range.selectNodeContents(node);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
        return getSelection()?.toString();
      });
      expect(selected).toContain('park');
      await view.evaluate(() => {
        const input = document.querySelector<HTMLInputElement>('#threshold')!;
        input.value = '0.5';
        input.dispatchEvent(new Event('input'));
      });
      await expect.poll(() => text(row(view, 'selected').locator('.col-state')), POLL).toBe('stuck');
      await sleep(1100); // two more 500 ms repaints
      expect(await view.evaluate(() => getSelection()?.toString())).toBe(selected);
    } finally {
      await view.close();
      await tab.page.close();
    }
  });

  test('docked at 550 px, name, state, waiting age and parked-at are visible without scrolling sideways', async () => {
    const tab = await tabWith('page.html');
    const view = tab.panel as Page;
    try {
      await view.setViewportSize({ width: 550, height: 600 });
      await view.locator('#threshold').fill('0.5');
      await expect.poll(() => text(row(view, 'replies').locator('.col-state')), POLL).toBe('stuck');
      for (const column of ['name', 'state', 'wait', 'where']) {
        const box = await row(view, 'replies').locator(`.col-${column}`).boundingBox();
        expect(box, column).not.toBeNull();
        expect(box!.width, column).toBeGreaterThan(20);
        expect(box!.x + box!.width, column).toBeLessThanOrEqual(550);
      }
      expect(await text(row(view, 'replies').locator('.col-name'))).toBe('replies');
      expect(await text(row(view, 'replies').locator('.col-where'))).toMatch(/^waitForReply \(page\.js:\d+\)$/);
      expect(await view.$eval('#viewport', (node) => node.scrollWidth <= node.clientWidth)).toBe(true);
      // The status line is whole (it was cut to "4 channels · 1 …" at this width), and its title too.
      expect(await text(view.locator('#status'))).toMatch(/\d+ stuck/);
      expect(await view.$eval('#status', (node) => node.scrollWidth <= node.clientWidth)).toBe(true);
      expect(await view.$eval('#status', (node) => (node as HTMLElement).title === node.textContent)).toBe(true);
      expect(await row(view, 'replies').locator('.col-capacity').isVisible()).toBe(false);
      // What the hidden columns show is in the expanded row.
      await row(view, 'replies').locator('.caret').click();
      await row(view, 'replies').locator('.details').waitFor();
      expect(await text(row(view, 'replies').locator('.details'))).toContain('capacity 0 · 0 buffered · block');
    } finally {
      await view.close();
      await tab.page.close();
    }
  });

  test('a cross-origin frame whose path ends in /top is tagged with its origin; only the top frame is “top”', async () => {
    const tab = await tabWith('impostor.html');
    const view = tab.panel as Page;
    try {
      await expect.poll(() => row(view, 'impostor-jobs').count(), POLL).toBe(1);
      expect(await text(row(view, 'page-own').locator('.col-frame'))).toBe('top');
      expect(await text(row(view, 'impostor-jobs').locator('.col-frame'))).toMatch(/^localhost:\d+ › top$/);
      const tops = await view.$$eval('.row .col-frame', (cells) => cells.filter((c) => c.textContent === 'top').length);
      expect(tops).toBe(1);
    } finally {
      await view.close();
      await tab.page.close();
    }
  });

  test('a Worker’s channels, relayed by its page, appear apart from the page’s and tagged as the Worker’s', async () => {
    const tab = await tabWith('worker.html');
    const view = tab.panel as Page;
    try {
      await expect.poll(() => row(view, 'worker-tasks').count(), POLL).toBe(1);
      expect(await text(row(view, 'worker-tasks').locator('.col-frame'))).toBe('top › worker crunch-worker.js');
      expect(await text(row(view, 'page-side').locator('.col-frame'))).toBe('top');
      expect(await text(row(view, 'worker-tasks').locator('.col-pullers .count'))).toBe('1');
    } finally {
      await view.close();
      await tab.page.close();
    }
  });

  test('a real two-function deadlock shows both channels stuck, and the idle input loop waiting for input', async () => {
    const tab = await tabWith('deadlock.html');
    const view = tab.panel as Page;
    try {
      await view.locator('#threshold').fill('1');
      await expect
        .poll(async () => (await states(view)).slice(0, 2).sort(), POLL)
        .toEqual(['approvals:stuck', 'requests:stuck']);
      expect(await states(view)).toContain('fromEvent(keydown):waiting for input');
      expect(await text(row(view, 'requests').locator('.col-where'))).toMatch(/^transfer \(deadlock\.js:\d+\)$/);
      expect(await text(row(view, 'approvals').locator('.col-where'))).toMatch(/^audit \(deadlock\.js:\d+\)$/);
    } finally {
      await view.close();
      await tab.page.close();
    }
  });

  test('a leaked pull is listed first after its channel is collected, and stays until Clear', async () => {
    const tab = await tabWith('leak.html');
    const view = tab.panel as Page;
    try {
      await expect.poll(() => row(view, 'alive').count(), POLL).toBe(1);
      await expect
        .poll(async () => {
          await tab.page.evaluate(() => (window as unknown as { collect(): Promise<void> }).collect());
          return (await states(view))[0];
        }, POLL)
        .toBe('orphan-replies:leaked');
      expect(await text(row(view, 'orphan-replies').locator('.col-where'))).toMatch(/^fetchOnce \(leak\.js:\d+\)$/);
      await sleep(500); // later snapshots keep it listed
      expect((await states(view))[0]).toBe('orphan-replies:leaked');
      await view.locator('#clear').click();
      await expect.poll(() => row(view, 'alive').count(), POLL).toBe(1); // the page re-posted after Clear
      await sleep(300);
      expect(await row(view, 'orphan-replies').count()).toBe(0);
    } finally {
      await view.close();
      await tab.page.close();
    }
  });
});
