// Blind acceptance tests (audit BS-durable): happens-before FIFO across clients, and a consumer
// whose pulls keep timing out while values arrive (aborts racing hand-outs): nothing lost,
// duplicated or reordered.
import { describe, expect, it } from 'vitest';
import { ChannelClosedError } from '../../../src/index.js';
import { fresh, open, until } from './util.js';

describe('FIFO across clients', () => {
  it('pushes that resolved before another started come first, whichever client made them', async () => {
    const name = fresh('hb-push');
    const clients = [open<number>(name), open<number>(name), open<number>(name)];
    for (let i = 0; i < 30; i++) await clients[i % 3]!.push(i);
    const reader = open<number>(name);
    const got: number[] = [];
    for (let i = 0; i < 30; i++) got.push(await clients[(i + 1) % 3]!.pull());
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await reader.close();
  });
});

describe('a consumer whose pulls keep timing out', () => {
  it('receives every value exactly once, in order', async () => {
    const name = fresh('timeouts');
    const N = 60;
    const producer = open<number>(name, { sliceMs: 200, leaseMs: 3000 });
    const consumer = open<number>(name, { sliceMs: 200, leaseMs: 3000 });
    const got: number[] = [];
    let timeouts = 0;
    const consuming = (async () => {
      let k = 0;
      for (;;) {
        try {
          got.push(await consumer.pull({ signal: AbortSignal.timeout(1 + (k++ % 7) * 2) }));
        } catch (error) {
          if (error instanceof ChannelClosedError) return;
          if ((error as DOMException).name !== 'TimeoutError') throw error;
          timeouts++;
        }
      }
    })();
    for (let i = 0; i < N; i++) {
      await producer.push(i);
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    await until(() => got.length >= N, 20_000);
    await producer.close();
    await consuming;
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(timeouts).toBeGreaterThan(0);
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, waitingPushers: 0 });
  });

  it('pullMany with timeouts, two consumers: every value exactly once', async () => {
    const name = fresh('timeouts-many');
    const N = 80;
    const producer = open<number>(name, { capacity: 5, sliceMs: 200, leaseMs: 3000 });
    const buckets: number[][] = [[], []];
    const consumers = buckets.map(async (bucket, c) => {
      const ch = open<number>(name, { capacity: 5, sliceMs: 200, leaseMs: 3000 });
      let k = c;
      for (;;) {
        try {
          bucket.push(...(await ch.pullMany(3, { signal: AbortSignal.timeout(1 + (k++ % 5) * 3) })));
        } catch (error) {
          if (error instanceof ChannelClosedError) return;
          if ((error as DOMException).name !== 'TimeoutError') throw error;
        }
      }
    });
    for (let i = 0; i < N; i++) await producer.push(i);
    await until(() => buckets[0]!.length + buckets[1]!.length >= N, 20_000);
    await producer.close();
    await Promise.all(consumers);
    expect(buckets.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    // Not asserted: each consumer's own order. A batch handed to the other consumer's pull that
    // then timed out goes back to the head after this consumer may have taken later values
    // (seen once: [..., 22, 27, 28, 24, 25, 26, ...]) — as for a lease that ends (noted in FINDINGS).
  });

  // BS-durable-1 (fixed): withdrawn (aborted) hand-outs raised `attempt`, so values no caller ever
  // received arrived with attempt > 1 and a retry-limit consumer (README's advice) would drop them.
  it('a single consumer polling with timeouts gets every value with attempt 1 (no failure happened)', async () => {
    const name = fresh('attempts');
    const N = 80;
    const producer = open<number>(name, { sliceMs: 200, leaseMs: 3000 });
    const consumer = open<number>(name, { sliceMs: 200, leaseMs: 3000 });
    const got: { value: number; attempt: number }[] = [];
    let k = 0;
    const consuming = (async () => {
      for (;;) {
        try {
          const d = await consumer.pullWithId({ signal: AbortSignal.timeout(1 + (k++ % 5) * 3) });
          got.push({ value: d.value, attempt: d.attempt });
        } catch (error) {
          if (error instanceof ChannelClosedError) return;
          if ((error as DOMException).name !== 'TimeoutError') throw error;
        }
      }
    })();
    for (let i = 0; i < N; i++) await producer.push(i);
    await until(() => got.length >= N, 20_000);
    await producer.close();
    await consuming;
    // Exactly once and in order (this holds) ...
    expect(got.map((d) => d.value)).toEqual(Array.from({ length: N }, (_, i) => i));
    // ... and every value is the first delivery to anyone: attempt 1.
    expect(got.filter((d) => d.attempt !== 1)).toEqual([]);
  });

  it('pushes with timeouts on a full channel: every resolved push delivered once, every rejected one never', async () => {
    const name = fresh('push-timeouts');
    const producer = open<number>(name, { capacity: 2, sliceMs: 200, leaseMs: 3000 });
    const consumer = open<number>(name, { capacity: 2, sliceMs: 200, leaseMs: 3000 });
    const resolved: number[] = [];
    const producing = (async () => {
      for (let i = 0; i < 40; i++) {
        try {
          await producer.push(i, { signal: AbortSignal.timeout(1 + (i % 6) * 3) });
          resolved.push(i);
        } catch (error) {
          if ((error as DOMException).name !== 'TimeoutError') throw error;
        }
      }
    })();
    const got: number[] = [];
    const consuming = (async () => {
      try {
        for (;;) {
          got.push(await consumer.pull());
          if (got.length % 3 === 0) await new Promise((r) => setTimeout(r, 5));
        }
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) throw error;
      }
    })();
    await producing;
    await producer.close();
    await consuming;
    expect(got).toEqual(resolved);
  });
});
