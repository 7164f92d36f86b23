/**
 * Scale: many parked operations, many channels, many subscribers, big batches. Nothing
 * overflows the stack, nothing is lost or duplicated, and each operation costs O(what it
 * touches): growth is measured as the time of 4N against N (linear ≈ 4, quadratic ≈ 16), with
 * a generous threshold (10: garbage collection makes small runs noisy), so a test fails only on quadratic growth.
 */
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, from, pull, push, select } from '../../src/index.js';
import { failOnUnhandledRejections } from '../helpers/unhandled.js';

failOnUnhandledRejections();

/** How much longer `run(4n)` takes than `run(n)`: the best of three of each, after a warm-up. */
async function growth(run: (n: number) => unknown, n: number): Promise<number> {
  await run(n);
  const time = async (size: number) => {
    const start = performance.now();
    await run(size);
    return performance.now() - start;
  };
  let small = Number.POSITIVE_INFINITY;
  let large = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    small = Math.min(small, await time(n));
    large = Math.min(large, await time(4 * n));
  }
  return large / Math.max(small, 0.5);
}

/** An AbortController whose signal counts the `abort` listeners added to it. */
function countingController(): { controller: AbortController; added: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === 'abort') count++;
    add(type, listener, options as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  return { controller, added: () => count };
}

/** Collects the process warnings emitted while `run` runs (MaxListenersExceededWarning…). */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on('warning', onWarning);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

describe('one AbortSignal shared by many channels costs O(1) each', () => {
  test('1,000 from() channels made with one signal add one abort listener, no warning, and its abort closes them all and releases every source', async () => {
    const { controller, added } = countingController();
    let released = 0;
    async function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        released++;
      }
    }
    const channels: Channel<number>[] = [];
    const warnings = await warningsDuring(async () => {
      for (let i = 0; i < 1000; i++) channels.push(from(numbers(), { signal: controller.signal }));
      // Each one starts its source: one value read ahead for a pull.
      expect(await Promise.all(channels.map((channel) => channel.pull()))).toEqual(channels.map(() => 0));
      controller.abort(new Error('stop'));
    });
    expect(warnings).toEqual([]);
    expect(added()).toBeLessThanOrEqual(1);
    expect(channels.every((channel) => channel.closed)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(released).toBe(1000);
  });

  test('from() channels made with one signal: the cost of making and aborting grows linearly', async () => {
    const ratio = await growth(async (n) => {
      const controller = new AbortController();
      const channels: Channel<number>[] = [];
      for (let i = 0; i < n; i++) channels.push(from([1, 2, 3], { signal: controller.signal }));
      controller.abort();
      expect(channels.every((channel) => channel.closed)).toBe(true);
    }, 5000);
    expect(ratio).toBeLessThan(10);
  });

  test('1,000 broadcast subscribers with one signal add one abort listener, no warning, and its abort makes them all leave', async () => {
    const { controller, added } = countingController();
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const subscribers: Channel<number>[] = [];
    const warnings = await warningsDuring(async () => {
      for (let i = 0; i < 1000; i++) subscribers.push(hub.subscribe({ signal: controller.signal }));
      controller.abort();
    });
    expect(warnings).toEqual([]);
    expect(added()).toBeLessThanOrEqual(1);
    expect(subscribers.every((subscriber) => subscriber.closed)).toBe(true);
    // Nobody is left to take a value: the broadcast pulls nothing.
    expect(source.tryPush(1)).toBe(false);
    expect(source.stats().waitingPullers).toBe(0);
  });
});

describe('broadcast with many subscribers', () => {
  test('N subscribers joining and then leaving one by one costs O(N)', async () => {
    const ratio = await growth((n) => {
      const hub = broadcast(new Channel<number>(0));
      const subscribers = Array.from({ length: n }, () => hub.subscribe());
      for (const subscriber of subscribers) subscriber.close();
    }, 2000);
    expect(ratio).toBeLessThan(10);
  });

  test('N full subscribers leaving in reverse order, then the source closing, costs O(N) and every value still arrives', async () => {
    const ratio = await growth(async (n) => {
      const source = new Channel<number>(4);
      const hub = broadcast(source);
      const subscribers = Array.from({ length: n }, () => hub.subscribe({ capacity: 1 }));
      source.tryPush(1);
      source.tryPush(2);
      // Every subscriber holds 1: the broadcast is held back, 2 waits in the source.
      expect(source.size).toBe(1);
      for (let i = n - 1; i > 0; i--) subscribers[i]?.close();
      const last = subscribers[0] as Channel<number>;
      source.close();
      const seen: number[] = [];
      for await (const value of last) seen.push(value);
      expect(seen).toEqual([1, 2]);
    }, 2000);
    expect(ratio).toBeLessThan(10);
  });

  test('a source closed under N subscribers closes them all in O(N), each after the values it had', async () => {
    const ratio = await growth((n) => {
      const source = new Channel<number>(1);
      const hub = broadcast(source);
      const subscribers = Array.from({ length: n }, () => hub.subscribe({ capacity: 2 }));
      source.tryPush(7);
      source.close('done');
      for (const subscriber of subscribers) {
        expect(subscriber.closed).toBe(true);
        expect(subscriber.tryPull()).toBe(7);
      }
    }, 2000);
    expect(ratio).toBeLessThan(10);
  });

  test('a subscriber of capacity 0 joining a broadcast that waits with room holds the next value back until it pulls', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const roomy = hub.subscribe({ capacity: 4 });
    const rendezvous = hub.subscribe({ capacity: 0 });
    source.tryPush(1);
    expect(roomy.size).toBe(0);
    expect(source.size).toBe(1);
    const got = rendezvous.pull();
    expect(roomy.tryPull()).toBe(1);
    expect(await got).toBe(1);
  });
});

