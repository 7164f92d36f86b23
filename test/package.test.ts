/**
 * The package as a consumer gets it (issue 11, items 14 and 17): `npm pack` in a fresh copy of
 * the repository (its files as git sees them, no `dist/`), the tarball installed into a new
 * project outside the repository, and the consumer programs of `test/package/.consumer/`
 * compiled there — `strict`, `skipLibCheck: false`, with `moduleResolution: bundler` and with
 * `module: node16`, with the smallest `lib` that has the web platform's types and with
 * `@types/node` instead of the DOM — and run with Node.
 *
 * Each package entry in `exports` needs a consumer program there (`chanasync` → `index.ts`,
 * `chanasync/debug` → `debug.ts`, …) that imports every export its declarations declare;
 * `noUnusedLocals` then makes sure each one is used. `types.ts` holds the variance and
 * directional type tests, and `disposable.ts` a block closed by `await using`.
 *
 * Node only (npm, tar and the repository's TypeScript); no network: the package has no
 * dependencies and the tarball is installed with `--offline`.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { must, packTarball, type Run, run } from './helpers/pack.js';

const root = join(import.meta.dirname, '..');
/**
 * The consumer programs. The folder's name starts with a dot so that the repository's own
 * `tsc -p test/tsconfig.json` leaves them alone: they import `chanasync` by name, which there
 * would resolve to whatever `dist/` holds at the moment; here they are compiled against the tarball.
 */
const programs = join(import.meta.dirname, 'package', '.consumer');
const programsPath = 'test/package/.consumer';
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  license: string;
  exports: Record<string, string | { types: string; default: string }>;
};

/** The package entries: `'.'` → `chanasync`, `'./debug'` → `chanasync/debug`, with their files. */
const entries = Object.entries(pkg.exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => {
    if (typeof target === 'string') throw new Error(`exports["${subpath}"] has no "types" condition`);
    return {
      subpath,
      specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
      program: `${subpath === '.' ? 'index' : subpath.slice(2)}.ts`,
      types: target.types,
      code: target.default,
    };
  });

/** Every file under `dir`, as a POSIX path relative to it. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name), base)
      : [relative(base, join(dir, entry.name)).split('\\').join('/')],
  );
}

/**
 * The names a declaration file exports, each marked as a value (present at run time) or a type.
 * Reads the forms `tsc` emits; an `export *` is followed, and `export =` is refused.
 */
function declaredExports(file: string): Map<string, 'value' | 'type'> {
  const names = new Map<string, 'value' | 'type'>();
  /** Records an export; a name that is both a value and a type (a class, say) is a value. */
  const mark = (name: string, kind: 'value' | 'type') => {
    if (names.get(name) !== 'value') names.set(name, kind);
  };
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  for (const [, typeOnly, list] of text.matchAll(/^export\s+(type\s+)?\{([^}]*)\}/gm)) {
    for (const specifier of (list ?? '').split(',').map((part) => part.trim())) {
      if (specifier === '') continue;
      const [, typeSpecifier, name, alias] = specifier.match(/^(type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/) ?? [];
      if (name === undefined) throw new Error(`${file}: cannot read the export specifier "${specifier}"`);
      mark(alias ?? name, typeOnly || typeSpecifier ? 'type' : 'value');
    }
  }
  for (const [, kind, name] of text.matchAll(
    /^export\s+(?:declare\s+)?(?:abstract\s+)?(class|function|const|let|var|enum|namespace|interface|type)\s+([\w$]+)/gm,
  )) {
    mark(name!, kind === 'interface' || kind === 'type' ? 'type' : 'value');
  }
  for (const [, name] of text.matchAll(/^export\s+\*\s+as\s+([\w$]+)\s+from/gm)) mark(name!, 'value');
  for (const [, target] of text.matchAll(/^export\s+\*\s+from\s+['"](\.[^'"]+)['"]/gm)) {
    for (const [name, kind] of declaredExports(join(dirname(file), target!.replace(/\.js$/, '.d.ts')))) {
      mark(name, kind);
    }
  }
  if (/^export\s+default\b/m.test(text)) mark('default', 'value');
  if (/^export\s*=/m.test(text)) throw new Error(`${file}: "export =" is not an ESM declaration`);
  return names;
}

