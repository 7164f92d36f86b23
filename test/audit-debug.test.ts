/**
 * Red-team audit of SPEC.md "Debug mode (`chanasync/debug`)", the second map's "stuck, idle and
 * leaked" and the debug bullet of "Channels across contexts": each test checks one sentence
 * of the contract (or a documented promise of the README/TSDoc) that no other test checked,
 * or an edge an outside tester would try. Garbage-collection checks are in
 * audit-debug.gc.test.ts.
 */

import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { clearLeaks, disableDebug, enableDebug, relayDebug, snapshot } from '../src/debug/index.js';
import { after as afterMs, broadcast, Channel, fromEvent, merge, pull, push, select, ticker } from '../src/index.js';
import { fromPort } from '../src/port/index.js';
import {
  INSPECTOR_SOURCE,
  isInspectorToPageMessage,
  isPageToInspectorMessage,
  LIMITS,
  type SnapshotMessage,
} from '../src/protocol.js';
import { fakeInspector } from './helpers/fake-inspector.js';

/** An EventTarget that counts its `message` listeners. */
class CountingTarget extends EventTarget {
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    if (args[0] === 'message' && args[1] !== null) this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    if (args[0] === 'message' && args[1] !== null) this.listeners--;
    super.removeEventListener(...args);
  }
}

/** Leaves an operation parked; its rejection when the test closes the channel is expected. */
function parked<T>(operation: Promise<T>): Promise<T> {
  operation.catch(() => {});
  return operation;
}

/** Runs the core operations a program uses (no timers of their own: no after/ticker). */
async function coreWorkout(): Promise<void> {
  const rendezvous = new Channel<number>(0, { name: 'r' });
  const pulled = rendezvous.pull();
  await rendezvous.push(1);
  await pulled;
  const pusher = rendezvous.push(2);
  await rendezvous.pull();
  await pusher;
  const buffered = new Channel<number>(2, { overflow: 'block' });
  buffered.tryPush(1);
  buffered.tryPull();
  const many = buffered.pullMany(5);
  const all = buffered.pushAll([1, 2, 3, 4]);
  await many;
  await buffered.pullMany(3);
  await all;
  const infinite = new Channel<number>(Infinity);
  infinite.pushNowait(1);
  const drop = new Channel<number>(1, { overflow: 'drop-oldest' });
  drop.pushNowait(1);
  drop.pushNowait(2);
  const a = new Channel<number>(0);
  const b = new Channel<number>(0);
  const chosen = select([pull(a), pull(b), push(a, 5)]);
  b.pushNowait(3);
  await chosen;
  const controller = new AbortController();
  const aborted = parked(a.pull({ signal: controller.signal }));
  controller.abort('stop'); // not an Error: the test spies on Error
  await aborted.catch(() => {});
  const iterated = new Channel<number>(1);
  const loop = (async () => {
    let n = 0;
    for await (const value of iterated) n += value;
    return n;
  })();
  await iterated.push(1);
  iterated.close();
  await loop;
  const merged = merge(new Channel<number>(1), infinite);
  await merged.pull();
}

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

// First in the file: no test before it has enabled debug mode.
describe('free when off', () => {
  test('with debug mode never enabled, channels, batches, selects, aborts and iteration read no clock', async () => {
    const now = vi.spyOn(Date, 'now');
    const perf = vi.spyOn(performance, 'now');
    await coreWorkout();
    expect(now).not.toHaveBeenCalled();
    expect(perf).not.toHaveBeenCalled();
  });

  test('with debug mode never enabled, core operations capture no stack', async () => {
    const capture = vi.spyOn(Error, 'captureStackTrace');
    const ErrorSpy = vi.spyOn(globalThis, 'Error');
    await coreWorkout();
    expect(capture).not.toHaveBeenCalled();
    expect(ErrorSpy).not.toHaveBeenCalled();
  });

  test('with debug mode never enabled, core operations start no timer', async () => {
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    const interval = vi.spyOn(globalThis, 'setInterval');
    await coreWorkout();
    expect(timeout).not.toHaveBeenCalled();
    expect(interval).not.toHaveBeenCalled();
  });

  test('after disableDebug, core operations read no clock and capture no stack again', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    await coreWorkout();
    disableDebug();
    await new Promise((resolve) => setTimeout(resolve, 0)); // let debug mode's end-of-task timers run
    const now = vi.spyOn(Date, 'now');
    const perf = vi.spyOn(performance, 'now');
    const ErrorSpy = vi.spyOn(globalThis, 'Error');
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    await coreWorkout();
    expect(now).not.toHaveBeenCalled();
    expect(perf).not.toHaveBeenCalled();
    expect(ErrorSpy).not.toHaveBeenCalled();
    expect(timeout).not.toHaveBeenCalled();
  });
});

