/**
 * Audit BL: `broadcast` (SPEC "Broadcast and ticker"; README "Broadcast and ticker", its
 * Reference row and "Semantic details"), judged black-box as an Effect PubSub / Kotlin
 * SharedFlow user would: backpressure, drop modes, joining and leaving, the source's end, the
 * hub's end, signals and error messages.
 */
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  type ChannelError,
  merge,
  pull,
  select,
} from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drain, drainNow } from '../helpers/drain.js';
import { abortedSignal, flush, rejection, thrown, track } from '../helpers/track.js';

describe('backpressure and drop modes', () => {
  it('a full block subscriber stops the pulls; drop-newest keeps the first, drop-oldest the latest; the rest waits in source', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 2 });
    const first = hub.subscribe({ capacity: 1, overflow: 'drop-newest' });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    for (const v of [1, 2, 3, 4, 5]) source.pushNowait(v);
    await flush();
    expect(slow.size).toBe(2);
    expect(source.size).toBe(3); // 3, 4, 5 were not pulled
    expect(first.pullNowait()).toBe(1);
    expect(latest.pullNowait()).toBe(2);
    expect(slow.pullNowait()).toBe(1); // room: the broadcast takes exactly one more
    await flush();
    expect(source.size).toBe(2);
    expect(first.pullNowait()).toBe(3);
    expect(latest.pullNowait()).toBe(3);
    // Each pull from `slow` frees a slot that the broadcast refills at once, at the commit.
    expect(slow.pullNowait()).toBe(2);
    expect(source.size).toBe(1);
    expect(drainNow(slow)).toEqual([3, 4, 5]);
    await flush();
    expect(source.size).toBe(0);
    expect(drainNow(latest)).toEqual([5]);
    expect(drainNow(first)).toEqual([4]);
    hub.close();
  });

  it('only drop-mode subscribers: every value is taken at once, read or not', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    const b = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    await source.pushAll([1, 2, 3, 4, 5, 6]);
    await flush();
    expect(source.size).toBe(0);
    expect(drainNow(a)).toEqual([5, 6]);
    expect(drainNow(b)).toEqual([1, 2]);
    hub.close();
  });

  it('with no subscriber nothing is pulled, and no pull is left parked on the source', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    source.pushNowait(1);
    await flush();
    expect(source.size).toBe(1);
    const sub = hub.subscribe();
    sub.close();
    await flush();
    expect(source.stats().waitingPullers).toBe(0);
    // An unbuffered source: a push waits (nobody takes it), and tryPush refuses.
    const bare = new Channel<number>();
    const hub2 = broadcast(bare);
    expect(bare.tryPush(1)).toBe(false);
    const parked = track(bare.push(2));
    await flush();
    expect(parked.current.status).toBe('pending');
    const late = hub2.subscribe();
    expect(await late.pull()).toBe(2);
    hub.close();
    hub2.close();
  });

  it('the last block subscriber leaving lets a parked push into an unbuffered source stay parked (not taken for nobody)', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const parked = track(source.push(1));
    await flush();
    expect(parked.current.status).toBe('pending'); // capacity 0 and nobody pulls: no room
    sub.close();
    await flush();
    expect(parked.current.status).toBe('pending');
    expect(source.pullNowait()).toBe(1);
    hub.close();
  });

  it('a block subscriber that leaves frees the pace for the others', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const stuck = hub.subscribe({ capacity: 1 });
    const reader = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3, 4]);
    expect(await reader.pull()).toBe(1);
    await flush();
    expect(reader.tryPull()).toBeUndefined(); // held back by `stuck`
    stuck.close();
    const got = [await reader.pull(), await reader.pull(), await reader.pull()];
    expect(got).toEqual([2, 3, 4]);
    hub.close();
  });

  it('a capacity-0 subscriber gets a value only for a parked pull, and nothing is lost when its select was won by another case', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const other = new Channel<string>(1);
    const race = select([pull(sub), pull(other)]);
    other.pushNowait('x');
    const result = await race;
    expect(result.index).toBe(1);
    source.pushNowait(7);
    await flush();
    expect(source.size).toBe(1); // no room on `sub`: 7 stays in the source
    expect(sub.size).toBe(0);
    expect(await sub.pull()).toBe(7);
    hub.close();
  });

  it('capacity Infinity subscriber keeps everything while a drop subscriber sees the latest', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const all = hub.subscribe({ capacity: Number.POSITIVE_INFINITY });
    const last = hub.subscribe({ overflow: 'drop-oldest' });
    for (let i = 0; i < 1000; i++) await source.push(i);
    expect(all.size).toBe(1000);
    expect(last.pullNowait()).toBe(999);
    source.close();
    const { values, error } = await drain(all);
    expect(error).toBeUndefined();
    expect(values).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('joining and leaving', () => {
  it('a subscriber joining in the continuation of another subscriber’s pull starts with the next value', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 4 });
    let b: Channel<number> | undefined;
    const joined = a.pull().then((v) => {
      b = hub.subscribe({ capacity: 4 });
      return v;
    });
    await source.push(1);
    expect(await joined).toBe(1);
    await source.push(2);
    await source.push(3);
    expect(drainNow(b as Channel<number>)).toEqual([2, 3]);
    expect(drainNow(a)).toEqual([2, 3]);
    hub.close();
  });

  it('a subscriber closed by another subscriber’s for-await body keeps what it was sent; the others go on', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 4 });
    const b = hub.subscribe({ capacity: 4 });
    const c = hub.subscribe({ capacity: 8 });
    const seenA: number[] = [];
    const loop = (async () => {
      for await (const v of a) {
        seenA.push(v);
        if (v === 2) b.close();
        if (v === 5) break;
      }
    })();
    await source.pushAll([1, 2, 3, 4, 5]);
    await loop;
    expect(seenA).toEqual([1, 2, 3, 4, 5]);
    const fromB = await drain(b);
    expect(fromB.values[0]).toBe(1);
    expect(fromB.values).toEqual([1, 2, 3, 4, 5].slice(0, fromB.values.length));
    expect(fromB.error).toBeUndefined();
    expect(drainNow(c)).toEqual([1, 2, 3, 4, 5]);
    hub.close();
  });

  it('a subscriber closed with a reason leaves; its own reader sees that reason, the others are untouched', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    const reason = new Error('leaving');
    const parked = a.pull();
    a.close(reason);
    const error = (await rejection(parked)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    await source.push(1);
    expect(await b.pull()).toBe(1);
    hub.close();
  });

  it('many subscribers joining and leaving on one shared signal: one abort ends all of them, the others continue', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const controller = new AbortController();
    const group = Array.from({ length: 50 }, () => hub.subscribe({ capacity: 1, signal: controller.signal }));
    const stay = hub.subscribe({ capacity: 4 });
    await source.push(1);
    controller.abort(new Error('gone'));
    for (const s of group) {
      expect(s.closed).toBe(true);
      expect(s.pullNowait()).toBe(1); // buffered values stay readable
      // Closed normally (not with the abort reason): the next pull has no cause.
      const error = thrown(() => s.pullNowait()) as ChannelClosedError;
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error.cause).toBeUndefined();
    }
    await source.pushAll([2, 3]);
    expect(drainNow(stay)).toEqual([1, 2, 3]);
    hub.close();
  });
});

