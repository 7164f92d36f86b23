/**
 * Audit AA: `chanasync/port` as an application uses it, in headless Chromium — a pipeline page
 * → Worker A → Worker B → page, a capacity-0 rendezvous across contexts, an already aborted
 * sender, and one name reused for a second stream after the first ended.
 *
 * Written from the SPEC ("Channels across contexts") and the README's port reference only.
 */
import { describe, expect, test } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

describe('a pipeline of two Workers', () => {
  test('values of every cloneable kind go through in order, and the close reason reaches the end', async () => {
    const page = await pages.open();
    // A: receives "in" from the page, forwards the same channel to B over a port it was given.
    const a = `
const { fromPort, toPort } = lib;
self.onmessage = async ({ data }) => {
  if (!data?.toB) return; // stream messages arrive here too
  const input = fromPort(self, { name: 'in', capacity: 3 });
  self.postMessage({ ready: true });
  const result = await toPort(input, data.toB, { name: 'mid' });
  self.postMessage({ report: { sent: result.sent, undelivered: result.undelivered.length } });
};`;
    // B: receives "mid" from A, maps and sends "out" back to the page over its own port.
    const b = `
const { fromPort, toPort, Channel } = lib;
self.onmessage = async ({ data }) => {
  if (!data?.fromA) return; // stream messages arrive here too
  const input = fromPort(data.fromA, { name: 'mid', capacity: 0 });
  const out = new Channel(2);
  const done = toPort(out, self, { name: 'out' });
  self.postMessage({ ready: true });
  try {
    for await (const v of input) await out.push({ v });
    out.close();
  } catch (e) {
    out.close(e?.cause ?? e);
  }
  const result = await done;
  self.postMessage({ report: { sent: result.sent } });
};`;
    const out = await page.evaluate(
      async ([codeA, codeB]) => {
        const { Channel, toPort, fromPort, ChannelClosedError } = window.lib;
        const workerErrors: string[] = [];
        const spawn = (code: string) => {
          const w = new Worker(window.script(code), { type: 'module' });
          w.addEventListener('error', (e) => workerErrors.push(e.message));
          return w;
        };
        const wa = spawn(codeA!);
        const wb = spawn(codeB!);
        const readyOf = (w: Worker) =>
          new Promise((resolve) => w.addEventListener('message', (e) => e.data?.ready && resolve(null)));
        const readyA = readyOf(wa);
        const readyB = readyOf(wb);
        const { port1, port2 } = new MessageChannel();
        wa.postMessage({ toB: port1 }, [port1]);
        wb.postMessage({ fromA: port2 }, [port2]);
        await Promise.all([readyA, readyB]);
        const reportA = window.nextReport(wa);
        const reportB = window.nextReport(wb);
        const values: unknown[] = [
          undefined,
          null,
          0,
          -0,
          Number.NaN,
          10n,
          '',
          'text',
          [1, [2, [3]]],
          new Map([[1, { a: 1 }]]),
          new Set(['s']),
          new Date(0),
          /re/g,
          new Uint16Array([1, 2, 3]),
          { nested: { deep: true } },
        ];
        const results = fromPort(wb, { name: 'out', capacity: 5 });
        const ch = new Channel(0);
        const sending = toPort(ch, wa, { name: 'in' });
        const got: unknown[] = [];
        let error: any = null;
        const reading = (async () => {
          try {
            for await (const r of results) got.push(r.v);
          } catch (e: any) {
            const reason = e instanceof ChannelClosedError ? e.cause : e;
            error = { name: reason?.name, message: reason?.message, isTypeError: reason instanceof TypeError };
          }
        })();
        for (let round = 0; round < 20; round++) for (const v of values) await ch.push(v);
        ch.close(new TypeError('end of input'));
        const result = await sending;
        await reading;
        const ra = await reportA;
        const rb = await reportB;
        wa.terminate();
        wb.terminate();
        const same = (x: unknown, y: unknown): boolean => {
          if (Object.is(x, y)) return true;
          if (x instanceof Map && y instanceof Map) return JSON.stringify([...x]) === JSON.stringify([...y]);
          if (x instanceof Set && y instanceof Set) return JSON.stringify([...x]) === JSON.stringify([...y]);
          if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
          if (x instanceof RegExp && y instanceof RegExp) return String(x) === String(y);
          if (x instanceof Uint16Array && y instanceof Uint16Array) return String(x) === String(y);
          if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null)
            return JSON.stringify(x) === JSON.stringify(y);
          return false;
        };
        const mismatches: number[] = [];
        for (let i = 0; i < got.length; i++) if (!same(got[i], values[i % values.length])) mismatches.push(i);
        return {
          count: got.length,
          total: values.length * 20,
          mismatches,
          error,
          result,
          ra,
          rb,
          workerErrors,
          errors: window.errors,
        };
      },
      [a, b],
    );
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.count).toBe(out.total);
    expect(out.mismatches).toEqual([]);
    expect(out.result).toEqual({ sent: out.total, undelivered: [] });
    expect(out.ra).toEqual({ sent: out.total, undelivered: 0 });
    expect(out.rb).toEqual({ sent: out.total });
    expect(out.error).toEqual({ name: 'TypeError', message: 'end of input', isTypeError: true });
  }, 60_000);
});

