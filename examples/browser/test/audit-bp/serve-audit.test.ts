/**
 * Audit BP: examples/browser/serve.mjs, the static server of `npm start`, driven with raw HTTP
 * requests (node:net, so that no client normalizes the path first): paths outside the served
 * root, dotfiles, unknown paths, methods and content types. Fixtures (a symlink, a .wasm and a
 * .txt file) are created inside this folder for one test and removed in `finally`.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error serve.mjs is plain JavaScript without declarations
import { start } from '../../serve.mjs';

let server: { port: number; close(): Promise<void> };
const here = '/examples/browser/test/audit-bp';

beforeAll(async () => {
  server = await start({ port: 0 });
});

afterAll(async () => {
  await server?.close();
});

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request as written on the wire: `METHOD target`, with `Host` as given. */
function raw(method: string, target: string, host = `127.0.0.1:${server.port}`): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const split = data.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = data.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = data.slice(split + 4);
      if (headers['transfer-encoding'] === 'chunked') {
        let out = '';
        for (let at = 0; ; ) {
          const end = body.indexOf('\r\n', at);
          const size = Number.parseInt(body.slice(at, end), 16);
          if (!size) break;
          out += body.slice(end + 2, end + 2 + size);
          at = end + 2 + size + 2;
        }
        body = out;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

describe('nothing outside the served root, and no dotfiles', () => {
  it.each([
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/examples/browser/..%2f..%2f..%2f..%2fetc/passwd',
    '/examples/browser/..\\..\\..\\..\\etc/passwd',
    '/%2e%2e%5c%2e%2e%5cetc/passwd',
    'http://elsewhere/../../../etc/passwd',
    '/.git/config',
    '/%2egit/HEAD',
    '/examples/../.git/HEAD',
    '/node_modules/.package-lock.json',
    '/.gitignore',
    '/examples/browser/index.html%00.png',
  ])('GET %s never answers a file from outside or a dotfile', async (target) => {
    const response = await raw('GET', target);
    expect([403, 404]).toContain(response.status);
    expect(response.body).not.toMatch(/root:x:0:0|\[core\]|ref: refs\/|"lockfileVersion"|node_modules/);
  });
});

describe('what a browser asks for', () => {
  it('/ redirects to the page, and a folder without a slash to the folder with one', async () => {
    expect(await raw('GET', '/')).toMatchObject({ status: 302, headers: { location: '/examples/browser/' } });
    expect(await raw('GET', '/examples/browser')).toMatchObject({
      status: 301,
      headers: { location: '/examples/browser/' },
    });
  });

  it.each([
    ['/examples/browser/', 'text/html; charset=utf-8'],
    ['/examples/browser/worker-demo.html', 'text/html; charset=utf-8'],
    ['/examples/browser/app.js', 'text/javascript; charset=utf-8'],
    ['/examples/browser/worker-demo.worker.js', 'text/javascript; charset=utf-8'],
    ['/examples/browser/style.css', 'text/css; charset=utf-8'],
    ['/examples/browser/screenshot.png', 'image/png'],
    ['/dist/index.js', 'text/javascript; charset=utf-8'],
    ['/dist/index.js.map', 'application/json; charset=utf-8'],
    ['/examples/browser/serve.mjs', 'text/javascript; charset=utf-8'],
  ])('%s is served as %s, not cached', async (target, type) => {
    const response = await raw('GET', target);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('an unknown path is a plain-text 404 that names it', async () => {
    const response = await raw('GET', '/examples/browser/nope.js');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.body).toBe('not found: /examples/browser/nope.js\n');
  });

  it('a folder without index.html is a 404, not a listing', async () => {
    const response = await raw('GET', '/src/');
    expect(response.status).toBe(404);
  });

  it('HEAD answers the length of the file and no body; other methods are a 405 with Allow', async () => {
    const head = await raw('HEAD', '/examples/browser/app.js');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    expect(head.body).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await raw(method, '/examples/browser/');
      expect(response.status, method).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    }
  });

  it('a malformed percent-escape is refused, not a crash', async () => {
    const response = await raw('GET', '/examples/browser/%E0%A4%A');
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect((await raw('GET', '/examples/browser/')).status).toBe(200); // still serving
  });
});

describe('found by audit BP and fixed', () => {
  // BP-examples-4: fileFor() checked the path's text, then stat()/readFile() followed symlinks.
  it('a symlink inside the served folder does not serve a file from outside it (BP-examples-4)', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'bp-outside-'));
    const link = join(import.meta.dirname, 'zz-link-outside');
    try {
      writeFileSync(join(outside, 'secret.html'), 'outside the root');
      symlinkSync(outside, link);
      const response = await raw('GET', `${here}/zz-link-outside/secret.html`);
      expect(response.status).toBe(403); // was 200, with the outside file
      expect(response.body).not.toBe('outside the root');
    } finally {
      rmSync(link, { force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  // BP-examples-5: with no Host check, a page on another site could read the served tree through DNS rebinding.
  it('a request whose Host is not the server’s own name is refused (BP-examples-5)', async () => {
    const response = await raw('GET', '/package.json', 'attacker.example:8080');
    expect(response.status).toBe(403); // was 200, with the repository's package.json
  });

  // BP-examples-6: the MIME table lacked common types a copied page serves.
  it('a .wasm file is served as application/wasm and a .txt file as text/plain (BP-examples-6)', async () => {
    const wasm = join(import.meta.dirname, 'zz-fixture.wasm');
    const text = join(import.meta.dirname, 'zz-fixture.txt');
    try {
      writeFileSync(wasm, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      writeFileSync(text, 'hello\n');
      const served = [await raw('GET', `${here}/zz-fixture.wasm`), await raw('GET', `${here}/zz-fixture.txt`)];
      expect(served.map((response) => response.status)).toEqual([200, 200]);
      expect(served[0]?.headers['content-type']).toBe('application/wasm'); // was application/octet-stream
      expect(served[1]?.headers['content-type']).toMatch(/^text\/plain/);
    } finally {
      rmSync(wasm, { force: true });
      rmSync(text, { force: true });
    }
  });
});
