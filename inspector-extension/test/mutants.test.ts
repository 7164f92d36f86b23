/**
 * Behaviours of the panel's model and the service worker's logic that no other test pinned
 * down, found by mutation testing (each test here failed on at least one mutant of
 * inspector-extension/src/ that every other test of the extension let pass). One behaviour per
 * test.
 */
import { describe, expect, test } from 'vitest';
import { type Effect, frameOfPort, RATE, Router } from '../src/background/router.js';
import { type SessionArea, SnapshotStore, TAB_BUDGET_CHARS } from '../src/background/store.js';
import { CONTENT_PORT_PREFIX, CONTENT_SOURCE, type FrameInfo, PANEL_SOURCE } from '../src/messages.js';
import {
  cleared,
  DEFAULT_VIEW,
  EMPTY_DATA,
  hasWaits,
  MAX_CONTEXTS_PER_DOCUMENT,
  MAX_DISMISSED,
  type PanelData,
  rowsOf,
  withoutFrame,
  withSnapshot,
} from '../src/panel/model.js';
import { channel, IFRAME, snapshot, T0, TOP, waiter } from './snapshots.js';

const rows = (data: PanelData, now = T0, view = {}) => rowsOf(data, { ...DEFAULT_VIEW, ...view }, now).rows;
const posts = (effects: Effect<string>[]) =>
  effects.flatMap((e) => (e.kind === 'post' ? [[e.port, (e.message as { type: string }).type]] : []));
const labels = (data: PanelData, now = T0, view = {}) => rows(data, now, view).map((row) => row.label);
/** A leaked operation, detected at T0 after waiting 1 s, on a collected channel named `name`. */
const leaked = <K extends 'push' | 'pull'>(kind: K, name: string, id = 1) =>
  ({ id, kind, since: T0 - 1000, detectedAt: T0, channel: { id: 9, name, capacity: 0 } }) as const;

