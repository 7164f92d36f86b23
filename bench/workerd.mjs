// Benchmark runner for workerd: node bench/workerd.mjs [--quick] [--only=…] [--libs=…]
// (npm run bench:workerd builds dist/ first). The suite (bundle.mjs) runs as a module Worker
// in workerd through Miniflare, in-process, offline. Traps this runner avoids:
// - The clock inside a request is not to be trusted (deployed workerd freezes it; locally it
//   moves in 1 ms steps), so each run is one request timed from here, from dispatch to the
//   parsed response, minus the median of empty requests (same shape, no work) measured just
//   before each row.
// - A promise made in one request and settled in another hangs, so nothing outlives a
//   request: every run creates and finishes its channels inside its own request.
// - At most 10,000 timeouts per request: no workload uses timers (a library that does would
//   fail its run, reported as an error).
// - A MessageChannel message is delivered inside the sender's microtask checkpoint, not as a
//   macrotask: nothing here relies on a macrotask hop.
// Each library (the floor too, and each --with build) runs in a Worker of its own — its own V8
// isolate, so its own heap — as an application's Worker would: in one shared isolate, the
// garbage a slow peer left was collected during whichever runs came next, and the shortest
// runs (the floor's, chanasync's) paid the largest share of it (workerd cannot be given
// --expose-gc to collect between runs). The Workers share one workerd process and its clock;
// `--isolation=process` gives each a workerd process of its own instead, and times a run by
// that process's CPU time alone (not the background GC threads another library's garbage kept
// busy). Tried on 2026-12-01 (four paired runs, W1-W4 and W6): the same ratios and the same
// ±20-35% spread of rounds either way, so the shared process is not what moves chanasync's
// ratios here, and it stays the default.
import { createRequire } from 'node:module';
import { Miniflare } from 'miniflare';
import { bundleBench } from './bundle.mjs';
import { childPids, cpuClockAvailable, cpuNs } from './cpu.mjs';
import { emptyBaseline, log, parseArgs, runRemote, withTimeout } from './remote.mjs';
import { ADAPTERS } from './suite.mjs';

const COMPATIBILITY_DATE = '2026-04-01';
const EMPTY_REQUESTS = 15;
const URL_BASE = 'http://bench.local';

const argv = process.argv.slice(2);
/** `--isolation=isolate` (default): one workerd process, a Worker per library; `process`: a workerd process per library. */
const isolation = argv.find((arg) => arg.startsWith('--isolation='))?.slice('--isolation='.length) ?? 'isolate';
if (isolation !== 'process' && isolation !== 'isolate') {
  throw new Error(`--isolation must be process or isolate, got ${isolation}`);
}
/** Whether each library has a workerd process of its own. */
const own = isolation === 'process';
const args = parseArgs(
  argv.filter((arg) => !arg.startsWith('--isolation=')),
  'node bench/workerd.mjs',
);
// CPU time by default here, where /proc has it: an empty request costs 2-50 ms of wall time on
// a loaded machine (Node's HTTP client and loopback, not workerd) but ~1 ms of workerd's CPU.
if (!argv.some((arg) => arg.startsWith('--clock=')) && cpuClockAvailable()) args.clock = 'cpu';
const names = ADAPTERS.filter((name) => name === 'floor' || !args.libs || args.libs.includes(name));

log('bundling the bench for workerd (esbuild): one Worker per library');
/** [{ lib, worker, code }] in column order: each library, and each --with build, alone in its bundle. */
const bundles = [];
for (const name of names) bundles.push({ lib: name, worker: `lib-${bundles.length}`, names: [name], extra: [] });
for (const build of args.with)
  bundles.push({ lib: build.name, worker: `lib-${bundles.length}`, names: [], extra: [build] });
