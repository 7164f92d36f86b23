/**
 * A pull parked with a signal on a channel that nothing else holds, for tests of what the
 * signal's watch keeps once the channel is collected (the operation's way out: the abort still
 * rejects it). Imports the built package, as the audit folders that use it do.
 */
import { Channel } from 'chanasync';

/**
 * Parks a pull with `signal` on a fresh channel and drops the channel: a weak ref to it (for
 * `collectAll`), and how the pull settles — `'resolved'`, or `'rejected <message>'`.
 */
export function abandonedPull(signal: AbortSignal): { channel: WeakRef<object>; settled: Promise<string> } {
  const channel = new Channel<number>();
  const settled = channel.pull({ signal }).then(
    () => 'resolved',
    (error: unknown) => `rejected ${(error as Error).message}`,
  );
  return { channel: new WeakRef(channel), settled };
}
