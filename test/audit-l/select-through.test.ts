/**
 * Audit L: one select whose push case feeds, through a derived channel, its own pull case —
 * `select([push(source, v), pull(subscriberOfSource)])`, `select([push(input, v),
 * pull(merge(input))])`, `select([push(ch, v), pull(from(toReadableStream(ch)))])`. Exactly one
 * case commits; the value pushed is not lost and not delivered twice. Also batch and
 * non-blocking pushes into derived channels.
 */
import { describe, expect, test } from 'vitest';
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

const sleep = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a select whose push case reaches its own pull case through a derived channel', () => {
  for (const capacity of [0, 1]) {
    test(`push(source) and pull(subscriber) with subscriber capacity ${capacity}: one case commits, the value is read exactly once`, async () => {
      const source = new Channel<number>();
      const sub = broadcast(source).subscribe({ capacity });
      const results: number[] = [];
      const got: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await select([push(source, i), pull(sub)]);
        results.push(r.index);
        if (r.index === 1) got.push(r.value as number);
        // anything delivered but not taken by the select is still in the subscriber
        while (sub.size > 0) got.push(sub.pullNowait());
      }
      source.close();
      for await (const v of sub) got.push(v);
      expect(got).toEqual([0, 1, 2, 3, 4].slice(0, results.filter((x) => x === 0).length));
      expect(results.every((x) => x === 0 || x === 1)).toBe(true);
    });
  }

  test('push(input) and pull(merge(input)) on an unbuffered input, many rounds: every pushed value is read once, in order', async () => {
    const input = new Channel<number>();
    const merged = merge(input);
    const got: number[] = [];
    let pushed = 0;
    for (let i = 0; i < 20; i++) {
      const r = await select([push(input, pushed), pull(merged)]);
      if (r.index === 0) pushed++;
      else got.push(r.value as number);
    }
    input.close();
    for await (const v of merged) got.push(v);
    expect(got).toEqual(Array.from({ length: pushed }, (_, i) => i));
  });

  test('push(ch) and pull(from(toReadableStream(ch))): one case commits, nothing lost', async () => {
    const ch = new Channel<number>();
    const copy = from(toReadableStream(ch));
    const got: number[] = [];
    let pushed = 0;
    for (let i = 0; i < 10; i++) {
      const r = await Promise.race([
        select([push(ch, pushed), pull(copy)]),
        sleep(200).then(() => {
          throw new Error(`select hung at round ${i}`);
        }),
      ]);
      if (r.index === 0) pushed++;
      else got.push(r.value as number);
    }
    ch.close();
    for await (const v of copy) got.push(v);
    expect(got).toEqual(Array.from({ length: pushed }, (_, i) => i));
  });

  test('selectNowait([push(source), pull(subscriber)]) with a parked pull on the subscriber elsewhere commits the push and the parked pull gets it', async () => {
    const source = new Channel<number>();
    const sub = broadcast(source).subscribe({ capacity: 0 });
    const waiting = track(sub.pull());
    await flush();
    const r = selectNowait([push(source, 7), pull(sub)]);
    expect(r?.index).toBe(0);
    await flush();
    expect(waiting.current).toEqual({ status: 'fulfilled', value: 7 });
  });
});

describe('batch and non-blocking pushes into derived channels', () => {
  test('tryPush into a merged channel: true while it has room, false when full, false once closed', async () => {
    const input = new Channel<number>();
    const merged = merge(input);
    expect(merged.tryPush(1)).toBe(true);
    expect(merged.tryPush(2)).toBe(false);
    expect(await merged.pull()).toBe(1);
    input.close();
    await flush();
    expect(merged.closed).toBe(true);
    expect(merged.tryPush(3)).toBe(false);
  });

  test('pushAll into a subscriber waits for its reader like any channel, and the broadcast’s values keep their order after it', async () => {
    const source = new Channel<number>();
    const sub = broadcast(source).subscribe({ capacity: 1 });
    const pushing = track(sub.pushAll([100, 101]));
    const fromSource = track(source.push(1));
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await sub.pull());
    await flush();
    expect(pushing.current.status).toBe('fulfilled');
    expect(fromSource.current.status).toBe('fulfilled');
    expect([...got].sort((x, y) => x - y)).toEqual([1, 100, 101]);
    expect(got.indexOf(100)).toBeLessThan(got.indexOf(101));
  });

  test('pushAll aborted part-way into a broadcast source: pushed counts what the subscribers received', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 5 });
    const controller = new AbortController();
    const reason = new Error('enough');
    const pushing = source.pushAll([1, 2, 3, 4, 5, 6], { signal: controller.signal }).catch((e: unknown) => e);
    await flush(20);
    controller.abort(reason);
    const error = (await pushing) as Error & { pushed: number };
    expect(error).toBe(reason);
    source.close();
    const seenA: number[] = [];
    for await (const v of a) seenA.push(v);
    const seenB: number[] = [];
    for await (const v of b) seenB.push(v);
    expect(seenA).toEqual([1, 2, 3, 4, 5, 6].slice(0, error.pushed));
    expect(seenB).toEqual(seenA);
  });

  test('a push case into a closed merged channel makes select reject with ChannelClosedError naming it', async () => {
    const input = new Channel<number>();
    const merged = merge(input);
    merged.close();
    const error = (await select([push(merged, 1), pull(new Channel<number>())]).catch(
      (e: unknown) => e,
    )) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.channel).toBe(merged);
  });
});

describe('timer channels composed', () => {
  test('pullMany on a ticker takes the one tick it holds (capacity 1)', async () => {
    const ticks = ticker(5);
    await sleep(30);
    const batch = await ticks.pullMany(10);
    expect(batch).toHaveLength(1);
    ticks.close();
  });

  test('after() closed before it fires, inside a merge: the merged channel closes with no value', async () => {
    const once = afterMs(10_000);
    const merged = merge(once);
    once.close();
    await flush();
    expect(merged.closed).toBe(true);
    await expect(merged.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('toReadableStream(after(ms)) yields the one timestamp, then closes', async () => {
    const start = Date.now();
    const reader = toReadableStream(afterMs(5)).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(first.value as number).toBeGreaterThanOrEqual(start + 5);
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  test('a select over ticker and a data channel in a loop, with using: the ticker is closed at the end of the block', async () => {
    const data = new Channel<string>(10);
    await data.pushAll(['a', 'b', 'c']);
    data.close();
    let kept: Channel<number> | undefined;
    const seen: string[] = [];
    {
      using ticks = ticker(1000);
      kept = ticks;
      for (;;) {
        const r = await select([pull(data), pull(ticks)]);
        if (r.index === 0 && !r.ok) break;
        if (r.index === 0) seen.push(r.value as string);
      }
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(kept.closed).toBe(true);
  });
});
