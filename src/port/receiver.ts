/**
 * `fromPort`: the receiving end of a channel that spans two contexts.
 *
 * The receiving channel is an ordinary {@link Channel} (created with `input: true`); the
 * {@link Receiver} feeds it from the port at its commit points and tells the sender how much
 * room there is.
 *
 * Invariants:
 * - **Who owns a value.** A value that arrived belongs to the sender until it is committed
 *   into the channel (`commitPush`: buffer or parked pull); then it belongs to this side, and
 *   `committed` counts it. Values that arrived but found no room yet wait in `pending`, in
 *   order, ahead of any later value; they are committed first, at the channel's next demand
 *   (the `feed` hook), and are *not* counted: if the channel closes first, the sender lists
 *   them in `undelivered`.
 * - **Credit.** `granted` (cumulative) is raised to `committed + free`, where `free` is the
 *   number of free slots (capacity 0: the number of parked pulls that can take a value — a
 *   relay's pull counts only while the relay has room, see `wantedPulls`), and never lowered —
 *   except for capacity 0, where a parked pull that gives up takes its credit back: `granted`
 *   is then lowered to the values that arrived plus those pulls (`revoke`), and raised again
 *   when a relay's pull can take a value again (the relay tells this channel's feeder). So
 *   `granted - committed` — values posted or pending but not committed — plus the values
 *   buffered never exceeds the capacity (for capacity 0: the parked pulls, plus the values
 *   posted before the sender heard a pull gave up), unless code on this side pushed into the
 *   channel itself.
 * - Every batch is acknowledged (its commits counted in a `credit`) right after the turn it
 *   arrived in — by the new credit the consumer's pulls raised meanwhile, or by a `credit` of
 *   its own. New credit is posted once the credit not yet posted reaches a quarter of the
 *   capacity (at least 1): the sender then always holds enough credit, a consumer that pulls
 *   one value at a time does not cost one message per value, and batches stay a quarter of the
 *   window — a whole window in one message would be serialized, carried and deserialized while
 *   both sides wait (measured in Chromium: quarters beat halves for 64 KB buffers, and were no
 *   worse for small values). For the same reason, credit of half the window or more freed at
 *   once (the first credit, a consumer that empties the buffer in one go) is posted in quarter
 *   steps, one message each (a step is at least 128 values). When credit is withheld, the buffer holds more than three quarters of the capacity, or
 *   capacity 0 has no parked pull, so the consumer has values to pull or wants none: no
 *   deadlock.
 */
import { Channel, commitPush } from '../channel.js';
import { ChannelError } from '../errors.js';
import { isSignal, unwatch, watch } from '../signals.js';
import { Mark } from '../tracker.js';
import type { Waiter } from '../waiters.js';
import { PORT_SOURCE, PORT_VERSION, type PortMessage, type ReadyMessage } from './protocol.js';
import { atEndOfTurn } from './schedule.js';
import {
  endpointOf,
  GONE_AFTER_MS,
  isWindow,
  nextEvent,
  type PortLike,
  randomId,
  realm,
  STALE_AFTER_MS,
  Stream,
  type TransferableValue,
  windowOrigin,
} from './transport.js';

/**
 * The least credit posted in one step when much is granted at once (see `postCredit`): below
 * this, a batch is too small for the overlap of two batches to pay for the extra message.
 */
const CREDIT_STEP_MIN = 128;

/** Options of {@link fromPort}. */
export interface FromPortOptions {
  /** The stream's name: pairs with the `toPort` of the same name on the other side (default `''`). */
  name?: string | undefined;
  /**
   * The receiving channel's capacity (default `0`): how many values may be posted and
   * buffered ahead of this side's pulls. `0` is a rendezvous across contexts: one value is
   * posted per parked pull, and the remote `push` resolves only once a pull here took it.
   */
  capacity?: number | undefined;
  /**
   * Required when `port` is a `Window`: the origin the sending window must have (checked on
   * every message, and the target origin of every message posted to it); checked but unused
   * for any other port, whose messages carry no origin. `'*'` accepts any origin, on purpose.
   * Read as `postMessage` reads a target origin: the origin of the URL
   * given (`'https://App.example/'` is `'https://app.example'`), `'/'` for this context's own.
   */
  origin?: string | undefined;
  /**
   * Closes the receiving channel when it aborts, as closing it by hand does (without a reason:
   * a `for await` over it ends normally; values already committed stay readable, the sender
   * stops and its `toPort` resolves with what it still held). Already aborted: `fromPort`
   * returns a closed channel and leaves the port alone.
   */
  signal?: AbortSignal | undefined;
}

