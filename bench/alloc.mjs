// Allocation profile per value: node bench/alloc.mjs [--runtime=node|chromium|workerd]
//   [--unfolded] [--only=1:1,fan] [--libs=chanasync,...] [--with=NAME=PATH] [--n=20480]
// For each of W1-W4 (or --only: any of W1-W5, W7) and each library: warm-up runs, then one run of n values under
// V8's sampling heap profiler with a 1-byte interval (every allocation is a sample) that keeps
// the objects later collected by minor and major GCs, i.e. everything the run allocated.
// Prints objects and bytes per value, and the allocations grouped by the function that made
// them and their size (per value). `--unfolded` asks V8 (Node, Chromium) not to fold
// allocations and not to inline, so each object is its own sample, attributed to its own
// function (slower code, same objects); without it a sample can be several objects that
// optimized code allocated at once. workerd: through Miniflare's inspector port (V8 flags
// cannot be passed there, so folded only). Node 20 needs --experimental-websocket for workerd.
import { Session } from 'node:inspector/promises';
import { parseWith } from './remote.mjs';
import { ADAPTERS, execute, expected, jobFor, SELECT_THROUGHPUT, THROUGHPUT } from './suite.mjs';

const UNFOLD = ['--no-turbo-allocation-folding', '--max-inlined-bytecode-size=0'];

const opts = { runtime: 'node', unfolded: false, only: ['1:1', 'fan'], libs: ['chanasync'], with: [], n: 20_480 };
for (const arg of process.argv.slice(2)) {
  const [key, value] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s) : [arg];
  if (key === 'runtime') opts.runtime = value;
  else if (key === 'unfolded') opts.unfolded = true;
  else if (key === 'only') opts.only = value.split(',');
  else if (key === 'libs') opts.libs = value.split(',');
  else if (key === 'with') opts.with.push(parseWith(value));
  else if (key === 'n') opts.n = Number(value);
  else throw new Error(`unknown argument ${arg}`);
}
const rows = [...THROUGHPUT, ...SELECT_THROUGHPUT].filter(
  (w) => w.w && opts.only.some((o) => w.id.startsWith(o)) && w.fn !== 'nowait',
);
const names = ADAPTERS.filter((name) => name === 'floor' || opts.libs.includes(name));
const WARMUP = 10;

/** The runtime: { run(job), start(), stop() -> profile, close(), label }. */
async function open(runtime) {
  if (runtime === 'node') return openNode();
  if (runtime === 'chromium') return openChromium();
  if (runtime === 'workerd') return openWorkerd();
  throw new Error(`unknown runtime ${runtime}`);
}

const SAMPLING = {
  samplingInterval: 1,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
};

async function openNode() {
  const flags = process.execArgv.join(' ');
  if (opts.unfolded && !UNFOLD.every((f) => flags.includes(f))) {
    throw new Error(`--unfolded in Node: run node ${UNFOLD.join(' ')} bench/alloc.mjs …`);
  }
  const libs = [];
  for (const name of names) {
    const adapter = (await import(`./adapters/${name}.mjs`)).default;
    await adapter.load?.();
    libs.push({ name, adapter, workloads: await import(`./workloads.mjs?lib=${name}`) });
  }
  for (const { name, path } of opts.with) {
    const adapter = (await import(`./adapters/chanasync.mjs?lib=${name}`)).default;
    await adapter.load(await import(path));
    libs.push({ name, adapter, workloads: await import(`./workloads.mjs?lib=${name}`) });
  }
  const session = new Session();
  session.connect();
  return {
    label: `Node ${process.version}`,
    libs: libs.map((l) => l.name),
    run: (job) =>
      execute(
        libs.find((l) => l.name === job.lib),
        job,
      ),
    start: () => session.post('HeapProfiler.startSampling', SAMPLING),
    stop: async () => (await session.post('HeapProfiler.stopSampling')).profile,
    close: () => session.disconnect(),
  };
}

