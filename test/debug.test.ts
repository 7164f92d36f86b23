/**
 * SPEC.md "Debug mode" with a fake target: snapshots, the handshake, throttling and change
 * detection, WeakRef tracking, structured-clone safety, and zero cost when off.
 * (The handshake through real `message` events of a window is in debug.dom.test.ts.)
 */

import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as esbuild from 'esbuild';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { after, Channel, from, fromEvent, pull, push, select, ticker } from '../src/index.js';
import { INSPECTOR_SOURCE, isPageToInspectorMessage, LIMITS } from '../src/protocol.js';
import { fakeInspector } from './helpers/fake-inspector.js';
import { flush } from './helpers/track.js';

/** Leaves an operation parked; its rejection when the test closes the channel is expected. */
function parked(operation: Promise<unknown>): void {
  operation.catch(() => {});
}

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

describe('snapshot()', () => {
  beforeEach(() => enableDebug({ target: { postMessage() {} }, listen: new EventTarget() }));

  test('a snapshot lists the channels created since enableDebug, with counts and parked operations', async () => {
    const jobs = new Channel<number>(4, { name: 'jobs' });
    jobs.pushNowait(1);
    jobs.pushNowait(2);
    const idle = new Channel<string>(Infinity, { overflow: 'drop-oldest' });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    parked(stuck.pull());
    parked(stuck.pull());
    const before = Date.now();
    const result = snapshot();
    expect(result).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(result.time).toBeGreaterThanOrEqual(before);
    const byName = Object.fromEntries(result.channels.map((c) => [c.name, c]));
    expect(byName.jobs).toMatchObject({
      capacity: 4,
      size: 2,
      closed: false,
      overflow: 'block',
      pushers: [],
      pullers: [],
    });
    expect(byName['']).toMatchObject({ capacity: null, overflow: 'drop-oldest' });
    expect(byName.stuck?.pullers).toEqual([
      { kind: 'pull', since: expect.any(Number) },
      { kind: 'pull', since: expect.any(Number) },
    ]);
    // The stuck channel comes first; ids are unique.
    expect(result.channels[0]?.name).toBe('stuck');
    expect(new Set(result.channels.map((c) => c.id)).size).toBe(3);
    void idle;
    stuck.close();
  });

  test('snapshots never contain buffered values, only counts', () => {
    const secrets = new Channel<{ password: string }>(2, { name: 'secrets' });
    secrets.pushNowait({ password: 'hunter2' });
    expect(JSON.stringify(snapshot())).not.toContain('hunter2');
  });

  test('each parked operation knows its kind and since when it waits', async () => {
    const channel = new Channel<number>(0, { name: 'k' });
    vi.useFakeTimers({ now: 10_000, toFake: ['Date'] });
    // `since` is the time of the task in which the operation parked: start a new task.
    await new Promise((resolve) => setTimeout(resolve, 0));
    parked(channel.push(1));
    parked(channel.push(2));
    expect(snapshot().channels.find((c) => c.name === 'k')?.pushers).toEqual([
      { kind: 'push', since: 10_000 },
      { kind: 'push', since: 10_000 },
    ]);
    vi.setSystemTime(20_000);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const lone = new Channel<number>(0, { name: 'lone' });
    parked(select([pull(lone)]));
    expect(snapshot().channels.find((c) => c.name === 'lone')?.pullers).toEqual([{ kind: 'select', since: 20_000 }]);
    parked(select([pull(new Channel<number>()), pull(lone)]));
    expect(
      snapshot()
        .channels.find((c) => c.name === 'lone')
        ?.pullers.map((w) => w.kind),
    ).toEqual(['select', 'select']);
    channel.close();
    lone.close();
  });

  test('a closed channel that is still alive is shown as closed', () => {
    const channel = new Channel<number>(1, { name: 'done' });
    channel.pushNowait(1);
    channel.close();
    expect(snapshot().channels.find((c) => c.name === 'done')).toMatchObject({ closed: true, size: 1 });
  });

  test('channels created before enableDebug are not tracked', () => {
    disableDebug();
    const early = new Channel<number>(1, { name: 'early' });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const late = new Channel<number>(1, { name: 'late' });
    expect(snapshot().channels.map((c) => c.name)).toEqual(['late']);
    void early;
    void late;
  });

  test('with debug mode off, snapshot() has no channels', () => {
    disableDebug();
    new Channel<number>(1, { name: 'untracked' });
    expect(snapshot()).toMatchObject({ type: 'snapshot', channels: [] });
  });

  test('a snapshot is structured-clone safe: names are strings, it crosses a real MessageChannel', async () => {
    new Channel<number>(Infinity, { name: 'unbounded' });
    const channel = new Channel<number>(0, { name: 'x' });
    parked(channel.pull());
    parked(select([pull(channel), pull(new Channel<number>(0, { input: true }))]));
    const original = snapshot();
    expect(original.channels.find((c) => c.capacity === null)?.name).toBe('unbounded');
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<unknown>((resolve) => {
      port2.onmessage = (event) => resolve(event.data);
    });
    port1.postMessage(original);
    expect(await received).toEqual(original);
    expect(structuredClone(original)).toEqual(original);
    port1.close();
    port2.close();
  });

  test('a snapshot of a large program is bounded, and says what it left out', () => {
    const channels = Array.from({ length: LIMITS.channels + 50 }, (_, i) => new Channel<number>(1, { name: `c${i}` }));
    const crowded = new Channel<number>(0, { name: 'crowded' });
    for (let i = 0; i < LIMITS.waiters + 7; i++) parked(crowded.pull());
    const result = snapshot();
    expect(result.channels).toHaveLength(LIMITS.channels);
    expect(result.channels[0]?.name).toBe('crowded');
    expect(result.channels[0]?.pullers).toHaveLength(LIMITS.waiters);
    expect(result.truncated).toEqual({ channels: 51, waiters: 7 });
    expect(isPageToInspectorMessage(result)).toBe(true);
    void channels;
    crowded.close();
  });

  test('the truncation counts the waiters of the channels it left out', () => {
    // Every channel has one parked pull; the last 5 are left out with theirs.
    const channels = Array.from({ length: LIMITS.channels + 5 }, (_, i) => new Channel<number>(0, { name: `c${i}` }));
    for (const channel of channels) parked(channel.pull());
    const result = snapshot();
    expect(result.truncated).toEqual({ channels: 5, waiters: 5 });
    for (const channel of channels) channel.close();
  });

  test('names are cut to LIMITS.name characters', () => {
    new Channel<number>(1, { name: 'n'.repeat(500) });
    expect(snapshot().channels[0]?.name).toHaveLength(LIMITS.name);
  });
});

