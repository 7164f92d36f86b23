/**
 * Audit AD: the TSDoc sentences of `broadcast`, `fromEvent`, `merge`, `from` and
 * `toReadableStream` as the shipped declarations state them, checked at run time in Node.
 */
import { getEventListeners } from 'node:events';
import { broadcast, Channel, ChannelClosedError, from, fromEvent, merge, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle, until } from './util.js';

describe('broadcast TSDoc', () => {
  it('@example prints 101 101: a block and a drop-oldest subscriber both receive the value', async () => {
    const prices = new Channel<number>(16);
    const hub = broadcast(prices);
    const chart = hub.subscribe();
    const tick = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await prices.push(101);
    expect([await chart.pull(), await tick.pull()]).toEqual([101, 101]);
    expect(chart.capacity).toBe(1); // default capacity 1, 'block'
    expect(chart.stats().overflow).toBe('block');
    hub.close();
  });

  it('close @example prints true false; subscribers keep what they received; idempotent', async () => {
    const prices = new Channel<number>(16);
    const hub = broadcast(prices);
    const chart = hub.subscribe({ capacity: 4 });
    await prices.push(1);
    await until(() => chart.size === 1);
    hub.close();
    hub.close();
    expect([chart.closed, prices.closed]).toEqual([true, false]);
    expect(await chart.pull()).toBe(1);
    await prices.push(2);
    expect(prices.size).toBe(1); // no more pulling
  });

  it('subscribe after the broadcast ended returns a channel that is already closed', () => {
    const prices = new Channel<number>(16);
    const hub = broadcast(prices);
    hub.close();
    expect(hub.subscribe().closed).toBe(true);
  });

  it('with no subscriber nothing is pulled; values pulled after subscribing only', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    await source.push(1);
    await settle();
    expect(source.size).toBe(1);
    const sub = hub.subscribe({ capacity: 4 });
    await until(() => sub.size === 1);
    expect(source.size).toBe(0);
    hub.close();
  });

  it('source closed and drained closes every subscriber with the same reason after its values', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 4 });
    const b = hub.subscribe({ capacity: 4, overflow: 'drop-newest' });
    await source.pushAll([1, 2]);
    const reason = new Error('done');
    source.close(reason);
    await until(() => a.closed && b.closed);
    expect(await a.pullMany(4)).toEqual([1, 2]);
    expect(await b.pullMany(4)).toEqual([1, 2]);
    expect(((await a.pull().catch((e: unknown) => e)) as Error).cause).toBe(reason);
  });

  it('a subscriber leaves when its signal aborts (its channel is closed)', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const controller = new AbortController();
    const leaving = hub.subscribe({ signal: controller.signal });
    const staying = hub.subscribe({ capacity: 4 });
    controller.abort();
    expect(leaving.closed).toBe(true);
    await source.pushAll([1, 2]);
    await until(() => staying.size === 2);
    hub.close();
  });

  it('subscribe @throws: TypeError naming broadcast.subscribe(options); RangeError for bad capacity', () => {
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe('x' as never)).toThrow(/broadcast\.subscribe\(options\)/);
    expect(() => hub.subscribe(AbortSignal.abort() as never)).toThrow(TypeError);
    expect(() => hub.subscribe({ signal: {} as AbortSignal })).toThrow(/broadcast\.subscribe\(options\)/);
    expect(() => hub.subscribe({ capacity: '1' as unknown as number })).toThrow(TypeError);
    expect(() => hub.subscribe({ overflow: 'nope' as never })).toThrow(TypeError);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    expect(() => hub.subscribe({ capacity: 0, overflow: 'drop-oldest' })).toThrow(RangeError);
    hub.close();
  });

  it('broadcast @throws TypeError when source is not a Channel; using closes the hub and its subscribers', () => {
    expect(() => broadcast({} as never)).toThrow(TypeError);
    const prices = new Channel<number>(16);
    let chart: Channel<number> | undefined;
    {
      using hub = broadcast(prices);
      chart = hub.subscribe();
    }
    expect(chart.closed).toBe(true);
    expect(prices.closed).toBe(false);
  });
});

