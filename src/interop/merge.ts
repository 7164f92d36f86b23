/**
 * `merge`: fan-in of several channels into one real channel, fed at the inputs' commit points.
 *
 * How it works: the merged channel is an ordinary {@link Channel} with a buffer of one. While
 * it has room (a free slot, or a parked pull), it takes a value from an input that has one —
 * `commitPull` on the input and `commitPush` on itself, in one synchronous step — and when no
 * input has one, it parks an {@link InputWaiter} on every open input, all at once, like a
 * select. The first input to commit to one of them hands its value straight into the merged
 * channel (`received`, called synchronously at the input's commit point), the other waiters
 * leave their queues, and the merged channel looks again. A pull that frees the slot calls the
 * core's `feed` hook, which looks again too.
 *
 * Invariants:
 * - A value is never in flight: it is in an input or in the merged channel, never in a promise
 *   between them. So closing the merged channel loses nothing (closing keeps its buffer
 *   readable) and a select on it sees every value that is there.
 * - `armed` is non-empty only while the merged channel is open, and then it holds one waiter
 *   per input of `inputs`, each in its input's pull queue (so every input is empty). It is
 *   armed when it found room and no value; room can go again only by a push into the merged
 *   channel itself, which `take` handles.
 * - `inputs` holds the inputs not yet known to be closed and drained; the merged channel closes
 *   when that list empties (or at once, with the reason, when an input was closed with one).
 */
import { add } from '../buffer.js';
import { Channel, type ChannelStats, closes, commitPull, commitPush, NOTHING, type PullChannel } from '../channel.js';
import { Mark, tracker } from '../tracker.js';
import { claim, enqueue, hold, Waiter } from '../waiters.js';
import { notAChannel } from './describe.js';

/**
 * A pull the merged channel parked on one of its inputs. Its `resolve` is {@link received},
 * called synchronously at the input's commit point; its `fail` is called by the input's
 * `close()`.
 */
class InputWaiter<T> extends Waiter<T> {
  constructor(
    input: Channel<T>,
    /** The merged channel this pull feeds. */
    readonly merged: MergedChannel<T>,
  ) {
    super(input, undefined, received as (value: T | PromiseLike<T>) => void, undefined);
  }

  /** Its index in the merged channel's `armed`. */
  declare armedSlot: number;

  /** Whether a pull with no way out waits on the merged channel (see `hold`): else this reads ahead. */
  override wanted(): boolean | undefined {
    return hold(this.merged);
  }

  /** The input was closed while this pull waited on it: its buffer is empty, so it is done. */
  override fail(): void {
    const merged = this.merged;
    merged.unarm(this);
    if (relayDepth < MAX_RELAY_DEPTH) {
      relayDepth++;
      try {
        merged.done(this.channel);
      } finally {
        relayDepth--;
      }
    } else {
      // Deep in a chain of merges: the close goes on from a microtask (see relayDepth).
      const input = this.channel;
      queueMicrotask(() => merged.done(input));
    }
  }
}

/**
 * How many merges a value or a close is going through, one inside another, in this synchronous
 * run: each merge hands them on at its input's commit point, so a chain of merges (a fold,
 * `all = merge(all, next)`) runs in one call stack, and a chain of thousands overflowed it — a
 * `push` into its head threw a `RangeError` and left the chain half-updated. Past
 * {@link MAX_RELAY_DEPTH}, a merge holds the value (or the close) and hands it on from a
 * microtask, at depth 0.
 */
let relayDepth = 0;
/** A few hundred frames of a stack that holds about ten thousand in every runtime here. */
const MAX_RELAY_DEPTH = 200;

/**
 * Where the merged channel takes an input's value: the input has just claimed `this` and
 * handed it `value`. The other parked pulls leave their queues, the value goes straight into
 * the merged channel (which had room, or this pull would not have been parked), and the merged
 * channel looks for more.
 */
function received<T>(this: InputWaiter<T>, value: T): void {
  const merged = this.merged;
  merged.unarm(this);
  merged.disarm();
  if (relayDepth >= MAX_RELAY_DEPTH) {
    merged.hold(value, this.channel);
    return;
  }
  relayDepth++;
  try {
    merged.take(value, this.channel);
    merged.fill();
  } finally {
    relayDepth--;
  }
}

