/**
 * A fuzzing harness for the core: several concurrent tasks, each a random list of channel
 * operations, interleaved by fast-check's scheduler (each step waits for the scheduler to let
 * it go; some steps also wait a few raw microtasks, so that commits, aborts and closes of
 * different tasks land in the same microtask), over a few channels. The oracle is the SPEC's
 * guarantees, checked from what the tasks observed — not a step-by-step model (test/model.test.ts
 * has that):
 *
 * - every pushed value ends exactly once as committed (its push resolved, its select case won,
 *   it is in the committed prefix of its pushAll, its tryPush returned true) or not committed
 *   (its push rejected, …) — never both, never neither;
 * - every committed value is delivered exactly once (pulled by a task or drained at the end),
 *   or at most once when it was pushed into a drop-mode channel; no value that was not committed
 *   is ever delivered;
 * - FIFO per producer: the values one task pushed into one channel reach each consumer of a
 *   channel in the order they were pushed;
 * - every rejection is a `ChannelClosedError` of a channel of the operation (its `cause` that
 *   channel's close reason) or the reason of the operation's own signal; a select never pulls
 *   its own pushed value;
 * - once every task is blocked or done (quiescence), `stats()` counts exactly the parked
 *   operations, `size` is what was committed and not delivered, and only a select with a push
 *   and a pull case on one channel has parked pushes and pulls there at once;
 * - closing every channel wakes every task (no task stays blocked), after which nothing is
 *   parked, nothing is buffered once drained, and no signal keeps an `abort` listener.
 */
import fc from 'fast-check';
import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  type Overflow,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
  toReadableStream,
} from '../../src/index.js';
import { countListeners } from './track.js';

/** The signal an operation gets. */
export type Sig =
  | { readonly kind: 'none' }
  | { readonly kind: 'shared'; readonly k: 0 | 1 }
  | { readonly kind: 'own'; readonly after: number }
  | { readonly kind: 'aborted' };

/** A select case: push into or pull from channel `ch`; `ch` -1 is a `null` entry. */
export interface CaseSpec {
  readonly push: boolean;
  readonly ch: number;
}

/** One step of a task. */
export type Op =
  | { readonly op: 'push'; readonly ch: number; readonly sig: Sig }
  | { readonly op: 'pushNowait' | 'tryPush'; readonly ch: number }
  | { readonly op: 'pushAll'; readonly ch: number; readonly n: number; readonly sig: Sig }
  | { readonly op: 'pull'; readonly ch: number; readonly sig: Sig }
  | { readonly op: 'pullNowait' | 'tryPull'; readonly ch: number }
  | { readonly op: 'pullMany'; readonly ch: number; readonly max: number; readonly sig: Sig }
  | { readonly op: 'iterate'; readonly ch: number; readonly k: number }
  | { readonly op: 'nextReturn' | 'streamCancel'; readonly ch: number; readonly after: number }
  | { readonly op: 'select'; readonly cases: readonly CaseSpec[]; readonly sig: Sig }
  | { readonly op: 'selectNowait'; readonly cases: readonly CaseSpec[] }
  | { readonly op: 'close'; readonly ch: number; readonly reason: boolean }
  | { readonly op: 'abort'; readonly k: 0 | 1 }
  | { readonly op: 'micro'; readonly n: number };

/** A channel configuration. */
export interface ChannelConfig {
  readonly capacity: number;
  readonly overflow: Overflow;
}

/** Capacity 0, 1, 3 or Infinity, with an overflow policy that capacity allows. */
export const channelConfigArb: fc.Arbitrary<ChannelConfig> = fc.constantFrom(0, 1, 1, 3, Infinity).chain((capacity) =>
  fc.record({
    capacity: fc.constant(capacity),
    overflow:
      capacity === 0
        ? fc.constant<Overflow>('block')
        : fc.constantFrom<Overflow>('block', 'block', 'drop-oldest', 'drop-newest'),
  }),
);

