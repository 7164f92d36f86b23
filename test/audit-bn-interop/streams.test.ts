/**
 * `toReadableStream`: highWaterMark, cancel, close reasons, and web-stream plumbing
 * (pipeTo, pipeThrough, a broadcast subscriber as a stream).
 */

import { broadcast, Channel, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function readAll<T>(stream: ReadableStream<T>): Promise<unknown[]> {
  const reader = stream.getReader();
  const seen: unknown[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return seen;
      seen.push(value);
    }
  } catch (error) {
    seen.push(`error: ${(error as Error).message}`);
    return seen;
  }
}

describe('toReadableStream: close reasons with a highWaterMark above 0', () => {
  it('with highWaterMark 2, values queued before close(reason) are all read before the stream errors', async () => {
    const channel = new Channel<number>(8);
    await channel.pushAll([1, 2, 3]);
    const stream = toReadableStream(channel, { highWaterMark: 2 });
    await macrotask();
    expect(channel.size).toBe(1); // two pulled ahead, only what the stream wanted
    channel.close(new Error('boom'));
    expect(await readAll(stream)).toEqual([1, 2, 3, 'error: boom']);
  });

  // BN-1: the "queue is empty" test compares desiredSize with highWaterMark, which cannot see a
  // queue of a few values under a highWaterMark of 2^54 or more (hwm − n rounds to hwm).
  it.each([
    ['Number.MAX_VALUE', Number.MAX_VALUE],
    ['1e20', 1e20],
    ['2 ** 54', 2 ** 54],
  ])(
    'BN-1: with a finite highWaterMark of %s, every value the stream pulled is read before it errors with the close reason',
    async (_, highWaterMark) => {
      const channel = new Channel<number>(8);
      await channel.pushAll([1, 2, 3]);
      const stream = toReadableStream(channel, { highWaterMark });
      await macrotask();
      expect(channel.size).toBe(0); // the stream took all three into its queue
      channel.close(new Error('boom'));
      await macrotask();
      expect(await readAll(stream)).toEqual([1, 2, 3, 'error: boom']);
    },
  );
});

describe('toReadableStream: web-stream plumbing', () => {
  it('pipeTo a WritableStream from a broadcast subscriber writes every value, then aborts the sink with the source’s close reason', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 2 });
    const written: number[] = [];
    let abortReason: unknown;
    const sink = new WritableStream<number>({
      write(value) {
        written.push(value);
      },
      abort(reason) {
        abortReason = reason;
      },
    });
    const piping = toReadableStream(subscriber).pipeTo(sink);
    await source.pushAll([1, 2, 3, 4, 5]);
    const failure = new Error('source failed');
    source.close(failure);
    await expect(piping).rejects.toBe(failure);
    expect(written).toEqual([1, 2, 3, 4, 5]);
    expect(abortReason).toBe(failure);
  });

  it('a pipeTo aborted by its signal leaves the channel open and every value not written still in it', async () => {
    const channel = new Channel<number>(16);
    await channel.pushAll(Array.from({ length: 10 }, (_, i) => i));
    const written: number[] = [];
    let release: () => void = () => {};
    const sink = new WritableStream<number>(
      {
        write(value) {
          written.push(value);
          // The third write waits, so that the pipe is stopped half-way.
          if (written.length === 3) return new Promise<void>((resolve) => (release = resolve));
        },
      },
      { highWaterMark: 1 },
    );
    const controller = new AbortController();
    const piping = toReadableStream(channel).pipeTo(sink, { signal: controller.signal });
    while (written.length < 3) await macrotask();
    controller.abort(new Error('stop'));
    release();
    await expect(piping).rejects.toThrow('stop');
    expect(channel.closed).toBe(false);
    // The pipe read at most one value beyond the sink (its queue of one): nothing else left.
    const left = await channel.pullMany(16);
    const taken = 10 - left.length;
    expect(left).toEqual(Array.from({ length: left.length }, (_, i) => taken + i));
    expect(taken - written.length).toBeLessThanOrEqual(1);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  it('pipeThrough(TextEncoderStream) into a Response body gives the channel’s strings in order, and the body ends when the channel closes', async () => {
    const lines = new Channel<string>();
    const body = toReadableStream(lines).pipeThrough(new TextEncoderStream());
    const text = new Response(body).text();
    for (const line of ['a\n', 'b\n', 'c\n']) await lines.push(line);
    lines.close();
    expect(await text).toBe('a\nb\nc\n');
  });

  it('cancelling a highWaterMark-0 stream while its read waits consumes nothing: the next push goes to the next consumer', async () => {
    const channel = new Channel<string>();
    const stream = toReadableStream(channel);
    const reader = stream.getReader();
    const read = reader.read();
    await macrotask();
    expect(channel.stats().waitingPullers).toBe(1);
    await reader.cancel('gone');
    expect(await read).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
    const next = channel.pull();
    await channel.push('kept');
    expect(await next).toBe('kept');
    expect(channel.closed).toBe(false);
  });
});
