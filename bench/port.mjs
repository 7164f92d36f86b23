// Benchmark of chanasync/port in headless Chromium: node bench/port.mjs [--quick]
// (PORT_CAPACITY=n sets the Worker's capacity, PORT_LOCAL=n the local channel's, PORT_ROWS=a,b
// runs only those rows of the small-value table, PORT_KINDS=small|large only that table,
// PORT_MEMORY=0 skips the memory run).
// (npm run bench:port builds dist/ first; this file bundles src/ itself, so it measures the
// working tree). Debian's /usr/bin/chromium through playwright-core.
//
// Values per second from a page to a dedicated Worker, counted when the Worker has received
// the last value, for:
//   - chanasync: a producer that awaits each push into a local Channel (capacity 1024), toPort
//     → fromPort (capacity 2048), a `for await` consumer in the Worker — and the same with a
//     consumer that takes what is buffered with pullMany, and with a credit window 4 times as
//     wide (throughput is at most the window divided by the round trip: credit → batch);
//   - raw postMessage, one message per value (the worker counts messages);
//   - raw postMessage of 1024-value arrays: the ceiling batching can reach (the Worker loops
//     over each array);
//   both raw rows with chanasync's producer, which awaits each push: here an async function
//   that posts the value, or adds it to an array that it posts once it holds 1024 values;
//   - a transferable ReadableStream piped to the Worker, the producer awaiting each write;
// for small objects and for 64 KB ArrayBuffers (transferred). The rows of one size run
// interleaved, round after round, in one page and one Worker, in an order rotated each round
// (a row that runs right after another pays for that one's garbage: with a fixed order the
// same row always paid); the table gives the median rate, the spread (min–max) over the rounds
// and the ratio of medians. The 64 KB rounds are short and spread widely, so there are more.
//
// Memory: a slow Worker (it takes 10 values every 2 ms, and says so) and a fast producer. The page samples
// how many values were sent and not yet consumed; chanasync's stays within the credit window
// (the Worker's capacity) while raw postMessage queues everything, and the page's JS heap
// (performance.memory, --enable-precise-memory-info) is reported for both.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/chromium.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 9;
/** The 64 KB rounds are short and their spread is wide: more of them steady the medians. */
const LARGE_ROUNDS = quick ? 3 : 25;
const SMALL = quick ? 50_000 : 200_000;
const LARGE = quick ? 1_000 : 8_000;
/** The Worker's fromPort capacity: the credit window. */
const CAPACITY = Number(process.env.PORT_CAPACITY ?? 2048);
/** A wider credit window, for the row that shows what the window costs. */
const WIDE = CAPACITY * 4;
/** The Worker's capacity in the memory run (whose local channel is unbuffered). */
const MEMORY_CAPACITY = 64;
/** The local channel's capacity in the throughput runs. */
const LOCAL = Number(process.env.PORT_LOCAL ?? 1024);

const log = (line) => process.stderr.write(`${line}\n`);

const worker = `
import { fromPort } from '/lib.js';
const checksum = (value) => (typeof value === 'object' && value instanceof ArrayBuffer ? value.byteLength : value.id);
let raw = null;
addEventListener('message', async (event) => {
  const data = event.data;
  if (data?.cmd === 'chan' && data.many) {
    // The consumer takes what is buffered in one call: pullMany instead of a promise per value.
    const channel = fromPort(self, { name: data.name, capacity: data.capacity });
    let count = 0, sum = 0;
    while (count < data.n) {
      const values = await channel.pullMany(data.capacity);
      for (const value of values) sum += checksum(value);
      count += values.length;
    }
    postMessage({ done: count, sum });
  } else if (data?.cmd === 'chan') {
    let count = 0, sum = 0;
    for await (const value of fromPort(self, { name: data.name, capacity: data.capacity })) {
      sum += checksum(value);
      if (++count === data.n) break;
      if (data.slow && count % 10 === 0) { postMessage({ consumed: count }); await new Promise((r) => setTimeout(r, 2)); }
    }
    postMessage({ done: count, sum });
  } else if (data?.cmd === 'raw') {
    raw = { n: data.n, count: 0, sum: 0, slow: data.slow };
  } else if (data?.cmd === 'stream') {
    const reader = data.stream.getReader();
    let count = 0, sum = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sum += checksum(value);
      if (++count === data.n) break;
    }
    postMessage({ done: count, sum });
  } else if (data?.v !== undefined && raw) {
    raw.sum += checksum(data.v);
    if (++raw.count === raw.n) { postMessage({ done: raw.count, sum: raw.sum }); raw = null; }
    else if (raw.slow && raw.count % 10 === 0) { postMessage({ consumed: raw.count }); const until = performance.now() + 2; while (performance.now() < until); }
  } else if (data?.batch !== undefined && raw) {
    for (const value of data.batch) raw.sum += checksum(value);
    raw.count += data.batch.length;
    if (raw.count === raw.n) { postMessage({ done: raw.count, sum: raw.sum }); raw = null; }
  }
});
postMessage({ ready: true });
`;

