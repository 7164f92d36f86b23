/**
 * Audit V: debug mode's snapshots as a user debugging a stuck program reads them (SPEC.md "Debug
 * mode (`chanasync/debug`)" and the second map's "stuck, idle and leaked"): the shape and what
 * each channel row says, the wait marked as input or not, ranking, limits, posting and its
 * hello/bye/throttle, enable/disable and their cleanup, and that debug mode changes no channel
 * semantics.
 */

import { getEventListeners } from 'node:events';
import type { PullChannel } from 'chanasync';
import { after as afterMs, broadcast, Channel, from, fromEvent, merge, pull, push, select, ticker } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, test, vi } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = () => ({ target: { postMessage() {} }, listen: new EventTarget() });
const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
const bye = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;
const say = (listen: EventTarget, data: unknown) => listen.dispatchEvent(new MessageEvent('message', { data }));
type Snap = ReturnType<typeof snapshot>;
const byName = (snap: Snap) => Object.fromEntries(snap.channels.map((c) => [c.name, c]));

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('what a channel row says', () => {
  test('occupancy, capacity, overflow, closed, names and parked operations of a mixed set', async () => {
    enableDebug(quiet());
    const before = Date.now();
    const full = new Channel<() => void>(2, { name: 'full' });
    await full.push(() => {}); // values that are not cloneable
    await full.push(() => {});
    const blocked = full.push(() => {}).catch(() => {});
    const unbounded = new Channel<symbol>(Infinity, { name: 'unbounded' });
    for (let i = 0; i < 5; i++) unbounded.pushNowait(Symbol(String(i)));
    const sliding = new Channel<number>(3, { name: 'sliding', overflow: 'drop-oldest' });
    for (let i = 0; i < 10; i++) await sliding.push(i);
    const dropping = new Channel<number>(1, { name: 'dropping', overflow: 'drop-newest' });
    await dropping.push(1);
    await dropping.push(2);
    const closedWithValues = new Channel<WeakMap<object, object>>(4, { name: 'closedWithValues' });
    closedWithValues.pushNowait(new WeakMap());
    closedWithValues.close(Object.assign(new Error('done'), { extra: () => {} }));
    const unnamed = new Channel<number>();
    const waitingPull = unnamed.pull().catch(() => {});
    const after_ = Date.now();

    const snap = snapshot();
    expect(snap).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(snap.time).toBeGreaterThanOrEqual(after_);
    const rows = byName(snap);
    expect(rows.full).toMatchObject({ capacity: 2, size: 2, closed: false, overflow: 'block' });
    expect(rows.full?.pushers).toHaveLength(1);
    expect(rows.full?.pushers[0]?.kind).toBe('push');
    expect(rows.full?.pushers[0]?.since).toBeGreaterThanOrEqual(before);
    expect(rows.full?.pushers[0]?.since).toBeLessThanOrEqual(snap.time);
    expect(rows.full?.pullers).toEqual([]);
    expect(rows.unbounded).toMatchObject({ capacity: null, size: 5, closed: false });
    expect(rows.sliding).toMatchObject({ capacity: 3, size: 3, overflow: 'drop-oldest', pushers: [] });
    expect(rows.dropping).toMatchObject({ capacity: 1, size: 1, overflow: 'drop-newest', pushers: [] });
    expect(rows.closedWithValues).toMatchObject({ capacity: 4, size: 1, closed: true });
    expect(rows['']).toMatchObject({ capacity: 0, size: 0, closed: false });
    expect(rows['']?.pullers.map((w) => w.kind)).toEqual(['pull']);
    // Nothing but counts: the snapshot clones and survives JSON although the buffers hold
    // functions, symbols, WeakMaps and the close reason holds a function.
    expect(structuredClone(snap)).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    for (const row of snap.channels) {
      expect(Object.keys(row).sort()).toEqual(
        expect.arrayContaining(['id', 'name', 'capacity', 'size', 'closed', 'overflow', 'pushers', 'pullers']),
      );
      expect(row).not.toHaveProperty('createdAt'); // stacks: false
      for (const w of [...row.pushers, ...row.pullers]) expect(w).not.toHaveProperty('stack');
    }
    full.close();
    unnamed.close();
    await Promise.all([blocked, waitingPull]);
  });

  test('a closed channel drops its waiters from the next snapshot; pullers of the drained channel are gone too', async () => {
    enableDebug(quiet());
    const ch = new Channel<number>(0, { name: 'c' });
    const pulls = [ch.pull(), ch.pull(), ch.pull()].map((p) => p.catch((e: unknown) => e));
    await tick();
    expect(byName(snapshot()).c?.pullers).toHaveLength(3);
    ch.close('bye');
    const row = byName(snapshot()).c;
    expect(row).toMatchObject({ closed: true, size: 0, pushers: [], pullers: [] });
    expect(await Promise.all(pulls)).toHaveLength(3);
  });

  test('ids are unique and stable across snapshots; since does not move while the wait goes on', async () => {
    enableDebug(quiet());
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const p = a.push(1).catch(() => {});
    await sleep(20);
    const first = byName(snapshot());
    await sleep(20);
    const second = byName(snapshot());
    expect(first.a?.id).toBe(second.a?.id);
    expect(first.a?.id).not.toBe(first.b?.id);
    expect(second.a?.pushers[0]?.since).toBe(first.a?.pushers[0]?.since);
    a.close();
    b.close();
    await p;
  });

  test('a parked pushAll and pullMany show as one push / one pull each', async () => {
    enableDebug(quiet());
    const a = new Channel<number>(1, { name: 'a' });
    const pa = a.pushAll([1, 2, 3]).catch(() => {});
    const b = new Channel<number>(0, { name: 'b' });
    const pb = b.pullMany(3).catch(() => {});
    await tick();
    const rows = byName(snapshot());
    expect(rows.a?.size).toBe(1);
    expect(rows.a?.pushers.map((w) => w.kind)).toEqual(['push']);
    expect(rows.b?.pullers.map((w) => w.kind)).toEqual(['pull']);
    a.close();
    b.close();
    await Promise.all([pa, pb]);
  });

  test('a select across a tracked and an untracked channel: the tracked side lists it as select, once per case', async () => {
    const old = new Channel<number>(0, { name: 'old' }); // before debug mode: not tracked
    enableDebug(quiet());
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const s = select([pull(old), pull(a), push(b, 1), pull(b)]).catch(() => {});
    await tick();
    const snap = snapshot();
    expect(snap.channels.map((c) => c.name)).not.toContain('old');
    const rows = byName(snap);
    const cases = [...(rows.a?.pullers ?? []), ...(rows.b?.pushers ?? []), ...(rows.b?.pullers ?? [])];
    expect(cases).toHaveLength(3);
    expect(new Set(cases.map((w) => w.kind))).toEqual(new Set(['select']));
    expect(new Set(cases.map((w) => w.select)).size).toBe(1);
    expect(typeof cases[0]?.select).toBe('number');
    expect(new Set(cases.map((w) => w.since)).size).toBe(1);
    await old.push(7);
    expect(await s).toMatchObject({ index: 0, value: 7 });
    const after_ = byName(snapshot());
    expect(after_.a?.pullers).toEqual([]);
    expect(after_.b?.pushers).toEqual([]);
    expect(after_.b?.pullers).toEqual([]);
  });

  test('a name of 10 000 characters is cut to 200; an emoji name survives whole', () => {
    enableDebug(quiet());
    const long = new Channel(0, { name: 'x'.repeat(10_000) });
    const emoji = new Channel(0, { name: '🙂'.repeat(150) }); // 300 UTF-16 units
    const rows = snapshot().channels;
    const longRow = rows.find((r) => r.name.startsWith('x'));
    const emojiRow = rows.find((r) => r.name.startsWith('🙂'));
    expect(longRow?.name.length).toBeLessThanOrEqual(200);
    expect(emojiRow?.name).toBe('🙂'.repeat(100));
    expect(long.name?.length).toBe(10_000); // the channel keeps its name
    expect(emoji.name).toBe('🙂'.repeat(150));
  });

  test('a name that is not a string is a TypeError with debug mode on, as without it', () => {
    const attempt = (name: unknown) => () => new Channel(0, { name: name as string });
    for (const name of [42, Symbol('s'), { toString: () => 'x' }, null]) {
      let off: unknown;
      try {
        attempt(name)();
      } catch (error) {
        off = error;
      }
      enableDebug(quiet());
      let on: unknown;
      try {
        attempt(name)();
      } catch (error) {
        on = error;
      }
      disableDebug();
      expect(on).toBeInstanceOf(TypeError);
      expect(String(on)).toBe(String(off));
    }
  });
});

