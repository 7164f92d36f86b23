/**
 * `from` / `Channel.from`: laziness against sources that count their reads, closing and
 * aborting at each point, and round trips through web streams.
 */

import { Channel, from, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('from: laziness', () => {
  it('reads nothing from a highWaterMark-0 ReadableStream until a pull asks, then one chunk per pull', async () => {
    let pulls = 0;
    const stream = new ReadableStream<number>(
      {
        pull(controller) {
          pulls++;
          controller.enqueue(pulls);
        },
      },
      { highWaterMark: 0 },
    );
    const channel = Channel.from(stream);
    await macrotask();
    expect(pulls).toBe(0);
    expect(await channel.pull()).toBe(1);
    await macrotask();
    expect(pulls).toBe(1);
    expect(await channel.pull()).toBe(2);
    await macrotask();
    expect(pulls).toBe(2);
    channel.close();
  });

  it('reads an endless async generator exactly capacity values ahead of its consumer', async () => {
    let yielded = 0;
    let finished = false;
    async function* endless() {
      try {
        for (;;) yield ++yielded;
      } finally {
        finished = true;
      }
    }
    const channel = from(endless(), { capacity: 2 });
    for (let i = 0; i < 5; i++) await macrotask();
    expect(yielded).toBe(2);
    expect(await channel.pull()).toBe(1);
    for (let i = 0; i < 5; i++) await macrotask();
    expect(yielded).toBe(3);
    expect(channel.size).toBe(2);
    channel.close();
    await macrotask();
    expect(finished).toBe(true);
    // What it had read ahead stays readable after the close.
    expect(await channel.pullMany(5)).toEqual([2, 3]);
  });

  it('reads a ReadableStream (highWaterMark 0) at most capacity chunks ahead of its consumer', async () => {
    let pulls = 0;
    const stream = new ReadableStream<number>(
      {
        pull(controller) {
          controller.enqueue(++pulls);
        },
      },
      { highWaterMark: 0 },
    );
    const channel = from(stream, { capacity: 3 });
    for (let i = 0; i < 5; i++) await macrotask();
    expect(pulls).toBe(3);
    expect(await channel.pullMany(2)).toEqual([1, 2]);
    for (let i = 0; i < 5; i++) await macrotask();
    expect(pulls).toBe(5);
    channel.close();
  });
});

describe('from: ending, failing and cancelling', () => {
  it('an abort while a stream read waits cancels the stream with the signal’s reason, unlocks it and closes the channel normally', async () => {
    let cancelReason: unknown;
    const stream = new ReadableStream<number>({
      pull: () => new Promise<void>(() => {}),
      cancel(reason) {
        cancelReason = reason;
      },
    });
    const controller = new AbortController();
    const channel = from(stream, { signal: controller.signal });
    const waiting = channel.pull();
    await macrotask();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toMatchObject({ name: 'ChannelClosedError' });
    await macrotask();
    expect(cancelReason).toBe(reason);
    expect(stream.locked).toBe(false);
    expect(channel.closed).toBe(true);
    // Closed normally: a loop over it ends without throwing.
    for await (const _ of channel) expect.unreachable();
  });

  it('a channel → toReadableStream → TransformStream → from round trip keeps order and carries the close reason', async () => {
    const source = new Channel<number>(4);
    const doubled = from(
      toReadableStream(source).pipeThrough(
        new TransformStream<number, number>({
          transform(value, controller) {
            controller.enqueue(value * 2);
          },
        }),
      ),
    );
    await source.pushAll([1, 2, 3]);
    const failure = new Error('upstream failed');
    source.close(failure);
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const value of doubled) seen.push(value);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([2, 4, 6]);
    expect(caught).toBe(failure);
  });

  it('a ReadableStream that errors after some chunks closes the channel with that error after the chunks', async () => {
    const failure = new TypeError('network');
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('a');
        controller.enqueue('b');
        controller.error(failure);
      },
    });
    const channel = from(stream, { capacity: 1 });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of channel) seen.push(chunk);
      })(),
    ).rejects.toBe(failure);
    // The stream errored before its chunks were read: the platform discards them (a stream's
    // error empties its queue), so what arrives is the platform's business; the close is ours.
    expect(channel.closed).toBe(true);
    expect(stream.locked).toBe(false);
  });

  it('closing a from channel over a synchronous generator runs the generator’s finally inside close()', () => {
    const events: string[] = [];
    function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        events.push('finally');
      }
    }
    const channel = from(numbers(), { capacity: 2 });
    channel.close();
    events.push('after close');
    expect(events).toEqual(['finally', 'after close']);
  });
});
