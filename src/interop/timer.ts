/**
 * The channel of `after` and `ticker`: a capacity-1 channel fed by a timer, which closing
 * clears — whoever closes it (by hand, `using`, the signal) — so a closed timer channel never
 * fires later and never keeps a program running.
 *
 * Invariant: `timer` is pending only while the channel is open; `close()` clears it and no
 * timer is started afterwards (every start happens in a timer callback of an open channel, or
 * at creation).
 */
import { Channel } from '../channel.js';
import { type Cancellable, type Ref, unwatch, watch } from '../signals.js';

/** The longest delay `setTimeout` takes (2³¹−1 ms, about 24.8 days); longer ones fire at once. */
const LONGEST = 2147483647;

/**
 * A capacity-1 channel of timestamps, fed by a timer that closing clears.
 *
 * Its signal watches it as it watches parked operations (`signals.ts`): one `abort` listener
 * per signal, however many timer channels share it. The timeout idiom
 * `select([pull(data), pull(after(ms, { signal }))])` in a loop leaves each lost `after`
 * channel open until its timer fires; with a listener each, a component's one signal would
 * collect one per iteration (and Node warns from the eleventh on).
 */
export class TimerChannel extends Channel<number> implements Cancellable {
  /** The pending timer; cleared by `close()`. (Declared, not initialized: fewer bytes.) */
  declare timer: ReturnType<typeof setTimeout> | undefined;
  /** The handle of this channel in its signal's watch, while open. */
  ref: Ref | undefined;
  /**
   * `setTimeout` as it was when the channel was made, for every hop and tick: a ticker made on
   * real timers stays on them when a test fakes the timers later — rather than moving onto the
   * fake clock at its next tick and dying with it when the test restores the real timers.
   */
  readonly set = setTimeout;
  /**
   * `clearTimeout` as it was then too: the one that clears `set`'s timers. A fake one installed
   * later ignores a real timer (Node's test runner's mock timers; Jest's and vitest's without
   * `shouldClearNativeTimers`), and a closed ticker would tick on, for ever.
   */
  readonly clear = clearTimeout;

  /**
   * @param name the channel's name, e.g. `after(100)`.
   * @param signal closes the channel when it aborts, or at once when it already has (checked by
   *   the caller).
   */
  constructor(
    name: string,
    readonly signal: AbortSignal | undefined,
  ) {
    super(1, { name, input: true });
    // `aborted` is read here, once, before the signal is watched: a getter that throws then
    // leaves no listener behind (audit BI-1), and an already aborted signal closes the channel
    // at once, before it is watched.
    if (signal?.aborted) this.close();
    else if (signal) this.ref = watch(signal, this);
  }

  /**
   * Calls `then` after `ms` milliseconds, in hops of at most 2³¹−1 ms, so a longer delay waits
   * as long as it says instead of firing at once. A `setTimeout` that throws — workerd allows
   * 10,000 active timers per request — closes the channel with its error as the reason (so
   * nothing waits on a timer that will never fire, and the signal's watch is released), then
   * throws it: from `after` and `ticker` at creation, from a timer callback later.
   */
  wait(ms: number, then: () => void): void {
    const set = this.set; // called as a plain function: a browser's setTimeout refuses another `this`
    try {
      this.timer = set(() => (ms > LONGEST ? this.wait(ms - LONGEST, then) : then()), Math.min(ms, LONGEST));
    } catch (error) {
      this.close(error);
      throw error;
    }
  }

  /**
   * Closes the channel (see {@link Channel.close}), clears the timer and stops watching the
   * signal. The close comes first: it refuses a `this` that is not a channel (a detached
   * `timer.close`) before anything is touched.
   */
  override close(reason?: unknown): void {
    super.close(reason);
    const clear = this.clear; // called as a plain function, as `set` is
    clear(this.timer);
    if (this.ref) unwatch(this.signal as AbortSignal, this.ref);
  }

  /** The signal aborted: close the channel. */
  cancel(): void {
    this.close();
  }
}
