/**
 * Audit AA: debug mode in a dedicated Worker behind `relayDebug`, with a `chanasync/port`
 * stream running over the same Worker, in headless Chromium. The page plays the inspector:
 * it posts `hello` on its window and reads the snapshots the relay re-posts there.
 *
 * Written from the SPEC ("Debug mode", "Channels across contexts") and the README only.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';
import { bundleSource, type FileServer, serveFiles } from '../helpers/firefox.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>audit-aa debug relay</title>
<script type="module">
  import * as lib from '/lib.js';
  window.lib = lib;
  window.errors = [];
  addEventListener('error', (e) => errors.push('page: ' + e.message));
  addEventListener('unhandledrejection', (e) => errors.push('page: unhandled ' + (e.reason?.stack ?? e.reason)));
  // The page's side of each test: it collects the snapshots the relay re-posts on the window,
  // and waits (up to 15 s) for a condition on them.
  window.collectSnapshots = () => {
    const snapshots = [];
    addEventListener('message', (e) => {
      if (e.data?.source === 'chanasync' && e.data.type === 'snapshot') snapshots.push(e.data);
    });
    return snapshots;
  };
  window.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  window.waitFor = async (f) => {
    const deadline = Date.now() + 15_000;
    while (!f() && Date.now() < deadline) await sleep(10);
    return f();
  };
  // The first snapshot that lists a channel named \`name\`.
  window.listing = (snapshots, name) => snapshots.find((s) => s.channels.some((c) => c.name === name));
  // Streams 0..count-1 as "jobs" over \`port\` (the worker reports what it got), then closes it.
  window.sendJobs = async (port, count) => {
    const ch = new lib.Channel(0);
    const sending = lib.toPort(ch, port, { name: 'jobs' });
    for (let i = 0; i < count; i++) await ch.push(i);
    ch.close();
    return sending;
  };
  window.ready = true;
</script>`;

/**
 * What both workers run once debug mode is on: a marker channel with a value, the stream "jobs"
 * on `port` read to its end and reported there, then a parked pull, so that the worker has
 * something to show; channel names start with `prefix`.
 */
const workerBody = (port: string, prefix: string) => `const marker = new Channel(3, { name: '${prefix}-marker' });
await marker.push('x');
const jobs = fromPort(${port}, { name: 'jobs', capacity: 4 });
const got = [];
for await (const v of jobs) got.push(v);
${port}.postMessage({ report: { got } });
await new Channel(0, { name: '${prefix}-parked' }).pull().catch(() => {});`;

const WORKER = `import { Channel, fromPort, enableDebug } from '/lib.js';
enableDebug({ intervalMs: 50 });
${workerBody('self', 'w')}
`;

/** A SharedWorker whose debug mode posts on the connection's port, with a stream on that port too. */
const SHARED = `import { Channel, fromPort, enableDebug } from '/lib.js';
addEventListener('connect', async (event) => {
  const port = event.ports[0];
  enableDebug({ target: port, listen: port, intervalMs: 50 });
  ${workerBody('port', 'sw')}
});
`;

let server: FileServer;
let browser: Browser;
let page: Page | undefined;

beforeAll(async () => {
  const lib = await bundleSource(
    "export * from './src/index.js'; export * from './src/port/index.js'; export * from './src/debug/index.js';",
  );
  server = await serveFiles(
    '/nonexistent-audit-aa',
    new Map([
      ['/index.html', PAGE],
      ['/lib.js', lib],
      ['/worker.js', WORKER],
      ['/shared.js', SHARED],
    ]),
  );
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}, 30_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await server?.close();
});

/** Opens the served page in a new tab (closing the last test's) once its script has run; returns it and its uncaught errors as they come. */
async function freshPage(): Promise<{ tab: Page; pageErrors: string[] }> {
  await page?.close();
  const tab = await browser.newPage();
  page = tab;
  const pageErrors: string[] = [];
  tab.on('pageerror', (e) => pageErrors.push(String(e)));
  await tab.goto(`http://127.0.0.1:${server.port}/index.html`);
  await tab.waitForFunction(() => (window as any).ready === true);
  return { tab, pageErrors };
}

