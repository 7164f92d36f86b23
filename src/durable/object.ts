/**
 * `ChannelObject`: one durable channel, kept by one Durable Object with SQLite storage.
 *
 * The values live in storage; the waiting operations live in memory. Every method runs to its
 * first `await` without interruption and uses only synchronous storage calls, so each call's
 * changes form one implicit transaction, and the runtime's output gate holds every answer
 * (including the answers a call gives to *other*, parked calls) until those changes are
 * durable: an answer `stored` means the value is on disk.
 *
 * Storage (the `chanasync_` tables and `chanasync/` keys; nothing else of the object's storage
 * is touched):
 * - `chanasync_meta`: one row, created by the first request: `capacity` (NULL: unbounded),
 *   `closed`, `has_reason`, `next_seq`. The close reason is the KV entry `chanasync/reason`.
 * - `chanasync_values`: one row per stored value, `seq` (its position: strictly increasing,
 *   never reused), `id` (the push id, which is also its delivery id), `attempt` (how many times
 *   it was leased, less the leases its pull withdrew: those never reached a caller), `leased`
 *   (1 while handed out and not acknowledged). The value itself is the
 *   KV entry `chanasync/value/<seq>` (structured clone).
 * - `chanasync_ids`: the push ids stored, kept for {@link DEDUP_MS} after the push and at least
 *   as long as the value is in the channel: a push whose id is here is answered `stored` again
 *   and stores nothing.
 *
 * Invariants (true whenever no method is running):
 * - Who owns a value: a value is the channel's from the moment its row is written (push
 *   committed) until a pull's acknowledgement deletes the row (pull committed). In between it is
 *   either *ready* (`leased = 0`) or *leased* to exactly one pull ticket (`leased = 1`, listed in
 *   `leases` under that ticket with the row's current `attempt`).
 * - Who takes a value: the first `ack` that names a row still in the table deletes it, whether
 *   the row is leased to that ticket, ready again, or leased again to another ticket that has not
 *   acknowledged it (that ticket's `ack` then finds it `gone`).
 * - When a lease ends: by the ticket's `ack` (the row is deleted), by its `cancel`, or when its
 *   `until` passes without an ack (the caller disconnected, was cancelled, or its answer was
 *   lost), and for every lease at once when the object restarts (the previous instance's answers
 *   may never have arrived). An ended lease puts the row back to ready at its own `seq`: at the
 *   head, ahead of every value pushed after it, so FIFO order holds for redeliveries.
 * - Ready values and waiting pulls never coexist: whenever a value becomes ready it is leased
 *   to the oldest waiting pull (`servePullers`), parked or between two slices.
 * - `ready + leased <= capacity` for values stored by a push; waiting pushes exist only while the
 *   channel is full, and are stored in FIFO order as room appears (`servePushers`), including
 *   those between two slices (they find their id stored when they come back).
 * - Once closed, no push waits and none is stored; waiting pulls are failed once nothing is
 *   ready *or leased* (a lease that ends puts its value back, and that value is still readable).
 * - Waiting places: a waiter is *parked* while one of its calls is pending (`calls` not empty) and
 *   *away* between two slices (`awayUntil` finite); an away waiter keeps its place for
 *   `leaseMs`, then is forgotten. An alarm (not a timer) fires at the earliest `until` or
 *   `awayUntil`, so that nothing but a parked call keeps the object from hibernating.
 * - Places: every pull gets a place (in memory) when it first comes; waiting pulls are served in
 *   place order. A pull whose leased values were all taken by other pulls' acknowledgements (a
 *   lease ended, its values went on, then a late acknowledgement came) queues again at its place
 *   when its own acknowledgement asks it (`requeue`), away until its next call with the same
 *   ticket; an ended lease is kept, empty, for `leaseMs` for that. A restart forgets every place.
 * - Who removed a value: the ticket whose acknowledgement deleted a row is remembered in memory
 *   for {@link ACKED_MS}, so that a retried acknowledgement (its first answer was lost) learns
 *   whether that first attempt removed the value (`acked`: the caller's) or another pull did
 *   after a reset ended the lease (`gone`: not the caller's, or the value is delivered twice).
 *   After a restart the object answers `forgotten`, and the client keeps the value: at least once.
 */
import { DurableObject } from 'cloudflare:workers';
import type {
  AckAnswer,
  AckFate,
  AckRequest,
  CancelAnswer,
  CancelRequest,
  CapacityAnswer,
  ChannelRequest,
  ChannelRpc,
  CloseAnswer,
  ClosedAnswer,
  CloseRequest,
  Delivery,
  JointCall,
  PullAnswer,
  PullRequest,
  PushAnswer,
  PushRequest,
  RestoreAnswer,
  RestoreRequest,
  StatsAnswer,
} from './protocol.js';

/**
 * How long a push id is remembered at least, counted from when its value was stored (and longer
 * while the value is still in the channel): retries within it are stored once.
 */
