/**
 * Audit BO-browser: what a web developer does with chanasync (dist/, no bundler) and
 * chanasync/port across real contexts in headless Chromium — Debian's /usr/bin/chromium through
 * playwright-core, one browser for the file (launched without Playwright's
 * `--disable-back-forward-cache`, so the bfcache test sees the real cache; the other tests do
 * not navigate their page). Written from SPEC.md ("Channels across contexts", "Interop",
 * "Packaging") and the README's documented bounds; see FINDINGS.md.
 *
 * Origins: A = http://127.0.0.1:P1 (the pages), B = http://localhost:P1 (cross-origin frames),
 * C = http://127.0.0.1:P2 (a third origin, a second server on the same files).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, '..', '..', 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

/** Serves /dist/* from the package's dist/ and everything else from this folder. */
async function serve(): Promise<{ server: Server; port: number }> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    try {
      const [root, rel] = path.startsWith('/dist/') ? [dist, path.slice(5)] : [here, path];
      const file = normalize(join(root, rel));
      if (!file.startsWith(root)) throw new Error('outside');
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream',
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

let browser: Browser;
let servers: Server[] = [];
let P1 = 0;
let P2 = 0;
const A = () => `http://127.0.0.1:${P1}`;
const B = () => `http://localhost:${P1}`;
const C = () => `http://127.0.0.1:${P2}`;

const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  const one = await serve();
  const two = await serve();
  servers = [one.server, two.server];
  P1 = one.port;
  P2 = two.port;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  expect(pageErrors.splice(0)).toEqual([]);
});

/** A new page (in `context`, else a fresh context) at `url` on origin A, once chanasync loaded. */
async function open(path = '/page.html', context?: BrowserContext): Promise<Page> {
  let ctx = context;
  if (ctx === undefined) {
    ctx = await browser.newContext();
    contexts.push(ctx);
  }
  const page = await ctx.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${A()}${path}`);
  if (path === '/page.html') await page.waitForFunction(() => (window as any).ready === true);
  return page;
}

/** The frame of `page` whose URL starts with `prefix`, once its chanasync is loaded. */
async function frameAt(page: Page, prefix: string): Promise<Frame> {
  for (let i = 0; i < 200; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(prefix));
    if (frame !== undefined) {
      try {
        await frame.waitForFunction(() => (window as any).ready === true, undefined, { timeout: 5000 });
        return frame;
      } catch {
        // navigated meanwhile: look again
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no frame at ${prefix}`);
}

/** Uncaught errors recorded by the page itself (and its Workers' error events). */
const errorsOf = (page: Page) => page.evaluate(() => (window as any).errors as string[]);

describe('the core from <script type="module"> importing dist/index.js', () => {
  test('channels, select, streams, fromEvent and merge work in the page', async () => {
    const page = await open('/core.html');
    await page.waitForFunction(() => (window as any).coreResult !== undefined, undefined, { timeout: 10_000 });
    const r = await page.evaluate(() => (window as any).coreResult);
    expect(r.crash).toBeUndefined();
    expect(r.rendezvous).toEqual({ before: 'pending', v: 'a', full: true, empty: true });
    expect(r.buffered).toEqual({
      state: 'pending',
      got: [1, 2, 3, 4],
      thrown: { name: 'RangeError', message: 'enough' },
      pushErr: { cls: true, base: true, name: 'ChannelClosedError', named: true },
    });
    expect(r.nowait).toEqual({
      full: true,
      x: 'x',
      empty: true,
      tryPush: true,
      tryPush2: false,
      tryPull: 1,
      tryPull2: undefined,
    });
    // 200 selects between two ready channels: uniform choice, one value per select.
    expect(r.selectRandom.wins[0] + r.selectRandom.wins[1]).toBe(200);
    expect(Math.min(...r.selectRandom.wins)).toBeGreaterThan(50);
    expect(r.selectRandom.left).toBe(600);
    expect(r.selectTimeout).toEqual({
      index: 1,
      isNumber: true,
      stats: {
        name: undefined,
        capacity: 0,
        size: 0,
        closed: false,
        overflow: 'block',
        waitingPushers: 0,
        waitingPullers: 0,
      },
    });
    expect(r.selectNowaitNone).toBe(true);
    expect(r.selectClosedPush).toBe(true);
    expect(r.selectOkFalse).toBe(false);
    expect(r.selectEmpty).toBe(true);
    expect(r.toStream).toEqual({ got: [1, 2, 3], streamErr: 'broken', first: 'k1', keepClosed: false, keepSize: 1 });
    // Channel.from a ReadableStream never runs more than `capacity` values ahead of its consumer.
    expect(r.fromStream.ahead).toBeLessThanOrEqual(3);
    expect(r.fromStream.firstThree).toEqual([0, 1, 2]);
    expect(r.fromStream.fin).toEqual(['p', 'q']);
    expect(r.fromStream.fv).toEqual([1]);
    expect(r.fromStream.fe).toBe('src');
    expect(r.fromEvent).toEqual({ types: ['click', 'click'], trusted: false, afterClose: 0, closed: true });
    expect(r.merge).toEqual({ a: [1, 2, 3], b: ['x', 'y'] });
    expect(r.dispose).toBe(true);
    expect(await page.evaluate(() => (window as any).coreResult && true)).toBe(true);
  });
});

