/**
 * Fifth audit, web platform, in a real browser: the programs of test/programs-web.test.ts with
 * Chromium's own events, streams, fetch and service worker, and chanasync loaded as the README
 * says — `dist/index.js` straight from `<script type="module">`, by a relative path and through
 * an import map — from a throwaway HTTP server that serves the built files as an npm install
 * would lay them out (`/node_modules/chanasync/dist/`). Real input comes from Playwright's
 * keyboard and mouse. Each program checks its exact result, that it finishes, and what it leaves
 * behind (listeners counted on their targets, server connections closed, parked operations).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.mjs';
import { collectProblems } from './helpers/static-page.js';

type Chanasync = typeof import('chanasync');

declare global {
  interface Window {
    chanasyncDist: Chanasync;
    /** Wraps `target`'s add/removeEventListener to count its live listeners by type. */
    countListeners<T extends EventTarget>(target: T): T & { live(type: string): number };
  }
}

const DIST = join(import.meta.dirname, '..', 'dist');

/** Counts listeners in the page (the same helper as in test/programs-web.test.ts). */
const COUNT_LISTENERS = `
window.countListeners = (target) => {
  const live = new Map();
  const set = (type) => live.get(type) ?? live.set(type, new Set()).get(type);
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  target.addEventListener = (type, listener, options) => { if (listener) set(type).add(listener); add(type, listener, options); };
  target.removeEventListener = (type, listener, options) => { set(type).delete(listener); remove(type, listener, options); };
  target.live = (type) => set(type).size;
  return target;
};`;

const PAGES: Record<string, string> = {
  // As the README's Installation section says: a relative path, no bundler, no import map.
  '/plain.html': `<!doctype html><meta charset="utf-8"><title>plain</title><pre id="out"></pre>
<script type="module">
  import { Channel, select, pull, after } from './node_modules/chanasync/dist/index.js';
  const jobs = new Channel(2);
  const results = [];
  const worker = (async () => { for await (const job of jobs) results.push(job * 10); })();
  for (let i = 1; i <= 5; i++) await jobs.push(i);
  jobs.close();
  await worker;
  const raced = await select([pull(new Channel()), pull(after(5))]);
  document.getElementById('out').textContent = JSON.stringify({ results, raced: raced.index, from: typeof Channel.from, stream: typeof jobs.toReadableStream });
</script>`,
  // Bare specifiers through an import map; the page exposes the module for the tests.
  '/index.html': `<!doctype html><meta charset="utf-8"><title>loading</title>
<script type="importmap">{ "imports": { "chanasync": "./node_modules/chanasync/dist/index.js" } }</script>
<script>${COUNT_LISTENERS}</script>
<body><input id="search"><div id="handle" style="position:absolute;left:0;top:0;width:50px;height:50px"></div>
<button id="undo" style="position:absolute;left:100px;top:0">undo</button>
<script type="module">
  import * as chanasync from 'chanasync';
  window.chanasyncDist = chanasync;
  document.title = 'ready';
</script></body>`,
  // A service worker (a module one, importing the built file by URL) whose fetch handler streams
  // a channel as the response body.
  '/sw.js': `import { Channel } from './node_modules/chanasync/dist/index.js';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.pathname !== '/generated') return;
  const count = Number(url.searchParams.get('count'));
  const lines = new Channel(2);
  (async () => {
    for (let i = 1; i <= count; i++) {
      await lines.push('line ' + i + '\\n');
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    lines.close();
  })();
  event.respondWith(new Response(lines.toReadableStream().pipeThrough(new TextEncoderStream()), { headers: { 'content-type': 'text/plain' } }));
});
// An endless live feed whose body closes its channel when cancelled (closeOnCancel): its
// producer stops when the page cancels the body. (Chromium 156 does not abort the request's
// signal here.) /live-state reports what the last feed's producer did.
let live = { pushed: 0, stopped: '', parked: -1 };
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.pathname === '/live-state') {
    return event.respondWith(new Response(JSON.stringify(live), { headers: { 'content-type': 'application/json' } }));
  }
  if (url.pathname !== '/live') return;
  const state = (live = { pushed: 0, stopped: '', parked: -1 });
  const lines = new Channel(2);
  (async () => {
    try {
      for (;;) {
        await lines.push('tick ' + state.pushed + '\\n');
        state.pushed++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } catch (error) {
      state.stopped = error && error.name;
      state.parked = lines.stats().waitingPushers;
      lines.close();
    }
  })();
  event.respondWith(new Response(lines.toReadableStream({ closeOnCancel: true }).pipeThrough(new TextEncoderStream())));
});`,
};

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
const problems: string[] = [];
/** Connections of `/endless` the client closed (it cancelled the body). */
let endlessClosed = 0;
let endlessChunks = 0;

