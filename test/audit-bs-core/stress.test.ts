// Go's TestSelectStress / TestMultiConsumer / TestSelectDuplicateChannel, in an event loop.
import { Channel, ChannelClosedError, type PullCase, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { until } from './helpers.js';

const yieldSometimes = (i: number) => (i % 13 === 0 ? new Promise((r) => setTimeout(r, 0)) : Promise.resolve());

describe('stress', () => {
  it('select stress: mixed plain and select producers/consumers on 4 channels, exactly once', async () => {
    const chans = [
      new Channel<number>(),
      new Channel<number>(1),
      new Channel<number>(3),
      new Channel<number>(Number.POSITIVE_INFINITY),
    ];
    const N = 300;
    let next = 0;
    const sent: number[] = [];
    const plainProducers = chans.map(async (c, k) => {
      for (let i = 0; i < N; i++) {
        const v = next++;
        await c.push(v);
        sent.push(v);
        await yieldSometimes(i + k);
      }
    });
    const selectProducers = [0, 1].map(async (k) => {
      for (let i = 0; i < N; i++) {
        const v = next++;
        const r = await select(chans.map((c) => push(c, v)));
        expect(r.ok).toBe(true);
        sent.push(v);
        await yieldSometimes(i + k);
      }
    });
    const received: number[] = [];
    const plainConsumers = chans.map(async (c) => {
      for await (const v of c) {
        received.push(v);
        await yieldSometimes(v);
      }
    });
    const selectConsumers = [0, 1].map(async () => {
      let cases: (PullCase<number> | null)[] = chans.map((c) => pull(c));
      while (cases.some((c) => c !== null)) {
        const r = await select(cases);
        if (r.ok) received.push(r.value);
        else cases = cases.map((c, i) => (i === r.index ? null : c));
        await yieldSometimes(received.length);
      }
    });
    await Promise.all([...plainProducers, ...selectProducers]);
    for (const c of chans) c.close();
    await Promise.all([...plainConsumers, ...selectConsumers]);
    expect(received.length).toBe(sent.length);
    expect([...received].sort((a, b) => a - b)).toEqual([...sent].sort((a, b) => a - b));
    for (const c of chans) expect(c.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
  });
  it('duplicate channel in one select (Go TestSelectDuplicateChannel)', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const e = new Channel<number>();
    const g = (async () => {
      await select([pull(c), pull(c), pull(d)]);
      await e.push(9);
    })();
    await until(() => c.stats().waitingPullers === 2);
    const h = (async () => {
      await select([pull(c), pull(d)]);
    })();
    await until(() => c.stats().waitingPullers === 3);
    await c.push(8);
    await c.push(8);
    expect(await e.pull()).toBe(9);
    await Promise.all([g, h]);
    for (const ch of [c, d, e]) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
  it('multi-consumer: every value exactly once, sum matches (Go TestMultiConsumer)', async () => {
    const q = new Channel<number>(10);
    const r = new Channel<number>(10);
    const workers = Array.from({ length: 5 }, async (_, w) => {
      for await (const v of q) {
        if ((v + w) % 7 === 0) await new Promise((res) => setTimeout(res, 0));
        await r.push(v);
      }
    });
    let expected = 0;
    const feed = (async () => {
      for (let i = 0; i < 1000; i++) {
        expected += i;
        await q.push(i);
      }
      q.close();
    })();
    let sum = 0;
    let n = 0;
    const done = Promise.all(workers).then(() => r.close());
    try {
      for (;;) {
        sum += await r.pull();
        n++;
      }
    } catch (e) {
      expect(e).toBeInstanceOf(ChannelClosedError);
    }
    await Promise.all([feed, done]);
    expect(n).toBe(1000);
    expect(sum).toBe(expected);
  });
});