describe('page ↔ dedicated module Worker', () => {
  test('the README example without a bundler: 1000 squares in order, and a close reason crosses both ways', async () => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const { Channel } = w.lib;
      const { fromPort, toPort } = w.port;
      const worker = w.reports(new Worker('/squares-worker.js', { type: 'module' }));
      worker.addEventListener('error', (e: ErrorEvent) => w.errors.push(`worker: ${e.message}`));
      const numbers = new Channel(64);
      const sending = toPort(numbers, worker, { name: 'numbers' });
      const squares = fromPort(worker, { name: 'squares', capacity: 64 });
      void (async () => {
        for (let i = 0; i < 1000; i++) await numbers.push(i);
        numbers.close(new TypeError('no more numbers'));
      })();
      const drained = await w.drain(squares);
      const result = await sending;
      const workerReport = await worker.next();
      worker.terminate();
      const ordered = drained.values.every((v: number, i: number) => v === i * i);
      return { n: drained.values.length, ordered, error: drained.error, result, workerReport };
    });
    expect(r.n).toBe(1000);
    expect(r.ordered).toBe(true);
    // The page's TypeError reached the Worker's for-await, which closed squares with it: back here.
    expect(r.error).toMatchObject({ name: 'TypeError', message: 'no more numbers' });
    expect(r.result).toEqual({ sent: 1000, undelivered: [] });
    expect(r.workerReport).toEqual({ count: 1000, sent: 1000, undelivered: 0 });
    expect(await errorsOf(page)).toEqual([]);
  });

  test('backpressure: a Worker fromPort of capacity 4 that does not pull holds the page at 4 values; capacity 0 is a rendezvous', async () => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const { Channel } = w.lib;
      const worker = w.spawn(`
        const held = port.fromPort(self, { name: 'held', capacity: 4 });
        const rdv = port.fromPort(self, { name: 'rdv' });
        self.addEventListener('message', async (e) => {
          if (e.data?.cmd === 'size') report(held.size);
          if (e.data?.cmd === 'pullHeld') report(await held.pull());
          if (e.data?.cmd === 'pullRdv') report(await rdv.pull());
        });
        report('up');
      `);
      await worker.next();
      // capacity 4, nobody pulling in the Worker
      const heldLocal = new Channel(0);
      void w.port.toPort(heldLocal, worker, { name: 'held' });
      let pushed = 0;
      void (async () => {
        for (let i = 0; i < 100; i++) {
          await heldLocal.push(i);
          pushed++;
        }
      })();
      await w.sleep(600);
      worker.postMessage({ cmd: 'size' });
      const remoteSize = await worker.next();
      const pushedWhileStalled = pushed;
      worker.postMessage({ cmd: 'pullHeld' });
      const first = await worker.next();
      await w.sleep(400);
      const pushedAfterOnePull = pushed;

      // capacity 0: the page's push resolves only once a remote pull asked for a value
      const rdvLocal = new Channel(0);
      void w.port.toPort(rdvLocal, worker, { name: 'rdv' });
      let rdvDone = false;
      const p = rdvLocal.push('hello').then(() => {
        rdvDone = true;
      });
      await w.sleep(600);
      const beforePull = rdvDone;
      worker.postMessage({ cmd: 'pullRdv' });
      const got = await worker.next();
      await p;
      worker.terminate();
      return { remoteSize, pushedWhileStalled, first, pushedAfterOnePull, beforePull, got, rdvDone };
    });
    expect(r).toEqual({
      remoteSize: 4,
      pushedWhileStalled: 4,
      first: 0,
      pushedAfterOnePull: 5,
      beforePull: false,
      got: 'hello',
      rdvDone: true,
    });
    expect(await errorsOf(page)).toEqual([]);
  });

  test('several names multiplexed over one Worker: each stream in order, a stalled one holds no other back', async () => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const { Channel } = w.lib;
      const { fromPort, toPort } = w.port;
      const worker = w.spawn(`
        // echo a and b back (as a2/b2), never pull 'stalled'
        const stalled = port.fromPort(self, { name: 'stalled', capacity: 2 });
        for (const name of ['a', 'b']) {
          const input = port.fromPort(self, { name, capacity: 8 });
          const back = new lib.Channel(8);
          const sending = port.toPort(back, self, { name: name + '2' });
          (async () => {
            try { for await (const v of input) await back.push(v); back.close(); }
            catch (e) { back.close(e); }
            const r = await sending;
            report({ name, sent: r.sent });
          })();
        }
        report('up');
      `);
      await worker.next();
      const chans: Record<string, any> = { a: new Channel(8), b: new Channel(8), stalled: new Channel(0) };
      const sendings = Object.entries(chans).map(([name, ch]) => toPort(ch, worker, { name }));
      const a2 = fromPort(worker, { name: 'a2', capacity: 8 });
      const b2 = fromPort(worker, { name: 'b2', capacity: 8 });
      let stalledPushed = 0;
      void (async () => {
        try {
          for (let i = 0; i < 50; i++) {
            await chans.stalled.push(i);
            stalledPushed++;
          }
        } catch {
          // closed at the end of the test
        }
      })();
      const produce = async (name: string, n: number) => {
        for (let i = 0; i < n; i++) await chans[name].push(`${name}${i}`);
        chans[name].close();
      };
      const [da, db] = await Promise.all([w.drain(a2), w.drain(b2), produce('a', 300), produce('b', 200)]);
      const reports = [await worker.next(), await worker.next()].sort((x: any, y: any) => x.name.localeCompare(y.name));
      const ra = await sendings[0];
      const rb = await sendings[1];
      const stalledCount = stalledPushed;
      chans.stalled.close();
      worker.terminate();
      return {
        aOk: da.values.length === 300 && da.values.every((v: string, i: number) => v === `a${i}`),
        bOk: db.values.length === 200 && db.values.every((v: string, i: number) => v === `b${i}`),
        errors: [da.error, db.error],
        ra,
        rb,
        reports,
        stalledCount,
      };
    });
    expect(r).toEqual({
      aOk: true,
      bOk: true,
      errors: [null, null],
      ra: { sent: 300, undelivered: [] },
      rb: { sent: 200, undelivered: [] },
      reports: [
        { name: 'a', sent: 300 },
        { name: 'b', sent: 200 },
      ],
      stalledCount: 2,
    });
    expect(await errorsOf(page)).toEqual([]);
  });

  test('the credit window holds in a real Worker: values posted and not yet committed plus values buffered never exceed the capacity (8, and 1 in flight for 0)', async () => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const { Channel } = w.lib;
      const run = async (capacity: number) => {
        const worker = w.spawn(`
          // Counts the values of every 'values' message as it arrives, before chanasync's own
          // listener (added later) commits them: arrived − pulled is what is in flight or buffered.
          let arrived = 0, pulled = 0, worst = 0, messages = 0;
          self.addEventListener('message', (e) => {
            if (e.data?.source === 'chanasync-port' && e.data.type === 'values') {
              arrived += e.data.values.length;
              messages++;
              worst = Math.max(worst, arrived - pulled);
            }
          });
          const input = port.fromPort(self, { name: 'w', capacity: ${capacity} });
          const got = [];
          for await (const v of input) {
            pulled++;
            got.push(v);
            if (pulled % 3 === 0) await new Promise((r) => setTimeout(r, 2));
          }
          report({ worst, n: got.length, ordered: got.every((v, i) => v === i), messages });
        `);
        const ch = new Channel(capacity === 0 ? 0 : 64);
        const sending = w.port.toPort(ch, worker, { name: 'w' });
        for (let i = 0; i < 300; i++) await ch.push(i);
        ch.close();
        const result = await sending;
        const rep = await worker.next();
        worker.terminate();
        return { result, ...rep };
      };
      return { eight: await run(8), zero: await run(0) };
    });
    expect(r.eight).toMatchObject({ result: { sent: 300, undelivered: [] }, n: 300, ordered: true });
    expect(r.eight.worst).toBeLessThanOrEqual(8);
    expect(r.eight.worst).toBeGreaterThan(1); // batching did happen
    expect(r.zero).toMatchObject({ result: { sent: 300, undelivered: [] }, n: 300, ordered: true });
    expect(r.zero.worst).toBeLessThanOrEqual(1);
    expect(await errorsOf(page)).toEqual([]);
  });

  test('transfer: ArrayBuffers move (detached on the sending side) and arrive intact, one message per turn', async () => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const { Channel } = w.lib;
      const worker = w.spawn(`
        const input = port.fromPort(self, { name: 'bufs', capacity: 16 });
        const sums = [];
        for await (const v of input) sums.push([v.i, v.buf.byteLength, new Uint8Array(v.buf).reduce((s, x) => s + x, 0)]);
        report(sums);
      `);
      const ch = new Channel(16);
      const sent: { i: number; buf: ArrayBuffer }[] = [];
      const sending = w.port.toPort(ch, worker, { name: 'bufs', transfer: (v: { buf: ArrayBuffer }) => [v.buf] });
      for (let i = 0; i < 40; i++) {
        const buf = new ArrayBuffer(1024);
        new Uint8Array(buf).fill(i % 7);
        const v = { i, buf };
        sent.push(v);
        await ch.push(v);
      }
      ch.close();
      const result = await sending;
      const sums = await worker.next();
      worker.terminate();
      return { result, sums, detached: sent.map((v) => v.buf.byteLength) };
    });
    expect(r.result).toEqual({ sent: 40, undelivered: [] });
    expect(r.sums).toEqual(Array.from({ length: 40 }, (_, i) => [i, 1024, 1024 * (i % 7)]));
    expect(r.detached).toEqual(Array(40).fill(0)); // moved, not copied
    expect(await errorsOf(page)).toEqual([]);
  });

  test('a MessageChannel port transferred into a Worker serves as the PortLike, both directions', async () => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const { Channel } = w.lib;
      const worker = w.spawn(`
        self.addEventListener('message', async (e) => {
          if (!e.data?.port) return;
          const p = e.data.port;
          const input = port.fromPort(p, { name: 'jobs', capacity: 4 });
          const results = new lib.Channel(4);
          const sending = port.toPort(results, p, { name: 'results' });
          for await (const job of input) await results.push(job.toUpperCase());
          results.close();
          const r = await sending;
          report({ sent: r.sent, undelivered: r.undelivered.length });
        });
      `);
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ port: port2 }, [port2]);
      const jobs = new Channel(4);
      const sending = w.port.toPort(jobs, port1, { name: 'jobs' });
      const results = w.port.fromPort(port1, { name: 'results', capacity: 4 });
      const words = Array.from({ length: 100 }, (_, i) => `job${i}`);
      const producing = (async () => {
        for (const word of words) await jobs.push(word);
        jobs.close();
      })();
      const drained = await w.drain(results);
      await producing;
      const sendResult = await sending;
      const workerResult = await worker.next();
      worker.terminate();
      port1.close();
      return {
        ok: drained.values.join() === words.map((x) => x.toUpperCase()).join(),
        error: drained.error,
        sendResult,
        workerResult,
      };
    });
    expect(r).toEqual({
      ok: true,
      error: null,
      sendResult: { sent: 100, undelivered: [] },
      workerResult: { sent: 100, undelivered: 0 },
    });
    expect(await errorsOf(page)).toEqual([]);
  });

  test('a nested Worker: page → worker → nested worker and back; a nested worker its parent terminates is found within the heartbeat bound, values accounted for', async () => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const { Channel } = w.lib;
      const nestedCode = `
        // the nested worker: doubles what it gets; in 'hold' mode pulls 3 values then stops pulling
        const hold = new URL(self.location.href).hash === '#hold';
        const input = port.fromPort(self, { name: 'down', capacity: 2 });
        if (hold) {
          const got = [await input.pull(), await input.pull(), await input.pull()];
          report(got);
        } else {
          const out = new lib.Channel(2);
          const sending = port.toPort(out, self, { name: 'up' });
          for await (const v of input) await out.push(v * 2);
          out.close();
          await sending;
        }
      `;
      const nestedUrl = w.moduleUrl(nestedCode);
      const worker = w.spawn(`
        const nestedUrl = ${JSON.stringify(nestedUrl)};
        // relay: page 'in' → nested 'down'; nested 'up' → page 'out'
        const nested = new Worker(nestedUrl, { type: 'module' });
        const fromPage = port.fromPort(self, { name: 'in', capacity: 4 });
        const toNested = port.toPort(fromPage, nested, { name: 'down' });
        const fromNested = port.fromPort(nested, { name: 'up', capacity: 4 });
        const toPage = port.toPort(fromNested, self, { name: 'out' });
        const [a, b] = await Promise.all([toNested, toPage]);
        report({ relayed: a.sent, back: b.sent });
        nested.terminate();

        // the death: a nested worker that stops pulling, then is terminated by this worker
        const holder = new Worker(nestedUrl + '#hold', { type: 'module' });
        const holderReports = [];
        holder.addEventListener('message', (e) => { if (e.data && 'report' in e.data) holderReports.push(e.data.report); });
        const feed = new lib.Channel(Infinity);
        for (let i = 0; i < 20; i++) feed.pushNowait(i);
        const sending = port.toPort(feed, holder, { name: 'down' });
        while (holderReports.length === 0) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 300));
        const t0 = performance.now();
        holder.terminate();
        const result = await sending;
        report({ pulledThere: holderReports[0], sent: result.sent, undelivered: result.undelivered, left: feed.size, ms: performance.now() - t0 });
      `);
      const input = new Channel(4);
      const sending = w.port.toPort(input, worker, { name: 'in' });
      const out = w.port.fromPort(worker, { name: 'out', capacity: 4 });
      void (async () => {
        for (let i = 0; i < 50; i++) await input.push(i);
        input.close();
      })();
      const drained = await w.drain(out);
      const pageResult = await sending;
      const relay = await worker.next();
      const death = await worker.next();
      worker.terminate();
      return { drained, pageResult, relay, death };
    });
    expect(r.drained).toEqual({ values: Array.from({ length: 50 }, (_, i) => i * 2), error: null });
    expect(r.pageResult).toEqual({ sent: 50, undelivered: [] });
    expect(r.relay).toEqual({ relayed: 50, back: 50 });
    const { pulledThere, sent, undelivered, left, ms } = r.death;
    expect(pulledThere).toEqual([0, 1, 2]);
    // Every value pulled is committed there (sent) or undelivered, in order, the rest still local.
    expect(sent + undelivered.length + left).toBe(20);
    expect(undelivered).toEqual(Array.from({ length: undelivered.length }, (_, i) => sent + i));
    expect(sent).toBeGreaterThanOrEqual(3);
    // Documented: gone after 5 s of silence, 5 to 5.5 s; slack for a loaded machine.
    expect(ms).toBeLessThan(8500);
    expect(await errorsOf(page)).toEqual([]);
  });
});

