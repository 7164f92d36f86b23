/**
 * Audit BF-web: channels with the platform's streams (Node 20's WHATWG streams and undici's
 * Response), as a web developer combines them. Written from SPEC "Interop" and the README's
 * "Web-platform interop" / "Semantic details (Interop)" before reading src/.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Channel, ChannelClosedError, from, toReadableStream } from '../../dist/index.js';
import { countingStream, reasonOf, settle, state, until } from './util.js';

const enc = new TextEncoder();
/** The platform's ReadableStream.from (Node 20.6+; not in the DOM lib of this TypeScript). */
const streamFrom = <T>(iterable: AsyncIterable<T>): ReadableStream<T> =>
  (ReadableStream as unknown as { from<U>(i: AsyncIterable<U>): ReadableStream<U> }).from(iterable);

describe('toReadableStream with tee()', () => {
  it('both branches of a tee receive every value once, in order, and end when the channel ends', async () => {
    const ch = new Channel<number>(8);
    const [a, b] = toReadableStream(ch).tee();
    const readA = new Response(
      a
        .pipeThrough(new TransformStream<number, string>({ transform: (v, c) => c.enqueue(`${v},`) }))
        .pipeThrough(new TextEncoderStream()),
    )
      .body!.pipeThrough(new TextDecoderStream())
      .getReader();
    // read b fully by hand, a through a Response
    const collectedB: number[] = [];
    const doneB = (async () => {
      for await (const v of b) collectedB.push(v);
    })();
    let textA = '';
    const doneA = (async () => {
      for (;;) {
        const r = await readA.read();
        if (r.done) break;
        textA += r.value;
      }
    })();
    for (let i = 1; i <= 6; i++) await ch.push(i);
    ch.close();
    await Promise.all([doneA, doneB]);
    expect(collectedB).toEqual([1, 2, 3, 4, 5, 6]);
    expect(textA).toBe('1,2,3,4,5,6,');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('close(reason) errors both branches of a tee with that very reason, after the values', async () => {
    const ch = new Channel<number>(4);
    const reason = new Error('upstream failed');
    await ch.pushAll([1, 2]);
    ch.close(reason);
    const [a, b] = toReadableStream(ch).tee();
    const read = async (s: ReadableStream<number>) => {
      const got: number[] = [];
      try {
        for await (const v of s) got.push(v);
      } catch (error) {
        return { got, error };
      }
      return { got, error: 'no error' };
    };
    const [ra, rb] = await Promise.all([read(a), read(b)]);
    expect(ra).toEqual({ got: [1, 2], error: reason });
    expect(rb.got).toEqual([1, 2]);
    expect(rb.error).toBe(reason);
  });
});

describe('Response bodies', () => {
  it('a channel of byte chunks that split a multi-byte character becomes the right text through new Response(...).text()', async () => {
    const bytes = enc.encode('héllo wörld ✓ 🎉');
    const ch = new Channel<Uint8Array>(Infinity);
    for (let i = 0; i < bytes.length; i += 3) ch.pushNowait(bytes.slice(i, i + 3));
    ch.close();
    expect(await new Response(toReadableStream(ch)).text()).toBe('héllo wörld ✓ 🎉');
  });

  it('Response.clone() of a channel-backed response gives the same text to both, pulling each value from the channel once', async () => {
    const ch = new Channel<string>(Infinity);
    const response = new Response(toReadableStream(ch).pipeThrough(new TextEncoderStream()));
    const copy = response.clone();
    const texts = Promise.all([response.text(), copy.text()]);
    for (const s of ['a', 'b', 'c']) await ch.push(s);
    ch.close();
    expect(await texts).toEqual(['abc', 'abc']);
    expect(ch.size).toBe(0);
  });

  it('close(reason) on the channel makes response.text() reject with that reason, as an errored body stream does', async () => {
    // control: what the platform does with a plain stream errored with a reason
    const controlReason = new Error('control');
    const control = new ReadableStream({
      start(c) {
        c.enqueue(enc.encode('x'));
        c.error(controlReason);
      },
    });
    const controlError = await reasonOf(new Response(control).text());
    const ch = new Channel<Uint8Array>(4);
    const reason = new Error('producer failed');
    await ch.push(enc.encode('partial'));
    ch.close(reason);
    const error = await reasonOf(new Response(toReadableStream(ch)).text());
    if (controlError === controlReason) expect(error).toBe(reason);
    else expect((error as Error).name).toBe((controlError as Error).name);
  });

  it('from(response.body) → TextDecoderStream → channel and back into a Response: text survives a round trip split across many chunks', async () => {
    const text = `${'ü'.repeat(500)}\n${'€'.repeat(333)}`;
    const bytes = enc.encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 7) c.enqueue(bytes.slice(i, i + 7));
        c.close();
      },
    });
    const chars = from(
      body.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>),
      { capacity: 2 },
    );
    const echoed = await new Response(toReadableStream(chars).pipeThrough(new TextEncoderStream())).text();
    expect(echoed).toBe(text);
  });

  it('bytes from a channel through CompressionStream and back through DecompressionStream into from(): the same bytes, in order', async () => {
    const ch = new Channel<Uint8Array>(4);
    const gz = toReadableStream(ch).pipeThrough(
      new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
    );
    const back = from(
      gz.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>),
      { capacity: 2 },
    );
    const chunks = Array.from({ length: 40 }, (_, i) => enc.encode(`chunk ${i} ${'x'.repeat(i * 7)}\n`));
    const producer = (async () => {
      for (const c of chunks) await ch.push(c);
      ch.close();
    })();
    const received: Uint8Array[] = [];
    for await (const part of back) received.push(part);
    await producer;
    const text = (parts: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(parts));
    expect(text(received)).toBe(text(chunks));
  });

  it('a byte stream (type: "bytes") read by from() with a default reader: chunks arrive in order, the stream unlocks at the end', async () => {
    const chunks = [enc.encode('ab'), enc.encode('cd'), enc.encode('ef')];
    let i = 0;
    const stream = new ReadableStream({
      type: 'bytes',
      pull(c) {
        if (i < chunks.length) c.enqueue(chunks[i++]!);
        else c.close();
      },
    });
    const got: string[] = [];
    for await (const chunk of from(stream)) got.push(new TextDecoder().decode(chunk));
    expect(got).toEqual(['ab', 'cd', 'ef']);
    expect(stream.locked).toBe(false);
  });

  it('a response body whose client cancels (closeOnCancel) closes the channel: the producer’s next push rejects with ChannelClosedError', async () => {
    const lines = new Channel<string>(1);
    const response = new Response(
      toReadableStream(lines, { closeOnCancel: true }).pipeThrough(new TextEncoderStream()),
    );
    const reader = response.body!.getReader();
    await lines.push('one\n');
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('one\n');
    await reader.cancel(new Error('client went away'));
    await until(() => lines.closed);
    const error = await reasonOf(
      (async () => {
        for (;;) await lines.push('more\n');
      })(),
    );
    expect(error).toBeInstanceOf(ChannelClosedError);
  });
});