describe('the snapshot shape', () => {
  test('a snapshot in Node has exactly source, version, type, time and channels', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const taken = snapshot();
    expect(Object.keys(taken).sort()).toEqual(['channels', 'source', 'time', 'type', 'version']);
    expect(taken).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
  });

  test('a snapshot’s time is the current time in ms since the epoch', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const before = Date.now();
    const { time } = snapshot();
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  test('without stacks, a channel has exactly id, name, capacity, size, closed, overflow, pushers and pullers', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(3, { name: 'shape' });
    const [entry] = snapshot().channels;
    expect(Object.keys(entry ?? {}).sort()).toEqual(
      ['capacity', 'closed', 'id', 'name', 'overflow', 'pullers', 'pushers', 'size'].sort(),
    );
    void channel;
  });

  test('without stacks, a parked operation has exactly kind and since', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(0);
    parked(channel.push(1));
    parked(channel.push(2));
    const [entry] = snapshot().channels;
    expect(entry?.pushers.map((waiter) => Object.keys(waiter).sort())).toEqual([
      ['kind', 'since'],
      ['kind', 'since'],
    ]);
    channel.close();
  });

  test('with stacks, a channel gains createdAt and a parked operation gains stack, both strings', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const channel = new Channel<number>(0);
    parked(channel.pull());
    const [entry] = snapshot().channels;
    expect(typeof entry?.createdAt).toBe('string');
    expect(Object.keys(entry?.pullers[0] ?? {}).sort()).toEqual(['kind', 'since', 'stack']);
    expect(typeof entry?.pullers[0]?.stack).toBe('string');
    channel.close();
  });

  test('an unbounded channel has capacity null, which survives JSON', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(Infinity);
    channel.pushNowait(1);
    const taken = snapshot();
    expect(taken.channels[0]?.capacity).toBeNull();
    expect(JSON.parse(JSON.stringify(taken))).toEqual(taken);
  });

  test('capacity, size, closed and overflow are the channel’s own, for each overflow policy', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const block = new Channel<number>(0, { name: 'block' });
    const oldest = new Channel<number>(1, { name: 'oldest', overflow: 'drop-oldest' });
    const newest = new Channel<number>(5, { name: 'newest', overflow: 'drop-newest' });
    oldest.pushNowait(1);
    oldest.pushNowait(2);
    newest.pushNowait(1);
    newest.pushNowait(2);
    newest.close();
    const byName = Object.fromEntries(snapshot().channels.map((channel) => [channel.name, channel]));
    expect(byName.block).toMatchObject({ capacity: 0, size: 0, closed: false, overflow: 'block' });
    expect(byName.oldest).toMatchObject({ capacity: 1, size: 1, closed: false, overflow: 'drop-oldest' });
    expect(byName.newest).toMatchObject({ capacity: 5, size: 2, closed: true, overflow: 'drop-newest' });
    void block;
  });

  test('a parked operation’s since is when it parked, in ms since the epoch', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(0);
    const before = Date.now();
    parked(channel.pull());
    const parkedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const since = snapshot().channels[0]?.pullers[0]?.since ?? 0;
    expect(since).toBeGreaterThanOrEqual(before - 20); // the task's clock, read once per task
    expect(since).toBeLessThanOrEqual(parkedAt);
    channel.close();
  });

  test('values of parked pushes, parked select pushes, pending pushAll values and buffered values are never in a snapshot', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const secret = (n: number) => `SECRET-${n}-do-not-show`;
    const buffered = new Channel<string>(1, { name: 'buffered' });
    buffered.pushNowait(secret(1));
    parked(buffered.push(secret(2)));
    parked(buffered.pushAll([secret(3), secret(4)]));
    const other = new Channel<string>(0, { name: 'other' });
    parked(select([push(other, secret(5)), push(new Channel<string>(0), secret(6))]));
    const text = JSON.stringify(snapshot());
    expect(text).not.toContain('SECRET');
    buffered.close();
    other.close();
  });

  test('a snapshot is structured-clone safe even when the values are functions or symbols', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const channel = new Channel<unknown>(1);
    channel.pushNowait(() => 'not cloneable');
    parked(channel.push(Symbol('not cloneable either')));
    const taken = snapshot();
    expect(structuredClone(taken)).toEqual(taken);
    expect(taken.channels[0]).toMatchObject({ size: 1, pushers: [{ kind: 'push' }] });
    channel.close();
  });

  test('a snapshot taken while operations park passes the inspector’s own guard', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(Infinity, { name: 'b', input: true });
    parked(a.push(1));
    parked(select([pull(b), pull(a)]));
    expect(isPageToInspectorMessage(snapshot())).toBe(true);
    a.close();
  });

  test('pushAll and pullMany park as a push and a pull', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const full = new Channel<number>(1, { name: 'full' });
    full.pushNowait(0);
    parked(full.pushAll([1, 2, 3]));
    const empty = new Channel<number>(1, { name: 'empty' });
    parked(empty.pullMany(4));
    const byName = Object.fromEntries(snapshot().channels.map((channel) => [channel.name, channel]));
    expect(byName.full?.pushers.map((waiter) => waiter.kind)).toEqual(['push']);
    expect(byName.empty?.pullers.map((waiter) => waiter.kind)).toEqual(['pull']);
    full.close();
    empty.close();
  });
});

