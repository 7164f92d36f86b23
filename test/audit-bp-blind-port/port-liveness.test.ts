/**
 * Blind specification pass (audit BP): the heartbeat must find dead contexts, and only those —
 * an idle stream, or a context that blocks for less than the documented 5 s, goes on with every
 * value delivered once, in order.
 */
import { MessageChannel } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { type Context, startContext, until } from './helpers.js';

const contexts: Context[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.dispose()));
});
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('liveness', () => {
  it('an idle stream outlives the heartbeat period and then delivers at once', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const local = new Channel<number>(4);
      const remote = fromPort<number>(port2, { capacity: 4 });
      const sending = toPort(local, port1);
      await local.push(1);
      expect(await remote.pull()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 6_500)); // longer than GONE_AFTER_MS
      expect(remote.closed).toBe(false);
      const at = Date.now();
      await local.push(2);
      expect(await remote.pull()).toBe(2);
      expect(Date.now() - at).toBeLessThan(3_000);
      local.close();
      expect(await sending).toEqual({ sent: 2, undelivered: [] });
    } finally {
      port1.close();
      port2.close();
    }
  }, 20_000);

  it('a receiving Worker that blocks for 2.5 s mid-stream goes on: every value once, in order', async () => {
    const worker = await startContext({ role: 'receiver', capacity: 8 });
    contexts.push(worker);
    const local = new Channel<number>(100);
    await local.pushAll(range(100));
    const sending = toPort(local, worker.port);
    worker.send({ type: 'pull', count: 10 });
    await until(() => worker.got.length === 10, 'ten values in the Worker');
    worker.send({ type: 'block', ms: 2_500 });
    await worker.waitFor('blocking');
    worker.send({ type: 'drain' });
    local.close();
    await worker.waitFor('done', 20_000);
    expect(worker.got).toEqual(range(100));
    expect(await sending).toEqual({ sent: 100, undelivered: [] });
  }, 30_000);

  it('a sending Worker that blocks for 3.5 s mid-stream goes on: every value once, in order', async () => {
    const worker = await startContext({ role: 'sender', capacity: 8 });
    contexts.push(worker);
    const remote = fromPort<number>(worker.port, { capacity: 4 });
    worker.send({ type: 'push', values: range(10) });
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await remote.pull());
    worker.send({ type: 'block', ms: 3_500 });
    await worker.waitFor('blocking');
    worker.send({ type: 'push', values: range(10, 10) });
    for (let i = 0; i < 10; i++) got.push(await remote.pull({ signal: AbortSignal.timeout(15_000) }));
    expect(got).toEqual(range(20));
    expect(remote.closed).toBe(false);
    remote.close();
    expect((await worker.waitFor('result')).sent).toBe(20);
  }, 30_000);
});
