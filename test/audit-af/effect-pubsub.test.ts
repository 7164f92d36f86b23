/**
 * Audit AF: Effect's PubSub tests, translated to chanasync's `broadcast`.
 * Source: https://github.com/Effect-TS/effect/blob/main/packages/effect/test/PubSub.test.ts
 *
 * Mapping: a PubSub ≈ a source `Channel` plus `broadcast(source)`; `publish`/`publishAll` ≈
 * `source.push`/`source.pushAll`; `PubSub.subscribe` ≈ `hub.subscribe({ capacity, overflow })`
 * (`bounded`/`dropping`/`sliding` ≈ the subscriber's `'block'`/`'drop-newest'`/`'drop-oldest'`);
 * `take`/`takeAll`/`takeUpTo` ≈ `pull`/`pullMany`; closing a subscription's scope ≈ closing the
 * subscriber channel; `shutdown` ≈ `hub.close()`; interruption ≈ an `AbortSignal`.
 * Effect's replay window has no counterpart (a subscriber gets only values pulled after it
 * subscribed, SPEC), so the `replay` tests are not ported.
 */

import { broadcast, Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle } from './util.js';

const ALL = Number.MAX_SAFE_INTEGER;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

async function takeN(sub: Channel<number>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await sub.pull());
  return out;
}

