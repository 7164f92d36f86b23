/**
 * Audit F: hostile and odd inputs across the public API — options whose getters answer
 * differently on each read, signals that are Proxies or not the platform's, numbers that are
 * not numbers. The rule: bad input gets a clear error at the call that names the function and
 * the problem, and nothing is lost — no value dropped, no waiter or listener left behind.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test, vi } from 'vitest';
import { after, broadcast, Channel, from, fromEvent, pull, select, ticker } from '../../src/index.js';
import { toPort } from '../../src/port/index.js';
import { failOnUnhandledRejections } from '../helpers/unhandled.js';

failOnUnhandledRejections();

/** Options whose `signal` is not a signal on the first read and `signal` on every later one. */
function shiftyOptions(signal: AbortSignal): { readonly signal: AbortSignal } {
  let reads = 0;
  return {
    get signal() {
      return (reads++ === 0 ? 'not a signal' : signal) as AbortSignal;
    },
  };
}

/** How a promise ended, or 'pending' after a macrotask. */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  const pending = new Promise((resolve) => setTimeout(() => resolve('pending'), 0));
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    pending,
  ]);
}

describe('an options.signal getter that answers differently on a second read', () => {
  const operations: [string, (channel: Channel<number>, options: { signal: AbortSignal }) => Promise<unknown>][] = [
    ['push', (channel, options) => channel.push(1, options)],
    ['pull', (channel, options) => channel.pull(options)],
    ['pullMany', (channel, options) => channel.pullMany(2, options)],
    ['pushAll', (channel, options) => channel.pushAll([1, 2], options)],
    ['select', (channel, options) => select([pull(channel), pull(new Channel<number>())], options)],
    ['select (one case)', (channel, options) => select([pull(channel)], options)],
  ];
  for (const [name, operation] of operations) {
    test(`${name} refuses it with a TypeError and parks nothing that could take or give a value`, async () => {
      const controller = new AbortController();
      const channel = new Channel<number>();
      const result = await outcome(operation(channel, shiftyOptions(controller.signal)));
      expect(result).toMatchObject({ error: expect.any(TypeError) });
      expect(((result as { error: Error }).error as Error).message).toMatch(/options\.signal is not an AbortSignal/);
      expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // Nothing parked to take a value: it stays for the next puller.
      expect(channel.tryPush(7)).toBe(false);
      const next = channel.pull();
      expect(channel.tryPush(8)).toBe(true);
      await expect(next).resolves.toBe(8);
    });
  }
});

describe('a signal that is aborted but whose reason is undefined (not the platform’s AbortSignal)', () => {
  const aborted = () =>
    ({ aborted: true, reason: undefined, addEventListener() {}, removeEventListener() {} }) as unknown as AbortSignal;

  test('push rejects (with that undefined) and commits nothing', async () => {
    const channel = new Channel<number>(1);
    await expect(outcome(channel.push(1, { signal: aborted() }))).resolves.toEqual({ error: undefined });
    expect(channel.size).toBe(0);
  });

  test('pull rejects and consumes nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await expect(outcome(channel.pull({ signal: aborted() }))).resolves.toEqual({ error: undefined });
    expect(channel.size).toBe(1);
  });

  test('pullMany rejects and consumes nothing', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    await expect(outcome(channel.pullMany(2, { signal: aborted() }))).resolves.toEqual({ error: undefined });
    expect(channel.size).toBe(1);
  });

  test('pushAll rejects and commits nothing', async () => {
    const channel = new Channel<number>(4);
    await expect(outcome(channel.pushAll([1, 2], { signal: aborted() }))).resolves.toEqual({ error: undefined });
    expect(channel.size).toBe(0);
  });

  test('select rejects and commits no case', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await expect(outcome(select([pull(channel)], { signal: aborted() }))).resolves.toEqual({ error: undefined });
    await expect(outcome(select([pull(channel), pull(new Channel())], { signal: aborted() }))).resolves.toEqual({
      error: undefined,
    });
    expect(channel.size).toBe(1);
  });
});

