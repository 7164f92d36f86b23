/**
 * Auditor BB — a page whose window `fromPort` waits unpaired (its heartbeat tick runs from
 * creation since audit BA) goes into Chromium's back/forward cache and is restored: it must not
 * close as gone (the frame was frozen with it, not closed), and pairs afterwards.
 */
import { expect, it } from 'vitest';
import { useBfcacheChromium } from '../helpers/bfcache-chromium.js';
import type {} from '../helpers/port-scenarios.js';

const env = useBfcacheChromium((url) => url.startsWith('/page.html?storable') || url.startsWith('/frame.html'));

it('probe (holds): an unpaired fromPort on an iframe, restored from the back/forward cache after 2 s, stays open and pairs with a sender that starts then', async () => {
  const page = await env.browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${env.server.port}/page.html?storable`);
    await page.waitForFunction(() => window.ready === true);
    await page.evaluate(async () => {
      const kept = window as unknown as { shown: boolean[]; frame: HTMLIFrameElement; outcome: Promise<unknown> };
      kept.shown = [];
      addEventListener('pageshow', (event) => kept.shown.push(event.persisted));
      kept.frame = await window.frameOn('127.0.0.1', `mode=receive&origin=${encodeURIComponent(location.origin)}`);
      const results = window.lib.fromPort(kept.frame.contentWindow!, { name: 'results', origin: location.origin });
      kept.outcome = window.drain(results);
      await window.sleep(700); // a tick or more before the freeze
    });
    await page.goto(`http://127.0.0.1:${env.server.port}/page.html?elsewhere`);
    await page.waitForFunction(() => window.ready === true);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { shown?: boolean[] }).shown?.length === 1);
    const out = await page.evaluate(async () => {
      const kept = window as unknown as { shown: boolean[]; frame: HTMLIFrameElement; outcome: Promise<unknown> };
      const early = await Promise.race([kept.outcome, window.sleep(1200).then(() => 'open')]);
      // Now the frame starts sending stream "results" (its own realm's chanasync).
      const frameWindow = kept.frame.contentWindow as unknown as Window & { eval(code: string): Promise<any> };
      const lib = await frameWindow.eval("import('/lib.js')");
      const local = new lib.Channel(4);
      for (const v of [1, 2, 3]) local.pushNowait(v);
      local.close();
      const sent = await lib.toPort(local, frameWindow.parent, { name: 'results' });
      return { shown: kept.shown, early, sent, outcome: await kept.outcome, errors: window.errors };
    });
    expect(out.shown).toEqual([true]); // restored, not reloaded
    expect(out.early).toBe('open');
    expect(out.sent).toEqual({ sent: 3, undelivered: [] });
    expect(out.outcome).toEqual({ values: [1, 2, 3], error: null });
    expect(out.errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 20_000);
