/**
 * The kept snapshots (src/background/store.ts) over a fake `storage.session` whose operations
 * take time, as the real one's do: the queue must keep overlapping read-modify-writes from
 * losing each other's updates.
 */
import { describe, expect, test } from 'vitest';
import { within } from '../../test/helpers/programs-go.js';
import { type SessionArea, SnapshotStore, TAB_BUDGET_CHARS } from '../src/background/store.js';
import type { FrameInfo, StoredFrame } from '../src/messages.js';
import { channel, snapshot, T0 } from './snapshots.js';

/** An in-memory StorageArea that answers after a few milliseconds, and can fail writes. */
function slowArea(options: { failSet?: boolean } = {}) {
  const items = new Map<string, unknown>();
  const later = <T>(value: () => T) =>
    new Promise<T>((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(value());
        } catch (error) {
          reject(error);
        }
      }, Math.random() * 5),
    );
  const area: SessionArea = {
    get: (key) =>
      later(() =>
        key === null
          ? Object.fromEntries([...items].map(([k, v]) => [k, structuredClone(v)]))
          : items.has(key)
            ? { [key]: structuredClone(items.get(key)) }
            : {},
      ),
    set: (values) =>
      later(() => {
        if (options.failSet) throw new Error('QUOTA_BYTES quota exceeded');
        for (const [key, value] of Object.entries(values)) items.set(key, structuredClone(value));
      }),
    remove: (key) => later(() => void items.delete(key)),
  };
  return { area, items };
}

const frame = (documentId: string, frameId = 0): FrameInfo => ({
  frameId,
  url: 'https://a.example/',
  documentId,
  origin: 'https://a.example',
});
const entry = (documentId: string, size = 0): StoredFrame => ({
  frame: frame(documentId),
  snapshot: snapshot([channel({ id: 1, capacity: 10, size })]),
  receivedAt: T0,
});

