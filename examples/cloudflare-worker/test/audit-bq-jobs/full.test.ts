/**
 * BQ-jobs audit: a full queue and a changed capacity. README: "POST /jobs … 503 with
 * Retry-After if the queue stays full for 2 s"; "Changing the queue's capacity": change
 * JOB_CAPACITY and JOB_CHANNEL together; "Change only the number and every job route answers
 * 500 with the error and that advice"; "Every job route answers 500 with a JSON error when the
 * channel exists with another capacity than JOB_CAPACITY".
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  drain,
  post,
  type Running,
  readThenLeave,
  scriptWith,
  sleep,
  start,
  stats,
  take,
  tempFolder,
  uncaught,
  until,
} from './helpers.js';

let running: Running[] = [];
let folders: { remove(): void }[] = [];
afterEach(async () => {
  for (const w of running) await w.dispose();
  for (const f of folders) f.remove();
  running = [];
  folders = [];
});

async function startWith(
  capacity: number,
  channel: string,
  persist?: string,
  more?: Record<string, number>,
): Promise<Running> {
  const w = await start(await scriptWith(capacity, channel, more), persist);
  running.push(w);
  return w;
}

describe('a full queue (JOB_CAPACITY 3, JOB_CHANNEL jobs-v2)', () => {
  it('the fourth POST is a 503 with Retry-After after about 2 s, stores nothing, and leaves no waiter', async () => {
    const w = await startWith(3, 'jobs-v2');
    for (let i = 0; i < 3; i++) expect((await post(w.mf, i)).status).toBe(202);
    expect(await stats(w.mf)).toMatchObject({ name: 'jobs-v2', capacity: 3, size: 3 });
    const started = Date.now();
    const full = await post(w.mf, 'overflow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(full.json()).toHaveProperty('error');
    await until(async () => (await stats(w.mf)).waitingPushers === 0, 15_000, 'the withdrawn push to leave');
    expect(await drain(w.mf)).toEqual([0, 1, 2]);
    // a full slice later, the withdrawn push has still stored nothing
    await sleep(6000);
    expect(await drain(w.mf)).toEqual([]);
    expect(uncaught(w.logs)).toEqual([]);
  }, 60_000);

  it('after a 503, draining frees room: the next POST is a 202 at once', async () => {
    const w = await startWith(1, 'jobs-v2');
    expect((await post(w.mf, 'a')).status).toBe(202);
    expect((await post(w.mf, 'b')).status).toBe(503);
    expect(await take(w.mf, 'max=10&wait=0')).toEqual(['a']);
    const started = Date.now();
    const next = await post(w.mf, 'c');
    expect(next.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(1900); // it did not wait behind a ghost
    expect(await drain(w.mf)).toEqual(['c']);
  }, 60_000);

  it('a POST that got a 503 with an Idempotency-Key is stored when retried with that key after draining', async () => {
    const w = await startWith(1, 'jobs-v2');
    expect((await post(w.mf, 'a')).status).toBe(202);
    expect((await post(w.mf, 'keyed', 'k-503')).status).toBe(503);
    expect(await drain(w.mf)).toEqual(['a']);
    const retried = await post(w.mf, 'keyed', 'k-503');
    expect(retried.status).toBe(202);
    expect(await drain(w.mf)).toEqual(['keyed']);
  }, 60_000);

  it('a POST waiting on a full queue is stored as soon as a take frees room (202, not 503)', async () => {
    const w = await startWith(2, 'jobs-v2');
    await post(w.mf, 1);
    await post(w.mf, 2);
    const waiting = post(w.mf, 3);
    await until(async () => (await stats(w.mf)).waitingPushers === 1, 1500, 'the waiting push');
    expect(await take(w.mf, 'max=1&wait=0')).toEqual([1]);
    const answer = await waiting;
    expect(answer.status).toBe(202);
    expect(await drain(w.mf)).toEqual([2, 3]);
  }, 60_000);

  it('20 producers on a queue of 3 with consumers draining: every 202 job exactly once, no 503 job ever', async () => {
    const w = await startWith(3, 'jobs-v2');
    const accepted = new Set<number>();
    const refused = new Set<number>();
    const delivered: number[] = [];
    let producing = true;
    const consumer = async (max: number, wait: number) => {
      while (producing) {
        delivered.push(...((await take(w.mf, `max=${max}&wait=${wait}`)) as number[]));
        await sleep(150); // slower than the producers: the queue stays full at times
      }
    };
    const consumers = [consumer(1, 0), consumer(2, 300)];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const answer = await post(w.mf, i);
        if (answer.status === 202) accepted.add(i);
        else if (answer.status === 503) refused.add(i);
        else throw new Error(`POST: ${answer.status} ${answer.text}`);
      }),
    );
    producing = false;
    await Promise.all(consumers);
    await until(async () => (await stats(w.mf)).waitingPushers === 0, 15_000, 'no waiting push');
    await sleep(1000);
    delivered.push(...((await drain(w.mf)) as number[]));
    expect(accepted.size + refused.size).toBe(20);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect([...delivered].sort((a, b) => a - b)).toEqual([...accepted].sort((a, b) => a - b));
  }, 90_000);
});

describe('an Idempotency-Key retried while its first POST waits for room', () => {
  it('no 202 before the job is stored: with no room ever, both POSTs are 503 and nothing is stored', async () => {
    const w = await startWith(1, 'jobs-v2');
    expect((await post(w.mf, 'a')).status).toBe(202);
    const first = post(w.mf, 'keyed', 'dup');
    await until(async () => (await stats(w.mf)).waitingPushers === 1, 1500, 'the first waiting push');
    const second = await post(w.mf, 'keyed', 'dup');
    const firstAnswer = await first;
    expect([firstAnswer.status, second.status]).toEqual([503, 503]);
    await until(async () => (await stats(w.mf)).waitingPushers === 0, 15_000, 'no waiting push');
    expect(await drain(w.mf)).toEqual(['a']);
    await sleep(6000);
    expect(await drain(w.mf)).toEqual([]);
  }, 60_000);

  it('room comes while both wait: both 202, stored once', async () => {
    // The POSTs wait up to 10 s for room, not 2: on a loaded machine the take came after the
    // first one's 2 s were up (a 503, as it should be then).
    const w = await startWith(1, 'jobs-v2', undefined, { PUSH_WAIT_MS: 10_000 });
    expect((await post(w.mf, 'a')).status).toBe(202);
    const first = post(w.mf, 'keyed', 'dup2');
    await until(async () => (await stats(w.mf)).waitingPushers === 1, 1500, 'the first waiting push');
    const second = post(w.mf, 'keyed', 'dup2');
    await sleep(200);
    expect(await take(w.mf, 'max=1&wait=0')).toEqual(['a']);
    const answers = await Promise.all([first, second]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    await sleep(1000);
    expect(await drain(w.mf)).toEqual(['keyed']);
  }, 60_000);
});

describe('a stream that leaves while the queue is full', () => {
  it('the jobs it pushes back wait for room and go back once a take frees it: nothing lost', async () => {
    const w = await startWith(1, 'jobs-v2');
    expect((await post(w.mf, 'A')).status).toBe(202);
    // the client leaves having read A; B, posted then, is taken by the stream for nobody; the
    // departure is found when B's line (or a heartbeat) is written, and A and B go back into a
    // queue of capacity 1: one of them has to wait for room
    await readThenLeave(w.mf, 'A');
    expect((await post(w.mf, 'B')).status).toBe(202);
    await until(async () => (await stats(w.mf)).waitingPushers === 1, 30_000, 'a push back to wait for room');
    const first = await take(w.mf, 'max=1&wait=0');
    await until(async () => (await stats(w.mf)).size === 1, 15_000, 'the other back in the queue');
    const second = await drain(w.mf);
    expect([...first, ...second].sort()).toEqual(['A', 'B']);
    expect(uncaught(w.logs)).toEqual([]);
  }, 90_000);
});

describe('a capacity changed without a new name', () => {
  it('POST /jobs, POST /jobs/take (wait>0 and wait=0), GET /jobs/stats answer 500 with a JSON error naming the fix', async () => {
    const folder = tempFolder();
    folders.push(folder);
    const before = await startWith(1000, 'jobs', folder.path);
    expect((await post(before.mf, 'old')).status).toBe(202);
    await before.dispose();
    const after = await startWith(5, 'jobs', folder.path);
    const answers = {
      post: await call(after.mf, '/jobs', { method: 'POST', body: '{}' }),
      take: await call(after.mf, '/jobs/take?wait=100', { method: 'POST' }),
      takeNow: await call(after.mf, '/jobs/take?wait=0', { method: 'POST' }),
      stats: await call(after.mf, '/jobs/stats'),
    };
    for (const [route, answer] of Object.entries(answers)) {
      expect(answer.status, route).toBe(500);
      expect((answer.json() as { error: string }).error, route).toContain('JOB_CHANNEL');
    }
    expect(uncaught(after.logs)).toEqual([]);
  }, 60_000);

  /** The stream's answer on a channel created with capacity 1000, opened with 5. */
  async function mismatchedStream(): Promise<{ status: number; text: string }> {
    const folder = tempFolder();
    folders.push(folder);
    const before = await startWith(1000, 'jobs', folder.path);
    expect((await post(before.mf, 'old')).status).toBe(202);
    await before.dispose();
    const after = await startWith(5, 'jobs', folder.path);
    const stream = await call(after.mf, '/jobs/stream?heartbeat=100');
    expect(uncaught(after.logs)).toEqual([]);
    return stream;
  }

  // BQ-jobs-1 (fixed): GET /jobs/stream answered 200 and one NDJSON line {"error":…} (the bare
  // RangeError, without the advice) where the README says every job route answers 500. The
  // route now calls the object once before its 200 goes out; HEAD gets the same.
  it('GET /jobs/stream answers 500 with the advice, as every job route', async () => {
    const stream = await mismatchedStream();
    expect(stream.status).toBe(500);
    const { error } = JSON.parse(stream.text) as { error: string };
    expect(error).toContain('fixed when it was created');
    expect(error).toContain('give the queue a new JOB_CHANNEL name');
  }, 60_000);
});
