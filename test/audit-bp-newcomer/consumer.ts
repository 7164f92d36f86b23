/**
 * Audit BP (newcomer): a consumer project as a newcomer gets one. The repository is packed the
 * way a fresh clone would be (`packTarball`: the files git tracks copied into a temporary clone,
 * `npm pack` there, so `prepack` builds `dist/` in the clone and the shared tree's `dist/` is left
 * alone), and the tarball is installed with `npm install <tarball> --offline` into new projects
 * under the system's temp folder. One pack per test file; `cleanup` removes everything.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, packTarball, type Run, run } from '../helpers/pack.js';

export const root = join(import.meta.dirname, '..', '..');
/** TypeScript 7 (the Go-native compiler: only a binary, no JS API). */
export const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

export interface Packed {
  /** The temporary folder that holds the clone, the tarball and every consumer project. */
  work: string;
  tarball: string;
  /** A new project in `work` (`type` module or commonjs) with the tarball installed. */
  project(name: string, type?: 'module' | 'commonjs'): Promise<string>;
  cleanup(): void;
}

/** Packs the repository into a new temp folder. */
export async function pack(prefix: string): Promise<Packed> {
  const work = mkdtempSync(join(tmpdir(), `bp-newcomer-${prefix}-`));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    const tarball = await packTarball(root, work);
    // The clone (with dist/ built by prepack) is no longer needed: only the tarball is.
    rmSync(join(work, 'clone'), { recursive: true, force: true });
    const project = async (name: string, type: 'module' | 'commonjs' = 'module') => {
      const dir = join(work, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
      await must('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], dir);
      return dir;
    };
    return { work, tarball, project, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** The strict settings a careful consumer compiles with, before the module settings. */
export const strictOptions = {
  target: 'ES2022',
  noEmit: true,
  strict: true,
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  types: [] as string[],
};

/** Writes `tsconfig.<name>.json` into `dir` and runs tsc on it; resolves with its output and exit code. */
export function compile(dir: string, name: string, compilerOptions: object, files: string[]): Promise<Run> {
  const config = `tsconfig.${name}.json`;
  writeFileSync(join(dir, config), JSON.stringify({ compilerOptions, files }, null, 2));
  return run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], dir, { timeout: 90_000 });
}

export { must, run };
