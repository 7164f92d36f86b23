/**
 * web-platform-tests translated where the platform's own behaviour matters: run in headless
 * Chromium (the browser WPT targets), with chanasync bundled into a blank page.
 * - dom/abort/AbortSignal.any.js: the spec marks every dependent signal aborted before any
 *   abort event fires (Node 20 does not), so an operation parked with a dependent takes nothing
 *   from the source signal's listeners.
 * - dom/events: fromEvent on real DOM nodes (capture/bubble phases, once, removal).
 * - streams/readable-streams/from.any.js: Channel.from and ReadableStream.from read the same
 *   sources the same way; async-iterator.any.js on a toReadableStream.
 * (Translated, not copied.)
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openChanasyncPage } from '../helpers/chanasync-page.js';

let browser: Browser;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  ({ browser, page, pageErrors } = await openChanasyncPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  expect(pageErrors).toEqual([]);
});

describe('dom/abort/AbortSignal.any.js (Chromium)', () => {
  test('Abort events for AbortSignal.any() signals fire in the right order; a dependent operation takes nothing from an earlier listener', async () => {
    const out = await page.evaluate(async () => {
      const { Channel } = window.chanasync;
      const controller = new AbortController();
      const dependent = AbortSignal.any([controller.signal]);
      const order: string[] = [];
      const channel = new Channel<string>();
      controller.signal.addEventListener('abort', () => {
        order.push(`source:${dependent.aborted}`);
        order.push(`tryPush:${channel.tryPush('x')}`);
      });
      dependent.addEventListener('abort', () => order.push('dependent'));
      const pulled = channel.pull({ signal: dependent });
      controller.abort();
      const result = await pulled.then(
        (v) => `resolved ${v}`,
        (e: Error) => `rejected ${e.name}`,
      );
      return { order, result, waiting: channel.stats().waitingPullers };
    });
    expect(out).toEqual({
      order: ['source:true', 'tryPush:false', 'dependent'],
      result: 'rejected AbortError',
      waiting: 0,
    });
  });

  test('a select parked with a dependent signal commits no case from the source listener', async () => {
    const out = await page.evaluate(async () => {
      const { Channel, select, pull } = window.chanasync;
      const controller = new AbortController();
      const a = new Channel<number>();
      const b = new Channel<number>();
      controller.signal.addEventListener('abort', () => {
        a.tryPush(1);
        b.tryPush(2);
      });
      const selected = select([pull(a), pull(b)], { signal: AbortSignal.any([controller.signal]) });
      controller.abort('r');
      const result = await selected.then(
        (r) => `won ${r.index}`,
        (e) => `rejected ${String(e)}`,
      );
      return { result, pullers: a.stats().waitingPullers + b.stats().waitingPullers };
    });
    expect(out).toEqual({ result: 'rejected r', pullers: 0 });
  });

  test('AbortSignal.timeout: a pull rejects with a TimeoutError DOMException', async () => {
    const out = await page.evaluate(async () => {
      const { Channel } = window.chanasync;
      const e = await new Channel().pull({ signal: AbortSignal.timeout(10) }).catch((error: DOMException) => error);
      return { isDOMException: e instanceof DOMException, name: (e as DOMException).name };
    });
    expect(out).toEqual({ isDOMException: true, name: 'TimeoutError' });
  });
});

describe('dom/events on DOM nodes (Chromium)', () => {
  test('capture and bubble: a capturing fromEvent on the parent sees the event before a bubbling one', async () => {
    const out = await page.evaluate(async () => {
      const { fromEvent } = window.chanasync;
      const parent = document.createElement('div');
      const child = document.createElement('span');
      parent.append(child);
      document.body.append(parent);
      const order: string[] = [];
      const capture = fromEvent(parent, 'click', { listenerOptions: { capture: true } });
      parent.addEventListener('click', () => order.push(`after capture: ${capture.size}`), { capture: true });
      const bubble = fromEvent(parent, 'click');
      child.addEventListener('click', () => order.push(`at target: capture ${capture.size}, bubble ${bubble.size}`));
      child.click();
      const sizes = [capture.size, bubble.size];
      capture.close();
      bubble.close();
      child.click();
      parent.remove();
      return { order, sizes, after: [capture.size, bubble.size] };
    });
    // Second click, after both channels closed: our own listeners still run, the channels get
    // nothing more (drop-oldest would have replaced their one event).
    expect(out).toEqual({
      order: [
        'after capture: 1',
        'at target: capture 1, bubble 0',
        'after capture: 1',
        'at target: capture 1, bubble 1',
      ],
      sizes: [1, 1],
      after: [1, 1],
    });
  });

  test('fromEvent(element, "click") with once takes one click and closes', async () => {
    const out = await page.evaluate(async () => {
      const { fromEvent } = window.chanasync;
      const button = document.createElement('button');
      document.body.append(button);
      const clicks = fromEvent(button, 'click', { listenerOptions: { once: true } });
      button.click();
      button.click();
      const got: string[] = [];
      for await (const e of clicks) got.push(e.type);
      button.remove();
      return { got, closed: clicks.closed };
    });
    expect(out).toEqual({ got: ['click'], closed: true });
  });

  test('preventDefault on an event pulled from the channel comes after dispatch (too late)', async () => {
    const out = await page.evaluate(async () => {
      const { fromEvent } = window.chanasync;
      const target = new EventTarget();
      const events = fromEvent(target, 'x');
      const event = new Event('x', { cancelable: true });
      const notCancelled = target.dispatchEvent(event);
      const pulled = await events.pull();
      pulled.preventDefault();
      events.close();
      return { notCancelled, same: pulled === event, phase: pulled.eventPhase };
    });
    expect(out).toEqual({ notCancelled: true, same: true, phase: 0 });
  });
});

describe('streams/readable-streams/from.any.js parity (Chromium)', () => {
  test("Channel.from reads the WPT sources to the same values as for await (ReadableStream.from's reference)", async () => {
    const out = await page.evaluate(async () => {
      const { Channel } = window.chanasync;
      const makers: [string, () => unknown][] = [
        ['array', () => ['a', 'b']],
        ['array of promises', () => [Promise.resolve('a'), Promise.resolve('b')]],
        ['string', () => 'a😀'],
        ['Set', () => new Set(['a', 'b'])],
        [
          'sync generator',
          () =>
            (function* () {
              yield 'a';
              yield 'b';
            })(),
        ],
        [
          'async generator',
          () =>
            (async function* () {
              yield 'a';
              yield 'b';
            })(),
        ],
        [
          'ReadableStream',
          () =>
            new ReadableStream({
              start(c) {
                c.enqueue('a');
                c.enqueue('b');
                c.close();
              },
            }),
        ],
      ];
      const results: Record<string, [unknown[], unknown[]]> = {};
      for (const [label, make] of makers) {
        // Chromium 156 has no ReadableStream.from: the reference is for await, whose reading of
        // iterables ReadableStream.from's spec reuses (async-from-sync iterator included).
        const viaStream: unknown[] = [];
        for await (const v of make() as AsyncIterable<unknown>) viaStream.push(v);
        const viaChannel: unknown[] = [];
        for await (const v of Channel.from(make() as Iterable<unknown>)) viaChannel.push(v);
        results[label] = [viaStream, viaChannel];
      }
      return results;
    });
    for (const [label, [viaStream, viaChannel]] of Object.entries(out)) expect(viaChannel, label).toEqual(viaStream);
  });

  test('bad iterables: Channel.from throws a TypeError at the call, as for await would', async () => {
    const out = await page.evaluate(() => {
      const { Channel } = window.chanasync;
      const bad: unknown[] = [null, undefined, 0, Number.NaN, true, {}, () => 42, { [Symbol.iterator]: 42 }];
      return bad.map((b) => {
        let streamError = '';
        let channelError = '';
        try {
          // GetIterator(b, async), as for await and ReadableStream.from do
          const method =
            (b as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] ??
            (b as { [Symbol.iterator]?: unknown })?.[Symbol.iterator];
          (method as () => unknown).call(b);
        } catch (e) {
          streamError = (e as Error).name;
        }
        try {
          Channel.from(b as Iterable<unknown>);
        } catch (e) {
          channelError = (e as Error).name;
        }
        return [streamError, channelError];
      });
    });
    for (const [s, c] of out) {
      expect(s).toBe('TypeError');
      expect(c).toBe('TypeError');
    }
  });

  test('a rejected promise in a sync iterable: Channel.from ends with its reason and return() the iterator', async () => {
    const out = await page.evaluate(async () => {
      const { Channel } = window.chanasync;
      const run = async (wrap: (it: Iterable<unknown>) => AsyncIterable<unknown>) => {
        let finallyRan = false;
        function* gen() {
          try {
            yield 1;
            yield Promise.reject(new Error('bad'));
          } finally {
            finallyRan = true;
          }
        }
        const got: unknown[] = [];
        let error = '';
        try {
          for await (const v of wrap(gen())) got.push(v);
        } catch (e) {
          error = (e as Error).message;
        }
        return { got, error, finallyRan };
      };
      return {
        channel: await run((it) => Channel.from(it)),
        forAwait: await run((it) => ({
          [Symbol.asyncIterator]: async function* () {
            for await (const v of it) yield v;
          },
        })),
      };
    });
    expect(out.channel).toEqual({ got: [1], error: 'bad', finallyRan: true });
    expect(out.channel).toEqual(out.forAwait);
  });
});

describe('streams/readable-streams/async-iterator.any.js on toReadableStream (Chromium)', () => {
  test('break in for await over toReadableStream cancels the stream and leaves the channel open with its values', async () => {
    const out = await page.evaluate(async () => {
      const { Channel, toReadableStream } = window.chanasync;
      const channel = new Channel<number>(4);
      for (const v of [1, 2, 3]) channel.pushNowait(v);
      const stream = toReadableStream(channel);
      for await (const v of stream) if (v === 1) break;
      return { closed: channel.closed, left: [channel.pullNowait(), channel.pullNowait()], locked: stream.locked };
    });
    expect(out).toEqual({ closed: false, left: [2, 3], locked: false });
  });

  test('a toReadableStream piped into a Response body: text arrives in order', async () => {
    const out = await page.evaluate(async () => {
      const { Channel, toReadableStream } = window.chanasync;
      const channel = new Channel<string>(2);
      const producer = (async () => {
        for (const s of ['a', 'b', 'c']) await channel.push(s);
        channel.close();
      })();
      const text = await new Response(toReadableStream(channel).pipeThrough(new TextEncoderStream())).text();
      await producer;
      return text;
    });
    expect(out).toBe('abc');
  });
});
