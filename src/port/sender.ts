/**
 * `toPort`: the sending end of a channel that spans two contexts.
 *
 * The {@link Sender} pulls from the local channel at its commit points — synchronously, through
 * a parked {@link SenderWaiter} whose `resolve` runs inside the pusher's commit, or with
 * `commitPull` — never more than the receiver's credit allows, and posts the values pulled in
 * one turn as one `values` message (in a turn that lasts longer than {@link LONG_TURN_MS}, what
 * it pulled every LONG_TURN_MS).
 *
 * Invariants:
 * - **In flight.** A value is in flight from the moment it is pulled from the local channel
 *   until the receiver reports it committed (`committed` in `credit` or `closed`). In-flight
 *   values are kept, in order: first the posted batches not yet acknowledged (`inFlight`, the
 *   first one from `offset` on), then the batch of this turn, not yet posted (`batch`).
 *   `pulled = acknowledged + in flight` at all times.
 * - **Credit.** `pulled <= granted`: nothing is pulled without credit, so a value waits in the
 *   local channel (where its producer's backpressure applies) rather than in this sender.
 *   (A receiver of capacity 0 lowers `granted` when a pull gives up: `pulled` may then exceed
 *   it until the receiver's pulls have used the values posted meanwhile.)
 * - **Ownership.** An acknowledged value is the receiver's and is dropped here. When the stream
 *   ends without the receiver — it closed early, it died, the signal aborted — the values
 *   still in flight are the sender's to return: `undelivered`. A value posted with `transfer`
 *   is kept with its buffers detached.
 * - The waiter is parked (in the local channel's pull queue) only while the stream runs, has
 *   credit left and the channel had nothing to pull: `parked` says so.
 */
import { Channel, commitPull, NOTHING, type PullChannel } from '../channel.js';
import { notAChannel } from '../interop/describe.js';
import { isSignal, type Ref, unwatch, watch } from '../signals.js';
import { claim, park, Waiter } from '../waiters.js';
import type { PortMessage } from './protocol.js';
import { atEndOfTurn } from './schedule.js';
import {
  endpointOf,
  GONE_AFTER_MS,
  nextEvent,
  PING_AFTER_MS,
  type PortLike,
  randomId,
  realm,
  Stream,
  TICK_MS,
  type TransferableValue,
  windowOrigin,
} from './transport.js';

/** Options of {@link toPort}. */
export interface ToPortOptions<T> {
  /** The stream's name: pairs with the `fromPort` of the same name on the other side (default `''`). */
  name?: string | undefined;
  /**
   * Stops the stream: nothing more is pulled, values pulled but not yet posted stay here, the
   * remote channel closes at once with `signal.reason` (after committing the values already
   * posted that find room there — also when the local channel had closed and its end was still
   * on its way), and `toPort` resolves with what was and was not delivered.
   */
  signal?: AbortSignal | undefined;
  /**
   * Lists the transferables of a value (e.g. its `ArrayBuffer`s), which then move instead of
   * being copied: on this side they are detached once posted, including in `undelivered`.
   * Any iterable will do (an array, a `Set`, a generator); anything else is a `TypeError`.
   */
  transfer?: ((value: T) => Iterable<TransferableValue>) | undefined;
  /**
   * For a `Window` port: the origin the receiving window must have (every message is posted to
   * it, answers from other origins are ignored). Without it, the first answer of the
   * receiver fixes the origin: values are posted only to the origin that granted credit. Read
   * as `postMessage` reads a target origin (the origin of the URL given; `'/'`: this context's).
   * Checked but unused for any other port, whose messages carry no origin.
   */
  origin?: string | undefined;
}

/** What {@link toPort} resolves with. */
export interface PortResult<T> {
  /** How many values were committed into the receiving channel. */
  sent: number;
  /**
   * The values pulled from the local channel and not committed remotely, in order — because
   * the receiver closed its channel, its context died, or the signal aborted. Values whose
   * buffers were transferred come back detached.
   */
  undelivered: T[];
}

/**
 * The sender's pull on the local channel. Its `resolve` ({@link took}) runs synchronously at
 * the pusher's commit point; `close()` calls its `fail`.
 */
class SenderWaiter<T> extends Waiter<T> {
  constructor(readonly sender: Sender<T>) {
    super(sender.channel, undefined, took as (value: T | PromiseLike<T>) => void, undefined);
  }

  /** The local channel was closed while this pull waited: it is drained, so look again and end. */
  override fail(): void {
    this.sender.parked = false;
    this.sender.pump();
  }
}

/** A value was committed to the sender's parked pull: keep it and pull more. */
function took<T>(this: SenderWaiter<T>, value: T): void {
  const sender = this.sender;
  sender.parked = false;
  sender.accept(value);
  sender.pump();
}

