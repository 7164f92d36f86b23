/**
 * Nothing a channel committed stays in memory because something still holds the waiter it
 * committed to. Found by the twenty-fourth session's audit: a claimed waiter kept its queue
 * links, so a waiter something still held — an iterator's note of its last parked `next()`, a
 * stream's or a port sender's waiter — held every waiter queued behind it, each of those the
 * next, and each the value it settled with: with three `for await` workers and one of them busy,
 * the heap grew by 50 MB per 500 jobs until that worker asked for its next job. Runs with
 * `--expose-gc`.
 */
import { expect, test } from 'vitest';
import { Channel } from '../src/index.js';
import { tick } from './helpers/gc.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;

/**
 * Pushes `count` fresh objects through `channel` to plain pulls — `queued` first, then pulls
 * made as they go, two always queued, so that each commit claims a pull with another behind
 * it; returns WeakRefs to the objects.
 */
async function throughPulls(
  channel: Channel<object>,
  queued: Promise<object>,
  count: number,
): Promise<WeakRef<object>[]> {
  const refs: WeakRef<object>[] = [];
  const pending = [queued, channel.pull()];
  for (let index = 0; index < count; index++) {
    const value = { index, payload: new Array(100).fill(index) };
    refs.push(new WeakRef(value));
    await channel.push(value); // commits to the head pull while another is queued behind it
    expect(await pending.shift()).toBe(value);
    pending.push(channel.pull());
  }
  return refs;
}

async function collected(refs: readonly WeakRef<object>[]): Promise<number> {
  for (let round = 0; round < 5; round++) {
    await tick();
    gc();
  }
  return refs.filter((ref) => ref.deref() === undefined).length;
}

test('an iterator busy between next() calls holds none of the values other consumers pulled since', async () => {
  const channel = new Channel<object>(0);
  const iterator = channel[Symbol.asyncIterator]();
  const first = iterator.next(); // parked and noted on the iterator
  const behind = channel.pull(); // queued behind it
  await channel.push({ first: true }); // the iterator's pull committed; the iterator is now "busy"
  expect((await first).value).toEqual({ first: true });
  const refs = await throughPulls(channel, behind, 200);
  // Every value went to a plain pull whose caller dropped it: all collectable (the last
  // two may still be held by the loop's last promises).
  expect(await collected(refs)).toBeGreaterThanOrEqual(198);
  await iterator.return?.();
});

test("a stream's parked read holds none of the values other consumers pulled since", async () => {
  const channel = new Channel<object>(0);
  const reader = channel.toReadableStream().getReader();
  const read = reader.read();
  await tick(); // the stream's pull parks (the stream calls its source's pull() a microtask later)
  expect(channel.stats().waitingPullers).toBe(1);
  const behind = channel.pull(); // queued behind it
  await channel.push({ first: true });
  expect((await read).value).toEqual({ first: true });
  const refs = await throughPulls(channel, behind, 200);
  expect(await collected(refs)).toBeGreaterThanOrEqual(198);
  await reader.cancel();
});
