/**
 * `from`: a channel fed from an iterable, an async iterable or a `ReadableStream`.
 */
import type { Channel, OperationOptions } from '../channel.js';
import { ReleasingChannel } from './releasing-channel.js';

/** Options of {@link from}. */
export interface FromOptions extends OperationOptions {
  /**
   * How many values may wait in the channel's buffer ahead of its consumer (default `0`: a
   * value is read from the source only once the previous one has been pulled).
   */
  capacity?: number;
  /** Labels the channel (default `from`). */
  name?: string;
}

/** Anything {@link from} can read. */
export type Source<T> = Iterable<T> | AsyncIterable<T> | ReadableStream<T>;

/**
 * A channel fed lazily from `source` — an iterable, an async iterable (an async generator, a
 * Node stream) or a `ReadableStream` (a `fetch` body) — with backpressure: the next value is
 * read from the source only after the previous one was committed to the channel, so at most
 * `capacity` values sit in the buffer and one more waits to be pushed; an endless source is
 * fine.
 *
 * - When the source ends, the channel closes (buffered values stay readable).
 * - When the source throws (or the stream errors), the channel closes with that error as its
 *   reason, so `for await` over it throws the error once the buffer is drained.
 * - When `signal` aborts, or anyone else closes the channel, the pump stops and releases the
 *   source at once — `return()` on its iterator, `cancel()` on its stream reader — and an
 *   abort closes the channel (normally: aborting is how a consumer says it is done).
 *
 * Values of a synchronous iterable are pushed as they are (promises are not awaited).
 *
 * @throws {TypeError} if `source` is none of the three.
 * @example
 * ```ts
 * const response = await fetch('/events');
 * for await (const chunk of from(response.body!.pipeThrough(new TextDecoderStream()))) console.log(chunk);
 * ```
 */
export function from<T>(source: Source<T>, options?: FromOptions): Channel<T> {
  let next: () => IteratorResult<T> | PromiseLike<IteratorResult<T>>;
  let stop: (reason: unknown) => unknown;
  if (typeof (source as ReadableStream<T>)?.getReader === 'function') {
    const reader = (source as ReadableStream<T>).getReader();
    next = () => reader.read() as Promise<IteratorResult<T>>;
    stop = (reason) => reader.cancel(reason);
  } else {
    const iterable = source as Partial<AsyncIterable<T> & Iterable<T>> | null | undefined;
    const iterator = iterable?.[Symbol.asyncIterator]?.() ?? iterable?.[Symbol.iterator]?.();
    if (iterator === undefined) {
      throw new TypeError('from(source): source must be an iterable, an async iterable or a ReadableStream');
    }
    next = () => iterator.next();
    stop = () => iterator.return?.();
  }
  const signal = options?.signal;
  let running = true;
  const onAbort = () => channel.close();
  const channel = new ReleasingChannel<T>(options?.capacity ?? 0, { name: options?.name ?? 'from' }, () => {
    signal?.removeEventListener('abort', onAbort);
    if (!running) return;
    running = false;
    // The source is ours to stop: a failure to stop has nobody left to report to.
    Promise.resolve()
      .then(() => stop(channel.reason ?? signal?.reason))
      .catch(() => {});
  });
  if (signal?.aborted) {
    running = false;
    channel.close();
    void Promise.resolve()
      .then(() => stop(signal.reason))
      .catch(() => {});
    return channel;
  }
  signal?.addEventListener('abort', onAbort);
  void pump(
    channel,
    next,
    () => running,
    (ended) => {
      running = false;
      channel.close(ended);
    },
  );
  return channel;
}

/**
 * Moves values from `next` into `channel` until the source ends, throws, or the channel closes.
 * Each push is awaited before the next read: that is the backpressure.
 */
async function pump<T>(
  channel: ReleasingChannel<T>,
  next: () => IteratorResult<T> | PromiseLike<IteratorResult<T>>,
  running: () => boolean,
  finish: (reason?: unknown) => void,
): Promise<void> {
  try {
    for (;;) {
      const result = await next();
      if (!running()) return; // closed while the source was reading: the value is unwanted
      if (result.done) return finish();
      await channel.push(result.value);
    }
  } catch (error) {
    // A push fails only once the channel is closed (and then the source was released);
    // anything else is the source failing.
    if (running() && !channel.closed) finish(error);
  }
}
