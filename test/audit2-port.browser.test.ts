/**
 * Second red-team audit of `chanasync/port` in headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core), reusing test/port/'s server and fixtures: window origins written
 * the way pages write them — with a trailing slash, or a whole URL (`document.referrer`, an
 * iframe's `src`) — pair as `postMessage` reads them.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.mjs';
import { startServer } from './port/server.mjs';

declare global {
  interface Window {
    lib: any;
    nextReport: (source: EventTarget) => Promise<any>;
    ready: boolean;
  }
}

let server: { port: number; close(): Promise<void> };
let browser: Browser;
const pages: Page[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  for (const page of pages.splice(0)) await page.close();
  expect(pageErrors.splice(0)).toEqual([]);
});

/** Opens the test page on 127.0.0.1 once chanasync is loaded. */
async function open(): Promise<Page> {
  const page = await browser.newPage();
  pages.push(page);
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`http://127.0.0.1:${server.port}/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

describe('cross-origin iframe, origins as pages write them', () => {
  test('a frame whose fromPort names the page by its whole URL (as document.referrer gives it) receives every value', async () => {
    const page = await open();
    const report = await page.evaluate(async (port) => {
      const { Channel, toPort } = window.lib;
      const frame = document.createElement('iframe');
      frame.src = `http://localhost:${port}/frame.html?origin=${encodeURIComponent(location.href)}`;
      document.body.append(frame);
      const reported = window.nextReport(window);
      const channel = new Channel(4);
      const sending = toPort(channel, frame.contentWindow!, { name: 'in' });
      for (let i = 0; i < 10; i++) await channel.push(i);
      channel.close('page done');
      const result = await sending;
      return { ...(await reported), sent: result.sent };
    }, server.port);
    expect(report).toEqual({ values: [...Array(10).keys()], error: 'page done', sent: 10 });
  });

  test("a toPort pinned to the frame's src URL (with path and query) and a frame naming the page with a trailing slash pair", async () => {
    const page = await open();
    const report = await page.evaluate(async (port) => {
      const { Channel, toPort } = window.lib;
      const frame = document.createElement('iframe');
      frame.src = `http://localhost:${port}/frame.html?origin=${encodeURIComponent(`${location.origin}/`)}`;
      document.body.append(frame);
      const reported = window.nextReport(window);
      const channel = new Channel(4);
      const sending = toPort(channel, frame.contentWindow!, { name: 'in', origin: frame.src });
      for (let i = 0; i < 10; i++) await channel.push(i);
      channel.close('page done');
      const result = await sending;
      return { ...(await reported), sent: result.sent };
    }, server.port);
    expect(report).toEqual({ values: [...Array(10).keys()], error: 'page done', sent: 10 });
  });
});
