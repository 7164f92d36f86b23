/**
 * Audit BO-programs: programs that move values between channels and the web platform's streams
 * and iterables — `from(async generator | ReadableStream | iterable)`, `toReadableStream` piped
 * through a `TransformStream`, `ReadableStream.from(channel)` cancelled mid-way, `merge` of
 * several sources — and error paths: a producer that throws, a consumer that breaks out early,
 * a channel disposed while operations are parked on it. Every value is counted.
 */
import { getEventListeners } from 'node:events';
import { Channel, ChannelClosedError, from, merge, pull, push, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drain, idle, range, tick } from './helpers.js';

/** The platform's ReadableStream.from (Node 20.6+; not in the DOM lib of this TypeScript). */
const streamFrom = <T>(iterable: AsyncIterable<T>): ReadableStream<T> =>
  (ReadableStream as unknown as { from<U>(i: AsyncIterable<U>): ReadableStream<U> }).from(iterable);

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) return out;
    out.push(r.value);
  }
}

describe('from → channel → toReadableStream → TransformStream', () => {
  it('an async generator through a channel and a TransformStream: every value once, in order; the generator is released', async () => {
    let released = false;
    async function* gen() {
      try {
        for (let i = 0; i < 100; i++) {
          if (i % 7 === 0) await tick();
          yield i;
        }
      } finally {
        released = true;
      }
    }
    const ch = from(gen(), { capacity: 3 });
    const doubled = toReadableStream(ch).pipeThrough(
      new TransformStream<number, string>({
        transform(v, controller) {
          controller.enqueue(`${v * 2}`);
        },
      }),
    );
    const out = await readAll(doubled);
    expect(out).toEqual(range(100).map((v) => `${v * 2}`));
    expect(released).toBe(true);
    expect(ch.closed).toBe(true);
    idle(ch);
  });

  it('a ReadableStream source that errors: values before the error arrive, then the channel closes with it and the stream downstream errors with it', async () => {
    const boom = new Error('disk failed');
    let n = 0;
    const src = new ReadableStream<number>({
      pull(controller) {
        if (n === 10) controller.error(boom);
        else controller.enqueue(n++);
      },
    });
    const ch = from(src, { capacity: 2 });
    const reader = toReadableStream(ch).getReader();
    const got: number[] = [];
    let err: unknown;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        got.push(r.value);
      }
    } catch (error) {
      err = error;
    }
    expect(got).toEqual(range(10));
    expect(err).toBe(boom);
    idle(ch);
  });

  it('pipeTo aborted mid-way: what reached the sink, plus what the transform held, plus what stayed in the channel, is every value pushed', async () => {
    const ch = new Channel<number>(4, { name: 'lines' });
    const ac = new AbortController();
    const sink: number[] = [];
    const transformSeen: number[] = [];
    const producer = (async () => {
      let i = 0;
      try {
        for (; i < 1000; i++) await ch.push(i);
      } catch {}
      return i;
    })();
    const piped = toReadableStream(ch, { signal: ac.signal })
      .pipeThrough(
        new TransformStream<number, number>({
          transform(v, c) {
            transformSeen.push(v);
            c.enqueue(v);
          },
        }),
      )
      .pipeTo(
        new WritableStream<number>({
          async write(v) {
            sink.push(v);
            if (sink.length === 50) ac.abort(new Error('client left'));
            await tick();
          },
        }),
        { signal: ac.signal },
      );
    await expect(piped).rejects.toThrow('client left');
    await tick();
    // The channel stays open (a stream's cancel does not close it) and holds the rest.
    expect(ch.closed).toBe(false);
    const rest: number[] = [];
    while (rest.length === 0 || rest.at(-1) !== 999) rest.push(...(await ch.pullMany(100)));
    expect(await producer).toBe(1000);
    // Values the transform took but the sink never wrote are gone with the pipe (documented:
    // "A pipeThrough(transform) may have taken one value ahead into the transform's queue").
    const lostInPipe = transformSeen.filter((v) => !sink.includes(v));
    expect([...sink, ...lostInPipe, ...rest]).toEqual(range(1000));
    expect(lostInPipe.length).toBeLessThanOrEqual(2);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    idle(ch);
  });
});

