// Audit BS (blind acceptance test): what the Channels panel shows for the stuck programs a
// developer meets — a deadlock, a blocked producer, an orphaned consumer, a select, closing and
// idle channels — against the page's real state (`snapshot()` in the page). The panel is opened
// as a tab (`panel.html?tabId=N`); one Chromium for the whole file.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  browser,
  count,
  modulePage,
  opened,
  openPage,
  openPanel,
  parseAge,
  type Row,
  row,
  rows,
  served,
  setThreshold,
  status,
  until,
  useSession,
} from './harness.js';

useSession();

interface Snap {
  channels: {
    id: number;
    name: string;
    size: number;
    capacity: number | null;
    closed: boolean;
    pushers: unknown[];
    pullers: unknown[];
  }[];
}

// Channels the page keeps (as an application would through its components): stuck, not leaked.
const pinned =
  'window.keep = []; class Pinned extends chan.Channel { constructor(...args) { super(...args); window.keep.push(this); } }';

/** Serves `body` as a page with debug mode on, opens it and a panel for it. */
async function scenario(
  path: string,
  body: string,
  threshold?: number,
): Promise<{ page: Page; panel: Page; tabId: number }> {
  served.pages.set(
    path,
    modulePage(`dbg.enableDebug({ stacks: true });\nwindow.snap = () => dbg.snapshot();\n${pinned}\n${body}`),
  );
  const { page, tabId } = await openPage(browser, served.origin + path);
  opened.push(page);
  const panel = await openPanel(browser, tabId);
  opened.push(panel);
  if (threshold !== undefined) await setThreshold(panel, threshold);
  return { page, panel, tabId };
}

async function done(...pages: Page[]): Promise<void> {
  for (const page of pages) await page.close().catch(() => {});
}

function stateOf(r: Row | undefined): string {
  return r?.state ?? '(no row)';
}

