/**
 * Model-based test: random operation sequences on TWO channels, A and B, and selects spanning
 * them, against a plain-array model.
 *
 * The model (./model/channel-model.ts: read it first) is SPEC.md's "Channel<T>" and "select"
 * written with arrays: per channel a `buffer`, FIFO queues of parked `pushers` and `pullers`
 * (each waiter owned by a plain operation or by one case of a select), `closed` and
 * `closeReason`. It says, for every operation, how it must end (pending, resolved with which
 * value or select result, rejected with which error) and which values the drop policy discarded.
 *
 * fast-check picks the two channels — each capacity 0, 1, 2, 3, 5 or Infinity; overflow
 * 'block', or a drop mode when capacity >= 1 — and up to 40 commands, each on A or B:
 *   push(v) / pull()   without a signal, with a live AbortController, or with an aborted signal
 *   pushNowait(v) / pullNowait()
 *   next() / return()  on a new iterator or one made earlier (it stays usable after return(),
 *                      which withdraws the next() calls it left parked: they resolve done)
 *   tryPush(v) / tryPull()
 *   pullMany(max)      max 1-4; signal as for push
 *   pushAll(values)    0-5 values; signal as for push
 *   close() / close(reason)   reason: a fresh object
 *   select(cases)      1-3 entries, each pull(A|B), push(A|B, v) or (rarely) null; the same
 *                      channel may appear twice, with a push and a pull case; signal as for push
 *   selectNowait(cases)
 *   abort(k)           aborts the k-th (mod n) controller not aborted yet, whether its operation
 *                      is still parked (it must leave without a trace) or already settled
 *                      (nothing may change)
 *   abort(k) acting    the same, with an earlier `abort` listener of that signal running another
 *                      command first, while the operation is still queued with its signal
 *                      aborted (it must already count as gone)
 *   same turn          2-4 of these commands in one synchronous turn, no promise reaction between
 *                      them (a commit and an abort of the committed operation, a pushAll's push
 *                      committed and its signal aborted before it carries on, return() and
 *                      close(reason) together)
 * Each command runs on the model and on the channels; once the promise reactions have run, every
 * operation's outcome and both channels' stats() and getters must equal the model's. The model
 * cannot predict which ready case a select picks (at random): it checks that the case the real
 * select committed was ready, then applies it. Nor can it predict the order in which a parked
 * select queues several cases on one channel (random too, so that each case is met first as
 * often): after the real select parks, the test reads that order from the real channel's queues
 * and the model adopts it (see `alignParkedOrder`). A pushAll whose parked push commits carries
 * on once the step's synchronous part is over, as the real one does after its await.
 * At the end both channels are closed and drained and conservation is checked from the
 * observations alone: each committed value comes out exactly once (pulled, dropped by the
 * policy, or drained), and no value of a rejected push — or of a select push case that did not
 * win, or of a pushAll past its `pushed` count — shows up anywhere. FIFO: per channel, values
 * come out in the order the model committed them (the step-by-step checks tie that order to the
 * real one; a pushAll's values commit at moments no observation shows).
 * Pushed values are unique integers (a push's id, or a fresh id per select push case), so loss,
 * duplication and reordering are visible. The choices among ready cases are also tallied and
 * must be uniform.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  type OperationOptions,
  type Overflow,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from '../src/index.js';
import { type CaseSpec, Model, type Outcome } from './model/channel-model.js';

// ---------------------------------------------------------------------------------------------
// The real side: two channels and what every operation on them has done so far.

type Kind =
  | 'push'
  | 'pushNowait'
  | 'pull'
  | 'pullNowait'
  | 'next'
  | 'select'
  | 'selectNowait'
  | 'tryPush'
  | 'tryPull'
  | 'pullMany'
  | 'pushAll'
  | 'return';

type Observed =
  | { readonly status: 'pending' }
  | { readonly status: 'resolved'; readonly value: unknown; readonly step: number }
  | { readonly status: 'rejected'; readonly error: unknown; readonly step: number }
  | { readonly status: 'threw'; readonly error: unknown }; // a promise-returning call threw instead

/** What an operation works on: one channel (plain operations; pushAll: with its values) or cases (selects). */
type Target =
  | { readonly ch: number; readonly values?: readonly number[] }
  | { readonly cases: readonly (CaseSpec | null)[] };

type Operation = {
  readonly id: number;
  readonly kind: Kind;
  readonly label: string;
  observed: Observed;
} & Target;

const CHANNELS = ['A', 'B'];
const CHANNEL_NAMES = CHANNELS.map((letter) => `model-${letter}`);

interface ChannelConfig {
  readonly capacity: number;
  readonly overflow: Overflow;
}

class Real {
  readonly channels: Channel<number>[];
  /** `pull(channel)` for each channel, shared by every select of the run. */
  readonly pullCases: SelectCase[];
  readonly operations: Operation[] = [];
  /** Controllers of operations started with a live signal, not aborted yet. */
  readonly controllers: { id: number; controller: AbortController }[] = [];
  readonly history: string[] = [];
  /** The iterators made by next() commands, by channel, with the id the model knows them by. */
  readonly iterators: { readonly it: number; readonly ch: number; readonly iterator: AsyncIterator<number> }[] = [];
  /**
   * What the earlier `abort` listener of operation `id`'s signal does (registered when the
   * signal was made, so before the channel's own): set by an acting abort, for its abort only.
   */
  readonly hooks = new Map<number, () => void>();
  step = 0;
  private lastId = 0;

