/**
 * `broadcast(source)`: every value pulled from one channel, delivered to every subscriber
 * (Effect's `PubSub`, js-csp's `mult`, Kotlin's `SharedFlow`).
 *
 * How it works: the broadcast takes a value from `source` only when every `'block'`
 * subscriber has room (a free slot or a parked pull) — with `commitPull` when `source` has
 * one, else through a waiter parked on `source` (`sourcePull`), whose `resolve` is called
 * synchronously at `source`'s commit point — and commits it into every subscriber in the same
 * synchronous step. A subscriber's `feed` hook (room freed, or a pull parked) makes it look
 * again. So no value is ever in flight between `source` and the subscribers.
 *
 * Invariants:
 * - `sourcePull` is parked on `source` exactly while the broadcast is open, has subscribers, and
 *   `source` is open with nothing buffered — also while a `'block'` subscriber has no room
 *   (then behind the pushes parked on `source`, if any), so that `source.close()` reaches the
 *   broadcast at once (a subscriber may be waiting for the end while another one is full).
 *   The waiter's `signal` is the hub, whose `aborted` is true while there is no room: then
 *   `source`'s commit skips the waiter (`liveHead` cancels it) and the value stays in
 *   `source`, taken once there is room; the waiter parks again a microtask later (behind the
 *   value, if it waits as a parked push), except on a `from` source (see the waiter's `settle` in `pumpHub`).
 *   Until then — in the same synchronous run as the skip — a close is learned at the next look.
 * - A value taken from `source` is committed into every subscriber present at that moment. A
 *   `'block'` subscriber that lost its room while the waiter was parked (someone pushed into
 *   it, or its parked pull left) makes `source`'s commit skip the waiter (the hub's `aborted`
 *   is found afresh there). Only a room lost during the delivery itself (a select over two
 *   capacity-0 subscribers, whose winning case withdraws the other) leaves the value stored
 *   one beyond the capacity for a moment, rather than lost; nothing more is taken until it
 *   has room again.
 */
import { add } from './buffer.js';
import {
  Channel,
  commitPull,
  commitPush,
  dispose,
  misusedOptions,
  NOTHING,
  type Overflow,
  type PullChannel,
  RESOLVED,
} from './channel.js';
import { type Ref, unwatch, watch } from './signals.js';
import { Mark, tracker } from './tracker.js';
import { claim, enqueue, hold, liveHead, SettlingWaiter, type Waiter } from './waiters.js';

/** Options of {@link Broadcast.subscribe}. */
export interface SubscribeOptions {
  /** The subscriber channel's capacity (default `1`). */
  capacity?: number | undefined;
  /**
   * What a value does when the subscriber's buffer is full (default `'block'`: the broadcast
   * waits for this subscriber). A drop mode never holds the other subscribers back.
   */
  overflow?: Overflow | undefined;
  /** Leaves the broadcast when it aborts: the subscriber channel is closed. */
  signal?: AbortSignal | undefined;
}

