/**
 * Audit Z: memory of long-lived programs (run with --expose-gc). A select loop on a long-lived
 * signal, a loop of timeouts sharing that signal, streams made and cancelled on it, and bursts
 * drained through a plain channel, a merge and a broadcast subscriber: the heap after a
 * collection must not grow with the number of iterations, and a drained burst gives its memory
 * back.
 */

import { after as afterMs, broadcast, Channel, merge, pull, select, ticker, toReadableStream } from 'chanasync';
import { describe, expect, it, vi } from 'vitest';
import { collectAll, tick } from '../helpers/gc.js';

const gc = (globalThis as unknown as { gc: () => void }).gc;

async function heap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await tick();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

describe('audit Z: long-running loops do not grow memory', () => {
  it('a select loop parked with one long-lived signal, committed by pushes, with a timeout case', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const data = new Channel<number>();
    const quit = new Channel<void>();
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        using timeout = afterMs(60_000, { signal });
        const selected = select([pull(data), pull(quit), pull(timeout)], { signal });
        data.tryPush(i); // meets the parked select
        const result = await selected;
        if (result.index !== 0 || result.value !== i) throw new Error(`iteration ${i}: ${JSON.stringify(result)}`);
      }
    };
    await run(5_000);
    const before = await heap();
    await run(60_000);
    const grown = (await heap()) - before;
    expect(grown).toBeLessThan(2 * MB);
    expect(data.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    controller.abort();
  }, 60_000);

  it('a ticker read by a select loop for 40,000 ticks (fake timers) holds its memory steady', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let ticks: Channel<number> | undefined;
    try {
      ticks = ticker(10, { signal });
      const quit = new Channel<void>();
      const run = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const selected = select([pull(ticks as Channel<number>), pull(quit)], { signal });
          await vi.advanceTimersByTimeAsync(10);
          const result = await selected;
          if (result.index !== 0 || !result.ok) throw new Error(`tick ${i}: ${JSON.stringify(result)}`);
        }
      };
      // No timer in the measurement: the fake clock owns setTimeout here.
      const heapNow = () => {
        for (let i = 0; i < 3; i++) gc();
        return process.memoryUsage().heapUsed;
      };
      await run(2_000);
      const before = heapNow();
      await run(40_000);
      const grown = heapNow() - before;
      expect(grown).toBeLessThan(2 * MB);
    } finally {
      controller.abort();
      vi.useRealTimers();
    }
    expect(ticks?.closed).toBe(true);
  }, 60_000);

  it('streams made and cancelled (or ended) on one long-lived signal are collected', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 2_000; i++) {
      const channel = new Channel<number>(1);
      const stream = toReadableStream(channel, { signal: controller.signal });
      if (i % 2) await stream.cancel();
      else {
        channel.close();
        await stream.getReader().read();
      }
      if (i % 100 === 0) refs.push(new WeakRef(stream), new WeakRef(channel));
    }
    await collectAll(refs);
    controller.abort();
  }, 60_000);
});

describe('audit Z: a drained burst gives memory back', () => {
  const burst = 400_000;
  it.each([
    ['a plain unbounded channel', () => ({ input: new Channel<number>(Number.POSITIVE_INFINITY), output: undefined })],
    [
      'a merge of an unbounded channel',
      () => {
        const input = new Channel<number>(Number.POSITIVE_INFINITY);
        return { input, output: merge(input) };
      },
    ],
    [
      'an unbounded broadcast subscriber',
      () => {
        const input = new Channel<number>(Number.POSITIVE_INFINITY);
        return { input, output: broadcast(input).subscribe({ capacity: Number.POSITIVE_INFINITY }) };
      },
    ],
  ] as const)(
    '%s',
    async (_, make) => {
      const { input, output } = make();
      const read = (output ?? input) as Channel<number>;
      const base = await heap();
      for (let i = 0; i < burst; i++) input.tryPush(i);
      const full = await heap();
      // The burst is somewhere (an unbounded subscriber takes it all at once).
      expect(full - base).toBeGreaterThan(2 * MB);
      let expected = 0;
      for (;;) {
        const batch = await read.pullMany(10_000);
        for (const v of batch) if (v !== expected++) throw new Error(`out of order at ${expected - 1}: ${v}`);
        if (expected === burst) break;
      }
      const drained = await heap();
      expect(drained - base).toBeLessThan(1 * MB);
      input.close();
    },
    60_000,
  );
});
