/**
 * SPEC.md "Debug mode and inspector, second map": leaked waiters (Go 1.26's GC-based rule).
 * An operation still parked when its channel is garbage-collected can never complete: it is
 * reported once, with its stacks. One that committed, was aborted or failed by close is never
 * reported. Runs with `--expose-gc` (the vitest `gc` project); every test that expects no
 * report first proves that the channel really was collected.
 */
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { clearLeaks, disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { after, Channel, from, pull, push, select } from '../src/index.js';
import {
  INSPECTOR_SOURCE,
  isPageToInspectorMessage,
  type LeakSnapshot,
  LIMITS,
  type SnapshotMessage,
} from '../src/protocol.js';
import { collectAll, quiet, tick } from './helpers/gc.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const THIS_FILE = 'leak.gc.test.ts';

/** The leaks in the current snapshot. */
const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];

const warn = useQuietDebug(disableDebug);
beforeEach(() => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
});

/** The operations under test, each parked on `channel` (filled first if it needs to be full). */
const operations = {
  push: { kind: 'push', park: (channel: Channel<number>, signal?: AbortSignal) => channel.push(99, { signal }) },
  pull: { kind: 'pull', park: (channel: Channel<number>, signal?: AbortSignal) => channel.pull({ signal }) },
  iteration: {
    kind: 'pull',
    park: (channel: Channel<number>) => channel[Symbol.asyncIterator]().next(),
  },
  'one-case select (pull)': {
    kind: 'select',
    park: (channel: Channel<number>, signal?: AbortSignal) => select([pull(channel)], { signal }),
  },
  'one-case select (push)': {
    kind: 'select',
    park: (channel: Channel<number>, signal?: AbortSignal) => select([push(channel, 99)], { signal }),
  },
  'two-case select': {
    kind: 'select',
    park: (channel: Channel<number>, signal?: AbortSignal) =>
      select([pull(channel), pull(new Channel<number>(0, { name: 'other' }))], { signal }),
  },
} as const;
type Operation = keyof typeof operations;
const isPush = (name: Operation) => name === 'push' || name === 'one-case select (push)';

/**
 * Makes a channel with `capacity`, full if the operation pushes (so that it parks), parks the
 * operation, checks it is parked, and ends it as `outcome` says. Returns weak references to the
 * channel (and nothing else of it survives this function).
 */
function scenario(name: Operation, capacity: number, outcome: 'committed' | 'aborted' | 'closed' | 'abandoned') {
  const channel = new Channel<number>(capacity, { name: `${name} cap ${capacity}` });
  for (let i = 0; i < capacity && isPush(name); i++) channel.pushNowait(i);
  const controller = new AbortController();
  const parked = quiet(
    operations[name].park(channel, name === 'iteration' ? undefined : controller.signal) as Promise<unknown>,
  );
  const stats = channel.stats();
  expect(stats.waitingPushers + stats.waitingPullers).toBeGreaterThan(0);
  if (outcome === 'committed') {
    if (isPush(name)) channel.pullNowait();
    else channel.pushNowait(1);
  } else if (outcome === 'aborted') {
    controller.abort(new Error('aborted'));
  } else if (outcome === 'closed') {
    channel.close();
  }
  void parked;
  return [new WeakRef(channel)];
}

const names = Object.keys(operations) as Operation[];

describe.each([0, 2])('on a channel of capacity %i', (capacity) => {
  describe.each(names)('%s', (name) => {
    test('abandoned while parked: reported once as leaked, with where it parked and where the channel was created', async () => {
      await collectAll(scenario(name, capacity, 'abandoned'));
      const [leak, ...more] = leaks();
      expect(more).toEqual([]);
      expect(leak).toMatchObject({ kind: operations[name].kind, channel: { capacity } });
      expect(leak?.stack).toContain(THIS_FILE);
      expect(leak?.channel.createdAt).toContain(THIS_FILE);
      expect(leak?.detectedAt).toBeGreaterThanOrEqual(leak?.since ?? Infinity);
      expect(warn()).toHaveBeenCalledTimes(1);
    });

    const outcomes = ['committed', 'closed', 'aborted'] as const;
    test.each(outcomes.filter((outcome) => outcome !== 'aborted' || name !== 'iteration'))(
      '%s, then dropped: never reported',
      async (outcome) => {
        await collectAll(scenario(name, capacity, outcome));
        expect(leaks()).toEqual([]);
        expect(warn()).not.toHaveBeenCalled();
      },
    );
  });
});

