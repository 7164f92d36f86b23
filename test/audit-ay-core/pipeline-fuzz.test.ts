/**
 * Go's pipelines (gen → sq fan-out → merge) with done-channel or AbortSignal cancellation at a
 * random point, random capacities and worker counts. Checked: every value the consumer got is a
 * square of an input, none twice; every stage returns; nothing stays parked; no listener left.
 */
import { Channel, merge, type PullChannel, pull as pullCase, push as pushCase, select } from 'chanasync';
import fc from 'fast-check';
import { expect, it } from 'vitest';

const flush = async (n = 200) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

it('pipeline with cancellation: all stages end, nothing parked, no duplicates', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(0, 1, 3),
      fc.constantFrom(0, 1, 2),
      fc.integer({ min: 0, max: 12 }),
      fc.constantFrom('done' as const, 'signal' as const, 'both' as const),
      fc.boolean(),
      async (workers, capGen, capSq, stopAfter, how, useMany) => {
        const nums = Array.from({ length: 10 }, (_, i) => i + 1);
        const done = new Channel<void>();
        const ctl = new AbortController();
        const signal = how === 'done' ? undefined : ctl.signal;
        const settled: string[] = [];
        const chans: Channel<number>[] = [];
        const send = async (out: Channel<number>, v: number) => {
          if (how === 'signal') {
            try {
              await out.push(v, { signal });
              return true;
            } catch {
              return false;
            }
          }
          try {
            const r = await select([pushCase(out, v), pullCase(done)] as const, signal ? { signal } : undefined);
            return r.index === 0;
          } catch {
            return false;
          }
        };
        const genOut = new Channel<number>(capGen);
        chans.push(genOut);
        const gen = (async () => {
          try {
            if (useMany && signal) {
              await genOut.pushAll(nums, signal ? { signal } : undefined).catch(() => {});
            } else for (const n of nums) if (!(await send(genOut, n))) return;
          } finally {
            genOut.close();
            settled.push('gen');
          }
        })();
        const sq = (input: PullChannel<number>, k: number) => {
          const out = new Channel<number>(capSq);
          chans.push(out);
          const task = (async () => {
            try {
              for await (const n of input) if (!(await send(out, n * n))) return;
            } finally {
              out.close();
              settled.push(`sq${k}`);
            }
          })();
          return { out, task };
        };
        const stages = Array.from({ length: workers }, (_, k) => sq(genOut, k));
        const m = merge(...stages.map((s) => s.out));
        const got: number[] = [];
        for await (const v of m) {
          got.push(v);
          if (got.length === stopAfter) break;
        }
        done.close();
        ctl.abort();
        // Drain nothing: Go's consumer returns. Stages must all finish.
        await flush();
        await Promise.race([Promise.all([gen, ...stages.map((s) => s.task)]), flush(1000)]);
        expect(settled.sort()).toEqual(['gen', ...stages.map((_, k) => `sq${k}`)].sort());
        expect(new Set(got).size).toBe(got.length);
        for (const v of got) expect(nums.map((n) => n * n)).toContain(v);
        if (stopAfter === 0 || stopAfter > nums.length)
          expect(got.sort((a, b) => a - b)).toEqual(nums.map((n) => n * n));
        for (const c of [...chans, m, done]) {
          const s = c.stats();
          expect([s.waitingPushers, s.waitingPullers]).toEqual([0, 0]);
        }
        // the merge is closed once all its inputs are closed and drained — but its inputs hold
        // values nobody reads when the consumer stopped early: drain them and check it closes.
        for (const s of stages) while (s.out.tryPull() !== undefined);
        m.tryPull();
        expect(m.closed).toBe(true);
      },
    ),
    { numRuns: 300 },
  );
});
