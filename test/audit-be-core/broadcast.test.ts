/**
 * Audit BE-core: `broadcast` (second map "Broadcast and ticker").
 */
import { getEventListeners } from 'node:events';
import { broadcast, Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection } from './helpers.js';

async function drain<T>(ch: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of ch) out.push(v);
  return out;
}

describe('broadcast', () => {
  it('delivers every value to every current subscriber, in order', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe({ capacity: 4 });
    const readers = [drain(a), drain(b)];
    for (let i = 0; i < 20; i++) await source.push(i);
    source.close();
    const [ra, rb] = await Promise.all(readers);
    const expected = Array.from({ length: 20 }, (_, i) => i);
    expect(ra).toEqual(expected);
    expect(rb).toEqual(expected);
  });

  it('subscribe() without options gives capacity 1 and block', () => {
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe();
    expect(sub.capacity).toBe(1);
    expect(sub.stats().overflow).toBe('block');
    hub.close();
  });

  it('with no subscriber it pulls nothing: values wait in the source', async () => {
    const source = new Channel<number>(5);
    source.pushNowait(1);
    source.pushNowait(2);
    const hub = broadcast(source);
    await flush();
    expect(source.size).toBe(2);
    expect(source.stats().waitingPullers).toBe(0);
    const sub = hub.subscribe({ capacity: 5 });
    await flush();
    expect(await sub.pullMany(5)).toEqual([1, 2]);
    hub.close();
  });

  it('a subscriber receives only values pulled after it subscribed', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 10 });
    await source.push(1);
    const b = hub.subscribe({ capacity: 10 });
    await source.push(2);
    await flush();
    expect(await a.pullMany(10)).toEqual([1, 2]);
    expect(await b.pullMany(10)).toEqual([2]);
    hub.close();
  });

  it('block subscribers: the slowest sets the pace; the rest waits in the source', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const slow = hub.subscribe(); // capacity 1, never read for now
    const fast = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    await flush();
    expect(slow.size).toBe(1);
    expect(fast.size).toBe(1);
    expect(source.size).toBe(4);
    expect(slow.pullNowait()).toBe(0);
    await flush();
    expect(fast.size).toBe(2);
    expect(source.size).toBe(3);
    hub.close();
    expect(slow.closed && fast.closed).toBe(true);
    expect(source.closed).toBe(false);
  });

  it('a drop-mode subscriber never holds the others back', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const dropper = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const reader = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    await flush();
    expect(source.size).toBe(0);
    expect(await reader.pullMany(10)).toEqual([0, 1, 2, 3, 4]);
    expect(dropper.pullNowait()).toBe(4);
    hub.close();
  });

  it('a subscriber leaves when its channel is closed: it no longer holds the broadcast back', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const stuck = hub.subscribe();
    const reader = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 4; i++) source.pushNowait(i);
    await flush();
    expect(reader.size).toBe(1);
    stuck.close();
    await flush();
    expect(await reader.pullMany(10)).toEqual([0, 1, 2, 3]);
    hub.close();
  });

  it('a subscriber leaves when its signal aborts: its channel closes, its values stay readable, listener removed', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const ac = new AbortController();
    const leaving = hub.subscribe({ signal: ac.signal });
    const reader = hub.subscribe({ capacity: 10 });
    source.pushNowait(1);
    source.pushNowait(2);
    await flush();
    ac.abort();
    await flush();
    expect(leaving.closed).toBe(true);
    expect(await drain(leaving)).toEqual([1]);
    expect(await reader.pullMany(10)).toEqual([1, 2]);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    hub.close();
  });

  it('source closed with a reason: every subscriber gets everything pulled before, then closes with that reason', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 10 });
    const b = hub.subscribe({ capacity: 10 });
    source.pushNowait(1);
    source.pushNowait(2);
    const reason = new Error('upstream failed');
    source.close(reason);
    for (const sub of [a, b]) {
      const got: number[] = [];
      const error = await rejection(
        (async () => {
          for await (const v of sub) got.push(v);
        })(),
      );
      expect(got).toEqual([1, 2]);
      expect(error).toBe(reason);
    }
  });

  it('source closed while a block subscriber is full: it still receives everything, then closes', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const slow = hub.subscribe();
    for (let i = 0; i < 3; i++) source.pushNowait(i);
    source.close('end');
    await flush();
    expect(slow.closed).toBe(false);
    const got: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const v of slow) got.push(v);
      })(),
    );
    expect(got).toEqual([0, 1, 2]);
    expect(error).toBe('end');
  });

  it('source closed normally ends the subscribers normally', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    const reading = drain(a);
    await source.push(1);
    source.close();
    await expect(reading).resolves.toEqual([1]);
  });

  it('broadcast.close() stops pulling and closes the subscribers; nothing pulled is lost', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 5 });
    for (let i = 0; i < 6; i++) source.pushNowait(i);
    await flush();
    hub.close();
    const ra = await drain(a);
    const rb = await drain(b);
    // every value taken from the source is in every subscriber present
    expect(ra).toEqual([0, 1]);
    expect(rb).toEqual(ra);
    expect(source.size).toBe(6 - ra.length);
    expect(source.closed).toBe(false);
    expect(source.stats().waitingPullers).toBe(0);
    // source values after the close stay there
    expect(source.pullNowait()).toBe(ra.length);
  });

  it('broadcast.close() with a parked source pull withdraws it', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    await flush();
    hub.close();
    await flush();
    expect(source.stats().waitingPullers).toBe(0);
    expect(source.tryPush(1)).toBe(false);
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('subscribe() after the end gives a closed channel with the source’s reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const first = hub.subscribe();
    source.close('why');
    await expect(drain(first)).rejects.toBe('why');
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    const error = (await rejection(late.pull())) as Error;
    expect(error.cause).toBe('why');
  });

  it('a broadcast is disposable with using', () => {
    const source = new Channel<number>();
    let sub!: Channel<number>;
    {
      using hub = broadcast(source);
      sub = hub.subscribe();
    }
    expect(sub.closed).toBe(true);
    expect(source.closed).toBe(false);
  });

  it('await using works on a broadcast too (falls back to Symbol.dispose)', async () => {
    const source = new Channel<number>();
    let sub!: Channel<number>;
    {
      await using hub = broadcast(source);
      sub = hub.subscribe();
    }
    expect(sub.closed).toBe(true);
    expect(source.closed).toBe(false);
  });

  it('unbuffered source: a pusher resolves only when the value was delivered to every subscriber', async () => {
    const source = new Channel<string>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    await source.push('x');
    expect(a.pullNowait()).toBe('x');
    expect(b.pullNowait()).toBe('x');
    hub.close();
  });

  it('a subscriber with a parked pull on capacity 0 gets values; loses none', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 3 });
    const readA = drain(a);
    const readB = drain(b);
    for (let i = 0; i < 10; i++) await source.push(i);
    source.close();
    expect(await readA).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await readB).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a drop-newest subscriber keeps the first values and never blocks', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const keepFirst = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    await flush();
    expect(source.size).toBe(0);
    expect(await keepFirst.pullMany(5)).toEqual([0, 1]);
    hub.close();
  });
});
