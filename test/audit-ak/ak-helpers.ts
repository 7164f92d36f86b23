/**
 * Audit AK's page helpers: opens test/port/page.html (chanasync as `window.lib`) through
 * usePortPages, and adds `settle`, `within` and `summary` to the page, so a test can return how
 * a promise settled as plain data.
 */
import type { Page } from 'playwright-core';
import type { PortPages } from '../helpers/port-pages.js';

declare global {
  interface Window {
    /** How `promise` settled, as data: `{ value }` or `{ error: summary(error) }`. */
    settle: (promise: Promise<unknown>) => Promise<{ value?: any; error?: any }>;
    /** `promise`, or a rejection after `ms` (a test's own generous bound). */
    within: (promise: Promise<any>, ms: number, what: string) => Promise<any>;
    /** An error as data: name, message, class, cause's name, and a port rejection's accounting. */
    summary: (error: any) => any;
    /** The value of a JavaScript expression given as source (test cases written as text). */
    value: (source: string) => any;
    /** Waits until `condition()` holds, looking every 5 ms; rejects after `ms`. */
    until: (condition: () => boolean, ms?: number) => Promise<void>;
  }
}

/** Opens a page with the helpers above. */
export async function openPage(pages: PortPages, options?: Parameters<PortPages['open']>[0]): Promise<Page> {
  const page = await pages.open(options);
  await page.evaluate(() => {
    window.summary = (error) =>
      error === null || typeof error !== 'object'
        ? error
        : {
            name: error.name,
            message: String(error.message),
            isError: error instanceof Error,
            isDOMException: error instanceof DOMException,
            causeName: error.cause?.name,
            sent: error.sent,
            undelivered: Array.isArray(error.undelivered) ? error.undelivered.map((v: unknown) => typeof v) : undefined,
          };
    window.settle = async (promise) => {
      try {
        return { value: await promise };
      } catch (error) {
        return { error: window.summary(error) };
      }
    };
    window.within = (promise, ms, what) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      return Promise.race<any>([
        promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
        }),
      ]).finally(() => clearTimeout(timer));
    };
    window.value = (source) => new Function(`return (${source});`)();
    window.until = async (condition, ms = 15_000) => {
      const deadline = performance.now() + ms;
      while (!condition()) {
        if (performance.now() > deadline) throw new Error('condition not reached in time');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
  });
  return page;
}
