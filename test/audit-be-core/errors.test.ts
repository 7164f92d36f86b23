/**
 * Audit BE-core: error classes (SPEC "Errors") and misuse errors that name the call.
 */
import {
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  after as timeAfter,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';
import { rejection, thrown } from './helpers.js';

describe('error classes', () => {
  it('all three extend ChannelError, which extends Error', () => {
    for (const Kind of [ChannelClosedError, ChannelFullError, ChannelEmptyError]) {
      expect(Kind.prototype).toBeInstanceOf(ChannelError);
      expect(Kind.prototype).toBeInstanceOf(Error);
    }
    expect(ChannelError.prototype).toBeInstanceOf(Error);
  });

  it('name equals the class name; message names the channel and the operation; channel is set', async () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    ch.pushNowait(1);
    const full = thrown(() => ch.pushNowait(2)) as ChannelFullError;
    expect(full).toBeInstanceOf(ChannelFullError);
    expect(full.name).toBe('ChannelFullError');
    expect(full.message).toContain('jobs');
    expect(full.message).toContain('pushNowait');
    expect(full.channel).toBe(ch);

    ch.pullNowait();
    const empty = thrown(() => ch.pullNowait()) as ChannelEmptyError;
    expect(empty).toBeInstanceOf(ChannelEmptyError);
    expect(empty.name).toBe('ChannelEmptyError');
    expect(empty.message).toContain('jobs');
    expect(empty.message).toContain('pullNowait');
    expect(empty.channel).toBe(ch);

    ch.close();
    const closedPush = (await rejection(ch.push(1))) as ChannelClosedError;
    expect(closedPush).toBeInstanceOf(ChannelClosedError);
    expect(closedPush.name).toBe('ChannelClosedError');
    expect(closedPush.message).toContain('jobs');
    expect(closedPush.message).toMatch(/\bpush\b/);
    expect(closedPush.channel).toBe(ch);

    const closedPull = (await rejection(ch.pull())) as ChannelClosedError;
    expect(closedPull.message).toMatch(/\bpull\b/);
    expect(closedPull.message).toContain('jobs');
    expect(closedPull.channel).toBe(ch);

    const closedPullMany = (await rejection(ch.pullMany(2))) as ChannelClosedError;
    expect(closedPullMany.message).toContain('pullMany');
    const closedPushAll = (await rejection(ch.pushAll([1]))) as ChannelClosedError;
    expect(closedPushAll.message).toContain('pushAll');
    const closedNowait = thrown(() => ch.pushNowait(1)) as ChannelClosedError;
    expect(closedNowait.message).toContain('pushNowait');
    const closedPullNowait = thrown(() => ch.pullNowait()) as ChannelClosedError;
    expect(closedPullNowait.message).toContain('pullNowait');
  });

  it('an unnamed channel gives a message without "undefined"', () => {
    const ch = new Channel<number>();
    const error = thrown(() => ch.pullNowait()) as Error;
    expect(error.message).toContain('pullNowait');
    expect(error.message).not.toContain('undefined');
    expect(error.message).not.toContain('""');
  });

  it('a parked operation failed by close names its operation and carries its channel', async () => {
    const ch = new Channel<number>(0, { name: 'q' });
    const p = ch.push(1);
    const q = new Channel<number>(0, { name: 'r' });
    const r = q.pull();
    ch.close();
    q.close('why');
    const ep = (await rejection(p)) as ChannelClosedError;
    const er = (await rejection(r)) as ChannelClosedError;
    expect(ep.channel).toBe(ch);
    expect(ep.message).toMatch(/push/);
    expect(ep.message).toContain('q');
    expect(er.channel).toBe(q);
    expect(er.message).toMatch(/pull/);
    expect(er.cause).toBe('why');
  });

  it('a parked pullMany failed by close() names pullMany, as the same call on a closed channel does', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const parked = ch.pullMany(3);
    ch.close();
    const fromParked = (await rejection(parked)) as ChannelClosedError;
    const atOnce = (await rejection(ch.pullMany(3))) as ChannelClosedError;
    expect(atOnce.message).toMatch(/^pullMany\b/);
    // SPEC "Errors": the message names the channel and the operation — the operation called is pullMany.
    expect(fromParked.message).toMatch(/^pullMany\b/);
  });

  it('a parked pushAll failed by close() names pushAll, as the same call on a closed channel does', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const parked = ch.pushAll([1, 2]);
    ch.close();
    const fromParked = (await rejection(parked)) as ChannelClosedError;
    const atOnce = (await rejection(ch.pushAll([1]))) as ChannelClosedError;
    expect(atOnce.message).toMatch(/^pushAll\b/);
    expect(fromParked.message).toMatch(/^pushAll\b/);
  });

  it('select push case on a closed channel: ChannelClosedError naming select and the channel', async () => {
    const ch = new Channel<number>(1, { name: 'out' });
    ch.close();
    const error = (await rejection(select([push(ch, 1)]))) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toContain('select');
    expect(error.message).toContain('out');
    expect(error.channel).toBe(ch);
    const e2 = thrown(() => selectNowait([push(ch, 1)])) as ChannelClosedError;
    expect(e2.channel).toBe(ch);
  });

  it('errors are recognisable after minification-style checks: name is on the instance chain', () => {
    const ch = new Channel<number>();
    const error = thrown(() => ch.pushNowait(1)) as Error;
    expect(Object.prototype.toString.call(error)).toBe('[object Error]');
    expect(String(error)).toMatch(/^ChannelFullError: /);
  });
});

