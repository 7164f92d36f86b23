/**
 * chanasync with the Workers runtime's own event sources, inside workerd (project
 * `workerd-core`; skipped elsewhere): a `WebSocketPair`'s messages through `fromEvent`, and a
 * request's body through `from`.
 */
import { describe, expect, test } from 'vitest';
import { Channel, from, fromEvent, pull, select, toReadableStream } from '../../src/index.js';
import { inWorkerd } from '../helpers/runtime.js';

/** The pair of a Worker's WebSocket (not in Node's or the DOM's types). */
interface Pair {
  0: WebSocket & { accept(): void };
  1: WebSocket & { accept(): void };
}

describe.runIf(inWorkerd)('workerd event sources', () => {
  test('fromEvent over a WebSocketPair: every message in order, and the close ends a select loop', async () => {
    const pair = new (globalThis as unknown as { WebSocketPair: new () => Pair }).WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    server.accept();
    client.accept();
    const messages = fromEvent<MessageEvent>(server, 'message', { capacity: 16, overflow: 'block' });
    const closed = fromEvent<CloseEvent>(server, 'close');
    for (let i = 0; i < 5; i++) client.send(`m${i}`);
    client.close(1000, 'done');
    const got: string[] = [];
    for (;;) {
      const result = await select([pull(messages), pull(closed)]);
      if (result.index === 0) got.push(String((result.value as MessageEvent).data));
      else break;
    }
    // Messages sent before the close arrive before it; any still buffered are drained after.
    for (let event = messages.tryPull(); event !== undefined; event = messages.tryPull()) got.push(String(event.data));
    expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    messages.close();
    closed.close();
  });

  test('a request body read through from() and written back through toReadableStream()', async () => {
    const request = new Request('https://example.com/', { method: 'POST', body: 'hello, workerd' });
    const chunks = from(request.body as ReadableStream<Uint8Array>);
    const echo = new Channel<Uint8Array>(2);
    const copying = (async () => {
      for await (const chunk of chunks) await echo.push(chunk);
      echo.close();
    })();
    const text = await new Response(toReadableStream(echo)).text();
    await copying;
    expect(text).toBe('hello, workerd');
  });
});
