/**
 * Parked operations and the queues that hold them — the channel's `sendq`/`recvq`.
 *
 * A {@link Waiter} is one parked push or pull (Go's `sudog`). Each channel keeps two
 * intrusive, circular, doubly linked lists of them — `pushWaiters` and `pullWaiters` — through
 * the channel's `pushHead` and `pullHead` fields and the waiters' own `prev`/`next` links. Intrusive links make removal O(1) from anywhere in the queue, which is
 * what an abort (or a select that lost on this channel) needs: no array splice, no scan.
 *
 * Invariants, kept by `channel.ts`:
 * - A waiter is in at most one queue, and only while its promise is unsettled. It is unlinked
 *   (`claim`) exactly once, *before* it is settled, so a settled waiter is never found in a
 *   queue. Its own `prev`/`next` are stale from then on and never read again.
 * - A waiter with a `signal` has itself registered as that signal's `abort` listener exactly
 *   while it is queued.
 */
import type { Channel } from './channel.js';

/** One parked push or pull on one channel. */
export class Waiter<T = unknown> {
  /** Previous (older) waiter in the queue; the youngest one when this is the head. Set by `enqueue`. */
  declare prev: Waiter<T>;
  /** Next (younger) waiter in the queue; the head when this is the youngest. Set by `enqueue`. */
  declare next: Waiter<T>;

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
    readonly resolve: (value: T | PromiseLike<T>) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Fails the operation with `reason`; called only by `close()` (with a `ChannelClosedError`)
   * and by the abort handler (with the signal's reason), after `claim`.
   *
   * Why through `resolve`: a promise resolved with a rejected promise rejects with the same
   * reason, so a parked operation need not keep its promise's `reject` function, which is then
   * garbage at once — about 70 bytes less per parked operation, on the rare failing path two
   * microtasks later. Select waiters override this.
   */
  fail(reason: unknown): void {
    this.resolve(Promise.reject(reason));
  }

  /**
   * The `abort` listener (a waiter is its own `EventListener`, which saves a closure per
   * parked operation). Runs only while the waiter is queued: it leaves the queue without a
   * trace and fails with the signal's reason.
   */
  handleEvent(): void {
    claim(this).fail(this.signal!.reason);
  }
}

/*
 * Each queue is circular: the channel points at its head (oldest) waiter, `head.prev` is the
 * tail (youngest), and a lone waiter links to itself. That needs one field per queue on the
 * channel and no branch for "first" or "last" when linking and unlinking; a waiter need not
 * even know its queue, since only a head is pointed at from outside.
 */

/** Appends `waiter` at the tail of its channel's `pushWaiters` (`isPush`) or `pullWaiters`. */
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
 * Removes a queued `waiter` from its queue in O(1) and stops listening to its signal: from
 * here on the operation can be neither committed nor cancelled by anyone else, so the caller
 * settles it. Precondition: `waiter` is queued.
 */
export function claim<T>(waiter: Waiter<T>): Waiter<T> {
  const { channel, next, prev } = waiter;
  const newHead = next === waiter ? undefined : next;
  if (channel.pullHead === waiter) channel.pullHead = newHead;
  else if (channel.pushHead === waiter) channel.pushHead = newHead;
  prev.next = next;
  next.prev = prev;
  waiter.signal?.removeEventListener('abort', waiter);
  return waiter;
}

/** How many waiters a queue holds, by walking it (for `stats()`, not hot paths). */
export function countWaiters<T>(head: Waiter<T> | undefined): number {
  let count = 0;
  for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) count++;
  return count;
}
