/**
 * Audit BP: the browser demo page (`npm start`'s examples/browser/) clicked through in Debian's
 * headless Chromium (playwright-core), served in-process by serve.mjs as e2e.test.ts serves it.
 * Goes beyond e2e.test.ts: every control, the README's claims about the channels the page
 * shows, closing and re-parking the stuck channel, repeated and double-clicked job runs, and a
 * page left running (typing for a while, garbage collected) that must not grow its channels.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../../test/helpers/chromium.mjs';
// @ts-expect-error serve.mjs is plain JavaScript without declarations
import { root, start } from '../../serve.mjs';

interface SnapshotChannel {
  id: number;
  name?: string;
  closed?: boolean;
  pushers: { since: number; input?: boolean; stack?: string }[];
  pullers: { since: number; input?: boolean; stack?: string }[];
}

const TIMEOUT = 20_000;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  server = await start({ port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
  });
  page = await browser.newPage({ viewport: { width: 1240, height: 1000 } });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`${message.type()}: ${message.text()}`);
  });
  await page.addInitScript(() => {
    window.addEventListener('unhandledrejection', (event) => console.error(`unhandledrejection: ${event.reason}`));
  });
  await page.goto(server.url);
  await page.waitForFunction(() => (window as any).demo !== undefined, null, { timeout: TIMEOUT });
}, 40_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const names = () =>
  page.evaluate(() => ((window as any).demo.snapshot().channels as SnapshotChannel[]).map((c) => c.name ?? `#${c.id}`));

/** Collects garbage in the page a few times, with a macrotask between (FinalizationRegistry needs it). */
async function collect() {
  for (let i = 0; i < 4; i++) {
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    await page.evaluate(() => (globalThis as any).gc());
  }
}

describe('the README’s account of the page', () => {
  it('window.demo has the live counters and debug mode’s snapshot, as the README lists them', async () => {
    const keys = await page.evaluate(() => Object.keys((window as any).demo).sort());
    expect(keys).toEqual(['jobs', 'pointer', 'search', 'snapshot', 'stuck']);
    expect(await page.textContent('#debug-status')).toBe('debug mode: on, with stacks');
    expect(await page.textContent('#inspector-status')).toBe('inspector: not connected');
  });

  it('the channels it names are there: fromEvent(input), search-replies, fromEvent(pointermove), and after(250) per debounce', async () => {
    const idle = await names();
    for (const name of ['fromEvent(input)', 'search-replies', 'fromEvent(pointermove)']) expect(idle).toContain(name);
    await page.click('#search-box');
    await page.keyboard.type('s');
    expect(await names()).toContain('after(250)'); // the debounce timer, while it runs
    await page.waitForFunction(() => (window as any).demo.search.renderedQuery === 's', null, { timeout: TIMEOUT });
  });

  it('the idle search loop’s waits show as “waiting for input” on the page, never as stuck', async () => {
    const rows = await page.$$eval('#stuck-table tr', (trs) =>
      trs.map((tr) => ({ cls: tr.className, cells: [...tr.children].map((td) => td.textContent ?? '') })),
    );
    const searchRows = rows.filter((row) => row.cells[0] === 'fromEvent(input)' || row.cells[0] === 'search-replies');
    expect(searchRows.length).toBeGreaterThan(0);
    for (const row of searchRows) {
      expect(row.cls).toBe('input');
      expect(row.cells[4]).toBe('waiting for input');
    }
  });
});

describe('search as you type', () => {
  it('a query with no match shows “no match”; clearing the box aborts the request in flight and empties the results', async () => {
    await page.fill('#search-box', 'zzzz');
    await page.waitForFunction(() => (window as any).demo.search.renderedQuery === 'zzzz', null, { timeout: TIMEOUT });
    expect(await page.$$eval('#search-results li', (lis) => lis.map((li) => li.textContent))).toEqual(['no match']);
    expect(await page.textContent('#search-heading')).toBe('Results for “zzzz”');

    await page.fill('#search-box', 'chan');
    await page.waitForFunction(() => (window as any).demo.search.inFlight === 'chan', null, { timeout: TIMEOUT });
    const before = await page.evaluate(() => (window as any).demo.search.aborted);
    await page.fill('#search-box', '');
    await page.waitForFunction(() => (window as any).demo.search.renderedQuery === '', null, { timeout: TIMEOUT });
    const search = await page.evaluate(() => (window as any).demo.search);
    expect(search.aborted).toBe(before + 1);
    expect(search.inFlight).toBeNull();
    expect(await page.$$eval('#search-results li', (lis) => lis.length)).toBe(0);
    expect(await page.textContent('#search-heading')).toBe('Results');
    // the aborted request never renders, even after its backend time
    await page.waitForTimeout(900);
    expect(await page.evaluate(() => (window as any).demo.search.renderedQuery)).toBe('');
  });

  it('requests = aborted + answered after a burst of edits, and the log lists at most 8 entries', async () => {
    for (const word of ['se', 'sel', 'sele', 'selec', 'select']) {
      await page.fill('#search-box', word);
      await page.waitForFunction(() => (window as any).demo.search.inFlight !== null, null, { timeout: TIMEOUT });
    }
    await page.waitForFunction(() => (window as any).demo.search.renderedQuery === 'select', null, {
      timeout: TIMEOUT,
    });
    const search = await page.evaluate(() => (window as any).demo.search);
    expect(search.requests).toBe(search.aborted + search.answered);
    expect(await page.$$eval('#search-log li', (lis) => lis.length)).toBeLessThanOrEqual(8);
    for (const word of search.results) expect(word).toContain('select');
  });
});