describe('SnapshotStore', () => {
  test('overlapping updates of one tab from several frames all land (the queue serializes them)', async () => {
    const { area } = slowArea();
    const store = new SnapshotStore(area);
    const writes = ['a', 'b', 'c', 'd', 'e'].map((id) => store.apply({ op: 'put', tabId: 1, entry: entry(id) }));
    await Promise.all(writes);
    expect((await store.read(1)).map((e) => e.frame.documentId).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a read sees every update queued before it, and a frame keeps only its last snapshot', async () => {
    const store = new SnapshotStore(slowArea().area);
    void store.apply({ op: 'put', tabId: 1, entry: entry('a', 1) });
    void store.apply({ op: 'put', tabId: 1, entry: entry('a', 2) });
    const read = await store.read(1);
    expect(read).toHaveLength(1);
    expect(read[0]?.snapshot.channels[0]?.size).toBe(2);
  });

  test('tabs are kept apart, and removing a frame or clearing a tab affects only that', async () => {
    const { area, items } = slowArea();
    const store = new SnapshotStore(area);
    void store.apply({ op: 'put', tabId: 1, entry: entry('a') });
    void store.apply({ op: 'put', tabId: 1, entry: entry('b') });
    void store.apply({ op: 'put', tabId: 2, entry: entry('c') });
    void store.apply({ op: 'remove-frame', tabId: 1, documentId: 'a' });
    expect((await store.read(1)).map((e) => e.frame.documentId)).toEqual(['b']);
    expect((await store.read(2)).map((e) => e.frame.documentId)).toEqual(['c']);
    await store.apply({ op: 'clear-tab', tabId: 2 });
    expect(await store.read(2)).toEqual([]);
    expect([...items.keys()]).toEqual(['tab:1']);
    await store.apply({ op: 'remove-frame', tabId: 1, documentId: 'b' });
    expect(items.size).toBe(0); // an empty tab leaves no key behind
  });

  test('kept entries that no longer pass the guards are dropped when read', async () => {
    const { area, items } = slowArea();
    items.set('tab:1', [
      entry('good'),
      { ...entry('bad'), snapshot: { source: 'chanasync', type: 'snapshot' } },
      'junk',
    ]);
    const store = new SnapshotStore(area);
    expect((await store.read(1)).map((e) => e.frame.documentId)).toEqual(['good']);
    items.set('tab:2', { not: 'an array' });
    expect(await store.read(2)).toEqual([]);
  });

  test('a failed write (over quota) drops the tab’s entry and the queue goes on', async () => {
    const { area, items } = slowArea({ failSet: true });
    const errors: unknown[] = [];
    const store = new SnapshotStore(area, (error) => errors.push(error));
    items.set('tab:1', [entry('old')]);
    await store.apply({ op: 'put', tabId: 1, entry: entry('new') });
    expect(errors).toHaveLength(1);
    expect(items.has('tab:1')).toBe(false);
    expect(await store.read(1)).toEqual([]);
  });

  test('without storage.session, nothing is kept and nothing fails', async () => {
    const store = new SnapshotStore(undefined);
    await store.apply({ op: 'put', tabId: 1, entry: entry('a') });
    expect(await store.read(1)).toEqual([]);
  });

  test('writes are coalesced per document: a burst of snapshots costs a write or two, and the last one wins', async () => {
    const { area } = slowArea();
    const store = new SnapshotStore(area);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) writes.push(store.apply({ op: 'put', tabId: 1, entry: entry('a', i % 10) }));
    writes.push(store.apply({ op: 'put', tabId: 1, entry: entry('a', 7) }));
    await Promise.all(writes);
    expect(store.writes).toBeLessThanOrEqual(2);
    expect((await store.read(1))[0]?.snapshot.channels[0]?.size).toBe(7);
  });

  test('a tab flooding the store does not delay another tab’s read', async () => {
    const items = new Map<string, unknown>();
    // Writes of tab 1 hang until the end of the test; everything else answers at once. A read of
    // tab 2 queued behind them would never come back (`within` is only a hang guard).
    let release = () => {};
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    const area: SessionArea = {
      get: async (key) => (key !== null && items.has(key) ? { [key]: structuredClone(items.get(key)) } : {}),
      set: async (values) => {
        if ('tab:1' in values) await stalled;
        for (const [key, value] of Object.entries(values)) items.set(key, structuredClone(value));
      },
      remove: async (key) => void items.delete(key),
    };
    const store = new SnapshotStore(area);
    await store.apply({ op: 'put', tabId: 2, entry: entry('victim') });
    const flood: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) flood.push(store.apply({ op: 'put', tabId: 1, entry: entry(`flood-${i % 3}`) }));
    const read = await within(2000, 'a read of tab 2 behind tab 1’s writes', store.read(2)).finally(release);
    await Promise.all(flood);
    expect(read.map((e) => e.frame.documentId)).toEqual(['victim']);
  });

  test('a tab’s record keeps only its newest frames within the per-tab budget', async () => {
    const { area, items } = slowArea();
    const store = new SnapshotStore(area);
    const big = (documentId: string, receivedAt: number): StoredFrame => ({
      ...entry(documentId),
      snapshot: snapshot(
        [channel({ id: 1, name: 'x'.repeat(200) })].concat(
          Array.from({ length: 999 }, (_, i) =>
            channel({ id: i + 2, name: 'y'.repeat(200), createdAt: 'z'.repeat(1400) }),
          ),
        ),
      ),
      receivedAt,
    });
    await store.apply({ op: 'put', tabId: 1, entry: big('old', T0) });
    await store.apply({ op: 'put', tabId: 1, entry: big('new', T0 + 1) });
    const written = items.get('tab:1') as string; // the record, as one JSON string
    const kept = JSON.parse(written) as StoredFrame[];
    expect(kept.map((e) => e.frame.documentId)).toEqual(['new']);
    expect(written.length).toBeLessThanOrEqual(TAB_BUDGET_CHARS);
  });

  test('a flush starts from the record it wrote last: it neither reads it back nor measures its entries again (audit BA)', async () => {
    const { area, items } = slowArea();
    let gets = 0;
    const counted: SessionArea = {
      ...area,
      get: (key) => {
        gets++;
        return area.get(key);
      },
    };
    const store = new SnapshotStore(counted);
    items.set('tab:1', [entry('kept-by-an-earlier-worker')]);
    await store.apply({ op: 'put', tabId: 1, entry: entry('a', 1) });
    expect(gets).toBe(1); // the first flush of the tab reads what an earlier worker kept
    const measured: unknown[] = [];
    const stringify = JSON.stringify;
    JSON.stringify = ((value: unknown, ...rest: []) => {
      measured.push(value);
      return stringify(value, ...rest);
    }) as typeof JSON.stringify;
    try {
      for (let i = 2; i < 6; i++) await store.apply({ op: 'put', tabId: 1, entry: entry(`b${i}`, i) });
    } finally {
      JSON.stringify = stringify;
    }
    expect(gets).toBe(1);
    expect(measured).toHaveLength(4); // each new entry once; the kept ones not again
    const kept = (await store.read(1)).map((e) => e.frame.documentId).sort();
    expect(kept).toEqual(['a', 'b2', 'b3', 'b4', 'b5', 'kept-by-an-earlier-worker']);
  });

  test('after a failed write, the next flush reads the record from storage again', async () => {
    const { area, items } = slowArea();
    let failing = false;
    let gets = 0;
    const flaky: SessionArea = {
      ...area,
      get: (key) => {
        gets++;
        return area.get(key);
      },
      set: (values) => (failing ? Promise.reject(new Error('QUOTA_BYTES quota exceeded')) : area.set(values)),
    };
    const store = new SnapshotStore(flaky, () => {});
    await store.apply({ op: 'put', tabId: 1, entry: entry('a') });
    failing = true;
    await store.apply({ op: 'put', tabId: 1, entry: entry('b') });
    expect(items.has('tab:1')).toBe(false); // better nothing than a stale entry
    failing = false;
    const before = gets;
    await store.apply({ op: 'put', tabId: 1, entry: entry('c') });
    expect(gets).toBe(before + 1);
    expect((await store.read(1)).map((e) => e.frame.documentId)).toEqual(['c']);
  });

  test('records of tabs without a panel are removed by retain', async () => {
    const { area, items } = slowArea();
    const store = new SnapshotStore(area);
    await store.apply({ op: 'put', tabId: 1, entry: entry('a') });
    await store.apply({ op: 'put', tabId: 2, entry: entry('b') });
    await store.retain((tabId) => tabId === 2);
    expect([...items.keys()]).toEqual(['tab:2']);
  });
});