describe('stacks', () => {
  const THIS_FILE = 'audit-debug.test.ts';

  test('the park stack of pushAll, pullMany, iteration and select names the user function, not chanasync’s files', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const full = new Channel<number>(1, { name: 'full' });
    full.pushNowait(0);
    const empty = new Channel<number>(0, { name: 'empty' });
    const iterated = new Channel<number>(0, { name: 'iterated' });
    const selected = new Channel<number>(0, { name: 'selected' });
    function parkAllOfThem() {
      parked(full.pushAll([1, 2]));
      parked(empty.pullMany(2));
      parked(select([pull(selected), pull(new Channel<number>(0))]));
    }
    async function loopOver() {
      for await (const _ of iterated) break;
    }
    parkAllOfThem();
    const loop = loopOver();
    await Promise.resolve();
    const stacks = snapshot()
      .channels.filter((c) => c.name !== '')
      .map((c) => [c.name, [...c.pushers, ...c.pullers][0]?.stack ?? ''] as const);
    expect(stacks.map(([name]) => name).sort()).toEqual(['empty', 'full', 'iterated', 'selected']);
    for (const [name, stack] of stacks) {
      expect(stack, name).toContain(THIS_FILE);
      expect(stack, name).toMatch(name === 'iterated' ? /loopOver/ : /parkAllOfThem/);
      expect(stack, name).not.toMatch(/\/src\//);
    }
    iterated.close();
    await loop;
    full.close();
    empty.close();
    selected.close();
  });

  test('a channel made by a helper is created where the user called the helper', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const controller = new AbortController();
    function makeTimer() {
      return afterMs(60_000);
    }
    function makeEvents() {
      return fromEvent(new EventTarget(), 'ping', { signal: controller.signal });
    }
    const timer = makeTimer();
    makeEvents();
    const [timerEntry, eventsEntry] = [...snapshot().channels].sort((a, b) => a.id - b.id);
    expect(timerEntry?.createdAt).toMatch(/makeTimer/);
    expect(eventsEntry?.createdAt).toMatch(/makeEvents/);
    for (const entry of [timerEntry, eventsEntry]) expect(entry?.createdAt).not.toMatch(/\/src\//);
    timer.close();
    controller.abort();
  });

  test('from the built package, stacks name the user’s frames and none of chanasync’s, even source-mapped', async () => {
    const built = (file: string) => new URL(`../dist/${file}`, import.meta.url).href;
    const debug: typeof import('../src/debug/index.js') = await import(built('debug.js'));
    const core: typeof import('../src/index.js') = await import(built('index.js'));
    debug.enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    try {
      function createAndPark() {
        const channel = new core.Channel<number>(0, { name: 'built' });
        parked(channel.pushAll([1]));
        return channel;
      }
      const channel = createAndPark();
      const [entry] = debug.snapshot().channels;
      expect(entry?.createdAt).toMatch(/createAndPark/);
      expect(entry?.pushers[0]?.stack).toMatch(/createAndPark/);
      const stacks = `${entry?.createdAt}\n${entry?.pushers[0]?.stack}`;
      // Neither the built files nor the sources their maps name (vitest applies source maps).
      expect(stacks).not.toContain(new URL('../dist/', import.meta.url).pathname);
      expect(stacks).not.toContain(new URL('../src/', import.meta.url).pathname);
      channel.close();
    } finally {
      debug.disableDebug();
    }
  });

  test.each([
    ['returns call sites instead of a string', (_: Error, sites: unknown[]) => sites],
    [
      'throws',
      () => {
        throw new Error('no stacks here');
      },
    ],
  ])('with an Error.prepareStackTrace that %s, channels still work and stacks are strings', async (_, prepare) => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const original = (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = prepare;
    try {
      const channel = new Channel<number>(0, { name: 'odd stacks' });
      const pulled = channel.pull();
      channel.pushNowait(1);
      await expect(pulled).resolves.toBe(1);
      parked(channel.pull());
      const [entry] = snapshot().channels;
      expect(typeof entry?.createdAt).toBe('string');
      expect(typeof entry?.pullers[0]?.stack).toBe('string');
      expect(isPageToInspectorMessage(snapshot())).toBe(true);
      channel.close();
    } finally {
      (Error as { prepareStackTrace?: unknown }).prepareStackTrace = original;
    }
  });

  /**
   * Bundles `program` (a module whose `run()` takes a snapshot; it imports chanasync from
   * `./src/…` as an application's bundle does) into one file with esbuild, and runs it.
   */
  async function runBundled(program: string): Promise<SnapshotMessage> {
    const esbuild = await import('esbuild');
    const { writeFileSync } = await import('node:fs');
    const { tempDir } = await import('./helpers/temp-dir.js');
    const { join } = await import('node:path');
    const result = await esbuild.build({
      stdin: { contents: program, resolveDir: new URL('..', import.meta.url).pathname, loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
    });
    const file = join(tempDir('chanasync-bundle-'), 'app.mjs');
    writeFileSync(file, result.outputFiles[0]?.text ?? '');
    const { run } = (await import(/* @vite-ignore */ file)) as { run: () => SnapshotMessage };
    return run();
  }

  test('bundled into the application’s file, the first frame of each stack is the user’s function', async () => {
    const [entry] = (
      await runBundled(`
          import { Channel } from './src/index.ts';
          import { enableDebug, disableDebug, snapshot } from './src/debug/index.ts';
          export function run() {
            enableDebug({ target: { postMessage() {} }, stacks: true });
            const app = {
              make() { return new Channel(0, { name: 'bundled' }); },
              consume(channel) { channel.pull().catch(() => {}); },
            };
            const channel = app.make();
            app.consume(channel);
            const taken = snapshot();
            channel.close();
            disableDebug();
            return taken;
          }`)
    ).channels;
    expect(entry?.createdAt?.split('\n')[0]).toMatch(/^at Object\.make /);
    expect(entry?.pullers[0]?.stack?.split('\n')[0]).toMatch(/^at Object\.consume /);
  });

  test('bundled into the application’s file, a channel made by after, ticker, merge, subscribe, from or fromEvent was created at the user’s function', async () => {
    // Their constructors (TimerChannel, MergedChannel, Subscriber) and the anonymous maker that
    // `from` and `fromEvent` hand to `create` were left at the top of the creation stack.
    const snapshot = await runBundled(`
          import { Channel, after, broadcast, from, fromEvent, merge, ticker } from './src/index.ts';
          import { enableDebug, disableDebug, snapshot } from './src/debug/index.ts';
          export function run() {
            enableDebug({ target: { postMessage() {} }, stacks: true });
            const source = new Channel(1, { name: 'source' });
            const app = {
              timer() { return after(60000); },
              tick() { return ticker(60000); },
              merged() { return merge(source); },
              listen() { return broadcast(source).subscribe(); },
              iterate() { return from((async function* () { await new Promise(() => {}); })()); },
              events() { return fromEvent(new EventTarget(), 'x'); },
            };
            const made = [app.timer(), app.tick(), app.merged(), app.listen(), app.iterate(), app.events()];
            const taken = snapshot();
            for (const channel of made) channel.close();
            disableDebug();
            return taken;
          }`);
    const firstFrames = Object.fromEntries(
      snapshot.channels.map((entry) => [entry.name, entry.createdAt?.split('\n')[0]?.replace(/ \(.*$/, '')]),
    );
    expect(firstFrames).toEqual({
      source: 'at run',
      'after(60000)': 'at Object.timer',
      'ticker(60000)': 'at Object.tick',
      merge: 'at Object.merged',
      subscriber: 'at Object.listen',
      from: 'at Object.iterate',
      'fromEvent(x)': 'at Object.events',
    });
  });

  test('stacks are capped at LIMITS.stack characters', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 1000;
    try {
      const deep = (n: number): Channel<number> => (n === 0 ? new Channel<number>(0) : deep(n - 1));
      const channel = deep(300);
      parked(channel.pull());
      const [entry] = snapshot().channels;
      expect(entry?.createdAt?.length).toBeLessThanOrEqual(LIMITS.stack);
      expect(entry?.createdAt?.length).toBeGreaterThan(0);
      channel.close();
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});

describe('the snapshot agrees with the channels (property)', () => {
  type Op =
    | { op: 'push' | 'pull' | 'pushNowait' | 'pullNowait' | 'close' | 'abort'; ch: number }
    | { op: 'select'; a: number; b: number; push: boolean };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      op: fc.constantFrom('push', 'pull', 'pushNowait', 'pullNowait', 'close', 'abort'),
      ch: fc.nat(2),
    }) as fc.Arbitrary<Op>,
    fc.record({ op: fc.constant('select'), a: fc.nat(2), b: fc.nat(2), push: fc.boolean() }) as fc.Arbitrary<Op>,
  );

  test('after any sequence of operations, every channel’s size, closed flag and parked counts match stats()', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.boolean(), async (ops, stacks) => {
        enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks });
        const channels = [
          new Channel<number>(0, { name: 'c0' }),
          new Channel<number>(1, { name: 'c1' }),
          new Channel<number>(Infinity, { name: 'c2' }),
        ];
        const controllers: AbortController[] = [];
        let n = 0;
        for (const step of ops) {
          if (step.op === 'select') {
            const a = channels[step.a] as Channel<number>;
            const b = channels[step.b] as Channel<number>;
            const controller = new AbortController();
            controllers.push(controller);
            parked(select([step.push ? push(a, n++) : pull(a), pull(b)], { signal: controller.signal }));
            continue;
          }
          const channel = channels[step.ch] as Channel<number>;
          if (step.op === 'push' || step.op === 'pull') {
            const controller = new AbortController();
            controllers.push(controller);
            const signal = controller.signal;
            parked<unknown>(step.op === 'push' ? channel.push(n++, { signal }) : channel.pull({ signal }));
          } else if (step.op === 'pushNowait') channel.tryPush(n++);
          else if (step.op === 'pullNowait') channel.tryPull();
          else if (step.op === 'close') channel.close();
          else controllers.shift()?.abort('stop');
          if (n % 3 === 0) await Promise.resolve();
        }
        await new Promise((resolve) => setTimeout(resolve, 0));
        const taken = snapshot();
        expect(isPageToInspectorMessage(taken)).toBe(true);
        for (const channel of channels) {
          const entry = taken.channels.find((c) => c.name === channel.name);
          const stats = channel.stats();
          expect(entry).toMatchObject({ size: stats.size, closed: stats.closed });
          expect(entry?.pushers.length).toBe(stats.waitingPushers);
          expect(entry?.pullers.length).toBe(stats.waitingPullers);
        }
        for (const channel of channels) channel.close();
        await new Promise((resolve) => setTimeout(resolve, 0));
        expect(snapshot().channels.every((c) => c.pushers.length + c.pullers.length === 0)).toBe(true);
        disableDebug();
      }),
      { numRuns: 150 },
    );
  });
});