describe('rendezvous and pairing', () => {
  test('capacity 0: a push resolves only after a remote pull asked, one per pull', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort } = lib;
const input = fromPort(self, { name: 'r' });
const got = [];
self.onmessage = async ({ data }) => {
  if (data?.pull) {
    got.push(await input.pull());
    self.postMessage({ pulled: got.length });
  }
  if (data?.finish) {
    input.close();
    self.postMessage({ report: { got } });
  }
};`;
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort } = window.lib;
      const { worker: w, errors: workerErrors } = window.spawnScript(code);
      const ch = new Channel(0);
      const sending = toPort(ch, w, { name: 'r' });
      let resolved = 0;
      const producer = (async () => {
        try {
          for (let i = 0; ; i++) {
            await ch.push(i);
            resolved++;
          }
        } catch {}
      })();
      await window.sleep(1500);
      const beforeAnyPull = resolved;
      const pulledOnce = new Promise((r) => w.addEventListener('message', (e) => e.data?.pulled === 1 && r(null)));
      w.postMessage({ pull: true });
      await pulledOnce;
      await window.sleep(1000);
      const afterOnePull = resolved;
      const pulledTwice = new Promise((r) => w.addEventListener('message', (e) => e.data?.pulled === 2 && r(null)));
      w.postMessage({ pull: true });
      await pulledTwice;
      await window.sleep(1000);
      const afterTwoPulls = resolved;
      const report = window.nextReport(w);
      w.postMessage({ finish: true });
      const r = await report;
      const result = await sending;
      ch.close();
      await producer;
      w.terminate();
      return { beforeAnyPull, afterOnePull, afterTwoPulls, r, result, workerErrors, errors: window.errors };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.beforeAnyPull).toBe(0);
    expect(out.afterOnePull).toBe(1);
    expect(out.afterTwoPulls).toBe(2);
    expect(out.r.got).toEqual([0, 1]);
    expect(out.result).toEqual({ sent: 2, undelivered: [] });
  }, 60_000);

  test('an already aborted sender takes nothing; the receiver then serves the next sender, and a name is reusable', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort } = lib;
const first = [];
const input1 = fromPort(self, { name: 'n', capacity: 2 });
for await (const v of input1) first.push(v);
// The same name again, for a second stream after the first ended.
const second = [];
const input2 = fromPort(self, { name: 'n', capacity: 2 });
let error = null;
try { for await (const v of input2) second.push(v); } catch (e) { error = e?.message ?? String(e); }
self.postMessage({ report: { first, second, error } });`;
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort } = window.lib;
      const { worker: w, errors: workerErrors } = window.spawnScript(code);
      const report = window.nextReport(w);
      const ch = new Channel(10);
      for (let i = 0; i < 5; i++) await ch.push(i);
      const aborted = await toPort(ch, w, { name: 'n', signal: AbortSignal.abort('no') });
      const sizeAfterAborted = ch.size;
      ch.close();
      const first = await toPort(ch, w, { name: 'n' });
      await window.sleep(200);
      const ch2 = new Channel(10);
      for (let i = 100; i < 103; i++) await ch2.push(i);
      ch2.close();
      const second = await toPort(ch2, w, { name: 'n' });
      const r = await report;
      w.terminate();
      return { aborted, sizeAfterAborted, first, second, r, workerErrors, errors: window.errors };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.aborted).toEqual({ sent: 0, undelivered: [] });
    expect(out.sizeAfterAborted).toBe(5);
    expect(out.first).toEqual({ sent: 5, undelivered: [] });
    expect(out.second).toEqual({ sent: 3, undelivered: [] });
    expect(out.r).toEqual({ first: [0, 1, 2, 3, 4], second: [100, 101, 102], error: null });
  }, 60_000);

  test('unbounded credit (capacity Infinity) carries a large stream in order', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort } = lib;
