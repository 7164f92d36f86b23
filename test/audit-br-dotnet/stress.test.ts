// Audit BR-peers-e: .NET tests/Stress.cs (many readers and writers over every channel kind,
// exactly-once delivery) on one event loop: producers and consumers interleave at every await,
// with random pauses at 0 ms timers, over block and drop modes, and a close racing the end.
import { Channel, ChannelClosedError, type Overflow } from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('Stress.cs: many producers and consumers', () => {
  const configs: { capacity: number; overflow: Overflow }[] = [
    { capacity: 0, overflow: 'block' },
    { capacity: 1, overflow: 'block' },
    { capacity: 7, overflow: 'block' },
    { capacity: Number.POSITIVE_INFINITY, overflow: 'block' },
    { capacity: 1, overflow: 'drop-oldest' },
    { capacity: 3, overflow: 'drop-oldest' },
    { capacity: 1, overflow: 'drop-newest' },
    { capacity: 3, overflow: 'drop-newest' },
  ];

  it.each(configs)(
    'capacity $capacity, $overflow: no value duplicated, per-producer order kept, none lost when blocking',
    async ({ capacity, overflow }) => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 5 }),
          fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
          async (producers, consumers, pauses) => {
            const c = new Channel<[number, number]>(capacity, { overflow });
            const perProducer = 30;
            let tick = 0;
            const maybePause = async () => {
              if (pauses[tick++ % pauses.length]) await pause();
            };
            const received: [number, number][][] = Array.from({ length: consumers }, () => []);
            const readers = received.map(async (mine, k) => {
              try {
                while (true) {
                  // alternate two ways of reading: pull and pullMany(2)
                  if (k % 2 === 0) {
                    const v = await c.pull();
                    mine.push(v);
                  } else {
                    const vs = await c.pullMany(2);
                    mine.push(...vs);
                  }
                  await maybePause();
                }
              } catch (e) {
                expect(e).toBeInstanceOf(ChannelClosedError);
              }
            });
            const writers = Array.from({ length: producers }, async (_, p) => {
              for (let i = 0; i < perProducer; i++) {
                await c.push([p, i]);
                await maybePause();
              }
            });
            await Promise.all(writers);
            c.close();
            await Promise.all(readers);
            const all = received.flat();
            const keys = all.map(([p, i]) => `${p}:${i}`);
            expect(new Set(keys).size).toBe(keys.length); // never duplicated
            for (const mine of received) {
              for (let p = 0; p < producers; p++) {
                const seq = mine.filter(([q]) => q === p).map(([, i]) => i);
                expect(seq).toEqual([...seq].sort((a, b) => a - b)); // each consumer sees a producer's values in order
              }
            }
            if (overflow === 'block') expect(all.length).toBe(producers * perProducer); // blocking: none lost
          },
        ),
        { numRuns: 8 },
      );
    },
  );
});
