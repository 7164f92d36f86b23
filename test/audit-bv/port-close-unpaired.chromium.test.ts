/**
 * Audit BV (ports) in real Chromium: a `fromPort` closed before any sender paired with it ends
 * the `toPort` that was pairing with it — across a dedicated Worker and a same-origin frame —
 * and one closed and opened again in one turn (a remount) keeps its sender. The built dist/ is
 * served over a local node:http server.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const distDir = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Closes its receiver at once, or (`?again`) closes it and opens another of the name in one turn. */
const RECEIVER = `
import { fromPort } from '/dist/port.js';
const again = new URL(location.href).searchParams.has('again');
const peer = typeof window === 'undefined' ? self : window.parent;
const options = { name: 'jobs', ...(typeof window === 'undefined' ? {} : { origin: location.origin }) };
fromPort(peer, options).close();
if (again) {
  const got = [];
  for await (const job of fromPort(peer, options)) got.push(job);
  peer.postMessage({ kind: 'got', got }, ...(typeof window === 'undefined' ? [] : [location.origin]));
}
setInterval(() => {}, 1000); // alive: nothing but its close tells the sender
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>page</title><body></body>
<script type="module">
import * as core from '/dist/index.js';
import * as port from '/dist/port.js';
window.lib = { ...core, ...port };
</script>`;

let server: Server;
let base = '';
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (url.pathname === '/page.html') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      else if (url.pathname === '/frame.html') {
        const again = url.searchParams.has('again') ? '&again' : '';
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<!doctype html><meta charset="utf-8"><script type="module" src="/receiver.js?frame${again}"></script>`);
      } else if (url.pathname === '/receiver.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(RECEIVER);
      } else if (url.pathname.startsWith('/dist/') && !url.pathname.includes('..')) {
        const body = await readFile(distDir + url.pathname.slice('/dist/'.length));
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
      } else res.writeHead(404).end();
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

beforeEach(async () => {
  page = await browser.newPage();
  await page.goto(`${base}/page.html`);
  await page.waitForFunction(() => 'lib' in window);
});

afterEach(async () => {
  await page?.close();
});

describe('a receiver closed before it paired, in Chromium (audit BV)', () => {
  it('a Worker whose fromPort closes at once ends the page’s toPort; the values stay in the page', async () => {
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = (window as any).lib;
      const local = new Channel(Infinity);
      local.pushNowait(1);
      local.pushNowait(2);
      const worker = new Worker('/receiver.js', { type: 'module' });
      const sending = toPort(local, worker, { name: 'jobs' });
      const outcome = await Promise.race([sending, new Promise((r) => setTimeout(() => r('still waiting'), 3000))]);
      worker.terminate();
      return { outcome, left: local.size };
    });
    expect(result).toEqual({ outcome: { sent: 0, undelivered: [] }, left: 2 });
  });

  it('a frame whose fromPort closes at once ends the page’s toPort to it', async () => {
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = (window as any).lib;
      const frame = document.createElement('iframe');
      frame.src = '/frame.html';
      document.body.append(frame);
      const local = new Channel(Infinity);
      local.pushNowait('job');
      const sending = toPort(local, frame.contentWindow, { name: 'jobs', origin: location.origin });
      const outcome = await Promise.race([sending, new Promise((r) => setTimeout(() => r('still waiting'), 3000))]);
      return { outcome, left: local.size };
    });
    expect(result).toEqual({ outcome: { sent: 0, undelivered: [] }, left: 1 });
  });

  it('a frame that closes its fromPort and opens another of the name in one turn gets every value', async () => {
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = (window as any).lib;
      const got = new Promise((resolve) =>
        addEventListener('message', (e) => e.data?.kind === 'got' && resolve(e.data.got)),
      );
      const frame = document.createElement('iframe');
      frame.src = '/frame.html?again';
      document.body.append(frame);
      const local = new Channel(Infinity);
      for (const job of [1, 2, 3]) local.pushNowait(job);
      local.close();
      const sending = toPort(local, frame.contentWindow, { name: 'jobs', origin: location.origin });
      return { got: await got, outcome: await sending };
    });
    expect(result).toEqual({ got: [1, 2, 3], outcome: { sent: 3, undelivered: [] } });
  });
});