describe('fromEvent TSDoc', () => {
  it('a conflated channel (capacity 1, drop-oldest) named fromEvent(type); the latest event wins', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'ping');
    expect(events.name).toBe('fromEvent(ping)');
    expect(events.capacity).toBe(1);
    expect(events.stats().overflow).toBe('drop-oldest');
    const first = new Event('ping');
    const second = new Event('ping');
    target.dispatchEvent(first);
    target.dispatchEvent(second);
    expect(await events.pull()).toBe(second);
    events.close();
  });

  it('closing the channel removes the listener; aborting signal removes it and closes; buffered events stay readable', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'ping');
    expect(getEventListeners(target, 'ping')).toHaveLength(1);
    events.close();
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
    const controller = new AbortController();
    const other = fromEvent(target, 'ping', { signal: controller.signal, capacity: 2, overflow: 'block' });
    const event = new Event('ping');
    target.dispatchEvent(event);
    controller.abort();
    expect(other.closed).toBe(true);
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
    expect(await other.pull()).toBe(event);
  });

  it('listenerOptions.once: takes one event, then closes the channel; capture is passed on', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'ping', { listenerOptions: { once: true } });
    const event = new Event('ping');
    target.dispatchEvent(event);
    expect(events.closed).toBe(true);
    expect(await events.pull()).toBe(event);
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
  });

  it('@throws: TypeError for a bad target, type, options, signal, listenerOptions.signal; RangeError for capacity 0 with the default drop-oldest', () => {
    const target = new EventTarget();
    expect(() => fromEvent({} as EventTarget, 'x')).toThrow(TypeError);
    expect(() => fromEvent(target, 1 as unknown as string)).toThrow(TypeError);
    expect(() => fromEvent(target, 'x', AbortSignal.abort() as never)).toThrow(TypeError);
    expect(() => fromEvent(target, 'x', { signal: {} as AbortSignal })).toThrow(TypeError);
    expect(() => fromEvent(target, 'x', { capacity: '1' as unknown as number })).toThrow(TypeError);
    expect(() => fromEvent(target, 'x', { overflow: 'x' as never })).toThrow(TypeError);
    expect(() => fromEvent(target, 'x', { listenerOptions: { signal: AbortSignal.abort() } as never })).toThrow(
      TypeError,
    );
    expect(() => fromEvent(target, 'x', { capacity: 0 })).toThrow(RangeError);
    expect(() => fromEvent(target, 'x', { capacity: -1, overflow: 'block' })).toThrow(RangeError);
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    fromEvent(target, 'x', { capacity: 0, overflow: 'block' }).close();
  });

  it("overflow 'block' keeps every event while open; closing discards those beyond the buffer", async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'ping', { capacity: 1, overflow: 'block' });
    for (let i = 0; i < 3; i++) target.dispatchEvent(new Event('ping'));
    expect(events.stats().waitingPushers).toBe(2);
    events.close();
    expect(events.size).toBe(1);
    await events.pull();
    await expect(events.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('merge TSDoc', () => {
  it('a real Channel (capacity 1, named merge); keeps each input order; closes once every input is closed and drained', async () => {
    const a = new Channel<string>(8);
    const b = new Channel<number>(8);
    const merged = merge(a, b);
    expect(merged.capacity).toBe(1);
    expect(merged.name).toBe('merge');
    await a.pushAll(['a1', 'a2']);
    await b.pushAll([1, 2]);
    a.close();
    b.close();
    const seen: (string | number)[] = [];
    for await (const v of merged) seen.push(v);
    expect(seen.filter((v) => typeof v === 'string')).toEqual(['a1', 'a2']);
    expect(seen.filter((v) => typeof v === 'number')).toEqual([1, 2]);
  });

  it('no inputs gives a closed channel; a non-Channel argument is a TypeError', () => {
    expect(merge().closed).toBe(true);
    expect(() => merge({} as never)).toThrow(TypeError);
  });

  it('closed turns true without a pull first once every input is closed and drained', async () => {
    const a = new Channel<number>(1);
    const merged = merge(a);
    a.close();
    await until(() => merged.closed);
  });

  it('an input closed with a reason closes the merged channel at once, carrying it (after the value already taken)', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    const merged = merge(a, b);
    await b.pushAll([1, 2]);
    await until(() => merged.size === 1);
    const reason = new Error('broken');
    a.close(reason);
    expect(merged.closed).toBe(true);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const v of merged) seen.push(v);
    })().catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(seen).toEqual([1]);
    expect(b.size).toBe(1); // values still in the other inputs stay there
  });

  it('closing the merged channel stops it reading; the taken value stays readable; inputs stay open', async () => {
    const a = new Channel<number>(4);
    const merged = merge(a);
    await a.pushAll([1, 2, 3]);
    await until(() => merged.size === 1);
    merged.close();
    expect(a.closed).toBe(false);
    expect(await merged.pull()).toBe(1);
    expect(a.size).toBe(2);
  });

  it('fairness: inputs that all have values are served round-robin', async () => {
    const a = new Channel<string>(8);
    const b = new Channel<string>(8);
    await a.pushAll(['a', 'a', 'a']);
    await b.pushAll(['b', 'b', 'b']);
    const merged = merge(a, b);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await merged.pull());
    // Never the same input three times running while the other has values.
    expect(seen.join('')).not.toMatch(/aaa|bbb/);
    merged.close();
  });
});

