/**
 * Audit BV-D1: a page that holds 100 leaks. Its snapshots kept the oldest 100 and counted the
 * rest, so leak 101 and every later one never got a row in the panel — not even after the
 * panel's Clear (which forgets in the panel only: the next snapshot listed the same 100, still
 * dismissed, and the new leak was a count in `truncated.leaks`). Snapshots now keep the newest
 * 100; a connected panel keeps the older ones it was sent.
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameInfo } from '../../src/messages.js';
import { cleared, DEFAULT_VIEW, EMPTY_DATA, type PanelData, rowsOf, withSnapshot } from '../../src/panel/model.js';

const TOP: FrameInfo = { frameId: 0, url: 'https://app.example/', documentId: 'doc1', origin: 'https://app.example' };
const gc = (globalThis as { gc?: () => void }).gc!;
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 60 && !done(); i++) {
    await tick(0);
    gc();
    await tick(1);
  }
  expect(done()).toBe(true);
}

/** A capacity-0 channel whose pull parks, dropped at once: one leak once collected. */
function abandon(name: string): void {
  const channel = new Channel<number>(0, { name });
  channel.pull().catch(() => {});
}

const listedLeaks = () => snapshot().leaked?.length ?? 0;
const omitted = () => snapshot().truncated?.leaks ?? 0;

afterEach(() => disableDebug());

describe('a page past 100 leaks (audit BV-D1)', () => {
  let seq = 0;
  let now = Date.now();
  /** `data` after the page's current snapshot, as posted to a connected inspector. */
  const feed = (data: PanelData) =>
    withSnapshot(data, TOP, structuredClone({ ...snapshot(), seq: ++seq }) as never, ++now);
  const leakRows = (data: PanelData) =>
    rowsOf(data, DEFAULT_VIEW, now)
      .rows.filter((row) => row.kind === 'leak')
      .map((row) => row.label);

  it('a later leak is listed by the page and gets a row after the panel’s Clear', async () => {
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    for (let i = 0; i < 100; i++) abandon(`early-${i}`);
    await collectUntil(() => listedLeaks() === 100);
    let data = feed(EMPTY_DATA);
    expect(leakRows(data)).toHaveLength(100);

    data = cleared(data); // the user presses Clear
    expect(leakRows(feed(data))).toEqual([]);
    abandon('later-leak');
    await collectUntil(() => omitted() === 1);
    const page = snapshot();
    expect(page.leaked).toHaveLength(100);
    expect(page.leaked!.at(-1)!.channel.name).toBe('later-leak');
    expect(page.leaked![0]!.channel.name).toBe('early-1'); // the oldest left out, and counted
    data = feed(data);
    expect(leakRows(data)).toEqual(['later-leak']);
  });

  it('without Clear, a connected panel lists all 101: the one the page left out it had already', async () => {
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    for (let i = 0; i < 100; i++) abandon(`old-${i}`);
    await collectUntil(() => listedLeaks() === 100);
    let data = feed(EMPTY_DATA);
    abandon('new-leak');
    await collectUntil(() => omitted() === 1);
    data = feed(data);
    const rows = leakRows(data);
    expect(rows).toHaveLength(101);
    expect(rows).toContain('old-0');
    expect(rows).toContain('new-leak');
  });
});
