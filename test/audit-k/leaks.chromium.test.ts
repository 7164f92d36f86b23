/**
 * Audit K, in Chromium with its own garbage collector: SPEC "Leaked waiters" — every kind of
 * operation parked on a channel that becomes unreachable is reported exactly once, with kind,
 * since, parked-at and created-at, also behind the signals a page keeps alive (its own
 * controller, one a DOM listener holds, `AbortSignal.timeout`, `AbortSignal.any`); one
 * `console.warn` per leak, none with `warnLeaks: false`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LeakSnapshot, SnapshotMessage } from '../../src/protocol.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';

interface Kinds {
  abandonAll(): string[];
  settleAll(): Promise<void>;
  collect(): Promise<string[]>;
  snapshot(): SnapshotMessage;
}
type Win = typeof globalThis & { kinds: Kinds };

let server: Server;
let origin: string;
let browser: Browser;

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
  const script = result.outputFiles[0]?.text ?? '';
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/leak-kinds.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (path === '/leaks.html')
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><meta charset="utf-8"><script type="module" src="/leak-kinds.js"></script>');
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function open(query = ''): Promise<{ page: Page; errors: string[]; warnings: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.goto(`${origin}/leaks.html${query}`);
  await page.waitForFunction(() => 'kinds' in window);
  return { page, errors, warnings };
}

const sorted = (values: string[]) => [...values].sort();

describe('every kind of abandoned operation, behind every long-lived signal', () => {
  test('each is reported once, with its kind, since, parked-at and created-at, and warned about once', async () => {
    const { page, errors, warnings } = await open();
    // An inspector is connected: the snapshots posted to it keep no channel alive either.
    await page.evaluate(() => window.postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*'));
    const start = Date.now();
    const expected = await page.evaluate(() => (window as unknown as Win).kinds.abandonAll());
    expect(await page.evaluate(() => (window as unknown as Win).kinds.collect())).toEqual([]); // all collectable
    const leaked = await page.evaluate(() => (window as unknown as Win).kinds.snapshot().leaked ?? []);
    expect(sorted(leaked.map((leak: LeakSnapshot) => `${leak.channel.name}:${leak.kind}`))).toEqual(sorted(expected));
    expect(new Set(leaked.map((leak: LeakSnapshot) => leak.id)).size).toBe(leaked.length);
    for (const leak of leaked) {
      expect(leak.since).toBeGreaterThanOrEqual(start - 1000);
      expect(leak.detectedAt).toBeGreaterThanOrEqual(leak.since);
      expect(leak.detectedAt).toBeLessThanOrEqual(Date.now());
      // Where it parked: the scenario (or the broadcast's own pull, which has no user frame
      // but the subscribe that started it); where its channel was created: the scenario.
      expect(leak.stack, `${leak.channel.name}:${leak.kind}`).toMatch(/leak-kinds\.js/);
      expect(leak.channel.createdAt, leak.channel.name).toMatch(/leak-kinds\.js/);
    }
    await expect.poll(() => warnings.length).toBe(expected.length);
    expect(warnings.every((w) => /^chanasync: leaked (push|pull|select) — /.test(w))).toBe(true);
    // Later collections report nothing again.
    await page.evaluate(() => (window as unknown as Win).kinds.collect());
    expect((await page.evaluate(() => (window as unknown as Win).kinds.snapshot().leaked ?? [])).length).toBe(
      expected.length,
    );
    expect(warnings.length).toBe(expected.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('with warnLeaks: false, the leaks are in the snapshot and nothing is warned', async () => {
    const { page, errors, warnings } = await open('?warn=off');
    const expected = await page.evaluate(() => (window as unknown as Win).kinds.abandonAll());
    expect(await page.evaluate(() => (window as unknown as Win).kinds.collect())).toEqual([]);
    const leaked = await page.evaluate(() => (window as unknown as Win).kinds.snapshot().leaked ?? []);
    expect(leaked.length).toBe(expected.length);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('no false positive', () => {
  test('operations committed, aborted by any kind of signal, or failed by close are never reported', async () => {
    const { page, errors, warnings } = await open();
    await page.evaluate(() => (window as unknown as Win).kinds.settleAll());
    expect(await page.evaluate(() => (window as unknown as Win).kinds.collect())).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as Win).kinds.snapshot().leaked)).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