describe('what the core does not report (a channel noted in this task, or with nothing recorded)', () => {
  beforeEach(() => enableDebug({ target: { postMessage() {} }, listen: new EventTarget() }));

  test('operations that park on a channel noted earlier in the same task, and stay parked, are all in the snapshot', () => {
    const channel = new Channel<number>(0, { name: 'noted' });
    parked(channel.pull()); // notes the channel for this task
    parked(channel.pull()); // not reported by the core: found at the flush
    parked(channel.pull());
    channel.pushNowait(1); // the first commits in the same task
    const row = snapshot().channels.find((c) => c.name === 'noted');
    expect(row?.pullers).toHaveLength(2);
    channel.close();
  });

  test('an operation recorded in an earlier task that commits later leaves the snapshot at once', async () => {
    const channel = new Channel<number>(0, { name: 'recorded' });
    const taken = channel.pull();
    await new Promise((resolve) => setTimeout(resolve, 5)); // the end-of-task flush records it
    expect(snapshot().channels.find((c) => c.name === 'recorded')?.pullers).toHaveLength(1);
    channel.pushNowait(7);
    expect(snapshot().channels.find((c) => c.name === 'recorded')?.pullers).toEqual([]);
    expect(await taken).toBe(7);
  });

  test('a park in a later task on a channel flushed before is noted again and found at its own flush', async () => {
    const channel = new Channel<number>(0, { name: 'again' });
    parked(channel.pull());
    channel.pushNowait(1); // parked and committed in one task: nothing recorded
    await new Promise((resolve) => setTimeout(resolve, 5));
    parked(channel.pull());
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(snapshot().channels.find((c) => c.name === 'again')?.pullers).toHaveLength(1);
    channel.close();
    expect(snapshot().channels.find((c) => c.name === 'again')?.pullers).toEqual([]);
  });
});

