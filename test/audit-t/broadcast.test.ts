/**
 * Audit T: broadcast and subscribe — every value to every present subscriber, in order, with
 * the slowest 'block' subscriber setting the pace; leaving, closing and the source's end.
 */
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, pull, select } from '../../src/index.js';
import { settle, track } from './helpers.js';

async function drain<T>(ch: Channel<T>): Promise<{ values: T[]; thrown: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of ch) values.push(v);
    return { values, thrown: undefined };
  } catch (error) {
    return { values, thrown: error };
  }
}

describe('broadcast', () => {
  test('every subscriber receives every value pulled after it subscribed, in order', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 100 });
    const b = hub.subscribe({ capacity: 100 });
    await source.pushAll([1, 2, 3, 4, 5, 6]);
    source.close();
    expect((await drain(a)).values).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await drain(b)).values).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('with no subscriber it pulls nothing: values wait in the source, no pull is parked there', async () => {
    const source = new Channel<number>(3);
    broadcast(source);
    source.tryPush(1);
    await settle();
    expect(source.size).toBe(1);
    expect(source.stats().waitingPullers).toBe(0);
  });

  test('subscribe() without options gives a capacity-1 block channel named subscriber', () => {
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe();
    expect(sub.stats()).toMatchObject({ capacity: 1, overflow: 'block', name: 'subscriber', closed: false });
  });

  test('the slowest block subscriber sets the pace: nothing more is taken from the source until it has room', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const fast = hub.subscribe({ capacity: 10 });
    const slow = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3, 4]);
    await settle();
    expect(fast.size).toBe(1);
    expect(slow.size).toBe(1);
    expect(source.size).toBe(3);
    expect(slow.tryPull()).toBe(1);
    await settle();
    expect(fast.size).toBe(2);
    expect(source.size).toBe(2);
  });

  test('a drop-mode subscriber never holds the others back and keeps what its policy says', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const all = hub.subscribe({ capacity: 10 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const first = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    for (let i = 1; i <= 5; i++) await source.push(i);
    expect(await all.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
    expect(latest.tryPull()).toBe(5);
    expect(await first.pullMany(10)).toEqual([1, 2]);
  });

  test('a subscriber that joins later gets only later values', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const early = hub.subscribe({ capacity: 10 });
    await source.push(1);
    const late = hub.subscribe({ capacity: 10 });
    await source.push(2);
    expect(await early.pullMany(10)).toEqual([1, 2]);
    expect(await late.pullMany(10)).toEqual([2]);
  });

  test('closing a subscriber makes it leave: a full slow subscriber that closes stops holding the others back', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const fast = hub.subscribe({ capacity: 10 });
    const slow = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3]);
    await settle();
    expect(fast.size).toBe(1);
    slow.close();
    await settle();
    expect(await fast.pullMany(10)).toEqual([1, 2, 3]);
    // The closed subscriber keeps what it held.
    expect(slow.tryPull()).toBe(1);
    expect(slow.tryPull()).toBeUndefined();
  });

  test('a subscriber whose signal aborts leaves; its buffered values stay readable; others go on', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const ac = new AbortController();
    const leaving = hub.subscribe({ capacity: 5, signal: ac.signal });
    const staying = hub.subscribe({ capacity: 5 });
    await source.push(1);
    ac.abort('bye');
    expect(leaving.closed).toBe(true);
    await source.push(2);
    expect(await staying.pullMany(5)).toEqual([1, 2]);
    const rest = await drain(leaving);
    // Closed normally by its signal: no reason thrown.
    expect(rest).toEqual({ values: [1], thrown: undefined });
  });

  test('subscribing with an already aborted signal returns a closed channel and takes nothing', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    source.tryPush(1);
    const sub = hub.subscribe({ signal: AbortSignal.abort() });
    expect(sub.closed).toBe(true);
    await settle();
    expect(source.size).toBe(1);
    expect(source.stats().waitingPullers).toBe(0);
  });

  test('when the source is closed with a reason while a block subscriber is full, every subscriber closes with it at once, after its values', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const full = hub.subscribe({ capacity: 1 });
    const waiting = hub.subscribe({ capacity: 1 });
    await source.push(1);
    expect(waiting.tryPull()).toBe(1);
    const parked = waiting.pull();
    const reason = new Error('upstream failed');
    source.close(reason);
    expect(full.closed).toBe(true);
    expect(waiting.closed).toBe(true);
    const error = await parked.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
    expect(await drain(full)).toEqual({ values: [1], thrown: reason });
  });

  test('source closed with a reason while a push is parked on it and a subscriber is full: the push fails, subscribers close', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const full = hub.subscribe({ capacity: 1 });
    await source.push(1);
    const stuckPush = track(source.push(2));
    await settle();
    expect(stuckPush.status).toBe('pending');
    source.close('r');
    await settle();
    expect(stuckPush.status).toBe('rejected');
    expect(full.closed).toBe(true);
    expect(await drain(full)).toEqual({ values: [1], thrown: 'r' });
  });

  test('a buffered source closed with values left delivers them all before closing the subscribers', async () => {
    const source = new Channel<number>(5);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3, 4, 5]);
    source.close('end');
    expect(a.closed).toBe(false);
    const [ra, rb] = await Promise.all([drain(a), drain(b)]);
    expect(ra).toEqual({ values: [1, 2, 3, 4, 5], thrown: 'end' });
    expect(rb).toEqual({ values: [1, 2, 3, 4, 5], thrown: 'end' });
  });

  test('broadcast.close(): subscribers close normally, the source stays open with its values, no pull stays parked', async () => {
    const source = new Channel<number>(3);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3]);
    await settle();
    hub.close();
    hub.close();
    expect(sub.closed).toBe(true);
    expect(source.closed).toBe(false);
    expect(source.stats().waitingPullers).toBe(0);
    expect(await drain(sub)).toEqual({ values: [1], thrown: undefined });
    expect(await source.pullMany(5)).toEqual([2, 3]);
    const later = hub.subscribe();
    expect(later.closed).toBe(true);
  });

  test('broadcast.close() on an empty source withdraws the broadcast’s parked pull', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    hub.subscribe();
    await settle();
    expect(source.stats().waitingPullers).toBe(1);
    hub.close();
    expect(source.stats().waitingPullers).toBe(0);
    // A value pushed now waits for a real consumer.
    expect(source.tryPush(1)).toBe(false);
  });

  test('the last subscriber leaving withdraws the broadcast’s parked pull', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    expect(source.stats().waitingPullers).toBe(1);
    a.close();
    expect(source.stats().waitingPullers).toBe(1);
    b.close();
    expect(source.stats().waitingPullers).toBe(0);
  });

  test('subscribe() after the source ended returns a channel closed with the source’s reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    hub.subscribe();
    source.close('gone');
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expect(await drain(late)).toEqual({ values: [], thrown: 'gone' });
  });

  test('subscribe() on a broadcast whose source ended before anyone subscribed learns the end at once', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    source.tryPush(1);
    source.close('r');
    const sub = hub.subscribe({ capacity: 5 });
    expect(await drain(sub)).toEqual({ values: [1], thrown: 'r' });
  });

  test('subscribe option errors name broadcast.subscribe', () => {
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(/broadcast\.subscribe/);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    expect(() => hub.subscribe({ capacity: 0, overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => hub.subscribe({ overflow: 'nope' as never })).toThrow(TypeError);
    expect(() => hub.subscribe({ signal: new AbortController() as never })).toThrow(/signal/);
    expect(() => hub.subscribe(AbortSignal.abort() as never)).toThrow(TypeError);
    expect(() => hub.subscribe('x' as never)).toThrow(TypeError);
  });

  test('broadcast() of something that is not a Channel is a TypeError', () => {
    expect(() => broadcast({} as never)).toThrow(TypeError);
    expect(() => broadcast(null as never)).toThrow(TypeError);
  });

  test('a capacity-0 subscriber gets values only for a waiting pull, and holds the others back meanwhile', async () => {
    const source = new Channel<number>(5);
    const hub = broadcast(source);
    const zero = hub.subscribe({ capacity: 0 });
    const other = hub.subscribe({ capacity: 5 });
    await source.pushAll([1, 2, 3]);
    await settle();
    expect(other.size).toBe(0);
    expect(source.size).toBe(3);
    expect(await zero.pull()).toBe(1);
    await settle();
    expect(other.tryPull()).toBe(1);
    expect(source.size).toBe(2);
  });

  test('pullMany on a subscriber takes refills made during its commit, never more than max', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3, 4, 5, 6, 7]);
    await settle();
    const batch = await sub.pullMany(4);
    expect(batch).toEqual([1, 2, 3, 4]);
    expect(await sub.pullMany(10)).toEqual([5, 6, 7]);
  });

  test('a select over two subscribers of one broadcast takes one copy; the other subscriber keeps its own', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 1 });
    const sel = select([pull(a), pull(b)]);
    await source.push(7);
    const r = await sel;
    expect(r.value).toBe(7);
    const other = r.index === 0 ? b : a;
    expect(other.tryPull()).toBe(7);
    expect((r.index === 0 ? a : b).tryPull()).toBeUndefined();
  });

  test('no value is lost or duplicated across many subscribers leaving at random while values flow', async () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const subs = Array.from({ length: 8 }, (_, i) => ({
      ch: hub.subscribe({ capacity: 1 + (i % 3), overflow: 'block' }),
      got: [] as number[],
      joinedAt: 0,
    }));
    const N = 400;
    const producer = (async () => {
      for (let i = 0; i < N; i++) await source.push(i);
      source.close();
    })();
    const readers = subs.map(async (sub, index) => {
      for await (const v of sub.ch) {
        sub.got.push(v);
        if (random() < 0.01 * (index + 1) && index % 2 === 0) {
          sub.ch.close();
        }
        if (random() < 0.3) await Promise.resolve();
      }
    });
    await Promise.all([producer, ...readers]);
    for (const sub of subs) {
      // Each subscriber saw a contiguous prefix 0..k-1 (joined at the start; left at some point), in order.
      expect(sub.got).toEqual(Array.from({ length: sub.got.length }, (_, i) => i));
    }
    // Those that never left saw everything.
    for (const [index, sub] of subs.entries()) if (index % 2 === 1) expect(sub.got.length).toBe(N);
  });
});

