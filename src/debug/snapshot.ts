/**
 * What debug mode knows about channels and the operations parked on them, the leaks it
 * detects, and the snapshot it makes of them — pure bookkeeping, no transport (that is
 * `post.ts`).
 *
 * Data (plain records: nothing here holds a channel or a waiter strongly, except the channels
 * noted in the current task, until its end):
 * - A {@link TrackedChannel} per channel created while debug mode is on: a `WeakRef` to the
 *   channel, what a leak report needs to name it (id, name, capacity, creation stack), and the
 *   list of its recorded parked operations.
 * - A {@link Parked} record per operation still parked on a tracked channel at the end of the
 *   task in which it parked (with `stacks`, per operation at once, since the stack must be
 *   taken then), until the hook's `leave` call. The waiter points at its record (a
 *   symbol-keyed field); the record never points back. Operations that leave their queue in
 *   the task in which they parked — most of them — are never recorded: a park only notes its
 *   channel, and the end of the task walks the noted channels' queues (`flush`).
 * - A {@link SelectRecord} per multi-case select with a case on a tracked channel, shared by
 *   the records of its cases.
 *
 * Leak detection (Go 1.26's rule: an operation blocked on a channel that nothing can reach can
 * never proceed). A `FinalizationRegistry` is told about each tracked channel, with its
 * `TrackedChannel` as the held value. When the channel is collected, every record still in its
 * parked list is an operation that never left its queue — never committed, aborted or failed
 * by close, since each of those unlinks the waiter through `claim()`, which calls the hook's
 * `leave` first. Nothing can commit it any more: its channel is gone, and its waiter with it
 * (a waiter holds its channel, so a live waiter keeps its channel alive; the core's signal
 * watch holds waiters weakly). So it is reported as leaked — a select once, when the last of
 * its tracked channels is collected (its cases reference each other through their group, so
 * in practice its channels are all collected together). No operation escapes a record: a
 * channel noted in a task stays reachable (from `pendingChannels`) until the end of the task
 * has recorded what is still parked on it.
 *
 * Invariants:
 * - A `Parked` record is in its channel's parked list exactly while its waiter is queued (from
 *   its recording to the hook's `leave` call).
 * - Every operation parked on a tracked channel is recorded, or its channel is in
 *   `pendingChannels`, or it has left its queue.
 * - `SelectRecord.remaining` counts the select's case records whose channel has not been
 *   collected; the select is reported when it drops to 0.
 * - Once `close()`d (debug mode disabled or restarted), a registry reports nothing more.
 */
import { type Channel, setTracker } from '../channel.js';
import {
  type ChannelSnapshot,
  type DebugContext,
  type LeakCase,
  type LeakSnapshot,
  LIMITS,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type SnapshotMessage,
  type WaiterSnapshot,
} from '../protocol.js';
import type { Ref } from '../signals.js';
import { Mark, type Tracker } from '../tracker.js';
import { hold, type Waited, type Waiter, type Withholding } from '../waiters.js';

export { setTracker };

/** A channel debug mode follows, without keeping it alive. The finalizer's held value. */
interface TrackedChannel {
  /** The channel, weakly. */
  readonly ref: WeakRef<Channel<unknown>>;
  /** Unique within the context's lifetime. */
  readonly id: number;
  /** The channel's name (`''` when unnamed), cut to `LIMITS.name`; it never changes. */
  readonly name: string;
  /** The capacity, `null` for `Infinity` (or any capacity of 2⁵³ or more). */
  readonly capacity: number | null;
  /** Where it was created, with `stacks`. */
  readonly createdAt: string | undefined;
  /** The oldest parked operation; the others follow through `Parked.next`. */
  parked: Parked | undefined;
  /** The youngest parked operation. */
  last: Parked | undefined;
}

/** A multi-case select with a case on a tracked channel. */
interface SelectRecord {
  /** Shared by the snapshots of its cases (`WaiterSnapshot.select`). */
  readonly id: number;
  /** Case records whose channel is still alive. */
  remaining: number;
  /** When it parked (the time of its first tracked case). */
  readonly since: number;
  /**
   * Where it parked (taken once, at its first tracked case, right after that case was recorded),
   * with `stacks`.
   */
  stack: string | undefined;
  /**
   * The record of its tracked case that comes first in its array of cases (the core may park
   * cases in any order): the leak report names that case's channel.
   */
  first: Parked | undefined;
  /** That case's index. */
  firstIndex: number;
  /**
   * Its tracked cases as they were recorded (any order): a leak report lists them by index, so
   * that the leak can be told by any of its channels (audit BQ-inspector-1).
   */
  readonly cases: { readonly index: number; readonly push: boolean; readonly tracked: TrackedChannel }[];
}

/** How many operations were recorded as parked: each {@link Parked}'s `order` is the next. */
let parkedCount = 0;

/** One parked operation on a tracked channel. An entry of its channel's doubly linked list. */
class Parked {
  /**
   * Its place in park order, across channels: the tie-break of leaks with one `since` (the
   * clock is read once per task), which one collection finds in the order its finalizers run.
   */
  readonly order = ++parkedCount;
  /** Neighbours in the channel's parked list (`undefined` at the ends). */
  prev: Parked | undefined = undefined;
  next: Parked | undefined = undefined;
  /** Whether it is in the list (so that unlinking twice is harmless). */
  linked = true;

  constructor(
    /** The channel it is parked on. */
    readonly tracked: TrackedChannel,
    /** `'select'` for any select case. */
    readonly kind: 'push' | 'pull' | 'select',
    /** When it parked (ms since the epoch, the task's clock). */
    readonly since: number,
    /** Where it parked, with `stacks` (taken right after it was recorded: see `slow`). */
    public stack: string | undefined,
    /** Its select, for a case of a multi-case select. */
    readonly select: SelectRecord | undefined,
  ) {}
}

/** The field of a waiter that points at its record. A symbol: it can clash with nothing. */
const PARKED: unique symbol = Symbol('chanasync.debug.parked');

/**
 * A waiter as debug mode marks it. On the cases of a multi-case select the core sets `group`
 * (shared by the cases; `group.first` starts the chain of cases), `sibling` (the next case)
 * and `index` (the case's position in the array of cases).
 */
