/**
 * `ticker(ms)`: Go's `time.Ticker`, a channel that receives a timestamp every `ms`.
 */
import { type Channel, commitPush, type OperationOptions } from './channel.js';
import { checkOptions, describe } from './interop/check.js';
import { TimerChannel } from './interop/timer.js';

/** How early (ms) a timer may run by the clock and still be on time: rounding, not earliness. */
const ON_TIME = 1e-3;

/**
 * A channel of capacity 1 that receives `Date.now()` every `ms` milliseconds until it is
 * closed — Go's `time.Ticker`.
 *
 * - No drift: the ticks are due at start + k·`ms`. A timer that fires late does not push the
 *   later ticks back; each tick's value is the time it was delivered.
 * - A tick that finds the buffer full is dropped (Go drops ticks for slow readers): a reader
 *   that comes back after a while finds one tick waiting, and the next one on the schedule.
 * - Closing the channel (by hand, `using`) or aborting the signal clears the timer: nothing
 *   fires later, and no timer keeps the program running. With a signal already aborted, the
 *   channel is closed at once and never ticks.
 * - Periods beyond `setTimeout`'s 2³¹−1 ms work (the timer is chained).
 * - When the clock does not follow the timers — it was set back, or fake timers fake
 *   `setTimeout` but leave `Date` real (Jest's legacy timers, vitest's
 *   `toFake: ['setTimeout']`) — the timers set the pace: a timer that fires more than half a
 *   period early by the clock ticks at once (its value still `Date.now()`), and the schedule
 *   starts afresh from then rather than waiting for a clock that may never catch up.
 * - The channel is created with `input: true`: debug mode shows waiting on it as waiting for
 *   input, never as stuck.
 *
 * @param ms the period: a positive finite number.
 * @param options `signal` stops the ticker and closes the channel.
 * @returns a buffered (capacity 1) channel named `ticker(ms)`.
 * @throws {TypeError} if `ms` is not a number, `options` is not an object or `signal` is not an
 *   `AbortSignal`.
 * @throws {RangeError} if `ms` is not positive and finite.
 * @example
 * ```ts
 * import { ticker } from 'chanasync';
 *
 * const urls = ['/a', '/b', '/c'];
 * // At most one request per 100 ms.
 * using ticks = ticker(100);
 * for (const url of urls) {
 *   await ticks.pull();
 *   void fetch(url);
 * }
 * ```
 */
export function ticker(ms: number, options?: OperationOptions): Channel<number> {
  if (typeof ms !== 'number') throw new TypeError(`ticker(ms): ms must be a number, got ${describe(ms)}`);
  if (!(ms > 0 && ms < Infinity)) throw new RangeError(`ticker(ms): ms must be a positive finite number, got ${ms}`);
  const signal = checkOptions('ticker(ms, options)', options);
  const channel = new TimerChannel(`ticker(${ms})`, signal);
  // Closed by a signal already aborted: it never ticks.
  if (channel.isClosed) return channel;
  // Ticks are due at start + k·ms. Each due time is computed from `start`, not by adding to the
  // last one: at epoch-sized clock values (an ulp of 1.7e12 is 2.4e-4 ms) such sums drift off
  // the schedule, and a late timer that ran on a point of it counted one period short, so the
  // next tick came due at once — a second tick for the same point a timer turn later.
  let start = Date.now();
  let due = start + ms;
  let again = 0;
  const tick = () => {
    const now = Date.now();
    const early = due - now;
    // Node fires a timer up to a millisecond and a half early by `Date.now()`, and fake timers
    // run a timer of less than 1 ms at once: a timer a little early — by at most half a period,
    // or once per tick by at most 2 ms (for a period under 4 ms that is more than half) — waits
    // for the rest, as `after` does. (It ticked at once and restarted its schedule there, so a
    // ticker(2.2) on Node ran ticks ahead of its periods: audit BL-4 and BL-5.)
    // Early by less than a microsecond is on time: that is the arithmetic's rounding (at
    // epoch-sized values an ulp is 2.4e-4 ms; 15 · (1000/60) is 250.00000000000003), not a
    // timer that fired early — waiting it out cost a timer turn of 1 ms, 2 on a fake clock
    // (audit BN-interop-2: ticks of a ticker(1000/60) came up to 9 ms late).
    if (early > ON_TIME && (early <= ms / 2 || (early <= 2 && !again++))) return channel.wait(early, tick);
    again = 0;
    // Early by more — the clock was set back, or it does not move with the timers (fake timers
    // that leave Date real): waiting for it could take for ever. The timer counts, and the
    // schedule restarts from now.
    if (early > ON_TIME) due = start = now;
    // A full buffer refuses the tick: it is dropped, as Go drops ticks for slow readers.
    commitPush(channel, now);
    // The first point of the schedule after now: late timers skip ticks, never shift them.
    // Checked by time, not by the count alone: a timer that runs on a point of the schedule
    // must count that point, which the division may put a hair short of it (a fixed epsilon
    // on the count stops helping after 2^24 periods: audit BC, a 1000/60 ms ticker ticked
    // twice for each whole-millisecond point after five days). At most now + ms: a period
    // too small for the arithmetic (1e-320, whose count of ticks overflows to Infinity)
    // then ticks once per timer turn instead of stopping the ticker.
    let count = Math.floor((now - start) / ms) + 1;
    if (start + ms * count <= now + ON_TIME) count++;
    due = Math.min(start + ms * count, now + ms);
    // Unless the commit ran user code that closed the ticker (a `Proxy` signal's `aborted`
    // getter on a parked pull): its close cleared the timer that called this, and must stay so.
    if (!channel.isClosed) channel.wait(due - now, tick);
  };
  channel.wait(ms, tick);
  return channel;
}