describe('iframes', () => {
  test('a same-origin iframe, both directions, with origin "/" and with the explicit origin', async () => {
    const page = await open();
    await page.evaluate(async () => {
      await (window as any).frame('/frame.html');
    });
    const frame = await frameAt(page, `${A()}/frame.html`);
    const receiving = frame.evaluate(async (origin) => {
      const w = window as any;
      const input = w.port.fromPort(window.parent, { name: 'down', capacity: 3, origin });
      const values: unknown[] = [];
      let error: unknown = null;
      try {
        for await (const v of input) values.push(v);
      } catch (e) {
        error = w.plain(e);
      }
      const out = new w.lib.Channel(0);
      const sending = w.port.toPort(out, window.parent, { name: 'up' });
      for (const v of values) await out.push({ echo: v });
      out.close();
      return { values, error, result: await sending };
    }, A());
    const r = await page.evaluate(async () => {
      const w = window as any;
      const win = document.querySelector('iframe')!.contentWindow;
      const ch = new w.lib.Channel(0);
      const sending = w.port.toPort(ch, win, { name: 'down' });
      const back = w.port.fromPort(win, { name: 'up', capacity: 1, origin: '/' });
      for (let i = 0; i < 30; i++) await ch.push({ i, nested: [i, String(i)] });
      ch.close('finished');
      const result = await sending;
      const drained = await w.drain(back);
      return {
        result,
        n: drained.values.length,
        first: drained.values[0],
        last: drained.values[29],
        error: drained.error,
      };
    });
    const fr = await receiving;
    expect(fr.values).toEqual(Array.from({ length: 30 }, (_, i) => ({ i, nested: [i, String(i)] })));
    expect(fr.error).toBe('finished'); // a non-Error reason crosses as it is
    expect(fr.result).toEqual({ sent: 30, undelivered: [] });
    expect(r).toEqual({
      result: { sent: 30, undelivered: [] },
      n: 30,
      first: { echo: { i: 0, nested: [0, '0'] } },
      last: { echo: { i: 29, nested: [29, '29'] } },
      error: null,
    });
    expect(await errorsOf(page)).toEqual([]);
    expect(await frame.evaluate(() => (window as any).errors)).toEqual([]);
  });

  test('a cross-origin iframe with origin pinned on both sides; a frame expecting another origin ignores the page entirely', async () => {
    const page = await open();
    await page.evaluate(
      async ({ b }) => {
        const w = window as any;
        await w.frame(`${b}/frame.html#good`);
        await w.frame(`${b}/frame.html#wrong`);
      },
      { b: B() },
    );
    const good = await frameAt(page, `${B()}/frame.html#good`);
    const wrong = await frameAt(page, `${B()}/frame.html#wrong`);
    const goodRun = good.evaluate(async (origin) => {
      const w = window as any;
      const input = w.port.fromPort(window.parent, { name: 'x', capacity: 4, origin });
      const values: unknown[] = [];
      for await (const v of input) values.push(v);
      return values;
    }, A());
    // The wrong frame expects the page to be C; the page is A: every message must be ignored.
    await wrong.evaluate((origin) => {
      const w = window as any;
      w.input = w.port.fromPort(window.parent, { name: 'x', capacity: 4, origin });
    }, C());
    const r = await page.evaluate(
      async ({ b }) => {
        const w = window as any;
        const [goodWin, wrongWin] = [...document.querySelectorAll('iframe')].map((f) => f.contentWindow);
        const goodCh = new w.lib.Channel(Infinity);
        const wrongCh = new w.lib.Channel(Infinity);
        for (let i = 0; i < 10; i++) {
          goodCh.pushNowait(i);
          wrongCh.pushNowait(i);
        }
        goodCh.close();
        const goodSending = w.port.toPort(goodCh, goodWin, { name: 'x', origin: b });
        const ctrl = new AbortController();
        const wrongSending = w.port.toPort(wrongCh, wrongWin, { name: 'x', signal: ctrl.signal });
        const goodResult = await goodSending;
        await w.sleep(1600); // the sender re-posts `open` every second: the first and one more
        const wrongLeft = wrongCh.size;
        ctrl.abort();
        const wrongResult = await wrongSending;
        return { goodResult, wrongLeft, wrongResult };
      },
      { b: B() },
    );
    expect(await goodRun).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.goodResult).toEqual({ sent: 10, undelivered: [] });
    expect(r.wrongLeft).toBe(10); // nothing pulled: no credit came from a frame that ignores A
    expect(r.wrongResult).toEqual({ sent: 0, undelivered: [] });
    const wrongState = await wrong.evaluate(() => {
      const input = (window as any).input;
      return { size: input.size, closed: input.closed };
    });
    expect(wrongState).toEqual({ size: 0, closed: false });
    expect(await errorsOf(page)).toEqual([]);
  });

  test('a message from the wrong origin on the right window is ignored: the page expects B, the frame navigates to C and sends; back on B it is heard', async () => {
    const page = await open();
    await page.evaluate(
      async ({ b }) => {
        await (window as any).frame(`${b}/frame.html`);
      },
      { b: B() },
    );
    // The page's receiver expects the frame's origin B, on the frame's window (whose WindowProxy
    // stays the same across navigations).
    await page.evaluate(
      ({ b }) => {
        const w = window as any;
        const win = document.querySelector('iframe')!.contentWindow;
        w.input = w.port.fromPort(win, { name: 'x', capacity: 4, origin: b });
        w.values = [];
        w.done = w.drain(w.input, (v: unknown) => w.values.push(v));
      },
      { b: B() },
    );
    await page.evaluate((c) => {
      document.querySelector('iframe')!.src = `${c}/frame.html`;
    }, C());
    const evil = await frameAt(page, `${C()}/frame.html`);
    const evilResult = await evil.evaluate(async () => {
      const w = window as any;
      const ch = new w.lib.Channel(Infinity);
      for (const v of ['evil1', 'evil2', 'evil3']) ch.pushNowait(v);
      const ctrl = new AbortController();
      const sending = w.port.toPort(ch, window.parent, { name: 'x', signal: ctrl.signal });
      await w.sleep(1600); // the first `open` and one more
      const left = ch.size;
      ctrl.abort();
      return { left, result: await sending };
    });
    // Nothing of C's was taken by the page's receiver (and C's toPort got no credit).
    expect(evilResult).toEqual({ left: 3, result: { sent: 0, undelivered: [] } });
    expect(
      await page.evaluate(() => ({ values: (window as any).values, closed: (window as any).input.closed })),
    ).toEqual({
      values: [],
      closed: false,
    });
    // Back on origin B, the frame's sender is the one the page expects.
    await page.evaluate((b) => {
      document.querySelector('iframe')!.src = `${b}/frame.html?again`;
    }, B());
    const good = await frameAt(page, `${B()}/frame.html?again`);
    const goodResult = await good.evaluate(async () => {
      const w = window as any;
      const ch = new w.lib.Channel(Infinity);
      for (const v of ['b1', 'b2']) ch.pushNowait(v);
      ch.close();
      return w.port.toPort(ch, window.parent, { name: 'x' });
    });
    expect(goodResult).toEqual({ sent: 2, undelivered: [] });
    expect(await page.evaluate(() => (window as any).done)).toEqual({ values: ['b1', 'b2'], error: null });
    expect(await errorsOf(page)).toEqual([]);
  });
});

