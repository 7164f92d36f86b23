/**
 * Audit AY-core: Go-by-Example and "Concurrency in Go" programs that involve time, under vitest's
 * fake timers (Date faked too), plus tee / bridge / or-done.
 */
import {
  after as afterMs,
  Channel,
  type PullChannel,
  pull as pullCase,
  push as pushCase,
  select,
  ticker,
} from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Go by Example', () => {
  it('tickers: stop after 1600 ms gives ticks at 500, 1000, 1500', async () => {
    const t = ticker(500);
    const done = new Channel<boolean>();
    const seen: number[] = [];
    const loop = (async () => {
      for (;;) {
        const r = await select([pullCase(done), pullCase(t)] as const);
        if (r.index === 0 || !r.ok) return; // unlike Go's Stop, close() makes the case fire ok: false
        seen.push(r.value as number);
      }
    })();
    await vi.advanceTimersByTimeAsync(1600);
    t.close();
    await loop;
    expect(seen).toEqual([500, 1000, 1500]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('timers: timer2 stopped before it fires never fires', async () => {
    const timer1 = afterMs(2000);
    const v1 = timer1.pull();
    await vi.advanceTimersByTimeAsync(2000);
    expect(await v1).toBe(2000);
    const timer2 = afterMs(1000);
    let fired = false;
    void timer2.pull().then(
      () => (fired = true),
      () => {},
    );
    timer2.close(); // timer2.Stop()
    await vi.advanceTimersByTimeAsync(2000);
    expect(fired).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rate limiting: bursty limiter of 3 then one per 200 ms', async () => {
    const requests = new Channel<number>(5);
    for (let i = 1; i <= 5; i++) requests.tryPush(i);
    requests.close();
    const bursty = new Channel<number>(3);
    for (let i = 0; i < 3; i++) bursty.tryPush(Date.now());
    const t = ticker(200);
    const refill = (async () => {
      for await (const tick of t) await bursty.push(tick);
    })();
    const served: [number, number][] = [];
    const serve = (async () => {
      for await (const req of requests) {
        await bursty.pull();
        served.push([req, Date.now()]);
      }
    })();
    await vi.advanceTimersByTimeAsync(1000);
    await serve;
    t.close();
    await refill;
    expect(served).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 200],
      [5, 400],
    ]);
  });

  it('timeouts: select with after; a buffered result channel lets the late sender finish', async () => {
    const c1 = new Channel<string>(1);
    const sender = (async () => {
      await new Promise((r) => setTimeout(r, 2000));
      await c1.push('result 1');
      return 'sent';
    })();
    const r = await (async () => {
      const p = select([pullCase(c1), pullCase(afterMs(1000))] as const);
      await vi.advanceTimersByTimeAsync(1000);
      return p;
    })();
    expect(r.index).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await sender).toBe('sent');
    expect(c1.size).toBe(1);
  });
});

describe('Concurrency in Go', () => {
  it('tee with nil-ing cases delivers every value to both outputs in order', async () => {
    const input = new Channel<number>();
    const out1 = new Channel<number>();
    const out2 = new Channel<number>();
    const tee = (async () => {
      try {
        for await (const v of input) {
          let o1: Channel<number> | null = out1;
          let o2: Channel<number> | null = out2;
          for (let i = 0; i < 2; i++) {
            const r = await select([o1 && pushCase(o1, v), o2 && pushCase(o2, v)]);
            if (r.index === 0) o1 = null;
            else o2 = null;
          }
        }
      } finally {
        out1.close();
        out2.close();
      }
    })();
    const prod = input.pushAll([1, 2, 3, 4]).then(() => input.close());
    const a: number[] = [];
    const b: number[] = [];
    const readA = (async () => {
      for await (const v of out1) a.push(v);
    })();
    const readB = (async () => {
      for await (const v of out2) b.push(v);
    })();
    await Promise.all([tee, prod, readA, readB]);
    expect(a).toEqual([1, 2, 3, 4]);
    expect(b).toEqual([1, 2, 3, 4]);
  });

  it('bridge: a channel of channels flattened in order', async () => {
    const chanStream = new Channel<PullChannel<number>>();
    const bridged = new Channel<number>();
    const bridge = (async () => {
      try {
        for await (const stream of chanStream) for await (const v of stream) await bridged.push(v);
      } finally {
        bridged.close();
      }
    })();
    const gen = (async () => {
      for (let i = 0; i < 5; i++) {
        const s = new Channel<number>(1);
        s.tryPush(i);
        s.close();
        await chanStream.push(s);
      }
      chanStream.close();
    })();
    const got: number[] = [];
    for await (const v of bridged) got.push(v);
    await Promise.all([bridge, gen]);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('heartbeat: a ticker pulse beside work results; pulses dropped for a slow reader', async () => {
    const pulse = ticker(100);
    const results = new Channel<number>();
    const work = (async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 250));
        await results.push(i);
      }
      results.close();
    })();
    const log: string[] = [];
    const reader = (async () => {
      for (;;) {
        const r = await select([pullCase(pulse), pullCase(results)] as const);
        if (r.index === 0) log.push(`pulse@${r.value}`);
        else if (!r.ok) return;
        else log.push(`result ${r.value}@${Date.now()}`);
      }
    })();
    await vi.advanceTimersByTimeAsync(800);
    await work;
    await reader;
    pulse.close();
    expect(log).toEqual([
      'pulse@100',
      'pulse@200',
      'result 0@250',
      'pulse@300',
      'pulse@400',
      'result 1@500',
      'pulse@500',
      'pulse@600',
      'pulse@700',
      'result 2@750',
    ]);
  });
});
