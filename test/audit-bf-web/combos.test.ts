/**
 * Audit BF-web: broadcast and merge combined with streams, the way a web developer fans a
 * `fetch` body out to several consumers or merges several bodies into one response. The
 * invariant checked everywhere: every value read from a source is delivered exactly once per
 * consumer or is still waiting somewhere a consumer can get it (no loss, no duplicate, each
 * input's order kept).
 */
import { describe, expect, it } from 'vitest';
import { broadcast, Channel, from, merge, toReadableStream } from '../../dist/index.js';
import { countingStream, settle, slowStream, until } from './util.js';

async function drain<T>(ch: Channel<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of ch) out.push(v);
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('broadcast of a from(stream) channel', () => {
  it('with no subscriber the stream is not read at all (values wait in the source)', async () => {
    const { stream, pulls } = countingStream([1, 2, 3]);
    const hub = broadcast(from(stream));
    await settle();
    expect(pulls()).toBe(0);
    const sub = hub.subscribe({ capacity: 4 });
    expect(await sub.pull()).toBe(1);
    hub.close();
  });

  it('hub.close() part-way: each subscriber keeps the same prefix, and every other value read from the stream is still in the source', async () => {
    const { stream } = slowStream(range(1, 20));
    const source = from(stream);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 3 });
    const gotA: number[] = [];
    const gotB: number[] = [];
    for (let i = 0; i < 5; i++) {
      gotA.push(await a.pull());
      gotB.push(await b.pull());
    }
    hub.close();
    gotA.push(...(await drain(a)));
    gotB.push(...(await drain(b)));
    expect(gotA).toEqual(gotB);
    const rest = await drain(source);
    expect([...gotA, ...rest]).toEqual(range(1, 20));
    expect(stream.locked).toBe(false);
  });

  it('the source stream is read at the pace of the slowest blocking subscriber', async () => {
    const { stream, pulled } = slowStream(range(1, 100));
    const hub = broadcast(from(stream));
    const fast = hub.subscribe({ capacity: 100 });
    const slow = hub.subscribe({ capacity: 2 });
    const fastGot: number[] = [];
    const fastLoop = (async () => {
      for await (const v of fast) fastGot.push(v);
    })();
    await until(() => fastGot.length >= 2);
    await settle(10);
    // slow holds 2, the broadcast may hold one more in flight from the stream
    expect(pulled()).toBeLessThanOrEqual(3);
    expect(await slow.pullMany(2)).toEqual([1, 2]);
    hub.close();
    await fastLoop;
  });

  it('a subscriber streamed to a client that cancels (closeOnCancel) leaves the broadcast: the other subscriber is not held back', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const web = hub.subscribe({ capacity: 1 });
    const log = hub.subscribe({ capacity: 1 });
    const reader = toReadableStream(web, { closeOnCancel: true }).getReader();
    const logged: number[] = [];
    const logLoop = (async () => {
      for await (const v of log) logged.push(v);
    })();
    const producer = (async () => {
      for (let i = 1; i <= 10; i++) await source.push(i);
      source.close();
    })();
    expect(await reader.read()).toEqual({ value: 1, done: false });
    await reader.cancel(new Error('client left'));
    expect(web.closed).toBe(true);
    await producer;
    await logLoop;
    expect(logged).toEqual(range(1, 10));
  });

  it('tee() of a subscriber stream and a second subscriber: all three readers see the same sequence', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const [x, y] = toReadableStream(hub.subscribe({ capacity: 2 })).tee();
    const z = hub.subscribe({ capacity: 2 });
    const read = async (s: AsyncIterable<number>) => {
      const out: number[] = [];
      for await (const v of s) out.push(v);
      return out;
    };
    const all = Promise.all([read(x), read(y), read(z)]);
    await source.pushAll(range(1, 12));
    source.close();
    expect(await all).toEqual([range(1, 12), range(1, 12), range(1, 12)]);
  });
});

describe('merge of from(stream) channels', () => {
  it('merging two slow bodies into one response keeps each body’s order and every chunk', async () => {
    const a = slowStream(range(1, 8)).stream;
    const b = slowStream(range(101, 108)).stream;
    const merged = merge(from(a), from(b));
    const text = await new Response(
      toReadableStream(merged)
        .pipeThrough(new TransformStream<number, string>({ transform: (v, c) => c.enqueue(`${v} `) }))
        .pipeThrough(new TextEncoderStream()),
    ).text();
    const got = text.trim().split(' ').map(Number);
    expect(got.filter((n) => n < 100)).toEqual(range(1, 8));
    expect(got.filter((n) => n > 100)).toEqual(range(101, 108));
    expect(a.locked || b.locked).toBe(false);
  });

  it('a client cancelling the merged stream (closeOnCancel) mid-read loses nothing: the rest is in the merged channel or its inputs', async () => {
    const a = slowStream(range(1, 10)).stream;
    const b = slowStream(range(101, 110)).stream;
    const inA = from(a);
    const inB = from(b);
    const merged = merge(inA, inB);
    const reader = toReadableStream(merged, { closeOnCancel: true }).getReader();
    const taken: number[] = [];
    for (let i = 0; i < 3; i++) taken.push((await reader.read()).value!);
    const pending = reader.read(); // a read waiting while the inputs' stream reads are in flight
    await reader.cancel('client left');
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(merged.closed).toBe(true);
    const leftInMerge: number[] = [];
    for (let v = merged.tryPull(); v !== undefined; v = merged.tryPull()) leftInMerge.push(v);
    const restA = await drain(inA);
    const restB = await drain(inB);
    const all = [...taken, ...leftInMerge, ...restA, ...restB];
    expect([...all].sort((x, y) => x - y)).toEqual([...range(1, 10), ...range(101, 110)]);
    const ordered = [...taken, ...leftInMerge];
    expect([...ordered.filter((n) => n < 100), ...restA]).toEqual(range(1, 10));
    expect([...ordered.filter((n) => n > 100), ...restB]).toEqual(range(101, 110));
  });

  it('break out of for await over a merge of streams, then keep reading the merge: the sequence continues with nothing lost', async () => {
    const merged = merge(from(slowStream(range(1, 6)).stream), from(slowStream(range(11, 16)).stream));
    const first: number[] = [];
    for await (const v of merged) {
      first.push(v);
      if (first.length === 4) break;
    }
    const second = await drain(merged);
    const all = [...first, ...second];
    expect(all.filter((n) => n < 10)).toEqual(range(1, 6));
    expect(all.filter((n) => n > 10)).toEqual(range(11, 16));
  });

  it('an input stream that errors closes the merged channel with that error at once; the other body keeps its chunks', async () => {
    const failure = new TypeError('network error');
    let n = 0;
    const bad = new ReadableStream<number>(
      {
        pull(c) {
          if (n++ < 2) c.enqueue(n);
          else c.error(failure);
        },
      },
      { highWaterMark: 0 },
    );
    const good = new Channel<number>(4);
    await good.pushAll([100, 200]);
    const merged = merge(from(bad), good);
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of merged) got.push(v);
    } catch (e) {
      error = e;
    }
    expect(error).toBe(failure);
    expect(got.filter((v) => v < 100)).toEqual([1, 2]);
    const left: number[] = [];
    for (let v = good.tryPull(); v !== undefined; v = good.tryPull()) left.push(v);
    expect([...got.filter((v) => v >= 100), ...left]).toEqual([100, 200]);
  });
});
