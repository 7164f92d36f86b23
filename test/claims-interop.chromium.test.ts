/**
 * The docs' interop claims that need a real browser: README "Web-platform interop" ("`fromEvent`
 * works with any `EventTarget` — DOM elements, `window`, a `WebSocket`"), and the Semantic
 * details on how `from` releases a stream ("at once", cancelled with the close reason and
 * unlocked) against Chromium's own `ReadableStream`. Headless Chromium through playwright-core,
 * chanasync bundled from src/; a WebSocket server of a few lines on node:http.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openChanasyncPage } from './helpers/chanasync-page.js';

let browser: Browser;
let page: Page;
let server: Server;
let wsUrl = '';
const sockets = new Set<Socket>();
let pageErrors: string[] = [];

/** An unmasked server-to-client text frame (payloads under 126 bytes). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

beforeAll(async () => {
  // A WebSocket server that, once the handshake is done, sends three text messages and then a
  // close frame (code 1000), and ends the connection when the client answers.
  server = createServer((_request, response) => response.end());
  server.on('upgrade', (request, socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const accept = createHash('sha1')
      .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    for (const text of ['one', 'two', 'three']) socket.write(textFrame(text));
    socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
    // The client answers the close frame with its own: then the server ends the connection.
    socket.on('data', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  ({ browser, page, pageErrors } = await openChanasyncPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  expect(pageErrors).toEqual([]);
});

test("in Chromium, fromEvent(socket, 'message') on a WebSocket receives every message in order as a MessageEvent", async () => {
  const result = await page.evaluate(async (url) => {
    const { fromEvent } = window.chanasync;
    const socket = new WebSocket(url);
    const messages = fromEvent(socket, 'message', { capacity: 8, overflow: 'block' });
    const closed = fromEvent(socket, 'close');
    const received: string[] = [];
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const event = await messages.pull();
      kinds.push(event.constructor.name);
      received.push(event.data as string);
    }
    const close = await closed.pull();
    messages.close();
    closed.close();
    return { received, kinds, code: close.code };
  }, wsUrl);
  expect(result.received).toEqual(['one', 'two', 'three']);
  expect(result.kinds).toEqual(['MessageEvent', 'MessageEvent', 'MessageEvent']);
  expect(result.code).toBe(1000);
});

test('in Chromium, closing a from channel cancels its native stream with the close reason and unlocks it before close() returns', async () => {
  const result = await page.evaluate(async () => {
    const { from } = window.chanasync;
    const log: { cancelled: boolean; reason?: string } = { cancelled: false };
    let n = 0;
    const stream = new ReadableStream<number>(
      {
        pull(controller) {
          controller.enqueue(n++);
        },
        cancel(reason) {
          log.cancelled = true;
          log.reason = (reason as Error).message;
        },
      },
      { highWaterMark: 0 },
    );
    const channel = from(stream, { capacity: 1 });
    const first = await channel.pull();
    const lockedWhileRead = stream.locked;
    channel.close(new Error('enough'));
    return { first, lockedWhileRead, ...log, lockedAfter: stream.locked };
  });
  expect(result).toEqual({ first: 0, lockedWhileRead: true, cancelled: true, reason: 'enough', lockedAfter: false });
});

test('in Chromium, a fetch body read to its end through from is unlocked afterwards', async () => {
  const result = await page.evaluate(async () => {
    const { from } = window.chanasync;
    const body = new Response('a\nb\n').body as ReadableStream<Uint8Array>;
    let bytes = 0;
    for await (const chunk of from(body)) bytes += chunk.byteLength;
    return { bytes, locked: body.locked };
  });
  expect(result).toEqual({ bytes: 4, locked: false });
});

test('in Chromium, from return()s a synchronous generator whose yielded promise rejects, as the browser’s own for await does', async () => {
  const result = await page.evaluate(async () => {
    const { from } = window.chanasync;
    const logs: Record<string, string[]> = { platform: [], from: [] };
    function* lookups(log: string[]) {
      try {
        yield Promise.reject(new Error('lookup failed'));
        yield Promise.resolve('never');
      } finally {
        log.push('finally');
      }
    }
    try {
      for await (const _ of lookups(logs.platform as string[])) void _;
    } catch (error) {
      logs.platform?.push((error as Error).message);
    }
    try {
      for await (const _ of from(lookups(logs.from as string[]))) void _;
    } catch (error) {
      logs.from?.push((error as Error).message);
    }
    return logs;
  });
  expect(result.platform).toEqual(['finally', 'lookup failed']);
  expect(result.from).toEqual(result.platform);
});