describe('transport', () => {
  test('with no target, enableDebug posts to globalThis when it has postMessage (a worker: one argument)', () => {
    const global = globalThis as { postMessage?: unknown };
    const calls: unknown[][] = [];
    global.postMessage = (...args: unknown[]) => calls.push(args);
    try {
      enableDebug({ listen: new EventTarget() });
    } finally {
      delete global.postMessage;
    }
    expect(calls).toEqual([[{ source: 'chanasync', version: 1, type: 'announce' }]]);
  });

  test('with no target and globalThis a window, enableDebug posts postMessage(message, "*")', () => {
    const global = globalThis as { postMessage?: unknown; window?: unknown };
    const calls: unknown[][] = [];
    global.postMessage = (...args: unknown[]) => calls.push(args);
    global.window = globalThis;
    try {
      enableDebug({ listen: new EventTarget() });
    } finally {
      delete global.postMessage;
      delete global.window;
    }
    expect(calls).toEqual([[{ source: 'chanasync', version: 1, type: 'announce' }, '*']]);
  });

  test('snapshots go to a window target with "*" too, not only the announce', () => {
    const calls: unknown[][] = [];
    const window = { postMessage: (...args: unknown[]) => calls.push(args) } as {
      postMessage(...a: unknown[]): void;
      window?: unknown;
    };
    window.window = window;
    const listen = new EventTarget();
    enableDebug({ target: window, listen });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    expect(calls.map((args) => [(args[0] as { type: string }).type, args.length, args[1]])).toEqual([
      ['announce', 2, '*'],
      ['snapshot', 2, '*'],
    ]);
  });

  test('with no listen, enableDebug hears hello as a message event on globalThis', () => {
    const global = globalThis as unknown as Record<string, unknown>;
    const events = new EventTarget();
    const inspector = fakeInspector();
    global.addEventListener = events.addEventListener.bind(events);
    global.removeEventListener = events.removeEventListener.bind(events);
    try {
      enableDebug({ target: inspector.target });
      events.dispatchEvent(
        new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
      );
      expect(inspector.snapshots()).toHaveLength(1);
      disableDebug();
    } finally {
      delete global.addEventListener;
      delete global.removeEventListener;
    }
  });

  test('every message debug mode posts carries version 1 and source "chanasync"', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 10 });
    const channel = new Channel<number>(5);
    inspector.say('hello');
    channel.pushNowait(1);
    vi.advanceTimersByTime(10);
    channel.pushNowait(2);
    vi.advanceTimersByTime(10);
    expect(inspector.posted.length).toBeGreaterThanOrEqual(3);
    for (const message of inspector.posted) {
      expect(message).toMatchObject({ source: 'chanasync', version: 1 });
      expect(isPageToInspectorMessage(message)).toBe(true);
    }
  });
});

