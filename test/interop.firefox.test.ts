/**
 * The commit-point helpers against Firefox's own platform objects (headless firefox-esr through
 * Marionette, the client of inspector-extension/test/marionette.mjs): its native
 * `ReadableStream` (toReadableStream keeps every value it pulled before the close reason, and
 * a value committed to a pending read survives a cancel in the same tick), its timers (ticker
 * on schedule; closed timers fire nothing), and a select on a merged channel.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';

interface Session {
  send(name: string, params?: object): Promise<{ value: unknown }>;
  run(script: string, args?: unknown[]): Promise<unknown>;
}
interface Firefox {
  session: Session;
  close(): Promise<void>;
}

let firefox: Firefox;
let dir: string;

/** Runs `body` (an async function body with `chanasync` in scope) in the page; resolves with its result. */
function inPage(body: string): Promise<unknown> {
  return firefox.session.run(
    `const done = arguments[arguments.length - 1];
     const chanasync = window.chanasync;
     (async () => { ${body} })().then(done, (error) => done({ failed: String(error) }));`,
  );
}

beforeAll(async () => {
  const bundle = await esbuild.build({
    entryPoints: [join(import.meta.dirname, '..', 'src', 'index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'chanasync',
    platform: 'browser',
    write: false,
  });
  dir = mkdtempSync(join(tmpdir(), 'chanasync-firefox-interop-'));
  writeFileSync(join(dir, 'chanasync.js'), bundle.outputFiles[0]?.text ?? '');
  writeFileSync(join(dir, 'page.html'), '<!doctype html><title>chanasync</title><script src="chanasync.js"></script>');
  // The client is plain JavaScript without declarations: imported through a string.
  const client = 'inspector-extension/test/marionette.mjs';
  const { launchFirefox } = (await import(`../${client}`)) as { launchFirefox: () => Promise<Firefox> };
  firefox = await launchFirefox();
  await firefox.session.send('WebDriver:Navigate', { url: pathToFileURL(join(dir, 'page.html')).href });
}, 60_000);

afterAll(async () => {
  await firefox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('in Firefox, toReadableStream with highWaterMark 4 leaves every pulled value readable before the close reason', async () => {
  const result = await inPage(`
    const { Channel, toReadableStream } = chanasync;
    const channel = new Channel(Infinity);
    for (let i = 1; i <= 6; i++) channel.pushNowait(i);
    const reader = toReadableStream(channel, { highWaterMark: 4 }).getReader();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const pulledAhead = 6 - channel.size;
    channel.close(new Error('producer failed'));
    const values = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      values.push((await reader.read()).value);
    }
    const error = await reader.read().then(() => 'no error', (e) => e.message);
    return { pulledAhead, values, error };
  `);
  expect(result).toEqual({ pulledAhead: 4, values: [1, 2, 3, 4, 5, 6], error: 'producer failed' });
});

test('in Firefox, a value committed to a pending read survives a cancel in the same tick', async () => {
  const result = await inPage(`
    const { Channel, toReadableStream } = chanasync;
    const channel = new Channel();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 0));
    channel.pushNowait(7);
    const cancelled = reader.cancel('done');
    const value = await read;
    await cancelled;
    return { value, waiting: channel.stats().waitingPullers, closed: channel.closed };
  `);
  expect(result).toEqual({ value: { done: false, value: 7 }, waiting: 0, closed: false });
});

test('in Firefox, a ticker of 20 ms ticks on schedule, and a closed ticker and after fire nothing', async () => {
  const result = (await inPage(`
    const { after, ticker } = chanasync;
    const started = Date.now();
    const ticks = ticker(20);
    const offsets = [];
    for (let k = 0; k < 5; k++) offsets.push((await ticks.pull()) - started);
    ticks.close();
    const timeout = after(10);
    timeout.close();
    await new Promise((resolve) => setTimeout(resolve, 60));
    return { offsets, tickerSize: ticks.size, afterSize: timeout.size };
  `)) as { offsets: number[]; tickerSize: number; afterSize: number };
  result.offsets.forEach((offset, k) => {
    expect(offset).toBeGreaterThanOrEqual((k + 1) * 20 - 1);
    expect(offset).toBeLessThan((k + 1) * 20 + 1_000); // a loaded machine is late, not stalled
  });
  expect([result.tickerSize, result.afterSize]).toEqual([0, 0]);
});

test('in Firefox, a select sees a value waiting in an input of a merged channel', async () => {
  const result = await inPage(`
    const { Channel, merge, pull, select } = chanasync;
    const input = new Channel(1);
    input.pushNowait('ready');
    const { index, value } = await select([pull(new Channel()), pull(merge(input))]);
    return { index, value };
  `);
  expect(result).toEqual({ index: 1, value: 'ready' });
});