/**
 * In a turn that lasts longer than a frame, a batch is posted once this long (ms) has passed
 * since the turn began or since the last such post. Values pulled in the same turn travel in
 * one message when the turn is short, as turns of code that only moves values are; a turn
 * that lasts longer computes between its pushes — a Worker whose jobs were buffered runs them
 * all in one turn, each `for await` step a microtask — and whoever waits on the other side (a
 * progress bar, a pool's results) should see its values as they come, not all at its end. A
 * producer that pushes one value after each computation this long has each posted at once
 * (from the turn's second value on: the first starts the batch); one that pushes fast in a long
 * turn (a wide credit window) still has its values batched, a message per LONG_TURN_MS, never
 * one per value. The clock is read only at a batch's checks (see {@link Sender.accept}), so a
 * value pushed after a computation that follows a burst of more than {@link CHECKED_EACH}
 * values waits for the batch's next check.
 */
const LONG_TURN_MS = 16;

/** A batch's clock is read for each of its first values up to this many (see `accept`). */
const CHECKED_EACH = 32;

/** Whether `DOMException`s survive structured cloning here; found out on first need. */
let domExceptionsClone: boolean | undefined;

/**
 * Whether `reason` is a `DOMException` that this platform does not clone as one — or cannot be
 * inspected at all (a revoked proxy throws on `instanceof`): then it is described instead.
 */
function isLostInClone(reason: unknown): boolean {
  try {
    if (typeof DOMException !== 'function' || !(reason instanceof DOMException)) return false;
  } catch {
    return true;
  }
  if (domExceptionsClone === undefined) {
    try {
      domExceptionsClone = structuredClone(new DOMException('', 'AbortError')) instanceof DOMException;
    } catch {
      domExceptionsClone = false;
    }
  }
  return !domExceptionsClone;
}

/**
 * The text of a reason that cannot cross as it is: `name: message` for a `DOMException` (its
 * name is what tells an `AbortError` from a `TimeoutError`), the message of anything else that
 * has one, else `String(reason)` — never throwing.
 */
function describe(reason: unknown): string {
  try {
    const message = (reason as { message?: unknown } | null)?.message;
    if (message === undefined) return String(reason);
    if (typeof DOMException === 'function' && reason instanceof DOMException)
      return `${reason.name}: ${reason.message}`;
    return String(message);
  } catch {
    return 'something that could not be read';
  }
}

/** The stages of a sender, in order; a sender only moves forward. */
enum Stage {
  /** `open` posted, no answer yet: nothing is pulled. */
  Pairing,
  /** Paired: pulls as credit allows. */
  Running,
  /** `end` posted: waits for `closed` with the final count. */
  Ending,
  /** Settled. */
  Done,
}

/** The sending end of one stream. */
class Sender<T> extends Stream {
  stage = Stage.Pairing;
  /**
   * When `open` was first posted: `Date.now()`, and its number among this context's pairing
   * events (`nextEvent`). A receiver that closed unpaired before then is no peer of it.
   */
  private opened = { at: 0, event: 0 };
  /**
   * The last close of an unpaired receiver of this name that this sender, pairing since before
   * it, heard said at once (`closingAt`): when (`performance.now()`), the receiver's context
   * and event, and whether a new receiver of the name from that context has been heard since.
   * Ended by its `closedAt`, unless remounted; by the tick, if neither came within
   * `GONE_AFTER_MS` (the context ended in that turn).
   */
  private closing: { at: number; realm: string | undefined; event: number | undefined; remounted: boolean } | undefined;
  /** Whether {@link Sender.waiter} is in the local channel's pull queue. */
  parked = false;
  /** Values pulled from the local channel, in all. */
  private pulled = 0;
  /** Values the receiver reported committed, in all. */
  private acknowledged = 0;
  /** Credit the receiver granted, in all. */
  private granted = 0;
  /** Posted batches not fully acknowledged; the first one's values before `offset` are. */
  private inFlight: T[][] = [];
  /** See {@link Sender.inFlight}. */
  private offset = 0;
  /** Values pulled this turn, not posted yet. */
  private batch: T[] = [];
  /**
   * Values posted in `values` messages, in all: every message of this sender but `open` says
   * how many (`posted`), so that a receiver can tell one of them never arrived (`messageerror`).
   */
  private postedCount = 0;
  /** Whether a flush is queued for the end of the turn ({@link atEndOfTurn}). */
  private turnFlush = false;
  /**
   * When that flush was queued (`performance.now()`), or when a batch was last posted before
   * it ran: how long the batch of this turn has been collecting (see {@link LONG_TURN_MS}).
   */
  private collecting = 0;
  /** Whether a flush is queued as a microtask (the credit is used up: nothing can join). */
  private microFlush = false;
  /** The end-of-turn flush: one function, queued again and again. */
  private readonly flushAtEnd = (): void => {
    this.turnFlush = false;
    this.flush();
  };
  /** The microtask flush. */
  private readonly flushNow = (): void => {
    this.microFlush = false;
    this.flush();
  };
  /** Inside {@link Sender.pump}: a nested call has nothing to do. */
  private pumping = false;
  /** The error that ended the stream (a value could not be posted), reported once it is over. */
  private failure: unknown = undefined;
  /** The error `toPort` rejects with when the receiver cannot be sent to at all (see `receive`). */
  private refusal: TypeError | undefined = undefined;
  /** Whether the `end` posted asks the receiver to close at once (`abort`). */
  private endedAtOnce = false;
  /** The parked pull; one object, parked again and again. */
  private readonly waiter: SenderWaiter<T>;
  /** The id of the receiver whose credit this sender runs on (from its first `credit`). */
  private receiver: string | undefined = undefined;
  /** This stream's entry in its signal's set, while it runs (see `start`). */
  private watched: Ref | undefined;