describe('hello and bye', () => {
  test('no snapshot is posted before hello, however much changes', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 10 });
    const channel = new Channel<number>(100);
    for (let i = 0; i < 20; i++) {
      channel.pushNowait(i);
      vi.advanceTimersByTime(10);
    }
    expect(inspector.snapshots()).toEqual([]);
  });

  test('a bye before any hello is ignored, and a later hello still starts snapshots', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 10 });
    inspector.say('bye');
    inspector.say('hello');
    expect(inspector.snapshots()).toHaveLength(1);
  });

  test('a snapshot is posted at each interval in which something changed, and never two within intervalMs', () => {
    vi.useFakeTimers();
    const times: number[] = [];
    const target = {
      postMessage: (message: unknown) => {
        if ((message as SnapshotMessage).type === 'snapshot') times.push(performance.now());
      },
    };
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 100 });
    const channel = new Channel<number>(1000);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    for (let ms = 0; ms < 1000; ms += 7) {
      channel.pushNowait(ms);
      vi.advanceTimersByTime(7);
    }
    expect(times.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(100);
  });

  test('a hello that re-sends the state at once does not let the next change post sooner than intervalMs later', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    const channel = new Channel<number>(10);
    inspector.say('hello'); // t = 0: posted
    vi.advanceTimersByTime(150); // the tick at 100 had nothing new
    inspector.say('hello'); // t = 150: a reconnecting inspector gets the state at once
    expect(inspector.snapshots()).toHaveLength(2);
    channel.pushNowait(1);
    vi.advanceTimersByTime(99); // t = 249: still within 100 ms of the last post
    expect(inspector.snapshots()).toHaveLength(2);
    vi.advanceTimersByTime(1); // t = 250
    expect(inspector.snapshots()).toHaveLength(3);
  });

  test('an intervalMs above the timer limit (2³¹−1 ms) does not make snapshots flood', async () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 2 ** 32 });
    const channel = new Channel<number>(100);
    inspector.say('hello');
    for (let i = 0; i < 5; i++) {
      channel.pushNowait(i);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(inspector.snapshots()).toHaveLength(1);
  });

  test('a target that throws on a snapshot stops the posting until the next hello', () => {
    vi.useFakeTimers();
    let failing = false;
    const types: string[] = [];
    const target = {
      postMessage(message: unknown) {
        types.push((message as { type: string }).type);
        if (failing) throw new Error('cannot post');
      },
    };
    const listen = new EventTarget();
    const hello = () =>
      listen.dispatchEvent(
        new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
      );
    enableDebug({ target, listen, intervalMs: 100 });
    const channel = new Channel<number>(100);
    hello();
    failing = true;
    channel.pushNowait(1);
    expect(() => vi.advanceTimersByTime(100)).toThrow('cannot post');
    channel.pushNowait(2);
    vi.advanceTimersByTime(1000);
    expect(types).toEqual(['announce', 'snapshot', 'snapshot']);
    failing = false;
    hello();
    expect(types).toEqual(['announce', 'snapshot', 'snapshot', 'snapshot']);
  });

  test('without intervalMs, snapshots are at most one per 250 ms', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    const channel = new Channel<number>(100);
    inspector.say('hello');
    channel.pushNowait(1);
    vi.advanceTimersByTime(249);
    expect(inspector.snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(inspector.snapshots()).toHaveLength(2);
  });

  test.each(['the hello’s snapshot', 'a periodic snapshot'])(
    'an inspector that says bye synchronously on receiving %s gets nothing more',
    (which) => {
      vi.useFakeTimers();
      const listen = new EventTarget();
      const say = (type: 'hello' | 'bye') =>
        listen.dispatchEvent(new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type } }));
      const snapshots: unknown[] = [];
      const byeOn = which === 'the hello’s snapshot' ? 1 : 2;
      const target = {
        postMessage(message: unknown) {
          if ((message as { type: string }).type !== 'snapshot') return;
          snapshots.push(message);
          if (snapshots.length === byeOn) say('bye');
        },
      };
      enableDebug({ target, listen, intervalMs: 100 });
      const channel = new Channel<number>(100);
      say('hello');
      for (let i = 0; i < 10; i++) {
        channel.pushNowait(i);
        vi.advanceTimersByTime(100);
      }
      expect(snapshots).toHaveLength(byeOn);
      expect(vi.getTimerCount()).toBe(0);
    },
  );

  test('disableDebug called from inside the target’s postMessage leaves no timer running', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    let count = 0;
    const target = {
      postMessage(message: unknown) {
        if ((message as { type: string }).type === 'snapshot' && ++count === 2) disableDebug();
      },
    };
    enableDebug({ target, listen: inspector.listen, intervalMs: 100 });
    const channel = new Channel<number>(100);
    inspector.say('hello');
    channel.pushNowait(1);
    vi.advanceTimersByTime(100);
    expect(count).toBe(2);
    channel.pushNowait(2);
    vi.advanceTimersByTime(1000);
    expect(count).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('an inspector that reconnects within the interval gets the current state once the interval has passed', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    new Channel<number>(1, { name: 'unchanged' });
    inspector.say('hello'); // t = 0: posted
    vi.advanceTimersByTime(30);
    inspector.say('bye');
    inspector.say('hello'); // t = 30: too soon to post
    expect(inspector.snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(99); // t = 129: nothing changed, but the new inspector needs the state
    expect(inspector.snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(1); // t = 130
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots()[1]?.channels.map((c) => c.name)).toEqual(['unchanged']);
  });

  test('changing and changing back within one interval posts nothing', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    const channel = new Channel<number>(1);
    inspector.say('hello');
    channel.pushNowait(1);
    channel.pullNowait();
    vi.advanceTimersByTime(500);
    expect(inspector.snapshots()).toHaveLength(1);
  });

  test('a channel created after hello appears in the next snapshot', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    inspector.say('hello');
    const channel = new Channel<number>(1, { name: 'late' });
    vi.advanceTimersByTime(100);
    expect(
      inspector
        .snapshots()
        .at(-1)
        ?.channels.map((c) => c.name),
    ).toEqual(['late']);
    void channel;
  });

  test('after bye no timer is left running', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    inspector.say('hello');
    inspector.say('bye');
    vi.advanceTimersByTime(0); // debug mode's own end-of-task timers
    expect(vi.getTimerCount()).toBe(0);
  });

  test('hello and bye from the page’s own source, or with a version other than 1, are ignored', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    for (const data of [
      { source: 'chanasync', version: 1, type: 'hello' },
      { source: INSPECTOR_SOURCE, version: '1', type: 'hello' },
      { source: INSPECTOR_SOURCE, type: 'hello' },
      { source: INSPECTOR_SOURCE, version: 1, type: 'HELLO' },
      { source: INSPECTOR_SOURCE, version: 1, type: 'snapshot' },
      [INSPECTOR_SOURCE, 1, 'hello'],
    ]) {
      inspector.listen.dispatchEvent(new MessageEvent('message', { data }));
    }
    inspector.listen.dispatchEvent(new Event('message')); // not even a MessageEvent
    vi.advanceTimersByTime(500);
    expect(inspector.snapshots()).toEqual([]);
  });

  test('a message whose fields throw when read is ignored without error', () => {
    let listener: { handleEvent(event: Event): void } | ((event: Event) => void) | undefined;
    const listen = {
      addEventListener: (_: string, l: typeof listener) => {
        listener = l;
      },
      removeEventListener() {},
    } as unknown as EventTarget;
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen });
    const hostile = {
      get source(): string {
        throw new Error('gotcha');
      },
    };
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const data of [hostile, revoked.proxy]) {
      const event = { type: 'message', data } as unknown as Event;
      expect(() => (typeof listener === 'function' ? listener(event) : listener?.handleEvent(event))).not.toThrow();
    }
    expect(inspector.snapshots()).toEqual([]);
  });

  test('the guards answer false, never throw, for objects whose fields throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('gotcha');
        },
      },
    );
    expect(isInspectorToPageMessage(hostile)).toBe(false);
    expect(isPageToInspectorMessage(hostile)).toBe(false);
    const snapshotWithTrap = {
      source: 'chanasync',
      version: 1,
      type: 'snapshot',
      time: 1,
      channels: [hostile],
    };
    expect(isPageToInspectorMessage(snapshotWithTrap)).toBe(false);
  });
});

