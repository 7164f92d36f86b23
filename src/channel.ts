/// <reference lib="esnext.disposable" preserve="true" />
/// <reference lib="es2021.weakref" preserve="true" />
/**
 * `Channel<T>`: Go's `hchan` for the JavaScript event loop.
 *
 * A channel has a FIFO buffer of committed values and two FIFO queues of parked operations,
 * `pushWaiters` and `pullWaiters` (see `waiters.ts`). Every operation runs to completion
 * synchronously — JavaScript's single thread is the channel's lock — and only the *wake-ups*
 * (promise reactions) are deferred to microtasks.
 *
 * Invariants (kept true after every public call returns):
 * - Outside of one select parking a push case and a pull case on the same unbuffered channel,
 *   at most one of `pushWaiters` and `pullWaiters` is non-empty: a push that finds a parked
 *   pull hands its value over instead of parking, and vice versa. (Also outside of a
 *   `broadcast`'s pull, which stays parked on its source while a subscriber has no room —
 *   behind the pushes parked there too — as a pull that every commit skips: `broadcast.ts`.)
 * - Parked pulls mean an empty buffer (a pull takes a buffered value before it would park).
 * - Parked pushes mean a full buffer, and only in `'block'` mode (the drop modes never park).
 * - Once closed, no waiter is parked and none will be: `close()` fails them all, and every
 *   later push fails at once. A channel never reopens.
 *
 * Commit points — where an operation becomes irrevocable — are {@link commitPush} and
 * {@link commitPull}: the value moves into the buffer or into a parked waiter's hands, and the
 * waiter is unlinked and its signal stops watching it in the same synchronous step (`claim`).
 */
