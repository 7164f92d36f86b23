// Benchmark of chanasync/durable in local workerd: node bench/durable.mjs [--quick]
// (npm run bench:durable builds dist/ first). Push → pull latency (p50, p99) and values/s of a
// durable channel, against Miniflare's local Cloudflare Queues (producer `send` → consumer
// batch) with the consumer's default batching and tuned for latency (batch 1, timeout 0), and
// against an in-memory chanasync Channel inside the same Durable Object (the cost of
// durability: same RPC, no storage).
//
// Every producer and consumer is its own request (Miniflare `dispatchFetch`), as in real use.
// The last rows store a backlog first and time only its draining: the consumer's throughput by
// batch size (flat out, the producers' durable commits set the pace).
// A value carries the time it was sent; the consumer takes the time it received it. Both are
// `Date.now()` inside workerd, which moves in 1 ms steps locally and only across I/O — the send
// and the receive are both I/O, so the difference is the latency at 1 ms resolution.
//
// What local workerd cannot show: the network between a Worker and its Durable Object (a
// colo away, or across the world), SQLite's replication to other machines before an answer is
// released (the output gate waits for it in production), and Cloudflare Queues' real delivery
// path (Miniflare's queue is an in-process broker). See the README's table.
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';

const root = join(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const URL_BASE = 'http://bench.local';

const worker = `
import { Channel } from 'chanasync';
import { ChannelObject, durableChannel } from 'chanasync/durable';

// The cost of durability: the same object, the same RPC, an in-memory Channel instead of storage.
export class BenchChannels extends ChannelObject {
  memory = new Channel(Infinity);
  async memPush(value) { await this.memory.push(value); }
  async memPull(max) { return this.memory.pullMany(max); }
}

// Queue consumers record latencies here (one isolate serves every request locally).
const queued = { default: [], tuned: [] };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const job = request.method === 'POST' ? await request.json() : {};
    const stub = () => env.BENCH.get(env.BENCH.idFromName(job.name));
    const channel = () => durableChannel(env.BENCH, job.name);
    if (url.pathname === '/produce') {
      const send =
        job.kind === 'durable' ? ((ch) => (v) => ch.push(v))(channel())
        : job.kind === 'memory' ? (v) => stub().memPush(v)
        : job.kind === 'queue-default' ? (v) => env.QDEFAULT.send(v)
        : (v) => env.QTUNED.send(v);
      // A burst: every value sent at once, without awaiting one before the next.
      if (job.burst) await Promise.all(Array.from({ length: job.n }, (_, i) => send({ t: Date.now(), p: job.producer, i })));
      for (let i = 0; i < (job.burst ? 0 : job.n); i++) {
        await send({ t: Date.now(), p: job.producer, i });
        if (job.paceMs) await sleep(job.paceMs);
      }
      return Response.json({ sent: job.n });
    }
    if (url.pathname === '/consume') {
      const latencies = [];
      let last = 0;
      const ch = channel();
      while (latencies.length < job.n) {
        // Never more than this consumer's share: a batch taken past it would starve another.
        const want = Math.min(job.batch, job.n - latencies.length);
        const values = job.kind === 'memory' ? await stub().memPull(want)
          : want === 1 ? [await ch.pull()] : await ch.pullMany(want);
        last = Date.now();
        for (const v of values) latencies.push(last - v.t);
      }
      return Response.json({ latencies, last });
    }
    if (url.pathname === '/queue-results') {
      const list = queued[url.searchParams.get('which')];
      const out = list.splice(0, list.length);
      return Response.json(out);
    }
    return new Response('not found', { status: 404 });
  },
  async queue(batch) {
    const now = Date.now();
    const list = batch.queue === 'bench-default' ? queued.default : queued.tuned;
    for (const message of batch.messages) list.push({ latency: now - message.body.t, at: now, t: message.body.t });
    batch.ackAll();
  },
};
`;

const built = await esbuild.build({
  stdin: { contents: worker, resolveDir: root, loader: 'js' },
  alias: { chanasync: join(root, 'dist', 'index.js'), 'chanasync/durable': join(root, 'dist', 'durable.js') },
  external: ['cloudflare:*'],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  write: false,
});

const mf = new Miniflare({
  modules: true,
  script: built.outputFiles[0].text,
  compatibilityDate: '2026-04-01',
  cf: false,
  durableObjects: { BENCH: { className: 'BenchChannels', useSQLite: true } },
  queueProducers: { QDEFAULT: { queueName: 'bench-default' }, QTUNED: { queueName: 'bench-tuned' } },
  // Miniflare's defaults (batch 5, timeout 1 s; production's are 10 and 5 s), and latency-tuned.
  queueConsumers: { 'bench-default': {}, 'bench-tuned': { maxBatchSize: 1, maxBatchTimeout: 0 } },
});

const post = async (path, job) =>
  (await mf.dispatchFetch(`${URL_BASE}${path}`, { method: 'POST', body: JSON.stringify(job) })).json();
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
let runs = 0;

/**
 * One row: `producers` requests sending `perProducer` values each (every `paceMs`, or flat
 * out), `consumers` requests pulling `batch` at a time (durable kinds), or the queue's consumer.
 */
async function row({ kind, producers, consumers, perProducer, paceMs = 0, batch = 1, backlog = false, burst = false }) {
  const name = `bench-${++runs}`;
  const total = producers * perProducer;
  const started = Date.now();
  let latencies;
  let span;
  if (kind.startsWith('queue')) {
    const which = kind === 'queue-default' ? 'default' : 'tuned';
    await Promise.all(
      Array.from({ length: producers }, (_, p) =>
        post('/produce', { kind, name, n: perProducer, paceMs, producer: p, burst }),
      ),
    );
    const got = [];
    while (got.length < total) {
      got.push(...(await (await mf.dispatchFetch(`${URL_BASE}/queue-results?which=${which}`)).json()));
      if (got.length < total) await new Promise((resolve) => setTimeout(resolve, 20));
      if (Date.now() - started > 120_000) throw new Error(`${kind}: only ${got.length} of ${total} in 2 minutes`);
    }
    latencies = got.map((g) => g.latency);
    span = Math.max(...got.map((g) => g.at)) - Math.min(...got.map((g) => g.t));
  } else if (backlog) {
    // Consumer throughput: the values are stored first (not timed), then drained.
    await Promise.all(
      Array.from({ length: producers }, (_, p) =>
        post('/produce', { kind, name, n: perProducer, paceMs, producer: p, burst }),
      ),
    );
    const drainStart = Date.now();
    const share = total / consumers;
    await Promise.all(Array.from({ length: consumers }, () => post('/consume', { kind, name, n: share, batch })));
    return { p50: '—', p99: '—', perSecond: Math.round((total / Math.max(Date.now() - drainStart, 1)) * 1000) };
  } else {
    const share = total / consumers;
    const consuming = Array.from({ length: consumers }, () => post('/consume', { kind, name, n: share, batch }));
    await Promise.all(
      Array.from({ length: producers }, (_, p) =>
        post('/produce', { kind, name, n: perProducer, paceMs, producer: p, burst }),
      ),
    );
    const results = await consuming;
    latencies = (await Promise.all(results)).flatMap((r) => r.latencies);
    span = Date.now() - started;
  }
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: Math.round((total / Math.max(span, 1)) * 1000),
  };
}

