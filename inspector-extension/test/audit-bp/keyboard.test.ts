/**
 * Audit BP: the Channels panel used from the keyboard (Chromium, panel opened as a tab, the
 * extension as built). The panel's controls are buttons (sortable column headers, each row's ▸
 * caret with `aria-expanded`), so a keyboard user reaches them with Tab and presses Enter or
 * Space — and expects to stay where they were, as after any button press.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { inspect, POLL, rows } from '../audit-bf/bf.js';

const env = useBuiltExtension();
const FIX = '../../audit-bp/fixtures';

/** What has the keyboard focus in the panel: its tag, class and accessible label. */
const focused = (panel: Page) =>
  panel.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    return active === null || active === document.body
      ? 'body'
      : `${active.tagName.toLowerCase()}.${active.className}:${active.getAttribute('aria-label') ?? active.textContent}`;
  });

async function open() {
  const t = await inspect(env, `${FIX}/keys.html`, { threshold: '1' });
  await expect
    .poll(async () => (await rows(t.panel)).map((r) => r.split(':')[0]).sort(), POLL)
    .toEqual(['bp-key-empty', 'bp-key-full', 'bp-key-half', 'bp-key-stuck']);
  await expect.poll(async () => (await rows(t.panel))[0], POLL).toBe('bp-key-stuck:stuck');
  return t;
}

describe('the panel from the keyboard', () => {
  it('Tab reaches the filter, the threshold, Pause, Clear, the sortable headers and every row’s caret, in that order', async () => {
    const t = await open();
    try {
      await t.panel.locator('#filter').focus();
      const order: string[] = [];
      for (let i = 0; i < 14; i++) {
        order.push(await focused(t.panel));
        await t.panel.keyboard.press('Tab');
      }
      const joined = order.join('\n');
      expect(order[0]).toMatch(/^input\.filter/);
      expect(joined).toMatch(/input\.:[\s\S]*button\.tool:Pause[\s\S]*button\.tool:Clear/);
      for (const header of ['Channel', 'Occupancy', 'Waiting']) expect(joined).toContain(header);
      for (const name of ['bp-key-stuck', 'bp-key-full', 'bp-key-half', 'bp-key-empty']) {
        expect(joined).toContain(`Expand ${name}`);
      }
      // the carets in display order (stuck first)
      const carets = order.filter((entry) => entry.includes('Expand ')).map((entry) => entry.split('Expand ')[1]);
      expect(carets).toEqual(await rows(t.panel).then((list) => list.map((r) => r.split(':')[0])));
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });

  it('Enter on a row’s caret expands the row and keeps the focus on its caret, so Enter again collapses it', async () => {
    const t = await open();
    try {
      const caret = t.panel.locator('.row', { hasText: 'bp-key-full' }).locator('button.caret');
      await caret.focus();
      await t.panel.keyboard.press('Enter');
      await expect
        .poll(
          () =>
            t.panel.locator('.row', { hasText: 'bp-key-full' }).locator('button.caret').getAttribute('aria-expanded'),
          POLL,
        )
        .toBe('true');
      // The row was rebuilt with a new caret: the focus is on that one (it was on <body>, BP-inspector-1).
      expect(await focused(t.panel)).toBe('button.caret:Collapse bp-key-full');
      await t.panel.keyboard.press('Enter');
      await expect
        .poll(
          () =>
            t.panel.locator('.row', { hasText: 'bp-key-full' }).locator('button.caret').getAttribute('aria-expanded'),
          POLL,
        )
        .toBe('false');
    } finally {
      await t.done();
    }
  });

  it('Enter on a column header sorts by it and keeps the focus on that header', async () => {
    const t = await open();
    try {
      const header = t.panel.locator('[data-sort="occupancy"]');
      await header.focus();
      await t.panel.keyboard.press('Enter');
      await expect
        .poll(() => t.panel.locator('[data-sort="occupancy"]').getAttribute('aria-sort'), POLL)
        .toBe('descending');
      // Within the idle rows, fullest first: the sort took.
      const idle = (await rows(t.panel)).filter((r) => !r.endsWith(':stuck')).map((r) => r.split(':')[0]);
      expect(idle).toEqual(['bp-key-full', 'bp-key-half', 'bp-key-empty']);
      // Fails: the header row was rebuilt, the focus fell to <body>; Tab starts over from the top.
      expect(await focused(t.panel)).toMatch(/^button\.th col-occupancy/);
    } finally {
      await t.done();
    }
  });

  it('the focus stays on a caret while the page posts a change to another channel of the same frame', async () => {
    const t = await open();
    try {
      const caret = t.panel.locator('.row', { hasText: 'bp-key-empty' }).locator('button.caret');
      await caret.focus();
      expect(await focused(t.panel)).toBe('button.caret:Expand bp-key-empty');
      // Another channel changes: bp-key-half gets a second value; the panel shows it.
      await t.page.evaluate(() =>
        (window as unknown as { keep: { pushNowait(v: number): void }[] }).keep[2]?.pushNowait(2),
      );
      await expect
        .poll(() => t.panel.locator('.row', { hasText: 'bp-key-half' }).locator('.col-occupancy').textContent(), POLL)
        .toContain('2');
      // Fails: every row of the frame was rebuilt for the new snapshot, the focused caret with them.
      expect(await focused(t.panel)).toBe('button.caret:Expand bp-key-empty');
    } finally {
      await t.done();
    }
  });
});
