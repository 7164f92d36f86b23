/**
 * Third audit round of the core (SPEC "Channel<T>", "select", "Interop", and the second map's
 * "Non-blocking and batch operations" and "Broadcast and ticker"), written from what users of
 * the peer libraries reported as bugs: each test names the thread it comes from, and checks that
 * chanasync does not have that bug (or pins the different choice it makes, recorded in the
 * README's "Semantic details"). One behaviour per test.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, test, vi } from 'vitest';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from '../src/index.js';
import { flush, track } from './helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Lets timers and I/O callbacks queued so far run (a macrotask). */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** `ReadableStream.from` (Node ≥ 20.6); the DOM lib of this TypeScript does not declare it. */
const streamFrom = (ReadableStream as unknown as { from<T>(source: AsyncIterable<T>): ReadableStream<T> }).from;

/** A deterministic pseudo-random sequence (xorshift32), so a failing schedule can be replayed. */
function random(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('close racing pushes and pulls (js-csp, Kotlin, ZIO)', () => {
  // https://github.com/js-csp/js-csp/issues/129 (and #134): putAsync three values, close, and a
  // parked consumer saw the first value and then the end, the other two silently gone.
  test('pushes made without awaiting right before close: exactly those whose promise resolved are received', async () => {
    const channel = new Channel<string>();
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const value of channel) seen.push(value);
    })();
    await flush();
    const pushes = ['foo', 'bar', 'baz'].map((value) => ({ value, outcome: track(channel.push(value)) }));
    channel.close();
    await consumer;
    await flush();
    const delivered = pushes.filter(({ outcome }) => outcome.current.status === 'fulfilled').map(({ value }) => value);
    expect(seen).toEqual(delivered);
    expect(seen).toEqual(['foo']);
    for (const { outcome } of pushes.slice(1)) {
      expect(outcome.current.status).toBe('rejected');
      expect((outcome.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    }
  });

  // https://github.com/Kotlin/kotlinx.coroutines/issues/359 "Lost send in Channel during close":
  // a receive then a close, racing a suspended send, left the send stuck.
  test('a parked push moved into the buffer by a pull right before close resolves, and its value stays readable', async () => {
    const channel = new Channel<string>(1);
    channel.pushNowait('a');
    const b = track(channel.push('b'));
    const c = track(channel.push('c'));
    expect(channel.pullNowait()).toBe('a'); // 'b' moves into the freed slot: committed
    channel.close();
    await flush();
    expect(b.current).toEqual({ status: 'fulfilled', value: undefined });
    expect(c.current.status).toBe('rejected');
    expect(channel.pullNowait()).toBe('b');
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  // https://github.com/zio/zio/issues/10884 "Queue.offerAll silently drops items when paired
  // takers are already interrupted": offerAll handed values to takers that had just been
  // interrupted, and those values were gone.
  test('pushAll from an earlier abort listener skips the parked pulls of that aborting signal and loses no value', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    let all: { readonly current: unknown } | undefined;
    // Registered before the pulls park: it runs before their own abort listener.
    controller.signal.addEventListener('abort', () => {
      all = track(channel.pushAll([1, 2, 3]));
    });
    const reason = new Error('gone');
    const a = track(channel.pull({ signal: controller.signal }));
    const b = track(channel.pull());
    const c = track(channel.pull({ signal: controller.signal }));
    const d = track(channel.pull());
    controller.abort(reason);
    await flush();
    expect(a.current).toEqual({ status: 'rejected', reason });
    expect(b.current).toEqual({ status: 'fulfilled', value: 1 });
    expect(c.current).toEqual({ status: 'rejected', reason });
    expect(d.current).toEqual({ status: 'fulfilled', value: 2 });
    expect(all?.current).toEqual({ status: 'pending' }); // 3 waits for a taker
    expect(await channel.pull()).toBe(3);
    await flush();
    expect(all?.current).toEqual({ status: 'fulfilled', value: undefined });
  });

  // https://github.com/sindresorhus/p-queue/issues/168 "Aborting pending and waiting tasks at the
  // same time hangs the queue".
  test('a pullMany and a select parked ahead of a pull, aborted in the same turn, leave the pull to take the next value', async () => {
    const channel = new Channel<number>();
    const other = new Channel<number>();
    const first = new AbortController();
    const second = new AbortController();
    const many = track(channel.pullMany(5, { signal: first.signal }));
    const selected = track(select([pull(channel), pull(other)], { signal: second.signal }));
    const plain = track(channel.pull());
    first.abort('one');
    second.abort('two');
    expect(channel.tryPush(7)).toBe(true);
    await flush();
    expect(many.current).toEqual({ status: 'rejected', reason: 'one' });
    expect(selected.current).toEqual({ status: 'rejected', reason: 'two' });
    expect(plain.current).toEqual({ status: 'fulfilled', value: 7 });
    expect(channel.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(other.stats().waitingPullers).toBe(0);
  });
});

describe('order among parked selects (V, Go)', () => {
  // https://github.com/vlang/v/issues/18553 "LIFO Channel Select Order": of two selects parked
  // on one channel, the one that parked last got the value; Go serves the first.
  test('of two multi-case selects parked on one channel, the one that parked first gets the first value', async () => {
    const shared = new Channel<number>();
    const first = track(select([pull(shared), pull(new Channel<number>())]));
    const second = track(select([pull(new Channel<number>()), pull(shared)]));
    await shared.push(1);
    await flush();
    expect(first.current).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 1 } });
    expect(second.current.status).toBe('pending');
    await shared.push(2);
    await flush();
    expect(second.current).toMatchObject({ status: 'fulfilled', value: { index: 1, value: 2 } });
  });
});

