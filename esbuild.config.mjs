// Builds the library: one ESM file per package entry for the neutral platform (browsers,
// Workers, Node), unminified so `dist/index.js` reads well and loads as-is from
// <script type="module">; consumers' bundlers minify. Declarations come from `tsc`.
//
// Two builds, no code splitting: `dist/index.js` holds the whole core, and the debug entry
// imports the core's debug hook from it (`./index.js`) instead of sharing a chunk. A hook read
// from another chunk is an imported live binding, which measured ~7% slower on the hot path
// than a variable of the same file (bench/, "debug hook").
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

/** Package entries: `chanasync`, `chanasync/debug` and `chanasync/protocol`. */
export const entryPoints = { index: 'src/index.ts', debug: 'src/debug/index.ts', protocol: 'src/protocol.ts' };

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
};

/** Resolves the debug entry's import of the core hook to the core entry, `./index.js`. */
const coreFromIndex = {
  name: 'core-from-index',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/tracker\.js$/ }, () => ({ path: './index.js', external: true }));
  },
};

/** Builds dist/: the core entry, then the debug and protocol entries, then declarations. */
export async function build() {
  rmSync('dist', { recursive: true, force: true });
  await esbuild.build({ ...common, entryPoints: { index: entryPoints.index } });
  await esbuild.build({
    ...common,
    entryPoints: { debug: entryPoints.debug, protocol: entryPoints.protocol },
    plugins: [coreFromIndex],
  });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build();
