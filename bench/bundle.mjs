// Bundles the benchmark for a runtime other than Node (Chromium, workerd) with esbuild: every
// adapter, one copy of workloads.mjs per library (`?lib=<name>`: a distinct module for
// esbuild, so V8 type feedback for one library cannot slow down another — as run.mjs does in
// Node), chanasync from dist/index.js, and host.mjs. Node only.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const BENCH = fileURLToPath(new URL('./', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const DIST_DEBUG = fileURLToPath(new URL('../dist/debug.js', import.meta.url));

/** How the bundle exposes its host: a page global, or a worker's fetch handler. */
const WRAPPERS = {
  // The page reads globalThis.__bench once the module ran. __benchInTask(json) runs a job
  // from a task of the page's own (a MessageChannel message), for a driver whose scripts run
  // in another realm (Firefox's Marionette sandbox, where a run started directly was ~6×
  // slower); it resolves with the JSON of { result, ms }.
  browser: `globalThis.__bench = host;
globalThis.__benchInTask = (json) =>
  new Promise((resolve, reject) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      host.timed(JSON.parse(json)).then((x) => resolve(JSON.stringify(x)), (e) => reject(String(e?.stack ?? e)));
    };
    port2.postMessage(0);
  });`,
  // One job per request: POST the job as JSON, get { sum, count } (or { error }) back. A
  // job with fn 'none' does nothing (host.mjs): the runner's empty request, same shape.
  // Nothing survives a request but the loaded adapters (no channel, no pending promise).
  workerd: `export default {
  async fetch(request) {
    try {
      const info = await host.init();
      const url = new URL(request.url);
      if (url.pathname === '/info') return Response.json(info);
      return Response.json(await host.run(await request.json()));
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};`,
};

/**
 * Returns the bundle's source (ESM) for `target` ('browser' | 'workerd') with the libraries
 * `names` (floor first), and `chanasync: false` when dist/index.js is missing. `extra`:
 * [{ name, path }] builds of chanasync to compare as libraries of their own (`--with`), each
 * with its own copy of the chanasync adapter and of workloads.mjs.
 */
export async function bundleBench(target, names, extra = []) {
  const hasDist = existsSync(DIST_INDEX);
  const lines = [`import { createHost } from './host.mjs';`];
  lines.push(hasDist ? `import * as chanasync from '../dist/index.js';` : 'const chanasync = undefined;');
  const libs = [
    ...names.map((name) => ({ name, file: name, module: name === 'chanasync' ? 'chanasync' : undefined })),
    ...extra.map(({ name, path }, i) => {
      lines.push(`import * as build${i} from ${JSON.stringify(path)};`);
      return { name, file: 'chanasync', module: `build${i}` };
    }),
  ];
  const entries = libs.map(({ name, file, module }, i) => {
    const q = `?lib=${encodeURIComponent(name)}`;
    lines.push(`import adapter${i} from './adapters/${file}.mjs${q}';`);
    lines.push(`import * as workloads${i} from './workloads.mjs${q}';`);
    const mod = module ? `, module: ${module}` : '';
    return `{ name: ${JSON.stringify(name)}, adapter: adapter${i}, workloads: workloads${i}${mod} }`;
  });
  // Debug mode in the browser bundle only (its interval timer cannot outlive a workerd request).
  const hasDebug = target === 'browser' && existsSync(DIST_DEBUG);
  if (hasDebug) lines.push(`import * as debug from '../dist/debug.js';`);
  lines.push(`const host = createHost([${entries.join(', ')}], { debug: ${hasDebug ? 'debug' : 'undefined'} });`);
  lines.push(WRAPPERS[target]);
  const result = await build({
    stdin: { contents: lines.join('\n'), resolveDir: BENCH, sourcefile: `bench-${target}.mjs`, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: target === 'workerd' ? ['workerd', 'worker', 'browser'] : ['browser'],
    // 'main' before 'module': js-csp's "module" build has no default export; Node loads 'main' too.
    mainFields: ['browser', 'main'],
    // Peers' `process.env.NODE_ENV` checks, as a web bundler would set them.
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  return { code: result.outputFiles[0].text, chanasync: hasDist };
}