test('helpers given an aborted signal whose reason is undefined return a closed channel and keep no listener or timer', async () => {
  const added: string[] = [];
  const signal = {
    aborted: true,
    reason: undefined,
    addEventListener: () => added.push('add'),
    removeEventListener: () => added.push('remove'),
  } as unknown as AbortSignal;
  vi.useFakeTimers();
  const channels = [
    after(60_000, { signal }),
    ticker(60_000, { signal }),
    fromEvent(new EventTarget(), 'ping', { signal }),
    from([1, 2], { signal }),
    broadcast(new Channel<number>()).subscribe({ signal }),
  ];
  const timers = vi.getTimerCount();
  vi.useRealTimers();
  expect(timers).toBe(0);
  expect(channels.map((channel) => channel.closed)).toEqual([true, true, true, true, true]);
  expect(channels.map((channel) => channel.size)).toEqual([0, 0, 0, 0, 0]);
  // Every listener added was removed again.
  expect(added.filter((call) => call === 'add').length).toBeLessThanOrEqual(
    added.filter((call) => call === 'remove').length,
  );
});

describe('a Proxy of an AbortSignal as the signal', () => {
  /** A Proxy of `signal` whose methods run on the signal itself (as a wrapper that binds them would). */
  const bound = (signal: AbortSignal) =>
    new Proxy(signal, {
      get(target, key) {
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  /** A Proxy of `signal` with no handler: methods run with the Proxy as `this` (Node lets them). */
  const plain = (signal: AbortSignal) => new Proxy(signal, {});

  for (const [kind, wrap] of [
    ['a binding', bound],
    ['a plain', plain],
  ] as const) {
    test(`aborting cancels a pull parked with ${kind} Proxy of its signal, and its listener goes`, async () => {
      const controller = new AbortController();
      const channel = new Channel<number>();
      const pulled = outcome(channel.pull({ signal: wrap(controller.signal) }));
      const reason = new Error('stop');
      controller.abort(reason);
      await expect(pulled).resolves.toEqual({ error: reason });
      expect(channel.stats().waitingPullers).toBe(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    test(`aborting cancels a select parked with ${kind} Proxy of its signal`, async () => {
      const controller = new AbortController();
      const a = new Channel<number>();
      const b = new Channel<number>();
      const selected = outcome(select([pull(a), pull(b)], { signal: wrap(controller.signal) }));
      controller.abort('stop');
      await expect(selected).resolves.toEqual({ error: 'stop' });
      expect([a.stats().waitingPullers, b.stats().waitingPullers]).toEqual([0, 0]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    test(`a pull parked with ${kind} Proxy of its signal that commits leaves no listener`, async () => {
      const controller = new AbortController();
      const channel = new Channel<number>();
      const pulled = channel.pull({ signal: wrap(controller.signal) });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      expect(channel.tryPush(3)).toBe(true);
      await expect(pulled).resolves.toBe(3);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });
  }
});

test('one abort cancels operations parked with a signal and with a Proxy of it alike, and no listener stays', async () => {
  const controller = new AbortController();
  const channel = new Channel<number>();
  const direct = outcome(channel.pull({ signal: controller.signal }));
  const proxied = outcome(channel.pull({ signal: new Proxy(controller.signal, {}) }));
  const untouched = channel.pull();
  controller.abort('stop');
  await expect(Promise.all([direct, proxied])).resolves.toEqual([{ error: 'stop' }, { error: 'stop' }]);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  // The pull without a signal is still first in line, and alone.
  expect(channel.stats().waitingPullers).toBe(1);
  expect(channel.tryPush(1)).toBe(true);
  await expect(untouched).resolves.toBe(1);
});

describe('toReadableStream(options.highWaterMark) that is not a number', () => {
  // A RangeError, as the README documents ("a finite number ≥ 0, else RangeError"); the message
  // names the type, not a value that reads like a valid number ('1' printed as 1).
  for (const value of ['1', 1n, Symbol('hwm'), true, {}]) {
    test(`${typeof value} is a RangeError naming highWaterMark and the type`, () => {
      const channel = new Channel<number>(1);
      expect(() => channel.toReadableStream({ highWaterMark: value as never })).toThrow(
        new RangeError(
          `toReadableStream(channel, options): options.highWaterMark must be a finite number ≥ 0, got ${typeof value === 'object' ? 'Object' : typeof value}`,
        ),
      );
    });
  }
});

describe('toPort given a signal for its options', () => {
  test('rejects with a TypeError saying to pass { signal }, and pulls nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const { port1, port2 } = new MessageChannel();
    try {
      const controller = new AbortController();
      await expect(toPort(channel, port1, controller.signal as never)).rejects.toThrow(
        new TypeError('toPort(channel, port, options): options is an AbortSignal: pass { signal } instead'),
      );
      expect(channel.size).toBe(1);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
