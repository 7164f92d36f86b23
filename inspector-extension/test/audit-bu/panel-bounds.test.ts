/**
 * Audit BU (inspector): the page's own rows and leaks stay when frames crowd the panel, also
 * when a frame spreads over many nested documents each holding fewer than the page (README
 * "Bounded contexts": "the page's own rows stay … never the page's"); a cleared leak of a
 * relayed Worker stays cleared when its relay stops and starts again (README: "a cleared leak
 * does not come back when the page lists it again").
 */
import { describe, expect, it } from 'vitest';
import type { LeakSnapshot, SnapshotMessage } from '../../../src/protocol.js';
import type { FrameInfo } from '../../src/messages.js';
import {
  cleared,
  DEFAULT_VIEW,
  EMPTY_DATA,
  MAX_CHANNELS,
  type PanelData,
  rowsOf,
  withSnapshot,
} from '../../src/panel/model.js';
import { channel, snapshot, T0, TOP } from '../snapshots.js';

/** A nested document of a cross-origin frame (`srcdoc`), the `i`th. */
const nested = (i: number): FrameInfo => ({
  frameId: 100 + i,
  url: 'about:srcdoc',
  documentId: `doc-forged-${i}`,
  origin: 'https://ads.example',
});
const channels = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => channel({ id: i + 1, name: `${prefix}-${i}` }));
const total = (data: PanelData) => [...data.frames.values()].reduce((sum, state) => sum + state.channels.length, 0);
const leak = (id: number, name: string): LeakSnapshot => ({
  id,
  kind: 'pull',
  since: T0 - 1000,
  detectedAt: T0 - 10,
  channel: { id: 1000 + id, name, capacity: 0 },
});

describe('a frame spread over many nested documents', () => {
  it("pushes out its own documents, never the page's rows, which come back with the page's next snapshot", () => {
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot(channels(100, 'real'), { seq: 1 }), T0);
    let at = T0;
    const forged = Math.ceil(MAX_CHANNELS / 99) + 3;
    for (let i = 0; i < forged; i++) {
      at += 10;
      data = withSnapshot(data, nested(i), snapshot(channels(99, `forged${i}`), { seq: 1 }) as SnapshotMessage, at);
    }
    expect(total(data)).toBeLessThanOrEqual(MAX_CHANNELS);
    const crowded = data.notices.filter((notice) => notice.reason === 'crowded').map((n) => n.frame.documentId);
    expect(crowded).not.toContain(TOP.documentId);
    expect(crowded.length).toBeGreaterThan(0);
    expect(rowsOf(data, { ...DEFAULT_VIEW, filter: 'real-' }, at).rows).toHaveLength(100);
    data = withSnapshot(data, TOP, snapshot(channels(100, 'real'), { seq: 2 }), at + 1000);
    expect(rowsOf(data, { ...DEFAULT_VIEW, filter: 'real-' }, at + 1000).rows).toHaveLength(100);
  });

  it("pushes out its own leaks, never the page's", () => {
    const pageLeaks = Array.from({ length: 5 }, (_, i) => leak(i + 1, `real-${i}`));
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { seq: 1, leaked: pageLeaks }), T0);
    let at = T0;
    for (let i = 0; i < 300; i++) {
      at += 10;
      const forged = Array.from({ length: 4 }, (_, j) => leak(j + 1, `forged-${i}-${j}`));
      data = withSnapshot(data, nested(i), snapshot([], { seq: 1, leaked: forged }), at);
    }
    expect(data.leaksDropped).toBeGreaterThan(0);
    expect(data.leaks.filter((entry) => entry.frame.documentId === TOP.documentId)).toHaveLength(5);
  });

  it('the page alone over the bound is still cut down (stalest contexts first)', () => {
    const worker = (n: number) => ({ kind: 'worker' as const, url: `https://app.example/w${n}.js` });
    let data = EMPTY_DATA;
    for (let n = 0; n < 3; n++) {
      data = withSnapshot(
        data,
        TOP,
        snapshot(channels(MAX_CHANNELS / 2, `w${n}`), { seq: 1, context: worker(n) }),
        T0 + n,
      );
    }
    expect(total(data)).toBeLessThanOrEqual(MAX_CHANNELS);
    expect(rowsOf(data, { ...DEFAULT_VIEW, filter: 'w2-' }, T0 + 10).rows).toHaveLength(MAX_CHANNELS / 2);
  });
});

describe('a cleared leak of a relayed Worker', () => {
  it('stays cleared after the relay stops (an empty snapshot) and the Worker is relayed again', () => {
    const worker = { kind: 'worker' as const, url: 'https://app.example/pool-worker.js' };
    const jobs = leak(1, 'jobs');
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { seq: 1 }), T0);
    data = withSnapshot(data, TOP, snapshot([], { seq: 1, context: worker, leaked: [jobs] }), T0 + 10);
    expect(data.leaks).toHaveLength(1);
    data = cleared(data);
    data = withSnapshot(data, TOP, snapshot([], { seq: 2, context: worker, leaked: [jobs] }), T0 + 30);
    expect(data.leaks).toHaveLength(0);
    data = withSnapshot(data, TOP, snapshot([], { seq: 3, context: worker }), T0 + 40); // relay stopped
    data = withSnapshot(data, TOP, snapshot([], { seq: 4, context: worker, leaked: [jobs] }), T0 + 50); // again
    expect(data.leaks).toHaveLength(0);
  });

  it('a new leak of that Worker still shows', () => {
    const worker = { kind: 'worker' as const, url: 'https://app.example/pool-worker.js' };
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { seq: 1, context: worker, leaked: [leak(1, 'jobs')] }), T0);
    data = cleared(data);
    data = withSnapshot(data, TOP, snapshot([], { seq: 2, context: worker }), T0 + 10);
    data = withSnapshot(
      data,
      TOP,
      snapshot([], { seq: 3, context: worker, leaked: [leak(1, 'jobs'), leak(2, 'results')] }),
      T0 + 20,
    );
    expect(data.leaks.map((entry) => entry.leak.channel.name)).toEqual(['results']);
  });
});
