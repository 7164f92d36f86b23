/**
 * Audit BE-core: SPEC "Packaging" — package.json shape, no Node APIs in src/, tree-shaking,
 * `dist/index.js` loadable as is, the disposal-symbol fallback.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

describe('package.json', () => {
  it('is ESM only, side-effect free, with no runtime dependencies', () => {
    expect(pkg.name).toBe('chanasync');
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
    expect(pkg.main === undefined || String(pkg.main).endsWith('.js')).toBe(true);
  });

  it('has an exports map with types for every code entry, including chanasync and chanasync/debug', () => {
    const exportsMap = pkg.exports as Record<string, unknown>;
    expect(exportsMap['.']).toBeDefined();
    expect(exportsMap['./debug']).toBeDefined();
    for (const [key, entry] of Object.entries(exportsMap)) {
      if (key === './package.json') continue;
      expect(typeof entry, key).toBe('object');
      const e = entry as Record<string, string>;
      expect(e.types, key).toMatch(/\.d\.ts$/);
      const target = e.default ?? e.import;
      expect(target, key).toMatch(/\.js$/);
      expect(() => statSync(join(root, e.types!)), key).not.toThrow();
      expect(() => statSync(join(root, target!)), key).not.toThrow();
      // "types" must come first in a conditions object
      expect(Object.keys(e)[0], key).toBe('types');
    }
  });

  it('the main entry does not export debug mode', async () => {
    const mod = await import('chanasync');
    expect(Object.keys(mod)).not.toContain('enableDebug');
    expect(Object.keys(mod)).not.toContain('snapshot');
    const debug = await import('chanasync/debug');
    expect(typeof debug.enableDebug).toBe('function');
    expect(typeof debug.disableDebug).toBe('function');
    expect(typeof debug.snapshot).toBe('function');
  });
});

describe('no Node APIs in src/', () => {
  const files = filesUnder(join(root, 'src')).filter((f) => /\.(m?ts|m?js)$/.test(f));
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });
  it('no node: import, process, Buffer, setImmediate or require', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const code = stripComments(readFileSync(file, 'utf8'));
      const checks: [string, RegExp][] = [
        ['node: import', /from\s+['"]node:|import\(\s*['"]node:/],
        ['process', /(?<![.\w$'"`])process\s*\./],
        ['Buffer', /(?<![.\w$'"`])Buffer\s*[.(]/],
        ['setImmediate', /(?<![.\w$'"`])setImmediate\s*\(/],
        ['require', /(?<![.\w$'"`])require\s*\(/],
      ];
      for (const [what, re] of checks) if (re.test(code)) offenders.push(`${file}: ${what}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('tree-shaking and loading as is', () => {
  async function bundle(contents: string): Promise<string> {
    const result = await build({
      stdin: { contents, resolveDir: root, loader: 'js' },
      bundle: true,
      format: 'esm',
      write: false,
      platform: 'neutral',
      minify: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  }

  it('a bundle that imports only Channel contains no select, helpers or debug code', async () => {
    const onlyChannel = await bundle("import { Channel } from 'chanasync'; globalThis.x = new Channel(1);");
    const everything = await bundle(
      "import * as all from 'chanasync'; import * as d from 'chanasync/debug'; globalThis.x = [all, d];",
    );
    const markers = [
      /function selectNowait\b/,
      /function select\b/,
      /function fromEvent\b/,
      /function merge\b/,
      /function broadcast\b/,
      /function ticker\b/,
      /function after\b/,
      /function enableDebug\b/,
      /function snapshot\b/,
    ];
    for (const m of markers) expect(everything, String(m)).toMatch(m);
    for (const m of markers) expect(onlyChannel, String(m)).not.toMatch(m);
    expect(onlyChannel.length).toBeLessThan(everything.length / 2);
  });

  it('dist/index.js imports only relative .js files (loads from <script type="module">)', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(
        /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      )) {
        const spec = (m[1] ?? m[2])!;
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\.?\/.*\.js$/);
        visit(resolve(file, '..', spec));
      }
    };
    visit(join(root, 'dist/index.js'));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('falls back to Symbol.for(...) keys when Symbol.asyncDispose / Symbol.dispose are missing', async () => {
    // A fresh V8 context has no Symbol.asyncDispose/Symbol.dispose on Node 20 (Node adds them only to
    // its main context, non-configurably), so load the whole entry there, as an older browser would.
    const result = await build({
      entryPoints: [join(root, 'dist/index.js')],
      bundle: true,
      format: 'iife',
      globalName: 'chanasync',
      write: false,
      platform: 'neutral',
      logLevel: 'silent',
    });
    const context = createContext({
      queueMicrotask,
      setTimeout,
      clearTimeout,
      EventTarget,
      Event,
      AbortSignal,
      AbortController,
      ReadableStream,
      console,
    });
    expect(runInContext('typeof Symbol.asyncDispose + typeof Symbol.dispose', context)).toBe('undefinedundefined');
    runInContext(result.outputFiles[0]!.text, context);
    const out = await runInContext(
      `(async () => {
        const { Channel } = chanasync;
        const a = new Channel(1); const b = new Channel(1);
        const ad = a[Symbol.for('Symbol.asyncDispose')]; const d = b[Symbol.for('Symbol.dispose')];
        if (typeof ad !== 'function' || typeof d !== 'function') return 'missing';
        await ad.call(a); d.call(b);
        return JSON.stringify([a.closed, b.closed]);
      })()`,
      context,
    );
    expect(out).toBe('[true,true]');
  });
});
