/**
 * `from`: a channel fed from an iterable, an async iterable or a `ReadableStream`.
 */
import { add } from '../buffer.js';
import { Channel, commitPull, commitPush, NOTHING, note, type OperationOptions, RESOLVED } from '../channel.js';
import { type Ref, unwatch, watch } from '../signals.js';
import { Mark, tracker } from '../tracker.js';
import { enqueue, hold, liveHead, Waiter } from '../waiters.js';
import { checkOptions, describe, member } from './check.js';
import { ReleasingChannel } from './releasing-channel.js';

/** Options of {@link from}. */
export interface FromOptions extends OperationOptions {
  /**
   * How many values may wait in the channel's buffer ahead of its consumer (default `0`: a
   * value is read from the source only once the previous one has been pulled).
   */
  capacity?: number | undefined;
  /** Labels the channel (default `from`). */
  name?: string | undefined;
}

/**
 * Anything {@link from} can read, for a `Channel<T>`. A synchronous iterable's promises are
 * awaited (as `for await` awaits them), so its elements may be `T` or promises of `T`.
 */
export type Source<T> = Iterable<T | PromiseLike<T>> | AsyncIterable<T> | ReadableStream<T>;

/**
 * The type of {@link from} (and `Channel.from`): a `Channel<T>` for a {@link Source} of `T` —
 * for a synchronous iterable, whose promises are awaited, the element type with its promises
 * unwrapped (`from([1, Promise.resolve(2)])` is a `Channel<number>`, as `for await` would type
 * the values).
 */
export interface FromFunction {
  /** A channel of the values of `source`, read lazily; see {@link from}. */
  <T>(source: Source<T>, options?: FromOptions): Channel<T>;
  /**
   * A channel of the values of a synchronous iterable whose promises (of several types) are
   * awaited; see {@link from}.
   */
  <T>(source: Iterable<T>, options?: FromOptions): Channel<Awaited<T>>;
}

/**
 * A channel fed lazily from `source` — an iterable, an async iterable (an async generator, a
 * Node stream) or a `ReadableStream` (a `fetch` body) — with backpressure: a value is read
 * from the source only when it can be committed at once — a free slot in the buffer, or (for
 * capacity 0) a pull waiting that can take it (not one whose signal is aborted, nor a
 * `broadcast`'s pull while a subscriber has no room) — so never more than `capacity` values
 * are read ahead of the consumer (capacity 0: none; the source is read when a pull asks). An
 * endless source is fine.
 * (One exception: a pull that gives up while its value is being read from an async source
 * leaves that value waiting to be pushed.)
 *
 * - A chanasync `Channel` as the source (`from(channel, { signal })`, the or-done idiom) is
 *   read at its commit points, as `merge` reads its inputs: a value it hands over is in this
 *   channel (or with the pull waiting on it) in the same step, never in a promise between the
 *   two, so closing this channel or aborting `signal` never loses a value taken from it; and
 *   its parked pull stands aside while no pull here wants a value, so the exception above
 *   does not apply: a pull that gives up leaves the next value in the source.
 * - When the source ends, the channel closes (buffered values stay readable). A source's end is
 *   found by reading it, so a capacity-0 channel finds it for a pull that waits — except an
 *   array's, which is its length: its channel closes as its last value is taken (`from([])` is
 *   closed at once).
 * - When the source throws (or the stream errors), the channel closes with that error as its
 *   reason, so `for await` over it throws the error once the buffer is drained. A source that
 *   fails with `undefined` (`throw undefined`, `controller.error()`) closes it with an `Error`
 *   saying so: `close(undefined)` would read as a normal end.
 * - When `signal` aborts, or anyone else closes the channel, the pump stops and releases the
 *   source at once, inside that `close()` (or `abort()`) — `return()` on its iterator, so a
 *   synchronous generator's `finally` has run when it returns (an async generator's runs once
 *   `return()` resumes it); `cancel(reason)` on its stream reader, with
 *   the close reason (the signal's reason for an abort) — and an abort closes the channel
 *   (normally: aborting is how a consumer says it is done). Only a source that closes its own
 *   channel inside its `next()` is released right after that `next()` returns.
 * - A stream stays locked to the channel's reader while it is read, and is unlocked once it
 *   ended, failed or was cancelled, as `for await` over the stream leaves it (a stream whose
 *   chunk the channel refuses, a promise, is cancelled with that `TypeError`).
 *
 * - An iterator whose `next()` returns something other than an object closes the channel with
 *   a `TypeError` (as `for await` would throw).
 *
 * A promise in a synchronous iterable is awaited, as `for await` does (a rejected one closes
 * the channel with its reason, after `return()` on the iterator); an async iterator that yields a promise as a value closes the
 * channel with the `TypeError` that pushing a thenable gets. The channel is created with
 * `input: true`: debug mode shows waiting on it as waiting for input. Every argument is
 * checked before a stream is locked, an iterator opened or a value read, so a bad option leaves
 * a stream unlocked and an iterable untouched.
 *
 * Also `Channel.from(source, options)`, the SPEC's spelling: the same function, attached to
 * `Channel` where this one is loaded (see the README's Semantic details, Interop).
 *
 * @throws {TypeError} if `source` is none of the three, a stream is already locked, `options`
 *   is not an object (or is an `AbortSignal`: pass `{ signal }`), `signal` is not an
 *   `AbortSignal`, `capacity` is not a number or `name` is not a string.
 * @throws {RangeError} if `capacity` is negative, `NaN` or fractional.
 * @example
 * ```ts
 * import { from } from 'chanasync';
 *
 * const response = await fetch('/events');
 * for await (const chunk of from(response.body!.pipeThrough(new TextDecoderStream()))) console.log(chunk);
 * ```
 */
