// Benchmark runner: node --expose-gc bench/run.mjs [--quick] [--only=id,id] [--libs=name,name]
// Runs every workload for every library in one process, in interleaved rounds
// (round-robin over libraries, start rotated each round), takes medians, and
// reports throughput as a ratio to the hand-written floor channel. Prints a
// Markdown report to stdout and writes it to bench/results.md.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseWith } from './remote.mjs';
import { formatReport } from './report.mjs';
import {
  ADAPTERS,
  BATCH,
  cellFor,
  checkResult,
  createMeasurer,
  execute,
  expected,
  jobFor,
  median,
  PROBE,
  SELECT_THROUGHPUT,
  SumError,
  THROUGHPUT,
} from './suite.mjs';

// The libraries, the throughput rows (W1-W7), the select row (W5, run after the memory and
// abort phases, so that select's waiters cannot change chanasync's V8 type feedback for the
// rows above — a precaution: a standalone check showed no measurable effect on plain pull) and
// the batch / broadcast section live in suite.mjs, shared with the Chromium and workerd runners.
// chanasync only: 1:1 with `(await select([pull(ch)])).value` vs `await ch.pull()`.
const SELECT_COST = { id: 'select-1case', capacities: [0, 128], n: 200_704 };
// Interop rows, chanasync's web-platform helpers vs web streams (bench/interop.mjs). Each row
// has four cells instead of one per library: `floor` = the floor's plain 1:1 at the row's
// capacity (the base of every ratio in the section), `plain` = chanasync doing the same job
// without the helpers, `interop` = chanasync through its helpers, `web` = web streams doing it
// natively. They run last: merge selects, and from / toReadableStream bring Channel
// subclasses and signal-carrying pulls, which could change chanasync's type feedback for the
// rows above. `--only=interop` selects all three.
const INTEROP = [
  {
    id: 'interop-roundtrip',
    capacity: 128,
    n: 200_704,
    plain: { fn: 'oneToOne', capacity: 128 },
    interop: 'chanasyncRoundTrip',
    web: 'webRoundTrip',
  },
  {
    id: 'merge-64',
    capacity: 4,
    n: 200_704,
    producers: 64,
    // The same 64 producers sharing one channel with the same total buffer (64 × 4).
    plain: { fn: 'fanIn', capacity: 256 },
    interop: 'chanasyncMerge',
    web: 'webMerge',
  },
  {
    id: 'tee',
    capacity: 128,
    n: 200_704,
    copies: 2,
    naReason: 'no plain-channel tee: a channel value goes to exactly one consumer',
    interop: 'chanasyncTee',
    web: 'webTee',
  },
];
const INTEROP_MAX_RUN_MS = 100;
// Debug-mode rows (bench/debug.mjs), chanasync only. They run last, after interop: debug mode
// makes chanasync's core call the tracker hook, which changes its type feedback.
//   debug-hook-cost: 1:1 on esbuild builds of src/ with and without the hook calls (debug
//                    never enabled in any); runs first, its builds are separate copies.
//   debug-overhead:  1:1 cap 128 on dist/ with debug off, enabled, enabled + inspector connected.
//   debug-snapshot:  one snapshot() with `channels` channels, one parked pull each.
const DEBUG = {
  hookCost: { id: 'debug-hook-cost', capacities: [128, 0], n: 200_704 },
  overhead: { id: 'debug-overhead', fn: 'oneToOne', capacity: 128, n: 200_704, intervalMs: 250 },
  snapshot: { id: 'debug-snapshot', channels: 10_000 },
};
const DEBUG_IDS = Object.values(DEBUG).map((w) => w.id);
const OTHER = ['mem-idle', 'mem-parked', 'abort', SELECT_COST.id];