export const sigArb: fc.Arbitrary<Sig> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Sig>({ kind: 'none' }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shared' as const), k: fc.constantFrom<0 | 1>(0, 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('own' as const), after: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.constant<Sig>({ kind: 'aborted' }) },
);

/** Relative weights of the operation kinds. */
export type Weights = Partial<Record<Op['op'], number>>;

/** A random step over `channels` channels. */
export function opArb(channels: number, weights: Weights = {}): fc.Arbitrary<Op> {
  const ch = fc.nat(channels - 1);
  const caseArb: fc.Arbitrary<CaseSpec> = fc.oneof(
    { weight: 12, arbitrary: fc.record({ push: fc.boolean(), ch }) },
    { weight: 1, arbitrary: fc.constant<CaseSpec>({ push: false, ch: -1 }) },
  );
  const cases = fc.array(caseArb, { minLength: 1, maxLength: 3 });
  const w = (op: Op['op'], fallback: number) => weights[op] ?? fallback;
  const all: { weight: number; arbitrary: fc.Arbitrary<Op> }[] = [
    { weight: w('push', 6), arbitrary: fc.record({ op: fc.constant('push' as const), ch, sig: sigArb }) },
    { weight: w('pushNowait', 1), arbitrary: fc.record({ op: fc.constant('pushNowait' as const), ch }) },
    { weight: w('tryPush', 1), arbitrary: fc.record({ op: fc.constant('tryPush' as const), ch }) },
    {
      weight: w('pushAll', 2),
      arbitrary: fc.record({ op: fc.constant('pushAll' as const), ch, n: fc.integer({ min: 0, max: 4 }), sig: sigArb }),
    },
    { weight: w('pull', 6), arbitrary: fc.record({ op: fc.constant('pull' as const), ch, sig: sigArb }) },
    { weight: w('pullNowait', 1), arbitrary: fc.record({ op: fc.constant('pullNowait' as const), ch }) },
    { weight: w('tryPull', 1), arbitrary: fc.record({ op: fc.constant('tryPull' as const), ch }) },
    {
      weight: w('pullMany', 2),
      arbitrary: fc.record({
        op: fc.constant('pullMany' as const),
        ch,
        max: fc.integer({ min: 1, max: 4 }),
        sig: sigArb,
      }),
    },
    {
      weight: w('iterate', 2),
      arbitrary: fc.record({ op: fc.constant('iterate' as const), ch, k: fc.integer({ min: 1, max: 3 }) }),
    },
    {
      weight: w('nextReturn', 1),
      arbitrary: fc.record({ op: fc.constant('nextReturn' as const), ch, after: fc.nat(4) }),
    },
    {
      weight: w('streamCancel', 1),
      arbitrary: fc.record({ op: fc.constant('streamCancel' as const), ch, after: fc.nat(4) }),
    },
    { weight: w('select', 3), arbitrary: fc.record({ op: fc.constant('select' as const), cases, sig: sigArb }) },
    { weight: w('selectNowait', 1), arbitrary: fc.record({ op: fc.constant('selectNowait' as const), cases }) },
    {
      weight: w('close', 1),
      arbitrary: fc.record({ op: fc.constant('close' as const), ch, reason: fc.boolean() }),
    },
    {
      weight: w('abort', 1),
      arbitrary: fc.record({ op: fc.constant('abort' as const), k: fc.constantFrom<0 | 1>(0, 1) }),
    },
    { weight: w('micro', 2), arbitrary: fc.record({ op: fc.constant('micro' as const), n: fc.nat(3) }) },
  ];
  return fc.oneof(...all.filter((entry) => entry.weight > 0));
}

