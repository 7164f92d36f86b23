// @vitest-environment happy-dom
// @vitest-environment-options { "settings": { "enableJavaScriptEvaluation": true } }
/**
 * SPEC.md "Packaging": ESM only, no Node APIs in src/, tree-shakable, `dist/index.js` loads
 * in a browser as-is, and the `Symbol.for` fallback for the disposal symbols.
 *
 * These tests read the built `dist/` (`npm test` builds it first).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import * as esbuild from 'esbuild';
import { beforeAll, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist', 'index.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

beforeAll(() => {
  if (!existsSync(dist)) throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)');
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Bundles `code` (resolved from the project root) and returns the output text. */
async function bundle(code: string, options: esbuild.BuildOptions = {}): Promise<string> {
  const result = await esbuild.build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    ...options,
  });
  return result.outputFiles?.[0]?.text ?? '';
}

test('package.json: ESM only, no side effects, an exports map with types for every entry, no runtime dependencies', () => {
  expect(pkg.name).toBe('chanasync');
  expect(pkg.type).toBe('module');
  expect(pkg.sideEffects).toBe(false);
  expect(pkg.dependencies ?? {}).toEqual({});
  for (const [entry, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
    if (entry === './package.json') continue;
    expect(target, entry).toMatchObject({ types: expect.stringMatching(/\.d\.ts$/), default: expect.any(String) });
    const { types, default: file } = target as { types: string; default: string };
    expect(existsSync(join(root, types)), types).toBe(true);
    expect(existsSync(join(root, file)), file).toBe(true);
  }
});

test('src/ uses no Node API: no node: imports, process, Buffer, setImmediate or require', () => {
  const forbidden = [
    /from\s+['"]node:/,
    /import\s*\(\s*['"]node:/,
    /\bprocess\./,
    /\bBuffer\b/,
    /\bsetImmediate\b/,
    /\brequire\s*\(/,
    /\b__dirname\b/,
  ];
  const files = sourceFiles(join(root, 'src'));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    for (const pattern of forbidden) expect(code, `${file} matches ${pattern}`).not.toMatch(pattern);
  }
});

test('dist/index.js bundles for the browser platform with no Node built-in', async () => {
  const result = await esbuild.build({
    entryPoints: [dist],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.every((input) => input.startsWith('dist/'))).toBe(true);
});

test('the browser bundle of dist/index.js loads and works in a page (happy-dom)', async () => {
  const code = await bundle("import * as chanasync from './dist/index.js'; window.chanasync = chanasync;", {
    format: 'iife',
  });
  const script = document.createElement('script');
  script.textContent = code;
  document.head.append(script);
  const { Channel } = (window as unknown as { chanasync: typeof import('../src/index.js') }).chanasync;
  const channel = new Channel<string>(0);
  const clicks: string[] = [];
  const button = document.createElement('button');
  button.addEventListener('click', () => channel.pushNowait('click'));
  document.body.append(button);
  const pulled = channel.pull();
  button.click();
  clicks.push(await pulled);
  expect(clicks).toEqual(['click']);
});

test('a bundle that imports only Channel contains no select, helper or debug code', async () => {
  // Unminified, so that function and class names survive tree-shaking for the check.
  const code = await bundle("import { Channel } from './dist/index.js'; console.log(new Channel(1));");
  expect(code).toContain('var Channel = class');
  for (const name of [
    'function select',
    'function selectNowait',
    'SelectWaiter',
    'function after',
    'at least one case',
  ]) {
    expect(code).not.toContain(name);
  }
  // Interop helpers (and, later, debug mode) must stay out of it too.
  for (const name of [
    'function fromSource',
    'function streamOf',
    'toReadableStream',
    'function fromEvent',
    'function merge',
    'ReleasingChannel',
    'MergedChannel',
    'enableDebug',
    'chanasync-inspector',
  ]) {
    expect(code).not.toContain(name);
  }
});

test('a bundle that imports select or a helper contains it (the checks above can see that code)', async () => {
  const code = await bundle("import { select } from './dist/index.js'; console.log(select);");
  expect(code).toContain('function select');
  expect(code).toContain('SelectWaiter');
  const helpers = await bundle("import { from, merge } from './dist/index.js'; console.log(from, merge);");
  expect(helpers).toContain('function fromSource(');
  expect(helpers).toContain('MergedChannel');
  expect(helpers).not.toContain('function fromEvent');
});

test("Channel.from and channel.toReadableStream(), the SPEC's spellings, leave a bundle that imports only Channel and come with the functions", async () => {
  /** Runs an IIFE bundle in a fresh context and returns what it put in `globalThis.result`. */
  const run = (code: string): unknown => {
    const context = vm.createContext({});
    vm.runInContext(code, context);
    return (context as { result?: unknown }).result;
  };
  const only = await bundle(
    "import { Channel } from './dist/index.js'; globalThis.result = [typeof Channel.from, typeof Channel.prototype.toReadableStream];",
    { format: 'iife' },
  );
  expect(only).not.toContain('streamOf');
  expect(only).not.toContain('fromSource');
  expect(run(only)).toEqual(['undefined', 'undefined']);
  const withFunctions = await bundle(
    "import { Channel, from, toReadableStream } from './dist/index.js'; globalThis.result = [Channel.from === from, typeof Channel.prototype.toReadableStream, typeof toReadableStream];",
    { format: 'iife' },
  );
  expect(run(withFunctions)).toEqual([true, 'function', 'function']);
  // Loaded as is (no bundler), the entry attaches both.
  const { Channel, from } = await import('../dist/index.js');
  expect(Channel.from).toBe(from);
  expect(typeof new Channel().toReadableStream).toBe('function');
});

test('disposal falls back to Symbol.for where Symbol.asyncDispose and Symbol.dispose are missing', async () => {
  const code = await bundle("import { Channel } from './dist/index.js'; globalThis.Channel = Channel;", {
    format: 'iife',
  });
  const context = vm.createContext({});
  vm.runInContext('delete Symbol.asyncDispose; delete Symbol.dispose;', context);
  vm.runInContext(code, context);
  const result = vm.runInContext(
    `const a = new Channel(1); const b = new Channel(1);
     a[Symbol.for('Symbol.asyncDispose')](); b[Symbol.for('Symbol.dispose')]();
     [typeof Symbol.asyncDispose, a.closed, b.closed]`,
    context,
  );
  expect(result).toEqual(['undefined', true, true]);
});
