/**
 * Audit X: the extension in Firefox (firefox-esr, headless, Marionette; no downloaded driver).
 * The Firefox build's manifest is accepted (it installs as a temporary add-on: MV3, a
 * `gecko.id`, an event-page background); its panel page ranks a page's rows as in Chromium
 * (stuck producers first, then a stuck consumer, then waits for input); and a cross-origin frame
 * saying `bye` to its parent does not freeze the panel. Skipped without firefox-esr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { firefoxDir } from '../../build.mjs';
import { script, useFirefoxPanel } from '../firefox-panel.js';
import { FIREFOX_PATH, INSPECTOR_ID } from '../marionette.mjs';
import { SCENE_ROWS } from './scene-rows.js';

const FIXTURES = '/inspector-extension/test/audit-x/fixtures';
const POLL = { timeout: 20_000, interval: 200 };

describe.skipIf(!existsSync(FIREFOX_PATH))('audit X: the inspector in Firefox', () => {
  const ff = useFirefoxPanel(({ session }) =>
    // Stuck after 1 s (the input the toolbar offers; the panel keeps it in localStorage).
    session.run(
      script(`const input = document.getElementById('threshold'); input.value = '1';
        input.dispatchEvent(new Event('input')); done(true);`),
    ),
  );
  const { switchTo } = ff;
  const states = async (): Promise<string[]> => {
    await switchTo(ff.panelWindow);
    return ff.session.run(
      script(`done([...document.querySelectorAll('.row')].map((row) =>
        row.querySelector('.name-text').textContent + ':' + row.querySelector('.col-state').textContent));`),
    );
  };
  const occupancy = async (name: string): Promise<string | null> => {
    await switchTo(ff.panelWindow);
    return ff.session.run(
      script(`const row = [...document.querySelectorAll('.row')].find((r) =>
        r.querySelector('.name-text').textContent === ${JSON.stringify(name)});
        done(row ? row.querySelector('.col-occupancy').textContent : null);`),
    );
  };
  const onPage = async (body: string): Promise<unknown> => {
    await switchTo(ff.pageWindow);
    return ff.session.run(script(body));
  };
  const load = (fixture: string) => ff.load(`${ff.server.origin}${FIXTURES}/${fixture}`);

  test('the Firefox build is MV3 with a gecko id and an event-page background, and installs', () => {
    const manifest = JSON.parse(readFileSync(join(firefoxDir, 'manifest.json'), 'utf8'));
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.browser_specific_settings?.gecko?.id).toBe(INSPECTOR_ID);
    expect(manifest.background).toEqual({ scripts: ['background.js'] });
    expect(ff.installed).toBe(INSPECTOR_ID);
    expect(ff.tabId).toBeTypeOf('number');
  });

  test('rows rank stuck producers (older first), then the stuck consumer, then waits for input', async () => {
    await load('scene.html');
    await expect.poll(async () => (await states()).filter((s) => !s.startsWith('leaky:')), POLL).toEqual(SCENE_ROWS);
    expect(await occupancy('unbounded')).toBe('3 / ∞');
  });

  // Was wrong: debug mode took a `bye` from any window as the inspector's (see panel.test.ts).
  test('a cross-origin frame saying bye to its parent does not freeze the panel', async () => {
    await load('tools.html');
    const other = ff.server.origin.replace('127.0.0.1', 'localhost');
    await onPage(`
      const { debug, lib, keep } = window.ax;
      debug.enableDebug({ intervalMs: 100 });
      keep.push(new lib.Channel(10, { name: 'top-buffer' }));
      const frame = document.createElement('iframe');
      frame.id = 'bridge';
      frame.src = ${JSON.stringify(`${other}${FIXTURES}/bridge.html`)};
      frame.onload = () => done(true);
      document.body.append(frame);`);
    await expect.poll(() => occupancy('top-buffer'), POLL).toBe('0 / 10');
    await onPage(`document.getElementById('bridge').contentWindow.postMessage('say-bye', '*');
      const check = () => window.heard.some((m) => m && m.type === 'bye') ? done(true) : setTimeout(check, 50);
      check();`);
    await onPage(`window.ax.keep[0].pushNowait(1); done(true);`);
    await expect.poll(() => occupancy('top-buffer'), POLL).toBe('1 / 10');
  });
});
