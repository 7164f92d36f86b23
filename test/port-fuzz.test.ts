/**
 * Random programs over `toPort`/`fromPort` (one stream, or two on one port pair — the second
 * the same way, or the other way, then possibly with the same name) with up to two faults
 * injected at random steps, on ports whose every delivery the program schedules
 * (test/helpers/scheduled-ports.ts) and on a fake clock: the two directions interleave as the
 * program says, batches end when it ends a turn, the heartbeat's seconds pass in a few steps,
 * and while time passes the link delivers each message after a latency of 0 to 700 ms (a live
 * peer, never a blocked one). Each run is deterministic (fast-check prints the seed and the shrunk program on
 * failure) and is checked, during the run and after both ends are done, against SPEC.md
 * "Channels across contexts":
 *
 * - every value a producer pushed is committed locally or its push rejected; every value
 *   committed locally is received remotely, listed in `undelivered`, or still in the local
 *   channel — exactly one of them (a link that died may leave the values the receiver committed
 *   but had not acknowledged in both places, as documented; nowhere else);
 * - `sent + undelivered.length` is the number of values pulled from the local channel; the
 *   receiving side got exactly the first `sent` of them, each producer's in its order;
 * - values posted but not committed plus values buffered remotely never exceed the capacity
 *   (at least one per parked pull for capacity 0), and `stats()` counts exactly the pulls and
 *   pushes parked, checked after every delivery's task; values that code on the receiving side
 *   pushes into the channel itself are read there once each, in order;
 * - every promise settles; the receiving channel ends closed with a reason of an event that
 *   happened (the producer's close, the abort, the consumer's close, the peer gone, a message
 *   lost to `messageerror`); a stream no fault touched ends clean, whatever happened to the
 *   other stream on the same port;
 * - no listener is left on either port or on the abort signal, no timer is left, no pull is
 *   left parked on the local channel.
 */
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { Channel } from '../src/channel.js';
import { ChannelClosedError, ChannelError } from '../src/errors.js';
import type * as PortModule from '../src/port/index.js';
import type { PortResult } from '../src/port/index.js';
import { pull, select } from '../src/select.js';
import { fuzzParameters } from './helpers/fuzz.js';
import { cut, type Message, type ScheduledPort, scheduledPorts } from './helpers/scheduled-ports.js';

// Without MessageChannel, a batch goes out in a zero-delay timer task (see src/port/schedule.ts):
// on the fake clock, the program decides when a turn ends. Imported after the stub, so that the
// schedule module reads it.
vi.stubGlobal('MessageChannel', undefined);
const { fromPort, toPort } = (await import('../src/port/index.js')) as typeof PortModule;

/** A real task: every microtask queued before it has run. */
const realSetImmediate = globalThis.setImmediate;
const flush = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});
afterAll(() => {
  vi.unstubAllGlobals();
});

// ---------------------------------------------------------------------------------------------
// Programs

type Stream = 0 | 1;
type Step =
  | { kind: 'push'; s: Stream; p: 0 | 1; count: number }
  | { kind: 'produceClose'; s: Stream; reason: boolean }
  | { kind: 'pull'; s: Stream; abortAfter: number | null }
  | { kind: 'pullMany'; s: Stream; max: number }
  | { kind: 'tryPull'; s: Stream }
  | { kind: 'select'; s: Stream }
  | { kind: 'side'; s: Stream }
  | { kind: 'iterate'; s: Stream; take: number }
  | { kind: 'consumerClose'; s: Stream; reason: boolean }
  /** Code on the receiving side pushes into the fromPort channel itself (tryPush). */
  | { kind: 'remotePush'; s: Stream }
  | { kind: 'deliver'; toReceiver: boolean; count: number }
  | { kind: 'turn' }
  | { kind: 'time'; ms: number }
  | { kind: 'junk'; toReceiver: boolean; which: number };

type Fault =
  | { kind: 'none' }
  | { kind: 'abort'; at: number; reason: 'error' | 'string' | 'default' }
  | { kind: 'cut'; at: number; fireClose: boolean; keep: boolean }
  | { kind: 'die'; at: number; side: 'sender' | 'receiver'; keep: boolean }
  | { kind: 'messageerror'; nth: number; fires: boolean; end: boolean };

interface Program {
  streams: 1 | 2;
  capacity: [number, number];
  localCapacity: [number, number];
  /**
   * Whether the second stream runs the other way (its sender on the receiving side's port), and
   * its name — the first's (`''`) is allowed then: a stream each way with one name.
   */
  second: { reversed: boolean; name: string };
  /**
   * How long a message is on its way while time passes (ms): well below the heartbeat's
   * thresholds, so a live peer never looks dead. (The program's `deliver` steps may bring a
   * message earlier.)
   */
  latency: number;
  /** Values the first producer of each stream pushes before the stream starts. */
  preload: [number, number];
  sync: boolean;
  transfer: boolean;
  steps: Step[];
  /** At most two, at random steps (several of one kind act once). */
  faults: Fault[];
}

