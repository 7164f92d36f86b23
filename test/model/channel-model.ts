/**
 * The plain-array model of a few channels and the selects that span them, straight from
 * SPEC.md ("Channel<T>", "select", "Errors").
 *
 * State of each channel ({@link ChannelModel}): `buffer` (committed values, oldest first),
 * `pushers` and `pullers` (parked operations, oldest first), `closed` and `closeReason`. A parked
 * operation is a {@link Waiter} with an owner: a plain operation (`push`, `pull`, `next`) or one
 * case of a parked select. A select parks one waiter per case, each on its case's channel; when
 * anyone commits one of them (or `close()` fails one), all its other waiters vanish at once.
 *
 * The {@link Model} holds the channels, each operation's expected {@link Outcome} in `outcomes`
 * and every value a drop policy discarded in `dropped`. Every operation has a unique id.
 * Everything is synchronous: the real channels must agree once their promise reactions have run.
 *
 * Two things the model cannot predict, both random by design: which ready case a select picks
 * ({@link Model.selectCall} says which cases are ready, the test reads the real select's `index`,
 * and {@link Model.selectCommit} applies that case), and in which order a parked select queues
 * several cases on one channel (the test reads that order from the real channel and hands it
 * to {@link Model.alignParked}).
 *
 * `tryPush`/`tryPull` are `pushNowait`/`pullNowait` that answer `false`/`undefined` instead of
 * throwing. `pullMany(max)` takes up to `max` values in one commit, or parks as one pull that
 * the next push serves with `[value]`. `pushAll(values)` commits values while it can and parks
 * one push at a time; when that push commits, the real `pushAll` carries on only after an
 * `await`, i.e. once the current synchronous step is over: the model queues it as a
 * continuation, which the test runs ({@link Model.runContinuations}) right after checking the
 * state the step left. A `pushAll` that fails part-way reports how many values it committed
 * (`pushed`, on the error).
 */
import type { Overflow } from '../../src/index.js';

/** How an operation ended, or that it has not (yet). Shared by the model and the observations. */
export type Outcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'value'; readonly value: unknown } // resolved (promise) or returned (nowait)
  | {
      readonly kind: 'selected';
      readonly index: number;
      readonly channel: string;
      readonly value: unknown;
      readonly ok: boolean;
    }
  | { readonly kind: 'closed'; readonly channel: string; readonly cause: unknown; readonly pushed?: number | undefined } // ChannelClosedError
  | { readonly kind: 'full'; readonly channel: string } // ChannelFullError
  | { readonly kind: 'empty'; readonly channel: string } // ChannelEmptyError
  | { readonly kind: 'type-error' } // TypeError (a select with no case left)
  | { readonly kind: 'reason'; readonly reason: unknown; readonly pushed?: number | undefined } // rejected with exactly this value
  | { readonly kind: 'one of'; readonly ready: readonly number[] }; // a select that chose a case that was not ready

/** The three ways to pull: `pull()`, `pullNowait()` and an iterator's `next()`. */
export type PullKind = 'pull' | 'pullNowait' | 'next';

/** A select case: pull from channel `ch`, or push `value` into it. `null` entries are skipped. */
export type CaseSpec =
  | { readonly kind: 'pull'; readonly ch: number }
  | { readonly kind: 'push'; readonly ch: number; readonly value: number };

/** A parked operation: the operation `id`, and for a select the case's `index`. */
export type Waiter =
  | { readonly id: number; readonly how: 'push' | 'pushAll'; readonly value: number }
  | { readonly id: number; readonly how: 'pull' | 'next' | 'pullMany'; readonly iterator?: number | undefined }
  | {
      readonly id: number;
      readonly how: 'select';
      readonly index: number;
      readonly push: boolean;
      readonly value?: number;
    };

/** Who commits a parked waiter: decides only what the coverage counts. */
type Committer = 'plain' | 'select';

/** A `pushAll` under way: its values, how many it committed, and its channel. */
interface PushAllState {
  readonly ch: number;
  readonly values: readonly number[];
  pushed: number;
  /** Its signal aborted while it was not parked (between a commit and its carrying on). */
  aborted?: { reason: unknown };
}

export class ChannelModel {
  readonly buffer: number[] = [];
  /** Every value committed to this channel, in commit order (including those dropped later). */
  readonly log: number[] = [];
  readonly pushers: Waiter[] = [];
  readonly pullers: Waiter[] = [];
  closed = false;
  closeReason: unknown = undefined;

  constructor(
    readonly name: string,
    readonly capacity: number,
    readonly overflow: Overflow,
  ) {}

