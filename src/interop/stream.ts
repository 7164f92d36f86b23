/**
 * `toReadableStream`: a channel as a web `ReadableStream`, for `new Response(...)`,
 * `pipeTo`/`pipeThrough`, and every API that takes a stream.
 *
 * How it works: the stream's `pull` takes a value with `commitPull` when there is one, and
 * otherwise parks a {@link StreamWaiter} on the channel, whose `resolve` — called synchronously
 * at the channel's commit point — enqueues the value into the stream right there. So a value
 * is never in a promise between the channel and the stream: a reader that cancels in the same
 * tick as the commit still finds the value in its pending read, and cancelling withdraws a
 * parked pull that has taken nothing.
 */
import { Channel, commitPull, NOTHING, type PullChannel } from '../channel.js';
import { type Cancellable, type Ref, unwatch, watch } from '../signals.js';
import { Mark, tracker } from '../tracker.js';
import { claim, park, Waiter } from '../waiters.js';
import { checkOptions, member } from './check.js';
import { describe, notAChannel } from './describe.js';

/** Options of {@link toReadableStream}. */
export interface ToReadableStreamOptions {
  /**
   * How many values the stream pulls ahead into its own queue (default `0`: a value is pulled
   * from the channel only for a pending read). A finite number ≥ 0. Values queued in a stream
   * that gets cancelled are gone with it — the reason the default is 0.
   */
  highWaterMark?: number | undefined;
  /**
   * Close the channel when the stream is cancelled (default `false`: the channel stays open for
   * other consumers). For a channel that only this stream reads — a response body — so that
   * its producer learns that the client went away: its next push rejects with
   * `ChannelClosedError`. The channel is closed without a reason (the cancel reason is not
   * passed on), and its buffered values stay readable. (In a service worker the request's signal does not abort when the
   * page cancels the body: the stream's cancel is all the producer hears of it.)
   */
  closeOnCancel?: boolean | undefined;
  /**
   * Ends the stream from outside: when it aborts, a pull waiting for a value is withdrawn (it
   * consumes nothing) and the stream closes normally — values it had queued stay readable — as
   * an abort of `from` and `fromEvent` closes their channels normally. The channel stays open,
   * unless `closeOnCancel`. Already aborted, the stream starts closed and pulls nothing. Give
   * it the signal you give `pipeTo` where the platform does not cancel a stream whose read
   * waits when the pipe is aborted (workerd: see the README's Semantic details).
   */
  signal?: AbortSignal | undefined;
}

/**
 * The stream's pull parked on the channel. Its `resolve` enqueues the value into the stream
 * at the commit point; `fail` is called by the channel's `close()`.
 */
class StreamWaiter<T> extends Waiter<T> {
  constructor(
    channel: Channel<T>,
    /** The stream this pull feeds. */
    readonly source: StreamSource<T>,
  ) {
    super(channel, undefined, delivered as (value: T | PromiseLike<T>) => void, undefined);
  }

  /**
   * Whether a read waits on the stream (see `hold`): with a `highWaterMark` of 0 the stream pulls
   * only for a read; with more, it may read ahead of its reader, which it cannot tell from a read.
   */
  override wanted(): boolean {
    return !this.source.highWaterMark;
  }

  /** The channel closed while the stream waited: end the stream (its buffer is empty). */
  override fail(): void {
    this.source.settle();
    this.source.end();
  }
}

/** Where the stream takes a value: the channel has just committed `value` to this pull. */
function delivered<T>(this: StreamWaiter<T>, value: T): void {
  this.source.controller.enqueue(value);
  this.source.settle();
}

