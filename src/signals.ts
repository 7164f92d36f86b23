/**
 * Abort signals, watched once each: the listener every parked operation with a `signal` shares.
 *
 * Why not one listener per operation: the platform scans a signal's listeners on every
 * `addEventListener`, so N operations parked on one signal (a component's one
 * `AbortController` for all its work — the everyday case) cost O(N²), and Node warns from the
 * eleventh listener on. Here a signal gets one listener, {@link onAbort}, while any operation
 * is parked with it, and each parked operation costs one `Set` entry: O(1).
 *
 * Why weakly: the set holds each operation through a `WeakRef`, so a long-lived signal does not
 * keep an abandoned channel (and the operations parked on it) alive. No commit can reach such
 * operations any more — debug mode reports them as leaked when the channel is collected — and
 * keeping their channel alive from the signal would hide the leak.
 *
 * Why the way out is held strongly: the signal can still end such an operation. Each entry keeps
 * the operation's `fail` — its promise's resolve, and nothing that reaches the channel — so an
 * abort after the collection still rejects it with the reason: an `AbortSignal.timeout` fires
 * even when the only holders of the channel were the suspended functions waiting on it, and their
 * `finally` blocks run. (Entries of collected operations stay in the set, and the signal keeps
 * its listener, until the signal aborts: they hold the promise and its callers' continuations,
 * which the abort will need.) A continuation that itself holds the channel — an `async` function that
 * uses the channel after its `await` — keeps the channel alive through that path, as any
 * reference would, until the signal aborts. Where the platform has no `WeakRef` — a Cloudflare
 * Worker whose compatibility date is before 2025-05-05 (without the `enable_weak_ref` flag) —
 * the set holds the operations strongly: everything works, and an operation parked for ever on
 * an abandoned channel stays in memory until its signal aborts.
 *
 * Why held while waited on: a channel the signal closes — `fromEvent`'s, a broadcast
 * subscriber — has no way out of its own to keep (its waiters' outcome is the close), so it is
 * held weakly, and a long-lived signal lets an abandoned one go. But while a pull with no
 * signal of its own waits on it, the close is that pull's only way out: a `for await` over
 * `fromEvent(target, type, { signal })` on a target nothing else holds (a local `EventTarget`,
 * a closed WebSocket) must end at the abort, even when the loop, the channel and the target are
 * held only by one another. So while such a pull is parked on such a channel, its watch holds
 * it strongly (`hold` in `waiters.ts`), and weakly again after. (A pull with a signal of its own
 * has its way out in that signal's set, and must not make this one keep an abandoned channel.)
 * As for an operation's way out, not on a channel debug mode tracks: there the wait is reported
 * as leaked once the channel is collected.
 *
 * Invariants:
 * - An operation is in its signal's set exactly while it is parked: `watch` when it parks,
 *   `unwatch` when it leaves its queue (`claim`). So the listener cancels only operations that
 *   are still parked, even if a non-conforming `AbortSignal` calls it again, or after it was
 *   removed (happy-dom's does).
 * - The listener is registered exactly while the signal has a set: the set and the listener go
 *   together when the last operation leaves, or when the signal aborts.
 *
 * Why swept: an entry with nothing to keep — a channel the signal closes (`fromEvent`, a
 * subscriber, a timer), held weakly — is dead once its channel is collected unclosed (its target,
 * or its broadcast and source, gone): nobody can `unwatch` it any more. Without a sweep such
 * entries would stay until the signal aborts (a `WeakRef` and a slot, ~50 bytes each), and the
 * set would never empty, so an application-lifetime signal given to every component's
 * `fromEvent` would grow for as long as the page or server runs, and keep its listener. No
 * `FinalizationRegistry` (that is debug mode's, and a bundle without debug mode has none): each
 * `watch` and `unwatch` on a set that has such entries checks the next two for collection, a
 * cursor going round the set, so that while operations come and go the set stays within about
 * twice its live entries, at O(1) per operation; and an `unwatch` that leaves no entry that must
 * stay (one with a way out, or held strongly) checks up to `SWEEP_ON_LAST` (in `unwatch`), so
 * that the listener goes with the last live operation, as it would without the dead entries,
 * unless more were left. (Dead entries that no operation comes to sweep stay until the abort.)
 */

/** A parked operation a signal can cancel: a waiter, or a multi-case select's group. */
export interface Cancellable {
  /** Leaves every queue without a trace and fails with the signal's reason. */
  cancel(): void;
}

