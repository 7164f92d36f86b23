/**
 * Audit AK: web-platform-tests' webmessaging/ expectations (MessageChannel, MessagePort, window
 * postMessage), translated into what chanasync/port's contract says a stream over the same
 * transport must do. Headless Chromium; each test opens test/port/page.html (`window.lib`).
 * Each describe names the WPT file, each test the WPT test; nothing of WPT's code is copied.
 */
import { describe, expect, test } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';
import { openPage } from './ak-helpers.js';

const pages = usePortPages();

// webmessaging/Channel_MessagePort_initial_disabled.htm, webmessaging/MessagePort_initial_disabled.htm
describe('webmessaging/Channel_MessagePort_initial_disabled.htm', () => {
  test('messages posted before the receiving port is enabled are not lost: a late fromPort gets them all', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(8);
      await local.pushAll([1, 2, 3]);
      local.close();
      const sending = toPort(local, port1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const got = await window.drain(fromPort(port2, { capacity: 2 }));
      return { got, result: await window.within(sending, 10_000, 'toPort') };
    });
    expect(result.got).toEqual({ values: [1, 2, 3], error: null });
    expect(result.result).toEqual({ sent: 3, undelivered: [] });
  });

  test('a receiver enabled before its sender exists gets every value in order', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const remote = fromPort(port2, { capacity: 0 });
      const draining = window.drain(remote);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const local = new Channel(0);
      const sending = toPort(local, port1);
      for (let i = 0; i < 20; i++) await local.push(i);
      local.close();
      return { got: await draining, result: await window.within(sending, 10_000, 'toPort') };
    });
    expect(result.got.values).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(result.result).toEqual({ sent: 20, undelivered: [] });
  });
});

// webmessaging/Channel_MessagePort_onmessage_start.htm, webmessaging/MessagePort_onmessage_start.htm
describe('webmessaging/Channel_MessagePort_onmessage_start.htm', () => {
  test('an onmessage handler the user set (implicit start) beside fromPort and toPort does not disturb the stream', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      let seen1 = 0;
      let seen2 = 0;
      port1.onmessage = () => seen1++;
      port2.onmessage = () => seen2++;
      const local = new Channel(4);
      const sending = toPort(local, port1);
      const draining = window.drain(fromPort(port2, { capacity: 4 }));
      for (let i = 0; i < 10; i++) await local.push(i);
      local.close();
      return { got: await draining, result: await sending, seen1, seen2 };
    });
    expect(result.got).toEqual({ values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], error: null });
    expect(result.result).toEqual({ sent: 10, undelivered: [] });
    expect(result.seen1).toBeGreaterThan(0);
    expect(result.seen2).toBeGreaterThan(0);
  });
});

// webmessaging/message-channels/close.html
describe('webmessaging/message-channels/close.html', () => {
  test('Message sent to closed port should not arrive: a receiver whose port is closed leaves every pulled value accounted for', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(16);
      await local.pushAll(Array.from({ length: 16 }, (_, i) => i));
      local.close();
      const remote = fromPort(port2, { capacity: 2 });
      const sending = toPort(local, port1);
      const first = [await remote.pull(), await remote.pull()];
      port2.close();
      const ended = await window.within(window.drain(remote), 20_000, 'remote ends');
      const result = await window.within(sending, 20_000, 'toPort settles');
      return { first, ended, sent: result.sent, undelivered: result.undelivered, left: local.size };
    });
    expect(result.first).toEqual([0, 1]);
    const received = [...result.first, ...result.ended.values];
    // Everything the receiver committed came in order; the sender counts it as sent.
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => i));
    expect(result.sent).toBe(received.length);
    expect(result.sent + result.undelivered.length + result.left).toBe(16);
    expect(result.undelivered).toEqual(Array.from({ length: result.undelivered.length }, (_, i) => result.sent + i));
  });

  test('closing the sending port: the receiving channel closes with a ChannelError saying the other side is gone', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(4);
      const sending = toPort(local, port1);
      const remote = fromPort(port2, { capacity: 4 });
      await local.pushAll([1, 2, 3]);
      await window.until(() => remote.size === 3);
      port1.close();
      const ended = await window.within(window.drain(remote), 20_000, 'remote ends');
      const result = await window.within(window.settle(sending), 20_000, 'toPort settles');
      return { ended, result };
    });
    expect(result.ended.values).toEqual([1, 2, 3]);
    expect(result.ended.error?.name).toBe('ChannelError');
    expect(result.ended.error?.message).toMatch(/gone/);
    // Each value is sent or undelivered, in order. The receiver committed all three, but
    // acknowledgements still on their way when the port closed are lost: those values are also
    // in `undelivered` (README: a port closed while values are on their way; CI saw `sent: 0`).
    const { sent, undelivered } = (result.result.value ?? result.result.error) as {
      sent: number;
      undelivered: number[];
    };
    expect([...[1, 2, 3].slice(0, sent), ...undelivered]).toEqual([1, 2, 3]);
  });
});

