/**
 * Audit BA, finding BA-1 at the model level: the panel holds at most MAX_CHANNELS channels
 * across every context, and a frame that names new contexts of 1000 channels gives way — its
 * own stalest contexts leave, with a `crowded` notice — never the page's.
 */
import { describe, expect, it } from 'vitest';
import type { SnapshotMessage } from '../../../src/protocol.js';
import type { FrameInfo } from '../../src/messages.js';
import { DEFAULT_VIEW, EMPTY_DATA, MAX_CHANNELS, type PanelData, rowsOf, withSnapshot } from '../../src/panel/model.js';
import { channel, snapshot, T0, TOP } from '../snapshots.js';

const AD: FrameInfo = {
  frameId: 9,
  url: 'https://ads.example/ad.html',
  documentId: 'doc-ad',
  origin: 'https://ads.example',
};
const NESTED: FrameInfo = { ...AD, frameId: 10, documentId: 'doc-ad-nested' };

const many = (count: number, from: number) =>
  Array.from({ length: count }, (_, i) => channel({ id: from + i, name: `forged-${from + i}` }));
const withInstance = (message: SnapshotMessage, instance: string) => ({ ...message, instance }) as SnapshotMessage;

const total = (data: PanelData) => [...data.frames.values()].reduce((sum, state) => sum + state.channels.length, 0);

/** The page's two channels, then `contexts` forged contexts of 1000 channels from each of `frames`, 50 ms apart. */
function crowded(contexts: number, frames: readonly FrameInfo[]): PanelData {
  let data = withSnapshot(
    EMPTY_DATA,
    TOP,
    snapshot([channel({ id: 1, name: 'real-stuck' }), channel({ id: 2, name: 'real-ticks' })], { seq: 1 }),
    T0,
  );
  let at = T0;
  for (let i = 0; i < contexts; i++) {
    for (const frame of frames) {
      at += 50;
      data = withSnapshot(data, frame, withInstance(snapshot(many(1000, 1000 * i), { seq: 1 }), `forged-${i}`), at);
    }
  }
  return data;
}

describe('the panel holds a bounded number of channels whatever a frame posts', () => {
  it('under the bound, nothing leaves and there is no notice', () => {
    const data = crowded(10, [AD]);
    expect(total(data)).toBe(10_002);
    expect(data.notices).toEqual([]);
  });

  it("64 forged contexts of 1000 channels from a frame and its nested copy: at most MAX_CHANNELS held, the page's rows listed", () => {
    const data = crowded(64, [AD, NESTED]);
    expect(total(data)).toBeLessThanOrEqual(MAX_CHANNELS);
    const labels = rowsOf(data, { ...DEFAULT_VIEW, filter: 'real-' }, T0 + 10_000).rows.map((row) => row.label);
    expect(labels.sort()).toEqual(['real-stuck', 'real-ticks']);
    // The forging documents gave way, each with one crowded notice counting its contexts.
    const notices = data.notices.filter((notice) => notice.reason === 'crowded');
    expect(notices.map((notice) => notice.frame.documentId).sort()).toEqual(['doc-ad', 'doc-ad-nested']);
    expect(notices.every((notice) => notice.count > 0)).toBe(true);
    expect(notices.some((notice) => notice.frame.documentId === TOP.documentId)).toBe(false);
  });

  it('the newest forged context is kept and the stalest left (so the frame shows its latest)', () => {
    const data = crowded(30, [AD]);
    const instances = [...data.frames.values()]
      .filter((state) => state.frame.documentId === AD.documentId)
      .map((state) => state.context.instance);
    expect(instances).toContain('forged-29');
    expect(instances).not.toContain('forged-0');
    expect(total(data)).toBeLessThanOrEqual(MAX_CHANNELS);
  });
});