describe('the panel model', () => {
  test('a snapshot of a new top document received in the same millisecond as the old one’s replaces it', () => {
    const old = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, name: 'old' })]), T0);
    const next = { ...TOP, documentId: 'doc-next' };
    const data = withSnapshot(old, next, snapshot([channel({ id: 1, name: 'new' })]), T0);
    expect(labels(data)).toEqual(['new']);
  });

  test('the same snapshot delivered twice (live, then from the store) adds one point to the trend, not two', () => {
    const once = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, capacity: 4, size: 3 })], { seq: 7 }), T0);
    const twice = withSnapshot(once, TOP, snapshot([channel({ id: 1, capacity: 4, size: 3 })], { seq: 7 }), T0);
    expect(rows(twice)[0]?.history).toEqual([3]);
  });

  test('a frame that piles up contexts never pushes out the contexts of another document', () => {
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, name: 'page' })]), T0);
    for (let i = 0; i < MAX_CONTEXTS_PER_DOCUMENT; i++) {
      const posted = { ...snapshot([channel({ id: 1, name: `copy${i}` })]), instance: `copy${i}` };
      data = withSnapshot(data, IFRAME, posted, T0 + 1 + i);
    }
    expect(data.frames.size).toBe(MAX_CONTEXTS_PER_DOCUMENT + 1);
    expect(labels(data, T0 + 100)).toContain('page');
  });

  test('a cleared leak of a Worker whose URL contains “|leak/” stays cleared when another Worker’s snapshot arrives', () => {
    const odd = { kind: 'worker', url: 'https://app.example/a.js|leak/5' } as const;
    const plain = { kind: 'worker', url: 'https://app.example/a.js' } as const;
    const leak = leaked('pull', 'gone', 3);
    const oddSnapshot = snapshot([], { context: odd, leaked: [leak] });
    let data = cleared(withSnapshot(EMPTY_DATA, TOP, oddSnapshot, T0));
    data = withSnapshot(data, TOP, snapshot([channel({ id: 1, name: 'plain' })], { context: plain }), T0 + 1);
    data = withSnapshot(data, TOP, oddSnapshot, T0 + 2);
    expect(rows(data, T0 + 2).filter((row) => row.kind === 'leak')).toEqual([]);
  });

  test('when the only frame with debug mode goes away, the panel no longer says the page has debug mode', () => {
    const data = withSnapshot(EMPTY_DATA, IFRAME, snapshot([channel({ id: 1, name: 'in-frame' })]), T0);
    expect(data.debugSeen).toBe(true);
    const gone = withoutFrame(data, IFRAME.documentId);
    expect(gone.frames.size).toBe(0);
    expect(gone.debugSeen).toBe(false);
  });

  test('Clear over a full memory of cleared leaks keeps MAX_DISMISSED keys, the newest: the leak just cleared stays cleared', () => {
    const old = Array.from({ length: MAX_DISMISSED }, (_, i) => `gone-${i}|page|leak/1`);
    const leak = leaked('push', 'gone');
    const listing = snapshot([], { leaked: [leak] });
    const data = cleared(withSnapshot({ ...EMPTY_DATA, dismissed: new Set(old) }, TOP, listing, T0));
    expect(data.dismissed.size).toBe(MAX_DISMISSED);
    expect(data.dismissed.has('gone-0|page|leak/1')).toBe(false);
    const again = withSnapshot(data, TOP, listing, T0 + 1);
    expect(rows(again, T0 + 1).filter((row) => row.kind === 'leak')).toEqual([]);
  });

  test('a row’s Waiting and Parked at describe its oldest parked operation, whatever order the page lists them in', () => {
    const pullers = [
      waiter('pull', 2000, 'young (https://app.example/a.js:1:1)'),
      waiter('pull', 9000, 'old (https://app.example/a.js:2:1)'),
    ];
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, name: 'jobs', pullers })]), T0);
    const [row] = rows(data);
    expect(row?.since).toBe(T0 - 9000);
    expect(row?.oldest?.stack).toBe('old (https://app.example/a.js:2:1)');
  });

  test('on a stuck row, Waiting describes the oldest wait nothing explains, not an older wait for input', () => {
    const input = { ...waiter('pull', 60_000, 'keys (https://app.example/a.js:1:1)'), input: true };
    const plain = waiter('pull', 10_000, 'reply (https://app.example/a.js:2:1)');
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, name: 'jobs', pullers: [input, plain] })]),
      T0,
    );
    const [row] = rows(data);
    expect(row?.state).toBe('stuck');
    expect(row?.since).toBe(T0 - 10_000);
    expect(row?.oldest?.stack).toBe('reply (https://app.example/a.js:2:1)');
  });

  test('sorted by occupancy, an unbuffered channel (no occupancy) comes after an empty buffered one', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, name: 'unbuffered' }), channel({ id: 2, name: 'buffered', capacity: 4 })]),
      T0,
    );
    expect(rows(data)[0]?.occupancy).toBeUndefined();
    expect(labels(data, T0, { sort: 'occupancy' })).toEqual(['buffered', 'unbuffered']);
  });

  test('sorted by waiters, a channel counts the select cases parked on it too', () => {
    const inSelect = { ...waiter('select', 2000), select: 5 };
    const channels = [
      channel({ id: 1, name: 'a', pullers: [waiter('pull', 1000), inSelect] }),
      channel({ id: 2, name: 'b', pullers: [inSelect] }),
      channel({ id: 3, name: 'c', pullers: [waiter('pull', 3000)] }),
    ];
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot(channels), T0);
    expect(labels(data, T0, { sort: 'waiters' })).toEqual(['select: pull a | pull b', 'a', 'c', 'b']);
  });

  test('a select with only one case on a listed channel is shown in that channel’s row, with no select row of its own', () => {
    const inSelect = { ...waiter('select', 2000), select: 5 };
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, name: 'a', pullers: [inSelect] })]), T0);
    expect(rows(data).map((row) => `${row.kind}:${row.label}:${row.waiters}`)).toEqual(['channel:a:1']);
  });

  test('a select row shows where the select parked, even when its first case lost its stack to the snapshot’s budget', () => {
    const where = 'wait (https://app.example/a.js:3:1)';
    const channels = [
      channel({ id: 1, name: 'a', pullers: [{ ...waiter('select', 2000), select: 5 }] }),
      channel({ id: 2, name: 'b', pullers: [{ ...waiter('select', 2000, where), select: 5 }] }),
    ];
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot(channels), T0);
    const select = rows(data).find((row) => row.kind === 'select');
    expect(select?.oldest?.stack).toBe(where);
  });

  test('among stuck rows, a channel with a blocked push comes before an older stuck select that only pulls', () => {
    const channels = [
      channel({ id: 1, name: 'a', pullers: [{ ...waiter('select', 60_000), select: 5 }] }),
      channel({ id: 2, name: 'b', pullers: [{ ...waiter('select', 60_000), select: 5 }] }),
      channel({ id: 3, name: 'out', pushers: [waiter('push', 10_000)] }),
    ];
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot(channels), T0);
    expect(rows(data).map((row) => `${row.label}:${row.state}`)).toEqual([
      'out:stuck',
      'select: pull a | pull b:stuck',
      'a:idle',
      'b:idle',
    ]);
  });

  test('a leaked push counts in the Pushers column, a leaked pull in the Pullers column', () => {
    const leak = (id: number, kind: 'push' | 'pull') =>
      ({ id, kind, since: T0 - 5000, detectedAt: T0, channel: { id: 10 + id, name: kind, capacity: 0 } }) as const;
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak(1, 'push'), leak(2, 'pull')] }), T0);
    const byLabel = new Map(rows(data).map((row) => [row.label, row]));
    expect(byLabel.get('push')?.pushersSince).toBe(T0 - 5000);
    expect(byLabel.get('push')?.pullersSince).toBeUndefined();
    expect(byLabel.get('pull')?.pullersSince).toBe(T0 - 5000);
    expect(byLabel.get('pull')?.pushersSince).toBeUndefined();
  });

  test('sorted by occupancy, unbounded channels follow their buffered counts, the largest first', () => {
    const channels = [
      channel({ id: 1, name: 'small', capacity: null, size: 3 }),
      channel({ id: 2, name: 'large', capacity: null, size: 7 }),
    ];
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot(channels), T0);
    expect(labels(data, T0, { sort: 'occupancy' })).toEqual(['large', 'small']);
  });

  test('a stuck row needs no repaint to change state: the rows stay valid until a waiting row would turn stuck', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, name: 'a', pullers: [waiter('pull', 60_000)] })]),
      T0,
    );
    expect(rowsOf(data, DEFAULT_VIEW, T0).rows[0]?.state).toBe('stuck');
    expect(rowsOf(data, DEFAULT_VIEW, T0).validUntil).toBe(Number.POSITIVE_INFINITY);
    const both = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([
        channel({ id: 1, name: 'a', pullers: [waiter('pull', 60_000)] }),
        channel({ id: 2, name: 'b', pullers: [waiter('pull', 1000)] }),
      ]),
      T0,
    );
    expect(rowsOf(both, DEFAULT_VIEW, T0).validUntil).toBe(T0 - 1000 + DEFAULT_VIEW.thresholdMs);
  });

  test('rows that tie on state and sort key follow the frames in the order they first reported', () => {
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 2, name: 'jobs' })]), T0);
    data = withSnapshot(data, IFRAME, snapshot([channel({ id: 1, name: 'jobs' })]), T0);
    expect(rows(data, T0, { sort: 'name' }).map((row) => row.frame.documentId)).toEqual([
      TOP.documentId,
      IFRAME.documentId,
    ]);
  });

  test('channel rows and a select row that tie on state and age list the channels first', () => {
    const inSelect = { ...waiter('select', 1000), select: 1 };
    const channels = [
      channel({ id: 1, name: 'c', pullers: [waiter('pull', 1000)] }),
      channel({ id: 2, name: 'a', pullers: [inSelect] }),
      channel({ id: 3, name: 'b', pullers: [inSelect] }),
    ];
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot(channels), T0);
    expect(labels(data)).toEqual(['c', 'a', 'b', 'select: pull a | pull b']);
  });

  test('the panel keeps ages ticking while anything waits: a leak, a parked push or a parked pull', () => {
    const leak = leaked('pull', 'x');
    expect(hasWaits(withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak] }), T0))).toBe(true);
    expect(
      hasWaits(withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, pullers: [waiter('pull', 10)] })]), T0)),
    ).toBe(true);
    expect(
      hasWaits(withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, pushers: [waiter('push', 10)] })]), T0)),
    ).toBe(true);
    expect(hasWaits(withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1 })]), T0))).toBe(false);
  });

  test('the trend keeps the last 40 sizes, as the README says', () => {
    let data = EMPTY_DATA;
    for (let i = 0; i < 45; i++) {
      data = withSnapshot(data, TOP, snapshot([channel({ id: 1, capacity: 100, size: i })]), T0 + i);
    }
    expect(rows(data, T0 + 45)[0]?.history).toEqual(Array.from({ length: 40 }, (_, i) => i + 5));
  });

  test('a Worker’s URL is shown without bidirectional or control characters', () => {
    const context = { kind: 'worker', url: 'https://app.example/\u202Eevil.js\u0007' } as const;
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, name: 'w' })], { context }), T0);
    expect(rows(data)[0]?.context.url).toBe('https://app.example/evil.js ');
  });

  test('a truncated snapshot that left out no leaks says so with 0, not with a missing count', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1 })], { truncated: { channels: 3, waiters: 0 } }),
      T0,
    );
    expect([...data.frames.values()][0]?.truncated).toEqual({ channels: 3, waiters: 0, leaks: 0 });
  });

  test('two Workers with different scripts in one document are listed apart', () => {
    const worker = (url: string) => ({ kind: 'worker', url }) as const;
    let data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, name: 'a' })], { context: worker('https://app.example/a.js') }),
      T0,
    );
    data = withSnapshot(
      data,
      TOP,
      snapshot([channel({ id: 1, name: 'b' })], { context: worker('https://app.example/b.js') }),
      T0 + 1,
    );
    expect(labels(data, T0 + 1).sort()).toEqual(['a', 'b']);
  });

  test('a leak row names its channel without bidirectional or control characters', () => {
    const leak = leaked('pull', 'in\u202Ebox\u0000');
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak] }), T0);
    expect(labels(data)).toEqual(['inbox ']);
  });
});

