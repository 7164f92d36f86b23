/**
 * Audit AZ-types: consumer programs compiled with tsc against the shipped declarations.
 *
 * Each test writes a small project into a temporary folder whose `node_modules/chanasync` is a
 * symlink to this repository (so `chanasync`, `chanasync/durable`, … resolve through
 * package.json's `exports` to `dist/`, as in an installed copy: TypeScript follows the link to
 * the real path and names the files through `node_modules/chanasync`). No packing, no build.
 *
 * Compilers: the repository's TypeScript (7.x), the TypeScript 5 that attw ships (as
 * test/audit-package.test.ts uses it), and, for AZ-4, TypeScript 5.3.3, installed into the
 * temporary folder (`npm install --prefer-offline`: from npm's cache when it has it, from the
 * registry otherwise, as `npm ci` itself installs). Until 2026-12-07 the install was `--offline`
 * and AZ-4 was skipped when the cache lacked 5.3.3, as on a fresh machine: in CI it never ran.
 * (Not a dev dependency: an npm alias of `typescript` links its `tsc` over the repository's.)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run } from '../helpers/pack.js';

const root = join(import.meta.dirname, '..', '..');
const tsc7 = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const tsc5 = join(root, 'node_modules', '@arethetypeswrong', 'core', 'node_modules', 'typescript', 'bin', 'tsc');

/** The strict consumer options (as test/audit-package.test.ts's `strict`). */
const strict = {
  target: 'ES2022',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  skipLibCheck: false,
  types: [] as string[],
  lib: ['ES2022', 'DOM'],
  module: 'nodenext',
  moduleResolution: 'nodenext',
};

let work = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'chanasync-audit-az-types-'));
});

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

/** A consumer project named `name` with `files` and chanasync linked in; returns its folder. */
function project(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'chanasync'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Compiles `dir` with `compiler` and `options`; resolves with tsc's diagnostics (one a line). */
async function compile(compiler: string, dir: string, options: object, files: string[]): Promise<string> {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files }, null, 2));
  const result = await run(process.execPath, [compiler, '-p', 'tsconfig.json', '--pretty', 'false'], dir, {
    timeout: 120_000,
  });
  return result.output;
}

describe('AZ-3: a library that exports from / Channel.from (declaration: true) compiles', () => {
  const helpers = `import { Channel, from, merge } from 'chanasync';

/** The project's channel helpers, re-exported as one object. */
export const channels = { from, merge };
/** The SPEC's spelling, kept under a shorter name. */
export const fromSource = Channel.from;
`;
  const options = { ...strict, declaration: true, emitDeclarationOnly: true, outDir: 'out', rootDir: '.' };

  test('with TypeScript 7 (the repository’s)', async () => {
    const dir = project('emit7', { 'helpers.ts': helpers });
    // Today: TS2883 "The inferred type of 'channels' cannot be named without a reference to
    // 'FromFunction' from '../node_modules/chanasync/dist/interop/from.js'" (and for 'fromSource').
    expect(await compile(tsc7, dir, options, ['helpers.ts'])).toBe('');
  }, 120_000);

  test.skipIf(!existsSync(tsc5))(
    'with TypeScript 5 (attw’s)',
    async () => {
      const dir = project('emit5', { 'helpers.ts': helpers });
      // Today: TS2742 "The inferred type of 'channels' cannot be named without a reference to
      // '../node_modules/chanasync/dist/interop/from.js'. This is likely not portable."
      expect(await compile(tsc5, dir, options, ['helpers.ts'])).toBe('');
    },
    120_000,
  );

  test('probe (holds): the other entries’ functions and results are nameable in declarations', async () => {
    const dir = project('emit-others', {
      'others.ts': `import { after, broadcast, Channel, fromEvent, pull, selectNowait, toReadableStream } from 'chanasync';
import { snapshot } from 'chanasync/debug';
import { ChannelObject, durableChannel } from 'chanasync/durable';
import { fromPort, toPort } from 'chanasync/port';

export const api = { after, broadcast, fromEvent, toReadableStream, toPort, fromPort, durableChannel, snapshot };
export const timer = after(1);
export const hub = broadcast(new Channel<number>(1));
export const result = selectNowait([pull(timer)] as const);
export const objectClass = ChannelObject;
export const made = () => Channel.from([1, 2]);
`,
    });
    expect(await compile(tsc7, dir, { ...strict, declaration: true, outDir: 'out', rootDir: '.' }, ['others.ts'])).toBe(
      '',
    );
  }, 120_000);
});

