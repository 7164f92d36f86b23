/**
 * Audit AG: crossbeam-channel's tests/mpsc.rs (Rust's std::sync::mpsc test suite, run on
 * crossbeam) and tests/iter.rs, translated to chanasync.
 * Sources: https://github.com/crossbeam-rs/crossbeam/blob/master/crossbeam-channel/tests/mpsc.rs
 * and …/crossbeam-channel/tests/iter.rs.
 *
 * Mapping: std's `channel()` ≈ `new Channel(Infinity)`, `sync_channel(n)` ≈ `new Channel(n)`
 * (n = 0 a rendezvous); `send`/`recv` ≈ `push`/`pull`; `try_send`/`try_recv` ≈
 * `pushNowait`/`pullNowait`; `recv_timeout` ≈ `pull` with `AbortSignal.timeout`; `iter()` ≈
 * `for await`, `try_iter()` ≈ `tryPull` until undefined; the `select!` of the old std API ≈
 * `select`; dropping the port (receiver) or every chan (sender) ≈ `close()`. Threads ≈ async
 * functions; `thread::yield_now()` loops ≈ a few event-loop turns. Stress counts are scaled down.
 * Contract difference: std's unbounded `send` never blocks and fails only when the receiver is
 * gone — the same for `push` on a closed `Channel(Infinity)`; and std drops the values a
 * dropped receiver held, chanasync's `close()` keeps them readable (not asserted by std here).
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { rejection, settle, track } from './util.js';

const INF = Number.POSITIVE_INFINITY;
const isTimeout = (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError';

/** Tests of mpsc.rs's `channel_tests` (unbounded) and `sync_channel_tests` (bounded, 0 or 1). */
function mpscSuite(kind: 'channel_tests' | 'sync_channel_tests') {
  const cap = kind === 'channel_tests' ? INF : 1;
  const zero = kind === 'channel_tests' ? INF : 0;
  describe(`crossbeam-channel tests/mpsc.rs ${kind}`, () => {
    it('smoke', async () => {
      const ch = new Channel<number>(cap);
      await ch.push(1);
      expect(await ch.pull()).toBe(1);
    });
    it('drop_full', async () => {
      const ch = new Channel<object>(cap);
      await ch.push({});
      ch.close(); // dropping a channel that still holds a value is fine
      expect(ch.size).toBe(1);
    });
    it('smoke_shared', async () => {
      const ch = new Channel<number>(cap);
      await ch.push(1);
      expect(await ch.pull()).toBe(1);
      await ch.push(1); // a clone of the sender ≈ the same channel
      expect(await ch.pull()).toBe(1);
    });
    it('smoke_threads', async () => {
      const ch = new Channel<number>(zero);
      const t = (async () => {
        for (let i = 0; i < 10; i++) await ch.push(i);
      })();
      for (let i = 0; i < 10; i++) expect(await ch.pull()).toBe(i);
      await t;
    });
    it('smoke_port_gone', async () => {
      const ch = new Channel<number>(zero);
      ch.close();
      expect(await rejection(ch.push(1))).toBeInstanceOf(ChannelClosedError);
    });
    it('smoke_chan_gone', async () => {
      const ch = new Channel<number>(zero);
      ch.close();
      expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
    });
    it('port_gone_concurrent', async () => {
      const ch = new Channel<number>(zero);
      const t = (async () => {
        await ch.pull();
      })();
      let failed = false;
      for (let i = 0; i < 100 && !failed; i++) {
        try {
          await ch.push(1);
          if (i === 0) ch.close(); // the receiver takes one value and goes away
        } catch (e) {
          expect(e).toBeInstanceOf(ChannelClosedError);
          failed = true;
        }
      }
      expect(failed).toBe(true);
      await t;
    });
    it('chan_gone_concurrent', async () => {
      const ch = new Channel<number>(zero);
      void (async () => {
        await ch.push(1);
        await ch.push(1);
        ch.close();
      })();
      let n = 0;
      for await (const _ of ch) n++;
      expect(n).toBe(2);
    });
    it('stress', async () => {
      const ch = new Channel<number>(zero);
      const t = (async () => {
        for (let i = 0; i < 1000; i++) await ch.push(1);
      })();
      for (let i = 0; i < 1000; i++) expect(await ch.pull()).toBe(1);
      await t;
    });
    it('stress_shared', async () => {
      const AMT = 1000;
      const NTHREADS = 8;
      const ch = new Channel<number>(zero);
      const senders = Array.from({ length: NTHREADS }, async () => {
        for (let i = 0; i < AMT; i++) await ch.push(1);
      });
      for (let i = 0; i < AMT * NTHREADS; i++) expect(await ch.pull()).toBe(1);
      expect(ch.tryPull()).toBeUndefined();
      await Promise.all(senders);
    });
    it('oneshot_single_thread_close_port_first', () => {
      const ch = new Channel<number>(zero);
      ch.close();
    });
    it('oneshot_single_thread_send_port_close', async () => {
      const ch = new Channel<object>(zero);
      ch.close();
      expect(await rejection(ch.push({}))).toBeInstanceOf(ChannelClosedError);
    });
    it('oneshot_single_thread_recv_chan_close', async () => {
      const ch = new Channel<number>(zero);
      ch.close();
      expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
    });
    it('oneshot_single_thread_send_then_recv', async () => {
      const ch = new Channel<object>(cap);
      const v = { n: 10 };
      await ch.push(v);
      expect(await ch.pull()).toBe(v);
    });
    it('oneshot_single_thread_try_send_open', () => {
      const ch = new Channel<number>(cap);
      ch.pushNowait(10);
      expect(ch.pullNowait()).toBe(10);
    });
    it('oneshot_single_thread_try_send_closed', () => {
      const ch = new Channel<number>(zero);
      ch.close();
      expect(() => ch.pushNowait(10)).toThrow(ChannelClosedError);
    });
    if (kind === 'sync_channel_tests') {
      it('oneshot_single_thread_try_send_closed2', () => {
        const ch = new Channel<number>(0);
        expect(() => ch.pushNowait(10)).toThrow(ChannelFullError);
      });
      it('oneshot_single_thread_try_recv_closed_with_data', () => {
        const ch = new Channel<number>(1);
        ch.pushNowait(10);
        ch.close();
        expect(ch.pullNowait()).toBe(10);
        expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
      });
    }
    it('oneshot_single_thread_try_recv_open', () => {
      const ch = new Channel<number>(cap);
      ch.pushNowait(10);
      expect(ch.tryPull()).toBe(10);
    });
    it('oneshot_single_thread_try_recv_closed', () => {
      const ch = new Channel<number>(zero);
      ch.close();
      expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
    });
    it('oneshot_single_thread_peek_data', () => {
      const ch = new Channel<number>(cap);
      expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
      ch.pushNowait(10);
      expect(ch.pullNowait()).toBe(10);
    });
    it('oneshot_single_thread_peek_open', () => {
      const ch = new Channel<number>(zero);
      expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    });
    it('oneshot_multi_task_recv_then_send', async () => {
      const ch = new Channel<number>(zero);
      const r = ch.pull();
      await ch.push(10);
      expect(await r).toBe(10);
    });
    it('oneshot_multi_task_recv_then_close', async () => {
      const ch = new Channel<number>(zero);
      const r = ch.pull();
      ch.close();
      expect(await rejection(r)).toBeInstanceOf(ChannelClosedError);
    });
    it('oneshot_multi_thread_send_recv_stress', async () => {
      for (let i = 0; i < 500; i++) {
        const ch = new Channel<number>(zero);
        const s = ch.push(i);
        expect(await ch.pull()).toBe(i);
        await s;
      }
    });
    it('oneshot_multi_thread_send_close_stress', async () => {
      for (let i = 0; i < 500; i++) {
        const ch = new Channel<number>(zero);
        const r = track(ch.pull());
        ch.close();
        const s = await rejection(ch.push(1));
        expect(s).toBeInstanceOf(ChannelClosedError);
        await settle(0);
        await Promise.resolve();
        expect(await rejection(r.promise)).toBeInstanceOf(ChannelClosedError);
      }
    });
    it('stream_send_recv_stress', async () => {
      for (let round = 0; round < 20; round++) {
        const ch = new Channel<number>(zero);
        const send = async (i: number): Promise<void> => {
          if (i === 10) return;
          await ch.push(i);
          await send(i + 1);
        };
        const recv = async (i: number): Promise<void> => {
          if (i === 10) return;
          expect(await ch.pull()).toBe(i);
          await recv(i + 1);
        };
        await Promise.all([send(0), recv(0)]);
      }
    });
    it('recv_a_lot', async () => {
      const N = 10_000;
      const ch = new Channel<void>(kind === 'channel_tests' ? INF : N);
      for (let i = 0; i < N; i++) await ch.push();
      for (let i = 0; i < N; i++) await ch.pull();
      expect(ch.size).toBe(0);
    });
    it('oneshot_single_thread_recv_timeout', async () => {
      const ch = new Channel<number>(cap);
      await ch.push(1);
      expect(await ch.pull({ signal: AbortSignal.timeout(1) })).toBe(1);
      expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(1) })))).toBe(true);
      await ch.push(1);
      expect(await ch.pull({ signal: AbortSignal.timeout(1) })).toBe(1);
    });
    it('stress_recv_timeout_two_threads', async () => {
      const ch = new Channel<number>(kind === 'channel_tests' ? INF : 10);
      const t = (async () => {
        for (let i = 0; i < 100; i++) {
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
          await ch.push(1);
        }
        ch.close();
      })();
      let recv = 0;
      for (;;) {
        try {
          expect(await ch.pull({ signal: AbortSignal.timeout(1) })).toBe(1);
          recv++;
        } catch (e) {
          if (e instanceof ChannelClosedError) break;
          expect(isTimeout(e)).toBe(true);
        }
      }
      expect(recv).toBe(100);
      await t;
    });
    it('shared_recv_timeout', async () => {
      const ch = new Channel<void>(kind === 'channel_tests' ? INF : 10);
      for (let i = 0; i < 10; i++) await ch.push();
      for (let i = 0; i < 10; i++) await ch.pull();
      expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(1) })))).toBe(true);
      await ch.push();
      expect(await ch.pull({ signal: AbortSignal.timeout(1) })).toBeUndefined();
    });
    it('test_nested_recv_iter', async () => {
      const ch = new Channel<number>(cap === 1 ? 0 : INF);
      const total = new Channel<number>(cap === 1 ? 0 : INF);
      void (async () => {
        let acc = 0;
        for await (const x of ch) acc += x;
        await total.push(acc);
      })();
      await ch.push(3);
      await ch.push(1);
      await ch.push(2);
      ch.close();
      expect(await total.pull()).toBe(6);
    });
    it('test_recv_iter_break', async () => {
      const ch = new Channel<number>(cap === 1 ? 0 : INF);
      const count = new Channel<number>(INF);
      void (async () => {
        let c = 0;
        for await (const x of ch) {
          if (c >= 3) break;
          c += x;
        }
        count.pushNowait(c);
      })();
      await ch.push(2);
      await ch.push(2);
      await ch.push(2);
      // std: `let _ = tx.send(2)` may fail; chanasync's rendezvous would wait for ever once
      // the loop has left, so the fourth is a tryPush plus, if refused, the loop's end.
      if (!ch.tryPush(2)) await ch.push(2, { signal: AbortSignal.timeout(100) }).catch(() => {});
      ch.close();
      expect(await count.pull()).toBe(4);
    });
    it('try_recv_states', async () => {
      const c1 = new Channel<number>(1);
      const c2 = new Channel<void>(1);
      const c3 = new Channel<void>(1);
      const t = (async () => {
        await c2.pull();
        await c1.push(1);
        await c3.push();
        await c2.pull();
        c1.close();
        await c3.push();
      })();
      expect(() => c1.pullNowait()).toThrow(ChannelEmptyError);
      await c2.push();
      await c3.pull();
      expect(c1.pullNowait()).toBe(1);
      expect(() => c1.pullNowait()).toThrow(ChannelEmptyError);
      await c2.push();
      await c3.pull();
      expect(() => c1.pullNowait()).toThrow(ChannelClosedError);
      await t;
    });
    it('destroy_upgraded_shared_port_when_sender_still_active', async () => {
      const ch = new Channel<void>(zero);
      const done = new Channel<void>(INF);
      const t = (async () => {
        await ch.pull();
        done.pushNowait();
      })();
      await ch.push();
      await done.pull();
      await t;
      await ch.push(undefined, { signal: AbortSignal.timeout(5) }).catch(() => {});
    });
    if (kind === 'sync_channel_tests') {
      it('send1', async () => {
        const ch = new Channel<number>(0);
        const t = ch.pull();
        await ch.push(1);
        await t;
      });
      it('send2', async () => {
        const ch = new Channel<number>(0);
        setTimeout(() => ch.close(), 1);
        expect(await rejection(ch.push(1))).toBeInstanceOf(ChannelClosedError);
      });
      it('send3', async () => {
        const ch = new Channel<number>(1);
        await ch.push(1);
        setTimeout(() => ch.close(), 1);
        expect(await rejection(ch.push(1))).toBeInstanceOf(ChannelClosedError);
      });
      it('send4', async () => {
        const ch = new Channel<number>(0);
        const a = ch.push(1);
        const b = ch.push(2);
        ch.close();
        expect(await rejection(a)).toBeInstanceOf(ChannelClosedError);
        expect(await rejection(b)).toBeInstanceOf(ChannelClosedError);
      });
      it('try_send1', () => {
        expect(() => new Channel<number>(0).pushNowait(1)).toThrow(ChannelFullError);
      });
      it('try_send2', () => {
        const ch = new Channel<number>(1);
        ch.pushNowait(1);
        expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
      });
      it('try_send3', () => {
        const ch = new Channel<number>(1);
        ch.pushNowait(1);
        ch.close();
        expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
      });
      it('issue_15761', async () => {
        for (let i = 0; i < 100; i++) {
          const c1 = new Channel<void>(3);
          const c2 = new Channel<void>(3);
          const t = (async () => {
            await c1.pull();
            c2.pushNowait();
          })();
          c1.pushNowait();
          await c2.pull();
          await t;
        }
      });
    }
  });
}
mpscSuite('channel_tests');
mpscSuite('sync_channel_tests');