const streamArb = (streams: 1 | 2): fc.Arbitrary<Stream> =>
  streams === 1 ? fc.constant(0 as Stream) : fc.constantFrom<Stream>(0, 1);

function stepArb(streams: 1 | 2): fc.Arbitrary<Step> {
  const s = streamArb(streams);
  return fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('push' as const),
        s,
        p: fc.constantFrom<0 | 1>(0, 1),
        count: fc.integer({ min: 1, max: 8 }),
      }),
      weight: 10,
    },
    { arbitrary: fc.record({ kind: fc.constant('produceClose' as const), s, reason: fc.boolean() }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('pull' as const), s, abortAfter: fc.option(fc.nat(3)) }), weight: 5 },
    {
      arbitrary: fc.record({ kind: fc.constant('pullMany' as const), s, max: fc.integer({ min: 1, max: 5 }) }),
      weight: 2,
    },
    { arbitrary: fc.record({ kind: fc.constant('tryPull' as const), s }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('select' as const), s }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('side' as const), s }), weight: 1 },
    {
      arbitrary: fc.record({ kind: fc.constant('iterate' as const), s, take: fc.integer({ min: 1, max: 4 }) }),
      weight: 2,
    },
    { arbitrary: fc.record({ kind: fc.constant('consumerClose' as const), s, reason: fc.boolean() }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('remotePush' as const), s }), weight: 1 },
    {
      arbitrary: fc.record({
        kind: fc.constant('deliver' as const),
        toReceiver: fc.boolean(),
        count: fc.integer({ min: 1, max: 4 }),
      }),
      weight: 8,
    },
    { arbitrary: fc.constant({ kind: 'turn' as const }), weight: 4 },
    {
      arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.constantFrom(100, 600, 1500, 2600, 6000) }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('junk' as const),
        toReceiver: fc.boolean(),
        which: fc.nat(JUNK_KINDS - 1),
      }),
      weight: 1,
    },
  );
}

/** 1024: the first credit goes out in quarter steps (src/port/receiver.ts). */
const capacityArb = fc.constantFrom(0, 1, 3, 64, 1024, Number.POSITIVE_INFINITY);
const localCapacityArb = fc.constantFrom(0, 1, 3, Number.POSITIVE_INFINITY);

function faultArb(length: number): fc.Arbitrary<Fault> {
  const at = fc.nat(length);
  return fc.oneof(
    { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
    {
      arbitrary: fc.record({
        kind: fc.constant('abort' as const),
        at,
        reason: fc.constantFrom('error' as const, 'string' as const, 'default' as const),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('cut' as const), at, fireClose: fc.boolean(), keep: fc.boolean() }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('die' as const),
        at,
        side: fc.constantFrom('sender' as const, 'receiver' as const),
        keep: fc.boolean(),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('messageerror' as const),
        nth: fc.nat(4),
        fires: fc.boolean(),
        end: fc.boolean(),
      }),
      weight: 2,
    },
  );
}

const programArb: fc.Arbitrary<Program> = fc.constantFrom<1 | 2>(1, 1, 2).chain((streams) =>
  fc.array(stepArb(streams), { minLength: 1, maxLength: 40, size: 'max' }).chain((steps) =>
    fc.record({
      streams: fc.constant(streams),
      capacity: fc.tuple(capacityArb, capacityArb),
      localCapacity: fc.tuple(localCapacityArb, localCapacityArb),
      preload: fc.tuple(fc.nat(8), fc.nat(8)),
      latency: fc.constantFrom(0, 0, 150, 700),
      second: fc.oneof(
        fc.constant({ reversed: false, name: 'y' }),
        fc.record({ reversed: fc.constant(true), name: fc.constantFrom('', 'y') }),
      ),
      sync: fc.boolean(),
      transfer: fc.boolean(),
      steps: fc.constant(steps),
      faults: fc.array(faultArb(steps.length), { maxLength: 2 }),
    }),
  ),
);

