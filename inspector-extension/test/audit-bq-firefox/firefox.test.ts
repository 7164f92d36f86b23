/**
 * Audit BQ-firefox: the Channels panel in Firefox (Debian's firefox-esr, headless, Marionette;
 * `inspector-extension/dist/firefox` as built), used as a developer hunting a stuck channel
 * would: small buggy apps of our own (`fixtures/`) and the project's browser example. The panel
 * page is opened as a tab for the inspected tab (the everyday way), and once inside the real
 * DevTools toolbox. One browser for the file, closed in `afterAll`; nothing is built.
 *
 * Skipped when firefox-esr is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { script } from '../firefox-panel.js';
import { repoRoot, startServer } from '../harness.mjs';
import { FIREFOX_PATH, INSPECTOR_ID, launchFirefoxWithInspector, openPanelForNewTab } from '../marionette.mjs';

/** examples/browser/serve.mjs's start() (plain JavaScript: imported by URL, left out of the type check). */
type Served = { url: string; close(): Promise<void> };
const serveModule: string = new URL('../../../examples/browser/serve.mjs', import.meta.url).href;
const startExample = async (options: { port: number }): Promise<Served> =>
  ((await import(serveModule)) as { start(o: { port: number }): Promise<Served> }).start(options);

const FIXTURES = '/inspector-extension/test/audit-bq-firefox/fixtures';
const POLL = { timeout: 20_000, interval: 250 };
/** The stuck threshold set in the panel's toolbar, in seconds. */
const THRESHOLD = 2;

/** The 1-based line of a fixture that carries the marker `BQF:<tag>`. */
function lineOf(file: string, tag: string): number {
  const path = file.startsWith('/') ? join(repoRoot, file) : join(repoRoot, FIXTURES, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`BQF:${tag}`));
  if (index < 0) throw new Error(`no BQF:${tag} in ${file}`);
  return index + 1;
}

/** One rendered row, read from the panel's DOM. */
interface Shown {
  name: string;
  state: string;
  frame: string;
  chip: string;
  where: string;
  occupancy: string;
  wait: string;
}

/** What the panel shows: rows in order, the status line, the empty state's title, the notices. */
interface PanelView {
  rows: Shown[];
  status: string;
  empty: string;
  notices: string;
}

const READ_PANEL = `done({
  rows: [...document.querySelectorAll('.row')].map((row) => {
    const text = (selector) => (row.querySelector(selector)?.textContent ?? '').trim();
    return {
      name: text('.name-text'), state: text('.col-state'), frame: text('.col-frame'), chip: text('.frame-chip'),
      where: text('.col-where'), occupancy: text('.occupancy-text'), wait: text('.col-wait'),
    };
  }),
  status: document.getElementById('status').textContent,
  empty: document.querySelector('.empty h2')?.textContent ?? '',
  notices: document.getElementById('notices').textContent,
});`;

/** Seconds from an age text: `820 ms`, `12.3 s`, `5 min 3 s`. */
function seconds(age: string): number {
  let total = 0;
  for (const [, value, unit] of age.matchAll(/([\d.]+)\s*(ms|s|min|h)\b/g)) {
    total += Number(value) * ({ ms: 0.001, s: 1, min: 60, h: 3600 } as Record<string, number>)[unit as string]!;
  }
  return total;
}

