/**
 * A consumer project as a newcomer gets one: `npm pack --ignore-scripts` of this repository (dist/
 * is already built; prepack would rebuild into the shared tree) into /tmp/ax-newcomer-*, the
 * tarball installed offline into a fresh ESM project, compiled with the repository's TypeScript.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

export function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

async function must(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.output}`);
  return result.output;
}

/** Packs the repository and installs the tarball into a new project; returns its folder and a cleanup. */
export async function consumerProject(): Promise<{ dir: string; cleanup: () => void }> {
  const work = mkdtempSync(join(tmpdir(), 'ax-newcomer-'));
  const pack = join(work, 'pack');
  mkdirSync(pack);
  await must('npm', ['pack', '--ignore-scripts', '--pack-destination', pack], root);
  const tarball = join(pack, readdirSync(pack).find((file) => file.endsWith('.tgz')) ?? '');
  const dir = join(work, 'consumer');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await must('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], dir);
  return { dir, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

/** A strict consumer's compiler options (the README's "lib": ["ES2022", "DOM"]). */
export const strict = {
  target: 'ES2022',
  lib: ['ES2022', 'DOM'],
  module: 'nodenext',
  moduleResolution: 'nodenext',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  skipLibCheck: false,
  types: [] as string[],
};

/** Writes `files` into `dir/name/`, compiles them with `options`; resolves with tsc's output and exit code. */
export async function compile(
  dir: string,
  name: string,
  files: Record<string, string>,
  options: object = { ...strict, noEmit: true },
): Promise<{ code: number; output: string }> {
  mkdirSync(join(dir, name), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, name, file), text);
  const config = `tsconfig.${name}.json`;
  writeFileSync(
    join(dir, config),
    JSON.stringify({
      compilerOptions: { rootDir: name, ...options },
      files: Object.keys(files).map((f) => `${name}/${f}`),
    }),
  );
  return run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], dir);
}
