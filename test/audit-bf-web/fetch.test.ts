/**
 * Audit BF-web: channels as fetch request and response bodies against a local HTTP server
 * (undici's fetch in Node 20, no internet needed).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, from, toReadableStream } from '../../dist/index.js';
import { until } from './util.js';

let server: Server;
let base = '';
const disconnected: string[] = [];

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    if (req.url === '/echo') {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.end(body);
      return;
    }
    // /lines: an endless body, one line per chunk, until the client leaves
    res.writeHead(200, { 'content-type': 'text/plain' });
    let i = 0;
    let stopped = false;
    const write = () => {
      if (stopped) return;
      res.write(`line ${i++}\n`, () => setTimeout(write, 1));
    };
    res.on('close', () => {
      stopped = true;
      disconnected.push(req.url!);
    });
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('fetch with channel bodies', () => {
  it('a channel streamed as a request body (duplex: "half") reaches the server whole and in order', async () => {
    const ch = new Channel<string>(2);
    const request = fetch(`${base}/echo`, {
      method: 'POST',
      body: toReadableStream(ch).pipeThrough(new TextEncoderStream()),
      duplex: 'half',
    } as RequestInit);
    for (let i = 0; i < 50; i++) await ch.push(`${i};`);
    ch.close();
    expect(await (await request).text()).toBe(Array.from({ length: 50 }, (_, i) => `${i};`).join(''));
  });

  it('a fetch aborted mid-body through its own signal: for await over from(body) throws the abort reason', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/lines?a`, { signal: controller.signal });
    const reason = new Error('user left the page');
    const lines = from(response.body!.pipeThrough(new TextDecoderStream()));
    let n = 0;
    let error: unknown;
    try {
      for await (const _ of lines) if (++n === 3) controller.abort(reason);
    } catch (e) {
      error = e;
    }
    expect(error).toBe(reason);
    await until(() => disconnected.includes('/lines?a'));
  });

  it('from(body, { signal }) aborted: the loop ends normally, the body is cancelled and the connection closed', async () => {
    const response = await fetch(`${base}/lines?b`);
    const controller = new AbortController();
    const body = response.body!;
    const lines = from(body.pipeThrough(new TextDecoderStream()), { signal: controller.signal });
    let n = 0;
    for await (const _ of lines) if (++n === 3) controller.abort();
    expect(n).toBe(3);
    await until(() => disconnected.includes('/lines?b'));
  });

  it('closing a from(response.body) channel early releases the body: the connection is closed', async () => {
    const response = await fetch(`${base}/lines?c`);
    const body = response.body!;
    const chunks = from(body, { capacity: 2 });
    await chunks.pull();
    chunks.close();
    expect(body.locked).toBe(false);
    await until(() => disconnected.includes('/lines?c'));
  });
});
