/**
 * Auditor AX — port-stale-pairing.test.ts in headless Chromium, with real module Workers: a
 * `toPort` that gave up while pairing (its signal aborted before any receiver answered) must not
 * close a Worker's `fromPort` created after that moment (the Worker's script was still starting,
 * so it hears the queued `open` and `end` late), and the retried `toPort` of the same name pairs
 * with it. A receiver that existed when the sender gave up still closes with the abort reason.
 *
 * "Still starting" is a Worker whose module graph is still loading (page.route delays a module it
 * imports): Chromium keeps what is posted to it meanwhile. A Worker in a top-level await does not
 * exercise the fix: Chromium dispatches what arrives then at once, to no listener (observed).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

/**
 * Receives "jobs" (capacity 2) to its end and reports `{ values, error }` (`error`: `null`, or
 * what its for-await threw). First `prelude` (what keeps the Worker from listening yet), then
 * `{ started }` (`Date.now()` just before `fromPort`), and once `fromPort` is created the report
 * `'listening'`.
 */
const RECEIVER = (prelude: string) => `
${prelude}
self.postMessage({ started: Date.now() });
const jobs = lib.fromPort(self, { name: 'jobs', capacity: 2 });
self.postMessage({ report: 'listening' });
const values = [];
let error = null;
try {
  for await (const value of jobs) values.push(value);
} catch (thrown) {
  error = { name: thrown?.name, message: String(thrown?.message ?? thrown) };
}
self.postMessage({ report: { values, error } });
`;

/**
 * In the page: a Worker of `code`; a first toPort "jobs" (a1 in its channel) that times out after
 * 100 ms, then a retry (b1, closed). Returns both results, the Worker's report, what is left of the
 * first channel, and whether the Worker's fromPort was created after the first toPort gave up.
 */
async function timeoutThenRetry(page: Page, code: string) {
  return page.evaluate(
    async ({ code }) => {
      const { Channel, toPort } = window.lib;
      const { worker, errors: workerErrors } = window.spawnScript(code);
      const started = new Promise<number>((resolve) =>
        worker.addEventListener('message', (event) => {
          if (typeof event.data?.started === 'number') resolve(event.data.started);
        }),
      );
      // The first report is 'listening', the second the values and error.
      const listening = window.nextReport(worker);
      const reported = listening.then(() => window.nextReport(worker));
      const first = new Channel(4);
      await first.push('a1');
      const r1 = await toPort(first, worker, { name: 'jobs', signal: AbortSignal.timeout(100) });
      const gaveUpBy = Date.now();
      const listeningAtGiveUp = await Promise.race([listening.then(() => true), window.sleep(0).then(() => false)]);
      const second = new Channel(4);
      await second.push('b1');
      second.close();
      const r2 = await Promise.race([
        toPort(second, worker, { name: 'jobs' }),
        window.sleep(20_000).then(() => 'toPort still pending after 20 s'),
      ]);
      const report = await Promise.race([reported, window.sleep(5_000).then(() => 'no report after 5 s')]);
      const receiverCreated = await started;
      worker.terminate();
      return {
        r1,
        r2,
        report,
        firstSize: first.size,
        listeningAtGiveUp,
        createdAfterGiveUp: receiverCreated > gaveUpBy,
        workerErrors,
        pageErrors: window.errors,
      };
    },
    { code },
  );
}

/** What {@link timeoutThenRetry} must give: the retry's value arrives, the Worker ends normally. */
function expectRetryDelivered(out: Awaited<ReturnType<typeof timeoutThenRetry>>) {
  // The scenario holds: the Worker's fromPort was created after the first toPort gave up.
  expect(out.listeningAtGiveUp).toBe(false);
  expect(out.createdAfterGiveUp).toBe(true);
  expect(out.r1).toEqual({ sent: 0, undelivered: [] });
  expect(out.firstSize).toBe(1); // 'a1' never left
  expect(out.r2).toEqual({ sent: 1, undelivered: [] });
  expect(out.report).toEqual({ values: ['b1'], error: null }); // not the first toPort's TimeoutError
  expect(out.workerErrors).toEqual([]);
  expect(out.pageErrors).toEqual([]);
}

describe('Chromium: a toPort that gave up while pairing, and a Worker’s fromPort of that name', () => {
  it('a Worker still starting when the first toPort timed out receives the retried toPort of the same name', async () => {
    const page = await pages.open();
    // The Worker's script is still loading: a module it imports comes 400 ms late. Chromium keeps
    // what the page posts meanwhile, and the Worker's fromPort hears the first toPort's `open`
    // and `end` (its give-up) late, then the retry's `open`.
    let slowLoads = 0;
    await page.route('**/slow-module.js', async (route) => {
      slowLoads++;
      await new Promise((resolve) => setTimeout(resolve, 400));
      await route.fulfill({ contentType: 'text/javascript', body: 'export {};' });
    });
    const out = await timeoutThenRetry(page, RECEIVER(`import 'http://127.0.0.1:${pages.port()}/slow-module.js';`));
    expect(slowLoads).toBe(1);
    expectRetryDelivered(out);
  }, 30_000);

  it('a Worker in a top-level await when the first toPort timed out receives the retried toPort of the same name', async () => {
    // Observed: Chromium dispatches what is posted to a module Worker during its top-level await
    // at once, to no listener: this fromPort never hears the first toPort, only the retry, which
    // pairs with it on the receiver's own announcement (this held before the fix too).
    const page = await pages.open();
    const out = await timeoutThenRetry(page, RECEIVER('await new Promise((resolve) => setTimeout(resolve, 400));'));
    expectRetryDelivered(out);
  }, 30_000);

  it('a Worker already listening when toPort was aborted while pairing closes with the abort reason', async () => {
    const page = await pages.open();
    const out = await page.evaluate(
      async ({ code }) => {
        const { Channel, toPort } = window.lib;
        const { worker, errors: workerErrors } = window.spawnScript(code);
        await window.nextReport(worker); // 'listening'
        const reported = window.nextReport(worker);
        const ch = new Channel(4);
        await ch.push('x1');
        const controller = new AbortController();
        const sending = toPort(ch, worker, { name: 'jobs', signal: controller.signal });
        controller.abort(new Error('changed my mind'));
        const result = await Promise.race([
          sending,
          window.sleep(20_000).then(() => 'toPort still pending after 20 s'),
        ]);
        const report = await Promise.race([reported, window.sleep(20_000).then(() => 'no report after 20 s')]);
        worker.terminate();
        return { result, report, left: ch.size, workerErrors, pageErrors: window.errors };
      },
      { code: RECEIVER('') },
    );
    expect(out.result).toEqual({ sent: 0, undelivered: [] });
    expect(out.left).toBe(1); // 'x1' never left
    // A for-await over a channel closed with a reason throws the reason itself (README, close).
    expect(out.report).toMatchObject({ values: [], error: { name: 'Error' } });
    expect((out.report as { error: { message: string } }).error.message).toContain('changed my mind');
    expect(out.workerErrors).toEqual([]);
    expect(out.pageErrors).toEqual([]);
  }, 30_000);
});