  constructor(configs: readonly ChannelConfig[]) {
    this.channels = configs.map(
      ({ capacity, overflow }, ch) => new Channel<number>(capacity, { name: CHANNEL_NAMES[ch]!, overflow }),
    );
    this.pullCases = this.channels.map((channel) => pull(channel));
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** Starts a promise-returning operation and records how it settles, and at which step. */
  start(id: number, kind: Kind, target: Target, label: string, call: () => Promise<unknown>): Operation {
    const operation = this.add(id, kind, target, label);
    let promise: Promise<unknown>;
    try {
      promise = call();
    } catch (error) {
      operation.observed = { status: 'threw', error };
      return operation;
    }
    promise.then(
      (value) => {
        operation.observed = { status: 'resolved', value, step: this.step };
      },
      (error) => {
        operation.observed = { status: 'rejected', error, step: this.step };
      },
    );
    return operation;
  }

  /** Runs a synchronous (nowait) operation and records what it returned or threw. */
  now(id: number, kind: Kind, target: Target, label: string, call: () => unknown): Operation {
    const operation = this.add(id, kind, target, label);
    try {
      operation.observed = { status: 'resolved', value: call(), step: this.step };
    } catch (error) {
      operation.observed = { status: 'rejected', error, step: this.step };
    }
    return operation;
  }

  private add(id: number, kind: Kind, target: Target, label: string): Operation {
    const operation: Operation = { id, kind, label: `#${id} ${label}`, observed: { status: 'pending' }, ...target };
    this.operations.push(operation);
    this.history.push(`step ${this.step}: ${operation.label}`);
    return operation;
  }
}

/** Lets every pending promise reaction run. The channel settles its waiters synchronously and
 * no chain in it is more than a few reactions deep (the longest: a pushAll resuming after its
 * await, whose value then settles a parked pull), so a dozen turns are plenty (a regression
 * that deferred more would show as a mismatch, never as a pass). */
async function flush(): Promise<void> {
  for (let turn = 0; turn < 12; turn++) await Promise.resolve();
}

// ---------------------------------------------------------------------------------------------
// Comparing the two: both sides are turned into short labels, so a failure reads as a diff like
//   "#4 pull() on A": "resolved 3"  vs  "pending".
// Reasons are compared by identity: the objects the test creates are named in `names`.

const names = new WeakMap<object, string>();

function named(name: string): object {
  const object = {};
  names.set(object, name);
  return object;
}

function show(value: unknown): string {
  if (typeof value === 'object' && value !== null && names.has(value)) return names.get(value)!;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return JSON.stringify(value) ?? String(value);
}

function label(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'pending':
      return 'pending';
    case 'value':
      return outcome.value === undefined ? 'resolved' : `resolved ${show(outcome.value)}`;
    case 'selected':
      return `selected case ${outcome.index} on ${outcome.channel}: value ${show(outcome.value)}, ok ${outcome.ok}`;
    case 'closed': {
      const cause = outcome.cause === undefined ? '' : ` (cause ${show(outcome.cause)})`;
      return `ChannelClosedError on ${outcome.channel}${cause}${pushedLabel(outcome.pushed)}`;
    }
    case 'full':
      return `ChannelFullError on ${outcome.channel}`;
    case 'empty':
      return `ChannelEmptyError on ${outcome.channel}`;
    case 'type-error':
      return 'TypeError';
    case 'reason':
      return `rejected with ${show(outcome.reason)}${pushedLabel(outcome.pushed)}`;
    case 'one of':
      return `selected one of the ready cases ${show(outcome.ready)}`;
  }
}

/** How a failed pushAll's count reads in a label. */
function pushedLabel(pushed: number | undefined): string {
  return pushed === undefined ? '' : `, pushed ${pushed}`;
}

/** A select's result as the model's outcome, or a description of what is wrong with it. */
function selectResult(value: unknown, real: Real): Outcome | string {
  if (typeof value !== 'object' || value === null) return `not a select result: ${show(value)}`;
  const keys = Object.keys(value).sort().join();
  if (keys !== 'channel,index,ok,value') return `select result with keys ${keys}`;
  const result = value as { index: number; channel: unknown; value: unknown; ok: boolean };
  const ch = real.channels.indexOf(result.channel as Channel<number>);
  if (ch < 0) return `select result with channel ${show(result.channel)}`;
  return { kind: 'selected', index: result.index, channel: CHANNEL_NAMES[ch]!, value: result.value, ok: result.ok };
}

/** What the channels did with `operation`, as a label comparable with the model's. */
function observedLabel(operation: Operation, real: Real): string {
  const observed = operation.observed;
  if (observed.status === 'pending') return 'pending';
  if (observed.status === 'threw') return `threw synchronously ${show(observed.error)}`;
  const isSelect = operation.kind === 'select' || operation.kind === 'selectNowait';
  if (observed.status === 'resolved') {
    if (!isSelect || observed.value === undefined) return label({ kind: 'value', value: observed.value });
    const result = selectResult(observed.value, real);
    return typeof result === 'string' ? result : label(result);
  }
  const error = observed.error;
  if (isSelect && error instanceof TypeError) return label({ kind: 'type-error' });
  // pushAll's count, on whatever error it rejects with (read from every error: no other
  // operation may leave one).
  const pushed =
    typeof error === 'object' && error !== null && Object.hasOwn(error, 'pushed')
      ? (error as { pushed: number }).pushed
      : undefined;
  if (!(error instanceof ChannelError)) return label({ kind: 'reason', reason: error, pushed });
  // SPEC "Errors": name is the class name; the message names the channel and the operation.
  const ch = real.channels.indexOf(error.channel as Channel<number>);
  if (error.name !== error.constructor.name || ch < 0) return `malformed ${show(error)}`;
  const channel = CHANNEL_NAMES[ch]!;
  // A select fails only for a push case; its message says `select push` at the call, `push`
  // when close() fails the parked case. A parked pullMany or pushAll that close() fails is a
  // parked pull or push: its message says so.
  const operationName =
    isSelect || operation.kind === 'pushAll' ? 'push' : operation.kind === 'pullMany' ? 'pull' : operation.kind;
  if (!error.message.includes(`"${channel}"`) || !error.message.includes(operationName)) {
    return `badly worded ${show(error)}`;
  }
  if (error instanceof ChannelClosedError) return label({ kind: 'closed', channel, cause: error.cause, pushed });
  if (error instanceof ChannelFullError) return label({ kind: 'full', channel });
  if (error instanceof ChannelEmptyError) return label({ kind: 'empty', channel });
  return label({ kind: 'reason', reason: error, pushed });
}