describe('signals on subscribers', () => {
  it('an already aborted signal gives a closed subscriber, and nothing is pulled for it', async () => {
    const source = new Channel<number>(2);
    source.pushNowait(1);
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: abortedSignal('no') });
    expect(sub.closed).toBe(true);
    await flush();
    expect(source.size).toBe(1);
    expect(source.stats().waitingPullers).toBe(0);
    hub.close();
  });

  it('a signal aborted mid-wait ends a for await over the subscriber normally and rejects a parked pull', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const controller = new AbortController();
    const sub = hub.subscribe({ signal: controller.signal });
    const loop = drain(sub);
    const sub2 = hub.subscribe({ signal: controller.signal });
    const parked = sub2.pull();
    await source.push(1);
    await flush();
    controller.abort(new Error('stop'));
    const result = await loop;
    expect(result).toEqual({ values: [1], error: undefined });
    // sub2 got 1 for its parked pull
    expect(await parked).toBe(1);
    expect(await rejection(sub2.pull())).toBeInstanceOf(ChannelClosedError);
    expect(source.stats().waitingPullers).toBe(0);
  });

  it('AbortSignal.any([parent]) as a subscriber’s signal: aborting the parent closes it', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const parent = new AbortController();
    const sub = hub.subscribe({ signal: AbortSignal.any([parent.signal]) });
    const parked = track(sub.pull());
    parent.abort();
    await flush();
    expect(sub.closed).toBe(true);
    expect(parked.current.status).toBe('rejected');
    expect((parked.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    hub.close();
  });

  it('AbortSignal.timeout on a subscriber: the loop over it ends, and the value pushed after stays in the source', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: AbortSignal.timeout(20) });
    const result = await drain(sub);
    expect(result).toEqual({ values: [], error: undefined });
    source.pushNowait(9);
    await flush();
    expect(source.size).toBe(1);
    hub.close();
  });

  it('a pull on a subscriber that shares the subscriber’s signal rejects with the reason (not a plain close)', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const controller = new AbortController();
    const sub = hub.subscribe({ signal: controller.signal });
    const reason = new Error('r');
    const parked = sub.pull({ signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(parked)).toBe(reason);
    hub.close();
  });

  it('a value pushed inside an abort listener that runs before the subscriber’s watch is delivered, then the subscriber closes', async () => {
    const source = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => {
      expect(source.tryPush(42)).toBe(true);
    });
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: controller.signal });
    controller.abort();
    expect(sub.closed).toBe(true);
    expect(drainNow(sub)).toEqual([42]);
    hub.close();
  });
});