describe('stacks', () => {
  test('with stacks: true, a channel has the user frame where it was created and a waiter where it parked', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const channel = new Channel<number>(0, { name: 'traced' });
    parked(channel.pull());
    const traced = snapshot().channels[0];
    expect(traced?.createdAt).toContain('debug.test.ts');
    expect(traced?.pullers[0]?.stack).toContain('debug.test.ts');
    // Trimmed to the user's frames: no chanasync source file appears.
    expect(traced?.createdAt).not.toMatch(/src\/(channel|select|debug)/);
    expect(traced?.pullers[0]?.stack).not.toMatch(/src\/(channel|select|debug)|new Promise/);
    channel.close();
  });

  // Was: a select queued its cases one by one and called debug mode's hook after each, and the
  // first call takes the park's stack, which runs the application's `Error.prepareStackTrace`
  // (source-map support, a logger). One that closed a later case's channel left that case
  // queued on a closed channel, and the select waiting for ever; one that settled the select
  // (closing the first case's channel) left the later cases queued for nobody — a push case
  // among them could still hand its value to a puller. Every case is queued before the hook runs.
  describe('an Error.prepareStackTrace that settles a select while it parks', () => {
    /** Runs `action` once, inside the next stack capture. */
    function duringNextCapture(action: () => void): () => void {
      const previous = Error.prepareStackTrace;
      Error.prepareStackTrace = (error, frames) => {
        Error.prepareStackTrace = previous;
        action();
        return `${error}\n${frames.map((frame) => `    at ${frame}`).join('\n')}`;
      };
      return () => {
        Error.prepareStackTrace = previous;
      };
    }

    test.each([
      ['a later pull case', 1],
      ['the first pull case', 0],
    ])(
      'closing the channel of %s: the select wins that case with ok: false, and no case stays queued',
      async (_, closed) => {
        enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
        const channels = [new Channel<number>(0, { name: 'a' }), new Channel<number>(0, { name: 'b' })];
        const restore = duringNextCapture(() => channels[closed]?.close());
        try {
          const result = await select(channels.map((channel) => pull(channel)));
          expect(result).toMatchObject({ index: closed, ok: false });
        } finally {
          restore();
        }
        for (const channel of channels) expect(channel.stats().waitingPullers).toBe(0);
      },
    );

    test('closing the channel of a later push case: the select rejects with ChannelClosedError, and its push offers nothing afterwards', async () => {
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
      const first = new Channel<number>(0, { name: 'first' });
      const second = new Channel<number>(0, { name: 'second' });
      const third = new Channel<number>(0, { name: 'third' });
      const restore = duringNextCapture(() => second.close());
      let outcome: Promise<unknown>;
      try {
        outcome = select([pull(first), push(second, 1), push(third, 2)]).then(
          () => 'resolved',
          (error: Error) => error.name,
        );
      } finally {
        restore();
      }
      expect(await outcome).toBe('ChannelClosedError');
      // No case left queued: a pull on the third channel finds no push waiting.
      expect(third.stats().waitingPushers).toBe(0);
      expect(third.tryPull()).toBeUndefined();
      expect(first.stats().waitingPullers).toBe(0);
    });
  });

  test('without stacks, nothing records a stack', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(0);
    parked(channel.pull());
    const entry = snapshot().channels[0];
    expect(entry && 'createdAt' in entry).toBe(false);
    expect(entry?.pullers[0] && 'stack' in entry.pullers[0]).toBe(false);
    channel.close();
  });
});