describe('consumers that cancel (Kotlin receiveAsFlow, WHATWG streams)', () => {
  // https://github.com/Kotlin/kotlinx.coroutines/issues/4337: elements were lost when collection
  // of receiveAsFlow() was cancelled while receiving. Here: a stream reader is cancelled after a
  // random number of microtasks, often while its read waits, again and again.
  test('stream readers cancelled at random points while reading lose and duplicate no value', async () => {
    const total = 400;
    const channel = new Channel<number>();
    const producer = (async () => {
      for (let i = 0; i < total; i++) await channel.push(i);
      channel.close();
    })();
    const next = random(4337);
    const received: number[] = [];
    for (;;) {
      const reader = toReadableStream(channel).getReader();
      const read = track(reader.read());
      await flush(Math.floor(next() * 4));
      await reader.cancel();
      await flush();
      const outcome = read.current as { status: string; value?: ReadableStreamReadResult<number> };
      expect(outcome.status).toBe('fulfilled');
      if (outcome.value?.done === false) received.push(outcome.value.value);
      if (channel.closed && channel.size === 0 && channel.stats().waitingPushers === 0) break;
    }
    await producer;
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(channel.stats().waitingPullers).toBe(0);
  });

  // The same race through the platform's ReadableStream.from(channel): a push that its pending
  // read took (the push resolves: the value is committed to the iterator's next()) and a cancel
  // in the same turn. The stream discards a next() result that settles after cancel, so that
  // value is gone — the reason to use toReadableStream, which enqueues at the commit point.
  test('ReadableStream.from(channel) drops a value its pending read took in the same turn as a cancel, though the push resolved', async () => {
    // (toReadableStream keeps such a value: 'a value committed to a pending read is not lost when
    // the reader cancels in the same tick', audit-interop.)
    const viaFrom = new Channel<number>();
    const fromReader = streamFrom(viaFrom).getReader();
    const fromRead = fromReader.read();
    await turn();
    const fromPushed = track(viaFrom.push(1));
    await fromReader.cancel();
    expect(await fromRead).toEqual({ done: true, value: undefined });
    await flush();
    expect(fromPushed.current.status).toBe('fulfilled'); // committed, then discarded by the stream
  });
});

