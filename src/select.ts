/**
 * `select`: wait on several channel operations and commit exactly one — Go's `selectgo` for
 * the event loop.
 *
 * It runs in Go's passes:
 * 1. **Poll** every case (skipping `null`/`undefined` ones) without changing anything: a pull
 *    case is ready when its channel has a buffered value, a parked push, or is closed (then it
 *    fires with `ok: false`); a push case is ready when a pull is parked, the buffer has room,
 *    or a drop policy applies. A push case on a closed channel fails the whole select here,
 *    before anything is committed (deterministic, where Go picks at random and panics). One
 *    ready case is chosen uniformly at random (Go shuffles `pollorder`; see {@link poll} for
 *    how), then committed through the same commit points as `push`/`pull`.
 * 2. **Park** one {@link SelectWaiter} per case on its channel's queue, all sharing one
 *    {@link SelectGroup}. A select never matches itself: it polls before it parks, and a
 *    parked waiter is only ever matched by someone else's operation.
 * 3. **Claim**: the first channel operation that commits one of these waiters calls its
 *    `resolve` (or `close()` its `fail`), which unlinks every sibling in O(1) — eagerly, as
 *    Go's third pass dequeues from the losers — before any other code can run. So exactly one
 *    case commits, and the losers leave no waiter, value or listener behind.
 */
import {
  Channel,
  closedError,
  commitPull,
  commitPush,
  NOTHING,
  type OperationOptions,
  type PullChannel,
  type PushChannel,
  refusal,
  refuseThenable,
} from './channel.js';
import { notAChannel } from './interop/describe.js';
import { type Cancellable, type Ref, reasonOf, unwatch, watch } from './signals.js';
import { Mark, tracker } from './tracker.js';
import { claim, enqueue, liveHead, park, rejecting, SettlingWaiter, Waiter } from './waiters.js';

/**
 * The value argument of {@link push}: required, of the channel's type — optional for a channel
 * of `void`, as `channel.push()` is, so `push(done)` reads as Go's `done <- struct{}{}` (and
 * for a channel of `undefined`, whose methods still take the argument: TypeScript lets a call
 * leave out only a `void` parameter). Exported for wrappers that forward it:
 * `(channel: PushChannel<T>, ...value: PushValue<T>) => push(channel, ...value)`.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: the test is for a channel of `void` (Go's chan struct{})
export type PushValue<T> = [T] extends [void] ? [value?: Later<T>] : [value: Later<T>];

/**
 * `T`, not inferred from here (what `NoInfer<T>` does, written so that TypeScript before 5.4,
 * which has no `NoInfer`, reads it too): `push(numbers, 'x')` is an error, not a `PushCase<number | string>`.
 */
type Later<T> = [T][T extends unknown ? 0 : never];

/**
 * The brand of the cases {@link pull} and {@link push} build: `select` takes no other object,
 * so the types take none either (an object literal, or a spread copy of a case, was typed as a
 * case and refused at run time). Type-only: no case has this property.
 */
declare const built: unique symbol;

/** A select case that pulls from `channel`. Build it with {@link pull}. */
export interface PullCase<T> {
  /** Built by {@link pull} (type-only). */
  readonly [built]: 'pull';
  /** `'pull'`. */
  readonly kind: 'pull';
  /** The channel to pull from. */
  readonly channel: PullChannel<T>;
}

/** A select case that pushes `value` into `channel`. Build it with {@link push}. */
export interface PushCase<T> {
  /** Built by {@link push} (type-only). */
  readonly [built]: 'push';
  /** `'push'`. */
  readonly kind: 'push';
  /** The channel to push into. */
  readonly channel: PushChannel<T>;
  /** The value to push. */
  readonly value: T;
}

/**
 * Any select case. A pull case of any element type is a `PullCase<unknown>` (so the `value` of
 * a select over a `SelectCase[]` is `unknown`, not `any`); a push case is invariant in its
 * element type, hence `PushCase<any>` (its result's `value` is `undefined` anyway).
 */
