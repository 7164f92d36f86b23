/**
 * Audit AA: `chanasync/port` as an application uses it, in headless Chromium — several streams
 * multiplexed over one MessagePort to a Worker, close reasons of every kind, a sender aborted
 * by its signal, credit measured from inside the Worker, transfer of buffers and ports, and
 * misuse caught at the call.
 *
 * Written from the SPEC ("Channels across contexts") and the README's port reference only.
 */
import { describe, expect, test } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

/** Describes what a for-await over a closed channel threw, and its `cause`, as plain data. */
const DESCRIBE = `
const describe = (e) => e === undefined ? undefined : e === null ? null :
  typeof e !== 'object' ? { value: e } :
  { name: e.name, message: e.message, isError: e instanceof Error, isDOMException: e instanceof DOMException,
    ctor: e.constructor?.name, keys: Object.keys(e) };
const drainAll = async (input) => {
  const values = [];
  try { for await (const v of input) values.push(v); return { values, error: null }; }
  catch (e) { return { values, error: describe(e), cause: describe(e?.cause) }; }
};
`;

describe('streams multiplexed over one MessagePort', () => {
  test('one receiver closing early leaves the others flowing; close reasons of every kind arrive', async () => {
    const page = await pages.open();
    const worker = `${DESCRIBE}
const { fromPort } = lib;
self.onmessage = async ({ data }) => {
  const port = data.port;
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const inputs = Object.fromEntries(names.map((n) => [n, fromPort(port, { name: n, capacity: 4 })]));
  port.postMessage({ ready: true });
  // "b" closes early, after 5 values, then reads what is left in its buffer.
  const b = (async () => {
    const values = [];
    for (let i = 0; i < 5; i++) values.push(await inputs.b.pull());
    inputs.b.close();
    const rest = await drainAll(inputs.b);
    return { values: [...values, ...rest.values], error: rest.error };
  })();
  const others = await Promise.all(['a', 'c', 'd', 'e', 'f'].map((n) => drainAll(inputs[n])));
  port.postMessage({ report: { b: await b, a: others[0], c: others[1], d: others[2], e: others[3], f: others[4] } });
};`;
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort } = window.lib;
      const { worker: w, errors: workerErrors } = window.spawnScript(code);
      const { port1, port2 } = new MessageChannel();
      port1.start();
      const ready = new Promise((resolve) => port1.addEventListener('message', (e) => e.data?.ready && resolve(null)));
      const report = new Promise<any>((resolve) =>
        port1.addEventListener('message', (e) => e.data?.report && resolve(e.data.report)),
      );
      w.postMessage({ port: port2 }, [port2]);
      if ((await Promise.race([ready, window.sleep(10000).then(() => 'timeout')])) === 'timeout')
        return { stage: 'ready', workerErrors, errors: window.errors } as any;
      const chans: Record<string, any> = {};
      const counts: Record<string, number> = {};
      const senders: Record<string, Promise<any>> = {};
      const controller = new AbortController();
      for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) {
        chans[n] = new Channel(0);
        counts[n] = 0;
        senders[n] = toPort(chans[n], port1, { name: n, ...(n === 'f' ? { signal: controller.signal } : {}) });
      }
      // Each producer pushes 0..49 (the "b" producer is stopped by the receiver's close).
      const producers = Object.keys(chans).map(async (n) => {
        try {
          for (let i = 0; i < 50; i++) {
            if (n === 'f' && i === 20) {
              controller.abort('stop-f');
              return;
            }
            await chans[n].push(i);
            counts[n] = (counts[n] ?? 0) + 1;
          }
        } catch {}
      });
      const reasons: Record<string, unknown> = {
        a: new TypeError('ta'),
        c: new DOMException('dm', 'AbortError'),
        d: { code: 7, text: 'plain' },
        e: { message: 'unclone-me', fn() {} },
      };
      const bResult = await Promise.race([senders.b, window.sleep(10000).then(() => 'timeout')]);
      if (bResult === 'timeout') return { stage: 'b', counts, workerErrors, errors: window.errors } as any;
      for (const n of ['a', 'c', 'd', 'e']) {
        void producers;
        (async () => {
          while (counts[n]! < 50) await window.sleep(2);
          chans[n].close(reasons[n]);
        })();
      }
      const t = await Promise.race([Promise.all(Object.values(senders)), window.sleep(20_000).then(() => 'timeout')]);
      if (t === 'timeout') return { stage: 'senders', counts } as any;
      const results = Object.fromEntries(
        await Promise.all(Object.keys(senders).map(async (n) => [n, await senders[n]])),
      );
      // The "b" producer's next push is still parked: the sender stopped pulling at once.
      const bCountAtEnd = counts.b;
      chans.b.close();
      const r = await report;
      w.terminate();
      return { results, bResult, bCountAtEnd, r, workerErrors, errors: window.errors };
    }, worker);

    expect(out.stage).toBeUndefined();
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    // The streams that ran to the end delivered everything, in order.
    for (const n of ['a', 'c', 'd', 'e']) {
      expect(out.r[n].values).toEqual(range(0, 50));
      expect(out.results[n]).toEqual({ sent: 50, undelivered: [] });
    }
    // "b": the worker read what was committed (also what sat in its buffer after close), and
    // sent + undelivered is everything the sender pulled, in order.
    const b = out.results.b;
    expect(out.r.b.error).toBeNull();
    expect(out.r.b.values).toEqual(range(0, b.sent));
    expect(b.undelivered).toEqual(range(b.sent, b.sent + b.undelivered.length));
    expect(b.sent + b.undelivered.length).toBe(out.bCountAtEnd);
    expect(b.sent).toBeGreaterThanOrEqual(5);
    // "f": aborted after 20 pushes; the remote channel closed with the signal's reason.
    expect(out.r.f.values).toEqual(range(0, out.results.f.sent));
    expect(out.results.f.sent + out.results.f.undelivered.length).toBe(20);
    expect([out.r.f.error, out.r.f.cause]).toContainEqual({ value: 'stop-f' });
    // Reasons: an Error subclass and a DOMException keep their kind; a plain object arrives as
    // itself; an uncloneable one as an Error whose message contains its message.
    const reasonOf = (n: string) => (out.r[n].error?.ctor === 'ChannelClosedError' ? out.r[n].cause : out.r[n].error);
    expect(reasonOf('a')).toMatchObject({ name: 'TypeError', message: 'ta', isError: true });
    expect(reasonOf('c')).toMatchObject({ name: 'AbortError', message: 'dm', isDOMException: true });
    expect(reasonOf('d')).toMatchObject({ isError: false, keys: ['code', 'text'] });
    expect(reasonOf('e')).toMatchObject({ isError: true });
    expect(reasonOf('e').message).toContain('unclone-me');
  }, 60_000);
});