describe('crossbeam-channel tests/mpsc.rs select_tests', () => {
  it('smoke', async () => {
    const [a, b] = [new Channel<number>(INF), new Channel<number>(INF)];
    a.pushNowait(1);
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 0, value: 1 });
    b.pushNowait(2);
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 1, value: 2 });
    a.close();
    expect(await select([pull(b), pull(a)])).toMatchObject({ index: 1, ok: false });
  });
  it('smoke2', async () => {
    const chans = Array.from({ length: 5 }, () => new Channel<number>(INF));
    chans[4]?.pushNowait(4);
    expect(await select(chans.map((c) => pull(c)))).toMatchObject({ index: 4, value: 4 });
  });
  it('closed', async () => {
    const [a, b] = [new Channel<number>(INF), new Channel<number>(INF)];
    b.close();
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 1, ok: false });
  });
  it('unblocks', async () => {
    const [a, b, c] = [new Channel<number>(INF), new Channel<number>(INF), new Channel<number>(INF)];
    const t = (async () => {
      await settle(1);
      a.pushNowait(1);
      await c.pull();
      b.close();
    })();
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 0, value: 1 });
    c.pushNowait(0);
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 1, ok: false });
    await t;
  });
  it('both_ready', async () => {
    const [a, b, c] = [new Channel<number>(INF), new Channel<number>(INF), new Channel<void>(INF)];
    const t = (async () => {
      await settle(1);
      a.pushNowait(1);
      b.pushNowait(2);
      await c.pull();
    })();
    const got = new Set<number>();
    for (let i = 0; i < 2; i++) {
      const r = await select([pull(a), pull(b)]);
      got.add(r.value as number);
    }
    expect([...got].sort()).toEqual([1, 2]);
    expect(a.tryPull()).toBeUndefined();
    expect(b.tryPull()).toBeUndefined();
    c.pushNowait();
    await t;
  });
  it('stress', async () => {
    const AMT = 1000;
    const [a, b, c] = [new Channel<number>(INF), new Channel<number>(INF), new Channel<void>(INF)];
    const t = (async () => {
      for (let i = 0; i < AMT; i++) {
        if (i % 2 === 0) a.pushNowait(i);
        else b.pushNowait(i);
        await c.pull();
      }
    })();
    for (let i = 0; i < AMT; i++) {
      const r = await select([pull(a), pull(b)]);
      expect(r.index).toBe(i % 2);
      expect(r.value).toBe(i);
      c.pushNowait();
    }
    await t;
  });
  // preflight1..9: a select on a channel that already has data (1–6: one or two values, with a
  // sender clone dropped or not) or whose senders are gone (7: never sent; 8, 9: sent, dropped
  // and drained): the case fires at once, with a value or with Err (ok: false).
  const PREFLIGHT: Record<number, { sends: number; close: boolean; drain: boolean }> = {
    1: { sends: 1, close: false, drain: false },
    2: { sends: 2, close: false, drain: false },
    3: { sends: 1, close: false, drain: false },
    4: { sends: 1, close: false, drain: false },
    5: { sends: 2, close: false, drain: false },
    6: { sends: 1, close: false, drain: false },
    7: { sends: 0, close: true, drain: false },
    8: { sends: 1, close: true, drain: true },
    9: { sends: 1, close: true, drain: true },
  };
  for (const [n, p] of Object.entries(PREFLIGHT)) {
    it(`preflight${n}`, async () => {
      const ch = new Channel<void>(INF);
      for (let i = 0; i < p.sends; i++) ch.pushNowait();
      if (p.close) ch.close();
      if (p.drain) await ch.pull();
      const r = await select([pull(ch)], { signal: AbortSignal.timeout(10_000) });
      expect(r.index).toBe(0);
      expect(r.ok).toBe(!p.close);
    });
  }
  /** The data_waiting tests' end: a task parks in a select on `a`; a value pushed on `a` wakes it, and it answers on `b`. */
  async function selectWokenByData(a: Channel<void>, b: Channel<void>): Promise<void> {
    const t = (async () => {
      await select([pull(a)]);
      b.pushNowait();
    })();
    await settle(1);
    a.pushNowait();
    await b.pull();
    await t;
  }
  it('oneshot_data_waiting', async () => {
    const [a, b] = [new Channel<void>(INF), new Channel<void>(INF)];
    await selectWokenByData(a, b);
  });
  it('stream_data_waiting', async () => {
    const [a, b] = [new Channel<void>(INF), new Channel<void>(INF)];
    a.pushNowait();
    a.pushNowait();
    await a.pull();
    await a.pull();
    await selectWokenByData(a, b);
  });
  it('sync1', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    expect((await select([pull(ch)])).value).toBe(1);
  });
  it('sync2', async () => {
    const ch = new Channel<number>(0);
    const t = (async () => {
      await settle(1);
      await ch.push(1);
    })();
    expect((await select([pull(ch)])).value).toBe(1);
    await t;
  });
  it('sync3', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(INF);
    const t1 = a.push(1);
    b.pushNowait(2);
    const r = await select([pull(a), pull(b)]);
    if (r.index === 0) {
      expect(r.value).toBe(1);
      expect(await b.pull()).toBe(2);
    } else {
      expect(r.value).toBe(2);
      expect(await a.pull()).toBe(1);
    }
    await t1;
  });
});

