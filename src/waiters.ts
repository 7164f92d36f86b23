/**
 * Parked operations and the queues that hold them — the channel's `sendq`/`recvq`.
 *
 * A {@link Waiter} is one parked push or pull (Go's `sudog`). Each channel keeps two
 * intrusive, circular, doubly linked lists of them — `pushWaiters` and `pullWaiters` — through
 * the channel's `pushHead` and `pullHead` fields and the waiters' own `prev`/`next` links.
 * Intrusive links make removal O(1) from anywhere in the queue, which is what an abort (or a
 * select that lost on this channel) needs: no array splice, no scan.
 *
 * Invariants, kept by `channel.ts`:
 * - A waiter is in at most one queue, and only while its promise is unsettled. It is unlinked
 *   (`claim`) exactly once, *before* it is settled, so a settled waiter is never found in a
 *   queue. Its own `prev`/`next` are stale from then on and never read again.
 * - A waiter with its own `signal` is watched by that signal (`signals.ts`) exactly while it is
 *   queued; `ref` is its handle there. A select's case waiters carry the select's signal for
 *   the aborted check, but the select's group is what is watched.
 * - An operation whose signal is aborted is never committed: whoever would commit to it
 *   cancels it first (its own abort listener may not have run yet — see `liveHead`).
 */
import type { Channel } from './channel.js';
import { type Cancellable, type Ref, reasonOf, unwatch, watch } from './signals.js';
import { Mark, type Tracker, tracker } from './tracker.js';

/** One parked push or pull on one channel. */
export class Waiter<T = unknown> implements Cancellable {
  /**
   * @internal Previous (older) waiter in the queue; the youngest one when this is the head. Set
   * by `enqueue`.
   */
  declare prev: Waiter<T>;
  /** @internal Next (younger) waiter in the queue; the head when this is the youngest. Set by `enqueue`. */
  declare next: Waiter<T>;
  /** The handle of this waiter in its signal's watch, while it is queued with a signal of its own. */
  ref: Ref | undefined = undefined;
  /**
   * @internal A relay's pull (merge, broadcast, `from`, a stream) that may read ahead with nobody
   * waiting on the relay: whether a pull with no way out of its own waits on the relay now, for
   * {@link hold}, which it calls on the relay. Undefined for every other waiter.
   */
  wanted?(): boolean | undefined;

  /**
   * @param channel the channel whose queue holds this waiter.
   * @param value for a push, the value offered; for a pull, `undefined`.
   * @param resolve commits the operation — called as a method with the pulled value (pull) or
   *   nothing (push) — or, given a rejected promise, fails it (see {@link Waiter.fail}).
   * @param signal the operation's abort signal, if it has one.
   */
  constructor(
    readonly channel: Channel<T>,
    readonly value: T | undefined,
    public resolve: (value: T | PromiseLike<T>) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Fails the operation with `reason`, after `claim`: called by `close()` (with a
   * `ChannelClosedError`) and by {@link Waiter.cancel}.
   *
   * Why through `resolve`: a promise resolved with a thenable that rejects rejects with the
   * same reason, so a parked operation need not keep its promise's `reject` function, which is
   * then garbage at once — about 70 bytes less per parked operation, on the rare failing path
   * two microtasks later (the thenable settles the promise with a second one, which rejects
   * it). Select waiters override this.
   *
   * Why a thenable and not `Promise.reject(reason)`, which rejects at the same microtask: that
   * promise is rejected with no handler until the operation's promise adopts it, and Gecko's
   * bookkeeping of such promises is quadratic — 100,000 parked pulls, their callers awaiting
   * them, took 6 s to settle in Firefox 153 after an abort and 14 s after a close that way,
   * 0.4 s and 0.5 s this way.
   *
   * @internal
   */
  fail(reason: unknown): void {
    this.resolve(rejecting(reason) as never);
  }

  /** Its signal aborted while it was queued: leave the queue without a trace and fail with the reason. */
  cancel(): void {
    claim(this).fail(reasonOf(this.signal));
  }
}

/**
 * A parked operation whose promise does not settle with the committed value as is: the
 * `resolve` given to the constructor is a method that maps the value and hands the result to
 * `settle`, the promise's own resolve. Failing settles with {@link rejecting}, as
 * {@link Waiter.fail} does. A parked `pullMany` (`[value]` in the same microtask as a `pull`,
 * without the extra promise and microtask of a `then`) and a one-case select.
 */
export class SettlingWaiter<T, R> extends Waiter<T> {
  /** @internal The promise's resolve: set right after the waiter is made, before it parks. */
  declare settle: (result: R | PromiseLike<never>) => void;

