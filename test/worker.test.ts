/**
 * Worker behaviour in workerd (Miniflare, in-process): a channel streamed as a Response body
 * through toReadableStream, and a request body read through from(). The worker imports the
 * built dist/index.js, bundled by esbuild as wrangler would.
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');

const worker = `
import { Channel, from, merge, toReadableStream } from './dist/index.js';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/stream') {
      // Three producers fan in; the response streams their lines as they arrive.
      const inputs = [0, 1, 2].map(() => new Channel(1));
      inputs.forEach(async (input, n) => {
        for (let i = 0; i < 3; i++) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          await input.push(JSON.stringify({ producer: n, i }) + '\\n');
        }
        input.close();
      });
      return new Response(toReadableStream(merge(...inputs)).pipeThrough(new TextEncoderStream()), {
        headers: { 'content-type': 'application/x-ndjson' },
      });
    }
    if (url.pathname === '/count') {
      let bytes = 0;
      for await (const chunk of from(request.body)) bytes += chunk.byteLength;
      return Response.json({ bytes });
    }
    return new Response('not found', { status: 404 });
  },
};
`;

let miniflare: Miniflare;

beforeAll(async () => {
  const built = await esbuild.build({
    stdin: { contents: worker, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
  });
  miniflare = new Miniflare({
    modules: true,
    script: built.outputFiles[0]?.text ?? '',
    compatibilityDate: '2026-04-01',
  });
  await miniflare.ready;
}, 60_000);

afterAll(async () => {
  await miniflare?.dispose();
});

test('in workerd, toReadableStream(channel) is a streaming Response body', async () => {
  const response = await miniflare.dispatchFetch('http://worker/stream');
  expect(response.headers.get('content-type')).toBe('application/x-ndjson');
  const lines = (await response.text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines).toHaveLength(9);
  for (const producer of [0, 1, 2]) {
    expect(lines.filter((line) => line.producer === producer).map((line) => line.i)).toEqual([0, 1, 2]);
  }
});

test('in workerd, from(request.body) reads a request body with backpressure', async () => {
  const body = new Uint8Array(100_000).fill(7);
  const response = await miniflare.dispatchFetch('http://worker/count', { method: 'POST', body });
  expect(await response.json()).toEqual({ bytes: 100_000 });
});
