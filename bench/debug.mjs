// Debug-mode helpers for run.mjs (the `debug-*` rows, chanasync only): loading
// `dist/debug.js`, a simulated inspector, two esbuild builds of src/ that
// differ only in the debug hook calls, and the snapshot measurement.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

// dist/index.js is built alone, without code splitting (the debug entry imports the hook from
// it), with the options esbuild.config.mjs exports: both variants are built the same way.
const { common } = await import(new URL('../esbuild.config.mjs', import.meta.url).href);
const BUILD_OPTIONS = { ...common, entryPoints: { index: 'src/index.ts' } };
/** The debug hook call sites (src/tracker.ts); each is a whole statement on its own line. */
const HOOK_CALL = 'tracker?.(';
const HOOKED_FILES = /[\\/]src[\\/](channel|select)\.ts$/;

/**
 * Bundles src/ with esbuild into a fresh directory under the OS temp dir, with the options of
 * esbuild.config.mjs: `hook` as is, `nohook` with every line containing `tracker?.(` removed
 * from src/channel.ts and src/select.ts (an onLoad plugin). For context also `single`: src/index.ts
 * alone with the hook, without splitting, so `tracker` is a variable of index.js itself rather
 * than an import from a shared chunk (what a consumer's bundler makes of it without code
 * splitting). Imports each index.js, deletes the directory, and returns { hook, nohook, single }
 * (module namespaces), `removed` (lines removed per file) and `sameAsDist` (whether the hook
 * build's index.js equals dist/index.js, chunk file hashes aside). Throws if the hook calls were not found.
 */
export async function buildHookVariants() {
  const esbuild = await import('esbuild');
  const removed = {};
  const stripHook = {
    name: 'strip-debug-hook',
    setup(build) {
      build.onLoad({ filter: HOOKED_FILES }, (args) => {
        const lines = readFileSync(args.path, 'utf8').split('\n');
        const kept = lines.filter((line) => !line.includes(HOOK_CALL));
        removed[args.path.slice(ROOT.length)] = lines.length - kept.length;
        return { contents: kept.join('\n'), loader: 'ts' };
      });
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'chanasync-bench-'));
  try {
    const out = {};
    const text = {};
    // Since dist/ stopped splitting, `single` is the same build as `hook`: a control row.
    const single = {};
    for (const [key, options] of [
      ['hook', {}],
      ['nohook', { plugins: [stripHook] }],
      ['single', single],
    ]) {
      await esbuild.build({ ...BUILD_OPTIONS, ...options, absWorkingDir: ROOT, outdir: join(dir, key) });
      const file = join(dir, key, 'index.js');
      text[key] = readFileSync(file, 'utf8');
      out[key] = await import(pathToFileURL(file).href);
    }
    const files = Object.keys(removed);
    if (files.length !== 2 || files.some((f) => removed[f] === 0)) {
      throw new Error(`debug hook calls not found: removed ${JSON.stringify(removed)}`);
    }
    if (!text.hook.includes(HOOK_CALL) || !text.single.includes(HOOK_CALL) || text.nohook.includes(HOOK_CALL)) {
      throw new Error('hook / no-hook builds do not differ in the hook calls');
    }
    let dist = '';
    try {
      dist = readFileSync(new URL('index.js', DIST), 'utf8');
    } catch {}
    // Chunk file names hash the source maps, whose paths depend on the output directory.
    const unhashed = (code) => code.replace(/chunk-[A-Z0-9]+\.js/g, 'chunk.js');
    return { ...out, removed, sameAsDist: unhashed(dist) === unhashed(text.hook) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
