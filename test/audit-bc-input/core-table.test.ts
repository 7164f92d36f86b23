/**
 * Audit BC-input: every public entry point of `chanasync` called with each kind of bad input.
 * Each row checks (1) the failure comes at the call, as a throw for a synchronous function and a
 * rejection for one that returns a promise, with the right class and a message naming the call
 * and the problem; (2) nothing is lost or left behind: buffered values, their order and parked
 * waiters are as before, no listener stays on the signal, no timer stays pending, and the channel
 * still works. All rows here hold (they are named "(holds) …").
 */
import { getEventListeners } from 'node:events';
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
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectFailure, outcome, settle } from './helpers.js';

type Row = [label: string, call: (ch: any) => unknown, type: new (...args: any[]) => Error, message: RegExp];

const controller = new AbortController();
const signalAsOptions = new AbortController().signal;
async function* asyncValues() {
  yield 3;
}

/** Bad calls of the channel's own methods that return a promise: each must reject. */
const rejecting: Row[] = [
  ['push(3, "x")', (ch) => ch.push(3, 'x'), TypeError, /^push: options must be an object/],
  ['push(3, 5)', (ch) => ch.push(3, 5), TypeError, /^push: options must be an object/],
  ['push(3, () => {})', (ch) => ch.push(3, () => {}), TypeError, /^push: options must be an object/],
  ['push(3, { signal: controller })', (ch) => ch.push(3, { signal: controller }), TypeError, /^push: options\.signal/],
  ['push(3, { signal: { aborted: true } })', (ch) => ch.push(3, { signal: { aborted: true } }), TypeError, /^push:/],
  ['push(3, { signal: null })', (ch) => ch.push(3, { signal: null }), TypeError, /^push: options\.signal/],
  ['push(3, signal)', (ch) => ch.push(3, signalAsOptions), TypeError, /^push: options is an AbortSignal/],
  ['push(promise)', (ch) => ch.push(Promise.resolve(3)), TypeError, /^push: value is a thenable/],
  ['pull("x")', (ch) => ch.pull('x'), TypeError, /^pull: options must be an object/],
  ['pull({ signal: controller })', (ch) => ch.pull({ signal: controller }), TypeError, /^pull: options\.signal/],
  ['pull(signal)', (ch) => ch.pull(signalAsOptions), TypeError, /^pull: options is an AbortSignal/],
  ['pullMany()', (ch) => ch.pullMany(), TypeError, /^pullMany\(max\): max must be a positive integer, got undefined/],
  ['pullMany(0)', (ch) => ch.pullMany(0), RangeError, /^pullMany\(max\): .*got 0/],
  ['pullMany(-1)', (ch) => ch.pullMany(-1), RangeError, /^pullMany\(max\): .*got -1/],
  ['pullMany(0.5)', (ch) => ch.pullMany(0.5), RangeError, /^pullMany\(max\): .*got 0\.5/],
  ['pullMany(NaN)', (ch) => ch.pullMany(Number.NaN), RangeError, /^pullMany\(max\): .*got NaN/],
  ['pullMany(Infinity)', (ch) => ch.pullMany(Number.POSITIVE_INFINITY), RangeError, /^pullMany\(max\): .*Infinity/],
  ['pullMany("3")', (ch) => ch.pullMany('3'), TypeError, /^pullMany\(max\): .*got string/],
  ['pullMany(3n)', (ch) => ch.pullMany(3n), TypeError, /^pullMany\(max\): .*got bigint/],
  ['pullMany({ valueOf })', (ch) => ch.pullMany({ valueOf: () => 3 }), TypeError, /^pullMany\(max\): .*got object/],
  ['pullMany(1, "x")', (ch) => ch.pullMany(1, 'x'), TypeError, /^pullMany: options must be an object/],
  ['pullMany(1, signal)', (ch) => ch.pullMany(1, signalAsOptions), TypeError, /^pullMany: options is an AbortSignal/],
  ['pushAll()', (ch) => ch.pushAll(), TypeError, /^pushAll\(values\): values is not iterable/],
  ['pushAll(null)', (ch) => ch.pushAll(null), TypeError, /^pushAll\(values\): values is not iterable/],
  ['pushAll(5)', (ch) => ch.pushAll(5), TypeError, /^pushAll\(values\): values is not iterable/],
  ['pushAll({})', (ch) => ch.pushAll({}), TypeError, /^pushAll\(values\): values is not iterable/],
  ['pushAll(async generator)', (ch) => ch.pushAll(asyncValues()), TypeError, /^pushAll\(values\): .*async/],
  ['pushAll([3], "x")', (ch) => ch.pushAll([3], 'x'), TypeError, /^pushAll: options must be an object/],
  ['pushAll([3], signal)', (ch) => ch.pushAll([3], signalAsOptions), TypeError, /^pushAll: options is an AbortSignal/],
  ['pushAll([promise])', (ch) => ch.pushAll([Promise.resolve(3)]), TypeError, /^pushAll: value is a thenable/],
  ['select()', () => (select as any)(), TypeError, /^select\(cases\): cases must be an array/],
  ['select(null)', () => select(null as never), TypeError, /^select\(cases\): cases must be an array/],
  ['select("ab")', () => select('ab' as never), TypeError, /^select\(cases\): cases must be an array/],
  ['select([])', () => select([]), TypeError, /^select\(cases\): needs at least one case/],
  ['select([null, undefined])', () => select([null, undefined]), TypeError, /^select\(cases\): needs at least one/],
  ['select([5])', () => select([5 as never]), TypeError, /^select\(cases\): case 0 is not a case/],
  ['select([pull(ch), {}])', (ch) => select([pull(ch), {} as never]), TypeError, /^select\(cases\): case 1 is not/],
  ['select([pull(ch)], "x")', (ch) => select([pull(ch)], 'x' as never), TypeError, /^select: options must be an/],
  ['select([pull(ch)], { signal: {} })', (ch) => select([pull(ch)], { signal: {} as never }), TypeError, /^select:/],
  [
    'select([pull(ch)], signal)',
    (ch) => select([pull(ch)], signalAsOptions as never),
    TypeError,
    /^select: options is/,
  ],
  [
    'select([ch.pull()])',
    (ch) => select([ch.pull({ signal: AbortSignal.abort() }).catch(() => {})]),
    TypeError,
    /^select/,
  ],
];