const args = parseArgs(process.argv.slice(2));
const quick = args.quick;
const config = {
  quick,
  rounds: args.rounds ?? (quick ? 2 : 9),
  sizeFactor: quick ? 0.25 : 1,
  maxRunMs: quick ? 30 : 120,
  // Per cell and row, after calibration: runs until the JIT has settled (suite.mjs measureRow).
  warmupMs: args.warmupMs ?? (quick ? 0 : 1000),
  runTimeoutMs: 15_000,
  memoryCount: quick ? 20_000 : 100_000,
  memoryRounds: quick ? 1 : 3,
  memoryBudgetBytes: (quick ? 16 : 64) * 1024 * 1024,
  abortSizes: quick ? [5_000, 50_000] : [10_000, 100_000],
  abortSlowMs: 2_000,
  abortRounds: quick ? 1 : 3,
  selectCostRounds: quick ? 4 : 15,
  // debug-overhead: rounds of one block per mode; a block repeats the run for at least
  // debugBlockMs, longer than the inspector's 250 ms interval so its timer fires in mode (c).
  debugRounds: quick ? 2 : 9,
  debugBlockMs: quick ? 260 : 500,
  // debug-hook-cost: rounds of one block of at least hookBlockMs per build.
  hookRounds: quick ? 4 : 15,
  hookBlockMs: quick ? 40 : 120,
  snapshotCalls: quick ? 5 : 15,
};

function parseArgs(argv) {
  const out = { quick: false, only: null, libs: null, with: [], clock: 'wall', rounds: null, warmupMs: null };
  for (const arg of argv) {
    if (arg === '--quick') out.quick = true;
    else if (/^--rounds=[1-9][0-9]*$/.test(arg)) out.rounds = Number(arg.slice(9));
    else if (/^--warmup-ms=[0-9]+$/.test(arg)) out.warmupMs = Number(arg.slice(12));
    else if (arg.startsWith('--only=')) out.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--libs=')) out.libs = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--with=')) out.with.push(parseWith(arg.slice(7)));
    else if (arg === '--clock=cpu' || arg === '--clock=wall') out.clock = arg.slice(8);
    else if (arg === '--help' || arg === '-h') {
      console.log(`usage: node --expose-gc bench/run.mjs [--quick] [--only=ID,...] [--libs=NAME,...] [--with=NAME=PATH ...] [--rounds=N]
--rounds=N measured rounds per throughput row (default 9; 2 with --quick)
--warmup-ms=MS runs of each cell after its calibration, for at least MS ms, before the rounds (default 1000; 0 with --quick)
--with adds a build of chanasync (an ESM file) as a library of its own (experiments)
--clock=cpu times throughput runs by this process's CPU time (process.cpuUsage) instead of wall time
workload ids: ${[...THROUGHPUT, ...SELECT_THROUGHPUT].map((w) => w.id).join(', ')}, ${OTHER.join(', ')}, ${BATCH.map((w) => w.id).join(', ')} (or batch: both), ${INTEROP.map((w) => w.id).join(', ')} (or interop: all three), ${DEBUG_IDS.join(', ')} (or debug: all three)
libraries: ${ADAPTERS.join(', ')} (floor is always included)`);
      process.exit(0);
    } else throw new Error(`unknown argument: ${arg}`);
  }
  return out;
}