describe('broadcast against SharedFlow and tee (Kotlin, WHATWG streams)', () => {
  // https://github.com/Kotlin/kotlinx.coroutines/issues/2352: tryEmit on a shared flow without a
  // buffer dropped the value although a collector was waiting, where offer on a channel
  // delivered it.
  test('tryPush on an unbuffered source succeeds when its broadcast has subscribers with room, and reaches each', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    expect(source.tryPush(1)).toBe(false); // no subscriber: the broadcast pulls nothing
    const a = hub.subscribe();
    const b = hub.subscribe();
    expect(source.tryPush(2)).toBe(true);
    expect(a.tryPull()).toBe(2);
    expect(b.tryPull()).toBe(2);
  });

  test('tryPush on an unbuffered source fails while a block subscriber of its broadcast is full, and takes nothing', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    expect(source.tryPush(1)).toBe(true);
    expect(a.tryPull()).toBe(1); // b still holds 1: no room
    expect(source.tryPush(2)).toBe(false);
    expect(b.tryPull()).toBe(1);
    expect(a.tryPull()).toBeUndefined();
    expect(source.tryPush(3)).toBe(true);
    expect([a.tryPull(), b.tryPull()]).toEqual([3, 3]);
  });

  // https://github.com/whatwg/streams/pull/1233 (tee backpressures to the faster branch and
  // buffers the slower one without limit): a subscriber read through a stream keeps the
  // broadcast's backpressure, value by value.
  test('a subscriber read through toReadableStream receives every value in order, at the pace of the slowest', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const fast = hub.subscribe();
    const reader = toReadableStream(hub.subscribe()).getReader();
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    expect(fast.tryPull()).toBe(0);
    expect(fast.tryPull()).toBeUndefined(); // the stream's subscriber holds 0: nothing more taken
    expect(source.size).toBe(4);
    const read: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await reader.read();
      read.push(result.value as number);
      if (i < 4) expect(fast.tryPull()).toBe(i + 1);
    }
    expect(read).toEqual([0, 1, 2, 3, 4]);
    source.close();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  test('cancelling the stream of a subscriber does not unsubscribe it: it holds the broadcast until it is closed', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const fast = hub.subscribe();
    const slow = hub.subscribe();
    const reader = toReadableStream(slow).getReader();
    source.pushNowait(1);
    source.pushNowait(2);
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await reader.cancel();
    expect(fast.tryPull()).toBe(1);
    expect(fast.tryPull()).toBe(2);
    source.pushNowait(3);
    expect(fast.tryPull()).toBeUndefined(); // slow still holds 2, and is still subscribed
    expect(slow.closed).toBe(false);
    slow.close();
    expect(fast.tryPull()).toBe(3);
  });
});

describe('select over a merged channel (interplay)', () => {
  test('a select on a merged channel whose signal an earlier abort listener feeds rejects, and the value stays in the merge', async () => {
    const input = new Channel<number>(4);
    const merged = merge(input, new Channel<number>());
    const idle = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => input.pushNowait(1));
    const reason = new Error('stop');
    const selected = track(select([pull(merged), pull(idle)], { signal: controller.signal }));
    controller.abort(reason);
    await flush();
    expect(selected.current).toEqual({ status: 'rejected', reason });
    expect(merged.tryPull()).toBe(1);
    expect(idle.stats().waitingPullers).toBe(0);
  });

  test('5000 selects on a merged channel and an idle one leave no waiter behind on either', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const merged = merge(a, b);
    const idle = new Channel<number>();
    const got: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const selected = select([pull(merged), pull(idle)]);
      (i % 2 ? a : b).pushNowait(i);
      const result = await selected;
      got.push(result.value as number);
    }
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(idle.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(merged.stats()).toMatchObject({ waitingPullers: 0, size: 0 });
    // The merge waits on each input with one pull while it has room: never more.
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
  });
});

