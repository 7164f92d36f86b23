/**
 * Audit BK-core: blocking and non-blocking operations, close, abort — SPEC "`Channel<T>`"
 * (blocking ops, non-blocking ops, closing) and the README's "Commit points", "Ordering",
 * "Close", "Cancellation", "Thenables are not values" and "User code inside an operation".
 */
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { abortedSignal, countListeners, flush, rejection, thrown, track } from '../helpers/track.js';

describe('push / pull: commit and FIFO', () => {
  it('an unbuffered push resolves only once a pull took its value (rendezvous)', async () => {
    const ch = new Channel<number>();
    const pushed = track(ch.push(1));
    await flush();
    expect(pushed.current.status).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(1);
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
  });

  it('a buffered push resolves at once while there is room, then waits for room', async () => {
    const ch = new Channel<number>(1);
    const first = track(ch.push(1));
    const second = track(ch.push(2));
    await flush();
    expect(first.current.status).toBe('fulfilled');
    expect(second.current.status).toBe('pending');
    expect(ch.pullNowait()).toBe(1);
    // the parked push's value moved into the freed slot at once
    expect(ch.size).toBe(1);
    await flush();
    expect(second.current.status).toBe('fulfilled');
    expect(ch.pullNowait()).toBe(2);
  });

  it('parked pushers are served FIFO and a later pushNowait cannot overtake them', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const parked = [ch.push(3), ch.push(4), ch.push(5)];
    expect(ch.pullNowait()).toBe(1);
    expect(thrown(() => ch.pushNowait(99))).toBeInstanceOf(ChannelFullError);
    expect(ch.tryPush(98)).toBe(false);
    expect(drainNow(ch)).toEqual([2, 3, 4, 5]);
    await Promise.all(parked);
  });

  it('parked pullers are served FIFO, one value each', async () => {
    const ch = new Channel<number>(3);
    const pulls = [ch.pull(), ch.pull(), ch.pull()];
    await ch.pushAll([10, 20, 30]);
    expect(await Promise.all(pulls)).toEqual([10, 20, 30]);
    expect(ch.size).toBe(0);
  });

  it('values of every type other than thenables go through untouched: undefined, null, NaN, functions, symbols', async () => {
    const fn = () => 1;
    const sym = Symbol('s');
    const values: unknown[] = [undefined, null, Number.NaN, 0, -0, '', false, fn, sym, 10n, { a: 1 }, [1]];
    const ch = new Channel<unknown>(Number.POSITIVE_INFINITY);
    for (const value of values) await ch.push(value);
    const out: unknown[] = [];
    for (let i = 0; i < values.length; i++) out.push(await ch.pull());
    expect(out.length).toBe(values.length);
    out.forEach((value, i) => {
      expect(Object.is(value, values[i])).toBe(true);
    });
  });

  it('an unbuffered pushNowait / tryPush succeeds exactly when a pull waits, pullNowait exactly when a push waits', async () => {
    const ch = new Channel<number>();
    expect(thrown(() => ch.pushNowait(1))).toBeInstanceOf(ChannelFullError);
    expect(ch.tryPush(1)).toBe(false);
    expect(thrown(() => ch.pullNowait())).toBeInstanceOf(ChannelEmptyError);
    expect(ch.tryPull()).toBeUndefined();
    const pull = ch.pull();
    expect(ch.tryPush(7)).toBe(true);
    expect(await pull).toBe(7);
    const push = ch.push(8);
    expect(ch.pullNowait()).toBe(8);
    await push;
    const push2 = ch.push(9);
    expect(ch.tryPull()).toBe(9);
    await push2;
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
  });

  it('tryPull distinguishes nothing from closed-and-drained only through `closed`, never throwing', () => {
    const ch = new Channel<number>(1);
    expect(ch.tryPull()).toBeUndefined();
    ch.pushNowait(1);
    ch.close();
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
    expect(ch.closed).toBe(true);
    expect(ch.tryPush(2)).toBe(false);
  });
});

