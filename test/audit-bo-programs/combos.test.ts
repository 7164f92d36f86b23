import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  pull,
  push,
  select,
  ticker,
  toReadableStream,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { drain, idle, listeners, range, tick } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Go done-channel stages', () => {
  for (const seed of [11, 12, 13, 14, 15]) {
    it(`seed ${seed}: select { case out <- v: case <-done: return } — closing done stops every stage; held + buffered + received is every value`, async () => {
      const rnd = seededRandom(seed);
      const done = new Channel<never>(0, { name: 'done' });
      const gen = new Channel<number>(Math.floor(rnd() * 3), { name: 'gen' });
      const mid = new Channel<number>(Math.floor(rnd() * 3), { name: 'mid' });
      const out = new Channel<number>(Math.floor(rnd() * 3), { name: 'out' });
      let generated = 0;
      const generator = (async () => {
        for (let i = 0; ; i++) {
          const r = await select([push(gen, i), pull(done)]);
          if (r.index === 1) return { held: [i] };
          generated++;
          if (rnd() < 0.2) await tick();
        }
      })();
      const stage = async (input: Channel<number>, output: Channel<number>) => {
        const held: number[] = [];
        for (;;) {
          const r = await select([pull(input), pull(done)]);
          if (r.index === 1) return { held };
          const v = r.value as number;
          const w = await select([push(output, v), pull(done)]);
          if (w.index === 1) {
            held.push(v);
            return { held };
          }
          if (rnd() < 0.2) await tick();
        }
      };
      const s1 = stage(gen, mid);
      const s2 = stage(mid, out);
      const got: number[] = [];
      const stop = 20 + Math.floor(rnd() * 50);
      while (got.length < stop) got.push(await out.pull());
      done.close();
      const [g, r1, r2] = await Promise.all([generator, s1, s2]);
      const all = [...got, ...drain(out), ...r2.held, ...drain(mid), ...r1.held, ...drain(gen)];
      expect(all).toEqual(range(generated));
      expect(g.held).toEqual([generated]); // the value it was offering was never delivered
      idle(done, gen, mid, out);
    });
  }
});

describe('or-done: from(channel, { signal })', () => {
  it('aborting the or-done wrapper loses nothing: unread values stay in the source, in order', async () => {
    const src = new Channel<number>(4, { name: 'src' });
    const ac = new AbortController();
    const producer = (async () => {
      let i = 0;
      for (; i < 100; i++) await src.push(i);
      src.close();
      return i;
    })();
    const got: number[] = [];
    const od = from(src, { signal: ac.signal });
    for await (const v of od) {
      got.push(v);
      if (got.length === 30) ac.abort();
      if (got.length % 4 === 0) await tick();
    }
    const rest: number[] = [];
    for await (const v of src) rest.push(v);
    expect(await producer).toBe(100);
    expect([...got, ...rest]).toEqual(range(100));
    expect(listeners(ac.signal)).toBe(0);
    idle(src, od);
  });

  it('or-done of a broadcast subscriber, aborted: the subscriber keeps the values the wrapper did not take', async () => {
    const source = new Channel<number>(0, { name: 'source' });
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 3 });
    const ac = new AbortController();
    const od = from(sub, { signal: ac.signal });
    const producer = source.pushAll(range(20));
    const got: number[] = [];
    for await (const v of od) {
      got.push(v);
      if (got.length === 8) ac.abort();
    }
    // The producer waits on the subscriber's room; read the rest from the subscriber itself.
    const rest: number[] = [];
    while (got.length + rest.length < 20) rest.push(await sub.pull());
    await producer;
    expect([...got, ...rest]).toEqual(range(20));
    hub.close();
    idle(source, sub, od);
    expect(listeners(ac.signal)).toBe(0);
  });
});