import { add, grow, NO_SLOTS, take } from './buffer.js';
import { ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from './errors.js';
import type { FromFunction } from './interop/from.js';
import type { ToReadableStreamOptions } from './interop/stream.js';
import { isSignal, reasonOf } from './signals.js';
import { tracker } from './tracker.js';
import { claim, countWaiters, liveHead, park, queued, SettlingWaiter, Waiter } from './waiters.js';

export { setTracker } from './tracker.js';

/** What a push does when the buffer is full. See {@link ChannelOptions.overflow}. */
export type Overflow = 'block' | 'drop-oldest' | 'drop-newest';

/** Options of the {@link Channel} constructor. */
export interface ChannelOptions {
  /** Labels the channel in error messages, `stats()` and the inspector. */
  name?: string | undefined;
  /**
   * What a push does when the buffer is full: `'block'` (default) waits for room;
   * `'drop-oldest'` discards the oldest buffered value to make room (a sliding buffer);
   * `'drop-newest'` discards the pushed value. The drop modes never wait and need a capacity
   * of at least 1.
   */
  overflow?: Overflow | undefined;
  /**
   * Declares that the channel is fed by the outside world — user events, timers, the network,
   * another context — so that waiting on it is expected: debug mode shows such waits (and
   * selects that include such a channel) as *waiting for input*, never as stuck. `fromEvent`,
   * `after`, `ticker`, `from` and `fromPort` set it on the channels they make; a `merge` with
   * an input channel among its inputs, and the subscribers of a `broadcast` of one, are input
   * channels too. It changes nothing else. Anything but a boolean is a `TypeError`.
   */
  input?: boolean | undefined;
  /**
   * @internal The call the constructor's errors name, for a channel made by another function
   * (`broadcast.subscribe(options)`, `from(source, options)`): its capacity and overflow come
   * from that call's options. Set by chanasync only; the default is `new Channel(capacity, options)`.
   */
  callName?: string | undefined;
}

/** Options of a blocking operation. */
export interface OperationOptions {
  /**
   * Cancels the operation if aborted before it commits: the promise rejects with
   * `signal.reason`, no value is delivered or consumed, and no trace is left on the channel.
   * An already aborted signal is checked first. Anything that is not an `AbortSignal` makes
   * the operation reject with a `TypeError` before it starts, and so does a signal passed as the
   * options themselves (`pull(signal)` for `pull({ signal })`). Many operations may share one
   * signal: each costs O(1), and a parked operation does not keep its channel alive through
   * the signal. The signal does keep the operation's promise: should the channel be
   * garbage-collected while the operation is parked (nothing could commit it any more), an abort
   * still rejects it with `signal.reason`, so an `AbortSignal.timeout` always fires (not while
   * debug mode is on: it reports such an operation as leaked).
   */
  signal?: AbortSignal | undefined;
}

/** A copy of a channel's state, from {@link Channel.stats}. */
export interface ChannelStats {
  /** The channel's `name`, if it has one. */
  readonly name: string | undefined;
  /** The buffer capacity: `0` (unbuffered), a positive integer, or `Infinity`. */
  readonly capacity: number;
  /** How many values are buffered now. */
  readonly size: number;
  /** Whether `close()` has been called. */
  readonly closed: boolean;
  /** The overflow policy. */
  readonly overflow: Overflow;
  /** Parked push operations; each parked select case on this channel counts as one. */
  readonly waitingPushers: number;
  /** Parked pull operations; each parked select case on this channel counts as one. */
  readonly waitingPullers: number;
}

/**
 * The push side of a channel, for parameters that may only send (and close when done).
 * Contravariant: a `PushChannel<Animal>` is a `PushChannel<Dog>`, never the reverse (its
 * members are properties, so TypeScript checks their parameters strictly). They are still the
 * channel's methods, not bound to it: call them on the channel (`out.push(v)`); a destructured
 * `const { push } = out`, which TypeScript allows for a property, fails with a `TypeError` when
 * called (wrap it: `(v) => out.push(v)`).
 */
export interface PushChannel<in T> {
  /** See {@link Channel.name}. */
  readonly name: string | undefined;
  /** See {@link Channel.capacity}. */
  readonly capacity: number;
  /** See {@link Channel.size}. */
  readonly size: number;
  /** See {@link Channel.closed}. */
  readonly closed: boolean;
  /** See {@link Channel.full}. */
  readonly full: boolean;
  /** See {@link Channel.push}. */
  readonly push: (value: T, options?: OperationOptions) => Promise<void>;
  /** See {@link Channel.pushNowait}. */
  readonly pushNowait: (value: T) => void;
  /** See {@link Channel.tryPush}. */
  readonly tryPush: (value: T) => boolean;
  /** See {@link Channel.pushAll}. */
  readonly pushAll: (values: Iterable<T>, options?: OperationOptions) => Promise<void>;
  /** See {@link Channel.close}. */
  readonly close: (reason?: unknown) => void;
}

/**
 * The pull side of a channel, for parameters that may only receive. Async iterable.
 * Covariant: a `PullChannel<Dog>` is a `PullChannel<Animal>`.
 */
export interface PullChannel<out T> extends AsyncIterable<T> {
  /** See {@link Channel.name}. */
  readonly name: string | undefined;
  /** See {@link Channel.capacity}. */
  readonly capacity: number;
  /** See {@link Channel.size}. */
  readonly size: number;
  /** See {@link Channel.closed}. */
  readonly closed: boolean;
  /** See {@link Channel.empty}. */
  readonly empty: boolean;
  /** See {@link Channel.pull}. */
  pull(options?: OperationOptions): Promise<T>;
  /** See {@link Channel.pullNowait}. */
  pullNowait(): T;
  /** See {@link Channel.tryPull}. */
  tryPull(): T | undefined;
  /** See {@link Channel.pullMany}. */
  pullMany(max: number, options?: OperationOptions): Promise<T[]>;
  /** Iterates the values; see {@link Channel} (`for await`). */
  [Symbol.asyncIterator](): AsyncIterableIterator<T>;
}

/**
 * `Symbol.asyncDispose`, or where it is missing `Symbol.for('Symbol.asyncDispose')`, the stand-in
 * esbuild's and Babel's downlevel `await using` reads (`tsc`'s needs a polyfill of the symbol).
 */
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? /* @__PURE__ */ (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);
/**
 * `Symbol.dispose`, or where it is missing `Symbol.for('Symbol.dispose')`, the stand-in esbuild's
 * and Babel's downlevel `using` reads (`tsc`'s needs a polyfill of the symbol).
 */
export const dispose: typeof Symbol.dispose =
  Symbol.dispose ?? /* @__PURE__ */ (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

/**
 * What {@link commitPull} returns when nothing can be pulled now. A symbol that never leaves
 * this package and is never stored anywhere a caller could reach, so no value a user pushes
 * can be mistaken for it.
 */
export const NOTHING: unique symbol = /* @__PURE__ */ Symbol() as never;

/**
 * How many channels have been closed so far, in this realm. A merge, which does not wait on its
 * inputs while it is full, looks for inputs closed meanwhile only when this moved.
 *
 * @internal
 */
export let closes = 0;

/** The promise a push returns when it commits at once (promises are immutable: one will do). */
export const RESOLVED: Promise<void> = /* @__PURE__ */ Promise.resolve();

/**
 * Every channel's `uncloneable` field. A symbol is a value the structured-clone algorithm
 * refuses, so `postMessage({ jobs })` and `structuredClone(jobs)` throw a `DataCloneError` at
 * the call — naming this description in Chromium and Node — instead of sending a dead copy of
 * the channel's fields, buffered values included.
 */
export const UNCLONEABLE: unique symbol = /* @__PURE__ */ Symbol('chanasync Channel: send it with chanasync/port');

/**
 * A Go-style channel: a FIFO pipe between async producers and consumers.
 *
 * - Capacity `0` (the default) is unbuffered: a push waits until a pull takes its value
 *   (rendezvous). A positive integer buffers that many values; `Infinity` never fills.
 * - A value is **committed** when it is handed to a waiting puller or stored in the buffer;
 *   from then on it belongs to exactly one puller and is never lost, duplicated or reordered.
 * - Closing keeps buffered values readable and fails every parked operation.
 * - Invariant in `T`: a `Channel<Dog>` is not a `Channel<Animal>` (one could push a cat into
 *   it). Use {@link PullChannel} and {@link PushChannel} for directional parameters.
 * - Values that are thenables (promises) are refused with a `TypeError` at push time: `pull()`
 *   would adopt them while iteration and `select` would not.
 * - May be subclassed: the channel's own state lives in own fields whose names start with `$`,
 *   so a subclass may add fields and methods of any other name.
 *
 * @typeParam T the type of the values.
 * @example
 * ```ts
 * import { Channel } from 'chanasync';
 *
 * const jobs = new Channel<number>(2, { name: 'jobs' });
 * void (async () => {
 *   for (let i = 0; i < 5; i++) await jobs.push(i);
 *   jobs.close();
 * })();
 * for await (const job of jobs) console.log(job); // 0 1 2 3 4
 * ```
 */
export class Channel<in out T> implements PushChannel<T>, PullChannel<T> {
  /**
   * The SPEC's spelling of the function {@link from}: a channel fed lazily from an iterable, an
   * async iterable or a `ReadableStream`. Attached by the module that defines `from`, so it
   * exists wherever `chanasync` is loaded as is, and in a bundle that imports `from`; a bundle
   * that imports only `Channel` leaves it out with the rest of the helpers — import `from`
   * there.
   *
   * @throws {TypeError} as {@link from}: `source` is not an iterable, an async iterable or a
   *   `ReadableStream`, a stream is already locked, or an option has the wrong type.
   * @throws {RangeError} as {@link from}: `capacity` is negative, `NaN` or fractional.
   * @example
   * ```ts
   * for await (const letter of Channel.from(['a', 'b', 'c'])) console.log(letter); // a b c
   * ```
   */
  declare static from: FromFunction;
  /**
   * The SPEC's spelling of the function {@link toReadableStream} (`toReadableStream(this,
   * options)`): a `ReadableStream` that pulls from this channel only when it wants data.
   * Attached like {@link Channel.from}: present wherever `toReadableStream` is.
   *
   * @throws {TypeError} as {@link toReadableStream}: `options` is not an object (or is an
   *   `AbortSignal`), `signal` is not an `AbortSignal`, or `closeOnCancel` is not a boolean.
   * @throws {RangeError} as {@link toReadableStream}: `highWaterMark` is not a finite number ≥ 0.
   * @example
   * ```ts
   * // In a Worker: stream lines to the client as they are produced.
   * const lines = new Channel<string>(8);
   * const response = new Response(lines.toReadableStream().pipeThrough(new TextEncoderStream()));
   * ```
   */
  declare toReadableStream: (options?: ToReadableStreamOptions) => ReadableStream<T>;
  /**
   * @internal Makes the channel refused by `postMessage` and `structuredClone` (see
   * {@link UNCLONEABLE}). The first field: the algorithm copies fields in order, and a
   * subclass's function in `feed` would otherwise be refused first, with a message about it.
   */
  readonly uncloneable: symbol = UNCLONEABLE;
  /** @internal The ring's slots (see `buffer.ts`); never written while `limit` is 0. */
  slots: (T | undefined)[] = NO_SLOTS;
  /** @internal The ring index of the oldest value. */
  headIndex = 0;
  /** @internal How many values are buffered. */
  filled = 0;
  /**
   * @internal Oldest parked push, head of the circular `pushWaiters` queue (Go's `sendq`);
   * only in `'block'` mode with a full buffer.
   */
  pushHead: Waiter<T> | undefined = undefined;
  /** @internal Oldest parked pull, head of the circular `pullWaiters` queue (Go's `recvq`). */
  pullHead: Waiter<T> | undefined = undefined;
  /** @internal Set once by `close()`; a channel never reopens. */
  isClosed = false;
  /**
   * @internal The feeder of a channel whose values come from elsewhere (merge, broadcast
   * subscribers, ports, lazy sources; a `fromEvent` channel with a signal, whose watch follows
   * its pulls); `undefined` for an ordinary channel. Called
   * synchronously when there is demand or room: right after a pull-side operation parked (for
   * a multi-case select, after all its cases parked), and after a pull took a buffered value
   * and no parked push refilled the slot, while the channel is open. It may commit values into
   * the channel (`commitPush`) and must not throw. With `left` true, there is no demand: an
   * operation left one of its queues (only on a channel marked {@link Mark.LEAVES}) — committed,
   * cancelled, or a select's other case won — or a push-side one parked, or a relay reading this
   * channel was pulled (`hold` in `waiters.ts`); it must then not touch the channel before the
   * end of the microtask.
   */
  feed: ((left?: boolean) => void) | undefined = undefined;
  /**
   * @internal Debug mode's marks (see `tracker.ts`): {@link Mark.NOTED} while this task's parks
   * on the channel are noted already, {@link Mark.RECORDED} once an operation parked on it was
   * recorded; and {@link Mark.LEAVES}, a port receiver's. Always 0 unless debug mode was enabled
   * or the channel is a capacity-0 port receiver's.
   */
  debugMarks = 0;
  /**
   * @internal The reason given to `close(reason)`. Read only once closed. Set from the start,
   * so that open and closed channels have one hidden class: added by close(), it gave closed
   * channels a shape of their own, and the buffer code that both reach (`take`) went
   * polymorphic — tryPush/tryPull after a bench-like run that closes channels: 55.2 instead of
   * 51.7 instructions per op (V8 14.6, callgrind).
   */
  closeReason: unknown = undefined;
  /** @internal The capacity. */
  readonly limit: number;
  /**
   * @internal Created with `input: true`: fed by the outside world. Read by channels fed from
   * this one (`merge`, a `broadcast`'s subscribers), which are then input channels too.
   */
  readonly fedFromOutside: boolean;
  /** @internal The overflow policy. */
  readonly policy: Overflow;
  /** @internal The name. */
  readonly givenName: string | undefined;

  /**
   * Creates a channel.
   *
   * @param capacity `0` (default) for an unbuffered channel, a positive integer for a buffered
   *   one, `Infinity` for an unbounded one.
   * @param options `name`, `overflow` and `input`.
   * @throws {TypeError} if `capacity` is not a number, `options` is not an object or is an
   *   `AbortSignal` (a channel takes none), `name` is not a string or `overflow` is not a known
   *   policy.
   * @throws {RangeError} if `capacity` is negative, `NaN` or fractional, or a drop policy is
   *   asked for with capacity 0.
   */
  constructor(capacity = 0, options?: ChannelOptions) {
    // The call that made the channel (an internal option) is named as the message is built.
    const problem = `${options?.callName ?? 'new Channel(capacity, options)'}: `;
    // (`Infinity % 1` is NaN: `!(capacity % 1)` accepts it, and `capacity >= 0` refuses NaN.
    // The type is checked first: comparing a bigint or a symbol would throw, an object would
    // have its `valueOf` called.)
    const bad = numberError(
      typeof capacity === 'number' && capacity >= 0 && !(capacity % 1),
      capacity,
      `${problem}capacity must be 0, a positive integer or Infinity`,
    );
    if (bad) throw bad;
    if (options !== undefined && typeof options !== 'object')
      throw new TypeError(`${problem}options must be an object`);
    // Read as options, a signal would be silently ignored: the channel would never close on abort.
    if (isSignal(options))
      throw new TypeError(`${problem}options is an AbortSignal: a channel takes no signal (close it on abort)`);
    const name = options?.name;
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`${problem}name must be a string`);
    const overflow = options?.overflow ?? 'block';
    if (overflow !== 'block') {
      if (overflow !== 'drop-oldest' && overflow !== 'drop-newest') {
        throw new TypeError(
          `${problem}overflow must be "block", "drop-oldest" or "drop-newest", got ${shown(overflow, 'string')}`,
        );
      }
      if (capacity === 0) throw new RangeError(`${problem}overflow ${overflow} needs capacity ≥ 1`);
    }
    const input = options?.input;
    if (input !== undefined && typeof input !== 'boolean') throw new TypeError(`${problem}input must be a boolean`);
    this.limit = capacity || 0; // -0 reads as 0
    this.policy = overflow;
    this.givenName = name;
    this.fedFromOutside = input === true;
    tracker?.(this, 'create', options);
  }

  /** The name given at construction, or `undefined`. */
  get name(): string | undefined {
    return this.givenName;
  }

  /** The buffer capacity: `0` (unbuffered), a positive integer, or `Infinity`. */
  get capacity(): number {
    return this.limit;
  }

  /** How many values are buffered now; always `0` for an unbuffered channel. */
  get size(): number {
    return this.filled;
  }

  /** Whether `close()` has been called (buffered values may still be readable). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * `size >= capacity`: a push would not find room. An unbuffered channel is always full. (A
   * `merge` or `broadcast` channel may hold one value over its capacity for a moment; it is
   * full then too.)
   */
  get full(): boolean {
    return this.filled >= this.limit;
  }

  /** `size === 0`: nothing is buffered. */
  get empty(): boolean {
    return !this.filled;
  }

  /**
   * A snapshot of the channel's state, with the number of parked pushes and pulls.
   *
   * @example
   * ```ts
   * const jobs = new Channel<number>(4, { name: 'jobs' });
   * jobs.tryPush(1);
   * const { size, waitingPullers } = jobs.stats();
   * console.log(size, waitingPullers); // 1 0
   * ```
   */
  stats(): ChannelStats {
    requireChannel(this, 'stats');
    return {
      name: this.givenName,
      capacity: this.limit,
      size: this.filled,
      closed: this.isClosed,
      overflow: this.policy,
      waitingPushers: countWaiters(this.pushHead),
      waitingPullers: countWaiters(this.pullHead),
    };
  }

  /**
   * What `JSON.stringify` writes for the channel: its {@link Channel.stats}. So an error that
   * carries the channel (`ChannelError.channel`) can be logged as JSON — without it the
   * channel's internal links to its parked operations are a circular structure — and no
   * buffered value is ever written into a log.
   *
   * @example
   * ```ts
   * const jobs = new Channel<number>(4, { name: 'jobs' });
   * console.log(JSON.stringify(jobs));
   * // {"name":"jobs","capacity":4,"size":0,"closed":false,"overflow":"block",
   * //  "waitingPushers":0,"waitingPullers":0}
   * ```
   */
  toJSON(): ChannelStats {
    return this.stats();
  }

  /**
   * Pushes `value`, resolving once it is committed: handed to a waiting puller or stored in
   * the buffer. On an unbuffered channel it waits for a puller (rendezvous); on a full
   * `'block'` channel it waits for room; the drop modes never wait (see `overflow`).
   *
   * Parked pushes are served in FIFO order.
   *
   * @returns a promise that resolves when the value is committed.
   * @throws (rejects) `signal.reason` if `signal` is aborted before the commit — checked
   *   first, even on a closed channel; the value is then not delivered.
   * @throws (rejects) {@link ChannelClosedError} if the channel is closed before the commit,
   *   including while waiting; the value is then not delivered.
   * @throws (rejects) {TypeError} if `options.signal` is not an `AbortSignal`, `options` is an
   *   `AbortSignal` itself (pass `{ signal }`), or `value` is a thenable.
   * @example
   * ```ts
   * const jobs = new Channel<string>(1);
   * await jobs.push('a'); // room in the buffer: resolves at once
   * setTimeout(() => void jobs.pull(), 10);
   * await jobs.push('b', { signal: AbortSignal.timeout(1000) }); // waits for room, at most 1 s
   * ```
   */
  push(value: T, options?: OperationOptions): Promise<void> {
    // The common cases first: no options, a primitive (never a thenable), an open channel.
    // - A parked pull without a signal of its own: hand the value to it (W1 and W2, where a
    //   consumer that awaits each pull parks every time and the next push finds it) —
    //   commitPush's hand-off without its abort check and calls.
    // - No parked pull and room: the buffered commit written out, without the signal, thenable
    //   and queue checks it cannot need.
    // Not on a closed channel: user code run inside close() (a `Proxy` signal's `reason`, read
    // as it cancels an aborted head) may push while plain pulls are still queued
    // (test/push-handoff.test.ts). The buffered shortcut took 9% off the instructions per
    // buffered push and pull in V8 14.6 and 11.3 (callgrind), level with the hand-written floor;
    // the hand-off one, with pull's own shortcut below, 6% off W1/W2 in Node 20, and gave W1/W2
    // 4–11% more of the floor's throughput in Node, Chromium and workerd (paired runs,
    // 2026-12-05). One test of the value for both (2026-12-06): 1,916 → 1,907 instructions per
    // value on W1/W2 in Node 20, and 6 bytes.
    // (The primitive test as the negation of thenable()'s and tryPush's object test, written
    // alike: gzip then finds it whole, 9 bytes.) A `this` that is nullish — a detached method
    // called plainly: `const { push } = channel`, `values.forEach(channel.tryPush)` — is refused
    // under the method's name first, here and in every push and pull method, rather than left to
    // the engine's `TypeError` on the field it reads (audit BW).
    this ?? requireChannel(this, 'push');
    if (
      options === undefined &&
      !this.isClosed &&
      !((typeof value === 'object' && value !== null) || typeof value === 'function')
    ) {
      const head = this.pullHead;
      if (head === undefined) {
        if (this.filled < this.limit) {
          add(this, value);
          return RESOLVED;
        }
      } else if (head.signal === undefined) {
        claim(head).resolve(value);
        return RESOLVED;
      }
    }
    const signal = options?.signal;
    const refused = refusal('push', options, signal, value);
    if (refused) return refused;
    // (The rejection `wait` makes for a closed channel: the same promise, 10 bytes less.)
    if (this.isClosed) return closedWait(this, true) as Promise<unknown> as Promise<void>;
    if (commitPush(this, value)) return RESOLVED;
    return wait(this, true, signal, value) as Promise<unknown> as Promise<void>;
  }

  /**
   * Pulls the next value: the head of the buffer (a parked pusher's value then moves into the
   * buffer, keeping FIFO order) or a parked pusher's value. Waits when there is none.
   *
   * Parked pulls are served in FIFO order. A value committed to a pull is never taken back.
   *
   * @returns a promise of the value.
   * @throws (rejects) `signal.reason` if `signal` is aborted before a value is committed to
   *   it — checked first; no value is consumed.
   * @throws (rejects) {@link ChannelClosedError} once the channel is closed and drained; its
   *   `cause` is the reason given to `close(reason)`, if any.
   * @throws (rejects) {TypeError} if `options.signal` is not an `AbortSignal`, or `options` is an
   *   `AbortSignal` itself (pass `{ signal }`).
   * @example
   * ```ts
   * const replies = new Channel<string>();
   * setTimeout(() => void replies.push('pong'), 10);
   * console.log(await replies.pull({ signal: AbortSignal.timeout(1000) })); // pong
   * ```
   */
  pull(options?: OperationOptions): Promise<T> {
    this ?? requireChannel(this, 'pull');
    // The common case first (see push): a buffered value, no options, no parked push to move
    // up, no feeder to tell — what commitPull would do, without its checks.
    if (options === undefined && this.filled > 0 && this.pushHead === undefined && this.feed === undefined) {
      return Promise.resolve(take(this));
    }
    // Nothing to take, nobody to move up and no options: park at once — what commitPull would
    // find, without its calls.
    if (options === undefined && this.filled === 0 && this.pushHead === undefined) return wait(this, false);
    const signal = options?.signal;
    const refused = refusal('pull', options, signal);
    if (refused) return refused;
    const value = commitPull(this);
    if (value !== NOTHING) return Promise.resolve(value);
    // Closed and drained: `wait` rejects with the `ChannelClosedError` of a pull (a check of its
    // own here made the same test twice: 12 bytes).
    return wait(this, false, signal);
  }

  /**
   * Pushes `value` now or throws. On an unbuffered channel it succeeds exactly when a pull is
   * waiting (Go's select with `default`). In the drop modes it always succeeds on an open
   * channel (dropping a value is the commit).
   *
   * @throws {ChannelClosedError} if the channel is closed.
   * @throws {ChannelFullError} if the push would have to wait.
   * @throws {TypeError} if `value` is a thenable.
   * @example
   * ```ts
   * const events = new Channel<string>(1);
   * events.pushNowait('click');
   * try {
   *   events.pushNowait('scroll');
   * } catch (error) {
   *   console.log((error as Error).name); // ChannelFullError
   * }
   * ```
   */
  pushNowait(value: T): void {
    refuseThenable(value, 'pushNowait');
    if (this?.isClosed ?? requireChannel(this, 'pushNowait')) throw closedError(this, 'pushNowait');
    if (!commitPush(this, value)) {
      throw this.isClosed ? closedError(this, 'pushNowait') : new ChannelFullError('pushNowait', 'is full', this);
    }
  }

  /**
   * Pulls a value now or throws. On an unbuffered channel it succeeds exactly when a push is
   * waiting.
   *
   * @throws {ChannelClosedError} if the channel is closed and drained.
   * @throws {ChannelEmptyError} if the pull would have to wait.
   * @example
   * ```ts
   * const events = new Channel<string>(4);
   * try {
   *   console.log(events.pullNowait());
   * } catch (error) {
   *   console.log((error as Error).name); // ChannelEmptyError
   * }
   * ```
   */
  pullNowait(): T {
    requireChannel(this, 'pullNowait');
    const value = commitPull(this);
    if (value !== NOTHING) return value;
    if (this.isClosed) throw closedError(this, 'pullNowait');
    throw new ChannelEmptyError('pullNowait', 'is empty', this);
  }

  /**
   * Pushes `value` now and returns `true`, or returns `false` — without throwing — when the
   * push would have to wait or the channel is closed (read `closed` to tell them apart). The
   * same commit as {@link Channel.pushNowait}: on an unbuffered channel it succeeds exactly
   * when a pull is waiting; in the drop modes it succeeds on any open channel.
   *
   * @returns whether the value was committed.
   * @throws {TypeError} if `value` is a thenable (a misuse, not a full channel).
   * @example
   * ```ts
   * const events = new Channel<string>(16, { name: 'events' });
   * if (!events.tryPush('click')) console.log(events.closed ? 'closed' : 'full: dropped');
   * ```
   */
  tryPush(value: T): boolean {
    // thenable()'s primitive test written out, not behind refuseThenable's two calls: in workerd
    // the nowait loop ran ~12% slower with them, and a shared predicate function here (and in
    // thenable) cost 4% more instructions per tryPush/tryPull and 0.5% per buffered push/pull
    // (scripts/instructions.mjs): the one-line test is written twice on purpose.
    this ?? requireChannel(this, 'tryPush');
    if ((typeof value === 'object' && value !== null) || typeof value === 'function') refuseThenable(value, 'tryPush');
    // The nowait loop's common case first — room in the slots, nobody parked, open: the value
    // goes straight into the buffer (6% fewer instructions per op than through commitPush).
    // The buffer write itself is written out too, not `add`'s: `add` serves every kind of
    // channel (merge, broadcast subscribers, timers…), and after other channel work its property
    // accesses are polymorphic; here they see only what calls tryPush. tryPush/tryPull: alone
    // 49 instead of 55 instructions per op in V8 14.6 (the floor's: 51), after other channel
    // work 57 instead of 60 (scripts/instructions.mjs try, try-warm). Written out in tryPull
    // too it saved 1–2 more, for 35 bytes: not taken. The loop's other common case, full in
    // 'block' mode with nobody parked (open or closed: false either way), is answered here
    // too: through tryPushSlow, V8 inlined the whole commitPush into the loop for it, which ran
    // ~5% slower in Chromium (173 against 182M values/s after W1–W4, V8 15.6). Growing full
    // slots is `grow`'s (below). Everything else — a parked pull, a drop policy, closed with
    // room — is in tryPushSlow, out of line: in Chromium the nowait loop after other channel
    // work ran 3–4% faster so (paired rounds, V8 15.6).
    const count = this.filled;
    const slots = this.slots;
    // (In this order: something else called as `this`, with no `filled` or `limit`, must reach
    // tryPushSlow's refusal, not read a `slots` it lacks.)
    if (this.pullHead === undefined) {
      if (count < this.limit) {
        if (!this.isClosed) {
          // Full slots below the capacity grow in a function of their own, not through
          // tryPushSlow: a nowait loop over a fresh channel grows it in its first cycle, and V8
          // then inlined all of tryPushSlow's paths into the loop (Chromium, V8 15.6: W6 186
          // against 181–182M values/s after W1–W4, four paired runs).
          if (count === slots.length) return grow(this, value);
          slots[(this.headIndex + count) & (slots.length - 1)] = value;
          this.filled = count + 1;
          return true;
        }
      } else if (this.policy === 'block') return false;
    }
    return tryPushSlow(this, value);
  }

  /**
   * Pulls the next value now, or returns `undefined` when there is none — the buffer is empty
   * and no push is waiting — or the channel is closed and drained. Never throws. The same
   * commit as {@link Channel.pullNowait}; a channel that carries `undefined` as a value should
   * use `pullNowait`.
   *
   * @returns the value, or `undefined`.
   * @example
   * ```ts
   * const jobs = new Channel<number>(8);
   * jobs.tryPush(1);
   * jobs.tryPush(2);
   * for (let job = jobs.tryPull(); job !== undefined; job = jobs.tryPull()) console.log(job); // 1 2
   * ```
   */
  tryPull(): T | undefined {
    // The common cases first, with no call on their paths: a buffered value, or none, with no
    // parked push to move up and no feeder to tell. (A receiver that is no channel has no
    // `filled` number and goes on to tryPullSlow, which refuses it.)
    this ?? requireChannel(this, 'tryPull');
    if (this.pushHead === undefined && this.feed === undefined) {
      if (this.filled > 0) return take(this);
      if (this.filled === 0) return undefined;
    }
    return tryPullSlow(this);
  }

  /**
   * Waits like {@link Channel.pull} until at least one value can be taken, then takes up to
   * `max` values at once, in FIFO order, in one commit: the buffer first, then parked pushes'
   * values (each parked push resolving as its value is taken). A pull that has to park is
   * served like any parked pull: by the next push, with that one value.
   *
   * @param max the most values to take: a positive integer.
   * @returns a promise of 1 to `max` values.
   * @throws (rejects) `signal.reason` if `signal` is aborted before the commit — checked
   *   first; nothing is taken.
   * @throws (rejects) {@link ChannelClosedError} once the channel is closed and drained.
   * @throws (rejects) {RangeError} if `max` is not a positive integer; {TypeError} if it is not
   *   a number, `options.signal` is not an `AbortSignal`, or `options` is one itself.
   * @example
   * ```ts
   * const jobs = new Channel<number>(256);
   * await jobs.pushAll([1, 2, 3]);
   * const batch = await jobs.pullMany(64); // 1 to 64 jobs: what is there now
   * console.log(batch); // [1, 2, 3]
   * ```
   */
  pullMany(max: number, options?: OperationOptions): Promise<T[]> {
    // A detached pullMany (a nullish or foreign `this`) is refused before anything is read of it:
    // a batch call, one instanceof test is nothing beside it.
    requireChannel(this, 'pullMany');
    const signal = options?.signal;
    const refused = refusal('pullMany', options, signal);
    if (refused) return refused;
    const bad = numberError(
      typeof max === 'number' && max >= 1 && max % 1 === 0,
      max,
      'pullMany(max): max must be a positive integer',
    );
    if (bad) return Promise.reject(bad);
    const values: T[] = [];
    for (let value = commitPull(this); value !== NOTHING; value = values.length < max ? commitPull(this) : NOTHING) {
      values.push(value);
    }
    if (values.length) return Promise.resolve(values);
    // Closed and drained: rejected.
    if (this.isClosed) return Promise.reject(closedError(this, 'pullMany'));
    // Parked: a pusher commits one value to it (a parked pull means an empty buffer), which
    // settles the promise with `[value]` at once, as a pull's would (see inArray).
    const waiter = new SettlingWaiter<T, T[]>(this, undefined, inArray as never, signal);
    const promise = new Promise<T[]>((resolve) => {
      waiter.settle = resolve;
    });
    park(waiter, false, 'pull');
    return promise;
  }

  /**
   * Pushes `values` in order, as one producer would with consecutive `await push(value)`, but
   * without a promise per value while there is room: values commit synchronously until the
   * channel is full, then it waits for room as `push` does. The values are read from the
   * iterable lazily, one at a time.
   *
   * @returns a promise that resolves once every value is committed.
   * @throws (rejects) `signal.reason` or {@link ChannelClosedError} if the signal aborts or the
   *   channel closes part-way; the error's `pushed` property then says how many values were
   *   committed (the rest were not delivered). A primitive `signal.reason` can carry no
   *   property: it rejects as is.
   * @throws (rejects) {TypeError} if `values` is not iterable, one of them is a thenable (with
   *   `pushed`), `options.signal` is not an `AbortSignal`, or `options` is one itself.
   * @example
   * ```ts
   * const results = new Channel<number>(8);
   * await results.pushAll([1, 2, 3]); // room for all three: no wait
   * console.log(results.size); // 3
   * ```
   */
  pushAll(values: Iterable<T>, options?: OperationOptions): Promise<void> {
    requireChannel(this, 'pushAll');
    // (A getter on the options that throws makes it throw, as a push does.)
    const signal = options?.signal;
    const refused = refusal('pushAll', options, signal);
    if (refused) {
      // An already aborted signal stops it before its first value: its reason says `pushed: 0`,
      // as the error of a channel closed before the first value does.
      return isSignal(signal) && signal.aborted
        ? refused.catch((reason: unknown) => {
            throw counted(this, reason, 0);
          })
        : refused;
    }
    // Its promise is settled by pushEach — or by the signal, should the channel be collected while
    // a push of it is parked (see `signals.ts`): pushEach's frame holds the channel, so that way
    // out must not go through it. pushEach is called here, not in the executor: a parked push's
    // stack (debug mode's `stacks`) then has one chanasync frame more than a push's, not three.
    let batch: Batch | undefined;
    const promise = new Promise<void>((resolve, reject) => {
      batch = { resolve, reject, pushed: 0 };
    });
    void pushEach(this, values, signal, batch as Batch);
    return promise;
  }

  /**
   * Closes the channel. Idempotent: only the first call has an effect.
   *
   * Buffered values stay readable; pulls fail with {@link ChannelClosedError} only once the
   * buffer is drained. Every parked push and pull fails now with {@link ChannelClosedError}
   * (a parked push's value is not added), except one whose signal is already aborted (this
   * close runs in an earlier listener of that abort): it rejects with `signal.reason`. `for await` loops end normally, or throw `reason`
   * when one other than `undefined` is given.
   *
   * It never throws on a channel. Detached from it — `setTimeout(channel.close)`,
   * `signal.addEventListener('abort', channel.close)` — it is a `TypeError` before anything
   * changes: pass `() => channel.close()`.
   *
   * @param reason why the channel closed: becomes the `cause` of the `ChannelClosedError`s
   *   and is thrown by iterators.
   * @example
   * ```ts
   * const jobs = new Channel<number>(4);
   * await jobs.push(1);
   * jobs.close();
   * for await (const job of jobs) console.log(job); // 1 — buffered values stay readable
   * ```
   */
  close(reason?: unknown): void {
    // `setTimeout(channel.close, ms)`, `signal.addEventListener('abort', channel.close)`: a close
    // detached from its channel would read and write the fields of whatever `this` is (a
    // signal, a window) and close nothing. Refused, loudly, before it touches anything.
    requireChannel(this, 'close');
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeReason = reason;
    closes++;
    // Like Go's closechan, fail every parked operation — but the pushes first: a select
    // parked with a push case and a pull case on this channel must reject (its push can never
    // happen), not fire its pull case with `ok: false`. Each waiter is unlinked before it
    // fails; a select waiter's failure may unlink its sibling cases, possibly from these very
    // queues, so take a head afresh every time instead of walking saved links. An operation
    // whose signal is already aborted is cancelled instead (`liveHead`), as a commit would: the
    // abort comes first, even when this close runs in an earlier listener of that very abort
    // (`after(ms, { signal })` and a select sharing one signal).
    for (
      let waiter = liveHead(this, true) ?? liveHead(this, false);
      waiter;
      waiter = liveHead(this, true) ?? liveHead(this, false)
    ) {
      // Named for the call that parked: a `pullMany` as `pullMany` (a `pushAll` renames its
      // parked push's error itself, in pushEach), as when it finds the channel closed at once.
      const error = closedError(
        this,
        waiter === this.pushHead ? 'push' : waiter.resolve === (inArray as never) ? 'pullMany' : 'pull',
      );
      claim(waiter).fail(error);
    }
  }

  /**
   * Iterates the values until the channel is closed and drained. Several iterators may run at
   * once; each value goes to exactly one. Leaving a loop early (`break`, `return`, throw)
   * neither closes the channel nor loses a value. After `close(reason)` with a `reason` other
   * than `undefined`, the iteration throws `reason` once drained. The iterator's `return()`
   * withdraws the pulls its `next()` calls left parked (they resolve `done`), for consumers
   * that leave while a `next()` waits, such as `ReadableStream.from(channel)` on cancel; like
   * an async generator's, it resolves `{ done: true, value }` with the value given to it
   * awaited (a rejected promise makes it reject, after the withdrawal).
   *
   * @throws (rejects, from `next()`) the `reason` given to `close(reason)`, once the channel is
   *   drained, when that reason is not `undefined`.
   * @example
   * ```ts
   * const jobs = new Channel<number>(4);
   * void jobs.pushAll([1, 2]).then(() => jobs.close());
   * for await (const job of jobs) console.log(job); // 1 2
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const iterator: AsyncIterableIterator<T> = {
      next: () => nextResult(this, iterator),
      // for-await awaits next() before it can leave, so nothing is parked then; but
      // ReadableStream.from, Readable.from and other consumers call return() while a next() is
      // still parked (a reader cancelled during a read). Its pull is withdrawn, and that next()
      // resolves done: no value committed after this is handed to a consumer that left. As an
      // async generator's, it awaits the value given to it (rejecting if that rejects): the
      // result never holds a promise (audit BR-1).
      return: async (value?: unknown) => {
        withdraw(iterator as Iterating<T>);
        return { done: true, value: await value };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator;
  }

  /**
   * Closes the channel, so `await using ch = new Channel()` closes it at the end of the block.
   *
   * @example
   * ```ts
   * {
   *   await using jobs = new Channel<number>(4);
   *   await jobs.push(1);
   * } // jobs is closed here
   * ```
   */
  async [asyncDispose](): Promise<void> {
    this.close();
  }

  /**
   * Closes the channel, so `using ch = new Channel()` closes it at the end of the block.
   *
   * @example
   * ```ts
   * {
   *   using jobs = new Channel<number>(4);
   *   jobs.tryPush(1);
   * } // jobs is closed here
   * ```
   */
  [dispose](): void {
    this.close();
  }

  /**
   * How Node's and Deno's consoles show the channel: `Channel` and its {@link Channel.stats}
   * (never its buffered values, nor the internal fields, whose names the build shortens).
   */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options: unknown) => string,
  ): unknown {
    return inspect ? `Channel ${inspect(this.stats(), options)}` : this.stats();
  }
}

