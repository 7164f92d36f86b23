/**
 * Audit BW (ports), in real Chromium: a Worker whose `fromPort` closes before any sender paired
 * with it, and which then ends in the same turn — `self.close()`, or the `MessagePort` it
 * listened on closed — still ends the page's `toPort` that was pairing with it. Chromium fires
 * no `close` event on the page's side, and a sender that is pairing has no heartbeat: before the
 * fix the notice, posted at the end of the turn, was lost with the context, and `toPort` waited
 * for ever. dist/ is served over a local node:http server.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const distDir = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The Worker: its `mode` (a query parameter) says how its receiver and its context end. */
const WORKER = `
import { fromPort } from '/dist/port.js';
const mode = new URL(import.meta.url).searchParams.get('mode');
if (mode === 'exit') {
  fromPort(self, { name: 'jobs' }).close();
  self.close();
} else if (mode === 'remount') {
  fromPort(self, { name: 'jobs' }).close();
  const got = [];
  for await (const value of fromPort(self, { name: 'jobs', capacity: 4 })) got.push(value);
  self.postMessage({ got });
} else {
  self.addEventListener('message', (event) => {
    const port = event.data?.port;
    if (!port) return;
    fromPort(port, { name: 'jobs' }).close();
    port.close();
    if (mode === 'port-exit') self.close();
  });
  self.postMessage({ loaded: true });
}
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>page</title>
<script type="module">
import * as core from '/dist/index.js';
import * as port from '/dist/port.js';
window.lib = { ...core, ...port };
window.within = (promise, ms) =>
  Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms))]);
</script>`;

let server: Server;
let base = '';
let browser: Browser;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (url.pathname === '/page.html') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      else if (url.pathname === '/worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(WORKER);
      else if (url.pathname.startsWith('/dist/') && !url.pathname.includes('..')) {
        const body = await readFile(distDir + url.pathname.slice('/dist/'.length));
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
      } else res.writeHead(404).end();
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${base}/page.html`);
  await page.waitForFunction(() => 'lib' in window);
  return page;
}

describe('a Worker that ends in the turn its receiver closed unpaired', () => {
  test('self.close(): the toPort on the Worker resolves { sent: 0, undelivered: [] }, its value kept', async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = (window as any).lib;
      const local = new Channel(Infinity);
      local.pushNowait(1);
      const worker = new Worker('/worker.js?mode=exit', { type: 'module' });
      const outcome = await (window as any).within(toPort(local, worker, { name: 'jobs' }), 12_000);
      worker.terminate();
      return { outcome, left: local.size };
    });
    expect(result).toEqual({ outcome: { sent: 0, undelivered: [] }, left: 1 });
    await page.close();
  }, 30_000);

  for (const mode of ['port', 'port-exit']) {
    test(`its MessagePort closed${mode === 'port-exit' ? ', then self.close()' : ''}: the toPort on the other end resolves`, async () => {
      const page = await openPage();
      const result = await page.evaluate(async (mode) => {
        const { Channel, toPort } = (window as any).lib;
        const local = new Channel(Infinity);
        local.pushNowait(1);
        const worker = new Worker(`/worker.js?mode=${mode}`, { type: 'module' });
        await new Promise((resolve) => worker.addEventListener('message', (e) => e.data?.loaded && resolve(0)));
        const { port1, port2 } = new MessageChannel();
        const sending = toPort(local, port1, { name: 'jobs' });
        worker.postMessage({ port: port2 }, [port2]);
        const outcome = await (window as any).within(sending, 12_000);
        worker.terminate();
        return { outcome, left: local.size };
      }, mode);
      expect(result).toEqual({ outcome: { sent: 0, undelivered: [] }, left: 1 });
      await page.close();
    }, 30_000);
  }

  test('control: a remount in that turn (the Worker lives on) keeps the sender, which delivers all', async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = (window as any).lib;
      const local = new Channel(Infinity);
      await local.pushAll([1, 2, 3]);
      local.close();
      const worker = new Worker('/worker.js?mode=remount', { type: 'module' });
      const got = new Promise((resolve) =>
        worker.addEventListener('message', (e) => Array.isArray(e.data?.got) && resolve(e.data.got)),
      );
      const outcome = await (window as any).within(toPort(local, worker, { name: 'jobs' }), 12_000);
      const values = await (window as any).within(got, 5000);
      worker.terminate();
      return { outcome, values };
    });
    expect(result).toEqual({ outcome: { sent: 3, undelivered: [] }, values: [1, 2, 3] });
    await page.close();
  }, 30_000);
});