/** The `fromPort` channel: closing it tells the sender, which stops. */
class PortChannel<T> extends Channel<T> {
  /** The receiver that feeds this channel; set right after construction. */
  declare receiver: Receiver<T>;
  /** Takes the channel out of its signal's set (`signals.ts`), if it has a signal. */
  declare release: (() => void) | undefined;

  /** Closes the channel (see {@link Channel.close}) and tells the sender, once. */
  override close(reason?: unknown): void {
    // Detached from its channel (`promise.finally(channel.close)`): Channel's close refuses it
    // with its clear TypeError, instead of this one failing on `this` with an unclear one.
    if (!isPortChannel(this)) {
      super.close(reason); // throws
      return;
    }
    if (this.isClosed) return;
    super.close(reason);
    this.receiver.closed();
    this.release?.();
  }
}

/**
 * Whether `value` is a {@link PortChannel}. Outside the class: a class that names itself in its
 * own body is renamed by esbuild (`class _PortChannel`), which `console.log` would show.
 */
function isPortChannel(value: unknown): value is PortChannel<unknown> {
  return value instanceof PortChannel;
}

/** The receiving end of one stream. */
class Receiver<T> extends Stream {
  /** Values that arrived and found no room yet, from `pendingHead` on (see the invariants). */
  private pending: T[] = [];
  /** Index of the oldest value of `pending`. */
  private pendingHead = 0;
  /** Values committed into the channel, in all. */
  private committed = 0;
  /**
   * Credit granted, in all: the highest `committed + free` computed — for capacity 0, lowered
   * again when a parked pull gives up (see `left`).
   */
  private granted = 0;
  /** The `granted` last posted. */
  private postedGranted = 0;
  /** Whether a `credit` check is queued (a microtask). */
  private creditQueued = false;
  /** Capacity 0: whether a check for credit to take back is queued (a microtask; see `left`). */
  private revokeQueued = false;
  /** The `committed` last posted. */
  private postedCommitted = 0;
  /** Whether an acknowledgement is queued for right after this turn. */
  private ackQueued = false;
  /** The end-of-turn acknowledgement: posts `committed` unless a `credit` carried it already. */
  private readonly ackAtEnd = (): void => {
    this.ackQueued = false;
    if (this.committed > this.postedCommitted) this.postCredit(true);
  };
  /** Inside {@link Receiver.commitPending}: a nested call (through `feed`) has nothing to do. */
  private committing = false;
  /** `end` arrived but pending values wait for room: the close reason to apply once they are in. */
  private ending: { reason: unknown } | undefined = undefined;
  /** Set once the stream is over: the channel is closed and the endpoint left. */
  private done = false;
  /** New credit is posted once it reaches this: a quarter of the capacity, at least 1. */
  private readonly threshold: number;
  /**
   * When this receiver was created (`Date.now()`): a sender that gave up while pairing before
   * that is no sender of its (see `gaveUpAt` in protocol.ts).
   */
  private readonly createdAt = Date.now();
  /** This receiver's id: named in its `credit` and `closed`; its sender addresses it. */
  private readonly id = randomId();
  /** Whether the bound sender addressed a `values` or `end` to this receiver (then it is ours). */
  private confirmed = false;
  /** Whether the channel closed because a message of the sender never arrived (see `lose`). */
  private lost = false;
  /**
   * Set while this side, silent too long, asks its sender whether it still runs the stream
   * (see {@link Receiver.stale}): the `ping` nonce the sender's `pong` must echo, when it was
   * posted, and how long this side had been silent.
   */
  private verifying: { nonce: string; since: number; silence: number } | undefined = undefined;