  constructor(
    readonly channel: Channel<T>,
    port: PortLike,
    name: string,
    origin: string,
    /** Whether `origin` was given (then the receiver must have it), or is to be learned. */
    private readonly pinned: boolean,
    private readonly transfer: ((value: T) => Iterable<TransferableValue>) | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly settle: (result: PortResult<T>) => void,
    private readonly fail: (error: unknown) => void,
  ) {
    super(endpointOf(port, 'toPort(channel, port, options)'), name, true, origin);
    this.session = randomId();
    this.waiter = new SenderWaiter(this);
  }

  /**
   * Starts pairing. The timer starts before `open` is posted: over a port that delivers
   * synchronously, a receiver that is there already can answer, take everything and close
   * inside that post — the stream is then over, its timer stopped, and none must start after.
   */
  start(): void {
    try {
      // The signal's one listener, shared with every operation and stream parked with it
      // (`signals.ts`): a listener per stream made a hub of many streams on one shutdown signal
      // O(n²) to build, and Node warned from the eleventh (audit BC-soak).
      if (this.signal) this.watched = watch(this.signal, this, true);
    } catch (error) {
      // A duck-typed signal that cannot listen: leave the port (its listener, the name) as it was.
      this.stop();
      throw error;
    }
    this.startTimer();
    this.opened = { at: Date.now(), event: nextEvent() };
    this.trySend({ ...this.envelope(), type: 'open' });
  }

  /** The signal aborted (called by its listener, `signals.ts`). */
  cancel(): void {
    this.abort();
  }

  /**
   * While pairing, silence means no receiver yet: post `open` again instead of giving up.
   * While running without credit, look whether the local channel was closed and drained: the
   * waiter is not parked then (it would take a value without credit), so `close()` could not
   * tell this sender — the tick is how it learns, within one tick (half a second).
   */
  protected override beforeTick(): boolean {
    if (this.stage === Stage.Pairing) {
      const closing = this.closing;
      if (closing && !closing.remounted && performance.now() - closing.at >= GONE_AFTER_MS) {
        // A receiver that closed unpaired and whose context said nothing since: it ended in
        // that turn (`self.close()`, its port closed). End as its `closedAt` would have.
        this.finish(false);
        return true;
      }
      // Once a heartbeat period (the timer runs twice as often): a receiver whose context is
      // still loading gets its queue filled half as fast.
      if (performance.now() - this.posted >= PING_AFTER_MS - TICK_MS / 2)
        this.trySend({ ...this.envelope(), type: 'open' });
      return true;
    }
    const channel = this.channel;
    if (this.stage === Stage.Running && !this.parked && channel.isClosed && channel.filled === 0) {
      this.end(channel.closeReason, false);
    }
    return false;
  }

  /** Pulls while there is credit: from the buffer or parked pushes, else parks the waiter. */
  pump(): void {
    if (this.pumping) return; // the running loop looks again
    this.pumping = true;
    const channel = this.channel;
    while (this.stage === Stage.Running && !this.parked && this.pulled < this.granted) {
      const value = commitPull(channel);
      if (value !== NOTHING) {
        this.accept(value);
      } else if (channel.isClosed) {
        this.end(channel.closeReason, false);
      } else {
        this.parked = true;
        // The channel's feeder (if any) may commit to the waiter right here: `took` then
        // accepts the value and this loop goes on.
        // Named for debug mode as the park's owner: the first park's stack for every later one
        // (parked inside a producer's push, it showed that push: audit BF-I2).
        park(this.waiter, false, 'pull', undefined, this);
      }
    }
    this.pumping = false;
    // The credit ran out on the last value of a channel closed already: the end is known now,
    // not only at the next tick (which a fake clock may never run).
    if (this.stage === Stage.Running && !this.parked && channel.isClosed && channel.filled === 0) {
      this.end(channel.closeReason, false);
    }
  }