describe('listeners on long-lived targets (Node events.on, p-queue #235)', () => {
  // https://github.com/nodejs/node/issues/51010: events.on left its abort listener on the
  // signal after the iterator completed. https://github.com/sindresorhus/p-queue/pull/235: the
  // same for every finished task with one long-lived signal.
  test('2000 fromEvent channels opened and closed on one target and one signal leave no listener on either', () => {
    const target = new EventTarget();
    const component = new AbortController();
    for (let i = 0; i < 2000; i++) {
      const events = fromEvent(target, 'ping', { signal: component.signal });
      target.dispatchEvent(new Event('ping'));
      expect(events.tryPull()).toBeInstanceOf(Event);
      events.close();
    }
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(0);
  });

  // Node's events.on removes its listener when a for-await loop over it is left; a fromEvent
  // channel is a channel, and leaving a loop does not close a channel (SPEC, Iteration).
  test('leaving a for await over fromEvent keeps listening: the next event waits for the next loop', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'ping');
    target.dispatchEvent(new CustomEvent('ping', { detail: 1 }));
    for await (const event of events) {
      expect((event as CustomEvent<number>).detail).toBe(1);
      break;
    }
    expect(events.closed).toBe(false);
    expect(getEventListeners(target, 'ping')).toHaveLength(1);
    target.dispatchEvent(new CustomEvent('ping', { detail: 2 }));
    for await (const event of events) {
      expect((event as CustomEvent<number>).detail).toBe(2);
      break;
    }
    events.close();
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
  });

  test('2000 subscribe-and-close cycles on one broadcast leave at most one pull parked on the source, and none at the end', () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    for (let i = 0; i < 2000; i++) {
      const subscriber = hub.subscribe();
      expect(source.tryPush(i)).toBe(true);
      expect(subscriber.tryPull()).toBe(i);
      expect(source.stats().waitingPullers).toBe(1);
      subscriber.close();
    }
    expect(source.stats().waitingPullers).toBe(0);
    source.pushNowait(-1); // no subscriber: it waits in the source
    expect(source.size).toBe(1);
  });
});

