/**
 * Fuzzing `select`: concurrent tasks that mostly select — mixed push and pull cases over one to
 * three channels, the same channel twice, a push and a pull case on one channel, `null` entries —
 * over two channels of random configuration (capacity 1 with drop-oldest among them) and their
 * `merge`, which is itself a select case, pushed into and pulled from. Then a parked select
 * whose abort, closes and counterpart commits all land in the same turn of microtasks.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  merge,
  pull,
  push,
  type SelectCase,
  type SelectResult,
  select,
} from '../src/index.js';
import { channelConfigArb, channelOf, coverage, fold, opArb, runProgram } from './helpers/fuzz-program.js';
import { countListeners, flush } from './helpers/track.js';

describe('selects over two channels and their merge, run by concurrent tasks (property)', () => {
  test('each select commits exactly one case, never its own pushed value, and every value is delivered once or its push rejected', async () => {
    await fc.assert(
      fc.asyncProperty(
        channelConfigArb,
        channelConfigArb,
        fc.scheduler(),
        fc.array(
          fc.array(opArb(3, { select: 8, selectNowait: 3, push: 3, pull: 3, pushAll: 1, pullMany: 1 }), {
            minLength: 1,
            maxLength: 8,
          }),
          { minLength: 2, maxLength: 4 },
        ),
        async (configA, configB, s, tasks) => {
          const a = channelOf(configA, 'a');
          const b = channelOf(configB, 'b');
          const m = merge(a, b);
          const problems = await runProgram(
            {
              channels: [a, b, m],
              droppable: [configA.overflow !== 'block', configB.overflow !== 'block', false],
              // The merge parks a pull of its own on each input while it waits for one.
              pullSlack: [1, 1, 0],
              sizeSlack: [0, 0, 1],
              checkSize: false,
              closeAll: () => {
                a.close();
                b.close();
                m.close();
              },
            },
            tasks,
            s,
          );
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
    const situations = [
      'select push case won',
      'select pull case won',
      'select ok: false',
      'select rejected: aborted',
      'select rejected: closed',
      'select parked at quiescence',
      // (A select parked with a push and a pull case on one channel is reached about 7 times
      // in 1,000 runs here: too rare to require; the same-turn property below parks one always.)
    ];
    expect(situations.filter((situation) => !coverage.has(situation))).toEqual([]);
  }, 60_000);
});

/** Pipelines of merges and broadcasts, each channel of them usable as a select case. */
type Topology = 'merge(a, a, b)' | 'broadcast(merge(a, b))' | 'merge(a, broadcast(b))' | 'merge(merge(a))';

describe('selects over pipelines: a channel merged twice, a broadcast of a merge, a merge of a broadcast subscriber, a merge of a merge (property)', () => {
  test('every value comes out once, in order per producer, whatever channel of the pipeline it was pushed into or pulled from', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Topology>(
          'merge(a, a, b)',
          'broadcast(merge(a, b))',
          'merge(a, broadcast(b))',
          'merge(merge(a))',
        ),
        channelConfigArb,
        channelConfigArb,
        channelConfigArb.filter((config) => config.capacity !== Infinity),
        fc.scheduler(),
        fc.array(fc.array(opArb(4, { select: 6, selectNowait: 2, push: 4, pull: 4 }), { minLength: 1, maxLength: 8 }), {
          minLength: 2,
          maxLength: 4,
        }),
        async (topology, configA, configB, configS, s, tasks) => {
          const a = channelOf(configA, 'a');
          const b = channelOf(configB, 'b');
          const dropA = configA.overflow !== 'block';
          const dropB = configB.overflow !== 'block';
          const dropS = configS.overflow !== 'block';
          let setup: Parameters<typeof runProgram>[0];
          if (topology === 'merge(a, a, b)') {
            const m = merge(a, a, b);
            setup = {
              channels: [a, b, m],
              droppable: [dropA, dropB, false],
              pullSlack: [2, 1, 0],
              sizeSlack: [0, 0, 1],
              checkSize: false,
              closeAll: () => {
                a.close();
                b.close();
                m.close();
              },
            };
          } else if (topology === 'broadcast(merge(a, b))') {
            const m = merge(a, b);
            const subscriber = broadcast(m).subscribe(configS);
            setup = {
              channels: [a, b, m, subscriber],
              droppable: [dropA || dropS, dropB || dropS, dropS, dropS],
              pullSlack: [1, 1, 1, 0],
              broadcastSource: [false, false, true, false],
              sizeSlack: [0, 0, 1, 1],
              checkSize: false,
              closeAll: () => {
                a.close();
                b.close();
                m.close();
                subscriber.close();
              },
            };
          } else if (topology === 'merge(a, broadcast(b))') {
            // One subscriber: the broadcast is a pass-through, so exactly-once still holds.
            const subscriber = broadcast(b).subscribe(configS);
            const m = merge(a, subscriber);
            setup = {
              channels: [a, b, subscriber, m],
              droppable: [dropA, dropB || dropS, dropS, false],
              // The merge waits on a and on the subscriber, the broadcast on b.
              pullSlack: [1, 1, 1, 0],
              broadcastSource: [false, true, false, false],
              // The broadcast and the merge may store one value beyond capacity (README).
              sizeSlack: [0, 0, 1, 1],
              checkSize: false,
              closeAll: () => {
                a.close();
                b.close();
                subscriber.close();
                m.close();
              },
            };
          } else {
            const inner = merge(a);
            const outer = merge(inner);
            setup = {
              channels: [a, inner, outer],
              droppable: [dropA, false, false],
              pullSlack: [1, 1, 0],
              sizeSlack: [0, 1, 1],
              checkSize: false,
              closeAll: () => {
                a.close();
                inner.close();
                outer.close();
              },
            };
          }
          const problems = await runProgram(setup, fold(tasks, setup.channels.length), s);
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 1200 },
    );
  }, 60_000);
});

