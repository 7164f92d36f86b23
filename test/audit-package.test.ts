/**
 * The package as a newcomer and a consumer get it, beyond test/package.test.ts: the README's
 * links and commands, its TypeScript blocks type-checked (the `no-run` ones too) against the
 * installed tarball, `moduleResolution: nodenext`, the tarball's built files loaded as-is by
 * `<script type="module">` in Chromium, tree-shaking through the package name, and a Cloudflare
 * Worker that installs the tarball and bundles with wrangler.
 *
 * Like test/package.test.ts: `npm pack` in a fresh copy of the repository (the files git tracks
 * or would track, no `dist/`), the tarball installed with `--offline` into a new project outside
 * the repository, compiled with the repository's TypeScript. No network.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ABSENT_FROM_CHANNEL_ONLY } from './helpers/channel-only.js';
import { PORT_ROUND_TRIP } from './helpers/consumer-snippets.js';
import { must, packTarball, run } from './helpers/pack.js';
import { openStaticPage } from './helpers/static-page.js';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  scripts: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};
/** The READMEs a newcomer reads: the package's and the examples'. */
const readmes = ['README.md', ...readdirSync(join(root, 'examples')).map((name) => `examples/${name}/README.md`)]
  .concat(existsSync(join(root, 'inspector-extension', 'README.md')) ? ['inspector-extension/README.md'] : [])
  .filter((file) => existsSync(join(root, file)));

/** Wrangler offline and quiet, as the repository's own scripts run it. */
const wranglerEnv = { CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

/** The strict consumer options every compile here starts from. */
const strict = {
  target: 'ES2022',
  noEmit: true,
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  skipLibCheck: false,
  types: [] as string[],
};

/** Writes `tsconfig.<name>.json` into `dir` and compiles it; resolves with tsc's output and code. */
function compile(dir: string, name: string, compilerOptions: object, files: { files?: string[]; include?: string[] }) {
  const config = `tsconfig.${name}.json`;
  writeFileSync(join(dir, config), JSON.stringify({ compilerOptions, ...files }, null, 2));
  return run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], dir);
}

/** A new project in `work` with the tarball installed. */
async function consumerProject(name: string, type: 'module' | 'commonjs' = 'module'): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  await must('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], dir);
  return dir;
}

