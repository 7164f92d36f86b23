/**
 * Audit i: scenarios of `chanasync/port` between a page and a dedicated Worker that both
 * browser suites of this folder run — port.browser.test.ts in Chromium, port.firefox.test.ts in
 * Firefox — written once, with a driver from test/helpers/port-scenarios.ts. The page is
 * test/port/page.html; each scenario makes its Worker from a blob URL that imports chanasync
 * from the page's server as `lib`. Functions run in the page are sent as source text: they use
 * their argument and the page's globals, nothing of this module.
 *
 * README, "Dead contexts": "A context that blocks its event loop for more than 5 s looks dead
 * too"; Semantic details: "A sending context is treated as gone once its receiver has heard
 * nothing from it for 5 s … A sender that gave up has left the port after posting an `end` that
 * aborts …: the receiver then closes its channel as gone … what arrived during the block is
 * refused". And "Undelivered values whose buffers were transferred come back detached".
 */
import { describe, expect, test } from 'vitest';
import { GONE_AFTER_MS, TICK_MS } from '../../src/port/transport.js';
import { type PortDriver, SLACK_MS } from '../helpers/port-scenarios.js';

/** How long the blocking Workers below block: more than the heartbeat's timeout. */
export const BLOCK_MS = GONE_AFTER_MS + 2000;