const page = `<!doctype html><meta charset="utf-8"><title>bench: chanasync/port</title>
<script type="module">
import { Channel, toPort } from '/lib.js';
const worker = new Worker('/worker.js', { type: 'module' });
await new Promise((resolve) => worker.addEventListener('message', (e) => e.data?.ready && resolve(), { once: true }));
const small = (i) => ({ id: i, kind: 'tick', price: i * 0.5 });
const large = () => new ArrayBuffer(65536);
const expected = (kind, n) => (kind === 'small' ? (n * (n - 1)) / 2 : n * 65536);
let round = 0;
function finished(onConsumed) {
  return new Promise((resolve) => {
    const listener = (event) => {
      if (event.data?.consumed !== undefined) onConsumed?.(event.data.consumed);
      if (event.data?.done === undefined) return;
      worker.removeEventListener('message', listener);
      resolve(event.data);
    };
    worker.addEventListener('message', listener);
  });
}
const make = (kind) => (kind === 'small' ? small : large);
const rows = {
  chanasyncMany: (kind, n) => rows.chanasync(kind, n, false, undefined, ${CAPACITY}, true),
  chanasyncWide: (kind, n) => rows.chanasync(kind, n, false, undefined, ${WIDE}, false),
  async chanasync(kind, n, slow, sample, capacity = ${CAPACITY}, many = false, local = ${LOCAL}) {
    const name = 'r' + round++;
    const value = make(kind);
    const channel = new Channel(local);
    const done = finished(sample?.consumed);
    worker.postMessage({ cmd: 'chan', name, n, capacity, slow, many });
    const sending = toPort(channel, worker, { name, transfer: kind === 'large' ? (b) => [b] : undefined });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { await channel.push(value(i)); sample?.pushed(i + 1); }
    const result = await done;
    const t1 = performance.now();
    channel.close();
    await sending;
    return { ms: t1 - t0, ...result };
  },
  // The raw rows have chanasync's producer: it awaits each push — here an async function that
  // posts the value, or adds it to an array posted once it holds 1024 values.
  async raw(kind, n, slow, sample) {
    const value = make(kind);
    worker.postMessage({ cmd: 'raw', n, slow });
    const done = finished(sample?.consumed);
    const push = async (v) => {
      if (kind === 'large') worker.postMessage({ v }, [v]); else worker.postMessage({ v });
    };
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { await push(value(i)); sample?.pushed(i + 1); }
    const result = await done;
    return { ms: performance.now() - t0, ...result };
  },
  async raw1024(kind, n) {
    const value = make(kind);
    worker.postMessage({ cmd: 'raw', n });
    const done = finished();
    let batch = [];
    const post = () => {
      if (kind === 'large') worker.postMessage({ batch }, batch); else worker.postMessage({ batch });
      batch = [];
    };
    const push = async (v) => {
      batch.push(v);
      if (batch.length === 1024) post();
    };
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await push(value(i));
    if (batch.length > 0) post();
    const result = await done;
    return { ms: performance.now() - t0, ...result };
  },
  async stream(kind, n) {
    const value = make(kind);
    const { readable, writable } = new TransformStream();
    const done = finished();
    worker.postMessage({ cmd: 'stream', n, stream: readable }, [readable]);
    const writer = writable.getWriter();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await writer.write(value(i));
    const result = await done;
    const t1 = performance.now();
    await writer.close();
    return { ms: t1 - t0, ...result };
  },
};
globalThis.bench = {
  async run(row, kind, n) {
    const result = await rows[row](kind, n, false);
    if (result.done !== n || result.sum !== expected(kind, n)) throw new Error(row + ': got ' + JSON.stringify(result));
    return result.ms;
  },
  /** A slow Worker: the most values sent and not yet consumed, and the page heap growth. */
  async memory(row, n) {
    let pushed = 0, consumed = 0, maxAhead = 0;
    const sample = {
      pushed: (count) => { pushed = count; maxAhead = Math.max(maxAhead, pushed - consumed); },
      consumed: (count) => { consumed = count; },
    };
    const heap0 = performance.memory.usedJSHeapSize;
    let heapMax = heap0;
    const timer = setInterval(() => { heapMax = Math.max(heapMax, performance.memory.usedJSHeapSize); }, 5);
    // An unbuffered local channel: what is ahead of the Worker is then only what the credit allows.
    const result = await rows[row]('large', n, true, sample, ${MEMORY_CAPACITY}, false, 0);
    clearInterval(timer);
    return { maxAhead, heapGrowthMB: (heapMax - heap0) / 2 ** 20, ms: result.ms };
  },
};
globalThis.ready = true;
</script>`;

