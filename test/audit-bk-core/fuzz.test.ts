/**
 * Audit BK-core: seeded random programs over one channel — pushes, pulls, nowait and try calls,
 * batches, an iterator, aborts, close — checked for what SPEC promises whatever the interleaving:
 * no value lost, duplicated or delivered by a rejected push; single pushes come out in the order
 * they were called; every parked operation settles once the channel is closed; `stats()` and the
 * getters agree with each other at every step.
 */
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { seededRandom } from '../helpers/random.js';
import { flush } from '../helpers/track.js';

type Overflow = 'block' | 'drop-oldest' | 'drop-newest';

interface Run {
  received: number[];
  /** Values taken by the driver's own synchronous calls, in commit order. */
  syncOrder: number[];
  committed: Set<number>;
  refused: Set<number>;
  /** Single pushes (push / pushNowait / tryPush) in call order. */
  singles: number[];
  pending: number;
  violations: string[];
}

/**
 * Records how a `pushAll` of `values` settled: all committed, or — `rejected` with `error` — the
 * first `pushed` committed and the rest refused. A primitive abort reason carries no count: the
 * values are then checked against what arrived (`-1 - v` marks them as unknown).
 */
function settledAll(run: Run, values: number[], rejected?: { error: unknown }): void {
  if (!rejected) {
    for (const v of values) run.committed.add(v);
    return;
  }
  const { error } = rejected;
  const pushed = typeof error === 'object' && error !== null ? (error as { pushed?: number }).pushed : undefined;
  if (typeof pushed !== 'number') {
    for (const v of values) run.refused.add(-1 - v);
    return;
  }
  values.forEach((v, i) => {
    if (i < pushed) run.committed.add(v);
    else run.refused.add(v);
  });
}

function checkState(ch: Channel<number>, capacity: number, run: Run, step: number): void {
  const s = ch.stats();
  const fail = (what: string) => run.violations.push(`step ${step}: ${what} ${JSON.stringify(s)}`);
  if (s.size !== ch.size) fail('stats.size != size');
  if (s.closed !== ch.closed) fail('stats.closed != closed');
  if (ch.empty !== (ch.size === 0)) fail('empty');
  if (ch.full !== ch.size >= capacity) fail('full');
  if (s.size > capacity) fail('size > capacity');
  if (capacity === 0 && s.size !== 0) fail('unbuffered size');
  if (s.waitingPullers > 0 && (s.size > 0 || s.waitingPushers > 0)) fail('pullers beside values');
  if (s.waitingPushers > 0 && s.size < capacity) fail('pushers beside room');
  if (ch.closed && (s.waitingPushers > 0 || s.waitingPullers > 0)) fail('waiters on a closed channel');
}