/** Foreign and malformed messages (and a foreign `messageerror`): each must change nothing. */
const JUNK_KINDS = 12;
function junk(port: ScheduledPort, name: string, which: number): void {
  const envelope = { source: 'chanasync-port', version: 1, name };
  const messages: unknown[] = [
    null,
    'hello',
    { type: 'values', values: [1] },
    { ...envelope, version: 2, type: 'values', session: 'ghost', values: [-1], posted: 0 },
    { ...envelope, type: 'values', session: 'ghost', values: [-1], posted: 0 },
    { ...envelope, name: 'nobody', type: 'open', session: 'ghost' },
    { ...envelope, type: 'credit', session: 'ghost', granted: 100, committed: 0 },
    { ...envelope, type: 'closed', session: 'ghost', committed: 0 },
    { ...envelope, type: 'end', session: 'ghost', abort: true, reason: 'ghost' },
    { ...envelope, type: 'ping', session: 'ghost', posted: 99, ended: true },
    { ...envelope, type: 'credit', session: 'ghost', granted: -1, committed: 0 },
  ];
  if (which < messages.length) port.slip(messages[which]);
  else port.slipMessageError();
}

// ---------------------------------------------------------------------------------------------
// A run

type Value = number | { id: number; buf: ArrayBuffer };
const idOf = (value: Value): number => (typeof value === 'number' ? value : value.id);
const producerOf = (id: number): number => Math.floor(id / 100_000);
/** The "producer" of the values that code on the receiving side pushes into the fromPort channel. */
const LOCAL_PRODUCER = 9;

/** What one stream of a run observed. */
class StreamRun {
  readonly local: Channel<Value>;
  /** The port `toPort` posts on, and the one `fromPort` listens to. */
  senderPort!: ScheduledPort;
  receiverPort!: ScheduledPort;
  remote!: Channel<Value>;
  done!: Promise<PortResult<Value>>;
  outcome: { result?: PortResult<Value>; error?: unknown } | undefined = undefined;
  readonly controller = new AbortController();
  /** Abort listeners added minus removed on the signal. */
  signalListeners = 0;
  readonly side = new Channel<string>(0);
  /** Ids committed into the local channel, per producer, in order. */
  readonly committed: [number[], number[]] = [[], []];
  readonly producerQueue: [number[][], number[][]] = [[], []];
  readonly producerRunning: [boolean, boolean] = [false, false];
  readonly next: [number, number] = [0, 0];
  /** Values the consumer got: `[seq, id]` in the order the continuations ran. */
  readonly received: [number, number][] = [];
  readonly receivedValues: Value[] = [];
  /** What ended each of the consumer's operations that failed (for the end-of-channel reason). */
  readonly endings: unknown[] = [];
  outstanding = 0;
  maxOutstanding = 0;
  /** Values of a batch lost to a messageerror: posted, never to be committed, so not in flight. */
  lostValues = 0;
  /** Ids of the values code on the receiving side pushed into the channel (tryPush took them). */
  readonly injected: number[] = [];
  /** Events that happened and may give the receiving channel its close reason. */
  readonly events = new Set<'producer' | 'abort' | 'consumer' | 'gone' | 'lost'>();
  producerReason: unknown = undefined;
  abortReason: unknown = undefined;
  /** The abort came before the sender heard its receiver: it settled at once, answering nothing more. */
  abortedWhilePairing = false;
  consumerReason: unknown = undefined;
  readonly violations: string[] = [];
  readonly pullAborts: { controller: AbortController; steps: number }[] = [];

