// Audit BR-peers-e: .NET's WaitToReadAsync / WaitToWriteAsync tests (ChannelTestBase.cs,
// BoundedChannelTests.cs, RendezvousChannelTests.cs) mapped onto chanasync's `select` — the
// closest it has to "wait until an operation can proceed" — and the close-with-many-waiters area.
// Adaptation: chanasync has no non-consuming wait (README Reference: no waitToRead/waitToWrite);
// a select commits the case it resolves with, so these tests check that it committed exactly one.
import { Channel, ChannelClosedError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, track } from './helpers.js';

describe('WaitToReadAsync / WaitToWriteAsync ≈ select', () => {
  // WaitToReadAsync_DataAvailableAfter_CompletesAsynchronously / TryWrite_NoBlockedReaders_WaitingReader_WaiterNotified
  it('a select parked on a pull case is woken by tryPush and gets that value', async () => {
    const c = new Channel<number>(1);
    const s = track(select([pull(c)]));
    await flush();
    expect(s.state.status).toBe('pending');
    expect(c.tryPush(42)).toBe(true);
    await flush();
    expect(s.state).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 42, ok: true } });
    expect(c.size).toBe(0);
  });

  // WaitToReadAsync_AfterComplete_SynchronouslyCompletes / _BeforeComplete_AsynchronouslyCompletes:
  // .NET answers false; chanasync's pull case fires with ok false (SPEC select).
  it.each([false, true])('a pull case on a closed channel fires with ok false (closed before: %s)', async (before) => {
    const c = new Channel<number>(1);
    if (before) c.close();
    const s = select([pull(c)]);
    if (!before) c.close();
    expect(await s).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  // WaitToWriteAsync_AfterComplete_SynchronouslyCompletes / Complete_WithException_PropagatesToNewWaitingWriter
  it('a push case on a closed channel rejects with ChannelClosedError carrying the reason', async () => {
    const c = new Channel<number>(1);
    const reason = new Error('format');
    c.close(reason);
    const e = await rejection(select([push(c, 1)]));
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBe(reason);
  });

  // WaitToWriteAsync_AfterFullThenRead_ReturnsTrue / Rendezvous WaitToWriteAsync_AfterRead_ReturnsTrue
  it('two selects parked on push cases of a full channel: one pull frees one slot, one select fires', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(1);
    const s1 = track(select([push(c, 2)]));
    const s2 = track(select([push(c, 3)]));
    await flush();
    expect(await c.pull()).toBe(1);
    await flush();
    expect(s1.state.status).toBe('fulfilled');
    expect(s2.state.status).toBe('pending');
    expect(await c.pull()).toBe(2);
    await flush();
    expect(s2.state.status).toBe('fulfilled');
    expect(await c.pull()).toBe(3);
  });

  // WaitToWriteAsync_ManyConcurrent_SatisifedByReaders (rendezvous): 100 push selects, 100 pulls.
  it('100 selects parked on a rendezvous push case are all matched by 100 pulls, in order', async () => {
    const c = new Channel<number>(0);
    const writers = Array.from({ length: 100 }, (_, i) => select([push(c, i)]));
    const readers = Array.from({ length: 100 }, () => c.pull());
    await Promise.all(writers);
    expect(await Promise.all(readers)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // WaitToReadAsync_NoDataWritten_Canceled_CompletesAsCanceled
  it('an aborted select rejects with the reason and leaves no waiter on any of its channels', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(1);
    const ac = new AbortController();
    const s = select([pull(a), pull(b), push(a, 5)], { signal: ac.signal });
    await flush();
    expect(a.stats().waitingPullers + a.stats().waitingPushers + b.stats().waitingPullers).toBe(3);
    ac.abort(new Error('cancel'));
    await expect(s).rejects.toThrow('cancel');
    expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(b.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(b.tryPush(1)).toBe(true);
    expect(b.tryPull()).toBe(1);
  });
});

describe('close while many operations wait (ChannelTestBase Complete_* scaled up)', () => {
  it('close(reason) with 30 parked pulls, 10 parked selects and 5 parked iterators: each settles once', async () => {
    const c = new Channel<number>(0);
    const reason = new Error('down');
    const pulls = Array.from({ length: 30 }, () => track(c.pull()));
    const selects = Array.from({ length: 10 }, () => track(select([pull(c)])));
    const iters = Array.from({ length: 5 }, () => track(c[Symbol.asyncIterator]().next()));
    await flush();
    expect(c.stats().waitingPullers).toBe(45);
    c.close(reason);
    await flush();
    await flush();
    for (const p of pulls) {
      expect(p.settlements).toBe(1);
      expect(p.state.status).toBe('rejected');
      if (p.state.status === 'rejected') expect((p.state.reason as Error).cause).toBe(reason);
    }
    for (const s of selects) expect(s.state).toMatchObject({ status: 'fulfilled', value: { ok: false } });
    for (const i of iters) expect(i.state).toEqual({ status: 'rejected', reason });
    expect(c.stats().waitingPullers).toBe(0);
  });

  it('a select with a pull case on one channel and a push case on another closing: rejects, consumes nothing', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(0);
    const s = select([pull(a), push(b, 1)]);
    await flush();
    b.close();
    await expect(s).rejects.toBeInstanceOf(ChannelClosedError);
    expect(a.stats().waitingPullers).toBe(0);
    expect(a.tryPush(7)).toBe(true);
    expect(a.tryPull()).toBe(7);
  });

  it('pushAll parked on a full channel, closed part-way: pushed counts only committed values', async () => {
    const c = new Channel<number>(1);
    const all = c.pushAll([1, 2, 3]);
    await flush();
    expect(c.tryPull()).toBe(1); // 2 moves in
    await flush();
    c.close('stop');
    const e = (await rejection(all)) as ChannelClosedError;
    expect(e.pushed).toBe(2);
    expect(e.cause).toBe('stop');
    expect(c.tryPull()).toBe(2);
    expect(c.tryPull()).toBeUndefined();
  });

  it('pushAll into a drop-newest channel resolves and keeps the first capacity values', async () => {
    const c = new Channel<number>(2, { overflow: 'drop-newest' });
    await c.pushAll([1, 2, 3, 4, 5]);
    expect(await c.pullMany(10)).toEqual([1, 2]);
    const d = new Channel<number>(2, { overflow: 'drop-oldest' });
    await d.pushAll([1, 2, 3, 4, 5]);
    expect(await d.pullMany(10)).toEqual([4, 5]);
  });

  it('pullMany on a rendezvous takes several parked pushes in one commit, each push resolving', async () => {
    const c = new Channel<number>(0);
    const ws = [1, 2, 3, 4].map((v) => track(c.push(v)));
    await flush();
    expect(await c.pullMany(3)).toEqual([1, 2, 3]);
    await flush();
    expect(ws.map((w) => w.state.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'pending']);
    expect(c.tryPull()).toBe(4);
  });

  it('an iterator whose return() withdrew its pull stays usable', async () => {
    const c = new Channel<number>(1);
    const it = c[Symbol.asyncIterator]();
    const n = it.next();
    await it.return!();
    expect((await n).done).toBe(true);
    c.pushNowait(3);
    expect(await it.next()).toEqual({ done: false, value: 3 });
  });
});
