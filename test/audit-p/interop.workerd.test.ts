/**
 * A fresh-eyes audit of SPEC.md's "Interop", `after`/`ticker` and `AbortSignal` cancellation in
 * workerd (Miniflare, in-process; the Worker is chanasync bundled from src/ by esbuild, as
 * wrangler would bundle it): a streamed request body into `from`, a channel fed by a ticker as
 * a streamed response, a ticker left running when the response is sent and closed from a later
 * request, `fromEvent` on a `WebSocketPair`, `AbortSignal.any`, and `await using`.
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

const worker = `
import { Channel, after, ticker, from, toReadableStream, fromEvent, select, pull } from './src/index.js';

let leftTicker;

const json = (value) => Response.json(value);

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/upload': {
        const body = request.body;
        let bytes = 0;
        let chunks = 0;
        let sum = 0;
        for await (const chunk of from(body, { capacity: 1 })) {
          chunks++;
          bytes += chunk.byteLength;
          for (const b of chunk) sum += b;
        }
        return json({ bytes, sum, chunks: chunks > 0, locked: body.locked });
      }
      case '/ticks': {
        const lines = new Channel(1);
        const start = Date.now();
        (async () => {
          using ticks = ticker(5);
          for (let i = 0; i < 10; i++) await lines.push(String((await ticks.pull()) - start) + '\\n');
          lines.close();
        })();
        return new Response(toReadableStream(lines).pipeThrough(new TextEncoderStream()));
      }
      case '/leave-ticker': {
        leftTicker = ticker(5);
        const first = await leftTicker.pull();
        return json({ first: typeof first });
      }
      case '/close-ticker': {
        const wasClosed = leftTicker.closed;
        leftTicker.close();
        return json({ wasClosed, closed: leftTicker.closed, size: leftTicker.size });
      }
      case '/after': {
        const start = Date.now();
        const fired = await after(30).pull();
        const timedOut = await select([pull(new Channel()), pull(after(10))]);
        return json({ late: fired - start, index: timedOut.index, ok: timedOut.ok });
      }
      case '/abort-any': {
        const reasons = [];
        const full = new Channel(1);
        full.pushNowait(0);
        const empty = new Channel();
        const run = async (label, op) => {
          const user = new AbortController();
          const signal = AbortSignal.any([user.signal, AbortSignal.timeout(1000)]);
          setTimeout(() => user.abort(new SyntaxError(label)), 5);
          await op(signal).then(() => reasons.push(label + ': resolved'), (e) => reasons.push(label + ': ' + e.name + ' ' + e.message));
        };
        await run('push', (signal) => full.push(1, { signal }));
        await run('pull', (signal) => empty.pull({ signal }));
        await run('pullMany', (signal) => empty.pullMany(3, { signal }));
        await run('pushAll', (signal) => full.pushAll([1, 2], { signal }));
        await run('select', (signal) => select([pull(empty)], { signal }));
        const timedOut = await empty.pull({ signal: AbortSignal.timeout(10) }).then(() => 'resolved', (e) => e.name);
        const target = new EventTarget();
        const channels = [
          after(10000, { signal: AbortSignal.timeout(10) }),
          ticker(10000, { signal: AbortSignal.any([AbortSignal.timeout(10)]) }),
          from((async function* () { await new Promise(() => {}); yield 1; })(), { signal: AbortSignal.timeout(10) }),
          fromEvent(target, 'ping', { signal: AbortSignal.timeout(10) }),
        ];
        const timers = await Promise.all(channels.map((c) => c.pull().then((v) => 'value ' + v, (e) => e.name)));
        return json({ reasons, timedOut, timers, closed: channels.map((c) => c.closed), full: full.stats(), empty: empty.stats() });
      }
      case '/compress': {
        const rows = new Channel(2);
        (async () => {
          for (let i = 0; i < 300; i++) await rows.push('row ' + i + ';');
          rows.close();
        })();
        const round = toReadableStream(rows)
          .pipeThrough(new TextEncoderStream())
          .pipeThrough(new CompressionStream('gzip'))
          .pipeThrough(new DecompressionStream('gzip'))
          .pipeThrough(new TextDecoderStream());
        let text = '';
        for await (const part of from(round)) text += part;
        const expected = Array.from({ length: 300 }, (_, i) => 'row ' + i + ';').join('');
        const sink = [];
        const numbers = new Channel(Infinity);
        for (let i = 0; i < 20; i++) numbers.pushNowait(i);
        numbers.close();
        let maxAhead = 0;
        await toReadableStream(numbers).pipeTo(new WritableStream({
          async write(v) {
            sink.push(v);
            maxAhead = Math.max(maxAhead, 20 - numbers.size - sink.length);
            await new Promise((resolve) => setTimeout(resolve, 1));
          },
        }, new CountQueuingStrategy({ highWaterMark: 1 })));
        return json({ same: text === expected, locked: round.locked, sink, maxAhead, stats: rows.stats() });
      }
      case '/websocket': {
        const [client, server] = Object.values(new WebSocketPair());
        server.accept();
        client.accept();
        const messages = fromEvent(server, 'message', { capacity: 8, overflow: 'block' });
        const closes = fromEvent(server, 'close', { listenerOptions: { once: true } });
        for (const m of ['a', 'b', 'c']) client.send(m);
        const got = [];
        for (let i = 0; i < 3; i++) got.push((await messages.pull()).data);
        client.close(1000, 'bye');
        const closed = await closes.pull();
        messages.close();
        return json({ got, close: [closed.type, closed.code, closed.reason], onceClosed: closes.closed, closedMessages: messages.closed });
      }
      case '/using': {
        let ch, t;
        {
          await using channel = new Channel(1);
          using ticks = ticker(1000);
          ch = channel;
          t = ticks;
          channel.pushNowait('kept');
        }
        return json({ native: typeof Symbol.asyncDispose === 'symbol', closed: [ch.closed, t.closed], kept: ch.pullNowait() });
      }
    }
    return new Response('not found', { status: 404 });
  },
};
`;

let miniflare: Miniflare;

beforeAll(async () => {
  const built = await esbuild.build({
    stdin: { contents: worker, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    // Miniflare's module parser does not know `using`: lowered, as a bundler does for an older target.
    target: 'es2022',
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

test('in workerd, a streamed request body read through from() with capacity 1 gives every byte once and leaves the body unlocked', async () => {
  const total = 256 * 1024;
  let sent = 0;
  let expectedSum = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = new Uint8Array(8192).map((_, i) => (sent + i) % 251);
      for (const b of chunk) expectedSum += b;
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const response = await miniflare.dispatchFetch('http://worker/upload', {
    method: 'POST',
    body: body as never,
    duplex: 'half',
  } as never);
  expect(await response.json()).toEqual({ bytes: total, sum: expectedSum, chunks: true, locked: false });
});

test('in workerd, a ticker-fed channel streamed as the response gives ten ticks in order, on schedule, and the body ends', async () => {
  const response = await miniflare.dispatchFetch('http://worker/ticks');
  const offsets = (await response.text()).trim().split('\n').map(Number);
  expect(offsets).toHaveLength(10);
  for (const [i, offset] of offsets.entries()) expect(offset).toBeGreaterThanOrEqual((i + 1) * 5 - 1);
});

test('in workerd, a ticker still running when its response is sent does not hold the response, and a later request closes it without an error', async () => {
  const started = Date.now();
  const left = await miniflare.dispatchFetch('http://worker/leave-ticker');
  expect(await left.json()).toEqual({ first: 'number' });
  expect(Date.now() - started).toBeLessThan(10_000); // not held by the ticker, which never ends (room for a loaded machine)
  await new Promise((resolve) => setTimeout(resolve, 30));
  const closed = await miniflare.dispatchFetch('http://worker/close-ticker');
  expect(closed.status).toBe(200);
  const state = (await closed.json()) as { wasClosed: boolean; closed: boolean; size: number };
  expect(state).toMatchObject({ wasClosed: false, closed: true });
});

test('in workerd, after(ms) fires no earlier than ms by the Worker clock and times out a select', async () => {
  const response = await miniflare.dispatchFetch('http://worker/after');
  const result = (await response.json()) as { late: number; index: number; ok: boolean };
  expect(result.late).toBeGreaterThanOrEqual(30);
  expect(result).toMatchObject({ index: 1, ok: true });
});

test('in workerd, every operation given AbortSignal.any([controller, timeout]) rejects with the first reason and leaves nothing parked; timer, source and event channels close', async () => {
  const response = await miniflare.dispatchFetch('http://worker/abort-any');
  const result = (await response.json()) as Record<string, unknown>;
  expect(result.reasons).toEqual([
    'push: SyntaxError push',
    'pull: SyntaxError pull',
    'pullMany: SyntaxError pullMany',
    'pushAll: SyntaxError pushAll',
    'select: SyntaxError select',
  ]);
  expect(result.timedOut).toBe('TimeoutError');
  expect(result.timers).toEqual([
    'ChannelClosedError',
    'ChannelClosedError',
    'ChannelClosedError',
    'ChannelClosedError',
  ]);
  expect(result.closed).toEqual([true, true, true, true]);
  expect(result.full).toMatchObject({ size: 1, waitingPushers: 0, waitingPullers: 0 });
  expect(result.empty).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
});

test('in workerd, a channel through TextEncoderStream, CompressionStream and back into from() comes back whole, and pipeTo a slow WritableStream keeps backpressure', async () => {
  const response = await miniflare.dispatchFetch('http://worker/compress');
  const result = (await response.json()) as {
    same: boolean;
    locked: boolean;
    sink: number[];
    maxAhead: number;
    stats: object;
  };
  expect(result).toMatchObject({ same: true, locked: false, sink: Array.from({ length: 20 }, (_, i) => i) });
  expect(result.maxAhead).toBeLessThanOrEqual(2);
  expect(result.stats).toMatchObject({ size: 0, closed: true, waitingPushers: 0, waitingPullers: 0 });
});

test("in workerd, fromEvent on a WebSocketPair's server end takes every message in order, and a once 'close' channel takes the close event and closes", async () => {
  const response = await miniflare.dispatchFetch('http://worker/websocket');
  expect(await response.json()).toEqual({
    got: ['a', 'b', 'c'],
    close: ['close', 1000, 'bye'],
    onceClosed: true,
    closedMessages: true,
  });
});

test('in workerd, await using and using (lowered by the bundler) close a channel and a ticker at the end of the block, through the native disposal symbols', async () => {
  const response = await miniflare.dispatchFetch('http://worker/using');
  expect(await response.json()).toEqual({ native: true, closed: [true, true], kept: 'kept' });
});