describe('classic leaks and their fixed twins', () => {
  /**
   * Go's classic: the reply channel is unbuffered, the caller gives up after a timeout, and
   * the worker's reply blocks forever. Returns a weak reference to the reply channel.
   */
  async function requestWithTimeout(capacity: number): Promise<WeakRef<object>[]> {
    const reply = new Channel<string>(capacity, { name: 'reply' });
    const ref = new WeakRef(reply);
    let finishWork = () => {};
    const work = new Promise<void>((resolve) => {
      finishWork = resolve;
    });
    void (async () => {
      await work; // slow work, done after the caller gave up
      await reply.push('result').catch(() => {});
    })();
    const result = await select([pull(reply), pull(after(1))]);
    expect(result.index).toBe(1); // timed out
    finishWork(); // the worker replies (and, unbuffered, blocks)
    await tick();
    return [ref];
  }

  test('a sender left blocked after its receiver timed out (select with after) is reported as a leaked push', async () => {
    await collectAll(await requestWithTimeout(0));
    expect(leaks()).toEqual([
      expect.objectContaining({ kind: 'push', channel: expect.objectContaining({ name: 'reply' }) }),
    ]);
  });

  test('with a buffered reply channel the late sender commits and nothing leaks', async () => {
    await collectAll(await requestWithTimeout(1));
    expect(leaks()).toEqual([]);
  });

  /** A consumer loop over a channel whose producer stops without closing it (or closes it). */
  async function consumer(producerCloses: boolean): Promise<WeakRef<object>[]> {
    const jobs = new Channel<number>(1, { name: 'jobs' });
    const seen: number[] = [];
    void (async () => {
      for await (const job of jobs) seen.push(job);
    })();
    await jobs.push(1);
    await jobs.push(2);
    if (producerCloses) jobs.close();
    await tick();
    expect(seen).toEqual([1, 2]);
    return [new WeakRef(jobs)];
  }

  test('a consumer abandoned mid-loop (its producer forgot to close) is reported as a leaked pull', async () => {
    await collectAll(await consumer(false));
    expect(leaks()).toEqual([
      expect.objectContaining({ kind: 'pull', channel: expect.objectContaining({ name: 'jobs' }) }),
    ]);
  });

  test('a consumer whose producer closes the channel ends its loop and nothing leaks', async () => {
    await collectAll(await consumer(true));
    expect(leaks()).toEqual([]);
  });

  test('a select whose other sides were all dropped is one leak, not one per case', async () => {
    await collectAll(
      (() => {
        const a = new Channel<number>(0, { name: 'a' });
        const b = new Channel<number>(0, { name: 'b' });
        quiet(select([pull(a), push(b, 1)]));
        return [new WeakRef(a), new WeakRef(b)];
      })(),
    );
    expect(leaks()).toEqual([
      expect.objectContaining({ kind: 'select', channel: expect.objectContaining({ name: 'a' }) }),
    ]);
    expect(warn()).toHaveBeenCalledTimes(1);
  });

  test('a select parked on a channel that is still alive keeps its other channels alive: no leak', async () => {
    const kept = new Channel<number>(0, { name: 'kept' });
    const dropped = (() => {
      const channel = new Channel<number>(0, { name: 'dropped' });
      quiet(select([pull(channel), pull(kept)]));
      return new WeakRef(channel);
    })();
    for (let round = 0; round < 5; round++) {
      await tick();
      gc?.();
    }
    expect(dropped.deref()).toBeDefined(); // reachable through the select's case on `kept`
    expect(leaks()).toEqual([]);
    kept.close(); // the select fires; now both can go
    await collectAll([dropped]);
    expect(leaks()).toEqual([]);
  });

  test('a select with a case on a channel created before debug mode is reported once, by its tracked channel', async () => {
    await collectAll(
      (() => {
        disableDebug();
        const untracked = new Channel<number>(0, { name: 'untracked' });
        enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
        const tracked = new Channel<number>(0, { name: 'tracked' });
        quiet(select([pull(untracked), pull(tracked)]));
        return [new WeakRef(tracked), new WeakRef(untracked)];
      })(),
    );
    expect(leaks()).toEqual([
      expect.objectContaining({ kind: 'select', channel: expect.objectContaining({ name: 'tracked' }) }),
    ]);
  });
});