const log = (msg) => process.stderr.write(`${msg}\n`);
const wanted = (id) => !args.only || args.only.some((o) => id === o || id.startsWith(`${o}`));
const { sized, measureRow, ...measure } = createMeasurer({
  config,
  log,
  onSumError: () => {
    process.exitCode = 1;
  },
});

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function loadLibraries() {
  const names = ADAPTERS.filter((name) => name === 'floor' || !args.libs || args.libs.includes(name));
  const libs = [];
  for (const name of names) {
    const adapter = (await import(`./adapters/${name}.mjs`)).default;
    const unavailable = await adapter.load?.();
    const q = `?lib=${encodeURIComponent(name)}`;
    libs.push({
      name,
      adapter,
      unavailable,
      workloads: await import(`./workloads.mjs${q}`),
      memory: await import(`./memory.mjs${q}`),
      abort: await import(`./abort.mjs${q}`),
      interop: await import(`./interop.mjs${q}`),
    });
  }
  // --with: other builds of chanasync, each with its own adapter and module copies.
  for (const { name, path } of args.with) {
    const q = `?lib=${encodeURIComponent(name)}`;
    const adapter = (await import(`./adapters/chanasync.mjs${q}`)).default;
    const unavailable = await adapter.load(await import(pathToFileURL(path).href));
    libs.push({
      name,
      kind: 'chanasync',
      adapter,
      unavailable,
      workloads: await import(`./workloads.mjs${q}`),
      memory: await import(`./memory.mjs${q}`),
      abort: await import(`./abort.mjs${q}`),
      interop: await import(`./interop.mjs${q}`),
    });
  }
  return libs;
}

/**
 * Runs `job` (suite.mjs) on its library in this process, timed, and checks its result.
 * No forced gc() here: a full collection right before a run shrinks the young generation, and
 * the run then pays for growing it back (measured ~35% slower on 1:1), which penalizes
 * allocating libraries. Rounds interleave the libraries, so leftover garbage is shared out.
 */
function runJob(libs, job, want) {
  const lib = libs.find((l) => l.name === job.lib);
  return timed(`${job.lib} ${job.id} (${job.fn})`, want, () => execute(lib, job));
}

async function timedRun(lib, wl, n) {
  const job = jobFor(lib.name, wl, n);
  return runJob([lib], job, expected(wl, n, job.fn));
}

/** Milliseconds by the chosen clock: wall time, or this process's CPU time (--clock=cpu). */
const clock =
  args.clock === 'cpu'
    ? () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      }
    : () => performance.now();

/** Times `start()` (a promise of { sum, count }) and checks the result against `want`. */
async function timed(label, want, start) {
  const t = clock();
  const result = await withTimeout(start(), config.runTimeoutMs);
  const ms = clock() - t;
  checkResult(label, result, want);
  return ms;
}

async function runThroughput(libs, results, workloads = THROUGHPUT) {
  const rows = workloads.filter((w) => wanted(w.id));
  await measure.throughput(libs, results, rows, (job, want) => runJob(libs, job, want), config.maxRunMs);
}

/** The batch / broadcast section (suite.mjs BATCH): pushAll → pullMany, broadcast to 8. */
async function runBatch(libs, results) {
  const rows = [
    ...BATCH.filter((row) => wanted(row.id) || args.only?.includes('batch')),
    ...PROBE.filter((row) => args.only?.some((o) => row.id.startsWith(o))),
  ];
  if (rows.length === 0) return;
  await measure.batch(libs, results, rows, (job, want) => runJob(libs, job, want), config.maxRunMs);
}

/** Runs `measure(lib)` for each library, interleaved over rounds; stores medians. */
async function interleaved(libs, results, id, rounds, measure, rowIds = [id]) {
  const rows = rowIds.map((rowId) => {
    results[rowId] = Object.fromEntries(libs.map((lib) => [lib.name, cellFor(lib, id)]));
    return results[rowId];
  });
  for (let round = 0; round < rounds; round++) {
    log(`${id}: round ${round + 1}/${rounds}`);
    for (let k = 0; k < libs.length; k++) {
      const lib = libs[(k + round) % libs.length];
      if (!rows[0][lib.name].samples) continue;
      try {
        const values = await measure(lib, round);
        if (values) for (let i = 0; i < rows.length; i++) rows[i][lib.name].samples.push(values[i]);
      } catch (error) {
        log(`  ${lib.name}: ${error.message}`);
        for (const row of rows) row[lib.name] = { error: error.message };
      }
    }
  }
  for (const row of rows) for (const cell of Object.values(row)) if (cell.samples) cell.value = median(cell.samples);
}

