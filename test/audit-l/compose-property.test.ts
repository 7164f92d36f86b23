/**
 * Audit L: a property over random compositions and random consumer programs. Leaves are plain
 * channels fed by producers (push, tryPush retries, pushAll, select push cases) that then close,
 * `from(array)`, `from(async generator)` and blocking `fromEvent` channels; nodes
 * are `merge`, a `broadcast` subscriber (sometimes with a second subscriber drained alongside),
 * `from(toReadableStream(child))` and `from(child)`. The consumer mixes every pull-side
 * operation. Model: every value reaches the root exactly once, in order per leaf (an extra
 * subscriber: each value once, a suffix of each leaf's values), and at the end nothing is
 * parked anywhere.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  toReadableStream,
} from '../../src/index.js';

type Tree =
  | {
      kind: 'leaf';
      capacity: number;
      count: number;
      producer: 'push' | 'nowait' | 'all' | 'select' | 'fromArray' | 'fromAsync' | 'event';
    }
  | { kind: 'merge'; children: Tree[] }
  | { kind: 'sub'; child: Tree; capacity: number; extra: number | null }
  | { kind: 'stream'; child: Tree; capacity: number; highWaterMark: number }
  | { kind: 'iter'; child: Tree; capacity: number };

const leaf = fc.record({
  kind: fc.constant('leaf' as const),
  capacity: fc.constantFrom(0, 1, 2, Infinity),
  count: fc.integer({ min: 0, max: 6 }),
  producer: fc.constantFrom(
    'push' as const,
    'nowait' as const,
    'all' as const,
    'select' as const,
    'fromArray' as const,
    'fromAsync' as const,
    'event' as const,
  ),
});

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constant('merge' as const), children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
    fc.record({
      kind: fc.constant('sub' as const),
      child: tie('tree'),
      capacity: fc.integer({ min: 0, max: 3 }),
      extra: fc.option(fc.integer({ min: 0, max: 3 })),
    }),
    fc.record({
      kind: fc.constant('stream' as const),
      child: tie('tree'),
      capacity: fc.integer({ min: 0, max: 2 }),
      highWaterMark: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({ kind: fc.constant('iter' as const), child: tie('tree'), capacity: fc.integer({ min: 0, max: 2 }) }),
  ),
})).tree;

type Op =
  | { op: 'pull' }
  | { op: 'pullMany'; max: number }
  | { op: 'tryPull' }
  | { op: 'pullNowait' }
  | { op: 'select1' }
  | { op: 'select2' }
  | { op: 'selectNowait' }
  | { op: 'iterate'; n: number }
  | { op: 'abortPull'; when: 0 | 1 | 2 }
  | { op: 'sleep' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ op: 'pull' as const }),
  fc.record({ op: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 4 }) }),
  fc.constant({ op: 'tryPull' as const }),
  fc.constant({ op: 'pullNowait' as const }),
  fc.constant({ op: 'select1' as const }),
  fc.constant({ op: 'select2' as const }),
  fc.constant({ op: 'selectNowait' as const }),
  fc.record({ op: fc.constant('iterate' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('abortPull' as const), when: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  fc.constant({ op: 'sleep' as const }),
);

const sleep = () => new Promise((resolve) => setTimeout(resolve, 0));
/** A value as the model sees it: an event's `detail`, or the value itself. */
const norm = (v: unknown) => (v instanceof Event ? (v as CustomEvent<number>).detail : v) as number;
/** A channel nothing is ever pushed into: a select case that never fires. */
const never = new Channel<number>();

interface Built {
  channel: Channel<number>;
  leaves: { channel: Channel<number>; values: number[]; run: () => Promise<void> }[];
  extras: { channel: Channel<number>; values: number[] }[];
  all: Channel<number>[];
}

