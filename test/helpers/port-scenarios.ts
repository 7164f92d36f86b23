/**
 * The scenarios of `chanasync/port` that both browser suites run — port.browser.test.ts in
 * Chromium (playwright-core) and port.firefox.test.ts in Firefox (Marionette) — written once.
 * The behaviour under test is the same in both browsers; only the driver differs.
 *
 * A suite calls each group ({@link workerScenarios}, {@link otherPortScenarios},
 * {@link frameScenarios}, {@link batchingScenarios}) inside a `describe` of its own, with a
 * {@link PortDriver} that runs a function in the test's page: test/port/page.html, fresh for each
 * test, served with test/port/'s fixtures (worker.js, shared-worker.js, frame.html) on 127.0.0.1
 * (localhost, on the same port, is another origin). Each suite checks after each test that the
 * page and its Workers threw nothing (`window.errors`).
 *
 * The function a scenario runs in the page is sent as its source text: it may use its argument
 * and the page's globals (typed below), nothing of this module.
 */
import { expect, test } from 'vitest';
import { GONE_AFTER_MS, TICK_MS } from '../../src/port/transport.js';

/**
 * How late, past the documented bound, detection may come on a loaded machine (a page's timers
 * beside two browsers and workerd at work). Below GONE_AFTER_MS − TICK_MS, so that detection
 * "within a tick" still fails a stream that waited for the heartbeat's 5 s.
 */
export const SLACK_MS = 3000;

/** What `drain` gives: the values, then what the for-await threw (`null`: it ended cleanly). */
export interface Drained {
  values: any[];
  error: { name: string; message: string; isError: boolean; isDOMException: boolean } | null;
}

/** What `pushForever` gives. */
export interface Producer {
  /** How many pushes resolved. */
  pushed: number;
  /** Resolves once `count` pushes resolved. */
  reach(count: number): Promise<void>;
  /** Settles once the pushing stopped (a push failed). */
  done: Promise<void>;
}

declare global {
  interface Window {
    /** chanasync (core, port, and debug mode where the server bundles it), as test/port/page.html loads it. */
    lib: any;
    /** Every uncaught error of the page and of the Workers `spawn` made, as text. */
    errors: string[];
    /** Resolves after `ms`. */
    sleep(ms: number): Promise<void>;
    /** The next `report` message a frame or worker posts to `source`. */
    nextReport(source: EventTarget): Promise<any>;
    /** A module Worker of test/port/worker.js?`query`, whose errors land in `errors`. */
    spawn(query: string): Worker;
    /** A module SharedWorker of test/port/shared-worker.js?`query`, whose errors land in `errors`. */
    spawnShared(query: string): SharedWorker;
    /** An iframe of frame.html?`query` on `host` (sandboxed with `sandbox` when given), loaded. */
    frameOn(host: string, query: string, sandbox?: string): Promise<HTMLIFrameElement>;
    /** Reads `channel` to its end: its values, then what its for-await threw, as plain data. */
    drain(channel: AsyncIterable<any>): Promise<Drained>;
    /** Pushes 0, 1, 2, … into `channel` until a push fails. */
    pushForever(channel: { push(value: number): Promise<void> }): Producer;
  }
}

/**
 * What a page keeps on `window` while it reads a `produce-and-count` Worker's stream
 * ({@link readWorkerStream}): kept there, it survives the page being frozen and restored.
 */
export interface WorkerStream {
  worker: Worker;
  input: any;
  got: number[];
  stop: boolean;
  ended: Promise<{ name?: string; message?: string } | null>;
  workerResult?: { sent: number; undelivered: number[]; pulled: number };
}

/** What {@link finishWorkerStream} gives. */
export interface WorkerStreamResult {
  /** What the reading loop ended with: `null`, or the cause of the error its pull threw. */
  error: { name?: string; message?: string } | null;
  /** How many values the page had read when it ran again. */
  resumedAt: number;
  /** The values the loop read, then those left buffered at the close. */
  got: number[];
  rest: number[];
  /** What the Worker's toPort said, and how many values the Worker's producer got rid of. */
  workerResult: { sent: number; undelivered: number[]; pulled: number };
}

