/**
 * Audit Z: a model-based property test of the core against a plain-array model.
 *
 * Two or three channels of capacities 0, 1, 3 and Infinity with every overflow mode; commands
 * push / pull / tryPush / tryPull / pushNowait / pullNowait / pullMany / pushAll / select /
 * selectNowait / close / abort, some operations carrying one of two shared signals. After
 * every command the microtask queue is drained and every settled operation is compared with
 * the model: its value (FIFO, exactly once), its error class (ChannelClosedError, the abort
 * reason, ChannelFullError, ChannelEmptyError), `pushed` counts, and `stats()`'s sizes and
 * queue lengths. At the end every channel is closed and nothing may be left unsettled.
 *
 * A select's winner among ready cases is random: the model checks that the winner was ready
 * and then applies it. A select never lists one channel twice here (the model queues its cases
 * in case order; the library queues them in a random order, which only matters then).
 */

import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Overflow = 'block' | 'drop-oldest' | 'drop-newest';
interface Spec {
  capacity: number;
  overflow: Overflow;
}

/** An operation the model tracks until it settles. */
interface Op {
  id: number;
  /** What the model expects: undefined while pending. */
  expected?: { ok: true; value: unknown } | { ok: false; check: (error: unknown) => boolean; what: string };
  /** What the library did. */
  actual?: { ok: true; value: unknown } | { ok: false; error: unknown };
  signal?: number;
}

type Entry =
  | { kind: 'push'; op: Op; value: number; batch?: Batch }
  | { kind: 'pull'; op: Op; many: boolean }
  | { kind: 'select'; op: Op; sel: Sel; index: number; value?: number };

interface Batch {
  op: Op;
  channel: number;
  values: number[];
  pushed: number;
  signal?: number;
}

interface Sel {
  op: Op;
  cases: { kind: 'push' | 'pull'; channel: number; value?: number }[];
  signal?: number;
  done: boolean;
}

interface MChan {
  spec: Spec;
  buffer: number[];
  pushers: Entry[];
  pullers: Entry[];
  closed: boolean;
  reason: unknown;
}

type Cmd =
  | { t: 'push'; c: number; sig?: number }
  | { t: 'pull'; c: number; sig?: number }
  | { t: 'tryPush'; c: number }
  | { t: 'tryPull'; c: number }
  | { t: 'pushNowait'; c: number }
  | { t: 'pullNowait'; c: number }
  | { t: 'pullMany'; c: number; max: number; sig?: number }
  | { t: 'pushAll'; c: number; n: number; sig?: number }
  | { t: 'select'; cases: { push: boolean; c: number }[]; sig?: number; nowait: boolean }
  | { t: 'close'; c: number; withReason: boolean }
  | { t: 'abort'; sig: number };

