/**
 * Application patterns as users write them (Go, Kotlin channels, Effect's Queue, p-queue, trio,
 * pychanasync), through the public API, each asserting exact results and that nothing is left
 * behind.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  toReadableStream,
} from '../../src/index.js';
import { abortListeners, parked, sleep, within } from '../helpers/programs-go.js';

describe('errgroup-like pipelines', () => {
  test('a three-stage pipeline from an async generator: a failing stage stops every stage, the generator cleans up, the first error wins', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    let first: unknown;
    const fail = (error: unknown) => {
      if (first === undefined) first = error;
      controller.abort(error);
    };
    const log: string[] = [];
    async function* numbers() {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        log.push('generator finally');
      }
    }
    const source = from(numbers(), { signal });
    const doubled = new Channel<number>(0, { name: 'doubled' });
    const out = new Channel<number>(0, { name: 'out' });
    const boom = new Error('stage 2 failed on 6');
    const stage = async (input: AsyncIterable<number>, output: Channel<number>, f: (n: number) => number) => {
      try {
        const it = input[Symbol.asyncIterator]();
        for (;;) {
          const { value, done } = await select([pull(input as Channel<number>)], { signal }).then((r) => ({
            value: r.value as number,
            done: !r.ok,
          }));
          void it;
          if (done) break;
          await output.push(f(value), { signal });
        }
        output.close();
      } catch (error) {
        fail(error);
        output.close(error);
      }
    };
    const tasks = [
      stage(source, doubled, (n) => n * 2),
      stage(doubled, out, (n) => {
        if (n === 6) throw boom;
        return n;
      }),
    ];
    const seen: number[] = [];
    const sink = (async () => {
      try {
        for await (const v of out) seen.push(v);
      } catch (error) {
        fail(error);
      }
    })();
    await within(2000, 'pipeline', Promise.all([...tasks, sink]));
    expect(first).toBe(boom);
    expect(seen).toEqual([2, 4]);
    expect(signal.reason).toBe(boom);
    expect(source.closed).toBe(true);
    await sleep(0);
    expect(log).toEqual(['generator finally']);
    expect(parked(source, doubled, out)).toBe(0);
  });
});

describe('worker pools', () => {
  test('graceful shutdown: close the jobs channel, workers drain it, every job processed once, results closed after the last worker', async () => {
    const jobs = new Channel<number>(5, { name: 'jobs' });
    const results = new Channel<[number, number]>(0, { name: 'results' });
    let active = 3;
    const worker = async (id: number) => {
      for await (const job of jobs) {
        await sleep(job % 3);
        await results.push([job, id]);
      }
      if (--active === 0) results.close();
    };
    for (let id = 0; id < 3; id++) void worker(id);
    const producer = jobs.pushAll(Array.from({ length: 20 }, (_, i) => i)).then(() => jobs.close());
    const got: number[] = [];
    for await (const [job] of results) got.push(job);
    await producer;
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(parked(jobs, results)).toBe(0);
  });

  test('shutdown with a deadline: workers stop at the deadline; processed plus left in the channel is every job, none twice', async () => {
    const jobs = new Channel<number>(Infinity, { name: 'jobs' });
    await jobs.pushAll(Array.from({ length: 100 }, (_, i) => i));
    jobs.close();
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(new DOMException('deadline', 'TimeoutError')), 30);
    const done: number[] = [];
    const worker = async () => {
      try {
        for (;;) {
          const job = await jobs.pull({ signal: deadline.signal });
          await sleep(5);
          done.push(job);
        }
      } catch (error) {
        if (error instanceof ChannelClosedError) return 'drained';
        if (error === deadline.signal.reason) return 'deadline';
        throw error;
      }
    };
    const outcomes = await within(2000, 'workers', Promise.all([worker(), worker()]));
    expect(outcomes).toEqual(['deadline', 'deadline']);
    const left: number[] = [];
    for await (const job of jobs) left.push(job);
    expect([...done, ...left].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(parked(jobs)).toBe(0);
  });

  test('select with after() as the shutdown deadline returns once the workers are done, and the after channel can be closed', async () => {
    const finished = new Channel<void>(0);
    void (async () => {
      await sleep(5);
      finished.close();
    })();
    const deadline = after(1000);
    const r = await select([pull(finished), pull(deadline)]);
    deadline.close();
    expect(r.index).toBe(0);
    expect(r.ok).toBe(false);
    expect(r.value).toBeUndefined();
  });
});

describe('request/response over a channel of { request, reply }', () => {
  interface Req {
    n: number;
    reply: Channel<number>;
  }
  test('a server answers each request on its reply channel; a failed request closes its reply with the error as cause', async () => {
    const requests = new Channel<Req>(0, { name: 'requests' });
    const server = (async () => {
      for await (const { n, reply } of requests) {
        if (n < 0) reply.close(new RangeError(`negative: ${n}`));
        else reply.pushNowait(n * n);
      }
    })();
    const ask = async (n: number) => {
      const reply = new Channel<number>(1, { name: `reply ${n}` });
      await requests.push({ n, reply });
      return reply.pull();
    };
    expect(await Promise.all([ask(2), ask(3), ask(4)])).toEqual([4, 9, 16]);
    const error = await ask(-1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelClosedError).cause).toBeInstanceOf(RangeError);
    expect((error as ChannelClosedError).message).toContain('reply -1');
    expect((error as ChannelClosedError).channel.name).toBe('reply -1');
    requests.close();
    await server;
  });

  test('a client that gives up closes its reply channel, and the late server sees tryPush return false', async () => {
    const requests = new Channel<Req>(1);
    const reply = new Channel<number>(0);
    await requests.push({ n: 7, reply });
    const signal = AbortSignal.abort(new Error('gave up'));
    await expect(reply.pull({ signal })).rejects.toThrow('gave up');
    reply.close();
    const { reply: r } = requests.pullNowait();
    expect(r.tryPush(49)).toBe(false);
    expect(r.closed).toBe(true);
    expect(parked(requests, reply)).toBe(0);
  });
});

describe('timeouts inside loops', () => {
  test('10,000 selects with after(ms, { signal }) and one abort at the end leave no timer and no listener', async () => {
    const data = new Channel<number>(Infinity);
    for (let i = 0; i < 10_000; i++) data.tryPush(i);
    const controller = new AbortController();
    let sum = 0;
    const timers: Channel<number>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const t = after(60_000, { signal: controller.signal });
      timers.push(t);
      const r = await select([pull(data), pull(t)]);
      expect(r.index).toBe(0);
      sum += r.value as number;
    }
    expect(sum).toBe((9999 * 10_000) / 2);
    expect(abortListeners(controller.signal)).toBe(1); // one shared listener, not 10,000
    controller.abort();
    expect(abortListeners(controller.signal)).toBe(0);
    expect(timers.every((t) => t.closed)).toBe(true);
    expect(parked(data, ...timers.slice(0, 10))).toBe(0);
  });
});

describe('Kotlin / Effect idioms', () => {
  test('a conflated channel (drop-oldest, capacity 1) as a state holder: a waiting reader gets the first update, later readers the latest', async () => {
    const state = new Channel<{ v: number }>(1, { overflow: 'drop-oldest', name: 'state' });
    const waiting = state.pull();
    await state.push({ v: 1 });
    expect(await waiting).toEqual({ v: 1 });
    for (let v = 2; v <= 5; v++) await state.push({ v });
    expect(state.size).toBe(1);
    expect(state.tryPull()).toEqual({ v: 5 });
    expect(state.tryPull()).toBeUndefined();
    state.pushNowait({ v: 6 });
    state.pushNowait({ v: 7 });
    state.close();
    expect(await state.pull()).toEqual({ v: 7 });
    await expect(state.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('takeUpTo with pullMany: buffer first then parked pushers, each pusher resolving; then the rest after close, then ChannelClosedError with the cause', async () => {
    const q = new Channel<number | undefined | null>(2);
    q.pushNowait(0);
    q.pushNowait(undefined);
    const resolved: number[] = [];
    const p1 = q.push(null).then(() => resolved.push(1));
    const p2 = q.push(3).then(() => resolved.push(2));
    const p3 = q.push(4).then(() => resolved.push(3));
    expect(await q.pullMany(4)).toEqual([0, undefined, null, 3]);
    // each value taken from the buffer moved a parked pusher's value in, in FIFO order
    await Promise.all([p1, p2, p3]);
    expect(resolved).toEqual([1, 2, 3]);
    expect(q.size).toBe(1);
    q.close('shutdown');
    expect(await q.pullMany(10)).toEqual([4]);
    const error = await q.pullMany(10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('shutdown');
    expect((error as Error).message).toContain('pullMany');
  });

  test('offerAll with pushAll into a queue shut down part-way: pushed counts the committed values, the error carries the reason', async () => {
    const q = new Channel<number>(2);
    const all = q.pushAll([1, 2, 3, 4, 5]);
    expect(q.size).toBe(2);
    expect(await q.pull()).toBe(1);
    await sleep(0);
    q.close('shutdown');
    const error = (await all.catch((e: unknown) => e)) as ChannelClosedError & { pushed: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(3);
    expect(error.cause).toBe('shutdown');
    const rest: number[] = [];
    await expect(
      (async () => {
        for await (const v of q) rest.push(v);
      })(),
    ).rejects.toBe('shutdown');
    expect(rest).toEqual([2, 3]);
  });

  test('shutdown of a queue with ten waiting takers rejects every one with ChannelClosedError carrying the reason, in FIFO order', async () => {
    const q = new Channel<string>(4, { name: 'queue' });
    const order: number[] = [];
    const takers = Array.from({ length: 10 }, (_, i) =>
      q.pull().catch((e: unknown) => {
        order.push(i);
        return e;
      }),
    );
    expect(q.stats().waitingPullers).toBe(10);
    const reason = new Error('shutdown');
    q.close(reason);
    const errors = await Promise.all(takers);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect((e as Error).cause).toBe(reason);
      expect((e as Error).name).toBe('ChannelClosedError');
      expect((e as Error).message).toContain('queue');
    }
    expect(q.stats().waitingPullers).toBe(0);
  });

  test('produce-style builder: from(async generator) with capacity 2 reads ahead at most 2, and closing it runs the finally once', async () => {
    let produced = 0;
    let finallyRuns = 0;
    async function* produce() {
      try {
        for (let i = 0; ; i++) {
          produced++;
          yield i;
        }
      } finally {
        finallyRuns++;
      }
    }
    const ch = from(produce(), { capacity: 2 });
    const first: number[] = [];
    for await (const v of ch) {
      first.push(v);
      if (first.length === 3) break;
    }
    await sleep(5);
    expect(first).toEqual([0, 1, 2]);
    expect(produced).toBeLessThanOrEqual(5);
    expect(ch.size).toBeLessThanOrEqual(2);
    ch.close();
    await sleep(5);
    expect(finallyRuns).toBe(1);
    ch.close();
    await sleep(5);
    expect(finallyRuns).toBe(1);
  });
});

describe('broadcast', () => {
  test('a late subscriber gets only the values pulled after it subscribed, the early one all, and both close with the source reason', async () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const early = hub.subscribe({ capacity: Infinity });
    source.pushNowait(1);
    source.pushNowait(2);
    await sleep(0);
    const late = hub.subscribe({ capacity: Infinity });
    source.pushNowait(3);
    const reason = new Error('feed ended');
    source.close(reason);
    const read = async (ch: Channel<number>) => {
      const got: number[] = [];
      try {
        for await (const v of ch) got.push(v);
      } catch (e) {
        return { got, e };
      }
      return { got, e: undefined };
    };
    const [a, b] = await within(5000, 'subscribers', Promise.all([read(early), read(late)]));
    expect(a).toEqual({ got: [1, 2, 3], e: reason });
    expect(b).toEqual({ got: [3], e: reason });
  });

  test('subscribing after the source closed gives a closed channel with the same reason', async () => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const first = hub.subscribe();
    source.close('done');
    await expect(first.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    const error = await late.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('done');
  });

  test('subscribing after broadcast.close() gives a closed channel', async () => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    hub.close();
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    source.pushNowait(1);
    await sleep(0);
    expect(source.size).toBe(1);
  });
});

describe('trio / pychanasync idioms', () => {
  test('a nursery of consumers over `await using` ends when the block closes the channel, each value handled once', async () => {
    const handled: number[] = [];
    let tasks: Promise<void>[] = [];
    {
      await using ch = new Channel<number>(0);
      tasks = Array.from({ length: 3 }, async () => {
        for await (const v of ch) {
          await sleep(1);
          handled.push(v);
        }
      });
      for (let i = 0; i < 9; i++) await ch.push(i);
    }
    await within(5000, 'nursery', Promise.all(tasks));
    expect(handled.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('clones: three for-await consumers and close(reason) — every consumer throws that very reason, every value read once', async () => {
    const ch = new Channel<number>(2);
    const reason = { code: 42 };
    const got: number[] = [];
    const consumer = async () => {
      for await (const v of ch) got.push(v);
    };
    const all = Promise.allSettled([consumer(), consumer(), consumer()]);
    await ch.pushAll([1, 2, 3, 4, 5]);
    ch.close(reason);
    const settled = await within(5000, 'consumers', all);
    expect(settled.map((s) => (s.status === 'rejected' ? s.reason : 'fulfilled'))).toEqual([reason, reason, reason]);
    expect(got.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  test('close(null) and close(0) are reasons: for await throws them (only undefined ends normally)', async () => {
    for (const reason of [null, 0, '', false]) {
      const ch = new Channel<number>(1);
      ch.close(reason);
      const it = ch[Symbol.asyncIterator]();
      await expect(it.next()).rejects.toBe(reason);
      const e = await ch.pull().catch((x: unknown) => x);
      expect((e as Error).cause).toBe(reason);
    }
  });
});

describe('merge', () => {
  test('merge of two producers, one failing: the merged loop throws the failure after the values before it', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const m = merge(a, b);
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of m) got.push(v);
    })();
    await a.push(1);
    await b.push(2);
    const boom = new Error('b failed');
    b.close(boom);
    await expect(within(5000, 'merged loop', loop)).rejects.toBe(boom);
    expect(got).toEqual([1, 2]);
  });
});

describe('web idioms', () => {
  test('a Response whose body is toReadableStream(channel) reads every line, and the client cancelling leaves the channel open with what was not read', async () => {
    const lines = new Channel<string>(4);
    await lines.pushAll(['a\n', 'b\n', 'c\n']);
    const response = new Response(toReadableStream(lines).pipeThrough(new TextEncoderStream()));
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    expect(first.value).toBe('a\n');
    await reader.cancel('client gone');
    expect(lines.closed).toBe(false);
    await sleep(5);
    const rest = lines.size;
    expect(rest).toBeGreaterThanOrEqual(1);
    expect(parked(lines)).toBe(0);
  });

  test('fromEvent on a Node EventTarget with listenerOptions.once takes one event, closes, and removes the listener', async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'ping', { listenerOptions: { once: true } });
    target.dispatchEvent(new Event('ping'));
    target.dispatchEvent(new Event('ping'));
    const events: string[] = [];
    for await (const e of ch) events.push(e.type);
    expect(events).toEqual(['ping']);
    expect(ch.closed).toBe(true);
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
  });

  test("events.once as a channel: `using ready = fromEvent(target, 'ready')` and one pull with a timeout, then no listener left", async () => {
    const target = new EventTarget();
    setTimeout(() => target.dispatchEvent(new CustomEvent('ready', { detail: 42 })), 2);
    {
      using ready = fromEvent<CustomEvent<number>>(target, 'ready');
      const event = await ready.pull({ signal: AbortSignal.timeout(1000) });
      expect(event.detail).toBe(42);
      expect(getEventListeners(target, 'ready')).toHaveLength(1);
    }
    expect(getEventListeners(target, 'ready')).toHaveLength(0);
    {
      using never = fromEvent(target, 'never');
      const error = await never.pull({ signal: AbortSignal.timeout(5) }).catch((e: unknown) => e);
      expect((error as Error).name).toBe('TimeoutError');
      expect(never.stats().waitingPullers).toBe(0);
    }
    expect(getEventListeners(target, 'never')).toHaveLength(0);
  });
});

describe('more application patterns', () => {
  test('a broadcast over from(async generator) with no subscriber reads nothing; the first subscriber gets the values from the start', async () => {
    let produced = 0;
    async function* feed() {
      for (let i = 0; i < 3; i++) {
        produced++;
        yield i;
      }
    }
    const hub = broadcast(from(feed()));
    await sleep(5);
    expect(produced).toBe(0);
    const sub = hub.subscribe();
    const got: number[] = [];
    for await (const v of sub) got.push(v);
    expect(got).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
  });

  test('a request sent with a select timeout is either delivered and answered, or not delivered at all', async () => {
    const requests = new Channel<{ n: number; reply: Channel<number> }>(0);
    const served: number[] = [];
    const server = (async () => {
      for await (const { n, reply } of requests) {
        served.push(n);
        reply.tryPush(n + 1);
        await sleep(8);
      }
    })();
    const outcomes: string[] = [];
    for (let n = 0; n < 6; n++) {
      const reply = new Channel<number>(1);
      using timeout = after(3);
      const r = await select([push(requests, { n, reply }), pull(timeout)]);
      if (r.index === 1) outcomes.push(`${n}: busy`);
      else outcomes.push(`${n}: ${await reply.pull()}`);
    }
    requests.close();
    await server;
    // every request the server saw was answered, every answered one was served, none twice
    const answered = outcomes.filter((o) => !o.endsWith('busy')).map((o) => Number(o.split(':')[0]));
    expect(served).toEqual(answered);
    expect(answered[0]).toBe(0);
    expect(outcomes.some((o) => o.endsWith('busy'))).toBe(true);
  });

  test("Go's nil-channel idiom drains two channels until both are closed, each value once and in each channel's order", async () => {
    const a = new Channel<string>(2);
    const b = new Channel<string>(0);
    void (async () => {
      for (const v of ['a1', 'a2', 'a3']) await a.push(v);
      a.close();
    })();
    void (async () => {
      for (const v of ['b1', 'b2']) await b.push(v);
      b.close();
    })();
    let ca: Channel<string> | null = a;
    let cb: Channel<string> | null = b;
    const got: string[] = [];
    while (ca || cb) {
      const r = await select([ca && pull(ca), cb && pull(cb)]);
      if (!r.ok) {
        if (r.index === 0) ca = null;
        else cb = null;
        continue;
      }
      got.push(r.value as string);
    }
    expect(got.filter((v) => v[0] === 'a')).toEqual(['a1', 'a2', 'a3']);
    expect(got.filter((v) => v[0] === 'b')).toEqual(['b1', 'b2']);
    await expect(select([ca, cb])).rejects.toBeInstanceOf(TypeError);
  });

  test('a buffer goroutine: select over pull(in) and push(out, head) passes every value through in order', async () => {
    const input = new Channel<number>(0);
    const output = new Channel<number>(0);
    const pending: number[] = [];
    let open = true;
    const relay = (async () => {
      while (open || pending.length) {
        const r = await select([open ? pull(input) : null, pending.length ? push(output, pending[0] as number) : null]);
        if (r.index === 0) {
          if (r.ok) pending.push(r.value as number);
          else open = false;
        } else pending.shift();
      }
      output.close();
    })();
    void (async () => {
      for (let i = 0; i < 50; i++) await input.push(i);
      input.close();
    })();
    const got: number[] = [];
    for await (const v of output) {
      got.push(v);
      if (v % 7 === 0) await sleep(1);
    }
    await relay;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(parked(input, output)).toBe(0);
  });

  test('a relay from(merge(a, b), { signal }) aborted mid-stream: values consumed plus left in the inputs are every value pushed', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    const controller = new AbortController();
    const merged = merge(a, b);
    const relay = from(merged, { signal: controller.signal });
    for (let i = 0; i < 8; i++) (i % 2 ? a : b).pushNowait(i);
    const consumed: number[] = [];
    consumed.push(await relay.pull(), await relay.pull(), await relay.pull());
    const later = relay.pull().catch(() => undefined);
    controller.abort();
    const last = await later;
    if (last !== undefined) consumed.push(last);
    await sleep(1);
    const left: number[] = [];
    for (const ch of [relay, merged, a, b]) for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) left.push(v);
    expect([...consumed, ...left].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parked(relay, merged)).toBe(0); // (merge itself stays open, waiting on a and b)
  });
});

describe('batches and generators', () => {
  test('pushAll from a generator into a channel closed part-way runs the generator finally and reports pushed', async () => {
    const log: string[] = [];
    function* lines() {
      try {
        for (let i = 0; i < 100; i++) yield `line ${i}`;
      } finally {
        log.push('closed');
      }
    }
    const ch = new Channel<string>(2);
    const all = ch.pushAll(lines());
    // the buffer, then the value pushAll was parked with
    expect(await ch.pullMany(10)).toEqual(['line 0', 'line 1', 'line 2']);
    await sleep(0);
    ch.close();
    const error = (await all.catch((e: unknown) => e)) as ChannelClosedError & { pushed: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(5);
    expect(log).toEqual(['closed']);
    expect(await ch.pullMany(10)).toEqual(['line 3', 'line 4']);
  });

  test('pushAll into a drop-newest queue never waits and keeps the first values; into drop-oldest, the last ones', async () => {
    const dropping = new Channel<number>(3, { overflow: 'drop-newest' });
    const sliding = new Channel<number>(3, { overflow: 'drop-oldest' });
    await dropping.pushAll([1, 2, 3, 4, 5]);
    await sliding.pushAll([1, 2, 3, 4, 5]);
    expect(dropping.tryPull()).toBe(1);
    expect(await dropping.pullMany(10)).toEqual([2, 3]);
    expect(await sliding.pullMany(10)).toEqual([3, 4, 5]);
  });

  test('a pullMany batcher behind a relay from(channel) gets every value once, in order, across pushAll batches', async () => {
    const input = new Channel<number>(0);
    const relay = from(input, { capacity: 4 });
    const producer = (async () => {
      for (let b = 0; b < 5; b++) await input.pushAll(Array.from({ length: 7 }, (_, i) => b * 7 + i));
      input.close();
    })();
    const batches: number[][] = [];
    for (;;) {
      try {
        batches.push(await relay.pullMany(5));
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelClosedError);
        break;
      }
    }
    await producer;
    expect(batches.flat()).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(batches.every((b) => b.length >= 1 && b.length <= 5)).toBe(true);
  });

  test('a broadcast over a relay from(channel) delivers every value to two subscribers and closes both with the input reason', async () => {
    const input = new Channel<number>(0);
    const hub = broadcast(from(input));
    const s1 = hub.subscribe({ capacity: 2 });
    const s2 = hub.subscribe();
    const read = async (ch: Channel<number>) => {
      const got: number[] = [];
      try {
        for await (const v of ch) got.push(v);
      } catch (e) {
        got.push(-1);
        expect(e).toBe('eof');
      }
      return got;
    };
    const readers = Promise.all([read(s1), read(s2)]);
    await input.pushAll([1, 2, 3, 4]);
    input.close('eof');
    expect(await within(5000, 'subscribers', readers)).toEqual([
      [1, 2, 3, 4, -1],
      [1, 2, 3, 4, -1],
    ]);
  });
});

describe('fan-out consumers that leave early', () => {
  test('a subscriber read in a `using` block and left with break unsubscribes, so the other subscriber gets every value', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const stayer = hub.subscribe();
    const stayed: number[] = [];
    const reading = (async () => {
      for await (const v of stayer) stayed.push(v);
    })();
    const quitterSaw: number[] = [];
    const quitter = (async () => {
      using sub = hub.subscribe();
      for await (const v of sub) {
        quitterSaw.push(v);
        if (v === 2) break;
      }
    })();
    await source.pushAll([1, 2, 3, 4, 5, 6]);
    await quitter;
    source.close();
    await within(5000, 'stayer', reading);
    expect(quitterSaw).toEqual([1, 2]);
    expect(stayed).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('documented: a blocking subscriber left open after break holds the broadcast back once full', async () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const other = hub.subscribe({ capacity: Infinity });
    const left = hub.subscribe();
    await source.pushAll([1, 2, 3, 4]);
    for await (const v of left) if (v === 1) break;
    await sleep(5);
    // 1 went to both; 2 waits in `left`'s buffer; 3 cannot be taken until `left` has room
    expect(left.size).toBe(1);
    expect(source.size).toBe(2);
    left.close();
    await sleep(5);
    expect(source.size).toBe(0);
    expect(await other.pullMany(10)).toEqual([1, 2, 3, 4]);
  });
});
