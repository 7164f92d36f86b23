/**
 * The plain-array model of ONE channel, straight from SPEC.md ("Channel<T>", "Errors").
 *
 * State: `buffer` (committed values, oldest first), `pushers` and `pullers` (parked operations,
 * oldest first), `closed` and `closeReason`. Every operation has a unique id; the model records
 * each operation's expected {@link Outcome} in `outcomes`, and every value the drop policy
 * discarded in `dropped`. Everything is synchronous: the real channel must agree once its
 * promise reactions have run.
 */
import type { Overflow } from '../../src/index.js';

/** How an operation ended, or that it has not (yet). Shared by the model and the observations. */
export type Outcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'value'; readonly value: unknown } // resolved (promise) or returned (nowait)
  | { readonly kind: 'closed'; readonly cause: unknown } // ChannelClosedError with this `cause`
  | { readonly kind: 'full' } // ChannelFullError
  | { readonly kind: 'empty' } // ChannelEmptyError
  | { readonly kind: 'reason'; readonly reason: unknown }; // rejected with exactly this value

/** The three ways to pull: `pull()`, `pullNowait()` and an iterator's `next()`. */
export type PullKind = 'pull' | 'pullNowait' | 'next';

export class ChannelModel {
  readonly buffer: number[] = [];
  readonly pushers: { id: number; value: number }[] = [];
  readonly pullers: { id: number; how: PullKind }[] = [];
  closed = false;
  closeReason: unknown = undefined;
  readonly dropped: number[] = [];
  readonly outcomes = new Map<number, Outcome>();

  constructor(
    readonly capacity: number,
    readonly overflow: Overflow,
  ) {}

  /** `push(value)` (`wait`) or `pushNowait(value)`; `aborted`: the signal was aborted beforehand. */
  push(id: number, value: number, wait: boolean, aborted?: { reason: unknown }): void {
    this.settle(id, this.pushOutcome(id, value, wait, aborted));
  }

  /** `pull()`, `pullNowait()` or `[Symbol.asyncIterator]().next()`. */
  pull(id: number, how: PullKind, aborted?: { reason: unknown }): void {
    this.settle(id, this.pullOutcome(id, how, aborted));
  }

  private pushOutcome(id: number, value: number, wait: boolean, aborted?: { reason: unknown }): Outcome {
    if (aborted) return { kind: 'reason', reason: aborted.reason }; // checked first, even when closed
    if (this.closed) return { kind: 'closed', cause: this.closeReason };
    const puller = this.pullers.shift(); // a parked pull means an empty buffer
    if (puller) {
      this.deliver(puller, value);
    } else if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
    } else if (this.overflow === 'drop-oldest') {
      this.dropped.push(this.buffer.shift()!); // the drop modes have capacity >= 1: never empty here
      this.buffer.push(value);
    } else if (this.overflow === 'drop-newest') {
      this.dropped.push(value);
    } else if (wait) {
      this.pushers.push({ id, value });
      return { kind: 'pending' };
    } else {
      return { kind: 'full' };
    }
    return { kind: 'value', value: undefined };
  }

  private pullOutcome(id: number, how: PullKind, aborted?: { reason: unknown }): Outcome {
    if (aborted) return { kind: 'reason', reason: aborted.reason }; // checked first
    const pusher = this.pushers.shift(); // parked pushes mean a full buffer (or an unbuffered one)
    if (pusher) {
      this.buffer.push(pusher.value); // its value is next in line after the buffered ones
      this.settle(pusher.id, { kind: 'value', value: undefined });
    }
    const value = this.buffer.shift();
    if (value !== undefined) return this.received(how, value);
    if (this.closed) return this.drained(how);
    if (how === 'pullNowait') return { kind: 'empty' };
    this.pullers.push({ id, how });
    return { kind: 'pending' };
  }

  /** `close(reason)`: idempotent; fails every parked operation, keeps the buffer. */
  close(reason: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    for (const puller of this.pullers.splice(0)) this.settle(puller.id, this.drained(puller.how));
    for (const pusher of this.pushers.splice(0)) this.settle(pusher.id, { kind: 'closed', cause: reason });
  }

  /** The signal of operation `id` aborts: if it is still parked it leaves without a trace. */
  abort(id: number, reason: unknown): void {
    const queue: { id: number }[] = this.pushers.some((p) => p.id === id) ? this.pushers : this.pullers;
    const index = queue.findIndex((waiter) => waiter.id === id);
    if (index < 0) return; // already settled: nothing changes
    queue.splice(index, 1);
    this.settle(id, { kind: 'reason', reason });
  }

  /** How a pull ends on a closed, drained channel. */
  private drained(how: PullKind): Outcome {
    if (how !== 'next') return { kind: 'closed', cause: this.closeReason };
    if (this.closeReason === undefined) return { kind: 'value', value: { done: true, value: undefined } };
    return { kind: 'reason', reason: this.closeReason };
  }

  private deliver(puller: { id: number; how: PullKind }, value: number): void {
    this.settle(puller.id, this.received(puller.how, value));
  }

  private received(how: PullKind, value: number): Outcome {
    return { kind: 'value', value: how === 'next' ? { done: false, value } : value };
  }

  private settle(id: number, outcome: Outcome): void {
    this.outcomes.set(id, outcome);
  }
}
