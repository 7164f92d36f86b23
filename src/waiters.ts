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
  /** Previous (older) waiter in the queue; the youngest one when this is the head. */
  prev: Waiter<T> = this;
  /** Next (younger) waiter in the queue; the head when this is the youngest. */
  next: Waiter<T> = this;

  /**
   * @param channel the channel whose queue holds this waiter.
   * @param isPush true in `pushWaiters` (it offers `value`), false in `pullWaiters`.
   * @param value for a push, the value offered; for a pull, `undefined`.
   * @param resolve commits the operation: called with the pulled value (pull) or nothing (push).
   * @param reject fails the operation: called only by `close()` with a `ChannelClosedError`,
   *   or by the abort handler with the signal's reason.
   * @param signal the operation's abort signal, if it has one.
   */
  constructor(
    readonly channel: Channel<T>,
    readonly isPush: boolean,
    readonly value: T | undefined,
    readonly resolve: (value: T) => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * The `abort` listener (a waiter is its own `EventListener`, which saves a closure per
   * parked operation). Runs only while the waiter is queued: it leaves the queue without a
   * trace and fails with the signal's reason.
   */
  handleEvent(): void {
    this.reject(claim(this).signal?.reason);
  }
}

/*
 * Each queue is circular: the channel points at its head (oldest) waiter, `head.prev` is the
 * tail (youngest), and a lone waiter links to itself. That needs one field per queue on the
 * channel and no branch for "first" or "last" when linking and unlinking.
 */

/** The head of the queue `waiter` belongs in. */
function headOf<T>(waiter: Waiter<T>): Waiter<T> | undefined {
  return waiter.isPush ? waiter.channel.pushHead : waiter.channel.pullHead;
}

/** Makes `head` the head of the queue `waiter` belongs in. */
function setHead<T>(waiter: Waiter<T>, head: Waiter<T> | undefined): void {
  if (waiter.isPush) waiter.channel.pushHead = head;
  else waiter.channel.pullHead = head;
}

/** Appends `waiter` at the tail of its channel's push or pull queue. */
export function enqueue<T>(waiter: Waiter<T>): void {
  const head = headOf(waiter);
  if (head === undefined) {
    setHead(waiter, waiter);
  } else {
    const tail = head.prev;
    waiter.prev = tail;
    waiter.next = head;
    tail.next = waiter;
    head.prev = waiter;
  }
}

/**
 * Removes a queued `waiter` from its queue in O(1) and stops listening to its signal: from
 * here on the operation can be neither committed nor cancelled by anyone else, so the caller
 * settles it. Precondition: `waiter` is queued.
 */
export function claim<T>(waiter: Waiter<T>): Waiter<T> {
  const { next, prev } = waiter;
  if (headOf(waiter) === waiter) setHead(waiter, next === waiter ? undefined : next);
  prev.next = next;
  next.prev = prev;
  waiter.signal?.removeEventListener('abort', waiter);
  return waiter;
}

/** How many waiters a queue holds, by walking it (for `stats()`, not hot paths). */
export function countWaiters<T>(head: Waiter<T> | undefined): number {
  let count = 0;
  if (head !== undefined) for (let waiter = head; count === 0 || waiter !== head; waiter = waiter.next) count++;
  return count;
}
