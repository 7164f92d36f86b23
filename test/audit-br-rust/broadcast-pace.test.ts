// Audit BR-peers-c: tokio sync_broadcast.rs change_tasks / send_slow_rx / drop_rx_while_values_remain
// / resubscribe_points_to_tail, in the situations where a chanasync 'block' subscriber holds the
// broadcast back (tokio has no backpressure: its slow receiver lags instead).
import { broadcast, Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('broadcast pace and leaving', () => {
  // drop_rx_while_values_remain: the slow receiver leaving releases the others
  it('closing a full block subscriber lets the broadcast continue for the others', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 1 });
    const producer = src.pushAll([1, 2, 3]);
    expect(await fast.pull()).toBe(1);
    await tick();
    expect(fast.tryPull()).toBeUndefined(); // held back by slow
    slow.close();
    expect(await fast.pull()).toBe(2);
    expect(await fast.pull()).toBe(3);
    await producer;
    expect(slow.tryPull()).toBe(1);
    hub.close();
  });

  it('aborting a full block subscriber lets the broadcast continue', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const ac = new AbortController();
    const slow = hub.subscribe({ capacity: 1, signal: ac.signal });
    const fast = hub.subscribe({ capacity: 1 });
    const producer = src.pushAll([1, 2, 3]);
    expect(await fast.pull()).toBe(1);
    ac.abort();
    expect(await fast.pull()).toBe(2);
    expect(await fast.pull()).toBe(3);
    await producer;
    expect(slow.closed).toBe(true);
    hub.close();
  });

  // resubscribe_points_to_tail while held back: a value not yet pulled from the source goes to a
  // subscriber that joins before it is pulled (SPEC: "receives every value pulled after it subscribed")
  it('a subscriber joining while the broadcast is held back receives the next value', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const producer = src.pushAll([1, 2]);
    await tick();
    const b = hub.subscribe({ capacity: 1 });
    expect(await a.pull()).toBe(1);
    expect(await a.pull()).toBe(2);
    expect(await b.pull()).toBe(2);
    await producer;
    hub.close();
  });

  // change_tasks: pullMany on a subscriber takes what is buffered (and refilled)
  it('pullMany on a subscriber takes buffered values in order', async () => {
    const src = new Channel<number>(8);
    const hub = broadcast(src);
    const rx = hub.subscribe({ capacity: 3 });
    await src.pushAll([1, 2, 3, 4, 5]);
    await tick();
    const got: number[] = [];
    while (got.length < 5) got.push(...(await rx.pullMany(10)));
    expect(got).toEqual([1, 2, 3, 4, 5]);
    hub.close();
  });

  // broadcast_sender_closed over a drop-oldest source: the conflated source's newest value
  it('drop-oldest source with no subscriber keeps the newest for the first subscriber', async () => {
    const src = new Channel<number>(1, { overflow: 'drop-oldest' });
    const hub = broadcast(src);
    src.pushNowait(1);
    src.pushNowait(2);
    const rx = hub.subscribe();
    expect(await rx.pull()).toBe(2);
    hub.close();
  });

  // send_slow_rx with the source closing while the slow block subscriber is full and a fast
  // subscriber waits: everything pulled before is delivered, then both close
  it('source close while held back: everything pulled reaches both, then closed', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 4 });
    await src.pushAll([1, 2, 3]);
    src.close();
    const fastGot: number[] = [];
    for await (const v of fast) {
      fastGot.push(v);
      if (fastGot.length === 1) {
        const slowGot: number[] = [];
        for await (const w of slow) slowGot.push(w);
        expect(slowGot).toEqual([1, 2, 3]);
      }
    }
    expect(fastGot).toEqual([1, 2, 3]);
    await expect(slow.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});
