/**
 * Audit AC in real Chromium (its own AbortSignal, EventTarget, timers and collector): a channel
 * abandoned with a pull and a select parked on it with a long-lived signal is collected, and
 * the signal still rejects the abandoned callers; DOM listeners of `fromEvent` go on close;
 * a select whose signal cannot listen leaves no case queued (the audit's fix, in a browser).
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
  });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.setContent('<!doctype html><title>audit ac</title><button id="b">b</button>');
  // The built dist/ (what `import 'chanasync'` gives), as the global `chanasync`.
  const bundle = await esbuild.build({
    entryPoints: [join(import.meta.dirname, '..', '..', 'dist', 'index.js')],
    bundle: true,
    format: 'iife',
    globalName: 'chanasync',
    platform: 'browser',
    write: false,
  });
  await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('in Chromium', () => {
  it('abandoned channels parked on with a long-lived signal are collected; the abort still reaches their callers', async () => {
    const result = await page.evaluate(async () => {
      const { Channel, pull, select } = (window as unknown as { chanasync: typeof import('chanasync') }).chanasync;
      const gc = (globalThis as unknown as { gc: () => void }).gc;
      const controller = new AbortController();
      const refs: WeakRef<object>[] = [];
      const settled: Promise<unknown>[] = [];
      (() => {
        const a = new Channel<number>();
        const b = new Channel<number>(1);
        b.tryPush(0);
        settled.push(a.pull({ signal: controller.signal }).catch((e: unknown) => e));
        settled.push(b.push(1, { signal: controller.signal }).catch((e: unknown) => e));
        settled.push(
          select([pull(a), pull(new Channel<number>())], { signal: controller.signal }).catch((e: unknown) => e),
        );
        refs.push(new WeakRef(a), new WeakRef(b));
      })();
      let collected = false;
      for (let round = 0; round < 40 && !collected; round++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        gc();
        collected = refs.every((ref) => ref.deref() === undefined);
      }
      controller.abort('bye');
      return { collected, reasons: await Promise.all(settled) };
    });
    expect(result).toEqual({ collected: true, reasons: ['bye', 'bye', 'bye'] });
  });

  it('fromEvent on a DOM button: close, and abort, remove the listener (a click after reaches nothing)', async () => {
    const result = await page.evaluate(async () => {
      const { fromEvent } = (window as unknown as { chanasync: typeof import('chanasync') }).chanasync;
      const button = document.getElementById('b') as HTMLButtonElement;
      const added = new Map<unknown, number>();
      const add = button.addEventListener.bind(button);
      const remove = button.removeEventListener.bind(button);
      button.addEventListener = ((type: string, listener: EventListener, options?: unknown) => {
        added.set(listener, (added.get(listener) ?? 0) + 1);
        add(type, listener, options as AddEventListenerOptions);
      }) as typeof button.addEventListener;
      button.removeEventListener = ((type: string, listener: EventListener, options?: unknown) => {
        added.delete(listener);
        remove(type, listener, options as EventListenerOptions);
      }) as typeof button.removeEventListener;
      const controller = new AbortController();
      const closed = fromEvent(button, 'click');
      const aborted = fromEvent(button, 'click', { signal: controller.signal, listenerOptions: { capture: true } });
      const whileOpen = added.size;
      button.click();
      const first = [closed.size, aborted.size];
      closed.close();
      controller.abort();
      button.click();
      return { whileOpen, first, after: added.size, sizes: [closed.size, aborted.size] };
    });
    expect(result).toEqual({ whileOpen: 2, first: [1, 1], after: 0, sizes: [1, 1] });
  });

  it('a select whose signal cannot listen rejects and leaves no case to take a later value', async () => {
    const result = await page.evaluate(async () => {
      const { Channel, pull, select } = (window as unknown as { chanasync: typeof import('chanasync') }).chanasync;
      const real = new AbortController().signal;
      // A Proxy of a real signal whose addEventListener fails.
      const signal = new Proxy(real, {
        get(target, key) {
          if (key === 'addEventListener') {
            return () => {
              throw new Error('cannot listen');
            };
          }
          const value = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const a = new Channel<string>();
      const b = new Channel<string>();
      const error = await select([pull(a), pull(b)], { signal }).catch((e: Error) => e.message);
      const taken = a.tryPush('X');
      return { error, taken, waiting: a.stats().waitingPullers + b.stats().waitingPullers };
    });
    expect(result).toEqual({ error: 'cannot listen', taken: false, waiting: 0 });
    expect(pageErrors).toEqual([]);
  });
});