describe('the source’s end', () => {
  it('source closed with a reason while subscribers are parked: each parked pull rejects with that cause; for await throws it after the values', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const parkedSub = hub.subscribe();
    const loopSub = hub.subscribe({ capacity: 4 });
    const selectSub = hub.subscribe();
    const parked = parkedSub.pull();
    const sel = select([pull(selectSub)]);
    const reason = new Error('upstream failed');
    // Values in flight first, for the loop.
    const loop = drain(loopSub);
    source.close(reason);
    const error = (await rejection(parked)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    expect(await loop).toEqual({ values: [], error: reason });
    const r = await sel;
    expect(r).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  it('a falsy reason (0) propagates to every subscriber as the same reason', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 4 });
    const b = hub.subscribe({ capacity: 4, overflow: 'drop-oldest' });
    await source.pushAll([1, 2]);
    source.close(0);
    expect(await drain(a)).toEqual({ values: [1, 2], error: 0 });
    expect(await drain(b)).toEqual({ values: [1, 2], error: 0 });
    const late = hub.subscribe();
    const error = (await rejection(late.pull())) as ChannelClosedError;
    expect(error.cause).toBe(0);
  });

  it('a value another consumer took from under the broadcast, then a close: freeing room on the full subscriber ends every subscriber', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const full = hub.subscribe({ capacity: 1 });
    const waiting = hub.subscribe({ capacity: 1 });
    source.pushNowait(1);
    await flush();
    expect(await waiting.pull()).toBe(1);
    source.pushNowait(2);
    await flush();
    expect(source.size).toBe(1); // 2 is held back by `full`
    const parked = track(waiting.pull());
    // Drain the source by hand, then close it: the source is closed and drained.
    expect(source.pullNowait()).toBe(2);
    source.close();
    await flush();
    // README: "when another consumer of the source took such a value from under it, does the
    // broadcast learn of a later close when it next looks (a subscriber's pull parking or freeing room)".
    // (Whether it ended already is BL-2, see source-end.test.ts.) Once `full` frees room, it has.
    expect(full.pullNowait()).toBe(1); // frees room: the broadcast looks
    await flush();
    expect(parked.current.status).toBe('rejected');
    expect(full.closed).toBe(true);
  });

  it('source closed while a parked pusher is held back by a full subscriber: the push fails, the subscribers end', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const full = hub.subscribe({ capacity: 1 });
    await source.push(1);
    const held = source.push(2);
    await flush();
    source.close(new Error('bye'));
    expect(await rejection(held)).toBeInstanceOf(ChannelClosedError);
    await flush();
    expect(full.closed).toBe(true);
    expect((await drain(full)).values).toEqual([1]);
  });

  it('source closed with buffered values and no subscriber: a later subscriber gets those values, then the reason', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    await source.pushAll([1, 2, 3]);
    const reason = new Error('done');
    source.close(reason);
    const sub = hub.subscribe({ capacity: 8 });
    expect(await drain(sub)).toEqual({ values: [1, 2, 3], error: reason });
    const after = hub.subscribe();
    expect(after.closed).toBe(true);
  });

  it('a broadcast of an `after`: subscribers get the one timestamp, then end', async () => {
    const before = Date.now();
    const hub = broadcast(afterMs(5));
    const a = hub.subscribe();
    const b = hub.subscribe();
    const [ra, rb] = await Promise.all([drain(a), drain(b)]);
    expect(ra.values).toHaveLength(1);
    expect(ra.values).toEqual(rb.values);
    expect(ra.values[0]).toBeGreaterThanOrEqual(before + 5);
    expect(ra.error).toBeUndefined();
  });
});

