/**
 * `toReadableStream`: a channel as a web `ReadableStream`, for `new Response(...)`,
 * `pipeTo`/`pipeThrough`, and every API that takes a stream.
 */
import type { Channel } from '../channel.js';
import { ChannelClosedError } from '../errors.js';

/** Options of {@link toReadableStream}. */
export interface ToReadableStreamOptions {
  /**
   * How many values the stream pulls ahead into its own queue (default `0`: a value is pulled
   * from the channel only for a pending read). Values queued in a stream that gets cancelled
   * are gone with it — the reason the default is 0.
   */
  highWaterMark?: number;
}

/**
 * A `ReadableStream` that pulls from `channel` only when the stream wants data: with the
 * default `highWaterMark` of 0, exactly one value per read.
 *
 * - It closes when the channel is closed and drained, and errors with the close reason when
 *   the channel was closed with one.
 * - Cancelling the stream stops pulling: a pull waiting for a value is withdrawn (it consumes
 *   nothing), and the channel stays open for other consumers.
 *
 * @example
 * ```ts
 * // In a Worker: stream lines to the client as they are produced.
 * const lines = new Channel<string>(8);
 * return new Response(toReadableStream(lines).pipeThrough(new TextEncoderStream()));
 * ```
 */
export function toReadableStream<T>(channel: Channel<T>, options?: ToReadableStreamOptions): ReadableStream<T> {
  const cancelled = new AbortController();
  return new ReadableStream<T>(
    {
      pull: (stream) =>
        channel.pull({ signal: cancelled.signal }).then(
          (value) => stream.enqueue(value),
          (error: unknown) => {
            if (cancelled.signal.aborted) return; // cancelled while waiting: nothing was taken
            if (!(error instanceof ChannelClosedError && error.channel === channel)) stream.error(error);
            else if (channel.reason === undefined) stream.close();
            else stream.error(channel.reason);
          },
        ),
      cancel: (reason) => cancelled.abort(reason),
    },
    { highWaterMark: options?.highWaterMark ?? 0 },
  );
}
