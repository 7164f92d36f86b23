/**
 * Audit BQ-copy: a newcomer who copies an example out of the repository into a project of their
 * own. The repository is packed as a consumer gets it (`packTarball`: a fresh clone, `npm pack`
 * there, so the shared `dist/` is never touched), the tarball is installed with
 * `npm install --offline` into projects under the system's temp folder, and every server or
 * browser started here is stopped by its own handle.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, packTarball, run } from '../helpers/pack.js';

export const root = join(import.meta.dirname, '..', '..');
/** TypeScript 7 (Go-native; only a binary). */
export const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** The repository's wrangler 4.86.0 (the one that runs on Node 20), used from the copy's folder. */
export const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

export interface Packed {
  work: string;
  tarball: string;
  /** A folder in `work`. */
  dir(name: string): string;
  /** Installs the tarball (plus the package.json that is there) with npm, offline. */
  install(dir: string): Promise<void>;
  cleanup(): void;
}

/** Packs the repository once into a new temp folder. */
export async function pack(prefix: string): Promise<Packed> {
  const work = mkdtempSync(join(tmpdir(), `bq-copy-${prefix}-`));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    const tarball = await packTarball(root, work);
    rmSync(join(work, 'clone'), { recursive: true, force: true });
    return {
      work,
      tarball,
      dir(name) {
        const dir = join(work, name);
        mkdirSync(dir, { recursive: true });
        return dir;
      },
      async install(dir) {
        await must('npm', ['install', '--offline', '--no-audit', '--no-fund'], dir);
      },
      cleanup,
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A server started as a child process, stopped by its PID. */
export interface Child {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node args…` in `cwd` and waits until `url` answers (any status). */
export async function startChild(
  args: string[],
  cwd: string,
  url: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Child> {
  let log = '';
  const child: ChildProcess = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${log}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the server did not answer at ${url}:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { url, output: () => log, stop };
}

/** `wrangler dev --local` in `dir`, offline, as the RECIPES say. */
export async function wranglerDev(dir: string): Promise<Child> {
  const port = await freePort();
  return startChild(
    [wrangler, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port)],
    dir,
    `http://127.0.0.1:${port}/upstream/stats`,
    { CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  );
}

/** Writes a file (its folder created). */
export function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

export { must, run };