describe('errors and reasons propagate as the streams spec does', () => {
  it('close(reason) reaches a pipeThrough chain and the destination sink’s abort() as the same object', async () => {
    const ch = new Channel<number>(4);
    const aborts: unknown[] = [];
    const written: number[] = [];
    const dest = new WritableStream<number>({
      write(v) {
        written.push(v);
      },
      abort(reason) {
        aborts.push(reason);
      },
    });
    const reason = new RangeError('bad input');
    const piped = toReadableStream(ch).pipeThrough(new TransformStream()).pipeTo(dest);
    await ch.pushAll([1, 2, 3]);
    ch.close(reason);
    expect(await reasonOf(piped)).toBe(reason);
    expect(written).toEqual([1, 2, 3]);
    expect(aborts).toEqual([reason]);
  });

  for (const [label, reason] of [
    ['null', null],
    ['0', 0],
    ['false', false],
    ["''", ''],
  ] as const) {
    it(`close(${label}) errors the stream with ${label} itself (a reason other than undefined), after the buffered values`, async () => {
      const ch = new Channel<number>(2);
      await ch.push(1);
      ch.close(reason);
      const reader = toReadableStream(ch).getReader();
      expect(await reader.read()).toEqual({ value: 1, done: false });
      const error = await reasonOf(reader.read());
      expect(error).toBe(reason);
      expect(await reasonOf(reader.closed)).toBe(reason);
    });

    it(`from(a stream errored with ${label}) closes the channel with ${label}: for await throws it`, async () => {
      let pulls = 0;
      const stream = new ReadableStream<number>(
        {
          pull(c) {
            if (pulls++ === 0) c.enqueue(7);
            else c.error(reason);
          },
        },
        { highWaterMark: 0 },
      );
      const got: number[] = [];
      const error = await reasonOf(
        (async () => {
          for await (const v of from(stream)) got.push(v);
        })(),
      );
      expect(got).toEqual([7]);
      expect(error).toBe(reason);
      expect(stream.locked).toBe(false);
    });
  }

  it('a sink that fails part-way: pipeTo rejects with its error, the channel stays open and keeps every value the sink never got', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3, 4, 5, 6]);
    const sinkError = new Error('disk full');
    const seen: number[] = [];
    const dest = new WritableStream<number>({
      write(v) {
        seen.push(v);
        if (v === 3) throw sinkError;
      },
    });
    const stream = toReadableStream(ch);
    expect(await reasonOf(stream.pipeTo(dest))).toBe(sinkError);
    expect(ch.closed).toBe(false);
    const rest: number[] = [];
    for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) rest.push(v);
    expect([...seen, ...rest]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('a sink that fails part-way with closeOnCancel: the producer learns of it (channel closed), the values it had buffered stay readable', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3, 4]);
    const dest = new WritableStream<number>({
      write(v) {
        if (v === 2) throw new Error('sink gone');
      },
    });
    await reasonOf(toReadableStream(ch, { closeOnCancel: true }).pipeTo(dest));
    expect(ch.closed).toBe(true);
    expect(ch.closed && ch.size).toBe(2);
    expect(await ch.pullMany(10)).toEqual([3, 4]);
  });
});

