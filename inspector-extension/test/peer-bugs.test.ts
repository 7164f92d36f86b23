/**
 * Third audit of the inspector: what users of other DevTools extensions (Redux, Vue, React,
 * Apollo) reported as bugs, checked against ours — in Node for the panel's model and store,
 * and in Debian's Chromium with the built extension for frames, CSP, reopening the panel and
 * two copies of chanasync in one page.
 */

import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { Window } from 'happy-dom';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { LeakSnapshot, SnapshotMessage } from '../../src/protocol.js';
import { type SessionArea, SnapshotStore } from '../src/background/store.js';
import type { StoredFrame } from '../src/messages.js';
import { DEFAULT_VIEW, EMPTY_DATA, type PanelData, rowsOf, withSnapshot } from '../src/panel/model.js';
import { render } from '../src/panel/render.js';
import { useExtensionBrowser } from './extension-browser.js';
import { buildAll, fixturesPath, loadFixture, newTab, repoRoot, startServer } from './harness.mjs';
import { FIREFOX_PATH, launchFirefoxWithInspector, openPanelForNewTab } from './marionette.mjs';
import { channel, snapshot, T0, TOP } from './snapshots.js';

/**
 * A classic script with its own copy of chanasync and its debug mode (from src/), running
 * `code` with `Channel`, `enableDebug` and `relayDebug` in scope — as an application bundle
 * that includes chanasync is.
 */
async function bundled(code: string): Promise<string> {
  const result = await esbuild.build({
    stdin: {
      contents: `import { Channel } from './src/index.ts';
        import { enableDebug, relayDebug } from './src/debug/index.ts';
        ${code}`,
      resolveDir: repoRoot,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    logLevel: 'silent',
  });
  return (result.outputFiles[0]?.text ?? '').replaceAll('</script', '<\\/script');
}

/** The labels of the rows the panel would show. */
const labels = (data: PanelData) => rowsOf(data, DEFAULT_VIEW, T0).rows.map((row) => row.label);

/** A copy of chanasync's debug mode (and its core) that records what it posts, with an inspector connected. */
async function copyOfChanasync() {
  vi.resetModules();
  const debug = await import('../../src/debug/index.js');
  const core = await import('../../src/index.js');
  const posted: SnapshotMessage[] = [];
  const listen = new EventTarget();
  const record = (message: unknown) => {
    if ((message as SnapshotMessage).type === 'snapshot') posted.push(message as SnapshotMessage);
  };
  const enable = () => debug.enableDebug({ target: { postMessage: record }, listen, intervalMs: 1 });
  /** Says hello, after the interval: the copy posts its current state at once. */
  const hello = async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
  };
  return { debug, core, posted, enable, hello };
}

