/**
 * Auditor AW — chanasync/port in headless Chromium: a terminated Worker (no `close` event, so
 * the heartbeat) with transferred buffers in flight, and the batch findings F3/F4 in a browser.
 */
import { describe, expect, test } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

const RECEIVER = `
const { fromPort } = lib;
const ch = fromPort(self, { capacity: 3 });
const got = [];
for (let i = 0; i < 4; i++) got.push(new Uint8Array(await ch.pull())[0]);
self.postMessage({ got });
`;

describe('Chromium', () => {
  test('a terminated Worker: toPort resolves by the heartbeat, undelivered buffers come back detached, nothing lost', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort, GONE_AFTER_MS } = window.lib;
      const { worker } = window.spawnScript(code);
      const got = new Promise<number[]>((resolve) =>
        worker.addEventListener('message', (e: MessageEvent) => e.data?.got && resolve(e.data.got)),
      );
      const local = new Channel(Infinity);
      for (let i = 0; i < 20; i++) local.pushNowait(new Uint8Array([i]).buffer);
      const done = toPort(local, worker, { transfer: (b: ArrayBuffer) => [b] });
      const received = await got;
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      worker.terminate();
      const result = await done;
      const elapsed = performance.now() - t0;
      const left: number[] = [];
      while (local.size > 0) left.push(new Uint8Array(local.pullNowait())[0]!);
      return {
        received,
        sent: result.sent,
        undeliveredLengths: result.undelivered.map((b: ArrayBuffer) => b.byteLength),
        left,
        elapsed,
        gone: GONE_AFTER_MS,
      };
    }, RECEIVER);
    expect(out.received).toEqual([0, 1, 2, 3]);
    expect(out.elapsed).toBeLessThan(out.gone + 3000); // 5 to 5.5 s, and a loaded machine's late timers
    for (const n of out.undeliveredLengths) expect(n).toBe(0);
    // sent counts the 4 pulled plus those buffered in the Worker (died with it)
    expect(out.sent + out.undeliveredLengths.length + out.left.length).toBe(20);
    expect(out.left).toEqual(Array.from({ length: out.left.length }, (_, i) => 20 - out.left.length + i));
  }, 30_000);

  test('F4 in Chromium: two views of one buffer in one batch with transfer → both arrive', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort, fromPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(Infinity);
      const remote = fromPort(port2, { capacity: 5 });
      await new Promise((r) => setTimeout(r, 20));
      const buf = new Uint8Array([1, 2, 3, 4]);
      local.pushNowait(buf.subarray(0, 2));
      local.pushNowait(buf.subarray(2, 4));
      local.close();
      const r = await toPort(local, port1, { transfer: (v: Uint8Array) => [v.buffer] }).then(
        (x: any) => ({ sent: x.sent, undelivered: x.undelivered.length }),
        (e: any) => ({ error: String(e.message) }),
      );
      const got: number[][] = [];
      try {
        for await (const v of remote) got.push([...v]);
      } catch {}
      return { r, got };
    });
    console.log('chromium F4', JSON.stringify(out));
    expect(out.r).toEqual({ sent: 2, undelivered: 0 });
  });

  test('F3 in Chromium: a non-cloneable value does not withhold the cloneable values before it in its batch', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort, fromPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(Infinity);
      const remote = fromPort(port2, { capacity: 5 });
      await new Promise((r) => setTimeout(r, 20));
      local.pushNowait(1);
      local.pushNowait({ f() {} });
      local.pushNowait(3);
      const e: any = await toPort(local, port1).catch((x: any) => x);
      const got: unknown[] = [];
      try {
        for await (const v of remote) got.push(v);
      } catch {}
      return { message: String(e?.message), sent: e?.sent, undelivered: e?.undelivered?.length, got };
    });
    expect(out.got).toEqual([1]);
    expect(out.sent).toBe(1);
    expect(out.undelivered).toBe(2);
    expect(out.message).toMatch(/could not be posted/);
  });
});