describe('found by the pipeline property', () => {
  test('a full merged channel whose inputs all closed and drained reports closed in stats() as its closed getter does', async () => {
    const a = new Channel<number>(0, { name: 'a' });
    const inner = merge(a);
    const outer = merge(inner);
    await a.pushAll([1]); // a → inner → outer, which is now full and waits on nobody
    a.close(); // inner closes; outer, full, learns it only when it looks
    const stats = outer.stats();
    expect(stats.closed).toBe(true);
    expect(outer.closed).toBe(true);
    expect(JSON.parse(JSON.stringify(outer)).closed).toBe(true);
    // What it holds stays readable.
    expect(stats.size).toBe(1);
    expect(outer.pullNowait()).toBe(1);
  });
});

/** The case layouts of the parked select: over x, y, z (all unbuffered) and m = merge(x, y). */
type Layout = 'pull x, push y' | 'push x, pull x' | 'pull x twice' | 'pull m, push z';
type Name = 'x' | 'y' | 'z';
type Action =
  | { readonly do: 'abort' }
  | { readonly do: 'close' | 'tryPush' | 'tryPull'; readonly ch: Name }
  | { readonly do: 'closeWithReason'; readonly ch: Name };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Action>({ do: 'abort' }) },
  {
    weight: 6,
    arbitrary: fc.record({
      do: fc.constantFrom('close' as const, 'closeWithReason' as const, 'tryPush' as const, 'tryPull' as const),
      ch: fc.constantFrom<Name>('x', 'y', 'z'),
    }),
  },
);

/** What the parked select must end with. */
type Expected =
  | { readonly resolved: { readonly index: number | 'either'; readonly ok: boolean; readonly value?: number } }
  | { readonly rejected: 'reason' | 'closed' }
  | 'pending';

/**
 * The first action that can settle the select decides (every commit, close and abort is
 * synchronous; they are only queued as microtasks); with `listener`, the abort listener of the
 * test runs that action during the abort's dispatch, before the library's: the abort still wins.
 */
function expectedOutcome(layout: Layout, actions: readonly Action[], values: readonly number[]): Expected {
  const closed = new Set<Name>();
  for (const [i, action] of actions.entries()) {
    if (action.do === 'abort') return { rejected: 'reason' };
    const ch = action.ch;
    if (action.do === 'close' || action.do === 'closeWithReason') {
      if (closed.has(ch)) continue;
      closed.add(ch);
      switch (layout) {
        case 'pull x, push y':
          if (ch === 'x') return { resolved: { index: 0, ok: false } };
          if (ch === 'y') return { rejected: 'closed' };
          break;
        case 'push x, pull x':
          if (ch === 'x') return { rejected: 'closed' }; // close fails pushes first
          break;
        case 'pull x twice':
          if (ch === 'x') return { resolved: { index: 'either', ok: false } };
          break;
        case 'pull m, push z':
          if (ch === 'z') return { rejected: 'closed' };
          // m closes once both inputs are closed (and drained: nothing was ever buffered) —
          // at once when one of them is closed with a reason.
          if (action.do === 'closeWithReason' || (closed.has('x') && closed.has('y'))) {
            return { resolved: { index: 0, ok: false } };
          }
          break;
      }
      continue;
    }
    if (closed.has(ch)) continue;
    const value = values[i]!;
    switch (layout) {
      case 'pull x, push y':
        if (action.do === 'tryPush' && ch === 'x') return { resolved: { index: 0, ok: true, value } };
        if (action.do === 'tryPull' && ch === 'y') return { resolved: { index: 1, ok: true } };
        break;
      case 'push x, pull x':
        if (action.do === 'tryPush' && ch === 'x') return { resolved: { index: 1, ok: true, value } };
        if (action.do === 'tryPull' && ch === 'x') return { resolved: { index: 0, ok: true } };
        break;
      case 'pull x twice':
        if (action.do === 'tryPush' && ch === 'x') return { resolved: { index: 'either', ok: true, value } };
        break;
      case 'pull m, push z':
        if (action.do === 'tryPush' && ch !== 'z') return { resolved: { index: 0, ok: true, value } };
        if (action.do === 'tryPull' && ch === 'z') return { resolved: { index: 1, ok: true } };
        break;
    }
  }
  return 'pending';
}

