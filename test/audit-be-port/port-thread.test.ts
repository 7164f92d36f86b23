/**
 * Audit BE, port: a real second context — a Node worker thread holding one end of a
 * `MessageChannel` — including one that is terminated mid-stream (SPEC "A context that dies":
 * `toPort` resolves with the undelivered values; the receiving channel closes with a
 * `ChannelError` saying the other side is gone).
 */
import { Worker } from 'node:worker_threads';
import { Channel, ChannelError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { link, until } from './helpers.js';

function start(options: { slow: number; capacity: number }) {
  const { port1, port2 } = link();
  const worker = new Worker(new URL('./square-worker.mjs', import.meta.url), {
    workerData: { port: port2, ...options },
    transferList: [port2 as never],
  });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return { port: port1, worker, ready };
}

describe('a worker thread as the other context', () => {
  it('jobs go to the thread and squares come back, in order, each once', async () => {
    const { port, worker, ready } = start({ slow: 0, capacity: 8 });
    const jobs = new Channel<number>(8);
    const sending = toPort(jobs, port, { name: 'jobs' });
    const results = fromPort<number>(port, { name: 'results', capacity: 8 });
    await ready;
    const producer = (async () => {
      for (let i = 0; i < 200; i++) await jobs.push(i);
      jobs.close();
    })();
    const got: number[] = [];
    for await (const r of results) got.push(r);
    await producer;
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i * i));
    await expect(sending).resolves.toEqual({ sent: 200, undelivered: [] });
    await worker.terminate();
  });

  it('a thread terminated mid-stream: toPort resolves with what it did not acknowledge, the results channel closes as gone, no job is lost', async () => {
    const { port, worker, ready } = start({ slow: 5, capacity: 3 });
    const jobs = new Channel<number>(40);
    await jobs.pushAll(Array.from({ length: 40 }, (_, i) => i));
    const sending = toPort(jobs, port, { name: 'jobs' });
    const results = fromPort<number>(port, { name: 'results', capacity: 100 });
    await ready;
    await until(() => results.size >= 3, 5000, 'some results');
    await worker.terminate();
    const { sent, undelivered } = await sending;
    const answered: number[] = [];
    let error: unknown;
    try {
      for await (const r of results) answered.push(Math.sqrt(r));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/gone/i);
    const stillLocal = await jobs.pullMany(40);
    // FIFO and exact accounting: the first `sent` jobs were committed in the thread (they died
    // with it unless answered: the SPEC's "belongs to the receiving side"), then the undelivered
    // ones, then those never pulled
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    expect([...range(0, sent), ...undelivered, ...stillLocal]).toEqual(range(0, 40));
    // the answers are a prefix of what the thread got, each once
    expect(answered).toEqual(range(0, answered.length));
    expect(answered.length).toBeLessThanOrEqual(sent + undelivered.length);
    // credit: at most the thread's capacity was ahead of its consumer (plus the job in its hands)
    expect(sent + undelivered.length - answered.length).toBeLessThanOrEqual(3 + 1 + 4);
    jobs.close();
  });
});