/** What {@link broadcast} returns. */
export interface Broadcast<T> {
  /**
   * A new channel that receives every value pulled from the source after this call, in order.
   * It leaves the broadcast when it is closed or its `signal` aborts; it is closed (with the
   * source's close reason) once the source is closed and drained, or by
   * {@link Broadcast.close}. After that, it returns a channel that is already closed. Bound to
   * its broadcast, as `close` is: `const { subscribe } = hub` works.
   *
   * @throws {TypeError} if `options` is not an object or is an `AbortSignal` itself (pass
   *   `{ signal }`), `signal` is not an `AbortSignal`,
   *   `capacity` is not a number or `overflow` is not a known policy; the message names
   *   `broadcast.subscribe(options)`.
   * @throws {RangeError} if `capacity` is negative, `NaN` or fractional, or a drop policy is
   *   given with capacity 0.
   * @example
   * ```ts
   * import { broadcast, Channel } from 'chanasync';
   *
   * const prices = new Channel<number>(16);
   * const hub = broadcast(prices);
   * // A slow reader that sees only the latest price:
   * const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
   * // A reader that leaves after a minute:
   * const log = hub.subscribe({ capacity: 64, signal: AbortSignal.timeout(60_000) });
   * ```
   */
  subscribe(options?: SubscribeOptions): Channel<T>;
  /**
   * Stops pulling from the source (which stays open, with its values) and closes every
   * subscriber; each keeps what it received. Idempotent. Bound to its broadcast.
   *
   * @example
   * ```ts
   * import { broadcast, Channel } from 'chanasync';
   *
   * const prices = new Channel<number>(16);
   * const hub = broadcast(prices);
   * const chart = hub.subscribe();
   * hub.close();
   * console.log(chart.closed, prices.closed); // true false
   * ```
   */
  close(): void;
  /**
   * {@link Broadcast.close}, for `using hub = broadcast(source)`: the broadcast stops pulling and
   * closes its subscribers at the end of the block; the source stays open. `await using` calls it
   * too (a broadcast has no `Symbol.asyncDispose`: closing it is synchronous). Where
   * `Symbol.dispose` is missing, `Symbol.for('Symbol.dispose')` stands in, as for a channel.
   *
   * @example
   * ```ts
   * import { broadcast, Channel } from 'chanasync';
   *
   * const prices = new Channel<number>(16);
   * {
   *   using hub = broadcast(prices);
   *   const chart = hub.subscribe();
   * } // hub is closed here, and chart with it
   * ```
   */
  [Symbol.dispose](): void;
}

/** A subscriber channel: leaves the broadcast when closed; its `feed` wakes the broadcast. */
class Subscriber<T> extends Channel<T> {
  /** The broadcast it subscribed to. */
  declare readonly hub: BroadcastHub<T>;
  /** Closes it when aborted. */
  declare readonly signal: AbortSignal | undefined;

  /** {@link Broadcast.subscribe}: `hub.subscribe(options)`. */
  constructor(hub: BroadcastHub<T>, options: SubscribeOptions | undefined) {
    const signal = options?.signal;
    const misuse = misusedOptions('broadcast.subscribe(options)', options, signal);
    if (misuse) throw misuse;
    // The Channel constructor checks capacity and overflow (its default, 'block', when
    // undefined), naming this call. A broadcast of an input channel (a ticker, events) feeds
    // input channels.
    super(options?.capacity ?? 1, {
      name: 'subscriber',
      overflow: options?.overflow,
      input: hub.hubSource.fedFromOutside,
      callName: 'broadcast.subscribe(options)',
    });
    this.hub = hub;
    this.signal = signal;
    // Room freed, or a pull parked: matters only while the broadcast is not already waiting on
    // source with room (a waiter parked without room must learn that room came), which
    // `pumpHub` checks first. A pull that left (`left`, with a signal) must not touch the
    // channel: only the watch's hold changes.
    this.feed = (left) => {
      // Its own watch's hold, if its signal watches it (`hold`); else only the mark that makes a
      // pull leaving it heard here. Not `hold` for every subscriber: it asks the newest pull
      // parked on it whether it is wanted, which asks the subscribers downstream in turn — done
      // at every link of a chain of broadcasts, as this tells the source, a chain of 1,000 took
      // 10 s (O(N³)) instead of a few ms.
      if (this.ref) hold(this);
      else this.debugMarks |= Mark.LEAVES;
      // A pull parked or left: the source's watch may now have to hold it, or not (`hold`).
      hub.hubSource.feed?.(true);
      left || hub.pumpHub();
    };
    // Watched as parked operations are (signals.ts), not with a listener of its own: N
    // subscribers with one signal would cost O(N²) (and Node warns from the eleventh). Weakly
    // while nothing waits on it (while the broadcast lives, its set of subscribers holds this
    // one), strongly while a pull does (`hold`): the abort must end that wait even when the
    // broadcast and its source are gone.
    // The rest of `subscribe`, here rather than there: bytes, issue 13's budget. `aborted` is
    // read after the options' own getters, which the constructor above read (one that aborts
    // the signal must find the subscriber closed, not watching a signal whose `abort` has been
    // and gone), and before the subscriber is watched: a getter that throws leaves nothing
    // behind (audit BI-1).
    if (hub.isClosed || signal?.aborted) this.close(hub.closeReason);
    else {
      this.ref = signal && watch(signal, this);
      hub.subscribers.add(this);
      hub.pumpHub(!this.limit);
    }
  }