export type SelectCase = PullCase<unknown> | PushCase<any>;

/**
 * The result of a select that committed case `I` (`C` is the case):
 * - `index`: the committed case's position in the array of cases;
 * - `channel`: that case's channel;
 * - `value`: for a pull case, the pulled value (`undefined` when `ok` is false); for a push
 *   case, `undefined`;
 * - `ok`: false only for a pull case that fired because its channel is closed and drained
 *   (Go's `v, ok := <-ch`).
 */
export type CaseResult<C, I extends number> =
  C extends PullCase<infer T>
    ?
        | { readonly index: I; readonly channel: PullChannel<T>; readonly value: T; readonly ok: true }
        | { readonly index: I; readonly channel: PullChannel<T>; readonly value: undefined; readonly ok: false }
    : C extends PushCase<infer T>
      ? { readonly index: I; readonly channel: PushChannel<T>; readonly value: undefined; readonly ok: true }
      : never;

/**
 * What `select` resolves with: `index` is the committed case's position in the array, `value`
 * the pulled value (`undefined` for a push case), `ok` false only for a pull case that fired
 * because its channel is closed and drained. For a tuple of cases, `value` narrows by `index`.
 */
export type SelectResult<Cases extends readonly unknown[] = readonly SelectCase[]> = number extends Cases['length']
  ? CaseResult<NonNullable<Cases[number]>, number>
  : { [K in keyof Cases]: K extends `${infer I extends number}` ? CaseResult<Cases[K], I> : never }[number];

/** The cases a select takes: `null` and `undefined` entries are skipped (Go's nil channel). */
export type SelectCases = readonly (SelectCase | null | undefined)[];

/** Runtime form of both case kinds. Never mutated: one array of cases may serve many selects. */
class Case<T> {
  constructor(
    readonly kind: 'pull' | 'push',
    readonly channel: Channel<T>,
    readonly value: T | undefined,
  ) {
    if (!(channel instanceof Channel)) throw new TypeError(`${kind}(channel): channel ${notAChannel(channel)}`);
  }
}

/**
 * A select case that pulls from `channel`: when it commits, the result's `value` is the pulled
 * value and `ok` is true; on a closed, drained channel it fires with `ok: false`. Typed to take
 * the pull side of a channel (Go's `<-chan T`); at run time it must be a chanasync `Channel`.
 *
 * @throws {TypeError} if `channel` is not a {@link Channel}.
 * @example
 * ```ts
 * import { Channel, pull, select } from 'chanasync';
 *
 * const orders = new Channel<string>(8);
 * const cancellations = new Channel<number>(8);
 * await orders.push('order 1');
 * const { index, value, ok } = await select([pull(orders), pull(cancellations)]);
 * console.log(index, value, ok); // 0 order 1 true
 * ```
 */
export function pull<T>(channel: PullChannel<T>): PullCase<T> {
  return new Case<T>('pull', channel as Channel<T>, undefined) as unknown as PullCase<T>;
}

/**
 * A select case that pushes `value` into `channel`; always ready on a drop-mode channel. Typed
 * to take the push side of a channel (Go's `chan<- T`); at run time it must be a chanasync
 * `Channel`. On a channel of `void` the value may be left out, as for `channel.push()`:
 * `push(done)`.
 *
 * @throws {TypeError} if `channel` is not a {@link Channel}, or `value` is a thenable.
 * @example
 * ```ts
 * import { Channel, pull, push, select } from 'chanasync';
 *
 * const out = new Channel<string>(1);
 * const stop = new Channel<void>();
 * const { index } = await select([push(out, 'job 1'), pull(stop)]);
 * console.log(index); // 0 — out had room
 * ```
 */
export function push<T>(channel: PushChannel<T>, ...value: PushValue<T>): PushCase<T>;
// (The implementation takes `value` as a plain parameter: a rest parameter would build an array
// at every call, and select loops build their cases at every turn.)
export function push<T>(channel: PushChannel<T>, value?: T): PushCase<T> {
  refuseThenable(value, 'push(channel, value)');
  return new Case<T>('push', channel as Channel<T>, value) as unknown as PushCase<T>;
}

