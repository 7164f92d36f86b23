/**
 * Audit BP: the Cloudflare Worker example as a user curls it. The Worker runs inside workerd
 * through Miniflare in-process (the example's own harness: bundled by esbuild with
 * wrangler.jsonc's aliases); a local Node server plays real upstreams (`UPSTREAM_URLS`) that
 * fail, reset, answer huge bodies. The defects it found (FINDINGS.md next to this file) are
 * fixed; their tests say which finding each one is.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedLine, LateLine, Line, ResultLine, SummaryLine } from '../../src/fanout.js';
import type { UpstreamStats } from '../../src/upstream.js';
import { bundleWorker, startWorker } from '../harness.js';

interface JsonAnswer {
  run: string;
  source: 'simulated' | 'urls';
  summary: SummaryLine;
  outcomes: Exclude<Line, SummaryLine>[];
}

let script = '';
let worker: Miniflare;
let realWorker: Miniflare;
let brokenWorker: Miniflare;
let server: Server;
let runtimeOutput = '';
/** Bytes the local upstream's `/big` route managed to send, per request, once its connection closed. */
const bigSent: number[] = [];
const BIG_BYTES = 24 * 1024 * 1024;

const log = (line: string) => {
  runtimeOutput += line;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (numbers: readonly number[]) => [...numbers].sort((a, b) => a - b);

beforeAll(async () => {
  script = await bundleWorker();
  server = createServer((request, response) => {
    const path = request.url ?? '';
    if (path === '/big') {
      // 24 MiB of text, written as fast as the reader takes it.
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      response.writeHead(200, { 'content-type': 'text/plain' });
      const pump = () => {
        while (sent < BIG_BYTES) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('close', () => bigSent.push(sent));
      pump();
      return;
    }
    if (path === '/reset') return void request.socket.destroy();
    if (path === '/unavailable') {
      response.writeHead(503, { 'content-type': 'text/plain' });
      return void response.end('try later');
    }
    if (path === '/long-text') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      return void response.end('y'.repeat(2000));
    }
    if (path === '/bad-json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end('{not json');
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = startWorker(script, {}, log);
  realWorker = startWorker(
    script,
    { UPSTREAM_URLS: `${base}/reset ${base}/unavailable,${base}/long-text,${base}/bad-json` },
    log,
  );
  brokenWorker = startWorker(script, { UPSTREAM_URLS: 'not-a-url' }, log);
  await Promise.all([worker.ready, realWorker.ready, brokenWorker.ready]);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled([worker?.dispose(), realWorker?.dispose(), brokenWorker?.dispose()]);
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

const get = (path: string, init?: Parameters<Miniflare['dispatchFetch']>[1], on = worker) =>
  on.dispatchFetch(`http://127.0.0.1:8787${path}`, init);

function parseNdjson(text: string): Line[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line);
}

async function upstreamStats(run: string, done: (stats: UpstreamStats) => boolean): Promise<UpstreamStats> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stats = (await (await get(`/upstream/stats?run=${run}`)).json()) as UpstreamStats;
    if (done(stats) || Date.now() > deadline) return stats;
    await sleep(25);
  }
}

describe('the README’s fan-out examples, as curl runs them', () => {
  it('curl -N / (the defaults): 8 upstreams, a pool of 3, a 1 s deadline, streamed NDJSON ending in a summary', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('fanout-source')).toBe('simulated');
    expect(response.headers.get('fanout-run')).toMatch(/^[0-9a-f-]{36}$/);
    const lines = parseNdjson(await response.text());
    const summary = lines.at(-1) as SummaryLine;
    expect(summary).toMatchObject({ type: 'summary', upstreams: 8, concurrency: 3, deadlineMs: 1000 });
    expect(summary.ok + summary.failed + summary.late.length).toBe(8);
    expect(summary.maxInFlight).toBeLessThanOrEqual(3);
    // each upstream appears exactly once before the summary
    const named = lines.slice(0, -1).map((line) => (line as ResultLine | LateLine).upstream);
    expect(sorted(named)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('the second curl line: 2 and 5 are aborted in flight, 6 never started, 3 failed with a 500', async () => {
    const response = await get('/?n=7&k=2&delay=50,50,3000&fail=3&deadline=400');
    const lines = parseNdjson(await response.text());
    const late = lines.filter((line): line is LateLine => line.type === 'late');
    const answered = (upstream: number) =>
      lines.some((line) => line.type !== 'summary' && line.type !== 'late' && line.upstream === upstream);
    // 2 starts when 0 or 1 answers, and 5 when 3 and 4 have (two at a time). On a loaded
    // machine the 400 ms deadline can come first: then the one behind them never started.
    if (answered(0) || answered(1)) {
      expect(late).toContainEqual({ type: 'late', upstream: 2, state: 'in-flight', aborted: true });
    }
    if (answered(3) && answered(4)) {
      expect(late).toContainEqual({ type: 'late', upstream: 5, state: 'in-flight', aborted: true });
    } else {
      expect(late).toContainEqual({ type: 'late', upstream: 5, state: 'queued', aborted: false });
    }
    expect(late).toContainEqual({ type: 'late', upstream: 6, state: 'queued', aborted: false });
    const three = lines.find((line) => line.type !== 'summary' && line.upstream === 3);
    // On a loaded machine 3 may itself be late; when it answered, it is the simulated failure.
    if (three?.type === 'failed') expect(three).toMatchObject({ status: 500, error: 'upstream 3: simulated failure' });
    const summary = lines.at(-1) as SummaryLine;
    expect(summary).toMatchObject({ type: 'summary', deadlineHit: true, concurrency: 2 });
    expect(summary.maxInFlight).toBeLessThanOrEqual(2);
    const stats = await upstreamStats(response.headers.get('fanout-run')!, (s) => s.inFlight === 0);
    expect(stats.started).not.toContain(6);
    expect(stats.inFlight).toBe(0);
  });

  it('format=json gathers { run, source, summary, outcomes } with application/json and no-store', async () => {
    const response = await get('/?n=4&k=2&delay=10&format=json&deadline=20000');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const answer = (await response.json()) as JsonAnswer;
    expect(Object.keys(answer).sort()).toEqual(['outcomes', 'run', 'source', 'summary']);
    expect(answer.run).toBe(response.headers.get('fanout-run'));
    expect(answer.summary).toMatchObject({ ok: 4, failed: 0, late: [], aborted: [], deadlineHit: false });
    const stats = await upstreamStats(answer.run, (s) => s.finished.length === 4);
    expect(stats).toMatchObject({ run: answer.run, inFlight: 0, aborted: [] });
    expect(stats.maxInFlight).toBeLessThanOrEqual(2);
  });
});

describe('bad queries are a clear 400, never a 500 or a silent default', () => {
  it.each([
    ['%C3%B1=1', 'unknown query parameter "ñ"; known: n, k, deadline, format, delay, fail, heartbeat'],
    ['n=%EF%BC%95', 'n must be a whole number, got "５"'], // a full-width digit
    ['n', 'n must be a whole number, got ""'], // no "=" at all
    ['n=+5', 'n must be a whole number, got " 5"'], // "+" is a space in a query
    ['n=5%00', 'n must be a whole number, got "5\u0000"'],
    ['format=JSON', 'format must be "ndjson" or "json", got "JSON"'],
    ['format=', 'format must be "ndjson" or "json", got ""'],
    ['heartbeat=60001', 'heartbeat must be from 100 to 60000, got 60001'],
    ['fail=0,,1', 'fail must be a whole number, got ""'],
    ['k=1&k=1', 'k is given 2 times; give it once'],
    ['format=json&format=json', 'format is given 2 times; give it once'],
  ])('GET /?%s', async (query, error) => {
    const response = await get(`/?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ error });
  });

  it('a huge value is a 400 too (not a 500), and a 5,000-item delay list is accepted', async () => {
    const huge = await get(`/?n=${'9'.repeat(5000)}`);
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as { error: string }).error).toMatch(/^n must be from 1 to 50, got 9+$/);
    const list = await get(`/?delay=${Array(5000).fill('7').join(',')}`, { method: 'HEAD' });
    expect(list.status).toBe(200);
  });

  it('a bad query calls no upstream: no run is created', async () => {
    const response = await get('/?n=3&k=0');
    expect(response.status).toBe(400);
    expect(response.headers.get('fanout-run')).toBeNull();
  });

  // BP-examples-1: "Every route checks its parameters the same way" — but /upstream/:index took
  // its values with Number() and `=== '1'`.
  it('GET /upstream/:index refuses a delay or fail that is not a whole number, as GET / does (BP-examples-1)', async () => {
    for (const query of ['delay=', 'delay=1e2', 'delay=0x10', 'delay=%20', 'fail=yes', 'fail=']) {
      const response = await get(`/upstream/0?${query}`);
      expect(response.status, query).toBe(400);
    }
  });

  it('GET /upstream/:index refuses an index no fan-out can call (BP-examples-1)', async () => {
    const response = await get('/upstream/99999999999999999999999?delay=0');
    expect(response.status).toBe(400); // was 200 {"upstream":1e+23,…}
  });
});

describe('methods', () => {
  it('OPTIONS and unknown methods are a 405 whose Allow names the methods the route takes', async () => {
    for (const [method, path, allow] of [
      ['OPTIONS', '/', 'GET, HEAD'],
      ['PATCH', '/jobs/take', 'POST'],
      ['PUT', '/upstream/3', 'GET, HEAD'],
      ['DELETE', '/jobs/stream', 'GET, HEAD'],
      ['HEAD', '/jobs', 'POST'],
    ] as const) {
      const response = await get(path, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
    }
  });

  it('an unknown path is a JSON 404 for any method', async () => {
    for (const method of ['GET', 'POST', 'HEAD']) {
      const response = await get('/jobs/', { method });
      expect(response.status).toBe(404);
      if (method !== 'HEAD')
        expect(await response.json()).toEqual({ error: 'not found; try GET /?n=8&k=3&deadline=1000' });
    }
  });

  it('HEAD on /jobs/stats and /upstream/stats answers GET’s status and headers with no body', async () => {
    const stats = await get('/jobs/stats', { method: 'HEAD' });
    expect([stats.status, stats.headers.get('content-type'), await stats.text()]).toEqual([
      200,
      'application/json',
      '',
    ]);
    const unknown = await get('/upstream/stats?run=nope', { method: 'HEAD' });
    expect([unknown.status, await unknown.text()]).toEqual([404, '']);
  });

  it('HEAD /jobs/stream takes no job', async () => {
    expect((await get('/jobs', { method: 'POST', body: '{"head":1}' })).status).toBe(202);
    const head = await get('/jobs/stream?heartbeat=100', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const stats = (await (await get('/jobs/stats')).json()) as { size: number; leased: number };
    expect(stats).toMatchObject({ size: 1, leased: 0 });
    expect(await (await get('/jobs/take?wait=0', { method: 'POST' })).json()).toEqual({ jobs: [{ head: 1 }] });
  });

  // BP-examples-2: HEAD / was not the headers of GET /.
  it('HEAD / answers the headers GET / would, fanout-source included (BP-examples-2)', async () => {
    const head = await get('/?n=2&format=json', { method: 'HEAD' });
    expect(head.headers.get('fanout-source')).toBe('simulated');
  });

  it('HEAD / on a Worker with a bad UPSTREAM_URLS answers the same 500 as GET / (BP-examples-2)', async () => {
    const getAnswer = await get('/?n=2', {}, brokenWorker);
    expect(getAnswer.status).toBe(500);
    expect(await getAnswer.json()).toEqual({ error: 'UPSTREAM_URLS: "not-a-url" is not a URL' });
    const head = await get('/?n=2', { method: 'HEAD' }, brokenWorker);
    expect(head.status).toBe(500); // was 200, as if the fan-out would run
  });
});

describe('many clients at once', () => {
  it('12 concurrent fan-outs each get all their upstreams, each run within its own pool size', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const response = await get('/?n=6&k=2&delay=30,60&format=json&deadline=30000');
        expect(response.status).toBe(200);
        return (await response.json()) as JsonAnswer;
      }),
    );
    expect(new Set(answers.map((answer) => answer.run)).size).toBe(12);
    for (const answer of answers) {
      expect(answer.summary).toMatchObject({ ok: 6, failed: 0, late: [], deadlineHit: false });
      expect(answer.summary.maxInFlight).toBeLessThanOrEqual(2);
      expect(sorted(answer.outcomes.map((line) => (line as ResultLine).upstream))).toEqual([0, 1, 2, 3, 4, 5]);
      const stats = await upstreamStats(answer.run, (s) => s.finished.length === 6);
      expect(stats.maxInFlight).toBeLessThanOrEqual(2);
      expect(stats.aborted).toEqual([]);
    }
  }, 60_000);
});

describe('clients that leave, and clients that read slowly', () => {
  it('clients cut off at different points: every fan-out stops, starts nothing afterwards, and nothing is uncaught', async () => {
    const logged = runtimeOutput.length;
    // cut after 0, 1, 2 and 3 reads of a fan-out of 250 ms upstreams, with a 100 ms heartbeat
    const runs = await Promise.all(
      [0, 1, 2, 3].map(async (reads) => {
        const response = await get('/?n=20&k=3&delay=250&deadline=30000&heartbeat=100');
        const run = response.headers.get('fanout-run')!;
        const reader = response.body!.getReader();
        for (let i = 0; i < reads; i++) await reader.read();
        await reader.cancel();
        return run;
      }),
    );
    for (const run of runs) {
      const stopped = await upstreamStats(run, (s) => s.inFlight === 0 && s.started.length > 0);
      await sleep(800); // three more rounds of upstreams, were it still running
      const later = await upstreamStats(run, () => true);
      expect(later.started).toEqual(stopped.started);
      expect(later.started.length).toBeLessThan(20);
      expect(later.inFlight).toBe(0);
      expect(sorted([...later.finished, ...later.aborted])).toEqual(sorted(later.started));
    }
    await sleep(200);
    const output = runtimeOutput.slice(logged);
    expect(output).not.toMatch(/Uncaught/);
    expect(output).not.toMatch(/unhandled/i);
  }, 60_000);

  it('a client that reads nothing for a while does not push the deadline back, and gets every line after', async () => {
    const response = await get('/?n=5&k=5&delay=10,10,10,10,5000&deadline=300&heartbeat=100');
    await sleep(1500); // reads nothing
    const lines = parseNdjson(await response.text());
    const summary = lines.at(-1) as SummaryLine;
    expect(summary).toMatchObject({ type: 'summary', deadlineHit: true, late: [4], aborted: [4] });
    expect(summary.elapsedMs).toBeLessThan(1400); // the collector never waited for this reader
    expect(lines.filter((line) => line.type === 'result')).toHaveLength(4);
  });
});

describe('failing real upstreams (UPSTREAM_URLS)', () => {
  it('a reset connection, a 503, a long text body and a JSON body that is not JSON are each one line, and never sink the others', async () => {
    const response = await get('/?n=4&k=4&format=json&deadline=20000', {}, realWorker);
    const answer = (await response.json()) as JsonAnswer;
    expect(answer.source).toBe('urls');
    const byUpstream = new Map(answer.outcomes.map((line) => [(line as ResultLine | FailedLine).upstream, line]));
    expect(byUpstream.get(0)).toMatchObject({ type: 'failed', upstream: 0, status: null }); // reset
    expect((byUpstream.get(0) as FailedLine).error.length).toBeGreaterThan(0);
    expect(byUpstream.get(1)).toMatchObject({ type: 'failed', upstream: 1, status: 503, error: 'Service Unavailable' });
    expect(byUpstream.get(2)).toMatchObject({ type: 'result', status: 200, body: `${'y'.repeat(500)}…` });
    expect(byUpstream.get(3)).toMatchObject({ type: 'result', status: 200, body: '{not json' });
    expect(answer.summary).toMatchObject({ ok: 2, failed: 2, late: [] });
  });
});

describe('a huge upstream body', () => {
  let bigWorker: Miniflare | undefined;
  afterAll(async () => {
    await bigWorker?.dispose();
  });

  // BP-examples-3: readBody kept "the first 500 characters" but read the whole body first.
  it('the Worker stops reading an upstream body once it has the 500 characters it keeps (BP-examples-3)', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    bigWorker = startWorker(script, { UPSTREAM_URLS: `${base}/big` }, log);
    await bigWorker.ready;
    const answer = (await (await get('/?n=1&format=json&deadline=30000', {}, bigWorker)).json()) as JsonAnswer;
    expect(answer.outcomes[0]).toMatchObject({ type: 'result', body: `${'x'.repeat(500)}…` });
    const deadline = Date.now() + 10_000;
    while (bigSent.length === 0 && Date.now() < deadline) await sleep(25);
    // 24 MiB were pulled through the Worker's memory for 501 characters of answer.
    expect(bigSent[0]).toBeLessThan(4 * 1024 * 1024);
  }, 60_000);
});