/** The underlying source of the stream. */
class StreamSource<T> implements UnderlyingDefaultSource<T> {
  /** The stream's controller, set by `start`. */
  declare controller: ReadableStreamDefaultController<T>;
  /** The parked pull, while there is one. */
  waiter: StreamWaiter<T> | undefined = undefined;
  /** Resolves the promise `pull` returned for the parked pull. */
  finish: (() => void) | undefined = undefined;
  /** Its handle in its signal's watch, while it watches. */
  ref: Ref | undefined = undefined;
  /** What its signal's watch cancels: {@link stop}. */
  onAbort: Cancellable | undefined = undefined;

  constructor(
    readonly channel: Channel<T>,
    readonly highWaterMark: number,
    /** Close the channel when the stream is cancelled (or its signal aborts). */
    readonly closeOnCancel: boolean,
    /** Stops the stream when it aborts. */
    readonly signal: AbortSignal | undefined,
  ) {}

  start(controller: ReadableStreamDefaultController<T>): void {
    this.controller = controller;
    // Called inside `toReadableStream()`: debug mode takes the stack of that call for the pulls
    // the stream makes later, from microtasks with no frame of the application's.
    tracker?.(this, 'owner');
    const signal = this.signal;
    // Already aborted: as an abort now (with `closeOnCancel`, the channel closes too). Else
    // watched as parked operations are (signals.ts), not with a listener of its own: N streams
    // with one signal would cost O(N²) (and Node warns from the eleventh). Strongly, as that
    // listener held it — except on a channel debug mode tracks, as for a parked operation's way
    // out (`park` in waiters.ts): there a long-lived signal must not keep an abandoned channel
    // alive through its stream, or the read left waiting on it would never be reported as
    // leaked (the SPEC's retention rule). The watch stays weak if debug mode is turned off
    // later: the signal still ends the stream while anything else holds it or its channel.
    // (Weakly, what is watched is held by this source, which the stream holds.)
    if (signal?.aborted) this.stop();
    else if (signal) {
      this.onAbort = { cancel: () => this.stop() };
      this.ref = watch(signal, this.onAbort, this.channel.debugMarks & Mark.TRACKED ? undefined : true);
    }
  }

  /** The signal aborted: stop pulling as a cancel does, and close the stream. */
  stop(): void {
    this.cancel();
    this.controller.close();
  }

  /**
   * The stream wants a value: take one now, or end the stream if the channel is closed and
   * drained, or park a pull and return a promise that settles with it (the stream does not
   * call `pull` again meanwhile).
   */
  pull(): Promise<void> | undefined {
    const value = commitPull(this.channel);
    if (value !== NOTHING) {
      this.controller.enqueue(value);
      return undefined;
    }
    if (this.channel.isClosed) {
      this.end();
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.finish = resolve;
      this.waiter = new StreamWaiter(this.channel, this);
      park(this.waiter, false, 'pull', undefined, this);
    });
  }

  /**
   * Cancelling the stream withdraws the parked pull: nothing more is consumed, and the channel
   * stays open — unless `closeOnCancel`, which then closes it (its buffered values stay readable).
   */
  cancel(): void {
    const waiter = this.waiter;
    if (waiter !== undefined) claim(waiter);
    this.settle();
    if (this.ref) unwatch(this.signal as AbortSignal, this.ref);
    if (this.closeOnCancel) this.channel.close();
  }

  /** The parked pull is over (committed, failed or withdrawn). */
  settle(): void {
    this.waiter = undefined;
    this.finish?.();
    this.finish = undefined;
  }

  /**
   * The channel is closed and drained: close the stream, or error it with the close reason —
   * but only once its queue is empty, since erroring a stream discards what it queued, and
   * every value the stream pulled must stay readable. The stream calls `pull` again after each
   * read while values are queued, so the last read brings us back here.
   */
  end(): void {
    const reason = this.channel.closeReason;
    if (reason !== undefined && this.controller.desiredSize !== this.highWaterMark) return;
    if (this.ref) unwatch(this.signal as AbortSignal, this.ref);
    if (reason === undefined) this.controller.close();
    else this.controller.error(reason);
  }
}

