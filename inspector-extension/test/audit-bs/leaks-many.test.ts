import { describe, expect, it } from 'vitest';
import {
  browser,
  collect,
  count,
  modulePage,
  opened,
  openPage,
  openPanel,
  row,
  rows,
  served,
  setThreshold,
  status,
  until,
  useSession,
} from './harness.js';

useSession();

describe('leaks and crowds', () => {
  it('a push parked on a dropped channel is listed as leaked, first, with where it parked; kept across a reload until Clear, and not back after Clear', async () => {
    served.pages.set(
      '/leak.html',
      modulePage(`
dbg.enableDebug({ stacks: true, warnLeaks: false });
window.keep = new chan.Channel(0, { name: 'pinned-stuck' });
window.keep.pull().catch(() => {});
function fetchWithTimeout() {
  const reply = new chan.Channel(0, { name: 'reply' });
  reply.push('late answer').catch(() => {}); // nobody will ever pull: reply is dropped below
}
// Only the first document leaks: the reloaded one must not bring a new leak of its own.
if (!sessionStorage.getItem('leaked')) { sessionStorage.setItem('leaked', '1'); fetchWithTimeout(); }
window.ready = true;
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/leak.html`);
    opened.push(page);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await setThreshold(panel, 1);
    await until(async () => row(panel, 'pinned-stuck'), 'pinned-stuck listed');
    await until(
      async () => {
        await collect(page);
        return (await rows(panel)).some((r) => r.kind === 'leak');
      },
      'a leak row',
      30_000,
    );
    await until(async () => (await row(panel, 'pinned-stuck'))?.state === 'stuck', 'pinned-stuck stuck');
    const all = await rows(panel);
    expect(all[0]?.kind).toBe('leak');
    expect(all[0]?.state).toBe('leaked');
    expect(all[0]?.name).toContain('reply');
    expect(count(all[0]?.pushers ?? '')).toBe(1);
    expect(all[0]?.whereTitle).toContain('fetchWithTimeout');
    expect(all.filter((r) => r.kind === 'leak')).toHaveLength(1);
    expect(await status(panel)).toMatch(/1 leak/);
    // The expanded leak says what leaked.
    await panel.click('#viewport .row.kind-leak .caret');
    await until(
      async () => /garbage-collected/.test((await panel.textContent('#viewport')) ?? ''),
      'expanded leak text',
    );
    expect(await panel.textContent('#viewport')).toMatch(
      /push parked on channel "reply" \(#\d+\), which was garbage-collected: it\s+can never complete/,
    );
    // A reload: the page's channels start over, the leak stays.
    await page.reload();
    await until(async () => {
      const now = await rows(panel);
      return now.some((r) => r.kind === 'leak') && now.some((r) => r.name === 'pinned-stuck') ? now : undefined;
    }, 'leak kept after reload, new document listed');
    // Clear: the leak goes (this document never leaked anything) and does not come back.
    await panel.click('#clear');
    await until(async () => !(await rows(panel)).some((r) => r.kind === 'leak'), 'leak cleared');
    await until(async () => row(panel, 'pinned-stuck'), 'page re-listed after Clear');
    await collect(page);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // give a wrongly returning leak time to show
    expect((await rows(panel)).some((r) => r.kind === 'leak')).toBe(false);
    await page.close();
    await panel.close();
  }, 60_000);

  it('no false positive: operations that committed, were aborted or failed by close are never listed as leaked', async () => {
    served.pages.set(
      '/noleak.html',
      modulePage(`
dbg.enableDebug({ warnLeaks: false });
window.keep = new chan.Channel(0, { name: 'marker' });
async function run() {
  { const c = new chan.Channel(0, { name: 'committed' }); const p = c.pull(); c.pushNowait(1); await p; }
  { const c = new chan.Channel(0, { name: 'aborted' }); const ac = new AbortController(); const p = c.pull({ signal: ac.signal }).catch(() => {}); ac.abort(); await p; }
  { const c = new chan.Channel(0, { name: 'closed' }); const p = c.push(1).catch(() => {}); c.close(); await p; }
  { const a = new chan.Channel(0, { name: 'sel-a' }); const b = new chan.Channel(0, { name: 'sel-b' }); const p = chan.select([chan.pull(a), chan.pull(b)]); b.pushNowait(2); await p; }
}
await run();
window.ready = true;
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/noleak.html`);
    opened.push(page);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await until(async () => row(panel, 'marker'), 'marker listed');
    // The dropped channels go from the page's list once collected; no leak row appears.
    await until(
      async () => {
        await collect(page);
        const names = (await rows(panel)).map((r) => r.name);
        return names.length === 1 && names[0] === 'marker';
      },
      'only the marker left',
      30_000,
    );
    const leaked = await page.evaluate(
      () => (window as unknown as { dbg: { snapshot(): { leaked?: unknown[] } } }).dbg.snapshot().leaked ?? [],
    );
    expect(leaked).toEqual([]);
    expect((await rows(panel)).some((r) => r.kind === 'leak')).toBe(false);
    await page.close();
    await panel.close();
  }, 60_000);

  it('600 channels: only the rows in view are built, the stuck ones come first, the status line counts all of them, and a change still shows', async () => {
    served.pages.set(
      '/many.html',
      modulePage(`
dbg.enableDebug();
window.keep = [];
for (let i = 0; i < 600; i++) {
  const c = new chan.Channel(4, { name: 'ch-' + String(i).padStart(3, '0') });
  if (i % 7 === 0) c.pushNowait(i);
  window.keep.push(c);
}
// Five stuck channels scattered among the idle ones.
for (const i of [13, 250, 377, 444, 599]) window.keep[i].push === undefined || (async () => { const c = window.keep[i]; c.pushNowait(1); c.pushNowait(2); c.pushNowait(3); c.pushNowait(4); await c.push(5); })().catch(() => {});
window.unstick = () => window.keep[250].close();
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/many.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await setThreshold(panel, 1);
    await until(async () => /^600 channels · 5 stuck/.test(await status(panel)), '600 channels, 5 stuck', 30_000);
    const shown = await rows(panel);
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.length).toBeLessThan(600);
    expect(
      shown
        .slice(0, 5)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['ch-013', 'ch-250', 'ch-377', 'ch-444', 'ch-599']);
    expect(shown.slice(0, 5).every((r) => r.state === 'stuck' && r.occupancy === '4 / 4')).toBe(true);
    // Scrolling to the end builds the last rows.
    await panel.evaluate(() => {
      const v = document.querySelector('#viewport');
      if (v) v.scrollTop = v.scrollHeight;
    });
    await until(
      async () => (await rows(panel)).some((r) => r.name === 'ch-598' || r.name === 'ch-597'),
      'the last rows after scrolling',
    );
    await panel.evaluate(() => {
      const v = document.querySelector('#viewport');
      if (v) v.scrollTop = 0;
    });
    await page.evaluate(() => (window as unknown as { unstick(): void }).unstick());
    await until(async () => /^600 channels · 4 stuck/.test(await status(panel)), '4 stuck after closing one', 30_000);
    await page.close();
    await panel.close();
  }, 60_000);

  it('1200 channels: a truncated notice says 200 were left out, and the stuck channels are among those kept', async () => {
    served.pages.set(
      '/crowd.html',
      modulePage(`
dbg.enableDebug();
window.keep = [];
for (let i = 0; i < 1200; i++) window.keep.push(new chan.Channel(1, { name: 'c' + i }));
window.keep[1150].pull().catch(() => {});
window.keep[1199].pull().catch(() => {});
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/crowd.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await setThreshold(panel, 1);
    await until(
      async () => /truncated|left out/i.test((await panel.textContent('#notices')) ?? ''),
      'a truncated notice',
      30_000,
    );
    expect(await panel.textContent('#notices')).toMatch(/200/);
    await until(async () => {
      const all = await rows(panel);
      return all[0]?.state === 'stuck' && all[1]?.state === 'stuck' ? all : undefined;
    }, 'the two stuck channels first');
    const first = (await rows(panel))
      .slice(0, 2)
      .map((r) => r.name)
      .sort();
    expect(first).toEqual(['c1150', 'c1199']);
    await page.close();
    await panel.close();
  }, 60_000);

  it('Pause freezes the table while the page changes; Resume catches up. Sorting by Pushers applies within a state', async () => {
    served.pages.set(
      '/pause.html',
      modulePage(`
dbg.enableDebug();
window.keep = [];
const mk = (name, pushes) => { const c = new chan.Channel(0, { name }); for (let i = 0; i < pushes; i++) c.push(i).catch(() => {}); window.keep.push(c); return c; };
mk('one-push', 1); mk('three-pushes', 3); mk('two-pushes', 2);
window.more = () => { window.keep[0].push(9).catch(() => {}); window.keep[0].push(10).catch(() => {}); window.keep[0].push(11).catch(() => {}); };
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/pause.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await setThreshold(panel, 1);
    await until(async () => /3 stuck/.test(await status(panel)), '3 stuck');
    await panel.click('button[data-sort="pushers"]');
    const order = async () =>
      (await rows(panel)).map((r) => r.name).filter((n) => n.endsWith('push') || n.endsWith('pushes'));
    await until(async () => {
      const o = await order();
      return o.join() === 'three-pushes,two-pushes,one-push' || o.join() === 'one-push,two-pushes,three-pushes'
        ? o
        : undefined;
    }, 'sorted by parked pushes');
    await panel.click('#pause');
    await until(async () => /paused/i.test(await status(panel)), 'paused in the status line');
    await page.evaluate(() => (window as unknown as { more(): void }).more());
    // The page's real state changed (4 pushes on one-push); a paused table keeps showing 1.
    await until(
      async () =>
        (await page.evaluate(
          () =>
            (window as unknown as { dbg: { snapshot(): { channels: { name: string; pushers: unknown[] }[] } } }).dbg
              .snapshot()
              .channels.find((c) => c.name === 'one-push')?.pushers.length,
        )) === 4,
      'page state changed',
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a snapshot (every 250 ms) has arrived meanwhile
    expect(count((await row(panel, 'one-push'))?.pushers ?? '')).toBe(1);
    await panel.click('#pause');
    await until(async () => count((await row(panel, 'one-push'))?.pushers ?? '') === 4, 'caught up after Resume');
    await page.close();
    await panel.close();
  }, 60_000);
  it('after disableDebug() the rows go at once but the leak stays until Clear; pushState keeps everything; an expanded row lists its parked operations with their stacks', async () => {
    served.pages.set(
      '/disable.html',
      modulePage(`
dbg.enableDebug({ stacks: true, warnLeaks: false });
function leak() { const c = new chan.Channel(0, { name: 'gone' }); c.push(1).catch(() => {}); }
leak();
window.keep = new chan.Channel(2, { name: 'kept', overflow: 'drop-newest' });
async function parker() { await window.keep.pull(); }
parker(); parker();
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/disable.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await setThreshold(panel, 1);
    await until(
      async () => {
        await collect(page);
        return (await rows(panel)).some((r) => r.kind === 'leak');
      },
      'the leak listed',
      30_000,
    );
    await until(async () => (await row(panel, 'kept'))?.state === 'stuck', 'kept stuck');
    await page.evaluate(() => history.pushState({}, '', '/route-2'));
    await until(async () => /^1 channel · 1 leaked · 1 stuck/.test(await status(panel)), 'status after pushState');
    await panel.click('#viewport .row.kind-channel .caret');
    const text = await until(async () => {
      const t = await panel.evaluate(() => document.querySelector('#viewport .row.kind-channel')?.textContent ?? '');
      return /Created at/.test(t) ? t : undefined;
    }, 'the expansion');
    expect(text).toMatch(/capacity 2/);
    expect(text).toMatch(/drop-newest/);
    expect(text).toMatch(/2 parked pulls/);
    expect(text.match(/at parker \(/g)?.length).toBe(2);
    await page.evaluate(() => (window as unknown as { dbg: { disableDebug(): void } }).dbg.disableDebug());
    await until(async () => {
      const all = await rows(panel);
      return all.length === 1 && all[0]?.kind === 'leak';
    }, 'only the leak left after disableDebug');
    await panel.click('#clear');
    await until(async () => (await rows(panel)).length === 0, 'nothing after Clear');
    await page.close();
    await panel.close();
  }, 60_000);
});