log('bundling chanasync (src/index.ts + src/port/index.ts) with esbuild');
const built = await esbuild.build({
  stdin: {
    contents: "export * from './src/index.js'; export * from './src/port/index.js';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  write: false,
});
const files = {
  '/lib.js': built.outputFiles[0].text,
  '/worker.js': worker,
  '/': page,
};
const server = createServer((request, response) => {
  const body = files[new URL(request.url, 'http://x').pathname];
  if (body === undefined) return response.writeHead(404).end();
  response.writeHead(200, { 'content-type': request.url === '/' ? 'text/html' : 'text/javascript' });
  response.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
});
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => globalThis.ready === true);
  const cdp = await tab.context().newCDPSession(tab);
  const version = await cdp.send('Browser.getVersion');
  const only = process.env.PORT_ROWS?.split(',');
  const plans = [
    {
      kind: 'small',
      n: SMALL,
      rows: only ?? ['chanasync', 'chanasyncMany', 'chanasyncWide', 'raw', 'raw1024', 'stream'],
      label: 'small objects',
      rounds: ROUNDS,
    },
    {
      kind: 'large',
      n: LARGE,
      rows: ['chanasync', 'raw', 'raw1024', 'stream'],
      label: '64 KB ArrayBuffers, transferred',
      rounds: LARGE_ROUNDS,
    },
  ];
  const kinds = process.env.PORT_KINDS?.split(',');
  if (kinds) plans.splice(0, plans.length, ...plans.filter((plan) => kinds.includes(plan.kind)));
  const results = {};
  for (const plan of plans) {
    for (const row of plan.rows) results[`${plan.kind}/${row}`] = [];
    // One warm-up round (not counted), then interleaved rounds.
    for (let round = -1; round < plan.rounds; round++) {
      // Rotated order: no row always runs right after the same other one.
      const order = plan.rows.map((_, i) => plan.rows[(i + round + 1) % plan.rows.length]);
      for (const row of order) {
        // The stream row is slow: fewer values keep its round short (its rate is what counts).
        const n = row === 'stream' ? Math.max(1000, plan.n / 20) : plan.n;
        const ms = await tab.evaluate(([r, k, count]) => globalThis.bench.run(r, k, count), [row, plan.kind, n]);
        if (round >= 0) results[`${plan.kind}/${row}`].push((n / ms) * 1000);
      }
      if (round >= 0) log(`${plan.label}: round ${round + 1}/${plan.rounds}`);
    }
  }
  const memoryN = quick ? 500 : 2000;
  const memory = {};
  for (const row of process.env.PORT_MEMORY === '0' ? [] : ['chanasync', 'raw']) {
    memory[row] = await tab.evaluate(([r, n]) => globalThis.bench.memory(r, n), [row, memoryN]);
  }
  if (errors.length) throw new Error(`page errors:\n${errors.join('\n')}`);

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));
  const names = {
    chanasync: 'chanasync toPort → fromPort (await each push)',
    chanasyncMany: 'the same, the Worker consuming with pullMany',
    chanasyncWide: `the same as the first, Worker capacity ${WIDE}`,
    raw: 'raw postMessage, one value per message',
    raw1024: 'raw postMessage of 1024-value arrays (ceiling)',
    stream: 'transferable ReadableStream (await each write)',
  };
  const headers = {
    chanasync: 'chanasync ÷ row',
    chanasyncMany: 'pullMany variant ÷ row',
    chanasyncWide: `capacity ${WIDE} ÷ row`,
  };
  const lines = [];
  lines.push(
    `${version.product} (V8 ${version.jsVersion}), headless, interleaved rounds in rotated order after a warm-up (${ROUNDS} for small objects, ${LARGE_ROUNDS} for 64 KB);`,
  );
  lines.push(`Worker capacity ${CAPACITY}; local channel capacity ${LOCAL}; ${new Date().toISOString().slice(0, 10)}.`);
  lines.push('');
  for (const plan of plans) {
    const ours = plan.rows.filter((row) => row.startsWith('chanasync'));
    const header = ours.map((row) => headers[row]);
    lines.push(
      `| ${plan.label} (${plan.n.toLocaleString('en')} values) | values/s, median | min–max | ${header.join(' | ')} |`,
    );
    lines.push(`|---|---:|---:|${ours.map(() => '---:|').join('')}`);
    for (const row of plan.rows) {
      const rates = results[`${plan.kind}/${row}`];
      const ratios = ours.map((mine) =>
        row.startsWith('chanasync') ? '—' : `${(median(results[`${plan.kind}/${mine}`]) / median(rates)).toFixed(2)}×`,
      );
      lines.push(
        `| ${names[row]} | ${fmt(median(rates))} | ${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))} | ${ratios.join(' | ')} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    `| slow Worker, ${memoryN} × 64 KB (Worker capacity ${MEMORY_CAPACITY}, local unbuffered) | most values sent and not consumed | page heap growth |`,
  );
  lines.push('|---|---:|---:|');
  for (const row of Object.keys(memory)) {
    lines.push(`| ${names[row]} | ${memory[row].maxAhead} | ${memory[row].heapGrowthMB.toFixed(1)} MB |`);
  }
  console.log(lines.join('\n'));
} finally {
  await browser.close();
  server.close();
}