/**
 * Run in the page (by a driver, or by `page.evaluate`): spawns a `produce-and-count` Worker and
 * reads its stream (`fromPort`, capacity 4) one value per 20 ms, keeping everything on `window`
 * ({@link WorkerStream}); resolves once 10 values were read. For the tests that freeze the page
 * with its Worker (the back/forward cache, a frozen tab) and check that the stream goes on.
 */
export async function readWorkerStream(): Promise<void> {
  const kept = window as unknown as WorkerStream;
  kept.worker = window.spawn('mode=produce-and-count');
  window.nextReport(kept.worker).then((report) => {
    kept.workerResult = report;
  });
  kept.input = window.lib.fromPort(kept.worker, { name: 'out', capacity: 4 });
  kept.got = [];
  kept.stop = false;
  kept.ended = (async () => {
    while (!kept.stop) {
      kept.got.push(await kept.input.pull());
      await window.sleep(20);
    }
    return null;
  })().catch((error) => ({ name: error.cause?.name, message: error.cause?.message }));
  while (kept.got.length < 10) await window.sleep(10);
}

/**
 * Run in the page once it runs again after {@link readWorkerStream}: reads 20 more values (10 s
 * at most), stops the loop, closes the stream, takes what is left buffered, waits for the
 * Worker's report and terminates the Worker.
 */
export async function finishWorkerStream(): Promise<WorkerStreamResult> {
  const kept = window as unknown as WorkerStream;
  const resumedAt = kept.got.length;
  const deadline = performance.now() + 10_000;
  while (kept.got.length < resumedAt + 20 && performance.now() < deadline) await window.sleep(10);
  kept.stop = true;
  const error = await kept.ended;
  kept.input.close();
  const rest: number[] = [];
  for (let value = kept.input.tryPull(); value !== undefined; value = kept.input.tryPull()) rest.push(value);
  while (kept.workerResult === undefined) await window.sleep(10);
  kept.worker.terminate();
  return { error, resumedAt, got: kept.got, rest, workerResult: kept.workerResult };
}

/** How a suite runs a function in its test's page. */
export interface PortDriver {
  /**
   * Runs `scenario` in the test's page with `arg` (plain data) and resolves with what it returns
   * (plain data); a throw in the page rejects. `timeoutMs` bounds the run where the driver
   * bounds it (Firefox; 30 s by default).
   */
  run<R, A = undefined>(scenario: (arg: A) => Promise<R>, arg?: A, timeoutMs?: number): Promise<R>;
  /** The port of the server of the page and its fixtures. */
  port(): number;
}

