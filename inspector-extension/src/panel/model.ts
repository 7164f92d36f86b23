/**
 * The panel's state, as immutable values and pure functions: what the panel knows about the
 * inspected page (`PanelData`: each frame's last snapshot, recent occupancy samples, notices),
 * what the user chose (`ViewState`: filter, threshold, sort, expanded rows, scroll), and the
 * rows derived from both. No DOM and no extension API, so it is tested directly; `render.ts`
 * turns rows into DOM and `index.ts` wires both to the service worker.
 *
 * Updates return new values and never mutate, so Pause is just "keep rendering the value we
 * had", while updates go on underneath.
 */
import type { ChannelSnapshot, SnapshotMessage, WaiterSnapshot } from '../../../src/protocol.js';
import type { FrameInfo, RefusalReason } from '../messages.js';

/** How many snapshots each channel's sparkline remembers. */
export const HISTORY_LENGTH = 40;
/** The default stuck threshold: a row whose oldest waiter waited longer is marked stuck. */
export const DEFAULT_THRESHOLD_MS = 5000;

/** One frame's last snapshot and the recent history of its channels. */
export interface FrameState {
  readonly frame: FrameInfo;
  readonly snapshot: SnapshotMessage;
  /** When the extension received the snapshot (extension clock), to age waiters between snapshots. */
  readonly receivedAt: number;
  /** `size` of each channel (by id) in its recent snapshots, oldest first, at most {@link HISTORY_LENGTH}. */
  readonly history: ReadonlyMap<number, readonly number[]>;
}

/** A page message that was not shown, and how many times it happened. */
export interface Notice {
  readonly reason: RefusalReason;
  readonly frame: FrameInfo;
  /** Size of the last refused message, in characters of JSON, when known. */
  readonly chars?: number;
  readonly count: number;
}

/** Everything the panel knows about the inspected page. */
export interface PanelData {
  /** Frames by document id, in the order they first reported. */
  readonly frames: ReadonlyMap<string, FrameState>;
  readonly notices: readonly Notice[];
  /** Whether the page showed debug mode (an `announce` or a snapshot) since the panel last reset. */
  readonly debugSeen: boolean;
}

/** The state of a fresh panel, and of one whose page went away. */
export const EMPTY_DATA: PanelData = { frames: new Map(), notices: [], debugSeen: false };

/** The columns the table sorts by; each sorts descending except `name`. */
export type SortKey = 'age' | 'waiters' | 'occupancy' | 'name';

/** What the user chose to see. */
export interface ViewState {
  /** Case-insensitive substring of the name (or `#id`) to show; `''` shows all. */
  readonly filter: string;
  /** A row whose oldest waiter waited at least this long is stuck (sorted first, highlighted). */
  readonly thresholdMs: number;
  readonly sort: SortKey;
  /** Keys of the rows whose details are open. */
  readonly expanded: ReadonlySet<string>;
  /** Show the data as it was when paused; updates are still received. */
  readonly paused: boolean;
  /** Pixels scrolled in the table, and the table's visible height: what to render. */
  readonly scrollTop: number;
  readonly viewportHeight: number;
}

export const DEFAULT_VIEW: ViewState = {
  filter: '',
  thresholdMs: DEFAULT_THRESHOLD_MS,
  sort: 'age',
  expanded: new Set(),
  paused: false,
  scrollTop: 0,
  viewportHeight: 600,
};

/** One table row: a channel of a frame, with what the table shows about it. */
export interface ChannelRow {
  /** Unique among rows: the frame's document id and the channel id. */
  readonly key: string;
  readonly frame: FrameInfo;
  readonly channel: ChannelSnapshot;
  /** The channel's name, or `#id` when it has none. */
  readonly label: string;
  /** `size / capacity` in [0, 1] for a buffered bounded channel; `undefined` when unbuffered or unbounded. */
  readonly occupancy: number | undefined;
  /** Parked pushes plus parked pulls (as listed in the snapshot). */
  readonly waiters: number;
  /** How long the oldest parked push / pull has waited, in ms, if any. */
  readonly pushersAge: number | undefined;
  readonly pullersAge: number | undefined;
  /** The longer of the two. */
  readonly age: number | undefined;
  /** The oldest waiter overall (whose stack says where the program is stuck). */
  readonly oldest: WaiterSnapshot | undefined;
  readonly stuck: boolean;
  /** Recent `size` samples, oldest first. */
  readonly history: readonly number[];
}

