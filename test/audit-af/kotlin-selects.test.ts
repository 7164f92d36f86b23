/**
 * Audit AF: kotlinx.coroutines' select tests, translated to chanasync.
 * Sources: https://github.com/Kotlin/kotlinx.coroutines/tree/master/kotlinx-coroutines-core/common/test/selects
 *
 * Mapping: `select { c.onSend(v) {…} }` ≈ `select([push(c, v)])`; `c.onReceive` ≈ `pull(c)`
 * (Kotlin's onReceive on a closed channel throws ClosedReceiveChannelException, chanasync's
 * pull case fires with `ok: false`, Go's rule); `onReceiveCatching` ≈ `pull(c)` with `ok`;
 * `default {}` ≈ `selectNowait` returning `undefined`; `onTimeout(ms)` ≈ `pull(after(ms))`;
 * `selectUnbiased` ≈ `select` (chanasync's select is always unbiased).
 */

import { after as afterMs, Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { bump, settle, track, until } from './util.js';

class TestException extends Error {
  override name = 'TestException';
}

for (const [file, capacity] of [
  ['SelectRendezvousChannelTest.kt', 0],
  ['SelectBufferedChannelTest.kt', 1],
] as const) {
  describe(`kotlinx ${file} (capacity ${capacity})`, () => {
    it('testSelectSendSuccess', async () => {
      const channel = new Channel<string>(capacity);
      const receiver = channel.pull();
      await settle();
      const r = await select([push(channel, 'OK')]);
      expect(r.index).toBe(0);
      expect(await receiver).toBe('OK');
    });

    it('testSelectSendSuccessWithDefault', async () => {
      const channel = new Channel<string>(capacity);
      const receiver = channel.pull();
      await settle();
      const r = selectNowait([push(channel, 'OK')]);
      expect(r?.index).toBe(0); // the default did not run
      expect(await receiver).toBe('OK');
    });

    if (capacity === 0) {
      it('testSelectSendWaitWithDefault', async () => {
        const channel = new Channel<string>(0);
        expect(selectNowait([push(channel, 'OK')])).toBeUndefined(); // default
        // the select is over: a receive now blocks (the select left no sender behind)
        expect(channel.stats().waitingPushers).toBe(0);
        const r = track(channel.pull());
        await settle();
        expect(r.state).toBe('pending');
        await channel.push('CHK');
        await settle();
        expect(r.value).toBe('CHK');
      });
    } else {
      it('testSelectSendReceiveBuf', async () => {
        const channel = new Channel<string>(1);
        expect((await select([push(channel, 'OK')])).index).toBe(0);
        const r = await select([pull(channel)]);
        expect(r).toMatchObject({ index: 0, value: 'OK', ok: true });
      });
    }

    it('testSelectSendWait', async () => {
      const channel = new Channel<string>(capacity);
      if (capacity > 0) await channel.push('BUF');
      const sel = track(select([push(channel, 'OK')]));
      await settle();
      expect(sel.state).toBe('pending');
      if (capacity > 0) expect(await channel.pull()).toBe('BUF');
      expect(await channel.pull()).toBe('OK');
      await settle();
      expect(sel.state).toBe('fulfilled');
    });

    it('testSelectReceiveSuccess', async () => {
      const channel = new Channel<string>(capacity);
      const sent = channel.push('OK');
      await settle();
      const r = await select([pull(channel)]);
      expect(r).toMatchObject({ index: 0, value: 'OK', ok: true });
      await sent;
    });

    it('testSelectReceiveSuccessWithDefault', async () => {
      const channel = new Channel<string>(capacity);
      const sent = channel.push('OK');
      await settle();
      expect(selectNowait([pull(channel)])).toMatchObject({ index: 0, value: 'OK', ok: true });
      await sent;
    });

    it('testSelectReceiveWaitWithDefault', async () => {
      const channel = new Channel<string>(capacity);
      expect(selectNowait([pull(channel)])).toBeUndefined(); // default
      expect(channel.stats().waitingPullers).toBe(0);
      if (capacity > 0) await channel.push('BUF');
      const s = track(channel.push('CHK')); // blocks: the select left no receiver behind
      await settle();
      expect(s.state).toBe('pending');
      if (capacity > 0) expect(await channel.pull()).toBe('BUF');
      expect(await channel.pull()).toBe('CHK');
      await settle();
      expect(s.state).toBe('fulfilled');
    });

    it('testSelectReceiveWait', async () => {
      const channel = new Channel<string>(capacity);
      setTimeout(() => void channel.push('OK'));
      expect(await select([pull(channel)])).toMatchObject({ index: 0, value: 'OK', ok: true });
    });

    // Kotlin's onReceive on a closed channel throws ClosedReceiveChannelException; chanasync's
    // pull case fires with ok: false (SPEC select, Go's `v, ok := <-ch`).
    it('testSelectReceiveClosed (contract: pull case fires with ok false)', async () => {
      const channel = new Channel<string>(capacity);
      channel.close();
      expect(await select([pull(channel)])).toMatchObject({ index: 0, value: undefined, ok: false });
    });

    it('testSelectReceiveWaitClosed (contract: pull case fires with ok false)', async () => {
      const channel = new Channel<string>(capacity);
      setTimeout(() => channel.close());
      expect(await select([pull(channel)])).toMatchObject({ index: 0, ok: false });
    });

    it('testSelectSendResourceCleanup', () => {
      const channel = new Channel<number>(capacity);
      if (capacity > 0) channel.pushNowait(-1); // fill the buffer
      for (let i = 0; i < 1000; i++) expect(selectNowait([push(channel, i)])).toBeUndefined();
      expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: capacity });
    });

    it('testSelectReceiveResourceCleanup', () => {
      const channel = new Channel<number>(capacity);
      for (let i = 0; i < 1000; i++) expect(selectNowait([pull(channel)])).toBeUndefined();
      expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    });

    // testSelectAtomicFailure: the select won by c1 is not disturbed by c2 closing afterwards.
    it('testSelectAtomicFailure', async () => {
      const c1 = new Channel<number>(capacity);
      const c2 = new Channel<number>(capacity);
      const sel = select([pull(c1), pull(c2)]);
      await settle();
      await c1.push(42);
      c2.close();
      expect(await sel).toMatchObject({ index: 0, value: 42, ok: true });
      expect(c1.stats().waitingPullers + c2.stats().waitingPullers).toBe(0);
    });

    it('testSelectWaitDispatch', async () => {
      const c = new Channel<number>(capacity);
      const sel = track(select([pull(c)]));
      await settle();
      expect(c.tryPush(42)).toBe(true); // does not suspend: the select waits
      await settle();
      expect(sel.value).toMatchObject({ index: 0, value: 42, ok: true });
    });

    it('testSelectReceiveCatchingWaitClosed', async () => {
      const channel = new Channel<string>(capacity);
      setTimeout(() => channel.close());
      const r = await select([pull(channel)]);
      expect(r.ok).toBe(false);
      // exceptionOrNull() == null: the channel was closed without a reason
      const e = await channel.pull().catch((x: unknown) => x);
      expect((e as ChannelClosedError).cause).toBeUndefined();
    });

    // Kotlin's onReceiveCatching gives the close cause; chanasync's select resolves ok: false
    // (README "What differs from Go": to learn the reason, pull once).
    it('testSelectReceiveCatchingWaitClosedWithCause', async () => {
      const channel = new Channel<string>(capacity);
      const cause = new TestException();
      setTimeout(() => channel.close(cause));
      const r = await select([pull(channel)]);
      expect(r.ok).toBe(false);
      await expect(channel.pull()).rejects.toMatchObject({ cause });
    });

    it('testSelectReceiveCatchingForClosedChannel', async () => {
      const channel = new Channel<undefined>(capacity);
      channel.close();
      expect(await select([pull(channel)])).toMatchObject({ ok: false });
      expect(selectNowait([pull(channel)])).toMatchObject({ ok: false });
    });

    it('testSelectReceiveCatching', async () => {
      const channel = new Channel<number>(capacity);
      const got: number[] = [];
      const job = (async () => {
        for (let i = 0; i < 10; i++) {
          const r = await select([pull(channel)]);
          expect(r.ok).toBe(true);
          got.push(r.value as number);
        }
      })();
      for (let i = 0; i < 10; i++) {
        await channel.push(i);
        await settle(1);
      }
      await job;
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('testSelectReceiveCatchingDispatch', async () => {
      const c = new Channel<number>(capacity);
      const res = (async () => {
        const r = await select([pull(c)]);
        expect(r.value).toBe(42);
        return 'OK';
      })();
      await settle();
      expect(c.tryPush(42)).toBe(true);
      expect(await res).toBe('OK');
    });

    if (capacity > 0) {
      it('testSelectReceiveDispatchNonSuspending', async () => {
        const channel = new Channel<number>(1);
        await channel.push(42);
        // ready at the call: selectNowait commits synchronously, select in one await
        expect(selectNowait([pull(channel)])).toMatchObject({ value: 42, ok: true });
        await channel.push(43);
        expect(await select([pull(channel)])).toMatchObject({ value: 43, ok: true });
      });

      it('testSelectReceiveOrClosedForClosedChannelWithValue', async () => {
        const channel = new Channel<number>(1);
        await channel.push(42);
        channel.close();
        expect(await select([pull(channel)])).toMatchObject({ value: 42, ok: true });
        expect(await select([pull(channel)])).toMatchObject({ ok: false });
      });
    }

    if (capacity === 0) {
      // Kotlin: a sender enqueued, then close(); the select's onSend fails with
      // ClosedSendChannelException, and the earlier sender's 1 is still received. chanasync's
      // close() fails that parked sender too (SPEC "Closing").
      it('testSelectSendWhenClosed (contract: close fails the parked push)', async () => {
        const c = new Channel<number>(0);
        const sender = track(c.push(1));
        await settle();
        c.close();
        await expect(select([push(c, 2)])).rejects.toBeInstanceOf(ChannelClosedError);
        await settle();
        expect(sender.error).toBeInstanceOf(ChannelClosedError);
        await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      });

      // Kotlin refuses a select with onSend and onReceive on one channel
      // (IllegalStateException). chanasync accepts it and never matches the two cases with
      // each other (SPEC): the select waits; a partner from outside completes it.
      it('testSelectSendAndReceive (contract: allowed, never self-matches)', async () => {
        const c = new Channel<number>(0);
        const sel = track(select([push(c, 1), pull(c)]));
        await settle();
        expect(sel.state).toBe('pending');
        expect(c.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
        expect(c.tryPull()).toBe(1); // an outside receiver meets its push case
        await settle();
        expect(sel.value).toMatchObject({ index: 0 });
        // checkNotBroken
        const sent = c.push(42);
        expect(await c.pull()).toBe(42);
        await sent;
        expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      });

      it('testSelectReceiveAndSend (contract: allowed, never self-matches)', async () => {
        const c = new Channel<number>(0);
        expect(selectNowait([pull(c), push(c, 1)])).toBeUndefined();
        const sel = track(select([pull(c), push(c, 1)]));
        await settle();
        expect(sel.state).toBe('pending');
        expect(c.tryPush(7)).toBe(true); // an outside sender meets its pull case
        await settle();
        expect(sel.value).toMatchObject({ index: 0, value: 7, ok: true });
        const sent = c.push(42);
        expect(await c.pull()).toBe(42);
        await sent;
      });
    }
  });
}

// common/test/selects/SelectBiasTest.kt
describe('kotlinx SelectBiasTest.kt', () => {
  const n = 10_000;
  // Kotlin's plain select is biased to the first clause; chanasync has only the unbiased one
  // (SPEC: uniformly at random), so testBiased's "always clause 0" does not hold by design.
  it('testBiased (contract: select is never biased)', () => {
    const d0 = new Channel<number>(Number.POSITIVE_INFINITY);
    const d1 = new Channel<number>(Number.POSITIVE_INFINITY);
    const counter = [0, 0];
    for (let i = 0; i < n; i++) {
      d0.pushNowait(0);
      d1.pushNowait(1);
      const r = selectNowait([pull(d0), pull(d1)]);
      bump(counter, r?.index ?? 0);
      // refill balance: take the loser's value back out so both stay ready once each
      (r?.index === 0 ? d1 : d0).pullNowait();
    }
    expect(counter[0]).toBeLessThan(n);
    expect(counter[1]).toBeGreaterThan(0);
  });

  it('testUnbiased', async () => {
    const d0 = new Channel<number>(1);
    const d1 = new Channel<number>(1);
    const counter = [0, 0];
    for (let i = 0; i < n; i++) {
      d0.tryPush(0);
      d1.tryPush(1);
      const r = await select([pull(d0), pull(d1)]);
      bump(counter, r.index);
    }
    expect(counter[0]).toBeGreaterThanOrEqual(n / 4);
    expect(counter[1]).toBeGreaterThanOrEqual(n / 4);
  });
});

// common/test/selects/SelectTimeoutTest.kt
describe('kotlinx SelectTimeoutTest.kt', () => {
  it('testBasic', async () => {
    using t1000 = afterMs(1000);
    using t100 = afterMs(100);
    using t500 = afterMs(500);
    const r = await select([pull(t1000), pull(t100), pull(t500)]);
    expect(r.index).toBe(1);
    expect(t1000.stats().waitingPullers + t500.stats().waitingPullers).toBe(0);
  });

  it('testZeroTimeout', async () => {
    using t1000 = afterMs(1000);
    using t0 = afterMs(0);
    expect((await select([pull(t1000), pull(t0)])).index).toBe(1);
  });

  it('testNegativeTimeout', async () => {
    using t1000 = afterMs(1000);
    using tneg = afterMs(-10);
    expect((await select([pull(t1000), pull(tneg)])).index).toBe(1);
  });

  it('testUnbiasedNegativeTimeout', async () => {
    const iterations = 2000;
    const timers = Array.from({ length: iterations }, () => [afterMs(-1000), afterMs(0), afterMs(1000)] as const);
    // the ≤ 0 timers fire on the next timer turn: then two cases are ready in every select
    await until(() => timers.every(([a, b]) => a.size === 1 && b.size === 1));
    const counters = [0, 0, 0];
    for (const [a, b, c] of timers) {
      const r = await select([pull(a), pull(b), pull(c)]);
      bump(counters, r.index);
      a.close();
      b.close();
      c.close();
    }
    expect(counters[2]).toBe(0);
    expect(counters[0]).toBeGreaterThan(iterations / 4);
    expect(counters[1]).toBeGreaterThan(iterations / 4);
  });
});
