/**
 * Audit E, SPEC "Packaging": "No Node APIs anywhere in `src/`: no `node:` imports, no
 * `process`, `Buffer`, `setImmediate`, `require`." An outsider checks this with a plain text
 * search of src/ and of the shipped dist/ — comments, TSDoc and regular expressions included —
 * so no text there may look like a Node API, not even in prose.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Node's globals and specifiers, as a plain text search would look for them. */
const nodeWords = [
  /node:/,
  /\bprocess\b/,
  /\bBuffer\b/,
  /\bsetImmediate\b/,
  /\brequire\b/,
  /\bglobal\s*[.[]/,
  /__dirname/,
];

test('a plain text search of src/ (comments included) finds no Node API name: node:, process, Buffer, setImmediate, require, global.', () => {
  const hits: string[] = [];
  for (const file of files(join(root, 'src'))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        for (const word of nodeWords) {
          if (word.test(line)) hits.push(`${relative(root, file)}:${index + 1}: ${line.trim()}`);
        }
      });
  }
  expect(hits).toEqual([]);
});

test('a plain text search of the shipped dist/*.js finds no Node API name either', () => {
  const hits: string[] = [];
  for (const file of files(join(root, 'dist')).filter((name) => name.endsWith('.js'))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        for (const word of nodeWords)
          if (word.test(line)) hits.push(`${relative(root, file)}:${index + 1}: ${line.trim()}`);
      });
  }
  expect(hits).toEqual([]);
});
