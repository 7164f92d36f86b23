/**
 * A throwaway HTTP server for this folder's browser tests: serves the built `dist/` as an npm
 * install lays it out (`/node_modules/chanasync/dist/`), and pages given in memory. Pages load
 * chanasync through an import map, as the README tells a newcomer without a bundler.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const DIST = join(import.meta.dirname, '..', '..', 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

/** The import map a page uses: the three browser entries by their bare names. */
export const IMPORT_MAP = `<script type="importmap">{ "imports": {
  "chanasync": "/node_modules/chanasync/dist/index.js",
  "chanasync/debug": "/node_modules/chanasync/dist/debug.js",
  "chanasync/port": "/node_modules/chanasync/dist/port.js" } }</script>`;

/** A page that imports every entry and exposes them as `window.ca` (then sets the title `ready`). */
export const INDEX = `<!doctype html><meta charset="utf-8"><title>loading</title>${IMPORT_MAP}
<body><a id="link" href="#jumped">link</a><input id="box" type="checkbox"><input id="text">
<button id="btn" style="position:absolute;left:10px;top:100px;width:80px;height:30px">btn</button>
<script type="module">
  import * as core from 'chanasync';
  window.ca = core;
  document.title = 'ready';
</script></body>`;

export interface Served {
  origin: string;
  close(): Promise<void>;
}

/** Serves `pages` (path → html/js text) and dist/ on 127.0.0.1. */
export async function serve(pages: Record<string, string>): Promise<Served> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const page = pages[url.pathname];
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': TYPES[extname(url.pathname)] ?? 'text/html; charset=utf-8' });
      return void response.end(page);
    }
    const prefix = '/node_modules/chanasync/dist/';
    if (url.pathname.startsWith(prefix)) {
      const file = normalize(join(DIST, url.pathname.slice(prefix.length)));
      if (file.startsWith(DIST + sep) && existsSync(file)) {
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        return void response.end(readFileSync(file));
      }
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
