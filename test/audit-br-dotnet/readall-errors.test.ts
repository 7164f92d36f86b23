// Audit BR-peers-e: .NET tests/ChannelTestBase.netcoreapp.cs (ReadAllAsync ≈ for await / the
// async iterator) and tests/ChannelClosedExceptionTests.cs (≈ ChannelClosedError), plus the
// cancellation races .NET's ReadAsync/WriteAsync tests probe.
import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, track } from './helpers.js';

describe('ChannelTestBase.netcoreapp: ReadAllAsync ≈ [Symbol.asyncIterator]', () => {
  // ReadAllAsync_NotIdempotent
  it('each call gives a new iterator', () => {
    const c = new Channel<number>(1);
    expect(c[Symbol.asyncIterator]()).not.toBe(c[Symbol.asyncIterator]());
  });

  // ReadAllAsync_UseMoveNextAsyncAfterCompleted_ReturnsFalse(completeWhilePending: false/true)
  it.each([false, true])('next() after close is done, and stays done (close while pending: %s)', async (pending) => {
    const c = new Channel<number>(1);
    const it = c[Symbol.asyncIterator]();
    let first: Promise<IteratorResult<number>>;
    if (pending) {
      first = it.next();
      await flush();
      c.close();
    } else {
      c.close();
      first = it.next();
    }
    expect((await first).done).toBe(true);
    expect((await it.next()).done).toBe(true);
  });

  // ReadAllAsync_AvailableDataCompletesSynchronously / _UnavailableDataCompletesAsynchronously
  it('values available and values arriving later are both yielded in order', async () => {
    const c = new Channel<number>(1);
    const it = c[Symbol.asyncIterator]();
    for (let i = 100; i < 105; i++) {
      expect(c.tryPush(i)).toBe(true);
      expect(await it.next()).toEqual({ done: false, value: i });
    }
    for (let i = 105; i < 110; i++) {
      const n = track(it.next());
      await flush();
      expect(n.state.status).toBe('pending');
      setTimeout(() => c.tryPush(i), 0);
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(n.state).toEqual({ status: 'fulfilled', value: { done: false, value: i } });
    }
    await it.return?.();
  });

  // ReadAllAsync_ProducerConsumer_ConsumesAllData(0, 1, 128)
  it.each([0, 1, 128])('producer/consumer through for await, %i items', async (items) => {
    const c = new Channel<number>(1);
    let produced = 0;
    let consumed = 0;
    await Promise.all([
      (async () => {
        for (let i = 0; i < items; i++) {
          await c.push(i);
          produced += i;
        }
        c.close();
      })(),
      (async () => {
        for await (const v of c) consumed += v;
      })(),
    ]);
    expect(consumed).toBe(produced);
  });

  // ReadAllAsync_MultipleSingleElementEnumerations_AllItemsEnumerated(sameEnumerable, dispose)
  it.each([false, true])('one value per fresh iterator, each left with break (return: %s)', async (dispose) => {
    const c = new Channel<number>(1);
    for (let i = 0; i < 10; i++) {
      expect(c.tryPush(i)).toBe(true);
      const it = c[Symbol.asyncIterator]();
      expect(await it.next()).toEqual({ done: false, value: i });
      if (dispose) expect((await it.return!()).done).toBe(true);
    }
    expect(c.closed).toBe(false); // SPEC: leaving early does not close the channel
  });

  // ReadAllAsync_DualConcurrentEnumeration_AllItemsEnumerated
  it('two concurrent iterators share the values, each exactly once, and both end on close', async () => {
    const c = new Channel<number>(1);
    const e1 = c[Symbol.asyncIterator]();
    const e2 = c[Symbol.asyncIterator]();
    let produced = 0;
    let consumed = 0;
    for (let i = 0; i < 10; i++) {
      const v1 = e1.next();
      const v2 = e2.next();
      await c.push(i);
      produced += i;
      await c.push(i * 2);
      produced += i * 2;
      const [r1, r2] = await Promise.all([v1, v2]);
      expect(r1.done || r2.done).toBe(false);
      consumed += (r1.value as number) + (r2.value as number);
    }
    const v1 = e1.next();
    const v2 = e2.next();
    c.close();
    expect((await v1).done).toBe(true);
    expect((await v2).done).toBe(true);
    expect(consumed).toBe(produced);
  });

  // ReadAllAsync_CanceledAfterMoveNextAsync_Throws.
  // Adaptation: the iterator takes no signal; the way to cancel a pending next() is return()
  // (README: "return() withdraws the pulls its next() calls left parked, which then resolve done").
  it('return() while next() is parked: next resolves done, a later value stays in the channel', async () => {
    const c = new Channel<number>(0);
    const it = c[Symbol.asyncIterator]();
    const pending = it.next();
    await flush();
    await it.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(c.stats().waitingPullers).toBe(0);
    const w = c.push(7);
    expect(await c.pull()).toBe(7);
    await w;
  });

  // Complete_WithException → the iterator: after close(reason) the reason is thrown.
  // Adaptation: .NET's ReadAllAsync is a C# async iterator, finished once it has thrown (a later
  // MoveNextAsync answers false), as a JS async generator would answer { done: true }. chanasync's
  // iterator is no generator: each next() is a pull on a closed, drained channel, and throws the
  // reason again — as Go's receive on a closed channel answers the same every time. README
  // Reference: "An iterator that pulls until the channel is closed and drained, then ends — or
  // throws the reason"; it does not finish the iterator for good (return() "stays usable" too).
  it('after close(reason) the iterator throws the reason, and again on a later next()', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(1);
    const reason = new Error('producer failed');
    c.close(reason);
    const it = c[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 1 });
    expect(await rejection(it.next())).toBe(reason);
    expect(await rejection(it.next())).toBe(reason);
  });
});

