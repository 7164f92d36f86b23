/**
 * Audit AG: crossbeam-channel's per-flavor test files (Rust), translated to chanasync.
 * Sources: https://github.com/crossbeam-rs/crossbeam/blob/master/crossbeam-channel/tests/zero.rs
 * (rendezvous, `bounded(0)` ≈ `new Channel(0)`), tests/array.rs (`bounded(n)` ≈ `new Channel(n)`)
 * and tests/list.rs (`unbounded()` ≈ `new Channel(Infinity)`). The three files share most test
 * names; each test is written once and run for every flavor that has it.
 *
 * Mapping: `try_send` ≈ `pushNowait`/`tryPush`, `try_recv` ≈ `pullNowait`/`tryPull`,
 * `send_timeout`/`recv_timeout` ≈ `push`/`pull` with `AbortSignal.timeout`, threads ≈ async
 * functions, `len()`/`is_empty()`/`is_full()` ≈ `size`/`empty`/`full`. Dropping every `Sender` ≈
 * `close()` (buffered values stay readable, then pulls fail); dropping the `Receiver` ≈ `close()`
 * as well (pushes fail) — with one deliberate difference: crossbeam drops the buffered values
 * when the last receiver goes (array.rs `drop_unreceived`), chanasync's `close()` keeps them
 * readable (SPEC "Closing"). Counts are scaled down (25 000 → 2 000): one thread ≈ one task.
 * Sleeps that only order two threads are replaced by waiting for the condition they ensured.
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { largestSizeUnderLoad, loopsInParallel, rejection, retryTimeouts, sizeFollowsRounds, sleep } from './util.js';

type Flavor = { file: string; cap: number };
const ZERO: Flavor = { file: 'tests/zero.rs', cap: 0 };
const ARRAY: Flavor = { file: 'tests/array.rs', cap: 1 };
const LIST: Flavor = { file: 'tests/list.rs', cap: Number.POSITIVE_INFINITY };

const isTimeout = (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError';

for (const flavor of [ZERO, ARRAY, LIST]) {
  const { cap } = flavor;
  const bounded = cap !== Number.POSITIVE_INFINITY;
  describe(`crossbeam-channel ${flavor.file}`, () => {
    // zero.rs/array.rs/list.rs `smoke`
    it('smoke', async () => {
      const ch = new Channel<number>(cap);
      if (cap === 0) {
        // zero.rs: try_send is Full(7), try_recv is Empty.
        expect(() => ch.pushNowait(7)).toThrow(ChannelFullError);
        expect(ch.tryPush(7)).toBe(false);
      } else {
        ch.pushNowait(7);
        expect(ch.pullNowait()).toBe(7);
        await ch.push(8);
        expect(await ch.pull()).toBe(8);
      }
      expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
      expect(ch.tryPull()).toBeUndefined();
    });

    // `capacity`: bounded(n).capacity() == Some(n); unbounded() has None (≈ Infinity).
    it('capacity', () => {
      for (const c of bounded ? (cap === 0 ? [0] : [1, 2, 10, 1000]) : [cap]) {
        expect(new Channel(c).capacity).toBe(c);
      }
    });

    // `len_empty_full`
    it('len_empty_full', async () => {
      const ch = new Channel<number>(cap === 0 ? 0 : cap === 1 ? 2 : cap);
      expect(ch.size).toBe(0);
      expect(ch.empty).toBe(true);
      // zero.rs: a rendezvous channel is both empty and full (is_full() is true). chanasync
      // agrees: `full` is always true when unbuffered.
      expect(ch.full).toBe(cap === 0);
      if (cap === 0) {
        await Promise.all([ch.push(0), ch.pull()]);
        expect([ch.size, ch.empty, ch.full]).toEqual([0, true, true]);
        return;
      }
      await ch.push(0);
      expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
      if (bounded) {
        await ch.push(0);
        expect([ch.size, ch.empty, ch.full]).toEqual([2, false, true]);
      }
      await ch.pull();
      expect(ch.size).toBe(bounded ? 1 : 0);
      expect(ch.full).toBe(false);
    });

    // `try_recv`: Empty, then the value once a sender is there, then Disconnected.
    it('try_recv', async () => {
      const ch = new Channel<number>(cap);
      expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
      const sent = ch.push(7); // zero.rs: the sender parks; array/list: it buffers.
      expect(ch.pullNowait()).toBe(7);
      await sent;
      ch.close();
      expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
      expect(ch.tryPull()).toBeUndefined();
    });

    // `recv`: values in order, then RecvError once the senders are gone.
    it('recv', async () => {
      const ch = new Channel<number>(cap);
      const got: unknown[] = [];
      const receiver = (async () => {
        got.push(await ch.pull());
        await sleep(5);
        got.push(await ch.pull());
        await sleep(5);
        got.push(await ch.pull());
        got.push(await rejection(ch.pull()));
      })();
      await sleep(10);
      await ch.push(7);
      await ch.push(8);
      await ch.push(9);
      ch.close();
      await receiver;
      expect(got.slice(0, 3)).toEqual([7, 8, 9]);
      expect(got[3]).toBeInstanceOf(ChannelClosedError);
    });

    // `recv_timeout`: Timeout, then Ok(7), then Disconnected.
    it('recv_timeout', async () => {
      const ch = new Channel<number>(cap);
      expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(20) })))).toBe(true);
      const sender = (async () => {
        await sleep(10);
        await ch.push(7);
        ch.close();
      })();
      expect(await ch.pull({ signal: AbortSignal.timeout(10_000) })).toBe(7);
      await sender;
      expect(await rejection(ch.pull({ signal: AbortSignal.timeout(10_000) }))).toBeInstanceOf(ChannelClosedError);
      // The timed-out pull left no trace.
      expect(ch.stats().waitingPullers).toBe(0);
    });

    if (flavor === LIST) {
      // list.rs `recv_timeout_nonempty_expired`: a zero timeout still yields a value that is
      // already there. chanasync: `AbortSignal.timeout(0)` has not fired when the pull is made,
      // so the buffered value is taken; the next one times out. (An already *aborted* signal is
      // a different thing: SPEC says it is checked first and wins even over a ready value.)
      it('recv_timeout_nonempty_expired', async () => {
        const ch = new Channel<number>(cap);
        ch.pushNowait(5);
        expect(await ch.pull({ signal: AbortSignal.timeout(0) })).toBe(5);
        expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(0) })))).toBe(true);
        const aborted = AbortSignal.abort('stop');
        ch.pushNowait(6);
        expect(await rejection(ch.pull({ signal: aborted }))).toBe('stop');
        expect(ch.pullNowait()).toBe(6);
      });
    }

    // `try_send`
    it('try_send', async () => {
      const ch = new Channel<number>(cap);
      if (cap === 0) {
        expect(() => ch.pushNowait(7)).toThrow(ChannelFullError);
        const got = ch.pull();
        expect(ch.tryPush(8)).toBe(true);
        expect(await got).toBe(8);
      } else if (bounded) {
        ch.pushNowait(1);
        expect(() => ch.pushNowait(2)).toThrow(ChannelFullError);
        expect(ch.tryPush(2)).toBe(false);
        expect(ch.pullNowait()).toBe(1);
        expect(ch.tryPush(3)).toBe(true);
        expect(ch.pullNowait()).toBe(3);
      } else {
        for (let i = 0; i < 1000; i++) expect(ch.tryPush(i)).toBe(true);
        expect(ch.size).toBe(1000);
      }
      ch.close();
      // Disconnected(9): pushNowait throws ChannelClosedError; tryPush says false.
      expect(() => ch.pushNowait(9)).toThrow(ChannelClosedError);
      expect(ch.tryPush(9)).toBe(false);
    });

    // `send`: a sender's values arrive in order to a late receiver.
    it('send', async () => {
      const ch = new Channel<number>(cap);
      const sender = (async () => {
        await ch.push(7);
        await sleep(5);
        await ch.push(8);
        await sleep(5);
        await ch.push(9);
      })();
      await sleep(10);
      expect([await ch.pull(), await ch.pull(), await ch.pull()]).toEqual([7, 8, 9]);
      await sender;
    });

    if (bounded) {
      // `send_timeout`: Timeout(7) while nobody takes it / the buffer is full, then Ok(8),
      // then Disconnected(9).
      it('send_timeout', async () => {
        const ch = new Channel<number>(cap);
        if (cap > 0) for (let i = 0; i < cap; i++) ch.pushNowait(-1);
        expect(isTimeout(await rejection(ch.push(7, { signal: AbortSignal.timeout(20) })))).toBe(true);
        if (cap > 0) for (let i = 0; i < cap; i++) expect(ch.pullNowait()).toBe(-1);
        const receiver = (async () => {
          await sleep(10);
          return ch.pull();
        })();
        await ch.push(8, { signal: AbortSignal.timeout(10_000) });
        expect(await receiver).toBe(8);
        ch.close();
        expect(await rejection(ch.push(9, { signal: AbortSignal.timeout(10_000) }))).toBeInstanceOf(ChannelClosedError);
        // The timed-out 7 was never delivered.
        expect(ch.tryPull()).toBeUndefined();
      });
    }

    if (flavor !== ZERO) {
      // array.rs/list.rs `send_after_disconnect`: once the receiver is gone, send, try_send and
      // send_timeout fail with the value. chanasync: after close() all three refuse.
      it('send_after_disconnect', async () => {
        const ch = new Channel<number>(100);
        await ch.push(1);
        await ch.push(2);
        await ch.push(3);
        ch.close();
        expect(await rejection(ch.push(4))).toBeInstanceOf(ChannelClosedError);
        expect(() => ch.pushNowait(5)).toThrow(ChannelClosedError);
        expect(await rejection(ch.push(6, { signal: AbortSignal.timeout(500) }))).toBeInstanceOf(ChannelClosedError);
        // Contract difference (array.rs `drop_unreceived` too): crossbeam drops 1, 2, 3 with
        // the receiver; chanasync keeps them readable after close().
        expect(ch.size).toBe(3);
      });

      // `recv_after_disconnect`: buffered values survive the senders, then RecvError.
      it('recv_after_disconnect', async () => {
        const ch = new Channel<number>(bounded ? 100 : cap);
        await ch.push(1);
        await ch.push(2);
        await ch.push(3);
        ch.close();
        expect([await ch.pull(), await ch.pull(), await ch.pull()]).toEqual([1, 2, 3]);
        expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
      });
    }

    // `len`: size tracks pushes and pulls; never above the capacity under concurrency.
    it('len', async () => {
      const CAP = cap === 0 ? 0 : bounded ? 100 : cap;
      const COUNT = 2000;
      const ch = new Channel<number>(CAP);
      if (CAP > 0) await sizeFollowsRounds(ch, 3);
      expect(await largestSizeUnderLoad(ch, COUNT)).toBeLessThanOrEqual(CAP);
      expect(ch.size).toBe(0);
    });

    if (bounded) {
      // `disconnect_wakes_sender`: a blocked sender wakes with SendError when the receiver goes.
      it('disconnect_wakes_sender', async () => {
        const ch = new Channel<string>(cap);
        if (cap > 0) ch.pushNowait('fill');
        const blocked = ch.push('x');
        await sleep(5);
        ch.close();
        expect(await rejection(blocked)).toBeInstanceOf(ChannelClosedError);
        // array.rs: the value that was waiting is not added.
        if (cap > 0) {
          expect(ch.pullNowait()).toBe('fill');
          expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
        }
      });
    }

    // `disconnect_wakes_receiver`
    it('disconnect_wakes_receiver', async () => {
      const ch = new Channel<void>(cap);
      const blocked = ch.pull();
      await sleep(5);
      ch.close();
      expect(await rejection(blocked)).toBeInstanceOf(ChannelClosedError);
    });

    // `spsc`: one sender, one receiver, every value in order, then RecvError.
    it('spsc', async () => {
      const COUNT = 10_000;
      const ch = new Channel<number>(bounded && cap > 0 ? 3 : cap);
      await Promise.all([
        (async () => {
          for (let i = 0; i < COUNT; i++) expect(await ch.pull()).toBe(i);
          expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
        })(),
        (async () => {
          for (let i = 0; i < COUNT; i++) await ch.push(i);
          ch.close();
        })(),
      ]);
    });

    // `mpmc`: four senders each send 0..COUNT, four receivers; every value arrives THREADS times.
    it('mpmc', async () => {
      const COUNT = 2000;
      const THREADS = 4;
      const ch = new Channel<number>(bounded && cap > 0 ? 3 : cap);
      const v = new Array<number>(COUNT).fill(0);
      await Promise.all([
        ...Array.from({ length: THREADS }, async () => {
          for (let i = 0; i < COUNT; i++) {
            const n = await ch.pull();
            v[n] = (v[n] ?? 0) + 1;
          }
        }),
        ...Array.from({ length: THREADS }, async () => {
          for (let i = 0; i < COUNT; i++) await ch.push(i);
        }),
      ]);
      expect(v.every((c) => c === THREADS)).toBe(true);
    });

    // `stress_oneshot`: many fresh channels, one send and one receive each.
    it('stress_oneshot', async () => {
      for (let i = 0; i < 2000; i++) {
        const ch = new Channel<number>(cap);
        // Half the time the receiver parks first, half the time the sender.
        const [sent, got] = i % 2 ? [ch.push(i), ch.pull()] : ((g) => [ch.push(i), g] as const)(ch.pull());
        await sent;
        expect(await got).toBe(i);
      }
    });

    // `stress_iter`: a requester loops over try_iter of responses and try_sends requests;
    // the responder iterates requests and answers each.
    it('stress_iter', async () => {
      const COUNT = 1000;
      const requests = new Channel<void>(cap);
      const responses = new Channel<number>(cap);
      const requester = (async () => {
        let count = 0;
        for (;;) {
          for (let x = responses.tryPull(); x !== undefined; x = responses.tryPull()) {
            count += x;
            if (count === COUNT) {
              requests.close(); // dropping request_s ends the responder's iteration
              return count;
            }
          }
          requests.tryPush();
          await Promise.resolve(); // a spin loop that yields to the other "thread"
          await new Promise((r) => setTimeout(r, 0));
        }
      })();
      for await (const _ of requests) {
        if (
          !(await responses.push(1).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
      expect(await requester).toBe(COUNT);
    });

    // `stress_timeout_two_threads`: both sides retry with a short timeout until they meet;
    // each value arrives once, in order.
    it('stress_timeout_two_threads', async () => {
      const COUNT = 50;
      const ch = new Channel<number>(cap);
      await loopsInParallel(
        COUNT,
        async (i) => {
          if (i % 2 === 0) await sleep(5);
          await retryTimeouts(() => ch.push(i, { signal: AbortSignal.timeout(2) }));
        },
        async (i) => {
          if (i % 2 === 0) await sleep(5);
          expect(await retryTimeouts(() => ch.pull({ signal: AbortSignal.timeout(2) }))).toBe(i);
        },
      );
      expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
    });

    // `drops`: every sent value is received exactly once; nothing extra lingers. (Drop counts
    // become identity checks: each object received once, none left in the channel.)
    it('drops', async () => {
      for (let run = 0; run < 20; run++) {
        const steps = Math.floor(Math.random() * 500);
        const extra = bounded ? Math.min(cap, Math.floor(Math.random() * 50)) : Math.floor(Math.random() * 50);
        const ch = new Channel<object>(cap === 1 ? 50 : cap);
        const sent = new Set<object>();
        const seen = new Set<object>();
        await Promise.all([
          (async () => {
            for (let i = 0; i < steps; i++) seen.add(await ch.pull());
          })(),
          (async () => {
            for (let i = 0; i < steps; i++) {
              const o = {};
              sent.add(o);
              await ch.push(o);
            }
          })(),
        ]);
        expect(seen.size).toBe(steps);
        for (const o of seen) expect(sent.has(o)).toBe(true);
        if (cap !== 0) for (let i = 0; i < extra; i++) ch.pushNowait({});
        expect(ch.size).toBe(cap === 0 ? 0 : extra);
      }
    });

    if (flavor !== ZERO) {
      // array.rs/list.rs `linearizable`: each task sends one value then try_recv must succeed
      // (with capacity = number of tasks, the buffer always holds its own value at least).
      it('linearizable', async () => {
        const THREADS = 4;
        const ch = new Channel<number>(bounded ? THREADS : cap);
        await Promise.all(
          Array.from({ length: THREADS }, async () => {
            for (let i = 0; i < 2000; i++) {
              await ch.push(0);
              expect(() => ch.pullNowait()).not.toThrow();
              if (i % 64 === 0) await sleep(0);
            }
          }),
        );
      });
    }

    // `fairness`: select over two channels picks each side about half the time, on both the
    // receiving and the sending side.
    it('fairness', async () => {
      const COUNT = 2000;
      const a = new Channel<void>(cap);
      const b = new Channel<void>(cap);
      const recvHits = [0, 0];
      const sendHits = [0, 0];
      if (cap === 0) {
        await loopsInParallel(
          COUNT,
          async () => {
            const r = await select([pull(a), pull(b)]);
            recvHits[r.index] = (recvHits[r.index] ?? 0) + 1;
          },
          async () => {
            const r = await select([push(a, undefined), push(b, undefined)]);
            sendHits[r.index] = (sendHits[r.index] ?? 0) + 1;
          },
        );
        // With a rendezvous only one side can be the one that chooses; the parked side takes
        // whichever the other picked, so only the total is meaningful for it.
        expect((recvHits[0] ?? 0) + (recvHits[1] ?? 0)).toBe(COUNT);
        expect((sendHits[0] ?? 0) + (sendHits[1] ?? 0)).toBe(COUNT);
        for (const h of [...recvHits, ...sendHits]) expect(h).toBeGreaterThanOrEqual(COUNT / 4);
      } else {
        // array/list: fill both, then receive with select: both ready each time.
        for (let i = 0; i < COUNT; i++) {
          a.pushNowait();
          b.pushNowait();
          if (bounded) {
            const r = await select([pull(a), pull(b)]);
            recvHits[r.index] = (recvHits[r.index] ?? 0) + 1;
            (r.index === 0 ? b : a).pullNowait();
          }
        }
        if (!bounded) {
          for (let i = 0; i < COUNT; i++) {
            const r = await select([pull(a), pull(b)]);
            recvHits[r.index] = (recvHits[r.index] ?? 0) + 1;
          }
        }
        for (const h of recvHits) expect(h).toBeGreaterThanOrEqual(COUNT / 4);
      }
    });

    // `fairness_duplicates`: the same channel five times in one select; each case wins its share.
    it('fairness_duplicates', async () => {
      const COUNT = 2500;
      const ch = new Channel<void>(cap);
      const hits = [0, 0, 0, 0, 0];
      if (cap === 0) {
        await Promise.all([
          (async () => {
            for (let i = 0; i < COUNT; i++) {
              const r = await select([pull(ch), pull(ch), pull(ch), pull(ch), pull(ch)]);
              hits[r.index] = (hits[r.index] ?? 0) + 1;
            }
          })(),
          (async () => {
            for (let i = 0; i < COUNT; i++) await ch.push();
          })(),
        ]);
        expect(hits.reduce((s, h) => s + h, 0)).toBe(COUNT);
        for (const h of hits) expect(h).toBeGreaterThanOrEqual(COUNT / 5 / 2);
        // And the sending side: five send cases on one channel, a plain receiver.
        hits.fill(0);
        await Promise.all([
          (async () => {
            for (let i = 0; i < COUNT; i++) {
              const r = await select([
                push(ch, undefined),
                push(ch, undefined),
                push(ch, undefined),
                push(ch, undefined),
                push(ch, undefined),
              ]);
              hits[r.index] = (hits[r.index] ?? 0) + 1;
            }
          })(),
          (async () => {
            for (let i = 0; i < COUNT; i++) await ch.pull();
          })(),
        ]);
        for (const h of hits) expect(h).toBeGreaterThanOrEqual(COUNT / 5 / 2);
      }
      hits.fill(0);
      for (let i = 0; i < COUNT; i++) {
        // The sender parks (or buffers) first, then one select with five ready cases.
        let sent: Promise<void> = Promise.resolve();
        if (cap === 0) sent = ch.push();
        else ch.pushNowait();
        const r = await select([pull(ch), pull(ch), pull(ch), pull(ch), pull(ch)]);
        await sent;
        hits[r.index] = (hits[r.index] ?? 0) + 1;
      }
      for (const h of hits) expect(h).toBeGreaterThanOrEqual(COUNT / 5 / 2);
    });

    // `recv_in_send`: the value of a send case is computed (a blocking recv) before the select
    // runs, then the send completes.
    it('recv_in_send', async () => {
      const ch = new Channel<string>(cap);
      const other = new Channel<string>(cap);
      const helpers = Promise.all([
        (async () => {
          await sleep(5);
          return ch.pull();
        })(),
        (async () => {
          await sleep(10);
          await other.push('v');
        })(),
      ]);
      const r = await select([push(ch, await other.pull())]);
      expect(r.index).toBe(0);
      expect((await helpers)[0]).toBe('v');
    });

    // `channel_through_channel`: each message carries the receiving end of the next channel.
    it('channel_through_channel', async () => {
      const COUNT = 1000;
      type Msg = { next: Channel<Msg> | undefined };
      const first = new Channel<Msg>(cap);
      let hops = 0;
      await Promise.all([
        (async () => {
          let s = first;
          for (let i = 0; i < COUNT; i++) {
            const next = new Channel<Msg>(cap);
            await s.push({ next });
            s = next;
          }
        })(),
        (async () => {
          let r = first;
          for (let i = 0; i < COUNT; i++) {
            const m = await r.pull();
            if (m.next === undefined) throw new Error('no channel');
            r = m.next;
            hops++;
          }
        })(),
      ]);
      expect(hops).toBe(COUNT);
    });

    if (flavor === LIST) {
      // list.rs `stack_overflow`: a large value sent and drained through try_iter.
      it('stack_overflow', () => {
        const ch = new Channel<Uint8Array>(cap);
        ch.pushNowait(new Uint8Array(32_768));
        let n = 0;
        for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) n += v.length;
        expect(n).toBe(32_768);
      });
    }

    if (flavor === ARRAY) {
      // array.rs `drop_unreceived`: crossbeam drops an unreceived message as soon as the last
      // receiver is dropped. Contract difference: chanasync has no receiver handle; close()
      // keeps the buffered value readable, and the value leaves the channel when pulled.
      it('drop_unreceived (contract: close keeps the buffered value)', async () => {
        const ch = new Channel<object>(1);
        const msg = {};
        await ch.push(msg);
        ch.close();
        expect(ch.size).toBe(1);
        expect(await ch.pull()).toBe(msg);
        expect(ch.size).toBe(0);
      });
    }
  });
}
