/**
 * Helpers for the tests that check the package as a consumer gets it (package.test.ts,
 * audit-package.test.ts): run commands, and pack the working tree into a tarball.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What a command did. */
export interface Run {
  /** The exit code (1 when the process was killed or could not start). */
  code: number;
  /** stdout and stderr together. */
  output: string;
  stderr: string;
}

/**
 * Runs a command (killed after `timeout` ms, default 60 s, with `env` added to the
 * environment); resolves with its exit code and output.
 */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  { env = {}, timeout = 60_000 }: { env?: Record<string, string>; timeout?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const fullEnv = {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      ...env,
    };
    execFile(command, args, { cwd, env: fullEnv, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}`.trim(), stderr: stderr.trim() });
    });
  });
}

/** Runs a command that must succeed; resolves with its output, throws with it otherwise. */
export async function must(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  const result = await run(command, args, cwd, { env });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.output}`);
  return result.output;
}

/**
 * Packs the repository at `root` as a fresh clone would — the files git tracks or would track
 * (ignored ones such as dist/ left out), as they are in the working tree, with the
 * repository's node_modules linked in — with `npm pack` into `work`. Resolves with the
 * tarball's path. (`prepack` builds dist/ in the clone.)
 */
export async function packTarball(root: string, work: string): Promise<string> {
  const clone = join(work, 'clone');
  const listed = (await must('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root))
    .split('\0')
    .filter((file) => file !== '' && file !== 'node_modules' && existsSync(join(root, file)));
  for (const file of listed) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(root, file), join(clone, file));
  }
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  await must('npm', ['pack', '--pack-destination', work], clone);
  const packed = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (packed === undefined) throw new Error(`npm pack wrote no tarball into ${work}`);
  return join(work, packed);
}