  constructor(
    readonly index: Stream,
    readonly name: string,
    readonly capacity: number,
    localCapacity: number,
    readonly transfer: boolean,
  ) {
    this.local = new Channel<Value>(localCapacity);
    const signal = this.controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      this.signalListeners++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      this.signalListeners--;
      remove(...args);
    }) as typeof remove;
  }

  value(id: number): Value {
    if (!this.transfer) return id;
    const buf = new ArrayBuffer(8);
    new Float64Array(buf)[0] = id;
    return { id, buf };
  }

  /** The ids of values this stream's sender posted (the checker's count of what is in flight). */
  postedCount(a: ScheduledPort): number {
    let count = 0;
    for (const message of a.posted) {
      if (message.type === 'values' && message.name === this.name) count += (message.values as unknown[]).length;
    }
    return count;
  }

  /** Values posted but not yet taken by the consumer must fit the capacity (credit). */
  checkCredit(a: ScheduledPort): void {
    const bound = this.capacity === 0 ? Math.max(1, this.maxOutstanding) : this.capacity;
    // Values pushed on the receiving side take slots too, but are not the sender's.
    const fromSender = this.received.filter(([, id]) => producerOf(id) !== LOCAL_PRODUCER).length;
    const ahead = this.postedCount(a) - this.lostValues - fromSender;
    if (ahead > bound) this.violations.push(`stream ${this.index}: ${ahead} values ahead of the consumer > ${bound}`);
  }

  /**
   * `stats()` agrees with what is parked: at a task boundary, every consumer operation not
   * settled waits in the receiving channel (a select counts there once), and every producer
   * still running waits in a push on the local channel.
   */
  checkStats(): void {
    const remote = this.remote.stats().waitingPullers;
    if (remote !== this.outstanding) {
      this.violations.push(`stream ${this.index}: stats() says ${remote} pulls parked, ${this.outstanding} are`);
    }
    const pushers = this.local.stats().waitingPushers;
    const producing = this.producerRunning.filter(Boolean).length;
    if (pushers !== producing) {
      this.violations.push(`stream ${this.index}: stats() says ${pushers} pushes parked, ${producing} producers wait`);
    }
  }

  track<T>(promise: Promise<T>, tasks: Promise<unknown>[]): void {
    tasks.push(
      promise.then(
        () => {},
        () => {},
      ),
    );
  }

  /** A consumer operation: counted as outstanding until it settles. */
  operation<T>(promise: Promise<T>, seq: number, take: (result: T) => Value[], tasks: Promise<unknown>[]): void {
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    this.track(
      promise.then(
        (result) => {
          this.outstanding--;
          for (const value of take(result)) this.got(seq, value);
        },
        (error: unknown) => {
          this.outstanding--;
          this.endings.push(error);
        },
      ),
      tasks,
    );
  }

  got(seq: number, value: Value): void {
    this.received.push([seq, idOf(value)]);
    this.receivedValues.push(value);
  }

  produce(p: 0 | 1, count: number, tasks: Promise<unknown>[]): void {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(p * 100_000 + this.next[p]++);
    this.producerQueue[p].push(ids);
    if (this.producerRunning[p]) return;
    this.producerRunning[p] = true;
    const run = async () => {
      for (let ids = this.producerQueue[p].shift(); ids !== undefined; ids = this.producerQueue[p].shift()) {
        const values = ids.map((id) => this.value(id));
        try {
          if (ids.length === 1) await this.local.push(values[0] as Value);
          else await this.local.pushAll(values);
          this.committed[p].push(...ids);
        } catch (error) {
          const pushed = ids.length === 1 ? 0 : ((error as { pushed?: number }).pushed ?? 0);
          this.committed[p].push(...ids.slice(0, pushed));
        }
      }
      this.producerRunning[p] = false;
    };
    this.track(run(), tasks);
  }
}

/** Everything a run holds, and its scheduler. */
class Run {
  readonly a: ScheduledPort;
  readonly b: ScheduledPort;
  readonly streams: StreamRun[] = [];
  readonly tasks: Promise<unknown>[] = [];
  seq = 0;
  /** `values` messages of stream 0 that arrived at the receiver, for the messageerror fault. */
  valuesArrived = 0;

  constructor(readonly program: Program) {
    const { a, b } = scheduledPorts();
    this.a = a;
    this.b = b;
    a.sync = b.sync = program.sync;
    for (let s = 0; s < program.streams; s++) {
      this.streams.push(
        new StreamRun(
          s as Stream,
          s === 0 ? '' : program.second.name,
          program.capacity[s] as number,
          program.localCapacity[s] as number,
          program.transfer,
        ),
      );
    }
    const fault = program.faults.find((f) => f.kind === 'messageerror');
    if (fault !== undefined) {
      const name = this.streams[0]?.name;
      b.firesMessageError = fault.fires;
      b.undeserializable = (data: Message) => {
        if (data === null || typeof data !== 'object' || data.name !== name || data.session === 'ghost') return false;
        if (fault.end ? data.type !== 'end' : data.type !== 'values') return false;
        const hit = fault.end || this.valuesArrived++ === fault.nth;
        if (hit) {
          if (!fault.end) (this.streams[0] as StreamRun).lostValues += (data.values as unknown[]).length;
          this.streams[0]?.events.add('lost');
        }
        return hit;
      };
    }
  }

  start(): void {
    for (const stream of this.streams) {
      const reversed = stream.index === 1 && this.program.second.reversed;
      stream.senderPort = reversed ? this.b : this.a;
      stream.receiverPort = reversed ? this.a : this.b;
      const preload = this.program.preload[stream.index];
      if (preload > 0) stream.produce(0, preload, this.tasks);
      stream.remote = fromPort<Value>(stream.receiverPort, { name: stream.name, capacity: stream.capacity });
      const transfer = this.program.transfer ? (value: Value) => [(value as { buf: ArrayBuffer }).buf] : undefined;
      stream.done = toPort(stream.local, stream.senderPort, {
        name: stream.name,
        signal: stream.controller.signal,
        ...(transfer === undefined ? {} : { transfer }),
      });
      this.tasks.push(
        stream.done.then(
          (result) => {
            stream.outcome = { result };
          },
          (error: unknown) => {
            stream.outcome = { error };
          },
        ),
      );
    }
  }

