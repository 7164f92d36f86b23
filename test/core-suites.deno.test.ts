/**
 * chanasync in Deno, which the README names among the runtimes it runs in, where `AbortSignal`,
 * `EventTarget`, `MessageChannel`, streams, timers and the job queue are Deno's own:
 *
 * - the published build (dist/), imported by file URL, runs a program of every entry but
 *   `chanasync/durable` and ends by itself;
 * - the Node suite's files of test/helpers/page-suites.ts that need no DOM (the same bundles
 *   Chromium and Firefox run, through the small vitest shim), each in a `deno run` of its own.
 *
 * Deno is the `deno` package of npm (a devDependency, pinned), so nothing else is installed.
 * Each run gets read access (to load its files) and, for the suites, env access (vitest's
 * `expect` reads `process.env` for colours): nothing else.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { PORT_ROUND_TRIP } from './helpers/consumer-snippets.js';
import { buildPageSuites, PAGE_SUITES } from './helpers/page-suites.js';
import { tempDir } from './helpers/temp-dir.js';

const DENO = join(import.meta.dirname, '..', 'node_modules', '.bin', 'deno');

/** How long a program may run; each test waits longer, so a hung `deno` is killed, not orphaned. */
const RUN_LIMIT_MS = 120_000;

/** Runs `deno run` with `args` in `cwd`; resolves with what it printed. */
function deno(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(DENO, ['run', '--no-config', '--no-prompt', ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    timeout: RUN_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
}

/** Imports the bundle named by its argument, runs its tests, prints the report. */
const RUNNER = `const suite = await import(new URL(\`./\${Deno.args[0]}\`, import.meta.url).href);
console.log(JSON.stringify(await suite.runRegisteredTests()));
Deno.exit(0); // a test's leftover timer must not keep the run going (the report says what failed)
`;

/** A file URL of dist/`file`, as a string literal. */
const dist = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', 'dist', file)).href);

/** A program of every entry but durable; it prints one JSON line, and must end by itself. */
const PROGRAM = `import { after, Channel, from, merge, pull, select, ticker, toReadableStream } from ${dist('index.js')};
import { disableDebug, enableDebug, snapshot } from ${dist('debug.js')};
import { fromPort, toPort } from ${dist('port.js')};
enableDebug({ target: { postMessage() {} } });
const out = {};
const a = new Channel(1, { name: 'a' });
const b = new Channel(0, { name: 'b' });
await a.pushAll([1]);
const { index, value, ok } = await select([pull(a), pull(b)]);
out.select = { index, value, ok };
out.timeout = (await select([pull(b), pull(after(5))])).index;
const ticks = ticker(5);
out.ticks = [typeof (await ticks.pull()), typeof (await ticks.pull())];
ticks.close();
const parked = b.pull().catch((error) => error.name);
out.parked = snapshot().channels.find((channel) => channel.name === 'b')?.pullers.length;
b.close();
out.closed = await parked;
disableDebug();
const chunks = [];
for await (const chunk of toReadableStream(merge(from(['x']), from(['y'])))) chunks.push(chunk);
out.streamed = chunks.sort();
${PORT_ROUND_TRIP}
console.log(JSON.stringify(out));
`;

/** What the shim's `runRegisteredTests` reports. */
interface Report {
  passed: string[];
  failed: { name: string; error: string }[];
  unsupported: string[];
  skipped: string[];
}

describe('chanasync in Deno', () => {
  const dir = tempDir('chanasync-deno-');

  beforeAll(async () => {
    for (const [path, text] of await buildPageSuites()) writeFileSync(join(dir, path.split('/').pop() as string), text);
    writeFileSync(join(dir, 'runner.mjs'), RUNNER);
    writeFileSync(join(dir, 'program.mjs'), PROGRAM);
  }, 60_000);

  test('Deno is there, and is the pinned version', async () => {
    const { stdout } = await promisify(execFile)(DENO, ['--version'], { timeout: 20_000, killSignal: 'SIGKILL' });
    expect(stdout).toMatch(/^deno 2\.9\.6 /);
  });

  test(
    'the published build, imported by file URL, runs a program of every entry but durable, which then ends',
    async () => {
      const { stdout, stderr } = await deno(dir, ['--allow-read', 'program.mjs']);
      expect(stderr).toBe('');
      expect(JSON.parse(stdout)).toEqual({
        select: { index: 0, value: 1, ok: true },
        timeout: 1,
        ticks: ['number', 'number'],
        parked: 1,
        closed: 'ChannelClosedError',
        streamed: ['x', 'y'],
        port: [1, 2, 3],
        sent: 3,
      });
    },
    RUN_LIMIT_MS + 30_000,
  );

  // No test is skipped: those a page cannot run (Node's own behaviour, a browser's missing
  // ReadableStream.from, SpiderMonkey's stack format) run in Deno, which is V8 without a window.
  const files = PAGE_SUITES.filter((suite) => suite.notInDeno === undefined).map((suite) => suite.file);
  test.each(files)(
    'every test of test/%s that can run outside Node passes in Deno',
    async (file) => {
      const { stdout } = await deno(dir, ['--allow-read', '--allow-env', 'runner.mjs', file.replace(/\.ts$/, '.js')]);
      const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Report;
      expect(report.failed).toEqual([]);
      expect(report.passed.length).toBeGreaterThan(0);
    },
    RUN_LIMIT_MS + 30_000,
  );
});
