/**
 * Audit BO-port — behaviours where the README decides (or deviates from SPEC wording), asserted as
 * documented; each is noted in FINDINGS.md. Plus blocked-event-loop runs of a real worker thread.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';
import { CountingPort, channelPair, closeAll, ctlPorts, drainNow, sleep, tracked, waitFor } from './helpers.js';

const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.terminate();
  closeAll();
});
const script = fileURLToPath(new URL('./bo-worker.mjs', import.meta.url));

describe('documented deviations from SPEC wording', () => {
  it('capacity 0: the producer’s push resolves when toPort takes the value on a remote pull’s credit; if that pull gives up, the value can end up undelivered (README, Semantic details)', async () => {
    const { a, b } = ctlPorts();
    a.setManual(true);
    b.setManual(true);
    const local = new Channel<string>(0);
    const remote = fromPort<string>(b, { capacity: 0 });
    const sending = tracked(toPort(local, a));
    // pair: open → receiver, ready/credit → sender
    for (let i = 0; i < 5; i++) {
      a.deliver();
      b.deliver();
      await sleep(1);
    }
    const controller = new AbortController();
    const pull = remote.pull({ signal: controller.signal }).catch((e) => e as Error);
    await sleep(1);
    b.deliver(); // the pull's credit reaches the sender
    await sleep(1);
    const push = tracked(local.push('v'));
    await sleep(5);
    expect(push.done()).toBe(true); // resolved: toPort took it on that credit
    controller.abort(new Error('gave up'));
    expect(((await pull) as Error).message).toBe('gave up');
    a.deliver(); // the value arrives after the pull gave up: it waits at the receiver, uncommitted
    await sleep(1);
    remote.close();
    a.setManual(false);
    b.setManual(false);
    await waitFor(sending.done, 2000);
    expect(await sending.promise).toEqual({ sent: 0, undelivered: ['v'] });
  });

  it('a turn that lasts longer than 16 ms posts its batch mid-turn: values pulled in one turn can travel in two messages (README: long turns)', async () => {
    const [p1, p2] = channelPair();
    const wrapper = new CountingPort(p1);
    const local = new Channel<number>(0);
    const remote = fromPort<number>(p2, { capacity: 64 });
    const sending = toPort(local, wrapper);
    await paired(p1); // toPort is parked on the empty local channel
    // One turn: a producer whose steps are microtasks (as a for-await loop's), computing 40 ms
    // after its third value.
    await (async () => {
      for (let i = 0; i < 6; i++) {
        local.pushNowait(i);
        if (i === 2) {
          const until = performance.now() + 40;
          while (performance.now() < until);
        }
        await Promise.resolve();
      }
    })();
    await waitFor(() => remote.size === 6, 1000);
    const batches = wrapper.sent('values').map((m) => m.values);
    expect(batches.length).toBe(2);
    expect(batches[0]).toEqual([0, 1, 2, 3]);
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5]);
    local.close();
    drainNow(remote);
    await sending;
  });

  it('a short turn keeps its values together (control for the test above)', async () => {
    const [p1, p2] = channelPair();
    const wrapper = new CountingPort(p1);
    const local = new Channel<number>(0);
    const remote = fromPort<number>(p2, { capacity: 64 });
    const sending = toPort(local, wrapper);
    await paired(p1); // toPort is parked on the empty local channel
    await (async () => {
      for (let i = 0; i < 6; i++) {
        local.pushNowait(i);
        await Promise.resolve();
      }
    })();
    await waitFor(() => remote.size === 6, 1000);
    expect(wrapper.sent('values').length).toBe(1);
    local.close();
    drainNow(remote);
    await sending;
  });
});

describe('a receiving worker that blocks its event loop', () => {
  it('blocked 2.5 s (below the 5 s heartbeat): the stream goes on, every value once, in order', async () => {
    const [mine, theirs] = channelPair();
    const worker = new Worker(script, {
      workerData: { port: theirs, mode: 'block', capacity: 4, blockAfter: 5, blockMs: 2500 },
      transferList: [theirs as never],
    });
    workers.push(worker);
    const messages: Record<string, unknown>[] = [];
    worker.on('message', (m) => messages.push(m));
    const local = new Channel<number>(0);
    const sending = toPort(local, mine, { name: 'in' });
    const producer = (async () => {
      for (let i = 0; i < 40; i++) await local.push(i);
      local.close();
    })();
    await producer;
    expect(await sending).toEqual({ sent: 40, undelivered: [] });
    await waitFor(() => messages.some((m) => 'received' in m), 10_000);
    const report = messages.find((m) => 'received' in m) as { received: number[]; error: string | null };
    expect(report.error).toBeNull();
    expect(report.received).toEqual(Array.from({ length: 40 }, (_, i) => i));
  }, 20_000);

  it('blocked 6.5 s (beyond it): the sender gives up; no value lost, order kept, any overlap limited to one batch (documented)', async () => {
    const [mine, theirs] = channelPair();
    const capacity = 4;
    const worker = new Worker(script, {
      workerData: { port: theirs, mode: 'block', capacity, blockAfter: 5, blockMs: 6500 },
      transferList: [theirs as never],
    });
    workers.push(worker);
    const messages: Record<string, unknown>[] = [];
    worker.on('message', (m) => messages.push(m));
    const local = new Channel<number>(40);
    const all = Array.from({ length: 40 }, (_, i) => i);
    await local.pushAll(all);
    const result = await toPort(local, mine, { name: 'in' });
    await waitFor(() => messages.some((m) => 'received' in m), 15_000);
    const report = messages.find((m) => 'received' in m) as { received: number[]; error: string | null };
    expect(report.error).toMatch(/gone/);
    const rest = drainNow(local);
    // every pulled value is in `sent` or `undelivered`, in order
    expect([...all.slice(0, result.sent), ...result.undelivered, ...rest]).toEqual(all);
    // the worker's values are a prefix, and at most one batch (≤ capacity) is in both places
    expect(report.received).toEqual(all.slice(0, report.received.length));
    const overlap = report.received.filter((v) => result.undelivered.includes(v));
    expect(overlap.length).toBeLessThanOrEqual(capacity);
    // nothing is lost: what the worker did not get is undelivered or still local
    const missing = all.filter(
      (v) => !report.received.includes(v) && !result.undelivered.includes(v) && !rest.includes(v),
    );
    expect(missing).toEqual([]);
  }, 30_000);
});