describe('the stuck channel', () => {
  it('parking three pulls lists stuck-demo first with its stack; closing it clears it; parking again works', async () => {
    for (let i = 0; i < 3; i++) await page.click('#stuck-park');
    await expect
      .poll(() => page.textContent('#stuck-status'))
      .toMatch(/^3 pulls parked on “stuck-demo” for \d+ s — nobody will ever push\.$/);
    const first = await page.$$eval('#stuck-table tr', (trs) => ({
      cls: trs[0]?.className,
      cells: [...(trs[0]?.children ?? [])].map((td) => td.textContent),
    }));
    expect(first.cls).toBe('stuck');
    expect(first.cells[0]).toBe('stuck-demo');
    expect(first.cells[2]).toBe('3 pull');
    expect(first.cells[4]).toBe('nothing explains it');
    expect(await page.isVisible('#stuck-stack')).toBe(true);
    const stack = (await page.textContent('#stuck-stack')) ?? '';
    expect(stack).toContain('waitForever');
    expect(stack).toContain('stuck.js');
    expect(await page.isEnabled('#stuck-release')).toBe(true);

    await page.click('#stuck-release');
    await expect.poll(() => page.textContent('#stuck-status')).toBe('Nothing parked yet.');
    expect(await page.isEnabled('#stuck-release')).toBe(false);
    await expect.poll(() => page.isVisible('#stuck-stack')).toBe(false);
    const parkedOnStuck = await page.evaluate(() =>
      ((window as any).demo.snapshot().channels as SnapshotChannel[])
        .filter((c) => c.name === 'stuck-demo')
        .reduce((n, c) => n + c.pullers.length, 0),
    );
    expect(parkedOnStuck).toBe(0);
    expect(await page.evaluate(() => (window as any).demo.stuck)).toEqual({ parked: 0, since: null });

    await page.click('#stuck-park');
    await expect.poll(() => page.textContent('#stuck-status')).toMatch(/^1 pull parked on “stuck-demo”/);
    await page.click('#stuck-release');
    await expect.poll(() => page.textContent('#stuck-status')).toBe('Nothing parked yet.');
  });
});

describe('the job queue', () => {
  it('a double click runs once; a second run is again exactly once; the button says “again”', async () => {
    await page.dblclick('#jobs-run');
    await page.waitForFunction(() => (window as any).demo.jobs.running === true, null, { timeout: TIMEOUT });
    expect(await page.evaluate(() => (window as any).demo.jobs.runs)).toBe(1);
    expect(await page.isDisabled('#jobs-run')).toBe(true);
    expect(await names()).toContain('jobs'); // "jobs during a run"
    await page.waitForFunction(() => (window as any).demo.jobs.exactlyOnce !== null, null, { timeout: 30_000 });
    let jobs = await page.evaluate(() => (window as any).demo.jobs);
    expect(jobs).toMatchObject({ runs: 1, running: false, exactlyOnce: true, done: 36, pushed: 36, duplicates: 0 });
    expect(jobs.maxSize).toBeLessThanOrEqual(5);
    expect(jobs.maxWaitingPushers).toBeGreaterThan(0);
    expect(await page.textContent('#jobs-verdict')).toBe('✓ 36 of 36 jobs done, each exactly once');
    expect(await page.textContent('#jobs-run')).toBe('Run 36 jobs again');

    await page.click('#jobs-run');
    await page.waitForFunction(
      () => (window as any).demo.jobs.runs === 2 && (window as any).demo.jobs.exactlyOnce !== null,
      null,
      {
        timeout: 30_000,
      },
    );
    jobs = await page.evaluate(() => (window as any).demo.jobs);
    expect(jobs).toMatchObject({ runs: 2, exactlyOnce: true, done: 36 });
    expect(await page.getAttribute('#jobs-verdict', 'class')).toBe('verdict ok');
  }, 70_000);
});

describe('a page left running', () => {
  it('typing for a while and garbage collection leave no growing number of channels behind', async () => {
    await collect();
    const baseline = (await names()).length;
    // 30 debounced queries: each makes an after(250) and a request; several runs of jobs made 'jobs' channels
    for (let i = 0; i < 30; i++) {
      await page.fill('#search-box', `q${i}`);
      await page.waitForTimeout(i % 3 === 0 ? 300 : 60);
    }
    await page.fill('#search-box', 'pull');
    await page.waitForFunction(() => (window as any).demo.search.renderedQuery === 'pull', null, { timeout: TIMEOUT });
    await collect();
    const after = await names();
    expect(after.filter((name) => name === 'after(250)')).toHaveLength(0);
    expect(after.filter((name) => name === 'jobs')).toHaveLength(0); // two finished runs, collected
    expect(after.length).toBeLessThanOrEqual(baseline);
  }, 60_000);

  it('nothing on the page threw, logged an error, or left a rejection unhandled', () => {
    expect(problems).toEqual([]);
  });
});

describe('links', () => {
  it('the footer’s link opens demo 5, whose “Back” link returns to the demos', async () => {
    const second = await browser.newPage();
    try {
      await second.goto(server.url);
      await second.click('footer a[href="worker-demo.html"]');
      await second.waitForURL(/worker-demo\.html$/);
      await second.waitForFunction(() => (window as any).workerDemo?.ready === true, null, { timeout: TIMEOUT });
      await second.click('a[href="./"]');
      await second.waitForURL(/\/examples\/browser\/$/);
      await second.waitForFunction(() => (window as any).demo !== undefined, null, { timeout: TIMEOUT });
    } finally {
      await second.close();
    }
  });
});