describe('close', () => {
  it('is idempotent: only the first reason counts', async () => {
    const ch = new Channel<number>();
    const first = new Error('first');
    ch.close(first);
    ch.close(new Error('second'));
    ch.close();
    const error = (await rejection(ch.pull())) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(first);
  });

  it('keeps buffered values readable and fails pulls only once drained, with the reason as cause', async () => {
    const ch = new Channel<number>(3, { name: 'q' });
    await ch.pushAll([1, 2]);
    ch.close('bye');
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(2);
    expect(await ch.pull()).toBe(1);
    expect(ch.pullNowait()).toBe(2);
    const error = (await rejection(ch.pull())) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('bye');
    expect(error.message).toBe('pull: channel "q" is closed');
    expect(thrown(() => ch.pullNowait())).toBeInstanceOf(ChannelClosedError);
  });

  it('fails every parked pusher, whose values are not added, and leaves the buffer as it was', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const parked = [track(ch.push(2)), track(ch.push(3))];
    ch.close();
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, size: 1, closed: true });
    await flush();
    for (const p of parked) {
      expect(p.current.status).toBe('rejected');
      expect((p.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    }
    expect(drainNow(ch)).toEqual([1]);
  });

  it('fails every parked puller with ChannelClosedError, its cause the reason', async () => {
    const ch = new Channel<number>();
    const reason = { why: 'stop' };
    const pulls = [track(ch.pull()), track(ch.pull())];
    ch.close(reason);
    expect(ch.stats().waitingPullers).toBe(0);
    await flush();
    for (const p of pulls) {
      expect(p.current.status).toBe('rejected');
      const error = (p.current as { reason: ChannelClosedError }).reason;
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error.cause).toBe(reason);
    }
  });

  it('a push after close rejects with ChannelClosedError and nothing is added', async () => {
    const ch = new Channel<number>(2);
    ch.close();
    const error = (await rejection(ch.push(1))) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('push: channel is closed');
    expect(ch.size).toBe(0);
  });

  it('a closed channel without a reason gives errors with no cause, and close(undefined) counts as no reason', async () => {
    const ch = new Channel<number>();
    ch.close(undefined);
    const error = (await rejection(ch.pull())) as ChannelClosedError;
    expect('cause' in error).toBe(false);
  });

  it('closing from a parked pull continuation (reentrancy) fails the remaining waiters and loses nothing', async () => {
    const ch = new Channel<number>(1);
    const seen: number[] = [];
    const first = ch.pull().then((value) => {
      seen.push(value);
      ch.close('done by consumer');
    });
    const second = track(ch.pull());
    ch.pushNowait(1);
    await first;
    await flush();
    expect(seen).toEqual([1]);
    expect(second.current.status).toBe('rejected');
    expect((second.current as { reason: ChannelClosedError }).reason.cause).toBe('done by consumer');
  });

  it('a consumer that pushes back from its continuation keeps FIFO order', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    const out: number[] = [];
    ch.pushNowait(1);
    ch.pushNowait(2);
    for (let i = 0; i < 4; i++) {
      const value = await ch.pull();
      out.push(value);
      if (value < 3) ch.pushNowait(value + 2);
    }
    expect(out).toEqual([1, 2, 3, 4]);
    expect(ch.size).toBe(0);
  });

  it('a close called detached from its channel is a TypeError before anything changes', () => {
    const ch = new Channel<number>(1);
    const close = ch.close;
    expect(thrown(() => close.call(undefined))).toBeInstanceOf(TypeError);
    expect(ch.closed).toBe(false);
  });
});

