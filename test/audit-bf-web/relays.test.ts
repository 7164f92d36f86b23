/**
 * Audit BF-web: a stream made of a relay channel (from, a broadcast subscriber, merge) — the
 * stream's pending read is the relay's demand. Cancelling it must take the demand back without
 * losing what the relay's source had in flight.
 */
import { describe, expect, it } from 'vitest';
import { broadcast, Channel, ChannelClosedError, from, merge, toReadableStream } from '../../dist/index.js';
import { countingStream, reasonOf, settle, slowStream, state, until } from './util.js';

describe('toReadableStream of a from() channel', () => {
  it('reads the source exactly once per read with the default highWaterMark', async () => {
    const { stream, pulls } = countingStream([1, 2, 3, 4, 5]);
    const reader = toReadableStream(from(stream)).getReader();
    expect(await reader.read()).toEqual({ value: 1, done: false });
    expect(await reader.read()).toEqual({ value: 2, done: false });
    await settle();
    expect(pulls()).toBe(2);
    await reader.cancel();
  });

  it('cancelled while the source read is in flight: the value arrives in the from channel, nothing is lost', async () => {
    const { stream, pulled } = slowStream([1, 2, 3]);
    const relay = from(stream);
    const reader = toReadableStream(relay).getReader();
    expect((await reader.read()).value).toBe(1);
    const pending = reader.read();
    await until(() => pulled() === 1); // the source read for value 2 has begun
    await reader.cancel();
    expect(await pending).toEqual({ value: undefined, done: true });
    const rest: number[] = [];
    for await (const v of relay) rest.push(v);
    expect(rest).toEqual([2, 3]);
  });

  it('from(syncIterable) → toReadableStream → Response: a generator is advanced once per chunk and finished', async () => {
    let advanced = 0;
    function* words() {
      for (const w of ['a', 'b', 'c']) {
        advanced++;
        yield w;
      }
    }
    const text = await new Response(toReadableStream(from(words())).pipeThrough(new TextEncoderStream())).text();
    expect(text).toBe('abc');
    expect(advanced).toBe(3);
  });
});

describe('toReadableStream of a broadcast subscriber', () => {
  it('capacity 0: a cancelled read is no longer room, the next value stays with its producer for the next pull', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const stream = toReadableStream(sub);
    const reader = stream.getReader();
    const first = reader.read();
    await source.push(1);
    expect(await first).toEqual({ value: 1, done: false });
    const pending = reader.read();
    await settle();
    await reader.cancel();
    expect(await pending).toEqual({ value: undefined, done: true });
    const push2 = source.push(2);
    expect(await state(push2)).toBe('pending');
    expect(await sub.pull()).toBe(2);
    await push2;
    hub.close();
  });

  it('a source that errors: every subscriber’s stream errors with the same reason after its values, and a late subscribe() is closed with it', async () => {
    const failure = new Error('feed broke');
    let n = 0;
    const feed = new ReadableStream<number>(
      {
        pull(c) {
          if (n < 3) c.enqueue(++n);
          else c.error(failure);
        },
      },
      { highWaterMark: 0 },
    );
    const hub = broadcast(from(feed));
    const streams = [
      toReadableStream(hub.subscribe({ capacity: 4 })),
      toReadableStream(hub.subscribe({ capacity: 4 })),
    ];
    const results = await Promise.all(
      streams.map(async (s) => {
        const got: number[] = [];
        try {
          for await (const v of s) got.push(v);
        } catch (error) {
          return { got, error };
        }
        return { got, error: undefined };
      }),
    );
    expect(results).toEqual([
      { got: [1, 2, 3], error: failure },
      { got: [1, 2, 3], error: failure },
    ]);
    expect(results[0]!.error).toBe(failure);
    const late = hub.subscribe();
    const error = await reasonOf(late.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toBe(failure);
  });
});

describe('toReadableStream of a merge', () => {
  it('a stream of a merge of streams with highWaterMark 2: every value once, each input in order', async () => {
    const merged = merge(from(slowStream([1, 2, 3, 4]).stream), from(slowStream([11, 12, 13, 14]).stream));
    const got: number[] = [];
    for await (const v of toReadableStream(merged, { highWaterMark: 2 })) got.push(v);
    expect(got.filter((v) => v < 10)).toEqual([1, 2, 3, 4]);
    expect(got.filter((v) => v > 10)).toEqual([11, 12, 13, 14]);
  });

  it('a signal given to toReadableStream of a merge ends the stream normally; the merge and its inputs keep their values', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    const merged = merge(a, b);
    const controller = new AbortController();
    const reader = toReadableStream(merged, { signal: controller.signal }).getReader();
    await a.pushAll([1, 2]);
    await b.pushAll([10]);
    const firstRead = await reader.read();
    controller.abort();
    expect(await reader.read()).toEqual({ value: undefined, done: true });
    const rest = await merged.pullMany(10);
    const fromA = a.tryPull();
    const fromB = b.tryPull();
    const all = [firstRead.value!, ...rest, ...[fromA, fromB].filter((v) => v !== undefined)];
    expect([...all].sort((x, y) => x - y)).toEqual([1, 2, 10]);
  });
});
