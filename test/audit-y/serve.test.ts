/**
 * Audit Y: `npm start`'s static server (examples/browser/serve.mjs), probed with raw requests as
 * a browser or a curious user sends them: redirects stay on the server.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script of the example, without declarations
import { start } from '../../examples/browser/serve.mjs';

let server: { port: number; close(): Promise<void> };

beforeAll(async () => {
  server = await start({ port: 0 });
});

afterAll(async () => {
  await server?.close();
});

/** Sends GET `path` exactly as written (no normalisation by a client); status and Location. */
function get(path: string): Promise<{ status: number | undefined; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, location: response.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('examples/browser/serve.mjs', () => {
  test('a folder without its trailing slash is redirected to itself with one', async () => {
    expect(await get('/examples/browser')).toEqual({ status: 301, location: '/examples/browser/' });
    expect(await get('/')).toEqual({ status: 302, location: '/examples/browser/' });
  });

  // Was: `/.//examples` (the URL parser drops the `.` segment, leaving `//examples`) answered
  // `301 Location: //examples/`, a protocol-relative address that sends the browser to the host
  // `examples` — an open redirect to any host named like a folder of the repository.
  test('the redirect to a folder never leaves the server: no protocol-relative Location', async () => {
    for (const path of ['/.//examples', '/.//dist', '/././/examples/browser']) {
      const { status, location } = await get(path);
      expect(status).toBe(301);
      expect(location).toMatch(/^\/[^/]/);
      expect(new URL(location!, 'http://127.0.0.1:1/').host).toBe('127.0.0.1:1');
    }
  });
});