/** One select's parked state: shared by its waiters, and what its signal cancels. */
class SelectGroup implements Cancellable {
  /** The first parked case; the others follow through `sibling`, in case order. */
  first: SelectWaiter<unknown> | undefined = undefined;
  /** The handle of this select in its signal's watch, while it is parked with a signal. */
  ref: Ref | undefined = undefined;

  constructor(
    readonly resolve: (result: SelectResult) => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** The signal aborted while no case had committed (else it would be unwatched): leave them all. */
  cancel(): void {
    release(this, undefined);
    this.reject(reasonOf(this.signal));
  }
}

/**
 * A case of a multi-case select, parked on its channel. Channel code sees an ordinary
 * {@link Waiter}: its `resolve` is {@link won}, called as a method on it, its `fail` handles
 * `close()`, and its `signal` — the select's — is what a commit checks for an abort first.
 */
class SelectWaiter<T> extends Waiter<T> {
  constructor(
    channel: Channel<T>,
    /** Whether this is a push case (in `pushWaiters`) or a pull case. */
    readonly isPush: boolean,
    value: T | undefined,
    /** The select this waiter is a case of. */
    readonly group: SelectGroup,
    /** The case's position in the select's array. */
    readonly index: number,
    /** The next case of the same select, if any. */
    readonly sibling: SelectWaiter<unknown> | undefined,
  ) {
    super(channel, value, won as (value: T | PromiseLike<T>) => void, group.signal);
  }

  /**
   * `close()` claimed this case: a pull case fires with `ok: false`, a push case fails the
   * select (with an error that names the select, as when the push case was closed at the call).
   */
  override fail(): void {
    release(this.group, this as SelectWaiter<unknown>);
    if (this.isPush) this.group.reject(closedError(this.channel, 'select push'));
    else this.group.resolve({ index: this.index, channel: this.channel, value: undefined, ok: false });
  }

