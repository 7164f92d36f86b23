/**
 * Audit AC: retention. A channel the application dropped while operations are parked on it
 * with a long-lived signal is collected (SPEC, second map: "Parking an operation with a
 * long-lived signal must not keep an abandoned channel alive"), for every kind of parked
 * operation and every export that parks one; the signal's one `abort` listener stays while
 * entries are left and goes on abort, whose reason still reaches the abandoned callers.
 * Closed or disposed helpers do not keep their sources or targets alive.
 */
import { getEventListeners } from 'node:events';
import { after, broadcast, Channel, fromEvent, merge, pull, push, select, ticker } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { collectAll, quiet, tick } from '../helpers/gc.js';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

/**
 * Parks something on channels made inside `park` (and dropped by it), with `signal`; returns
 * WeakRefs to those channels and the promises of the parked operations.
 */
type Parker = (signal: AbortSignal) => { refs: WeakRef<object>[]; promises: Promise<unknown>[] };

const parkers: Record<string, Parker> = {
  pull: (signal) => {
    const channel = new Channel<number>();
    return { refs: [new WeakRef(channel)], promises: [channel.pull({ signal })] };
  },
  push: (signal) => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    return { refs: [new WeakRef(channel)], promises: [channel.push(1, { signal })] };
  },
  pullMany: (signal) => {
    const channel = new Channel<number>();
    return { refs: [new WeakRef(channel)], promises: [channel.pullMany(8, { signal })] };
  },
  pushAll: (signal) => {
    const channel = new Channel<number>(1);
    return { refs: [new WeakRef(channel)], promises: [channel.pushAll([1, 2, 3], { signal })] };
  },
  'one-case select': (signal) => {
    const channel = new Channel<number>();
    return { refs: [new WeakRef(channel)], promises: [select([pull(channel)], { signal })] };
  },
  'multi-case select (pull and push)': (signal) => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    return { refs: [new WeakRef(a), new WeakRef(b)], promises: [select([pull(a), push(b, 1)], { signal })] };
  },
  'select over a broadcast subscriber and a merge': (signal) => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ signal });
    const x = new Channel<number>();
    const y = new Channel<number>();
    const merged = merge(x, y);
    return {
      refs: [new WeakRef(source), new WeakRef(hub), new WeakRef(subscriber), new WeakRef(merged), new WeakRef(x)],
      promises: [select([pull(subscriber), pull(merged)], { signal })],
    };
  },
  'pull on a fromEvent channel whose target is dropped too': (signal) => {
    const target = new EventTarget();
    const events = fromEvent(target, 'tick', { signal });
    return { refs: [new WeakRef(events), new WeakRef(target)], promises: [events.pull({ signal })] };
  },
};

describe('a channel abandoned with operations parked with a long-lived signal is collected', () => {
  for (const [name, parker] of Object.entries(parkers)) {
    it(name, async () => {
      const controller = new AbortController();
      const signal = controller.signal;
      const { refs, promises } = parker(signal);
      for (const promise of promises) quiet(promise);
      expect(listeners(signal)).toBe(1);
      await collectAll(refs);
      // The abort still reaches the abandoned callers, with its reason, and the listener goes.
      const reason = new Error('shutdown');
      controller.abort(reason);
      for (const promise of promises) await expect(promise).rejects.toBe(reason);
      expect(listeners(signal)).toBe(0);
    });
  }
});

describe('closed and disposed helpers let go of what they were given', () => {
  it('a closed ticker and a lost after on a long-lived signal: collected, listener gone once none is left', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    const refs: WeakRef<object>[] = [];
    (() => {
      const ticks = ticker(10, { signal });
      const timeout = after(600_000, { signal });
      refs.push(new WeakRef(ticks), new WeakRef(timeout));
      ticks.close();
      timeout.close();
    })();
    expect(listeners(signal)).toBe(0);
    await collectAll(refs);
  });

  it('a closed fromEvent channel does not keep its target, nor the target it', async () => {
    const controller = new AbortController();
    const target = new EventTarget();
    const refs: WeakRef<object>[] = [];
    (() => {
      const events = fromEvent(target, 'x', { signal: controller.signal });
      refs.push(new WeakRef(events));
      events.close();
    })();
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    expect(listeners(controller.signal)).toBe(0);
    await collectAll(refs);
  });

  it('a closed merge lets its inputs go; its inputs do not hold the merge', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const refs: WeakRef<object>[] = [];
    (() => {
      const merged = merge(a, b);
      refs.push(new WeakRef(merged));
      void quiet(merged.pull());
      merged.close();
    })();
    await tick();
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
    await collectAll(refs);
    // The inputs work as before: nothing parked on them eats a value.
    expect(a.tryPush(1)).toBe(false);
  });

  it('a closed broadcast lets its subscribers go and leaves nothing parked on its source', async () => {
    const source = new Channel<number>();
    const refs: WeakRef<object>[] = [];
    (() => {
      const hub = broadcast(source);
      const one = hub.subscribe();
      const two = hub.subscribe({ capacity: 4, overflow: 'drop-oldest' });
      void quiet(one.pull());
      refs.push(new WeakRef(hub), new WeakRef(one), new WeakRef(two));
      hub.close();
    })();
    await tick();
    expect(source.stats().waitingPullers).toBe(0);
    await collectAll(refs);
    expect(source.tryPush(1)).toBe(false);
  });

  it('a cancelled toReadableStream with a long-lived signal lets its channel go', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const channel = new Channel<number>();
      const reader = channel.toReadableStream({ signal: controller.signal }).getReader();
      const read = reader.read();
      refs.push(new WeakRef(channel));
      await reader.cancel();
      await read;
    })();
    expect(listeners(controller.signal)).toBe(0);
    await collectAll(refs);
  });
});