// webmessaging/Channel_postMessage_DataCloneErr.htm, webmessaging/postMessage_Function.htm,
// webmessaging/postMessage_Document.htm
describe('webmessaging/Channel_postMessage_DataCloneErr.htm', () => {
  const uncloneables: [string, string][] = [
    ['an object with a function property (Channel_postMessage_DataCloneErr.htm)', '({ f() {} })'],
    ['a function (postMessage_Function.htm)', '(() => 1)'],
    ['the document (postMessage_Document.htm)', 'document'],
    ['a symbol', "Symbol('s')"],
    ['a WeakMap', 'new WeakMap()'],
    ['a MessagePort without transfer (Channel_postMessage_clone_port_error.htm)', 'new MessageChannel().port1'],
  ];
  for (const [what, expression] of uncloneables) {
    test(`DataCloneError for ${what}: toPort rejects, the values before it arrive, the remote closes with a ChannelError`, async () => {
      const page = await openPage(pages);
      const result = await page.evaluate(async (expression) => {
        const { Channel, fromPort, toPort } = window.lib;
        const { port1, port2 } = new MessageChannel();
        const local = new Channel(0);
        const remote = fromPort(port2, { capacity: 4 });
        const sending = window.settle(toPort(local, port1));
        await local.push('before');
        await window.until(() => remote.size === 1);
        const value = window.value(expression);
        await local.push(value);
        const outcome = await window.within(sending, 10_000, 'toPort settles');
        const ended = await window.within(window.drain(remote), 10_000, 'remote ends');
        return { outcome, ended };
      }, expression);
      expect(result.outcome.error).toMatchObject({ name: 'TypeError', causeName: 'DataCloneError', sent: 1 });
      expect(result.outcome.error.undelivered).toHaveLength(1);
      expect(result.ended.values).toEqual(['before']);
      // As Semantic details says: the remote closes with an `Error` saying why (the port section
      // of "Channels across Workers and frames" says a ChannelError: reported as a doc conflict).
      expect(result.ended.error).toMatchObject({ isError: true });
      expect(result.ended.error.message).toMatch(/could not be posted/);
    });
  }
});

// webmessaging/Channel_postMessage_clone_port.htm, webmessaging/event.ports.htm
describe('webmessaging/Channel_postMessage_clone_port.htm', () => {
  test('a MessagePort value listed by transfer arrives entangled: a message through it reaches its other end', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const inner = new MessageChannel();
      const local = new Channel(1);
      const sending = toPort(local, port1, { transfer: (value: MessagePort) => [value] });
      const remote = fromPort(port2, { capacity: 1 });
      await local.push(inner.port2);
      local.close();
      const received = await remote.pull();
      const heard = new Promise((resolve) => {
        inner.port1.onmessage = (event) => resolve(event.data);
      });
      received.postMessage('through the moved port');
      return { isPort: received instanceof MessagePort, heard: await heard, result: await sending };
    });
    expect(result).toEqual({ isPort: true, heard: 'through the moved port', result: { sent: 1, undelivered: [] } });
  });
});

