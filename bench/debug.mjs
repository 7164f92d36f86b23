// Debug-mode helpers for run.mjs (the `debug-*` rows, chanasync only): loading
// `dist/debug.js`, a simulated inspector, two esbuild builds of src/ that
// differ only in the debug hook calls, and the snapshot measurement.
//
// Run on its own — `node --expose-gc bench/debug.mjs [--quick]` — it measures debug mode's cost
// with leak tracking on (issue 12), on a fresh build of src/ in a temp dir: 1:1 throughput at
// capacity 128 and 0 and a two-case select, (a) debug mode off vs (b) enabled with no inspector
// connected (every channel tracked, every park and leave recorded for leak detection); and the
// hook's cost with debug mode never enabled (builds with and without the hook calls). Prints a
// Markdown table with PASS/FAIL against the targets: (b)/(a) ≥ 0.90, hook/no-hook ≥ 0.98.
// Throughput is per second of the process's CPU time (see `throughput`), in rounds that
// alternate the two modes' order; ratios are per round, reported as medians ± the largest
// deviation from the median.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = new URL('../dist/', import.meta.url);

/** What an inspector sends to start receiving snapshots (chanasync/protocol). */
export const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' };

/** `{ enableDebug, disableDebug, snapshot }` of dist/debug.js, or a string saying why not. */
export async function loadDebug() {
  try {
    const mod = await import(new URL('debug.js', DIST).href);
    if (typeof mod.enableDebug !== 'function') return 'dist/debug.js has no enableDebug export';
    return { enableDebug: mod.enableDebug, disableDebug: mod.disableDebug, snapshot: mod.snapshot };
  } catch (error) {
    return `dist/debug.js not built (${error.code ?? error.message})`;
  }
}

/**
 * Enables debug mode with a target that counts posted snapshots; with `inspector`, also
 * connects a simulated inspector (a `hello` MessageEvent on the `listen` EventTarget).
 * Returns the counters ({ snapshots }).
 */
export function enable(debug, { inspector, intervalMs = 250, stacks = false }) {
  const counts = { snapshots: 0 };
  const listen = new EventTarget();
  const target = {
    postMessage(message) {
      if (message.type === 'snapshot') counts.snapshots++;
    },
  };
  debug.enableDebug({ target, listen, intervalMs, stacks });
  if (inspector) listen.dispatchEvent(new MessageEvent('message', { data: HELLO }));
  return counts;
}

// Built as dist/ is (esbuild.config.mjs: every entry, split into shared chunks, the debug hook
// in the core's chunk): both variants are built the same way.
const { common, entryPoints } = await import(new URL('../esbuild.config.mjs', import.meta.url).href);
const BUILD_OPTIONS = { ...common, entryPoints, splitting: true, chunkNames: 'chunks/[name]-[hash]' };
/**
 * The debug hook call sites (src/tracker.ts); each is a whole statement on its own line:
 * `tracker?.(…)`, or `if (tracker !== undefined && …) tracker(…)` where a channel's debug marks
 * spare the call.
 */