describe('debug mode: the abandoned operation behind a long-lived signal is reported leaked', () => {
  afterEach(() => {
    disableDebug();
  });

  it('a pull and a select parked with a long-lived signal on dropped channels', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    clearLeaks();
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    const promises: Promise<unknown>[] = [];
    (() => {
      const a = new Channel<number>(0, { name: 'dropped-a' });
      const b = new Channel<number>(0, { name: 'dropped-b' });
      promises.push(quiet(a.pull({ signal: controller.signal })));
      promises.push(quiet(select([pull(a), pull(b)], { signal: controller.signal })));
      refs.push(new WeakRef(a), new WeakRef(b));
    })();
    await collectAll(refs);
    const deadline = Date.now() + 10_000;
    let leaked = snapshot().leaked ?? [];
    while (leaked.length < 2 && Date.now() < deadline) {
      await tick();
      leaked = snapshot().leaked ?? [];
    }
    // The pull, and the select once (one operation, though it waited on two channels).
    expect(leaked.map((entry) => entry.kind).sort()).toEqual(['pull', 'select']);
    expect(JSON.stringify(leaked)).toContain('dropped-a');
    controller.abort();
    expect(listeners(controller.signal)).toBe(0);
    clearLeaks();
  });
});

describe('chanasync/port: a finished stream does not keep its channel alive through the port', () => {
  it('a closed fromPort channel and a drained toPort channel are collected while both ports live', async () => {
    const { MessageChannel } = await import('node:worker_threads');
    const { fromPort, toPort } = await import('chanasync/port');
    const { port1, port2 } = new MessageChannel();
    try {
      const refs: WeakRef<object>[] = [];
      const outcome = await (async () => {
        const received = fromPort<number>(port2 as never, { capacity: 2 });
        const source = new Channel<number>(2);
        const result = toPort(source, port1 as never);
        await source.pushAll([1, 2]);
        source.close();
        const got: number[] = [];
        for await (const value of received) got.push(value);
        refs.push(new WeakRef(received), new WeakRef(source));
        return { got, result: await result };
      })();
      expect(outcome).toEqual({ got: [1, 2], result: { sent: 2, undelivered: [] } });
      await collectAll(refs);
      // A later stream on the same ports works (the endpoint was left in order).
      const again = fromPort<number>(port2 as never);
      const more = new Channel<number>(1);
      const sending = toPort(more, port1 as never);
      await more.push(3);
      more.close();
      expect(await again.pull()).toBe(3);
      expect((await sending).sent).toBe(1);
    } finally {
      port1.close();
      port2.close();
    }
  });
});

describe('composite and timeout signals', () => {
  it('AbortSignal.timeout still rejects a pull and a select parked on channels already collected', async () => {
    const refs: WeakRef<object>[] = [];
    const promises: Promise<unknown>[] = [];
    (() => {
      const a = new Channel<number>();
      const b = new Channel<number>();
      promises.push(quiet(a.pull({ signal: AbortSignal.timeout(400) })));
      promises.push(quiet(select([pull(a), pull(b)], { signal: AbortSignal.timeout(400) })));
      refs.push(new WeakRef(a), new WeakRef(b));
    })();
    await collectAll(refs);
    for (const promise of promises) await expect(promise).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('AbortSignal.any of a long-lived signal: the channel is collected, no listener stays on the source signal, its abort reaches the caller', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    let pulled: Promise<unknown> | undefined;
    (() => {
      const channel = new Channel<number>();
      pulled = quiet(channel.pull({ signal: AbortSignal.any([controller.signal]) }));
      refs.push(new WeakRef(channel));
    })();
    await collectAll(refs);
    expect(listeners(controller.signal)).toBe(0);
    controller.abort('bye');
    await expect(pulled).rejects.toBe('bye');
  });
});
