// Instructions per operation on the hot paths, counted by valgrind's callgrind — deterministic
// where wall-clock timing on a shared machine is not. For a change to the core: run it on the
// tree before and after, and compare.
//
// Usage: node scripts/instructions.mjs [--src DIR] [--deno] [harness …]
//   --src    the source tree to measure (default: src); its index.ts is bundled with esbuild
//   --deno   run the harnesses in Deno (the pinned devDependency: V8 15.0, the generation of
//            Chromium's and workerd's V8) instead of this Node (V8 11.3), with the same flags.
//            Only the synchronous harnesses (try, try-warm, mixed): Deno's counts of the ones
//            that await are not understood (buffered: 21 instructions for a push, a pull and two
//            awaits). Runs made one after the other agree within 0.1%, but the counts of one
//            tree moved by up to 7% between such series: compare trees in one series, alternating.
//   harness  any of: try, try-warm, mixed, unbuffered, iterate, buffered, select, select1, select4, batch, fanin-floor,
//            batch-floor, w1, w2 (default: all), in scripts/instructions/. w1 and w2 are the bench's W1
//            and W2 with its adapter's extra call (V8's inlining budget then differs). batch is W7 (pullMany(64)
//            fan-in), fanin-floor the floor's W3 at W7's capacity (W7's base), batch-floor the
//            floor given a batch take with the same commit rules (what a minimal channel spends
//            per W7 value).
//
// Each harness runs twice under `valgrind --tool=callgrind node --single-threaded --predictable`
// (V8 then compiles and collects garbage on the main thread, in the same order every run),
// with a small and a large number of rounds; instructions per op = the difference between the
// two runs ÷ the extra ops, so start-up and compilation cancel out. Repeat runs agree within
// about 0.1%. Needs valgrind; takes about a minute per harness.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = fileURLToPath(new URL('./instructions/', import.meta.url));
/** Deno's binary (the `deno` devDependency), for --deno. */
const DENO = fileURLToPath(new URL('../node_modules/.bin/deno', import.meta.url));

/** Ops per round of each harness, and the two round counts. */
const HARNESSES = {
  try: { opsPerRound: 2048, rounds: [200, 2200] },
  'try-warm': { opsPerRound: 2048, rounds: [200, 2200] },
  mixed: { opsPerRound: 3 * 20 * 128, rounds: [50, 550] },
  unbuffered: { opsPerRound: 1, rounds: [2000, 12000] },
  iterate: { opsPerRound: 1, rounds: [2000, 12000] },
  buffered: { opsPerRound: 1, rounds: [2000, 12000] },
  select: { opsPerRound: 1, rounds: [2000, 12000] },
  select1: { opsPerRound: 1, rounds: [2000, 12000] },
  select4: { opsPerRound: 1, rounds: [4000, 24000] },
  batch: { opsPerRound: 64, rounds: [200, 1200] },
  'fanin-floor': { opsPerRound: 64, rounds: [200, 1200] },
  'batch-floor': { opsPerRound: 64, rounds: [200, 1200] },
  w1: { opsPerRound: 1, rounds: [10000, 60000] },
  w2: { opsPerRound: 1, rounds: [10000, 60000] },
};

const args = process.argv.slice(2);
const srcAt = args.indexOf('--src');
const src = resolve(srcAt < 0 ? 'src' : args[srcAt + 1]);
const inDeno = args.includes('--deno');
const names = args.filter((arg, i) => arg !== '--deno' && (srcAt < 0 || (i !== srcAt && i !== srcAt + 1)));
/** The harnesses whose counts under Deno make sense (see --deno). */
const IN_DENO = ['try', 'try-warm', 'mixed'];
const chosen = names.length ? names : inDeno ? IN_DENO : Object.keys(HARNESSES);
const notInDeno = inDeno ? chosen.filter((name) => !IN_DENO.includes(name)) : [];
if (notInDeno.length)
  throw new Error(`instructions: --deno runs only ${IN_DENO.join(', ')}, not ${notInDeno.join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'chanasync-instructions-'));
try {
  const bundle = join(dir, 'index.js');
  await esbuild.build({
    entryPoints: [join(src, 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile: bundle,
    logLevel: 'error',
  });
  for (const name of chosen) {
    const harness = HARNESSES[name];
    if (!harness) throw new Error(`instructions: no harness ${name} (${Object.keys(HARNESSES).join(', ')})`);
    const [small, large] = harness.rounds.map((rounds) => count(join(HERE, `${name}.mjs`), bundle, rounds));
    const perOp = (large - small) / ((harness.rounds[1] - harness.rounds[0]) * harness.opsPerRound);
    console.log(`${name.padEnd(12)} ${perOp.toFixed(1)} instructions/op`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Instructions callgrind collected for one run of `harness` with `rounds`. */
function count(harness, bundle, rounds) {
  const flags = ['--single-threaded', '--predictable'];
  const command = inDeno
    ? [
        DENO,
        'run',
        '--no-config',
        '--no-code-cache',
        '--allow-read',
        `--v8-flags=${flags.join(',')}`,
        harness,
        bundle,
        String(rounds),
      ]
    : [process.execPath, ...flags, harness, bundle, String(rounds)];
  const run = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...command], {
    encoding: 'utf8',
  });
  const collected = /Collected : (\d+)/.exec(run.stderr ?? '');
  if (run.status !== 0 || !collected) throw new Error(`instructions: ${harness} failed\n${run.stderr ?? run.error}`);
  return Number(collected[1]);
}
