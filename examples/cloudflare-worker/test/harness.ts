/**
 * How the example's tests run the Worker: bundled by esbuild as wrangler would (with
 * wrangler.jsonc's `chanasync` aliases onto the repository's dist/), inside workerd through
 * Miniflare in-process, configured as wrangler.jsonc configures it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';

/** The example's folder. */
export const example = join(import.meta.dirname, '..');
/** The repository's root. */
export const root = join(example, '..', '..');

/** The Worker's module, bundled (dist/ is built first if it is missing). */
export async function bundleWorker(): Promise<string> {
  if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'dist', 'durable.js'))) {
    execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, stdio: 'inherit' });
  }
  const built = await esbuild.build({
    entryPoints: [join(example, 'src', 'index.ts')],
    // as wrangler.jsonc's `alias`
    alias: { chanasync: join(root, 'dist', 'index.js'), 'chanasync/durable': join(root, 'dist', 'durable.js') },
    external: ['cloudflare:*'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
  });
  return built.outputFiles[0]?.text ?? '';
}

/**
 * A Miniflare running `script` with wrangler.jsonc's bindings (in-memory storage of its own, or
 * the Durable Objects' storage kept in the folder `persist`), `vars` added to them; what workerd
 * prints goes to `log`, if given.
 */
export function startWorker(
  script: string,
  vars: Record<string, string> = {},
  log?: (line: string) => void,
  persist?: string,
): Miniflare {
  return new Miniflare({
    ...(persist === undefined ? {} : { durableObjectsPersist: persist }),
    name: 'chanasync-fanout',
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['enable_request_signal'],
    serviceBindings: { SELF: 'chanasync-fanout' },
    bindings: { UPSTREAM_URLS: '', ...vars },
    durableObjects: { CHANNELS: { className: 'ChannelObject', useSQLite: true } },
    ...(log === undefined
      ? {}
      : {
          handleStructuredLogs({ level, message }: { level: string; message: string }) {
            log(`${level}: ${message}\n`);
          },
        }),
  });
}
