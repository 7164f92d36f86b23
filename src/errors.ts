/**
 * The errors a channel operation can fail with. Every one names the operation and the channel
 * in its message and carries the channel itself, so a log line says who was stuck where.
 */

import type { Channel } from './channel.js';

/**
 * Base class of every error chanasync throws for a channel operation.
 *
 * `name` is the class name, `message` names the operation and the channel (its `name`, if
 * any) — e.g. `push: channel "jobs" is closed` — and `channel` is the channel the
 * operation was made on.
 *
 * @example
 * ```ts
 * import { Channel, ChannelError } from 'chanasync';
 *
 * const jobs = new Channel<number>(0, { name: 'jobs' });
 * try {
 *   jobs.pushNowait(1);
 * } catch (error) {
 *   // ChannelFullError pushNowait: channel "jobs" is full
 *   if (error instanceof ChannelError) console.log(error.name, error.message);
 * }
 * ```
 */
export class ChannelError<C extends { readonly name: string | undefined } = Channel<any>> extends Error {
  /** The class name, for logs and `instanceof`-free checks. */
  override get name(): string {
    return 'ChannelError';
  }
  /**
   * The channel the failed operation was made on (for the errors of `chanasync/durable`, the
   * durable channel's client).
   */
  readonly channel: C;
  /**
   * Set on the error a `pushAll` rejects with: how many of its values were committed before
   * it failed (the rest were not delivered).
   */
  declare pushed?: number;

  /**
   * @param operation the operation that failed, e.g. `'push'`.
   * @param problem what is wrong with the channel, e.g. `'is closed'`.
   * @param channel the channel.
   * @param cause the underlying reason, if any (becomes `cause`, as for `Error`).
   */
  constructor(operation: string, problem: string, channel: C, cause?: unknown) {
    const label = channel.name === undefined ? '' : ` "${channel.name}"`;
    super(`${operation}: channel${label} ${problem}`, cause === undefined ? undefined : { cause });
    this.channel = channel;
  }
}

/**
 * The channel is closed: a push (at any time) or a pull (once the buffer is drained) cannot
 * proceed. `cause` is the reason given to `close(reason)`, when one was given.
 *
 * @example
 * ```ts
 * import { Channel, ChannelClosedError } from 'chanasync';
 *
 * const jobs = new Channel<number>(1);
 * jobs.close('shutting down');
 * try {
 *   await jobs.pull();
 * } catch (error) {
 *   // pull: channel is closed shutting down
 *   if (error instanceof ChannelClosedError) console.log(error.message, error.cause);
 * }
 * ```
 */
export class ChannelClosedError<
  C extends { readonly name: string | undefined } = Channel<any>,
> extends ChannelError<C> {
  /** `'ChannelClosedError'`: the class name, for logs and `instanceof`-free checks. */
  override get name(): string {
    return 'ChannelClosedError';
  }
}

/**
 * `pushNowait` would have to wait: the buffer is full (or, unbuffered, no puller is waiting).
 *
 * @example
 * ```ts
 * import { Channel, ChannelFullError } from 'chanasync';
 *
 * const jobs = new Channel<number>(1);
 * jobs.pushNowait(1);
 * try {
 *   jobs.pushNowait(2);
 * } catch (error) {
 *   if (error instanceof ChannelFullError) console.log('full: try later'); // full: try later
 * }
 * ```
 */
export class ChannelFullError<C extends { readonly name: string | undefined } = Channel<any>> extends ChannelError<C> {
  /** `'ChannelFullError'`: the class name, for logs and `instanceof`-free checks. */
  override get name(): string {
    return 'ChannelFullError';
  }
}

/**
 * `pullNowait` would have to wait: the buffer is empty and no pusher is waiting.
 *
 * @example
 * ```ts
 * import { Channel, ChannelEmptyError } from 'chanasync';
 *
 * const jobs = new Channel<number>(1);
 * try {
 *   jobs.pullNowait();
 * } catch (error) {
 *   if (error instanceof ChannelEmptyError) console.log('nothing to do'); // nothing to do
 * }
 * ```
 */
export class ChannelEmptyError<C extends { readonly name: string | undefined } = Channel<any>> extends ChannelError<C> {
  /** `'ChannelEmptyError'`: the class name, for logs and `instanceof`-free checks. */
  override get name(): string {
    return 'ChannelEmptyError';
  }
}
