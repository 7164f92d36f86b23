/**
 * Audit X: the Channels panel as a developer uses it, in Debian's Chromium (headless) with the
 * unpacked extension, the panel opened as a tab for the inspected tab (`panel.html?tabId=N`).
 * Fixtures are in ./fixtures (scene: stuck, idle and leaked; tools: driven by the test; frame
 * and worker: one parked pull each).
 */
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { evaluatorFor, findTarget, showChannelsPanel } from '../devtools-targets.js';
import { useExtensionBrowser } from '../extension-browser.js';
import { loadFixture, newTab } from '../harness.mjs';
import { row, states, text } from '../panel-rows.js';
import { SCENE_ROWS } from './scene-rows.js';

const FIXTURES = '/inspector-extension/test/audit-x/fixtures';
const POLL = { timeout: 15_000, interval: 100 };
const env = useExtensionBrowser();

/** A new tab with `fixture` loaded and a panel opened on it; both closed by `done()`. */
async function inspect(fixture: string, { panelFirst = false } = {}) {
  const { context, extensionId, serviceWorker } = env.browser;
  const { page, tabId } = await newTab(context, serviceWorker);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  const panel = await context.newPage();
  panel.on('pageerror', (error) => errors.push(`panel: ${error.message}`));
  const openPanel = () => panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
  if (panelFirst) await openPanel();
  await loadFixture(page, `${env.server.origin}${FIXTURES}/${fixture}`);
  if (!panelFirst) await openPanel();
  const done = async () => {
    await panel.close();
    await page.close();
  };
  return { page, panel, tabId, errors, done };
}

const names = (panel: Page) => panel.locator('.row .name-text').allTextContents();
const notices = (panel: Page) => panel.locator('#notices').textContent();
/** What the page's own `message` listener heard (fixtures record every event's data). */
const heard = (page: Page) => page.evaluate(() => (window as unknown as { heard: unknown[] }).heard);

/** Runs scene.js's `collect()` (garbage collections), after which its dropped channel shows as leaked. */
const collect = (page: Page) => page.evaluate(() => (window as unknown as { collect(): Promise<void> }).collect());
/** `pushNowait(value)` on scene.js's channel named `unbounded`. */
const pushToUnbounded = (page: Page, value: number) =>
  page.evaluate(
    (v) =>
      (window as unknown as { channels: { unbounded: { pushNowait(v: number): void } } }).channels.unbounded.pushNowait(
        v,
      ),
    value,
  );
/** The test server's origin under another host name: cross-origin to the page. */
const crossOrigin = () => env.server.origin.replace('127.0.0.1', 'localhost');

async function setThreshold(panel: Page, seconds: number) {
  await panel.fill('#threshold', String(seconds));
}

