/**
 * Faults injected into `toPort`/`fromPort` streams over the ports users run them on in Node —
 * `MessageChannel` ports of `worker_threads`, and the shared fake ports of
 * test/helpers/fake-ports.ts (a task per delivery, or synchronous delivery from inside
 * `postMessage`) — on the real clock, with random capacities, producers and consumers, one fault
 * at a random point of the consumer's program: the sender's signal aborts, the receiving side
 * closes its channel, the port is closed, foreign and malformed messages are interleaved, a
 * batch cannot be deserialized on the receiving side. A second stream multiplexed on the same
 * port by name must be untouched by a fault of the first. The heartbeat's seconds-long
 * detection of a silent peer is fuzzed on a fake clock in test/port-fuzz.test.ts.
 *
 * After every run: the consumer (which takes values one operation at a time) got exactly the
 * first `sent` values pulled, in order; `sent + undelivered.length` is what was pulled; every
 * value pushed is received, undelivered or still local, exactly once (a port closed under a
 * stream may leave what the receiver committed but had not acknowledged in two places, as
 * documented); every promise settles within a few seconds; no listener is left on the ports or
 * the signal, and no heartbeat timer runs.
 */
import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Channel } from '../src/channel.js';
import { ChannelClosedError, ChannelError } from '../src/errors.js';
import { fromPort, type PortLike, type PortResult, toPort } from '../src/port/index.js';
import { pull, select } from '../src/select.js';
import { type FakePort, fakePorts, type Message, type SyncPort, syncPorts } from './helpers/fake-ports.js';
import { fuzzParameters } from './helpers/fuzz.js';
import { sleep } from './helpers/ports.js';

// ---------------------------------------------------------------------------------------------
// What is counted: heartbeat timers (setInterval), listeners on ports and signals.

/** The intervals set and not cleared (only port streams set intervals in this file). */
const intervals = new Set<unknown>();
const originalSetInterval = globalThis.setInterval;
const originalClearInterval = globalThis.clearInterval;
beforeAll(() => {
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const id = originalSetInterval(...args);
    intervals.add(id);
    return id;
  }) as typeof setInterval;
  globalThis.clearInterval = ((id: Parameters<typeof clearInterval>[0]) => {
    intervals.delete(id);
    originalClearInterval(id);
  }) as typeof clearInterval;
});
afterAll(() => {
  globalThis.setInterval = originalSetInterval;
  globalThis.clearInterval = originalClearInterval;
});

/** Records what is posted on `port` (wrapping its `postMessage`). */
function recordPosts(port: { postMessage(message: unknown, ...rest: any[]): void }): Message[] {
  const posted: Message[] = [];
  const post = port.postMessage.bind(port);
  port.postMessage = (message: unknown, ...rest: any[]) => {
    post(message, ...rest);
    posted.push(message as Message);
  };
  return posted;
}

/** Whether `message` is a stream's message of `type` and `name` (not a foreign one: those are the 'ghost''s). */
function ours(message: Message | null, type: string, name: string): message is Message {
  return (
    typeof message === 'object' &&
    message !== null &&
    message.type === type &&
    message.name === name &&
    message.session !== 'ghost'
  );
}

/** Counts the listeners added to `target` minus those removed (all event types). */
function countListeners<T extends object>(target: T): { target: T; count: () => number } {
  let count = 0;
  const events = target as unknown as EventTarget;
  const add = events.addEventListener.bind(events);
  const remove = events.removeEventListener.bind(events);
  events.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => {
    count++;
    add(...args);
  };
  events.removeEventListener = (...args: Parameters<EventTarget['removeEventListener']>) => {
    count--;
    remove(...args);
  };
  return { target, count: () => count };
}

// ---------------------------------------------------------------------------------------------
// Ports

type PortKind = 'MessageChannel' | 'fake' | 'sync';

