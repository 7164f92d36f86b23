/**
 * Audit BC-input: `chanasync/port` and `chanasync/debug` entry points given bad input. All hold:
 * `toPort` rejects (it returns a promise), `fromPort`, `enableDebug` and `relayDebug` throw, each
 * naming the call; no listener is left on the port or the signal, nothing is pulled, and a failed
 * `enableDebug` leaves debug mode off.
 */
import { getEventListeners } from 'node:events';
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, relayDebug, snapshot } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { expectFailure, outcome, settle } from './helpers.js';

const target = { postMessage() {} };

describe('toPort and fromPort given bad input', () => {
  const toPortRows: [string, (ch: Channel<number>, port: MessagePort, signal: AbortSignal) => unknown, RegExp][] = [
    ['toPort()', () => (toPort as any)(), /channel is not a chanasync Channel/],
    ['toPort(5, port)', (_c, p) => toPort(5 as never, p), /channel is not a chanasync Channel/],
    ['toPort(ch)', (c) => (toPort as any)(c), /port must be a MessagePort/],
    ['toPort(ch, {})', (c) => toPort(c, {} as never), /port has no postMessage/],
    ['toPort(ch, port, null)', (c, p) => toPort(c, p, null as never), /options must be an object/],
    [
      'toPort(ch, port, { name: 5 })',
      (c, p, s) => toPort(c, p, { name: 5 as never, signal: s }),
      /name must be a string/,
    ],
    ['toPort(ch, port, { name: null })', (c, p) => toPort(c, p, { name: null as never }), /name must be a string/],
    ['toPort(ch, port, { transfer: 5 })', (c, p, s) => toPort(c, p, { transfer: 5 as never, signal: s }), /transfer/],
    ['toPort(ch, port, { origin: "nope" })', (c, p, s) => toPort(c, p, { origin: 'nope', signal: s }), /origin/],
    [
      'toPort(ch, port, { signal: {} })',
      (c, p) => toPort(c, p, { signal: {} as never }),
      /signal is not an AbortSignal/,
    ],
  ];
  it.each(toPortRows)(
    '(holds) %s rejects with a TypeError naming toPort, pulls nothing, adds no listener',
    async (_l, call, message) => {
      const { port1, port2 } = new MessageChannel();
      const { signal } = new AbortController();
      const ch = new Channel<number>(2);
      ch.pushNowait(1);
      try {
        expectFailure(
          await outcome(() => call(ch, port1, signal)),
          'reject',
          TypeError,
          /^toPort\(channel, port, options\)/,
        );
        expectFailure(await outcome(() => call(ch, port1, signal)), 'reject', TypeError, message);
        await settle();
        expect(ch.stats()).toMatchObject({ size: 1, waitingPullers: 0 });
        expect(getEventListeners(port1, 'message')).toHaveLength(0);
        expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      } finally {
        port1.close();
        port2.close();
      }
    },
  );

  it('(holds) a getter of toPort’s options that throws rejects (never throws)', async () => {
    const { port1, port2 } = new MessageChannel();
    const got = await outcome(() =>
      toPort(new Channel(), port1, {
        get name(): string {
          throw new Error('getter');
        },
      }),
    );
    expect(got.how).toBe('reject');
    port1.close();
    port2.close();
  });

  const fromPortRows: [string, object | unknown, new (...args: any[]) => Error, RegExp][] = [
    ['fromPort(port, "x")', 'x', TypeError, /options must be an object/],
    ['fromPort(port, null)', null, TypeError, /options must be an object/],
    ['fromPort(port, { capacity: -1 })', { capacity: -1 }, RangeError, /capacity .*got -1/],
    ['fromPort(port, { capacity: NaN })', { capacity: Number.NaN }, RangeError, /capacity .*NaN/],
    ['fromPort(port, { capacity: 0.5 })', { capacity: 0.5 }, RangeError, /capacity .*0\.5/],
    ['fromPort(port, { capacity: "1" })', { capacity: '1' }, TypeError, /capacity must be a number/],
    ['fromPort(port, { capacity: null })', { capacity: null }, TypeError, /capacity must be a number/],
    ['fromPort(port, { name: 5 })', { name: 5 }, TypeError, /name must be a string/],
    ['fromPort(port, { origin: 5 })', { origin: 5 }, TypeError, /origin must be a string/],
    ['fromPort(port, { origin: "nope" })', { origin: 'nope' }, TypeError, /origin must be/],
    ['fromPort(port, { signal: {} })', { signal: {} }, TypeError, /signal is not an AbortSignal/],
  ];
  it.each(fromPortRows)(
    '(holds) %s throws, naming fromPort, and leaves the port and the name free',
    async (_l, options, type, message) => {
      const { port1, port2 } = new MessageChannel();
      try {
        expectFailure(
          await outcome(() => fromPort(port1, options as never)),
          'throw',
          type,
          /^fromPort\(port, options\)/,
        );
        expectFailure(await outcome(() => fromPort(port1, options as never)), 'throw', type, message);
        expect(getEventListeners(port1, 'message')).toHaveLength(0);
        const ok = fromPort(port1); // the name '' is free
        ok.close();
      } finally {
        port1.close();
        port2.close();
      }
    },
  );

  it.each([
    ['fromPort()', () => (fromPort as any)(), /port must be/],
    ['fromPort({ postMessage })', () => fromPort({ postMessage() {} } as never), /no addEventListener/],
    ['fromPort({ addEventListener })', () => fromPort({ addEventListener() {} } as never), /no postMessage/],
  ])('(holds) %s throws a TypeError naming fromPort and what the port lacks', (_l, call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });
});

