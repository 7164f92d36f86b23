/**
 * chanasync/durable when things go wrong: callers that vanish mid-pull, answers lost after the
 * hand-out, an object reset over the same storage, waits longer than one slice. Runs inside
 * workerd (vitest project `workers`). A "raw" call is what a client sends, made by hand so that
 * the test can stop at the point where a real caller would have vanished.
 */
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import type { ChannelRpc } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import { freshName, rawLimits, rawStub, settled, sleep, until } from './helpers.js';

describe('leases: a value handed out is the channel’s until the puller acknowledges it', () => {
  test('a pull whose answer is lost after the hand-out: the value comes back after its lease, same id, next attempt', async () => {
    const name = freshName('lost-answer');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('job', { id: 'job-1' });
    // A caller took it and vanished before acknowledging (its answer never arrived). Its lease
    // is long enough for the two calls below to come before it ends, on a loaded machine too.
    const lost = await rawStub(name).pull({ ...rawLimits(2000, false), ticket: 'lost', max: 1 });
    expect(lost).toMatchObject({ kind: 'values', deliveries: [{ id: 'job-1', attempt: 1 }] });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 1 });
    expect(await channel.tryPull()).toBeUndefined(); // leased: not ready
    expect(await channel.pullWithId()).toEqual({ value: 'job', id: 'job-1', attempt: 2 });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('a value whose lease ends goes back to the head, ahead of the values pushed after it', async () => {
    const name = freshName('lease-head');
    const channel = durableChannel<string>(env.CHANNELS, name);
    for (const value of ['a', 'b', 'c']) await channel.push(value);
    // Takes 'a', for long enough that the pull below comes first on a loaded machine too.
    await rawStub(name).pull({ ...rawLimits(2000, false), ticket: 'vanished', max: 1 });
    expect(await channel.pull()).toBe('b');
    await until(async () => (await channel.stats()).leased === 0, 10_000); // the lease's end
    expect(await channel.pullMany(5)).toEqual(['a', 'c']);
  });

  test('a late acknowledgement of a value that was redelivered does not remove it twice', async () => {
    const name = freshName('late-ack');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('x');
    const stub = rawStub(name);
    const lost = await stub.pull({ ...rawLimits(100, false), ticket: 'slow', max: 1 });
    if (lost.kind !== 'values') throw new Error('expected values');
    const [delivery] = lost.deliveries;
    await sleep(150);
    const again = channel.pull(); // the redelivery, to this pull
    expect(await again).toBe('x');
    const late = await stub.ack({ capacity: null, ticket: 'slow', deliveries: [[delivery!.seq, delivery!.attempt]] });
    expect(late).toEqual({ kind: 'acks', fates: ['gone'] });
  });

  test('a slow puller whose lease ended but whose value was not handed out again still gets it, once', async () => {
    const name = freshName('slow-ack');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('y');
    const stub = rawStub(name);
    const slow = await stub.pull({ ...rawLimits(50, false), ticket: 'slow', max: 1 });
    if (slow.kind !== 'values') throw new Error('expected values');
    await until(async () => (await channel.stats()).leased === 0); // the lease's end, late on a loaded machine
    expect(await channel.stats()).toMatchObject({ size: 1, leased: 0 }); // back to ready
    const [delivery] = slow.deliveries;
    const ack = await stub.ack({ capacity: null, ticket: 'slow', deliveries: [[delivery!.seq, delivery!.attempt]] });
    expect(ack).toEqual({ kind: 'acks', fates: ['acked'] });
    expect(await channel.tryPull()).toBeUndefined();
  });

  // Leases shorter than a round trip passed a value from pull to pull: each acknowledgement came
  // after its lease had ended and the value had gone on to the next waiting pull, so under load
  // four consumers with a 1 ms lease took more than 30 s for 40 values.
  test('a late acknowledgement takes a value handed out again but not yet acknowledged; the newer holder is answered gone', async () => {
    const name = freshName('late-ack-first');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('z');
    const stub = rawStub(name);
    const first = await stub.pull({ ...rawLimits(50, false), ticket: 'first', max: 1 });
    if (first.kind !== 'values') throw new Error('expected values');
    await until(async () => (await channel.stats()).leased === 0); // the lease's end, late on a loaded machine
    const second = await stub.pull({ ...rawLimits(10_000, false), ticket: 'second', max: 1 });
    if (second.kind !== 'values') throw new Error('expected values');
    expect(second.deliveries.map(({ value, attempt }) => [value, attempt])).toEqual([['z', 2]]);
    const [late] = first.deliveries;
    const ack = await stub.ack({
      capacity: null,
      ticket: 'first',
      deliveries: [[late!.seq, late!.attempt]],
      exact: true,
    });
    expect(ack).toEqual({ kind: 'acks', fates: ['acked'], exact: true });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
    // The second ticket's lease no longer lists the value: that ticket asking again gets nothing.
    expect(await stub.pull({ ...rawLimits(10_000, false), ticket: 'second', max: 1 })).toEqual({ kind: 'empty' });
    const [newer] = second.deliveries;
    const lost = await stub.ack({
      capacity: null,
      ticket: 'second',
      deliveries: [[newer!.seq, newer!.attempt]],
      exact: true,
    });
    expect(lost).toEqual({ kind: 'acks', fates: ['gone'], exact: true });
    await channel.push('next');
    expect(await channel.pull()).toBe('next');
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('a pulling caller that vanished mid-wait: the value handed to it goes to the next puller after the lease', async () => {
    const name = freshName('vanished-waiter');
    const channel = durableChannel<string>(env.CHANNELS, name);
    // Parked by a caller that is gone: nobody will read its answer or acknowledge it.
    void rawStub(name).pull({ ...rawLimits(200), ticket: 'ghost', max: 1 });
    await until(async () => (await channel.stats()).waitingPullers === 1);
    const next = channel.pull();
    await until(async () => (await channel.stats()).waitingPullers === 2);
    await channel.push('value');
    expect(await settled(next)).toBe(false); // handed to the ghost first (FIFO)
    expect(await next).toBe('value');
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a request that disconnects while its pull waits loses no value: the next puller gets it', async () => {
    const name = freshName('disconnect');
    const channel = durableChannel<string>(env.CHANNELS, name);
    const client = new AbortController();
    const request = exports.default
      .fetch(`http://worker/pull?name=${name}&leaseMs=200`, { signal: client.signal })
      .catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPullers === 1);
    client.abort();
    await request;
    const next = channel.pull();
    await channel.push('survivor');
    expect(await next).toBe('survivor');
  });

  test('withdrawing a pull that holds a lease puts its values back at the head, consuming nothing', async () => {
    const name = freshName('withdraw-lease');
    const channel = durableChannel<string>(env.CHANNELS, name);
    for (const value of ['a', 'b']) await channel.push(value);
    const stub = rawStub(name);
    // A pull whose signal aborted after the object had handed it 'a' but before it acknowledged.
    await stub.pull({ ...rawLimits(60_000, false), ticket: 'aborted', max: 1 });
    expect(await stub.cancel({ capacity: null, side: 'pull', key: 'aborted' })).toEqual({ kind: 'cancelled' });
    expect(await channel.pullMany(5)).toEqual(['a', 'b']);
  });

  test('leases that end together give their values back oldest first, even when the newer values were leased first', async () => {
    // Found by audit AR: an expiry run released one ended lease at a time, each straight to the
    // waiting pulls, so a waiting pullMany got 3, 4 and then 1, 2. The leases are made to end in
    // one run by moving their end into the past inside the object (a late alarm does the same).
    const name = freshName('leases-end-together');
    const channel = durableChannel<number>(env.CHANNELS, name);
    for (const value of [1, 2, 3, 4]) await channel.push(value);
    const stub = rawStub(name);
    await stub.pull({ ...rawLimits(60_000, false), ticket: 'first', max: 2 }); // 1, 2
    await stub.pull({ ...rawLimits(60_000, false), ticket: 'newer', max: 2 }); // 3, 4
    await stub.cancel({ capacity: null, side: 'pull', key: 'first' }); // 1, 2 back
    await stub.pull({ ...rawLimits(60_000, false), ticket: 'older', max: 2 }); // 1, 2 again
    const waiting = channel.pullMany(10);
    await until(async () => (await channel.stats()).waitingPullers === 1);
    type Inside = { $leases: Map<string, { until: number }>; $deadline: number };
    await runInDurableObject(stub as never, (instance) => {
      const object = instance as unknown as Inside;
      for (const lease of object.$leases.values()) lease.until = Date.now() - 1;
      object.$deadline = 0;
    });
    await channel.stats(); // a request: the expiry runs first
    expect(await waiting).toEqual([1, 2, 3, 4]);
  });
});

describe('an object reset (a deploy, an eviction): a fresh instance over the same storage', () => {
  test('every committed value is still there, in order, and a value leased at the reset is back at the head', async () => {
    const name = freshName('reset');
    const channel = durableChannel<number>(env.CHANNELS, name);
    for (let i = 1; i <= 5; i++) await channel.push(i);
    await rawStub(name).pull({ ...rawLimits(60_000, false), ticket: 'in-flight', max: 2 }); // 1 and 2 leased
    await abortAllDurableObjects();
    expect(await channel.stats()).toMatchObject({ size: 5, leased: 0 });
    expect(await channel.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
  });

  test('a closed channel stays closed, with its reason, and its values stay readable', async () => {
    const name = freshName('reset-closed');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('last');
    await channel.close(new Error('shutdown'));
    await abortAllDurableObjects();
    await expect(channel.push('more')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await channel.pull()).toBe('last');
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(((error as Error).cause as Error).message).toBe('shutdown');
  });

  test('a push retried with the same id after the reset is stored once', async () => {
    const name = freshName('reset-retry');
    const channel = durableChannel<string>(env.CHANNELS, name);
    // The first attempt was stored, then the object reset before its answer arrived.
    expect(await rawStub(name).push({ ...rawLimits(), id: 'order-7', value: 'pay' })).toEqual({ kind: 'stored' });
    await abortAllDurableObjects();
    await channel.push('pay', { id: 'order-7' }); // the retry
    expect(await channel.stats()).toMatchObject({ size: 1 });
    expect(await channel.pullWithId()).toMatchObject({ value: 'pay', id: 'order-7' });
  });

  test('the capacity survives the reset', async () => {
    const name = freshName('reset-capacity');
    await durableChannel(env.CHANNELS, name, { capacity: 3 }).push(1);
    await abortAllDurableObjects();
    await expect(durableChannel(env.CHANNELS, name, { capacity: 4 }).push(2)).rejects.toThrow(RangeError);
    expect((await durableChannel(env.CHANNELS, name).stats()).capacity).toBe(3);
  });

  test('new pushes after a reset come after the old values, and delivery ids stay distinct', async () => {
    const name = freshName('reset-seq');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('old');
    expect(await channel.pull()).toBe('old');
    await channel.push('older-than-reset');
    await abortAllDurableObjects();
    await channel.push('new');
    const got = [await channel.pullWithId(), await channel.pullWithId()];
    expect(got.map((d) => d.value)).toEqual(['older-than-reset', 'new']);
    expect(got[0]!.id).not.toBe(got[1]!.id);
  });
});

describe('waiting in slices', () => {
  test('a pull that waits longer than several slices gets its value', async () => {
    const channel = durableChannel<string>(env.CHANNELS, freshName('long-pull'), { sliceMs: 40 });
    const pulled = channel.pull();
    await sleep(250);
    expect(await channel.stats()).toMatchObject({ waitingPullers: 1 });
    await channel.push('finally');
    expect(await pulled).toBe('finally');
  });

  test('FIFO holds among pulls that wait across slices', async () => {
    const name = freshName('slice-fifo');
    const channel = durableChannel<number>(env.CHANNELS, name, { sliceMs: 30 });
    const waiting: Promise<number>[] = [];
    for (let i = 0; i < 3; i++) {
      waiting.push(channel.pull());
      await until(async () => (await channel.stats()).waitingPullers === i + 1);
    }
    await sleep(200); // several slices each
    for (let i = 0; i < 3; i++) await channel.push(i);
    expect(await Promise.all(waiting)).toEqual([0, 1, 2]);
  });

  test('FIFO holds among pushes that wait for room across slices, and none is lost', async () => {
    const name = freshName('slice-push');
    const channel = durableChannel<number>(env.CHANNELS, name, { capacity: 1, sliceMs: 30 });
    await channel.push(0);
    const waiting: Promise<void>[] = [];
    for (let i = 1; i <= 3; i++) {
      waiting.push(channel.push(i));
      await until(async () => (await channel.stats()).waitingPushers === i);
    }
    await sleep(200);
    const out = [];
    for (let i = 0; i <= 3; i++) out.push(await channel.pull());
    await Promise.all(waiting);
    expect(out).toEqual([0, 1, 2, 3]);
  });

  test('a waiter that does not come back after its slice loses its place after the lease time', async () => {
    const name = freshName('slice-gone');
    const channel = durableChannel<string>(env.CHANNELS, name);
    // One slice of 20 ms, then its caller is gone: its place is kept for 100 ms, then forgotten.
    expect(
      await rawStub(name).pull({ capacity: null, wait: true, sliceMs: 20, leaseMs: 100, ticket: 'once', max: 1 }),
    ).toEqual({
      kind: 'again',
    });
    expect((await channel.stats()).waitingPullers).toBe(1);
    await sleep(150);
    expect((await channel.stats()).waitingPullers).toBe(0);
    await channel.push('v');
    expect(await channel.pull()).toBe('v');
  });

  test('an alarm that fires for an earlier deadline is set again for the next one', async () => {
    const name = freshName('alarm-again');
    const channel = durableChannel<string>(env.CHANNELS, name);
    for (const value of ['a', 'b']) await channel.push(value);
    const stub = rawStub(name);
    await stub.pull({ ...rawLimits(40, false), ticket: 'short', max: 1 }); // 'a': the alarm is set for it
    // 'b': a later deadline, far enough that a busy machine does not reach it before the checks
    // below (at 400 ms it sometimes did: both leases had ended by the first stats()).
    await stub.pull({ ...rawLimits(2000, false), ticket: 'long', max: 1 });
    // The alarm for 'a' is late: a request ends that lease first (the deadline moves to 'b')…
    await runInDurableObject(stub, (_instance, state) => state.storage.deleteAlarm());
    await sleep(60);
    expect(await channel.stats()).toMatchObject({ size: 1, leased: 1 });
    // …then the stale alarm fires: it must be set again for 'b', or 'b' stays leased until a request.
    const next = await runInDurableObject(stub, async (instance, state) => {
      await instance.alarm();
      return state.storage.getAlarm();
    });
    expect(next).not.toBeNull();
    expect(await channel.pullMany(5)).toEqual(['a']);
    const waiting = channel.pull(); // parked: only the alarm can end 'b''s lease now
    expect(await waiting).toBe('b');
  });

  test('a lease and a forgotten waiter that end together: the value does not go to the forgotten waiter', async () => {
    const name = freshName('expire-order');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('v');
    const stub = rawStub(name);
    await stub.pull({ ...rawLimits(60, false), ticket: 'lease', max: 1 }); // 'v' leased for 60 ms
    // A waiter whose slice ends after 10 ms and that never comes back: its place is kept 30 ms.
    expect(await stub.pull({ capacity: null, wait: true, sliceMs: 10, leaseMs: 30, ticket: 'gone', max: 1 })).toEqual({
      kind: 'again',
    });
    // No alarm in between: the next request finds both ended at once.
    await runInDurableObject(stub, (_instance, state) => state.storage.deleteAlarm());
    await sleep(100);
    expect(await channel.tryPull()).toBe('v');
  });

  test('a value that arrives while the first waiter is between slices is kept for it', async () => {
    const name = freshName('slice-reserve');
    const channel = durableChannel<string>(env.CHANNELS, name);
    const stub = rawStub(name);
    const request = { capacity: null, wait: true, sliceMs: 20, leaseMs: 5000, ticket: 'between', max: 1 };
    expect(await stub.pull(request)).toEqual({ kind: 'again' });
    const second = channel.pull();
    await until(async () => (await channel.stats()).waitingPullers === 2);
    await channel.push('first-in-line');
    expect(await stub.pull(request)).toMatchObject({ kind: 'values', deliveries: [{ value: 'first-in-line' }] });
    await channel.push('next');
    expect(await second).toBe('next');
  });
});

describe('retries after a failed call', () => {
  /** An error as the runtime throws them for a lost connection or a reset object. */
  const transient = (flags: Record<string, boolean>) => Object.assign(new Error('Network connection lost.'), flags);

  /**
   * The CHANNELS namespace, with its stubs' `method` calls going through `intercept` (which
   * gets the real call and its attempt number, from 1).
   */
  function flaky(
    method: keyof ChannelRpc,
    intercept: (real: () => Promise<unknown>, attempt: number) => Promise<unknown>,
  ) {
    let attempts = 0;
    return {
      idFromName: (name: string) => env.CHANNELS.idFromName(name),
      get(id: unknown) {
        const stub = env.CHANNELS.get(id) as ChannelRpc;
        // Each call goes through the stub itself: a stub's methods are RPC properties, and
        // `method.call(…)` would be a remote call of a method named "call".
        return new Proxy(stub, {
          get(target, key) {
            if (typeof key !== 'string' || key === 'then') return undefined;
            const call = (request: unknown) =>
              (target as unknown as Record<string, (r: unknown) => Promise<unknown>>)[key]!(request);
            if (key !== method) return call;
            return (request: unknown) => intercept(() => call(request), ++attempts);
          },
        });
      },
    };
  }

  test('a push whose answer was lost after it was stored is retried with the same id and stored once', async () => {
    const name = freshName('retry-push');
    const namespace = flaky('push', async (real, attempt) => {
      const answer = await real();
      if (attempt === 1) throw transient({ retryable: true }); // stored, then the answer was lost
      return answer;
    });
    await durableChannel<string>(namespace, name).push('once');
    const channel = durableChannel<string>(env.CHANNELS, name);
    expect(await channel.stats()).toMatchObject({ size: 1 });
    expect(await channel.pullWithId()).toMatchObject({ value: 'once', attempt: 1 });
  });

  test('a pull whose answer was lost is retried with the same ticket and gets the same value, not the next', async () => {
    const name = freshName('retry-pull');
    const channel = durableChannel<string>(env.CHANNELS, name);
    for (const value of ['first', 'second']) await channel.push(value);
    const namespace = flaky('pull', async (real, attempt) => {
      const answer = await real();
      if (attempt === 1) throw transient({ retryable: true });
      return answer;
    });
    expect(await durableChannel<string>(namespace, name).pullWithId()).toMatchObject({ value: 'first', attempt: 1 });
    expect(await channel.stats()).toMatchObject({ size: 1, leased: 0 });
    expect(await channel.pull()).toBe('second');
  });

  test('an acknowledgement whose answer was lost is retried, and the value is still the puller’s', async () => {
    const name = freshName('retry-ack');
    await durableChannel<string>(env.CHANNELS, name).push('mine');
    const namespace = flaky('ack', async (real, attempt) => {
      const answer = await real(); // applied: the value is removed
      if (attempt === 1) throw transient({ retryable: true });
      return answer; // the retry finds it gone: its own first attempt removed it
    });
    expect(await durableChannel<string>(namespace, name).pull()).toBe('mine');
    expect(await durableChannel(env.CHANNELS, name).stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('a call that failed because the object was reset is retried', async () => {
    const name = freshName('retry-reset');
    const namespace = flaky('push', async (real, attempt) => {
      if (attempt === 1) throw transient({ durableObjectReset: true });
      return real();
    });
    await durableChannel<string>(namespace, name).push('after reset');
    expect(await durableChannel<string>(env.CHANNELS, name).pull()).toBe('after reset');
  });

  test('an overloaded object is not retried: the error reaches the caller', async () => {
    const namespace = flaky('push', async () => {
      throw transient({ retryable: true, overloaded: true });
    });
    await expect(durableChannel<string>(namespace, freshName('overloaded')).push('x')).rejects.toThrow(
      'Network connection lost.',
    );
  });

  test('a push aborted while its failed call waits for a retry is never sent again', async () => {
    const name = freshName('retry-abort');
    const namespace = flaky('push', async (real, attempt) => {
      if (attempt === 1) {
        await sleep(50);
        throw transient({ retryable: true });
      }
      return real();
    });
    const controller = new AbortController();
    const pushed = durableChannel<string>(namespace, name).push('withdrawn', { signal: controller.signal });
    controller.abort('stop');
    await expect(pushed).rejects.toBe('stop');
    await sleep(300); // longer than the failed call and any back-off
    expect((await durableChannel(env.CHANNELS, name).stats()).size).toBe(0);
  });
});