describe('dead contexts', () => {
  test('a terminated Worker and removed iframes: found within the documented bounds, every value accounted for, transferred undelivered values detached', async () => {
    const page = await open();
    await page.evaluate(
      async ({ b }) => {
        const w = window as any;
        await w.frame('/frame.html#same');
        await w.frame(`${b}/frame.html#cross`);
      },
      { b: B() },
    );
    const same = await frameAt(page, `${A()}/frame.html#same`);
    const cross = await frameAt(page, `${B()}/frame.html#cross`);
    // The same-origin frame receives (capacity 2) and pulls 3 values, then stops pulling.
    await same.evaluate((origin) => {
      const w = window as any;
      const input = w.port.fromPort(window.parent, { name: 'in', capacity: 2, origin });
      w.pulled = (async () => [await input.pull(), await input.pull(), await input.pull()])();
    }, A());
    // The cross-origin frame sends 0, 1, 2, … for as long as it lives.
    await cross.evaluate(() => {
      const w = window as any;
      const out = new w.lib.Channel(0);
      void w.port.toPort(out, window.parent, { name: 'out' });
      void (async () => {
        for (let i = 0; ; i++) await out.push(i);
      })();
    });
    const r = await page.evaluate(
      async ({ b }) => {
        const w = window as any;
        const { Channel } = w.lib;
        const [sameEl, crossEl] = [...document.querySelectorAll('iframe')] as [HTMLIFrameElement, HTMLIFrameElement];

        // 1. page → Worker with transfers; the Worker commits the first batch, pulls 2, and blocks
        //    for good on the next batch (its values are never committed), then is terminated.
        const toWorker = async () => {
          const worker = w.spawn(`
          let pulledTwo = false;
          self.addEventListener('message', (e) => {
            if (pulledTwo && e.data?.source === 'chanasync-port' && e.data.type === 'values') { for (;;) {} }
          });
          const input = port.fromPort(self, { name: 'in', capacity: 3 });
          const a = await input.pull();
          const b = await input.pull();
          pulledTwo = true;
          report([a.i, b.i, new Uint8Array(a.buf)[0], b.buf.byteLength]);
        `);
          const ch = new Channel(Infinity);
          const originals: ArrayBuffer[] = [];
          for (let i = 0; i < 10; i++) {
            const buf = new ArrayBuffer(16);
            new Uint8Array(buf).fill(i + 1);
            originals.push(buf);
            ch.pushNowait({ i, buf });
          }
          const sending = w.port.toPort(ch, worker, { name: 'in', transfer: (v: any) => [v.buf] });
          const pulledThere = await worker.next();
          await w.sleep(400);
          const t0 = performance.now();
          worker.terminate();
          const result = await sending;
          return {
            pulledThere,
            sent: result.sent,
            undelivered: result.undelivered.map((v: any) => ({ i: v.i, bytes: v.buf.byteLength })),
            left: ch.size,
            ms: performance.now() - t0,
          };
        };

        // 2. Worker → page; the page pulls 3 values, then the Worker is terminated.
        const fromWorker = async () => {
          const worker = w.spawn(`
          const out = new lib.Channel(0);
          void port.toPort(out, self, { name: 'out' });
          report('up');
          for (let i = 0; ; i++) await out.push(i);
        `);
          await worker.next();
          const input = w.port.fromPort(worker, { name: 'out', capacity: 4 });
          const first = [await input.pull(), await input.pull(), await input.pull()];
          await w.sleep(400);
          const t0 = performance.now();
          worker.terminate();
          let closedAt = 0;
          const drained = await w.drain(input);
          closedAt = performance.now() - t0;
          return { first, rest: drained.values, error: drained.error, ms: closedAt };
        };

        // 3. page → removed same-origin iframe: half a second (its window reads closed).
        const toRemovedFrame = async () => {
          const ch = new Channel(Infinity);
          for (let i = 0; i < 10; i++) ch.pushNowait(i);
          const sending = w.port.toPort(ch, sameEl.contentWindow, { name: 'in' });
          while (ch.size > 5) await w.sleep(20); // the frame pulled 3 and holds 2
          await w.sleep(400);
          const t0 = performance.now();
          sameEl.remove();
          const result = await sending;
          return { sent: result.sent, undelivered: result.undelivered, left: ch.size, ms: performance.now() - t0 };
        };

        // 4. removed cross-origin iframe → page: the page's fromPort closes with a ChannelError.
        const fromRemovedFrame = async () => {
          const input = w.port.fromPort(crossEl.contentWindow, { name: 'out', capacity: 4, origin: b });
          const first = [await input.pull(), await input.pull()];
          await w.sleep(300);
          const t0 = performance.now();
          crossEl.remove();
          const drained = await w.drain(input);
          return { first, rest: drained.values, error: drained.error, ms: performance.now() - t0 };
        };

        const [a, b2, c, d] = await Promise.all([toWorker(), fromWorker(), toRemovedFrame(), fromRemovedFrame()]);
        return { toWorker: a, fromWorker: b2, toRemovedFrame: c, fromRemovedFrame: d };
      },
      { b: B() },
    );

    // 1. terminated Worker, page sending with transfers
    const tw = r.toWorker;
    expect(tw.pulledThere).toEqual([0, 1, 1, 16]);
    expect(tw.sent + tw.undelivered.length + tw.left).toBe(10);
    expect(tw.undelivered.map((v: any) => v.i)).toEqual(
      Array.from({ length: tw.undelivered.length }, (_, i) => tw.sent + i),
    );
    expect(tw.undelivered.length).toBeGreaterThan(0); // the batch the Worker never committed
    expect(tw.undelivered.every((v: any) => v.bytes === 0)).toBe(true); // documented: come back detached
    expect(tw.ms).toBeLessThan(8500); // documented 5 to 5.5 s, with slack

    // 2. terminated Worker, page receiving
    const fw = r.fromWorker;
    const all = [...fw.first, ...fw.rest];
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i));
    expect(fw.error.isChannelError).toBe(true);
    expect(fw.error.message).toMatch(/gone/);
    expect(fw.ms).toBeLessThan(8500);

    // 3. removed same-origin iframe, page sending
    const tf = r.toRemovedFrame;
    expect(tf.sent + tf.undelivered.length + tf.left).toBe(10);
    expect(tf.sent).toBeGreaterThanOrEqual(3);
    expect(tf.undelivered).toEqual(Array.from({ length: tf.undelivered.length }, (_, i) => tf.sent + i));
    expect(tf.ms).toBeLessThan(2500); // documented: within half a second

    // 4. removed cross-origin iframe, page receiving
    const ff = r.fromRemovedFrame;
    const got = [...ff.first, ...ff.rest];
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
    expect(ff.error.isChannelError).toBe(true);
    expect(ff.error.message).toMatch(/gone/);
    expect(ff.ms).toBeLessThan(2500);

    expect(await errorsOf(page)).toEqual([]);
  });

  test('a SharedWorker with two tabs: a stream relayed from one tab to the other; closing the producing tab (and a receiving tab) is found within the heartbeat bound, values accounted for', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const producer = await open('/page.html', context);
    const consumer = await open('/page.html', context);
    const sink = await open('/page.html', context);
    const hub = `hub-${Date.now()}`;
    // The consumer tab: receives 'down' (the producer's values, relayed) and the hub's reports.
    await consumer.evaluate((name) => {
      const w = window as any;
      const shared = new SharedWorker('/shared-hub.js', { type: 'module', name });
      shared.addEventListener('error', () => w.errors.push('shared worker error'));
      w.hubReports = [];
      shared.port.addEventListener('message', (e: MessageEvent) => {
        if (e.data && typeof e.data === 'object' && 'report' in e.data) w.hubReports.push(e.data.report);
      });
      const down = w.port.fromPort(shared.port, { name: 'down', capacity: 2 });
      shared.port.postMessage({ role: 'consumer' });
      w.values = [];
      w.done = w.drain(down, (v: unknown) => w.values.push(v)).then((d: any) => ({ ...d, at: Date.now() }));
    }, hub);
    // The producer tab: sends 0, 1, 2, … through the hub for as long as it lives.
    await producer.evaluate((name) => {
      const w = window as any;
      const shared = new SharedWorker('/shared-hub.js', { type: 'module', name });
      const out = new w.lib.Channel(0);
      void w.port.toPort(out, shared.port, { name: 'up' });
      shared.port.postMessage({ role: 'producer' });
      void (async () => {
        for (let i = 0; ; i++) await out.push(i);
      })();
    }, hub);
    // The sink tab: receives 'feed' (0..99) from the hub, pulls 5, holds 3 in its buffer.
    await sink.evaluate((name) => {
      const w = window as any;
      const shared = new SharedWorker('/shared-hub.js', { type: 'module', name });
      const feed = w.port.fromPort(shared.port, { name: 'feed', capacity: 3 });
      shared.port.postMessage({ role: 'sink', count: 100 });
      w.pulled = (async () => {
        const got = [];
        for (let i = 0; i < 5; i++) got.push(await feed.pull());
        return got;
      })();
    }, hub);
    await consumer.waitForFunction(() => (window as any).values.length >= 10, undefined, { timeout: 10_000 });
    expect(await sink.evaluate(() => (window as any).pulled)).toEqual([0, 1, 2, 3, 4]);
    await new Promise((r) => setTimeout(r, 400));
    expect(await errorsOf(producer)).toEqual([]);
    expect(await errorsOf(sink)).toEqual([]);

    const closedAt = Date.now();
    await Promise.all([producer.close(), sink.close()]);
    await consumer.waitForFunction(() => (window as any).hubReports.length >= 2, undefined, { timeout: 15_000 });
    const done = await consumer.evaluate(() => (window as any).done);
    const reports = await consumer.evaluate(() => (window as any).hubReports);

    // The consumer got 0..k in order, then the ChannelError of the hub's fromPort (the producer
    // is gone), carried by the relay as its close reason.
    expect(done.values).toEqual(Array.from({ length: done.values.length }, (_, i) => i));
    expect(done.error.message).toMatch(/gone/);
    expect(done.at - closedAt).toBeLessThan(8500);

    const feed = reports.find((x: any) => x.kind === 'feed-settled');
    expect(feed, JSON.stringify(reports)).toBeDefined();
    expect(feed.sent + feed.undelivered.length + feed.remaining).toBe(100);
    expect(feed.sent).toBeGreaterThanOrEqual(5);
    expect(feed.sent).toBeLessThanOrEqual(8); // 5 pulled + capacity 3
    expect(feed.undelivered).toEqual(Array.from({ length: feed.undelivered.length }, (_, i) => feed.sent + i));
    expect(feed.at - closedAt).toBeLessThan(8500);
    const downSettled = reports.find((x: any) => x.kind === 'down-settled');
    expect(downSettled).toMatchObject({ sent: done.values.length, undelivered: [] });
    expect(await errorsOf(consumer)).toEqual([]);
  });
});

