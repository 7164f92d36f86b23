/**
 * chanasync/durable as an outside tester attacks it: every sentence of the contract (SPEC,
 * "Durable channels on Cloudflare") and of the README's durable sections, plus the edge cases a
 * user of Go channels or of the web platform tries — the same push id from two callers at once,
 * aborts at the very commit, leases that end in any order, resets while callers wait, values and
 * reasons that cannot be stored, bad arguments, listeners left on a signal. Runs inside workerd
 * (vitest project `workers`).
 */
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  type DurableChannelOptions,
  type DurableChannelStats,
  type DurableDelivery,
  durableChannel,
} from '../../src/durable/index.js';
import type { PullAnswer } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import { pull as pullCase, push as pushCase } from '../../src/select.js';
import { agePushIds, freshName, observed, rawLimits, rawStub, settled, sleep, until } from './helpers.js';

const open = <T>(label: string, options?: DurableChannelOptions) =>
  durableChannel<T>(env.CHANNELS, freshName(label), options);

/** A real AbortSignal whose listeners are counted: `live()` is how many are still attached. */
function countedSignal(controller = new AbortController()) {
  const signal = controller.signal;
  let live = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const attached = new Set<unknown>();
  signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
    if (type === 'abort' && !attached.has(listener)) {
      attached.add(listener);
      live++;
      // A `once` listener leaves by itself when the signal aborts.
      if (options?.once) add('abort', () => attached.delete(listener) && live--, { once: true });
    }
    add(type, listener, options);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListener, options?: EventListenerOptions) => {
    if (type === 'abort' && attached.delete(listener)) live--;
    remove(type, listener, options);
  }) as typeof signal.removeEventListener;
  return { controller, signal, live: () => live };
}

describe('idempotent push: one id, one value', () => {
  test('two callers pushing the same id into a full channel wait quietly in one place and both resolve when it is stored', async () => {
    const name = freshName('same-id-wait');
    const { namespace, calls } = observed();
    const channel = durableChannel<string>(namespace, name, { capacity: 1 });
    await channel.push('first');
    const pushes = [channel.push('retried', { id: 'order-1' }), channel.push('retried', { id: 'order-1' })];
    await until(async () => (await channel.stats()).waitingPushers === 1);
    const before = calls.push!;
    await sleep(300);
    // Parked calls, not a loop of calls bouncing each other out of the object.
    expect(calls.push! - before).toBeLessThanOrEqual(2);
    expect(await channel.pull()).toBe('first');
    await Promise.all(pushes);
    expect(await channel.pullMany(5)).toEqual(['retried']);
    expect(await channel.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });

  test('when one of two callers pushing the same id aborts, the other still gets the value stored', async () => {
    const channel = open<string>('same-id-abort', { capacity: 1 });
    await channel.push('first');
    const controller = new AbortController();
    const withdrawn = channel.push('job', { id: 'job-9', signal: controller.signal }).catch((error: unknown) => error);
    const kept = channel.push('job', { id: 'job-9' });
    await until(async () => (await channel.stats()).waitingPushers === 1);
    await sleep(20); // both calls parked for the one waiting push
    controller.abort('changed my mind');
    expect(await withdrawn).toBe('changed my mind');
    expect(await settled(kept)).toBe(false); // still waiting for room, not rejected
    expect(await channel.pull()).toBe('first');
    await kept;
    expect(await channel.pullWithId()).toMatchObject({ value: 'job', id: 'job-9' });
    expect(await channel.tryPull()).toBeUndefined();
  });

  test('a retried push whose id is stored resolves even after the channel was closed, and stores nothing', async () => {
    const channel = open<string>('same-id-closed');
    await channel.push('paid', { id: 'invoice-3' });
    await channel.close();
    await channel.push('paid', { id: 'invoice-3' }); // the retry of a push that succeeded
    await expect(channel.push('paid', { id: 'invoice-4' })).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await channel.pullMany(5)).toEqual(['paid']);
  });

  test('a push whose id is already stored resolves at once even while the channel is full', async () => {
    const channel = open<string>('same-id-full', { capacity: 1 });
    await channel.push('a', { id: 'a' });
    await channel.push('a', { id: 'a' });
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
  });

  test('tryPush with an id already stored returns true and stores nothing', async () => {
    const channel = open<string>('same-id-try');
    expect(await channel.tryPush('x', { id: 'k' })).toBe(true);
    expect(await channel.tryPush('y', { id: 'k' })).toBe(true);
    expect(await channel.pullMany(5)).toEqual(['x']);
  });

  test('push ids are forgotten 10 minutes after their value was stored once it left the channel, never while it is in it', async () => {
    const name = freshName('dedupe-window');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('consumed', { id: 'gone' });
    expect(await channel.pull()).toBe('consumed');
    await channel.push('waiting', { id: 'kept' });
    // Eleven minutes pass for the object's memory of those ids.
    await agePushIds(name, 11);
    await channel.push('any', { id: 'trigger' }); // a store deletes the expired ids
    await channel.push('new value', { id: 'gone' }); // a reuse after the window: a new value
    await channel.push('duplicate', { id: 'kept' }); // its value is still in the channel: stored once
    expect(await channel.pullMany(10)).toEqual(['waiting', 'any', 'new value']);
  });

  test('concurrent pushes with distinct ids are all stored, each once', async () => {
    const channel = open<number>('distinct-ids', { capacity: 3, sliceMs: 50 });
    const pushes = Array.from({ length: 12 }, (_, i) => channel.push(i, { id: `v${i}` }));
    const out: number[] = [];
    while (out.length < 12) out.push(...(await channel.pullMany(4)));
    await Promise.all(pushes);
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(await channel.tryPull()).toBeUndefined();
  });
});