describe('AZ-4: with TypeScript 5.0–5.3, push(channel, value) still checks the value', () => {
  const program = `import { Channel, push, selectNowait } from 'chanasync';

const numbers = new Channel<number>(1);
// A string into a Channel<number>: must not compile.
selectNowait([push(numbers, 'not a number')]);
`;
  /** TypeScript 5.3.3's `tsc`, installed once for the tests below (a failed install fails them). */
  let tsc53 = '';
  beforeAll(async () => {
    const dir = join(work, 'typescript-5.3');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ts53', private: true }));
    const installed = await run(
      'npm',
      ['install', 'typescript@5.3.3', '--prefer-offline', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts'],
      dir,
      { timeout: 120_000 },
    );
    if (installed.code !== 0) throw new Error(`npm install typescript@5.3.3 failed:\n${installed.output}`);
    tsc53 = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  }, 130_000);

  test('the compiler is TypeScript 5.3.3', async () => {
    expect((await run(process.execPath, [tsc53, '-v'], work, { timeout: 60_000 })).output).toBe('Version 5.3.3');
  }, 60_000);

  // The lib list TypeScript 5.3 knows (no DOM.AsyncIterable); skipLibCheck true, as `tsc --init`
  // and the Vite/Next templates set it.
  const options53 = { ...strict, skipLibCheck: true, lib: ['ES2022', 'DOM', 'DOM.Iterable'] };

  test('a wrong value in a push case is a type error (skipLibCheck true)', async () => {
    const dir = project('ts53', { 'main.ts': program });
    // Today: no diagnostics at all — NoInfer (TypeScript 5.4+) is unresolved in dist/select.d.ts,
    // so PushValue<T> takes any value. The repository's TypeScript reports TS2345.
    expect(await compile(tsc53, dir, options53, ['main.ts'])).toMatch(/main\.ts\(5,29\): error TS2345/);
  }, 120_000);

  test('the declarations themselves compile (skipLibCheck false)', async () => {
    const dir = project('ts53-libcheck', { 'main.ts': 'import { push } from "chanasync";\nexport { push };\n' });
    // Today: dist/select.d.ts(29,58): error TS2304: Cannot find name 'NoInfer'. (twice)
    expect(await compile(tsc53, dir, { ...options53, skipLibCheck: false }, ['main.ts'])).toBe('');
  }, 120_000);

  test.skipIf(!existsSync(tsc5))(
    'probe (holds): TypeScript 5.6 (attw’s) reports the wrong value',
    async () => {
      const dir = project('ts56', { 'main.ts': program });
      const output = await compile(tsc5, dir, strict, ['main.ts']);
      expect(output).toMatch(/main\.ts\(5,29\): error TS2345/);
      expect(output.split('\n')).toHaveLength(1);
    },
    120_000,
  );
});

describe('AZ-5: a subclass of ChannelObject reaches its ctx and env, as a DurableObject does', () => {
  test('methods added by a subclass type-check when they read this.env and this.ctx', async () => {
    const dir = project('durable-subclass', {
      'worker.ts': `import { ChannelObject } from 'chanasync/durable';

/** ChannelObject plus one RPC method of the application's own. */
export class AppChannels extends ChannelObject {
  /** Reads the Worker's env and the object's id, as any Durable Object method may. */
  describe(): string {
    return \`\${String(this.ctx.id)} \${Object.keys(this.env as object).join(',')}\`;
  }
}
`,
    });
    // Today: TS2339 "Property 'ctx' does not exist on type 'AppChannels'" and the same for 'env':
    // ChannelObjectInstance declares only the brand and alarm(). At run time the class extends
    // cloudflare:workers' DurableObject, whose ctx and env are set by its constructor.
    expect(await compile(tsc7, dir, { ...strict, noEmit: true }, ['worker.ts'])).toBe('');
  }, 120_000);
});
