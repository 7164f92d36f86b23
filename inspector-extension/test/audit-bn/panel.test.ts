/**
 * Audit BN: what a developer hunting a stuck channel sees in the panel (opened as a tab, Debian's
 * Chromium, dist/chrome as built), compared with what `snapshot()` in the page says.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { cell, inspect, POLL, rows, sleep } from '../audit-bf/bf.js';
import { loadFixture } from '../harness.mjs';
import { row, text } from '../panel-rows.js';

const env = useBuiltExtension();
/** bf.ts resolves fixtures under audit-bf/fixtures; ours are beside this file. */
const FIX = '../../audit-bn/fixtures';
const BN = '/inspector-extension/test/audit-bn/fixtures';

interface Waiter {
  kind: string;
}
interface Snap {
  channels: {
    id: number;
    name?: string;
    capacity: number | null;
    size: number;
    pushers: Waiter[];
    pullers: Waiter[];
    waiting?: { pushers: number; pullers: number };
  }[];
}

const snap = (page: Page) => page.evaluate(() => (window as unknown as { bn: { snapshot(): Snap } }).bn.snapshot());
const status = (panel: Page) => panel.locator('#status').textContent();
const stuckIn = (line: string | null) => Number(/(\d+) stuck/.exec(line ?? '')?.[1] ?? 0);
const names = async (panel: Page) => (await rows(panel)).map((r) => r.split(':')[0]);

async function open(threshold = '1') {
  const t = await inspect(env, `${FIX}/many.html`, { threshold });
  await t.panel.setViewportSize({ width: 1800, height: 2400 });
  // Polls the names, not a boolean: a failure then shows the rows there were (once, under load,
  // the frame's row had not come in 20 s).
  await expect.poll(() => names(t.panel), POLL).toContain('bn-frame-stuck');
  return t;
}

