/**
 * `chanasync/port` between real contexts in headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core): page ↔ dedicated Worker, page → cross-origin iframe (127.0.0.1
 * embeds localhost), a MessageChannel, a SharedWorker. One browser for the file; each test
 * opens its own page. test/port/server.mjs serves test/port/ and chanasync bundled from src/.
 */
import { describe, expect, test } from 'vitest';
import { GONE_AFTER_MS } from '../src/port/index.js';
import { usePortPages } from './helpers/port-pages.js';

const { open, port } = usePortPages();

describe('page ↔ dedicated Worker', () => {
  test('100,000 numbers go to a Worker and their squares come back, in order, summing exactly', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const worker = new Worker('/worker.js?mode=squares', { type: 'module' });
      const numbers = new Channel(1024);
      const squares = fromPort(worker, { name: 'out', capacity: 1024 });
      const sending = toPort(numbers, worker, { name: 'in' });
      const producing = (async () => {
        for (let i = 0; i < 100_000; i++) await numbers.push(i);
        numbers.close();
      })();
      let count = 0;
      let sum = 0;
      let ordered = true;
      for await (const square of squares) {
        if (square !== count * count) ordered = false;
        sum += square;
        count++;
      }
      await producing;
      const sent = await sending;
      worker.terminate();
      return { count, sum, ordered, sent: sent.sent, undelivered: sent.undelivered.length };
    });
    let expected = 0;
    for (let i = 0; i < 100_000; i++) expected += i * i;
    expect(result).toEqual({ count: 100_000, sum: expected, ordered: true, sent: 100_000, undelivered: 0 });
  });

  test('backpressure: the Worker’s buffer fills to its capacity and the page’s producer waits', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const worker = new Worker('/worker.js?mode=hold&capacity=16', { type: 'module' });
      await window.nextReport(worker);
      const numbers = new Channel(0);
      void toPort(numbers, worker, { name: 'in' });
      let pushed = 0;
      void (async () => {
        for (let i = 0; i < 1000; i++) {
          await numbers.push(i);
          pushed++;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300));
      worker.postMessage({ command: 'size' });
      const remoteSize = await window.nextReport(worker);
      const pushedBefore = pushed;
      worker.postMessage({ command: 'pull' });
      const first = await window.nextReport(worker);
      worker.terminate();
      return { remoteSize, pushedBefore, first };
    });
    expect(result).toEqual({ remoteSize: 16, pushedBefore: 16, first: 0 });
  });

  test('capacity 0: a push on the page resolves only once the Worker pulled its value', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const worker = new Worker('/worker.js?mode=hold&capacity=0', { type: 'module' });
      await window.nextReport(worker);
      const channel = new Channel(0);
      void toPort(channel, worker, { name: 'in' });
      let committed = false;
      const push = channel.push('rendezvous').then(() => {
        committed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = committed;
      worker.postMessage({ command: 'pull' });
      const pulled = await window.nextReport(worker);
      await push;
      worker.terminate();
      return { before, pulled, after: committed };
    });
    expect(result).toEqual({ before: false, pulled: 'rendezvous', after: true });
  });

  test('the page’s close reason reaches the Worker', async () => {
    const page = await open();
    const error = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const worker = new Worker('/worker.js?mode=reason', { type: 'module' });
      const channel = new Channel(1);
      const reported = window.nextReport(worker);
      void toPort(channel, worker, { name: 'in' });
      await channel.push(1);
      channel.close(new RangeError('the page is done'));
      const error = await reported;
      worker.terminate();
      return error;
    });
    expect(error).toEqual({ name: 'RangeError', message: 'the page is done', isError: true });
  });

  test('the Worker’s close reason reaches the page, after the values', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const { fromPort } = window.lib;
      const worker = new Worker('/worker.js?mode=close-with-reason', { type: 'module' });
      const values: number[] = [];
      try {
        for await (const value of fromPort(worker, { name: 'out', capacity: 1 })) values.push(value);
        return { values, error: null };
      } catch (error: any) {
        return { values, error: { name: error.name, message: error.message } };
      } finally {
        worker.terminate();
      }
    });
    expect(result).toEqual({ values: [1, 2, 3], error: { name: 'TypeError', message: 'the worker is done' } });
  });

  test('a close reason that cannot be cloned arrives as an Error carrying its message', async () => {
    const page = await open();
    const error = await page.evaluate(async () => {
      const { fromPort } = window.lib;
      const worker = new Worker('/worker.js?mode=close-with-reason&uncloneable=1', { type: 'module' });
      try {
        for await (const _ of fromPort(worker, { name: 'out', capacity: 1 }));
        return null;
      } catch (error: any) {
        return { isError: error instanceof Error, message: error.message };
      } finally {
        worker.terminate();
      }
    });
    expect(error?.isError).toBe(true);
    expect(error?.message).toContain('the worker gave up');
  });

  test('the Worker closing early: the page’s sent + undelivered account for every value pulled', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const worker = new Worker('/worker.js?mode=close-after-3', { type: 'module' });
      const channel = new Channel(0);
      const sending = toPort(channel, worker, { name: 'in' });
      let pushed = 0;
      void (async () => {
        for (let i = 0; ; i++) {
          await channel.push(i);
          pushed++;
        }
      })().catch(() => {});
      const taken = await window.nextReport(worker);
      const { sent, undelivered } = await sending;
      const pulled = pushed;
      const next = await channel.pull(); // the sender stopped: the producer's next value is still here
      channel.close();
      worker.terminate();
      return { taken, sent, undelivered, pulled, next };
    });
    expect(result.taken).toEqual([0, 1, 2]);
    expect(result.sent).toBeGreaterThanOrEqual(3);
    expect(result.sent + result.undelivered.length).toBe(result.pulled);
    expect(result.undelivered).toEqual([...Array(result.undelivered.length).keys()].map((i) => result.sent + i));
    expect(result.next).toBe(result.pulled);
  });

  test(
    'worker.terminate() mid-stream is detected within the heartbeat bound; the values in flight come back',
    async () => {
      const page = await open();
      const result = await page.evaluate(async () => {
        const { Channel, toPort } = window.lib;
        const worker = new Worker('/worker.js?mode=stall', { type: 'module' });
        await window.nextReport(worker);
        const channel = new Channel(0);
        const sending = toPort(channel, worker, { name: 'in' });
        let pushed = 0;
        void (async () => {
          for (let i = 0; ; i++) {
            await channel.push(i);
            pushed++;
          }
        })().catch(() => {});
        const pushes = async (count: number) => {
          while (pushed < count) await new Promise((resolve) => setTimeout(resolve, 5));
        };
        await pushes(8); // the worker's 8 slots are full
        worker.postMessage({ command: 'stall' });
        await window.nextReport(worker); // it pulled 4 and froze: 4 more values are posted to it
        await pushes(12);
        worker.terminate();
        const started = performance.now();
        const { sent, undelivered } = await sending;
        const detection = performance.now() - started;
        const pulled = pushed;
        channel.close();
        return { detection, sent, undelivered, pulled };
      });
      expect(result.detection).toBeLessThan(GONE_AFTER_MS + 1500);
      expect(result).toMatchObject({ sent: 8, undelivered: [8, 9, 10, 11], pulled: 12 });
    },
    GONE_AFTER_MS + 15_000,
  );

  test('ArrayBuffers listed by transfer move to the Worker and are detached on the page', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const worker = new Worker('/worker.js?mode=bytes', { type: 'module' });
      const buffers = new Channel(4);
      const reported = window.nextReport(worker);
      const sending = toPort(buffers, worker, { name: 'in', transfer: (buffer: ArrayBuffer) => [buffer] });
      const sent: ArrayBuffer[] = [];
      for (let i = 0; i < 32; i++) {
        const buffer = new ArrayBuffer(65_536);
        sent.push(buffer);
        await buffers.push(buffer);
      }
      buffers.close();
      await sending;
      const report = await reported;
      worker.terminate();
      return { report, detached: sent.every((buffer) => buffer.byteLength === 0) };
    });
    expect(result).toEqual({ report: { bytes: 32 * 65_536, count: 32 }, detached: true });
  });

  test('foreign and malformed messages from the Worker are ignored', async () => {
    const page = await open();
    const values = await page.evaluate(async () => {
      const { fromPort } = window.lib;
      const worker = new Worker('/worker.js?mode=junk', { type: 'module' });
      const values: number[] = [];
      for await (const value of fromPort(worker, { name: 'out', capacity: 2 })) values.push(value);
      worker.terminate();
      return values;
    });
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('other ports', () => {
  test('a MessageChannel port handed to a Worker carries channels both ways', async () => {
    const page = await open();
    const echoes = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const worker = new Worker('/worker.js?mode=port', { type: 'module' });
      await window.nextReport(worker);
      const { port1, port2 } = new MessageChannel();
      worker.postMessage(null, [port2]);
      const words = new Channel(4);
      const echoes = fromPort(port1, { name: 'out', capacity: 4 });
      const sending = toPort(words, port1, { name: 'in' });
      for (const word of ['a', 'b', 'c']) await words.push(word);
      words.close();
      const got: string[] = [];
      for await (const echo of echoes) got.push(echo);
      await sending;
      worker.terminate();
      return got;
    });
    expect(echoes).toEqual(['echo a', 'echo b', 'echo c']);
  });

  test('a SharedWorker serves a page through its connection port', async () => {
    const page = await open();
    const sums = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const shared = new SharedWorker('/shared-worker.js', { type: 'module' });
      const numbers = new Channel(8);
      const sums = fromPort(shared.port, { name: 'sums', capacity: 8 });
      const sending = toPort(numbers, shared.port, { name: 'numbers' });
      for (let i = 1; i <= 5; i++) await numbers.push(i);
      numbers.close();
      const got: number[] = [];
      for await (const sum of sums) got.push(sum);
      await sending;
      return got;
    });
    expect(sums).toEqual([1, 3, 6, 10, 15]);
  });
});