describe('Effect packages/effect/test/PubSub.test.ts', () => {
  for (const batch of [false, true]) {
    for (const capacity of [1, 2, 3]) {
      it(`sliding capacity ${capacity} delivers each retained message once per subscriber (batch: ${batch})`, async () => {
        const source = new Channel<number>(0);
        const hub = broadcast(source);
        const first = hub.subscribe({ capacity, overflow: 'drop-oldest' });
        const second = hub.subscribe({ capacity, overflow: 'drop-oldest' });
        const values = range(1, capacity + 2);
        const retained = values.slice(-capacity);
        await source.pushAll(values);
        const received = batch ? await first.pullMany(ALL) : await takeN(first, capacity);
        const duplicate = first.tryPull();
        const other = await second.pullMany(ALL);
        expect([received, duplicate, other]).toEqual([retained, undefined, retained]);
        hub.close();
      });
    }
  }

  for (const capacity of [1, 2, 3]) {
    it(`unsubscribing after a slide preserves the other subscriber's messages (capacity: ${capacity})`, async () => {
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const first = hub.subscribe({ capacity, overflow: 'drop-oldest' });
      const second = hub.subscribe({ capacity, overflow: 'drop-oldest' });
      const values = range(1, capacity + 2);
      await source.pushAll(values);
      await first.pullMany(ALL);
      first.close(); // the scope closes: unsubscribed
      expect(await second.pullMany(ALL)).toEqual(values.slice(-capacity));
      hub.close();
    });
  }

  for (const capacity of [2, 4, 3]) {
    it(`publishAll - capacity ${capacity}`, async () => {
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const sub1 = hub.subscribe({ capacity });
      const sub2 = hub.subscribe({ capacity });
      await source.pushAll([1, 2]);
      expect(await sub1.pullMany(ALL)).toEqual([1, 2]);
      expect(await sub2.pullMany(ALL)).toEqual([1, 2]);
      hub.close();
    });
  }

  it('sequential publishers and subscribers with one publisher and one subscriber', async () => {
    const values = range(0, 9);
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 10 });
    await source.pushAll(values);
    expect(await takeN(sub, 10)).toEqual(values);
    hub.close();
  });

  it('sequential publishers and subscribers with one publisher and two subscribers', async () => {
    const values = range(0, 9);
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const sub1 = hub.subscribe({ capacity: 10 });
    const sub2 = hub.subscribe({ capacity: 10 });
    await source.pushAll(values);
    expect(await takeN(sub1, 10)).toEqual(values);
    expect(await takeN(sub2, 10)).toEqual(values);
    hub.close();
  });

  const strategies = [
    ['backpressured', { capacity: 64 }],
    ['dropping', { capacity: 64, overflow: 'drop-newest' }],
    ['sliding', { capacity: 64, overflow: 'drop-oldest' }],
    ['unbounded', { capacity: Number.POSITIVE_INFINITY }],
  ] as const;

  for (const [strategy, options] of strategies) {
    it(`${strategy} concurrent publishers and subscribers - one to one`, async () => {
      const values = range(0, 64);
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const sub = hub.subscribe(options);
      const result = takeN(sub, values.length);
      void (async () => {
        for (const v of values) await source.push(v);
      })();
      expect(await result).toEqual(values);
      hub.close();
    });

    it(`${strategy} concurrent publishers and subscribers - one to many`, async () => {
      const values = range(0, 64);
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const sub1 = hub.subscribe(options);
      const sub2 = hub.subscribe(options);
      const r1 = takeN(sub1, values.length);
      const r2 = takeN(sub2, values.length);
      void source.pushAll(values);
      expect(await r1).toEqual(values);
      expect(await r2).toEqual(values);
      hub.close();
    });

    it(`${strategy} concurrent publishers and subscribers - many to many`, async () => {
      const values = range(1, 64);
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const big = { ...options, capacity: options.capacity * 2 };
      const sub1 = hub.subscribe(big);
      const sub2 = hub.subscribe(big);
      const r1 = takeN(sub1, values.length * 2);
      const r2 = takeN(sub2, values.length * 2);
      const p1 = source.pushAll(values);
      void source.pushAll(values.map((n) => -n));
      const [result1, result2] = [await r1, await r2];
      await p1;
      for (const result of [result1, result2]) {
        expect(result.filter((n) => n > 0)).toEqual(values);
        expect(result.filter((n) => n < 0)).toEqual(values.map((n) => -n));
      }
      hub.close();
    });
  }

  it('null values', async () => {
    const messages = [1, null, undefined];
    const source = new Channel<number | null | undefined>(0);
    const hub = broadcast(source);
    const sub1 = hub.subscribe({ capacity: Number.POSITIVE_INFINITY });
    const sub2 = hub.subscribe({ capacity: Number.POSITIVE_INFINITY });
    await source.pushAll(messages);
    expect(await sub1.pullMany(ALL)).toEqual(messages);
    expect(await sub2.pullMany(ALL)).toEqual(messages);
    hub.close();
  });

  // Effect discards what is published with no subscriber. A broadcast with no subscriber pulls
  // nothing (SPEC): the values wait in the source, for the first subscriber.
  it('publish does not increase size while no subscribers (contract: values wait in the source)', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    await source.push(1);
    await source.push(2);
    await settle();
    expect(source.size).toBe(2);
    const sub = hub.subscribe({ capacity: 2 });
    await settle();
    expect(await sub.pullMany(ALL)).toEqual([1, 2]);
    hub.close();
  });

  it('shutdown interrupts suspended subscribers', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: Number.POSITIVE_INFINITY });
    const taking = sub.pull();
    await settle();
    hub.close();
    await expect(taking).rejects.toBeInstanceOf(ChannelClosedError);
    expect(sub.closed).toBe(true);
    expect(source.closed).toBe(false); // the source is not the hub's to close
    expect(source.stats().waitingPullers).toBe(0); // and the hub stopped pulling
  });

  it('publish succeeds after interrupting a suspended subscriber', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1, overflow: 'drop-newest' });
    const fiber = new AbortController();
    const taking = sub.pull({ signal: fiber.signal });
    fiber.abort();
    await expect(taking).rejects.toMatchObject({ name: 'AbortError' });
    await source.push(42);
    expect(await sub.pull()).toBe(42);
    hub.close();
  });

  it('an interrupted take never swallows the next message', async () => {
    for (let turns = 0; turns < 5; turns++) {
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const sub = hub.subscribe({ capacity: 4 });
      const fiber = new AbortController();
      const taking = sub.pull({ signal: fiber.signal });
      await settle(turns);
      fiber.abort();
      await taking.catch(() => {});
      await source.push(1);
      expect(sub.tryPull()).toBe(1);
      hub.close();
    }
  });

  it('a take that starts waiting after unsubscribe is interrupted', async () => {
    const source = new Channel<number>(Number.POSITIVE_INFINITY);
    const hub = broadcast(source);
    const sub = hub.subscribe();
    const taking = sub.pull();
    sub.close(); // unsubscribe
    await expect(taking).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(sub.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    // the hub keeps serving others, and the unsubscribed channel holds nothing back
    const other = hub.subscribe({ capacity: 1 });
    await source.push(7);
    expect(await other.pull()).toBe(7);
    hub.close();
  });

  it('an interrupted backpressured publisher never publishes later', async () => {
    for (let turns = 0; turns < 5; turns++) {
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const sub = hub.subscribe({ capacity: 1 });
      await source.push(1);
      const fiber = new AbortController();
      const publishing = source.push(2, { signal: fiber.signal });
      await settle(turns);
      fiber.abort();
      await expect(publishing).rejects.toMatchObject({ name: 'AbortError' });
      expect(await sub.pull()).toBe(1);
      await settle();
      expect(sub.tryPull()).toBeUndefined();
      hub.close();
    }
  });
});
