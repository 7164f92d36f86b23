/**
 * Every export is documented as the style guide asks ("Give every export TSDoc whose first
 * sentence or two state its semantics, plus `@throws` and an `@example` that compiles"), in the
 * declarations a consumer gets: the built `dist/**\/*.d.ts` of every package entry (run
 * `npm run build` first: the first test fails when dist/ is older than src/; it does not
 * rebuild, since dist/ is shared with the tests running beside it).
 *
 * Every `@example` is type-checked: each is a module of its own in one temporary project that
 * extends the package's tsconfig (strict; unused names allowed, as in test/tsconfig.json), with
 * `chanasync`, `chanasync/debug`, … mapped by `paths` to the built declarations of
 * package.json `exports`, compiled by the repository's `tsc` (TypeScript 7, run as a process).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type Declaration,
  DeclarationReader,
  type Doc,
  type Export,
  exampleCode,
  type Member,
  members,
  parseDoc,
} from './helpers/dts-docs.js';
import { run } from './helpers/pack.js';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
};

/** The package entries, their declaration files and built modules: `chanasync/debug` → dist/debug/index.d.ts, dist/debug.js. */
const entries = Object.entries(pkg.exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => ({
    specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
    types: (typeof target === 'string' ? target : target.types).replace(/^\.\//, ''),
    code: (typeof target === 'string' ? target : target.default).replace(/^\.\//, ''),
  }));

/**
 * What each entry's examples may assume besides what they import and declare: an example is a
 * module of its own, as a user would paste it into a file, so it imports what it uses — except
 * that the example of a class's member that imports nothing gets its class imported (`import {
 * Channel } from 'chanasync'` before `Channel.push`'s example; see {@link preamble}). The
 * durable entry runs in a Worker: its examples get the Worker's `env` with a `ChannelObject`
 * binding named `CHANNELS` (the README's name), unless they declare `env` themselves. The
 * others (`chanasync`, `chanasync/debug`, `chanasync/protocol`, `chanasync/port`) get nothing:
 * they run on any platform with the DOM lib (the package tsconfig's `lib`).
 */
const preambles: Record<string, { declares: RegExp; code: string }> = {
  'chanasync/durable': {
    declares: /\bdeclare const env\b/,
    code: "declare const env: { CHANNELS: import('chanasync/durable').DurableObjectNamespaceLike };\n",
  },
};

/**
 * The preamble of an example, as {@link preambles} says. A class member's example leaves out
 * the import of its class because esbuild keeps the doc comments of class members in the
 * unminified dist/*.js: an `import … from 'chanasync'` there reads, to the tests that scan the
 * built files and consumers' bundles for imports of the package (spec-first-map, env-consumers),
 * as an import.
 */
function preamble(item: Documented, code: string): string {
  const given = preambles[item.entry];
  const env = given === undefined || given.declares.test(code) ? '' : given.code;
  const member =
    item.owner?.kind === 'class' && !/^\s*import\b/m.test(code)
      ? `import { ${item.owner.name} } from '${item.entry}';\n`
      : '';
  return `${env}${member}`;
}

/**
 * The interfaces whose methods are held to the rules of a class's methods (`@example`,
 * `@throws`): the objects chanasync hands out and users call methods on without constructing
 * them. The other exported interfaces point at `Channel`'s docs (`PushChannel`, `PullChannel`:
 * `See {@link Channel.push}`) or describe what the user provides (`PortLike`, `DebugTarget`,
 * `RelayEndpoint`, `DurableObjectNamespaceLike`); their members need TSDoc only.
 */
const methodInterfaces = new Set(['Broadcast', 'DurableChannel']);

/** The types whose every method needs an `@example` (the brief's list: the methods used most). */
const exampleOwners = new Set(['Channel', 'Broadcast', 'DurableChannel']);

/**
 * The exported functions and public methods that need no `@throws`: by their contract they
 * neither throw nor reject. Everything else callable that is exported (functions, constructors
 * and methods of exported classes, methods of {@link methodInterfaces}) has `@throws`.
 */
const cannotThrow: Record<string, string> = {
  'chanasync Channel.stats': 'reads fields; no arguments',
  'chanasync Channel.toJSON': 'returns stats(); no arguments',
  'chanasync Channel.tryPull': 'returns undefined instead of throwing (SPEC: tryPull never throws)',
  'chanasync Channel.close': 'idempotent; parked operations fail, close itself does not (SPEC: close)',
  'chanasync Channel.[asyncDispose]': 'only calls close()',
  'chanasync Channel.[dispose]': 'only calls close()',
  'chanasync Broadcast.close': 'idempotent; closes the subscribers, which never throws',
  'chanasync Broadcast.[Symbol.dispose]': 'is close()',
  'chanasync ChannelError.constructor': 'only builds the message and sets fields',
  'chanasync/protocol isInspectorToPageMessage': 'a type guard: anything else, even a throwing Proxy, is false',
  'chanasync/protocol isPageToInspectorMessage': 'a type guard: anything else, even a throwing Proxy, is false',
  'chanasync/protocol isInstanceId': 'a type guard: anything else is false',
  'chanasync/port isPortMessage': 'a type guard: anything else is false',
  'chanasync/debug disableDebug': 'takes no arguments; stopping a session only removes listeners and timers',
  'chanasync/debug clearLeaks': 'takes no arguments and only empties a list',
  'chanasync/debug snapshot': 'takes no arguments and only reads the registry',
};

/** Whether a declaration's type is a function: `const f: (x) => y` or a function declaration. */
function isFunction(declaration: Declaration): boolean {
  if (declaration.kind === 'function') return true;
  if (declaration.kind !== 'const') return false;
  const type = declaration.statement.text.replace(/^[^:]*:\s*/, '');
  return /^(?:<[^=]*>\s*)?\(/.test(type) && type.includes('=>');
}

/**
 * Whether a `const` declares a class: its type is an interface of `interfaces` with a construct
 * signature (`ChannelObject: ChannelObjectClass`).
 */
function isClassValue(declaration: Declaration, interfaces: Map<string, Declaration>): boolean {
  const type = declaration.statement.text.match(/^[^:]*:\s*([\w$]+)$/)?.[1];
  const body = type === undefined ? undefined : interfaces.get(type)?.statement.body;
  return (
    declaration.kind === 'const' && body !== undefined && members(body).some((member) => member.kind === 'constructor')
  );
}

/** The parsed doc of a declaration or member, if it has one. */
function docOf(statement: { doc: string | undefined }): Doc | undefined {
  return statement.doc === undefined ? undefined : parseDoc(statement.doc);
}

const hasTag = (doc: Doc | undefined, tag: string) => doc?.tags.some((entry) => entry.tag === tag) === true;

/** A documented thing: an export or a member of one, with the entry it is reached from. */
interface Documented {
  /** `chanasync Channel`, `chanasync Channel.push`. */
  label: string;
  entry: string;
  /** For a member: the class or interface it belongs to. */
  owner: { name: string; kind: 'class' | 'interface' } | undefined;
  doc: Doc | undefined;
  /** An export (function, class, …) or a member (method, getter, …). */
  kind: Declaration['kind'] | Member['kind'] | 'class value';
  callable: boolean;
  /** Needs an `@example`. */
  needsExample: boolean;
  /** Is held to the `@throws` rule. */
  throwsRule: boolean;
}

/** Whether a file of src/ is newer than dist/index.d.ts (or dist/ is missing). */
const distIsStale = () => {
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((item) =>
        item.isDirectory() ? newest(join(dir, item.name)) : statSync(join(dir, item.name)).mtimeMs,
      ),
    );
  try {
    return newest(join(root, 'src')) > statSync(join(root, 'dist', 'index.d.ts')).mtimeMs;
  } catch {
    return true;
  }
};

let exportsByEntry: { entry: string; exports: Export[] }[] = [];
let documented: Documented[] = [];

beforeAll(() => {
  const reader = new DeclarationReader(root);
  exportsByEntry = entries.map(({ specifier, types }) => ({ entry: specifier, exports: reader.exportsOf(types) }));
  documented = [];
  const interfaces = new Map<string, Declaration>();
  for (const { exports } of exportsByEntry) {
    for (const declaration of exports.flatMap((exported) => exported.declarations)) {
      if (declaration.kind === 'interface') interfaces.set(declaration.name, declaration);
    }
  }
  const seen = new Set<unknown>();
  for (const { entry, exports } of exportsByEntry) {
    for (const exported of exports) {
      for (const declaration of exported.declarations) {
        if (seen.has(declaration.statement)) continue;
        seen.add(declaration.statement);
        const label = `${entry} ${exported.name}`;
        const classValue = isClassValue(declaration, interfaces);
        const classLike = declaration.kind === 'class' || classValue;
        const callable = isFunction(declaration);
        let doc = docOf(declaration.statement);
        // An overload documented with `{@inheritDoc name}` has the first overload's tags too.
        const first = exported.declarations[0];
        if (doc?.summary.includes('{@inheritDoc') && first !== undefined && first !== declaration) {
          doc = { summary: doc.summary, tags: [...doc.tags, ...(docOf(first.statement)?.tags ?? [])] };
        }
        documented.push({
          label,
          entry,
          owner: undefined,
          doc,
          kind: classValue ? 'class value' : declaration.kind,
          callable,
          needsExample: classLike || callable,
          throwsRule: callable,
        });
        if (declaration.kind !== 'class' && declaration.kind !== 'interface') continue;
        const owner = { name: declaration.name, kind: declaration.kind };
        const held = declaration.kind === 'class' || methodInterfaces.has(declaration.name);
        for (const member of members(declaration.statement.body ?? '')) {
          const method = member.kind === 'method' || member.kind === 'constructor' || member.callable;
          documented.push({
            label: `${label}.${member.name}`,
            entry,
            owner,
            doc: docOf(member.statement),
            kind: member.kind,
            callable: method,
            needsExample: method && member.kind !== 'constructor' && exampleOwners.has(declaration.name),
            throwsRule: method && held,
          });
        }
      }
    }
  }
}, 120_000);

describe('the TSDoc of every export', () => {
  test('dist/ is built from the current src/ (else: npm run build)', () => {
    expect(distIsStale()).toBe(false);
  });

  test('every package entry exports something to document', () => {
    expect(exportsByEntry.map(({ entry }) => entry)).toEqual(entries.map(({ specifier }) => specifier));
    for (const { entry, exports } of exportsByEntry) expect(exports.length, entry).toBeGreaterThan(0);
    // The members are read too: the methods users call most are among the things checked.
    const labels = documented.map((item) => item.label);
    for (const label of [
      'chanasync Channel.push',
      'chanasync Broadcast.subscribe',
      'chanasync/durable DurableChannel.pull',
    ]) {
      expect(labels).toContain(label);
    }
  });

  test('the declarations export every value the built module exports (the scanner misses none)', () => {
    for (const { entry, exports } of exportsByEntry) {
      const code = readFileSync(join(root, entries.find(({ specifier }) => specifier === entry)!.code), 'utf8');
      const clause = [...code.matchAll(/^export \{([^}]*)\};?$/gm)].at(-1)?.[1] ?? '';
      const values = clause
        .split(',')
        .map(
          (name) =>
            name
              .trim()
              .split(/\s+as\s+/)
              .at(-1)!,
        )
        .filter((name) => name !== '');
      expect(values.length, entry).toBeGreaterThan(0);
      expect(
        values.filter((name) => !exports.some((exported) => exported.name === name)),
        entry,
      ).toEqual([]);
    }
  });

  test('every exported name, value or type, has a doc comment that opens with a sentence', () => {
    const missing: string[] = [];
    for (const { entry, exports } of exportsByEntry) {
      for (const exported of exports) {
        const docs = [exported.aliasDoc, ...exported.declarations.map((declaration) => declaration.statement.doc)];
        // An alias documented at its export specifier is documented; otherwise every declaration of the name must be.
        const ok =
          exported.aliasDoc !== undefined
            ? /\w/.test(parseDoc(exported.aliasDoc).summary)
            : docs.slice(1).every((doc) => doc !== undefined && /\w/.test(parseDoc(doc).summary));
        if (!ok) missing.push(`${entry} ${exported.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every public member of an exported class or interface (method, getter, property, constructor) has TSDoc', () => {
    const missing = documented
      .filter((item) => item.owner !== undefined && (item.doc === undefined || !/\w/.test(item.doc.summary)))
      // A constructor may be documented by its @param and @throws tags alone: the class's doc says what it makes.
      .filter((item) => !(item.kind === 'constructor' && item.doc !== undefined && item.doc.tags.length > 0))
      .map((item) => item.label);
    expect(missing).toEqual([]);
  });

  test('every exported function and class, and every method of Channel, Broadcast and DurableChannel, has an @example', () => {
    const missing = documented
      .filter((item) => item.needsExample && !hasTag(item.doc, 'example'))
      .map((item) => item.label);
    expect(missing).toEqual([]);
  });

  test('every exported function, constructor and public method that can throw or reject says so with @throws', () => {
    const missing = documented
      .filter((item) => item.throwsRule && !(item.label in cannotThrow) && !hasTag(item.doc, 'throws'))
      .map((item) => item.label);
    expect(missing).toEqual([]);
  });

  test('the list of exports that cannot throw names only exported functions and methods, none documented with @throws', () => {
    for (const label of Object.keys(cannotThrow)) {
      const item = documented.find((candidate) => candidate.label === label);
      expect(item?.throwsRule, label).toBe(true);
      expect(hasTag(item?.doc, 'throws'), label).toBe(false);
    }
  });
});

describe('the @example blocks', () => {
  const workDir = join(root, 'node_modules', '.cache', 'docs-examples');

  test('every @example type-checks against the built declarations (strict, the package tsconfig)', async () => {
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    writeFileSync(join(workDir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
    const files: string[] = [];
    const seen = new Set<string>();
    for (const item of documented) {
      const examples = item.doc?.tags.filter((entry) => entry.tag === 'example') ?? [];
      // An overload that inherits its doc repeats the first overload's examples: compile them once.
      const codes = examples.flatMap((example) => exampleCode(example.text)).filter((code) => !seen.has(code));
      codes.forEach((code, index) => {
        seen.add(code);
        const file = `${item.label.replace(/[^\w.]+/g, '-')}-${index + 1}.ts`;
        writeFileSync(join(workDir, file), `${preamble(item, code)}${code}\nexport {};\n`);
        files.push(file);
      });
    }
    expect(files.length).toBeGreaterThan(25);
    const paths = Object.fromEntries(entries.map(({ specifier, types }) => [specifier, [join(root, types)]]));
    const config = {
      extends: join(root, 'tsconfig.json'),
      compilerOptions: {
        rootDir: '.',
        noEmit: true,
        emitDeclarationOnly: false,
        declaration: false,
        noUnusedLocals: false,
        noUnusedParameters: false,
        paths,
      },
      files,
      include: [],
    };
    writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify(config, null, 2));
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], workDir);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