describe('ChannelClosedExceptionTests ≈ ChannelClosedError', () => {
  // Ctors
  it('constructor: message names operation and channel, cause and channel are kept', () => {
    const c = new Channel<number>(0, { name: 'jobs' });
    const inner = new TypeError('format');
    const e = new ChannelClosedError('push', 'is closed', c, inner);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ChannelClosedError');
    expect(e.message).toContain('push');
    expect(e.message).toContain('jobs');
    expect(e.cause).toBe(inner);
    expect(e.channel).toBe(c);
    const bare = new ChannelClosedError('pull', 'is closed', c);
    expect(bare.message.length).toBeGreaterThan(0);
    expect(bare.cause).toBeUndefined();
  });

  it('errors thrown by the channel name the call and the channel', async () => {
    const c = new Channel<number>(1, { name: 'orders' });
    c.close();
    const e = (await rejection(c.push(1))) as ChannelClosedError;
    expect(e.message).toBe('push: channel "orders" is closed');
    expect(e.channel).toBe(c);
    expect(() => c.pullNowait()).toThrow('pullNowait: channel "orders" is closed');
  });
});

describe('cancellation racing with a value (ReadAsync_Canceled_* / CancelPendingWrite_*)', () => {
  it('a value committed to a parked pull wins over an abort in the same tick', async () => {
    const c = new Channel<number>(0);
    const ac = new AbortController();
    const r = c.pull({ signal: ac.signal });
    await flush();
    const w = c.push(1); // commits synchronously to the parked pull
    ac.abort(new Error('too late'));
    expect(await r).toBe(1);
    await w;
  });

  it('an abort before the value arrives wins: the value goes to the next reader', async () => {
    const c = new Channel<number>(0);
    const ac = new AbortController();
    const r1 = c.pull({ signal: ac.signal });
    const r2 = c.pull();
    ac.abort(new Error('first gone'));
    const w = c.push(1);
    await expect(r1).rejects.toThrow('first gone');
    expect(await r2).toBe(1);
    await w;
  });

  it('a parked push committed by a pull wins over its abort in the same tick', async () => {
    const c = new Channel<number>(0);
    const ac = new AbortController();
    const w = c.push(5, { signal: ac.signal });
    await flush();
    expect(c.tryPull()).toBe(5);
    ac.abort();
    await expect(w).resolves.toBeUndefined();
  });

  it('one controller aborting 100 parked pulls then a push: the value is not lost', async () => {
    const c = new Channel<number>(1);
    const ac = new AbortController();
    const pulls = Array.from({ length: 100 }, () => track(c.pull({ signal: ac.signal })));
    await flush();
    ac.abort();
    c.pushNowait(9);
    await flush();
    await flush();
    for (const p of pulls) {
      expect(p.settlements).toBe(1);
      expect(p.state.status).toBe('rejected');
    }
    expect(c.tryPull()).toBe(9);
  });

  it('pullMany aborted before the commit takes nothing; pushAll closed part-way reports pushed', async () => {
    const c = new Channel<number>(2);
    const ac = new AbortController();
    const many = c.pullMany(10, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(many).rejects.toThrow('stop');
    const all = c.pushAll([1, 2, 3, 4]);
    await flush();
    c.close();
    const e = (await rejection(all)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(2);
    expect(await c.pullMany(10)).toEqual([1, 2]);
  });
});