/**
 * A `ReadableStream` that pulls from `channel` only when the stream wants data: with the
 * default `highWaterMark` of 0, exactly one value per read.
 *
 * - Each value moves into the stream at the channel's commit point, so a reader that cancels
 *   right after a value was committed to its pending read still gets that value.
 * - It closes when the channel is closed and drained; when the channel was closed with a
 *   reason, it errors with that reason once every value it had pulled was read.
 * - Cancelling the stream stops pulling: a pull waiting for a value is withdrawn (it consumes
 *   nothing), and the channel stays open for other consumers — or, with `closeOnCancel`, is
 *   closed, so that a producer that feeds only this stream (a response body) stops. Values a
 *   stream with a `highWaterMark` above 0 had queued are gone with it.
 * - When `signal` aborts, the stream stops pulling as a cancel does and closes normally (what it
 *   had queued stays readable).
 *
 * The parameter is typed as a {@link PullChannel}, but it must be a chanasync {@link Channel}
 * at run time: the stream takes values at the channel's commit points.
 *
 * Also `channel.toReadableStream(options)`, the SPEC's spelling: the same function, attached to
 * `Channel.prototype` where this one is loaded (see the README's Semantic details, Interop).
 *
 * @throws {TypeError} if `channel` is not a {@link Channel}, `options` is not an object (or is
 *   an `AbortSignal`: pass `{ signal }`), `signal` is not an `AbortSignal`, or `closeOnCancel` is
 *   not a boolean.
 * @throws {RangeError} if `highWaterMark` is not a finite number ≥ 0. (One above 2⁵³−1 counts
 *   as 2⁵³−1: read-ahead without a practical bound.)
 * @example
 * ```ts
 * import { Channel, toReadableStream } from 'chanasync';
 *
 * // In a Worker: stream lines to the client as they are produced; if the client goes away,
 * // the channel closes and the producer's next push rejects.
 * const lines = new Channel<string>(8);
 * const body = toReadableStream(lines, { closeOnCancel: true }).pipeThrough(new TextEncoderStream());
 * const response = new Response(body);
 * ```
 */
export const toReadableStream: <T>(channel: PullChannel<T>, options?: ToReadableStreamOptions) => ReadableStream<T> =
  /* @__PURE__ */ member(
    Channel,
    'toReadableStream',
    function (this: Channel<unknown>, options?: ToReadableStreamOptions) {
      return streamOf(this, options);
    },
    streamOf,
    true,
  );

function streamOf<T>(channel: PullChannel<T>, options?: ToReadableStreamOptions): ReadableStream<T> {
  const call = 'toReadableStream(channel, options)';
  if (!(channel instanceof Channel)) throw new TypeError(`${call}: channel ${notAChannel(channel)}`);
  const signal = checkOptions(call, options);
  const highWaterMark = options?.highWaterMark ?? 0;
  if (!(typeof highWaterMark === 'number' && highWaterMark >= 0 && highWaterMark < Infinity)) {
    throw new RangeError(
      `${call}: options.highWaterMark must be a finite number ≥ 0, got ${typeof highWaterMark === 'number' ? highWaterMark : describe(highWaterMark)}`,
    );
  }
  const closeOnCancel = options?.closeOnCancel ?? false;
  if (typeof closeOnCancel !== 'boolean')
    throw new TypeError(`${call}: options.closeOnCancel must be a boolean, got ${describe(closeOnCancel)}`);
  // At most 2⁵³−1: `end` tells an empty queue by `desiredSize === highWaterMark`, which above
  // that the subtraction of a few queued values rounds back to (audit BN-interop-1: with
  // `Number.MAX_VALUE`, a close with a reason discarded every value read ahead).
  const mark = Math.min(highWaterMark, Number.MAX_SAFE_INTEGER);
  const source = new StreamSource(channel as Channel<T>, mark, closeOnCancel, signal);
  return new ReadableStream<T>(source, { highWaterMark: mark });
}
