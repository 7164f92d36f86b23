// @vitest-environment happy-dom
/**
 * Issue 11 items 6, 9 and 10 with happy-dom's `AbortController`/`AbortSignal`, which vitest
 * installs globally for DOM tests and which is where the "removed listener still called" bug
 * was seen. The same behaviours as core-hardening.test.ts, with the signals users of that
 * environment actually get.
 */
import { expect, test } from 'vitest';
import { Channel, pull, select } from '../src/index.js';
import { flush, track } from './helpers/track.js';

test('the signals in this file are happy-dom’s, not Node’s', () => {
  const window = globalThis as unknown as { happyDOM?: unknown; AbortSignal: unknown };
  expect(window.happyDOM).toBeDefined();
  expect(new AbortController().signal).toBeInstanceOf(window.AbortSignal as typeof AbortSignal);
});

test('aborting a happy-dom signal rejects a parked pull with the reason and leaves no waiter', async () => {
  const channel = new Channel<number>();
  const controller = new AbortController();
  const pulled = channel.pull({ signal: controller.signal });
  controller.abort('stop');
  await expect(pulled).rejects.toBe('stop');
  expect(channel.stats().waitingPullers).toBe(0);
});

test('a committed pull is not cancelled by a later abort of its happy-dom signal, and the next puller is served', async () => {
  const channel = new Channel<string>();
  const controller = new AbortController();
  const committed = track(channel.pull({ signal: controller.signal }));
  const next = track(channel.pull());
  channel.pushNowait('first');
  const later = track(channel.pull({ signal: controller.signal }));
  controller.abort('late');
  channel.pushNowait('second');
  await flush();
  expect(committed.current).toEqual({ status: 'fulfilled', value: 'first' });
  expect(next.current).toEqual({ status: 'fulfilled', value: 'second' });
  expect(later.current).toEqual({ status: 'rejected', reason: 'late' });
  expect(channel.stats().waitingPullers).toBe(0);
});

test('an earlier happy-dom abort listener that pushes does not feed the aborted pull; nothing is cancelled twice', async () => {
  // happy-dom calls every listener of the dispatch, even one removed during it: the pull's
  // cancellation must already be done (and harmless to repeat) when that happens.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const channel = new Channel<string>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => channel.tryPush('v'));
    const cancelled = track(channel.pull({ signal: controller.signal }));
    const next = track(channel.pull());
    const last = track(channel.pull());
    controller.abort('stop');
    channel.pushNowait('w');
    await flush();
    expect(next.current).toEqual({ status: 'fulfilled', value: 'v' });
    expect(last.current).toEqual({ status: 'fulfilled', value: 'w' });
    expect(cancelled.current).toEqual({ status: 'rejected', reason: 'stop' });
    expect(channel.stats().waitingPullers).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('happy-dom’s AbortSignal.any: a parked select on the combined signal is cancelled through its source', async () => {
  const channel = new Channel<string>();
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal]);
  const selected = select([pull(channel), pull(new Channel<string>())], { signal });
  controller.abort('stop');
  await expect(selected).rejects.toBe('stop');
  expect(channel.stats().waitingPullers).toBe(0);
});

test('one happy-dom signal shared by 10k parked pulls cancels them all when aborted', async () => {
  const channel = new Channel<number>();
  const controller = new AbortController();
  const pulls = Array.from({ length: 10_000 }, () => channel.pull({ signal: controller.signal }));
  controller.abort('all');
  const results = await Promise.allSettled(pulls);
  expect(results.every((result) => result.status === 'rejected' && result.reason === 'all')).toBe(true);
  expect(channel.stats().waitingPullers).toBe(0);
});
