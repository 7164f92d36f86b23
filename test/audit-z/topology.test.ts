/**
 * Audit Z: a property test over relay topologies — merge, nested merges, `from(channel)`
 * chains, a `from` of a merge, a broadcast whose subscribers are merged — driven by random
 * pushes (awaited or not, some with a signal), pulls from the output (pull, pullMany, tryPull,
 * selectNowait, select against a side channel, with aborts), and input closes. At the end every
 * input is closed and the output drained. Checks: every value committed into an input comes out
 * exactly once (twice for a two-subscriber broadcast), each input's values in order, pushes that
 * failed delivered nothing, every operation settled, nothing left parked anywhere.
 */

import {
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  pull,
  select,
  selectNowait,
  toReadableStream,
} from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Topology =
  | 'merge'
  | 'merge-of-from'
  | 'from-of-merge'
  | 'nested-merge'
  | 'broadcast-merge'
  | 'from-chain'
  | 'stream'
  | 'stream-ahead'
  | 'shared-input';
type Op =
  | { t: 'push'; input: number; signal: boolean; awaited: boolean }
  | { t: 'tryPush'; input: number }
  | { t: 'pull'; signal: boolean }
  | { t: 'pullMany'; max: number }
  | { t: 'tryPull' }
  | { t: 'selectNowait' }
  | { t: 'select'; sideValue: boolean }
  | { t: 'abort' }
  | { t: 'close'; input: number }
  | { t: 'tick' };

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
};

function build(
  topology: Topology,
  inputs: Channel<number>[],
): { output: Channel<number>; relays: Channel<number>[]; copies: number; ordered?: false } {
  const [a, b, c] = inputs as [Channel<number>, Channel<number>, Channel<number>];
  switch (topology) {
    case 'merge': {
      const m = merge(a, b, c);
      return { output: m, relays: [], copies: 1 };
    }
    case 'merge-of-from': {
      const fa = from(a);
      const fb = from(b, { capacity: 2 });
      return { output: merge(fa, fb, c), relays: [fa, fb], copies: 1 };
    }
    case 'from-of-merge': {
      const fb = from(b);
      const m = merge(a, fb, c);
      return { output: from(m, { capacity: 1 }), relays: [fb, m], copies: 1 };
    }
    case 'nested-merge': {
      const ab = merge(a, b);
      return { output: merge(ab, c), relays: [ab], copies: 1 };
    }
    case 'broadcast-merge': {
      // Every input merged first, then broadcast to two subscribers that are merged again.
      const m = merge(a, b, c);
      const hub = broadcast(m);
      const s1 = hub.subscribe({ capacity: 1 });
      const s2 = hub.subscribe({ capacity: 2 });
      return { output: merge(s1, s2), relays: [m, s1, s2], copies: 2 };
    }
    case 'stream': {
      // Through a web stream and back: from(toReadableStream(merge)).
      const m = merge(a, b, c);
      return { output: from(toReadableStream(m)), relays: [m], copies: 1 };
    }
    case 'stream-ahead': {
      // The stream pulls two ahead; `from` buffers one.
      const m = merge(a, b, c);
      return { output: from(toReadableStream(m, { highWaterMark: 2 }), { capacity: 1 }), relays: [m], copies: 1 };
    }
    case 'shared-input': {
      // One input read by two merges, one inside the other: exactly once, but two consumers of
      // one channel keep no order between them.
      const ab = merge(a, b);
      const fc = from(c, { capacity: 1 });
      return { output: merge(ab, a, fc, c), relays: [ab, fc], copies: 1, ordered: false };
    }
    case 'from-chain': {
      const m = merge(a, b, c);
      const f1 = from(m, { capacity: 2 });
      const f2 = from(f1);
      return { output: from(f2, { capacity: 1 }), relays: [m, f1, f2], copies: 1 };
    }
  }
}