async function program(seed: number, capacity: number, overflow: Overflow, reentrant = false): Promise<Run> {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const ch = new Channel<number>(capacity, { overflow, name: `fuzz-${seed}` });
  const run: Run = {
    received: [],
    syncOrder: [],
    committed: new Set(),
    refused: new Set(),
    singles: [],
    pending: 0,
    violations: [],
  };
  const controllers: AbortController[] = [];
  const signal = () => {
    if (random() < 0.5) return undefined;
    const controller = new AbortController();
    controllers.push(controller);
    return { signal: controller.signal };
  };
  let next = 0;
  const watch = (promise: Promise<unknown>, onValue: (value: unknown) => void, onError: (e: unknown) => void) => {
    run.pending++;
    promise.then(
      (value) => {
        run.pending--;
        onValue(value);
      },
      (error: unknown) => {
        run.pending--;
        onError(error);
      },
    );
  };
  const take = (value: number) => run.received.push(value);
  const iterator = ch[Symbol.asyncIterator]();
  const steps = 120;
  for (let step = 0; step < steps; step++) {
    const op = pick(reentrant ? 16 : 14);
    if (op === 0 || op === 1) {
      const v = next++;
      run.singles.push(v);
      watch(
        ch.push(v, signal()),
        () => run.committed.add(v),
        () => run.refused.add(v),
      );
    } else if (op === 2) {
      const v = next++;
      run.singles.push(v);
      try {
        ch.pushNowait(v);
        run.committed.add(v);
      } catch (error) {
        if (!(error instanceof ChannelFullError || error instanceof ChannelClosedError))
          run.violations.push(`pushNowait threw ${String(error)}`);
        run.refused.add(v);
      }
    } else if (op === 3) {
      const v = next++;
      run.singles.push(v);
      if (ch.tryPush(v)) run.committed.add(v);
      else run.refused.add(v);
    } else if (op === 4) {
      const values = Array.from({ length: 1 + pick(4) }, () => next++);
      watch(
        ch.pushAll(values, signal()),
        () => settledAll(run, values),
        (error) => settledAll(run, values, { error }),
      );
    } else if (op === 5 || op === 6) {
      watch(
        ch.pull(signal()),
        (v) => take(v as number),
        () => {},
      );
    } else if (op === 7) {
      try {
        const v = ch.pullNowait();
        take(v);
        run.syncOrder.push(v);
      } catch (error) {
        if (!(error instanceof ChannelEmptyError || error instanceof ChannelClosedError))
          run.violations.push(`pullNowait threw ${String(error)}`);
      }
    } else if (op === 8) {
      const v = ch.tryPull();
      if (v !== undefined) {
        take(v);
        run.syncOrder.push(v);
      }
    } else if (op === 9) {
      watch(
        ch.pullMany(1 + pick(4), signal()),
        (vs) => {
          for (const v of vs as number[]) take(v);
        },
        () => {},
      );
    } else if (op === 10) {
      watch(
        iterator.next(),
        (r) => {
          const result = r as IteratorResult<number>;
          if (!result.done) take(result.value);
        },
        () => {},
      );
    } else if (op === 11) {
      if (random() < 0.3) void iterator.return?.();
      else if (controllers.length) controllers[pick(controllers.length)]?.abort(random() < 0.5 ? 'r' : new Error('r'));
    } else if (op === 12) {
      await flush(1 + pick(4));
    } else if (op === 13 && random() < 0.08) {
      ch.close(random() < 0.5 ? undefined : new Error('closed'));
    } else if (op === 14) {
      // a pushAll whose generator, between two values, takes or offers a value itself
      const values: number[] = [];
      const count = 1 + pick(4);
      const generator = function* () {
        for (let i = 0; i < count; i++) {
          if (random() < 0.4) {
            const v = ch.tryPull();
            if (v !== undefined) {
              take(v);
              run.syncOrder.push(v);
            }
          } else if (random() < 0.3) {
            const v = next++;
            run.singles.push(v);
            if (ch.tryPush(v)) run.committed.add(v);
            else run.refused.add(v);
          }
          const v = next++;
          values.push(v);
          yield v;
        }
      };
      watch(
        ch.pushAll(generator(), signal()),
        () => settledAll(run, values),
        (error) => settledAll(run, values, { error }),
      );
    } else if (op === 15) {
      // a consumer whose continuation pushes again, or closes
      watch(
        ch.pull(signal()),
        (v) => {
          take(v as number);
          if (random() < 0.1) ch.close();
          else {
            const w = next++;
            run.singles.push(w);
            if (ch.tryPush(w)) run.committed.add(w);
            else run.refused.add(w);
          }
        },
        () => {},
      );
    }
    checkState(ch, capacity, run, step);
  }
  ch.close();
  checkState(ch, capacity, run, steps);
  await flush(20);
  for (const v of drainNow(ch)) take(v);
  // Withdrawn iterator pulls resolve done; everything else has settled by now.
  await flush(20);
  if (run.pending !== 0) run.violations.push(`${run.pending} operations never settled`);
  return run;
}

/** A finite number to seed from for each capacity (Infinity would make every seed the same). */
const seedOf = (capacity: number) => (Number.isFinite(capacity) ? capacity : 97);