export const from: FromFunction = /* @__PURE__ */ member(Channel, 'from', fromSource, fromSource);

function fromSource<T>(source: Source<T>, options?: FromOptions): Channel<T> {
  const call = 'from(source, options)';
  // Every check comes before a stream is locked, an iterator opened or a value read: a bad
  // option must not leave a stream locked or an iterator open.
  const signal = checkOptions(call, options);
  // The source's shape is checked first, then capacity and name (by the constructor), and only
  // then is its iterator opened (its method may start something) or the stream locked: a bad
  // argument starts nothing, and a bad source or option makes no channel (which debug mode
  // would list).
  const stream = typeof (source as ReadableStream<T> | null)?.getReader === 'function';
  const iterable = source as Partial<AsyncIterable<T> & Iterable<T>> | null | undefined;
  let open: ((this: unknown) => Iterator<T> | AsyncIterator<T>) | undefined;
  let sync = false;
  if (stream) {
    if ((source as ReadableStream<T>).locked) throw new TypeError(`${call}: the stream is locked to another reader`);
  } else {
    const openAsync = iterable?.[Symbol.asyncIterator];
    open = (openAsync ?? iterable?.[Symbol.iterator]) as typeof open;
    if (typeof open !== 'function') {
      throw new TypeError(
        `${call}: source must be an iterable, an async iterable or a ReadableStream, got ${describe(source)}`,
      );
    }
    // GetMethod: a null @@asyncIterator is absent too (then @@iterator is read as for await reads it).
    sync = openAsync == null;
  }
  /** Values read from an array source: `read` ≥ its length is its end, known without reading. */
  let read = 0;
  // An array read by the built-in iterator ends where its length does: the channel closes once
  // its last value is taken (an empty one at once), with no pull waiting — as a buffered channel
  // finds its end by reading ahead. Any other source ends only when read: its `next()` may run
  // code. (Its length is read each time, as the array iterator reads it.)
  const ended =
    sync && Array.isArray(source) && open === Array.prototype[Symbol.iterator]
      ? () => read >= (source as unknown[]).length
      : undefined;
  // The constructor checks capacity and name, naming this call.
  const channel: ReleasingChannel<T> = new ReleasingChannel<T>(
    options?.capacity ?? 0,
    { name: options?.name ?? 'from', input: true, callName: call },
    () => {
      if (ref) unwatch(signal as AbortSignal, ref);
      if (!running) return;
      running = false;
      release(channel.closeReason ?? signal?.reason);
    },
  );
  let ref: Ref | undefined;
  let iterator: Iterator<T> | AsyncIterator<T> | undefined;
  /** The stand-in signal of the pull parked on a channel source: aborted while nothing here wants a value. */
  const unwanted = {
    get aborted() {
      return channel.filled >= channel.limit && !liveHead(channel, false);
    },
  } as AbortSignal;
  /**
   * Commits `value`, just taken from a channel source, into the `from` channel. There is
   * demand, except when the commit on the source withdrew it: a select with a push case into
   * the source and a pull case on this channel, whose push case the commit took (audit AX-C1).
   * The value is then stored one beyond the capacity, readable and kept by a close, rather than
   * left as a parked push that a close would fail. NOTHING tells the pump it is in.
   */
  const relay = (value: T): IteratorResult<T> => {
    if (!commitPush(channel, value)) add(channel, value);
    return NOTHING as never;
  };
  if (open !== undefined) {
    iterator = open.call(iterable);
    if (typeof iterator !== 'object' || iterator === null) {
      throw new TypeError(`${call}: the source's iterator method returned ${describe(iterator)}, not an object`);
    }
  }
  let running = true;
  /** True while the source's `next()` (or the reader's `read()`) runs synchronously. */
  let reading = false;
  let next: () => IteratorResult<T> | PromiseLike<IteratorResult<T>>;
  let stop: (reason: unknown) => unknown;
  // Stops the source: `return()` on its iterator, `cancel(reason)` on its reader — at once,
  // inside `close()`, so that a synchronous generator's `finally` has run when `close()`
  // returns, as after a `break` out of `for…of`. Only a source that closes its own channel
  // from inside its `next()` is stopped a microtask later, once that `next()` has returned (a
  // running generator's `return()` throws). The source is ours to stop: a failure to stop (a
  // throw, a rejection) has nobody left to report to.
  const release = (reason?: unknown): void => {
    if (reading) queueMicrotask(() => release(reason));
    else
      try {
        Promise.resolve(stop(reason)).catch(() => {});
      } catch {}
  };
  if (iterator === undefined) {
    const reader = (source as ReadableStream<T>).getReader();
    next = () => reader.read() as Promise<IteratorResult<T>>;
    // Cancelled (no read is pending after a cancel: nothing for a stream that ended or failed),
    // and unlocked, as `for await` over a stream leaves it.
    stop = (reason) => {
      const cancelled = reader.cancel(reason);
      reader.releaseLock();
      return cancelled;
    };
  } else {
    const opened = iterator;
    next = sync
      ? () => {
          // As for-await over a synchronous iterable: a value that is a promise is awaited
          // (a channel refuses thenables, and its rejection is the source failing). A rejection
          // return()s the iterator first, unless it was done — as for-await does since ES2025
          // (Chromium 156; Node 20 still leaves it open): a generator's `finally` runs. (Not if
          // the channel closed meanwhile: that close has return()ed it already.)
          // `done`, then `value`, each read once, as the async-from-sync iterator reads them (a
          // non-object result goes on to the pump's TypeError).
          read++;
          const result = opened.next() as IteratorResult<T>;
          if (Object(result) !== result) return result;
          const { done, value } = result as IteratorResult<unknown>;
          return isThenable(value)
            ? Promise.resolve(value).then(
                (settled) => ({ done, value: settled }) as IteratorResult<T>,
                (error: unknown) => {
                  if (!done && running) release();
                  throw error;
                },
              )
            : ({ done, value } as IteratorResult<T>);
        }
      : source instanceof Channel
        ? () => {
            // A local channel is read at its commit points, never through a promise: a value
            // it hands over goes on into this channel in the same step (NOTHING tells the pump
            // it is there), so closing this channel meanwhile cannot lose it. The parked pull
            // counts as aborted while this channel has no demand (its pull gave up; as the
            // broadcast's pull does): a commit then skips it, cancelling it (the pump waits for
            // demand again), and the value stays in the source. Queued as `park` would, but
            // without watching that stand-in signal; marked with the iterator, whose return()
            // withdraws it.
            const value = commitPull(source as Channel<T>);
            if (value !== NOTHING) return relay(value);
            if (source.closed) return opened.next();
            return new Promise((settle) => {
              const waiter = new Waiter<T>(
                source as Channel<T>,
                opened as T,
                (value) =>
                  settle(isThenable(value) ? (source.closed ? opened.next() : (NOTHING as never)) : relay(value)),
                unwanted,
              );
              // Wanted while a pull with no way out waits on this channel: else it reads ahead.
              waiter.wanted = () => hold(channel);
              enqueue(waiter, false);
              note(opened, waiter);
              tracker?.(waiter, 'pull', opened);
              source.feed?.();
              // The source's watch holds it while this pull is wanted (`hold`): once that was
              // found to matter (`hold` marked this channel LEAVES), a pull that parks on this
              // channel or leaves it tells the source, until the pump waits for demand again.
              // So it does for a source that hears of every operation leaving it (LEAVES): a
              // capacity-0 `fromPort` channel grants its sender credit for this pull only
              // while it is wanted (audit BT).
              if ((channel.debugMarks | source.debugMarks) & Mark.LEAVES) {
                channel.debugMarks |= Mark.LEAVES;
                channel.feed = () => source.feed?.(true);
              }
            }) as Promise<IteratorResult<T>>;
          }
        : () => opened.next();
    stop = () => opened.return?.();
    // A relay's pulls on its source channel are made later, after a pull asked (capacity 0):
    // debug mode takes the stack of this `from()` call for them.
    if (source instanceof Channel) tracker?.(opened, 'owner');
  }
  if (signal?.aborted) {
    running = false;
    channel.close();
    release(signal.reason);
    return channel;
  }
  // Watched as parked operations are (signals.ts), not with a listener of its own: the
  // platform scans a signal's listeners on every addEventListener, so N channels made with one
  // signal cost O(N²) (and Node warns from the eleventh). Strongly, as that listener held it —
  // except on a channel debug mode tracks, as for a parked operation's way out (`park` in
  // waiters.ts): there a long-lived signal must not keep an abandoned channel alive, or a pull
  // left waiting on it would never be reported as leaked (the SPEC's retention rule).
  try {
    if (signal) ref = watch(signal, channel, channel.debugMarks & Mark.TRACKED ? undefined : true);
  } catch (error) {
    // A duck-typed signal whose `addEventListener` throws: close, which releases the source
    // (its iterator is open by now: it is `return()`ed).
    channel.close();
    throw error;
  }
  void pump(
    channel,
    () => {
      reading = true;
      try {
        return next();
      } catch (error) {
        // The source failed: nothing stops it any more (`for…of` does not `return()` an
        // iterator whose `next()` threw) — not even a release its `next()` asked for by
        // closing the channel before it threw, which must not wait for a `reading` that
        // stayed true (it re-queued itself for ever, starving the event loop).
        stop = () => {};
        throw error;
      } finally {
        reading = false;
      }
    },
    () => running,
    ended,
    (ended, refused) => {
      running = false;
      // A stream that ended or failed is unlocked; one whose chunk the channel refused, cancelled.
      // An iterator whose value the channel refused (a thenable) is `return()`ed, as `for await`
      // does when its body throws (audit BU: it was left suspended, its `finally` never run); one
      // that ended or failed is not, as after `for…of`.
      if (!iterator || refused) release(ended);
      channel.close(ended);
    },
  );
  return channel;
}