/** Page ↔ dedicated module Worker. */
export function workerScenarios({ run }: PortDriver): void {
  test('100,000 numbers go to a Worker and their squares come back, in order, summing exactly', async () => {
    const result = await run(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const worker = window.spawn('mode=squares');
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
      const { sent, undelivered } = await sending;
      worker.terminate();
      return { count, sum, ordered, sent, undelivered: undelivered.length };
    });
    let expected = 0;
    for (let i = 0; i < 100_000; i++) expected += i * i;
    expect(result).toEqual({ count: 100_000, sum: expected, ordered: true, sent: 100_000, undelivered: 0 });
  });

  test('capacity 0: a push on the page resolves only once the Worker pulled its value', async () => {
    const result = await run(async () => {
      const { lib, sleep, nextReport } = window;
      const worker = window.spawn('mode=hold&capacity=0');
      await nextReport(worker);
      const channel = new lib.Channel(0);
      void lib.toPort(channel, worker, { name: 'in' });
      let committed = false;
      const push = channel.push('rendezvous').then(() => {
        committed = true;
      });
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
    });
    expect(result).toEqual({ before: false, size: 0, pulled: 'rendezvous', after: true, still: 'waiting' });
  });

  test.each([
    [
      'an Error the page closes with reaches the Worker as an Error of the same class and message',
      'error',
      { type: 'object', name: 'RangeError', message: 'the page is done', isError: true, isDOMException: false },
    ],
    [
      'a DOMException the page closes with reaches the Worker as a DOMException of the same name and message',
      'domexception',
      { type: 'object', name: 'AbortError', message: 'the page gave up', isError: true, isDOMException: true },
    ],
  ])('%s', async (_, kind, expected) => {
    const error = await run(async (kind) => {
      const { Channel, toPort } = window.lib;
      const worker = window.spawn('mode=reason-in');
      const channel = new Channel(1);
      const reported = window.nextReport(worker);
      const sending = toPort(channel, worker, { name: 'in' });
      await channel.push(1);
      channel.close(
        kind === 'domexception'
          ? new DOMException('the page gave up', 'AbortError')
          : new RangeError('the page is done'),
      );
      const error = await reported;
      await sending;
      worker.terminate();
      return error;
    }, kind);
    expect(error).toEqual(expected);
  });

  test.each([
    [
      'the Worker’s close reason, an Error, reaches the page as such, after its values',
      'error',
      { name: 'TypeError', message: 'the worker is done', isError: true, isDOMException: false },
    ],
    [
      'the Worker’s close reason, a DOMException, reaches the page as such, after its values',
      'domexception',
      { name: 'TimeoutError', message: 'the worker timed out', isError: true, isDOMException: true },
    ],
    [
      'a close reason of the Worker that cannot be cloned reaches the page as an Error carrying its message, after its values',
      'uncloneable',
      {
        name: expect.any(String),
        message: expect.stringContaining('the worker gave up'),
        isError: true,
        isDOMException: false,
      },
    ],
  ])('%s', async (_, reason, error) => {
    const result = await run(async (reason) => {
      const worker = window.spawn(`mode=reason-out&reason=${reason}`);
      const result = await window.drain(window.lib.fromPort(worker, { name: 'out', capacity: 1 }));
      worker.terminate();
      return result;
    }, reason);
    expect(result).toEqual({ values: [1, 2, 3], error });
  });

  test('the Worker closing early: the page’s sent + undelivered account for every value pulled', async () => {
    const result = await run(async () => {
      const { Channel, toPort } = window.lib;
      const worker = window.spawn('mode=close-after-3');
      const channel = new Channel(0);
      const taken = window.nextReport(worker);
      const sending = toPort(channel, worker, { name: 'in' });
      const producer = window.pushForever(channel);
      const { sent, undelivered } = await sending;
      const pulled = producer.pushed;
      const next = await channel.pull(); // the sender stopped: the producer's next value is still here
      channel.close();
      const result = { taken: await taken, sent, undelivered, pulled, next };
      worker.terminate(); // (Firefox drops what the Worker posted and the page did not dispatch yet)
      return result;
    });
    expect(result.taken).toEqual([0, 1, 2]);
    expect(result.sent).toBeGreaterThanOrEqual(3);
    expect(result.sent + result.undelivered.length).toBe(result.pulled);
    expect(result.undelivered).toEqual([...Array(result.undelivered.length).keys()].map((i) => result.sent + i));
    expect(result.next).toBe(result.pulled);
  });

  test(
    'worker.terminate() mid-stream: toPort resolves within the heartbeat bound with the values in flight',
    async () => {
      const result = await run(async () => {
        const { Channel, toPort } = window.lib;
        const worker = window.spawn('mode=stall');
        await window.nextReport(worker);
        const channel = new Channel(0);
        const sending = toPort(channel, worker, { name: 'in' });
        const producer = window.pushForever(channel);
        await producer.reach(8); // the worker's 8 slots are full
        const stalled = window.nextReport(worker);
        worker.postMessage({ command: 'stall' });
        await stalled; // it pulled 4 and froze: 4 more values are posted to it
        await producer.reach(12);
        worker.terminate();
        const started = performance.now();
        const { sent, undelivered } = await sending;
        const detection = performance.now() - started;
        const pulled = producer.pushed;
        channel.close();
        return { detection, sent, undelivered, pulled };
      });
      expect(result.detection).toBeLessThan(GONE_AFTER_MS + SLACK_MS);
      expect(result).toMatchObject({ sent: 8, undelivered: [8, 9, 10, 11], pulled: 12 });
    },
    GONE_AFTER_MS + 15_000,
  );

  test('ArrayBuffers listed by transfer move to the Worker and are detached on the page', async () => {
    const result = await run(async () => {
      const { Channel, toPort } = window.lib;
      const worker = window.spawn('mode=bytes');
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
      const result = await sending;
      const report = await reported;
      worker.terminate();
      return {
        report,
        sent: result.sent,
        detached: sent.every((buffer) => buffer.byteLength === 0 && (buffer as any).detached !== false),
      };
    });
    expect(result).toEqual({ report: { bytes: 32 * 65_536, count: 32 }, sent: 32, detached: true });
  });

  test('foreign, malformed and forged messages from the Worker are ignored by the page’s fromPort', async () => {
    const result = await run(async () => {
      const worker = window.spawn('mode=junk');
      const result = await window.drain(window.lib.fromPort(worker, { name: 'out', capacity: 2 }));
      worker.terminate();
      return result;
    });
    expect(result).toEqual({ values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], error: null });
  });

  test('the Worker never has more values than its capacity arrived and not yet consumed, and fills up to it', async () => {
    const result = await run(async () => {
      const { Channel, toPort } = window.lib;
      const worker = window.spawn('mode=watch&capacity=16&count=400');
      const numbers = new Channel(0);
      const reported = window.nextReport(worker);
      const sending = toPort(numbers, worker, { name: 'in' });
      const producer = window.pushForever(numbers); // fails once the channel closes below
      const report = await reported;
      const { sent } = await sending;
      numbers.close();
      await producer.done;
      worker.terminate();
      return { ...report, sent };
    });
    // Counted in the Worker on every message: values posted for credit it granted, never more.
    expect(result).toMatchObject({ most: 16, consumed: 400 });
    expect(result.mostBuffered).toBeLessThanOrEqual(16);
    expect(result.arrived).toBeLessThanOrEqual(400 + 16);
    // The values still buffered when the consumer closed were committed there: sent, not undelivered.
    expect(result.sent).toBeGreaterThanOrEqual(400);
    expect(result.sent).toBeLessThanOrEqual(result.arrived);
  });

  test('a toPort aborted by its signal closes the Worker’s channel with the signal’s AbortError, a DOMException', async () => {
    const result = await run(async () => {
      const { Channel, toPort } = window.lib;
      const worker = window.spawn('mode=reason-in');
      const channel = new Channel(1);
      const reported = window.nextReport(worker);
      const controller = new AbortController();
      const sending = toPort(channel, worker, { name: 'in', signal: controller.signal });
      await channel.push(1);
      await channel.push(2); // room again: the sender pulled the first, so it is paired
      controller.abort();
      const error = await reported;
      const { sent, undelivered } = await sending;
      worker.terminate();
      return { error, accounted: sent + undelivered.length + channel.size };
    });
    expect(result.error).toEqual({
      type: 'object',
      name: 'AbortError',
      message: expect.any(String),
      isError: true,
      isDOMException: true,
    });
    expect(result.accounted).toBe(2);
  });

  test(
    'a terminated Worker’s stream closes on the page, after its values, with a ChannelError saying the other side is gone',
    async () => {
      const result = await run(async () => {
        const worker = window.spawn('mode=produce');
        const numbers = window.lib.fromPort(worker, { name: 'out', capacity: 4 });
        const first = [await numbers.pull(), await numbers.pull()];
        worker.terminate();
        const started = performance.now();
        const { values, error } = await window.drain(numbers);
        const detection = performance.now() - started;
        let pull: { name: string; cause?: string } | undefined;
        try {
          await numbers.pull();
        } catch (e: any) {
          pull = { name: e.name, cause: e.cause?.name };
        }
        return { first, values, error, detection, pull, isChannelError: error !== null };
      });
      expect(result.detection).toBeLessThan(GONE_AFTER_MS + SLACK_MS);
      expect(result.first).toEqual([0, 1]);
      // Whatever was committed before the Worker died is still read, in order.
      expect(result.values).toEqual([...Array(result.values.length).keys()].map((i) => i + 2));
      expect(result.values.length).toBeLessThanOrEqual(4);
      expect(result.error).toMatchObject({ name: 'ChannelError', isError: true });
      expect(result.error?.message).toMatch(/the other side is gone/);
      expect(result.pull).toEqual({ name: 'ChannelClosedError', cause: 'ChannelError' });
    },
    GONE_AFTER_MS + 15_000,
  );

  test('foreign and malformed messages the page posts to the Worker are ignored by its fromPort', async () => {
    const values = await run(async () => {
      const { Channel, toPort } = window.lib;
      const worker = window.spawn('mode=collect');
      const reported = window.nextReport(worker);
      const junk = [
        'hello',
        42,
        { source: 'chanasync-port' },
        { source: 'chanasync-port', version: 1, type: 'values', name: 'in', session: 'forged', values: [-1] },
        { source: 'chanasync-port', version: 1, type: 'end', name: 'in', session: 'forged', abort: true },
      ];
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
    });
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
}

/** A MessageChannel handed to a Worker, and a SharedWorker. */
export function otherPortScenarios({ run }: PortDriver): void {
  test('a MessageChannel port handed to a Worker carries channels both ways', async () => {
    const echoes = await run(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const worker = window.spawn('mode=port');
      await window.nextReport(worker);
      const { port1, port2 } = new MessageChannel();
      worker.postMessage(null, [port2]);
      const words = new Channel(4);
      const echoes = fromPort(port1, { name: 'out', capacity: 4 });
      const sending = toPort(words, port1, { name: 'in' });
      for (const word of ['a', 'b', 'c']) await words.push(word);
      words.close();
      const { values } = await window.drain(echoes);
      await sending;
      worker.terminate();
      return values;
    });
    expect(echoes).toEqual(['echo a', 'echo b', 'echo c']);
  });

  test('a module SharedWorker serves a page through its connection port', async () => {
    const sums = await run(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const shared = window.spawnShared(`mode=sums&${Math.random()}`);
      const numbers = new Channel(8);
      const sums = fromPort(shared.port, { name: 'sums', capacity: 8 });
      const sending = toPort(numbers, shared.port, { name: 'numbers' });
      for (let i = 1; i <= 5; i++) await numbers.push(i);
      numbers.close();
      const { values } = await window.drain(sums);
      await sending;
      return values;
    });
    expect(sums).toEqual([1, 3, 6, 10, 15]);
  });
}

