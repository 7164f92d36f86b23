/**
 * The wire format of `chanasync/port`, and nothing else: every message a sender (`toPort`) and
 * a receiver (`fromPort`) exchange, as a union tagged by `type`, named by direction, plus the
 * guard that tells them from anything else on the port. Read it against SPEC.md, "Channels
 * across contexts":
 *
 * - **Pairing.** A sender posts `open` with a random `session` id; the receiver of the same
 *   `name` binds to the first `open` it hears and answers with `credit`, naming itself
 *   (`receiver`, a random id). A receiver posts `ready` once when it is created, so that a
 *   sender whose `open` was posted before anyone listened posts it again; one that closes before
 *   any sender paired with it posts `ready` with `closedAt`, which ends a sender pairing since
 *   before then (nothing else would tell it). Until it hears an
 *   answer, a sender posts `open` again every heartbeat period. Only `open` binds: a message of
 *   any other session is ignored. The sender runs on the first receiver that answers, and
 *   addresses its `values` and `end` to it; another receiver's messages are ignored, and so are,
 *   by a receiver, values and ends addressed to another one. A receiver that heard nothing
 *   addressed to it yet binds again to a later `open` of another session: its sender was over
 *   (an `open` it heard late, posted for the receiver of that name before it).
 * - **Order and loss.** `values` carries one batch — the values the sender pulled in one turn,
 *   in order — and a port delivers messages in order, so values arrive in FIFO order. The
 *   receiver counts the values it committed into its channel (`committed`, cumulative) and
 *   reports that count in every `credit` and in `closed`; the sender keeps every value it pulled
 *   until that count covers it, and returns the others in `undelivered`.
 * - **Backpressure.** `granted` is the cumulative number of values the sender may pull: the
 *   receiver raises it to `committed + free slots` (capacity 0: `committed + parked pulls`), and
 *   never lowers it — except with capacity 0, where a parked pull that gives up takes its credit
 *   back: `granted` drops to the values that arrived plus the pulls parked, and the sender,
 *   which takes the lower count (a sender of an earlier version keeps the higher one: the
 *   earlier behaviour), pulls nothing more until it is raised again. The sender never pulls
 *   more than `granted` values in all (beyond a lowered one only what it pulled before it
 *   heard). Both counts being cumulative, a repeated `credit` is harmless — so a lost one is
 *   simply posted again: a sender's `ping` and `pong` say whether it is `starved` (it pulled
 *   all the credit it heard of), and a receiver that granted more than the sender `posted`
 *   posts its `credit` again.
 * - **Close.** `end` closes the remote channel after the values posted before it, with
 *   `reason` (absent: a normal close). With `abort`, the receiver closes at once instead of
 *   waiting for room for values that arrived but could not be committed yet; `abort` without a
 *   `reason` says the sender gave up on this receiver (found it gone), which then closes as
 *   gone, never normally. A sender that gave up while pairing (its signal aborted before it
 *   heard an answer; it pulled nothing) says when, by its clock (`gaveUpAt`, `Date.now()`): a
 *   receiver created after that — which hears the `open` and `end` late, a port keeping what is
 *   posted while nobody listens — forgets that sender and waits for the next `open`, as it would
 *   had it heard nothing; one that existed then closes with the reason. `closed` says the
 *   receiving channel is closed (by its user, by `end`, or because the sender is gone) with the
 *   final `committed` count; after it the receiver ignores the session.
 * - **Liveness.** Either side that has heard nothing from the other for a heartbeat period
 *   posts `ping`, which is answered by `pong` at once (any message counts as a sign of life).
 *   A receiver that has posted nothing for a while (its loop was blocked, or its context
 *   frozen) commits nothing more until its sender answers a `ping` carrying a `nonce` with a
 *   `pong` echoing it: a sender still running the stream (one that gave up left the port).
 * - **Lost messages.** A port may drop a message it cannot deserialize on the receiving side (a
 *   `messageerror` event there instead of `message`: a `WebAssembly.Module` posted to a
 *   SharedWorker, say), and deliver the next ones. So the sender says how many values it had
 *   posted before each `values`, `end`, `ping` and `pong` (`posted`), and whether it posted its
 *   `end` (`ended`, in `ping` and `pong`, addressed to its receiver); a receiver that has had
 *   fewer values, or no `end`,
 *   lost a message: it commits nothing more, and closes with an error, its `closed` saying so
 *   (`lost`). On a `messageerror`, receivers ping their senders, whose `pong` tells them at
 *   once. Absent counts (a sender of an earlier release) are not checked.
 *
 * Every message carries `source: 'chanasync-port'`, `version: 1` and the stream's `name`.
 */