async function run(topology: Topology, capacities: number[], ops: Op[]): Promise<void> {
  const inputs = capacities.map((capacity, i) => new Channel<number>(capacity, { name: `in${i}` }));
  const { output, relays, copies, ordered } = build(topology, inputs);
  const side = new Channel<number>(1, { name: 'side' });
  let controller = new AbortController();
  let next = 1;
  const inputOf = new Map<number, number>();
  const committed: number[] = [];
  const notDelivered = new Set<number>();
  const received: number[] = [];
  const pending: Promise<unknown>[] = [];
  const closed = new Set<number>();

  const pushTo = (input: number, withSignal: boolean): Promise<void> => {
    const value = next++;
    inputOf.set(value, input);
    const channel = inputs[input] as Channel<number>;
    const promise = channel.push(value, withSignal ? { signal: controller.signal } : undefined).then(
      () => {
        committed.push(value);
      },
      (error: unknown) => {
        notDelivered.add(value);
        if (!(error instanceof ChannelClosedError) && error !== 'aborted') throw error;
      },
    );
    pending.push(promise);
    return promise;
  };
  const got = (value: number) => {
    received.push(value);
  };

  for (const op of ops) {
    // Values already committed to a pending pull are recorded by a reaction a microtask or two
    // later; a synchronous take records at once. Let those reactions run first, so that
    // `received` is in commit order.
    if (op.t === 'tryPull' || op.t === 'selectNowait') for (let i = 0; i < 10; i++) await Promise.resolve();
    switch (op.t) {
      case 'push': {
        const promise = pushTo(op.input, op.signal);
        if (op.awaited) await Promise.race([promise, settle()]);
        break;
      }
      case 'tryPush': {
        const value = next++;
        inputOf.set(value, op.input);
        if ((inputs[op.input] as Channel<number>).tryPush(value)) committed.push(value);
        else notDelivered.add(value);
        break;
      }
      case 'pull':
        pending.push(
          output.pull(op.signal ? { signal: controller.signal } : undefined).then(got, (error: unknown) => {
            if (!(error instanceof ChannelClosedError) && error !== 'aborted') throw error;
          }),
        );
        break;
      case 'pullMany':
        pending.push(
          output.pullMany(op.max, { signal: controller.signal }).then(
            (values) => {
              for (const v of values) got(v);
            },
            (error: unknown) => {
              if (!(error instanceof ChannelClosedError) && error !== 'aborted') throw error;
            },
          ),
        );
        break;
      case 'tryPull': {
        const v = output.tryPull();
        if (v !== undefined) got(v);
        break;
      }
      case 'selectNowait': {
        const r = selectNowait([pull(output), pull(side)]);
        if (r?.ok && r.channel === output) got(r.value as number);
        break;
      }
      case 'select': {
        if (op.sideValue) side.tryPush(-1);
        pending.push(
          select([pull(output), pull(side)], { signal: controller.signal }).then(
            (r) => {
              if (r.ok && r.channel === output) got(r.value as number);
            },
            (error: unknown) => {
              if (error !== 'aborted') throw error;
            },
          ),
        );
        break;
      }
      case 'abort':
        controller.abort('aborted');
        controller = new AbortController();
        break;
      case 'close':
        (inputs[op.input] as Channel<number>).close();
        closed.add(op.input);
        break;
      case 'tick':
        await settle();
        break;
    }
  }
  // The end: close every input, then drain the output.
  await settle();
  for (const input of inputs) input.close();
  await settle();
  for await (const v of output) got(v);
  await Promise.all(pending);
  await settle();

  // Exactly once (per copy), nothing that was refused, each input in order.
  const counts = new Map<number, number>();
  for (const v of received) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const v of committed) expect(counts.get(v), `value ${v} (${topology})`).toBe(copies);
  for (const v of notDelivered) expect(counts.has(v), `refused value ${v} came out (${topology})`).toBe(false);
  expect(received.length).toBe(committed.length * copies);
  for (const [input] of inputs.entries()) {
    const mine = received.filter((v) => inputOf.get(v) === input);
    if (copies === 1 && ordered !== false) expect(mine, `order of in${input}`).toEqual([...mine].sort((x, y) => x - y));
  }
  for (const channel of [...inputs, ...relays, output]) {
    const stats = channel.stats();
    expect([channel.name, stats.closed, stats.waitingPushers, stats.waitingPullers], topology).toEqual([
      channel.name,
      true,
      0,
      0,
    ]);
  }
}

const opArb = (n: number): fc.Arbitrary<Op> => {
  const input = fc.integer({ min: 0, max: n - 1 });
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ t: fc.constant('push' as const), input, signal: fc.boolean(), awaited: fc.boolean() }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('tryPush' as const), input }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('pull' as const), signal: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.constant({ t: 'tryPull' as const }) },
    { weight: 1, arbitrary: fc.constant({ t: 'selectNowait' as const }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('select' as const), sideValue: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ t: 'abort' as const }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('close' as const), input }) },
    { weight: 2, arbitrary: fc.constant({ t: 'tick' as const }) },
  );
};

describe('audit Z: relay topologies against exactly-once accounting', () => {
  it.each<Topology>([
    'merge',
    'merge-of-from',
    'from-of-merge',
    'nested-merge',
    'broadcast-merge',
    'from-chain',
    'stream',
    'stream-ahead',
    'shared-input',
  ])(
    '%s',
    async (topology) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(0, 1, 3), { minLength: 3, maxLength: 3 }),
          fc.array(opArb(3), { minLength: 5, maxLength: 40 }),
          async (capacities, ops) => {
            await run(topology, capacities, ops);
          },
        ),
        { numRuns: 60, seed: 0x5eed, endOnFailure: true },
      );
    },
    60_000,
  );
});
