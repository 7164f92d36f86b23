/**
 * Audit E: the packed tarball in consumer projects that earlier package tests did not build —
 * a Worker script typed with the `WebWorker` lib instead of `DOM`, a library that emits
 * declarations from chanasync's inferred types, the README's page-and-Worker example built
 * with Vite (the version the repository has) and run in Chromium, and the README's durable
 * channel Worker bundled from the tarball and run in workerd (Miniflare).
 *
 * As in test/audit-package.test.ts: `npm pack` in a fresh copy of the repository, the tarball
 * installed with `--offline` into new projects outside it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ABSENT_FROM_CHANNEL_ONLY } from '../helpers/channel-only.js';
import { must, packTarball, run } from '../helpers/pack.js';
import { openStaticPage } from '../helpers/static-page.js';

const root = join(import.meta.dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let work = '';
let consumer = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'chanasync-audit-e-'));
  const tarball = await packTarball(root, work);
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await must('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], consumer);
}, 120_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

/** Compiles `files` in the consumer project with strict options plus `options`. */
function compile(name: string, files: Record<string, string>, options: object) {
  for (const [file, text] of Object.entries(files)) writeFileSync(join(consumer, file), text);
  const compilerOptions = {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    strict: true,
    skipLibCheck: false,
    types: [],
    ...options,
  };
  writeFileSync(
    join(consumer, `tsconfig.${name}.json`),
    JSON.stringify({ compilerOptions, files: Object.keys(files) }),
  );
  return run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`, '--pretty', 'false'], consumer);
}

describe('TypeScript consumers the earlier package tests did not build', () => {
  test('a Worker script typed with lib WebWorker (no DOM) compiles against chanasync, /debug and /port, strict, skipLibCheck false', async () => {
    const worker = `
import { Channel, after, fromEvent, select, pull, toReadableStream } from 'chanasync';
import { enableDebug, relayDebug } from 'chanasync/debug';
import { fromPort, toPort, type PortLike } from 'chanasync/port';

enableDebug();
const port: PortLike = self;
const numbers = fromPort<number>(self, { name: 'numbers', capacity: 64 });
const squares = new Channel<number>(64);
const sending = toPort(squares, self, { name: 'squares', transfer: () => [] });
const messages = fromEvent(self, 'message');
const nested = new Worker('nested.js', { type: 'module' });
const stop = relayDebug(nested);
const stream: ReadableStream<number> = toReadableStream(squares);
void (async () => {
  for await (const n of numbers) {
    const won = await select([pull(after(10)), pull(messages)]);
    if (won.index === 1 && won.ok) won.value.data satisfies unknown;
    await squares.push(n * n);
  }
  squares.close();
  const { sent, undelivered } = await sending;
  console.log(sent, undelivered.length, port, stream);
  stop();
})();
export {};
`;
    const result = await compile('webworker', { 'worker.ts': worker }, { lib: ['ES2022', 'WebWorker'] });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  test('a library that exports values of inferred chanasync types emits portable declarations (no TS2742)', async () => {
    const lib = `
import { Channel, after, broadcast, from, fromEvent, merge, pull, select, ticker, toReadableStream } from 'chanasync';
import { snapshot } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
import { durableChannel, type DurableObjectNamespaceLike } from 'chanasync/durable';

export const channel = new Channel<number>(1);
export const iterator = channel[Symbol.asyncIterator]();
export const stats = channel.stats();
export const timer = after(1);
export const ticks = ticker(1);
export const hub = broadcast(channel);
export const merged = merge(channel, from(['a']));
export const events = fromEvent(new EventTarget(), 'x');
export const stream = toReadableStream(channel);
export const chosen = select([pull(channel)]);
export const state = snapshot();
export const received = fromPort<number>(new MessageChannel().port1);
export const sending = toPort(channel, new MessageChannel().port2);
export const queue = (namespace: DurableObjectNamespaceLike) => durableChannel<number>(namespace, 'jobs');
export const delivery = (namespace: DurableObjectNamespaceLike) => queue(namespace).pullWithId();
export const queueStats = (namespace: DurableObjectNamespaceLike) => queue(namespace).stats();
`;
    const result = await compile(
      'declarations',
      { 'lib.ts': lib },
      { lib: ['ES2022', 'DOM'], declaration: true, emitDeclarationOnly: true, outDir: 'out', noEmit: false },
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
    const emitted = readFileSync(join(consumer, 'out', 'lib.d.ts'), 'utf8');
    // Every type is named through a package entry, never a path into dist/.
    expect(emitted).not.toMatch(/dist\//);
    expect(emitted).toMatch(/import\("chanasync\/port"\)\.PortResult<number>/);
  });
});

/** The TypeScript 5 that attw ships: the only one on this machine (see test/audit-package.test.ts). */
const typescript5 = join(root, 'node_modules', '@arethetypeswrong', 'core', 'node_modules', 'typescript');

describe('a TypeScript 5 project still on moduleResolution "node" (node10)', () => {
  // TypeScript 7 removed node10, but TypeScript 5 projects with `"moduleResolution": "node"`
  // (its default for `module: commonjs`, and many older bundler setups) are common; node10 reads
  // no `exports`, so the subpaths need `typesVersions`.
  test.skipIf(!existsSync(join(typescript5, 'bin', 'tsc')))(
    'resolves the types of every entry: chanasync, /debug, /port, /durable, /protocol',
    async () => {
      const program = `
import { Channel } from 'chanasync';
import { enableDebug, relayDebug } from 'chanasync/debug';
import { fromPort, toPort, type PortResult } from 'chanasync/port';
import { ChannelObject, durableChannel, type DurableChannel } from 'chanasync/durable';
import { isPageToInspectorMessage, type SnapshotMessage } from 'chanasync/protocol';

export const values: unknown[] = [Channel, enableDebug, relayDebug, fromPort, toPort, ChannelObject, durableChannel, isPageToInspectorMessage];
export type Types = [PortResult<number>, DurableChannel<number>, SnapshotMessage];
`;
      writeFileSync(join(consumer, 'node10.ts'), program);
      const compilerOptions = {
        target: 'ES2022',
        module: 'esnext',
        moduleResolution: 'node',
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        lib: ['ES2022', 'DOM'],
        types: [],
      };
      writeFileSync(join(consumer, 'tsconfig.node10.json'), JSON.stringify({ compilerOptions, files: ['node10.ts'] }));
      const result = await run(
        process.execPath,
        [join(typescript5, 'bin', 'tsc'), '-p', 'tsconfig.node10.json', '--pretty', 'false'],
        consumer,
      );
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    },
  );
});

describe('the README page-and-Worker example, built with Vite', () => {
  test('builds from the tarball and runs in Chromium: 1000 squares in order, every number sent, nothing thrown', async () => {
    const app = join(consumer, 'vite-app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'index.html'),
      '<!doctype html><html><head><link rel="icon" href="data:,"></head><body><pre id="out"></pre><script type="module" src="./page.js"></script></body></html>',
    );
    // The README's page.js and worker.js (section "Channels across Workers and frames"), with
    // the page's results written where the test reads them.
    writeFileSync(
      join(app, 'page.js'),
      `import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const numbers = new Channel(64);
const sending = toPort(numbers, worker, { name: 'numbers' });
const squares = fromPort(worker, { name: 'squares', capacity: 64 });

void (async () => {
  for (let i = 0; i < 1000; i++) await numbers.push(i); // waits while the worker is behind
  numbers.close();
})();
const got = [];
for await (const square of squares) got.push(square);
const { sent, undelivered } = await sending;
document.getElementById('out').textContent = JSON.stringify({
  count: got.length,
  inOrder: got.every((square, i) => square === i * i),
  sent,
  undelivered,
});
`,
    );
    writeFileSync(
      join(app, 'worker.js'),
      `import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

const numbers = fromPort(self, { name: 'numbers', capacity: 64 });
const squares = new Channel(64);
const sending = toPort(squares, self, { name: 'squares' });
for await (const n of numbers) await squares.push(n * n);
squares.close(); // the page's for-await ends after the last square
await sending;
`,
    );
    const vite = await import('vite');
    await vite.build({
      root: app,
      configFile: false,
      logLevel: 'silent',
      build: { outDir: join(app, 'dist'), target: 'es2022', emptyOutDir: true },
      worker: { format: 'es' },
    });
    const bundled = readFileSync(join(app, 'dist', 'index.html'), 'utf8');
    expect(bundled).toMatch(/assets\//);
    const { out, problems } = await openStaticPage(join(app, 'dist'));
    expect(problems).toEqual([]);
    expect(out).toEqual({ count: 1000, inOrder: true, sent: 1000, undelivered: [] });
  }, 60_000);
});

describe('tree-shaking in Vite (Rolldown), not only esbuild', () => {
  test('a Vite build that imports only Channel has no select, helper, port or debug code', async () => {
    const app = join(consumer, 'vite-shake');
    mkdirSync(app);
    writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    writeFileSync(join(app, 'main.js'), "import { Channel } from 'chanasync'; console.log(new Channel(1));");
    const vite = await import('vite');
    await vite.build({
      root: app,
      configFile: false,
      logLevel: 'silent',
      build: { outDir: join(app, 'dist'), target: 'es2022', minify: false, emptyOutDir: true },
    });
    const assets = join(app, 'dist', 'assets');
    const code = readdirSync(assets)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(assets, file), 'utf8'))
      .join('\n');
    expect(code).toMatch(/Channel/);
    for (const name of ABSENT_FROM_CHANNEL_ONLY) {
      expect(code, name).not.toContain(name);
    }
  }, 60_000);
});

describe('the README durable-channel Worker, from the tarball', () => {
  test('pasted as is, bundled and run in workerd: POST stores a job (once per idempotency key), GET takes it, an empty queue answers 204 after its timeout', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Durable channels on Cloudflare'));
    const block = /```ts no-run\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toContain('durableChannel');
    // The Worker's main module, as a user's Worker would have it (the README's block verbatim).
    writeFileSync(join(consumer, 'durable-worker.ts'), block!);
    const built = await esbuild.build({
      entryPoints: [join(consumer, 'durable-worker.ts')],
      absWorkingDir: consumer,
      external: ['cloudflare:*'],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      write: false,
    });
    const script = built.outputFiles[0]?.text ?? '';
    expect(script).toContain('chanasync'); // bundled from the installed package
    const worker = new Miniflare({
      modules: true,
      script,
      compatibilityDate: '2026-04-01',
      durableObjects: { CHANNELS: { className: 'ChannelObject', useSQLite: true } },
    });
    try {
      const post = (job: unknown, key?: string) =>
        worker.dispatchFetch('http://worker/', {
          method: 'POST',
          body: JSON.stringify(job),
          headers: key === undefined ? {} : { 'idempotency-key': key },
        });
      expect((await post({ url: 'https://a.example' })).status).toBe(202);
      expect((await post({ url: 'https://b.example' }, 'job-b')).status).toBe(202);
      expect((await post({ url: 'https://b.example' }, 'job-b')).status).toBe(202); // a retry: stored once
      const taken = await worker.dispatchFetch('http://worker/');
      expect(taken.status).toBe(200);
      expect(await taken.json()).toEqual([{ url: 'https://a.example' }, { url: 'https://b.example' }]);
      const started = Date.now();
      const empty = await worker.dispatchFetch('http://worker/');
      expect(empty.status).toBe(204); // the 5 s timeout took nothing
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    } finally {
      await worker.dispose();
    }
  }, 60_000);
});
