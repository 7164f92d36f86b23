/**
 * Third audit of debug mode (SPEC.md "Debug mode" and its second map), from what users of other
 * DevTools bridges reported as bugs: text cut in the middle of a character, snapshots that do not
 * survive the JSON of extension messaging, and two copies of a library in one page whose
 * inspector data overwrite each other. Garbage-collection checks are in peer-bugs-debug.gc.test.ts.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, relayDebug, snapshot } from '../src/debug/index.js';
import { userFrames } from '../src/debug/snapshot.js';
import { Channel, pull, push, select } from '../src/index.js';
import { INSPECTOR_SOURCE, isPageToInspectorMessage, LIMITS, type SnapshotMessage } from '../src/protocol.js';

const hello = { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } as const;

/** Whether `text` is well-formed UTF-16 (no lone surrogate). */
function wellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** A target that records what is posted, and an EventTarget to say hello on. */
function fakeInspector() {
  const posted: unknown[] = [];
  const listen = new EventTarget();
  const target = { postMessage: (message: unknown) => void posted.push(message) };
  const sayHello = () => listen.dispatchEvent(new MessageEvent('message', { data: hello }));
  const snapshots = () =>
    posted.filter((m): m is SnapshotMessage & { instance?: unknown } => (m as SnapshotMessage).type === 'snapshot');
  return { target, listen, sayHello, snapshots };
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

// Truncation by UTF-16 code units splits astral characters (emoji) in two, and the lone half
// shows as U+FFFD: https://github.com/mastodon/mastodon/pull/25148,
// https://github.com/langfuse/langfuse/issues/16172. Debug mode cuts names at LIMITS.name, stacks
// at LIMITS.stack and a relay's url option at LIMITS.url.
describe('text cut at a limit never ends in half a character', () => {
  test('a channel name of emoji longer than LIMITS.name is cut before a whole emoji, not inside one', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel(1, { name: `x${'😀'.repeat(LIMITS.name)}` });
    const name = snapshot().channels[0]?.name ?? '';
    expect(channel.name?.startsWith(name)).toBe(true);
    expect(wellFormed(name)).toBe(true);
    expect(name.length).toBe(LIMITS.name - 1); // 'x' and 99 emoji: the 100th would cross the limit
  });

  test.each([0, 1])(
    'a stack of astral-named frames is cut at LIMITS.stack on a character boundary (offset %i)',
    (offset) => {
      const frame = `    at ${'𝑓'.repeat(20)} (https://app.example/${'a'.repeat(offset)}app.js:1:1)`;
      const stack = ['Error', ...Array.from({ length: 200 }, () => frame)].join('\n');
      const frames = userFrames(stack);
      expect(frames.length).toBeLessThanOrEqual(LIMITS.stack);
      expect(frames.length).toBeGreaterThan(LIMITS.stack - 2);
      expect(wellFormed(frames)).toBe(true);
    },
  );

  test('a relay url option of emoji longer than LIMITS.url names the worker with whole characters', () => {
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const posted: unknown[] = [];
    relayDebug(worker, {
      url: `w${'🧵'.repeat(LIMITS.url)}`,
      target: { postMessage: (message: unknown) => void posted.push(message) },
      listen: new EventTarget(),
    });
    const data = { source: 'chanasync', version: 1, type: 'snapshot', time: Date.now(), channels: [] };
    worker.dispatchEvent(new MessageEvent('message', { data }));
    const relayed = posted.at(-1) as SnapshotMessage;
    expect(relayed.type).toBe('snapshot');
    expect(wellFormed(relayed.context?.url ?? '')).toBe(true);
    expect(isPageToInspectorMessage(relayed)).toBe(true);
  });
});