/** Page ↔ a Worker that blocks, or is terminated, mid-stream. */
export function blockedWorkerScenarios({ run }: PortDriver): void {
  describe('a Worker that blocks its event loop for longer than the heartbeat timeout (README: it looks dead)', () => {
    test(
      'as a receiver: toPort resolves within the heartbeat bound; the Worker, once it runs again, reads what it had committed before the block and nothing more, and its channel closes as gone, never normally',
      async () => {
        const result = await run(
          async ({ block }: { block: number }) => {
            const { Channel, toPort } = window.lib;
            const source = `import * as lib from '${location.origin}/lib.js';
              const input = lib.fromPort(self, { name: 'in', capacity: 8 });
              const got = [];
              let held = -1;
              addEventListener('message', (event) => {
                if (event.data?.command !== 'block') return;
                // A task of its own, after the values it holds were committed.
                held = got.length + input.size;
                const until = performance.now() + ${block};
                while (performance.now() < until);
              });
              postMessage({ report: 'listening' });
              let error = null;
              try {
                for (;;) {
                  got.push(await input.pull());
                  if (got.length === 20) postMessage({ report: 'twenty' });
                  await new Promise((resolve) => setTimeout(resolve, 5));
                }
              } catch (e) {
                const cause = e.cause === undefined ? 'none' : { name: e.cause?.name, message: e.cause?.message };
                error = { name: e.name, cause };
              }
              postMessage({ report: { got, held, error } });`;
            const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), {
              type: 'module',
            });
            await window.nextReport(worker);
            const twenty = window.nextReport(worker);
            const channel = new Channel(0);
            const sending = toPort(channel, worker, { name: 'in' });
            const producer = window.pushForever(channel);
            await twenty;
            const reported = window.nextReport(worker);
            worker.postMessage({ command: 'block' });
            const started = performance.now();
            const { sent, undelivered } = await sending;
            const detection = performance.now() - started;
            const pulled = producer.pushed;
            channel.close();
            const report = await reported;
            worker.terminate();
            return { detection, sent, undelivered, pulled, report };
          },
          { block: BLOCK_MS },
          BLOCK_MS + 15_000,
        );
        expect(result.detection).toBeLessThan(GONE_AFTER_MS + TICK_MS + SLACK_MS);
        expect(result.sent + result.undelivered.length).toBe(result.pulled);
        expect(result.undelivered).toEqual([...Array(result.undelivered.length).keys()].map((i) => result.sent + i));
        // Running again, the Worker reads what it had committed before the block, and nothing
        // that arrived during it. (What it had committed but not acknowledged yet is also in
        // `undelivered`: the documented overlap of a block right after a commit.)
        const { got, held, error } = result.report;
        expect({ got, held }).toEqual({ got: [...Array(held).keys()], held });
        expect(result.sent).toBeLessThanOrEqual(held);
        expect(error).toEqual({
          name: 'ChannelClosedError',
          cause: {
            name: 'ChannelError',
            message: expect.stringMatching(/the other side is gone \(it gave up on this context/),
          },
        });
      },
      BLOCK_MS + 20_000,
    );

    test(
      'as a sender: the page’s fromPort closes as gone within the heartbeat bound, after every value it committed; the Worker’s toPort resolves counting exactly those sent',
      async () => {
        const result = await run(
          async ({ block }: { block: number }) => {
            const source = `import * as lib from '${location.origin}/lib.js';
              const out = new lib.Channel(0);
              let pushed = 0;
              const done = lib.toPort(out, self, { name: 'out' });
              addEventListener('message', (event) => {
                if (event.data?.command !== 'block') return;
                const until = performance.now() + ${block};
                while (performance.now() < until);
              });
              void (async () => {
                for (let i = 0; ; i++) {
                  await out.push(i);
                  pushed++;
                }
              })().catch(() => {});
              const { sent, undelivered } = await done;
              postMessage({ report: { sent, undelivered, pulled: pushed } });
              out.close();`;
            const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), {
              type: 'module',
            });
            const reported = window.nextReport(worker);
            const input = window.lib.fromPort(worker, { name: 'out', capacity: 4 });
            const got: number[] = [];
            while (got.length < 20) got.push(await input.pull());
            worker.postMessage({ command: 'block' });
            const started = performance.now();
            const { values, error } = await window.drain(input);
            const detection = performance.now() - started;
            const report = await reported;
            worker.terminate();
            return { detection, received: [...got, ...values], error, report };
          },
          { block: BLOCK_MS },
          BLOCK_MS + 15_000,
        );
        expect(result.detection).toBeLessThan(GONE_AFTER_MS + TICK_MS + SLACK_MS);
        expect(result.received).toEqual([...Array(result.received.length).keys()]);
        expect(result.error).toMatchObject({ name: 'ChannelError', isError: true });
        expect(result.error?.message).toMatch(/the other side is gone/);
        const { sent, undelivered, pulled } = result.report;
        expect(sent + undelivered.length).toBe(pulled);
        expect(sent).toBe(result.received.length);
        expect(undelivered).toEqual([...Array(undelivered.length).keys()].map((i) => sent + i));
      },
      BLOCK_MS + 20_000,
    );
  });

  describe('a Worker that blocks its event loop for 4 s, less than the heartbeat timeout (README: "goes on if it does")', () => {
    test('a Worker that echoes a stream back, blocked mid-stream: both streams go on after the block, every value once, in order, each toPort counting them all sent', async () => {
      const result = await run(
        async ({ block }: { block: number }) => {
          const { Channel, toPort, fromPort } = window.lib;
          // The Worker echoes stream "in" (capacity 4) as stream "out", and blocks for
          // `block` ms in a task of its own when told to.
          const source = `import * as lib from '${location.origin}/lib.js';
              const input = lib.fromPort(self, { name: 'in', capacity: 4 });
              const output = new lib.Channel(0);
              const done = lib.toPort(output, self, { name: 'out' });
              addEventListener('message', (event) => {
                if (event.data?.command !== 'block') return;
                const until = performance.now() + ${block};
                while (performance.now() < until);
              });
              for await (const value of input) await output.push(value);
              output.close();
              postMessage({ report: await done });`;
          const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), {
            type: 'module',
          });
          const reported = window.nextReport(worker);
          const channel = new Channel(0);
          const sending = toPort(channel, worker, { name: 'in' });
          const echoes = fromPort(worker, { name: 'out', capacity: 4 });
          const got: number[] = [];
          const consumer = (async () => {
            for await (const value of echoes) got.push(value);
          })();
          let i = 0;
          for (; i < 50; i++) await channel.push(i);
          worker.postMessage({ command: 'block' });
          for (; i < 100; i++) await channel.push(i);
          channel.close();
          const result = await sending;
          await consumer;
          const back = await reported;
          worker.terminate();
          return { result, back, got };
        },
        { block: 4000 },
        30_000,
      );
      expect(result.result).toEqual({ sent: 100, undelivered: [] });
      expect(result.back).toEqual({ sent: 100, undelivered: [] });
      expect(result.got).toEqual([...Array(100).keys()]);
    }, 40_000);
  });

  test(
    'a Worker terminated with transferred ArrayBuffers in flight: the undelivered ones come back detached, the one never pulled stays intact, and sent counts what the Worker consumed',
    async () => {
      const result = await run(
        async () => {
          const { Channel, toPort } = window.lib;
          const source = `import * as lib from '${location.origin}/lib.js';
            const input = lib.fromPort(self, { name: 'in', capacity: 4 });
            addEventListener('message', async (event) => {
              if (event.data?.command !== 'stall') return;
              // Takes two (granting two credits) and blocks for good in this task: the values
              // posted for those credits are never committed.
              const sizes = [(await input.pull()).byteLength, (await input.pull()).byteLength];
              for (let i = 0; i < 10; i++) await null;
              postMessage({ report: sizes });
              for (;;);
            });
            postMessage({ report: 'listening' });`;
          const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), {
            type: 'module',
          });
          await window.nextReport(worker);
          const buffers: ArrayBuffer[] = [];
          const channel = new Channel(0);
          const sending = toPort(channel, worker, { name: 'in', transfer: (buffer: ArrayBuffer) => [buffer] });
          let pushed = 0;
          void (async () => {
            for (let i = 0; ; i++) {
              const buffer = new Uint8Array(1024).fill(i).buffer;
              buffers.push(buffer);
              await channel.push(buffer);
              pushed++;
            }
          })().catch(() => {});
          while (pushed < 4) await window.sleep(5);
          const stalled = window.nextReport(worker);
          worker.postMessage({ command: 'stall' });
          const sizes = await stalled;
          while (pushed < 6) await window.sleep(5);
          worker.terminate();
          const started = performance.now();
          const { sent, undelivered } = await sending;
          const detection = performance.now() - started;
          const parked = buffers[buffers.length - 1] as ArrayBuffer; // the producer's next push, never pulled
          channel.close();
          return {
            detection,
            sent,
            sizes,
            pushed,
            undelivered: undelivered.map((buffer: ArrayBuffer) => ({
              index: buffers.indexOf(buffer),
              byteLength: buffer.byteLength,
            })),
            sentDetached: buffers.slice(0, sent).every((buffer) => buffer.byteLength === 0),
            parked: parked.byteLength,
          };
        },
        undefined,
        GONE_AFTER_MS + 15_000,
      );
      expect(result.detection).toBeLessThan(GONE_AFTER_MS + TICK_MS + SLACK_MS);
      expect(result.sizes).toEqual([1024, 1024]);
      expect(result.sent + result.undelivered.length).toBe(result.pushed);
      expect(result.sent).toBe(4);
      // The very buffers pushed, in order, detached: they were transferred to the dead Worker.
      expect(result.undelivered).toEqual([
        { index: 4, byteLength: 0 },
        { index: 5, byteLength: 0 },
      ]);
      expect(result.sentDetached).toBe(true);
      expect(result.parked).toBe(1024);
    },
    GONE_AFTER_MS + 20_000,
  );
}