describe('re-entrant producers and consumers (Effect)', () => {
  // https://github.com/Effect-TS/effect/issues/7575 "Queue duplicates a message when a resumed
  // producer takes from the same queue": the resumed offer was still registered when the
  // producer's own take re-entered, and the value was admitted twice.
  test('a producer resumed from a full buffer that pulls from the same channel gets its own value once, and the channel ends empty', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    const producer = (async () => {
      await channel.push(1);
      return channel.pull();
    })();
    await flush();
    const first = await channel.pull();
    const second = await producer;
    expect([first, second]).toEqual([0, 1]);
    expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
    expect(channel.tryPull()).toBeUndefined();
  });

  test('a select whose push case is taken and which then pulls from the same buffered channel gets its own value once', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    const selector = (async () => {
      await select([push(channel, 1), pull(new Channel<number>())]);
      return channel.pull();
    })();
    await flush();
    expect(await channel.pull()).toBe(0);
    expect(await selector).toBe(1);
    expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('merging channels fed from iterables (streaming-iterables, mergeiterator)', () => {
  // https://github.com/reconbot/streaming-iterables/issues/46 and
  // https://github.com/vadzim/mergeiterator/issues/65: leaving a loop over a merge never ran the
  // merged generators' finally. Here the inputs are channels the merge does not own: closing
  // the merged channel leaves them as they are; closing an input releases its generator.
  test('closing a merged channel leaves its from() inputs open; closing an input runs its generator’s finally', async () => {
    const finished: string[] = [];
    async function* endless(name: string) {
      try {
        for (let i = 0; ; i++) yield `${name}${i}`;
      } finally {
        finished.push(name);
      }
    }
    const a = from(endless('a'));
    const b = from(endless('b'));
    const merged = merge(a, b);
    const seen: string[] = [];
    for await (const value of merged) {
      seen.push(value);
      if (seen.length === 4) break;
    }
    merged.close();
    await turn();
    expect(finished).toEqual([]);
    expect(a.closed || b.closed).toBe(false);
    a.close();
    b.close();
    await turn();
    expect(finished.sort()).toEqual(['a', 'b']);
    for (const name of ['a', 'b']) {
      const own = seen.filter((value) => value.startsWith(name));
      expect(own).toEqual(own.map((_, k) => `${name}${k}`)); // each input's order kept
    }
  });

  test('a stream over a merge of a from() input and a plain channel, cancelled at random points, loses and duplicates no value', async () => {
    const total = 200;
    async function* numbers() {
      for (let i = 0; i < total; i++) {
        if (i % 7 === 0) await Promise.resolve();
        yield i;
      }
    }
    const plain = new Channel<number>();
    const producer = (async () => {
      for (let i = total; i < 2 * total; i++) await plain.push(i);
      plain.close();
    })();
    const merged = merge(from(numbers()), plain);
    const next = random(46);
    const received: number[] = [];
    for (;;) {
      const reader = toReadableStream(merged).getReader();
      const read = track(reader.read());
      await flush(Math.floor(next() * 5));
      await reader.cancel();
      await flush();
      const outcome = read.current as { status: string; value?: ReadableStreamReadResult<number> };
      expect(outcome.status).toBe('fulfilled');
      if (outcome.value?.done === false) received.push(outcome.value.value);
      if (merged.closed && merged.size === 0) break;
    }
    await producer;
    expect(received.filter((value) => value < total)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(received.filter((value) => value >= total)).toEqual(Array.from({ length: total }, (_, i) => total + i));
  });
});

describe('from() reads only for a consumer that can take the value (it-pushable, Kotlin produce)', () => {
  /** A source that counts how many values were read from it. */
  function counted() {
    const state = { reads: 0, finished: false };
    function* numbers() {
      try {
        for (let i = 0; ; i++) {
          state.reads++;
          yield i;
        }
      } finally {
        state.finished = true;
      }
    }
    return { state, source: numbers() };
  }

  // https://github.com/achingbrain/it/pull/161 (a pushable kept adding values nobody would
  // read) and https://github.com/Kotlin/kotlinx.coroutines/issues/4337 (values taken from a
  // channel for a collector that was gone): a broadcast whose subscribers are all full has
  // its pull parked on the source without room — that is not a consumer.
  test('a broadcast of a from() channel reads the source no further than its subscribers can take', async () => {
    const { state, source } = counted();
    const values = from(source);
    const hub = broadcast(values);
    const a = hub.subscribe();
    const b = hub.subscribe();
    for (let i = 0; i < 5; i++) await turn();
    expect([a.size, b.size]).toEqual([1, 1]);
    expect(state.reads).toBe(1);
    expect(values.stats().waitingPushers).toBe(0); // no value read and left waiting
    expect(a.tryPull()).toBe(0);
    expect(b.tryPull()).toBe(0);
    for (let i = 0; i < 5; i++) await turn();
    expect(state.reads).toBe(2);
    expect([a.tryPull(), b.tryPull()]).toEqual([1, 1]);
    hub.close();
    values.close();
    await turn();
    expect(state.finished).toBe(true);
  });

  test('a broadcast of a from() channel closed while its subscribers are full loses no value read from the source', async () => {
    const { state, source } = counted();
    const values = from(source);
    const hub = broadcast(values);
    const a = hub.subscribe();
    for (let i = 0; i < 5; i++) await turn();
    values.close();
    await turn();
    const received: number[] = [];
    for await (const value of a) received.push(value);
    expect(received).toHaveLength(state.reads); // every value read was delivered
    expect(received).toEqual([0]);
  });

  test('a pull on a from() channel aborted in the turn it parked reads nothing from the source', async () => {
    const { state, source } = counted();
    const values = from(source);
    const controller = new AbortController();
    const pulled = track(values.pull({ signal: controller.signal }));
    controller.abort('changed my mind');
    for (let i = 0; i < 3; i++) await turn();
    expect(pulled.current).toEqual({ status: 'rejected', reason: 'changed my mind' });
    expect(state.reads).toBe(0);
    expect(values.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(await values.pull()).toBe(0);
    expect(state.reads).toBe(1);
    values.close();
  });
});

describe('memory of a channel that is never empty (Effect)', () => {
  // https://github.com/Effect-TS/effect/pull/8373 (item 2): the list behind a busy Queue that
  // never fully emptied kept one backing slot for every element it ever carried. This reads
  // `slots`, the channel's internal ring: its length is the memory the buffer holds.
  test('an unbounded channel that never empties, carrying 100,000 values, keeps a ring of 8 slots and no value it gave away', () => {
    const channel = new Channel<number>(Infinity);
    channel.pushNowait(-2);
    channel.pushNowait(-1);
    for (let i = 0; i < 100_000; i++) {
      channel.pushNowait(i);
      if (channel.pullNowait() !== i - 2) throw new Error(`value ${i - 2} out of order`);
    }
    expect(channel.size).toBe(2);
    expect(channel.slots.length).toBe(8);
    expect(channel.slots.filter((value) => value !== undefined).sort((a, b) => (a as number) - (b as number))).toEqual([
      99_998, 99_999,
    ]);
  });
});

describe('operations that give up at the last moment (trio, Effect PubSub)', () => {
  // https://github.com/python-trio/trio/issues/1626 "Memory channels and timeout": a send to a
  // channel that was not full failed under fail_after(0), because the send yielded first.
  test('a push into a buffer with room commits at the call, even with a signal that times out right away', async () => {
    const channel = new Channel<number>(1);
    await channel.push(1, { signal: AbortSignal.timeout(0) });
    await turn();
    expect(channel.pullNowait()).toBe(1);
  });

  // https://github.com/Effect-TS/effect/pull/8373: a PubSub.take interrupted just after it
  // parked left a poller behind that swallowed the next message.
  test('a pull on an unbuffered subscriber aborted after it parked swallows nothing: the next pull gets the next value', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 0 });
    const controller = new AbortController();
    const gaveUp = track(subscriber.pull({ signal: controller.signal }));
    controller.abort('gone');
    // Nobody has room now (the subscriber's only room was that pull): nobody takes 1.
    expect(source.tryPush(1)).toBe(false);
    await flush();
    expect(gaveUp.current).toEqual({ status: 'rejected', reason: 'gone' });
    const next = subscriber.pull();
    expect(source.tryPush(1)).toBe(true);
    expect(await next).toBe(1);
    expect(subscriber.stats().waitingPullers).toBe(0);
  });

  test('a stream over a from() channel cancelled in the turn its read asked for a value reads nothing from the source', async () => {
    let reads = 0;
    const values = from(
      (function* () {
        for (;;) yield ++reads;
      })(),
    );
    const reader = toReadableStream(values).getReader();
    await turn(); // the stream has started
    const read = reader.read(); // pulls: a parked pull on the from() channel, which asks the source
    await reader.cancel();
    expect(await read).toEqual({ done: true, value: undefined });
    for (let i = 0; i < 3; i++) await turn();
    expect(reads).toBe(0);
    expect(values.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, closed: false });
    values.close();
  });
});