describe('preventClose / preventAbort / preventCancel with channel-backed streams', () => {
  it('pipeTo(dest, { preventClose: true }): the pipe resolves when the channel ends, the destination stays writable', async () => {
    const ch = new Channel<string>(4);
    const written: string[] = [];
    let closed = false;
    const dest = new WritableStream<string>({
      write(v) {
        written.push(v);
      },
      close() {
        closed = true;
      },
    });
    await ch.pushAll(['a', 'b']);
    ch.close();
    await toReadableStream(ch).pipeTo(dest, { preventClose: true });
    expect(closed).toBe(false);
    const writer = dest.getWriter();
    await writer.write('c');
    await writer.close();
    expect(written).toEqual(['a', 'b', 'c']);
    expect(closed).toBe(true);
  });

  it('pipeTo(dest, { preventAbort: true }) after close(reason): the pipe rejects with it and the destination stays usable', async () => {
    const ch = new Channel<number>(2);
    const reason = new Error('nope');
    await ch.push(1);
    ch.close(reason);
    const written: number[] = [];
    const dest = new WritableStream<number>({
      write(v) {
        written.push(v);
      },
    });
    expect(await reasonOf(toReadableStream(ch).pipeTo(dest, { preventAbort: true }))).toBe(reason);
    const writer = dest.getWriter();
    await writer.write(2);
    expect(written).toEqual([1, 2]);
  });

  it('two pipes in a row (preventCancel on the first, aborted through its signal): the second pipe continues the sequence with nothing lost or duplicated', async () => {
    const ch = new Channel<number>(Infinity);
    const stream = toReadableStream(ch);
    const first: number[] = [];
    const controller = new AbortController();
    const pipe1 = stream.pipeTo(
      new WritableStream<number>({
        write(v) {
          first.push(v);
          if (v === 3) controller.abort(new Error('switch'));
        },
      }),
      { preventCancel: true, signal: controller.signal },
    );
    for (let i = 1; i <= 10; i++) ch.pushNowait(i);
    expect(await reasonOf(pipe1)).toBeInstanceOf(Error);
    expect(stream.locked).toBe(false);
    const second: number[] = [];
    const pipe2 = stream.pipeTo(
      new WritableStream<number>({
        write(v) {
          second.push(v);
        },
      }),
    );
    ch.close();
    await pipe2;
    expect([...first, ...second]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('readers: releaseLock mid-read, several streams, round trips', () => {
  it('releaseLock() during a pending read, then cancel(): the next value stays in the channel', async () => {
    const ch = new Channel<number>(1);
    const stream = toReadableStream(ch);
    const reader = stream.getReader();
    const read = reader.read();
    await settle();
    reader.releaseLock();
    await expect(read).rejects.toBeInstanceOf(TypeError);
    await stream.cancel('done');
    expect(ch.stats().waitingPullers).toBe(0);
    await ch.push(42);
    expect(ch.tryPull()).toBe(42);
  });

  it('releaseLock() during a pending read, then close(reason): a new reader sees the reason', async () => {
    const ch = new Channel<number>(1);
    const stream = toReadableStream(ch);
    const reader = stream.getReader();
    const read = reader.read();
    await settle();
    reader.releaseLock();
    await read.catch(() => {});
    const reason = new Error('bye');
    ch.close(reason);
    const reader2 = stream.getReader();
    expect(await reasonOf(reader2.read())).toBe(reason);
  });

  it('two streams over one channel share its values: each value goes to exactly one reader', async () => {
    const ch = new Channel<number>();
    const readers = [toReadableStream(ch).getReader(), toReadableStream(ch).getReader()];
    const got: number[][] = [[], []];
    const loops = readers.map(async (reader, i) => {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        got[i]!.push(r.value);
      }
    });
    for (let i = 0; i < 40; i++) await ch.push(i);
    ch.close();
    await Promise.all(loops);
    expect([...got[0]!, ...got[1]!].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    for (const g of got) expect([...g].sort((a, b) => a - b)).toEqual(g);
  });

  it('from(toReadableStream(src)) closed while its read waits: the read is withdrawn from src, and the next value stays in src', async () => {
    const src = new Channel<number>(4);
    const relay = from(toReadableStream(src), { capacity: 1 });
    await until(() => src.stats().waitingPullers === 1);
    relay.close();
    await settle();
    expect(src.stats().waitingPullers).toBe(0);
    await src.push(1);
    expect(src.tryPull()).toBe(1);
  });

  it('from(toReadableStream(src)) with a capacity: no value of src is lost or duplicated when the relay is closed part-way', async () => {
    const src = new Channel<number>(Infinity);
    for (let i = 0; i < 20; i++) src.pushNowait(i);
    const relay = from(toReadableStream(src), { capacity: 3 });
    const taken = [await relay.pull(), await relay.pull(), await relay.pull(), await relay.pull()];
    relay.close();
    await settle();
    const inRelay: number[] = [];
    for (let v = relay.tryPull(); v !== undefined; v = relay.tryPull()) inRelay.push(v);
    const inSrc: number[] = [];
    for (let v = src.tryPull(); v !== undefined; v = src.tryPull()) inSrc.push(v);
    expect([...taken, ...inRelay, ...inSrc]).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('values that are undefined or null cross toReadableStream and from() unchanged', async () => {
    const ch = new Channel<null | undefined | number>(4);
    await ch.pushAll([undefined, null, 0]);
    ch.close();
    const got: unknown[] = [];
    for await (const v of from(toReadableStream(ch))) got.push(v);
    expect(got).toEqual([undefined, null, 0]);
  });
});

describe('for await over streams and channels with break / throw / return', () => {
  it('throw inside for await over toReadableStream(ch): the stream is cancelled and unlocked, the channel open, the next value kept', async () => {
    const ch = new Channel<number>(4);
    const stream = toReadableStream(ch);
    await ch.pushAll([1, 2]);
    const got: number[] = [];
    const error = await reasonOf(
      (async () => {
        for await (const v of stream) {
          got.push(v);
          throw new Error('stop');
        }
      })(),
    );
    expect((error as Error).message).toBe('stop');
    expect(got).toEqual([1]);
    expect(stream.locked).toBe(false);
    expect(ch.closed).toBe(false);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPull()).toBe(2);
  });

  it('stream.values({ preventCancel: true }) with break: a second loop over the same stream continues where the first stopped', async () => {
    const ch = new Channel<number>(Infinity);
    for (let i = 1; i <= 6; i++) ch.pushNowait(i);
    ch.close();
    const stream = toReadableStream(ch);
    const first: number[] = [];
    for await (const v of stream.values({ preventCancel: true })) {
      first.push(v);
      if (v === 2) break;
    }
    expect(stream.locked).toBe(false);
    const second: number[] = [];
    for await (const v of stream) second.push(v);
    expect([...first, ...second]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('await using a from(stream) channel with break: the stream is cancelled and unlocked when the block ends', async () => {
    const { stream, cancels } = countingStream([1, 2, 3, 4, 5]);
    const got: number[] = [];
    {
      await using ch = from(stream);
      for await (const v of ch) {
        got.push(v);
        if (v === 2) break;
      }
    }
    await settle();
    expect(got).toEqual([1, 2]);
    expect(cancels).toEqual([undefined]);
    expect(stream.locked).toBe(false);
  });

  it('return from a function in the middle of for await over from(asyncGenerator) under `using`: the generator’s finally runs', async () => {
    let finallyRan = false;
    async function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finallyRan = true;
      }
    }
    async function firstOver(limit: number): Promise<number> {
      using ch = from(gen());
      for await (const v of ch) if (v > limit) return v;
      return -1;
    }
    expect(await firstOver(3)).toBe(4);
    await until(() => finallyRan);
    expect(finallyRan).toBe(true);
  });

  it('streamFrom(channel) piped with a signal that aborts while a read waits: the pull is withdrawn and the next value stays', async () => {
    const ch = new Channel<number>(2);
    const controller = new AbortController();
    const written: number[] = [];
    const pipe = streamFrom(ch).pipeTo(
      new WritableStream<number>({
        write(v) {
          written.push(v);
        },
      }),
      { signal: controller.signal },
    );
    await ch.push(1);
    await until(() => written.length === 1 && ch.stats().waitingPullers === 1);
    controller.abort(new Error('leave'));
    await reasonOf(pipe);
    await settle();
    expect(ch.stats().waitingPullers).toBe(0);
    await ch.push(2);
    expect(ch.tryPull()).toBe(2);
  });

  it('a stream from toReadableStream is not read ahead by default: with no reader, a pushed value stays in the channel', async () => {
    const ch = new Channel<number>(1);
    const stream = toReadableStream(ch);
    await ch.push(5);
    await settle();
    expect(ch.size).toBe(1);
    expect(await state(stream.getReader().read())).toBe('fulfilled');
    expect(ch.size).toBe(0);
  });
});

describe('streamFrom(channel) and signals left behind', () => {
  it('streamFrom(channel) errors with the close reason itself (not a ChannelClosedError), after the values', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const reason = new Error('feed ended badly');
    ch.close(reason);
    const got: number[] = [];
    const error = await reasonOf(
      (async () => {
        for await (const v of streamFrom(ch)) got.push(v);
      })(),
    );
    expect(got).toEqual([1, 2]);
    expect(error).toBe(reason);
  });

  it('streamFrom(channel).cancel(reason) while a read waits: the read resolves done, the channel keeps the next value', async () => {
    const ch = new Channel<number>(1);
    const stream = streamFrom(ch);
    const reader = stream.getReader();
    const read = reader.read();
    await until(() => ch.stats().waitingPullers === 1);
    await reader.cancel(new Error('bye'));
    expect(await read).toEqual({ value: undefined, done: true });
    expect(ch.stats().waitingPullers).toBe(0);
    await ch.push(9);
    expect(ch.tryPull()).toBe(9);
  });

  it('from(stream, { signal }) that ends on its own leaves no abort listener on the signal and the stream unlocked', async () => {
    const controller = new AbortController();
    const { stream } = countingStream([1, 2]);
    const ch = from(stream, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2]);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    expect(stream.locked).toBe(false);
  });

  it('merge() of no channel is closed at once: a stream of it ends with no value', async () => {
    const { merge } = await import('../../dist/index.js');
    const none = merge();
    expect(none.closed).toBe(true);
    expect(await toReadableStream(none).getReader().read()).toEqual({ value: undefined, done: true });
  });
});
