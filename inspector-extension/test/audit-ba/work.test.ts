/**
 * Audit BA, findings BA-1 and BA-2, as counts of work: what a cross-origin frame's forged
 * snapshots of 1000 channels cost the service worker and the panel must be in proportion to
 * what changed — not to everything the panel holds, nor to everything the tab has kept. The
 * latencies themselves are measured in `forged-load.test.ts` (skipped in `npm test`).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SnapshotMessage } from '../../../src/protocol.js';
import { Router } from '../../src/background/router.js';
import { type SessionArea, SnapshotStore } from '../../src/background/store.js';
import {
  CONTENT_SOURCE,
  type FrameInfo,
  jsonChars,
  jsonCharsBound,
  MAX_MESSAGE_CHARS,
  PANEL_SOURCE,
  type StoredFrame,
} from '../../src/messages.js';
import {
  DEFAULT_VIEW,
  EMPTY_DATA,
  frameRowsBuiltCount,
  type PanelData,
  rowsOf,
  withSnapshot,
} from '../../src/panel/model.js';
import { channel, snapshot, T0, TOP, waiter } from '../snapshots.js';

const AD: FrameInfo = {
  frameId: 9,
  url: 'https://ads.example/ad.html',
  documentId: 'doc-ad',
  origin: 'https://ads.example',
};

/** A forged snapshot as `forger.js` posts it: 1000 channels, each with a push parked for an hour. */
const forged = (instance: number, seq = 1) =>
  ({
    ...snapshot(
      Array.from({ length: 1000 }, (_, i) =>
        channel({ id: i + 1, name: `forged-${instance}-${i + 1}`, pushers: [waiter('push', 3_600_000)] }),
      ),
      { seq },
    ),
    instance: `forged${instance}`,
  }) as SnapshotMessage;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the service worker measures a message without serializing it', () => {
  it('a forged snapshot of 1000 channels is relayed with no JSON.stringify', () => {
    const router = new Router<string>();
    router.panelConnected('panel');
    router.received('panel', { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 }, T0);
    router.frameConnected('content', 1, AD, T0);
    const message = forged(1);
    const stringify = vi.spyOn(JSON, 'stringify');
    const effects = router.received('content', { source: CONTENT_SOURCE, type: 'page', message }, T0);
    expect(stringify).not.toHaveBeenCalled();
    expect(effects.some((e) => e.kind === 'post' && (e.message as { type: string }).type === 'snapshot')).toBe(true);
  });

  it('the bound is never below the JSON size, and gives way to measuring past the limit', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(5000), (value, limit) => {
        const exact = jsonChars(value) ?? 0;
        const bound = jsonCharsBound(value, limit);
        if (bound === undefined) return;
        expect(bound).toBeGreaterThanOrEqual(exact);
        expect(bound).toBeLessThanOrEqual(limit);
      }),
    );
    expect(jsonCharsBound(forged(1), MAX_MESSAGE_CHARS)).toBeGreaterThanOrEqual(jsonChars(forged(1)) ?? 0);
    expect(jsonCharsBound({ big: 1n }, MAX_MESSAGE_CHARS)).toBeUndefined();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonCharsBound(cycle, MAX_MESSAGE_CHARS)).toBeUndefined();
    expect(jsonCharsBound('x'.repeat(1000), 5000)).toBeUndefined(); // 6002 > 5000: measure it
  });
});

/** A storage area that records what is written. */
function memoryArea() {
  const items = new Map<string, unknown>();
  const sets: Record<string, unknown>[] = [];
  const area: SessionArea = {
    get: async (key) => (key === null ? Object.fromEntries(items) : items.has(key) ? { [key]: items.get(key) } : {}),
    set: async (values) => {
      sets.push(values);
      for (const [key, value] of Object.entries(values)) items.set(key, value);
    },
    remove: async (key) => void items.delete(key),
  };
  return { area, items, sets };
}

const entryOf = (instance: number, receivedAt: number): StoredFrame => ({
  frame: AD,
  snapshot: forged(instance),
  receivedAt,
});