describe('idle is not stuck', () => {
  test('waits fed by after, ticker, fromEvent and input: true carry input; a plain wait does not', async () => {
    enableDebug(quiet());
    const controller = new AbortController();
    const { signal } = controller;
    const timeout = afterMs(60_000, { signal });
    const tick_ = ticker(60_000, { signal });
    const button = new EventTarget();
    const clicks = fromEvent(button, 'click', { signal });
    const declared = new Channel<number>(0, { name: 'declared', input: true });
    const plain = new Channel<number>(0, { name: 'plain' });
    const waits = [timeout.pull(), tick_.pull(), clicks.pull(), declared.pull(), plain.pull()].map((p) =>
      p.catch(() => {}),
    );
    await tick();
    const snap = snapshot();
    const inputs = snap.channels.filter((c) => c.pullers.length > 0 && c.pullers.every((w) => w.input === true));
    expect(inputs).toHaveLength(4);
    expect(inputs.every((c) => c.input === true)).toBe(true);
    const plainRow = byName(snap).plain;
    expect(plainRow?.pullers[0]?.input).toBeUndefined();
    expect(plainRow?.input).toBeUndefined();
    // the plain (stuck) channel ranks first
    expect(snap.channels[0]?.name).toBe('plain');
    controller.abort();
    plain.close();
    declared.close();
    await Promise.all(waits);
  });

  test('a select with an after / ticker / fromEvent case waits for input on every case; without one it does not', async () => {
    enableDebug(quiet());
    const controller = new AbortController();
    const { signal } = controller;
    const feeders: (() => PullChannel<unknown>)[] = [
      () => afterMs(60_000, { signal }),
      () => ticker(60_000, { signal }),
      () => fromEvent(new EventTarget(), 'x', { signal }),
    ];
    const selects: Promise<unknown>[] = [];
    const apps: Channel<number>[] = [];
    for (const [i, feeder] of feeders.entries()) {
      const reply = new Channel<number>(0, { name: `reply${i}` });
      const out = new Channel<number>(0, { name: `out${i}` });
      apps.push(reply, out);
      selects.push(select([pull(reply), push(out, 1), pull(feeder())], { signal }).catch(() => {}));
    }
    const lone = new Channel<number>(0, { name: 'lone' });
    const lone2 = new Channel<number>(0, { name: 'lone2' });
    selects.push(select([pull(lone), pull(lone2)], { signal }).catch(() => {}));
    await tick();
    const rows = byName(snapshot());
    for (let i = 0; i < feeders.length; i++) {
      expect(rows[`reply${i}`]?.pullers[0]).toMatchObject({ kind: 'select', input: true });
      expect(rows[`out${i}`]?.pushers[0]).toMatchObject({ kind: 'select', input: true });
    }
    expect(rows.lone?.pullers[0]?.input).toBeUndefined();
    expect(rows.lone2?.pullers[0]?.input).toBeUndefined();
    controller.abort();
    await Promise.all(selects);
  });

  test('a select whose input case is on a ticker made before enableDebug still waits for input', async () => {
    const controller = new AbortController();
    const beat = ticker(60_000, { signal: controller.signal });
    enableDebug(quiet());
    const reply = new Channel<number>(0, { name: 'reply' });
    const s = select([pull(reply), pull(beat)], { signal: controller.signal }).catch(() => {});
    await tick();
    expect(byName(snapshot()).reply?.pullers[0]?.input).toBe(true);
    controller.abort();
    await s;
  });

  test('a merge fed by fromEvent waits for input on its app input too; a merge of app channels does not', async () => {
    enableDebug(quiet());
    const controller = new AbortController();
    const cancel = new Channel<string>(0, { name: 'cancel' });
    const m = merge(fromEvent(new EventTarget(), 'click', { signal: controller.signal }), cancel);
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const m2 = merge(a, b);
    const waits = [m.pull().catch(() => {}), m2.pull().catch(() => {})];
    await tick();
    const rows = byName(snapshot());
    expect(rows.cancel?.pullers.length).toBeGreaterThan(0);
    expect(rows.cancel?.pullers.every((w) => w.input === true)).toBe(true);
    expect(rows.a?.pullers.length).toBeGreaterThan(0);
    expect(rows.a?.pullers.some((w) => w.input === true)).toBe(false);
    controller.abort();
    cancel.close();
    a.close();
    b.close();
    await Promise.all(waits);
  });

  test('from() and a broadcast of a ticker feed input channels; a broadcast of an app channel does not', async () => {
    enableDebug(quiet());
    const controller = new AbortController();
    const { signal } = controller;
    async function* never(): AsyncGenerator<number> {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    }
    const lazy = from(never(), { signal, name: 'lazy' });
    const beats = broadcast(ticker(60_000, { signal }));
    const beatSub = beats.subscribe({ signal });
    const app = new Channel<number>(0, { name: 'app' });
    const appHub = broadcast(app);
    const appSub = appHub.subscribe({ signal });
    const waits = [lazy.pull(), beatSub.pull(), appSub.pull()].map((p) => p.catch(() => {}));
    await tick();
    const snap = snapshot();
    const rows = byName(snap);
    expect(rows.lazy?.input).toBe(true);
    const subs = snap.channels.filter((c) => c.name === 'subscriber');
    expect(subs).toHaveLength(2);
    const [inputSub, appSubRow] = [subs.find((c) => c.input === true), subs.find((c) => c.input !== true)];
    expect(inputSub?.pullers.every((w) => w.input === true)).toBe(true);
    expect(appSubRow?.pullers.length).toBe(1);
    expect(appSubRow?.pullers[0]?.input).toBeUndefined();
    controller.abort();
    beats.close();
    appHub.close();
    app.close();
    await Promise.all(waits);
  });

  test('the input option must be a boolean', () => {
    enableDebug(quiet());
    expect(() => new Channel(0, { input: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => new Channel(0, { input: 1 as unknown as boolean })).toThrow(TypeError);
  });
});

describe('ranking', () => {
  test('stuck rows first (longest waiting first), then waiting for input, then idle', async () => {
    enableDebug(quiet());
    const idle = new Channel<number>(3, { name: 'idle' });
    const waitingInput = new Channel<number>(0, { name: 'input', input: true });
    const oldStuck = new Channel<number>(0, { name: 'oldStuck' });
    const controller = new AbortController();
    const { signal } = controller;
    const waits: Promise<unknown>[] = [waitingInput.pull({ signal }), oldStuck.pull({ signal })];
    await sleep(15);
    const newStuck = new Channel<number>(0, { name: 'newStuck' });
    waits.push(newStuck.push(1, { signal }));
    await sleep(15);
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toEqual(['oldStuck', 'newStuck', 'input', 'idle']);
    controller.abort();
    await Promise.allSettled(waits);
    idle.close();
  });
});

describe('limits', () => {
  test('150 parked pushes: 100 listed oldest first, 50 counted in truncated.waiters', async () => {
    enableDebug(quiet());
    const ch = new Channel<number>(0, { name: 'busy' });
    const pushes = Array.from({ length: 150 }, (_, i) => ch.push(i).catch(() => {}));
    await tick();
    const snap = snapshot();
    expect(byName(snap).busy?.pushers).toHaveLength(100);
    expect(snap.truncated).toEqual({ channels: 0, waiters: 50 });
    // the values still go out in order
    const got: number[] = [];
    for (let i = 0; i < 150; i++) got.push(await ch.pull());
    expect(got).toEqual(Array.from({ length: 150 }, (_, i) => i));
    await Promise.all(pushes);
    expect(snapshot().truncated).toBeUndefined();
  });

  test('1100 idle channels and one stuck: the stuck one is listed, idle ones are cut', async () => {
    enableDebug(quiet());
    const keep = Array.from({ length: 1100 }, (_, i) => new Channel<number>(1, { name: `idle${i}` }));
    const stuck = new Channel<number>(0, { name: 'stuck' });
    const p = stuck.pull().catch(() => {});
    await tick();
    const snap = snapshot();
    expect(snap.channels).toHaveLength(1000);
    expect(snap.channels[0]?.name).toBe('stuck');
    expect(snap.truncated).toEqual({ channels: 101, waiters: 0 });
    stuck.close();
    await p;
    expect(keep).toHaveLength(1100);
  });

  test('a buffer of a million values is a count, not a million entries', () => {
    enableDebug(quiet());
    const ch = new Channel<number>(Infinity, { name: 'huge' });
    for (let i = 0; i < 1_000_000; i++) ch.pushNowait(i);
    const snap = snapshot();
    expect(byName(snap).huge?.size).toBe(1_000_000);
    expect(JSON.stringify(snap).length).toBeLessThan(1000);
  });
});

describe('posting', () => {
  test('announce on enable; a snapshot at once on hello, with version, seq and the shape of snapshot()', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 20 });
    expect(posted).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
    const ch = new Channel<number>(0, { name: 'c' });
    const p = ch.pull().catch(() => {});
    await tick();
    expect(posted).toHaveLength(1); // nothing before hello
    say(listen, hello);
    expect(posted).toHaveLength(2);
    const snap = posted[1];
    expect(snap).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(typeof snap.seq).toBe('number');
    expect(snap.channels.map((c: any) => c.name)).toEqual(['c']);
    // unchanged: nothing more
    await sleep(60);
    expect(posted).toHaveLength(2);
    ch.close();
    await p;
    await sleep(60);
    expect(posted).toHaveLength(3);
    expect(posted[2].seq).toBeGreaterThan(snap.seq);
    expect(posted[2].channels[0]).toMatchObject({ name: 'c', closed: true, pullers: [] });
    say(listen, bye);
    const q = new Channel<number>(0, { name: 'q' });
    const qp = q.pull().catch(() => {}); // a change after bye
    await sleep(60);
    expect(posted).toHaveLength(3);
    q.close();
    await qp;
    for (const m of posted) expect(m.version).toBe(1);
  });

  test('messages not of the exact shape are ignored without error', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 20 });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const data of [
      null,
      undefined,
      'hello',
      42,
      { ...hello, version: 2 },
      { ...hello, version: '1' },
      { ...hello, source: 'chanasync' },
      { ...hello, type: 'HELLO' },
      { source: 'chanasync-inspector', type: 'hello' },
      revoked.proxy,
      [hello],
    ]) {
      expect(() => say(listen, data)).not.toThrow();
    }
    await sleep(40);
    expect(posted).toHaveLength(1); // the announce only
    say(listen, { ...hello, extra: 1 });
    expect(posted).toHaveLength(2);
  });

  test('a target that throws DataCloneError on a snapshot: posting stops until the next hello, disable does not throw', async () => {
    const posted: any[] = [];
    let fail = false;
    const errors: unknown[] = [];
    const listen = new EventTarget();
    const target = {
      postMessage(m: unknown) {
        if (fail) throw new DOMException('could not be cloned', 'DataCloneError');
        posted.push(m);
      },
    };
    enableDebug({ target, listen, intervalMs: 10 });
    fail = true;
    const ch = new Channel<number>(0, { name: 'c' });
    const p = ch.pull().catch(() => {});
    await tick();
    // dispatchEvent reports a listener's exception rather than throwing it
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      say(listen, hello);
      await sleep(50);
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(posted).toHaveLength(1);
    fail = false;
    await sleep(40);
    expect(posted).toHaveLength(1); // stopped
    say(listen, hello);
    await sleep(40);
    expect(posted.length).toBeGreaterThanOrEqual(2);
    expect(posted.at(-1).channels[0].name).toBe('c');
    fail = true;
    expect(() => disableDebug()).not.toThrow();
    ch.close();
    await p;
  });

  test('a target that throws on the snapshot of a second hello (the throttle running) also stops the posting until the next hello', async () => {
    const posted: any[] = [];
    let fail = false;
    const listen = new EventTarget();
    const target = {
      postMessage(m: unknown) {
        if (fail) throw new DOMException('could not be cloned', 'DataCloneError');
        posted.push(m);
      },
    };
    enableDebug({ target, listen, intervalMs: 10 });
    const ch = new Channel<number>(5, { name: 'c' });
    say(listen, hello);
    await sleep(40); // unchanged: nothing posted, the throttle's timer keeps running
    const count = posted.length;
    fail = true;
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      say(listen, hello); // the interval has passed: posted at once, and it throws
      await sleep(5);
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toHaveLength(1);
    fail = false;
    ch.pushNowait(1); // a change
    await sleep(50);
    expect(posted).toHaveLength(count); // stopped
    say(listen, hello);
    await sleep(30);
    expect(posted.length).toBeGreaterThan(count);
    expect(posted.at(-1).channels[0]).toMatchObject({ name: 'c', size: 1 });
  });

  test('default target: a global postMessage (a worker scope) is called with the message alone; a window with "*"', () => {
    const scope = globalThis as { postMessage?: unknown; window?: unknown };
    const calls: unknown[][] = [];
    scope.postMessage = (...args: unknown[]) => calls.push(args);
    try {
      enableDebug({ listen: new EventTarget() });
      expect(calls).toEqual([[{ source: 'chanasync', version: 1, type: 'announce' }]]);
      disableDebug();
      scope.window = globalThis;
      enableDebug({ listen: new EventTarget() });
      expect(calls[1]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }, '*']);
    } finally {
      disableDebug();
      delete scope.postMessage;
      delete scope.window;
    }
  });

  test('no target: enableDebug works and snapshot() too, nothing throws on hello', async () => {
    const listen = new EventTarget();
    enableDebug({ listen });
    const ch = new Channel<number>(0, { name: 'c' });
    expect(() => say(listen, hello)).not.toThrow();
    expect(byName(snapshot()).c).toBeDefined();
    ch.close();
  });

  test('a target without postMessage, or an announce that throws, changes nothing', () => {
    enableDebug(quiet());
    const a = new Channel(0, { name: 'a' });
    expect(() => enableDebug({ target: {} as never })).toThrow(TypeError);
    expect(() =>
      enableDebug({
        target: {
          postMessage() {
            throw new Error('no');
          },
        },
      }),
    ).toThrow('no');
    expect(byName(snapshot()).a).toBeDefined();
    a.close();
  });

  test('disableDebug inside the target, while it receives the snapshot of a second hello, posts nothing more', async () => {
    const posted: any[] = [];
    let disableOnNext = false;
    const listen = new EventTarget();
    const target = {
      postMessage(m: any) {
        posted.push(m);
        if (disableOnNext && m.type === 'snapshot') {
          disableOnNext = false;
          disableDebug();
        }
      },
    };
    enableDebug({ target, listen, intervalMs: 10 });
    const ch = new Channel<number>(0, { name: 'c' });
    const p = ch.pull().catch(() => {});
    await tick();
    say(listen, hello); // snapshot 1, the throttle's timer runs from now on
    expect(posted.map((m) => m.type)).toEqual(['announce', 'snapshot']);
    await sleep(40); // nothing changed: nothing posted, the timer keeps running
    expect(posted).toHaveLength(2);
    disableOnNext = true;
    say(listen, hello); // a new inspector: the current state at once; it turns debug mode off
    // README: "not when it turns debug mode off inside the target's postMessage of a snapshot"
    expect(posted.map((m) => m.type)).toEqual(['announce', 'snapshot', 'snapshot']);
    expect(posted[2].channels).toHaveLength(1);
    await sleep(40);
    expect(posted).toHaveLength(3);
    ch.close();
    await p;
  });

  test('disableDebug while connected posts one last empty snapshot at once, then nothing; no listener is left', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    const add = vi.spyOn(listen, 'addEventListener');
    const remove = vi.spyOn(listen, 'removeEventListener');
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 1000 });
    const ch = new Channel<number>(0, { name: 'c' });
    const p = ch.pull().catch(() => {});
    await tick();
    say(listen, hello);
    expect(posted).toHaveLength(2);
    disableDebug();
    expect(posted).toHaveLength(3);
    expect(posted[2].channels).toEqual([]);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove.mock.calls[0]?.[1]).toBe(add.mock.calls[0]?.[1]);
    say(listen, hello);
    expect(posted).toHaveLength(3);
    disableDebug(); // twice: harmless
    ch.close();
    await p;
  });

  test('enabling twice: the first session is stopped (its listener removed), ids do not repeat, old channels are not listed', async () => {
    const first: any[] = [];
    const second: any[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => first.push(m) }, listen, intervalMs: 10 });
    const a = new Channel<number>(0, { name: 'a' });
    const idA = byName(snapshot()).a?.id;
    enableDebug({ target: { postMessage: (m: unknown) => second.push(m) }, listen, intervalMs: 10 });
    const b = new Channel<number>(0, { name: 'b' });
    const snap = snapshot();
    expect(snap.channels.map((c) => c.name)).toEqual(['b']);
    expect(byName(snap).b?.id).not.toBe(idA);
    say(listen, hello);
    await sleep(30);
    expect(first).toHaveLength(1); // its announce only
    expect(second.filter((m) => m.type === 'snapshot').length).toBeGreaterThanOrEqual(1);
    a.close();
    b.close();
  });

  test('disableDebug leaves no timer behind (Node active handles)', async () => {
    const timers = () =>
      (process as unknown as { getActiveResourcesInfo(): string[] })
        .getActiveResourcesInfo()
        .filter((r) => r === 'Timeout').length;
    await sleep(5);
    const base = timers();
    const listen = new EventTarget();
    enableDebug({ target: { postMessage() {} }, listen, intervalMs: 50_000 });
    const ch = new Channel<number>(0, { name: 'c' });
    const p = ch.pull().catch(() => {}); // a park: the end-of-task flush and clock timers
    say(listen, hello); // the throttle's timer
    expect(timers()).toBeGreaterThan(base);
    disableDebug();
    expect(timers()).toBe(base);
    ch.close();
    await p;
  });

  test('clearLeaks and snapshot with debug mode off do not throw; snapshot() is empty', () => {
    expect(() => clearLeaks()).not.toThrow();
    expect(snapshot()).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot', channels: [] });
  });
});