const input = fromPort(self, { name: 'big', capacity: Infinity });
let count = 0, ordered = true;
for await (const v of input) { if (v !== count) ordered = false; count++; }
self.postMessage({ report: { count, ordered } });`;
    const out = await page.evaluate(async (code) => {
      const { result, r, workerErrors } = await window.streamToWorker(code, {
        name: 'big',
        capacity: 256,
        count: 50_000,
      });
      return { sent: result.sent, undelivered: result.undelivered.length, r, workerErrors, errors: window.errors };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out).toMatchObject({ sent: 50_000, undelivered: 0, r: { count: 50_000, ordered: true } });
  }, 60_000);
});

describe('one name both ways over one MessagePort', () => {
  test('an echo Worker answers on the same name; idle periods longer than the ping interval do not end it', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort, toPort, Channel } = lib;
self.onmessage = async ({ data }) => {
  if (!data?.port) return;
  const input = fromPort(data.port, { name: 'x', capacity: 0 });
  const output = new Channel(0);
  const done = toPort(output, data.port, { name: 'x' });
  for await (const v of input) await output.push(v * 10);
  output.close('echo done');
  const r = await done;
  self.postMessage({ report: r });
};`;
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort, fromPort, ChannelClosedError } = window.lib;
      const { worker: w, errors: workerErrors } = window.spawnScript(code);
      const { port1, port2 } = new MessageChannel();
      w.postMessage({ port: port2 }, [port2]);
      const report = window.nextReport(w);
      const requests = new Channel(0);
      const answers = fromPort(port1, { name: 'x', capacity: 0 });
      const sending = toPort(requests, port1, { name: 'x' });
      const got: number[] = [];
      for (let i = 0; i < 30; i++) {
        await requests.push(i);
        got.push(await answers.pull());
        if (i === 10 || i === 20) await window.sleep(3200);
      }
      requests.close();
      let end: any = null;
      try {
        await answers.pull();
      } catch (e: any) {
        end = { name: e?.name, cause: e instanceof ChannelClosedError ? e.cause : undefined };
      }
      const result = await sending;
      const r = await report;
      port1.close();
      w.terminate();
      return { got, end, result, r, workerErrors, errors: window.errors };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.got).toEqual(Array.from({ length: 30 }, (_, i) => i * 10));
    expect(out.result).toEqual({ sent: 30, undelivered: [] });
    expect(out.r).toEqual({ sent: 30, undelivered: [] });
    expect(out.end).toEqual({ name: 'ChannelClosedError', cause: 'echo done' });
  }, 60_000);
});

