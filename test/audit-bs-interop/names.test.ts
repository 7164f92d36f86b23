import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  pull,
  select,
  ticker,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';
import { until } from './util.js';

describe('names in errors and stats', () => {
  it('from, fromEvent, merge, subscriber, ticker, after channels are named and errors name them', async () => {
    const cases: [Channel<unknown>, string][] = [
      [from([] as unknown[], { capacity: 1 }), 'from'],
      [from([] as unknown[], { capacity: 1, name: 'lines' }), 'lines'],
      [fromEvent(new EventTarget(), 'click') as Channel<unknown>, 'fromEvent(click)'],
      [merge<Channel<unknown>[]>(), 'merge'],
      [broadcast(new Channel<unknown>()).subscribe(), 'subscriber'],
      [ticker(1000) as Channel<unknown>, 'ticker(1000)'],
      [after(1000) as Channel<unknown>, 'after(1000)'],
    ];
    for (const [ch, name] of cases) {
      expect(ch.name).toBe(name);
      expect(ch.stats().name).toBe(name);
      ch.close();
      await until(() => ch.closed, 'closed');
      while (ch.tryPull() !== undefined) {}
      const e = (await ch.pull().catch((x: unknown) => x)) as Error;
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.message).toContain(name);
      expect(e.message).toMatch(/pull/);
    }
  });
});

describe('signals closing timer and stream ends', () => {
  it('after(ms, { signal }) in a select: the abort fires its pull case with ok false', async () => {
    const data = new Channel<number>();
    const ac = new AbortController();
    const s = select([pull(data), pull(after(10_000, { signal: ac.signal }))]);
    ac.abort();
    const r = await s;
    expect(r.index).toBe(1);
    expect(r.ok).toBe(false);
    data.close();
  });

  it('toReadableStream with highWaterMark 3: an abort closes the stream normally and what it queued stays readable', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3, 4, 5]);
    const ac = new AbortController();
    const stream = toReadableStream(ch, { highWaterMark: 3, signal: ac.signal });
    await until(() => ch.size === 2, 'read ahead');
    ac.abort();
    const got: number[] = [];
    for await (const v of stream) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(ch.closed).toBe(false);
    expect(await ch.pullMany(5)).toEqual([4, 5]);
    ch.close();
  });

  it("fromEvent once with 'block' capacity 0: the one event is committed when pulled, then closed", async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'x', { capacity: 0, overflow: 'block', listenerOptions: { once: true } });
    target.dispatchEvent(new Event('x'));
    target.dispatchEvent(new Event('x'));
    expect(ch.closed).toBe(false);
    const e = await ch.pull();
    expect(e.type).toBe('x');
    await until(() => ch.closed, 'closed after the one event');
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});
