/**
 * Audit AF: crossbeam-channel's timer-channel tests (Rust), translated to `after` and `ticker`.
 * Sources: https://github.com/crossbeam-rs/crossbeam/blob/master/crossbeam-channel/tests/after.rs
 * and https://github.com/crossbeam-rs/crossbeam/blob/master/crossbeam-channel/tests/tick.rs
 *
 * Mapping: `after(d)` ≈ `after(ms)`, `tick(d)` ≈ `ticker(ms)`; `try_recv` ≈ `pullNowait`/
 * `tryPull`; `recv` ≈ `pull`; `select! { recv(..) }` ≈ `select([pull(..)])`, with `default`
 * ≈ `selectNowait`; `Instant` ≈ `Date.now()` (both channels carry `Date.now()`).
 * Timing bounds are kept only where the contract gives them (a value is never early), loose
 * elsewhere: the machine is shared.
 *
 * Deliberate difference: crossbeam's `after` channel never closes (a second receive blocks
 * for ever); chanasync's `after` closes once it delivered (README "What differs from Go"), so
 * a later pull case fires at once with `ok: false`. And `tick(0)` is a busy ticker in
 * crossbeam; chanasync's `ticker(ms)` needs a positive `ms` (SPEC: RangeError).
 */

import { after as afterMs, ChannelClosedError, ChannelEmptyError, pull, select, selectNowait, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { bump, until } from './util.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('crossbeam-channel tests/after.rs', () => {
  it('fire (contract: the after channel closes once fired)', async () => {
    const start = Date.now();
    using r = afterMs(50);
    expect(() => r.pullNowait()).toThrow(ChannelEmptyError);
    await until(() => r.size === 1);
    const fired = r.pullNowait();
    expect(fired).toBeGreaterThanOrEqual(start + 50);
    expect(fired).toBeLessThanOrEqual(Date.now());
    // crossbeam: try_recv is Empty, select with default takes default, and select against
    // after(200) takes the after(200). chanasync: the channel closed after its value.
    expect(() => r.pullNowait()).toThrow(ChannelClosedError);
    expect(selectNowait([pull(r)])).toMatchObject({ index: 0, ok: false });
    using later = afterMs(200);
    expect(await select([pull(r), pull(later)])).toMatchObject({ index: 0, ok: false });
  });

  it('capacity', () => {
    for (let i = 0; i < 10; i++) {
      using r = afterMs(i);
      expect(r.capacity).toBe(1);
    }
  });

  it('len_empty_full', async () => {
    using r = afterMs(50);
    expect([r.size, r.empty, r.full]).toEqual([0, true, false]);
    await until(() => r.size === 1);
    expect([r.size, r.empty, r.full]).toEqual([1, false, true]);
    r.pullNowait();
    expect([r.size, r.empty, r.full]).toEqual([0, true, false]);
  });

  it('try_recv', async () => {
    using r = afterMs(200);
    expect(r.tryPull()).toBeUndefined();
    await sleep(100);
    expect(r.tryPull()).toBeUndefined(); // 100 ms in: not yet (never early)
    await until(() => r.size === 1);
    expect(r.tryPull()).toBeTypeOf('number');
    expect(r.tryPull()).toBeUndefined();
  });

  it('recv', async () => {
    const start = Date.now();
    using r = afterMs(50);
    const fired = await r.pull();
    expect(fired).toBeGreaterThanOrEqual(start + 50);
    expect(fired).toBeLessThanOrEqual(Date.now());
    expect(r.tryPull()).toBeUndefined();
  });

  // recv_timeout: a pull with a timeout shorter than the delay times out; a later one gets the
  // value, never before its due time.
  it('recv_timeout', async () => {
    const start = Date.now();
    using r = afterMs(200);
    await expect(r.pull({ signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(99);
    const fired = await r.pull({ signal: AbortSignal.timeout(5000) });
    expect(fired - start).toBeGreaterThanOrEqual(200);
    // crossbeam: a third recv_timeout times out. chanasync: the channel closed.
    await expect(r.pull({ signal: AbortSignal.timeout(100) })).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('recv_two', async () => {
    using r1 = afterMs(50);
    using r2 = afterMs(50);
    const results = await Promise.all([select([pull(r1), pull(r2)]), select([pull(r1), pull(r2)])]);
    // crossbeam: each select gets one of the two values. chanasync: the first timer's value goes
    // to one select, and its channel then closes — which the other select may see first (ok:
    // false), as Go's would after a close. At least one value arrived, and none twice.
    const values = results.filter((r) => r.ok);
    expect(values.length).toBeGreaterThanOrEqual(1);
    if (values.length === 2) expect(new Set(values.map((r) => r.index)).size).toBe(2);
  });

  it('recv_race', async () => {
    {
      using a = afterMs(50);
      using b = afterMs(100);
      expect((await select([pull(a), pull(b)])).index).toBe(0);
    }
    {
      using a = afterMs(100);
      using b = afterMs(50);
      expect((await select([pull(a), pull(b)])).index).toBe(1);
    }
  });

  it('stress_default', async () => {
    for (let i = 0; i < 10; i++) {
      using r = afterMs(0);
      // after(0) fires on the next timer turn, not synchronously (README): the default runs
      // at the call, and the case is ready once the timer ran.
      expect(selectNowait([pull(r)])).toBeUndefined();
      await until(() => r.size === 1);
      expect(selectNowait([pull(r)])).toMatchObject({ index: 0, ok: true });
    }
    for (let i = 0; i < 10; i++) {
      using r = afterMs(100);
      expect(selectNowait([pull(r)])).toBeUndefined();
    }
  });

  it('select', async () => {
    const COUNT = 200;
    const v = Array.from({ length: COUNT }, (_, i) => afterMs(Math.floor(i / 20)));
    let hits = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        // crossbeam's after channels never close. These do once they fired: a case that reports
        // ok: false is set to null (Go's nil-channel idiom), else the loop would spin without
        // letting a timer run (README "What differs from Go").
        const cases = v.map((c) => pull(c) as ReturnType<typeof pull<number>> | null);
        for (;;) {
          using timeout = afterMs(100);
          const r = await select([...cases, pull(timeout)]);
          if (r.index === COUNT) break;
          if (r.ok) hits++;
          else cases[r.index] = null;
        }
      }),
    );
    expect(hits).toBe(COUNT);
  });

  it('fairness', async () => {
    const COUNT = 300;
    for (const dur of [0, 1]) {
      const hits = [0, 0];
      for (let i = 0; i < COUNT; i++) {
        using a = afterMs(dur);
        using b = afterMs(dur);
        await until(() => a.size === 1 && b.size === 1); // both ready: the choice is the select's
        bump(hits, (await select([pull(a), pull(b)])).index);
      }
      expect(hits.every((x) => x >= COUNT / 2 / 2)).toBe(true);
    }
  });

  it('fairness_duplicates', async () => {
    const COUNT = 300;
    for (const dur of [0, 1]) {
      const hits = [0, 0, 0, 0, 0];
      for (let i = 0; i < COUNT; i++) {
        using r = afterMs(dur);
        // parked before the timer fires: the cases wait in a random order (README "Select")
        const res = await select([pull(r), pull(r), pull(r), pull(r), pull(r)]);
        expect(res.ok).toBe(true);
        bump(hits, res.index);
      }
      expect(hits.every((x) => x >= COUNT / 5 / 2)).toBe(true);
    }
  });
});

describe('crossbeam-channel tests/tick.rs', () => {
  it('fire', async () => {
    const start = Date.now();
    using r = ticker(50);
    expect(() => r.pullNowait()).toThrow(ChannelEmptyError);
    await until(() => r.size === 1);
    const fired = r.pullNowait();
    expect(fired).toBeGreaterThan(start);
    expect(fired).toBeLessThanOrEqual(Date.now());
    // later ticks keep coming; the ticker stays open
    const next = await r.pull();
    expect(next).toBeGreaterThanOrEqual(fired);
    expect(r.closed).toBe(false);
    using slow = ticker(10_000);
    expect((await select([pull(r), pull(slow)])).index).toBe(0);
  });

  it('intervals', async () => {
    const start = Date.now();
    using r = ticker(50);
    const t1 = await r.pull();
    expect(t1).toBeGreaterThanOrEqual(start + 25); // on schedule (a timer may run a little early)
    await sleep(300);
    // a slow reader: one tick waited in the buffer, the others were dropped
    expect(r.size).toBe(1);
    const t2 = r.pullNowait();
    expect(t2).toBeGreaterThan(t1);
    expect(() => r.pullNowait()).toThrow(ChannelEmptyError);
    const t3 = await r.pull();
    expect(t3).toBeGreaterThan(t2);
  });

  it('capacity', () => {
    for (let i = 1; i < 10; i++) {
      using r = ticker(i);
      expect(r.capacity).toBe(1);
    }
    expect(() => ticker(0)).toThrow(RangeError); // crossbeam accepts tick(0)
  });

  it('len_empty_full', async () => {
    using r = ticker(50);
    expect([r.size, r.empty, r.full]).toEqual([0, true, false]);
    await until(() => r.size === 1);
    expect([r.size, r.empty, r.full]).toEqual([1, false, true]);
    r.pullNowait();
    expect([r.size, r.empty, r.full]).toEqual([0, true, false]);
  });

  it('recv_two', async () => {
    using r1 = ticker(20);
    using r2 = ticker(20);
    const loop = async () => {
      for (let i = 0; i < 10; i++) expect((await select([pull(r1), pull(r2)])).ok).toBe(true);
    };
    await Promise.all([loop(), loop()]);
  });

  it('recv_race', async () => {
    {
      using a = ticker(50);
      using b = ticker(200);
      expect((await select([pull(a), pull(b)])).index).toBe(0);
    }
    {
      using a = ticker(200);
      using b = ticker(50);
      expect((await select([pull(a), pull(b)])).index).toBe(1);
    }
  });

  it('stress_default', async () => {
    for (let i = 0; i < 10; i++) {
      using r = ticker(100);
      expect(selectNowait([pull(r)])).toBeUndefined();
    }
  });

  it('select', async () => {
    using r1 = ticker(200);
    using r2 = ticker(300);
    let hits = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        using timeout = afterMs(1100);
        for (;;) {
          const r = await select([pull(r1), pull(r2), pull(timeout)]);
          if (r.index === 2) break;
          hits++;
        }
      }),
    );
    // 200, 400, 600, 800, 1000 and 300, 600, 900: 8 ticks in 1.1 s on an idle machine; a late
    // timer drops ticks (never adds), so at most 8 and, on a loaded machine, at least a few.
    expect(hits).toBeLessThanOrEqual(8);
    expect(hits).toBeGreaterThanOrEqual(2);
  });

  it('fairness', async () => {
    const COUNT = 30;
    const hits = [0, 0];
    for (let k = 0; k < COUNT; k++) {
      using r1 = ticker(1);
      using r2 = ticker(1);
      for (let i = 0; i < COUNT; i++) bump(hits, (await select([pull(r1), pull(r2)])).index);
    }
    expect(hits.every((x) => x >= COUNT / 2 / 2)).toBe(true);
  });

  it('fairness_duplicates', async () => {
    const COUNT = 30;
    const hits = [0, 0, 0, 0, 0];
    for (let k = 0; k < COUNT; k++) {
      using r = ticker(1);
      for (let i = 0; i < COUNT; i++) bump(hits, (await select([pull(r), pull(r), pull(r), pull(r), pull(r)])).index);
    }
    expect(hits.every((x) => x >= COUNT / 5 / 2)).toBe(true);
  });
});
