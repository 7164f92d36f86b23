// `npm start`: builds the library (and the inspector extension, when it is there), then serves
// the repository root on 127.0.0.1 so that examples/browser/index.html can import
// ../../dist/index.js and ../../dist/debug.js as they are — no bundler, no framework.
//
//   node examples/browser/serve.mjs            # port 8080, or the next free one
//   PORT=3000 node examples/browser/serve.mjs  # a port of your choice (an error if it is taken)
//
// The end-to-end test imports `start()` and serves on a free port without building
// (`npm test` has built dist/ already, and other tests read it while this one runs).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** This folder, and the repository's root two levels up (when it is in the repository). */
const here = resolve(fileURLToPath(new URL('.', import.meta.url)));
const repository = resolve(here, '..', '..');

/**
 * Whether this file is in the chanasync repository. A copy of this folder in a project of its
 * own (its imports changed to `./node_modules/chanasync/dist/…`, as the README says) serves
 * itself instead, and builds nothing — without this, it would try to build in the folder two
 * levels up and serve that folder.
 */
export const inRepository = isChanasyncRepository(repository);

/** What is served (everything under it, nothing outside it): the repository's root, or a copy's own folder. */
export const root = inRepository ? repository : here;

/** The page, relative to the root. */
const PAGE = inRepository ? '/examples/browser/' : '/';

function isChanasyncRepository(dir) {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return manifest.name === 'chanasync' && existsSync(join(dir, 'esbuild.config.mjs'));
  } catch {
    return false;
  }
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.jsonc': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm', // `WebAssembly.instantiateStreaming` takes nothing else
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** Builds dist/ and, if the inspector extension exists, inspector-extension/dist/. */
export function build({ log = console.log } = {}) {
  log('building the library: node esbuild.config.mjs');
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, stdio: 'inherit' });
  if (existsSync(join(root, 'inspector-extension', 'build.mjs'))) {
    log('building the inspector extension: node inspector-extension/build.mjs');
    execFileSync(process.execPath, ['inspector-extension/build.mjs'], { cwd: root, stdio: 'inherit' });
  }
}

/**
 * The folder to load unpacked: the Chrome build, `inspector-extension/dist/chrome` (or
 * `inspector-extension/dist` itself if it holds a manifest), or `undefined` if not built.
 */
export function builtExtension() {
  for (const dir of [join(root, 'inspector-extension', 'dist', 'chrome'), join(root, 'inspector-extension', 'dist')]) {
    if (existsSync(join(dir, 'manifest.json'))) return dir;
  }
  return undefined;
}

/**
 * Maps a request path to a file under the root, or `undefined` if it points outside it or at a
 * dotfile. (Links are checked once the file is found: `staysInside`.)
 */
function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const file = normalize(join(root, decoded));
  if (!isUnder(root, file)) return undefined;
  // No dotfiles or dot-folders (.git, .env): a dev server still need not hand them out.
  const inside = relative(root, file);
  if (decoded.includes('\0') || inside.split(sep).some((segment) => segment.startsWith('.'))) return undefined;
  return file;
}

/**
 * Whether a request's `Host` names this machine: `localhost`, an IP address, or the host the
 * server listens on. Anything else is a name some DNS resolves to 127.0.0.1, which is how a web
 * page elsewhere could read what this server serves (DNS rebinding): refused, as Vite and
 * webpack-dev-server refuse it. (A request with no `Host`, which no browser sends, is answered.)
 */
function isLocalHost(header, listening) {
  if (header === undefined) return true;
  const name = header.replace(/:\d*$/, '').toLowerCase();
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') || // resolved to the loopback by browsers themselves
    name === listening.toLowerCase() ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(name) ||
    /^\[[\da-f:.]+\]$/.test(name)
  );
}

/**
 * Whether `file` (a path under the root, which exists) is still under the root once its links
 * are followed. A link under `node_modules` may point anywhere: that is how `npm install
 * ../some/folder` and `npm link` install a package (a copy of this folder may import chanasync so).
 */
async function staysInside(file) {
  if (isUnder(await realpath(root), await realpath(file))) return true;
  return relative(root, file).split(sep).includes('node_modules');
}