/** The `source` of every port message: tells them from other traffic on the same port. */
export const PORT_SOURCE = 'chanasync-port';
/** The protocol version every message carries. */
export const PORT_VERSION = 1;

/** What every port message carries. */
interface Envelope {
  readonly source: typeof PORT_SOURCE;
  readonly version: typeof PORT_VERSION;
  /** The stream's name: a sender and a receiver pair by name over one port. */
  readonly name: string;
}

/** What every message of a paired stream carries. */
interface SessionEnvelope extends Envelope {
  /** The random id the sender chose for this stream, answered back by the receiver. */
  readonly session: string;
}

/** Sender → receiver: a sender of this name wants to pair (posted until answered). */
export interface OpenMessage extends SessionEnvelope {
  readonly type: 'open';
}

/**
 * What carries the receiver's id: the receiver names itself in `credit` and `closed`, and the
 * sender addresses `values` and `end` to the receiver whose credit it runs on. A receiver
 * ignores values and ends addressed to another one — say, to the receiver of the same name that
 * came before it, whose sender's `open` it heard late. Absent: any receiver (an `end` posted
 * while pairing).
 */
interface Addressed {
  readonly receiver?: string | undefined;
}

/** What the sender says of the values it posted, so that a receiver can tell a message was lost. */
interface Counted {
  /** How many values the sender had posted in this session before this message. */
  readonly posted?: number | undefined;
}

/** Sender → receiver: values pulled in one turn, in order. */
export interface ValuesMessage extends SessionEnvelope, Addressed, Counted {
  readonly type: 'values';
  /** At least one value. */
  readonly values: readonly unknown[];
}

/** Sender → receiver: close the channel after the values posted before this message. */
export interface EndMessage extends SessionEnvelope, Addressed, Counted {
  readonly type: 'end';
  /** The close reason; absent for a close without one (with `abort`: the sender gave up). */
  readonly reason?: unknown;
  /** Close at once: values that arrived but found no room yet are not committed. */
  readonly abort: boolean;
  /**
   * When the sender gave up while pairing (`Date.now()` in its context; with `abort`, addressed
   * to no receiver): a receiver created later unbinds and stays open. A receiver of an earlier
   * release, which does not know the field, closes with `reason`, as one that existed then does.
   */
  readonly gaveUpAt?: number | undefined;
}

/**
 * Receiver → sender: a receiver of this name now listens (posted once, at its creation) — or,
 * with `closingAt` and then `closedAt`, one closed before any sender paired with it.
 */
export interface ReadyMessage extends Envelope {
  readonly type: 'ready';
  /**
   * When the receiver closed, never paired (`Date.now()` in its context), posted at once: its
   * context may end in that very turn (`self.close()`, its port closed) and never post the
   * `closedAt` that follows. A sender pairing since before then waits `GONE_AFTER_MS` (5 s)
   * for that `closedAt`, or for a new receiver of the name in the same context (a remount),
   * with which it pairs; hearing neither, it ends as for `closed`. A sender
   * of an earlier release reads it as a plain `ready` and posts `open` again, as before.
   */
  readonly closingAt?: number | undefined;
  /**
   * When the receiver closed, never paired, posted at the end of that turn unless a new
   * receiver of the name took its place on the port: a sender pairing since before then ends,
   * as for a `closed` (it would wait for ever), unless it heard a remount since the
   * `closingAt` of that close; one started later waits for the next receiver.
   */
  readonly closedAt?: number | undefined;
  /**
   * The receiver's context, and the number of this message's event among its pairing events
   * (a creation or a close): a sender in the same context orders a close against its own
   * `open` by these instead of the time, so a close and an `open` in one millisecond are
   * ordered as they happened; and a `ready` of a creation with a later number from the same
   * context than a close is a remount of it.
   */
  readonly realm?: string | undefined;
  readonly event?: number | undefined;
}

/** Receiver → sender: the cumulative credit and commit counts. */
export interface CreditMessage extends SessionEnvelope, Addressed {
  readonly type: 'credit';
  /** How many values the sender may have pulled in all (a count, or `Infinity`). */
  readonly granted: number;
  /** How many values were committed into the receiving channel in all. */
  readonly committed: number;
}