/**
 * Commit point of a push: hands `value` to the oldest parked pull, else stores it in the
 * buffer, else applies the drop policy. Returns false, changing nothing, when the push would
 * have to wait — or when the channel was closed by user code that looking for a live pull ran
 * (a `Proxy` signal's `aborted` getter): the caller then finds it closed.
 *
 * Precondition: the channel is open. A parked pull implies an empty buffer, so handing over
 * first keeps FIFO order.
 *
 * @internal
 */
export function commitPush<T>(channel: Channel<T>, value: T): boolean {
  const puller = liveHead(channel, false);
  if (puller !== undefined) {
    claim(puller).resolve(value);
    return true;
  }
  if (channel.isClosed) return false;
  if (channel.filled < channel.limit) {
    add(channel, value);
    return true;
  }
  if (channel.policy === 'block') return false;
  // Drop modes; capacity ≥ 1, so the buffer is full and non-empty.
  if (channel.policy === 'drop-oldest') {
    take(channel);
    add(channel, value);
  } else if (channel.policy !== 'drop-newest') {
    // Not a channel at all: a push method detached from its channel and called with another
    // `this` — `target.addEventListener('input', channel.tryPush)` — finds no field of a
    // channel and would end here, reporting a commit of a value that went nowhere. Only the
    // drop paths pay for this check (one comparison, on `'drop-newest'`'s).
    requireChannel(channel, 'push');
  }
  return true;
}

