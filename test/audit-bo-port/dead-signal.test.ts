/**
 * Audit BO-port — real worker_threads contexts, dying contexts, and `signal` on toPort.
 * SPEC: "A context that dies (a terminated Worker, ...) is detected within a bounded time (the
 * MessagePort close event where the platform has it, else a heartbeat, documented with its
 * period): toPort resolves with the undelivered values; the receiving channel closes with a
 * ChannelError whose message says the other side is gone." README: "detection takes 5 to 5.5 s".
 * toPort `signal`: README "Aborting toPort's signal resolves it ... the remote channel closes with
 * signal.reason".
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Channel, ChannelError } from 'chanasync';
import { fromPort, GONE_AFTER_MS, PING_AFTER_MS, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';
import { channelPair, closeAll, ctlPorts, drainNow, sleep, tracked, waitFor } from './helpers.js';

const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.terminate();
  closeAll();
});

const script = fileURLToPath(new URL('./bo-worker.mjs', import.meta.url));

function start(mode: string, extra: Record<string, unknown> = {}) {
  const [mine, theirs] = channelPair();
  const worker = new Worker(script, { workerData: { port: theirs, mode, ...extra }, transferList: [theirs as never] });
  workers.push(worker);
  const messages: Record<string, unknown>[] = [];
  worker.on('message', (m) => messages.push(m));
  worker.on('error', (e) => messages.push({ workerError: String(e) }));
  return { worker, port: mine, messages };
}

/** Detection bound documented: GONE_AFTER_MS + one 500 ms tick, plus slack for a loaded machine. */
const BOUND = GONE_AFTER_MS + 500 + 2500;

describe('worker_threads contexts', () => {
  it('page → worker → page round trip (echo) through one MessagePort, two names', async () => {
    const { port } = start('echo', { capacity: 3 });
    const out = new Channel<number>(2);
    const back = fromPort<number>(port, { name: 'out', capacity: 2 });
    const sending = toPort(out, port, { name: 'in' });
    const producer = (async () => {
      for (let i = 0; i < 200; i++) await out.push(i);
      out.close();
    })();
    const got: number[] = [];
    for await (const v of back) got.push(v);
    await producer;
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
    expect(await sending).toEqual({ sent: 200, undelivered: [] });
  });

  it('receiving worker terminated mid-stream: toPort resolves within the bound, every pulled value is sent or undelivered, in order', async () => {
    const { worker, port, messages } = start('receive', { capacity: 4, slow: 20 });
    const local = new Channel<number>(100);
    const all = Array.from({ length: 100 }, (_, i) => i);
    await local.pushAll(all);
    const sending = tracked(toPort(local, port, { name: 'in' }));
    await waitFor(() => messages.filter((m) => 'got' in m).length >= 5, 5000, 'worker to consume 5');
    const t0 = performance.now();
    await worker.terminate();
    await waitFor(sending.done, BOUND, 'toPort to settle after terminate');
    const elapsed = performance.now() - t0;
    const result = await sending.promise;
    const consumed = messages.filter((m) => 'got' in m).map((m) => m.got as number);
    const rest = drainNow(local);
    // pulled = sent ++ undelivered, a prefix of `all`, followed by what stays local
    expect([...all.slice(0, result.sent), ...result.undelivered, ...rest]).toEqual(all);
    expect(result.undelivered).toEqual(all.slice(result.sent, result.sent + result.undelivered.length));
    // what the worker consumed is a prefix; it can't exceed what was pulled
    expect(consumed).toEqual(all.slice(0, consumed.length));
    expect(consumed.length).toBeLessThanOrEqual(result.sent + result.undelivered.length);
    expect(elapsed).toBeLessThan(BOUND);
  }, 20_000);

  it('sending worker terminated mid-stream: the fromPort channel closes with a ChannelError saying the other side is gone', async () => {
    const { worker, port, messages } = start('send', { count: 1000, slow: 10 });
    const input = fromPort<number>(port, { name: 'out', capacity: 2 });
    const got: number[] = [];
    const reading = (async () => {
      try {
        for await (const v of input) got.push(v);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    await waitFor(() => got.length >= 5, 5000, 'five values');
    const t0 = performance.now();
    await worker.terminate();
    const error = await reading;
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/gone/);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
    // a value the worker saw its push resolve for is committed here or was still in flight: the
    // count of resolved pushes can exceed got by at most the in-flight window (capacity 2 + 1)
    const pushed = messages.filter((m) => 'pushed' in m).length;
    expect(got.length).toBeLessThanOrEqual(pushed + 3);
    expect(elapsed).toBeLessThan(BOUND);
  }, 20_000);
});

describe('silent death over a hand-made port (no close event): the heartbeat', () => {
  it(`exports the documented constants (PING_AFTER_MS ${PING_AFTER_MS}, GONE_AFTER_MS ${GONE_AFTER_MS})`, () => {
    expect(PING_AFTER_MS).toBe(1000);
    expect(GONE_AFTER_MS).toBe(5000);
  });

  it('a receiver that dies without a word: toPort resolves in about 5–5.5 s with the values in flight undelivered', async () => {
    const { a, b } = ctlPorts();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(b, { capacity: 3 });
    const sending = tracked(toPort(local, a));
    expect(await remote.pull()).toBe(0);
    await sleep(50);
    b.dead = true;
    const t0 = performance.now();
    await waitFor(sending.done, BOUND, 'toPort to give the receiver up');
    const elapsed = performance.now() - t0;
    const result = await sending.promise;
    expect(elapsed).toBeGreaterThan(GONE_AFTER_MS - 1500); // not before the peer went silent long enough
    expect(elapsed).toBeLessThan(BOUND);
    const rest = drainNow(local);
    expect([...Array.from({ length: result.sent }, (_, i) => i), ...result.undelivered, ...rest]).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    remote.close();
  }, 15_000);

  it('a sender that dies without a word: the receiving channel closes with a "gone" ChannelError in about 5–5.5 s, keeping committed values', async () => {
    const { a, b } = ctlPorts();
    const local = new Channel<number>(10);
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a);
    await local.pushAll([1, 2, 3]);
    await waitFor(() => remote.size === 3, 1000);
    a.dead = true;
    const t0 = performance.now();
    await waitFor(() => remote.closed, BOUND, 'the receiver to give the sender up');
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(BOUND);
    expect(drainNow(remote)).toEqual([1, 2, 3]);
    const error = await remote.pull().catch((e) => e);
    expect(error.cause).toBeInstanceOf(ChannelError);
    expect(error.cause.message).toMatch(/gone/);
    void sending; // the sender side "died": it is not looked at
  }, 15_000);

  it('an idle but alive stream is not given up (heartbeats keep it) over 6.5 s', async () => {
    const { a, b } = ctlPorts();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(b, { capacity: 1 });
    const sending = tracked(toPort(local, a));
    await sleep(6500);
    expect(sending.done()).toBe(false);
    expect(remote.closed).toBe(false);
    await local.push(3);
    expect(await remote.pull()).toBe(3);
    local.close();
    expect(await sending.promise).toEqual({ sent: 1, undelivered: [] });
  }, 15_000);

  it('the receiving MessagePort closed: toPort settles at once (close event), accounting intact', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(6);
    await local.pushAll([1, 2, 3, 4, 5, 6]);
    const remote = fromPort<number>(p2, { capacity: 2 });
    const sending = tracked(toPort(local, p1));
    expect(await remote.pull()).toBe(1);
    await sleep(30);
    p2.close();
    await waitFor(sending.done, 2000, 'toPort to settle on close');
    const result = await sending.promise;
    const rest = drainNow(local);
    expect([...[1, 2, 3, 4, 5, 6].slice(0, result.sent), ...result.undelivered, ...rest]).toEqual([1, 2, 3, 4, 5, 6]);
    // the receiving channel closes as gone
    await waitFor(() => remote.closed, 2000, 'remote to close');
  });
});