describe('enableDebug and disableDebug', () => {
  test('enableDebug announces itself exactly once per call', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    expect(inspector.posted).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
  });

  test('calling enableDebug again leaves one listener, one timer and one announce per call', () => {
    vi.useFakeTimers();
    const listen = new CountingTarget();
    const posted: unknown[] = [];
    const target = { postMessage: (message: unknown) => posted.push(message) };
    enableDebug({ target, listen, intervalMs: 50 });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    enableDebug({ target, listen, intervalMs: 50 });
    expect(listen.listeners).toBe(1);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    vi.advanceTimersByTime(0);
    expect(vi.getTimerCount()).toBe(1);
    expect(posted.map((m) => (m as { type: string }).type)).toEqual(['announce', 'snapshot', 'announce', 'snapshot']);
  });

  test('calling enableDebug again moves listening to the new listen target', () => {
    vi.useFakeTimers();
    const first = fakeInspector();
    const second = fakeInspector();
    enableDebug({ target: first.target, listen: first.listen });
    enableDebug({ target: second.target, listen: second.listen });
    first.say('hello');
    expect(first.snapshots()).toEqual([]);
    expect(second.snapshots()).toEqual([]);
    second.say('hello');
    expect(second.snapshots()).toHaveLength(1);
  });

  test('calling enableDebug again starts over: the channels tracked before are forgotten', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const before = new Channel<number>(1, { name: 'before' });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const afterwards = new Channel<number>(1, { name: 'after' });
    expect(snapshot().channels.map((c) => c.name)).toEqual(['after']);
    void before;
    void afterwards;
  });

  test('disableDebug leaves no listener and no timer behind, even while an inspector is connected', () => {
    vi.useFakeTimers();
    const listen = new CountingTarget();
    enableDebug({ target: { postMessage() {} }, listen, intervalMs: 50, stacks: true });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    const channel = new Channel<number>(0);
    parked(channel.pull());
    disableDebug();
    vi.advanceTimersByTime(0); // end-of-task timers already scheduled run once and stop
    expect(listen.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    channel.close();
  });

  test.each([false, true])(
    'disableDebug right after operations parked (stacks: %s) leaves no timer scheduled',
    (stacks) => {
      vi.useFakeTimers();
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks });
      const channel = new Channel<number>(0);
      parked(channel.pull());
      parked(new Channel<number>(0).push(1));
      disableDebug();
      expect(vi.getTimerCount()).toBe(0);
      channel.close();
    },
  );

  test('a session after a fake-timer session stamps parks with the real time', () => {
    vi.useFakeTimers({ now: 0 });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const early = new Channel<number>(0);
    parked(early.pull()); // stamped with the fake clock (0)
    disableDebug();
    vi.useRealTimers(); // drops the fake timers that had not fired
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(0);
    const before = Date.now();
    parked(channel.pull());
    expect(snapshot().channels[0]?.pullers[0]?.since).toBeGreaterThanOrEqual(before);
    channel.close();
    early.close();
  });

  test.each([false, true])(
    'where setTimeout is refused (a Worker’s global scope), parking with debug mode on (stacks: %s) still works',
    async (stacks) => {
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks });
      await new Promise((resolve) => setTimeout(resolve, 0)); // no end-of-task timer pending
      const refuse = vi.spyOn(globalThis, 'setTimeout').mockImplementation(() => {
        throw new Error('Disallowed operation called within global scope');
      });
      const channel = new Channel<number>(0, { name: 'global scope' });
      let pulled: Promise<number> | undefined;
      try {
        expect(() => {
          pulled = channel.pull();
        }).not.toThrow();
      } finally {
        refuse.mockRestore();
      }
      await Promise.resolve();
      expect(snapshot().channels[0]?.pullers.map((waiter) => waiter.kind)).toEqual(['pull']);
      channel.pushNowait(3);
      await expect(pulled).resolves.toBe(3);
      expect(channel.stats().waitingPullers).toBe(0);
    },
  );

  test('disableDebug twice, or without enableDebug, does nothing and throws nothing', () => {
    expect(() => {
      disableDebug();
      disableDebug();
      clearLeaks();
    }).not.toThrow();
    expect(snapshot().channels).toEqual([]);
  });

  test('disableDebug forgets the tracked channels: a snapshot after it has none', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(1);
    disableDebug();
    expect(snapshot().channels).toEqual([]);
    void channel;
  });

  test('an operation that parked before disableDebug and leaves after it throws nothing and is not tracked by a later session', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(0, { name: 'old' });
    const pulled = channel.pull();
    await new Promise((resolve) => setTimeout(resolve, 0)); // recorded at the end of its task
    disableDebug();
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    channel.pushNowait(7);
    await expect(pulled).resolves.toBe(7);
    expect(snapshot().channels).toEqual([]);
  });

  test.each([
    ['an options array', [], undefined],
    ['a target that is null', { target: null }, /target has no postMessage/],
    ['a listen that is null', { listen: null }, /listen is not an EventTarget/],
    ['a target whose postMessage is not a function', { target: { postMessage: 'x' } }, /target has no postMessage/],
    ['an intervalMs that is a bigint', { intervalMs: 10n }, /intervalMs must be a number, got bigint/],
    [
      'an intervalMs that is a Number object',
      { intervalMs: new Number(10) },
      /intervalMs must be a number, got object/,
    ],
  ])('enableDebug with %s: accepted or refused with a TypeError naming enableDebug', (_, options, message) => {
    const call = () => enableDebug(options as never);
    if (message === undefined) {
      expect(call).not.toThrow();
    } else {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(message);
      expect(call).toThrow(/^enableDebug\(options\): /);
    }
  });

  test('a tiny positive intervalMs is accepted', () => {
    expect(() =>
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), intervalMs: 0.5 }),
    ).not.toThrow();
  });

  test('a target that throws on the announce makes enableDebug throw and changes nothing', () => {
    const running = fakeInspector();
    enableDebug({ target: running.target, listen: running.listen });
    const kept = new Channel<number>(1, { name: 'kept' });
    const listen = new CountingTarget();
    const failure = new Error('cannot post');
    const target = {
      postMessage() {
        throw failure;
      },
    };
    expect(() => enableDebug({ target, listen })).toThrow(failure);
    expect(listen.listeners).toBe(0);
    new Channel<number>(1, { name: 'still tracked' });
    expect(snapshot().channels.map((c) => c.name)).toEqual(['kept', 'still tracked']);
    running.say('hello');
    expect(running.snapshots()).toHaveLength(1);
    void kept;
  });
});

