/**
 * A channel that lets go of what feeds it as soon as it closes, whoever closes it: the shared
 * base of `from` (which releases its source) and `fromEvent` (its listener). `merge`,
 * `broadcast` and the timer channels of `after` and `ticker` override `close` themselves.
 */
import { Channel, type ChannelOptions } from '../channel.js';
import type { Ref } from '../signals.js';

/** A {@link Channel} that calls `release` once, right after it closes. */
export class ReleasingChannel<T> extends Channel<T> {
  /**
   * @param capacity as for {@link Channel}.
   * @param options as for {@link Channel}.
   * @param release called once, synchronously, by the first `close()`; set it before anyone
   *   can close the channel.
   */
  constructor(
    capacity: number,
    options: ChannelOptions | undefined,
    public release: () => void,
  ) {
    super(capacity, options);
  }

  /** `fromEvent`'s: its signal's watch of it, if it has a signal (see `hold` in `waiters.ts`). */
  declare ref: Ref | undefined;

  /** Closes the channel (see {@link Channel.close}), then releases what fed it. */
  override close(reason?: unknown): void {
    if (this.isClosed) return;
    super.close(reason);
    this.release();
  }

  /** Its signal aborted (a `fromEvent` channel watched by `signals.ts`): close. */
  cancel(): void {
    this.close();
  }
}
