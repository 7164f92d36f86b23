/**
 * The RPC shape between a {@link DurableChannel} client and its {@link ChannelObject}: every
 * request and every answer, and nothing else. A reader can check the durable-channel contract
 * against this file line by line; the logic lives in `object.ts` (the Durable Object) and
 * `client.ts` (the caller's side).
 *
 * Every method of the object takes one request object and answers with one tagged answer
 * (`kind`); no method throws for a channel condition (closed, full, empty, wrong capacity),
 * because an exception crossing Workers RPC loses its class and breaks the caller's stub.
 *
 * Identity of an operation. Each logical operation carries an id chosen once by the client and
 * reused by every retry and every wait slice of that operation:
 * - a push's `id` (its idempotency key): the object stores a value under a given id at most
 *   once, and parks at most one waiting push per id;
 * - a pull's `ticket`: names the waiting pull (its place in the FIFO of pullers survives the
 *   end of a slice) and the lease of the values handed out to it, so that a retried pull whose
 *   answer was lost gets the same values again instead of new ones. A pull whose values were
 *   all taken by other pulls' late acknowledgements pulls again with the same ticket, which its
 *   acknowledgement (with {@link AckRequest.requeue}) queued again at the pull's place.
 *
 * No version field: a newer field is optional and an object of an earlier version ignores it (a
 * client of an earlier version sends none), so both combinations work, with the earlier behaviour.
 *
 * @internal
 */

/** The Durable Object methods a client calls, as the stub exposes them. @internal */
export interface ChannelRpc {
  push(request: PushRequest): Promise<PushAnswer>;
  /**
   * The first calls of several pushes and pulls one client made together (in one synchronous
   * run of its code), in the order they were made: each is handled as `push` or `pull` in that
   * order, so values are stored, and leased to pulls, in it; one that must wait answers `again`
   * at once, its place kept, and goes on with calls of its own. The answers come in the same
   * order. An object of an earlier version has no such method: the client then makes each call
   * on its own.
   */
  inOrder(calls: JointCall[]): Promise<(PushAnswer | PullAnswer)[]>;
  pull(request: PullRequest): Promise<PullAnswer>;
  ack(request: AckRequest): Promise<AckAnswer>;
  cancel(request: CancelRequest): Promise<CancelAnswer>;
  close(request: CloseRequest): Promise<CloseAnswer>;
  stats(request: ChannelRequest): Promise<StatsAnswer>;
  restore(request: RestoreRequest): Promise<RestoreAnswer>;
}

/** One call of {@link ChannelRpc.inOrder}: a push's or a pull's request. @internal */
export type JointCall = { push: PushRequest } | { pull: PullRequest };

/** What every request carries: the capacity the client asks for. @internal */
export interface ChannelRequest {
  /**
   * The capacity given to `durableChannel`, or `null` when it was omitted (then any existing
   * channel is accepted, and a new one is unbounded). The first request that reaches a fresh
   * object fixes the channel's capacity; a later request with a different number is refused
   * with a {@link CapacityAnswer}.
   */
  capacity: number | null;
}

/** Limits of one waiting call. @internal */
export interface WaitLimits {
  /** `true`: wait for room or a value; `false`: answer now (`tryPush`, `tryPull`). */
  wait: boolean;
  /** How long this call may stay parked in the object before it answers `again`. */
  sliceMs: number;
  /**
   * How long a handed-out value stays leased without an acknowledgement, and how long the
   * object keeps the place of a waiter that is between two slices.
   */
  leaseMs: number;
}

/** `push(value)`: store `value` under `id`. @internal */
export interface PushRequest extends ChannelRequest, WaitLimits, Ranked {
  /** The idempotency key: a push with an id already stored is answered `stored` and stores nothing. */
  id: string;
  value: unknown;
  /**
   * The push operation's own id (a push with a signal sends one; the same in all its calls). Its
   * cancel names it, so that a call of the withdrawn operation that reaches the object after the
   * cancel is answered `cancelled` instead of being stored or parked: two calls on one stub do
   * not always reach the object in the order they were made.
   */
  op?: string | undefined;
}

/**
 * The client (one `durableChannel` object) that made a push or a pull, and the operation's rank
 * among that client's operations: concurrent calls may reach the object in any order, and a
 * waiting push or pull queues ahead of the same client's waiting ones made after it. @internal
 */
export interface Ranked {
  client?: string;
  order?: number;
}

/** `pull()`, `pullMany(max)`, `tryPull()`: lease up to `max` values to `ticket`. @internal */
export interface PullRequest extends ChannelRequest, WaitLimits, Ranked {
  ticket: string;
  max: number;
}

/** A value handed out under a lease. @internal */
export interface Delivery {
  /** The push id: the value's delivery id, the same on every delivery of this value. */
  id: string;
  value: unknown;
  /** The value's position in the channel, unique for the life of the channel. */
  seq: number;
  /** How many times the value has been leased, this time included. */
  attempt: number;
}