describe('posting', () => {
  test('enableDebug posts announce, and nothing else until an inspector says hello', async () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    new Channel<number>(1);
    vi.advanceTimersByTime(1000);
    expect(inspector.posted).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
  });

  test('after hello: a snapshot at once, then at most one per intervalMs and only when something changed; bye stops it', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    const channel = new Channel<number>(10, { name: 'c' });
    inspector.say('hello');
    expect(inspector.snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(500); // nothing changed: nothing posted
    expect(inspector.snapshots()).toHaveLength(1);
    for (let i = 0; i < 5; i++) channel.pushNowait(i); // five changes within one interval…
    vi.advanceTimersByTime(100); // …make one snapshot
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots()[1]?.channels[0]?.size).toBe(5);
    inspector.say('bye');
    channel.pushNowait(9);
    vi.advanceTimersByTime(1000);
    expect(inspector.snapshots()).toHaveLength(2);
    inspector.say('hello'); // a new inspector gets the current state at once
    expect(inspector.snapshots()).toHaveLength(3);
  });

  test('a second hello within the interval does not post twice', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    new Channel<number>(1);
    inspector.say('hello');
    inspector.say('hello');
    expect(inspector.snapshots()).toHaveLength(1);
  });

  test('messages of any other shape or source are ignored without error', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    for (const data of [
      null,
      'hello',
      42,
      { type: 'hello' },
      { source: INSPECTOR_SOURCE, version: 9, type: 'hello' },
    ]) {
      expect(() => inspector.listen.dispatchEvent(new MessageEvent('message', { data }))).not.toThrow();
    }
    vi.advanceTimersByTime(500);
    expect(inspector.snapshots()).toHaveLength(0);
  });

  test('a window target gets postMessage(message, "*"), any other target postMessage(message)', () => {
    const calls: unknown[][] = [];
    const window = { postMessage: (...args: unknown[]) => calls.push(args) } as {
      postMessage(...a: unknown[]): void;
      window?: unknown;
    };
    window.window = window;
    enableDebug({ target: window, listen: new EventTarget() });
    const worker = { postMessage: (...args: unknown[]) => calls.push(args) };
    enableDebug({ target: worker, listen: new EventTarget() });
    expect(calls).toEqual([
      [{ source: 'chanasync', version: 1, type: 'announce' }, '*'],
      [{ source: 'chanasync', version: 1, type: 'announce' }],
    ]);
  });

  test('disableDebug stops tracking, posting and listening', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    inspector.say('hello');
    disableDebug();
    new Channel<number>(1);
    inspector.say('hello');
    vi.advanceTimersByTime(1000);
    expect(inspector.snapshots()).toHaveLength(1);
    expect(snapshot().channels).toEqual([]);
  });
});

describe('enableDebug options', () => {
  test.each([
    [
      'options that are not an object',
      'yes',
      TypeError,
      /^enableDebug\(options\): options must be an object, got string$/,
    ],
    ['options that are null', null, TypeError, /options must be an object, got null/],
    ['a target without postMessage', { target: {} }, TypeError, /^enableDebug\(options\): target has no postMessage/],
    ['a target that is a string', { target: 'window' }, TypeError, /target has no postMessage/],
    [
      'a listen that is not an EventTarget',
      { listen: { addEventListener() {} } },
      TypeError,
      /listen is not an EventTarget/,
    ],
    ['an intervalMs that is a string', { intervalMs: '100' }, TypeError, /intervalMs must be a number, got string/],
    ['an intervalMs of 0', { intervalMs: 0 }, RangeError, /intervalMs must be a positive finite number, got 0/],
    ['a negative intervalMs', { intervalMs: -5 }, RangeError, /got -5/],
    ['an infinite intervalMs', { intervalMs: Infinity }, RangeError, /got Infinity/],
    ['a NaN intervalMs', { intervalMs: Number.NaN }, RangeError, /got NaN/],
    ['stacks that is not a boolean', { stacks: 'yes' }, TypeError, /stacks must be a boolean, got string/],
    ['warnLeaks that is not a boolean', { warnLeaks: 0 }, TypeError, /warnLeaks must be a boolean, got number/],
  ])('%s is refused with a clear error naming enableDebug', (_, options, type, message) => {
    const call = () => enableDebug(options as never);
    expect(call).toThrow(type);
    expect(call).toThrow(message);
    expect(call).toThrow(/^enableDebug\(options\): /);
  });

  test('a failed enableDebug installs nothing: no listener, no tracker, no announce', () => {
    const listen = new EventTarget();
    const added = vi.spyOn(listen, 'addEventListener');
    const posted: unknown[] = [];
    expect(() =>
      enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: -1 }),
    ).toThrow(RangeError);
    expect(added).not.toHaveBeenCalled();
    expect(posted).toEqual([]);
    new Channel<number>(1, { name: 'after the failed call' });
    expect(snapshot().channels).toEqual([]);
  });

  test('a failed enableDebug leaves a running debug mode as it was', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    const kept = new Channel<number>(1, { name: 'kept' });
    expect(() => enableDebug({ stacks: 1 as never })).toThrow(TypeError);
    new Channel<number>(1, { name: 'still tracked' });
    expect(snapshot().channels.map((c) => c.name)).toEqual(['kept', 'still tracked']);
    inspector.say('hello');
    expect(inspector.snapshots()).toHaveLength(1);
    void kept;
  });
});

