/**
 * Programs as users write them with the core, select and interop together — one controller for
 * a whole component, a stream pipeline into a `Response`, a `from` over another channel, several
 * iterators on one channel — checking every value, its order, and what is left behind.
 */
import { describe, expect, test } from 'vitest';
import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  type PullChannel,
  pull,
  select,
  ticker,
  toReadableStream,
} from '../../src/index.js';
import { abortListeners, countTimers, parked } from '../helpers/programs-go.js';

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('one AbortController for a whole component', () => {
  test('one abort settles a fromEvent, an after, a ticker, a subscriber, a merge, a pushAll, a select and a stream read, and leaves no listener, timer or parked operation', async () => {
    const timers = countTimers();
    const controller = new AbortController();
    const { signal } = controller;
    const target = new EventTarget();
    const events = fromEvent(target, 'input', { signal, capacity: 2 });
    const timeout = after(10_000, { signal });
    const heartbeat = ticker(5_000, { signal });
    const source = new Channel<number>(1);
    const subscriber = broadcast(source).subscribe({ signal });
    const merged = merge<PullChannel<unknown>[]>(events, subscriber);
    const results = new Channel<number>(1);
    results.pushNowait(0);
    const pushing = results.pushAll([1, 2, 3], { signal });
    const selecting = select([pull(merged), pull(timeout), pull(heartbeat)], { signal });
    const read = toReadableStream(merged).getReader().read();
    const pulling = source.pull({ signal });

    const reason = new Error('component unmounted');
    controller.abort(reason);

    await expect(selecting).rejects.toBe(reason);
    await expect(pushing).rejects.toBe(reason);
    expect((reason as Error & { pushed?: number }).pushed).toBe(0);
    await expect(pulling).rejects.toBe(reason);
    // Aborting a helper's signal closes its channel normally.
    expect([events.closed, timeout.closed, heartbeat.closed, subscriber.closed, merged.closed]).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(await read).toEqual({ done: true, value: undefined });
    expect(results.size).toBe(1); // nothing of pushAll's was committed
    expect(abortListeners(signal)).toBe(0);
    expect(timers.pending()).toBe(0);
    expect(parked(source, results, merged, events, timeout, heartbeat, subscriber)).toBe(0);
  });
});

describe('streams in and out', () => {
  test('from(ReadableStream) → toReadableStream → TransformStream → Response: the body has every value in order', async () => {
    let next = 1;
    const numbers = new ReadableStream<number>({
      pull(controller) {
        if (next <= 4) controller.enqueue(next++);
        else controller.close();
      },
    });
    const lines = toReadableStream(from(numbers)).pipeThrough(
      new TransformStream<number, string>({
        transform(value, controller) {
          controller.enqueue(`${value * value}\n`);
        },
      }),
    );
    expect(await new Response(lines.pipeThrough(new TextEncoderStream())).text()).toBe('1\n4\n9\n16\n');
  });

  test("a source stream's error reaches the reader of toReadableStream(from(stream)) after the values before it", async () => {
    const failure = new Error('connection reset');
    let next = 0;
    const flaky = new ReadableStream<number>({
      pull(controller) {
        if (next < 2) controller.enqueue(next++);
        else controller.error(failure);
      },
    });
    const reader = toReadableStream(from(flaky)).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 0 });
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await expect(reader.read()).rejects.toBe(failure);
  });

  test('closing a from(channel) while its read waits withdraws that read: the next value goes to the next consumer', async () => {
    const inner = new Channel<number>();
    const outer = from(inner);
    const waiting = outer.pull();
    await turn();
    expect(inner.stats().waitingPullers).toBe(1);
    outer.close();
    await expect(waiting).rejects.toBeInstanceOf(ChannelClosedError);
    await turn();
    expect(inner.stats().waitingPullers).toBe(0);
    const pushed = inner.push(1);
    expect(await inner.pull()).toBe(1);
    await pushed;
  });
});

describe('values and iterators', () => {
  test('undefined, null, 0, false, "" and NaN pass select, merge, broadcast and toReadableStream unchanged and in order', async () => {
    const values = [undefined, null, 0, false, '', Number.NaN];
    const channel = new Channel<unknown>(8);
    await channel.pushAll(values);
    const selected: unknown[] = [];
    for (const _ of values) {
      const result = await select([pull(channel), pull(new Channel<never>())]);
      expect(result).toMatchObject({ index: 0, ok: true });
      selected.push(result.value);
    }
    expect(selected).toEqual(values);

    const merged = merge(channel);
    await channel.pushAll(values);
    channel.close();
    const viaMerge: unknown[] = [];
    for await (const value of merged) viaMerge.push(value);
    expect(viaMerge).toEqual(values);

    const source = new Channel<unknown>(8);
    const subscriber = broadcast(source).subscribe({ capacity: 8 });
    await source.pushAll(values);
    source.close();
    const reader = toReadableStream(subscriber).getReader();
    const viaStream: unknown[] = [];
    for (let step = await reader.read(); !step.done; step = await reader.read()) viaStream.push(step.value);
    expect(viaStream).toEqual(values);
  });

  test("return() on one of two iterators withdraws only that iterator's parked next() calls", async () => {
    const channel = new Channel<number>();
    const first = channel[Symbol.asyncIterator]();
    const second = channel[Symbol.asyncIterator]();
    const a = first.next();
    const b = second.next();
    const c = first.next();
    await first.return?.();
    await channel.push(1);
    expect(await b).toEqual({ done: false, value: 1 });
    expect(await a).toEqual({ done: true, value: undefined });
    expect(await c).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('1000 pulls with signals of their own, every other one aborted: 500 values go to the others, in FIFO order', async () => {
    const channel = new Channel<number>();
    const controllers = Array.from({ length: 1000 }, () => new AbortController());
    const pulls = controllers.map((controller) => channel.pull({ signal: controller.signal }));
    controllers.forEach((controller, i) => {
      if (i % 2) controller.abort(i);
    });
    const pushing = channel.pushAll(Array.from({ length: 500 }, (_, i) => i));
    const settled = await Promise.allSettled(pulls);
    await pushing;
    const delivered = settled.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [[i, outcome.value]] : []));
    expect(delivered).toEqual(Array.from({ length: 500 }, (_, k) => [2 * k, k]));
    expect(settled.every((outcome, i) => (i % 2 ? outcome.status === 'rejected' && outcome.reason === i : true))).toBe(
      true,
    );
    expect(parked(channel)).toBe(0);
  });
});