describe('overlapping next() calls (cordis, Node stream/iter)', () => {
  // https://github.com/cordiverse/cordis/issues/49 "Concurrent interval iterator reads can
  // remain pending forever": each next() replaced the one pending resolver, so the first tick
  // settled the latest read and earlier reads hung.
  test('two next() calls on a ticker’s iterator are settled by the next two ticks, oldest first', async () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    const iterator = ticks[Symbol.asyncIterator]();
    const first = track(iterator.next());
    const second = track(iterator.next());
    vi.advanceTimersByTime(10);
    await flush();
    expect(first.current).toMatchObject({ status: 'fulfilled', value: { done: false } });
    expect(second.current.status).toBe('pending');
    vi.advanceTimersByTime(10);
    await flush();
    expect(second.current).toMatchObject({ status: 'fulfilled', value: { done: false } });
    const [a, b] = [first.current, second.current] as { value: IteratorResult<number> }[];
    expect((b?.value.value as number) - (a?.value.value as number)).toBe(10);
    ticks.close();
  });

  // https://github.com/nodejs/node/issues/63499 (and #63519): a broadcast consumer with two
  // overlapping next() calls settled the second with the first value and left the first
  // pending; return() did not settle a pending read.
  test('overlapping next() calls on a subscriber’s iterator: the first gets the value, return() settles the other as done', async () => {
    const source = new Channel<string>();
    const subscriber = broadcast(source).subscribe();
    const iterator = subscriber[Symbol.asyncIterator]();
    const first = track(iterator.next());
    const second = track(iterator.next());
    expect(source.tryPush('x')).toBe(true);
    await flush();
    expect(first.current).toEqual({ status: 'fulfilled', value: { done: false, value: 'x' } });
    expect(second.current.status).toBe('pending');
    await iterator.return?.();
    await flush();
    expect(second.current).toEqual({ status: 'fulfilled', value: { done: true, value: undefined } });
    expect(subscriber.stats().waitingPullers).toBe(0);
  });
});

