/**
 * Auditor BJ — durable: several clients (each its own `durableChannel`, so its own stubs) pushing
 * and pulling at once: nothing lost, nothing duplicated, per-producer order, capacity held.
 */
import { exports } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, ns, startInOrder, within } from './bj-helpers.js';

type Item = { p: number; i: number };

it('4 producers and 4 consumers on separate clients: every value delivered exactly once, each producer in its order', async () => {
  const name = freshName('bj-mpmc');
  const P = 4;
  const N = 25;
  const producers = Array.from({ length: P }, async (_, p) => {
    const ch = durableChannel<Item>(ns(), name);
    for (let i = 0; i < N; i++) await ch.push({ p, i }, { id: `p${p}-${i}` });
  });
  const seen: Item[][] = [];
  const consumers = Array.from({ length: 4 }, async () => {
    const ch = durableChannel<Item>(ns(), name);
    const mine: Item[] = [];
    seen.push(mine);
    while (true) {
      try {
        mine.push(await ch.pull());
      } catch (error) {
        if (error instanceof ChannelClosedError) return;
        throw error;
      }
    }
  });
  await Promise.all(producers);
  await durableChannel<Item>(ns(), name).close();
  await within(Promise.all(consumers), 20_000, 'consumers');
  const all = seen.flat();
  expect(all.length).toBe(P * N);
  const keys = new Set(all.map((v) => `${v.p}-${v.i}`));
  expect(keys.size).toBe(P * N);
  // Each consumer sees each producer's values in increasing order (FIFO per channel).
  for (const mine of seen) {
    for (let p = 0; p < P; p++) {
      const seq = mine.filter((v) => v.p === p).map((v) => v.i);
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
  }
});

it('with capacity 3 and fast producers, the channel never holds more than 3 values and all arrive once', async () => {
  const name = freshName('bj-backpressure');
  const cap = 3;
  const producers = Array.from({ length: 3 }, async (_, p) => {
    const ch = durableChannel<Item>(ns(), name, { capacity: cap });
    for (let i = 0; i < 10; i++) await ch.push({ p, i });
  });
  const observer = durableChannel<Item>(ns(), name, { capacity: cap });
  let maxHeld = 0;
  let stop = false;
  const watch = (async () => {
    while (!stop) {
      const s = await observer.stats();
      maxHeld = Math.max(maxHeld, s.size + s.leased);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const consumer = durableChannel<Item>(ns(), name, { capacity: cap });
  const got: Item[] = [];
  while (got.length < 30) {
    got.push(await within(consumer.pull(), 5000, 'pull'));
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(producers);
  stop = true;
  await watch;
  expect(maxHeld).toBeLessThanOrEqual(cap);
  expect(new Set(got.map((v) => `${v.p}-${v.i}`)).size).toBe(30);
  for (let p = 0; p < 3; p++) {
    const seq = got.filter((v) => v.p === p).map((v) => v.i);
    expect(seq).toEqual(Array.from({ length: 10 }, (_, i) => i));
  }
});

it('pulls waiting on an empty channel from different clients are served in the order they started waiting', async () => {
  const name = freshName('bj-waiter-fifo');
  const order: string[] = [];
  const producer = durableChannel<number>(ns(), name);
  // Each pull starts once the one before it is parked at the object (a fixed 60 ms apart was not
  // always enough on a loaded machine).
  const waiters = await startInOrder(
    ['a', 'b', 'c'].map(
      (tag) => () =>
        durableChannel<number>(ns(), name)
          .pull()
          .then((v) => void order.push(`${tag}:${v}`)),
    ),
    async () => (await producer.stats()).waitingPullers,
  );
  for (let i = 1; i <= 3; i++) await producer.push(i);
  await within(Promise.all(waiters), 5000, 'waiters');
  expect(order).toEqual(['a:1', 'b:2', 'c:3']);
});

it('pushes waiting on a full channel from different clients are stored in the order they started waiting', async () => {
  const name = freshName('bj-pusher-fifo');
  const first = durableChannel<string>(ns(), name, { capacity: 1 });
  await first.push('x');
  // Each push starts once the one before it is parked at the object (as the pulls above): in CI
  // on 2026-12-07, with pushes started 60 ms apart, 'c' reached the object before 'b'.
  const pushes = await startInOrder(
    ['a', 'b', 'c'].map((tag) => () => durableChannel<string>(ns(), name).push(tag)),
    async () => (await first.stats()).waitingPushers,
  );
  const got: string[] = [];
  for (let i = 0; i < 4; i++) got.push(await within(first.pull(), 5000, 'pull'));
  await Promise.all(pushes);
  expect(got).toEqual(['x', 'a', 'b', 'c']);
});

it('50 pushes and 50 pulls started together on one client without awaiting: values in push order to pulls in pull order', async () => {
  const ch = durableChannel<number>(ns(), freshName('bj-together'));
  const pulls = Array.from({ length: 50 }, () => ch.pull());
  const pushes = Array.from({ length: 50 }, (_, i) => ch.push(i));
  await Promise.all(pushes);
  expect(await within(Promise.all(pulls), 10_000, 'pulls')).toEqual(Array.from({ length: 50 }, (_, i) => i));
});

it('a producer and a consumer through the Worker fetch handler (separate requests): all 30 values once, in order', async () => {
  const name = freshName('bj-requests');
  const pulls: Promise<unknown>[] = [];
  for (let i = 0; i < 30; i++) {
    await exports.default.fetch(`https://x/push?name=${name}&id=r${i}`, { method: 'POST', body: JSON.stringify(i) });
  }
  for (let i = 0; i < 30; i++) pulls.push((await exports.default.fetch(`https://x/pull?name=${name}`)).json());
  expect(await Promise.all(pulls)).toEqual(Array.from({ length: 30 }, (_, i) => i));
});