describe('abort', () => {
  it('an already aborted signal is checked first, even on a closed channel, for push and pull', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const reason = new Error('aborted');
    expect(await rejection(ch.push(1, { signal: abortedSignal(reason) }))).toBe(reason);
    expect(await rejection(ch.pull({ signal: abortedSignal(reason) }))).toBe(reason);
  });

  it('an already aborted signal refuses a push that had room, adding nothing', async () => {
    const ch = new Channel<number>(1);
    expect(await rejection(ch.push(1, { signal: abortedSignal('r') }))).toBe('r');
    expect(ch.size).toBe(0);
  });

  it('an already aborted signal refuses a pull that had a value, consuming nothing', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    expect(await rejection(ch.pull({ signal: abortedSignal('r') }))).toBe('r');
    expect(ch.size).toBe(1);
  });

  it('aborting a parked push removes it without trace: no value delivered, listener gone', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const pushed = track(ch.push(1, { signal: controller.signal }));
    expect(listeners.live).toBe(1);
    controller.abort('stop');
    await flush();
    expect(pushed.current).toEqual({ status: 'rejected', reason: 'stop' });
    expect(ch.stats().waitingPushers).toBe(0);
    expect(listeners.live).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('aborting a parked pull consumes nothing: the next push goes to the next puller', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const first = track(ch.pull({ signal: controller.signal }));
    const second = ch.pull();
    controller.abort('stop');
    ch.pushNowait(5);
    expect(await second).toBe(5);
    await flush();
    expect(first.current).toEqual({ status: 'rejected', reason: 'stop' });
  });

  it('a commit that happens before the abort stands: the parked pull resolves with the value', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const pulled = track(ch.pull({ signal: controller.signal }));
    ch.pushNowait(3);
    controller.abort('late');
    await flush();
    expect(pulled.current).toEqual({ status: 'fulfilled', value: 3 });
    expect(listeners.live).toBe(0);
  });

  it('a commit never goes to a pull whose signal is aborted but whose listener has not run yet', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const mine = Object.assign(() => ch.pushNowait(42), { own: true });
    controller.signal.addEventListener('abort', mine);
    const aborted = track(ch.pull({ signal: controller.signal }));
    const other = ch.pull();
    controller.abort('gone');
    expect(await other).toBe(42);
    await flush();
    expect(aborted.current).toEqual({ status: 'rejected', reason: 'gone' });
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, size: 0 });
  });

  it('a close inside an earlier abort listener cancels the parked push with the reason, not ChannelClosedError', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener(
      'abort',
      Object.assign(() => ch.close(), { own: true }),
    );
    const pushed = track(ch.push(1, { signal: controller.signal }));
    controller.abort('reason');
    await flush();
    expect(pushed.current).toEqual({ status: 'rejected', reason: 'reason' });
  });

  it('one signal shared by many parked operations adds one listener and removes it when the last leaves', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const pulls = Array.from({ length: 20 }, () => ch.pull({ signal: controller.signal }));
    expect(listeners.live).toBeLessThanOrEqual(1);
    for (let i = 0; i < 20; i++) ch.pushNowait(i);
    expect(await Promise.all(pulls)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(listeners.live).toBe(0);
  });

  it.each([
    ['the controller instead of its signal', () => ({ signal: new AbortController() })],
    ['a string options', () => 'x'],
    ['the signal itself as options', () => new AbortController().signal],
  ])('a pull with %s rejects with a TypeError naming pull and touches nothing', async (_label, make) => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const error = (await rejection(ch.pull(make() as never))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^pull/);
    expect(ch.size).toBe(1);
  });

  it('a push with bad options rejects with a TypeError naming push and adds nothing', async () => {
    const ch = new Channel<number>(1);
    const error = (await rejection(ch.push(1, { signal: {} as never }))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^push/);
    expect(ch.size).toBe(0);
  });
});

