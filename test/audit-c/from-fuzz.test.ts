/**
 * A property for `from()` over synchronous sources under every consumer that competes for its
 * values — selects (with and without `default`), `merge`, `pullMany`, `tryPull`, pulls whose
 * signal aborts in the turn they start, closes: a value is read from a source only for a consumer
 * that takes it at once or for a free slot, so no `from` channel ever holds a parked push, and
 * every value read is delivered exactly once or is still buffered (readable after close).
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { type Channel, from, merge, pull, select, selectNowait } from '../../src/index.js';
import { fuzzParameters } from '../helpers/fuzz.js';

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

type Step =
  | { kind: 'select'; picks: number[] }
  | { kind: 'selectNowait'; picks: number[] }
  | { kind: 'pull'; source: number; abort: boolean }
  | { kind: 'pullMany'; source: number; max: number }
  | { kind: 'tryPull'; source: number }
  | { kind: 'mergePull'; picks: number[] }
  | { kind: 'close'; source: number };

const SOURCES = 3;
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('select' as const), picks: fc.uniqueArray(fc.nat(SOURCES - 1), { minLength: 1 }) }),
  fc.record({
    kind: fc.constant('selectNowait' as const),
    picks: fc.uniqueArray(fc.nat(SOURCES - 1), { minLength: 1 }),
  }),
  fc.record({ kind: fc.constant('pull' as const), source: fc.nat(SOURCES - 1), abort: fc.boolean() }),
  fc.record({
    kind: fc.constant('pullMany' as const),
    source: fc.nat(SOURCES - 1),
    max: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('tryPull' as const), source: fc.nat(SOURCES - 1) }),
  fc.record({ kind: fc.constant('mergePull' as const), picks: fc.uniqueArray(fc.nat(SOURCES - 1), { minLength: 1 }) }),
  fc.record({ kind: fc.constant('close' as const), source: fc.nat(SOURCES - 1) }),
);

test('from() over synchronous sources never reads ahead of its consumers and loses or duplicates nothing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: SOURCES, maxLength: SOURCES }),
      fc.array(step, { maxLength: 25 }),
      async (capacities, steps) => {
        const read: number[][] = capacities.map(() => []);
        const delivered: number[] = [];
        const channels: Channel<number>[] = capacities.map((capacity, s) =>
          from(
            (function* () {
              for (let i = 0; ; i++) {
                const value = s * 1000 + i;
                read[s]?.push(value);
                yield value;
              }
            })(),
            { capacity },
          ),
        );
        const at = (s: number) => channels[s] as Channel<number>;
        const take = (value: unknown) => delivered.push(value as number);
        for (const next of steps) {
          const open = (picks: number[]) => picks.filter((s) => !at(s).closed);
          switch (next.kind) {
            case 'select': {
              const picks = open(next.picks);
              if (picks.length === 0) break;
              const result = await select(picks.map((s) => pull(at(s))));
              if (result.ok) take(result.value);
              break;
            }
            case 'selectNowait': {
              const result = selectNowait(next.picks.map((s) => pull(at(s))));
              if (result?.ok) take(result.value);
              break;
            }
            case 'pull': {
              if (at(next.source).closed) break;
              const controller = new AbortController();
              const pulling = at(next.source).pull({ signal: controller.signal });
              if (next.abort) {
                controller.abort();
                await pulling.then(take, () => {});
              } else take(await pulling);
              break;
            }
            case 'pullMany':
              if (!at(next.source).closed) for (const value of await at(next.source).pullMany(next.max)) take(value);
              break;
            case 'tryPull': {
              const value = at(next.source).tryPull();
              if (value !== undefined) take(value);
              break;
            }
            case 'mergePull': {
              const picks = open(next.picks);
              if (picks.length === 0) break;
              const merged = merge(...picks.map(at));
              take(await merged.pull());
              merged.close();
              // What the merged channel took ahead stays readable in it.
              for (let value = merged.tryPull(); value !== undefined; value = merged.tryPull()) take(value);
              break;
            }
            case 'close':
              at(next.source).close();
              break;
          }
          await turn();
          for (const channel of channels) expect(channel.stats().waitingPushers).toBe(0);
        }
        for (const channel of channels) channel.close();
        for (const channel of channels) for (let v = channel.tryPull(); v !== undefined; v = channel.tryPull()) take(v);
        expect([...delivered].sort((a, b) => a - b)).toEqual(read.flat().sort((a, b) => a - b));
      },
    ),
    fuzzParameters(150),
  );
});
