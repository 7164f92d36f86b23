/**
 * Auditor BA — a window port listens for `close` on this context's own global. Any `close`
 * event that reaches `window` — a bubbling `close` from a component in the page, say — is taken
 * for the port closing, and ends every window stream of the context.
 */
import { describe, expect, it } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

describe('Chromium: a bubbling `close` DOM event in the page', () => {
  it('does not end a toPort streaming to an iframe', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      // frame.html receives stream "in" from the parent and reports what it got and how it ended.
      const frame = await window.frameOn('127.0.0.1', `origin=${encodeURIComponent(location.origin)}`);
      const report = window.nextReport(window);
      const local = new Channel(0);
      const sending = toPort(local, frame.contentWindow!, { name: 'in' });
      for (let i = 0; i < 5; i++) await local.push(i);
      // A component of the page says one of its panels closed (as custom elements do).
      const panel = document.createElement('div');
      document.body.append(panel);
      panel.dispatchEvent(new Event('close', { bubbles: true }));
      let pushedAfter = 0;
      const more = (async () => {
        for (let i = 5; i < 10; i++) {
          await local.push(i);
          pushedAfter++;
        }
      })();
      const state = await Promise.race([
        sending.then((r: { sent: number; undelivered: unknown[] }) => ({ settledEarly: r })),
        more.then(() => 'all pushed'),
        window.sleep(2000).then(() => 'timeout'),
      ]);
      local.close();
      const result = await Promise.race([sending, window.sleep(6000).then(() => 'pending')]);
      const got = await Promise.race([report, window.sleep(6000).then(() => 'no report')]);
      return { state, pushedAfter, result, got };
    });
    // Observed: state { settledEarly: { sent: 0, undelivered: [0, 1, 2, 3, 4] } } right after
    // the event (with a pause before it: { sent: 5, undelivered: [] }), no push after it
    // resolves, and the frame's for-await throws "fromPort: channel "in" lost its sender: the
    // other side is gone (it gave up on this context)".
    expect(out).toMatchObject({ state: 'all pushed' });
    expect(out.result).toEqual({ sent: 10, undelivered: [] });
    expect(out.got).toEqual({ values: [...Array(10).keys()], error: null });
  });

  it('does not close a fromPort receiving from an iframe', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      // audit-i-frame.html sends P0, P1, … to its parent as stream "out" for as long as it lives.
      const frame = document.createElement('iframe');
      frame.src = '/audit-i-frame.html?tag=P';
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      document.body.append(frame);
      await loaded;
      const input = window.lib.fromPort(frame.contentWindow!, { name: 'out', capacity: 2, origin: location.origin });
      const first = [await input.pull(), await input.pull()];
      window.dispatchEvent(new Event('close'));
      const next = await input.pull().then(
        (value: unknown) => ({ value }),
        (error: any) => ({ error: String(error?.cause?.message ?? error?.message) }),
      );
      input.close();
      frame.remove();
      return { first, next };
    });
    // Observed: next { error: "fromPort: lost its sender: the other side is gone (its port closed)" }.
    expect(out.first).toEqual(['P0', 'P1']);
    expect(out.next).toEqual({ value: 'P2' });
  });

  it('probe (holds): a <dialog> closing (its close event does not bubble) does not end a window stream', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('127.0.0.1', `origin=${encodeURIComponent(location.origin)}`);
      const report = window.nextReport(window);
      const local = new Channel(0);
      const sending = toPort(local, frame.contentWindow!, { name: 'in' });
      await local.push(0);
      const dialog = document.createElement('dialog');
      document.body.append(dialog);
      dialog.show();
      const closed = new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
      dialog.close();
      await closed;
      await local.push(1);
      local.close();
      return { result: await sending, got: await report };
    });
    expect(out).toEqual({ result: { sent: 2, undelivered: [] }, got: { values: [0, 1], error: null } });
  });

  it('probe (holds): the same event does not touch a stream over a Worker or a MessagePort', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const remote = fromPort(port2, { capacity: 2 });
      const local = new Channel(0);
      const sending = toPort(local, port1);
      await local.push(1);
      window.dispatchEvent(new Event('close'));
      await local.push(2);
      local.close();
      const values = [await remote.pull(), await remote.pull()];
      const result = await sending;
      port1.close();
      return { values, result };
    });
    expect(out).toEqual({ values: [1, 2], result: { sent: 2, undelivered: [] } });
  });
});