// webmessaging/postMessage_dup_transfer_objects.htm
describe('webmessaging/postMessage_dup_transfer_objects.htm', () => {
  test('two values of one batch that share an ArrayBuffer, each listing it in transfer: every value is accounted for', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const buffer = new Uint8Array([7, 8]).buffer;
      const local = new Channel(4);
      await local.pushAll([{ buffer }, { buffer }]);
      local.close();
      const remote = fromPort(port2, { capacity: 4 });
      const outcome = await window.within(
        window.settle(toPort(local, port1, { transfer: (value: { buffer: ArrayBuffer }) => [value.buffer] })),
        10_000,
        'toPort settles',
      );
      const ended = await window.within(window.drain(remote), 10_000, 'remote ends');
      return {
        outcome: outcome.value ?? outcome.error,
        received: ended.values.map((v: { buffer: ArrayBuffer }) => [...new Uint8Array(v.buffer)]),
        shared: ended.values.length === 2 && ended.values[0].buffer === ended.values[1].buffer,
        error: ended.error,
      };
    });
    // Either both arrive (one buffer, moved once, shared as locally) or toPort rejects and
    // accounts for both; never a silent loss.
    expect(result.outcome.sent + result.outcome.undelivered.length).toBe(2);
    expect(result.received).toHaveLength(result.outcome.sent);
    for (const bytes of result.received) expect(bytes).toEqual([7, 8]);
  });

  test('a value whose transfer lists the same ArrayBuffer twice: accounted for, never silently lost', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const buffer = new Uint8Array([1, 2, 3]).buffer;
      const local = new Channel(1);
      await local.push(buffer);
      local.close();
      const remote = fromPort(port2, { capacity: 1 });
      const outcome = await window.within(
        window.settle(toPort(local, port1, { transfer: (value: ArrayBuffer) => [value, value] })),
        10_000,
        'toPort settles',
      );
      const ended = await window.within(window.drain(remote), 10_000, 'remote ends');
      return { outcome: outcome.value ?? outcome.error, count: ended.values.length };
    });
    expect(result.outcome.sent + result.outcome.undelivered.length).toBe(1);
    expect(result.count).toBe(result.outcome.sent);
  });
});

// webmessaging/Transferred_objects_unusable.htm
describe('webmessaging/Transferred_objects_unusable.htm', () => {
  test('a transferred ArrayBuffer is detached on the sending side and whole on the receiving side', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
      const local = new Channel(1);
      const sending = toPort(local, port1, { transfer: (value: ArrayBuffer) => [value] });
      const remote = fromPort(port2, { capacity: 1 });
      await local.push(buffer);
      local.close();
      const received = await remote.pull();
      return { after: buffer.byteLength, received: [...new Uint8Array(received)], result: await sending };
    });
    expect(result).toEqual({ after: 0, received: [1, 2, 3, 4], result: { sent: 1, undelivered: [] } });
  });

  test('values posted but not committed (the receiver closed first) come back in undelivered, their buffers detached', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      // The receiving side's port holds the sender's messages until released, so the receiver
      // closes while a batch is in flight.
      const held: MessageEvent[] = [];
      const listeners: ((event: MessageEvent) => void)[] = [];
      let holding = true;
      let buffers: ArrayBuffer[] = [];
      // Held: what arrives once the batch was posted (its buffers detached), until released.
      port2.addEventListener('message', (event) => {
        if (holding && buffers.length > 0 && buffers.every((b) => b.byteLength === 0)) held.push(event);
        else for (const listener of listeners) listener(event);
      });
      port2.start();
      const delayed = {
        postMessage: (message: unknown, transfer?: Transferable[]) => port2.postMessage(message, transfer ?? []),
        addEventListener: (type: string, listener: (event: MessageEvent) => void) => {
          if (type === 'message') listeners.push(listener);
        },
        removeEventListener: (type: string, listener: (event: MessageEvent) => void) => {
          if (type === 'message') listeners.splice(listeners.indexOf(listener), 1);
        },
      };
      const remote = fromPort(delayed, { capacity: 4 });
      buffers = [1, 2, 3].map((n) => new Uint8Array([n, n]).buffer);
      const local = new Channel(4);
      await local.pushAll(buffers);
      local.close();
      const sending = toPort(local, port1, { transfer: (value: ArrayBuffer) => [value] });
      await window.until(() => held.length > 0 && buffers.every((b) => b.byteLength === 0));
      remote.close();
      holding = false;
      for (const event of held.splice(0)) for (const listener of listeners) listener(event);
      const result = await window.within(sending, 20_000, 'toPort settles');
      return { sent: result.sent, lengths: result.undelivered.map((b: ArrayBuffer) => b.byteLength) };
    });
    expect(result).toEqual({ sent: 0, lengths: [0, 0, 0] });
  });
});

