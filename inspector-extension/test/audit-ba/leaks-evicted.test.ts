/**
 * Audit BA, finding BA-3: one frame's forged leaks push another frame's real leaks out of the
 * panel (model level: what the panel lists).
 */
import { describe, expect, it } from 'vitest';
import type { LeakSnapshot } from '../../../src/protocol.js';
import type { FrameInfo } from '../../src/messages.js';
import { DEFAULT_VIEW, EMPTY_DATA, type PanelData, rowsOf, withSnapshot } from '../../src/panel/model.js';
import { snapshot, T0, TOP } from '../snapshots.js';

/** A cross-origin frame of the page (an ad) that posts forged snapshots. */
const AD: FrameInfo = {
  frameId: 9,
  url: 'https://ads.example/ad.html',
  documentId: 'doc-ad',
  origin: 'https://ads.example',
};

const leak = (id: number, name: string): LeakSnapshot => ({
  id,
  kind: 'push',
  since: T0 - 60_000,
  detectedAt: T0 - 1000,
  channel: { id, name, capacity: 0 },
});

/** The page's real leak, then `batches` forged snapshots of 100 new leaks each from the ad frame, 50 ms apart. */
function attacked(batches: number): PanelData {
  let data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak(1, 'real-reply')], seq: 1 }), T0);
  for (let batch = 0; batch < batches; batch++) {
    const leaked = Array.from({ length: 100 }, (_, i) => leak(batch * 100 + i + 1, `forged-${batch}-${i}`));
    data = withSnapshot(data, AD, snapshot([], { leaked, seq: batch + 1 }), T0 + 50 * (batch + 1));
  }
  return data;
}

const leakLabels = (data: PanelData) =>
  rowsOf(data, DEFAULT_VIEW, T0 + 10_000)
    .rows.filter((row) => row.kind === 'leak')
    .map((row) => row.label);

describe('leaks of the top page stay listed until Clear, whatever another frame posts', () => {
  it('probe: with 9 forged batches (900 leaks) the real leak is still listed', () => {
    expect(leakLabels(attacked(9))).toContain('real-reply');
  });

  it("a cross-origin frame posting 1000 forged leaks (half a second of its rate limit) does not push the top page's real leak out", () => {
    const data = attacked(10);
    expect(leakLabels(data)).toContain('real-reply');
  });
});