describe('the service worker', () => {
  const extension = 'chrome-extension://abcdefghijklmnop/';

  test('a port from no real tab (tab id −1, as for a DevTools page) is not a content script', () => {
    expect(
      frameOfPort(`${CONTENT_PORT_PREFIX}doc-1`, { tab: { id: -1 }, frameId: 0, url: 'https://a.example/' }, extension),
    ).toBeUndefined();
  });

  test('a frame whose URL and origin the browser does not report has the opaque origin "null"', () => {
    expect(frameOfPort(`${CONTENT_PORT_PREFIX}doc-1`, { tab: { id: 3 }, frameId: 5 }, extension)).toEqual({
      frameId: 5,
      url: '',
      documentId: 'doc-1',
      origin: 'null',
    });
  });

  const frame: FrameInfo = { frameId: 0, url: 'https://a.example/', documentId: 'doc-a', origin: 'https://a.example' };
  const fromPage = (message: unknown) => ({ source: CONTENT_SOURCE, type: 'page', message });
  const later = (effects: Effect<string>[]) => effects.filter((effect) => effect.kind === 'later').length;

  test('a frame of a tab no panel inspects leaves without a trace: no message, nothing to store', () => {
    const router = new Router<string>();
    router.frameConnected('content', 1, frame, T0);
    expect(router.disconnected('content')).toEqual([]);
  });

  test('a frame that floods again after its catch-up gets another catch-up', () => {
    const router = new Router<string>();
    router.panelConnected('panel');
    router.received('panel', { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 }, T0);
    router.frameConnected('content', 1, frame, T0);
    const flood = (now: number) => {
      let count = 0;
      for (let i = 0; i < RATE.burst + 5; i++) count += later(router.received('content', fromPage(snapshot([])), now));
      return count;
    };
    expect(flood(T0)).toBe(1);
    expect(posts(router.catchUp('content'))).toEqual([['content', 'hello']]);
    expect(flood(T0 + 1)).toBe(1);
  });

  test('a catch-up due after the last panel closed says nothing to the frame', () => {
    const router = new Router<string>();
    router.panelConnected('panel');
    router.received('panel', { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 }, T0);
    router.frameConnected('content', 1, frame, T0);
    let scheduled = 0;
    for (let i = 0; i < RATE.burst + 5; i++) scheduled += later(router.received('content', fromPage(snapshot([])), T0));
    expect(scheduled).toBe(1);
    router.disconnected('panel');
    expect(router.catchUp('content')).toEqual([]);
  });

  test('a resync from a panel that has not subscribed to a tab yet asks no tab for anything', () => {
    const router = new Router<string>();
    router.panelConnected('panel');
    expect(router.received('panel', { source: PANEL_SOURCE, type: 'resync' }, T0)).toEqual([]);
  });

  test('a clock stepping back (the system time set back a minute) does not make the next message count as a flood', () => {
    const router = new Router<string>();
    router.panelConnected('panel');
    router.received('panel', { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 }, T0);
    router.frameConnected('content', 1, frame, T0);
    router.received('content', fromPage(snapshot([])), T0);
    const effects = router.received('content', fromPage(snapshot([channel({ id: 1 })])), T0 - 60_000);
    expect(effects.map((effect) => effect.kind)).toEqual(['post', 'store']);
  });
});