describe('broadcast of a ticker under fake timers', () => {
  it('a slow block subscriber holds the broadcast back, so ticks are dropped at the ticker; closing the ticker ends every subscriber and clears the timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const baseline = vi.getTimerCount();
    const t = ticker(10);
    const hub = broadcast(t);
    const fast = hub.subscribe({ capacity: 1 });
    const slow = hub.subscribe({ capacity: 1 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const got = { fast: [] as number[], slow: [] as number[] };
    const loops = [
      (async () => {
        for await (const v of fast) got.fast.push(v);
      })(),
      (async () => {
        for await (const v of slow) {
          got.slow.push(v);
          await new Promise((r) => setTimeout(r, 35));
        }
      })(),
    ];
    await vi.advanceTimersByTimeAsync(200);
    t.close();
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(loops);
    const last = drain(latest);
    // Every block subscriber saw exactly the same ticks, in order, all on the schedule.
    expect(got.fast).toEqual(got.slow);
    for (const v of got.fast) expect(v % 10).toBe(0);
    for (let k = 1; k < got.fast.length; k++) expect(got.fast[k] as number).toBeGreaterThan(got.fast[k - 1] as number);
    // The slow reader (35 ms per tick) paces the broadcast: far fewer than 20 ticks got through.
    expect(got.fast.length).toBeLessThan(10);
    expect(got.fast.length).toBeGreaterThan(3);
    expect(last).toEqual([got.fast.at(-1)]);
    expect(fast.closed && slow.closed && latest.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(baseline);
    idle(t, fast, slow, latest);
  });

  it('a ticker given a signal, broadcast to subscribers: aborting ends the subscribers normally, clears the timer and leaves no listener', async () => {
    vi.useFakeTimers({ now: 0 });
    const baseline = vi.getTimerCount();
    const ac = new AbortController();
    const t = ticker(25, { signal: ac.signal });
    const hub = broadcast(t);
    const subs = [hub.subscribe({ signal: ac.signal }), hub.subscribe({ capacity: 4 })];
    const got: number[][] = [[], []];
    const ends: unknown[] = [];
    const loops = subs.map(async (s, i) => {
      try {
        for await (const v of s) got[i]?.push(v);
        ends[i] = 'normal';
      } catch (error) {
        ends[i] = error;
      }
    });
    await vi.advanceTimersByTimeAsync(110);
    ac.abort(new Error('stop'));
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all(loops);
    expect(got[0]).toEqual([25, 50, 75, 100]);
    expect(got[1]).toEqual([25, 50, 75, 100]);
    expect(ends).toEqual(['normal', 'normal']);
    expect(vi.getTimerCount()).toBe(baseline);
    expect(listeners(ac.signal)).toBe(0);
    idle(t, ...subs);
  });
});

describe('per-operation timeouts in a loop', () => {
  it('pull with AbortSignal.timeout(60) against a bursty producer: no timed-out pull consumes a value', async () => {
    const ch = new Channel<number>(0, { name: 'slow' });
    const producer = (async () => {
      for (let i = 0; i < 12; i++) {
        await ch.push(i);
        if (i % 4 === 3) await tick(150); // longer than the pull timeout
      }
      ch.close();
    })();
    const got: number[] = [];
    let timeouts = 0;
    for (;;) {
      try {
        got.push(await ch.pull({ signal: AbortSignal.timeout(60) }));
      } catch (error) {
        if (error instanceof ChannelClosedError) break;
        expect((error as DOMException).name).toBe('TimeoutError');
        timeouts++;
      }
    }
    await producer;
    expect(got).toEqual(range(12));
    expect(timeouts).toBeGreaterThanOrEqual(2);
    idle(ch);
  });

  it('select([pull(data), pull(afterMs(60))]) in a loop with `using`: every value once, every lost timer closed', async () => {
    const data = new Channel<number>(0, { name: 'data' });
    const timers: Channel<number>[] = [];
    const producer = (async () => {
      for (let i = 0; i < 10; i++) {
        await data.push(i);
        if (i % 5 === 4) await tick(130);
      }
      data.close();
    })();
    const got: number[] = [];
    let timeouts = 0;
    for (;;) {
      using timeout = afterMs(60);
      timers.push(timeout);
      const r = await select([pull(data), pull(timeout)]);
      if (r.index === 1) {
        timeouts++;
        continue;
      }
      if (!r.ok) break;
      got.push(r.value as number);
    }
    await producer;
    expect(got).toEqual(range(10));
    expect(timeouts).toBeGreaterThanOrEqual(1);
    expect(timers.every((t) => t.closed)).toBe(true);
    idle(data, ...timers);
  });
});

describe('drop-mode producers with batch consumers', () => {
  it('pushAll into a drop-oldest channel never waits; a pullMany consumer gets an increasing subsequence that ends with the last value', async () => {
    const latest = new Channel<number>(4, { name: 'latest', overflow: 'drop-oldest' });
    const got: number[] = [];
    const consumer = (async () => {
      try {
        for (;;) {
          got.push(...(await latest.pullMany(3)));
          await tick();
        }
      } catch (error) {
        return error;
      }
    })();
    for (let b = 0; b < 20; b++) {
      await latest.pushAll(range(10, b * 10));
      if (b % 3 === 0) await tick();
    }
    latest.close();
    expect(await consumer).toBeInstanceOf(ChannelClosedError);
    for (let k = 1; k < got.length; k++) expect(got[k] as number).toBeGreaterThan(got[k - 1] as number);
    expect(got.at(-1)).toBe(199);
    expect(got.slice(-4)).toEqual([196, 197, 198, 199]);
    idle(latest);
  });

  it('drop-newest with pushAll: exactly the first `capacity` values of an unread burst are kept', async () => {
    const ch = new Channel<number>(5, { name: 'first', overflow: 'drop-newest' });
    await ch.pushAll(range(100));
    expect(await ch.pullMany(100)).toEqual(range(5));
    idle(ch);
  });
});

describe('select over several subscribers of one broadcast', () => {
  /** A consumer selecting over two block subscribers of one hub until both end. */
  async function selectOverTwo(capacity: number, count: number) {
    const source = new Channel<number>(0, { name: 'source' });
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity });
    const b = hub.subscribe({ capacity });
    const producer = (async () => {
      for (let i = 0; i < count; i++) await source.push(i);
      source.close();
    })();
    const seen = { a: [] as number[], b: [] as number[] };
    let ca: ReturnType<typeof pull<number>> | null = pull(a);
    let cb: ReturnType<typeof pull<number>> | null = pull(b);
    while (ca || cb) {
      const r = await select([ca, cb]);
      if (!r.ok) {
        if (r.index === 0) ca = null;
        else cb = null;
        continue;
      }
      (r.index === 0 ? seen.a : seen.b).push(r.value as number);
    }
    await producer;
    expect(seen.a).toEqual(range(count));
    expect(seen.b).toEqual(range(count));
    idle(source, a, b);
  }

  it('a consumer selecting over two block subscribers of one hub sees each value twice (once per subscriber), in order per subscriber', async () => {
    await selectOverTwo(2, 50);
  });

  it('two capacity-0 subscribers in one select: each value is taken by one case and kept by the other subscriber for its next pull', async () => {
    await selectOverTwo(0, 20);
  });
});