/** Bad calls of synchronous functions: each must throw. */
const throwing: Row[] = [
  ['pushNowait(promise)', (ch) => ch.pushNowait(Promise.resolve(3)), TypeError, /^pushNowait: value is a thenable/],
  ['tryPush(promise)', (ch) => ch.tryPush(Promise.resolve(3)), TypeError, /^tryPush: value is a thenable/],
  ['selectNowait()', () => (selectNowait as any)(), TypeError, /^selectNowait\(cases\): cases must be an array/],
  ['selectNowait(null)', () => selectNowait(null as never), TypeError, /^selectNowait\(cases\): cases must be an/],
  ['selectNowait([{}])', () => selectNowait([{} as never]), TypeError, /^selectNowait\(cases\): case 0 is not a case/],
  ['pull(5) (case)', () => pull(5 as never), TypeError, /^pull\(channel\): channel is not a chanasync Channel/],
  ['pull() (case)', () => (pull as any)(), TypeError, /^pull\(channel\): channel is not a chanasync Channel/],
  ['push({}, 1) (case)', () => push({} as never, 1), TypeError, /^push\(channel\): channel is not a chanasync/],
  ['push(ch, promise) (case)', (ch) => push(ch, Promise.resolve(3)), TypeError, /^push\(channel, value\): value is a/],
  ['new Channel("1")', () => new Channel('1' as never), TypeError, /^new Channel\(capacity, options\): capacity/],
  ['new Channel(-1)', () => new Channel(-1), RangeError, /^new Channel\(capacity, options\): capacity .*got -1/],
  ['new Channel(0.5)', () => new Channel(0.5), RangeError, /^new Channel\(capacity, options\): capacity .*0\.5/],
  ['new Channel(NaN)', () => new Channel(Number.NaN), RangeError, /^new Channel\(capacity, options\): .*NaN/],
  ['new Channel(-Infinity)', () => new Channel(Number.NEGATIVE_INFINITY), RangeError, /^new Channel/],
  ['new Channel(1n)', () => new Channel(1n as never), TypeError, /^new Channel\(capacity, options\): .*bigint/],
  ['new Channel(null)', () => new Channel(null as never), TypeError, /^new Channel\(capacity, options\)/],
  ['new Channel({ capacity: 4 })', () => new Channel({ capacity: 4 } as never), TypeError, /^new Channel/],
  ['new Channel(1, "x")', () => new Channel(1, 'x' as never), TypeError, /options must be an object/],
  ['new Channel(1, { name: 5 })', () => new Channel(1, { name: 5 as never }), TypeError, /name must be a string/],
  ['new Channel(1, { name: null })', () => new Channel(1, { name: null as never }), TypeError, /name must be a/],
  ['new Channel(1, { overflow: "x" })', () => new Channel(1, { overflow: 'x' as never }), TypeError, /overflow must/],
  ['new Channel(0, { overflow: drop })', () => new Channel(0, { overflow: 'drop-oldest' }), RangeError, /capacity ≥ 1/],
  ['new Channel(1, { input: 1 })', () => new Channel(1, { input: 1 as never }), TypeError, /input must be a boolean/],
];

