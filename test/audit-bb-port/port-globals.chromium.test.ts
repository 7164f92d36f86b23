/**
 * Auditor BB — the audit BA fixes in Chromium: a Worker's `self` as port no longer hears `close`
 * (fix 2), and a popup's `fromPort(window.opener)` runs its tick from creation (fix 1).
 */
import { describe, expect, it } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

describe('Chromium: streams over globals after the BA fixes', () => {
  it('probe (holds): a close event user code dispatches on a Worker global leaves its fromPort(self) and toPort(ch, self) running', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { worker, errors } = window.spawnScript(`
        const input = lib.fromPort(self, { name: 'in', capacity: 2 });
        const out = new lib.Channel(0);
        const sending = lib.toPort(out, self, { name: 'out' });
        const got = [];
        for await (const v of input) {
          got.push(v);
          if (got.length === 3) self.dispatchEvent(new Event('close'));
          await out.push(v * 10);
        }
        out.close();
        postMessage({ report: { got, result: await sending } });
      `);
      const report = window.nextReport(worker);
      const local = new window.lib.Channel(0);
      const sending = window.lib.toPort(local, worker, { name: 'in' });
      const back = window.drain(window.lib.fromPort(worker, { name: 'out', capacity: 2 }));
      for (let i = 0; i < 10; i++) await local.push(i);
      local.close();
      const result = { sending: await sending, back: await back, report: await report, errors };
      worker.terminate();
      return result;
    });
    const ten = [...Array(10).keys()];
    expect(out.sending).toEqual({ sent: 10, undelivered: [] });
    expect(out.back).toEqual({ values: ten.map((i) => i * 10), error: null });
    expect(out.report).toEqual({ got: ten, result: { sent: 10, undelivered: [] } });
    expect(out.errors).toEqual([]);
  });

  it('probe (holds): a popup whose fromPort(window.opener) waits unpaired closes as gone within about a tick when its opener is closed', async () => {
    const page = await pages.open();
    // The page opens B; B opens C; C receives from B (its opener); the page closes B.
    const [b] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate(() => {
        (window as unknown as { b: Window }).b = window.open('/page.html', '_blank')!;
      }),
    ]);
    await b.waitForFunction(() => window.ready === true);
    const [c] = await Promise.all([
      b.waitForEvent('popup'),
      b.evaluate(() => void window.open('/page.html', '_blank')),
    ]);
    try {
      await c.waitForFunction(() => window.ready === true);
      await c.evaluate(() => {
        const results = window.lib.fromPort(window.opener!, { name: 'results', origin: location.origin });
        (window as unknown as { outcome: Promise<unknown> }).outcome = window.drain(results);
      });
      await page.evaluate(() => (window as unknown as { b: Window }).b.close());
      const out = await c.evaluate(async () => {
        const closedAt = performance.now();
        const outcome = await Promise.race([
          (window as unknown as { outcome: Promise<unknown> }).outcome,
          window.sleep(4500).then(() => 'still open 4.5 s after the opener closed'),
        ]);
        return { outcome, after: performance.now() - closedAt, openerClosed: window.opener?.closed ?? 'no opener' };
      });
      expect(out.outcome).toMatchObject({ values: [], error: { name: 'ChannelError' } });
      expect((out.outcome as { error: { message: string } }).error.message).toMatch(/its window was closed/);
      expect(out.after).toBeLessThan(3000); // a tick (500 ms), or a few on a loaded machine; the heartbeat would take 5 s
    } finally {
      await c.close();
      if (!b.isClosed()) await b.close();
    }
  });

  it('probe (holds): a fromPort on a popup that was closed ends as gone, and a fromPort of that name on the popup reopened under its name pairs with it', async () => {
    const opener = await pages.open();
    const [popup] = await Promise.all([
      opener.waitForEvent('popup'),
      opener.evaluate(() => {
        const first = window.open('/page.html', 'picker')!;
        const kept = window as unknown as { first: Window; outcome: Promise<unknown> };
        kept.first = first;
        kept.outcome = window.drain(window.lib.fromPort(first, { name: 'results', origin: location.origin }));
      }),
    ]);
    await popup.close();
    const first = await opener.evaluate(() => (window as unknown as { outcome: Promise<unknown> }).outcome);
    expect(first).toMatchObject({ values: [], error: { name: 'ChannelError' } });
    const [again] = await Promise.all([
      opener.waitForEvent('popup'),
      opener.evaluate(() => {
        const second = window.open('/page.html', 'picker')!;
        const kept = window as unknown as { same: boolean; outcome: Promise<unknown> };
        kept.same = second === (window as unknown as { first: Window }).first;
        kept.outcome = window.drain(window.lib.fromPort(second, { name: 'results', origin: location.origin }));
      }),
    ]);
    try {
      await again.waitForFunction(() => window.ready === true);
      await again.evaluate(async () => {
        const local = new window.lib.Channel(4);
        for (const v of ['a', 'b']) local.pushNowait(v);
        local.close();
        await window.lib.toPort(local, window.opener!, { name: 'results' });
      });
      const second = await opener.evaluate(() => (window as unknown as { outcome: Promise<unknown> }).outcome);
      expect(second).toEqual({ values: ['a', 'b'], error: null });
    } finally {
      await again.close();
    }
  });
});
