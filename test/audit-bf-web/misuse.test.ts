/**
 * Audit BF-web: misuse of the interop helpers is refused at the call with a TypeError or
 * RangeError that names the function, before anything starts (README "Web-platform interop":
 * "Bad arguments are refused at the call with a TypeError or RangeError that names the function
 * and the argument, before anything starts (a stream given to from with a bad option stays
 * unlocked)").
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  broadcast,
  Channel,
  from,
  fromEvent,
  merge,
  ticker,
  after as timeAfter,
  toReadableStream,
} from '../../dist/index.js';
import { countingStream } from './util.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return 'nothing thrown';
}

const ch = new Channel<number>(1);
const stream = () => new ReadableStream<number>();

const cases: [label: string, call: () => unknown, type: ErrorConstructor, name: string][] = [
  ['toReadableStream(a ReadableStream)', () => toReadableStream(stream() as never), TypeError, 'toReadableStream'],
  [
    'toReadableStream(an async generator)',
    () => toReadableStream((async function* () {})() as never),
    TypeError,
    'toReadableStream',
  ],
  [
    'toReadableStream(ch, { highWaterMark: Infinity })',
    () => toReadableStream(ch, { highWaterMark: Infinity }),
    RangeError,
    'toReadableStream',
  ],
  [
    'toReadableStream(ch, { highWaterMark: -1 })',
    () => toReadableStream(ch, { highWaterMark: -1 }),
    RangeError,
    'toReadableStream',
  ],
  [
    'toReadableStream(ch, { closeOnCancel: "yes" })',
    () => toReadableStream(ch, { closeOnCancel: 'yes' as never }),
    TypeError,
    'toReadableStream',
  ],
  [
    'toReadableStream(ch, signal)',
    () => toReadableStream(ch, new AbortController().signal as never),
    TypeError,
    'toReadableStream',
  ],
  [
    'toReadableStream(ch, { signal: controller })',
    () => toReadableStream(ch, { signal: new AbortController() as never }),
    TypeError,
    'toReadableStream',
  ],
  [
    'ch.toReadableStream({ highWaterMark: NaN })',
    () => ch.toReadableStream({ highWaterMark: Number.NaN }),
    RangeError,
    'toReadableStream',
  ],
  ['from(42)', () => from(42 as never), TypeError, 'from'],
  ['from(stream, { capacity: 1.5 })', () => from(stream(), { capacity: 1.5 }), RangeError, 'from'],
  ['from([1], (x) => x) (Array.from habit)', () => from([1], ((x: number) => x) as never), TypeError, 'from'],
  ['Channel.from(stream, { signal: "x" })', () => Channel.from(stream(), { signal: 'x' as never }), TypeError, 'from'],
  ['fromEvent({}, "x")', () => fromEvent({} as never, 'x'), TypeError, 'fromEvent'],
  ['fromEvent(target, Symbol())', () => fromEvent(new EventTarget(), Symbol('x') as never), TypeError, 'fromEvent'],
  [
    'fromEvent(target, "x", { capacity: 0 }) with drop-oldest default',
    () => fromEvent(new EventTarget(), 'x', { capacity: 0 }),
    RangeError,
    'fromEvent',
  ],
  [
    'fromEvent(target, "x", { overflow: "latest" })',
    () => fromEvent(new EventTarget(), 'x', { overflow: 'latest' as never }),
    TypeError,
    'fromEvent',
  ],
  ['merge(a ReadableStream)', () => merge(stream() as never), TypeError, 'merge'],
  ['merge(ch, [1, 2])', () => merge(ch, [1, 2] as never), TypeError, 'merge'],
  ['broadcast(an async iterable)', () => broadcast((async function* () {})() as never), TypeError, 'broadcast'],
  [
    'broadcast(ch).subscribe({ capacity: -1 })',
    () => broadcast(new Channel<number>()).subscribe({ capacity: -1 }),
    RangeError,
    'subscribe',
  ],
  ['ticker(0)', () => ticker(0), RangeError, 'ticker'],
  ['ticker("10")', () => ticker('10' as never), TypeError, 'ticker'],
  ['after(Number.NaN)', () => timeAfter(Number.NaN), RangeError, 'after'],
  ['after(10, { signal: {} })', () => timeAfter(10, { signal: {} as never }), TypeError, 'after'],
];

describe('misuse is refused at the call, naming the function', () => {
  for (const [label, call, type, name] of cases) {
    it(`${label} throws a ${type.name} naming ${name}`, () => {
      const error = thrown(call);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toContain(name);
    });
  }

  it('a detached channel.toReadableStream() (this is undefined) is a TypeError naming toReadableStream', () => {
    const { toReadableStream: detached } = new Channel<number>();
    const error = thrown(() => detached());
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('toReadableStream');
  });

  it('a detached Channel.from works (it does not use this)', async () => {
    const { from: detached } = Channel;
    expect(await detached([1, 2]).pullMany(5)).toEqual([1]);
  });

  for (const [label, options] of [
    ['capacity -1', { capacity: -1 }],
    ['a signal that is not a signal', { signal: 5 }],
    ['name 5', { name: 5 }],
  ] as const) {
    it(`from(stream, { ${label} }) leaves the stream unlocked and unread`, () => {
      const { stream: s, pulls } = countingStream([1]);
      expect(() => from(s, options as never)).toThrow();
      expect(s.locked).toBe(false);
      expect(pulls()).toBe(0);
    });
  }

  it('from(a locked stream) is a TypeError naming from and leaves the lock with its owner', () => {
    const s = stream();
    const reader = s.getReader();
    const error = thrown(() => from(s));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('from');
    reader.releaseLock();
    expect(s.locked).toBe(false);
  });

  it('fromEvent with a bad option adds no listener to the target or the signal', () => {
    const target = new EventTarget();
    const controller = new AbortController();
    expect(() => fromEvent(target, 'x', { signal: controller.signal, capacity: -2 })).toThrow(RangeError);
    expect(() =>
      fromEvent(target, 'x', { signal: controller.signal, listenerOptions: { signal: controller.signal } as never }),
    ).toThrow(TypeError);
    expect(getEventListeners(target, 'x').length).toBe(0);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  it('toReadableStream with a bad option parks nothing on the channel', () => {
    const c = new Channel<number>();
    expect(() => toReadableStream(c, { highWaterMark: -1, signal: new AbortController().signal })).toThrow(RangeError);
    expect(c.stats().waitingPullers).toBe(0);
  });
});