export const DEDUP_MS = 10 * 60_000;
/** The most values one pull call takes (a larger `pullMany(max)` takes up to this many). */
export const MAX_BATCH = 1000;
/**
 * How long a withdrawn operation is remembered: a call of it that arrives later (it was overtaken
 * by its cancel, or it is a retry sent before the abort) is answered `cancelled`.
 */
const WITHDRAWN_MS = 60_000;
/**
 * How long the object remembers which ticket acknowledged a value, and for how many values at
 * most: a client retries an acknowledgement whose answer it lost within a few seconds, and the
 * retry must learn whether that first attempt removed the value or another pull's ack did.
 */
const ACKED_MS = 60_000;
const ACKED_MAX = 10_000;

/** The part of `ctx.storage.sql` used here. @internal */
export interface SqlStorageLike {
  exec(query: string, ...bindings: unknown[]): SqlCursorLike;
}
/** A SQL cursor. @internal */
export interface SqlCursorLike {
  toArray(): Record<string, unknown>[];
  readonly rowsWritten: number;
}
/** The part of `ctx.storage` (SQLite-backed) used here. @internal */
export interface DurableObjectStateLike {
  storage: {
    sql: SqlStorageLike;
    kv: { get(key: string): unknown; put(key: string, value: unknown): void; delete(key: string): boolean };
    setAlarm(scheduledTime: number): Promise<void>;
  };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chanasync_meta (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  capacity INTEGER,
  closed INTEGER NOT NULL,
  has_reason INTEGER NOT NULL,
  next_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chanasync_values (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  leased INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chanasync_values_ready ON chanasync_values (leased, seq);
CREATE TABLE IF NOT EXISTS chanasync_ids (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chanasync_ids_at ON chanasync_ids (at);
`;

const REASON_KEY = 'chanasync/reason';
/** The key of the trial write that checks a waiting push's value (written and deleted in one turn). */
const PROBE_KEY = 'chanasync/probe';
const valueKey = (seq: number) => `chanasync/value/${seq}`;

/** The channel's settings and state that survive restarts (a copy of `chanasync_meta`). */
interface Meta {
  capacity: number;
  closed: boolean;
  hasReason: boolean;
  nextSeq: number;
}

/** What every waiting operation has. */
interface Waiter<Answer> {
  /**
   * The calls parked for this waiter, each answered once (which clears its slice timer). Usually
   * one; more when the same push id arrives from two callers at once (an HTTP retry while the
   * first request still waits) or a caller retried after losing an answer: every one of them
   * waits in the same place and gets the same outcome.
   */
  calls: Set<(answer: Answer) => void>;
  /** Between two slices: when this place is forgotten. `Infinity` while parked. */
  awayUntil: number;
  /** How long the place is kept between slices (the caller's lease time). */
  leaseMs: number;
}

/** Where a waiter queues: behind the waiters of lower place, ahead of its client's later operations. */
interface Queued {
  client: string | undefined;
  order: number;
  /**
   * The waiter's place among pulls, in the order they came (0 for pushes): a pull that lost its
   * values to another pull's late acknowledgement queues again at its place (see `ack`).
   */
  place: number;
}

/** A waiting push: its value is not the channel's yet (it is only in memory). */
interface PushWaiter extends Waiter<PushAnswer>, Queued {
  id: string;
  value: unknown;
}

/** A waiting pull. */
interface PullWaiter extends Waiter<PullAnswer>, Queued {
  ticket: string;
  max: number;
}

/** The values leased to one pull ticket. */
interface Lease {
  /**
   * Empty once the lease ended or other pulls' acknowledgements took them all; an empty lease is
   * kept until its ticket's `ack`, or `leaseMs` after `until`.
   */
  rows: { seq: number; id: string; attempt: number }[];
  /** When the lease ends without an acknowledgement. */
  until: number;
  /** The pull it was leased to (its place, to queue it again there if it loses every value). */
  waiter: PullWaiter;
}

/**
 * Drops the entries of `memory` (by seq, oldest first) whose time has passed, and the oldest
 * beyond {@link ACKED_MAX}.
 */
function forgetOld(memory: Map<number, { until: number }>, now: number): void {
  for (const [seq, { until }] of memory) {
    if (until > now && memory.size < ACKED_MAX) break;
    memory.delete(seq);
  }
}

/**
 * The Durable Object class behind `durableChannel`. See the module comment for its storage and
 * invariants; its methods are the RPC surface of `protocol.ts`, called only by the client.
 *
 * Every helper is `#private`: Workers RPC exposes each public prototype method and getter of a
 * Durable Object class to whoever holds a stub, and only the methods of `protocol.ts` are meant
 * to be called.
 *
 * @internal The public type is `ChannelObject` in `index.ts`.
 */
export class ChannelObjectImpl extends DurableObject implements ChannelRpc {
  /** The channel's settings; `undefined` until the first request creates the channel. */
  private $meta: Meta | undefined;
  /** The close reason, read from storage once. */
  private $reason: unknown;
  /** Stored values not leased. */
  private $ready = 0;
  /** Stored values leased to a pull and not yet acknowledged. */
  private $leased = 0;
  /** Waiting pushes by id, oldest first (a `Map` iterates in insertion order). */
  private readonly $pushWaiters = new Map<string, PushWaiter>();
  /** Waiting pulls by ticket, oldest first (in the order of their places). */
  private readonly $pullWaiters = new Map<string, PullWaiter>();
  /** The last place given to a pull (memory only: a restart forgets every place). */
  private $places = 0;
  /** Leases by ticket. */
  private readonly $leases = new Map<string, Lease>();
  /** The earliest `until` or `awayUntil`: `expire` has nothing to do before it. */
  private $deadline = Infinity;
  /** When the alarm is set for (`Infinity`: none). */
  private $alarmAt = Infinity;
  /** When expired push ids were last deleted. */
  private $purgedAt = 0;
  /** Withdrawn operations (`push:<op>`, `pull:<ticket>`) → when they are forgotten; oldest first. */
  private readonly $withdrawn = new Map<string, number>();
  /** Values removed by an acknowledgement: seq → the ticket that acknowledged it, and until when it is remembered; oldest first. */
  private readonly $acked = new Map<number, { ticket: string; until: number }>();
  /**
   * Values put back by `restore`, by the ticket that put them back, as long as their
   * acknowledgement would have been remembered: a retried put-back (its answer lost) is told
   * they are back, not that they were forgotten (then its client would hand them out too).
   */
  private readonly $restored = new Map<number, { ticket: string; until: number }>();

  constructor(ctx: DurableObjectStateLike, env: unknown) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(SCHEMA);
    // The leases of the previous instance end with it: its answers may never have arrived.
    sql.exec('UPDATE chanasync_values SET leased = 0 WHERE leased = 1');
    const row = sql.exec('SELECT capacity, closed, has_reason, next_seq FROM chanasync_meta').toArray()[0];
    if (row !== undefined) {
      this.$meta = {
        capacity: row.capacity === null ? Infinity : Number(row.capacity),
        closed: row.closed === 1,
        hasReason: row.has_reason === 1,
        nextSeq: Number(row.next_seq),
      };
      if (this.$meta.hasReason) this.$reason = ctx.storage.kv.get(REASON_KEY);
      this.$ready = Number(sql.exec('SELECT count(*) AS n FROM chanasync_values').toArray()[0]?.n ?? 0);
    }
  }

  get #sql(): SqlStorageLike {
    return this.ctx.storage.sql;
  }

  /** Values the channel holds: ready plus leased. */
  get #total(): number {
    return this.$ready + this.$leased;
  }

  // ---------------------------------------------------------------------------------------
  // RPC methods (see protocol.ts)

  /** Stores a value (or waits for room), at most once per id. */
  async push(request: PushRequest): Promise<PushAnswer> {
    const meta = this.#open(request);
    if (!('nextSeq' in meta)) return meta;
    if (this.$withdrawn.size > 0 && request.op !== undefined && this.#isWithdrawn(`push:${request.op}`)) {
      return { kind: 'cancelled' };
    }
    if (this.#isStored(request.id)) return { kind: 'stored' };
    const waiting = this.$pushWaiters.get(request.id);
    if (meta.closed) {
      if (waiting !== undefined) this.#dropPushWaiter(waiting, this.#closedAnswer());
      return this.#closedAnswer();
    }
    if (waiting !== undefined) {
      if (!request.wait) return { kind: 'full' };
      // The same push again: its slice ended, its caller retried after losing an answer, or a
      // second caller pushes the same id. It keeps its place; a call still parked for it stays
      // parked (answering it `again` would make a live caller call back at once, and two callers
      // of one id would then bounce each other in a loop of calls until room appeared).
      return this.#park(waiting, request.sliceMs);
    }
    if (this.$pushWaiters.size === 0 && this.#total < meta.capacity) {
      try {
        this.#store(meta, request.id, request.value);
      } catch (error) {
        return this.#refused(error);
      }
      this.#servePullers();
      return { kind: 'stored' };
    }
    if (!request.wait) return { kind: 'full' };
    // Refuse what storage would refuse now rather than when room appears, when nobody may be
    // listening any more (an RPC stub received in place of a function, a value larger than
    // storage takes): a trial write, undone in the same turn, so nothing of it is committed.
    // Only the first call of a waiting push pays for it.
    try {
      this.ctx.storage.kv.put(PROBE_KEY, request.value);
      this.ctx.storage.kv.delete(PROBE_KEY);
    } catch (error) {
      return this.#refused(error);
    }
    const waiter: PushWaiter = {
      id: request.id,
      value: request.value,
      calls: new Set(),
      awayUntil: Infinity,
      leaseMs: request.leaseMs,
      client: request.client,
      order: request.order ?? 0,
      place: 0,
    };
    queueInOrder(this.$pushWaiters, waiter.id, waiter);
    return this.#park(waiter, request.sliceMs);
  }

  /**
   * The first calls of pushes and pulls one client made together, handled in their order in
   * one turn (so values are stored, and leased, in it); one that must wait is parked for a slice
   * of 0: it answers `again` at once and keeps its place, so the answers of the others are not
   * held back by it.
   */
  async inOrder(calls: JointCall[]): Promise<(PushAnswer | PullAnswer)[]> {
    if (!Array.isArray(calls)) throw new TypeError('inOrder(calls): calls must be an array');
    return Promise.all(
      calls.map((call) =>
        'push' in call ? this.push({ ...call.push, sliceMs: 0 }) : this.pull({ ...call.pull, sliceMs: 0 }),
      ),
    );
  }

  /** Leases up to `max` values to the ticket (or waits for one). */
  async pull(request: PullRequest): Promise<PullAnswer> {
    const meta = this.#open(request);
    if (!('nextSeq' in meta)) return meta;
    if (this.$withdrawn.size > 0 && this.#isWithdrawn(`pull:${request.ticket}`)) return { kind: 'cancelled' };
    const now = Date.now();
    const lease = this.$leases.get(request.ticket);
    if (lease?.rows.length) {
      // Values already leased to this ticket: served while it was between two slices, or an
      // answer that got lost. The same values again, under a renewed lease.
      lease.until = now + request.leaseMs;
      this.#schedule(lease.until);
      return { kind: 'values', deliveries: this.#deliveries(lease) };
    }
    let waiter = this.$pullWaiters.get(request.ticket);
    if (waiter === undefined) {
      waiter = {
        ticket: request.ticket,
        max: Math.min(request.max, MAX_BATCH),
        calls: new Set(),
        awayUntil: Infinity,
        leaseMs: request.leaseMs,
        client: request.client,
        order: request.order ?? 0,
        place: ++this.$places,
      };
      if (this.$ready > 0) return { kind: 'values', deliveries: this.#deliveries(this.#lease(waiter)) };
      if (meta.closed && this.#total === 0) return this.#closedAnswer();
      if (!request.wait) return { kind: 'empty' };
      queueInOrder(this.$pullWaiters, waiter.ticket, waiter);
    }
    return this.#park(waiter, request.sliceMs);
  }

  /** Acknowledges the deliveries of a ticket: each value still in the channel is removed, the ticket's. */
  async ack(request: AckRequest): Promise<AckAnswer> {
    const meta = this.#open(request);
    if (!('nextSeq' in meta)) return meta;
    const lease = this.$leases.get(request.ticket);
    this.$leases.delete(request.ticket);
    const fates: AckFate[] = [];
    for (const [seq, attempt] of request.deliveries) {
      const row = this.#sql.exec('SELECT attempt, leased FROM chanasync_values WHERE seq = ?', seq).toArray()[0];
      if (row === undefined) {
        // Removed already: by an earlier attempt of this acknowledgement (its answer was lost), or
        // by another pull's after this ticket's lease ended. Told apart while remembered.
        // (A client of an earlier version does not ask, and gets `gone` for both.)
        const by = this.$acked.get(seq);
        if (request.exact !== true) fates.push('gone');
        else fates.push(by === undefined ? 'forgotten' : by.ticket === request.ticket ? 'acked' : 'gone');
      } else {
        // Still in the channel, so nobody has taken it: the first acknowledgement takes it. That
        // is this ticket's if its lease still holds; if the lease ended and the value went back
        // to ready, or on to another pull that has not acknowledged it yet, it is still this
        // ticket's to take (that pull's acknowledgement will be answered `gone`). Refusing it
        // would let leases shorter than a round trip pass a value from pull to pull forever.
        if (Number(row.attempt) !== attempt && row.leased === 1) this.#forgetLeasedRow(seq);
        this.#remove(seq, row.leased === 1);
        this.#rememberAck(seq, request.ticket);
        fates.push('acked');
      }
    }
    if (lease !== undefined) {
      // Values of the lease that the ack left out (a client never does) go back to the channel.
      const acked = new Set(request.deliveries.map(([seq]) => seq));
      this.#releaseRows(lease.rows.filter((row) => !acked.has(row.seq)));
      // Every value of the lease was taken by other pulls' (late) acknowledgements: the pull
      // queues again at its place, ahead of the pulls that came after it, and keeps it for its
      // `leaseMs` (away) until its next call with this ticket. Only a client that will call again
      // with the same ticket asks for it (an earlier one pulls again under a new ticket).
      if (request.requeue === true && lease.rows.length === 0 && !fates.includes('acked')) {
        const { waiter } = lease;
        waiter.awayUntil = Date.now() + waiter.leaseMs;
        this.#schedule(waiter.awayUntil);
        queueInOrder(this.$pullWaiters, waiter.ticket, waiter);
      }
    }
    this.#servePushers();
    return request.exact === true ? { kind: 'acks', fates, exact: true } : { kind: 'acks', fates };
  }

  /**
   * Puts back, at their places, values that the request's ticket acknowledged: an iterator's
   * `return()` came while that acknowledgement was under way (see {@link RestoreRequest}).
   */
  async restore(request: RestoreRequest): Promise<RestoreAnswer> {
    const meta = this.#open(request);
    if (!('nextSeq' in meta)) return meta;
    const seqs: number[] = [];
    forgetOld(this.$restored, Date.now());
    // Closed and drained: its waiting pulls were told so, and any later one is. A value put back
    // now would sit in an ended channel that no pull reads (audit BN-D1): it stays out, and the
    // client hands it to the next() that took it.
    const ended = meta.closed && this.#total === 0;
    for (const { seq, id, attempt, value } of request.deliveries) {
      // Once, and only a value this ticket took: a retried restore (its answer lost) does
      // nothing but say the value is back; one for a value whose acknowledgement the object no
      // longer remembers (it restarted) does nothing, and its client hands the value out.
      const by = this.$acked.get(seq);
      if (by?.ticket !== request.ticket) {
        if (this.$restored.get(seq)?.ticket === request.ticket) seqs.push(seq);
        continue;
      }
      if (ended) continue;
      seqs.push(seq);
      this.$acked.delete(seq);
      this.$restored.set(seq, { ticket: request.ticket, until: by.until });
      this.ctx.storage.kv.put(valueKey(seq), value);
      this.#sql.exec('INSERT INTO chanasync_values (seq, id, attempt, leased) VALUES (?, ?, ?, 0)', seq, id, attempt);
      this.$ready++;
    }
    this.#servePullers();
    return { kind: 'restored', seqs };
  }

  /** Withdraws a waiting push or pull; a pull's lease ends and its values go back to the head. */
  async cancel(request: CancelRequest): Promise<CancelAnswer> {
    const meta = this.#open(request);
    if (!('nextSeq' in meta)) return meta;
    if (request.side === 'push') {
      if (this.#isStored(request.key)) return { kind: 'stored' };
      if (request.op !== undefined) this.#withdraw(`push:${request.op}`);
      const waiter = this.$pushWaiters.get(request.key);
      if (waiter === undefined) return { kind: 'unknown' };
      this.#dropPushWaiter(waiter, { kind: 'cancelled' });
      return { kind: 'cancelled' };
    }
    this.#withdraw(`pull:${request.key}`);
    const waiter = this.$pullWaiters.get(request.key);
    if (waiter !== undefined) {
      this.$pullWaiters.delete(waiter.ticket);
      answerAll(waiter, { kind: 'cancelled' });
      return { kind: 'cancelled' };
    }
    const lease = this.$leases.get(request.key);
    if (lease === undefined) return { kind: 'unknown' };
    this.$leases.delete(request.key);
    // Withdrawn by its own pull (an aborted signal, an iterator's `return()`, an answer too large
    // to travel): its values never reached a caller, so the hand-out does not count (audit
    // BS-durable-1: a consumer polling with short timeouts saw values it never received arrive
    // with `attempt` 6, and a retry limit on `attempt` would drop them). The lease is forgotten,
    // and its client never acknowledges a ticket it withdrew, so the attempt number is free again.
    this.#releaseRows(lease.rows, true, true);
    return { kind: 'cancelled' };
  }

  /** Closes the channel (idempotent): waiting pushes fail now, waiting pulls once it is drained. */
  async close(request: CloseRequest): Promise<CloseAnswer> {
    const meta = this.#open(request);
    if (!('nextSeq' in meta)) return meta;
    if (!meta.closed) {
      // The reason first: it is the write that can fail (a reason larger than storage takes is
      // stored as an Error with the start of its message), and nothing may change before it.
      if (request.hasReason) {
        let reason = request.reason;
        try {
          this.ctx.storage.kv.put(REASON_KEY, reason);
        } catch {
          reason = new Error(reasonMessage(request.reason));
          this.ctx.storage.kv.put(REASON_KEY, reason);
        }
        meta.hasReason = true;
        this.$reason = reason;
      }
      meta.closed = true;
      this.#sql.exec('UPDATE chanasync_meta SET closed = 1, has_reason = ?', meta.hasReason ? 1 : 0);
      for (const waiter of [...this.$pushWaiters.values()]) this.#dropPushWaiter(waiter, this.#closedAnswer());
      this.#failDrainedPullers();
    }
    return { kind: 'closed' };
  }

  /** A copy of the channel's state. */
  async stats(request: ChannelRequest): Promise<StatsAnswer> {
    const meta = this.#open(request);
    if (!('nextSeq' in meta)) return meta;
    return {
      kind: 'stats',
      stats: {
        capacity: meta.capacity,
        size: this.$ready,
        leased: this.$leased,
        closed: meta.closed,
        waitingPushers: this.$pushWaiters.size,
        waitingPullers: this.$pullWaiters.size,
      },
    };
  }

  /** Ends the leases and forgets the away waiters whose time has passed. */
  async alarm(): Promise<void> {
    this.$alarmAt = Infinity;
    this.#expire(Date.now());
    // This alarm may have been set for an earlier deadline than the next one (a lease that was
    // acknowledged): set it again for whatever is due next.
    if (this.$deadline !== Infinity) this.#schedule(this.$deadline);
  }

  // ---------------------------------------------------------------------------------------
  // Commit points and waiting

  /**
   * Runs before every request: creates the channel on first use (fixing its capacity), refuses
   * a different capacity, and ends what has expired. Returns the meta, or the refusal.
   */
  #open(request: ChannelRequest): Meta | CapacityAnswer {
    let meta = this.$meta;
    if (meta === undefined) {
      meta = { capacity: request.capacity ?? Infinity, closed: false, hasReason: false, nextSeq: 1 };
      this.#sql.exec(
        'INSERT INTO chanasync_meta (one, capacity, closed, has_reason, next_seq) VALUES (1, ?, 0, 0, 1)',
        meta.capacity === Infinity ? null : meta.capacity,
      );
      this.$meta = meta;
    } else if (request.capacity !== null && request.capacity !== meta.capacity) {
      return { kind: 'capacity', capacity: meta.capacity };
    }
    this.#expire(Date.now());
    return meta;
  }

  /** Remembers a withdrawn operation (see {@link WITHDRAWN_MS}), forgetting those whose time has passed. */
  #withdraw(key: string): void {
    const now = Date.now();
    for (const [old, until] of this.$withdrawn) {
      if (until > now) break;
      this.$withdrawn.delete(old);
    }
    this.$withdrawn.delete(key); // re-inserted last: the map stays oldest first
    this.$withdrawn.set(key, now + WITHDRAWN_MS);
  }

  /** Remembers that `ticket` acknowledged the value at `seq` (see {@link ACKED_MS}), forgetting the oldest. */
  #rememberAck(seq: number, ticket: string): void {
    const now = Date.now();
    forgetOld(this.$acked, now);
    this.$acked.set(seq, { ticket, until: now + ACKED_MS });
  }

  /** Whether an operation was withdrawn (and is still remembered). */
  #isWithdrawn(key: string): boolean {
    return (this.$withdrawn.get(key) ?? 0) > Date.now();
  }

  /**
   * Whether a push with this id was stored and is still remembered: its value is in the channel,
   * or it was stored less than {@link DEDUP_MS} ago. Not merely whether its row is left: rows
   * are purged only by a later store (at most once a minute), so a reuse of an id past the
   * window — a producer's fixed id, once a week — found the old row, answered `stored` and
   * dropped the value (audit BT-durable).
   */
  #isStored(id: string): boolean {
    return (
      this.#sql
        .exec(
          'SELECT 1 FROM chanasync_ids i WHERE i.id = ? AND (i.at >= ? OR EXISTS (SELECT 1 FROM chanasync_values v WHERE v.seq = i.seq))',
          id,
          Date.now() - DEDUP_MS,
        )
        .toArray().length > 0
    );
  }

  /**
   * Commit point of a push: the value, its row and its id are written in this turn, so they
   * become durable together, before any answer leaves the object. Throws, having written
   * nothing, if storage cannot clone the value.
   */
  #store(meta: Meta, id: string, value: unknown): void {
    const seq = meta.nextSeq;
    this.ctx.storage.kv.put(valueKey(seq), value); // first: it is the write that can refuse the value
    const now = Date.now();
    this.#sql.exec('INSERT INTO chanasync_values (seq, id, attempt, leased) VALUES (?, ?, 0, 0)', seq, id);
    this.#sql.exec('INSERT OR REPLACE INTO chanasync_ids (id, seq, at) VALUES (?, ?, ?)', id, seq, now);
    meta.nextSeq = seq + 1;
    this.#sql.exec('UPDATE chanasync_meta SET next_seq = ?', meta.nextSeq);
    this.$ready++;
    if (now - this.$purgedAt > 60_000) {
      this.$purgedAt = now;
      this.#sql.exec(
        'DELETE FROM chanasync_ids WHERE at < ? AND NOT EXISTS (SELECT 1 FROM chanasync_values v WHERE v.seq = chanasync_ids.seq)',
        now - DEDUP_MS,
      );
    }
  }

  /**
   * What a write of a value that threw means. If storage takes a small value right after, it
   * refused that value (not structured-cloneable, too large): the push's answer is `invalid`,
   * which its caller gets as a `TypeError`. If storage fails that too, storage itself is
   * failing (a reset under way, an outage): the error is thrown on, so the call fails with the
   * platform's error, which the client retries when it is retryable, and nothing says the value
   * is bad.
   */
  #refused(error: unknown): PushAnswer {
    try {
      this.ctx.storage.kv.put(PROBE_KEY, 0);
      this.ctx.storage.kv.delete(PROBE_KEY);
    } catch {
      throw error;
    }
    return { kind: 'invalid', message: messageOf(error) };
  }

  /** Commit point of a pull: deletes an acknowledged value. */
  #remove(seq: number, wasLeased: boolean): void {
    this.#sql.exec('DELETE FROM chanasync_values WHERE seq = ?', seq);
    this.ctx.storage.kv.delete(valueKey(seq));
    if (wasLeased) this.$leased--;
    else this.$ready--;
    if (this.$meta?.closed) this.#failDrainedPullers();
  }

  /** Leases the oldest ready values (at most its `max`) to a pull. Precondition: some are ready. */
  #lease(waiter: PullWaiter): Lease {
    const { ticket, max, leaseMs } = waiter;
    const rows = this.#sql
      .exec(
        `UPDATE chanasync_values SET leased = 1, attempt = attempt + 1
         WHERE seq IN (SELECT seq FROM chanasync_values WHERE leased = 0 ORDER BY seq LIMIT ?)
         RETURNING seq, id, attempt`,
        Math.min(max, MAX_BATCH),
      )
      .toArray()
      .map((row) => ({ seq: Number(row.seq), id: String(row.id), attempt: Number(row.attempt) }))
      .sort((a, b) => a.seq - b.seq);
    this.$ready -= rows.length;
    this.$leased += rows.length;
    const lease: Lease = { rows, until: Date.now() + leaseMs, waiter };
    this.$leases.set(ticket, lease);
    this.#schedule(lease.until);
    return lease;
  }

  /** Drops a row from the lease of the other ticket that holds it (its value is being taken). */
  #forgetLeasedRow(seq: number): void {
    for (const lease of this.$leases.values()) {
      const at = lease.rows.findIndex((row) => row.seq === seq);
      if (at === -1) continue;
      lease.rows.splice(at, 1); // an emptied lease stays for its ticket's ack (see `ack`)
      return;
    }
  }

  /** The values of a lease, read from storage. */
  #deliveries(lease: Lease): Delivery[] {
    const kv = this.ctx.storage.kv;
    return lease.rows.map((row) => ({
      id: row.id,
      value: kv.get(valueKey(row.seq)),
      seq: row.seq,
      attempt: row.attempt,
    }));
  }

  /**
   * Ends a lease early or late: its rows that are still leased at that attempt become ready
   * again, and are served to waiting pulls — unless `serve` is false: then the caller serves
   * once it has released every lease it ends (`#expire`), so that the oldest values go first.
   * `unseen`: the lease's pull withdrew it, so its values reached no caller and their `attempt`
   * goes back to what it was before this lease.
   */
  #releaseRows(rows: Lease['rows'], serve = true, unseen = false): void {
    for (const row of rows) {
      const cursor = this.#sql.exec(
        'UPDATE chanasync_values SET leased = 0, attempt = attempt - ? WHERE seq = ? AND attempt = ? AND leased = 1',
        unseen ? 1 : 0,
        row.seq,
        row.attempt,
      );
      if (cursor.rowsWritten > 0) {
        this.$leased--;
        this.$ready++;
      }
    }
    if (serve) this.#servePullers();
  }

  /** Leases ready values to the oldest waiting pulls, parked or away. Keeps "ready ⇒ no waiting pull". */
  #servePullers(): void {
    for (const waiter of this.$pullWaiters.values()) {
      if (this.$ready === 0) break;
      this.$pullWaiters.delete(waiter.ticket);
      const lease = this.#lease(waiter);
      // A waiter between two slices finds its values under this lease when it comes back;
      // if it never does, the lease ends and they go back to the head.
      answerAll(waiter, { kind: 'values', deliveries: this.#deliveries(lease) });
    }
    if (this.$meta?.closed) this.#failDrainedPullers();
  }

  /** Stores the values of waiting pushes, oldest first, while there is room; then serves pulls. */
  #servePushers(): void {
    const meta = this.$meta;
    if (meta === undefined) return;
    for (const waiter of this.$pushWaiters.values()) {
      if (meta.closed || this.#total >= meta.capacity) break;
      let answer: PushAnswer = { kind: 'stored' };
      try {
        this.#store(meta, waiter.id, waiter.value);
      } catch (error) {
        try {
          answer = this.#refused(error);
        } catch {
          // Storage itself is failing: the waiter keeps its place, and the call that got here
          // (an acknowledgement, an alarm) is not failed for another caller's push. The next
          // request looks again (`#open` runs `#expire`, which serves the pushers), should
          // storage be back and this instance still live.
          this.$deadline = 0;
          break;
        }
      }
      this.$pushWaiters.delete(waiter.id);
      answerAll(waiter, answer);
    }
    this.#servePullers();
  }

  /** Once closed and drained, fails every waiting pull (parked ones now; away ones are forgotten). */
  #failDrainedPullers(): void {
    if (this.#total > 0) return;
    const closed = this.#closedAnswer();
    for (const waiter of this.$pullWaiters.values()) answerAll(waiter, closed);
    this.$pullWaiters.clear();
  }

  /** Removes a waiting push, answering its parked call. */
  #dropPushWaiter(waiter: PushWaiter, answer: PushAnswer): void {
    this.$pushWaiters.delete(waiter.id);
    answerAll(waiter, answer);
  }

  #closedAnswer(): ClosedAnswer {
    return { kind: 'closed', hasReason: this.$meta?.hasReason ?? false, reason: this.$reason };
  }

  /**
   * Parks a call for at most `sliceMs`. When the slice ends the call answers `again` (the
   * caller calls again with the same id or ticket) and, if no other call is parked for the
   * waiter, the waiter goes *away*, keeping its place for `leaseMs`. Whoever settles a call
   * first (a commit, a cancel, close, the slice) wins; each call leaves `calls` as it is
   * answered, so none is answered twice.
   */
  #park<Answer>(waiter: Waiter<Answer | { kind: 'again' }>, sliceMs: number): Promise<Answer> {
    return new Promise<Answer>((resolve) => {
      waiter.awayUntil = Infinity;
      const settle = (answer: Answer | { kind: 'again' }) => {
        clearTimeout(timer);
        waiter.calls.delete(settle);
        resolve(answer as Answer);
      };
      const timer = setTimeout(() => {
        waiter.calls.delete(settle);
        if (waiter.calls.size === 0) {
          waiter.awayUntil = Date.now() + waiter.leaseMs;
          this.#schedule(waiter.awayUntil);
        }
        settle({ kind: 'again' });
      }, sliceMs);
      waiter.calls.add(settle);
    });
  }

  /** Makes sure that `expire` runs by `at`, through the alarm. */
  #schedule(at: number): void {
    if (at < this.$deadline) this.$deadline = at;
    if (at < this.$alarmAt) {
      this.$alarmAt = at;
      // Not awaited: storage calls are ordered, and the output gate holds answers until the
      // alarm is set. A failure here means storage itself failed; the object is then reset.
      this.ctx.storage.setAlarm(at).catch(() => {});
    }
  }

  /** Ends the leases and away places whose time has come, then serves what that freed. */
  #expire(now: number): void {
    if (now < this.$deadline) return;
    this.$deadline = Infinity; // lowered again by the leases that run on and those served below
    let next = Infinity;
    // Forget the away waiters first, so that the values of the ended leases below go to waiters
    // that may still come back.
    for (const waiters of [this.$pushWaiters, this.$pullWaiters] as Map<string, Waiter<unknown>>[]) {
      for (const [key, waiter] of waiters) {
        if (waiter.awayUntil <= now) waiters.delete(key);
        else if (waiter.awayUntil !== Infinity) next = Math.min(next, waiter.awayUntil);
      }
    }
    for (const [ticket, lease] of this.$leases) {
      if (lease.until > now) next = Math.min(next, lease.until);
      else {
        // Its values go back — served below, once every ended lease gave its values back: two
        // leases ending together, the newer values leased first, must not go to a waiting pull
        // before the older ones are back. The lease, empty, keeps the pull's place for one more
        // `leaseMs` (for a late acknowledgement that finds them gone: see `ack`), then is
        // forgotten — by an alarm if no request comes first, or an idle object would keep it
        // for good.
        if (lease.rows.length > 0) {
          this.#releaseRows(lease.rows, false);
          lease.rows = [];
        }
        const forgetAt = lease.until + lease.waiter.leaseMs;
        if (forgetAt <= now) this.$leases.delete(ticket);
        else next = Math.min(next, forgetAt);
      }
    }
    if (next !== Infinity) this.#schedule(next);
    this.#servePushers(); // and then the pulls
  }
}

