/**
 * `durableChannel()`: the caller's side of a durable channel. Each operation is one or more
 * RPC calls to the channel's {@link ChannelObjectImpl | ChannelObject} (see `protocol.ts`):
 *
 * - A push sends its value with its id; a retry (network error, `durableObjectReset`) resends
 *   the same id, so the value is stored once. A push on a full channel waits in slices: each
 *   call returns `again` after `sliceMs` and the client calls again with the same id, keeping
 *   its place.
 * - A pull sends a ticket; the object leases values to it. The client then acknowledges them
 *   (`ack`) and only then resolves: the acknowledgement is the pull's commit point, when the
 *   values stop being the channel's. A pull whose signal aborts before that withdraws the
 *   ticket (`cancel`): leased values go back to the head, and nothing is consumed.
 * - All calls of one operation go through one stub; a call that failed gets a new stub, since an
 *   exception breaks a stub for good. No stub outlives the operation: a stub kept across
 *   requests fails in Workers, and a `DurableChannel` may be kept at module scope.
 * - Calls on one stub do not always reach the object in the order they were made (a `cancel`
 *   sent right after a call was seen to overtake it): a cancel names its operation (the pull
 *   ticket, the push `op`), and the object answers `cancelled` to a call of a withdrawn operation
 *   that arrives after it, so an aborted operation never commits or waits behind its caller's back.
 *
 * Who owns a value: the caller's until the object answers `stored` (then the channel's), the
 * channel's while leased, the puller's once `ack` answered `acked` for it.
 */
import { ChannelClosedError } from '../errors.js';
import { isSignal } from '../signals.js';
import type {
  AckAnswer,
  CancelAnswer,
  CapacityAnswer,
  ChannelRpc,
  Delivery,
  JointCall,
  PullAnswer,
  PushAnswer,
  RestoreAnswer,
} from './protocol.js';

/**
 * The part of a Durable Object namespace binding (`env.CHANNELS`) that `durableChannel` uses.
 * Cloudflare's `DurableObjectNamespace` has it; no `@cloudflare/workers-types` is needed.
 */
export interface DurableObjectNamespaceLike<Id = unknown> {
  /** The id of the object for a name: the same name always gives the same object. */
  idFromName(name: string): Id;
  /** A stub of the object (its RPC methods). */
  get(id: Id): unknown;
}

/** Options of {@link durableChannel}. */
export interface DurableChannelOptions {
  /**
   * The channel's capacity: a positive integer, or `Infinity` (unbounded). The first operation
   * that reaches a new channel fixes it; an operation of a client created with a different
   * number then rejects with a `RangeError`. Omitted: accept the existing channel's capacity, or
   * create an unbounded one. (A durable channel stores every value, so there is no capacity 0.)
   */
  capacity?: number | undefined;
  /**
   * The longest one RPC call waits inside the object, in ms (default 5000): a longer wait is a
   * chain of calls, so no platform time-out strands it, and a waiter whose caller vanished
   * holds the object awake for at most one slice.
   */
  sliceMs?: number | undefined;
  /**
   * How long a value handed out to a pull stays leased without an acknowledgement, and how long
   * a waiter keeps its place between two slices, in ms (default 10000). When a lease ends
   * unacknowledged, the value goes back to the head of the channel.
   */
  leaseMs?: number | undefined;
}

/** Options of {@link DurableChannel.push}. */
export interface DurablePushOptions {
  /** Withdraws the push if aborted before the value is stored (checked first). */
  signal?: AbortSignal | undefined;
  /**
   * The idempotency key (1 to 256 UTF-16 code units, well-formed Unicode; default: a random
   * UUID, generated once per call).
   * The channel stores a value under a given id at most once — a retry of the same push with the
   * same id, by this client after an error or by your own code, resolves without storing it
   * again — for as long as the value is in the channel, and at least 10 minutes after it was
   * stored. The id is also the value's delivery id ({@link DurableDelivery.id}). Ids are per
   * channel: the same id pushed to two channels stores a value in each.
   */
  id?: string | undefined;
}

/** Options of the pull operations of a {@link DurableChannel}. */
export interface DurablePullOptions {
  /** Withdraws the pull if aborted before its values are acknowledged: nothing is consumed. */
  signal?: AbortSignal | undefined;
}

/** A value pulled with its delivery id, from {@link DurableChannel.pullWithId}. */
export interface DurableDelivery<T> {
  /** The value pulled. */
  value: T;
  /** The delivery id: the id of the push that stored the value, the same on every redelivery. */
  id: string;
  /**
   * How many times the value has been handed out, this time included: above 1, it may have been
   * seen before. A hand-out that its pull withdrew unseen (its signal aborted, an iterator's
   * `return()`) does not count.
   */
  attempt: number;
}

/** A copy of a durable channel's state, from {@link DurableChannel.stats}. */
export interface DurableChannelStats {
  /** The channel's name. */
  readonly name: string;
  /** A positive integer, or `Infinity`. */
  readonly capacity: number;
  /** Values stored and ready to be pulled. */
  readonly size: number;
  /** Values handed out to a pull and not yet acknowledged (they count against the capacity). */
  readonly leased: number;
  /** Whether `close()` has been called. */
  readonly closed: boolean;
  /** Pushes waiting for room, including those between two wait slices. */
  readonly waitingPushers: number;
  /** Pulls waiting for a value, including those between two wait slices. */
  readonly waitingPullers: number;
}

/**
 * A channel kept by a Durable Object: any request, in any Worker, pushes and pulls it. Same
 * meaning as a local `Channel` — FIFO, a push resolves once committed, close loses nothing —
 * with values that survive restarts. Values must be structured-cloneable. Not usable in
 * `select` (a select commits one case atomically; that cannot span objects).
 *
 * Every operation returns a promise and reports every failure by rejecting it (bad arguments
 * included: options that are not an object, such as an `AbortSignal` given in place of
 * `{ signal }` or an id in place of `{ id }`, reject with a `TypeError`). The client's only
 * property is {@link DurableChannel.name}: the channel's state is read with `stats()`. Besides what each method lists, every operation rejects with a `RangeError` when
 * this client's `capacity` differs from the channel's, and with the platform's error when the
 * object cannot be reached (after retries, for a network error or a reset object).
 */