// ── updates ─────────────────────────────────────────────────────────────────────────────────

/** The top frame's state, if the top frame reported. */
function topFrame(data: PanelData): FrameState | undefined {
  for (const state of data.frames.values()) if (state.frame.frameId === 0) return state;
  return undefined;
}

/**
 * `data` with `snapshot` as the last one of `frame`. A snapshot older than the one already shown
 * (a kept snapshot that arrives after a live one) is ignored; a newer one also appends each
 * channel's size to its history. A new document in the top frame is a new page: the panel
 * starts over with it.
 */
export function withSnapshot(
  data: PanelData,
  frame: FrameInfo,
  snapshot: SnapshotMessage,
  receivedAt: number,
): PanelData {
  const top = frame.frameId === 0 ? topFrame(data) : undefined;
  if (top !== undefined && top.frame.documentId !== frame.documentId) {
    if (top.receivedAt > receivedAt) return data; // a kept snapshot of the page before
    return withSnapshot(EMPTY_DATA, frame, snapshot, receivedAt);
  }
  const previous = data.frames.get(frame.documentId);
  if (
    previous !== undefined &&
    (previous.snapshot.time > snapshot.time ||
      (previous.snapshot.time === snapshot.time && previous.receivedAt >= receivedAt))
  ) {
    return data;
  }
  const history = new Map<number, readonly number[]>();
  for (const channel of snapshot.channels) {
    const before = previous?.history.get(channel.id) ?? [];
    const kept = before.length >= HISTORY_LENGTH ? before.slice(before.length - HISTORY_LENGTH + 1) : before;
    history.set(channel.id, [...kept, channel.size]);
  }
  const frames = new Map(data.frames);
  frames.set(frame.documentId, { frame, snapshot, receivedAt, history });
  return { ...data, frames, debugSeen: true };
}

/** `data` after `frame` enabled debug mode; in a new top-frame document, the panel starts over. */
export function withAnnounce(data: PanelData, frame: FrameInfo): PanelData {
  const top = frame.frameId === 0 ? topFrame(data) : undefined;
  if (top !== undefined && top.frame.documentId !== frame.documentId) return { ...EMPTY_DATA, debugSeen: true };
  return data.debugSeen ? data : { ...data, debugSeen: true };
}

/**
 * `data` without the frame whose document is gone. When the top frame's document goes, the
 * whole page did (a navigation, or into the back/forward cache), and when the last reporting
 * frame goes, nothing is known about the page any more: either way the panel starts over.
 */
export function withoutFrame(data: PanelData, documentId: string): PanelData {
  const gone = data.frames.get(documentId);
  if (gone === undefined) return data;
  if (gone.frame.frameId === 0 || data.frames.size === 1) return EMPTY_DATA;
  const frames = new Map(data.frames);
  frames.delete(documentId);
  return { ...data, frames };
}

/** `data` with one more refused message of `frame` counted. */
export function withNotice(data: PanelData, reason: RefusalReason, frame: FrameInfo, chars?: number): PanelData {
  const index = data.notices.findIndex((n) => n.reason === reason && n.frame.documentId === frame.documentId);
  const count = (data.notices[index]?.count ?? 0) + 1;
  const notice: Notice = chars === undefined ? { reason, frame, count } : { reason, frame, chars, count };
  const notices = index < 0 ? [...data.notices, notice] : data.notices.map((n, i) => (i === index ? notice : n));
  return { ...data, notices };
}

/** `data` after Clear: no rows, history or notices, but still knowing that the page has debug mode. */
export function cleared(data: PanelData): PanelData {
  return { ...EMPTY_DATA, debugSeen: data.debugSeen };
}

