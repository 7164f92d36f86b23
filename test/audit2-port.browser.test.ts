/**
 * Second red-team audit of `chanasync/port` in headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core), reusing test/port/'s server and fixtures: window origins written
 * the way pages write them — with a trailing slash, or a whole URL (`document.referrer`, an
 * iframe's `src`) — pair as `postMessage` reads them.
 */
import { describe, expect, test } from 'vitest';
import { usePortPages } from './helpers/port-pages.js';

const { open, port } = usePortPages();

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
    }, port());
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
    }, port());
    expect(report).toEqual({ values: [...Array(10).keys()], error: 'page done', sent: 10 });
  });
});
