/**
 * The example's README (examples/cloudflare-worker/README.md) read as a contract: each status
 * code, header and limit of the job queue's route table ("The job queue: a durable channel") and
 * each range of the fan-out's query table that the other tests do not pin. The Worker runs inside workerd through Miniflare in-process, bundled
 * by esbuild with wrangler.jsonc's aliases; each describe has a Miniflare (and a storage) of its
 * own, so the `jobs` queue starts empty, and a queue closed by a test stays closed only there.
 * The queue is closed through the Durable Object namespace, as an operator's script would: no
 * route closes it.
 */
import type { Miniflare, RequestInit, Response } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleWorker, startWorker } from './harness.js';

let script = '';

beforeAll(async () => {
  script = await bundleWorker();
}, 60_000);

/** A Worker of its own (in-memory storage), started before the describe's tests and disposed after them. */
function worker() {
  const handle = { miniflare: undefined as unknown as Miniflare };
  beforeAll(async () => {
    handle.miniflare = startWorker(script);
    await handle.miniflare.ready;
  }, 60_000);
  afterAll(async () => {
    await handle.miniflare?.dispose();
  });
  const fetch = (path: string, init?: RequestInit) =>
    handle.miniflare.dispatchFetch(`http://127.0.0.1:8787${path}`, init);
  return {
    fetch,
    post: (path: string, body?: string, headers: Record<string, string> = {}) =>
      fetch(path, { method: 'POST', headers, ...(body !== undefined && { body }) }),
    stats: async () => (await (await fetch('/jobs/stats')).json()) as Record<string, unknown>,
    /** Closes the `jobs` queue through the namespace (the object's own RPC), with or without a reason. */
    async close(reason?: Error) {
      // Typed loosely without @cloudflare/workers-types: the two methods of a namespace, and the object's close.
      const namespace = (await handle.miniflare.getDurableObjectNamespace('CHANNELS')) as unknown as {
        idFromName(name: string): unknown;
        get(id: unknown): { close(request: { capacity: null; hasReason: boolean; reason: unknown }): Promise<unknown> };
      };
      const stub = namespace.get(namespace.idFromName('jobs'));
      await stub.close({ capacity: null, hasReason: reason !== undefined, reason });
    },
  };
}

/** Reads the whole NDJSON body: its lines, heartbeats (empty lines) skipped. */
async function lines(response: Response): Promise<unknown[]> {
  return (await response.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

// "`POST /jobs` | Pushes the JSON body (at most 64 KiB). `202 { id }` once the job is stored; with
// an `Idempotency-Key` header, that key is the push id …; `503` with `Retry-After` if the queue
// stays full for 2 s; `400` for a body that is not JSON."
describe('POST /jobs', () => {
  const { post, stats } = worker();

  test('a JSON body of exactly 64 KiB is stored; one byte more is a 413 that says the limit, and is not stored', async () => {
    const fits = JSON.stringify('x'.repeat(64 * 1024 - 2));
    expect(new TextEncoder().encode(fits).byteLength).toBe(65_536);
    expect((await post('/jobs', fits)).status).toBe(202);
    const over = await post('/jobs', JSON.stringify('x'.repeat(64 * 1024 - 1)));
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ error: 'a job is at most 65536 bytes' });
    expect(await stats()).toMatchObject({ size: 1 });
    expect((await post('/jobs/take?max=10')).status).toBe(200);
  });

  test('an Idempotency-Key longer than 256 characters is a 400 that says why, and nothing is stored', async () => {
    const response = await post('/jobs', '{"task":"x"}', { 'Idempotency-Key': 'k'.repeat(257) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'Idempotency-Key must be 1 to 256 characters' });
    const fine = await post('/jobs', '{"task":"x"}', { 'Idempotency-Key': 'k'.repeat(256) });
    expect([fine.status, await fine.json()]).toEqual([202, { id: 'k'.repeat(256) }]);
    expect(await stats()).toMatchObject({ size: 1 });
    expect((await post('/jobs/take?max=10')).status).toBe(200);
  });

  test('a POST to a queue that stays full for 2 s is a 503 with Retry-After, and its job is not stored', async () => {
    // Filled 20 POSTs at a time: each POST's 2 s for room runs from its arrival, so a thousand
    // at once queue behind one another in the object for longer than that on a loaded machine,
    // and those at the back get a 503 from a queue that still has room.
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i += 20) {
      const batch = Array.from({ length: 20 }, (_, k) => post('/jobs', JSON.stringify({ i: i + k })));
      for (const response of await Promise.all(batch)) statuses.push(response.status);
    }
    expect(new Set(statuses)).toEqual(new Set([202]));
    expect(await stats()).toMatchObject({ capacity: 1000, size: 1000 });
    const began = Date.now();
    const full = await post('/jobs', '{"task":"one too many"}');
    expect(Date.now() - began).toBeGreaterThanOrEqual(1900);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('1');
    expect(await full.json()).toEqual({ error: 'the queue is full; retry later' });
    expect(await stats()).toMatchObject({ size: 1000, waitingPushers: 0 });
  }, 240_000); // 1,000 requests to fill the queue: about 5 s alone, over 60 s beside a CI run
});

