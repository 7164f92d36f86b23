/**
 * Audit BP (newcomer): the README says chanasync runs in a browser "straight from
 * `<script type="module">`" and gives the snippet to copy. Here a page in a consumer project that
 * installed the packed tarball holds that snippet as the README writes it, served by a small
 * `node:http` server, in Debian's Chromium (playwright-core, nothing downloaded) — and the same
 * page then runs every runnable ```ts example of the installed README, its imports pointed at the
 * installed `dist/` files by relative path as the snippet does, and compares what each one logs
 * with the output its comments promise (test/readme.test.ts does this in Node, inside the
 * repository; test/package.test.ts runs them in Node from the tarball without reading the output).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';
import { type Packed, pack } from './consumer.js';

/** A README ```ts block (not the `no-run` ones), with the heading it stands under. */
interface Example {
  heading: string;
  code: string;
}

function examples(readme: string): Example[] {
  const found: Example[] = [];
  let heading = '';
  for (const [, title, code] of readme.matchAll(/^#+\s*(.*)$|^```ts\n([\s\S]*?)^```$/gm)) {
    if (title !== undefined) heading = title;
    else found.push({ heading, code: code! });
  }
  return found;
}

/** The outputs a block promises: the trailing `// …` comments of its `console.log` lines (before an em dash). */
function promised(code: string): string[] {
  return code
    .split('\n')
    .filter((line) => line.includes('console.log(') && /\/\/ .+$/.test(line))
    .map((line) => (line.match(/\/\/ (.+)$/)?.[1] ?? '').split(' — ')[0]?.trim() ?? '');
}

/** The relative path of the installed file behind a package specifier, as the README's snippet writes it. */
function installedPath(entry: string | undefined): string {
  return `./node_modules/chanasync/dist/${entry ?? 'index'}.js`;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

let packed: Packed | undefined;
let dir = '';
let server: Server | undefined;
let browser: Browser | undefined;
let blocks: Example[] = [];
/** What the page reports: per example, its logged lines and the error it threw, if any. */
let report: { index: number; logs: string[]; error?: string }[] = [];
let snippetResult: unknown;
const problems: string[] = [];

beforeAll(async () => {
  packed = await pack('page');
  dir = await packed.project('page');
  const readme = readFileSync(join(dir, 'node_modules', 'chanasync', 'README.md'), 'utf8');

  // The README's snippet, exactly as written, with one line that uses what it imported.
  const snippet = readme.match(/^```html\n([\s\S]*?)^```$/m)?.[1];
  if (snippet === undefined) throw new Error('the README has no ```html block');
  const page = snippet.replace(
    '</script>',
    '  globalThis.snippet = { capacity: new Channel(4).capacity, name: Channel.name };\n</script>\n',
  );

  blocks = examples(readme);
  for (const [index, block] of blocks.entries()) {
    const { code } = await esbuild.transform(block.code, { loader: 'ts', format: 'esm', target: 'es2022' });
    const runnable = code
      .replaceAll(/from ['"]chanasync(?:\/(\w+))?['"]/g, (_, entry?: string) => `from '${installedPath(entry)}'`)
      .replaceAll('console.log(', 'globalThis.__log(');
    writeFileSync(join(dir, `example-${index}.js`), runnable);
  }
  const runner = `<script type="module">
  // The README's way of writing a logged value: [0, 1], { x: 99 }, plain strings.
  const format = (value) =>
    Array.isArray(value) ? '[' + value.map(format).join(', ') + ']'
    : value !== null && typeof value === 'object'
      ? '{ ' + Object.entries(value).map(([key, inner]) => key + ': ' + format(inner)).join(', ') + ' }'
      : String(value);
  const report = [];
  for (let index = 0; index < ${blocks.length}; index++) {
    const logs = [];
    globalThis.__log = (...args) => logs.push(args.map(format).join(' '));
    try {
      await Promise.race([
        import('./example-' + index + '.js'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('did not finish within 20 s')), 20000)),
      ]);
      report.push({ index, logs });
    } catch (error) {
      report.push({ index, logs, error: String(error && error.stack || error) });
    }
  }
  document.getElementById('out').textContent = JSON.stringify({ snippet: globalThis.snippet, report });
</script>`;
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>newcomer</title><link rel="icon" href="data:,"><pre id="out"></pre>\n${page}${runner}\n`,
  );

  server = createServer((request, response) => {
    const file = normalize(join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    if (!file.startsWith(dir + sep)) return void response.writeHead(404).end();
    try {
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  const tab = await browser.newPage();
  tab.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  tab.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  tab.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  const { port } = server.address() as AddressInfo;
  await tab.goto(`http://127.0.0.1:${port}/index.html`);
  await tab.waitForFunction(() => document.getElementById('out')?.textContent !== '', null, { timeout: 100_000 });
  const out = JSON.parse((await tab.textContent('#out')) ?? '{}') as { snippet: unknown; report: typeof report };
  snippetResult = out.snippet;
  report = out.report;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
  packed?.cleanup();
});

describe('a page without a bundler, from the installed tarball', () => {
  it('the README\'s <script type="module"> snippet loads dist/index.js by relative path as written', () => {
    expect(snippetResult).toEqual({ capacity: 4, name: 'Channel' });
  });

  it('the page had no error, no console.error and no failed request', () => {
    expect(problems).toEqual([]);
  });

  it('every runnable README example runs in Chromium from the installed dist/ and logs what its comments say', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(20);
    const got = report.map(({ index, logs, error }) => ({
      example: `${index + 1}: ${blocks[index]?.heading}`,
      logs,
      ...(error === undefined ? {} : { error }),
    }));
    const expected = blocks.map((block, index) => ({
      example: `${index + 1}: ${block.heading}`,
      logs: promised(block.code),
    }));
    expect(got).toEqual(expected);
  });
});
