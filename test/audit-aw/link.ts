/**
 * What the port files of audit AW share: a local channel linked to a `fromPort` of the given
 * capacity over a fresh `MessageChannel`, and remote pulls parked and then aborted together.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `local` (capacity 0) → `toPort` → `fromPort` (`capacity`) = `remote`; `done` is toPort's promise. */
export function link<T>(capacity: number) {
  const { port1, port2 } = new MessageChannel();
  const local = new Channel<T>(0);
  const remote = fromPort<T>(port2, { capacity });
  const done = toPort(local, port1);
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
 * Parks `count` pulls on `remote`, waits until their credit reached the sender (30 ms), aborts
 * them with one signal and returns what each pull settled with (its error).
 */
export async function parkThenAbortPulls<T>(remote: Channel<T>, count: number, reason?: unknown): Promise<unknown[]> {
  const controller = new AbortController();
  const pulls = Array.from({ length: count }, () =>
    remote.pull({ signal: controller.signal }).then(
      (value) => value,
      (error: unknown) => error,
    ),
  );
  await sleep(30); // credit granted
  controller.abort(reason);
  return Promise.all(pulls);
}
