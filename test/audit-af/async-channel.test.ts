/**
 * Audit AF: smol-rs/async-channel's tests (Rust), translated to chanasync.
 * Sources: https://github.com/smol-rs/async-channel/blob/master/tests/bounded.rs and
 * https://github.com/smol-rs/async-channel/blob/master/tests/unbounded.rs
 *
 * Mapping: `bounded(n)` ≈ `new Channel(n)`, `unbounded()` ≈ `new Channel(Infinity)`;
 * `send`/`recv` ≈ `push`/`pull`; `try_send`/`try_recv` ≈ `pushNowait`/`pullNowait`
 * (`TrySendError::Full`/`TryRecvError::Empty` ≈ `ChannelFullError`/`ChannelEmptyError`,
 * `Closed` ≈ `ChannelClosedError`); `len`/`is_empty`/`is_full`/`capacity` ≈
 * `size`/`empty`/`full`/`capacity`; dropping the last sender or receiver ≈ `close()` (there are
 * no handle counts, so `receiver_count`/`sender_count` are not ported); a thread with `sleep`
 * ≈ an async function with a timer (delays shortened: 1000 ms → 30 ms).
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { bump, largestSizeUnderLoad, sizeFollowsRounds } from './util.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ms = (n: number) => (n / 1000) * 30;

describe('async-channel tests/bounded.rs', () => {
  it('smoke', async () => {
    const ch = new Channel<number>(1);
    await ch.push(7);
    expect(ch.pullNowait()).toBe(7);
    await ch.push(8);
    expect(await ch.pull()).toBe(8);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });

  it('capacity', () => {
    for (let i = 1; i < 10; i++) expect(new Channel(i).capacity).toBe(i);
  });

  it('len_empty_full', async () => {
    const ch = new Channel<null>(2);
    expect([ch.size, ch.empty, ch.full]).toEqual([0, true, false]);
    await ch.push(null);
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
    await ch.push(null);
    expect([ch.size, ch.empty, ch.full]).toEqual([2, false, true]);
    await ch.pull();
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
  });

  it('try_recv', async () => {
    const ch = new Channel<number>(100);
    await Promise.all([
      (async () => {
        expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
        await sleep(ms(1500));
        expect(ch.pullNowait()).toBe(7);
        await sleep(ms(1000));
        expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
      })(),
      (async () => {
        await sleep(ms(1000));
        await ch.push(7);
        ch.close(); // the sender is dropped
      })(),
    ]);
  });

  it('recv', async () => {
    const ch = new Channel<number>(100);
    await Promise.all([
      (async () => {
        expect(await ch.pull()).toBe(7);
        await sleep(ms(1000));
        expect(await ch.pull()).toBe(8);
        await sleep(ms(1000));
        expect(await ch.pull()).toBe(9);
        await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      })(),
      (async () => {
        await sleep(ms(1500));
        await ch.push(7);
        await ch.push(8);
        await ch.push(9);
        ch.close();
      })(),
    ]);
  });

  it('try_send', async () => {
    const ch = new Channel<number>(1);
    let receiverDone!: () => void;
    const receiverGone = new Promise<void>((r) => {
      receiverDone = r;
    });
    await Promise.all([
      (async () => {
        ch.pushNowait(1);
        expect(() => ch.pushNowait(2)).toThrow(ChannelFullError);
        await sleep(ms(1500));
        ch.pushNowait(3);
        await receiverGone;
        expect(() => ch.pushNowait(4)).toThrow(ChannelClosedError);
      })(),
      (async () => {
        await sleep(ms(1000));
        expect(ch.pullNowait()).toBe(1);
        expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
        expect(await ch.pull()).toBe(3);
        ch.close(); // the receiver is dropped
        receiverDone();
      })(),
    ]);
  });

  it('send', async () => {
    const ch = new Channel<number>(1);
    await Promise.all([
      (async () => {
        await ch.push(7);
        await sleep(ms(1000));
        await ch.push(8);
        await sleep(ms(1000));
        await ch.push(9);
        await sleep(ms(1000));
        await ch.push(10);
      })(),
      (async () => {
        await sleep(ms(1500));
        expect(await ch.pull()).toBe(7);
        expect(await ch.pull()).toBe(8);
        expect(await ch.pull()).toBe(9);
      })(),
    ]);
    expect(ch.pullNowait()).toBe(10);
  });

  // Rust: dropping the receiver makes every later send fail with the value returned.
  it('send_after_close', async () => {
    const ch = new Channel<number>(100);
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    ch.close();
    await expect(ch.push(4)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait(5)).toThrow(ChannelClosedError);
    expect(ch.tryPush(5)).toBe(false);
    await expect(ch.push(6)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('recv_after_close', async () => {
    const ch = new Channel<number>(100);
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('len', async () => {
    const COUNT = 25_000;
    const CAP = 1000;
    const ch = new Channel<number>(CAP);
    expect(ch.size).toBe(0);
    await sizeFollowsRounds(ch, CAP / 10);
    expect(ch.size).toBe(0);
    for (let i = 0; i < CAP; i++) {
      await ch.push(i);
      expect(ch.size).toBe(i + 1);
    }
    for (let i = 0; i < CAP; i++) await ch.pull();
    expect(ch.size).toBe(0);
    expect(await largestSizeUnderLoad(ch, COUNT)).toBeLessThanOrEqual(CAP);
    expect(ch.size).toBe(0);
  });

  it('close_wakes_sender', async () => {
    const ch = new Channel<null>(1);
    await Promise.all([
      (async () => {
        await ch.push(null);
        await expect(ch.push(null)).rejects.toBeInstanceOf(ChannelClosedError);
      })(),
      (async () => {
        await sleep(ms(1000));
        ch.close();
      })(),
    ]);
  });

  it('close_wakes_receiver', async () => {
    const ch = new Channel<null>(1);
    await Promise.all([
      expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError),
      (async () => {
        await sleep(ms(1000));
        ch.close();
      })(),
    ]);
  });

  it('spsc', async () => {
    const COUNT = 100_000;
    const ch = new Channel<number>(3);
    await Promise.all([
      (async () => {
        for (let i = 0; i < COUNT; i++) if ((await ch.pull()) !== i) throw new Error(`out of order at ${i}`);
        await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      })(),
      (async () => {
        for (let i = 0; i < COUNT; i++) await ch.push(i);
        ch.close();
      })(),
    ]);
  });

  for (const mode of ['mpmc', 'mpmc_stream'] as const) {
    it(mode, async () => {
      const COUNT = 5000;
      const THREADS = 4;
      const ch = new Channel<number>(3);
      const v = new Array<number>(COUNT).fill(0);
      const consumers = Array.from({ length: THREADS }, async () => {
        if (mode === 'mpmc') {
          for (let i = 0; i < COUNT; i++) bump(v, await ch.pull());
        } else {
          const it = ch[Symbol.asyncIterator]();
          for (let i = 0; i < COUNT; i++) bump(v, (await it.next()).value as number);
        }
      });
      const producers = Array.from({ length: THREADS }, async () => {
        for (let i = 0; i < COUNT; i++) await ch.push(i);
      });
      await Promise.all([...consumers, ...producers]);
      expect(v.every((c) => c === THREADS)).toBe(true);
      expect(ch.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
    });
  }
});

describe('async-channel tests/unbounded.rs', () => {
  it('smoke', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    ch.pushNowait(7);
    expect(ch.pullNowait()).toBe(7);
    await ch.push(8);
    expect(await ch.pull()).toBe(8);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });

  it('capacity', () => {
    expect(new Channel(Number.POSITIVE_INFINITY).capacity).toBe(Number.POSITIVE_INFINITY);
  });

  it('len_empty_full', async () => {
    const ch = new Channel<null>(Number.POSITIVE_INFINITY);
    expect([ch.size, ch.empty, ch.full]).toEqual([0, true, false]);
    await ch.push(null);
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
    await ch.pull();
    expect([ch.size, ch.empty, ch.full]).toEqual([0, true, false]);
  });

  it('send_after_close / recv_after_close', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    expect(() => ch.pushNowait(3)).toThrow(ChannelClosedError);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('len', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 50; i++) {
      ch.pushNowait(i);
      expect(ch.size).toBe(i + 1);
    }
    for (let i = 0; i < 50; i++) {
      ch.pullNowait();
      expect(ch.size).toBe(50 - i - 1);
    }
    // a burst well past the ring's growth and shrink thresholds keeps count and order
    for (let i = 0; i < 100_000; i++) ch.pushNowait(i);
    expect(ch.size).toBe(100_000);
    for (let i = 0; i < 100_000; i++) if (ch.pullNowait() !== i) throw new Error(`order at ${i}`);
    expect(ch.size).toBe(0);
  });

  it('close_wakes_receiver', async () => {
    const ch = new Channel<null>(Number.POSITIVE_INFINITY);
    const r = expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await sleep(ms(1000));
    ch.close();
    await r;
  });
});
