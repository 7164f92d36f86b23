/**
 * Helpers of audit BF (lens: a Go programmer porting idiomatic Go concurrency code).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One macrotask: every microtask queued before it has run. */
export const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Several macrotasks. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** Whether a promise has settled by now (after one macrotask). */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await turn();
  return done;
}

/** Waits until `check()` is true, polling once per macrotask, up to `limitMs`. */
export async function until(check: () => boolean, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error('until: condition never held');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The built library, as a script imports it. */
export const dist = join(import.meta.dirname, '..', '..', 'dist', 'index.js');

export interface Run {
  /** Exit code, or null when killed at the limit. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs an ES module script in a fresh `node`; `CHAN` in the text is replaced by the URL of
 * dist/index.js. The process is killed (SIGKILL) after `limitMs`.
 */
export async function runScript(source: string, limitMs = 15_000): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bf-go-'));
  const file = join(dir, 'script.mjs');
  writeFileSync(file, source.replaceAll('CHAN', `file://${dist}`));
  const started = Date.now();
  try {
    return await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
      });
      child.stderr.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
      child.on('exit', (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