let work = '';
let tarball = '';
/** A consumer project (ESM) with the tarball installed. */
let consumer = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'chanasync-audit-package-'));
  tarball = await packTarball(root, work);
  consumer = await consumerProject('consumer');
}, 120_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the READMEs, as a newcomer follows them', () => {
  test('every relative link and image in the READMEs points at a file of the repository', () => {
    const broken: string[] = [];
    for (const readme of readmes) {
      const text = readFileSync(join(root, readme), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
        const file = target!.replace(/#.*$/, '');
        if (!existsSync(join(root, dirname(readme), file))) broken.push(`${readme} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('every `npm run` and `npm <script>` a README tells you to type is a script of package.json', () => {
    const builtIn = new Set(['ci', 'install', 'pack', 'test', 'start', 'run']);
    const missing: string[] = [];
    for (const readme of readmes) {
      const text = readFileSync(join(root, readme), 'utf8');
      for (const [, script] of text.matchAll(/\bnpm run ([\w:.-]+)/g)) {
        if (!(script! in pkg.scripts)) missing.push(`${readme}: npm run ${script}`);
      }
      for (const [, command] of text.matchAll(/\bnpm (test|start)\b/g)) {
        if (!(command! in pkg.scripts)) missing.push(`${readme}: npm ${command}`);
      }
      for (const [, command] of text.matchAll(/^\s*npm ([a-z-]+)/gm)) {
        if (!builtIn.has(command!) && !(command! in pkg.scripts)) missing.push(`${readme}: npm ${command}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every file a README tells you to run (node …, npx vitest run …, npx tsc -p …) exists from the repository root', () => {
    const missing: string[] = [];
    for (const readme of readmes) {
      const text = readFileSync(join(root, readme), 'utf8');
      const commands = text.matchAll(
        /\b(?:node(?: --[\w-]+)*|npx vitest run|npx tsc -p) ([\w./-]+\/[\w./-]*|[\w.-]+\.m?js)\b/g,
      );
      for (const [command, path] of commands) {
        if (!existsSync(join(root, path!))) missing.push(`${readme}: ${command}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('the README opens with the two commands a newcomer needs: npm ci && npm start, npm ci && npm test', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const firstBlock = readme.match(/^```sh\n([\s\S]*?)^```$/m)?.[1] ?? '';
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('\n## '));
    expect(firstBlock).toMatch(/^npm ci && npm start\b/m);
    expect(firstBlock).toMatch(/^npm ci && npm test\b/m);
    expect(pkg.scripts.start).toBe('node examples/browser/serve.mjs');
  });

  test('every ts block of the README, no-run ones included, type-checks against the installed package (strict)', async () => {
    const readme = readFileSync(join(consumer, 'node_modules', pkg.name, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```ts(?: no-run)?\n([\s\S]*?)^```$/gm)].map(([, code]) => code!);
    expect(blocks.length).toBeGreaterThan(10);
    const dir = join(consumer, 'readme-blocks');
    mkdirSync(dir, { recursive: true });
    // Each block is a module of its own, as a newcomer would paste it into a file.
    const files = blocks.map((code, index) => {
      const file = `readme-blocks/block-${String(index + 1).padStart(2, '0')}.ts`;
      writeFileSync(join(consumer, file), `${code}\nexport {};\n`);
      return file;
    });
    // The README's own claim: `"lib": ["ES2022", "DOM"]` is enough.
    const options = { ...strict, lib: ['ES2022', 'DOM'], module: 'nodenext', moduleResolution: 'nodenext' };
    const result = await compile(consumer, 'readme', options, { files });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});

describe('a TypeScript consumer with moduleResolution nodenext', () => {
  /** The consumer programs of test/package.test.ts: one per entry, each importing all its exports. */
  const programs = join(import.meta.dirname, 'package', '.consumer');

  test('every entry compiles with module nodenext, strict and skipLibCheck false', async () => {
    const files = readdirSync(programs).filter((file) => file.endsWith('.ts'));
    for (const entry of Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json')) {
      expect(files, entry).toContain(`${entry === '.' ? 'index' : entry.slice(2)}.ts`);
    }
    const dir = join(consumer, 'nodenext');
    mkdirSync(dir);
    for (const file of files) cpSync(join(programs, file), join(dir, file));
    const options = { ...strict, lib: ['ES2022', 'DOM'], module: 'nodenext', moduleResolution: 'nodenext' };
    const result = await compile(dir, 'nodenext', { ...options, noUnusedLocals: true }, { files });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  test('a consumer whose lib is ES2020 compiles too: the declarations bring the WeakRef and disposable libs they use', async () => {
    const dir = join(consumer, 'es2020');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'main.ts'),
      "import { Channel } from 'chanasync';\nconst channel = new Channel<number>(1);\nchannel.tryPush(1);\nexport {};\n",
    );
    const options = {
      ...strict,
      target: 'ES2020',
      lib: ['ES2020', 'DOM'],
      module: 'nodenext',
      moduleResolution: 'nodenext',
    };
    const result = await compile(dir, 'es2020', options, { files: ['main.ts'] });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  /**
   * Most consumers still compile with TypeScript 5, and declarations written by TypeScript 7
   * must parse there too. The only TypeScript 5 on this machine is the one attw ships; without
   * it the test is skipped.
   */
  const typescript5 = join(root, 'node_modules', '@arethetypeswrong', 'core', 'node_modules', 'typescript');
  test.skipIf(!existsSync(join(typescript5, 'bin', 'tsc')))(
    'every entry compiles with TypeScript 5 too (bundler and nodenext, strict, skipLibCheck false)',
    async () => {
      const version = JSON.parse(readFileSync(join(typescript5, 'package.json'), 'utf8')).version as string;
      expect(version).toMatch(/^5\./);
      const dir = join(consumer, 'typescript5');
      mkdirSync(dir);
      const files = readdirSync(programs).filter((file) => file.endsWith('.ts'));
      for (const file of files) cpSync(join(programs, file), join(dir, file));
      for (const resolution of ['bundler', 'nodenext'] as const) {
        const options = {
          ...strict,
          lib: ['ES2022', 'DOM'],
          module: resolution === 'bundler' ? 'esnext' : 'nodenext',
          moduleResolution: resolution,
        };
        const config = `tsconfig.${resolution}.json`;
        writeFileSync(join(dir, config), JSON.stringify({ compilerOptions: options, files }));
        const result = await run(
          process.execPath,
          [join(typescript5, 'bin', 'tsc'), '-p', config, '--pretty', 'false'],
          dir,
        );
        expect(result.output, `TypeScript ${version}, ${resolution}`).toBe('');
        expect(result.code).toBe(0);
      }
    },
    60_000,
  );

  /** A program passing every option of every entry as a `T | undefined` value (a forwarded option). */
  const forwardedOptions = `import { broadcast, Channel, from, fromEvent, toReadableStream, type Overflow } from 'chanasync';
import { durableChannel, type DurableObjectNamespaceLike } from 'chanasync/durable';
import { fromPort, toPort } from 'chanasync/port';

export function forward(
  namespace: DurableObjectNamespaceLike,
  port: MessagePort,
  signal?: AbortSignal,
  capacity?: number,
  name?: string,
  overflow?: Overflow,
  ms?: number,
): void {
  const channel = new Channel<number>(capacity, { name, overflow, input: undefined });
  void channel.pull({ signal });
  from([1], { capacity, name, signal });
  fromEvent(new EventTarget(), 'tick', { capacity, overflow, signal, listenerOptions: undefined });
  toReadableStream(channel, { highWaterMark: capacity });
  broadcast(channel).subscribe({ capacity, overflow, signal });
  fromPort(port, { name, capacity, origin: undefined });
  void toPort(channel, port, { name, signal, transfer: undefined, origin: undefined });
  durableChannel<number>(namespace, 'jobs', { capacity, sliceMs: ms, leaseMs: ms });
}
`;

  test('every chanasync option given as undefined at run time means "not given", as for new Channel', async () => {
    const script = `import { broadcast, Channel, from, fromEvent, toReadableStream } from 'chanasync';
const given = [
  new Channel(undefined, { name: undefined, overflow: undefined, input: undefined }).capacity,
  from([1], { capacity: undefined, name: undefined, signal: undefined }).capacity,
  fromEvent(new EventTarget(), 'tick', { capacity: undefined, overflow: undefined, signal: undefined, listenerOptions: undefined }).capacity,
  broadcast(new Channel()).subscribe({ capacity: undefined, overflow: undefined, signal: undefined }).capacity,
  toReadableStream(new Channel(), { highWaterMark: undefined }) instanceof ReadableStream,
];
console.log(JSON.stringify(given));`;
    const output = await must(process.execPath, ['--input-type=module', '-e', script], consumer);
    expect(JSON.parse(output)).toEqual([0, 0, 1, 1, true]);
  });

  // With `exactOptionalPropertyTypes` (a strict consumer's setting), an option bag that
  // forwards an optional value — `from(source, { capacity })` where `capacity?: number` —
  // compiles only if every option is declared `x?: T | undefined`.
  test('every option accepts an undefined value in the types under exactOptionalPropertyTypes', async () => {
    const dir = join(consumer, 'forwarded-options');
    mkdirSync(dir);
    writeFileSync(join(dir, 'forward.ts'), forwardedOptions);
    const options = { ...strict, lib: ['ES2022', 'DOM'], module: 'nodenext', moduleResolution: 'nodenext' };
    const result = await compile(dir, 'forward', options, { files: ['forward.ts'] });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  test('a CommonJS project reaches the ESM-only package through import(), with its types', async () => {
    const dir = await consumerProject('cjs-consumer', 'commonjs');
    writeFileSync(
      join(dir, 'main.cts'),
      `async function main(): Promise<number> {
  const { Channel } = await import('chanasync');
  const channel = new Channel<number>(1);
  await channel.push(41);
  return (await channel.pull()) + 1;
}
main().then((answer) => console.log(answer));
`,
    );
    const options = { ...strict, lib: ['ES2022', 'DOM'], module: 'nodenext', moduleResolution: 'nodenext' };
    const result = await compile(dir, 'cjs', { ...options, noEmit: false, outDir: 'out' }, { files: ['main.cts'] });
    expect(result.output).toBe('');
    expect(await must(process.execPath, [join(dir, 'out', 'main.cjs')], dir)).toBe('42');
  }, 60_000);
});

describe('tree-shaking through the package name', () => {
  /** Bundles `code` in the consumer project, resolving `chanasync` from its node_modules. */
  async function bundle(code: string): Promise<string> {
    const result = await esbuild.build({
      stdin: { contents: code, resolveDir: consumer, loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    return result.outputFiles[0]?.text ?? '';
  }

  test('importing an entry only for its side effects bundles to nothing: sideEffects false holds', async () => {
    const entries = Object.keys(pkg.exports)
      .filter((subpath) => subpath !== './package.json' && subpath !== './durable')
      .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const specifier of entries) expect((await bundle(`import '${specifier}';`)).trim(), specifier).toBe('');
  });

  test('a bundle of only Channel from the installed package has no select, helper, port or debug code', async () => {
    const code = await bundle("import { Channel } from 'chanasync'; console.log(new Channel(1));");
    expect(code).toContain('var Channel = class');
    for (const name of [...ABSENT_FROM_CHANNEL_ONLY, 'function from(']) {
      expect(code, name).not.toContain(name);
    }
  });

  test('a bundle of only the error classes has no Channel in it', async () => {
    const code = await bundle("import { ChannelClosedError } from 'chanasync'; console.log(ChannelClosedError);");
    expect(code).toContain('ChannelClosedError');
    expect(code).not.toContain('var Channel = class');
  });

  test('a bundle of only chanasync/port has no debug-mode code', async () => {
    const code = await bundle("import { toPort, fromPort } from 'chanasync/port'; console.log(toPort, fromPort);");
    expect(code).toContain('function toPort');
    for (const name of ['function enableDebug', 'function relayDebug', 'chanasync-inspector', 'function select']) {
      expect(code, name).not.toContain(name);
    }
  });
});

describe('the tarball in a page, as-is', () => {
  test('dist/index.js, debug.js, port.js and protocol.js load from <script type="module"> in Chromium and work', async () => {
    const dir = await consumerProject('page');
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><meta charset="utf-8"><title>consumer</title><link rel="icon" href="data:,"><button>go</button><pre id="out"></pre>
<script type="module">
  import { after, Channel, from, fromEvent, pull, select, toReadableStream } from './node_modules/chanasync/dist/index.js';
  import { disableDebug, enableDebug, snapshot } from './node_modules/chanasync/dist/debug.js';
  import { fromPort, toPort } from './node_modules/chanasync/dist/port.js';
  import { isPageToInspectorMessage } from './node_modules/chanasync/dist/protocol.js';
  const out = {};
  const clicks = fromEvent(document.querySelector('button'), 'click');
  document.querySelector('button').click();
  out.click = (await clicks.pull()).type;
  clicks.close();
  out.select = (await select([pull(new Channel()), pull(after(5))])).index;
  out.stream = await new Response(toReadableStream(from(['a', 'b'])).pipeThrough(new TextEncoderStream())).text();
  ${PORT_ROUND_TRIP}
  enableDebug({ target: { postMessage() {} } });
  const parked = new Channel(0, { name: 'parked' });
  parked.pull().catch(() => {});
  const taken = snapshot();
  out.debug = [isPageToInspectorMessage(taken), taken.channels.map((channel) => channel.name)];
  parked.close();
  disableDebug();
  document.getElementById('out').textContent = JSON.stringify(out);
</script>`,
    );
    const { out, problems } = await openStaticPage(dir);
    expect(out).toEqual({
      click: 'click',
      select: 1,
      stream: 'ab',
      port: [1, 2, 3],
      sent: 3,
      debug: [true, ['parked']],
    });
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('a Cloudflare Worker consumer', () => {
  /** A Worker project, as the README's durable section sets one up, with the tarball installed. */
  async function workerProject(name: string): Promise<string> {
    const dir = await consumerProject(name);
    writeFileSync(
      join(dir, 'wrangler.jsonc'),
      JSON.stringify({
        name,
        main: 'src/index.ts',
        compatibility_date: '2026-04-01',
        durable_objects: { bindings: [{ name: 'CHANNELS', class_name: 'ChannelObject' }] },
        migrations: [{ tag: 'v1', new_sqlite_classes: ['ChannelObject'] }],
      }),
    );
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'src', 'index.ts'),
      `import { Channel, toReadableStream } from 'chanasync';
import { ChannelObject, durableChannel } from 'chanasync/durable';

export { ChannelObject };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === '/local') {
      const lines = new Channel<string>(2);
      void lines.pushAll(['a\\n', 'b\\n']).then(() => lines.close());
      return new Response(toReadableStream(lines).pipeThrough(new TextEncoderStream()));
    }
    const jobs = durableChannel<string>(env.CHANNELS, 'jobs');
    await jobs.push(await request.text());
    return Response.json(await jobs.pullMany(10));
  },
};
`,
    );
    return dir;
  }

  test('a Worker importing chanasync and chanasync/durable from the tarball bundles with wrangler deploy --dry-run', async () => {
    const dir = await workerProject('worker-consumer');
    // The Env a project without generated types declares itself.
    writeFileSync(
      join(dir, 'src', 'env.d.ts'),
      "interface Env { CHANNELS: import('chanasync/durable').DurableObjectNamespaceLike }\n",
    );
    const out = join(dir, 'out');
    const output = await must(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', out], dir, wranglerEnv);
    expect(output).toContain('env.CHANNELS (ChannelObject)');
    const bundled = readFileSync(join(out, 'index.js'), 'utf8');
    expect(bundled).toMatch(/export\s*\{[^}]*\bChannelObject\b/);
    expect(bundled).toContain('from "cloudflare:workers"');
    const types = { ...strict, lib: ['ES2022', 'DOM'], module: 'esnext', moduleResolution: 'bundler' };
    const result = await compile(dir, 'worker', types, { include: ['src'] });
    expect(result.output).toBe('');
  }, 60_000);

  // Cloudflare's own way to type a Worker is `wrangler types`, which writes
  // worker-configuration.d.ts with `CHANNELS: DurableObjectNamespace<import("./src/index").ChannelObject>`
  // and checks every export of the main module against `Rpc.DurableObjectBranded`. Before
  // `ChannelObjectInstance` carried the brand, the generated file failed with `skipLibCheck:
  // false` (TS2741 "Property '[__DURABLE_OBJECT_BRAND]' is missing", TS2344).
  test('a Worker typed by `wrangler types` type-checks with strict and skipLibCheck false', async () => {
    const dir = await workerProject('worker-typed');
    await must(process.execPath, [wrangler, 'types'], dir, wranglerEnv);
    expect(existsSync(join(dir, 'worker-configuration.d.ts'))).toBe(true);
    const types = { ...strict, target: 'ES2024', lib: ['ES2024'], module: 'esnext', moduleResolution: 'bundler' };
    const result = await compile(dir, 'worker', types, { include: ['src', 'worker-configuration.d.ts'] });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});
