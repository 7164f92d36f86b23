// Benchmark runner for headless Chromium: node bench/chromium.mjs [--quick] [--only=…] [--libs=…]
// (npm run bench:chromium builds dist/ first). Debian's /usr/bin/chromium through
// playwright-core, launched with the flags every browser test here uses plus
// --js-flags=--expose-gc. The suite (bundle.mjs) runs in one blank page; each run is one
// page.evaluate, timed inside the page with performance.now() (Chromium coarsens it to
// 0.1 ms without cross-origin isolation: runs last 10–120 ms). Nothing in the workloads
// needs a macrotask; runs are separated by returning to Node between evaluations (in
// Chromium a nested setTimeout(0) is clamped to ~4 ms, so a hop inside the page would be a
// MessageChannel message). Rows, rounds and checks: see remote.mjs / suite.mjs.
// Each library (the floor too, and each --with build) runs in a page of its own, with its own
// bundle — its own renderer heap, as an application's page would: in one shared page, the
// garbage a slow peer left was collected during whichever runs came next.
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/chromium.mjs';
import { bundleBench } from './bundle.mjs';
import { log, parseArgs, runRemote, withTimeout } from './remote.mjs';
import { ADAPTERS } from './suite.mjs';

const argv = process.argv.slice(2);
const args = parseArgs(argv, 'node bench/chromium.mjs');
// The page's JavaScript shows up in the CPU time of more than one renderer process here, in
// shares that vary from run to run: no trustworthy CPU clock, so the page's own clock it is.
if (args.clock === 'cpu') throw new Error('--clock=cpu is not available in Chromium (wall time inside the page only)');
const names = ADAPTERS.filter((name) => name === 'floor' || !args.libs || args.libs.includes(name));

log('bundling the bench for the browser (esbuild): one page per library');
/** [{ lib, names, extra }] in column order: each library, and each --with build, alone in its bundle. */
const bundles = [
  ...names.map((name) => ({ lib: name, names: [name], extra: [] })),
  ...args.with.map((build) => ({ lib: build.name, names: [], extra: [build] })),
];
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
});
let exitCode = 1;
try {
  const errors = [];
  /** The page of each library, by library name. */
  const pages = new Map();
  const libs = [];
  for (const bundle of bundles) {
    const { code } = await bundleBench('browser', bundle.names, bundle.extra);
    // A context of its own: a page of another browsing context group gets a renderer process
    // of its own.
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => errors.push(`${bundle.lib}: ${error.message}`));
    await page.goto('about:blank');
    await page.addScriptTag({ content: code, type: 'module' });
    await page.waitForFunction(() => globalThis.__bench !== undefined, undefined, { timeout: 10_000 });
    libs.push(...(await page.evaluate(() => globalThis.__bench.init())));
    pages.set(bundle.lib, page);
  }
  const first = pages.values().next().value;
  const cdp = await first.context().newCDPSession(first);
  const version = await cdp.send('Browser.getVersion');
  // Debug mode's rows run chanasync only: its page counts the snapshots posted.
  const debugPage = pages.get('chanasync') ?? first;
  const session = {
    libs,
    runtime: `${version.product} (V8 ${version.jsVersion}), headless, Debian's /usr/bin/chromium via playwright-core; each library in a page (renderer) of its own`,
    debugRows: true,
    debugStats: () => debugPage.evaluate(() => globalThis.__bench.debugStats()),
    run: (job, timeoutMs) =>
      withTimeout(
        pages.get(job.lib).evaluate((j) => globalThis.__bench.timed(j), job),
        timeoutMs,
        `${job.lib} ${job.id}`,
      ),
  };
  // 21 rounds, not Node's 9: in the page a run's spread is ±20–80% (the renderer shares the 2
  // cores with the browser process), and a median of 9 such samples moved by 0.3 between full
  // runs; the runs are short, so 21 rounds still take about two minutes.
  exitCode = await runRemote({ session, args, command: 'bench/chromium.mjs', argv, rounds: 21 });
  if (errors.length) log(`page errors:\n${errors.join('\n')}`);
} finally {
  await browser.close();
}
process.exitCode = exitCode;