interface Pair {
  a: PortLike;
  b: PortLike;
  listeners(): number;
  /** What the receiving side posted (its `credit`s say that it paired). */
  receiverPosted: Message[];
  /** What the sending side posted (its `values` are what is in flight). */
  senderPosted: Message[];
  /** Closes the link (the port of `side`), as a context that closes its port does. */
  close(side: 'a' | 'b'): void;
  /** Posts `data` from the side opposite `to`, raw: another library's message. */
  foreign(to: 'a' | 'b', data: unknown): void;
  /** Frees what the pair holds (Node ports keep the process alive). */
  dispose(): void;
  fake?: { a: FakePort; b: FakePort };
}

function pair(kind: PortKind): Pair {
  if (kind === 'MessageChannel') {
    const { port1, port2 } = new MessageChannel();
    const a = countListeners(port1);
    const b = countListeners(port2);
    return {
      a: port1 as unknown as PortLike,
      b: port2 as unknown as PortLike,
      listeners: () => a.count() + b.count(),
      receiverPosted: recordPosts(port2),
      senderPosted: recordPosts(port1),
      close: (side) => (side === 'a' ? port1 : port2).close(),
      foreign: (to, data) => (to === 'a' ? port2 : port1).postMessage(data),
      dispose: () => {
        port1.close();
        port2.close();
      },
    };
  }
  const ports: { a: FakePort | SyncPort; b: FakePort | SyncPort } = kind === 'fake' ? fakePorts() : syncPorts();
  const a = countListeners(ports.a);
  const b = countListeners(ports.b);
  return {
    a: ports.a,
    b: ports.b,
    listeners: () => a.count() + b.count(),
    receiverPosted: recordPosts(ports.b),
    senderPosted: recordPosts(ports.a),
    close: () => {
      // What Node does on close(): nothing more crosses, and each side hears `close`.
      for (const port of [ports.a, ports.b]) {
        if ('dead' in port) port.dead = true;
        else port.postMessage = () => {};
      }
      setTimeout(() => {
        ports.a.dispatchEvent(new Event('close'));
        ports.b.dispatchEvent(new Event('close'));
      }, 0);
    },
    foreign: (to, data) => {
      const target = to === 'a' ? ports.a : ports.b;
      setTimeout(() => target.dispatchEvent(new MessageEvent('message', { data })), 0);
    },
    dispose: () => {},
    ...(kind === 'fake' ? { fake: ports as { a: FakePort; b: FakePort } } : {}),
  };
}

/** Foreign and malformed messages: none may change anything. */
const FOREIGN: unknown[] = [
  null,
  'hello',
  { type: 'values', values: [-1] },
  { source: 'chanasync-port', version: 1, name: 'x', type: 'values', session: 'ghost', values: [-1], posted: 0 },
  { source: 'chanasync-port', version: 1, name: 'x', type: 'credit', session: 'ghost', granted: 99, committed: 0 },
  { source: 'chanasync-port', version: 1, name: 'x', type: 'closed', session: 'ghost', committed: 0 },
  { source: 'chanasync-port', version: 1, name: 'x', type: 'end', session: 'ghost', abort: true },
  { source: 'chanasync-port', version: 1, name: 'x', type: 'ping', session: 'ghost', posted: 50, ended: true },
  { source: 'chanasync-port', version: 1, name: 'nobody', type: 'open', session: 'ghost' },
  { source: 'chanasync-port', version: 2, name: 'x', type: 'end', session: 'ghost', abort: true },
  { source: 'chanasync-port', version: 1, name: 'x', type: 'credit', session: 'ghost', granted: 1, committed: 5 },
];

// ---------------------------------------------------------------------------------------------
// Programs

type Op =
  | { kind: 'pull' }
  | { kind: 'pullMany'; max: number }
  | { kind: 'tryPull' }
  | { kind: 'select' }
  | { kind: 'iterate'; take: number }
  | { kind: 'sleep'; ms: number };