/**
 * Queues a waiter at the tail of `waiters`, or ahead of the waiters of the same client made after
 * it that reached the object first (one client's concurrent calls may arrive in any order), or,
 * for a pull queued again at its old place, ahead of the waiters of a later place.
 */
function queueInOrder<W extends Queued>(waiters: Map<string, W>, key: string, waiter: W): void {
  let later: W | undefined;
  for (const other of waiters.values()) {
    if (
      other.place > waiter.place ||
      (other.client === waiter.client && other.client !== undefined && other.order > waiter.order)
    ) {
      later = other;
      break;
    }
  }
  if (later === undefined) {
    waiters.set(key, waiter);
    return;
  }
  // Its place is the one it is queued at (places stay in queue order).
  waiter.place = Math.min(waiter.place, later.place);
  const entries = [...waiters];
  entries.splice(
    entries.findIndex(([, other]) => other === later),
    0,
    [key, waiter],
  );
  waiters.clear();
  for (const [k, w] of entries) waiters.set(k, w);
}

/** Answers every call parked for `waiter` (each leaves `calls` as it is answered). */
function answerAll<Answer>(waiter: Waiter<Answer>, answer: Answer): void {
  for (const settle of [...waiter.calls]) settle(answer);
}

/** The message of an error (or the string of anything else). */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The longest message kept from a close reason that cannot be stored as it is. */
const REASON_MESSAGE_MAX = 1000;

/** The message of a close reason that cannot be stored: its `message` or its string, cut short, whatever it is. */
function reasonMessage(reason: unknown): string {
  let message: string;
  try {
    const own = (reason as { message?: unknown } | null)?.message;
    message = typeof own === 'string' ? own : String(reason);
  } catch {
    message = Object.prototype.toString.call(reason);
  }
  return message.length > REASON_MESSAGE_MAX ? `${message.slice(0, REASON_MESSAGE_MAX)}…` : message;
}