  /** @internal */
  override fail(reason: unknown): void {
    this.settle(rejecting(reason));
  }
}

/**
 * What fails a parked operation through its promise's `resolve` alone, once the signal finds the
 * waiter collected. A function of its own, so that the closure holds `resolve` and nothing else
 * of the caller's (never the waiter).
 */
function failing(resolve: (result: PromiseLike<never>) => void): (reason: unknown) => void {
  return (reason) => resolve(rejecting(reason));
}

/** A promise's resolve or reject function, as a thenable's `then` is handed them. */
type Settle = (value: unknown) => void;

/**
 * What a parked operation's promise is resolved with to reject it with `reason` (see
 * {@link Waiter.fail}): a thenable that settles it with a second one, which rejects — two
 * microtasks, as adopting `Promise.reject(reason)` took, without a rejected promise that has no
 * handler yet.
 */
export function rejecting(reason: unknown): PromiseLike<never> {
  return {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    then: (settle: Settle) =>
      settle({
        // biome-ignore lint/suspicious/noThenProperty: the second thenable, which rejects
        then: (_: Settle, reject: Settle) => reject(reason),
      }),
  } as PromiseLike<never>;
}

/*
 * Each queue is circular: the channel points at its head (oldest) waiter, `head.prev` is the
 * tail (youngest), and a lone waiter links to itself. That needs one field per queue on the
 * channel and no branch for "first" or "last" when linking and unlinking; a waiter need not
 * even know its queue, since only a head is pointed at from outside.
 */

/**
 * Appends `waiter` at the tail of its channel's `pushWaiters` (`isPush`) or `pullWaiters`, and
 * has its signal (if it has one of its own) watch it.
 */
export function enqueue<T>(waiter: Waiter<T>, isPush: boolean): void {
  const channel = waiter.channel;
  const head = isPush ? channel.pushHead : channel.pullHead;
  // A lone waiter links to itself; the links are always set in the same order (prev, then
  // next), so every waiter ends up with the same hidden class.
  const tail = head === undefined ? waiter : head.prev;
  waiter.prev = tail;
  waiter.next = head ?? waiter;
  tail.next = waiter;
  if (head === undefined) {
    if (isPush) channel.pushHead = waiter;
    else channel.pullHead = waiter;
  } else {
    head.prev = waiter;
  }
}

/**
 * Parks the waiter of a single operation (not a case of a multi-case select, which parks its
 * cases itself): queues it, has its signal (if any) watch it, tells debug mode, then tells the
 * channel's feeder (if any): a pull-side park that there is demand — last, since the feeder may
 * commit to this very waiter — and a push-side one with `true`, as a waiter that leaves does
 * (a `fromEvent` channel or a subscriber holds itself for it: {@link hold}; other feeders have
 * nothing to do).
 *
 * `fail` is how the signal fails the operation once the waiter was collected with its channel
 * (see `signals.ts`): by default its promise's own resolve, given a {@link rejecting} thenable.
 * It must not reach the waiter or the channel (a `pushAll` gives one that settles its own
 * promise). On a channel debug mode tracks there is none ({@link Mark.TRACKED}): a continuation
 * that holds the channel would keep it alive through that way out, and debug mode is there to
 * report such an operation as leaked. Turning debug mode off gives the operations still parked
 * theirs.
 *
 * `owner` is what parks on behalf of its caller, for debug mode (a `pushAll`'s batch, a `toPort`
 * sender: see {@link Tracker}).
 *
 * @internal
 */
export function park<T>(
  waiter: Waiter<T>,
  isPush: boolean,
  kind: 'push' | 'pull' | 'select',
  fail?: (reason: unknown) => void,
  owner?: object,
): void {
  enqueue(waiter, isPush);
  if (waiter.signal !== undefined && !watchParked(waiter, waiter.signal, fail)) return;
  if (tracker !== undefined && !(waiter.channel.debugMarks & Mark.NOTED)) tracker(waiter, kind, owner);
  waiter.channel.feed?.(isPush);
}

/**
 * Has `signal` watch `waiter`, just queued by {@link park}; returns whether it is still parked.
 * Watched once queued: the signal's `addEventListener` may run user code (a `Proxy`'s trap) that
 * closes the channel or commits to this very waiter, and must find it queued. A function of its
 * own, apart from `park`: inline there, it made `park` too large for V8 to inline into the push
 * and pull that park (13% more instructions per unbuffered push and pull, though no signal was
 * involved: `node scripts/instructions.mjs unbuffered`, 2,620 against 2,308).
 */
function watchParked<T>(waiter: Waiter<T>, signal: AbortSignal, fail?: (reason: unknown) => void): boolean {
  let ref: Ref;
  try {
    ref = watch(signal, waiter, wayOut(waiter, fail));
  } catch (error) {
    // A signal whose `addEventListener` throws (a duck-typed one): the operation fails with
    // that error and leaves its queue (a later commit would feed it, losing the value) —
    // unless what that call ran settled it already: then that outcome stands.
    if (!queued(waiter)) return false;
    claim(waiter);
    throw error;
  }
  // Settled meanwhile by what `addEventListener` ran: nothing is parked to watch.
  if (!queued(waiter)) {
    unwatch(signal, ref);
    return false;
  }
  waiter.ref = ref;
  return true;
}

/**
 * The way out of `waiter`, about to be watched by its signal (see {@link park}): `fail`, or by
 * default its promise's own resolve given a {@link rejecting} thenable — kept on the waiter
 * instead, and none returned, on a channel debug mode tracks. A function of its own, apart
 * from `park`: inline there, it made `park` too large for V8 to inline into the push and pull
 * that park (+10% instructions per unbuffered push and pull, though no signal was involved).
 */
function wayOut<T>(waiter: Waiter<T>, fail?: (reason: unknown) => void): ((reason: unknown) => void) | undefined {
  const out = fail ?? failing((waiter as SettlingWaiter<T, T>).settle ?? waiter.resolve);
  if (!(waiter.channel.debugMarks & Mark.TRACKED)) return out;
  (waiter as Withholding<T>).withheld = out;
  return undefined;
}

/**
 * A waiter parked with a signal on a channel debug mode tracks: the way out its signal's watch
 * does not hold while debug mode is on (see {@link park}), for debug mode to hand over when it
 * stops following the channel (`untrack` in `debug/snapshot.ts`).
 *
 * @internal
 */
export type Withholding<T> = Waiter<T> & { withheld?: (reason: unknown) => void };

/**
 * Whether `waiter` is in its channel's queue: its head, or linked to by its predecessor (`claim`
 * relinks the predecessor past it and links the waiter to itself, and nothing links to it again).
 */
export function queued<T>(waiter: Waiter<T>): boolean {
  const { channel, prev } = waiter;
  return channel.pullHead === waiter || channel.pushHead === waiter || (prev !== waiter && prev.next === waiter);
}

/**
 * Removes a queued `waiter` from its queue in O(1) and stops watching its signal: from here on
 * the operation can be neither committed nor cancelled by anyone else, so the caller settles
 * it. Precondition: `waiter` is queued.
 */
export function claim<T>(waiter: Waiter<T>): Waiter<T> {
  const { channel, next, prev, ref } = waiter;
  const newHead = next === waiter ? undefined : next;
  if (channel.pullHead === waiter) channel.pullHead = newHead;
  else if (channel.pushHead === waiter) channel.pushHead = newHead;
  prev.next = next;
  next.prev = prev;
  // Linked to itself, as no queue's member is but a lone head: a claimed waiter that something
  // still holds (an iterator's note, a stream's or a port sender's waiter) must not hold the
  // waiters queued around it — each of those, claimed in turn, the next, and each the value it
  // settled with: a chain through every later operation on the channel, never collected.
  waiter.next = waiter.prev = waiter;
  if (ref !== undefined) unwatch(waiter.signal as AbortSignal, ref);
  if (channel.debugMarks & Mark.RECORDED) tracker?.(waiter, 'leave');
  // A capacity-0 port receiver's channel: a pull that leaves may take its credit back.
  if (channel.debugMarks & Mark.LEAVES) channel.feed?.(true);
  return waiter;
}

/**
 * The head of a queue that may commit: first cancels the aborted operations at the head, whose
 * abort listener has not run yet (an earlier listener of the same signal may be pushing right
 * now, or the signal follows another through `AbortSignal.any`). An aborted signal is checked
 * first, always: no value is committed to, or taken from, an aborted operation.
 */
export function liveHead<T>(channel: Channel<T>, isPush: boolean): Waiter<T> | undefined {
  let head: Waiter<T> | undefined;
  // This exact loop: restructured without the assignment (`head?.signal?.aborted`, the load
  // repeated after a cancel) it measured 3% more instructions per push and pull on a buffered
  // channel (`node scripts/instructions.mjs buffered`).
  // biome-ignore lint/suspicious/noAssignInExpressions: the head is re-read after every cancel
  while ((head = isPush ? channel.pushHead : channel.pullHead)?.signal !== undefined) {
    // Reading `aborted` may run user code — a `Proxy`'s trap, a getter of a duck-typed signal —
    // that pulls, pushes, closes or aborts on this very channel: then `head` may have left the
    // queue, and committing to it (or cancelling it) would deliver a value twice or lose one.
    // So the head is read again.
    // A signal whose `aborted` read throws is taken for not aborted: commit points never throw,
    // so a pullMany, a close(), a merge or a broadcast never stops half-way, losing what it took.
    let aborted: boolean | undefined;
    try {
      aborted = (head as Waiter<T>).signal?.aborted;
    } catch {}
    if (head === (isPush ? channel.pushHead : channel.pullHead)) {
      if (!aborted) break;
      (head as Waiter<T>).cancel();
    }
  }
  return head;
}

/** How many waiters a queue holds, by walking it (for `stats()`, not hot paths). */
export function countWaiters<T>(head: Waiter<T> | undefined): number {
  let count = 0;
  for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) count++;
  return count;
}

