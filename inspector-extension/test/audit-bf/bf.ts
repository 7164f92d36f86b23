/**
 * Audit BF: what the test files share — the built extension in Debian's Chromium (through
 * audit-ay/browser.ts, no build), a panel opened as a tab for a fixture, and reading its rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { AyBrowser } from '../audit-ay/browser.js';
import { loadFixture, newTab, repoRoot } from '../harness.mjs';
import { row, text } from '../panel-rows.js';

export const FIXTURES = '/inspector-extension/test/audit-bf/fixtures';
export const POLL = { timeout: 20_000, interval: 150 };
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The 1-based line of the fixture `file` that carries the marker `BF:<tag>`. */
export function lineOf(file: string, tag: string): number {
  const lines = readFileSync(join(repoRoot, FIXTURES, file), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`BF:${tag}`));
  if (index < 0) throw new Error(`no BF:${tag} in ${file}`);
  return index + 1;
}

export interface Inspected {
  page: Page;
  panel: Page;
  tabId: number;
  url: string;
  errors: string[];
  done(): Promise<void>;
}

/**
 * A new tab with the fixture loaded, and a panel (as a tab) on it — opened before the page loads
 * unless `panelFirst` is false — with the stuck threshold set to `threshold` seconds.
 */
export async function inspect(
  env: AyBrowser,
  fixture: string,
  { threshold = '1', panelFirst = true }: { threshold?: string; panelFirst?: boolean } = {},
): Promise<Inspected> {
  const { context, extensionId, serviceWorker } = env.browser;
  const { page, tabId } = await newTab(context, serviceWorker);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  const url = `chrome-extension://${extensionId}/panel.html?tabId=${tabId}`;
  const panel = await context.newPage();
  panel.on('pageerror', (error) => errors.push(`panel: ${error.message}`));
  const openPanel = async () => {
    await panel.goto(url);
    await panel.fill('#threshold', threshold);
  };
  if (panelFirst) await openPanel();
  await loadFixture(page, `${env.server.origin}${FIXTURES}/${fixture}`);
  if (!panelFirst) await openPanel();
  return {
    page,
    panel,
    tabId,
    url,
    errors,
    done: async () => {
      await panel.close().catch(() => {});
      await page.close().catch(() => {});
    },
  };
}

/** Each row as `label:state`, for the rows the panel built (the ones in view). */
export const rows = (panel: Page): Promise<string[]> =>
  panel.$$eval('.row', (list) =>
    list.map((r) => `${r.querySelector('.name-text')?.textContent}:${r.querySelector('.col-state')?.textContent}`),
  );

/** Seconds in a Waiting cell ("12.3 s", "820 ms", "1 min 3 s"). */
export function seconds(cell: string | null): number {
  let total = 0;
  for (const [, n, unit] of (cell ?? '').matchAll(/([\d.]+)\s*(ms|s|min|h)\b/g)) {
    total += Number(n) * ({ ms: 0.001, s: 1, min: 60, h: 3600 } as Record<string, number>)[unit as string]!;
  }
  return total;
}

/** The text of one cell (`.col-where`, `.col-wait`, …) of the row labelled `name`. */
export const cell = (panel: Page, name: string, column: string) => text(row(panel, name).locator(column));