describe('bad input gives a clear TypeError or RangeError naming the function', () => {
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['new Channel(-1)', () => new Channel(-1), RangeError, /Channel|capacity/],
    ['new Channel("1")', () => new Channel('1' as never), TypeError, /Channel|capacity/],
    ['new Channel(1, "name")', () => new Channel(1, 'name' as never), TypeError, /Channel|options/],
    ['after(NaN)', () => timeAfter(Number.NaN), RangeError, /after/],
    ['after("5")', () => timeAfter('5' as never), TypeError, /after/],
    ['ticker(0)', () => ticker(0), RangeError, /ticker/],
    ['ticker(-5)', () => ticker(-5), RangeError, /ticker/],
    ['ticker(Infinity)', () => ticker(Infinity), RangeError, /ticker/],
    ['ticker(NaN)', () => ticker(Number.NaN), RangeError, /ticker/],
    ['ticker("5")', () => ticker('5' as never), TypeError, /ticker/],
    ['fromEvent(null)', () => fromEvent(null as never, 'x'), TypeError, /fromEvent/],
    ['fromEvent(target, 1)', () => fromEvent(new EventTarget(), 1 as never), TypeError, /fromEvent/],
    ['merge({})', () => merge({} as never), TypeError, /merge/],
    ['broadcast({})', () => broadcast({} as never), TypeError, /broadcast/],
    ['from(42)', () => from(42 as never), TypeError, /from/],
    ['toReadableStream({})', () => toReadableStream({} as never), TypeError, /toReadableStream/],
    [
      'toReadableStream(ch, {highWaterMark: -1})',
      () => toReadableStream(new Channel(), { highWaterMark: -1 }),
      RangeError,
      /toReadableStream|highWaterMark/,
    ],
    ['pull({})', () => pull({} as never), TypeError, /pull/],
    ['push({}, 1)', () => push({} as never, 1), TypeError, /push/],
    [
      'subscribe({capacity: -1})',
      () => broadcast(new Channel()).subscribe({ capacity: -1 }),
      RangeError,
      /subscribe|capacity/,
    ],
  ];
  it.each(cases)('%s', (_label, call, Kind, naming) => {
    const error = thrown(call) as Error;
    expect(error).toBeInstanceOf(Kind);
    expect(error.message).toMatch(naming);
  });

  it('an AbortSignal passed in place of the options is a TypeError', async () => {
    const signal = new AbortController().signal;
    await expect(new Channel(1).push(1, signal as never)).rejects.toBeInstanceOf(TypeError);
    await expect(new Channel(1).pull(signal as never)).rejects.toBeInstanceOf(TypeError);
    expect(thrown(() => timeAfter(5, signal as never))).toBeInstanceOf(TypeError);
  });
});
