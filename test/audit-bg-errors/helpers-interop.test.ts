/**
 * Audit BG-errors, the errors of the helpers: after, ticker, merge, broadcast, from, fromEvent,
 * toReadableStream. The channel errors they produce must follow SPEC "Errors" like any other
 * channel's (their names: README "a `from` channel is named `from` … a `fromEvent` channel
 * `fromEvent(type)` … a merged channel `merge`", after "named `after(ms)`", ticker "named
 * `ticker(ms)`", "subscriber channels are named `subscriber`"), and their misuse errors must be a
 * `TypeError`/`RangeError` "that names the function and the argument".
 */
import { describe, expect, it } from 'vitest';
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelError,
  from,
  fromEvent,
  merge,
  pull,
  select,
  ticker,
  toReadableStream,
} from '../../dist/index.js';
import { expectChannelError, iterationEnd, rejection, settle, settledRejection, thrown } from './helpers.js';

describe('after and ticker', () => {
  it('(holds) after(ms) delivers, closes, then a pull rejects with ChannelClosedError naming "after(ms)" without cause', async () => {
    const timer = afterMs(1);
    expect(typeof (await timer.pull())).toBe('number');
    expectChannelError(await rejection(() => timer.pull()), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: timer,
      cause: 'none',
    });
    expect(timer.name).toBe('after(1)');
    expect(thrown(() => timer.pushNowait(1))).toBeInstanceOf(ChannelClosedError);
  });

  it('(holds) after(ms, { signal }) aborted: closed with no value; a pull parked without the signal gets ChannelClosedError', async () => {
    const controller = new AbortController();
    const timer = afterMs(60_000, { signal: controller.signal });
    const parked = timer.pull();
    await settle();
    controller.abort(new Error('cancelled'));
    const error = (await settledRejection(parked)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pull: channel "after(60000)" is closed');
    expect(error.channel).toBe(timer);
    expect(timer.closed).toBe(true);
  });

  it('(holds) after(ms, { signal }) aborted: a pull parked with the same signal rejects with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const timer = afterMs(60_000, { signal: controller.signal });
    const parked = timer.pull({ signal: controller.signal });
    await settle();
    controller.abort(reason);
    expect(await settledRejection(parked)).toBe(reason);
  });

  it('(holds) after with an already aborted signal: closed at once, pull rejects ChannelClosedError', async () => {
    const timer = afterMs(10, { signal: AbortSignal.abort(new Error('x')) });
    expect(timer.closed).toBe(true);
    const error = await rejection(() => timer.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
  });

  it('(holds) ticker closed by hand: a parked pull rejects with ChannelClosedError naming "ticker(ms)"', async () => {
    const ticks = ticker(60_000);
    const parked = ticks.pull();
    ticks.close();
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: ticks,
      cause: 'none',
    });
    expect(ticks.name).toBe('ticker(60000)');
  });

  it('(holds) ticker aborted by its signal: for await ends normally', async () => {
    const controller = new AbortController();
    const ticks = ticker(60_000, { signal: controller.signal });
    const ended = iterationEnd(ticks);
    await settle();
    controller.abort(new Error('stop'));
    expect(await ended).toEqual({ values: [], threw: false });
  });

  it('(holds) select on after(ms) that already fired and closed: a second pull case fires ok:false, no error', async () => {
    const timer = afterMs(1);
    await timer.pull();
    expect(await select([pull(timer)])).toMatchObject({ index: 0, ok: false });
  });
});

describe('merge', () => {
  it('(holds) a merged channel closed by its inputs: pull rejects ChannelClosedError naming "merge", channel = merged', async () => {
    const a = new Channel<number>(1);
    const merged = merge(a);
    a.close();
    expect(merged.name).toBe('merge');
    expectChannelError(await rejection(() => merged.pull()), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: merged,
      cause: 'none',
    });
    expectChannelError(
      thrown(() => merged.pullNowait()),
      {
        type: 'ChannelClosedError',
        operation: 'pullNowait',
        problem: 'is closed',
        channel: merged,
        cause: 'none',
      },
    );
  });

  it('(holds) a pull parked on a merged channel gets the input reason as cause when the input closes with one', async () => {
    const a = new Channel<number>(0, { name: 'orders' });
    const b = new Channel<number>(0);
    const merged = merge(a, b);
    const parked = merged.pull();
    await settle();
    const reason = new Error('orders feed died');
    a.close(reason);
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: merged,
      cause: { value: reason },
    });
    b.close();
  });

  it('(holds) the empty merged channel: ChannelEmptyError naming merge', () => {
    const merged = merge(new Channel<number>(0));
    const error = thrown(() => merged.pullNowait()) as ChannelError;
    expect(error.name).toBe('ChannelEmptyError');
    expect(error.message).toBe('pullNowait: channel "merge" is empty');
  });

  it('(holds) merge() of no channels: closed at once (or a misuse TypeError naming merge)', async () => {
    let merged: Channel<never> | undefined;
    try {
      merged = merge();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/merge/);
      return;
    }
    expect(merged.closed).toBe(true);
    expect(await rejection(() => merged.pull())).toBeInstanceOf(ChannelClosedError);
  });
});