const flush = async (): Promise<void> => {
  for (let i = 0; i < 30; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
};

function run(specs: Spec[], cmds: Cmd[]): Promise<void> {
  return (async () => {
    let nextValue = 1;
    let nextId = 1;
    const ops: Op[] = [];
    const chans = specs.map(
      (spec, i) => new Channel<number>(spec.capacity, { name: `c${i}`, overflow: spec.overflow }),
    );
    const model: MChan[] = specs.map((spec) => ({
      spec,
      buffer: [],
      pushers: [],
      pullers: [],
      closed: false,
      reason: undefined,
    }));
    const controllers = [new AbortController(), new AbortController()];
    const reasons: unknown[] = [undefined, undefined];
    /** Continuations of pushAll calls whose parked push committed (microtask order: commit order). */
    const resumed: Batch[] = [];

    const newOp = (signal?: number): Op => {
      const op: Op = { id: nextId++ };
      if (signal !== undefined) op.signal = signal;
      ops.push(op);
      return op;
    };
    const track = (op: Op, promise: Promise<unknown>): void => {
      promise.then(
        (value) => {
          op.actual = { ok: true, value };
        },
        (error: unknown) => {
          op.actual = { ok: false, error };
        },
      );
    };
    const resolveOp = (op: Op, value: unknown): void => {
      op.expected = { ok: true, value };
    };
    const closedCheck = (c: number, pushed?: number) => (error: unknown) =>
      error instanceof ChannelClosedError &&
      error.channel === chans[c] &&
      (model[c]?.reason === undefined ? !('cause' in error) : error.cause === model[c]?.reason) &&
      (pushed === undefined || (error as { pushed?: number }).pushed === pushed);
    const rejectOp = (op: Op, check: (error: unknown) => boolean, what: string): void => {
      op.expected = { ok: false, check, what };
    };
    const sigOf = (sig: number | undefined) => (sig === undefined ? undefined : { signal: controllers[sig]?.signal });

    /** Removes every parked case of a select from the model's queues. */
    const releaseSel = (sel: Sel): void => {
      sel.done = true;
      for (const m of model) {
        m.pushers = m.pushers.filter((e) => !(e.kind === 'select' && e.sel === sel));
        m.pullers = m.pullers.filter((e) => !(e.kind === 'select' && e.sel === sel));
      }
    };

    /** A parked push entry has just been committed (its value taken). */
    const pusherCommitted = (entry: Entry, c: number): void => {
      if (entry.kind === 'push') {
        if (entry.batch) {
          entry.batch.pushed++;
          resumed.push(entry.batch);
        } else resolveOp(entry.op, undefined);
      } else if (entry.kind === 'select') {
        releaseSel(entry.sel);
        resolveOp(entry.op, { index: entry.index, channel: chans[c], value: undefined, ok: true });
      }
    };
    /** A parked pull entry has just received `value`. */
    const pullerCommitted = (entry: Entry, c: number, value: number): void => {
      if (entry.kind === 'pull') resolveOp(entry.op, entry.many ? [value] : value);
      else if (entry.kind === 'select') {
        releaseSel(entry.sel);
        resolveOp(entry.op, { index: entry.index, channel: chans[c], value, ok: true });
      }
    };

    /** Model commit of a push: true if committed (handed over, buffered or dropped). */
    const mPush = (c: number, value: number): boolean => {
      const m = model[c] as MChan;
      const puller = m.pullers.shift();
      if (puller) {
        pullerCommitted(puller, c, value);
        return true;
      }
      if (m.buffer.length < m.spec.capacity) {
        m.buffer.push(value);
        return true;
      }
      if (m.spec.overflow === 'drop-oldest') {
        m.buffer.shift();
        m.buffer.push(value);
        return true;
      }
      return m.spec.overflow === 'drop-newest';
    };
    /** The value a parked push entry (a push, a pushAll's push or a select's push case) offers. */
    const offered = (entry: Entry): number => (entry as { value?: number }).value as number;
    /** Model commit of a pull: the value, or undefined. */
    const mPull = (c: number): number | undefined => {
      const m = model[c] as MChan;
      if (m.buffer.length > 0) {
        const value = m.buffer.shift() as number;
        const pusher = m.pushers.shift();
        if (pusher) {
          m.buffer.push(offered(pusher));
          pusherCommitted(pusher, c);
        }
        return value;
      }
      const pusher = m.pushers.shift();
      if (pusher) {
        pusherCommitted(pusher, c);
        return offered(pusher);
      }
      return undefined;
    };
    const pullReady = (c: number): boolean => {
      const m = model[c] as MChan;
      return m.buffer.length > 0 || m.pushers.length > 0 || m.closed;
    };
    const pushReady = (c: number): boolean => {
      const m = model[c] as MChan;
      return m.pullers.length > 0 || m.buffer.length < m.spec.capacity || m.spec.overflow !== 'block';
    };

    /** Continues a pushAll from its next value (synchronously, as its continuation does). */
    const continueBatch = (batch: Batch): void => {
      for (;;) {
        if (batch.pushed === batch.values.length) {
          resolveOp(batch.op, undefined);
          return;
        }
        if (batch.signal !== undefined && controllers[batch.signal]?.signal.aborted) {
          const reason = reasons[batch.signal];
          const pushed = batch.pushed;
          rejectOp(
            batch.op,
            (e) =>
              (e === reason || (e instanceof ChannelError && e.cause === reason)) &&
              (e as { pushed?: number }).pushed === pushed,
            `abort reason with pushed ${pushed}`,
          );
          return;
        }
        if (model[batch.channel]?.closed) {
          rejectOp(batch.op, closedCheck(batch.channel, batch.pushed), `closed with pushed ${batch.pushed}`);
          return;
        }
        const value = batch.values[batch.pushed] as number;
        if (!mPush(batch.channel, value)) {
          const entry: Entry = { kind: 'push', op: batch.op, value, batch };
          (model[batch.channel] as MChan).pushers.push(entry);
          return;
        }
        batch.pushed++;
      }
    };

    const check = async (label: string): Promise<void> => {
      await flush();
      while (resumed.length) {
        // Continuations run in commit order, after the command, before the next one.
        continueBatch(resumed.shift() as Batch);
      }
      await flush();
      for (const op of ops) {
        if (op.expected === undefined) {
          expect(op.actual, `${label}: op ${op.id} should still wait`).toBeUndefined();
          continue;
        }
        expect(op.actual, `${label}: op ${op.id} should have settled`).toBeDefined();
        if (op.expected.ok) {
          expect(op.actual, `${label}: op ${op.id}`).toEqual({ ok: true, value: op.expected.value });
        } else {
          expect(op.actual?.ok, `${label}: op ${op.id} should reject (${op.expected.what})`).toBe(false);
          const error = (op.actual as { error: unknown }).error;
          expect(op.expected.check(error), `${label}: op ${op.id}: ${op.expected.what}, got ${String(error)}`).toBe(
            true,
          );
        }
      }
      model.forEach((m, i) => {
        const stats = chans[i]?.stats();
        expect(stats?.size, `${label}: size of c${i}`).toBe(m.buffer.length);
        expect(stats?.closed).toBe(m.closed);
        expect(stats?.waitingPushers, `${label}: pushers of c${i}`).toBe(m.pushers.length);
        expect(stats?.waitingPullers, `${label}: pullers of c${i}`).toBe(m.pullers.length);
      });
    };

    for (const [step, cmd] of cmds.entries()) {
      const label = `step ${step} ${JSON.stringify(cmd)}`;
      const ch = 'c' in cmd ? (chans[cmd.c] as Channel<number>) : undefined;
      const m = 'c' in cmd ? (model[cmd.c] as MChan) : undefined;
      const aborted = (sig?: number) => sig !== undefined && controllers[sig]?.signal.aborted === true;
      switch (cmd.t) {
        case 'push': {
          const value = nextValue++;
          const op = newOp(cmd.sig);
          track(op, (ch as Channel<number>).push(value, sigOf(cmd.sig)));
          if (m?.closed) rejectOp(op, closedCheck(cmd.c), 'closed');
          else if (!mPush(cmd.c, value)) m?.pushers.push({ kind: 'push', op, value });
          else resolveOp(op, undefined);
          break;
        }
        case 'pull':
        case 'pullMany': {
          const op = newOp(cmd.sig);
          const many = cmd.t === 'pullMany';
          track(
            op,
            many
              ? (ch as Channel<number>).pullMany((cmd as { max: number }).max, sigOf(cmd.sig))
              : (ch as Channel<number>).pull(sigOf(cmd.sig)),
          );
          const values: number[] = [];
          const max = many ? (cmd as { max: number }).max : 1;
          while (values.length < max) {
            const v = mPull(cmd.c);
            if (v === undefined) break;
            values.push(v);
          }
          if (values.length) resolveOp(op, many ? values : values[0]);
          else if (m?.closed) rejectOp(op, closedCheck(cmd.c), 'closed');
          else m?.pullers.push({ kind: 'pull', op, many });
          break;
        }
        case 'tryPush': {
          const value = nextValue++;
          const got = (ch as Channel<number>).tryPush(value);
          const want = !m?.closed && mPush(cmd.c, value);
          expect(got, label).toBe(want);
          break;
        }
        case 'tryPull': {
          const got = (ch as Channel<number>).tryPull();
          expect(got, label).toBe(mPull(cmd.c));
          break;
        }
        case 'pushNowait': {
          const value = nextValue++;
          let error: unknown;
          try {
            (ch as Channel<number>).pushNowait(value);
          } catch (e) {
            error = e;
          }
          if (m?.closed) expect(closedCheck(cmd.c)(error), label).toBe(true);
          else if (mPush(cmd.c, value)) expect(error, label).toBeUndefined();
          else expect(error, label).toBeInstanceOf(ChannelFullError);
          break;
        }
        case 'pullNowait': {
          let error: unknown;
          let got: unknown;
          try {
            got = (ch as Channel<number>).pullNowait();
          } catch (e) {
            error = e;
          }
          const want = mPull(cmd.c);
          if (want !== undefined) expect({ got, error }, label).toEqual({ got: want, error: undefined });
          else if (m?.closed) expect(closedCheck(cmd.c)(error), label).toBe(true);
          else expect(error, label).toBeInstanceOf(ChannelEmptyError);
          break;
        }
        case 'pushAll': {
          const values = Array.from({ length: cmd.n }, () => nextValue++);
          const op = newOp(cmd.sig);
          track(op, (ch as Channel<number>).pushAll(values, sigOf(cmd.sig)));
          const batch: Batch = { op, channel: cmd.c, values, pushed: 0 };
          if (cmd.sig !== undefined) batch.signal = cmd.sig;
          if (values.length === 0) resolveOp(op, undefined);
          else continueBatch(batch);
          break;
        }
        case 'select': {
          const cases: SelectCase[] = [];
          const sel: Sel = { op: newOp(cmd.sig), cases: [], done: false };
          if (cmd.sig !== undefined) sel.signal = cmd.sig;
          for (const k of cmd.cases) {
            const c = chans[k.c] as Channel<number>;
            if (k.push) {
              const value = nextValue++;
              cases.push(push(c, value));
              sel.cases.push({ kind: 'push', channel: k.c, value });
            } else {
              cases.push(pull(c));
              sel.cases.push({ kind: 'pull', channel: k.c });
            }
          }
          const closedPush = sel.cases.find((k) => k.kind === 'push' && model[k.channel]?.closed);
          const ready = sel.cases.map((k) => (k.kind === 'push' ? pushReady(k.channel) : pullReady(k.channel)));
          let result: unknown;
          let error: unknown;
          if (cmd.nowait) {
            try {
              result = selectNowait(cases);
            } catch (e) {
              error = e;
            }
          } else track(sel.op, select(cases, sigOf(cmd.sig)));
          const applyWinner = (index: number): unknown => {
            const k = sel.cases[index] as Sel['cases'][number];
            const c = chans[k.channel];
            if (k.kind === 'push') {
              expect(mPush(k.channel, k.value as number), label).toBe(true);
              return { index, channel: c, value: undefined, ok: true };
            }
            const v = mPull(k.channel);
            return v === undefined
              ? { index, channel: c, value: undefined, ok: false }
              : { index, channel: c, value: v, ok: true };
          };
          if (cmd.nowait) {
            if (closedPush) {
              expect(closedCheck(closedPush.channel)(error), label).toBe(true);
            } else if (!ready.some(Boolean)) {
              expect({ result, error }, label).toEqual({ result: undefined, error: undefined });
            } else {
              expect(error, label).toBeUndefined();
              const index = (result as { index: number }).index;
              expect(ready[index], `${label}: winner ${index} was ready`).toBe(true);
              expect(result, label).toEqual(applyWinner(index));
            }
            ops.pop(); // nothing async to track
            break;
          }
          if (aborted(cmd.sig)) {
            const reason = reasons[cmd.sig as number];
            rejectOp(sel.op, (e) => e === reason, 'abort reason');
          } else if (closedPush) {
            rejectOp(sel.op, closedCheck(closedPush.channel), 'select push closed');
          } else if (ready.some(Boolean)) {
            // The winner is random: learn it from the library, then apply it to the model.
            await flush();
            const actual = sel.op.actual as { ok: true; value: { index: number } } | undefined;
            expect(actual?.ok, label).toBe(true);
            const index = actual?.value.index as number;
            expect(ready[index], `${label}: winner ${index} was ready`).toBe(true);
            resolveOp(sel.op, applyWinner(index));
          } else {
            sel.cases.forEach((k, index) => {
              const entry: Entry = { kind: 'select', op: sel.op, sel, index };
              if (k.kind === 'push') {
                entry.value = k.value as number;
                model[k.channel]?.pushers.push(entry);
              } else model[k.channel]?.pullers.push(entry);
            });
          }
          break;
        }
        case 'close': {
          if (m?.closed) {
            ch?.close(cmd.withReason ? new Error('ignored') : undefined);
            break;
          }
          const reason = cmd.withReason ? new Error(`close c${cmd.c}`) : undefined;
          ch?.close(reason);
          (m as MChan).closed = true;
          (m as MChan).reason = reason;
          // Parked pushes fail first, then parked pulls.
          while (m?.pushers.length) {
            const entry = m.pushers.shift() as Entry;
            if (entry.kind === 'push' && entry.batch) {
              const pushed = entry.batch.pushed;
              rejectOp(entry.op, closedCheck(cmd.c, pushed), `closed with pushed ${pushed}`);
            } else if (entry.kind === 'push') rejectOp(entry.op, closedCheck(cmd.c), 'closed');
            else if (entry.kind === 'select') {
              releaseSel(entry.sel);
              rejectOp(entry.op, closedCheck(cmd.c), 'select push closed');
            }
          }
          while (m?.pullers.length) {
            const entry = m.pullers.shift() as Entry;
            if (entry.kind === 'pull') rejectOp(entry.op, closedCheck(cmd.c), 'closed');
            else if (entry.kind === 'select') {
              releaseSel(entry.sel);
              resolveOp(entry.op, { index: entry.index, channel: ch, value: undefined, ok: false });
            }
          }
          break;
        }
        case 'abort': {
          const reason = new Error(`abort ${cmd.sig}`);
          reasons[cmd.sig] = reason;
          controllers[cmd.sig]?.abort(reason);
          const cancelled = new Set<Entry>();
          for (const mc of model) {
            for (const entry of [...mc.pushers, ...mc.pullers]) {
              const sig = entry.kind === 'select' ? entry.sel.signal : entry.op.signal;
              if (sig === cmd.sig) cancelled.add(entry);
            }
          }
          for (const entry of cancelled) {
            if (entry.kind === 'select') {
              if (entry.sel.done) continue;
              releaseSel(entry.sel);
              rejectOp(entry.op, (e) => e === reason, 'abort reason');
              continue;
            }
            const pushed = entry.kind === 'push' ? entry.batch?.pushed : undefined;
            rejectOp(
              entry.op,
              (e) =>
                pushed === undefined
                  ? e === reason
                  : (e === reason || (e instanceof ChannelError && e.cause === reason)) &&
                    (e as { pushed?: number }).pushed === pushed,
              `abort reason${pushed === undefined ? '' : ` with pushed ${pushed}`}`,
            );
          }
          for (const mc of model) {
            mc.pushers = mc.pushers.filter((e) => !cancelled.has(e));
            mc.pullers = mc.pullers.filter((e) => !cancelled.has(e));
          }
          // A fresh controller for the operations that follow.
          controllers[cmd.sig] = new AbortController();
          break;
        }
      }
      // Operations given an already aborted signal: none here, the controllers are replaced.
      await check(label);
    }
    // The end: close everything; nothing may stay unsettled, nothing parked.
    for (const [c, ch] of chans.entries()) {
      if (!model[c]?.closed) {
        ch.close();
        const m = model[c] as MChan;
        m.closed = true;
        for (const entry of m.pushers.splice(0)) {
          if (entry.kind === 'select') releaseSel(entry.sel);
          entry.op.expected = { ok: false, check: closedCheck(c), what: 'closed at the end' };
        }
        for (const entry of m.pullers.splice(0)) {
          if (entry.kind === 'select') {
            releaseSel(entry.sel);
            resolveOp(entry.op, { index: entry.index, channel: ch, value: undefined, ok: false });
          } else entry.op.expected = { ok: false, check: closedCheck(c), what: 'closed at the end' };
        }
      }
    }
    await flush();
    while (resumed.length) continueBatch(resumed.shift() as Batch);
    await flush();
    for (const op of ops) expect(op.actual, `op ${op.id} settled at the end`).toBeDefined();
    for (const ch of chans) {
      const stats = ch.stats();
      expect([stats.waitingPushers, stats.waitingPullers]).toEqual([0, 0]);
    }
  })();
}

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.constant<Spec>({ capacity: 0, overflow: 'block' }),
  fc.record({
    capacity: fc.constantFrom(1, 3),
    overflow: fc.constantFrom<Overflow>('block', 'drop-oldest', 'drop-newest'),
  }),
  fc.constant<Spec>({ capacity: Number.POSITIVE_INFINITY, overflow: 'block' }),
);

