/**
 * Audit AG: crossbeam-channel's select tests (Rust), translated to chanasync's `select`.
 * Sources: https://github.com/crossbeam-rs/crossbeam/blob/master/crossbeam-channel/tests/select.rs
 * (the `Select` builder), tests/select_macro.rs (`select!`) and tests/ready.rs (`Select::ready`).
 *
 * Mapping: `Select::select` / `select!` ≈ `select([...])`; `try_select` / `select! { default }`
 * ≈ `selectNowait`; `select_timeout(d)` / `default(d)` ≈ `select(cases, { signal:
 * AbortSignal.timeout(d) })` (a TimeoutError rejection is the default branch); a receive case on
 * a disconnected channel fires with `Err` ≈ `ok: false`. `ready()` reports which case *could*
 * proceed without committing; chanasync has no such probe, so a `ready()` followed by the
 * matching `try_recv`/`try_send` is translated as the select that commits that case.
 *
 * Deliberate differences, asserted as chanasync's contract:
 * - a send case on a disconnected channel is "ready" in crossbeam and completes with `Err`; in
 *   chanasync a push case on a closed channel makes `select` reject with ChannelClosedError
 *   (SPEC "select": deterministic, unlike Go's random panic);
 * - an empty `Select` with a timeout just waits the timeout out (ready.rs `default_only`);
 *   chanasync's `select([])` rejects with TypeError at once (it could never complete), and
 *   `selectNowait([])` returns undefined;
 * - `select_biased!` (always the first ready case) has no counterpart: chanasync picks among
 *   ready cases uniformly at random, always (Go's rule).
 */

import { Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { bump, loopsInParallel, rejection, retryTimeouts, sleep } from './util.js';

const INF = Number.POSITIVE_INFINITY;
const isTimeout = (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError';
const timeout = (ms: number) => ({ signal: AbortSignal.timeout(ms) });

/** Tests that select.rs, select_macro.rs and ready.rs share (same names, same meaning). */
function shared(file: string) {
  // smoke1: one ready receive case among two wins, then the other.
  it('smoke1', async () => {
    const a = new Channel<number>(INF);
    const b = new Channel<number>(INF);
    a.pushNowait(1);
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 0, value: 1, ok: true });
    b.pushNowait(2);
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 1, value: 2, ok: true });
  });

  // smoke2: the fifth of five receive cases is the only ready one.
  it('smoke2', async () => {
    const chans = Array.from({ length: 5 }, () => new Channel<number>(INF));
    chans[4]?.pushNowait(5);
    expect(await select(chans.map((c) => pull(c)))).toMatchObject({ index: 4, value: 5 });
  });

  // disconnected: a receive case on a channel whose senders are gone fires (Err ≈ ok: false),
  // even while another channel is about to get a value; later a lone case wakes on close.
  it('disconnected', async () => {
    const a = new Channel<number>(INF);
    const b = new Channel<number>(INF);
    const other = (async () => {
      a.close();
      await sleep(5);
      b.pushNowait(5);
    })();
    expect(await select([pull(a), pull(b)], timeout(10_000))).toMatchObject({ index: 0, ok: false });
    expect(await b.pull()).toBe(5);
    await other;
    expect(await select([pull(a), pull(b)], timeout(10_000))).toMatchObject({ index: 0, ok: false });
    setTimeout(() => b.close(), 5);
    expect(await select([pull(b)], timeout(10_000))).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  // default: try_select/default with nothing ready; a disconnected case is ready; an empty
  // select takes the default.
  it('default', async () => {
    const a = new Channel<number>(INF);
    const b = new Channel<number>(INF);
    expect(selectNowait([pull(a), pull(b)])).toBeUndefined();
    a.close();
    expect(selectNowait([pull(a), pull(b)])).toMatchObject({ index: 0, ok: false });
    b.pushNowait(2);
    expect(selectNowait([pull(b)])).toMatchObject({ index: 0, value: 2, ok: true });
    expect(selectNowait([pull(b)])).toBeUndefined();
    expect(selectNowait([])).toBeUndefined();
  });

  // timeout: nothing within the timeout, then the value arrives within the next one; and a
  // timed-out empty select followed by a default select that sees the close.
  it('timeout', async () => {
    const a = new Channel<number>(INF);
    const b = new Channel<number>(INF);
    expect(isTimeout(await rejection(select([pull(a), pull(b)], timeout(20))))).toBe(true);
    setTimeout(() => b.pushNowait(2), 5);
    expect(await select([pull(a), pull(b)], timeout(10_000))).toMatchObject({ index: 1, value: 2 });
    // No trace of the timed-out select on either channel.
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
    const r = new Channel<number>(INF);
    setTimeout(() => r.close(), 5);
    // crossbeam: `select! { default(1000ms) => … }` with no case sleeps then runs default.
    // chanasync: a select with no case rejects with TypeError at once (contract).
    expect(await rejection(select([], timeout(20)))).toBeInstanceOf(TypeError);
    await sleep(20);
    expect(selectNowait([pull(r)])).toMatchObject({ index: 0, ok: false });
  });

  // default_when_disconnected: a receive case on a disconnected channel beats `default`;
  // a send case on a disconnected channel — contract difference — makes select fail.
  it('default_when_disconnected', async () => {
    const r = new Channel<number>(INF);
    r.close();
    expect(selectNowait([pull(r)])).toMatchObject({ index: 0, ok: false });
    expect(await select([pull(r)], timeout(1000))).toMatchObject({ index: 0, ok: false });
    const s = new Channel<number>(0);
    s.close();
    // crossbeam: the send case is chosen and yields Err(SendError(0)).
    expect(() => selectNowait([push(s, 0)])).toThrow(ChannelClosedError);
    expect(await rejection(select([push(s, 0)], timeout(1000)))).toBeInstanceOf(ChannelClosedError);
  });

  // default_only: an empty select with default returns at once.
  it('default_only', async () => {
    const start = Date.now();
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
    expect(Date.now() - start).toBeLessThan(1000);
    // crossbeam's `ready_timeout(500ms)` on an empty Select waits ~500 ms then errors;
    // chanasync refuses a select with no case with TypeError, at once.
    expect(await rejection(select([null], timeout(500)))).toBeInstanceOf(TypeError);
  });

  // unblocks: a parked select is woken by a late sender; a parked send select by a late
  // receiver, which gets the value of the case that won.
  it('unblocks', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    setTimeout(() => void b.push(2), 5);
    expect(await select([pull(a), pull(b)], timeout(10_000))).toMatchObject({ index: 1, value: 2 });
    const got = (async () => {
      await sleep(5);
      return a.pull();
    })();
    expect(await select([push(a, 1), push(b, 2)], timeout(10_000))).toMatchObject({ index: 0 });
    expect(await got).toBe(1);
    expect(b.stats().waitingPushers).toBe(0);
  });

  // both_ready: two selects {recv(r1), send(s2, 2)} against a thread that sends 1 on r1 then
  // receives 2 on r2: both cases fire, once each.
  it('both_ready', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const peer = (async () => {
      await sleep(5);
      await a.push(1);
      return b.pull();
    })();
    const fired = [];
    for (let i = 0; i < 2; i++) fired.push((await select([pull(a), push(b, 2)])).index);
    expect(fired.sort()).toEqual([0, 1]);
    expect(await peer).toBe(2);
  });

  // cloning1 (select.rs/ready.rs): a sender clone dropped does not disconnect; a select wakes
  // on the real send. (Clones have no counterpart: one handle, one close.)
  it('cloning1', async () => {
    const a = new Channel<number>(INF);
    const b = new Channel<number>(INF);
    setTimeout(() => a.pushNowait(1), 5);
    expect(await select([pull(a), pull(b)])).toMatchObject({ index: 0, value: 1, ok: true });
  });

  // preflight1..3: a select on a channel that already holds a value / is closed after a
  // value / is closed and drained.
  it('preflight1', async () => {
    const r = new Channel<void>(INF);
    r.pushNowait();
    expect(await select([pull(r)])).toMatchObject({ index: 0, ok: true });
  });
  it('preflight2', async () => {
    const r = new Channel<void>(INF);
    r.pushNowait();
    r.close();
    expect(await select([pull(r)])).toMatchObject({ index: 0, ok: true });
    expect(await select([pull(r)])).toMatchObject({ index: 0, ok: false });
  });
  it('preflight3', async () => {
    const r = new Channel<void>(INF);
    r.pushNowait();
    r.close();
    await r.pull();
    expect(await select([pull(r)])).toMatchObject({ index: 0, ok: false });
  });

  // duplicate_operations: the same channel twice as receive and twice as send; every case
  // wins sometimes.
  it('duplicate_operations', async () => {
    const ch = new Channel<number>(INF);
    const hit = [false, false, false, false];
    for (let n = 0; hit.includes(false); n++) {
      if (n > 10_000) throw new Error(`cases never chosen: ${hit}`);
      const r = await select([pull(ch), pull(ch), push(ch, 0), push(ch, 0)]);
      hit[r.index] = true;
    }
  });

  // nesting: a select inside the body of a select's case, four levels deep.
  it('nesting', async () => {
    const ch = new Channel<number>(INF);
    expect((await select([push(ch, 0)])).index).toBe(0);
    const r1 = await select([pull(ch)]);
    expect(r1.value).toBe(0);
    expect((await select([push(ch, 1)])).index).toBe(0);
    expect((await select([pull(ch)])).value).toBe(1);
  });

  // stress_recv: receive cases on an unbounded and a bounded channel, paced by a third.
  it('stress_recv', async () => {
    const COUNT = 2000;
    const s1 = new Channel<number>(INF);
    const s2 = new Channel<number>(5);
    const s3 = new Channel<void>(100);
    await loopsInParallel(
      COUNT,
      async (i) => {
        await s1.push(i);
        await s3.pull();
        await s2.push(i);
        await s3.pull();
      },
      async (i) => {
        for (let k = 0; k < 2; k++) {
          expect((await select([pull(s1), pull(s2)])).value).toBe(i);
          await s3.push();
        }
      },
    );
  });

  // stress_send: send cases on a rendezvous and a bounded channel, paced by a third.
  it('stress_send', async () => {
    const COUNT = 2000;
    const c1 = new Channel<number>(0);
    const c2 = new Channel<number>(0);
    const c3 = new Channel<void>(100);
    await loopsInParallel(
      COUNT,
      async (i) => {
        expect(await c1.pull()).toBe(i);
        expect(await c2.pull()).toBe(i);
        await c3.push();
      },
      async (i) => {
        for (let k = 0; k < 2; k++) await select([push(c1, i), push(c2, i)]);
        await c3.pull();
      },
    );
  });

  // stress_mixed: a receive case and a send case, both rendezvous.
  it('stress_mixed', async () => {
    const COUNT = 2000;
    const c1 = new Channel<number>(0);
    const c2 = new Channel<number>(0);
    const c3 = new Channel<void>(100);
    await loopsInParallel(
      COUNT,
      async (i) => {
        await c1.push(i);
        expect(await c2.pull()).toBe(i);
        await c3.pull();
      },
      async (i) => {
        for (let k = 0; k < 2; k++) {
          const r = await select([pull(c1), push(c2, i)]);
          if (r.index === 0) expect(r.value).toBe(i);
        }
        await c3.push();
      },
    );
  });

  // stress_timeout_two_threads: selects with a short timeout retried until they succeed.
  it('stress_timeout_two_threads', async () => {
    const COUNT = 40;
    const ch = new Channel<number>(0);
    await loopsInParallel(
      COUNT,
      async (i) => {
        if (i % 2 === 0) await sleep(5);
        await retryTimeouts(() => select([push(ch, i)], timeout(2)));
      },
      async (i) => {
        if (i % 2 === 0) await sleep(5);
        expect((await retryTimeouts(() => select([pull(ch)], timeout(2)))).value).toBe(i);
      },
    );
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // send_recv_same_channel: on a rendezvous channel a select's own send never meets its own
  // receive (times out); on an unbounded one the send is ready and the receive is not.
  it('send_recv_same_channel', async () => {
    const z = new Channel<number>(0);
    expect(isTimeout(await rejection(select([push(z, 0), pull(z)], timeout(50))))).toBe(true);
    expect(z.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    const u = new Channel<number>(INF);
    expect(await select([push(u, 0), pull(u)], timeout(500))).toMatchObject({ index: 0 });
    expect(u.pullNowait()).toBe(0);
  });

  // channel_through_channel: a select receives the channel to use next.
  it('channel_through_channel', async () => {
    const COUNT = 500;
    for (const cap of [0, 1, INF]) {
      type M = { next: Channel<M> };
      let s = new Channel<M>(cap);
      let r = s;
      await loopsInParallel(
        COUNT,
        async () => {
          const next = new Channel<M>(cap);
          await select([push(s, { next })]);
          s = next;
        },
        async () => {
          const res = await select([pull(r)]);
          if (res.value === undefined) throw new Error('closed');
          r = res.value.next;
        },
      );
    }
  });

  // fairness1: receive cases on a bounded, an unbounded and a rendezvous channel fed by a
  // select of send cases (plus after/tick in the original, covered by audit AF): each
  // ready buffered channel wins often.
  it('fairness1', async () => {
    const COUNT = 2000;
    const s1 = new Channel<void>(COUNT);
    const s2 = new Channel<void>(INF);
    for (let i = 0; i < COUNT; i++) {
      s1.pushNowait();
      s2.pushNowait();
    }
    const hits = [0, 0];
    for (let i = 0; i < COUNT; i++) bump(hits, (await select([pull(s1), pull(s2)])).index);
    for (const h of hits) expect(h).toBeGreaterThanOrEqual(COUNT / 2 / 2);
  });

  // fairness2: a sender selects among send cases on empty channels of three flavors; the
  // receiver's select sees each channel win at least COUNT/150 times.
  it('fairness2', async () => {
    const COUNT = 2000;
    const s1 = new Channel<void>(INF);
    const s2 = new Channel<void>(1);
    const s3 = new Channel<void>(0);
    const hits = [0, 0, 0];
    await loopsInParallel(
      COUNT,
      async () => {
        await select([
          s1.empty ? push(s1, undefined) : null,
          s2.empty ? push(s2, undefined) : null,
          push(s3, undefined),
        ]);
      },
      async (i) => {
        // Threads run ahead of each other; two async functions on one loop run in
        // lockstep, so the sender would never find s1 and s2 full and never park on s3.
        // Let the receiver lag now and then, as a thread would.
        if (i % 4 === 0) await sleep(0);
        bump(hits, (await select([pull(s1), pull(s2), pull(s3)])).index);
      },
    );
    for (const h of hits) expect(h).toBeGreaterThanOrEqual(COUNT / 3 / 50);
  });
  void file;
}

describe('crossbeam-channel tests/select.rs', () => {
  shared('select.rs');

  // loop_try: one thread polls a send case and an end signal with try_select, another polls
  // a receive and the end signal, a third parks a select {recv(r1), send(s2)}: whichever
  // meets the poller completes and the end signal stops the rest.
  it('loop_try', async () => {
    for (let run = 0; run < 20; run++) {
      const c1 = new Channel<number>(0);
      const c2 = new Channel<number>(0);
      const end = new Channel<void>(0);
      const polls = async (step: () => boolean) => {
        for (;;) {
          if (step()) return;
          await sleep(0);
        }
      };
      await Promise.all([
        polls(() => selectNowait([push(c1, 1)]) !== undefined || selectNowait([pull(end)]) !== undefined),
        polls(() => {
          const v = c2.tryPull();
          if (v !== undefined) {
            expect(v).toBe(2);
            return true;
          }
          return selectNowait([pull(end)]) !== undefined;
        }),
        (async () => {
          await sleep(2);
          try {
            const r = await select([pull(c1), push(c2, 2)], timeout(1000));
            if (r.index === 0) expect(r.value).toBe(1);
          } catch (e) {
            expect(isTimeout(e)).toBe(true);
          }
          end.close();
        })(),
      ]);
    }
  });

  // matching: 44 selects {recv(r), send(s, i)} on one rendezvous channel pair up with each
  // other — never with themselves — and nothing is left.
  it('matching', async () => {
    const THREADS = 44;
    const ch = new Channel<number>(0);
    await Promise.all(
      Array.from({ length: THREADS }, async (_, i) => {
        const r = await select([pull(ch), push(ch, i)]);
        if (r.index === 0) expect(r.value).not.toBe(i);
      }),
    );
    expect(ch.tryPull()).toBeUndefined();
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // matching_with_leftover: 55 selects plus one plain send of !0: all pair up.
  it('matching_with_leftover', async () => {
    const THREADS = 55;
    const ch = new Channel<number>(0);
    await Promise.all([
      ...Array.from({ length: THREADS }, async (_, i) => {
        const r = await select([pull(ch), push(ch, i)]);
        if (r.index === 0) expect(r.value).not.toBe(i);
      }),
      ch.push(-1),
    ]);
    expect(ch.tryPull()).toBeUndefined();
  });

  // linearizable_try / linearizable_timeout: after s1.send(1), a try_select over r1 and r2
  // must find something, whatever the other thread did to r2/r1 meanwhile.
  for (const name of ['linearizable_try', 'linearizable_timeout']) {
    it(name, async () => {
      for (const cap of [1, INF]) {
        const start = new Channel<void>(0);
        const end = new Channel<void>(0);
        const c1 = new Channel<number>(cap);
        const c2 = new Channel<number>(cap);
        const COUNT = 2000;
        await loopsInParallel(
          COUNT,
          async () => {
            await start.push();
            await c1.push(1);
            const r =
              name === 'linearizable_try'
                ? selectNowait([pull(c1), pull(c2)])
                : await select([pull(c1), pull(c2)], timeout(0));
            expect(r).toBeDefined();
            await end.push();
            c2.tryPull();
          },
          async () => {
            await start.pull();
            await c2.push(1);
            c1.tryPull();
            await end.pull();
          },
        );
      }
    });
  }

  // reuse: one Select object reused for every selection ≈ one cases array passed to many
  // selects (SPEC: case descriptors are immutable values). The send case's value is fixed in
  // chanasync's case; crossbeam supplies it at completion, so the case is rebuilt per value.
  it('reuse', async () => {
    const COUNT = 2000;
    const c1 = new Channel<number>(0);
    const c2 = new Channel<number>(0);
    const c3 = new Channel<void>(100);
    const recvCase = pull(c1);
    await loopsInParallel(
      COUNT,
      async (i) => {
        await c1.push(i);
        expect(await c2.pull()).toBe(i);
        await c3.pull();
      },
      async (i) => {
        const cases = [recvCase, push(c2, i)] as const;
        for (let k = 0; k < 2; k++) {
          const r = await select(cases);
          if (r.index === 0) expect(r.value).toBe(i);
        }
        await c3.push();
      },
    );
  });

  // issue_1096: a selected operation completed through a clone of the handle — in chanasync
  // the select itself commits; check each flavor's recv and send through select.
  it('issue_1096', async () => {
    for (const cap of [INF, 2]) {
      const ch = new Channel<number>(cap);
      ch.pushNowait(123);
      expect((await select([pull(ch)])).value).toBe(123);
      await select([push(ch, 124)]);
      expect(await ch.pull()).toBe(124);
    }
    const z = new Channel<number>(0);
    const sent = z.push(123);
    expect((await select([pull(z)])).value).toBe(123);
    await sent;
    const got = z.pull();
    await select([push(z, 124)]);
    expect(await got).toBe(124);
  });

  // uncompleted_select_* / forget_select_*: crossbeam panics when a selected operation is
  // dropped without completing, and a forgotten one must not wedge the channel. chanasync's
  // select commits atomically, so the closest meaning is: a select that is abandoned (its
  // signal aborted while parked) leaves the channel usable and the parked peer untouched.
  for (const cap of [INF, 1, 0]) {
    const flavor = cap === INF ? 'unbounded' : cap === 1 ? 'bounded' : 'zero';
    it(`forget_select_${flavor}`, async () => {
      const ch = new Channel<object>(cap);
      if (cap === 1) ch.pushNowait({});
      const ac = new AbortController();
      const sel =
        cap === INF ? select([pull(ch)], { signal: ac.signal }) : select([push(ch, {})], { signal: ac.signal });
      await sleep(2);
      ac.abort('forgotten');
      expect(await rejection(sel)).toBe('forgotten');
      expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      ch.close();
      expect(ch.size).toBe(cap === 1 ? 1 : 0);
    });
  }
});

describe('crossbeam-channel tests/select_macro.rs', () => {
  shared('select_macro.rs');

  // fairness_recv / fairness_send: two ready buffered channels, random choice.
  it('fairness_recv', async () => {
    const COUNT = 2000;
    const a = new Channel<void>(COUNT);
    const b = new Channel<void>(INF);
    for (let i = 0; i < COUNT; i++) {
      a.pushNowait();
      b.pushNowait();
    }
    const hits = [0, 0];
    while ((hits[0] ?? 0) + (hits[1] ?? 0) < COUNT) bump(hits, (await select([pull(a), pull(b)])).index);
    for (const h of hits) expect(h).toBeGreaterThanOrEqual(COUNT / 4);
  });
  it('fairness_send', async () => {
    const COUNT = 2000;
    const a = new Channel<void>(COUNT);
    const b = new Channel<void>(INF);
    const hits = [0, 0];
    for (let i = 0; i < COUNT; i++) bump(hits, (await select([push(a, undefined), push(b, undefined)])).index);
    for (const h of hits) expect(h).toBeGreaterThanOrEqual(COUNT / 4);
  });

  // unfairness / unfairness_try: `select_biased!` always takes the first ready case.
  // Contract difference: chanasync has no biased select; among ready cases the choice is
  // uniformly random, so r2 wins about as often as r1 while both hold values.
  for (const name of ['unfairness', 'unfairness_try']) {
    it(`${name} (contract: no biased select, the choice stays random)`, async () => {
      const COUNT = 2000;
      const [a, b, c] = [new Channel<void>(INF), new Channel<void>(INF), new Channel<void>(INF)];
      for (let i = 0; i < COUNT; i++) {
        a.pushNowait();
        b.pushNowait();
      }
      c.pushNowait();
      const hits = [0, 0, 0];
      for (let i = 0; i < COUNT; i++) {
        const r =
          name === 'unfairness' ? await select([pull(a), pull(b), pull(c)]) : selectNowait([pull(a), pull(b), pull(c)]);
        if (r === undefined) throw new Error('nothing ready');
        bump(hits, r.index);
      }
      expect(hits[0]).toBeGreaterThan(COUNT / 4);
      expect(hits[1]).toBeGreaterThan(COUNT / 4);
      expect(hits.reduce((s, h) => s + h, 0)).toBe(COUNT);
    });
  }

  // once_blocks / evaluate: exactly one case body runs; which one is visible in the result.
  it('evaluate', async () => {
    const ch = new Channel<number>(INF);
    const body = (r: { index: number } | undefined) => (r === undefined ? 'baz' : r.index === 0 ? 'foo' : 'bar');
    expect(body(selectNowait([pull(ch), push(ch, 0)]))).toBe('bar');
    expect(body(selectNowait([pull(ch)]))).toBe('foo');
    expect(body(selectNowait([pull(ch)]))).toBe('baz');
  });
  it('once_blocks', async () => {
    const ch = new Channel<number>(INF);
    expect((await select([push(ch, 0)])).index).toBe(0);
    expect((await select([pull(ch)])).index).toBe(0);
    expect(selectNowait([push(ch, 0)])?.index).toBe(0);
    expect(selectNowait([pull(ch)])?.index).toBe(0);
    // recv(r) vs send(s, 0) on an empty unbounded channel: only the send is ready.
    expect((await select([pull(ch), push(ch, 0)])).index).toBe(1);
  });

  // linearizable_default: as linearizable_try, with `default => unreachable!()`.
  it('linearizable_default', async () => {
    for (const cap of [1, INF]) {
      const c1 = new Channel<number>(cap);
      const c2 = new Channel<number>(cap);
      for (let i = 0; i < 2000; i++) {
        await c1.push(1);
        const other = c2.push(1).then(() => c1.tryPull());
        expect(selectNowait([pull(c1), pull(c2)])).toBeDefined();
        await other;
        c2.tryPull();
        c1.tryPull();
      }
    }
  });

  // disconnect_wakes_sender / _receiver inside select!: a parked send case fails when the
  // receiver goes (contract: select rejects with ChannelClosedError); a receive case fires
  // with Err (ok: false).
  it('disconnect_wakes_sender', async () => {
    const ch = new Channel<void>(0);
    const sel = select([push(ch, undefined)]);
    await sleep(5);
    ch.close();
    expect(await rejection(sel)).toBeInstanceOf(ChannelClosedError);
  });
  it('disconnect_wakes_receiver', async () => {
    const ch = new Channel<void>(0);
    const sel = select([pull(ch)]);
    await sleep(5);
    ch.close();
    expect(await sel).toMatchObject({ index: 0, ok: false });
  });

  // try_recv / recv_timeout / try_send / send_timeout via select!.
  it('try_recv', async () => {
    const ch = new Channel<number>(0);
    expect(selectNowait([pull(ch)])).toBeUndefined();
    const sent = ch.push(7);
    expect(selectNowait([pull(ch)])).toMatchObject({ value: 7, ok: true });
    await sent;
    ch.close();
    expect(selectNowait([pull(ch)])).toMatchObject({ ok: false });
  });
  it('recv_timeout', async () => {
    const ch = new Channel<number>(0);
    expect(isTimeout(await rejection(select([pull(ch)], timeout(20))))).toBe(true);
    setTimeout(() => void ch.push(7).then(() => ch.close()), 5);
    expect(await select([pull(ch)], timeout(10_000))).toMatchObject({ value: 7 });
    expect(await select([pull(ch)], timeout(10_000))).toMatchObject({ ok: false });
  });
  it('try_send', async () => {
    const ch = new Channel<number>(0);
    expect(selectNowait([push(ch, 7)])).toBeUndefined();
    const got = ch.pull();
    expect(selectNowait([push(ch, 8)])).toMatchObject({ index: 0 });
    expect(await got).toBe(8);
    ch.close();
    expect(() => selectNowait([push(ch, 9)])).toThrow(ChannelClosedError);
  });
  it('send_timeout', async () => {
    const ch = new Channel<number>(0);
    expect(isTimeout(await rejection(select([push(ch, 7)], timeout(20))))).toBe(true);
    const got = (async () => {
      await sleep(5);
      return ch.pull();
    })();
    await select([push(ch, 8)], timeout(10_000));
    expect(await got).toBe(8);
    ch.close();
    expect(await rejection(select([push(ch, 9)], timeout(10_000)))).toBeInstanceOf(ChannelClosedError);
  });
});

describe('crossbeam-channel tests/ready.rs', () => {
  shared('ready.rs');

  // ready.rs `stress_timeout_two_threads` and the like are shared above; `fairness1` in
  // ready.rs checks `ready()` over an after(0)/tick(0) case too (audit AF covers timers).
  // `send_recv_same_channel` with ready(): a ready probe on an unbounded channel reports the
  // send case (shared test). And `ready` never consumes: the value is still there after a
  // probe. chanasync has no probe; selectNowait with no ready case must consume nothing.
  it('ready_does_not_consume (probe without commit ≈ selectNowait finding nothing)', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(0);
    expect(selectNowait([pull(b), push(a, 1)])?.index).toBe(1);
    expect(selectNowait([pull(b), push(a, 2)])).toBeUndefined();
    expect(a.size).toBe(1);
    expect(a.pullNowait()).toBe(1);
  });
});

describe('crossbeam-channel tests/never.rs', () => {
  // `never()` ≈ a `null` case (Go's nil channel) or a channel nobody ever feeds.
  it('smoke', () => {
    expect(selectNowait([null])).toBeUndefined();
    expect(selectNowait([pull(new Channel<number>(0))])).toBeUndefined();
  });

  it('optional', () => {
    const ch = new Channel<number>(INF);
    ch.pushNowait(1);
    ch.pushNowait(2);
    let r: Channel<number> | null = ch;
    expect(selectNowait([r ? pull(r) : null])).toMatchObject({ index: 0, value: 1 });
    r = null;
    expect(selectNowait([r ? pull(r) : null])).toBeUndefined();
  });

  // tick_n: ten ticks, then the case is swapped for never(); the select's timeout ends it.
  it('tick_n', async () => {
    const { ticker } = await import('chanasync');
    using t = ticker(10);
    let r: Channel<number> | null = t;
    let step = 0;
    for (;;) {
      try {
        await select([r ? pull(r) : null, pull(new Channel<number>(0))], timeout(300));
        step++;
      } catch (e) {
        expect(isTimeout(e)).toBe(true);
        break;
      }
      if (step === 10) r = null;
    }
    expect(step).toBe(10);
  });

  it('capacity', () => {
    expect(new Channel<number>(0).capacity).toBe(0);
  });

  it('len_empty_full', () => {
    const r = new Channel<number>(0);
    expect([r.size, r.empty, r.full]).toEqual([0, true, true]);
  });

  it('try_recv', async () => {
    const r = new Channel<number>(0);
    expect(r.tryPull()).toBeUndefined();
    await sleep(20);
    expect(r.tryPull()).toBeUndefined();
  });

  it('recv_timeout', async () => {
    const r = new Channel<number>(0);
    const start = Date.now();
    expect(isTimeout(await rejection(r.pull(timeout(50))))).toBe(true);
    expect(Date.now() - start).toBeGreaterThanOrEqual(45);
    expect(isTimeout(await rejection(r.pull(timeout(50))))).toBe(true);
    expect(Date.now() - start).toBeGreaterThanOrEqual(95);
    expect(r.stats().waitingPullers).toBe(0);
  });
});
