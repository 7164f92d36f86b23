/**
 * Behaviours of the core that no other test pinned down, found by mutation testing (each test
 * here failed on at least one mutant of src/ that every other core test let pass). One behaviour
 * per test; imports from src/.
 */
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, pull, push, select } from '../src/index.js';
import { flush, rejection, track } from './helpers/track.js';
import { trapped } from './helpers/trapped-signal.js';

describe('abort signals', () => {
  test('an abort event dispatched on a signal that is not aborted cancels no parked operation', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const pulled = track(channel.pull({ signal: controller.signal }));
    controller.signal.dispatchEvent(new Event('abort'));
    await flush();
    expect(pulled.current.status).toBe('pending');
    channel.pushNowait(1);
    await flush();
    expect(pulled.current).toEqual({ status: 'fulfilled', value: 1 });
  });

  test('a signal-like object without addEventListener is refused with a TypeError and parks nothing', async () => {
    const channel = new Channel<number>();
    const fake = { aborted: false, reason: undefined, removeEventListener() {} } as unknown as AbortSignal;
    const pulled = track(channel.pull({ signal: fake }));
    await flush();
    expect(pulled.current.status).toBe('rejected');
    expect((pulled.current as { reason: Error }).reason).toEqual(
      new TypeError('pull: options.signal is not an AbortSignal'),
    );
    expect(channel.stats().waitingPullers).toBe(0);
  });
});

describe('abort signals and garbage collection', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  /** Parks a pull with `signal` on a channel nothing else references; returns a weak reference to the channel. */
  function abandonPull(signal: AbortSignal): WeakRef<Channel<number>> {
    const channel = new Channel<number>();
    channel.pull({ signal }).catch(() => {});
    return new WeakRef(channel);
  }

  test('aborting a signal after the channel of its parked operation was collected leaves no abort listener', async () => {
    const controller = new AbortController();
    const channel = abandonPull(controller.signal);
    // deref() keeps its target alive until the end of the current job: collect in a job of its own.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 20; i++) {
      await tick();
      gc();
      await tick();
      if (channel.deref() === undefined) break;
    }
    expect(channel.deref()).toBeUndefined();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('pushAll', () => {
  test('when its signal aborts and its channel closes between two values, pushAll rejects with the abort reason', async () => {
    const channel = new Channel<number>(4);
    const controller = new AbortController();
    const reason = new Error('stop');
    function* values(): Generator<number> {
      yield 1;
      controller.abort(reason);
      channel.close();
      yield 2;
    }
    const error = await rejection(channel.pushAll(values(), { signal: controller.signal }));
    expect(error).toBe(reason);
    expect((error as { pushed: number }).pushed).toBe(1);
  });
});

describe('parking', () => {
  test('a pull with a signal that a broadcast serves as it parks leaves no abort listener on the signal', async () => {
    const source = new Channel<number>(1);
    source.pushNowait(7);
    const subscriber = broadcast(source).subscribe({ capacity: 0 });
    const controller = new AbortController();
    await expect(subscriber.pull({ signal: controller.signal })).resolves.toBe(7);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('broadcast', () => {
  test('a subscriber receives values in order while another subscriber is the source of a second broadcast', async () => {
    const source = new Channel<number>(8);
    for (const value of [1, 2, 3, 4, 5]) source.pushNowait(value);
    const hub = broadcast(source);
    const relayed = hub.subscribe();
    const direct = hub.subscribe();
    const downstream = broadcast(relayed).subscribe({ capacity: 8 });
    const received: number[] = [];
    for (let i = 0; i < 4; i++) received.push(await direct.pull());
    expect(received).toEqual([2, 3, 4, 5]);
    expect(await downstream.pullMany(8)).toEqual([1, 2, 3, 4, 5]);
  });

  test("a broadcast whose source is another broadcast's unbuffered subscriber fills its subscribers' buffers up to their capacity", async () => {
    const source = new Channel<number>(8);
    for (const value of [1, 2, 3, 4, 5, 6]) source.pushNowait(value);
    const relay = broadcast(source).subscribe({ capacity: 0 });
    const subscriber = broadcast(relay).subscribe({ capacity: 4 });
    await flush();
    expect(subscriber.size).toBe(4);
    expect(await subscriber.pullMany(4)).toEqual([1, 2, 3, 4]);
  });
});

describe('async iteration', () => {
  test("an iterator's return() after its next() was served leaves later pulls queued in order, even after the pulls around that next() left", async () => {
    const channel = new Channel<number>();
    const first = channel.pull();
    const iterator = channel[Symbol.asyncIterator]();
    const served = iterator.next();
    const second = channel.pull();
    const controller = new AbortController();
    const leaving = track(channel.pull({ signal: controller.signal }));
    expect(channel.tryPush(1)).toBe(true);
    expect(channel.tryPush(2)).toBe(true);
    controller.abort(new Error('gone'));
    expect(await first).toBe(1);
    expect(await served).toEqual({ done: false, value: 2 });
    await iterator.return?.();
    const third = channel.pull();
    expect(channel.stats().waitingPullers).toBe(2);
    expect(channel.tryPush(3)).toBe(true);
    expect(channel.tryPush(4)).toBe(true);
    expect(await second).toBe(3);
    expect(await third).toBe(4);
    await flush();
    expect(leaving.current).toEqual({ status: 'rejected', reason: new Error('gone') });
  });
});

describe('select', () => {
  test('a push case whose buffered channel user code closed while select chose (a signal getter) commits nothing there: select rejects with ChannelClosedError or takes another case', async () => {
    for (let round = 0; round < 60; round++) {
      const closing = new Channel<string>(1);
      const last = new Channel<string>();
      // A signal whose `aborted` getter closes `closing` once armed: it runs when select checks
      // whether the pull case on `last` is ready (its parked push has that signal).
      const signal = trapped(new AbortController().signal);
      const lastPush = track(last.push('y', { signal: signal.proxy }));
      signal.arm(() => closing.close());
      let result: { index: number; value: unknown } | unknown;
      try {
        result = await select([pull(new Channel<string>()), push(closing, 'v'), pull(last)]);
      } catch (error) {
        result = error;
      }
      if (result instanceof Error) {
        expect(result).toBeInstanceOf(ChannelClosedError);
        expect(closing.size).toBe(0);
      } else if ((result as { index: number }).index === 1) {
        // Chosen before the getter ran: committed to an open channel.
        expect(closing.closed).toBe(false);
        expect(closing.tryPull()).toBe('v');
      } else {
        expect(result).toMatchObject({ index: 2, value: 'y' });
        expect(closing.size).toBe(0);
      }
      signal.disarm();
      if ((result as { index?: number }).index !== 2) last.tryPull();
      await flush();
      expect(lastPush.current.status).toBe('fulfilled');
    }
  });
});
