// What every runner shares (Node: run.mjs; Chromium: chromium.mjs; workerd: workerd.mjs):
// the libraries, the throughput rows and the batch / broadcast sections, how one run of a
// row is started and checked, and the interleaved measurement of a row. Runtime-neutral (no
// Node APIs): the Chromium page and the worker bundle the parts they execute (`execute`).
//
// A *job* is one run of one workload for one library, as plain data so that it can cross to
// a page or a worker: { lib, id, fn, params }. `execute(lib, job)` runs it where the library
// lives and resolves with { sum, count }; the runner times it and checks it (`checkResult`).

/** Every library in the suite, in column order (`floor` first, always included). */
export const ADAPTERS = [
  'floor',
  'chanasync',
  'async-channel',
  'culvert',
  'queueable',
  'ts-chan',
  'it-pushable',
  'repeater',
  'effect',
  'js-csp',
  'web-streams',
];

// n = values moved per run, chosen so the floor takes roughly 20-100 ms in Node.
// `w` is the workload's number in the issues (W1-W7).
export const THROUGHPUT = [
  { id: '1:1-unbuffered', w: 'W1', fn: 'oneToOne', capacity: 0, n: 200_704 },
  { id: '1:1-cap128', w: 'W2', fn: 'oneToOne', capacity: 128, n: 200_704 },
  { id: 'fan-in', w: 'W3', fn: 'fanIn', capacity: 128, n: 200_704, producers: 64 },
  { id: 'fan-out', w: 'W4', fn: 'fanOut', capacity: 128, n: 200_704, consumers: 64 },
  { id: 'nowait', w: 'W6', fn: 'nowait', capacity: 1024, n: 4_194_304 },
  {
    id: 'nowait-throwing',
    fn: 'nowait',
    capacity: 1024,
    n: 4_194_304,
    libs: ['chanasync'],
    naReason: 'row for chanasync only (its exception-based nowait path)',
  },
  // W7: W3's 64 producers (each awaiting its push) into capacity 64, one consumer taking
  // batches of up to 64. The floor has no batch take: its cell runs its per-value fan-in with
  // the same producers and capacity (floorFn), so the row is a ratio to that.
  {
    id: 'batch-fan-in',
    w: 'W7',
    fn: 'batchFanIn',
    floorFn: 'fanIn',
    capacity: 64,
    n: 200_704,
    producers: 64,
    max: 64,
    libs: ['chanasync', 'effect'],
    naReason: 'no batch take (row covers chanasync pullMany, effect Queue.takeBetween)',
  },
];

// W5. The floor has no select: in this row it runs its plain 1:1 workload at the same
// capacity (floorFn), so the ratio is to the floor's plain 1:1 throughput.
export const SELECT_THROUGHPUT = [
  {
    id: 'select-4to1',
    w: 'W5',
    fn: 'selectFanIn',
    floorFn: 'oneToOne',
    capacity: 0,
    n: 200_704,
    channels: 4,
    libs: ['chanasync', 'ts-chan', 'js-csp'],
    naReason: 'no Go-style select over channels (row covers chanasync, ts-chan, js-csp)',
  },
];

/**
 * Batch and broadcast section (chanasync; the floor as the base of each row). Each row has
 * named cells instead of one per library: [key, lib, fn, label]. `copies` = values received
 * per value produced (the sum check); ops/s are values produced per second, i.e. per
 * subscriber in the broadcast row.
 */
export const BATCH = [
  {
    id: 'pushall-batch',
    capacity: 64,
    n: 401_408,
    batch: 64,
    cells: [
      ['floor', 'floor', 'oneToOne', 'floor 1:1, per value (base)'],
      ['pushAll', 'chanasync', 'pushAllBatches', 'chanasync pushAll(64) → pullMany(64)'],
      ['bare', 'floor', 'bareBatches', 'bare loop, no channel'],
    ],
  },
  {
    id: 'broadcast-8',
    capacity: 128,
    n: 50_176,
    subscribers: 8,
    copies: 8,
    cells: [
      ['floor', 'floor', 'separateFanOut', 'floor, 8 channels fed by one loop (base)'],
      ['separate', 'chanasync', 'separateFanOut', 'chanasync, 8 channels fed by one loop'],
      ['broadcast', 'chanasync', 'broadcastFanOut', 'chanasync broadcast, 8 subscribers'],
    ],
  },
];

/**
 * Opt-in (`--only=probe`), for profiling across runtimes: what a W1 value costs against
 * promise operations alone, ops/s of each. Same cell layout as BATCH.
 */
export const PROBE = [
  {
    id: 'probe-promises',
    capacity: 0,
    n: 200_704,
    optIn: true,
    cells: [
      ['floor', 'floor', 'oneToOne', 'floor W1 (1:1, cap 0), per value (base)'],
      ['chanasync', 'chanasync', 'oneToOne', 'chanasync W1, per value'],
      ['handoff', 'floor', 'microHandoff', 'no channel: W1’s hand-off, one `new Promise` + 2 awaits per value'],
      ['newPromise', 'floor', 'microNewPromise', '`await new Promise((r) => r(i))`, per await'],
      ['await', 'floor', 'microAwaitResolved', '`await` of a resolved promise, per await'],
    ],
  },
];

