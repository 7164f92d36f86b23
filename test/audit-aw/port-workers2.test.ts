/**
 * Auditor AW — port across real worker_threads: capacity-0 rendezvous, a sender that blocks.
 */
import { Worker } from 'node:worker_threads';
import { Channel, ChannelError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const url = new URL('./fixtures/worker.mjs', import.meta.url);

function spawn(data: Record<string, unknown>, port: MessagePort) {
  const w = new Worker(url, { workerData: { ...data, port }, transferList: [port as any] });
  const queue: any[] = [];
  const waiters: ((m: any) => void)[] = [];
  w.on('message', (m) => {
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else queue.push(m);
  });
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise<any>((r) => waiters.push(r)));
  return { w, next };
}

describe('capacity-0 rendezvous across threads', () => {
  it('each local push resolves only after the worker pulled that value', async () => {
    const { port1, port2 } = new MessageChannel();
    const { w, next } = spawn({ mode: 'pull-on-command' }, port2);
    expect(await next()).toEqual({ ready: true });
    const local = new Channel<string>(0);
    const done = toPort(local, port1);
    const resolved: string[] = [];
    const pa = local.push('a').then(() => resolved.push('a'));
    const pb = local.push('b').then(() => resolved.push('b'));
    await sleep(150);
    expect(resolved).toEqual([]);
    w.postMessage('pull');
    expect(await next()).toEqual({ pulled: 'a' });
    await pa;
    await sleep(100);
    expect(resolved).toEqual(['a']);
    w.postMessage('pull');
    expect(await next()).toEqual({ pulled: 'b' });
    await pb;
    expect(resolved).toEqual(['a', 'b']);
    w.postMessage('close');
    await next();
    expect(await done).toEqual({ sent: 2, undelivered: [] });
    await w.terminate();
    port1.close();
  }, 15_000);
});

describe('a sending worker that blocks its loop past GONE_AFTER_MS', () => {
  it("the receiver closes as gone; the worker's undelivered never overlaps what the receiver got", async () => {
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1, { capacity: 3 });
    const { w, next } = spawn({ mode: 'send-then-block', total: 100, blockAfter: 10, blockMs: 6500 }, port2);
    const got: number[] = [];
    let end: unknown;
    try {
      for await (const v of remote) {
        got.push(v);
        await sleep(2);
      }
      end = 'normal';
    } catch (e) {
      end = e;
    }
    expect(end).toBeInstanceOf(ChannelError);
    expect((end as Error).message).toMatch(/gone/);
    const { result } = await Promise.race([next(), sleep(10_000).then(() => ({ result: 'no answer' }))]);
    expect(result).not.toBe('no answer');
    console.log('blocked sender', { got, result });
    const overlap = got.filter((v) => result.undelivered.includes(v));
    expect(overlap).toEqual([]);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
    expect(result.sent).toBe(got.length);
    expect([...got, ...result.undelivered]).toEqual(
      Array.from({ length: got.length + result.undelivered.length }, (_, i) => i),
    );
    await w.terminate();
    port1.close();
  }, 30_000);
});

describe('a receiving worker that blocks for 4 s (between the 3 s check and the 5 s give-up)', () => {
  it('the stream goes on: every value once, in order, toPort resolves normally', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 40; i++) local.pushNowait(i);
    local.close();
    const { w, next } = spawn({ mode: 'receive-n-then-block', n: 5, capacity: 4, blockMs: 4000 }, port2);
    const done = toPort(local, port1);
    const first = await next();
    const second = await Promise.race([next(), sleep(12_000).then(() => ({ rest: 'no answer' }))]);
    const result = await Promise.race([done, sleep(3000).then(() => 'hang' as const)]);
    console.log('4 s block', { first: first.got, rest: second.rest, end: second.end, result });
    expect(second.end).toBe('normal');
    expect([...first.got, ...second.rest]).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(result).toEqual({ sent: 40, undelivered: [] });
    await w.terminate();
    port1.close();
  }, 30_000);
});
