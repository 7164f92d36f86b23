/**
 * Scale: many parked operations, many channels, many subscribers, big batches. Nothing
 * overflows the stack, nothing is lost or duplicated, and each operation costs O(what it
 * touches). Growth is counted where it can be (listeners added to a signal, steps through a
 * `Set`), else timed: 16N against N, both large enough for garbage collection to scale with
 * them (linear ≈ 16, quadratic ≈ 256), with a generous threshold, so a test fails only on
 * quadratic growth.
 */
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, from, merge, pull, push, select } from '../../src/index.js';
import { failOnUnhandledRejections } from '../helpers/unhandled.js';

failOnUnhandledRejections();

/**
 * How much longer `run(16n)` takes than `run(n)`: the best of three of each, after a warm-up.
 * Linear work gives about 16, quadratic 256; the tests allow 160, ten times linear: a loaded
 * machine stretches the large run more than the small one (the garbage collector's share grows
 * faster than n, and a long run shares the cores with other processes where a short one may
 * not): test/core-hardening's like measure gave 90 for linear 16 beside a CI run (at 4n against n,
 * linear 4 and quadratic 16, a limit of 10 was crossed, 11.5, in a full run beside heavy
 * browser work; at 8n, linear 8 and quadratic 64, a limit of 24 left three times linear).
 */
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
    large = Math.min(large, await time(16 * n));
  }
  return large / Math.max(small, 0.5);
}