const HOOK_CALL = /\btracker(?:\?\.)?\(/;
/**
 * The files with hook calls: create (channel), park and leave (waiters), select, merge,
 * broadcast, from, and the owner of a stream's pull (stream). A file that gains a hook call must be listed here, or the no-hook build
 * keeps it and the comparison refuses to run ("do not differ in the hook calls").
 */
export const HOOKED = [
  'src/channel.ts',
  'src/waiters.ts',
  'src/select.ts',
  'src/interop/merge.ts',
  'src/interop/from.ts',
  'src/interop/stream.ts',
  'src/broadcast.ts',
];
const HOOKED_FILES = /[\\/]src[\\/](channel|select|waiters|broadcast|interop[\\/](merge|from|stream))\.ts$/;

/**
 * Bundles src/ with esbuild into a fresh directory under the OS temp dir, with the options of
 * esbuild.config.mjs: `hook` as is, `nohook` with every line calling `tracker` (HOOK_CALL) removed
 * from the files in HOOKED (an onLoad plugin). For context also `single`: src/index.ts
 * alone with the hook, without splitting, so `tracker` is a variable of index.js itself rather
 * than an import from a shared chunk (what a consumer's bundler makes of it without code
 * splitting). Imports each index.js, deletes the directory, and returns { hook, nohook, single }
 * (module namespaces), `removed` (lines removed per file) and `sameAsDist` (whether the hook
 * build's JavaScript files equal dist/'s, chunk file hashes aside). Throws if the hook calls were not found.
 */
export async function buildHookVariants() {
  const esbuild = await import('esbuild');
  const removed = {};
  const stripHook = {
    name: 'strip-debug-hook',
    setup(build) {
      build.onLoad({ filter: HOOKED_FILES }, (args) => {
        const lines = readFileSync(args.path, 'utf8').split('\n');
        const kept = lines.filter((line) => !HOOK_CALL.test(line));
        removed[args.path.slice(ROOT.length)] = lines.length - kept.length;
        return { contents: kept.join('\n'), loader: 'ts' };
      });
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'chanasync-bench-'));
  try {
    const out = {};
    const text = {};
    const single = { entryPoints: { index: 'src/index.ts' }, splitting: false };
    for (const [key, options] of [
      ['hook', {}],
      ['nohook', { plugins: [stripHook] }],
      ['single', single],
    ]) {
      await esbuild.build({ ...BUILD_OPTIONS, ...options, absWorkingDir: ROOT, outdir: join(dir, key) });
      text[key] = javaScriptOf(join(dir, key));
      out[key] = await import(pathToFileURL(join(dir, key, 'index.js')).href);
    }
    const files = Object.keys(removed).map((file) => file.replaceAll('\\', '/'));
    if (HOOKED.some((file) => !files.includes(file)) || Object.values(removed).some((count) => count === 0)) {
      throw new Error(`debug hook calls not found: removed ${JSON.stringify(removed)}`);
    }
    if (!HOOK_CALL.test(text.hook) || !HOOK_CALL.test(text.single) || HOOK_CALL.test(text.nohook)) {
      throw new Error('hook / no-hook builds do not differ in the hook calls');
    }
    let dist = '';
    try {
      dist = javaScriptOf(fileURLToPath(DIST));
    } catch {}
    return { ...out, removed, sameAsDist: dist === text.hook };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every `.js` file under `dir`, chunk file names made alike (they hash the source maps, whose
 * paths depend on the output directory), in a stable order: what two builds are compared by.
 */
function javaScriptOf(dir) {
  const unhashed = (code) => code.replace(/chunk-[A-Z0-9]+\.js/g, 'chunk.js');
  return readdirSync(dir, { recursive: true })
    .filter((name) => String(name).endsWith('.js'))
    .map((name) => unhashed(readFileSync(join(dir, String(name)), 'utf8')))
    .sort()
    .join('\n');
}

/**
 * snapshot() cost: enables debug mode (no inspector), creates `channels` unbuffered channels (`make(0)`)
 * and parks one pull on each (all kept alive), then times `warmup + calls` snapshot() calls
 * and returns { ms (per call), stringifyMs, bytes (UTF-8 JSON of the last snapshot), listed,
 * waitersListed, truncated }. Afterwards closes every channel, checks every parked pull was
 * rejected by the close, and disables debug mode.
 */
export async function snapshotCost(debug, make, { channels, calls, warmup, stacks }) {
  enable(debug, { inspector: false, stacks });
  const chs = [];
  const parked = [];
  let result;
  let failure;
  try {
    for (let i = 0; i < channels; i++) {
      const ch = make(0);
      chs.push(ch);
      parked.push(
        ch.pull().then(
          () => false,
          () => true,
        ),
      );
    }
    result = measureSnapshots(debug, calls, warmup);
  } catch (error) {
    failure = error;
  }
  for (const ch of chs) ch.close();
  const rejected = (await Promise.all(parked)).filter(Boolean).length;
  debug.disableDebug();
  if (failure) throw failure;
  if (rejected !== parked.length) throw new Error(`close() rejected ${rejected} of ${parked.length} parked pulls`);
  return result;
}

function measureSnapshots(debug, calls, warmup) {
  globalThis.gc?.(); // setup garbage out of the way: a snapshot is a one-off call, not a throughput run
  const ms = [];
  let snap;
  for (let i = 0; i < warmup + calls; i++) {
    const t = performance.now();
    snap = debug.snapshot();
    const dt = performance.now() - t;
    if (i >= warmup) ms.push(dt);
  }
  if (snap.channels.length === 0) throw new Error('snapshot() listed no channels');
  const stringifyMs = [];
  let json = '';
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    json = JSON.stringify(snap);
    stringifyMs.push(performance.now() - t);
  }
  const waitersListed = snap.channels.reduce((k, c) => k + c.pushers.length + c.pullers.length, 0);
  return {
    ms,
    stringifyMs,
    bytes: Buffer.byteLength(json),
    listed: snap.channels.length,
    waitersListed,
    truncated: snap.truncated,
  };
}

// ---------------------------------------------------------------------------------------------
// Standalone: debug mode's cost with leak tracking on.

/**
 * Builds src/index.ts and src/debug/index.ts the way dist/ is built (one split build sharing
 * the core chunk, so that the debug entry's hook is the core's), into a temp dir; imports both
 * and deletes the dir. Returns { core, debug }.
 */
async function buildCurrent() {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'chanasync-bench-debug-'));
  try {
    await esbuild.build({
      ...common,
      entryPoints: { index: 'src/index.ts', debug: 'src/debug/index.ts' },
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      absWorkingDir: ROOT,
      outdir: dir,
    });
    const core = await import(pathToFileURL(join(dir, 'index.js')).href);
    const debug = await import(pathToFileURL(join(dir, 'debug.js')).href);
    return { core, debug };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 1:1 with `n` values: one producer awaiting every push, one consumer awaiting every pull. */
async function oneToOne(Channel, capacity, n) {
  const ch = new Channel(capacity);
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await ch.pull();
    return sum;
  })();
  for (let i = 0; i < n; i++) await ch.push(i);
  return consumer;
}