describe('toPort signal', () => {
  it('abort mid-stream: remote closes with signal.reason after the values that arrived; toPort resolves with accounting', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(20);
    const all = Array.from({ length: 20 }, (_, i) => i);
    await local.pushAll(all);
    const remote = fromPort<number>(p2, { capacity: 3 });
    const controller = new AbortController();
    const sending = toPort(local, p1, { signal: controller.signal });
    expect(await remote.pull()).toBe(0);
    controller.abort(new Error('stop now'));
    const result = await sending;
    const got: number[] = [0];
    let error: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe('stop now');
    expect(result.sent).toBe(got.length);
    expect([...got, ...result.undelivered, ...drainNow(local)]).toEqual(all);
    expect(local.closed).toBe(false);
  });

  it('abort with the default reason: the remote closes with an Error mentioning the abort', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(p2, { capacity: 1 });
    const controller = new AbortController();
    const sending = toPort(local, p1, { signal: controller.signal });
    await paired(p1);
    controller.abort();
    await sending;
    const error = await remote.pull().catch((e) => e);
    expect(error.cause).toBeDefined();
    expect(String(error.cause?.message ?? error.cause)).toMatch(/abort/i);
  });

  it('already aborted: resolves {sent: 0, undelivered: []}, pulls nothing, leaves a receiver open for the next sender', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(p2, { capacity: 2 });
    expect(await toPort(local, p1, { signal: AbortSignal.abort() })).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
    await sleep(30);
    expect(remote.closed).toBe(false);
    const sending = toPort(local, p1);
    local.close();
    expect(await remote.pull()).toBe(1);
    expect(await remote.pull()).toBe(2);
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  it('abort while pairing (no receiver yet): settles at once with nothing pulled', async () => {
    const [p1] = channelPair();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const controller = new AbortController();
    const sending = tracked(toPort(local, p1, { signal: controller.signal }));
    await sleep(20);
    controller.abort();
    await waitFor(sending.done, 500);
    expect(await sending.promise).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2);
  });
});
