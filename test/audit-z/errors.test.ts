/**
 * Audit Z: bad arguments to every export. Each gives a TypeError (wrong type) or RangeError
 * (right type, bad value) at the call, naming the function and the problem; a function that
 * returns a promise rejects rather than throws; nothing is left behind — no waiter, no listener,
 * no timer, no locked stream — and the error message never runs the bad argument's own code.
 */

import {
  after as afterMs,
  broadcast,
  Channel,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from 'chanasync';
import { afterEach, describe, expect, it } from 'vitest';
import { pendingTimers } from '../helpers/timers.js';

/** An argument whose conversions to a string or number throw: a message must not use them. */
const hostile = {
  toString() {
    throw new Error('toString was called');
  },
  valueOf() {
    throw new Error('valueOf was called');
  },
  [Symbol.toPrimitive]() {
    throw new Error('toPrimitive was called');
  },
};
const nullProto = Object.create(null) as object;
const badValues: [string, unknown][] = [
  ['hostile object', hostile],
  ['null-prototype object', nullProto],
  ['symbol', Symbol('s')],
  ['bigint', 5n],
];

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return 'did not throw';
}

/** The error a sync call throws; fails if it returns or throws something not an Error. */
function errorOf(f: () => unknown): Error {
  const error = thrown(f);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

let timers: ReturnType<typeof pendingTimers> | undefined;
/** Counts the timers set from now on that are still pending (`timers.pending()`), until the test ends. */
function countTimers(): void {
  timers = pendingTimers();
}
afterEach(() => {
  timers?.restore();
});

describe('audit Z: bad arguments to constructors and helpers throw at the call', () => {
  it.each(badValues)(
    'new Channel(1, { overflow: %s }) is a TypeError naming the option, without calling it',
    (_, bad) => {
      // Was: the message was built with String(overflow), which ran the argument's toString
      // (throwing its error instead of the TypeError) and threw "Cannot convert object to
      // primitive value" for a null-prototype object.
      const error = errorOf(() => new Channel(1, { overflow: bad as never }));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(
        /^new Channel\(capacity, options\): overflow must be "block", "drop-oldest" or "drop-newest", got \S+$/,
      );
    },
  );

  it.each(badValues)('broadcast.subscribe and fromEvent name themselves for overflow: %s', (_, bad) => {
    const hub = broadcast(new Channel<number>());
    const e1 = errorOf(() => hub.subscribe({ overflow: bad as never }));
    expect(e1).toBeInstanceOf(TypeError);
    expect(e1.message).toMatch(/^broadcast\.subscribe\(options\): overflow must be/);
    const target = new EventTarget();
    let added = 0;
    const add = target.addEventListener.bind(target);
    target.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => {
      added++;
      add(...args);
    };
    const e2 = errorOf(() => fromEvent(target, 'x', { overflow: bad as never }));
    expect(e2).toBeInstanceOf(TypeError);
    expect(e2.message).toMatch(/^fromEvent\(target, type, options\): overflow must be/);
    expect(added).toBe(0);
  });

  it.each(badValues)('a capacity or delay of type %s is a TypeError naming the call', (_, bad) => {
    countTimers();
    const calls: [string, () => unknown][] = [
      ['new Channel(capacity, options)', () => new Channel(bad as never)],
      ['from(source, options)', () => from([1], { capacity: bad as never })],
      ['fromEvent(target, type, options)', () => fromEvent(new EventTarget(), 'x', { capacity: bad as never })],
      ['broadcast.subscribe(options)', () => broadcast(new Channel()).subscribe({ capacity: bad as never })],
      ['after(ms)', () => afterMs(bad as never)],
      ['ticker(ms)', () => ticker(bad as never)],
    ];
    for (const [name, call] of calls) {
      const error = errorOf(call);
      expect(error, name).toBeInstanceOf(TypeError);
      expect(error.message.startsWith(`${name}: `), error.message).toBe(true);
    }
    expect(timers?.pending()).toBe(0);
  });

  it('toReadableStream: a bad highWaterMark is a RangeError naming the option (as the README documents), without running it', () => {
    // (Every other numeric argument that is not a number is a TypeError; this one is documented
    // and pinned as a RangeError: left as is, see the audit report.)
    const channel = new Channel<number>();
    for (const bad of ['1', hostile, nullProto, 1n, Symbol('s'), true, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = errorOf(() => toReadableStream(channel, { highWaterMark: bad as never }));
      expect(error, String(typeof bad)).toBeInstanceOf(RangeError);
      expect(error.message).toMatch(
        /^toReadableStream\(channel, options\): options\.highWaterMark must be a finite number ≥ 0, got \S+$/,
      );
    }
    expect(channel.stats()).toMatchObject({ waitingPullers: 0 });
  });

  it('a bad argument whose constructor getter throws, or whose class name is not a string, is still described as an object', () => {
    // Was: the helpers' messages read `value.constructor.name` and put it in a template, so a
    // throwing `constructor` getter replaced the TypeError with its own error, and
    // a `name` that is an object ran its toString. (Reading the properties a check needs, such
    // as `addEventListener`, is still a read: a Proxy that throws on every read throws there.)
    const throwing = Object.defineProperty({}, 'constructor', {
      get() {
        throw new Error('constructor was read');
      },
    });
    const oddName = { constructor: { name: hostile } };
    for (const bad of [throwing, oddName]) {
      const calls: [string, () => unknown][] = [
        [
          'fromEvent(target, type, options): target is not an EventTarget, got object',
          () => fromEvent(bad as never, 'x'),
        ],
        [
          'from(source, options): source must be an iterable, an async iterable or a ReadableStream, got object',
          () => from(bad as never),
        ],
        [
          'toReadableStream(channel, options): channel is not a chanasync Channel, got object',
          () => toReadableStream(bad as never),
        ],
        [
          'after(ms, options): options.signal must be an AbortSignal, got object',
          () => afterMs(10, { signal: bad as never }),
        ],
      ];
      for (const [message, call] of calls) {
        const error = errorOf(call);
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toBe(message);
      }
    }
  });

  it('from() with a bad option neither locks the stream nor opens the iterator', () => {
    const stream = new ReadableStream<number>();
    let opened = 0;
    const iterable = {
      [Symbol.iterator]() {
        opened++;
        return [1][Symbol.iterator]();
      },
    };
    for (const options of [
      { capacity: -1 },
      { capacity: '1' },
      { signal: {} },
      { name: 5 },
      5,
      new AbortController().signal,
    ]) {
      expect(thrown(() => from(stream, options as never))).toBeInstanceOf(Error);
      expect(thrown(() => from(iterable, options as never))).toBeInstanceOf(Error);
    }
    expect(stream.locked).toBe(false);
    expect(opened).toBe(0);
  });

  it('after/ticker with bad options start no timer; merge and broadcast refuse non-channels', () => {
    countTimers();
    for (const options of [5, { signal: 1 }, new AbortController().signal]) {
      expect(thrown(() => afterMs(10, options as never))).toBeInstanceOf(TypeError);
      expect(thrown(() => ticker(10, options as never))).toBeInstanceOf(TypeError);
    }
    expect(timers?.pending()).toBe(0);
    const channel = new Channel<number>();
    const e = errorOf(() => merge(channel, (async function* () {})() as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^merge\(\.\.\.channels\): argument 1 is not a chanasync Channel/);
    // The good input got no parked pull from the refused merge.
    expect(channel.stats().waitingPullers).toBe(0);
    expect(errorOf(() => broadcast(toReadableStream(channel) as never))).toBeInstanceOf(TypeError);
    expect(errorOf(() => pull({} as never)).message).toMatch(/^pull\(channel\)/);
    expect(errorOf(() => push({} as never, 1)).message).toMatch(/^push\(channel\)/);
  });
});

describe('audit Z: promise-returning operations reject, never throw, and leave nothing', () => {
  const channel = new Channel<number>(1, { name: 'target' });
  const cases: [string, () => Promise<unknown>, new (...args: never[]) => Error, RegExp][] = [
    ['push options', () => channel.push(1, 5 as never), TypeError, /^push: options must be an object/],
    ['push signal', () => channel.push(1, { signal: {} as never }), TypeError, /^push: options\.signal/],
    [
      'pull options',
      () => channel.pull(new AbortController().signal as never),
      TypeError,
      /^pull: options is an AbortSignal/,
    ],
    ['pullMany max 0', () => channel.pullMany(0), RangeError, /^pullMany\(max\)/],
    ['pullMany max 1.5', () => channel.pullMany(1.5), RangeError, /^pullMany\(max\)/],
    ['pullMany max hostile', () => channel.pullMany(hostile as never), TypeError, /^pullMany\(max\).*got object$/],
    ['pullMany max bigint', () => channel.pullMany(1n as never), TypeError, /^pullMany\(max\).*got bigint$/],
    ['pushAll 5', () => channel.pushAll(5 as never), TypeError, /^pushAll\(values\): values is not iterable/],
    [
      'pushAll non-callable Symbol.iterator',
      () => channel.pushAll({ [Symbol.iterator]: 5 } as never),
      TypeError,
      /^pushAll\(values\): values is not iterable/,
    ],
    [
      'pushAll hostile',
      () => channel.pushAll(hostile as never),
      TypeError,
      /^pushAll\(values\): values is not iterable/,
    ],
    ['pushAll async iterable', () => channel.pushAll(new Channel<number>() as never), TypeError, /^pushAll\(values\)/],
    ['select not array', () => select(hostile as never), TypeError, /^select\(cases\): cases must be an array/],
    ['select empty', () => select([null, undefined]), TypeError, /^select\(cases\): needs at least one case/],
    [
      'select promise entry',
      () => select([channel.pull() as never]),
      TypeError,
      /^select\(cases\): case 0 is not a case \(a promise/,
    ],
    ['select options', () => select([pull(channel)], 5 as never), TypeError, /^select: options must be an object/],
  ];

  it.each(cases)('%s', async (_, call, type, message) => {
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = call();
    }).not.toThrow();
    const error = await (promise as Promise<unknown>).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    // A refused argument committed nothing: no count.
    expect(error).not.toHaveProperty('pushed');
    // The select case 'select promise entry' parked a pull of its own on the channel: withdraw it.
    channel.tryPush(0);
    channel.tryPull();
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('selectNowait throws (it returns no promise) and commits nothing', () => {
    const a = new Channel<number>(1);
    a.tryPush(1);
    expect(errorOf(() => selectNowait([pull(a), 5 as never]))).toBeInstanceOf(TypeError);
    expect(errorOf(() => selectNowait(hostile as never))).toBeInstanceOf(TypeError);
    expect(a.size).toBe(1);
  });
});
