/**
 * Auditor AW — port over a BroadcastChannel ("any object with postMessage and
 * addEventListener('message')"): two receivers of one name hear the same sender.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('BroadcastChannel as a port', () => {
  it('one sender, one receiver: FIFO, once', async () => {
    const name = `aw-bc-${Math.random()}`;
    const a = new BroadcastChannel(name);
    const b = new BroadcastChannel(name);
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 50; i++) local.pushNowait(i);
    local.close();
    const remote = fromPort<number>(b as any, { capacity: 3 });
    const done = toPort(local, a as any);
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await done).toEqual({ sent: 50, undelivered: [] });
    a.close();
    b.close();
  });

  it('one sender, two receivers of the same name: every value reaches exactly one of them', async () => {
    const name = `aw-bc2-${Math.random()}`;
    const a = new BroadcastChannel(name);
    const b = new BroadcastChannel(name);
    const c = new BroadcastChannel(name);
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 50; i++) local.pushNowait(i);
    local.close();
    const r1 = fromPort<number>(b as any, { capacity: 3 });
    const r2 = fromPort<number>(c as any, { capacity: 3 });
    const done = toPort(local, a as any);
    const g1: number[] = [];
    const g2: number[] = [];
    let finished = false;
    void done.then(() => (finished = true));
    const t = Date.now();
    while (!(finished && g1.length + g2.length >= 50) && Date.now() - t < 8000) {
      while (r1.size > 0) g1.push(r1.pullNowait());
      while (r2.size > 0) g2.push(r2.pullNowait());
      await sleep(5);
    }
    const result = await Promise.race([done, sleep(10).then(() => 'hang' as const)]);
    console.log('bc two receivers', { g1: g1.length, g2: g2.length, r1closed: r1.closed, r2closed: r2.closed, result });
    expect([...g1, ...g2].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    r1.close();
    r2.close();
    a.close();
    b.close();
    c.close();
  }, 15_000);
});