/** How many steps `for…of` loops over `Set`s (the broadcast's subscribers) take while `run` runs. */
function setSteps(run: () => void): number {
  const prototype = Object.getPrototypeOf(new Set().values()) as { next: () => unknown };
  const next = prototype.next;
  let steps = 0;
  prototype.next = function (this: unknown) {
    steps++;
    return next.call(this);
  };
  try {
    run();
  } finally {
    prototype.next = next;
  }
  return steps;
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
  test('N subscribers joining and then leaving one by one cost O(N): no look over every subscriber each time', () => {
    const n = 2000;
    const hub = broadcast(new Channel<number>(0));
    const steps = setSteps(() => {
      const subscribers = Array.from({ length: n }, () => hub.subscribe());
      for (const subscriber of subscribers) subscriber.close();
    });
    expect(steps).toBeLessThan(10 * n);
  });

  test('N full subscribers leaving in reverse order cost O(N), and the one left still gets every value', async () => {
    const n = 2000;
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const subscribers = Array.from({ length: n }, () => hub.subscribe({ capacity: 1 }));
    source.tryPush(1);
    source.tryPush(2);
    // Every subscriber holds 1: the broadcast is held back, 2 waits in the source.
    expect(source.size).toBe(1);
    const steps = setSteps(() => {
      for (let i = n - 1; i > 0; i--) subscribers[i]?.close();
    });
    expect(steps).toBeLessThan(10 * n);
    const last = subscribers[0] as Channel<number>;
    source.close();
    const seen: number[] = [];
    for await (const value of last) seen.push(value);
    expect(seen).toEqual([1, 2]);
  });

  test('a source closed under N subscribers closes them all in O(N), each after the value it had', () => {
    const n = 2000;
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const subscribers = Array.from({ length: n }, () => hub.subscribe({ capacity: 2 }));
    source.tryPush(7);
    const steps = setSteps(() => source.close('done'));
    expect(steps).toBeLessThan(10 * n);
    for (const subscriber of subscribers) {
      expect(subscriber.closed).toBe(true);
      expect(subscriber.tryPull()).toBe(7);
    }
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

describe('merge with many inputs', () => {
  test('a merge of N idle inputs that close one by one costs O(N) and closes after the last', async () => {
    const ratio = await growth(async (n) => {
      const inputs = Array.from({ length: n }, () => new Channel<number>(0));
      const merged = merge(...inputs);
      const pending = merged.pull().catch((error: Error) => error.name);
      for (const input of inputs.slice(0, -1)) input.close();
      expect(merged.closed).toBe(false);
      inputs.at(-1)?.close();
      expect(await pending).toBe('ChannelClosedError');
      expect(merged.closed).toBe(true);
    }, 5_000);
    expect(ratio).toBeLessThan(160);
  });

  test('after some inputs closed, the others are still served round-robin, each in its order', async () => {
    const inputs = Array.from({ length: 6 }, () => new Channel<string>(4));
    // Made with room and nothing to take, it waits on every input; three close meanwhile.
    const merged = merge(...inputs);
    for (const index of [1, 3, 4]) inputs[index]?.close();
    for (const index of [0, 2, 5]) for (const k of [1, 2, 3]) inputs[index]?.tryPush(`${index}.${k}`);
    const values: string[] = [];
    for (let k = 0; k < 9; k++) values.push(await merged.pull());
    for (const index of [0, 2, 5]) {
      expect(values.filter((value) => value.startsWith(`${index}.`))).toEqual([
        `${index}.1`,
        `${index}.2`,
        `${index}.3`,
      ]);
    }
    // Round-robin: no input gives a second value before each of the others gave one.
    const rounds = [values.slice(0, 3), values.slice(3, 6), values.slice(6, 9)];
    expect(rounds.map((round) => round.map((value) => value[0]).sort())).toEqual([
      ['0', '2', '5'],
      ['0', '2', '5'],
      ['0', '2', '5'],
    ]);
    for (const index of [0, 2, 5]) inputs[index]?.close();
    await expect(merged.pull()).rejects.toThrow(/closed/);
  });

  test('a merge given the same channel twice closes once that channel is closed and drained', async () => {
    const input = new Channel<number>(2);
    const merged = merge(input, input);
    input.tryPush(1);
    input.close();
    expect(await merged.pull()).toBe(1);
    await expect(merged.pull()).rejects.toThrow(/closed/);
    expect(merged.closed).toBe(true);
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
    expect(ratio).toBeLessThan(160);
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
  test('close() with 50,000 parked two-case selects on each of two channels: the pull cases fire ok: false, the push cases reject, in the order they parked', async () => {
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
    for (let i = 0; i < 50_000; i++) {
      const pullSide = settle(`pull ${i}`);
      selects.push(select([pull(pulled), pull(idle)]).then(pullSide.onResult, pullSide.onError));
      const pushSide = settle(`push ${i}`);
      selects.push(select([push(pushed, i), pull(idle)]).then(pushSide.onResult, pushSide.onError));
    }
    expect(idle.stats().waitingPullers).toBe(100_000);
    pushed.close();
    pulled.close();
    const results = await Promise.all(selects);
    expect(results.filter((result) => result === 'ok: false')).toHaveLength(50_000);
    expect(results.filter((result) => result === 'ChannelClosedError')).toHaveLength(50_000);
    expect(idle.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    const expected = [
      ...Array.from({ length: 50_000 }, (_, i) => `push ${i}`),
      ...Array.from({ length: 50_000 }, (_, i) => `pull ${i}`),
    ];
    expect(order.length === expected.length && order.every((label, i) => label === expected[i])).toBe(true);
  });

  // Relays hand values, demand and close on synchronously, several stack frames per link:
  // in Node 20, merge chains overflow the stack from about 1,500 links, broadcast chains from
  // about 2,000 and from() chains beyond 4,000 (the README's Semantic details say how).
  // 1,000 links work.
  for (const [kind, link] of [
    ['merge', (channel: Channel<number>) => merge(channel)],
    ['broadcast', (channel: Channel<number>) => broadcast(channel).subscribe()],
    ['from', (channel: Channel<number>) => from(channel)],
  ] as const) {
    test(`a value and then the close reason pass through a chain of 1,000 ${kind} relays`, async () => {
      const source = new Channel<number>(0);
      let end: Channel<number> = source;
      for (let i = 0; i < 1000; i++) end = link(end);
      const first = end.pull();
      await source.push(1);
      expect(await first).toBe(1);
      const second = end.pull();
      source.close('bye');
      await expect(second).rejects.toMatchObject({ name: 'ChannelClosedError', cause: 'bye' });
    });
  }

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