  /** Its handle in its signal's watch. */
  declare ref: Ref | undefined;

  /** Closes the channel (see {@link Channel.close}) and leaves the broadcast. */
  override close(reason?: unknown): void {
    if (this.isClosed) return;
    super.close(reason);
    // (No signal, no ref: unwatch finds nothing.)
    unwatch(this.signal as AbortSignal, this.ref as Ref);
    this.hub.subscribers.delete(this);
    this.hub.pumpHub();
  }

  /** Its signal aborted: leave. */
  cancel(): void {
    this.close();
  }
}

/** The broadcast's state. */
class BroadcastHub<T> implements Broadcast<T> {
  /** The subscribers present, in subscription order. */
  readonly subscribers = new Set<Subscriber<T>>();
  // The fields below start out undefined (falsy): declared, not initialized, which keeps the
  // bundle within its budget.
  /** The pull parked on `source` (see the invariants); undefined while there is none. */
  declare sourcePull: Waiter<T> | undefined;
  /** Whether the next value may not be taken, as {@link aborted} last found. */
  declare noRoom: boolean | undefined;
  /** Set once the broadcast ends; it never restarts. */
  declare isClosed: boolean | undefined;
  /**
   * The reason the subscribers were closed with: the source's close reason, or undefined. Named
   * as a channel's close reason is: `endHub` then reads as `close()` does, to gzip (9 bytes:
   * issue 13's budget).
   */
  declare closeReason: unknown;
  /**
   * The looks {@link pumpHub} still owes while it runs: 1 (the one it is making), 2 once a nested
   * call (from a commit it makes) asked for another before it returns — all that call does;
   * falsy while it does not run. (One field, not a flag for the run and one for the look
   * again, and named `lookAgain` rather than `pumping`: bytes, issue 13's budget — the short
   * names `dist/` hands out depend on how often each renamed field is used.)
   */
  declare lookAgain: number | undefined;

  /** Ends the broadcast (see {@link Broadcast.close}); bound, so it may be passed around. */
  declare close: () => void;
  /** See {@link Broadcast.subscribe}; bound, as `close` is. */
  declare subscribe: (options?: SubscribeOptions) => Channel<T>;
  /** {@link close}, for `using` and `await using` (which falls back to it). */
  declare [dispose]: () => void;

  constructor(readonly hubSource: Channel<T>) {
    // `broadcast(source)`'s check, here rather than in that function: bytes, issue 13's budget.
    // Not `notAChannel`'s words (with what it got), which would take broadcast past its size
    // budget; "of this copy" covers a Channel of another copy of chanasync too (audit BL-3: it
    // said that one was no chanasync Channel).
    if (!(hubSource instanceof Channel)) {
      throw new TypeError('broadcast(source): not a Channel of this copy');
    }
    // Set here rather than as a method with a computed key: esbuild keeps a class whose member
    // keys are computed at load in every bundle, `{ Channel }` alone included.
    this.close = this[dispose] = () => this.endHub();
    // Bound as `close` is, so that `const { subscribe, close } = broadcast(source)` works (audit
    // BL-1: a detached `subscribe` threw the engine's "Cannot read properties of undefined").
    this.subscribe = (options) => new Subscriber(this, options);
  }

