/**
 * The fan-out Worker inside workerd, through Miniflare in-process: the Worker is bundled by
 * esbuild (as wrangler would, with the same `chanasync` alias) and its simulated upstreams are
 * reached through the SELF service binding, as in wrangler.jsonc. A second instance points
 * UPSTREAM_URLS at a local Node server to check the real-URL path, and the last test runs
 * `wrangler deploy --dry-run`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FailedLine, LateLine, Line, ResultLine, SummaryLine } from '../src/fanout.js';
import type { UpstreamStats } from '../src/upstream.js';
import { bundleWorker, example, root, startWorker } from './harness.js';

const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
/** `wrangler` offline: no login, no metrics, no request for Cloudflare's `cf` data. */
const offline = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

/** The answer of `format=json`. */
interface JsonAnswer {
  run: string;
  source: 'simulated' | 'urls';
  summary: SummaryLine;
  outcomes: Exclude<Line, SummaryLine>[];
}

let script: string;
let miniflare: Miniflare;
/** What workerd printed (its `Uncaught …` reports among it), for the tests that check nothing was. */
let runtimeOutput = '';

/** A Miniflare running the bundled Worker as wrangler.jsonc configures it. */
function start(vars: Record<string, string> = {}): Miniflare {
  return startWorker(script, vars, (line) => {
    runtimeOutput += line;
  });
}

beforeAll(async () => {
  script = await bundleWorker();
  miniflare = start();
  await miniflare.ready;
}, 60_000);

afterAll(async () => {
  await miniflare?.dispose();
});