/**
 * Commit point of a pull: takes the oldest buffered value, refilling the freed slot from the
 * oldest parked push (whose value was next in line, so FIFO order holds), else takes a parked
 * push's value directly (unbuffered). Returns {@link NOTHING}, changing nothing, when there is
 * no value. Works on a closed channel too (its buffer drains; no pushes are parked).
 *
 * A slot freed and not refilled is room: the channel's feeder, if any, hears of it last, when
 * this pull is complete.
 *
 * @internal
 */
export function commitPull<T>(channel: Channel<T>): T | typeof NOTHING {
  const pusher = liveHead(channel, true);
  let value: T;
  if (channel.filled > 0) {
    value = take(channel);
    if (pusher === undefined) {
      if (!channel.isClosed) channel.feed?.();
      return value;
    }
    add(channel, pusher.value as T);
  } else if (pusher !== undefined) {
    value = pusher.value as T;
  } else {
    return NOTHING;
  }
  claim(pusher).resolve(undefined as T);
  return value;
}

/** {@link Channel.tryPush} when the value cannot go straight into free slots. */
function tryPushSlow<T>(channel: Channel<T>, value: T): boolean {
  // No channel at all (`addEventListener('input', channel.tryPush)`: only a channel has
  // `isClosed`) is refused under its own name here, before `commitPush` would as `push`.
  return !(channel.isClosed ?? requireChannel(channel, 'tryPush')) && commitPush(channel, value);
}

