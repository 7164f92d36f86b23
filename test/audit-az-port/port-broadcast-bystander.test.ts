/**
 * Auditor AZ — `toPort` over a `BroadcastChannel` (README, Semantic details: "a stream over it
 * runs on the first receiver that answers and addresses its values, ends and heartbeats to it,
 * so another receiver of that name takes none of them; it stays open while the stream runs and
 * closes as gone after the heartbeat once it ended").
 *
 * A second receiver of the name (another tab, another Worker) that heard the sender's `open`
 * binds to its session although the sender never runs on it. It then takes part in the
 * heartbeat of a stream that is not its own: it answers the sender's pings (addressed to the
 * other receiver) and pings the sender itself, and the sender counts both as signs of life of
 * its receiver. Node's `BroadcastChannel`; the same in Chromium is in
 * `port-broadcast-bystander.chromium.test.ts`.
 */
import { Channel } from 'chanasync';
import { fromPort, GONE_AFTER_MS, type PortLike, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const closable of opened.splice(0)) closable.close();
});

function broadcast(name: string): PortLike & BroadcastChannel {
  const channel = new BroadcastChannel(name);
  opened.push(channel);
  return channel as PortLike & BroadcastChannel;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > ms) throw new Error('condition not reached');
    await sleep(5);
  }
}

/**
 * A sender and one or two receivers of one name on a BroadcastChannel; the receiver the stream
 * runs on gets its 2 values (capacity 2, nobody pulls), then its context "dies": its
 * BroadcastChannel is closed, so it neither hears nor posts anything more (as a terminated
 * Worker or a closed tab). Returns how `toPort` settled within `waitMs` of the death.
 */
async function receiverDies(withBystander: boolean, waitMs: number) {
  const name = `az-bc-${Math.random()}`;
  const sendPort = broadcast(name);
  const ports = [broadcast(name), ...(withBystander ? [broadcast(name)] : [])];
  const receivers = ports.map((port) => fromPort<number>(port, { capacity: 2 }));
  const local = new Channel<number>(Infinity);
  for (let i = 0; i < 10; i++) local.pushNowait(i);
  // A listener of the name that only watches: the receiver acknowledges its 2 values in a
  // `credit` posted at the end of its turn, a task after they are in its channel. The context
  // dies once that acknowledgement is out, so that the sender counts them sent (a context that
  // dies between the two leaves them in `undelivered`, as the README says: CI saw that).
  const spy = broadcast(name);
  let acknowledged = 0;
  spy.addEventListener('message', (event) => {
    const data = (event as MessageEvent).data;
    if (data?.type === 'credit') acknowledged = Math.max(acknowledged, data.committed);
  });
  const done = toPort(local, sendPort);
  await until(() => receivers.some((receiver) => receiver.size === 2) && acknowledged === 2);
  const index = receivers.findIndex((receiver) => receiver.size === 2);
  const died = performance.now();
  (ports[index] as BroadcastChannel).close(); // the context the stream runs on is gone
  let settledAfter: number | undefined;
  const result = await Promise.race([
    done.then((value) => {
      settledAfter = performance.now() - died;
      return value;
    }),
    sleep(waitMs).then(() => 'still pending' as const),
  ]);
  // Clean up whatever the outcome: the bystander and the sender.
  for (const receiver of receivers) receiver.close();
  local.close();
  return { result, settledAfter, leftLocally: local.size };
}

describe('toPort over a BroadcastChannel: the receiver it runs on dies', () => {
  it('probe (holds): with no other receiver of the name, toPort settles by the heartbeat with sent 2', async () => {
    const { result, settledAfter, leftLocally } = await receiverDies(false, GONE_AFTER_MS + 5000);
    expect(result).toEqual({ sent: 2, undelivered: [] });
    expect(settledAfter).toBeLessThan(GONE_AFTER_MS + 3000); // 5 to 5.5 s, and a loaded machine's late timers
    expect(leftLocally).toBe(8);
  }, 20_000);

  it('toPort settles by the heartbeat when the receiver it runs on dies, though another receiver of that name listens on the BroadcastChannel', async () => {
    // Observed: still pending after GONE_AFTER_MS + 4 s (and after 14 s in a script): the
    // other receiver answers the sender's pings and pings it, and the sender takes that for
    // its dead receiver's life.
    const { result } = await receiverDies(true, GONE_AFTER_MS + 4000);
    expect(result).toEqual({ sent: 2, undelivered: [] });
  }, 20_000);
});

describe('toPort over a BroadcastChannel: the other receiver of the name while the stream runs', () => {
  it('a second receiver of the name stays open while a busy stream runs on the first (README: "it stays open while the stream runs")', async () => {
    const name = `az-bc-busy-${Math.random()}`;
    const sendPort = broadcast(name);
    const first = fromPort<number>(broadcast(name), { capacity: 4 });
    const second = fromPort<number>(broadcast(name), { capacity: 4 });
    const local = new Channel<number>(4);
    const done = toPort(local, sendPort);
    let otherError: unknown;
    let otherClosedAt: number | undefined;
    const start = performance.now();
    const watch = (receiver: Channel<number>) =>
      (async () => {
        const got: number[] = [];
        try {
          for await (const value of receiver) got.push(value);
        } catch (error) {
          otherError ??= error;
          otherClosedAt ??= Math.round(performance.now() - start);
        }
        return got;
      })();
    const consumers = [watch(first), watch(second)];
    // A producer that never stops for long: the stream is busy for 10 s.
    let n = 0;
    while (performance.now() - start < 10_000) {
      await local.push(n++);
      if (n % 50 === 0) await sleep(20);
    }
    const openWhileRunning = [first.closed, second.closed];
    const ended = Math.round(performance.now() - start);
    local.close();
    const result = await done;
    const [a, b] = await Promise.all(consumers);
    // Every value reached exactly one receiver, in order (this part holds).
    const winner = (a as number[]).length > 0 ? (a as number[]) : (b as number[]);
    expect(winner).toEqual([...Array(n).keys()]);
    expect(result).toEqual({ sent: n, undelivered: [] });
    // Was: the other receiver closed at about 8.5 s with "the other side is gone (it did not
    // answer for 5000 ms after this context could answer nothing for 3500 ms)" — though its
    // context was never blocked and the stream still ran. It stays open while the stream runs,
    // and closes as gone after the heartbeat once the stream ended (README).
    expect(openWhileRunning).toEqual([false, false]);
    expect(otherClosedAt).toBeGreaterThanOrEqual(ended);
    expect(String(otherError)).toMatch(/the other side is gone \(sent nothing for \d+ ms\)/);
  }, 25_000);
});