  constructor(
    readonly channel: PortChannel<T>,
    port: PortLike,
    name: string,
    origin: string,
  ) {
    super(endpointOf(port, 'fromPort(port, options)'), name, false, origin);
    this.threshold = Math.max(1, Math.floor(channel.limit / 4));
  }

  /**
   * The channel's `feed` hook: there is demand or room. Commits what waits, then queues a
   * `credit` (one microtask, which coalesces the demand of one burst of pulls) — only when
   * enough new credit piled up: a consumer pulling value after value costs a comparison each.
   */
  demand(): void {
    if (this.done || this.session === '' || this.verifying !== undefined) return;
    if (this.pending.length > 0 || this.ending !== undefined) {
      this.commitPending();
      if (this.done) return;
    }
    if (!this.creditQueued && this.committed + this.free() - this.postedGranted >= this.threshold) {
      this.creditQueued = true;
      queueMicrotask(() => {
        this.creditQueued = false;
        this.postCredit(false);
      });
    }
  }

  /**
   * Capacity 0 (the channel is marked `LEAVES`): an operation left the channel's queue — a
   * parked pull may have given up (its signal aborted, a select's other case won, an iterator
   * returned) or been served by a push made on this side — or a relay reading this channel
   * (a broadcast, `from`) found room or lost it. Credit posted and not yet used for a pull that
   * can no longer take a value is taken back at the end of the microtask (see `revoke`); a
   * relay's pull that can take a value again raises it again (`demand`).
   */
  left(): void {
    if (this.revokeQueued) return;
    this.revokeQueued = true;
    queueMicrotask(() => {
      this.revokeQueued = false;
      this.revoke();
      this.demand();
    });
  }

  /**
   * Capacity 0: lowers the credit to the values that arrived plus the pulls parked now, when it
   * was more — a pull that gave up takes its credit back, so the sender's `push` does not
   * resolve on it with no pull to take the value. (Values the sender posted on it before it
   * heard of this arrive anyway: they wait at the receiver, in order, for the next pull, and
   * the credit that pull raises is then already used.) Not while this side verifies that its
   * sender still runs the stream: no `credit` goes out then.
   */
  private revoke(): void {
    if (this.done || this.session === '' || this.verifying !== undefined) return;
    const granted = this.arrived() + this.free();
    if (granted >= this.granted) return;
    this.granted = granted;
    if (granted < this.postedGranted) {
      this.postedGranted = granted;
      this.postGranted();
    }
  }

  /** Free room, as credit: free slots, or for capacity 0 the parked pulls that can take a value. */
  private free(): number {
    const channel = this.channel;
    return channel.limit === 0 ? wantedPulls(channel.pullHead) : channel.limit - channel.filled;
  }

  /**
   * Raises `granted`, and posts a `credit`: when `ack` (after a batch, to acknowledge its
   * commits), or when enough new credit piled up. New credit goes out only once it reaches the
   * threshold, even in an acknowledgement: a sender given one slot at a time would post one
   * value per message.
   */
  private postCredit(ack: boolean): void {
    if (this.done) return;
    this.granted = Math.max(this.granted, this.committed + this.free());
    const raise = this.granted - this.postedGranted >= this.threshold;
    if (!raise && !ack) return;
    this.postedCommitted = this.committed;
    if (raise) {
      // Much new credit at once — a consumer that emptied the buffer in one go, or the first
      // credit — goes out in steps, one `credit` each: the sender reads each in a turn of its
      // own and posts a batch per step, so the first batch is serialized, carried and
      // deserialized while the sender pulls the next, instead of one batch of the whole window
      // while both sides wait (Chromium, page → Worker, capacity 2048, a consumer taking
      // everything buffered with pullMany: 0.60–0.66× the 1024-value ceiling with one message,
      // 0.88–0.89× in steps). A step is a quarter of the capacity, and at least
      // CREDIT_STEP_MIN values: smaller batches would cost more in messages than they gain.
      const step = Math.max(this.threshold, CREDIT_STEP_MIN);
      while (this.granted - this.postedGranted >= 2 * step && Number.isFinite(this.granted) && !this.done) {
        this.postedGranted += step;
        this.postGranted();
      }
      if (this.done) return;
      this.postedGranted = this.granted;
    }
    this.postGranted();
  }

