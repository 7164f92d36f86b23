/**
 * The benchmark's debug-hook-cost row compares builds of src/ with and without the debug hook's
 * call sites (bench/debug.mjs). Its list of files with call sites must hold every such file: a
 * call site in a file missing from it (src/interop/stream.ts was, for some sessions) leaves the
 * two builds different, and the row silently answers "no result".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error -- a plain .mjs module of the benchmark, without types
import { buildHookVariants, HOOKED } from '../bench/debug.mjs';

const ROOT = join(import.meta.dirname, '..');
const HOOK_CALL = /\btracker(?:\?\.)?\(/;

test('every src file that calls the debug hook is on the benchmark’s no-hook list', () => {
  const calling = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[])
    .map((file) => `src/${file.replaceAll('\\', '/')}`)
    .filter((file) => file.endsWith('.ts') && file !== 'src/tracker.ts' && !file.startsWith('src/debug/'))
    .filter((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .some((line) => HOOK_CALL.test(line)),
    );
  expect([...(HOOKED as string[])].sort()).toEqual(calling.sort());
});

test('the hook and no-hook builds differ exactly in the hook calls', async () => {
  const { removed } = (await buildHookVariants()) as { removed: Record<string, number> };
  expect(Object.keys(removed).sort()).toEqual([...(HOOKED as string[])].sort());
}, 60_000);