describe('cancelling a stream of a channel', () => {
  it('ReadableStream.from(channel) cancelled after 5 values: the other 15 stay in the channel for the next consumer', async () => {
    const ch = new Channel<number>(32, { name: 'jobs' });
    await ch.pushAll(range(20));
    const reader = streamFrom(ch).getReader();
    const got: number[] = [];
    for (let k = 0; k < 5; k++) got.push((await reader.read()).value as number);
    await reader.cancel();
    const rest: number[] = [];
    ch.close();
    for await (const v of ch) rest.push(v);
    expect([...got, ...rest]).toEqual(range(20));
    idle(ch);
  });

  it('ReadableStream.from(channel) cancelled while its read waits: the next value pushed goes to the next consumer', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const reader = streamFrom(ch).getReader();
    const pending = reader.read();
    await tick();
    expect(ch.stats().waitingPullers).toBe(1);
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
    const other = ch.pull();
    await ch.push(42);
    expect(await other).toBe(42);
    idle(ch);
  });

  it('toReadableStream(channel) cancelled mid-way while a producer keeps pushing: the producer goes on into the channel, nothing lost', async () => {
    const ch = new Channel<number>(2, { name: 'events' });
    const producer = ch.pushAll(range(30));
    const reader = toReadableStream(ch).getReader();
    const got: number[] = [];
    for (let k = 0; k < 7; k++) got.push((await reader.read()).value as number);
    await reader.cancel('bye');
    const rest: number[] = [];
    while (got.length + rest.length < 30) rest.push(await ch.pull());
    await producer;
    expect([...got, ...rest]).toEqual(range(30));
    idle(ch);
  });
});

describe('merge of several sources', () => {
  it('merge(from(array), from(async generator), from(ReadableStream), a plain channel): each input in order, every value once, closed at the end', async () => {
    async function* gen() {
      for (let i = 0; i < 40; i++) {
        if (i % 5 === 0) await tick();
        yield `g${i}`;
      }
    }
    let s = 0;
    const stream = new ReadableStream<string>({
      pull(c) {
        if (s === 40) c.close();
        else c.enqueue(`s${s++}`);
      },
    });
    const plain = new Channel<string>(0, { name: 'plain' });
    const a = from(range(40).map((i) => `a${i}`));
    const g = from(gen(), { capacity: 2 });
    const r = from(stream);
    const all = merge(a, g, r, plain);
    const producer = (async () => {
      for (let i = 0; i < 40; i++) {
        await plain.push(`p${i}`);
        if (i % 3 === 0) await tick();
      }
      plain.close();
    })();
    const got: string[] = [];
    for await (const v of all) got.push(v);
    await producer;
    for (const prefix of ['a', 'g', 's', 'p']) {
      expect(got.filter((v) => v[0] === prefix)).toEqual(range(40).map((i) => `${prefix}${i}`));
    }
    expect(got.length).toBe(160);
    idle(a, g, r, plain, all);
  });

  it('merge where one input closes with a reason: the merged loop throws it; the other inputs keep every value they had not handed on', async () => {
    const x = new Channel<number>(4, { name: 'x' });
    const y = new Channel<number>(4, { name: 'y' });
    const all = merge(x, y);
    await x.pushAll([1, 2, 3]);
    await y.pushAll([10, 20, 30]);
    const got: number[] = [];
    const reason = new Error('x failed');
    let err: unknown;
    try {
      for await (const v of all) {
        got.push(v);
        if (got.length === 2) x.close(reason);
      }
    } catch (error) {
      err = error;
    }
    expect(err).toBe(reason);
    const rest = [...drain(all), ...drain(x), ...drain(y)];
    expect([...got, ...rest].sort((p, q) => p - q)).toEqual([1, 2, 3, 10, 20, 30]);
  });
});

