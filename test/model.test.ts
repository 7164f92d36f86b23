/**
 * Model-based test: random operation sequences on ONE channel against a plain-array model.
 *
 * The model (./model/channel-model.ts, ~120 lines: read it first) is SPEC.md's "Channel<T>"
 * written with arrays: `buffer`, FIFO queues of parked `pushers` and `pullers`, `closed` and
 * `closeReason`. It says, for every operation, how it must end (pending, resolved with which
 * value, rejected with which error) and which values the drop policy discarded.
 *
 * fast-check picks a channel — capacity 0, 1, 2, 3, 5 or Infinity; overflow 'block', or a drop
 * mode when capacity >= 1 — and up to 40 commands:
 *   push(v) / pull()   without a signal, with a live AbortController, or with an aborted signal
 *   pushNowait(v) / pullNowait() / [Symbol.asyncIterator]().next()
 *   close() / close(reason)   reason: a fresh object
 *   abort(k)           aborts the k-th (mod n) controller not aborted yet, whether its operation
 *                      is still parked (it must leave without a trace) or already settled
 *                      (nothing may change)
 * Each command runs on the model and on the channel; once the promise reactions have run, every
 * operation's outcome and the channel's stats() and getters must equal the model's. At the end
 * the channel is closed and drained and conservation is checked from the observations alone:
 * each committed value comes out exactly once (pulled, dropped by the policy, or drained), in
 * commit order, and no rejected push's value shows up anywhere. Pushed values are the operation
 * ids — unique integers — so loss, duplication and reordering are visible.
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
} from '../src/index.js';
import { ChannelModel, type Outcome } from './model/channel-model.js';

// ---------------------------------------------------------------------------------------------
// The real side: one channel and what every operation on it has done so far.

type Kind = 'push' | 'pushNowait' | 'pull' | 'pullNowait' | 'next';

type Observed =
  | { readonly status: 'pending' }
  | { readonly status: 'resolved'; readonly value: unknown; readonly step: number }
  | { readonly status: 'rejected'; readonly error: unknown; readonly step: number }
  | { readonly status: 'threw'; readonly error: unknown }; // a promise-returning call threw instead

interface Operation {
  readonly id: number;
  readonly kind: Kind;
  readonly label: string;
  observed: Observed;
}

const CHANNEL_NAME = 'model-under-test';

class Real {
  readonly channel: Channel<number>;
  readonly operations: Operation[] = [];
  /** Controllers of operations started with a live signal, not aborted yet. */
  readonly controllers: { id: number; controller: AbortController }[] = [];
  readonly history: string[] = [];
  step = 0;
  private lastId = 0;

  constructor(
    readonly capacity: number,
    readonly overflow: Overflow,
  ) {
    this.channel = new Channel<number>(capacity, { name: CHANNEL_NAME, overflow });
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** Starts a promise-returning operation and records how it settles, and at which step. */
  start(id: number, kind: Kind, label: string, call: () => Promise<unknown>): void {
    const operation = this.add(id, kind, label);
    let promise: Promise<unknown>;
    try {
      promise = call();
    } catch (error) {
      operation.observed = { status: 'threw', error };
      return;
    }
    promise.then(
      (value) => {
        operation.observed = { status: 'resolved', value, step: this.step };
      },
      (error) => {
        operation.observed = { status: 'rejected', error, step: this.step };
      },
    );
  }

  /** Runs a synchronous (nowait) operation and records what it returned or threw. */
  now(id: number, kind: Kind, label: string, call: () => unknown): void {
    const operation = this.add(id, kind, label);
    try {
      operation.observed = { status: 'resolved', value: call(), step: this.step };
    } catch (error) {
      operation.observed = { status: 'rejected', error, step: this.step };
    }
  }

  private add(id: number, kind: Kind, label: string): Operation {
    const operation: Operation = { id, kind, label: `#${id} ${label}`, observed: { status: 'pending' } };
    this.operations.push(operation);
    this.history.push(`step ${this.step}: ${operation.label}`);
    return operation;
  }
}