describe('the kept snapshots', () => {
  /** An in-memory storage.session area that answers in a later task. */
  function memoryArea() {
    const items = new Map<string, unknown>();
    const later = <T>(value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), 1));
    const area: SessionArea = {
      get: (key) => later(() => (key !== null && items.has(key) ? { [key]: structuredClone(items.get(key)) } : {})),
      set: (values) =>
        later(() => {
          for (const [k, v] of Object.entries(values)) items.set(k, structuredClone(v));
        }),
      remove: (key) => later(() => void items.delete(key)),
    };
    return { area, items };
  }
  const stored = (documentId: string) => ({
    frame: { frameId: 0, url: 'https://a.example/', documentId, origin: 'https://a.example' },
    snapshot: snapshot([channel({ id: 1 })]),
    receivedAt: T0,
  });

  test('a snapshot kept right after the tab was cleared, before the clear was written, is kept', async () => {
    const { area } = memoryArea();
    const store = new SnapshotStore(area);
    await store.apply({ op: 'put', tabId: 1, entry: stored('old') });
    void store.apply({ op: 'clear-tab', tabId: 1 });
    void store.apply({ op: 'put', tabId: 1, entry: stored('new') });
    expect((await store.read(1)).map((entry) => entry.frame.documentId)).toEqual(['new']);
  });

  test('a read while a write is under way writes nothing more', async () => {
    const { area } = memoryArea();
    const store = new SnapshotStore(area);
    const written = store.apply({ op: 'put', tabId: 1, entry: stored('a') });
    await Promise.resolve();
    await Promise.resolve();
    expect((await store.read(1)).map((entry) => entry.frame.documentId)).toEqual(['a']);
    await written;
    expect(store.writes).toBe(1);
  });

  test('a frame’s newer snapshot, written after the first was stored, replaces it', async () => {
    const { area } = memoryArea();
    const store = new SnapshotStore(area);
    await store.apply({ op: 'put', tabId: 1, entry: stored('a') });
    await store.apply({ op: 'put', tabId: 1, entry: { ...stored('a'), receivedAt: T0 + 1 } });
    expect((await store.read(1)).map((entry) => entry.receivedAt)).toEqual([T0 + 1]);
  });

  test('two copies of chanasync and two Workers in one document are all kept', async () => {
    const { area } = memoryArea();
    const store = new SnapshotStore(area);
    const base = stored('a');
    const variants = [
      { ...base, snapshot: { ...base.snapshot, instance: 'copyone' } },
      { ...base, snapshot: { ...base.snapshot, instance: 'copytwo' } },
      { ...base, snapshot: { ...base.snapshot, context: { kind: 'worker', url: 'https://a.example/x.js' } } },
      { ...base, snapshot: { ...base.snapshot, context: { kind: 'worker', url: 'https://a.example/y.js' } } },
    ] as const;
    for (const entry of variants) await store.apply({ op: 'put', tabId: 1, entry });
    expect(await store.read(1)).toHaveLength(4);
  });

  test('a snapshot too large for the tab’s budget is left out, and the older ones that fit are still kept', async () => {
    const { area } = memoryArea();
    const store = new SnapshotStore(area);
    const createdAt = 'x'.repeat(4000);
    const count = Math.ceil(TAB_BUDGET_CHARS / 4000) + 10;
    const huge = {
      ...stored('big'),
      snapshot: snapshot(Array.from({ length: count }, (_, i) => channel({ id: i + 1, createdAt }))),
      receivedAt: T0 + 1,
    };
    await store.apply({ op: 'put', tabId: 1, entry: stored('small') });
    await store.apply({ op: 'put', tabId: 1, entry: huge });
    expect((await store.read(1)).map((entry) => entry.frame.documentId)).toEqual(['small']);
  });
});
