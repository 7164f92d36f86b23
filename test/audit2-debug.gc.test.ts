/**
 * Second red-team audit of leak detection (SPEC.md second map: leaked waiters): debug mode
 * restarted, the leak bound, waits explained by timers, and operations that stopped part-way.
 * Runs with `--expose-gc` (the vitest `gc` project); every "no leak" test first proves that the
 * channel was collected.
 */
import { describe, expect, test } from 'vitest';
import { clearLeaks, disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { after, broadcast, Channel, pull, select } from '../src/index.js';
import { fromPort, toPort } from '../src/port/index.js';
import { type LeakSnapshot, LIMITS } from '../src/protocol.js';
import { collectAll, quiet, tick } from './helpers/gc.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];
const quietTarget = () => ({ target: { postMessage() {} }, listen: new EventTarget() });

const warn = useQuietDebug(disableDebug);

/** A channel with a pull parked on it, dropped; its WeakRef. */
function abandonedPull(name = 'abandoned'): WeakRef<Channel<number>> {
  const channel = new Channel<number>(0, { name });
  quiet(channel.pull());
  return new WeakRef(channel);
}

describe('debug mode restarted', () => {
  test.each([
    ['enableDebug called again', () => enableDebug(quietTarget())],
    [
      'disableDebug then enableDebug',
      () => {
        disableDebug();
        enableDebug(quietTarget());
      },
    ],
  ])('%s: an operation of the earlier session leaking later is reported by neither session', async (_, restart) => {
    enableDebug(quietTarget());
    const ref = abandonedPull('from the first session');
    await tick(); // recorded by the first session
    restart();
    await collectAll([ref]);
    expect(leaks()).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });

  test('after a restart, a new session reports its own leaks once, not once per session', async () => {
    enableDebug(quietTarget());
    enableDebug(quietTarget());
    enableDebug(quietTarget());
    await collectAll([abandonedPull()]);
    expect(leaks()).toHaveLength(1);
    expect(warn()).toHaveBeenCalledTimes(1);
  });

  test('a session with warnLeaks: false after one with warnings warns about nothing', async () => {
    enableDebug(quietTarget());
    enableDebug({ ...quietTarget(), warnLeaks: false });
    await collectAll([abandonedPull()]);
    expect(leaks()).toHaveLength(1);
    expect(warn()).not.toHaveBeenCalled();
  });
});

describe('a leak warning that reacts', () => {
  test('a warning handler that turns debug mode off gets no more warnings, even for the same channel', async () => {
    warn().mockImplementation(() => disableDebug());
    enableDebug(quietTarget());
    const ref = (() => {
      const channel = new Channel<number>(0);
      for (let i = 0; i < 3; i++) quiet(channel.pull());
      return new WeakRef(channel);
    })();
    await collectAll([ref]);
    expect(warn()).toHaveBeenCalledTimes(1);
  });

  test('a warning handler that creates and drops channels of its own is safe, and each leak is warned once', async () => {
    const made: WeakRef<Channel<number>>[] = [];
    warn().mockImplementation(() => {
      made.push(new WeakRef(new Channel<number>(1)));
    });
    enableDebug(quietTarget());
    await collectAll([abandonedPull(), abandonedPull()]);
    await collectAll(made);
    expect(warn()).toHaveBeenCalledTimes(2);
    expect(leaks()).toHaveLength(2);
  });
});

describe('the leak bound', () => {
  test('past LIMITS.leaks, leaks are counted in truncated.leaks and each is still warned about', async () => {
    enableDebug(quietTarget());
    const refs = Array.from({ length: LIMITS.leaks + 3 }, (_, i) => abandonedPull(`leak ${i}`));
    await collectAll(refs);
    const taken = snapshot();
    expect(taken.leaked).toHaveLength(LIMITS.leaks);
    expect(taken.truncated).toEqual({ channels: 0, waiters: 0, leaks: 3 });
    expect(warn()).toHaveBeenCalledTimes(LIMITS.leaks + 3);
  });

  test('clearLeaks() forgets the count of leaks left out too', async () => {
    enableDebug(quietTarget());
    await collectAll(Array.from({ length: LIMITS.leaks + 1 }, () => abandonedPull()));
    clearLeaks();
    const taken = snapshot();
    expect(taken.truncated).toBeUndefined();
    expect(taken.leaked).toBeUndefined();
  });
});

describe('waits explained by timers are never leaks', () => {
  test('a select with an after() timeout keeps its other channel alive while the timer runs: no leak, waiting for input', async () => {
    enableDebug(quietTarget());
    const timeout = after(60_000);
    const ref = (() => {
      const reply = new Channel<string>(0, { name: 'reply' });
      quiet(select([pull(reply), pull(timeout)]));
      return new WeakRef(reply);
    })();
    for (let round = 0; round < 5; round++) {
      await tick();
      (globalThis as { gc?: () => void }).gc?.();
    }
    expect(ref.deref()).toBeDefined();
    expect(leaks()).toEqual([]);
    const waits = snapshot().channels.find((channel) => channel.name === 'reply')?.pullers ?? [];
    expect(waits.map((waiter) => waiter.input)).toEqual([true]);
    timeout.close(); // clears the timer; the select ends with the closed case
  });
});

describe('port channels', () => {
  test('a toPort whose receiver closed stops pulling: its local channel, dropped, reports no leak', async () => {
    enableDebug(quietTarget());
    const refs = await (async () => {
      const { port1, port2 } = new MessageChannel();
      const local = new Channel<number>(0, { name: 'local' });
      const remote = fromPort<number>(port2, { capacity: 4 });
      const sent = toPort(local, port1);
      await new Promise((resolve) => setTimeout(resolve, 20)); // paired; the sender pulls from local
      expect(snapshot().channels.find((channel) => channel.name === 'local')?.pullers).toHaveLength(1);
      remote.close();
      const result = await sent;
      expect(result.undelivered).toEqual([]);
      port1.close();
      port2.close();
      return [new WeakRef(local), new WeakRef(remote)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });

  test('a pull on a fromPort channel failed by its receiver’s close, then dropped, reports no leak', async () => {
    enableDebug(quietTarget());
    const refs = await (async () => {
      const { port1, port2 } = new MessageChannel();
      const remote = fromPort<number>(port2);
      const pulled = quiet(remote.pull());
      await tick();
      remote.close();
      await pulled.catch(() => {});
      port1.close();
      port2.close();
      return [new WeakRef(remote)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
  });
});

describe('operations that stopped part-way', () => {
  test('a pushAll whose channel closed part-way, then dropped, is not reported', async () => {
    enableDebug(quietTarget());
    const ref = await (async () => {
      const channel = new Channel<number>(1);
      const all = channel.pushAll([1, 2, 3]);
      await tick(); // recorded: parked on its second value
      channel.close();
      // Only the count is kept: the error names its channel, which must go.
      const pushed = await all.then(
        () => undefined,
        (error: { pushed?: number }) => error.pushed,
      );
      return { ref: new WeakRef(channel), pushed };
    })();
    expect(ref.pushed).toBe(1);
    await collectAll([ref.ref]);
    expect(leaks()).toEqual([]);
  });

  test('a pullMany fed part of what it asked for, then left with its channel, is not reported', async () => {
    enableDebug(quietTarget());
    const ref = await (async () => {
      const channel = new Channel<number>(0);
      const many = channel.pullMany(10);
      await tick();
      channel.pushNowait(1);
      expect(await many).toEqual([1]);
      return new WeakRef(channel);
    })();
    await collectAll([ref]);
    expect(leaks()).toEqual([]);
  });

  test('a broadcast subscriber whose consumer pulled and left, dropped with its broadcast closed, is not reported', async () => {
    enableDebug(quietTarget());
    const refs = await (async () => {
      const source = new Channel<number>(1);
      const hub = broadcast(source);
      const subscriber = hub.subscribe();
      const pulled = subscriber.pull();
      await tick();
      source.pushNowait(7);
      expect(await pulled).toBe(7);
      hub.close();
      await tick();
      return [new WeakRef(source), new WeakRef(subscriber)];
    })();
    await collectAll(refs);
    expect(leaks()).toEqual([]);
  });
});