describe('many operations in one task (debug mode batches parks without stacks)', () => {
  beforeEach(() => enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false }));

  test('150 operations abandoned in one task are 150 leaks', async () => {
    await collectAll(
      (() => {
        const channels = Array.from({ length: 150 }, (_, i) => new Channel<number>(i % 3, { name: `c${i}` }));
        for (const channel of channels) quiet(channel.pull());
        return channels.map((channel) => new WeakRef(channel));
      })(),
    );
    expect(leaks()).toHaveLength(LIMITS.leaks);
    expect(snapshot().truncated).toEqual({ channels: 0, waiters: 0, leaks: 150 - LIMITS.leaks });
  });

  test('150 operations that park and commit in one task, interleaved with 10 abandoned ones, are 10 leaks', async () => {
    await collectAll(
      (() => {
        const refs: WeakRef<object>[] = [];
        for (let i = 0; i < 150; i++) {
          const channel = new Channel<number>(0);
          quiet(channel.pull());
          channel.pushNowait(i);
          refs.push(new WeakRef(channel));
          if (i % 15 === 0) {
            const abandoned = new Channel<number>(0, { name: `abandoned ${i}` });
            quiet(abandoned.push(i));
            refs.push(new WeakRef(abandoned));
          }
        }
        return refs;
      })(),
    );
    // Finalizers run in no particular order.
    expect(
      leaks()
        .map((leak) => leak.channel.name)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `abandoned ${i * 15}`).sort());
  });

  test('an operation parked in the middle of a queue and aborted is not reported; its neighbours are', async () => {
    await collectAll(
      (() => {
        const channel = new Channel<number>(0, { name: 'queue' });
        const controller = new AbortController();
        quiet(channel.pull());
        quiet(channel.pull({ signal: controller.signal }));
        quiet(channel.pull());
        controller.abort();
        return [new WeakRef(channel)];
      })(),
    );
    expect(leaks().map((leak) => leak.kind)).toEqual(['pull', 'pull']);
  });
});

describe('channels fed from elsewhere', () => {
  /** A from() channel over an iterable whose cleanup the test watches; one value pulled. */
  function lazySource(close: boolean) {
    const cleanup = { done: false };
    function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleanup.done = true;
      }
    }
    const refs = (() => {
      // The pull parks before the generator ran (it is read on demand, a microtask later): a
      // generator never started runs no finally on return(), so watch return() itself.
      const generator = numbers();
      const giveBack = generator.return.bind(generator);
      generator.return = (value) => {
        cleanup.done = true;
        return giveBack(value);
      };
      const channel = from(generator, { name: 'numbers' });
      quiet(channel.pull());
      if (close) channel.close();
      return [new WeakRef(channel)];
    })();
    return { refs, cleanup };
  }

  test('a from() channel dropped without close has nothing parked to report (its pump reads only on demand), and its source is never closed', async () => {
    const { refs, cleanup } = lazySource(false);
    await collectAll(refs);
    expect(leaks()).toEqual([]);
    expect(cleanup.done).toBe(false);
  });

  test('a from() channel closed before it is dropped stops its source: nothing leaks', async () => {
    const { refs, cleanup } = lazySource(true);
    await collectAll(refs);
    expect(leaks()).toEqual([]);
    expect(cleanup.done).toBe(true);
  });
});