/** Lets every pending promise reaction run. The channel settles its waiters synchronously and
 * no chain in it is more than 3 reactions deep, so a few turns are plenty (a regression that
 * deferred more would show as a mismatch, never as a pass). */
async function flush(): Promise<void> {
  for (let turn = 0; turn < 8; turn++) await Promise.resolve();
}

// ---------------------------------------------------------------------------------------------
// Comparing the two: both sides are turned into short labels, so a failure reads as a diff like
//   "#4 pull": "resolved 3"  vs  "pending".
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
    case 'closed':
      return outcome.cause === undefined ? 'ChannelClosedError' : `ChannelClosedError (cause ${show(outcome.cause)})`;
    case 'full':
      return 'ChannelFullError';
    case 'empty':
      return 'ChannelEmptyError';
    case 'reason':
      return `rejected with ${show(outcome.reason)}`;
  }
}

/** What the channel did with `operation`, as a label comparable with the model's. */
function observedLabel(operation: Operation, channel: Channel<number>): string {
  const observed = operation.observed;
  if (observed.status === 'pending') return 'pending';
  if (observed.status === 'threw') return `threw synchronously ${show(observed.error)}`;
  if (observed.status === 'resolved') return label({ kind: 'value', value: observed.value });
  const error = observed.error;
  if (!(error instanceof ChannelError)) return label({ kind: 'reason', reason: error });
  // SPEC "Errors": name is the class name; the message names the channel and the operation.
  if (error.name !== error.constructor.name || error.channel !== channel) return `malformed ${show(error)}`;
  if (!error.message.includes(CHANNEL_NAME) || !error.message.includes(operation.kind))
    return `badly worded ${show(error)}`;
  if (error instanceof ChannelClosedError) return label({ kind: 'closed', cause: error.cause });
  if (error instanceof ChannelFullError) return label({ kind: 'full' });
  if (error instanceof ChannelEmptyError) return label({ kind: 'empty' });
  return label({ kind: 'reason', reason: error });
}

/**
 * After every step: each operation's outcome, `stats()` and the getters equal the model's.
 * With `outcomes: false`, right after the synchronous call: promise reactions have not run yet,
 * but the channel's state must already be the model's (operations run to completion at once).
 */
function expectAgreement(model: ChannelModel, real: Real, { outcomes = true } = {}): void {
  const channel = real.channel;
  const operations = outcomes ? real.operations : [];
  const actual = {
    outcomes: Object.fromEntries(operations.map((op) => [op.label, observedLabel(op, channel)])),
    stats: channel.stats(),
    getters: { size: channel.size, full: channel.full, empty: channel.empty, closed: channel.closed },
  };
  const size = model.buffer.length;
  const expected = {
    outcomes: Object.fromEntries(operations.map((op) => [op.label, label(model.outcomes.get(op.id)!)])),
    stats: {
      name: CHANNEL_NAME,
      capacity: model.capacity,
      size,
      closed: model.closed,
      overflow: model.overflow,
      waitingPushers: model.pushers.length,
      waitingPullers: model.pullers.length,
    },
    getters: { size, full: size === model.capacity, empty: size === 0, closed: model.closed },
  };
  // The fast check first: vitest's diff is only needed to report a mismatch.
  if (!isDeepStrictEqual(actual, expected)) expect(actual, real.history.join('\n')).toEqual(expected);
}

// ---------------------------------------------------------------------------------------------
// Commands. Each one is stateless: ids, values and reasons are made when it runs.

type Command = fc.AsyncCommand<ChannelModel, Real>;
type SignalMode = 'none' | 'live' | 'aborted';

/** Which interesting situations the random sequences reached (see the coverage test). */
const coverage = new Map<string, number>();
function cover(situation: string): void {
  coverage.set(situation, (coverage.get(situation) ?? 0) + 1);
}