async function fanOutJson(query: string, worker = miniflare): Promise<JsonAnswer> {
  const response = await worker.dispatchFetch(`http://worker/?${query}&format=json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  return (await response.json()) as JsonAnswer;
}

/** The lines of an NDJSON body, heartbeats (empty lines) skipped as a client skips them. */
function parseNdjson(text: string): Line[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line);
}

/** The simulated upstreams' view of a run, once `done` holds for it (the abort reaches them asynchronously). */
async function upstreamStats(run: string, done: (stats: UpstreamStats) => boolean): Promise<UpstreamStats> {
  for (let attempt = 0; ; attempt++) {
    const response = await miniflare.dispatchFetch(`http://worker/upstream/stats?run=${run}`);
    const stats = (await response.json()) as UpstreamStats;
    if (done(stats) || attempt === 40) return stats;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sorted = (numbers: readonly number[]) => [...numbers].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('JSON mode', () => {
  test('gathers every upstream exactly once, and never has more than k calls in flight', async () => {
    const answer = await fanOutJson('n=12&k=3&delay=20,60,40&deadline=10000');
    expect(answer.source).toBe('simulated');
    expect(answer.summary).toMatchObject({ upstreams: 12, concurrency: 3, ok: 12, failed: 0, late: [], aborted: [] });
    expect(answer.summary.deadlineHit).toBe(false);

    const results = answer.outcomes as ResultLine[];
    expect(results.every((line) => line.type === 'result' && line.status === 200)).toBe(true);
    expect(sorted(results.map((line) => line.upstream))).toEqual(range(12));
    for (const line of results)
      expect(line.body).toEqual({ upstream: line.upstream, delayMs: [20, 60, 40][line.upstream % 3] });

    // The limit, counted on both sides of the wire: in the pool, and by the upstreams.
    expect(answer.summary.maxInFlight).toBe(3);
    const stats = await upstreamStats(answer.run, (s) => s.finished.length === 12);
    expect(stats.maxInFlight).toBe(3);
    expect(sorted(stats.started)).toEqual(range(12));
    expect(stats.aborted).toEqual([]);
  });

  test('at the deadline, answers with the partial results, names the late upstreams and aborts their calls', async () => {
    // k=2, upstreams 2 and 5 take 3 s. By 1 s one worker is stuck on 2, the other on 5 (after
    // 1, 3 and 4: 150 ms of calls, late on a loaded machine), and upstream 6 was never started.
    const began = Date.now();
    const answer = await fanOutJson('n=7&k=2&delay=50,50,3000&deadline=1000');
    const elapsed = Date.now() - began;
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(2500); // the deadline, not the 3 s upstreams

    const { summary, outcomes } = answer;
    expect(summary).toMatchObject({ ok: 4, failed: 0, late: [2, 5, 6], aborted: [2, 5], deadlineHit: true });
    expect(summary.maxInFlight).toBeLessThanOrEqual(2);
    const answered = outcomes.filter((line): line is ResultLine => line.type === 'result');
    expect(sorted(answered.map((line) => line.upstream))).toEqual([0, 1, 3, 4]);
    expect(outcomes.filter((line) => line.type === 'late')).toEqual([
      { type: 'late', upstream: 2, state: 'in-flight', aborted: true },
      { type: 'late', upstream: 5, state: 'in-flight', aborted: true },
      { type: 'late', upstream: 6, state: 'queued', aborted: false },
    ]);

    // The upstreams saw their requests aborted (request.signal), long before their 3 s were up.
    const stats = await upstreamStats(answer.run, (s) => s.aborted.length === 2);
    expect(sorted(stats.aborted)).toEqual([2, 5]);
    expect(sorted(stats.finished)).toEqual([0, 1, 3, 4]);
    expect(stats.started).not.toContain(6);
    expect(stats.inFlight).toBe(0);
  });
});

describe('NDJSON mode', () => {
  test('streams each result as it arrives, then the summary', async () => {
    const began = Date.now();
    const response = await miniflare.dispatchFetch('http://worker/?n=4&k=4&delay=10,10,10,900&deadline=5000');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('fanout-source')).toBe('simulated');

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let firstRead: string | undefined; // all that had come when the first line was complete
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (firstRead === undefined && text.includes('}\n')) firstRead = text.slice(0, text.lastIndexOf('\n') + 1);
    }
    const endedAt = Date.now() - began;
    // The fast upstreams' lines came out while the slow one was still running: before its line
    // (the order they came in, which a loaded machine does not change, rather than a time).
    const early = parseNdjson(firstRead ?? '');
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((line) => line.type === 'result' && (line as ResultLine).upstream !== 3)).toBe(true);
    expect(endedAt).toBeGreaterThanOrEqual(890);

    const lines = parseNdjson(text);
    expect(lines.map((line) => line.type)).toEqual(['result', 'result', 'result', 'result', 'summary']);
    expect((lines[3] as ResultLine).upstream).toBe(3); // the slow one, last
    expect(lines[4]).toMatchObject({ type: 'summary', ok: 4, late: [], maxInFlight: 4 });
  });

  test('one failing upstream does not sink the others, and a late one is reported at the deadline', async () => {
    const response = await miniflare.dispatchFetch(
      'http://worker/?n=6&k=3&delay=20,20,20,20,20,2000&fail=1,4&deadline=500',
    );
    const lines = parseNdjson(await response.text());
    const failed = lines.filter((line): line is FailedLine => line.type === 'failed');
    expect(sorted(failed.map((line) => line.upstream))).toEqual([1, 4]);
    for (const line of failed) {
      expect(line.status).toBe(500);
      expect(line.error).toBe(`upstream ${line.upstream}: simulated failure`);
    }
    const ok = lines.filter((line): line is ResultLine => line.type === 'result');
    expect(sorted(ok.map((line) => line.upstream))).toEqual([0, 2, 3]);
    expect(lines.filter((line): line is LateLine => line.type === 'late')).toEqual([
      { type: 'late', upstream: 5, state: 'in-flight', aborted: true },
    ]);
    expect(lines.at(-1)).toMatchObject({
      type: 'summary',
      ok: 3,
      failed: 2,
      late: [5],
      aborted: [5],
      deadlineHit: true,
    });
  });
});