/** {@link Channel.tryPull} past its common case: a parked push to move up, a feeder, or empty. */
function tryPullSlow<T>(channel: Channel<T>): T | undefined {
  const value = commitPull(channel);
  if (value !== NOTHING) return value;
  // Nothing to take — or no channel at all (`setTimeout(channel.tryPull)`: only a channel has
  // `isClosed`), which must not pass for an empty one. Paid only on the empty path.
  channel.isClosed ?? requireChannel(channel, 'tryPull');
  return undefined;
}

/** A `pushAll`'s promise, and how many values it committed before the push now parked. */
interface Batch {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  pushed: number;
}

/**
 * `pushAll`'s loop: each value as a push of its own, committed at the call while there is room,
 * else parked until it commits; stops at an aborted signal or a closed channel, with the count.
 */
async function pushEach<T>(
  channel: Channel<T>,
  values: Iterable<T>,
  signal: AbortSignal | undefined,
  batch: Batch,
): Promise<void> {
  // No count until `values` is found iterable: a bad argument (or the error of a `Symbol.iterator`
  // getter) rejects as is.
  let pushed = -1;
  try {
    // `Symbol.iterator` read once, as `for…of` reads it: a getter there runs once.
    const open = (values as Iterable<T> | null)?.[Symbol.iterator];
    if (typeof open !== 'function') {
      // The usual slip: an async generator, a stream or another channel, meant as a pipe.
      const async = (values as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator];
      throw new TypeError(
        `pushAll(values): values is not iterable${async ? ' (but async: push each in a for await loop)' : ''}`,
      );
    }
    pushed = 0;
    for (const value of { [Symbol.iterator]: () => open.call(values) }) {
      // As for a push: the value's `then` read first (a getter there may abort the signal),
      // then an aborted signal, a thenable, a closed channel.
      const refused = thenable(value, 'pushAll');
      if (signal?.aborted) throw reasonOf(signal);
      if (refused) throw refused;
      if (channel.isClosed) throw closedError(channel, 'pushAll');
      if (!commitPush(channel, value)) {
        batch.pushed = pushed;
        // Named for debug mode as the park's owner: every park of one pushAll gets the stack of
        // its first. (Passed down, not set around the park in a variable of tracker.ts as it
        // was: 25 bytes.)
        await wait(channel, true, signal, value, signal && failBatch(batch), batch);
      }
      pushed++;
    }
    batch.resolve();
  } catch (thrown) {
    // The close that failed its parked push named that push: the caller called pushAll. (A
    // signal's reason may be a revoked Proxy, which `instanceof` throws for: left as it is.)
    let error = thrown;
    try {
      if (thrown instanceof ChannelClosedError && thrown.channel === channel) error = closedError(channel, 'pushAll');
    } catch {}
    batch.reject(pushed < 0 ? error : counted(channel, error, pushed));
  }
}

