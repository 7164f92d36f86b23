/**
 * Audit AJ: the "cancelled at the last moment" tests of both suites, run as races against real
 * timers. CPython's test_get_cancelled_race / test_put_cancelled_race / test_get_cancelled
 * (Lib/test/test_asyncio/test_queues.py) and the JSR-166 TCK's testTimedPollWithOffer /
 * testTimedOffer (test/jdk/java/util/concurrent/tck/BlockingQueueTest.java,
 * SynchronousQueueTest.java) check one interleaving each; here a timeout and the partner's
 * operation are due at the same millisecond, many times over, so both orders happen. Whatever
 * the order, the invariant of both suites must hold: a value is delivered exactly once, a timed-out
 * operation delivered or consumed nothing, and a completed one did.
 */

import { Channel } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { track, until } from './util.js';

const ROUNDS = 120;

async function rounds(run: (i: number) => Promise<'committed' | 'timed-out'>) {
  const outcomes = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => run(i)));
  // Report both outcomes when they happened (not asserted: the scheduler decides).
  return { committed: outcomes.filter((o) => o === 'committed').length, total: outcomes.length };
}

describe('test_queues.py QueueGetTests (races at the last moment)', () => {
  // test_queues.py QueueGetTests.test_get_cancelled: get under wait_for, put due at the deadline.
  it.each([
    ['Infinity', Infinity],
    ['1', 1],
    ['0 (rendezvous)', 0],
  ])('test_get_cancelled (timeout and put due together, capacity %s)', async (_l, capacity) => {
    const r = await rounds(async (i) => {
      const q = new Channel<number>(capacity);
      const get = track(q.pull({ signal: AbortSignal.timeout(3) }));
      let pushed: boolean | undefined;
      setTimeout(() => {
        pushed = q.tryPush(i);
      }, 3);
      await until(() => get.done && pushed !== undefined);
      await until(() => true);
      if (get.state === 'fulfilled') {
        expect(get.value).toBe(i);
        expect(pushed).toBe(true);
        expect(q.size).toBe(0);
        return 'committed';
      }
      expect((get.error as Error).name).toBe('TimeoutError');
      // the value was not consumed: in the buffer, or (rendezvous) never committed
      if (capacity === 0) expect(pushed).toBe(false);
      else expect(q.tryPull()).toBe(i);
      expect(q.stats().waitingPullers).toBe(0);
      return 'timed-out';
    });
    expect(r.total).toBe(ROUNDS);
  });

  // Same for pullMany (drainTo ≈ pullMany with a timeout).
  it('test_get_cancelled (pullMany: timeout and pushAll due together)', async () => {
    await rounds(async (i) => {
      const q = new Channel<number>(Infinity);
      const get = track(q.pullMany(5, { signal: AbortSignal.timeout(3) }));
      setTimeout(() => void q.pushAll([i, i + 1000]), 3);
      await until(() => get.done && q.size + (get.value?.length ?? 0) === 2);
      if (get.state === 'fulfilled') {
        expect(get.value).toEqual([i]);
        expect(q.tryPull()).toBe(i + 1000);
        return 'committed';
      }
      expect([q.tryPull(), q.tryPull()]).toEqual([i, i + 1000]);
      return 'timed-out';
    });
  });
});

describe('test_queues.py QueuePutTests (races at the last moment)', () => {
  // test_queues.py QueuePutTests.test_put_cancelled_race / test_put_cancel_drop: a put blocked on
  // a full queue times out just as a get frees the slot.
  it('test_put_cancel_drop (put timeout and get due together, capacity 1)', async () => {
    await rounds(async (i) => {
      const q = new Channel<number>(1);
      q.pushNowait(-1);
      const put = track(q.push(i, { signal: AbortSignal.timeout(3) }));
      let got: number | undefined;
      setTimeout(() => {
        got = q.pullNowait();
      }, 3);
      await until(() => put.done && got !== undefined);
      expect(got).toBe(-1);
      if (put.state === 'fulfilled') {
        expect(q.size).toBe(1);
        expect(q.pullNowait()).toBe(i);
        return 'committed';
      }
      expect(q.size).toBe(0);
      expect(q.stats().waitingPushers).toBe(0);
      return 'timed-out';
    });
  });
});

describe('SynchronousQueueTest.java (races at the last moment)', () => {
  // SynchronousQueueTest.testTimedOffer / testTimedPollWithOffer: a timed offer on a rendezvous
  // channel and a poll due at its deadline. Rendezvous: offer succeeded ⇔ the poll got the value.
  it('testTimedOffer (timeout and poll due together)', async () => {
    await rounds(async (i) => {
      const q = new Channel<number>(0);
      const put = track(q.push(i, { signal: AbortSignal.timeout(3) }));
      let got: number | undefined | null = null;
      setTimeout(() => {
        got = q.tryPull();
      }, 3);
      await until(() => put.done && got !== null);
      if (put.state === 'fulfilled') {
        expect(got).toBe(i);
        return 'committed';
      }
      expect(got).toBeUndefined();
      return 'timed-out';
    });
  });

  // Both sides timed, due together: either both complete with the value or neither does.
  it('testTimedPollWithOffer (timed offer and timed poll due together)', async () => {
    await rounds(async (i) => {
      const q = new Channel<number>(0);
      const put = track(q.push(i, { signal: AbortSignal.timeout(3) }));
      let get: ReturnType<typeof track<number>> | undefined;
      setTimeout(() => {
        get = track(q.pull({ signal: AbortSignal.timeout(1) }));
      }, 3);
      await until(() => put.done && get?.done === true);
      expect(put.state === 'fulfilled').toBe(get?.state === 'fulfilled');
      if (get?.state === 'fulfilled') expect(get.value).toBe(i);
      expect(q.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      return put.state === 'fulfilled' ? 'committed' : 'timed-out';
    });
  });
});
