/**
 * Auditor BA — a `fromPort` on a window whose context goes away before its sender paired:
 * an iframe removed, a popup closed. The `toPort` counterpart is documented and holds.
 */
import { describe, expect, it } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

describe('Chromium: a window that goes away before its sender paired', () => {
  it('probe (holds): a toPort to an iframe removed before its fromPort answered resolves within a tick', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      // frame.html?mode=send runs a toPort only: no fromPort of "nobody" there.
      const frame = await window.frameOn('127.0.0.1', 'mode=send');
      const local = new Channel(0);
      const sending = toPort(local, frame.contentWindow!, { name: 'nobody' });
      frame.remove();
      const removedAt = performance.now();
      const result = await Promise.race([
        sending.then((r: { sent: number; undelivered: unknown[] }) => ({ ...r, after: performance.now() - removedAt })),
        window.sleep(4500).then(() => 'still pending'),
      ]);
      local.close();
      return result;
    });
    expect(out).toMatchObject({ sent: 0, undelivered: [] });
    expect((out as { after: number }).after).toBeLessThan(3000); // a tick (500 ms), or a few on a loaded machine; the heartbeat would take 5 s
  });

  it('a fromPort on an iframe removed before its toPort started closes as gone within about a tick', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      // frame.html (mode receive) only receives: nothing in it sends stream "results".
      const frame = await window.frameOn('127.0.0.1', `origin=${encodeURIComponent(location.origin)}`);
      const results = window.lib.fromPort(frame.contentWindow!, { name: 'results', origin: location.origin });
      frame.remove();
      const removedAt = performance.now();
      const outcome = await Promise.race([
        window.drain(results).then((drained) => ({ ...drained, after: Math.round(performance.now() - removedAt) })),
        window.sleep(3000).then(() => 'still open 3 s after the frame was removed'),
      ]);
      results.close();
      return outcome;
    });
    // Observed: 'still open 3 s after the frame was removed' (it never closes: no timer runs
    // before pairing, so the window's `closed` is never read).
    expect(out).toMatchObject({ values: [], error: { name: 'ChannelError' } });
    expect((out as { error: { message: string } }).error.message).toMatch(/the other side is gone/);
  });

  it('a fromPort on a popup closed before it started sending closes as gone within about a tick', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      // page.html loads chanasync and sends nothing: a popup the user closes before it streams.
      const popup = window.open('/page.html', '_blank')!;
      const results = window.lib.fromPort(popup, { name: 'results', origin: location.origin });
      while (!(popup as unknown as { ready?: boolean }).ready) await window.sleep(10);
      popup.close();
      const closedAt = performance.now();
      const outcome = await Promise.race([
        window.drain(results).then((drained) => ({ ...drained, after: Math.round(performance.now() - closedAt) })),
        window.sleep(3000).then(() => 'still open 3 s after the popup was closed'),
      ]);
      results.close();
      return { outcome, closed: popup.closed };
    });
    expect(out.closed).toBe(true);
    expect(out.outcome).toMatchObject({ values: [], error: { name: 'ChannelError' } });
  });
});
