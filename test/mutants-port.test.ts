/**
 * Behaviours of `chanasync/port` that no other test pinned down, found by mutation testing
 * (each test here failed on at least one mutant of src/port/ that every other port test let
 * pass). One behaviour per test; imports from src/.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test, vi } from 'vitest';
import { Channel } from '../src/index.js';
import { fromPort, toPort } from '../src/port/index.js';
import { fakePorts, syncPorts } from './helpers/fake-ports.js';
import { collect, until } from './helpers/ports.js';
import { flush, track } from './helpers/track.js';

describe('closing the local channel', () => {
  test('closing the local channel while toPort waits for a value closes the remote channel at once, not at the next heartbeat tick', async () => {
    const { a, b } = syncPorts();
    const local = new Channel<number>();
    const remote = fromPort<number>(b, { capacity: 2 });
    const sending = toPort(local, a);
    await flush();
    expect(local.stats().waitingPullers).toBe(1); // paired, credit in hand, waiting for a value
    local.close(new RangeError('producer done'));
    await flush();
    expect(remote.closed).toBe(true);
    expect(remote.closeReason).toEqual(new RangeError('producer done'));
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
  });
});

describe('nothing left behind', () => {
  test('once its stream is over, toPort leaves no abort listener on its signal', async () => {
    const { a, b } = syncPorts();
    const controller = new AbortController();
    const local = new Channel<number>(4);
    fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    local.pushNowait(1);
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('once every stream on a port ended, the port keeps none of the listeners chanasync added (message, close, messageerror)', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a);
    expect(a.listening.get('close')).toBe(1);
    expect(a.listening.get('messageerror')).toBe(1);
    local.pushNowait(1);
    local.close();
    expect(await collect(remote)).toEqual([1]);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    for (const port of [a, b])
      expect(Object.fromEntries(port.listening)).toEqual({ message: 0, close: 0, messageerror: 0 });
  });
});

describe('pairing', () => {
  test('a fromPort opened after its toPort pairs at once (it announces itself), not at the sender’s next open a second later', async () => {
    const { a, b } = syncPorts();
    const local = new Channel<number>(4);
    local.pushNowait(1);
    const sending = toPort(local, a, { name: 'late' }); // its `open` finds nobody
    await flush();
    const remote = fromPort<number>(b, { name: 'late', capacity: 4 });
    await until(() => remote.size === 1, 500); // the sender posts `open` again only after 1 s
    local.close();
    expect(await collect(remote)).toEqual([1]);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });
});

describe('aborting', () => {
  test('once the signal aborts, toPort pulls nothing more: a value pushed right after stays in the local channel', async () => {
    const { a, b } = fakePorts();
    const controller = new AbortController();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a, { signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1); // paired, waiting for a value
    controller.abort(new Error('stop'));
    expect(local.stats().waitingPullers).toBe(0);
    local.pushNowait(5);
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(1);
    expect(local.pullNowait()).toBe(5);
    await until(() => remote.closed);
    expect(remote.closeReason).toEqual(new Error('stop'));
  });
});

describe('a receiver whose event loop was blocked', () => {
  /**
   * Runs `body` on a clock of its own (as test/audit-i/port.test.ts does): `advance(ms)` moves it
   * and runs the timers due, in steps of 10 ms; `block(ms)` moves it with no timer run.
   */
  async function onOwnClock(
    body: (advance: (ms: number) => Promise<void>, block: (ms: number) => void) => Promise<void>,
  ): Promise<void> {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    let clock = 1000;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const advance = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 10) {
        clock += 10;
        await vi.advanceTimersByTimeAsync(10);
      }
    };
    try {
      await body(advance, (ms) => {
        clock += ms;
      });
    } finally {
      spy.mockRestore();
      vi.useRealTimers();
    }
  }

  test('once its sender answers that it still runs the stream, the values that arrived meanwhile reach the pull that waits for them, and the sender is told', () =>
    onOwnClock(async (advance, block) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(b, { capacity: 2 });
      const sending = toPort(local, a);
      await advance(50);
      const pulled = track(remote.pull());
      block(3500); // this side posted nothing for longer than 3 s: it checks before committing
      local.pushNowait(1);
      await advance(100);
      expect(b.sent('ping').some((message) => message.nonce !== undefined)).toBe(true);
      expect(pulled.current).toEqual({ status: 'fulfilled', value: 1 });
      // …and the sender hears at once that it was committed, with the credit freed.
      expect(b.sent('credit').at(-1)).toMatchObject({ committed: 1, granted: 3 });
      local.close();
      await advance(100);
      expect(remote.closed).toBe(true);
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
    }));

  test('a quiet stream’s heartbeats (ping and pong) cost no credit message: the receiver posts credit only when room or commits changed', () =>
    onOwnClock(async (advance) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      fromPort<number>(b, { capacity: 2 });
      const controller = new AbortController();
      const sending = toPort(local, a, { signal: controller.signal });
      await advance(50);
      const credits = b.sent('credit').length;
      await advance(3000);
      expect(a.sent('ping').length + b.sent('ping').length).toBeGreaterThan(0);
      expect(a.sent('pong').length + b.sent('pong').length).toBeGreaterThan(0);
      expect(b.sent('credit')).toHaveLength(credits);
      controller.abort();
      await advance(50);
      expect(await sending).toEqual({ sent: 0, undelivered: [] });
    }));
});
