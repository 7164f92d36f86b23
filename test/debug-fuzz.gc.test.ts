/**
 * Leak detection under random programs (fast-check, run with `--expose-gc`): a few channels of
 * every kind, random operations — parked, committed, aborted, failed by close, plain and in
 * selects, `pullMany`, `pushAll` — all behind one long-lived signal, then some channels are
 * dropped and collected while others stay alive. The SPEC's "Leaked waiters" rule, as an
 * accounting identity: every operation either settles (committed, aborted or failed by close)
 * or is reported leaked — never both, never neither — and each leak names the channel and kind
 * it was parked with; a select is one leak, once all its channels are gone; nothing parked on a
 * channel that is still alive is reported, before or after it is closed.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel, pull, push, select } from '../src/index.js';
import type { LeakSnapshot } from '../src/protocol.js';
import { collectAll, tick } from './helpers/gc.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];

const warn = useQuietDebug(disableDebug);

type Op =
  | { op: 'push' | 'pull' | 'tryPush' | 'tryPull' | 'close'; ch: number }
  | { op: 'pullMany'; ch: number; max: number }
  | { op: 'pushAll'; ch: number; count: number }
  | { op: 'abort'; which: number }
  | { op: 'select'; cases: { ch: number; push: boolean }[] }
  | { op: 'task' };

const COUNT = 5;
const ch = fc.nat(COUNT - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom('push', 'pull', 'tryPush', 'tryPull'), ch }), weight: 8 },
  { arbitrary: fc.record({ op: fc.constant('close'), ch }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('pullMany'), ch, max: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('pushAll'), ch, count: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('abort'), which: fc.nat(5) }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('select'),
      cases: fc.array(fc.record({ ch, push: fc.boolean() }), { minLength: 2, maxLength: 3 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.constant({ op: 'task' } as const), weight: 2 },
) as fc.Arbitrary<Op>;

function makeChannels(): Channel<number>[] {
  return [
    new Channel<number>(0, { name: 'rendezvous' }),
    new Channel<number>(1, { name: 'one' }),
    new Channel<number>(1, { name: 'sliding', overflow: 'drop-oldest' }),
    new Channel<number>(Infinity, { name: 'unbounded' }),
    new Channel<number>(0, { name: 'declared', input: true }),
  ];
}

function closeAll(channels: readonly Channel<number>[]): void {
  for (const channel of channels) channel.close();
}

/** The channels that stay alive: those kept, and those a parked select ties to one kept. */
function aliveIds(kept: ReadonlySet<number>, selects: ReadonlyMap<number, Set<number>>): Set<number> {
  const alive = new Set(kept);
  let grew = true;
  while (grew) {
    grew = false;
    for (const ids of selects.values()) {
      if (![...ids].some((id) => alive.has(id))) continue;
      for (const id of ids) {
        if (!alive.has(id)) {
          alive.add(id);
          grew = true;
        }
      }
    }
  }
  return alive;
}