// Object count for a memory row: config.memoryCount, unless that would
// retain more than memoryBudgetBytes (web streams are ~8 KB per channel).
const memoryCounts = {};
function memoryCount(key, bytesPerObject) {
  memoryCounts[key] ??= Math.min(
    config.memoryCount,
    Math.floor(config.memoryBudgetBytes / Math.max(bytesPerObject, 1)),
  );
  return memoryCounts[key];
}

async function runMemory(libs, results) {
  if (wanted('mem-idle')) {
    await interleaved(
      libs,
      results,
      'mem-idle',
      config.memoryRounds,
      async (lib) => {
        const m = lib.memory;
        const values = [];
        for (const capacity of [0, 128]) {
          const key = `${lib.name}/idle/${capacity}`;
          const count = memoryCount(key, await m.idleChannelBytes(lib.adapter, capacity, 1000));
          values.push(await m.idleChannelBytes(lib.adapter, capacity, count));
        }
        return values;
      },
      ['mem-idle-0', 'mem-idle-128'],
    );
  }
  if (wanted('mem-parked')) {
    await interleaved(libs, results, 'mem-parked', config.memoryRounds, async (lib) => {
      const m = lib.memory;
      const count = memoryCount(`${lib.name}/parked`, await m.parkedPullBytes(lib.adapter, 1000));
      return [await m.parkedPullBytes(lib.adapter, count)];
    });
  }
}

const slowAbort = new Set();

async function runAbort(libs, results) {
  if (!wanted('abort')) return;
  const [small, large] = config.abortSizes;
  await interleaved(
    libs,
    results,
    'abort',
    config.abortRounds,
    async (lib, round) => {
      // A library whose large run is very slow (quadratic removal) is measured once.
      if (slowAbort.has(lib.name)) return null;
      if (round === 0) await withTimeout(lib.abort.abortCost(lib.adapter, 1000, 1), config.runTimeoutMs);
      const seed = 12345 + round;
      const a = await withTimeout(lib.abort.abortCost(lib.adapter, small, seed), config.runTimeoutMs);
      const b = await withTimeout(lib.abort.abortCost(lib.adapter, large, seed), config.runTimeoutMs);
      if ((b * large) / 1e6 > config.abortSlowMs) slowAbort.add(lib.name);
      return [a, b, b / a];
    },
    ['abort-small', 'abort-large', 'abort-scaling'],
  );
  // Reference: Node's own abort cost with no channel (same module copy as floor).
  const floor = libs.find((lib) => lib.name === 'floor');
  const samples = [[], []];
  for (let round = 0; round < config.abortRounds; round++) {
    samples[0].push(await floor.abort.baselineCost(small, 12345 + round));
    samples[1].push(await floor.abort.baselineCost(large, 12345 + round));
  }
  results.abortBaseline = samples.map(median);
}

/**
 * chanasync only: the 1:1 workload with a one-case select as the pull vs the
 * plain pull, in adjacent pairs (order alternating every round); reports
 * ns/op medians and the median of the per-pair ratios select/pull.
 */
