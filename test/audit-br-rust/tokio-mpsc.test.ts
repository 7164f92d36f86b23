// Audit BR-peers-c: behaviour checked by tokio's tokio/tests/sync_mpsc.rs, re-expressed against
// chanasync. Mapping: Sender drop / Receiver::close ~ close(); recv() returning None ~ pull()
// rejecting with ChannelClosedError; recv_many ~ pullMany; try_recv ~ pullNowait/tryPull;
// permits (reserve) have no equivalent and are skipped except where a select push case or an
// abortable push gives the same observable behaviour.
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const state = async (p: Promise<unknown>) => {
  let s = 'pending';
  p.then(
    () => {
      s = 'fulfilled';
    },
    () => {
      s = 'rejected';
    },
  );
  await tick();
  return s;
};

describe('tokio sync_mpsc.rs', () => {
  // sync_mpsc.rs send_recv_with_buffer
  it('send_recv_with_buffer: two values, then sender gone -> None', async () => {
    const ch = new Channel<number>(16);
    await ch.push(1);
    await ch.push(2);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // sync_mpsc.rs send_recv_stream_with_buffer: the receiver as a stream
  it('send_recv_stream_with_buffer: for await yields then ends', async () => {
    const ch = new Channel<number>(16);
    void (async () => {
      await ch.push(1);
      await ch.push(2);
      ch.close();
    })();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2]);
  });

  // sync_mpsc.rs async_send_recv_many_with_buffer
  it('async_send_recv_many_with_buffer: pullMany collects everything in order', async () => {
    const ch = new Channel<number>(2);
    const producer = (async () => {
      await ch.push(7);
      await ch.push(13);
      await ch.push(100);
      await ch.push(1002);
      ch.close();
    })();
    const got: number[] = [];
    for (;;) {
      try {
        got.push(...(await ch.pullMany(100)));
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelClosedError);
        break;
      }
    }
    await producer;
    expect(got).toEqual([7, 13, 100, 1002]);
  });

  // sync_mpsc.rs start_send_past_cap: with cap 1, later sends park in FIFO order
  it('start_send_past_cap: sends past capacity park and complete in order', async () => {
    const ch = new Channel<string>(1);
    await ch.push('a');
    const b = ch.push('b');
    const c = ch.push('c');
    expect(await state(b)).toBe('pending');
    expect(await state(c)).toBe('pending');
    expect(await ch.pull()).toBe('a');
    expect(await state(b)).toBe('fulfilled');
    expect(await state(c)).toBe('pending');
    expect(await ch.pull()).toBe('b');
    await c;
    expect(await ch.pull()).toBe('c');
  });

  // sync_mpsc.rs send_recv_many_bounded_capacity / send_recv_many_unbounded_capacity
  for (const cap of [100, Number.POSITIVE_INFINITY]) {
    it(`send_recv_many (capacity ${cap}): limit respected, remainder later, then closed`, async () => {
      const ch = new Channel<string>(cap);
      const limit = 9;
      const expected = Array.from({ length: limit }, (_, i) => `${i}`);
      for (const x of expected) await ch.push(x);
      await ch.push('one more');
      expect(await ch.pullMany(limit)).toEqual(expected);
      expect(await ch.pullMany(limit)).toEqual(['one more']);
      setTimeout(() => {
        void ch.push('final').then(() => ch.close());
      }, 0);
      expect(await ch.pullMany(limit)).toEqual(['final']);
      await expect(ch.pullMany(limit)).rejects.toBeInstanceOf(ChannelClosedError);
    });
  }

  // sync_mpsc.rs recv_many_with_non_empty_buffer_{bounded,unbounded}_rx_closed_and_idle
  it('recv_many on a closed idle channel returns nothing (rejects closed)', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    await expect(ch.pullMany(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // sync_mpsc.rs recv_many with limit 0 returns 0 at once in tokio; chanasync documents a
  // RangeError (SPEC: "`max` must be a positive integer (`RangeError`)").
  it('recv_many(0): RangeError instead of tokio 0', async () => {
    const ch = new Channel<number>(1);
    await expect(ch.pullMany(0)).rejects.toBeInstanceOf(RangeError);
  });

  // sync_mpsc.rs send_recv_buffer_limited + recv_many with parked senders: takes buffer first,
  // then the parked senders' values, each sender resolving.
  it('recv_many takes buffer then parked senders, resolving each in order', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const p3 = ch.push(3);
    const p4 = ch.push(4);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4]);
    await Promise.all([p3, p4]);
    expect(ch.size).toBe(0);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('recv_many on an unbuffered channel takes every parked sender', async () => {
    const ch = new Channel<number>(0);
    const ps = [ch.push(1), ch.push(2), ch.push(3)];
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(await state(ps[2] as Promise<void>)).toBe('pending');
    expect(await ch.pullMany(2)).toEqual([3]);
    await Promise.all(ps);
  });

  // sync_mpsc.rs send_recv_buffer_limited: a parked send is served once room frees
  it('send_recv_buffer_limited: blocked send proceeds after a recv', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const p = ch.push(2);
    expect(await state(p)).toBe('pending');
    expect(await ch.pull()).toBe(1);
    await p;
    expect(await ch.pull()).toBe(2);
  });

  // sync_mpsc.rs recv_close_gets_none_idle
  it('recv_close_gets_none_idle: receiver closes, recv gets None, send fails', async () => {
    const ch = new Channel<number>(10);
    ch.close();
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // sync_mpsc.rs recv_close_gets_none_reserved: a sender waiting for capacity fails on close
  it('recv_close_gets_none_reserved: a waiting sender is failed by close; buffered value stays', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const waiting = ch.push(2);
    ch.close();
    await expect(waiting).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // sync_mpsc.rs tx_close_gets_none
  it('tx_close_gets_none: closing an empty channel ends recv', async () => {
    const ch = new Channel<number>(10);
    const p = ch.pull();
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // sync_mpsc.rs try_send_fail
  it('try_send_fail: Full, then room after recv, then Closed', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('hello');
    expect(() => ch.pushNowait('fail')).toThrow(ChannelFullError);
    expect(await ch.pull()).toBe('hello');
    ch.pushNowait('goodbye');
    ch.close();
    expect(await ch.pull()).toBe('goodbye');
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // sync_mpsc.rs try_send_fail_with_try_recv
  it('try_send_fail_with_try_recv', () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('hello');
    expect(ch.tryPush('fail')).toBe(false);
    expect(ch.tryPull()).toBe('hello');
    expect(ch.tryPush('goodbye')).toBe(true);
    ch.close();
    expect(ch.tryPull()).toBe('goodbye');
    expect(ch.tryPull()).toBeUndefined();
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // sync_mpsc.rs try_reserve_fails: no permits; the closest is a select push case, which
  // commits nothing when it does not win.
  it('try_reserve_fails ~ losing select push case commits nothing', async () => {
    const full = new Channel<number>(1);
    full.pushNowait(0);
    const other = new Channel<number>(1);
    other.pushNowait(5);
    const r = await select([push(full, 1), pull(other)]);
    expect(r.index).toBe(1);
    expect(full.size).toBe(1);
    expect(full.stats().waitingPushers).toBe(0);
    expect(full.pullNowait()).toBe(0);
  });

  // sync_mpsc.rs dropping_rx_closes_channel / dropping_rx_closes_channel_for_try
  it('dropping_rx_closes_channel_for_try: try_send after close reports closed', () => {
    const ch = new Channel<number>(100);
    ch.close();
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
    expect(ch.tryPush(1)).toBe(false);
    expect(ch.closed).toBe(true);
  });

  // sync_mpsc.rs try_recv_bounded (condensed): Empty, values, parked sender moves up, Disconnected
  it('try_recv_bounded: buffer, then parked sender value, then Empty, then Disconnected', async () => {
    const ch = new Channel<string>(5);
    for (const s of ['hello', 'hello', 'hello', 'hello', 'hello']) ch.pushNowait(s);
    expect(() => ch.pushNowait('hello')).toThrow(ChannelFullError);
    const parked = ch.push('world');
    for (let i = 0; i < 5; i++) expect(ch.pullNowait()).toBe('hello');
    expect(ch.pullNowait()).toBe('world');
    await parked;
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    ch.close();
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // sync_mpsc.rs try_recv_close_while_empty_{bounded,unbounded}
  for (const cap of [16, Number.POSITIVE_INFINITY]) {
    it(`try_recv_close_while_empty (capacity ${cap})`, () => {
      const ch = new Channel<number>(cap);
      expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
      ch.close();
      expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
    });
  }

  // sync_mpsc.rs recv_timeout: a recv bounded by a timeout ~ pull with a signal
  it('recv_timeout: pull with an aborting signal rejects with the reason and leaves no waiter', async () => {
    const ch = new Channel<number>(10);
    const signal = AbortSignal.timeout(1);
    const err = await ch.pull({ signal }).catch((e: unknown) => e);
    expect(err).toBe(signal.reason);
    expect((err as Error).name).toBe('TimeoutError');
    expect(ch.stats().waitingPullers).toBe(0);
    // a value pushed afterwards is not lost
    ch.pushNowait(5);
    expect(ch.pullNowait()).toBe(5);
  });

  // sync_mpsc.rs test_tx_capacity: capacity() is free slots, max_capacity() the bound
  it('test_tx_capacity ~ capacity - size', async () => {
    const ch = new Channel<string>(10);
    expect(ch.capacity - ch.size).toBe(10);
    await ch.push('a');
    await ch.push('b');
    expect(ch.capacity - ch.size).toBe(8);
    expect(ch.capacity).toBe(10);
  });

  // sync_mpsc.rs test_rx_is_closed_when_there_are_messages_and_close_is_called,
  // test_rx_len_when_close_is_called, test_rx_is_not_empty_when_the_buffer_is_full
  it('is_closed/len/is_empty after close with messages', async () => {
    const ch = new Channel<number>(10);
    await ch.push(1);
    await ch.push(2);
    ch.close();
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(2);
    expect(ch.empty).toBe(false);
    await ch.pull();
    await ch.pull();
    expect(ch.empty).toBe(true);
    expect(ch.size).toBe(0);
  });

  // sync_mpsc.rs test_is_empty_32_msgs
  it('test_is_empty_32_msgs', async () => {
    const ch = new Channel<number>(33);
    for (let value = 1; value < 33; value++) {
      for (let i = 0; i < value; i++) ch.pushNowait(i);
      for (let i = 0; i < value; i++) {
        expect(ch.empty).toBe(false);
        ch.pullNowait();
      }
      expect(ch.empty).toBe(true);
    }
  });

  // sync_mpsc.rs close-then-iter: the close reason reaches the consumer
  it('close(reason): recv error carries cause; for await throws the reason', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    const reason = new Error('boom');
    ch.close(reason);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) got.push(v);
      })(),
    ).rejects.toBe(reason);
    expect(got).toEqual([1]);
    const err = await ch.pull().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as Error).cause).toBe(reason);
  });

  // sync_mpsc.rs many senders, one receiver: all values arrive once, per-sender order kept
  it('mpsc: per-sender FIFO order kept with 8 senders through capacity 2', async () => {
    const ch = new Channel<[number, number]>(2);
    const senders = Array.from({ length: 8 }, async (_, s) => {
      for (let i = 0; i < 200; i++) await ch.push([s, i]);
    });
    void Promise.all(senders).then(() => ch.close());
    const last = new Array<number>(8).fill(-1);
    let n = 0;
    for await (const [s, i] of ch) {
      expect(i).toBe((last[s] as number) + 1);
      last[s] = i;
      n++;
    }
    expect(n).toBe(1600);
  });

  // sync_mpsc.rs unconsumed_messages_are_dropped / drop_permit_releases_permit /
  // reserve_disarm / blocking_* : Rust ownership and thread blocking, no JS equivalent (skipped).
});