describe('cross-origin iframe', () => {
  test('the page (127.0.0.1) sends to a localhost frame, which checks the page’s origin', async () => {
    const page = await open();
    const report = await page.evaluate(async (port) => {
      const { Channel, toPort } = window.lib;
      const frame = document.createElement('iframe');
      const origin = `http://127.0.0.1:${port}`;
      frame.src = `http://localhost:${port}/frame.html?origin=${encodeURIComponent(origin)}`;
      document.body.append(frame);
      const reported = window.nextReport(window);
      const channel = new Channel(4);
      const sending = toPort(channel, frame.contentWindow!, { name: 'in' });
      for (let i = 0; i < 20; i++) await channel.push(i);
      channel.close('page done');
      const result = await sending;
      return { ...(await reported), sent: result.sent };
    }, port());
    expect(report).toEqual({ values: [...Array(20).keys()], error: 'page done', sent: 20 });
  });

  test(
    'a removed iframe is detected within the heartbeat bound, and every value pulled is accounted for',
    async () => {
      const page = await open();
      const result = await page.evaluate(async (port) => {
        const { Channel, toPort } = window.lib;
        const frame = document.createElement('iframe');
        const origin = `http://127.0.0.1:${port}`;
        frame.src = `http://localhost:${port}/frame.html?origin=${encodeURIComponent(origin)}`;
        document.body.append(frame);
        const channel = new Channel(0);
        const sending = toPort(channel, frame.contentWindow!, { name: 'in' });
        let pushed = 0;
        void (async () => {
          for (let i = 0; ; i++) {
            await channel.push(i);
            pushed++;
          }
        })().catch(() => {});
        while (pushed < 100) await new Promise((resolve) => setTimeout(resolve, 5));
        frame.remove();
        const started = performance.now();
        const { sent, undelivered } = await sending;
        const detection = performance.now() - started;
        const pulled = pushed;
        channel.close();
        return { detection, sent, undelivered: undelivered.length, pulled };
      }, port());
      expect(result.detection).toBeLessThan(GONE_AFTER_MS + 1500);
      expect(result.sent + result.undelivered).toBe(result.pulled);
    },
    GONE_AFTER_MS + 15_000,
  );

  test('a frame ignores a sender whose origin is not the one it expects', async () => {
    const page = await open();
    const result = await page.evaluate(async (port) => {
      const { Channel, toPort } = window.lib;
      const frame = document.createElement('iframe');
      frame.src = `http://localhost:${port}/frame.html?origin=${encodeURIComponent('https://trusted.example')}`;
      document.body.append(frame);
      await new Promise((resolve) => frame.addEventListener('load', resolve));
      const channel = new Channel(4);
      const controller = new AbortController();
      const sending = toPort(channel, frame.contentWindow!, { name: 'in', signal: controller.signal });
      channel.pushNowait('secret');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // open is posted again after 1 s
      controller.abort();
      const { sent, undelivered } = await sending;
      return { sent, undelivered, left: channel.size };
    }, port());
    // Never paired: nothing was pulled, let alone posted.
    expect(result).toEqual({ sent: 0, undelivered: [], left: 1 });
  });
});

