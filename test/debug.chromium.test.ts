/**
 * Debug mode in real Chromium (Debian's /usr/bin/chromium through playwright-core): leak
 * detection with the browser's own garbage collector (`--js-flags=--expose-gc`), a dedicated
 * Worker's channels relayed to the page with `relayDebug`, and the context each snapshot names.
 * The page scripts (test/fixtures/debug/) are bundled from src/ with esbuild and served from
 * memory on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LeakSnapshot, PageToInspectorMessage, SnapshotMessage } from '../src/protocol.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.mjs';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'debug');

/** Page-side helpers the fixtures install, as the test sees them. */
interface PageGlobals {
  leaks: {
    abandon(): void;
    settle(): void;
    collect(): Promise<boolean>;
    snapshot(): SnapshotMessage;
    clearLeaks(): void;
  };
  relay: { received: PageToInspectorMessage[]; own: unknown[]; stop(): void; snapshot(): SnapshotMessage };
  frame: { snapshot(): SnapshotMessage };
}
type Win = typeof globalThis & PageGlobals;

/** The fixtures bundled (ESM, for the browser), by URL path. */
async function bundle(): Promise<Map<string, string>> {
  const result = await esbuild.build({
    entryPoints: {
      'leak-page': join(FIXTURES, 'leak-page.ts'),
      'relay-page': join(FIXTURES, 'relay-page.ts'),
      worker: join(FIXTURES, 'worker.ts'),
      frame: join(FIXTURES, 'frame.ts'),
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    outdir: '/out',
    logLevel: 'error',
  });
  const files = new Map<string, string>();
  for (const file of result.outputFiles) files.set(file.path.replace('/out', ''), file.text);
  const page = (script: string, body = '') =>
    `<!doctype html><meta charset="utf-8"><title>${script}</title>${body}<script type="module" src="/${script}.js"></script>`;
  files.set('/leak.html', page('leak-page'));
  files.set('/relay.html', page('relay-page', '<iframe src="/frame.html"></iframe>'));
  files.set('/frame.html', page('frame'));
  return files;
}

let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  const files = await bundle();
  server = createServer((request, response) => {
    const body = files.get(new URL(request.url ?? '/', 'http://x').pathname);
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const type = request.url?.endsWith('.html') ? 'text/html' : 'text/javascript';
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** A new page at `path`, once the fixture has installed `global`; page errors fail the test. */
async function open(path: string, global: keyof PageGlobals): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(origin + path);
  await page.waitForFunction((name) => name in window, global);
  return { page, errors };
}

describe('leak detection in Chromium', () => {
  test('abandoned operations are reported once each, with stacks, and warned about on the console', async () => {
    const { page, errors } = await open('/leak.html', 'leaks');
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.evaluate(() => (window as unknown as Win).leaks.abandon());
    expect(await page.evaluate(() => (window as unknown as Win).leaks.collect())).toBe(true);
    const leaked = await page.evaluate(() => (window as unknown as Win).leaks.snapshot().leaked ?? []);
    const byKind = Object.fromEntries(leaked.map((leak: LeakSnapshot) => [leak.kind, leak]));
    expect(leaked).toHaveLength(2);
    expect(byKind.pull?.channel.name).toBe('replies');
    expect(byKind.select?.channel.name).toBe('select a');
    // chanasync is bundled into the page's script: its own frames are cut all the same.
    expect(byKind.pull?.stack?.split('\n')[0]).toMatch(/^at Object\.abandon \(.*leak-page\.js/);
    expect(byKind.select?.stack?.split('\n')[0]).toMatch(/^at Object\.abandon \(.*leak-page\.js/);
    expect(byKind.pull?.channel.createdAt?.split('\n')[0]).toMatch(/^at Object\.abandon \(.*leak-page\.js/);
    await expect.poll(() => warnings.length).toBe(2);
    expect(warnings.join('\n')).toMatch(/leaked pull — a pull from channel "replies"/);
    expect(warnings.join('\n')).toMatch(/leaked select — a select on channel "select a"/);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('operations that committed, were aborted or failed by close are never reported', async () => {
    const { page, errors } = await open('/leak.html', 'leaks');
    await page.evaluate(() => (window as unknown as Win).leaks.settle());
    expect(await page.evaluate(() => (window as unknown as Win).leaks.collect())).toBe(true);
    expect(await page.evaluate(() => (window as unknown as Win).leaks.snapshot().leaked)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a Worker relayed to the page, and frames', () => {
  test("the worker's channels reach the page's window once the inspector says hello, tagged with the worker's URL", async () => {
    const { page, errors } = await open('/relay.html', 'relay');
    // The inspector's content script would answer the announce with this.
    await page.evaluate(() => window.postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*'));
    await page.waitForFunction(() =>
      (window as unknown as Win).relay.received.some(
        (message) => message.type === 'snapshot' && message.context?.kind === 'worker',
      ),
    );
    const received = await page.evaluate(() => (window as unknown as Win).relay.received);
    const fromWorker = received.find(
      (message): message is SnapshotMessage => message.type === 'snapshot' && message.context?.kind === 'worker',
    );
    expect(fromWorker?.context).toEqual({ kind: 'worker', url: `${origin}/worker.js`, origin });
    expect(fromWorker?.channels.map((channel) => channel.name).sort()).toEqual(['worker jobs', 'worker results']);
    expect(fromWorker?.channels.find((channel) => channel.name === 'worker jobs')?.pullers[0]?.stack).toContain(
      'worker.js',
    );
    // The page's own debug mode answered the same hello, tagged as the page.
    const fromPage = received.find(
      (message): message is SnapshotMessage => message.type === 'snapshot' && message.context?.kind === 'page',
    );
    expect(fromPage?.context).toEqual({ kind: 'page', url: `${origin}/relay.html`, origin });
    expect(fromPage?.channels.map((channel) => channel.name)).toEqual(['page channel']);
    // The worker's own message reached the page's handler; the relay kept out of it.
    expect(await page.evaluate(() => (window as unknown as Win).relay.own)).toEqual([{ ready: true }]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('after the relay stops, the worker is told bye and nothing more of it reaches the page', async () => {
    const { page } = await open('/relay.html', 'relay');
    await page.evaluate(() => window.postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*'));
    await page.waitForFunction(() =>
      (window as unknown as Win).relay.received.some((message) => message.type === 'snapshot'),
    );
    await page.evaluate(() => (window as unknown as Win).relay.stop());
    // A snapshot the relay re-posted to the window just before it stopped is still on its way
    // (window.postMessage is asynchronous): let those land, then count.
    await page.waitForTimeout(100);
    const before = await page.evaluate(
      () =>
        (window as unknown as Win).relay.received.filter((m) => m.type === 'snapshot' && m.context?.kind === 'worker')
          .length,
    );
    await page.waitForTimeout(600);
    const after = await page.evaluate(
      () =>
        (window as unknown as Win).relay.received.filter((m) => m.type === 'snapshot' && m.context?.kind === 'worker')
          .length,
    );
    expect(after).toBe(before);
    await page.close();
  });

  test('a frame that enables debug mode names itself a frame, with its URL and origin', async () => {
    const { page } = await open('/relay.html', 'relay');
    const frame = page.frames().find((candidate) => candidate.url().endsWith('/frame.html'));
    await frame?.waitForFunction(() => 'frame' in window);
    const snapshot = await frame?.evaluate(() => (window as unknown as Win).frame.snapshot());
    expect(snapshot?.context).toEqual({ kind: 'frame', url: `${origin}/frame.html`, origin });
    expect(snapshot?.channels.map((channel) => channel.name)).toEqual(['frame channel']);
    await page.close();
  });
});
