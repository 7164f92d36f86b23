/**
 * `toReadableStream(channel, { signal })`: a stream stopped from outside. Runs in Node and, in
 * the `workerd-core` project, inside workerd — whose `pipeTo` does not cancel its source when
 * its signal aborts while a read waits, the case this option exists for.
 */
import { describe, expect, test } from 'vitest';
import { Channel, toReadableStream } from '../src/index.js';
import { inWorkerd } from './helpers/runtime.js';
import { abortedSignal, countListeners, flush, rejection, track } from './helpers/track.js';

describe('toReadableStream with a signal', () => {
  test.runIf(inWorkerd)(
    'workerd: without it, aborting pipeTo while a read waits leaves the pipe pending and the pull parked (the platform bug it works around)',
    async () => {
      const channel = new Channel<number>();
      const controller = new AbortController();
      const piping = track(
        toReadableStream(channel).pipeTo(new WritableStream(), {
          signal: controller.signal,
        }),
      );
      await flush();
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(piping.current.status).toBe('pending');
      expect(channel.stats().waitingPullers).toBe(1);
      channel.close(); // the stream ends, and the pipe with it
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(piping.current.status).toBe('rejected');
    },
  );

  test('an abort while a read waits withdraws its pull, ends the stream normally, and leaves the channel open', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const reader = toReadableStream(channel, { signal: controller.signal }).getReader();
    const read = track(reader.read());
    await flush();
    expect(channel.stats().waitingPullers).toBe(1);
    const reason = new Error('client left');
    controller.abort(reason);
    await flush();
    expect(read.current).toEqual({ status: 'fulfilled', value: { done: true, value: undefined } });
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.closed).toBe(false);
    expect(listeners.live).toBe(0);
    // The next value goes to the next consumer, not to the stopped stream.
    const pulled = channel.pull();
    expect(channel.tryPush(7)).toBe(true);
    expect(await pulled).toBe(7);
  });

  test('aborting the signal given to both toReadableStream and pipeTo ends the pipe and loses no later value', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const written: number[] = [];
    const piping = toReadableStream(channel, { signal: controller.signal }).pipeTo(
      new WritableStream({ write: (chunk) => void written.push(chunk) }),
      { signal: controller.signal },
    );
    await channel.push(1);
    await flush(20);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await rejection(piping)).toBe(reason);
    expect(channel.stats().waitingPullers).toBe(0);
    const pulled = channel.pull();
    expect(channel.tryPush(2)).toBe(true);
    expect(await pulled).toBe(2);
    expect(written).toEqual([1]);
  });

  test('an already aborted signal gives a closed stream that pulls nothing', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    const reader = toReadableStream(channel, { signal: abortedSignal(new Error('already')) }).getReader();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(channel.size).toBe(1);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('with closeOnCancel, an abort closes the channel, whose buffered values stay readable', async () => {
    const channel = new Channel<number>(4);
    const controller = new AbortController();
    const reader = toReadableStream(channel, { signal: controller.signal, closeOnCancel: true }).getReader();
    channel.pushNowait(1);
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    channel.pushNowait(2);
    controller.abort();
    await flush();
    expect(channel.closed).toBe(true);
    expect(channel.pullNowait()).toBe(2);
  });

  test('the listener leaves when the stream ends, is cancelled, or errors with the close reason', async () => {
    const ended = new AbortController();
    const endedListeners = countListeners(ended.signal);
    const closing = new Channel<number>();
    const reader = toReadableStream(closing, { signal: ended.signal }).getReader();
    expect(endedListeners.live).toBe(1);
    closing.close();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(endedListeners.live).toBe(0);

    const cancelled = new AbortController();
    const cancelledListeners = countListeners(cancelled.signal);
    const open = new Channel<number>();
    const stream = toReadableStream(open, { signal: cancelled.signal });
    await stream.cancel();
    expect(cancelledListeners.live).toBe(0);
    expect(open.stats().waitingPullers).toBe(0);

    const failed = new AbortController();
    const failedListeners = countListeners(failed.signal);
    const failing = new Channel<number>(1);
    failing.pushNowait(1);
    const reason = new Error('done');
    failing.close(reason);
    const failingReader = toReadableStream(failing, { signal: failed.signal }).getReader();
    expect(await failingReader.read()).toEqual({ done: false, value: 1 });
    expect(await rejection(failingReader.read())).toBe(reason);
    expect(failedListeners.live).toBe(0);
    // An abort after the end changes nothing.
    failed.abort();
    ended.abort();
    cancelled.abort();
    await flush();
  });

  test('values a stream with a highWaterMark had queued stay readable after the abort; the rest stay in the channel', async () => {
    const channel = new Channel<number>(8);
    const controller = new AbortController();
    const reader = toReadableStream(channel, { signal: controller.signal, highWaterMark: 2 }).getReader();
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    expect(await reader.read()).toEqual({ done: false, value: 0 });
    await flush();
    controller.abort();
    const got: number[] = [0];
    for (let result = await reader.read(); !result.done; result = await reader.read()) got.push(result.value);
    for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) got.push(value);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  test('every value the stream read before the abort was delivered, in order, exactly once', async () => {
    const channel = new Channel<number>(8);
    const controller = new AbortController();
    const reader = toReadableStream(channel, { signal: controller.signal }).getReader();
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push((await reader.read()).value as number);
    controller.abort();
    await flush();
    for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) got.push(value);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  test.each([
    ['an AbortController', () => new AbortController()],
    ['a string', () => 'abort'],
  ])('a signal that is %s is a TypeError naming the option', (_, make) => {
    const channel = new Channel<number>();
    expect(() => toReadableStream(channel, { signal: make() as unknown as AbortSignal })).toThrow(
      /^toReadableStream\(channel, options\): options\.signal must be an AbortSignal/,
    );
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('a signal passed as the options is a TypeError: pass { signal }', () => {
    const channel = new Channel<number>();
    const signal = new AbortController().signal;
    expect(() => toReadableStream(channel, signal as never)).toThrow(
      /^toReadableStream\(channel, options\): options is an AbortSignal: pass \{ signal \} instead/,
    );
  });
});
