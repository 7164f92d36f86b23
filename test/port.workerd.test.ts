/**
 * `chanasync/port` in workerd (Miniflare, in-process): a MessageChannel inside a Worker request,
 * toPort on one port and fromPort on the other. The worker is chanasync bundled from src/ by
 * esbuild, as wrangler would bundle it.
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');

const worker = `
import { Channel } from './src/channel.js';
import { fromPort, toPort } from './src/port/index.js';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const { port1, port2 } = new MessageChannel();
    if (url.pathname === '/stream') {
      const count = Number(url.searchParams.get('count'));
      const local = new Channel(64);
      const remote = fromPort(port2, { name: 'numbers', capacity: 128 });
      const sending = toPort(local, port1, { name: 'numbers' });
      const producing = (async () => {
        for (let i = 0; i < count; i++) await local.push(i);
        local.close(new RangeError('no more numbers'));
      })();
      let received = 0, sum = 0, ordered = true, closedWith = null;
      try {
        for await (const n of remote) {
          if (n !== received) ordered = false;
          sum += n;
          received++;
        }
      } catch (error) {
        closedWith = error.name + ': ' + error.message;
      }
      await producing;
      const result = await sending;
      return Response.json({ received, sum, ordered, closedWith, sent: result.sent, undelivered: result.undelivered.length });
    }
    if (url.pathname === '/batches') {
      // Two streams in turn; a producer that awaits each push, all within one turn: the sizes
      // of the values messages each one posted, and how long (ms) its turn took by the clock
      // the sender reads (a turn longer than 16 ms posts what it pulled every 16 ms).
      const sizes = [];
      const turns = [];
      for (let stream = 0; stream < 2; stream++) {
        const { port1, port2 } = new MessageChannel();
        const post = port1.postMessage.bind(port1);
        const posted = [];
        port1.postMessage = (message, transfer) => {
          if (message.type === 'values') posted.push(message.values.length);
          post(message, transfer);
        };
        const local = new Channel(256);
        const remote = fromPort(port2, { capacity: 1000 });
        const sending = toPort(local, port1);
        const started = performance.now();
        let turn = 0;
        const producing = (async () => {
          for (let i = 0; i < 200; i++) await local.push(i);
          turn = performance.now() - started;
          local.close();
        })();
        for await (const _ of remote);
        await producing;
        await sending;
        sizes.push(posted);
        turns.push(turn);
      }
      return Response.json({ sizes, turns });
    }
    if (url.pathname === '/early-close') {
      const local = new Channel(0);
      const remote = fromPort(port2, { capacity: 4 });
      const sending = toPort(local, port1);
      let pushed = 0;
      const producing = (async () => {
        for (let i = 0; i < 1000; i++) { await local.push(i); pushed++; }
      })().catch(() => {});
      const taken = [await remote.pull(), await remote.pull()];
      remote.close();
      const { sent, undelivered } = await sending;
      const pulled = pushed;
      local.close();
      await producing;
      return Response.json({ taken, sent, undelivered, pulled });
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

// First: the isolate's first batch is the one that finds out how workerd delivers messages.
test('in workerd, values pulled in one turn travel in one message, from the first stream on', async () => {
  const response = await miniflare.dispatchFetch('http://worker/batches');
  const { sizes, turns } = (await response.json()) as { sizes: number[][]; turns: number[] };
  expect(sizes).toHaveLength(2);
  for (const [stream, posted] of sizes.entries()) {
    expect(posted.reduce((sum, size) => sum + size, 0)).toBe(200);
    // One message for a turn within LONG_TURN_MS (16 ms); a loaded machine can make the turn
    // longer, and then it is one message per 16 ms of it, never one per value.
    const turn = turns[stream] as number;
    if (turn < 16) expect(posted).toEqual([200]);
    else expect(posted.length).toBeLessThanOrEqual(Math.ceil(turn / 16) + 1);
  }
});

test('in workerd, 10,000 values cross a MessageChannel in order, then the close reason', async () => {
  const response = await miniflare.dispatchFetch('http://worker/stream?count=10000');
  expect(await response.json()).toEqual({
    received: 10_000,
    sum: (10_000 * 9_999) / 2,
    ordered: true,
    closedWith: 'RangeError: no more numbers',
    sent: 10_000,
    undelivered: 0,
  });
});

test('in workerd, a receiver that closes early stops the sender, and every value pulled is accounted for', async () => {
  const response = await miniflare.dispatchFetch('http://worker/early-close');
  const { taken, sent, undelivered, pulled } = (await response.json()) as {
    taken: number[];
    sent: number;
    undelivered: number[];
    pulled: number;
  };
  expect(taken).toEqual([0, 1]);
  expect(sent + undelivered.length).toBe(pulled);
  expect(undelivered).toEqual([...Array(undelivered.length).keys()].map((i) => sent + i));
});