describe('broadcast in composition', () => {
  test('two broadcasts of one source compete: each value goes to exactly one of them', async () => {
    const source = new Channel<number>(2);
    const one = broadcast(source).subscribe({ capacity: 1000 });
    const two = broadcast(source).subscribe({ capacity: 1000 });
    for (let i = 0; i < 200; i++) await source.push(i);
    source.close();
    const got = [...(await drain(one)).values, ...(await drain(two)).values].sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  test('a chain of broadcasts passes every value and the close reason down', async () => {
    const source = new Channel<number>();
    const middle = broadcast(source).subscribe({ capacity: 2 });
    const leafA = broadcast(middle).subscribe({ capacity: 1 });
    const hubB = broadcast(middle);
    const leafB = hubB.subscribe({ capacity: 3 });
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await source.push(i);
      source.close('end of chain');
    })();
    // middle has two broadcasts competing for it: each value goes to one of the leaves.
    const [a, b] = await Promise.all([drain(leafA), drain(leafB)]);
    await producer;
    expect([...a.values, ...b.values].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a.thrown).toBe('end of chain');
    expect(b.thrown).toBe('end of chain');
  });

  test('a subscriber that leaves in the continuation of a value does not stall the others', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const quitter = hub.subscribe({ capacity: 1 });
    const stayer = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3, 4, 5]);
    source.close();
    const quit = (async () => {
      for await (const v of quitter) if (v === 2) quitter.close();
    })();
    const [stayed] = await Promise.all([drain(stayer), quit]);
    expect(stayed.values).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('broadcast disposal and late joiners', () => {
  test('using and await using close the broadcast (subscribers closed, source open); close is bound', async () => {
    const source = new Channel<number>(2);
    let sub: Channel<number>;
    {
      using hub = broadcast(source);
      sub = hub.subscribe();
    }
    expect(sub.closed).toBe(true);
    expect(source.closed).toBe(false);
    {
      await using hub = broadcast(source);
      sub = hub.subscribe();
    }
    expect(sub.closed).toBe(true);
    expect(source.closed).toBe(false);
    // Nothing of either hub is left parked on the source.
    expect(source.stats().waitingPullers).toBe(0);
    const hub = broadcast(source);
    const { close } = hub;
    const last = hub.subscribe();
    close();
    expect(last.closed).toBe(true);
  });

  test('a subscriber that joins from inside another subscriber’s loop receives only what is pulled after it joined', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const first = hub.subscribe({ capacity: 10 });
    let late: Channel<number> | undefined;
    const producer = (async () => {
      for (let i = 0; i < 10; i++) await source.push(i);
      source.close();
    })();
    const seenFirst: number[] = [];
    for await (const v of first) {
      seenFirst.push(v);
      if (v === 4) late = hub.subscribe({ capacity: 10 });
    }
    await producer;
    expect(seenFirst).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const seenLate = (await drain(late as Channel<number>)).values;
    // Contiguous, ends at 9, starts after 4 (it joined once 4 was read; later values may already have been taken).
    expect(seenLate.at(-1)).toBe(9);
    expect(seenLate[0]).toBeGreaterThan(4);
    expect(seenLate).toEqual(Array.from({ length: seenLate.length }, (_, i) => (seenLate[0] as number) + i));
  });
});