  /**
   * Keeps a value pulled this turn and schedules the flush: at the end of the turn, or at once
   * (in a microtask) when the credit is used up or the batch has been collecting for
   * {@link LONG_TURN_MS} in a long turn.
   */
  accept(value: T): void {
    this.batch.push(value);
    this.pulled++;
    const length = this.batch.length;
    if (this.pulled >= this.granted) {
      // No more credit this turn: nothing can join the batch, so post it now.
      this.flushSoon();
    } else if (!this.turnFlush) {
      this.turnFlush = true;
      this.collecting = performance.now();
      atEndOfTurn(this.flushAtEnd);
    } else if (length <= CHECKED_EACH || (length & (length - 1)) === 0 || (length & 1023) === 0) {
      // Looked at for each of the first CHECKED_EACH values of a batch, then when its length is
      // a power of two or a multiple of 1024: a fast stream's batch of hundreds of values costs
      // a few dozen clock reads, not one per value (one per value costs about a sixth of the
      // throughput of a fast stream in Node). So a value pushed after LONG_TURN_MS of computing
      // goes at once — after a burst of up to CHECKED_EACH values too; after a longer burst, at
      // the batch's next check (a power of two).
      const now = performance.now();
      if (now - this.collecting >= LONG_TURN_MS) {
        this.collecting = now;
        this.flushSoon();
      }
    }
  }

  /** Posts the batch in a microtask (before the code that pushed the value runs on). */
  private flushSoon(): void {
    if (!this.microFlush) {
      this.microFlush = true;
      queueMicrotask(this.flushNow);
    }
  }

  /**
   * Posts the batch of this turn, if any, as one message. When `postMessage` refuses it (a
   * value it cannot clone, a list it cannot transfer), the values go one message each, so that
   * every value before the refused one still reaches the receiver; that one and the values
   * after it stay in `batch` (undelivered), and the stream ends with the error.
   */
  private flush(): void {
    if (this.batch.length === 0 || this.stage !== Stage.Running) return;
    // Each value's own transferables, listed once (the values may go one by one).
    let lists: TransferableValue[][] | undefined;
    let failure: { error: unknown } | undefined;
    if (this.transfer !== undefined) {
      lists = [];
      try {
        for (const value of this.batch) lists.push(transferables(this.transfer(value)));
      } catch (error) {
        // The values before this one are posted; it and the rest are undelivered.
        failure = { error };
      }
      // `transfer` may have aborted the stream: then this batch is not posted (it is undelivered).
      if (this.stage !== Stage.Running) return;
    }
    const ready = lists === undefined ? this.batch.length : lists.length;
    if (ready > 0 && this.post(ready, lists) !== undefined) {
      // The values before the first one that cannot be cloned go together, as the batch would
      // have: they may share a buffer that only one message can transfer (two views of one
      // `ArrayBuffer`, or a view of a buffer another value lists), and posted one by one, the
      // first would detach it from under the next. Then one by one, from the refused value on
      // (or from the start, when each value clones and what was refused is a transfer list).
      const clean = cloneablePrefix(this.batch, ready);
      let left = ready;
      if (clean > 0 && clean < ready && this.post(clean, lists) === undefined) left -= clean;
      for (let i = 0; i < left && this.stage === Stage.Running; i++) {
        const refused = this.post(1, lists);
        if (refused !== undefined) {
          failure = refused;
          break;
        }
      }
    }
    if (failure !== undefined && this.stage === Stage.Running) this.failed(failure.error);
  }