  /** The select's signal aborted: the whole select leaves. */
  override cancel(): void {
    this.group.cancel();
  }
}

/**
 * Where select claims a waiter: a channel operation has just claimed (unlinked) `this` and
 * committed it — handed it `value`, or taken its pushed value. Unlink every sibling and
 * resolve the select. Runs synchronously inside that operation, so no other operation can
 * reach a sibling first.
 */
function won(this: SelectWaiter<unknown>, value: unknown): void {
  release(this.group, this);
  this.group.resolve({ index: this.index, channel: this.channel, value: this.isPush ? undefined : value, ok: true });
}

/** Unlinks every waiter of `group` but `winner` (already unlinked) and stops watching its signal. */
function release(group: SelectGroup, winner: SelectWaiter<unknown> | undefined): void {
  for (let waiter = group.first; waiter !== undefined; waiter = waiter.sibling) if (waiter !== winner) claim(waiter);
  if (group.ref !== undefined) unwatch(group.signal as AbortSignal, group.ref);
  group.first = undefined;
}

/**
 * The state of {@link randomBelow}: an xorshift32 generator, seeded from `Math.random()` on
 * first use. Kept in an `Int32Array` so that V8 never boxes it (a `Math.random()` result, or a
 * module-level number variable, is a heap number: three allocations per select).
 */
let random: Int32Array | undefined;

/**
 * A uniformly random integer in `[0, n)` for `n ≥ 1` (the modulo bias, below n/2³⁰, is below
 * 2⁻²⁰ for the case counts a select has). Fairness needs uniformity, not unpredictability.
 * The remainder is taken of the top 30 bits: a value below 2³⁰ is a small integer in every V8
 * configuration, so optimized code divides integers. `(x >>> 0) % n` — a value up to 2³² —
 * compiled to a floating-point remainder (x87 `fprem`), the costliest step of W5's poll
 * (perf, Node 20).
 */
function randomBelow(n: number): number {
  if (random === undefined) random = new Int32Array([(Math.random() * 0x7fffffff) | 1]);
  let x = random[0] as number;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  random[0] = x;
  return (x >>> 2) % n;
}

/** What {@link poll} returns when every case is `null` or `undefined`. */
const NO_CASES = -2;

/**
 * Pass 1: the index of a ready case chosen uniformly at random, `-1` when none is ready, or
 * {@link NO_CASES}. Changes nothing.
 *
 * Every entry is checked first (so a select with a bad entry or a closed push case fails
 * whatever is ready). Then one slot of the array is drawn at random, and if it holds a ready
 * case, that case is chosen; else one of the ready cases is chosen by reservoir sampling (the
 * k-th ready case replaces the choice with probability 1/k). Each of `ready` ready cases among
 * `slots` slots is then chosen with probability 1/slots + (1 - ready/slots) · 1/ready =
 * 1/ready: uniform, as Go's random poll order is. A select whose cases are all ready — a busy
 * fan-in — looks at one case's queue and draws once, where sampling alone drew once per ready
 * case after the first.
 *
 * @throws {TypeError} for an entry that is not a case.
 * @throws {ChannelClosedError} for a push case on a closed channel.
 */
function poll(cases: SelectCases, operation: string): number {
  if (!Array.isArray(cases)) throw new TypeError(`${operation}(cases): cases must be an array of cases`);
  let chosen = NO_CASES;
  // The first push case on a closed channel, reported once every entry was found to be a case:
  // a misuse comes before a channel's state, wherever the two sit in the list (audit BK-S1).
  let closed: Case<unknown> | undefined;
  for (let index = 0; index < cases.length; index++) {
    const selectCase = cases[index];
    if (selectCase == null) continue;
    if (!(selectCase instanceof Case)) {
      // The slip `select([a.pull(), b.pull()])`: each of those calls has started an operation of
      // its own, which nothing here can withdraw (a promise has no handle to its waiter), so
      // the message says so — each one will take (or deliver) a value unless it is given a signal.
      const started =
        typeof (selectCase as { then?: unknown }).then === 'function'
          ? ' (a promise: its pull or push still waits)'
          : '';
      throw new TypeError(
        `${operation}(cases): case ${index} is not a case${started}: build cases with pull(channel) or push(channel, value)`,
      );
    }
    if (selectCase.kind === 'push' && selectCase.channel.isClosed) closed ??= selectCase;
    chosen = -1;
  }
  if (closed) throw closedError(closed.channel, `${operation} push`);
  // (`|| 1`: an empty array draws too, finds no case, and returns NO_CASES.)
  let index = randomBelow(cases.length || 1);
  if (isReady(cases[index])) return index;
  let ready = 0;
  for (index = 0; index < cases.length; index++) {
    if (isReady(cases[index]) && randomBelow(++ready) === 0) chosen = index;
  }
  return chosen;
}

/**
 * Whether `selectCase` (a case, or `null`/`undefined`: never ready) can commit now. A pull case
 * is ready with a buffered value, a parked push, or a closed channel (`ok: false`); a push case
 * (on an open channel: {@link poll} checked) with a parked pull, room in the buffer or a drop
 * policy.
 */
function isReady(selectCase: Case<unknown> | null | undefined): boolean {
  if (selectCase == null) return false;
  const channel = selectCase.channel as Channel<unknown>;
  if (selectCase.kind === 'pull') {
    return channel.filled > 0 || liveHead(channel, true) !== undefined || channel.isClosed;
  }
  return liveHead(channel, false) !== undefined || channel.filled < channel.limit || channel.policy !== 'block';
}

/**
 * Commits the ready case at `index` (chosen by {@link poll}) and describes it — as a resolved
 * promise if `settled`. The promise is made here, next to the result object, so that V8's
 * optimized code sees the object's shape even when this function is not inlined into its
 * caller, and skips looking up a `then` on it (the lookup a promise makes of any object it is
 * resolved with, to adopt a thenable): in W5 that generic lookup took about 4% of the time
 * whenever V8 compiled this function on its own.
 */
function commit(cases: SelectCases, index: number, settled: boolean): SelectResult | Promise<SelectResult> | undefined {
  const { kind, channel, value } = cases[index] as unknown as Case<unknown>;
  let pulled: unknown;
  // The case was ready when chosen, but choosing may have run user code (a `Proxy` trap on the
  // signal of an operation parked on another case's channel) that took the value, filled or
  // closed this channel: then nothing is committed, and the caller polls again.
  if (
    kind === 'push'
      ? channel.isClosed || !commitPush(channel, value)
      : // biome-ignore lint/suspicious/noAssignInExpressions: one test for both kinds
        (pulled = commitPull(channel)) === NOTHING && !channel.isClosed
  )
    return;
  const ok = pulled !== NOTHING;
  const result = { index, channel, value: ok ? pulled : undefined, ok } as SelectResult;
  return settled ? Promise.resolve(result) : result;
}

/**
 * Waits until one of the cases can proceed, commits **exactly one** and resolves with
 * `{ index, channel, value, ok }`. Cases that did not win leave no trace: no value consumed,
 * none delivered, no waiter left on their channels.
 *
 * - When several cases are ready, the winner is chosen uniformly at random (Go's rule).
 * - `null`/`undefined` entries are skipped (Go's nil-channel idiom).
 * - A pull case on a closed, drained channel is ready, with `ok: false`.
 * - A select never matches its own push case with its own pull case.
 * - `cases` is never modified: one array may be passed to many selects.
 *
 * @param cases built with {@link pull} and {@link push}.
 * @param options `signal` cancels the select: no case commits.
 * @returns the committed case; for a tuple of cases `value` narrows by `index`.
 * @throws (rejects) `signal.reason` if the signal is (or gets) aborted first — checked first.
 * @throws (rejects) {TypeError} if `cases` is not an array, no case is left after skipping
 *   `null`/`undefined` (it could never complete), an entry is not a case (a promise of
 *   `channel.pull()` among them: that pull still waits, and takes the next value), `options.signal`
 *   is not an `AbortSignal`, or `options` is an `AbortSignal` itself (pass `{ signal }`).
 * @throws (rejects) {ChannelClosedError} if a push case's channel is closed when `select` is
 *   called or while it waits.
 * @example
 * ```ts
 * import { after, Channel, pull, select } from 'chanasync';
 *
 * const replies = new Channel<string>();
 * // Pull a value, or give up after 100 ms.
 * const result = await select([pull(replies), pull(after(100))]);
 * if (result.index === 0) console.log('reply', result.value);
 * else console.log('timed out');
 * ```
 */
export function select<const Cases extends SelectCases>(
  cases: Cases,
  options?: OperationOptions,
): Promise<SelectResult<Cases>> {
  const signal = options?.signal;
  if (options !== undefined) {
    const refused = refusal('select', options, signal);
    if (refused !== undefined) return refused;
  }
  // Kept small so that V8 inlines it: the one-case path then costs little more than a pull.
  // Reading the list runs user code — a getter, a `Proxy`'s traps (`Array.isArray` of a revoked
  // one throws) — whose error is this call's rejection, as any other (audit BK-S2).
  let only: unknown;
  try {
    only = Array.isArray(cases) && cases.length === 1 ? cases[0] : undefined;
  } catch (error) {
    return Promise.reject(error);
  }
  if (!(only instanceof Case)) return selectMany(cases, signal) as Promise<SelectResult<Cases>>;
  return selectOne(only, signal) as Promise<SelectResult<Cases>>;
}

/** Passes 1 to 3 for a select of any number of cases. */
function selectMany(cases: SelectCases, signal: AbortSignal | undefined): Promise<SelectResult> {
  let chosen: number;
  try {
    chosen = poll(cases, 'select');
  } catch (error) {
    return Promise.reject(error);
  }
  if (chosen >= 0)
    return (commit(cases, chosen, true) as Promise<SelectResult> | undefined) ?? selectMany(cases, signal);
  if (chosen === NO_CASES) {
    return Promise.reject(new TypeError('select(cases): needs at least one case that is not null or undefined'));
  }
  return parkCases(cases, signal);
}

/**
 * Pass 2: park on every case's channel. A function of its own: its executor closes over
 * `cases` and `signal`, and V8 allocates a function's context for the variables its closures
 * capture on entry, closure made or not — in {@link selectMany} that was 48 bytes for every
 * select that found a case ready at once (Node 20, bench/alloc.mjs W5).
 */
function parkCases(cases: SelectCases, signal: AbortSignal | undefined): Promise<SelectResult> {
  return new Promise<SelectResult>((resolve, reject) => {
    const group = new SelectGroup(resolve, reject, signal);
    // Build the waiters last case first, so each can point at the next case's waiter, and
    // draw a uniformly random order to queue them in (an "inside-out" Fisher–Yates shuffle).
    // Across channels the order does not matter; on one channel it decides which of this
    // select's cases a counterpart meets first, and that must be random too — two push cases
    // on one channel win half the time each, as in Go's TestPseudoRandomSend.
    const order: SelectWaiter<unknown>[] = [];
    let sibling: SelectWaiter<unknown> | undefined;
    for (let index = cases.length - 1; index >= 0; index--) {
      const selectCase = cases[index] as Case<unknown> | null | undefined;
      if (selectCase == null) continue;
      // Closed or ready since the poll found no case ready — by user code the poll ran (a
      // `Proxy` trap or getter on a parked operation's signal, read after this case was
      // looked at): poll again, where a closed channel's push case fails the select, and a
      // ready case commits (a case queued while ready would let a later value overtake the
      // buffered one, or a later push the parked one).
      if (selectCase.channel.isClosed || isReady(selectCase)) {
        resolve(selectMany(cases, signal));
        return;
      }
      sibling = new SelectWaiter(
        selectCase.channel,
        selectCase.kind === 'push',
        selectCase.value,
        group,
        index,
        sibling,
      );
      const slot = randomBelow(order.length + 1);
      order.push(order[slot] as SelectWaiter<unknown>);
      order[slot] = sibling;
    }
    group.first = sibling;
    for (const waiter of order) enqueue(waiter, waiter.isPush);
    // Debug mode's hook once every case is queued: taking the park's stack runs application
    // code (an `Error.prepareStackTrace`), and a close it makes must find every case queued to
    // fail (a case queued after it would wait on a closed channel for ever); once that settles
    // the select, `group.first` is cleared and the hook has nothing left to record.
    if (tracker !== undefined) {
      for (const waiter of order) {
        if (group.first === undefined) break;
        tracker(waiter, 'select');
      }
    }
    // Once every case's channel (and so the group) is collected, the signal still rejects it
    // (unless debug mode tracks one of them: see `park`). Watched once every case is queued,
    // for the same reason: `addEventListener` may run user code (a `Proxy`'s trap).
    if (signal !== undefined && group.first !== undefined) {
      let ref: Ref;
      try {
        ref = watch(signal, group, order.some(isTracked) ? undefined : reject);
      } catch (error) {
        // A signal whose `addEventListener` throws: the select rejects with that error and no
        // case stays queued — unless what that call ran settled it already.
        if (group.first !== undefined) release(group, undefined);
        throw error; // (the executor's: a rejection, which a settled select ignores)
      }
      if (group.first === undefined) unwatch(signal, ref);
      else group.ref = ref;
    }
    // Demand, last: a feeder may commit one of the cases at once, which releases the others
    // (then `group.first` is cleared and the loop stops). In the random order too: a lazy feeder
    // (`from`) reads its source when asked, and the first one asked commits first — asked in
    // case order, a select over two `from` channels always took the first.
    for (const waiter of order) {
      if (group.first === undefined) break;
      waiter.channel.feed?.(waiter.isPush);
    }
  });
}

/** Whether debug mode tracks the channel `waiter` is parked on (see {@link Mark.TRACKED}). */
function isTracked(waiter: Waiter<unknown>): number {
  return waiter.channel.debugMarks & Mark.TRACKED;
}

/**
 * The parked case of a one-case select: an ordinary waiter with the select's own signal, so it
 * needs no group and nothing to release. `resolve` is {@link wonAlone}, called as a method.
 */
class LoneSelectWaiter<T> extends SettlingWaiter<T, SelectResult> {
  constructor(
    channel: Channel<T>,
    /** Whether this is a push case (in `pushWaiters`) or a pull case. */
    readonly isPush: boolean,
    value: T | undefined,
    signal: AbortSignal | undefined,
  ) {
    super(channel, value, wonAlone as (value: T | PromiseLike<T>) => void, signal);
  }

