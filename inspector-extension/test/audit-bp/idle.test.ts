/**
 * Audit BP: "idle is not stuck" in the real panel (Chromium, panel as a tab): waits explained by
 * input read _waiting for input_ however long they last, and turn stuck once the input that
 * explained them has ended (inspector README, root README "Merge input").
 */
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { inspect, POLL, rows, sleep } from '../audit-bf/bf.js';

const env = useBuiltExtension();
const FIX = '../../audit-bp/fixtures';

const stateOf = async (panel: Parameters<typeof rows>[0], name: string) =>
  (await rows(panel)).find((r) => r.startsWith(`${name}:`))?.slice(name.length + 1);

describe('waits for input, and their end', () => {
  it('a merge with an event input and a select with a timeout wait for input past the threshold; when the input ends, their waits turn stuck', async () => {
    const t = await inspect(env, `${FIX}/idle.html`, { threshold: '1' });
    try {
      await t.panel.setViewportSize({ width: 1600, height: 900 });
      // The select with after(4000) is one row waiting for input while the timer runs.
      await expect
        .poll(async () => (await rows(t.panel)).find((r) => r.includes('bp-replies') && r.startsWith('select')), POLL)
        .toMatch(/:waiting for input$/);
      await sleep(1800); // past the 1 s threshold
      expect(await stateOf(t.panel, 'merge')).toBe('waiting for input');
      expect(await stateOf(t.panel, 'bp-work')).not.toBe('stuck');
      expect(await stateOf(t.panel, 'bp-declared')).toBe('waiting for input');
      expect((await rows(t.panel)).filter((r) => r.endsWith(':stuck'))).toEqual([]);
      // The timeout fires: the app then waits on bp-after-timeout, which nothing explains.
      await expect.poll(() => stateOf(t.panel, 'bp-after-timeout'), POLL).toBe('stuck');
      // The merge's event input ends: the merge and its pull on bp-work are the app's waits now.
      await t.page.evaluate(() => (window as unknown as { bp: { endInput(): void } }).bp.endInput());
      await expect.poll(() => stateOf(t.panel, 'merge'), POLL).toBe('stuck');
      await expect.poll(() => stateOf(t.panel, 'bp-work'), POLL).toBe('stuck');
      // The declared input channel never is.
      expect(await stateOf(t.panel, 'bp-declared')).toBe('waiting for input');
      expect(t.errors).toEqual([]);
    } finally {
      await t.done();
    }
  });
});
