// The driver shared by the runners whose workloads run outside this Node process
// (chromium.mjs, workerd.mjs): the same rows, rounds, calibration and sum checks as run.mjs
// (suite.mjs), with each run executed by the runtime under test through `session.run(job)`.
// Node only. The report goes to stdout and to bench/results.md.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatReport } from './report.mjs';
import {
  ADAPTERS,
  BATCH,
  checkResult,
  createMeasurer,
  DEBUG_ROWS,
  median,
  PROBE,
  ROW_IDS,
  SELECT_THROUGHPUT,
  THROUGHPUT,
} from './suite.mjs';

export const log = (msg) => process.stderr.write(`${msg}\n`);

/**
 * Parses [--quick] [--only=id,...] [--libs=name,...] [--with=name=path ...]; prints usage for
 * --help. `--with` adds a build of chanasync (an ESM file, e.g. an experiment's bundle) as a
 * library of its own, driven by the chanasync adapter; repeatable.
 */
export function parseArgs(argv, usage) {
  const out = {
    quick: false,
    only: null,
    libs: null,
    with: [],
    clock: 'wall',
    rounds: null,
    warmupMs: null,
    order: 'rotated',
  };
  for (const arg of argv) {
    if (arg === '--quick') out.quick = true;
    else if (/^--rounds=[1-9][0-9]*$/.test(arg)) out.rounds = Number(arg.slice(9));
    else if (/^--warmup-ms=[0-9]+$/.test(arg)) out.warmupMs = Number(arg.slice(12));
    else if (arg.startsWith('--only=')) out.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--libs=')) out.libs = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--with=')) out.with.push(parseWith(arg.slice(7)));
    else if (arg === '--clock=cpu' || arg === '--clock=wall') out.clock = arg.slice(8);
    else if (arg === '--order=shuffled' || arg === '--order=rotated') out.order = arg.slice(8);
    else if (arg === '--help' || arg === '-h') {
      console.log(`usage: ${usage} [--quick] [--only=ID,...] [--libs=NAME,...] [--with=NAME=PATH ...] [--clock=wall|cpu] [--rounds=N] [--warmup-ms=MS] [--order=rotated|shuffled]
--rounds=N measured rounds per row (default: the runner's; 2 with --quick)
--warmup-ms=MS runs of each cell after its calibration, for at least MS ms, before the rounds (default 1000, times the runner's scale: 2000 in workerd; 0 with --quick)
--order=shuffled runs the libraries in a new random order every round (default: column order, start rotated)
--clock=cpu times each run by the CPU time of the runtime's process (Linux) instead of wall time
workload ids: ${ROW_IDS.join(', ')} (prefixes work; batch = the batch section)
libraries: ${ADAPTERS.join(', ')} (floor is always included)`);
      process.exit(0);
    } else throw new Error(`unknown argument: ${arg}`);
  }
  return out;
}

/**
 * Runs the suite through `session`:
 * - `session.libs`: [{ name, unavailable, na, note }] as the runtime loaded them;
 * - `session.run(job, timeoutMs)`: resolves with { result, ms } for one run of `job`;
 * - `session.runtime`: a line naming the runtime and its version;
 * - `session.debugRows`, `session.debugStats()`: whether it runs DEBUG_ROWS (debug mode's
 *   cost), and the snapshots its simulated inspector received so far.
 * `command` is how the runner is started,
 * `extraNotes()` lines to append to the report; `scale` multiplies every run's size (and the
 * calibration's time limit), for runtimes with a fixed cost per run; `rounds` is the number
 * of measured rounds per row (`--rounds=N` overrides it, `--quick` makes it 2).
 * Returns the exit code (1 if a run returned a wrong sum or count).
 */
