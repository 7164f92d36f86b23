/**
 * End to end: the example page in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core), served in-process by serve.mjs from the repository root. It reads the
 * built dist/ (`npm test` builds it first) and never rebuilds it, since other test files read
 * dist/ at the same time.
 *
 * The extension check (second describe) runs once inspector-extension/build.mjs exists: it
 * loads (a copy of) the built extension unpacked in a fresh profile, opens its panel page as a
 * tab for the example page's tab, and checks that the panel lists the page's channels and
 * marks 'stuck-demo' stuck.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../test/helpers/chromium.mjs';
// @ts-expect-error serve.mjs is plain JavaScript without declarations
import { builtExtension, root, start } from '../serve.mjs';

declare global {
  interface Window {
    demo: any;
  }
}

const CHROMIUM = CHROMIUM_PATH;
const ARGS = [...CHROMIUM_ARGS];
const TIMEOUT = 20_000;

type Server = { url: string; close(): Promise<void> };

function requireDist() {
  if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'dist', 'debug.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
}

/** Opens the page and waits until the demos are running. */
async function openDemo(page: Page, url: string) {
  await page.goto(url);
  await page.waitForFunction(() => window.demo !== undefined, null, { timeout: TIMEOUT });
}

describe('the browser example page', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireDist();
    server = await start({ port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1240, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await openDemo(page, server.url);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the page loads dist/ as plain modules, with debug mode on', async () => {
    await expect.poll(() => page.textContent('#debug-status')).toBe('debug mode: on, with stacks');
    const response = await page.request.get(new URL('../../dist/index.js', server.url).href);
    expect(response.headers()['content-type']).toMatch(/^text\/javascript/);
  });

  test('search shows only the last query’s results, and stale requests were aborted', async () => {
    await page.click('#search-box');
    // Each burst waits until its request is in flight (the backend takes ≥ 300 ms), so the
    // next keystroke aborts it: "ch" and "chan" are aborted; "channel" is answered.
    for (const burst of ['ch', 'an', 'nel']) {
      await page.keyboard.type(burst, { delay: 20 });
      if (burst !== 'nel') {
        await page.waitForFunction(() => window.demo.search.inFlight !== null, null, { timeout: TIMEOUT });
      }
    }
    await page.waitForFunction(() => window.demo.search.renderedQuery === 'channel', null, { timeout: TIMEOUT });
    const search = await page.evaluate(() => window.demo.search);
    expect(search.aborted).toBeGreaterThanOrEqual(2);
    expect(search.answered).toBe(1); // the aborted requests never rendered anything
    expect(search.requests).toBe(search.aborted + search.answered);
    expect(search.results.length).toBeGreaterThan(0);
    const shown = await page.$$eval('#search-results li', (items) => items.map((item) => item.textContent ?? ''));
    expect(shown).toEqual(search.results);
    for (const word of shown) expect(word).toContain('channel');
    expect(await page.getAttribute('#search-results', 'data-query')).toBe('channel');
    expect(await page.$$eval('#search-log li.aborted', (items) => items.length)).toBe(search.aborted);
  });

  test('the pointer channel never holds more than its capacity, and drops the oldest', async () => {
    const pad = (await page.locator('#pointer-pad').boundingBox())!;
    const moves = 150;
    for (let i = 0; i < moves; i++) {
      await page.mouse.move(pad.x + 10 + ((i * 7) % (pad.width - 20)), pad.y + 10 + ((i * 13) % (pad.height - 20)));
    }
    const last = {
      x: Math.round(10 + (((moves - 1) * 7) % (pad.width - 20))),
      y: Math.round(10 + (((moves - 1) * 13) % (pad.height - 20))),
    };
    // Wait until the slow renderer has caught up with the last event.
    await page.waitForFunction(
      () => {
        const p = window.demo.pointer;
        return p.produced > 0 && p.consumed + p.dropped === p.produced;
      },
      null,
      { timeout: TIMEOUT },
    );
    const pointer = await page.evaluate(() => window.demo.pointer);
    expect(pointer.capacity).toBe(1);
    expect(pointer.produced).toBeGreaterThanOrEqual(moves);
    expect(pointer.maxSize).toBe(1); // it filled up, and never beyond its capacity
    expect(pointer.dropped).toBeGreaterThan(0); // the renderer is slower than the pointer
    expect(pointer.consumed).toBeLessThan(pointer.produced);
    expect(Math.abs(pointer.latest.x - last.x)).toBeLessThanOrEqual(1); // it drew the newest position
    expect(Math.abs(pointer.latest.y - last.y)).toBeLessThanOrEqual(1);
  });

  test('the job queue finishes every job exactly once, with backpressure on the producers', async () => {
    await page.click('#jobs-run');
    await page.waitForFunction(() => window.demo.jobs.exactlyOnce !== null, null, { timeout: TIMEOUT });
    const jobs = await page.evaluate(() => window.demo.jobs);
    expect(jobs.exactlyOnce).toBe(true);
    expect(jobs.done).toBe(jobs.total);
    expect(jobs.pushed).toBe(jobs.total);
    expect(jobs.duplicates).toBe(0);
    expect(jobs.missing).toBe(0);
    expect(jobs.maxSize).toBe(jobs.capacity); // the buffer filled up, and never beyond
    expect(jobs.maxWaitingPushers).toBeGreaterThan(0); // producers waited on a full buffer
    expect(await page.textContent('#jobs-verdict')).toContain('each exactly once');
    // The README's numbers: three producers, a buffer of 5, three workers, 36 jobs.
    expect([jobs.total, jobs.capacity]).toEqual([36, 5]);
    expect(await page.$$eval('#jobs-producers > li', (rows) => rows.length)).toBe(3);
    expect(await page.$$eval('#jobs-workers > li', (rows) => rows.length)).toBe(3);
  });

  test('the stuck button parks a pull on “stuck-demo” that debug mode reports with its stack', async () => {
    await page.click('#stuck-park');
    const stuck = await page.evaluate(() =>
      window.demo.snapshot().channels.find((channel: { name: string }) => channel.name === 'stuck-demo'),
    );
    expect(stuck).toMatchObject({ name: 'stuck-demo', capacity: 0, size: 0, closed: false, pushers: [] });
    expect(stuck.pullers).toHaveLength(1);
    expect(stuck.pullers[0].kind).toBe('pull');
    expect(stuck.pullers[0].stack).toContain('stuck.js');
    expect(stuck.createdAt).toContain('stuck.js');
    await expect.poll(() => page.textContent('#stuck-status')).toContain('parked on “stuck-demo”');
    expect(await page.textContent('#stuck-table tr.stuck')).toContain('stuck-demo');
    // The other parked operations are the demos' loops waiting on fromEvent and after(): input.
    const unexplained = () =>
      page.$$eval('#stuck-table tr', (rows) =>
        rows.filter((row) => !row.classList.contains('input')).map((row) => row.cells[0]?.textContent),
      );
    await expect.poll(unexplained).toEqual(['stuck-demo']);
    expect(await page.$$eval('#stuck-table tr.input', (rows) => rows.length)).toBeGreaterThan(0);
  });

  test('nothing on the page threw', () => {
    expect(pageErrors).toEqual([]);
  });
});