function build(t: Tree, counter: { next: number }, out: Built): Channel<number> {
  switch (t.kind) {
    case 'leaf': {
      const values = Array.from({ length: t.count }, () => counter.next++);
      const capacity = t.capacity === Infinity ? 3 : t.capacity;
      if (t.producer === 'fromArray' || t.producer === 'fromAsync') {
        async function* slow() {
          for (const v of values) {
            await sleep();
            yield v;
          }
        }
        const channel = from(t.producer === 'fromArray' ? values : slow(), { capacity });
        out.leaves.push({ channel, values, run: async () => {} });
        out.all.push(channel);
        return channel;
      }
      if (t.producer === 'event') {
        // Events carry the value as `detail`; the checks read values through `norm`.
        const target = new EventTarget();
        const channel = fromEvent(target, 'v', {
          capacity: t.capacity,
          overflow: 'block',
        }) as unknown as Channel<number>;
        const run = async () => {
          for (const v of values) target.dispatchEvent(new CustomEvent('v', { detail: v }));
          // closing fails the events still waiting as parked pushes (README): let them in first
          while (channel.stats().waitingPushers > 0) await sleep();
          channel.close();
        };
        out.leaves.push({ channel, values, run });
        out.all.push(channel);
        return channel;
      }
      const channel = new Channel<number>(t.capacity);
      const run = async () => {
        if (t.producer === 'all') await channel.pushAll(values);
        else if (t.producer === 'select')
          for (const v of values) {
            const r = await select([null, pull(never), push(channel, v)]);
            expect(r.index).toBe(2);
          }
        else
          for (const v of values) {
            if (t.producer === 'push') await channel.push(v);
            else while (!channel.tryPush(v)) await sleep();
          }
        channel.close();
      };
      out.leaves.push({ channel, values, run });
      out.all.push(channel);
      return channel;
    }
    case 'merge': {
      const channel = merge(...t.children.map((c) => build(c, counter, out)));
      out.all.push(channel);
      return channel;
    }
    case 'sub': {
      const hub = broadcast(build(t.child, counter, out));
      const channel = hub.subscribe({ capacity: t.capacity });
      if (t.extra !== null) {
        const extra = hub.subscribe({ capacity: t.extra });
        out.extras.push({ channel: extra, values: [] });
        out.all.push(extra);
      }
      out.all.push(channel);
      return channel;
    }
    case 'stream': {
      const channel = from(toReadableStream(build(t.child, counter, out), { highWaterMark: t.highWaterMark }), {
        capacity: t.capacity,
      });
      out.all.push(channel);
      return channel;
    }
    case 'iter': {
      const channel = from(build(t.child, counter, out), { capacity: t.capacity });
      out.all.push(channel);
      return channel;
    }
  }
}

/** The leaves under an extra subscriber's broadcast: its expected values. */
function leafValuesUnder(t: Tree, start: { next: number }): number[] {
  switch (t.kind) {
    case 'leaf': {
      const values = Array.from({ length: t.count }, () => start.next++);
      return values;
    }
    case 'merge':
      return t.children.flatMap((c) => leafValuesUnder(c, start));
    default:
      return leafValuesUnder(t.child, start);
  }
}

function expectedExtras(t: Tree, counter: { next: number }, out: number[][]): void {
  switch (t.kind) {
    case 'leaf':
      counter.next += t.count;
      return;
    case 'merge':
      for (const c of t.children) expectedExtras(c, counter, out);
      return;
    case 'sub': {
      const before = counter.next;
      expectedExtras(t.child, counter, out);
      if (t.extra !== null) {
        const values = leafValuesUnder(t.child, { next: before });
        out.push(values);
      }
      return;
    }
    default:
      expectedExtras(t.child, counter, out);
  }
}

