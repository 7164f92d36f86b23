/**
 * The commit-point helpers against a browser's own platform objects: Chromium's native
 * `ReadableStream` (toReadableStream keeps every value it pulled, and a value committed to a
 * pending read survives a cancel in the same tick), its timers (ticker, after), and a merged
 * channel in a select. Headless Chromium through playwright-core, chanasync bundled from src/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openChanasyncPage } from './helpers/chanasync-page.js';

let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  ({ browser, page, pageErrors } = await openChanasyncPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  expect(pageErrors).toEqual([]);
});

test('in Chromium, toReadableStream with highWaterMark 4 leaves every pulled value readable before the close reason', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const channel = new Channel<number>(Infinity);
    for (let i = 1; i <= 6; i++) channel.pushNowait(i);
    const reader = toReadableStream(channel, { highWaterMark: 4 }).getReader();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const pulledAhead = 6 - channel.size;
    channel.close(new Error('producer failed'));
    const values: number[] = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      values.push((await reader.read()).value as number);
    }
    const error = await reader.read().then(
      () => 'no error',
      (e: Error) => e.message,
    );
    return { pulledAhead, values, error };
  });
  expect(result).toEqual({ pulledAhead: 4, values: [1, 2, 3, 4, 5, 6], error: 'producer failed' });
});

test('in Chromium, a value committed to a pending read survives a cancel in the same tick', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, toReadableStream } = window.chanasync;
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 0));
    channel.pushNowait(7);
    const cancelled = reader.cancel('done');
    const value = await read;
    await cancelled;
    return { value, waiting: channel.stats().waitingPullers, closed: channel.closed };
  });
  expect(result).toEqual({ value: { done: false, value: 7 }, waiting: 0, closed: false });
});

test('in Chromium, a ticker of 20 ms ticks on schedule, and a closed ticker and after fire nothing', async () => {
  const result = await page.evaluate(async () => {
    const { after, ticker } = window.chanasync;
    const started = Date.now();
    const ticks = ticker(20);
    const offsets: number[] = [];
    for (let k = 0; k < 5; k++) offsets.push((await ticks.pull()) - started);
    ticks.close();
    const timeout = after(10);
    timeout.close();
    await new Promise((resolve) => setTimeout(resolve, 60));
    return { offsets, tickerSize: ticks.size, afterSize: timeout.size };
  });
  result.offsets.forEach((offset, k) => {
    expect(offset).toBeGreaterThanOrEqual((k + 1) * 20 - 1);
    expect(offset).toBeLessThan((k + 1) * 20 + 1_000); // a loaded machine is late, not stalled
  });
  expect([result.tickerSize, result.afterSize]).toEqual([0, 0]);
});

test('in Chromium, a select sees a value waiting in an input of a merged channel', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, merge, pull, select } = window.chanasync;
    const input = new Channel<string>(1);
    input.pushNowait('ready');
    const idle = new Channel<string>();
    const { index, value } = await select([pull(idle), pull(merge(input))]);
    return { index, value };
  });
  expect(result).toEqual({ index: 1, value: 'ready' });
});
