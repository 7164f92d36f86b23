import { Channel, ChannelClosedError, from } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { microtasks, tick, track, until } from './util.js';

describe('Channel.from / from', () => {
  it('Channel.from and from are the same function; every value delivered once, in order, then closed', async () => {
    expect(Channel.from).toBe(from);
    const ch = Channel.from([1, 2, 3, 4, 5]);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(ch.closed).toBe(true);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('an async iterable, in order, closed at its end', async () => {
    async function* gen() {
      for (let i = 0; i < 50; i++) {
        if (i % 7 === 0) await tick();
        yield i;
      }
    }
    const got: number[] = [];
    for await (const v of from(gen(), { capacity: 3 })) got.push(v);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('a ReadableStream, in order, closed at its end, unlocked after', async () => {
    const stream = new ReadableStream<number>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(i);
        c.close();
      },
    });
    const ch = from(stream, { capacity: 2 });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await until(() => !stream.locked, 'stream unlocked');
  });

  it('is lazy: never more than `capacity` values ahead of its consumer (endless source)', async () => {
    let produced = 0;
    function* endless() {
      for (;;) {
        produced++;
        yield produced;
      }
    }
    const ch = from(endless(), { capacity: 3 });
    await tick();
    await microtasks();
    expect(produced).toBeLessThanOrEqual(3);
    expect(await ch.pull()).toBe(1);
    await tick();
    expect(produced).toBeLessThanOrEqual(4);
    expect(await ch.pull()).toBe(2);
    ch.close();
  });

  it('capacity 0 (default) reads the source only when a pull asks', async () => {
    let reads = 0;
    const src = {
      [Symbol.iterator]() {
        return {
          next() {
            reads++;
            return { value: reads, done: false };
          },
        };
      },
    };
    const ch = from(src);
    await tick();
    expect(reads).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
    expect(reads).toBe(0);
    expect(await ch.pull()).toBe(1);
    expect(reads).toBe(1);
    ch.close();
  });

  it('a ReadableStream source is read with backpressure: pulls on the underlying source stay bounded', async () => {
    let pulls = 0;
    const stream = new ReadableStream<number>(
      {
        pull(c) {
          pulls++;
          c.enqueue(pulls);
        },
      },
      { highWaterMark: 0 },
    );
    const ch = from(stream, { capacity: 2 });
    await until(() => ch.size === 2, 'channel filled');
    await tick();
    await tick();
    // the channel holds 2; the stream's own reader may have one read under way at most
    expect(pulls).toBeLessThanOrEqual(3);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    ch.close();
  });

  it('a source that throws closes the channel with the error as reason, after its values', async () => {
    const boom = new Error('boom');
    function* gen() {
      yield 1;
      yield 2;
      throw boom;
    }
    const ch = from(gen(), { capacity: 1 });
    const got: number[] = [];
    let caught: unknown;
    try {
      for await (const v of ch) got.push(v);
    } catch (e) {
      caught = e;
    }
    expect(got).toEqual([1, 2]);
    expect(caught).toBe(boom);
    const err = await ch.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.cause).toBe(boom);
  });

  it('an errored ReadableStream closes the channel with its reason', async () => {
    const reason = new TypeError('stream broke');
    const stream = new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
      },
      pull(c) {
        c.error(reason);
      },
    });
    const ch = from(stream);
    expect(await ch.pull()).toBe(1);
    const err = await ch.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.cause).toBe(reason);
  });

  it('closing the channel releases the source at once: a generator finally runs, a stream is cancelled with the reason', async () => {
    let finished = false;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finished = true;
      }
    }
    const ch = from(gen(), { capacity: 1 });
    expect(await ch.pull()).toBe(0);
    ch.close();
    expect(finished).toBe(true);

    let cancelReason: unknown = 'not cancelled';
    const stream = new ReadableStream<number>({
      pull(c) {
        c.enqueue(1);
      },
      cancel(r) {
        cancelReason = r;
      },
    });
    const sch = from(stream, { capacity: 1 });
    expect(await sch.pull()).toBe(1);
    const why = new Error('done with it');
    sch.close(why);
    await until(() => cancelReason !== 'not cancelled', 'stream cancelled');
    expect(cancelReason).toBe(why);
  });

  it('an aborted signal stops the pump, releases the source and closes the channel normally', async () => {
    let finished = false;
    async function* gen() {
      try {
        for (let i = 0; ; i++) {
          await tick();
          yield i;
        }
      } finally {
        finished = true;
      }
    }
    const ac = new AbortController();
    const ch = from(gen(), { capacity: 2, signal: ac.signal });
    expect(await ch.pull()).toBe(0);
    ac.abort(new Error('stop'));
    expect(ch.closed).toBe(true);
    // for await ends normally (abort = consumer says done)
    const rest: number[] = [];
    for await (const v of ch) rest.push(v);
    expect(rest.every((v, i) => v === i + 1)).toBe(true);
    await until(() => finished, 'generator finally');
  });

  it('an already aborted signal: nothing is read, channel closed', async () => {
    let reads = 0;
    function* gen() {
      reads++;
      yield 1;
    }
    const ch = from(gen(), { capacity: 4, signal: AbortSignal.abort() });
    await tick();
    expect(ch.closed).toBe(true);
    expect(reads).toBe(0);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('break out of for await over a from channel does not close it and loses no value', async () => {
    const ch = from([1, 2, 3, 4, 5, 6], { capacity: 2 });
    const first: number[] = [];
    for await (const v of ch) {
      first.push(v);
      if (v === 3) break;
    }
    expect(ch.closed).toBe(false);
    const rest: number[] = [];
    for await (const v of ch) rest.push(v);
    expect([...first, ...rest]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('from(channel) relays losslessly, including when the relay is closed part-way', async () => {
    const src = new Channel<number>(10);
    await src.pushAll([1, 2, 3, 4, 5]);
    const relay = from(src, { capacity: 2 });
    expect(await relay.pull()).toBe(1);
    await until(() => relay.size === 2, 'relay refilled');
    relay.close();
    const inRelay: number[] = [];
    for await (const v of relay) inRelay.push(v);
    const inSrc: number[] = [];
    while (src.size > 0) inSrc.push(src.pullNowait());
    expect([1, ...inRelay, ...inSrc]).toEqual([1, 2, 3, 4, 5]);
  });

  it('bad arguments: TypeError/RangeError naming from, stream left unlocked', () => {
    const stream = new ReadableStream();
    expect(() => from(stream, { capacity: -1 })).toThrow(RangeError);
    expect(stream.locked).toBe(false);
    expect(() => from(stream, { capacity: -1 })).toThrow(/from/);
    expect(() => from(42 as never)).toThrow(TypeError);
    expect(() => from(42 as never)).toThrow(/from/);
    const locked = new ReadableStream();
    locked.getReader();
    expect(() => from(locked)).toThrow(TypeError);
    expect(() => from([1], AbortSignal.abort() as never)).toThrow(TypeError);
  });

  it('a slow consumer holds an async producer (backpressure end to end)', async () => {
    let produced = 0;
    async function* gen() {
      for (let i = 0; i < 100; i++) {
        produced++;
        yield i;
      }
    }
    const ch = from(gen(), { capacity: 4 });
    for (let i = 0; i < 5; i++) await tick();
    expect(produced).toBeLessThanOrEqual(5);
    const got: number[] = [];
    for await (const v of ch) {
      got.push(v);
      expect(produced - got.length).toBeLessThanOrEqual(5);
    }
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('pull waiting on a lazily fed channel is served when the async source produces', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* gen() {
      await gate;
      yield 'x';
    }
    const ch = from(gen());
    const p = track(ch.pull());
    await tick();
    expect(p.state).toBe('pending');
    release();
    await until(() => p.state !== 'pending', 'pull served');
    expect(p.value).toBe('x');
    ch.close();
  });
});
