/**
 * `relayDebug`: a dedicated Worker's debug mode seen from the page. The relay re-posts the
 * worker's chanasync messages on the page (snapshots tagged with `context: { kind: 'worker' }`)
 * and forwards the inspector's `hello`/`bye` into the worker. Here with fakes and with a real
 * MessageChannel; in a real Worker in Chromium in debug.chromium.test.ts.
 */
import { afterEach, describe, expect, expectTypeOf, test, vi } from 'vitest';
import { type DebugTarget, disableDebug, enableDebug, type RelayEndpoint, relayDebug } from '../src/debug/index.js';
import { Channel } from '../src/index.js';
import {
  INSPECTOR_SOURCE,
  isPageToInspectorMessage,
  PAGE_SOURCE,
  type PageToInspectorMessage,
  type SnapshotMessage,
} from '../src/protocol.js';

/** A stand-in for a `Worker` object: what the page posts to it, and a way to emit its messages. */
class FakeWorker extends EventTarget {
  readonly received: unknown[] = [];
  postMessage(message: unknown): void {
    this.received.push(message);
  }
  emit(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

/** The page: what is posted to it (the target) and where the inspector speaks (listen). */
function fakePage() {
  const posted: unknown[] = [];
  const listen = new EventTarget();
  const say = (type: 'hello' | 'bye') =>
    listen.dispatchEvent(new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type } }));
  return { target: { postMessage: (message: unknown) => posted.push(message) }, listen, posted, say };
}

const announce = { source: PAGE_SOURCE, version: 1, type: 'announce' } as const;
const workerSnapshot: SnapshotMessage = {
  source: PAGE_SOURCE,
  version: 1,
  type: 'snapshot',
  time: 1000,
  seq: 3,
  context: { kind: 'worker', url: 'https://example.com/worker.js', origin: 'https://example.com' },
  channels: [{ id: 1, name: 'jobs', capacity: 0, size: 0, closed: false, overflow: 'block', pushers: [], pullers: [] }],
};
const hello = { source: INSPECTOR_SOURCE, version: 1, type: 'hello' };
const bye = { source: INSPECTOR_SOURCE, version: 1, type: 'bye' };

afterEach(() => disableDebug());

describe('relayDebug', () => {
  test('announces the worker on the page when it starts, so an open inspector says hello', () => {
    const page = fakePage();
    relayDebug(new FakeWorker(), { target: page.target, listen: page.listen });
    expect(page.posted).toEqual([announce]);
  });

  test("re-posts the worker's snapshots on the page, tagged with the worker's context", () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen });
    worker.emit(workerSnapshot);
    expect(page.posted.at(-1)).toEqual({
      ...workerSnapshot,
      context: { kind: 'worker', url: 'https://example.com/worker.js', origin: 'https://example.com' },
    });
  });

  test('the url option names the worker in place of the URL it reports', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen, url: 'worker.js#2' });
    worker.emit(workerSnapshot);
    worker.emit({ ...workerSnapshot, context: undefined });
    const [first, second] = page.posted.slice(1) as SnapshotMessage[];
    expect(first?.context).toEqual({ kind: 'worker', url: 'worker.js#2', origin: 'https://example.com' });
    expect(second?.context).toEqual({ kind: 'worker', url: 'worker.js#2' });
  });

  test('a snapshot that claims another kind of context is tagged as the worker’s all the same', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen });
    worker.emit({ ...workerSnapshot, context: { kind: 'page', url: 'https://example.com/' } });
    expect((page.posted.at(-1) as SnapshotMessage).context).toEqual({ kind: 'worker', url: 'https://example.com/' });
  });

  test('a channel’s waiting (its queues’ true lengths) is relayed with it; a malformed one drops the snapshot', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen });
    const waiter = { kind: 'pull', since: 900 } as const;
    const cut = { ...workerSnapshot.channels[0], pullers: [waiter], waiting: { pushers: 0, pullers: 5000 } };
    worker.emit({ ...workerSnapshot, channels: [cut] });
    expect((page.posted.at(-1) as SnapshotMessage).channels[0]?.waiting).toEqual({ pushers: 0, pullers: 5000 });
    worker.emit({ ...workerSnapshot, channels: [{ ...cut, waiting: { pushers: 0, pullers: 0 } }] });
    expect(page.posted).toHaveLength(2);
  });

  test("re-posts the worker's announce as it is", () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen });
    worker.emit(announce);
    expect(page.posted).toEqual([announce, announce]);
  });

  test("leaves the worker's other messages alone, and drops malformed chanasync ones", () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen });
    worker.emit({ result: 42 });
    worker.emit('ready');
    worker.emit({ ...workerSnapshot, channels: [{ id: 1, name: 'x', capacity: 0, size: -1 }] });
    worker.emit({ ...workerSnapshot, version: 2 });
    expect(page.posted).toEqual([announce]);
  });

  test("forwards the inspector's hello and bye into the worker, and nothing else", () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen });
    page.say('hello');
    page.listen.dispatchEvent(new MessageEvent('message', { data: { type: 'hello' } }));
    page.listen.dispatchEvent(new MessageEvent('message', { data: workerSnapshot }));
    page.say('bye');
    expect(worker.received).toEqual([hello, bye]);
  });

  test('the function it returns stops relaying both ways, and says bye to a worker that heard hello', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    const stop = relayDebug(worker, { target: page.target, listen: page.listen });
    page.say('hello');
    stop();
    stop();
    page.say('hello');
    worker.emit(workerSnapshot);
    expect(worker.received).toEqual([hello, bye]);
    expect(page.posted).toEqual([announce]);
  });

  test('stopping a relay whose worker never heard hello sends nothing', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, { target: page.target, listen: page.listen })();
    expect(worker.received).toEqual([]);
  });

  test('an aborted signal stops it; an already aborted one never starts it', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    const controller = new AbortController();
    relayDebug(worker, { target: page.target, listen: page.listen, signal: controller.signal });
    page.say('hello');
    controller.abort();
    worker.emit(workerSnapshot);
    expect(worker.received).toEqual([hello, bye]);
    expect(page.posted).toEqual([announce]);
    const other = fakePage();
    relayDebug(new FakeWorker(), { target: other.target, listen: other.listen, signal: AbortSignal.abort() });
    expect(other.posted).toEqual([]);
  });

  test('a window target gets postMessage(message, "*")', () => {
    const calls: unknown[][] = [];
    const window = { postMessage: (...args: unknown[]) => calls.push(args) } as {
      postMessage(...args: unknown[]): void;
      window?: unknown;
    };
    window.window = window;
    relayDebug(new FakeWorker(), { target: window, listen: new EventTarget() });
    expect(calls).toEqual([[announce, '*']]);
  });

  test.each([
    ['a worker without postMessage', {}, undefined, /^relayDebug\(worker, options\): worker has no postMessage$/],
    ['a worker that is null', null, undefined, /worker has no postMessage/],
    ['a worker without addEventListener', { postMessage() {} }, undefined, /worker has no addEventListener/],
    ['options that are not an object', new FakeWorker(), 'page', /options must be an object, got string/],
    ['a url that is not a string', new FakeWorker(), { url: 1 }, /url must be a string, got number/],
    ['a target without postMessage', new FakeWorker(), { target: {} }, /target has no postMessage/],
    ['a listen that is not an EventTarget', new FakeWorker(), { listen: {} }, /listen is not an EventTarget/],
    [
      'a signal that is not an AbortSignal',
      new FakeWorker(),
      { signal: new AbortController() },
      /signal is not an AbortSignal/,
    ],
    [
      'no target where globalThis cannot postMessage (Node)',
      new FakeWorker(),
      { listen: new EventTarget() },
      /no target given, and globalThis has no postMessage/,
    ],
  ])('%s is refused with a TypeError naming relayDebug', (_, worker, options, message) => {
    const call = () => relayDebug(worker as never, options as never);
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  test('a refused call leaves no listener behind', () => {
    const worker = new FakeWorker();
    const added = vi.spyOn(worker, 'addEventListener');
    expect(() => relayDebug(worker, { listen: new EventTarget(), url: 5 as never })).toThrow(TypeError);
    expect(added).not.toHaveBeenCalled();
  });
});