describe('a bad query gets a 400 with a clear message', () => {
  test.each([
    ['n=abc', 'n must be a whole number, got "abc"'],
    ['n=1e3', 'n must be a whole number, got "1e3"'],
    ['n=100000', 'n must be from 1 to 50, got 100000'],
    ['n=0', 'n must be from 1 to 50, got 0'],
    ['k=0', 'k must be from 1 to 50, got 0'],
    ['k=-2', 'k must be from 1 to 50, got -2'],
    ['n=99999999999999999999', 'n must be from 1 to 50, got 99999999999999999999'],
    ['deadline=-0', 'deadline must be from 1 to 30000, got -0'],
    ['delay=10,-5', 'delay must be from 0 to 30000, got -5'],
    ['n=2&n=3', 'n is given 2 times; give it once'],
    ['fail=1&fail=2', 'fail is given 2 times; give it once'],
    ['fail=', 'fail must be a comma-separated list of whole numbers, got ""'],
    ['delay=', 'delay must be a comma-separated list of whole numbers, got ""'],
    ['n=', 'n must be a whole number, got ""'],
    ['n=1.5', 'n must be a whole number, got "1.5"'],
    ['deadline=0', 'deadline must be from 1 to 30000, got 0'],
    ['format=xml', 'format must be "ndjson" or "json", got "xml"'],
    ['delay=10,x', 'delay must be a whole number, got "x"'],
    ['n=3&fail=3', 'fail must be from 0 to 2, got 3'],
    ['N=5', 'unknown query parameter "N"; known: n, k, deadline, format, delay, fail, heartbeat'],
    ['heartbeat=99', 'heartbeat must be from 100 to 60000, got 99'],
  ])('%s', async (query, message) => {
    const response = await miniflare.dispatchFetch(`http://worker/?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });
  });
});

describe('every route checks its query parameters the same way', () => {
  test.each([
    ['POST', '/jobs?x=1', 'unknown query parameter "x"; this route takes none'],
    ['POST', '/jobs/take?bogus=1', 'unknown query parameter "bogus"; known: max, wait'],
    ['GET', '/jobs/stream?bogus=1', 'unknown query parameter "bogus"; known: heartbeat'],
    ['GET', '/jobs/stream?heartbeat=100&heartbeat=200', 'heartbeat is given 2 times; give it once'],
    ['GET', '/jobs/stats?verbose=1', 'unknown query parameter "verbose"; this route takes none'],
    ['GET', '/upstream/stats?id=1', 'unknown query parameter "id"; known: run'],
    ['GET', '/upstream/stats', 'run is required: the fanout-run header of a fan-out'],
    ['GET', '/upstream/stats?run=', 'run is required: the fanout-run header of a fan-out'],
    ['GET', '/upstream/stats?run=a&run=b', 'run is given 2 times; give it once'],
    ['GET', '/upstream/0?slow=1', 'unknown query parameter "slow"; known: delay, fail, run'],
  ])('%s %s is a 400 that names the parameter', async (method, path, error) => {
    const response = await miniflare.dispatchFetch(`http://worker${path}`, {
      method,
      body: method === 'POST' ? '{}' : null,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error });
  });

  test('POST /jobs with an unknown parameter stores nothing', async () => {
    expect((await miniflare.dispatchFetch('http://worker/jobs?x=1', { method: 'POST', body: '{"a":1}' })).status).toBe(
      400,
    );
    const stats = (await (await miniflare.dispatchFetch('http://worker/jobs/stats')).json()) as { size: number };
    expect(stats.size).toBe(0);
  });

  test('an unknown run is a 404 that names it', async () => {
    const response = await miniflare.dispatchFetch('http://worker/upstream/stats?run=nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'unknown run "nope"' });
  });
});

describe('the pool size', () => {
  test('a pool larger than n is cut to n, and the summary reports the size used', async () => {
    const answer = await fanOutJson('n=2&delay=20&deadline=5000'); // k defaults to 3
    expect(answer.summary).toMatchObject({ upstreams: 2, concurrency: 2, maxInFlight: 2 });
  });
});