const extensionDir = join(root, 'inspector-extension');
const extensionBuild = join(extensionDir, 'build.mjs');

/** Whether `dir` holds a whole extension: its manifest and every file the manifest names. */
function isCompleteExtension(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const files = [
      manifest.background?.service_worker,
      manifest.devtools_page,
      ...(manifest.content_scripts ?? []).flatMap((script: { js?: string[] }) => script.js ?? []),
      'panel.html',
      'panel.js',
    ].filter((file): file is string => typeof file === 'string');
    return files.every((file) => existsSync(join(dir, file)));
  } catch {
    return false;
  }
}

/**
 * A private copy of the built extension in `to`. The extension's own tests rebuild
 * inspector-extension/dist (removing it first) and may run at the same time as this file, so
 * Chromium loads a copy, checked complete, never the folder a build may be emptying.
 */
async function copyOfExtension(to: string): Promise<string> {
  if (builtExtension() === undefined) execFileSync(process.execPath, [extensionBuild], { cwd: root, stdio: 'inherit' });
  for (let attempt = 0; attempt < 40; attempt++) {
    const from: string | undefined = builtExtension();
    rmSync(to, { recursive: true, force: true });
    try {
      if (from !== undefined) cpSync(from, to, { recursive: true });
    } catch {
      // A build removed the folder while it was being copied: try again.
    }
    if (isCompleteExtension(to)) return to;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('inspector-extension/dist/chrome never held a complete build');
}

describe.skipIf(!existsSync(extensionBuild))('the example page with the inspector extension loaded', () => {
  let server: Server;
  let context: BrowserContext;
  let scratch: string;

  beforeAll(async () => {
    requireDist();
    scratch = mkdtempSync(join(tmpdir(), 'chanasync-e2e-'));
    const unpacked = await copyOfExtension(join(scratch, 'extension'));
    server = await start({ port: 0 });
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1240, height: 900 },
      args: [`--disable-extensions-except=${unpacked}`, `--load-extension=${unpacked}`, ...ARGS],
    });
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('the panel shows the page’s channels and marks the stuck one', async () => {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: TIMEOUT }));
    const extensionId = new URL(worker.url()).host;

    // Without the "tabs" permission the extension sees tab ids but not their URLs: the page's
    // tab is the id that appears when the page opens.
    const tabIds = async (): Promise<number[]> =>
      (await worker.evaluate(() => (globalThis as any).chrome.tabs.query({}))).map((tab: { id: number }) => tab.id);
    const before = new Set(await tabIds());
    const page = await context.newPage();
    const tabId = (await tabIds()).find((id) => !before.has(id));
    expect(tabId).toBeTypeOf('number');
    await openDemo(page, server.url);
    await page.click('#stuck-park');
    await page.click('#jobs-run'); // a 'jobs' channel too, with producers parked on it for a while

    const panel = await context.newPage();
    await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);

    // The panel subscribed: the inspector said hello to the page's debug mode, and the page shows it.
    await expect.poll(() => page.textContent('#inspector-status'), { timeout: TIMEOUT }).toBe('inspector: connected');

    // It lists the page's channels by name…
    const names = () => panel.$$eval('.row .name-text', (cells) => cells.map((cell) => cell.textContent ?? ''));
    await expect.poll(names, { timeout: TIMEOUT }).toEqual(expect.arrayContaining(['stuck-demo', 'search-replies']));
    expect(await names()).toEqual(expect.arrayContaining(['fromEvent(input)', 'fromEvent(pointermove)']));

    // …and, once the parked pull has waited past the panel's threshold (5 s by default), marks
    // 'stuck-demo' stuck — and only it, first: the loops waiting on fromEvent and after()
    // channels (and the select that includes them) are waiting for input, never stuck.
    const stuckRow = panel.locator('.row.stuck', { has: panel.locator('.name-text', { hasText: /^stuck-demo$/ }) });
    await expect.poll(() => stuckRow.count(), { timeout: TIMEOUT }).toBe(1);
    expect(await stuckRow.locator('.col-state').textContent()).toBe('stuck');
    // The README: "… and where (`waitForever (stuck.js:…)`)".
    expect(await stuckRow.locator('.col-where').textContent()).toMatch(/^waitForever \(stuck\.js:\d+\)$/);
    const rows = () =>
      panel.$$eval('.row', (elements) =>
        elements.map((row) => ({
          name: row.querySelector('.name-text')?.textContent ?? '',
          state: row.querySelector('.col-state')?.textContent ?? '',
        })),
      );
    await page.waitForFunction(() => window.demo.jobs.exactlyOnce !== null, null, { timeout: TIMEOUT });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a repaint after the jobs finished
    const shown = await rows();
    expect(shown.filter((row) => row.state === 'stuck').map((row) => row.name)).toEqual(['stuck-demo']);
    expect(shown[0]).toEqual({ name: 'stuck-demo', state: 'stuck' });
    const stateOf = (name: string) => shown.find((row) => row.name === name)?.state;
    expect(stateOf('fromEvent(input)')).toBe('in a select'); // the search loop's select is one row…
    expect(shown.find((row) => row.name.startsWith('select: pull fromEvent(input)'))?.state).toBe('waiting for input');
    expect(stateOf('fromEvent(pointermove)')).toBe('waiting for input');
  });
});
