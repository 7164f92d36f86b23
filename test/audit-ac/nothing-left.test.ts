/**
 * Audit AC: after every way out of an operation — commit, abort (before, during, after
 * parking), close (with and without reason), disposal, iterator `return()`/`break`, a throw in
 * user code — no `abort` listener is left on the signal, no listener on an event target or
 * port, no parked operation on a channel (`stats()`), and later operations are served in order.
 */
import { getEventListeners } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import {
  after as afterMs,
  broadcast,
  Channel,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { disableDebug, enableDebug, relayDebug } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { pendingTimers } from '../helpers/timers.js';

const aborts = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** No parked operation left on any of `channels`. */
function idle(...channels: { stats(): object }[]): void {
  for (const channel of channels) {
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  }
}

/** A ghost parked pull would take this value: a fresh pull must get it instead. */
async function servedInOrder(channel: Channel<number>): Promise<void> {
  const room = channel.capacity > channel.size;
  expect(channel.tryPush(-1)).toBe(room);
  if (room) expect(channel.tryPull()).toBe(-1);
  const first = channel.pull();
  const second = channel.pull();
  await channel.push(1);
  await channel.push(2);
  expect([await first, await second]).toEqual([1, 2]);
}

describe('core operations: every way out leaves no listener and no waiter', () => {
  const ways: Record<string, (channel: Channel<number>, controller: AbortController) => Promise<unknown>> = {
    commit: async (channel, controller) => {
      const pulled = channel.pull({ signal: controller.signal });
      await channel.push(5);
      expect(await pulled).toBe(5);
    },
    'abort while parked': async (channel, controller) => {
      const pulled = channel.pull({ signal: controller.signal });
      controller.abort('stop');
      await expect(pulled).rejects.toBe('stop');
    },
    'abort before (already aborted)': async (channel, controller) => {
      controller.abort('early');
      await expect(channel.push(1, { signal: controller.signal })).rejects.toBe('early');
      await expect(channel.pullMany(2, { signal: controller.signal })).rejects.toBe('early');
    },
    'abort after the commit': async (channel, controller) => {
      const pulled = channel.pull({ signal: controller.signal });
      channel.tryPush(9);
      controller.abort('late');
      expect(await pulled).toBe(9);
    },
    'a pushAll aborted part-way': async (channel, controller) => {
      const pushing = channel.pushAll([1, 2, 3], { signal: controller.signal });
      await sleep(1);
      controller.abort(new Error('enough'));
      const error = (await pushing.catch((e: unknown) => e)) as Error & { pushed: number };
      expect(error.message).toBe('enough');
      expect(error.pushed).toBe(channel.capacity === 0 ? 0 : 1);
      channel.tryPull();
    },
    'a pushAll whose iterable throws while a push is parked': async (channel, controller) => {
      function* values(): Generator<number> {
        yield 1;
        yield 2;
        throw new Error('source broke');
      }
      const pushing = channel.pushAll(values(), { signal: controller.signal });
      const got = [await channel.pull(), await channel.pull()];
      expect(got).toEqual([1, 2]);
      await expect(pushing).rejects.toThrow('source broke');
    },
    'a select that lost to another case': async (channel, controller) => {
      const other = new Channel<number>(1);
      other.tryPush(3);
      const result = await select([pull(channel), push(channel, 4), pull(other)], { signal: controller.signal });
      // Unbuffered: only `other` is ready. Buffered: the push case is ready too (random pick).
      if (channel.capacity === 0) expect(result.index).toBe(2);
      else if (result.index === 1) expect(channel.tryPull()).toBe(4);
      else expect([result.index, channel.size]).toEqual([2, 0]);
      expect(other.size + (result.index === 2 ? 1 : 0)).toBe(1);
    },
    'a select aborted while parked on a push and a pull case': async (channel, controller) => {
      const other = new Channel<number>();
      const selecting = select([push(other, 1), pull(channel)], { signal: controller.signal });
      await sleep(1);
      controller.abort('gone');
      await expect(selecting).rejects.toBe('gone');
      idle(other);
    },
    'a selectNowait with nothing ready': async () => {
      const other = new Channel<number>();
      expect(selectNowait([pull(other), pull(new Channel<number>())])).toBeUndefined();
      idle(other);
    },
    'an iterator return() while its next() is parked': async (channel) => {
      const iterator = channel[Symbol.asyncIterator]();
      const next = iterator.next();
      await iterator.return?.();
      expect(await next).toEqual({ done: true, value: undefined });
    },
    'a for await left with break': async (channel) => {
      channel.tryPush(1);
      const reading = (async () => {
        for await (const value of channel) if (value === 2) break;
      })();
      await channel.push(2);
      await reading;
    },
  };
  for (const capacity of [0, 1]) {
    for (const [name, way] of Object.entries(ways)) {
      it(`${name} (capacity ${capacity})`, async () => {
        const channel = new Channel<number>(capacity);
        const controller = new AbortController();
        await way(channel, controller);
        expect(aborts(controller.signal)).toBe(0);
        idle(channel);
        await servedInOrder(channel);
      });
    }
  }

  it('close with and without a reason and await using disposal fail parked operations and drop the listener', async () => {
    for (const finish of [
      (channel: Channel<number>) => channel.close(),
      (channel: Channel<number>) => channel.close(new Error('why')),
      (channel: Channel<number>) => channel[Symbol.asyncDispose](),
      (channel: Channel<number>) => channel[Symbol.dispose](),
    ]) {
      const channel = new Channel<number>();
      const signal = new AbortController().signal;
      const pulling = channel.pull({ signal });
      const other = new Channel<number>();
      const selecting = select([pull(channel), pull(other)], { signal });
      expect(aborts(signal)).toBe(1);
      await finish(channel);
      await expect(pulling).rejects.toThrow(/closed/);
      expect((await selecting).ok).toBe(false);
      expect(aborts(signal)).toBe(0);
      idle(channel, other);
    }
  });
});

describe('helpers: every way out leaves no listener, timer or waiter', () => {
  let timers: ReturnType<typeof pendingTimers> | undefined;
  afterEach(() => {
    timers?.restore();
    timers = undefined;
  });

  it('a select over a broadcast subscriber, a merge and an after, with one signal that also feeds from', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ signal });
    const x = new Channel<number>();
    const y = new Channel<number>();
    const merged = merge(x, y);
    const fed = from(
      (function* () {
        for (let i = 100; ; i++) yield i;
      })(),
      { signal },
    );
    timers = pendingTimers();
    const timeout = afterMs(600_000, { signal });
    timers.restore();
    expect(timers.pending()).toBe(1);
    const first = await select([pull(subscriber), pull(merged), pull(timeout), pull(fed)], { signal });
    // from is always ready; the others are not.
    expect(first.index).toBe(3);
    expect(first.value).toBe(100);
    const second = select([pull(subscriber), pull(merged), pull(timeout)], { signal });
    await source.push(7);
    expect((await second).value).toBe(7);
    expect(aborts(signal)).toBe(1); // one listener for all of it
    controller.abort(new Error('shutdown'));
    await sleep(5);
    expect(aborts(signal)).toBe(0);
    expect(subscriber.closed && timeout.closed && fed.closed).toBe(true);
    expect(timers.pending()).toBe(0);
    // The broadcast has no subscriber left: it parks nothing on its source. (The merge is
    // open: it may keep a pull parked on its inputs, its own demand.)
    await sleep(5);
    expect(source.tryPush(8)).toBe(false);
    hub.close();
    merged.close();
    idle(source, x, y);
  });

  it('ticker, after and fromEvent: close, dispose and abort clear timers and listeners', async () => {
    const controller = new AbortController();
    const target = new EventTarget();
    timers = pendingTimers();
    const ticks = ticker(5, { signal: controller.signal });
    const timeout = afterMs(600_000, { signal: controller.signal });
    timers.restore();
    expect(timers.pending()).toBe(2);
    const events = fromEvent(target, 'ping', { signal: controller.signal });
    const blocking = fromEvent(target, 'ping', { overflow: 'block' });
    await ticks.pull();
    target.dispatchEvent(new Event('ping'));
    target.dispatchEvent(new Event('ping'));
    target.dispatchEvent(new Event('ping'));
    expect(blocking.stats().waitingPushers).toBe(2);
    ticks.close();
    timeout[Symbol.dispose]();
    blocking.close();
    expect(blocking.stats().waitingPushers).toBe(0);
    expect(getEventListeners(target, 'ping')).toHaveLength(1);
    expect(aborts(controller.signal)).toBe(1);
    controller.abort();
    expect(events.closed).toBe(true);
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
    expect(aborts(controller.signal)).toBe(0);
    await sleep(10);
    expect(timers.pending()).toBe(0);
  });

  it('toReadableStream: cancel withdraws its parked pull and its signal listener', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const reader = channel.toReadableStream({ signal: controller.signal }).getReader();
    const read = reader.read();
    await sleep(1);
    expect(channel.stats().waitingPullers).toBe(1);
    await reader.cancel();
    expect((await read).done).toBe(true);
    expect(aborts(controller.signal)).toBe(0);
    idle(channel);
    await servedInOrder(channel);
  });

  it('from over a channel: aborting leaves nothing parked on the source', async () => {
    const source = new Channel<number>();
    const controller = new AbortController();
    const fed = from(source, { signal: controller.signal });
    const pulled = fed.pull();
    await sleep(1);
    controller.abort();
    await expect(pulled).rejects.toThrow(/closed/);
    await sleep(1);
    idle(source);
    expect(aborts(controller.signal)).toBe(0);
    await servedInOrder(source);
  });
});