/** 1:1 where the consumer selects over the channel and an idle one (a two-case select per value). */
async function selectTwo({ Channel, select, pull }, capacity, n) {
  const ch = new Channel(capacity);
  const idle = new Channel(0);
  const cases = [pull(ch), pull(idle)];
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (await select(cases)).value;
    return sum;
  })();
  for (let i = 0; i < n; i++) await ch.push(i);
  return consumer;
}

/**
 * Values per second of CPU time of `run(n)` repeated for at least `ms` of wall time, yielding a
 * macrotask between runs (so that debug mode's timers run and count). CPU time rather than wall
 * time: on a machine shared with other work, wall time mostly measures the neighbours.
 */
async function throughput(run, n, ms) {
  const want = (n * (n - 1)) / 2;
  const start = performance.now();
  const cpu = process.cpuUsage();
  let values = 0;
  do {
    const sum = await run(n);
    if (sum !== want) throw new Error(`sum mismatch: ${sum} !== ${want}`);
    values += n;
    await new Promise((resolve) => setTimeout(resolve, 0));
  } while (performance.now() - start < ms);
  const used = process.cpuUsage(cpu);
  return (values / (used.user + used.system)) * 1e6;
}

const medianOf = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const spread = (xs) => {
  const m = medianOf(xs);
  return Math.max(...xs.map((x) => Math.abs(x - m) / m));
};
const rate = (x) => `${(x / 1e6).toFixed(2)}M/s`;

async function main() {
  const quick = process.argv.includes('--quick');
  const rounds = quick ? 4 : 15;
  const blockMs = quick ? 100 : 150;
  const n = 20_000;
  const log = (line) => process.stderr.write(`${line}\n`);
  const { core, debug } = await buildCurrent();
  const rows = [
    { label: '1:1, capacity 128', run: (m) => oneToOne(core.Channel, 128, m) },
    { label: '1:1, capacity 0 (every operation parks)', run: (m) => oneToOne(core.Channel, 0, m) },
    { label: 'two-case select, capacity 0', run: (m) => selectTwo(core, 0, m) },
  ];
  const report = [
    `Debug mode with leak tracking: ${rounds} rounds × ${blockMs} ms per mode, Node ${process.version}, ${n} values per run; values per second of CPU time.`,
    '',
    '| workload | (a) debug off | (b) enabled, no inspector | (b)/(a) | target | |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  let failed = false;
  for (const row of rows) {
    const off = [];
    const on = [];
    const ratio = [];
    for (let round = -1; round < rounds; round++) {
      log(`${row.label}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`}`);
      const measureOn = async () => {
        enable(debug, { inspector: false });
        try {
          return await throughput(row.run, n, blockMs);
        } finally {
          debug.disableDebug();
        }
      };
      let a;
      let b;
      if (round % 2) {
        a = await throughput(row.run, n, blockMs);
        b = await measureOn();
      } else {
        b = await measureOn();
        a = await throughput(row.run, n, blockMs);
      }
      if (round < 0) continue;
      off.push(a);
      on.push(b);
      ratio.push(b / a);
    }
    const value = medianOf(ratio);
    const pass = value >= 0.9;
    failed ||= !pass;
    report.push(
      `| ${row.label} | ${rate(medianOf(off))} | ${rate(medianOf(on))} | ${value.toFixed(2)}× ±${Math.round(spread(ratio) * 100)}% | ≥ 0.90× | ${pass ? 'PASS' : 'FAIL'} |`,
    );
  }
  log('hook cost: bundling src/ with and without the hook calls');
  const built = await buildHookVariants();
  report.push(
    '',
    '| debug never enabled | hook build | no-hook build | hook/no-hook | target | |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const capacity of [128, 0]) {
    const hook = [];
    const nohook = [];
    const ratio = [];
    for (let round = -1; round < rounds; round++) {
      log(`hook cost, capacity ${capacity}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`}`);
      const order = round % 2 ? ['hook', 'nohook'] : ['nohook', 'hook'];
      const ops = {};
      for (const key of order)
        ops[key] = await throughput((m) => oneToOne(built[key].Channel, capacity, m), n, blockMs);
      if (round < 0) continue;
      hook.push(ops.hook);
      nohook.push(ops.nohook);
      ratio.push(ops.hook / ops.nohook);
    }
    const value = medianOf(ratio);
    const pass = value >= 0.98;
    failed ||= !pass;
    report.push(
      `| 1:1, capacity ${capacity} | ${rate(medianOf(hook))} | ${rate(medianOf(nohook))} | ${value.toFixed(2)}× ±${Math.round(spread(ratio) * 100)}% | ≥ 0.98× | ${pass ? 'PASS' : 'FAIL'} |`,
    );
  }
  console.log(report.join('\n'));
  if (failed) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
