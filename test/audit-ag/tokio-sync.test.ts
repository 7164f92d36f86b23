/**
 * Audit AG: tokio's channel tests (Rust), translated to chanasync.
 * Sources (https://github.com/tokio-rs/tokio/blob/master/…): tokio/tests/sync_mpsc.rs,
 * tokio/tests/sync_broadcast.rs, tokio/tests/sync_watch.rs, tokio/tests/sync_oneshot.rs.
 *
 * Mapping:
 * - `mpsc::channel(n)` ≈ `new Channel(n)`, `unbounded_channel()` ≈ `new Channel(Infinity)`;
 *   `send().await` ≈ `push`, `try_send` ≈ `pushNowait`/`tryPush`, `recv().await` ≈ `pull`
 *   (`None` ≈ ChannelClosedError), `try_recv` ≈ `pullNowait`, `recv_many(buf, n)` ≈
 *   `pullMany(n)`, `send_timeout` ≈ `push` with `AbortSignal.timeout`; dropping every sender
 *   and `rx.close()` both ≈ `close()` (buffered values stay readable, as in tokio's
 *   `rx.close()`). Permits (`reserve`) have no counterpart and are left out.
 * - `broadcast::channel(n)` ≈ a source `Channel(Infinity)` (tokio's `send` never waits) fed
 *   into `broadcast(source)`, each receiver a `subscribe({ capacity: n, overflow:
 *   'drop-oldest' })` (tokio keeps the newest n values and a slow receiver loses the oldest:
 *   exactly a drop-oldest buffer). `tx.subscribe()` ≈ `hub.subscribe(...)`; dropping every
 *   sender ≈ `source.close()`.
 * - `watch::channel(init)` ≈ a conflated channel (`Channel(1, { overflow: 'drop-oldest' })`):
 *   `changed().await` then `borrow()` ≈ `pull()` (the latest unseen value); the initial value
 *   counts as seen, so the channel starts empty. Several watch receivers ≈ several conflated
 *   subscribers of a broadcast.
 * - `oneshot::channel()` ≈ `new Channel(1)` used once.
 *
 * Deliberate differences (asserted as chanasync's contract, each marked where it applies):
 * tokio reports `Lagged(n)` to a receiver that lost values, chanasync's drop modes drop
 * silently (the receiver just sees the retained values); tokio's `send` with no receiver fails
 * and discards the value, chanasync's broadcast pulls nothing without a subscriber, so the
 * value waits in the source for the next subscriber; `recv_many(buf, 0)` returns 0, chanasync's
 * `pullMany(0)` is a RangeError and `pullMany` on a closed and drained channel rejects rather
 * than returning 0; dropping the receiver drops the buffered messages in tokio, chanasync's
 * `close()` keeps them readable.
 */