async function runSelectCost(libs, results) {
  if (!wanted(SELECT_COST.id)) return;
  const lib = libs.find((l) => l.name === 'chanasync');
  if (!lib) return;
  const rows = [];
  results.selectCost = rows;
  const n = sized(SELECT_COST.n);
  for (const capacity of SELECT_COST.capacities) {
    const row = { capacity, pull: [], select: [], ratio: [] };
    rows.push(row);
    if (lib.unavailable) {
      row.error = lib.unavailable;
      continue;
    }
    const variants = [
      { id: `${SELECT_COST.id}/pull`, fn: 'oneToOne', capacity, key: 'pull' },
      { id: `${SELECT_COST.id}/select`, fn: 'oneToOneSelect', capacity, key: 'select' },
    ];
    try {
      for (let round = -1; round < config.selectCostRounds; round++) {
        log(
          `${SELECT_COST.id} cap ${capacity}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${config.selectCostRounds}`}`,
        );
        const ns = {};
        for (const v of round % 2 ? variants : [...variants].reverse())
          ns[v.key] = ((await timedRun(lib, v, n)) * 1e6) / n;
        if (round < 0) continue;
        row.pull.push(ns.pull);
        row.select.push(ns.select);
        row.ratio.push(ns.select / ns.pull);
      }
    } catch (error) {
      if (error instanceof SumError) process.exitCode = 1;
      log(`  chanasync: ${error.message}`);
      row.error = error instanceof SumError ? 'SUM MISMATCH' : error.message;
    }
  }
  for (const row of rows) {
    if (row.error) continue;
    row.pullNs = median(row.pull);
    row.selectNs = median(row.select);
    row.value = median(row.ratio);
  }
}

async function runSelect(libs, results) {
  await runThroughput(libs, results, SELECT_THROUGHPUT);
  await runSelectCost(libs, results);
}

/**
 * Interop rows: per row, the four cells of INTEROP (floor, plain, interop, web) measured in
 * interleaved rounds like any throughput row. Throughput is n values produced per second
 * (in the tee row each value is received twice).
 */
async function runInterop(libs, results) {
  const rows = INTEROP.filter((row) => wanted(row.id) || args.only?.includes('interop'));
  if (rows.length === 0) return;
  const find = (name) => libs.find((lib) => lib.name === name);
  const floor = find('floor');
  const chan = find('chanasync');
  const web = find('web-streams');
  const chanNa = !chan
    ? 'chanasync not selected (--libs)'
    : (chan.unavailable ??
      (chan.adapter.interop ? undefined : 'dist/index.js has no from / toReadableStream / merge / broadcast'));
  const webNa = web ? web.unavailable : 'web-streams not selected (--libs)';
  results.interop = [];
  for (const row of rows) {
    // Values each one received; the tees deliver every value twice.
    const want = (n, copies) => ({ count: n * copies, sum: (copies * n * (n - 1)) / 2 });
    const params = (n, capacity = row.capacity) => ({ capacity, n, producers: row.producers });
    const cells = {};
    const runners = [];
    const add = (key, na, label, start, copies = 1) => {
      cells[key] = na ? { na } : { samples: [] };
      runners.push([key, (n) => timed(`${label} ${row.id}`, want(n, copies), () => start(n))]);
    };
    add('floor', undefined, 'floor', (n) => floor.workloads.oneToOne(floor.adapter, params(n)));
    add('plain', row.plain ? chanNa : row.naReason, 'chanasync', (n) =>
      chan.workloads[row.plain.fn](chan.adapter, params(n, row.plain.capacity)),
    );
    add(
      'interop',
      row.interop ? chanNa : row.naReason,
      'chanasync interop',
      (n) => chan.interop[row.interop](chan.adapter.interop, params(n)),
      row.copies,
    );
    add('web', webNa, 'web-streams', (n) => web.interop[row.web](params(n)), row.copies);
    results.interop.push({ ...row, cells });
    const maxRunMs = Math.min(config.maxRunMs, INTEROP_MAX_RUN_MS);
    await measureRow(row.id, cells, runners, row.n, maxRunMs);
  }
}

/**
 * Runs `run(n)` repeatedly until `ms` of wall time have passed; returns values per second of
 * wall time. Between runs it yields to the event loop (setImmediate), so that timers due (the
 * debug inspector's snapshot interval) fire, and their cost counts; the workloads themselves
 * never leave the microtask queue.
 */
async function block(run, n, ms) {
  const start = performance.now();
  let values = 0;
  let elapsed;
  do {
    await run(n);
    values += n;
    await new Promise((resolve) => setImmediate(resolve));
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (values / elapsed) * 1000;
}

/** `measure()`'s result, or { error } (SUM MISMATCH sets the exit code). */
async function guarded(label, measure) {
  try {
    return await measure();
  } catch (error) {
    if (error instanceof SumError) process.exitCode = 1;
    log(`  ${label}: ${error.message}`);
    return { error: error instanceof SumError ? 'SUM MISMATCH' : error.message };
  }
}

/**
 * debug-hook-cost: the 1:1 workload (cap 128, cap 0) on builds of src/ made by bench/debug.mjs
 * with and without the debug hook calls (plus, for context, a single-file build with the hook),
 * debug mode never enabled. Each build has its own copy of the adapter and of workloads.mjs.
 * Rounds of one block per build, the starting build rotated every round; reported as the
 * medians of the per-round ratios to the no-hook build.
 */
async function runHookCost(debugMod) {
  const wl = DEBUG.hookCost;
  log(`${wl.id}: bundling src/ with and without the hook calls (esbuild, temp dir)`);
  const built = await debugMod.buildHookVariants();
  const variants = [];
  for (const key of ['hook', 'nohook', 'single']) {
    const adapter = (await import(`./adapters/chanasync.mjs?build=${key}`)).default;
    const unavailable = await adapter.load(built[key]);
    if (unavailable) throw new Error(`${key} build: ${unavailable}`);
    variants.push({ key, adapter, workloads: await import(`./workloads.mjs?lib=chanasync-${key}`) });
  }
  const n = sized(wl.n);
  const rows = [];
  for (const capacity of wl.capacities) {
    const row = { capacity, hook: [], nohook: [], single: [], ratio: [], singleRatio: [] };
    rows.push(row);
    for (let round = -1; round < config.hookRounds; round++) {
      log(`${wl.id} cap ${capacity}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${config.hookRounds}`}`);
      const ops = {};
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(k + Math.max(round, 0)) % variants.length];
        const run = (m) =>
          timed(`chanasync (${v.key} build) ${wl.id}`, expected({ fn: 'oneToOne' }, m), () =>
            v.workloads.oneToOne(v.adapter, { capacity, n: m }),
          );
        ops[v.key] = await block(run, n, config.hookBlockMs);
      }
      if (round < 0) continue;
      for (const key of ['hook', 'nohook', 'single']) row[key].push(ops[key]);
      row.ratio.push(ops.hook / ops.nohook);
      row.singleRatio.push(ops.single / ops.nohook);
    }
    for (const key of ['hook', 'nohook', 'single', 'singleRatio']) row[`${key}Value`] = median(row[key]);
    row.value = median(row.ratio);
  }
  return { removed: built.removed, sameAsDist: built.sameAsDist, rows };
}