describe('the hub’s end', () => {
  it('close(): subscribers closed without a reason, keep what they hold, source left open with its values and no parked pull', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    const parkedOn = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3]);
    await flush();
    expect(parkedOn.pullNowait()).toBe(1);
    const parked = parkedOn.pull();
    await flush();
    // parkedOn got 2 already? Only if `a` had room: `a` holds 1, so no.
    hub.close();
    expect(a.closed).toBe(true);
    expect(parkedOn.closed).toBe(true);
    const error = (await rejection(parked)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeUndefined();
    expect(drainNow(a)).toEqual([1]);
    expect(source.closed).toBe(false);
    expect(source.stats()).toMatchObject({ size: 2, waitingPullers: 0 });
    source.pushNowait(4);
    await flush();
    expect(drainNow(source)).toEqual([2, 3, 4]);
  });

  it('close() is idempotent, bound, and later subscribers are closed without a reason even after the source ends with one', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const { close } = hub;
    close();
    close();
    hub.close();
    source.close(new Error('later'));
    const sub = hub.subscribe();
    expect(sub.closed).toBe(true);
    const error = (await rejection(sub.pull())) as ChannelClosedError;
    expect(error.cause).toBeUndefined();
  });

  it('hub.close() called from a subscriber’s for-await body ends the others’ loops; values not yet pulled stay in source', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 1 });
    const loopB = drain(b);
    const seen: number[] = [];
    const loopA = (async () => {
      for await (const v of a) {
        seen.push(v);
        if (v === 3) hub.close();
      }
    })();
    await source.pushAll([1, 2, 3, 4, 5, 6]);
    await loopA;
    const rb = await loopB;
    // `a` may hold one more value (refilled at the commit of 3): closing keeps it readable.
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    expect(seen.length).toBeLessThanOrEqual(4);
    expect(rb.error).toBeUndefined();
    // Nothing pulled is lost: every value that left the source reached both subscribers.
    const left = drainNow(source);
    const taken = [1, 2, 3, 4, 5, 6].slice(0, 6 - left.length);
    expect(seen).toEqual(taken);
    expect(rb.values).toEqual(taken);
  });
});