// webmessaging/postMessage_ArrayBuffer.htm, postMessage_Date.htm, postMessage_arrays.htm,
// postMessage_objects.htm, event.data.htm, Channel_postMessage_Blob.htm;
// html/infrastructure/safe-passing-of-structured-data/structuredclone_0.html, structured_clone_bigint.html
describe('webmessaging/postMessage_*.htm and event.data.htm (structured clone of values)', () => {
  /** Sends `expression`'s value through a MessageChannel stream; returns `check(received)`. */
  async function roundTrip(expression: string, check: string) {
    const page = await openPage(pages);
    return page.evaluate(
      async ({ expression, check }) => {
        const { Channel, fromPort, toPort } = window.lib;
        const { port1, port2 } = new MessageChannel();
        const value = window.value(expression);
        const local = new Channel(1);
        const sending = toPort(local, port1);
        const remote = fromPort(port2, { capacity: 1 });
        await local.push(value);
        local.close();
        const received = await remote.pull();
        const result = await sending;
        return { checked: await window.value(check)(received, value), result };
      },
      { expression, check },
    );
  }

  const cases: [string, string, string][] = [
    [
      'postMessage_ArrayBuffer.htm: an ArrayBuffer without transfer is copied, the original left whole',
      'new Uint8Array([5, 6, 7]).buffer',
      '(r, v) => [[...new Uint8Array(r)], v.byteLength, r !== v]',
    ],
    [
      'postMessage_Date.htm: a Date arrives as a Date of the same time',
      'new Date(1e12)',
      '(r) => [r instanceof Date, r.getTime()]',
    ],
    [
      'postMessage_arrays.htm: nested and sparse arrays keep their shape',
      '[1, [2, [3]], , 4]',
      '(r) => [JSON.stringify(r), r.length, 2 in r]',
    ],
    [
      'postMessage_objects.htm: an object graph with a cycle keeps its identity',
      '(() => { const o = { name: "o" }; o.self = o; o.list = [o]; return o; })()',
      '(r) => [r.name, r.self === r, r.list[0] === r]',
    ],
    ['event.data.htm: null arrives as null', 'null', '(r) => [r === null]'],
    ['event.data.htm: undefined arrives as undefined', 'undefined', '(r) => [r === undefined]'],
    ['event.data.htm: NaN and -0 keep their identity', '[NaN, -0]', '(r) => [Number.isNaN(r[0]), Object.is(r[1], -0)]'],
    ['event.data.htm: a string with lone surrogates and NULs', '"a\\u0000b\\ud800c"', '(r, v) => [r === v]'],
    [
      'structured_clone_bigint.html: a BigInt and a BigInt object',
      '[2n ** 70n, Object(3n)]',
      '(r) => [r[0] === 2n ** 70n, typeof r[1], r[1].valueOf() === 3n]',
    ],
    [
      'structuredclone_0.html: Map, Set, RegExp and typed arrays',
      '[new Map([[1, "a"]]), new Set([2]), /x+/gi, new Float64Array([1.5])]',
      '(r) => [r[0].get(1), r[1].has(2), r[2].source, r[2].flags, r[3][0]]',
    ],
    [
      'Channel_postMessage_Blob.htm: a Blob arrives readable',
      'new Blob(["blob text"], { type: "text/plain" })',
      'async (r) => [r instanceof Blob, r.type, await r.text()]',
    ],
  ];
  const expected: unknown[][] = [
    [[5, 6, 7], 3, true],
    [true, 1e12],
    ['[1,[2,[3]],null,4]', 4, false],
    ['o', true, true],
    [true],
    [true],
    [true, true],
    [true],
    [true, 'object', true],
    ['a', true, 'x+', 'gi', 1.5],
    [true, 'text/plain', 'blob text'],
  ];
  cases.forEach(([name, expression, check], index) => {
    test(name, async () => {
      const { checked, result } = await roundTrip(expression, check);
      expect(checked).toEqual(expected[index]);
      expect(result.sent).toBe(1);
    });
  });
});

