/**
 * Second red-team audit of debug mode (SPEC.md "Debug mode" and "Debug mode and inspector,
 * second map"): calling things twice with other options, ranking ties, relay chains
 * (worker → worker → page) and what a relay keeps of a worker's snapshot. Garbage-collection
 * checks are in audit2-debug.gc.test.ts.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, relayDebug, snapshot } from '../src/debug/index.js';
import { STACK_BUDGET } from '../src/debug/snapshot.js';
import { after, Channel, pull, select, ticker } from '../src/index.js';
import { INSPECTOR_SOURCE, isPageToInspectorMessage, PAGE_SOURCE, type SnapshotMessage } from '../src/protocol.js';
import { fakeInspector } from './helpers/fake-inspector.js';

const hello = { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } as const;
const bye = { source: INSPECTOR_SOURCE, version: 1, type: 'bye' } as const;

/**
 * Two ends of a context boundary, as a page sees a `Worker` object and the worker sees its
 * global scope: what one side posts arrives as a `message` event on the other, synchronously.
 */
function boundary() {
  const outside = new EventTarget() as EventTarget & { postMessage(message: unknown): void };
  const inside = new EventTarget() as EventTarget & { postMessage(message: unknown): void };
  const deliver = (to: EventTarget) => (message: unknown) =>
    to.dispatchEvent(new MessageEvent('message', { data: structuredClone(message) }));
  outside.postMessage = deliver(inside);
  inside.postMessage = deliver(outside);
  return { outside, inside };
}