describe('interplay with merge, pullMany, select and chains', () => {
  it('merge of two subscribers of one hub gives every value twice', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const merged = merge(hub.subscribe(), hub.subscribe());
    await source.pushAll([1, 2, 3]);
    source.close();
    const { values, error } = await drain(merged);
    expect(error).toBeUndefined();
    expect(values.sort()).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('pullMany on a capacity-1 subscriber takes values in order and never more than max; nothing is lost or duplicated', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3, 4, 5, 6, 7]);
    source.close();
    const got: number[] = [];
    for (;;) {
      let batch: number[];
      try {
        batch = await sub.pullMany(3);
      } catch (error) {
        expect(error).toBeInstanceOf(ChannelClosedError);
        break;
      }
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(3);
      got.push(...batch);
    }
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('pullMany with an aborted signal on a subscriber takes nothing, and the broadcast does not lose the value', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const controller = new AbortController();
    const many = sub.pullMany(5, { signal: controller.signal });
    controller.abort('x');
    expect(await rejection(many)).toBe('x');
    source.pushNowait(1);
    await flush();
    expect(source.size).toBe(1);
    expect(await sub.pullMany(5)).toEqual([1]);
    hub.close();
  });

  it('a broadcast of a subscriber (a chain of hubs) relays values and the end reason', async () => {
    const source = new Channel<number>(4);
    const hub1 = broadcast(source);
    const hub2 = broadcast(hub1.subscribe({ capacity: 2 }));
    const leaf1 = hub2.subscribe({ capacity: 4 });
    const leaf2 = hub2.subscribe({ capacity: 4 });
    await source.pushAll([1, 2, 3]);
    const reason = new Error('end');
    source.close(reason);
    expect(await drain(leaf1)).toEqual({ values: [1, 2, 3], error: reason });
    expect(await drain(leaf2)).toEqual({ values: [1, 2, 3], error: reason });
  });

  it('two broadcasts of one source compete: each value goes to exactly one of them', async () => {
    const source = new Channel<number>();
    const h1 = broadcast(source);
    const h2 = broadcast(source);
    const s1 = h1.subscribe({ capacity: 100 });
    const s2 = h2.subscribe({ capacity: 100 });
    for (let i = 0; i < 20; i++) await source.push(i);
    source.close();
    const all = [...(await drain(s1)).values, ...(await drain(s2)).values].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('a user push into a block subscriber takes its room: the broadcast waits, nothing is lost', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    sub.pushNowait(100);
    source.pushNowait(1);
    await flush();
    expect(source.size).toBe(1);
    expect(sub.pullNowait()).toBe(100);
    await flush();
    expect(sub.pullNowait()).toBe(1);
    hub.close();
  });
});

describe('errors name the function and the problem', () => {
  it.each([
    ['a plain object', {}],
    ['an async iterable', { async *[Symbol.asyncIterator]() {} }],
    ['null', null],
    ['undefined', undefined],
  ])('broadcast(%s) is a TypeError naming broadcast(source)', (_, bad) => {
    const error = thrown(() => broadcast(bad as never)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('broadcast(source)');
    expect(error.message).toMatch(/not a Channel of this copy/);
  });

  it.each([
    ['capacity -1', { capacity: -1 }, RangeError],
    ['capacity NaN', { capacity: Number.NaN }, RangeError],
    ['capacity 1.5', { capacity: 1.5 }, RangeError],
    ['capacity "2"', { capacity: '2' }, TypeError],
    ['overflow bogus', { overflow: 'bogus' }, TypeError],
    ['drop-oldest with capacity 0', { capacity: 0, overflow: 'drop-oldest' }, RangeError],
    ['signal a controller', { signal: new AbortController() }, TypeError],
    ['options a signal', new AbortController().signal, TypeError],
    ['options a number', 5, TypeError],
    ['options a string', 'x', TypeError],
  ])(
    'subscribe with %s is a %s naming broadcast.subscribe(options), and subscribes nothing',
    async (_, options, type) => {
      const source = new Channel<number>(2);
      source.pushNowait(1);
      const hub = broadcast(source);
      const error = thrown(() => hub.subscribe(options as never)) as Error;
      expect(error).toBeInstanceOf(type);
      expect(error.message).toContain('broadcast.subscribe(options)');
      await flush();
      expect(source.size).toBe(1); // nothing subscribed: nothing pulled
      hub.close();
    },
  );

  it('subscribe(null) reads as no options: capacity 1, block', () => {
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe(null as never);
    expect(sub.capacity).toBe(1);
    expect(sub.stats().overflow).toBe('block');
    hub.close();
  });

  it('a closed subscriber’s errors name it (subscriber) and the operation', async () => {
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe();
    hub.close();
    const error = (await rejection(sub.pull())) as ChannelError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.channel).toBe(sub);
    expect(error.message).toContain('subscriber');
    expect(error.message).toMatch(/pull/);
    const pushError = thrown(() => sub.pushNowait(1)) as Error;
    expect(pushError.message).toContain('subscriber');
    expect(pushError.message).toMatch(/pushNowait/);
  });
});