describe('free when off', () => {
  test('after disableDebug, parking, committing and selecting read no clock and set no timer', async () => {
    enableDebug({ ...quiet(), stacks: true });
    void new Channel<number>(0, { name: 'tracked while on' });
    disableDebug();
    const now = vi.spyOn(Date, 'now');
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(1, { name: 'b' });
    const got: unknown[] = [];
    const waits = [b.pull().then((v) => got.push(v)), select([pull(a), push(b, 2)]).then((r) => got.push(r.index))];
    await Promise.resolve();
    const late = a.pull().then((v) => got.push(v));
    await a.push(1);
    await Promise.all([...waits, late]);
    expect(got).toEqual([2, 1, 1]);
    const calls = [now.mock.calls.length, timeout.mock.calls.length];
    expect(calls).toEqual([0, 0]);
  });
});

describe('debug mode changes no channel semantics', () => {
  async function program(): Promise<unknown[]> {
    const log: unknown[] = [];
    const rec = (label: string) => (v: unknown) => log.push([label, v instanceof Error ? [v.name, v.message] : v]);
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(2, { name: 'b' });
    const c = new Channel<number>(1, { name: 'c', overflow: 'drop-oldest' });
    const d = new Channel<number>(Infinity);
    const controller = new AbortController();
    const waits = [
      a.pull().then(rec('a.pull1')),
      a.pull({ signal: controller.signal }).then(rec('a.pull2'), rec('a.pull2!')),
      b.pushAll([1, 2, 3, 4]).then(rec('b.pushAll'), rec('b.pushAll!')),
      select([pull(a), push(b, 9)]).then((r) => rec('sel1')([r.index, r.value, r.ok])),
      c.push(1).then(rec('c1')),
      c.push(2).then(rec('c2')),
    ];
    await tick();
    controller.abort(new Error('stop'));
    await a.push(10);
    log.push(['b.pullMany', await b.pullMany(10)]);
    log.push(['c.pull', await c.pull()]);
    for (let i = 0; i < 5; i++) d.pushNowait(i);
    d.close(new RangeError('end'));
    try {
      for await (const v of d) log.push(['d', v]);
    } catch (error) {
      rec('d!')(error);
    }
    b.close('reason');
    a.close();
    await a.push(11).catch(rec('a.push!'));
    await b.pull().then(rec('b.pull'), rec('b.pull!'));
    await b.pull().then(rec('b.pull'), rec('b.pull!'));
    await b.push(1).catch(rec('b.push!'));
    await select([pull(b)]).then((r) => rec('sel2')([r.index, r.value, r.ok]));
    log.push(['tryPull', b.tryPull?.()]);
    await Promise.allSettled(waits);
    log.push(['stats', a.stats(), b.stats(), c.stats()]);
    return log;
  }

  test('the same values, order and errors with debug mode on (with and without stacks)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.3);
    const off = await program();
    enableDebug(quiet());
    const on = await program();
    disableDebug();
    enableDebug({ ...quiet(), stacks: true });
    const onStacks = await program();
    expect(on).toEqual(off);
    expect(onStacks).toEqual(off);
  });
});

