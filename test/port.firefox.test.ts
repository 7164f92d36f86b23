/**
 * `chanasync/port` between real contexts in Firefox: Debian's firefox-esr, headless, driven
 * through Marionette (test/helpers/firefox.ts). Page ↔ dedicated module Worker, a
 * MessageChannel, module SharedWorkers, cross-origin and sandboxed iframes (the page on
 * 127.0.0.1 embeds localhost), a hidden tab, the back/forward cache, and debug mode relayed
 * from a Worker — what port.browser.test.ts runs in Chromium and more, where Firefox's platform
 * differs: MessagePort `close`, structured clone of DOMException, module Workers, `messageerror`,
 * MessageChannel task timing, `event.origin`, `closed` of a removed frame's window.
 *
 * One browser for the file; each test loads a fresh page (test/port/firefox/page.html, which
 * loads chanasync — core, port and debug mode, bundled from src/ — as `window.lib`), so the
 * Workers and frames of a test die with it. Skipped when firefox-esr is not installed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { GONE_AFTER_MS, STALE_AFTER_MS, TICK_MS } from '../src/port/transport.js';
import {
  bundleSource,
  FIREFOX_PATH,
  type FileServer,
  type FirefoxTab,
  launchFirefox,
  serveFiles,
} from './helpers/firefox.js';

/** What /lib.js exports: the core, the port and debug mode, one copy of each. */
const LIB = `export * from './src/index.js'; export * from './src/port/index.js'; export * from './src/debug/index.js';`;

/** How late, past the documented bound, detection may come on a loaded machine. */
const SLACK_MS = 1500;

