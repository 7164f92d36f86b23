/**
 * A fresh-eyes audit of SPEC.md's "Interop", `after`/`ticker` and `AbortSignal` cancellation
 * against Chromium's own platform objects (headless Chromium through playwright-core, chanasync
 * bundled from src/): a channel as a body the platform reads and compresses, a stream
 * transferred to a Worker and back, `ReadableStream.from(channel)`, `fromEvent`'s listener as
 * DevTools sees it, `AbortSignal.any`, and native `await using`.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openChanasyncPage } from '../helpers/chanasync-page.js';

let browser: Browser;
let page: Page;
let cdp: CDPSession;
let pageErrors: string[] = [];

beforeAll(async () => {
  ({ browser, page, pageErrors } = await openChanasyncPage());
  cdp = await page.context().newCDPSession(page);
  await page.setContent(
    '<!doctype html><title>chanasync</title><div id="outer"><button id="button">go</button></div><input id="field">',
  );
  // setContent replaced the document, not the window: the global stays.
  expect(await page.evaluate(() => typeof window.chanasync.Channel)).toBe('function');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  expect(pageErrors).toEqual([]);
});

/** The listeners DevTools sees on the page's `expression` (an element or window). */
async function listenersOf(
  expression: string,
): Promise<{ type: string; useCapture: boolean; passive: boolean; once: boolean }[]> {
  const { result } = await cdp.send('Runtime.evaluate', { expression });
  const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId ?? '' });
  return listeners.map(({ type, useCapture, passive, once }) => ({ type, useCapture, passive, once }));
}

test('in Chromium, a channel read by the platform as a Response body through TextEncoderStream gives every line in order and leaves the channel drained', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const lines = new Channel<string>(2);
    const producing = (async () => {
      for (let i = 0; i < 500; i++) await lines.push(`${i}\n`);
      lines.close();
    })();
    const text = await new Response(toReadableStream(lines).pipeThrough(new TextEncoderStream())).text();
    await producing;
    return { ok: text === Array.from({ length: 500 }, (_, i) => `${i}\n`).join(''), stats: lines.stats() };
  });
  expect(result.ok).toBe(true);
  expect(result.stats).toMatchObject({ size: 0, closed: true, waitingPushers: 0, waitingPullers: 0 });
});

test('in Chromium, a channel piped through CompressionStream and DecompressionStream into from() comes back byte for byte', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, from, toReadableStream } = window.chanasync;
    const chunks = new Channel<BufferSource>(4);
    const producing = (async () => {
      for (let i = 0; i < 200; i++) await chunks.push(new TextEncoder().encode(`row ${i};`));
      chunks.close();
    })();
    const round = toReadableStream(chunks)
      .pipeThrough(new CompressionStream('gzip'))
      .pipeThrough(new DecompressionStream('gzip'))
      .pipeThrough(new TextDecoderStream());
    let text = '';
    for await (const part of from(round)) text += part;
    await producing;
    return { ok: text === Array.from({ length: 200 }, (_, i) => `row ${i};`).join(''), locked: round.locked };
  });
  expect(result).toEqual({ ok: true, locked: false });
});

test('in Chromium, a close reason reaches a Response body reader as the stream error, after every value', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const channel = new Channel<string>(Infinity);
    channel.pushNowait('a');
    channel.pushNowait('b');
    channel.close(new RangeError('producer failed'));
    const reader = toReadableStream(channel).pipeThrough(new TextEncoderStream()).getReader();
    const got: string[] = [];
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        got.push(new TextDecoder().decode(value));
      }
      return { got, error: 'none' };
    } catch (error) {
      return {
        got,
        error: `${(error as Error).name}: ${(error as Error).message}`,
        isRange: error instanceof RangeError,
      };
    }
  });
  expect(result).toEqual({ got: ['a', 'b'], error: 'RangeError: producer failed', isRange: true });
});

test('in Chromium, pipeTo a WritableStream with highWaterMark 1 keeps backpressure: the channel is never pulled more than the sink has asked for', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 20; i++) channel.pushNowait(i);
    channel.close();
    const written: number[] = [];
    let maxAhead = 0;
    const sink = new WritableStream<number>(
      {
        async write(value) {
          written.push(value);
          // What left the channel but has not been written yet.
          maxAhead = Math.max(maxAhead, 20 - channel.size - written.length);
          await new Promise((resolve) => setTimeout(resolve, 2));
        },
      },
      new CountQueuingStrategy({ highWaterMark: 1 }),
    );
    await toReadableStream(channel).pipeTo(sink);
    return { written, maxAhead, stats: channel.stats() };
  });
  expect(result.written).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(result.maxAhead).toBeLessThanOrEqual(2);
  expect(result.stats).toMatchObject({ size: 0, waitingPullers: 0 });
});