/**
 * After every step: each operation's outcome, and each channel's `stats()` and getters, equal
 * the model's. With `outcomes: false`, right after the synchronous call: promise reactions have
 * not run yet, but the channels' state must already be the model's (operations run to
 * completion at once).
 */
function expectAgreement(model: Model, real: Real, { outcomes = true } = {}): void {
  const operations = outcomes ? real.operations : [];
  const actual = {
    outcomes: Object.fromEntries(operations.map((op) => [op.label, observedLabel(op, real)])),
    channels: real.channels.map((channel) => ({
      stats: channel.stats(),
      getters: { size: channel.size, full: channel.full, empty: channel.empty, closed: channel.closed },
    })),
  };
  const expected = {
    outcomes: Object.fromEntries(operations.map((op) => [op.label, label(model.outcomes.get(op.id)!)])),
    channels: model.channels.map((channel) => {
      const size = channel.buffer.length;
      return {
        stats: {
          name: channel.name,
          capacity: channel.capacity,
          size,
          closed: channel.closed,
          overflow: channel.overflow,
          waitingPushers: channel.pushers.length,
          waitingPullers: channel.pullers.length,
        },
        getters: { size, full: size === channel.capacity, empty: size === 0, closed: channel.closed },
      };
    }),
  };
  // The fast check first: vitest's diff is only needed to report a mismatch.
  if (!isDeepStrictEqual(actual, expected)) expect(actual, real.history.join('\n')).toEqual(expected);
}

// ---------------------------------------------------------------------------------------------
// Commands. Each one is stateless: ids, values and reasons are made when it runs.

type Act = (model: Model, real: Real) => Promise<void> | undefined;
/** A command whose synchronous part can also run within another step (same turn, abort listener). */
type Command = fc.AsyncCommand<Model, Real> & { readonly act: Act };
type SignalMode = 'none' | 'live' | 'aborted';
/** A select case as generated: the value of a push case is made when the command runs. */
type CaseShape = { readonly kind: 'pull' | 'push'; readonly ch: number } | null;

/** Which interesting situations the random sequences reached (see the coverage test). */
const coverage = new Map<string, number>();
function cover(situation: string): void {
  coverage.set(situation, (coverage.get(situation) ?? 0) + 1);
}

/**
 * How often a select with `n` ready cases committed the `k`-th of them: `choices[n][k]`. Kept
 * across runs; must come out uniform (SPEC: "chosen uniformly at random").
 */
const choices: number[][] = [[], [0], [0, 0], [0, 0, 0]];

/**
 * A command. `act` runs the operation on both sides; it may return a promise (a select that
 * committed at once, whose choice the model learns only from the resolved result): then the
 * state check right after the synchronous call is skipped, as the model is not there yet.
 */
function command(name: string, act: Act): Command {
  return {
    act,
    check: () => true,
    run: async (model, real) => {
      real.step++;
      const deferred = act(model, real);
      if (deferred) await deferred;
      else expectAgreement(model, real, { outcomes: false });
      model.runContinuations();
      await flush();
      expectAgreement(model, real);
    },
    toString: () => name,
  };
}

/** The options for an operation with that signal mode, and the reason if it is already aborted. */
function signalFor(real: Real, id: number, mode: SignalMode): [OperationOptions, { reason: unknown } | undefined] {
  if (mode === 'none') return [{}, undefined];
  const controller = new AbortController();
  if (mode === 'live') {
    real.controllers.push({ id, controller });
    // An earlier listener than any the channel adds: an acting abort runs code in it while the
    // operation is still queued with its signal aborted.
    controller.signal.addEventListener('abort', () => real.hooks.get(id)?.());
    return [{ signal: controller.signal }, undefined];
  }
  const reason = named(`abort-reason#${id}`);
  controller.abort(reason);
  return [{ signal: controller.signal }, { reason }];
}

const pushCommand = (mode: SignalMode, ch: number) =>
  command(`push ${CHANNELS[ch]}${mode === 'none' ? '' : ` (${mode} signal)`}`, (model, real) => {
    const channel = model.channels[ch]!;
    const id = real.nextId();
    const [options, aborted] = signalFor(real, id, mode);
    if (aborted && channel.closed) cover('push with an aborted signal on a closed channel');
    if (!aborted && !channel.closed && channel.buffer.length === channel.capacity && channel.pullers.length === 0) {
      cover(`push on a full ${channel.overflow} channel`);
    }
    if (!aborted && !channel.closed && channel.pullers[0]?.how === 'select') cover('push meets a parked select');
    model.push(ch, id, id, true, aborted);
    real.start(id, 'push', { ch }, `push(${id}) on ${CHANNELS[ch]}, ${mode} signal`, () =>
      real.channels[ch]!.push(id, options),
    );
    return undefined;
  });

const pullCommand = (mode: SignalMode, ch: number) =>
  command(`pull ${CHANNELS[ch]}${mode === 'none' ? '' : ` (${mode} signal)`}`, (model, real) => {
    const channel = model.channels[ch]!;
    const id = real.nextId();
    const [options, aborted] = signalFor(real, id, mode);
    if (aborted && channel.closed) cover('pull with an aborted signal on a closed channel');
    if (!aborted && channel.pushers.length > 0) {
      cover(channel.capacity === 0 ? 'rendezvous' : 'pull refills the buffer');
    }
    model.pull(ch, id, 'pull', aborted);
    real.start(id, 'pull', { ch }, `pull() on ${CHANNELS[ch]}, ${mode} signal`, () => real.channels[ch]!.pull(options));
    return undefined;
  });

