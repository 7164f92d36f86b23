/**
 * Audit BQ-copy, part 3: every code block of the main README's "Basic usage" and "Examples with
 * other features" sections, copied into a fresh project that installed the packed tarball, each
 * block its own module. Type-checked as the Installation section promises (strict,
 * `skipLibCheck: false`, lib ES2022 + DOM, `moduleResolution: "bundler"` and `module: "node16"`),
 * then compiled by tsc and run by Node from the project, with `console.log` printing the way the
 * README writes values; each logged line must match the line's `// expected` comment (the text
 * before an em dash).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Packed, pack, root, run, tsc } from './consumer.js';

interface Block {
  /** 1-based line of the fence in README.md. */
  line: number;
  heading: string;
  lang: string;
  noRun: boolean;
  code: string;
  file: string;
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced blocks from `## Basic usage` up to the next section after "Examples with other features". */
function blocks(): Block[] {
  const lines = readme.split('\n');
  const start = lines.indexOf('## Basic usage');
  const examples = lines.indexOf('## Examples with other features');
  const end = lines.findIndex((line, i) => i > examples && line.startsWith('## '));
  const found: Block[] = [];
  let heading = '';
  for (let i = start; i < end; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    const fence = /^```(\w+)(.*)$/.exec(line);
    if (fence === null) continue;
    const code: string[] = [];
    const at = i + 1;
    for (i++; i < end && lines[i] !== '```'; i++) code.push(lines[i] ?? '');
    const lang = fence[1] ?? '';
    found.push({
      line: at,
      heading,
      lang,
      noRun: (fence[2] ?? '').includes('no-run'),
      code: code.join('\n'),
      file: `block-${at}`,
    });
  }
  return found;
}

const all = blocks();
const tsBlocks = all.filter((block) => block.lang === 'ts');
const runnable = tsBlocks.filter((block) => !block.noRun);

/** The expected outputs: the trailing comments of the lines that log, in order. */
function expectedLogs(code: string): string[] {
  return code
    .split('\n')
    .filter((line) => line.includes('console.log(') && /\/\/ .+$/.test(line))
    .map((line) => (line.match(/\/\/ (.+)$/)?.[1] ?? '').split(' — ')[0]?.trim() ?? '');
}

/** Prints like the README writes values: `[0, 1]`, `{ x: 99 }`, plain strings. */
const preload = `
function format(value) {
  if (Array.isArray(value)) return '[' + value.map(format).join(', ') + ']';
  if (value !== null && typeof value === 'object') {
    return '{ ' + Object.entries(value).map(([k, v]) => k + ': ' + format(v)).join(', ') + ' }';
  }
  return String(value);
}
console.log = (...args) => process.stdout.write(args.map(format).join(' ') + '\\n');
`;

const strict = {
  target: 'ES2022',
  lib: ['ES2022', 'DOM'],
  strict: true,
  skipLibCheck: false,
  types: [] as string[],
};

let packed: Packed;
let project: string;

beforeAll(async () => {
  packed = await pack('readme');
  project = packed.dir('readme-blocks');
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'readme-blocks',
      private: true,
      type: 'module',
      dependencies: { chanasync: `file:${packed.tarball}` },
    }),
  );
  await packed.install(project);
  for (const block of tsBlocks) writeFileSync(join(project, `${block.file}.ts`), block.code);
  writeFileSync(join(project, 'log.mjs'), preload);
}, 180_000);

afterAll(() => packed?.cleanup());

it('the sections hold the blocks this audit expects', () => {
  expect(tsBlocks.length).toBeGreaterThanOrEqual(25);
  // The one `js` block (page.js / worker.js across a Worker) is two files in one: checked in the browser part.
  expect(all.filter((block) => block.lang !== 'ts').map((block) => block.lang)).toEqual(['js']);
});

describe.each([
  ['bundler', { module: 'ESNext', moduleResolution: 'bundler' }],
  ['node16', { module: 'node16', moduleResolution: 'node16' }],
] as const)('type check, moduleResolution %s', (name, modules) => {
  it('every ts block (no-run ones too) compiles against the installed package', async () => {
    const config = `tsconfig.${name}.json`;
    writeFileSync(
      join(project, config),
      JSON.stringify({
        compilerOptions: { ...strict, ...modules, noEmit: true },
        files: tsBlocks.map((b) => `${b.file}.ts`),
      }),
    );
    const result = await run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], project, { timeout: 120_000 });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 150_000);
});

describe('run from the project (tsc emit, module node16, Node)', () => {
  beforeAll(async () => {
    writeFileSync(
      join(project, 'tsconfig.emit.json'),
      JSON.stringify({
        compilerOptions: {
          ...strict,
          module: 'node16',
          moduleResolution: 'node16',
          outDir: 'out',
          noEmitOnError: false,
        },
        files: runnable.map((b) => `${b.file}.ts`),
      }),
    );
    await run(process.execPath, [tsc, '-p', 'tsconfig.emit.json', '--pretty', 'false'], project, { timeout: 120_000 });
  }, 150_000);

  it.each(runnable.map((block) => [`line ${block.line} (${block.heading})`, block] as const))(
    'README block at %s runs and prints what its comments say',
    async (_name, block) => {
      const result = await run(process.execPath, ['--import', './log.mjs', `out/${block.file}.js`], project, {
        timeout: 20_000,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const printed = result.output.split('\n').filter((line) => line !== '');
      expect(printed).toEqual(expectedLogs(block.code));
    },
    30_000,
  );
});
