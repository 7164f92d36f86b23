// Blind pass over SPEC "Interop": from(), toReadableStream(), fromEvent(), merge().
// Written from SPEC.md and the README only.
import { Channel, ChannelClosedError, from, fromEvent, merge, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

/** Lets every pending microtask (and a few macrotask hops) run. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A counting sync iterable: `reads` counts the values taken from it. */
function counted(limit = Number.POSITIVE_INFINITY) {
  const state = { reads: 0, returned: false };
  const iterable: Iterable<number> = {
    [Symbol.iterator]() {
      return {
        next() {
          if (state.reads >= limit) return { done: true, value: undefined };
          state.reads++;
          return { done: false, value: state.reads };
        },
        return() {
          state.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { state, iterable };
}

async function drain<T>(channel: Channel<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of channel) out.push(value);
  return out;
}

describe('Channel.from(source, { capacity, signal })', () => {
  it('Channel.from is the same function as from', () => {
    expect(typeof Channel.from).toBe('function');
    const channel = Channel.from([1]);
    expect(channel).toBeInstanceOf(Channel);
  });

  it('from(array) yields every value in order and then closes', async () => {
    const channel = from([1, 2, 3]);
    expect(await drain(channel)).toEqual([1, 2, 3]);
    expect(channel.closed).toBe(true);
  });

  it('from(async generator) yields every value in order and then closes', async () => {
    async function* gen() {
      yield 'a';
      await settle(1);
      yield 'b';
    }
    const channel = from(gen(), { capacity: 2 });
    expect(await drain(channel)).toEqual(['a', 'b']);
    expect(channel.closed).toBe(true);
  });

  it('from(ReadableStream) yields every chunk in order and then closes', async () => {
    const stream = new ReadableStream<number>({
      start(controller) {
        controller.enqueue(1);
        controller.enqueue(2);
        controller.close();
      },
    });
    const channel = from(stream);
    expect(await drain(channel)).toEqual([1, 2]);
    expect(channel.closed).toBe(true);
  });

  it('from(empty iterable) is a channel that closes without a value', async () => {
    const channel = from<number>([]);
    expect(await drain(channel)).toEqual([]);
    await settle();
    expect(channel.closed).toBe(true);
  });

  it.each([1, 3])('capacity %i reads an endless source no more than capacity values ahead', async (capacity) => {
    const { state, iterable } = counted();
    const channel = from(iterable, { capacity });
    await settle();
    expect(state.reads).toBeLessThanOrEqual(capacity);
    expect(channel.size).toBeLessThanOrEqual(capacity);
    expect(await channel.pull()).toBe(1);
    await settle();
    expect(state.reads).toBeLessThanOrEqual(capacity + 1);
    channel.close();
  });

  it('capacity 0 (the default) reads nothing until a pull asks', async () => {
    const { state, iterable } = counted();
    const channel = from(iterable);
    await settle();
    expect(state.reads).toBe(0);
    expect(await channel.pull()).toBe(1);
    await settle();
    expect(state.reads).toBe(1);
    expect(await channel.pull()).toBe(2);
    channel.close();
  });

  it('an endless async generator is fine: taking ten values reads about ten', async () => {
    let reads = 0;
    async function* endless() {
      for (;;) yield ++reads;
    }
    const channel = from(endless(), { capacity: 2 });
    const got: number[] = [];
    for await (const value of channel) {
      got.push(value);
      if (got.length === 10) break;
    }
    await settle();
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(reads).toBeLessThanOrEqual(13);
    channel.close();
  });

  it('a sync iterable that throws closes the channel with the error after the values before it', async () => {
    const boom = new Error('boom');
    function* gen() {
      yield 1;
      yield 2;
      throw boom;
    }
    const channel = from(gen(), { capacity: 4 });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const value of channel) got.push(value);
      })(),
    ).rejects.toBe(boom);
    expect(got).toEqual([1, 2]);
    expect(channel.closed).toBe(true);
  });

  it('a pull after the source threw rejects with ChannelClosedError whose cause is the error', async () => {
    const boom = new Error('boom');
    function* gen(): Generator<number> {
      if (boom) throw boom;
      yield 0;
    }
    const channel = from(gen());
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(boom);
  });

  it('an async iterable that rejects closes the channel with the error', async () => {
    const boom = new Error('async boom');
    async function* gen() {
      yield 1;
      await settle(1);
      throw boom;
    }
    const channel = from(gen(), { capacity: 1 });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const value of channel) got.push(value);
      })(),
    ).rejects.toBe(boom);
    expect(got).toEqual([1]);
  });

  it('a ReadableStream that errors closes the channel with its error', async () => {
    const boom = new Error('stream boom');
    let controller!: ReadableStreamDefaultController<number>;
    const stream = new ReadableStream<number>({
      start(c) {
        controller = c;
        c.enqueue(1);
      },
    });
    const channel = from(stream, { capacity: 1 });
    expect(await channel.pull()).toBe(1);
    const next = channel.pull();
    controller.error(boom);
    const error = await next.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(boom);
  });

  it('a ReadableStream that never ends keeps the channel open and read lazily', async () => {
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
    const channel = from(stream, { capacity: 1 });
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBe(2);
    await settle();
    expect(channel.closed).toBe(false);
    expect(pulls).toBeLessThanOrEqual(4);
    channel.close();
  });

  it('a signal already aborted gives a closed channel that reads nothing', async () => {
    const { state, iterable } = counted();
    const channel = from(iterable, { capacity: 2, signal: AbortSignal.abort() });
    await settle();
    expect(state.reads).toBe(0);
    expect(channel.closed).toBe(true);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('an abort while the source waits closes the channel normally and releases the source', async () => {
    const controller = new AbortController();
    let finished = false;
    async function* slow() {
      try {
        yield 1;
        await new Promise(() => {});
      } finally {
        finished = true;
      }
    }
    const channel = from(slow(), { capacity: 1, signal: controller.signal });
    expect(await channel.pull()).toBe(1);
    await settle();
    controller.abort(new Error('stop'));
    await settle();
    expect(channel.closed).toBe(true);
    // A normal close: iteration ends without throwing the abort reason.
    expect(await drain(channel)).toEqual([]);
    // The generator is parked in an await, so return() can only run once that await ends; a
    // sync iterator is checked below instead.
    void finished;
  });

  it('an abort while the channel is full closes it, keeps the buffered values and calls return()', async () => {
    const controller = new AbortController();
    const { state, iterable } = counted();
    const channel = from(iterable, { capacity: 2, signal: controller.signal });
    await settle();
    controller.abort();
    await settle();
    expect(channel.closed).toBe(true);
    expect(state.returned).toBe(true);
    const reads = state.reads;
    const got = await drain(channel);
    expect(got.length).toBeLessThanOrEqual(2);
    expect(state.reads).toBe(reads);
  });

  it('an abort of a ReadableStream source cancels the stream', async () => {
    const controller = new AbortController();
    let cancelled = false;
    const stream = new ReadableStream<number>(
      {
        pull() {},
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const channel = from(stream, { capacity: 1, signal: controller.signal });
    const pending = channel.pull().catch((e: unknown) => e);
    await settle();
    controller.abort();
    expect(await pending).toBeInstanceOf(ChannelClosedError);
    await settle();
    expect(cancelled).toBe(true);
    expect(channel.closed).toBe(true);
  });

  it('closing the channel stops the pump and releases the source', async () => {
    const { state, iterable } = counted();
    const channel = from(iterable, { capacity: 1 });
    await settle();
    channel.close();
    await settle();
    expect(state.returned).toBe(true);
    const reads = state.reads;
    await settle();
    expect(state.reads).toBe(reads);
  });

  it('a pull aborted on a capacity-0 from channel consumes nothing from the source', async () => {
    const { iterable } = counted();
    const channel = from(iterable);
    const controller = new AbortController();
    const pending = channel.pull({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('gone'));
    expect(await pending).toHaveProperty('message', 'gone');
    // Whatever was read for the withdrawn pull must still reach the next puller.
    expect(await channel.pull()).toBe(1);
    channel.close();
  });

  it('bad capacity is refused at the call', () => {
    expect(() => from([1], { capacity: -1 })).toThrow(RangeError);
    expect(() => from([1], { capacity: 1.5 })).toThrow(RangeError);
  });
});

describe('toReadableStream(channel, { highWaterMark })', () => {
  it('channel.toReadableStream exists as the SPEC spells it', () => {
    const channel = new Channel<number>();
    expect(typeof channel.toReadableStream).toBe('function');
    expect(channel.toReadableStream()).toBeInstanceOf(ReadableStream);
  });

  it('with the default highWaterMark 0 it pulls only for a pending read', async () => {
    const channel = new Channel<number>(4);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const stream = toReadableStream(channel);
    await settle();
    expect(channel.size).toBe(2);
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await settle();
    expect(channel.size).toBe(1);
    reader.releaseLock();
  });

  it('with highWaterMark 2 it pulls up to two values ahead of reads', async () => {
    const channel = new Channel<number>(5);
    for (let i = 1; i <= 5; i++) channel.pushNowait(i);
    const stream = channel.toReadableStream({ highWaterMark: 2 });
    await settle();
    expect(channel.size).toBe(3);
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await settle();
    expect(channel.size).toBe(2);
    reader.releaseLock();
  });

  it('closes when the channel is closed and drained, after every value', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    const out: number[] = [];
    const reader = toReadableStream(channel).getReader();
    for (;;) {
      const result = await reader.read();
      if (result.done) break;
      out.push(result.value);
    }
    expect(out).toEqual([1, 2]);
  });

  it('errors with the close reason once the buffered values were read', async () => {
    const channel = new Channel<number>(3);
    const reason = new Error('upstream failed');
    channel.pushNowait(1);
    channel.close(reason);
    const reader = toReadableStream(channel).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('errors with the close reason when closed while a read waits', async () => {
    const channel = new Channel<number>();
    const reason = new Error('late failure');
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await settle();
    channel.close(reason);
    await expect(read).rejects.toBe(reason);
  });

  it('cancelling withdraws a waiting pull, consumes nothing and leaves the channel open', async () => {
    const channel = new Channel<number>();
    const stream = toReadableStream(channel);
    const reader = stream.getReader();
    const read = reader.read();
    await settle();
    expect(channel.stats().waitingPullers).toBe(1);
    await reader.cancel('bye');
    expect(await read).toEqual({ done: true, value: undefined });
    await settle();
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.closed).toBe(false);
    // A later push goes to the next consumer, not into the cancelled stream.
    const pushed = channel.push(7);
    expect(await channel.pull()).toBe(7);
    await pushed;
  });

  it('cancelling a highWaterMark-0 stream with buffered values consumes none of them', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const stream = toReadableStream(channel);
    await settle();
    await stream.cancel();
    await settle();
    expect(channel.size).toBe(2);
    expect(channel.pullNowait()).toBe(1);
  });

  it('pipeTo carries all values to a WritableStream and closes it', async () => {
    const channel = from([1, 2, 3], { capacity: 1 });
    const seen: number[] = [];
    let closed = false;
    await toReadableStream(channel).pipeTo(
      new WritableStream<number>({
        write(chunk) {
          seen.push(chunk);
        },
        close() {
          closed = true;
        },
      }),
    );
    expect(seen).toEqual([1, 2, 3]);
    expect(closed).toBe(true);
  });

  it('a negative highWaterMark is refused', () => {
    expect(() => toReadableStream(new Channel<number>(), { highWaterMark: -1 })).toThrow(RangeError);
  });

  it('round trip from(toReadableStream(channel)) keeps every value in order', async () => {
    const source = from([1, 2, 3, 4]);
    const back = from(toReadableStream(source), { capacity: 2 });
    expect(await drain(back)).toEqual([1, 2, 3, 4]);
  });
});

describe('fromEvent(target, type, options)', () => {
  it('defaults to capacity 1 and drop-oldest: only the latest event is kept', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'tick');
    expect(channel.capacity).toBe(1);
    expect(channel.stats().overflow).toBe('drop-oldest');
    const events = [new Event('tick'), new Event('tick'), new Event('tick')];
    for (const event of events) target.dispatchEvent(event);
    expect(channel.size).toBe(1);
    expect(await channel.pull()).toBe(events[2]);
    channel.close();
  });

  it('capacity n with drop-newest keeps the first n events', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'tick', { capacity: 2, overflow: 'drop-newest' });
    const events = [new Event('tick'), new Event('tick'), new Event('tick')];
    for (const event of events) target.dispatchEvent(event);
    expect(channel.pullNowait()).toBe(events[0]);
    expect(channel.pullNowait()).toBe(events[1]);
    expect(channel.size).toBe(0);
    channel.close();
  });

  it("overflow 'block' keeps every event in order", async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'tick', { capacity: 1, overflow: 'block' });
    const events = [new Event('tick'), new Event('tick'), new Event('tick')];
    for (const event of events) target.dispatchEvent(event);
    expect(await channel.pull()).toBe(events[0]);
    expect(await channel.pull()).toBe(events[1]);
    expect(await channel.pull()).toBe(events[2]);
    channel.close();
  });

  it('a waiting pull gets the event dispatched to it', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'ping');
    const pending = channel.pull();
    const event = new Event('ping');
    target.dispatchEvent(event);
    expect(await pending).toBe(event);
    channel.close();
  });

  it('aborting the signal removes the listener and closes the channel, keeping buffered events', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const channel = fromEvent(target, 'tick', { capacity: 4, overflow: 'block', signal: controller.signal });
    const first = new Event('tick');
    target.dispatchEvent(first);
    controller.abort();
    expect(channel.closed).toBe(true);
    target.dispatchEvent(new Event('tick'));
    expect(await drain(channel)).toEqual([first]);
  });

  it('closing the channel removes the listener from the target', () => {
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const target = new EventTarget();
    const spy = {
      addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: unknown) {
        added.push(listener);
        target.addEventListener(type, listener, options as AddEventListenerOptions);
      },
      removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: unknown) {
        removed.push(listener);
        target.removeEventListener(type, listener, options as EventListenerOptions);
      },
      dispatchEvent: (event: Event) => target.dispatchEvent(event),
    } as EventTarget;
    const channel = fromEvent(spy, 'tick');
    expect(added).toHaveLength(1);
    channel.close();
    expect(removed).toEqual(added);
  });

  it('an already aborted signal gives a closed channel with no listener', () => {
    const target = new EventTarget();
    let adds = 0;
    const original = target.addEventListener.bind(target);
    target.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => {
      adds++;
      original(...args);
    };
    const channel = fromEvent(target, 'tick', { signal: AbortSignal.abort() });
    expect(channel.closed).toBe(true);
    target.dispatchEvent(new Event('tick'));
    expect(channel.size).toBe(0);
    // Either no listener was added, or it was removed already: nothing reaches the channel.
    expect(adds).toBeLessThanOrEqual(1);
  });

  it('an abort closes normally: for await ends without throwing', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const channel = fromEvent(target, 'tick', { signal: controller.signal });
    const loop = drain(channel);
    await settle(1);
    controller.abort(new Error('unmount'));
    await expect(loop).resolves.toEqual([]);
  });
});