  /** Posts a `credit` with the credit granted so far and the commit count. */
  private postGranted(): void {
    if (this.done) return; // a closed receiver has left the session: nothing to grant
    // A credit beyond the safe integers (a capacity of 2^53 or more) is as good as unbounded,
    // and the wire format only carries exact counts: it goes as Infinity.
    const granted = this.postedGranted > Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : this.postedGranted;
    this.trySend({ ...this.envelope(), type: 'credit', granted, committed: this.committed, receiver: this.id });
  }

  /**
   * Acknowledges the values committed so far right after this turn — after the consumer's
   * microtasks, which usually free enough room for new credit: then one `credit` carries both,
   * and the acknowledgement is not posted on its own (one message per batch instead of two).
   */
  private queueAck(): void {
    if (this.ackQueued || this.committed === this.postedCommitted) return;
    this.ackQueued = true;
    atEndOfTurn(this.ackAtEnd);
  }

  /** Commits pending values while the channel takes them; closes if `end` was waiting for that. */
  private commitPending(): void {
    if (this.committing) return;
    this.committing = true;
    const pending = this.pending;
    while (this.pendingHead < pending.length && !this.done && this.verifying === undefined) {
      if (!commitPush(this.channel, pending[this.pendingHead] as T)) break;
      pending[this.pendingHead++] = undefined as T;
      this.committed++;
    }
    if (this.pendingHead === pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    }
    this.committing = false;
    if (this.ending !== undefined && this.pending.length === 0 && this.verifying === undefined) {
      this.finish(this.ending.reason);
    }
  }

  /** Values that arrived from the sender, in all: committed, or pending. */
  private arrived(): number {
    return this.committed + this.pending.length - this.pendingHead;
  }

  /**
   * A message of the sender never arrived — the platform could not deserialize it here, and
   * fired `messageerror` instead: later values must not be committed past the gap. Closes the
   * channel with a {@link ChannelError}; `closed` tells the sender (`lost`), which lists the
   * values from the lost batch on as undelivered.
   */
  private lose(posted: number): void {
    const missing = posted - this.arrived();
    this.lost = true;
    const what = missing > 0 ? `${missing} value${missing === 1 ? '' : 's'}` : 'a message';
    const problem = `lost ${what} of its sender that could not be deserialized in this context (a messageerror): ${missing > 1 ? 'they are' : 'it is'} undelivered there`;
    this.channel.close(new ChannelError('fromPort', problem, this.channel));
  }

  /** A `messageerror` on the port: ask the sender what it posted (its `pong` says). */
  override messageError(): void {
    if (this.done || this.session === '') return;
    this.trySend({ ...this.envelope(), type: 'ping', receiver: this.id });
  }

