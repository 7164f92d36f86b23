/**
 * The channel of `after` and `ticker`: a capacity-1 channel fed by a timer, which closing
 * clears — whoever closes it (by hand, `using`, the signal) — so a closed timer channel never
 * fires later and never keeps a process alive.
 *
 * Invariant: `timer` is pending only while the channel is open; `close()` clears it and no
 * timer is started afterwards (every start happens in a timer callback of an open channel, or
 * at creation).
 */
import { Channel } from '../channel.js';

/** The longest delay `setTimeout` takes (2³¹−1 ms, about 24.8 days); longer ones fire at once. */
const LONGEST = 2147483647;

/** A capacity-1 channel of timestamps, fed by a timer that closing clears. */
export class TimerChannel extends Channel<number> {
  /** The pending timer; cleared by `close()`. */
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  /**
   * @param name the channel's name, e.g. `after(100)`.
   * @param signal closes the channel when it aborts (checked and already-aborted handled by the caller).
   */
  constructor(
    name: string,
    readonly signal: AbortSignal | undefined,
  ) {
    super(1, { name, input: true });
    signal?.addEventListener('abort', this);
  }

  /**
   * Calls `then` after `ms` milliseconds, in hops of at most 2³¹−1 ms, so a longer delay waits
   * as long as it says instead of firing at once.
   */
  wait(ms: number, then: () => void): void {
    this.timer = setTimeout(() => (ms > LONGEST ? this.wait(ms - LONGEST, then) : then()), Math.min(ms, LONGEST));
  }

  /** Closes the channel (see {@link Channel.close}), clears the timer and stops listening to the signal. */
  override close(reason?: unknown): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
    super.close(reason);
  }

  /** The signal's `abort` listener: closes the channel. */
  handleEvent(): void {
    this.close();
  }
}