/**
 * How the signal fails a `pushAll` whose parked push was collected with its channel: with its
 * reason and the count. A function of its own, so that the closure holds `batch` alone. A count
 * that needs an error of its own gets a `ChannelError` whose `channel` is a stand-in: the
 * channel is gone.
 */
function failBatch(batch: Batch): (reason: unknown) => void {
  return (reason) => batch.reject(counted({} as never, reason, batch.pushed));
}

/**
 * The error a `pushAll` that stopped part-way rejects with: `error` itself, carrying `pushed`.
 * One error object can fail several `pushAll`s at once — a signal has one `reason`, and one
 * `AbortController` for all of a component's work is the everyday case — so only the first to
 * fail writes its count on it; each later one with another count rejects with an error of its
 * own, whose `cause` is that error, so that every caller reads its own count (one with the same
 * count rejects with the error itself): a `DOMException` of the same name and message for a
 * `DOMException` (an `AbortError` stays one), else a `ChannelError`. A primitive or frozen error cannot carry a
 * count and is rejected as is, and so is one whose inspection throws.
 */
function counted(channel: Channel<any>, error: unknown, pushed: number): unknown {
  try {
    // (Null and undefined need no test of their own: `Object.hasOwn` throws for them, into the
    // catch below, as the write of the count would. 6 bytes.)
    if (Object.hasOwn(error as object, 'pushed') && (error as { pushed: unknown }).pushed !== pushed) {
      // A `DOMException` (what `abort()` and `AbortSignal.timeout()` give) is copied, name and
      // message, so that the everyday `error.name === 'AbortError'` check holds for every caller.
      error =
        error instanceof DOMException
          ? Object.assign(new DOMException(error.message, error.name), { cause: error })
          : new ChannelError(
              'pushAll',
              `took ${pushed} of its values before the call stopped: ${error instanceof Error ? error.message : String(error)}`,
              channel,
              error,
            );
    }
    (error as { pushed: number }).pushed = pushed;
  } catch {
    // Null, undefined, primitive or frozen, or user code that throws — a revoked `Proxy`, a
    // `pushed` getter: no count, and the error is rejected as is rather than replaced by that one.
  }
  return error;
}

