/**
 * Audit M: once a port stream has ended — in each way it can end — neither side posts anything
 * more on the port (no heartbeat, no credit, no `open` again) and neither channel has anything
 * parked, also when the ended stream was read through select, merge and broadcast.
 */
import type { MessagePort } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, merge, pull, select } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, ports, sleep } from '../helpers/ports.js';

closePortsAfterEach();

/** Counts what is posted on `port` from now on. */
function counting(port: MessagePort): { count: () => number } {
  let count = 0;
  const post = port.postMessage.bind(port);
  port.postMessage = ((message: unknown, transfer?: never) => {
    count++;
    post(message, transfer);
  }) as MessagePort['postMessage'];
  return { count: () => count };
}

const endings = {
  'the local channel closed and drained': async (local: Channel<number>, remote: Channel<number>) => {
    local.close();
    for await (const _ of merge(remote)) void _;
  },
  'the receiver closed early': async (_local: Channel<number>, remote: Channel<number>) => {
    await remote.pull();
    remote.close();
  },
  'the sender aborted': async (_local: Channel<number>, remote: Channel<number>, controller: AbortController) => {
    await remote.pull();
    controller.abort();
  },
  'read by select until closed': async (local: Channel<number>, remote: Channel<number>) => {
    local.close();
    for (;;) if (!(await select([pull(remote), pull(new Channel<number>())])).ok) break;
  },
  'read through a broadcast until closed': async (local: Channel<number>, remote: Channel<number>) => {
    const sub = broadcast(remote).subscribe();
    local.close();
    for await (const _ of sub) void _;
  },
};

describe('nothing posted after the end', () => {
  for (const [ending, end] of Object.entries(endings)) {
    test(`${ending}: both sides fall silent, nothing parked`, async () => {
      const [a, b] = ports();
      const sent = counting(a);
      const received = counting(b);
      const local = new Channel<number>(Infinity);
      await local.pushAll([1, 2, 3, 4, 5]);
      const controller = new AbortController();
      const sending = toPort(local, a, { signal: controller.signal });
      const remote = fromPort<number>(b, { capacity: 2 });
      await end(local, remote, controller);
      await sending;
      await sleep(300); // the last answers (acknowledgements) go out
      const before = [sent.count(), received.count()];
      expect(Math.min(...before)).toBeGreaterThan(0); // the counting sees the stream
      await sleep(2500); // past the heartbeat's ping (1 s) and two ticks
      expect([sent.count(), received.count()]).toEqual(before);
      expect(local.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
      expect(remote.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    });
  }
});
