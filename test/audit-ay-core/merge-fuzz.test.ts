/**
 * merge(...inputs) against the SPEC: fan-in keeping each input's order, closed once every input
 * is closed and drained; nothing lost or duplicated (values are in an input, in the merged
 * channel, or received). Per-input order is covered by test/merge.test.ts. Random pushes, closes (with and without a reason), pulls, pullMany,
 * selects and aborted pulls on the merged channel, interleaved with microtask flushes.
 */
import { Channel, merge, pull as pullCase, select } from 'chanasync';
import fc from 'fast-check';
import { expect, it } from 'vitest';

type Op =
  | { op: 'push'; k: number }
  | { op: 'pushWait'; k: number }
  | { op: 'closeIn'; k: number; reason: boolean }
  | { op: 'pull' | 'tryPull' | 'pullSig' | 'abort' | 'select' | 'flush' | 'closeMerged' }
  | { op: 'pullMany'; n: number };

const opArb = (n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('push' as const), k: fc.nat(n - 1) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('pushWait' as const), k: fc.nat(n - 1) }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('closeIn' as const), k: fc.nat(n - 1), reason: fc.boolean() }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constantFrom(
          'pull' as const,
          'tryPull' as const,
          'pullSig' as const,
          'abort' as const,
          'select' as const,
          'flush' as const,
        ),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'closeMerged' as const }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('pullMany' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  );

const flush = async (n = 10) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

it('merge conserves values and closes once inputs are closed and drained', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .array(fc.constantFrom(0, 1, 2), { minLength: 1, maxLength: 3 })
        .chain((caps) => fc.tuple(fc.constant(caps), fc.array(opArb(caps.length), { maxLength: 40 }))),
      async ([caps, ops]) => {
        const inputs = caps.map((c) => new Channel<string>(c));
        const m = merge(...inputs);
        const pushed: string[][] = caps.map(() => []);
        const received: string[] = [];
        const pending: Promise<unknown>[] = [];
        const ctls: AbortController[] = [];
        let seq = 0;
        let reasonClosed = false;
        for (const o of ops) {
          switch (o.op) {
            case 'push': {
              const v = `${o.k}:${seq++}`;
              if (inputs[o.k]!.tryPush(v)) pushed[o.k]!.push(v);
              break;
            }
            case 'pushWait': {
              const v = `${o.k}:${seq++}`;
              const input = inputs[o.k]!;
              if (input.closed) break;
              pushed[o.k]!.push(v); // tentatively; removed if rejected
              pending.push(
                input.push(v).catch(() => {
                  const arr = pushed[o.k]!;
                  arr.splice(arr.indexOf(v), 1);
                }),
              );
              break;
            }
            case 'closeIn':
              if (!inputs[o.k]!.closed && o.reason) reasonClosed = true;
              inputs[o.k]!.close(o.reason ? new Error('r') : undefined);
              break;
            case 'pull':
              pending.push(
                m.pull().then(
                  (v) => received.push(v),
                  () => {},
                ),
              );
              break;
            case 'pullSig': {
              const ctl = new AbortController();
              ctls.push(ctl);
              pending.push(
                m.pull({ signal: ctl.signal }).then(
                  (v) => received.push(v),
                  () => {},
                ),
              );
              break;
            }
            case 'abort':
              ctls.shift()?.abort();
              break;
            case 'tryPull': {
              const v = m.tryPull();
              if (v !== undefined) received.push(v);
              break;
            }
            case 'pullMany':
              pending.push(
                m.pullMany(o.n).then(
                  (vs) => received.push(...vs),
                  () => {},
                ),
              );
              break;
            case 'select': {
              const other = new Channel<string>();
              const ctl = new AbortController();
              ctls.push(ctl);
              pending.push(
                select([pullCase(m), pullCase(other)], { signal: ctl.signal }).then(
                  (r) => {
                    if (r.ok) received.push(r.value as string);
                  },
                  () => {},
                ),
              );
              break;
            }
            case 'closeMerged':
              m.close();
              break;
            case 'flush':
              await flush();
              break;
          }
        }
        await flush();
        for (const c of ctls) c.abort();
        // end: close inputs (no reason), drain the merged channel, then the inputs
        for (const input of inputs) input.close();
        await flush();
        for (let v = m.tryPull(); v !== undefined; v = m.tryPull()) received.push(v);
        await Promise.all(pending);
        await flush();
        for (let v = m.tryPull(); v !== undefined; v = m.tryPull()) received.push(v);
        const leftovers: string[] = [];
        for (const input of inputs)
          for (let v = input.tryPull(); v !== undefined; v = input.tryPull()) leftovers.push(v);
        // conservation
        const all = [...received, ...leftovers].sort();
        expect(all).toEqual(pushed.flat().sort());
        // (per-input order is not checked here: `received` is in settlement order, and a
        // tryPull records synchronously while an earlier pull's value is recorded a microtask later)
        expect(m.closed).toBe(true);
        if (!reasonClosed && !ops.some((o) => o.op === 'closeMerged')) expect(leftovers).toEqual([]);
        for (const c of [...inputs, m]) expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      },
    ),
    { numRuns: 500 },
  );
});
