/**
 * User code that runs inside an operation — a `Proxy` signal's traps, a throwing `reason` or
 * options getter, a value's `then` getter — and the misuse of detached methods: each case ends
 * with every operation settled as the README says, no waiter left queued and no error thrown
 * into an unrelated call. Found by the twenty-fourth session's audit; each test failed before
 * its fix. Also: many `next()` calls on one iterator cost O(1) each (they cost O(N)).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Channel, pull, push, select, selectNowait } from '../src/index.js';

/** A `Proxy` of `signal` whose `key` method first runs `before` (once, on its first call). */
function trapped(
  signal: AbortSignal,
  key: 'addEventListener' | 'removeEventListener',
  before: () => void,
): AbortSignal {
  let armed = true;
  const proxy: AbortSignal = new Proxy(signal, {
    get(target, property) {
      if (property === key) {
        return (...args: Parameters<AbortSignal['addEventListener']>) => {
          if (armed) {
            armed = false;
            before();
          }
          target[key](...args);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return proxy;
}

/** How a promise settled, once it has. */
function settled(promise: Promise<unknown>): { outcome?: string } {
  const seen: { outcome?: string } = {};
  promise.then(
    (value) => {
      seen.outcome = `resolved ${String(value)}`;
    },
    (error: unknown) => {
      seen.outcome = `rejected ${error instanceof Error ? error.message : String(error)}`;
    },
  );
  return seen;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('a Proxy signal whose traps park operations with the same signal', () => {
  test('parked from inside addEventListener: both operations hear the abort, nothing stays queued', async () => {
    const controller = new AbortController();
    const channel = new Channel<number>(0);
    const other = new Channel<number>(0);
    let inner: { outcome?: string } = {};
    const signal = trapped(controller.signal, 'addEventListener', () => {
      inner = settled(other.pull({ signal }));
    });
    const outer = settled(channel.pull({ signal }));
    controller.abort(new Error('stop'));
    await macrotask();
    expect([outer.outcome, inner.outcome]).toEqual(['rejected stop', 'rejected stop']);
    expect([channel.stats().waitingPullers, other.stats().waitingPullers]).toEqual([0, 0]);
  });

  test('parked from inside removeEventListener: the new operation keeps a listener of its own', async () => {
    const controller = new AbortController();
    const channel = new Channel<number>(0);
    let late: { outcome?: string } = {};
    const signal = trapped(controller.signal, 'removeEventListener', () => {
      late = settled(channel.pull({ signal }));
    });
    const first = channel.pull({ signal });
    expect(channel.tryPush(1)).toBe(true); // commits to `first`: its signal is unwatched
    expect(await first).toBe(1);
    controller.abort(new Error('stop'));
    await macrotask();
    expect(late.outcome).toBe('rejected stop');
    expect(channel.stats().waitingPullers).toBe(0);
  });
});

describe('a signal whose reason getter throws: the operation fails with that error', () => {
  function throwingReason(signal: AbortSignal): AbortSignal {
    return new Proxy(signal, {
      get(target, property) {
        if (property === 'reason') throw new Error('reason refused');
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  test('parked, then aborted: each rejects with the getter error; a later push reaches the next pull', async () => {
    const controller = new AbortController();
    const signal = throwingReason(controller.signal);
    const channel = new Channel<string>(0);
    const a = settled(channel.pull({ signal }));
    const b = settled(channel.pull({ signal }));
    const c = settled(channel.pull());
    controller.abort('R');
    await macrotask();
    expect(channel.stats().waitingPullers).toBe(1);
    expect(channel.tryPush('v')).toBe(true);
    await macrotask();
    expect([a.outcome, b.outcome, c.outcome]).toEqual([
      'rejected reason refused',
      'rejected reason refused',
      'resolved v',
    ]);
  });

  test('aborted in an earlier listener, found by a commit or close(): neither throws', async () => {
    const controller = new AbortController();
    const signal = throwingReason(controller.signal);
    const channel = new Channel<string>(0);
    const pushed = new Channel<string>(0);
    const seen: unknown[] = [];
    // Listening before anything parks: this listener runs before the library's, which has not
    // cancelled the aborted operations yet — the commit and the close find them at the head.
    controller.signal.addEventListener('abort', () => {
      try {
        seen.push(channel.tryPush('v'));
        pushed.close();
        seen.push('closed');
      } catch (error) {
        seen.push(error);
      }
    });
    const pull = settled(channel.pull({ signal }));
    const push = settled(pushed.push('x', { signal }));
    controller.abort('R');
    await macrotask();
    expect(seen).toEqual([false, 'closed']); // the aborted pull took nothing; close() did not throw
    expect([pull.outcome, push.outcome]).toEqual(['rejected reason refused', 'rejected reason refused']);
    expect([channel.stats().waitingPullers, pushed.stats().waitingPushers]).toEqual([0, 0]);
  });

  test('already aborted: push rejects with the getter error rather than throwing', async () => {
    const controller = new AbortController();
    controller.abort('R');
    const channel = new Channel<number>(1);
    await expect(channel.push(1, { signal: throwingReason(controller.signal) })).rejects.toThrow('reason refused');
    expect(channel.size).toBe(0);
  });
});

describe('pushAll checks each value as a push would', () => {
  test('a signal aborted by the source wins over a thenable that comes after', async () => {
    const controller = new AbortController();
    const channel = new Channel<unknown>(Infinity);
    function* values(): Generator<unknown> {
      yield 1;
      controller.abort('stopped');
      yield Promise.resolve(2);
    }
    await expect(channel.pushAll(values(), { signal: controller.signal })).rejects.toBe('stopped');
    expect(channel.pullNowait()).toBe(1);
    expect(channel.size).toBe(0);
  });

  test('an options getter that throws makes it throw, as a push does, and nothing is pushed', () => {
    const channel = new Channel<number>(1);
    const options = {
      get signal(): AbortSignal {
        throw new Error('getter refused');
      },
    };
    expect(() => channel.push(1, options)).toThrow('getter refused');
    expect(() => channel.pushAll([1], options)).toThrow('getter refused');
    expect(channel.size).toBe(0);
  });
});

describe('a detached push method names itself', () => {
  const cases: [string, (target: EventTarget, channel: Channel<number>) => unknown][] = [
    ['tryPush', (target, channel) => channel.tryPush.call(target as never, 1)],
    ['pushNowait', (target, channel) => channel.pushNowait.call(target as never, 1)],
  ];
  test.each(cases)('%s called on an event target', (name, call) => {
    const channel = new Channel<number>(1);
    expect(() => call(new EventTarget(), channel)).toThrow(
      new TypeError(`${name}: called without its channel as this (wrap it in an arrow function)`),
    );
    expect(channel.size).toBe(0);
  });
});

describe('many next() calls on one iterator cost O(1) each', () => {
  const filter = Array.prototype.filter;
  afterEach(() => {
    Array.prototype.filter = filter;
  });

  test('20,000 next() calls without awaiting: the notes of parked pulls are compacted in amortized O(1)', async () => {
    // Counts the elements the note's compaction visits (it filters with `queued`).
    let visited = 0;
    Array.prototype.filter = function (this: unknown[], ...args: Parameters<typeof filter>) {
      if (args[0].name === 'queued') visited += this.length;
      return filter.apply(this, args as never);
    } as typeof filter;
    const channel = new Channel<number>(0);
    const iterator = channel[Symbol.asyncIterator]();
    const count = 20_000;
    const results: Promise<IteratorResult<number>>[] = [];
    for (let index = 0; index < count; index++) {
      results.push(iterator.next());
      // Half of them committed as they go: the note holds pulls that left.
      if (index % 2 === 1) channel.tryPush(index);
    }
    Array.prototype.filter = filter;
    expect(visited).toBeLessThan(4 * count); // was about count² / 4
    expect(channel.stats().waitingPullers).toBe(count / 2);
    await iterator.return?.();
    expect(channel.stats().waitingPullers).toBe(0);
    const values = (await Promise.all(results)).filter((result) => !result.done).map((result) => result.value);
    expect(values).toEqual(Array.from({ length: count / 2 }, (_, index) => 2 * index + 1));
  });
});

describe('a select whose poll runs user code that makes a case it looked at ready', () => {
  /**
   * Parks a push on a new unbuffered channel, with a duck-typed signal whose next read of
   * `aborted` runs `act` and reports it aborted (so that push leaves, and the channel it was on
   * is not ready); returns that channel.
   */
  function parkActing(act: () => void): Channel<string> {
    let armed = false;
    const signal = {
      get aborted(): boolean {
        if (!armed) return false;
        armed = false;
        act();
        return true;
      },
      reason: new Error('gone'),
      addEventListener() {},
      removeEventListener() {},
    } as unknown as AbortSignal;
    const other = new Channel<string>(0);
    other.push('b', { signal }).catch(() => {});
    armed = true;
    return other;
  }

  // The poll looks at one case first, drawn at random: 40 selects draw both orders.
  test('a pull case whose channel got a value: the select takes it, never parks beside it', async () => {
    for (let trial = 0; trial < 40; trial++) {
      const a = new Channel<string>(1);
      const b = parkActing(() => a.pushNowait('first'));
      const result = await select([pull(a), pull(b)]);
      expect([result.index, result.value]).toEqual([0, 'first']);
      expect([a.stats().waitingPullers, b.stats().waitingPullers]).toEqual([0, 0]);
    }
  });

  test('a push case whose channel got room: the select commits it, no later push overtakes it', async () => {
    for (let trial = 0; trial < 40; trial++) {
      const a = new Channel<string>(1);
      a.pushNowait('old');
      const b = parkActing(() => expect(a.pullNowait()).toBe('old'));
      const result = await select([push(a, 'S'), pull(b)]);
      expect(result.index).toBe(0);
      expect(a.tryPull()).toBe('S');
      expect(a.stats().waitingPushers).toBe(0);
    }
  });

  test('selectNowait answers with the case that became ready, not undefined', () => {
    for (let trial = 0; trial < 40; trial++) {
      const a = new Channel<string>(1);
      const b = parkActing(() => a.pushNowait('first'));
      expect(selectNowait([pull(a), pull(b)])).toMatchObject({ index: 0, value: 'first', ok: true });
    }
  });
});