function command(name: string, act: (model: ChannelModel, real: Real) => void): Command {
  return {
    check: () => true,
    run: async (model, real) => {
      real.step++;
      act(model, real);
      expectAgreement(model, real, { outcomes: false });
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
    return [{ signal: controller.signal }, undefined];
  }
  const reason = named(`abort-reason#${id}`);
  controller.abort(reason);
  return [{ signal: controller.signal }, { reason }];
}

const pushCommand = (mode: SignalMode) =>
  command(mode === 'none' ? 'push' : `push(${mode} signal)`, (model, real) => {
    const id = real.nextId();
    const [options, aborted] = signalFor(real, id, mode);
    if (aborted && model.closed) cover('push with an aborted signal on a closed channel');
    if (!aborted && !model.closed && model.buffer.length === model.capacity && model.pullers.length === 0) {
      cover(`push on a full ${model.overflow} channel`);
    }
    model.push(id, id, true, aborted);
    real.start(id, 'push', `push(${id}) ${mode} signal`, () => real.channel.push(id, options));
  });

const pullCommand = (mode: SignalMode) =>
  command(mode === 'none' ? 'pull' : `pull(${mode} signal)`, (model, real) => {
    const id = real.nextId();
    const [options, aborted] = signalFor(real, id, mode);
    if (aborted && model.closed) cover('pull with an aborted signal on a closed channel');
    if (!aborted && model.pushers.length > 0) cover(model.capacity === 0 ? 'rendezvous' : 'pull refills the buffer');
    model.pull(id, 'pull', aborted);
    real.start(id, 'pull', `pull() ${mode} signal`, () => real.channel.pull(options));
  });

const pushNowaitCommand = () =>
  command('pushNowait', (model, real) => {
    const id = real.nextId();
    model.push(id, id, false);
    real.now(id, 'pushNowait', `pushNowait(${id})`, () => real.channel.pushNowait(id));
  });

/** Several pushNowait calls in one step: the way to deep buffers (and a growing ring buffer). */
const pushNowaitBurstCommand = (count: number) =>
  command(`pushNowait×${count}`, (model, real) => {
    for (let i = 0; i < count; i++) {
      const id = real.nextId();
      model.push(id, id, false);
      real.now(id, 'pushNowait', `pushNowait(${id})`, () => real.channel.pushNowait(id));
    }
    if (model.buffer.length > 8) cover('more than 8 values buffered');
  });

const pullNowaitCommand = () =>
  command('pullNowait', (model, real) => {
    const id = real.nextId();
    if (model.closed && model.buffer.length === 0) cover('pullNowait on a closed, drained channel');
    model.pull(id, 'pullNowait');
    real.now(id, 'pullNowait', 'pullNowait()', () => real.channel.pullNowait());
  });

const nextCommand = () =>
  command('iterator.next', (model, real) => {
    const id = real.nextId();
    if (model.closed && model.buffer.length === 0) {
      cover(model.closeReason === undefined ? 'next() ends' : 'next() throws the close reason');
    }
    model.pull(id, 'next');
    real.start(id, 'next', '[Symbol.asyncIterator]().next()', () => real.channel[Symbol.asyncIterator]().next());
  });

const closeCommand = (withReason: boolean) =>
  command(withReason ? 'close(reason)' : 'close()', (model, real) => {
    const reason = withReason ? named(`close-reason@step${real.step}`) : undefined;
    if (!model.closed && model.pushers.length > 0) cover('close fails parked pushes');
    if (!model.closed && model.pullers.some((p) => p.how === 'next')) cover('close ends a parked next()');
    if (!model.closed && model.pullers.some((p) => p.how === 'pull')) cover('close fails parked pulls');
    if (model.closed) cover('close twice');
    real.history.push(`step ${real.step}: close(${show(reason)})`);
    model.close(reason);
    real.channel.close(reason);
  });

const abortCommand = (k: number) =>
  command(`abort(${k})`, (model, real) => {
    const [target] = real.controllers.splice(k % Math.max(1, real.controllers.length), 1);
    if (target === undefined) return; // no live controller left: a no-op
    const pending = model.outcomes.get(target.id)?.kind === 'pending';
    cover(pending ? 'abort a parked operation' : 'abort a settled operation');
    const reason = named(`abort-reason#${target.id}`);
    real.history.push(`step ${real.step}: abort #${target.id} with ${show(reason)}`);
    model.abort(target.id, reason);
    target.controller.abort(reason);
  });

const signalArb = fc.constantFrom<SignalMode>('none', 'none', 'live', 'live', 'aborted');

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: signalArb.map(pushCommand) },
  { weight: 6, arbitrary: signalArb.map(pullCommand) },
  { weight: 2, arbitrary: fc.constant(null).map(pushNowaitCommand) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 9 }).map(pushNowaitBurstCommand) },
  { weight: 2, arbitrary: fc.constant(null).map(pullNowaitCommand) },
  { weight: 2, arbitrary: fc.constant(null).map(nextCommand) },
  { weight: 1, arbitrary: fc.boolean().map(closeCommand) },
  { weight: 3, arbitrary: fc.nat(7).map(abortCommand) },
);

