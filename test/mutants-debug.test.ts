/**
 * Behaviours of debug mode (src/debug/) that no other test pinned down, found by mutation
 * testing (each test here failed on at least one mutant of src/debug/ that every other debug
 * test let pass). One behaviour per test; imports from src/.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, relayDebug, snapshot } from '../src/debug/index.js';
import { Channel } from '../src/index.js';
import { fromPort, toPort } from '../src/port/index.js';
import { isPageToInspectorMessage, LIMITS } from '../src/protocol.js';
import { fakeInspector } from './helpers/fake-inspector.js';

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

describe('the throttle', () => {
  test('an intervalMs just above the timer limit (2³¹ ms) still waits the whole interval between snapshots', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 2 ** 31 });
    const channel = new Channel<number>(10);
    inspector.say('hello');
    expect(inspector.snapshots()).toHaveLength(1);
    channel.pushNowait(1);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(inspector.snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots()[1]?.channels[0]?.size).toBe(1);
  });

  test('a change only in what was left out (one more idle channel past the limit) is posted', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    const channels = Array.from({ length: LIMITS.channels + 1 }, () => new Channel<number>(1));
    inspector.say('hello');
    expect(inspector.snapshots().at(-1)?.truncated).toEqual({ channels: 1, waiters: 0 });
    channels.push(new Channel<number>(1));
    vi.advanceTimersByTime(100);
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots().at(-1)?.truncated).toEqual({ channels: 2, waiters: 0 });
    expect(channels).toHaveLength(LIMITS.channels + 2);
  });
});

describe('the context a snapshot names', () => {
  const scope = globalThis as unknown as Record<string, unknown>;
  const saved = ['Window', 'WorkerGlobalScope', 'top', 'location'].map(
    (name) => [name, Object.getOwnPropertyDescriptor(scope, name)] as const,
  );
  afterEach(() => {
    disableDebug();
    for (const [name, descriptor] of saved) {
      if (descriptor === undefined) delete scope[name];
      else Object.defineProperty(scope, name, descriptor);
    }
  });
  /** Makes `globalThis` pass for an instance of a global constructor `name`. */
  function pretend(name: 'Window' | 'WorkerGlobalScope'): void {
    const Global = () => {};
    Object.defineProperty(Global, Symbol.hasInstance, { value: (value: unknown) => value === globalThis });
    Object.defineProperty(scope, name, { configurable: true, writable: true, value: Global });
  }
  const define = (name: string, value: unknown) =>
    Object.defineProperty(scope, name, { configurable: true, writable: true, value });

  test('a window that is not the top one is a frame; the top one is the page', () => {
    pretend('Window');
    define('top', {});
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect(snapshot().context?.kind).toBe('frame');
    define('top', globalThis);
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect(snapshot().context?.kind).toBe('page');
  });

  test('a window whose top cannot be read is a frame', () => {
    pretend('Window');
    Object.defineProperty(scope, 'top', {
      configurable: true,
      get() {
        throw new DOMException('Blocked a frame', 'SecurityError');
      },
    });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect(snapshot().context?.kind).toBe('frame');
  });

  test('a worker’s URL and origin longer than the protocol allows are cut to LIMITS.url', () => {
    pretend('WorkerGlobalScope');
    const long = `https://app.example/${'x'.repeat(LIMITS.url * 2)}`;
    define('location', { href: long, origin: long });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const context = snapshot().context;
    expect(context?.kind).toBe('worker');
    expect(context?.url).toBe(long.slice(0, LIMITS.url));
    expect(context?.origin).toBe(long.slice(0, LIMITS.url));
  });
});

describe('relayDebug', () => {
  test('relaying a MessagePort-like endpoint (a SharedWorker’s port) starts it, since an unstarted port delivers nothing', () => {
    const endpoint = Object.assign(new EventTarget(), { postMessage: vi.fn(), start: vi.fn(), close: vi.fn() });
    const stop = relayDebug(endpoint, { target: { postMessage() {} }, listen: new EventTarget() });
    expect(endpoint.start).toHaveBeenCalledTimes(1);
    stop();
  });

  test('a second relayDebug on the same Worker that throws leaves the first relay in charge: terminate still says bye', () => {
    const toWorker: unknown[] = [];
    const terminate = vi.fn();
    const worker = Object.assign(new EventTarget(), {
      postMessage: (message: unknown) => toWorker.push(message),
      terminate,
    });
    const page = fakeInspector();
    relayDebug(worker, { target: page.target, listen: page.listen });
    page.say('hello');
    const posted = { source: 'chanasync', version: 1, type: 'snapshot', time: Date.now(), channels: [], seq: 1 };
    worker.dispatchEvent(new MessageEvent('message', { data: posted }));
    const refusing = {
      postMessage() {
        throw new Error('no');
      },
    };
    expect(() => relayDebug(worker, { target: refusing, listen: new EventTarget() })).toThrow('no');
    worker.terminate();
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(toWorker.map((message) => (message as { type: string }).type)).toEqual(['hello', 'bye']);
    expect(page.snapshots().map((snapshot) => snapshot.seq)).toEqual([1, 2]);
  });

  test('stopping a relay removes its abort listener from the signal it was given', () => {
    const controller = new AbortController();
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const stop = relayDebug(worker, {
      target: { postMessage() {} },
      listen: new EventTarget(),
      signal: controller.signal,
    });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    stop();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('the last empty snapshot of a relay whose worker reached the largest seq carries no seq beyond the safe integers', () => {
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const page = fakeInspector();
    const stop = relayDebug(worker, { target: page.target, listen: page.listen });
    page.say('hello');
    const seq = Number.MAX_SAFE_INTEGER;
    const posted = { source: 'chanasync', version: 1, type: 'snapshot', time: Date.now(), channels: [], seq };
    worker.dispatchEvent(new MessageEvent('message', { data: posted }));
    stop();
    const last = page.snapshots().at(-1);
    expect(last?.channels).toEqual([]);
    expect(last?.seq).toBeUndefined();
    expect(isPageToInspectorMessage(last)).toBe(true);
  });
});

describe('a waiter parked again and again (toPort’s pull)', () => {
  test('leaving twice under one record (parked again, not yet recorded) leaves no ghost of another operation in the snapshot', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const local = new Channel<number>(0, { name: 'local' });
    const { port1, port2 } = new MessageChannel();
    // Room for two values over there: toPort's pull parks again after the first, not the second.
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    // toPort's pull parks once the remote's credit arrives; a snapshot records it.
    await vi.waitFor(() => expect(snapshot().channels.find((c) => c.name === 'local')?.pullers).toHaveLength(1));
    const other = local.pull(); // parked behind it, recorded by the next snapshot
    expect(snapshot().channels.find((c) => c.name === 'local')?.pullers).toHaveLength(2);
    // In one task: toPort's pull takes 1 and parks again (noted, not recorded yet), the other
    // pull takes 2, toPort's pull takes 3 — leaving a second time under its first record — and
    // waits for room over there.
    local.pushNowait(1);
    local.pushNowait(2);
    local.pushNowait(3);
    expect(await other).toBe(2);
    // Nothing is parked: the other pull's record is gone, not brought back.
    expect(local.stats().waitingPullers).toBe(0);
    expect(snapshot().channels.find((c) => c.name === 'local')?.pullers).toEqual([]);
    expect([await remote.pull(), await remote.pull()]).toEqual([1, 3]);
    local.close();
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });
});
