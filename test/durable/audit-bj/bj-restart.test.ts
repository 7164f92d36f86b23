/**
 * Auditor BJ — durable: what survives an object restart (reset), with waiters parked across it.
 * The namespace from `resetFlagged()` flags the test reset's errors as production flags
 * `durableObjectReset`, so the client retries them as it would a real reset.
 */
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, resetFlagged, resetObject, within } from './bj-helpers.js';

const flagged = () => resetFlagged() as never;

it('a pull parked on an empty channel when the object restarts still gets the next value pushed after the restart', async () => {
  const name = freshName('bj-rs-pull');
  const consumer = durableChannel<string>(flagged(), name);
  const parked = consumer.pull();
  await new Promise((r) => setTimeout(r, 100));
  await resetObject(name);
  await new Promise((r) => setTimeout(r, 50));
  await durableChannel<string>(flagged(), name).push('after-reset');
  expect(await within(parked, 8000, 'pull parked across a reset')).toBe('after-reset');
  expect(await consumer.stats()).toMatchObject({ size: 0, leased: 0 });
});

it('a push parked on a full channel when the object restarts is stored once when room appears', async () => {
  const name = freshName('bj-rs-push');
  const ch = durableChannel<string>(flagged(), name, { capacity: 1 });
  await ch.push('a');
  const parked = ch.push('b', { id: 'b' });
  await new Promise((r) => setTimeout(r, 100));
  await resetObject(name);
  await new Promise((r) => setTimeout(r, 50));
  expect(await ch.pull()).toBe('a');
  await within(parked, 8000, 'push parked across a reset');
  expect(await ch.pull()).toBe('b');
  expect(await ch.tryPull()).toBeUndefined();
});

it('a stream of pushes with a restart in the middle: every value stored exactly once, in order', async () => {
  const name = freshName('bj-rs-stream');
  const ch = durableChannel<number>(flagged(), name);
  const pushing = (async () => {
    for (let i = 0; i < 40; i++) await ch.push(i, { id: `s${i}` });
  })();
  await new Promise((r) => setTimeout(r, 40));
  await resetObject(name);
  await within(pushing, 15_000, 'pushes across a reset');
  const got: number[] = [];
  while (got.length < 40) got.push(...(await ch.pullMany(100)));
  expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
  expect(await ch.tryPull()).toBeUndefined();
});

it('concurrent pushers and a consumer with two restarts: no value lost; duplicates only as redeliveries of the same id', async () => {
  const name = freshName('bj-rs-mix');
  const producers = Array.from({ length: 3 }, async (_, p) => {
    const ch = durableChannel<string>(flagged(), name);
    for (let i = 0; i < 15; i++) await ch.push(`${p}-${i}`, { id: `${p}-${i}` });
  });
  const consumer = durableChannel<string>(flagged(), name);
  const ids: string[] = [];
  const consuming = (async () => {
    while (new Set(ids).size < 45) {
      const d = await consumer.pullWithId();
      expect(d.value).toBe(d.id);
      ids.push(d.id);
    }
  })();
  await new Promise((r) => setTimeout(r, 60));
  await resetObject(name);
  await new Promise((r) => setTimeout(r, 120));
  await resetObject(name);
  await within(Promise.all(producers), 20_000, 'producers');
  await within(consuming, 20_000, 'consumer');
  expect(new Set(ids).size).toBe(45);
  // Per-producer order among first deliveries.
  const firsts = [...new Set(ids)];
  for (let p = 0; p < 3; p++) {
    const seq = firsts.filter((id) => id.startsWith(`${p}-`)).map((id) => Number(id.split('-')[1]));
    expect(seq).toEqual(Array.from({ length: 15 }, (_, i) => i));
  }
  if (ids.length !== 45) console.log(`[bj] redeliveries after resets: ${ids.length - 45}`);
  expect(await consumer.stats()).toMatchObject({ size: 0, leased: 0 });
});

it('a close made just before a restart holds after it, and a pull parked across it is failed with ChannelClosedError', async () => {
  const name = freshName('bj-rs-close');
  const ch = durableChannel<number>(flagged(), name);
  const parked = ch.pull().then(
    () => 'value',
    (e: Error) => e.constructor.name,
  );
  await new Promise((r) => setTimeout(r, 80));
  await ch.close(new Error('bye'));
  await resetObject(name);
  expect(await within(parked, 8000, 'parked pull')).toBe('ChannelClosedError');
  expect(await ch.stats()).toMatchObject({ closed: true });
});