describe('a value that cannot be cloned', () => {
  test('rejects toPort with sent and undelivered accounting for every pulled value; the receiver closes with an Error', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort } = lib;
const input = fromPort(self, { name: 'u', capacity: 0 });
const got = [];
let error = null;
try { for await (const v of input) got.push(v); }
catch (e) { error = { name: e?.name, message: e?.message, isError: e instanceof Error, cause: e?.cause?.message }; }
self.postMessage({ report: { got, error } });`;
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort } = window.lib;
      const { worker: w, errors: workerErrors } = window.spawnScript(code);
      const report = window.nextReport(w);
      const ch = new Channel(10);
      const bad = { fn() {} };
      for (const v of [0, 1, 2, bad, 4, 5]) await ch.push(v);
      let rejection: any = null;
      try {
        await toPort(ch, w, { name: 'u' });
      } catch (e: any) {
        rejection = {
          name: e?.name,
          message: e?.message,
          sent: e?.sent,
          undelivered: e?.undelivered?.map((v: any) => (v === bad ? 'bad' : v)),
        };
      }
      const r = await report;
      const left = ch.size;
      w.terminate();
      return { rejection, r, left, workerErrors, errors: window.errors };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.rejection).toMatchObject({ name: 'TypeError', sent: 3 });
    expect(out.rejection.message).toMatch(/toPort/);
    expect(out.r.got).toEqual([0, 1, 2]);
    expect(out.r.error).toMatchObject({ isError: true });
    // Every value pulled from the channel is sent, undelivered, or still in it.
    expect(out.rejection.undelivered[0]).toBe('bad');
    expect(out.rejection.sent + out.rejection.undelivered.length + out.left).toBe(6);
  }, 60_000);
});

describe('a page that blocks its event loop while a Worker streams to it', () => {
  for (const blockMs of [3500, 7000]) {
    test(`a ${blockMs} ms block: ${blockMs < 5000 ? 'the stream goes on, every value once' : 'the Worker gives up; got and undelivered account for every value'}`, async () => {
      const page = await pages.open();
      const worker = `
const { Channel, toPort } = lib;
const out = new Channel(0);
const done = toPort(out, self, { name: 'w' });
let pushed = 0;
const producing = (async () => {
  try { for (let i = 0; ; i++) { await out.push(i); pushed++; await new Promise((r) => setTimeout(r, 2)); } } catch {}
})();
self.onmessage = async ({ data }) => {
  if (data?.stop) {
    out.close();
    const r = await done;
    await producing;
    self.postMessage({ report: { sent: r.sent, undelivered: r.undelivered, pushed } });
  }
};
done.then((r) => self.postMessage({ finished: true }));`;
      const out = await page.evaluate(
        async ([code, blockMs]) => {
          const { fromPort, ChannelError } = window.lib;
          const w = new Worker(window.script(code as string), { type: 'module' });
          const workerErrors: string[] = [];
          w.addEventListener('error', (e) => workerErrors.push(e.message));
          const input = fromPort(w, { name: 'w', capacity: 4 });
          const got: number[] = [];
          let error: any = null;
          const reading = (async () => {
            try {
              for await (const v of input) got.push(v);
            } catch (e: any) {
              error = { name: e?.name, message: e?.message, isChannelError: e instanceof ChannelError };
            }
          })();
          while (got.length < 30) await window.sleep(2);
          const end = Date.now() + (blockMs as number);
          while (Date.now() < end) {
            // The page's event loop is blocked (a long computation).
          }
          await window.sleep(2500);
          const countAfter = got.length;
          const report = window.nextReport(w);
          w.postMessage({ stop: true });
          const r = await report;
          await reading;
          w.terminate();
          return { got, countAfter, error, r, workerErrors, errors: window.errors };
        },
        [worker, blockMs] as const,
      );
      expect(out.workerErrors).toEqual([]);
      expect(out.errors).toEqual([]);
      expect(out.got).toEqual(Array.from({ length: out.got.length }, (_, i) => i));
      expect(out.r.undelivered).toEqual(Array.from({ length: out.r.undelivered.length }, (_, i) => out.r.sent + i));
      expect(out.r.sent + out.r.undelivered.length).toBe(out.r.pushed);
      if (blockMs < 5000) {
        expect(out.error).toBeNull();
        expect(out.got.length).toBeGreaterThan(30);
        expect(out.r.undelivered).toEqual([]);
        expect(out.got.length).toBe(out.r.sent);
      } else {
        expect(out.error).toMatchObject({ name: 'ChannelError', isChannelError: true });
        // What the page got is what the Worker counted as sent, plus at most the one batch
        // committed right before the block (documented: in both places).
        expect(out.got.length).toBeGreaterThanOrEqual(out.r.sent);
        expect(out.got.length - out.r.sent).toBeLessThanOrEqual(4);
      }
    }, 60_000);
  }
});

describe('a Worker that dies before its receiver answers', () => {
  test('a toPort still pairing pulls nothing and is settled by its signal (the application watches the error event)', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      // A Worker whose module fails to load: no receiver will ever answer.
      const w = new Worker(window.script('syntax error here ('), { type: 'module' });
      const controller = new AbortController();
      let workerError = false;
      w.addEventListener('error', () => {
        workerError = true;
        controller.abort(new Error('worker failed to start'));
      });
      const ch = new Channel(4);
      await ch.push('a');
      const started = Date.now();
      let settled = false;
      const sending = toPort(ch, w, { name: 'jobs', signal: controller.signal }).then((r: unknown) => {
        settled = true;
        return r;
      });
      const deadline = Date.now() + 10_000;
      while (!settled && Date.now() < deadline) await window.sleep(20);
      const result = settled ? await sending : null;
      w.terminate();
      return { workerError, settled, result, took: Date.now() - started, left: ch.size };
    });
    expect(out.workerError).toBe(true);
    expect(out.settled).toBe(true);
    expect(out.result).toEqual({ sent: 0, undelivered: [] });
    expect(out.left).toBe(1);
  }, 30_000);
});