describe('idle is not stuck', () => {
  test('a pull on a fromPort channel waits for input', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1, { name: 'remote' });
    parked(remote.pull());
    const entry = snapshot().channels.find((c) => c.name === 'remote');
    expect(entry?.input).toBe(true);
    expect(entry?.pullers.map((w) => w.input)).toEqual([true]);
    remote.close();
    port1.close();
    port2.close();
  });

  test('waits on an input channel of each kind are input; a plain channel’s are not', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const controller = new AbortController();
    const events = new EventTarget();
    const channels = {
      fromEvent: fromEvent(events, 'ping', { signal: controller.signal }),
      after: afterMs(60_000),
      ticker: ticker(60_000, { signal: controller.signal }),
      declared: new Channel<number>(0, { input: true }),
      plain: new Channel<number>(0),
    };
    for (const channel of Object.values(channels)) {
      parked((channel as Channel<unknown>).pull());
    }
    const taken = snapshot().channels;
    // Channels are listed in creation order within a rank; the five were created in this order.
    const byCreation = [...taken].sort((a, b) => a.id - b.id);
    expect(byCreation.map((c) => c.pullers[0]?.input === true)).toEqual([true, true, true, true, false]);
    expect(byCreation.map((c) => c.input === true)).toEqual([true, true, true, true, false]);
    controller.abort();
    channels.after.close();
    channels.declared.close();
    channels.plain.close();
  });

  // A typo such as `input: 'true'` would otherwise quietly leave the channel's waits "stuck".
  test('new Channel refuses an input option that is not a boolean, with a TypeError naming it', () => {
    expect(() => new Channel<number>(0, { input: 'yes' as never })).toThrow(TypeError);
    expect(() => new Channel<number>(0, { input: 'yes' as never })).toThrow(/input must be a boolean/);
  });

  // A merge of input channels is fed by the outside world too (merge's output is an input
  // channel when any of its inputs is).
  test('a consumer waiting on a merge of fromEvent channels waits for input', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const controller = new AbortController();
    const merged = merge(
      fromEvent(new EventTarget(), 'a', { signal: controller.signal }),
      fromEvent(new EventTarget(), 'b', { signal: controller.signal }),
    );
    parked(merged.pull());
    const entry = snapshot().channels.find((c) => c.name === 'merge');
    expect(entry?.pullers[0]?.input).toBe(true);
    controller.abort();
    merged.close();
  });

  // The same for broadcast: the subscribers of a broadcast of an input channel are input channels.
  test('a consumer waiting on a subscriber of a broadcast of a ticker waits for input', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const controller = new AbortController();
    const hub = broadcast(ticker(60_000, { signal: controller.signal }));
    const subscriber = hub.subscribe();
    parked(subscriber.pull());
    const entry = snapshot().channels.find((c) => c.name === 'subscriber');
    expect(entry?.pullers[0]?.input).toBe(true);
    controller.abort();
    hub.close();
  });

  test('input: false does not mark a channel input', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const off = new Channel<number>(0, { name: 'off', input: false });
    parked(off.pull());
    const entry = snapshot().channels[0];
    expect(entry?.input).toBeUndefined();
    expect(entry?.pullers[0]?.input).toBeUndefined();
    off.close();
  });

  test('a select with a case on an after() timer waits for input in every case', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const reply = new Channel<string>(0, { name: 'reply' });
    const timeout = afterMs(60_000);
    parked(select([pull(reply), pull(timeout)]));
    const entry = snapshot().channels.find((c) => c.name === 'reply');
    expect(entry?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    reply.close();
    timeout.close();
  });

  test('a stuck channel comes before a waiting-for-input one even when the input wait is older', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const input = new Channel<number>(0, { name: 'input', input: true });
    parked(input.pull());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const idle = new Channel<number>(0, { name: 'idle' });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    parked(stuck.push(1));
    expect(snapshot().channels.map((c) => c.name)).toEqual(['stuck', 'input', 'idle']);
    input.close();
    stuck.close();
    void idle;
  });

  test('among stuck channels, the one blocked longest comes first', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const younger = new Channel<number>(0, { name: 'younger' });
    const older = new Channel<number>(0, { name: 'older' });
    parked(older.push(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    parked(younger.push(1));
    expect(snapshot().channels.map((c) => c.name)).toEqual(['older', 'younger']);
    older.close();
    younger.close();
  });
});

describe('interop in snapshots', () => {
  test('a broadcast with no subscriber parks nothing on its source', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const source = new Channel<number>(1, { name: 'source' });
    const hub = broadcast(source);
    expect(snapshot().channels.find((c) => c.name === 'source')?.pullers).toEqual([]);
    hub.close();
  });
});