/**
 * Throws the error of a method called without its channel as `this` (`setTimeout(channel.close)`)
 * unless `self` is a channel. A function outside the class: a class that names itself in its own
 * body is renamed by esbuild (`class _Channel`), and `Channel.name` would say so.
 *
 * @internal
 */
function requireChannel(self: unknown, method: string): void {
  if (!(self instanceof Channel)) {
    throw new TypeError(`${method}: called without its channel as this (wrap it in an arrow function)`);
  }
}

/**
 * The error of an operation on a closed channel; its `cause` is the close reason, if any.
 *
 * @internal
 */
export function closedError<T>(channel: Channel<T>, operation: string): ChannelClosedError {
  return new ChannelClosedError(operation, 'is closed', channel, channel.closeReason);
}

/**
 * The `TypeError` for options that are not an object, that are an `AbortSignal` themselves, or
 * whose `signal` is not an `AbortSignal` (see {@link refusal}); `undefined` if they are fine.
 * Its message starts with `operation` (`broadcast.subscribe(options)` uses it too).
 *
 * @internal
 */
export function misusedOptions(operation: string, options: unknown, signal: unknown): TypeError | undefined {
  // (No `options != null` before `isSignal(options)`: it answers false for null and undefined,
  // reading nothing. 6 bytes.)
  return options !== undefined && typeof options !== 'object'
    ? new TypeError(`${operation}: options must be an object`)
    : signal !== undefined && !isSignal(signal)
      ? new TypeError(`${operation}: options.signal is not an AbortSignal`)
      : signal === undefined && isSignal(options)
        ? new TypeError(`${operation}: options is an AbortSignal: pass { signal } instead`)
        : undefined;
}

/**
 * Why a blocking operation cannot start, as the promise it returns: `options` is not an object,
 * is an `AbortSignal` itself (Go's positional `ctx`: `pull(signal)` for `pull({ signal })`,
 * which would otherwise be an options bag without a signal — an operation that can never be
 * cancelled), or its `signal` is not an `AbortSignal` (`TypeError`); or the signal is already
 * aborted (its reason) — checked before anything else, even on a closed channel — or the pushed
 * `value` is a thenable. `undefined` if it can. `signal` is `options.signal` as the caller read
 * it, once: the signal checked is the one the operation parks with (a getter may answer
 * differently on a second read).
 *
 * @internal
 */
export function refusal(
  operation: string,
  options: unknown,
  signal: AbortSignal | undefined,
  value?: unknown,
): Promise<never> | undefined {
  const misuse = misusedOptions(operation, options, signal);
  if (misuse) return Promise.reject(misuse);
  // The value's `then` is read before the signal's `aborted`: a getter there is user code that
  // may abort it, and a push whose signal aborted before its commit must not commit. An aborted
  // signal still wins over a thenable.
  const error = thenable(value, operation);
  // An aborted signal refuses even when its reason is `undefined` (a signal that is not the
  // platform's: it rejects with that `undefined`, and nothing commits).
  return signal?.aborted ? Promise.reject(reasonOf(signal)) : error && Promise.reject(error);
}

/**
 * Throws a `TypeError` for a thenable value. Why refuse them: `pull()` resolves its promise
 * with the value, which adopts a thenable (a never-settling one would hang the pull, a
 * rejected promise would make it reject), while iteration and `select` hand it over as is.
 * Refusing at push time makes every path agree. Wrap a promise (`{ promise }`) to send it.
 *
 * @internal
 */
export function refuseThenable(value: unknown, operation: string): void {
  const error = thenable(value, operation);
  if (error) throw error;
}