for (const bundle of bundles) bundle.code = (await bundleBench('workerd', bundle.names, bundle.extra)).code;
// The module listed explicitly: Miniflare's dependency scan refuses the (never executed)
// dynamic import in the chanasync adapter's Node path.
const workerOptions = ({ worker, code }) => ({
  name: worker,
  modules: [{ type: 'ESModule', path: 'bench.mjs', contents: code }],
  compatibilityDate: COMPATIBILITY_DATE,
});
/** The Miniflare instances: one per library, or one for all of them. */
const instances = [];
let exitCode = 1;
try {
  /** Each library's Worker and the clock of the workerd process it runs in, by library name. */
  const workers = new Map();
  const groups = own ? bundles.map((bundle) => [bundle]) : [bundles];
  for (const group of groups) {
    const known = new Set(childPids(process.pid, /workerd/));
    const mf = new Miniflare({ workers: group.map(workerOptions), cf: false });
    instances.push(mf);
    await mf.ready;
    // --clock=cpu: the CPU time of the workerd process (all its threads) around the request.
    const started = childPids(process.pid, /workerd/).filter((pid) => !known.has(pid));
    if (args.clock === 'cpu' && started.length !== 1) {
      throw new Error(`--clock=cpu: expected one new workerd child process, found ${started.length}`);
    }
    const pid = started[0];
    const clock = args.clock === 'cpu' ? () => cpuNs(pid) / 1e6 : () => performance.now();
    for (const { lib, worker } of group) workers.set(lib, { worker: await mf.getWorker(worker), clock });
  }
  /** POSTs `job` to its library's Worker; resolves with the parsed response and the time (wall or CPU) around it. */
  const post = async (job) => {
    const { worker, clock } = workers.get(job.lib);
    const start = clock();
    const response = await worker.fetch(`${URL_BASE}/run`, { method: 'POST', body: JSON.stringify(job) });
    const body = await response.json();
    const ms = clock() - start;
    if (body.error) throw new Error(`${job.lib} ${job.id}: ${body.error.split('\n')[0]}`);
    return { body, ms };
  };
  // The cost of a request that does nothing, re-measured before each row (the measurer asks
  // for the warm-up run of a row's first cell first: keyed by row id), in each library's own
  // process when each has one.
  const emptyCosts = new Map();
  const emptyCost = (lib, id) => {
    const key = own ? lib : 'floor';
    if (!emptyCosts.has(key)) {
      emptyCosts.set(
        key,
        emptyBaseline(async (job) => (await post({ ...job, lib: key })).ms, EMPTY_REQUESTS),
      );
    }
    return emptyCosts.get(key)(id);
  };
  const info = [];
  for (const { lib } of bundles) {
    const libs = await (await workers.get(lib).worker.fetch(`${URL_BASE}/info`)).json();
    if (libs.error) throw new Error(`the ${lib} worker failed to load its adapter: ${libs.error}`);
    info.push(...libs);
  }
  const workerdVersion = createRequire(import.meta.url)('workerd/package.json').version;
  const timing = `each library in a Worker (isolate) of its own, ${own ? 'in a workerd process of its own' : 'all in one workerd process'}; each run is one request, ${
    args.clock === 'cpu'
      ? `timed by the CPU time of ${own ? 'its' : 'the'} workerd process`
      : 'timed from outside (wall time)'
  } minus an empty request`;
  const session = {
    libs: info,
    runtime: `workerd ${workerdVersion} through Miniflare (in-process, compatibility date ${COMPATIBILITY_DATE}); ${timing}`,
    async run(job, timeoutMs) {
      const base = await emptyCost(job.lib, job.id);
      const { body, ms } = await withTimeout(post(job), timeoutMs, `${job.lib} ${job.id}`);
      return { result: body, ms: Math.max(ms - base, 0.001) };
    },
  };
  exitCode = await runRemote({
    session,
    args,
    command: 'bench/workerd.mjs',
    argv,
    // Runs twice the Node size (~50-250 ms): an empty request costs 2-5 ms here, and its
    // jitter is then a few percent of a run instead of ~10%.
    scale: 2,
    extraNotes: () => [
      `Empty request (${args.clock} time, subtracted from every run${own ? ", measured in each library's process" : ''}): ${[
        ...emptyCosts.values(),
      ]
        .flatMap((baseline) => baseline.values())
        .map((ms) => ms.toFixed(2))
        .join(', ')} ms (median of ${EMPTY_REQUESTS} before each row). Runs are twice the Node runner's size.`,
    ],
  });
} finally {
  await Promise.all(instances.map((mf) => mf.dispose()));
}
process.exitCode = exitCode;