  /**
   * Posts the first `count` values of `batch` (with their lists from the front of `lists`) in
   * one message. Returns undefined once posted, else what `postMessage` threw, having posted
   * nothing and put everything back.
   */
  private post(count: number, lists: TransferableValue[][] | undefined): { error: unknown } | undefined {
    const all = this.batch;
    const values = count === all.length ? all : all.slice(0, count);
    const own = lists?.splice(0, count);
    let transfer: TransferableValue[] | undefined;
    if (own !== undefined) {
      // A Set: two values of one batch may share a buffer (two views of one ArrayBuffer), and
      // postMessage refuses a transfer list that names one twice.
      const items = new Set<TransferableValue>();
      for (const list of own) for (const item of list) items.add(item);
      transfer = [...items];
    }
    // In flight before it is posted: a port that delivers synchronously brings the receiver's
    // acknowledgement of these values back from inside postMessage.
    this.batch = count === all.length ? [] : all.slice(count);
    this.inFlight.push(values);
    const posted = this.postedCount;
    this.postedCount += count;
    try {
      this.send({ ...this.envelope(), type: 'values', values, posted, receiver: this.receiver }, transfer);
      return undefined;
    } catch (error) {
      // Nothing of it was posted. (Values that user code pushed while postMessage cloned
      // these, a getter of theirs, came after them.)
      this.postedCount = posted;
      this.inFlight.pop();
      this.batch = values.concat(this.batch);
      if (own !== undefined) lists?.unshift(...own);
      return { error };
    }
  }

  /**
   * The first value in `batch` could not be posted (not cloneable, or `transfer` threw): it
   * and the values after it stay there (and will be undelivered), and the stream ends with the
   * error once the receiver has counted what it has.
   */
  private failed(error: unknown): void {
    this.failure = error;
    this.end(new Error(`toPort: a value could not be posted: ${describe(error)}`), false);
  }

  /**
   * Ends the stream from this side: the local channel is closed and drained (`abort` false:
   * the receiver closes after the last value) or the stream was aborted (`abort` true: the
   * batch of this turn is not posted, and the receiver closes at once). Then waits for
   * `closed`.
   */
  private end(reason: unknown, abort: boolean): void {
    if (this.stage === Stage.Pairing) {
      // Nothing was pulled. A receiver that heard `open` but whose answer is not here yet
      // closes now rather than after the heartbeat timeout. Aborted, this sender says when it
      // gave up: a receiver created after that, which hears the `open` and this `end` late (a
      // port keeps what is posted while nobody listens), forgets it and stays open for the next
      // sender of the name, as when the signal was aborted before the call (audit AX). Refused
      // (an opaque-origin window), it closes the receiver that answered.
      this.stage = Stage.Ending;
      // To a window whose origin is not known yet, `end` goes to '*', like `open`: it must
      // carry no data, so the reason stays here and the receiver gets an Error saying so.
      const unknownOrigin = this.endpoint.window && this.origin === '*' && !this.pinned;
      this.postEnd(
        unknownOrigin ? new Error('toPort stopped before pairing (its reason is kept by the sender)') : reason,
        true,
        this.refusal === undefined ? Date.now() : undefined,
      );
      this.finish();
      return;
    }
    if (this.stage === Stage.Ending && abort && !this.endedAtOnce) {
      // The `end` posted earlier waits at the receiver for room for values that arrived: an
      // abort makes it close at once instead (those values come back undelivered).
      this.endedAtOnce = true;
      this.postEnd(reason, true);
      return;
    }
    if (this.stage !== Stage.Running) return;
    if (!abort && this.failure === undefined) this.flush();
    if (this.stage !== Stage.Running) return; // the flush failed, and ended the stream
    this.stage = Stage.Ending;
    this.endedAtOnce = abort;
    this.unpark();
    this.postEnd(reason, abort);
  }

  /**
   * Posts `end` with `reason` (`gaveUpAt`: see the `end` message in protocol.ts); a reason that
   * cannot be cloned — or that a platform clones into something else (Node 20 clones a
   * `DOMException`, such as a signal's default `AbortError`, into `{}`) — goes as an `Error`
   * whose message has the reason's message.
   */
  private postEnd(reason: unknown, abort: boolean, gaveUpAt?: number): void {
    const message = {
      ...this.envelope(),
      type: 'end' as const,
      abort,
      posted: this.postedCount,
      receiver: this.receiver,
      ...(gaveUpAt !== undefined && { gaveUpAt }),
    };
    if (reason === undefined) {
      // An `end` that aborts with no `reason` key says this sender gave up on the receiver
      // (`finish`): an abort whose reason is undefined (a signal-like object) says so by the key.
      this.trySend(abort ? { ...message, reason } : message);
      return;
    }
    if (!isLostInClone(reason)) {
      try {
        this.send({ ...message, reason });
        return;
      } catch {
        // Not cloneable: an Error with its message instead, below.
      }
    }
    this.trySend({ ...message, reason: new Error(describe(reason)) });
  }

  /** The signal aborted. */
  private abort(): void {
    this.end(this.signal?.reason, true);
  }

  /** Takes the waiter out of the local channel's queue, if it is there. */
  private unpark(): void {
    if (this.parked) {
      this.parked = false;
      claim(this.waiter);
    }
  }