describe('what is tracked', () => {
  test('channels made by merge, broadcast subscriptions and fromPort are tracked like any other', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const source = new Channel<number>(1, { name: 'source' });
    const hub = broadcast(source);
    hub.subscribe({ capacity: 2 });
    const merged = merge(new Channel<number>(0, { name: 'in' }));
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1, { name: 'remote' });
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['source', 'subscriber', 'in', 'remote']));
    expect(snapshot().channels).toHaveLength(5); // + the merged channel
    hub.close();
    merged.close();
    remote.close();
    port1.close();
    port2.close();
  });

  test('a bundle of chanasync/port without chanasync/debug contains none of debug mode’s code', async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      stdin: {
        contents: "import * as p from './dist/port.js'; import * as c from './dist/index.js'; console.log(p, c);",
        resolveDir: new URL('..', import.meta.url).pathname,
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'esm',
    });
    const code = result.outputFiles[0]?.text ?? '';
    for (const name of ['enableDebug', 'chanasync-inspector', 'FinalizationRegistry', 'userFrames', 'relayDebug']) {
      expect(code).not.toContain(name);
    }
  });
});

describe('workers and frames (relayDebug)', () => {
  test('a relayed snapshot keeps the worker’s origin and is tagged kind worker', () => {
    const page: unknown[] = [];
    const worker = new EventTarget() as EventTarget & { postMessage(message: unknown): void };
    worker.postMessage = () => {};
    relayDebug(worker, { target: { postMessage: (m: unknown) => page.push(m) }, listen: new EventTarget() });
    worker.dispatchEvent(
      new MessageEvent('message', {
        data: {
          source: 'chanasync',
          version: 1,
          type: 'snapshot',
          time: 1,
          seq: 1,
          channels: [],
          context: { kind: 'worker', url: 'https://a.example/w.js', origin: 'https://a.example' },
        },
      }),
    );
    expect(page.at(-1)).toMatchObject({
      type: 'snapshot',
      context: { kind: 'worker', url: 'https://a.example/w.js', origin: 'https://a.example' },
    });
  });

  test('a relay whose worker sends a snapshot with no context still tags it as a worker', () => {
    const page: unknown[] = [];
    const worker = new EventTarget() as EventTarget & { postMessage(message: unknown): void };
    worker.postMessage = () => {};
    relayDebug(worker, {
      target: { postMessage: (m: unknown) => page.push(m) },
      listen: new EventTarget(),
      url: 'worker.js#2',
    });
    worker.dispatchEvent(
      new MessageEvent('message', {
        data: { source: 'chanasync', version: 1, type: 'snapshot', time: 1, channels: [] },
      }),
    );
    expect(page.at(-1)).toMatchObject({ context: { kind: 'worker', url: 'worker.js#2' } });
    expect(isPageToInspectorMessage(page.at(-1))).toBe(true);
  });

  test('a relay whose target throws on the announce throws that error and leaves no listener behind', () => {
    const worker = Object.assign(new CountingTarget(), { postMessage() {} });
    const listen = new CountingTarget();
    const failure = new Error('cannot post');
    const target = {
      postMessage() {
        throw failure;
      },
    };
    expect(() => relayDebug(worker, { target, listen })).toThrow(failure);
    expect(worker.listeners).toBe(0);
    expect(listen.listeners).toBe(0);
  });

  test('a relay ignores worker messages whose fields throw when read', () => {
    const page: unknown[] = [];
    const worker = new EventTarget() as EventTarget & { postMessage(message: unknown): void };
    worker.postMessage = () => {};
    // Dispatching through an EventTarget would report a listener's error asynchronously: call
    // the relay's listener directly, as the platform would, and see that it does not throw.
    const added = vi.spyOn(worker, 'addEventListener');
    relayDebug(worker, { target: { postMessage: (m: unknown) => page.push(m) }, listen: new EventTarget() });
    const listener = added.mock.calls[0]?.[1] as { handleEvent(event: Event): void };
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(() => listener.handleEvent({ type: 'message', data: revoked.proxy } as unknown as Event)).not.toThrow();
    expect(page.map((m) => (m as { type: string }).type)).toEqual(['announce']);
  });

  test('a worker enabling debug mode, relayed over a MessageChannel, shows its channels on the page only after hello', async () => {
    const { port1: pageSide, port2: workerSide } = new MessageChannel();
    const page: SnapshotMessage[] = [];
    const listen = new EventTarget();
    const stop = relayDebug(pageSide, {
      target: {
        postMessage: (m: unknown) => {
          if ((m as SnapshotMessage).type === 'snapshot') page.push(m as SnapshotMessage);
        },
      },
      listen,
      url: 'worker.js',
    });
    workerSide.start();
    enableDebug({ target: workerSide, listen: workerSide as unknown as EventTarget, intervalMs: 10 });
    const channel = new Channel<number>(0, { name: 'in the worker' });
    parked(channel.pull());
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(page).toEqual([]);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    await vi.waitFor(() => expect(page.length).toBeGreaterThan(0));
    expect(page[0]?.context).toEqual({ kind: 'worker', url: 'worker.js' });
    expect(page[0]?.channels.map((c) => c.name)).toEqual(['in the worker']);
    stop();
    channel.close();
    disableDebug();
    pageSide.close();
    workerSide.close();
  });
});

describe('input channels through merge and broadcast', () => {
  test('a merge of an ordinary channel and an input channel is an input channel; a merge of ordinary channels is not', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const controller = new AbortController();
    const plain = new Channel<number>(0, { name: 'plain' });
    const mixed = merge(plain, fromEvent(new EventTarget(), 'x', { signal: controller.signal }));
    const ordinary = merge(new Channel<number>(), new Channel<number>());
    const merges = snapshot().channels.filter((c) => c.name === 'merge');
    expect(merges.map((c) => c.input === true)).toEqual([true, false]);
    controller.abort();
    mixed.close();
    ordinary.close();
  });

  test('the subscribers of a broadcast of an ordinary channel are not input channels', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const hub = broadcast(new Channel<number>());
    hub.subscribe();
    expect(snapshot().channels.find((c) => c.name === 'subscriber')?.input).toBeUndefined();
    hub.close();
  });
});
