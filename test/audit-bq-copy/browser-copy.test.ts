/**
 * Audit BQ-copy, part 2: examples/browser copied out of the repository into a project that
 * installed the packed tarball, its imports changed to `./node_modules/chanasync/dist/…` as its
 * README says, served by its own `serve.mjs` ("run with Node in that folder"), and driven in
 * Debian's /usr/bin/chromium through playwright-core. Then chanasync straight from a plain
 * `<script type="module">`, by relative path and through an import map, as the main README says.
 */
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';
import { type Child, freePort, type Packed, pack, root, startChild } from './consumer.js';

declare global {
  interface Window {
    demo: any;
    workerDemo: any;
    plain: any;
  }
}

const example = join(root, 'examples', 'browser');
const TIMEOUT = 45_000;
let packed: Packed;
let project: string;
let server: Child;
let browser: Browser;

/** A page with its errors collected. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1240, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(new URL(path, server.url).href);
  return { page, errors };
}

beforeAll(async () => {
  packed = await pack('browser');
  project = packed.dir('my-page');
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'my-page',
      private: true,
      type: 'module',
      dependencies: { chanasync: `file:${packed.tarball}` },
    }),
  );
  await packed.install(project);
  // The example's files (its tests stay behind), with the imports the README gives for a page of
  // one's own: "In your own page, the import is ./node_modules/chanasync/dist/index.js".
  for (const file of readdirSync(example)) {
    if (!statSync(join(example, file)).isFile()) continue;
    cpSync(join(example, file), join(project, file));
    if (file.endsWith('.js')) {
      const text = readFileSync(join(project, file), 'utf8');
      writeFileSync(join(project, file), text.replaceAll("'../../dist/", "'./node_modules/chanasync/dist/"));
    }
  }
  const port = await freePort();
  server = await startChild(['serve.mjs'], project, `http://127.0.0.1:${port}/`, { PORT: String(port) });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  packed?.cleanup();
});

describe('the copied demo page, served by its own serve.mjs', () => {
  it('serve.mjs serves the copy’s own folder without building, and says so', () => {
    expect(server.output()).toContain('a copy outside the chanasync repository');
    expect(server.output()).toContain(server.url);
  });

  it('demos 1–4 work as the README describes, with nothing failing on the page', async () => {
    const { page, errors } = await open('/');
    try {
      await page.waitForFunction(() => window.demo !== undefined, null, { timeout: TIMEOUT });
      expect(await page.textContent('#debug-status')).toBe('debug mode: on, with stacks');

      // 1. Search as you type: only the last query's results; the stale requests aborted.
      await page.click('#search-box');
      for (const burst of ['ch', 'an', 'nel']) {
        await page.keyboard.type(burst, { delay: 20 });
        if (burst !== 'nel') {
          await page.waitForFunction(() => window.demo.search.inFlight !== null, null, { timeout: TIMEOUT });
        }
      }
      await page.waitForFunction(() => window.demo.search.renderedQuery === 'channel', null, { timeout: TIMEOUT });
      const search = await page.evaluate(() => window.demo.search);
      expect(search.aborted).toBeGreaterThanOrEqual(2);
      expect(search.answered).toBe(1);
      expect(await page.$$eval('#search-log li.aborted', (items) => items.length)).toBe(search.aborted);

      // 2. Pointer: capacity 1, drop-oldest; it never held more than one, and drew the newest.
      const pad = (await page.locator('#pointer-pad').boundingBox())!;
      for (let i = 0; i < 120; i++) await page.mouse.move(pad.x + 10 + ((i * 7) % (pad.width - 20)), pad.y + 20);
      await page.waitForFunction(
        () =>
          window.demo.pointer.produced > 0 &&
          window.demo.pointer.consumed + window.demo.pointer.dropped === window.demo.pointer.produced,
        null,
        { timeout: TIMEOUT },
      );
      const pointer = await page.evaluate(() => window.demo.pointer);
      expect([pointer.capacity, pointer.maxSize]).toEqual([1, 1]);
      expect(pointer.dropped).toBeGreaterThan(0);

      // 3. Job queue: 3 producers, a buffer of 5, 36 jobs each done exactly once, producers waited.
      await page.click('#jobs-run');
      await page.waitForFunction(() => window.demo.jobs.exactlyOnce !== null, null, { timeout: TIMEOUT });
      const jobs = await page.evaluate(() => window.demo.jobs);
      expect([jobs.exactlyOnce, jobs.total, jobs.capacity, jobs.maxSize]).toEqual([true, 36, 5, 5]);
      expect(jobs.maxWaitingPushers).toBeGreaterThan(0);

      // 4. Stuck: a pull parked on 'stuck-demo', reported by snapshot() with its stack in stuck.js.
      await page.click('#stuck-park');
      const stuck = await page.evaluate(() =>
        window.demo.snapshot().channels.find((channel: { name: string }) => channel.name === 'stuck-demo'),
      );
      expect(stuck.pullers).toHaveLength(1);
      expect(stuck.pullers[0].stack).toContain('stuck.js');
      await expect.poll(() => page.textContent('#stuck-status')).toContain('parked on “stuck-demo”');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 240_000);

  it('demo 5: the producer is held to the Worker’s credit, a terminated Worker’s jobs come back, a restart finishes them', async () => {
    const { page, errors } = await open('/worker-demo.html');
    try {
      await page.waitForFunction(() => window.workerDemo?.ready === true, null, { timeout: TIMEOUT });
      await page.click('#wd-start');
      await page.waitForFunction(() => window.workerDemo.results.size >= 10, null, { timeout: TIMEOUT });
      expect(await page.evaluate(() => window.workerDemo.maxOut)).toBeLessThanOrEqual(6);
      await page.click('#wd-terminate');
      await page.waitForFunction(() => !window.workerDemo.running, null, { timeout: TIMEOUT });
      const after = await page.evaluate(() => ({
        phase: window.workerDemo.phase,
        total: window.workerDemo.results.size + window.workerDemo.queue.length,
      }));
      expect(after.phase).toMatch(/the Worker is gone/);
      expect(after.total).toBe(120);
      await page.click('#wd-start');
      await page.waitForFunction(() => window.workerDemo.results.size === 120 && !window.workerDemo.running, null, {
        timeout: 40_000,
      });
      expect(await page.evaluate(() => window.workerDemo.phase)).toBe('done: every job computed exactly once');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 240_000);

  it('demo 5 with a bare `chanasync` import in the Worker (page has an import map): the demo reports that the Worker failed to load', async () => {
    // The README: "A module Worker does not see its page's import map ... or the Worker fails to
    // load — which demo 5 then reports (the Worker failed: its script failed to load)".
    const worker = readFileSync(join(project, 'worker-demo.worker.js'), 'utf8');
    writeFileSync(
      join(project, 'bare.worker.js'),
      worker.replace(/'\.\/node_modules\/chanasync\/dist\/index\.js'/, "'chanasync'"),
    );
    const demo = readFileSync(join(project, 'worker-demo.js'), 'utf8');
    writeFileSync(join(project, 'bare-demo.js'), demo.replace("'./worker-demo.worker.js'", "'./bare.worker.js'"));
    const html = readFileSync(join(project, 'worker-demo.html'), 'utf8')
      .replace('src="worker-demo.js"', 'src="bare-demo.js"')
      .replace(
        '<script type="module"',
        '<script type="importmap">{"imports":{"chanasync":"./node_modules/chanasync/dist/index.js"}}</script>\n    <script type="module"',
      );
    writeFileSync(join(project, 'bare.html'), html);
    const { page } = await open('/bare.html');
    try {
      await page.waitForFunction(() => window.workerDemo?.ready === true, null, { timeout: TIMEOUT });
      await page.click('#wd-start');
      await page.waitForFunction(() => !window.workerDemo.running, null, { timeout: TIMEOUT });
      expect(await page.evaluate(() => window.workerDemo.phase)).toContain('the Worker failed');
    } finally {
      await page.close();
    }
  }, 60_000);
});

describe('chanasync straight from <script type="module">', () => {
  it('the Installation snippet (relative path) and an import map both load every browser entry and run', async () => {
    writeFileSync(
      join(project, 'plain.html'),
      `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>plain</title>
<script type="module">
  import { Channel } from './node_modules/chanasync/dist/index.js';
  const c = new Channel(1);
  await c.push('relative');
  window.plain = { relative: await c.pull() };
</script>`,
    );
    writeFileSync(
      join(project, 'mapped.html'),
      `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>mapped</title>
<script type="importmap">{ "imports": {
  "chanasync": "./node_modules/chanasync/dist/index.js",
  "chanasync/debug": "./node_modules/chanasync/dist/debug.js",
  "chanasync/port": "./node_modules/chanasync/dist/port.js",
  "chanasync/protocol": "./node_modules/chanasync/dist/protocol.js"
} }</script>
<button id="b">b</button>
<script type="module">
  import { after, broadcast, Channel, fromEvent, merge, pull, select, ticker, toReadableStream } from 'chanasync';
  import { enableDebug, snapshot } from 'chanasync/debug';
  import { fromPort, toPort } from 'chanasync/port';
  import { INSPECTOR_SOURCE } from 'chanasync/protocol';
  enableDebug({ target: { postMessage() {} } });
  const out = {};
  const clicks = fromEvent(document.getElementById('b'), 'click');
  document.getElementById('b').click();
  out.click = (await clicks.pull()).type;
  const replies = new Channel();
  out.timeout = (await select([pull(replies), pull(after(20))])).index;
  const tick = ticker(10);
  await tick.pull();
  tick.close();
  const prices = new Channel(4);
  const hub = broadcast(prices);
  const sub = hub.subscribe({ capacity: 4 });
  await prices.pushAll([1, 2]);
  prices.close();
  out.broadcast = await sub.pullMany(10);
  const words = new Channel(2);
  words.pushNowait('x');
  words.close();
  out.merged = await new Response(toReadableStream(merge(words)).pipeThrough(new TextEncoderStream())).text();
  const { port1, port2 } = new MessageChannel();
  const local = new Channel(4);
  const remote = fromPort(port2, { capacity: 2 });
  const sending = toPort(local, port1);
  await local.pushAll([1, 2, 3]);
  local.close();
  const got = [];
  for await (const n of remote) got.push(n);
  out.port = got;
  out.sent = (await sending).sent;
  out.snapshot = snapshot().type;
  out.source = INSPECTOR_SOURCE;
  window.plain = out;
</script>`,
    );
    const relative = await open('/plain.html');
    const mapped = await open('/mapped.html');
    try {
      await relative.page.waitForFunction(() => window.plain !== undefined, null, { timeout: TIMEOUT });
      expect(await relative.page.evaluate(() => window.plain)).toEqual({ relative: 'relative' });
      await mapped.page.waitForFunction(() => window.plain !== undefined, null, { timeout: TIMEOUT });
      const out = await mapped.page.evaluate(() => window.plain);
      expect(out).toMatchObject({
        click: 'click',
        timeout: 1,
        broadcast: [1, 2],
        merged: 'x',
        port: [1, 2, 3],
        sent: 3,
        snapshot: 'snapshot',
      });
      expect(typeof out.source).toBe('string');
      expect([...relative.errors, ...mapped.errors]).toEqual([]);
    } finally {
      await relative.page.close();
      await mapped.page.close();
    }
  }, 60_000);
});
