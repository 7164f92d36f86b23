/**
 * BQ-jobs audit: a body that is JSON, well under 64 KiB, that the durable channel cannot carry
 * (nested deeper than V8's structured clone can serialize). README's route table: POST /jobs
 * "Pushes the JSON body (at most 64 KiB: 413 beyond) … 400 for a body that is not JSON"; every
 * other refusal of a job route is a JSON `{ error }`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, drain, type Running, start, stats } from './helpers.js';

let w: Running;
beforeAll(async () => {
  w = await start();
}, 60_000);
afterAll(async () => {
  await w?.dispose();
});

/** 16 000 bytes of valid JSON: arrays nested 8000 deep. */
const deep = `${'['.repeat(8000)}${']'.repeat(8000)}`;

it('(the body is valid JSON, far under the limit)', () => {
  expect(() => JSON.parse(deep)).not.toThrow();
  expect(deep.length).toBeLessThan(64 * 1024);
});

// BQ-jobs-2 (fixed): a job the channel cannot store was an uncaught exception (500, plain text,
// the TypeError's stack) rather than a refusal the client can act on, as the route's other
// refusals are (400 not JSON, 413 too large). It is now a 422 with a JSON `error`; the queue
// itself was never harmed (nothing stored; the next requests work).
it('a valid JSON body the queue cannot store is a 422 with a JSON error, three times over; nothing is stored', async () => {
  for (let i = 0; i < 3; i++) {
    const answer = await call(w.mf, '/jobs', { method: 'POST', body: deep });
    expect(answer.status).toBe(422);
    const { error } = JSON.parse(answer.text) as { error: string };
    expect(error).toContain('the job cannot be stored');
    expect(error).toContain('cannot be sent to a durable channel');
  }
  expect((await stats(w.mf)).size).toBe(0);
  expect(await drain(w.mf)).toEqual([]);
});

it('the queue works on after such a body', async () => {
  expect((await call(w.mf, '/jobs', { method: 'POST', body: '[[1]]' })).status).toBe(202);
  expect(await drain(w.mf)).toEqual([[[1]]]);
});
