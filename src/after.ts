/**
 * `after(ms)`: Go's `time.After`, a channel that delivers one timestamp and closes.
 */
import { type Channel, commitPush, type OperationOptions } from './channel.js';
import { checkOptions, describe } from './interop/check.js';
import { TimerChannel } from './interop/timer.js';

/**
 * A channel that receives `Date.now()` once, `ms` milliseconds from now, and then closes (the
 * value stays readable) — the timeout idiom for a select: `pull(after(ms))` is a case that
 * fires once the time is up.
 *
 * - With a `signal` that aborts first, the timer is cleared, no value is ever delivered and
 *   the channel is closed at once.
 * - Closing the channel before it fires (by hand, or `using`) clears the timer: nothing fires
 *   later, and no timer keeps the program running.
 * - A delay ≤ 0 — negative too, as a deadline that has passed gives (`after(deadline -
 *   Date.now())`) — fires at once, as `after(0)` does: on the next timer turn (Go's
 *   `time.After(d)` with d ≤ 0; `setTimeout` reads a negative delay as 0).
 * - Any finite delay works, also beyond `setTimeout`'s 2³¹−1 ms (the timer is chained), so
 *   `after(Number.MAX_SAFE_INTEGER)` never fires in practice. `Infinity` is a `RangeError`,
 *   not "never": for no timeout, leave the case out (a `null` case) or use that.
 * - The channel is created with `input: true`: debug mode shows waiting on it as waiting for
 *   input, never as stuck.
 *
 * @param ms the delay: a finite number (≤ 0: at once).
 * @param options `signal` cancels the timer and closes the channel.
 * @returns a buffered (capacity 1) channel named `after(ms)`.
 * @throws {TypeError} if `ms` is not a number, `options` is not an object or `signal` is not an
 *   `AbortSignal`.
 * @throws {RangeError} if `ms` is `NaN` or infinite.
 * @example
 * ```ts
 * import { after, Channel, pull, select } from 'chanasync';
 *
 * const replies = new Channel<string>();
 * const result = await select([pull(replies), pull(after(100))]);
 * if (result.index === 1) console.log('no reply within 100 ms'); // no reply within 100 ms
 * ```
 */
export function after(ms: number, options?: OperationOptions): Channel<number> {
  if (typeof ms !== 'number') throw new TypeError(`after(ms): ms must be a number, got ${describe(ms)}`);
  if (!(ms > -Infinity && ms < Infinity)) throw new RangeError(`after(ms): ms must be a finite number, got ${ms}`);
  const signal = checkOptions('after(ms, options)', options);
  const channel = new TimerChannel(`after(${ms})`, signal);
  // (Closed by a signal already aborted: it never fires.)
  if (!channel.isClosed) {
    // A negative delay waits 0 ms, as setTimeout reads it (said explicitly: Node 23+ warns).
    const due = Date.now() + ms;
    let again = 0;
    const fire = () => {
      // Node fires a timer up to a millisecond early by `Date.now()`: a timer a little early
      // (by at most half the delay, or once by at most 2 ms: for a delay under 4 ms that is
      // more than half) waits the rest, so the value is never before start + ms.
      // Early by more — the clock was set back, or fake timers leave `Date` real — it fires
      // now, as the ticker does, rather than wait for a clock that may never catch up.
      const early = due - Date.now();
      if (early > 0 && (early <= ms / 2 || (early <= 2 && !again++))) channel.wait(early, fire);
      else {
        commitPush(channel, Date.now());
        channel.close();
      }
    };
    channel.wait(Math.max(ms, 0), fire);
  }
  return channel;
}
