/**
 * The job queue's capacity after a change of `JOB_CAPACITY` (audit BQ-copy-1): a durable
 * channel keeps the capacity it was created with, across restarts and deploys, so a Worker
 * redeployed with another number finds the old channel. Every job route then answers a 500 that
 * says what to change — the channel's name too — instead of an uncaught `RangeError`; with a
 * new `JOB_CHANNEL` the queue works at the new capacity. The Worker is bundled as in the other
 * tests, with the two constants rewritten, and its Durable Objects' storage kept in a folder
 * across the restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bundleWorker, startWorker } from './harness.js';

let script: string;
const storage = mkdtempSync(join(tmpdir(), 'chanasync-jobs-capacity-'));

beforeAll(async () => {
  script = await bundleWorker();
}, 60_000);

afterAll(() => {
  rmSync(storage, { recursive: true, force: true });
});

/** The Worker with `JOB_CAPACITY` (and, if given, `JOB_CHANNEL`) rewritten. */
function redeployed(capacity: number, channel?: string): string {
  let edited = script.replace(/\bJOB_CAPACITY = [^;]+;/, `JOB_CAPACITY = ${capacity};`);
  if (channel !== undefined)
    edited = edited.replace(/\bJOB_CHANNEL = [^;]+;/, `JOB_CHANNEL = ${JSON.stringify(channel)};`);
  expect(edited).not.toBe(script);
  return edited;
}

/** Runs `body` against a Miniflare of `source` on the kept storage, then disposes of it. */
async function run(
  source: string,
  body: (request: (path: string, method?: string) => Promise<Response>) => Promise<void>,
) {
  const worker = startWorker(source, {}, undefined, storage);
  try {
    await worker.ready;
    await body(
      (path, method = 'GET') =>
        worker.dispatchFetch(`http://127.0.0.1:8787${path}`, {
          method,
          ...(method === 'POST' && path === '/jobs' ? { body: '{"n":1}' } : {}),
        }) as unknown as Promise<Response>,
    );
  } finally {
    await worker.dispose();
  }
}

test('a Worker redeployed with another JOB_CAPACITY answers every job route with a 500 that says to rename JOB_CHANNEL; renamed, the queue works at the new capacity', async () => {
  await run(script, async (request) => {
    expect((await request('/jobs', 'POST')).status).toBe(202);
  });
  await run(redeployed(5), async (request) => {
    for (const [path, method] of [
      ['/jobs', 'POST'],
      ['/jobs/take?max=1&wait=0', 'POST'],
      ['/jobs/stats', 'GET'],
    ] as const) {
      const answer = await request(path, method);
      expect(answer.status, `${method} ${path}`).toBe(500);
      const { error } = (await answer.json()) as { error: string };
      expect(error).toContain('durable channel "jobs" has capacity 1000, fixed when it was created');
      expect(error).toContain('this client asked for 5');
      expect(error).toContain('give the queue a new JOB_CHANNEL name');
    }
  });
  await run(redeployed(5, 'jobs-v2'), async (request) => {
    expect((await request('/jobs', 'POST')).status).toBe(202);
    expect(await (await request('/jobs/stats')).json()).toMatchObject({ name: 'jobs-v2', capacity: 5, size: 1 });
  });
  // The old channel kept its job, at its capacity.
  await run(script, async (request) => {
    expect(await (await request('/jobs/stats')).json()).toMatchObject({ name: 'jobs', capacity: 1000, size: 1 });
  });
}, 120_000);
