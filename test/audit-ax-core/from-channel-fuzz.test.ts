/**
 * Differential/conservation fuzz: a source channel read through `from(channel)` (the or-done
 * idiom), with consumers that pull, select, iterate and return(), pullMany, tryPull, abort; the
 * source closes with or without a reason; the from channel is closed or its signal aborted.
 * Invariant (README: "closing the from channel or aborting its signal never loses a value taken
 * from the source"): every value whose push into the source committed comes out exactly once —
 * received by a consumer of the from channel, or still readable in the from channel or the source.
 */

import { Channel, from, pull as pullCase, select } from 'chanasync';
import fc from 'fast-check';
import { expect, it } from 'vitest';

type Op =
  | { op: 'push' | 'tryPush' | 'pushSig' }
  | { op: 'pull' | 'pullSig' | 'next' | 'return' | 'tryPull' | 'selectOther' | 'abortOp' | 'feedOther' }
  | { op: 'pullMany'; n: number }
  | { op: 'closeSrc'; reason: boolean }
  | { op: 'closeF' | 'abortF' | 'flush' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('push', 'tryPush', 'pushSig') }) as fc.Arbitrary<Op> },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constantFrom('pull', 'pullSig', 'next', 'return', 'tryPull', 'selectOther', 'abortOp', 'feedOther'),
    }) as fc.Arbitrary<Op>,
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('pullMany'), n: fc.integer({ min: 1, max: 3 }) }) as fc.Arbitrary<Op>,
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('closeSrc'), reason: fc.boolean() }) as fc.Arbitrary<Op> },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('closeF', 'abortF') }) as fc.Arbitrary<Op> },
  { weight: 3, arbitrary: fc.constant({ op: 'flush' } as Op) },
);

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

it('from(channel): every committed value comes out exactly once (fuzz)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(0, 1, 2),
      fc.constantFrom(0, 1, 2),
      fc.boolean(),
      fc.array(opArb, { minLength: 5, maxLength: 40 }),
      async (srcCap, fCap, withSignal, ops) => {
        const src = new Channel<number>(srcCap);
        const fAc = new AbortController();
        const f = from(src, { capacity: fCap, ...(withSignal ? { signal: fAc.signal } : {}) });
        const other = new Channel<number>(0);
        const committed = new Set<number>();
        const received: number[] = [];
        const ops2: Promise<unknown>[] = [];
        const controllers: AbortController[] = [];
        const iter = f[Symbol.asyncIterator]();
        let next = 1;
        let otherNext = -1;
        const log: string[] = [];
        for (const o of ops) {
          log.push(o.op);
          switch (o.op) {
            case 'push': {
              const v = next++;
              ops2.push(
                src.push(v).then(
                  () => committed.add(v),
                  () => {},
                ),
              );
              break;
            }
            case 'pushSig': {
              const v = next++;
              const ac = new AbortController();
              controllers.push(ac);
              ops2.push(
                src.push(v, { signal: ac.signal }).then(
                  () => committed.add(v),
                  () => {},
                ),
              );
              break;
            }
            case 'tryPush': {
              const v = next++;
              if (src.tryPush(v)) committed.add(v);
              break;
            }
            case 'pull':
              ops2.push(
                f.pull().then(
                  (v) => received.push(v),
                  () => {},
                ),
              );
              break;
            case 'pullSig': {
              const ac = new AbortController();
              controllers.push(ac);
              ops2.push(
                f.pull({ signal: ac.signal }).then(
                  (v) => received.push(v),
                  () => {},
                ),
              );
              break;
            }
            case 'next':
              ops2.push(
                iter.next().then(
                  (r) => {
                    if (!r.done) received.push(r.value);
                  },
                  () => {},
                ),
              );
              break;
            case 'return':
              void iter.return?.();
              break;
            case 'tryPull': {
              const v = f.tryPull();
              if (v !== undefined) received.push(v);
              break;
            }
            case 'pullMany':
              ops2.push(
                f.pullMany(o.n).then(
                  (vs) => received.push(...vs),
                  () => {},
                ),
              );
              break;
            case 'selectOther':
              ops2.push(
                select([pullCase(f), pullCase(other)]).then(
                  (r) => {
                    if (r.index === 0 && r.ok) received.push(r.value as number);
                  },
                  () => {},
                ),
              );
              break;
            case 'feedOther':
              other.tryPush(otherNext--);
              break;
            case 'abortOp': {
              const ac = controllers.find((c) => !c.signal.aborted);
              ac?.abort();
              break;
            }
            case 'closeSrc':
              src.close(o.reason ? new Error('src') : undefined);
              break;
            case 'closeF':
              f.close();
              break;
            case 'abortF':
              fAc.abort();
              break;
            case 'flush':
              await flush();
              break;
          }
        }
        await flush();
        // End: stop everything and drain.
        for (const c of controllers) c.abort();
        f.close();
        await flush();
        src.close();
        await flush();
        const drained: number[] = [];
        for (let v = f.tryPull(); v !== undefined; v = f.tryPull()) drained.push(v);
        for (let v = src.tryPull(); v !== undefined; v = src.tryPull()) drained.push(v);
        await Promise.race([Promise.all(ops2), flush()]);
        const out = [...received, ...drained];
        const dup = out.filter((v, i) => out.indexOf(v) !== i);
        const ctx = `src=${srcCap} f=${fCap} sig=${withSignal} ops=${log.join(',')} received=${received} drained=${drained} committed=${[...committed]}`;
        expect(dup, ctx).toEqual([]);
        for (const v of out) expect(committed.has(v), `${v} out but not committed; ${ctx}`).toBe(true);
        for (const v of committed) expect(out.includes(v), `${v} lost; ${ctx}`).toBe(true);
      },
    ),
    { numRuns: 150 },
  );
});