describe('throttle and handshake', () => {
  test('at most one snapshot per intervalMs under a stream of changes, and the last state arrives', async () => {
    const times: number[] = [];
    const posted: any[] = [];
    const listen = new EventTarget();
    const intervalMs = 30;
    enableDebug({
      target: {
        postMessage(m: any) {
          if (m.type !== 'snapshot') return;
          times.push(performance.now());
          posted.push(m);
        },
      },
      listen,
      intervalMs,
    });
    const ch = new Channel<number>(Infinity, { name: 'busy' });
    say(listen, hello);
    for (let i = 0; i < 60; i++) {
      ch.pushNowait(i);
      await sleep(5);
    }
    await sleep(3 * intervalMs);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(intervalMs - 2);
    }
    expect(posted.length).toBeGreaterThan(2);
    expect(posted.length).toBeLessThan(20);
    expect(posted.at(-1).channels[0].size).toBe(60);
    const seqs = posted.map((m) => m.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  test('a second hello within intervalMs posts nothing at once; the current state follows at the end of the interval, even unchanged', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 100 });
    const ch = new Channel<number>(1, { name: 'c' });
    say(listen, hello);
    expect(posted.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    say(listen, hello);
    expect(posted.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    await sleep(150);
    const snaps = posted.filter((m) => m.type === 'snapshot');
    expect(snaps).toHaveLength(2);
    expect(snaps[1].channels).toEqual(snaps[0].channels);
    ch.close();
  });

  test('bye stops, hello resumes with the state at once', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
    const ch = new Channel<number>(5, { name: 'c' });
    say(listen, hello);
    say(listen, bye);
    const count = posted.length;
    ch.pushNowait(1);
    ch.pushNowait(2);
    await sleep(40);
    expect(posted).toHaveLength(count);
    await sleep(10);
    say(listen, hello);
    expect(posted).toHaveLength(count + 1);
    expect(posted.at(-1).channels[0].size).toBe(2);
  });

  test('an enableDebug that throws (its announce fails) leaves a connected session posting as before', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
    const ch = new Channel<number>(3, { name: 'c' });
    say(listen, hello);
    const count = posted.length;
    const other = new EventTarget();
    const error = new DOMException('could not be cloned', 'DataCloneError');
    expect(() =>
      enableDebug({
        target: {
          postMessage() {
            throw error;
          },
        },
        listen: other,
        stacks: true,
      }),
    ).toThrow(error);
    expect(getEventListeners(other, 'message')).toHaveLength(0);
    ch.pushNowait(1);
    await sleep(40);
    expect(posted.length).toBe(count + 1);
    expect(posted.at(-1).channels[0]).toMatchObject({ name: 'c', size: 1 });
    expect(posted.at(-1).channels[0]).not.toHaveProperty('createdAt');
  });

  test('enabling twice on the same listen target leaves one listener; disabling leaves none', async () => {
    const listen = new EventTarget();
    enableDebug({ target: { postMessage() {} }, listen });
    enableDebug({ target: { postMessage() {} }, listen });
    enableDebug({ target: { postMessage() {} }, listen, stacks: true });
    expect(getEventListeners(listen, 'message')).toHaveLength(1);
    disableDebug();
    expect(getEventListeners(listen, 'message')).toHaveLength(0);
  });

  test('a target that closes a channel as it receives a snapshot: the next snapshot says closed, no waiters', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    const ch = { current: undefined as Channel<number> | undefined };
    enableDebug({
      target: {
        postMessage(m: any) {
          posted.push(m);
          if (m.type === 'snapshot') ch.current?.close('inspected');
        },
      },
      listen,
      intervalMs: 10,
    });
    ch.current = new Channel<number>(0, { name: 'c' });
    const p = ch.current.pull().catch((e: unknown) => e);
    await tick();
    say(listen, hello);
    expect(posted.at(-1).channels[0]).toMatchObject({ closed: false, pullers: [{ kind: 'pull' }] });
    await sleep(30);
    expect(posted.at(-1).channels[0]).toMatchObject({ closed: true, pullers: [] });
    expect(await p).toBeInstanceOf(Error);
  });
});