/** A promise whose rejection (by close) the test expects. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

describe('calling enableDebug again with other options', () => {
  test('a second enableDebug with a shorter intervalMs throttles by the new interval', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 10_000 });
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    inspector.say('hello');
    const channel = new Channel<number>(1, { name: 'after the second call' });
    channel.pushNowait(1);
    vi.advanceTimersByTime(100);
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots()[1]?.channels.map((c) => c.size)).toEqual([1]);
  });

  test('a second enableDebug without stacks records no stack for later channels and parks', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(0);
    const pulled = quiet(channel.pull());
    const [entry] = snapshot().channels;
    expect(entry?.createdAt).toBeUndefined();
    expect(entry?.pullers[0]?.stack).toBeUndefined();
    channel.close();
    void pulled;
  });

  test('a second enableDebug with stacks records them for channels created after it', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const channel = new Channel<number>(0);
    quiet(channel.push(1));
    const [entry] = snapshot().channels;
    expect(entry?.createdAt).toContain('audit2-debug.test.ts');
    expect(entry?.pushers[0]?.stack).toContain('audit2-debug.test.ts');
    channel.close();
  });

  test('an inspector connected to the first session gets nothing more from it once enableDebug is called again', () => {
    vi.useFakeTimers();
    const first = fakeInspector();
    enableDebug({ target: first.target, listen: first.listen, intervalMs: 50 });
    first.say('hello');
    const second = fakeInspector();
    enableDebug({ target: second.target, listen: second.listen, intervalMs: 50 });
    new Channel<number>(0, { name: 'new' });
    first.say('hello');
    vi.advanceTimersByTime(500);
    expect(first.snapshots()).toHaveLength(1);
    expect(second.snapshots()).toEqual([]);
  });

  test('disable then enable: the new session says announce and, after hello, lists only the channels created since', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    const before = new Channel<number>(0, { name: 'before' });
    disableDebug();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    const afterwards = new Channel<number>(0, { name: 'afterwards' });
    inspector.say('hello');
    expect(inspector.posted.filter((m) => (m as { type: string }).type === 'announce')).toHaveLength(2);
    expect(inspector.snapshots()[0]?.channels.map((c) => c.name)).toEqual(['afterwards']);
    void before;
    void afterwards;
  });
});

describe('ranking', () => {
  test('stuck channels that parked in the same task are listed in creation order', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channels = ['c', 'a', 'b'].map((name) => new Channel<number>(0, { name }));
    for (const channel of [...channels].reverse()) quiet(channel.pull());
    expect(snapshot().channels.map((c) => c.name)).toEqual(['c', 'a', 'b']);
    for (const channel of channels) channel.close();
  });

  test('a channel with one wait explained by input and one that nothing explains ranks as stuck', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const events = new Channel<number>(0, { name: 'events', input: true });
    const mixed = new Channel<number>(0, { name: 'mixed' });
    quiet(select([pull(events), pull(mixed)]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const onlyInput = new Channel<number>(0, { name: 'only input', input: true });
    quiet(onlyInput.pull());
    quiet(mixed.pull()); // nothing explains this one
    expect(snapshot().channels.map((c) => c.name)).toEqual(['mixed', 'events', 'only input']);
    events.close();
    mixed.close();
    onlyInput.close();
  });

  test('idle channels, however many, come after every channel with a wait', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const idle = Array.from({ length: 20 }, (_, i) => new Channel<number>(1, { name: `idle-${i}` }));
    const stuck = new Channel<number>(0, { name: 'stuck' });
    quiet(stuck.push(1));
    expect(snapshot().channels[0]?.name).toBe('stuck');
    expect(snapshot().channels).toHaveLength(21);
    stuck.close();
    void idle;
  });
});

describe('capacities beyond the safe integers', () => {
  test.each([2 ** 53, Number.MAX_VALUE])(
    'a channel of capacity %d is listed as unbounded (null), and the snapshot still passes the inspector’s guard',
    (capacity) => {
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
      const huge = new Channel<number>(capacity, { name: 'huge' });
      huge.pushNowait(1);
      const taken = snapshot();
      expect(taken.channels[0]?.capacity).toBeNull();
      expect(taken.channels[0]?.size).toBe(1);
      expect(isPageToInspectorMessage(taken)).toBe(true);
    },
  );

  test('a capacity of 2⁵³ − 1 is listed as it is', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    new Channel<number>(Number.MAX_SAFE_INTEGER);
    expect(snapshot().channels[0]?.capacity).toBe(Number.MAX_SAFE_INTEGER);
  });

  test('a connected inspector keeps receiving snapshots from a page with such a channel', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    new Channel<number>(2 ** 60, { name: 'huge' });
    inspector.say('hello');
    expect(inspector.snapshots().every((message) => isPageToInspectorMessage(message))).toBe(true);
    expect(inspector.snapshots()).toHaveLength(1);
  });
});

describe('the size of a snapshot with stacks', () => {
  /** Parks a pull on `channel` from `depth` nested calls: a stack of many user frames. */
  function parkDeep(channel: Channel<number>, depth: number): void {
    if (depth === 0) quiet(channel.pull());
    else parkDeep(channel, depth - 1);
  }

  test('stacks past the budget are left out of the least interesting channels, so the snapshot stays small', () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    try {
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
      const channels = Array.from({ length: 8 }, (_, i) => new Channel<number>(0, { name: `c${i}` }));
      for (const channel of channels) for (let i = 0; i < 100; i++) parkDeep(channel, 150);
      const taken = snapshot();
      const stacks = taken.channels.flatMap((c) => [c.createdAt ?? '', ...c.pullers.map((w) => w.stack ?? '')]);
      const total = stacks.reduce((sum, stack) => sum + stack.length, 0);
      expect(total).toBeLessThanOrEqual(STACK_BUDGET);
      expect(taken.channels[0]?.pullers[0]?.stack).toContain('parkDeep');
      expect(taken.channels.at(-1)?.pullers.some((w) => w.stack !== undefined)).toBe(false);
      expect(taken.channels.at(-1)?.pullers).toHaveLength(100);
      expect(isPageToInspectorMessage(taken)).toBe(true);
      for (const channel of channels) channel.close();
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  test('within the budget, every stack is kept', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const channels = Array.from({ length: 3 }, () => new Channel<number>(0));
    for (const channel of channels) parkDeep(channel, 3);
    const taken = snapshot();
    expect(taken.channels.every((c) => c.createdAt !== undefined && c.pullers[0]?.stack !== undefined)).toBe(true);
    for (const channel of channels) channel.close();
  });
});

describe('waiting for input on channels created before enableDebug', () => {
  test('a select with a case on a ticker created before enableDebug waits for input, not stuck', () => {
    const tick = ticker(60_000); // a module-level ticker, made at import time
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const work = new Channel<number>(0, { name: 'work' });
    quiet(select([pull(work), pull(tick)]));
    const [entry] = snapshot().channels;
    expect(entry?.pullers.map((waiter) => waiter.input)).toEqual([true]);
    tick.close();
    work.close();
  });

  test('a select whose untracked case is an after() timeout waits for input whichever case parks first', () => {
    for (let round = 0; round < 20; round++) {
      const timeout = after(60_000);
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: round % 2 === 0 });
      const reply = new Channel<string>(0, { name: 'reply' });
      quiet(select([pull(timeout), pull(reply)]));
      expect(snapshot().channels[0]?.pullers[0]?.input).toBe(true);
      timeout.close();
      reply.close();
    }
  });

  test('a select whose untracked case is an ordinary channel is not waiting for input', () => {
    const plain = new Channel<number>(0);
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const work = new Channel<number>(0, { name: 'work' });
    quiet(select([pull(work), pull(plain)]));
    expect(snapshot().channels[0]?.pullers[0]?.input).toBeUndefined();
    plain.close();
    work.close();
  });
});

