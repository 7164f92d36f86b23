/**
 * What the port files of audit AW share: a local channel linked to a `fromPort` of the given
 * capacity over a fresh `MessageChannel`, and remote pulls parked and then aborted together.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { until } from '../helpers/poll.js';
import { onCredit } from '../helpers/ports.js';

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** For each `remote` of {@link link}: the most credit its sender has heard of so far. */
const heardCredit = new WeakMap<object, () => number>();

/** `local` (capacity 0) → `toPort` → `fromPort` (`capacity`) = `remote`; `done` is toPort's promise. */
export function link<T>(capacity: number) {
  const { port1, port2 } = new MessageChannel();
  const local = new Channel<T>(0);
  const remote = fromPort<T>(port2, { capacity });
  const done = toPort(local, port1);
  let granted = 0;
  onCredit(port1, (heard) => {
    granted = Math.max(granted, heard);
  });
  heardCredit.set(remote, () => granted);
  return {
    port1,
    port2,
    local,
    remote,
    done,
    closePorts(): void {
      port1.close();
      port2.close();
    },
  };
}

/**
 * Parks `count` pulls on `remote` (made by {@link link}), waits until their credit reached the
 * sender, aborts them with one signal and returns what each pull settled with (its error).
 */
export async function parkThenAbortPulls<T>(remote: Channel<T>, count: number, reason?: unknown): Promise<unknown[]> {
  const heard = heardCredit.get(remote);
  if (heard === undefined) throw new Error('parkThenAbortPulls: remote was not made by link()');
  const controller = new AbortController();
  const pulls = Array.from({ length: count }, () =>
    remote.pull({ signal: controller.signal }).then(
      (value) => value,
      (error: unknown) => error,
    ),
  );
  // Their credit reached the sender (a fixed sleep can end first on a loaded machine).
  await until(() => heard() >= count);
  controller.abort(reason);
  return Promise.all(pulls);
}