/** How a signal's set holds a parked operation: a `WeakRef`, or a strong stand-in for one. */
export interface Ref {
  deref(): Cancellable | undefined;
  /**
   * Fails the operation with the signal's reason once `deref()` finds it collected (with its
   * channel): held strongly, and reaches only the operation's promise. Set for operations a
   * caller awaits; a channel the signal closes (a timer, `fromEvent`) has none. (Debug mode
   * sets it later on the entries it withheld it from, when it stops following their channel.)
   *
   * @internal
   */
  fail?: ((reason: unknown) => void) | undefined;
  /**
   * Counted in {@link Parked.mustStayCount} by `watch`: held strongly, or given a `fail`.
   *
   * @internal
   */
  mustStay?: true;
  /**
   * The operation, held strongly through its weak watch while it is set: a channel the signal
   * closes, while a pull with no signal of its own waits on it (see `hold` in `waiters.ts`).
   *
   * @internal
   */
  heldWhileWaited?: object | false | undefined;
}

/** The operations parked with a signal, and the `abort` listener it has while it has any. */
interface Parked extends Set<Ref> {
  aborter: () => void;
  /**
   * How many entries must stay whatever the collector does: held strongly, or watched with a
   * `fail` (the ones `mustStay` marks; an entry debug mode gives its `fail` later is not counted,
   * which costs at most an early sweep, and the sweep never drops an entry with a `fail`).
   */
  mustStayCount: number;
  /** Where the sweep of collected entries goes on from (see "Why swept"); unset until it starts. */
  sweepCursor?: Iterator<Ref> | undefined;
}

/** The operations parked with each signal that has any, weakly where the platform can. */
const watches = /* @__PURE__ */ new WeakMap<AbortSignal, Parked>();

/**
 * Watches `signal` for `operation`, just parked; returns the handle {@link unwatch} needs.
 * `keep` is either the operation's way out once it is collected (see {@link Ref.fail}: it must
 * not reach the operation or its channel), or `true` to hold the operation strongly, as a
 * listener of its own would: for a channel that must be closed when the signal aborts even if
 * nobody holds it any more (`from` then releases its source: a generator's `finally` runs).
 */
export function watch(signal: AbortSignal, operation: Cancellable, keep?: true | ((reason: unknown) => void)): Ref {
  let parked = watches.get(signal);
  if (!parked) {
    parked = new Set() as Parked;
    parked.mustStayCount = 0;
    // A listener that knows its signal: neither the `this` it is called with nor the event's
    // `currentTarget` is the signal the operations were parked with when that is a `Proxy`
    // of a platform signal (both are the signal behind it), nor, in a Cloudflare Worker whose
    // compatibility date is before 2025-08-01, `this` (the global scope). Bound (`this` as for
    // any listener, unused), not an arrow function: an arrow here would share this call's scope
    // with the stand-in for `WeakRef` below, which holds `operation` — and the listener would
    // keep it and its channel alive.
    parked.aborter = onAbort.bind(signal, signal);
    // Recorded first: `addEventListener` may run user code (a `Proxy`'s trap) that parks another
    // operation with this signal, which must join this set, not make one of its own that this
    // call would then replace (its listener orphaned, the operation deaf to the abort). A signal
    // whose `addEventListener` throws (a duck-typed one) is not left recorded as watched without
    // a listener, which would leave every later operation parked with it deaf to its abort.
    watches.set(signal, parked);
    try {
      signal.addEventListener('abort', parked.aborter);
    } catch (error) {
      if (watches.get(signal) === parked) watches.delete(signal);
      throw error;
    }
    // That user code may also have parked an operation and settled it: its leaving forgot this
    // set (then it is recorded again, and its listener added again — a no-op if the platform
    // added it after that code ran, needed if before: the forgetting removed it), or a later one
    // made a set of its own (then this one's listener goes, and the operation joins that set) —
    // else the operation would be deaf to the abort.
    const now = watches.get(signal);
    if (now === undefined) {
      watches.set(signal, parked);
      try {
        signal.addEventListener('abort', parked.aborter);
      } catch {}
    } else if (now !== parked) {
      forget(signal, parked);
      parked = now;
    }
  }
  const ref: Ref =
    typeof WeakRef === 'function' && keep !== true
      ? new WeakRef(operation)
      : { deref: () => operation, mustStay: true };
  if (typeof keep === 'function') {
    ref.fail = keep;
    ref.mustStay = true;
  }
  parked.add(ref);
  if (ref.mustStay) parked.mustStayCount++;
  sweep(parked, 2);
  return ref;
}

