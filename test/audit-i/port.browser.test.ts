/**
 * Audit i: `chanasync/port` across real contexts in headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core), where the earlier suites did not go: a Worker
 * whose event loop blocks for longer than the heartbeat's timeout (as a receiver and as a
 * sender) and a Worker terminated while transferred ArrayBuffers are in flight (written once,
 * in ./scenarios.ts, which Firefox runs too); window ports whose `source` and `origin` must both
 * match when other frames post the same stream's name; messages for a closed receiver's name.
 * Reuses test/port/'s server and page (plus test/port/audit-i-frame.html); workers are made from
 * blob URLs that import chanasync from the server.
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GONE_AFTER_MS, TICK_MS } from '../../src/port/transport.js';
import { usePortPages } from '../helpers/port-pages.js';
import { type PortDriver, SLACK_MS } from '../helpers/port-scenarios.js';
import { blockedWorkerScenarios } from './scenarios.js';

const { open, port } = usePortPages();

let page: Page;

beforeEach(async () => {
  page = await open();
});

afterEach(async () => {
  expect(await page.evaluate(() => window.errors)).toEqual([]);
});

const driver: PortDriver = {
  run: <R, A>(scenario: (arg: A) => Promise<R>, arg?: A) =>
    page.evaluate(scenario as (arg: unknown) => Promise<R>, arg),
  port,
};

blockedWorkerScenarios(driver);

describe('window ports: the port is the other window, its origin checked on every message', () => {
  test('a fromPort bound to one frame ignores a second frame of the same origin sending on the same name, and gets only its own frame’s values', async () => {
    const result = await page.evaluate(async () => {
      const frame = async (tag: string) => {
        const element = document.createElement('iframe');
        element.src = `http://localhost:${location.port}/audit-i-frame.html?tag=${tag}`;
        const loaded = new Promise((resolve) => element.addEventListener('load', resolve, { once: true }));
        document.body.append(element);
        await loaded;
        return element;
      };
      // The intruder first: its open reaches the page before the right frame's.
      const intruder = await frame('B');
      await window.sleep(100);
      const right = await frame('A');
      const input = window.lib.fromPort(right.contentWindow, {
        name: 'out',
        capacity: 2,
        origin: `http://localhost:${location.port}`,
      });
      const got: string[] = [];
      for (let i = 0; i < 30; i++) got.push(await input.pull());
      input.close();
      intruder.remove();
      right.remove();
      return got;
    });
    expect(result).toEqual([...Array(30).keys()].map((i) => `A${i}`));
  });

  test('a fromPort naming the wrong origin for its window pairs with nothing: not its window (another origin), nor a sibling frame of the origin it names; it stays open, empty', async () => {
    const result = await page.evaluate(async () => {
      const frame = async (host: string, tag: string) => {
        const element = document.createElement('iframe');
        element.src = `http://${host}:${location.port}/audit-i-frame.html?tag=${tag}`;
        const loaded = new Promise((resolve) => element.addEventListener('load', resolve, { once: true }));
        document.body.append(element);
        await loaded;
        return element;
      };
      const sameOrigin = await frame('127.0.0.1', 'S');
      const right = await frame('localhost', 'A');
      // The port window is right; the origin named is the page's own: no message matches both.
      const wrongOrigin = window.lib.fromPort(right.contentWindow, {
        name: 'out',
        capacity: 2,
        origin: location.origin,
      });
      await window.sleep(1500); // the frames post open again after 1 s
      const nothing = { size: wrongOrigin.size, value: wrongOrigin.tryPull() ?? null, closed: wrongOrigin.closed };
      wrongOrigin.close();
      sameOrigin.remove();
      right.remove();
      return nothing;
    });
    expect(result).toEqual({ size: 0, value: null, closed: false });
  });
});

test('a message for a name whose receiver closed, and malformed messages, arriving from a Worker afterwards are ignored: nothing throws, the next stream of that name pairs anew', async () => {
  const result = await page.evaluate(async () => {
    const { fromPort, PORT_SOURCE, PORT_VERSION } = window.lib;
    const worker = new Worker(
      window.script(`
        addEventListener('message', async (event) => {
          if (event.data?.command === 'junk') {
            for (const message of event.data.messages) postMessage(message);
            postMessage({ report: 'posted' });
            return;
          }
          if (event.data?.command !== 'send') return;
          const out = new lib.Channel(4);
          const done = lib.toPort(out, self, { name: 'jobs' });
          for (const value of event.data.values) await out.push(value);
          out.close();
          postMessage({ report: await done });
        });
        postMessage({ report: 'listening' });`),
      { type: 'module' },
    );
    await window.nextReport(worker);
    let reported = window.nextReport(worker);
    worker.postMessage({ command: 'send', values: [1, 2, 3] });
    const first = fromPort(worker, { name: 'jobs', capacity: 4 });
    const firstGot = (await window.drain(first)).values;
    const firstResult = await reported;
    // The receiver of "jobs" is closed: messages for it, for other names and malformed ones.
    const base = { source: PORT_SOURCE, version: PORT_VERSION };
    reported = window.nextReport(worker);
    worker.postMessage({
      command: 'junk',
      messages: [
        { ...base, type: 'values', name: 'jobs', session: 'x', values: [99] },
        { ...base, type: 'end', name: 'jobs', session: 'x', reason: 'forged' },
        { ...base, type: 'open', name: 'nobody', session: 'y' },
        { ...base, type: 'values', name: 'nobody', session: 'y', values: [98] },
        { ...base, type: 'values' },
        { source: PORT_SOURCE },
        { ...base, type: 'open', name: 7, session: 'z' },
        { ...base, type: 'open', name: 'jobs', session: '' },
        [PORT_SOURCE],
        'open',
      ],
    });
    await reported;
    await window.sleep(100);
    reported = window.nextReport(worker);
    worker.postMessage({ command: 'send', values: [4, 5] });
    const second = fromPort(worker, { name: 'jobs', capacity: 0 });
    const secondGot = (await window.drain(second)).values;
    const secondResult = await reported;
    worker.terminate();
    return { firstGot, firstResult, secondGot, secondResult };
  });
  expect(result).toEqual({
    firstGot: [1, 2, 3],
    firstResult: { sent: 3, undelivered: [] },
    secondGot: [4, 5],
    secondResult: { sent: 2, undelivered: [] },
  });
});

describe('a popup closed mid-stream (README: "a removed iframe or a closed popup is seen within half a second")', () => {
  test('one that was receiving: the page’s toPort resolves within a tick, and sent + undelivered is every value pulled, in order', async () => {
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const popup = window.open('/page.html', '_blank') as Window & typeof globalThis;
      while (!(popup as { ready?: boolean }).ready) await window.sleep(10);
      // In the popup's realm: a receiver of the page's stream, and a consumer that counts.
      const input = popup.lib.fromPort(popup.opener, { name: 'in', capacity: 4, origin: location.origin });
      const seen: number[] = [];
      void (async () => {
        for (;;) {
          seen.push(await input.pull());
          await popup.sleep(2);
        }
      })().catch(() => {});
      const channel = new Channel(0);
      const sending = toPort(channel, popup, { name: 'in' });
      const producer = window.pushForever(channel);
      await producer.reach(50);
      popup.close();
      const closedAt = performance.now();
      const { sent, undelivered } = await sending;
      const detection = performance.now() - closedAt;
      const pulled = producer.pushed;
      channel.close();
      return { detection, sent, undelivered, pulled, seen: seen.length };
    });
    expect(result.detection).toBeLessThan(TICK_MS + SLACK_MS);
    expect(result.sent + result.undelivered.length).toBe(result.pulled);
    expect(result.undelivered).toEqual([...Array(result.undelivered.length).keys()].map((i) => result.sent + i));
    expect(result.seen).toBeGreaterThan(0);
  });

  test('one that was sending: the opener’s fromPort closes within a tick with a ChannelError saying the other side is gone, after the values it committed', async () => {
    const result = await page.evaluate(async () => {
      const popup = window.open(`/audit-i-frame.html?tag=P`, '_blank') as Window;
      const input = window.lib.fromPort(popup, { name: 'out', capacity: 4, origin: location.origin });
      const first = [await input.pull(), await input.pull(), await input.pull()];
      popup.close();
      const closedAt = performance.now();
      const { values, error } = await window.drain(input);
      return { first, values, error, detection: performance.now() - closedAt };
    });
    expect(result.detection).toBeLessThan(TICK_MS + SLACK_MS);
    const received = [...result.first, ...result.values];
    expect(received).toEqual([...Array(received.length).keys()].map((i) => `P${i}`));
    expect(result.error).toMatchObject({ name: 'ChannelError', isError: true });
    expect(result.error?.message).toMatch(/the other side is gone \(its window was closed\)/);
  });
});

test(
  'a frame that navigates mid-stream to a document of its origin without a fromPort: toPort settles by the heartbeat (5 to 5.5 s), every value pulled accounted for, in order',
  async () => {
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('localhost', `origin=${encodeURIComponent(location.origin)}`);
      const channel = new Channel(0);
      const sending = toPort(channel, frame.contentWindow!, { name: 'in' });
      const producer = window.pushForever(channel);
      await producer.reach(30);
      const navigated = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      frame.src = `http://localhost:${location.port}/page.html`;
      const startedAt = performance.now();
      await navigated;
      const { sent, undelivered } = await sending;
      const detection = performance.now() - startedAt;
      const pulled = producer.pushed;
      channel.close();
      return { detection, sent, undelivered, pulled };
    });
    expect(result.detection).toBeLessThan(GONE_AFTER_MS + TICK_MS + SLACK_MS);
    expect(result.sent).toBeGreaterThanOrEqual(30 - 8);
    expect(result.sent + result.undelivered.length).toBe(result.pulled);
    expect(result.undelivered).toEqual([...Array(result.undelivered.length).keys()].map((i) => result.sent + i));
  },
  GONE_AFTER_MS + 20_000,
);

test('three streams of capacities 0, 2 and 5 multiplexed over one Worker: on every message the Worker hears, each stream’s values arrived and not consumed stay within its capacity (1 for capacity 0), and each arrives whole, in order', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toPort } = window.lib;
    const worker = new Worker(
      window.script(`
        const capacities = { c0: 0, c2: 2, c5: 5 };
        const arrived = { c0: 0, c2: 0, c5: 0 };
        const consumed = { c0: 0, c2: 0, c5: 0 };
        const most = { c0: 0, c2: 0, c5: 0 };
        addEventListener('message', (event) => {
          const data = event.data;
          if (data?.type === 'values' && data.name in arrived) arrived[data.name] += data.values.length;
          for (const name in arrived) most[name] = Math.max(most[name], arrived[name] - consumed[name]);
        });
        const consume = async (name, pause) => {
          const values = [];
          for await (const value of lib.fromPort(self, { name, capacity: capacities[name] })) {
            values.push(value);
            consumed[name]++;
            if (values.length % 7 === 0) await new Promise((resolve) => setTimeout(resolve, pause));
          }
          return values;
        };
        const [c0, c2, c5] = await Promise.all([consume('c0', 3), consume('c2', 1), consume('c5', 5)]);
        postMessage({ report: { most, c0, c2, c5 } });`),
      { type: 'module' },
    );
    const reported = window.nextReport(worker);
    const streams = ['c0', 'c2', 'c5'].map(async (name) => {
      const channel = new Channel(16);
      const sending = toPort(channel, worker, { name });
      for (let i = 0; i < 200; i++) await channel.push(`${name}:${i}`);
      channel.close();
      return sending;
    });
    const results = await Promise.all(streams);
    const report = await reported;
    worker.terminate();
    return { results, report };
  });
  expect(result.results).toEqual([
    { sent: 200, undelivered: [] },
    { sent: 200, undelivered: [] },
    { sent: 200, undelivered: [] },
  ]);
  const { most, c0, c2, c5 } = result.report;
  expect(c0).toEqual([...Array(200).keys()].map((i) => `c0:${i}`));
  expect(c2).toEqual([...Array(200).keys()].map((i) => `c2:${i}`));
  expect(c5).toEqual([...Array(200).keys()].map((i) => `c5:${i}`));
  expect(most.c0).toBe(1);
  expect(most.c2).toBeLessThanOrEqual(2);
  expect(most.c5).toBeLessThanOrEqual(5);
  expect(most.c5).toBeGreaterThan(2); // the window is used
});

test(
  'a MessagePort handed to a cross-origin iframe that is then removed mid-stream: toPort settles within the heartbeat bound, every value pulled accounted for, in order',
  async () => {
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = document.createElement('iframe');
      frame.src = `http://localhost:${location.port}/audit-i-frame.html?mode=port`;
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      document.body.append(frame);
      await loaded;
      let consumed = 0;
      addEventListener('message', (event) => {
        if (typeof event.data?.consumed === 'number') consumed = event.data.consumed;
      });
      const { port1, port2 } = new MessageChannel();
      frame.contentWindow!.postMessage('port', '*', [port2]);
      const channel = new Channel(0);
      const sending = toPort(channel, port1, { name: 'in' });
      const producer = window.pushForever(channel);
      while (consumed < 40) await window.sleep(5);
      frame.remove();
      const removedAt = performance.now();
      const { sent, undelivered } = await sending;
      const detection = performance.now() - removedAt;
      const pulled = producer.pushed;
      channel.close();
      port1.close();
      return { detection, sent, undelivered, pulled, consumed };
    });
    expect(result.detection).toBeLessThan(GONE_AFTER_MS + TICK_MS + SLACK_MS);
    expect(result.sent).toBeGreaterThanOrEqual(40 - 4);
    expect(result.sent + result.undelivered.length).toBe(result.pulled);
    expect(result.undelivered).toEqual([...Array(result.undelivered.length).keys()].map((i) => result.sent + i));
  },
  GONE_AFTER_MS + 20_000,
);
