// Audit BS (blind): a small harness for driving Debian's Chromium with the unpacked inspector
// extension. It serves test pages (and a private copy of chanasync's dist/) over node:http, and
// opens the Channels panel as a tab or in the real DevTools.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
export const repo = join(here, '..', '..', '..');

/** Waits until `check` returns a truthy value (or stops throwing); fails with the last value. */
export async function until<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 20_000,
): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const types: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html',
  '.map': 'application/json',
};

export interface Served {
  readonly server: Server;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** The same server under another origin (`http://localhost:PORT`): a cross-origin frame. */
  readonly otherOrigin: string;
  /** Pages registered by path (`/x.html` → body). */
  readonly pages: Map<string, string>;
  close(): Promise<void>;
}

/** Builds (once per process) and copies the library's dist/ and the Chrome extension to a private folder. */
export function prepare(): { dist: string; extension: string; scratch: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'audit-bs-'));
  if (
    !existsSync(join(repo, 'dist', 'debug.js')) ||
    !existsSync(join(repo, 'inspector-extension', 'dist', 'chrome', 'manifest.json'))
  ) {
    execFileSync('node', ['esbuild.config.mjs'], { cwd: repo, stdio: 'ignore' });
    execFileSync('node', ['inspector-extension/build.mjs'], { cwd: repo, stdio: 'ignore' });
  }
  const dist = join(scratch, 'dist');
  const extension = join(scratch, 'ext');
  // Another session may be rebuilding dist/ right now: retry the copy.
  for (let attempt = 0; ; attempt++) {
    try {
      cpSync(join(repo, 'dist'), dist, { recursive: true });
      cpSync(join(repo, 'inspector-extension', 'dist', 'chrome'), extension, { recursive: true });
      readFileSync(join(extension, 'manifest.json'));
      readFileSync(join(dist, 'debug.js'));
      break;
    } catch (error) {
      if (attempt > 20) throw error;
      rmSync(dist, { recursive: true, force: true });
      rmSync(extension, { recursive: true, force: true });
      execFileSync('sleep', ['0.5']);
    }
  }
  return { dist, extension, scratch };
}

export async function serve(dist: string): Promise<Served> {
  const pages = new Map<string, string>();
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const page = pages.get(path);
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': types[extname(path)] ?? 'text/html', 'cache-control': 'no-store' });
      response.end(page);
      return;
    }
    if (path.startsWith('/dist/')) {
      const file = normalize(join(dist, path.slice('/dist/'.length)));
      if (file.startsWith(dist) && existsSync(file)) {
        response.writeHead(200, {
          'content-type': types[extname(file)] ?? 'application/octet-stream',
          'access-control-allow-origin': '*',
        });
        response.end(readFileSync(file));
        return;
      }
    }
    response.writeHead(404);
    response.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    pages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Browser {
  readonly context: BrowserContext;
  readonly worker: Worker;
  readonly extensionId: string;
  close(): Promise<void>;
}

export async function launch(extension: string, scratch: string): Promise<Browser> {
  const profile = join(scratch, 'profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--js-flags=--expose-gc',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    worker,
    extensionId,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The file's server, set by {@link useSession}'s `beforeAll` (a live binding: read it in tests). */
export let served: Served;
/** The file's Chromium with the extension, set by {@link useSession}'s `beforeAll`. */
export let browser: Browser;
/** Pages a test opened, closed by {@link useSession}'s `afterAll`. */
export const opened: Page[] = [];

/**
 * One server and one Chromium with the extension for the whole test file, each on its own copy
 * of dist/ and the extension: starts them before the file's tests and closes everything after.
 */
export function useSession(): void {
  beforeAll(async () => {
    const { dist, extension, scratch } = prepare();
    served = await serve(dist);
    browser = await launch(extension, scratch);
  }, 60_000);
  afterAll(async () => {
    for (const page of opened.splice(0)) await page.close().catch(() => {});
    await browser?.close();
    await served?.close();
  });
}

/** Forces a few garbage collections in `page` (Chromium runs with `--expose-gc`), a task apart. */
export async function collect(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const g = (globalThis as unknown as { gc?: () => void }).gc;
    for (let i = 0; i < 4; i++) {
      g?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
}

/** The extension's ids of every open tab. */
export async function tabIds(browser: Browser): Promise<number[]> {
  return browser.worker.evaluate(async () => {
    const c = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id?: number }[]> } } }).chrome;
    return (await c.tabs.query({})).map((tab) => tab.id ?? -1);
  });
}

