import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
function stripComments(src: string): string {
  // good enough for this code base: block comments, line comments, not inside strings with //
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/**
 * Bundles `source` (which imports 'chanasync' and sets `globalThis.result`) and runs it in a
 * fresh VM realm that has only a few web globals (no Node API), plus `more`; returns `result`.
 */
async function runInWebRealm(source: string, more: Record<string, unknown> = {}): Promise<unknown> {
  const out = await esbuild.build({
    stdin: { contents: source, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    logLevel: 'silent',
  });
  const ctx = vm.createContext({
    queueMicrotask,
    setTimeout,
    clearTimeout,
    AbortSignal,
    EventTarget,
    Event,
    WeakRef,
    ...more,
  });
  vm.runInContext(out.outputFiles[0]!.text, ctx);
  return vm.runInContext('result', ctx);
}

describe('packaging', () => {
  it('ESM only, type module, sideEffects false, no runtime dependencies', () => {
    expect(pkg.name).toBe('chanasync');
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys((pkg.dependencies as object | undefined) ?? {})).toEqual([]);
    expect(pkg.main === undefined || String(pkg.main).endsWith('.js')).toBe(true);
  });
  it('exports map has types for every entry, including chanasync and chanasync/debug', () => {
    const exp = pkg.exports as Record<string, unknown>;
    expect(exp['.']).toBeDefined();
    expect(exp['./debug']).toBeDefined();
    for (const [key, value] of Object.entries(exp)) {
      if (key === './package.json') continue;
      expect(typeof value, key).toBe('object');
      const v = value as Record<string, string>;
      expect(v.types, key).toMatch(/\.d\.ts$/);
      expect(Object.keys(v)[0], `${key}: types first`).toBe('types');
      expect(v.require, key).toBeUndefined();
    }
  });
  it('the main entry exports the SPEC API and no debug API', async () => {
    const mod = (await import('chanasync')) as Record<string, unknown>;
    for (const name of [
      'Channel',
      'select',
      'selectNowait',
      'pull',
      'push',
      'after',
      'ChannelError',
      'ChannelClosedError',
      'ChannelFullError',
      'ChannelEmptyError',
    ])
      expect(typeof mod[name], name).toBe('function');
    expect(mod.enableDebug).toBeUndefined();
    expect(mod.snapshot).toBeUndefined();
    const dbg = (await import('chanasync/debug')) as Record<string, unknown>;
    for (const name of ['enableDebug', 'disableDebug', 'snapshot']) expect(typeof dbg[name], name).toBe('function');
  });
  it('no Node APIs in src/', () => {
    const files = walk(join(root, 'src')).filter((f) => /\.(ts|js|mjs)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const code = stripComments(readFileSync(f, 'utf8'));
      expect(code, f).not.toMatch(/from\s+['"]node:/);
      expect(code, f).not.toMatch(/import\(\s*['"]node:/);
      expect(code, f).not.toMatch(/\brequire\s*\(/);
      expect(code, f).not.toMatch(/\bprocess\./);
      expect(code, f).not.toMatch(/\bBuffer\./);
      expect(code, f).not.toMatch(/\bsetImmediate\b/);
    }
  });
  it('dist/index.js imports only relative modules (loads as-is from <script type="module">)', () => {
    const files = [join(root, 'dist/index.js'), ...walk(join(root, 'dist/chunks')).filter((f) => f.endsWith('.js'))];
    for (const f of files) {
      const code = readFileSync(f, 'utf8');
      const specs = [
        ...code.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g),
        ...code.matchAll(/import\s*\(\s*['"]([^'"]+)['"]/g),
      ].map((m) => m[1]!);
      for (const s of specs) expect(s.startsWith('./') || s.startsWith('../'), `${f}: ${s}`).toBe(true);
    }
  });
  it('tree-shaking: a bundle importing only Channel has no select, helpers or debug code', async () => {
    const out = await esbuild.build({
      stdin: {
        contents: "import { Channel } from 'chanasync'; globalThis.ch = new Channel(1);",
        resolveDir: root,
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      minify: true,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    expect(code.length).toBeGreaterThan(100);
    expect(code).toContain('pushNowait');
    for (const marker of [
      'selectNowait',
      'select push',
      'chanasync-inspector',
      'snapshot',
      'toReadableStream',
      'fromEvent',
      'after(',
      'ticker',
    ])
      expect(code, marker).not.toContain(marker);
    // and select's own bundle does contain its marker (the check above is meaningful)
    const withSelect = await esbuild.build({
      stdin: {
        contents: "import { selectNowait } from 'chanasync'; globalThis.s = selectNowait;",
        resolveDir: root,
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      minify: true,
      logLevel: 'silent',
    });
    expect(withSelect.outputFiles[0]!.text).toContain('selectNowait');
  });
  it('without Symbol.asyncDispose/Symbol.dispose, disposal uses Symbol.for keys', async () => {
    const result = await runInWebRealm(
      "import { Channel } from 'chanasync'; const ch = new Channel(1); globalThis.result = { a: typeof ch[Symbol.for('Symbol.asyncDispose')], d: typeof ch[Symbol.for('Symbol.dispose')], native: typeof Symbol.asyncDispose }; ch[Symbol.for('Symbol.dispose')](); globalThis.result.closed = ch.closed;",
    );
    expect(result).toEqual({ a: 'function', d: 'function', native: 'undefined', closed: true });
  });
  it('the whole main entry evaluates and works in a realm with only web globals', async () => {
    const result = (await runInWebRealm(
      "import * as m from 'chanasync'; const a = new m.Channel(2, { name: 'a' }); a.pushNowait(1); const r = m.selectNowait([m.pull(a), null]); globalThis.result = { keys: Object.keys(m).length, index: r.index, value: r.value, ok: r.ok };",
      { AbortController, ReadableStream, MessageChannel, DOMException },
    )) as { keys: number; index: number; value: number; ok: boolean };
    expect(result.keys).toBeGreaterThan(8);
    expect({ ...result, keys: 0 }).toEqual({ keys: 0, index: 0, value: 1, ok: true });
  });
  it('dist types compile for a consumer (tsc over this folder, incl. expectTypeOf and @ts-expect-error)', () => {
    const tsc = join(root, 'node_modules/.bin/tsc');
    let output = '';
    try {
      execFileSync(tsc, ['-p', join(root, 'test/audit-bs-core/tsconfig.json')], {
        cwd: root,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe('');
  }, 60_000);
});
