/**
 * Audit BO-port — the remaining bullets: a worker_threads Worker used directly as the port (an
 * emitter adapter), falsy close reasons, values that cannot be posted, leaving a for-await early,
 * fromPort's signal, two toPorts reading one channel, a relay chain.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Channel, ChannelError } from 'chanasync';
import { fromPort, GONE_AFTER_MS, type PortLike, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { channelPair, closeAll, ctlPorts, drainNow, sleep, tracked, waitFor } from './helpers.js';

const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.terminate();
  closeAll();
});

const script = fileURLToPath(new URL('./bo-worker.mjs', import.meta.url));

function workerAdapter(worker: Worker): PortLike {
  return {
    postMessage: (m: unknown, t?: unknown) => worker.postMessage(m, t as never),
    addEventListener: (type: string, l: (x: unknown) => void) => {
      worker.on(type, l);
    },
    removeEventListener: (type: string, l: (x: unknown) => void) => {
      worker.off(type, l);
    },
  } as PortLike;
}

describe('a worker_threads Worker itself as the port (emitter adapter)', () => {
  it('round trip through the Worker and its parentPort, in order', async () => {
    const worker = new Worker(script, { workerData: { mode: 'self-echo', capacity: 3 } });
    workers.push(worker);
    const port = workerAdapter(worker);
    const back = fromPort<number>(port, { name: 'out', capacity: 3 });
    const out = new Channel<number>(0);
    const sending = toPort(out, port, { name: 'in' });
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await out.push(i);
      out.close();
    })();
    const got: number[] = [];
    for await (const v of back) got.push(v);
    await producer;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await sending).toEqual({ sent: 100, undelivered: [] });
  });

  it('terminated mid-stream: both directions end within the heartbeat bound (no close event on an adapter)', async () => {
    const worker = new Worker(script, { workerData: { mode: 'self-echo', capacity: 2, slow: 20 } });
    workers.push(worker);
    const port = workerAdapter(worker);
    const back = fromPort<number>(port, { name: 'out', capacity: 2 });
    const out = new Channel<number>(50);
    const all = Array.from({ length: 50 }, (_, i) => i);
    await out.pushAll(all);
    const sending = tracked(toPort(out, port, { name: 'in' }));
    const got: number[] = [];
    const reading = (async () => {
      try {
        for await (const v of back) got.push(v);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    await waitFor(() => got.length >= 3, 5000);
    const t0 = performance.now();
    await worker.terminate();
    const error = await reading;
    await waitFor(sending.done, GONE_AFTER_MS + 3000, 'toPort to settle');
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(GONE_AFTER_MS + 500 + 2500);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/gone/);
    const result = await sending.promise;
    expect([...all.slice(0, result.sent), ...result.undelivered, ...drainNow(out)]).toEqual(all);
    expect(got).toEqual(all.slice(0, got.length).map((v) => v + 1));
  }, 20_000);
});

describe('close reasons that are falsy but defined', () => {
  for (const reason of [null, 0, false, '']) {
    it(`close(${JSON.stringify(reason)}) crosses: the remote for-await throws ${JSON.stringify(reason)}`, async () => {
      const [p1, p2] = channelPair();
      const local = new Channel<number>(1);
      const remote = fromPort<number>(p2, { capacity: 1 });
      const sending = toPort(local, p1);
      await local.push(1);
      local.close(reason);
      // the local channel's own meaning, for comparison
      const ref = new Channel<number>(1);
      ref.close(reason);
      let refThrown: unknown = 'nothing';
      try {
        for await (const _ of ref);
      } catch (e) {
        refThrown = e;
      }
      let thrown: unknown = 'nothing';
      const got: number[] = [];
      try {
        for await (const v of remote) got.push(v);
      } catch (e) {
        thrown = e;
      }
      expect(got).toEqual([1]);
      expect(thrown).toBe(refThrown);
      await sending;
    });
  }
});

describe('values that cannot be posted', () => {
  it('an uncloneable value mid-batch: the values before it arrive, the remote closes with an Error, toPort rejects with sent/undelivered accounting', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<unknown>(5);
    const fn = () => 1;
    local.pushNowait(1);
    local.pushNowait(2);
    local.pushNowait(fn);
    local.pushNowait(4);
    const remote = fromPort<unknown>(p2, { capacity: 8 });
    const sending = toPort(local, p1);
    const error = await sending.catch((e) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/toPort/);
    const got: unknown[] = [];
    let closeError: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (e) {
      closeError = e;
    }
    expect(got).toEqual([1, 2]);
    expect(closeError).toBeInstanceOf(Error);
    expect(error.sent).toBe(2);
    expect([...got, ...error.undelivered, ...drainNow(local)]).toEqual([1, 2, fn, 4]);
  });

  it('transfer returning a non-iterable rejects with a TypeError, nothing lost', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(p2, { capacity: 2 });
    const sending = toPort(local, p1, { transfer: () => 5 as never });
    const error = await sending.catch((e) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.sent + error.undelivered.length + local.size).toBe(2);
    await waitFor(() => remote.closed, 2000);
  });
});

describe('leaving, aborting, sharing', () => {
  it('breaking out of a for-await over the remote channel does not close it and loses no value', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(p2, { capacity: 3 });
    const sending = toPort(local, p1);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    local.close();
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (v === 3) break;
    }
    expect(remote.closed).toBe(false);
    await sleep(30);
    for await (const v of remote) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await sending).toEqual({ sent: 10, undelivered: [] });
  });

  it("fromPort's signal closes the channel without a reason; toPort resolves with what it held", async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(10);
    const all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    await local.pushAll(all);
    const controller = new AbortController();
    const remote = fromPort<number>(p2, { capacity: 2, signal: controller.signal });
    const sending = toPort(local, p1);
    const got = [await remote.pull()];
    controller.abort(new Error('ignored reason'));
    const rest: number[] = [];
    for await (const v of remote) rest.push(v); // ends normally
    const result = await sending;
    expect([...got, ...rest, ...result.undelivered, ...drainNow(local)]).toEqual(all);
    expect(result.sent).toBe(got.length + rest.length);
  });

  it('two toPorts reading one channel (two ports): each value goes to exactly one of them', async () => {
    const [a1, a2] = channelPair();
    const [b1, b2] = channelPair();
    const local = new Channel<number>(0);
    const ra = fromPort<number>(a2, { capacity: 2 });
    const rb = fromPort<number>(b2, { capacity: 2 });
    const sa = toPort(local, a1);
    const sb = toPort(local, b1);
    const producer = (async () => {
      for (let i = 0; i < 200; i++) await local.push(i);
      local.close();
    })();
    const [ga, gb] = await Promise.all(
      [ra, rb].map(async (r) => {
        const out: number[] = [];
        for await (const v of r) out.push(v);
        return out;
      }),
    );
    await producer;
    expect([...(ga as number[]), ...(gb as number[])].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    );
    expect(ga).toEqual([...(ga as number[])].sort((x, y) => x - y));
    expect(gb).toEqual([...(gb as number[])].sort((x, y) => x - y));
    const [resA, resB] = [await sa, await sb];
    expect(resA.sent + resB.sent).toBe(200);
  });

  it('a local channel already closed and drained: the remote closes at once with its reason, nothing sent', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(1);
    local.close(new Error('was closed'));
    const remote = fromPort<number>(p2, { capacity: 1 });
    expect(await toPort(local, p1)).toEqual({ sent: 0, undelivered: [] });
    const error = await remote.pull().catch((e) => e);
    expect(error.cause?.message).toBe('was closed');
  });

  it('relay chain A → B → C (a fromPort channel read by toPort) keeps order and the close reason', async () => {
    const [ab1, ab2] = channelPair();
    const [bc1, bc2] = channelPair();
    const source = new Channel<number>(4);
    const atB = fromPort<number>(ab2, { capacity: 2 });
    const atC = fromPort<number>(bc2, { capacity: 3 });
    const s1 = toPort(source, ab1);
    const s2 = toPort(atB, bc1);
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await source.push(i);
      source.close(new Error('relay end'));
    })();
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of atC) got.push(v);
    } catch (e) {
      error = e;
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect((error as Error).message).toBe('relay end');
    expect((await s1).sent).toBe(100);
    expect((await s2).sent).toBe(100);
  });

  it('delayed delivery (ctl port, 30 ms per message) still gives FIFO and full accounting at capacity 4', async () => {
    const { a, b } = ctlPorts();
    a.delay = 30;
    b.delay = 30;
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a);
    const producer = (async () => {
      for (let i = 0; i < 40; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    await producer;
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await sending).toEqual({ sent: 40, undelivered: [] });
  }, 20_000);
});