  /** The receiver reports `committed` values committed: drop them from the in-flight values. */
  private acknowledge(committed: number): void {
    let count = committed - this.acknowledged;
    const postedCount = this.pulled - this.batch.length;
    if (count <= 0 || committed > postedCount) return; // old news, or not ours to believe
    this.acknowledged = committed;
    while (count > 0) {
      const first = this.inFlight[0] as T[];
      const left = first.length - this.offset;
      if (left <= count) {
        this.inFlight.shift();
        this.offset = 0;
        count -= left;
      } else {
        this.offset += count;
        count = 0;
      }
    }
  }

  receive(message: PortMessage, origin: string): void {
    switch (message.type) {
      case 'ready': {
        // A receiver of this name closed before any sender paired with it (`closingAt` at once,
        // `closedAt` at the end of that turn: see protocol.ts). Paired with none since before
        // then, this sender ends as for `closed` — with nothing to tell: no receiver heard it
        // (a later one of the name waits for the next sender) — unless it heard a new receiver
        // of the name from that context since (a remount, which it pairs with). One started
        // after that close waits for the next receiver, as a port keeps what is posted while
        // nobody listens.
        const closedAt = message.closingAt ?? message.closedAt;
        if (closedAt !== undefined) {
          const after = message.realm === realm ? (message.event ?? 0) > this.opened.event : closedAt >= this.opened.at;
          if (this.stage !== Stage.Pairing || !after) return;
          const closing = this.closing;
          if (message.closingAt !== undefined) {
            // Said at once: its context may end in this turn and never say `closedAt`.
            this.closing = { at: performance.now(), realm: message.realm, event: message.event, remounted: false };
          } else if (!closing?.remounted || closing.realm !== message.realm || closing.event !== message.event) {
            this.finish(false);
          }
          return;
        }
        const closing = this.closing;
        if (closing && message.realm === closing.realm && (message.event ?? 0) > (closing.event ?? 0)) {
          closing.remounted = true;
        }
        if (this.stage === Stage.Pairing) this.trySend({ ...this.envelope(), type: 'open' });
        else if (this.endpoint.window) {
          // A new receiver of this name in the window this sender runs on: one document holds
          // one receiver of a name at a time, and the one it ran on would have said `closed`
          // first — so the window shows a new document (the frame reloaded or navigated), and
          // the old one is gone without a word. Finish now rather than after the heartbeat, so
          // that a new toPort of this name can pair with the new document.
          this.gone();
        }
        return;
      }
      case 'credit':
        if (this.stage === Stage.Pairing) {
          if (this.endpoint.window && !this.pinned && origin === 'null') {
            // An opaque origin (a sandboxed iframe, a data: URL): postMessage cannot target it,
            // only '*' reaches such a window — which the caller must choose, knowing that
            // whatever document that window shows then gets the values. Nothing was pulled.
            this.refusal = new TypeError(
              "toPort(channel, port, options): the receiving window has the opaque origin 'null' (a sandboxed iframe, a data: URL), which postMessage cannot target: pass origin: '*' to send to it anyway",
            );
            this.end(undefined, true);
            return;
          }
          this.stage = Stage.Running;
          if (this.endpoint.window && !this.pinned) this.origin = origin;
          this.receiver = message.receiver;
        } else if (message.receiver !== this.receiver) {
          return; // another receiver of this name, which heard our `open` late: not ours
        }
        this.acknowledge(message.committed);
        if (message.granted > this.granted) this.granted = message.granted;
        else if (message.granted < this.granted) {
          // Capacity 0: a remote pull gave up and took its credit back. Nothing more is pulled
          // on it; the parked pull, if there is no credit left, leaves the local channel.
          this.granted = message.granted;
          if (this.pulled >= this.granted) this.unpark();
        }
        this.pump();
        return;
      case 'closed':
        if (this.stage !== Stage.Pairing && message.receiver !== this.receiver) return; // not ours
        this.acknowledge(message.committed);
        if (message.lost === true && this.failure === undefined) {
          // A batch posted here never reached the receiving channel: the platform could not
          // deserialize it there (a `messageerror`). Like a value that cannot be posted, it ends
          // the stream with an error; the values from that batch on are undelivered.
          this.failure = new Error(
            'the receiving context could not deserialize a message (a messageerror there), so its values never arrived',
          );
        }
        this.finish();
        return;
    }
  }

  /**
   * A sender's `ping` and `pong` say how many values it posted, whether it posted `end`, and
   * whether it has used up the credit it heard of.
   */
  override heartbeat(): { posted: number; ended: boolean; starved: boolean; receiver: string | undefined } {
    return {
      posted: this.postedCount,
      ended: this.stage >= Stage.Ending,
      starved: this.pulled >= this.granted,
      receiver: this.receiver,
    };
  }

