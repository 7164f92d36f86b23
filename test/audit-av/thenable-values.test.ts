import { Channel } from 'chanasync';
import { expect, it } from 'vitest';

// SPEC "tryPush(value: T): boolean commits now and returns true, or returns false — never throws".
// README "Thenables are not values" refuses promises with a TypeError (tryPush throws).
it.fails('tryPush never throws: a Channel<Promise<number>> accepts a promise or answers false', () => {
  const ch = new Channel<Promise<number>>(1);
  let result: unknown;
  expect(() => {
    result = ch.tryPush(Promise.resolve(1));
  }).not.toThrow();
  expect(result).toBe(true);
});

it.fails('tryPush on a closed Channel<Promise<T>> answers false instead of throwing', () => {
  const ch = new Channel<Promise<number>>(1);
  ch.close();
  expect(ch.tryPush(Promise.resolve(1))).toBe(false);
});

// A common user program the TypeScript types accept: bounded, ordered concurrency with a
// channel of in-flight promises (Go: a channel of result channels).
it.fails('a channel of in-flight promises keeps order with bounded concurrency', async () => {
  const inflight = new Channel<Promise<number>>(2);
  const work = (n: number) => new Promise<number>((r) => setTimeout(() => r(n * 10), 5 * (4 - n)));
  const producer = (async () => {
    try {
      for (const n of [1, 2, 3]) await inflight.push(work(n));
      inflight.close();
    } catch (e) {
      inflight.close(e);
    }
  })();
  const got: number[] = [];
  for await (const p of inflight) got.push(await p);
  await producer;
  expect(got).toEqual([10, 20, 30]);
});

it('documented workaround: wrap the promise', async () => {
  const ch = new Channel<{ p: Promise<number> }>(1);
  expect(ch.tryPush({ p: Promise.resolve(1) })).toBe(true);
  expect(await (await ch.pull()).p).toBe(1);
});