type MarkedWaiter = Waiter<unknown> & {
  readonly channel: Channel<unknown> & FedChannel;
  [PARKED]?: Parked;
  readonly group?: { readonly first?: MarkedWaiter | undefined };
  readonly sibling?: MarkedWaiter | undefined;
  readonly index?: unknown;
  /** On a select's case: its direction. */
  readonly isPush?: boolean;
  /** On a merge's pull on one of its inputs: the merged channel. */
  readonly merged?: FedChannel;
};

/**
 * A channel as {@link fedNow} reads it; `hub` is a broadcast subscriber's, `inputs` and
 * `goneInputs` a merge's.
 */
type FedChannel = {
  readonly fedFromOutside?: boolean;
  readonly hub?: { readonly hubSource: FedChannel };
  readonly inputs?: readonly FedChannel[];
  readonly goneInputs?: WeakSet<object>;
};

/**
 * Whether waits on `channel` are waits for input now: it was made fed by the outside world
 * (`input: true`), and still is — a broadcast subscriber, whose flag was its source's when it
 * subscribed, follows its source; a merge, whose flag follows its inputs as they end
 * (merge.ts), follows those left, for one of them may be fed no more without ending (a merge
 * or a subscriber whose own outside input ended). Read at every snapshot, not kept from the
 * channel's creation. Up to `depth` links down (a chain deeper than that counts as fed).
 */
function fedNow(channel: FedChannel | undefined, depth = 64): boolean {
  if (channel?.fedFromOutside !== true) return false;
  if (depth === 0) return true;
  const source = channel.hub?.hubSource;
  if (source !== undefined) return fedNow(source, depth - 1);
  const { inputs, goneInputs } = channel;
  if (!Array.isArray(inputs) || !(goneInputs instanceof WeakSet)) return true;
  let fed = fedMerges?.get(channel);
  if (fed === undefined) {
    fed = inputs.some((input) => !goneInputs.has(input) && fedNow(input, depth - 1));
    fedMerges?.set(channel, fed);
  }
  return fed;
}

/**
 * What {@link fedNow} found for each merge during one snapshot: it is asked again for each of a
 * merge's pulls on its inputs, and a merge of N inputs must not cost O(N²) per snapshot.
 */
let fedMerges: Map<FedChannel, boolean> | undefined;

/**
 * A clock read once per task: `Date.now()` on every park cost ~20% of 1:1 throughput, and
 * "since when" needs no finer grain than the task in which an operation parked.
 */
let clock: number | undefined;
/** The timer that forgets {@link clock} at the end of the task. */
let clockTimer: ReturnType<typeof setTimeout> | undefined;
/**
 * The `setTimeout` that set {@link clockTimer}. A test framework that swaps the global
 * `setTimeout` (fake timers installed or removed) drops the timers of the other one unrun: the
 * clock would then stay frozen for the rest of the session, so a new `setTimeout` means that the
 * task clock is read anew.
 */
let clockTimers: typeof setTimeout | undefined;
function taskTime(): number {
  if (clock === undefined || clockTimers !== setTimeout) {
    clock = Date.now();
    clockTimers = setTimeout;
    clockTimer = endOfTask(forgetClock);
  }
  return clock;
}

/**
 * Calls `callback` at the end of the task (a 0 ms timer). Where a timer may not be set — a
 * Cloudflare Worker's global scope refuses `setTimeout` — at the end of the microtasks instead:
 * the hook that calls this must never throw into the operation that parks.
 */
function endOfTask(callback: () => void): ReturnType<typeof setTimeout> | undefined {
  try {
    return setTimeout(callback, 0);
  } catch {
    queueMicrotask(callback);
    return undefined;
  }
}

/** Forgets the task's clock (and its timer, if it has not fired): the next park reads it anew. */
function forgetClock(): void {
  if (clockTimers === setTimeout) clearTimeout(clockTimer);
  clockTimer = undefined;
  clockTimers = undefined;
  clock = undefined;
}

