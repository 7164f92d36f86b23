/**
 * `fromEvent`: DOM (or any `EventTarget`) events as a channel.
 */
import type { Channel, Overflow } from '../channel.js';
import { ReleasingChannel } from './releasing-channel.js';

/** Options of {@link fromEvent}. */
export interface FromEventOptions {
  /** Buffer capacity (default `1`). */
  capacity?: number;
  /**
   * What happens to an event that finds the buffer full (default `'drop-oldest'`: the latest
   * event wins, the usual need for pointer moves and input). `'block'` keeps every event,
   * queued as parked pushes, however far the consumer falls behind.
   */
  overflow?: Overflow;
  /** Stops listening and closes the channel. */
  signal?: AbortSignal | undefined;
  /** Passed to `addEventListener` (`capture`, `passive`). */
  listenerOptions?: AddEventListenerOptions;
}

/**
 * A channel of the `type` events dispatched at `target` — by default a conflated channel
 * (capacity 1, `'drop-oldest'`) that always holds the latest event.
 *
 * The listener is removed, and the channel closed, when `signal` aborts; closing the channel
 * yourself removes the listener too. Either way buffered events stay readable.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * for await (const event of fromEvent(input, 'input', { signal: controller.signal })) {
 *   search((event.target as HTMLInputElement).value);
 * }
 * ```
 */
export function fromEvent<E extends Event = Event>(
  target: EventTarget,
  type: string,
  options?: FromEventOptions,
): Channel<E> {
  const signal = options?.signal;
  const overflow = options?.overflow ?? 'drop-oldest';
  const listener = (event: Event) => {
    // A drop policy never refuses; 'block' parks the event in line (closing discards it).
    if (overflow === 'block') channel.push(event as E).catch(() => {});
    else channel.pushNowait(event as E);
  };
  const onAbort = () => channel.close();
  const channel = new ReleasingChannel<E>(options?.capacity ?? 1, { overflow, name: `fromEvent(${type})` }, () => {
    target.removeEventListener(type, listener, options?.listenerOptions);
    signal?.removeEventListener('abort', onAbort);
  });
  if (signal?.aborted) {
    channel.close();
    return channel;
  }
  target.addEventListener(type, listener, options?.listenerOptions);
  signal?.addEventListener('abort', onAbort);
  return channel;
}