/**
 * debug-overhead: 1:1 cap 128 on dist/, in rounds of three blocks: (a) off first (debug
 * disabled: never enabled before the warm-up round, enabled and disabled again since), then
 * (b) enabled (no inspector) and (c) inspected (enabled + `hello`), their order alternating
 * every round (each leaves garbage for the next). Every run creates its channel after
 * enableDebug; disableDebug after each debug block. Ratios are per round, to that round's (a).
 */
async function runDebugOverhead(lib, debug, debugMod) {
  const wl = DEBUG.overhead;
  const workloads = await import('./workloads.mjs?lib=chanasync-debug');
  const n = sized(wl.n);
  const run = (m) =>
    timed(`chanasync ${wl.id}`, expected(wl, m), () =>
      workloads.oneToOne(lib.adapter, { capacity: wl.capacity, n: m }),
    );
  const out = { off: [], enabled: [], inspected: [], ratioEnabled: [], ratioInspected: [] };
  out.posted = { enabled: 0, inspected: 0, inspectedMs: 0 };
  for (let round = -1; round < config.debugRounds; round++) {
    log(`${wl.id}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${config.debugRounds}`}`);
    const ops = { off: await block(run, n, config.debugBlockMs) };
    const debugModes = [
      ['enabled', false],
      ['inspected', true],
    ];
    for (const [key, inspector] of round % 2 ? debugModes : debugModes.reverse()) {
      const t = performance.now();
      const counts = debugMod.enable(debug, { inspector, intervalMs: wl.intervalMs, stacks: false });
      try {
        ops[key] = await block(run, n, config.debugBlockMs);
      } finally {
        debug.disableDebug();
      }
      if (round < 0) continue;
      out.posted[key] += counts.snapshots;
      if (inspector) out.posted.inspectedMs += performance.now() - t;
    }
    if (round < 0) continue;
    for (const key of ['off', 'enabled', 'inspected']) out[key].push(ops[key]);
    out.ratioEnabled.push(ops.enabled / ops.off);
    out.ratioInspected.push(ops.inspected / ops.off);
  }
  for (const key of ['off', 'enabled', 'inspected', 'ratioEnabled', 'ratioInspected']) {
    out[`${key}Value`] = median(out[key]);
  }
  return out;
}

/** debug-snapshot: snapshot() of DEBUG.snapshot.channels channels with one parked pull each. */
async function runDebugSnapshot(lib, debug, debugMod) {
  const { id, channels } = DEBUG.snapshot;
  const rows = [];
  for (const stacks of [false, true]) {
    log(`${id}: ${channels} channels with a parked pull each, stacks: ${stacks}`);
    const r = await guarded(`${id} stacks ${stacks}`, () =>
      debugMod.snapshotCost(debug, lib.adapter.make, { channels, calls: config.snapshotCalls, warmup: 3, stacks }),
    );
    if (r.ms) Object.assign(r, { value: median(r.ms), stringify: median(r.stringifyMs) });
    rows.push({ stacks, channels, ...r });
  }
  return rows;
}

/** The debug-* rows (chanasync only): hook cost, debug-mode overhead, snapshot cost. */
async function runDebug(libs, results) {
  if (!DEBUG_IDS.some(wanted)) return;
  const lib = libs.find((l) => l.name === 'chanasync');
  const na = lib ? lib.unavailable : 'chanasync not selected (--libs)';
  const debugMod = await import('./debug.mjs');
  const debug = na ?? (await debugMod.loadDebug());
  const out = {};
  results.debug = out;
  if (wanted(DEBUG.hookCost.id)) {
    out.hookCost = na ? { na } : await guarded(DEBUG.hookCost.id, () => runHookCost(debugMod));
  }
  if (wanted(DEBUG.overhead.id)) {
    out.overhead =
      typeof debug === 'string'
        ? { na: debug }
        : await guarded(DEBUG.overhead.id, () => runDebugOverhead(lib, debug, debugMod));
  }
  if (wanted(DEBUG.snapshot.id)) {
    out.snapshot = typeof debug === 'string' ? { na: debug } : await runDebugSnapshot(lib, debug, debugMod);
  }
}

if (typeof globalThis.gc !== 'function') {
  console.error('run with: node --expose-gc bench/run.mjs');
  process.exit(2);
}
const started = performance.now();
const libs = await loadLibraries();
for (const lib of libs) if (lib.unavailable) log(`${lib.name}: ${lib.unavailable}`);
const results = {};
for (const phase of [runThroughput, runMemory, runAbort, runSelect, runBatch, runInterop, runDebug]) {
  const t = performance.now();
  await phase(libs, results);
  log(`${phase.name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const report = formatReport({
  libs: libs.map((lib) => lib.name),
  notes: Object.fromEntries(libs.map((lib) => [lib.name, lib.adapter.note])),
  results,
  config,
  argv: process.argv.slice(2),
  seconds: (performance.now() - started) / 1000,
  runtime:
    args.clock === 'cpu'
      ? `Node ${process.version} (${process.platform}/${process.arch}); runs timed by the process's CPU time`
      : undefined,
});
console.log(report);
writeFileSync(new URL('./results.md', import.meta.url), `${report}\n`);