describe('idle vs stuck', () => {
  beforeEach(() => enableDebug({ target: { postMessage() {} }, listen: new EventTarget() }));

  test('a channel created with input: true is marked input, and so are the waits on it', () => {
    const events = new Channel<number>(1, { name: 'events', input: true });
    const plain = new Channel<number>(0, { name: 'plain' });
    parked(events.pull());
    parked(plain.pull());
    const byName = Object.fromEntries(snapshot().channels.map((c) => [c.name, c]));
    expect(byName.events).toMatchObject({ input: true, pullers: [{ kind: 'pull', input: true }] });
    expect(byName.plain && 'input' in byName.plain).toBe(false);
    expect(byName.plain?.pullers[0] && 'input' in byName.plain.pullers[0]).toBe(false);
    events.close();
    plain.close();
  });

  test('after(), ticker(), fromEvent() and from() channels are input channels', () => {
    const timer = after(60_000);
    const ticks = ticker(60_000);
    const clicks = fromEvent(new EventTarget(), 'click');
    const source = from([1, 2, 3]);
    const ids = new Set(
      snapshot()
        .channels.filter((c) => c.input === true)
        .map((c) => c.name),
    );
    expect(ids.size).toBe(4);
    ticks.close();
    timer.close();
    clicks.close();
    source.close();
  });

  test('every case of a select with a case on an input channel waits for input', () => {
    const events = new Channel<number>(1, { name: 'events', input: true });
    const replies = new Channel<number>(0, { name: 'replies' });
    parked(select([pull(replies), pull(events)]));
    const byName = Object.fromEntries(snapshot().channels.map((c) => [c.name, c]));
    expect(byName.replies?.pullers).toEqual([expect.objectContaining({ kind: 'select', input: true })]);
    expect(byName.events?.pullers).toEqual([expect.objectContaining({ kind: 'select', input: true })]);
    replies.close();
  });

  test('a select without an input case is not marked input', () => {
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    parked(select([pull(a), push(b, 1)]));
    for (const channel of snapshot().channels) {
      for (const waiter of [...channel.pushers, ...channel.pullers]) expect('input' in waiter).toBe(false);
    }
    a.close();
  });

  test('the cases of one multi-case select share a select id, distinct from another select’s', () => {
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const c = new Channel<number>(0, { name: 'c' });
    parked(select([pull(a), push(b, 1)]));
    parked(select([pull(a), pull(c)]));
    const byName = Object.fromEntries(snapshot().channels.map((entry) => [entry.name, entry]));
    const [first, second] = byName.a?.pullers ?? [];
    expect(first?.select).toEqual(expect.any(Number));
    expect(second?.select).toEqual(expect.any(Number));
    expect(first?.select).not.toBe(second?.select);
    expect(byName.b?.pushers[0]?.select).toBe(first?.select);
    expect(byName.c?.pullers[0]?.select).toBe(second?.select);
    a.close();
    b.close();
    c.close();
  });

  test('plain operations and one-case selects carry no select id', () => {
    const a = new Channel<number>(0, { name: 'a' });
    parked(a.pull());
    parked(select([pull(a)]));
    expect(snapshot().channels[0]?.pullers.map((w) => 'select' in w)).toEqual([false, false]);
    a.close();
  });

  test('a waiter leaves the snapshot when it commits, is aborted or fails by close', async () => {
    const a = new Channel<number>(0, { name: 'a' });
    const controller = new AbortController();
    parked(a.pull());
    parked(a.pull({ signal: controller.signal }));
    parked(a.pull());
    expect(snapshot().channels[0]?.pullers).toHaveLength(3);
    a.pushNowait(1);
    controller.abort();
    expect(snapshot().channels[0]?.pullers).toHaveLength(1);
    a.close();
    expect(snapshot().channels[0]?.pullers).toHaveLength(0);
  });

  test('channels whose waits nothing explains come first, then channels waiting for input, then idle ones', () => {
    const idle = new Channel<number>(1, { name: 'idle' });
    const waiting = new Channel<number>(0, { name: 'waiting', input: true });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    parked(waiting.pull());
    parked(stuck.pull());
    expect(snapshot().channels.map((c) => c.name)).toEqual(['stuck', 'waiting', 'idle']);
    void idle;
    waiting.close();
    stuck.close();
  });
});