  /** A pull would get something now: a buffered value, a parked push, or the closed signal. */
  get pullReady(): boolean {
    return this.buffer.length > 0 || this.pushers.length > 0 || this.closed;
  }

  /** A push on this open channel would commit now. */
  get pushReady(): boolean {
    return this.pullers.length > 0 || this.buffer.length < this.capacity || this.overflow !== 'block';
  }
}

export class Model {
  readonly channels: ChannelModel[];
  readonly dropped: number[] = [];
  readonly outcomes = new Map<number, Outcome>();
  /** The cases of every select that parked, by id. */
  private readonly parkedSelects = new Map<number, readonly (CaseSpec | null)[]>();
  /** Every `pushAll` not settled yet, by id. */
  private readonly pushAlls = new Map<number, PushAllState>();
  /** The `pushAll`s whose parked push committed: they carry on after the current step. */
  private readonly continuations: number[] = [];

  constructor(
    configs: readonly { name: string; capacity: number; overflow: Overflow }[],
    /** Told about the situations the coverage test counts. */
    private readonly cover: (situation: string) => void = () => {},
  ) {
    this.channels = configs.map(({ name, capacity, overflow }) => new ChannelModel(name, capacity, overflow));
  }

  /** `push(value)` (`wait`) or `pushNowait(value)` on channel `ch`; `aborted`: the signal was aborted beforehand. */
  push(ch: number, id: number, value: number, wait: boolean, aborted?: { reason: unknown }): void {
    this.settle(id, this.pushOutcome(this.channels[ch]!, id, value, wait, aborted));
  }

  /** `pull()`, `pullNowait()` or `[Symbol.asyncIterator]().next()` on channel `ch`. */
  pull(ch: number, id: number, how: PullKind, aborted?: { reason: unknown }, iterator?: number): void {
    this.settle(id, this.pullOutcome(this.channels[ch]!, id, how, aborted, iterator));
  }

  private pushOutcome(
    channel: ChannelModel,
    id: number,
    value: number,
    wait: boolean,
    aborted?: { reason: unknown },
  ): Outcome {
    if (aborted) return { kind: 'reason', reason: aborted.reason }; // checked first, even when closed
    if (channel.closed) return { kind: 'closed', channel: channel.name, cause: channel.closeReason };
    if (this.commitPush(channel, value, 'plain')) return { kind: 'value', value: undefined };
    if (!wait) return { kind: 'full', channel: channel.name };
    channel.pushers.push({ id, how: 'push', value });
    return { kind: 'pending' };
  }

  private pullOutcome(
    channel: ChannelModel,
    id: number,
    how: PullKind,
    aborted?: { reason: unknown },
    iterator?: number,
  ): Outcome {
    if (aborted) return { kind: 'reason', reason: aborted.reason }; // checked first
    const value = this.commitPull(channel, 'plain');
    if (value !== undefined) return this.received(how, value);
    if (channel.closed) return this.drained(channel, how);
    if (how === 'pullNowait') return { kind: 'empty', channel: channel.name };
    channel.pullers.push(how === 'next' ? { id, how, iterator } : { id, how });
    return { kind: 'pending' };
  }

  /**
   * Commit point of a push on an open channel: hand the value to the oldest parked pull, else
   * buffer it, else apply the drop policy. False, changing nothing, when it would have to wait.
   */
  private commitPush(channel: ChannelModel, value: number, by: Committer): boolean {
    if (channel.pullers.length === 0 && channel.buffer.length === channel.capacity && channel.overflow === 'block') {
      return false;
    }
    channel.log.push(value);
    const puller = channel.pullers.shift(); // a parked pull means an empty buffer
    if (puller) {
      this.commitWaiter(channel, puller, value, by);
    } else if (channel.buffer.length < channel.capacity) {
      channel.buffer.push(value);
    } else if (channel.overflow === 'drop-oldest') {
      this.dropped.push(channel.buffer.shift()!); // the drop modes have capacity >= 1: never empty here
      channel.buffer.push(value);
    } else {
      this.dropped.push(value); // 'drop-newest'
    }
    return true;
  }

  /**
   * Commit point of a pull: the oldest buffered value (a parked push's value then moves into
   * the buffer, next in line), else a parked push's value; `undefined` when there is none.
   */
  private commitPull(channel: ChannelModel, by: Committer): number | undefined {
    const pusher = channel.pushers.shift(); // parked pushes mean a full buffer (or an unbuffered one)
    if (pusher) {
      channel.log.push(pusherValue(pusher));
      channel.buffer.push(pusherValue(pusher));
      this.commitWaiter(channel, pusher, undefined, by);
    }
    return channel.buffer.shift();
  }