describe('broadcast', () => {
  it('(holds) broadcast.close(): subscribers closed without reason; pull names "subscriber"', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const sub = hub.subscribe();
    const parked = sub.pull();
    await settle();
    hub.close();
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: sub,
      cause: 'none',
    });
    expect(sub.name).toBe('subscriber');
    expect(await iterationEnd(sub)).toEqual({ values: [], threw: false });
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expect(await iterationEnd(late)).toEqual({ values: [], threw: false });
  });

  it('(holds) a subscriber whose signal aborts is closed normally: no cause, for await ends', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const controller = new AbortController();
    const sub = hub.subscribe({ signal: controller.signal });
    const ended = iterationEnd(sub);
    await settle();
    controller.abort(new Error('unsubscribe'));
    expect(await ended).toEqual({ values: [], threw: false });
    const error = await rejection(() => sub.pull());
    expect('cause' in (error as object)).toBe(false);
    hub.close();
  });

  it('(holds) a subscriber with an already aborted signal: closed, no cause', async () => {
    const hub = broadcast(new Channel<number>(0));
    const sub = hub.subscribe({ signal: AbortSignal.abort(new Error('x')) });
    expect(sub.closed).toBe(true);
    const error = await rejection(() => sub.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect('cause' in (error as object)).toBe(false);
    hub.close();
  });

  it('(holds) a pull parked on a subscriber when the source closes with a reason gets it as cause', async () => {
    const source = new Channel<number>(0, { name: 'prices' });
    const hub = broadcast(source);
    const sub = hub.subscribe();
    const parked = sub.pull();
    await settle();
    const reason = { code: 'EOF' };
    source.close(reason);
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: sub,
      cause: { value: reason },
    });
  });
});

describe('from, fromEvent, toReadableStream', () => {
  it('(holds) from aborted by its signal: closed normally, pull names "from", no cause', async () => {
    const controller = new AbortController();
    function* endless() {
      for (let i = 0; ; i++) yield i;
    }
    const ch = from(endless(), { signal: controller.signal });
    expect(await ch.pull()).toBe(0);
    controller.abort(new Error('enough'));
    expectChannelError(await rejection(() => ch.pull()), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: ch,
      cause: 'none',
    });
  });

  it('(holds) from of an async source yielding a promise: closed with a TypeError (cause) naming the problem', async () => {
    // An async generator awaits what it yields: a hand-made async iterator hands the promise over.
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: Promise.resolve(1) as unknown as number }),
      }),
    };
    const ch = from(source);
    const end = await iterationEnd(ch);
    expect(end.threw).toBe(true);
    const error = (end as { error: unknown }).error as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/thenable|promise/i);
  });

  it('(holds) fromEvent aborted by its signal: closed normally, pull names "fromEvent(type)", no cause', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent(target, 'tick', { signal: controller.signal });
    const parked = events.pull();
    await settle();
    controller.abort(new Error('done'));
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: events,
      cause: 'none',
    });
    expect(events.name).toBe('fromEvent(tick)');
  });

  it('(holds) fromEvent closed by hand: pushNowait into it names fromEvent(type)', () => {
    const events = fromEvent(new EventTarget(), 'click');
    events.close();
    const error = thrown(() => events.pushNowait(new Event('click'))) as ChannelError;
    expect(error.message).toBe('pushNowait: channel "fromEvent(click)" is closed');
  });

  it('(holds) fromEvent receiving a thenable event: closed with a TypeError (the cause) that names fromEvent', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'odd', { overflow: 'block' });
    class ThenableEvent extends Event {
      // biome-ignore lint/suspicious/noThenProperty: the test needs a thenable event
      then() {}
    }
    target.dispatchEvent(new ThenableEvent('odd'));
    const error = (await rejection(() => events.pull())) as ChannelError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeInstanceOf(TypeError);
    expect((error.cause as Error).message).toMatch(/fromEvent/);
  });

  it('(holds) toReadableStream with closeOnCancel: the producer parked on the channel gets ChannelClosedError without cause', async () => {
    const ch = new Channel<number>(0, { name: 'body' });
    const stream = toReadableStream(ch, { closeOnCancel: true });
    const producer = ch.push(1);
    await settle();
    // With highWaterMark 0 nothing was pulled: the push is still parked.
    await stream.cancel(new Error('client left'));
    expectChannelError(await settledRejection(producer), {
      type: 'ChannelClosedError',
      operation: 'push',
      problem: 'is closed',
      channel: ch,
      cause: 'none',
    });
  });

  it('(holds) toReadableStream of a from channel whose source throws: the stream errors with that error', async () => {
    const failure = new Error('upstream');
    function* source() {
      yield 1;
      throw failure;
    }
    const reader = toReadableStream(from(source())).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    expect(await settledRejection(reader.read())).toBe(failure);
  });

  it('(holds) pipeTo from a channel closed with a reason rejects with the reason', async () => {
    const ch = new Channel<number>(1);
    const reason = new Error('fatal');
    ch.close(reason);
    const sink = new WritableStream<number>();
    await expect(toReadableStream(ch).pipeTo(sink)).rejects.toBe(reason);
  });
});