test('in Chromium, reader.cancel(reason) mid-stream consumes nothing more, leaves the channel open and unparked, and the rest stays in the channel', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    const stream = toReadableStream(channel);
    const reader = stream.getReader();
    const first = [(await reader.read()).value, (await reader.read()).value];
    await reader.cancel(new Error('enough'));
    reader.releaseLock();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const rest = await channel.pullMany(10);
    return { first, rest, closed: channel.closed, stats: channel.stats(), locked: stream.locked };
  });
  expect(result).toMatchObject({ first: [0, 1], rest: [2, 3, 4], closed: false, locked: false });
  expect(result.stats).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
});

test('in Chromium, pipeTo with an AbortSignal.timeout signal stops at the timeout: written plus left in the channel is every value, once', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 200; i++) channel.pushNowait(i);
    const written: number[] = [];
    const sink = new WritableStream<number>({
      async write(value) {
        written.push(value);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    const error = await toReadableStream(channel)
      .pipeTo(sink, { signal: AbortSignal.timeout(40) })
      .then(
        () => 'none',
        (e: Error) => e.name,
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const rest = await channel.pullMany(1000);
    const all = [...written, ...rest];
    return {
      error,
      someWritten: written.length > 0,
      every: all.length === 200 && all.every((v, i) => v === i),
      closed: channel.closed,
      stats: channel.stats(),
    };
  });
  expect(result).toMatchObject({ error: 'TimeoutError', someWritten: true, every: true, closed: false });
  expect(result.stats).toMatchObject({ waitingPullers: 0 });
});

test('in Chromium, a channel streamed to a Worker (transferred) and a stream transferred back read with from() gives every value once, in order, and the close reason crosses as the error', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, from, toReadableStream } = window.chanasync;
    const source = `onmessage = async ({ data }) => {
      const { readable, writable } = new TransformStream({ transform(v, c) { c.enqueue(v * 2); } });
      postMessage(readable, [readable]);
      await data.pipeTo(writable).catch(() => {});
    };`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const channel = new Channel<number>(4);
    const stream = toReadableStream(channel);
    worker.postMessage(stream, [stream]);
    const back = await new Promise<ReadableStream<number>>((resolve) => {
      worker.onmessage = ({ data }) => resolve(data);
    });
    const producing = (async () => {
      for (let i = 0; i < 100; i++) await channel.push(i);
      channel.close(new TypeError('no more'));
    })();
    const doubled = from(back, { capacity: 2 });
    const values: number[] = [];
    let error = 'none';
    try {
      for await (const v of doubled) values.push(v);
    } catch (e) {
      error = `${(e as Error).name}: ${(e as Error).message}`;
    }
    await producing;
    worker.terminate();
    return {
      every: values.length === 100 && values.every((v, i) => v === i * 2),
      error,
      locked: back.locked,
      stats: channel.stats(),
    };
  });
  expect(result).toMatchObject({ every: true, error: 'TypeError: no more', locked: false });
  expect(result.stats).toMatchObject({ size: 0, waitingPullers: 0, waitingPushers: 0 });
});

// Chromium 150 has no ReadableStream.from yet: the test runs where it does.
test('in Chromium, ReadableStream.from(channel) where the browser has it reads every value in order and ends at close; cancelling it does not close the channel', async () => {
  const result = await page.evaluate(async () => {
    const { Channel } = window.chanasync;
    const hasFrom = typeof (ReadableStream as unknown as { from?: unknown }).from === 'function';
    if (!hasFrom) return { hasFrom };
    const RS = ReadableStream as unknown as { from<T>(source: AsyncIterable<T>): ReadableStream<T> };
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    channel.close();
    const values: number[] = [];
    const reader = RS.from(channel).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      values.push(value);
    }
    const other = new Channel<number>(Infinity);
    other.pushNowait(1);
    other.pushNowait(2);
    const otherReader = RS.from(other).getReader();
    const firstOfOther = (await otherReader.read()).value;
    await otherReader.cancel('bye');
    return { hasFrom, values, firstOfOther, otherClosed: other.closed, otherRest: other.tryPull() };
  });
  if (result.hasFrom) {
    expect(result).toEqual({
      hasFrom: true,
      values: [0, 1, 2, 3, 4],
      firstOfOther: 1,
      otherClosed: false,
      otherRest: 2,
    });
  }
});

