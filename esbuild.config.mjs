// Builds the library: one ESM file per package entry for the neutral platform (browsers,
// Workers, Node), unminified so `dist/index.js` reads well and loads as-is from
// <script type="module">; consumers' bundlers minify. Declarations come from `tsc`. The one
// exception to "reads well": a few internal fields get short names (`internalFields` below),
// which consumers' minifiers cannot do; the source maps point back to src/.
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
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
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

/**
 * Internal fields that dist/ renames to short names (esbuild `mangleProps`), for smaller
 * bundles: `{ Channel }` is about 50 bytes smaller (minified, gzip -9; scripts/size-bundles.mjs),
 * and 28 more since `nextsKept`, `mustStay`, `withheld` and `fail` joined (2026-12-06; the
 * last two made `@internal` in the declarations, and `park` with them). They are fields of chanasync's own objects only — channels, waiters, select's waiters, debug
 * mode's records — and every file of one build renames them alike. So a name may go on this list only if it is never anything
 * else anywhere in src/: not in a public type, not a key of a message posted to another
 * context, not a DOM or platform property, not a string (`'feed' in x` is not renamed). So
 * `channel` and `value` are not here (messages of ports and debug mode, public types), and the
 * fields are named to be renamable: a buffer's are `headIndex` and `filled`, not `first` and
 * `count` (`console.count`), a channel's name is `givenName`, not `label`
 * (`HTMLOptionElement.label`), its close reason `closeReason`, not `reason` (`AbortSignal`). `build()` checks the
 * public types, the strings, and the platform's declarations (TypeScript's lib files and
 * @types/node).
 */
export const internalFields = [
  'endHub',
  'pushHead',
  'pullHead',
  'isClosed',
  'sibling',
  'feed',
  'slots',
  'policy',
  'prev',
  'limit',
  'fedFromOutside',
  'debugMarks',
  'headIndex',
  'filled',
  'givenName',
  'settle',
  'closeReason',
  'uncloneable',
  'aborter',
  'nextsParked',
  'goneInputs',
  'liveInputs',
  'staleInputs',
  'armedSlot',
  'unarm',
  'compactInputs',
  'hub',
  'subscribers',
  'pumping',
  'deliver',
  'pumpHub',
  'lookAgain',
  'mustStayCount',
  'sweepCursor',
  'heldWhileWaited',
  'noRoom',
  'sourcePull',
  'callName',
  'wanted',
  'hubSource',
  'nextsKept',
  'mustStay',
  'withheld',
  'fail',
];

/**
 * The {@link internalFields} that are own fields of every channel — of a user's subclass of
 * `Channel` too — plus the constructor's internal option `callName`. dist/ names them `$` and
 * esbuild's short name (`$a`, `$b`, …), not the short name alone: a subclass's own fields
 * (`x`, `y`, a counter `c`) would otherwise overwrite the channel's state after `super()`
 * (audit BT-core: `class Positioned extends Channel { x = 0; y = 0 }` lost its `name`). The
 * README's "Subclasses" reserves the names `$` followed by letters. 16 bytes on `{ Channel }`.
 */
export const channelFields = [
  'uncloneable',
  'slots',
  'headIndex',
  'filled',
  'pushHead',
  'pullHead',
  'isClosed',
  'feed',
  'debugMarks',
  'closeReason',
  'limit',
  'policy',
  'givenName',
  'fedFromOutside',
  'callName',
];

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
  mangleProps: new RegExp(`^(?:${internalFields.join('|')})$`),
};

/** Builds dist/: every entry in one split build, then the declarations. */
export async function build() {
  rmSync('dist', { recursive: true, force: true });
  const split = { ...common, entryPoints, splitting: true, chunkNames: 'chunks/[name]-[hash]' };
  // Twice: the first build (not written) gives esbuild's short names, by frequency; the second
  // uses them, with `$` before those of a channel's own fields (see channelFields).
  const { mangleCache } = await esbuild.build({ ...split, write: false, mangleCache: {} });
  for (const name of channelFields)
    if (typeof mangleCache[name] === 'string') mangleCache[name] = `$${mangleCache[name]}`;
  await esbuild.build({ ...split, mangleCache });
  checkHookBesideCore();
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  checkInternalFields();
}

/**
 * Fails the build if a renamed field (see {@link internalFields}) shows in a declaration a
 * package entry's types reach (comments aside), or as a string in src/ (comments aside):
 * there the renaming would break it.
 */
function checkInternalFields() {
  const names = internalFields.join('|');
  const uncommented = (file) => readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  // The declarations reachable from package.json `exports`, through relative imports.
  const exported = JSON.parse(readFileSync('package.json', 'utf8')).exports;
  const queue = Object.values(exported).flatMap((entry) => (entry.types ? [path.normalize(entry.types)] : []));
  const reached = new Set(queue);
  for (const file of queue) {
    for (const [, spec] of uncommented(file).matchAll(/(?:from |import\()'(\.[^']+)'/g)) {
      const next = path.join(path.dirname(file), spec.replace(/\.js$/, '.d.ts'));
      if (!reached.has(next)) reached.add(next) && queue.push(next);
    }
  }
  const word = new RegExp(`\\b(?:${names})\\b`);
  const string = new RegExp(`(['"\`])(?:${names})\\1`);
  const sources = readdirSync('src', { recursive: true })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `src/${name}`);
  // A member of the platform's declarations: `name:`, `name?:`, `name(` or `name<` at a line's start.
  const member = new RegExp(`^\\s*(?:readonly\\s+)?(?:${names})\\??\\s*[:(<]`, 'm');
  const found = [
    ...[...reached].filter((file) => word.test(uncommented(file))),
    ...sources.filter((file) => string.test(uncommented(file))),
    ...platformDeclarations().filter((file) => member.test(readFileSync(file, 'utf8'))),
  ];
  if (found.length) throw new Error(`build: a renamed internal field (mangleProps) is used in ${found.join(', ')}`);
}

/**
 * The declaration files of the platforms chanasync runs on, as installed: TypeScript's lib
 * files (the DOM, ECMAScript) and @types/node.
 */
function platformDeclarations() {
  const dirs = ['node_modules/typescript/lib', 'node_modules/@types/node'];
  // TypeScript 7 ships its lib files in a package of its own per platform.
  if (existsSync('node_modules/@typescript')) {
    dirs.push(...readdirSync('node_modules/@typescript').map((name) => `node_modules/@typescript/${name}/lib`));
  }
  return dirs
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir, { recursive: true }).map((name) => `${dir}/${name}`))
    .filter((file) => file.endsWith('.d.ts'));
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