describe('back/forward cache', () => {
  test('a page ↔ Worker stream in a page left in the bfcache for 3.5 s goes on after Back: every value once, in order', async () => {
    const page = await open();
    await page.evaluate(() => {
      const w = window as any;
      const worker = w.spawn(`
        const out = new lib.Channel(0);
        const sending = port.toPort(out, self, { name: 'ticks' });
        const acks = port.fromPort(self, { name: 'acks', capacity: 8 });
        for (let i = 0; i < 150; i++) {
          await out.push(i);
          await new Promise((r) => setTimeout(r, 30));
        }
        out.close();
        const r = await sending;
        const echoed = [];
        for await (const v of acks) echoed.push(v);
        report({ sent: r.sent, undelivered: r.undelivered.length, echoed: echoed.length, echoOrdered: echoed.every((v, i) => v === i) });
      `);
      w.worker = worker;
      const ticks = w.port.fromPort(worker, { name: 'ticks', capacity: 4 });
      const acks = new w.lib.Channel(Infinity);
      w.ackSending = w.port.toPort(acks, worker, { name: 'acks' });
      w.values = [];
      w.done = (async () => {
        const d = await w.drain(ticks, (v: number) => {
          w.values.push(v);
          acks.pushNowait(v);
        });
        acks.close();
        return d;
      })();
    });
    await page.waitForFunction(() => (window as any).values.length >= 20, undefined, { timeout: 10_000 });
    await page.goto(`${A()}/other.html`);
    await new Promise((r) => setTimeout(r, 3500));
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => (window as any).pageshows?.length >= 2, undefined, { timeout: 10_000 });
    const shows = await page.evaluate(() => (window as any).pageshows);
    expect(shows).toEqual([false, true]); // restored from the cache, not reloaded
    await page.waitForFunction(() => (window as any).worker !== undefined);
    const done = await page.evaluate(() => (window as any).done);
    const report = await page.evaluate(() => (window as any).worker.next());
    const ackResult = await page.evaluate(() => (window as any).ackSending);
    await page.evaluate(() => (window as any).worker.terminate());
    expect(done).toEqual({ values: Array.from({ length: 150 }, (_, i) => i), error: null });
    expect(report).toEqual({ sent: 150, undelivered: 0, echoed: 150, echoOrdered: true });
    expect(ackResult).toEqual({ sent: 150, undelivered: [] });
    expect(await errorsOf(page)).toEqual([]);
  }, 40_000);
});