describe('the panel against snapshot()', () => {
  it('shows each channel with the capacity, buffered count and parked counts snapshot() reports', async () => {
    const t = await open();
    try {
      await sleep(1500);
      const s = await snap(t.page);
      expect(s.channels.length).toBeGreaterThan(25);
      const problems: string[] = [];
      for (const c of s.channels) {
        const label = c.name || `#${c.id}`;
        if ((await row(t.panel, label).count()) !== 1) {
          problems.push(`${label}: ${await row(t.panel, label).count()} rows`);
          continue;
        }
        const capacity = await cell(t.panel, label, '.col-capacity');
        const wantCapacity = c.capacity === null ? '∞' : String(c.capacity);
        if (capacity?.trim() !== wantCapacity) problems.push(`${label}: capacity ${capacity} ≠ ${wantCapacity}`);
        for (const q of ['pushers', 'pullers'] as const) {
          const want = c.waiting?.[q] ?? c[q].length;
          const shown = await text(row(t.panel, label).locator(`.col-${q} .count`));
          if ((shown ?? '0') !== String(want)) problems.push(`${label}: ${q} ${shown} ≠ ${want}`);
        }
        if (c.size > 0) {
          const occupancy = await cell(t.panel, label, '.col-occupancy');
          if (!occupancy?.includes(String(c.size))) problems.push(`${label}: occupancy "${occupancy}" lacks ${c.size}`);
        }
      }
      expect(problems).toEqual([]);
      // bn-crowd: 150 parked pushes, the list cut to 100 by the page, the true count in `waiting`.
      expect(await text(row(t.panel, 'bn-crowd').locator('.col-pushers .count'))).toBe('150');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });

  it('finds an unnamed channel by its #id in the filter', async () => {
    const t = await open();
    try {
      const id = await t.page.evaluate(() => (window as unknown as { unnamedId(): number }).unnamedId());
      await t.panel.fill('#filter', `#${id}`);
      await expect.poll(() => names(t.panel), POLL).toEqual([`#${id}`]);
    } finally {
      await t.done();
    }
  });
});

describe('the status line', () => {
  it('counts the stuck rows the table marks stuck', async () => {
    const t = await open();
    try {
      await expect
        .poll(async () => (await rows(t.panel)).filter((r) => r.endsWith(':stuck')).length, POLL)
        .toBeGreaterThanOrEqual(6);
      await sleep(500);
      const stuckRows = (await rows(t.panel)).filter((r) => r.endsWith(':stuck')).length;
      expect(stuckIn(await status(t.panel))).toBe(stuckRows);
    } finally {
      await t.done();
    }
  });

  it('keeps saying how many are stuck while a filter shows an idle channel (as it keeps the leaked count)', async () => {
    const t = await open();
    try {
      await expect.poll(async () => stuckIn(await status(t.panel)), POLL).toBeGreaterThanOrEqual(6);
      const before = stuckIn(await status(t.panel));
      await t.panel.fill('#filter', 'bn-half');
      await expect.poll(() => names(t.panel), POLL).toEqual(['bn-half']);
      const line = await status(t.panel);
      expect(line).toMatch(/1 shown/);
      // The channel total is the page's whole count; the stuck count should be too (or say it is of the shown rows).
      expect(stuckIn(line), `status with a filter: "${line}"`).toBe(before);
    } finally {
      await t.done();
    }
  });
});

describe('frames and documents going away', () => {
  it('drops the rows of a removed iframe, keeps the page’s, and the status stops counting two frames', async () => {
    const t = await open();
    try {
      expect(await status(t.panel)).toMatch(/2 frames/);
      await t.page.evaluate(() => (window as unknown as { bn: { removeFrame(): void } }).bn.removeFrame());
      await expect.poll(async () => (await names(t.panel)).includes('bn-frame-stuck'), POLL).toBe(false);
      expect(await names(t.panel)).toContain('bn-stuck-pull');
      await expect.poll(() => status(t.panel), POLL).not.toMatch(/frames/);
      // The Frame column is shown only when more than one frame reports.
      await expect.poll(() => t.panel.locator('.row .col-frame').count(), POLL).toBe(0);
    } finally {
      await t.done();
    }
  });

  it('after navigating to another page shows only its channels, not stuck before its own wait lasts the threshold', async () => {
    const t = await open('3');
    try {
      await expect.poll(async () => (await rows(t.panel)).includes('bn-stuck-pull:stuck'), POLL).toBe(true);
      await loadFixture(t.page, `${env.server.origin}${BN}/second.html`);
      await expect.poll(() => names(t.panel), POLL).toEqual(['bn-second-page']);
      // Fresh wait: at most a second or so old, so not stuck at 3 s.
      expect(await rows(t.panel)).toEqual(['bn-second-page:waiting']);
      await expect.poll(() => rows(t.panel), { timeout: 20_000, interval: 250 }).toEqual(['bn-second-page:stuck']);
      expect(await status(t.panel)).not.toMatch(/frames/);
    } finally {
      await t.done();
    }
  });

  it('after a reload shows each channel once, with a wait aged from the new document', async () => {
    const t = await open('30');
    try {
      await sleep(3000);
      expect(await names(t.panel)).toContain('bn-stuck-pull');
      await t.page.reload();
      await t.page.waitForFunction(() => (window as unknown as { fixtureReady?: boolean }).fixtureReady === true);
      await expect.poll(async () => (await names(t.panel)).includes('bn-frame-stuck'), POLL).toBe(true);
      await sleep(800);
      const list = await names(t.panel);
      expect(list.length).toBe(new Set(list).size);
      const wait = await cell(t.panel, 'bn-stuck-pull', '.col-wait');
      const { seconds } = await import('../audit-bf/bf.js');
      expect(seconds(wait)).toBeLessThan(3);
    } finally {
      await t.done();
    }
  });
});

describe('threshold and reopening', () => {
  it('raising the threshold clears the stuck marks, lowering it brings them back; a reopened panel keeps it', async () => {
    const t = await open();
    try {
      await expect.poll(async () => stuckIn(await status(t.panel)), POLL).toBeGreaterThanOrEqual(6);
      await t.panel.fill('#threshold', '600');
      await expect.poll(async () => (await rows(t.panel)).filter((r) => r.endsWith(':stuck')), POLL).toEqual([]);
      await t.panel.fill('#threshold', '1');
      await expect
        .poll(async () => (await rows(t.panel)).filter((r) => r.endsWith(':stuck')).length, POLL)
        .toBeGreaterThanOrEqual(6);
      const before = (await rows(t.panel)).slice().sort();
      await t.panel.fill('#threshold', '2');
      await t.panel.reload();
      expect(await t.panel.inputValue('#threshold')).toBe('2');
      await expect.poll(async () => (await rows(t.panel)).slice().sort(), POLL).toEqual(before);
    } finally {
      await t.done();
    }
  });

  it('shows a select once, and its cases’ channels as in a select', async () => {
    const t = await open();
    try {
      const all = await rows(t.panel);
      const selects = all.filter((r) => r.startsWith('select:'));
      expect(selects.length).toBe(1);
      expect(selects[0]).toMatch(/bn-sel-a/);
      expect(selects[0]).toMatch(/bn-sel-b/);
      expect(all).toContain('bn-sel-a:in a select');
      expect(all).toContain('bn-sel-b:in a select');
      expect(await text(row(t.panel, 'bn-sel-a').locator('.col-pullers .count'))).toBe('1');
    } finally {
      await t.done();
    }
  });
});