/**
 * The `TypeError` for a thenable `value` (see {@link refuseThenable}), else `undefined`. The
 * value first, here and in `refuseThenable`: a minifier then names it as push and tryPush name
 * theirs, and gzip finds the object test whole in all three (10 bytes).
 */
function thenable(value: unknown, operation: string): TypeError | undefined {
  // Only objects and functions can be thenables (promise resolution never adopts a primitive).
  // The check of an object is a function of its own: its try/catch kept this one — which every
  // push runs — from being inlined, which cost 15% on buffered push/pull (scripts/instructions.mjs).
  return (typeof value === 'object' && value !== null) || typeof value === 'function'
    ? objectThenable(value, operation)
    : undefined;
}

/** {@link thenable} for an object or function: reading `then` may throw (a getter, a revoked proxy). */
function objectThenable(value: object, operation: string): TypeError | undefined {
  let then: unknown;
  try {
    then = (value as PromiseLike<unknown>).then;
  } catch (error) {
    // Refused too, and never thrown at a caller that expects a promise.
    return new TypeError(`${operation}: reading value.then threw`, { cause: error });
  }
  return typeof then === 'function'
    ? new TypeError(`${operation}: value is a thenable (wrap it to send it)`)
    : undefined;
}

/**
 * The error for a numeric argument that fails its check `ok` — a `TypeError` when it is not a
 * number at all, else a `RangeError`; `message` says what it must be — or `undefined`.
 */
function numberError(ok: boolean, value: unknown, message: string): Error | undefined {
  const isNumber = typeof value === 'number';
  if (isNumber && ok) return undefined;
  message += `, got ${shown(value, 'number')}`;
  return isNumber ? new RangeError(message) : new TypeError(message);
}

/**
 * `value` if it is of type `type`, else that type: what an error message shows of a bad
 * argument without running its code (an object's `toString` may throw, or do anything).
 */
function shown(value: unknown, type: string): unknown {
  return typeof value === type ? value : typeof value;
}

/** A parked `pullMany`'s `resolve`: the one value committed to it, as its batch. */
function inArray<T>(this: SettlingWaiter<T, T[]>, value: T): void {
  this.settle([value]);
}

/** What {@link wait} returns for a closed channel (apart, so that `wait` stays small to inline). */
function closedWait<T>(channel: Channel<T>, isPush: boolean): Promise<T> {
  return Promise.reject(closedError(channel, isPush ? 'push' : 'pull'));
}

/**
 * Parks a push or pull until it commits, is cancelled by its signal, or fails by close. `fail`
 * and `owner` as for `park` (`waiters.ts`).
 */
function wait<T>(
  channel: Channel<T>,
  isPush: boolean,
  signal?: AbortSignal,
  value?: T,
  fail?: (reason: unknown) => void,
  owner?: object,
): Promise<T> {
  // Only a `this` that is no channel (a detached `pull` called on an element or a window) has
  // no `isClosed`: refused before a waiter is written into it. One nullish test per park,
  // nothing on the paths that commit at once. (A detached push never gets here: `commitPush`
  // refused it.) And a closed channel parks nothing: rejected here with the error of a push or a
  // pull — `pull` leaves this check to wait; a push checked, but the commit it tried since may
  // have run user code (a `Proxy` trap on a parked operation's signal) that closed it.
  if (channel.isClosed ?? requireChannel(channel, 'pull')) return closedWait(channel, isPush);
  // The executor only hands `resolve` to the waiter: small enough for V8 to inline (Chromium,
  // workerd), so that escape analysis drops the closure, its context and the unused `reject` —
  // 244 → 156 bytes allocated per value on 1:1 in Chromium (bench/alloc.mjs). A shared executor
  // that hands the resolving functions out through module state measured ~15% slower.
  const waiter = new Waiter<T>(channel, value, undefined as never, signal);
  const promise = new Promise<T>((resolve) => {
    waiter.resolve = resolve;
  });
  park(waiter, isPush, isPush ? 'push' : 'pull', fail, owner);
  return promise;
}

/** `next()` of the channel's iterator: a pull that reports closed-and-drained as `done`. */
function nextResult<T>(channel: Channel<T>, iterator: object): Promise<IteratorResult<T>> {
  const value = commitPull(channel);
  if (value !== NOTHING) return Promise.resolve({ done: false, value });
  if (channel.isClosed) return endOfIteration(channel);
  // Only close() and the iterator's return() reject a parked pull that has no signal: that
  // rejection is the loop's end. A pull waiter's `value` is unused: it marks the iterator.
  const parked = wait(channel, false, undefined, iterator as T);
  // Noted on the iterator, so that its return() finds its own parked pulls without walking the
  // queue (N iterators leaving a queue of N: O(N), not O(N²)). The tail is this pull — or,
  // when a feeder already committed to it, an older pull or none: noted only if it is this
  // iterator's; a stale note is dropped here or skipped by withdraw.
  note(iterator, channel.pullHead?.prev);
  return parked.then(
    (value) => ({ done: false, value }),
    // Withdrawn by the iterator's return() ({@link NOTHING}): done, whatever happens to the
    // channel meanwhile — a close(reason) before this reaction runs must not make it throw.
    (reason) => endOfIteration(channel, reason === NOTHING),
  );
}

/** Withdraws the pulls `iterator`'s next() calls left parked, as noted (see its return()). */
function withdraw<T>(iterator: Iterating<T>): void {
  for (const waiter of [iterator.nextsParked ?? []].flat()) if (queued(waiter)) claim(waiter).fail(NOTHING);
  iterator.nextsParked = undefined;
}

/**
 * Notes `waiter`, a pull just queued with `iterator` as its mark, on the iterator — if it is
 * marked so — for its return() (see withdraw). A `for await` has one next() parked at a time:
 * one pull is noted, which costs no allocation. A next() called while another is still
 * parked makes the note a list, to which later ones are added; the pulls that left it since
 * are dropped once it has grown past twice what it kept the last time (plus 8): O(1) per
 * next(), amortized, and a list at most about twice as long as the pulls still parked (each
 * one that left holds the value it took).
 *
 * @internal
 */
export function note<T>(iterator: object & Iterating<T>, waiter: Waiter<T> | undefined): void {
  // (Typed with the fields it may hold, not as an `object` cast to them: esbuild writes such a
  // cast as a variable of its own, 7 bytes.)
  if (waiter?.value === iterator) {
    const noted = iterator.nextsParked;
    if (noted === undefined || !(Array.isArray(noted) || queued(noted))) {
      iterator.nextsParked = waiter;
    } else if (!Array.isArray(noted)) {
      iterator.nextsParked = [noted, waiter];
      iterator.nextsKept = 8;
    } else if (noted.push(waiter) > (iterator.nextsKept as number)) {
      const kept = noted.filter(queued);
      iterator.nextsParked = kept;
      iterator.nextsKept = 2 * kept.length + 8;
    }
  }
}

/** A channel's iterator, with the pull or pulls its `next()` calls parked (some may have left since). */
interface Iterating<T> {
  nextsParked?: Waiter<T> | Waiter<T>[] | undefined;
  /** With a list noted: its length beyond which the pulls that left are dropped. */
  nextsKept?: number;
}

/**
 * How an iteration ends on a closed, drained channel: done, or the close reason thrown; done
 * anyway for a `next()` the iterator's `return()` withdrew.
 */
function endOfIteration<T>(channel: Channel<T>, withdrawn?: boolean): Promise<IteratorResult<T>> {
  return withdrawn || channel.closeReason === undefined
    ? Promise.resolve({ done: true, value: undefined })
    : Promise.reject(channel.closeReason);
}
