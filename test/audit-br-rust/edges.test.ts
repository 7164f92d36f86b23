// Audit BR-peers-c: edge cases derived from the peers' close/cancel tests (async-channel
// close_wakes_*, tokio sync_mpsc.rs recv_close_gets_none_reserved / ready_close_cancel_bounded /
// cancelled_reserve_wakes_closed_receiver, sync_broadcast.rs broadcast_sender_closed), probing
// waiters and listeners left behind.
import { broadcast, Channel, ChannelClosedError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('close and cancel edges', () => {
  // tokio sync_mpsc.rs cancelled_reserve_wakes_closed_receiver: a cancelled waiting sender lets
  // the closed receiver finish. chanasync: an aborted parked pullMany leaves no waiter and takes nothing.
  it('aborted parked pullMany takes nothing and leaves no waiter', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const p = ch.pullMany(5, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toBe(ac.signal.reason);
    expect(ch.stats().waitingPullers).toBe(0);
    ch.pushNowait(1);
    expect(ch.pullNowait()).toBe(1);
  });

  // tokio sync_mpsc.rs recv_close_gets_none_reserved with several parked senders: all fail, FIFO
  it('close fails every parked sender; the buffer keeps only committed values', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(0);
    const parked = [1, 2, 3].map((v) => ch.push(v));
    ch.close();
    const results = await Promise.allSettled(parked);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ChannelClosedError)).toBe(true);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(await ch.pullMany(10)).toEqual([0]);
  });

  // tokio: a sender blocked in send on a rendezvous (cap 0) is failed by close
  it('unbuffered: close fails a parked sender and a parked receiver', async () => {
    const a = new Channel<number>(0);
    const s = a.push(1);
    a.close();
    await expect(s).rejects.toBeInstanceOf(ChannelClosedError);
    const b = new Channel<number>(0);
    const r = b.pull();
    b.close();
    await expect(r).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // tokio sync_mpsc.rs send_recv_buffer_limited applied to pushAll: partial commit reported
  it('pushAll stopped by close reports how many were committed', async () => {
    const ch = new Channel<number>(2);
    const p = ch.pushAll([1, 2, 3, 4]);
    await tick();
    ch.close();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as ChannelClosedError).pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  // async-channel mpmc with cancellation: aborting a random half of parked pulls loses nothing
  it('aborted parked pulls between live ones lose and duplicate nothing', async () => {
    const ch = new Channel<number>(0);
    const acs = Array.from({ length: 10 }, () => new AbortController());
    const pulls = acs.map((ac) => ch.pull({ signal: ac.signal }));
    for (let i = 0; i < 10; i += 2) acs[i]?.abort();
    const pushes = [0, 1, 2, 3, 4].map((v) => ch.push(v));
    await Promise.all(pushes);
    const results = await Promise.allSettled(pulls);
    const got = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  // tokio select! over recv with a closed channel: select pull case fires with ok:false
  it('select pull case on closed drained channel fires ok:false', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close();
    const r1 = await select([pull(ch)]);
    expect([r1.value, r1.ok]).toEqual([1, true]);
    const r2 = await select([pull(ch)]);
    expect(r2.ok).toBe(false);
  });

  // tokio select! with a send branch on a closed channel: SPEC rejects deterministically
  it('select push case on a channel closed while waiting rejects; other case untouched', async () => {
    const full = new Channel<number>(1);
    full.pushNowait(0);
    const other = new Channel<number>(0);
    const p = select([push(full, 1), pull(other)]);
    full.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(other.stats().waitingPullers).toBe(0);
    expect(full.pullNowait()).toBe(0);
  });

  // async-channel force_send ~ 'drop-newest': a full channel discards the pushed value
  it('drop-newest keeps the oldest; push resolves; size never exceeds capacity', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4]);
    expect(ch.size).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  // drop-oldest with a parked puller hands the value over directly (README "A drop mode hands a
  // value straight to a parked pull before it would drop anything")
  it('drop-oldest hands to a parked pull first', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    const p = ch.pull();
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await p).toBe(1);
    expect(ch.pullNowait()).toBe(2);
  });

  // tokio sync_broadcast.rs broadcast_sender_closed + hub.close while a producer waits on source
  it('hub.close while a producer is parked on an unbuffered source: value stays with the producer', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 1 });
    await src.push(1); // taken into rx
    const p = src.push(2); // rx full: waits
    await tick();
    hub.close();
    expect(rx.tryPull()).toBe(1);
    expect(rx.tryPull()).toBeUndefined();
    expect(src.stats().waitingPullers).toBe(0);
    expect(src.tryPull()).toBe(2);
    await p;
  });

  // tokio sync_broadcast.rs dropping_tx_notifies_rx while a block subscriber is full
  it('source closed while a block subscriber is full closes it at once; values stay', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 1 });
    await src.push(1);
    await tick();
    src.close('end');
    await tick();
    expect(rx.closed).toBe(true);
    expect(await rx.pull()).toBe(1);
    await expect(rx.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    void hub;
  });

  // tokio sync_broadcast.rs zero_capacity panics; chanasync: a capacity-0 'block' subscriber is
  // served only to a parked pull
  it('capacity-0 block subscriber: the broadcast delivers to parked pulls only', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 0 });
    await src.pushAll([1, 2]);
    await tick();
    expect(rx.tryPull()).toBeUndefined();
    expect(await rx.pull()).toBe(1);
    expect(await rx.pull()).toBe(2);
    hub.close();
  });

  // async-channel recv with many concurrent for-await iterators leaving early: no value lost
  it('leaving a for await early loses no value and does not close', async () => {
    const ch = new Channel<number>(4);
    await ch.pushAll([1, 2, 3, 4]);
    for await (const v of ch) {
      expect(v).toBe(1);
      break;
    }
    expect(ch.closed).toBe(false);
    expect(await ch.pullMany(10)).toEqual([2, 3, 4]);
  });

  // tokio SendError/TryRecvError Display: errors name the operation and the channel
  it('errors name the operation and the channel (SPEC Errors)', async () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    ch.close();
    const e1 = await ch.push(1).catch((e: unknown) => e);
    expect((e1 as Error).message).toContain('push');
    expect((e1 as Error).message).toContain('"jobs"');
    expect((e1 as ChannelClosedError).channel).toBe(ch);
    const e2 = await ch.pullMany(3).catch((e: unknown) => e);
    expect((e2 as Error).name).toBe('ChannelClosedError');
    expect((e2 as Error).message).toContain('pullMany');
  });
});
