/**
 * Auditor AW — port: a receiving side that "reloads" (its fromPort closed, a new one of the same
 * name created at once on the same port) and a producer that re-sends what came back undelivered.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('receiver reload', () => {
  it('every job reaches exactly one of the two receiver generations after the producer re-sends undelivered', async () => {
    const { port1, port2 } = new MessageChannel();
    const N = 60;
    const jobs = new Channel<number>(Infinity);
    for (let i = 0; i < N; i++) jobs.pushNowait(i);
    const r1 = fromPort<number>(port2, { name: 'jobs', capacity: 4 });
    const d1 = toPort(jobs, port1, { name: 'jobs' });
    const gen1: number[] = [];
    for (let i = 0; i < 10; i++) gen1.push(await r1.pull());
    r1.close();
    const leftInR1: number[] = [];
    while (r1.size > 0) leftInR1.push(r1.pullNowait()); // the old generation finishes what it committed
    const r2 = fromPort<number>(port2, { name: 'jobs', capacity: 4 });
    const res1 = await d1;
    // producer: undelivered first, then the rest of jobs
    const retry = new Channel<number>(Infinity);
    for (const v of res1.undelivered) retry.pushNowait(v);
    while (jobs.size > 0) retry.pushNowait(jobs.pullNowait());
    retry.close();
    const d2 = toPort(retry, port1, { name: 'jobs' });
    const gen2: number[] = [];
    const end = await Promise.race([
      (async () => {
        for await (const v of r2) gen2.push(v);
        return 'ok';
      })(),
      sleep(5000).then(() => 'hang'),
    ]);
    expect(end).toBe('ok');
    const res2 = await d2;
    expect(res2.undelivered).toEqual([]);
    const all = [...gen1, ...leftInR1, ...gen2].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(res1.sent).toBe(gen1.length + leftInR1.length);
    port1.close();
    port2.close();
  });
});