describe('crossbeam-channel tests/iter.rs', () => {
  it('nested_recv_iter', async () => {
    const ch = new Channel<number>(INF);
    const total = new Channel<number>(INF);
    void (async () => {
      let acc = 0;
      for await (const x of ch) acc += x;
      total.pushNowait(acc);
    })();
    ch.pushNowait(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    expect(await total.pull()).toBe(6);
  });
  it('recv_iter_break', async () => {
    const ch = new Channel<number>(INF);
    const count = new Channel<number>(INF);
    const t = (async () => {
      let c = 0;
      for await (const x of ch) {
        if (c >= 3) break;
        c += x;
      }
      count.pushNowait(c);
    })();
    for (let i = 0; i < 4; i++) ch.pushNowait(2);
    ch.close();
    expect(await count.pull()).toBe(4);
    await t;
    // The loop took three values (the third hit `break`); the fourth is still there — leaving
    // a loop early neither closes the channel nor takes a value it did not yield.
    expect(ch.tryPull()).toBe(2);
    expect(ch.tryPull()).toBeUndefined();
  });
  it('recv_try_iter', async () => {
    const request = new Channel<void>(INF);
    const response = new Channel<number>(INF);
    const t = (async () => {
      let count = 0;
      for (;;) {
        for (let x = response.tryPull(); x !== undefined; x = response.tryPull()) {
          count += x;
          if (count === 6) {
            request.close();
            return count;
          }
        }
        request.pushNowait();
        await settle(0);
      }
    })();
    for await (const _ of request) {
      if (!response.tryPush(2)) break;
    }
    expect(await t).toBe(6);
  });
  it('recv_into_iter_owned', async () => {
    const iter = (() => {
      const ch = new Channel<number>(INF);
      ch.pushNowait(1);
      ch.pushNowait(2);
      ch.close(); // crossbeam: the sender is dropped at the end of the block
      return ch[Symbol.asyncIterator]();
    })();
    expect((await iter.next()).value).toBe(1);
    expect((await iter.next()).value).toBe(2);
    expect((await iter.next()).done).toBe(true);
  });
  it('recv_into_iter_borrowed', async () => {
    const ch = new Channel<number>(INF);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    const iter = ch[Symbol.asyncIterator]();
    expect((await iter.next()).value).toBe(1);
    expect((await iter.next()).value).toBe(2);
    expect((await iter.next()).done).toBe(true);
  });
});