async function openChromium() {
  const { chromium } = await import('playwright-core');
  const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import('../test/helpers/chromium.mjs');
  const { bundleBench } = await import('./bundle.mjs');
  const { code } = await bundleBench('browser', names, opts.with);
  const jsFlags = ['--expose-gc', ...(opts.unfolded ? UNFOLD : [])].join(' ');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, `--js-flags=${jsFlags}`],
  });
  const page = await browser.newPage();
  await page.goto('about:blank');
  await page.addScriptTag({ content: code, type: 'module' });
  await page.waitForFunction(() => globalThis.__bench !== undefined);
  const info = await page.evaluate(() => globalThis.__bench.init());
  const cdp = await page.context().newCDPSession(page);
  const version = await cdp.send('Browser.getVersion');
  await cdp.send('HeapProfiler.enable');
  return {
    label: `${version.product} (V8 ${version.jsVersion})`,
    libs: info.map((l) => l.name),
    run: (job) => page.evaluate((j) => globalThis.__bench.run(j), job),
    start: () => cdp.send('HeapProfiler.startSampling', SAMPLING),
    stop: async () => (await cdp.send('HeapProfiler.stopSampling')).profile,
    close: () => browser.close(),
  };
}

async function openWorkerd() {
  if (typeof WebSocket !== 'function') throw new Error('workerd: run node --experimental-websocket bench/alloc.mjs …');
  const { Miniflare } = await import('miniflare');
  const { bundleBench } = await import('./bundle.mjs');
  const { code } = await bundleBench('workerd', names, opts.with);
  const inspectorPort = 9300 + Math.floor(Math.random() * 500);
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'bench.mjs', contents: code }],
    compatibilityDate: '2026-04-01',
    cf: false,
    inspectorPort,
  });
  await mf.ready;
  const post = async (path, body) => {
    const response = await mf.dispatchFetch(`http://bench.local${path}`, body && { method: 'POST', body });
    const json = await response.json();
    if (json.error) throw new Error(json.error);
    return json;
  };
  const info = await post('/info');
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  // Miniflare runs several workers of its own; ours is `core:user:<name>`.
  const target = targets.find((t) => t.id.startsWith('core:user')) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${message.error.message}`));
    else waiter.resolve(message.result);
  };
  const send = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('HeapProfiler.enable').catch(() => {});
  const version = (await import('workerd/package.json', { with: { type: 'json' } })).default.version;
  return {
    label: `workerd ${version} (Miniflare)`,
    libs: info.map((l) => l.name),
    run: (job) => post('/run', JSON.stringify(job)),
    start: () => send('HeapProfiler.startSampling', SAMPLING),
    stop: async () => (await send('HeapProfiler.stopSampling')).profile,
    close: async () => {
      ws.close();
      await mf.dispose();
    },
  };
}

/** Per-value totals and groups (function @ line, size) of a sampling heap profile. */
function summarize(profile, n) {
  const frames = new Map();
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split(/[/\\]/).pop().replace(/\?.*/, '');
    frames.set(node.id, `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : '(native)'}`);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const groups = new Map();
  let bytes = 0;
  for (const sample of profile.samples) {
    const key = `${frames.get(sample.nodeId)} · ${sample.size} B`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
    bytes += sample.size;
  }
  const perValue = [...groups]
    .map(([key, count]) => [key, count / n])
    .filter(([, x]) => x >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return { objects: profile.samples.length / n, bytes: bytes / n, perValue };
}

const rt = await open(opts.runtime);
try {
  console.log(
    `# Allocations per value — ${rt.label}${opts.unfolded ? ', unfolded (no allocation folding, no inlining)' : ''}`,
  );
  console.log(`\nn = ${opts.n} values per profiled run, after ${WARMUP} warm-up runs; every allocation sampled.\n`);
  for (const wl of rows) {
    console.log(`## ${wl.w} ${wl.id}\n`);
    console.log('| library | objects / value | bytes / value |\n|---|---:|---:|');
    const details = [];
    for (const lib of rt.libs) {
      const job = jobFor(lib, wl, opts.n);
      const want = expected(wl, opts.n, job.fn);
      for (let i = 0; i < WARMUP; i++) await rt.run(job);
      await rt.start();
      const result = await rt.run(job);
      const profile = await rt.stop();
      if (result.sum !== want.sum || result.count !== want.count) throw new Error(`${lib} ${wl.id}: wrong result`);
      const s = summarize(profile, opts.n);
      console.log(`| ${lib} | ${s.objects.toFixed(2)} | ${s.bytes.toFixed(0)} |`);
      details.push(`${lib}:`, ...s.perValue.map(([key, x]) => `  ${x.toFixed(2)} × ${key}`));
    }
    console.log(`\n\`\`\`\n${details.join('\n')}\n\`\`\`\n`);
  }
} finally {
  await rt.close();
}
