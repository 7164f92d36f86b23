/**
 * The extension in Firefox, for real: Debian's firefox-esr, headless, driven through Firefox's
 * own Marionette protocol (test/marionette.mjs; no downloaded driver). The Firefox build
 * installs as a temporary add-on; its panel page, opened as a tab for the fixture page's tab,
 * fills and follows a change; and the real DevTools toolbox shows the Channels panel with the
 * page's channels, each once. One browser for the file (a launch costs several seconds).
 *
 * Skipped when firefox-esr is not installed (`.ci/run` installs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { script, useFirefoxPanel } from './firefox-panel.js';
import { fixturesPath, repoRoot } from './harness.mjs';
import { FIREFOX_PATH, INSPECTOR_ID } from './marionette.mjs';

const POLL = { timeout: 15_000, interval: 200 };
const NAMES = ['<img src=x onerror=alert(1)>', 'done', 'events', 'frame-uploads', 'jobs', 'latest', 'replies'];

describe.skipIf(!existsSync(FIREFOX_PATH))('the extension in Firefox (firefox-esr, Marionette)', () => {
  const ff = useFirefoxPanel(async ({ server, load, switchTo, panelWindow }) => {
    await load(`${server.origin}${fixturesPath}/page.html`);
    await switchTo(panelWindow);
  });
  const { switchTo } = ff;
  /** The panel's rows as `[name, occupancy]`, in order. */
  const rows = () =>
    ff.session.run(
      script(`done([...document.querySelectorAll('.row')].map((row) =>
        [row.querySelector('.name-text').textContent, row.querySelector('.occupancy-text')?.textContent ?? '']));`),
    ) as Promise<[string, string][]>;

  test('the Firefox build installs as a temporary add-on', () => {
    expect(ff.installed).toBe(INSPECTOR_ID);
    expect(ff.tabId).toBeTypeOf('number');
  });

  test('its panel page, opened for a tab, lists the page’s channels and where the stuck pull waits', async () => {
    await expect.poll(async () => (await rows()).map(([name]) => name).sort(), POLL).toEqual(NAMES);
    expect(await rows()).toContainEqual(['jobs', '3 / 8']);
    // Firefox's stack format (`waitForReply@url:line:column`) is understood too.
    const fixture = readFileSync(join(repoRoot, fixturesPath, 'page.js'), 'utf8').split('\n');
    const line = fixture.findIndex((source) => source.includes('channels.replies.pull()')) + 1;
    const where = await ff.session.run(
      script(`done([...document.querySelectorAll('.row')].find((row) =>
        row.querySelector('.name-text').textContent === 'replies').querySelector('.col-where').textContent);`),
    );
    expect(where).toBe(`waitForReply (page.js:${line})`);
  });

  test('the panel page follows a change in the page', async () => {
    await switchTo(ff.pageWindow);
    await ff.session.run(script("window.fixture.push('jobs', 2); done(true);"));
    await switchTo(ff.panelWindow);
    await expect.poll(rows, POLL).toContainEqual(['jobs', '5 / 8']);
  });

  test('the real DevTools toolbox shows the Channels panel with the page’s channels, each once', async () => {
    await switchTo(ff.pageWindow);
    await ff.session.send('Marionette:SetContext', { value: 'chrome' });
    try {
      // Internal DevTools APIs (the one test that uses them): open the toolbox for the tab, select
      // the extension's tool, and read the panel document through its browsing context's
      // Marionette actor once the moz-extension document replaced about:blank.
      const result = await ff.session.run(
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
          await toolbox.selectTool(tool.id);
          const frame = toolbox.doc.getElementById('toolbox-panel-iframe-' + tool.id);
          let context;
          for (let i = 0; i < 150; i++) {
            context = frame.contentDocument?.querySelector('browser')?.browsingContext;
            if ((context?.currentWindowGlobal?.documentURI?.spec ?? '').startsWith('moz-extension://')) break;
            await pause();
          }
          const actor = context.currentWindowGlobal.getActor('MarionetteCommands');
          let names = [];
          for (let i = 0; i < 150 && names.length === 0; i++) {
            names = await actor.executeScript(
              'return [...document.querySelectorAll(".row .name-text")].map((node) => node.textContent)', [], {});
            if (names.length === 0) await pause();
          }
          const search = await actor.executeScript('return location.search', [], {});
          await gDevTools.closeToolboxForTab(gBrowser.selectedTab);
          return { title: tool.label, names, search };
        })().then(done, (error) => done({ error: String(error) }));`),
      );
      expect(result).toMatchObject({ title: 'Channels', search: '' }); // the tab came from devtools.inspectedWindow
      const names = (result as { names: string[] }).names;
      expect(names.slice().sort()).toEqual(NAMES);
      expect(new Set(names).size).toBe(names.length);
    } finally {
      await ff.session.send('Marionette:SetContext', { value: 'content' });
    }
  });
});