/** A channel holding [1, 2] in its buffer: what each bad call must leave as it found it. */
function holding() {
  const ch = new Channel<number>(3, { name: 'held' });
  ch.pushNowait(1);
  ch.pushNowait(2);
  return ch;
}

async function expectUntouched(ch: Channel<number>) {
  expect(ch.stats()).toEqual({
    name: 'held',
    capacity: 3,
    size: 2,
    closed: false,
    overflow: 'block',
    waitingPushers: 0,
    waitingPullers: 0,
  });
  // Still works, and the values come out once each, in order.
  await ch.push(3);
  expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
}

describe('the channel’s own methods and select, given bad input', () => {
  it.each(rejecting)(
    '(holds) %s rejects (never throws) with the right error and leaves the channel as it was',
    async (_label, call, type, message) => {
      const ch = holding();
      expectFailure(await outcome(() => call(ch)), 'reject', type, message);
      await expectUntouched(ch);
    },
  );

  it.each(throwing)(
    '(holds) %s throws at the call with the right error and leaves the channel as it was',
    async (_label, call, type, message) => {
      const ch = holding();
      expectFailure(await outcome(() => call(ch)), 'throw', type, message);
      await expectUntouched(ch);
    },
  );

  it.each(rejecting.filter(([label]) => /^(pull|select)/.test(label)))(
    '(holds) %s on an unbuffered channel leaves the parked push parked, and it is served afterwards',
    async (_label, call) => {
      const ch = new Channel<number>(0, { name: 'held' });
      let pushed = false;
      const parked = ch.push(42).then(() => {
        pushed = true;
      });
      await outcome(() => call(ch));
      expect(ch.stats().waitingPushers).toBe(1);
      expect(pushed).toBe(false);
      expect(await ch.pull()).toBe(42);
      await parked;
    },
  );

  it.each(rejecting.filter(([label]) => /^(push|select)/.test(label)))(
    '(holds) %s on an unbuffered channel leaves the parked pull parked, and it is served afterwards',
    async (_label, call) => {
      const ch = new Channel<number>(0, { name: 'held' });
      const parked = ch.pull();
      await outcome(() => call(ch));
      expect(ch.stats().waitingPullers).toBe(1);
      await ch.push(7);
      expect(await parked).toBe(7);
    },
  );

  it('(holds) pullMany(0), pushAll(5) and select([1]) on a closed channel report the misuse, not the close', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    expectFailure(await outcome(() => ch.pullMany(0)), 'reject', RangeError, /^pullMany\(max\)/);
    expectFailure(await outcome(() => ch.pushAll(5 as never)), 'reject', TypeError, /^pushAll\(values\)/);
    expectFailure(await outcome(() => ch.push(Promise.resolve(1) as never)), 'reject', TypeError, /thenable/);
    expect(() => ch.tryPush(Promise.resolve(1) as never)).toThrow(TypeError);
    expectFailure(await outcome(() => select([5 as never])), 'reject', TypeError, /case 0/);
  });

  it('(holds) a bad call made with a live signal leaves no listener on the signal', async () => {
    const ac = new AbortController();
    const { signal } = ac;
    const ch = holding();
    await outcome(() => ch.pullMany(0, { signal }));
    await outcome(() => ch.push(Promise.resolve(1) as never, { signal }));
    await outcome(() => ch.pushAll(5 as never, { signal }));
    await outcome(() => ch.pushAll([Promise.resolve(1)] as never, { signal }));
    await outcome(() => select([pull(ch), 5 as never], { signal }));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await expectUntouched(ch);
  });

  it('(holds) pushAll over an iterable that throws part-way commits the values before it, in order, and says how many', async () => {
    const ch = new Channel<number>(10);
    function* values() {
      yield 1;
      yield 2;
      throw new Error('source broke');
    }
    const error = (await ch.pushAll(values()).catch((e: unknown) => e)) as Error & { pushed: number };
    expect(error.message).toBe('source broke');
    expect(error.pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  it('(holds) pushAll over an iterable of promises refuses the first promise and keeps what came before', async () => {
    const ch = new Channel<number>(10);
    let closed = false;
    function* values() {
      try {
        yield 1;
        yield Promise.resolve(2) as never;
        yield 3;
      } finally {
        closed = true;
      }
    }
    const error = (await ch.pushAll(values()).catch((e: unknown) => e)) as TypeError & { pushed: number };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.pushed).toBe(1);
    expect(closed).toBe(true);
    expect(await ch.pullMany(10)).toEqual([1]);
  });

  it('(holds) select over duplicate case objects, duplicate channels and a closed pull case commits exactly one case', async () => {
    const a = new Channel<number>(1);
    const closed = new Channel<number>();
    closed.close();
    const one = pull(a);
    a.pushNowait(5);
    const result = await select([one, one, pull(a)]);
    expect(result.value).toBe(5);
    expect(a.size).toBe(0);
    expect(await select([pull(closed)])).toEqual({ index: 0, channel: closed, value: undefined, ok: false });
    expect(a.stats().waitingPullers).toBe(0);
  });

  it('(holds) huge numbers: capacity 2**53 and pullMany(Number.MAX_SAFE_INTEGER) work', async () => {
    const ch = new Channel<number>(2 ** 53);
    await ch.pushAll([1, 2, 3]);
    expect(await ch.pullMany(Number.MAX_SAFE_INTEGER)).toEqual([1, 2, 3]);
    expect(ch.capacity).toBe(2 ** 53);
  });

  it('(holds) a Proxy of a channel works as the channel, and select answers with the Proxy it was given', async () => {
    const target = new Channel<number>(1);
    const proxy = new Proxy(target, {});
    await proxy.push(1);
    const result = await select([pull(proxy)]);
    expect(result.channel).toBe(proxy);
    expect(result.value).toBe(1);
    expect(target.size).toBe(0);
  });
});

describe('helpers given bad input', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const timerRows: [string, () => unknown, new (...args: any[]) => Error, RegExp][] = [
    ['after()', () => (afterMs as any)(), TypeError, /^after\(ms\): ms must be a number, got undefined/],
    ['after("5")', () => afterMs('5' as never), TypeError, /^after\(ms\): ms must be a number, got string/],
    ['after(NaN)', () => afterMs(Number.NaN), RangeError, /^after\(ms\): ms must be a finite number, got NaN/],
    ['after(Infinity)', () => afterMs(Number.POSITIVE_INFINITY), RangeError, /^after\(ms\): .*Infinity/],
    ['after(5, null)', () => afterMs(5, null as never), TypeError, /^after\(ms, options\): options must be an object/],
    ['after(5, "x")', () => afterMs(5, 'x' as never), TypeError, /^after\(ms, options\): options must be an object/],
    [
      'after(5, { signal: {} })',
      () => afterMs(5, { signal: {} as never }),
      TypeError,
      /^after\(ms, options\): .*signal/,
    ],
    ['after(5, signal)', () => afterMs(5, signalAsOptions as never), TypeError, /^after\(ms, options\): options is an/],
    ['ticker()', () => (ticker as any)(), TypeError, /^ticker\(ms\): ms must be a number/],
    ['ticker("5")', () => ticker('5' as never), TypeError, /^ticker\(ms\): ms must be a number, got string/],
    ['ticker(0)', () => ticker(0), RangeError, /^ticker\(ms\): ms must be a positive finite number, got 0/],
    ['ticker(-1)', () => ticker(-1), RangeError, /^ticker\(ms\): .*got -1/],
    ['ticker(NaN)', () => ticker(Number.NaN), RangeError, /^ticker\(ms\): .*NaN/],
    ['ticker(Infinity)', () => ticker(Number.POSITIVE_INFINITY), RangeError, /^ticker\(ms\): .*Infinity/],
    ['ticker(5, null)', () => ticker(5, null as never), TypeError, /^ticker\(ms, options\): options must be an/],
    ['ticker(5, signal)', () => ticker(5, signalAsOptions as never), TypeError, /^ticker\(ms, options\): options is/],
  ];

  it.each(timerRows)(
    '(holds) %s throws at the call and leaves no timer pending',
    async (_label, call, type, message) => {
      vi.useFakeTimers();
      expectFailure(await outcomeSync(call), 'throw', type, message);
      expect(vi.getTimerCount()).toBe(0);
    },
  );

  it('(holds) after and ticker with huge or tiny delays give numbers and leave no timer once closed', async () => {
    vi.useFakeTimers();
    const channels = [afterMs(1e300), afterMs(2 ** 53), ticker(1e300), ticker(2 ** 53)];
    for (const channel of channels) channel.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
    const tiny = ticker(Number.MIN_VALUE);
    const ticks = [await tiny.pull(), await tiny.pull()];
    tiny.close();
    expect(ticks.every(Number.isFinite)).toBe(true);
  });

  const stream = () =>
    new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
        c.close();
      },
    });
  const fromRows: [string, (source: unknown) => unknown, new (...args: any[]) => Error, RegExp][] = [
    [
      'from(source, { capacity: -1 })',
      (s) => from(s as never, { capacity: -1 }),
      RangeError,
      /^from\(source, options\)/,
    ],
    [
      'from(source, { capacity: "1" })',
      (s) => from(s as never, { capacity: '1' as never }),
      TypeError,
      /^from\(source/,
    ],
    ['from(source, { name: 5 })', (s) => from(s as never, { name: 5 as never }), TypeError, /^from\(source, options\)/],
    ['from(source, "x")', (s) => from(s as never, 'x' as never), TypeError, /^from\(source, options\): options must/],
    ['from(source, { signal: {} })', (s) => from(s as never, { signal: {} as never }), TypeError, /^from\(source/],
    ['from(source, signal)', (s) => from(s as never, signalAsOptions as never), TypeError, /options is an AbortSignal/],
    ['from(source, () => {})', (s) => from(s as never, (() => {}) as never), TypeError, /options must be an object/],
  ];

  it.each(fromRows)(
    '(holds) %s throws before it locks a stream or opens an iterator',
    async (_label, call, type, message) => {
      const s = stream();
      expectFailure(await outcomeSync(() => call(s)), 'throw', type, message);
      expect(s.locked).toBe(false);
      let opened = 0;
      const iterable = {
        [Symbol.iterator]() {
          opened++;
          return [1][Symbol.iterator]();
        },
      };
      expectFailure(await outcomeSync(() => call(iterable)), 'throw', type, message);
      expect(opened).toBe(0);
    },
  );

  it.each([
    ['from()', () => (from as any)()],
    ['from(5)', () => from(5 as never)],
    ['from(null)', () => from(null as never)],
    ['from({})', () => from({} as never)],
  ])('(holds) %s throws a TypeError naming from and the source', async (_label, call) => {
    expectFailure(await outcomeSync(call), 'throw', TypeError, /^from\(source, options\): source must be an iterable/);
  });

  const eventRows: [string, (target: EventTarget) => unknown, new (...args: any[]) => Error, RegExp][] = [
    ['fromEvent(target, 5)', (t) => fromEvent(t, 5 as never), TypeError, /^fromEvent\(target, type, options\): type/],
    [
      'fromEvent({}, "x")',
      () => fromEvent({} as never, 'x'),
      TypeError,
      /^fromEvent\(.*\): target is not an EventTarget/,
    ],
    ['fromEvent(t, "x", { capacity: -1 })', (t) => fromEvent(t, 'x', { capacity: -1 }), RangeError, /^fromEvent\(/],
    ['fromEvent(t, "x", { capacity: 0 })', (t) => fromEvent(t, 'x', { capacity: 0 }), RangeError, /capacity ≥ 1/],
    [
      'fromEvent(t, "x", { overflow: "y" })',
      (t) => fromEvent(t, 'x', { overflow: 'y' as never }),
      TypeError,
      /overflow/,
    ],
    ['fromEvent(t, "x", { signal: {} })', (t) => fromEvent(t, 'x', { signal: {} as never }), TypeError, /signal/],
    ['fromEvent(t, "x", signal)', (t) => fromEvent(t, 'x', signalAsOptions as never), TypeError, /options is an Abort/],
    ['fromEvent(t, "x", null)', (t) => fromEvent(t, 'x', null as never), TypeError, /options must be an object/],
    [
      'fromEvent(t, "x", { listenerOptions: { signal } })',
      (t) => fromEvent(t, 'x', { listenerOptions: { signal: controller.signal } as never }),
      TypeError,
      /listenerOptions\.signal/,
    ],
    [
      'fromEvent(t, "x", { listenerOptions: 5 })',
      (t) => fromEvent(t, 'x', { listenerOptions: 5 as never }),
      TypeError,
      /listenerOptions/,
    ],
  ];

  it.each(eventRows)('(holds) %s throws at the call and adds no listener', async (_label, call, type, message) => {
    const target = new EventTarget();
    const { signal } = new AbortController();
    expectFailure(await outcomeSync(() => call(target)), 'throw', type, message);
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('(holds) fromEvent with a bad capacity and a live signal leaves no listener on the signal', () => {
    const target = new EventTarget();
    const { signal } = new AbortController();
    expect(() => fromEvent(target, 'x', { capacity: -1, signal })).toThrow(RangeError);
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it.each([
    ['merge(5)', (_a: Channel<number>) => merge(5 as never), /^merge\(\.\.\.channels\): argument 0 is not a chanasync/],
    ['merge(a, 5)', (a: Channel<number>) => merge(a, 5 as never), /^merge\(\.\.\.channels\): argument 1/],
    ['merge([a])', (a: Channel<number>) => merge([a] as never), /spread it/],
    [
      'broadcast(5)',
      (_a: Channel<number>) => broadcast(5 as never),
      /^broadcast\(source\): not a Channel of this copy/,
    ],
    [
      'toReadableStream(5)',
      () => toReadableStream(5 as never),
      /^toReadableStream\(channel, options\): channel is not/,
    ],
    [
      'toReadableStream(a, "x")',
      (a: Channel<number>) => toReadableStream(a, 'x' as never),
      /options must be an object/,
    ],
    [
      'toReadableStream(a, { closeOnCancel: 1 })',
      (a: Channel<number>) => toReadableStream(a, { closeOnCancel: 1 as never }),
      /closeOnCancel/,
    ],
    [
      'toReadableStream(a, { signal: {} })',
      (a: Channel<number>) => toReadableStream(a, { signal: {} as never }),
      /signal/,
    ],
  ])('(holds) %s throws a TypeError at the call and takes nothing from the channel', async (_label, call, message) => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    expectFailure(await outcomeSync(() => call(a)), 'throw', TypeError, message);
    await settle();
    expect(a.stats()).toMatchObject({ size: 1, waitingPullers: 0 });
    expect(a.pullNowait()).toBe(1);
  });

  it.each([
    ['toReadableStream(a, { highWaterMark: -1 })', { highWaterMark: -1 }],
    ['toReadableStream(a, { highWaterMark: NaN })', { highWaterMark: Number.NaN }],
    ['toReadableStream(a, { highWaterMark: Infinity })', { highWaterMark: Number.POSITIVE_INFINITY }],
  ])('(holds) %s throws a RangeError and takes nothing', async (_label, options) => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    expect(() => toReadableStream(a, options)).toThrow(/^toReadableStream\(channel, options\): options\.highWaterMark/);
    await settle();
    expect(a.size).toBe(1);
  });

  it.each([
    ['subscribe("x")', 'x', TypeError, /^broadcast\.subscribe\(options\): options must be an object/],
    ['subscribe({ capacity: -1 })', { capacity: -1 }, RangeError, /^broadcast\.subscribe\(options\): capacity/],
    ['subscribe({ capacity: "1" })', { capacity: '1' }, TypeError, /^broadcast\.subscribe\(options\): capacity/],
    ['subscribe({ overflow: "x" })', { overflow: 'x' }, TypeError, /^broadcast\.subscribe\(options\): overflow/],
    [
      'subscribe({ capacity: 0, overflow: drop })',
      { capacity: 0, overflow: 'drop-newest' },
      RangeError,
      /capacity ≥ 1/,
    ],
    ['subscribe({ signal: {} })', { signal: {} }, TypeError, /^broadcast\.subscribe\(options\): options\.signal/],
    ['subscribe(signal)', signalAsOptions, TypeError, /options is an AbortSignal/],
  ] as const)(
    '(holds) %s throws, adds no subscriber and pulls nothing from the source',
    async (_label, options, type, message) => {
      const source = new Channel<number>(4);
      const hub = broadcast(source);
      expectFailure(await outcomeSync(() => hub.subscribe(options as never)), 'throw', type, message);
      source.pushNowait(1);
      await settle();
      expect(source.stats()).toMatchObject({ size: 1, waitingPullers: 0 });
      const good = hub.subscribe();
      await settle();
      expect(good.tryPull()).toBe(1);
      hub.close();
    },
  );

  it('(holds) subscribe with an already aborted signal gives a closed channel and the broadcast pulls nothing for it', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: AbortSignal.abort() });
    source.pushNowait(1);
    await settle();
    expect(sub.closed).toBe(true);
    expect(source.size).toBe(1);
    hub.close();
  });
});

/** `outcome` for a call expected to be synchronous. */
function outcomeSync(call: () => unknown) {
  return outcome(call);
}
