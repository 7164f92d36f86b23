/**
 * Audit BC-soak, finding BC-S2: a channel that the signal watch holds weakly and that has no
 * "way out" to keep — a `fromEvent` channel, a broadcast subscriber — leaves its entry in the
 * long-lived signal's watch set for ever once it is collected without being closed (its target,
 * or its broadcast and source, dropped). Each costs about 57 bytes (a `WeakRef` and a `Set`
 * entry) that only the signal's abort frees, and the set never empties, so the signal's `abort`
 * listener stays even after every live operation left ("the listener goes when the last of them
 * leaves", README). A page-lifetime or server-lifetime signal given to the `fromEvent` of every
 * component or connection grows for as long as the process runs.
 *
 * Fixed: the set sweeps such entries (`src/signals.ts`, "Why swept"); `sweep-cost.test.ts`
 * checks that the sweep costs O(1) per operation.
 *
 * The "(holds)" tests are contrasts: the same channels closed, or made without a signal, leave
 * nothing.
 */
import { getEventListeners } from 'node:events';
import { broadcast, Channel, fromEvent } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { liveOperationComesAndGoes } from '../helpers/abandoned.js';
import { collectAll, heapUsed } from '../helpers/gc.js';

const makers = {
  'a fromEvent channel whose target is dropped (a removed element, a closed socket)': (signal?: AbortSignal) => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'message', { signal });
    return { channel, close: () => channel.close() };
  },
  'a broadcast subscriber whose broadcast and source are dropped': (signal?: AbortSignal) => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const channel = hub.subscribe({ signal });
    return { channel, close: () => hub.close() };
  },
};

describe.each(Object.entries(makers))('%s, made with a long-lived signal', (_, make) => {
  // Fixed: the signal's set sweeps the entries of collected channels that have nothing to keep
  // (src/signals.ts, "Why swept"), a few per operation on the signal, and all of them (up to 64)
  // when the last entry that must stay leaves.
  it('is collected, and once a live operation on the signal left too, the signal has no abort listener', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 10; i++) refs.push(new WeakRef(make(signal).channel));
    await collectAll(refs);
    await liveOperationComesAndGoes(signal);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
  });

  it('60,000 of them, made and dropped over the life of a process, retain less than 1 MB', async () => {
    const { signal } = new AbortController();
    // Over a process's life: batches (a component mounted, a connection accepted), with
    // collections between them — not one synchronous burst, whose channels no collection can
    // free before it ends (a `WeakRef` keeps its target until the end of the job that made it).
    const run = async (batches: number) => {
      for (let batch = 0; batch < batches; batch++) {
        for (let i = 0; i < 2000; i++) make(signal);
        await heapUsed(1);
      }
    };
    await run(1);
    const before = await heapUsed();
    await run(30);
    const after = await heapUsed();
    // Before the sweep: about 57 bytes each (3.4 MB), until the signal aborts.
    expect(after - before).toBeLessThan(1_000_000);
  }, 30_000);

  it('the ones a burst left are swept by the operations on the signal that follow it', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 1000; i++) refs.push(new WeakRef(make(signal).channel));
    await collectAll(refs);
    // Each operation checks a few entries; 1000 of them go round the set at least once.
    for (let i = 0; i < 1000; i++) await liveOperationComesAndGoes(signal);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
  });

  it('(holds) closed before they are dropped, they leave nothing on the signal', async () => {
    const { signal } = new AbortController();
    const run = (count: number) => {
      for (let i = 0; i < count; i++) make(signal).close();
    };
    run(2000);
    const before = await heapUsed();
    run(60_000);
    const after = await heapUsed();
    expect(after - before).toBeLessThan(1_000_000);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
  }, 20_000);

  it('(holds) without a signal, dropping them retains nothing', async () => {
    const run = (count: number) => {
      for (let i = 0; i < count; i++) make();
    };
    run(2000);
    const before = await heapUsed();
    run(60_000);
    const after = await heapUsed();
    expect(after - before).toBeLessThan(1_000_000);
  }, 20_000);
});
