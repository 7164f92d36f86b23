// Builds the library: one ESM file per package entry for the neutral platform (browsers,
// Workers, Node), unminified so `dist/index.js` reads well and loads as-is from
// <script type="module">; consumers' bundlers minify. Declarations come from `tsc`.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

/** Package entries: `chanasync`, `chanasync/debug` and `chanasync/protocol`. */
export const entryPoints = { index: 'src/index.ts', debug: 'src/debug/index.ts', protocol: 'src/protocol.ts' };

rmSync('dist', { recursive: true, force: true });
await esbuild.build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