function cmdArb(n: number): fc.Arbitrary<Cmd> {
  const c = fc.integer({ min: 0, max: n - 1 });
  const sig = fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined, freq: 2 });
  const withSig = <T extends object>(o: T, s: number | undefined): T => (s === undefined ? o : { ...o, sig: s });
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(c, sig).map(([c, s]) => withSig({ t: 'push', c } as Cmd, s)) },
    { weight: 4, arbitrary: fc.tuple(c, sig).map(([c, s]) => withSig({ t: 'pull', c } as Cmd, s)) },
    { weight: 1, arbitrary: c.map((c) => ({ t: 'tryPush', c }) as Cmd) },
    { weight: 1, arbitrary: c.map((c) => ({ t: 'tryPull', c }) as Cmd) },
    { weight: 1, arbitrary: c.map((c) => ({ t: 'pushNowait', c }) as Cmd) },
    { weight: 1, arbitrary: c.map((c) => ({ t: 'pullNowait', c }) as Cmd) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(c, fc.integer({ min: 1, max: 4 }), sig)
        .map(([c, max, s]) => withSig({ t: 'pullMany', c, max } as Cmd, s)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(c, fc.integer({ min: 0, max: 5 }), sig)
        .map(([c, n, s]) => withSig({ t: 'pushAll', c, n } as Cmd, s)),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.uniqueArray(c, { minLength: 1, maxLength: n }),
          fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          sig,
          fc.boolean(),
        )
        .map(([cs, kinds, s, nowait]) =>
          withSig(
            { t: 'select', cases: cs.map((c, i) => ({ c, push: kinds[i] as boolean })), nowait } as Cmd,
            nowait ? undefined : s,
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(c, fc.boolean()).map(([c, withReason]) => ({ t: 'close', c, withReason }) as Cmd),
    },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((sig) => ({ t: 'abort', sig }) as Cmd) },
  );
}

describe('audit Z: the core against a plain-array model', () => {
  it('push/pull/try/nowait/pullMany/pushAll/select/close/abort agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 3 })
          .chain((n) =>
            fc.tuple(
              fc.array(specArb, { minLength: n, maxLength: n }),
              fc.array(cmdArb(n), { minLength: 10, maxLength: 60 }),
            ),
          ),
        async ([specs, cmds]) => {
          await run(specs, cmds);
        },
      ),
      { numRuns: 150, seed: 0x2a2a, endOnFailure: true },
    );
  }, 120_000);
});
