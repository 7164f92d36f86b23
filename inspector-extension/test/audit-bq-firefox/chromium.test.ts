/**
 * Audit BQ-firefox, the Chromium side of the comparison: the same buggy app (fixtures/bugs.html)
 * and the same 321 channels in Debian's Chromium with `inspector-extension/dist/chrome` as built,
 * the panel opened as a tab. Where the READMEs say Chrome and Firefox behave alike, the panel
 * must read the same in both (firefox.test.ts checks the Firefox side with the same values).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBuiltExtension } from '../audit-ay/browser.js';
import { loadFixture, newTab, repoRoot } from '../harness.mjs';

const FIXTURES = '/inspector-extension/test/audit-bq-firefox/fixtures';
const POLL = { timeout: 20_000, interval: 250 };

function lineOf(file: string, tag: string): number {
  const lines = readFileSync(join(repoRoot, FIXTURES, file), 'utf8').split('\n');
  return lines.findIndex((line) => line.includes(`BQF:${tag}`)) + 1;
}

interface Shown {
  name: string;
  state: string;
  frame: string;
  where: string;
  occupancy: string;
}

const read = (panel: Page) =>
  panel.evaluate(() => ({
    rows: [...document.querySelectorAll('.row')].map((row) => {
      const text = (selector: string) => (row.querySelector(selector)?.textContent ?? '').trim();
      return {
        name: text('.name-text'),
        state: text('.col-state'),
        frame: text('.col-frame'),
        where: text('.col-where'),
        occupancy: text('.occupancy-text'),
      } as Shown;
    }),
    status: document.getElementById('status')?.textContent ?? '',
  }));

describe('audit BQ-firefox: the same apps in Chromium', () => {
  const env = useBuiltExtension();

  async function inspect(fixture: string) {
    const { context, extensionId, serviceWorker } = env.browser;
    const { page, tabId } = await newTab(context, serviceWorker);
    const panel = await context.newPage();
    await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
    await panel.fill('#threshold', '2');
    await loadFixture(page, `${env.server.origin}${FIXTURES}/${fixture}`);
    const close = async () => {
      await panel.close();
      await page.close();
    };
    return { page, panel, close };
  }

  it('bugs.html reads as in Firefox: the same stuck rows, order, tags, locations and status line', async () => {
    const { panel, close } = await inspect('bugs.html');
    try {
      await expect
        .poll(
          async () =>
            (await read(panel)).rows
              .filter((row) => row.state === 'stuck')
              .map((row) => row.name)
              .sort(),
          POLL,
        )
        .toEqual(['bqf-to-a', 'bqf-to-b', 'bqf-work', 'bqf-worker-jobs', 'select: pull bqf-sel-a | pull bqf-sel-b']);
      const { rows, status } = await read(panel);
      const at = (name: string) => rows.find((row) => row.name === name);
      expect(rows[0]).toMatchObject({
        name: 'bqf-work',
        occupancy: '3 / 3',
        where: `producer (bugs.js:${lineOf('bugs.js', 'producer')})`,
      });
      expect(at('bqf-to-a')?.where).toBe(`alice (bugs.js:${lineOf('bugs.js', 'alice')})`);
      expect(at('select: pull bqf-sel-a | pull bqf-sel-b')?.where).toBe(
        `waitEither (bugs.js:${lineOf('bugs.js', 'select')})`,
      );
      expect(at('fromEvent(click)')?.state).toBe('waiting for input');
      expect(at('bqf-worker-jobs')?.frame).toBe('top › worker bqf-worker.js');
      expect(at('bqf-worker-jobs')?.where).toBe(`waitJob (bqf-worker.js:${lineOf('bqf-worker.js', 'worker')})`);
      expect(status).toBe('7 channels · 5 stuck · 1 waiting for input · 1 frame · 1 worker');
    } finally {
      await close();
    }
  });

  it('many.html reads as in Firefox: 321 channels, the needle first, the full ones first by Occupancy', async () => {
    const { panel, close } = await inspect('many.html');
    try {
      await expect.poll(async () => (await read(panel)).status, POLL).toBe('321 channels · 1 stuck');
      await panel.click('[data-sort="occupancy"]');
      await expect
        .poll(async () => (await read(panel)).rows.slice(0, 3).map((row) => `${row.name} ${row.occupancy}`), POLL)
        .toEqual(['bqf-needle ', 'bqf-cache-007 10 / 10', 'bqf-cache-071 10 / 10']);
    } finally {
      await close();
    }
  });
});