describe('a parked select whose abort, closes and commits land in one turn (property)', () => {
  test('the first of them decides, the others find nothing parked, and every value committed is delivered once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Layout>('pull x, push y', 'push x, pull x', 'pull x twice', 'pull m, push z'),
        fc.array(actionArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (layout, actions, inListener, queued) => {
          const x = new Channel<number>(0, { name: 'x' });
          const y = new Channel<number>(0, { name: 'y' });
          const z = new Channel<number>(0, { name: 'z' });
          // Only the merge layout merges x and y (a merge waits on its inputs: they would not be empty).
          const m = layout === 'pull m, push z' ? merge(x, y) : new Channel<number>(1, { name: 'unused' });
          const byName = { x, y, z };
          const controller = new AbortController();
          const reason = new Error('abort');
          const values = actions.map((_, i) => 100 + i);
          const cases: SelectCase[] =
            layout === 'pull x, push y'
              ? [pull(x), push(y, 7)]
              : layout === 'push x, pull x'
                ? [push(x, 7), pull(x)]
                : layout === 'pull x twice'
                  ? [pull(x), pull(x)]
                  : [pull(m), push(z, 7)];
          const committed: number[] = [];
          const pulled: number[] = [];
          // With `inListener`, the first action runs inside an abort listener registered before
          // the select parks (so it runs before the library's), and the abort comes first in
          // the list: the select is aborted from the first listener on, whatever that does.
          let list = actions;
          if (inListener) {
            const first = actions[0]!;
            list = [{ do: 'abort' }, ...actions.slice(1)];
            controller.signal.addEventListener('abort', () => run(first, 0), { once: true });
          }
          // Counts the library's listeners only (the test's own is registered already).
          const listeners = countListeners(controller.signal);
          let outcome = 'pending' as { resolved: SelectResult } | { rejected: unknown } | 'pending';
          select(cases, { signal: controller.signal }).then(
            (result) => {
              outcome = { resolved: result };
            },
            (error: unknown) => {
              outcome = { rejected: error };
            },
          );
          function run(action: Action, i: number): void {
            switch (action.do) {
              case 'abort':
                controller.abort(reason);
                return;
              case 'close':
                byName[action.ch].close();
                return;
              case 'closeWithReason':
                byName[action.ch].close(new Error(`closed ${action.ch}`));
                return;
              case 'tryPush':
                if (byName[action.ch].tryPush(values[i]!)) committed.push(values[i]!);
                return;
              case 'tryPull': {
                const value = byName[action.ch].tryPull();
                if (value !== undefined) pulled.push(value);
                return;
              }
            }
          }
          for (const [i, action] of list.entries()) {
            if (queued) queueMicrotask(() => run(action, i));
            else run(action, i);
          }
          await flush(10);
          const expected = expectedOutcome(layout, list, values);
          if (expected === 'pending') expect(outcome).toBe('pending');
          else if ('rejected' in expected) {
            expect(outcome).toHaveProperty('rejected');
            const error = (outcome as { rejected: unknown }).rejected;
            if (expected.rejected === 'reason') expect(error).toBe(reason);
            else expect(error).toBeInstanceOf(ChannelClosedError);
          } else {
            expect(outcome).toHaveProperty('resolved');
            const result = (outcome as { resolved: SelectResult }).resolved;
            const want = expected.resolved;
            if (want.index === 'either') expect([0, 1]).toContain(result.index);
            else expect(result.index).toBe(want.index);
            expect(result.ok).toBe(want.ok);
            if (want.value !== undefined) expect(result.value).toBe(want.value);
            if (result.ok && cases[result.index]!.kind === 'push') expect(pulled).toEqual([7]);
          }
          // Conservation: each value a tryPush committed is the select's or still in x, y or m.
          const won = (outcome as { resolved?: SelectResult }).resolved;
          const delivered = won?.ok && cases[won.index]!.kind === 'pull' ? [won.value as number] : [];
          x.close();
          y.close();
          z.close();
          m.close();
          for (const channel of [x, y, m]) {
            for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) delivered.push(value);
          }
          await flush(10);
          expect(delivered.sort()).toEqual(committed.sort());
          if (won === undefined || cases[won.index]!.kind === 'pull') expect(pulled).toEqual([]);
          expect(outcome).not.toBe('pending');
          for (const channel of [x, y, z, m]) {
            expect([channel.stats().waitingPushers, channel.stats().waitingPullers]).toEqual([0, 0]);
          }
          expect(listeners.live).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