  receive(message: PortMessage): void {
    if (this.done) return;
    switch (message.type) {
      case 'open':
        if (this.session === '' || (message.session !== this.session && !this.confirmed)) {
          // The first `open`; or a later sender's, while the bound one never addressed this
          // receiver: that one was over — its `open`, posted for the receiver of this name
          // before this one, was heard late (messages arrive in order, so a later session is a
          // newer sender). Nothing was committed: start afresh.
          this.session = message.session;
          this.granted = this.postedGranted = this.postedCommitted = 0;
          this.startTimer();
        } else if (message.session !== this.session) {
          return; // paired already: one sender per receiver
        }
        this.postCredit(true);
        return;
    }
    if (message.type === 'ping' || message.type === 'pong') {
      // A heartbeat of the sender that runs on this receiver: everything it posted before it has
      // arrived, unless a message was lost. (Another receiver's sender, on a port that reaches
      // several contexts, addresses its own; a sender of an earlier release, nobody.)
      if (message.receiver !== this.id) return;
      if (message.posted !== undefined && message.posted > this.arrived()) this.lose(message.posted);
      else if (message.ended === true && this.ending === undefined) {
        // Its `end` was posted but never arrived: its reason could not be deserialized here.
        const problem = 'was closed by its sender with a reason that could not be deserialized in this context';
        this.channel.close(new ChannelError('fromPort', problem, this.channel));
      } else if (message.type === 'pong' && message.nonce !== undefined && message.nonce === this.verifying?.nonce) {
        // The sender answered the ping this side posted after its silence: it still runs the
        // stream, so it gave up on nothing — and every message it posted before this answer has
        // arrived. Commit what waited, and go on.
        this.verifying = undefined;
        this.commitPending();
        this.postCredit(true);
      } else if (message.starved === true && message.posted !== undefined && message.posted < this.postedGranted) {
        // The sender has used up the credit it heard of, though this side granted more: a
        // `credit` was lost (a page frozen in the back/forward cache can lose messages to and
        // from a cross-origin frame, and the stream stalled for good). Credit is cumulative:
        // post it again. (A quiet sender with credit left is not starved: no message for it.)
        this.postGranted();
      }
      return;
    }
    // Values and ends addressed to another receiver (of this name, before this one) are not ours.
    if (message.type !== 'values' && message.type !== 'end') return;
    if (message.receiver !== undefined && message.receiver !== this.id) return;
    if (message.type === 'end' && message.gaveUpAt !== undefined && message.gaveUpAt < this.createdAt) {
      // Its sender gave up while pairing, having pulled nothing, before this receiver was
      // created: heard late (a port keeps what is posted while nobody listens), it is no sender
      // of this receiver's. Forget it and wait for the next `open`, as if nothing had been
      // heard (audit AX: it closed the receiver, which a retried sender then waited for).
      this.unbind();
      return;
    }
    this.confirmed = true;
    switch (message.type) {
      case 'values': {
        const verifying = this.stale();
        if (message.posted !== undefined && message.posted !== this.arrived()) {
          this.lose(message.posted);
          return;
        }
        const pending = this.pending;
        if (verifying) {
          // Kept, not committed, until the sender says it still runs the stream.
          for (const value of message.values as T[]) pending.push(value);
          return;
        }
        for (const value of message.values as T[]) {
          if (pending.length === this.pendingHead && commitPush(this.channel, value)) this.committed++;
          else pending.push(value);
          if (this.done) return; // a pull that took a value closed the channel synchronously
        }
        this.postCredit(false);
        this.queueAck();
        return;
      }
      case 'end': {
        if (message.posted !== undefined && message.posted !== this.arrived()) {
          this.lose(message.posted);
          return;
        }
        const reason = 'reason' in message ? message.reason : undefined;
        if (message.abort && !('reason' in message)) {
          // The sender gave up on this side (its heartbeat timed out: this loop was blocked, or
          // what it posted was lost) and counted every value not committed as undelivered:
          // commit nothing more, and close as gone — even if nothing here noticed the silence
          // yet (this `end` is the first message after the block): never as a normal end.
          const silence =
            this.verifying === undefined ? '' : `, which could answer nothing for ${this.verifying.silence} ms`;
          this.gone(`it gave up on this context${silence}`);
          return;
        }
        this.commitPending();
        if (this.done) return;
        if (message.abort || (this.pending.length === 0 && this.verifying === undefined)) this.finish(reason);
        else this.ending = { reason };
        return;
      }
    }
  }

  /**
   * Whether this side must commit nothing now: it has posted nothing for
   * {@link STALE_AFTER_MS} — its event loop was blocked, or the whole context was frozen (the
   * back/forward cache, a sleeping machine) — so its sender may have given up on it and listed
   * the values posted meanwhile as undelivered. Then it asks: a `ping` with a nonce, which the
   * sender's `pong` echoes only if it still runs the stream (one that gave up has left its
   * port, and posted an `end` that aborts, which arrives first). Until that answer, values that
   * arrive are kept, not committed, and no credit is posted; with it, everything goes on; with
   * the aborting `end`, or no answer within {@link GONE_AFTER_MS}, the channel closes as if
   * the sender were gone. Checked when a batch arrives, on every tick, and before a `credit` is
   * posted (which would make this side look alive).
   */
  private stale(): boolean {
    if (this.verifying !== undefined) return true;
    const time = performance.now();
    const silence = time - this.posted;
    // A receiver its sender never addressed has taken nothing to check, and posts nothing while
    // the stream runs on another receiver of this name (a `BroadcastChannel`): the sender
    // answers only that one, so its check would never end, and it closed as gone (audit AZ).
    if (silence <= STALE_AFTER_MS || this.done || this.session === '' || !this.confirmed) return false;
    const nonce = randomId();
    this.verifying = { nonce, since: time, silence: Math.round(silence) };
    this.trySend({ ...this.envelope(), type: 'ping', nonce, receiver: this.id });
    return true;
  }