describe('credit across contexts, measured inside the Worker', () => {
  for (const [capacity, many] of [
    [0, false],
    [1, false],
    [16, false],
    [16, true],
    [600, true],
  ] as const) {
    test(`capacity ${capacity}${many ? ' (pullMany consumer)' : ''}: values arrived and not yet pulled never exceed ${Math.max(capacity, 1)}`, async () => {
      const page = await pages.open();
      const worker = `
const { fromPort } = lib;
const capacity = ${capacity};
let arrived = 0, pulled = 0, worst = 0, worstSize = 0, messages = 0;
// Added before fromPort's own listener, so it runs first for each message: what arrived so far
// minus what the application pulled is what sits in the receiver (buffer + this message).
self.addEventListener('message', ({ data }) => {
  if (data && data.type === 'values' && data.name === 'n' && Array.isArray(data.values)) {
    arrived += data.values.length;
    messages++;
    worst = Math.max(worst, arrived - pulled);
  }
});
const input = fromPort(self, { name: 'n', capacity });
const got = [];
if (${many}) {
  for (;;) {
    await new Promise((r) => setTimeout(r, 3));
    worstSize = Math.max(worstSize, input.size);
    let batch;
    try { batch = await input.pullMany(1000); } catch { break; }
    if (batch.length === 0) break;
    pulled += batch.length;
    got.push(...batch);
  }
} else {
  for await (const v of input) {
    pulled++;
    worstSize = Math.max(worstSize, input.size);
    got.push(v);
    if (got.length % 7 === 0) await new Promise((r) => setTimeout(r, 3));
  }
}
self.postMessage({ report: { got, worst, worstSize, arrived, messages } });`;
      const out = await page.evaluate(async (code) => {
        const sent = await window.streamToWorker(code, { name: 'n', capacity: 64, count: 3000 });
        return { ...sent, errors: window.errors };
      }, worker);
      expect(out.workerErrors).toEqual([]);
      expect(out.errors).toEqual([]);
      expect(out.r.got).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(out.result).toEqual({ sent: 3000, undelivered: [] });
      expect(out.r.arrived).toBe(3000);
      expect(out.r.worst).toBeLessThanOrEqual(Math.max(capacity, 1));
      expect(out.r.worstSize).toBeLessThanOrEqual(capacity);
    }, 60_000);
  }
});

