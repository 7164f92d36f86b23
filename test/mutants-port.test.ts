/**
 * Behaviours of `chanasync/port` that no other test pinned down, found by mutation testing
 * (each test here failed on at least one mutant of src/port/ that every other port test let
 * pass). One behaviour per test; imports from src/.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { Channel } from '../src/index.js';
import { fromPort, toPort } from '../src/port/index.js';
import { fakePorts, syncPorts } from './helpers/fake-ports.js';
import { collect, until } from './helpers/ports.js';
import { flush } from './helpers/track.js';

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