test("in Chromium, fromEvent's listener is what DevTools shows — capture and passive as asked — and is gone after close, after abort and after a once event", async () => {
  await page.evaluate(() => {
    const { fromEvent } = window.chanasync;
    const w = window as unknown as Record<string, unknown>;
    const button = document.getElementById('button') as HTMLButtonElement;
    const controller = new AbortController();
    w.auditController = controller;
    w.auditClicks = fromEvent(button, 'click', { listenerOptions: { capture: true, passive: true } });
    w.auditWheel = fromEvent(button, 'wheel', { signal: controller.signal, listenerOptions: { passive: true } });
    w.auditOnce = fromEvent(button, 'pointerdown', { listenerOptions: { once: true } });
  });
  const before = await listenersOf("document.getElementById('button')");
  expect(before).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ type: 'click', useCapture: true, passive: true }),
      expect.objectContaining({ type: 'wheel', useCapture: false, passive: true }),
      expect.objectContaining({ type: 'pointerdown', once: true }),
    ]),
  );
  expect(before).toHaveLength(3);

  await page.click('#button'); // a real pointerdown and click
  const afterClick = await page.evaluate(async () => {
    const w = window as unknown as Record<'auditClicks' | 'auditOnce', import('../../src/index.js').Channel<Event>>;
    const click = await w.auditClicks.pull();
    const down = await w.auditOnce.pull();
    return {
      click: [click.type, click.isTrusted, click.target === document.getElementById('button')],
      down: [down.type, down.isTrusted],
      onceClosed: w.auditOnce.closed,
    };
  });
  expect(afterClick).toEqual({ click: ['click', true, true], down: ['pointerdown', true], onceClosed: true });
  expect((await listenersOf("document.getElementById('button')")).map((l) => l.type).sort()).toEqual([
    'click',
    'wheel',
  ]);

  const closedAndAborted = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    (w.auditClicks as { close(): void }).close();
    (w.auditController as AbortController).abort();
    return [(w.auditClicks as { closed: boolean }).closed, (w.auditWheel as { closed: boolean }).closed];
  });
  expect(closedAndAborted).toEqual([true, true]);
  expect(await listenersOf("document.getElementById('button')")).toEqual([]);
});

test('in Chromium, fromEvent on a window with AbortSignal.any of a user controller and a timeout closes at whichever aborts first and removes the listener', async () => {
  const result = await page.evaluate(async () => {
    const { fromEvent } = window.chanasync;
    const user = new AbortController();
    const signal = AbortSignal.any([user.signal, AbortSignal.timeout(30)]);
    const resizes = fromEvent(window, 'audit-p-resize', { signal, capacity: 8, overflow: 'block' });
    window.dispatchEvent(new Event('audit-p-resize'));
    window.dispatchEvent(new Event('audit-p-resize'));
    const got: string[] = [];
    for await (const event of resizes) got.push(event.type); // ends normally when the timeout aborts
    window.dispatchEvent(new Event('audit-p-resize'));
    return { got, reason: (signal.reason as Error).name, closed: resizes.closed, size: resizes.size };
  });
  expect(result).toEqual({ got: ['audit-p-resize', 'audit-p-resize'], reason: 'TimeoutError', closed: true, size: 0 });
  expect((await listenersOf('window')).filter((l) => l.type === 'audit-p-resize')).toEqual([]);
});