/** The channel {@link merge} returns: a real channel with a buffer of one, fed by its inputs. */
class MergedChannel<T> extends Channel<T> {
  /**
   * The inputs not yet known to be closed and drained — and, until the next look drops them,
   * those {@link done} marked since (N inputs closing cost O(N), not O(N²)).
   */
  readonly inputs: Channel<T>[];
  /** The inputs known to be closed and drained (weakly: the merge keeps none alive). */
  readonly goneInputs = new WeakSet<Channel<T>>();
  /** How many distinct inputs are not in {@link goneInputs}: the merged channel closes at 0. */
  liveInputs: number;
  /** How many inputs {@link done} marked since `inputs` was last compacted. */
  staleInputs = 0;
  /** The pulls parked on the inputs: one per input while open with room and no value found, else none. */
  readonly armed: InputWaiter<T>[] = [];
  /** Where the next round-robin look at the inputs starts; `arm` asks its feeders from here too. */
  start = 0;
  /** {@link closes} when a pull last made the merge look for inputs closed while it was full. */
  closesSeen = closes;
  /**
   * A value taken from an input too deep in a chain of merges to hand on now (see
   * {@link relayDepth}), with its input: it goes into the merged channel from a microtask, and
   * until then the merge takes nothing more (the input's next value must come after it).
   */
  held: { value: T; input: Channel<T> } | undefined = undefined;
  /** Set while {@link fill} runs; a nested call (from a commit it makes) only sets `lookAgain`. */
  filling = false;
  /** A nested {@link fill} was asked for: look again before returning. */
  lookAgain = false;

  constructor(inputs: Channel<T>[]) {
    // Fed by the outside world when any input is: a wait on it is explained by that input.
    super(1, { name: 'merge', input: inputs.some((input) => input.fedFromOutside) });
    this.inputs = inputs;
    this.liveInputs = new Set(inputs).size;
    // A pull freed the slot: the merge was full, so not waiting on its inputs, and learns now
    // of those that closed meanwhile (if any channel closed at all) — before it takes another
    // input's value.
    // With `left` (no demand: a pull left, or a push parked) there is nothing to look for. A
    // pull that parks or leaves may change whether a pull with no way out waits on the merge:
    // once an input found that it matters (`hold` marked this LEAVES), its inputs that hear of
    // leaves hear of it (a `fromEvent` channel's watch then holds it, or not: `hold`).
    this.feed = (left) => {
      if (!left) {
        if (this.closesSeen !== closes) {
          this.closesSeen = closes;
          this.refresh();
        }
        this.fill();
      }
      if (this.debugMarks & Mark.LEAVES) {
        for (const { channel } of this.armed) if (channel.debugMarks & Mark.LEAVES) channel.feed?.(true);
      }
    };
    this.fill();
  }

  /**
   * `closed`, brought up to date: if every input is closed and drained (which the merged
   * channel learns at once only while it has room and waits on them), it closes now.
   */
  override get closed(): boolean {
    this.refresh();
    return this.isClosed;
  }

  /** The channel's state, with `closed` brought up to date first, as the getter does. */
  override stats(): ChannelStats {
    this.refresh();
    return super.stats();
  }

  /**
   * Notes the inputs closed and drained since the merged channel last waited on them — which
   * it learns of at once only while it has room and waits — and closes it if that closes it:
   * so that `closed`, `stats()` and the next pull agree, and an input closed with a reason
   * while the merged channel was full closes it with that reason before another input's value
   * is taken (the reason was lost when that input's close came later).
   */
  refresh(): void {
    const inputs = this.inputs;
    const filling = this.filling;
    this.filling = true; // `done` leaves `inputs` as it is while this loop walks it
    for (let i = 0; i < inputs.length && !this.isClosed; i++) {
      const input = inputs[i] as Channel<T>;
      if (input.isClosed && drained(input)) this.done(input);
    }
    this.filling = filling;
    if (!filling && this.staleInputs * 2 >= inputs.length) this.compactInputs();
  }

  /** Closes the merged channel (see {@link Channel.close}) and stops waiting on the inputs. */
  override close(reason?: unknown): void {
    if (this.isClosed) return;
    // Taken before the close: a pull waiting gets it, or it stays readable. (Tested first, so
    // that a close called without its channel fails in the core's check, with its message.)
    if (this.held !== undefined) this.release();
    super.close(reason);
    this.disarm();
  }