/** Writes `chunks` (strings or bytes) with a pause between them, then ends. */
function trickle(response: ServerResponse, chunks: (string | Uint8Array)[], ms: number): void {
  const next = () => {
    const chunk = chunks.shift();
    if (chunk === undefined) return void response.end();
    response.write(chunk);
    setTimeout(next, ms);
  };
  next();
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/lines') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      // Cut mid-line, and between the two bytes of 'é'.
      const e = Buffer.from('é', 'utf8');
      const chunks = [
        'alpha\nbe',
        'ta\ngam',
        'ma\ns',
        e.subarray(0, 1),
        Buffer.concat([e.subarray(1), Buffer.from('sa')]),
        'me\n',
        'no newline at the end',
      ];
      trickle(response, chunks, 10);
      return;
    }
    if (url.pathname === '/endless') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const timer = setInterval(() => {
        endlessChunks++;
        response.write(`row ${i++}\n`);
      }, 5);
      response.on('close', () => {
        clearInterval(timer);
        endlessClosed++;
      });
      return;
    }
    if (url.pathname === '/favicon.ico') return void response.writeHead(204).end();
    const page = PAGES[url.pathname];
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': TYPES[extname(url.pathname)] ?? 'text/plain' });
      return void response.end(page);
    }
    const prefix = '/node_modules/chanasync/dist/';
    if (url.pathname.startsWith(prefix)) {
      const file = normalize(join(DIST, url.pathname.slice(prefix.length)));
      if (file.startsWith(DIST + sep) && existsSync(file)) {
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        return void response.end(readFileSync(file));
      }
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage();
  collectProblems(page, { into: problems });
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => document.title === 'ready', null, { timeout: 15_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  expect(problems).toEqual([]);
});

test('dist/index.js loads straight from <script type="module"> by a relative path, as the README shows, and runs a program', async () => {
  const other = await browser.newPage();
  try {
    const errors: string[] = [];
    other.on('pageerror', (error) => errors.push(error.message));
    other.on('response', (response) => {
      if (response.status() >= 400) errors.push(`HTTP ${response.status()} ${response.url()}`);
    });
    await other.goto(`${origin}/plain.html`);
    await other.waitForFunction(() => document.getElementById('out')?.textContent !== '', null, { timeout: 15_000 });
    expect(JSON.parse((await other.textContent('#out')) ?? '')).toEqual({
      results: [10, 20, 30, 40, 50],
      raced: 1,
      from: 'function',
      stream: 'function',
    });
    expect(errors).toEqual([]);
  } finally {
    await other.close();
  }
});

test('through an import map the page imports chanasync by its bare name, with Channel.from and toReadableStream attached', async () => {
  const kinds = await page.evaluate(() => {
    const { Channel, from, toReadableStream } = window.chanasyncDist;
    return [
      Channel.from === from,
      new Channel().toReadableStream === Channel.prototype.toReadableStream,
      typeof toReadableStream,
    ];
  });
  expect(kinds).toEqual([true, true, 'function']);
});