describe('types', () => {
  test('a Window, a Worker and a MessagePort are debug targets; a Worker and a MessagePort are relay endpoints', () => {
    expectTypeOf<Window>().toExtend<DebugTarget>();
    expectTypeOf<Worker>().toExtend<DebugTarget>();
    expectTypeOf<MessagePort>().toExtend<DebugTarget>();
    expectTypeOf<Worker>().toExtend<RelayEndpoint>();
    expectTypeOf<MessagePort>().toExtend<RelayEndpoint>();
    expectTypeOf<{ postMessage(message: unknown, targetOrigin?: string): void }>().toExtend<DebugTarget>();
  });
});

describe('a worker behind a relay, over a real MessageChannel', () => {
  test("the worker's channels reach the page once the inspector says hello, and stop after bye", async () => {
    const { port1: workerScope, port2: workerObject } = new MessageChannel();
    workerScope.start();
    // The worker side: debug mode posts to, and listens on, its end of the channel.
    enableDebug({ target: workerScope, listen: workerScope, intervalMs: 20 });
    const jobs = new Channel<number>(4, { name: 'worker jobs' });
    jobs.pushNowait(1);
    // The page side.
    const received: PageToInspectorMessage[] = [];
    const listen = new EventTarget();
    const stop = relayDebug(workerObject, {
      target: { postMessage: (message: unknown) => void (isPageToInspectorMessage(message) && received.push(message)) },
      listen,
      url: 'https://example.com/worker.js',
    });
    listen.dispatchEvent(new MessageEvent('message', { data: hello }));
    await vi.waitFor(() => expect(received.some((m) => m.type === 'snapshot')).toBe(true));
    const snapshot = received.find((m): m is SnapshotMessage => m.type === 'snapshot');
    expect(snapshot?.context).toEqual({ kind: 'worker', url: 'https://example.com/worker.js' });
    expect(snapshot?.channels).toEqual([expect.objectContaining({ name: 'worker jobs', size: 1 })]);
    stop(); // says bye: the worker stops posting
    await new Promise((resolve) => setTimeout(resolve, 30));
    let postedAfterBye = 0;
    workerObject.addEventListener('message', (event) => {
      if ((event.data as SnapshotMessage).type === 'snapshot') postedAfterBye++;
    });
    jobs.pushNowait(2);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(postedAfterBye).toBe(0);
    workerScope.close();
  });
});