const pushNowaitCommand = (ch: number) =>
  command(`pushNowait ${CHANNELS[ch]}`, (model, real) => {
    const id = real.nextId();
    model.push(ch, id, id, false);
    real.now(id, 'pushNowait', { ch }, `pushNowait(${id}) on ${CHANNELS[ch]}`, () => real.channels[ch]!.pushNowait(id));
    return undefined;
  });

/** Several pushNowait calls in one step: the way to deep buffers (and a growing ring buffer). */
const pushNowaitBurstCommand = (count: number, ch: number) =>
  command(`pushNowait×${count} ${CHANNELS[ch]}`, (model, real) => {
    for (let i = 0; i < count; i++) {
      const id = real.nextId();
      model.push(ch, id, id, false);
      real.now(id, 'pushNowait', { ch }, `pushNowait(${id}) on ${CHANNELS[ch]}`, () =>
        real.channels[ch]!.pushNowait(id),
      );
    }
    if (model.channels[ch]!.buffer.length > 8) cover('more than 8 values buffered');
    return undefined;
  });

const pullNowaitCommand = (ch: number) =>
  command(`pullNowait ${CHANNELS[ch]}`, (model, real) => {
    const channel = model.channels[ch]!;
    const id = real.nextId();
    if (channel.closed && channel.buffer.length === 0) cover('pullNowait on a closed, drained channel');
    model.pull(ch, id, 'pullNowait');
    real.now(id, 'pullNowait', { ch }, `pullNowait() on ${CHANNELS[ch]}`, () => real.channels[ch]!.pullNowait());
    return undefined;
  });

/**
 * `next()` of an iterator of channel `ch`: a new one (`pick` null, or none yet), else the
 * `pick`-th (mod n) of those made on it; iterators stay usable after `return()`.
 */
const nextCommand = (ch: number, pick: number | null) =>
  command(
    `iterator.next ${CHANNELS[ch]}${pick === null ? ' (new iterator)' : ` (iterator ${pick})`}`,
    (model, real) => {
      const channel = model.channels[ch]!;
      const id = real.nextId();
      if (channel.closed && channel.buffer.length === 0) {
        cover(channel.closeReason === undefined ? 'next() ends' : 'next() throws the close reason');
      }
      const mine = real.iterators.filter((entry) => entry.ch === ch);
      let entry = pick === null || mine.length === 0 ? undefined : mine[pick % mine.length];
      if (entry === undefined) {
        entry = { it: real.nextId(), ch, iterator: real.channels[ch]![Symbol.asyncIterator]() };
        real.iterators.push(entry);
      } else if (channel.pullers.some((p) => p.how === 'next' && p.iterator === entry!.it)) {
        cover('an iterator with two next() calls parked');
      }
      const { it, iterator } = entry;
      model.pull(ch, id, 'next', undefined, it);
      real.start(id, 'next', { ch }, `iterator#${it}.next() on ${CHANNELS[ch]}`, () => iterator.next());
      return undefined;
    },
  );

/** `return()` of the `pick`-th (mod n) iterator made on channel `ch`, if any. */
const returnCommand = (ch: number, pick: number) =>
  command(`iterator.return ${CHANNELS[ch]} (iterator ${pick})`, (model, real) => {
    const mine = real.iterators.filter((entry) => entry.ch === ch);
    if (mine.length === 0) return undefined;
    const { it, iterator } = mine[pick % mine.length]!;
    const id = real.nextId();
    model.returnIterator(ch, it);
    model.outcomes.set(id, { kind: 'value', value: { done: true, value: undefined } });
    real.start(id, 'return', { ch }, `iterator#${it}.return() on ${CHANNELS[ch]}`, () => iterator.return!());
    return undefined;
  });

const tryPushCommand = (ch: number) =>
  command(`tryPush ${CHANNELS[ch]}`, (model, real) => {
    const channel = model.channels[ch]!;
    const id = real.nextId();
    if (channel.closed) cover('tryPush on a closed channel');
    else if (!channel.pushReady) cover('tryPush on a full channel');
    else cover('tryPush commits');
    model.tryPush(ch, id, id);
    real.now(id, 'tryPush', { ch }, `tryPush(${id}) on ${CHANNELS[ch]}`, () => real.channels[ch]!.tryPush(id));
    return undefined;
  });

const tryPullCommand = (ch: number) =>
  command(`tryPull ${CHANNELS[ch]}`, (model, real) => {
    const channel = model.channels[ch]!;
    const id = real.nextId();
    if (channel.pushers.length > 0) cover('tryPull takes from a parked push');
    else if (!channel.pullReady || channel.buffer.length === 0) cover('tryPull finds nothing');
    model.tryPull(ch, id);
    real.now(id, 'tryPull', { ch }, `tryPull() on ${CHANNELS[ch]}`, () => real.channels[ch]!.tryPull());
    return undefined;
  });

const pullManyCommand = (max: number, mode: SignalMode, ch: number) =>
  command(`pullMany(${max}) ${CHANNELS[ch]}${mode === 'none' ? '' : ` (${mode} signal)`}`, (model, real) => {
    const channel = model.channels[ch]!;
    const id = real.nextId();
    const [options, aborted] = signalFor(real, id, mode);
    if (!aborted) {
      if (channel.buffer.length + channel.pushers.length > 1 && max > 1) cover('pullMany takes several values');
      if (channel.pushers.length > 0) cover('pullMany takes from parked pushes');
      if (!channel.pullReady) cover('pullMany parks');
      if (channel.closed && channel.buffer.length === 0) cover('pullMany on a closed, drained channel');
    }
    model.pullMany(ch, id, max, aborted);
    real.start(id, 'pullMany', { ch }, `pullMany(${max}) on ${CHANNELS[ch]}, ${mode} signal`, () =>
      real.channels[ch]!.pullMany(max, options),
    );
    return undefined;
  });