/** A cross-origin iframe: the page on 127.0.0.1, the frame on localhost. */
export function frameScenarios({ run, port }: PortDriver): void {
  test('values flow to the frame with both origins pinned, and the frame sees the page’s origin', async () => {
    const report = await run(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('localhost', `mode=receive&origin=${encodeURIComponent(location.origin)}`);
      const reported = window.nextReport(window);
      const channel = new Channel(4);
      const sending = toPort(channel, frame.contentWindow!, {
        name: 'in',
        origin: `http://localhost:${location.port}`,
      });
      for (let i = 0; i < 20; i++) await channel.push(i);
      channel.close('page done');
      const { sent, undelivered } = await sending;
      return { ...(await reported), sent, undelivered };
    });
    expect(report).toEqual({
      values: [...Array(20).keys()],
      error: 'page done', // the reason, thrown by the frame's for-await
      origin: `http://localhost:${port()}`,
      sent: 20,
      undelivered: [],
    });
  });

  test('toPort to a frame that is not loaded yet pairs with its document once it is', async () => {
    const result = await run(async () => {
      const { Channel, toPort } = window.lib;
      const frame = document.createElement('iframe');
      frame.src = `http://localhost:${location.port}/frame.html?mode=receive&origin=${encodeURIComponent(location.origin)}`;
      document.body.append(frame); // contentWindow shows about:blank, of the page's origin, for now
      const reported = window.nextReport(window);
      const channel = new Channel(4);
      const sending = toPort(channel, frame.contentWindow!, { name: 'in' });
      for (let i = 0; i < 5; i++) await channel.push(i);
      channel.close();
      return { result: await sending, report: await reported };
    });
    expect(result).toEqual({
      result: { sent: 5, undelivered: [] },
      report: { values: [0, 1, 2, 3, 4], error: null, origin: `http://localhost:${port()}` },
    });
  });

  test.each([
    [
      'a frame ignores a sender whose origin is not the one it expects: nothing is pulled',
      { expects: 'https://trusted.example' },
    ],
    [
      'a toPort pinned to another origin than the frame’s posts it nothing: nothing is pulled',
      { pins: 'https://elsewhere.example' },
    ],
  ])('%s', async (_, origins) => {
    const result = await run(async ({ expects, pins }: { expects?: string; pins?: string }) => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('localhost', `origin=${encodeURIComponent(expects ?? location.origin)}`);
      const channel = new Channel(4);
      const controller = new AbortController();
      const options = { name: 'in', signal: controller.signal, ...(pins === undefined ? {} : { origin: pins }) };
      const sending = toPort(channel, frame.contentWindow!, options);
      channel.pushNowait('secret');
      await window.sleep(1500); // open is posted again after 1 s
      controller.abort();
      const { sent, undelivered } = await sending;
      return { sent, undelivered, left: channel.size };
    }, origins);
    // Never paired: nothing was pulled, let alone posted.
    expect(result).toEqual({ sent: 0, undelivered: [], left: 1 });
  });

  test('a removed iframe is detected within a tick, and every value pulled is accounted for', async () => {
    const result = await run(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('localhost', `origin=${encodeURIComponent(location.origin)}`);
      const channel = new Channel(0);
      const sending = toPort(channel, frame.contentWindow!, { name: 'in' });
      const producer = window.pushForever(channel);
      await producer.reach(100);
      frame.remove();
      const started = performance.now();
      const { sent, undelivered } = await sending;
      const detection = performance.now() - started;
      const pulled = producer.pushed;
      channel.close();
      return { detection, sent, undelivered: undelivered.length, pulled };
    });
    expect(result.detection).toBeLessThan(TICK_MS + SLACK_MS);
    expect(result.sent + result.undelivered).toBe(result.pulled);
  });

  test('a removed iframe that was sending: the page’s fromPort closes within a tick with a ChannelError, after its values', async () => {
    const result = await run(async () => {
      const frame = await window.frameOn('localhost', 'mode=send');
      const input = window.lib.fromPort(frame.contentWindow, { name: 'out', capacity: 4, origin: frame.src });
      const first = [await input.pull(), await input.pull(), await input.pull()];
      frame.remove();
      const started = performance.now();
      const { values, error } = await window.drain(input);
      return { first, values, error, detection: performance.now() - started };
    });
    expect(result.detection).toBeLessThan(TICK_MS + SLACK_MS);
    expect([...result.first, ...result.values]).toEqual([...Array(3 + result.values.length).keys()]);
    expect(result.error).toMatchObject({ name: 'ChannelError', isError: true });
    expect(result.error?.message).toMatch(/the other side is gone \(its window was closed\)/);
  });
}

/** When a sender posts what it took. */
export function batchingScenarios({ run }: PortDriver): void {
  test('a value pushed from a deeply nested timer is posted in the next task, not after the 4 ms timer clamp', async () => {
    const events = await run(async () => {
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
        // Timers nested 10 deep: a zero-delay timer set from here is clamped to 4 ms.
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
}