test('in Chromium, a debounced search box fed by real typing searches once per pause, aborts the stale request and shows only the fresh results', async () => {
  await page.evaluate(() => {
    const { fromEvent, select, pull, after } = window.chanasyncDist;
    const field = window.countListeners(document.getElementById('search') as HTMLInputElement);
    field.value = '';
    const state = {
      queries: [] as string[],
      aborted: [] as string[],
      shown: [] as string[],
      answer: new Map<string, () => void>(),
      page: new AbortController(),
      done: false,
      live: () => field.live('input'),
    };
    (window as unknown as { search: typeof state }).search = state;
    const search = (query: string, signal: AbortSignal) =>
      new Promise<string>((resolve, reject) => {
        state.queries.push(query);
        state.answer.set(query, () => resolve(`results for ${query}`));
        signal.addEventListener('abort', () => {
          state.aborted.push(query);
          reject(signal.reason);
        });
      });
    void (async () => {
      const edits = fromEvent(field, 'input', { signal: state.page.signal });
      let running: AbortController | undefined;
      try {
        for await (const _ of edits) {
          for (;;) {
            const quiet = new AbortController();
            const { index, ok } = await select([pull(edits), pull(after(150, { signal: quiet.signal }))]);
            quiet.abort();
            if (index === 1) break;
            if (!ok) return;
          }
          running?.abort();
          const request = new AbortController();
          running = request;
          search(field.value, AbortSignal.any([request.signal, state.page.signal])).then(
            (results) => state.shown.push(results),
            () => {},
          );
        }
      } finally {
        running?.abort();
        state.done = true;
      }
    })();
  });
  type State = {
    queries: string[];
    aborted: string[];
    shown: string[];
    answer: Map<string, () => void>;
    page: AbortController;
    done: boolean;
    live(): number;
  };
  const state = <R>(read: (s: State) => R) => page.evaluate(`(${read.toString()})(window.search)`) as Promise<R>;
  await page.focus('#search');
  // Real typing: a pause of 150 ms ends a query. A loaded machine may stretch a gap between
  // keystrokes past that and search for a prefix too; the checks below hold either way.
  const last = () =>
    page.evaluate(() => (window as unknown as { search: { queries: string[] } }).search.queries.at(-1));
  await page.keyboard.type('chan');
  await expect.poll(last, { timeout: 5_000 }).toBe('chan');
  await page.keyboard.type('async');
  await expect.poll(last, { timeout: 5_000 }).toBe('chanasync');
  await state((s) => {
    for (const answer of s.answer.values()) answer(); // only the last one was not aborted
  });
  await page.waitForFunction(
    () => (window as unknown as { search: { shown: string[] } }).search.shown.length === 1,
    null,
    {
      timeout: 5_000,
    },
  );
  const { queries, aborted, shown } = await state((s) => ({ queries: s.queries, aborted: s.aborted, shown: s.shown }));
  expect(queries).toContain('chan');
  expect(queries.every((query) => 'chanasync'.startsWith(query))).toBe(true);
  expect(aborted).toEqual(queries.slice(0, -1));
  expect(shown).toEqual(['results for chanasync']);
  await state((s) => s.page.abort());
  await page.waitForFunction(() => (window as unknown as { search: { done: boolean } }).search.done);
  expect(await state((s) => s.live())).toBe(0);
});

test('in Chromium, a drag with the real mouse follows the pointer from pointerdown to pointerup and removes its listeners after', async () => {
  await page.evaluate(() => {
    const { fromEvent, select, pull } = window.chanasyncDist;
    const handle = window.countListeners(document.getElementById('handle') as HTMLElement);
    const doc = window.countListeners(document);
    const state = {
      paths: [] as { x: number; y: number }[][],
      page: new AbortController(),
      done: false,
      live: () => [handle.live('pointerdown'), doc.live('pointermove'), doc.live('pointerup')],
    };
    (window as unknown as { drag: typeof state }).drag = state;
    const at = (event: PointerEvent) => ({ x: event.clientX, y: event.clientY });
    void (async () => {
      for await (const down of fromEvent(handle, 'pointerdown', { signal: state.page.signal })) {
        const drag = new AbortController();
        const during = AbortSignal.any([drag.signal, state.page.signal]);
        const moves = fromEvent(document, 'pointermove', { signal: during });
        const ups = fromEvent(document, 'pointerup', { signal: during });
        const path = [at(down)];
        try {
          for (;;) {
            const result = await select([pull(moves), pull(ups)] as const);
            if (!result.ok) return;
            path.push(at(result.value));
            if (result.index === 1) break;
          }
        } finally {
          drag.abort();
        }
        state.paths.push(path);
      }
      state.done = true;
    })();
  });
  await page.mouse.move(10, 10);
  await page.mouse.down();
  await page.mouse.move(200, 110, { steps: 19 });
  await page.mouse.up();
  await page.waitForFunction(() => (window as unknown as { drag: { paths: unknown[] } }).drag.paths.length === 1);
  const { path, live } = await page.evaluate(() => {
    const drag = (window as unknown as { drag: { paths: { x: number; y: number }[][]; live(): number[] } }).drag;
    return { path: drag.paths[0] ?? [], live: drag.live() };
  });
  expect(path[0]).toEqual({ x: 10, y: 10 });
  expect(path.at(-1)).toEqual({ x: 200, y: 110 });
  expect(path.length).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < path.length; i++) expect(path[i]?.x).toBeGreaterThanOrEqual(path[i - 1]?.x ?? 0);
  expect(live).toEqual([1, 0, 0]); // between drags only pointerdown is listened to
  await page.evaluate(() => (window as unknown as { drag: { page: AbortController } }).drag.page.abort());
  await page.waitForFunction(() => (window as unknown as { drag: { done: boolean } }).drag.done);
  expect(await page.evaluate(() => (window as unknown as { drag: { live(): number[] } }).drag.live())).toEqual([
    0, 0, 0,
  ]);
});