  /** `close()` claimed it: a pull case fires with `ok: false`, a push case fails the select (see {@link SelectWaiter.fail}). */
  override fail(): void {
    this.settle(
      this.isPush
        ? rejecting(closedError(this.channel, 'select push'))
        : { index: 0, channel: this.channel, value: undefined, ok: false },
    );
  }

  /** Its signal aborted: the select rejects with the reason. */
  override cancel(): void {
    claim(this);
    this.settle(rejecting(reasonOf(this.signal)));
  }
}

/** A one-case select's case committed: resolve it (see {@link won}). */
function wonAlone(this: LoneSelectWaiter<unknown>, value: unknown): void {
  this.settle({ index: 0, channel: this.channel, value: this.isPush ? undefined : value, ok: true });
}

/**
 * A select of one case: the same passes without the choosing — commit now if the case is
 * ready, else park a {@link LoneSelectWaiter}. As fast as the operation itself, nearly.
 */
function selectOne(selectCase: Case<unknown>, signal: AbortSignal | undefined): Promise<SelectResult> {
  const { kind, channel, value } = selectCase;
  if (kind === 'push') {
    if (!channel.isClosed && commitPush(channel, value)) {
      return Promise.resolve({ index: 0, channel, value: undefined, ok: true });
    }
    // Closed before, or by user code the commit ran (a `Proxy` trap on a parked pull's signal).
    if (channel.isClosed) return Promise.reject(closedError(channel, 'select push'));
  } else {
    const pulled = commitPull(channel);
    if (pulled !== NOTHING) return Promise.resolve({ index: 0, channel, value: pulled, ok: true });
    if (channel.isClosed) return Promise.resolve({ index: 0, channel, value: undefined, ok: false });
  }
  // The waiter is made and parked outside the executor, which then only keeps `resolve`: V8
  // inlines such an executor and allocates no closure for it (as for a plain pull's).
  const waiter = new LoneSelectWaiter(channel, kind === 'push', value, signal);
  const promise = new Promise<SelectResult>((resolve) => {
    waiter.settle = resolve;
  });
  park(waiter, kind === 'push', 'select');
  return promise;
}

/**
 * The select with Go's `default`: commits a case that can proceed right now (chosen uniformly
 * at random among the ready ones) and returns its result, or returns `undefined` when none can
 * — including when every case is `null`/`undefined`. Never waits.
 *
 * @throws {TypeError} if `cases` is not an array, or an entry is not a case.
 * @throws {ChannelClosedError} if a push case's channel is closed.
 * @example
 * ```ts
 * import { Channel, pull, selectNowait } from 'chanasync';
 *
 * const messages = new Channel<string>(8);
 * const result = selectNowait([pull(messages)]);
 * if (result === undefined) console.log('nothing yet');
 * ```
 */
export function selectNowait<const Cases extends SelectCases>(cases: Cases): SelectResult<Cases> | undefined {
  const chosen = poll(cases, 'selectNowait');
  if (chosen >= 0) return (commit(cases, chosen, false) as SelectResult<Cases> | undefined) ?? selectNowait(cases);
  // None ready — unless user code the poll ran made ready a case it had looked at (see
  // parkCases): then it polls again.
  return chosen === -1 && (cases as unknown as readonly Case<unknown>[]).some(isReady)
    ? selectNowait(cases)
    : undefined;
}