const paced = quick ? 20 : 100;
const flat = quick ? 200 : 1000;
const rows = [
  [
    'paced 1/1 (a value every 50 ms)',
    'durable pull',
    { kind: 'durable', producers: 1, consumers: 1, perProducer: paced, paceMs: 50 },
  ],
  [
    'paced 1/1 (a value every 50 ms)',
    'in-memory Channel in the object',
    { kind: 'memory', producers: 1, consumers: 1, perProducer: paced, paceMs: 50, batch: 10 },
  ],
  [
    'paced 1/1 (a value every 50 ms)',
    'Queues, default batching',
    { kind: 'queue-default', producers: 1, consumers: 1, perProducer: paced, paceMs: 50 },
  ],
  [
    'paced 1/1 (a value every 50 ms)',
    'Queues, batch 1, timeout 0',
    { kind: 'queue-tuned', producers: 1, consumers: 1, perProducer: paced, paceMs: 50 },
  ],
  ['flat out 1/1', 'durable pull', { kind: 'durable', producers: 1, consumers: 1, perProducer: flat }],
  [
    'flat out 1/1',
    'durable pullMany(10)',
    { kind: 'durable', producers: 1, consumers: 1, perProducer: flat, batch: 10 },
  ],
  [
    'flat out 1/1',
    'durable pullMany(100)',
    { kind: 'durable', producers: 1, consumers: 1, perProducer: flat, batch: 100 },
  ],
  [
    'flat out 1/1',
    'in-memory Channel in the object, pullMany(100)',
    { kind: 'memory', producers: 1, consumers: 1, perProducer: flat, batch: 100 },
  ],
  [
    'flat out 1/1',
    'Queues, default batching',
    { kind: 'queue-default', producers: 1, consumers: 1, perProducer: flat },
  ],
  [
    'flat out 1/1',
    'Queues, batch 1, timeout 0',
    { kind: 'queue-tuned', producers: 1, consumers: 1, perProducer: flat },
  ],
  [
    'a burst: 1 producer sends all without awaiting',
    'durable pullMany(100)',
    { kind: 'durable', producers: 1, consumers: 1, perProducer: flat, batch: 100, burst: true },
  ],
  [
    'a burst: 1 producer sends all without awaiting',
    'Queues, default batching',
    { kind: 'queue-default', producers: 1, consumers: 1, perProducer: flat, burst: true },
  ],
  ['flat out 8/8', 'durable pull', { kind: 'durable', producers: 8, consumers: 8, perProducer: flat / 8 }],
  [
    'flat out 8/8',
    'durable pullMany(10)',
    { kind: 'durable', producers: 8, consumers: 8, perProducer: flat / 8, batch: 10 },
  ],
  [
    'flat out 8/8',
    'durable pullMany(100)',
    { kind: 'durable', producers: 8, consumers: 8, perProducer: flat / 8, batch: 100 },
  ],
  [
    'flat out 8/8',
    'in-memory Channel in the object, pullMany(100)',
    { kind: 'memory', producers: 8, consumers: 8, perProducer: flat / 8, batch: 100 },
  ],
  [
    'flat out 8/8',
    'Queues, default batching',
    { kind: 'queue-default', producers: 8, consumers: 1, perProducer: flat / 8 },
  ],
  [
    'flat out 8/8',
    'Queues, batch 1, timeout 0',
    { kind: 'queue-tuned', producers: 8, consumers: 1, perProducer: flat / 8 },
  ],
  [
    'drain a stored backlog, 1 consumer',
    'durable pull',
    { kind: 'durable', producers: 8, consumers: 1, perProducer: flat / 8, backlog: true },
  ],
  [
    'drain a stored backlog, 1 consumer',
    'durable pullMany(10)',
    { kind: 'durable', producers: 8, consumers: 1, perProducer: flat / 8, batch: 10, backlog: true },
  ],
  [
    'drain a stored backlog, 1 consumer',
    'durable pullMany(100)',
    { kind: 'durable', producers: 8, consumers: 1, perProducer: flat / 8, batch: 100, backlog: true },
  ],
];

try {
  await mf.ready;
  await row({ kind: 'durable', producers: 1, consumers: 1, perProducer: 20 }); // warm-up
  console.log('| workload | channel | p50 ms | p99 ms | values/s |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const [workload, label, options] of rows) {
    const result = await row(options);
    console.log(`| ${workload} | ${label} | ${result.p50} | ${result.p99} | ${result.perSecond} |`);
  }
} finally {
  await mf.dispose();
}
