/**
 * Operations with a signal, for tests of its watch (`src/signals.ts`): a pull parked on a
 * channel that nothing else holds (what the watch keeps once the channel is collected: the
 * operation's way out, which the abort still rejects), and a live operation that parks and
 * leaves (what each operation's sweep does). Imports the built package, as the audit folders
 * that use it do.
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

/** A live operation parks with `signal` and commits at once: it joins the signal's set and leaves it. */
export async function liveOperationComesAndGoes(signal: AbortSignal): Promise<void> {
  const channel = new Channel<number>();
  const pulled = channel.pull({ signal });
  channel.tryPush(1);
  await pulled;
}