type Fault =
  | { kind: 'none' }
  | { kind: 'abort'; reason: boolean }
  | { kind: 'consumerClose'; reason: boolean }
  | { kind: 'portClose'; side: 'a' | 'b' }
  | { kind: 'foreign'; to: 'a' | 'b'; which: number[] }
  | { kind: 'messageerror'; nth: number; fires: boolean };

interface Program {
  capacity: number;
  localCapacity: number;
  values: number;
  /** Push values one by one (else with pushAll in chunks of 3). */
  oneByOne: boolean;
  closeReason: boolean;
  transfer: boolean;
  ops: Op[];
  /** Before which consumer operation the fault happens. */
  faultAt: number;
  fault: Fault;
  /** A second stream on the same port, which no fault may touch. */
  multiplexed: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'pull' as const }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 6 }) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'tryPull' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'select' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('iterate' as const), take: fc.integer({ min: 1, max: 5 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 3 }) }), weight: 2 },
);

function faultArb(kind: PortKind): fc.Arbitrary<Fault> {
  const faults: fc.Arbitrary<Fault>[] = [
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('abort' as const), reason: fc.boolean() }),
    fc.record({ kind: fc.constant('consumerClose' as const), reason: fc.boolean() }),
    fc.record({ kind: fc.constant('portClose' as const), side: fc.constantFrom<'a' | 'b'>('a', 'b') }),
    fc.record({
      kind: fc.constant('foreign' as const),
      to: fc.constantFrom<'a' | 'b'>('a', 'b'),
      which: fc.array(fc.nat(FOREIGN.length - 1), { minLength: 1, maxLength: 4 }),
    }),
  ];
  if (kind === 'fake') {
    // A messageerror that does not fire is noticed by the heartbeat, a second later: that case
    // runs on the fake clock (test/port-fuzz.test.ts).
    faults.push(fc.record({ kind: fc.constant('messageerror' as const), nth: fc.nat(3), fires: fc.constant(true) }));
  }
  return fc.oneof(...faults);
}

function programArb(kind: PortKind): fc.Arbitrary<Program> {
  return fc.record({
    capacity: fc.constantFrom(0, 1, 3, 64, Number.POSITIVE_INFINITY),
    localCapacity: fc.constantFrom(0, 1, 3, Number.POSITIVE_INFINITY),
    values: fc.integer({ min: 0, max: 30 }),
    oneByOne: fc.boolean(),
    closeReason: fc.boolean(),
    transfer: fc.boolean(),
    ops: fc.array(opArb, { minLength: 1, maxLength: 25, size: 'max' }),
    faultAt: fc.nat(25),
    fault: faultArb(kind),
    multiplexed: fc.boolean(),
  });
}

// ---------------------------------------------------------------------------------------------
// A run

type Value = number | { id: number; buf: ArrayBuffer };
const idOf = (value: Value): number => (typeof value === 'number' ? value : value.id);

/** One stream of a run: its producer, its consumer, what each saw. */
class StreamRun {
  readonly local: Channel<Value>;
  readonly remote: Channel<Value>;
  readonly controller = new AbortController();
  readonly signal: { target: AbortSignal; count: () => number };
  readonly done: Promise<{ result?: PortResult<Value>; error?: unknown }>;
  /** Ids whose push committed, in order (one producer, one push at a time). */
  readonly committed: number[] = [];
  /** Ids the consumer got, in the order it got them (one operation at a time). */
  readonly received: number[] = [];
  readonly receivedValues: Value[] = [];
  /** The consumer's operation that ended on the closed channel. */
  ending: unknown = undefined;
  readonly producerReason: unknown;
  consumerReason: unknown = undefined;
  abortReason: unknown = undefined;
  readonly events = new Set<'producer' | 'abort' | 'consumer' | 'gone' | 'lost'>();
  producing!: Promise<void>;

