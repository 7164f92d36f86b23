/**
 * Audit AF: trio's memory-channel tests, translated to chanasync.
 * Source: https://github.com/python-trio/trio/blob/main/src/trio/_tests/test_channel.py
 *
 * Mapping: `open_memory_channel(n)` ≈ `new Channel(n)`; `send`/`receive` ≈ `push`/`pull`;
 * `send_nowait`/`receive_nowait` ≈ `pushNowait`/`pullNowait` (trio's `WouldBlock` ≈
 * `ChannelFullError`/`ChannelEmptyError`); `aclose()`/`close()` ≈ `close()`; `EndOfChannel` and
 * `ClosedResourceError` ≈ `ChannelClosedError`; a cancel scope ≈ an `AbortSignal`;
 * `as_safe_channel(agen)` ≈ `from(agen())`. trio has separate send and receive handles that can
 * be cloned and closed one by one; chanasync has one channel and one channel-wide `close()`, so
 * the handle tests are translated to that contract and say where it differs.
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, from } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle, track, until } from './util.js';

describe('trio src/trio/_tests/test_channel.py', () => {
  // test_channel
  it('test_channel', async () => {
    // trio: open_memory_channel(1.0) is a TypeError (a float). JavaScript has one number type,
    // so 1.0 *is* the integer 1 and is accepted; a fractional size is the RangeError.
    expect(new Channel(1.0).capacity).toBe(1);
    expect(() => new Channel(1.5)).toThrow(RangeError);
    // trio: ValueError "max_buffer_size must be >= 0".
    expect(() => new Channel(-1)).toThrow(RangeError);

    const ch = new Channel<number | string | null>(2);
    ch.pushNowait(1);
    await ch.push(2);
    expect(() => ch.pushNowait(null)).toThrow(ChannelFullError);

    expect(await ch.pull()).toBe(1);
    expect(ch.pullNowait()).toBe(2);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);

    ch.pushNowait('last');
    ch.close();
    await expect(ch.push('too late')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait('too late')).toThrow(ChannelClosedError);
    ch.close(); // a second close is fine (trio: a second aclose is a no-op)

    expect(ch.pullNowait()).toBe('last');
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError); // trio: EndOfChannel
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  // test_553: a receive cancelled by a timeout must not eat the next value.
  it('test_553', async () => {
    const ch = new Channel<string>(1);
    await expect(ch.pull({ signal: AbortSignal.timeout(10) })).rejects.toMatchObject({ name: 'TimeoutError' });
    await ch.push('Test for PR #553');
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe('Test for PR #553');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // test_channel_multiple_producers: trio closes when the last send clone closes; here the
  // producers' owner closes once they are all done.
  it('test_channel_multiple_producers', async () => {
    const ch = new Channel<number>(0);
    const producers = Array.from({ length: 10 }, async (_, i) => {
      for (let j = 3 * i; j < 3 * (i + 1); j++) await ch.push(j);
    });
    void Promise.all(producers).then(() => ch.close());
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    got.sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('test_channel_multiple_consumers', async () => {
    const ch = new Channel<number>(1);
    const successful = new Set<number>();
    const received: number[] = [];
    const consumers = Array.from({ length: 5 }, async (_, i) => {
      for await (const v of ch) {
        successful.add(i);
        received.push(v);
      }
    });
    await settle(); // wait_all_tasks_blocked
    for (let i = 0; i < 10; i++) await ch.push(i);
    ch.close();
    await Promise.all(consumers);
    expect(successful).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(received).toHaveLength(10);
    expect(new Set(received)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => i)));
  });

  it('test_close_basics', async () => {
    // closing -> a parked send fails with the closed error
    let ch = new Channel<null>(0);
    const send = ch.push(null);
    await settle();
    ch.close();
    await expect(send).rejects.toBeInstanceOf(ChannelClosedError);
    // and it's persistent
    expect(() => ch.pushNowait(null)).toThrow(ChannelClosedError);
    await expect(ch.push(null)).rejects.toBeInstanceOf(ChannelClosedError);
    // and receive gets the end of the channel
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);

    // trio: closing the *receive* handle makes a parked send fail with BrokenResourceError.
    // chanasync has one close for both ends (the consumer may call it): the parked send fails
    // with ChannelClosedError, and so does every later send.
    ch = new Channel<null>(0);
    const send2 = ch.push(null);
    await settle();
    ch.close();
    await expect(send2).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait(null)).toThrow(ChannelClosedError);

    // closing -> a parked receive fails with the closed error; persistent
    const ch2 = new Channel<number>(0);
    const recv = ch2.pull();
    await settle();
    ch2.close();
    await expect(recv).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch2.pullNowait()).toThrow(ChannelClosedError);
    await expect(ch2.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // test_close_sync: trio's synchronous close() wakes the blocked tasks like aclose().
  // chanasync's close() is synchronous: the state changes before it returns.
  it('test_close_sync', async () => {
    const ch = new Channel<null>(0);
    const send = track(ch.push(null));
    const ch2 = new Channel<null>(0);
    const recv = track(ch2.pull());
    await settle();
    expect(ch.stats().waitingPushers).toBe(1);
    ch.close();
    ch2.close();
    expect(ch.closed).toBe(true);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(ch2.stats().waitingPullers).toBe(0);
    await settle();
    expect(send.state).toBe('rejected');
    expect(send.error).toBeInstanceOf(ChannelClosedError);
    expect(recv.state).toBe('rejected');
    expect(recv.error).toBeInstanceOf(ChannelClosedError);
  });

  // test_close_multiple_send_handles: in trio, closing one send clone wakes only the senders on
  // that clone, and a send on another clone still succeeds. chanasync has no handles: close()
  // is channel-wide, so *every* parked send fails and no value is delivered. Asserted as such.
  it('test_close_multiple_send_handles (contract: close is channel-wide)', async () => {
    const ch = new Channel<string>(0);
    const a = track(ch.push('nope'));
    const b = track(ch.push('ok'));
    await settle();
    ch.close();
    await settle();
    expect(a.error).toBeInstanceOf(ChannelClosedError);
    expect(b.error).toBeInstanceOf(ChannelClosedError);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // test_close_multiple_receive_handles: same difference on the receive side.
  it('test_close_multiple_receive_handles (contract: close is channel-wide)', async () => {
    const ch = new Channel<string>(0);
    const a = track(ch.pull());
    const b = track(ch.pull());
    await settle();
    ch.close();
    await settle();
    expect(a.error).toBeInstanceOf(ChannelClosedError);
    expect(b.error).toBeInstanceOf(ChannelClosedError);
    await expect(ch.push('ok')).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('test_inf_capacity', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    {
      using send = ch; // trio: `with send:` closes at the end of the block
      for (let i = 0; i < 10; i++) send.pushNowait(i);
    }
    expect(ch.closed).toBe(true);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  // test_statistics: trio's current_buffer_used / max_buffer_size / tasks_waiting_* ≈ stats()'s
  // size / capacity / waitingPushers / waitingPullers. (open_*_channels has no counterpart.)
  it('test_statistics', async () => {
    const ch = new Channel<null>(2);
    let stats = ch.stats();
    expect(stats.size).toBe(0);
    expect(stats.capacity).toBe(2);
    expect(stats.waitingPushers).toBe(0);
    expect(stats.waitingPullers).toBe(0);

    ch.pushNowait(null);
    expect(ch.stats().size).toBe(1);

    ch.pushNowait(null); // fill up the buffer
    expect(ch.stats().size).toBe(2);
    const scope = new AbortController();
    const s1 = ch.push(null, { signal: scope.signal });
    const s2 = ch.push(null, { signal: scope.signal });
    await settle();
    expect(ch.stats().waitingPushers).toBe(2);
    scope.abort();
    await Promise.allSettled([s1, s2]);
    expect(ch.stats().waitingPushers).toBe(0);

    // empty out the buffer again
    for (;;) {
      try {
        ch.pullNowait();
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelEmptyError);
        break;
      }
    }
    const scope2 = new AbortController();
    const r = ch.pull({ signal: scope2.signal });
    await settle();
    stats = ch.stats();
    expect(stats.waitingPullers).toBe(1);
    scope2.abort();
    await expect(r).rejects.toBeDefined();
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('test_channel_fairness', async () => {
    let ch = new Channel<number | null>(1);
    ch.pushNowait(1);
    expect(ch.pullNowait()).toBe(1);
    ch.pushNowait(2);
    expect(ch.pullNowait()).toBe(2);

    // If someone else is waiting to receive, they "own" the item we send.
    const receiving = track(ch.pull());
    await settle();
    ch.pushNowait(2);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    await settle();
    expect(receiving.value).toBe(2);

    // If we free a space, we can't send into it when someone was already waiting to.
    ch = new Channel<number | null>(1);
    ch.pushNowait(1);
    expect(() => ch.pushNowait(null)).toThrow(ChannelFullError);
    const sending = ch.push(2);
    await settle();
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pushNowait(3)).toThrow(ChannelFullError);
    expect(await ch.pull()).toBe(2);
    await sending;
  });

  it('test_unbuffered', async () => {
    const ch = new Channel<number>(0);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
    const send = ch.push(1);
    expect(await ch.pull()).toBe(1);
    await send;
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });

  it('test_as_safe_channel_exhaust', async () => {
    async function* agen() {
      yield 1;
    }
    const got: number[] = [];
    for await (const x of from(agen())) got.push(x);
    expect(got).toEqual([1]);
  });

  // test_as_safe_channel_broken_resource: after the consumer closes, the next receive fails
  // (trio: ClosedResourceError) and leaving the block raises nothing.
  it('test_as_safe_channel_broken_resource', async () => {
    let finished = false;
    async function* agen() {
      try {
        yield 1;
        yield 2;
      } finally {
        finished = true;
      }
    }
    const ch = from(agen());
    const it = ch[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    ch.close();
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await it.next()).toMatchObject({ done: true });
    // The README: a close by anyone releases the source at once (`return()` on its iterator).
    await until(() => finished);
  });

  // test_as_safe_channel_cancelled: cancelled before consumption -> the generator never runs.
  it('test_as_safe_channel_cancelled', async () => {
    let started = false;
    async function* agen() {
      started = true;
      yield undefined;
    }
    const controller = new AbortController();
    const ch = from(agen(), { signal: controller.signal });
    controller.abort();
    await settle();
    expect(ch.closed).toBe(true);
    expect(started).toBe(false);
  });

  // test_as_safe_channel_recv_closed: the consumer closes while the generator waits; its later
  // yield must not raise anywhere.
  it('test_as_safe_channel_recv_closed', async () => {
    let release!: () => void;
    const event = new Promise<void>((r) => {
      release = r;
    });
    let after = false;
    async function* agen() {
      await event;
      yield 1;
      after = true;
    }
    const ch = from(agen());
    const waiting = track(ch.pull());
    await settle();
    ch.close();
    release();
    await settle(5);
    expect(waiting.error).toBeInstanceOf(ChannelClosedError);
    expect(after).toBe(false); // not resumed past its yield: released instead
  });

  // test_as_safe_channel_no_race: a generator that yields then raises -> the loop gets the
  // value, then the error.
  it('test_as_safe_channel_no_race', async () => {
    async function* agen() {
      yield 1;
      throw new Error('oae');
    }
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of from(agen())) got.push(x);
      })(),
    ).rejects.toThrow(/^oae$/);
    expect(got).toEqual([1]);
  });

  // test_as_safe_channel_buffer_size_too_small: buffer size 0 -> the generator is not asked
  // for another value while the consumer holds the first.
  it('test_as_safe_channel_buffer_size_too_small', async () => {
    let askedForMore = false;
    async function* agen() {
      yield 1;
      askedForMore = true;
      yield 2;
    }
    const ch = from(agen());
    expect(await ch.pull()).toBe(1);
    await settle(5);
    expect(askedForMore).toBe(false);
    ch.close();
  });

  // test_as_safe_channel_no_interleave: the next value is not produced until asked for.
  it('test_as_safe_channel_no_interleave', async () => {
    const log: string[] = [];
    async function* agen() {
      log.push('yield 1');
      yield 1;
      log.push('resumed');
    }
    const ch = from(agen());
    const it = ch[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    await settle();
    expect(log).toEqual(['yield 1']);
    ch.close();
  });

  // test_as_safe_channel_genexit_finally: leaving the loop by an exception closes the generator
  // (its finally runs). With chanasync, leaving a `for await` does not close the channel, so
  // the consumer closes it (here through `using`), which releases the source.
  it('test_as_safe_channel_genexit_finally', async () => {
    const events: string[] = [];
    async function* agen() {
      try {
        yield 1;
      } finally {
        events.push('finally');
      }
    }
    await expect(
      (async () => {
        using ch = from(agen());
        for await (const i of ch) {
          expect(i).toBe(1);
          throw new TypeError('iterator');
        }
      })(),
    ).rejects.toThrow(TypeError);
    await until(() => events.length > 0);
    expect(events).toEqual(['finally']);
  });

  it('test_as_safe_channel_nested_loop', async () => {
    async function* agen() {
      for (let i = 0; i < 2; i++) yield i;
    }
    const pairs: [number, number][] = [];
    for await (const i of from(agen())) {
      for await (const j of from(agen())) pairs.push([i, j]);
    }
    expect(pairs).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
  });

  it('test_as_safe_channel_multiple_receiver', async () => {
    let release!: () => void;
    const event = new Promise<void>((r) => {
      release = r;
    });
    async function* agen() {
      await event;
      for (let i = 0; i < 2; i++) yield i;
    }
    const ch = from(agen());
    const first = ch.pull();
    const second = ch.pull();
    release();
    expect(await first).toBe(0);
    expect(await second).toBe(1);
    ch.close();
  });
});