describe('transfer', () => {
  test('ArrayBuffers and MessagePorts inside values move; an undelivered value comes back detached', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort } = lib;
// Added before fromPort's own listener, so it runs first: once armed, it aborts the pull as
// soon as the value for it arrives, before the receiver can commit it.
let armed = false;
const controller = new AbortController();
self.addEventListener('message', ({ data }) => {
  if (armed && data && data.type === 'values' && data.name === 't') controller.abort();
});
const input = fromPort(self, { name: 't', capacity: 0 });
const seen = [];
for (let i = 0; i < 3; i++) {
  const v = await input.pull();
  seen.push({ i: v.i, bytes: [...new Uint8Array(v.buf)], isPort: v.port instanceof MessagePort });
  v.port.postMessage('hello from ' + v.i);
}
// A pull that gives up while its value is on the way: the value waits, uncommitted, and
// the close below makes it undelivered.
armed = true;
const late = await input.pull({ signal: controller.signal }).then(() => 'resolved', (e) => e?.name);
input.close();
self.postMessage({ report: { seen, late } });`;
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort } = window.lib;
      const { worker: w, errors: workerErrors } = window.spawnScript(code);
      const report = window.nextReport(w);
      const ch = new Channel(8);
      const heard: string[] = [];
      const values: any[] = [];
      for (let i = 0; i < 5; i++) {
        const { port1, port2 } = new MessageChannel();
        port1.onmessage = (e) => heard.push(e.data);
        values.push({ i, buf: new Uint8Array([i, i + 1, i + 2]).buffer, port: port2 });
        await ch.push(values[i]);
      }
      const result = await toPort(ch, w, { name: 't', transfer: (v: any) => [v.buf, v.port] });
      const r = await report;
      const deadline = Date.now() + 10_000;
      while (heard.length < 3 && Date.now() < deadline) await window.sleep(5);
      w.terminate();
      return {
        sent: result.sent,
        undelivered: result.undelivered.map((v: any) => ({ i: v.i, byteLength: v.buf.byteLength })),
        sameObjects: result.undelivered.every((v: any) => values.includes(v)),
        sentLengths: values.slice(0, result.sent).map((v) => v.buf.byteLength),
        left: ch.size,
        heard,
        r,
        workerErrors,
        errors: window.errors,
      };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.r.seen).toEqual([
      { i: 0, bytes: [0, 1, 2], isPort: true },
      { i: 1, bytes: [1, 2, 3], isPort: true },
      { i: 2, bytes: [2, 3, 4], isPort: true },
    ]);
    expect(out.r.late).toBe('AbortError');
    expect(out.heard.sort()).toEqual(['hello from 0', 'hello from 1', 'hello from 2']);
    expect(out.sent).toBe(3);
    expect(out.sentLengths).toEqual([0, 0, 0]);
    // The value that was on its way when the pull gave up: undelivered, and detached.
    expect(out.undelivered[0]).toEqual({ i: 3, byteLength: 0 });
    expect(out.sameObjects).toBe(true);
    // Nothing pulled beyond what is listed.
    expect(out.sent + out.undelivered.length + out.left).toBe(5);
  }, 60_000);
});

describe('misuse is refused at the call and leaves nothing behind', () => {
  test('bad ports, bad names, duplicate receivers and senders', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort, fromPort } = window.lib;
      const seen: Record<string, string> = {};
      const catchSync = (key: string, f: () => unknown) => {
        try {
          f();
          seen[key] = 'no error';
        } catch (e: any) {
          seen[key] = `${e?.name}: ${e?.message}`;
        }
      };
      const catchAsync = async (key: string, f: () => Promise<unknown>) => {
        try {
          const p = f();
          seen[key] = `returned ${typeof p}`;
          await p;
          seen[key] = 'no error';
        } catch (e: any) {
          seen[key] = `${e?.name}: ${e?.message}`;
        }
      };
      const ch = new Channel(4);
      await ch.push(1);
      await catchAsync('toPort {}', () => toPort(ch, {} as any));
      await catchAsync('toPort null', () => toPort(ch, null as any));
      await catchAsync('toPort name 5', () => toPort(ch, new MessageChannel().port1, { name: 5 as any }));
      await catchAsync('toPort not a channel', () => toPort({ pull() {} } as any, new MessageChannel().port1));
      catchSync('fromPort {}', () => fromPort({} as any));
      catchSync('fromPort name 5', () => fromPort(new MessageChannel().port1, { name: 5 as any }));
      catchSync('fromPort capacity -1', () => fromPort(new MessageChannel().port1, { capacity: -1 }));
      catchSync('fromPort window no origin', () => fromPort(window));
      const sizeAfterBadCalls = ch.size;

      // Two receivers of one name on one port: the second is refused, the first works.
      const { port1, port2 } = new MessageChannel();
      const input = fromPort(port2, { name: 'x', capacity: 4 });
      catchSync('fromPort twice', () => fromPort(port2, { name: 'x' }));
      const other = fromPort(port2, { name: 'y', capacity: 4 });
      // Two senders of one name on one port: the second is refused and pulls nothing.
      const src = new Channel(8);
      for (let i = 0; i < 6; i++) await src.push(i);
      const first = toPort(src, port1, { name: 'x' });
      await catchAsync('toPort twice', () => toPort(src, port1, { name: 'x' }));
      // The same channel to another name is allowed (each value goes to exactly one).
      const second = toPort(src, port1, { name: 'y' });
      src.close();
      const gotX: number[] = [];
      const gotY: number[] = [];
      await Promise.all([
        (async () => {
          for await (const v of input) gotX.push(v);
        })(),
        (async () => {
          for await (const v of other) gotY.push(v);
        })(),
      ]);
      const results = await Promise.all([first, second]);
      port1.close();
      port2.close();
      return { seen, sizeAfterBadCalls, gotX, gotY, results };
    });
    const s = out.seen;
    for (const key of [
      'toPort {}',
      'toPort null',
      'toPort name 5',
      'toPort not a channel',
      'fromPort {}',
      'fromPort name 5',
      'fromPort window no origin',
      'fromPort twice',
      'toPort twice',
    ])
      expect(s[key], key).toMatch(/^TypeError: /);
    expect(s['fromPort capacity -1']).toMatch(/^RangeError: /);
    // Each message names the function it comes from.
    expect(s['fromPort twice']).toMatch(/fromPort/);
    expect(s['toPort twice']).toMatch(/toPort/);
    expect(out.sizeAfterBadCalls).toBe(1);
    // Every value went to exactly one stream, in order within each.
    expect([...out.gotX, ...out.gotY].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out.gotX).toEqual([...out.gotX].sort());
    expect(out.gotY).toEqual([...out.gotY].sort());
    expect(out.results[0].sent + out.results[1].sent).toBe(6);
    expect(out.results[0].undelivered).toEqual([]);
    expect(out.results[1].undelivered).toEqual([]);
  }, 60_000);
});

describe('a refused call leaves the port as it was', () => {
  test('a MessagePort is not started by a call that throws or rejects: its queued messages still reach the application', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort, fromPort } = window.lib;
      const calls: Record<string, (port: MessagePort) => unknown> = {
        'fromPort capacity -1': (port) => fromPort(port, { capacity: -1 }),
        'fromPort name 5': (port) => fromPort(port, { name: 5 }),
        'fromPort capacity null': (port) => fromPort(port, { capacity: null }),
        'toPort name 5': (port) => toPort(new Channel(), port, { name: 5 }),
        'toPort signal x': (port) => toPort(new Channel(), port, { signal: 'x' }),
        'toPort transfer 5': (port) => toPort(new Channel(), port, { transfer: 5 }),
        'toPort not a channel': (port) => toPort({}, port),
      };
      const outcome: Record<string, { refused: string; heard: string[] }> = {};
      for (const [key, call] of Object.entries(calls)) {
        const { port1, port2 } = new MessageChannel();
        port2.postMessage('early');
        let refused = 'no';
        try {
          await call(port1);
        } catch (e: any) {
          refused = e?.name;
        }
        await window.sleep(50);
        const heard: string[] = [];
        port1.addEventListener('message', (e) => heard.push(e.data));
        port1.start();
        await window.sleep(50);
        outcome[key] = { refused, heard };
        port1.close();
        port2.close();
      }
      return outcome;
    });
    for (const [key, o] of Object.entries(out)) {
      expect(o.refused, key).toMatch(/^(TypeError|RangeError)$/);
      expect(o.heard, key).toEqual(['early']);
    }
  }, 30_000);
});

describe('streams that ended leave nothing running', () => {
  test('no message of an ended, aborted or refused stream is posted afterwards, either way', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort } = lib;
const seen = [];
self.addEventListener('message', ({ data }) => {
  if (data && typeof data.type === 'string' && typeof data.name === 'string') seen.push({ t: Date.now(), type: data.type, name: data.name });
});
const input = fromPort(self, { name: 'q', capacity: 2 });
const got = [];
for await (const v of input) got.push(v);
self.onmessage = ({ data }) => {
  if (data?.since !== undefined) self.postMessage({ report: { got, after: seen.filter((m) => m.t >= data.since) } });
};
self.postMessage({ drained: true });`;
    const out = await page.evaluate(async (code) => {
      const { Channel, toPort } = window.lib;
      const { worker: w, errors: workerErrors } = window.spawnScript(code);
      const pageSeen: { t: number; type: string; name: string }[] = [];
      w.addEventListener('message', ({ data }) => {
        if (data && typeof data.type === 'string' && typeof data.name === 'string')
          pageSeen.push({ t: Date.now(), type: data.type, name: data.name });
      });
      const drained = new Promise((r) => w.addEventListener('message', (e) => e.data?.drained && r(null)));
      // A sender that never finds a receiver, aborted while pairing.
      const controller = new AbortController();
      const lonely = toPort(new Channel(), w, { name: 'nobody', signal: controller.signal });
      // A stream that runs to its end, and a second sender of its name, refused.
      const ch = new Channel(4);
      const q = toPort(ch, w, { name: 'q' });
      let refused = 'no';
      try {
        await toPort(ch, w, { name: 'q' });
      } catch (e: any) {
        refused = e?.name;
      }
      for (let i = 0; i < 20; i++) await ch.push(i);
      ch.close();
      const result = await q;
      await window.sleep(1200);
      controller.abort();
      const lonelyResult = await lonely;
      await drained;
      await window.sleep(300);
      const since = Date.now();
      await window.sleep(3000);
      const report = window.nextReport(w);
      w.postMessage({ since });
      const r = await report;
      w.terminate();
      return {
        result,
        lonelyResult,
        refused,
        got: r.got,
        workerAfter: r.after,
        pageAfter: pageSeen.filter((m) => m.t >= since),
        workerErrors,
        errors: window.errors,
      };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.refused).toBe('TypeError');
    expect(out.result).toEqual({ sent: 20, undelivered: [] });
    expect(out.lonelyResult).toEqual({ sent: 0, undelivered: [] });
    expect(out.got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(out.workerAfter).toEqual([]);
    expect(out.pageAfter).toEqual([]);
  }, 60_000);
});