// "`POST /jobs/take?max=10&wait=1000` | Takes up to `max` jobs (1–100) in FIFO order, waiting up to
// `wait` ms (0–25000) for the first: `200 { jobs }`, or `204` when none came."
describe('POST /jobs/take', () => {
  const { post, stats } = worker();

  test('without max it takes at most 10 jobs, in FIFO order', async () => {
    for (let n = 1; n <= 12; n++) expect((await post('/jobs', JSON.stringify({ n }))).status).toBe(202);
    const taken = (await (await post('/jobs/take')).json()) as { jobs: { n: number }[] };
    expect(taken.jobs.map((job) => job.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await (await post('/jobs/take?max=100')).json()).toEqual({ jobs: [{ n: 11 }, { n: 12 }] });
  });

  test('wait=0 takes up to max of the jobs ready now, in FIFO order, without waiting', async () => {
    for (let n = 1; n <= 5; n++) expect((await post('/jobs', JSON.stringify({ n }))).status).toBe(202);
    expect(await (await post('/jobs/take?max=3&wait=0')).json()).toEqual({ jobs: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    expect(await (await post('/jobs/take?max=10&wait=0')).json()).toEqual({ jobs: [{ n: 4 }, { n: 5 }] });
    expect((await post('/jobs/take?wait=0')).status).toBe(204);
    expect(await stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('max=101 and wait=25001 are 400s that say the range', async () => {
    for (const [query, error] of [
      ['max=101', 'max must be from 1 to 100, got 101'],
      ['wait=25001', 'wait must be from 0 to 25000, got 25001'],
      ['max=abc', 'max must be a whole number, got "abc"'],
    ]) {
      const response = await post(`/jobs/take?${query}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error });
    }
  });
});

// "`GET /jobs/stream` | … until the client leaves … or the queue is closed and drained (a last
// line `{"closed":true}`, or `{"error":…}` with the close reason)"; a closed queue refuses
// POST /jobs and, once drained, POST /jobs/take with a 410.
describe('a closed queue', () => {
  describe('closed without a reason', () => {
    const { fetch, post, close } = worker();

    test('GET /jobs/stream sends the jobs left, then a last line {"closed":true}, and ends', async () => {
      for (const n of [1, 2]) expect((await post('/jobs', JSON.stringify({ n }))).status).toBe(202);
      await close();
      const response = await fetch('/jobs/stream');
      expect(response.status).toBe(200);
      expect(await lines(response)).toEqual([{ n: 1 }, { n: 2 }, { closed: true }]);
    });

    test('POST /jobs is a 410, and POST /jobs/take is a 410 with or without wait', async () => {
      const pushed = await post('/jobs', '{"task":"late"}');
      expect([pushed.status, await pushed.json()]).toEqual([410, { error: 'the queue is closed' }]);
      for (const query of ['', '?wait=0']) {
        const taken = await post(`/jobs/take${query}`);
        expect([taken.status, await taken.json()]).toEqual([410, { error: 'the queue is closed' }]);
      }
    });
  });

  describe('closed with a reason', () => {
    const { fetch, post, close } = worker();

    test('GET /jobs/stream sends the jobs left, then a last line {"error": the reason’s message}', async () => {
      expect((await post('/jobs', '{"n":1}')).status).toBe(202);
      await close(new Error('queue retired'));
      expect(await lines(await fetch('/jobs/stream'))).toEqual([{ n: 1 }, { error: 'queue retired' }]);
    });
  });
});

// "The query parameters of `GET /`": `n` 1 to 50, `k` 1 to 50, `deadline` 1 to 30000, `delay` 0 to
// 30000; "`HEAD /` checks the query the same way and answers the headers without calling any
// upstream".
describe('the fan-out’s ranges, at their edges', () => {
  const { fetch } = worker();

  test('n=50, k=50, deadline=30000 and delay=30000 are accepted; one more is a 400 that says the range', async () => {
    const fits = await fetch('/?n=50&k=50&deadline=30000&delay=0,30000', { method: 'HEAD' });
    expect(fits.status).toBe(200);
    expect(fits.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    for (const [query, error] of [
      ['n=51', 'n must be from 1 to 50, got 51'],
      ['k=51', 'k must be from 1 to 50, got 51'],
      ['deadline=30001', 'deadline must be from 1 to 30000, got 30001'],
      ['delay=0,30001', 'delay must be from 0 to 30000, got 30001'],
    ]) {
      const response = await fetch(`/?${query}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error });
    }
  });
});