describe('from TSDoc', () => {
  it('default name from and capacity 0: a value is read only when a pull asks', async () => {
    let read = 0;
    function* source() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const channel = from(source());
    expect(channel.name).toBe('from');
    expect(channel.capacity).toBe(0);
    await settle();
    expect(read).toBe(0);
    expect(await channel.pull()).toBe(0);
    await settle();
    expect(read).toBe(1);
    channel.close();
  });

  it('capacity n reads at most n values ahead; an endless source is fine', async () => {
    let read = 0;
    function* endless() {
      for (let i = 0; ; i++) {
        read++;
        yield i;
      }
    }
    const channel = from(endless(), { capacity: 3, name: 'numbers' });
    expect(channel.name).toBe('numbers');
    await until(() => channel.size === 3);
    await settle();
    expect(read).toBe(3);
    channel.close();
  });

  it("close releases the source at once: a sync generator's finally has run when close() returns", async () => {
    let released = false;
    function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        released = true;
      }
    }
    const channel = from(source(), { capacity: 1 });
    await until(() => channel.size === 1);
    channel.close();
    expect(released).toBe(true);
  });

  it('abort closes the channel normally and cancels a stream reader with the signal reason', async () => {
    let cancelReason: unknown;
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.enqueue(1);
      },
      cancel(reason) {
        cancelReason = reason;
      },
    });
    const controller = new AbortController();
    const channel = from(stream, { signal: controller.signal, capacity: 1 });
    await until(() => channel.size === 1);
    controller.abort('stop');
    expect(channel.closed).toBe(true);
    await until(() => cancelReason !== undefined);
    expect(cancelReason).toBe('stop');
    const values: number[] = [];
    for await (const v of channel) values.push(v); // closed normally: no throw
    expect(values).toEqual([1]);
    await until(() => !stream.locked);
  });

  it('a source that throws closes the channel with that error; for await throws it after the buffer', async () => {
    const boom = new Error('boom');
    async function* source() {
      yield 1;
      throw boom;
    }
    const seen: number[] = [];
    const error = await (async () => {
      for await (const v of from(source())) seen.push(v);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    expect(error).toBe(boom);
  });

  it('a promise in a sync iterable is awaited; an async iterator yielding a promise closes with a TypeError', async () => {
    const values: number[] = [];
    for await (const v of from([Promise.resolve(1), 2] as unknown as Iterable<number>)) values.push(v);
    expect(values).toEqual([1, 2]);
    const bad = {
      [Symbol.asyncIterator]() {
        return { next: async () => ({ done: false, value: Promise.resolve(1) }) };
      },
    } as unknown as AsyncIterable<number>;
    const error = await (async () => {
      for await (const _ of from(bad)) {
        /* nothing */
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('an iterator whose next() returns a non-object closes the channel with a TypeError', async () => {
    const bad = { [Symbol.iterator]: () => ({ next: () => 5 }) } as unknown as Iterable<number>;
    const error = await from(bad)
      .pull()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('@throws: TypeError / RangeError checked before a stream is locked', () => {
    const stream = new ReadableStream<number>();
    expect(() => from(stream, { capacity: -1 })).toThrow(RangeError);
    expect(() => from(stream, { capacity: 1.5 })).toThrow(RangeError);
    expect(() => from(stream, { capacity: '1' as unknown as number })).toThrow(TypeError);
    expect(() => from(stream, { name: 1 as unknown as string })).toThrow(TypeError);
    expect(() => from(stream, AbortSignal.abort() as never)).toThrow(TypeError);
    expect(() => from(stream, { signal: {} as AbortSignal })).toThrow(TypeError);
    expect(stream.locked).toBe(false);
    expect(() => from(5 as never)).toThrow(TypeError);
    stream.getReader();
    expect(() => from(stream)).toThrow(TypeError);
  });
});

describe('toReadableStream TSDoc', () => {
  it('highWaterMark 0 pulls exactly one value per read; closes when the channel is closed and drained', async () => {
    const channel = new Channel<number>(4);
    await channel.pushAll([1, 2, 3]);
    const reader = toReadableStream(channel).getReader();
    await settle();
    expect(channel.size).toBe(3);
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await settle();
    expect(channel.size).toBe(2);
    channel.close();
    expect((await reader.read()).value).toBe(2);
    expect((await reader.read()).value).toBe(3);
    expect((await reader.read()).done).toBe(true);
  });

  it('errors with the close reason once every pulled value was read', async () => {
    const channel = new Channel<number>(2);
    await channel.pushAll([1]);
    const reason = new Error('r');
    channel.close(reason);
    const reader = toReadableStream(channel, { highWaterMark: 2 }).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('cancel withdraws the waiting pull, consumes nothing, leaves the channel open; closeOnCancel closes it without a reason', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await settle();
    expect(channel.stats().waitingPullers).toBe(1);
    await reader.cancel('bye');
    await read;
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.closed).toBe(false);
    const body = new Channel<string>(2);
    body.tryPush('kept');
    await toReadableStream(body, { closeOnCancel: true }).cancel('client left');
    expect(body.closed).toBe(true);
    expect(body.size).toBe(1); // buffered values stay readable
    const error = await body.push('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(await body.pull()).toBe('kept');
    const drained = await body.pull().catch((e: unknown) => e);
    expect((drained as Error).cause).toBeUndefined();
  });

  it('signal: abort withdraws the waiting pull and closes the stream normally; already aborted starts closed and pulls nothing', async () => {
    const channel = new Channel<number>(2);
    const controller = new AbortController();
    const reader = toReadableStream(channel, { signal: controller.signal }).getReader();
    const read = reader.read();
    await settle();
    controller.abort();
    expect(await read).toEqual({ done: true, value: undefined });
    expect(channel.closed).toBe(false);
    channel.tryPush(1);
    const r2 = toReadableStream(channel, { signal: AbortSignal.abort(), highWaterMark: 1 }).getReader();
    expect((await r2.read()).done).toBe(true);
    expect(channel.size).toBe(1);
  });

  it('@throws: TypeError for a non-Channel, non-object options, a non-AbortSignal signal; RangeError for highWaterMark', () => {
    const channel = new Channel<number>();
    expect(() => toReadableStream({} as never)).toThrow(TypeError);
    expect(() => toReadableStream(channel, 'x' as never)).toThrow(TypeError);
    expect(() => toReadableStream(channel, { signal: {} as AbortSignal })).toThrow(TypeError);
    expect(() => toReadableStream(channel, { highWaterMark: Number.NaN })).toThrow(RangeError);
    expect(() => toReadableStream(channel, { highWaterMark: -1 })).toThrow(RangeError);
  });

  it('a closeOnCancel that is not a boolean is a TypeError at the call, like every other option of the wrong type', async () => {
    // Was wrong: the option was read as `!!closeOnCancel`, so `closeOnCancel: 'false'` (a value
    // from a config file or a query string) was taken as true and cancelling the stream closed
    // the channel under its producer, while every other option of the wrong type is refused.
    const channel = new Channel<number>();
    expect(() => toReadableStream(channel, { closeOnCancel: 'false' as unknown as boolean })).toThrow(
      /closeOnCancel must be a boolean/,
    );
    expect(() => channel.toReadableStream({ closeOnCancel: 1 as unknown as boolean })).toThrow(TypeError);
    await toReadableStream(channel, { closeOnCancel: false }).cancel();
    expect(channel.closed).toBe(false);
  });
});

describe('@examples that need a Response or a fetch', () => {
  it('toReadableStream @example: a Response body fed by a channel; the client going away closes the channel', async () => {
    const lines = new Channel<string>(8);
    const body = toReadableStream(lines, { closeOnCancel: true }).pipeThrough(new TextEncoderStream());
    const response = new Response(body);
    void (async () => {
      await lines.pushAll(['a\n', 'b\n']);
      lines.close();
    })();
    expect(await response.text()).toBe('a\nb\n');
    const more = new Channel<string>(8);
    const gone = new Response(toReadableStream(more, { closeOnCancel: true }).pipeThrough(new TextEncoderStream()));
    await gone.body?.cancel();
    await until(() => more.closed);
    await expect(more.push('late')).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('from @example: chunks of a fetch body through TextDecoderStream', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_request, response) => {
      response.write('event 1\n');
      setTimeout(() => response.end('event 2\n'), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/events`);
      let text = '';
      for await (const chunk of from(response.body!.pipeThrough(new TextDecoderStream()))) text += chunk;
      expect(text).toBe('event 1\nevent 2\n');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
