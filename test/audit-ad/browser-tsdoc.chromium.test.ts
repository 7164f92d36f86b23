/**
 * Audit AD: the TSDoc sentences about the browser, checked in headless Chromium against the
 * SHIPPED bundles (dist/index.js and dist/debug.js, bundled as they are into the page):
 * `fromEvent`'s @example (an input's `keydown`, typed `KeyboardEvent`), a browser
 * `MessagePort` started by `fromEvent(port, 'message')` and by `enableDebug({ listen: port })`,
 * and "events arrive once their dispatch is over".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';

const dist = join(import.meta.dirname, '..', '..', 'dist');
let browser: Browser | undefined;
let server: Server | undefined;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const bundle = await esbuild.build({
    stdin: {
      contents: `import * as core from ${JSON.stringify(join(dist, 'index.js'))};
import * as debug from ${JSON.stringify(join(dist, 'debug.js'))};
window.core = core; window.debug = debug;`,
      resolveDir: dist,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  // Served from 127.0.0.1, not about:blank: a SharedWorker needs an origin other than 'null'.
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>audit ad</title><input id="q"><input id="box" type="checkbox">');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
});

describe('browser sentences of the TSDoc', () => {
  test("fromEvent @example: an input's keydown events, Enter logs the search", async () => {
    await page.evaluate(() => {
      const w = window as unknown as { core: typeof import('chanasync'); logs: string[]; stop: AbortController };
      const { fromEvent } = w.core;
      w.logs = [];
      w.stop = new AbortController();
      const input = document.querySelector('input')!;
      void (async () => {
        for await (const event of fromEvent(input, 'keydown', { signal: w.stop.signal })) {
          if (event.key === 'Enter') w.logs.push(`search ${input.value}`);
        }
        w.logs.push('ended');
      })();
    });
    await page.focus('#q');
    await page.keyboard.type('cats');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as unknown as { logs: string[] }).logs.length > 0, null, {
      timeout: 10_000,
    });
    await page.evaluate(() => (window as unknown as { stop: AbortController }).stop.abort());
    await page.waitForFunction(() => (window as unknown as { logs: string[] }).logs.includes('ended'), null, {
      timeout: 10_000,
    });
    expect(await page.evaluate(() => (window as unknown as { logs: string[] }).logs)).toEqual(['search cats', 'ended']);
  });

  test("fromEvent(port, 'message') starts a browser MessagePort, as setting onmessage would", async () => {
    const data = await page.evaluate(async () => {
      const { fromEvent } = (window as unknown as { core: typeof import('chanasync') }).core;
      const { port1, port2 } = new MessageChannel();
      const messages = fromEvent<MessageEvent>(port2, 'message', { capacity: 4, overflow: 'block' });
      port1.postMessage('hello');
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('not started'), 5000));
      const result = await Promise.race([messages.pull().then((event) => String(event.data)), timeout]);
      messages.close();
      port1.close();
      return result;
    });
    expect(data).toBe('hello');
  });

  test('enableDebug({ listen: port }) starts a MessagePort: a hello on it starts the snapshots', async () => {
    const posted = await page.evaluate(async () => {
      const w = window as unknown as { core: typeof import('chanasync'); debug: typeof import('chanasync/debug') };
      const { port1, port2 } = new MessageChannel();
      const types: string[] = [];
      w.debug.enableDebug({
        target: { postMessage: (message: unknown) => void types.push((message as { type: string }).type) },
        listen: port2,
        intervalMs: 20,
      });
      const channel = new w.core.Channel<number>(1, { name: 'watched' });
      port1.postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' });
      const deadline = Date.now() + 5000;
      while (!types.includes('snapshot') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      w.debug.disableDebug();
      channel.close();
      port1.close();
      return types;
    });
    expect(posted).toContain('announce');
    expect(posted).toContain('snapshot');
  });

  test("events arrive once their dispatch is over: preventDefault() from the channel's consumer is too late", async () => {
    const result = await page.evaluate(async () => {
      const { fromEvent } = (window as unknown as { core: typeof import('chanasync') }).core;
      const box = document.querySelector<HTMLInputElement>('#box')!;
      box.checked = false;
      const clicks = fromEvent(box, 'click');
      const pulled = clicks.pull();
      box.click(); // dispatch runs to its end before the pull resolves
      const event = await pulled;
      event.preventDefault();
      clicks.close();
      // A listener of one's own can still prevent the default action.
      const own = (e: Event) => e.preventDefault();
      box.addEventListener('click', own);
      box.click();
      box.removeEventListener('click', own);
      return { checkedAfterLateCancel: (box.checked as boolean) === true, isMouseEvent: event instanceof MouseEvent };
    });
    expect(result).toEqual({ checkedAfterLateCancel: true, isMouseEvent: true });
    expect(pageErrors).toEqual([]);
  });

  test('relayDebug(sharedWorker) is a TypeError whose message says to pass its port; relayDebug(sharedWorker.port) is accepted', async () => {
    const result = await page.evaluate(() => {
      const { relayDebug } = (window as unknown as { debug: typeof import('chanasync/debug') }).debug;
      const url = URL.createObjectURL(new Blob(['onconnect = () => {};'], { type: 'text/javascript' }));
      const shared = new SharedWorker(url);
      let message = '';
      try {
        relayDebug(shared as never);
      } catch (error) {
        message = `${(error as Error).name}: ${(error as Error).message}`;
      }
      const listen = new EventTarget();
      const stop = relayDebug(shared.port, { target: { postMessage: () => undefined }, listen });
      stop();
      shared.port.close();
      URL.revokeObjectURL(url);
      return message;
    });
    expect(result).toMatch(/^TypeError: .*port/);
  });
});
