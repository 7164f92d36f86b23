/**
 * Runs every ```ts code block of README.md against the built package, so the examples cannot
 * rot. Where a line calls `console.log(...)` and ends with a `// expected output` comment, the
 * output must match (the text before an em dash ` — ` is the output; after it, commentary).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
/** The built file of a package entry: `chanasync` → dist/index.js, `chanasync/debug` → dist/debug.js. */
const distUrl = (entry: string | undefined) => pathToFileURL(join(root, 'dist', `${entry ?? 'index'}.js`)).href;
const workDir = join(root, 'node_modules', '.cache', 'readme-blocks');

interface Block {
  heading: string;
  code: string;
}

/** The ```ts blocks, each with the heading it stands under. */
function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    if (line.trim() === '```ts') {
      const code: string[] = [];
      for (i++; i < lines.length && lines[i]?.trim() !== '```'; i++) code.push(lines[i] ?? '');
      blocks.push({ heading, code: code.join('\n') });
    }
  }
  return blocks;
}

/** Formats a logged value the way the README writes it: `[0, 1]`, `{ x: 99 }`, plain strings. */
function format(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(format).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([key, inner]) => `${key}: ${format(inner)}`)
      .join(', ')} }`;
  }
  return String(value);
}

/** The expected outputs: the trailing comments of the lines that log, in order. */
function expectedLogs(code: string): string[] {
  return code
    .split('\n')
    .filter((line) => line.includes('console.log(') && /\/\/ .+$/.test(line))
    .map((line) => (line.match(/\/\/ (.+)$/)?.[1] ?? '').split(' — ')[0]?.trim() ?? '');
}

const blocks = tsBlocks(readme);

test('the README has runnable TypeScript examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(10);
});

test.each(blocks.map((block, index) => [`${index + 1}: ${block.heading}`, block] as const))(
  'README example %s runs and prints what it says',
  async (name, block) => {
    const { code } = await esbuild.transform(block.code, { loader: 'ts', format: 'esm', target: 'es2022' });
    const logs: string[] = [];
    const runnable = code
      .replaceAll(
        /from ['"]chanasync(?:\/(\w+))?['"]/g,
        (_, entry?: string) => `from ${JSON.stringify(distUrl(entry))}`,
      )
      .replaceAll('console.log(', 'globalThis.__readmeLog(');
    (globalThis as { __readmeLog?: unknown }).__readmeLog = (...args: unknown[]) =>
      logs.push(args.map(format).join(' '));
    mkdirSync(workDir, { recursive: true });
    const file = join(workDir, `${name.replace(/\W+/g, '-')}.mjs`);
    writeFileSync(file, runnable);
    await import(`${pathToFileURL(file).href}?t=${Date.now()}`);
    expect(logs).toEqual(expectedLogs(block.code));
  },
);
