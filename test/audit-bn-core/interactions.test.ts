/**
 * Audit BN-core: interactions between the core's features that the earlier audits did not pin
 * in this exact shape — the service order across `pushAll`, `push` and a parked select; batch
 * operations meeting a select parked with a push and a pull case on one channel; `stats()`
 * while batches are parked; drop modes fed by `pushAll` into parked `pull`/`pullMany`; odd
 * close reasons through every pull-side API; the errors a `pushAll` rejects with.
 *
 * Written from SPEC.md ("Channel<T>", "select", "Errors", "Non-blocking and batch operations")
 * and the README's "Semantic details" (Ordering, Close, Batches, Errors).
 */
import { after, Channel, ChannelClosedError, ChannelError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drain } from '../helpers/drain.js';

/** Lets every pending promise reaction run (the failing paths settle two microtasks late). */
async function flush(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await null;
}

/** The settled state of a promise, readable synchronously after a flush. */
function track<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown } = { status: 'pending' };
  promise.then(
    (value) => {
      state.status = 'fulfilled';
      state.value = value;
    },
    (reason: unknown) => {
      state.status = 'rejected';
      state.reason = reason;
    },
  );
  return state;
}

describe('service order across pushAll, push and select (SPEC: parked pushers are served FIFO)', () => {
  it('an unbuffered channel serves a pushAll, a push and a select push case in the order they parked, the pushAll re-queuing its next value behind them', async () => {
    const ch = new Channel<string>(0);
    const all = track(ch.pushAll(['a1', 'a2']));
    const single = track(ch.push('b'));
    const chosen = track(select([push(ch, 'c')]));
    const received: string[] = [];
    for (let i = 0; i < 4; i++) received.push(await ch.pull());
    // As one producer with consecutive `await push(v)`: a2 is pushed only after a1 committed,
    // so it queues behind b and c, which were already parked.
    expect(received).toEqual(['a1', 'b', 'c', 'a2']);
    await flush();
    expect([all.status, single.status, chosen.status]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a full buffered channel moves parked pushAll, push and select values into the freed slots in FIFO order', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('v0');
    ch.pushAll(['a1', 'a2']);
    ch.push('b');
    const chosen = track(select([push(ch, 'c')]));
    // Three synchronous pulls: each frees the slot, which the oldest parked push refills at once.
    expect([ch.tryPull(), ch.tryPull(), ch.tryPull()]).toEqual(['v0', 'a1', 'b']);
    expect(ch.size).toBe(1);
    await flush();
    expect(chosen.status).toBe('fulfilled');
    // c sits in the buffer, a2 parked behind it once the pushAll carried on.
    expect(ch.stats()).toMatchObject({ size: 1, waitingPushers: 1 });
    expect(await ch.pullMany(10)).toEqual(['c', 'a2']);
  });
});

describe('batches against a select parked with a push and a pull case on one unbuffered channel', () => {
  it('pullMany takes only the select push case value, resolving that select and leaving its pull case nowhere', async () => {
    const ch = new Channel<string>(0);
    const parked = track(select([push(ch, 'mine'), pull(ch)]));
    expect(ch.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    expect(await ch.pullMany(5)).toEqual(['mine']);
    await flush();
    expect(parked.status).toBe('fulfilled');
    expect(parked.value).toMatchObject({ index: 0, value: undefined, ok: true });
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('pushAll gives its first value to the select pull case and parks the second: the select own push case is withdrawn, not matched', async () => {
    const ch = new Channel<number>(0);
    const parked = track(select([push(ch, -1), pull(ch)]));
    const all = track(ch.pushAll([1, 2]));
    await flush();
    expect(parked.value).toMatchObject({ index: 1, value: 1, ok: true });
    expect(ch.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 0 });
    expect(ch.pullNowait()).toBe(2);
    await flush();
    expect(all.status).toBe('fulfilled');
  });

  it('a select with two push cases on one channel gives a pullMany exactly one value', async () => {
    for (let round = 0; round < 20; round++) {
      const ch = new Channel<string>(0);
      const parked = track(select([push(ch, 'A'), push(ch, 'B')]));
      const batch = await ch.pullMany(5);
      expect(batch).toHaveLength(1);
      await flush();
      expect(parked.value?.index).toBe(batch[0] === 'A' ? 0 : 1);
      expect(ch.stats().waitingPushers).toBe(0);
    }
  });

  it('selectNowait pulling from a channel where a pushAll is parked takes one value and the pushAll carries on in order', async () => {
    const ch = new Channel<number>(0);
    const all = track(ch.pushAll([1, 2, 3]));
    const first = selectNowait([pull(ch)]);
    expect(first).toMatchObject({ index: 0, value: 1, ok: true });
    expect(selectNowait([pull(ch)])).toBeUndefined(); // 2 is not parked until the pushAll resumes
    await flush();
    expect(selectNowait([pull(ch)])).toMatchObject({ value: 2 });
    await flush();
    expect(ch.tryPull()).toBe(3);
    await flush();
    expect(all.status).toBe('fulfilled');
  });
});

describe('stats() while batch operations are parked (SPEC: counts the parked operations)', () => {
  it('a parked pushAll counts as one parked pusher, whatever is left of its values', async () => {
    const ch = new Channel<number>(1);
    ch.pushAll([1, 2, 3, 4]);
    expect(ch.stats()).toMatchObject({ size: 1, waitingPushers: 1, waitingPullers: 0 });
    expect(ch.full).toBe(true);
  });

  it('two parked pullMany and a parked iterator next() count as three parked pullers, and a close leaves none', async () => {
    const ch = new Channel<number>(4);
    const a = track(ch.pullMany(3));
    const b = track(ch.pullMany(3));
    const it = ch[Symbol.asyncIterator]();
    const n = track(it.next());
    expect(ch.stats()).toMatchObject({ waitingPullers: 3, waitingPushers: 0, size: 0 });
    ch.close('done');
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, closed: true });
    await flush();
    expect(a.reason).toBeInstanceOf(ChannelClosedError);
    expect((a.reason as Error).message).toBe('pullMany: channel is closed');
    expect((b.reason as Error).cause).toBe('done');
    // The iterator's parked next() throws the reason itself (for await throws it).
    expect(n).toMatchObject({ status: 'rejected', reason: 'done' });
  });
});

describe('drop modes fed by pushAll', () => {
  it('drop-oldest hands values to a parked pull and a parked pullMany first, then slides the window over the rest', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    const single = ch.pull();
    const batch = ch.pullMany(4);
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await single).toBe(1);
    expect(await batch).toEqual([2]);
    expect(await ch.pullMany(10)).toEqual([4, 5]);
  });

  it('drop-newest pushAll resolves at once on a full channel and counts dropped values as committed when a close stops nothing', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4]);
    ch.close();
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    await expect(ch.pushAll([5])).rejects.toMatchObject({ name: 'ChannelClosedError', pushed: 0 });
  });

  it('a select push case on a full drop-newest channel wins against a pull case that is never ready, and its value is the one dropped', async () => {
    const ch = new Channel<string>(1, { overflow: 'drop-newest' });
    ch.pushNowait('kept');
    const never = new Channel<string>(0);
    const result = await select([pull(never), push(ch, 'dropped')]);
    expect(result).toMatchObject({ index: 1, ok: true, value: undefined });
    expect(ch.pullNowait()).toBe('kept');
    expect(ch.tryPull()).toBeUndefined();
    expect(never.stats().waitingPullers).toBe(0);
  });
});