describe('leaks are exactly the operations that can never complete (property)', () => {
  test('after dropping some channels of any program, every operation has settled or is reported leaked once, with its channel and kind, and nothing on a live channel is reported', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 25 }),
        fc.array(fc.boolean(), { minLength: COUNT, maxLength: COUNT }),
        fc.boolean(),
        async (ops, keep, stacks) => {
          enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks });
          warn().mockClear(); // a failed run (while shrinking) leaves its warnings
          const longLived = new AbortController(); // outlives every channel
          const outcome = { started: 0, settled: 0 };
          const follow = (promise: Promise<unknown>) => {
            outcome.started++;
            promise.then(
              () => outcome.settled++,
              () => outcome.settled++,
            );
          };
          const { kept, refs, expected, keptIds } = await (async () => {
            const channels = makeChannels();
            const ids = snapshot()
              .channels.map((entry) => entry.id)
              .sort((a, b) => a - b)
              .slice(-COUNT);
            const controllers: AbortController[] = [];
            const signal = () => {
              const controller = new AbortController();
              controllers.push(controller);
              return AbortSignal.any([longLived.signal, controller.signal]);
            };
            let n = 0;
            for (const step of ops) {
              const channel = channels[(step as { ch?: number }).ch ?? 0] as Channel<number>;
              if (step.op === 'push') follow(channel.push(n++, { signal: signal() }));
              else if (step.op === 'pull') follow(channel.pull({ signal: signal() }));
              else if (step.op === 'tryPush') channel.tryPush(n++);
              else if (step.op === 'tryPull') channel.tryPull();
              else if (step.op === 'close') channel.close();
              else if (step.op === 'pullMany') follow(channel.pullMany(step.max, { signal: signal() }));
              else if (step.op === 'pushAll') {
                follow(channel.pushAll([n++, n++, n++].slice(0, step.count), { signal: signal() }));
              } else if (step.op === 'abort') {
                controllers.splice(step.which % Math.max(1, controllers.length), 1)[0]?.abort(new Error('stop'));
              } else if (step.op === 'select') {
                const cases = step.cases.map(({ ch: i, push: isPush }) =>
                  isPush ? push(channels[i] as Channel<number>, n++) : pull(channels[i] as Channel<number>),
                );
                follow(select(cases, { signal: signal() }));
              } else await tick();
            }
            await tick();
            // What is parked now, by channel: plain operations, and the channels of each select.
            const parked = snapshot().channels.filter((entry) => ids.includes(entry.id));
            const selects = new Map<number, Set<number>>();
            const plain: { id: number; kind: string }[] = [];
            for (const entry of parked) {
              for (const waiter of [...entry.pushers, ...entry.pullers]) {
                if (waiter.select === undefined) plain.push({ id: entry.id, kind: waiter.kind });
                else selects.set(waiter.select, (selects.get(waiter.select) ?? new Set()).add(entry.id));
              }
            }
            const keptIds = new Set(ids.filter((_, i) => keep[i]));
            const alive = aliveIds(keptIds, selects);
            const expected = [
              ...plain.filter(({ id }) => !alive.has(id)).map(({ id, kind }) => `${kind}@${id}`),
              ...[...selects.values()]
                .filter((on) => ![...on].some((id) => alive.has(id)))
                .map((on) => `select@${Math.min(...on)}`),
            ].sort();
            return {
              kept: channels.filter((_, i) => keep[i] || alive.has(ids[i] as number)),
              refs: channels.filter((_, i) => !alive.has(ids[i] as number)).map((c) => new WeakRef(c)),
              expected,
              keptIds,
            };
          })();
          await collectAll(refs);
          // A select is named by the channel of its first case: compare by the lowest id, which is
          // the first case's channel only when the cases are in id order — so compare kinds and
          // channels of plain leaks exactly, and selects by count.
          const reported = leaks();
          const plainReported = reported
            .filter((leak) => leak.kind !== 'select')
            .map((leak) => `${leak.kind}@${leak.channel.id}`)
            .sort();
          expect(plainReported).toEqual(expected.filter((key) => !key.startsWith('select@')));
          expect(reported.filter((leak) => leak.kind === 'select')).toHaveLength(
            expected.filter((key) => key.startsWith('select@')).length,
          );
          for (const leak of reported) expect(keptIds.has(leak.channel.id)).toBe(false);
          expect(new Set(reported.map((leak) => leak.id)).size).toBe(reported.length);
          expect(warn()).toHaveBeenCalledTimes(reported.length);
          // Closing the live channels fails what is parked on them: settled, never reported.
          closeAll(kept); // in a function: a loop variable here would stay in the suspended frame
          await tick();
          await tick();
          expect(leaks()).toEqual(reported);
          // The identity: every operation settled or leaked, never both, never neither.
          expect(outcome.started - outcome.settled).toBe(reported.length);
          const keptRefs = kept.map((channel) => new WeakRef(channel));
          kept.length = 0;
          await collectAll(keptRefs);
          expect(leaks()).toEqual(reported);
          longLived.abort();
          disableDebug();
          warn().mockClear();
        },
      ),
      { numRuns: 25 },
    );
  });
});