test('in Chromium, a real click beats the timeout of an undo toast, and the listener and timer are gone after', async () => {
  const started = page.evaluate(async () => {
    const { fromEvent, select, pull, after } = window.chanasyncDist;
    const button = window.countListeners(document.getElementById('undo') as HTMLButtonElement);
    const clicks = fromEvent(button, 'click');
    const timeout = new AbortController();
    const timer = after(10_000, { signal: timeout.signal });
    (window as unknown as { toastReady: boolean }).toastReady = true;
    try {
      const { index } = await select([pull(clicks), pull(timer)]);
      return index === 0 ? 'undone' : 'kept';
    } finally {
      clicks.close();
      timeout.abort();
      (window as unknown as { toastLeft: unknown }).toastLeft = [button.live('click'), timer.closed];
    }
  });
  await page.waitForFunction(() => (window as unknown as { toastReady?: boolean }).toastReady === true);
  await page.click('#undo');
  expect(await started).toBe('undone');
  expect(await page.evaluate(() => (window as unknown as { toastLeft: unknown }).toastLeft)).toEqual([0, true]);
});

test('in Chromium, lines read from a trickling fetch body through TextDecoderStream come out whole, across chunk and character splits', async () => {
  const lines = await page.evaluate(async () => {
    const { Channel } = window.chanasyncDist;
    async function* splitLines(chunks: AsyncIterable<string>) {
      let rest = '';
      for await (const chunk of chunks) {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        yield* parts;
      }
      if (rest !== '') yield rest;
    }
    const response = await fetch('/lines');
    const text = Channel.from(response.body!.pipeThrough(new TextDecoderStream()));
    const lines: string[] = [];
    for await (const line of Channel.from(splitLines(text))) lines.push(line);
    return lines;
  });
  expect(lines).toEqual(['alpha', 'beta', 'gamma', 'sésame', 'no newline at the end']);
});

test('in Chromium, closing the channel of an endless fetch body after three rows cancels the download: the server sees the connection close', async () => {
  const closedBefore = endlessClosed;
  const rows = await page.evaluate(async () => {
    const { Channel } = window.chanasyncDist;
    const response = await fetch('/endless');
    const text = Channel.from(response.body!.pipeThrough(new TextDecoderStream()));
    const rows: string[] = [];
    let rest = '';
    for await (const chunk of text) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      rows.push(...parts);
      if (rows.length >= 3) break;
    }
    text.close(); // done with it: from() cancels the body's reader
    return rows.slice(0, 3);
  });
  expect(rows).toEqual(['row 0', 'row 1', 'row 2']);
  for (let i = 0; i < 200 && endlessClosed === closedBefore; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(endlessClosed).toBe(closedBefore + 1);
  const chunks = endlessChunks;
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(endlessChunks).toBe(chunks); // the server stopped writing
});

test('in Chromium, a service worker fetch handler streams a channel as the response body, every line in order', async () => {
  const text = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
      );
    }
    const response = await fetch('/generated?count=200');
    const body = await response.text();
    await registration.unregister();
    return body;
  });
  expect(text).toBe(Array.from({ length: 200 }, (_, i) => `line ${i + 1}\n`).join(''));
});

