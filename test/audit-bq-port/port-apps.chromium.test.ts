/**
 * Audit BQ-port: application scenarios of chanasync/port in real Chromium (Debian's, through
 * playwright-core), written from the SPEC and the README only. One browser for the file,
 * launched with the back/forward cache enabled (Playwright disables it by default).
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';
import type { FileServer } from '../helpers/firefox.js';
import { SCENARIOS, type ScenarioName, startScenarioServer } from './fixtures.js';

let server: FileServer;
let browser: Browser;
const base = () => `http://127.0.0.1:${server.port}`;

beforeAll(async () => {
  server = await startScenarioServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(path = '/page.html'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(base() + path);
  await page.waitForFunction('window.ready === true');
  return { page, errors };
}

async function runScenario<R = any>(name: ScenarioName, args: unknown[] = []): Promise<R> {
  const { page, errors } = await openPage();
  try {
    const result = await page.evaluate(`(async (args) => { ${SCENARIOS[name]} })(${JSON.stringify(args)})`);
    expect(errors).toEqual([]);
    return result as R;
  } finally {
    await page.close();
  }
}

describe.skipIf(!existsSync(CHROMIUM_PATH))('chanasync/port application scenarios (Chromium)', () => {
  it('a pool of 3 Workers pulls jobs from one page channel: credit holds, each job once, the close reason reaches all', async () => {
    const r = await runScenario('pool');
    // While each worker holds its first job: at most 1 in hand + capacity 2 buffered/in flight.
    expect(r.pushedWhileHeld).toBeLessThanOrEqual(r.bound);
    expect(r.pushedWhileHeld).toBeGreaterThan(0);
    expect(r.over).toEqual([]);
    expect(r.jobsDone).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(r.reasons).toEqual(['worker 0 threw shift over', 'worker 1 threw shift over', 'worker 2 threw shift over']);
    expect(r.sent.reduce((a: number, b: number) => a + b, 0)).toBe(60);
    expect(r.undelivered).toEqual([[], [], []]);
    for (const n of r.perWorker) expect(n).toBeGreaterThan(0);
  }, 60_000);

  it('a MessagePort transferred page → worker → nested worker before pairing carries both ways', async () => {
    const r = await runScenario('nested');
    expect(r).toEqual({ same: true, n: 500, reason: 'nested done: all sent', sent: 500, undelivered: 0 });
  }, 60_000);

  it('2 MB values copied to a slow Worker: the sender never runs more than the capacity ahead', async () => {
    const r = await runScenario('large', [3]);
    // The Worker's report of a pull leaves after the credit that pull freed (the credit goes at
    // the commit, the report in the pull's continuation): the page may see one more than cap.
    expect(r.worst).toBeLessThanOrEqual(r.cap + 1);
    expect(r.done).toMatchObject({ pulled: 24, order: true, bytes: 24 * 2 * 1024 * 1024 });
    expect(r.sent).toBe(24);
    expect(r.undelivered).toBe(0);
  }, 60_000);

  it('200,000 small values page → Worker: all, in order, once', async () => {
    const r = await runScenario('fast');
    expect(r).toMatchObject({
      done: true,
      n: 200_000,
      sum: (199_999 * 200_000) / 2,
      order: true,
      sent: 200_000,
      undelivered: 0,
    });
  }, 60_000);

  it.each([0, 4])(
    'select in a Worker over a port channel (capacity %i) and a busy local one loses nothing',
    async (cap) => {
      const r = await runScenario('select', [cap]);
      expect(r).toMatchObject({ n: 300, inOrder: true, closedOk: true, sent: 300, undelivered: [] });
      expect(r.locals).toBeGreaterThan(0);
    },
    60_000,
  );

  it('capacity 0: a remote pull aborted by its signal takes its credit back; the next pull gets the value', async () => {
    const r = await runScenario('abort');
    expect(r.first).toEqual({ error: 'gave up' });
    expect(r.resolvedBeforeNextPull).toBe(false);
    expect(r.second).toBe('late');
    expect(r.rest).toEqual(['a', 'b']);
    expect(r.sent).toBe(3);
    expect(r.undelivered).toEqual([]);
  }, 60_000);

  it('a function value mid-stream: toPort rejects with a TypeError naming toPort, every value accounted for', async () => {
    const r = await runScenario('cloneFunction');
    expect(r.settled).toBeNull();
    expect(r.isTypeError).toBe(true);
    expect(r.message).toMatch(/toPort/);
    // 1, 2, 3 committed remotely; the function and 4 either undelivered or still in the channel.
    expect(r.worker.got).toEqual([1, 2, 3]);
    expect(r.sent).toBe(3);
    expect(r.undelivered[0]).toBe('fn:secret');
    expect(r.undelivered.length + r.left).toBe(2);
    expect(r.worker.closedWith.name).toBe('Error');
  }, 60_000);

  it('transfer() listing a non-transferable: a TypeError at toPort, every value accounted for', async () => {
    const r = await runScenario('cloneTransfer');
    expect(r.settled).toBeNull();
    expect(r.isTypeError).toBe(true);
    expect(r.message).toMatch(/toPort/);
    expect(r.worker.got).toEqual([{ i: 1 }]);
    expect(r.sent).toBe(1);
    expect(r.undelivered[0]).toBe(2);
    expect(r.undelivered.length + r.left).toBe(2);
  }, 60_000);

  it('a module Worker terminated while the page push is parked: toPort settles by the heartbeat, nothing lost or duplicated', async () => {
    const r = await runScenario('terminateSender');
    // The worker pulled 0, and 1, 2 (capacity 2) were in its buffer; 3 is the parked push.
    expect(r.workerPulled).toBe(0);
    expect(r.pushedBefore).toBe(3);
    expect(r.ms).toBeLessThan(7000);
    expect(r.sent + r.undelivered.length).toBe(3);
    expect(r.undelivered).toEqual(Array.from({ length: r.undelivered.length }, (_, i) => r.sent + i));
    // The parked push is still parked in the open local channel: its value is the next one.
    expect(r.closed).toBe(false);
    expect(r.next).toBe(3);
  }, 60_000);

  it('Worker → page (capacity 0): a terminated Worker closes the page channel with a ChannelError saying it is gone', async () => {
    const r = await runScenario('terminateReceiverSide');
    expect(r.got).toEqual([0, 1, 2]);
    expect(r.isChannelError).toBe(true);
    expect(r.causeIsChannelError).toBe(true);
    expect(r.cause).toMatch(/gone/);
    expect(r.ms).toBeLessThan(7000);
  }, 60_000);

  it('the Worker closes its receiver mid-stream (capacity 256): every value in exactly one place', async () => {
    const r = await runScenario('receiverCloses');
    expect(r.exactlyOnce).toBe(true);
    expect(r.receivedInOrder).toBe(true);
    expect(r.received).toBe(r.sent);
    expect(r.late).toBe(0); // nothing is committed after close()
    expect(r.sent + r.undelivered).toBeLessThanOrEqual(5 + 256); // never pulled beyond the credit
    expect(r.left).toBeGreaterThan(1000);
  }, 60_000);

  it('close reasons cross over: uncloneable ones as an Error with their message, others as themselves', async () => {
    const r = await runScenario('reasons');
    for (const c of r) {
      expect(c.error).toBeNull();
      expect(c.settled).toEqual({ sent: 1, undelivered: [] });
      expect(c.worker.got).toEqual([1]);
    }
    expect(r[0].worker.closedWith.message).toContain('with a function');
    // Chromium's structured clone keeps only the standard Error names: a subclass arrives as an
    // Error with its message (a platform rule; Firefox keeps the name).
    expect(r[1].worker.closedWith.message).toBe('custom subclass');
    expect(['JobError', 'Error']).toContain(r[1].worker.closedWith.name);
    expect(r[2].worker.closedWith.message).toContain('error with a function field');
    expect(r[3].worker.closedWith).toEqual({ value: 'a plain string' });
  }, 60_000);

  it.each([0, 3])(
    'select with a push case into a toPort channel (remote capacity %i): the Worker gets exactly the winners',
    async (cap) => {
      const r = await runScenario('selectPush', [cap]);
      expect(r.same).toBe(true);
      expect(r.got).toBe(200);
      expect(r.sent).toBe(200);
      expect(r.undelivered).toEqual([]);
      expect(r.closedWith).toBe('normally');
      expect(r.ticksWon).toBeGreaterThan(0);
    },
    60_000,
  );

  it("aborting toPort's signal mid-stream: it resolves, the reason crosses, every value accounted for", async () => {
    const r = await runScenario('toPortAbort');
    expect(r.done.reason).toBe('user cancelled');
    expect(r.done.order).toBe(true);
    expect(r.done.pulled).toBe(r.sent);
    expect(r.undelivered).toEqual(Array.from({ length: r.undelivered.length }, (_, i) => r.sent + i));
    expect(r.sent + r.undelivered.length + r.left).toBe(1000);
  }, 60_000);

  it('two names over one Worker: a stalled stream never holds back the other', async () => {
    const r = await runScenario('twoNames');
    expect(r.report).toEqual({ fast: 500, slowSize: 2 });
    expect(r.r2).toEqual({ sent: 500, undelivered: [] });
    expect(r.slowPulled).toBe(2);
    // The terminated Worker had committed 0 and 1 (acknowledged): nothing undelivered is left.
    expect(r.r1.sent + r.r1.undelivered.length).toBe(2);
  }, 60_000);

  it('a frame navigates to another origin mid-stream: toPort settles by the heartbeat, every value accounted for', async () => {
    const { page, errors } = await openPage();
    try {
      const r: any = await page.evaluate(`(async (otherOrigin) => {
        const { Channel, toPort } = window.lib;
        const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
        const until = async (f, ms = 15000) => { const end = performance.now() + ms; while (!f()) { if (performance.now() > end) throw new Error('timed out: ' + f); await sleep(10); } };
        window.frameLog = [];
        const gens = [];
        window.frameReady = (g) => gens.push(g);
        const iframe = document.createElement('iframe');
        iframe.src = '/frame.html?gen=1';
        document.body.append(iframe);
        await until(() => gens.includes('1'));
        const feed = new Channel(0);
        const producer = (async () => { for (let i = 0; i < 200; i++) await feed.push(i); })();
        const s1 = toPort(feed, iframe.contentWindow, { name: 'feed' });
        await until(() => frameLog.length >= 10);
        const t0 = performance.now();
        iframe.src = otherOrigin + '/frame.html?gen=2';
        const r1 = await s1;
        const ms1 = performance.now() - t0;
        const gen1 = frameLog.filter((e) => e.gen === '1' && 'v' in e).map((e) => e.v);
        let next = feed.tryPull();
        return { gen1, r1, ms1, next };
      })(${JSON.stringify(`http://localhost:${server.port}`)})`);
      // The new cross-origin document's own script cannot reach parent.frameReady: its error only.
      expect(errors.filter((e) => !e.includes('Blocked a frame with origin'))).toEqual([]);
      const k = r.gen1.length;
      expect(r.gen1).toEqual(Array.from({ length: k }, (_, i) => i));
      expect(r.r1.sent - k).toBeGreaterThanOrEqual(0);
      expect(r.r1.sent - k).toBeLessThanOrEqual(2);
      expect(r.r1.undelivered).toEqual(Array.from({ length: r.r1.undelivered.length }, (_, i) => r.r1.sent + i));
      expect(r.next).toBe(r.r1.sent + r.r1.undelivered.length);
      expect(r.ms1).toBeLessThan(7000);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('a SharedWorker hands one job queue to two tabs; one tab closes mid-stream; every job is done, none twice but the one the closed tab held unacknowledged', async () => {
    const context = await browser.newContext();
    try {
      const a = await context.newPage();
      await a.goto(`${base()}/shared-page.html?tab=a`);
      await a.waitForFunction('window.ready === true && window.got.length >= 1');
      const b = await context.newPage();
      await b.goto(`${base()}/shared-page.html?tab=b`);
      await b.waitForFunction('window.ready === true');
      await a.waitForFunction('window.got.length >= 6');
      await a.close();
      // B takes the rest, and after the heartbeat, what A never acknowledged.
      await b.waitForFunction(
        () => {
          const got = [
            ...JSON.parse(localStorage.getItem('got-a') ?? '[]'),
            ...JSON.parse(localStorage.getItem('got-b') ?? '[]'),
          ];
          return new Set(got).size >= 40;
        },
        undefined,
        { timeout: 20_000, polling: 100 },
      );
      // The SharedWorker's toPort for the closed tab settles by the heartbeat (5 to 5.5 s).
      const t0 = Date.now();
      for (;;) {
        await b.evaluate(() => {
          (window as any).swStatus = undefined;
          (window as any).sw.port.postMessage({ status: true });
        });
        await b.waitForFunction('window.swStatus !== undefined');
        const n = await b.evaluate(() => (window as any).swStatus.settled.length);
        if (n > 0 || Date.now() - t0 > 12_000) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const settledAfterMs = Date.now() - t0;
      const { gotA, gotB, status } = await b.evaluate(() => ({
        gotA: JSON.parse(localStorage.getItem('got-a') ?? '[]') as number[],
        gotB: JSON.parse(localStorage.getItem('got-b') ?? '[]') as number[],
        status: (window as any).swStatus,
      }));
      // The README (Ports, "Values a context committed before it died died with it"): the
      // acknowledgement of a commit goes out in a task after it, so a tab closed in between
      // held a value that its sender lists as undelivered and hands to the other tab. At
      // capacity 0 that is at most one value, the last tab A got; every other job is done once.
      const both = gotA.filter((v) => gotB.includes(v));
      expect(both).toEqual(both.length === 0 ? [] : [gotA.at(-1)]);
      expect([...new Set([...gotA, ...gotB])].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(gotA.length + gotB.length).toBe(40 + both.length);
      expect(status.settled).toHaveLength(1);
      expect(status.settled[0].id).toBe(1);
      expect(status.settled[0].sent).toBe(gotA.length - both.length);
      if (both.length > 0) expect(status.settled[0].undelivered).toEqual(both);
      expect(settledAfterMs).toBeLessThan(8000);
      await b.close();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a frame navigates mid-stream; the new document reuses the name and takes none of the old stream', async () => {
    const { page, errors } = await openPage();
    try {
      const r: any = await page.evaluate(`(async () => {
        const { Channel, toPort } = window.lib;
        const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
        const until = async (f, ms = 15000) => { const end = performance.now() + ms; while (!f()) { if (performance.now() > end) throw new Error('timed out: ' + f); await sleep(10); } };
        window.frameLog = [];
        const gens = [];
        window.frameReady = (g) => gens.push(g);
        const iframe = document.createElement('iframe');
        iframe.src = '/frame.html?gen=1';
        document.body.append(iframe);
        await until(() => gens.includes('1'));
        const feed = new Channel(0);
        const producer = (async () => { for (let i = 0; i < 200; i++) await feed.push(i); feed.close(new Error('feed over')); })();
        const s1 = toPort(feed, iframe.contentWindow, { name: 'feed' });
        await until(() => frameLog.length >= 10);
        const t0 = performance.now();
        iframe.src = '/frame.html?gen=2';
        const r1 = await s1;
        const ms1 = performance.now() - t0;
        await until(() => gens.includes('2'));
        const s2 = toPort(feed, iframe.contentWindow, { name: 'feed' });
        await until(() => frameLog.some((e) => e.gen === '2' && e.end));
        const r2 = await s2;
        await producer;
        const gen1 = frameLog.filter((e) => e.gen === '1' && 'v' in e).map((e) => e.v);
        const gen2 = frameLog.filter((e) => e.gen === '2' && 'v' in e).map((e) => e.v);
        return { gen1, gen2, r1, r2, ms1, end2: frameLog.find((e) => e.gen === '2' && e.end).end,
          end1: frameLog.filter((e) => e.gen === '1' && e.end) };
      })()`);
      expect(errors).toEqual([]);
      const { gen1, gen2, r1, r2, ms1 } = r;
      const k = gen1.length;
      expect(gen1).toEqual(Array.from({ length: k }, (_, i) => i));
      expect(r1.sent).toBeGreaterThanOrEqual(k);
      expect(r1.sent - k).toBeLessThanOrEqual(2); // committed in the old document's buffer: died with it
      expect(r1.undelivered).toEqual(Array.from({ length: r1.undelivered.length }, (_, i) => r1.sent + i));
      const start = r1.sent + r1.undelivered.length;
      expect(gen2).toEqual(Array.from({ length: 200 - start }, (_, i) => start + i));
      expect(r2).toEqual({ sent: 200 - start, undelivered: [] });
      expect(r.end2).toBe('feed over');
      expect(ms1).toBeLessThan(2000); // "settles as soon as the new document's fromPort … says it is there"
    } finally {
      await page.close();
    }
  }, 60_000);

  it('a page with a Worker stream enters the back/forward cache for 3.5 s and resumes: every value once, in order', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base()}/bf-page.html`);
      await page.waitForFunction('window.ready === true && window.got.length >= 20');
      await page.evaluate(() => {
        (window as any).__restored = 0;
        addEventListener('pageshow', (e) => {
          if (e.persisted) (window as any).__restored++;
        });
      });
      await page.goto(`${base()}/other.html`);
      await new Promise((resolve) => setTimeout(resolve, 3500));
      await page.goBack({ waitUntil: 'commit' });
      await page.waitForFunction('window.ready === true');
      const restored = await page.evaluate(() => (window as any).__restored);
      await page.waitForFunction('window.ended !== null', undefined, { timeout: 30_000, polling: 100 });
      const { got, ended } = await page.evaluate(() => ({ got: (window as any).got, ended: (window as any).ended }));
      expect(restored).toBe(1); // restored from the cache, not reloaded (3 runs of 3 here)
      expect(ended).toBe('normally');
      expect(got).toEqual(Array.from({ length: 400 }, (_, i) => i));
    } finally {
      await page.close();
    }
  }, 60_000);
});