  /**
   * Lets every microtask run, then checks the credit: at a task boundary every pull's
   * continuation has run, so what the consumer got is up to date. (Inside a delivery, a value
   * committed to a parked pull is not counted yet.) Each delivery of the program is followed by
   * this, so no over-posting escapes it.
   */
  async settle(): Promise<void> {
    await flush();
    for (const stream of this.streams) {
      stream.checkCredit(stream.senderPort);
      stream.checkStats();
    }
  }

  /** Delivers up to `count` messages one way (each followed by its microtasks). */
  async deliver(toReceiver: boolean, count: number): Promise<void> {
    const from = toReceiver ? this.a : this.b;
    for (let i = 0; i < count && from.deliverNext(); i++) await this.settle();
  }

  /** The test's wake-up timers (see {@link Run.time}), by due time. */
  readonly wakeUps = new Map<number, ReturnType<typeof setTimeout>>();

  /** A live link: delivers what has been on its way for `latency` ms, both ways, until nothing is due. */
  async deliverDue(latency: number): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      const now = performance.now();
      const due = (port: ScheduledPort) => (port.dueAt(latency) ?? Number.POSITIVE_INFINITY) <= now;
      const moved = (due(this.a) && this.a.deliverNext()) || (due(this.b) && this.b.deliverNext());
      if (!moved) return;
      await this.settle();
    }
    throw new Error('the ports never went quiet');
  }

  /** Ends the current turn: the zero-delay timers due now (the batches) run. */
  async turn(): Promise<void> {
    vi.advanceTimersByTime(0);
    await this.settle();
  }

  /** `ms` pass on a live link: each timer runs in a task of its own, messages arrive at once. */
  async time(ms: number): Promise<void> {
    const end = performance.now() + ms;
    const latency = this.program.latency;
    for (;;) {
      await this.deliverDue(latency);
      if (performance.now() >= end) return;
      // A timer of the test's own wakes the clock when the next message is due, so that each
      // timer still runs in a task of its own.
      for (const due of [this.a.dueAt(latency), this.b.dueAt(latency)]) {
        if (due !== undefined && !this.wakeUps.has(due)) {
          this.wakeUps.set(
            due,
            setTimeout(() => this.wakeUps.delete(due), due - performance.now()),
          );
        }
      }
      if (vi.getTimerCount() === 0) {
        vi.advanceTimersByTime(end - performance.now());
      } else {
        vi.advanceTimersToNextTimer();
      }
      await this.settle();
    }
  }

  faultNow(fault: Fault): void {
    switch (fault.kind) {
      case 'abort': {
        const stream = this.streams[0] as StreamRun;
        if (stream.controller.signal.aborted) return;
        const reason =
          fault.reason === 'error' ? new Error('abort-0') : fault.reason === 'string' ? 'abort-0' : undefined;
        stream.events.add('abort');
        stream.abortReason = reason;
        stream.abortedWhilePairing = !heardOf(stream.senderPort, 'credit', stream.name);
        stream.controller.abort(reason);
        return;
      }
      case 'cut':
        if (this.a.severed) return;
        for (const stream of this.streams) stream.events.add('gone');
        cut(this.a, this.b, fault.fireClose, fault.keep);
        return;
      case 'die': {
        for (const stream of this.streams) stream.events.add('gone');
        // The sides of the first stream; a second stream the other way loses the other side.
        const port = fault.side === 'sender' ? this.a : this.b;
        port.die();
        if (!fault.keep) port.inTransit.length = 0;
        return;
      }
      default:
    }
  }

  async step(step: Step): Promise<void> {
    const stream = this.streams['s' in step ? step.s : 0] as StreamRun;
    const seq = ++this.seq;
    switch (step.kind) {
      case 'push':
        if (!stream.senderPort.dead && !stream.local.closed) stream.produce(step.p, step.count, this.tasks);
        break;
      case 'produceClose':
        if (!stream.senderPort.dead && !stream.local.closed) {
          stream.producerReason = step.reason ? new Error(`stop-${stream.index}`) : undefined;
          stream.events.add('producer');
          stream.local.close(stream.producerReason);
        }
        break;
      case 'pull': {
        if (stream.receiverPort.dead) break;
        const controller = new AbortController();
        if (step.abortAfter !== null) stream.pullAborts.push({ controller, steps: step.abortAfter });
        stream.operation(stream.remote.pull({ signal: controller.signal }), seq, (v) => [v], this.tasks);
        break;
      }
      case 'pullMany':
        if (!stream.receiverPort.dead) stream.operation(stream.remote.pullMany(step.max), seq, (v) => v, this.tasks);
        break;
      case 'tryPull': {
        if (stream.receiverPort.dead) break;
        const value = stream.remote.tryPull();
        if (value !== undefined) stream.got(seq, value);
        break;
      }
      case 'select':
        if (!stream.receiverPort.dead) {
          stream.operation(
            select([pull(stream.remote), pull(stream.side)]),
            seq,
            (r) => (r.index === 0 && r.ok ? [r.value as Value] : []),
            this.tasks,
          );
        }
        break;
      case 'side':
        stream.side.tryPush('side');
        break;
      case 'iterate':
        if (!stream.receiverPort.dead) {
          let left = step.take;
          let current = seq;
          const iterate = async () => {
            for await (const value of stream.remote) {
              stream.got(current, value);
              current = ++this.seq; // the loop's next pull is issued right after this body
              if (--left === 0) break;
            }
          };
          stream.operation(iterate(), seq, () => [], this.tasks);
        }
        break;
      case 'consumerClose':
        if (!stream.receiverPort.dead && !stream.remote.closed) {
          stream.consumerReason = step.reason ? new Error(`enough-${stream.index}`) : undefined;
          stream.events.add('consumer');
          stream.remote.close(stream.consumerReason);
        }
        break;
      case 'remotePush':
        if (!stream.receiverPort.dead) {
          const id = LOCAL_PRODUCER * 100_000 + stream.injected.length;
          if (stream.remote.tryPush(stream.value(id))) stream.injected.push(id);
        }
        break;
      case 'deliver':
        await this.deliver(step.toReceiver, step.count);
        break;
      case 'turn':
        await this.turn();
        break;
      case 'time':
        await this.time(step.ms);
        break;
      case 'junk':
        junk(step.toReceiver ? this.a : this.b, stream.name, step.which);
        break;
    }
    for (const s of this.streams) {
      for (const pending of s.pullAborts) if (pending.steps-- === 0) pending.controller.abort('gave up');
    }
    await this.settle();
  }

  /**
   * A stream whose two sides never paired (the `open` or the first `credit` was lost with a side
   * that died or a link that was cut) waits by design: a `toPort` keeps asking for a receiver and
   * a `fromPort` whose sender never comes stays open (README, Semantic details). After 30 s the
   * user gives up: the signal aborts, the receiving channel is closed.
   */
  rescue(): void {
    for (const stream of this.streams) {
      if (
        stream.outcome === undefined &&
        !heardOf(stream.senderPort, 'credit', stream.name) &&
        !stream.controller.signal.aborted
      ) {
        stream.events.add('abort');
        stream.abortReason = new Error('never paired');
        stream.controller.abort(stream.abortReason);
      }
      if (!stream.remote.closed && !heardOf(stream.receiverPort, 'open', stream.name)) {
        stream.events.add('consumer');
        stream.consumerReason = new Error('never paired');
        stream.remote.close(stream.consumerReason);
      }
    }
  }

  /**
   * After the program: the consumers drain, the producers finish their pushes and close (or, if
   * their pushes cannot finish in 20 s — the stream stopped — close anyway), and time passes
   * until every promise settled.
   */
  async finish(): Promise<void> {
    for (const stream of this.streams) {
      for (const pending of stream.pullAborts) pending.controller.abort('gave up');
      stream.side.close();
      const drain = async () => {
        for (;;) {
          const seq = ++this.seq;
          stream.outstanding++;
          stream.maxOutstanding = Math.max(stream.maxOutstanding, stream.outstanding);
          try {
            stream.got(seq, await stream.remote.pull());
          } catch (error) {
            stream.endings.push(error);
            return;
          } finally {
            stream.outstanding--;
          }
        }
      };
      this.tasks.push(drain());
    }
    await this.settle();
    const producing = () => this.streams.some((stream) => stream.producerRunning.some(Boolean));
    // With latency, a capacity-0 stream moves one value per round trip: allow for it.
    let values = 0;
    for (const stream of this.streams) values += stream.next[0] + stream.next[1] + stream.injected.length;
    const slow = 2 * this.program.latency * (values + 10);
    for (let waited = 0; producing() && waited < 20_000 + slow; waited += 250) await this.time(250);
    for (const stream of this.streams) {
      if (!stream.local.closed) {
        stream.events.add('producer');
        stream.local.close();
      }
    }
    await this.settle();
    let settled = false;
    void Promise.all(this.tasks).then(() => {
      settled = true;
    });
    const started = performance.now();
    let rescued = false;
    const limit = 60_000 + slow;
    while (!settled && performance.now() - started < limit) {
      await this.time(250);
      await flush();
      if (!settled && !rescued && performance.now() - started > 30_000) {
        rescued = true;
        this.rescue();
      }
    }
    if (!settled) {
      const states = this.streams.map((stream) => ({
        outcome: stream.outcome,
        remoteClosed: stream.remote.closed,
        localClosed: stream.local.closed,
        events: [...stream.events],
        outstanding: stream.outstanding,
        producers: stream.producerRunning,
      }));
      throw new Error(`a promise never settled (${limit} ms of fake time): ${JSON.stringify(states)}`);
    }
    // The tasks above may have queued more (nothing should): let them settle too.
    await Promise.all(this.tasks);
  }
}