describe('many iterators on one channel', () => {
  test('N iterators with a parked next() each, leaving with return(), cost O(N) and each next() ends done', async () => {
    const ratio = await growth(async (n) => {
      const channel = new Channel<number>(0);
      const iterators = Array.from({ length: n }, () => channel[Symbol.asyncIterator]());
      const nexts = iterators.map((iterator) => iterator.next());
      for (const iterator of iterators) await iterator.return?.();
      expect(channel.stats().waitingPullers).toBe(0);
      expect((await Promise.all(nexts)).every((result) => result.done)).toBe(true);
    }, 10_000);
    expect(ratio).toBeLessThan(10);
  });

  test('return() withdraws only its own parked next() calls, even after some were served', async () => {
    const channel = new Channel<number>(0);
    const mine = channel[Symbol.asyncIterator]();
    const other = channel[Symbol.asyncIterator]();
    const a = mine.next();
    const b = other.next();
    const c = mine.next();
    const d = mine.next();
    expect(channel.tryPush(1)).toBe(true); // to a
    const e = mine.next();
    await mine.return?.();
    expect(channel.stats().waitingPullers).toBe(1);
    expect(channel.tryPush(2)).toBe(true); // to b
    expect(await Promise.all([a, b, c, d, e])).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: true, value: undefined },
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
  });
});

describe('no stack overflow at scale', () => {
  test('close() with 100,000 parked two-case selects on each of two channels: the pull cases fire ok: false, the push cases reject, in the order they parked', async () => {
    const pulled = new Channel<number>(0);
    const pushed = new Channel<number>(0);
    const idle = new Channel<number>(0);
    const order: string[] = [];
    const settle = (label: string) => ({
      onResult: (result: { ok: boolean }) => {
        order.push(label);
        return result.ok ? 'ok' : 'ok: false';
      },
      onError: (error: Error) => {
        order.push(label);
        return error.name;
      },
    });
    const selects: Promise<string>[] = [];
    for (let i = 0; i < 100_000; i++) {
      const pullSide = settle(`pull ${i}`);
      selects.push(select([pull(pulled), pull(idle)]).then(pullSide.onResult, pullSide.onError));
      const pushSide = settle(`push ${i}`);
      selects.push(select([push(pushed, i), pull(idle)]).then(pushSide.onResult, pushSide.onError));
    }
    expect(idle.stats().waitingPullers).toBe(200_000);
    pushed.close();
    pulled.close();
    const results = await Promise.all(selects);
    expect(results.filter((result) => result === 'ok: false')).toHaveLength(100_000);
    expect(results.filter((result) => result === 'ChannelClosedError')).toHaveLength(100_000);
    expect(idle.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    const expected = [
      ...Array.from({ length: 100_000 }, (_, i) => `push ${i}`),
      ...Array.from({ length: 100_000 }, (_, i) => `pull ${i}`),
    ];
    expect(order.length === expected.length && order.every((label, i) => label === expected[i])).toBe(true);
  });

  test('a select over 10,000 channels commits one case and leaves no waiter on the 9,999 others', async () => {
    const channels = Array.from({ length: 10_000 }, () => new Channel<number>(0));
    const cases = channels.map((channel) => pull(channel));
    for (let round = 0; round < 3; round++) {
      const pending = select(cases);
      expect(channels[7_777]?.tryPush(round)).toBe(true);
      expect(await pending).toMatchObject({ index: 7_777, value: round, ok: true });
      expect(channels.every((channel) => channel.stats().waitingPullers === 0)).toBe(true);
    }
  });

  test('pushAll of 1,000,000 values into an unbuffered channel with a parked pullMany: every value once, in order', async () => {
    const channel = new Channel<number>(0);
    const first = channel.pullMany(10);
    const values = Array.from({ length: 1_000_000 }, (_, i) => i);
    const pushed = channel.pushAll(values);
    let expected = 0;
    let mismatch = -1;
    const check = (batch: number[]) => {
      for (const value of batch) if (value !== expected++ && mismatch < 0) mismatch = expected - 1;
    };
    check(await first);
    while (expected < values.length) check(await channel.pullMany(4096));
    await pushed;
    expect([expected, mismatch, channel.stats().waitingPushers]).toEqual([1_000_000, -1, 0]);
  });

  test('100,000 parked pulls served by one synchronous burst of tryPush all resolve, in order', async () => {
    const channel = new Channel<number>(0);
    const pulls = Array.from({ length: 100_000 }, () => channel.pull());
    let committed = 0;
    for (let i = 0; i < 100_000; i++) if (channel.tryPush(i)) committed++;
    expect(committed).toBe(100_000);
    const values = await Promise.all(pulls);
    expect(values.every((value, i) => value === i)).toBe(true);
  });
});
