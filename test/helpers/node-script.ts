/**
 * Runs a snippet of TypeScript as a Node script of its own, for the tests that must see what a
 * whole process does: whether it exits, how soon, and what it prints to stderr (a timer that
 * keeps it alive, an error thrown later from a timer).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

/** The repository root: `code` may import `./src/index.ts` from it. */
const root = join(import.meta.dirname, '..', '..');

/** How a script run ended. */
export interface ScriptRun {
  /** Its exit code, or `null` when it was killed after the time limit. */
  readonly exit: number | null;
  /** What it wrote to stderr. */
  readonly stderr: string;
  /** How long it ran, in ms. */
  readonly ms: number;
}

/**
 * Bundles `code` (which imports `./src/index.ts`), runs it in a fresh `node`, kills it after
 * `limitMs`: 20 s by default, as a new Node process may take seconds to start on a loaded
 * machine; what a test must see not keeping the process alive is a timer of a minute or more.
 */
export async function runInNode(code: string, limitMs = 20_000): Promise<ScriptRun> {
  const bundle = await esbuild.build({
    stdin: { contents: code, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'node20',
    write: false,
  });
  const dir = mkdtempSync(join(tmpdir(), 'chanasync-script-'));
  const file = join(dir, 'script.mjs');
  writeFileSync(file, bundle.outputFiles[0]?.text ?? '');
  const started = Date.now();
  try {
    return await new Promise((resolve) => {
      const child = spawn(process.execPath, [file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
      child.on('exit', (exit) => {
        clearTimeout(killer);
        resolve({ exit, stderr, ms: Date.now() - started });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