  /**
   * Commits `value` into every subscriber present when it came (see the invariants for one that
   * lost its room). Over a copy of the set: a commit may run user code (a `Proxy` signal's
   * `aborted` getter on a parked pull) that subscribes, and a subscriber added now must not get
   * a value pulled before it subscribed. (One that such code closed keeps the value readable,
   * as a close keeps what a channel holds.)
   */
  deliver(value: T): void {
    for (const subscriber of [...this.subscribers]) if (!commitPush(subscriber, value)) add(subscriber, value);
  }

  /** Ends the broadcast: stops pulling and closes every subscriber with `reason`. */
  endHub(reason?: unknown): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeReason = reason;
    // Each subscriber leaves as it closes (so the set ends empty), and looks again: the
    // broadcast, already closed, takes nothing, and the look after the last one leaves —
    // this one's, or that of a pump this end runs inside — withdraws the waiter (no subscriber).
    for (const subscriber of this.subscribers) subscriber.close(reason);
  }

  /**
   * Takes values from `source` and delivers them until {@link aborted}; keeps a waiter parked on
   * `source` while it is open and empty (see the invariants).
   */
  pumpHub(joinedFull?: boolean): void {
    if (this.lookAgain) {
      this.lookAgain = 2;
      return;
    }
    // A subscriber joined or left while the broadcast waits on an empty source with room:
    // nothing to take, so no look over every subscriber (N joining or leaving would cost
    // O(N²)) — unless one joined without room (capacity 0: a new subscriber holds nothing),
    // `joinedFull`.
    if (!joinedFull && this.sourcePull && !this.noRoom && this.subscribers.size) return;
    this.lookAgain = 1;
    do {
      const source = this.hubSource;
      while (!this.aborted) {
        const value = commitPull(source);
        if (value === NOTHING) break;
        this.deliver(value);
      }
      // (An ended broadcast has no subscribers: each left as it was closed.)
      if (this.subscribers.size && !source.isClosed && !source.filled) {
        if (!this.sourcePull) {
          // Its `resolve`, called at `source`'s commit point, delivers the value, then looks
          // for more. Set before it is queued: the source's feeder may commit to the waiter at
          // once. As `park` does, but without watching its signal (the hub), whose `aborted` the
          // source's commit reads (`liveHead`). A `SettlingWaiter` whose `settle`, which its
          // `fail` calls, and `wanted` are closures here, rather than a class of its own: bytes,
          // issue 13's budget.
          // biome-ignore lint/suspicious/noAssignInExpressions: kept and named (bytes: issue 13's budget)
          const waiter = (this.sourcePull = new SettlingWaiter<T, never>(
            source,
            undefined,
            (value) => {
              this.sourcePull = undefined;
              this.deliver(value as T);
              this.pumpHub();
            },
            this as unknown as AbortSignal,
          ));
          // Failed: `source` closed while the broadcast waited on it (it is drained: the waiter
          // is parked only on a source without buffered values, and a close fails the parked
          // pushes first): a look ends the broadcast. Else a value came while there was no room
          // and `source`'s commit skipped this waiter (or a `tryPush` refused, or a select
          // polled it): the value stays in `source`, taken once there is room. The broadcast
          // looks again a microtask later and parks again — behind the value, if it waits there
          // as a parked push — so that a close that leaves the source drained (failing that
          // push) still reaches it at once. Not for a source with a feeder and no parked push:
          // a `from` source cancels this pull when it looks for demand, and parking again would
          // wake it again, for ever.
          waiter.settle = () => {
            this.sourcePull = undefined;
            if (source.isClosed) this.pumpHub();
            else RESOLVED.then(() => (source.feed && !source.pushHead) || this.pumpHub());
          };
          // Whether a pull with no way out waits on a subscriber (see `hold`): else this reads ahead.
          waiter.wanted = () => [...this.subscribers].some(hold);
          enqueue(waiter, false);
          tracker?.(waiter, 'pull', this);
          source.feed?.();
        }
      } else {
        // Withdrawn and forgotten, if there is one: `claim` it, then undefined (`void`).
        this.sourcePull &&= void claim(this.sourcePull);
      }
      // The end needs no room: a source closed and drained ends the broadcast even while a
      // subscriber is full (closing keeps what it holds readable).
      if (source.isClosed && !source.filled) this.endHub(source.closeReason);
      // No try/finally: nothing in the loop throws (commit points and close() never do).
    } while (--this.lookAgain);
  }

  /**
   * Whether the next value may *not* be taken — ended, nobody to take it, or a `'block'`
   * subscriber without room (a drop policy always has room, else a parked pull or a free slot)
   * — kept in {@link noRoom}. The broadcast's own look, and the parked waiter's signal: the
   * waiter's signal is the hub, so `source`'s commit point reads this (`liveHead`) and, when it
   * is true, skips the waiter and leaves the value in `source`. Found afresh, not as last kept:
   * a capacity-0 subscriber's room is a parked pull, and one that left since (aborted, or a
   * select case that lost) gave no sign — a value taken then would be stored beyond its
   * capacity. O(subscribers) at most, as the delivery of the value that comes is. (One getter
   * for both, not a method and a getter calling it: bytes, issue 13's budget.)
   */
  get aborted(): boolean {
    // Up to the first subscriber without room: while the oldest has none, O(1). (`full`: its
    // buffer holds `limit` values or more.) A parked pull whose signal is already aborted (its
    // listener has not run yet: one signal for a subscriber and a pull on another) is no room:
    // `liveHead` cancels it, as a commit would, and looks past it. (An ended broadcast has no
    // subscribers left: `endHub` closed them all.)
    for (const subscriber of this.subscribers) {
      // biome-ignore lint/suspicious/noAssignInExpressions: kept and returned (bytes: issue 13's budget)
      if (subscriber.policy === 'block' && subscriber.full && !liveHead(subscriber, false)) return (this.noRoom = true);
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: kept and returned (bytes: issue 13's budget)
    return (this.noRoom = this.isClosed || !this.subscribers.size) as boolean;
  }
}

/**
 * Broadcasts `source`: pulls from it and delivers every value to every current subscriber.
 * {@link Broadcast.subscribe} returns a new channel (default capacity 1, `'block'`) that
 * receives every value pulled after it subscribed, in order.
 *
 * - Backpressure: the next value is taken from `source` only when every `'block'` subscriber
 *   has room — the slowest sets the pace. A drop-mode subscriber never holds the others back.
 * - With no subscriber, nothing is pulled: values wait in `source`.
 * - A subscriber leaves when its channel is closed or its signal aborts.
 * - When `source` is closed and drained, every subscriber is closed with the same reason,
 *   after everything pulled before (buffered values stay readable). `close()` stops pulling
 *   and closes the subscribers.
 * - Nothing is in flight: each value moves from `source` into every subscriber present in one
 *   synchronous step, at `source`'s commit point, so no value pulled is undelivered.
 *
 * The parameter is typed as a {@link PullChannel}, but it must be a chanasync {@link Channel}
 * at run time: the broadcast takes values at its commit points. Other consumers of `source`
 * compete with the broadcast for values, as any two consumers do.
 *
 * @throws {TypeError} if `source` is not a {@link Channel}.
 * @example
 * ```ts
 * import { broadcast, Channel } from 'chanasync';
 *
 * const prices = new Channel<number>(16);
 * const hub = broadcast(prices);
 * const chart = hub.subscribe();
 * const ticker = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' }); // only the latest
 * await prices.push(101);
 * console.log(await chart.pull(), await ticker.pull()); // 101 101
 * ```
 */
export function broadcast<T>(source: PullChannel<T>): Broadcast<T> {
  return new BroadcastHub(source as Channel<T>);
}