/** Opens `url` in a new tab and returns the page and its extension tab id. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; tabId: number }> {
  const before = new Set(await tabIds(browser));
  const page = await browser.context.newPage();
  const tabId = await until(async () => (await tabIds(browser)).find((id) => !before.has(id)), 'the new tab id');
  await page.goto(url);
  return { page, tabId };
}

/** Opens the panel page as a plain tab for `tabId`. */
export async function openPanel(browser: Browser, tabId: number, width = 1400): Promise<Page> {
  const panel = await browser.context.newPage();
  await panel.setViewportSize({ width, height: 900 });
  await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${tabId}`);
  return panel;
}

export interface Row {
  readonly key: string;
  readonly kind: string;
  readonly name: string;
  readonly state: string;
  readonly frame: string;
  readonly capacity: string;
  readonly occupancy: string;
  readonly overflow: string;
  readonly pushers: string;
  readonly pullers: string;
  readonly wait: string;
  readonly where: string;
  readonly whereTitle: string;
  readonly className: string;
}

/** The rendered rows of the panel's table, in order. */
export async function rows(panel: Page): Promise<Row[]> {
  return panel.evaluate(() =>
    [...document.querySelectorAll('#viewport .tbody .row')].map((row) => {
      const cell = (name: string) => (row.querySelector(`.col-${name}`)?.textContent ?? '').replace(/\s+/g, ' ').trim();
      return {
        key: row.getAttribute('data-key') ?? '',
        kind: [...row.classList].find((c) => c.startsWith('kind-'))?.slice(5) ?? '',
        name: (row.querySelector('.col-name .name-text') ?? row.querySelector('.col-name'))?.textContent?.trim() ?? '',
        state: cell('state'),
        frame: cell('frame'),
        capacity: cell('capacity'),
        occupancy: cell('occupancy'),
        overflow: cell('overflow'),
        pushers: cell('pushers'),
        pullers: cell('pullers'),
        wait: cell('wait'),
        where: cell('where'),
        whereTitle: row.querySelector('.col-where')?.getAttribute('title') ?? '',
        className: row.className,
      };
    }),
  );
}

/** The row named `name` (exactly), or undefined. */
export async function row(panel: Page, name: string): Promise<Row | undefined> {
  return (await rows(panel)).find((r) => r.name === name);
}

/** Parses an age as the panel writes it (`820 ms`, `12.3 s`, `5 min 3 s`, `2 h 10 min`) to ms. */
export function parseAge(text: string): number | undefined {
  const m = /(?:(\d+) h)?\s*(?:(\d+) min)?\s*(?:([\d.]+) s)?\s*(?:(\d+) ms)?/.exec(text.trim());
  if (!m || text.trim() === '' || !/\d/.test(text)) return undefined;
  return Number(m[1] ?? 0) * 3_600_000 + Number(m[2] ?? 0) * 60_000 + Number(m[3] ?? 0) * 1000 + Number(m[4] ?? 0);
}

/** The count in a Pushers/Pullers cell (`1 · 7.4 s` → 1, `–` → 0). */
export function count(cell: string): number {
  const m = /^(\d+)/.exec(cell);
  return m ? Number(m[1]) : 0;
}

/** Sets the stuck threshold in the toolbar (seconds). */
export async function setThreshold(panel: Page, seconds: number): Promise<void> {
  await panel.fill('#threshold', String(seconds));
  await panel.dispatchEvent('#threshold', 'change');
}

export async function status(panel: Page): Promise<string> {
  return (await panel.textContent('#status')) ?? '';
}

/** A page that loads chanasync (index and debug) from the server's /dist and runs `body` as a module. */
export function modulePage(body: string, extraHtml = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>audit-bs</title></head><body>${extraHtml}
<script type="module">
import * as chan from '/dist/index.js';
import * as dbg from '/dist/debug.js';
window.chan = chan; window.dbg = dbg;
${body}
</script></body></html>`;
}