// Redux DevTools keyed a page's instances by tab, so "the latest store overrides everything else"
// (https://github.com/zalmoxisus/redux-devtools-extension/issues/121); Vuex stores of independent
// widgets on one page hid each other (https://github.com/vuejs/devtools-v6/issues/430). Two bundles
// that each include chanasync (micro-frontends, a widget and the app) in one document number their
// channels from 1 each: the panel must list both copies' channels, not the last one to post.
describe('two copies of chanasync in one document', () => {
  const copies: Awaited<ReturnType<typeof copyOfChanasync>>[] = [];
  afterEach(() => {
    for (const copy of copies.splice(0)) copy.debug.disableDebug();
  });

  test('each copy’s channels are listed, and neither copy’s snapshot replaces the other’s', async () => {
    const app = await copyOfChanasync();
    const widget = await copyOfChanasync();
    copies.push(app, widget);
    app.enable();
    widget.enable();
    const keep = [new app.core.Channel(0, { name: 'app-jobs' }), new widget.core.Channel(0, { name: 'widget-jobs' })];
    // The copies post in turn, each only when its own state changed: each one's last snapshot must stay.
    await app.hello();
    await widget.hello();
    expect(app.posted.length * widget.posted.length).toBeGreaterThan(0);
    let data = EMPTY_DATA;
    for (const [i, message] of [...app.posted, ...widget.posted].entries())
      data = withSnapshot(data, TOP, message, T0 + i);
    expect(labels(data).sort()).toEqual(['app-jobs', 'widget-jobs']);
    expect(keep).toHaveLength(2);
  });

  test('a copy that enables debug mode again replaces its own rows, not the other copy’s', async () => {
    const app = await copyOfChanasync();
    const widget = await copyOfChanasync();
    copies.push(app, widget);
    app.enable();
    widget.enable();
    const before = new app.core.Channel(0, { name: 'before-restart' });
    const other = new widget.core.Channel(0, { name: 'widget' });
    await app.hello();
    await widget.hello();
    app.enable(); // a restart: channels created before it are no longer tracked
    const after = new app.core.Channel(0, { name: 'after-restart' });
    await app.hello();
    let data = EMPTY_DATA;
    const messages = [...widget.posted, ...app.posted];
    for (const [i, message] of messages.entries()) data = withSnapshot(data, TOP, message, T0 + i);
    expect(labels(data).sort()).toEqual(['after-restart', 'widget']);
    expect([before, other, after]).toHaveLength(3);
  });

  test('leaks of two copies with the same id are two rows', () => {
    const leak = (name: string): LeakSnapshot => ({
      id: 1,
      kind: 'pull',
      since: T0 - 1000,
      detectedAt: T0 - 10,
      channel: { id: 1, name, capacity: 0 },
    });
    const posted = (instance: string, name: string) =>
      ({ ...snapshot([], { seq: 1, leaked: [leak(name)] }), instance }) as SnapshotMessage;
    let data = withSnapshot(EMPTY_DATA, TOP, posted('copy-a', 'app-leak'), T0);
    data = withSnapshot(data, TOP, posted('copy-b', 'widget-leak'), T0 + 1);
    expect(labels(data).sort()).toEqual(['app-leak', 'widget-leak']);
  });

  test('an instance that is not a short id is ignored: the snapshot counts as the page’s', () => {
    const posted = (instance: unknown, name: string, at: number) =>
      withSnapshot(EMPTY_DATA, TOP, { ...snapshot([channel({ id: 1, name })]), instance } as SnapshotMessage, at);
    let data = posted('x'.repeat(65), 'long', T0);
    data = withSnapshot(
      data,
      TOP,
      { ...snapshot([channel({ id: 1, name: 'bar' })]), instance: 'a|b' } as SnapshotMessage,
      T0 + 1,
    );
    data = withSnapshot(data, TOP, snapshot([channel({ id: 1, name: 'plain' })]), T0 + 2);
    expect(labels(data)).toEqual(['plain']);
  });

  test('the service worker keeps the snapshots of both copies of one document for a reopened panel', async () => {
    const items = new Map<string, unknown>();
    const area: SessionArea = {
      get: async (key) =>
        key === null ? Object.fromEntries(items) : items.has(key) ? { [key]: structuredClone(items.get(key)) } : {},
      set: async (values) => {
        for (const [key, value] of Object.entries(values)) items.set(key, structuredClone(value));
      },
      remove: async (key) => void items.delete(key),
    };
    const store = new SnapshotStore(area);
    const kept = (instance: string, name: string, receivedAt: number): StoredFrame => ({
      frame: TOP,
      snapshot: { ...snapshot([channel({ id: 1, name })], { seq: 1 }), instance } as SnapshotMessage,
      receivedAt,
    });
    void store.apply({ op: 'put', tabId: 1, entry: kept('copy-a', 'app-jobs', T0) });
    await store.apply({ op: 'put', tabId: 1, entry: kept('copy-b', 'widget-jobs', T0 + 1) });
    const names = (await store.read(1)).map((entry) => entry.snapshot.channels[0]?.name).sort();
    expect(names).toEqual(['app-jobs', 'widget-jobs']);
  });
});

// "Vue Devtools not available … closed tab and reopen tab fixed it" (https://github.com/vuejs/devtools-v6/issues/1006),
// "Extension doesn't respect page reloads" (https://github.com/googlearchive/polymer-devtools-extension/issues/22):
// browsers add an extension's content scripts only to pages loaded after it was installed,
// updated or reloaded, and never to file:// pages unless asked. A page in either case looks
// like a page without debug mode: the panel must say what to do.
test('a panel that hears nothing says to reload a page opened before the extension, and to serve file:// pages over http', () => {
  const document = new Window().document as unknown as Document;
  const output = render({ data: EMPTY_DATA, view: DEFAULT_VIEW, now: T0, connection: 'connected' }, document);
  const text = output.content.textContent ?? '';
  expect(text).toMatch(/Reload the page if it was open before the extension was installed, updated or reloaded/);
  expect(text).toMatch(/file:\/\/ are not inspected: serve them over http\(s\)/);
});

