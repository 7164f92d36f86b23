/**
 * `merge`: fan-in of several channels into one, by selecting over them on demand.
 */
import { Channel, closedError, type OperationOptions } from '../channel.js';
import { ChannelEmptyError } from '../errors.js';
import { type PullCase, pull, type SelectResult, select, selectNowait } from '../select.js';

/**
 * The channel {@link merge} returns. It holds nothing of its own: each pull selects over the
 * inputs (and over pushes made to the merged channel itself), so a value leaves its input
 * only when a consumer takes it. Nothing is ever in flight between an input and the output,
 * which is what lets closing the merged channel — or an input failing — lose no value.
 */
class MergedChannel<T> extends Channel<T> {
  /** `pull(this)`, then a pull case per input still open; `null` once an input is drained. */
  readonly cases: (PullCase<T> | null)[];
  /** How many inputs are not yet closed and drained. */
  live: number;

  constructor(inputs: readonly Channel<T>[]) {
    super(0, { name: 'merge' });
    inputs.forEach((input, index) => {
      if (!(input instanceof Channel)) throw new TypeError(`merge(...channels): argument ${index} is not a Channel`);
    });
    this.cases = [pull<T>(this), ...inputs.map((input) => pull(input))];
    this.live = inputs.length;
    if (this.live === 0) this.close();
  }

  override pull(options?: OperationOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return receive(this, signal).then((result) =>
      result.done ? Promise.reject(closedError(this, 'pull')) : result.value,
    );
  }

  override pullNowait(): T {
    for (;;) {
      if (this.isClosed) throw closedError(this, 'pullNowait');
      const result = selectNowait(this.cases);
      if (result === undefined) throw new ChannelEmptyError('pullNowait', 'is empty', this);
      if (result.ok) return result.value as T;
      settleClosed(this, result);
    }
  }

  override [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return {
      next: () =>
        receive(this, undefined).then((result) =>
          result.done && this.reason !== undefined ? Promise.reject(this.reason) : result,
        ),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

/** The next value from any input, or `done` once the merged channel is closed. */
async function receive<T>(merged: MergedChannel<T>, signal: AbortSignal | undefined): Promise<IteratorResult<T>> {
  for (;;) {
    if (merged.isClosed) return { done: true, value: undefined };
    const result = await select(merged.cases, { signal });
    if (result.ok) return { done: false, value: result.value as T };
    settleClosed(merged, result);
  }
}

/**
 * A pull case fired with `ok: false`: the merged channel itself was closed (case 0), or an
 * input is closed and drained — stop selecting on it, and close the merged channel once no
 * input is left, or at once, with the input's reason, if it was closed with one.
 */
function settleClosed<T>(merged: MergedChannel<T>, result: SelectResult): void {
  if (result.index === 0 || merged.cases[result.index] === null) return;
  merged.cases[result.index] = null;
  merged.live--;
  const reason = (result.channel as Channel<T>).reason;
  if (reason !== undefined) merged.close(reason);
  else if (merged.live === 0) merged.close();
}

/**
 * Fan-in: a channel that delivers the values of all `channels`, keeping each input's order
 * (values of different inputs interleave; when several inputs have a value, one is chosen at
 * random, as `select` does).
 *
 * - Backpressure reaches the inputs: a value leaves its input only when a consumer of the
 *   merged channel takes it, so a slow consumer loses nothing and producers wait as usual.
 * - The merged channel closes once every input is closed and drained — or at once when an
 *   input is closed with a reason, which it then carries (`for await` throws it). Values still
 *   in the other inputs stay there.
 * - Closing the merged channel stops it reading; the inputs are left as they are (open, and
 *   with their values).
 * - A value pushed into the merged channel itself is delivered like an input's.
 *
 * @throws {TypeError} if an argument is not a {@link Channel}.
 * @example
 * ```ts
 * for await (const message of merge(chat, notifications, alerts)) show(message);
 * ```
 */
export function merge<T>(...channels: Channel<T>[]): Channel<T> {
  return new MergedChannel(channels);
}