export interface DurableChannel<in out T> extends AsyncIterable<T> {
  /** The name given to {@link durableChannel}: one name, one channel. */
  readonly name: string;
  /**
   * Pushes `value`, resolving once it is written to the object's storage (FIFO after every
   * value stored before it). On a full channel it waits for room, in FIFO order among waiting
   * pushes.
   *
   * @throws (rejects) `signal.reason` if aborted before the value is stored (checked first).
   * @throws (rejects) {@link ChannelClosedError} if the channel is closed first.
   * @throws (rejects) `TypeError` if the value cannot be stored (not structured-cloneable; a
   *   thenable is refused before anything else, as a local channel refuses it, and so is a
   *   stream or a `Request`/`Response` with a body, which is left unread), or a bad option;
   *   `RangeError` if this client's capacity differs from the channel's.
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<{ url: string }>(env.CHANNELS, 'jobs');
   * // With an id, a retried push (the same id) stores nothing more.
   * await jobs.push({ url: 'https://example.com' }, { id: 'job-42' });
   * ```
   */
  push(value: T, options?: DurablePushOptions): Promise<void>;
  /**
   * Pulls the next value, waiting for one. The value is leased while it travels to the caller
   * and removed from the channel only once the caller acknowledged it (before this resolves).
   *
   * @throws (rejects) {@link ChannelClosedError} once closed and drained (no value ready or leased).
   * @throws (rejects) `signal.reason` if aborted first: nothing is consumed.
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<{ url: string }>(env.CHANNELS, 'jobs');
   * const job = await jobs.pull({ signal: AbortSignal.timeout(5000) }); // rejects after 5 s
   * console.log(job.url);
   * ```
   */
  pull(options?: DurablePullOptions): Promise<T>;
  /**
   * {@link pull}, with the value's delivery id and attempt count (at-least-once consumers dedupe
   * with it).
   *
   * @throws (rejects) as {@link pull}: {@link ChannelClosedError} once closed and drained;
   *   `signal.reason` if aborted first.
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<{ url: string }>(env.CHANNELS, 'jobs');
   * const { value, id, attempt } = await jobs.pullWithId();
   * // attempt > 1: an earlier delivery of this id may have been handled already.
   * console.log(id, attempt, value.url);
   * ```
   */
  pullWithId(options?: DurablePullOptions): Promise<DurableDelivery<T>>;
  /**
   * Waits like {@link pull} until at least one value is ready, then takes up to `max` (at most
   * 1000) at once, in FIFO order, under one lease and one acknowledgement.
   *
   * @throws (rejects) `TypeError` if `max` is not a number, `RangeError` if it is not a positive integer.
   * @throws (rejects) {@link ChannelClosedError} once closed and drained; `signal.reason` if aborted first.
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const events = durableChannel<string>(env.CHANNELS, 'events');
   * const batch = await events.pullMany(100); // 1 to 100 events, one round trip
   * console.log(batch.length);
   * ```
   */
  pullMany(max: number, options?: DurablePullOptions): Promise<T[]>;
  /**
   * Stores `value` now if there is room and no push is waiting before it: resolves `true`, or
   * `false` when full or closed (never waits for room; it still takes one round trip). A push
   * id already stored answers `true` and stores nothing.
   *
   * @throws (rejects) `TypeError` if the value cannot be stored (a thenable: even on a full or
   *   closed channel), or `options.id` is not a well-formed string of 1 to 256 characters.
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const events = durableChannel<string>(env.CHANNELS, 'events', { capacity: 1000 });
   * if (!(await events.tryPush('page view'))) console.log('full or closed: dropped');
   * ```
   */
  tryPush(value: T, options?: Omit<DurablePushOptions, 'signal'>): Promise<boolean>;
  /**
   * The next value if one is ready now, else `undefined` (empty, or closed and drained).
   *
   * @throws (rejects) only as every operation does (the object cannot be reached, or a capacity that
   *   differs from the channel's).
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<string>(env.CHANNELS, 'jobs');
   * const job = await jobs.tryPull();
   * console.log(job ?? 'nothing ready');
   * ```
   */
  tryPull(): Promise<T | undefined>;
  /**
   * The values ready now, up to `max` (at most 1000), in FIFO order, under one lease and one
   * acknowledgement: an empty array when there are none (empty, or closed and drained). Never
   * waits. A durable extension, for the batch that a loop of {@link tryPull} would take in one
   * round trip per value (a local channel's `tryPull` costs no round trip, and has no such
   * method). Values leased to a pull that has not acknowledged them yet are not ready.
   *
   * @throws (rejects) `TypeError` if `max` is not a number, `RangeError` if it is not a positive
   *   integer; otherwise only as every operation does (the object cannot be reached, or a
   *   capacity that differs from the channel's).
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<string>(env.CHANNELS, 'jobs');
   * const ready = await jobs.tryPullMany(100); // 0 to 100 jobs, one round trip
   * console.log(ready.length);
   * ```
   */
  tryPullMany(max: number): Promise<T[]>;
  /**
   * Closes the channel; idempotent. Stored values stay readable, waiting pushes reject with
   * {@link ChannelClosedError}, pulls reject once drained. It stays closed across restarts.
   * A reason that cannot be stored (not structured-cloneable, or refused by Workers RPC, such as
   * a class instance) is stored as an `Error` with its `message`.
   *
   * @throws (rejects) only as every operation does (the object cannot be reached, or a capacity that
   *   differs from the channel's).
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<string>(env.CHANNELS, 'jobs');
   * await jobs.close(); // pullers drain what is stored, then stop
   * ```
   */
  close(reason?: unknown): Promise<void>;
  /**
   * A copy of the channel's state.
   *
   * @throws (rejects) only as every operation does (the object cannot be reached, or a capacity that
   *   differs from the channel's).
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<string>(env.CHANNELS, 'jobs');
   * const { size, leased, waitingPullers } = await jobs.stats();
   * console.log(size, leased, waitingPullers);
   * ```
   */
  stats(): Promise<DurableChannelStats>;
  /**
   * Pulls values until the channel is closed and drained, then ends (or throws the close
   * reason, if one was given). Leaving the loop early consumes nothing more: the iterator's
   * `return()` (called by `break`, and by `from(channel)` or a stream over it when closed or
   * cancelled) withdraws a pull still in flight — a value whose acknowledgement was under way
   * is put back at the head, as a redelivery — and `next()` then answers done.
   *
   * @throws (rejects, from `next()`) the close reason, once closed and drained, if one was given;
   *   otherwise only as every operation does.
   * @example
   * ```ts
   * import { durableChannel } from 'chanasync/durable';
   *
   * const jobs = durableChannel<string>(env.CHANNELS, 'jobs');
   * for await (const job of jobs) {
   *   console.log(job);
   *   if (job === 'last') break; // consumes nothing more
   * }
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T>;
}

const DEFAULT_SLICE_MS = 5000;
const DEFAULT_LEASE_MS = 10_000;
/** Attempts of one RPC call (the first included) when it fails with a retryable error. */
const MAX_ATTEMPTS = 6;
const MAX_BATCH = 1000;
/** The most first calls of operations made together that one `inOrder` call carries (see `together`). */
const MAX_TOGETHER = 128;

/**
 * A durable channel named `name`, kept by an object of the `ChannelObject` namespace
 * `namespace` (a Durable Object binding of your Worker). Creating the client does no I/O; the
 * first operation creates the channel if it does not exist. The client holds no connection:
 * keep it anywhere, even at module scope.
 *
 * @param namespace the Durable Object namespace binding of `ChannelObject` (for example `env.CHANNELS`).
 * @param name the channel's name (non-empty): the same name reaches the same channel from anywhere.
 * @param options `capacity`, `sliceMs`, `leaseMs`.
 * @throws {TypeError} if `namespace` is not a Durable Object namespace (a stub of one,
 *   `env.CHANNELS.get(id)`, or a service binding included), `name` is not a
 *   non-empty string, `options` is not an object (a capacity given in its place, say), or an
 *   option is not a number.
 * @throws {RangeError} if `capacity` is not a positive integer or `Infinity`, or `sliceMs` /
 *   `leaseMs` is not a positive finite number.
 * @example
 * ```ts
 * import { durableChannel, type DurableObjectNamespaceLike } from 'chanasync/durable';
 *
 * declare const env: { CHANNELS: DurableObjectNamespaceLike };
 * const jobs = durableChannel<{ url: string }>(env.CHANNELS, 'jobs', { capacity: 1000 });
 * await jobs.push({ url: 'https://example.com' });
 * const batch = await jobs.pullMany(10);
 * console.log(batch.length); // 1
 * ```
 */
export function durableChannel<T>(
  namespace: DurableObjectNamespaceLike<any>,
  name: string,
  options?: DurableChannelOptions,
): DurableChannel<T> {
  const where = 'durableChannel(namespace, name, options)';
  if (
    typeof namespace !== 'object' ||
    namespace === null ||
    typeof namespace.idFromName !== 'function' ||
    typeof namespace.get !== 'function'
  ) {
    throw new TypeError(`${where}: namespace has no idFromName() and get(); pass a Durable Object namespace binding`);
  }
  // A Durable Object stub (`env.CHANNELS.get(id)`) or a service binding answers every property
  // name with an RPC method, so it passes the check above; its operations would then fail with
  // Workers RPC's DataCloneError about an "RpcPromise". Reading a property makes no call.
  if (typeof (namespace as unknown as Record<string, unknown>)[NOT_A_METHOD] === 'function') {
    throw new TypeError(
      `${where}: namespace is not a Durable Object namespace but a stub or a service binding (it answers any method name); pass the namespace binding itself (env.CHANNELS), not env.CHANNELS.get(id)`,
    );
  }
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`${where}: name must be a non-empty string, got ${describe(name)}`);
  }
  checkOptions(where, options, 'a durable channel takes no signal (pass one to each operation)');
  const capacity = options?.capacity;
  if (capacity !== undefined) {
    if (typeof capacity !== 'number')
      throw new TypeError(`${where}: capacity must be a number, got ${describe(capacity)}`);
    if (!(capacity >= 1 && (Number.isInteger(capacity) || capacity === Infinity))) {
      throw new RangeError(`${where}: capacity must be a positive integer or Infinity, got ${capacity}`);
    }
  }
  const sliceMs = duration(where, 'sliceMs', options?.sliceMs, DEFAULT_SLICE_MS);
  const leaseMs = duration(where, 'leaseMs', options?.leaseMs, DEFAULT_LEASE_MS);
  return new DurableChannelClient<T>(namespace, name, capacity ?? null, sliceMs, leaseMs);
}

