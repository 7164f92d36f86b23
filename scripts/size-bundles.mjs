// Writes the bundles whose sizes size-limit checks (.size-limit.json), measured exactly as the
// issues state the budgets: an entry that imports from the built package (`import { Channel }
// from 'chanasync'` resolves through package.json `exports` to dist/), bundled with esbuild
// `--bundle --minify --format=esm --platform=browser`, then `gzip -9`.
//
// Why not size-limit's own esbuild step: it subtracts an "empty project" baseline (46 bytes
// gzipped for an `import` check) and compresses with zlib, whose output differs from `gzip -9`
// by some bytes. So this script bundles, compresses with the `gzip` program itself
// (`gzip -9 -n`: no name or timestamp in the header, as `gzip -9 < file` writes it), and
// size-limit, with its esbuild plugin disabled, reads the size of each `.js.gz` file as is.
//
// Usage: node scripts/size-bundles.mjs [--package DIR] [--out DIR] [--quiet]
//   --package  the package root to measure (default: this repo; its dist/ must be built)
//   --out      where the bundles go (default: node_modules/.cache/chanasync-size, ignored by git)
// Prints a table: raw bytes, `gzip -9` bytes, zlib level-9 bytes, and what `broadcast` and
// `ticker` add on top of `Channel`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every measured bundle: `file` is its name in the output folder (`<file>.js`, `<file>.js.gz`),
 * `imports` what the entry imports, `from` the module specifier, `overChannel` (if any) the
 * most `gzip -9` bytes it may add to the `channel` bundle. .size-limit.json points at
 * `<out>/<file>.js.gz` and holds the absolute budgets.
 */
export const checks = [
  { file: 'channel', imports: '{ Channel }', from: 'chanasync' },
  { file: 'channel-select', imports: '{ Channel, select, pull, push }', from: 'chanasync' },
  { file: 'channel-from-stream', imports: '{ Channel, from, toReadableStream }', from: 'chanasync' },
  // Issue 13: each at most 600 bytes on top of `{ Channel }` (checked here: size-limit has no
  // budget for a difference). The broadcast was over it from the time its subscribers passed a
  // wait on to the source's signal and let an abandoned one go (audit BH-gc: `hold` in
  // waiters.ts, its `wanted`) until 43 bytes came off it (the README's Performance section).
  { file: 'channel-broadcast', imports: '{ Channel, broadcast }', from: 'chanasync', overChannel: 600 },
  { file: 'channel-ticker', imports: '{ Channel, ticker }', from: 'chanasync', overChannel: 600 },
  { file: 'all', imports: '*', from: 'chanasync' },
  { file: 'debug', imports: '{ enableDebug, snapshot }', from: 'chanasync/debug' },
];

/** The entry of a check, as size-limit writes it: import, then use, so nothing is shaken off. */
function entry({ imports, from }) {
  const [clause, used] = imports === '*' ? ['* as all', 'all'] : [imports, imports.replace(/[{}]/g, '').trim()];
  return `import ${clause} from ${JSON.stringify(from)};\nconsole.log(${used});\n`;
}

/** Bundles and compresses every check; returns `{ file, raw, gzip, zlib }` for each. */
export async function sizeBundles({ packageRoot = ROOT, out = join(ROOT, 'node_modules/.cache/chanasync-size') } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const sizes = [];
  for (const check of checks) {
    const result = await esbuild.build({
      // Resolved from the package root, so 'chanasync' is the package itself (a self-reference
      // through package.json `exports`): the built dist/, as a consumer's bundler sees it.
      stdin: { contents: entry(check), resolveDir: packageRoot, sourcefile: `${check.file}.entry.js`, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'error',
    });
    const code = result.outputFiles[0].contents;
    const path = join(out, `${check.file}.js`);
    writeFileSync(path, code);
    const gzipped = execFileSync('gzip', ['-9', '-n', '-c', '--', path]);
    writeFileSync(`${path}.gz`, gzipped);
    sizes.push({
      file: check.file,
      raw: code.length,
      gzip: gzipped.length,
      zlib: gzipSync(code, { level: 9 }).length,
      overChannel: check.overChannel,
    });
  }
  return sizes;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : resolve(args[i + 1]);
  };
  const packageRoot = option('--package') ?? ROOT;
  const name = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).name;
  if (name !== 'chanasync') throw new Error(`size-bundles: ${packageRoot} is not the chanasync package`);
  const sizes = await sizeBundles({ packageRoot, out: option('--out') });
  const channel = sizes.find((size) => size.file === 'channel').gzip;
  if (!args.includes('--quiet')) {
    console.log('bundle                 raw  gzip -9  zlib -9  gzip -9 over channel');
    for (const { file, raw, gzip, zlib } of sizes) {
      const over = file === 'channel' ? '' : `+${gzip - channel}`;
      console.log(
        `${file.padEnd(20)} ${String(raw).padStart(6)} ${String(gzip).padStart(8)} ${String(zlib).padStart(8)}  ${over}`,
      );
    }
  }
  const over = sizes.filter((size) => size.overChannel !== undefined && size.gzip - channel > size.overChannel);
  for (const { file, gzip, overChannel } of over) {
    console.error(`size-bundles: ${file} adds ${gzip - channel} B to channel; its budget is ${overChannel} B`);
  }
  if (over.length) process.exitCode = 1;
}
