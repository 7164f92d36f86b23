/**
 * The packed package in the toolchains consumers use, beyond test/package.test.ts (TypeScript
 * consumers compiled and run by Node, run-time export names) and test/audit-package.test.ts
 * (esbuild `--platform=browser` tree-shaking, `<script type="module">` with relative paths):
 *
 * - one consumer program, using every entry but `chanasync/durable` (which needs workerd) and
 *   importing `chanasync/port` with a dynamic `import()`, run as it is by plain Node ESM and as
 *   bundled by esbuild for `--platform=neutral` and `--platform=node`, each in a fresh `node`
 *   that must print the expected results and exit on its own, with nothing on stderr;
 * - tree-shaking for `neutral` and `node` (a bundle of only `Channel` has no select, helper,
 *   port or debug code);
 * - `import * as ns` through a bundle: the same names as Node's own import, none of the
 *   chunks' internals;
 * - a page that imports the package by bare specifiers through an import map, and a module
 *   Worker that imports its built files, streaming through `chanasync/port` in Chromium.
 *
 * Like the other package tests: `npm pack` in a fresh copy of the repository (test/helpers/pack.ts),
 * installed with `--offline` into a new project outside it. Nothing is downloaded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ABSENT_FROM_CHANNEL_ONLY } from './helpers/channel-only.js';
import { PORT_ROUND_TRIP } from './helpers/consumer-snippets.js';
import { must, packTarball, run } from './helpers/pack.js';
import { openStaticPage } from './helpers/static-page.js';

const root = join(import.meta.dirname, '..');

/** The entries a Node or browser consumer can load (chanasync/durable imports cloudflare:workers). */
const entries = ['chanasync', 'chanasync/debug', 'chanasync/port', 'chanasync/protocol'];

/** Names of the shared chunks' exports that must never be reachable from an entry. */
const internals = ['commitPush', 'commitPull', 'park', 'claim', 'NOTHING', 'Waiter', 'TimerChannel', 'setTracker'];

/**
 * The consumer program: every feature a Node or edge user reaches for, `chanasync/port`
 * loaded on demand. It prints one JSON line; nothing may keep the process alive afterwards.
 */
const consumerProgram = `import { after, Channel, from, fromEvent, pull, select, ticker, toReadableStream } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { isPageToInspectorMessage } from 'chanasync/protocol';

const out = {};
const channel = new Channel(2);
await channel.pushAll([1, 2]);
channel.close();
out.pulled = [await channel.pull(), await channel.pull()];
out.select = (await select([pull(new Channel()), pull(after(5))])).index;
const ticks = ticker(5);
out.ticks = [typeof (await ticks.pull()), typeof (await ticks.pull())];
ticks.close();
const target = new EventTarget();
const events = fromEvent(target, 'ping');
target.dispatchEvent(new Event('ping'));
out.event = (await events.pull()).type;
events.close();
const chunks = [];
for await (const chunk of toReadableStream(from(['a', 'b']))) chunks.push(chunk);
out.stream = chunks.join('');
enableDebug({ target: { postMessage() {} } });
const parked = new Channel(0, { name: 'parked' });
parked.pull().catch(() => {});
const taken = snapshot();
out.debug = [isPageToInspectorMessage(taken), taken.channels.map((c) => c.name)];
parked.close();
disableDebug();
const { fromPort, toPort } = await import('chanasync/port');
${PORT_ROUND_TRIP}
port2.close();
console.log(JSON.stringify(out));
`;

/** What the consumer program prints. */
const expected = {
  pulled: [1, 2],
  select: 1,
  ticks: ['number', 'number'],
  event: 'ping',
  stream: 'ab',
  debug: [true, ['parked']],
  port: [1, 2, 3],
  sent: 3,
};

let work = '';
let tarball = '';
/** The consumer project (ESM) with the tarball installed. */
let consumer = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'chanasync-env-consumers-'));
  tarball = await packTarball(root, work);
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await must('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], consumer);
  writeFileSync(join(consumer, 'consumer.mjs'), consumerProgram);
}, 180_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

