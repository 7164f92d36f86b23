/**
 * BQ-jobs audit: the Worker restarted on kept storage. SPEC: "A push resolves once its value is
 * written to the object's storage; it survives eviction, restarts and deploys. FIFO per
 * channel"; "a retried push … is stored once". README: "202 { id } once the job is stored".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { drain, post, type Running, scriptWith, sleep, start, stats, take, tempFolder, until } from './helpers.js';

let running: Running[] = [];
let folders: { remove(): void }[] = [];
afterEach(async () => {
  for (const w of running) await w.dispose();
  for (const f of folders) f.remove();
  running = [];
  folders = [];
});

async function boot(persist: string, text?: string): Promise<Running> {
  const w = await start(text, persist);
  running.push(w);
  return w;
}

describe('restart on kept storage', () => {
  it('jobs stored before a restart are there after it, in order; keys are still remembered', async () => {
    const folder = tempFolder();
    folders.push(folder);
    const first = await boot(folder.path);
    for (let i = 0; i < 20; i++) {
      expect((await post(first.mf, { i }, i % 2 === 0 ? `k${i}` : undefined)).status).toBe(202);
    }
    expect(await take(first.mf, 'max=5&wait=500')).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    await first.dispose();

    const second = await boot(folder.path);
    expect(await stats(second.mf)).toMatchObject({ size: 15, leased: 0, capacity: 1000, closed: false });
    // retried keys (stored, and taken) store nothing again
    for (const i of [0, 2, 4, 6, 8]) expect((await post(second.mf, { i }, `k${i}`)).status).toBe(202);
    expect((await stats(second.mf)).size).toBe(15);
    expect(await drain(second.mf)).toEqual(Array.from({ length: 15 }, (_, n) => ({ i: n + 5 })));
  }, 90_000);

  it('a restart in the middle of posting: each job answered 202 survives, each unanswered one retried with its key is stored once', async () => {
    const folder = tempFolder();
    folders.push(folder);
    const first = await boot(folder.path);
    const answered = new Set<number>();
    const unanswered = new Set<number>();
    const posting = Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        try {
          const answer = await post(first.mf, { i }, `job-${i}`);
          if (answer.status === 202) answered.add(i);
          else unanswered.add(i);
        } catch {
          unanswered.add(i); // the Worker went away
        }
      }),
    );
    // stop the Worker while the POSTs are in flight
    // as soon as the first answers come
    for (const end = Date.now() + 20_000; answered.size < 5 && Date.now() < end; ) await sleep(5);
    await first.dispose();
    await posting;
    expect(answered.size + unanswered.size).toBe(200);

    const second = await boot(folder.path);
    for (const i of unanswered) expect((await post(second.mf, { i }, `job-${i}`)).status).toBe(202);
    // a second retry of everything stores nothing more
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => expect((await post(second.mf, { i }, `job-${i}`)).status).toBe(202)),
    );
    const jobs = (await drain(second.mf)) as { i: number }[];
    expect(jobs.map((j) => j.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  }, 90_000);

  it('a full queue across a restart: still full (503), then drained, then room', async () => {
    const folder = tempFolder();
    folders.push(folder);
    const script = await scriptWith(2, 'jobs-small');
    const first = await boot(folder.path, script);
    expect((await post(first.mf, 'a')).status).toBe(202);
    expect((await post(first.mf, 'b')).status).toBe(202);
    await first.dispose();
    const second = await boot(folder.path, script);
    const full = await post(second.mf, 'c');
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).not.toBeNull();
    expect(await take(second.mf, 'max=1&wait=500')).toEqual(['a']);
    expect((await post(second.mf, 'c')).status).toBe(202);
    expect(await drain(second.mf)).toEqual(['b', 'c']);
  }, 90_000);

  it('a restart while a POST waits on a full queue: after a take frees room, a new POST is a 202', async () => {
    const folder = tempFolder();
    folders.push(folder);
    const script = await scriptWith(1, 'jobs-small');
    const first = await boot(folder.path, script);
    expect((await post(first.mf, 'a')).status).toBe(202);
    const waiting = post(first.mf, 'ghost', 'ghost-key').catch(() => 'gone');
    await until(async () => (await stats(first.mf)).waitingPushers === 1, 1500, 'the waiting push');
    await first.dispose();
    await waiting;
    const second = await boot(folder.path, script);
    const s = await stats(second.mf);
    expect(s.size).toBe(1);
    expect(await take(second.mf, 'max=1&wait=0')).toEqual(['a']);
    const next = await post(second.mf, 'new');
    expect(next.status).toBe(202);
    expect(await drain(second.mf)).toEqual(['new']);
    // the push whose caller vanished stored nothing, then or later
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect(await drain(second.mf)).toEqual([]);
  }, 90_000);
});
