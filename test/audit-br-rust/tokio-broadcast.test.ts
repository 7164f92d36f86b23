// Audit BR-peers-c: behaviour checked by tokio's tokio/tests/sync_broadcast.rs, re-expressed
// against chanasync's broadcast(). Mapping: tokio's ring buffer with Lagged errors ~ a
// subscriber with overflow 'drop-oldest' (values are dropped silently, no Lagged count); a
// tokio receiver ~ a subscriber channel; dropping a receiver ~ closing its channel; dropping
// the Sender ~ closing the source. tokio's receiver_count/sender_len have no direct equivalent.
import { broadcast, Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('tokio sync_broadcast.rs', () => {
  // sync_broadcast.rs send_try_recv_bounded
  it('send_try_recv_bounded: a subscriber receives a value, then is empty', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 16 });
    expect(rx.tryPull()).toBeUndefined();
    await src.push('hello');
    await tick();
    expect(rx.tryPull()).toBe('hello');
    expect(rx.tryPull()).toBeUndefined();
    hub.close();
  });

  // sync_broadcast.rs send_two_recv / send_two_recv_bounded
  it('send_two_recv: every subscriber gets every value, in order', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    const rx1 = hub.subscribe({ capacity: 16 });
    const rx2 = hub.subscribe({ capacity: 16 });
    await src.pushAll(['hello', 'world']);
    await tick();
    expect(await rx1.pullMany(10)).toEqual(['hello', 'world']);
    expect(await rx2.pullMany(10)).toEqual(['hello', 'world']);
    hub.close();
  });

  // sync_broadcast.rs send_recv_bounded: a parked recv is woken by a send
  it('send_recv_bounded: parked subscriber pull is served', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe();
    const p = rx.pull();
    await src.push('hello');
    expect(await p).toBe('hello');
    hub.close();
  });

  // sync_broadcast.rs send_slow_rx / change_tasks: with 'block' subscribers the slowest paces
  // (tokio never blocks the sender but lags the slow one; chanasync SPEC: "with 'block'
  // subscribers the broadcast takes the next value from source only when every subscriber has
  // room (the slowest sets the pace)").
  it('send_slow_rx: a slow block subscriber paces; nobody loses a value', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const fast = hub.subscribe({ capacity: 1 });
    const slow = hub.subscribe({ capacity: 1 });
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await src.push(i);
      src.close();
    })();
    const fastGot: number[] = [];
    const slowGot: number[] = [];
    const fastDone = (async () => {
      for await (const v of fast) fastGot.push(v);
    })();
    for await (const v of slow) {
      slowGot.push(v);
      await tick();
    }
    await Promise.all([producer, fastDone]);
    const all = Array.from({ length: 50 }, (_, i) => i);
    expect(fastGot).toEqual(all);
    expect(slowGot).toEqual(all);
  });

  // sync_broadcast.rs drop_rx_while_values_remain: a receiver leaving with values buffered does
  // not disturb the others.
  it('drop_rx_while_values_remain: closing subscribers with buffered values', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    const rx1 = hub.subscribe({ capacity: 16 });
    const rx2 = hub.subscribe({ capacity: 16 });
    await src.pushAll(['one', 'two']);
    await tick();
    expect(rx1.tryPull()).toBe('one');
    expect(rx2.tryPull()).toBe('one');
    rx2.close();
    await src.push('three');
    await tick();
    expect(rx1.tryPull()).toBe('two');
    expect(rx1.tryPull()).toBe('three');
    // the closed subscriber keeps what it had, gets nothing new
    expect(rx2.tryPull()).toBe('two');
    expect(rx2.tryPull()).toBeUndefined();
    rx1.close();
    hub.close();
  });

  // sync_broadcast.rs lagging_rx: adapted; the lagging receiver is a 'drop-oldest' subscriber of
  // capacity 2, the other a 'block' one (it must read so the broadcast can proceed).
  it('lagging_rx ~ drop-oldest subscriber keeps the newest values, no lag error', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    const rx1 = hub.subscribe({ capacity: 2 });
    const rx2 = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    await src.pushAll(['one', 'two']);
    await tick();
    expect(rx1.tryPull()).toBe('one');
    await src.push('three');
    await tick();
    // tokio: try_recv -> Lagged(1), then "two". chanasync: "one" was dropped silently.
    expect(rx2.tryPull()).toBe('two');
    expect(rx1.tryPull()).toBe('two');
    expect(rx1.tryPull()).toBe('three');
    await src.pushAll(['four', 'five']);
    await tick();
    expect(rx1.pullNowait()).toBe('four');
    expect(rx1.pullNowait()).toBe('five');
    await src.push('six');
    await tick();
    expect([rx2.tryPull(), rx2.tryPull(), rx2.tryPull()]).toEqual(['five', 'six', undefined]);
    hub.close();
  });

  // sync_broadcast.rs send_no_rx: tokio's send fails with no receiver and the value is gone;
  // chanasync documents the opposite (SPEC: "With no subscriber it pulls nothing: values wait in
  // source"), so a later subscriber receives it.
  it('send_no_rx: with no subscriber values wait in the source', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    await src.push('hello');
    await tick();
    expect(src.size).toBe(1);
    const rx = hub.subscribe({ capacity: 4 });
    await src.push('world');
    await tick();
    expect(await rx.pullMany(4)).toEqual(['hello', 'world']);
    hub.close();
  });

  // sync_broadcast.rs dropping_tx_notifies_rx: closing the source closes every subscriber
  it('dropping_tx_notifies_rx: parked subscriber pulls reject once the source closes', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    const rx1 = hub.subscribe();
    const rx2 = hub.subscribe();
    const p1 = rx1.pull();
    const p2 = rx2.pull();
    src.close();
    await expect(p1).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(p2).rejects.toBeInstanceOf(ChannelClosedError);
    expect(rx1.closed && rx2.closed).toBe(true);
    void hub;
  });

  // sync_broadcast.rs dropping_sender_does_not_overwrite / single_capacity_recvs_after_drop_*:
  // values sent before the sender is gone are still received, then Closed
  it('dropping_sender_does_not_overwrite: values before source close stay readable', async () => {
    const src = new Channel<string>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 2 });
    await src.pushAll(['hello', 'world']);
    src.close('done');
    await tick();
    expect(await rx.pull()).toBe('hello');
    expect(await rx.pull()).toBe('world');
    const err = await rx.pull().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as Error).cause).toBe('done');
    void hub;
  });

  // sync_broadcast.rs single_capacity_recvs
  it('single_capacity_recvs: capacity 1 block subscriber receives each value', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 1 });
    const producer = src.pushAll([1, 2, 3]);
    expect(await rx.pull()).toBe(1);
    expect(await rx.pull()).toBe(2);
    expect(await rx.pull()).toBe(3);
    await producer;
    hub.close();
  });

  // sync_broadcast.rs lagging_receiver_recovers_after_wrap_closed_1 / _2
  it('lagging_receiver_recovers_after_wrap_closed: drop-oldest subscriber gets newest, then closed', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3]);
    src.close();
    await tick();
    expect(await rx.pull()).toBe(2);
    expect(await rx.pull()).toBe(3);
    await expect(rx.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    void hub;
  });

  // sync_broadcast.rs lagging_receiver_recovers_after_wrap_open
  it('lagging_receiver_recovers_after_wrap_open: keeps receiving after a lag', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3]);
    await tick();
    expect(rx.pullNowait()).toBe(2);
    expect(rx.pullNowait()).toBe(3);
    await src.push(4);
    await tick();
    expect(rx.pullNowait()).toBe(4);
    hub.close();
  });

  // sync_broadcast.rs receiver_len_with_lagged: len never exceeds capacity
  it('receiver_len_with_lagged ~ drop-oldest subscriber size stays at its capacity', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 3, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3, 4, 5, 6, 7]);
    await tick();
    expect(rx.size).toBe(3);
    expect(await rx.pullMany(10)).toEqual([5, 6, 7]);
    hub.close();
  });

  // sync_broadcast.rs resubscribe_points_to_tail: a new subscriber starts with later values
  it('resubscribe_points_to_tail: a late subscriber sees only later values', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 8 });
    await src.pushAll([1, 2]);
    await tick();
    const late = hub.subscribe({ capacity: 8 });
    await src.push(3);
    await tick();
    expect(await rx.pullMany(8)).toEqual([1, 2, 3]);
    expect(await late.pullMany(8)).toEqual([3]);
    hub.close();
  });

  // sync_broadcast.rs resubscribe_to_closed_channel
  it('resubscribe_to_closed_channel: subscribe after the end gives a closed channel', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe();
    src.close('over');
    await expect(rx.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    const err = await late.pull().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as Error).cause).toBe('over');
  });

  // sync_broadcast.rs broadcast_sender_closed: tokio's Sender::closed resolves when every
  // receiver is gone. chanasync: when the last subscriber leaves, the broadcast stops pulling
  // (README "When the last subscriber leaves, the broadcast stops pulling") — observable as no
  // parked pull left on the source and values waiting there.
  it('broadcast_sender_closed ~ last subscriber leaving stops pulling; no waiter left on source', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const rx1 = hub.subscribe();
    const rx2 = hub.subscribe();
    await tick();
    rx1.close();
    rx2.close();
    await tick();
    expect(src.stats().waitingPullers).toBe(0);
    const p = src.push(1);
    await tick();
    expect(src.stats().waitingPushers).toBe(1);
    expect(src.tryPull()).toBe(1);
    await p;
    hub.close();
  });

  // sync_broadcast.rs broadcast_sender_closed_with_extra_subscribe: subscribe after all left
  it('broadcast_sender_closed_with_extra_subscribe: a new subscriber after all left resumes', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const rx1 = hub.subscribe();
    rx1.close();
    await src.push(1);
    await tick();
    const rx2 = hub.subscribe({ capacity: 4 });
    await src.push(2);
    await tick();
    expect(await rx2.pullMany(4)).toEqual([1, 2]);
    hub.close();
  });

  // sync_broadcast.rs slow_receiver_within_capacity_does_not_lag
  it('slow_receiver_within_capacity_does_not_lag', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 4, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3, 4]);
    await tick();
    expect(await rx.pullMany(10)).toEqual([1, 2, 3, 4]);
    hub.close();
  });

  // sync_broadcast.rs lag_is_per_receiver
  it('lag_is_per_receiver: a reading drop-oldest subscriber does not lag', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const reader = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    const idle = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    const got: number[] = [];
    for (let i = 1; i <= 6; i++) {
      await src.push(i);
      await tick();
      got.push(reader.pullNowait());
    }
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await idle.pullMany(10)).toEqual([5, 6]);
    hub.close();
  });

  // sync_broadcast.rs lag_catch_up_then_lag_again / lag_again_before_reading_retained_messages
  it('lag_catch_up_then_lag_again', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3]);
    await tick();
    expect(rx.pullNowait()).toBe(2);
    await src.pushAll([4, 5, 6]);
    await tick();
    expect(await rx.pullMany(10)).toEqual([5, 6]);
    hub.close();
  });

  // sync_broadcast.rs single_slot_capacity_lag_semantics
  it('single_slot_capacity_lag_semantics: conflated subscriber sees the latest', async () => {
    const src = new Channel<number>(16);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3]);
    await tick();
    expect(rx.pullNowait()).toBe(3);
    expect(rx.tryPull()).toBeUndefined();
    hub.close();
  });

  // a drop-mode subscriber never holds a block subscriber back (SPEC: "a drop-mode subscriber
  // never holds the others back") — tokio's receivers are independent.
  it('a lagging drop-oldest subscriber does not hold back a block subscriber', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const block = hub.subscribe({ capacity: 1 });
    const lag = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const producer = src.pushAll([1, 2, 3, 4, 5]);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await block.pull());
    await producer;
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(lag.tryPull()).toBe(5);
    hub.close();
  });

  // hub.close(): every subscriber closes, the source stays open with its values
  it('broadcast close: subscribers closed, source open and keeps untaken values', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 1 });
    await src.pushAll([1, 2, 3]);
    await tick();
    hub.close();
    expect(rx.closed).toBe(true);
    expect(src.closed).toBe(false);
    const inSub = rx.tryPull();
    const rest = src.size > 0 ? await src.pullMany(10) : [];
    expect([inSub, ...rest]).toEqual([1, 2, 3]);
    expect(src.stats().waitingPullers).toBe(0);
  });

  // subscriber leaving by signal (tokio: drop the receiver)
  it('subscriber leaving by signal: closed, keeps buffered values, others continue', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const ac = new AbortController();
    const leaving = hub.subscribe({ capacity: 4, signal: ac.signal });
    const staying = hub.subscribe({ capacity: 4 });
    await src.push(1);
    await tick();
    ac.abort();
    expect(leaving.closed).toBe(true);
    await src.push(2);
    await tick();
    expect(await leaving.pullMany(4)).toEqual([1]);
    expect(await staying.pullMany(4)).toEqual([1, 2]);
    hub.close();
  });

  // sync_broadcast.rs sender_len / sender_len_random: property-ish randomised check that a block
  // subscriber gets exactly the source's sequence, and a drop-oldest one a suffix-closed subsequence
  it('random interleavings: block gets everything, drop-oldest gets an ordered subsequence ending in the last', async () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 20; round++) {
      const src = new Channel<number>(Math.floor(rand() * 3));
      const hub = broadcast(src);
      const block = hub.subscribe({ capacity: 1 + Math.floor(rand() * 3) });
      const drop = hub.subscribe({ capacity: 1 + Math.floor(rand() * 3), overflow: 'drop-oldest' });
      const n = 30;
      const producer = (async () => {
        for (let i = 0; i < n; i++) await src.push(i);
        src.close();
      })();
      const dropGot: number[] = [];
      const dropDone = (async () => {
        for await (const v of drop) {
          dropGot.push(v);
          if (rand() < 0.5) await tick();
        }
      })();
      const blockGot: number[] = [];
      for await (const v of block) {
        blockGot.push(v);
        if (rand() < 0.3) await tick();
      }
      await Promise.all([producer, dropDone]);
      expect(blockGot).toEqual(Array.from({ length: n }, (_, i) => i));
      for (let i = 1; i < dropGot.length; i++) expect(dropGot[i]).toBeGreaterThan(dropGot[i - 1] as number);
      expect(dropGot.at(-1)).toBe(n - 1);
      hub.close();
    }
  });
});