/**
 * Moves values from `next` into `channel` until the source ends, throws, or the channel closes.
 * Each push is awaited before the next read: that is the backpressure.
 */
async function pump<T>(
  channel: ReleasingChannel<T>,
  next: () => IteratorResult<T> | PromiseLike<IteratorResult<T>>,
  running: () => boolean,
  ended: (() => boolean) | undefined,
  finish: (reason?: unknown, refused?: boolean) => void,
): Promise<void> {
  /** Whether the step that may throw now is the push (the channel refusing a value), not a read. */
  let refused = false;
  try {
    for (;;) {
      // Read only when the value can be committed: a free slot, or a pull waiting (capacity
      // 0). So at most `capacity` values are read ahead of the consumer, none for capacity 0.
      // A waiting pull is one that can still take it: `liveHead` first cancels pulls whose
      // signal is aborted — one that gave up in the turn it parked, or a broadcast's pull that
      // waits without room (its subscribers full; it parks again, and asks, once room comes).
      // The demand that woke the pump may be gone by now: look again after every wake-up. (On
      // a closed channel `demand` never resolves: the pump is dropped with it.)
      // An array's end is known without demand: then its iterator's `done` is read at once.
      while (channel.filled >= channel.limit && !liveHead(channel, false) && !ended?.()) await demand(channel);
      if (!running()) return;
      // A synchronous source's result is used as is, not awaited: the read and its commit then
      // happen in the turn that found the demand. Awaited, another consumer's demand could be
      // gone by the commit — two `from` channels under one select (or one merge) were both
      // read, and the loser's value waited there as a parked push, read ahead of any consumer.
      let result = next();
      if (isThenable(result)) result = await result;
      if (!running()) return; // closed while the source was reading: the value is unwanted
      if ((result as unknown) === NOTHING) continue; // a local channel's value, committed already
      if (Object(result) !== result) {
        // As for-of and for-await do: a step that is not an object (a function is one) is a
        // TypeError, and return() is not called.
        return finish(new TypeError(`from(source): the source's next() returned ${describe(result)}, not an object`));
      }
      if (result.done) return finish();
      // Committed at once (`RESOLVED`) and no demand left: wait for the next demand from here,
      // not a microtask later — back after a select or merge parked again, this pump would find
      // its pull waiting and take it every time, before a competing `from` that was asked first
      // (they ask their lazy feeders in a fair order). With demand left, a microtask first, so
      // that an endless source never runs as one synchronous loop (any pull parked counts, even
      // a broadcast's that waits without room: it is withdrawn after the microtask, as before).
      refused = true;
      const pushed = channel.push(result.value);
      if (pushed !== RESOLVED || channel.filled < channel.limit || channel.pullHead) await pushed;
      refused = false;
    }
  } catch (error) {
    // A push fails once the channel is closed (and then the source was released), or when it
    // refuses a value (`refused`: a thenable); anything else is the source failing — with
    // `undefined` too (`throw undefined`, a stream errored with no reason), which as a close
    // reason would read as a normal end: the consumer of a truncated source must learn it
    // failed (audit AU-3).
    if (running() && !channel.closed) {
      finish(error === undefined ? new Error('from(source): the source failed with undefined') : error, refused);
    }
  }
}

/**
 * Resolves at the channel's next demand: a pull parked, or a pull freed a slot (the core's
 * `feed` hook, cleared again once it fired). Never resolves if the channel closes first: the
 * pump is then dropped with it.
 */
function demand<T>(channel: ReleasingChannel<T>): Promise<void> {
  return new Promise((resolve) => {
    channel.feed = () => {
      channel.feed = undefined;
      resolve();
    };
  });
}

/** Whether `value` is a thenable (which a channel refuses as a value). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
