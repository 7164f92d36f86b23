/**
 * Audit BL: more signals and compositions — `pullMany`/`select` on subscribers and tickers with
 * already aborted, `AbortSignal.timeout` and `AbortSignal.any` signals; a `merge` of a source and
 * its own subscriber; the counts `stats()` gives for the broadcast's pull on its source.
 */
import { broadcast, Channel, merge, pull, select, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drain, drainNow } from '../helpers/drain.js';
import { abortedSignal, flush, rejection } from '../helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('signals on pulls from subscribers and tickers', () => {
  it('pullMany with an already aborted signal on a full subscriber takes nothing and starts no refill', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 2 });
    await source.pushAll([1, 2, 3, 4]);
    expect(sub.size).toBe(2);
    expect(source.size).toBe(2);
    expect(await rejection(sub.pullMany(5, { signal: abortedSignal('no') }))).toBe('no');
    expect(sub.size).toBe(2);
    expect(source.size).toBe(2);
    expect(await sub.pullMany(10)).toEqual([1, 2, 3, 4]);
    hub.close();
  });

  it('pullMany with AbortSignal.timeout on an empty subscriber rejects with a TimeoutError and loses nothing pushed after', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const error = (await rejection(sub.pullMany(3, { signal: AbortSignal.timeout(15) }))) as DOMException;
    expect(error.name).toBe('TimeoutError');
    const pushed = source.push(7);
    expect(await sub.pull()).toBe(7);
    await pushed;
    hub.close();
  });

  it('a select over a subscriber and a ticker with AbortSignal.any([controller, timeout]) that times out: nothing consumed, nothing parked', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const ticks = ticker(60_000);
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(15)]);
    const error = (await rejection(select([pull(sub), pull(ticks)], { signal }))) as DOMException;
    expect(error.name).toBe('TimeoutError');
    expect(sub.stats().waitingPullers).toBe(0);
    expect(ticks.stats().waitingPullers).toBe(0);
    source.pushNowait(1);
    await flush();
    expect(source.size).toBe(1); // no room on sub: the select left no pull behind
    ticks.close();
    hub.close();
  });

  it('a pull on a ticker with a signal aborted mid-wait takes no tick: the next reader gets it', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    const controller = new AbortController();
    const parked = ticks.pull({ signal: controller.signal });
    vi.advanceTimersByTime(5);
    controller.abort('stop');
    expect(await rejection(parked)).toBe('stop');
    vi.advanceTimersByTime(5);
    expect(ticks.pullNowait()).toBe(10);
    ticks.close();
  });
});

describe('compositions', () => {
  it.each([
    [0, 0],
    [0, 1],
    [1, 0],
    [4, 2],
  ])(
    'merge(source, its own subscriber) (source %d, subscriber %d): every value comes out exactly once, and it ends',
    async (cap, subCap) => {
      const source = new Channel<number>(cap);
      const hub = broadcast(source);
      const sub = hub.subscribe({ capacity: subCap });
      const merged = merge(source, sub);
      const loop = drain(merged);
      for (let i = 0; i < 60; i++) await source.push(i);
      source.close();
      const { values, error } = await loop;
      expect(error).toBeUndefined();
      expect([...values].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    },
  );

  it('a select loop over a source and its own subscriber: each value once, nothing left parked', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    const got: number[] = [];
    const run = (async () => {
      const cases = [pull(source), pull(sub)];
      while (got.length < 40) {
        const r = await select(cases);
        if (r.ok) got.push(r.value as number);
      }
    })();
    for (let i = 0; i < 40; i++) await source.push(i);
    await run;
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(drainNow(sub)).toEqual([]);
    hub.close();
    expect(source.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  it('stats(): the broadcast’s pull is counted on an empty open source while it has subscribers, and only then', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    expect(source.stats().waitingPullers).toBe(0);
    const a = hub.subscribe();
    expect(source.stats().waitingPullers).toBe(1);
    a.close();
    expect(source.stats().waitingPullers).toBe(0);
    const b = hub.subscribe({ capacity: 1 });
    await source.push(1); // b full
    expect(source.stats().waitingPullers).toBe(1); // kept parked for the source's end
    source.pushNowait(2); // held back in the source
    await flush();
    expect(source.stats()).toMatchObject({ size: 1, waitingPullers: 0 });
    hub.close();
    expect(b.closed).toBe(true);
    expect(source.stats()).toMatchObject({ size: 1, waitingPullers: 0 });
  });

  it('each value moves into every subscriber with room synchronously, at the source’s commit point', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    expect(source.tryPush(1)).toBe(true); // an unbuffered source: the broadcast's pull took it
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
    source.pushNowait(2);
    expect(a.size).toBe(2);
    expect(b.pullNowait()).toBe(2);
    expect(source.tryPush(3)).toBe(false); // a is full: no pull can take it
    hub.close();
  });

  it('subscribe({ capacity: null, overflow: null }) reads as the defaults (capacity 1, block)', () => {
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe({ capacity: null, overflow: null } as never);
    expect(sub.capacity).toBe(1);
    expect(sub.stats().overflow).toBe('block');
    expect(sub.name).toBe('subscriber');
    hub.close();
  });
});