/** Lets `turns` rounds of queued reactions run. */
export async function microtasks(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** One macrotask: every microtask queued so far (and those they queue) has run. */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs the scheduler until no scheduled task is left and no microtask is pending. */
export async function quiesce(s: fc.Scheduler): Promise<void> {
  for (;;) {
    if (s.count() > 0) await s.waitIdle();
    await macrotask();
    if (s.count() === 0) return;
  }
}

/** What a program runs on. */
export interface ProgramSetup {
  /** The channels, by index. */
  readonly channels: readonly Channel<number>[];
  /** Per channel: its values may be discarded (a drop mode, or it feeds one). */
  readonly droppable: readonly boolean[];
  /**
   * Per channel: how many parked pulls the harness does not know of may be there at
   * quiescence (a `merge` parks one on each input). `stats()` is checked exactly for pushes and
   * within this slack for pulls.
   */
  readonly pullSlack: readonly number[];
  /**
   * Per channel: it is a `broadcast`'s source. While a subscriber has no room, the broadcast's
   * pull stays parked on it behind the pushes parked there (so that a close that fails them
   * reaches the subscribers at once): parked pushes and that one pull at once are fine.
   */
  readonly broadcastSource?: readonly boolean[];
  /**
   * Per channel: how many values it may hold beyond its capacity (a `merge` stores an input's
   * value one beyond when someone pushed into it directly while it waited: README, Semantic
   * details).
   */
  readonly sizeSlack?: readonly number[];
  /** Whether `size` at quiescence can be checked (no value moves between channels by itself). */
  readonly checkSize: boolean;
  /**
   * The `AbortController` to make the operations' signals with (default: the global one) — a
   * DOM implementation's (happy-dom, jsdom), as users of those environments get.
   */
  readonly AbortController?: typeof AbortController;
  /** Closes every channel at the end (inputs first). */
  readonly closeAll: () => void;
}

interface Task {
  readonly id: number;
  done: boolean;
  /** The operation pending now, if any: the channels it parks a push / a pull on. */
  current:
    | {
        readonly label: string;
        readonly pushes: number[];
        readonly pulls: number[];
        readonly select: boolean;
        readonly signal: AbortSignal | undefined;
      }
    | undefined;
}

interface Pushed {
  readonly ch: number;
  readonly task: number;
  readonly seq: number;
  state: 'pending' | 'committed' | 'rejected';
}

/** Situations reached, summed over runs, so a test can check that its generators reach them. */
export const coverage = new Map<string, number>();
/** Counts one occurrence of `situation` in {@link coverage}. */
export function reached(situation: string): void {
  coverage.set(situation, (coverage.get(situation) ?? 0) + 1);
}

/** Runs `tasks` on `setup` under scheduler `s`; returns every problem found (none: all is well). */
export async function runProgram(
  setup: ProgramSetup,
  tasks: readonly (readonly Op[])[],
  s: fc.Scheduler,
): Promise<string[]> {
  const { channels } = setup;
  const problems: string[] = [];
  const pushed = new Map<number, Pushed>();
  /** Per value, how many times it was delivered. */
  const deliveries = new Map<number, number>();
  /** Per (consumer, channel pulled from): the values it received, in order. */
  const received = new Map<string, number[]>();
  const counters: { live: number }[] = [];
  const seqs = tasks.map(() => 0);
  let abortId = 0;
  let closeId = 0;
  const Controller = setup.AbortController ?? AbortController;
  const counted = () => {
    const controller = new Controller();
    counters.push(countListeners(controller.signal));
    return controller;
  };
  const shared = [counted(), counted()];
  /** Operations parked (at quiescence) when their signal aborted: they must reject. */
  const doomed = new Set<string>();
  const state: Task[] = tasks.map((_, id) => ({ id, done: false, current: undefined }));

  const create = (task: number, ch: number): number => {
    const seq = seqs[task]!++;
    const value = (task + 1) * 100_000 + seq;
    pushed.set(value, { ch, task, seq, state: 'pending' });
    return value;
  };
  const settle = (value: number, to: 'committed' | 'rejected', label: string) => {
    reached(`value ${to}`);
    const entry = pushed.get(value);
    if (entry === undefined) return problems.push(`${label}: settled unknown value ${value}`);
    if (entry.state !== 'pending') problems.push(`${label}: value ${value} ${to} after it was ${entry.state}`);
    entry.state = to;
  };
  const deliver = (consumer: string, from: number, value: unknown, label: string) => {
    if (typeof value !== 'number' || !pushed.has(value)) {
      problems.push(`${label}: delivered ${String(value)}, never pushed`);
      return;
    }
    deliveries.set(value, (deliveries.get(value) ?? 0) + 1);
    const key = `${consumer} from ${from}`;
    const list = received.get(key) ?? [];
    list.push(value);
    received.set(key, list);
  };
  const signalOf = (sig: Sig): AbortSignal | undefined => {
    switch (sig.kind) {
      case 'none':
        return undefined;
      case 'shared':
        return shared[sig.k]!.signal;
      case 'own': {
        const controller = counted();
        const reason = { abort: ++abortId };
        void microtasks(sig.after).then(() => controller.abort(reason));
        return controller.signal;
      }
      case 'aborted': {
        const controller = counted();
        controller.abort({ abort: ++abortId });
        return controller.signal;
      }
    }
  };
  /** Whether `error` is an acceptable rejection of an operation on `chs` with `signal`. */
  const acceptable = (error: unknown, chs: readonly number[], signal: AbortSignal | undefined): boolean => {
    if (signal?.aborted && error === signal.reason) return true;
    if (error instanceof ChannelClosedError) {
      const channel = error.channel as Channel<number>;
      return chs.some((ch) => channels[ch] === channel) && channel.closed && error.cause === channel.closeReason;
    }
    return false;
  };

  const runOp = async (task: Task, op: Op, label: string): Promise<void> => {
    const consumer = `t${task.id}`;
    /** The signal the operation was given, once made. */
    let opSignal: AbortSignal | undefined;
    /** Makes the operation's signal and remembers it. */
    const signalFor = (sig: Sig) => {
      opSignal = signalOf(sig);
      return opSignal;
    };
    const pending = (pushes: number[], pulls: number[], select = false) => {
      task.current = { label, pushes, pulls, select, signal: opSignal };
    };
    /** An operation given an already aborted signal must reject (that check comes first). */
    const fulfilled = () => {
      if ('sig' in op && op.sig.kind === 'aborted') problems.push(`${label}: fulfilled with an already aborted signal`);
      if (doomed.has(label)) problems.push(`${label}: fulfilled though its signal aborted while it was parked`);
    };
    const reject = (chs: number[], signal: AbortSignal | undefined) => (error: unknown) => {
      reached(error instanceof ChannelClosedError ? `${op.op} rejected: closed` : `${op.op} rejected: aborted`);
      if (!acceptable(error, chs, signal)) problems.push(`${label}: rejected with ${describe(error)}`);
    };
    switch (op.op) {
      case 'micro':
        return microtasks(op.n);
      case 'abort': {
        const controller = shared[op.k]!;
        shared[op.k] = counted();
        controller.abort({ abort: ++abortId });
        return;
      }
      case 'close':
        channels[op.ch]!.close(op.reason ? { closed: op.ch, id: ++closeId } : undefined);
        return;
      case 'push': {
        const value = create(task.id, op.ch);
        const signal = signalFor(op.sig);
        pending([op.ch], []);
        return channels[op.ch]!.push(value, { signal }).then(
          () => {
            fulfilled();
            settle(value, 'committed', label);
          },
          (error: unknown) => {
            settle(value, 'rejected', label);
            reject([op.ch], signal)(error);
          },
        );
      }
      case 'pushNowait':
      case 'tryPush': {
        const value = create(task.id, op.ch);
        const channel = channels[op.ch]!;
        if (op.op === 'tryPush') return void settle(value, channel.tryPush(value) ? 'committed' : 'rejected', label);
        try {
          channel.pushNowait(value);
          settle(value, 'committed', label);
        } catch (error) {
          settle(value, 'rejected', label);
          const closedOk = error instanceof ChannelClosedError && channel.closed;
          if (!closedOk && !(error instanceof ChannelFullError)) problems.push(`${label}: threw ${describe(error)}`);
        }
        return;
      }
      case 'pushAll': {
        const values = Array.from({ length: op.n }, () => create(task.id, op.ch));
        const signal = signalFor(op.sig);
        let read = 0;
        // Reading value i means value i - 1 committed: pushAll reads lazily, one at a time.
        const iterable = {
          *[Symbol.iterator]() {
            for (const [i, value] of values.entries()) {
              if (i > 0) settle(values[i - 1]!, 'committed', `${label} (read ${i})`);
              read = i + 1;
              yield value;
            }
          },
        };
        pending([op.ch], []);
        return channels[op.ch]!.pushAll(iterable, { signal }).then(
          () => {
            fulfilled();
            if (read > 0) settle(values[read - 1]!, 'committed', label);
            if (read !== values.length) problems.push(`${label}: resolved after reading ${read} of ${values.length}`);
          },
          (error: unknown) => {
            const count = (error as { pushed?: unknown } | null)?.pushed;
            const accepted =
              acceptable(error, [op.ch], signal) ||
              (error instanceof ChannelError &&
                !(error instanceof ChannelClosedError) &&
                signal?.aborted === true &&
                error.cause === signal.reason);
            if (!accepted) problems.push(`${label}: rejected with ${describe(error)}`);
            if (typeof count !== 'number') return void problems.push(`${label}: rejected without pushed`);
            // Values before `read - 1` are settled as committed already; the last read one
            // committed only if `pushed` counts it.
            if (count > 0 && count < values.length) reached('pushAll rejected part-way');
            if (count < read - 1 || count > read) problems.push(`${label}: pushed ${count} after reading ${read}`);
            if (read > 0) settle(values[read - 1]!, count === read ? 'committed' : 'rejected', label);
            for (const value of values.slice(read)) settle(value, 'rejected', label);
          },
        );
      }
      case 'pull':
      case 'pullMany': {
        const signal = signalFor(op.sig);
        pending([], [op.ch]);
        const channel = channels[op.ch]!;
        const promise =
          op.op === 'pull' ? channel.pull({ signal }).then((v) => [v]) : channel.pullMany(op.max, { signal });
        return promise.then(
          (values) => {
            fulfilled();
            if (values.length < 1 || (op.op === 'pullMany' && values.length > op.max)) {
              problems.push(`${label}: took ${values.length} values`);
            }
            for (const value of values) deliver(consumer, op.ch, value, label);
          },
          reject([op.ch], signal),
        );
      }
      case 'pullNowait':
      case 'tryPull': {
        const channel = channels[op.ch]!;
        if (op.op === 'tryPull') {
          const value = channel.tryPull();
          if (value !== undefined) deliver(consumer, op.ch, value, label);
          return;
        }
        try {
          deliver(consumer, op.ch, channel.pullNowait(), label);
        } catch (error) {
          const ok =
            (error instanceof ChannelClosedError && channel.closed && channel.size === 0) ||
            error instanceof ChannelEmptyError;
          if (!ok) problems.push(`${label}: threw ${describe(error)}`);
        }
        return;
      }
      case 'iterate': {
        const channel = channels[op.ch]!;
        pending([], [op.ch]);
        let taken = 0;
        try {
          for await (const value of channel) {
            deliver(consumer, op.ch, value, label);
            if (++taken >= op.k) {
              reached('iteration left early');
              break;
            }
          }
          // Ended without a break: closed and drained, with no reason.
          if (taken < op.k && (!channel.closed || channel.closeReason !== undefined)) {
            problems.push(`${label}: iteration ended while the channel was open or closed with a reason`);
          }
        } catch (error) {
          if (!channel.closed || error !== channel.closeReason || error === undefined) {
            problems.push(`${label}: iteration threw ${describe(error)}`);
          }
        }
        return;
      }
      case 'nextReturn':
      case 'streamCancel': {
        // A read that waits is given up after `after` microtasks: by the iterator's return()
        // (as ReadableStream.from(channel) does on cancel) or by cancelling a
        // toReadableStream. It got a value first, or it consumed nothing.
        const channel = channels[op.ch]!;
        pending([], [op.ch]);
        // Either read may reject (closed with a reason and drained): keep both outcomes, and
        // a cancel of a stream errored so rejects too.
        const outcome = (read: Promise<IteratorResult<number>>) =>
          read.then(
            (result) => ({ result }),
            (error: unknown) => ({ error }),
          );
        let settled: { result: IteratorResult<number> } | { error: unknown };
        if (op.op === 'nextReturn') {
          const iterator = channel[Symbol.asyncIterator]();
          const next = outcome(iterator.next());
          await microtasks(op.after);
          await iterator.return?.();
          settled = await next;
        } else {
          const reader = toReadableStream(channel).getReader();
          const read = outcome(reader.read());
          await microtasks(op.after);
          await reader.cancel().catch((error: unknown) => {
            if (!(channel.closed && error === channel.closeReason))
              problems.push(`${label}: cancel threw ${describe(error)}`);
          });
          settled = await read;
        }
        if ('error' in settled) {
          // Closed with a reason and drained: both end with it.
          const error = settled.error;
          if (!(channel.closed && error === channel.closeReason && error !== undefined)) {
            problems.push(`${label}: threw ${describe(error)}`);
          }
          return;
        }
        const result = settled.result;
        if (!result.done) {
          reached(`${op.op} got a value`);
          deliver(consumer, op.ch, result.value, label);
        } else reached(`${op.op} gave up`);
        return;
      }
      case 'select':
      case 'selectNowait': {
        const values = op.cases.map((c) => (c.push && c.ch >= 0 ? create(task.id, c.ch) : -1));
        const cases: (SelectCase | null)[] = op.cases.map((c, i) =>
          c.ch < 0 ? null : c.push ? push(channels[c.ch]!, values[i]!) : pull(channels[c.ch]!),
        );
        const own = values.filter((value) => value >= 0);
        const pushChs = op.cases.filter((c) => c.push && c.ch >= 0).map((c) => c.ch);
        const pullChs = op.cases.filter((c) => !c.push && c.ch >= 0).map((c) => c.ch);
        const onResult = (result: { index: number; channel: unknown; value: unknown; ok: boolean } | undefined) => {
          const won = result === undefined ? undefined : op.cases[result.index];
          if (result !== undefined) {
            if (won === undefined || won.ch < 0) return void problems.push(`${label}: won case ${result.index}`);
            if (result.channel !== channels[won.ch]) problems.push(`${label}: result channel is not the case's`);
            if (won.push && (result.value !== undefined || !result.ok)) problems.push(`${label}: push case result`);
            if (!won.push && result.ok) {
              if (own.includes(result.value as number)) problems.push(`${label}: pulled its own pushed value`);
              deliver(consumer, won.ch, result.value, label);
            }
            reached(won.push ? 'select push case won' : result.ok ? 'select pull case won' : 'select ok: false');
            if (!won.push && !result.ok && (!channels[won.ch]!.closed || result.value !== undefined)) {
              problems.push(`${label}: ok false on an open channel`);
            }
          }
          for (const [i, value] of values.entries()) {
            if (value >= 0) settle(value, result?.index === i ? 'committed' : 'rejected', label);
          }
        };
        if (op.op === 'selectNowait') {
          try {
            onResult(selectNowait(cases));
          } catch (error) {
            onResult(undefined);
            if (!acceptable(error, pushChs, undefined)) problems.push(`${label}: threw ${describe(error)}`);
          }
          return;
        }
        const signal = signalFor(op.sig);
        pending(pushChs, pullChs, true);
        return select(cases, { signal }).then(
          (result) => {
            fulfilled();
            onResult(result);
          },
          (error: unknown) => {
            onResult(undefined);
            reached(error instanceof ChannelClosedError ? 'select rejected: closed' : 'select rejected: aborted');
            const noCase = error instanceof TypeError && pushChs.length + pullChs.length === 0;
            if (!noCase && !acceptable(error, pushChs, signal))
              problems.push(`${label}: rejected with ${describe(error)}`);
          },
        );
      }
    }
  };

  const running = tasks.map(async (ops, id) => {
    const task = state[id]!;
    for (const [index, op] of ops.entries()) {
      await s.schedule(Promise.resolve(), `t${id}#${index} ${op.op}`);
      try {
        await runOp(task, op, `t${id}#${index} ${JSON.stringify(op)}`);
      } catch (error) {
        problems.push(`t${id}#${index}: the harness threw ${describe(error)}`);
      }
      task.current = undefined;
    }
    task.done = true;
  });

  /**
   * Quiescence, with every lazy close done: reading `closed` (or `stats()`) of a merge whose
   * inputs are all closed and drained closes it — which fails what is parked on it — so read
   * them all, and let the tasks run again, until nothing changes.
   */
  const stable = async () => {
    for (;;) {
      await quiesce(s);
      const closedBefore = channels.filter((channel) => (channel as unknown as { isClosed: boolean }).isClosed);
      if (channels.filter((channel) => channel.closed).length === closedBefore.length) return;
    }
  };

  // 1. Quiescence: every task blocked in an operation or done.
  await stable();
  checkParked(setup, state, pushed, deliveries, problems, 'at quiescence');
  for (const task of state) {
    if (task.current?.select) reached('select parked at quiescence');
    else if (task.current) reached('operation parked at quiescence');
  }

  // 2. Abort the shared signals: every operation parked with one leaves, rejecting with the
  // reason (checked where it settles); the tasks go on, until quiescence again.
  for (const task of state) {
    const signal = task.current?.signal;
    if (signal !== undefined && shared.some((controller) => controller.signal === signal)) {
      doomed.add(task.current!.label);
      reached('abort a parked operation at quiescence');
    }
  }
  for (const k of [0, 1]) {
    const controller = shared[k]!;
    shared[k] = counted();
    controller.abort({ abort: ++abortId });
  }
  await stable();
  for (const task of state) {
    if (task.current !== undefined && doomed.has(task.current.label)) {
      problems.push(`${task.current.label}: still pending after its signal aborted`);
    }
  }
  checkParked(setup, state, pushed, deliveries, problems, 'at quiescence after the abort');

  // 3. Close everything: every task must wake and finish its steps.
  setup.closeAll();
  await quiesce(s);
  for (const task of state) {
    if (!task.done) problems.push(`t${task.id} never finished: stuck in ${task.current?.label ?? 'nothing'}`);
  }
  if (state.some((task) => !task.done)) return problems;
  await Promise.all(running);

  // 4. Drain: every value left is delivered once, in order.
  for (const [ch, channel] of channels.entries()) {
    for (;;) {
      try {
        deliver('drain', ch, channel.pullNowait(), `drain ${ch}`);
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) problems.push(`drain ${ch}: threw ${describe(error)}`);
        break;
      }
    }
  }
  for (const [ch, channel] of channels.entries()) {
    const stats = channel.stats();
    if (stats.waitingPushers || stats.waitingPullers || stats.size || !stats.closed) {
      problems.push(`channel ${ch} at the end: ${JSON.stringify(stats)}`);
    }
  }
  for (const [i, counter] of counters.entries()) {
    if (counter.live !== 0) problems.push(`signal ${i} keeps ${counter.live} abort listener(s)`);
  }

  // 5. Accounting.
  for (const [value, entry] of pushed) {
    const count = deliveries.get(value) ?? 0;
    if (entry.state === 'pending') problems.push(`value ${value} neither committed nor rejected`);
    if (entry.state === 'rejected' && count > 0) problems.push(`value ${value} delivered though not committed`);
    if (entry.state === 'committed' && count !== 1 && !(count === 0 && setup.droppable[entry.ch])) {
      problems.push(`value ${value} (into ${entry.ch}) committed and delivered ${count} times`);
    }
  }
  // FIFO per producer: each consumer's values from one channel, per producer and channel
  // pushed into, come in the order they were pushed.
  for (const [key, values] of received) {
    const last = new Map<string, number>();
    for (const value of values) {
      const entry = pushed.get(value)!;
      const producer = `t${entry.task} into ${entry.ch}`;
      const previous = last.get(producer);
      if (previous !== undefined && previous >= entry.seq) {
        problems.push(`${key}: ${producer} out of order (${value} after seq ${previous})`);
      }
      last.set(producer, entry.seq);
    }
  }
  for (const controller of shared) controller.abort('end');
  return problems;
}