test('in Chromium, every operation given AbortSignal.any([controller, timeout]) rejects with the reason of the first to abort and leaves nothing parked', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, after, ticker, from, select, pull } = window.chanasync;
    const reasons: string[] = [];
    const full = new Channel<number>(1);
    full.pushNowait(0);
    const empty = new Channel<number>();
    const run = async (label: string, op: (signal: AbortSignal) => Promise<unknown>) => {
      const user = new AbortController();
      const signal = AbortSignal.any([user.signal, AbortSignal.timeout(1_000)]);
      setTimeout(() => user.abort(new SyntaxError(label)), 5);
      await op(signal).then(
        () => reasons.push(`${label}: resolved`),
        (e: Error) => reasons.push(`${label}: ${e.name} ${e.message}`),
      );
    };
    await run('push', (signal) => full.push(1, { signal }));
    await run('pull', (signal) => empty.pull({ signal }));
    await run('pullMany', (signal) => empty.pullMany(3, { signal }));
    await run('pushAll', (signal) => full.pushAll([1, 2], { signal }));
    await run('select', (signal) => select([pull(empty)], { signal }));
    // Timer and source channels close normally on abort: a pull on them then rejects closed.
    const timers = await Promise.all(
      [
        (s: AbortSignal) => after(10_000, { signal: s }),
        (s: AbortSignal) => ticker(10_000, { signal: s }),
        (s: AbortSignal) =>
          from(
            (async function* () {
              await new Promise(() => {});
              yield 1;
            })(),
            { signal: s },
          ),
      ].map(async (make) => {
        const user = new AbortController();
        const channel = make(AbortSignal.any([user.signal, AbortSignal.timeout(1_000)]));
        setTimeout(() => user.abort(new SyntaxError('stop')), 5);
        const outcome = await channel.pull().then(
          (v) => `value ${v}`,
          (e: Error) => e.name,
        );
        return [outcome, channel.closed];
      }),
    );
    return { reasons, timers, full: full.stats(), empty: empty.stats() };
  });
  expect(result.reasons).toEqual([
    'push: SyntaxError push',
    'pull: SyntaxError pull',
    'pullMany: SyntaxError pullMany',
    'pushAll: SyntaxError pushAll',
    'select: SyntaxError select',
  ]);
  expect(result.timers).toEqual([
    ['ChannelClosedError', true],
    ['ChannelClosedError', true],
    ['ChannelClosedError', true],
  ]);
  expect(result.full).toMatchObject({ size: 1, waitingPushers: 0, waitingPullers: 0 });
  expect(result.empty).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
});

test('in Chromium, native await using closes a channel, an after and a ticker at the end of the block (Symbol.asyncDispose is native)', async () => {
  const result = await page.evaluate(`(async () => {
    const { Channel, after, ticker } = window.chanasync;
    const native = typeof Symbol.asyncDispose === 'symbol' && Symbol.asyncDispose !== Symbol.for('Symbol.asyncDispose');
    let ch, a, t;
    {
      await using channel = new Channel(1);
      using timeout = after(50);
      await using ticks = ticker(5);
      ch = channel; a = timeout; t = ticks;
      channel.pushNowait('kept');
    }
    const closed = [ch.closed, a.closed, t.closed];
    await new Promise((r) => setTimeout(r, 80));
    return { native, closed, kept: ch.pullNowait(), afterSize: a.size, tickerSize: t.size };
  })()`);
  expect(result).toEqual({ native: true, closed: [true, true, true], kept: 'kept', afterSize: 0, tickerSize: 0 });
});

test('in Chromium, a read released with releaseLock while pending leaves the stream pull parked: the next value waits in the stream for its next reader, and cancel withdraws the pull', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const channel = new Channel<string>(Infinity);
    const stream = toReadableStream(channel);
    const first = stream.getReader();
    const pending = first.read().then(
      () => 'resolved',
      (e: Error) => e.name,
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    first.releaseLock();
    const released = await pending;
    channel.pushNowait('kept');
    const second = stream.getReader();
    const next = await second.read();
    const parkedAgain = second.read();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const parked = channel.stats().waitingPullers;
    await second.cancel();
    await parkedAgain;
    channel.pushNowait('after cancel');
    return { released, next, parked, afterCancel: channel.stats().waitingPullers, left: channel.tryPull() };
  });
  expect(result).toEqual({
    released: 'TypeError',
    next: { done: false, value: 'kept' },
    parked: 1,
    afterCancel: 0,
    left: 'after cancel',
  });
});

