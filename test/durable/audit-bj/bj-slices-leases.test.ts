/**
 * Auditor BJ — durable: waiting in slices (short `sliceMs`), leases of callers that went away,
 * iterator exit, and stats of waiters. Nothing lost, nothing hangs.
 */
import { exports } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, ns, startInOrder, until, within } from './bj-helpers.js';

it('a pull waiting for many slices (sliceMs 50) still gets the value pushed after 600 ms', async () => {
  const name = freshName('bj-slices');
  const ch = durableChannel<string>(ns(), name, { sliceMs: 50, leaseMs: 500 });
  const waiting = ch.pull();
  await new Promise((r) => setTimeout(r, 600));
  await durableChannel<string>(ns(), name).push('late');
  expect(await within(waiting, 3000, 'sliced pull')).toBe('late');
});

it('waiters keep their FIFO places across slices: three pullers (sliceMs 40) served in arrival order', async () => {
  const name = freshName('bj-slices-fifo');
  const order: string[] = [];
  const producer = durableChannel<number>(ns(), name);
  // Each pull starts once the one before it is waiting at the object (arrival order is the only
  // order between clients; fixed 70 ms gaps assumed it on a loaded machine), then all three wait
  // across several 40 ms slices before the first value comes.
  const waiters = await startInOrder(
    ['a', 'b', 'c'].map(
      (tag) => () =>
        durableChannel<number>(ns(), name, { sliceMs: 40, leaseMs: 2000 })
          .pull()
          .then((v) => void order.push(`${tag}:${v}`)),
    ),
    async () => (await producer.stats()).waitingPullers,
  );
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 1; i <= 3; i++) await producer.push(i);
  await within(Promise.all(waiters), 5000, 'waiters');
  expect(order).toEqual(['a:1', 'b:2', 'c:3']);
});

it('stats counts waiting pullers and pushers, including those between slices, and drops them when they leave', async () => {
  const name = freshName('bj-stats-waiters');
  const ch = durableChannel<number>(ns(), name, { capacity: 1, sliceMs: 50, leaseMs: 1000 });
  const c1 = new AbortController();
  const pulls = [
    ch.pull({ signal: c1.signal }).catch(() => 'aborted'),
    ch.pull({ signal: c1.signal }).catch(() => 'aborted'),
  ];
  await until(async () => (await ch.stats()).waitingPullers === 2, 3000);
  c1.abort();
  await Promise.all(pulls);
  await until(async () => (await ch.stats()).waitingPullers === 0, 3000);
  await ch.push(1);
  const c2 = new AbortController();
  const push = ch.push(2, { signal: c2.signal }).catch(() => 'aborted');
  await until(async () => (await ch.stats()).waitingPushers === 1, 3000);
  c2.abort();
  expect(await push).toBe('aborted');
  await until(async () => (await ch.stats()).waitingPushers === 0, 3000);
  expect(await ch.stats()).toMatchObject({ size: 1 });
});

it('a request that goes away while its pull waits loses no value: the value pushed next reaches the next pull (lease 300 ms)', async () => {
  const name = freshName('bj-gone');
  const controller = new AbortController();
  const gone = exports.default
    .fetch(`https://x/pull?name=${name}&leaseMs=300&sliceMs=200`, { signal: controller.signal })
    .catch(() => 'cancelled');
  await new Promise((r) => setTimeout(r, 100));
  controller.abort();
  await gone;
  await durableChannel<string>(ns(), name).push('precious', { id: 'p' });
  const next = await within(durableChannel<string>(ns(), name).pullWithId(), 5000, 'next pull');
  expect(next.value).toBe('precious');
  expect(next.id).toBe('p');
  expect(await durableChannel<string>(ns(), name).stats()).toMatchObject({ size: 0, leased: 0 });
});

it('breaking out of for-await consumes nothing more: the rest stay readable in order', async () => {
  const name = freshName('bj-break');
  const ch = durableChannel<number>(ns(), name);
  for (let i = 0; i < 5; i++) await ch.push(i);
  const got: number[] = [];
  for await (const v of ch) {
    got.push(v);
    if (v === 1) break;
  }
  expect(got).toEqual([0, 1]);
  expect(await ch.stats()).toMatchObject({ size: 3, leased: 0 });
  expect(await ch.pullMany(10)).toEqual([2, 3, 4]);
});

it('two concurrent iterators on separate clients split the values: each exactly once', async () => {
  const name = freshName('bj-two-iters');
  const producer = durableChannel<number>(ns(), name);
  for (let i = 0; i < 30; i++) await producer.push(i);
  await producer.close();
  const read = async () => {
    const mine: number[] = [];
    for await (const v of durableChannel<number>(ns(), name)) mine.push(v);
    return mine;
  };
  const [a, b] = await within(Promise.all([read(), read()]), 10_000, 'iterators');
  expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  expect(a).toEqual([...a].sort((x, y) => x - y));
  expect(b).toEqual([...b].sort((x, y) => x - y));
});

it('tryPull on a capacity-1 channel lets a waiting push in, stored right after (documented round-trip delay)', async () => {
  const name = freshName('bj-trypull-room');
  const ch = durableChannel<number>(ns(), name, { capacity: 1 });
  await ch.push(1);
  const waiting = ch.push(2);
  await new Promise((r) => setTimeout(r, 50));
  expect(await ch.tryPull()).toBe(1);
  await within(waiting, 3000, 'waiting push');
  expect(await ch.tryPull()).toBe(2);
});