function verify(run: Run, overflow: Overflow): void {
  expect(run.violations).toEqual([]);
  const seen = new Set<number>();
  for (const v of run.received) {
    expect(seen.has(v), `value ${v} delivered twice`).toBe(false);
    seen.add(v);
  }
  for (const v of run.refused) {
    if (v >= 0) expect(seen.has(v), `value ${v} of a refused push was delivered`).toBe(false);
  }
  if (overflow === 'block') {
    for (const v of run.committed) expect(seen.has(v), `committed value ${v} was lost`).toBe(true);
    for (const v of seen) expect(run.committed.has(v) || run.refused.has(-1 - v), `value ${v} from nowhere`).toBe(true);
    // single pushes come out in the order they were called (the driver's sync takes see commit order)
    const singles = new Set(run.singles);
    const order = run.syncOrder.filter((v) => singles.has(v));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  } else {
    // a drop mode: received values are a subset of committed ones, still in commit order
    for (const v of seen) expect(run.committed.has(v) || run.refused.has(-1 - v)).toBe(true);
    expect(run.syncOrder).toEqual([...run.syncOrder].sort((a, b) => a - b));
  }
}

describe('random programs keep every promise of the contract', () => {
  const capacities = [0, 1, 2, 3, Number.POSITIVE_INFINITY];
  for (const capacity of capacities) {
    it(`block, capacity ${capacity}: 60 seeded programs lose, duplicate and reorder nothing and leave no waiter`, async () => {
      for (let seed = 1; seed <= 60; seed++) {
        const run = await program(seed * 7919 + seedOf(capacity), capacity, 'block');
        try {
          verify(run, 'block');
        } catch (error) {
          throw new Error(`seed ${seed * 7919 + seedOf(capacity)}: ${(error as Error).message}`);
        }
      }
    });
  }
  for (const capacity of [0, 1, 4, Number.POSITIVE_INFINITY]) {
    it(`block, capacity ${capacity}, reentrant generators and consumers: 60 seeded programs keep the contract`, async () => {
      for (let seed = 1; seed <= 60; seed++) {
        const run = await program(seed * 15485863 + seedOf(capacity), capacity, 'block', true);
        try {
          verify(run, 'block');
        } catch (error) {
          throw new Error(`seed ${seed * 15485863 + seedOf(capacity)}: ${(error as Error).message}`);
        }
      }
    });
  }
  for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
    for (const capacity of [1, 2]) {
      it(`${overflow}, capacity ${capacity}: 40 seeded programs never duplicate and leave no waiter`, async () => {
        for (let seed = 1; seed <= 40; seed++) {
          const run = await program(seed * 104729 + seedOf(capacity), capacity, overflow);
          try {
            verify(run, overflow);
          } catch (error) {
            throw new Error(`seed ${seed * 104729 + seedOf(capacity)}: ${(error as Error).message}`);
          }
        }
      });
    }
  }
});

describe('the unbounded buffer keeps FIFO through growth and shrinking', () => {
  it('bursts of up to 20 000 values, drained in uneven steps, come out in order', () => {
    const random = seededRandom(42);
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 30; round++) {
      const burst = Math.floor(random() * 20_000);
      for (let i = 0; i < burst; i++) {
        if (random() < 0.5) ch.pushNowait(next++);
        else expect(ch.tryPush(next++)).toBe(true);
      }
      const drain = Math.floor(random() * ch.size * 1.2);
      for (let i = 0; i < drain && ch.size > 0; i++) {
        const v = random() < 0.5 ? ch.pullNowait() : ch.tryPull();
        if (v !== expected) throw new Error(`round ${round}: got ${v}, expected ${expected}`);
        expected++;
      }
      expect(ch.size).toBe(next - expected);
    }
    const rest = drainNow(ch);
    expect(rest).toEqual(Array.from({ length: next - expected }, (_, i) => expected + i));
  });

  it('pullMany over a large wrapped ring returns the values in order', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3000; i++) ch.pushNowait(next++);
      const batch = await ch.pullMany(2900);
      expect(batch[0]).toBe(expected);
      expect(batch).toEqual(Array.from({ length: batch.length }, (_, i) => expected + i));
      expected += batch.length;
    }
    expect(await ch.pullMany(Number.MAX_SAFE_INTEGER)).toEqual(
      Array.from({ length: next - expected }, (_, i) => expected + i),
    );
  });
});