/**
 * Debug mode's cost in a browser (chromium.mjs; Node measures it in run.mjs): W2 (1:1, cap
 * 128) on dist/ with debug mode off, enabled with no inspector, and enabled with an inspector
 * connected. The fifth element of a cell is the debug mode the host switches to before the
 * run (every other job runs with debug mode off). Ratios are to the `off` cell.
 */
export const DEBUG_ROWS = [
  {
    id: 'debug-overhead',
    capacity: 128,
    n: 200_704,
    base: 'off',
    cells: [
      ['off', 'chanasync', 'oneToOne', '(a) debug mode off (disabled)', 'off'],
      ['enabled', 'chanasync', 'oneToOne', '(b) enabled, no inspector', 'enabled'],
      ['inspected', 'chanasync', 'oneToOne', '(c) enabled, inspector connected', 'inspected'],
    ],
  },
];

/** Workload ids of every row and section above. */
export const ROW_IDS = [...THROUGHPUT, ...SELECT_THROUGHPUT, ...BATCH, ...PROBE, ...DEBUG_ROWS].map((w) => w.id);

/** Thrown when a run returned a wrong sum or count (the runner exits non-zero). */
export class SumError extends Error {}

export const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The { sum, count } a run of `wl` with `n` values must return. */
export function expected(wl, n, fn = wl.fn) {
  const count = fn === 'nowait' ? Math.ceil(n / wl.capacity) * wl.capacity : n;
  const copies = wl.copies ?? 1;
  return { count: count * copies, sum: (copies * count * (count - 1)) / 2 };
}

/** Throws a SumError unless `result` is what `want` says. */
export function checkResult(label, result, want) {
  if (result?.sum !== want.sum || result?.count !== want.count) {
    throw new SumError(`${label}: got sum ${result?.sum} count ${result?.count}, want ${want.sum} / ${want.count}`);
  }
}

/** The parameters every workload function takes, from a row and a size. */
export const paramsOf = (wl, n) => ({
  capacity: wl.capacity,
  n,
  producers: wl.producers,
  consumers: wl.consumers,
  channels: wl.channels,
  max: wl.max,
  batch: wl.batch,
  subscribers: wl.subscribers,
});

/** The job of one run of throughput row `wl` for library `lib` with `n` values. */
export function jobFor(libName, wl, n) {
  return {
    lib: libName,
    id: wl.id,
    fn: libName === 'floor' && wl.floorFn ? wl.floorFn : wl.fn,
    params: paramsOf(wl, n),
  };
}

/**
 * Starts `job` on `lib` ({ adapter, workloads }): the adapter's custom workload for the row
 * if it has one (Effect fibers, js-csp go blocks), else the shared workload function run
 * through the adapter. Resolves with { sum, count }.
 */
export function execute(lib, job) {
  const custom = lib.adapter.custom?.[job.id];
  return custom ? custom(job.params) : lib.workloads[job.fn](lib.adapter, job.params);
}

/**
 * Cell state for one (row, library): { samples: [] }, or { na } with the reason. A library
 * with `kind` (a --with build of chanasync) counts as that library for a row's `libs`.
 */
export function cellFor(lib, id, wl) {
  if (wl?.libs && lib.name !== 'floor' && !wl.libs.includes(lib.kind ?? lib.name)) return { na: wl.naReason };
  if (lib.unavailable) return { na: lib.unavailable };
  const reason = lib.adapter.na?.[id];
  return reason ? { na: reason } : { samples: [] };
}

/** The most warm-up runs per cell after calibration (see `warmupMs`). */
const WARMUP_RUNS = 40;

/**
 * The measurement loop every runner uses. `config`: { rounds, sizeFactor, warmupMs, … };
 * `log(msg)` for progress; `onSumError()` is called when a run returned a wrong result.
 */