/** Stops watching an operation that left its queue. */
export function unwatch(signal: AbortSignal, ref: Ref): void {
  // How many entries the last operation that must stay checks as it leaves (see "Why swept").
  // A constant of the function, not of the module, for the minifier: see `KEEP` in `take`
  // (`buffer.ts`); 14 bytes off `{ Channel }`.
  const SWEEP_ON_LAST = 64;
  const parked = watches.get(signal);
  if (!parked?.delete(ref)) return;
  if (ref.mustStay) parked.mustStayCount--;
  // With no entry left that must stay, more are checked: the last live one to leave takes the
  // listener with it, unless more than SWEEP_ON_LAST dead ones are left.
  sweep(parked, parked.mustStayCount ? 2 : SWEEP_ON_LAST);
  if (!parked.size) forget(signal, parked);
}

/**
 * Checks the next `count` entries of `parked` (at most all of them) and drops those whose
 * channel was collected and that have nothing to keep: their channel can no longer be closed,
 * nor their entry unwatched. Entries with a `fail` stay (the abort will need it). With nothing
 * it could drop (every entry counted in `mustStayCount`), it drops its cursor instead: a V8
 * `Set` iterator that stops moving keeps every table the set replaces after it, with their
 * entries — each operation parking and leaving would leave ~40 bytes for ever (audit BD-S1),
 * and a closed channel's entry would keep it alive. A cursor that moves follows the set.
 */
function sweep(parked: Parked, count: number): void {
  if (parked.size <= parked.mustStayCount) {
    parked.sweepCursor = undefined;
    return;
  }
  for (let left = Math.min(count, parked.size); left > 0; left--) {
    let next = parked.sweepCursor?.next();
    if (!next || next.done) {
      parked.sweepCursor = parked.values();
      next = parked.sweepCursor.next();
      if (next.done) return;
    }
    const ref = next.value;
    if (ref.fail === undefined && ref.deref() === undefined) parked.delete(ref);
  }
}

/**
 * What the `abort` listener of a watched signal does: cancels every operation still parked.
 * The set is forgotten last, not first: a cancel may cancel others parked with this signal — a
 * timer channel's closes the channel, which cancels the aborted operations parked on it
 * (`liveHead`) — and their own `unwatch` (every cancel unwatches) must take them out of the
 * set before this loop reaches them, or they would be cancelled twice (a second rejection of
 * an operation already settled is a rejected promise nobody handles).
 */
function onAbort(signal: AbortSignal): void {
  const parked = watches.get(signal);
  if (parked && signal.aborted) {
    for (const ref of parked) {
      const operation = ref.deref();
      if (operation) operation.cancel();
      else ref.fail?.(reasonOf(signal));
    }
    // The last cancel's unwatch forgot the signal, unless entries of collected operations are left.
    if (parked.size) forget(signal, parked);
  }
}

/**
 * Drops `parked`, the set of `signal`, and its listener. Runs inside the commit that claims a
 * parked operation, so a `removeEventListener` that throws (a duck-typed signal's) must not stop
 * that commit half-way — the operation already out of its queue, its value handed to nobody and
 * its promise never settled: its error is ignored. A listener it failed to remove finds no set.
 * The set goes first: `removeEventListener` may run user code (a `Proxy`'s trap) that parks
 * another operation with this signal, which must get a set and a listener of its own, not join
 * the one being dropped.
 */
function forget(signal: AbortSignal, parked: Parked): void {
  if (watches.get(signal) === parked) watches.delete(signal);
  try {
    signal.removeEventListener('abort', parked.aborter);
  } catch {}
}

/**
 * The reason an aborted operation fails with: `signal.reason` — or, should reading it throw (a
 * getter of a duck-typed or `Proxy` signal), that error. Read as the operation is settled,
 * inside the commit or `close()` that found the signal aborted, which must neither throw nor
 * leave the operation out of its queue and never settled.
 */
export function reasonOf(signal: AbortSignal | undefined): unknown {
  try {
    return signal?.reason;
  } catch (error) {
    return error;
  }
}

/**
 * Whether `signal` can be used as an operation's signal. Checked before anything parks: an
 * object that is not an `AbortSignal` (the common slip `{ signal: controller }`) is refused
 * with a `TypeError`, leaving no trace. Duck-typed, so a signal of another realm (a frame's)
 * is fine; it needs `removeEventListener` too, which the commit that ends a parked operation
 * calls (an object without it would make that commit throw half-way).
 */
export function isSignal(signal: unknown): signal is AbortSignal {
  return (
    typeof (signal as AbortSignal | null)?.aborted === 'boolean' &&
    typeof (signal as AbortSignal).addEventListener === 'function' &&
    typeof (signal as AbortSignal).removeEventListener === 'function'
  );
}
