/**
 * Auditor AW — contexts that die: real worker_threads, terminated mid-stream.
 */
import { Worker } from 'node:worker_threads';
import { Channel, ChannelError } from 'chanasync';
import { fromPort, GONE_AFTER_MS, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/poll.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const url = new URL('./fixtures/worker.mjs', import.meta.url);

function spawn(data: Record<string, unknown>, port: MessagePort) {
  const w = new Worker(url, { workerData: { ...data, port }, transferList: [port as any] });
  const messages: any[] = [];
  const waiters: ((m: any) => void)[] = [];
  w.on('message', (m) => {
    messages.push(m);
    waiters.shift()?.(m);
  });
  w.on('error', (e) => messages.push({ error: String(e) }));
  const next = () =>
    messages.length > (next as any).seen
      ? Promise.resolve(messages[(next as any).seen++])
      : new Promise<any>((r) =>
          waiters.push((m) => {
            (next as any).seen++;
            r(m);
          }),
        );
  (next as any).seen = 0;
  return { w, next };
}

describe('a receiving worker that is terminated', () => {
  it('toPort resolves within the bound; received ∪ undelivered ∪ left-local = everything, each once', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 50; i++) local.pushNowait(i);
    const { w, next } = spawn({ mode: 'receive-n-then-hang', n: 10, capacity: 4 }, port2);
    let acknowledged = 0;
    port1.addEventListener('message', (event) => {
      const data = (event as MessageEvent).data;
      if (data?.type === 'credit') acknowledged = Math.max(acknowledged, data.committed);
    });
    const done = toPort(local, port1);
    const { got } = await next();
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The worker acknowledges its commits in a `credit` a task later: terminate it once the 10 it pulled are acknowledged.
    await until(() => acknowledged >= 10);
    const t0 = Date.now();
    await w.terminate();
    const result = await Promise.race([done, sleep(GONE_AFTER_MS + 6000).then(() => 'hang' as const)]);
    expect(result).not.toBe('hang');
    if (result === 'hang') return;
    expect(Date.now() - t0).toBeLessThan(GONE_AFTER_MS + 3000); // 5 to 5.5 s, and a loaded machine's late timers
    const remaining: number[] = [];
    while (local.size > 0) remaining.push(local.pullNowait());
    // Values pulled by the worker's user were committed; sent counts them (and those buffered there).
    expect(result.sent).toBeGreaterThanOrEqual(10);
    expect(result.sent).toBeLessThanOrEqual(14);
    const all = [...got, ...result.undelivered, ...remaining];
    // `sent` includes the buffered-in-worker (died with it): account for them.
    const diedBuffered = result.sent - 10;
    expect(all.length + diedBuffered).toBe(50);
    expect(new Set(all).size).toBe(all.length);
    expect(result.undelivered).toEqual([...result.undelivered].sort((a, b) => a - b));
    port1.close();
  }, 20_000);
});

describe('a sending worker that is terminated', () => {
  it('the receiving channel closes with a ChannelError saying the other side is gone, within the bound', async () => {
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1, { capacity: 8 });
    const { w, next } = spawn({ mode: 'send-forever' }, port2);
    await next();
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) seen.push(await remote.pull());
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const t0 = Date.now();
    await w.terminate();
    const tail: number[] = [];
    const err = await Promise.race([
      (async () => {
        try {
          for await (const v of remote) tail.push(v);
          return 'normal end';
        } catch (e) {
          return e;
        }
      })(),
      sleep(GONE_AFTER_MS + 6000).then(() => 'hang'),
    ]);
    expect(err).toBeInstanceOf(ChannelError);
    expect(String((err as Error).message)).toMatch(/gone|died|closed|other side/i);
    expect(Date.now() - t0).toBeLessThan(GONE_AFTER_MS + 3000); // 5 to 5.5 s, and a loaded machine's late timers
    // tail continues the sequence without gaps or duplicates
    expect(tail).toEqual(Array.from({ length: tail.length }, (_, i) => 20 + i));
    port1.close();
  }, 20_000);

  it('values buffered in the receiver stay readable after the sender died', async () => {
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1, { capacity: 5 });
    const { w, next } = spawn({ mode: 'send-forever' }, port2);
    await next();
    await until(() => remote.size === 5); // the worker started sending: the receiver's buffer filled
    const before = remote.size;
    expect(before).toBe(5);
    await w.terminate();
    await sleep(300);
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (e) {
      error = e;
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(error).toBeInstanceOf(ChannelError);
    port1.close();
  }, 20_000);

  it('a worker that closes with a cloneable reason after n values: remote sees n values then the reason', async () => {
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1, { capacity: 3 });
    const { w, next } = spawn({ mode: 'send-n-close', n: 30, reason: { why: 'done' } }, port2);
    const got: number[] = [];
    let cause: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (e: any) {
      cause = e.cause ?? e;
    }
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(cause).toEqual({ why: 'done' });
    const { result } = await next();
    expect(result).toEqual({ sent: 30, undelivered: [] });
    await w.terminate();
    port1.close();
  }, 20_000);
});

describe('a receiving worker that blocks its loop past the heartbeat', () => {
  it('blocked 6 s: every value is either consumed by the worker or undelivered, never both', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 40; i++) local.pushNowait(i);
    const { w, next } = spawn({ mode: 'receive-n-then-block', n: 5, capacity: 4, blockMs: 6500 }, port2);
    const done = toPort(local, port1);
    const first = await next();
    expect(first.got).toEqual([0, 1, 2, 3, 4]);
    const result = await Promise.race([done, sleep(15000).then(() => 'hang' as const)]);
    expect(result).not.toBe('hang');
    if (result === 'hang') return;
    const second = await Promise.race([next(), sleep(5000).then(() => ({ rest: 'no answer' }))]);
    const consumed = [...first.got, ...(Array.isArray(second.rest) ? second.rest : [])];
    const remaining: number[] = [];
    while (local.size > 0) remaining.push(local.pullNowait());
    const overlap = consumed.filter((v) => result.undelivered.includes(v));
    // README: the batch committed before the block may be in both places; we record it.
    console.log('blocked-worker', { sent: result.sent, undelivered: result.undelivered, second, overlap });
    const all = new Set([...consumed, ...result.undelivered, ...remaining]);
    expect(all.size).toBe(40);
    await w.terminate();
    port1.close();
  }, 30_000);
});
