/**
 * Sixth audit: what examples/browser/README.md promises about `npm start` (serve.mjs) — "PORT=3000
 * npm start picks the port (an error if it is taken; without PORT, a taken 8080 moves on to 8081
 * and up)" and the page's address — checked on ports the test holds itself, without building.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { start } from '../serve.mjs';

const SERVE = join(import.meta.dirname, '..', 'serve.mjs');
const held: Server[] = [];

/** Holds a free port on 127.0.0.1 until the test ends; its number. */
async function holdPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  held.push(server);
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

afterEach(async () => {
  for (const server of held.splice(0)) await new Promise((resolve) => server.close(resolve));
});

test('without PORT, a taken port moves on to the next free one, and the page’s address names it', async () => {
  const taken = await holdPort();
  const server = await start({ port: taken, fallback: true });
  try {
    expect(server.port).toBeGreaterThan(taken);
    expect(server.port).toBeLessThan(taken + 20);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/examples/browser/`);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  } finally {
    await server.close();
  }
});

test('PORT=<a taken port> npm start is an error that says the port is in use, before any build', async () => {
  const taken = await holdPort();
  const result = spawnSync(process.execPath, [SERVE], {
    env: { ...process.env, PORT: String(taken) },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`port ${taken} is in use`);
  expect(result.stdout).not.toContain('the page:');
});

test('a PORT that is not a port number is refused with a clear message', () => {
  const result = spawnSync(process.execPath, [SERVE], {
    env: { ...process.env, PORT: 'eighty' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('PORT must be an integer from 0 to 65535, got "eighty"');
});
