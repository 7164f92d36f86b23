// Audit BR-peers-e: .NET tests/RendezvousChannelTests.cs (Channel.CreateBounded(0)) and
// tests/UnboundedChannelTests.cs, ported onto chanasync (capacity 0 and Infinity).
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, track } from './helpers.js';

describe('RendezvousChannelTests', () => {
  // Count_AlwaysZero
  it('size stays 0 while pushes wait; each push resolves when its value is taken', async () => {
    const c = new Channel<number>(0);
    expect(c.size).toBe(0);
    const w1 = track(c.push(1));
    const w2 = track(c.push(2));
    await flush();
    expect(c.size).toBe(0);
    expect(c.full).toBe(true);
    expect([w1.state.status, w2.state.status]).toEqual(['pending', 'pending']);
    expect(await c.pull()).toBe(1);
    await flush();
    expect(w1.state.status).toBe('fulfilled');
    expect(w2.state.status).toBe('pending');
    expect(c.size).toBe(0);
    expect(await c.pull()).toBe(2);
    await flush();
    expect(w2.state.status).toBe('fulfilled');
  });

  // TryWrite_TryRead_NoPairing_ReturnsFalse
  it('without a partner tryPush/tryPull fail and pushNowait/pullNowait throw', () => {
    const c = new Channel<number>(0);
    for (let i = 0; i < 3; i++) {
      expect(c.tryPush(42)).toBe(false);
      expect(c.tryPull()).toBeUndefined();
      expect(() => c.pushNowait(42)).toThrow(ChannelFullError);
      expect(() => c.pullNowait()).toThrow(ChannelEmptyError);
    }
  });

  // TryWrite_DropXx_DropsWrite / DroppedDelegateIsNull_SyncAndAsyncWrites.
  // Adaptation: .NET accepts a drop mode on a rendezvous channel (every unmatched write is
  // dropped); chanasync refuses it: SPEC "A drop mode with capacity 0 throws RangeError".
  it.each(['drop-oldest', 'drop-newest'] as const)('%s with capacity 0 is a RangeError', (overflow) => {
    expect(() => new Channel<number>(0, { overflow })).toThrow(RangeError);
  });

  // TryWrite_DropXx_ReaderTakesPriority (with block mode, the only one capacity 0 allows)
  it('a parked reader is served by tryPush and by push at once', async () => {
    const c = new Channel<number>(0);
    for (let i = 42; i < 52; i++) {
      let reader = c.pull();
      expect(c.tryPush(i)).toBe(true);
      expect(await reader).toBe(i);
      reader = c.pull();
      const w = track(c.push(i));
      await flush();
      expect(w.state.status).toBe('fulfilled');
      expect(await reader).toBe(i);
    }
  });

  // CancelPendingWrite_Reading_DataTransferredFromCorrectWriter
  it('the cancelled middle one of three parked pushes is skipped', async () => {
    const c = new Channel<number>(0);
    const ac = new AbortController();
    const write1 = c.push(42);
    const write2 = c.push(43, { signal: ac.signal });
    const write3 = c.push(44);
    ac.abort(new Error('cancelled'));
    expect(await c.pull()).toBe(42);
    expect(await c.pull()).toBe(44);
    await write1;
    await expect(write2).rejects.toThrow('cancelled');
    await write3;
    expect(c.stats().waitingPushers).toBe(0);
  });

  // Close while many readers and writers wait on a rendezvous (each completes exactly once).
  it('close fails 20 parked pushes and, separately, 20 parked pulls exactly once', async () => {
    const a = new Channel<number>(0);
    const pushes = Array.from({ length: 20 }, (_, i) => track(a.push(i)));
    const b = new Channel<number>(0);
    const pulls = Array.from({ length: 20 }, () => track(b.pull()));
    await flush();
    a.close('bye');
    b.close('bye');
    a.close('again');
    b.close('again');
    await flush();
    for (const t of [...pushes, ...pulls]) {
      expect(t.settlements).toBe(1);
      expect(t.state.status).toBe('rejected');
      if (t.state.status === 'rejected') {
        expect(t.state.reason).toBeInstanceOf(ChannelClosedError);
        expect((t.state.reason as Error).cause).toBe('bye');
      }
    }
    expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(b.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('UnboundedChannelTests', () => {
  // Count_IncrementsDecrementsAsExpected
  it('size counts, twice round, the second time after close', () => {
    const c = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let iter = 0; iter < 2; iter++) {
      for (let i = 0; i < 5; i++) {
        expect(c.size).toBe(i);
        expect(c.tryPush(i)).toBe(true);
        expect(c.size).toBe(i + 1);
      }
      expect(c.full).toBe(false);
      if (iter !== 0) c.close();
      for (let item = c.tryPull(); item !== undefined; item = c.tryPull()) expect(c.size).toBe(5 - (item + 1));
      expect(c.size).toBe(0);
    }
  });

  // Complete_BeforeEmpty_NoWaiters_TriggersCompletion / WriteMany_ThenComplete_SuccessfullyReadAll(0, 1)
  it.each(['tryPull', 'pull'] as const)(
    'values written before close are all read (%s), then pulls fail',
    async (mode) => {
      const c = new Channel<number>(Number.POSITIVE_INFINITY);
      for (let i = 0; i < 10; i++) expect(c.tryPush(i)).toBe(true);
      c.close();
      expect(c.closed).toBe(true); // Adaptation: `closed` is "close() was called", not .NET's Completion (drained)
      for (let i = 0; i < 10; i++) expect(mode === 'pull' ? await c.pull() : c.tryPull()).toBe(i);
      await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      expect(() => c.pullNowait()).toThrow(ChannelClosedError);
    },
  );

  // TryWrite_TryRead_Many (100000)
  it('100000 tryPush then 100000 tryPull in order', () => {
    const c = new Channel<number>(Number.POSITIVE_INFINITY);
    const N = 100000;
    for (let i = 0; i < N; i++) {
      if (!c.tryPush(i)) throw new Error(`tryPush ${i}`);
    }
    for (let i = 0; i < N; i++) {
      if (c.tryPull() !== i) throw new Error(`out of order at ${i}`);
    }
    expect(c.size).toBe(0);
  });

  // TryWrite_TryRead_OneAtATime
  it('tryPush/tryPull one at a time', () => {
    const c = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 10; i++) {
      expect(c.tryPush(i)).toBe(true);
      expect(c.tryPull()).toBe(i);
    }
  });

  // Completion_CompletesAfterConcurrentTryReadAndTryComplete (single-threaded: both orders)
  it.each([true, false])(
    'tryPull and close in either order (pull first: %s) end drained and closed',
    async (pullFirst) => {
      const c = new Channel<number>(Number.POSITIVE_INFINITY);
      c.tryPush(1);
      c.tryPush(2);
      c.tryPull();
      if (pullFirst) {
        c.tryPull();
        c.close();
      } else {
        c.close();
        c.tryPull();
      }
      expect(c.tryPull()).toBeUndefined();
      const seen: number[] = [];
      for await (const v of c) seen.push(v);
      expect(seen).toEqual([]);
    },
  );

  // Stress_TryWrite_TryRead (3,000,000 → 50,000): a for-await consumer against a synchronous producer.
  it('a synchronous producer and a for-await consumer: exact order, nothing lost', async () => {
    const c = new Channel<number>(Number.POSITIVE_INFINITY);
    const N = 50000;
    const consumer = (async () => {
      let received = 0;
      for await (const v of c) {
        if (v !== received) throw new Error(`expected ${received}, got ${v}`);
        received++;
      }
      return received;
    })();
    for (let i = 0; i < N; i++) c.tryPush(i);
    c.close();
    expect(await consumer).toBe(N);
  });

  // SingleReaderUnboundedChannelTests.MultipleReaders_CancelsPreviousReader.
  // Adaptation: a single-reader option does not exist; chanasync keeps both readers (SPEC:
  // parked pullers are served FIFO), so the first reader gets the value, nothing is cancelled.
  it('two parked readers are both kept; the first gets the first value', async () => {
    const c = new Channel<number>(Number.POSITIVE_INFINITY);
    const t1 = c.pull();
    const t2 = c.pull();
    expect(c.tryPush(42)).toBe(true);
    expect(c.tryPush(43)).toBe(true);
    expect(await t1).toBe(42);
    expect(await t2).toBe(43);
  });
});
