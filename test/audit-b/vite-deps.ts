import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(import.meta.dirname, '..', '..');

/**
 * chanasync's built entries (`dist/`) pre-bundled the way Vite's dev server does its
 * dependencies: an entry file each (`chanasync.js`, `chanasync_debug.js`, `chanasync_port.js`)
 * and the shared code in chunks, into `outdir` — written there, or only returned (`write: false`).
 */
export function viteDeps(outdir: string, write: boolean) {
  return esbuild.build({
    entryPoints: {
      chanasync: join(root, 'dist', 'index.js'),
      chanasync_debug: join(root, 'dist', 'debug.js'),
      chanasync_port: join(root, 'dist', 'port.js'),
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    outdir,
    write,
    logLevel: 'error',
  });
}