describe('a capacity-0 consumer that keeps giving up', () => {
  test('pulls with timeouts and selects against a timer: no value lost or doubled, never more than one waiting', async () => {
    const page = await pages.open();
    const worker = `
const { fromPort, select, pull, after } = lib;
let arrived = 0, pulled = 0, worst = 0, gaveUp = 0;
self.addEventListener('message', ({ data }) => {
  if (data && data.type === 'values' && data.name === 'z') {
    arrived += data.values.length;
    worst = Math.max(worst, arrived - pulled);
  }
});
const input = fromPort(self, { name: 'z' });
const got = [];
let closed = false;
for (let round = 0; !closed; round++) {
  if (round % 2 === 0) {
    try {
      const v = await input.pull({ signal: AbortSignal.timeout(round % 5) });
      pulled++;
      got.push(v);
    } catch (e) {
      if (e?.name === 'TimeoutError') gaveUp++;
      else if (e?.name === 'ChannelClosedError') closed = true;
      else throw e;
    }
  } else {
    const r = await select([pull(input), pull(after(round % 3))]);
    if (r.index === 0) {
      if (!r.ok) closed = true;
      else { pulled++; got.push(r.value); }
    } else gaveUp++;
  }
}
self.postMessage({ report: { got, worst, gaveUp, arrived } });`;
    const out = await page.evaluate(async (code) => {
      const pace = (i: number) => (i % 10 === 0 ? window.sleep(3) : undefined);
      const sent = await window.streamToWorker(code, { name: 'z', capacity: 0, count: 300, pace });
      return { ...sent, errors: window.errors };
    }, worker);
    expect(out.workerErrors).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.r.got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(out.result).toEqual({ sent: 300, undelivered: [] });
    expect(out.r.gaveUp).toBeGreaterThan(0);
    expect(out.r.worst).toBeLessThanOrEqual(1);
  }, 60_000);
});