describe('the store paces each tab’s writes by their size', () => {
  it('a tab that keeps posting waits after each write in proportion to it; a read does not wait, another tab neither', async () => {
    const { area, items, sets } = memoryArea();
    let now = T0;
    // 1000 characters a second, on a clock the test moves.
    const store = new SnapshotStore(
      area,
      () => {},
      1000,
      () => now,
    );
    await store.apply({ op: 'put', tabId: 1, entry: entryOf(1, T0) }); // a quiet tab writes at once
    expect(store.writes).toBe(1);
    const written = items.get('tab:1');
    expect(typeof written).toBe('string'); // one JSON string: stored at the cost of a copy
    // Its next changes wait (the record was far over 1000 characters), coalesced meanwhile.
    for (let i = 2; i < 40; i++) void store.apply({ op: 'put', tabId: 1, entry: entryOf(i, T0 + i) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.writes).toBe(1);
    // Another tab is not held up by tab 1's pacing.
    await store.apply({ op: 'put', tabId: 2, entry: { ...entryOf(1, T0), frame: TOP } });
    expect(store.writes).toBe(2);
    // A read (a panel opening) flushes tab 1 at once: one write, with every change queued.
    now += 1;
    const kept = await store.read(1);
    expect(store.writes).toBe(3);
    expect(sets).toHaveLength(3);
    expect(kept.map((entry) => entry.receivedAt)).toContain(T0 + 39);
    // Each entry written was serialized once, though the record was written with it again.
    expect(store.serialized).toBeLessThanOrEqual(1 + 1 + 38);
  });
});

describe('the panel derives rows in proportion to what changed', () => {
  /** The page's two channels, then `contexts` forged contexts of 1000 channels. */
  function loaded(contexts: number): PanelData {
    let data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, name: 'real-stuck' }), channel({ id: 2, name: 'real-ticks', capacity: 1000 })], {
        seq: 1,
      }),
      T0,
    );
    for (let i = 0; i < contexts; i++) data = withSnapshot(data, AD, forged(i), T0 + 50 * (i + 1));
    return data;
  }

  it('a snapshot of one context rebuilds that context’s rows only, and the ranking is what a full rebuild gives', () => {
    const data = loaded(19);
    const view = DEFAULT_VIEW;
    const now = T0 + 10_000;
    const first = rowsOf(data, view, now);
    expect(first.rows).toHaveLength(19_002);
    const built = frameRowsBuiltCount();
    // The page changes: only its context is derived again.
    const changed = snapshot(
      [channel({ id: 1, name: 'real-stuck' }), channel({ id: 2, name: 'real-ticks', capacity: 1000, size: 1 })],
      { seq: 2 },
    );
    const next = withSnapshot(data, TOP, changed, T0 + 2000);
    const second = rowsOf(next, view, now + 1);
    expect(frameRowsBuiltCount() - built).toBe(1);
    expect(second.rows.find((row) => row.label === 'real-ticks')?.channel?.size).toBe(1);
    // The same rows, in the same order, as deriving every context afresh (new states: nothing cached).
    const fresh = rowsOf(withSnapshot(loaded(19), TOP, changed, T0 + 2000), view, now + 1);
    expect(second.rows.map((row) => `${row.key} ${row.state}`)).toEqual(
      fresh.rows.map((row) => `${row.key} ${row.state}`),
    );
    // Repaints with nothing new build nothing.
    const before = frameRowsBuiltCount();
    rowsOf(next, view, now + 2);
    rowsOf(next, view, now + 500);
    expect(frameRowsBuiltCount() - before).toBe(0);
    for (const sort of ['name', 'occupancy', 'waiters'] as const) {
      const resorted = rowsOf(next, { ...view, sort }, now + 1).rows.map((row) => row.key);
      const afresh = rowsOf(withSnapshot(loaded(19), TOP, changed, T0 + 2000), { ...view, sort }, now + 1).rows;
      expect(resorted).toEqual(afresh.map((row) => row.key));
    }
  });

  it('rows the filter hides are not built: with the filter on the page’s rows, a forged context of 1000 builds none', () => {
    const data = loaded(10);
    const view = { ...DEFAULT_VIEW, filter: 'real-' };
    expect(rowsOf(data, view, T0 + 10_000).rows.map((row) => row.label)).toEqual(['real-stuck', 'real-ticks']);
    const next = withSnapshot(data, AD, forged(3, 2), T0 + 5000); // one forged context changes
    const before = frameRowsBuiltCount();
    const rows = rowsOf(next, view, T0 + 10_001).rows;
    expect(frameRowsBuiltCount() - before).toBe(1);
    expect(rows.map((row) => row.label)).toEqual(['real-stuck', 'real-ticks']);
  });

  it('a wait that turns stuck with time alone is re-derived for its context when it does', () => {
    let data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, name: 'slow', pullers: [waiter('pull', 0)] })], { seq: 1 }),
      T0,
    );
    data = withSnapshot(data, AD, forged(1), T0);
    const view = { ...DEFAULT_VIEW, thresholdMs: 5000 };
    const early = rowsOf(data, view, T0 + 1000);
    expect(early.rows.find((row) => row.label === 'slow')?.state).toBe('waiting');
    expect(early.validUntil).toBe(T0 + 5000);
    const before = frameRowsBuiltCount();
    const late = rowsOf(data, view, T0 + 5000);
    expect(late.rows.find((row) => row.label === 'slow')?.state).toBe('stuck');
    expect(frameRowsBuiltCount() - before).toBe(1); // only the page's context was derived again
  });
});
