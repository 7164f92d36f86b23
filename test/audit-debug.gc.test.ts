/**
 * Red-team audit of debug mode's use of the garbage collector (SPEC.md "Debug mode": tracked
 * through a `WeakRef`; second map: leaked waiters). Runs with `--expose-gc` (the vitest `gc`
 * project). Every test that expects "no leak" first proves that the channel was collected.
 */
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { after, broadcast, Channel, fromEvent, merge, pull, push, select, toReadableStream } from '../src/index.js';
import { fromPort, toPort } from '../src/port/index.js';
import { INSPECTOR_SOURCE, type LeakSnapshot, type SnapshotMessage } from '../src/protocol.js';
import { collectAll, quiet, tick } from './helpers/gc.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const THIS_FILE = 'audit-debug.gc.test.ts';

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];

const warn = useQuietDebug(disableDebug);

const hello = { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } as const;

describe('a tracked channel is never kept alive by debug mode', () => {
  test('a buffered channel seen by a connected inspector, with stacks, is collected once dropped', async () => {
    const posted: SnapshotMessage[] = [];
    const listen = new EventTarget();
    enableDebug({
      target: { postMessage: (m: unknown) => posted.push(m as SnapshotMessage) },
      listen,
      intervalMs: 5,
      stacks: true,
    });
    listen.dispatchEvent(new MessageEvent('message', { data: hello }));
    const refs = (() => {
      const channel = new Channel<object>(4, { name: 'dropped' });
      channel.pushNowait({ big: new Array(1000).fill(1) });
      return [new WeakRef(channel)];
    })();
    await vi.waitFor(() => expect(posted.at(-1)?.channels?.map((c) => c.name)).toContain('dropped'));
    await collectAll(refs);
    expect(snapshot().channels).toEqual([]);
    expect(leaks()).toEqual([]);
  });

  test('a channel whose parked operations committed in a later task is collected and reports nothing', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const refs = await (async () => {
      const channel = new Channel<number>(0);
      const pulled = channel.pull();
      await tick(); // recorded at the end of its task
      channel.pushNowait(1);
      await pulled;
      return [new WeakRef(channel)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });

  test('a value parked in a push is collected with its abandoned channel (debug mode keeps no value)', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const refs = (() => {
      const channel = new Channel<object>(0);
      const value = { payload: 'x' };
      quiet(channel.push(value));
      return [new WeakRef(channel), new WeakRef(value)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([expect.objectContaining({ kind: 'push' })]);
  });
});

describe('batches leak like the operations they are', () => {
  test('a pushAll abandoned while it waits behind a long-lived signal is one leaked push', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const controller = new AbortController();
    await collectAll(
      (() => {
        const channel = new Channel<number>(1, { name: 'batch in' });
        quiet(channel.pushAll([1, 2, 3, 4], { signal: controller.signal }));
        return [new WeakRef(channel)];
      })(),
    );
    expect(leaks()).toEqual([
      expect.objectContaining({ kind: 'push', channel: expect.objectContaining({ name: 'batch in' }) }),
    ]);
    expect(warn()).toHaveBeenCalledTimes(1);
    controller.abort();
  });

  test('a pullMany abandoned behind a long-lived signal is one leaked pull', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const controller = new AbortController();
    await collectAll(
      (() => {
        const channel = new Channel<number>(3, { name: 'batch out' });
        quiet(channel.pullMany(3, { signal: controller.signal }));
        return [new WeakRef(channel)];
      })(),
    );
    expect(leaks()).toEqual([expect.objectContaining({ kind: 'pull' })]);
    controller.abort();
  });

  test('pushers whose values a pullMany took, and pullers a pushAll fed, are never reported', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const refs = await (async () => {
      const a = new Channel<number>(0);
      const pushes = [a.push(1), a.push(2), a.push(3)];
      await tick();
      expect(await a.pullMany(3)).toEqual([1, 2, 3]);
      await Promise.all(pushes);
      const b = new Channel<number>(0);
      const pulls = [b.pull(), b.pull()];
      await tick();
      await b.pushAll([1, 2]);
      expect(await Promise.all(pulls)).toEqual([1, 2]);
      return [new WeakRef(a), new WeakRef(b)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
  });
});

describe('long-lived signals of every kind', () => {
  test('a pull behind AbortSignal.timeout(one day) does not keep its abandoned channel alive', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const signal = AbortSignal.timeout(86_400_000);
    await collectAll(
      (() => {
        const channel = new Channel<number>(0);
        quiet(channel.pull({ signal }));
        return [new WeakRef(channel)];
      })(),
    );
    expect(leaks()).toEqual([expect.objectContaining({ kind: 'pull' })]);
    void signal;
  });

  test('a push behind AbortSignal.any of a long-lived signal does not keep its abandoned channel alive', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const controller = new AbortController();
    await collectAll(
      (() => {
        const channel = new Channel<number>(0);
        quiet(channel.push(1, { signal: AbortSignal.any([controller.signal]) }));
        return [new WeakRef(channel)];
      })(),
    );
    expect(leaks()).toEqual([expect.objectContaining({ kind: 'push' })]);
    controller.abort();
  });
});

describe('a signal is no way out while debug mode is on', () => {
  test('a pull behind a long-lived signal whose suspended caller holds the channel is collected and reported leaked; its finally never runs', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const controller = new AbortController();
    const after: string[] = [];
    const refs: WeakRef<object>[] = [];
    void (async () => {
      const channel = new Channel<number>(0, { name: 'held by its caller' });
      refs.push(new WeakRef(channel));
      try {
        await channel.pull({ signal: controller.signal });
      } finally {
        after.push('finally');
      }
      void channel;
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([
      expect.objectContaining({ kind: 'pull', channel: expect.objectContaining({ name: 'held by its caller' }) }),
    ]);
    controller.abort();
    await tick();
    expect(after).toEqual([]);
  });
});

describe('no false positive', () => {
  test('the losing case of a select that committed elsewhere is never reported when its channel goes', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const winner = new Channel<number>(0);
    const refs = await (async () => {
      const loser = new Channel<number>(0, { name: 'loser' });
      const chosen = select([pull(loser), pull(winner)]);
      await tick();
      winner.pushNowait(1);
      expect((await chosen).index).toBe(1);
      return [new WeakRef(loser)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
  });

  test('operations aborted or closed in a later task than they parked are never reported', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const refs = await (async () => {
      const aborted = new Channel<number>(0);
      const closed = new Channel<number>(0);
      const controller = new AbortController();
      const a = quiet(aborted.pull({ signal: controller.signal }));
      const c = quiet(closed.push(1));
      await tick();
      expect(snapshot().channels.flatMap((ch) => [...ch.pushers, ...ch.pullers])).toHaveLength(2);
      controller.abort('stop');
      closed.close();
      await Promise.allSettled([a, c]);
      return [new WeakRef(aborted), new WeakRef(closed)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
  });

  test('a channel dropped with a buffered value but no parked operation is not a leak', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    await collectAll(
      (() => {
        const channel = new Channel<number>(1);
        channel.pushNowait(1);
        return [new WeakRef(channel)];
      })(),
    );
    expect(leaks()).toEqual([]);
  });
});

describe('what a leak says', () => {
  test('a leak carries its kind, since when it waited (≤ detectedAt), where it parked and where the channel was created', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const before = Date.now();
    function makeChannel() {
      return new Channel<string>(0, { name: 'named' });
    }
    function parkOn(channel: Channel<string>) {
      quiet(channel.pull());
    }
    await collectAll(
      (() => {
        const channel = makeChannel();
        parkOn(channel);
        return [new WeakRef(channel)];
      })(),
    );
    const [leak] = leaks();
    expect(leak?.kind).toBe('pull');
    expect(leak?.since).toBeGreaterThanOrEqual(before - 20);
    expect(leak?.since).toBeLessThanOrEqual(leak?.detectedAt ?? 0);
    expect(leak?.stack).toMatch(/parkOn/);
    expect(leak?.stack).toContain(THIS_FILE);
    expect(leak?.channel.createdAt).toMatch(/makeChannel/);
    expect(leak?.channel).toMatchObject({ name: 'named', capacity: 0 });
  });

  test('each of several abandoned operations is warned about exactly once, by default', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    await collectAll(
      (() => {
        const a = new Channel<number>(0);
        const b = new Channel<number>(Infinity, { name: 'unbounded' });
        quiet(a.push(1));
        quiet(a.push(2));
        quiet(b.pull());
        return [new WeakRef(a), new WeakRef(b)];
      })(),
    );
    await tick();
    gc?.();
    await tick();
    expect(
      leaks()
        .map((leak) => leak.kind)
        .sort(),
    ).toEqual(['pull', 'push', 'push']);
    expect(warn()).toHaveBeenCalledTimes(3);
    expect(leaks().find((leak) => leak.kind === 'pull')?.channel.capacity).toBeNull();
  });
});

describe('helpers that park for the user', () => {
  test('a merge whose user abandoned a pull on it, with inputs nobody feeds, is reported', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    await collectAll(
      (() => {
        const a = new Channel<number>(0, { name: 'in a' });
        const b = new Channel<number>(0, { name: 'in b' });
        const merged = merge(a, b);
        quiet(merged.pull());
        return [new WeakRef(a), new WeakRef(b), new WeakRef(merged)];
      })(),
    );
    expect(leaks().length).toBeGreaterThanOrEqual(1);
  });

  test('a merge dropped with open inputs after use reports its pull on each input; closed first, nothing', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    const use = async (close: boolean) => {
      const a = new Channel<number>(1, { name: 'input a' });
      const b = new Channel<number>(1, { name: 'input b' });
      const merged = merge(a, b);
      a.pushNowait(1);
      expect(await merged.pull()).toBe(1);
      if (close) merged.close();
      return [new WeakRef(a), new WeakRef(b), new WeakRef(merged)];
    };
    await collectAll(await use(true));
    expect(leaks()).toEqual([]);
    await collectAll(await use(false));
    expect(
      leaks()
        .map((leak) => `${leak.kind} ${leak.channel.name}`)
        .sort(),
    ).toEqual(['pull input a', 'pull input b']);
  });

  test('a broadcast closed before it is dropped leaves no leak behind', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const refs = await (async () => {
      const source = new Channel<number>(0, { name: 'source' });
      const hub = broadcast(source);
      const subscriber = hub.subscribe();
      await tick();
      hub.close();
      await tick();
      return [new WeakRef(source), new WeakRef(subscriber)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
  });
});

/**
 * Operations that parked in one task (so debug mode recorded them) and left their queue in a
 * later one, through every path the library has: none may be reported when everything is
 * dropped. (A snapshot reads the queues themselves, so only a collection shows a record that
 * was never removed.)
 */
describe('every way out of a queue removes the record', () => {
  const scenarios: Record<string, () => Promise<object[]>> = {
    'a merge’s pulls on its inputs, after an input delivered': async () => {
      const a = new Channel<number>(0);
      const b = new Channel<number>(0);
      const merged = merge(a, b);
      const pulled = merged.pull();
      await tick();
      a.pushNowait(1);
      expect(await pulled).toBe(1);
      // The merge parks on its inputs again at once (its buffer has room): close them, so that
      // only the records of the pulls that committed could be left.
      a.close();
      b.close();
      return [a, b, merged];
    },
    'a merge’s pulls on its inputs, after the merged channel closed': async () => {
      const a = new Channel<number>(0);
      const merged = merge(a);
      const pulled = quiet(merged.pull());
      await tick();
      merged.close();
      await pulled.catch(() => {});
      return [a, merged];
    },
    'a broadcast’s pull on its source, after a value went to its subscriber': async () => {
      const source = new Channel<number>(0);
      const hub = broadcast(source);
      const subscriber = hub.subscribe();
      const pulled = subscriber.pull();
      await tick();
      await source.push(1);
      expect(await pulled).toBe(1);
      hub.close();
      await tick();
      return [source, subscriber];
    },
    'a stream reader’s pull, after the reader cancelled': async () => {
      const channel = new Channel<number>(0);
      const reader = toReadableStream(channel).getReader();
      const read = reader.read();
      await tick();
      await reader.cancel();
      await read.catch(() => {});
      return [channel];
    },
    'a pull on an after() channel, after its timer fired': async () => {
      const timer = after(1);
      const pulled = timer.pull();
      await tick();
      await pulled;
      return [timer];
    },
    'a pull on a fromEvent channel, after the event': async () => {
      const target = new EventTarget();
      const controller = new AbortController();
      const events = fromEvent(target, 'ping', { signal: controller.signal });
      const pulled = events.pull();
      await tick();
      target.dispatchEvent(new Event('ping'));
      await pulled;
      controller.abort();
      return [events];
    },
    'a three-case select, after one case committed': async () => {
      const a = new Channel<number>(0);
      const b = new Channel<number>(0);
      const c = new Channel<number>(1);
      c.pushNowait(0);
      const chosen = select([pull(a), pull(b), push(c, 1)]);
      await tick();
      c.pullNowait();
      expect((await chosen).index).toBe(2);
      return [a, b, c];
    },
    'pushers failed by close on a full buffered channel': async () => {
      const channel = new Channel<number>(1);
      channel.pushNowait(0);
      const pushes = [quiet(channel.push(1)), quiet(channel.push(2))];
      await tick();
      channel.close();
      await Promise.allSettled(pushes);
      return [channel];
    },
    'a loop that broke out of for await after a value': async () => {
      const channel = new Channel<number>(0);
      const loop = (async () => {
        for await (const value of channel) return value;
        return undefined;
      })();
      await tick();
      channel.pushNowait(5);
      expect(await loop).toBe(5);
      return [channel];
    },
    'a pull on a fromPort channel, after the sender delivered and closed': async () => {
      const { port1, port2 } = new MessageChannel();
      const local = new Channel<number>(1);
      const remote = fromPort<number>(port2);
      const pulled = remote.pull();
      await tick();
      const sent = toPort(local, port1);
      await local.push(7);
      expect(await pulled).toBe(7);
      local.close();
      await sent;
      port1.close();
      port2.close();
      return [local, remote];
    },
  };

  test.each(Object.keys(scenarios))('%s: nothing is reported', async (name) => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: false });
    const refs = (await (scenarios[name] as () => Promise<object[]>)()).map((object) => new WeakRef(object));
    await collectAll(refs);
    expect(leaks()).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });
});

describe('leaks match what was parked (property)', () => {
  type Op = { op: 'push' | 'pull' | 'tryPush' | 'tryPull' | 'abort' | 'select'; ch: number; other: number };
  const op = fc.record({
    op: fc.constantFrom('push', 'pull', 'tryPush', 'tryPull', 'abort', 'select'),
    ch: fc.nat(2),
    other: fc.nat(2),
  }) as fc.Arbitrary<Op>;

  test('abandoning channels after any sequence of operations reports exactly the operations still parked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), fc.boolean(), async (ops, stacks) => {
        enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks, warnLeaks: false });
        const controller = new AbortController(); // long-lived, outlives the channels
        const { refs, expected } = await (async () => {
          const channels = [new Channel<number>(0), new Channel<number>(1), new Channel<number>(Infinity)];
          const aborters: AbortController[] = [];
          for (const step of ops) {
            const channel = channels[step.ch] as Channel<number>;
            const signal = AbortSignal.any([controller.signal, ...(step.ch === 1 ? [] : [newAborter(aborters)])]);
            if (step.op === 'push') quiet(channel.push(1, { signal }));
            else if (step.op === 'pull') quiet(channel.pull({ signal }));
            else if (step.op === 'tryPush') channel.tryPush(1);
            else if (step.op === 'tryPull') channel.tryPull();
            else if (step.op === 'abort') aborters.shift()?.abort('stop');
            else quiet(select([pull(channel), pull(channels[step.other] as Channel<number>)], { signal }));
          }
          await tick();
          const parked = snapshot().channels.flatMap((c) => [...c.pushers, ...c.pullers]);
          const plain = parked.filter((w) => w.select === undefined).length;
          const selects = new Set(parked.flatMap((w) => (w.select === undefined ? [] : [w.select]))).size;
          return { refs: channels.map((c) => new WeakRef(c)), expected: plain + selects };
        })();
        await collectAll(refs);
        expect(leaks()).toHaveLength(expected);
        disableDebug();
      }),
      { numRuns: 20 },
    );
  });
});

function newAborter(list: AbortController[]): AbortSignal {
  const controller = new AbortController();
  list.push(controller);
  return controller.signal;
}