/** Whether `path` is `base` or under it (paths as given: no link followed). */
function isUnder(base, path) {
  const inside = relative(base, path);
  return inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

/** The request handler: static files from the root, `index.html` for directories. */
async function handle(request, response, listening) {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (!isLocalHost(request.headers.host, listening)) {
    response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden: not a local host name\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (url.pathname === '/' && PAGE !== '/') {
    response.writeHead(302, { location: PAGE }).end();
    return;
  }
  let file = fileFor(url.pathname);
  if (file === undefined) {
    response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden\n');
    return;
  }
  try {
    let info = await stat(file);
    if (info.isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        // One leading slash: `//examples/` would send the browser to a host named `examples`.
        response.writeHead(301, { location: `/${url.pathname.replace(/^\/+/, '')}/` }).end();
        return;
      }
      file = join(file, 'index.html');
      info = await stat(file);
    }
    if (!(await staysInside(file))) {
      // A link out of the served folder: what it points at is not served.
      response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden\n');
      return;
    }
    const body = await readFile(file);
    response.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-store', // a dev server: always the file as it is now
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}\n`);
  }
}

/** Listens on `port`, resolving with the server, or rejecting with the listen error (EADDRINUSE). */
function listen(port, host) {
  return new Promise((resolveListen, rejectListen) => {
    const server = createServer((request, response) => {
      handle(request, response, host).catch(() => response.destroy());
    });
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen(server);
    });
  });
}

/**
 * Starts the server. `port: 0` takes any free port; with `fallback`, a taken port moves on to
 * the next ones (up to 20). `build: true` builds (see `build()`) once the port is taken.
 * Resolves with the page's `url`, the `port` and `close()`.
 */
export async function start({ port = 8080, host = '127.0.0.1', build: shouldBuild = false, fallback = false } = {}) {
  let server;
  for (let attempt = 0; ; attempt++) {
    try {
      server = await listen(port === 0 ? 0 : port + attempt, host);
      break;
    } catch (error) {
      if (error?.code !== 'EADDRINUSE' || !fallback || port === 0 || attempt >= 19) throw error;
    }
  }
  // Build once the port is ours, so that a taken port fails at once rather than after a build.
  if (shouldBuild) {
    try {
      build();
    } catch (error) {
      server.close();
      throw error;
    }
  }
  const { port: actual } = server.address();
  return {
    url: `http://${host}:${actual}${PAGE}`,
    port: actual,
    close: () =>
      new Promise((resolveClose) => {
        server.closeAllConnections?.();
        server.close(() => resolveClose());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const requested = process.env.PORT;
  const port = requested === undefined || requested === '' ? 8080 : Number(requested);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(requested)}`);
    process.exit(1);
  }
  let server;
  try {
    // An explicit PORT is a promise to use exactly that port; the default moves on if taken.
    server = await start({ port, build: inRepository, fallback: requested === undefined || requested === '' });
  } catch (error) {
    if (error?.code === 'EADDRINUSE') {
      console.error(`port ${port} is in use: stop whatever holds it, or pick another (PORT=8081 npm start)`);
      process.exit(1);
    }
    throw error;
  }
  if (server.port !== port && port !== 0) console.log(`port ${port} is in use: using ${server.port}`);
  console.log(`\n  the page:  ${server.url}\n`);
  if (!inRepository) {
    console.log(`  (a copy outside the chanasync repository: serving ${root} as it is, without building;`);
    console.log('   its imports must point at ./node_modules/chanasync/dist/…, see README.md)\n');
  }
  // A copy has no inspector extension next to it: it is in the chanasync repository.
  const extension = inRepository ? builtExtension() : undefined;
  if (extension !== undefined) {
    console.log('  the inspector extension, in Chromium or Chrome:');
    console.log('    chrome://extensions → Developer mode (top right) → Load unpacked →');
    console.log(`    ${extension}`);
    console.log('    then open the page, open DevTools, and pick the "Channels" panel.\n');
  } else if (inRepository) {
    console.log('  (the inspector extension is not built: the page works without it; once');
    console.log('   inspector-extension/ is there, npm start builds it and prints how to load it)\n');
  }
  console.log('  Ctrl+C stops the server.');
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