const pushAllCommand = (count: number, mode: SignalMode, ch: number) =>
  command(`pushAll(×${count}) ${CHANNELS[ch]}${mode === 'none' ? '' : ` (${mode} signal)`}`, (model, real) => {
    const channel = model.channels[ch]!;
    const id = real.nextId();
    const values = Array.from({ length: count }, () => real.nextId());
    const [options, aborted] = signalFor(real, id, mode);
    if (!aborted && channel.closed && count > 0) cover('pushAll on a closed channel');
    model.pushAll(ch, id, values, aborted);
    if (model.outcomes.get(id)?.kind === 'value' && count > 1) cover('pushAll commits several values at the call');
    real.start(
      id,
      'pushAll',
      { ch, values },
      `pushAll([${values.join(', ')}]) on ${CHANNELS[ch]}, ${mode} signal`,
      () => real.channels[ch]!.pushAll(values, options),
    );
    return undefined;
  });

const closeCommand = (withReason: boolean, ch: number) =>
  command(`${withReason ? 'close(reason)' : 'close()'} ${CHANNELS[ch]}`, (model, real) => {
    const channel = model.channels[ch]!;
    const reason = withReason ? named(`close-reason@step${real.step}`) : undefined;
    if (!channel.closed && channel.pushers.some((p) => p.how === 'push')) cover('close fails parked pushes');
    if (!channel.closed && channel.pullers.some((p) => p.how === 'next')) cover('close ends a parked next()');
    if (!channel.closed && channel.pullers.some((p) => p.how === 'pull')) cover('close fails parked pulls');
    if (channel.closed) cover('close twice');
    real.history.push(`step ${real.step}: close(${show(reason)}) ${CHANNELS[ch]}`);
    model.close(ch, reason);
    real.channels[ch]!.close(reason);
    return undefined;
  });

const abortCommand = (k: number) =>
  command(`abort(${k})`, (model, real) => {
    const [target] = real.controllers.splice(k % Math.max(1, real.controllers.length), 1);
    if (target === undefined) return undefined; // no live controller left: a no-op
    const pending = model.outcomes.get(target.id)?.kind === 'pending';
    cover(pending ? 'abort a parked operation' : 'abort a settled operation');
    const reason = named(`abort-reason#${target.id}`);
    real.history.push(`step ${real.step}: abort #${target.id} with ${show(reason)}`);
    model.abort(target.id, reason);
    target.controller.abort(reason);
    return undefined;
  });

/**
 * Aborts the `k`-th (mod n) live controller, whose earlier `abort` listener runs `inner` first:
 * the operation is still queued then, with its signal aborted, so whatever `inner` commits or
 * closes must treat it as gone (SPEC: an aborted signal is checked first). The model aborts it
 * first, then runs `inner`.
 */
const actingAbortCommand = (k: number, inner: Command) =>
  command(`abort(${k}) whose earlier listener runs ${inner}`, (model, real) => {
    const [target] = real.controllers.splice(k % Math.max(1, real.controllers.length), 1);
    if (target === undefined) return undefined;
    if (model.outcomes.get(target.id)?.kind === 'pending')
      cover('an earlier abort listener acts while the operation is parked');
    const reason = named(`abort-reason#${target.id}`);
    real.history.push(`step ${real.step}: abort #${target.id} with ${show(reason)}, whose listener runs ${inner}:`);
    model.abort(target.id, reason);
    let deferred: Promise<void> | undefined;
    real.hooks.set(target.id, () => {
      real.hooks.delete(target.id);
      deferred = inner.act(model, real);
    });
    target.controller.abort(reason);
    return deferred;
  });

/**
 * Several commands in one synchronous turn: no promise reaction runs between them (a pull
 * commits to a parked push and that push's signal aborts in the same turn, a return() and a
 * close(reason), a pushAll's parked push committed and its signal aborted before it carries
 * on). The state is checked after each; outcomes once the turn is over. A select that commits at
 * once ends the turn early (the model learns its choice from its result).
 */
const sameTurnCommand = (commands: readonly Command[]): Command => {
  const name = `same turn: ${commands.join('; ')}`;
  return {
    act: () => {
      throw new Error('a same-turn command does not nest');
    },
    check: () => true,
    run: async (model, real) => {
      real.step++;
      real.history.push(`step ${real.step}: ${name}`);
      if (commands.length > 1) cover('several operations in one turn');
      for (const inner of commands) {
        const deferred = inner.act(model, real);
        if (deferred) {
          await deferred;
          model.runContinuations();
        } else {
          expectAgreement(model, real, { outcomes: false });
        }
      }
      model.runContinuations();
      await flush();
      expectAgreement(model, real);
    },
    toString: () => name,
  };
};

function describeCases(cases: readonly (CaseSpec | null)[]): string {
  const one = (c: CaseSpec | null) =>
    c === null ? 'null' : c.kind === 'pull' ? `pull(${CHANNELS[c.ch]})` : `push(${CHANNELS[c.ch]}, ${c.value})`;
  return `[${cases.map(one).join(', ')}]`;
}

/** Coverage of a select call, before it runs on the model. */
function coverSelectCall(model: Model, cases: readonly (CaseSpec | null)[], wait: boolean, mode: SignalMode): void {
  const name = wait ? 'select' : 'selectNowait';
  if (mode === 'aborted') cover('select with an aborted signal');
  if (cases.includes(null))
    cover(cases.every((c) => c === null) ? `${name} with only null entries` : `${name} with a null entry`);
  const live = cases.filter((c) => c !== null);
  if (new Set(live.map((c) => c.ch)).size < live.length) cover('select with a channel in two cases');
  if (mode !== 'aborted' && live.some((c) => c.kind === 'push' && model.channels[c.ch]!.closed)) {
    cover(`${name} with a push case on a closed channel`);
  }
}

/**
 * The real select committed at once (its result is `operation`'s): check that the case it
 * chose was ready, and apply it to the model.
 */
