/**
 * web-platform-tests dom/abort/event.any.js ("abort algorithms run before listeners", the
 * reason set before the event fires) and dom/events dispatch order, as they bear on the order
 * in which chanasync's operations settle relative to other abort listeners; and
 * streams/readable-streams/general.any.js on when a toReadableStream learns that its channel
 * closed. (Translated, not copied.)
 */
import { Channel, ChannelClosedError, fromEvent, pull, select, toReadableStream } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { flushAsyncEvents, recordingWritableStream, state } from './util.js';

describe('dom/abort/event.any.js (ordering against other abort listeners)', () => {
  test('close() from an earlier abort listener: the parked pull rejects with the abort reason, not ChannelClosedError', async () => {
    const controller = new AbortController();
    const channel = new Channel<number>();
    controller.signal.addEventListener('abort', () => channel.close());
    const pulled = channel.pull({ signal: controller.signal });
    controller.abort('reason');
    await expect(pulled).rejects.toBe('reason');
  });

  test('close() from a later abort listener: the pull already left (abort reason)', async () => {
    const controller = new AbortController();
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal: controller.signal });
    controller.signal.addEventListener('abort', () => channel.close());
    controller.abort('reason');
    await expect(pulled).rejects.toBe('reason');
  });

  test('fromEvent(signal, "abort") and a pull on it parked with the same signal: the event stays buffered, the pull rejects', async () => {
    const controller = new AbortController();
    const aborts = fromEvent(controller.signal, 'abort', { capacity: 1, overflow: 'block' });
    const pulled = aborts.pull({ signal: controller.signal });
    controller.abort('r');
    await expect(pulled).rejects.toBe('r');
    expect(aborts.size).toBe(1);
    expect(aborts.pullNowait().type).toBe('abort');
    aborts.close();
  });

  test('a select on a fromEvent(signal, "abort") channel, with that signal: no case commits', async () => {
    const controller = new AbortController();
    const aborts = fromEvent(controller.signal, 'abort');
    const other = new Channel<number>();
    const selected = select([pull(aborts), pull(other)], { signal: controller.signal });
    controller.abort('r');
    await expect(selected).rejects.toBe('r');
    expect(aborts.size).toBe(1);
    aborts.close();
  });

  test('a pull on fromEvent(signal, "abort") with another signal gets the abort event', async () => {
    const controller = new AbortController();
    const aborts = fromEvent(controller.signal, 'abort');
    const pulled = aborts.pull();
    controller.abort();
    expect((await pulled).type).toBe('abort');
    aborts.close();
  });

  test('parked pushes with different signals: aborting one leaves the others in FIFO order', async () => {
    const channel = new Channel<number>();
    const cs = [new AbortController(), new AbortController(), new AbortController()];
    const pushes = cs.map((c, i) => channel.push(i, { signal: c.signal }).catch((e: unknown) => e));
    cs[1]?.abort('one');
    expect(await channel.pull()).toBe(0);
    expect(await channel.pull()).toBe(2);
    expect(await pushes[1]).toBe('one');
  });

  test('a commit in the abort listener of another signal reaches a pull whose own signal is not aborted', async () => {
    const a = new AbortController();
    const b = new AbortController();
    const channel = new Channel<string>();
    a.signal.addEventListener('abort', () => channel.tryPush('from a'));
    const pulled = channel.pull({ signal: b.signal });
    a.abort();
    expect(await pulled).toBe('from a');
  });
});

describe('streams/readable-streams/general.any.js (when the stream learns of the close)', () => {
  // WPT (general.any.js, default-reader.any.js "closed should be fulfilled after stream is
  // closed"): a stream whose source closed reports it on reader.closed. A toReadableStream
  // with highWaterMark 0 asks the channel only for a read, so it learns of the close at the
  // next read; reader.closed stays pending until then (documented default: pulls only for a
  // pending read).
  test('reader.closed of a toReadableStream over a closed channel settles at the first read', async () => {
    const channel = new Channel<number>();
    channel.close();
    const reader = toReadableStream(channel).getReader();
    expect(await state(reader.closed)).toBe('pending');
    expect(await reader.read()).toEqual({ value: undefined, done: true });
    await expect(reader.closed).resolves.toBeUndefined();
  });

  test('with highWaterMark 1 the stream learns of the close without a read', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel, { highWaterMark: 1 }).getReader();
    await flushAsyncEvents();
    channel.close();
    await expect(reader.closed).resolves.toBeUndefined();
  });

  test('pipeTo with an already aborted signal and closeOnCancel: the channel is closed, nothing consumed', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const { stream, events } = recordingWritableStream<number>();
    await expect(
      toReadableStream(channel, { closeOnCancel: true }).pipeTo(stream, { signal: AbortSignal.abort('x') }),
    ).rejects.toBe('x');
    expect(events).toEqual(['abort', 'x']);
    expect(channel.closed).toBe(true);
    expect(channel.pullNowait()).toBe(1);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('toReadableStream signal aborting with values queued (highWaterMark 2): they stay readable, then done', async () => {
    const channel = new Channel<number>(4);
    for (const v of [1, 2, 3]) channel.pushNowait(v);
    const controller = new AbortController();
    const stream = toReadableStream(channel, { highWaterMark: 2, signal: controller.signal });
    await flushAsyncEvents();
    controller.abort();
    const reader = stream.getReader();
    const got: number[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(r.value);
    expect(got).toEqual([1, 2]);
    expect(channel.pullNowait()).toBe(3);
  });

  test('toReadableStream signal aborting after the stream was cancelled changes nothing', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const stream = toReadableStream(channel, { signal: controller.signal });
    await stream.cancel();
    expect(() => controller.abort()).not.toThrow();
    await flushAsyncEvents();
    expect(channel.closed).toBe(false);
  });

  test('toReadableStream signal aborting after the channel closed with a reason and the stream errored changes nothing', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const reader = toReadableStream(channel, { signal: controller.signal }).getReader();
    channel.close('why');
    await expect(reader.read()).rejects.toBe('why');
    expect(() => controller.abort()).not.toThrow();
  });

  test('toReadableStream signal aborting while the channel is closed with a reason and values are still queued', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const controller = new AbortController();
    const stream = toReadableStream(channel, { highWaterMark: 2, signal: controller.signal });
    await flushAsyncEvents();
    channel.close('why');
    expect(() => controller.abort()).not.toThrow();
    const reader = stream.getReader();
    expect((await reader.read()).value).toBe(1);
    expect((await reader.read()).value).toBe(2);
    // The abort came before the stream reported the reason: it ends normally (abort = done).
    const last = await reader.read().then(
      (r) => r,
      (e: unknown) => ({ error: e }),
    );
    expect(last).toEqual({ value: undefined, done: true });
  });
});
