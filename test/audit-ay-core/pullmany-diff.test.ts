/**
 * README, Batches: "pullMany(max) takes what is there in one synchronous commit … the same
 * values, in the same order, that max consecutive pullNowait calls would return" — checked on
 * twin worlds: a plain channel with parked pushes (push, pushAll), a merge of such channels, and
 * a broadcast subscriber whose source has buffered values and parked pushes.
 */
import { broadcast, Channel, merge } from 'chanasync';
import fc from 'fast-check';
import { expect, it } from 'vitest';

type World = { target: Channel<number>; settled: string[] };

function build(kind: 'plain' | 'merge' | 'sub', caps: number[], pre: number[][], subCap: number): World {
  const settled: string[] = [];
  const inputs = caps.map((c) => new Channel<number>(c));
  pre.forEach((vals, k) => {
    const input = inputs[k % inputs.length]!;
    vals.forEach((v, j) => {
      if (j % 2)
        void input.pushAll([v, v + 1000]).then(
          () => settled.push(`all${v}`),
          () => settled.push(`all${v}x`),
        );
      else
        void input.push(v).then(
          () => settled.push(`p${v}`),
          () => settled.push(`p${v}x`),
        );
    });
  });
  if (kind === 'plain') return { target: inputs[0]!, settled };
  if (kind === 'merge') return { target: merge(...inputs), settled };
  const hub = broadcast(inputs[0]!);
  const sub = hub.subscribe({ capacity: subCap });
  hub.subscribe({ capacity: 100 }); // a second, roomy subscriber
  return { target: sub, settled };
}

it('pullMany(max) gives what max consecutive pullNowait calls give', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('plain' as const, 'merge' as const, 'sub' as const),
      fc.array(fc.constantFrom(0, 1, 2), { minLength: 1, maxLength: 3 }),
      fc.array(fc.array(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }), { maxLength: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 8 }),
      async (kind, caps, pre, subCap, max) => {
        const a = build(kind, caps, pre, subCap);
        const b = build(kind, caps, pre, subCap);
        for (let i = 0; i < 5; i++) await Promise.resolve();
        const nowait: number[] = [];
        for (let i = 0; i < max; i++) {
          try {
            nowait.push(b.target.pullNowait());
          } catch {
            break;
          }
        }
        if (nowait.length === 0) return; // pullMany would park
        const many = await a.target.pullMany(max);
        expect(many).toEqual(nowait);
        for (let i = 0; i < 20; i++) await Promise.resolve();
        expect(a.settled).toEqual(b.settled);
      },
    ),
    { numRuns: 500 },
  );
});