describe('merge + toReadableStream + pullMany', () => {
  it('a merged stream of three producers read through toReadableStream: each producer’s values once and in order; closing each input ends the stream', async () => {
    const inputs = [0, 1, 2].map((k) => new Channel<string>(k, { name: `in${k}` }));
    const producers = inputs.map(async (ch, k) => {
      for (let i = 0; i < 30; i++) {
        await ch.push(`${k}:${i}`);
        if ((i + k) % 4 === 0) await tick();
      }
      ch.close();
    });
    const m = merge(...inputs);
    const reader = toReadableStream(m).getReader();
    const got: string[] = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      got.push(r.value);
    }
    await Promise.all(producers);
    for (let k = 0; k < 3; k++) {
      expect(got.filter((v) => v.startsWith(`${k}:`))).toEqual(range(30).map((i) => `${k}:${i}`));
    }
    idle(m, ...inputs);
  });

  it('pullMany on a merged channel returns each value once; a select that lost does not steal from the merge', async () => {
    const x = new Channel<number>(10, { name: 'x' });
    const y = new Channel<number>(10, { name: 'y' });
    await x.pushAll(range(10));
    await y.pushAll(range(10, 100));
    x.close();
    y.close();
    const m = merge(x, y);
    const other = new Channel<number>(1, { name: 'other' });
    other.pushNowait(-1);
    const got: number[] = [];
    // A select that the other channel wins must leave the merge untouched.
    const r = await select([pull(other), pull(m)]);
    if (r.index === 0) expect(r.value).toBe(-1);
    else got.push(r.value as number);
    for (;;) {
      try {
        got.push(...(await m.pullMany(3)));
      } catch (error) {
        expect(error).toBeInstanceOf(ChannelClosedError);
        break;
      }
    }
    expect(got.filter((v) => v < 100)).toEqual(range(10));
    expect(got.filter((v) => v >= 100)).toEqual(range(10, 100));
    expect(got.length).toBe(20);
    idle(m, x, y);
  });
});