  constructor(
    readonly name: string,
    readonly ports: Pair,
    readonly program: Program,
  ) {
    this.local = new Channel<Value>(program.localCapacity);
    this.remote = fromPort<Value>(ports.b, { name, capacity: program.capacity });
    this.signal = countListeners(this.controller.signal);
    this.producerReason = program.closeReason ? new Error(`done-${name}`) : undefined;
    const transfer = program.transfer ? (value: Value) => [(value as { buf: ArrayBuffer }).buf] : undefined;
    this.done = toPort(this.local, ports.a, {
      name,
      signal: this.controller.signal,
      ...(transfer === undefined ? {} : { transfer }),
    }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
  }

  value(id: number): Value {
    if (!this.program.transfer) return id;
    const buf = new ArrayBuffer(8);
    new Float64Array(buf)[0] = id;
    return { id, buf };
  }

  /** Pushes the values in order, then closes the local channel (its pushes may be refused). */
  async produce(): Promise<void> {
    const ids = Array.from({ length: this.program.values }, (_, i) => i);
    try {
      if (this.program.oneByOne) {
        for (const id of ids) {
          await this.local.push(this.value(id));
          this.committed.push(id);
        }
      } else {
        for (let i = 0; i < ids.length; i += 3) {
          const chunk = ids.slice(i, i + 3);
          try {
            await this.local.pushAll(chunk.map((id) => this.value(id)));
            this.committed.push(...chunk);
          } catch (error) {
            this.committed.push(...chunk.slice(0, (error as { pushed?: number }).pushed ?? 0));
            throw error;
          }
        }
      }
    } catch {
      return; // the local channel was closed under the producer (by the run's end)
    }
    this.events.add('producer');
    this.local.close(this.producerReason);
  }

  /** Values of a batch lost to a messageerror: posted, never to be committed, so not in flight. */
  lostValues = 0;
  readonly violations: string[] = [];

  /**
   * Values posted but not yet taken by the consumer fit the capacity — at least 1 for capacity
   * 0, where this consumer has one pull parked at a time.
   */
  checkCredit(senderPosted: Message[]): void {
    let posted = 0;
    for (const message of senderPosted) {
      if (ours(message, 'values', this.name)) posted += (message.values as unknown[]).length;
    }
    const ahead = posted - this.lostValues - this.received.length;
    const bound = Math.max(1, this.program.capacity);
    if (ahead > bound) this.violations.push(`${ahead} values ahead of the consumer > ${bound}`);
  }

  got(value: Value): void {
    this.received.push(idOf(value));
    this.receivedValues.push(value);
  }

  /** One consumer operation; false once the channel is closed and drained. */
  async consume(op: Op): Promise<boolean> {
    try {
      switch (op.kind) {
        case 'pull':
          this.got(await this.remote.pull());
          return true;
        case 'pullMany':
          for (const value of await this.remote.pullMany(op.max)) this.got(value);
          return true;
        case 'tryPull': {
          const value = this.remote.tryPull();
          if (value !== undefined) this.got(value);
          else if (this.remote.closed && this.remote.size === 0) return this.end();
          else await sleep(1);
          return true;
        }
        case 'select': {
          const timeout = new Channel<number>(0);
          const timer = setTimeout(() => timeout.close(), 2);
          const result = await select([pull(this.remote), pull(timeout)]);
          clearTimeout(timer);
          timeout.close();
          if (result.index === 0) {
            if (!result.ok) return this.end();
            this.got(result.value as Value);
          }
          return true;
        }
        case 'iterate': {
          let left = op.take;
          for await (const value of this.remote) {
            this.got(value);
            if (--left === 0) return true;
          }
          return this.end();
        }
        case 'sleep':
          await sleep(op.ms);
          return true;
      }
    } catch (error) {
      this.ending = error;
      return false;
    }
  }

  /** The channel is closed and drained: a last pull says with what reason. */
  private async end(): Promise<false> {
    try {
      await this.remote.pull();
      throw new Error('a pull on a closed, drained channel resolved');
    } catch (error) {
      this.ending = error;
      return false;
    }
  }
}

/** Runs `program` over a fresh pair of `kind`; checks every invariant. */
async function check(kind: PortKind, program: Program): Promise<void> {
  const ports = pair(kind);
  try {
    const names = program.multiplexed ? ['x', 'y'] : ['x'];
    if (program.fault.kind === 'messageerror' && ports.fake !== undefined) {
      const { nth, fires } = program.fault;
      let seen = 0;
      ports.fake.b.firesMessageError = fires;
      ports.fake.b.undeserializable = (data: Message) => {
        const hit = data.type === 'values' && data.name === 'x' && seen++ === nth;
        if (hit) (streams[0] as StreamRun).lostValues += (data.values as unknown[]).length;
        return hit;
      };
    }
    const streams = names.map((name) => new StreamRun(name, ports, program));
    const [faulty] = streams as [StreamRun];
    for (const stream of streams) stream.producing = stream.produce();
    const consumers = streams.map(async (stream) => {
      const faultHere = stream === faulty;
      for (let i = 0; ; i++) {
        // Between two operations of this one-at-a-time consumer, what it got is up to date.
        stream.checkCredit(ports.senderPosted);
        if (faultHere && i === program.faultAt) inject(ports, program.fault, stream, streams);
        // The program's operations, then pulls until the channel is closed and drained.
        const op = program.ops[i] ?? { kind: 'pull' };
        if (!(await stream.consume(op))) return;
      }
    });
    // (A producer may wait for good on a full local channel whose stream stopped: verify() closes it.)
    const everything = Promise.all([...consumers, ...streams.map((s) => s.done)]);
    // A fromPort closed before its sender's `open` arrived tells no sender (it knows none): its
    // toPort waits for a receiver by design (README) — the user's signal ends it.
    const paired = () => ports.receiverPosted.some((message) => ours(message, 'credit', 'x'));
    void Promise.all(consumers).then(async () => {
      await sleep(200);
      if (!faulty.controller.signal.aborted && !paired() && faulty.remote.closed) {
        faulty.abortReason = 'never paired';
        faulty.events.add('abort');
        faulty.controller.abort(faulty.abortReason);
      }
    });
    const hang = sleep(3000).then(() => 'hang' as const);
    const first = await Promise.race([everything.then(() => 'done' as const), hang]);
    if (first === 'hang') {
      const states = streams.map((s) => ({
        received: s.received.length,
        closed: s.remote.closed,
        events: [...s.events],
      }));
      throw new Error(`a promise never settled: ${JSON.stringify(states)}`);
    }
    if (program.fault.kind === 'messageerror') {
      // Whether the batch was lost shows in what the receiver saw; the run's events say so.
      const lost = ports.fake?.b.sent('closed').some((message) => message.name === 'x' && message.lost === true);
      if (lost === true) faulty.events.add('lost');
    }
    await sleep(1); // the last listeners and timers go in the task that settled the streams
    const rests = [];
    for (const stream of streams) rests.push(await verify(stream));
    // Over a port that still works, a new stream of the first one's name carries what it left.
    // Not after a first sender that stopped while pairing: its `open` and `end` (addressed to any
    // receiver) may still wait in the port — Node queues a port's messages while nobody listens —
    // and the next receiver of its name, hearing them, forgets that sender only if it was created
    // in a later millisecond than the give-up; in the same one it closes with its reason (README).
    const endedWhilePairing = ports.senderPosted.some(
      (message) => ours(message, 'end', 'x') && message.receiver === undefined,
    );
    if (program.fault.kind !== 'portClose' && !endedWhilePairing) await restart(ports, program, rests[0] as number[]);
    await sleep(1);
    expect(ports.listeners(), 'listeners left on the ports').toBe(0);
    expect(intervals.size, 'heartbeat timers left').toBe(0);
  } finally {
    ports.dispose();
  }
}

function inject(ports: Pair, fault: Fault, stream: StreamRun, streams: StreamRun[]): void {
  switch (fault.kind) {
    case 'abort':
      stream.abortReason = fault.reason ? new Error('stop') : 'stop';
      stream.events.add('abort');
      stream.controller.abort(stream.abortReason);
      return;
    case 'consumerClose':
      if (stream.remote.closed) return;
      stream.consumerReason = fault.reason ? new Error('enough') : undefined;
      stream.events.add('consumer');
      stream.remote.close(stream.consumerReason);
      return;
    case 'portClose':
      for (const each of streams) each.events.add('gone');
      ports.close(fault.side);
      return;
    case 'foreign':
      for (const which of fault.which) ports.foreign(fault.to, FOREIGN[which]);
      return;
    default:
  }
}

/** Checks one stream once it is over; returns the ids it did not deliver (undelivered, then still local). */
async function verify(stream: StreamRun): Promise<number[]> {
  const label = `stream ${stream.name}`;
  expect(stream.violations, `${label}: credit`).toEqual([]);
  const outcome = await stream.done;
  let result: PortResult<Value>;
  if (outcome.error !== undefined) {
    expect(stream.events.has('lost'), `${label}: toPort rejected: ${String(outcome.error)}`).toBe(true);
    expect(outcome.error).toBeInstanceOf(TypeError);
    result = outcome.error as PortResult<Value>;
  } else {
    result = outcome.result as PortResult<Value>;
  }
  // The producer may still wait on a full local channel whose stream stopped: close it.
  if (!stream.local.closed) stream.local.close();
  await stream.producing;
  const remaining: number[] = [];
  for (let value = stream.local.tryPull(); value !== undefined; value = stream.local.tryPull()) {
    remaining.push(idOf(value));
  }
  const undelivered = result.undelivered.map(idOf);
  expect(result.sent + undelivered.length, `${label}: sent + undelivered = pulled`).toBe(
    stream.committed.length - remaining.length,
  );
  // The consumer may stop early (the run stops at its close): drain what it left buffered.
  for (let value = stream.remote.tryPull(); value !== undefined; value = stream.remote.tryPull()) stream.got(value);
  const overlap = stream.received.length - result.sent;
  if (stream.events.has('gone')) {
    expect(overlap, `${label}: received at least what was acknowledged`).toBeGreaterThanOrEqual(0);
    expect(stream.received.slice(result.sent), `${label}: in both places, the first undelivered`).toEqual(
      undelivered.slice(0, overlap),
    );
  } else {
    expect(overlap, `${label}: received exactly the values sent`).toBe(0);
  }
  // Everything pushed, in order: received, then undelivered, then still local.
  expect(
    [...stream.received, ...undelivered.slice(Math.max(0, overlap)), ...remaining],
    `${label}: every value once, in order`,
  ).toEqual(stream.committed);
  expect(stream.remote.closed, `${label}: the receiving channel ends closed`).toBe(true);
  expect(stream.signal.count(), `${label}: abort listeners left`).toBe(0);
  expect(stream.local.stats().waitingPullers, `${label}: a pull left parked on the local channel`).toBe(0);
  if (stream.program.transfer) {
    for (const value of stream.receivedValues) {
      const { id, buf } = value as { id: number; buf: ArrayBuffer };
      expect(new Float64Array(buf)[0], `${label}: value ${id} intact`).toBe(id);
    }
  }
  // The close reason is that of an event that happened.
  const reason = stream.ending instanceof ChannelClosedError ? stream.ending.cause : stream.ending;
  const explained =
    (stream.events.has('producer') && sameReason(reason, stream.producerReason)) ||
    (stream.events.has('abort') && sameReason(reason, stream.abortReason)) ||
    (stream.events.has('consumer') && reason === stream.consumerReason) ||
    (stream.events.has('gone') && reason instanceof ChannelError && /gone/.test(reason.message)) ||
    (stream.events.has('lost') && reason instanceof ChannelError && /deserializ/.test(reason.message));
  expect(explained, `${label}: close reason ${String(reason)} explained by ${[...stream.events]}`).toBe(true);
  const touched = ['abort', 'consumer', 'gone', 'lost'].some((event) => stream.events.has(event as 'gone'));
  if (!touched) {
    expect(outcome.error, `${label}: untouched stream rejected`).toBeUndefined();
    expect(undelivered, `${label}: untouched stream left values undelivered`).toEqual([]);
    expect(stream.received, `${label}: untouched stream delivered everything`).toEqual(stream.committed);
  }
  return [...undelivered.slice(Math.max(0, overlap)), ...remaining];
}

/**
 * What an application that must finish every job does after a stream ended (the README's demo):
 * a new `toPort` and `fromPort` of the same name, on the same ports, carry exactly the values the
 * first one did not deliver — in order, each once — while the first stream's last messages may
 * still be on their way.
 */
async function restart(ports: Pair, program: Program, rest: number[]): Promise<void> {
  const local = new Channel<number>(Number.POSITIVE_INFINITY);
  for (const id of rest) local.tryPush(id);
  local.close();
  const remote = fromPort<number>(ports.b, { name: 'x', capacity: program.capacity });
  const done = toPort(local, ports.a, { name: 'x' });
  const got: number[] = [];
  const reading = (async () => {
    for await (const id of remote) got.push(id);
  })();
  const finished = await Promise.race([Promise.all([reading, done]).then(() => true), sleep(3000).then(() => false)]);
  expect(finished, 'the restarted stream settled').toBe(true);
  expect(got, 'the restarted stream delivered exactly the rest, in order').toEqual(rest);
  expect(await done).toEqual({ sent: rest.length, undelivered: [] });
}

function sameReason(actual: unknown, expected: unknown): boolean {
  if (expected instanceof Error) return actual instanceof Error && actual.message === expected.message;
  return actual === expected;
}

describe('faults at random points of random streams', () => {
  for (const kind of ['MessageChannel', 'fake', 'sync'] as const) {
    test(`over ${kind} ports, every value is received once or undelivered, in order, and every end leaves nothing behind`, async () => {
      await fc.assert(
        fc.asyncProperty(programArb(kind), (program) => check(kind, program)),
        fuzzParameters(60),
      );
    }, 120_000);
  }
});

describe('regressions found by the fuzz tests', () => {
  test('a stream that ends inside its first postMessage (a synchronous port, a receiver waiting, nothing to send) leaves no heartbeat timer', async () => {
    const { a, b } = syncPorts();
    const remote = fromPort<number>(b, { name: 'x', capacity: 1 });
    const local = new Channel<number>();
    local.close();
    const before = intervals.size;
    // The open, the credit, the end and the closed all cross inside toPort's first post.
    expect(await toPort(local, a, { name: 'x' })).toEqual({ sent: 0, undelivered: [] });
    expect(remote.closed).toBe(true);
    expect(intervals.size - before).toBe(0);
    expect(a.listeners + b.listeners).toBe(0);
  });

  test('a fromPort that starts after a toPort gave up while pairing stays open, and the retried toPort pairs with it', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const a = port1 as unknown as PortLike;
      const b = port2 as unknown as PortLike;
      // Nobody listens to port2 yet: Node keeps what arrives meanwhile, as a Worker keeps what
      // is posted to it before its script listens.
      const local = new Channel<number>(Number.POSITIVE_INFINITY);
      local.tryPush(1);
      local.tryPush(2);
      local.close();
      const first = toPort(local, a, { name: 'x', signal: AbortSignal.abort(new Error('too late')) });
      expect(await first).toEqual({ sent: 0, undelivered: [] }); // aborted before it posted anything
      const controller = new AbortController();
      const gaveUp = toPort(local, a, { name: 'x', signal: controller.signal });
      await sleep(20);
      controller.abort(new Error('gave up'));
      expect(await gaveUp).toEqual({ sent: 0, undelivered: [] });
      await sleep(2); // the receiver below is created in a later millisecond than the give-up
      const retry = toPort(local, a, { name: 'x' });
      // It hears the `open` and `end` of the sender that gave up before it existed: no sender of
      // its own, forgotten; then the retry's `open`.
      const late = fromPort<number>(b, { name: 'x' });
      expect([await late.pull(), await late.pull()]).toEqual([1, 2]);
      expect(await retry).toEqual({ sent: 2, undelivered: [] });
      await expect(late.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      expect(late.closed).toBe(true);
    } finally {
      port1.close();
      port2.close();
    }
  });

  test('a receiver that existed when a toPort gave up while pairing closes with its reason, also when everything ran in one turn', async () => {
    for (const turn of ['one turn', 'after the open arrived']) {
      const { a, b } = fakePorts();
      const remote = fromPort<number>(b, { name: 'x' });
      const controller = new AbortController();
      const done = toPort(new Channel<number>(1), a, { name: 'x', signal: controller.signal });
      if (turn !== 'one turn') await sleep(5);
      controller.abort(new Error('changed my mind'));
      expect(await done, turn).toEqual({ sent: 0, undelivered: [] });
      const failure = await remote.pull().catch((error: unknown) => error);
      expect((failure as ChannelClosedError).cause, turn).toEqual(new Error('changed my mind'));
      expect(a.listeners + b.listeners, turn).toBe(0);
    }
  });

  test('a receiver created in the same millisecond as the give-up it hears late closes with its reason (a tie counts as present)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { port1, port2 } = new MessageChannel();
    try {
      const controller = new AbortController();
      const gaveUp = toPort(new Channel<number>(1), port1 as unknown as PortLike, {
        name: 'x',
        signal: controller.signal,
      });
      controller.abort(new Error('gave up'));
      expect(await gaveUp).toEqual({ sent: 0, undelivered: [] });
      const late = fromPort<number>(port2 as unknown as PortLike, { name: 'x' }); // the same Date.now()
      const failure = await late.pull().catch((error: unknown) => error);
      expect((failure as ChannelClosedError).cause).toEqual(new Error('gave up'));
    } finally {
      vi.useRealTimers();
      port1.close();
      port2.close();
    }
  });