/** Receiver → sender: the receiving channel is closed; nothing more will be committed. */
export interface ClosedMessage extends SessionEnvelope, Addressed {
  readonly type: 'closed';
  /** How many values were committed into the receiving channel in all. */
  readonly committed: number;
  /** The receiver closed because a message of the sender never arrived (see "Lost messages"). */
  readonly lost?: boolean | undefined;
}

/**
 * What a sender's `ping` and `pong` carry, addressed to the receiver it runs on (a receiver's
 * carry none of these fields).
 */
interface Heartbeat extends Counted, Addressed {
  /** The sender posted its `end`. */
  readonly ended?: boolean | undefined;
  /**
   * The sender has pulled all the credit it heard of: it pulls nothing more until a `credit`
   * raises it. A receiver that granted more posts its `credit` again (one was lost).
   */
  readonly starved?: boolean | undefined;
}

/** Either way: nothing heard for a while; please answer. */
export interface PingMessage extends SessionEnvelope, Heartbeat {
  readonly type: 'ping';
  /**
   * A receiver that was silent too long asks with a nonce whether its sender still runs the
   * stream; the sender's `pong` echoes it (see "Liveness").
   */
  readonly nonce?: string | undefined;
}

/** Either way: the answer to a `ping`. */
export interface PongMessage extends SessionEnvelope, Heartbeat {
  readonly type: 'pong';
  /** The `nonce` of the `ping` answered, if it had one. */
  readonly nonce?: string | undefined;
}

/** Every message a sender posts. */
export type SenderToReceiverMessage = OpenMessage | ValuesMessage | EndMessage | PingMessage | PongMessage;

/** Every message a receiver posts. */
export type ReceiverToSenderMessage = ReadyMessage | CreditMessage | ClosedMessage | PingMessage | PongMessage;

/** Any port message. */
export type PortMessage = SenderToReceiverMessage | ReceiverToSenderMessage;

/** A count: a non-negative integer. */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Whether `data` is a well-formed port message. Anything else — another library's traffic, a
 * message of a future version, a malformed one — is ignored by the code that receives it.
 * Useful to code that shares a port with chanasync streams and must skip their messages.
 *
 * @example
 * ```ts
 * import { isPortMessage } from 'chanasync/port';
 *
 * const worker = new Worker('./worker.js', { type: 'module' });
 * worker.addEventListener('message', (event) => {
 *   if (isPortMessage(event.data)) return; // a chanasync/port stream's traffic
 *   console.log('app message', event.data);
 * });
 * ```
 */
export function isPortMessage(data: unknown): data is PortMessage {
  // Never throws: an object whose fields throw when read (a revoked Proxy, a getter) is not one.
  try {
    return isWellFormed(data);
  } catch {
    return false;
  }
}

/** {@link isPortMessage}'s checks, which may throw on a hostile object. */
function isWellFormed(data: unknown): data is PortMessage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  if (message.source !== PORT_SOURCE || message.version !== PORT_VERSION || typeof message.name !== 'string') {
    return false;
  }
  if (message.type === 'ready') {
    return (
      (message.closingAt === undefined || Number.isFinite(message.closingAt)) &&
      (message.closedAt === undefined || Number.isFinite(message.closedAt)) &&
      (message.realm === undefined || typeof message.realm === 'string') &&
      (message.event === undefined || Number.isFinite(message.event))
    );
  }
  if (typeof message.session !== 'string' || message.session === '') return false;
  if (message.receiver !== undefined && typeof message.receiver !== 'string') return false;
  if (message.posted !== undefined && !isCount(message.posted)) return false;
  switch (message.type) {
    case 'open':
      return true;
    case 'ping':
    case 'pong':
      return (
        (message.ended === undefined || typeof message.ended === 'boolean') &&
        (message.starved === undefined || typeof message.starved === 'boolean') &&
        (message.nonce === undefined || typeof message.nonce === 'string')
      );
    case 'values':
      return Array.isArray(message.values) && message.values.length > 0;
    case 'end':
      return (
        typeof message.abort === 'boolean' && (message.gaveUpAt === undefined || typeof message.gaveUpAt === 'number')
      );
    case 'credit':
      return (
        isCount(message.committed) &&
        (isCount(message.granted) || message.granted === Number.POSITIVE_INFINITY) &&
        message.granted >= message.committed
      );
    case 'closed':
      return isCount(message.committed) && (message.lost === undefined || typeof message.lost === 'boolean');
    default:
      return false;
  }
}
