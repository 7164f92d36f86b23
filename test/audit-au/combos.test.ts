import { Channel, ChannelClosedError, merge, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('cross-feature combinations', () => {
  it('crosswise parked selects commit exactly one rendezvous each', async () => {
    for (let i = 0; i < 50; i++) {
      const a = new Channel<number>();
      const b = new Channel<number>();
      const s1 = select([push(a, 1), pull(b)]);
      const s2 = select([push(b, 2), pull(a)]);
      const [r1, r2] = await Promise.all([s1, s2]);
      if (r1.index === 0) expect(r2).toMatchObject({ index: 1, value: 1 });
      else expect([r1.value, r2.index]).toEqual([2, 0]);
      expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      expect(b.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    }
  });
  it('worker pool: N for-await workers, select-based producer with quit channel; nothing lost or duplicated', async () => {
    const jobs = new Channel<number>(3);
    const results = new Channel<number>(Infinity);
    const quit = new Channel<void>();
    const workers = [0, 1, 2].map(async () => {
      for await (const j of jobs) {
        if (j % 7 === 0) await tick();
        await results.push(j * 2);
      }
    });
    const producer = (async () => {
      for (let i = 0; i < 300; i++) {
        const r = await select([push(jobs, i), pull(quit)]);
        if (r.index === 1) return;
      }
      jobs.close();
    })();
    await producer;
    await Promise.all(workers);
    results.close();
    const got: number[] = [];
    for await (const v of results) got.push(v);
    expect(got.sort((x, y) => x - y)).toEqual([...Array(300).keys()].map((x) => x * 2));
  });
  it('close() in the .then of a pull while other pulls are parked', async () => {
    const ch = new Channel<number>();
    const a = ch.pull().then((v) => {
      ch.close('after-first');
      return v;
    });
    const b = ch.pull();
    ch.pushNowait(1);
    const p = ch.push(2);
    expect(await a).toBe(1);
    // b took 2 synchronously at push time
    expect(await b).toBe(2);
    await p;
  });
  it('iterator next() parked, then tryPush from a different select pull case', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const n = it.next();
    const s = select([pull(ch)]);
    ch.tryPush(1);
    ch.tryPush(2);
    expect(await n).toEqual({ done: false, value: 1 });
    expect((await s).value).toBe(2);
  });
  it('toReadableStream read racing a parked select on the same channel is FIFO', async () => {
    const ch = new Channel<number>();
    const r = ch.toReadableStream().getReader();
    const rd = r.read();
    await tick();
    const s = select([pull(ch)]);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await rd).toEqual({ done: false, value: 1 });
    expect((await s).value).toBe(2);
  });
  it('pullMany takes from a merge output without loss', async () => {
    const a = Channel.from([1, 2, 3], { capacity: 3 });
    const b = Channel.from([10, 20], { capacity: 2 });
    const m = merge(a, b);
    const got: number[] = [];
    for (;;) {
      try {
        got.push(...(await m.pullMany(10)));
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelClosedError);
        break;
      }
    }
    expect(got.sort((x, y) => x - y)).toEqual([1, 2, 3, 10, 20]);
  });
  it('pushAll racing a select with a default (selectNowait) consumer', async () => {
    const ch = new Channel<number>(2);
    const done = ch.pushAll([...Array(50).keys()]).then(() => ch.close());
    const got: number[] = [];
    for (;;) {
      const r = selectNowait([pull(ch)]);
      if (r === undefined) {
        await tick();
        continue;
      }
      if (!r.ok) break;
      got.push(r.value as number);
    }
    await done;
    expect(got).toEqual([...Array(50).keys()]);
  });
  it('abort shared between a select and a pushAll in the same tick as commit', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const s = select([pull(ch)], { signal: ac.signal });
    const p = ch.pushAll([1, 2, 3], { signal: ac.signal });
    ac.abort(new Error('stop'));
    const r = await s;
    expect(r.value).toBe(1);
    const e: any = await p.catch((x) => x);
    expect(e.pushed).toBe(1);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
  it('await using with a parked for-await consumer ends it normally', async () => {
    let consumer: Promise<number[]>;
    {
      await using ch = new Channel<number>();
      consumer = (async () => {
        const got: number[] = [];
        for await (const v of ch) got.push(v);
        return got;
      })();
      await ch.push(1);
      await ch.push(2);
    }
    expect(await consumer!).toEqual([1, 2]);
  });
});
