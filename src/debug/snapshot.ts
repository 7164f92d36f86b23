/**
 * What debug mode knows about channels, and the snapshot it makes of them — pure bookkeeping,
 * no transport (that is `post.ts`).
 */
import type { Channel } from '../channel.js';
import {
  type ChannelSnapshot,
  LIMITS,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type SnapshotMessage,
  type WaiterSnapshot,
} from '../protocol.js';
import type { Tracker } from '../tracker.js';
import type { Waiter } from '../waiters.js';

/** A channel debug mode follows, without keeping it alive. */
interface TrackedChannel {
  readonly ref: WeakRef<Channel<unknown>>;
  readonly id: number;
  readonly createdAt: string | undefined;
}

/**
 * A waiter as debug mode marks it: `since` is added by the tracker when it parks. An added
 * number field costs a fraction of a `WeakMap` entry on the hot path (measured: a `WeakMap`
 * took 1:1 throughput down to a quarter with debug mode on), and only while debug mode is on.
 */
type MarkedWaiter = Waiter<unknown> & { since?: number; isPush?: boolean };

/**
 * A clock read once per task: `Date.now()` on every park cost ~20% of 1:1 throughput, and
 * "since when" needs no finer grain than the task in which an operation parked.
 */
let clock: number | undefined;
function taskTime(): number {
  if (clock === undefined) {
    clock = Date.now();
    setTimeout(() => {
      clock = undefined;
    }, 0);
  }
  return clock;
}

/**
 * Where chanasync's own code lives, to cut its frames out of stack traces: `src/` when running
 * from source, the folder of the built files otherwise; unknown (`undefined`) in a bundle
 * without `import.meta.url`, where only platform frames are cut.
 */
const libraryRoot = /* @__PURE__ */ (() => {
  const here: string | undefined = import.meta.url;
  return here === undefined ? undefined : new URL(here.includes('/src/debug/') ? '../' : './', here);
})();

/** Frames that are neither the user's nor chanasync's: the promise constructor, Node internals. */
const PLATFORM_FRAME = /new Promise \(<anonymous>\)|\(node:|at node:/;

/** The frames of `stack` in user code, at most `LIMITS.stack` characters. */
export function userFrames(stack: string | undefined): string {
  const href = libraryRoot?.href ?? '\0';
  const pathname = libraryRoot?.pathname ?? '\0';
  return (stack ?? '')
    .split('\n')
    .slice(1) // "Error"
    .filter((frame) => !frame.includes(href) && !frame.includes(pathname) && !PLATFORM_FRAME.test(frame))
    .map((frame) => frame.trim())
    .join('\n')
    .slice(0, LIMITS.stack);
}

/** The channels created while debug mode is on, and what parked on them. */
export class Registry {
  /** Tracked channels in creation order; dead ones leave by finalizer or at the next snapshot. */
  private readonly channels = new Set<TrackedChannel>();
  /** With `stacks`: where each operation parked, by waiter. */
  private readonly stacksOf = new WeakMap<Waiter<unknown>, string>();
  private readonly finalizer = new FinalizationRegistry<TrackedChannel>((tracked) => this.channels.delete(tracked));
  private nextId = 1;

  /** @param stacks record where channels are created and operations park. */
  constructor(private readonly stacks: boolean) {}

  /** The hook core code calls (see `tracker.ts`). */
  readonly track: Tracker = (subject, kind) => {
    const stack = this.stacks ? userFrames(new Error().stack) : undefined;
    if (kind === undefined) {
      const channel = subject as Channel<unknown>;
      const tracked = { ref: new WeakRef(channel), id: this.nextId++, createdAt: stack };
      this.channels.add(tracked);
      this.finalizer.register(channel, tracked);
    } else {
      (subject as MarkedWaiter).since = taskTime();
      if (stack !== undefined) this.stacksOf.set(subject as Waiter<unknown>, stack);
    }
  };

  /** A snapshot of every live tracked channel, bounded by {@link LIMITS}. */
  snapshot(): SnapshotMessage {
    const time = Date.now();
    const listed: { channel: ChannelSnapshot; oldest: number }[] = [];
    let omittedWaiters = 0;
    for (const tracked of this.channels) {
      const channel = tracked.ref.deref();
      if (channel === undefined) {
        this.channels.delete(tracked);
        continue;
      }
      const pushers = this.waiters(channel.pushHead, true, time);
      const pullers = this.waiters(channel.pullHead, false, time);
      omittedWaiters += pushers.omitted + pullers.omitted;
      const entry: ChannelSnapshot = {
        id: tracked.id,
        name: String(channel.name ?? '').slice(0, LIMITS.name),
        capacity: channel.capacity === Infinity ? null : channel.capacity,
        size: channel.size,
        closed: channel.closed,
        overflow: channel.policy,
        ...(tracked.createdAt === undefined ? {} : { createdAt: tracked.createdAt }),
        pushers: pushers.list,
        pullers: pullers.list,
      };
      const oldest = Math.min(pushers.list[0]?.since ?? Infinity, pullers.list[0]?.since ?? Infinity);
      listed.push({ channel: entry, oldest });
    }
    // Stuck channels first: those with parked operations, longest waiting first; then by id.
    listed.sort((a, b) => a.oldest - b.oldest || a.channel.id - b.channel.id);
    const channels = listed.slice(0, LIMITS.channels).map((entry) => entry.channel);
    const omittedChannels = listed.length - channels.length;
    return {
      source: PAGE_SOURCE,
      version: PROTOCOL_VERSION,
      type: 'snapshot',
      time,
      channels,
      ...(omittedChannels + omittedWaiters === 0
        ? {}
        : { truncated: { channels: omittedChannels, waiters: omittedWaiters } }),
    };
  }

  /** The waiters of the queue starting at `head`, oldest first, at most `LIMITS.waiters`. */
  private waiters(head: Waiter<unknown> | undefined, isPush: boolean, time: number) {
    const list: WaiterSnapshot[] = [];
    let omitted = 0;
    for (let waiter = head; waiter !== undefined; waiter = waiter.next === head ? undefined : waiter.next) {
      if (list.length === LIMITS.waiters) {
        omitted++;
        continue;
      }
      // Select cases are the waiters that know their direction themselves (`isPush`); a
      // waiter parked while debug mode was off has no `since`.
      const marked = waiter as MarkedWaiter;
      const kind = marked.isPush === undefined ? (isPush ? 'push' : 'pull') : 'select';
      const since = marked.since ?? time;
      const stack = this.stacksOf.get(waiter);
      list.push(stack === undefined ? { kind, since } : { kind, since, stack });
    }
    return { list, omitted };
  }
}