/** Bundles `code` in the consumer project for `platform`, resolving chanasync from its node_modules. */
async function bundle(code: string, platform: 'neutral' | 'node' | 'browser'): Promise<string> {
  const result = await esbuild.build({
    stdin: { contents: code, resolveDir: consumer, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('a Node consumer, bundled or not', () => {
  test.each(['plain Node ESM', 'esbuild --platform=neutral', 'esbuild --platform=node'] as const)(
    'the consumer program runs as %s: every entry works, chanasync/port loads on demand, and the process exits by itself',
    async (how) => {
      let file = join(consumer, 'consumer.mjs');
      if (how !== 'plain Node ESM') {
        const platform = how.endsWith('neutral') ? 'neutral' : 'node';
        const code = await bundle(consumerProgram, platform);
        // The bundle holds the package: it runs from a folder with no node_modules.
        expect(code).not.toMatch(/from\s*["']chanasync/);
        const dir = join(work, `bundle-${platform}`);
        mkdirSync(dir, { recursive: true });
        file = join(dir, 'consumer.mjs');
        writeFileSync(file, code);
      }
      const started = Date.now();
      const result = await run(process.execPath, [file], consumer, { timeout: 15_000 });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.output)).toEqual(expected);
      expect(Date.now() - started).toBeLessThan(10_000);
    },
    30_000,
  );

  test.each(['neutral', 'node'] as const)(
    'a --platform=%s bundle of only Channel has no select, helper, port or debug code',
    async (platform) => {
      const code = await bundle("import { Channel } from 'chanasync'; console.log(new Channel(1));", platform);
      expect(code).toContain('var Channel = class');
      for (const name of ABSENT_FROM_CHANNEL_ONLY) {
        expect(code, name).not.toContain(name);
      }
    },
  );

  test('import * as ns through a neutral bundle shows each entry’s public names, as Node’s import does, and no internal', async () => {
    const script = `const names = {};
for (const specifier of ${JSON.stringify(entries)}) names[specifier] = Object.keys(await import(specifier)).sort();
console.log(JSON.stringify(names));`;
    const byNode = JSON.parse(await must(process.execPath, ['--input-type=module', '-e', script], consumer)) as Record<
      string,
      string[]
    >;
    for (const specifier of entries) {
      const code = await bundle(
        `import * as ns from '${specifier}';\nconsole.log(JSON.stringify(Object.keys(ns).sort()));`,
        'neutral',
      );
      const file = join(work, `ns-${specifier.replace(/\W/g, '-')}.mjs`);
      writeFileSync(file, code);
      const bundled = JSON.parse(await must(process.execPath, [file], work)) as string[];
      expect(bundled, specifier).toEqual(byNode[specifier]);
      expect(
        bundled.filter((name) => internals.includes(name)),
        specifier,
      ).toEqual([]);
    }
    expect(byNode.chanasync).toContain('Channel');
  });
});

describe('a page with an import map and a module Worker, in Chromium', () => {
  test('the page imports chanasync by bare specifiers through an import map and streams to and from a module Worker that imports the built files', async () => {
    writeFileSync(
      join(consumer, 'worker.js'),
      `import { Channel } from './node_modules/chanasync/dist/index.js';
import { fromPort, toPort } from './node_modules/chanasync/dist/port.js';
const input = fromPort(self, { capacity: 2 });
const squares = new Channel(2);
const sending = toPort(squares, self, { name: 'back' });
for await (const n of input) await squares.push(n * n);
squares.close();
await sending;
`,
    );
    writeFileSync(
      join(consumer, 'index.html'),
      `<!doctype html><meta charset="utf-8"><title>consumer</title><link rel="icon" href="data:,">
<script type="importmap">
{ "imports": {
  "chanasync": "./node_modules/chanasync/dist/index.js",
  "chanasync/": "./node_modules/chanasync/dist/",
  "chanasync/port": "./node_modules/chanasync/dist/port.js",
  "chanasync/debug": "./node_modules/chanasync/dist/debug.js"
} }
</script>
<pre id="out"></pre>
<script type="module">
  import { Channel } from 'chanasync';
  import { fromPort, toPort } from 'chanasync/port';
  const out = {};
  const worker = new Worker('./worker.js', { type: 'module' });
  worker.addEventListener('error', (event) => { out.workerError = String(event.message); });
  const numbers = new Channel(4);
  const sending = toPort(numbers, worker);
  const back = fromPort(worker, { name: 'back', capacity: 2 });
  await numbers.pushAll([1, 2, 3, 4]);
  numbers.close();
  out.squares = [];
  for await (const n of back) out.squares.push(n);
  out.sent = (await sending).sent;
  const { enableDebug, disableDebug, snapshot } = await import('chanasync/debug');
  enableDebug({ target: { postMessage() {} } });
  const parked = new Channel(0, { name: 'parked' });
  parked.pull().catch(() => {});
  out.debug = snapshot().channels.map((c) => c.name);
  parked.close();
  disableDebug();
  worker.terminate();
  document.getElementById('out').textContent = JSON.stringify(out);
</script>`,
    );
    const { out, problems } = await openStaticPage(consumer);
    expect(out).toEqual({
      squares: [1, 4, 9, 16],
      sent: 4,
      debug: ['parked'],
    });
    expect(problems).toEqual([]);
  }, 60_000);
});