  /**
   * Moves values from the inputs into the merged channel while it is open and has room,
   * starting each look at the input after the last one that gave a value (round-robin); parks
   * on every open input when none has one.
   */
  fill(): void {
    if (this.held !== undefined) return; // `release` looks once the held value is in
    if (this.filling) {
      this.lookAgain = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.lookAgain = false;
        this.look();
      } while (this.lookAgain);
    } finally {
      this.filling = false;
    }
  }

  /** One pass of {@link fill}. */
  look(): void {
    while (!this.isClosed && (this.pullHead !== undefined || this.filled < this.limit)) {
      if (this.armed.length > 0) return; // waiting on every input: each is empty
      const inputs = this.compactInputs();
      let found = false;
      // Each input once, from `start` round the list. An input closed and drained leaves the
      // list and the next one moves into its index: look at that index again (an index taken
      // modulo the shorter list would skip an input, and then park on one that holds a value).
      for (let left = inputs.length, index = this.start; left-- > 0 && !this.isClosed; index++) {
        index %= inputs.length;
        const input = inputs[index] as Channel<T>;
        if (input.isClosed && this.goneInputs.has(input)) continue;
        const value = commitPull(input);
        if (value !== NOTHING) {
          this.start = index + 1;
          this.take(value, input);
          found = true;
          break;
        }
        if (input.isClosed) this.done(input);
      }
      if (found) continue;
      if (!this.isClosed) this.arm();
      return;
    }
    this.disarm();
  }

  /**
   * Commits `value`, just taken from `input`, into the merged channel, and notes an input now
   * closed and drained. There is room, except when someone pushed into the merged channel
   * itself while its pulls were parked on the inputs: then the value is stored anyway, one
   * beyond the capacity for a moment, rather than lost.
   */
  take(value: T, input: Channel<T>): void {
    if (!commitPush(this, value)) add(this, value);
    if (input.isClosed && drained(input)) this.done(input);
  }

  /**
   * Holds `value`, taken from `input`, and hands it on from a microtask (see {@link held}) —
   * or sooner, before anything that would overtake it: the merged channel's close, or a
   * close noted on an input.
   */
  hold(value: T, input: Channel<T>): void {
    const held = { value, input };
    this.held = held;
    queueMicrotask(() => {
      if (this.held === held) this.release();
      // Also when a close noted sooner handed it on (`done`): that left the merge with room
      // and not waiting on its inputs, and a value arriving in one must still be taken ahead.
      this.fill();
    });
  }

  /** Hands the {@link held} value, if any, on into the merged channel now. */
  release(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    this.take(held.value, held.input);
  }

  /**
   * `input` is closed and drained: stop reading it. The merged channel closes once no input is
   * left — or at once, with the input's reason, when it was closed with one.
   */
  done(input: Channel<T>): void {
    this.release(); // a value held from any input goes in before a close it could come after
    if (this.goneInputs.has(input)) return;
    this.goneInputs.add(input);
    // Dropped from `inputs` at the next look, or now once they are half of it (so that a merge
    // nobody reads does not keep many closed inputs alive) — unless a look or an arm is
    // walking `inputs` now.
    if (++this.staleInputs * 2 >= this.inputs.length && !this.filling) this.compactInputs();
    if (input.closeReason !== undefined) this.close(input.closeReason);
    else if (--this.liveInputs === 0) this.close();
    // Waiting on the merge is waiting for input only while an input fed from outside is left:
    // once the last one (an `after` that fired, a `fromEvent` stopped) is gone, a wait on the
    // others is one that nothing explains, which debug mode may mark stuck (audit AX-D1).
    else if (input.fedFromOutside)
      (this as { fedFromOutside: boolean }).fedFromOutside = this.inputs.some(
        (other) => other.fedFromOutside && !this.goneInputs.has(other),
      );
  }

  /**
   * Drops the inputs in {@link goneInputs} from `inputs`, keeping the others' order and the
   * round-robin position, and returns `inputs`. Only at the start of a look or an arm: never
   * while a loop walks `inputs`.
   */
  compactInputs(): Channel<T>[] {
    const inputs = this.inputs;
    if (this.staleInputs) {
      this.staleInputs = 0;
      const from = this.start % (inputs.length || 1);
      let kept = 0;
      for (let i = 0; i < inputs.length; i++) {
        if (i === from) this.start = kept;
        const input = inputs[i] as Channel<T>;
        if (!this.goneInputs.has(input)) inputs[kept++] = input;
      }
      inputs.length = kept;
    }
    return inputs;
  }

  /** Takes `waiter`, which left its input's queue, out of `armed` in O(1). */
  unarm(waiter: InputWaiter<T>): void {
    const armed = this.armed;
    const last = armed.pop() as InputWaiter<T>;
    if (last !== waiter) {
      armed[waiter.armedSlot] = last;
      last.armedSlot = waiter.armedSlot;
    }
  }

  /**
   * Parks a pull on every input, then tells each input's feeder (if it has one) that there is
   * demand — after all are parked, as a select does, since a feeder may commit at once.
   */
  arm(): void {
    const inputs = this.compactInputs();
    for (const input of inputs) {
      const waiter = new InputWaiter(input, this);
      enqueue(waiter, false);
      waiter.armedSlot = this.armed.push(waiter) - 1;
      tracker?.(waiter, 'pull', this);
    }
    // From a rotating start (round-robin, as `look` does): a lazy feeder (`from`) reads its
    // source when asked, and the first one asked commits first — asked in input order, the
    // first `from` input always won. Stops once a feeder committed (received() took over).
    // A feeder may close its input at once (a subscriber whose broadcast finds its source
    // ended), which marks it done: it is not asked again.
    for (let left = inputs.length, i = this.start++; left-- > 0 && this.armed.length > 0; i++) {
      i %= inputs.length;
      const input = inputs[i] as Channel<T>;
      if (!(input.isClosed && this.goneInputs.has(input))) input.feed?.();
    }
  }

  /** Withdraws every parked pull (each is queued: one that committed or failed has left `armed`). */
  disarm(): void {
    const armed = this.armed;
    while (armed.length > 0) claim(armed.pop() as InputWaiter<T>);
  }
}