/** A property name no namespace has: an object that answers it with a function answers every name (an RPC stub). */
const NOT_A_METHOD = 'chanasync: not a method';

/** A positive finite number of milliseconds, or the default. */
function duration(where: string, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${where}: ${option} must be a number, got ${describe(value)}`);
  if (!(value > 0 && value < Infinity))
    throw new RangeError(`${where}: ${option} must be a positive number of ms, got ${value}`);
  return value;
}

/**
 * Whether `value` is an object that structuredClone copies as a plain object but Workers RPC
 * refuses: an instance of a class of the application's own (not an `Error`, whose prototype
 * chain RPC knows, nor a platform type, whose tag is its own), or an object with a null
 * prototype. Read on `close`'s path only.
 */
function ownClassInstance(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return (
    Object.prototype.toString.call(value) === '[object Object]' &&
    Object.getPrototypeOf(value) !== Object.prototype &&
    !(value instanceof Error)
  );
}

/**
 * The message of a close reason that cannot be stored: its `message`, or its string, whatever it
 * is, cut to its first 1000 characters (the object cuts it the same way when storage refuses it).
 */
function messageOfReason(reason: unknown): string {
  let message: string;
  try {
    const own = (reason as { message?: unknown } | null)?.message;
    message = typeof own === 'string' ? own : String(reason);
  } catch {
    // A proxy whose traps throw fails even here (its Symbol.toStringTag), a revoked one too.
    try {
      message = Object.prototype.toString.call(reason);
    } catch {
      message = `[unreadable ${typeof reason}]`;
    }
  }
  return message.length > 1000 ? `${message.slice(0, 1000)}…` : message;
}

/** A UTF-16 code unit of a surrogate pair standing alone (in `u` mode a pair is one code point, not `Cs`). */
const LONE_SURROGATE = /\p{Cs}/u;

/** A short description of a bad argument for an error message. */
function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;
}

/** The marker a call raced with its signal resolves to when the signal aborted first. */
const ABORTED: unique symbol = Symbol('aborted');

/**
 * An operation of a {@link Together} or {@link Retries} group: its call, and how its answer
 * reaches it.
 */
interface Member {
  operation: string;
  call: JointCall;
  signal: AbortSignal | undefined;
  /**
   * Makes the call on its own (when the joint call is not made, or failed); `failure`: the joint
   * call failed with a retryable error (see `again`).
   */
  alone: (failure?: { error: unknown }) => Promise<PushAnswer | PullAnswer>;
  /** Told when the joint call carried its call (a push counts the calls that sent its value). */
  joint: (() => void) | undefined;
  /** Settles the operation's answer. */
  settle: (answer: PushAnswer | PullAnswer | Promise<PushAnswer | PullAnswer>) => void;
}

/** Pushes and pulls made in one synchronous run of code: their first calls go as one `inOrder` call. */
interface Together {
  members: Member[];
  /**
   * A `close()` or `stats()` made in the run waits for this group: its first calls go as one
   * `inOrder` call even if there is one (a call of its own may reach the object after the
   * close's, and `sent` would settle before its answer).
   */
  waitedOn?: boolean;
  /** Settled once every member has its answer or has made its own call. */
  sent: Promise<void>;
  /** Its members whose calls failed with a retryable error, waiting out one back-off (see `again`). */
  retries?: Retries | undefined;
}

/** A push's or a pull's call again after a retryable failure (see `again`). */
interface Again {
  call: JointCall;
  /** The operations made in the same synchronous run (so in the same request), if it joined them. */
  run?: Together;
  /** Told when a joint call carried it (a push counts the calls that sent its value). */
  joint?: () => void;
}

/** Pushes and pulls whose calls failed with a retryable error (a reset object) during one back-off. */
interface Retries {
  members: Member[];
}

/** One operation's line to the object: one stub, replaced after a failed call. */
interface Line {
  stub: ChannelRpc;
}

/** Whether a failed RPC call may be retried: a transient network error or a reset object, not an overload. */
function retryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const flags = error as { retryable?: unknown; overloaded?: unknown; durableObjectReset?: unknown };
  return (flags.retryable === true || flags.durableObjectReset === true) && flags.overloaded !== true;
}

/** Whether an RPC call failed because its answer was larger than Workers RPC carries. */
function tooLarge(error: unknown): boolean {
  return /Serialized RPC arguments or return values are limited/.test(String((error as Error | null)?.message));
}

/** Whether an error carries the flags of the platform's own RPC failures (network, reset, overload). */
function platformError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return 'retryable' in error || 'overloaded' in error || 'durableObjectReset' in error || 'remote' in error;
}

/** The platform types that Workers RPC sends as a stream (storage refuses a stream). */
const STREAM_TYPES = ['ReadableStream', 'WritableStream', 'TransformStream'] as const;
/** The platform types whose body, if they have one, Workers RPC sends as a stream. */
const BODY_TYPES = ['Request', 'Response'] as const;

/**
 * The name of `value`'s type if it is a stream or carries one (a `Request` or `Response` with a
 * body; one without a body is stored like any value). The types are read from the globals,
 * which exist in Workers.
 */
function streamKind(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const globals = globalThis as Record<string, unknown>;
  try {
    for (const name of STREAM_TYPES) {
      const type = globals[name];
      if (typeof type === 'function' && value instanceof type) return name;
    }
    for (const name of BODY_TYPES) {
      const type = globals[name];
      if (typeof type === 'function' && value instanceof type) {
        return (value as { body: unknown }).body === null ? undefined : `${name} with a body`;
      }
    }
  } catch {
    // A proxy whose getPrototypeOf trap throws: not a platform stream (the send refuses it).
  }
  return undefined;
}

/** Whether `structuredClone` takes `value` (it reads every property, as Workers RPC does). */
function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Why `structuredClone` refuses `value` (its error's message), or `undefined` if it takes it. */
function cloneProblem(value: unknown): string | undefined {
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

/**
 * Whether `value` is, or holds within a few levels, an object with a null prototype
 * (`Object.groupBy`, `Object.create(null)`): structured-cloneable, but Workers RPC refuses it
 * with only "Could not serialize object of type "Object"". Failure path only.
 */
function holdsNullPrototype(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null || depth > 8) return false;
  try {
    if (Object.getPrototypeOf(value) === null) return true;
    const items = Array.isArray(value)
      ? value
      : Object.getPrototypeOf(value) === Object.prototype
        ? Object.values(value)
        : [];
    return items.some((item) => holdsNullPrototype(item, depth + 1));
  } catch {
    return false; // a Proxy or a getter that throws: nothing to tell
  }
}

/** Resolves after `ms` (the back-off between attempts). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or {@link ABORTED} as soon as `signal` aborts (the promise's outcome is then ignored). */
function raceAbort<A>(promise: Promise<A>, signal: AbortSignal | undefined): Promise<A | typeof ABORTED> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    // The signal may have aborted while the call was being made, with no event left to come: a
    // getter of a pushed value is user code, and Workers RPC runs it as it sends the value.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Throws a clear `TypeError` for options that are not an options object (`undefined` and `null`
 * mean none): a number or a string (`durableChannel(ns, 'jobs', 1000)`, `push(job, key)`) would
 * otherwise be read as no options at all, silently, and an `AbortSignal` passed in place of
 * `{ signal }` as no signal — a pull that never times out.
 */
function checkOptions(where: string, options: unknown, noSignal?: string): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  // A call that takes no signal says so, rather than advise `{ signal }`, which it would ignore
  // (audit BU).
  if (isSignal(options)) {
    throw new TypeError(`${where}: options is an AbortSignal: ${noSignal ?? 'pass { signal } instead'}`);
  }
}

/**
 * The `signal` of an options bag of a waiting operation, after {@link checkOptions}: a clear
 * `TypeError` for one that is not an `AbortSignal`.
 */
function signalOf(where: string, options: { signal?: unknown } | undefined): AbortSignal | undefined {
  checkOptions(where, options);
  const signal = options?.signal;
  if (signal === undefined) return undefined;
  if (!isSignal(signal)) throw new TypeError(`${where}: options.signal is not an AbortSignal`);
  return signal;
}

/**
 * Refuses a method called without its client as `this` — `const { push } = jobs`, or
 * `items.map(jobs.push)` — with a message that names the method and the mistake (else the first
 * private field read would fail with the engine's words, or the index `map` passes would be
 * blamed as bad options).
 */
function own(self: unknown, where: string): void {
  if (!(self instanceof DurableChannelClient)) {
    throw new TypeError(`${where}: called without its durable channel as this (wrap it in an arrow function)`);
  }
}

/** `pullMany`'s and `tryPullMany`'s `max`: a `TypeError` if not a number, a `RangeError` if not a positive integer. */
function checkMax(where: string, max: unknown): asserts max is number {
  if (typeof max !== 'number') {
    throw new TypeError(`${where}: max must be a positive integer, got ${describe(max)}`);
  }
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`${where}: max must be a positive integer, got ${max}`);
  }
}

/**
 * The client behind {@link DurableChannel}. (Its class name is what a refusal shows: `select`
 * given one says `… is not a chanasync Channel, got DurableChannelClient`.)
 */
class DurableChannelClient<T> implements DurableChannel<T> {
  // `#private`, not TypeScript's `private`: a client has no synchronous state to read (a
  // `capacity` property would be this client's request, `null` when omitted, not the channel's),
  // so nothing but `name` shows on the object (`'capacity' in channel` is false, console.log
  // shows only the name).
  readonly #namespace: DurableObjectNamespaceLike;
  readonly #capacity: number | null;
  /** This client's id in its requests (made on first use: no random values at global scope in Workers). */
  #id: string | undefined;
  /** How many pushes and pulls this client has made: the rank of the next one. */
  #ops = 0;
  /** The operations of the synchronous run going on, whose first calls go together (see `together`). */
  #together: Together | undefined;
  /**
   * The close made in the synchronous run going on, if it waits for operations made before it:
   * the first calls of those made after it go once it was answered (see `close`).
   */
  #afterClose: Promise<unknown> | undefined;
  readonly #sliceMs: number;
  readonly #leaseMs: number;

  constructor(
    namespace: DurableObjectNamespaceLike,
    readonly name: string,
    capacity: number | null,
    sliceMs: number,
    leaseMs: number,
  ) {
    this.#namespace = namespace;
    this.#capacity = capacity;
    this.#sliceMs = sliceMs;
    this.#leaseMs = leaseMs;
  }

  async push(value: T, options?: DurablePushOptions): Promise<void> {
    own(this, 'push(value, options)');
    const signal = signalOf('push(value, options)', options);
    if (signal?.aborted) throw signal.reason;
    const id = this.checkId('push(value, options)', options?.id);
    const answer = await this.pushAnswer('push', value, id, true, signal);
    if (answer.kind === 'stored') return;
    if (answer.kind === 'closed') throw this.closedError('push', answer);
    throw signal?.reason; // withdrawn by the signal
  }

  async tryPush(value: T, options?: Omit<DurablePushOptions, 'signal'>): Promise<boolean> {
    own(this, 'tryPush(value, options)');
    checkOptions('tryPush(value, options)', options, 'tryPush never waits and takes no signal');
    // Nor in its options: a signal there, read as an unknown option, would be ignored — and an
    // aborted one would store the value its caller meant to cancel (audit BW).
    if ((options as { signal?: unknown } | null | undefined)?.signal !== undefined) {
      throw new TypeError('tryPush(value, options): options.signal given: tryPush never waits and takes no signal');
    }
    const id = this.checkId('tryPush(value, options)', options?.id);
    const answer = await this.pushAnswer('tryPush', value, id, false, undefined);
    return answer.kind === 'stored';
  }

  async pull(options?: DurablePullOptions): Promise<T> {
    own(this, 'pull(options)');
    const signal = signalOf('pull(options)', options);
    return (await this.take('pull', 1, signal))[0]!.value as T;
  }

  async pullWithId(options?: DurablePullOptions): Promise<DurableDelivery<T>> {
    own(this, 'pullWithId(options)');
    const signal = signalOf('pullWithId(options)', options);
    const { value, id, attempt } = (await this.take('pullWithId', 1, signal))[0]!;
    return { value: value as T, id, attempt };
  }

  async pullMany(max: number, options?: DurablePullOptions): Promise<T[]> {
    own(this, 'pullMany(max, options)');
    // As a local channel's pullMany: the options first, then an aborted signal, then `max`.
    const signal = signalOf('pullMany(max, options)', options);
    if (signal?.aborted) throw signal.reason;
    checkMax('pullMany(max, options)', max);
    return (await this.take('pullMany', Math.min(max, MAX_BATCH), signal)).map((delivery) => delivery.value as T);
  }

  async tryPull(): Promise<T | undefined> {
    own(this, 'tryPull()');
    const [delivery] = await this.takeNow('tryPull', 1);
    return delivery?.value as T | undefined; // acknowledged first by a pull it was handed to after this lease ended: nothing now
  }

  async tryPullMany(max: number): Promise<T[]> {
    own(this, 'tryPullMany(max)');
    checkMax('tryPullMany(max)', max);
    return (await this.takeNow('tryPullMany', Math.min(max, MAX_BATCH))).map((delivery) => delivery.value as T);
  }

  /**
   * `tryPull` and `tryPullMany`: leases up to `max` values ready now (never waits), then
   * acknowledges them. The deliveries this call got: none when nothing was ready, and without
   * any that a pull they were handed to after this lease ended acknowledged first.
   */
  private async takeNow(operation: string, max: number): Promise<Delivery[]> {
    const line = this.line();
    for (let joining = true; ; joining = false) {
      const ticket = crypto.randomUUID();
      const request = {
        capacity: this.#capacity,
        ticket,
        max,
        wait: false,
        sliceMs: this.#sliceMs,
        leaseMs: this.#leaseMs,
      };
      const alone = () => this.call(line, operation, (stub) => stub.pull(request));
      let answer: PullAnswer;
      try {
        // Its first call goes with those of the operations made in the same synchronous run
        // (see `together`).
        answer = joining
          ? await this.together<PullAnswer>(operation, { pull: request }, undefined, alone)
          : await alone();
      } catch (error) {
        // As `take` (audit BU: the values stayed leased to a ticket nobody would acknowledge
        // until the lease ended, hidden from every pull, and came back as redeliveries).
        max = await this.takeFewer(line, ticket, max, error);
        continue;
      }
      if (answer.kind !== 'values') return [];
      return this.acknowledge(line, operation, ticket, answer.deliveries);
    }
  }

  async close(reason?: unknown): Promise<void> {
    own(this, 'close(reason)');
    const hasReason = reason !== undefined;
    // After the operations made before it in this synchronous run, as a local channel's close
    // comes after them: their first calls wait for the run's end to go together, so the close
    // goes once they were answered; those made after it in the run go once it was (audit AX's
    // durable D1: `push(1); push(2); close()` stored nothing, both pushes rejected closed).
    const before = this.afterRun();
    const send = (storable: unknown) =>
      this.call(this.line(), 'close', (stub) => stub.close({ capacity: this.#capacity, hasReason, reason: storable }));
    const closing = async (): Promise<void> => {
      if (before !== undefined) await before.catch(() => {}); // the first close's failure is its own
      if (!hasReason) {
        await send(undefined);
        return;
      }
      let storable = reason;
      try {
        structuredClone(reason);
        // An instance of the application's own class, or an object with a null prototype,
        // which Workers RPC refuses though structuredClone takes it: stored as an Error from
        // the start, so that the close is one call (operations made after it in a later run
        // reached the object before its second call: audit BB).
        if (ownClassInstance(reason)) storable = new Error(messageOfReason(reason));
      } catch {
        storable = new Error(messageOfReason(reason));
      }
      try {
        await send(storable);
      } catch (error) {
        // Workers RPC refuses more than structuredClone does (a class instance, a URL, a Blob,
        // more than 32 MiB).
        if (
          storable !== reason ||
          ((error as { name?: unknown } | null)?.name !== 'DataCloneError' && !tooLarge(error))
        ) {
          throw error;
        }
        await send(new Error(messageOfReason(reason)));
      }
    };
    // The operations made after it in the run wait for the whole close — its second call with
    // a reason Workers RPC refused included — also when none was made before it: their calls,
    // sent at once, could reach the object first, and a push was stored in the closed channel
    // (audit BA).
    const made = closing();
    this.#together = undefined;
    this.#afterClose = made;
    queueMicrotask(() => {
      if (this.#afterClose === made) this.#afterClose = undefined;
    });
    return made;
  }

  /**
   * What a `close()` or `stats()` made now must wait for: the operations made before it in this
   * synchronous run (their group is marked, so that their first calls go as one joint call,
   * answered before this settles), or a close made before it in the run (which comes after
   * those); undefined when nothing was made before it in the run.
   */
  private afterRun(): Promise<unknown> | undefined {
    const group = this.#together;
    if (group !== undefined) group.waitedOn = true;
    return group?.sent ?? this.#afterClose;
  }

  async stats(): Promise<DurableChannelStats> {
    own(this, 'stats()');
    // After the operations made before it in this synchronous run, as locally: `push(1);
    // close(); await stats()` sees the value and the close (their joint call, or the close,
    // answered first; a push that waits for room counts once it took its place). Before, its
    // own call went at once and could read the channel before them (audit BT-durable).
    await this.afterRun()?.then(undefined, () => {});
    const answer = await this.call(this.line(), 'stats', (stub) => stub.stats({ capacity: this.#capacity }));
    return { name: this.name, ...(answer as Exclude<typeof answer, CapacityAnswer>).stats };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    own(this, '[Symbol.asyncIterator]()');
    // The pull in flight inside next(), if any: return() withdraws it (a for-await loop never
    // has one, but `from(channel)`, `ReadableStream.from` and manual iteration call return()
    // while next() still waits, and a value it then took would be consumed for nobody).
    let inFlight: { controller: AbortController; settled: Promise<unknown> } | undefined;
    let returned = false;
    const step = async (): Promise<IteratorResult<T>> => {
      if (returned) return { done: true, value: undefined };
      const controller = new AbortController();
      const held: { ticket?: string } = {};
      const pulled = this.take('next', 1, controller.signal, held);
      // A value whose acknowledgement was under way when return() came is put back (see
      // `restore`) before return() resolves: the caller of this next() may be gone — a
      // `ReadableStream.from(channel)` cancelled meanwhile drops what its pending read gets.
      // A value the object could not put back (it restarted since, and forgot the
      // acknowledgement; it is overloaded) goes to this next() after all: its caller may still
      // be there, and otherwise it would be lost for certain (audit AZ).
      const outcome = pulled.then(async (deliveries) => {
        if (!returned) return deliveries;
        const kept = await this.restore(held.ticket as string, deliveries).catch(() => deliveries);
        return kept.length > 0 ? kept : undefined;
      });
      inFlight = { controller, settled: outcome.catch(() => {}) };
      try {
        const deliveries = await outcome;
        if (deliveries === undefined) return { done: true, value: undefined };
        return { done: false, value: deliveries[0]!.value as T };
      } catch (error) {
        if (controller.signal.aborted) return { done: true, value: undefined }; // withdrawn by return()
        if (!(error instanceof ChannelClosedError) || error.channel !== this) throw error;
        // Closed and drained: the end, or the close reason thrown (as a local channel's loop does).
        if (error.cause !== undefined) throw error.cause;
        return { done: true, value: undefined };
      } finally {
        inFlight = undefined;
      }
    };
    // next() calls made without awaiting run one after the other, as an async generator's do:
    // each pull is its own call to the object, and concurrent ones may arrive in any order,
    // which would hand one iterator's values out of FIFO order.
    let queue: Promise<unknown> = Promise.resolve();
    return {
      next(): Promise<IteratorResult<T>> {
        const result = queue.then(step);
        queue = result.catch(() => {});
        return result;
      },
      // Ends the iteration: a pull still in flight is withdrawn (its value, if one was handed
      // out and not yet acknowledged, goes back to the head) before this resolves; next() calls
      // still queued behind it answer done. As an async generator's, it awaits the value given
      // to it, after the withdrawal (rejecting if that rejects): the result never holds a promise.
      async return(value?: unknown): Promise<IteratorResult<T>> {
        returned = true;
        // Handled now, awaited below: a rejected promise must not count as unhandled while the
        // withdrawal goes to the object and back.
        const given = Promise.resolve(value);
        given.catch(() => {});
        const pending = inFlight;
        if (pending !== undefined) {
          pending.controller.abort();
          await pending.settled;
        }
        return { done: true, value: (await given) as T };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Makes `call`, the first call of a push or a pull, together with those of the operations
   * made in this synchronous run of code: at its end (a microtask), two or more go as one
   * `inOrder` call — the object handles them in order, so values are stored, and leased to
   * pulls, in the order the operations were made, as a local channel's operations made without
   * awaiting are (separate calls reach the object in any order). At most {@link MAX_TOGETHER}
   * per call; the next call of a long run is made once the one before it was answered. An
   * operation alone, or all of them when the call fails (an object of an earlier version has no
   * `inOrder`; a value that cannot be sent), makes its first call itself with `alone` — push ids
   * and pull tickets make a call that failed after it was handled count once. One whose signal
   * aborted before the call is made is left out and answers `cancelled` (its caller withdraws).
   */
  private together<A extends PushAnswer | PullAnswer>(
    operation: string,
    call: JointCall,
    signal: AbortSignal | undefined,
    alone: (failure?: { error: unknown }) => Promise<Exclude<A, CapacityAnswer>>,
    joint?: () => void,
    again?: Again,
  ): Promise<Exclude<A, CapacityAnswer>> {
    let group = this.#together;
    if (group === undefined || group.members.length >= MAX_TOGETHER) {
      const members: Member[] = [];
      // At the end of this synchronous run, and once the call before was answered (a long run).
      const send = () => this.sendTogether(made);
      const previous = group?.sent ?? this.#afterClose ?? Promise.resolve();
      const made: Together = { members, sent: previous.then(send, send) };
      group = this.#together = made;
      // Only the operations of this synchronous run join it (never those of another request).
      queueMicrotask(() => {
        if (this.#together === made) this.#together = undefined;
      });
    }
    if (again !== undefined) again.run = group;
    const { members } = group;
    // The answer is of `call`'s kind: the object answers a push as a push, a pull as a pull.
    return new Promise<PushAnswer | PullAnswer>((settle) => {
      members.push({ operation, call, signal, alone, joint, settle });
    }) as Promise<Exclude<A, CapacityAnswer>>;
  }

  /** Makes the first calls of a {@link Together} group: one `inOrder` call, or each its own. */
  private sendTogether({ members, waitedOn }: Together): Promise<void> {
    return this.inOrder(members, waitedOn === true);
  }

  /**
   * Makes the calls of `members` — but answers `cancelled` to one whose signal aborted — as one
   * `inOrder` call, which the object handles in their order, when there are two or more of them
   * (or one, and `one`). A call too large for Workers RPC, or with a value it cannot send, goes
   * again as two, one after the other (halving down to one). Otherwise, or when that call fails
   * (an object of an earlier version has no `inOrder`; a reset, which `alone` is told: then this
   * is over once their calls again were answered), each makes its own.
   */
  private async inOrder(members: readonly Member[], one: boolean): Promise<void> {
    const sent: Member[] = [];
    for (const member of members) {
      if (member.signal?.aborted) member.settle({ kind: 'cancelled' });
      else sent.push(member);
    }
    let answers: (PushAnswer | PullAnswer)[] | undefined;
    let failure: { error: unknown } | undefined;
    if (sent.length > 1 || (one && sent.length > 0)) {
      try {
        const stub = this.line().stub;
        if (typeof stub.inOrder === 'function') answers = await stub.inOrder(sent.map((member) => member.call));
      } catch (error) {
        if (retryable(error)) failure = { error };
        else if (
          sent.length > 1 &&
          (tooLarge(error) || (error as { name?: unknown } | null)?.name === 'DataCloneError')
        ) {
          // More than Workers RPC carries in one call (32 MiB of values, or of a joint answer),
          // or a value it cannot send: two calls, one after the other, keep the order — on
          // their own, the calls would reach the object in any order, and a close made after
          // them first (audits BA, BB). Halving down to one isolates a value that cannot be
          // sent: its push fails alone. The object handled none, or handled them — it knows
          // each by its push id or pull ticket — so they are sent again.
          const half = Math.ceil(sent.length / 2);
          await this.inOrder(sent.slice(0, half), true);
          return this.inOrder(sent.slice(half), true);
        }
      }
    }
    const joint = Array.isArray(answers) && answers.length === sent.length;
    // After a reset, the members call again once the group's back-off is over: this call is
    // over only once they were answered, so that a `close()` made after them in the run, which
    // waits for it, does not reach the new instance first (audit BA).
    const retried: Promise<unknown>[] = [];
    sent.forEach((member, i) => {
      const answer = answers?.[i];
      if (!joint || answer === undefined) {
        const own = member.signal?.aborted ? undefined : member.alone(failure);
        member.settle(own ?? { kind: 'cancelled' });
        if (failure !== undefined && own !== undefined) retried.push(own);
      } else {
        member.joint?.();
        member.settle(
          answer.kind === 'capacity' ? Promise.reject(this.capacityError(member.operation, answer)) : answer,
        );
      }
    });
    await Promise.allSettled(retried);
  }

  /** A fresh line to the object (see the module comment on why stubs never outlive an operation). */
  private line(): Line {
    const stub = this.#namespace.get(this.#namespace.idFromName(this.name)) as ChannelRpc | null | undefined;
    // Without Workers RPC (a compatibility date before 2024-04-03 and no `rpc` flag), a stub has
    // no methods: say so, rather than "stub.push is not a function".
    if (typeof stub?.push !== 'function') {
      throw new TypeError(
        `durable channel "${this.name}": the namespace's stub has no RPC methods; chanasync/durable needs Workers RPC (compatibility_date 2024-04-03 or later) and a namespace bound to ChannelObject`,
      );
    }
    return { stub };
  }

  /** The push id: the caller's, checked, or a new UUID. */
  private checkId(where: string, id: unknown): string {
    if (id === undefined) return crypto.randomUUID();
    if (typeof id !== 'string' || id.length < 1 || id.length > 256) {
      throw new TypeError(`${where}: options.id must be a string of 1 to 256 characters, got ${describe(id)}`);
    }
    // Storage keeps ids as UTF-8 text: a lone surrogate would come back from pullWithId as
    // U+FFFD, so the delivery id would differ from the push id and two such ids would look alike.
    if (LONE_SURROGATE.test(id)) {
      throw new TypeError(`${where}: options.id must be well-formed Unicode (no lone surrogate), got ${describe(id)}`);
    }
    return id;
  }

  /**
   * Runs one push to its end: `stored`, `closed`, `full` (without `wait`) or `cancelled`.
   * Slices are chained; an aborted signal withdraws the push, and if the object had stored the
   * value before the withdrawal reached it, the push counts as stored (the commit came first).
   */
  private async pushAnswer(
    operation: string,
    value: T,
    id: string,
    wait: boolean,
    signal: AbortSignal | undefined,
  ): Promise<PushAnswer> {
    if (typeof value === 'function') {
      throw new TypeError(`${operation}(value): a durable channel stores structured-cloneable values, not functions`);
    }
    // Workers RPC streams these (a body is read as it is sent) and storage then refuses them:
    // refused here, before any call, so that the caller's stream or body is left unread.
    const streaming = streamKind(value);
    if (streaming !== undefined) {
      throw new TypeError(
        `${operation}(value): a ${streaming} cannot be stored in a durable channel (it carries a stream); push its contents instead`,
      );
    }
    // A thenable is refused here, before the channel's state is known, as a local channel refuses
    // it: otherwise a full or closed channel answered `false` or `ChannelClosedError` for it.
    if (typeof value === 'object' && value !== null) {
      let then: unknown;
      try {
        then = (value as Partial<PromiseLike<unknown>>).then;
      } catch (error) {
        throw new TypeError(`${operation}(value): reading value.then threw`, { cause: error });
      }
      if (typeof then === 'function')
        throw new TypeError(`${operation}(value): value is a thenable (wrap it to send it)`);
    }
    const line = this.line();
    // A push that can be withdrawn names its operation, so that its cancel also refuses a call of
    // it that reaches the object after the cancel (calls on one stub may overtake each other).
    const op = signal === undefined ? undefined : crypto.randomUUID();
    this.#id ??= crypto.randomUUID();
    const request = {
      capacity: this.#capacity,
      id,
      value,
      wait,
      sliceMs: this.#sliceMs,
      leaseMs: this.#leaseMs,
      op,
      client: this.#id,
      order: ++this.#ops,
    };
    // The calls made for this push (every wait slice and every retry sends the value again).
    let sends = 0;
    const send = (stub: ChannelRpc) => {
      sends++;
      return stub.push(request);
    };
    const again: Again = { call: { push: request }, joint: () => sends++ };
    const alone = (failure?: { error: unknown }) => this.call(line, operation, send, signal, again, failure ? 2 : 1);
    // Its first call goes with those of the operations made in the same synchronous run, in one
    // `inOrder` call, so that values are stored in the order they were pushed; then it goes on
    // with calls of its own (another wait slice, a retry).
    let first: Promise<PushAnswer> | undefined = this.together<PushAnswer>(
      operation,
      { push: request },
      signal,
      alone,
      () => sends++,
      again,
    );
    for (;;) {
      let answer: PushAnswer | typeof ABORTED;
      try {
        const joint = first;
        first = undefined;
        answer = signal?.aborted ? ABORTED : await raceAbort(joint ?? alone(), signal);
      } catch (error) {
        // Workers RPC refuses a value with a DataCloneError, or with whatever a getter of the value
        // threw while it was serialized: told apart from other failures by cloning the value
        // here, on this failure path only.
        if (
          (error as { name?: unknown } | null)?.name === 'DataCloneError' ||
          tooLarge(error) ||
          (!platformError(error) && !cloneable(value))
        ) {
          // The value could be sent before (it changed since, or a getter threw this time): an
          // earlier call left this push waiting in the object with the value as it was then, to
          // be stored when room appears although this push rejects. Withdraw it; if it was
          // stored already, the push committed.
          if (sends > 1) {
            line.stub = this.line().stub;
            const withdrawn = await this.withdraw(line, 'push', id, op);
            if (withdrawn.kind === 'stored') return { kind: 'stored' };
          }
          const hint = holdsNullPrototype(value)
            ? ' (it is or holds an object with a null prototype — from Object.groupBy or Object.create(null) — which Workers RPC cannot send: copy it into a plain object, { ...value })'
            : '';
          throw new TypeError(
            `${operation}(value): the value cannot be sent to a durable channel: ${String(error)}${hint}`,
            { cause: error },
          );
        }
        throw error;
      }
      if (answer === ABORTED) {
        const withdrawn = await this.withdraw(line, 'push', id, op);
        return withdrawn.kind === 'stored' ? { kind: 'stored' } : { kind: 'cancelled' };
      }
      if (answer.kind === 'again') continue;
      // Withdrawn by another caller pushing the same id whose signal aborted: this caller still
      // wants the value stored, so it pushes again (queueing anew, at the tail: a new rank).
      if (answer.kind === 'cancelled' && !signal?.aborted) {
        request.order = ++this.#ops;
        continue;
      }
      if (answer.kind === 'invalid') {
        // Workers RPC sends a function nested in the value as a stub, which storage then refuses
        // as "#<RpcStub> could not be cloned": say what the caller can act on (failure path only).
        const problem = cloneProblem(value);
        const detail = problem === undefined ? answer.message : `it is not structured-cloneable (${problem})`;
        throw new TypeError(`${operation}(value): channel "${this.name}" cannot store the value: ${detail}`);
      }
      return answer;
    }
  }

  /**
   * Pulls up to `max` values (at least one, waiting for it unless `operation` is a try), then
   * acknowledges them. Values whose lease had ended and that went to another pull meanwhile are
   * not this pull's: if none is left, it pulls again, with the same ticket, which the object
   * queued again at the pull's place.
   */
  private async take(
    operation: string,
    max: number,
    signal: AbortSignal | undefined,
    held?: { ticket?: string },
  ): Promise<Delivery[]> {
    if (signal?.aborted) throw signal.reason;
    const line = this.line();
    this.#id ??= crypto.randomUUID();
    const order = ++this.#ops;
    let ticket = crypto.randomUUID();
    let joining = true;
    for (;;) {
      const request = {
        capacity: this.#capacity,
        ticket,
        max,
        wait: true,
        sliceMs: this.#sliceMs,
        leaseMs: this.#leaseMs,
        client: this.#id,
        order,
      };
      // Its first call goes with those of the operations made in the same synchronous run, in
      // one `inOrder` call, so that values are leased in the order the pulls were made.
      const again: Again = { call: { pull: request } };
      const alone = (failure?: { error: unknown }) =>
        this.call(line, operation, (stub) => stub.pull(request), signal, again, failure ? 2 : 1);
      let first = joining
        ? this.together<PullAnswer>(operation, { pull: request }, signal, alone, undefined, again)
        : undefined;
      joining = false;
      let answer: PullAnswer | typeof ABORTED;
      try {
        do {
          const joint = first;
          first = undefined;
          answer = signal?.aborted ? ABORTED : await raceAbort(joint ?? alone(), signal);
        } while (answer !== ABORTED && answer.kind === 'again');
      } catch (error) {
        max = await this.takeFewer(line, ticket, max, error);
        ticket = crypto.randomUUID();
        continue;
      }
      // Aborted before the acknowledgement: withdraw the ticket (its values, if any, go back).
      // Nothing was acknowledged, so nothing is consumed whatever the withdrawal's fate: if its
      // call fails (an overloaded object), the lease and the waiting place end by themselves.
      if (answer === ABORTED || (signal?.aborted && (answer.kind === 'values' || answer.kind === 'cancelled'))) {
        await this.withdraw(line, 'pull', ticket).catch(() => {});
        throw signal?.reason;
      }
      if (answer.kind === 'cancelled') {
        ticket = crypto.randomUUID(); // withdrawn by no signal of ours: pull again
        continue;
      }
      if (answer.kind === 'closed') throw this.closedError(operation, answer);
      if (answer.kind !== 'values') continue; // 'empty' is only answered without wait
      if (held) held.ticket = ticket;
      const mine = await this.acknowledge(line, operation, ticket, answer.deliveries, true);
      if (mine.length > 0) return mine;
    }
  }

  /**
   * After a pull's call failed with `error`: when the values leased to `ticket` are too large to
   * travel in one answer (Workers RPC takes at most 32 MiB), gives them back — the hand-out does
   * not count — and returns how many to take instead (half). Else, or when one value was asked
   * for (one always fits), throws `error`.
   */
  private async takeFewer(line: Line, ticket: string, max: number, error: unknown): Promise<number> {
    if (max === 1 || !tooLarge(error)) throw error;
    line.stub = this.line().stub;
    await this.withdraw(line, 'pull', ticket);
    return Math.ceil(max / 2);
  }

  /**
   * Acknowledges deliveries and returns those that are this pull's. When the acknowledgement's
   * fate is unknown (its call failed on every attempt), the values are returned anyway: they may
   * then be delivered again after their lease (at-least-once), but never lost.
   */
  private async acknowledge(
    line: Line,
    operation: string,
    ticket: string,
    deliveries: Delivery[],
    requeue?: true,
  ): Promise<Delivery[]> {
    const request = {
      capacity: this.#capacity,
      ticket,
      deliveries: deliveries.map((delivery): [number, number] => [delivery.seq, delivery.attempt]),
      exact: true,
      requeue,
    };
    let answer: AckAnswer;
    let retried = false;
    for (let attempt = 1; ; attempt++) {
      try {
        answer = await line.stub.ack(request);
        break;
      } catch (error) {
        if (!retryable(error) || attempt >= MAX_ATTEMPTS) return deliveries;
        retried = true;
        line.stub = this.line().stub;
        await sleep(backoff(attempt));
      }
    }
    if (answer.kind === 'capacity') throw this.capacityError(operation, answer);
    // After a failed attempt, a value already removed may have been removed by that attempt: the
    // object says `forgotten` when it cannot tell (it restarted since), and the value is returned
    // (at-least-once); `gone` is another pull's. An object of an earlier version answers without
    // `exact`, and its `gone` cannot tell them apart: returned too.
    const unsure = answer.exact === true ? 'forgotten' : 'gone';
    return deliveries.filter((_, i) => answer.fates[i] === 'acked' || (retried && answer.fates[i] === unsure));
  }

  /**
   * Puts back values `ticket` acknowledged, at their places (see `RestoreRequest`), and returns
   * those the object did not put back (it no longer remembered their acknowledgement).
   */
  private async restore(ticket: string, deliveries: Delivery[]): Promise<Delivery[]> {
    const line = this.line();
    const answer = await this.call<RestoreAnswer>(line, 'next', (stub) =>
      stub.restore({ capacity: this.#capacity, ticket, deliveries }),
    );
    const { seqs } = answer as { seqs?: unknown };
    return Array.isArray(seqs) ? deliveries.filter((delivery) => !seqs.includes(delivery.seq)) : [];
  }

  /** Withdraws a push (by id) or a pull (by ticket) after its signal aborted. */
  private withdraw(line: Line, side: 'push' | 'pull', key: string, op?: string): Promise<CancelAnswer> {
    return this.call(line, 'cancel', (stub) => stub.cancel({ capacity: this.#capacity, side, key, op }));
  }

  /**
   * One RPC call with retries: a retryable failure (network, reset object) is retried on a new
   * stub with back-off, up to {@link MAX_ATTEMPTS} attempts; every request is idempotent by its
   * id or ticket. A `capacity` refusal becomes a `RangeError`. Once `signal` has aborted, no
   * retry is sent: the operation is being withdrawn, and a retry sent after the withdrawal could
   * commit what its caller was told was not.
   */
  private async call<A extends { kind: string }>(
    line: Line,
    operation: string,
    send: (stub: ChannelRpc) => Promise<A | CapacityAnswer>,
    signal?: AbortSignal,
    again?: Again,
    attempt = 1,
  ): Promise<Exclude<A, CapacityAnswer>> {
    for (; ; attempt++) {
      let answer: A | CapacityAnswer;
      try {
        answer =
          attempt > 1 && again !== undefined
            ? ((await this.again(operation, again, attempt - 1, signal, () => send(line.stub) as Promise<never>)) as A)
            : await send(line.stub);
      } catch (error) {
        if (!retryable(error) || attempt >= MAX_ATTEMPTS || signal?.aborted) throw error;
        line.stub = this.line().stub;
        if (again !== undefined) continue; // the back-off is the group's (see `again`)
        await sleep(backoff(attempt));
        if (signal?.aborted) throw error;
        continue;
      }
      if (answer.kind === 'capacity') throw this.capacityError(operation, answer as CapacityAnswer);
      return answer as Exclude<A, CapacityAnswer>;
    }
  }

  /**
   * Calls a push or a pull again, after a back-off, once its call failed with a retryable
   * error — together with the operations made in the same synchronous run whose calls failed
   * during that back-off: a reset object fails every call in flight at once, and calls made on
   * separate stubs reach the new instance in any order, so each retrying on its own let a later
   * push be stored before an earlier one, or a later pull take the first value (audits AY and
   * AZ). They go as `inOrder` calls in the order the operations were made, and each waits on,
   * or is answered, in that order. Only operations of one run, so of one request: a promise
   * settled from another request's timer would hang in Workers (a client may be kept at module
   * scope). Another operation backs off and calls on its own.
   */
  private async again(
    operation: string,
    again: Again,
    attempt: number,
    signal: AbortSignal | undefined,
    alone: () => Promise<PushAnswer | PullAnswer>,
  ): Promise<PushAnswer | PullAnswer> {
    const run = again.run;
    if (run === undefined) {
      await sleep(backoff(attempt));
      return signal?.aborted ? { kind: 'cancelled' } : alone();
    }
    let group = run.retries;
    if (group === undefined) {
      const made: Retries = { members: [] };
      group = run.retries = made;
      void sleep(backoff(attempt)).then(() => {
        if (run.retries === made) run.retries = undefined;
        return this.sendAgain(made.members, run.waitedOn === true);
      });
    }
    const { members } = group;
    return new Promise((settle) => {
      members.push({
        operation,
        call: again.call,
        signal,
        // A joint call that fails again fails this call: the caller counts an attempt.
        alone: (failure) => (failure === undefined ? alone() : Promise.reject(failure.error)),
        joint: again.joint,
        settle,
      });
    });
  }

  /** Makes the calls of a {@link Retries} group, in the order their operations were made. */
  private async sendAgain(members: Member[], closed: boolean): Promise<void> {
    const rank = ({ call }: Member) => ('push' in call ? call.push.order : call.pull.order) ?? 0;
    members.sort((a, b) => rank(a) - rank(b));
    // With a close after them in the run, joint calls even for one: they answer at once (a
    // waiting push or pull answers `again`, then waits with calls of its own), and the close
    // waits for this answer — a call of its own would hold it for a whole wait slice (audit BB).
    for (let at = 0; at < members.length; at += MAX_TOGETHER)
      await this.inOrder(members.slice(at, at + MAX_TOGETHER), closed);
  }

  private capacityError(operation: string, answer: CapacityAnswer): RangeError {
    return new RangeError(
      `${operation}: durable channel "${this.name}" has capacity ${answer.capacity}, fixed when it was created; this client asked for ${this.#capacity}`,
    );
  }

  private closedError(operation: string, answer: { hasReason: boolean; reason: unknown }): ChannelClosedError<this> {
    return new ChannelClosedError(operation, 'is closed', this, answer.hasReason ? answer.reason : undefined);
  }
}

/** Back-off before attempt `attempt + 1`: 25 ms doubling, at most 1 s, with jitter. */
function backoff(attempt: number): number {
  const base = Math.min(1000, 25 * 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}