export function createMeasurer({ config, log, onSumError }) {
  let seed = 0x9e3779b9;
  /** Fisher–Yates with a small seeded generator (xorshift32): the same orders on every run. */
  const shuffle = (list) => {
    for (let i = list.length - 1; i > 0; i--) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const j = (seed >>> 0) % (i + 1);
      [list[i], list[j]] = [list[j], list[i]];
    }
  };
  /** The base n of a row, scaled by sizeFactor and rounded to a multiple of 1024. */
  const sized = (n) => Math.round((n * config.sizeFactor) / 1024) * 1024;

  /**
   * Interleaved throughput rounds for one row. `runners` are [cellKey, run(n) -> ms] pairs,
   * run round-robin with the start rotated every round; a cell without `samples` (n/a) is
   * skipped. The warm-up round doubles as calibration: a runner slower than `maxRunMs` at
   * the base n gets a proportionally smaller n (a runner that would take over 4 × maxRunMs
   * at the base n is sized from its run at n/16 alone); then each runner runs at its size for
   * at least `config.warmupMs` (0: no more), so that the rounds measure settled code. Cells
   * get `n`, `samples` (ops/s), `value` (median), or `error`.
   */
  async function measureRow(id, cells, runners, n, maxRunMs) {
    const sizes = {};
    const baseN = sized(n);
    // `--order=shuffled`: a random order every round (seeded, so a rerun repeats it), so that no
    // library follows the same neighbour round after round, as it does when only the start
    // rotates; the warm-up keeps column order.
    const order = runners.map((_, k) => k);
    for (let round = -1; round < config.rounds; round++) {
      log(`${id}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${config.rounds}`}`);
      if (config.order === 'shuffled' && round >= 0) shuffle(order);
      for (let k = 0; k < runners.length; k++) {
        const [key, run] = runners[config.order === 'shuffled' ? order[k] : (k + Math.max(round, 0)) % runners.length];
        const cell = cells[key];
        if (!cell.samples) continue;
        try {
          if (round < 0) {
            // Warm-up doubles as calibration: shrink n for slow runners. A first run at 1/16
            // of n (at least 4096) keeps a very slow runner (js-csp in Chromium: ~25k values/s)
            // from spending the whole run timeout on a warm-up at full size.
            const probeN = Math.min(baseN, Math.max(4096, Math.round(baseN / 16 / 1024) * 1024));
            const probeMs = await run(probeN);
            const n = probeMs * (baseN / probeN) > maxRunMs * 4 ? probeN : baseN;
            const ms = n === baseN ? await run(baseN) : (probeMs * baseN) / probeN;
            const scaled = ms > maxRunMs ? (baseN * maxRunMs) / ms : baseN;
            sizes[key] = Math.max(4096, Math.round(scaled / 1024) * 1024);
            cell.n = sizes[key];
            // Then runs at that size until the JIT has settled: for at least `warmupMs` (at most
            // WARMUP_RUNS runs). V8 tiers a workload up over several runs — Ignition, Maglev,
            // Turbofan, with deopts on the way (`sum` leaving the small-integer range) — and in
            // Chromium both W6 cells still climbed for about ten 4M-value runs (the floor from
            // ~50 to ~179M/s, chanasync to ~186M/s, `--js-flags=--trace-deopt`): with one
            // warm-up run, half of the 21 rounds measured that climb, and the ratio was whichever
            // of the two happened to settle first (0.62–0.84 for the same build).
            let warmed = 0;
            for (let runs = 0; warmed < config.warmupMs && runs < WARMUP_RUNS; runs++) warmed += await run(sizes[key]);
          } else {
            const size = sizes[key];
            cell.samples.push((size / (await run(size))) * 1000);
          }
        } catch (error) {
          if (error instanceof SumError) onSumError();
          log(`  ${key}: ${error.message}`);
          cells[key] = { error: error instanceof SumError ? 'SUM MISMATCH' : error.message };
        }
      }
    }
    for (const cell of Object.values(cells)) if (cell.samples) cell.value = median(cell.samples);
  }

  /**
   * Measures the throughput rows `workloads` (main table) for `libs` ([{ name, unavailable,
   * adapter: { na } }]); `runJob(job, want) -> ms` runs and checks one job. Stores the cells
   * in results[id].
   */
  async function throughput(libs, results, workloads, runJob, maxRunMs) {
    for (const wl of workloads) {
      const cells = Object.fromEntries(libs.map((lib) => [lib.name, cellFor(lib, wl.id, wl)]));
      results[wl.id] = cells;
      const runners = libs.map((lib) => [
        lib.name,
        (n) => {
          const job = jobFor(lib.name, wl, n);
          return runJob(job, expected(wl, n, job.fn));
        },
      ]);
      await measureRow(wl.id, cells, runners, wl.n, maxRunMs);
    }
  }

  /**
   * Measures the BATCH rows `rows` for `libs`; results.batch = [{ ...row, layout, cells }]
   * (layout: the row's [key, lib, fn, label] list; cells: key -> cell). A cell
   * is n/a when its library is missing or cannot run the cell's workload (adapter.na[fn]).
   */
  async function batch(libs, results, rows, runJob, maxRunMs) {
    results.batch = [];
    for (const row of rows) {
      const cells = {};
      const runners = [];
      for (const [key, libName, fn, , debug] of row.cells) {
        const lib = libs.find((l) => l.name === libName);
        const na = !lib
          ? `${libName} not selected (--libs)`
          : (lib.unavailable ?? lib.adapter.na?.[debug ? 'debug' : fn]);
        cells[key] = na ? { na } : { samples: [] };
        const wl = { ...row, fn };
        const job = (n) => ({ lib: libName, id: row.id, fn, params: paramsOf(row, n), ...(debug && { debug }) });
        runners.push([key, (n) => runJob(job(n), expected(wl, n))]);
      }
      results.batch.push({ ...row, layout: row.cells, cells });
      await measureRow(row.id, cells, runners, row.n, maxRunMs);
    }
  }

  return { sized, measureRow, throughput, batch };
}