describe('odd close reasons reach every pull-side API (SPEC: any reason other than undefined)', () => {
  const reasons: [string, unknown][] = [
    ['NaN', Number.NaN],
    ['a symbol', Symbol('why')],
    ['an empty string', ''],
    ['a frozen object', Object.freeze({ code: 7 })],
    ['a ChannelClosedError of another channel', new ChannelClosedError('push', 'is closed', new Channel(0))],
  ];
  for (const [label, reason] of reasons) {
    it(`close(${label}): buffered values first, then for await throws it, pull/pullMany carry it as cause, a select pull case fires ok: false`, async () => {
      const ch = new Channel<number>(2);
      ch.pushNowait(1);
      ch.close(reason);
      const { values: seen, error: thrown } = await drain(ch);
      expect(seen).toEqual([1]);
      expect(Object.is(thrown, reason)).toBe(true);
      const pulled = await ch.pull().catch((e: unknown) => e);
      expect(pulled).toBeInstanceOf(ChannelClosedError);
      expect(Object.is((pulled as Error).cause, reason)).toBe(true);
      const many = await ch.pullMany(3).catch((e: unknown) => e);
      expect(Object.is((many as Error).cause, reason)).toBe(true);
      expect(ch.tryPull()).toBeUndefined();
      expect(await select([pull(ch)])).toMatchObject({ index: 0, ok: false, value: undefined });
    });
  }
});