/** Whether `port` heard a message of `type` for the stream `name`. */
function heardOf(port: ScheduledPort, type: string, name: string): boolean {
  return port.heard.some((data) => {
    const message = data as Message | null;
    return (
      message !== null &&
      typeof message === 'object' &&
      message.type === type &&
      message.name === name &&
      message.session !== 'ghost' // junk
    );
  });
}

/** Runs `program` and checks every invariant; throws (for fast-check to shrink) on the first broken one. */
async function check(program: Program): Promise<void> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
  try {
    const run = new Run(program);
    run.start();
    await run.settle();
    for (let i = 0; i < program.steps.length; i++) {
      for (const fault of program.faults) if ('at' in fault && fault.at === i) run.faultNow(fault);
      await run.step(program.steps[i] as Step);
    }
    for (const fault of program.faults) if ('at' in fault && fault.at >= program.steps.length) run.faultNow(fault);
    await run.finish();
    for (const stream of run.streams) verify(run, stream);
    expect(run.a.allListeners, 'listeners left on the sending port').toBe(0);
    expect(run.b.allListeners, 'listeners left on the receiving port').toBe(0);
    // The turn that settled the last promise may have queued its end-of-turn task (a zero-delay
    // timer here, which does nothing more): it runs, as the event loop would run it next.
    await run.turn();
    for (const timer of run.wakeUps.values()) clearTimeout(timer);
    expect(vi.getTimerCount(), 'timers left').toBe(0);
  } finally {
    vi.useRealTimers();
  }
}

