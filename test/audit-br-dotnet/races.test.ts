// Audit BR-peers-e: cancellation racing with a value arriving, for the batch operations and
// select (the .NET peer's ReadAsync_Canceled_* / CancelPendingWrite_* / WaitToWriteAsync_* tests,
// carried over to chanasync's pullMany, pushAll and select).
import { Channel, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, track } from './helpers.js';

describe('cancellation racing with a value, batch operations and select', () => {
  // ReadAsync_Canceled_* with pullMany: the commit wins over an abort in the same tick.
  it('pullMany committed by a push, then aborted in the same tick, keeps its value', async () => {
    const c = new Channel<number>(4);
    const ac = new AbortController();
    const many = c.pullMany(3, { signal: ac.signal });
    await flush();
    c.pushNowait(1);
    c.pushNowait(2);
    ac.abort();
    expect(await many).toEqual([1]);
    expect(c.tryPull()).toBe(2);
  });

  // CancelPendingWrite_Reading_DataTransferredFromCorrectWriter with pushAll.
  it('pushAll aborted while parked reports how many it pushed; the rest never arrive', async () => {
    const c = new Channel<number>(1);
    const ac = new AbortController();
    const all = c.pushAll([1, 2, 3, 4], { signal: ac.signal });
    await flush();
    expect(c.tryPull()).toBe(1); // 2 moves into the buffer
    await flush();
    ac.abort(new Error('enough'));
    const e = (await rejection(all)) as Error & { pushed?: number };
    expect(e.message).toBe('enough');
    expect(e.pushed).toBe(2);
    expect(c.tryPull()).toBe(2);
    expect(c.tryPull()).toBeUndefined();
    expect(c.stats().waitingPushers).toBe(0);
  });

  // RendezvousChannelTests WaitToWriteAsync_AfterRead: a select parked with a push and a pull case
  // on the same rendezvous channel is matched by an outside pull, then by an outside push — never by itself.
  it('a select with push and pull cases on one rendezvous channel is matched from outside only', async () => {
    const c = new Channel<number>(0);
    const s1 = track(select([pull(c), push(c, 10)]));
    await flush();
    expect(s1.state.status).toBe('pending');
    expect(await c.pull()).toBe(10);
    await flush();
    expect(s1.state).toMatchObject({ status: 'fulfilled', value: { index: 1 } });
    const s2 = track(select([pull(c), push(c, 11)]));
    await flush();
    await c.push(12);
    await flush();
    expect(s2.state).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 12, ok: true } });
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // ReadAsync_Canceled_WriteAsyncCompletesNextReader with select: the abort wins when it comes first.
  it('a select aborted before a push arrives leaves the value for the next reader', async () => {
    const c = new Channel<number>(0);
    const ac = new AbortController();
    const s = select([pull(c)], { signal: ac.signal });
    const r = c.pull();
    ac.abort();
    const w = c.push(3);
    await expect(s).rejects.toMatchObject({ name: 'AbortError' });
    expect(await r).toBe(3);
    await w;
  });

  // A select committed by a push and aborted in the same tick keeps the value.
  it('a select committed by a push, then aborted in the same tick, resolves with the value', async () => {
    const c = new Channel<number>(0);
    const ac = new AbortController();
    const s = select([pull(c)], { signal: ac.signal });
    await flush();
    expect(c.tryPush(8)).toBe(true);
    ac.abort();
    expect(await s).toMatchObject({ index: 0, value: 8, ok: true });
  });
});
