/**
 * Auditor BA — `messageerror` on a port shared by several streams (lens 1): the page streams
 * "a" (which carries a WebAssembly.Module, which a SharedWorker cannot deserialize) and "b" to a
 * SharedWorker over one `MessagePort`, while the SharedWorker streams "c" back on that same port.
 */
import { describe, expect, it } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

/** The SharedWorker: receives "a" and "b" (slowly), sends 0..C-1 as "c"; reports each stream's end. */
const SHARED = `
onconnect = (event) => {
  const port = event.ports[0];
  const collect = async (name, capacity, pause) => {
    const values = [];
    let error = null;
    try {
      for await (const value of lib.fromPort(port, { name, capacity })) {
        values.push(value);
        if (pause) await new Promise((r) => setTimeout(r, pause));
      }
    } catch (e) {
      error = { name: e?.name, message: e?.message };
    }
    return { values, error };
  };
  const a = collect('a', 2, 1);
  const b = collect('b', 0, 0);
  const c = new lib.Channel(1);
  const sending = lib.toPort(c, port, { name: 'c' });
  const producing = (async () => {
    for (let i = 0; i < 200; i++) await c.push(i);
    c.close();
    return sending;
  })();
  Promise.all([a, b, producing]).then(([a, b, c]) => port.postMessage({ report: { a, b, c } }));
};`;

describe('Chromium: a messageerror on one of several streams sharing a SharedWorker port', () => {
  it('probe: the stream that hit it fails clearly; the others deliver every value once, in order', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort, fromPort } = window.lib;
      const shared = new SharedWorker(window.script(code), { type: 'module' });
      const reported = window.nextReport(shared.port);
      const module = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      const a = new Channel(4);
      const b = new Channel(4);
      const sendingA = toPort(a, shared.port, { name: 'a' }).then(
        (r: { sent: number; undelivered: unknown[] }) => ({ resolved: r.sent }),
        (e: any) => ({
          name: e.name,
          message: e.message,
          sent: e.sent,
          undelivered: e.undelivered.map((v: unknown) => (v instanceof WebAssembly.Module ? 'module' : v)),
        }),
      );
      const sendingB = toPort(b, shared.port, { name: 'b' });
      const c = fromPort(shared.port, { name: 'c', capacity: 3 });
      const gotC = window.drain(c);
      // Interleaved: a's 0..39 with the module at 20, b's 0..199.
      const pushA = (async () => {
        for (let i = 0; i < 40; i++) {
          try {
            await a.push(i === 20 ? module : i);
          } catch {
            return i; // a's stream ended: the rest stays here
          }
        }
        a.close();
        return 40;
      })();
      for (let i = 0; i < 200; i++) await b.push(i);
      b.close();
      const resultB = await sendingB;
      const outcomeA = await sendingA;
      a.close();
      const pushedA = await Promise.race([pushA, window.sleep(100).then(() => 'blocked')]);
      const leftA: unknown[] = [];
      while (a.size > 0) leftA.push(a.tryPull());
      return { report: await reported, resultB, outcomeA, pushedA, leftA, gotC: await gotC };
    }, SHARED);
    // b: every value, in order; c: every value, in order.
    expect(out.report.b).toEqual({ values: [...Array(200).keys()], error: null });
    expect(out.resultB).toEqual({ sent: 200, undelivered: [] });
    expect(out.gotC).toEqual({ values: [...Array(200).keys()], error: null });
    expect(out.report.c).toEqual({ sent: 200, undelivered: [] });
    // a: the values before the module, then a clear error; the rest accounted for.
    expect(out.report.a.error?.message).toMatch(/could not be deserialized in this context \(a messageerror\)/);
    expect(out.outcomeA.name).toBe('TypeError');
    const received = out.report.a.values;
    expect(received).toEqual([...Array(received.length).keys()]);
    expect(out.outcomeA.sent).toBe(received.length);
    const all = [...received, ...out.outcomeA.undelivered, ...out.leftA];
    expect(all.slice(0, 21)).toEqual([...Array(21).keys()].map((i) => (i === 20 ? 'module' : i)));
  }, 30_000);
});
