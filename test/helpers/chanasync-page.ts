/**
 * A blank page of headless Chromium (Debian's, through playwright-core) with chanasync bundled
 * from src/ as the global `chanasync`, for the tests that run the library against the
 * browser's own platform objects. Errors the page throws are collected in `pageErrors`.
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

declare global {
  interface Window {
    chanasync: typeof import('../../src/index.js');
  }
}

/** Launches Chromium and opens the page; close `browser` after the tests. */
export async function openChanasyncPage(): Promise<{ browser: Browser; page: Page; pageErrors: string[] }> {
  const bundle = await esbuild.build({
    entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'chanasync',
    platform: 'browser',
    write: false,
  });
  const pageErrors: string[] = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  const page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.setContent('<!doctype html><title>chanasync</title>');
  await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
  return { browser, page, pageErrors };
}
