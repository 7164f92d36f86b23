// The side of the Chromium and workerd runners that lives inside the runtime under test
// (bundled by bundle.mjs with every adapter and one copy of workloads.mjs per library):
// it loads the adapters once and then executes one job (suite.mjs) per call. Runtime-neutral.
import { execute } from './suite.mjs';

/**
 * `entries`: [{ name, adapter, workloads, module? }] in column order; an entry with a
 * `module` key is a build of chanasync (dist/index.js, or an experiment's build) that the
 * adapter is loaded with — `undefined` when it was not built. `debug`: dist/debug.js, for the
 * debug rows (browser bundle only). Returns the host:
 * - `init()` loads every adapter once and resolves with [{ name, kind, unavailable, na, note }]
 *   (kind 'chanasync' for another build of chanasync);
 * - `run(job)` resolves with the job's { sum, count } ({ 0, 0 } for the empty job, fn 'none');
 * - `timed(job)` resolves with { result, ms }, ms from the runtime's own clock (Chromium;
 *   never used in workerd, whose clock is not to be trusted inside a request).
 */
export function createHost(entries, { debug } = {}) {
  const libs = new Map();
  let loaded;
  // Debug mode (DEBUG_ROWS, browser bundle only): the mode it is in, and the snapshots posted.
  let debugMode = 'off';
  const posted = { snapshots: 0 };
  const listen = debug ? new EventTarget() : undefined;

  /** Switches debug mode to `mode` ('off' | 'enabled' | 'inspected'), as bench/debug.mjs does in Node. */
  function setDebugMode(mode) {
    if (mode === debugMode) return;
    if (debugMode !== 'off') debug.disableDebug();
    debugMode = mode;
    if (mode === 'off') return;
    const target = {
      postMessage(message) {
        if (message.type === 'snapshot') posted.snapshots++;
      },
    };
    debug.enableDebug({ target, listen, intervalMs: 250, stacks: false });
    if (mode === 'inspected') {
      listen.dispatchEvent(
        new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
      );
    }
  }

  async function load() {
    const info = [];
    for (const entry of entries) {
      const { name, adapter, workloads } = entry;
      let unavailable;
      if ('module' in entry) {
        unavailable = entry.module ? await adapter.load(entry.module) : 'not built when the bench was bundled';
      } else {
        unavailable = await adapter.load?.();
      }
      libs.set(name, { name, adapter, workloads, unavailable });
      const kind = 'module' in entry && name !== 'chanasync' ? 'chanasync' : undefined;
      const na = { ...adapter.na };
      if (name === 'chanasync' && !debug) na.debug = 'no debug mode in this runtime’s bundle (dist/debug.js)';
      info.push({ name, kind, unavailable, na, note: adapter.note });
    }
    return info;
  }

  function run(job) {
    // The empty job: a runner's baseline for what a call costs without any work.
    if (job.fn === 'none') return Promise.resolve({ sum: 0, count: 0 });
    // Every job but a debug row's runs with debug mode off.
    if (debug) setDebugMode(job.debug ?? 'off');
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
    /** Snapshots posted to the simulated inspector so far (debug rows). */
    debugStats: () => ({ ...posted }),
    async timed(job) {
      const start = performance.now();
      const result = await run(job);
      return { result, ms: performance.now() - start };
    },
  };
}
