/**
 * Audit BO-interop: `toReadableStream` and `from` against the web-streams semantics a user knows —
 * pipeTo / pipeThrough / tee / ReadableStream.from / Response, cancel reasons, locks, and that no
 * value a source produced is lost (each either reaches the consumer or stays in the channel).
 */
import { getEventListeners } from 'node:events';
import { Channel, from, merge, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A stream of 0..count-1 that counts its pulls and records its cancel reason. */
function countingStream(count: number, highWaterMark = 0) {
  const state = { pulls: 0, cancelled: false, reason: undefined as unknown };
  const stream = new ReadableStream<number>(
    {
      pull(controller) {
        if (state.pulls === count) controller.close();
        else controller.enqueue(state.pulls++);
      },
      cancel(reason) {
        state.cancelled = true;
        state.reason = reason;
      },
    },
    { highWaterMark },
  );
  return { stream, state };
}

describe('toReadableStream', () => {
  it('pipeTo a WritableStream writes every value in order, then closes the sink', async () => {
    const ch = new Channel<number>(2);
    const written: number[] = [];
    let closed = false;
    const sink = new WritableStream<number>({
      write(v) {
        written.push(v);
      },
      close() {
        closed = true;
      },
    });
    const piping = toReadableStream(ch).pipeTo(sink);
    await ch.pushAll([1, 2, 3, 4, 5]);
    ch.close();
    await piping;
    expect(written).toEqual([1, 2, 3, 4, 5]);
    expect(closed).toBe(true);
  });

  it('pipeTo rejects with the close reason and aborts the sink with it', async () => {
    const ch = new Channel<number>(2);
    let abortReason: unknown;
    const written: number[] = [];
    const sink = new WritableStream<number>({
      write(v) {
        written.push(v);
      },
      abort(reason) {
        abortReason = reason;
      },
    });
    const boom = new Error('boom');
    const piping = toReadableStream(ch).pipeTo(sink);
    await ch.pushAll([1, 2]);
    ch.close(boom);
    await expect(piping).rejects.toBe(boom);
    expect(written).toEqual([1, 2]);
    expect(abortReason).toBe(boom);
  });

  it('a pipeTo aborted by AbortSignal.any rejects with the reason, unlocks and leaves later values in the channel', async () => {
    const ch = new Channel<number>(4);
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(60_000)]);
    const written: number[] = [];
    const stream = toReadableStream(ch);
    const piping = stream.pipeTo(new WritableStream<number>({ write: (v) => void written.push(v) }), { signal });
    ch.pushNowait(1);
    await macrotask();
    const reason = new Error('user left');
    controller.abort(reason);
    await expect(piping).rejects.toBe(reason);
    expect(stream.locked).toBe(false);
    ch.pushNowait(2);
    ch.pushNowait(3);
    await macrotask();
    expect(written).toEqual([1]);
    expect(ch.size).toBe(2);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);
  });

  it('pipeThrough(TransformStream) into Response.text() carries every value', async () => {
    const ch = new Channel<string>();
    const body = toReadableStream(ch)
      .pipeThrough(
        new TransformStream<string, string>({
          transform(chunk, controller) {
            controller.enqueue(chunk.toUpperCase());
          },
        }),
      )
      .pipeThrough(new TextEncoderStream());
    const text = new Response(body).text();
    for (const line of ['a\n', 'b\n', 'c\n']) await ch.push(line);
    ch.close();
    expect(await text).toBe('A\nB\nC\n');
  });

  it('tee: both branches see every value; cancelling both leaves the channel open and takes nothing more', async () => {
    const ch = new Channel<number>(4);
    const [left, right] = toReadableStream(ch).tee();
    await ch.pushAll([1, 2]);
    const l = left.getReader();
    const r = right.getReader();
    expect(await l.read()).toEqual({ value: 1, done: false });
    expect(await r.read()).toEqual({ value: 1, done: false });
    expect(await r.read()).toEqual({ value: 2, done: false });
    expect(await l.read()).toEqual({ value: 2, done: false });
    const pending = l.read(); // parks a pull on the channel through the tee
    await macrotask();
    expect(ch.stats().waitingPullers).toBe(1);
    void l.cancel();
    await r.cancel();
    expect(await pending).toEqual({ value: undefined, done: true });
    ch.pushNowait(3);
    await macrotask();
    expect(ch.size).toBe(1);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);
  });

  it('for await over the stream, then break: the stream is cancelled, the channel stays open and keeps the rest', async () => {
    const ch = new Channel<number>(4);
    await ch.pushAll([1, 2, 3]);
    const stream = toReadableStream(ch);
    const seen: number[] = [];
    for await (const v of stream as unknown as AsyncIterable<number>) {
      seen.push(v);
      if (v === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    expect(stream.locked).toBe(false);
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(3);
  });

  it('values({ preventCancel: true }) then break: nothing consumed beyond what was read, a second reader goes on', async () => {
    const ch = new Channel<number>(4);
    await ch.pushAll([1, 2, 3]);
    const stream = toReadableStream(ch);
    for await (const v of (stream as unknown as { values(o: object): AsyncIterable<number> }).values({
      preventCancel: true,
    })) {
      expect(v).toBe(1);
      break;
    }
    expect(stream.locked).toBe(false);
    expect(ch.size).toBe(2);
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ value: 2, done: false });
    expect(ch.size).toBe(1);
  });

  it('cancel(reason) during a pending read resolves that read done, consumes nothing, leaves the channel open', async () => {
    const ch = new Channel<number>();
    const reader = toReadableStream(ch).getReader();
    const read = reader.read();
    await macrotask();
    await reader.cancel(new Error('bye'));
    expect(await read).toEqual({ value: undefined, done: true });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false); // unbuffered and nobody waits: the stream left no pull
    expect(ch.closed).toBe(false);
  });

  it('closeOnCancel: cancelling the body closes the channel, which releases a from() source behind it', async () => {
    let finalized = false;
    async function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const ch = from(gen());
    const reader = toReadableStream(ch, { closeOnCancel: true }).getReader();
    expect((await reader.read()).value).toBe(0);
    await reader.cancel();
    expect(ch.closed).toBe(true);
    await macrotask();
    expect(finalized).toBe(true);
  });

  it('(ReadableStream as unknown as { from<T>(s: AsyncIterable<T> | ReadableStream<T>): ReadableStream<T> }).from(toReadableStream(ch)) round-trips (the platform wraps a stream as is)', async () => {
    const ch = new Channel<number>(3);
    await ch.pushAll([1, 2, 3]);
    ch.close();
    const out: number[] = [];
    for await (const v of (
      ReadableStream as unknown as { from<T>(s: AsyncIterable<T> | ReadableStream<T>): ReadableStream<T> }
    ).from(toReadableStream(ch)) as unknown as AsyncIterable<number>)
      out.push(v);
    expect(out).toEqual([1, 2, 3]);
  });

  it('a stream over a merge of from() channels loses nothing end to end', async () => {
    const merged = merge(
      from([1, 2, 3]),
      from(
        (async function* () {
          yield 10;
          yield 20;
        })(),
      ),
    );
    const text = await new Response(
      toReadableStream(merged)
        .pipeThrough(new TransformStream<number, string>({ transform: (v, c) => c.enqueue(`${v},`) }))
        .pipeThrough(new TextEncoderStream()),
    ).text();
    const values = text.split(',').filter(Boolean).map(Number);
    expect(values.sort((a, b) => a - b)).toEqual([1, 2, 3, 10, 20]);
    expect(values.filter((v) => v < 10)).toEqual([1, 2, 3]);
  });
});

