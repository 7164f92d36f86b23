/**
 * Audit AY-web, Chromium: a channel handed to `postMessage` (a Go programmer's reflex: send the
 * channel itself to the Worker). chanasync is loaded from `dist/` through an import map.
 *
 * The README's answer for channels across contexts is `chanasync/port`; nothing says what
 * `worker.postMessage({ jobs })` does. The platform clones a class instance as a plain object of
 * its own fields, so the call succeeds, the Worker gets an object without `push`/`pull` (the
 * error comes later, far from the mistake: "jobs.pull is not a function"), and the values
 * buffered in the channel — which the SPEC keeps out of debug snapshots because "they may be
 * private or not cloneable" — are copied into the other context.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';
import { INDEX, type Served, serve } from './serve.js';

type Chanasync = typeof import('chanasync');

const WORKER = `self.onmessage = (event) => {
  const jobs = event.data.jobs;
  self.postMessage({ pull: typeof jobs?.pull, text: JSON.stringify(jobs) });
};`;

let served: Served;
let browser: Browser;

beforeAll(async () => {
  served = await serve({ '/index.html': INDEX, '/echo.js': WORKER });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** Posts `{ jobs }` (a channel holding 'secret-token') to a Worker; what the call did and what arrived. */
async function postChannel(): Promise<{ thrown: string | null; arrived: { pull: string; text: string } | null }> {
  const page = await browser.newPage();
  try {
    await page.goto(`${served.origin}/index.html`);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 15_000 });
    return await page.evaluate(async () => {
      const { Channel } = (window as unknown as { ca: Chanasync }).ca;
      const jobs = new Channel<string>(4, { name: 'jobs' });
      jobs.pushNowait('secret-token');
      const worker = new Worker('/echo.js');
      try {
        const arrived = new Promise<{ pull: string; text: string }>((resolve) => {
          worker.onmessage = (event) => resolve(event.data);
        });
        try {
          worker.postMessage({ jobs });
        } catch (error) {
          return { thrown: (error as Error).name, arrived: null };
        }
        return { thrown: null, arrived: await arrived };
      } finally {
        worker.terminate();
      }
    });
  } finally {
    await page.close();
  }
}

describe('a channel given to postMessage', () => {
  it('is refused at the call (DataCloneError), as a value that cannot cross contexts, rather than arriving as a dead plain object', async () => {
    const { thrown, arrived } = await postChannel();
    // Observed in Chromium 156: thrown null; the Worker got { pull: 'undefined',
    // text: '{"o":["secret-token",null,null,null],"p":0,"b":1,…,"v":"jobs",…}' }.
    expect({ thrown, arrived }).toEqual({ thrown: 'DataCloneError', arrived: null });
  });

  it('does not copy the values buffered in the channel into the other context', async () => {
    const { arrived } = await postChannel();
    expect(arrived?.text ?? '').not.toContain('secret-token');
  });
});