  /**
   * Once running, only its receiver's messages: on a port that reaches several contexts, another
   * receiver of the name that heard the `open` pings too, and kept this side waiting for ever
   * on a receiver that died. A message without `receiver` is from an earlier release's receiver.
   */
  override hears(message: PortMessage): boolean {
    const from = 'receiver' in message ? message.receiver : undefined;
    return this.stage === Stage.Pairing || from === undefined || from === this.receiver;
  }

  gone(): void {
    this.finish();
  }

  /**
   * Settles `toPort`: everything not acknowledged is undelivered. Leaves nothing behind. `tell`:
   * whether to post `end` to a receiver that may be alive (not when this side posted it, or
   * when no receiver heard this one).
   */
  private finish(tell = this.stage !== Stage.Ending): void {
    if (this.stage === Stage.Done) return;
    this.stage = Stage.Done;
    this.unpark();
    if (tell) {
      // The receiver closed (or went) while this side still ran: tell it, in case it is alive.
      this.trySend({ ...this.envelope(), type: 'end', abort: true, posted: this.postedCount, receiver: this.receiver });
    }
    if (this.watched) unwatch(this.signal as AbortSignal, this.watched);
    this.stop();
    const undelivered: T[] = [];
    this.inFlight.forEach((values, index) => {
      for (let i = index === 0 ? this.offset : 0; i < values.length; i++) undelivered.push(values[i] as T);
    });
    for (const value of this.batch) undelivered.push(value);
    this.inFlight = [];
    this.batch = [];
    const result = { sent: this.acknowledged, undelivered };
    if (this.refusal !== undefined) {
      this.fail(Object.assign(this.refusal, result));
    } else if (this.failure === undefined) {
      this.settle(result);
    } else {
      const message = describe(this.failure);
      this.fail(
        Object.assign(new TypeError(`toPort(channel, port): a value could not be posted: ${message}`), {
          cause: this.failure,
          ...result,
        }),
      );
    }
  }
}

/**
 * Sends the values of a local `channel` to the `fromPort` of the same `name` on the other
 * side of `port` — another context: a Worker, an iframe, a tab's SharedWorker — until the
 * channel is closed and drained, the receiver closes its channel, the receiver's context dies,
 * or `signal` aborts.
 *
 * - **Order and loss.** Values arrive in FIFO order, each at most once. Every value pulled
 *   from `channel` is committed into the receiving channel or returned in `undelivered`.
 * - **Backpressure.** Pulls only as much as the receiver has room for (its free slots; for
 *   capacity 0, its parked pulls — a rendezvous across contexts), so a producer's `push` waits
 *   as it would locally.
 * - **Batching.** Values pulled in the same turn travel in one message; `transfer` makes their
 *   buffers move instead of being copied. A turn that lasts longer than 16 ms (code that
 *   computes between its pushes) posts what it pulled about every 16 ms, not all at its end
 *   (looked at for each of a batch's first 32 values, then at powers of two and multiples of
 *   1024): a producer that pushes one value after each computation of 16 ms or more has each
 *   posted at once, from the turn's second value on.
 * - **Close.** When `channel` is closed and drained, the remote channel closes after the last
 *   value, with the same reason (an `Error` with the reason's message when it cannot be
 *   cloned); `toPort` resolves once the receiver has counted everything. When the receiver
 *   closes its channel, `toPort` stops pulling at once and resolves.
 * - **Death.** A receiver whose context died is detected by a heartbeat within about 5 s (a
 *   `ping` after 1 s of silence, gone after 5 s); `toPort` then resolves with the values not
 *   acknowledged in `undelivered` — some of which the dead context may have committed before
 *   it died. Over a window port, sooner: a window that closed (a removed iframe, a closed
 *   popup) within half a second, and a new document's receiver of this name announcing itself
 *   (the frame reloaded or navigated) at once.
 * - Until a receiver answers, nothing is pulled; `open` is posted again every second. A window
 *   port that closes meanwhile (a removed iframe, a closed popup: its `closed` is read every
 *   half second, as while running) resolves it with nothing sent.
 *
 * The local channel is not closed by `toPort` (it may be read again afterwards).
 *
 * @param channel the local channel to read (a {@link Channel}, or any channel chanasync made).
 * @param port a `MessagePort`, a `Worker`, a worker's global scope (`self`), a `Window` — the
 *   *other* window, e.g. `iframe.contentWindow` — or any object with `postMessage` and
 *   `addEventListener`.
 * @param options `name`, `signal`, `transfer`, and `origin` for a `Window`.
 * @returns a promise of `{ sent, undelivered }`.
 * @throws (rejects) {TypeError} if `channel` is not a chanasync channel, `port` has no
 *   `postMessage` or cannot be listened to or is a `ServiceWorker` (whose answers arrive on
 *   `navigator.serviceWorker`: give it a `MessageChannel` port), an option has the wrong type (or `options` is an `AbortSignal`: pass `{ signal }`), `origin` (for a
 *   `Window`) is neither `'*'` nor a URL, or a `toPort` of the same name is already running on
 *   this port.
 * @throws (rejects) {TypeError} if a value (or a close reason's message) cannot be posted (not
 *   structured-cloneable, or `transfer` threw), or a batch could not be deserialized on the
 *   other side (a `messageerror` there: a `WebAssembly.Module` sent to a SharedWorker, say):
 *   its `cause` is the error, and its `sent` and `undelivered` properties account for every
 *   value pulled, as a result would. A value that cannot be posted is undelivered with the
 *   values after it, and the values pulled before it still arrive (a batch `postMessage`
 *   refuses goes one value per message up to it); for a `messageerror`, the values from the
 *   lost batch on are undelivered.
 * @throws (rejects) {TypeError} if the receiving window (unpinned `origin`) answers from the
 *   opaque origin `'null'` (a sandboxed iframe), which only `origin: '*'` can reach: nothing is
 *   pulled, and the receiving channel is closed.
 * @example
 * ```ts
 * import { Channel } from 'chanasync';
 * import { toPort } from 'chanasync/port';
 *
 * const worker = new Worker('./squares.js', { type: 'module' });
 * const numbers = new Channel<number>(64);
 * const done = toPort(numbers, worker, { name: 'numbers' });
 * for (let i = 0; i < 1000; i++) await numbers.push(i);
 * numbers.close();
 * const { sent, undelivered } = await done; // 1000, []
 * ```
 */
