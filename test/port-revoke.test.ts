/**
 * SPEC "Channels across contexts": with capacity 0 there is "one credit per parked pull, so
 * `push` on the sending side resolves only once a remote pull took the value — a rendezvous
 * across contexts". A parked pull that gives up (its signal aborts, a select's other case wins,
 * a push made on the receiving side serves it) takes its credit back (src/port/receiver.ts,
 * `revoke`): once the sender has heard of it, no local push resolves on that credit. Values
 * the sender posted before it heard wait at the receiver for the next pulls, in order, and
 * those pulls raise no new credit for them. Node's MessageChannel (the web's ports).
 */
import { describe, expect, test } from 'vitest';
import { Channel } from '../src/channel.js';
import { fromPort, toPort } from '../src/port/index.js';
import { pull, select } from '../src/select.js';
import { closePortsAfterEach, ports, sleep } from './helpers/ports.js';

closePortsAfterEach();

/** A local channel of capacity 0 linked to a remote one of capacity 0; `resolved()` counts its pushes that resolved. */
function rendezvous() {
  const [here, there] = ports();
  const local = new Channel<number>(0);
  const remote = fromPort<number>(there, { capacity: 0 });
  const done = toPort(local, here);
  let count = 0;
  const push = (value: number) =>
    local.push(value).then(() => {
      count++;
    });
  /**
   * Once the sender has heard of what the test did, a push of `value` waits for a remote pull,
   * which takes it; then the stream ends with one value sent.
   */
  const pushWaitsForPull = async (value: number) => {
    await sleep(CROSS_MS);
    const pushed = push(value);
    await sleep(CROSS_MS * 2);
    expect(count).toBe(0);
    expect(await remote.pull()).toBe(value);
    await pushed;
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  };
  return { local, remote, done, push, resolved: () => count, pushWaitsForPull };
}

/** Long enough for a message to cross and its answer to come back. */
const CROSS_MS = 30;

describe('capacity 0: a remote pull that gives up takes its credit back', () => {
  test('four parked pulls aborted together: later local pushes wait for remote pulls, which take them in order', async () => {
    const { local, remote, done, push, resolved } = rendezvous();
    const controller = new AbortController();
    const pulls = [0, 1, 2, 3].map(() =>
      remote.pull({ signal: controller.signal }).catch((error: Error) => error.name),
    );
    await sleep(CROSS_MS); // their credit reached the sender
    controller.abort();
    expect(await Promise.all(pulls)).toEqual(['AbortError', 'AbortError', 'AbortError', 'AbortError']);
    await sleep(CROSS_MS); // the credit taken back reached the sender
    const pushes = [10, 11, 12, 13].map(push);
    await sleep(CROSS_MS * 2);
    expect(resolved()).toBe(0);
    expect(local.stats().waitingPushers).toBe(4);
    for (const value of [10, 11, 12, 13]) expect(await remote.pull()).toBe(value);
    await Promise.all(pushes);
    local.close();
    expect(await done).toEqual({ sent: 4, undelivered: [] });
  });

  test('concurrent pulls that time out leave no credit: pushes made later wait for a pull', async () => {
    const { remote, pushWaitsForPull } = rendezvous();
    const timedOut = await Promise.allSettled(
      [0, 1, 2].map(() => remote.pull({ signal: AbortSignal.timeout(CROSS_MS) })),
    );
    expect(timedOut.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await pushWaitsForPull(1);
  });

  test("a select whose other case won takes its remote pull's credit back", async () => {
    const { remote, pushWaitsForPull } = rendezvous();
    const other = new Channel<string>(1);
    const selected = select([pull(remote), pull(other)]);
    await sleep(CROSS_MS); // the select's remote case has its credit at the sender
    other.pushNowait('elsewhere');
    expect(await selected).toMatchObject({ index: 1, value: 'elsewhere' });
    await pushWaitsForPull(7);
  });

  test('a parked pull served by a push made on the receiving side gives its credit back', async () => {
    const { remote, pushWaitsForPull } = rendezvous();
    const pulled = remote.pull();
    await sleep(CROSS_MS);
    expect(remote.tryPush(99)).toBe(true); // this side's own value, to the parked pull
    expect(await pulled).toBe(99);
    await pushWaitsForPull(1);
  });

  test('values posted before the sender heard wait for the next pulls, in order, and those pulls raise no new credit', async () => {
    const { local, remote, done, push, resolved } = rendezvous();
    const controller = new AbortController();
    const pulls = [0, 1].map(() => remote.pull({ signal: controller.signal }).catch(() => 'aborted'));
    await sleep(CROSS_MS);
    // In the same turn as the abort, before the sender can hear of it: both go on the old credit.
    controller.abort();
    const early = [0, 1].map(push);
    expect(await Promise.all(pulls)).toEqual(['aborted', 'aborted']);
    await Promise.all(early);
    await sleep(CROSS_MS);
    const late = [2, 3].map(push);
    await sleep(CROSS_MS * 2);
    expect(resolved()).toBe(2); // only the two posted before the sender heard
    // Each pull takes the oldest value; a value that waited at the receiver raises no credit,
    // so the late pushes still go one per pull.
    expect(await remote.pull()).toBe(0);
    expect(await remote.pull()).toBe(1);
    await sleep(CROSS_MS * 2);
    expect(resolved()).toBe(2);
    expect(await remote.pull()).toBe(2);
    expect(await remote.pull()).toBe(3);
    await Promise.all(late);
    local.close();
    expect(await done).toEqual({ sent: 4, undelivered: [] });
  });

  test('a buffered remote channel keeps its credit when a pull gives up (the room is still there)', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(there, { capacity: 2 });
    const done = toPort(local, here);
    await sleep(CROSS_MS);
    await remote.pull({ signal: AbortSignal.timeout(5) }).catch(() => {});
    await sleep(CROSS_MS);
    await local.push(1); // room for two: both resolve without a pull
    await local.push(2);
    await sleep(CROSS_MS);
    expect(remote.size).toBe(2);
    local.close();
    expect(await remote.pullMany(2)).toEqual([1, 2]);
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });
});