describe.skipIf(!existsSync(FIREFOX_PATH))('audit BQ-firefox: the Channels panel in Firefox', () => {
  const env = {} as {
    server: Awaited<ReturnType<typeof startServer>>;
    firefox: Awaited<ReturnType<typeof launchFirefoxWithInspector>>['firefox'];
    panelWindow: string;
    pageWindow: string;
  };
  beforeAll(async () => {
    env.server = await startServer();
    const { firefox, panelUrl } = await launchFirefoxWithInspector();
    env.firefox = firefox;
    Object.assign(env, await openPanelForNewTab(firefox.session, panelUrl));
    await firefox.session.run(
      script(`const input = document.getElementById('threshold'); input.value = '${THRESHOLD}';
        input.dispatchEvent(new Event('input')); done(true);`),
    );
  }, 120_000);
  afterAll(async () => {
    await env.firefox?.close();
    await env.server?.close();
  });

  const session = () => env.firefox.session;
  const switchTo = (handle: string) => session().send('WebDriver:SwitchToWindow', { handle, focus: true });
  /** Runs `body` in the panel tab. */
  const inPanel = async (body: string): Promise<unknown> => {
    await switchTo(env.panelWindow);
    return session().run(script(body));
  };
  const panel = () => inPanel(READ_PANEL) as Promise<PanelView>;
  const names = async () => (await panel()).rows.map((row) => row.name);
  const rowOf = async (name: string) => (await panel()).rows.find((row) => row.name === name);
  /** Types `text` into the filter box. */
  const filter = (text: string) =>
    inPanel(`const input = document.getElementById('filter'); input.value = ${JSON.stringify(text)};
      input.dispatchEvent(new Event('input')); done(true);`);
  /** Clicks the header that sorts by `key`. */
  const sortBy = (key: string) => inPanel(`document.querySelector('[data-sort="${key}"]').click(); done(true);`);
  const onPage = async (body: string): Promise<unknown> => {
    await switchTo(env.pageWindow);
    return session().run(script(body));
  };
  const load = async (url: string, ready = 'window.fixtureReady') => {
    await switchTo(env.pageWindow);
    await session().send('WebDriver:Navigate', { url });
    await onPage(`const ready = () => (${ready} ? done(true) : setTimeout(ready, 50)); ready();`);
  };
  /** A garbage collection in every process (about:memory's "Minimize memory usage", then GC and CC). */
  const collectEverywhere = async () => {
    await session().send('Marionette:SetContext', { value: 'chrome' });
    try {
      await session().run(
        script(`Services.obs.notifyObservers(null, 'child-mmu-request');
          Services.obs.notifyObservers(null, 'child-gc-request');
          Cu.forceGC(); Cu.forceCC(); setTimeout(() => done(true), 300);`),
      );
    } finally {
      await session().send('Marionette:SetContext', { value: 'content' });
    }
  };

  describe('a small buggy app (fixtures/bugs.html)', () => {
    beforeAll(async () => {
      await load(`${env.server.origin}${FIXTURES}/bugs.html`);
    }, 60_000);

    it('the deadlock, the blocked producer, the select and the Worker are stuck; the click loop waits for input', async () => {
      const stuck = async () =>
        (await panel()).rows
          .filter((row) => row.state === 'stuck')
          .map((row) => row.name)
          .sort();
      await expect
        .poll(stuck, POLL)
        .toEqual(['bqf-to-a', 'bqf-to-b', 'bqf-work', 'bqf-worker-jobs', 'select: pull bqf-sel-a | pull bqf-sel-b']);
      const { rows, status } = await panel();
      // Blocked producers first: the producer whose consumer threw heads the table, buffer full.
      expect(rows[0]).toMatchObject({
        name: 'bqf-work',
        state: 'stuck',
        occupancy: '3 / 3',
        where: `producer (bugs.js:${lineOf('bugs.js', 'producer')})`,
      });
      const at = (name: string) => rows.find((row) => row.name === name);
      expect(at('bqf-to-a')?.where).toBe(`alice (bugs.js:${lineOf('bugs.js', 'alice')})`);
      expect(at('bqf-to-b')?.where).toBe(`bob (bugs.js:${lineOf('bugs.js', 'bob')})`);
      expect(at('select: pull bqf-sel-a | pull bqf-sel-b')?.where).toBe(
        `waitEither (bugs.js:${lineOf('bugs.js', 'select')})`,
      );
      // The select shows once; its channels are "in a select", not stuck on their own.
      expect(rows.filter((row) => row.name.startsWith('select:'))).toHaveLength(1);
      expect(at('bqf-sel-a')?.state).toBe('in a select');
      expect(at('bqf-sel-b')?.state).toBe('in a select');
      // The idle fromEvent loop: waiting for input, never stuck.
      expect(at('fromEvent(click)')?.state).toBe('waiting for input');
      // The Worker's row is tagged with its context; the page's rows are `top`.
      const worker = at('bqf-worker-jobs');
      expect(worker?.frame).toBe('top › worker bqf-worker.js');
      expect(worker?.where).toBe(`waitJob (bqf-worker.js:${lineOf('bqf-worker.js', 'worker')})`);
      expect(at('bqf-to-a')?.frame).toBe('top');
      expect(status).toBe('7 channels · 5 stuck · 1 waiting for input · 1 frame · 1 worker');
    });

    it('the idle click loop stays “waiting for input” long past the threshold, and after a click', async () => {
      await onPage("document.getElementById('go').click(); done(true);");
      await new Promise((resolve) => setTimeout(resolve, (THRESHOLD + 1.5) * 1000));
      const row = await rowOf('fromEvent(click)');
      expect(row?.state).toBe('waiting for input');
      expect(await onPage('done(window.clicked);')).toBe(1);
    });

    it('filtering by either case’s channel finds the select', async () => {
      const label = 'select: pull bqf-sel-a | pull bqf-sel-b';
      try {
        for (const text of ['bqf-sel-a', 'bqf-sel-b', 'sel-b']) {
          await filter(text);
          await expect.poll(names, POLL).toContain(label);
        }
        await filter('bqf-to-');
        await expect.poll(async () => (await names()).sort(), POLL).toEqual(['bqf-to-a', 'bqf-to-b']);
        expect((await panel()).status).toMatch(/ · 2 shown$/);
        await filter('no-such-channel');
        await expect.poll(async () => (await panel()).empty, POLL).toBe('No channel matches “no-such-channel”');
      } finally {
        await filter('');
      }
    });

    it('expanding the stuck select lists both cases and its stack in Firefox’s format', async () => {
      const label = 'select: pull bqf-sel-a | pull bqf-sel-b';
      // Clicks the row's caret once the row is there: the filter the test before cleared may
      // not have drawn the rows again yet.
      const toggle = () =>
        expect
          .poll(
            () =>
              inPanel(`const row = [...document.querySelectorAll('.row')].find((r) =>
                r.querySelector('.name-text').textContent === ${JSON.stringify(label)});
                row?.querySelector('.caret').click(); done(row !== undefined);`),
            POLL,
          )
          .toBe(true);
      await toggle();
      const details = async () =>
        (await inPanel(`const row = [...document.querySelectorAll('.row')].find((r) =>
          r.querySelector('.name-text').textContent === ${JSON.stringify(label)});
          done(row?.querySelector('.details')?.textContent ?? '');`)) as string;
      await expect.poll(details, POLL).toContain('bqf-sel-b');
      const text = await details();
      expect(text).toContain('bqf-sel-a');
      expect(text).toContain(`waitEither@${env.server.origin}${FIXTURES}/bugs.js:${lineOf('bugs.js', 'select')}:`);
      await toggle();
    });

    it('left open 40 s on the stuck page (past the event page’s 30 s idle timeout), the ages grow and a change shows', async () => {
      const start = seconds((await rowOf('bqf-to-b'))?.wait ?? '');
      await new Promise((resolve) => setTimeout(resolve, 40_000));
      const aged = seconds((await rowOf('bqf-to-b'))?.wait ?? '');
      expect(aged).toBeGreaterThanOrEqual(start + 39);
      // Feed alice: she answers bob, who then blocks pushing back to her (nobody pulls any more).
      await onPage('window.bqf.toA.push(1); done(true);');
      await expect.poll(async () => (await rowOf('bqf-to-b'))?.state, POLL).toBe('idle');
      await expect
        .poll(async () => (await rowOf('bqf-to-a'))?.where, POLL)
        .toBe(`bob (bugs.js:${lineOf('bugs.js', 'bob-push')})`);
    }, 90_000);

    it('a reload starts the panel over: the same rows once each, aged from the new document', async () => {
      await expect.poll(async () => seconds((await rowOf('bqf-to-a'))?.wait ?? ''), POLL).toBeGreaterThan(THRESHOLD);
      const before = seconds((await rowOf('bqf-to-a'))?.wait ?? '');
      await switchTo(env.pageWindow);
      await session().send('WebDriver:Refresh');
      await onPage('const ready = () => (window.fixtureReady ? done(true) : setTimeout(ready, 50)); ready();');
      const reloadedAt = Date.now();
      await expect.poll(names, POLL).toContain('bqf-worker-jobs');
      await expect.poll(names, POLL).toContain('bqf-to-a');
      const { rows } = await panel();
      const shown = rows.map((row) => row.name);
      expect(new Set(shown).size).toBe(shown.length);
      const age = seconds(rows.find((row) => row.name === 'bqf-to-a')?.wait ?? '');
      expect(age).toBeLessThanOrEqual((Date.now() - reloadedAt) / 1000 + 1);
      expect(age).toBeLessThan(before + 1);
      await expect
        .poll(async () => (await panel()).status, POLL)
        .toBe('7 channels · 5 stuck · 1 waiting for input · 1 frame · 1 worker');
    });

    it('turning debug mode off (and the Worker with its relay) empties the panel', async () => {
      await onPage('window.bqf.off(); done(true);');
      await expect.poll(async () => (await panel()).empty, POLL).toBe('No channels yet');
      expect((await panel()).rows).toEqual([]);
    });
  });

  describe('the real DevTools toolbox', () => {
    /**
     * Runs `code` (the body of a function returning a value) in the Channels panel's document
     * inside the page tab's toolbox, opening the toolbox and selecting the panel if needed.
     */
    const inToolbox = async (code: string): Promise<unknown> => {
      await switchTo(env.pageWindow);
      await session().send('Marionette:SetContext', { value: 'chrome' });
      try {
        const result = await session().run(
          script(`(async () => {
            const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
            const { gDevTools } = require('devtools/client/framework/devtools');
            const toolbox = await gDevTools.showToolboxForTab(gBrowser.selectedTab);
            const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
            let tool;
            for (let i = 0; i < 150 && tool === undefined; i++) {
              tool = toolbox.getAdditionalTools().find((t) => t.extensionId === ${JSON.stringify(INSPECTOR_ID)});
              if (tool === undefined) await pause();
            }
            if (tool === undefined) return { error: 'no Channels tool' };
            if (toolbox.currentToolId !== tool.id) await toolbox.selectTool(tool.id);
            const frame = toolbox.doc.getElementById('toolbox-panel-iframe-' + tool.id);
            let context;
            for (let i = 0; i < 150; i++) {
              context = frame.contentDocument?.querySelector('browser')?.browsingContext;
              if ((context?.currentWindowGlobal?.documentURI?.spec ?? '').startsWith('moz-extension://')) break;
              await pause();
            }
            const actor = context.currentWindowGlobal.getActor('MarionetteCommands');
            return { value: await actor.executeScript(${JSON.stringify(code)}, [], {}) };
          })().then(done, (error) => done({ error: String(error) }));`),
        );
        const { value, error } = result as { value?: unknown; error?: string };
        if (error !== undefined) throw new Error(error);
        return value;
      } finally {
        await session().send('Marionette:SetContext', { value: 'content' });
      }
    };
    const closeToolbox = async () => {
      await switchTo(env.pageWindow);
      await session().send('Marionette:SetContext', { value: 'chrome' });
      try {
        await session().run(
          script(`const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
            const { gDevTools } = require('devtools/client/framework/devtools');
            gDevTools.closeToolboxForTab(gBrowser.selectedTab).then(() => done(true), () => done(false));`),
        );
      } finally {
        await session().send('Marionette:SetContext', { value: 'content' });
      }
    };
    afterAll(async () => {
      await closeToolbox().catch(() => {});
    });

    it('with the page in the foreground, the toolbox’s panel shows the bugs as the tab did; locations are text', async () => {
      await load(`${env.server.origin}${FIXTURES}/bugs.html`);
      const read = READ_PANEL.replace(/^done\(/, 'return (').replace(/\);$/, ');');
      const view = async () => (await inToolbox(read)) as PanelView;
      await expect
        .poll(
          async () =>
            (await view()).rows
              .filter((row) => row.state === 'stuck')
              .map((row) => row.name)
              .sort(),
          POLL,
        )
        .toEqual(['bqf-to-a', 'bqf-to-b', 'bqf-work', 'bqf-worker-jobs', 'select: pull bqf-sel-a | pull bqf-sel-b']);
      const { rows, status } = await view();
      expect(rows[0]?.name).toBe('bqf-work');
      expect(rows.find((row) => row.name === 'fromEvent(click)')?.state).toBe('waiting for input');
      expect(status).toBe('7 channels · 5 stuck · 1 waiting for input · 1 frame · 1 worker');
      // "Firefox does not implement openResource, so there locations are text only."
      expect(await inToolbox('return document.querySelectorAll(".loc").length')).toBe(0);
    });

    it('closed and reopened, the toolbox’s panel lists the same stuck rows, aged from when they parked', async () => {
      await closeToolbox();
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const read = READ_PANEL.replace(/^done\(/, 'return (').replace(/\);$/, ');');
      const view = async () => (await inToolbox(read)) as PanelView;
      await expect.poll(async () => (await view()).rows.filter((row) => row.state === 'stuck').length, POLL).toBe(5);
      const wait = seconds((await view()).rows.find((row) => row.name === 'bqf-to-a')?.wait ?? '');
      expect(wait).toBeGreaterThan(4);
    });
  });

  describe('300+ channels (fixtures/many.html)', () => {
    beforeAll(async () => {
      await load(`${env.server.origin}${FIXTURES}/many.html`);
    }, 60_000);

    it('the one stuck pull is counted and first among 321 channels', async () => {
      await expect.poll(async () => (await panel()).status, POLL).toBe('321 channels · 1 stuck');
      const { rows } = await panel();
      expect(rows[0]).toMatchObject({
        name: 'bqf-needle',
        state: 'stuck',
        where: `lost (many.js:${lineOf('many.js', 'needle')})`,
      });
      // Only the rows in view are built.
      expect(rows.length).toBeLessThan(321);
    });

    it('sorting by Occupancy puts the five full channels right after the stuck row; by Channel, by name', async () => {
      try {
        await sortBy('occupancy');
        await expect
          .poll(async () => (await panel()).rows.slice(0, 6).map((row) => `${row.name} ${row.occupancy}`), POLL)
          .toEqual([
            'bqf-needle ',
            'bqf-cache-007 10 / 10',
            'bqf-cache-071 10 / 10',
            'bqf-cache-135 10 / 10',
            'bqf-cache-199 10 / 10',
            'bqf-cache-263 10 / 10',
          ]);
        await sortBy('name');
        await expect
          .poll(async () => (await names()).slice(0, 4), POLL)
          .toEqual(['bqf-needle', 'bqf-cache-000', 'bqf-cache-001', 'bqf-cache-002']);
        // Scrolled to the bottom, the last rows are built.
        await inPanel(`const v = document.getElementById('viewport'); v.scrollTop = v.scrollHeight;
          v.dispatchEvent(new Event('scroll')); setTimeout(() => done(true), 300);`);
        await expect.poll(async () => (await names()).at(-1), POLL).toBe('bqf-cache-319');
      } finally {
        await inPanel(`const v = document.getElementById('viewport'); v.scrollTop = 0;
          v.dispatchEvent(new Event('scroll')); done(true);`);
        await sortBy('age');
      }
    });

    it('filtering narrows 321 channels to the matches, and the status line says how many are shown', async () => {
      try {
        await filter('bqf-cache-31');
        await expect
          .poll(async () => (await names()).sort(), POLL)
          .toEqual(Array.from({ length: 10 }, (_, i) => `bqf-cache-31${i}`));
        expect((await panel()).status).toBe('321 channels · 1 stuck · 10 shown');
        await filter('needle');
        await expect.poll(names, POLL).toEqual(['bqf-needle']);
      } finally {
        await filter('');
      }
    });
  });

  describe('leaks (fixtures/leak.html)', () => {
    it('after a garbage collection, the deadlock and the abandoned select are leaked, listed first, kept over a navigation until Clear', async () => {
      await load(`${env.server.origin}${FIXTURES}/leak.html`);
      await expect.poll(names, POLL).toContain('bqf-kept');
      try {
        await leaksFoundAndKept();
      } finally {
        // Leaks are kept over navigations until Clear: a failure here must not leave them in the
        // panel for the next tests.
        await inPanel("document.getElementById('clear').click(); done(true);");
      }
      await expect.poll(async () => (await panel()).rows.filter((row) => row.state === 'leaked'), POLL).toEqual([]);
      await expect.poll(names, POLL).toEqual(['bqf-calm']);
    });

    async function leaksFoundAndKept() {
      const leaked = async () =>
        (await panel()).rows.filter((row) => row.state === 'leaked').map((row) => `${row.name} | ${row.where}`);
      const want = [
        `bqf-leak-ping | left (leak.js:${lineOf('leak.js', 'leak-left')})`,
        `bqf-leak-pong | right (leak.js:${lineOf('leak.js', 'leak-right')})`,
        `select: pull bqf-leak-x | pull bqf-leak-y | choose (leak.js:${lineOf('leak.js', 'leak-select')})`,
      ];
      await expect
        .poll(
          async () => {
            await collectEverywhere();
            return (await leaked()).sort();
          },
          { timeout: 40_000, interval: 1000 },
        )
        .toEqual(want);
      // Still reachable: not leaked, and stuck once its wait passes the threshold (a collection
      // can find the leaks before that).
      await expect.poll(async () => (await rowOf('bqf-kept'))?.state, POLL).toBe('stuck');
      const { rows, status } = await panel();
      expect(rows.slice(0, 3).every((row) => row.state === 'leaked')).toBe(true);
      expect(status).toMatch(/ · 3 leaked · 1 stuck/);
      try {
        await filter('bqf-leak-y');
        await expect.poll(leaked, POLL).toEqual([want[2]]);
      } finally {
        await filter('');
      }
      // Kept after a navigation (to a page whose one channel stays reachable), until Clear.
      await load(`${env.server.origin}${FIXTURES}/calm.html`);
      await expect.poll(names, POLL).toContain('bqf-calm');
      expect((await leaked()).sort()).toEqual(want);
    }
  });

  describe('the project’s browser example (examples/browser, served by serve.mjs)', () => {
    let example: Served | undefined;
    beforeAll(async () => {
      example = await startExample({ port: 0 });
    });
    afterAll(async () => {
      await example?.close();
    });

    it('after “Park a pull forever”, stuck-demo is the only stuck row and the first; the loops wait for input', async () => {
      await load(example!.url, 'window.demo');
      await onPage("document.getElementById('stuck-park').click(); done(true);");
      const stuckLine =
        readFileSync(join(repoRoot, 'examples/browser/stuck.js'), 'utf8')
          .split('\n')
          .findIndex((line) => line.includes('return channel.pull()')) + 1;
      await expect
        .poll(
          async () =>
            (await panel()).rows.filter((row) => row.state === 'stuck').map((row) => `${row.name} | ${row.where}`),
          POLL,
        )
        .toEqual([`stuck-demo | waitForever (stuck.js:${stuckLine})`]);
      const { rows } = await panel();
      expect(rows[0]?.name).toBe('stuck-demo');
      expect(rows.find((row) => row.name.startsWith('select: pull fromEvent(input)'))?.state).toBe('waiting for input');
      expect(rows.find((row) => row.name === 'fromEvent(pointermove)')?.state).toBe('waiting for input');
      // Still only it, well past the threshold.
      await new Promise((resolve) => setTimeout(resolve, (THRESHOLD + 1) * 1000));
      expect(
        (await panel()).rows.filter((row) => row.state === 'stuck' || row.state === 'leaked').map((row) => row.name),
      ).toEqual(['stuck-demo']);
    });

    it('worker-demo.html: the page’s and the Worker’s channels, tagged with their context', async () => {
      await load(example!.url.replace(/\/$/, '/worker-demo.html'), 'document.readyState === "complete"');
      await onPage("document.getElementById('wd-start').click(); done(true);");
      const frames = async () => new Set((await panel()).rows.map((row) => row.frame.replace(/#.*$/, '')));
      await expect.poll(frames, POLL).toEqual(new Set(['top', 'top › worker worker-demo.worker.js']));
      const { rows, status } = await panel();
      expect(rows.map((row) => row.name).sort()).toEqual(['jobs', 'jobs', 'results', 'results']);
      expect(status).toMatch(/ · 1 frame · 1 worker/);
    });
  });
});