// Names are the page's to choose: Redux DevTools choked on state keys such as `__proto__` and on
// values that do not survive the trip (https://github.com/zalmoxisus/redux-devtools-extension/issues/81).
// Channel names that are property names of Object.prototype, or control and unpaired-surrogate
// characters, must travel (structured clone and JSON) and be listed as the page named them.
test('channels named __proto__, constructor or toString, or with NUL and lone surrogates, are listed under those names', async () => {
  const odd = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nul\u0000byte', 'half\ud800'];
  const copy = await copyOfChanasync();
  try {
    copy.enable();
    const keep = odd.map((name) => new copy.core.Channel(0, { name }));
    await copy.hello();
    const posted = copy.posted.at(-1) as SnapshotMessage;
    const travelled = JSON.parse(JSON.stringify(structuredClone(posted))) as SnapshotMessage;
    const data = withSnapshot(EMPTY_DATA, TOP, travelled, T0);
    expect(labels(data).sort()).toEqual([
      '__proto__',
      'constructor',
      'half\ud800',
      'hasOwnProperty',
      'nul byte',
      'toString',
    ]);
    expect(keep).toHaveLength(odd.length);
  } finally {
    copy.debug.disableDebug();
  }
});

describe('in Chromium, with the extension', () => {
  const env = useExtensionBrowser();

  async function openPanel(tabId: number): Promise<Page> {
    const panel = await env.browser.context.newPage();
    await panel.goto(`chrome-extension://${env.browser.extensionId}/panel.html?tabId=${tabId}`);
    return panel;
  }
  const names = (panel: Page) => panel.$$eval('.row .name-text', (rows) => rows.map((row) => row.textContent));

  /** HTML of a frame document that enables debug mode and keeps a channel named `name` (chanasync inlined). */
  const frameHtml = async (name: string) =>
    `<!doctype html><script>${await bundled(`enableDebug({ intervalMs: 50 }); window.kept = new Channel(2, { name: ${JSON.stringify(name)} });`)}</script>`;

  /** The row of the channel named `name`, once the panel lists it (fails after 10 s). */
  async function expectRow(panel: Page, name: string): Promise<void> {
    await expect.poll(() => names(panel), { timeout: 10_000, interval: 50 }).toContain(name);
  }

  /** Serves `body` at `url` (on the test server's origins) for `page`, with `headers`. */
  async function serve(page: Page, url: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    const type = url.endsWith('.js') ? 'text/javascript' : 'text/html';
    await page.route(url, (route) => route.fulfill({ body, headers: { 'content-type': type, ...headers } }));
  }

  // Content scripts are not injected into frames whose URL is not http(s) unless asked:
  // "Not injecting content scripts into about:blank frames" (https://github.com/cowlicks/privacypossum/issues/60),
  // apps in frames invisible to the Vue DevTools (https://github.com/vuejs/devtools/issues/687).
  // Playgrounds and previews run code in blob: documents and sandboxed srcdoc frames (opaque
  // origin), which `match_about_blank` alone does not cover in Chromium.
  test.each([
    [
      'a blob: iframe',
      'blob-channel',
      (html: string) => `frame.src = URL.createObjectURL(new Blob([${JSON.stringify(html)}], { type: 'text/html' }));`,
    ],
    [
      'a sandboxed srcdoc iframe (opaque origin)',
      'sandboxed-channel',
      (html: string) => `frame.sandbox = 'allow-scripts'; frame.srcdoc = ${JSON.stringify(html)};`,
    ],
  ])(
    'the channels of %s reach the panel',
    async (_, name, setUp) => {
      const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
      const panel = await openPanel(tabId);
      try {
        await loadFixture(page, `${env.server.origin}${fixturesPath}/plain.html`);
        await page.evaluate(`(() => {
        const frame = document.createElement('iframe');
        ${setUp(await frameHtml(name))}
        document.body.append(frame);
      })()`);
        await expectRow(panel, name);
      } finally {
        await panel.close();
        await page.close();
      }
    },
    60_000,
  );

  // Redux DevTools injected a page script, which a strict Content-Security-Policy blocked
  // (https://github.com/zalmoxisus/redux-devtools-extension/issues/63 is one of several injection
  // reports). The inspector injects nothing into the page: a page that allows only its own
  // scripts and requires Trusted Types still shows its channels.
  test('a page with a strict Content-Security-Policy (own scripts only, Trusted Types) shows its channels', async () => {
    const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
    const panel = await openPanel(tabId);
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    try {
      const url = `${env.server.origin}/audit3/csp.html`;
      await serve(page, url, '<!doctype html><title>strict CSP</title><script src="/audit3/csp.js"></script>', {
        'content-security-policy': "default-src 'self'; script-src 'self'; require-trusted-types-for 'script'",
      });
      await serve(
        page,
        `${env.server.origin}/audit3/csp.js`,
        await bundled(`enableDebug({ intervalMs: 50 }); window.kept = new Channel(1, { name: 'csp-channel' });`),
      );
      await page.goto(url);
      await expectRow(panel, 'csp-channel');
      expect(errors).toEqual([]);
    } finally {
      await panel.close();
      await page.close();
    }
  }, 60_000);

  // "Redux window pane blank" after reopening (https://github.com/reduxjs/redux-devtools/issues/1300)
  // and the Polymer inspector not refreshing (https://github.com/googlearchive/polymer-devtools-extension/issues/22):
  // debug mode posts only when something changed, so a panel opened again after the last one
  // closed must still get the page's state although nothing changed in between.
  test('closing the only panel and opening a new one shows the channels again, though nothing changed', async () => {
    const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
    let panel = await openPanel(tabId);
    try {
      await loadFixture(page, `${env.server.origin}${fixturesPath}/plain.html`);
      await page.evaluate(`(async () => {
        window.said = [];
        window.addEventListener('message', (event) => {
          if (event.data?.source === 'chanasync-inspector') window.said.push(event.data.type);
        });
        const { enableDebug } = await import('/dist/debug.js');
        const { Channel } = await import('/dist/index.js');
        enableDebug({ intervalMs: 50 });
        window.kept = new Channel(3, { name: 'unchanged' });
      })()`);
      await expectRow(panel, 'unchanged');
      await panel.close();
      await expect.poll(() => page.evaluate('window.said.at(-1)'), { timeout: 10_000 }).toBe('bye');
      panel = await openPanel(tabId);
      await expectRow(panel, 'unchanged');
    } finally {
      await panel.close();
      await page.close();
    }
  }, 60_000);

  // The SPEC has debug mode post with targetOrigin '*', which delivers to whatever document the
  // target window holds. It posts to its own window only: a cross-origin parent (an embedder,
  // an ad frame's host) never receives a frame's snapshots — channel names, stacks, URLs.
  test('a cross-origin parent never receives the snapshots its frame posts for the panel', async () => {
    const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
    const panel = await openPanel(tabId);
    try {
      const frameUrl = `${env.server.origin.replace('127.0.0.1', 'localhost')}/audit3/frame.html`;
      await serve(page, frameUrl, await frameHtml('secret-frame-channel'));
      await loadFixture(page, `${env.server.origin}${fixturesPath}/plain.html`);
      await page.evaluate(`(() => {
        window.heard = [];
        window.addEventListener('message', (event) => window.heard.push(event.data?.source ?? typeof event.data));
        const frame = document.createElement('iframe');
        frame.src = ${JSON.stringify(frameUrl)};
        document.body.append(frame);
      })()`);
      await expectRow(panel, 'secret-frame-channel');
      await page.evaluate(`new Promise((resolve) => setTimeout(resolve, 300))`);
      expect(await page.evaluate('window.heard')).toEqual([]);
    } finally {
      await panel.close();
      await page.close();
    }
  }, 60_000);

  // Two bundles in one page, each with its own chanasync (see the Node tests above), in the
  // real extension: both copies' channels are listed, and stay listed as they post in turn.
  test('two bundles that each include chanasync show both their channels in the panel', async () => {
    const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
    const panel = await openPanel(tabId);
    try {
      const url = `${env.server.origin}/audit3/two-copies.html`;
      const app = await bundled(`enableDebug({ intervalMs: 50 }); window.app = new Channel(4, { name: 'app-jobs' });`);
      const widget = await bundled(
        `enableDebug({ intervalMs: 50 }); window.widget = new Channel(4, { name: 'widget-jobs' });
         setInterval(() => { window.widget.tryPush(1) || window.widget.tryPull(); }, 60);`,
      );
      await serve(
        page,
        url,
        `<!doctype html><title>two copies</title><script>${app}</script><script>${widget}</script>`,
      );
      await page.goto(url);
      await expectRow(panel, 'app-jobs');
      await expectRow(panel, 'widget-jobs');
      await page.evaluate(`new Promise((resolve) => setTimeout(resolve, 500))`); // the widget keeps posting
      expect((await names(panel)).sort()).toEqual(['app-jobs', 'widget-jobs']);
    } finally {
      await panel.close();
      await page.close();
    }
  }, 60_000);
  // "DevTools extension reloads on any browser tab navigation event" (https://github.com/software-mansion/live-debugger/issues/405):
  // a navigation in another tab must leave this tab's panel — rows and history — as it was.
  test('a navigation or reload in another tab leaves this tab’s panel as it was', async () => {
    const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
    const other = await newTab(env.browser.context, env.browser.serviceWorker);
    const panel = await openPanel(tabId);
    try {
      await loadFixture(page, `${env.server.origin}${fixturesPath}/plain.html`);
      await page.evaluate(`(async () => {
        const { enableDebug } = await import('/dist/debug.js');
        const { Channel } = await import('/dist/index.js');
        enableDebug({ intervalMs: 50 });
        window.kept = new Channel(3, { name: 'stays' });
      })()`);
      await expectRow(panel, 'stays');
      await loadFixture(other.page, `${env.server.origin}${fixturesPath}/plain.html`);
      await other.page.evaluate(`(async () => {
        const { enableDebug } = await import('/dist/debug.js');
        enableDebug({ intervalMs: 50 });
      })()`);
      await other.page.reload();
      await other.page.goto(`${env.server.origin}${fixturesPath}/plain.html#elsewhere`);
      await other.page.goto('about:blank');
      await page.evaluate(`new Promise((resolve) => setTimeout(resolve, 500))`);
      expect(await names(panel)).toEqual(['stays']);
      expect(await panel.locator('.empty').count()).toBe(0);
    } finally {
      await panel.close();
      await other.page.close();
      await page.close();
    }
  }, 60_000);
});