test('in Chromium, a service worker feed streamed with closeOnCancel stops its producer when the page aborts the fetch', async () => {
  const result = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
      );
    }
    const { Channel } = window.chanasyncDist;
    const client = new AbortController();
    const response = await fetch('/live', { signal: client.signal });
    const text = Channel.from(response.body!.pipeThrough(new TextDecoderStream()));
    let received = '';
    for await (const chunk of text) {
      received += chunk;
      if (received.split('\n').length > 3) break;
    }
    client.abort();
    text.close();
    let state = { pushed: 0, stopped: '', parked: -1 };
    for (let i = 0; i < 100 && state.stopped === ''; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = await (await fetch('/live-state')).json();
    }
    await registration.unregister();
    return { first: received.split('\n').slice(0, 3), state };
  });
  expect(result.first).toEqual(['tick 0', 'tick 1', 'tick 2']);
  expect(result.state.stopped).toBe('ChannelClosedError');
  expect(result.state.parked).toBe(0);
});

test('in Chromium, for await over toReadableStream() gives every value in order, and breaking out leaves the rest in the channel', async () => {
  // (Chromium 156 has no ReadableStream.from: toReadableStream is the way to a stream there.)
  const result = await page.evaluate(async () => {
    const { Channel } = window.chanasyncDist;
    const channel = new Channel<number>();
    void (async () => {
      for (let i = 1; i <= 5; i++) await channel.push(i);
      channel.close();
    })();
    const all: number[] = [];
    for await (const value of channel.toReadableStream() as unknown as AsyncIterable<number>) all.push(value);
    const buffered = new Channel<number>(Infinity);
    for (let i = 1; i <= 5; i++) buffered.pushNowait(i);
    const seen: number[] = [];
    for await (const value of buffered.toReadableStream() as unknown as AsyncIterable<number>) {
      seen.push(value);
      if (value === 2) break;
    }
    const waiting = buffered.stats().waitingPullers;
    buffered.close();
    for await (const value of buffered) seen.push(value);
    return { all, seen, waiting };
  });
  expect(result).toEqual({ all: [1, 2, 3, 4, 5], seen: [1, 2, 3, 4, 5], waiting: 0 });
});

test('in Chromium, aborting a pipeTo into a slow WritableStream loses nothing: written, still buffered and never pushed add up to every value', async () => {
  const result = await page.evaluate(async () => {
    const { Channel } = window.chanasyncDist;
    const channel = new Channel<number>(3);
    const controller = new AbortController();
    let next = 1;
    const producer = (async () => {
      for (; next <= 1000; next++) await channel.push(next, { signal: controller.signal });
    })().catch((error: Error) => error.message);
    const sink: number[] = [];
    const piping = await channel
      .toReadableStream()
      .pipeTo(
        new WritableStream<number>(
          {
            async write(value) {
              sink.push(value);
              if (value === 10) controller.abort(new Error('stop'));
              await new Promise((resolve) => setTimeout(resolve, 1));
            },
          },
          { highWaterMark: 1 },
        ),
        { signal: controller.signal },
      )
      .catch((error: Error) => error.message);
    const produced = await producer;
    const left: number[] = [];
    for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) left.push(value);
    const unpushed = Array.from({ length: 1000 - next + 1 }, (_, i) => next + i);
    const all = [...sink, ...left, ...unpushed];
    return {
      piping,
      produced,
      inOrder: all.length === 1000 && all.every((value, i) => value === i + 1),
      stats: channel.stats(),
    };
  });
  expect(result).toMatchObject({
    piping: 'stop',
    produced: 'stop',
    inOrder: true,
    stats: { closed: false, waitingPushers: 0, waitingPullers: 0 },
  });
});

test('in Chromium, every operation given AbortSignal.timeout rejects with a TimeoutError and leaves nothing parked', async () => {
  const result = await page.evaluate(async () => {
    const { Channel, select, pull, after, fromEvent } = window.chanasyncDist;
    const full = new Channel<number>(1);
    full.pushNowait(0);
    const empty = new Channel<number>(1);
    const signal = window.countListeners(AbortSignal.timeout(30));
    const target = window.countListeners(new EventTarget());
    const names = await Promise.all(
      [
        full.push(1, { signal }),
        empty.pull({ signal }),
        empty.pullMany(4, { signal }),
        full.pushAll([1, 2], { signal }),
        select([pull(empty), pull(new Channel())], { signal }),
      ].map((operation) =>
        operation.then(
          () => 'resolved',
          (error: DOMException) => error.name,
        ),
      ),
    );
    const channels = [
      after(60_000, { signal: AbortSignal.timeout(30) }),
      fromEvent(target, 'message', { signal: AbortSignal.timeout(30) }),
    ];
    const ends = await Promise.all(
      channels.map((channel) =>
        channel.pull().then(
          () => 'value',
          (error: Error) => error.name,
        ),
      ),
    );
    return {
      names,
      ends,
      abortListeners: signal.live('abort'),
      eventListeners: target.live('message'),
      waiting: [full.stats().waitingPushers, empty.stats().waitingPullers],
    };
  });
  expect(result).toEqual({
    names: ['TimeoutError', 'TimeoutError', 'TimeoutError', 'TimeoutError', 'TimeoutError'],
    ends: ['ChannelClosedError', 'ChannelClosedError'],
    abortListeners: 0,
    eventListeners: 0,
    waiting: [0, 0],
  });
});