describe('a developer hunting a stuck channel', () => {
  it('a deadlock: both channels read waiting, then stuck once their waits pass the default 5 s, never earlier; the keyboard loop beside them waits for input', async () => {
    const { page, panel } = await scenario(
      '/deadlock.html',
      `
const left = new Pinned(0, { name: 'dl-left' });
const right = new Pinned(0, { name: 'dl-right' });
// Two goroutine-like loops, each pushing to the other before it pulls: neither ever pulls.
async function alice() { for (;;) { await left.push('ping'); await right.pull(); } }
async function bob() { for (;;) { await right.push('pong'); await left.pull(); } }
const keys = chan.fromEvent(document, 'keydown');
async function keyboard() { for await (const k of keys) console.log(k); }
alice(); bob(); keyboard();
`,
      5,
    );
    // Before 5 s: the rows exist and are not stuck.
    const early = await until(async () => {
      const r = await row(panel, 'dl-left');
      return r && parseAge(r.wait) !== undefined ? r : undefined;
    }, 'dl-left listed');
    if ((parseAge(early.wait) ?? 0) < 4000) expect(early.state).not.toBe('stuck');
    const violations: string[] = [];
    await until(
      async () => {
        const all = await rows(panel);
        for (const r of all.filter((x) => x.name.startsWith('dl-'))) {
          const age = parseAge(r.wait) ?? 0;
          if (r.state === 'stuck' && age < 4900) violations.push(`${r.name} stuck at ${r.wait}`);
        }
        const left = all.find((r) => r.name === 'dl-left');
        const right = all.find((r) => r.name === 'dl-right');
        return stateOf(left) === 'stuck' && stateOf(right) === 'stuck';
      },
      'both deadlocked channels stuck',
      20_000,
    );
    expect(violations).toEqual([]);
    const all = await rows(panel);
    const left = all.find((r) => r.name === 'dl-left');
    const right = all.find((r) => r.name === 'dl-right');
    expect(count(left?.pushers ?? '')).toBe(1);
    expect(count(right?.pushers ?? '')).toBe(1);
    expect(count(left?.pullers ?? '')).toBe(0);
    // Parked at: the line of each push in the page.
    expect(left?.where).toMatch(/deadlock\.html:\d+/);
    expect(left?.whereTitle).toContain('alice');
    expect(right?.whereTitle).toContain('bob');
    // The keyboard loop's channel is waiting for input and ranks after the stuck ones.
    const keyboard = all.find((r) => r.state === 'waiting for input');
    expect(keyboard).toBeDefined();
    const index = (r: Row | undefined) => (r ? all.indexOf(r) : -1);
    expect(index(keyboard)).toBeGreaterThan(Math.max(index(left), index(right)));
    expect(await status(panel)).toMatch(/2 stuck/);
    expect(await status(panel)).toMatch(/1 waiting for input/);
    // The waiting age keeps growing between snapshots although the page posts nothing new.
    const before = parseAge(left?.wait ?? '') ?? 0;
    await until(
      async () => (parseAge((await row(panel, 'dl-left'))?.wait ?? '') ?? 0) >= before + 1500,
      'the age to grow',
    );
    await done(page, panel);
  }, 45_000);

  it('a producer blocked on a full channel: occupancy full, one parked push, stuck, blocked producers first (longest-blocked first), matching snapshot()', async () => {
    const { page, panel } = await scenario(
      '/full.html',
      `
const results = new Pinned(3, { name: 'results' });
await results.push(1); await results.push(2); await results.push(3);
async function producer() { await results.push(4); } // nobody drains: blocked for ever
const orphan = new Pinned(0, { name: 'orphan-pull' });
orphan.pull().catch(() => {}); // a stuck pull, parked first
await new Promise((r) => setTimeout(r, 50));
producer();
await new Promise((r) => setTimeout(r, 600));
const later = new Pinned(1, { name: 'later-full' });
await later.push('x');
later.push('y').catch(() => {});
window.ready = true;
`,
      1,
    );
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    await until(async () => {
      const all = await rows(panel);
      return ['results', 'later-full', 'orphan-pull'].every((n) => stateOf(all.find((r) => r.name === n)) === 'stuck');
    }, 'three stuck rows');
    const all = await rows(panel);
    const names = all.filter((r) => r.state === 'stuck').map((r) => r.name);
    // Blocked producers first, the longest-blocked first; the stuck pull after them although it parked earlier.
    expect(names).toEqual(['results', 'later-full', 'orphan-pull']);
    const results = all.find((r) => r.name === 'results');
    const real = (await page.evaluate(() => (window as unknown as { snap(): Snap }).snap())).channels.find(
      (c) => c.name === 'results',
    );
    expect(results?.occupancy).toBe(`${real?.size} / ${real?.capacity}`);
    expect(results?.occupancy).toBe('3 / 3');
    expect(count(results?.pushers ?? '')).toBe(real?.pushers.length);
    expect(count(results?.pushers ?? '')).toBe(1);
    expect(results?.capacity).toBe('3');
    expect(results?.overflow).toBe('block');
    // The bar is red (full) for a block channel.
    const full = await panel.evaluate(() =>
      [...document.querySelectorAll('#viewport .row')].some(
        (r) =>
          r.querySelector('.col-name')?.textContent === 'results' &&
          r.querySelector('.col-occupancy .fill.full') !== null,
      ),
    );
    expect(full).toBe(true);
    await done(page, panel);
  }, 45_000);

  it('a consumer waiting on an empty channel whose producer died is stuck, with one parked pull and an empty buffer', async () => {
    const { page, panel } = await scenario(
      '/orphan.html',
      `
const jobs = new Pinned(4, { name: 'jobs' });
async function producer() { await jobs.push(1); await jobs.push(2); throw new Error('producer crashed'); }
async function consumer() { for await (const job of jobs) console.log('job', job); }
producer().catch(() => {}); consumer();
`,
      1,
    );
    await until(async () => stateOf(await row(panel, 'jobs')) === 'stuck', 'jobs stuck');
    const jobs = await row(panel, 'jobs');
    expect(jobs?.occupancy).toBe('0 / 4');
    expect(count(jobs?.pullers ?? '')).toBe(1);
    expect(count(jobs?.pushers ?? '')).toBe(0);
    expect(jobs?.whereTitle).toMatch(/consumer/);
    await done(page, panel);
  }, 45_000);

  it('a select parked on several channels is one row judged as a whole; its channels count its cases but are not stuck', async () => {
    const { page, panel } = await scenario(
      '/select.html',
      `
const shutdown = new Pinned(0, { name: 'shutdown' });
const crawl = new Pinned(0, { name: 'crawl' });
const out = new Pinned(0, { name: 'out' });
async function loop() { await chan.select([chan.pull(shutdown), chan.pull(crawl), chan.push(out, 1)]); }
loop().catch(() => {});
const clicks = new Pinned(0, { name: 'clicks', input: true });
const work = new Pinned(0, { name: 'work' });
async function ui() { await chan.select([chan.pull(clicks), chan.pull(work)]); }
ui().catch(() => {});
`,
      1,
    );
    await until(async () => {
      const all = await rows(panel);
      return (
        all.some((r) => r.kind === 'select' && r.state === 'stuck') &&
        all.some((r) => r.kind === 'select' && r.state === 'waiting for input')
      );
    }, 'the two select rows');
    const all = await rows(panel);
    const selects = all.filter((r) => r.kind === 'select');
    expect(selects).toHaveLength(2);
    const stuck = selects.find((r) => r.state === 'stuck');
    expect(stuck?.name).toContain('shutdown');
    expect(stuck?.name).toContain('crawl');
    expect(stuck?.name).toContain('out');
    expect(stuck?.whereTitle).toContain('loop');
    for (const name of ['shutdown', 'crawl', 'out', 'work', 'clicks']) {
      const r = all.find((x) => x.name === name);
      expect(r?.state, name).not.toBe('stuck');
    }
    expect(count(all.find((r) => r.name === 'shutdown')?.pullers ?? '')).toBe(1);
    expect(count(all.find((r) => r.name === 'out')?.pushers ?? '')).toBe(1);
    expect(await status(panel)).toMatch(/1 stuck/);
    await done(page, panel);
  }, 45_000);

  it('closing channels: the stuck row loses its waiters and its stuck mark and reads closed; a closed channel keeps showing its buffered values', async () => {
    const { page, panel } = await scenario(
      '/close.html',
      `
const stuck = new Pinned(0, { name: 'to-close' });
stuck.pull().catch(() => {}); stuck.pull().catch(() => {});
const buffered = new Pinned(3, { name: 'drained-later' });
await buffered.push('a'); await buffered.push('b');
buffered.close();
window.closeIt = () => stuck.close();
`,
      1,
    );
    await until(async () => stateOf(await row(panel, 'to-close')) === 'stuck', 'to-close stuck');
    expect(count((await row(panel, 'to-close'))?.pullers ?? '')).toBe(2);
    const drained = await row(panel, 'drained-later');
    expect(drained?.state).toBe('closed');
    expect(drained?.occupancy).toBe('2 / 3');
    await page.evaluate(() => (window as unknown as { closeIt(): void }).closeIt());
    await until(async () => {
      const r = await row(panel, 'to-close');
      return r?.state === 'closed' && count(r.pullers) === 0 ? r : undefined;
    }, 'to-close closed with no waiters');
    expect(await status(panel)).not.toMatch(/stuck/);
    await done(page, panel);
  }, 45_000);

  it('idle channels, input waits (fromEvent, after, ticker, input: true) and short waits are never stuck', async () => {
    const { page, panel } = await scenario(
      '/idle.html',
      `
const idle = new Pinned(8, { name: 'idle-buffer' });
idle.pushNowait(1);
const typed = new Pinned(0, { name: 'typed', input: true });
typed.pull().catch(() => {});
const timer = chan.after(3_600_000);
timer.pull().catch(() => {});
const tick = chan.ticker(3_600_000);
tick.pull().catch(() => {});
window.parkShort = () => { const c = new Pinned(0, { name: 'short-wait' }); c.pull().catch(() => {}); window.shortC = c; };
`,
      1,
    );
    await until(async () => (await row(panel, 'typed'))?.state === 'waiting for input', 'typed waiting for input');
    // Well past the threshold, still not stuck.
    await until(
      async () => (parseAge((await row(panel, 'typed'))?.wait ?? '') ?? 0) > 2500,
      'typed waited past the threshold',
    );
    const all = await rows(panel);
    expect(all.filter((r) => r.state === 'stuck')).toEqual([]);
    expect(all.filter((r) => r.state === 'waiting for input').length).toBeGreaterThanOrEqual(3);
    expect(all.find((r) => r.name === 'idle-buffer')?.state).toBe('idle');
    expect(all.find((r) => r.name === 'idle-buffer')?.occupancy).toBe('1 / 8');
    // A fresh wait under the threshold reads "waiting" and ranks with the idle rows, after the input ones.
    await setThreshold(panel, 30);
    await page.evaluate(() => (window as unknown as { parkShort(): void }).parkShort());
    const short = await until(async () => row(panel, 'short-wait'), 'short-wait listed');
    expect(short.state).toBe('waiting');
    const after = await rows(panel);
    const shortIndex = after.findIndex((r) => r.name === 'short-wait');
    const lastInput = after.map((r) => r.state).lastIndexOf('waiting for input');
    expect(shortIndex).toBeGreaterThan(lastInput);
    await done(page, panel);
  }, 45_000);

  it("occupancy and waiter counts follow the page's real state as it changes (block, drop-oldest, unbounded)", async () => {
    const { page, panel } = await scenario(
      '/follow.html',
      `
window.q = new Pinned(4, { name: 'queue' });
window.lossy = new Pinned(2, { name: 'lossy', overflow: 'drop-oldest' });
window.big = new Pinned(Infinity, { name: 'big' });
`,
      1,
    );
    type W = {
      q: { pushNowait(v: number): void; pullNowait(): number; push(v: number): Promise<void> };
      lossy: { pushNowait(v: number): void };
      big: { pushNowait(v: number): void };
      snap(): Snap;
    };
    const compare = async () => {
      const real = await page.evaluate(() => (window as unknown as W).snap());
      const shown = await rows(panel);
      return real.channels.every((c) => {
        const r = shown.find((x) => x.name === c.name);
        const cap = c.capacity === null ? '∞' : String(c.capacity);
        return (
          r &&
          r.occupancy === `${c.size} / ${cap}` &&
          count(r.pushers) === c.pushers.length &&
          count(r.pullers) === c.pullers.length
        );
      });
    };
    await until(compare, 'initial state shown');
    await page.evaluate(() => {
      const w = window as unknown as W;
      for (let i = 0; i < 4; i++) w.q.pushNowait(i);
      w.q.push(9).catch(() => {});
      w.q.push(10).catch(() => {});
      for (let i = 0; i < 5; i++) w.lossy.pushNowait(i);
      for (let i = 0; i < 7; i++) w.big.pushNowait(i);
    });
    await until(compare, 'filled state shown');
    expect((await row(panel, 'queue'))?.occupancy).toBe('4 / 4');
    expect(count((await row(panel, 'queue'))?.pushers ?? '')).toBe(2);
    expect((await row(panel, 'lossy'))?.occupancy).toBe('2 / 2');
    expect((await row(panel, 'lossy'))?.overflow).toBe('drop-oldest');
    expect((await row(panel, 'big'))?.capacity).toBe('∞');
    expect((await row(panel, 'big'))?.occupancy).toBe('7 / ∞');
    // A drop-mode channel never blocks: its full bar is not red.
    const lossyRed = await panel.evaluate(() =>
      [...document.querySelectorAll('#viewport .row')].some(
        (r) =>
          r.querySelector('.col-name')?.textContent === 'lossy' &&
          r.querySelector('.col-occupancy .fill.full') !== null,
      ),
    );
    expect(lossyRed).toBe(false);
    await page.evaluate(() => {
      const w = window as unknown as W;
      w.q.pullNowait();
      w.q.pullNowait();
      w.q.pullNowait();
    });
    await until(compare, 'drained state shown');
    expect(count((await row(panel, 'queue'))?.pushers ?? '')).toBe(0);
    expect((await row(panel, 'queue'))?.occupancy).toBe('3 / 4');
    await done(page, panel);
  }, 45_000);

  it('the stuck threshold set in the toolbar applies at once, both ways, and is remembered by the next panel', async () => {
    const { page, panel, tabId } = await scenario(
      '/threshold.html',
      `
const c = new Pinned(0, { name: 'slow' });
c.pull().catch(() => {});
`,
      60,
    );
    await until(async () => (parseAge((await row(panel, 'slow'))?.wait ?? '') ?? 0) > 1500, 'slow waited 1.5 s');
    expect((await row(panel, 'slow'))?.state).toBe('waiting');
    await setThreshold(panel, 1);
    await until(async () => (await row(panel, 'slow'))?.state === 'stuck', 'slow stuck after lowering the threshold');
    // Raising it again un-marks the row although the page posted nothing new.
    await setThreshold(panel, 60);
    await until(
      async () => (await row(panel, 'slow'))?.state === 'waiting',
      'slow waiting again after raising the threshold',
    );
    expect(await status(panel)).not.toMatch(/stuck/);
    await setThreshold(panel, 2.5);
    await panel.close();
    const again = await openPanel(browser, tabId);
    opened.push(again);
    expect(await again.inputValue('#threshold')).toBe('2.5');
    await until(async () => (await row(again, 'slow'))?.state === 'stuck', 'slow stuck in the new panel');
    await done(page, again);
  }, 45_000);

  it('the status line counts every row whatever the filter; the filter matches part of a name, a select case, or #id', async () => {
    const { page, panel } = await scenario(
      '/filter.html',
      `
const a = new Pinned(0, { name: 'alpha-queue' }); a.pull().catch(() => {});
const b = new Pinned(0, { name: 'beta-queue' }); b.pull().catch(() => {});
const anon = new Pinned(0); anon.push(1).catch(() => {});
const x = new Pinned(0, { name: 'xray' }); const y = new Pinned(0, { name: 'yankee' });
chan.select([chan.pull(x), chan.pull(y)]).catch(() => {});
window.anonId = dbg.snapshot().channels.find((c) => c.name === '' || c.name === undefined)?.id;
`,
      1,
    );
    await until(async () => /4 stuck/.test(await status(panel)), '4 stuck in the status line');
    const full = await status(panel);
    expect(full).toMatch(/^5 channels/);
    await panel.fill('#filter', 'alpha');
    await until(async () => (await rows(panel)).map((r) => r.name).join() === 'alpha-queue', 'only alpha-queue shown');
    expect(await status(panel)).toMatch(/5 channels · 4 stuck.*1 shown/);
    await panel.fill('#filter', 'yankee');
    await until(async () => {
      const names = (await rows(panel)).map((r) => r.name);
      return names.includes('yankee') && names.some((n) => n.startsWith('select:'));
    }, 'the select found by its case');
    const anonId = await page.evaluate(() => (window as unknown as { anonId?: number }).anonId);
    expect(typeof anonId).toBe('number');
    await panel.fill('#filter', `#${anonId}`);
    await until(async () => {
      const names = (await rows(panel)).map((r) => r.name);
      return names.length === 1 && names[0] === `#${anonId}`;
    }, 'the unnamed channel found by #id');
    await panel.fill('#filter', 'no-such-channel');
    await until(async () => (await rows(panel)).length === 0, 'no rows');
    expect(await panel.textContent('#viewport')).toMatch(/match|filter/i);
    await done(page, panel);
  }, 45_000);
});
