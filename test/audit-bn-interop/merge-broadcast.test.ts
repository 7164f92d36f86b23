/**
 * `merge` and `broadcast` with the other helpers: merges of `from` channels in a select,
 * a broadcast of a merge, relays closed half-way, and a broadcast whose subscribers all left.
 */

import { broadcast, Channel, from, merge, pull, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function drainNow<T>(channel: Channel<T>, into: T[]) {
  for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) into.push(value);
}

describe('merge', () => {
  it('merge() of no channel is closed at once and a loop over it ends', async () => {
    const none = merge();
    expect(none.closed).toBe(true);
    for await (const _ of none) expect.unreachable();
  });

  it('a merge of two endless synchronous from channels serves both fairly and reads at most one value ahead', async () => {
    let readA = 0;
    let readB = 0;
    const a = from(
      (function* () {
        for (;;) yield `a${readA++}`;
      })(),
    );
    const b = from(
      (function* () {
        for (;;) yield `b${readB++}`;
      })(),
    );
    const both = merge(a, b);
    const seen: string[] = [];
    for (let i = 0; i < 100; i++) seen.push(await both.pull());
    await macrotask();
    const fromA = seen.filter((v) => v.startsWith('a'));
    const fromB = seen.filter((v) => v.startsWith('b'));
    expect(fromA).toEqual(fromA.map((_, i) => `a${i}`));
    expect(fromB).toEqual(fromB.map((_, i) => `b${i}`));
    expect(Math.abs(fromA.length - fromB.length)).toBeLessThanOrEqual(2);
    expect(readA + readB - seen.length).toBeLessThanOrEqual(1);
    both.close();
    a.close();
    b.close();
  });

  it('a select that keeps choosing another ready case over a merge of from channels neither loses nor reads ahead their values', async () => {
    let read = 0;
    const numbers = from(
      (function* () {
        for (;;) yield read++;
      })(),
    );
    const merged = merge(numbers, new Channel<number>());
    const other = new Channel<string>(100);
    const got: number[] = [];
    for (let i = 0; i < 200; i++) {
      if (other.size === 0) await other.pushAll(['x', 'y', 'z']);
      const result = await select([pull(merged), pull(other)]);
      if (result.index === 0) got.push(result.value as number);
    }
    await macrotask();
    drainNow(merged, got);
    expect(got).toEqual(got.map((_, i) => i));
    // Only the merge's slot reads ahead: every value read was received or still sits there.
    expect(read - got.length).toBeLessThanOrEqual(1);
    numbers.close();
  });

  it('from(toReadableStream(merge(a, b))) closed half-way leaves every value not received in the merge or its inputs', async () => {
    const a = new Channel<number>(10);
    const b = new Channel<number>(10);
    for (let i = 0; i < 10; i++) {
      a.pushNowait(i);
      b.pushNowait(100 + i);
    }
    const merged = merge(a, b);
    const relayed = from(toReadableStream(merged));
    const got: number[] = [];
    for (let i = 0; i < 7; i++) got.push(await relayed.pull());
    relayed.close();
    await macrotask();
    const rest: number[] = [];
    for (const channel of [relayed, merged, a, b]) drainNow(channel, rest);
    expect([...got, ...rest].sort((x, y) => x - y)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 10 }, (_, i) => 100 + i),
    ]);
  });
});

describe('broadcast', () => {
  it('a broadcast of a merge of two from channels paces the sources by its capacity-0 subscriber and keeps each source’s order', async () => {
    let readA = 0;
    let readB = 0;
    const a = from(
      (function* () {
        for (;;) yield readA++;
      })(),
    );
    const b = from(
      (function* () {
        for (;;) yield 1000 + readB++;
      })(),
    );
    const merged = merge(a, b);
    const hub = broadcast(merged);
    const slow = hub.subscribe({ capacity: 0 });
    const latest = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    const got: number[] = [];
    for (let i = 0; i < 50; i++) got.push(await slow.pull());
    await macrotask();
    const ones = got.filter((v) => v < 1000);
    const thousands = got.filter((v) => v >= 1000);
    expect(ones).toEqual(ones.map((_, i) => i));
    expect(thousands).toEqual(thousands.map((_, i) => 1000 + i));
    expect(ones.length).toBeGreaterThan(10);
    expect(thousands.length).toBeGreaterThan(10);
    // Only the merge's slot reads ahead of the slowest 'block' subscriber.
    expect(readA + readB - got.length).toBeLessThanOrEqual(1);
    // The drop-mode subscriber holds the last values delivered, in order.
    const kept: number[] = [];
    drainNow(latest, kept);
    expect(kept).toEqual(got.slice(-2));
    hub.close();
    merged.close();
    a.close();
    b.close();
  });

  it('once every subscriber has left, the broadcast pulls nothing: a push into an unbuffered source waits', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const controller = new AbortController();
    const one = hub.subscribe({ signal: controller.signal });
    const two = hub.subscribe();
    await source.push(1);
    expect(await one.pull()).toBe(1);
    expect(await two.pull()).toBe(1);
    controller.abort();
    two.close();
    expect(source.stats().waitingPullers).toBe(0);
    expect(source.tryPush(2)).toBe(false);
    const later = hub.subscribe();
    // A new subscriber starts the broadcast again, with the values pushed after.
    await source.push(3);
    expect(await later.pull()).toBe(3);
    hub.close();
    expect(source.stats().waitingPullers).toBe(0);
  });

  it('a subscriber read through toReadableStream with highWaterMark 0 holds the broadcast to the stream’s reads', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const other = hub.subscribe({ capacity: 10 });
    const reader = toReadableStream(sub).getReader();
    await source.pushAll([1, 2, 3, 4]);
    await macrotask();
    expect(source.size).toBe(4);
    expect((await reader.read()).value).toBe(1);
    await macrotask();
    expect(source.size).toBe(3);
    expect(other.size).toBe(1);
    await reader.cancel();
    hub.close();
    expect(source.size).toBe(3);
  });
});