import { broadcast, Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { rejection, settle, sleep, track, until } from './util.js';

const INF = Number.POSITIVE_INFINITY;
const isTimeout = (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError';

describe('tokio tokio/tests/sync_mpsc.rs', () => {
  // send_recv_with_buffer
  it('send_recv_with_buffer', async () => {
    const ch = new Channel<number>(16);
    await ch.push(1);
    ch.pushNowait(2);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // async_send_recv_with_buffer: a spawned sender, receiver awaits both then None.
  it('async_send_recv_with_buffer', async () => {
    const ch = new Channel<number>(16);
    void (async () => {
      await ch.push(1);
      await ch.push(2);
      ch.close();
    })();
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // async_send_recv_many_with_buffer: recv_many(limit 3) collects 1, 2, 7, 0 in order.
  it('async_send_recv_many_with_buffer', async () => {
    const ch = new Channel<number>(2);
    // tokio: recv_many(buf, 0) returns 0. Contract: pullMany(0) is a RangeError.
    await expect(ch.pullMany(0)).rejects.toBeInstanceOf(RangeError);
    const sender = (async () => {
      for (const v of [1, 2, 7, 0]) await ch.push(v);
      ch.close();
    })();
    const buffer: number[] = [];
    while (buffer.length < 4) {
      const got = await ch.pullMany(3);
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThanOrEqual(3);
      buffer.push(...got);
    }
    expect(buffer).toEqual([1, 2, 7, 0]);
    // tokio: 0 once closed and drained. Contract: ChannelClosedError.
    expect(await rejection(ch.pullMany(3))).toBeInstanceOf(ChannelClosedError);
    await sender;
  });

  // send_recv_many_unbounded
  it('send_recv_many_unbounded', async () => {
    const ch = new Channel<number>(INF);
    for (const v of [7, 13, 100, 1002]) ch.pushNowait(v);
    const buffer: number[] = [];
    while (buffer.length < 4) buffer.push(...(await ch.pullMany(1)));
    expect(buffer).toEqual([7, 13, 100, 1002]);
    for (const v of [5, 6, 7, 2]) ch.pushNowait(v);
    expect(await ch.pullMany(32)).toEqual([5, 6, 7, 2]);
    ch.close();
    expect(await rejection(ch.pullMany(4))).toBeInstanceOf(ChannelClosedError);
  });

  // send_recv_many_bounded_capacity: a limit below what is buffered takes exactly the limit;
  // a later call takes the rest; a spawned sender's value arrives; then the end.
  it('send_recv_many_bounded_capacity', async () => {
    const limit = 9;
    const ch = new Channel<string>(100);
    const expected = Array.from({ length: limit }, (_, x) => `${x}`);
    for (const x of expected) await ch.push(x);
    await ch.push('one more');
    expect(await ch.pullMany(limit)).toEqual(expected);
    expect(await ch.pullMany(limit)).toEqual(['one more']);
    setTimeout(() => void ch.push('final').then(() => ch.close()), 1);
    expect(await ch.pullMany(limit)).toEqual(['final']);
    expect(await rejection(ch.pullMany(limit))).toBeInstanceOf(ChannelClosedError);
  });

  // recv_many_with_non_empty_buffer_{bounded,unbounded}_rx_closed_and_idle
  for (const cap of [1, INF]) {
    it(`recv_many_with_non_empty_buffer_${cap === 1 ? 'bounded' : 'unbounded'}_rx_closed_and_idle`, async () => {
      const ch = new Channel<number>(cap);
      ch.close();
      expect(await rejection(ch.pullMany(1))).toBeInstanceOf(ChannelClosedError);
    });
  }

  // start_send_past_cap (reserve → push): two pushes park on a full channel; the first is
  // cancelled, then a recv frees a slot, which goes to the second (the cancelled one leaves
  // no trace); with both senders gone the receiver ends after the values.
  it('start_send_past_cap', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('a');
    const ac = new AbortController();
    const p1 = track(ch.push('b', { signal: ac.signal }));
    const p2 = track(ch.push('c'));
    ac.abort();
    expect(await ch.pull()).toBe('a');
    await settle();
    expect(p1.state).toBe('rejected');
    expect(p2.state).toBe('fulfilled');
    ch.close();
    expect(await ch.pull()).toBe('c');
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // buffer_gteq_one: `mpsc::channel(0)` panics. Contract difference: capacity 0 is a
  // rendezvous channel in chanasync; a negative one is the RangeError.
  it('buffer_gteq_one (contract: 0 is a rendezvous, negative throws)', () => {
    expect(() => new Channel(-1)).toThrow(RangeError);
    expect(new Channel(0).capacity).toBe(0);
  });

  // send_recv_unbounded / async_send_recv_unbounded
  it('send_recv_unbounded', async () => {
    const ch = new Channel<number>(INF);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    ch.close();
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // send_recv_stream_with_buffer / send_recv_stream_unbounded: the receiver as a stream.
  for (const cap of [16, INF]) {
    it(`send_recv_stream_${cap === INF ? 'unbounded' : 'with_buffer'}`, async () => {
      const ch = new Channel<number>(cap);
      void (async () => {
        await ch.push(1);
        await ch.push(2);
        ch.close();
      })();
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      expect(got).toEqual([1, 2]);
    });
  }

  // send_recv_buffer_limited: with a capacity-1 channel full, a second send waits until a
  // recv frees the slot; try_send fails meanwhile.
  it('send_recv_buffer_limited', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const p2 = track(ch.push(2));
    await settle(1);
    expect(p2.state).toBe('pending');
    expect(await ch.pull()).toBe(1);
    await settle(1);
    expect(p2.state).toBe('fulfilled');
    // Here the parked push already took the freed slot (chanasync moves it in at once), so
    // try_send fails, as in tokio where the woken reserve holds the slot.
    expect(() => ch.pushNowait(1337)).toThrow(ChannelFullError);
    expect(await ch.pull()).toBe(2);
  });

  // recv_close_gets_none_idle / tx_close_gets_none
  it('recv_close_gets_none_idle', async () => {
    const ch = new Channel<number>(10);
    ch.close();
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
    expect(await rejection(ch.push(1))).toBeInstanceOf(ChannelClosedError);
  });
  it('tx_close_gets_none', async () => {
    const ch = new Channel<number>(10);
    ch.close();
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // try_send_fail / try_send_fail_with_try_recv
  it('try_send_fail', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('hello');
    expect(() => ch.pushNowait('fail')).toThrow(ChannelFullError);
    expect(await ch.pull()).toBe('hello');
    ch.pushNowait('goodbye');
    ch.close();
    expect(await ch.pull()).toBe('goodbye');
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });
  it('try_send_fail_with_try_recv', () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('hello');
    expect(ch.tryPush('fail')).toBe(false);
    expect(ch.closed).toBe(false); // Full, not Closed
    expect(ch.pullNowait()).toBe('hello');
    ch.pushNowait('goodbye');
    ch.close();
    expect(ch.pullNowait()).toBe('goodbye');
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // dropping_rx_closes_channel(_for_try): senders fail after the receiver goes; tokio also
  // drops the buffered message (strong_count back to 1). Contract difference: close() keeps
  // it readable.
  it('dropping_rx_closes_channel (contract: the buffered message stays readable)', async () => {
    const ch = new Channel<object>(100);
    const msg = {};
    ch.pushNowait(msg);
    ch.close();
    expect(await rejection(ch.push({}))).toBeInstanceOf(ChannelClosedError);
    expect(ch.tryPush({})).toBe(false);
    expect(await ch.pull()).toBe(msg);
  });

  // unconsumed_messages_are_dropped: same difference; values go when pulled.
  it('unconsumed_messages_are_dropped (contract: kept until pulled)', () => {
    const ch = new Channel<object>(100);
    ch.pushNowait({});
    ch.close();
    expect(ch.size).toBe(1);
    ch.pullNowait();
    expect(ch.size).toBe(0);
  });

  // blocking_recv / blocking_send (threads): a value crosses between two async functions.
  it('blocking_recv', async () => {
    const ch = new Channel<number>(1);
    const r = ch.pull();
    await ch.push(10);
    expect(await r).toBe(10);
  });

  // ready_close_cancel_bounded: a receiver closes while a send is parked; the parked send
  // fails, the buffered value is still received, then None.
  it('ready_close_cancel_bounded', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const parked = ch.push(2);
    ch.close();
    expect(await rejection(parked)).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe(1);
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // try_recv_bounded
  it('try_recv_bounded', () => {
    const ch = new Channel<string>(5);
    for (let i = 0; i < 5; i++) ch.pushNowait('hello');
    expect(ch.tryPush('hello')).toBe(false);
    for (let i = 0; i < 5; i++) expect(ch.pullNowait()).toBe('hello');
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    for (let i = 0; i < 4; i++) ch.pushNowait('hello');
    expect(ch.pullNowait()).toBe('hello');
    ch.pushNowait('hello');
    ch.pushNowait('hello');
    expect(ch.tryPush('hello')).toBe(false);
    for (let i = 0; i < 5; i++) expect(ch.pullNowait()).toBe('hello');
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    for (let i = 0; i < 3; i++) ch.pushNowait('hello');
    ch.close();
    for (let i = 0; i < 3; i++) expect(ch.pullNowait()).toBe('hello');
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // try_recv_unbounded: the same without the Full cases, across many values.
  it('try_recv_unbounded', () => {
    const ch = new Channel<number>(INF);
    for (let n = 1; n < 5; n++) {
      for (let i = 0; i < n * 10; i++) ch.pushNowait(i);
      for (let i = 0; i < n * 10; i++) expect(ch.pullNowait()).toBe(i);
      expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    }
    ch.close();
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // try_recv_after_receiver_close: rx.close() with a value buffered: try_recv still yields it.
  it('try_recv_after_receiver_close', () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('hello');
    ch.close();
    expect(ch.pullNowait()).toBe('hello');
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // try_recv_close_while_empty_{bounded,unbounded}
  for (const cap of [5, INF]) {
    it(`try_recv_close_while_empty_${cap === 5 ? 'bounded' : 'unbounded'}`, () => {
      const ch = new Channel<void>(cap);
      expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
      ch.close();
      expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
    });
  }

  // recv_timeout (really send_timeout): five fit, the sixth times out, after the receiver
  // closes the seventh is Closed.
  it('recv_timeout', async () => {
    const ch = new Channel<number>(5);
    for (const v of [10, 20, 30, 40, 50]) await ch.push(v, { signal: AbortSignal.timeout(1000) });
    expect(isTimeout(await rejection(ch.push(60, { signal: AbortSignal.timeout(20) })))).toBe(true);
    ch.close();
    expect(await rejection(ch.push(70, { signal: AbortSignal.timeout(1000) }))).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pullMany(10)).toEqual([10, 20, 30, 40, 50]); // 60 was never delivered
  });

  // test_tx_capacity: free slots = capacity − size.
  it('test_tx_capacity', async () => {
    const ch = new Channel<void>(10);
    expect(ch.capacity - ch.size).toBe(10);
    await ch.push();
    expect(ch.capacity - ch.size).toBe(9);
    await ch.push();
    expect(ch.capacity - ch.size).toBe(8);
    expect(ch.capacity).toBe(10);
  });

  // test_rx_is_closed_* / test_rx_unbounded_is_closed_*: `closed` is true once close() was
  // called, with or without buffered messages.
  for (const cap of [10, INF]) {
    const k = cap === INF ? 'rx_unbounded' : 'rx';
    it(`test_${k}_is_closed_when_calling_close_with_sender`, () => {
      const ch = new Channel<void>(cap);
      ch.close();
      expect(ch.closed).toBe(true);
    });
    it(`test_${k}_is_not_closed_when_there_are_senders`, () => {
      const ch = new Channel<void>(cap);
      expect(ch.closed).toBe(false);
    });
    it(`test_${k}_is_closed_when_there_are_messages_and_close_is_called`, async () => {
      const ch = new Channel<number>(cap);
      for (let i = 0; i < 10; i++) await ch.push(i);
      ch.close();
      expect(ch.closed).toBe(true);
      expect(ch.size).toBe(10);
    });
    it(`test_${k}_is_empty_when_no_messages_were_sent`, () => {
      expect(new Channel<void>(cap).empty).toBe(true);
    });
    it(`test_${k}_is_not_empty_when_all_but_one_messages_are_consumed`, async () => {
      const ch = new Channel<number>(cap);
      for (let i = 0; i < 10; i++) await ch.push(i);
      for (let i = 0; i < 9; i++) await ch.pull();
      expect(ch.empty).toBe(false);
      await ch.pull();
      expect(ch.empty).toBe(true);
    });
    it(`test_${k}_is_empty_all_senders_are_dropped_and_messages_consumed`, async () => {
      const ch = new Channel<number>(cap);
      for (let i = 0; i < 10; i++) await ch.push(i);
      ch.close();
      for (let i = 0; i < 10; i++) await ch.pull();
      expect(ch.empty).toBe(true);
    });
    it(`test_${k}_len_when_close_is_called`, async () => {
      const ch = new Channel<void>(cap === INF ? INF : 100);
      await ch.push();
      ch.close();
      expect(ch.size).toBe(1);
    });
  }
  // test_rx_is_not_empty_when_the_buffer_is_full
  it('test_rx_is_not_empty_when_the_buffer_is_full', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 10; i++) await ch.push(i);
    expect([ch.empty, ch.full, ch.size]).toEqual([false, true, 10]);
  });

  // test_is_empty_32_msgs: one in, one out, 256 times, across the block boundary.
  it('test_is_empty_32_msgs', async () => {
    const ch = new Channel<number>(33);
    for (let v = 1; v < 257; v++) {
      await ch.push(v);
      expect(await ch.pull()).toBe(v);
      expect(ch.empty).toBe(true);
    }
  });
});

/** A tokio broadcast channel: source + hub + a subscriber factory. */
function tokioBroadcast<T>(n: number) {
  const source = new Channel<T>(INF);
  const hub = broadcast(source);
  const subscribe = () => hub.subscribe({ capacity: n, overflow: 'drop-oldest' });
  const rx = subscribe();
  return { source, hub, subscribe, rx, send: (v: T) => source.pushNowait(v) };
}

describe('tokio tokio/tests/sync_broadcast.rs', () => {
  // send_try_recv_bounded
  it('send_try_recv_bounded', async () => {
    const { rx, send } = tokioBroadcast<string>(16);
    expect(rx.tryPull()).toBeUndefined();
    send('hello');
    await until(() => rx.size === 1);
    expect(rx.pullNowait()).toBe('hello');
    expect(() => rx.pullNowait()).toThrow(ChannelEmptyError);
  });

  // send_two_recv
  it('send_two_recv', async () => {
    const { rx: rx1, subscribe, send } = tokioBroadcast<string>(16);
    const rx2 = subscribe();
    send('hello');
    await until(() => rx1.size === 1 && rx2.size === 1);
    expect(rx1.pullNowait()).toBe('hello');
    expect(rx2.pullNowait()).toBe('hello');
    expect(rx1.tryPull()).toBeUndefined();
    expect(rx2.tryPull()).toBeUndefined();
  });

  // send_recv_bounded: a parked recv is woken by the send.
  it('send_recv_bounded', async () => {
    const { rx, send } = tokioBroadcast<string>(16);
    const recv = track(rx.pull());
    await settle(1);
    expect(recv.state).toBe('pending');
    send('hello');
    expect(await recv.promise).toBe('hello');
  });

  // send_two_recv_bounded
  it('send_two_recv_bounded', async () => {
    const { rx: rx1, subscribe, send } = tokioBroadcast<string>(16);
    const rx2 = subscribe();
    const [a, b] = [rx1.pull(), rx2.pull()];
    send('hello');
    expect(await a).toBe('hello');
    expect(await b).toBe('hello');
  });

  // change_tasks: the recv future moves between tasks; the value reaches it.
  it('change_tasks', async () => {
    const { rx, send } = tokioBroadcast<string>(1);
    const recv = rx.pull();
    const moved = (async () => recv)();
    send('hello');
    expect(await moved).toBe('hello');
  });

  // send_slow_rx: two receivers, one slow; each sees one, two, three in order.
  it('send_slow_rx', async () => {
    const { rx: rx1, subscribe, send } = tokioBroadcast<string>(16);
    const rx2 = subscribe();
    const recv2 = rx2.pull();
    const recv1 = rx1.pull();
    send('one');
    send('two');
    expect(await recv1).toBe('one');
    expect(await rx1.pull()).toBe('two');
    const recv1b = rx1.pull();
    send('three');
    expect(await recv1b).toBe('three');
    expect(await recv2).toBe('one');
    expect(await rx2.pull()).toBe('two');
    expect(await rx2.pull()).toBe('three');
  });

  // drop_rx_while_values_remain: receivers leave (close) while values remain: no harm, and the
  // broadcast goes on for nobody (pulls nothing without subscribers).
  it('drop_rx_while_values_remain', async () => {
    const { rx: rx1, subscribe, send, source } = tokioBroadcast<string>(16);
    const rx2 = subscribe();
    send('one');
    send('two');
    await until(() => rx1.size === 2 && rx2.size === 2);
    expect(rx1.pullNowait()).toBe('one');
    expect(rx2.pullNowait()).toBe('one');
    rx2.close();
    rx1.close();
    send('three');
    await settle();
    expect(source.size).toBe(1); // nobody to deliver to: it waits in the source
  });

  // lagging_rx: a receiver that falls more than the capacity behind loses the oldest values.
  // tokio: try_recv returns Lagged(1) first. Contract: the drop is silent; the receiver sees
  // the retained values.
  it('lagging_rx (contract: no Lagged error, oldest dropped silently)', async () => {
    const { rx: rx1, subscribe, send, source } = tokioBroadcast<string>(2);
    const rx2 = subscribe();
    send('one');
    send('two');
    await until(() => rx1.size === 2);
    expect(rx1.pullNowait()).toBe('one');
    send('three');
    await until(() => rx1.size === 2);
    expect(rx2.pullNowait()).toBe('two');
    expect(rx1.pullNowait()).toBe('two');
    expect(rx1.pullNowait()).toBe('three');
    send('four');
    send('five');
    await until(() => rx1.size === 2);
    // rx2 held three; four and five pushed it out.
    expect(rx2.pullNowait()).toBe('four');
    send('six');
    await until(() => source.size === 0);
    expect(rx2.pullNowait()).toBe('five');
    expect(rx2.pullNowait()).toBe('six');
  });

  // send_no_rx: tokio's send fails without receivers and the value is gone; a receiver that
  // joins later sees only "world". Contract difference: with no subscriber the broadcast pulls
  // nothing, so "hello" waits in the source and the first subscriber receives it too.
  it('send_no_rx (contract: the value waits for a subscriber)', async () => {
    const source = new Channel<string>(INF);
    const hub = broadcast(source);
    source.pushNowait('hello');
    await settle();
    expect(source.size).toBe(1);
    const rx = hub.subscribe({ capacity: 16, overflow: 'drop-oldest' });
    source.pushNowait('world');
    await until(() => rx.size === 2);
    expect(rx.pullNowait()).toBe('hello');
    expect(rx.pullNowait()).toBe('world');
  });

  // zero_capacity / capacity_too_big: tokio panics on capacity 0. chanasync: a drop-mode
  // subscriber with capacity 0 is a RangeError (SPEC: drop mode with capacity 0); a 'block'
  // subscriber of capacity 0 is a rendezvous subscriber (allowed).
  it('zero_capacity', () => {
    const { hub } = tokioBroadcast<string>(1);
    expect(() => hub.subscribe({ capacity: 0, overflow: 'drop-oldest' })).toThrow(RangeError);
    const rendezvous = hub.subscribe({ capacity: 0 });
    expect(rendezvous.capacity).toBe(0);
    rendezvous.close();
  });

  // dropping_tx_notifies_rx: parked recvs wake with Closed once the last sender goes.
  it('dropping_tx_notifies_rx', async () => {
    const { rx: rx1, subscribe, source } = tokioBroadcast<void>(16);
    const rx2 = subscribe();
    const [r1, r2] = [track(rx1.pull()), track(rx2.pull())];
    await settle(1);
    expect([r1.state, r2.state]).toEqual(['pending', 'pending']);
    source.close();
    expect(await rejection(r1.promise)).toBeInstanceOf(ChannelClosedError);
    expect(await rejection(r2.promise)).toBeInstanceOf(ChannelClosedError);
  });

  // unconsumed_messages_are_dropped: receivers dropped with values: nothing leaks (here: the
  // subscriber channels are closed and keep their values until pulled; the hub is done).
  it('unconsumed_messages_are_dropped', async () => {
    const { rx, send, hub } = tokioBroadcast<object>(16);
    send({});
    await until(() => rx.size === 1);
    hub.close();
    expect(rx.closed).toBe(true);
    expect(rx.size).toBe(1);
  });

  // single_capacity_recvs / _after_drop_1 / _after_drop_2 / dropping_sender_does_not_overwrite
  it('single_capacity_recvs', async () => {
    const { rx, send } = tokioBroadcast<number>(1);
    send(1);
    await until(() => rx.size === 1);
    expect(rx.pullNowait()).toBe(1);
    expect(rx.tryPull()).toBeUndefined();
  });
  it('single_capacity_recvs_after_drop_1', async () => {
    const { rx, send, source } = tokioBroadcast<number>(1);
    send(1);
    source.close();
    expect(await rx.pull()).toBe(1);
    await until(() => rx.closed);
    expect(() => rx.pullNowait()).toThrow(ChannelClosedError);
  });
  it('single_capacity_recvs_after_drop_2', async () => {
    // tokio: send 1, 2 into capacity 1, drop tx → Lagged(1), then 2, then Closed.
    const { rx, send, source } = tokioBroadcast<number>(1);
    send(1);
    send(2);
    source.close();
    await until(() => rx.closed);
    expect(rx.pullNowait()).toBe(2);
    expect(() => rx.pullNowait()).toThrow(ChannelClosedError);
  });
  it('dropping_sender_does_not_overwrite', async () => {
    const { rx, send, source } = tokioBroadcast<number>(2);
    send(1);
    send(2);
    source.close();
    await until(() => rx.closed);
    expect(rx.pullNowait()).toBe(1);
    expect(rx.pullNowait()).toBe(2);
    expect(() => rx.pullNowait()).toThrow(ChannelClosedError);
  });

  // lagging_receiver_recovers_after_wrap_closed_1/_2 and _open: after wrap-around the
  // receiver reads the newest `capacity` values, then Closed (or Empty while open).
  it('lagging_receiver_recovers_after_wrap_closed_1', async () => {
    const { rx, send, source } = tokioBroadcast<number>(2);
    for (const v of [1, 2, 3]) send(v);
    source.close();
    await until(() => rx.closed);
    expect([rx.pullNowait(), rx.pullNowait()]).toEqual([2, 3]);
    expect(() => rx.pullNowait()).toThrow(ChannelClosedError);
  });
  it('lagging_receiver_recovers_after_wrap_closed_2', async () => {
    const { rx, send, source } = tokioBroadcast<number>(2);
    for (const v of [1, 2, 3, 4]) send(v);
    source.close();
    await until(() => rx.closed);
    expect([rx.pullNowait(), rx.pullNowait()]).toEqual([3, 4]);
    expect(() => rx.pullNowait()).toThrow(ChannelClosedError);
  });
  it('lagging_receiver_recovers_after_wrap_open', async () => {
    const { rx, send, source } = tokioBroadcast<number>(2);
    for (const v of [1, 2, 3]) send(v);
    await until(() => source.size === 0);
    expect([rx.pullNowait(), rx.pullNowait()]).toEqual([2, 3]);
    expect(() => rx.pullNowait()).toThrow(ChannelEmptyError);
  });

  // receiver_len_with_lagged: len counts what the receiver can still read.
  it('receiver_len_with_lagged', async () => {
    const { rx, send, source } = tokioBroadcast<number>(3);
    for (const v of [0, 1, 2, 3, 4]) send(v);
    await until(() => source.size === 0);
    expect(rx.size).toBe(3);
    expect(rx.pullNowait()).toBe(2);
    expect(rx.size).toBe(2);
  });

  // is_closed: tokio's rx.is_closed() after the sender is dropped.
  it('is_closed', async () => {
    const { rx, source } = tokioBroadcast<number>(1);
    expect(rx.closed).toBe(false);
    source.close();
    await until(() => rx.closed);
    expect(rx.closed).toBe(true);
  });

  // resubscribe_points_to_tail: a receiver that joins later sees only later values and does
  // not disturb the first.
  it('resubscribe_points_to_tail', async () => {
    const { rx, subscribe, send, source } = tokioBroadcast<number>(3);
    send(1);
    await until(() => source.size === 0);
    const resub = subscribe();
    expect(resub.tryPull()).toBeUndefined();
    expect(rx.pullNowait()).toBe(1);
    send(2);
    await until(() => resub.size === 1);
    expect(resub.pullNowait()).toBe(2);
    send(3);
    await until(() => rx.size === 2);
    expect([rx.pullNowait(), rx.pullNowait()]).toEqual([2, 3]);
    expect(rx.tryPull()).toBeUndefined();
    expect(resub.pullNowait()).toBe(3);
    expect(resub.tryPull()).toBeUndefined();
  });

  // resubscribe_lagged: the new receiver starts at the tail, not at the lagging one's cursor.
  it('resubscribe_lagged', async () => {
    const { rx, subscribe, send, source } = tokioBroadcast<number>(1);
    for (const v of [1, 2, 3]) send(v);
    await until(() => source.size === 0);
    const resub = subscribe();
    expect(resub.tryPull()).toBeUndefined();
    expect(rx.pullNowait()).toBe(3);
    send(4);
    await until(() => resub.size === 1);
    expect(resub.pullNowait()).toBe(4);
    expect(rx.pullNowait()).toBe(4);
  });

  // resubscribe_to_closed_channel: subscribing after the sender closed: the new receiver is
  // closed at once (README: the broadcast learns that the source ended at the next subscribe).
  it('resubscribe_to_closed_channel', async () => {
    const { rx, subscribe, source } = tokioBroadcast<number>(2);
    source.close();
    await until(() => rx.closed);
    const late = subscribe();
    await until(() => late.closed);
    expect(await rejection(late.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // sender_len: tx.len() is the longest receiver backlog; each subscriber's size shows it.
  it('sender_len', async () => {
    const { rx: rx1, subscribe, send, source } = tokioBroadcast<number>(4);
    const rx2 = subscribe();
    for (let i = 1; i <= 4; i++) send(i);
    await until(() => source.size === 0);
    expect(Math.max(rx1.size, rx2.size)).toBe(4);
    rx1.pullNowait();
    expect([rx1.size, rx2.size]).toEqual([3, 4]);
    rx2.pullMany(4);
    await settle(1);
    expect([rx1.size, rx2.size]).toEqual([3, 0]);
    send(5);
    await until(() => rx2.size === 1);
    expect([rx1.size, rx2.size]).toEqual([4, 1]);
  });

  // broadcast_sender_closed: tx.closed() resolves once every receiver is gone. chanasync has
  // no such notification on a broadcast; its observable part: with every subscriber gone the
  // broadcast stops pulling (values stay in the source), and a new subscriber revives it.
  it('broadcast_sender_closed_with_extra_subscribe (observable part: stops pulling without subscribers)', async () => {
    const { rx, subscribe, send, source } = tokioBroadcast<number>(1);
    const rx2 = subscribe();
    rx.close();
    rx2.close();
    send(1);
    await settle();
    expect(source.size).toBe(1);
    const rx3 = subscribe();
    await until(() => rx3.size === 1);
    expect(rx3.pullNowait()).toBe(1);
    rx3.close();
    send(2);
    await settle();
    expect(source.size).toBe(1);
  });

  // slow_receiver_within_capacity_does_not_lag
  it('slow_receiver_within_capacity_does_not_lag', async () => {
    const { rx: slow, subscribe, send } = tokioBroadcast<number>(2);
    const fast = subscribe();
    send(1);
    send(2);
    await until(() => fast.size === 2);
    expect([fast.pullNowait(), fast.pullNowait()]).toEqual([1, 2]);
    expect(fast.tryPull()).toBeUndefined();
    expect([slow.pullNowait(), slow.pullNowait()]).toEqual([1, 2]);
    expect(slow.tryPull()).toBeUndefined();
  });

  // capacity_overflow_reports_lagged_then_oldest_retained (contract: no Lagged report)
  it('capacity_overflow_reports_lagged_then_oldest_retained (contract: silent)', async () => {
    const { rx, send, source } = tokioBroadcast<number>(2);
    for (const v of [10, 20, 30]) send(v);
    await until(() => source.size === 0);
    expect([rx.pullNowait(), rx.pullNowait()]).toEqual([20, 30]);
    expect(rx.tryPull()).toBeUndefined();
  });

  // lag_is_per_receiver
  it('lag_is_per_receiver', async () => {
    const { rx: slow, subscribe, send, source } = tokioBroadcast<number>(2);
    const fast = subscribe();
    send(1);
    send(2);
    await until(() => source.size === 0);
    expect([fast.pullNowait(), fast.pullNowait()]).toEqual([1, 2]);
    send(3);
    send(4);
    await until(() => source.size === 0 && fast.size === 2);
    expect([fast.pullNowait(), fast.pullNowait()]).toEqual([3, 4]);
    expect([slow.pullNowait(), slow.pullNowait()]).toEqual([3, 4]);
    expect(slow.tryPull()).toBeUndefined();
    expect(fast.tryPull()).toBeUndefined();
  });

  // async_recv_lagged_then_resumes_from_oldest_retained / lag_catch_up_then_lag_again
  it('lag_catch_up_then_lag_again', async () => {
    const { rx, send, source } = tokioBroadcast<number>(2);
    for (const v of [1, 2, 3]) send(v);
    await until(() => source.size === 0);
    expect([rx.pullNowait(), rx.pullNowait()]).toEqual([2, 3]);
    for (const v of [4, 5, 6, 7]) send(v);
    await until(() => source.size === 0);
    expect([rx.pullNowait(), rx.pullNowait()]).toEqual([6, 7]);
    const later = rx.pull();
    send(8);
    expect(await later).toBe(8);
  });

  // single_slot_capacity_lag_semantics: capacity 1: only the newest survives.
  it('single_slot_capacity_lag_semantics', async () => {
    const { rx, send, source } = tokioBroadcast<number>(1);
    for (const v of [1, 2, 3]) send(v);
    await until(() => source.size === 0);
    expect(rx.pullNowait()).toBe(3);
    expect(rx.tryPull()).toBeUndefined();
  });

  // Blocking subscribers (no tokio counterpart, but tokio's "slow receivers set nothing back"
  // is the drop-mode half): with a 'block' subscriber, a late subscriber still receives every
  // value pulled after it joined, including one the broadcast could not yet deliver.
  it('receivers joining late: a value not yet pulled reaches the late subscriber', async () => {
    const source = new Channel<number>(INF);
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 1 });
    source.pushNowait(1);
    source.pushNowait(2);
    await until(() => slow.size === 1);
    await settle();
    expect(source.size).toBe(1); // 2 waits: the slow subscriber has no room
    const late = hub.subscribe({ capacity: 4 });
    expect(slow.pullNowait()).toBe(1);
    await until(() => late.size === 1);
    expect(late.pullNowait()).toBe(2);
    expect(slow.pullNowait()).toBe(2);
    hub.close();
  });
  // send_in_waker_drop: a send made from inside the machinery's own callback (a waker dropped
  // during recv) must not deadlock. The web platform's synchronous callback inside a channel
  // operation is an abort listener: a signal whose earlier listener pushes into the source
  // while the subscriber that uses the signal leaves.
  it('send_in_waker_drop (an abort listener that sends while its subscriber leaves)', async () => {
    const { rx: stays, hub, send, source } = tokioBroadcast<string>(16);
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => send('from-listener'));
    const leaves = hub.subscribe({ capacity: 16, overflow: 'drop-oldest', signal: ac.signal });
    const parked = track(leaves.pull());
    ac.abort();
    await until(() => source.size === 0 && stays.size === 1);
    expect(stays.pullNowait()).toBe('from-listener');
    await settle(1);
    // The leaving subscriber either got the value (the listener ran before it left) or was
    // closed empty; either way nothing is duplicated or lost for the one that stays.
    expect(leaves.closed).toBe(true);
    if (parked.state === 'fulfilled') expect(parked.value).toBe('from-listener');
    else expect(parked.error).toBeInstanceOf(ChannelClosedError);
  });

  // The same with a plain channel: an abort listener pushes while a pull with that signal is
  // parked; the aborted pull must not take it (README "Commit points"), the value stays.
  it('send_in_waker_drop (a pull aborted while its signal listener pushes takes nothing)', async () => {
    const ch = new Channel<string>(4);
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => ch.pushNowait('x'));
    const parked = track(ch.pull({ signal: ac.signal }));
    ac.abort('dropped');
    await settle(1);
    expect(parked.state).toBe('rejected');
    expect(parked.error).toBe('dropped');
    expect(ch.pullNowait()).toBe('x');
  });

  // receiver_recv_is_cooperative: tokio's recv has a budget, so a loop that always finds a
  // value yields to the scheduler now and then (the test's `yield_now` branch wins).
  // Difference (not in the contract, reported as an ambiguity): chanasync's pull on a ready
  // value resolves through microtasks only, so such a loop never lets a timer run until it
  // ends. Asserted here: the loop makes progress and sees every value in order; a timer set
  // before it runs after it.
  it('receiver_recv_is_cooperative (no budget: a ready loop runs in microtasks)', async () => {
    const { rx, send } = tokioBroadcast<number>(8);
    let timerRanAt = -1;
    let i = 0;
    const timer = setTimeout(() => {
      timerRanAt = i;
    }, 0);
    for (; i < 2000; i++) {
      send(i);
      expect(await rx.pull()).toBe(i);
    }
    await settle(1);
    clearTimeout(timer);
    expect(timerRanAt).toBeGreaterThanOrEqual(0);
  });

  // Not in tokio (its receivers are not selectable), but its "one value per receiver" rule
  // seen through chanasync's select: one select over two rendezvous subscribers of one hub
  // takes the value once; the other subscriber still receives it (stored one beyond its
  // capacity, README "Broadcast and ticker").
  it('one select over two subscribers of one hub (each subscriber still gets the value)', async () => {
    const source = new Channel<number>(INF);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 0 });
    const sel = select([pull(a), pull(b)]);
    await settle(1);
    source.pushNowait(1);
    const r = await sel;
    expect(r.value).toBe(1);
    const other = r.index === 0 ? b : a;
    expect(await other.pull({ signal: AbortSignal.timeout(5000) })).toBe(1);
    hub.close();
  });

  // sender_len_random: random sends and try_recvs on two receivers; the lengths stay those of
  // a model (each receiver an independent drop-oldest queue of capacity 16, values taken in
  // order). Extended: receivers join and leave at random too, and values sent while nobody
  // is subscribed wait in the source for the next subscriber (chanasync's contract).
  it('sender_len_random (against a model, with joins and leaves)', async () => {
    const CAP = 16;
    const source = new Channel<number>(INF);
    const hub = broadcast(source);
    type Sub = { ch: Channel<number>; model: number[] };
    const subs: Sub[] = [];
    const pending: number[] = []; // the model of values waiting in the source
    const join = () => {
      subs.push({ ch: hub.subscribe({ capacity: CAP, overflow: 'drop-oldest' }), model: [] });
    };
    const deliver = () => {
      if (subs.length === 0) return;
      for (const v of pending.splice(0)) {
        for (const s of subs) {
          s.model.push(v);
          if (s.model.length > CAP) s.model.shift();
        }
      }
    };
    join();
    join();
    let next = 0;
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 1000; step++) {
      const op = rand(10);
      if (op < 5) {
        source.pushNowait(next);
        pending.push(next++);
        // tokio's send delivers at once; the broadcast takes a value at the source's commit
        // point or, for the next one of the same run, when it parks again (a microtask later).
        await settle(1);
        deliver();
      } else if (op < 8 && subs.length > 0) {
        const s = subs[rand(subs.length)] as Sub;
        const want = s.model.shift();
        expect(s.ch.tryPull()).toBe(want);
      } else if (op === 8 && subs.length < 4) {
        await settle(1); // a join sees only what is pulled after it: let earlier sends land
        deliver();
        join();
      } else if (op === 9 && subs.length > 0) {
        await settle(1);
        deliver();
        const [s] = subs.splice(rand(subs.length), 1);
        s?.ch.close();
      }
      if (step % 7 === 0) {
        await settle(1);
        deliver();
        expect(source.size).toBe(subs.length === 0 ? pending.length : 0);
        for (const s of subs) {
          expect(s.ch.size).toBe(s.model.length);
          expect(s.ch.size).toBeLessThanOrEqual(CAP);
        }
      }
    }
    hub.close();
  });

  // Blocking receivers (chanasync's 'block' subscribers; tokio has none) under random joins,
  // reads and sends: each one receives a gap-free run of the values, in order, from the first
  // value taken after it joined to the end; drop-newest ones receive an in-order subsequence.
  it('random joins, reads and sends with blocking and dropping subscribers', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    type Sub = { ch: Channel<number>; got: number[]; block: boolean };
    const subs: Sub[] = [];
    let seed = 777;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const join = (forceBlock = false) => {
      const block = forceBlock || rand(3) !== 0;
      subs.push({
        ch: hub.subscribe(block ? { capacity: rand(3) } : { capacity: 1 + rand(3), overflow: 'drop-newest' }),
        got: [],
        block,
      });
    };
    join(true);
    let next = 0;
    const producer = (async () => {
      for (; next < 600; ) {
        await source.push(next++);
        if (rand(4) === 0) await settle(1);
      }
      source.close();
    })();
    const readers: Promise<void>[] = [];
    const read = (s: Sub) =>
      (async () => {
        for await (const v of s.ch) {
          s.got.push(v);
          if (rand(3) === 0) await settle(1);
        }
      })();
    readers.push(read(subs[0] as Sub));
    for (let k = 0; k < 6; k++) {
      await settle(1 + rand(5));
      join();
      readers.push(read(subs[subs.length - 1] as Sub));
    }
    await producer;
    await Promise.all(readers);
    for (const s of subs) {
      for (let i = 1; i < s.got.length; i++) {
        if (s.block) expect(s.got[i]).toBe((s.got[i - 1] as number) + 1);
        else expect(s.got[i]).toBeGreaterThan(s.got[i - 1] as number);
      }
      if (s.block && s.got.length > 0) expect(s.got[s.got.length - 1]).toBe(599);
    }
    expect((subs[0] as Sub).got[0]).toBe(0);
    expect((subs[0] as Sub).got.length).toBe(600);
  });
});

describe('tokio tokio/tests/sync_watch.rs', () => {
  const watch = () => new Channel<string>(1, { overflow: 'drop-oldest' });

  // single_rx_recv: changed() is pending on the initial value, ready after a send, and fails
  // once the sender is gone; the last value stays visible.
  it('single_rx_recv', async () => {
    const ch = watch();
    let current = 'one';
    const changed = track(ch.pull());
    await settle(1);
    expect(changed.state).toBe('pending');
    ch.pushNowait('two');
    current = await changed.promise;
    expect(current).toBe('two');
    const again = track(ch.pull());
    ch.close();
    expect(await rejection(again.promise)).toBeInstanceOf(ChannelClosedError);
    expect(current).toBe('two');
  });

  // multi_rx: two receivers each see every change (two conflated subscribers of a broadcast).
  it('multi_rx', async () => {
    const source = new Channel<string>(INF);
    const hub = broadcast(source);
    const rx1 = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const rx2 = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const t2 = rx2.pull();
    const t1 = rx1.pull();
    source.pushNowait('two');
    expect(await t1).toBe('two');
    const t1b = rx1.pull();
    source.pushNowait('three');
    expect(await t1b).toBe('three');
    expect(await t2).toBe('two'); // rx2's pull was parked: it got the first change
    await until(() => rx2.size === 1);
    expect(rx2.pullNowait()).toBe('three');
    source.pushNowait('four');
    expect(await rx1.pull()).toBe('four');
    expect(await rx2.pull()).toBe('four');
    hub.close();
  });

  // rx_observes_final_value: a value sent just before the sender is dropped is still seen;
  // after it, changed() fails.
  it('rx_observes_final_value', async () => {
    const a = watch();
    a.close();
    expect(await rejection(a.pull())).toBeInstanceOf(ChannelClosedError);
    const b = watch();
    b.pushNowait('two');
    expect(await b.pull()).toBe('two');
    const t = b.pull();
    b.pushNowait('three');
    b.close();
    expect(await t).toBe('three');
    expect(await rejection(b.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // multiple_sender: two senders, one receiver: changes in order (a conflated channel keeps
  // only the latest, so the receiver reads between the sends as tokio's test does).
  it('multiple_sender', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    const seen = (async () => [await ch.pull(), await ch.pull()])();
    ch.pushNowait(1);
    await settle(1);
    ch.pushNowait(2);
    expect(await seen).toEqual([1, 2]);
  });

  // conflation itself (watch's reason to exist): several sends without a read: only the last.
  it('borrow_and_update (latest value wins)', () => {
    const ch = watch();
    for (const v of ['a', 'b', 'c']) ch.pushNowait(v);
    expect(ch.pullNowait()).toBe('c');
    expect(ch.tryPull()).toBeUndefined();
  });

  // receiver_is_notified_when_last_sender_is_dropped
  it('receiver_is_notified_when_last_sender_is_dropped', async () => {
    const ch = watch();
    const t = track(ch.pull());
    await settle(1);
    expect(t.state).toBe('pending');
    ch.close();
    await settle(1);
    expect(t.state).toBe('rejected');
  });

  // changed_succeeds_on_closed_channel_with_unseen_value / changed_errors_on_closed_channel_with_seen_value
  it('changed_succeeds_on_closed_channel_with_unseen_value', async () => {
    const ch = watch();
    ch.pushNowait('B');
    ch.close();
    expect(await ch.pull()).toBe('B');
  });
  it('changed_errors_on_closed_channel_with_seen_value', async () => {
    const ch = watch();
    ch.close();
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });
  // has_changed_errors_on_closed_channel_with_(un)seen_value: tokio's has_changed() errs on a
  // closed channel even with an unseen value; chanasync's closest probe, `size`/`pullNowait`,
  // still shows the unseen value (close keeps buffered values readable).
  it('has_changed_errors_on_closed_channel_with_unseen_value (contract: the value stays readable)', () => {
    const ch = watch();
    ch.pushNowait('B');
    ch.close();
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe('B');
  });
});

describe('tokio tokio/tests/sync_oneshot.rs', () => {
  // send_recv / async_send_recv
  it('send_recv', async () => {
    const ch = new Channel<number>(1);
    const rx = track(ch.pull());
    await settle(1);
    expect(rx.state).toBe('pending');
    ch.pushNowait(1);
    expect(await rx.promise).toBe(1);
  });

  // close_tx: the sender dropped before sending: the receiver fails.
  it('close_tx', async () => {
    const ch = new Channel<number>(1);
    const rx = ch.pull();
    ch.close();
    expect(await rejection(rx)).toBeInstanceOf(ChannelClosedError);
  });

  // close_rx / async_rx_closed: the receiver dropped: the send fails and gives the value back
  // (here: pushNowait throws, tryPush returns false — the caller keeps the value).
  it('close_rx', () => {
    const ch = new Channel<number>(1);
    ch.close();
    expect(() => ch.pushNowait(7)).toThrow(ChannelClosedError);
    expect(ch.tryPush(7)).toBe(false);
  });

  // explicit_close_try_recv / close_try_recv_poll: rx.close() before a send: try_recv says
  // Closed.
  it('explicit_close_try_recv', () => {
    const ch = new Channel<number>(1);
    ch.close();
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // close_after_recv: closing after the value was received does nothing harmful.
  it('close_after_recv', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(17);
    expect(await ch.pull()).toBe(17);
    ch.close();
    expect(ch.closed).toBe(true);
  });

  // explicit_close_poll: a value sent before rx.close() is still received. tokio: after
  // rx.close(), try_recv returns a value sent before the close.
  it('explicit_close_poll', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('sent');
    ch.close();
    expect(await ch.pull()).toBe('sent');
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // try_recv_after_completion: after the value was taken, try_recv says Closed (the oneshot is
  // spent). chanasync: a channel used once must be closed by its sender to say so; while open
  // it says Empty.
  it('try_recv_after_completion', () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(17);
    expect(ch.pullNowait()).toBe(17);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    ch.close();
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // receiver_changes_task / sender_changes_task: the waiting future moves between tasks.
  it('receiver_changes_task', async () => {
    const ch = new Channel<number>(1);
    const rx = ch.pull();
    const elsewhere = Promise.resolve().then(() => rx);
    ch.pushNowait(5);
    expect(await elsewhere).toBe(5);
  });

  // receiver_is_empty_* / receiver_is_terminated_*: empty before the send, not after.
  it('receiver_is_empty_send', () => {
    const ch = new Channel<number>(1);
    expect(ch.empty).toBe(true);
    ch.pushNowait(1);
    expect(ch.empty).toBe(false);
    ch.pullNowait();
    expect(ch.empty).toBe(true);
  });
  it('receiver_is_terminated_rx_close', () => {
    const ch = new Channel<number>(1);
    ch.close();
    expect(ch.closed).toBe(true);
    expect(ch.empty).toBe(true);
  });

  // drops_tasks: a dropped pending receive leaves nothing behind (an abort unparks it).
  it('drops_tasks', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const rx = ch.pull({ signal: ac.signal });
    expect(ch.stats().waitingPullers).toBe(1);
    ac.abort('dropped');
    expect(await rejection(rx)).toBe('dropped');
    expect(ch.stats().waitingPullers).toBe(0);
    ch.pushNowait(1);
    expect(ch.pullNowait()).toBe(1);
  });
});
void sleep;