describe('relayDebug called twice for one worker (hot reloading)', () => {
  const workerSnapshot: SnapshotMessage = { source: PAGE_SOURCE, version: 1, type: 'snapshot', time: 5, channels: [] };

  test('each of the worker’s snapshots reaches the page once', () => {
    const page = fakeInspector();
    const worker = boundary();
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    worker.inside.postMessage(workerSnapshot);
    expect(page.snapshots()).toHaveLength(1);
  });

  test('the stale relay’s stop says no bye to the worker the new relay serves, and relaying goes on', () => {
    const page = fakeInspector();
    const worker = boundary();
    const heard: string[] = [];
    worker.inside.addEventListener('message', (event) => heard.push((event as MessageEvent).data.type));
    const stale = relayDebug(worker.outside, { target: page.target, listen: page.listen });
    page.say('hello');
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    stale();
    worker.inside.postMessage(workerSnapshot);
    expect(heard).toEqual(['hello']);
    expect(page.snapshots()).toHaveLength(1);
  });

  test('the new relay’s stop says bye to a worker that heard hello through the one it replaced', () => {
    const page = fakeInspector();
    const worker = boundary();
    const heard: string[] = [];
    worker.inside.addEventListener('message', (event) => heard.push((event as MessageEvent).data.type));
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    page.say('hello');
    const stop = relayDebug(worker.outside, { target: page.target, listen: page.listen });
    stop();
    expect(heard).toEqual(['hello', 'bye']);
  });

  test('a second relay whose announce throws leaves the first one relaying', () => {
    const page = fakeInspector();
    const worker = boundary();
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    const failing = {
      postMessage() {
        throw new Error('refused');
      },
    };
    expect(() => relayDebug(worker.outside, { target: failing, listen: page.listen })).toThrow('refused');
    worker.inside.postMessage(workerSnapshot);
    expect(page.snapshots()).toHaveLength(1);
  });

  test('relays of two different workers are independent', () => {
    const page = fakeInspector();
    const first = boundary();
    const second = boundary();
    relayDebug(first.outside, { target: page.target, listen: page.listen, url: 'a.js' });
    relayDebug(second.outside, { target: page.target, listen: page.listen, url: 'b.js' });
    first.inside.postMessage(workerSnapshot);
    second.inside.postMessage(workerSnapshot);
    expect(page.snapshots().map((m) => m.context?.url)).toEqual(['a.js', 'b.js']);
  });
});

describe('relay chains', () => {
  test('a worker started by a worker shows in the page through two relays, tagged with its own URL', () => {
    const page = fakeInspector();
    const middle = boundary(); // the page's Worker object ↔ the middle worker's scope
    const inner = boundary(); // the middle worker's Worker object ↔ the inner worker's scope
    relayDebug(middle.outside, { target: page.target, listen: page.listen });
    // In the middle worker: relay the inner worker to its own scope (which posts to the page).
    relayDebug(inner.outside, { target: middle.inside, listen: middle.inside, url: 'https://a.example/inner.js' });
    // In the inner worker: debug mode posting to its scope.
    enableDebug({ target: inner.inside, listen: inner.inside, intervalMs: 10 });
    const channel = new Channel<number>(0, { name: 'deep' });
    quiet(channel.pull());
    page.say('hello');
    const [first] = page.snapshots();
    expect(first?.context).toEqual({ kind: 'worker', url: 'https://a.example/inner.js' });
    expect(first?.channels.map((c) => c.name)).toEqual(['deep']);
    channel.close();
  });

  test('a bye from the page stops a worker behind two relays', () => {
    vi.useFakeTimers();
    const page = fakeInspector();
    const middle = boundary();
    const inner = boundary();
    relayDebug(middle.outside, { target: page.target, listen: page.listen });
    relayDebug(inner.outside, { target: middle.inside, listen: middle.inside });
    enableDebug({ target: inner.inside, listen: inner.inside, intervalMs: 10 });
    page.say('hello');
    page.say('bye');
    const count = page.snapshots().length;
    new Channel<number>(0, { name: 'after bye' });
    vi.advanceTimersByTime(1000);
    expect(page.snapshots()).toHaveLength(count);
  });

  test('a relayed snapshot keeps the worker’s seq, so the inspector orders the worker’s snapshots by it', () => {
    const page = fakeInspector();
    const worker = boundary();
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    const message: SnapshotMessage = {
      source: PAGE_SOURCE,
      version: 1,
      type: 'snapshot',
      time: 5,
      seq: 41,
      channels: [],
    };
    worker.inside.postMessage(message);
    expect(page.snapshots()[0]?.seq).toBe(41);
  });

  test('a relay drops a worker snapshot whose context URL is over the limit instead of cutting it', () => {
    const page = fakeInspector();
    const worker = boundary();
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    worker.inside.postMessage({
      source: PAGE_SOURCE,
      version: 1,
      type: 'snapshot',
      time: 5,
      channels: [],
      context: { kind: 'worker', url: `https://a.example/${'x'.repeat(5000)}` },
    });
    expect(page.snapshots()).toEqual([]);
  });

  test('the relay cuts a url option over the limit, so the relayed snapshot still passes the inspector’s guard', () => {
    const page = fakeInspector();
    const worker = boundary();
    relayDebug(worker.outside, { target: page.target, listen: page.listen, url: `w.js#${'x'.repeat(5000)}` });
    worker.inside.postMessage({ source: PAGE_SOURCE, version: 1, type: 'snapshot', time: 5, channels: [] });
    expect(page.snapshots()[0]?.context?.url).toHaveLength(2048);
  });

  test('hello and bye reach the worker in the order the inspector said them', () => {
    const page = fakeInspector();
    const worker = boundary();
    const heard: string[] = [];
    worker.inside.addEventListener('message', (event) => heard.push((event as MessageEvent).data.type));
    relayDebug(worker.outside, { target: page.target, listen: page.listen });
    page.say('hello');
    page.say('bye');
    page.say('hello');
    expect(heard).toEqual(['hello', 'bye', 'hello']);
  });

  test('a relay stopped from inside the worker’s own message delivery relays nothing more', () => {
    const page = fakeInspector();
    const worker = boundary();
    let stop = () => {};
    page.target.postMessage = (message: unknown) => {
      page.posted.push(message);
      if ((message as SnapshotMessage).type === 'snapshot') stop();
    };
    stop = relayDebug(worker.outside, { target: page.target, listen: page.listen });
    page.say('hello');
    const message: SnapshotMessage = { source: PAGE_SOURCE, version: 1, type: 'snapshot', time: 5, channels: [] };
    worker.inside.postMessage(message);
    worker.inside.postMessage(message);
    expect(page.snapshots()).toHaveLength(1);
  });
});

