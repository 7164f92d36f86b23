// Builds the library: one ESM file per package entry for the neutral platform (browsers,
// Workers, Node), unminified so `dist/index.js` reads well and loads as-is from
// <script type="module">; consumers' bundlers minify. Declarations come from `tsc`.
//
// One build with code splitting: every entry (`chanasync`, `chanasync/debug`, `chanasync/port`,
// …) imports the core from a shared chunk in `dist/chunks/`, so a page that uses several entries
// has one `Channel` class (select's `instanceof` checks and debug mode's hook see the same core),
// and the core's internals (commit points, waiters, the debug hook's installer) are exports of
// that chunk only, never of a public entry: `import * as chanasync from 'chanasync'` shows just
// the public API.
//
// The debug hook (`tracker`) must live in the same chunk as the channel code: read from another
// chunk it is an imported live binding, which measured ~7% slower on the hot path (bench/,
// "debug hook"). esbuild groups modules by the set of entries that reach them, so every entry
// that reaches `tracker.ts` must also reach `channel.ts`; `build()` checks it.
//
// To add a package entry: add it to `entryPoints` (and to package.json `exports`).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

/** Package entries: `dist/<key>.js` is built from the value. */
export const entryPoints = {
  index: 'src/index.ts',
  debug: 'src/debug/index.ts',
  protocol: 'src/protocol.ts',
  durable: 'src/durable/index.ts',
  port: 'src/port/index.ts',
};

/** The options of every build (bench/debug.mjs builds variants of the core with them). */
export const common = {
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Platform modules of the runtimes chanasync/durable runs in.
  external: ['cloudflare:*'],
};

/** Builds dist/: every entry in one split build, then the declarations. */
export async function build() {
  rmSync('dist', { recursive: true, force: true });
  await esbuild.build({ ...common, entryPoints, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
  checkHookBesideCore();
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}

/** Fails the build if the debug hook ended up in another file than the commit points. */
function checkHookBesideCore() {
  const files = ['dist', 'dist/chunks']
    .flatMap((dir) => readdirSync(dir).map((name) => `${dir}/${name}`))
    .filter((file) => file.endsWith('.js'));
  const holding = (pattern) => files.filter((file) => pattern.test(readFileSync(file, 'utf8')));
  const core = holding(/^function commitPush\(/m);
  const hook = holding(/^var tracker;/m);
  if (core.length !== 1 || hook.length !== 1 || core[0] !== hook[0]) {
    throw new Error(`build: the debug hook must sit beside the core (core in ${core}, hook in ${hook})`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build();