/** The names a program imports from `specifier` (exactly that specifier). */
function importedNames(source: string, specifier: string): Set<string> {
  const names = new Set<string>();
  const quoted = specifier.replace(/[/.]/g, (char) => `\\${char}`);
  const pattern = new RegExp(`^import\\s+(?:type\\s+)?\\{([^}]*)\\}\\s+from\\s+['"]${quoted}['"]`, 'gm');
  for (const [, list] of source.matchAll(pattern)) {
    for (const specifierText of (list ?? '').split(',').map((part) => part.trim())) {
      const name = specifierText.match(/^(?:type\s+)?([\w$]+)/)?.[1];
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

/**
 * Whether a built module, or one it imports, imports a module of the Workers runtime
 * (`cloudflare:workers`): Node cannot load it as it is.
 */
function needsWorkers(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  if (/^(?:import|export)\b[^;]*?\bfrom\s*["']cloudflare:/m.test(code)) return true;
  return [...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/gm)].some(([, target]) =>
    needsWorkers(join(dirname(file), target!), seen),
  );
}

/** The working directory of this file's tests: a clone, the tarball, and a consumer project. */
let work = '';
/** The installed package inside the consumer project. */
let installed = '';
/** The consumer project. */
let consumer = '';
/** The files in the tarball, relative to its `package/` folder. */
let tarballFiles: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'chanasync-package-'));
  const tarball = await packTarball(root, work);
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  await must('tar', ['-xzf', tarball, '-C', unpacked], work);
  tarballFiles = filesUnder(join(unpacked, 'package'));

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await must('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], consumer);
  installed = join(consumer, 'node_modules', pkg.name);
  for (const file of readdirSync(programs)) cpSync(join(programs, file), join(consumer, file));
}, 120_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  test('npm pack from a fresh clone builds first: every file of the exports map is in the tarball', () => {
    for (const entry of entries) {
      expect(tarballFiles, entry.subpath).toContain(posix.normalize(entry.types));
      expect(tarballFiles, entry.subpath).toContain(posix.normalize(entry.code));
    }
  });

  test('it ships the MIT LICENSE that package.json declares', () => {
    expect(pkg.license).toBe('MIT');
    expect(tarballFiles).toContain('LICENSE');
    const license = readFileSync(join(installed, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the chanasync authors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  test('it ships only the package: the built files, the sources, the docs and the license', () => {
    const allowed = /^(dist\/.+\.(js|js\.map|d\.ts)|src\/.+\.ts|README\.md|CHANGELOG\.md|LICENSE|package\.json)$/;
    expect(tarballFiles.filter((file) => !allowed.test(file))).toEqual([]);
  });

  test('every sourceMappingURL in the tarball resolves to a map in the tarball whose sources are there too', () => {
    const scripts = tarballFiles.filter((file) => file.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const urls = [...readFileSync(join(installed, script), 'utf8').matchAll(/^\/\/# sourceMappingURL=(.+)$/gm)];
      for (const [, url] of urls) {
        const map = posix.join(posix.dirname(script), url!.trim());
        expect(tarballFiles, `${script} points at ${url}`).toContain(map);
        const { sources, sourcesContent } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as {
          sources: string[];
          sourcesContent?: (string | null)[];
        };
        sources.forEach((source, index) => {
          const embedded = typeof sourcesContent?.[index] === 'string';
          const shipped = tarballFiles.includes(posix.join(posix.dirname(map), source));
          expect(embedded || shipped, `${map} names ${source}`).toBe(true);
        });
      }
    }
  });
});

describe('a TypeScript consumer', () => {
  test('every package entry has a consumer program that imports each of its exports', () => {
    for (const entry of entries) {
      const program = join(programs, entry.program);
      expect(existsSync(program), `${programsPath}/${entry.program} uses ${entry.specifier}`).toBe(true);
      const declared = [...declaredExports(join(installed, entry.types)).keys()].sort();
      const imported = [...importedNames(readFileSync(program, 'utf8'), entry.specifier)].sort();
      expect(imported, `what ${programsPath}/${entry.program} imports from ${entry.specifier}`).toEqual(declared);
    }
  });

  /**
   * The consumer configurations: the module resolution, the `lib`, and the global types a
   * consumer may have. The smallest `lib` with the web platform's types (`DOM`) must do: the
   * declarations bring the disposal types themselves. A Node project without `DOM` gets the
   * web-platform globals from `@types/node`; `types.ts` needs the DOM's elements and stays out.
   */
  const configurations = [
    { resolution: 'bundler', lib: 'ES2022, DOM', types: 'none' },
    { resolution: 'bundler', lib: 'ESNext, DOM, DOM.Iterable, DOM.AsyncIterable', types: 'none' },
    { resolution: 'node16', lib: 'ES2022, DOM', types: 'none' },
    { resolution: 'node16', lib: 'ES2022', types: 'node' },
  ] as const;

  test.each(configurations)(
    'compiles with strict, skipLibCheck false, moduleResolution $resolution, lib $lib and types $types',
    async ({ resolution, lib, types }) => {
      const name = `${resolution}-${lib.replace(/\W+/g, '-')}-${types}`;
      const programFiles = [...entries.map((entry) => entry.program), 'disposable.ts'];
      if (types === 'node') {
        // @types/node and its one dependency, as `npm install -D @types/node` would add them.
        mkdirSync(join(consumer, 'node_modules', '@types'), { recursive: true });
        for (const dependency of ['@types/node', 'undici-types']) {
          const link = join(consumer, 'node_modules', dependency);
          if (!existsSync(link)) symlinkSync(join(root, 'node_modules', dependency), link, 'dir');
        }
      } else {
        programFiles.push('types.ts');
      }
      const compilerOptions = {
        target: 'ES2022',
        lib: lib.split(', '),
        ...(resolution === 'bundler' ? { module: 'esnext', moduleResolution: 'bundler' } : { module: 'node16' }),
        types: types === 'node' ? ['node'] : [],
        noEmit: true,
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noUnusedLocals: true,
        verbatimModuleSyntax: true,
        skipLibCheck: false,
      };
      const config = `tsconfig.${name}.json`;
      writeFileSync(join(consumer, config), JSON.stringify({ compilerOptions, files: programFiles }, null, 2));
      const result = await run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], consumer);
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    },
  );

  test('the compiled consumer programs run under Node against the installed package', async () => {
    const out = join(consumer, 'out-run');
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      module: 'node16',
      outDir: out,
      types: [],
      strict: true,
      skipLibCheck: true,
    };
    // A program of an entry that needs the Workers runtime is compiled above, not run.
    const programFiles = [
      ...entries.filter((entry) => !needsWorkers(join(installed, entry.code))).map((entry) => entry.program),
      'disposable.ts',
    ];
    expect(programFiles).toContain('index.ts');
    writeFileSync(join(consumer, 'tsconfig.run.json'), JSON.stringify({ compilerOptions, files: programFiles }));
    // Emits even when the declarations have errors: the compile tests above report those.
    await run(process.execPath, [tsc, '-p', 'tsconfig.run.json'], consumer);
    const results: Record<string, Run> = {};
    for (const program of programFiles) {
      results[program] = await run(process.execPath, [join(out, program.replace(/\.ts$/, '.js'))], consumer);
    }
    const clean = Object.fromEntries(programFiles.map((program) => [program, { code: 0, output: '', stderr: '' }]));
    expect(results).toEqual(clean);
  });
});

describe('the run-time exports', () => {
  /**
   * Each entry's run-time export names, imported by Node from the consumer project. The
   * Workers runtime's `cloudflare:workers` is stubbed with the one class chanasync/durable
   * extends, so that Node can load that entry too (nothing here runs a Durable Object).
   */
  async function runtimeExports(): Promise<Record<string, string[]>> {
    const stub = 'export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }';
    writeFileSync(
      join(consumer, 'workers-stub.mjs'),
      `export async function resolve(specifier, context, next) {
  if (specifier !== 'cloudflare:workers') return next(specifier, context);
  return { url: ${JSON.stringify(`data:text/javascript,${encodeURIComponent(stub)}`)}, shortCircuit: true };
}
`,
    );
    writeFileSync(
      join(consumer, 'register-workers-stub.mjs'),
      "import { register } from 'node:module';\nregister('./workers-stub.mjs', import.meta.url);\n",
    );
    const specifiers = JSON.stringify(entries.map((entry) => entry.specifier));
    const script = `const names = {};
for (const specifier of ${specifiers}) names[specifier] = Object.keys(await import(specifier)).sort();
console.log(JSON.stringify(names));`;
    const args = ['--import', './register-workers-stub.mjs', '--input-type=module', '-e', script];
    return JSON.parse(await must(process.execPath, args, consumer));
  }

  test('each exported class is named as it is exported (what console.log and stack traces show)', async () => {
    await runtimeExports(); // writes the Workers stub
    const specifiers = JSON.stringify(entries.map((entry) => entry.specifier));
    // A class that names itself in its own body is renamed by esbuild (`class _Channel`).
    const script = `const misnamed = [];
for (const specifier of ${specifiers}) {
  for (const [name, value] of Object.entries(await import(specifier))) {
    if (typeof value === 'function' && /^class\\b/.test(Function.prototype.toString.call(value)) && value.name !== name) {
      misnamed.push(specifier + ': ' + name + ' is named ' + value.name);
    }
  }
}
console.log(JSON.stringify(misnamed));`;
    const args = ['--import', './register-workers-stub.mjs', '--input-type=module', '-e', script];
    expect(JSON.parse(await must(process.execPath, args, consumer))).toEqual([]);
  });

  test('each entry exports at run time exactly the values its declarations declare: no internals', async () => {
    const actual = await runtimeExports();
    for (const entry of entries) {
      const declared = [...declaredExports(join(installed, entry.types))]
        .filter(([, kind]) => kind === 'value')
        .map(([name]) => name)
        .sort();
      expect(actual[entry.specifier], `import * as m from '${entry.specifier}'`).toEqual(declared);
    }
  });

  test('the README documents every run-time export of every entry', async () => {
    const readme = readFileSync(join(installed, 'README.md'), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    const codeSpans = [...readme.matchAll(/`([^`\n]+)`/g)].map(([, span]) => span!);
    const undocumented = Object.entries(await runtimeExports()).flatMap(([specifier, names]) =>
      names
        .filter(
          (name) =>
            !codeSpans.some((span) => new RegExp(`(^|[^\\w$])${name.replace(/\$/g, '\\$')}($|[^\\w$])`).test(span)),
        )
        .map((name) => `${specifier}: ${name}`),
    );
    expect(undocumented).toEqual([]);
  });
});

describe('the README, as a consumer reads it', () => {
  /** The README's ```ts blocks (the ones test/readme.test.ts runs), each with its heading. */
  function examples(readme: string): { heading: string; code: string }[] {
    const found: { heading: string; code: string }[] = [];
    let heading = '';
    for (const [, title, code] of readme.matchAll(/^#+\s*(.*)$|^```ts\n([\s\S]*?)^```$/gm)) {
      if (title !== undefined) heading = title;
      else found.push({ heading, code: code! });
    }
    return found;
  }

  test('every link to a section of the README leads to one of its headings', () => {
    const readme = readFileSync(join(installed, 'README.md'), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    // GitHub's anchors: the heading's text, lower case, without punctuation, spaces as hyphens,
    // and a -1, -2 suffix for repeated headings.
    const seen = new Map<string, number>();
    const anchors = new Set<string>();
    for (const [, heading] of readme.matchAll(/^#{1,6}\s+(.+)$/gm)) {
      const text = heading!
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .trim()
        .toLowerCase();
      const slug = text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map(([, anchor]) => anchor!);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });

  test('every TypeScript example runs to completion as a Node script in the consumer project', async () => {
    const blocks = examples(readFileSync(join(installed, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    const failed: string[] = [];
    const runExample = async (index: number): Promise<void> => {
      const { heading, code } = blocks[index]!;
      // Node does not wait for a parked promise: a script whose only pending work is one exits
      // early with code 13 (an unsettled top-level await), which an in-process test never sees.
      const script = await esbuild.transform(code, { loader: 'ts', format: 'esm', target: 'es2022' });
      const file = join(consumer, `readme-${index + 1}.mjs`);
      writeFileSync(file, script.code);
      const result = await run(process.execPath, [file], consumer, { timeout: 10_000 });
      if (result.code !== 0 || result.stderr !== '') {
        failed.push(`example ${index + 1} under "${heading}": exit code ${result.code} ${result.stderr}`.trim());
      }
    };
    // Four at a time: most examples spend their time waiting on timers, not on the CPU.
    let next = 0;
    const worker = async () => {
      while (next < blocks.length) await runExample(next++);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    failed.sort();
    expect(failed).toEqual([]);
  }, 120_000);
});