describe('stacks', () => {
  test('deep stacks on many channels: at most 1 000 000 characters of stacks, the stuck rows keep theirs, stackTraceLimit restored', async () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    try {
      enableDebug({ ...quiet(), stacks: true });
      const controller = new AbortController();
      const ops: Promise<unknown>[] = [];
      const channels: Channel<number>[] = [];
      function deep(n: number, work: () => void): void {
        if (n === 0) work();
        else deep(n - 1, work);
      }
      deep(150, () => {
        for (let i = 0; i < 400; i++) channels.push(new Channel<number>(1, { name: `idle${i}` }));
      });
      await sleep(5);
      deep(150, () => {
        const ch = new Channel<number>(0, { name: 'stuck' });
        channels.push(ch);
        ops.push(ch.push(1, { signal: controller.signal }).catch(() => {}));
      });
      await tick();
      expect(Error.stackTraceLimit).toBe(200);
      const snap = snapshot();
      let total = 0;
      for (const c of snap.channels) {
        total += c.createdAt?.length ?? 0;
        for (const w of [...c.pushers, ...c.pullers]) total += w.stack?.length ?? 0;
      }
      expect(total).toBeLessThanOrEqual(1_000_000);
      const first = snap.channels[0];
      expect(first?.name).toBe('stuck');
      expect(first?.createdAt).toMatch(/deep/);
      expect(first?.pushers[0]?.stack).toMatch(/deep/);
      for (const c of snap.channels) expect((c.createdAt ?? '').length).toBeLessThanOrEqual(4000);
      expect(snap.channels.at(-1)?.createdAt).toBeUndefined(); // past the budget
      expect(snap.channels).toHaveLength(401);
      controller.abort();
      await Promise.all(ops);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});

describe('over a real MessagePort', () => {
  test('announce, hello, a cloned snapshot and bye through a MessageChannel; the listen port is started by debug mode', async () => {
    const { port1: page, port2: inspector } = new MessageChannel();
    const received: any[] = [];
    inspector.onmessage = (event) => received.push(event.data);
    try {
      enableDebug({ target: page as never, listen: page as never, intervalMs: 10 });
      const buffered = new Channel<() => void>(2, { name: 'fns' });
      buffered.pushNowait(() => {});
      const stuck = new Channel<number>(0, { name: 'stuck' });
      const p = stuck.pull().catch(() => {});
      await sleep(20);
      expect(received).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
      inspector.postMessage(hello);
      await sleep(30);
      const snap = received.find((m) => m.type === 'snapshot');
      expect(snap).toBeDefined();
      expect(snap.channels.map((c: any) => c.name)).toEqual(['stuck', 'fns']);
      expect(snap.channels[1]).toMatchObject({ size: 1, capacity: 2 });
      inspector.postMessage(bye);
      await sleep(20);
      const count = received.length;
      stuck.close();
      await p;
      await sleep(30);
      expect(received).toHaveLength(count);
    } finally {
      disableDebug();
      page.close();
      inspector.close();
    }
  });
});