  test('a receiver that heard the open of a sender aborted while pairing, and cannot read its end, closes as gone after the heartbeat', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    try {
      const advance = async (ms: number) => {
        for (let t = 0; t < ms; t += 10) {
          await vi.advanceTimersByTimeAsync(10);
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const { a, b } = fakePorts();
      b.held = true; // the receiver's answers never reach the sender: it is still pairing
      b.undeserializable = (data) => data.type === 'end';
      const remote = fromPort<number>(b);
      const controller = new AbortController();
      const done = toPort(new Channel<number>(), a, { signal: controller.signal });
      await advance(20);
      expect(b.sent('credit')).toHaveLength(1); // it heard the open, and answered
      controller.abort(new Error('stop'));
      // Nothing was pulled: the sender settles at once, and answers nothing more.
      expect(await done).toEqual({ sent: 0, undelivered: [] });
      await advance(4500);
      expect(remote.closed).toBe(false);
      await advance(1200);
      const ending = await remote.pull().catch((error: unknown) => error);
      expect(ending).toBeInstanceOf(ChannelClosedError);
      expect((ending as ChannelClosedError).cause).toBeInstanceOf(ChannelError);
      expect(((ending as ChannelClosedError).cause as Error).message).toMatch(/the other side is gone/);
      expect(a.allListeners + b.allListeners).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