async function consume(root: Channel<number>, ops: Op[], got: number[]): Promise<void> {
  let i = 0;
  for (let guard = 0; guard < 5000; guard++) {
    const o = ops[i++ % ops.length] as Op;
    try {
      switch (o.op) {
        case 'pull':
          got.push(await root.pull());
          break;
        case 'pullMany':
          got.push(...(await root.pullMany(o.max)));
          break;
        case 'tryPull': {
          const v = root.tryPull();
          if (v !== undefined) got.push(v);
          else await sleep();
          break;
        }
        case 'pullNowait':
          try {
            got.push(root.pullNowait());
          } catch (error) {
            if (!(error instanceof ChannelEmptyError)) throw error;
            await sleep();
          }
          break;
        case 'select1': {
          const r = await select([pull(root)]);
          if (!r.ok) return;
          got.push(r.value);
          break;
        }
        case 'select2': {
          const r = await select([pull(root), null, pull(root)]);
          if (!r.ok) return;
          got.push(r.value as number);
          break;
        }
        case 'selectNowait': {
          const r = selectNowait([pull(root)]);
          if (r === undefined) await sleep();
          else if (!r.ok) return;
          else got.push(r.value);
          break;
        }
        case 'iterate': {
          let n = 0;
          for await (const v of root) {
            got.push(v);
            if (++n >= o.n) break;
          }
          if (n < o.n) return;
          break;
        }
        case 'abortPull': {
          const controller = new AbortController();
          const reason = new Error('abort');
          const pending = root.pull({ signal: controller.signal });
          pending.catch(() => {}); // handled below, maybe a turn later
          if (o.when === 1) await Promise.resolve();
          if (o.when === 2) await sleep();
          controller.abort(reason);
          try {
            got.push(await pending);
          } catch (error) {
            if (error !== reason) throw error;
          }
          break;
        }
        case 'sleep':
          await sleep();
          break;
      }
    } catch (error) {
      if (error instanceof ChannelClosedError && root.closed) return;
      throw error;
    }
    if (root.closed && root.empty) {
      // drained: one more pull must reject
      await expect(root.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      return;
    }
  }
  throw new Error(`consumer did not finish: got ${got.length}`);
}

test('random compositions and consumer programs: every value once, FIFO per leaf, nothing left parked', async () => {
  await fc.assert(
    // A program of only non-blocking ops could poll an unbuffered subscriber or `from` forever:
    // they offer a value only to a waiting pull (README). One blocking op per program.
    fc.asyncProperty(tree, fc.array(op, { minLength: 0, maxLength: 7 }), async (t, rest) => {
      const ops: Op[] = [...rest, { op: 'pull' }];
      const built: Built = { channel: undefined as never, leaves: [], extras: [], all: [] };
      const root = build(t, { next: 0 }, built);
      const extrasExpected: number[][] = [];
      expectedExtras(t, { next: 0 }, extrasExpected);
      const got: number[] = [];
      const extraRuns = built.extras.map(async (e) => {
        for await (const v of e.channel) e.values.push(v);
      });
      const producers = built.leaves.map((l) => l.run());
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`hang: got ${JSON.stringify(got)}`)), 5000),
      );
      await Promise.race([Promise.all([consume(root, ops, got), ...producers, ...extraRuns]), timeout]);
      got.splice(0, got.length, ...got.map(norm));
      for (const e of built.extras) e.values.splice(0, e.values.length, ...e.values.map(norm));
      const expected = built.leaves.flatMap((l) => l.values);
      expect([...got].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
      for (const l of built.leaves) expect(got.filter((v) => l.values.includes(v))).toEqual(l.values);
      // Extras were built in the same post-order as expectedExtras. An extra subscriber gets
      // every value pulled after it subscribed: a value its source held already went to the
      // root's subscriber, made first (README: subscribe() starts taking values at once). So
      // per leaf, an extra receives a suffix of that leaf's values, each once.
      expect(built.extras).toHaveLength(extrasExpected.length);
      built.extras.forEach((e, i) => {
        const under = extrasExpected[i] as number[];
        expect(new Set(e.values).size).toBe(e.values.length);
        for (const v of e.values) expect(under).toContain(v);
        for (const l of built.leaves) {
          const mine = e.values.filter((v) => l.values.includes(v));
          expect(mine).toEqual(l.values.slice(l.values.length - mine.length));
        }
      });
      await sleep();
      for (const c of built.all) {
        const s = c.stats();
        expect([s.name, s.waitingPushers, s.waitingPullers]).toEqual([s.name, 0, 0]);
      }
    }),
    { numRuns: 150 },
  );
}, 120_000);