// html/infrastructure/safe-passing-of-structured-data/structured-cloning-error-stack.window.js
// (and the Error serialization it relies on): a close reason crosses over as a clone.
describe('html/infrastructure/safe-passing-of-structured-data/structured-cloning-error-stack.window.js', () => {
  async function reasonAcross(expression: string) {
    const page = await openPage(pages);
    return page.evaluate(async (expression) => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(1);
      const sending = toPort(local, port1);
      const remote = fromPort(port2, { capacity: 1 });
      await local.push('last');
      local.close(window.value(expression));
      let reason: any;
      const got: unknown[] = [];
      try {
        for await (const value of remote) got.push(value);
      } catch (error) {
        reason = error;
      }
      return {
        got,
        result: await window.within(window.settle(sending), 10_000, 'toPort'),
        name: reason?.name,
        message: reason?.message,
        isError: reason instanceof Error,
        isTypeError: reason instanceof TypeError,
        isDOMException: reason instanceof DOMException,
        hasStack: typeof reason?.stack === 'string',
        plain: reason instanceof Error ? null : reason,
      };
    }, expression);
  }

  test('a TypeError reason arrives as a TypeError with its message, after the last value', async () => {
    const r = await reasonAcross('new TypeError("bad input")');
    expect(r).toMatchObject({
      got: ['last'],
      name: 'TypeError',
      message: 'bad input',
      isTypeError: true,
      hasStack: true,
    });
    expect(r.result.value).toEqual({ sent: 1, undelivered: [] });
  });

  test('a DOMException reason (AbortError) arrives as a DOMException of that name', async () => {
    const r = await reasonAcross('new DOMException("stopped", "AbortError")');
    expect(r).toMatchObject({ name: 'AbortError', message: 'stopped', isDOMException: true });
  });

  test('a string reason arrives as that string', async () => {
    const r = await reasonAcross('"just a string"');
    expect(r).toMatchObject({ isError: false, plain: 'just a string' });
  });

  test('an Error subclass arrives as an Error with its message (the platform keeps only standard names)', async () => {
    const r = await reasonAcross(
      '(() => { class Custom extends Error {} const e = new Custom("custom"); e.name = "Custom"; return e; })()',
    );
    expect(r).toMatchObject({ isError: true, message: 'custom' });
  });

  test('a reason that cannot be cloned arrives as an Error whose message contains reason.message', async () => {
    const r = await reasonAcross('({ message: "uncloneable reason", f() {} })');
    expect(r.isError).toBe(true);
    expect(r.message).toContain('uncloneable reason');
    expect(r.result.value ?? r.result.error).toMatchObject({ sent: 1 });
  });
});

// html/infrastructure/safe-passing-of-structured-data/transfer-errors.window.js
describe('html/infrastructure/safe-passing-of-structured-data/transfer-errors.window.js', () => {
  const failures: [string, string, string][] = [
    [
      'transferring a detached ArrayBuffer throws DataCloneError: toPort rejects, the value undelivered',
      '(() => { const b = new ArrayBuffer(4); structuredClone(b, { transfer: [b] }); return b; })()',
      '(v) => [v]',
    ],
    [
      'a transfer list with a non-transferable object: toPort rejects, the value undelivered',
      '({ a: 1 })',
      '(v) => [v]',
    ],
    [
      'a transfer function that throws: toPort rejects, the value undelivered',
      '1',
      '() => { throw new RangeError("no list") }',
    ],
  ];
  for (const [name, expression, transfer] of failures) {
    test(name, async () => {
      const page = await openPage(pages);
      const result = await page.evaluate(
        async ({ expression, transfer }) => {
          const { Channel, fromPort, toPort } = window.lib;
          const { port1, port2 } = new MessageChannel();
          const local = new Channel(0);
          const remote = fromPort(port2, { capacity: 2 });
          const sending = window.settle(toPort(local, port1, { transfer: window.value(transfer) }));
          await local.push(window.value(expression));
          const outcome = await window.within(sending, 10_000, 'toPort');
          const ended = await window.within(window.drain(remote), 10_000, 'remote ends');
          return { outcome, ended };
        },
        { expression, transfer },
      );
      expect(result.outcome.error).toMatchObject({ sent: 0 });
      expect(result.outcome.error.undelivered).toHaveLength(1);
      expect(result.ended.values).toEqual([]);
      expect(result.ended.error).toMatchObject({ isError: true });
      expect(result.ended.error.message).toMatch(/could not be posted/);
    });
  }
});