describe('from(ReadableStream)', () => {
  it('a closed source releases the lock: the stream is unlocked after the channel drained', async () => {
    const { stream } = countingStream(3);
    const ch = from(stream);
    expect(stream.locked).toBe(true);
    const out: number[] = [];
    for await (const v of ch) out.push(v);
    expect(out).toEqual([0, 1, 2]);
    expect(stream.locked).toBe(false);
  });

  it('close(reason) cancels the source with that reason and unlocks it, inside close()', async () => {
    const { stream, state } = countingStream(100);
    const ch = from(stream, { capacity: 2 });
    await macrotask();
    const reason = new Error('enough');
    ch.close(reason);
    expect(stream.locked).toBe(false);
    await macrotask();
    expect(state.cancelled).toBe(true);
    expect(state.reason).toBe(reason);
    // buffered values stay readable, then the reason
    expect(ch.pullNowait()).toBe(0);
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelClosedError', cause: reason }));
  });

  it('AbortSignal.timeout: the source is cancelled with the TimeoutError, the channel ends normally, nothing listens any more', async () => {
    let state = { cancelled: false, reason: undefined as unknown };
    let n = 0;
    const stream = new ReadableStream<number>(
      {
        pull(c) {
          if (n < 3) c.enqueue(n++); // then never ends by itself
        },
        cancel(reason) {
          state = { cancelled: true, reason };
        },
      },
      { highWaterMark: 0 },
    );
    const signal = AbortSignal.timeout(50);
    const ch = from(stream, { signal });
    const out: number[] = [];
    for await (const v of ch) out.push(v); // ends normally at the abort
    expect(out).toEqual([0, 1, 2]);
    expect(state.cancelled).toBe(true);
    expect((state.reason as DOMException).name).toBe('TimeoutError');
    expect(state.reason).toBe(signal.reason);
    expect(stream.locked).toBe(false);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('an already-aborted signal: the stream is cancelled with its reason and left unlocked, no chunk read', async () => {
    const { stream, state } = countingStream(5);
    const reason = new Error('pre');
    const ch = from(stream, { signal: AbortSignal.abort(reason) });
    expect(ch.closed).toBe(true);
    expect(stream.locked).toBe(false);
    await macrotask();
    expect(state.pulls).toBe(0);
    expect(state.cancelled).toBe(true);
    expect(state.reason).toBe(reason);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('a stream that errors closes the channel with its error after the chunks before it, and unlocks', async () => {
    const boom = new Error('net');
    let step = 0;
    const stream = new ReadableStream<number>({
      pull(c) {
        if (step < 2) c.enqueue(step++);
        else c.error(boom);
      },
    });
    const ch = from(stream);
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) out.push(v);
      })(),
    ).rejects.toBe(boom);
    expect(out).toEqual([0, 1]);
    expect(stream.locked).toBe(false);
  });

  it('a bad option leaves the stream unlocked and unread', () => {
    const { stream, state } = countingStream(5);
    expect(() => from(stream, { capacity: 1.5 })).toThrow(RangeError);
    expect(() => from(stream, { name: 5 as never })).toThrow(TypeError);
    expect(stream.locked).toBe(false);
    expect(state.pulls).toBe(0);
  });

  it('a byte stream (type: "bytes") is read with its default reader, chunk by chunk', async () => {
    const chunks = [new Uint8Array([1, 2]), new Uint8Array([3])];
    let i = 0;
    const stream = new ReadableStream({
      type: 'bytes',
      pull(c) {
        const chunk = chunks[i++];
        if (chunk) c.enqueue(chunk);
        else c.close();
      },
    });
    const out: number[][] = [];
    for await (const chunk of from(stream)) out.push([...(chunk as Uint8Array)]);
    expect(out).toEqual([[1, 2], [3]]);
  });

  it('from(toReadableStream(ch)) then close of the from channel: the inner stream is cancelled and ch keeps its values', async () => {
    const ch = new Channel<number>(4);
    await ch.pushAll([1, 2, 3]);
    const outer = from(toReadableStream(ch));
    expect(await outer.pull()).toBe(1);
    outer.close();
    await macrotask();
    expect(ch.closed).toBe(false);
    // capacity 0 and highWaterMark 0: nothing was read ahead
    expect(ch.size).toBe(2);
    expect(ch.stats().waitingPullers).toBe(0);
  });
});