// ── derived rows ────────────────────────────────────────────────────────────────────────────

/**
 * How long `waiter` has waited at `now`: its age when the snapshot was taken (on the page's
 * clock) plus the time since the snapshot arrived (on ours), so that a skew between the two
 * clocks doesn't matter and ages keep growing between snapshots — a stuck channel changes
 * nothing, so the page posts nothing new about it.
 */
export function waiterAge(waiter: WaiterSnapshot, state: FrameState, now: number): number {
  return Math.max(0, state.snapshot.time - waiter.since) + Math.max(0, now - state.receivedAt);
}

/** The name shown for a channel: its name, or `#id`. */
export function labelOf(channel: ChannelSnapshot): string {
  return channel.name === '' ? `#${channel.id}` : channel.name;
}

function rowOf(state: FrameState, channel: ChannelSnapshot, thresholdMs: number, now: number): ChannelRow {
  const pusher = channel.pushers[0];
  const puller = channel.pullers[0];
  const pushersAge = pusher === undefined ? undefined : waiterAge(pusher, state, now);
  const pullersAge = puller === undefined ? undefined : waiterAge(puller, state, now);
  const age = pushersAge === undefined ? pullersAge : Math.max(pushersAge, pullersAge ?? 0);
  const oldest = (pushersAge ?? -1) >= (pullersAge ?? -1) ? pusher : puller;
  const { capacity, size } = channel;
  return {
    key: `${state.frame.documentId}/${channel.id}`,
    frame: state.frame,
    channel,
    label: labelOf(channel),
    occupancy: capacity === null || capacity === 0 ? undefined : Math.min(1, Math.max(0, size / capacity)),
    waiters: channel.pushers.length + channel.pullers.length,
    pushersAge,
    pullersAge,
    age,
    oldest,
    stuck: age !== undefined && age >= thresholdMs,
    history: state.history.get(channel.id) ?? [size],
  };
}

/** Orders names as people read them ("job-2" before "job-10"); much faster than `localeCompare`. */
const NAMES = new Intl.Collator(undefined, { numeric: true });

/** Descending by the sort key (ascending for names). */
const COMPARE: Record<SortKey, (a: ChannelRow, b: ChannelRow) => number> = {
  age: (a, b) => (b.age ?? -1) - (a.age ?? -1),
  waiters: (a, b) => b.waiters - a.waiters || (b.age ?? -1) - (a.age ?? -1),
  occupancy: (a, b) => (b.occupancy ?? -1) - (a.occupancy ?? -1) || b.channel.size - a.channel.size,
  name: (a, b) => NAMES.compare(a.label, b.label),
};

/**
 * The rows to show, in order: those matching the filter, stuck ones first, then by the sort
 * key; ties by frame (in reporting order) and channel id.
 */
export function rowsOf(data: PanelData, view: ViewState, now: number): ChannelRow[] {
  const filter = view.filter.trim().toLowerCase();
  const rows: ChannelRow[] = [];
  const frameOrder = new Map<string, number>();
  for (const state of data.frames.values()) {
    frameOrder.set(state.frame.documentId, frameOrder.size);
    for (const channel of state.snapshot.channels) {
      if (filter !== '' && !labelOf(channel).toLowerCase().includes(filter)) continue;
      rows.push(rowOf(state, channel, view.thresholdMs, now));
    }
  }
  const compare = COMPARE[view.sort];
  return rows.sort(
    (a, b) =>
      Number(b.stuck) - Number(a.stuck) ||
      compare(a, b) ||
      (frameOrder.get(a.frame.documentId) ?? 0) - (frameOrder.get(b.frame.documentId) ?? 0) ||
      a.channel.id - b.channel.id,
  );
}

/** Channels across all frames (before filtering). */
export function channelCount(data: PanelData): number {
  let count = 0;
  for (const state of data.frames.values()) count += state.snapshot.channels.length;
  return count;
}