  /**
   * A `ping` is answered at once, and the answer counts as posting: after a block, the
   * sender's ping queued behind it would otherwise end this side's silence before the values
   * that arrived during the block were checked — and they were committed though the sender,
   * having given up, listed them as undelivered.
   */
  override beforePong(ping: PortMessage): boolean {
    // A ping of its sender to another receiver of this name (a port that reaches several
    // contexts): that receiver answers it, or its silence ends the stream.
    const to = 'receiver' in ping ? ping.receiver : undefined;
    if (to !== undefined && to !== this.id) return false;
    this.stale();
    return true;
  }

  /** Its `ping` and `pong` name it, so that its sender tells them from another receiver's. */
  override heartbeat(): { receiver: string } {
    return { receiver: this.id };
  }

  protected override beforeTick(): boolean {
    // Not paired yet (the timer of a window port runs from the start, to see the window close):
    // no sender to ping or to give up on.
    if (this.session === '') return true;
    const verifying = this.verifying;
    if (verifying === undefined) return this.stale();
    if (performance.now() - verifying.since >= GONE_AFTER_MS) {
      this.gone(
        `it did not answer for ${GONE_AFTER_MS} ms after this context could answer nothing for ${verifying.silence} ms`,
      );
    }
    return true;
  }

  /** Posts `message` — but no `credit` while this side is silent too long (see {@link Receiver.stale}). */
  override send(message: PortMessage, transfer?: TransferableValue[]): void {
    // A pull that runs right after the event loop was blocked would post a `credit` first,
    // and look alive to a sender that may have given up already: check before it is posted.
    if (message.type === 'credit' && this.stale()) return;
    super.send(message, transfer);
  }

  /**
   * Back to waiting for a sender, as when this receiver was created: no session, and no
   * heartbeat timer but a window port's (which reads the window's `closed` from the start).
   */
  private unbind(): void {
    this.session = '';
    if (!this.endpoint.window) this.stopTimer();
  }

  /** Closes the channel as the sender asked (`end`). */
  private finish(reason: unknown): void {
    this.channel.close(reason); // calls closed()
  }

  /** The channel was closed (by anyone): tell the sender how many values were committed, and stop. */
  closed(): void {
    if (this.done) return;
    this.done = true;
    this.pending = [];
    if (this.session !== '') {
      const lost = this.lost ? { lost: true } : {};
      this.trySend({ ...this.envelope(), type: 'closed', committed: this.committed, ...lost, receiver: this.id });
    } else {
      // Never paired: a sender whose `open` is on its way, or unanswered, would wait for ever
      // (the SPEC: closing the receiver ends `toPort`). Said at once (`closingAt`), as this
      // context may end in this very turn (`self.close()`, its port closed); and at the end of
      // the turn (`closedAt`), unless a new receiver of this name took this one's place on the
      // port by then — a component that closes its stream and opens it again in one turn
      // (React's StrictMode) keeps its sender, which hears the new one's `ready` in between.
      const at = Date.now();
      const event = { realm, event: nextEvent() };
      this.trySend(ready(this.name, { closingAt: at, ...event }));
      atEndOfTurn(() => {
        if (!this.endpoint.receivers.has(this.name)) this.trySend(ready(this.name, { closedAt: at, ...event }));
      });
    }
    this.stop();
  }

  gone(why: string): void {
    if (this.done) return;
    this.channel.close(new ChannelError('fromPort', `lost its sender: the other side is gone (${why})`, this.channel));
  }
}

