/**
 * `after(ms)`: Go's `time.After`, a channel that delivers one timestamp and closes.
 */
import { Channel, type OperationOptions } from './channel.js';

/**
 * A channel that receives `Date.now()` once, `ms` milliseconds from now, and then closes (the
 * value stays readable). With a `signal` that aborts first, the timer is cleared, no value is
 * ever delivered and the channel is closed at once. The timeout idiom for a select:
 *
 * @param ms the delay: a finite number ≥ 0.
 * @param options `signal` cancels the timer.
 * @returns a buffered (capacity 1) channel named `after(ms)`.
 * @throws {RangeError} if `ms` is negative, `NaN` or infinite; {TypeError} if not a number.
 * @example
 * ```ts
 * const result = await select([pull(replies), pull(after(100))]);
 * if (result.index === 1) console.log('no reply within 100 ms');
 * ```
 */
export function after(ms: number, options?: OperationOptions): Channel<number> {
  if (typeof ms !== 'number') throw new TypeError(`after(ms): ms must be a number, got ${typeof ms}`);
  if (!(ms >= 0 && ms < Infinity)) throw new RangeError(`after(ms): ms must be a finite number ≥ 0, got ${ms}`);
  const channel = new Channel<number>(1, { name: `after(${ms})` });
  const signal = options?.signal;
  if (signal?.aborted) {
    channel.close();
    return channel;
  }
  const onAbort = () => {
    clearTimeout(timer);
    channel.close();
  };
  const timer = setTimeout(() => {
    signal?.removeEventListener('abort', onAbort);
    channel.pushNowait(Date.now());
    channel.close();
  }, ms);
  signal?.addEventListener('abort', onAbort);
  return channel;
}