/** The invariants of one stream, once everything settled. */
function verify(run: Run, stream: StreamRun): void {
  const label = `stream ${stream.index}`;
  expect(stream.violations, `${label}: credit and stats()`).toEqual([]);
  const outcome = stream.outcome;
  expect(outcome, `${label}: toPort settled`).toBeDefined();
  let result: PortResult<Value>;
  if (outcome?.error !== undefined) {
    // Only a batch lost to a messageerror rejects toPort here (every value is cloneable).
    expect(stream.events.has('lost'), `${label}: toPort rejected with ${String(outcome.error)}`).toBe(true);
    expect(outcome.error).toBeInstanceOf(TypeError);
    result = outcome.error as PortResult<Value>;
    expect(typeof result.sent).toBe('number');
    expect(Array.isArray(result.undelivered)).toBe(true);
  } else {
    result = outcome?.result as PortResult<Value>;
  }
  expect(stream.remote.closed, `${label}: the receiving channel ends closed`).toBe(true);
  expect(stream.remote.stats().waitingPullers, `${label}: no pull left parked remotely`).toBe(0);
  expect(stream.local.stats().waitingPullers, `${label}: no pull left parked on the local channel`).toBe(0);
  expect(stream.signalListeners, `${label}: abort listeners left`).toBe(0);

  // What is still in the local channel (closed by now).
  const remaining: number[] = [];
  for (let value = stream.local.tryPull(); value !== undefined; value = stream.local.tryPull()) {
    remaining.push(idOf(value));
  }
  const committed = [...(stream.committed[0] as number[]), ...(stream.committed[1] as number[])];
  const undelivered = result.undelivered.map(idOf);
  const pulledCount = committed.length - remaining.length;
  expect(result.sent + undelivered.length, `${label}: sent + undelivered = values pulled`).toBe(pulledCount);

  // Received: no duplicates; ordered by the consumer's operations.
  const allReceived = [...stream.received].sort((x, y) => x[0] - y[0]).map(([, id]) => id);
  // What the receiving side pushed into its own channel is read there, once each, in order.
  expect(
    allReceived.filter((id) => producerOf(id) === LOCAL_PRODUCER),
    `${label}: values pushed on the receiving side`,
  ).toEqual(stream.injected);
  const receivedIds = allReceived.filter((id) => producerOf(id) !== LOCAL_PRODUCER);
  const receivedSet = new Set(receivedIds);
  expect(receivedSet.size, `${label}: nothing received twice`).toBe(receivedIds.length);
  expect(new Set(undelivered).size, `${label}: nothing undelivered twice`).toBe(undelivered.length);

  // The receiving side got the first `sent` values pulled; a link that died may also have let it
  // commit some of the first undelivered ones (committed, not acknowledged: documented).
  const overlap = receivedIds.length - result.sent;
  if (stream.events.has('gone')) {
    expect(overlap, `${label}: received at least what was acknowledged`).toBeGreaterThanOrEqual(0);
    const bound = stream.capacity === 0 ? Math.max(1, stream.maxOutstanding) : stream.capacity;
    expect(overlap, `${label}: in both places only what was in flight`).toBeLessThanOrEqual(bound);
  } else {
    expect(overlap, `${label}: received exactly the values sent`).toBe(0);
  }
  for (let i = 0; i < undelivered.length; i++) {
    expect(receivedSet.has(undelivered[i] as number), `${label}: undelivered[${i}] received too`).toBe(i < overlap);
  }
  // Every value committed locally is received, undelivered or still local: nothing lost.
  const everywhere = new Set([...receivedIds, ...undelivered, ...remaining]);
  expect(
    [...everywhere].sort((x, y) => x - y),
    `${label}: every value somewhere`,
  ).toEqual([...committed].sort((x, y) => x - y));
  expect(everywhere.size, `${label}: nothing in two places`).toBe(
    receivedIds.length + undelivered.length + remaining.length - Math.max(0, overlap),
  );
  // FIFO per producer: received (first), then undelivered, then what stayed local.
  const sequence = [...receivedIds.filter((id) => !undelivered.includes(id)), ...undelivered, ...remaining];
  for (const producer of [0, 1]) {
    const own = sequence.filter((id) => producerOf(id) === producer);
    for (let i = 1; i < own.length; i++) {
      expect(own[i] as number, `${label}: producer ${producer} out of order: ${own.join(',')}`).toBeGreaterThan(
        own[i - 1] as number,
      );
    }
  }
  if (run.program.transfer) {
    // Received values carry their buffer; undelivered ones are the very objects pushed, detached
    // exactly when they were posted.
    for (const value of stream.receivedValues) {
      const { id, buf } = value as { id: number; buf: ArrayBuffer };
      expect(new Float64Array(buf)[0], `${label}: value ${id} intact`).toBe(id);
    }
    const postedObjects = new Set<unknown>();
    for (const message of stream.senderPort.posted) {
      if (message.type === 'values' && message.name === stream.name) {
        for (const value of message.values as unknown[]) postedObjects.add(value);
      }
    }
    for (const value of result.undelivered) {
      const { id, buf } = value as { id: number; buf: ArrayBuffer };
      expect(buf.byteLength === 0, `${label}: undelivered ${id} detached iff posted`).toBe(postedObjects.has(value));
    }
  }

  // The receiving channel's close reason comes from an event that happened.
  const final = stream.endings.find((error) => error instanceof ChannelClosedError) as ChannelClosedError | undefined;
  const reason = final?.cause;
  const explanations: string[] = [];
  const matches = (event: string, ok: boolean) => {
    if (stream.events.has(event as 'producer') && ok) explanations.push(event);
  };
  const sameError = (expected: unknown) =>
    expected === undefined
      ? reason === undefined
      : expected instanceof Error
        ? reason instanceof Error && reason.message === expected.message
        : reason === expected;
  matches('producer', sameError(stream.producerReason));
  matches(
    'abort',
    stream.abortReason === undefined
      ? reason instanceof Error && reason.message.includes('AbortError')
      : sameError(stream.abortReason),
  );
  matches('consumer', reason === stream.consumerReason);
  matches('gone', reason instanceof ChannelError && /gone/.test(reason.message));
  matches('lost', reason instanceof ChannelError && /deserializ/.test(reason.message));
  if (
    stream.abortedWhilePairing &&
    stream.events.has('lost') &&
    reason instanceof ChannelError &&
    /gone/.test(reason.message)
  ) {
    // Its `end` lost to a messageerror, a receiver that heard the `open` of a sender that
    // stopped before pairing asks it in vain (it is over): it closes as gone (README).
    explanations.push('the end of a sender that stopped while pairing was lost');
  }
  if (stream.events.has('gone') && reason instanceof ChannelError && /deserializ/.test(reason.message)) {
    explanations.push('a link that died can look like a lost message');
  }
  expect(explanations, `${label}: close reason ${String(reason)} explained by ${[...stream.events]}`).not.toEqual([]);

  // A stream that no fault touched ends clean: everything pulled was delivered.
  const touched = ['abort', 'consumer', 'gone', 'lost'].some((event) => stream.events.has(event as 'gone'));
  if (!touched) {
    expect(outcome?.error, `${label}: untouched stream rejected`).toBeUndefined();
    expect(result.undelivered, `${label}: untouched stream left values undelivered`).toEqual([]);
    expect(remaining, `${label}: untouched stream left values local`).toEqual([]);
    expect(sameError(stream.producerReason), `${label}: untouched stream closed with the producer's reason`).toBe(true);
  }
}

describe('random programs with faults over ports scheduled message by message', () => {
  test('every value pulled is received once or undelivered, in order, within credit, and every end leaves nothing behind', async () => {
    await fc.assert(fc.asyncProperty(programArb, check), fuzzParameters(300));
  }, 120_000);
});
