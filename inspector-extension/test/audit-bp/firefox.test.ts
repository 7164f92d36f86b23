/**
 * Audit BP in Firefox (firefox-esr, headless, Marionette; `dist/firefox` as built, its panel page
 * opened as a tab for the inspected tab): frames of two origins and relayed Workers, and a page
 * that turns debug mode on late. Skipped without firefox-esr.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { script } from '../firefox-panel.js';
import { startServer } from '../harness.mjs';
import { FIREFOX_PATH, launchFirefoxWithInspector, openPanelForNewTab } from '../marionette.mjs';

const BP = '/inspector-extension/test/audit-bp/fixtures';
const POLL = { timeout: 20_000, interval: 200 };

describe.skipIf(!existsSync(FIREFOX_PATH))('audit BP in Firefox', () => {
  // Like firefox-panel.ts's useFirefoxPanel, but with dist/firefox as built (no rebuild under
  // the other test files that read it).
  const env = {} as {
    server: Awaited<ReturnType<typeof startServer>>;
    firefox: Awaited<ReturnType<typeof launchFirefoxWithInspector>>['firefox'];
    session: Awaited<ReturnType<typeof launchFirefoxWithInspector>>['firefox']['session'];
    panelWindow: string;
    pageWindow: string;
    switchTo(handle: string): Promise<unknown>;
    load(url: string): Promise<void>;
  };
  env.switchTo = (handle) => env.session.send('WebDriver:SwitchToWindow', { handle, focus: true });
  env.load = async (url) => {
    await env.switchTo(env.pageWindow);
    await env.session.send('WebDriver:Navigate', { url });
    await env.session.run(
      script('const ready = () => (window.fixtureReady ? done(true) : setTimeout(ready, 50)); ready();'),
    );
  };
  beforeAll(async () => {
    env.server = await startServer();
    const { firefox, panelUrl } = await launchFirefoxWithInspector();
    env.firefox = firefox;
    env.session = firefox.session;
    Object.assign(env, await openPanelForNewTab(firefox.session, panelUrl));
    // 4 s: the inspected page is a background tab here (the panel is the other tab).
    await firefox.session.run(
      script(`const input = document.getElementById('threshold'); input.value = '4';
        input.dispatchEvent(new Event('input')); done(true);`),
    );
  }, 120_000);
  afterAll(async () => {
    await env.firefox?.close();
    await env.server?.close();
  });
  /** The panel's rows as `name | state | frame`, and its status line last. */
  const panel = async (): Promise<{ rows: string[]; status: string; empty: string }> => {
    await env.switchTo(env.panelWindow);
    return env.session.run(
      script(`done({
        rows: [...document.querySelectorAll('.row')].map((row) => ['name-text', 'col-state', 'col-frame']
          .map((c) => (row.querySelector('.' + c)?.textContent ?? '').trim()).join(' | ')),
        status: document.getElementById('status').textContent,
        empty: document.querySelector('.empty h2')?.textContent ?? '',
      });`),
    );
  };
  const onPage = async (body: string): Promise<unknown> => {
    await env.switchTo(env.pageWindow);
    return env.session.run(script(body));
  };

  it('frames of two origins and their relayed Workers: every channel once, tagged, stuck; a terminated Worker’s row goes', async () => {
    await env.load(`${env.server.origin}${BP}/frames.html`);
    const want = ['bp-cross-stuck', 'bp-same-stuck', 'bp-top-stuck', 'bp-worker-cross', 'bp-worker-top'];
    await expect.poll(async () => (await panel()).rows.map((r) => r.split(' | ')[0]).sort(), POLL).toEqual(want);
    await expect
      .poll(async () => (await panel()).rows.filter((r) => r.split(' | ')[1] === 'stuck').length, POLL)
      .toBe(5);
    const { rows, status } = await panel();
    const frameOf = (name: string) => rows.find((r) => r.startsWith(`${name} |`))?.split(' | ')[2];
    expect(frameOf('bp-top-stuck')).toBe('top');
    expect(frameOf('bp-worker-top')).toBe('top › worker bp-worker.js');
    expect(frameOf('bp-cross-stuck')).toMatch(/^localhost/);
    expect(frameOf('bp-worker-cross')).toMatch(/^localhost.*› worker bp-worker\.js$/);
    expect(status).toMatch(/5 channels · 5 stuck · 3 frames · 2 workers/);
    await onPage('window.bp.terminateWorker(); done(true);');
    await expect
      .poll(async () => (await panel()).rows.map((r) => r.split(' | ')[0]).sort(), POLL)
      .toEqual(['bp-cross-stuck', 'bp-same-stuck', 'bp-top-stuck', 'bp-worker-cross']);
  });

  it('a page without debug mode gets the how-to empty state; turning it on fills the panel', async () => {
    await env.load(`${env.server.origin}${BP}/nodebug.html`);
    await expect.poll(async () => (await panel()).empty, POLL).toBe('No chanasync debug mode on this page');
    await onPage('window.bp.enable().then(() => done(true));');
    await expect.poll(async () => (await panel()).rows.map((r) => r.split(' | ')[0]), POLL).toEqual(['bp-after-debug']);
  });
});
