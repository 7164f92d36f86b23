// A tiny HTTP server for the port tests in Chromium: serves test/port/ and, at /lib.js, chanasync
// (core + port) bundled from src/ by esbuild in memory. Started and stopped by the test file.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

/** What /lib.js exports: the core and the port entry, one copy of each. */
const LIB = `export * from './src/index.js'; export * from './src/port/index.js';`;

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * Starts the server on 127.0.0.1 and a free port. Returns its port and `close()`. Every
 * response is `no-store` (which keeps a page out of the back/forward cache) except those whose
 * URL `storable` accepts.
 * @param {{ storable?: (url: string) => boolean }} [options]
 * @returns {Promise<{ port: number, close(): Promise<void> }>}
 */
export async function startServer({ storable = () => false } = {}) {
  const built = await esbuild.build({
    stdin: { contents: LIB, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
  });
  const lib = built.outputFiles[0].text;
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    try {
      let body;
      if (path === '/lib.js') body = lib;
      else {
        const file = normalize(join(here, path));
        if (!file.startsWith(here)) throw new Error('outside');
        body = await readFile(file);
      }
      const type = TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
      const cache = storable(request.url ?? '/') ? {} : { 'cache-control': 'no-store' };
      response.writeHead(200, { 'content-type': type, ...cache });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