export async function runRemote({ session, args, command, argv, scale = 1, rounds = 9, extraNotes = () => [] }) {
  const started = performance.now();
  const config = {
    quick: args.quick,
    rounds: args.rounds ?? (args.quick ? 2 : rounds),
    order: args.order,
    sizeFactor: (args.quick ? 0.25 : 1) * scale,
    maxRunMs: (args.quick ? 30 : 120) * scale,
    // Per cell and row, after calibration (suite.mjs measureRow).
    warmupMs: args.warmupMs ?? (args.quick ? 0 : 1000 * scale),
    runTimeoutMs: 15_000,
  };
  let exitCode = 0;
  const measurer = createMeasurer({
    config,
    log,
    onSumError: () => {
      exitCode = 1;
    },
  });
  const wanted = (id) => !args.only || args.only.some((o) => id === o || id.startsWith(o));
  const libs = session.libs.map((lib) => ({
    name: lib.name,
    kind: lib.kind,
    unavailable: lib.unavailable,
    adapter: { na: lib.na },
  }));
  for (const lib of libs) if (lib.unavailable) log(`${lib.name}: ${lib.unavailable}`);
  const runJob = async (job, want) => {
    const { result, ms } = await session.run(job, config.runTimeoutMs);
    checkResult(`${job.lib} ${job.id} (${job.fn})`, result, want);
    return ms;
  };
  const results = {};
  const phases = [
    [
      'throughput',
      () =>
        measurer.throughput(
          libs,
          results,
          THROUGHPUT.filter((w) => wanted(w.id)),
          runJob,
          config.maxRunMs,
        ),
    ],
    [
      'select',
      () =>
        measurer.throughput(
          libs,
          results,
          SELECT_THROUGHPUT.filter((w) => wanted(w.id)),
          runJob,
          config.maxRunMs,
        ),
    ],
    [
      'batch',
      async () => {
        const rows = [
          ...BATCH.filter((row) => wanted(row.id) || args.only?.includes('batch')),
          ...PROBE.filter((row) => args.only?.some((o) => row.id.startsWith(o))),
        ];
        if (rows.length) await measurer.batch(libs, results, rows, runJob, config.maxRunMs);
      },
    ],
  ];
  if (session.debugRows) {
    phases.push([
      'debug',
      async () => {
        const rows = DEBUG_ROWS.filter((row) => wanted(row.id) || args.only?.includes('debug'));
        if (!rows.length) return;
        const before = await session.debugStats();
        const batch = results.batch;
        await measurer.batch(libs, results, rows, runJob, config.maxRunMs);
        results.debugRows = results.batch;
        results.batch = batch;
        results.debugPosted = (await session.debugStats()).snapshots - before.snapshots;
      },
    ]);
  }
  for (const [phase, run] of phases) {
    const t = performance.now();
    await run();
    log(`${phase}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const report = formatReport({
    libs: libs.map((lib) => lib.name),
    notes: Object.fromEntries(session.libs.map((lib) => [lib.name, lib.note])),
    results,
    config,
    argv,
    seconds: (performance.now() - started) / 1000,
    runtime: session.runtime,
    command,
  });
  const text = [report, '', ...extraNotes()].join('\n');
  console.log(text);
  // One report file for every runner (git and Biome ignore it); its header names the runtime.
  writeFileSync(new URL('./results.md', import.meta.url), `${text}\n`);
  return exitCode;
}

/**
 * The fixed cost of one call into the runtime, measured `count` times with the empty job
 * (fn 'none') and cached per row id: `measure(emptyJob)` -> ms. Subtracted from every run.
 */
export function emptyBaseline(measure, count = 15) {
  const cache = new Map();
  const baseline = async (id) => {
    if (!cache.has(id)) {
      const samples = [];
      for (let i = 0; i < count; i++) samples.push(await measure({ lib: 'floor', id, fn: 'none' }));
      cache.set(id, median(samples));
    }
    return cache.get(id);
  };
  baseline.values = () => [...cache.values()];
  baseline.count = count;
  return baseline;
}

/** `name=path` of a --with argument -> { name, path } with an absolute path. */
export function parseWith(spec) {
  const at = spec.indexOf('=');
  if (at <= 0 || at === spec.length - 1) throw new Error(`--with needs NAME=PATH, got ${spec}`);
  return { name: spec.slice(0, at), path: resolve(spec.slice(at + 1)) };
}

/** `promise`, or a rejection after `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