/**
 * A channel as {@link hold} sees it: its queues and marks, and, for a channel its signal closes
 * (`fromEvent`'s, a broadcast subscriber), `ref`, its signal's watch of it.
 *
 * @internal
 */
export interface Waited<T> {
  ref?: Ref | undefined;
  pullHead: Waiter<T> | undefined;
  pushHead: Waiter<T> | undefined;
  debugMarks: number;
}

/**
 * Whether an operation with no way out of its own waits on `channel` — and if `channel` is one
 * its signal closes (`fromEvent`'s, a broadcast subscriber: it has a `ref`), has the signal hold
 * it strongly while one does, and weakly otherwise (see "Why held while waited on" in
 * `signals.ts`). Called by the channel's feeder whenever an operation parks on it and, once
 * this marked the channel {@link Mark.LEAVES}, whenever one leaves; by the relays reading it when a
 * pull parks on them or leaves them (`feed(true)`); and for a relay's pull, to know whether the
 * relay is waited on in turn ({@link Waiter.wanted}).
 *
 * What waits is its pulls, else its pushes (a block-mode channel that is full). O(1) but for
 * relays: it looks at the newest parked operation only. It needs the hold if it has no signal
 * of its own (a relay's stand-in for one — a broadcast's, `from`'s: no listener methods — is
 * none), unless it is a relay's pull and nothing waits on the relay with no way out (it reads
 * ahead: a long-lived signal must not keep an abandoned relay). An operation with a signal of
 * its own (a select's case, with the select's) has its way out already, and must not make its
 * signal's watch keep an abandoned channel (the SPEC's retention rule). One that needs the hold
 * holds the channel; one that does not lets it go if it is the only one parked, and else leaves
 * the hold as it was — so a hold found for an older operation lasts while those parked after it
 * wait, even once it left (until they leave, or the abort). Never on a channel debug mode
 * tracks, which must be collected for the wait to be reported as leaked: `untrack` calls this
 * as debug mode lets go.
 *
 * Marks `channel` {@link Mark.LEAVES}, so that its feeder hears of each operation that leaves it: a
 * relay's feeder then tells its inputs' feeders (`feed(true)`), which call this again.
 *
 * @internal
 */
export function hold<T>(channel: Waited<T>): boolean | undefined {
  channel.debugMarks |= Mark.LEAVES;
  const head = channel.pullHead ?? channel.pushHead;
  const newest = head?.prev;
  const waited =
    newest &&
    !(channel.debugMarks & Mark.TRACKED) &&
    (newest.wanted ? newest.wanted() : !newest.signal?.addEventListener);
  const ref = channel.ref;
  if (ref) ref.heldWhileWaited = waited ? channel : newest !== head && ref.heldWhileWaited;
  return waited;
}