/**
 * The pulls queued from `head` that can take a value now: each one, except a relay's pull (a
 * broadcast's, `from`'s: its stand-in signal has no listener methods) while its stand-in reads
 * as aborted — the broadcast has a full subscriber, or no pull waits on the `from` channel. Such
 * a pull stays parked so that a close reaches the relay at once, but a commit would skip it:
 * credit for it would let a remote `push` resolve with nobody to take its value (audit BT). A
 * relay tells this channel's feeder (`feed(true)`) when that changes. Reading a stand-in's
 * `aborted` looks at the pulls parked on the relay through `liveHead`, as a commit would.
 */
function wantedPulls<T>(head: Waiter<T> | undefined): number {
  let count = 0;
  for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) {
    const signal = waiter.signal;
    if (!(signal && !signal.addEventListener && signal.aborted)) count++;
  }
  return count;
}

/**
 * The receiving end of a channel whose values come from another context: returns a
 * {@link Channel} fed by the `toPort` of the same `name` on the other side of `port`.
 *
 * - **Order and loss.** Values arrive in the order the sender pulled them, each at most once.
 *   A value belongs to this side from the moment it is committed into the channel (buffer or
 *   parked pull); every value the sender pulled is committed here or returned to it in
 *   `undelivered`.
 * - **Backpressure.** Credit-based: the sender may have at most as many values posted and not
 *   yet committed as the channel has free slots (capacity 0: parked pulls — a rendezvous).
 * - **Close.** When the sender's channel is closed and drained, this channel closes after the
 *   last value, with the same reason (an `Error` with the reason's message if it could not be
 *   cloned). Closing this channel tells the sender, which stops pulling at once.
 * - **A sender that dies** (its context was terminated or closed) is detected by a heartbeat
 *   within about 5 s: this channel then closes with a {@link ChannelError} whose message says
 *   the other side is gone (for-await over it throws that error; pulls reject with a
 *   `ChannelClosedError` whose `cause` it is). When this context's own event loop was
 *   blocked, or the context frozen (the back/forward cache, a sleeping machine), so that this
 *   side posted nothing for 3 s, it commits nothing more until the sender answers a check that
 *   it still runs the stream: then everything goes on; if the sender gave up on this side
 *   meanwhile (after 5 s of silence), or does not answer within 5 s, this channel closes with
 *   that {@link ChannelError} too (see the README).
 * - **A message that cannot be deserialized here** (the platform fires `messageerror` instead
 *   of `message`: a `WebAssembly.Module` sent to a SharedWorker, say) is never skipped: the
 *   sender says how many values it posted, and this channel, finding fewer, commits nothing
 *   more and closes with a {@link ChannelError} saying so; the sender gets those values back
 *   as undelivered.
 * - Messages that are not this protocol's, or are for another name, are ignored.
 *
 * The channel is created with `input: true`: debug mode shows a wait on it as waiting for
 * input, never as stuck.
 *
 * @param port a `MessagePort`, a `Worker`, a worker's global scope (`self`), a `Window` — the
 *   *other* window, e.g. `window.parent` in a frame — or any object with `postMessage` and
 *   `addEventListener`.
 * @param options `name`, `capacity`, `origin` (required for a `Window`), and `signal` (closes
 *   the channel when it aborts).
 * @returns the receiving channel; its `name` is `name`, or `undefined` for the default `''`.
 * @throws {TypeError} if `port` has no `postMessage`, cannot be listened to or is a
 *   `ServiceWorker` (whose answers arrive on `navigator.serviceWorker`: give it a
 *   `MessageChannel` port), `origin` is missing for a `Window` or (whatever the port) is
 *   neither `'*'` nor a URL, an option has the wrong type (or `options` is an `AbortSignal`:
 *   pass `{ signal }`), or a `fromPort` of the same name is already open on this port.
 * @throws {RangeError} if `capacity` is not 0, a positive integer or `Infinity`.
 * @example
 * ```ts
 * import { fromPort } from 'chanasync/port';
 *
 * // In a worker: square the numbers the page sends.
 * const numbers = fromPort<number>(self, { name: 'numbers', capacity: 64 });
 * for await (const n of numbers) console.log(n * n);
 * ```
 */