describe('batching', () => {
  test('a value pushed from a deeply nested timer is posted in the next task, not after the 4 ms timer clamp', async () => {
    const page = await open();
    const events = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(0);
      const remote = fromPort(port2, { capacity: 4 });
      const sending = toPort(local, port1);
      await local.push(0); // paired: the sender holds credit and waits on the local channel
      await remote.pull();
      const events: string[] = [];
      const post = port1.postMessage.bind(port1);
      port1.postMessage = (message: { type: string }, ...rest: any[]) => {
        if (message.type === 'values') events.push('values posted');
        post(message, ...rest);
      };
      await new Promise<void>((resolve) => {
        // Timers nested 10 deep: Chromium clamps a zero-delay timer set from here to 4 ms.
        const nest = (depth: number) =>
          setTimeout(() => {
            if (depth > 0) return nest(depth - 1);
            setTimeout(() => {
              events.push('a zero-delay timer set just before the push fired');
              resolve();
            }, 0);
            void local.push(1); // taken by the sender at once: its batch flushes at the end of the turn
          }, 0);
        nest(10);
      });
      await remote.pull();
      local.close();
      await sending;
      port1.close();
      return events;
    });
    expect(events).toEqual(['values posted', 'a zero-delay timer set just before the push fired']);
  });
});
