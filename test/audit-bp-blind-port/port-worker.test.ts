/**
 * Blind specification pass (audit BP): "Channels across contexts" with real worker_threads
 * contexts — values to and from a Worker, a Worker terminated mid-stream, and a Worker whose
 * event loop stops answering (found by the heartbeat, within its documented period).
 */
import { Channel, ChannelError } from 'chanasync';
import { fromPort, GONE_AFTER_MS, PING_AFTER_MS, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { type Context, startContext, until } from './helpers.js';

const contexts: Context[] = [];
async function context(options: Parameters<typeof startContext>[0]): Promise<Context> {
  const started = await startContext(options);
  contexts.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.dispose()));
});

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('with a live Worker', () => {
  it('documents the heartbeat constants', () => {
    expect(PING_AFTER_MS).toBe(1000);
    expect(GONE_AFTER_MS).toBe(5000);
  });

  it('sends 300 values to a Worker in FIFO order, each once (capacity 16)', async () => {
    const worker = await context({ role: 'receiver', capacity: 16 });
    const local = new Channel<number>(32);
    const sending = toPort(local, worker.port);
    worker.send({ type: 'drain' });
    await local.pushAll(range(300));
    local.close();
    await worker.waitFor('done');
    expect(worker.got).toEqual(range(300));
    expect(await sending).toEqual({ sent: 300, undelivered: [] });
  });

  it('receives values from a Worker, and its close ends the loop here', async () => {
    const worker = await context({ role: 'sender', capacity: 4 });
    const remote = fromPort<number>(worker.port, { capacity: 0 });
    worker.send({ type: 'push', values: range(25) });
    const got: number[] = [];
    for await (const value of remote) {
      got.push(value);
      if (got.length === 25) break;
    }
    expect(got).toEqual(range(25));
    remote.close();
    const result = await worker.waitFor('result');
    expect(result.sent).toBe(25);
  });
});

describe('a context that dies', () => {
  it('a Worker terminated mid-stream: toPort resolves and every pulled value is sent or undelivered, in order', async () => {
    const worker = await context({ role: 'receiver', capacity: 8 });
    const local = new Channel<number>(1000);
    await local.pushAll(range(1000));
    const sending = toPort(local, worker.port);
    worker.send({ type: 'drain', pauseMs: 2 });
    await until(() => worker.got.length >= 40, 'forty values consumed in the Worker');
    const terminatedAt = Date.now();
    await worker.worker.terminate();
    const { sent, undelivered } = await sending;
    expect(Date.now() - terminatedAt).toBeLessThan(GONE_AFTER_MS + 3_000);
    const pulled = sent + undelivered.length;
    expect(undelivered).toEqual(range(undelivered.length, sent));
    expect(local.size).toBe(1000 - pulled);
    expect(local.pullNowait()).toBe(pulled); // the local channel resumes right after
    // What the Worker consumed was all pulled; at most the credit window was left unaccounted
    // as sent (it may have been committed there and not acknowledged before it died).
    expect(worker.got).toEqual(range(worker.got.length));
    expect(worker.got.length).toBeLessThanOrEqual(pulled);
    expect(pulled - sent).toBeLessThanOrEqual(8 + 1);
  });

  it('a sending Worker terminated mid-stream: the receiving channel closes with a ChannelError saying the other side is gone', async () => {
    const worker = await context({ role: 'sender', capacity: 4 });
    const remote = fromPort<number>(worker.port, { capacity: 4 });
    worker.send({ type: 'push', values: range(3) });
    await until(() => remote.size === 3, 'three values here');
    await worker.worker.terminate();
    const got: number[] = [];
    let reason: unknown;
    try {
      for await (const value of remote) got.push(value);
    } catch (error) {
      reason = error;
    }
    expect(got).toEqual([0, 1, 2]); // committed values stay readable
    expect(reason).toBeInstanceOf(ChannelError);
    expect((reason as Error).message).toMatch(/gone/i);
  });

  it('a receiving Worker that stops answering is given up by the heartbeat; transferred undelivered buffers come back detached', async () => {
    const worker = await context({ role: 'receiver', capacity: 8 });
    const local = new Channel<ArrayBuffer>(16);
    const sending = toPort(local, worker.port, { transfer: (buffer) => [buffer] });
    worker.send({ type: 'pull', count: 1 });
    await local.push(new Uint8Array([0]).buffer);
    await until(() => worker.got.length === 1, 'the first value in the Worker');
    worker.send({ type: 'block', ms: 20_000 });
    await worker.waitFor('blocking');
    const blockedAt = Date.now();
    const buffers = [1, 2, 3].map((n) => new Uint8Array([n, n]).buffer);
    for (const buffer of buffers) await local.push(buffer);
    const { sent, undelivered } = await sending;
    const took = Date.now() - blockedAt;
    expect(took).toBeGreaterThanOrEqual(GONE_AFTER_MS - 1_500);
    expect(took).toBeLessThan(GONE_AFTER_MS + 5_000);
    expect(sent).toBe(1);
    expect(undelivered).toHaveLength(3);
    expect(undelivered).toEqual(buffers); // the same objects, in order…
    for (const buffer of undelivered) expect(buffer.byteLength).toBe(0); // …detached
    expect(local.size).toBe(0);
  }, 30_000);

  it('a sending Worker that stops answering: the receiving channel closes as gone within the heartbeat period', async () => {
    const worker = await context({ role: 'sender', capacity: 4 });
    const remote = fromPort<number>(worker.port, { capacity: 4 });
    worker.send({ type: 'push', values: [7] });
    await until(() => remote.size === 1, 'one value here');
    worker.send({ type: 'block', ms: 20_000 });
    await worker.waitFor('blocking');
    const blockedAt = Date.now();
    expect(await remote.pull()).toBe(7);
    let reason: unknown;
    try {
      await remote.pull();
    } catch (error) {
      reason = (error as Error).cause ?? error;
    }
    const took = Date.now() - blockedAt;
    expect(reason).toBeInstanceOf(ChannelError);
    expect((reason as Error).message).toMatch(/gone/i);
    expect(took).toBeGreaterThanOrEqual(GONE_AFTER_MS - 1_500);
    expect(took).toBeLessThan(GONE_AFTER_MS + 5_000);
  }, 30_000);
});