describe('navigations, popups and contexts that end themselves', () => {
  test('an unpinned toPort to a frame that navigates to another origin gives it none of its values; the stream settles by the heartbeat; a Worker that calls self.close() is found gone both ways; so is a removed frame given a MessagePort', async () => {
    const page = await open();
    const frameUrl = `${B()}/frame.html?recv=nav&cap=2&stopAt=2&origin=${encodeURIComponent(A())}`;
    await page.evaluate((url) => (window as any).frame(url), frameUrl);
    // A same-origin frame that gets a MessagePort from the page and receives on it (capacity 2,
    // pulls 2): README: removed, its streams are found by the heartbeat (5 to 5.5 s).
    await page.evaluate(() => (window as any).frame('/frame.html#mp'));
    const mpFrame = await frameAt(page, `${A()}/frame.html#mp`);
    await mpFrame.evaluate(() => {
      const w = window as any;
      addEventListener('message', (e) => {
        if (e.data !== 'handoff') return;
        const input = w.port.fromPort(e.ports[0], { name: 'mp', capacity: 2 });
        void (async () => [await input.pull(), await input.pull()])();
      });
    });
    const r = await page.evaluate(
      async ({ c, a }) => {
        const w = window as any;
        const { Channel } = w.lib;
        const el = document.querySelector('iframe')!;

        const navigating = async () => {
          const ch = new Channel(Infinity);
          for (let i = 0; i < 20; i++) ch.pushNowait(i);
          const sending = w.port.toPort(ch, el.contentWindow, { name: 'nav' }); // no origin: learnt from the answer
          while (ch.size > 16) await w.sleep(20); // B took 2 and holds 2
          await w.sleep(300);
          const t0 = performance.now();
          // C's document opens a receiver of the same name that expects this page: it must get nothing.
          el.src = `${c}/frame.html?recv=nav&cap=4&origin=${encodeURIComponent(a)}`;
          const result = await sending;
          return { sent: result.sent, undelivered: result.undelivered, left: ch.size, ms: performance.now() - t0 };
        };

        const selfClosing = async () => {
          const worker = w.spawn(`
            const input = port.fromPort(self, { name: 'in', capacity: 2 });
            const out = new lib.Channel(0);
            void port.toPort(out, self, { name: 'out' });
            const got = [await input.pull(), await input.pull()];
            await out.push('x'); await out.push('y');
            report(got);
            setTimeout(() => self.close(), 200);
          `);
          const ch = new Channel(Infinity);
          for (let i = 0; i < 10; i++) ch.pushNowait(i);
          const sending = w.port.toPort(ch, worker, { name: 'in' });
          const out = w.port.fromPort(worker, { name: 'out', capacity: 2 }); // room for both before the page pulls
          const gotThere = await worker.next();
          const t0 = performance.now();
          const [result, drained] = await Promise.all([sending, w.drain(out)]);
          return {
            gotThere,
            sent: result.sent,
            undelivered: result.undelivered,
            left: ch.size,
            drained,
            ms: performance.now() - t0,
          };
        };
        const portToRemovedFrame = async () => {
          const mpEl = document.querySelectorAll('iframe')[1] as HTMLIFrameElement;
          const { port1, port2 } = new MessageChannel();
          mpEl.contentWindow!.postMessage('handoff', location.origin, [port2]);
          const ch = new Channel(Infinity);
          for (let i = 0; i < 10; i++) ch.pushNowait(i);
          const sending = w.port.toPort(ch, port1, { name: 'mp' });
          while (ch.size > 6) await w.sleep(20); // 2 pulled, 2 held
          await w.sleep(300);
          const t0 = performance.now();
          mpEl.remove();
          const result = await sending;
          port1.close();
          return { sent: result.sent, undelivered: result.undelivered, left: ch.size, ms: performance.now() - t0 };
        };
        const [nav, closing, mp] = await Promise.all([navigating(), selfClosing(), portToRemovedFrame()]);
        return { nav, closing, mp };
      },
      { c: C(), a: A() },
    );
    const cFrame = await frameAt(page, `${C()}/frame.html`);
    const cState = await cFrame.evaluate(() => ({
      values: (window as any).autoValues,
      size: (window as any).auto.size,
    }));
    expect(cState).toEqual({ values: [], size: 0 });

    const { nav, closing, mp } = r;
    expect(mp.sent + mp.undelivered.length + mp.left).toBe(10);
    expect(mp.sent).toBeGreaterThanOrEqual(2);
    expect(mp.undelivered).toEqual(Array.from({ length: mp.undelivered.length }, (_, i) => mp.sent + i));
    expect(mp.ms).toBeLessThan(8500);
    expect(nav.sent + nav.undelivered.length + nav.left).toBe(20);
    expect(nav.sent).toBeGreaterThanOrEqual(2);
    expect(nav.undelivered).toEqual(Array.from({ length: nav.undelivered.length }, (_, i) => nav.sent + i));
    expect(nav.ms).toBeLessThan(8500); // documented: another origin's receiver → the heartbeat, 5 to 5.5 s

    expect(closing.gotThere).toEqual([0, 1]);
    expect(closing.sent + closing.undelivered.length + closing.left).toBe(10);
    expect(closing.undelivered).toEqual(Array.from({ length: closing.undelivered.length }, (_, i) => closing.sent + i));
    expect(closing.drained.values).toEqual(['x', 'y']);
    expect(closing.drained.error).toMatchObject({ isChannelError: true });
    expect(closing.drained.error.message).toMatch(/gone/);
    expect(closing.ms).toBeLessThan(8500);
    expect(await errorsOf(page)).toEqual([]);
  });

  test('a closed popup is found within a tick; a frame that reloads settles the old stream at once and its new document takes only the new stream', async () => {
    const page = await open();
    const popupUrl = `${A()}/frame.html?recv=pop&cap=2&stopAt=3&origin=${encodeURIComponent(A())}`;
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate((url) => {
        (window as any).popup = window.open(url, 'pop');
      }, popupUrl),
    ]);
    await popup.waitForFunction(() => (window as any).ready === true);
    const frameUrl = `${B()}/frame.html?recv=re&cap=2&stopAt=2&origin=${encodeURIComponent(A())}`;
    await page.evaluate((url) => (window as any).frame(url), frameUrl);
    const frame = await frameAt(page, frameUrl);

    const popupRun = page.evaluate(async () => {
      const w = window as any;
      const ch = new w.lib.Channel(Infinity);
      for (let i = 0; i < 10; i++) ch.pushNowait(i);
      const sending = w.port.toPort(ch, w.popup, { name: 'pop' });
      while (ch.size > 5) await w.sleep(20); // 3 taken, 2 held
      await w.sleep(300);
      const t0 = performance.now();
      w.popup.close();
      const result = await sending;
      return { sent: result.sent, undelivered: result.undelivered, left: ch.size, ms: performance.now() - t0 };
    });
    const pop = await popupRun;
    expect(pop.sent + pop.undelivered.length + pop.left).toBe(10);
    expect(pop.sent).toBeGreaterThanOrEqual(3);
    expect(pop.undelivered).toEqual(Array.from({ length: pop.undelivered.length }, (_, i) => pop.sent + i));
    expect(pop.ms).toBeLessThan(2500); // documented: a closed popup within half a second

    // The frame reload.
    const old = await page.evaluate(async () => {
      const w = window as any;
      const el = document.querySelector('iframe')!;
      const ch = new w.lib.Channel(Infinity);
      for (let i = 0; i < 10; i++) ch.pushNowait(`old${i}`);
      w.oldSending = w.port.toPort(ch, el.contentWindow, { name: 're' });
      while (ch.size > 6) await w.sleep(20); // 2 taken, 2 held
      await w.sleep(300);
      w.oldLeft = () => ch.size;
      w.t0 = performance.now();
      return true;
    });
    expect(old).toBe(true);
    expect(await frame.evaluate(() => (window as any).autoValues)).toEqual(['old0', 'old1']);
    await frame.evaluate(() => location.reload());
    const reloaded = await frameAt(page, frameUrl);
    const settled = await page.evaluate(async () => {
      const w = window as any;
      const result = await w.oldSending;
      return { sent: result.sent, undelivered: result.undelivered, left: w.oldLeft(), ms: performance.now() - w.t0 };
    });
    expect(settled.sent + settled.undelivered.length + settled.left).toBe(10);
    expect(settled.sent).toBeGreaterThanOrEqual(2);
    expect(settled.undelivered).toEqual(
      Array.from({ length: settled.undelivered.length }, (_, i) => `old${settled.sent + i}`),
    );
    expect(settled.ms).toBeLessThan(3000); // documented: at once, when the new document's fromPort says it is there

    const fresh = await page.evaluate(async () => {
      const w = window as any;
      const ch = new w.lib.Channel(Infinity);
      ch.pushNowait('new0');
      ch.pushNowait('new1');
      ch.close();
      return w.port.toPort(ch, document.querySelector('iframe')!.contentWindow, { name: 're' });
    });
    expect(fresh).toEqual({ sent: 2, undelivered: [] });
    expect(await reloaded.evaluate(() => (window as any).autoValues)).toEqual(['new0', 'new1']);
    expect(await errorsOf(page)).toEqual([]);
  });
});