describe('abort signals on every waiting call: nothing lost, no place held', () => {
  test('a push whose signal aborts after the value was stored resolves: the commit came first', async () => {
    const controller = new AbortController();
    const name = freshName('abort-after-store');
    const { namespace } = observed({
      push: async (real) => {
        const answer = await real(); // stored
        controller.abort('too late');
        await sleep(10);
        return answer;
      },
    });
    await durableChannel<string>(namespace, name).push('kept', { signal: controller.signal });
    expect(await durableChannel<string>(env.CHANNELS, name).pullMany(5)).toEqual(['kept']);
  });

  test('a pull whose signal aborts after the hand-out rejects, and the value is back at the head at once', async () => {
    const controller = new AbortController();
    const name = freshName('abort-after-handout');
    const channel = durableChannel<string>(env.CHANNELS, name);
    for (const value of ['a', 'b']) await channel.push(value);
    const { namespace } = observed({
      pull: async (real) => {
        const answer = await real(); // 'a' leased to this pull
        controller.abort(new Error('user left'));
        await sleep(10);
        return answer;
      },
    });
    const error = await durableChannel<string>(namespace, name)
      .pull({ signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('user left');
    // Not after the lease (10 s): the withdrawal put it back before the pull rejected.
    expect(await channel.stats()).toMatchObject({ size: 2, leased: 0 });
    // The hand-out reached no caller, so it does not count (audit BS-durable-1).
    expect(await channel.pullWithId()).toMatchObject({ value: 'a', attempt: 1 });
    expect(await channel.pull()).toBe('b');
  });

  test('a pull whose signal aborts during its acknowledgement resolves with the value, which is gone from the channel', async () => {
    const controller = new AbortController();
    const name = freshName('abort-during-ack');
    await durableChannel<string>(env.CHANNELS, name).push('mine');
    const { namespace } = observed({
      ack: async (real) => {
        controller.abort('late');
        return real();
      },
    });
    expect(await durableChannel<string>(namespace, name).pull({ signal: controller.signal })).toBe('mine');
    expect(await durableChannel(env.CHANNELS, name).stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('a pullMany aborted after the hand-out puts every value back, in order', async () => {
    const controller = new AbortController();
    const name = freshName('abort-many');
    const channel = durableChannel<number>(env.CHANNELS, name);
    for (let i = 1; i <= 4; i++) await channel.push(i);
    const { namespace } = observed({
      pull: async (real) => {
        const answer = await real();
        controller.abort('stop');
        return answer;
      },
    });
    await expect(durableChannel<number>(namespace, name).pullMany(3, { signal: controller.signal })).rejects.toBe(
      'stop',
    );
    expect(await channel.pullMany(10)).toEqual([1, 2, 3, 4]);
  });

  test('pullMany aborted while it waits rejects with the reason and leaves no waiting pull', async () => {
    const channel = open<number>('abort-many-wait');
    const controller = new AbortController();
    const waiting = channel.pullMany(5, { signal: controller.signal }).catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPullers === 1);
    controller.abort('enough');
    expect(await waiting).toBe('enough');
    expect((await channel.stats()).waitingPullers).toBe(0);
    await channel.push(7);
    expect(await channel.tryPull()).toBe(7);
  });

  test('pullWithId aborted while it waits rejects with exactly the signal’s reason', async () => {
    const channel = open<number>('abort-with-id');
    const controller = new AbortController();
    const reason = { why: 'shutdown' };
    const waiting = channel.pullWithId({ signal: controller.signal }).catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPullers === 1);
    controller.abort(reason);
    expect(await waiting).toBe(reason);
  });

  test('a signal aborted without a reason rejects with an AbortError DOMException', async () => {
    const channel = open<number>('abort-default');
    const error = await channel.pull({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });

  test('a signal that times out while a pull waits rejects with a TimeoutError and takes nothing', async () => {
    const channel = open<string>('timeout');
    const error = await channel.pull({ signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(await channel.stats()).toMatchObject({ waitingPullers: 0, leased: 0 });
  });

  test('a push aborted while it waits keeps no place: the push behind it is stored next', async () => {
    const channel = open<string>('abort-push-place', { capacity: 1 });
    await channel.push('a');
    const controller = new AbortController();
    const aborted = channel.push('b', { signal: controller.signal }).catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPushers === 1);
    const behind = channel.push('c');
    await until(async () => (await channel.stats()).waitingPushers === 2);
    controller.abort('no');
    expect(await aborted).toBe('no');
    expect((await channel.stats()).waitingPushers).toBe(1);
    expect(await channel.pull()).toBe('a');
    await behind;
    expect(await channel.pullMany(5)).toEqual(['c']);
  });

  test('no abort listener stays on the signal once a push and a pull that waited across slices have settled', async () => {
    const channel = open<string>('listeners', { sliceMs: 30 });
    const { signal, live } = countedSignal();
    const pulled = channel.pull({ signal });
    await sleep(120); // several slices, each raced against the signal
    expect(live()).toBeLessThanOrEqual(1);
    await channel.push('v', { signal });
    expect(await pulled).toBe('v');
    expect(live()).toBe(0);
  });

  test('no abort listener stays on the signal once an aborted pull has rejected', async () => {
    const channel = open<string>('listeners-abort', { sliceMs: 30 });
    const { controller, signal, live } = countedSignal();
    const pulled = channel.pull({ signal }).catch((error: unknown) => error);
    await sleep(70);
    controller.abort('x');
    expect(await pulled).toBe('x');
    expect(live()).toBe(0);
  });
});

describe('an abort right after the call: the cancel may reach the object before the call it cancels', () => {
  test('a push aborted within a few ms of its call either resolves with its value stored or rejects with nothing stored, never both', async () => {
    const mismatches: unknown[] = [];
    for (let i = 0; i < 36; i++) {
      const full = i % 2 === 1;
      const channel = open<number>('abort-race-push', { capacity: full ? 1 : 5 });
      if (full) await channel.push(0);
      const controller = new AbortController();
      const outcome = channel.push(1, { signal: controller.signal }).then(
        () => 'resolved',
        () => 'rejected',
      );
      if (i % 3 === 1) await sleep(0);
      else if (i % 3 === 2) await sleep(2);
      controller.abort('stop');
      const result = await outcome;
      await sleep(5); // a call overtaken by its cancel would land now
      const stats = await channel.stats();
      const kept = stats.size + stats.waitingPushers - (full ? 1 : 0);
      if (kept !== (result === 'resolved' ? 1 : 0)) mismatches.push({ i, result, stats });
    }
    expect(mismatches).toEqual([]);
  });

  test('a pull aborted within a few ms of its call leaves no waiting pull and no lease behind', async () => {
    const leftovers: unknown[] = [];
    for (let i = 0; i < 36; i++) {
      const channel = open<number>('abort-race-pull');
      const stocked = i % 2 === 1;
      if (stocked) await channel.push(7);
      const controller = new AbortController();
      const outcome = channel.pull({ signal: controller.signal }).then(
        () => 'resolved',
        () => 'rejected',
      );
      if (i % 3 === 1) await sleep(0);
      else if (i % 3 === 2) await sleep(2);
      controller.abort('stop');
      const result = await outcome;
      await sleep(5);
      const stats = await channel.stats();
      const expectedSize = stocked && result === 'rejected' ? 1 : 0;
      if (stats.waitingPullers !== 0 || stats.leased !== 0 || stats.size !== expectedSize) {
        leftovers.push({ i, result, stats });
      }
    }
    expect(leftovers).toEqual([]);
  });

  test('a pull call that arrives after its cancel is answered cancelled and parks nothing', async () => {
    const name = freshName('cancel-first-pull');
    const stub = rawStub(name);
    expect(await stub.cancel({ capacity: null, side: 'pull', key: 'late' })).toEqual({ kind: 'unknown' });
    expect(await stub.pull({ ...rawLimits(), ticket: 'late', max: 1 })).toEqual({ kind: 'cancelled' });
    expect(await durableChannel(env.CHANNELS, name).stats()).toMatchObject({ waitingPullers: 0, leased: 0 });
  });

  test('a push call that arrives after its cancel is not stored, and a new push with the same id still is', async () => {
    const name = freshName('cancel-first-push');
    const stub = rawStub(name);
    expect(await stub.cancel({ capacity: null, side: 'push', key: 'k', op: 'op-1' })).toEqual({ kind: 'unknown' });
    expect(await stub.push({ ...rawLimits(), id: 'k', value: 'withdrawn', op: 'op-1' })).toEqual({ kind: 'cancelled' });
    expect((await durableChannel(env.CHANNELS, name).stats()).size).toBe(0);
    await durableChannel<string>(env.CHANNELS, name).push('again', { id: 'k' });
    expect(await durableChannel<string>(env.CHANNELS, name).pullWithId()).toMatchObject({ value: 'again', id: 'k' });
  });
});

describe('leases and redelivery: FIFO holds, the delivery id tells a redelivery', () => {
  test('values whose leases end in any order return to the head in push order', async () => {
    const name = freshName('leases-order');
    const channel = durableChannel<number>(env.CHANNELS, name);
    for (let i = 1; i <= 3; i++) await channel.push(i);
    const stub = rawStub(name);
    await stub.pull({ ...rawLimits(150, false), ticket: 'slow', max: 2 }); // 1 and 2, ends last
    await stub.pull({ ...rawLimits(50, false), ticket: 'fast', max: 1 }); // 3, ends first
    await channel.push(4);
    // Both leases over (their alarms come late on a loaded machine).
    await until(async () => (await channel.stats()).leased === 0);
    expect(await channel.pullMany(10)).toEqual([1, 2, 3, 4]);
  });

  test('a value redelivered twice keeps its delivery id and counts attempt 3', async () => {
    const name = freshName('attempts');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('job', { id: 'job-7' });
    const stub = rawStub(name);
    const leaseOver = () => until(async () => (await channel.stats()).leased === 0); // late on a loaded machine
    const first = (await stub.pull({ ...rawLimits(30, false), ticket: 't1', max: 1 })) as PullAnswer;
    await leaseOver();
    const second = (await stub.pull({ ...rawLimits(30, false), ticket: 't2', max: 1 })) as PullAnswer;
    await leaseOver();
    expect(first).toMatchObject({ kind: 'values', deliveries: [{ id: 'job-7', attempt: 1 }] });
    expect(second).toMatchObject({ kind: 'values', deliveries: [{ id: 'job-7', attempt: 2 }] });
    expect(await channel.pullWithId()).toEqual({ value: 'job', id: 'job-7', attempt: 3 });
  });

  test('leased values count against the capacity until their lease ends', async () => {
    const name = freshName('lease-capacity');
    const channel = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await channel.push('a');
    // A lease long enough that a loaded machine does not end it before the next two calls (at
    // 100 ms it ended first once, with three test runs sharing two cores).
    await rawStub(name).pull({ ...rawLimits(1_000, false), ticket: 'vanished', max: 1 });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 1 });
    expect(await channel.tryPush('b')).toBe(false);
    await until(async () => (await channel.stats()).leased === 0); // the lease's end, late on a loaded machine
    expect(await channel.tryPull()).toBe('a');
    expect(await channel.tryPush('b')).toBe(true);
  });

  test('a push waiting for room is stored when a leased value’s lease ends and a pull takes it', async () => {
    const name = freshName('lease-room');
    const channel = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await channel.push('a');
    await rawStub(name).pull({ ...rawLimits(60, false), ticket: 'vanished', max: 1 });
    const waiting = channel.push('b');
    expect(await channel.pull()).toBe('a'); // after the lease ended
    await waiting;
    expect(await channel.pull()).toBe('b');
  });

  test('an acknowledgement that arrives after the object was reset still takes its value, once', async () => {
    const name = freshName('ack-after-reset');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('v');
    const stub = rawStub(name);
    const answer = (await stub.pull({ ...rawLimits(60_000, false), ticket: 'before', max: 1 })) as PullAnswer;
    if (answer.kind !== 'values') throw new Error('expected values');
    await abortAllDurableObjects();
    const [delivery] = answer.deliveries;
    const ack = await rawStub(name).ack({
      capacity: null,
      ticket: 'before',
      deliveries: [[delivery!.seq, delivery!.attempt]],
    });
    expect(ack).toEqual({ kind: 'acks', fates: ['acked'] });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('model: whatever leases end or are withdrawn, values come out once each, in push order', async () => {
    // Commands against the object: push, a raw pull that leases and then either acknowledges,
    // withdraws or lets its lease end; the model is the FIFO of values not yet consumed.
    const op = fc.oneof(
      fc.constant({ kind: 'push' as const }),
      fc.record({
        kind: fc.constant('lease' as const),
        max: fc.integer({ min: 1, max: 3 }),
        fate: fc.constantFrom('ack', 'cancel', 'expire'),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const name = freshName('model');
        const channel = durableChannel<number>(env.CHANNELS, name);
        const stub = rawStub(name);
        const model: number[] = [];
        const consumed: number[] = [];
        let next = 0;
        let expiring = false;
        let ticket = 0;
        for (const step of ops) {
          if (step.kind === 'push') {
            await channel.push(next);
            model.push(next++);
            continue;
          }
          const answer = await stub.pull({
            ...rawLimits(step.fate === 'expire' ? 20 : 60_000, false),
            ticket: `t${++ticket}`,
            max: step.max,
          });
          if (answer.kind !== 'values') {
            expect(answer.kind).toBe('empty');
            continue;
          }
          const values = answer.deliveries.map((d) => d.value as number);
          // A lease hands out the oldest ready values; while an expiring lease may still be out,
          // only check that what it handed out is a run of the model in order.
          if (!expiring) expect(values).toEqual(model.slice(0, values.length));
          if (step.fate === 'ack') {
            const ack = await stub.ack({
              capacity: null,
              ticket: `t${ticket}`,
              deliveries: answer.deliveries.map((d): [number, number] => [d.seq, d.attempt]),
            });
            expect(ack.kind === 'acks' && ack.fates.every((f) => f === 'acked')).toBe(true);
            for (const v of values) model.splice(model.indexOf(v), 1);
            consumed.push(...values);
          } else if (step.fate === 'cancel') {
            expect(await stub.cancel({ capacity: null, side: 'pull', key: `t${ticket}` })).toEqual({
              kind: 'cancelled',
            });
          } else {
            expiring = true;
          }
        }
        await sleep(30); // every expiring lease has ended
        await channel.close();
        const drained: number[] = [];
        for await (const value of channel) drained.push(value);
        expect(drained).toEqual(model); // in push order, none lost, none twice
        expect([...consumed, ...drained].sort((a, b) => a - b)).toEqual(Array.from({ length: next }, (_, i) => i));
      }),
      { numRuns: 15 },
    );
  });
});

describe('an object reset while callers wait', () => {
  /**
   * The CHANNELS namespace with the errors of `abortAllDurableObjects()` flagged as production
   * flags a reset (`durableObjectReset`): the test pool throws a plain Error on a stub whose
   * object it aborted.
   */
  const resetFlagged = () =>
    observed({
      pull: flagReset,
      push: flagReset,
      ack: flagReset,
      cancel: flagReset,
      stats: flagReset,
      close: flagReset,
    }).namespace;
  async function flagReset(real: () => Promise<unknown>): Promise<unknown> {
    try {
      return await real();
    } catch (error) {
      if (String(error).includes('abortAllDurableObjects')) Object.assign(error as Error, { durableObjectReset: true });
      throw error;
    }
  }

  test('a pull waiting when the object resets still receives the next value', async () => {
    const channel = durableChannel<string>(resetFlagged(), freshName('reset-pull'), { sliceMs: 50 });
    const pulled = channel.pull();
    await until(async () => (await channel.stats()).waitingPullers === 1);
    await abortAllDurableObjects();
    await until(async () => (await channel.stats()).waitingPullers === 1); // queued again
    await channel.push('after');
    expect(await pulled).toBe('after');
  });

  test('a push waiting for room when the object resets is stored once room appears, once', async () => {
    const channel = durableChannel<string>(resetFlagged(), freshName('reset-push'), { capacity: 1, sliceMs: 50 });
    await channel.push('a');
    const waiting = channel.push('b', { id: 'b' });
    await until(async () => (await channel.stats()).waitingPushers === 1);
    await abortAllDurableObjects();
    await until(async () => (await channel.stats()).waitingPushers === 1);
    expect(await channel.pull()).toBe('a');
    await waiting;
    expect(await channel.pullMany(5)).toEqual(['b']);
  });

  test('a channel closed without a reason stays closed across a reset, and its pulls reject without a cause', async () => {
    const channel = open<string>('reset-closed-plain');
    await channel.close();
    await abortAllDurableObjects();
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect('cause' in (error as Error)).toBe(false);
    expect(await channel.stats()).toMatchObject({ closed: true });
  });
});

describe('close as local', () => {
  test('a closed channel whose only value is leased to a vanished puller: a pull waits for the lease, gets the value, then the next rejects', async () => {
    const name = freshName('close-leased');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('last');
    await rawStub(name).pull({ ...rawLimits(300, false), ticket: 'vanished', max: 1 });
    await channel.close();
    const pulled = channel.pull();
    expect(await settled(pulled)).toBe(false);
    expect(await pulled).toBe('last');
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('tryPull on a closed channel whose values are all leased returns undefined', async () => {
    const name = freshName('close-trypull');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('v');
    await rawStub(name).pull({ ...rawLimits(60_000, false), ticket: 'holder', max: 1 });
    await channel.close();
    expect(await channel.tryPull()).toBeUndefined();
  });

  test('a pull between two slices when the channel closes empty rejects with ChannelClosedError', async () => {
    const channel = open<string>('close-away', { sliceMs: 30 });
    const pulled = channel.pull().catch((error: unknown) => error);
    await sleep(45); // between slices or in its second one
    await channel.close('bye');
    const error = await pulled;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('bye');
    expect((await channel.stats()).waitingPullers).toBe(0);
  });

  test('a push between two slices when the channel closes is failed and not stored', async () => {
    const name = freshName('close-away-push');
    const channel = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await channel.push('kept');
    const request = { capacity: null, wait: true, sliceMs: 10, leaseMs: 5000, id: 'away', value: 'dropped' };
    expect(await rawStub(name).push(request)).toEqual({ kind: 'again' }); // now away
    await channel.close();
    expect((await channel.stats()).waitingPushers).toBe(0);
    expect(await rawStub(name).push(request)).toMatchObject({ kind: 'closed' });
    expect(await channel.pullMany(5)).toEqual(['kept']);
  });

  test('close with a reason that Workers RPC cannot send (a class instance) still closes, with an Error of its message', async () => {
    class Shutdown {
      message = 'maintenance';
    }
    const channel = open<string>('close-class');
    await channel.close(new Shutdown());
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(((error as Error).cause as Error).message).toBe('maintenance');
  });

  test('close with a reason that cannot be cloned nor turned into a string still closes', async () => {
    const channel = open<string>('close-odd');
    const reason = Object.assign(Object.create(null) as object, { run: () => 1 });
    await channel.close(reason);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  test('close with a reason larger than storage takes still closes for good, with an Error of the start of it', async () => {
    const channel = open<number>('close-huge-reason');
    await channel.push(1);
    await channel.close('x'.repeat(3_000_000));
    await abortAllDurableObjects();
    expect(await channel.stats()).toMatchObject({ closed: true, size: 1 });
    expect(await channel.pull()).toBe(1);
    const cause = ((await channel.pull().catch((e: unknown) => e)) as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.message.startsWith('xxxx')).toBe(true);
    expect(cause.message.length).toBeLessThanOrEqual(1001);
  });

  test('close(null) is a close with a reason: for await throws null after the values, as a local channel does', async () => {
    const channel = open<number>('close-null');
    await channel.push(1);
    await channel.close(null);
    const out: number[] = [];
    const thrown = await (async () => {
      for await (const value of channel) out.push(value);
      return 'ended';
    })().catch((e: unknown) => ({ thrown: e }));
    expect(out).toEqual([1]);
    expect(thrown).toEqual({ thrown: null });
  });

  test('close fails every push waiting for room, in and between slices, and keeps every stored value', async () => {
    const channel = open<number>('close-many-pushers', { capacity: 2, sliceMs: 40 });
    await channel.push(1);
    await channel.push(2);
    const waiting = [3, 4, 5].map((v) => channel.push(v).catch((error: unknown) => error));
    await until(async () => (await channel.stats()).waitingPushers === 3);
    await sleep(50);
    await channel.close();
    for (const outcome of await Promise.all(waiting)) expect(outcome).toBeInstanceOf(ChannelClosedError);
    expect(await channel.pullMany(10)).toEqual([1, 2]);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('capacity is fixed by the first call', () => {
  test('every operation of a client with a different capacity rejects with a RangeError naming it, and changes nothing', async () => {
    const name = freshName('capacity-all');
    const owner = durableChannel<number>(env.CHANNELS, name, { capacity: 2 });
    await owner.push(1);
    const other = durableChannel<number>(env.CHANNELS, name, { capacity: 5 });
    const operations: [string, () => Promise<unknown>][] = [
      ['push', () => other.push(2)],
      ['tryPush', () => other.tryPush(2)],
      ['pull', () => other.pull()],
      ['pullWithId', () => other.pullWithId()],
      ['pullMany', () => other.pullMany(3)],
      ['tryPull', () => other.tryPull()],
      ['close', () => other.close()],
      ['stats', () => other.stats()],
    ];
    for (const [operation, run] of operations) {
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe(
        `${operation}: durable channel "${name}" has capacity 2, fixed when it was created; this client asked for 5`,
      );
    }
    expect(await owner.stats()).toMatchObject({ capacity: 2, size: 1, closed: false });
  });

  test('the first call of any kind fixes the capacity: a stats() of a client without one makes the channel unbounded', async () => {
    const name = freshName('capacity-stats-first');
    expect((await durableChannel(env.CHANNELS, name).stats()).capacity).toBe(Infinity);
    await expect(durableChannel(env.CHANNELS, name, { capacity: 10 }).push(1)).rejects.toThrow(RangeError);
  });

  test('capacity Infinity given explicitly is the same as an unbounded channel created without one', async () => {
    const name = freshName('capacity-infinity');
    await durableChannel<number>(env.CHANNELS, name).push(1);
    await durableChannel<number>(env.CHANNELS, name, { capacity: Infinity }).push(2);
    await expect(durableChannel<number>(env.CHANNELS, name, { capacity: 1000 }).push(3)).rejects.toThrow(RangeError);
    expect((await durableChannel(env.CHANNELS, name).stats()).size).toBe(2);
  });

  test('a very large capacity is kept exactly, across a reset', async () => {
    const name = freshName('capacity-huge');
    await durableChannel<number>(env.CHANNELS, name, { capacity: Number.MAX_SAFE_INTEGER }).push(1);
    await abortAllDurableObjects();
    const again = durableChannel<number>(env.CHANNELS, name, { capacity: Number.MAX_SAFE_INTEGER });
    expect((await again.stats()).capacity).toBe(Number.MAX_SAFE_INTEGER);
    await again.push(2);
  });

  test('capacity 1: a push waits while one value is stored, and is stored as soon as it is pulled', async () => {
    const channel = open<number>('capacity-one');
    const small = durableChannel<number>(env.CHANNELS, channel.name, { capacity: 1 });
    await small.push(1);
    const waiting = small.push(2);
    expect(await settled(waiting)).toBe(false);
    expect(await small.pull()).toBe(1);
    await waiting;
    expect(await small.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
  });
});

describe('bad arguments: a clear TypeError or RangeError naming the function', () => {
  test('durableChannel refuses each bad option with its own message', () => {
    const where = 'durableChannel(namespace, name, options)';
    const cases: [unknown, unknown, ErrorConstructor, string][] = [
      [
        { get() {} },
        'x',
        TypeError,
        `${where}: namespace has no idFromName() and get(); pass a Durable Object namespace binding`,
      ],
      [env.CHANNELS, 5, TypeError, `${where}: name must be a non-empty string, got number`],
      [env.CHANNELS, undefined, TypeError, `${where}: name must be a non-empty string, got undefined`],
      [
        env.CHANNELS,
        { capacity: Number.NaN },
        RangeError,
        `${where}: capacity must be a positive integer or Infinity, got NaN`,
      ],
      [env.CHANNELS, { capacity: -1 }, RangeError, `${where}: capacity must be a positive integer or Infinity, got -1`],
      [
        env.CHANNELS,
        { capacity: -Infinity },
        RangeError,
        `${where}: capacity must be a positive integer or Infinity, got -Infinity`,
      ],
      [env.CHANNELS, { capacity: null }, TypeError, `${where}: capacity must be a number, got null`],
      [env.CHANNELS, { sliceMs: '100' }, TypeError, `${where}: sliceMs must be a number, got "100"`],
      [env.CHANNELS, { sliceMs: 0 }, RangeError, `${where}: sliceMs must be a positive number of ms, got 0`],
      [env.CHANNELS, { sliceMs: Number.NaN }, RangeError, `${where}: sliceMs must be a positive number of ms, got NaN`],
      [env.CHANNELS, { leaseMs: -5 }, RangeError, `${where}: leaseMs must be a positive number of ms, got -5`],
    ];
    for (const [namespace, nameOrOptions, type, message] of cases) {
      const run =
        typeof nameOrOptions === 'object' && nameOrOptions !== null
          ? () => durableChannel(namespace as never, 'x', nameOrOptions as never)
          : () => durableChannel(namespace as never, nameOrOptions as never);
      expect(run).toThrow(type);
      expect(run).toThrow(message);
    }
  });

  test('push refuses a bad id: a number, an empty string, more than 256 characters; 256 are fine', async () => {
    const channel = open<number>('bad-id');
    for (const id of [42, '', 'x'.repeat(257)]) {
      const error = await channel.push(1, { id: id as never }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(
        /^push\(value, options\): options\.id must be a string of 1 to 256 characters, got /,
      );
    }
    await expect(channel.tryPush(1, { id: 7 as never })).rejects.toThrow(
      'tryPush(value, options): options.id must be a string of 1 to 256 characters, got number',
    );
    await channel.push(1, { id: 'y'.repeat(256) });
    expect(await channel.pullWithId()).toMatchObject({ id: 'y'.repeat(256) });
  });

  test('pullMany refuses a max that is not a number with a TypeError and a bad number with a RangeError', async () => {
    const channel = open<number>('bad-max');
    await channel.push(1);
    await expect(channel.pullMany('3' as never)).rejects.toThrow(
      new TypeError('pullMany(max, options): max must be a positive integer, got "3"'),
    );
    for (const max of [0, -1, 1.5, Number.NaN, Infinity]) {
      const error = await channel.pullMany(max).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe(`pullMany(max, options): max must be a positive integer, got ${max}`);
    }
    expect(await channel.tryPull()).toBe(1); // nothing taken by the refused calls
  });

  test('every waiting call refuses a signal that is not an AbortSignal, naming itself', async () => {
    const channel = open<number>('bad-signal');
    const fake = { aborted: false } as never;
    await expect(channel.push(1, { signal: fake })).rejects.toThrow(
      new TypeError('push(value, options): options.signal is not an AbortSignal'),
    );
    await expect(channel.pullWithId({ signal: fake })).rejects.toThrow(
      new TypeError('pullWithId(options): options.signal is not an AbortSignal'),
    );
    await expect(channel.pullMany(2, { signal: fake })).rejects.toThrow(
      new TypeError('pullMany(max, options): options.signal is not an AbortSignal'),
    );
    expect((await channel.stats()).size).toBe(0);
  });

  test('bad arguments reject the returned promise rather than throw at the call', () => {
    const channel = open<number>('bad-async');
    const calls = [
      () => channel.push(1, { id: '' }),
      () => channel.pullMany(0),
      () => channel.pull({ signal: 1 as never }),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }).not.toThrow();
      promise!.catch(() => {});
      expect(promise).toBeInstanceOf(Promise);
    }
  });
});

describe('values must be structured-cloneable', () => {
  test('undefined and null are values like any other', async () => {
    const channel = open<unknown>('nullish');
    await channel.push(undefined);
    await channel.push(null);
    expect(await channel.stats()).toMatchObject({ size: 2 });
    expect(await channel.pull()).toBeUndefined();
    expect(await channel.pull()).toBeNull();
  });

  test('an Error, a cyclic object and an ArrayBuffer arrive as structured clones', async () => {
    const channel = open<unknown>('clones');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    await channel.push(new RangeError('out'));
    await channel.push(cyclic);
    await channel.push(new Uint8Array([9, 8]).buffer);
    const error = (await channel.pull()) as Error;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('out');
    const copy = (await channel.pull()) as { self: unknown };
    expect(copy.self).toBe(copy);
    expect([...new Uint8Array((await channel.pull()) as ArrayBuffer)]).toEqual([9, 8]);
  });

  test('a symbol, a promise, a class instance and a Blob are refused with a TypeError naming push, and nothing is stored', async () => {
    class Point {
      x = 1;
    }
    const channel = open<unknown>('not-cloneable');
    for (const value of [Symbol('s'), Promise.resolve(1), new Point(), new Blob(['x'])]) {
      const error = await channel.push(value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/^push\(value\): /);
    }
    expect((await channel.stats()).size).toBe(0);
  });

  test('a thenable is refused with a TypeError, as a local channel refuses it', async () => {
    const channel = open<unknown>('thenable');
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
    const thenable = { then: (resolve: (value: number) => void) => resolve(1) };
    await expect(channel.push(thenable)).rejects.toBeInstanceOf(TypeError);
    await expect(channel.tryPush(thenable)).rejects.toBeInstanceOf(TypeError);
    expect((await channel.stats()).size).toBe(0);
  });

  test('a value larger than storage takes is refused with a TypeError, and the channel goes on', async () => {
    const channel = open<string>('too-big');
    await expect(channel.push('x'.repeat(3_000_000))).rejects.toThrow(
      /^push\(value\): channel ".*" cannot store the value/,
    );
    await channel.push('small');
    expect(await channel.pullMany(5)).toEqual(['small']);
  });

  test('a value larger than Workers RPC carries (32 MiB) is refused with a TypeError naming push, and nothing is stored', async () => {
    const channel = open<string>('too-big-rpc');
    const error = await channel.push('z'.repeat(40_000_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^push\(value\): the value cannot be sent to a durable channel: /);
    expect((await channel.stats()).size).toBe(0);
  });

  test('close with a reason larger than Workers RPC carries still closes, with an Error of the start of it', async () => {
    const channel = open<string>('close-huge-rpc');
    await channel.close('q'.repeat(40_000_000));
    const cause = ((await channel.pull().catch((e: unknown) => e)) as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.message).toBe(`${'q'.repeat(1000)}…`);
  });

  test('on a full channel, a value that cannot be stored is refused at once, not when room appears', async () => {
    const channel = open<unknown>('too-big-full', { capacity: 1 });
    await channel.push('a');
    // Nobody pulls: a push that waited for room would never settle.
    const within = <T>(promise: Promise<T>) => Promise.race([promise, sleep(5000).then(() => 'still waiting')]);
    const big = within(channel.push('x'.repeat(3_000_000)).catch((e: unknown) => e));
    const stub = within(channel.push({ callback: () => 1 }).catch((e: unknown) => e));
    expect(await big).toBeInstanceOf(TypeError);
    expect(await stub).toBeInstanceOf(TypeError);
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
  });
});

describe('waiting in slices', () => {
  test('a waiter whose caller vanished holds no call open after its slice, and an alarm is set to forget it', async () => {
    const name = freshName('slice-hibernate');
    const stub = rawStub(name);
    expect(
      await stub.pull({ capacity: null, wait: true, sliceMs: 20, leaseMs: 60_000, ticket: 'gone', max: 1 }),
    ).toEqual({
      kind: 'again',
    });
    const state = await runInDurableObject(stub, async (instance, storage) => {
      const waiters = (instance as unknown as { $pullWaiters: Map<string, { calls: Set<unknown> }> }).$pullWaiters;
      return { parked: waiters.get('gone')?.calls.size, alarm: await storage.storage.getAlarm() };
    });
    expect(state.parked).toBe(0);
    expect(state.alarm).not.toBeNull();
  });

  test('a waiting pull makes one call per slice, not more', async () => {
    const name = freshName('slice-calls');
    const { namespace, calls } = observed();
    const pulled = durableChannel<string>(namespace, name, { sliceMs: 50 }).pull();
    await sleep(275);
    // About 275 / 50 slices: a handful of calls, not a loop of them (timers may run late under load).
    expect(calls.pull).toBeGreaterThanOrEqual(2);
    expect(calls.pull).toBeLessThanOrEqual(7);
    await durableChannel<string>(env.CHANNELS, name).push('v');
    expect(await pulled).toBe('v');
  });

  test('pulls waiting across slices are served in the order they started, with pullMany taking its share', async () => {
    const channel = open<number>('slice-mixed', { sliceMs: 25 });
    const first = channel.pullMany(2);
    await until(async () => (await channel.stats()).waitingPullers === 1);
    const second = channel.pull();
    await until(async () => (await channel.stats()).waitingPullers === 2);
    await sleep(80);
    await channel.push(1);
    await channel.push(2);
    expect(await first).toEqual([1]);
    expect(await second).toBe(2);
  });
});

describe('async iteration', () => {
  test('two loops over one channel share the values: each once, none lost', async () => {
    const channel = open<number>('iterate-two');
    const loop = async () => {
      const got: number[] = [];
      for await (const value of channel) got.push(value);
      return got;
    };
    const loops = [loop(), loop()];
    for (let i = 0; i < 10; i++) await channel.push(i);
    await channel.close();
    const [a, b] = await Promise.all(loops);
    expect([...a!, ...b!].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  test('an iterator whose next() is called after the end keeps answering done', async () => {
    const channel = open<number>('iterate-done');
    await channel.close();
    const iterator = channel[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  test('a loop that throws leaves the remaining values in the channel', async () => {
    const channel = open<number>('iterate-throw');
    for (let i = 0; i < 3; i++) await channel.push(i);
    await expect(
      (async () => {
        for await (const value of channel) if (value === 0) throw new Error('handler failed');
      })(),
    ).rejects.toThrow('handler failed');
    expect(await channel.pullMany(5)).toEqual([1, 2]);
  });
});

describe('failures the README’s table promises to survive', () => {
  test('a push whose caller vanished while it waited is still stored when room appears', async () => {
    const name = freshName('vanished-push');
    const channel = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await channel.push('a');
    const request = { capacity: null, wait: true, sliceMs: 10, leaseMs: 5000, id: 'orphan', value: 'b' };
    expect(await rawStub(name).push(request)).toEqual({ kind: 'again' }); // its caller never comes back
    expect(await channel.pull()).toBe('a');
    expect(await channel.pullWithId()).toMatchObject({ value: 'b', id: 'orphan' });
    expect(await rawStub(name).push(request)).toEqual({ kind: 'stored' }); // a retry learns it
  });

  test('an acknowledgement whose answer is lost on every retry: the pull still returns the value, and it is redelivered later', async () => {
    const name = freshName('ack-always-lost');
    await durableChannel<string>(env.CHANNELS, name).push('job', { id: 'job-1' });
    const { namespace, calls } = observed({
      ack: async () => {
        throw Object.assign(new Error('Network connection lost.'), { retryable: true }); // never reaches the object
      },
    });
    expect(await durableChannel<string>(namespace, name, { leaseMs: 100 }).pull()).toBe('job');
    expect(calls.ack).toBeGreaterThan(1); // retried before giving up
    // At-least-once: the unacknowledged value comes back after its lease, same id.
    expect(await durableChannel<string>(env.CHANNELS, name).pullWithId()).toMatchObject({ id: 'job-1', attempt: 2 });
  });

  test('close between a pullMany’s hand-out and its acknowledgement: the batch is still the puller’s, then pulls reject', async () => {
    const name = freshName('close-during-batch');
    const channel = durableChannel<number>(env.CHANNELS, name);
    for (let i = 1; i <= 3; i++) await channel.push(i);
    const { namespace } = observed({
      ack: async (real) => {
        await channel.close('done');
        return real();
      },
    });
    expect(await durableChannel<number>(namespace, name).pullMany(10)).toEqual([1, 2, 3]);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('done');
  });

  test('a pullMany whose values would not fit in one answer (32 MiB) takes fewer instead of failing, in order', async () => {
    const channel = open<string>('batch-bytes');
    const big = 'y'.repeat(1_900_000); // 18 of them are more than Workers RPC carries at once
    for (let i = 0; i < 18; i++) await channel.push(`${i}:${big}`);
    const first = await channel.pullMany(18);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(18);
    const rest: string[] = [];
    while (first.length + rest.length < 18) rest.push(...(await channel.pullMany(18)));
    expect([...first, ...rest].map((value) => Number(value.split(':')[0]))).toEqual(
      Array.from({ length: 18 }, (_, i) => i),
    );
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('pullMany(5000) takes at most 1000 values at once, in order', async () => {
    const name = freshName('batch-cap');
    const stub = rawStub(name);
    for (let i = 0; i < 1005; i++) await stub.push({ ...rawLimits(), id: `v${i}`, value: i });
    const batch = await durableChannel<number>(env.CHANNELS, name).pullMany(5000);
    expect(batch).toHaveLength(1000);
    expect(batch.every((value, i) => value === i)).toBe(true);
    expect(await durableChannel<number>(env.CHANNELS, name).pullMany(5000)).toEqual([1000, 1001, 1002, 1003, 1004]);
  }, 120_000); // 1,005 pushes one after another: over 30 s on a loaded machine
});

describe('operations after and around close', () => {
  test('two callers of one push id waiting for room both reject when the channel closes, and nothing is stored', async () => {
    const channel = open<string>('close-same-id', { capacity: 1 });
    await channel.push('a');
    const twins = [1, 2].map(() => channel.push('b', { id: 'twin' }).catch((error: unknown) => error));
    await until(async () => (await channel.stats()).waitingPushers === 1);
    await channel.close();
    for (const outcome of await Promise.all(twins)) expect(outcome).toBeInstanceOf(ChannelClosedError);
    expect(await channel.pullMany(5)).toEqual(['a']);
  });

  test('two concurrent closes both resolve and one reason is kept', async () => {
    const channel = open<string>('close-race');
    await Promise.all([channel.close('first'), channel.close('second')]);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(['first', 'second']).toContain((error as Error).cause);
  });

  test('after close and drain, pullWithId and pullMany reject with ChannelClosedError naming themselves', async () => {
    const channel = open<string>('closed-names');
    await channel.close();
    const withId = await channel.pullWithId().catch((e: unknown) => e);
    const many = await channel.pullMany(3).catch((e: unknown) => e);
    const push = await channel.push('x').catch((e: unknown) => e);
    expect((withId as Error).message).toBe(`pullWithId: channel "${channel.name}" is closed`);
    expect((many as Error).message).toBe(`pullMany: channel "${channel.name}" is closed`);
    expect((push as Error).message).toBe(`push: channel "${channel.name}" is closed`);
    for (const error of [withId, many, push]) {
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).name).toBe('ChannelClosedError');
      expect((error as ChannelClosedError<typeof channel>).channel).toBe(channel);
    }
  });

  test('a close reason that is an Error subclass arrives as an Error with its name and message', async () => {
    class Shutdown extends Error {
      override name = 'Shutdown';
    }
    const channel = open<string>('close-subclass');
    await channel.close(new Shutdown('node drained'));
    const cause = ((await channel.pull().catch((e: unknown) => e)) as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.message).toBe('node drained');
  });
});

describe('exactly once in the absence of failures, even with leases shorter than a round trip', () => {
  test('four consumers with a 1 ms lease: each value is returned by exactly one pull', async () => {
    const name = freshName('tiny-lease');
    const producer = durableChannel<number>(env.CHANNELS, name);
    const consume = async () => {
      const mine = durableChannel<number>(env.CHANNELS, name, { leaseMs: 1, sliceMs: 50 });
      const got: number[] = [];
      for await (const value of mine) got.push(value);
      return got;
    };
    const consumers = [consume(), consume(), consume(), consume()];
    for (let i = 0; i < 40; i++) await producer.push(i);
    await producer.close();
    const all = (await Promise.all(consumers)).flat();
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a stored undefined is taken by tryPull, which cannot tell it from an empty channel (stats can)', async () => {
    const channel = open<undefined | string>('try-undefined');
    await channel.push(undefined);
    expect(await channel.tryPull()).toBeUndefined();
    expect((await channel.stats()).size).toBe(0);
  });
});

describe('select over durable channels is out of scope', () => {
  test('a select case over a durable channel is refused at the case, by the types and with a TypeError', () => {
    const channel = open<number>('select');
    // @ts-expect-error a durable channel is not a PullChannel
    expect(() => pullCase(channel)).toThrow(
      new TypeError('pull(channel): channel is not a chanasync Channel, got DurableChannelClient'),
    );
    // @ts-expect-error a durable channel is not a PushChannel
    expect(() => pushCase(channel, 1)).toThrow(
      new TypeError('push(channel): channel is not a chanasync Channel, got DurableChannelClient'),
    );
  });
});

describe('property: aborts at random moments lose and duplicate nothing', () => {
  test('concurrent pushes and pulls, each aborted at a random moment or not: every stored value is read exactly once, no refused one ever', async () => {
    const operation = fc.record({
      side: fc.constantFrom('push' as const, 'pull' as const),
      abortAfter: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 10 }), async (operations) => {
        const name = freshName('random-aborts');
        const channel = durableChannel<number>(env.CHANNELS, name, { capacity: 2, sliceMs: 20 });
        const stored = new Set<number>();
        const refused = new Set<number>();
        const read: number[] = [];
        let value = 0;
        const runs = operations.map(async ({ side, abortAfter }) => {
          const controller = new AbortController();
          if (abortAfter !== undefined) setTimeout(() => controller.abort('stop'), abortAfter);
          if (side === 'push') {
            const mine = value++;
            try {
              await channel.push(mine, { signal: controller.signal });
              stored.add(mine);
            } catch (error) {
              if (error !== 'stop') expect(error).toBeInstanceOf(ChannelClosedError);
              refused.add(mine);
            }
          } else {
            try {
              read.push(await channel.pull({ signal: controller.signal }));
            } catch (error) {
              if (error !== 'stop') expect(error).toBeInstanceOf(ChannelClosedError);
            }
          }
        });
        // Operations without a signal could wait forever: close after the aborts have happened,
        // which fails the waiting pushes (not stored) and, once drained, the waiting pulls.
        await sleep(60);
        await channel.close();
        await Promise.all(runs);
        for await (const rest of channel) read.push(rest);
        expect([...read].sort((a, b) => a - b)).toEqual([...stored].sort((a, b) => a - b));
        for (const value of refused) expect(read).not.toContain(value);
      }),
      { numRuns: 12 },
    );
  });
});

describe('types', () => {
  test('the types follow T through every operation and refuse a value of another type', () => {
    const channel = open<{ url: string }>('types');
    expectTypeOf(channel.pull).returns.resolves.toEqualTypeOf<{ url: string }>();
    expectTypeOf(channel.pullMany).returns.resolves.toEqualTypeOf<{ url: string }[]>();
    expectTypeOf(channel.tryPull).returns.resolves.toEqualTypeOf<{ url: string } | undefined>();
    expectTypeOf(channel.pullWithId).returns.resolves.toEqualTypeOf<DurableDelivery<{ url: string }>>();
    expectTypeOf(channel.stats).returns.resolves.toEqualTypeOf<DurableChannelStats>();
    expectTypeOf(channel).toMatchTypeOf<AsyncIterable<{ url: string }>>();
    // @ts-expect-error a number is not a { url: string }
    void channel.push(1).catch(() => {});
    // @ts-expect-error tryPush never waits, so it takes no signal
    void channel.tryPush({ url: 'x' }, { signal: AbortSignal.abort() }).catch(() => {});
  });
});

describe('what the object and the client touch', () => {
  test('durableChannel does no I/O: creating a client calls nothing on the namespace', () => {
    let calls = 0;
    const namespace = {
      idFromName: () => {
        calls++;
        return null;
      },
      get: () => {
        calls++;
        return null;
      },
    };
    durableChannel(namespace, 'anywhere', { capacity: 3 });
    expect(calls).toBe(0);
  });

  test('the object keeps only its chanasync_ tables and chanasync/ keys, and no trial write is left behind', async () => {
    const name = freshName('footprint');
    const channel = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await channel.push('a');
    const waiting = channel.push('b').catch((error: unknown) => error); // its first call makes a trial write
    await until(async () => (await channel.stats()).waitingPushers === 1);
    await channel.close('reason');
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    const footprint = await runInDurableObject(rawStub(name), (_instance, state) => {
      const storage = state.storage as unknown as {
        sql: { exec(query: string): { toArray(): Record<string, unknown>[] } };
        kv: { list(): Iterable<[string, unknown]> };
      };
      return {
        tables: storage.sql
          .exec("SELECT name FROM sqlite_master WHERE type = 'table'")
          .toArray()
          .map((row) => String(row.name)),
        keys: [...storage.kv.list()].map(([key]) => key),
      };
    });
    expect(footprint.tables.filter((table) => !table.startsWith('_cf_')).sort()).toEqual([
      'chanasync_ids',
      'chanasync_meta',
      'chanasync_values',
    ]);
    expect(footprint.keys.sort()).toEqual(['chanasync/reason', 'chanasync/value/1']);
  });
});

describe('model: the durable channel against a FIFO with an id memory', () => {
  test('random pushes (some with repeated ids), tries, pulls, batches and resets agree with the model at every step', async () => {
    const command = fc.oneof(
      fc.record({
        kind: fc.constant('push' as const),
        id: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('tryPush' as const),
        id: fc.option(fc.constantFrom('a', 'b', 'e'), { nil: undefined }),
      }),
      fc.constant({ kind: 'tryPull' as const }),
      fc.record({ kind: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 4 }) }),
      fc.constant({ kind: 'reset' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (commands) => {
        const capacity = 3;
        const channel = open<number>('model-client', { capacity });
        const queue: number[] = [];
        const ids = new Set<string>();
        let next = 0;
        for (const step of commands) {
          if (step.kind === 'push' || step.kind === 'tryPush') {
            const value = next++;
            const known = step.id !== undefined && ids.has(step.id);
            if (step.kind === 'push') {
              if (!known && queue.length >= capacity) continue; // would wait: the model does not block
              await channel.push(value, { id: step.id });
            } else {
              expect(await channel.tryPush(value, { id: step.id })).toBe(known || queue.length < capacity);
            }
            if (!known && queue.length < capacity) {
              queue.push(value);
              if (step.id !== undefined) ids.add(step.id);
            }
          } else if (step.kind === 'tryPull') {
            expect(await channel.tryPull()).toBe(queue.shift());
          } else if (step.kind === 'pullMany') {
            if (queue.length === 0) continue; // would wait
            expect(await channel.pullMany(step.max)).toEqual(queue.splice(0, step.max));
          } else {
            await abortAllDurableObjects();
          }
          expect(await channel.stats()).toMatchObject({ size: queue.length, leased: 0, capacity });
        }
      }),
      { numRuns: 10 },
    );
  });
});
