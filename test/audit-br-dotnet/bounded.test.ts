// Audit BR-peers-e: .NET System.Threading.Channels, tests/BoundedChannelTests.cs, ported onto chanasync.
// Mode mapping: FullMode.Wait ≈ overflow 'block'; DropOldest ≈ 'drop-oldest'; DropWrite ≈ 'drop-newest'
// (chanasync discards the *pushed* value: SPEC "'drop-newest' never waits: the pushed value is
// discarded"). .NET's DropNewest (evict the newest *buffered* value, then store the pushed one) has
// no chanasync counterpart; its tests are ported with the expectation of 'drop-newest' and the
// difference is noted. chanasync has no itemDropped callback: a drop is silent and the dropping
// push resolves (SPEC: "In both drop modes push resolves and pushNowait returns without error").
import { Channel, ChannelClosedError, ChannelFullError, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, track } from './helpers.js';

const drain = (c: Channel<number>): number[] => {
  const out: number[] = [];
  for (let v = c.tryPull(); v !== undefined; v = c.tryPull()) out.push(v);
  return out;
};
/** Throws unless `ok` (a plain check for hot loops, where `expect` costs more than the channel). */
const check = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(what);
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('BoundedChannelTests', () => {
  // Count_IncrementsDecrementsAsExpected
  it('size counts up and down, twice round, the second time after close', () => {
    const bound = 3;
    const c = new Channel<number>(bound);
    for (let iter = 0; iter < 2; iter++) {
      for (let i = 0; i < bound; i++) {
        expect(c.size).toBe(i);
        check(c.tryPush(i), `tryPush ${i}`);
        expect(c.size).toBe(i + 1);
      }
      expect(c.tryPush(42)).toBe(false);
      expect(c.full).toBe(true);
      expect(c.size).toBe(bound);
      if (iter !== 0) c.close();
      for (let i = 0; i < bound; i++) {
        expect(c.size).toBe(bound - i);
        expect(c.tryPull()).toBe(i);
        expect(c.size).toBe(bound - i - 1);
      }
    }
    expect(c.empty).toBe(true);
  });

  // TryWrite_TryRead_Many_Wait(1, 10, 10000)
  it.each([1, 10, 10000])('block mode, capacity %i: fills, refuses one more, drains in order', (cap) => {
    const c = new Channel<number>(cap);
    for (let i = 0; i < cap; i++) check(c.tryPush(i), `tryPush ${i}`);
    expect(c.tryPush(cap)).toBe(false);
    expect(() => c.pushNowait(cap)).toThrow(ChannelFullError);
    expect(drain(c)).toEqual(range(0, cap));
    expect(c.tryPull()).toBeUndefined();
  });

  // TryWrite_TryRead_Many_DropOldest / WriteAsync_TryRead_Many_DropOldest (1, 10, 10000)
  it.each([1, 10, 10000])('drop-oldest, capacity %i: tryPush and push of 2·cap keep the newest cap', async (cap) => {
    const a = new Channel<number>(cap, { overflow: 'drop-oldest' });
    for (let i = 0; i < cap * 2; i++) check(a.tryPush(i), `tryPush ${i}`);
    expect(drain(a)).toEqual(range(cap, cap * 2));

    const b = new Channel<number>(cap, { overflow: 'drop-oldest' });
    for (let i = 0; i < cap * 2; i++) {
      const w = track(b.push(i));
      await Promise.resolve();
      await Promise.resolve();
      check(w.state.status === 'fulfilled', `push ${i} settled`); // AssertSynchronousSuccess ≈ settles within microtasks
    }
    expect(drain(b)).toEqual(range(cap, cap * 2));
  });

  // TryWrite_TryRead_Many_DropNewest / WriteAsync_TryRead_Many_DropNewest (1, 10, 10000).
  // Adaptation: .NET expects [0 … cap-2, 2·cap-1] (the newest buffered value is evicted);
  // chanasync's 'drop-newest' discards the pushed value, so [0 … cap-1] (SPEC, overflow).
  it.each([1, 10, 10000])('drop-newest, capacity %i: keeps the first cap values', async (cap) => {
    const a = new Channel<number>(cap, { overflow: 'drop-newest' });
    for (let i = 0; i < cap * 2; i++) check(a.tryPush(i), `tryPush ${i}`);
    expect(drain(a)).toEqual(range(0, cap));
    const b = new Channel<number>(cap, { overflow: 'drop-newest' });
    for (let i = 0; i < cap * 2; i++) await b.push(i);
    expect(drain(b)).toEqual(range(0, cap));
  });

  // TryWrite_TryRead_Many_Ignore / WriteAsync_TryRead_Many_Ignore (DropWrite ≈ 'drop-newest')
  it('drop-newest is .NET DropWrite: pushNowait never throws on an open full channel', () => {
    const c = new Channel<number>(10, { overflow: 'drop-newest' });
    for (let i = 0; i < 20; i++) expect(() => c.pushNowait(i)).not.toThrow();
    expect(drain(c)).toEqual(range(0, 10));
  });

  // TryWrite_DropNewest_WrappedAroundInternalQueue (a ring whose head moved past slot 0)
  it.each([
    ['drop-newest', [2, 3, 4]],
    ['drop-oldest', [3, 4, 5]],
  ] as const)('%s on a wrapped-around ring buffer', async (overflow, expected) => {
    const c = new Channel<number>(3, { overflow });
    expect(c.tryPush(1)).toBe(true);
    expect(c.tryPull()).toBe(1);
    expect(c.tryPush(2)).toBe(true);
    expect(c.tryPush(3)).toBe(true);
    expect(c.tryPush(4)).toBe(true);
    expect(c.tryPush(5)).toBe(true);
    expect([await c.pull(), await c.pull(), await c.pull()]).toEqual(expected);
    expect(c.size).toBe(0);
  });

  // DroppedDelegateNotCalledOnWaitMode_AsyncWrites: in block mode the second push waits, then completes.
  it('block mode: a push on a full buffer waits until a pull makes room, nothing dropped', async () => {
    const c = new Channel<number>(1);
    await c.push(1);
    const second = track(c.push(2));
    await flush();
    expect(second.state.status).toBe('pending');
    expect(await c.pull()).toBe(1);
    await flush();
    expect(second.state.status).toBe('fulfilled');
    expect(c.tryPull()).toBe(2);
  });

  // DroppedDelegateCalledOnChannelFull_SyncWrites / _AsyncWrites: exactly 10 of 20 values dropped.
  // Adaptation: no callback; the drop count is visible as what is readable.
  it.each(['drop-oldest', 'drop-newest'] as const)(
    '%s: 20 pushes into capacity 10 drop exactly 10',
    async (overflow) => {
      const c = new Channel<number>(10, { overflow });
      for (let i = 0; i < 10; i++) await c.push(i);
      expect(c.size).toBe(10);
      for (let i = 10; i < 20; i++) await c.push(i);
      const kept = drain(c);
      expect(kept).toHaveLength(10);
      expect(new Set(kept).size).toBe(10);
    },
  );

  // Drop modes with waiting readers (the area .NET tests as "reader takes priority"):
  // README "A drop mode hands a value straight to a parked pull before it would drop anything."
  it.each(['drop-oldest', 'drop-newest'] as const)(
    '%s hands values to parked pulls first, in FIFO order',
    async (overflow) => {
      const c = new Channel<number>(2, { overflow });
      const readers = [c.pull(), c.pull(), c.pull()];
      for (let i = 0; i < 7; i++) c.pushNowait(i);
      expect(await Promise.all(readers)).toEqual([0, 1, 2]);
      expect(drain(c)).toEqual(overflow === 'drop-oldest' ? [5, 6] : [3, 4]);
    },
  );

  // A dropped value's producer: its push resolves (SPEC), and in select a push case on a drop
  // channel is always ready (SPEC select).
  it.each(['drop-oldest', 'drop-newest'] as const)(
    '%s: select/selectNowait push cases are always ready',
    async (overflow) => {
      const c = new Channel<number>(1, { overflow });
      c.pushNowait(1);
      const r = await select([push(c, 2)]);
      expect(r.index).toBe(0);
      expect(selectNowait([push(c, 3)])?.index).toBe(0);
      expect(drain(c)).toEqual(overflow === 'drop-oldest' ? [3] : [1]);
    },
  );

  // Drop modes are open-only: a closed drop channel refuses pushes like any other.
  it.each(['drop-oldest', 'drop-newest'] as const)('%s: push on a closed channel still fails', async (overflow) => {
    const c = new Channel<number>(1, { overflow });
    c.pushNowait(1);
    c.close();
    expect(() => c.pushNowait(2)).toThrow(ChannelClosedError);
    expect(c.tryPush(2)).toBe(false);
    await expect(c.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(c.tryPull()).toBe(1);
  });

  // CancelPendingWrite_Reading_DataTransferredFromCorrectWriter
  it('a cancelled parked push gives way: the next pushes reach readers, the cancelled value never', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(42);
    const ac = new AbortController();
    const write1 = track(c.push(43, { signal: ac.signal }));
    await flush();
    expect(write1.state.status).toBe('pending');
    ac.abort();
    const write2 = c.push(44);
    expect(await c.pull()).toBe(42);
    expect(await c.pull()).toBe(44);
    await write2;
    await flush();
    expect(write1.state.status).toBe('rejected');
    expect(c.size).toBe(0);
  });

  // TryWrite_TryRead_OneAtATime (100000 → 20000 items)
  it.each([1, 10, 10000])('capacity %i: tryPush/tryPull one at a time', (cap) => {
    const c = new Channel<number>(cap);
    for (let i = 0; i < 20000; i++) {
      check(c.tryPush(i), `tryPush ${i}`);
      expect(c.tryPull()).toBe(i);
    }
  });

  // SingleProducerConsumer_ConcurrentReadWrite_WithBufferedCapacity_Success
  it.each([1, 10, 10000])('capacity %i: single producer/consumer keep order', async (cap) => {
    const c = new Channel<number>(cap);
    const N = 5000;
    await Promise.all([
      (async () => {
        for (let i = 0; i < N; i++) await c.push(i);
      })(),
      (async () => {
        for (let i = 0; i < N; i++) expect(await c.pull()).toBe(i);
      })(),
    ]);
  });

  // ManyProducerConsumer_ConcurrentReadWrite_WithBufferedCapacity_Success (readers catch ChannelClosedError)
  it.each([1, 10, 10000])('capacity %i: 10 writers, 10 readers, sum exact', async (cap) => {
    const c = new Channel<number>(cap);
    const N = 5000;
    let remaining = N;
    let writersLeft = 10;
    let total = 0;
    let reads = 0;
    const readers = Array.from({ length: 10 }, async () => {
      try {
        while (true) {
          const v = await c.pull(); // (not `total += await …`: that reads `total` before the await)
          total += v;
          reads++;
        }
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelClosedError);
      }
    });
    const writers = Array.from({ length: 10 }, async () => {
      while (true) {
        const v = --remaining;
        if (v < 0) break;
        await c.push(v + 1);
      }
      if (--writersLeft === 0) c.close();
    });
    await Promise.all([...readers, ...writers]);
    expect(reads).toBe(N);
    expect(total).toBe((N * (N + 1)) / 2);
  });

  // Close while many writers wait (Complete_WithException_PropagatesToExistingWriter, scaled up):
  // each rejects exactly once with ChannelClosedError, none of their values is added.
  it('close with 50 parked pushers: each rejects once, buffered values survive, no parked value appears', async () => {
    const c = new Channel<number>(2);
    c.pushNowait(-1);
    c.pushNowait(-2);
    const writers = range(0, 50).map((i) => track(c.push(i)));
    await flush();
    expect(c.stats().waitingPushers).toBe(50);
    const reason = new Error('shutdown');
    c.close(reason);
    await flush();
    for (const w of writers) {
      expect(w.settlements).toBe(1);
      expect(w.state.status).toBe('rejected');
      if (w.state.status === 'rejected') {
        expect(w.state.reason).toBeInstanceOf(ChannelClosedError);
        expect((w.state.reason as Error).cause).toBe(reason);
      }
    }
    expect(c.stats().waitingPushers).toBe(0);
    expect(await c.pull()).toBe(-1);
    expect(await c.pull()).toBe(-2);
    const error = await rejection(c.pull());
    expect((error as Error).cause).toBe(reason);
  });

  // Block mode with readers and writers waiting "at once" cannot happen (a parked pull means an
  // empty buffer); the closest: a pull that frees a slot moves the oldest parked push in at once
  // (README Ordering), so a later tryPush cannot overtake it.
  it('a freed slot goes to the oldest parked push, not to a later tryPush', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(1);
    const p2 = track(c.push(2));
    const p3 = track(c.push(3));
    expect(c.tryPull()).toBe(1);
    expect(c.tryPush(99)).toBe(false);
    expect(c.tryPull()).toBe(2);
    expect(c.tryPull()).toBe(3);
    await flush();
    expect([p2.state.status, p3.state.status]).toEqual(['fulfilled', 'fulfilled']);
  });
});
