/**
 * Auditor AY — port: a relay page → A → B over two Node MessageChannels (A reads its fromPort
 * channel with toPort), pullMany and restarts of a receiver with the same name.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

/** A few macrotask hops: every message posted before has been handled. */
async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setTimeout(r, 2));
}

const drainNow = <T>(ch: Channel<T>): T[] => {
  const out: T[] = [];
  for (;;) {
    try {
      out.push(ch.pullNowait());
    } catch {
      return out;
    }
  }
};

function chain(capA: number, capB: number, page: Channel<number>) {
  const c1 = new MessageChannel();
  const c2 = new MessageChannel();
  const sPage = toPort(page, c1.port1, { name: 'n' });
  const aIn = fromPort<number>(c1.port2, { name: 'n', capacity: capA });
  const sA = toPort(aIn, c2.port1, { name: 'n' });
  const bIn = fromPort<number>(c2.port2, { name: 'n', capacity: capB });
  const closePorts = () => {
    c1.port1.close();
    c2.port1.close();
  };
  return { sPage, aIn, sA, bIn, closePorts };
}

describe('relay page → A → B (holds)', () => {
  it('capacity 0 all the way: a page push resolves only once B has a pull parked, and an aborted B pull takes the credit back up the chain', async () => {
    const page = new Channel<number>(0);
    const { sPage, sA, bIn, closePorts } = chain(0, 0, page);
    let resolved = 0;
    const pushes = [0, 1, 2].map((i) => page.push(i).then(() => resolved++));
    await settle();
    expect(resolved).toBe(0);
    // B parks a pull and aborts it in the same turn as the credit reaches the page
    const ac = new AbortController();
    const aborted = bIn.pull({ signal: ac.signal }).catch((e) => e);
    await Promise.resolve();
    ac.abort();
    expect(await aborted).toBeInstanceOf(DOMException);
    await settle();
    // no pull is parked at B now: however far the credit went, at most one value moved
    expect(resolved).toBeLessThanOrEqual(1);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await bIn.pull());
    await Promise.all(pushes);
    expect(got).toEqual([0, 1, 2]);
    page.close();
    expect(await sPage).toEqual({ sent: 3, undelivered: [] });
    expect(await sA).toEqual({ sent: 3, undelivered: [] });
    closePorts();
  });

  it('random aborts of B pulls and B closing mid-stream: every value is read by B or accounted, in order', async () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (const [capA, capB] of [
      [0, 0],
      [0, 2],
      [2, 0],
      [3, 3],
    ] as const) {
      const page = new Channel<number>(Infinity);
      for (let i = 0; i < 30; i++) page.pushNowait(i);
      const { sPage, aIn, sA, bIn, closePorts } = chain(capA, capB, page);
      const got: number[] = [];
      for (let step = 0; step < 15; step++) {
        const ac = new AbortController();
        const p = bIn.pull({ signal: ac.signal }).then(
          (v) => got.push(v),
          () => {},
        );
        const r = rand();
        if (r < 0.4) {
          await Promise.resolve();
          ac.abort();
        } else if (r < 0.6) {
          await settle(1);
          ac.abort();
        }
        await p;
      }
      bIn.close();
      got.push(...drainNow(bIn));
      const ra = await sA;
      aIn.close();
      const aLeft = drainNow(aIn);
      const rp = await sPage;
      const all = [...got, ...ra.undelivered, ...aLeft, ...rp.undelivered, ...drainNow(page)];
      expect(all).toEqual([...Array(30).keys()]);
      closePorts();
    }
  });

  it('pullMany on a capacity-3 fromPort fed through a relay takes at most 3 at a time, in order, and ends with ChannelClosedError', async () => {
    const page = new Channel<number>(Infinity);
    for (let i = 0; i < 20; i++) page.pushNowait(i);
    page.close();
    const { sPage, sA, bIn, closePorts } = chain(2, 3, page);
    const batches: number[][] = [];
    for (;;) {
      try {
        batches.push(await bIn.pullMany(10));
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelClosedError);
        break;
      }
    }
    expect(batches.flat()).toEqual([...Array(20).keys()]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(3);
    expect(await sPage).toEqual({ sent: 20, undelivered: [] });
    expect(await sA).toEqual({ sent: 20, undelivered: [] });
    closePorts();
  });
});

describe('a receiver aborted mid-stream and started again with the same name (holds)', () => {
  it('the new fromPort pairs with the next toPort; nothing of the old stream reaches it; every value accounted once', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 20; i++) local.pushNowait(i);
    const ac = new AbortController();
    const r1 = fromPort<number>(port2, { name: 'jobs', capacity: 4, signal: ac.signal });
    const s1 = toPort(local, port1, { name: 'jobs' });
    const got1 = [await r1.pull(), await r1.pull(), await r1.pull()];
    ac.abort();
    const r2 = fromPort<number>(port2, { name: 'jobs', capacity: 2 }); // same turn as the abort
    const left1 = drainNow(r1);
    const res1 = await s1;
    expect(res1.sent).toBe(got1.length + left1.length);
    // the application re-sends the undelivered values first
    const retry = new Channel<number>(Infinity);
    for (const v of [...res1.undelivered, ...drainNow(local)]) retry.pushNowait(v);
    retry.close();
    const s2 = toPort(retry, port1, { name: 'jobs' });
    const got2: number[] = [];
    for await (const v of r2) got2.push(v);
    expect(await s2).toEqual({ sent: got2.length, undelivered: [] });
    expect([...got1, ...left1, ...got2]).toEqual([...Array(20).keys()]);
    port1.close();
  });
});