// The same frames in Firefox, whose content scripts run in blob: documents only with
// `match_origin_as_fallback` since Firefox 128 (https://bugzilla.mozilla.org/show_bug.cgi?id=1897113).
describe.skipIf(!existsSync(FIREFOX_PATH))('in Firefox (firefox-esr, Marionette), with the extension', () => {
  let panelUrl: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let firefox: Awaited<ReturnType<typeof launchFirefoxWithInspector>>['firefox'];
  /** Runs `body` (the last argument is the callback for its result) in the current window. */
  const run = (body: string) => firefox.session.run(`const done = arguments[arguments.length - 1]; ${body}`);

  beforeAll(async () => {
    await buildAll();
    server = await startServer();
    ({ firefox, panelUrl } = await launchFirefoxWithInspector());
  }, 120_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  test('the channels of a blob: iframe and of a sandboxed srcdoc iframe reach the panel', async () => {
    const { session } = firefox;
    const { panelWindow, pageWindow } = await openPanelForNewTab(session, panelUrl);
    const switchTo = (handle: string) => session.send('WebDriver:SwitchToWindow', { handle, focus: true });
    await switchTo(pageWindow);
    await session.send('WebDriver:Navigate', { url: `${server.origin}${fixturesPath}/plain.html` });
    const html = (name: string) =>
      bundled(`enableDebug({ intervalMs: 50 }); window.kept = new Channel(2, { name: ${JSON.stringify(name)} });`).then(
        (code) => `<!doctype html><script>${code}</script>`,
      );
    await run(`
      const blob = document.createElement('iframe');
      blob.src = URL.createObjectURL(new Blob([${JSON.stringify(await html('ff-blob-channel'))}], { type: 'text/html' }));
      document.body.append(blob);
      const sandboxed = document.createElement('iframe');
      sandboxed.sandbox = 'allow-scripts';
      sandboxed.srcdoc = ${JSON.stringify(await html('ff-sandboxed-channel'))};
      document.body.append(sandboxed);
      done(true);`);
    await switchTo(panelWindow);
    const names = () =>
      run(`done([...document.querySelectorAll('.row .name-text')].map((row) => row.textContent).sort());`);
    await expect.poll(names, { timeout: 15_000, interval: 200 }).toEqual(['ff-blob-channel', 'ff-sandboxed-channel']);
  }, 60_000);
});
