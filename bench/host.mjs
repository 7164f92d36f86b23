// The side of the Chromium and workerd runners that lives inside the runtime under test
// (bundled by bundle.mjs with every adapter and one copy of workloads.mjs per library):
// it loads the adapters once and then executes one job (suite.mjs) per call. Runtime-neutral.
import { execute } from './suite.mjs';

/**
 * `entries`: [{ name, adapter, workloads }] in column order; `chanasync`: the chanasync module
 * bundled from dist/index.js (undefined when dist/ was not built). Returns the host:
 * - `init()` loads every adapter once and resolves with [{ name, unavailable, na, note }];
 * - `run(job)` resolves with the job's { sum, count };
 * - `timed(job)` resolves with { result, ms }, ms from the runtime's own clock (Chromium;
 *   never used in workerd, whose clock is not to be trusted inside a request).
 */
export function createHost(entries, chanasync) {
  const libs = new Map();
  let loaded;

  async function load() {
    const info = [];
    for (const { name, adapter, workloads } of entries) {
      let unavailable;
      if (name === 'chanasync') {
        unavailable = chanasync ? await adapter.load(chanasync) : 'dist/index.js not built when the bench was bundled';
      } else {
        unavailable = await adapter.load?.();
      }
      libs.set(name, { name, adapter, workloads, unavailable });
      info.push({ name, unavailable, na: adapter.na ?? {}, note: adapter.note });
    }
    return info;
  }

  function run(job) {
    const lib = libs.get(job.lib);
    if (!lib) return Promise.reject(new Error(`unknown library ${job.lib}`));
    return execute(lib, job);
  }

  return {
    init() {
      loaded ??= load();
      return loaded;
    },
    run,
    async timed(job) {
      const start = performance.now();
      const result = await run(job);
      return { result, ms: performance.now() - start };
    },
  };
}
