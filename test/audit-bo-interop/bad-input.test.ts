/**
 * Audit BO-interop: bad input at each interop call is refused at the call, with a TypeError or
 * RangeError whose message names the function (and the argument), before anything starts — no
 * listener added, no timer set, no iterator opened, no stream locked, nothing pulled.
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
  ticker,
  toReadableStream,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

type Case = [label: string, call: () => unknown, type: typeof TypeError | typeof RangeError, prefix: string];

const ch = new Channel<number>(1);
const target = new EventTarget();
const cases: Case[] = [
  ['from(null)', () => from(null as never), TypeError, 'from(source, options): source must be'],
  ['from(42)', () => from(42 as never), TypeError, 'from(source, options): source must be'],
  ['from(src, 5)', () => from([1], 5 as never), TypeError, 'from(source, options): options must be an object'],
  [
    'from(src, signal)',
    () => from([1], AbortSignal.abort() as never),
    TypeError,
    'from(source, options): options is an AbortSignal',
  ],
  ['from capacity -1', () => from([1], { capacity: -1 }), RangeError, 'from(source, options): capacity'],
  ['from capacity 1.5', () => from([1], { capacity: 1.5 }), RangeError, 'from(source, options): capacity'],
  ['from capacity "1"', () => from([1], { capacity: '1' as never }), TypeError, 'from(source, options): capacity'],
  ['from name 1', () => from([1], { name: 1 as never }), TypeError, 'from(source, options): name'],
  [
    'from signal controller',
    () => from([1], { signal: new AbortController() as never }),
    TypeError,
    'from(source, options): options.signal',
  ],
  [
    'Channel.from(fn as options)',
    () => Channel.from([1], ((x: number) => x) as never),
    TypeError,
    'from(source, options): options must be an object',
  ],
  [
    'toReadableStream(null)',
    () => toReadableStream(null as never),
    TypeError,
    'toReadableStream(channel, options): channel',
  ],
  [
    'toReadableStream({})',
    () => toReadableStream({} as never),
    TypeError,
    'toReadableStream(channel, options): channel',
  ],
  [
    'toReadableStream hwm -1',
    () => toReadableStream(ch, { highWaterMark: -1 }),
    RangeError,
    'toReadableStream(channel, options): options.highWaterMark',
  ],
  [
    'toReadableStream hwm Infinity',
    () => toReadableStream(ch, { highWaterMark: Infinity }),
    RangeError,
    'toReadableStream(channel, options): options.highWaterMark',
  ],
  [
    'channel.toReadableStream hwm NaN',
    () => ch.toReadableStream({ highWaterMark: NaN }),
    RangeError,
    'toReadableStream(channel, options): options.highWaterMark',
  ],
  [
    'toReadableStream closeOnCancel 1',
    () => toReadableStream(ch, { closeOnCancel: 1 as never }),
    TypeError,
    'toReadableStream(channel, options): options.closeOnCancel',
  ],
  [
    'toReadableStream signal {}',
    () => toReadableStream(ch, { signal: {} as never }),
    TypeError,
    'toReadableStream(channel, options): options.signal',
  ],
  ['fromEvent(null)', () => fromEvent(null as never, 'x'), TypeError, 'fromEvent(target, type, options): target'],
  ['fromEvent type 1', () => fromEvent(target, 1 as never), TypeError, 'fromEvent(target, type, options): type'],
  [
    'fromEvent capacity 0 (drop-oldest)',
    () => fromEvent(target, 'x', { capacity: 0 }),
    RangeError,
    'fromEvent(target, type, options)',
  ],
  [
    'fromEvent overflow',
    () => fromEvent(target, 'x', { overflow: 'nope' as never }),
    TypeError,
    'fromEvent(target, type, options): overflow',
  ],
  [
    'fromEvent listenerOptions true',
    () => fromEvent(target, 'x', { listenerOptions: true as never }),
    TypeError,
    'fromEvent(target, type, options): options.listenerOptions',
  ],
  [
    'fromEvent listenerOptions.signal',
    () => fromEvent(target, 'x', { listenerOptions: { signal: AbortSignal.abort() } as never }),
    TypeError,
    'fromEvent(target, type, options): options.listenerOptions.signal',
  ],
  [
    'fromEvent(t, x, signal)',
    () => fromEvent(target, 'x', AbortSignal.abort() as never),
    TypeError,
    'fromEvent(target, type, options): options is an AbortSignal',
  ],
  ['merge(ch, 42)', () => merge(ch, 42 as never), TypeError, 'merge(...channels): argument 1'],
  ['merge([ch])', () => merge([ch] as never), TypeError, 'merge(...channels): argument 0'],
  ['broadcast(42)', () => broadcast(42 as never), TypeError, 'broadcast(source)'],
  [
    'subscribe capacity -1',
    () => broadcast(new Channel<number>()).subscribe({ capacity: -1 }),
    RangeError,
    'broadcast.subscribe(options)',
  ],
  [
    'subscribe overflow',
    () => broadcast(new Channel<number>()).subscribe({ overflow: 'x' as never }),
    TypeError,
    'broadcast.subscribe(options)',
  ],
  [
    'subscribe signal',
    () => broadcast(new Channel<number>()).subscribe({ signal: 1 as never }),
    TypeError,
    'broadcast.subscribe(options)',
  ],
  ['after("1")', () => afterMs('1' as never), TypeError, 'after(ms)'],
  ['after(NaN)', () => afterMs(NaN), RangeError, 'after(ms)'],
  ['after(Infinity)', () => afterMs(Infinity), RangeError, 'after(ms)'],
  ['after(1, signal)', () => afterMs(1, AbortSignal.abort() as never), TypeError, 'after(ms, options)'],
  ['ticker(0)', () => ticker(0), RangeError, 'ticker(ms)'],
  ['ticker(-1)', () => ticker(-1), RangeError, 'ticker(ms)'],
  ['ticker(1n)', () => ticker(1n as never), TypeError, 'ticker(ms)'],
  ['ticker(1, {signal: 1})', () => ticker(1, { signal: 1 as never }), TypeError, 'ticker(ms, options)'],
  ['pull(42)', () => pull(42 as never), TypeError, 'pull(channel)'],
  ['push(42, 1)', () => push(42 as never, 1), TypeError, 'push(channel)'],
];

describe('each bad argument is refused at the call, naming the function', () => {
  it.each(cases)('%s', (_label, call, type, prefix) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message.startsWith(prefix)).toBe(true);
  });

  it('select with a non-array rejects (never throws) with a TypeError naming select', async () => {
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = select(42 as never);
    }).not.toThrow();
    await expect(promise).rejects.toThrow(/^select\(cases\)/);
  });
});

describe('a refused call starts nothing', () => {
  it('fromEvent with a bad option adds no listener; from with a bad option opens no iterator', () => {
    const t = new EventTarget();
    expect(() => fromEvent(t, 'x', { capacity: -1 })).toThrow(RangeError);
    expect(() => fromEvent(t, 'x', { signal: 'no' as never })).toThrow(TypeError);
    expect(getEventListeners(t, 'x')).toHaveLength(0);
    let opened = 0;
    const iterable = {
      [Symbol.iterator]() {
        opened++;
        return [1][Symbol.iterator]();
      },
    };
    expect(() => from(iterable, { capacity: NaN })).toThrow(RangeError);
    expect(() => from(iterable, { signal: 1 as never })).toThrow(TypeError);
    expect(opened).toBe(0);
  });

  it('after / ticker with a bad signal set no timer', () => {
    vi.useFakeTimers();
    const base = vi.getTimerCount();
    expect(() => afterMs(10, { signal: {} as never })).toThrow(TypeError);
    expect(() => ticker(10, { signal: new AbortController() as never })).toThrow(TypeError);
    expect(vi.getTimerCount()).toBe(base);
  });

  it('toReadableStream and subscribe with bad options take nothing from the channel', async () => {
    const source = new Channel<number>(2);
    source.pushNowait(1);
    expect(() => toReadableStream(source, { highWaterMark: -5 })).toThrow(RangeError);
    const hub = broadcast(source);
    expect(() => hub.subscribe({ capacity: 1.5 })).toThrow(RangeError);
    await new Promise((r) => setTimeout(r, 0));
    expect(source.size).toBe(1);
    expect(source.stats().waitingPullers).toBe(0);
    hub.close();
  });
});