/** Checks `stats()` and `size` against the operations the tasks have pending (all parked). */
function checkParked(
  setup: ProgramSetup,
  tasks: readonly Task[],
  pushed: ReadonlyMap<number, Pushed>,
  deliveries: ReadonlyMap<number, number>,
  problems: string[],
  when: string,
): void {
  for (const [ch, channel] of setup.channels.entries()) {
    let pushers = 0;
    let pullers = 0;
    let both = false;
    for (const task of tasks) {
      const current = task.current;
      if (current === undefined) continue;
      const p = current.pushes.filter((c) => c === ch).length;
      const q = current.pulls.filter((c) => c === ch).length;
      pushers += p;
      pullers += q;
      if (current.select && p > 0 && q > 0) both = true;
    }
    const stats = channel.stats();
    // stats() is a copy of the getters: the same state, whichever is read first.
    const getters = { size: channel.size, closed: channel.closed, capacity: channel.capacity };
    const copied = { size: stats.size, closed: stats.closed, capacity: stats.capacity };
    if (JSON.stringify(copied) !== JSON.stringify(getters)) {
      problems.push(`${when}: channel ${ch} stats() ${JSON.stringify(copied)}, getters ${JSON.stringify(getters)}`);
    }
    if (stats.waitingPushers !== pushers) {
      problems.push(`${when}: channel ${ch} has ${stats.waitingPushers} parked pushes, the tasks ${pushers}`);
    }
    const slack = setup.pullSlack[ch] ?? 0;
    if (stats.waitingPullers < pullers || stats.waitingPullers > pullers + slack) {
      problems.push(`${when}: channel ${ch} has ${stats.waitingPullers} parked pulls, the tasks ${pullers}`);
    }
    if (both) reached('a select parks a push and a pull case on one channel');
    const onlyTheBroadcast = setup.broadcastSource?.[ch] === true && pullers === 0 && stats.waitingPullers === 1;
    if (stats.waitingPushers > 0 && stats.waitingPullers > 0 && !both && !onlyTheBroadcast) {
      problems.push(`${when}: channel ${ch} has parked pushes and pulls at once`);
    }
    if (stats.size > channel.capacity + (setup.sizeSlack?.[ch] ?? 0))
      problems.push(`${when}: channel ${ch} holds ${stats.size} > capacity`);
    if (setup.checkSize && !setup.droppable[ch]) {
      let committed = 0;
      for (const entry of pushed.values()) if (entry.ch === ch && entry.state === 'committed') committed++;
      let delivered = 0;
      for (const [value, count] of deliveries) if (pushed.get(value)?.ch === ch) delivered += count;
      if (stats.size !== committed - delivered) {
        problems.push(`${when}: channel ${ch} size ${stats.size}, committed ${committed} − delivered ${delivered}`);
      }
    }
  }
}

/** A short description of a thrown value. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** `tasks` with every channel index taken modulo `n` (so steps drawn for more channels fit `n`). */
export function fold(tasks: readonly (readonly Op[])[], n: number): Op[][] {
  return tasks.map((ops) =>
    ops.map((op) => {
      if ('cases' in op) return { ...op, cases: op.cases.map((c) => (c.ch < 0 ? c : { ...c, ch: c.ch % n })) };
      if ('ch' in op) return { ...op, ch: op.ch % n };
      return op;
    }),
  );
}

/** A plain channel of configuration `config` named `name`. */
export function channelOf(config: ChannelConfig, name: string): Channel<number> {
  return new Channel<number>(config.capacity, { name, overflow: config.overflow });
}
