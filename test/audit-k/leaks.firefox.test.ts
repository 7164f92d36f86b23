/**
 * Audit K, in Firefox (firefox-esr through Marionette, SpiderMonkey's collector and Gecko's
 * AbortSignal): the same leak scenarios as leaks.chromium.test.ts — every kind of abandoned
 * operation, behind every long-lived signal a page keeps, is reported once with its kind and
 * stacks; nothing committed, aborted or failed by close is.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LeakSnapshot } from '../../src/protocol.js';
import { FIREFOX_PATH, type FileServer, type FirefoxTab, launchFirefox, serveFiles } from '../helpers/firefox.js';

let firefox: FirefoxTab;
let server: FileServer;
let pageUrl: string;

describe.skipIf(!existsSync(FIREFOX_PATH))('leaks in Firefox', () => {
  beforeAll(async () => {
    const result = await esbuild.build({
      entryPoints: { 'leak-kinds': join(import.meta.dirname, 'fixtures', 'leak-kinds.ts') },
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      outdir: '/out',
      logLevel: 'error',
    });
    const files = new Map([
      ['/leak-kinds.js', result.outputFiles[0]?.text ?? ''],
      [
        '/leaks.html',
        '<!doctype html><meta charset="utf-8"><title>leaks</title><script type="module" src="/leak-kinds.js"></script>',
      ],
    ]);
    server = await serveFiles(join(import.meta.dirname, 'fixtures'), files);
    pageUrl = `http://127.0.0.1:${server.port}/leaks.html`;
    firefox = await launchFirefox();
  }, 60_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  /** Forces collections until the page's abandoned channels are gone; the names still alive. */
  async function collect(): Promise<string[]> {
    let alive: string[] = [];
    for (let round = 0; round < 20; round++) {
      await firefox.session.send('WebDriver:ExecuteScript', {
        script: 'Components.utils.forceGC(); Components.utils.forceCC(); Components.utils.forceGC();',
        args: [],
        sandbox: 'system',
      });
      alive = await firefox.run('await new Promise((r) => setTimeout(r, 10)); return window.kinds.remaining();');
      if (alive.length === 0) break;
    }
    await firefox.run('await new Promise((r) => setTimeout(r, 50));');
    return alive;
  }

  test('every kind of abandoned operation, behind every long-lived signal, is reported once with kind and stacks', async () => {
    await firefox.navigate(pageUrl, "'kinds' in window");
    await firefox.run(`
      window.warnings = [];
      const warn = console.warn;
      console.warn = (...args) => { window.warnings.push(String(args[0])); };
    `);
    const expected: string[] = await firefox.run('return window.kinds.abandonAll();');
    expect(await collect()).toEqual([]);
    const { leaked, warnings } = await firefox.run<{ leaked: LeakSnapshot[]; warnings: string[] }>(
      'return { leaked: window.kinds.snapshot().leaked ?? [], warnings: window.warnings };',
    );
    expect(leaked.map((leak) => `${leak.channel.name}:${leak.kind}`).sort()).toEqual([...expected].sort());
    for (const leak of leaked) {
      expect(leak.stack, `${leak.channel.name}:${leak.kind}`).toMatch(/leak-kinds\.js/);
      expect(leak.channel.createdAt, leak.channel.name).toMatch(/leak-kinds\.js/);
      expect(leak.detectedAt).toBeGreaterThanOrEqual(leak.since);
    }
    expect(warnings).toHaveLength(expected.length);
  });

  test('operations committed, aborted by any kind of signal, or failed by close are never reported', async () => {
    await firefox.navigate(pageUrl, "'kinds' in window");
    await firefox.run('await window.kinds.settleAll();');
    expect(await collect()).toEqual([]);
    expect(await firefox.run('return window.kinds.snapshot().leaked ?? null;')).toBeNull();
  });
});