  /** `waiter`, just taken off `channel`'s queue, is committed (given `value` if it pulls). */
  private commitWaiter(channel: ChannelModel, waiter: Waiter, value: number | undefined, by: Committer): void {
    if (waiter.how === 'pushAll') {
      this.continuations.push(waiter.id);
      return;
    }
    if (waiter.how === 'pullMany') {
      this.cover('a parked pullMany is served with one value');
      this.settle(waiter.id, { kind: 'value', value: [value] });
      return;
    }
    if (waiter.how !== 'select') {
      this.settle(
        waiter.id,
        waiter.how === 'push' ? { kind: 'value', value: undefined } : this.received(waiter.how, value!),
      );
      return;
    }
    this.cover(`parked select won by a ${by} operation`);
    this.release(waiter.id);
    this.settle(waiter.id, {
      kind: 'selected',
      index: waiter.index,
      channel: channel.name,
      value: waiter.push ? undefined : value,
      ok: true,
    });
  }

  /** Removes every remaining waiter of operation `id` from every queue; true if there was one. */
  private release(id: number): boolean {
    let found = false;
    for (const channel of this.channels) {
      for (const queue of [channel.pushers, channel.pullers]) {
        for (let i = queue.length - 1; i >= 0; i--) {
          if (queue[i]!.id === id) {
            queue.splice(i, 1);
            found = true;
          }
        }
      }
    }
    this.parkedSelects.delete(id);
    return found;
  }

  /**
   * A select `id` just parked: order its waiters in the last `order.length` places of `ch`'s
   * push (`isPush`) or pull queue as `order` (case indices, oldest first) says — the order the
   * real select drew at random.
   */
  alignParked(ch: number, isPush: boolean, id: number, order: readonly number[]): void {
    const channel = this.channels[ch]!;
    const queue = isPush ? channel.pushers : channel.pullers;
    const start = queue.length - order.length;
    const byIndex = new Map<number, Waiter>();
    for (const waiter of queue.slice(start))
      if (waiter.id === id && waiter.how === 'select') byIndex.set(waiter.index, waiter);
    const aligned = order.map((index) => byIndex.get(index));
    if (byIndex.size !== order.length || aligned.includes(undefined)) {
      throw new Error(
        `select #${id}: the real queue order ${order.join(',')} does not match its cases on ${channel.name}`,
      );
    }
    queue.splice(start, order.length, ...(aligned as Waiter[]));
  }

  /** `close(reason)` of channel `ch`: idempotent; fails parked pushes, then parked pulls; keeps the buffer. */
  close(ch: number, reason: unknown): void {
    const channel = this.channels[ch]!;
    if (channel.closed) return;
    channel.closed = true;
    channel.closeReason = reason;
    // A select's sibling waiters may sit in these very queues: take the head afresh every time.
    for (
      let waiter = channel.pushers[0] ?? channel.pullers[0];
      waiter;
      waiter = channel.pushers[0] ?? channel.pullers[0]
    ) {
      const queue = channel.pushers[0] === waiter ? channel.pushers : channel.pullers;
      queue.shift();
      if (waiter.how === 'select') {
        const cases = this.parkedSelects.get(waiter.id)!;
        const both =
          cases.some((c) => c?.ch === ch && c.kind === 'push') && cases.some((c) => c?.ch === ch && c.kind === 'pull');
        if (both) this.cover('close finds a select with a push and a pull case on the channel');
        this.release(waiter.id);
        if (queue === channel.pullers) {
          this.cover('close fires a parked select pull case (ok: false)');
          this.settle(waiter.id, {
            kind: 'selected',
            index: waiter.index,
            channel: channel.name,
            value: undefined,
            ok: false,
          });
        } else {
          this.cover('close fails a parked select push case');
          this.settle(waiter.id, { kind: 'closed', channel: channel.name, cause: reason });
        }
      } else if (waiter.how === 'push') {
        this.settle(waiter.id, { kind: 'closed', channel: channel.name, cause: reason });
      } else if (waiter.how === 'pushAll') {
        this.cover('close fails a parked pushAll');
        const pushed = this.pushAlls.get(waiter.id)!.pushed;
        this.pushAlls.delete(waiter.id);
        this.settle(waiter.id, { kind: 'closed', channel: channel.name, cause: reason, pushed });
      } else if (waiter.how === 'pullMany') {
        this.settle(waiter.id, { kind: 'closed', channel: channel.name, cause: reason });
      } else {
        this.settle(waiter.id, this.drained(channel, waiter.how));
      }
    }
  }

