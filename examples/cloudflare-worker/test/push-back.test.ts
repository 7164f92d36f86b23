/**
 * `GET /jobs/stream`'s push back has a deadline. The jobs a departed stream's client may not
 * have got go back inside `ctx.waitUntil`, which Cloudflare cancels 30 s after the client left:
 * a push back still waiting for room in a full queue then would vanish without a word. Past
 * `PUSH_BACK_MS` it is withdrawn (nothing stored) and the job is logged for an operator. The
 * Worker runs here with `PUSH_BACK_MS` rewritten to 1 s (and a queue of capacity 1), as the
 * BQ-jobs audit rewrites `JOB_CAPACITY`.
 */
import { afterEach, expect, it } from 'vitest';
import {
  drain,
  post,
  type Running,
  readThenLeave,
  scriptWith,
  start,
  stats,
  uncaught,
  until,
} from './audit-bq-jobs/helpers.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.dispose();
  running = undefined;
});

it('a job that cannot go back into a full queue within PUSH_BACK_MS is withdrawn and logged with its content, not left waiting', async () => {
  running = await start(await scriptWith(1, 'jobs-push-back', { PUSH_BACK_MS: 1000 }));
  const { mf, logs } = running;
  expect((await post(mf, 'A')).status).toBe(202);
  // The client leaves having read A's line (not confirmed by two more writes); B, posted then,
  // is taken by the stream for nobody. Both go back into a queue of capacity 1 that nobody
  // drains: one of them has to wait for room, and it waits no longer than the deadline.
  await readThenLeave(mf, 'A');
  expect((await post(mf, 'B')).status).toBe(202);
  const line = () => logs.find((entry) => entry.includes('could not push back'));
  await until(async () => line() !== undefined, 40_000, 'the push back to give up');
  // Withdrawn, not stored and not waiting: the queue holds the other job only.
  await until(async () => (await stats(mf)).waitingPushers === 0, 5000, 'no push left waiting');
  expect(await stats(mf)).toMatchObject({ size: 1, leased: 0, waitingPushers: 0 });
  const kept = await drain(mf);
  expect(kept).toHaveLength(1);
  const lost = kept[0] === 'A' ? 'B' : 'A';
  expect(['A', 'B']).toContain(kept[0]);
  // Logged with its content, for an operator to recover: `… for 1000 ms B`.
  expect(line()?.trimEnd().endsWith(`1000 ms ${lost}`)).toBe(true);
  expect(uncaught(logs)).toEqual([]);
}, 90_000);