describe('a broadcast with only drop-mode subscribers (Kotlin conflate)', () => {
  // Nothing holds such a broadcast back: it drains its source as values come, read or not
  // (README, Broadcast and ticker) — over an endless synchronous source, without end.
  test('a broadcast whose one subscriber is drop-oldest drains a from() source nobody reads, and the subscriber holds the last value', async () => {
    const source = from(Array.from({ length: 1000 }, (_, i) => i));
    const latest = broadcast(source).subscribe({ capacity: 1, overflow: 'drop-oldest' });
    for (let i = 0; i < 3; i++) await turn();
    expect(source.closed).toBe(true);
    expect(latest.closed).toBe(true);
    expect(latest.pullNowait()).toBe(999);
    expect(() => latest.pullNowait()).toThrow(ChannelClosedError);
  });
});

describe('a broadcast of a lazy source under random use (interplay)', () => {
  test('a broadcast of a from() channel under random joins, leaves, reads and aborted pulls loses no value read and keeps each subscriber’s run whole', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed * 7919);
      let reads = 0;
      let stop = false;
      const source = from(
        (function* () {
          while (!stop) yield reads++;
        })(),
        { capacity: Math.floor(next() * 3) },
      );
      const hub = broadcast(source);
      // Each subscriber's received values in commit order: a pull reserves its slot when called
      // (parked pulls are served before any later tryPull), and fills it when it resolves.
      type Taker = { channel: Channel<number>; slots: (number | undefined)[] };
      const present: Taker[] = [];
      const everyone: Taker[] = [];
      for (let step = 0; step < 150; step++) {
        const r = next();
        if (r < 0.15 || present.length === 0) {
          const taker = { channel: hub.subscribe({ capacity: Math.floor(next() * 3) }), slots: [] };
          present.push(taker);
          everyone.push(taker);
        } else if (r < 0.25) {
          present.splice(Math.floor(next() * present.length), 1)[0]?.channel.close();
        } else if (r < 0.7) {
          const taker = present[Math.floor(next() * present.length)] as Taker;
          const value = taker.channel.tryPull();
          if (value !== undefined) taker.slots.push(value);
        } else if (r < 0.85) {
          const taker = present[Math.floor(next() * present.length)] as Taker;
          const controller = new AbortController();
          const slot = taker.slots.push(undefined) - 1;
          taker.channel.pull({ signal: controller.signal }).then(
            (value) => {
              taker.slots[slot] = value;
            },
            () => {},
          );
          if (next() < 0.5) controller.abort();
        } else {
          await turn();
        }
        if (next() < 0.3) await Promise.resolve();
      }
      stop = true; // the source ends at its next read (closing the channel would drop a read in flight)
      // Those still subscribed read to the end together (each parked pull is room, and the
      // broadcast takes what is left in the source only when every one has room); those that
      // left keep what they received, readable.
      await Promise.all(
        present.map(async (taker) => {
          for await (const value of taker.channel) taker.slots.push(value);
        }),
      );
      const received = new Set<number>();
      // With nobody subscribed at the end, what was read last waits in the source.
      for await (const value of source) received.add(value);
      for (const taker of everyone) {
        for (let value = taker.channel.tryPull(); value !== undefined; value = taker.channel.tryPull()) {
          taker.slots.push(value);
        }
        const values = taker.slots.filter((value): value is number => value !== undefined);
        // Every value pulled after it subscribed, until it left: a run of consecutive values.
        expect(values, `seed ${seed}`).toEqual(values.map((_, k) => (values[0] as number) + k));
        for (const value of values) received.add(value);
      }
      for (let value = 0; value < reads; value++)
        expect(received.has(value), `seed ${seed}: value ${value}`).toBe(true);
    }
    // About 1,400 `setTimeout(0)` turns: 60 s, for a page whose timers are clamped to 4 ms
    // (it took over 30 s once in Firefox on a loaded machine, where it usually takes 3 s).
  }, 60_000);
});

