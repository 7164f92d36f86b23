/**
 * BQ-jobs audit: many producers and consumers at once. README: "POST /jobs … 202 { id } once the
 * job is stored; with an Idempotency-Key header … a retried POST is stored once"; "POST
 * /jobs/take … Takes up to max jobs … in FIFO order"; SPEC: "exactly once in the absence of
 * failures. FIFO per channel".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, drain, post, type Running, start, stats, take, uncaught, until } from './helpers.js';

let w: Running;
beforeEach(async () => {
  w = await start();
}, 60_000);
afterEach(async () => {
  await w?.dispose();
});

interface Job {
  p: number;
  s: number;
}

/** A deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('producers and consumers at once', () => {
  it('8 producers × 25 jobs, 4 consumers taking with various max/wait: each job exactly once, FIFO per producer', async () => {
    const producers = 8;
    const perProducer = 25;
    const total = producers * perProducer;
    const rand = random(7);
    let produced = 0;
    const produce = async (p: number) => {
      for (let s = 0; s < perProducer; s++) {
        const answer = await post(w.mf, { p, s } satisfies Job, s % 2 === 0 ? `p${p}-s${s}` : undefined);
        expect(answer.status, answer.text).toBe(202);
        produced++;
      }
    };
    const seen: Job[] = [];
    const batchesByConsumer: Job[][][] = [];
    const consume = async (c: number) => {
      const mine: Job[][] = [];
      batchesByConsumer[c] = mine;
      while (seen.length < total) {
        const max = 1 + Math.floor(rand() * 20);
        const wait = [0, 200, 1000][Math.floor(rand() * 3)];
        const batch = (await take(w.mf, `max=${max}&wait=${wait}`)) as Job[];
        expect(batch.length).toBeLessThanOrEqual(max);
        if (batch.length > 0) mine.push(batch);
        seen.push(...batch);
        if (produced === total && batch.length === 0 && seen.length < total) {
          // everything is produced and nothing came: check the queue is not holding any
          const s = await stats(w.mf);
          if (s.size === 0 && s.leased === 0) break;
        }
      }
    };
    await Promise.all([
      ...Array.from({ length: producers }, (_, p) => produce(p)),
      ...Array.from({ length: 4 }, (_, c) => consume(c)),
    ]);
    const keys = seen.map((job) => `${job.p}/${job.s}`);
    expect(new Set(keys).size).toBe(keys.length); // no duplicate
    expect(keys.length).toBe(total); // none lost
    // FIFO: inside one batch, and across one consumer's successive batches, each producer's
    // jobs come in the order it posted them
    for (const batches of batchesByConsumer) {
      const last = new Map<number, number>();
      for (const job of batches.flat()) {
        expect(job.s).toBeGreaterThan(last.get(job.p) ?? -1);
        last.set(job.p, job.s);
      }
    }
    await until(
      async () => {
        const s = await stats(w.mf);
        return s.size === 0 && s.leased === 0 && s.waitingPullers === 0 && s.waitingPushers === 0;
      },
      15_000,
      'an idle, empty queue',
    );
    expect(uncaught(w.logs)).toEqual([]);
  }, 120_000);

  it('one producer, a single consumer: the global order is the posting order', async () => {
    const answers = [];
    for (let i = 0; i < 60; i++) answers.push(await post(w.mf, i));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const got: unknown[] = [];
    for (const max of [1, 7, 13, 100]) got.push(...(await take(w.mf, `max=${max}&wait=500`)));
    expect(got).toEqual(Array.from({ length: 60 }, (_, i) => i));
  }, 60_000);

  it('stats add up: size = posted − taken, leased 0 between requests', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => post(w.mf, i)));
    let taken = 0;
    for (const max of [4, 9, 1]) {
      taken += (await take(w.mf, `max=${max}&wait=200`)).length;
      const s = await stats(w.mf);
      expect(s.size + s.leased).toBe(30 - taken);
      expect(s.leased).toBe(0);
    }
    expect(taken).toBe(14);
    expect((await drain(w.mf)).length).toBe(16);
  }, 60_000);

  it('six takes waiting on an empty queue, one job posted: exactly one take gets it', async () => {
    const takes = Array.from({ length: 6 }, () => call(w.mf, '/jobs/take?max=5&wait=3000', { method: 'POST' }));
    await until(async () => (await stats(w.mf)).waitingPullers >= 6, 10_000, 'six waiting takes');
    expect((await post(w.mf, { only: 1 })).status).toBe(202);
    const answers = await Promise.all(takes);
    const got = answers.filter((a) => a.status === 200).map((a) => (a.json() as { jobs: unknown[] }).jobs);
    expect(got).toEqual([[{ only: 1 }]]);
    expect(answers.filter((a) => a.status === 204).length).toBe(5);
    await until(
      async () => {
        const s = await stats(w.mf);
        return s.waitingPullers === 0 && s.size === 0 && s.leased === 0;
      },
      15_000,
      'no waiting take left',
    );
  }, 60_000);
});

describe('Idempotency-Key under concurrency', () => {
  it('10 keys, each POSTed 10 times at once (100 requests interleaved): 10 jobs stored, each 202 { id: key }', async () => {
    const requests = [];
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 10; k++) requests.push(post(w.mf, { k }, `key-${k}`).then((a) => ({ k, a })));
    }
    const answers = await Promise.all(requests);
    for (const { k, a } of answers) {
      expect(a.status, a.text).toBe(202);
      expect(a.json()).toEqual({ id: `key-${k}` });
    }
    const s = await stats(w.mf);
    expect(s.size).toBe(10);
    const jobs = (await drain(w.mf)) as { k: number }[];
    expect(jobs.map((j) => j.k).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }, 60_000);

  it('a key retried after its job was taken stores nothing again', async () => {
    expect((await post(w.mf, { once: true }, 'retry-me')).status).toBe(202);
    expect(await take(w.mf, 'max=10&wait=500')).toEqual([{ once: true }]);
    const again = await post(w.mf, { once: true }, 'retry-me');
    expect(again.status).toBe(202);
    expect(again.json()).toEqual({ id: 'retry-me' });
    expect((await stats(w.mf)).size).toBe(0);
    expect(await take(w.mf, 'max=10&wait=300')).toEqual([]);
  }, 60_000);

  it('the same key with different bodies at once: one of them is stored, once', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(w.mf, { body: i }, 'same-key')));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const jobs = await drain(w.mf);
    expect(jobs.length).toBe(1);
  }, 60_000);

  it('a key with and without takes in between, concurrent consumers: no key is delivered twice', async () => {
    const delivered: unknown[] = [];
    let stop = false;
    const consumer = async () => {
      while (!stop) delivered.push(...(await take(w.mf, 'max=3&wait=200')));
    };
    const consumers = [consumer(), consumer(), consumer()];
    // each key posted 5 times, spread out, while consumers take
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 8 }, (_, k) => post(w.mf, { k }, `spread-${k}`)));
    }
    await until(
      async () => {
        const s = await stats(w.mf);
        return s.size === 0 && s.leased === 0;
      },
      15_000,
      'a drained queue',
    );
    stop = true;
    await Promise.all(consumers);
    const ks = (delivered as { k: number }[]).map((j) => j.k).sort((a, b) => a - b);
    expect(ks).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  }, 60_000);
});
