/**
 * Audit BQ-port: the pages, Workers and frames of the application scenarios, served from memory
 * (test/helpers/firefox.ts's serveFiles), with chanasync (core + port, bundled from src/) at
 * /lib.js. The scenario bodies are plain strings run as async function bodies in the page
 * (`args` holds their arguments, `window.lib` the library), so that the Chromium and the Firefox
 * files run the very same code.
 */
import { join } from 'node:path';
import { bundleSource, type FileServer, serveFiles } from '../helpers/firefox.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>bq</title>
<script type="module">import * as lib from '/lib.js'; window.lib = lib; window.ready = true;</script>`;

/**
 * A pool worker: pulls jobs from the page ('jobs', capacity from the URL), holds the first one
 * until the page says `go` (a plain message: foreign to the library), then works, and sends
 * `{ id, job }` back ('results'). Its results channel closes with the reason its jobs loop saw.
 */
const POOL_WORKER = `import { Channel, fromPort, toPort } from '/lib.js';
const params = new URL(self.location.href).searchParams;
const id = params.get('id');
const cap = Number(params.get('cap'));
let go;
const gate = new Promise((resolve) => { go = resolve; });
self.addEventListener('message', (event) => { if (event.data && event.data.go) go(); });
const jobs = fromPort(self, { name: 'jobs', capacity: cap });
const results = new Channel(4);
const sending = toPort(results, self, { name: 'results' });
let how;
try {
  for await (const job of jobs) {
    if (jobs.size > cap) self.postMessage({ overCapacity: jobs.size });
    await gate;
    await new Promise((resolve) => setTimeout(resolve, 2));
    await results.push({ id, job });
  }
  how = 'ended normally';
} catch (error) {
  how = 'threw ' + (error && error.message);
}
results.close(new Error('worker ' + id + ' ' + how));
await sending;
`;

/** Relays a MessagePort to a nested worker (transfer number two). */
const RELAY_WORKER = `self.addEventListener('message', (event) => {
  if (!event.data || !event.data.relay) return;
  const nested = new Worker('/nested-worker.js', { type: 'module' });
  nested.postMessage({ port: event.ports[0] }, [event.ports[0]]);
});`;

/** Squares what arrives on the transferred port ('x') and sends the squares back ('back'). */
const NESTED_WORKER = `import { Channel, fromPort, toPort } from '/lib.js';
self.addEventListener('message', async (event) => {
  const port = event.data.port;
  const xs = fromPort(port, { name: 'x', capacity: 3 });
  const back = new Channel(8);
  const sending = toPort(back, port, { name: 'back' });
  let how = 'normally';
  try { for await (const x of xs) await back.push(x * x); } catch (error) { how = error.message; }
  back.close(new Error('nested done: ' + how));
  await sending;
});`;

/**
 * A consumer worker for the backpressure, large-value, select, abort and clone scenarios: what
 * it does is chosen by the page's first plain message `{ mode, ... }`; it reports with plain
 * messages `{ report }`.
 */
const CONSUMER_WORKER = `import { Channel, fromPort, toPort, select, pull, ChannelError } from '/lib.js';
const report = (r) => self.postMessage({ report: r });
self.addEventListener('message', async (event) => {
  const m = event.data;
  if (!m || !m.mode) return;
  if (m.mode === 'slow') {
    // Pull slowly; say how many were pulled right after each pull (before any credit leaves).
    const input = fromPort(self, { name: 'in', capacity: m.cap });
    let n = 0, bytes = 0, order = true;
    try {
      for (;;) {
        const v = await input.pull();
        if (v.i !== n) order = false;
        n++;
        bytes += v.data ? v.data.byteLength : 0;
        report({ pulled: n, size: input.size });
        await new Promise((resolve) => setTimeout(resolve, m.delay));
      }
    } catch (error) {
      report({ done: true, pulled: n, bytes, order, reason: String(error && error.cause ? error.cause.message : error && error.message) });
    }
  } else if (m.mode === 'fast') {
    const input = fromPort(self, { name: 'in', capacity: m.cap });
    let n = 0, sum = 0, order = true;
    try {
      for (;;) {
        const batch = await input.pullMany(4096);
        for (const v of batch) { if (v !== n) order = false; n++; sum += v; }
      }
    } catch (error) {
      report({ done: true, n, sum, order, reason: String(error && error.message) });
    }
  } else if (m.mode === 'select') {
    // A select over the port-backed channel and a local channel fed by a timer.
    const input = fromPort(self, { name: 'in', capacity: m.cap });
    const local = new Channel(1);
    let t = 0;
    const timer = setInterval(() => { local.tryPush(t++); }, 1);
    const remote = [];
    let locals = 0, closedOk = null;
    for (;;) {
      const r = await select([pull(input), pull(local)]);
      if (r.index === 1) { locals++; continue; }
      if (!r.ok) { closedOk = true; break; }
      remote.push(r.value);
    }
    clearInterval(timer);
    report({ remote, locals, closedOk });
  } else if (m.mode === 'abort') {
    // Capacity 0: a pull that gives up (abort) must take its credit back.
    const input = fromPort(self, { name: 'in', capacity: 0 });
    const ac = new AbortController();
    const p = input.pull({ signal: ac.signal });
    setTimeout(() => ac.abort(new Error('gave up')), 200);
    let first;
    try { first = { value: await p }; } catch (error) { first = { error: error.message }; }
    report({ first });
    await new Promise((resolve) => { self.addEventListener('message', (e) => { if (e.data && e.data.pullNow) resolve(); }); });
    const v = await input.pull();
    report({ second: v });
    const rest = [];
    try { for await (const x of input) rest.push(x); } catch (error) { rest.push('threw ' + error.message); }
    report({ rest });
  } else if (m.mode === 'clone') {
    const input = fromPort(self, { name: 'in', capacity: m.cap });
    const got = [];
    let closedWith = null;
    try { for await (const x of input) got.push(x); closedWith = 'normally'; }
    catch (error) { closedWith = typeof error === 'object' && error !== null ? { name: error.name, message: String(error.message) } : { value: error }; }
    report({ got, closedWith });
  } else if (m.mode === 'closeAfter') {
    // Consume k values, close the channel, then drain what was already committed to it.
    const input = fromPort(self, { name: 'in', capacity: m.cap });
    const consumed = [];
    for (let i = 0; i < m.k; i++) consumed.push(await input.pull());
    input.close();
    const drained = [];
    for (;;) { try { drained.push(input.pullNowait()); } catch { break; } }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = [];
    for (;;) { try { late.push(input.pullNowait()); } catch { break; } }
    report({ consumed, drained, late, size: input.size });
  } else if (m.mode === 'twoNames') {
    // Two streams over one Worker port: 'slow' is never pulled, 'fast' is drained.
    const slow = fromPort(self, { name: 'slow', capacity: 2 });
    const fast = fromPort(self, { name: 'fast', capacity: 2 });
    let n = 0;
    for await (const v of fast) { if (v !== n) break; n++; }
    report({ fast: n, slowSize: slow.size });
  } else if (m.mode === 'hold') {
    // Pull one value, report it, then never pull again (a stuck consumer) until terminated.
    const input = fromPort(self, { name: 'in', capacity: m.cap });
    const v = await input.pull();
    report({ pulled: v, size: input.size });
    setInterval(() => report({ size: input.size }), 100);
  } else if (m.mode === 'produce') {
    // Worker -> page: push forever into a capacity-0 channel whose push stays parked.
    const out = new Channel(0);
    toPort(out, self, { name: 'out' });
    let i = 0;
    for (;;) { await out.push(i); report({ pushed: i }); i++; }
  }
});`;

/** A SharedWorker that hands one job queue to every tab that connects. */
const SHARED_WORKER = `import { Channel, toPort } from '/lib.js';
const jobs = new Channel(Infinity);
for (let i = 0; i < 40; i++) jobs.pushNowait(i);
const settled = [];
let tabs = 0;
self.addEventListener('connect', (event) => {
  const port = event.ports[0];
  const id = ++tabs;
  port.addEventListener('message', (e) => {
    if (e.data && e.data.status) port.postMessage({ status: { settled, left: jobs.size } });
  });
  toPort(jobs, port, { name: 'jobs' }).then(
    (r) => { settled.push({ id, sent: r.sent, undelivered: r.undelivered }); for (const v of r.undelivered) jobs.pushNowait(v); },
    (error) => settled.push({ id, error: String(error) }));
});`;

/** A tab of the SharedWorker scenario: pulls a job every 100 ms (capacity 0) and keeps them. */
const SHARED_PAGE = `<!doctype html><meta charset="utf-8"><title>tab</title>
<script type="module">
import { fromPort } from '/lib.js';
const sw = new SharedWorker('/shared-worker.js', { type: 'module' });
window.sw = sw;
window.got = [];
sw.port.addEventListener('message', (e) => { if (e.data && e.data.status) window.swStatus = e.data.status; });
const jobs = fromPort(sw.port, { name: 'jobs', capacity: 0 });
const tab = new URL(location.href).searchParams.get('tab');
window.ready = true;
for await (const job of jobs) {
  window.got.push(job);
  localStorage.setItem('got-' + tab, JSON.stringify(window.got));
  await new Promise((resolve) => setTimeout(resolve, 100));
}
</script>`;

/** A frame that receives 'feed' from its parent at capacity 2, slowly, logging into the parent. */
const FEED_FRAME = `<!doctype html><meta charset="utf-8"><title>frame</title>
<script type="module">
import { fromPort } from '/lib.js';
const gen = new URL(location.href).searchParams.get('gen');
const feed = fromPort(parent, { name: 'feed', capacity: 2, origin: location.origin });
parent.frameReady?.(gen);
try {
  for await (const v of feed) {
    parent.frameLog.push({ gen, v });
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  parent.frameLog.push({ gen, end: 'normally' });
} catch (error) {
  parent.frameLog.push({ gen, end: String(error && error.message) });
}
</script>`;

/** A page for the back/forward cache: a Worker streams numbers to it; it keeps them. */
const BF_PAGE = `<!doctype html><meta charset="utf-8"><title>bf</title>
<script type="module">
import { fromPort } from '/lib.js';
const w = new Worker('/bf-worker.js', { type: 'module' });
window.got = [];
window.ended = null;
const nums = fromPort(w, { name: 'nums', capacity: 4 });
window.ready = true;
try { for await (const n of nums) window.got.push(n); window.ended = 'normally'; }
catch (error) { window.ended = String(error && error.message); }
</script>`;

const BF_WORKER = `import { Channel, toPort } from '/lib.js';
const nums = new Channel(0);
const sending = toPort(nums, self, { name: 'nums' });
for (let i = 0; i < 400; i++) { await nums.push(i); await new Promise((r) => setTimeout(r, 20)); }
nums.close();
await sending;`;

/** Starts the server of the scenarios. */
export async function startScenarioServer(): Promise<FileServer> {
  const lib = await bundleSource("export * from './src/index.js'; export * from './src/port/index.js';");
  const files = new Map<string, string>([
    ['/lib.js', lib],
    ['/page.html', PAGE],
    ['/other.html', '<!doctype html><title>other</title><p>elsewhere'],
    ['/pool-worker.js', POOL_WORKER],
    ['/relay-worker.js', RELAY_WORKER],
    ['/nested-worker.js', NESTED_WORKER],
    ['/consumer-worker.js', CONSUMER_WORKER],
    ['/shared-worker.js', SHARED_WORKER],
    ['/shared-page.html', SHARED_PAGE],
    ['/frame.html', FEED_FRAME],
    ['/bf-page.html', BF_PAGE],
    ['/bf-worker.js', BF_WORKER],
  ]);
  return serveFiles(join(import.meta.dirname, 'static-nothing'), files, {
    storable: (url) => url.startsWith('/bf-') || url === '/other.html' || url === '/lib.js',
  });
}

/** Helpers every page body starts with. */
const PRELUDE = `const { Channel, fromPort, toPort, select, pull, ChannelError, ChannelClosedError } = window.lib;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (f, ms = 15000) => { const end = performance.now() + ms; while (!f()) { if (performance.now() > end) throw new Error('timed out waiting for ' + f); await sleep(20); } };
const consumerWorker = (mode, extra = {}) => {
  const w = new Worker('/consumer-worker.js', { type: 'module' });
  const reports = [];
  w.addEventListener('message', (e) => { if (e.data && e.data.report) reports.push(e.data.report); });
  w.postMessage({ mode, ...extra });
  return { w, reports };
};
`;

/** Scenario bodies (async function bodies run in /page.html). */
export const SCENARIOS = {
  /**
   * A pool of 3 Workers pulling jobs from one page channel (unbuffered) through three toPorts,
   * capacity 2 each. While the workers hold their first job, the page can have handed out at
   * most 3 × (1 + 2) jobs. Then every job is done exactly once, and the close reason reaches
   * every worker (and comes back in their results' close reasons).
   */
  pool: `${PRELUDE}
  const N = 3, CAP = 2, JOBS = 60;
  const workers = [];
  for (let i = 0; i < N; i++) workers.push(new Worker('/pool-worker.js?id=' + i + '&cap=' + CAP, { type: 'module' }));
  const over = [];
  for (const w of workers) w.addEventListener('message', (e) => { if (e.data && e.data.overCapacity) over.push(e.data.overCapacity); });
  const jobs = new Channel(0);
  const sendings = workers.map((w) => toPort(jobs, w, { name: 'jobs' }));
  const results = workers.map((w) => fromPort(w, { name: 'results', capacity: 4 }));
  let pushed = 0;
  const producer = (async () => { for (let j = 0; j < JOBS; j++) { await jobs.push(j); pushed++; } jobs.close(new Error('shift over')); })();
  await sleep(1500);
  const pushedWhileHeld = pushed;
  for (const w of workers) w.postMessage({ go: true });
  const done = [];
  const reasons = await Promise.all(results.map(async (r) => {
    try { for await (const x of r) done.push(x); return 'normally'; } catch (error) { return error.message; }
  }));
  await producer;
  const settled = await Promise.all(sendings);
  for (const w of workers) w.terminate();
  const jobsDone = done.map((d) => d.job).sort((a, b) => a - b);
  return { pushedWhileHeld, bound: N * (1 + CAP), over, jobsDone, reasons,
    sent: settled.map((s) => s.sent), undelivered: settled.map((s) => s.undelivered),
    perWorker: [0, 1, 2].map((i) => done.filter((d) => d.id === String(i)).length) };`,

  /** A MessagePort transferred page → worker → nested worker, the stream started before. */
  nested: `${PRELUDE}
  const { port1, port2 } = new MessageChannel();
  const xs = new Channel(16);
  const sending = toPort(xs, port1, { name: 'x' });
  const back = fromPort(port1, { name: 'back', capacity: 5 });
  const producer = (async () => { for (let i = 0; i < 500; i++) await xs.push(i); xs.close(new Error('all sent')); })();
  await sleep(300); // the stream waits for its receiver, two transfers away
  const relay = new Worker('/relay-worker.js');
  relay.postMessage({ relay: true }, [port2]);
  const got = [];
  let reason = null;
  try { for await (const y of back) got.push(y); } catch (error) { reason = error.message; }
  await producer;
  const result = await sending;
  relay.terminate();
  port1.close();
  const expected = Array.from({ length: 500 }, (_, i) => i * i);
  return { same: JSON.stringify(got) === JSON.stringify(expected), n: got.length, reason, sent: result.sent, undelivered: result.undelivered.length };`,

  /**
   * Backpressure with big values: 24 × 2 MB values copied (not transferred) to a slow Worker
   * (capacity cap). The page's toPort may never have pulled more than the Worker pulled + cap.
   */
  large: `${PRELUDE}
  const CAP = args[0], COUNT = 24, SIZE = 2 * 1024 * 1024;
  const { w, reports } = consumerWorker('slow', { cap: CAP, delay: 40 });
  const input = new Channel(0);
  const sending = toPort(input, w, { name: 'in' });
  let worst = -Infinity;
  for (let i = 0; i < COUNT; i++) {
    const data = new Uint8Array(SIZE); data[0] = i;
    await input.push({ i, data });
    const pulledRemote = reports.filter((r) => r.pulled !== undefined).reduce((m, r) => Math.max(m, r.pulled), 0);
    worst = Math.max(worst, i + 1 - pulledRemote);
  }
  input.close();
  const result = await sending;
  await until(() => reports.some((r) => r.done));
  w.terminate();
  const done = reports.find((r) => r.done);
  return { worst, cap: CAP, done, sent: result.sent, undelivered: result.undelivered.length };`,

  /** A high rate: 200,000 small values, order and sum checked in the Worker. */
  fast: `${PRELUDE}
  const { w, reports } = consumerWorker('fast', { cap: 1024 });
  const input = new Channel(256);
  const sending = toPort(input, w, { name: 'in' });
  const t0 = performance.now();
  for (let i = 0; i < 200000; i++) await input.push(i);
  input.close();
  const result = await sending;
  await until(() => reports.some((r) => r.done));
  const ms = performance.now() - t0;
  w.terminate();
  return { ...reports.find((r) => r.done), sent: result.sent, undelivered: result.undelivered.length, ms };`,

  /** select in the Worker over the port-backed channel and a busy local channel. */
  select: `${PRELUDE}
  const { w, reports } = consumerWorker('select', { cap: args[0] });
  const input = new Channel(0);
  const sending = toPort(input, w, { name: 'in' });
  for (let i = 0; i < 300; i++) await input.push(i);
  input.close();
  const result = await sending;
  await until(() => reports.length > 0);
  w.terminate();
  const r = reports[0];
  const inOrder = r.remote.every((v, i) => v === i);
  return { n: r.remote.length, inOrder, locals: r.locals, closedOk: r.closedOk, sent: result.sent, undelivered: result.undelivered };`,

  /**
   * Capacity 0 and a remote pull that aborts: the page's push must then wait for the next
   * remote pull (README: "A capacity-0 remote pull that gives up takes its credit back").
   */
  abort: `${PRELUDE}
  const { w, reports } = consumerWorker('abort');
  const input = new Channel(0);
  const sending = toPort(input, w, { name: 'in' });
  await until(() => reports.length >= 1); // the first pull aborted
  await sleep(300);
  let resolved = false;
  const p = input.push('late').then(() => { resolved = true; });
  await sleep(700);
  const resolvedBeforeNextPull = resolved;
  w.postMessage({ pullNow: true });
  await p;
  await until(() => reports.some((r) => 'second' in r));
  for (const v of ['a', 'b']) await input.push(v);
  input.close();
  await until(() => reports.some((r) => 'rest' in r));
  const result = await sending;
  w.terminate();
  return { first: reports[0].first, resolvedBeforeNextPull, second: reports.find((r) => 'second' in r).second,
    rest: reports.find((r) => 'rest' in r).rest, sent: result.sent, undelivered: result.undelivered };`,

  /**
   * A value that cannot be cloned (a function) in the middle of a stream: toPort rejects with a
   * TypeError that names toPort and accounts for every value; the Worker got the values before.
   */
  cloneFunction: `${PRELUDE}
  const { w, reports } = consumerWorker('clone', { cap: 8 });
  const input = new Channel(8);
  const sending = toPort(input, w, { name: 'in' });
  await input.push(1); await input.push(2);
  await sleep(200);
  await input.push(3); await input.push(function secret() {}); await input.push(4);
  let error = null, settled = null;
  try { settled = await sending; } catch (e) { error = e; }
  await until(() => reports.length > 0);
  w.terminate();
  const undelivered = error && error.undelivered ? error.undelivered.map((v) => typeof v === 'function' ? 'fn:' + v.name : v) : null;
  return { settled, name: error && error.name, isTypeError: error instanceof TypeError, message: error && error.message,
    sent: error && error.sent, undelivered, left: input.size, worker: reports[0] };`,

  /** transfer() listing something that is not transferable: a clear TypeError, nothing lost. */
  cloneTransfer: `${PRELUDE}
  const { w, reports } = consumerWorker('clone', { cap: 8 });
  const input = new Channel(8);
  const sending = toPort(input, w, { name: 'in', transfer: (v) => v.t ? [v.t] : [] });
  await input.push({ i: 1 });
  await sleep(200);
  await input.push({ i: 2, t: { not: 'transferable' } });
  await input.push({ i: 3 });
  let error = null, settled = null;
  try { settled = await sending; } catch (e) { error = e; }
  await until(() => reports.length > 0);
  w.terminate();
  return { settled, isTypeError: error instanceof TypeError, message: error && error.message,
    sent: error && error.sent, undelivered: error && error.undelivered && error.undelivered.map((v) => v.i), left: input.size, worker: reports[0] };`,

  /**
   * A module Worker terminated while the page's push into its stream is parked (no credit): the
   * page's toPort settles within the heartbeat with the values the Worker never acknowledged,
   * the parked push stays parked (its channel is not closed), nothing is lost or duplicated.
   */
  terminateSender: `${PRELUDE}
  const { w, reports } = consumerWorker('hold', { cap: 2 });
  const input = new Channel(0);
  const sending = toPort(input, w, { name: 'in' });
  let pushed = 0;
  const producer = (async () => { for (let i = 0; i < 10; i++) { await input.push(i); pushed++; } })();
  await until(() => reports.length > 0 && pushed >= 3);
  await sleep(500);
  const pushedBefore = pushed;
  const workerPulled = reports[0].pulled;
  const t0 = performance.now();
  w.terminate();
  const result = await sending;
  const ms = performance.now() - t0;
  // What is left in the local channel: the parked push's value, still parked.
  const next = input.tryPull();
  return { pushedBefore, workerPulled, sent: result.sent, undelivered: result.undelivered, ms, next, pushedAfter: pushed, closed: input.closed };`,

  /** Worker → page, capacity 0 on the page; the Worker is terminated while its push is parked. */
  terminateReceiverSide: `${PRELUDE}
  const { w, reports } = consumerWorker('produce');
  const out = fromPort(w, { name: 'out', capacity: 0 });
  const got = [await out.pull(), await out.pull(), await out.pull()];
  await sleep(300);
  const t0 = performance.now();
  w.terminate();
  let error = null;
  try { got.push(await out.pull()); } catch (e) { error = e; }
  const ms = performance.now() - t0;
  return { got, isChannelError: error instanceof ChannelError, message: error && error.message,
    causeIsChannelError: !!error && error.cause instanceof ChannelError, cause: String(error && error.cause && error.cause.message), ms,
    workerPushed: reports.filter((r) => 'pushed' in r).map((r) => r.pushed) };`,

  /**
   * The Worker's receiver closes its channel after 5 values while a wide window is in flight:
   * the page's toPort stops pulling at once, and every value is in exactly one place — consumed
   * or still buffered in the Worker (sent), undelivered, or still in the page's channel.
   */
  receiverCloses: `${PRELUDE}
  const TOTAL = 2000;
  const { w, reports } = consumerWorker('closeAfter', { cap: 256, k: 5 });
  const input = new Channel(TOTAL);
  for (let i = 0; i < TOTAL; i++) input.pushNowait(i);
  const result = await toPort(input, w, { name: 'in' });
  await until(() => reports.length > 0);
  w.terminate();
  const r = reports[0];
  const left = [];
  for (;;) { const v = input.tryPull(); if (v === undefined) break; left.push(v); }
  const received = [...r.consumed, ...r.drained, ...r.late];
  const all = [...received, ...result.undelivered, ...left];
  const sorted = [...all].sort((a, b) => a - b);
  return { sent: result.sent, received: received.length, undelivered: result.undelivered.length, left: left.length,
    late: r.late.length, exactlyOnce: sorted.length === TOTAL && sorted.every((v, i) => v === i),
    receivedInOrder: received.every((v, i) => v === i) };`,

  /** Close reasons that cannot be cloned, and a custom Error subclass, cross over as Errors. */
  reasons: `${PRELUDE}
  const out = [];
  class JobError extends Error { constructor(m) { super(m); this.name = 'JobError'; } }
  const cases = [
    () => ({ message: 'with a function', fn() {} }),
    () => new JobError('custom subclass'),
    () => Object.assign(new Error('error with a function field'), { retry: () => 1 }),
    () => 'a plain string',
  ];
  for (const make of cases) {
    const { w, reports } = consumerWorker('clone', { cap: 2 });
    const input = new Channel(2);
    const sending = toPort(input, w, { name: 'in' });
    await input.push(1);
    input.close(make());
    let settled = null, error = null;
    try { settled = await sending; } catch (e) { error = String(e); }
    await until(() => reports.length > 0);
    w.terminate();
    out.push({ settled, error, worker: reports[0] });
  }
  return out;`,

  /**
   * select on the page with a push case into a channel that toPort reads (capacity 0 on the
   * Worker side) and a pull case on a busy local channel: the Worker gets exactly the values
   * whose push case won, in order.
   */
  selectPush: `${PRELUDE}
  const { push } = window.lib;
  const { w, reports } = consumerWorker('clone', { cap: args[0] });
  const out = new Channel(0);
  const sending = toPort(out, w, { name: 'in' });
  const ticks = new Channel(1);
  let t = 0;
  const timer = setInterval(() => ticks.tryPush(t++), 1);
  const won = [];
  let ticksWon = 0;
  for (let i = 0; won.length < 200; i++) {
    const r = await select([push(out, i), pull(ticks)]);
    if (r.index === 0) won.push(i); else ticksWon++;
  }
  clearInterval(timer);
  out.close();
  const result = await sending;
  await until(() => reports.length > 0);
  w.terminate();
  return { same: JSON.stringify(reports[0].got) === JSON.stringify(won), got: reports[0].got.length, ticksWon,
    sent: result.sent, undelivered: result.undelivered, closedWith: reports[0].closedWith };`,

  /** Aborting toPort's signal mid-stream: it resolves, the Worker's channel closes with the reason. */
  toPortAbort: `${PRELUDE}
  const TOTAL = 1000;
  const { w, reports } = consumerWorker('slow', { cap: 16, delay: 1 });
  const input = new Channel(TOTAL);
  for (let i = 0; i < TOTAL; i++) input.pushNowait({ i });
  const ac = new AbortController();
  const sending = toPort(input, w, { name: 'in', signal: ac.signal });
  await until(() => reports.some((r) => r.pulled >= 50));
  ac.abort(new Error('user cancelled'));
  const result = await sending;
  await until(() => reports.some((r) => r.done));
  w.terminate();
  const done = reports.find((r) => r.done);
  return { sent: result.sent, undelivered: result.undelivered.map((v) => v.i), left: input.size, done };`,

  /** Two names over one Worker: a stalled stream does not hold back the other (no head-of-line). */
  twoNames: `${PRELUDE}
  const { w, reports } = consumerWorker('twoNames');
  const slow = new Channel(100), fast = new Channel(0);
  for (let i = 0; i < 100; i++) slow.pushNowait(i);
  const s1 = toPort(slow, w, { name: 'slow' });
  const s2 = toPort(fast, w, { name: 'fast' });
  for (let i = 0; i < 500; i++) await fast.push(i);
  fast.close();
  const r2 = await s2;
  await until(() => reports.length > 0);
  const slowPulled = 100 - slow.size;
  w.terminate();
  const r1 = await s1;
  return { report: reports[0], r2, slowPulled, r1: { sent: r1.sent, undelivered: r1.undelivered } };`,
} as const;

export type ScenarioName = keyof typeof SCENARIOS;