test('in Chromium, a fetch handler that streams a channel keeps the lines the cancelled pipe had not taken, and the request signal stops its producer', async () => {
  const result = await page.evaluate(async () => {
    const { Channel } = window.chanasyncDist;
    const request = new AbortController();
    const lines = new Channel<string>(2);
    let produced = 0;
    const done = (async () => {
      for (;;) {
        await lines.push(`line ${produced + 1}\n`, { signal: request.signal });
        produced++;
      }
    })().catch(() => lines.close());
    const response = new Response(lines.toReadableStream().pipeThrough(new TextEncoderStream()));
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = (await reader.read()).value;
    await reader.cancel('client went away');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const parkedBeforeAbort = lines.stats().waitingPushers;
    request.abort();
    await done;
    const rest: string[] = [];
    for await (const line of lines) rest.push(line);
    return { first, parkedBeforeAbort, produced, rest, closed: lines.closed };
  });
  expect(result).toMatchObject({ first: 'line 1\n', parkedBeforeAbort: 1, closed: true });
  // Every line pushed is accounted for: line 1 read by the client, the last ones still in the
  // channel (its 2 slots), and between them at most one taken into the TextEncoderStream's
  // queue by the pipe and gone with it (Chromium's pipe had not taken one ahead here; Node's
  // does).
  const { produced, rest } = result;
  expect(rest).toEqual([`line ${produced - 1}\n`, `line ${produced}\n`]);
  expect(produced - rest.length - 1).toBeLessThanOrEqual(1);
});

test("in Chromium, for await over fromEvent(port, 'message') receives a MessageChannel's messages without a call to start(), also for a port from another frame", async () => {
  const result = await page.evaluate(async () => {
    const { fromEvent } = window.chanasyncDist;
    // Without start() a browser's port delivers nothing: fail in 2 s rather than hang.
    const within = <T>(promise: Promise<T>) =>
      Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve('nothing arrived'), 2_000))]);
    const { port1, port2 } = new MessageChannel();
    const counted = window.countListeners(port1);
    const messages = fromEvent(port1, 'message', { capacity: 8, overflow: 'block' });
    for (const n of [1, 2, 3]) port2.postMessage(n);
    const got = await within(
      (async () => {
        const data: unknown[] = [];
        for await (const event of messages) {
          data.push(event.data);
          if (data.length === 3) break;
        }
        return data;
      })(),
    );
    messages.close();
    const frame = document.body.appendChild(document.createElement('iframe'));
    const other = new (frame.contentWindow as unknown as { MessageChannel: typeof MessageChannel }).MessageChannel();
    const remote = fromEvent(other.port1, 'message');
    other.port2.postMessage('hello from the frame');
    const hello = await within(remote.pull().then((event) => event.data as string));
    remote.close();
    frame.remove();
    return { got, hello, live: counted.live('message') };
  });
  expect(result).toEqual({ got: [1, 2, 3], hello: 'hello from the frame', live: 0 });
});

