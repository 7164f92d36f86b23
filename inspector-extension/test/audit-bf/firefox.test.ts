/**
 * Audit BF: the Firefox build (firefox-esr, headless, Marionette), its panel page opened as a tab
 * for the inspected tab: the stuck pipeline stage (Firefox's stack format) and a leak found by
 * Firefox's garbage collector. Uses inspector-extension/dist as it is (no build). Skipped without
 * firefox-esr.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { script } from '../firefox-panel.js';
import { startServer } from '../harness.mjs';
import { FIREFOX_PATH, launchFirefoxWithInspector, openPanelForNewTab } from '../marionette.mjs';
import { FIXTURES, lineOf, POLL } from './bf.js';

describe.skipIf(!existsSync(FIREFOX_PATH))('audit BF in Firefox', () => {
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
    // 4 s, not 1: the page is a background tab here (the panel is the other tab), where Firefox runs
    // the healthy channels' 60–200 ms timers about once a second.
    await firefox.session.run(
      script(`const input = document.getElementById('threshold'); input.value = '4';
        input.dispatchEvent(new Event('input')); done(true);`),
    );
  }, 120_000);
  afterAll(async () => {
    await env.firefox?.close();
    await env.server?.close();
  });
  const session = () => env.firefox.session;
  const switchTo = (handle: string) => session().send('WebDriver:SwitchToWindow', { handle, focus: true });
  /** The rows in the panel's order, as `name | state | where`. */
  const cells = async (): Promise<string[]> => {
    await switchTo(env.panelWindow);
    return session().run(
      script(`done([...document.querySelectorAll('.row')].map((row) => ['name-text', 'col-state', 'col-where']
        .map((c) => row.querySelector('.' + c)?.textContent ?? '').join(' | ')));`),
    );
  };
  const onPage = async (body: string): Promise<unknown> => {
    await switchTo(env.pageWindow);
    return session().run(script(body));
  };
  const load = async (fixture: string) => {
    await switchTo(env.pageWindow);
    await session().send('WebDriver:Navigate', { url: `${env.server.origin}${FIXTURES}/${fixture}` });
    await onPage('const ready = () => (window.fixtureReady ? done(true) : setTimeout(ready, 50)); ready();');
  };
  /** A full garbage collection in every process (about:memory's "Minimize memory usage"). */
  const collectEverywhere = async () => {
    await session().send('Marionette:SetContext', { value: 'chrome' });
    try {
      await session().run(
        script(`Services.obs.notifyObservers(null, 'child-mmu-request');
          Cu.forceGC(); Cu.forceCC(); setTimeout(() => done(true), 200);`),
      );
    } finally {
      await session().send('Marionette:SetContext', { value: 'content' });
    }
  };

  it('the stuck pipeline: the blocked producer first, each stage parked at its function and line', async () => {
    await load('pipeline.html');
    const at = (fn: string, tag: string) => `${fn} (pipeline.js:${lineOf('pipeline.js', tag)})`;
    await expect
      .poll(async () => (await cells()).slice(0, 4), POLL)
      .toEqual([
        `parsed | stuck | ${at('parse', 'parse-push')}`,
        `raw | stuck | ${at('source', 'source-push')}`,
        `enriched | stuck | ${at('sink', 'sink-pull')}`,
        `enrich-gate | stuck | ${at('enrich', 'enrich-hang')}`,
      ]);
    await onPage('window.bf.release(); done(true);');
    await expect.poll(async () => (await cells()).filter((c) => c.includes(' | stuck | ')), POLL).toEqual([]);
  }, 60_000);

  it('a leaked push is listed first once Firefox collects its channel, parked at the line of the push', async () => {
    await load('leaky.html');
    await expect
      .poll(async () => (await cells()).map((c) => c.split(' | ')[0]).sort(), POLL)
      .toEqual(['frame-alive', 'page-alive', 'worker-alive']);
    await onPage(`window.bf.leak('ff-reply'); done(true);`);
    await expect
      .poll(async () => {
        await collectEverywhere();
        return (await cells())[0];
      }, POLL)
      .toMatch(new RegExp(`^ff-reply \\| leaked \\| requestOnce \\(leaky\\.js:${lineOf('leaky.js', 'page-leak')}\\)$`));
  }, 60_000);
});