describe('error paths', () => {
  it('a producer generator that throws: values before the throw arrive, then for await throws its error', async () => {
    const boom = new Error('producer crashed');
    async function* gen() {
      yield 1;
      yield 2;
      await tick();
      yield 3;
      throw boom;
    }
    const ch = from(gen());
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) got.push(v);
      })(),
    ).rejects.toBe(boom);
    expect(got).toEqual([1, 2, 3]);
    idle(ch);
  });

  it('a consumer that breaks out of for await early leaves the rest for the next consumer (Go: the channel is shared), also from a lazy `from` channel', async () => {
    let produced = 0;
    function* gen() {
      for (let i = 0; i < 30; i++) {
        produced++;
        yield i;
      }
    }
    for (const capacity of [0, 1, 5]) {
      produced = 0;
      const ch = from(gen(), { capacity });
      const first: number[] = [];
      for await (const v of ch) {
        first.push(v);
        if (v === 9) break;
      }
      expect(ch.closed).toBe(false);
      expect(produced).toBeLessThanOrEqual(10 + capacity);
      const second: number[] = [];
      for await (const v of ch) second.push(v);
      expect([...first, ...second]).toEqual(range(30));
      idle(ch);
    }
  });

  it('a consumer whose loop body throws: the value it was handling is its own; the next consumer starts with the one after', async () => {
    const ch = new Channel<number>(8, { name: 'jobs' });
    await ch.pushAll(range(8));
    ch.close();
    const handled: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) {
          if (v === 3) throw new Error(`bad ${v}`);
          handled.push(v);
        }
      })(),
    ).rejects.toThrow('bad 3');
    for await (const v of ch) handled.push(v);
    expect(handled).toEqual([0, 1, 2, 4, 5, 6, 7]);
  });

  it('await using disposes a channel while a pull and a push are parked on it: both reject with ChannelClosedError; buffered values stay readable', async () => {
    const parked: Promise<unknown>[] = [];
    let kept: Channel<number> | undefined;
    {
      await using full = new Channel<number>(2, { name: 'full' });
      await full.pushAll([1, 2]);
      parked.push(
        full.push(3).then(
          () => 'pushed',
          (e) => e,
        ),
      );
      kept = full;
    }
    {
      await using empty = new Channel<number>(0, { name: 'empty' });
      parked.push(
        empty.pull().then(
          (v) => v,
          (e) => e,
        ),
      );
      await tick();
    }
    const [push3, pull0] = await Promise.all(parked);
    expect(push3).toBeInstanceOf(ChannelClosedError);
    expect(pull0).toBeInstanceOf(ChannelClosedError);
    expect(drain(kept as Channel<number>)).toEqual([1, 2]);
    idle(kept as Channel<number>);
  });

  it('a for await parked on a channel when an await using block around the producer ends: the loop ends normally after the buffered values', async () => {
    const got: number[] = [];
    let ch!: Channel<number>;
    let consumer!: Promise<void>;
    {
      await using jobs = new Channel<number>(4, { name: 'jobs' });
      ch = jobs;
      consumer = (async () => {
        for await (const v of jobs) {
          got.push(v);
          await tick();
        }
      })();
      await jobs.pushAll(range(10));
    }
    await consumer;
    expect(got).toEqual(range(10));
    idle(ch);
  });

  it('dispose while a select, a pullMany and a pushAll are parked: the pull case fires ok:false, the push case and pullMany reject, pushAll reports `pushed`', async () => {
    const other = new Channel<number>(0, { name: 'other' });
    let a!: Channel<number>;
    let b!: Channel<number>;
    let outcomes!: Promise<unknown[]>;
    {
      await using inbox = new Channel<number>(0, { name: 'inbox' });
      await using outbox = new Channel<number>(2, { name: 'outbox' });
      a = inbox;
      b = outbox;
      await outbox.pushAll([1, 2]);
      outcomes = Promise.all([
        select([pull(inbox), pull(other)]).then((r) => ({ index: r.index, ok: r.ok })),
        select([push(outbox, 9), pull(other)]).then(
          () => 'committed',
          (e) => (e as Error).name,
        ),
        inbox.pullMany(5).then(
          () => 'took',
          (e) => (e as Error).name,
        ),
        outbox.pushAll([3, 4, 5]).then(
          () => 'all',
          (e) => [(e as Error).name, (e as { pushed: number }).pushed],
        ),
      ]);
      await tick();
      expect(outbox.stats().waitingPushers).toBe(2);
      expect(inbox.stats().waitingPullers).toBe(2);
    }
    expect(await outcomes).toEqual([
      { index: 0, ok: false },
      'ChannelClosedError',
      'ChannelClosedError',
      ['ChannelClosedError', 0],
    ]);
    expect(drain(b)).toEqual([1, 2]);
    idle(a, b, other);
  });

  it('await using a from(async generator) while a consumer is parked on it: the loop ends normally and the generator is released', async () => {
    let released = false;
    async function* slow() {
      try {
        for (let i = 0; ; i++) {
          await tick(5);
          yield i;
        }
      } finally {
        released = true;
      }
    }
    const got: number[] = [];
    let loop!: Promise<void>;
    let ch!: Channel<number>;
    {
      await using src = from(slow(), { capacity: 1 });
      ch = src;
      loop = (async () => {
        for await (const v of src) got.push(v);
      })();
      while (got.length < 3) await tick(5);
    }
    await loop;
    await tick(20);
    expect(got).toEqual(range(got.length));
    expect(released).toBe(true);
    idle(ch);
  });
});

describe('pipeTo aborted mid-way, without a transform', () => {
  for (const variant of ['toReadableStream', 'toReadableStream + signal', 'ReadableStream.from'] as const) {
    for (const capacity of [0, 3]) {
      it(`${variant}, channel capacity ${capacity}: sink + what the next consumer reads is every value, none lost`, async () => {
        const ch = new Channel<number>(capacity, { name: 'lines' });
        const ac = new AbortController();
        const producer = (async () => {
          for (let i = 0; i < 100; i++) await ch.push(i);
        })();
        const sink: number[] = [];
        const rs =
          variant === 'ReadableStream.from'
            ? streamFrom(ch)
            : toReadableStream(ch, variant === 'toReadableStream + signal' ? { signal: ac.signal } : {});
        const piped = rs.pipeTo(
          new WritableStream<number>({
            async write(v) {
              sink.push(v);
              if (sink.length === 20) ac.abort(new Error('client left'));
              await tick();
            },
          }),
          { signal: ac.signal },
        );
        await expect(piped).rejects.toThrow('client left');
        await tick();
        const rest: number[] = [];
        while (sink.length + rest.length < 100) rest.push(...(await ch.pullMany(100)));
        await producer;
        expect([...sink, ...rest]).toEqual(range(100));
        expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
        idle(ch);
      });
    }
  }
});