describe('sequence and context', () => {
  test('every posted snapshot has a larger seq than the one before, even across enableDebug calls', () => {
    const seqs: number[] = [];
    for (let session = 0; session < 3; session++) {
      const inspector = fakeInspector();
      enableDebug({ target: inspector.target, listen: inspector.listen });
      inspector.say('hello'); // a snapshot at once
      seqs.push(...inspector.snapshots().map((posted) => posted.seq ?? 0));
    }
    expect(seqs).toHaveLength(3);
    expect(seqs[0]).toBeGreaterThan(0);
    expect([(seqs[1] ?? 0) > (seqs[0] ?? 0), (seqs[2] ?? 0) > (seqs[1] ?? 0)]).toEqual([true, true]);
  });

  test('snapshot() itself has the SPEC shape: no seq, with debug mode on or off', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect('seq' in snapshot()).toBe(false);
    disableDebug();
    expect('seq' in snapshot()).toBe(false);
  });

  test('outside a window or a worker (Node) a snapshot carries no context', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect('context' in snapshot()).toBe(false);
  });
});

describe('tracking through WeakRefs', () => {
  test('a channel the program drops disappears from snapshots after garbage collection', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const kept = new Channel<number>(1, { name: 'kept' });
    (() => {
      const dropped = new Channel<number>(1, { name: 'dropped' });
      dropped.pushNowait(1);
    })();
    expect(
      snapshot()
        .channels.map((c) => c.name)
        .sort(),
    ).toEqual(['dropped', 'kept']);
    for (let i = 0; i < 5 && snapshot().channels.length > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    expect(snapshot().channels.map((c) => c.name)).toEqual(['kept']);
    void kept;
  });
});

describe('free when off', () => {
  test('with debug never enabled, core code records no timestamps and no stacks', async () => {
    const now = vi.spyOn(Date, 'now');
    const ErrorSpy = vi.spyOn(globalThis, 'Error');
    const channel = new Channel<number>(0);
    const pulled = channel.pull();
    await channel.push(1);
    await pulled;
    await select([pull(new Channel<number>(1))], { signal: AbortSignal.abort() }).catch(() => {});
    await flush();
    expect(now).not.toHaveBeenCalled();
    expect(ErrorSpy).not.toHaveBeenCalled();
    now.mockRestore();
    ErrorSpy.mockRestore();
  });

  test('a bundle without chanasync/debug contains none of its code', async () => {
    const root = join(import.meta.dirname, '..');
    const result = await esbuild.build({
      stdin: {
        contents: "import * as c from './dist/index.js'; console.log(c);",
        resolveDir: root,
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'esm',
    });
    const code = result.outputFiles[0]?.text ?? '';
    for (const name of [
      'enableDebug',
      'chanasync-inspector',
      'Registry',
      'userFrames',
      'FinalizationRegistry',
      'announce',
      'relayDebug',
      'leaked',
    ]) {
      expect(code).not.toContain(name);
    }
  });
});