test('in Chromium, a download given AbortSignal.timeout through fetch throws from the for await over Channel.from(body) what the body stream itself errors with, and the connection closes', async () => {
  const closedBefore = endlessClosed;
  const result = await page.evaluate(async () => {
    const { Channel } = window.chanasyncDist;
    // What the platform errors a body with when the fetch's signal times out: the signal's
    // TimeoutError (Chromium 156) or an AbortError (Chromium 150). from() must pass it on as is.
    // 1 s, not less: the timeout must fire after the response's headers came, also on a loaded
    // machine (at 100 ms the fetch itself once rejected, before any body to read).
    const own = await fetch('/endless', { signal: AbortSignal.timeout(1000) });
    const reader = own.body!.getReader();
    let platform = 'ended normally';
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch (error) {
      platform = (error as DOMException).name;
    }
    const response = await fetch('/endless', { signal: AbortSignal.timeout(1000) });
    let chunks = 0;
    try {
      for await (const _ of Channel.from(response.body!.pipeThrough(new TextDecoderStream()))) chunks++;
      return { platform, ended: 'normally', chunks: chunks > 0 };
    } catch (error) {
      return { platform, ended: (error as DOMException).name, chunks: chunks > 0 };
    }
  });
  expect(['TimeoutError', 'AbortError']).toContain(result.platform);
  expect(result).toEqual({ platform: result.platform, ended: result.platform, chunks: true });
  await expect.poll(() => endlessClosed, { timeout: 10_000 }).toBe(closedBefore + 2); // the server hears of it when a loaded machine gets to it
});

test("in Chromium, a key-sequence detector with overflow 'block' sees every real keystroke in order although it handles each slowly", async () => {
  await page.evaluate(() => {
    const { fromEvent } = window.chanasyncDist;
    const field = document.getElementById('search') as HTMLInputElement;
    field.value = '';
    const state = { keys: [] as string[], matched: false, page: new AbortController() };
    (window as unknown as { sequence: typeof state }).sequence = state;
    void (async () => {
      const wanted = 'iddqd';
      for await (const event of fromEvent(field, 'keydown', {
        capacity: 4,
        overflow: 'block',
        signal: state.page.signal,
      })) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // slow handling
        state.keys.push(event.key);
        if (state.keys.join('').endsWith(wanted)) state.matched = true;
      }
    })();
  });
  await page.focus('#search');
  await page.keyboard.type('xxiddqdyy');
  await page.waitForFunction(
    () => (window as unknown as { sequence: { keys: string[] } }).sequence.keys.length === 9,
    null,
    {
      timeout: 5_000,
    },
  );
  const result = await page.evaluate(() => {
    const state = (window as unknown as { sequence: { keys: string[]; matched: boolean; page: AbortController } })
      .sequence;
    state.page.abort();
    return { keys: state.keys.join(''), matched: state.matched };
  });
  expect(result).toEqual({ keys: 'xxiddqdyy', matched: true });
});

test("in Chromium, a form with overflow 'block' saves every real submit click in order, one at a time, and the page does not navigate", async () => {
  await page.evaluate(() => {
    const { fromEvent } = window.chanasyncDist;
    const form = window.countListeners(document.body.appendChild(document.createElement('form')));
    form.id = 'save-form';
    form.style.cssText = 'position:absolute;left:0;top:200px'; // clear of the drag handle
    form.action = '/nowhere';
    for (const action of ['draft', 'publish']) {
      const button = form.appendChild(document.createElement('button'));
      button.type = 'submit';
      button.id = action;
      button.value = action;
      button.textContent = action;
    }
    form.addEventListener('submit', (event) => event.preventDefault()); // synchronously, in a listener of its own
    const state = { saved: [] as string[], running: 0, most: 0, page: new AbortController(), done: false };
    (window as unknown as { saving: typeof state }).saving = state;
    void (async () => {
      for await (const event of fromEvent(form, 'submit', { overflow: 'block', signal: state.page.signal })) {
        state.most = Math.max(state.most, ++state.running);
        await new Promise((resolve) => setTimeout(resolve, 20)); // the request
        state.saved.push(event.submitter?.id ?? '?');
        state.running--;
      }
      state.done = true;
    })();
  });
  for (const id of ['draft', 'publish', 'draft', 'publish', 'publish']) await page.click(`#${id}`, { timeout: 5_000 });
  await page.waitForFunction(
    () => (window as unknown as { saving: { saved: string[] } }).saving.saved.length === 5,
    null,
    {
      timeout: 5_000,
    },
  );
  const result = await page.evaluate(() => {
    const state = (window as unknown as { saving: { saved: string[]; most: number; page: AbortController } }).saving;
    state.page.abort();
    return { saved: state.saved, most: state.most, title: document.title, path: location.pathname };
  });
  expect(result).toEqual({
    saved: ['draft', 'publish', 'draft', 'publish', 'publish'],
    most: 1,
    title: 'ready',
    path: '/index.html',
  });
});