/** The acknowledgement of the values leased to `ticket`: it removes them from the channel. @internal */
export interface AckRequest extends ChannelRequest {
  ticket: string;
  /** `[seq, attempt]` of each delivery, so that an ack still works after the object was reset. */
  deliveries: [seq: number, attempt: number][];
  /**
   * Asks for the fates that tell who removed a value ({@link AckFate}: `acked` for this ticket's
   * earlier attempt, `gone` for another ticket's, `forgotten` when unknown); the answer then says
   * `exact: true`. Without it (a client of an earlier version), or from an object of an earlier
   * version (no `exact` in the answer), every value no longer in the channel is `gone`, whoever
   * removed it: a retried acknowledgement then counts it as its own (at-least-once).
   */
  exact?: boolean | undefined;
  /**
   * The client will pull again with this ticket if none of the values is its own: when other
   * pulls' acknowledgements took every value of the ticket's lease, the object queues the pull
   * again at its place (away, for its `leaseMs`), ahead of the pulls that came after it, also when
   * its own lease had ended (for `leaseMs` after it ended). A pull the object no longer knows (its
   * lease ended longer ago, or the object restarted: places are in memory) gets no place: it
   * queues at the tail. Without it (a client of an earlier version, which pulls again under a
   * new ticket), or from an object of an earlier version, the pull queues again at the tail.
   */
  requeue?: true | undefined;
}

/** Withdraw a waiting push (by its id) or a pull (by its ticket), releasing any lease it holds. @internal */
export interface CancelRequest extends ChannelRequest {
  side: 'push' | 'pull';
  /** The push id, or the pull ticket. */
  key: string;
  /** For a push: its {@link PushRequest.op}. */
  op?: string | undefined;
}

/** `close(reason)`. @internal */
export interface CloseRequest extends ChannelRequest {
  /** Whether a reason was given (`undefined` is not stored). */
  hasReason: boolean;
  reason: unknown;
}

/** The channel is closed (and, for a pull, drained). @internal */
export interface ClosedAnswer {
  kind: 'closed';
  hasReason: boolean;
  reason: unknown;
}

/** The request's capacity differs from the one the channel was created with. @internal */
export interface CapacityAnswer {
  kind: 'capacity';
  /** The channel's capacity (`Infinity` when unbounded). */
  capacity: number;
}

/** The slice ended: call again with the same id or ticket to keep waiting in the same place. @internal */
export interface AgainAnswer {
  kind: 'again';
}

/** The operation was withdrawn by a `cancel`. @internal */
export interface CancelledAnswer {
  kind: 'cancelled';
}

/** Answers to a push. `full`: only without `wait`. `invalid`: the value cannot be stored. @internal */
export type PushAnswer =
  | { kind: 'stored' }
  | { kind: 'full' }
  | { kind: 'invalid'; message: string }
  | AgainAnswer
  | CancelledAnswer
  | ClosedAnswer
  | CapacityAnswer;

/** Answers to a pull. `empty`: only without `wait`. @internal */
export type PullAnswer =
  | { kind: 'values'; deliveries: Delivery[] }
  | { kind: 'empty' }
  | AgainAnswer
  | CancelledAnswer
  | ClosedAnswer
  | CapacityAnswer;

/**
 * The fate of each acknowledged delivery, in request order, for an {@link AckRequest.exact}
 * request:
 * - `acked`: removed by this acknowledgement, or by an earlier one of the same ticket (an attempt
 *   whose answer was lost): it is the caller's;
 * - `taken`: not answered since 2026-11-30 (a value still in the channel goes to the first
 *   acknowledgement, whoever holds its lease); earlier objects answered it when the caller's
 *   lease had ended and the value had been handed to another pull: not the caller's;
 * - `gone`: removed by the acknowledgement of another ticket: not the caller's;
 * - `forgotten`: no longer in the channel, and the object no longer knows which ticket removed it
 *   (it restarted since, or the removal is older than it remembers): the caller's own earlier
 *   attempt may have removed it.
 * Without `exact`, `acked` is only "removed now" and every value already removed is `gone`. @internal
 */
export type AckFate = 'acked' | 'taken' | 'gone' | 'forgotten';

/** The answer to an {@link AckRequest}. @internal */
export type AckAnswer = { kind: 'acks'; fates: AckFate[]; exact?: true } | CapacityAnswer;

/**
 * `cancelled`: the operation was waiting (or held a lease) and is withdrawn; `stored`: the push
 * had already been stored (the cancel came too late); `unknown`: nothing under that key yet. In
 * every case but `stored`, a call of the withdrawn operation (the pull ticket, the push `op`)
 * that arrives after the cancel is answered `cancelled`, so nothing of it is stored or leased
 * later. @internal
 */
export type CancelAnswer = { kind: 'cancelled' } | { kind: 'stored' } | { kind: 'unknown' } | CapacityAnswer;

/**
 * Puts values that `ticket` acknowledged back where they were, by their `seq` (so at the head,
 * in order), with their id and attempt: an iterator's `return()` came while their
 * acknowledgement was under way, and the `next()` they were for is answered done — a
 * `ReadableStream.from(channel)` cancelled then would drop the value. A value is put back once:
 * only while the object remembers `ticket`'s acknowledgement of it, which this forgets, and not
 * into a channel that is closed and drained (whose pulls were told it ended). @internal
 */
export interface RestoreRequest extends ChannelRequest {
  ticket: string;
  deliveries: Delivery[];
}

/**
 * `restored`: every value the object still remembered as acknowledged by the ticket is back;
 * `seqs` lists them (an object of an earlier version leaves it out: all of them). @internal
 */
export type RestoreAnswer = { kind: 'restored'; seqs?: number[] } | CapacityAnswer;

/** `close` always succeeds (it is idempotent) unless the capacity is wrong. @internal */
export type CloseAnswer = { kind: 'closed' } | CapacityAnswer;

/** A copy of the channel's state. @internal */
export type StatsAnswer = { kind: 'stats'; stats: DurableStatsBody } | CapacityAnswer;

/** The object's part of {@link DurableChannelStats}. @internal */
export interface DurableStatsBody {
  capacity: number;
  size: number;
  leased: number;
  closed: boolean;
  waitingPushers: number;
  waitingPullers: number;
}
