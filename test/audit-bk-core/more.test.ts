/**
 * Audit BK-core: reasons of every kind, the directional views, stats() of a select's cases, the
 * abort reasons pushAll shares, large rings in drop mode.
 */
import {
  Channel,
  type ChannelClosedError,
  ChannelError,
  type PullChannel,
  type PushChannel,
  pull,
  select,
} from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { abortedSignal, flush, rejection, track } from '../helpers/track.js';

type Counted = { pushed?: number; cause?: unknown };

describe('reasons that are thenables or falsy stay reasons', () => {
  it('close(thenable): ChannelClosedError.cause is the thenable, for await throws it as is', async () => {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    const reason = { then: () => {} };
    const ch = new Channel<number>();
    const parked = ch.pull();
    ch.close(reason);
    const error = (await rejection(parked)) as ChannelClosedError;
    expect(error.cause).toBe(reason);
    let caught: unknown;
    try {
      for await (const _ of ch) expect.unreachable();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(reason);
  });

  it('an abort whose reason is a thenable rejects a parked and an already aborted pull with it, unadopted', async () => {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    const reason = { then: () => {} };
    const ch = new Channel<number>();
    const controller = new AbortController();
    // (not through `rejection()`: an async function returning the thenable would adopt it)
    const parked = track(ch.pull({ signal: controller.signal }));
    controller.abort(reason);
    const already = track(ch.pull({ signal: abortedSignal(reason) }));
    await flush();
    expect(parked.current.status).toBe('rejected');
    expect((parked.current as { reason: unknown }).reason).toBe(reason);
    expect(already.current.status).toBe('rejected');
    expect((already.current as { reason: unknown }).reason).toBe(reason);
  });
});

describe('pushAll and a shared abort reason', () => {
  it('controller.abort() with its default DOMException: every pushAll rejects with an AbortError that carries its own count', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const controller = new AbortController();
    const first = a.pushAll([1, 2, 3], { signal: controller.signal });
    const second = b.pushAll([1, 2, 3], { signal: controller.signal });
    controller.abort();
    const e1 = (await rejection(first)) as Error & Counted;
    const e2 = (await rejection(second)) as Error & Counted;
    expect(e1.name).toBe('AbortError');
    expect(e2.name).toBe('AbortError');
    expect(new Set([e1.pushed, e2.pushed])).toEqual(new Set([1, 2]));
    // the one that is not the reason itself points at it
    const copy = e1 === controller.signal.reason ? e2 : e1;
    expect(copy.cause).toBe(controller.signal.reason);
  });

  it('an Error reason shared by two counts: the second caller gets a ChannelError whose cause is the reason', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const controller = new AbortController();
    const reason = new Error('shared');
    const first = a.pushAll([1, 2, 3], { signal: controller.signal });
    const second = b.pushAll([1, 2, 3], { signal: controller.signal });
    controller.abort(reason);
    const errors = [(await rejection(first)) as Error & Counted, (await rejection(second)) as Error & Counted];
    const own = errors.find((e) => e !== reason) as ChannelError & Counted;
    expect(errors).toContain(reason);
    expect(own).toBeInstanceOf(ChannelError);
    expect(own.cause).toBe(reason);
    expect(own.message).toMatch(/^pushAll: channel/);
    expect(typeof own.pushed).toBe('number');
    expect(own.pushed).not.toBe((reason as Error & Counted).pushed);
  });

  it('a pushAll whose last value commits in the same turn as a close resolves', async () => {
    const ch = new Channel<number>();
    const all = track(ch.pushAll([1]));
    expect(ch.pullNowait()).toBe(1);
    ch.close();
    await flush();
    expect(all.current.status).toBe('fulfilled');
  });
});

describe('directional views', () => {
  it('a Channel is a PushChannel and a PullChannel with the batch and try methods', async () => {
    const ch = new Channel<number>(4);
    const out: PushChannel<number> = ch;
    const inp: PullChannel<number> = ch;
    expect(out.tryPush(1)).toBe(true);
    await out.pushAll([2, 3]);
    expect(inp.tryPull()).toBe(1);
    expect(await inp.pullMany(5)).toEqual([2, 3]);
    out.close();
    expect(inp.closed).toBe(true);
  });
});

describe('stats() of a select waiting on several channels', () => {
  it('a parked select counts on each channel it waits on, and leaves both when one case fires', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const pending = select([pull(a), pull(b)]);
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    b.pushNowait(2);
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPullers).toBe(0);
    expect(await pending).toMatchObject({ index: 1, value: 2, ok: true });
    expect(a.tryPush(1)).toBe(false);
  });
});

describe('large rings in drop mode', () => {
  it('drop-oldest with capacity 3000 keeps the newest 3000 in order through many wraps', () => {
    const ch = new Channel<number>(3000, { overflow: 'drop-oldest' });
    for (let i = 0; i < 10_000; i++) ch.pushNowait(i);
    expect(ch.size).toBe(3000);
    expect(drainNow(ch)).toEqual(Array.from({ length: 3000 }, (_, i) => 7000 + i));
  });

  it('drop-newest with capacity 2000 keeps the first 2000, and the ring stays usable after draining', () => {
    const ch = new Channel<number>(2000, { overflow: 'drop-newest' });
    for (let i = 0; i < 5000; i++) expect(ch.tryPush(i)).toBe(true);
    expect(drainNow(ch)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    for (let i = 0; i < 3; i++) ch.pushNowait(i);
    expect(drainNow(ch)).toEqual([0, 1, 2]);
  });
});

describe('the input option changes nothing else', () => {
  it('a channel made with input: true behaves like any other', async () => {
    const ch = new Channel<number>(1, { input: true, name: 'in' });
    await ch.push(1);
    expect(ch.tryPush(2)).toBe(false);
    expect(await ch.pull()).toBe(1);
    expect(ch.stats()).toMatchObject({ name: 'in', size: 0, capacity: 1 });
  });
});

describe('a channel of void', () => {
  it('push, pushNowait and tryPush may leave the value out (type and run time)', async () => {
    const ch = new Channel<void>(3);
    await ch.push();
    ch.pushNowait();
    expect(ch.tryPush()).toBe(true);
    expect(ch.size).toBe(3);
    expect(await ch.pullMany(3)).toEqual([undefined, undefined, undefined]);
  });
});

describe('misuse is reported before the channel state', () => {
  it('on a closed channel, pullMany(0) is a RangeError, pushAll(5) and pushAll([thenable]) TypeErrors', async () => {
    const ch = new Channel<unknown>(1);
    ch.close();
    expect(await rejection(ch.pullMany(0))).toBeInstanceOf(RangeError);
    expect(await rejection(ch.pushAll(5 as never))).toBeInstanceOf(TypeError);
    const error = (await rejection(ch.pushAll([Promise.resolve(1)]))) as Error & Counted;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.pushed).toBe(0);
  });

  it('a thenable pushed with push() on a closed channel is a TypeError, not ChannelClosedError', async () => {
    const ch = new Channel<unknown>();
    ch.close();
    expect(await rejection(ch.push(Promise.resolve(1)))).toBeInstanceOf(TypeError);
  });
});