describe('select over a from() channel (interplay)', () => {
  test('a select on a from() channel that another case won in the same turn reads nothing from the source', async () => {
    let reads = 0;
    const values = from(
      (function* () {
        for (;;) yield ++reads;
      })(),
    );
    const other = new Channel<string>();
    const selected = select([pull(values), pull(other)]); // asks the source for a value
    expect(other.tryPush('first')).toBe(true); // … but this case wins at once
    expect(await selected).toMatchObject({ index: 1, value: 'first' });
    for (let i = 0; i < 3; i++) await turn();
    expect(reads).toBe(0);
    expect(selectNowait([pull(values)])).toBeUndefined(); // nothing read ahead, nothing waiting
    expect(await select([pull(values), pull(other)])).toMatchObject({ index: 0, value: 1 });
    values.close();
  });
});

describe('timer channels (Go time.After, time.Ticker)', () => {
  // https://github.com/hashicorp/vault/pull/14814 (and many like it): time.After in a
  // for-select loop kept every lost timer until it fired. With `using`, each lost after()
  // channel is closed at the end of its iteration, and its timer cleared.
  test('the timeout idiom with using in a loop of 1000 selects leaves no timer behind', async () => {
    vi.useFakeTimers();
    const data = new Channel<number>(Infinity);
    for (let i = 0; i < 1000; i++) {
      data.pushNowait(i);
      using timeout = afterMs(60_000);
      const result = await select([pull(data), pull(timeout)]);
      expect(result.index).toBe(0);
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  // https://github.com/golang/go/issues/37196 (Go 1.23): a Timer or Ticker channel no longer
  // yields a stale value after Stop. Closing a ticker here is closing a channel: the tick it
  // already holds stays readable, and a loop drains it and ends (README, Broadcast and ticker).
  test('a for await over a ticker closed while it holds a tick receives that tick, then ends', async () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    vi.advanceTimersByTime(10);
    ticks.close();
    const received: number[] = [];
    for await (const tick of ticks) received.push(tick);
    expect(received).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a broadcast of a ticker gives each subscriber every tick it has room for, and ends them when the ticker closes', async () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    const hub = broadcast(ticks);
    const fast = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const slow = hub.subscribe({ capacity: 4 });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(10);
      seen.push(fast.pullNowait());
    }
    expect(seen).toHaveLength(3);
    expect(slow.size).toBe(3);
    ticks.close();
    await flush();
    expect(fast.closed && slow.closed).toBe(true);
    expect([slow.pullNowait(), slow.pullNowait(), slow.pullNowait()]).toEqual(seen);
    expect(vi.getTimerCount()).toBe(0);
  });
});