describe('listening on a MessagePort', () => {
  /** A port as browsers have it: messages wait until `start()` (addEventListener does not start it). */
  class BrowserPort extends EventTarget {
    private started = false;
    private readonly queued: unknown[] = [];
    readonly posted: unknown[] = [];
    postMessage(message: unknown): void {
      this.posted.push(message);
    }
    close(): void {}
    start(): void {
      this.started = true;
      for (const data of this.queued.splice(0)) this.dispatchEvent(new MessageEvent('message', { data }));
    }
    /** A message from the other side. */
    receive(data: unknown): void {
      if (this.started) this.dispatchEvent(new MessageEvent('message', { data }));
      else this.queued.push(data);
    }
  }

  test('enableDebug on a MessagePort (a SharedWorker’s) hears hello without the caller starting the port', () => {
    const port = new BrowserPort();
    enableDebug({ target: port, listen: port });
    new Channel<number>(0, { name: 'shared' });
    port.receive(hello);
    const snapshots = port.posted.filter((m): m is SnapshotMessage => (m as SnapshotMessage).type === 'snapshot');
    expect(snapshots.map((m) => m.channels.map((c) => c.name))).toEqual([['shared']]);
  });

  test('a listen target that only happens to have a start method is not started', () => {
    let started = 0;
    const bus = Object.assign(new EventTarget(), { start: () => started++ });
    enableDebug({ target: { postMessage() {} }, listen: bus });
    expect(started).toBe(0);
  });

  test('a hello that was waiting in the port before enableDebug is heard', () => {
    const port = new BrowserPort();
    port.receive(hello);
    enableDebug({ target: port, listen: port });
    expect(port.posted.some((m) => (m as SnapshotMessage).type === 'snapshot')).toBe(true);
  });
});

describe('bye', () => {
  test('after bye, a later hello posts the current state at once even if nothing changed since the last snapshot', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    new Channel<number>(0, { name: 'same' });
    inspector.say('hello');
    vi.advanceTimersByTime(500);
    inspector.say('bye');
    vi.advanceTimersByTime(500);
    inspector.say('hello');
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots()[1]?.channels.map((c) => c.name)).toEqual(['same']);
  });

  test('bye arriving as an event on listen from another inspector message shape is ignored', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    inspector.say('hello');
    inspector.listen.dispatchEvent(new MessageEvent('message', { data: { ...bye, version: '1' } }));
    new Channel<number>(0, { name: 'later' });
    vi.advanceTimersByTime(100);
    expect(inspector.snapshots()).toHaveLength(2);
  });
});
