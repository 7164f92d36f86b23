// Audit BR-peers-e: .NET System.Threading.Channels, tests/ChannelTestBase.cs, ported onto chanasync.
// The peer's base class runs against a bounded(1) channel, a rendezvous channel (bounded(0)) and
// an unbounded one; `describe.each` below does the same with capacity 1, 0 and Infinity.
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, track } from './helpers.js';

const kinds = [
  { label: 'bounded(1)', capacity: 1, buffers: true },
  { label: 'rendezvous', capacity: 0, buffers: false },
  { label: 'unbounded', capacity: Number.POSITIVE_INFINITY, buffers: true },
] as const;

/** CreateFullChannel: a channel whose next push must wait (null for unbounded in the peer). */
function fullChannel(capacity: number): Channel<number> | null {
  if (capacity === Number.POSITIVE_INFINITY) return null;
  const c = new Channel<number>(capacity);
  if (capacity > 0) c.pushNowait(0);
  return c;
}

describe.each(kinds)('ChannelTestBase on $label', ({ capacity, buffers }) => {
  // Complete_AfterEmpty_WaitingReader_TriggersCompletion / ReadAsync_SubsequentlyCompleted_Throws
  it('a parked pull rejects with ChannelClosedError when the channel is closed', async () => {
    const c = new Channel<number>(capacity);
    const r = c.pull();
    await flush();
    c.close();
    const error = await rejection(r);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeUndefined();
    expect(c.stats().waitingPullers).toBe(0);
  });

  // Complete_Twice_ThrowsInvalidOperationException / TryComplete_Twice_ReturnsTrueThenFalse.
  // Adaptation: .NET's Complete() throws the second time and TryComplete() answers false;
  // SPEC "close(reason?: unknown): void — idempotent (a later call does nothing)".
  it('close is idempotent and only the first reason counts', async () => {
    const c = new Channel<number>(capacity);
    const first = new Error('first');
    c.close(first);
    expect(() => c.close(new Error('second'))).not.toThrow();
    expect(() => c.close()).not.toThrow();
    const error = await rejection(c.pull());
    expect((error as Error).cause).toBe(first);
  });

  // TryComplete_ErrorsPropage / Complete_WithException_PropagatesToCompletion.
  // Adaptation: no Completion task; the reader-side equivalent is `for await`, which the SPEC
  // says "ends normally after close(), and throws reason after close(reason)".
  it('for await ends after close() and throws the reason after close(reason)', async () => {
    const ok = new Channel<number>(capacity);
    ok.close();
    const seen: number[] = [];
    for await (const v of ok) seen.push(v);
    expect(seen).toEqual([]);

    const failed = new Channel<number>(capacity);
    const reason = new TypeError('format');
    failed.close(reason);
    const error = await (async () => {
      try {
        for await (const _ of failed) {
          // nothing
        }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBe(reason);
  });

  // Complete_WithException_PropagatesToExistingWriter
  it('a parked push rejects with ChannelClosedError whose cause is the close reason', async () => {
    const c = fullChannel(capacity);
    if (c === null) return; // unbounded: never full, as in the peer
    const w = c.push(42);
    await flush();
    const reason = new Error('format');
    c.close(reason);
    const error = await rejection(w);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
    // the value of the failed push is not delivered
    if (capacity > 0) expect(c.pullNowait()).toBe(0);
    await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // Complete_WithException_PropagatesToNewWriter / WriteAsync_AfterComplete_ThrowsException
  it('a push after close(reason) rejects with ChannelClosedError carrying the reason', async () => {
    const c = new Channel<number>(capacity);
    const reason = new Error('format');
    c.close(reason);
    const error = await rejection(c.push(42));
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
  });

  // Complete_WithException_PropagatesToExistingWaitingReader / ...NewWaitingReader.
  // Adaptation: .NET's WaitToReadAsync throws the exception itself; chanasync has no
  // non-consuming wait; `pull` rejects with ChannelClosedError whose `cause` is the reason
  // (SPEC, pull), and only iteration throws the reason itself.
  it('existing and new pulls after close(reason) carry the reason as cause', async () => {
    const c = new Channel<number>(capacity);
    const existing = c.pull();
    const reason = new Error('format');
    c.close(reason);
    const fresh = c.pull();
    for (const p of [existing, fresh]) {
      const error = await rejection(p);
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).cause).toBe(reason);
    }
  });

  // TryRead_DataAvailable_Success / TryRead_AfterComplete_ReturnsFalse / TryWrite_AfterComplete_ReturnsFalse
  it('tryPull/tryPush: data available, and after close', async () => {
    const c = new Channel<number>(capacity);
    const w = c.push(42);
    expect(c.tryPull()).toBe(42);
    await w;
    c.close();
    expect(c.tryPull()).toBeUndefined();
    expect(c.tryPush(42)).toBe(false);
    expect(c.closed).toBe(true);
  });

  // ManyWriteAsync_ThenManyTryRead_Success
  it('2000 pushes then 2000 tryPulls come out in order and every push resolves', async () => {
    const c = new Channel<number>(capacity);
    const writers = Array.from({ length: 2000 }, (_, i) => track(c.push(i)));
    for (let i = 0; i < 2000; i++) expect(c.tryPull()).toBe(i);
    expect(c.tryPull()).toBeUndefined();
    await flush();
    for (const w of writers) expect(w.state.status).toBe('fulfilled');
    expect(c.stats().waitingPushers).toBe(0);
  });

  // Precancellation_Writing_ReturnsImmediately
  it('an already aborted signal rejects push at once, even on a closed channel', async () => {
    const c = new Channel<number>(capacity);
    const reason = new Error('cancelled');
    await expect(c.push(42, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(c.size).toBe(0);
    c.close();
    await expect(c.push(42, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  // Precancellation_ReadAsync_ReturnsImmediately(dataAvailable: false/true)
  it.each([false, true])('an already aborted pull rejects and consumes nothing (data available: %s)', async (data) => {
    const c = new Channel<number>(capacity);
    let w: Promise<void> | undefined;
    if (data) w = c.push(42);
    const reason = new Error('cancelled');
    await expect(c.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    if (data) {
      expect(await c.pull()).toBe(42);
      await w;
    }
  });

  // ReadAsync_Canceled_CanceledAsynchronously
  it('a parked pull aborted later rejects with the reason; a later value goes to a later pull', async () => {
    const c = new Channel<number>(capacity);
    const ac = new AbortController();
    const r = track(c.pull({ signal: ac.signal }));
    await flush();
    expect(r.state.status).toBe('pending');
    ac.abort(new Error('stop'));
    await flush();
    expect(r.state).toMatchObject({ status: 'rejected', reason: new Error('stop') });
    expect(c.stats().waitingPullers).toBe(0);
    // With no reader left, tryPush on a rendezvous channel must refuse (the aborted one left no trace).
    expect(c.tryPush(42)).toBe(buffers);
    if (buffers) expect(await c.pull()).toBe(42);
  });

  // ReadAsync_ThenWriteAsync_Succeeds
  it('a push meeting a parked pull resolves without waiting for anything else', async () => {
    const c = new Channel<number>(capacity);
    const r = c.pull();
    const w = track(c.push(42));
    await flush();
    expect(w.state.status).toBe('fulfilled');
    expect(await r).toBe(42);
  });

  // WriteAsync_ReadAsync_Succeeds
  it('push then pull', async () => {
    const c = new Channel<number>(capacity);
    const w = c.push(42);
    const r = c.pull();
    await Promise.all([w, r]);
    expect(await r).toBe(42);
  });

  // ReadAsync_WriteAsync_ManyConcurrentReaders_SerializedWriters_Success (plus chanasync's FIFO rule)
  it('100 parked pulls, 100 serialized pushes: every reader gets one value, in FIFO order', async () => {
    const c = new Channel<number>(capacity);
    const readers = Array.from({ length: 100 }, () => c.pull());
    for (let i = 0; i < 100; i++) await c.push(i);
    expect(await Promise.all(readers)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  // ReadAsync_TryWrite_ManyConcurrentReaders_SerializedWriters_Success
  it('tryPush succeeds for each of 100 parked pulls', async () => {
    const c = new Channel<number>(capacity);
    const readers = Array.from({ length: 100 }, () => c.pull());
    for (let i = 0; i < 100; i++) expect(c.tryPush(i)).toBe(true);
    const values = await Promise.all(readers);
    expect(values.reduce((a, b) => a + b, 0)).toBe((100 * 99) / 2);
    expect(c.size).toBe(0);
  });

  // ReadAsync_AlreadyCompleted_Throws / ReadAsync_AfterFaultedChannel_Throws
  it('pull on a closed (faulted) channel rejects with ChannelClosedError, cause the same object', async () => {
    const c = new Channel<number>(capacity);
    c.close();
    await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    const d = new Channel<number>(capacity);
    const e = new TypeError('format');
    d.close(e);
    const error = await rejection(d.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(e);
  });

  // ReadAsync_AfterCanceledChannel_Throws.
  // Adaptation: .NET turns a completion with an OperationCanceledException into a cancelled read;
  // chanasync has no cancelled state for a close: pull rejects ChannelClosedError with the
  // AbortError as cause (SPEC: "ChannelClosedError (whose cause is the reason given to close(reason))").
  it('close with an AbortError reason: pull rejects ChannelClosedError, cause the AbortError', async () => {
    const c = new Channel<number>(capacity);
    const abortError = new DOMException('aborted', 'AbortError');
    c.close(abortError);
    const error = await rejection(c.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(abortError);
  });

  // ReadAsync_Canceled_WriteAsyncCompletesNextReader
  it('five cancelled pulls leave no trace; seven pull/push pairs follow', async () => {
    const c = new Channel<number>(capacity);
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const r = c.pull({ signal: ac.signal });
      ac.abort();
      await expect(r).rejects.toMatchObject({ name: 'AbortError' });
    }
    expect(c.stats().waitingPullers).toBe(0);
    for (let i = 0; i < 7; i++) {
      const r = c.pull();
      await c.push(i);
      expect(await r).toBe(i);
    }
  });

  // SingleProducerConsumer_ConcurrentReadWrite_Success (100000 items → 5000: single thread)
  it('single producer / single consumer keep order', async () => {
    const c = new Channel<number>(capacity);
    const N = 5000;
    const producer = (async () => {
      for (let i = 0; i < N; i++) await c.push(i);
    })();
    const consumer = (async () => {
      for (let i = 0; i < N; i++) expect(await c.pull()).toBe(i);
    })();
    await Promise.all([producer, consumer]);
  });

  // SingleProducerConsumer_PingPong_Success
  it('ping-pong across two channels', async () => {
    const c1 = new Channel<number>(capacity);
    const c2 = new Channel<number>(capacity);
    const N = 2000;
    await Promise.all([
      (async () => {
        for (let i = 0; i < N; i++) {
          expect(await c1.pull()).toBe(i);
          await c2.push(i);
        }
      })(),
      (async () => {
        for (let i = 0; i < N; i++) {
          await c1.push(i);
          expect(await c2.pull()).toBe(i);
        }
      })(),
    ]);
  });

  // ManyProducerConsumer_ConcurrentReadWrite_Success(numReaders, numWriters)
  it.each([
    [1, 1],
    [1, 10],
    [10, 1],
    [10, 10],
  ])('%i readers, %i writers: every value read exactly once', async (numReaders, numWriters) => {
    const c = new Channel<number>(capacity);
    const N = 3000;
    let remaining = N;
    let remainingWriters = numWriters;
    const seen = new Map<number, number>();
    const readers = Array.from({ length: numReaders }, async () => {
      for await (const v of c) seen.set(v, (seen.get(v) ?? 0) + 1);
    });
    const writers = Array.from({ length: numWriters }, async () => {
      while (true) {
        const v = --remaining;
        if (v < 0) break;
        await c.push(v + 1);
      }
      if (--remainingWriters === 0) c.close();
    });
    await Promise.all([...readers, ...writers]);
    expect(seen.size).toBe(N);
    for (const count of seen.values()) expect(count).toBe(1);
  });
});