describe('signals', () => {
  test('an abandoned pull whose signal lives on is still collected and reported', async () => {
    const controller = new AbortController(); // long-lived: the test keeps it
    await collectAll(
      (() => {
        const channel = new Channel<number>(0, { name: 'behind a signal' });
        quiet(channel.pull({ signal: controller.signal }));
        return [new WeakRef(channel)];
      })(),
    );
    expect(leaks()).toEqual([expect.objectContaining({ kind: 'pull' })]);
    controller.abort(); // nothing left to cancel, nothing throws
    await tick();
  });

  test('an abandoned two-case select whose signal lives on is still collected and reported once', async () => {
    const controller = new AbortController();
    await collectAll(
      (() => {
        const a = new Channel<number>(0);
        const b = new Channel<number>(0);
        quiet(select([pull(a), pull(b)], { signal: controller.signal }));
        return [new WeakRef(a), new WeakRef(b)];
      })(),
    );
    expect(leaks()).toEqual([expect.objectContaining({ kind: 'select' })]);
    controller.abort();
    await tick();
  });

  test('many operations on one long-lived signal, aborted or committed, are never reported', async () => {
    const controller = new AbortController();
    const refs = (() => {
      const channels = Array.from({ length: 20 }, (_, i) => new Channel<number>(i % 2, { name: `c${i}` }));
      for (const channel of channels) quiet(channel.pull({ signal: controller.signal }));
      for (const channel of channels.slice(0, 10)) channel.pushNowait(1);
      return channels.map((channel) => new WeakRef(channel));
    })();
    controller.abort();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
  });
});

describe('reporting', () => {
  test('the console warning names the kind, the channel, the age and both stacks', async () => {
    await collectAll(scenario('pull', 0, 'abandoned'));
    expect(warn()).toHaveBeenCalledTimes(1);
    const message = String(warn().mock.calls[0]?.[0]);
    expect(message).toMatch(
      /^chanasync: leaked pull — a pull from channel "pull cap 0" \(#\d+, capacity 0\) waited \d+ ms/,
    );
    expect(message).toContain('can never complete');
    expect(message).toMatch(new RegExp(`Parked at:\\n {4}at .*${THIS_FILE}`));
    expect(message).toMatch(new RegExp(`Channel created at:\\n {4}at .*${THIS_FILE}`));
  });

  test('without stacks, the warning says how to get them', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    await collectAll(scenario('push', 0, 'abandoned'));
    const [leak] = leaks();
    expect(leak && 'stack' in leak).toBe(false);
    expect(leak && 'createdAt' in leak.channel).toBe(false);
    expect(String(warn().mock.calls[0]?.[0])).toContain('enableDebug({ stacks: true })');
  });

  test('warnLeaks: false reports leaks in snapshots only', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    await collectAll(scenario('pull', 0, 'abandoned'));
    expect(leaks()).toHaveLength(1);
    expect(warn()).not.toHaveBeenCalled();
  });

  test('leaks stay in snapshots after their channel is gone, until clearLeaks()', async () => {
    await collectAll(scenario('pull', 0, 'abandoned'));
    expect(snapshot().channels.map((channel) => channel.name)).not.toContain('pull cap 0');
    expect(leaks()).toHaveLength(1);
    expect(leaks()).toHaveLength(1);
    clearLeaks();
    expect(snapshot().leaked).toBeUndefined();
    await collectAll(scenario('push', 0, 'abandoned'));
    expect(leaks().map((leak) => leak.kind)).toEqual(['push']);
  });

  test('each leak has its own id, and ids are never reused, even after clearLeaks()', async () => {
    await collectAll([...scenario('pull', 0, 'abandoned'), ...scenario('push', 0, 'abandoned')]);
    const first = leaks().map((leak) => leak.id);
    clearLeaks();
    await collectAll(scenario('pull', 2, 'abandoned'));
    const second = leaks().map((leak) => leak.id);
    expect(new Set([...first, ...second]).size).toBe(3);
  });

  test('disableDebug forgets the leaks, and a channel abandoned after it is not reported', async () => {
    await collectAll(scenario('pull', 0, 'abandoned'));
    const refs = scenario('pull', 0, 'abandoned');
    disableDebug();
    await collectAll(refs);
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect(leaks()).toEqual([]);
  });

  test('a connected inspector receives the leak in the next snapshot', async () => {
    const posted: SnapshotMessage[] = [];
    const listen = new EventTarget();
    enableDebug({
      target: { postMessage: (message: unknown) => posted.push(message as SnapshotMessage) },
      listen,
      intervalMs: 10,
    });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    await collectAll(scenario('pull', 0, 'abandoned'));
    await vi.waitFor(() => expect(posted.at(-1)?.leaked).toHaveLength(1));
    expect(isPageToInspectorMessage(posted.at(-1))).toBe(true);
  });
});
