/**
 * Audit X: "off by default and free when off" (SPEC "Debug mode", "Packaging"): an app bundled
 * with esbuild from the published entry points, importing everything `chanasync` exports, and
 * using it, contains none of debug mode's code; the same app with `chanasync/debug` does.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

async function bundle(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    minify: false,
    treeShaking: true,
    logLevel: 'silent',
    // 'chanasync' resolves to this package itself (a self-reference), through its exports map.
  });
  return result.outputFiles[0]?.text ?? '';
}

// Strings only debug mode's code holds: the inspector's source, the announce, the
// FinalizationRegistry that finds leaks, and the relay (not WeakRef: the core's signal watch uses one).
const DEBUG_MARKERS = ['chanasync-inspector', 'announce', 'FinalizationRegistry', 'relayDebug'];

const APP = `
import * as lib from 'chanasync';
const c = new lib.Channel(1, { name: 'app' });
c.pushNowait(1);
await lib.select([lib.pull(c), lib.pull(lib.after(10))]);
for await (const t of lib.ticker(5)) { console.log(t); break; }
lib.merge(c, lib.fromEvent(globalThis, 'x'));
lib.broadcast(c);
console.log(Object.keys(lib));
`;

describe('a bundle without chanasync/debug', () => {
  test('contains none of debug mode’s code, though it uses every export of chanasync', async () => {
    const text = await bundle(APP);
    expect(text).toContain('Channel');
    expect(text.length).toBeGreaterThan(5000);
    for (const marker of DEBUG_MARKERS) expect(text, marker).not.toContain(marker);
  });

  test('the same app with enableDebug contains it (the markers are real)', async () => {
    const text = await bundle(
      `${APP}\nimport { enableDebug, relayDebug } from 'chanasync/debug';\nenableDebug(); console.log(relayDebug);`,
    );
    for (const marker of DEBUG_MARKERS) expect(text, marker).toContain(marker);
  });
});
