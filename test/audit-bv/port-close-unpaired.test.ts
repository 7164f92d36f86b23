/**
 * Audit BV (ports): a `fromPort` closed before any sender paired with it — in the turn it was
 * created, say, with the `toPort` started beside it — told no sender, so that `toPort` waited
 * for ever with every value in its channel, against the SPEC's "When the receiver closes its
 * channel, the sender stops pulling at once and `toPort` resolves". It now posts `ready` with
 * `closedAt` at the end of that turn, unless a new receiver of the name took its place there
 * (a component that closes and reopens its stream in one turn keeps its sender); a sender
 * pairing since before that close ends, one started after it waits for the next receiver.
 */
import { getEventListeners } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel as NodeMessageChannel, Worker } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, test } from 'vitest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, sleep(ms).then(() => 'still waiting' as const)]);

describe('a receiver closed before it paired ends the sender pairing with it (audit BV)', () => {
  test('fromPort, toPort and close in one turn: toPort resolves with nothing sent, and the values stay', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    remote.close();
    expect(await within(sending, 2000)).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(3);
    expect(local.closed).toBe(false);
    expect(getEventListeners(port1, 'message')).toHaveLength(0);
    expect(getEventListeners(port2, 'message')).toHaveLength(0);
    port1.close();
  });

  test('toPort first, then a receiver made and closed in the next turn: the same', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<string>(Infinity);
    local.pushNowait('kept');
    const sending = toPort(local, port1, { name: 'jobs' });
    await sleep(0);
    fromPort<string>(port2, { name: 'jobs' }).close();
    expect(await within(sending, 2000)).toEqual({ sent: 0, undelivered: [] });
    expect(local.tryPull()).toBe('kept');
    port1.close();
  });

  test('closed and opened again in one turn (a remount): the sender pairs with the new receiver', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    await local.pushAll([1, 2, 3]);
    local.close();
    const sending = toPort(local, port1);
    fromPort<number>(port2).close();
    const again = fromPort<number>(port2);
    const got: number[] = [];
    for await (const value of again) got.push(value);
    expect(got).toEqual([1, 2, 3]);
    expect(await within(sending, 2000)).toEqual({ sent: 3, undelivered: [] });
    port1.close();
  });

  // A sender started after the close: in a later turn, or in the same one (the same
  // millisecond, ordered by this context's count of pairing events).
  test.each([
    ['in a later turn', () => new Promise((resolve) => setTimeout(resolve, 5))],
    ['in the same turn', () => undefined],
  ])('a sender started after the close %s waits for the next receiver of the name, as before', async (_, between) => {
    const { port1, port2 } = new MessageChannel();
    fromPort<number>(port2, { name: 'late' }).close();
    await between();
    const local = new Channel<number>(Infinity);
    local.pushNowait(7);
    local.close();
    const sending = toPort(local, port1, { name: 'late' });
    expect(await within(sending, 300)).toBe('still waiting');
    const next = fromPort<number>(port2, { name: 'late' });
    expect(await next.pull()).toBe(7);
    expect(await within(sending, 2000)).toEqual({ sent: 1, undelivered: [] });
    port1.close();
  });

  test('a receiver in a worker thread that closes at once ends the page’s toPort (told across contexts by time)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-bv-port-'));
    const dist = (file: string) => pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', file)).href;
    const script = join(dir, 'receiver.mjs');
    writeFileSync(
      script,
      `import { workerData, parentPort } from 'node:worker_threads';
import { fromPort } from ${JSON.stringify(dist('port.js'))};
fromPort(workerData.port, { name: 'w' }).close();
parentPort.postMessage('closed');
setInterval(() => {}, 1000); // stays alive: its port is not closed, which would end the stream by itself
`,
    );
    const { port1, port2 } = new NodeMessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    const sending = toPort(local, port1 as unknown as PortLike, { name: 'w' });
    const worker = new Worker(script, { workerData: { port: port2 }, transferList: [port2] });
    try {
      expect(await within(sending, 3000)).toEqual({ sent: 0, undelivered: [] });
      expect(local.size).toBe(1);
    } finally {
      await worker.terminate();
      port1.close();
    }
  });

  test('another name’s sender is not ended, and a paired stream ignores a stale notice', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    const sendingA = toPort(a, port1, { name: 'a' });
    const sendingB = toPort(b, port1, { name: 'b' });
    const remoteB = fromPort<number>(port2, { name: 'b', capacity: 4 });
    fromPort<number>(port2, { name: 'a' }).close();
    expect(await within(sendingA, 2000)).toEqual({ sent: 0, undelivered: [] });
    b.pushNowait(1);
    expect(await remoteB.pull()).toBe(1);
    expect(await within(sendingB, 200)).toBe('still waiting');
    b.close();
    await expect(remoteB.pull()).rejects.toThrow(/closed/);
    expect(await within(sendingB, 2000)).toEqual({ sent: 1, undelivered: [] });
    port1.close();
  });
});