describe.skipIf(!existsSync(FIREFOX_PATH))('chanasync/port in Firefox (firefox-esr, Marionette)', () => {
  let server: FileServer;
  let firefox: FirefoxTab;
  /** The page's origin. */
  let origin: string;

  beforeAll(async () => {
    const lib = await bundleSource(LIB);
    server = await serveFiles(join(import.meta.dirname, 'port', 'firefox'), new Map([['/lib.js', lib]]), {
      storable: (url) => url.startsWith('/page.html?storable'),
    });
    origin = `http://127.0.0.1:${server.port}`;
    firefox = await launchFirefox();
  }, 60_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  beforeEach(async () => {
    await firefox.navigate(`${origin}/page.html`, 'window.ready === true');
  });

  afterEach(async () => {
    // No uncaught error in the page or its Workers (an unhandled rejection of toPort, say).
    expect(await firefox.run('return window.errors;')).toEqual([]);
  });

  /** Runs `body` in the page (chanasync as `lib`, the page's helpers as globals). */
  const page = <R = any>(body: string, args: unknown[] = [], timeoutMs?: number): Promise<R> =>
    firefox.run<R>(`const lib = window.lib;\n${body}`, args, timeoutMs);

  describe('page ↔ dedicated module Worker', () => {
    test('100,000 numbers go to a Worker and their squares come back, in order, summing exactly', async () => {
      const result = await page(`
        const { Channel, fromPort, toPort } = lib;
        const worker = spawn('mode=squares');
        const numbers = new Channel(1024);
        const squares = fromPort(worker, { name: 'out', capacity: 1024 });
        const sending = toPort(numbers, worker, { name: 'in' });
        const producing = (async () => {
          for (let i = 0; i < 100000; i++) await numbers.push(i);
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
        const { sent, undelivered } = await sending;
        worker.terminate();
        return { count, sum, ordered, sent, undelivered: undelivered.length };
      `);
      let expected = 0;
      for (let i = 0; i < 100_000; i++) expected += i * i;
      expect(result).toEqual({ count: 100_000, sum: expected, ordered: true, sent: 100_000, undelivered: 0 });
    });

    test('the Worker never has more values than its capacity arrived and not yet consumed, and fills up to it', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const worker = spawn('mode=watch&capacity=16&count=400');
        const numbers = new Channel(0);
        const reported = nextReport(worker);
        const sending = toPort(numbers, worker, { name: 'in' });
        const producing = (async () => {
          for (let i = 0; ; i++) await numbers.push(i);
        })().catch(() => {}); // fails once the channel closes below
        const report = await reported;
        const { sent } = await sending;
        numbers.close();
        await producing;
        worker.terminate();
        return { ...report, sent };
      `);
      // Counted in the Worker on every message: values posted for credit it granted, never more.
      expect(result).toMatchObject({ most: 16, consumed: 400 });
      expect(result.mostBuffered).toBeLessThanOrEqual(16);
      expect(result.arrived).toBeLessThanOrEqual(400 + 16);
      // The values still buffered when the consumer closed were committed there: sent, not undelivered.
      expect(result.sent).toBeGreaterThanOrEqual(400);
      expect(result.sent).toBeLessThanOrEqual(result.arrived);
    });

    test('capacity 0: a push on the page resolves only once the Worker pulled its value', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const worker = spawn('mode=hold&capacity=0');
        await nextReport(worker);
        const channel = new Channel(0);
        void toPort(channel, worker, { name: 'in' });
        let committed = false;
        const push = channel.push('rendezvous').then(() => { committed = true; });
        await sleep(300);
        const before = committed;
        worker.postMessage({ command: 'size' });
        const size = await nextReport(worker);
        worker.postMessage({ command: 'pull' });
        const pulled = await nextReport(worker);
        await push;
        const second = channel.push('second').then(() => 'taken');
        const still = await Promise.race([second, sleep(300).then(() => 'waiting')]);
        channel.close();
        worker.terminate();
        return { before, size, pulled, after: committed, still };
      `);
      expect(result).toEqual({ before: false, size: 0, pulled: 'rendezvous', after: true, still: 'waiting' });
    });

    /** Closes a page channel streaming to a Worker with `reason` (an expression); resolves with what the Worker's channel closed with. */
    const reasonInWorker = (reason: string) =>
      page(`
        const { Channel, toPort } = lib;
        const worker = spawn('mode=reason-in');
        const channel = new Channel(1);
        const reported = nextReport(worker);
        const sending = toPort(channel, worker, { name: 'in' });
        await channel.push(1);
        channel.close(${reason});
        const error = await reported;
        await sending;
        worker.terminate();
        return error;
      `);

    test('an Error the page closes with reaches the Worker as an Error of the same class and message', async () => {
      const error = await reasonInWorker("new RangeError('the page is done')");
      expect(error).toEqual({
        type: 'object',
        name: 'RangeError',
        message: 'the page is done',
        isError: true,
        isDOMException: false,
      });
    });

    test('a DOMException the page closes with reaches the Worker as a DOMException of the same name and message', async () => {
      const error = await reasonInWorker("new DOMException('the page gave up', 'AbortError')");
      expect(error).toEqual({
        type: 'object',
        name: 'AbortError',
        message: 'the page gave up',
        isError: true,
        isDOMException: true,
      });
    });

    test('a toPort aborted by its signal closes the Worker’s channel with the signal’s AbortError, a DOMException', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const worker = spawn('mode=reason-in');
        const channel = new Channel(1);
        const reported = nextReport(worker);
        const controller = new AbortController();
        const sending = toPort(channel, worker, { name: 'in', signal: controller.signal });
        await channel.push(1);
        await channel.push(2); // room again: the sender pulled the first, so it is paired
        controller.abort();
        const error = await reported;
        const { sent, undelivered } = await sending;
        worker.terminate();
        return { error, accounted: sent + undelivered.length + channel.size };
      `);
      expect(result.error).toEqual({
        type: 'object',
        name: 'AbortError',
        message: expect.any(String),
        isError: true,
        isDOMException: true,
      });
      expect(result.accounted).toBe(2);
    });

    test.each([
      ['an Error', 'error', { name: 'TypeError', message: 'the worker is done', isError: true, isDOMException: false }],
      [
        'a DOMException',
        'domexception',
        { name: 'TimeoutError', message: 'the worker timed out', isError: true, isDOMException: true },
      ],
    ])('the Worker’s close reason, %s, reaches the page as such, after its values', async (_, reason, error) => {
      const result = await page(`
        const worker = spawn('mode=reason-out&reason=${reason}');
        const result = await drain(lib.fromPort(worker, { name: 'out', capacity: 1 }));
        worker.terminate();
        return result;
      `);
      expect(result).toEqual({ values: [1, 2, 3], error });
    });

    test('the Worker closing early: the page’s sent + undelivered account for every value pulled', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const worker = spawn('mode=close-after-3');
        const channel = new Channel(0);
        const taken = nextReport(worker);
        const sending = toPort(channel, worker, { name: 'in' });
        let pushed = 0;
        void (async () => {
          for (let i = 0; ; i++) {
            await channel.push(i);
            pushed++;
          }
        })().catch(() => {});
        const { sent, undelivered } = await sending;
        const pulled = pushed;
        const next = await channel.pull(); // the sender stopped: the producer's next value is still here
        channel.close();
        const result = { taken: await taken, sent, undelivered, pulled, next };
        worker.terminate(); // (Firefox drops what the Worker posted and the page did not dispatch yet)
        return result;
      `);
      expect(result.taken).toEqual([0, 1, 2]);
      expect(result.sent).toBeGreaterThanOrEqual(3);
      expect(result.sent + result.undelivered.length).toBe(result.pulled);
      expect(result.undelivered).toEqual([...Array(result.undelivered.length).keys()].map((i) => result.sent + i));
      expect(result.next).toBe(result.pulled);
    });

    test(
      'worker.terminate() mid-stream: toPort resolves within the heartbeat bound with the values in flight',
      async () => {
        const result = await page(`
          const { Channel, toPort } = lib;
          const worker = spawn('mode=stall');
          await nextReport(worker);
          const channel = new Channel(0);
          const sending = toPort(channel, worker, { name: 'in' });
          let pushed = 0;
          void (async () => {
            for (let i = 0; ; i++) {
              await channel.push(i);
              pushed++;
            }
          })().catch(() => {});
          const pushes = async (count) => {
            while (pushed < count) await sleep(5);
          };
          await pushes(8); // the worker's 8 slots are full
          const stalled = nextReport(worker);
          worker.postMessage({ command: 'stall' });
          await stalled; // it pulled 4 and froze: 4 more values are posted to it
          await pushes(12);
          worker.terminate();
          const started = performance.now();
          const { sent, undelivered } = await sending;
          const detection = performance.now() - started;
          const pulled = pushed;
          channel.close();
          return { detection, sent, undelivered, pulled };
        `);
        expect(result.detection).toBeLessThan(GONE_AFTER_MS + SLACK_MS);
        expect(result).toMatchObject({ sent: 8, undelivered: [8, 9, 10, 11], pulled: 12 });
      },
      GONE_AFTER_MS + 15_000,
    );

    test(
      'a terminated Worker’s stream closes on the page, after its values, with a ChannelError saying the other side is gone',
      async () => {
        const result = await page(`
          const worker = spawn('mode=produce');
          const numbers = lib.fromPort(worker, { name: 'out', capacity: 4 });
          const first = [await numbers.pull(), await numbers.pull()];
          worker.terminate();
          const started = performance.now();
          const { values, error } = await drain(numbers);
          const detection = performance.now() - started;
          let pull;
          try {
            await numbers.pull();
          } catch (e) {
            pull = { name: e.name, cause: e.cause?.name };
          }
          return { first, values, error, detection, pull, isChannelError: error !== null };
        `);
        expect(result.detection).toBeLessThan(GONE_AFTER_MS + SLACK_MS);
        expect(result.first).toEqual([0, 1]);
        // Whatever was committed before the Worker died is still read, in order.
        expect(result.values).toEqual([...Array(result.values.length).keys()].map((i) => i + 2));
        expect(result.values.length).toBeLessThanOrEqual(4);
        expect(result.error).toMatchObject({ name: 'ChannelError', isError: true });
        expect(result.error.message).toMatch(/the other side is gone/);
        expect(result.pull).toEqual({ name: 'ChannelClosedError', cause: 'ChannelError' });
      },
      GONE_AFTER_MS + 15_000,
    );

    test('ArrayBuffers listed by transfer move to the Worker and are detached on the page', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const worker = spawn('mode=bytes');
        const buffers = new Channel(4);
        const reported = nextReport(worker);
        const sending = toPort(buffers, worker, { name: 'in', transfer: (buffer) => [buffer] });
        const sent = [];
        for (let i = 0; i < 32; i++) {
          const buffer = new ArrayBuffer(65536);
          sent.push(buffer);
          await buffers.push(buffer);
        }
        buffers.close();
        const result = await sending;
        const report = await reported;
        worker.terminate();
        return { report, sent: result.sent, detached: sent.every((buffer) => buffer.byteLength === 0 && buffer.detached !== false) };
      `);
      expect(result).toEqual({ report: { bytes: 32 * 65_536, count: 32 }, sent: 32, detached: true });
    });

    test('foreign, malformed and forged messages from the Worker are ignored by the page’s fromPort', async () => {
      const result = await page(`
        const worker = spawn('mode=junk');
        const result = await drain(lib.fromPort(worker, { name: 'out', capacity: 2 }));
        worker.terminate();
        return result;
      `);
      expect(result).toEqual({ values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], error: null });
    });

    test('foreign and malformed messages the page posts to the Worker are ignored by its fromPort', async () => {
      const values = await page(`
        const { Channel, toPort } = lib;
        const worker = spawn('mode=collect');
        const reported = nextReport(worker);
        const junk = ['hello', 42, { source: 'chanasync-port' }, { source: 'chanasync-port', version: 1, type: 'values', name: 'in', session: 'forged', values: [-1] },
          { source: 'chanasync-port', version: 1, type: 'end', name: 'in', session: 'forged', abort: true }];
        for (const message of junk) worker.postMessage(message);
        const channel = new Channel(0);
        const sending = toPort(channel, worker, { name: 'in' });
        for (let i = 0; i < 10; i++) {
          await channel.push(i);
          for (const message of junk) worker.postMessage(message);
        }
        channel.close();
        await sending;
        const values = await reported;
        worker.terminate();
        return values;
      `);
      expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  describe('other ports', () => {
    test('a MessageChannel port handed to a Worker carries channels both ways', async () => {
      const echoes = await page(`
        const { Channel, fromPort, toPort } = lib;
        const worker = spawn('mode=port');
        await nextReport(worker);
        const { port1, port2 } = new MessageChannel();
        worker.postMessage(null, [port2]);
        const words = new Channel(4);
        const echoes = fromPort(port1, { name: 'out', capacity: 4 });
        const sending = toPort(words, port1, { name: 'in' });
        for (const word of ['a', 'b', 'c']) await words.push(word);
        words.close();
        const { values } = await drain(echoes);
        await sending;
        worker.terminate();
        return values;
      `);
      expect(echoes).toEqual(['echo a', 'echo b', 'echo c']);
    });

    test('a module SharedWorker serves a page through its connection port', async () => {
      const sums = await page(`
        const { Channel, fromPort, toPort } = lib;
        const shared = new SharedWorker('/shared-worker.js?mode=sums&' + Math.random(), { type: 'module' });
        shared.addEventListener('error', (event) => errors.push('shared worker: ' + event.message));
        const numbers = new Channel(8);
        const sums = fromPort(shared.port, { name: 'sums', capacity: 8 });
        const sending = toPort(numbers, shared.port, { name: 'numbers' });
        for (let i = 1; i <= 5; i++) await numbers.push(i);
        numbers.close();
        const { values } = await drain(sums);
        await sending;
        return values;
      `);
      expect(sums).toEqual([1, 3, 6, 10, 15]);
    });

    test(
      'a tab behind a SharedWorker that goes away (a removed frame) ends its stream there within the heartbeat bound',
      async () => {
        const result = await page(
          `
          const id = Math.random();
          const frame = await frameOn('127.0.0.1', 'mode=shared&id=' + id); // it feeds the SharedWorker
          const shared = new SharedWorker('/shared-worker.js?mode=hold&id=' + id, { type: 'module' });
          shared.addEventListener('error', (event) => errors.push('shared worker: ' + event.message));
          const reported = nextReport(shared.port);
          shared.port.start();
          await sleep(300);
          shared.port.postMessage({ command: 'watch' });
          await sleep(200);
          frame.remove();
          const started = performance.now();
          const ended = await reported;
          return { ended, detection: performance.now() - started };
        `,
          [],
          20_000,
        );
        expect(result.detection).toBeLessThan(GONE_AFTER_MS + SLACK_MS);
        expect(result.ended.count).toBeGreaterThan(0);
        expect(result.ended.error.name).toBe('ChannelError');
        expect(result.ended.error.message).toMatch(/the other side is gone \(sent nothing for \d+ ms\)/);
      },
      GONE_AFTER_MS + 15_000,
    );

    test('a WebAssembly.Module a SharedWorker cannot deserialize closes its channel after the values before it; toPort rejects, accounting for every value', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const shared = new SharedWorker('/shared-worker.js?mode=collect&' + Math.random(), { type: 'module' });
        shared.addEventListener('error', (event) => errors.push('shared worker: ' + event.message));
        const reported = nextReport(shared.port);
        shared.port.start();
        // The smallest module: the 8-byte header.
        const module = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
        const channel = new Channel(8);
        const sending = toPort(channel, shared.port, { name: 'in' });
        await channel.pushAll(['a', 'b']);
        await sleep(200); // posted in a batch of their own
        await channel.pushAll([module, 'c']);
        channel.close();
        let outcome;
        try {
          outcome = { resolved: await sending };
        } catch (error) {
          outcome = { rejected: error.name, sent: error.sent, undelivered: error.undelivered?.map((v) => typeof v === 'string' ? v : 'module') };
        }
        return { ...outcome, report: await reported };
      `);
      expect(result.report.values).toEqual(['a', 'b']);
      expect(result.report.error).toMatchObject({ name: 'ChannelError' });
      expect(result).toMatchObject({ sent: 2, undelivered: ['module', 'c'] });
    });
  });

  describe('port events', () => {
    test(
      'a MessageChannel port whose Worker was terminated: toPort resolves within the heartbeat bound with the values in flight',
      async () => {
        const result = await page(`
          const { Channel, toPort } = lib;
          const worker = spawn('mode=port-stall');
          await nextReport(worker);
          const { port1, port2 } = new MessageChannel();
          let closeEvents = 0;
          port1.addEventListener('close', () => closeEvents++);
          const stalled = nextReport(worker);
          worker.postMessage(null, [port2]);
          const channel = new Channel(0);
          const sending = toPort(channel, port1, { name: 'in' });
          let pushed = 0;
          void (async () => {
            for (let i = 0; ; i++) {
              await channel.push(i);
              pushed++;
            }
          })().catch(() => {});
          await stalled; // it took 2 of its 4 and froze: 2 more values are posted to it
          while (pushed < 6) await sleep(5);
          worker.terminate();
          const started = performance.now();
          const { sent, undelivered } = await sending;
          const detection = performance.now() - started;
          channel.close();
          return { detection, sent, undelivered, pulled: pushed, closeEvents };
        `);
        expect(result.detection).toBeLessThan(GONE_AFTER_MS + SLACK_MS);
        expect(result).toMatchObject({ sent: 4, undelivered: [4, 5], pulled: 6 });
        // Firefox 153 fires no MessagePort `close` for a terminated Worker's port (Chromium 156
        // neither): the heartbeat is what detects it, after GONE_AFTER_MS of silence.
        expect(result.closeEvents).toBe(0);
        expect(result.detection).toBeGreaterThanOrEqual(GONE_AFTER_MS - TICK_MS - 100);
      },
      GONE_AFTER_MS + 15_000,
    );

    test('a value pushed from a deeply nested timer is posted in the next task, not after the 4 ms timer clamp', async () => {
      const events = await page(`
        const { Channel, fromPort, toPort } = lib;
        const { port1, port2 } = new MessageChannel();
        const local = new Channel(0);
        const remote = fromPort(port2, { capacity: 4 });
        const sending = toPort(local, port1);
        await local.push(0); // paired: the sender holds credit and waits on the local channel
        await remote.pull();
        const events = [];
        const post = port1.postMessage.bind(port1);
        port1.postMessage = (message, ...rest) => {
          if (message.type === 'values') events.push('values posted');
          post(message, ...rest);
        };
        await new Promise((resolve) => {
          // Timers nested 10 deep: a zero-delay timer set from here is clamped to 4 ms.
          const nest = (depth) =>
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
      `);
      expect(events).toEqual(['values posted', 'a zero-delay timer set just before the push fired']);
    });
  });

  describe('cross-origin iframe (the page on 127.0.0.1, the frame on localhost)', () => {
    test('values flow to the frame with both origins pinned, and the frame sees the page’s origin', async () => {
      const report = await page(
        `
        const { Channel, toPort } = lib;
        const [port] = args;
        const frameOrigin = 'http://localhost:' + port;
        const frame = await frameOn('localhost', 'origin=' + encodeURIComponent(location.origin));
        const reported = nextReport(window);
        const channel = new Channel(4);
        const sending = toPort(channel, frame.contentWindow, { name: 'in', origin: frameOrigin });
        for (let i = 0; i < 20; i++) await channel.push(i);
        channel.close('page done');
        const { sent, undelivered } = await sending;
        return { ...(await reported), sent, undelivered };
      `,
        [server.port],
      );
      expect(report).toEqual({
        values: [...Array(20).keys()],
        error: 'page done', // the reason, thrown by the frame's for-await
        origin: `http://localhost:${server.port}`,
        sent: 20,
        undelivered: [],
      });
    });

    test('a frame ignores a sender whose origin is not the one it expects: nothing is pulled', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const frame = await frameOn('localhost', 'origin=' + encodeURIComponent('https://trusted.example'));
        const channel = new Channel(4);
        const controller = new AbortController();
        const sending = toPort(channel, frame.contentWindow, { name: 'in', signal: controller.signal });
        channel.pushNowait('secret');
        await sleep(1500); // open is posted again after 1 s
        controller.abort();
        const { sent, undelivered } = await sending;
        return { sent, undelivered, left: channel.size };
      `);
      expect(result).toEqual({ sent: 0, undelivered: [], left: 1 });
    });

    test('a toPort pinned to another origin than the frame’s posts it nothing: nothing is pulled', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const frame = await frameOn('localhost', 'origin=' + encodeURIComponent(location.origin));
        const channel = new Channel(4);
        const controller = new AbortController();
        const sending = toPort(channel, frame.contentWindow, {
          name: 'in',
          origin: 'https://elsewhere.example',
          signal: controller.signal,
        });
        channel.pushNowait('secret');
        await sleep(1500); // open is posted again after 1 s
        controller.abort();
        const { sent, undelivered } = await sending;
        return { sent, undelivered, left: channel.size };
      `);
      expect(result).toEqual({ sent: 0, undelivered: [], left: 1 });
    });

    test('a removed iframe is detected within a tick, and every value pulled is accounted for', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const frame = await frameOn('localhost', 'origin=' + encodeURIComponent(location.origin));
        const channel = new Channel(0);
        const sending = toPort(channel, frame.contentWindow, { name: 'in' });
        let pushed = 0;
        void (async () => {
          for (let i = 0; ; i++) {
            await channel.push(i);
            pushed++;
          }
        })().catch(() => {});
        while (pushed < 100) await sleep(5);
        frame.remove();
        const started = performance.now();
        const { sent, undelivered } = await sending;
        const detection = performance.now() - started;
        const pulled = pushed;
        channel.close();
        return { detection, sent, undelivered: undelivered.length, pulled };
      `);
      expect(result.detection).toBeLessThan(TICK_MS + SLACK_MS);
      expect(result.sent + result.undelivered).toBe(result.pulled);
    });

    test('a removed iframe that was sending: the page’s fromPort closes within a tick with a ChannelError, after its values', async () => {
      const result = await page(`
        const frame = await frameOn('localhost', 'mode=send');
        const input = lib.fromPort(frame.contentWindow, { name: 'out', capacity: 4, origin: frame.src });
        const first = [await input.pull(), await input.pull(), await input.pull()];
        frame.remove();
        const started = performance.now();
        const { values, error } = await drain(input);
        return { first, values, error, detection: performance.now() - started };
      `);
      expect(result.detection).toBeLessThan(TICK_MS + SLACK_MS);
      expect([...result.first, ...result.values]).toEqual([...Array(3 + result.values.length).keys()]);
      expect(result.error).toMatchObject({ name: 'ChannelError', isError: true });
      expect(result.error.message).toMatch(/the other side is gone \(its window was closed\)/);
    });

    test('a frame that reloads: the old toPort settles at once, and a new toPort pairs with the new document', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const frame = await frameOn('localhost', 'origin=' + encodeURIComponent(location.origin));
        const channel = new Channel(0);
        const sending = toPort(channel, frame.contentWindow, { name: 'in' });
        let pushed = 0;
        void (async () => {
          for (let i = 0; ; i++) {
            await channel.push(i);
            pushed++;
          }
        })().catch(() => {});
        while (pushed < 20) await sleep(5);
        const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
        frame.contentWindow.location.replace(frame.src + '&again'); // allowed across origins
        const started = performance.now();
        const { sent, undelivered } = await sending;
        const detection = performance.now() - started;
        const pulled = pushed;
        channel.close();
        await loaded;
        const reported = nextReport(window);
        const second = new Channel(8);
        const again = toPort(second, frame.contentWindow, { name: 'in' });
        await second.pushAll([100, 101, 102]);
        second.close();
        return { sent, undelivered: undelivered.length, pulled, detection, again: await again, report: await reported };
      `);
      // Settled by the new document's fromPort saying it is there (tens of ms here), not by the
      // heartbeat, which takes GONE_AFTER_MS.
      expect(result.detection).toBeLessThan(GONE_AFTER_MS / 2);
      expect(result.sent + result.undelivered).toBe(result.pulled);
      expect(result.again).toEqual({ sent: 3, undelivered: [] });
      expect(result.report.values).toEqual([100, 101, 102]);
    });

    test('a WebAssembly.Module the cross-origin frame cannot deserialize closes its channel after the values before it; toPort rejects, accounting for every value', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const frame = await frameOn('localhost', 'origin=' + encodeURIComponent(location.origin));
        const reported = nextReport(window);
        const module = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
        const channel = new Channel(8);
        const sending = toPort(channel, frame.contentWindow, { name: 'in' });
        await channel.pushAll(['a', 'b']);
        await sleep(200); // posted in a batch of their own
        await channel.pushAll([module, 'c']);
        channel.close();
        const outcome = await sending.then(
          (resolved) => ({ resolved }),
          (error) => ({ rejected: error.name, sent: error.sent, undelivered: error.undelivered.map((v) => typeof v === 'string' ? v : 'module') }),
        );
        return { ...outcome, report: await reported };
      `);
      expect(result).toMatchObject({ rejected: 'TypeError', sent: 2, undelivered: ['module', 'c'] });
      expect(result.report.values).toEqual(['a', 'b']);
      expect(result.report.error.name).toBe('ChannelError');
      expect(result.report.error.message).toMatch(/could not be deserialized in this context \(a messageerror\)/);
    });

    test('a toPort to a sandboxed frame (origin "null") rejects when it answers, with a TypeError saying to pass origin "*", having pulled nothing', async () => {
      const result = await page(`
        const { Channel, toPort } = lib;
        const frame = document.createElement('iframe');
        frame.sandbox = 'allow-scripts';
        frame.src = '/frame.html?origin=' + encodeURIComponent(location.origin);
        document.body.append(frame);
        const channel = new Channel(8);
        await channel.pushAll(['a', 'b']);
        const outcome = await toPort(channel, frame.contentWindow, { name: 'in' }).then(
          (resolved) => ({ resolved }),
          (error) => ({ name: error.name, message: error.message, sent: error.sent, undelivered: error.undelivered }),
        );
        return { ...outcome, left: channel.size };
      `);
      expect(result).toMatchObject({ name: 'TypeError', sent: 0, undelivered: [], left: 2 });
      expect(result.message).toMatch(/opaque origin 'null'.*pass origin: '\*'/);
    });

    test('with origin "*", a sandboxed frame gets the values', async () => {
      const report = await page(`
        const { Channel, toPort } = lib;
        const frame = document.createElement('iframe');
        frame.sandbox = 'allow-scripts';
        frame.src = '/frame.html?origin=' + encodeURIComponent(location.origin);
        const reported = nextReport(window);
        document.body.append(frame);
        const channel = new Channel(8);
        const sending = toPort(channel, frame.contentWindow, { name: 'in', origin: '*' });
        await channel.pushAll(['a', 'b']);
        channel.close();
        return { ...(await reported), result: await sending };
      `);
      expect(report).toEqual({ values: ['a', 'b'], error: null, origin: 'null', result: { sent: 2, undelivered: [] } });
    });

    test('toPort to a frame that is not loaded yet pairs with its document once it is', async () => {
      const result = await page(
        `
        const { Channel, toPort } = lib;
        const [port] = args;
        const frame = document.createElement('iframe');
        frame.src = 'http://localhost:' + port + '/frame.html?origin=' + encodeURIComponent(location.origin);
        document.body.append(frame); // contentWindow shows about:blank, of the page's origin, for now
        const reported = nextReport(window);
        const channel = new Channel(4);
        const sending = toPort(channel, frame.contentWindow, { name: 'in' });
        for (let i = 0; i < 5; i++) await channel.push(i);
        channel.close();
        return { result: await sending, report: await reported };
      `,
        [server.port],
      );
      expect(result).toEqual({
        result: { sent: 5, undelivered: [] },
        report: { values: [0, 1, 2, 3, 4], error: null, origin: `http://localhost:${server.port}` },
      });
    });
  });

  describe('back/forward cache', () => {
    test(
      'a page restored from the back/forward cache after 3 s goes on with its stream from the Worker, frozen with it: every value once, in order',
      async () => {
        await firefox.navigate(`${origin}/page.html?storable`, 'window.ready === true');
        await page(`
          window.shown = [];
          addEventListener('pageshow', (event) => shown.push(event.persisted ? 'restored' : 'loaded'));
          const worker = spawn('mode=produce-and-count');
          nextReport(worker).then((report) => { window.workerResult = report; });
          window.input = lib.fromPort(worker, { name: 'out', capacity: 4 });
          window.got = [];
          window.stop = false;
          window.ended = (async () => {
            while (!stop) {
              got.push(await input.pull());
              await sleep(20);
            }
            return null;
          })().catch((error) => ({ name: error.cause?.name, message: error.cause?.message }));
          while (got.length < 10) await sleep(10);
        `);
        await firefox.navigate(`${origin}/page.html?elsewhere`, 'window.ready === true');
        await new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS + 500)); // the page and its Worker are frozen
        await firefox.session.send('WebDriver:Back');
        const result = await page(`
          const restoredAt = got.length;
          // The receiver, silent for more than 3 s, asks its sender first; the Worker, frozen
          // with the page, still runs the stream and says so: values keep coming.
          const deadline = performance.now() + 10_000;
          while (got.length < restoredAt + 20 && performance.now() < deadline) await sleep(10);
          stop = true;
          const error = await window.ended;
          input.close();
          const rest = [];
          for (let value = input.tryPull(); value !== undefined; value = input.tryPull()) rest.push(value);
          while (window.workerResult === undefined) await sleep(10);
          return { shown, error, restoredAt, got, rest, workerResult };
        `);
        expect(result.shown).toEqual(['restored']);
        expect(result.error).toBeNull();
        expect(result.got.length).toBeGreaterThanOrEqual(result.restoredAt + 20);
        // Every value committed here was read (or left buffered at the close), in order, once;
        // what the Worker pulled beyond that came back to it as undelivered.
        const received = [...result.got, ...result.rest];
        expect(received).toEqual([...Array(received.length).keys()]);
        expect(result.workerResult.sent).toBe(received.length);
        expect(result.workerResult.undelivered).toEqual(
          [...Array(result.workerResult.pulled - received.length).keys()].map((i) => received.length + i),
        );
      },
      STALE_AFTER_MS + 25_000,
    );
  });

  describe('a hidden tab', () => {
    test(
      'a stream of a hidden tab, whose timers Firefox runs once a second, goes on past the heartbeat’s 5 s',
      async () => {
        await page(`
          window.hidden = { shown: [], roundTrips: 0, error: null };
          document.addEventListener('visibilitychange', () => hidden.shown.push(document.visibilityState));
          const worker = spawn('mode=squares');
          const numbers = new lib.Channel(0);
          const squares = lib.fromPort(worker, { name: 'out', capacity: 4 });
          void lib.toPort(numbers, worker, { name: 'in' });
          (async () => {
            for (let i = 0; ; i++) {
              await numbers.push(i);
              if ((await squares.pull()) !== i * i) throw new Error('wrong square');
              if (document.visibilityState === 'hidden') hidden.roundTrips++;
              await sleep(2000); // idle between round trips: only the heartbeat speaks
            }
          })().catch((error) => { hidden.error = String(error.cause?.message ?? error); });
          hidden.ticks = [];
          let last = performance.now();
          setInterval(() => {
            const now = performance.now();
            if (document.visibilityState === 'hidden') hidden.ticks.push(now - last);
            last = now;
          }, 500);
        `);
        const session = firefox.session;
        const first = (await session.send('WebDriver:GetWindowHandle')).value;
        const other = (await session.send('WebDriver:NewWindow', { type: 'tab' })).handle;
        await session.send('WebDriver:SwitchToWindow', { handle: other, focus: true });
        await new Promise((resolve) => setTimeout(resolve, GONE_AFTER_MS + 1500));
        await session.send('WebDriver:CloseWindow');
        await session.send('WebDriver:SwitchToWindow', { handle: first, focus: true });
        const result = await page('return window.hidden;');
        expect(result.shown[0]).toBe('hidden');
        // The premise: a 500 ms interval (the heartbeat's tick) ran about once a second.
        expect(Math.min(...result.ticks.slice(1))).toBeGreaterThan(900);
        expect(result.error).toBeNull();
        expect(result.roundTrips).toBeGreaterThanOrEqual(2);
      },
      GONE_AFTER_MS + 20_000,
    );
  });

  describe('debug mode', () => {
    /** The first snapshot the page's window gets from a Worker of `query` through relayDebug. */
    const relayedSnapshot = (query: string) =>
      page(
        `
        const worker = spawn(args[0]);
        const snapshots = [];
        addEventListener('message', (event) => {
          if (event.source === window && event.data?.source === 'chanasync' && event.data.type === 'snapshot')
            snapshots.push(event.data);
        });
        const stop = lib.relayDebug(worker);
        await nextReport(worker);
        // What the inspector's content script says once it hears the page's announce.
        postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*');
        for (let i = 0; i < 100 && snapshots.length === 0; i++) await sleep(50);
        stop();
        worker.terminate();
        return snapshots[0];
      `,
        [query],
      );

    test('a Worker’s channels reach the page through relayDebug, tagged with the Worker’s URL, its fromPort waiting for input', async () => {
      const snapshot = await relayedSnapshot('mode=debug');
      expect(snapshot?.context).toEqual({ kind: 'worker', url: `${origin}/worker.js?mode=debug`, origin });
      const channels = snapshot.channels
        .map((channel: any) => ({
          name: channel.name,
          input: channel.input === true,
          pullers: channel.pullers.map((puller: any) => ({ kind: puller.kind, input: puller.input === true })),
          pushers: channel.pushers.length,
        }))
        .sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
      expect(channels).toEqual([
        { name: 'jobs', input: true, pullers: [{ kind: 'pull', input: true }], pushers: 0 },
        { name: 'worker results', input: false, pullers: [], pushers: 1 },
      ]);
    });

    test('with stacks, the Worker’s parked pull names the function of worker.js that parked it', async () => {
      const snapshot = await relayedSnapshot('mode=debug&stacks=1');
      const jobs = snapshot.channels.find((channel: { name: string }) => channel.name === 'jobs');
      const first = String(jobs?.pullers[0]?.stack).split('\n')[0];
      expect(first).toMatch(/waitForJob.*worker\.js/);
      expect(String(jobs?.createdAt)).toContain('worker.js');
    });
  });
});