  /** The signal of operation `id` aborts: if it is still parked it leaves without a trace. */
  abort(id: number, reason: unknown): void {
    const selectParked = this.parkedSelects.has(id);
    if (!this.release(id)) {
      // Not parked. A pushAll whose parked push committed in this very turn has not carried on
      // yet: it stops before its next value (with the values committed so far as `pushed`).
      const pushAll = this.pushAlls.get(id);
      if (pushAll !== undefined && this.continuations.includes(id)) {
        this.cover('abort a pushAll between a commit and its next value');
        pushAll.aborted = { reason };
      }
      return; // otherwise already settled: nothing changes
    }
    if (selectParked) this.cover('abort a parked select');
    const pushAll = this.pushAlls.get(id);
    if (pushAll !== undefined) {
      this.cover('abort a parked pushAll');
      this.pushAlls.delete(id);
      this.settle(id, { kind: 'reason', reason, pushed: pushAll.pushed });
      return;
    }
    this.settle(id, { kind: 'reason', reason });
  }

  /**
   * `return()` of iterator `iterator` on channel `ch`: the `next()` calls it left parked leave
   * the queue and resolve done; the iterator stays usable.
   */
  returnIterator(ch: number, iterator: number): void {
    const channel = this.channels[ch]!;
    for (let i = 0; i < channel.pullers.length; i++) {
      const waiter = channel.pullers[i]!;
      if (waiter.how === 'next' && waiter.iterator === iterator) {
        this.cover('return() withdraws a parked next()');
        channel.pullers.splice(i--, 1);
        this.settle(waiter.id, { kind: 'value', value: { done: true, value: undefined } });
      }
    }
  }

  /** `tryPush(value)` on channel `ch`: commits like `pushNowait`, answering true or false. */
  tryPush(ch: number, id: number, value: number): void {
    const channel = this.channels[ch]!;
    const committed = !channel.closed && this.commitPush(channel, value, 'plain');
    this.settle(id, { kind: 'value', value: committed });
  }

  /** `tryPull()` on channel `ch`: commits like `pullNowait`, answering the value or undefined. */
  tryPull(ch: number, id: number): void {
    this.settle(id, { kind: 'value', value: this.commitPull(this.channels[ch]!, 'plain') });
  }

  /** `pullMany(max)` on channel `ch`: up to `max` values in one commit, or one parked pull. */
  pullMany(ch: number, id: number, max: number, aborted?: { reason: unknown }): void {
    const channel = this.channels[ch]!;
    if (aborted) {
      this.settle(id, { kind: 'reason', reason: aborted.reason }); // checked first
      return;
    }
    const values: number[] = [];
    for (
      let value = this.commitPull(channel, 'plain');
      value !== undefined;
      value = this.commitPull(channel, 'plain')
    ) {
      values.push(value);
      if (values.length === max) break;
    }
    if (values.length > 0) {
      this.settle(id, { kind: 'value', value: values });
    } else if (channel.closed) {
      this.settle(id, { kind: 'closed', channel: channel.name, cause: channel.closeReason });
    } else {
      channel.pullers.push({ id, how: 'pullMany' });
      this.settle(id, { kind: 'pending' });
    }
  }

  /** `pushAll(values)` on channel `ch`. */
  pushAll(ch: number, id: number, values: readonly number[], aborted?: { reason: unknown }): void {
    if (aborted) {
      // Stopped before its first value: the reason itself, carrying `pushed: 0`.
      this.settle(id, { kind: 'reason', reason: aborted.reason, pushed: 0 });
      return;
    }
    this.pushAlls.set(id, { ch, values, pushed: 0 });
    this.pushAllFrom(id);
  }

  /** Runs `pushAll` `id` from its next value until it parks, fails or is done. */
  private pushAllFrom(id: number): void {
    const state = this.pushAlls.get(id)!;
    const channel = this.channels[state.ch]!;
    for (; state.pushed < state.values.length; state.pushed++) {
      const value = state.values[state.pushed]!;
      // Each value as a push of its own: an aborted signal first, then a closed channel.
      if (state.aborted) {
        this.pushAlls.delete(id);
        this.settle(id, { kind: 'reason', reason: state.aborted.reason, pushed: state.pushed });
        return;
      }
      if (channel.closed) {
        this.pushAlls.delete(id);
        this.settle(id, { kind: 'closed', channel: channel.name, cause: channel.closeReason, pushed: state.pushed });
        return;
      }
      if (!this.commitPush(channel, value, 'plain')) {
        this.cover('pushAll parks part-way');
        channel.pushers.push({ id, how: 'pushAll', value });
        this.settle(id, { kind: 'pending' });
        return;
      }
    }
    this.pushAlls.delete(id);
    this.settle(id, { kind: 'value', value: undefined });
  }

