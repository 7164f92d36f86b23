/**
 * Audit BM: the README's page/worker example (a ```js block the README test does not run),
 * with a MessageChannel's two ports standing for the page's `worker` and the worker's `self`.
 */
import { Channel, pull, select } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, test } from 'vitest';

describe('README page.js / worker.js example over a MessageChannel', () => {
  test('the page receives 1000 squares in order and sending resolves { sent: 1000, undelivered: [] }', async () => {
    const { port1: worker, port2: self } = new MessageChannel();

    // worker.js
    const workerSide = (async () => {
      const numbers = fromPort<number>(self, { name: 'numbers', capacity: 64 });
      const squares = new Channel<number>(64);
      const sending = toPort(squares, self, { name: 'squares' });
      for await (const n of numbers) await squares.push(n * n);
      squares.close();
      return sending;
    })();

    // page.js
    const numbers = new Channel<number>(64);
    const sending = toPort(numbers, worker, { name: 'numbers' });
    const squares = fromPort<number>(worker, { name: 'squares', capacity: 64 });
    void (async () => {
      for (let i = 0; i < 1000; i++) await numbers.push(i);
      numbers.close();
    })();
    const got: number[] = [];
    for await (const square of squares) got.push(square);
    const { sent, undelivered } = await sending;
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i * i));
    expect([sent, undelivered]).toEqual([1000, []]);
    const workerResult = await await workerSide;
    expect(workerResult).toEqual({ sent: 1000, undelivered: [] });
    worker.close();
    self.close();
  }, 20_000);

  test('receiver closes with a reason: the sender stops, sent + undelivered + left = all', async () => {
    const { port1, port2 } = new MessageChannel();
    const jobs = new Channel<number>(10);
    await jobs.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(port2, { capacity: 0 });
    const sending = toPort(jobs, port1);
    expect(await remote.pull()).toBe(0);
    remote.close(new Error('enough'));
    const { sent, undelivered } = await sending;
    expect(sent + undelivered.length + jobs.size).toBe(10);
    expect(jobs.closed).toBe(false);
    port1.close();
  });
});

describe('toPort with a signal', () => {
  test('abort mid-stream: received + undelivered + left in the local channel = everything; remote closes with the reason', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const controller = new AbortController();
    const sending = toPort(local, port1, { signal: controller.signal });
    const received: number[] = [await remote.pull(), await remote.pull(), await remote.pull()];
    const reason = new Error('shutdown');
    controller.abort(reason);
    const { sent, undelivered } = await sending;
    let caught: unknown;
    try {
      for await (const v of remote) received.push(v);
    } catch (error) {
      caught = error;
    }
    const left = local.closed ? [] : await local.pullMany(100).catch(() => []);
    const all = [...received, ...undelivered, ...left].sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sent).toBe(received.length);
    expect((caught as Error | undefined)?.message).toBe('shutdown');
    expect(local.closed).toBe(false);
    port1.close();
  });

  test('an already aborted signal posts nothing; the receiver stays open for the next sender', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2, { capacity: 4 });
    const first = await toPort(local, port1, { signal: AbortSignal.abort() });
    expect(first).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
    expect(remote.closed).toBe(false);
    const second = toPort(local, port1);
    expect([await remote.pull(), await remote.pull()]).toEqual([1, 2]);
    local.close();
    expect(await second).toEqual({ sent: 2, undelivered: [] });
    port1.close();
  });

  test('a second toPort of the same name on one port rejects with TypeError; the first keeps running', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const first = toPort(a, port1);
    const second = await toPort(b, port1).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(TypeError);
    expect((second as Error).message).toMatch(/toPort/);
    await a.push(1);
    expect(await remote.pull()).toBe(1);
    expect(b.stats().waitingPullers).toBe(0);
    a.close();
    expect(await first).toEqual({ sent: 1, undelivered: [] });
    port1.close();
  });
});

describe('fromPort capacity 0 with a select that gives up', () => {
  test('a select pull case on fromPort aborted before the value arrives: no value lost, order kept', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3]);
    local.close();
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const controller = new AbortController();
    const selecting = select([pull(remote), pull(new Channel<number>())], { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    controller.abort(new Error('gave up'));
    const first = await selecting;
    const got: number[] = [];
    if (!(first instanceof Error)) got.push((first as { value: number }).value);
    for await (const v of remote) got.push(v);
    const { sent, undelivered } = await sending;
    expect([...got, ...undelivered]).toEqual([1, 2, 3]);
    expect(sent).toBe(got.length);
    port1.close();
  });

  test('a pull with a signal on fromPort capacity 0, aborted at once, repeated: every value is still received once, in order', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(10);
    await local.pushAll([1, 2, 3, 4, 5]);
    local.close();
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const p = remote.pull({ signal: controller.signal }).then(
        (v) => got.push(v),
        () => {},
      );
      await new Promise((resolve) => setTimeout(resolve, 0));
      controller.abort();
      await p;
    }
    for await (const v of remote) got.push(v);
    const { undelivered } = await sending;
    expect([...got, ...undelivered]).toEqual([1, 2, 3, 4, 5]);
    port1.close();
  });
});