/** Whether `channel` has no value left to give: nothing buffered, no parked push. */
function drained<T>(channel: Channel<T>): boolean {
  return channel.filled === 0 && channel.pushHead === undefined;
}

/** The element type of a pull channel (distributes over a union of channels). */
export type ChannelValue<C> = C extends PullChannel<infer T> ? T : never;

/**
 * Fan-in: a channel that delivers the values of all `channels`, keeping each input's order.
 * The result is a real {@link Channel} (capacity 1, named `merge`): it works with `select`,
 * `selectNowait`, another `merge`, `toReadableStream`, iteration and the non-blocking calls.
 *
 * - A value moves from its input into the merged channel synchronously, at the input's commit
 *   point, and only while the merged channel has room (a free slot or a waiting pull): at most
 *   one value is taken ahead of the consumer, and backpressure reaches the inputs.
 * - Fairness: when several inputs have a value, they are served round-robin.
 * - The merged channel closes once every input is closed and drained (`closed` turns true
 *   without a pull first) — or at once when an input is closed with a reason, which it then
 *   carries (`for await` throws it after the value already taken). Values still in the other
 *   inputs stay there.
 * - Closing the merged channel stops it reading; the value it had already taken stays readable,
 *   and the inputs are left as they are (open, and with their values).
 * - A value pushed into the merged channel itself is delivered like an input's.
 *
 * The parameters are typed as {@link PullChannel}s, but each must be a chanasync
 * {@link Channel} at run time: the merge waits at the inputs' commit points, which only a
 * `Channel` has.
 *
 * @param channels the inputs; none gives a closed channel.
 * @returns a channel of the union of the inputs' element types.
 * @throws {TypeError} if an argument is not a {@link Channel}.
 * @example
 * ```ts
 * import { Channel, merge } from 'chanasync';
 *
 * const chat = new Channel<string>(8);
 * const alerts = new Channel<number>(8);
 * for await (const message of merge(chat, alerts)) console.log(message); // string | number
 * ```
 */
export function merge<const C extends readonly PullChannel<unknown>[]>(
  ...channels: C
): Channel<ChannelValue<C[number]>> {
  const inputs = channels.map((input, index) => {
    if (!(input instanceof Channel)) {
      throw new TypeError(
        `merge(...channels): argument ${index} ${notAChannel(input)}${Array.isArray(input) && input.some((item) => item instanceof Channel) ? ' of channels: spread it, merge(...channels)' : ''}`,
      );
    }
    return input as Channel<ChannelValue<C[number]>>;
  });
  const merged = new MergedChannel(inputs);
  if (inputs.length === 0) merged.close();
  return merged;
}