describe('errors of batch operations (SPEC Errors: name, message naming channel and operation, channel; pushed)', () => {
  it('a pushAll failed part-way by close(reason) while parked names pushAll and the channel, carries the channel, cause and the exact count', async () => {
    const ch = new Channel<number>(2, { name: 'jobs' });
    const all = ch.pushAll([1, 2, 3, 4]);
    const reason = new Error('shutdown');
    ch.close(reason);
    const error = (await all.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error.name).toBe('ChannelClosedError');
    expect(error.message).toBe('pushAll: channel "jobs" is closed');
    expect(error.channel).toBe(ch);
    expect(error.cause).toBe(reason);
    expect(error.pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  it('two pushAlls parked on one channel and failed by one close each get their own error with their own count', async () => {
    const ch = new Channel<string>(1);
    const first = ch.pushAll(['a', 'b']); // a buffered, b parked
    const second = ch.pushAll(['x', 'y']); // x parked
    expect(ch.tryPull()).toBe('a'); // b moves in; first carries on later with nothing left
    ch.close();
    await expect(first).resolves.toBeUndefined();
    const error = (await second.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.pushed).toBe(0);
    expect(error.message).toBe('pushAll: channel is closed');
    expect(ch.pullNowait()).toBe('b');
  });

  it('a pullMany parked with a signal that aborts rejects with the very reason and takes nothing from a later push', async () => {
    const ch = new Channel<number>(0);
    const controller = new AbortController();
    const batch = ch.pullMany(3, { signal: controller.signal });
    const reason = { why: 'user left' };
    controller.abort(reason);
    await expect(batch).rejects.toBe(reason);
    expect(ch.tryPush(1)).toBe(false); // nobody waits any more
  });
});

describe('after() with the batch and try methods', () => {
  it('pullMany on an after() channel waits for its one timestamp, then reports it closed', async () => {
    const start = Date.now();
    const timer = after(5);
    const batch = await timer.pullMany(5);
    expect(batch).toHaveLength(1);
    expect(batch[0]).toBeGreaterThanOrEqual(start + 5);
    expect(timer.closed).toBe(true);
    await expect(timer.pullMany(5)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(timer.tryPull()).toBeUndefined();
    expect(timer.tryPush(1)).toBe(false);
  });
});

describe('tryPull on a closed channel', () => {
  it('returns each buffered value in order after close, then undefined, while tryPush refuses and pullNowait then throws with the cause', () => {
    const ch = new Channel<number>(Infinity);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close('end');
    expect(ch.tryPush(3)).toBe(false);
    expect([ch.tryPull(), ch.tryPull(), ch.tryPull()]).toEqual([1, 2, undefined]);
    let thrown: unknown;
    try {
      ch.pullNowait();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ChannelClosedError);
    expect((thrown as Error).cause).toBe('end');
    expect((thrown as Error).message).toBe('pullNowait: channel is closed');
  });
});