describe('methods', () => {
  test('a method a route does not take is a 405 that names the allowed ones in an Allow header', async () => {
    for (const [method, path, allow] of [
      ['POST', '/', 'GET, HEAD'],
      ['DELETE', '/upstream/stats', 'GET, HEAD'],
      ['GET', '/jobs', 'POST'],
      ['PUT', '/jobs/stats', 'GET, HEAD'],
    ] as const) {
      const response = await miniflare.dispatchFetch(`http://worker${path}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(await response.json()).toEqual({ error: `${method} is not allowed here; use ${allow}` });
    }
  });

  test('HEAD / answers the headers of the fan-out without calling any upstream', async () => {
    const response = await miniflare.dispatchFetch('http://worker/?n=3&format=json', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('fanout-run')).toBeNull(); // no run: nothing was called
    expect(await response.text()).toBe('');
  });

  test('HEAD with a bad query is the same 400 as GET', async () => {
    const response = await miniflare.dispatchFetch('http://worker/?n=0', { method: 'HEAD' });
    expect(response.status).toBe(400);
  });
});

describe('a client that disconnects mid-stream', () => {
  test('stops the fan-out: in-flight calls are aborted, no upstream starts afterwards, nothing is logged as uncaught', async () => {
    const logged = runtimeOutput.length;
    const response = await miniflare.dispatchFetch('http://worker/?n=12&k=2&delay=250&deadline=20000');
    const run = response.headers.get('fanout-run')!;
    const reader = response.body!.getReader();
    await reader.read(); // the first line: the fan-out is running
    await reader.cancel(); // the client goes away
    // The Worker learns of it (request.signal, or its next write failing), aborts the calls in
    // flight, and starts no other: the upstreams' own count stops growing with nothing in flight.
    const stopped = await upstreamStats(run, (s) => s.inFlight === 0 && s.aborted.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 800)); // three more delays: nothing new starts
    const later = await upstreamStats(run, () => true);
    expect(later.started).toEqual(stopped.started);
    expect(later.started.length).toBeLessThan(12);
    expect(later.inFlight).toBe(0);
    expect(sorted([...later.finished, ...later.aborted])).toEqual(sorted(later.started));
    expect(runtimeOutput.slice(logged)).not.toMatch(/Uncaught/);
  });
});

describe('a client that disconnects while the upstreams are slow', () => {
  test('the streamed fan-out’s heartbeat finds out: the calls in flight are aborted long before they would end, and no other starts', async () => {
    const logged = runtimeOutput.length;
    const began = Date.now();
    const response = await miniflare.dispatchFetch('http://worker/?n=6&k=2&delay=3000&deadline=20000&heartbeat=100');
    const run = response.headers.get('fanout-run')!;
    await response.body!.cancel(); // the client goes away before any line
    const stopped = await upstreamStats(run, (s) => s.aborted.length === 2);
    expect(Date.now() - began).toBeLessThan(2500); // not at the upstreams' 3 s
    expect(sorted(stopped.aborted)).toEqual([0, 1]);
    expect(stopped.finished).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await upstreamStats(run, () => true)).started).toEqual(stopped.started);
    expect(stopped.started).toHaveLength(2);
    expect(runtimeOutput.slice(logged)).not.toMatch(/Uncaught/);
  });

  test('while no line is ready, the streamed fan-out writes an empty line every heartbeat', async () => {
    const response = await miniflare.dispatchFetch('http://worker/?n=1&delay=700&deadline=5000&heartbeat=200');
    const text = await response.text();
    expect(text.startsWith('\n\n')).toBe(true); // at 200 and 400 ms (and 600), before the answer at 700
    expect(parseNdjson(text).map((line) => line.type)).toEqual(['result', 'summary']);
  });
});

describe('the job queue (a durable channel shared by every request)', () => {
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    miniflare.dispatchFetch(`http://worker${path}`, {
      method: 'POST',
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  const stats = async () =>
    (await (await miniflare.dispatchFetch('http://worker/jobs/stats')).json()) as Record<string, unknown>;

  test('jobs posted by separate requests are taken in batches, in order', async () => {
    for (const task of ['a', 'b', 'c']) expect((await post('/jobs', { task })).status).toBe(202);
    const first = await post('/jobs/take?max=2');
    expect(await first.json()).toEqual({ jobs: [{ task: 'a' }, { task: 'b' }] });
    expect(await (await post('/jobs/take?max=10')).json()).toEqual({ jobs: [{ task: 'c' }] });
  });

  test('a take waiting in one request receives the job another request posts', async () => {
    const taking = post('/jobs/take?max=5&wait=5000');
    for (let i = 0; i < 100 && (await stats()).waitingPullers !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await post('/jobs', { task: 'cross-request' })).status).toBe(202);
    expect(await (await taking).json()).toEqual({ jobs: [{ task: 'cross-request' }] });
  });

  test('a take that finds nothing within its wait answers 204 and takes nothing', async () => {
    const response = await post('/jobs/take?wait=50');
    expect(response.status).toBe(204);
    expect(await stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a job posted twice with the same Idempotency-Key is queued once', async () => {
    const once = { 'idempotency-key': 'order-1' };
    expect(await (await post('/jobs', { pay: 5 }, once)).json()).toEqual({ id: 'order-1' });
    expect((await post('/jobs', { pay: 5 }, once)).status).toBe(202);
    expect(await stats()).toMatchObject({ size: 1 });
    expect(await (await post('/jobs/take?max=10')).json()).toEqual({ jobs: [{ pay: 5 }] });
  });

  test('stats shows the size, the leases, the waiting operations and the capacity', async () => {
    expect(await stats()).toEqual({
      name: 'jobs',
      capacity: 1000,
      size: 0,
      leased: 0,
      closed: false,
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  test.each([
    ['/jobs', 'not json', 'the body must be JSON'],
    ['/jobs/take?max=0', undefined, 'max must be from 1 to 100, got 0'],
    ['/jobs/take?max=1&max=2', undefined, 'max is given 2 times; give it once'],
    ['/jobs/take?wait=-1', undefined, 'wait must be from 0 to 25000, got -1'],
  ])('POST %s with a bad request is a 400 that says why', async (path, body, error) => {
    const response = await miniflare.dispatchFetch(`http://worker${path}`, {
      method: 'POST',
      ...(body !== undefined && { body }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error });
  });
});

describe('real upstreams through UPSTREAM_URLS', () => {
  let server: Server;
  let real: Miniflare;
  /** Requests whose connection closed before the server answered: aborted by the Worker. */
  const abandoned: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/fast') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ fast: true }));
        return;
      }
      const timer = setTimeout(() => response.end('slow'), 5000);
      response.on('close', () => {
        clearTimeout(timer);
        if (!response.writableEnded) abandoned.push(request.url ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    real = start({ UPSTREAM_URLS: `${base}/fast, ${base}/slow` });
    await real.ready;
  }, 60_000);

  afterAll(async () => {
    await real?.dispose();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('replace the simulated ones, and the deadline aborts their fetches over the network', async () => {
    // Even upstreams are /fast, odd ones /slow (5 s): with k=2, workers end up stuck on 1 and 3.
    const answer = await fanOutJson('n=4&k=2&deadline=1500', real); // room for /fast on a busy machine
    expect(answer.source).toBe('urls');
    expect(answer.summary).toMatchObject({ ok: 2, late: [1, 3], aborted: [1, 3], deadlineHit: true });
    const results = answer.outcomes.filter((line): line is ResultLine => line.type === 'result');
    expect(results.map((line) => line.body)).toEqual([{ fast: true }, { fast: true }]);
    for (let i = 0; i < 200 && abandoned.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(abandoned).toEqual(['/slow', '/slow']);
  });
});

test('wrangler deploy --dry-run bundles the Worker without a login', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'chanasync-fanout-'));
  try {
    await promisify(execFile)(wrangler, ['deploy', '--dry-run', '--outdir', outdir], { cwd: example, env: offline });
    const bundle = readFileSync(join(outdir, 'index.js'), 'utf8');
    expect(bundle).toContain('var Channel = class'); // the library, resolved through the alias
    expect(bundle).toContain('upstream/stats');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 60_000);