// Chrome's extension messaging (runtime.Port.postMessage) serializes with JSON, not structured
// clone: a BigInt threw "Do not know how to serialize a BigInt" in React DevTools
// (https://github.com/facebook/react-devtools/issues/1252), and Maps/Sets arrived empty in
// Redux DevTools (https://github.com/reduxjs/redux-devtools/issues/496). A snapshot must come
// out of JSON exactly as it went in, whatever the channels hold.
test('a posted snapshot comes out of JSON unchanged even when the channels hold BigInts, Maps, Sets and cycles', () => {
  const inspector = fakeInspector();
  enableDebug({ target: inspector.target, listen: inspector.listen, stacks: true });
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  const buffered = new Channel<unknown>(Infinity, { name: 'values' });
  buffered.pushNowait(10n ** 30n);
  buffered.pushNowait(new Map([[1, new Set([2])]]));
  buffered.pushNowait(cyclic);
  const rendezvous = new Channel<unknown>(0, { name: 'parked' });
  quiet(rendezvous.push(2n ** 64n));
  quiet(rendezvous.push(cyclic));
  const other = new Channel<unknown>(0);
  quiet(select([push(rendezvous, cyclic), pull(other)]));
  inspector.sayHello();
  const [posted] = inspector.snapshots();
  expect(posted).toBeDefined();
  expect(JSON.parse(JSON.stringify(posted))).toStrictEqual(posted);
  expect(JSON.stringify(posted)).not.toMatch(/1000000000000000000000000000000|18446744073709551616/);
});

// Two bundles that each include a library, in one page (micro-frontends, a widget library and the
// app): Redux DevTools keyed instances by tab, so "the latest store overrides everything else"
// (https://github.com/zalmoxisus/redux-devtools-extension/issues/121); MobX warns about
// "multiple mobx instances active" for the same reason. Two copies of chanasync each number their
// channels from 1 and their snapshots' seq from 1: the inspector can keep them apart only if each
// copy's posted snapshots say which copy they come from.
describe('two copies of chanasync in one page', () => {
  async function secondCopy() {
    vi.resetModules();
    const debug = await import('../src/debug/index.js');
    const core = await import('../src/index.js');
    return { debug, core };
  }

  test('each copy’s posted snapshots carry an instance id of their own', async () => {
    const first = fakeInspector();
    enableDebug({ target: first.target, listen: first.listen });
    new Channel(0, { name: 'app' });
    first.sayHello();
    const copy = await secondCopy();
    const second = fakeInspector();
    copy.debug.enableDebug({ target: second.target, listen: second.listen });
    try {
      new copy.core.Channel(0, { name: 'widget' });
      second.sayHello();
      const a = first.snapshots()[0];
      const b = second.snapshots()[0];
      expect(b?.channels.map((channel) => channel.id)).toEqual([1]); // ids overlap with the first copy's
      expect(a?.channels.length).toBeGreaterThan(0);
      expect(typeof a?.instance).toBe('string');
      expect(typeof b?.instance).toBe('string');
      expect(a?.instance).not.toBe(b?.instance);
    } finally {
      copy.debug.disableDebug();
    }
  });

  test('one copy keeps its instance id when debug mode is enabled again, so its new session replaces its old one', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    inspector.sayHello();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    inspector.sayHello();
    const [before, after] = inspector.snapshots();
    expect(after).toBeDefined();
    expect(after?.instance).toBe(before?.instance);
  });

  test('snapshot() itself carries no instance id (it keeps the SPEC’s shape)', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect(snapshot()).not.toHaveProperty('instance');
  });

  test('a relayed worker snapshot keeps the worker copy’s instance id', () => {
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const posted: unknown[] = [];
    relayDebug(worker, { target: { postMessage: (m: unknown) => void posted.push(m) }, listen: new EventTarget() });
    const data = {
      source: 'chanasync',
      version: 1,
      type: 'snapshot',
      time: Date.now(),
      channels: [],
      seq: 3,
      instance: 'w0rker',
    };
    worker.dispatchEvent(new MessageEvent('message', { data }));
    expect(posted.at(-1)).toMatchObject({ instance: 'w0rker', seq: 3, context: { kind: 'worker' } });
  });
});