  /**
   * The `pushAll`s whose parked push committed during the last step carry on, in the order
   * their pushes committed (the order their promise reactions run in).
   */
  runContinuations(): void {
    for (let id = this.continuations.shift(); id !== undefined; id = this.continuations.shift()) {
      this.cover('pushAll carries on after its parked push committed');
      this.pushAlls.get(id)!.pushed++;
      this.pushAllFrom(id);
    }
  }

  /**
   * The synchronous part of `select(cases)` (`wait`) or `selectNowait(cases)`: settles the
   * outcome when it is determined (aborted, a push case on a closed channel, no case, nothing
   * ready), else returns the indices of the ready cases, one of which the real select commits:
   * pass it to {@link selectCommit}.
   */
  selectCall(
    id: number,
    cases: readonly (CaseSpec | null)[],
    wait: boolean,
    aborted?: { reason: unknown },
  ): number[] | undefined {
    if (aborted) {
      this.settle(id, { kind: 'reason', reason: aborted.reason }); // checked first
      return undefined;
    }
    const closedPush = cases.find((c) => c?.kind === 'push' && this.channels[c.ch]!.closed);
    if (closedPush) {
      const channel = this.channels[closedPush.ch]!;
      this.settle(id, { kind: 'closed', channel: channel.name, cause: channel.closeReason });
      return undefined;
    }
    const ready: number[] = [];
    cases.forEach((c, index) => {
      if (c == null) return;
      const channel = this.channels[c.ch]!;
      if (c.kind === 'pull' ? channel.pullReady : channel.pushReady) ready.push(index);
    });
    if (ready.length > 0) return ready;
    if (!wait) {
      this.settle(id, { kind: 'value', value: undefined });
    } else if (cases.every((c) => c == null)) {
      this.settle(id, { kind: 'type-error' });
    } else {
      // Park: one waiter per case, in case order.
      cases.forEach((c, index) => {
        if (c == null) return;
        const channel = this.channels[c.ch]!;
        if (c.kind === 'push') channel.pushers.push({ id, how: 'select', index, push: true, value: c.value });
        else channel.pullers.push({ id, how: 'select', index, push: false });
      });
      const both = (ch: number) =>
        cases.some((c) => c?.ch === ch && c.kind === 'push') && cases.some((c) => c?.ch === ch && c.kind === 'pull');
      if (this.channels.some((_, ch) => both(ch)))
        this.cover('select parks a push and a pull case on the same channel');
      this.parkedSelects.set(id, cases);
      this.settle(id, { kind: 'pending' });
    }
    return undefined;
  }

  /** Commits case `index` of select `id`, which {@link selectCall} found ready. */
  selectCommit(id: number, cases: readonly (CaseSpec | null)[], index: number): void {
    const c = cases[index]!;
    const channel = this.channels[c.ch]!;
    if (c.kind === 'push') {
      this.commitPush(channel, c.value, 'select');
      this.settle(id, { kind: 'selected', index, channel: channel.name, value: undefined, ok: true });
      return;
    }
    const value = this.commitPull(channel, 'select');
    this.settle(id, { kind: 'selected', index, channel: channel.name, value, ok: value !== undefined });
  }

  /** The real select committed a case that was not ready: an outcome no observation matches. */
  selectMischose(id: number, ready: readonly number[]): void {
    this.settle(id, { kind: 'one of', ready });
  }

  /** How a pull ends on a closed, drained channel. */
  private drained(channel: ChannelModel, how: PullKind): Outcome {
    if (how !== 'next') return { kind: 'closed', channel: channel.name, cause: channel.closeReason };
    if (channel.closeReason === undefined) return { kind: 'value', value: { done: true, value: undefined } };
    return { kind: 'reason', reason: channel.closeReason };
  }

  private received(how: PullKind, value: number): Outcome {
    return { kind: 'value', value: how === 'next' ? { done: false, value } : value };
  }

  private settle(id: number, outcome: Outcome): void {
    this.outcomes.set(id, outcome);
  }
}

function pusherValue(waiter: Waiter): number {
  return (waiter as { value: number }).value;
}