// Transferables other than ArrayBuffer: ReadableStream (streams/transferable), ImageBitmap and
// OffscreenCanvas (html/canvas/…/transferable), as safe-passing-of-structured-data lists them.
describe('html/infrastructure/safe-passing-of-structured-data: other transferables', () => {
  test('a ReadableStream listed by transfer arrives readable', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue('a');
          controller.enqueue('b');
          controller.close();
        },
      });
      const local = new Channel(1);
      const sending = toPort(local, port1, { transfer: (value: ReadableStream) => [value] });
      const remote = fromPort(port2, { capacity: 1 });
      await local.push(stream);
      local.close();
      const received: ReadableStream = await remote.pull();
      const chunks: string[] = [];
      for await (const chunk of received as any) chunks.push(chunk);
      return { chunks, result: await sending };
    });
    expect(result).toEqual({ chunks: ['a', 'b'], result: { sent: 1, undelivered: [] } });
  });

  test('a ReadableStream without transfer cannot be cloned: toPort rejects with DataCloneError as cause', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(1);
      const sending = window.settle(toPort(local, port1));
      const remote = fromPort(port2, { capacity: 1 });
      await local.push(new ReadableStream());
      local.close();
      return { outcome: await window.within(sending, 10_000, 'toPort'), ended: await window.drain(remote) };
    });
    expect(result.outcome.error).toMatchObject({ name: 'TypeError', causeName: 'DataCloneError', sent: 0 });
    expect(result.ended.error?.message).toMatch(/could not be posted/);
  });

  test('an ImageBitmap listed by transfer arrives with its size; the original is detached (width 0)', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const bitmap = await createImageBitmap(new ImageData(3, 2));
      const local = new Channel(1);
      const sending = toPort(local, port1, { transfer: (value: ImageBitmap) => [value] });
      const remote = fromPort(port2, { capacity: 1 });
      await local.push(bitmap);
      local.close();
      const received: ImageBitmap = await remote.pull();
      return { size: [received.width, received.height], after: bitmap.width, result: await sending };
    });
    expect(result).toEqual({ size: [3, 2], after: 0, result: { sent: 1, undelivered: [] } });
  });

  test('an OffscreenCanvas listed by transfer arrives with its size', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const canvas = new OffscreenCanvas(5, 4);
      const local = new Channel(1);
      const sending = toPort(local, port1, { transfer: (value: OffscreenCanvas) => [value] });
      const remote = fromPort(port2, { capacity: 1 });
      await local.push(canvas);
      local.close();
      const received: OffscreenCanvas = await remote.pull();
      return { size: [received.width, received.height], after: canvas.width, result: await sending };
    });
    expect(result).toEqual({ size: [5, 4], after: 0, result: { sent: 1, undelivered: [] } });
  });
});

// webmessaging/broadcastchannel/basics.html: a BroadcastChannel has postMessage and
// addEventListener('message'), the shape chanasync/port accepts.
describe('webmessaging/broadcastchannel/basics.html', () => {
  test('a stream between two BroadcastChannel objects of one name arrives in order and closes', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const a = new BroadcastChannel('ak');
      const b = new BroadcastChannel('ak');
      const local = new Channel(2);
      const sending = toPort(local, a);
      const draining = window.drain(fromPort(b, { capacity: 2 }));
      for (let i = 0; i < 6; i++) await local.push(i);
      local.close();
      const got = await window.within(draining, 10_000, 'drain');
      const result = await window.within(sending, 10_000, 'toPort');
      a.close();
      b.close();
      return { got, result };
    });
    expect(result.got).toEqual({ values: [0, 1, 2, 3, 4, 5], error: null });
    expect(result.result).toEqual({ sent: 6, undelivered: [] });
  });
});

