/**
 * Memory at scale: what stays reachable once the work is done. Runs with `--expose-gc` (the
 * vitest `gc` project).
 */
import { expect, test } from 'vitest';
import { broadcast, Channel, from, merge, toReadableStream } from '../../src/index.js';
import { collectAll, tick } from '../helpers/gc.js';

test('an endless generator behind a from() channel its consumer abandoned is collected with the channel', async () => {
  const refs: WeakRef<object>[] = [];
  await (async () => {
    function* naturals() {
      for (let i = 0; ; i++) yield { i };
    }
    const source = naturals();
    const channel = from(source, { capacity: 4 });
    for (let i = 0; i < 10; i++) expect((await channel.pull()).i).toBe(i);
    refs.push(new WeakRef(source), new WeakRef(channel));
  })();
  await collectAll(refs);
});

test('a from() channel dropped by its consumer is still closed by its signal, which releases the source (its finally runs)', async () => {
  const controller = new AbortController();
  let released = 0;
  await (async () => {
    async function* naturals() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        released++;
      }
    }
    for (let k = 0; k < 100; k++) {
      const channel = from(naturals(), { signal: controller.signal });
      expect(await channel.pull()).toBe(0);
    }
  })();
  for (let round = 0; round < 5; round++) {
    await tick();
    (globalThis as { gc?: () => void }).gc?.();
  }
  controller.abort();
  for (let round = 0; round < 5; round++) await tick();
  expect(released).toBe(100);
});

test('subscribers that all left a long-lived broadcast (by close and by a long-lived signal) are collected', async () => {
  const source = new Channel<number>(0);
  const hub = broadcast(source);
  const controller = new AbortController();
  const refs: WeakRef<object>[] = [];
  (() => {
    for (let i = 0; i < 1000; i++) {
      const subscriber = hub.subscribe({ signal: i % 2 ? controller.signal : undefined });
      refs.push(new WeakRef(subscriber));
      if (i % 2 === 0) subscriber.close();
    }
  })();
  // Half of them leave through their signal; the signal itself lives on.
  const other = new AbortController();
  const left = hub.subscribe({ signal: other.signal });
  other.abort();
  expect(left.closed).toBe(true);
  (() => {
    // The odd ones leave by close() too (the signal is never aborted).
    for (const ref of refs) (ref.deref() as Channel<number> | undefined)?.close();
  })();
  await collectAll(refs);
  // Nobody left: the broadcast takes nothing from its source.
  expect(source.stats().waitingPullers).toBe(0);
  expect(controller.signal.aborted).toBe(false);
});

test('inputs of a merge nobody reads are collected once they closed, while the merge lives on', async () => {
  const refs: WeakRef<object>[] = [];
  const keep = new Channel<number>(0);
  const merged = (() => {
    const inputs = Array.from({ length: 1000 }, () => new Channel<number>(0));
    for (const input of inputs) refs.push(new WeakRef(input));
    const made = merge(keep, ...inputs);
    for (const input of inputs) input.close();
    return made;
  })();
  await collectAll(refs);
  expect(merged.closed).toBe(false);
  expect(keep.tryPush(5)).toBe(true);
  expect(merged.tryPull()).toBe(5);
});

test('cancelled readers of toReadableStream leave no pull parked on a long-lived channel and are collected', async () => {
  const channel = new Channel<number>(0);
  const refs: WeakRef<object>[] = [];
  await (async () => {
    for (let i = 0; i < 1000; i++) {
      const stream = toReadableStream(channel);
      const reader = stream.getReader();
      const read = reader.read();
      await reader.cancel();
      expect(await read).toEqual({ done: true, value: undefined });
      refs.push(new WeakRef(stream), new WeakRef(reader));
    }
  })();
  expect(channel.stats().waitingPullers).toBe(0);
  await collectAll(refs);
  expect(channel.closed).toBe(false);
});

test('a long-lived channel through which 1,000,000 values passed in bursts ends with a small buffer', async () => {
  const channel = new Channel<{ i: number }>(Number.POSITIVE_INFINITY);
  const refs: WeakRef<object>[] = [];
  for (let burst = 0; burst < 10; burst++) {
    for (let i = 0; i < 100_000; i++) channel.tryPush({ i });
    const last = channel.pullMany(100_000);
    const values = await last;
    expect(values).toHaveLength(100_000);
    refs.push(new WeakRef(values[99_999] as object));
  }
  await collectAll(refs);
  // No value is kept alive by the drained buffer, which shrank back (buffer.ts keeps 1,024 slots).
  expect((channel as unknown as { slots: unknown[] }).slots.length).toBeLessThanOrEqual(1024);
});