test("a relayed Worker's channels show tagged with its context, its stream still flows, and they go when it goes", async () => {
  const { tab, pageErrors } = await freshPage();
  const out = await tab.evaluate(async () => {
    const w = window as any;
    const { relayDebug } = w.lib;
    const { collectSnapshots, listing, sendJobs, waitFor } = w;
    const snapshots: any[] = collectSnapshots();
    const worker = new Worker('/worker.js', { type: 'module' });
    const workerErrors: string[] = [];
    worker.addEventListener('error', (e) => workerErrors.push(e.message));
    const report = new Promise<any>((resolve) =>
      worker.addEventListener('message', (e) => e.data?.report && resolve(e.data.report)),
    );
    relayDebug(worker);
    // The inspector connects.
    postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*');
    const sawMarker = await waitFor(() => listing(snapshots, 'w-marker') !== undefined);
    const tagged = listing(snapshots, 'w-marker');
    // A stream over the same Worker, while debug messages flow on it too.
    const result = await sendJobs(worker, 100);
    const r = await report;
    const sawParked = await waitFor(() => listing(snapshots, 'w-parked') !== undefined);
    const before = snapshots.length;
    worker.terminate();
    const sawEmpty = await waitFor(() =>
      snapshots.slice(before).some((s) => s.context?.kind === 'worker' && s.channels.length === 0),
    );
    const last = snapshots[snapshots.length - 1];
    return {
      sawMarker,
      context: tagged?.context,
      result,
      got: r.got,
      sawParked,
      sawEmpty,
      lastContext: last?.context,
      lastChannels: last?.channels.length,
      untagged: snapshots.filter((s) => s.context?.kind !== 'worker').length,
      workerErrors,
      errors: w.errors,
    };
  });
  expect(pageErrors).toEqual([]);
  expect(out.errors).toEqual([]);
  expect(out.workerErrors).toEqual([]);
  expect(out.sawMarker).toBe(true);
  expect(out.context).toMatchObject({ kind: 'worker' });
  expect(out.context.url).toMatch(/\/worker\.js$/);
  expect(out.result).toEqual({ sent: 100, undelivered: [] });
  expect(out.got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  expect(out.sawParked).toBe(true);
  expect(out.sawEmpty).toBe(true);
  expect(out.lastChannels).toBe(0);
  expect(out.untagged).toBe(0);
}, 60_000);

test("a SharedWorker relayed through its port: tagged snapshots, a stream beside them, and the relay's stop clears its channels", async () => {
  const { tab, pageErrors } = await freshPage();
  const out = await tab.evaluate(async () => {
    const w = window as any;
    const { relayDebug } = w.lib;
    const { collectSnapshots, listing, sendJobs, sleep, waitFor } = w;
    const snapshots: any[] = collectSnapshots();
    const shared = new SharedWorker('/shared.js', { type: 'module' });
    const workerErrors: string[] = [];
    shared.addEventListener('error', () => workerErrors.push('shared worker error'));
    const report = new Promise<any>((resolve) =>
      shared.port.addEventListener('message', (e) => e.data?.report && resolve(e.data.report)),
    );
    const stop = relayDebug(shared.port, { url: 'shared-worker#1' });
    postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*');
    const sawMarker = await waitFor(() => listing(snapshots, 'sw-marker') !== undefined);
    const tagged = listing(snapshots, 'sw-marker');
    const result = await sendJobs(shared.port, 50);
    const r = await report;
    const sawParked = await waitFor(() => listing(snapshots, 'sw-parked') !== undefined);
    const before = snapshots.length;
    stop();
    const sawEmpty = await waitFor(() =>
      snapshots.slice(before).some((s) => s.context?.kind === 'worker' && s.channels.length === 0),
    );
    await sleep(300);
    const afterStop = snapshots.slice(before).filter((s) => s.channels.length > 0).length;
    shared.port.close();
    return {
      sawMarker,
      context: tagged?.context,
      result,
      got: r.got,
      sawParked,
      sawEmpty,
      afterStop,
      workerErrors,
      errors: w.errors,
    };
  });
  expect(pageErrors).toEqual([]);
  expect(out.errors).toEqual([]);
  expect(out.workerErrors).toEqual([]);
  expect(out.sawMarker).toBe(true);
  expect(out.context).toMatchObject({ kind: 'worker', url: 'shared-worker#1' });
  expect(out.result).toEqual({ sent: 50, undelivered: [] });
  expect(out.got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(out.sawParked).toBe(true);
  expect(out.sawEmpty).toBe(true);
  expect(out.afterStop).toBe(0);
}, 60_000);