export function toPort<T>(channel: PullChannel<T>, port: PortLike, options?: ToPortOptions<T>): Promise<PortResult<T>> {
  const caller = 'toPort(channel, port, options)';
  return new Promise<PortResult<T>>((resolve, reject) => {
    if (!(channel instanceof Channel)) throw new TypeError(`${caller}: channel ${notAChannel(channel)}`);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`${caller}: options must be an object`);
    }
    const name = options?.name === undefined ? '' : options.name;
    if (typeof name !== 'string') throw new TypeError(`${caller}: name must be a string`);
    const signal = options?.signal;
    if (signal !== undefined && !isSignal(signal)) throw new TypeError(`${caller}: signal is not an AbortSignal`);
    if (isSignal(options)) throw new TypeError(`${caller}: options is an AbortSignal: pass { signal } instead`);
    const transfer = options?.transfer;
    if (transfer !== undefined && typeof transfer !== 'function') {
      throw new TypeError(`${caller}: transfer must be a function`);
    }
    const origin = options?.origin;
    if (origin !== undefined && typeof origin !== 'string') throw new TypeError(`${caller}: origin must be a string`);
    // Checked whatever the port (a slip is an error at the call), used only for a window.
    const checked = origin === undefined ? undefined : windowOrigin(origin, caller);
    const endpoint = endpointOf(port, caller);
    const pinnedOrigin = endpoint.window ? checked : undefined;
    if (signal?.aborted) return resolve({ sent: 0, undelivered: [] });
    const sender = new Sender<T>(
      channel,
      port,
      name,
      endpoint.window ? (pinnedOrigin ?? '*') : '',
      origin !== undefined,
      transfer,
      signal,
      resolve,
      reject,
    );
    endpoint.add(sender, caller);
    sender.start();
  });
}

/** The transferables `transfer(value)` listed, as an array (the one it returned, if it is one); a `TypeError` for anything else. */
function transferables(listed: Iterable<TransferableValue>): TransferableValue[] {
  if (typeof listed?.[Symbol.iterator] !== 'function') {
    throw new TypeError(
      `transfer(value) must return an iterable of transferables, not ${
        listed === null || typeof listed !== 'object' ? String(listed) : Object.prototype.toString.call(listed)
      }`,
    );
  }
  return Array.isArray(listed) ? listed : [...listed];
}

/**
 * How many of the first `count` values of `batch` `structuredClone` copies (without transfer:
 * it detaches nothing) before one it refuses; `count` when it refuses none, 0 where the
 * platform has no `structuredClone`. Only after `postMessage` refused the batch.
 */
function cloneablePrefix(batch: readonly unknown[], count: number): number {
  if (typeof structuredClone !== 'function') return 0;
  for (let i = 0; i < count; i++) {
    try {
      structuredClone(batch[i]);
    } catch {
      return i;
    }
  }
  return count;
}
