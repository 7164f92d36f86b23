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
 * `finally` blocks run. (Entries of collected operations stay in the set until the signal aborts
 * or every live operation on it left: the promise and its callers' continuations, which the
 * abort will need.) A continuation that itself holds the channel — an `async` function that
 * uses the channel after its `await` — keeps the channel alive through that path, as any
 * reference would, until the signal aborts. Where the platform has no `WeakRef` — a Cloudflare
 * Worker whose compatibility date is before 2025-05-05 (without the `enable_weak_ref` flag) —
 * the set holds the operations strongly: everything works, and an operation parked for ever on
 * an abandoned channel stays in memory until its signal aborts.
 *
 * Invariants:
 * - An operation is in its signal's set exactly while it is parked: `watch` when it parks,
 *   `unwatch` when it leaves its queue (`claim`). So the listener cancels only operations that
 *   are still parked, even if a non-conforming `AbortSignal` calls it again, or after it was
 *   removed (happy-dom's does).
 * - The listener is registered exactly while the signal has a set: the set and the listener go
 *   together when the last operation leaves, or when the signal aborts.
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
   * caller awaits; a channel the signal closes (a timer, `fromEvent`) has none.
   */
  fail?: ((reason: unknown) => void) | undefined;
}

/** The operations parked with a signal, and the `abort` listener it has while it has any. */
interface Parked extends Set<Ref> {
  aborter: () => void;
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
  }
  const ref: Ref = typeof WeakRef === 'function' && keep !== true ? new WeakRef(operation) : { deref: () => operation };
  if (typeof keep === 'function') ref.fail = keep;
  parked.add(ref);
  return ref;
}

/** Stops watching an operation that left its queue. */
export function unwatch(signal: AbortSignal, ref: Ref): void {
  const parked = watches.get(signal);
  if (parked?.delete(ref) && !parked.size) forget(signal, parked);
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