// Foreign messages on the port (webmessaging/event.data.htm's "any data"): ignored by the stream.
describe('webmessaging/event.data.htm: foreign messages on a stream port', () => {
  test('junk posted on the same MessageChannel, in both directions, does not disturb the stream', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort, PORT_SOURCE } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const junk = [
        null,
        'text',
        42,
        { source: PORT_SOURCE },
        { source: PORT_SOURCE, kind: 'batch' },
        [1, 2],
        { type: 'x' },
      ];
      const local = new Channel(2);
      const sending = toPort(local, port1);
      const draining = window.drain(fromPort(port2, { capacity: 2 }));
      for (let i = 0; i < 8; i++) {
        for (const message of junk) {
          port1.postMessage(message);
          port2.postMessage(message);
        }
        await local.push(i);
      }
      local.close();
      return {
        got: await window.within(draining, 10_000, 'drain'),
        result: await window.within(sending, 10_000, 'toPort'),
      };
    });
    expect(result.got).toEqual({ values: [0, 1, 2, 3, 4, 5, 6, 7], error: null });
    expect(result.result).toEqual({ sent: 8, undelivered: [] });
  });

  test('two named streams over one MessageChannel stay apart', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const a = new Channel(1);
      const b = new Channel(1);
      const sendingA = toPort(a, port1, { name: 'a' });
      const sendingB = toPort(b, port2, { name: 'b' });
      const gotA = window.drain(fromPort(port2, { name: 'a', capacity: 1 }));
      const gotB = window.drain(fromPort(port1, { name: 'b', capacity: 1 }));
      for (let i = 0; i < 5; i++) {
        await a.push(`a${i}`);
        await b.push(`b${i}`);
      }
      a.close();
      b.close();
      return { a: await gotA, b: await gotB, ra: await sendingA, rb: await sendingB };
    });
    expect(result.a.values).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(result.b.values).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(result.ra.sent + result.rb.sent).toBe(10);
  });
});

// webmessaging/broadcastchannel/basics.html: every other object of the name hears a message.
describe('webmessaging/broadcastchannel/basics.html (several listeners)', () => {
  test('two receivers of one name on two BroadcastChannel objects: no value is committed twice, none is lost', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const a = new BroadcastChannel('ak-many');
      const b = new BroadcastChannel('ak-many');
      const c = new BroadcastChannel('ak-many');
      const local = new Channel(10);
      await local.pushAll(Array.from({ length: 10 }, (_, i) => i));
      local.close();
      // Either receiver may pair with the sender; the other never pairs and stays open.
      const receivers = [fromPort(b, { capacity: 2 }), fromPort(c, { capacity: 2 })];
      const got: unknown[][] = [[], []];
      const ended = [false, false];
      receivers.forEach((receiver, r) => {
        void (async () => {
          for await (const value of receiver) got[r]!.push(value);
          ended[r] = true;
        })();
      });
      const result = await window.within(toPort(local, a), 15_000, 'toPort');
      await window.until(() => ended[0] === true || ended[1] === true);
      for (const receiver of receivers) receiver.close();
      for (const bc of [a, b, c]) bc.close();
      return { result, got, ended };
    });
    expect(result.result).toEqual({ sent: 10, undelivered: [] });
    expect(result.ended.filter(Boolean)).toHaveLength(1);
    const paired = result.ended[0] ? 0 : 1;
    expect(result.got[paired]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.got[1 - paired]).toEqual([]);
  });
});

// webmessaging/Transferred_objects_unusable.htm, for the port a stream runs on
describe('webmessaging/Transferred_objects_unusable.htm (the stream port itself)', () => {
  test('a receiving port transferred away mid-stream: the old fromPort closes (gone), the sender accounts for every value', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const local = new Channel(8);
      await local.pushAll(Array.from({ length: 8 }, (_, i) => i));
      local.close();
      const remote = fromPort(port2, { capacity: 2 });
      const sending = toPort(local, port1);
      const first = await remote.pull();
      const elsewhere = new MessageChannel();
      elsewhere.port1.postMessage(null, [port2]);
      const rest = await window.within(window.drain(remote), 20_000, 'old receiver closes');
      const result = await window.within(sending, 20_000, 'toPort settles');
      elsewhere.port1.close();
      elsewhere.port2.close();
      return { first, rest, sent: result.sent, undelivered: result.undelivered, left: local.size };
    });
    expect(result.first).toBe(0);
    const committed = [result.first, ...result.rest.values];
    expect(committed).toEqual(Array.from({ length: committed.length }, (_, i) => i));
    expect(result.rest.error).toMatchObject({ name: 'ChannelError' });
    expect(result.sent).toBe(committed.length);
    expect(result.sent + result.undelivered.length + result.left).toBe(8);
  });
});
