/**
 * Audit BM: the async iterator as a newcomer uses it by hand and through other consumers.
 */
import { Channel, type ChannelClosedError } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { flush, track } from '../helpers/track.js';

describe('the channel iterator', () => {
  test('the iterator is itself async-iterable (for await over ch[Symbol.asyncIterator]())', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    const it = ch[Symbol.asyncIterator]();
    expect(typeof (it as unknown as AsyncIterable<number>)[Symbol.asyncIterator]).toBe('function');
    const out: number[] = [];
    for await (const v of it as unknown as AsyncIterable<number>) out.push(v);
    expect(out).toEqual([1, 2]);
  });

  test('return() while next() is parked: that next() resolves done, the iterator stays usable, no value lost', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const parked = track(it.next());
    await flush();
    const returned = await it.return?.();
    expect(returned?.done).toBe(true);
    await flush();
    expect(parked.current).toEqual({ status: 'fulfilled', value: { done: true, value: undefined } });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false);
    const again = it.next();
    await ch.push(5);
    expect(await again).toEqual({ done: false, value: 5 });
  });

  test('close(reason): every new for await throws the same reason; pull rejects with cause', async () => {
    const ch = new Channel<number>();
    const reason = { code: 42 };
    ch.close(reason);
    for (let i = 0; i < 2; i++) {
      let caught: unknown;
      try {
        for await (const _ of ch) {
          /* nothing */
        }
      } catch (error) {
        caught = error;
      }
      expect(caught).toBe(reason);
    }
    const error = (await ch.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.cause).toBe(reason);
  });

  test('close(null) counts as a reason: for await throws null', async () => {
    const ch = new Channel<number>();
    ch.close(null);
    let caught: unknown = 'nothing';
    try {
      for await (const _ of ch) {
        /* nothing */
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeNull();
  });

  test('ReadableStream.from(channel): cancelling during a read withdraws the pull, the next push is not taken', async () => {
    const ch = new Channel<number>();
    const stream = (ReadableStream as unknown as { from(i: AsyncIterable<number>): ReadableStream<number> }).from(ch);
    const reader = stream.getReader();
    const read = track(reader.read());
    await flush();
    await reader.cancel();
    await flush();
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false);
    expect(read.current.status).toBe('fulfilled');
    expect(ch.closed).toBe(false);
  });

  test('several for await loops share values; a break in one leaves its values for the others', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 10; i++) ch.pushNowait(i);
    ch.close();
    const a: number[] = [];
    const b: number[] = [];
    await Promise.all([
      (async () => {
        for await (const v of ch) {
          a.push(v);
          if (a.length === 2) break;
        }
      })(),
      (async () => {
        for await (const v of ch) b.push(v);
      })(),
    ]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a).toHaveLength(2);
  });
});
