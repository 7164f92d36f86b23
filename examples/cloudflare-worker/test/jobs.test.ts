/**
 * The example's job queue driven the way its README tells a user to: the README's `curl`
 * session replayed request by request (same paths, headers and bodies, the same answers), then
 * `GET /jobs/stream`, whose client leaves, and consumers that go away mid-take. The Worker runs
 * inside workerd through Miniflare in-process (bundled by esbuild with wrangler.jsonc's alias),
 * with a storage of its own: the `jobs` queue starts empty here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleWorker, example, startWorker } from './harness.js';

let miniflare: Miniflare;
/** What workerd printed, for the tests that check nothing was reported as uncaught. */
let runtimeOutput = '';

beforeAll(async () => {
  miniflare = startWorker(await bundleWorker(), {}, (line) => {
    runtimeOutput += line;
  });
  await miniflare.ready;
}, 60_000);

afterAll(async () => {
  await miniflare?.dispose();
});

/** `curl -X POST [-H …] [-d body] URL`. */
function post(path: string, body?: string, headers: Record<string, string> = {}) {
  return miniflare.dispatchFetch(`http://127.0.0.1:8787${path}`, {
    method: 'POST',
    headers,
    ...(body !== undefined && { body }),
  });
}

async function stats(): Promise<Record<string, unknown>> {
  return (await (await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stats')).json()) as Record<string, unknown>;
}

const atRest = {
  name: 'jobs',
  capacity: 1000,
  size: 0,
  leased: 0,
  closed: false,
  waitingPushers: 0,
  waitingPullers: 0,
};

async function until(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error('until: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads NDJSON lines until `count` have arrived (or the body ends); empty lines (heartbeats) are skipped. */
async function readLines(reader: ReadableStreamDefaultReader<Uint8Array>, count: number): Promise<unknown[]> {
  const decoder = new TextDecoder();
  let text = '';
  const complete = () =>
    text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line !== '');
  while (complete().length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return complete().map((line) => JSON.parse(line));
}

describe('the README’s curl session, replayed', () => {
  test('push three jobs (the second twice, with one key), see two in stats, take both in one batch, then wait for none', async () => {
    const first = await post('/jobs', '{"task":"resize","id":1}');
    expect(first.status).toBe(202);
    expect(Object.keys((await first.json()) as object)).toEqual(['id']);
    const keyed = { 'Idempotency-Key': 'job-2' };
    const second = await post('/jobs', '{"task":"email","id":2}', keyed);
    expect([second.status, await second.json()]).toEqual([202, { id: 'job-2' }]);
    const retried = await post('/jobs', '{"task":"email","id":2}', keyed);
    expect([retried.status, await retried.json()]).toEqual([202, { id: 'job-2' }]);

    expect(await stats()).toEqual({ ...atRest, size: 2 }); // {"name":"jobs","capacity":1000,"size":2,…}

    const taken = await post('/jobs/take?max=10');
    expect(await taken.json()).toEqual({
      jobs: [
        { task: 'resize', id: 1 },
        { task: 'email', id: 2 },
      ],
    });

    const began = Date.now();
    const none = await post('/jobs/take?wait=3000'); // waits 3 s for a job: 204 if none comes
    expect(none.status).toBe(204);
    expect(Date.now() - began).toBeGreaterThanOrEqual(2900);
    expect(await stats()).toEqual(atRest);
  }, 20_000);
});

/** Reads until `count` empty lines (heartbeats) have arrived. */
async function readHeartbeats(reader: ReadableStreamDefaultReader<Uint8Array>, count: number): Promise<void> {
  const decoder = new TextDecoder();
  let seen = 0;
  while (seen < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error('readHeartbeats: the stream ended');
    seen += [...decoder.decode(value, { stream: true })].filter((char) => char === '\n').length;
  }
}

describe('GET /jobs/stream', () => {
  test('a job posted after the client left, whose line could not be written, goes back to the queue', async () => {
    const logged = runtimeOutput.length;
    // A heartbeat far away: the Worker learns of the departure from the job's own line.
    const response = await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stream?heartbeat=60000');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await until(async () => (await stats()).waitingPullers === 1);
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await post('/jobs', '{"probe":1}')).status).toBe(202);
    // Taken by the stream, its line fails, the stream pushes it back (under a new id).
    await until(async () => (await stats()).size === 1);
    expect(await stats()).toEqual({ ...atRest, size: 1 });
    expect(await (await post('/jobs/take?max=10&wait=0')).json()).toEqual({ jobs: [{ probe: 1 }] });
    expect(runtimeOutput.slice(logged)).not.toMatch(/Uncaught/);
  });

  test('jobs posted together after the client left all go back to the queue, none lost and none doubled', async () => {
    const response = await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stream?heartbeat=60000');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await until(async () => (await stats()).waitingPullers === 1);
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const posted = await Promise.all([1, 2, 3].map((n) => post('/jobs', JSON.stringify({ burst: n }))));
    expect(posted.map((answer) => answer.status)).toEqual([202, 202, 202]);
    // Pushed back when the Worker learns of the departure: at once (request.signal aborts), or —
    // when the departure is found while a line is being written, workerd here sometimes tells
    // the Worker nothing (about 1 run in 5) — when the stalled write's watchdog fires (10 s).
    const taken: number[] = [];
    const began = Date.now();
    while (taken.length < 3 && Date.now() - began < 20_000) {
      const answer = await post('/jobs/take?max=10&wait=2000');
      if (answer.status === 200)
        taken.push(...((await answer.json()) as { jobs: { burst: number }[] }).jobs.map((job) => job.burst));
    }
    expect(taken.sort()).toEqual([1, 2, 3]);
    expect(await stats()).toEqual(atRest);
  }, 30_000);

  test('a client that leaves right after a job’s line, before two more writes, may have missed it: the job goes back to the queue', async () => {
    // The client must leave before two heartbeats follow the line. At 100 ms a busy machine did
    // not always get its cancel there in time (the job then counted as delivered, rightly); at
    // 1 s it has a second, and the Worker still learns of the departure at its next heartbeat.
    const response = await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stream?heartbeat=1000');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const lines = readLines(reader, 1);
    expect((await post('/jobs', '{"last":1}')).status).toBe(202);
    expect(await lines).toEqual([{ last: 1 }]);
    await reader.cancel();
    await until(async () => (await stats()).size === 1, 10_000);
    expect(await stats()).toEqual({ ...atRest, size: 1 });
    expect(await (await post('/jobs/take?max=10&wait=0')).json()).toEqual({ jobs: [{ last: 1 }] });
  });

  test('a job whose line was followed by two more writes counts as delivered: it does not come back when the client leaves', async () => {
    const response = await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stream?heartbeat=100');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const lines = readLines(reader, 1);
    expect((await post('/jobs', '{"kept":1}')).status).toBe(202);
    expect(await lines).toEqual([{ kept: 1 }]);
    await readHeartbeats(reader, 3);
    await reader.cancel();
    await until(async () => (await stats()).waitingPullers === 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stats()).toEqual(atRest);
  });

  test('streams jobs as NDJSON as they are posted; when the client leaves, its heartbeat fails, the waiting take is withdrawn and later jobs stay queued', async () => {
    const logged = runtimeOutput.length;
    const response = await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stream?heartbeat=100');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const lines = readLines(reader, 2);
    for (const n of [1, 2]) expect((await post('/jobs', JSON.stringify({ n }))).status).toBe(202);
    expect(await lines).toEqual([{ n: 1 }, { n: 2 }]);

    // The stream waits for job 3 in the object, and has written heartbeats after job 2's line
    // (which confirm it); the client leaves.
    await until(async () => (await stats()).waitingPullers === 1);
    await readHeartbeats(reader, 3);
    await reader.cancel();
    await until(async () => (await stats()).waitingPullers === 0);
    for (const n of [3, 4]) expect((await post('/jobs', JSON.stringify({ n }))).status).toBe(202);
    expect(await stats()).toEqual({ ...atRest, size: 2 });
    expect(await (await post('/jobs/take?max=10')).json()).toEqual({ jobs: [{ n: 3 }, { n: 4 }] });
    expect(runtimeOutput.slice(logged)).not.toMatch(/Uncaught/);
  });

  test('while it waits for a job it writes an empty line every heartbeat', async () => {
    const response = await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stream?heartbeat=100');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (text.length < 3) text += decoder.decode((await reader.read()).value, { stream: true });
    // At least three heartbeats, and nothing else: a slow reader gets several in one chunk.
    expect(text).toMatch(/^\n{3,}$/);
    await reader.cancel();
    await until(async () => (await stats()).waitingPullers === 0);
    expect(await stats()).toEqual(atRest);
  });

  test('a heartbeat out of range is a 400 that says why', async () => {
    const response = await miniflare.dispatchFetch('http://127.0.0.1:8787/jobs/stream?heartbeat=5');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'heartbeat must be from 100 to 60000, got 5' });
  });

  test('POST /jobs/stream is a 405 that lists GET', async () => {
    const response = await post('/jobs/stream');
    expect(response.status).toBe(405);
    // and HEAD, as every route that takes GET (HEAD answers the headers and takes no job)
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('consumers that go away', () => {
  test('pinned: locally, a take whose client left waits on until its `wait` and takes the next job for nobody (the Worker is not told)', async () => {
    // In production `request.signal` aborts when the client disconnects (enable_request_signal)
    // and the take is withdrawn; Miniflare and `wrangler dev` do not tell the Worker. The
    // README's advice: a short `wait`, or GET /jobs/stream, whose heartbeat finds out.
    const client = new AbortController();
    const taking = miniflare
      .dispatchFetch('http://127.0.0.1:8787/jobs/take?wait=10000', { method: 'POST', signal: client.signal })
      .catch((error: unknown) => error);
    await until(async () => (await stats()).waitingPullers === 1);
    client.abort();
    expect(await taking).toMatchObject({ name: 'AbortError' });
    expect((await post('/jobs', '{"task":"lost"}')).status).toBe(202);
    expect(await stats()).toEqual(atRest); // taken at once by the abandoned take
    expect((await post('/jobs/take?wait=100')).status).toBe(204);
  });
});

test('the README lists every job route the Worker serves', () => {
  const readme = readFileSync(join(example, 'README.md'), 'utf8');
  for (const route of [
    '`POST /jobs`',
    '`POST /jobs/take?max=10&wait=1000`',
    '`GET /jobs/stream`',
    '`GET /jobs/stats`',
  ]) {
    expect(readme).toContain(route);
  }
});