describe('misuse errors name the function and the argument', () => {
  const rows: [string, () => unknown, new (...args: never[]) => Error, RegExp[]][] = [
    ['new Channel(-1)', () => new Channel(-1), RangeError, [/Channel/, /capacity/]],
    ['new Channel("1")', () => new Channel('1' as never), TypeError, [/Channel/, /capacity/]],
    [
      'new Channel(0, drop-oldest)',
      () => new Channel(0, { overflow: 'drop-oldest' }),
      RangeError,
      [/Channel/, /overflow|drop/],
    ],
    ['new Channel(1, { name: 5 })', () => new Channel(1, { name: 5 as never }), TypeError, [/Channel/, /name/]],
    ['after(NaN)', () => afterMs(Number.NaN), RangeError, [/after/, /ms/]],
    ['after("5")', () => afterMs('5' as never), TypeError, [/after/, /ms/]],
    ['ticker(0)', () => ticker(0), RangeError, [/ticker/, /ms/]],
    ['ticker(Infinity)', () => ticker(Number.POSITIVE_INFINITY), RangeError, [/ticker/, /ms/]],
    ['from(5)', () => from(5 as never), TypeError, [/from/, /source/]],
    ['from([], { capacity: -1 })', () => from([], { capacity: -1 }), RangeError, [/from/, /capacity/]],
    ['fromEvent({}, "x")', () => fromEvent({} as never, 'x'), TypeError, [/fromEvent/, /target/]],
    ['fromEvent(target, 5)', () => fromEvent(new EventTarget(), 5 as never), TypeError, [/fromEvent/, /type/]],
    ['merge(5)', () => merge(5 as never), TypeError, [/merge/]],
    ['broadcast({})', () => broadcast({} as never), TypeError, [/broadcast/, /source/]],
    ['toReadableStream({})', () => toReadableStream({} as never), TypeError, [/toReadableStream/, /channel/]],
    [
      'toReadableStream(ch, { highWaterMark: -1 })',
      () => toReadableStream(new Channel(), { highWaterMark: -1 }),
      RangeError,
      [/toReadableStream/, /highWaterMark/],
    ],
    [
      'subscribe({ capacity: -1 })',
      () => broadcast(new Channel<number>()).subscribe({ capacity: -1 }),
      RangeError,
      [/subscribe/, /capacity/],
    ],
  ];
  for (const [what, call, type, patterns] of rows) {
    it(`(holds) ${what}: ${type.name} naming it`, () => {
      const error = thrown(call) as Error;
      expect(error).toBeInstanceOf(type);
      expect(error instanceof ChannelError).toBe(false);
      for (const pattern of patterns) expect(error.message).toMatch(pattern);
    });
  }
});
