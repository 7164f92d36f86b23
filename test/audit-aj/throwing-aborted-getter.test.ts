/**
 * Audit AJ: defects found while porting the "drainTo with active put" tests of the JSR-166 TCK
 * (test/jdk/java/util/concurrent/tck/SynchronousQueueTest.java testDrainToWithActivePut /
 * testDrainToN, ArrayBlockingQueueTest.java testDrainToWithActivePut) and asyncio's shutdown
 * tests (Lib/test/test_asyncio/test_queues.py test_shutdown_empty) with a parked operation whose
 * duck-typed signal has an `aborted` getter that throws (it read fine when the operation parked).
 *
 * What was wrong: `liveHead` (src/waiters.ts), which every commit point calls, let that error
 * through, so a commit point threw — while the helpers that chain commits assume they never do.
 * - `pullMany` threw after it had already taken the buffer's head (or a parked push's value,
 *   whose push then resolved): those values went to nobody.
 * - `close()` threw half-way: the channel was marked closed and every operation parked behind
 *   that one (an ordinary `pull`) stayed pending for ever; a later `close()` did nothing.
 * - `merge`: a push into an input was handed to the merge, whose push into the merged channel
 *   threw: the value was lost, the input's `pushNowait` threw, and the merge stopped reading its
 *   inputs (a later push waited for ever).
 * - `broadcast`: the value pulled from the source reached the first subscriber only; the source's
 *   `pushNowait` threw although its value had been taken.
 * Fix: such a signal is taken for not aborted at the commit points (an operation's own signal is
 * still read up front, and a throw there still refuses the call before it touches the channel).
 */

import { broadcast, Channel, ChannelClosedError, merge } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle, type Tracked, track } from './util.js';

/** A signal-like object whose `aborted` getter starts throwing once armed. */
function flakySignal() {
  const c = new AbortController();
  let armed = false;
  const signal = {
    get aborted() {
      if (armed) throw new Error('aborted getter throws');
      return c.signal.aborted;
    },
    get reason() {
      return c.signal.reason;
    },
    addEventListener: c.signal.addEventListener.bind(c.signal),
    removeEventListener: c.signal.removeEventListener.bind(c.signal),
  };
  return {
    signal: signal as unknown as AbortSignal,
    arm: () => {
      armed = true;
    },
  };
}

describe('SynchronousQueueTest.java / ArrayBlockingQueueTest.java testDrainToWithActivePut (a parked putter whose signal cannot be read)', () => {
  it('pullMany on a rendezvous channel takes every parked push, that one included, and loses nothing', async () => {
    const q = new Channel<string>(0);
    const p1 = track(q.push('b'));
    const flaky = flakySignal();
    const p2 = track(q.push('c', { signal: flaky.signal }));
    await settle();
    flaky.arm();
    const got = await q.pullMany(10);
    await settle();
    expect(got).toEqual(['b', 'c']);
    expect(p1.state).toBe('fulfilled');
    expect(p2.state).toBe('fulfilled');
  });

  it('pullMany on a full buffer takes the head and the parked pushes in order', async () => {
    const q = new Channel<string>(1);
    q.pushNowait('a');
    const p1 = track(q.push('b'));
    const flaky = flakySignal();
    const p2 = track(q.push('c', { signal: flaky.signal }));
    await settle();
    flaky.arm();
    expect(await q.pullMany(10)).toEqual(['a', 'b', 'c']);
    await settle();
    expect([p1.state, p2.state]).toEqual(['fulfilled', 'fulfilled']);
    expect(q.size).toBe(0);
  });

  it('tryPull (poll) takes the value of such a parked push', async () => {
    const q = new Channel<string>(0);
    const flaky = flakySignal();
    const p = track(q.push('c', { signal: flaky.signal }));
    await settle();
    flaky.arm();
    expect(q.tryPull()).toBe('c');
    await settle();
    expect(p.state).toBe('fulfilled');
  });

  it('an operation whose own signal cannot be read is still refused up front, touching nothing', () => {
    const q = new Channel<string>(1);
    q.pushNowait('a');
    const flaky = flakySignal();
    flaky.arm();
    expect(() => q.pull({ signal: flaky.signal })).toThrow('aborted getter throws');
    expect(q.size).toBe(1);
    expect(q.stats().waitingPullers).toBe(0);
  });
});

/** Each of the tracked operations failed with a ChannelClosedError whose message starts with `op`. */
function expectClosedErrors(op: 'pull' | 'push', ...operations: Tracked<unknown>[]): void {
  for (const operation of operations) {
    expect(operation.error).toBeInstanceOf(ChannelClosedError);
    expect((operation.error as Error).message).toMatch(new RegExp(`^${op}: `));
  }
}

describe('test_queues.py QueueShutdownTests.test_shutdown_empty (a parked getter whose signal cannot be read)', () => {
  it('close() fails every parked pull, that one included, and does not throw', async () => {
    const q = new Channel<string>(0);
    const flaky = flakySignal();
    const p1 = track(q.pull({ signal: flaky.signal }));
    const p2 = track(q.pull());
    await settle();
    flaky.arm();
    expect(() => q.close()).not.toThrow();
    await settle();
    expectClosedErrors('pull', p1, p2);
    expect(q.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0, closed: true });
  });

  it('close() fails every parked push, that one included; the buffer stays', async () => {
    const q = new Channel<string>(1);
    q.pushNowait('data');
    const flaky = flakySignal();
    const p1 = track(q.push('x', { signal: flaky.signal }));
    const p2 = track(q.push('y'));
    await settle();
    flaky.arm();
    expect(() => q.close()).not.toThrow();
    await settle();
    expectClosedErrors('push', p1, p2);
    expect(q.pullNowait()).toBe('data');
    expect(() => q.pullNowait()).toThrow(ChannelClosedError);
  });
});

describe('test_queues.py test_put_with_waiting_getters through merge and broadcast (a waiting getter whose signal cannot be read)', () => {
  it('merge: the value pushed into an input reaches that getter, and the merge keeps reading', async () => {
    const a = new Channel<string>(0);
    const m = merge(a);
    const flaky = flakySignal();
    const p1 = track(m.pull({ signal: flaky.signal }));
    await settle();
    flaky.arm();
    expect(() => a.pushNowait('v')).not.toThrow();
    await settle();
    expect(p1.value).toBe('v');
    const later = track(a.push('w'));
    expect(await m.pull()).toBe('w');
    await settle();
    expect(later.state).toBe('fulfilled');
    a.close();
  });

  it('broadcast: every subscriber gets the value, that getter included', async () => {
    const source = new Channel<number>(Infinity);
    const b = broadcast(source);
    const s1 = b.subscribe({ capacity: 4 });
    const s2 = b.subscribe({ capacity: 4 });
    const s3 = b.subscribe({ capacity: 4 });
    const flaky = flakySignal();
    const p2 = track(s2.pull({ signal: flaky.signal }));
    await settle();
    flaky.arm();
    expect(() => source.pushNowait(1)).not.toThrow();
    source.pushNowait(2);
    await settle();
    expect(p2.value).toBe(1);
    expect([s1.tryPull(), s1.tryPull()]).toEqual([1, 2]);
    expect(s2.tryPull()).toBe(2);
    expect([s3.tryPull(), s3.tryPull()]).toEqual([1, 2]);
    b.close();
  });
});