function commitChosen(model: Model, operation: Operation, cases: readonly (CaseSpec | null)[], ready: number[]): void {
  const observed = operation.observed;
  const index = observed.status === 'resolved' ? (observed.value as { index?: unknown } | undefined)?.index : undefined;
  const position = ready.indexOf(index as number);
  if (position < 0) {
    model.selectMischose(operation.id, ready);
    return;
  }
  model.selectCommit(operation.id, cases, index as number);
  const tally = choices[ready.length]!;
  tally[position]!++;
  const name = operation.kind;
  cover(ready.length > 1 ? `${name} chooses among several ready cases` : `${name} commits at the call`);
  const outcome = model.outcomes.get(operation.id)!;
  if (outcome.kind === 'selected' && !outcome.ok) cover(`${name} pull case on a closed, drained channel (ok: false)`);
}

/** The command label for a list of case shapes. */
const describeShapes = (shapes: readonly CaseShape[]) =>
  shapes.map((c) => (c === null ? 'null' : `${c.kind} ${CHANNELS[c.ch]}`)).join(', ');

/** Case specs for `shapes`, each push case with a fresh unique value. */
const casesFor = (real: Real, shapes: readonly CaseShape[]): (CaseSpec | null)[] =>
  shapes.map((c) =>
    c === null
      ? null
      : c.kind === 'pull'
        ? { kind: 'pull', ch: c.ch }
        : { kind: 'push', ch: c.ch, value: real.nextId() },
  );

const selectCommand = (shapes: readonly CaseShape[], mode: SignalMode) =>
  command(`select(${describeShapes(shapes)})${mode === 'none' ? '' : ` (${mode} signal)`}`, (model, real) => {
    const id = real.nextId();
    const cases = casesFor(real, shapes);
    const [options, aborted] = signalFor(real, id, mode);
    coverSelectCall(model, cases, true, mode);
    const ready = model.selectCall(id, cases, true, aborted);
    if (model.outcomes.get(id)?.kind === 'pending') cover('select parks');
    const entries = realCases(real, id, cases);
    const operation = real.start(id, 'select', { cases }, `select(${describeCases(cases)}), ${mode} signal`, () =>
      select(entries, options),
    );
    if (model.outcomes.get(id)?.kind === 'pending') alignParkedOrder(model, real, id, cases);
    if (ready === undefined) return undefined;
    // Committed at the call; the choice shows only in the resolved result.
    return flush().then(() => commitChosen(model, operation, cases, ready));
  });

const selectNowaitCommand = (shapes: readonly CaseShape[]) =>
  command(`selectNowait(${describeShapes(shapes)})`, (model, real) => {
    const id = real.nextId();
    const cases = casesFor(real, shapes);
    coverSelectCall(model, cases, false, 'none');
    const ready = model.selectCall(id, cases, false);
    const outcome = model.outcomes.get(id);
    if (outcome?.kind === 'value' && cases.some((c) => c !== null)) cover('selectNowait returns undefined');
    const entries = realCases(real, id, cases);
    const operation = real.now(id, 'selectNowait', { cases }, `selectNowait(${describeCases(cases)})`, () =>
      selectNowait(entries),
    );
    if (ready !== undefined) commitChosen(model, operation, cases, ready);
    return undefined;
  });

/**
 * A select just parked: give the model's queues the order in which the real select queued its
 * cases on each channel where it has several of the same kind. That order is drawn at random
 * (so that each case is met first as often), so the model cannot know it; the only place it can
 * be read is the real channel's queue. This reads internals on purpose: the channel's
 * `pushHead`/`pullHead` and each waiter's `next` link (a circular list, oldest first), and a
 * select waiter's `group` (shared by one select's waiters) and `index` (its case's position).
 * The select's waiters are the youngest of each queue, as it just parked.
 */
function alignParkedOrder(model: Model, real: Real, id: number, cases: readonly (CaseSpec | null)[]): void {
  for (const [ch, channel] of real.channels.entries()) {
    for (const isPush of [true, false]) {
      const count = cases.filter((c) => c?.ch === ch && (c.kind === 'push') === isPush).length;
      if (count < 2) continue;
      cover('select parks two cases of one kind on one channel');
      type RealWaiter = { readonly next: RealWaiter; readonly group?: unknown; readonly index?: number };
      const head = (isPush ? channel.pushHead : channel.pullHead) as RealWaiter | undefined;
      const queue: RealWaiter[] = [];
      for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) {
        queue.push(waiter);
      }
      const mine = queue.slice(-count);
      expect(
        mine.every((waiter) => waiter.group !== undefined && waiter.group === mine[0]!.group),
        `the last ${count} waiters of ${CHANNELS[ch]}'s ${isPush ? 'push' : 'pull'} queue are one select's`,
      ).toBe(true);
      model.alignParked(
        ch,
        isPush,
        id,
        mine.map((waiter) => waiter.index!),
      );
    }
  }
}

/**
 * The real cases of a select with id `id`. A skipped entry is `null`, or `undefined` for an even
 * id (both are skipped). Pull cases are the run's shared case objects (SPEC: cases are
 * immutable, one may serve many selects); push cases carry a fresh value each.
 */
function realCases(real: Real, id: number, cases: readonly (CaseSpec | null)[]): (SelectCase | null | undefined)[] {
  return cases.map((c) => {
    if (c === null) return id % 2 === 0 ? undefined : null;
    return c.kind === 'pull' ? real.pullCases[c.ch]! : push(real.channels[c.ch]!, c.value);
  });
}

const signalArb = fc.constantFrom<SignalMode>('none', 'none', 'live', 'live', 'aborted');
const chArb = fc.constantFrom(0, 1);
const caseArb: fc.Arbitrary<CaseShape> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constantFrom<'pull' | 'push'>('pull', 'push'), ch: chArb }) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const casesArb = fc.array(caseArb, { minLength: 1, maxLength: 3 });

const baseCommandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(signalArb, chArb).map(([mode, ch]) => pushCommand(mode, ch)) },
  { weight: 6, arbitrary: fc.tuple(signalArb, chArb).map(([mode, ch]) => pullCommand(mode, ch)) },
  { weight: 2, arbitrary: chArb.map(pushNowaitCommand) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 2, max: 9 }), chArb).map(([n, ch]) => pushNowaitBurstCommand(n, ch)),
  },
  { weight: 2, arbitrary: chArb.map(pullNowaitCommand) },
  {
    weight: 2,
    arbitrary: fc.tuple(chArb, fc.option(fc.nat(3), { freq: 3 })).map(([ch, pick]) => nextCommand(ch, pick)),
  },
  { weight: 1, arbitrary: fc.tuple(chArb, fc.nat(3)).map(([ch, pick]) => returnCommand(ch, pick)) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), chArb).map(([withReason, ch]) => closeCommand(withReason, ch)) },
  { weight: 3, arbitrary: fc.nat(7).map(abortCommand) },
  { weight: 6, arbitrary: fc.tuple(casesArb, signalArb).map(([cases, mode]) => selectCommand(cases, mode)) },
  { weight: 2, arbitrary: casesArb.map(selectNowaitCommand) },
  { weight: 2, arbitrary: chArb.map(tryPushCommand) },
  { weight: 2, arbitrary: chArb.map(tryPullCommand) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 4 }), signalArb, chArb)
      .map(([max, mode, ch]) => pullManyCommand(max, mode, ch)),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 5 }), signalArb, chArb)
      .map(([count, mode, ch]) => pushAllCommand(count, mode, ch)),
  },
);

/** The commands of one turn (or of an earlier abort listener): no same-turn nesting. */
const turnArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.array(baseCommandArb, { minLength: 2, maxLength: 4 }).map(sameTurnCommand) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(7), baseCommandArb).map(([k, inner]) => actingAbortCommand(k, inner)) },
  // A pull that commits a parked push, then an abort in the same turn: when the abort hits that
  // push's pushAll, the pushAll must stop before its next value (rare in the turns above).
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(
          chArb.map((ch) => pullCommand('none', ch)),
          chArb.map((ch) => pullManyCommand(2, 'none', ch)),
          chArb.map(pullNowaitCommand),
          chArb.map(tryPullCommand),
        ),
        fc.nat(7),
      )
      .map(([pull, k]) => sameTurnCommand([pull, abortCommand(k)])),
  },
  // A select parked with a push and a pull case on one channel, then that channel's close.
  {
    weight: 1,
    arbitrary: fc.tuple(chArb, fc.boolean()).map(([ch, withReason]) =>
      sameTurnCommand([
        selectCommand(
          [
            { kind: 'push', ch },
            { kind: 'pull', ch },
          ],
          'none',
        ),
        closeCommand(withReason, ch),
      ]),
    ),
  },
);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: baseCommandArb },
  { weight: 1, arbitrary: turnArb },
);

const channelArb: fc.Arbitrary<ChannelConfig> = fc
  .record({
    capacity: fc.constantFrom(0, 1, 2, 3, 5, Number.POSITIVE_INFINITY),
    overflow: fc.constantFrom<Overflow>('block', 'drop-oldest', 'drop-newest'),
  })
  .map(({ capacity, overflow }) => ({ capacity, overflow: capacity === 0 ? ('block' as const) : overflow }));

// ---------------------------------------------------------------------------------------------
// The end of a run: close, drain, and the conservation law from the observations alone.

/** A value that went into or came out of a channel, at a step, by an operation. */
interface Transfer {
  readonly ch: number;
  readonly value: number;
  readonly step: number;
  readonly id: number;
}

async function closeDrainAndCheckConservation(model: Model, real: Real): Promise<void> {
  for (const ch of CHANNELS.keys()) await closeCommand(false, ch).run(model, real);
  const stillPending = real.operations.filter((op) => op.observed.status === 'pending').map((op) => op.label);
  expect(stillPending, 'closed channels have no parked operation').toEqual([]);

  const drained = real.channels.map((channel, ch) => {
    const values: number[] = [];
    let end: unknown;
    for (;;) {
      try {
        values.push(channel.pullNowait());
      } catch (error) {
        end = error;
        break;
      }
    }
    expect(end, `pullNowait() on drained ${CHANNELS[ch]}`).toBeInstanceOf(ChannelClosedError);
    expect(values, `the values left in ${CHANNELS[ch]}'s buffer`).toEqual(model.channels[ch]!.buffer);
    return values;
  });

  // What went in (committed pushes) and came out (received values), from the observations.
  const committed: Transfer[] = [];
  const received: Transfer[] = [];
  const notCommitted: number[] = [];
  for (const op of real.operations) {
    const observed = op.observed;
    const step = 'step' in observed ? observed.step : Number.POSITIVE_INFINITY;
    const resolved = observed.status === 'resolved';
    if ('ch' in op) {
      const value = resolved ? observed.value : undefined;
      if (op.kind === 'push' || op.kind === 'pushNowait' || op.kind === 'tryPush') {
        // The value pushed is the id.
        if (resolved && value !== false) committed.push({ ch: op.ch, value: op.id, step, id: op.id });
        else notCommitted.push(op.id);
      } else if (op.kind === 'pushAll') {
        // All of them, or as many as the error's `pushed` says.
        const error = observed.status === 'rejected' ? (observed.error as { pushed?: unknown }) : undefined;
        const count = resolved ? op.values!.length : typeof error?.pushed === 'number' ? error.pushed : 0;
        for (const [i, pushed] of op.values!.entries()) {
          if (i < count) committed.push({ ch: op.ch, value: pushed, step, id: op.id });
          else notCommitted.push(pushed);
        }
      } else if (op.kind === 'pullMany') {
        if (resolved)
          for (const pulled of value as number[]) received.push({ ch: op.ch, value: pulled, step, id: op.id });
      } else if (op.kind === 'return') {
        // Withdraws parked next() calls; takes nothing.
      } else if (op.kind === 'tryPull') {
        if (value !== undefined) received.push({ ch: op.ch, value: value as number, step, id: op.id });
      } else if (resolved && !(op.kind === 'next' && (value as IteratorResult<number>).done)) {
        const pulled = op.kind === 'next' ? (value as IteratorResult<number>).value : (value as number);
        received.push({ ch: op.ch, value: pulled, step, id: op.id });
      }
      continue;
    }
    const result = resolved ? (observed.value as { index: number; value: number; ok: boolean } | undefined) : undefined;
    op.cases.forEach((c, index) => {
      if (c === null) return;
      const won = result !== undefined && result.index === index;
      if (c.kind === 'push') {
        if (won) committed.push({ ch: c.ch, value: c.value, step, id: op.id });
        else notCommitted.push(c.value);
      } else if (won && result.ok) {
        received.push({ ch: c.ch, value: result.value, step, id: op.id });
      }
    });
  }

  // Within a step, deliveries (to parked pulls, oldest first) happen in id order; a pullMany's
  // values stay in their order (the sort is stable).
  const byStep = (a: Transfer, b: Transfer) => a.step - b.step || a.id - b.id;
  received.sort(byStep);
  const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
  const out = real.channels.map((_, ch) => [
    ...received.filter((t) => t.ch === ch).map((t) => t.value),
    ...drained[ch]!,
  ]);

  // Every committed value exactly once among received, dropped and drained; nothing else.
  expect(sorted([...out.flat(), ...model.dropped]), 'conservation').toEqual(sorted(committed.map((t) => t.value)));
  expect(
    out.flat().filter((value) => notCommitted.includes(value)),
    'values of rejected pushes and losing push cases',
  ).toEqual([]);
  // FIFO per channel: values come out in the order they were committed (minus the dropped ones).
  for (const ch of CHANNELS.keys()) {
    const inOrder = model.channels[ch]!.log.filter((value) => !model.dropped.includes(value));
    expect(out[ch], `FIFO on ${CHANNELS[ch]}`).toEqual(inOrder);
  }
}

