/**
 * Regressions for each way the ancestor, pychanasync, loses data or waiters — plus the
 * promise that no abort listener outlives its operation.
 */
import { expect, test } from 'vitest';
import { Channel, ChannelClosedError } from '../src/index.js';
import { flush, track } from './helpers/track.js';

test('a cancelled pull does not swallow the next push', async () => {
  const channel = new Channel<string>(0);
  const controller = new AbortController();
  const cancelled = track(channel.pull({ signal: controller.signal }));
  controller.abort();
  const pulled = channel.pull();
  await channel.push('kept');
  expect(await pulled).toBe('kept');
  await flush();
  expect(cancelled.current.status).toBe('rejected');
});

test('a cancelled buffered pull does not swallow the next push', async () => {
  const channel = new Channel<string>(1);
  const controller = new AbortController();
  track(channel.pull({ signal: controller.signal }));
  controller.abort();
  await channel.push('kept');
  expect(channel.pullNowait()).toBe('kept');
});

test('closing with cancelled waiters works', async () => {
  const channel = new Channel<number>(0);
  const controllers = [new AbortController(), new AbortController()];
  const pulls = controllers.map((c) => track(channel.pull({ signal: c.signal })));
  const pushes = controllers.map((c, i) => track(new Channel<number>(0).push(i, { signal: c.signal })));
  const live = track(channel.pull());
  for (const controller of controllers) controller.abort('gone');
  expect(() => channel.close()).not.toThrow();
  await flush();
  expect(pulls.map((p) => p.current)).toEqual([
    { status: 'rejected', reason: 'gone' },
    { status: 'rejected', reason: 'gone' },
  ]);
  expect(pushes.map((p) => p.current.status)).toEqual(['rejected', 'rejected']);
  expect(live.current.status).toBe('rejected');
  expect((live.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
});

test('closing twice is harmless', async () => {
  const channel = new Channel<number>(1);
  channel.pushNowait(1);
  channel.close();
  expect(() => channel.close()).not.toThrow();
  expect(channel.pullNowait()).toBe(1);
});

test('a cancelled pusher neither blocks nor reorders the others', async () => {
  const channel = new Channel<number>(0);
  const controller = new AbortController();
  const first = channel.push(1);
  const cancelled = track(channel.push(2, { signal: controller.signal }));
  const third = channel.push(3);
  controller.abort();
  expect([await channel.pull(), await channel.pull()]).toEqual([1, 3]);
  await Promise.all([first, third]);
  await flush();
  expect(cancelled.current.status).toBe('rejected');
  expect(channel.stats().waitingPushers).toBe(0);
});

test('a cancelled pusher on a full buffer does not reorder the buffer', async () => {
  const channel = new Channel<number>(1);
  await channel.push(1);
  const controller = new AbortController();
  track(channel.push(2, { signal: controller.signal }));
  const third = channel.push(3);
  controller.abort();
  expect([await channel.pull(), await channel.pull()]).toEqual([1, 3]);
  await third;
});

test('buffered values are readable after close', async () => {
  const channel = new Channel<number>(3);
  for (const value of [1, 2, 3]) await channel.push(value);
  channel.close();
  const seen: number[] = [];
  for await (const value of channel) seen.push(value);
  expect(seen).toEqual([1, 2, 3]);
});

test('capacity 0 is a working rendezvous: each push completes only when a pull takes its value', async () => {
  const channel = new Channel<number>(0);
  let pushed = 0;
  const producer = (async () => {
    for (let i = 0; i < 3; i++) {
      await channel.push(i);
      pushed++;
    }
  })();
  for (let i = 0; i < 3; i++) {
    await flush();
    expect(pushed).toBe(i);
    expect(channel.stats().waitingPushers).toBe(1);
    expect(await channel.pull()).toBe(i);
  }
  await producer;
  expect(pushed).toBe(3);
});

test('no abort listener is left after 10k settled operations', async () => {
  let added = 0;
  let removed = 0;
  const signals: AbortSignal[] = [];
  const channel = new Channel<number>(0);
  for (let i = 0; i < 10_000; i++) {
    const controller = new AbortController();
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    };
    signals.push(signal);
    // A mix of outcomes: committed pulls, committed pushes, aborted pulls, aborted pushes,
    // and operations failed by close.
    switch (i % 5) {
      case 0: {
        const pulled = channel.pull({ signal });
        channel.pushNowait(i);
        expect(await pulled).toBe(i);
        break;
      }
      case 1: {
        const pushed = channel.push(i, { signal });
        expect(channel.pullNowait()).toBe(i);
        await pushed;
        break;
      }
      case 2: {
        const pulled = channel.pull({ signal });
        controller.abort();
        await expect(pulled).rejects.toBeDefined();
        break;
      }
      case 3: {
        const pushed = channel.push(i, { signal });
        controller.abort();
        await expect(pushed).rejects.toBeDefined();
        break;
      }
      default: {
        const closing = new Channel<number>(0);
        const pulled = closing.pull({ signal });
        closing.close();
        await expect(pulled).rejects.toThrow(ChannelClosedError);
      }
    }
  }
  expect(added).toBe(10_000);
  expect(removed).toBe(added);
  expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
});

test('aborting a waiter in the middle of 20k parked pulls unlinks only that one', async () => {
  const channel = new Channel<number>(0);
  const controllers = Array.from({ length: 20_000 }, () => new AbortController());
  const pulls = controllers.map((c) => channel.pull({ signal: c.signal }));
  controllers[10_000]?.abort('middle');
  await expect(pulls[10_000]).rejects.toBe('middle');
  expect(channel.stats().waitingPullers).toBe(19_999);
  channel.pushNowait(0);
  channel.pushNowait(1);
  expect(await pulls[0]).toBe(0);
  expect(await pulls[1]).toBe(1);
  channel.close();
  await Promise.allSettled(pulls);
});