test("in Chromium, inside a dedicated Worker, fromEvent(self, 'message') takes the page's messages in order, a ticker ticks, and a channel goes back as a transferred stream", async () => {
  const bundle = await (await import('esbuild')).build({
    entryPoints: [new URL('../../src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    globalName: 'chanasync',
    platform: 'browser',
    write: false,
  });
  const workerCode = `${bundle.outputFiles[0]?.text ?? ''}
    const { Channel, fromEvent, ticker, toReadableStream } = chanasync;
    const messages = fromEvent(self, 'message', { capacity: 16, overflow: 'block' });
    (async () => {
      const out = new Channel(Infinity);
      const stream = toReadableStream(out);
      postMessage(stream, [stream]);
      for (let i = 0; i < 3; i++) out.pushNowait((await messages.pull()).data);
      messages.close();
      // Ticks are due at start + k·5 ms (no drift), so a late first tick may be followed by one
      // that comes sooner than 5 ms: each is checked against its own due time (1 ms of clock
      // granularity allowed), not against the tick before it.
      const start = Date.now();
      using ticks = ticker(5);
      const t1 = await ticks.pull();
      const t2 = await ticks.pull();
      out.pushNowait(t1 - start >= 4 && t2 - start >= 9 && t2 >= t1 ? 'ticked' : 'early ' + (t1 - start) + ', ' + (t2 - start));
      const timedOut = await new Channel().pull({ signal: AbortSignal.timeout(5) }).catch((e) => e.name);
      out.pushNowait(timedOut);
      out.close();
    })();`;
  const result = await page.evaluate(async (code) => {
    const { from } = window.chanasync;
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const errors: string[] = [];
    worker.onerror = (event) => errors.push(event.message);
    const stream = await new Promise<ReadableStream<string>>((resolve) => {
      worker.onmessage = ({ data }) => resolve(data);
    });
    for (const m of ['one', 'two', 'three']) worker.postMessage(m);
    const got: string[] = [];
    for await (const v of from(stream)) got.push(v);
    worker.terminate();
    return { got, errors };
  }, workerCode);
  expect(result).toEqual({ got: ['one', 'two', 'three', 'ticked', 'TimeoutError'], errors: [] });
});

test("in Chromium, fromEvent(broadcastChannel, 'message') with 'block' receives every message of another BroadcastChannel in order", async () => {
  const result = await page.evaluate(async () => {
    const { fromEvent } = window.chanasync;
    const sender = new BroadcastChannel('audit-p');
    const receiver = new BroadcastChannel('audit-p');
    const messages = fromEvent(receiver, 'message', { capacity: 2, overflow: 'block' });
    for (let i = 0; i < 10; i++) sender.postMessage(i);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push((await messages.pull()).data);
    messages.close();
    sender.close();
    receiver.close();
    return { got, instance: true };
  });
  expect(result.got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('in Chromium, a stream transferred to a Worker is read one value ahead by the platform’s cross-realm pipe: a cancel from the Worker loses that one, and the rest stays in the channel', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const source = `onmessage = async ({ data }) => {
      if (data === 'cancel') { await self.stream.cancel('worker done'); postMessage('cancelled'); return; }
      if (data === 'read') { const reader = self.stream.getReader(); const { value } = await reader.read(); reader.releaseLock(); postMessage(value); return; }
      self.stream = data;
      postMessage('ready');
    };`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const answer = () =>
      new Promise<unknown>((resolve) => {
        worker.onmessage = ({ data }) => resolve(data);
      });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    const stream = toReadableStream(channel);
    worker.postMessage(stream, [stream]);
    await answer();
    await settle();
    const sizeUnread = channel.size;
    worker.postMessage('read');
    const read = await answer();
    await settle();
    const sizeAfterRead = channel.size;
    worker.postMessage('cancel');
    await answer();
    await settle();
    worker.terminate();
    return {
      sizeUnread,
      read,
      sizeAfterRead,
      rest: channel.tryPull(),
      parked: channel.stats().waitingPullers,
      closed: channel.closed,
    };
  });
  // 0 went into the pipe before any read; the read took 0 and the pipe took 1; the cancel lost 1.
  expect(result).toEqual({ sizeUnread: 4, read: 0, sizeAfterRead: 3, rest: 2, parked: 0, closed: false });
});

test('in Chromium, a proxied body — toReadableStream(from(upstream), { closeOnCancel: true }) — cancelled by its reader cancels the upstream stream and unlocks it', async () => {
  const result = await page.evaluate(async () => {
    const { from, toReadableStream } = window.chanasync;
    let pulled = 0;
    let cancelled: unknown = 'not cancelled';
    const upstream = new ReadableStream<string>(
      {
        pull(controller) {
          controller.enqueue(`chunk ${pulled++}`);
        },
        cancel(reason) {
          cancelled = reason === undefined ? 'undefined' : String(reason);
        },
      },
      { highWaterMark: 0 },
    );
    const proxied = from(upstream, { capacity: 1 });
    const reader = toReadableStream(proxied, { closeOnCancel: true }).getReader();
    const got = [(await reader.read()).value, (await reader.read()).value];
    await reader.cancel('client went away');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const pulledAtCancel = pulled;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { got, cancelled, locked: upstream.locked, closed: proxied.closed, noMorePulls: pulled === pulledAtCancel };
  });
  expect(result).toEqual({
    got: ['chunk 0', 'chunk 1'],
    cancelled: 'undefined',
    locked: false,
    closed: true,
    noMorePulls: true,
  });
});