// ---------------------------------------------------------------------------------------------

/** Runs of the property: `MODEL_RUNS` in the environment for a longer hunt. */
const NUM_RUNS = Number(process.env.MODEL_RUNS) || 5000;

test('random operation sequences keep two channels and selects equal to the plain-array model', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(channelArb, channelArb),
      fc.commands([commandArb], { maxCommands: 40, size: 'max' }),
      async (configs, commands) => {
        const model = new Model(
          configs.map((config, ch) => ({ name: CHANNEL_NAMES[ch]!, ...config })),
          cover,
        );
        const real = new Real(configs);
        await fc.asyncModelRun(() => ({ model, real }), commands);
        await closeDrainAndCheckConservation(model, real);
      },
    ),
    { numRuns: NUM_RUNS },
  );

  // The generators must keep reaching the situations the model is about.
  const situations = [
    'push with an aborted signal on a closed channel',
    'pull with an aborted signal on a closed channel',
    'push on a full block channel',
    'push on a full drop-oldest channel',
    'push on a full drop-newest channel',
    'rendezvous',
    'pull refills the buffer',
    'pullNowait on a closed, drained channel',
    'next() ends',
    'next() throws the close reason',
    'close fails parked pushes',
    'close fails parked pulls',
    'close ends a parked next()',
    'close twice',
    'more than 8 values buffered',
    'abort a parked operation',
    'abort a settled operation',
    // select
    'select commits at the call',
    'select chooses among several ready cases',
    'selectNowait commits at the call',
    'selectNowait chooses among several ready cases',
    'select pull case on a closed, drained channel (ok: false)',
    'selectNowait pull case on a closed, drained channel (ok: false)',
    'select parks',
    'push meets a parked select',
    'parked select won by a plain operation',
    'parked select won by a select operation',
    'select parks a push and a pull case on the same channel',
    'select with a channel in two cases',
    'close fires a parked select pull case (ok: false)',
    'close fails a parked select push case',
    'close finds a select with a push and a pull case on the channel',
    'select with a push case on a closed channel',
    'selectNowait with a push case on a closed channel',
    'select with an aborted signal',
    'abort a parked select',
    'selectNowait returns undefined',
    'select with a null entry',
    'selectNowait with a null entry',
    'select with only null entries',
    'selectNowait with only null entries',
    'select parks two cases of one kind on one channel',
    // non-blocking and batch operations
    'tryPush commits',
    'tryPush on a full channel',
    'tryPush on a closed channel',
    'tryPull takes from a parked push',
    'tryPull finds nothing',
    'pullMany takes several values',
    'pullMany takes from parked pushes',
    'pullMany parks',
    'a parked pullMany is served with one value',
    'pullMany on a closed, drained channel',
    'pushAll commits several values at the call',
    'pushAll parks part-way',
    'pushAll carries on after its parked push committed',
    'abort a parked pushAll',
    'close fails a parked pushAll',
    'pushAll on a closed channel',
    // iterators' return(), several operations in one turn, aborts that act
    'return() withdraws a parked next()',
    'an iterator with two next() calls parked',
    'several operations in one turn',
    'an earlier abort listener acts while the operation is parked',
    'abort a pushAll between a commit and its next value',
  ];
  expect(
    situations.filter((situation) => !coverage.has(situation)),
    'situations never reached',
  ).toEqual([]);

  // Uniform choice among ready cases: each position within 5 standard deviations of n/k.
  for (const k of [2, 3]) {
    const tally = choices[k]!;
    const n = tally.reduce((a, b) => a + b, 0);
    expect(n, `selects with ${k} ready cases`).toBeGreaterThan(200);
    const sd = Math.sqrt((n * (k - 1)) / (k * k));
    const skewed = tally.filter((count) => Math.abs(count - n / k) > 5 * sd);
    expect(skewed, `choices among ${k} ready cases: ${tally.join(' / ')}`).toEqual([]);
  }
}, 120_000); // about 20 s alone; the margin is for a loaded machine running the whole suite in parallel