const channelArb = fc
  .record({
    capacity: fc.constantFrom(0, 1, 2, 3, 5, Number.POSITIVE_INFINITY),
    overflow: fc.constantFrom<Overflow>('block', 'drop-oldest', 'drop-newest'),
  })
  .map(({ capacity, overflow }) => ({ capacity, overflow: capacity === 0 ? ('block' as const) : overflow }));

// ---------------------------------------------------------------------------------------------
// The end of a run: close, drain, and the conservation law from the observations alone.

async function closeDrainAndCheckConservation(model: ChannelModel, real: Real): Promise<void> {
  await closeCommand(false).run(model, real);
  const stillPending = real.operations.filter((op) => op.observed.status === 'pending').map((op) => op.label);
  expect(stillPending, 'a closed channel has no parked operation').toEqual([]);

  const drained: number[] = [];
  let end: unknown;
  for (;;) {
    try {
      drained.push(real.channel.pullNowait());
    } catch (error) {
      end = error;
      break;
    }
  }
  expect(end, 'pullNowait() once drained').toBeInstanceOf(ChannelClosedError);
  expect(drained, 'the values left in the buffer').toEqual(model.buffer);

  const byStep = (a: Operation, b: Operation) => stepOf(a) - stepOf(b) || a.id - b.id;
  const committed = real.operations
    .filter((op) => (op.kind === 'push' || op.kind === 'pushNowait') && op.observed.status === 'resolved')
    .sort(byStep)
    .map((op) => op.id); // the value pushed is the id
  const rejected = real.operations
    .filter((op) => (op.kind === 'push' || op.kind === 'pushNowait') && op.observed.status !== 'resolved')
    .map((op) => op.id);
  const received = real.operations
    .filter((op) => op.kind === 'pull' || op.kind === 'pullNowait' || op.kind === 'next')
    .sort(byStep)
    .flatMap(receivedValue);
  const out = [...received, ...drained];
  const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

  // Every committed value exactly once among received, dropped and drained; nothing else.
  expect(sorted([...out, ...model.dropped]), 'conservation').toEqual(sorted(committed));
  expect(
    out.filter((value) => rejected.includes(value)),
    'values of rejected pushes',
  ).toEqual([]);
  // FIFO: values come out in the order their pushes committed (minus the dropped ones).
  expect(out, 'FIFO').toEqual(committed.filter((value) => !model.dropped.includes(value)));
}

function stepOf(operation: Operation): number {
  return 'step' in operation.observed ? operation.observed.step : Number.POSITIVE_INFINITY;
}

function receivedValue(operation: Operation): number[] {
  if (operation.observed.status !== 'resolved') return [];
  const value = operation.observed.value;
  if (operation.kind !== 'next') return [value as number];
  const result = value as IteratorResult<number>;
  return result.done ? [] : [result.value];
}

// ---------------------------------------------------------------------------------------------

const NUM_RUNS = 5000;

test('random operation sequences keep the channel equal to the plain-array model', async () => {
  await fc.assert(
    fc.asyncProperty(
      channelArb,
      fc.commands([commandArb], { maxCommands: 40, size: 'max' }),
      async (config, commands) => {
        const model = new ChannelModel(config.capacity, config.overflow);
        const real = new Real(config.capacity, config.overflow);
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
  ];
  expect(
    situations.filter((situation) => !coverage.has(situation)),
    'situations never reached',
  ).toEqual([]);
}, 60_000);