describe('port and debug: listeners on ports, targets and signals go', () => {
  afterEach(() => disableDebug());

  it('toPort/fromPort over a MessageChannel: every listener goes once the stream ends, or when toPort is aborted', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const received = fromPort<number>(port2 as never, { capacity: 2 });
      const source = new Channel<number>(4);
      const controller = new AbortController();
      const result = toPort(source, port1 as never, { signal: controller.signal });
      await source.pushAll([1, 2]);
      expect(await received.pull()).toBe(1);
      expect(await received.pull()).toBe(2);
      expect(aborts(controller.signal)).toBe(1);
      controller.abort('stop');
      expect((await result).sent).toBe(2);
      expect(aborts(controller.signal)).toBe(0);
      await expect(received.pull()).rejects.toThrow();
      const deadline = Date.now() + 10_000;
      while (
        getEventListeners(port1 as never, 'message').length + getEventListeners(port2 as never, 'message').length
      ) {
        if (Date.now() > deadline) throw new Error('port listeners left');
        await sleep(5);
      }
      idle(source);
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('enableDebug/disableDebug leave no message listener', () => {
    const listen = new EventTarget();
    enableDebug({ target: { postMessage() {} }, listen });
    enableDebug({ target: { postMessage() {} }, listen });
    expect(getEventListeners(listen, 'message')).toHaveLength(1);
    disableDebug();
    expect(getEventListeners(listen, 'message')).toHaveLength(0);
  });

  it('relayDebug: stop, abort and a throwing signal leave no listener', () => {
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const listen = new EventTarget();
    const controller = new AbortController();
    const stop = relayDebug(worker, { listen, target: { postMessage() {} }, signal: controller.signal });
    expect(getEventListeners(worker, 'message')).toHaveLength(1);
    controller.abort();
    expect(getEventListeners(worker, 'message')).toHaveLength(0);
    expect(getEventListeners(listen, 'message')).toHaveLength(0);
    expect(aborts(controller.signal)).toBe(0);
    stop();
    // Audit AC's fix: a signal whose addEventListener throws made relayDebug throw with its
    // worker and page listeners left added (only a failing announce was cleaned up).
    const signal = Object.assign(new EventTarget(), { aborted: false, reason: undefined });
    signal.addEventListener = () => {
      throw new Error('cannot listen');
    };
    expect(() =>
      relayDebug(worker, { listen, target: { postMessage() {} }, signal: signal as unknown as AbortSignal }),
    ).toThrow('cannot listen');
    expect(getEventListeners(worker, 'message')).toHaveLength(0);
    expect(getEventListeners(listen, 'message')).toHaveLength(0);
  });

  it('enableDebug on a port whose start() throws leaves no listener (audit AC fix)', () => {
    const { port1, port2 } = new MessageChannel();
    try {
      port1.start = () => {
        throw new Error('start fails');
      };
      expect(() => enableDebug({ listen: port1 as never, target: { postMessage() {} } })).toThrow('start fails');
      expect(getEventListeners(port1 as never, 'message')).toHaveLength(0);
    } finally {
      port1.close();
      port2.close();
    }
  });
});

describe('bad input and throwing user code leave nothing behind', () => {
  const evil = {
    toString(): string {
      throw new Error('toString ran');
    },
    [Symbol.toPrimitive](): never {
      throw new Error('toPrimitive ran');
    },
  };

  it('bad arguments (values whose toString throws too) are refused at the call with nothing parked or listened', async () => {
    const channel = new Channel<number>(0, { name: 'kept' });
    const controller = new AbortController();
    const signal = controller.signal;
    const target = new EventTarget();
    const calls: (() => unknown)[] = [
      () => merge(channel, evil as never),
      () => select([pull(channel), evil as never], { signal }),
      () => selectNowait([pull(channel), evil as never]),
      () => channel.pullMany(evil as never, { signal }),
      () => channel.push(1, { signal: evil as never }),
      () => from(evil as never, { signal }),
      () => from([1], { capacity: evil as never, signal }),
      () => fromEvent(target, evil as never, { signal }),
      () => fromEvent(target, 'x', { capacity: -1, signal }),
      () => afterMs(evil as never, { signal }),
      () => ticker(0, { signal }),
      () => broadcast(evil as never),
      () => broadcast(channel).subscribe({ capacity: evil as never, signal }),
      () => channel.toReadableStream({ highWaterMark: evil as never, signal }),
      () => toPort(channel, evil as never, { signal }),
      () => toPort(evil as never, { postMessage() {}, addEventListener() {}, removeEventListener() {} }, { signal }),
    ];
    for (const call of calls) {
      let failure: unknown;
      try {
        await call();
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).not.toMatch(/toString ran|toPrimitive ran/);
      idle(channel);
      expect(aborts(signal)).toBe(0);
      expect(getEventListeners(target, 'x')).toHaveLength(0);
    }
    await servedInOrder(channel);
  });

  it('a source that throws: from closes with the error, releases the signal, and leaves its channel source idle', async () => {
    const controller = new AbortController();
    let calls = 0;
    const throwing: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => {
          if (++calls > 2) throw new Error('source broke');
          return { done: false, value: calls };
        },
      }),
    };
    const fed = from(throwing, { signal: controller.signal });
    const got: unknown[] = [];
    try {
      for await (const value of fed) got.push(value);
    } catch (error) {
      got.push((error as Error).message);
    }
    expect(got).toEqual([1, 2, 'source broke']);
    expect(aborts(controller.signal)).toBe(0);
    idle(fed);
  });

  it('an async generator fed through from is finished (its finally runs) when the signal aborts', async () => {
    const controller = new AbortController();
    let finished = false;
    async function* numbers(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finished = true;
      }
    }
    const fed = from(numbers(), { signal: controller.signal });
    expect(await fed.pull()).toBe(0);
    controller.abort();
    const deadline = Date.now() + 10_000;
    while (!finished && Date.now() < deadline) await sleep(5);
    expect(finished).toBe(true);
    expect(fed.closed).toBe(true);
    expect(aborts(controller.signal)).toBe(0);
  });
});