/** This module's URL without query or fragment, if the platform gives it. */
const here: string | undefined = /* @__PURE__ */ (() => {
  const url: unknown = import.meta.url;
  return typeof url === 'string' ? (url.split(/[?#]/)[0] ?? url) : undefined;
})();

/**
 * This module's file path, when its URL is a `file:` URL: Node names ES module frames by URL,
 * but a runtime that rewrites stacks (source-map support, vitest) by path.
 */
const herePath: string | undefined = /* @__PURE__ */ (() =>
  here?.startsWith('file:') ? decodeURIComponent(new URL(here).pathname) : undefined)();

/**
 * Where chanasync's own files are, to cut their frames out of stack traces: the `src/` folder
 * when running from source; the package's `dist/` folder (its entries and `chunks/`) and its
 * `src/` folder when running the built files — `src/` too because a runtime that applies
 * source maps to `error.stack` (Node with `--enable-source-maps`, vitest) names the sources the
 * maps point at. `undefined` when this module was bundled into another file — an
 * application's bundle, whose folder holds the application's code too — or there is no
 * `import.meta.url`: then chanasync's frames are recognised by their function names.
 */
const libraryRoots: readonly LibraryRoot[] | undefined = /* @__PURE__ */ (() => {
  if (here === undefined) return undefined;
  if (/\/src\/debug\/snapshot\.[jt]s$/.test(here)) return [root(new URL('../', here), false)];
  if (/\/dist\/debug\.js$/.test(here)) {
    // The sources only as the maps name them (`.ts` files): a site that copied `dist/` next to
    // a `src/` folder of its own keeps its `.js` frames.
    return [root(new URL('./', here), false), root(new URL('../src/', here), true)];
  }
  return undefined;
})();

/** A folder of chanasync's files, as stack frames spell it. */
interface LibraryRoot {
  readonly href: string;
  readonly pathname: string;
  /** Only its TypeScript files (frames a source map rewrote). */
  readonly tsOnly: boolean;
}

function root(url: URL, tsOnly: boolean): LibraryRoot {
  return { href: url.href, pathname: url.pathname, tsOnly };
}

/** Whether `frame` is in one of chanasync's folders. */
function isLibraryFrame(frame: string, roots: readonly LibraryRoot[]): boolean {
  return roots.some(
    ({ href, pathname, tsOnly }) =>
      (frame.includes(href) || frame.includes(pathname)) && (!tsOnly || /\.ts:\d+/.test(frame)),
  );
}

/**
 * Frames that are neither the user's nor chanasync's: the promise constructor, Node internals
 * (`(node` or ` node` before a colon: the colon in brackets, so that no text of src/ reads like a
 * Node built-in specifier).
 */
const PLATFORM_FRAME = /new Promise \(<anonymous>\)|[( ]node[:]|^Promise@|^\s*at (async )?Promise\./;

/**
 * Names of chanasync functions that sit between an operation's caller and the debug hook, for
 * a bundle where file names cannot tell them apart from the caller's: the hook itself, the
 * parking and unlinking helpers, the channel's methods and constructor, select's passes, the
 * iterator, the helpers that make channels.
 * Only a *leading* run of such frames is cut, so a user function of the same name deeper down
 * stays; and only in a file found to hold chanasync's code (see {@link LIBRARY_OWN}), so that
 * an application function called `start` or `push` that calls chanasync from its own file
 * stays too. A bundler may rename them to avoid a clash (esbuild: `_Channel` for a class that
 * names itself in its own body, `push2` beside the application's `push`): those count too.
 */
const LIBRARY_FUNCTION =
  /^(?:new )?(?:[\w$]+\.)*_*(?:captureStack|track|slow|park|wait|claim|enqueue|flush|create|Channel|ReleasingChannel|TimerChannel|MergedChannel|Subscriber|fromSource|push|pull|pushAll|pushEach|pullMany|pushNowait|pullNowait|tryPush|tryPull|select|selectMany|selectOne|parkCases|next|nextResult|arm|pump|fill|feed|start|deliver|received|subscribe|from|fromEvent|after|ticker|merge|broadcast|Promise|<anonymous>)\d*$/;

/**
 * Names that only chanasync's code has — its classes' constructors and methods, its internal
 * helpers: a frame of one is chanasync's in whatever file it is. Chanasync's code may span
 * several files: a dev server that pre-bundles dependencies (Vite's `node_modules/.vite/deps/`)
 * or a build that splits chunks puts the core, `select` and its helpers, `chanasync/port` and
 * debug mode in files of their own, none of them `dist/`. A method of one of its classes counts
 * whatever its name: `dist/` renames some internal methods (the broadcast's `pump` is `BroadcastHub.j`).
 */
const LIBRARY_OWN =
  /^(?:new )?(?:[\w$]+\.)?_*(?:(?:Channel|ReleasingChannel|TimerChannel|MergedChannel|PortChannel|BroadcastHub|InputWaiter|SenderWaiter|StreamSource|SelectWaiter|LoneSelectWaiter)\d*\.|(?:Sender\d*\.receive|Endpoint\d*\.(?:handleEvent|listener)|Channel|ReleasingChannel|TimerChannel|MergedChannel|Subscriber|PortChannel|captureStack|park|parkCases|enqueue|claim|selectMany|selectOne|fromSource|commitPush|commitPull|took|pump|fromPort|toPort)\d*$)/;

/** The file (URL or path) of a V8 (`at name (url:1:2)`) or SpiderMonkey/JSC (`name@url:1:2`) frame. */
function fileOf(frame: string): string {
  return /([^\s(@]+):\d+:\d+\)?$/.exec(frame.trim())?.[1] ?? '';
}

/**
 * The function name of a V8 (`at name (url)`) or SpiderMonkey/JSC (`name@url`) frame.
 * SpiderMonkey names a function by the path to it: `Registry/this.track` (a function stored in
 * a property, here the debug hook), `selectMany/<` and `fromSource/channel<` (an anonymous
 * function inside another). Its own name is the last step; an anonymous one takes its outer
 * function's. V8's ` [as alias]` (a method called under another name) is left out.
 */
function functionName(frame: string): string {
  const match = /^\s*at (?:async )?(.*?)(?: \[as [^\]]*\])? \(|([^/]*)(\/[^/]*<)?@/.exec(frame);
  return match?.[1] ?? match?.[2] ?? '';
}

/** The stack of the first park of each owner (a `pushAll`, a relay: see `Tracker` in `tracker.ts`). */
const ownerStacks = new WeakMap<object, string>();

/**
 * The user frames of the current stack. Never throws, whatever `Error.prepareStackTrace` an
 * application installed (one that throws, or returns call sites instead of a string): the hook
 * it runs in must not break the operation that called it.
 */
function captureStack(): string {
  // V8 keeps `Error.stackTraceLimit` frames (10 by default), and up to 10 of the innermost are
  // chanasync's — the hook, the park, the operation, a select's passes, a promise executor —
  // which would leave a caller few or none of its own: the limit counts from the first user
  // frame instead. (Elsewhere there is no such property, and nothing changes.)
  const limit = (Error as { stackTraceLimit?: unknown }).stackTraceLimit;
  const raised = typeof limit === 'number' && setStackLimit(limit + 10);
  try {
    const stack: unknown = new Error().stack;
    return typeof stack === 'string' ? userFrames(stack) : '';
  } catch {
    return '';
  } finally {
    if (raised) setStackLimit(limit);
  }
}

/** Sets V8's `Error.stackTraceLimit`; false where it cannot be set (a frozen `Error`, SES). */
function setStackLimit(frames: number): boolean {
  try {
    (Error as { stackTraceLimit?: number }).stackTraceLimit = frames;
    return true;
  } catch {
    return false;
  }
}

/** The frames of `stack` in user code, at most `LIMITS.stack` characters. */
export function userFrames(stack: string | undefined): string {
  let frames = (stack ?? '').split('\n');
  if (frames[0] !== undefined && !frames[0].includes('@') && !/^\s*at /.test(frames[0])) frames = frames.slice(1); // "Error"
  const count = frames.length;
  if (libraryRoots !== undefined) frames = frames.filter((frame) => !isLibraryFrame(frame, libraryRoots));
  // Unless its folders told chanasync's frames (some were left out), cut the leading run of
  // them: it is bundled, or a bundler rewrote its `import.meta.url` (webpack: to the file's path
  // at build time, while the frames name the bundle). Its code may span several files (a
  // dev server's pre-bundled dependencies, split chunks), none of them the user's: a frame is
  // chanasync's if its name is one only chanasync has, or one of chanasync's names in this
  // file or in the file of the frame cut before it. An anonymous frame followed by the promise
  // constructor (a promise executor) or `create` (the maker `from` and `fromEvent` hand it)
  // goes with the frames after it; any other may be the user's module code.
  if (frames.length === count) {
    let file = here; // the file of the last frame cut
    let start = 0;
    for (let first = 0; first < frames.length; first++) {
      const frame = frames[first] as string;
      if (PLATFORM_FRAME.test(frame)) continue;
      const name = functionName(frame);
      if (name === '') {
        const next = frames[first + 1] ?? '';
        if (PLATFORM_FRAME.test(next) || functionName(next) === 'create') continue;
        break;
      }
      const at = fileOf(frame);
      if (
        !LIBRARY_OWN.test(name) &&
        !(
          LIBRARY_FUNCTION.test(name) &&
          (here === undefined ||
            at === file ||
            frame.includes(here) ||
            (herePath !== undefined && frame.includes(herePath)))
        )
      ) {
        break;
      }
      file = at;
      start = first + 1;
    }
    frames = frames.slice(start);
  }
  const joined = frames
    .filter((frame) => frame.trim() !== '' && !PLATFORM_FRAME.test(frame))
    .map((frame) => frame.trim())
    .join('\n');
  return cut(joined, LIMITS.stack);
}

/**
 * `text` cut to at most `max` UTF-16 code units, never in the middle of a surrogate pair: a
 * name or stack of emoji or other astral characters cut at the limit would otherwise end in half
 * a character, which shows as U+FFFD in the inspector (and is not well-formed Unicode).
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/*
 * Counters that outlive a registry, so that ids never repeat within a context even when debug
 * mode is restarted: an inspector that remembers which leaks the user cleared, or orders
 * snapshots by `seq`, is never confused by a restart.
 */
let nextChannelId = 1;
let nextSelectId = 1;
let nextLeakId = 1;
let nextSeq = 1;

/** The next sequence number of a posted snapshot. */
export function takeSeq(): number {
  return nextSeq++;
}

/** This copy of chanasync's id, drawn when it first posts a snapshot (see {@link instanceId}). */
let instance: string | undefined;

/**
 * A random id of this copy of chanasync's debug mode, the same for all its sessions: posted
 * snapshots carry it as `instance`, so that an inspector keeps apart the snapshots of two
 * copies in one document (two bundles that each include chanasync — micro-frontends, a library
 * and the app), whose channel ids and sequence numbers overlap, instead of letting each one's
 * snapshot replace the other's. Drawn lazily: importing debug mode takes nothing random (and a
 * Cloudflare Worker refuses randomness at its global scope).
 */
export function instanceId(): string {
  instance ??= (Math.random().toString(36).slice(2, 10) + Math.random().toString(36).slice(2, 10)).padEnd(8, '0');
  return instance;
}

/** Options of a {@link Registry}. */
export interface RegistryOptions {
  /** Record where channels are created and operations park. */
  readonly stacks: boolean;
  /** Called once per detected leak (the `console.warn`), if given. */
  readonly onLeak: ((leak: LeakSnapshot) => void) | undefined;
  /** Who takes the snapshots, put into each. */
  readonly context: DebugContext | undefined;
}

/**
 * A tracked channel that debug mode stops following: it loses its {@link Mark.TRACKED} mark, a
 * channel its signal closes is held by its watch while a pull with no signal of its own waits
 * on it, and each operation parked on it with a signal gets the way out that `park` withheld
 * while debug mode was there to report it as leaked — so that its signal still fails it should
 * the channel be collected now (an `AbortSignal.timeout` still fires, the caller's `finally`
 * runs): the one `park` kept on the waiter, or a multi-case select's `reject`, shared by its
 * cases.
 */
function untrack(channel: Channel<unknown>): void {
  channel.debugMarks &= ~Mark.TRACKED;
  // A channel its signal closes (fromEvent's, a subscriber): its watch holds it now while an
  // operation with no way out waits on it, as it would have without debug mode.
  if ((channel as unknown as Waited<unknown>).ref) hold(channel as unknown as Waited<unknown>);
  for (const head of [channel.pushHead, channel.pullHead] as (WayOutWaiter | undefined)[]) {
    for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) {
      const group = waiter.group;
      const ref = (group ?? waiter).ref;
      if (ref !== undefined && ref.fail === undefined) ref.fail = group !== undefined ? group.reject : waiter.withheld;
    }
  }
}

/** A parked waiter as {@link untrack} sees it: a multi-case select's case has its `group`. */
type WayOutWaiter = Withholding<unknown> & {
  readonly next: WayOutWaiter;
  readonly group?: { readonly ref: Ref | undefined; readonly reject: (reason: unknown) => void };
};

/** The channels created while debug mode is on, what parked on them, and what leaked. */
export class Registry {
  /** Tracked channels in creation order; dead ones leave by finalizer or at the next snapshot. */
  private readonly channels = new Set<TrackedChannel>();
  /** The record of each tracked channel (looked up when an operation parks). */
  private readonly trackedOf = new WeakMap<Channel<unknown>, TrackedChannel>();
  private readonly finalizer = new FinalizationRegistry<TrackedChannel>((tracked) => this.collected(tracked));
  /** Leaks detected since the start or the last {@link clearLeaks}, oldest first. */
  private leaks: LeakSnapshot[] = [];
  /** The park order ({@link Parked.order}) of each of {@link leaks}, index for index. */
  private leakOrders: number[] = [];
  /** Leaks detected beyond `LIMITS.leaks` since then. */
  private leaksOmitted = 0;
  /** Set by {@link close}. */
  private closed = false;
  /**
   * The channels on which operations parked since the last {@link flush} (without stacks), all
   * since `pendingSince` — the time of the task in which the first of them parked. Most
   * operations leave their queue within the task in which they parked (a rendezvous, a buffer
   * that has room again), so instead of recording every park, debug mode notes the channel
   * and, at the end of the task, records the operations still in its queues. A park costs a
   * comparison with `lastChannel` — recording each one, or even keeping each waiter in a list
   * until the end of the task, took a tenth to a fifth of 1:1 throughput.
   */
  private readonly pendingChannels = new Set<Channel<unknown>>();
  /**
   * The two channels noted last: a park on one of them again notes nothing (two, for a select
   * that parks on a channel and a timeout or a stop channel over and over).
   */
  private lastChannel: Channel<unknown> | undefined = undefined;
  private otherChannel: Channel<unknown> | undefined = undefined;
  private pendingSince = 0;
  /**
   * The `setTimeout` that scheduled the end-of-task flush, if one is scheduled: the flush is
   * scheduled again once the global `setTimeout` is another (see `clockTimers`).
   */
  private flushScheduled: typeof setTimeout | undefined = undefined;
  /** Its timer. */
  private flushTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  /** `options.stacks`, read on every park. */
  private readonly stacks: boolean;

  constructor(private readonly options: RegistryOptions) {
    this.stacks = options.stacks;
  }

  /** Installs this registry's hook in the core. */
  install(): void {
    setTracker(this.track);
  }

  /**
   * Stops reporting (the hook is removed by whoever installs the next one, or none), and
   * cancels its end-of-task timers: debug mode turned off leaves no timer behind (and no
   * stale task clock for a later session, should a test framework drop a fake timer).
   */
  close(): void {
    this.closed = true;
    for (const tracked of this.channels) {
      const channel = tracked.ref.deref();
      if (channel !== undefined) untrack(channel);
    }
    this.channels.clear(); // a last snapshot (for a connected inspector) lists none
    if (this.flushScheduled === setTimeout) clearTimeout(this.flushTimer);
    forgetClock();
    for (const channel of this.pendingChannels) channel.debugMarks &= ~Mark.NOTED;
    this.pendingChannels.clear();
    this.lastChannel = undefined;
    this.otherChannel = undefined;
  }

  /** Forgets the leaks detected so far. */
  clearLeaks(): void {
    this.leaks = [];
    this.leakOrders = [];
    this.leaksOmitted = 0;
  }

  /** The hook core code calls (see `tracker.ts`). Must not throw, must be cheap. */
  readonly track: Tracker = (subject: object, event: string, owner?: unknown): void => {
    // Kept small, so that V8 inlines it into the core's hot paths: the common cases — an
    // operation leaves, or parks on the channel noted last — come first; the rest is `slow`.
    if (event === 'leave') {
      const parked = (subject as MarkedWaiter)[PARKED];
      if (parked !== undefined) unlink(parked);
    } else {
      const channel = (subject as MarkedWaiter).channel;
      if ((channel !== this.lastChannel && channel !== this.otherChannel) || this.stacks || event === 'create') {
        this.slow(subject, event, owner);
      }
    }
  };

  /**
   * The hook's less frequent cases: an owner of later parks is reported (its stack kept, with
   * stacks), a channel is created, an operation parks with stacks, or parks on a channel not
   * noted last.
   */
  private slow(subject: object, event: string, owner: unknown): void {
    if (event === 'owner') {
      // An owner made now parks later, from a microtask (see `tracker.ts`): the stack of its
      // maker's call, for its parks.
      if (this.stacks && !ownerStacks.has(subject)) ownerStacks.set(subject, captureStack());
    } else if (event === 'create') {
      this.create(subject as Channel<unknown>);
    } else if (this.stacks) {
      // With stacks, the stack must be taken now, and the record made at once. The record
      // first: taking the stack may run the application's code (an `Error.prepareStackTrace`)
      // that commits, aborts or closes this very operation, whose `leave` must then find its
      // record — recorded after, it stayed listed, and was reported as leaked once its channel
      // was collected.
      const parked = this.park(subject as MarkedWaiter, event as Parked['kind'], taskTime(), undefined);
      if (parked !== undefined && parked.stack === undefined) {
        // A `pushAll`'s later parks run in a microtask, with no frame of its caller, and a
        // relay's (a merge's, a broadcast's, a `from(channel)`'s, a `toPort`'s) inside the push
        // of whichever producer fed it last, a frame that shows where a push completed, on the
        // other side of the channel (audit BF-I2): they get the stack of their first park, by
        // their `owner`. (Named for this park only: what the channel's feeder parks right after
        // it — a relay on its source, a generator's own pull — has an owner of its own, or none.)
        const key = owner as object | undefined;
        let stack = key === undefined ? undefined : ownerStacks.get(key);
        if (stack === undefined) {
          stack = captureStack();
          if (key !== undefined) ownerStacks.set(key, stack);
        }
        parked.stack = stack;
        if (parked.select !== undefined && parked.select.stack === undefined) parked.select.stack = stack;
      }
    } else {
      const channel = (subject as MarkedWaiter).channel;
      if (this.flushScheduled !== setTimeout) {
        // No flush scheduled, or one scheduled with a `setTimeout` swapped since, whose timer
        // was dropped unrun: record what was noted under it, and schedule anew.
        if (this.pendingChannels.size !== 0) this.flush();
        this.flushScheduled = setTimeout;
        this.flushTimer = endOfTask(this.flushTask);
      }
      if (this.pendingChannels.size === 0) this.pendingSince = taskTime();
      this.pendingChannels.add(channel);
      // Until the flush, the core reports no more parks on this channel (see `tracker.ts`).
      channel.debugMarks |= Mark.NOTED;
      this.otherChannel = this.lastChannel;
      this.lastChannel = channel;
    }
  }

  /**
   * Records the operations still parked on the channels noted since the last flush. Runs before
   * every snapshot and at the end of the task in which operations parked — so a channel can be
   * collected only after its parked operations were recorded: until then it is noted here.
   */
  private flush(): void {
    const since = this.pendingSince;
    for (const channel of this.pendingChannels) {
      channel.debugMarks &= ~Mark.NOTED;
      this.recordQueue(channel.pushHead as MarkedWaiter | undefined, 'push', since);
      this.recordQueue(channel.pullHead as MarkedWaiter | undefined, 'pull', since);
    }
    this.pendingChannels.clear();
    this.lastChannel = undefined;
    this.otherChannel = undefined;
  }

  /**
   * Records each waiter of the queue starting at `head` that has no record yet — or only the
   * record of an earlier park, which it left: a waiter parked again and again (toPort's pull)
   * waits since its latest park. Its kind is its queue's, or `'select'` for a select's case
   * (the waiters that know their direction).
   */
  private recordQueue(head: MarkedWaiter | undefined, kind: 'push' | 'pull', since: number): void {
    for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) {
      if (!waiter[PARKED]?.linked) this.park(waiter, 'isPush' in waiter ? 'select' : kind, since, undefined);
    }
  }

  /** The end-of-task flush (a timer callback). */
  private readonly flushTask = (): void => {
    this.flushScheduled = undefined;
    this.flushTimer = undefined;
    if (!this.closed) this.flush();
  };

  private create(channel: Channel<unknown>): void {
    const tracked: TrackedChannel = {
      ref: new WeakRef(channel),
      id: nextChannelId++,
      // The fields the constructor has just set, not the getters: a subclass may override
      // `name` with a getter that reads a private field of its own, which this hook — called
      // from inside `super()` — runs before that field exists.
      name: cut(channel.givenName ?? '', LIMITS.name),
      // `null` (unbounded) for Infinity, and for a capacity beyond the safe integers too: no
      // buffer reaches it, and the protocol carries only exact counts.
      capacity: Number.isSafeInteger(channel.limit) ? channel.limit : null,
      createdAt: this.stacks ? captureStack() : undefined,
      parked: undefined,
      last: undefined,
    };
    this.channels.add(tracked);
    this.trackedOf.set(channel, tracked);
    channel.debugMarks |= Mark.TRACKED;
    this.finalizer.register(channel, tracked);
  }

  /**
   * Records `waiter`, parked since `since` (at `stack`), as parked on its channel, and returns
   * the record — `undefined` if its channel is not tracked.
   */
  private park(
    waiter: MarkedWaiter,
    kind: Parked['kind'],
    since: number,
    stack: string | undefined,
  ): Parked | undefined {
    const tracked = this.trackedOf.get(waiter.channel);
    if (tracked === undefined) return undefined; // created before debug mode was enabled
    const group = waiter.group;
    let parked: Parked;
    if (group === undefined) {
      parked = new Parked(tracked, kind, since, stack, undefined);
    } else {
      // A case of a multi-case select: its cases share one record, one time and one stack. The
      // core reports the cases one after another (in any order); a case recorded earlier has
      // the record. (Found through the cases' own links rather than a WeakMap keyed by the
      // group, which made every select pay for a WeakMap entry.)
      let select: SelectRecord | undefined;
      for (let other = group.first; other !== undefined && select === undefined; other = other.sibling) {
        select = other[PARKED]?.select;
      }
      select ??= { id: nextSelectId++, remaining: 0, since, stack, first: undefined, firstIndex: 0, cases: [] };
      parked = new Parked(tracked, kind, select.since, select.stack, select);
      const index = typeof waiter.index === 'number' ? waiter.index : 0;
      select.cases.push({ index, push: waiter.isPush === true, tracked });
      if (select.first === undefined || index < select.firstIndex) {
        select.first = parked;
        select.firstIndex = index;
      }
      select.remaining++;
    }
    // Append, so that the list is in park order.
    const last = tracked.last;
    if (last === undefined) tracked.parked = parked;
    else last.next = parked;
    parked.prev = last;
    tracked.last = parked;
    waiter[PARKED] = parked;
    // From now on the core reports every operation that leaves this channel's queues.
    waiter.channel.debugMarks |= Mark.RECORDED;
    return parked;
  }

  /** The finalizer's callback: `tracked`'s channel was collected. */
  private collected(tracked: TrackedChannel): void {
    this.channels.delete(tracked);
    if (this.closed) return;
    // Not past a `close()`: a warning handler may turn debug mode off.
    for (let parked = tracked.parked; parked !== undefined && !this.closed; parked = parked.next) {
      const select = parked.select;
      if (select === undefined) this.report(parked, parked.kind);
      else if (--select.remaining === 0 && select.first !== undefined) this.report(select.first, 'select');
    }
    tracked.parked = undefined;
    tracked.last = undefined;
  }

  private report(parked: Parked, kind: LeakSnapshot['kind']): void {
    const { tracked } = parked;
    const leak: LeakSnapshot = {
      id: nextLeakId++,
      kind,
      since: parked.since,
      ...(parked.stack === undefined ? {} : { stack: parked.stack }),
      detectedAt: Date.now(),
      channel: {
        id: tracked.id,
        name: tracked.name,
        capacity: tracked.capacity,
        ...(tracked.createdAt === undefined ? {} : { createdAt: tracked.createdAt }),
      },
      ...(parked.select === undefined ? {} : { cases: leakCases(parked.select) }),
    };
    // Oldest first by `since`, then in park order: one collection finds several leaks in the
    // order its finalizers run (V8 ran them in reverse: audit BS-debug-1), and operations parked
    // in one task share their `since`. Past the limit, the oldest is the one left out: a
    // connected inspector already has it, and a page that keeps running keeps showing its new
    // leaks (keeping the oldest, every later leak was only a count, even in a panel whose Clear
    // had hidden the old ones: audit BV-D1).
    const { leaks, leakOrders } = this;
    const order = parked.order;
    let at = leaks.length;
    while (
      at > 0 &&
      (leaks[at - 1]!.since > leak.since || (leaks[at - 1]!.since === leak.since && leakOrders[at - 1]! > order))
    )
      at--;
    leaks.splice(at, 0, leak);
    leakOrders.splice(at, 0, order);
    if (leaks.length > LIMITS.leaks) {
      leaks.shift();
      leakOrders.shift();
      this.leaksOmitted++;
    }
    try {
      this.options.onLeak?.(leak);
    } catch {
      // A reporter that throws (a console replaced by a test double) must not break the others.
    }
  }

  /** A snapshot of every live tracked channel, bounded by {@link LIMITS}. */
  snapshot(): SnapshotMessage {
    fedMerges = new Map();
    try {
      return this.take();
    } finally {
      fedMerges = undefined;
    }
  }

  /** {@link snapshot}, with its memo of merges fed from outside set. */
  private take(): SnapshotMessage {
    this.flush();
    const time = Date.now();
    const listed: Listed[] = [];
    let omittedWaiters = 0;
    let omittedIdle = 0;
    // Channels with parked operations first, then idle ones (they rank last) in creation order
    // while there is room: a page with 100 000 idle channels pays little per snapshot.
    for (const idle of [false, true]) {
      for (const tracked of this.channels) {
        const channel = tracked.ref.deref();
        if (channel === undefined) continue; // collected: its finalizer callback is on its way
        const { pushHead, pullHead } = channel;
        if ((pushHead === undefined && pullHead === undefined) !== idle) continue;
        if (idle && listed.length >= LIMITS.channels) {
          omittedIdle++;
          continue;
        }
        const pushers = this.waiters(pushHead, true, time);
        const pullers = this.waiters(pullHead, false, time);
        omittedWaiters += pushers.omitted + pullers.omitted;
        const entry: ChannelSnapshot = {
          id: tracked.id,
          name: tracked.name,
          capacity: tracked.capacity,
          // The fields, not a subclass's getters (see `create`).
          size: channel.filled,
          closed: channel.isClosed,
          overflow: channel.policy,
          ...(tracked.createdAt === undefined ? {} : { createdAt: tracked.createdAt }),
          ...(fedNow(channel) ? { input: true } : {}),
          pushers: pushers.list,
          pullers: pullers.list,
        };
        // Rank: waits nothing explains (maybe stuck) first, then waits for input, then idle —
        // found over the whole queues, not only the waiters listed (audit BN-2: a wait nothing
        // explains behind 100 waits for input ranked, and showed, as waiting for input). Within
        // the first group, by the oldest wait nothing explains: an older wait for input on the
        // channel makes it no more stuck (audit BN-1).
        const unexplained = Math.min(pushers.unexplained, pullers.unexplained);
        const oldest = Math.min(pushers.list[0]?.since ?? Infinity, pullers.list[0]?.since ?? Infinity);
        const rank = oldest === Infinity ? 2 : unexplained < Infinity ? 0 : 1;
        listed.push({
          channel: entry,
          rank,
          oldest: rank === 0 ? unexplained : oldest,
          pushers: pushers.list.length + pushers.omitted,
          pullers: pullers.list.length + pullers.omitted,
        });
      }
    }
    // What is left out when there are too many channels is the least interesting: idle ones.
    listed.sort((a, b) => a.rank - b.rank || a.oldest - b.oldest || a.channel.id - b.channel.id);
    const kept = listed.slice(0, LIMITS.channels);
    omittedWaiters += withinWaiterBudget(kept, LIMITS.totalWaiters);
    const channels = withinStackBudget(
      kept.map((entry) => withQueueLengths(entry)),
      STACK_BUDGET - stackChars(this.leaks),
    );
    const omittedChannels = listed.length - channels.length + omittedIdle;
    for (let i = channels.length; i < listed.length; i++) {
      const entry = listed[i] as Listed;
      omittedWaiters += entry.channel.pushers.length + entry.channel.pullers.length;
    }
    const { context } = this.options;
    const truncated = omittedChannels + omittedWaiters + this.leaksOmitted > 0;
    return {
      source: PAGE_SOURCE,
      version: PROTOCOL_VERSION,
      type: 'snapshot',
      time,
      ...(context === undefined ? {} : { context }),
      channels,
      ...(this.leaks.length === 0 ? {} : { leaked: this.leaks.slice() }),
      ...(truncated
        ? {
            truncated: {
              channels: omittedChannels,
              waiters: omittedWaiters,
              ...(this.leaksOmitted === 0 ? {} : { leaks: this.leaksOmitted }),
            },
          }
        : {}),
    };
  }

  /**
   * The waiters of the queue starting at `head`, oldest first, at most `LIMITS.waiters`;
   * `omitted` counts the rest. The oldest wait that nothing explains (not `input`) is listed
   * even past the limit, in place of the last one: it is what makes the channel maybe stuck.
   * `unexplained` is when it parked (`Infinity`: every wait is explained by input).
   */
  private waiters(head: Waiter<unknown> | undefined, isPush: boolean, time: number) {
    const list: WaiterSnapshot[] = [];
    let omitted = 0;
    let unexplained = Infinity;
    for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) {
      const full = list.length === LIMITS.waiters;
      if (full) omitted++;
      // Past the limit, described only until a wait nothing explains is found.
      if (full && unexplained < Infinity) continue;
      const described = describe(waiter as MarkedWaiter, isPush, time);
      if (!described.input) unexplained = Math.min(unexplained, described.since);
      if (!full) list.push(described);
      else if (!described.input) list[list.length - 1] = described;
    }
    return { list, omitted, unexplained };
  }
}

/** A channel on its way into a snapshot, with what orders it and its queues' true lengths. */
interface Listed {
  channel: ChannelSnapshot;
  /** 0: waits nothing explains; 1: waits for input only; 2: idle. */
  readonly rank: number;
  /**
   * When its oldest wait nothing explains parked (rank 0), else its oldest listed waiter
   * (`Infinity` when idle).
   */
  readonly oldest: number;
  /** How many operations its queues hold (listed or not). */
  readonly pushers: number;
  readonly pullers: number;
}

/**
 * Cuts the waiter lists of `entries` (in rank order) so that together they list at most
 * `budget` waiters: each non-empty queue keeps its oldest waiter, and a channel with a wait
 * nothing explains keeps the oldest such wait too, whatever the budget (`budget` is at least
 * `3 × LIMITS.channels`, so those always fit in it); the rest of the budget goes to the
 * channels in rank order — the most stuck first keep their whole lists — and within the
 * channel where it runs out, to its oldest waiters of either queue. Returns how many waiters it
 * left out.
 */
function withinWaiterBudget(entries: Listed[], budget: number): number {
  let oldestOnly = 0;
  for (const { channel, rank } of entries) {
    oldestOnly += Math.min(1, channel.pushers.length) + Math.min(1, channel.pullers.length);
    // Its oldest wait nothing explains, when neither queue's oldest is one.
    const oldestOfEach = [channel.pushers[0], channel.pullers[0]];
    if (rank === 0 && !oldestOfEach.some((waiter) => waiter && !waiter.input)) oldestOnly++;
  }
  let left = Math.max(0, budget - oldestOnly);
  let omitted = 0;
  for (const entry of entries) {
    const { pushers, pullers } = entry.channel;
    const more = Math.max(0, pushers.length - 1) + Math.max(0, pullers.length - 1);
    if (more <= left) {
      left -= more;
      continue;
    }
    // The budget runs out here: the oldest of each queue, then the oldest of either.
    let push = Math.min(1, pushers.length);
    let pull = Math.min(1, pullers.length);
    for (; left > 0; left--) {
      const nextPush = pushers[push];
      const nextPull = pullers[pull];
      if (nextPull === undefined || (nextPush !== undefined && nextPush.since <= nextPull.since)) push++;
      else pull++;
    }
    omitted += pushers.length - push + pullers.length - pull;
    const keptPushers = pushers.slice(0, push);
    const keptPullers = pullers.slice(0, pull);
    if (entry.rank === 0 && [...keptPushers, ...keptPullers].every((waiter) => waiter.input)) {
      // What makes the channel maybe stuck stays listed: its oldest wait nothing explains
      // (past the prefixes kept, which have none).
      const unexplainedPush = pushers.find((waiter) => !waiter.input);
      const unexplainedPull = pullers.find((waiter) => !waiter.input);
      if (unexplainedPush && !(unexplainedPull && unexplainedPull.since < unexplainedPush.since)) {
        keptPushers.push(unexplainedPush);
      } else if (unexplainedPull) keptPullers.push(unexplainedPull);
      omitted--;
    }
    entry.channel = { ...entry.channel, pushers: keptPushers, pullers: keptPullers };
  }
  return omitted;
}

/** `entry`'s channel, with `waiting` (its queues' true lengths) when a list is shorter than its queue. */
function withQueueLengths(entry: Listed): ChannelSnapshot {
  const { channel, pushers, pullers } = entry;
  if (channel.pushers.length === pushers && channel.pullers.length === pullers) return channel;
  return { ...channel, waiting: { pushers, pullers } };
}

/**
 * The most characters of stacks (`createdAt` and `stack`) one snapshot carries. Each stack is
 * within `LIMITS.stack`, but a page with thousands of parked operations would otherwise post
 * snapshots of many megabytes — which an inspector refuses whole (the Chrome/Firefox
 * extension's limit is 4 MiB of JSON).
 */
export const STACK_BUDGET = 1_000_000;

/** The characters of the stacks of `leaks`. */
function stackChars(leaks: readonly LeakSnapshot[]): number {
  let total = 0;
  for (const leak of leaks) total += (leak.stack?.length ?? 0) + (leak.channel.createdAt?.length ?? 0);
  return total;
}

/**
 * `channels` (in rank order) with their stacks while they fit in `budget` characters; past it,
 * the rest — the least interesting channels — without stacks. The same array when all fit.
 */
function withinStackBudget(channels: ChannelSnapshot[], budget: number): ChannelSnapshot[] {
  let left = budget;
  for (let i = 0; i < channels.length; i++) {
    const channel = channels[i] as ChannelSnapshot;
    let chars = channel.createdAt?.length ?? 0;
    for (const waiter of channel.pushers) chars += waiter.stack?.length ?? 0;
    for (const waiter of channel.pullers) chars += waiter.stack?.length ?? 0;
    if (chars <= left) {
      left -= chars;
      continue;
    }
    left = 0;
    const { createdAt: _, ...rest } = channel;
    const strip = ({ stack: _, ...waiter }: WaiterSnapshot) => waiter;
    channels[i] = { ...rest, pushers: channel.pushers.map(strip), pullers: channel.pullers.map(strip) };
  }
  return channels;
}

/** The first `LIMITS.leakCases` tracked cases of a leaked select, in the order of its cases. */
function leakCases(select: SelectRecord): LeakCase[] {
  return [...select.cases]
    .sort((a, b) => a.index - b.index)
    .slice(0, LIMITS.leakCases)
    .map(({ push, tracked }) => ({ kind: push ? 'push' : 'pull', channel: { id: tracked.id, name: tracked.name } }));
}

/** A queued waiter as a snapshot shows it. One parked while debug mode was off has no record. */
function describe(waiter: MarkedWaiter, isPush: boolean, time: number): WaiterSnapshot {
  const parked = waiter[PARKED];
  if (parked === undefined) return { kind: isPush ? 'push' : 'pull', since: time };
  const { kind, since, stack, select } = parked;
  // A case of a select waits for input if any of its cases is on an input channel (one created
  // before debug mode was enabled, a module's ticker, too), and a merge's pull on one of its
  // inputs when the merge does: each waits on all those channels at once.
  let input = fedNow(waiter.channel) || fedNow(waiter.merged);
  for (let other = waiter.group?.first; other !== undefined && !input; other = other.sibling) {
    input = fedNow(other.channel);
  }
  return {
    kind,
    since,
    ...(stack === undefined ? {} : { stack }),
    ...(select === undefined ? {} : { select: select.id }),
    ...(input ? { input: true } : {}),
  };
}

/** Takes `parked` out of its channel's list; harmless if it already was. */
function unlink(parked: Parked): void {
  if (!parked.linked) return;
  parked.linked = false;
  const { prev, next, tracked } = parked;
  if (prev === undefined) tracked.parked = next;
  else prev.next = next;
  if (next === undefined) tracked.last = prev;
  else next.prev = prev;
}