describe('merge(...channels)', () => {
  it("keeps each input's order", async () => {
    const a = from([1, 2, 3, 4]);
    const b = from(['a', 'b', 'c']);
    const all = await drain(merge(a, b));
    expect(all.filter((v) => typeof v === 'number')).toEqual([1, 2, 3, 4]);
    expect(all.filter((v) => typeof v === 'string')).toEqual(['a', 'b', 'c']);
  });

  it('is closed once every input is closed and drained, not before', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    const merged = merge(a, b);
    a.pushNowait(1);
    a.close();
    await settle();
    expect(merged.closed).toBe(false);
    expect(await merged.pull()).toBe(1);
    expect(merged.closed).toBe(false);
    b.pushNowait(2);
    b.close();
    expect(await merged.pull()).toBe(2);
    await settle();
    expect(merged.closed).toBe(true);
    await expect(merged.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('merge() of no inputs is closed at once', async () => {
    const merged = merge();
    await settle();
    expect(merged.closed).toBe(true);
  });

  it('loses and duplicates nothing over many interleaved pushes', async () => {
    const inputs = [new Channel<number>(), new Channel<number>(1), new Channel<number>(3)];
    const merged = merge(...inputs);
    const producers = inputs.map(async (channel, i) => {
      for (let k = 0; k < 50; k++) await channel.push(i * 1000 + k);
      channel.close();
    });
    const got = await drain(merged);
    await Promise.all(producers);
    expect(got).toHaveLength(150);
    for (let i = 0; i < 3; i++) {
      const mine = got.filter((v) => Math.floor(v / 1000) === i);
      expect(mine).toEqual(Array.from({ length: 50 }, (_, k) => i * 1000 + k));
    }
  });

  it('an input closed with a reason ends the merge with that reason', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const merged = merge(a, b);
    const reason = new Error('input failed');
    a.close(reason);
    const loop = drain(merged);
    await expect(loop).rejects.toBe(reason);
    b.close();
  });

  it('closing the merged channel leaves the inputs open and their values in place', async () => {
    const a = new Channel<number>(3);
    a.pushNowait(1);
    a.pushNowait(2);
    a.pushNowait(3);
    const merged = merge(a);
    await settle();
    merged.close();
    await settle();
    expect(a.closed).toBe(false);
    const taken = await drain(merged);
    const left: number[] = [];
    while (a.size > 0) left.push(a.pullNowait());
    expect([...taken, ...left]).toEqual([1, 2, 3]);
  });

  it('an aborted pull on the merged channel consumes nothing from the inputs', async () => {
    const a = new Channel<number>();
    const merged = merge(a);
    const controller = new AbortController();
    const pending = merged.pull({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('cancel'));
    expect(await pending).toHaveProperty('message', 'cancel');
    const pushed = a.push(5);
    expect(await merged.pull()).toBe(5);
    await pushed;
    a.close();
  });
});