describe('a page with stuck, idle and leaked channels (fixtures/scene.js)', () => {
  test('rows rank leaked, then stuck producers (longest blocked first), then a stuck consumer, then waiting for input', async () => {
    const { page, panel, errors, done } = await inspect('scene.html');
    try {
      await setThreshold(panel, 1);
      await collect(page);
      await expect.poll(() => states(panel), POLL).toEqual(['leaky:leaked', ...SCENE_ROWS]);
      // Occupancy: an unbounded channel as ∞, a full buffered one as 1 / 1, unbuffered as such.
      expect(await text(row(panel, 'unbounded').locator('.col-capacity'))).toBe('∞');
      expect(await text(row(panel, 'unbounded').locator('.occupancy-text'))).toBe('3 / ∞');
      expect(await text(row(panel, 'older-producer').locator('.occupancy-text'))).toBe('1 / 1');
      expect(await text(row(panel, 'newer-producer').locator('.col-occupancy'))).toBe('unbuffered');
      // Parked operations: count and age; where they parked (stacks: true), in the user's code.
      expect(await text(row(panel, 'older-producer').locator('.col-pushers .count'))).toBe('1');
      expect(await text(row(panel, 'older-producer').locator('.col-pushers'))).toMatch(/^1 · \d+(\.\d)? s$/);
      expect(await text(row(panel, 'older-producer').locator('.col-where'))).toBe('olderProducer (scene.js:27)');
      expect(await text(row(panel, 'lonely-consumer').locator('.col-where'))).toBe(
        'consumerWaitsForNothing (scene.js:22)',
      );
      expect(await text(row(panel, 'leaky').locator('.col-where'))).toBe('leak (scene.js:49)');
      expect(await text(row(panel, 'leaky').locator('.col-pullers .count'))).toBe('1');
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  // Was wrong: every case of a select explained by input read "(input)" in the expanded row —
  // "pull control (input)" for a plain channel — since the page marks each case's wait `input`;
  // the mark belongs to the cases on an input channel, the ones that explain the select.
  test('an expanded select marks as input only its case on an input channel', async () => {
    const { panel, errors, done } = await inspect('scene.html');
    try {
      const select = row(panel, 'select: pull control | pull fromEvent(click)');
      await expect.poll(() => select.count(), POLL).toBe(1);
      await select.locator('.caret').click();
      const selectItems = panel
        .locator('.details dt', { hasText: /^Select$/ })
        .locator('xpath=following-sibling::dd[1]');
      await expect.poll(() => selectItems.count(), POLL).toBe(1);
      const lines = await selectItems.locator('div').allTextContents();
      expect(lines).toEqual(['pull control', 'pull fromEvent(click) (input)']);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  test('in the real DevTools, the Channels panel of the inspected tab ranks leaked, stuck producers, then idle', async () => {
    const { page, panel, errors, done } = await inspect('scene.html');
    await panel.close(); // this test uses the panel inside DevTools only
    const cdp = await env.browser.context.browser()!.newBrowserCDPSession();
    try {
      await collect(page);
      const pageTarget = await findTarget(cdp, (url) => url.endsWith(`${FIXTURES}/scene.html`));
      expect(pageTarget).toBeDefined();
      await cdp.send('Target.openDevTools', { targetId: pageTarget as string });
      const isDevtools = (url: string) => url.startsWith('devtools://devtools/bundled/devtools_app');
      await expect.poll(() => findTarget(cdp, isDevtools), POLL).toBeDefined();
      const devtools = await evaluatorFor(cdp, (await findTarget(cdp, isDevtools)) as string);
      const inPanel = await evaluatorFor(
        cdp,
        await showChannelsPanel(cdp, devtools, env.browser.extensionId, { ...POLL, timeout: 30_000 }),
      );
      await inPanel(`(() => { const input = document.getElementById('threshold'); input.value = '1';
        input.dispatchEvent(new Event('input')); })()`);
      const shown = () =>
        inPanel(`[...document.querySelectorAll('.row')].map((r) =>
          r.querySelector('.name-text').textContent + ':' + r.querySelector('.col-state').textContent).slice(0, 5).join(',')`);
      await expect
        .poll(shown, POLL)
        .toBe(
          'leaky:leaked,older-producer:stuck,newer-producer:stuck,lonely-consumer:stuck,fromEvent(keydown):waiting for input',
        );
      expect(await inPanel('location.search')).toBe(''); // its tab came from devtools.inspectedWindow
      expect(errors).toEqual([]);
    } finally {
      await cdp.detach().catch(() => {});
      await done().catch(() => {});
    }
  }, 90_000);

  test('a leak stays listed after the page navigates away and back, until Clear; Clear keeps the live rows', async () => {
    const { page, panel, errors, done } = await inspect('scene.html');
    try {
      await collect(page);
      await expect.poll(() => row(panel, 'leaky').count(), POLL).toBe(1);
      await page.goto(`${env.server.origin}/inspector-extension/test/fixtures/plain.html`);
      await expect.poll(() => states(panel), POLL).toEqual(['leaky:leaked']);
      await page.goBack({ waitUntil: 'commit' });
      await expect.poll(() => row(panel, 'older-producer').count(), POLL).toBe(1);
      expect(await row(panel, 'leaky').count()).toBe(1); // once, not twice
      await panel.click('#clear');
      await expect.poll(() => row(panel, 'leaky').count(), POLL).toBe(0);
      await expect.poll(() => row(panel, 'older-producer').count(), POLL).toBe(1);
      // The page keeps listing its leak in every snapshot: a cleared leak does not come back.
      await pushToUnbounded(page, 9);
      await expect.poll(() => text(row(panel, 'unbounded').locator('.occupancy-text')), POLL).toBe('4 / ∞');
      expect(await row(panel, 'leaky').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  test('disableDebug: the rows go at once, the leak stays until Clear', async () => {
    const { page, panel, errors, done } = await inspect('scene.html');
    try {
      await collect(page);
      await expect.poll(() => row(panel, 'leaky').count(), POLL).toBe(1);
      await expect.poll(() => row(panel, 'unbounded').count(), POLL).toBe(1);
      await page.evaluate(() => (window as unknown as { disable(): void }).disable());
      await expect.poll(() => states(panel), POLL).toEqual(['leaky:leaked']);
      await panel.click('#clear');
      await expect.poll(() => states(panel), POLL).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  test('messages the page forges or garbles never break the panel, and the page hears only hello/bye from it', async () => {
    const { page, panel, errors, done } = await inspect('scene.html');
    try {
      await expect.poll(() => row(panel, 'older-producer').count(), POLL).toBe(1);
      const before = (await names(panel)).sort();
      await page.evaluate(() => {
        const now = Date.now();
        const garbled: unknown[] = [
          { source: 'chanasync', version: 1, type: 'snapshot' },
          { source: 'chanasync', version: 1, type: 'snapshot', time: now, channels: 'many' },
          {
            source: 'chanasync',
            version: 1,
            type: 'snapshot',
            time: now,
            channels: [
              { id: 1, name: 'x', capacity: 1, size: 5, closed: false, overflow: 'block', pushers: [], pullers: [] },
            ],
          },
          JSON.parse(
            '{"source":"chanasync","version":1,"type":"snapshot","time":1,"channels":[],"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
          ),
          { source: 'chanasync', version: 1, type: 'snapshot', time: now, channels: [], pad: 'x'.repeat(5_000_000) },
          { source: 'chanasync', version: 2, type: 'announce' },
          'chanasync',
          null,
          [1, 2, 3],
        ];
        for (const message of garbled) window.postMessage(message, '*');
      });
      await expect.poll(() => notices(panel), POLL).toMatch(/malformed/);
      await expect.poll(() => notices(panel), POLL).toMatch(/4\.\d MB/);
      // The real rows are still there.
      await pushToUnbounded(page, 9);
      await expect.poll(() => text(row(panel, 'unbounded').locator('.occupancy-text')), POLL).toBe('4 / ∞');
      expect((await names(panel)).sort()).toEqual(before);
      expect(await panel.evaluate(() => ({}) as Record<string, unknown>)).toEqual({});
      expect(await panel.evaluate(() => (Object.prototype as Record<string, unknown>).polluted)).toBeUndefined();
      // Everything the page heard from the extension is hello or bye, well-formed.
      const fromInspector = (await heard(page)).filter(
        (m) => typeof m === 'object' && m !== null && (m as { source?: unknown }).source === 'chanasync-inspector',
      );
      for (const m of fromInspector) {
        expect(['hello', 'bye']).toContain((m as { type: string }).type);
        expect(Object.keys(m as object).sort()).toEqual(['source', 'type', 'version']);
      }
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });
});

interface Tools {
  ax: {
    debug: typeof import('../../../src/debug/index.js');
    lib: typeof import('../../../src/index.js');
    keep: unknown[];
  };
  heard: unknown[];
}

describe('lifecycle (fixtures/tools.js)', () => {
  test('panel open before enableDebug; disableDebug empties the rows; enableDebug again shows the new session', async () => {
    const { page, panel, errors, done } = await inspect('tools.html', { panelFirst: true });
    try {
      await expect.poll(() => panel.locator('#viewport').textContent(), POLL).toMatch(/No chanasync debug mode/);
      await page.evaluate(() => {
        const { debug, lib, keep } = (window as unknown as Tools).ax;
        debug.enableDebug({ intervalMs: 100 });
        keep.push(new lib.Channel(2, { name: 'first' }));
      });
      await expect.poll(() => states(panel), POLL).toEqual(['first:idle']);
      await page.evaluate(() => (window as unknown as Tools).ax.debug.disableDebug());
      await expect.poll(() => states(panel), POLL).toEqual([]);
      await page.evaluate(() => {
        const { debug, lib, keep } = (window as unknown as Tools).ax;
        debug.enableDebug({ intervalMs: 100 });
        const second = new lib.Channel<number>(0, { name: 'second' });
        keep.push(second);
        second.pull().catch(() => {});
      });
      await expect.poll(() => states(panel), POLL).toEqual(['second:waiting']);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  test('frames (same-origin, cross-origin, srcdoc) and relayed Workers are labelled, and their rows go with them', async () => {
    const { page, panel, errors, done } = await inspect('tools.html');
    try {
      const other = crossOrigin();
      await page.evaluate(
        ({ fixtures, other }) => {
          const { debug, lib, keep } = (window as unknown as Tools).ax;
          debug.enableDebug({ intervalMs: 100 });
          keep.push(new lib.Channel(0, { name: 'top-chan' }));
          const frames: [string, string | undefined][] = [
            ['same', `${fixtures}/frame.html?name=same-frame`],
            ['cross', `${other}${fixtures}/frame.html?name=cross-frame`],
            ['srcdoc', undefined],
          ];
          for (const [id, src] of frames) {
            const frame = document.createElement('iframe');
            frame.id = id;
            if (src !== undefined) frame.src = src;
            else {
              frame.srcdoc = `<script type="module">
                import { enableDebug } from '${location.origin}/dist/debug.js';
                import { Channel } from '${location.origin}/dist/index.js';
                enableDebug({ intervalMs: 100 });
                window.kept = new Channel(0, { name: 'srcdoc-frame' });
                window.kept.push(1);
              </script>`;
            }
            document.body.append(frame);
          }
          const spawn = (name: string) => {
            const worker = new Worker(`${fixtures}/worker.js?name=${name}`, { type: 'module' });
            debug.relayDebug(worker);
            return worker;
          };
          Object.assign(window, { w1: spawn('w1'), w2: spawn('w2') });
        },
        { fixtures: FIXTURES, other },
      );
      const all = ['cross-frame', 'same-frame', 'srcdoc-frame', 'top-chan', 'w1', 'w2'];
      await expect.poll(async () => (await names(panel)).sort(), POLL).toEqual(all);
      expect(await text(row(panel, 'top-chan').locator('.col-frame'))).toBe('top');
      expect(await text(row(panel, 'same-frame').locator('.col-frame'))).toBe('frame.html');
      expect(await text(row(panel, 'cross-frame').locator('.col-frame'))).toMatch(/^localhost:\d+ › frame\.html$/);
      expect(await text(row(panel, 'w1').locator('.col-frame'))).toBe('top › worker worker.js');
      const gone = async (run: string, name: string) => {
        await page.evaluate(run);
        all.splice(all.indexOf(name), 1);
        await expect.poll(async () => (await names(panel)).sort(), POLL).toEqual(all);
      };
      await gone("document.getElementById('same').remove()", 'same-frame');
      await gone("document.getElementById('cross').remove()", 'cross-frame');
      await gone("document.getElementById('srcdoc').remove()", 'srcdoc-frame');
      await gone('window.w1.terminate()', 'w1');
      await gone("window.w2.postMessage('close')", 'w2'); // the worker closes itself
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  test('3000 channels with colliding names: the panel stays sorted, says what it left out, filters fast', async () => {
    const { page, panel, errors, done } = await inspect('tools.html');
    try {
      await setThreshold(panel, 1);
      await page.evaluate(() => {
        const { debug, lib, keep } = (window as unknown as Tools).ax;
        debug.enableDebug({ intervalMs: 100 });
        const long = new lib.Channel<number>(0, { name: `<b>${'x'.repeat(100_000)}</b>` });
        keep.push(long);
        long.pull().catch(() => {});
        for (let i = 0; i < 3000; i++) {
          const c = new lib.Channel<number>(1, { name: i % 2 ? 'dup' : `job-${i}` });
          keep.push(c);
          if (i % 3 === 0) {
            c.pushNowait(i);
            c.push(i).catch(() => {});
          }
        }
      });
      // 1001 channels have waits, 1000 are listed: 2001 or 2002 left out, whichever tie it cut.
      await expect.poll(() => notices(panel), POLL).toMatch(/left 200[01] channels/);
      // Stuck producers first, then the stuck pull on the long-named channel, nothing else stuck.
      await expect
        .poll(async () => (await states(panel)).slice(0, 3), POLL)
        .toEqual(['job-0:stuck', 'dup:stuck', 'job-6:stuck']);
      const rendered = await states(panel);
      expect(rendered.length).toBeLessThan(200); // only the rows in view are built
      expect(await panel.locator('b').count()).toBe(0); // a name is text, never markup
      await panel.fill('#filter', 'dup');
      await expect
        .poll(async () => new Set((await states(panel)).map((s) => s.split(':')[0])), POLL)
        .toEqual(new Set(['dup']));
      await panel.fill('#filter', 'x'.repeat(50));
      await expect.poll(() => panel.locator('.row .name-text').count(), POLL).toBe(1);
      expect(await text(panel.locator('.row .name-text'))).toMatch(/^<b>x{100,}/);
      expect(errors).toEqual([]);
    } finally {
      await done();
    }
  });

  // Was wrong: debug mode (and relayDebug) took a `bye` from any window — a frame of the page
  // posting to its parent — as the inspector's, so any iframe (an ad, an embed that forwards
  // messages) froze the open panel: the page stopped posting, rows went stale, waits aged into
  // "stuck". The inspector speaks on the very window it listens to.
  test("a frame of the page saying bye to its parent does not silence the page's debug mode or its relayed Worker", async () => {
    const { page, panel, errors, done } = await inspect('tools.html');
    try {
      const other = crossOrigin();
      await page.evaluate(
        ({ fixtures, other }) => {
          const { debug, lib, keep } = (window as unknown as Tools).ax;
          debug.enableDebug({ intervalMs: 100 });
          keep.push(new lib.Channel(10, { name: 'top-buffer' }));
          const worker = new Worker(`${fixtures}/worker.js?name=wk`, { type: 'module' });
          debug.relayDebug(worker);
          Object.assign(window, { wk: worker });
          const frame = document.createElement('iframe');
          frame.src = `${other}${fixtures}/bridge.html`;
          document.body.append(frame);
        },
        { fixtures: FIXTURES, other },
      );
      await expect.poll(async () => (await names(panel)).sort(), POLL).toEqual(['top-buffer', 'wk']);
      await expect.poll(() => page.frames().some((f) => f.url().includes('bridge.html')), POLL).toBe(true);
      const frame = page.frames().find((f) => f.url().includes('bridge.html'));
      await frame?.waitForFunction(() => typeof (window as unknown as { say?: unknown }).say === 'function');
      await frame?.evaluate(() => (window as unknown as { say(type: string): void }).say('bye'));
      // The bye reached the page (its own listener heard it)...
      await expect
        .poll(async () => (await heard(page)).some((m) => (m as { type?: unknown } | null)?.type === 'bye'), POLL)
        .toBe(true);
      // ...and the page and its Worker keep posting to the open panel.
      await page.evaluate(() => {
        const { keep } = (window as unknown as Tools).ax;
        (keep[0] as { pushNowait(v: number): void }).pushNowait(1);
        (window as unknown as { wk: Worker }).wk.postMessage('more');
      });
      await expect.poll(() => text(row(panel, 'top-buffer').locator('.occupancy-text')), POLL).toBe('1 / 10');
      await expect.poll(() => row(panel, 'wk-more').count(), POLL).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.evaluate(() => (window as unknown as { wk?: Worker }).wk?.terminate()).catch(() => {});
      await done();
    }
  });
});