describe('thenables are refused at the door', () => {
  it('push, pushNowait, tryPush and pushAll refuse a promise with a TypeError naming the call', async () => {
    const ch = new Channel<unknown>(4);
    const promise = Promise.resolve(1);
    const viaPush = (await rejection(ch.push(promise))) as Error;
    expect(viaPush).toBeInstanceOf(TypeError);
    expect(viaPush.message).toMatch(/^push/);
    expect((thrown(() => ch.pushNowait(promise)) as Error).message).toMatch(/^pushNowait/);
    expect((thrown(() => ch.tryPush(promise)) as Error).message).toMatch(/^tryPush/);
    const viaAll = (await rejection(ch.pushAll([1, promise, 3]))) as Error & { pushed: number };
    expect(viaAll).toBeInstanceOf(TypeError);
    expect(viaAll.pushed).toBe(1);
    expect(drainNow(ch)).toEqual([1]);
  });

  it('a function with a then method is a thenable too; a then that is not a function is a plain value', async () => {
    const ch = new Channel<unknown>(2);
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    const fnThenable = Object.assign(() => 0, { then: () => {} });
    expect(thrown(() => ch.pushNowait(fnThenable))).toBeInstanceOf(TypeError);
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    const notThenable = { then: 5 };
    ch.pushNowait(notThenable);
    expect(await ch.pull()).toBe(notThenable);
  });

  it('a thenable is a TypeError on a full and on a closed channel too (misuse first); tryPush throws rather than answer false', async () => {
    const ch = new Channel<unknown>(1);
    ch.pushNowait(1);
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    const thenable = { then() {} };
    expect(thrown(() => ch.tryPush(thenable))).toBeInstanceOf(TypeError);
    ch.close();
    expect(thrown(() => ch.tryPush(thenable))).toBeInstanceOf(TypeError);
    expect(thrown(() => ch.pushNowait(thenable))).toBeInstanceOf(TypeError);
    expect(await rejection(ch.push(thenable))).toBeInstanceOf(TypeError);
  });

  it('an aborted signal wins over a thenable', async () => {
    const ch = new Channel<unknown>(1);
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    expect(await rejection(ch.push({ then() {} }, { signal: abortedSignal('first') }))).toBe('first');
  });

  it('a value whose then getter throws is refused with a TypeError, never thrown at a promise caller', async () => {
    const ch = new Channel<unknown>(1);
    const hostile = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
      get then() {
        throw new Error('boom');
      },
    };
    const result = ch.push(hostile);
    expect(result).toBeInstanceOf(Promise);
    const error = (await rejection(result)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(ch.size).toBe(0);
  });

  it('a then getter that closes the channel during the push (user code inside an operation) delivers nothing', async () => {
    const ch = new Channel<unknown>();
    const waiting = track(ch.pull());
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
      get then() {
        ch.close();
        return undefined;
      },
    };
    expect(ch.tryPush(value)).toBe(false);
    await flush();
    expect(waiting.current.status).toBe('rejected');
    expect((waiting.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
  });

  it('a then getter that aborts the push’s own signal stops the push', async () => {
    const ch = new Channel<unknown>(1);
    const controller = new AbortController();
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
      get then() {
        controller.abort('mine');
        return undefined;
      },
    };
    expect(await rejection(ch.push(value, { signal: controller.signal }))).toBe('mine');
    expect(ch.size).toBe(0);
  });

  it('a then getter that pushes into the same channel commits both, the inner one first, nothing lost', async () => {
    const ch = new Channel<unknown>(4);
    const outer = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
      get then() {
        ch.pushNowait('inner');
        return undefined;
      },
    };
    await ch.push(outer);
    expect(drainNow(ch)).toEqual(['inner', outer]);
  });
});

describe('drop modes', () => {
  it('drop-oldest with capacity 1 is a conflated channel: the latest value wins, push never waits', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    await ch.push(1);
    await ch.push(2);
    ch.pushNowait(3);
    expect(ch.tryPush(4)).toBe(true);
    expect(ch.size).toBe(1);
    expect(drainNow(ch)).toEqual([4]);
  });

  it('drop-newest keeps the first values and discards the pushed one, push resolving', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4]);
    ch.pushNowait(5);
    expect(drainNow(ch)).toEqual([1, 2]);
  });

  it('a drop mode hands a value straight to a parked pull before it would drop anything', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    const pull = ch.pull();
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    expect(await pull).toBe(1);
    expect(drainNow(ch)).toEqual([2]);
  });

  it('a drop-mode push on a closed channel still fails with ChannelClosedError', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.close();
    expect(thrown(() => ch.pushNowait(1))).toBeInstanceOf(ChannelClosedError);
    expect(ch.tryPush(1)).toBe(false);
    expect(await rejection(ch.push(1))).toBeInstanceOf(ChannelClosedError);
  });
});