describe('debug mode given bad input', () => {
  afterEach(() => disableDebug());

  const rows: [string, unknown, new (...args: any[]) => Error, RegExp][] = [
    ['enableDebug("x")', 'x', TypeError, /options must be an object, got string/],
    ['enableDebug(null)', null, TypeError, /options must be an object, got null/],
    ['enableDebug({ target: {} })', { target: {} }, TypeError, /target has no postMessage/],
    ['enableDebug({ target: null })', { target: null }, TypeError, /target has no postMessage/],
    ['enableDebug({ listen: {} })', { target, listen: {} }, TypeError, /listen is not an EventTarget/],
    ['enableDebug({ intervalMs: -1 })', { target, intervalMs: -1 }, RangeError, /intervalMs .*-1/],
    ['enableDebug({ intervalMs: 0 })', { target, intervalMs: 0 }, RangeError, /intervalMs .*0/],
    ['enableDebug({ intervalMs: NaN })', { target, intervalMs: Number.NaN }, RangeError, /intervalMs .*NaN/],
    ['enableDebug({ intervalMs: Infinity })', { target, intervalMs: Number.POSITIVE_INFINITY }, RangeError, /Infinity/],
    ['enableDebug({ intervalMs: "5" })', { target, intervalMs: '5' }, TypeError, /intervalMs must be a number/],
    ['enableDebug({ stacks: 1 })', { target, stacks: 1 }, TypeError, /stacks must be a boolean/],
    ['enableDebug({ warnLeaks: "no" })', { target, warnLeaks: 'no' }, TypeError, /warnLeaks must be a boolean/],
  ];
  it.each(rows)(
    '(holds) %s throws, naming enableDebug, and leaves debug mode off',
    async (_l, options, type, message) => {
      expectFailure(await outcome(() => enableDebug(options as never)), 'throw', type, /^enableDebug\(options\)/);
      expectFailure(await outcome(() => enableDebug(options as never)), 'throw', type, message);
      new Channel(0, { name: 'after-failed-enable' });
      expect(snapshot().channels).toHaveLength(0);
    },
  );

  it.each([
    ['relayDebug()', () => (relayDebug as any)(), /worker has no/],
    ['relayDebug(port, "x")', () => relayDebug(new MessageChannel().port1, 'x' as never), /options must be an object/],
    [
      'relayDebug(port, { url: 5 })',
      () => relayDebug(new MessageChannel().port1, { url: 5 as never }),
      /url must be a string/,
    ],
    [
      'relayDebug(port, { signal: {} })',
      () => relayDebug(new MessageChannel().port1, { signal: {} as never }),
      /signal/,
    ],
  ])('(holds) %s throws a TypeError naming relayDebug', (_l, call, message) => {
    expect(call).toThrow(/^relayDebug\(worker, options\)/);
    expect(call).toThrow(message);
  });

  it('(holds) disableDebug, snapshot and clearLeaks with debug mode off and extra arguments do not throw', () => {
    expect(() => (disableDebug as any)(1, 2)).not.toThrow();
    expect(snapshot().channels).toEqual([]);
  });
});
