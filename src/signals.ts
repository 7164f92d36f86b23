/**
 * Abort signals, watched once each: the listener every parked operation with a `signal` shares.
 *
 * Why not one listener per operation: the platform scans a signal's listeners on every
 * `addEventListener`, so N operations parked on one signal (a component's one
 * `AbortController` for all its work — the everyday case) cost O(N²), and Node warns from the
 * eleventh listener on. Here each signal gets one listener, a {@link Watch}, the first time an
 * operation parks with it, and each parked operation costs one `Set` entry: O(1).
 *
 * Why weakly: the watch holds each operation through a `WeakRef`, so a long-lived signal does
 * not keep an abandoned channel (and the operations parked on it) alive. Such operations can
 * never complete — debug mode reports them as leaked when the channel is collected — and
 * hiding them behind a signal would hide the leak.
 *
 * Invariants:
 * - An operation is in its signal's watch exactly while it is parked: `watch` when it parks,
 *   `unwatch` when it leaves its queue (`claim`). So the watch cancels only operations that
 *   are still parked, even if a non-conforming `AbortSignal` calls the listener again, or after
 *   it was removed (happy-dom's does).
 * - The listener is registered while the watch holds any operation, and removed with the watch
 *   when its last operation leaves: no listener outlives the operations that needed it.
 */

/** A parked operation a signal can cancel: a waiter, or a multi-case select's group. */
export interface Cancellable {
  /** Leaves every queue without a trace and fails with the signal's reason. */
  cancel(): void;
}

/** The one `abort` listener of a signal, and the operations parked with it. */
class Watch {
  /** The parked operations, weakly. */
  readonly parked = new Set<WeakRef<Cancellable>>();
  /** Past this size, forget the references whose operation was collected (see {@link watch}). */
  sweepAt = 64;

  constructor(readonly signal: AbortSignal) {}

  /** The `abort` listener: cancel every operation still parked. */
  handleEvent(): void {
    if (!this.signal.aborted) return;
    // Forget the watch first: the cancels' own `unwatch` calls then find nothing to do.
    const parked = [...this.parked];
    forget(this);
    for (const ref of parked) ref.deref()?.cancel();
  }
}

/** Removes `watch` and its listener. */
function forget(watch: Watch): void {
  watch.parked.clear();
  watches.delete(watch.signal);
  watch.signal.removeEventListener('abort', watch);
}

/** The watch of each signal that ever had a parked operation. */
const watches = /* @__PURE__ */ new WeakMap<AbortSignal, Watch>();

/** Watches `signal` for `operation`, just parked; returns the handle {@link unwatch} needs. */
export function watch(signal: AbortSignal, operation: Cancellable): WeakRef<Cancellable> {
  let watch = watches.get(signal);
  if (watch === undefined) {
    watches.set(signal, (watch = new Watch(signal)));
    signal.addEventListener('abort', watch);
  }
  const ref = new WeakRef(operation);
  const parked = watch.parked.add(ref);
  if (parked.size > watch.sweepAt) {
    // References of collected operations (abandoned channels) would pile up on a long-lived
    // signal: sweep them when the set has doubled since the last sweep — amortized O(1).
    for (const old of parked) if (old.deref() === undefined) parked.delete(old);
    watch.sweepAt = Math.max(64, parked.size * 2);
    // (`ref` itself is alive: its operation is the caller's.)
  }
  return ref;
}

/** Stops watching an operation that left its queue. */
export function unwatch(signal: AbortSignal, ref: WeakRef<Cancellable>): void {
  const watch = watches.get(signal);
  if (watch?.parked.delete(ref) && watch.parked.size === 0) forget(watch);
}

/**
 * Whether `signal` can be used as an operation's signal. Checked before anything parks: an
 * object that is not an `AbortSignal` (the common slip `{ signal: controller }`) is refused
 * with a `TypeError`, leaving no trace. Duck-typed, so a signal of another realm (a frame's)
 * is fine.
 */
export function isSignal(signal: unknown): signal is AbortSignal {
  return (
    typeof (signal as AbortSignal | null)?.aborted === 'boolean' &&
    typeof (signal as AbortSignal).addEventListener === 'function'
  );
}