export function fromPort<T>(port: PortLike, options?: FromPortOptions): Channel<T> {
  const caller = 'fromPort(port, options)';
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${caller}: options must be an object`);
  }
  const name = options?.name === undefined ? '' : options.name;
  if (typeof name !== 'string') throw new TypeError(`${caller}: name must be a string`);
  const capacity = options?.capacity === undefined ? 0 : options.capacity;
  if (typeof capacity !== 'number') throw new TypeError(`${caller}: capacity must be a number`);
  if (!(capacity >= 0 && (capacity % 1 === 0 || capacity === Number.POSITIVE_INFINITY))) {
    throw new RangeError(`${caller}: capacity must be 0, a positive integer or Infinity, got ${capacity}`);
  }
  const origin = options?.origin;
  if (origin !== undefined && typeof origin !== 'string') throw new TypeError(`${caller}: origin must be a string`);
  const signal = options?.signal;
  if (signal !== undefined && !isSignal(signal)) throw new TypeError(`${caller}: signal is not an AbortSignal`);
  if (isSignal(options)) throw new TypeError(`${caller}: options is an AbortSignal: pass { signal } instead`);
  const window = isWindow(port);
  if (window && origin === undefined) {
    throw new TypeError(`${caller}: origin is required when port is a Window (the origin the sender must have)`);
  }
  // Checked whatever the port (a slip is an error at the call), used only for a window: other
  // ports' messages carry no origin.
  const checkedOrigin = origin === undefined ? '' : windowOrigin(origin, caller);
  const endpoint = endpointOf(port, caller);
  endpoint.checkFree(false, name, caller); // before the channel exists: debug mode never sees it
  if (signal?.aborted) {
    // Closed from the start, and the port left alone: no stream of this name, nothing posted.
    const closed = new Channel<T>(capacity, { name: name === '' ? undefined : name, input: true });
    closed.close();
    return closed;
  }
  const channel = new PortChannel<T>(capacity, { name: name === '' ? undefined : name, input: true });
  const receiver = new Receiver(channel, port, name, window ? checkedOrigin : '');
  endpoint.add(receiver, caller);
  channel.receiver = receiver;
  // With `left`, no demand (an operation left, a push parked, a relay reading this channel was
  // pulled): only capacity 0, whose parked pulls are the credit, may have credit to take back.
  channel.feed = (left) => {
    if (!left) receiver.demand();
    else if (channel.limit === 0) receiver.left();
  };
  // Capacity 0: the parked pulls are the credit, and one that gives up takes its credit back.
  if (channel.limit === 0) channel.debugMarks |= Mark.LEAVES;
  if (signal !== undefined) {
    // The signal's one listener, shared with every operation and stream parked with it
    // (`signals.ts`): not a listener per channel (audit BC-soak: a hub of many streams on one
    // shutdown signal was O(n²) to build, and Node warned from the eleventh). Its removal
    // ignores a duck-typed signal's throw: a close that happened must not throw.
    try {
      const ref = watch(signal, { cancel: () => channel.close() }, true);
      channel.release = () => unwatch(signal, ref);
    } catch (error) {
      channel.close(); // a signal that cannot listen: the port and the name are left as they were
      throw error;
    }
  }
  // A window can close before its sender starts (a popup the user closed, a frame removed):
  // its `closed`, read at each tick, ends the stream then too (audit BA). Other ports have no
  // such flag: there a sender that never comes leaves the channel open. Started before `ready`
  // is posted: a hand-made window that delivers at once may pair and end the stream inside
  // that call, and the stream's end must find the timer to clear (audit BB).
  if (window) receiver.startTimer();
  receiver.trySend(ready(name, { realm, event: nextEvent() }));
  return channel;
}

/**
 * A receiver's `ready`, which names no session (it is what a sender pairs with): posted at its
 * creation, and with `closingAt`, then `closedAt`, when it closed before any sender paired with it.
 */
function ready(name: string, fields: Pick<ReadyMessage, 'closingAt' | 'closedAt' | 'realm' | 'event'>): ReadyMessage {
  return { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'ready', ...fields };
}
