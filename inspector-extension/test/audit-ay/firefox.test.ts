/**
 * Audit AY: the Firefox build (firefox-esr, headless, Marionette) with the realistic app: a page,
 * its relayed Worker and its iframe, each with one stuck consumer. Uses inspector-extension/dist
 * as it is (no build). Skipped without firefox-esr.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { script } from '../firefox-panel.js';
import { startServer } from '../harness.mjs';
import { FIREFOX_PATH, INSPECTOR_ID, launchFirefoxWithInspector, openPanelForNewTab } from '../marionette.mjs';

const FIXTURES = '/inspector-extension/test/audit-ay/fixtures';
const POLL = { timeout: 20_000, interval: 250 };

describe.skipIf(!existsSync(FIREFOX_PATH))('audit AY: the realistic app in Firefox', () => {
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
      script(`const input = document.getElementById('threshold'); input.value = '1';
        input.dispatchEvent(new Event('input')); done(true);`),
    );
  }, 120_000);
  afterAll(async () => {
    await env.firefox?.close();
    await env.server?.close();
  });
  const switchTo = (handle: string) => env.firefox.session.send('WebDriver:SwitchToWindow', { handle, focus: true });
  const cells = async (): Promise<string[]> => {
    await switchTo(env.panelWindow);
    return env.firefox.session.run(
      script(`done([...document.querySelectorAll('.row')].map((row) => ['name-text', 'col-state', 'col-frame', 'col-where']
        .map((c) => row.querySelector('.' + c)?.textContent ?? '').join(' | ')).sort());`),
    );
  };
  const onPage = async (body: string): Promise<unknown> => {
    await switchTo(env.pageWindow);
    return env.firefox.session.run(script(body));
  };

  test('the three stuck consumers show stuck, tagged with their frame, parked at the user function', async () => {
    await switchTo(env.pageWindow);
    await env.firefox.session.send('WebDriver:Navigate', { url: `${env.server.origin}${FIXTURES}/app.html` });
    await expect
      .poll(cells, POLL)
      .toEqual([
        'frame-jobs | stuck | frame.html | frameConsumer (frame.js:9)',
        'page-orders | stuck | top | awaitOrder (app.js:11)',
        'worker-replies | stuck | top › worker worker.js | waitForReply (worker.js:9)',
      ]);
    await onPage(`window.ay.worker.postMessage({ cmd: 'reply', value: 1 }); done(true);`);
    await expect
      .poll(async () => (await cells()).map((c) => c.split(' | ').slice(0, 2).join(':')), POLL)
      .toEqual(['frame-jobs:stuck', 'page-orders:stuck', 'worker-replies:idle']);
  });

  /** Stops the extension's event page, as Firefox does when it is idle (RECIPES: DebugUtils). */
  const terminateBackground = async () => {
    const { session } = env.firefox;
    await session.send('Marionette:SetContext', { value: 'chrome' });
    try {
      return await session.run(
        script(`const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
          ExtensionParent.DebugUtils.terminateBackgroundScript(${JSON.stringify(INSPECTOR_ID)}).then(() => done('ok'), (e) => done(String(e)));`),
      );
    } finally {
      await session.send('Marionette:SetContext', { value: 'content' });
    }
  };

  test('after the event page is stopped, the panel comes back with the stuck rows and follows changes again', async () => {
    await switchTo(env.pageWindow);
    await env.firefox.session.send('WebDriver:Navigate', { url: `${env.server.origin}${FIXTURES}/app.html` });
    const states = async () => (await cells()).map((c) => c.split(' | ').slice(0, 2).join(':'));
    const STUCK = ['frame-jobs:stuck', 'page-orders:stuck', 'worker-replies:stuck'];
    await expect.poll(states, POLL).toEqual(STUCK);
    expect(await terminateBackground()).toBe('ok');
    await expect.poll(states, POLL).toEqual(STUCK);
    // A change in the Worker reaches the panel through new ports.
    await onPage(`window.ay.worker.postMessage({ cmd: 'reply', value: 1 }); done(true);`);
    await expect.poll(states, POLL).toEqual(['frame-jobs:stuck', 'page-orders:stuck', 'worker-replies:idle']);
    await onPage(`window.ay.orders.pushNowait('x'); done(true);`);
    await expect.poll(states, POLL).toEqual(['frame-jobs:stuck', 'page-orders:idle', 'worker-replies:idle']);
  });
});
