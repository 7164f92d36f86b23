/**
 * The panel's state, as immutable values and pure functions: what the panel knows about the
 * inspected page (`PanelData`: the last snapshot of each context of each frame, recent
 * occupancy samples, leaked operations, notices), what the user chose (`ViewState`: filter,
 * threshold, sort, expanded rows, scroll), and the rows derived from both. No DOM and no
 * extension API, so it is tested directly; `render.ts` turns rows into DOM and `index.ts` wires
 * both to the service worker.
 *
 * Updates return new values and never mutate, so Pause is just "keep rendering the value we
 * had", while updates go on underneath.
 *
 * Clocks. Snapshots are ordered by when the extension received them (the service worker's
 * clock), ties broken by the page's `seq` — never by the page's `time`, which any script can
 * set and which steps back with the page's clock. Every wait is kept as the instant it began
 * on the extension's clock (`receivedAt - age in the snapshot`), so ages grow between
 * snapshots — a stuck channel changes nothing, so the page posts nothing new about it — and
 * sorting by age gives the same order at any time.
 *
 * States and ranking. Every row is in one state, ranked in this order:
 *
 *   1. `leaked`  — an operation parked on a channel that was garbage-collected: it can never
 *                  complete. Listed until Clear, even after its frame is gone.
 *   2. `stuck`   — a wait that nothing explains has lasted at least the threshold. Blocked
 *                  producers (pushes) first, the longest-blocked first.
 *   3. `input`   — waiting for input: every wait on it is explained (a channel created with
 *                  `input: true` — `fromEvent`, `after`, `ticker`, `fromPort` — or a select with
 *                  a case on one). Never stuck, however long.
 *   4. `waiting` / `idle` — a wait shorter than the threshold, or no wait at all.
 *
 * A select with several cases is one row of its own (kind `select`), not one row per case: its
 * cases still count in their channels' Pushers/Pullers, but only the select row is judged.
 */
import { isPageToInspectorMessage, type SnapshotMessage } from '../../../src/protocol.js';
import { type FrameInfo, isFrameInfo, type RefusalReason } from '../messages.js';
import { type ChannelInfo, type ContextInfo, contextKey, type LeakInfo, sanitize, type Waiting } from './sanitize.js';

export type { ChannelInfo, ContextInfo, LeakInfo, Waiting } from './sanitize.js';

/** How many snapshots each channel's sparkline remembers. */
export const HISTORY_LENGTH = 40;
/** The default stuck threshold: a wait nothing explains is stuck once it lasted this long. */
export const DEFAULT_THRESHOLD_MS = 5000;
/**
 * The most leaks the panel lists (ten pages' worth of `LIMITS.leaks`): a long session — reloads
 * that each leak, a page that calls `clearLeaks()` as it goes — drops the oldest beyond it and
 * counts them in {@link PanelData.leaksDropped}.
 */
export const MAX_LEAKS = 1000;
/**
 * The most channels the panel holds across every context of the page (twice the scale the
 * panel is tested responsive at). A frame can post within the rate limit snapshots that each
 * name a new context of 1000 channels — a cross-origin ad, or a bug — and 64 such contexts per
 * document, in as many nested documents as it makes: past this bound, the contexts of the
 * document that holds the most channels leave, stalest first, with a `crowded` notice, so the
 * others' rows stay listed and the panel stays responsive (audit BA).
 */
export const MAX_CHANNELS = 20_000;
/** The most cleared leak keys remembered (the oldest are forgotten first). */
export const MAX_DISMISSED = 10_000;
/**
 * The most contexts (its page, the Workers it relays, each copy of chanasync) the panel keeps
 * for one document. A document whose snapshots keep naming new contexts — a worker URL or an
 * `instance` that changes every time, as a page re-evaluating its modules on hot reload does —
 * would otherwise grow the panel without bound; past it, the context of that document heard
 * from least recently is dropped for the new one.
 */
export const MAX_CONTEXTS_PER_DOCUMENT = 64;

/** Identity of each derived value, so the renderer can tell "only ages changed" cheaply. */
let nextVersion = 1;

/** One context's (a frame's page, or a Worker it relays) last snapshot and recent history. */
export interface FrameState {
  /** `documentId|context` (see `contextKey`): unique among the panel's frames. */
  readonly key: string;
  readonly frame: FrameInfo;
  readonly context: ContextInfo;
  /** The page's sequence number of the snapshot, when it sent one. */
  readonly seq: number | undefined;
  readonly channels: readonly ChannelInfo[];
  readonly truncated?: { readonly channels: number; readonly waiters: number; readonly leaks: number };
  /** When the extension received the snapshot (extension clock). */
  readonly receivedAt: number;
  /** `size` of each channel (by id) in its recent snapshots, oldest first, at most {@link HISTORY_LENGTH}. */
  readonly history: ReadonlyMap<number, readonly number[]>;
  /** Changes with every snapshot. */
  readonly version: number;
}

/** A leaked operation the panel lists until Clear. */
export interface LeakEntry {
  readonly key: string;
  /** The {@link FrameState.key} of the context that reported it. */
  readonly frameKey: string;
  readonly frame: FrameInfo;
  readonly context: ContextInfo;
  readonly leak: LeakInfo;
  /** When it began waiting, on the extension's clock. */
  readonly since: number;
  readonly version: number;
}

/**
 * Why something the page sent is not (all) shown: a refused message, or (`crowded`) contexts
 * dropped because the page's contexts held more than {@link MAX_CHANNELS} channels.
 */
export type NoticeReason = RefusalReason | 'crowded';

/** A page message that was not shown, and how many times it happened. */
export interface Notice {
  readonly reason: NoticeReason;
  readonly frame: FrameInfo;
  /** Size of the last refused message, in characters of JSON, when known. */
  readonly chars?: number;
  readonly count: number;
}

/** Everything the panel knows about the inspected page. */
export interface PanelData {
  /** Contexts by {@link FrameState.key}, in the order they first reported. */
  readonly frames: ReadonlyMap<string, FrameState>;
  /** Leaked operations, in the order they were reported; they outlive their frames. */
  readonly leaks: readonly LeakEntry[];
  /** Keys of leaks the user cleared: a page that reports them again is not listened to. */
  readonly dismissed: ReadonlySet<string>;
  /** Leaks no longer listed because more than {@link MAX_LEAKS} were (since the last Clear). */
  readonly leaksDropped: number;
  readonly notices: readonly Notice[];
  /** Whether the page showed debug mode (an `announce` or a snapshot) since the panel last reset. */
  readonly debugSeen: boolean;
}

/** The state of a fresh panel. */
export const EMPTY_DATA: PanelData = {
  frames: new Map(),
  leaks: [],
  dismissed: new Set(),
  leaksDropped: 0,
  notices: [],
  debugSeen: false,
};

/**
 * The columns the table sorts by; each sorts descending except `name`. `pushers` and `pullers`
 * count their own queue (the _Pushers_ and _Pullers_ headers); `waiters`, both queues together,
 * has no header.
 */
export type SortKey = 'age' | 'pushers' | 'pullers' | 'waiters' | 'occupancy' | 'name';

/** What the user chose to see. */
export interface ViewState {
  /** Case-insensitive substring of the name (or `#id`) to show; `''` shows all. */
  readonly filter: string;
  /** A wait nothing explains is stuck once it lasted this long. */
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

/** A row's state; see the top of this file. */
export type RowState = 'leaked' | 'stuck' | 'input' | 'waiting' | 'idle';

/** One case of a select row: the channel and the case's waiter. */
export interface SelectCase {
  readonly channel: ChannelInfo;
  readonly waiter: Waiting;
}

/** One table row: a channel, a select, or a leaked operation. */
export interface Row {
  /** Unique among rows. */
  readonly key: string;
  readonly kind: 'channel' | 'select' | 'leak';
  /** The channel's, select's or leak's id in its context. */
  readonly id: number;
  /** The {@link FrameState.key} of its context. */
  readonly frameKey: string;
  readonly frame: FrameInfo;
  readonly context: ContextInfo;
  /** The name shown: the channel's name or `#id`; for a select, its cases' channels. */
  readonly label: string;
  readonly state: RowState;
  /** Changes whenever anything shown but the ages changes. */
  readonly version: number;
  /** The channel (channel rows; for a leak, see `leak.channel`). */
  readonly channel?: ChannelInfo;
  /** The cases (select rows). */
  readonly cases?: readonly SelectCase[];
  /** The leaked operation (leak rows). */
  readonly leak?: LeakInfo;
  /** When the snapshot shown was received (extension clock); waits are aged from it. */
  readonly receivedAt: number;
  /** `size / capacity` in [0, 1] for a buffered bounded channel; 1 for an unbuffered one that holds a value (a relay's, beyond its capacity). */
  readonly occupancy: number | undefined;
  /**
   * Parked pushes plus parked pulls: for a channel row, its queues' true lengths when the page
   * cut a list (`waiting`), else as listed in the snapshot.
   */
  readonly waiters: number;
  /** Parked pushes, and parked pulls, each counted as `waiters` counts them. */
  readonly pushers: number;
  readonly pullers: number;
  /** When the oldest parked push / pull / operation of any kind began (extension clock). */
  readonly pushersSince: number | undefined;
  readonly pullersSince: number | undefined;
  readonly since: number | undefined;
  /** When the oldest wait that nothing explains began; it makes the row stuck. */
  readonly unexplainedSince: number | undefined;
  /** When the oldest unexplained push began: stuck producers rank first. */
  readonly producerSince: number | undefined;
  /** The operation whose stack says where the program waits. */
  readonly oldest: Waiting | undefined;
  /** Recent `size` samples, oldest first. */
  readonly history: readonly number[];
}

/**
 * How many operations `channel`'s `queue` holds: its true length when the page cut the list
 * (`waiting`), else the list's length.
 */
export const queued = (channel: ChannelInfo, queue: 'pushers' | 'pullers'): number =>
  channel.waiting?.[queue] ?? channel[queue].length;

/** How long a wait that began at `since` (extension clock) has lasted at `now`. */
export const ageAt = (since: number, now: number) => Math.max(0, now - since);

// ── updates ─────────────────────────────────────────────────────────────────────────────────

/** The top frame's page context, if it reported. */
function topFrame(data: PanelData): FrameState | undefined {
  for (const state of data.frames.values()) if (state.frame.frameId === 0) return state;
  return undefined;
}

/** `data` started over for a new page: everything but the leaks (listed until Clear). */
function startOver(data: PanelData, debugSeen: boolean): PanelData {
  return { ...EMPTY_DATA, leaks: data.leaks, dismissed: data.dismissed, leaksDropped: data.leaksDropped, debugSeen };
}

/**
 * `data` with `snapshot` (checked by the protocol guard) as the last one of its context in
 * `frame`, received at `receivedAt`. A snapshot received before the one shown (a kept
 * snapshot arriving after a live one), or at the same instant but with no higher `seq`, is
 * ignored. A new document in the top frame is a new page: the panel starts over with it.
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
    return withSnapshot(startOver(data, true), frame, snapshot, receivedAt);
  }
  const clean = sanitize(snapshot, frame, receivedAt);
  const key = `${frame.documentId}|${contextKey(clean.context)}`;
  const previous = data.frames.get(key);
  if (
    previous !== undefined &&
    (receivedAt < previous.receivedAt ||
      (receivedAt === previous.receivedAt && !((clean.seq ?? -1) > (previous.seq ?? -1))))
  ) {
    return data;
  }
  const history = new Map<number, readonly number[]>();
  for (const channel of clean.channels) {
    const before = previous?.history.get(channel.id) ?? [];
    const kept = before.length >= HISTORY_LENGTH ? before.slice(before.length - HISTORY_LENGTH + 1) : before;
    history.set(channel.id, [...kept, channel.size]);
  }
  const frames = new Map(data.frames);
  if (previous === undefined) dropStalestContext(frames, frame.documentId);
  frames.set(key, {
    key,
    frame,
    context: clean.context,
    seq: clean.seq,
    channels: clean.channels,
    ...(clean.truncated === undefined ? {} : { truncated: clean.truncated }),
    receivedAt,
    history,
    version: nextVersion++,
  });
  let leaks = data.leaks;
  let leaksDropped = data.leaksDropped;
  const listed = new Set<string>();
  if (clean.leaked.length > 0) {
    const known = new Set(leaks.map((entry) => entry.key));
    const added: LeakEntry[] = [];
    for (const leak of clean.leaked) {
      const leakKey = `${key}|leak/${leak.id}`;
      listed.add(leakKey);
      if (data.dismissed.has(leakKey) || known.has(leakKey)) continue;
      known.add(leakKey);
      const since = receivedAt - leak.ageAtSnapshot;
      added.push({ key: leakKey, frameKey: key, frame, context: clean.context, leak, since, version: nextVersion++ });
    }
    if (added.length > 0) leaks = [...leaks, ...added];
    if (leaks.length > MAX_LEAKS) {
      leaksDropped += leaks.length - MAX_LEAKS;
      leaks = withoutOldestLeaks(leaks, leaks.length - MAX_LEAKS);
    }
  }
  const next = {
    ...data,
    frames,
    leaks,
    leaksDropped,
    // Not after a snapshot with no channels and no leaks: a context that ended (a relay
    // stopped, debug mode disabled) may come back listing the same leaks — a Worker relayed
    // again keeps its list (audit BU: a cleared leak came back). Kept keys are bounded by
    // `cleared`.
    dismissed:
      clean.channels.length === 0 && clean.leaked.length === 0
        ? data.dismissed
        : stillListed(data.dismissed, key, listed),
    debugSeen: true,
  };
  return withinChannelBound(next, key);
}

/**
 * `leaks` without `count` of them: each time the oldest of the document that lists the most,
 * so that one frame's many leaks (a cross-origin frame can post 100 a snapshot) push out its
 * own, never the page's few (audit BA). With one document, the oldest leave.
 */
function withoutOldestLeaks(leaks: readonly LeakEntry[], count: number): LeakEntry[] {
  const listed = new Map<string, number>();
  const top = new Set<string>();
  for (const entry of leaks) {
    listed.set(entry.frame.documentId, (listed.get(entry.frame.documentId) ?? 0) + 1);
    if (entry.frame.frameId === 0) top.add(entry.frame.documentId);
  }
  const dropping = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const most = mostHeld(listed, top);
    if (most === undefined) break;
    listed.set(most, (listed.get(most) ?? 0) - 1);
    dropping.set(most, (dropping.get(most) ?? 0) + 1);
  }
  return leaks.filter((entry) => {
    const left = dropping.get(entry.frame.documentId) ?? 0;
    if (left === 0) return true;
    dropping.set(entry.frame.documentId, left - 1);
    return false;
  });
}

/**
 * `data` with at most {@link MAX_CHANNELS} channels across its contexts: past it, the contexts
 * of the document that holds the most channels leave, stalest first (the context `kept`, just
 * received, last of all), each counted in a `crowded` notice for that document.
 */
function withinChannelBound(data: PanelData, kept: string): PanelData {
  let total = 0;
  for (const state of data.frames.values()) total += state.channels.length;
  if (total <= MAX_CHANNELS) return data;
  const frames = new Map(data.frames);
  let result = data;
  while (total > MAX_CHANNELS) {
    const held = new Map<string, number>();
    const top = new Set<string>();
    for (const state of frames.values()) {
      held.set(state.frame.documentId, (held.get(state.frame.documentId) ?? 0) + state.channels.length);
      if (state.frame.frameId === 0) top.add(state.frame.documentId);
    }
    const most = mostHeld(held, top);
    let stalest: FrameState | undefined;
    for (const state of frames.values()) {
      if (state.frame.documentId !== most || (state.key === kept && stalest !== undefined)) continue;
      if (stalest === undefined || stalest.key === kept || state.receivedAt < stalest.receivedAt) stalest = state;
    }
    if (stalest === undefined) break;
    frames.delete(stalest.key);
    total -= stalest.channels.length;
    result = withNotice(result, 'crowded', stalest.frame);
  }
  return { ...result, frames };
}

/**
 * The document that holds the most of `held` (counts by document id) — never the page's own
 * (`top`, the top frame's document) while another document holds any: a cross-origin frame
 * can open as many nested documents (`srcdoc`, `blob:`) as it likes, each with a budget of
 * its own, and when each of them holds fewer than the page, the page would be the one to leave
 * (audit BU: its rows and leaks went, and its next snapshot was dropped at once). Ties go to
 * the document seen first.
 */
function mostHeld(held: ReadonlyMap<string, number>, top: ReadonlySet<string>): string | undefined {
  let most: string | undefined;
  for (const [documentId, n] of held) {
    if (n === 0 || top.has(documentId)) continue;
    if (most === undefined || n > (held.get(most) ?? 0)) most = documentId;
  }
  if (most !== undefined) return most;
  for (const [documentId, n] of held) if (n > 0 && (most === undefined || n > (held.get(most) ?? 0))) most = documentId;
  return most;
}

/**
 * Makes room in `frames` for one more context of document `documentId`: at
 * {@link MAX_CONTEXTS_PER_DOCUMENT}, the one received least recently leaves.
 */
function dropStalestContext(frames: Map<string, FrameState>, documentId: string): void {
  let count = 0;
  let stalest: FrameState | undefined;
  for (const state of frames.values()) {
    if (state.frame.documentId !== documentId) continue;
    count++;
    if (stalest === undefined || state.receivedAt < stalest.receivedAt) stalest = state;
  }
  if (count >= MAX_CONTEXTS_PER_DOCUMENT && stalest !== undefined) frames.delete(stalest.key);
}

/**
 * `dismissed` without the cleared leaks of context `key` that its latest snapshot (listing
 * `listed`) no longer lists: a page lists each leak from its detection until its
 * `clearLeaks()`, and leak ids never repeat, so such a leak can never come back. The same set
 * when nothing is to be forgotten.
 */
function stillListed(dismissed: ReadonlySet<string>, key: string, listed: ReadonlySet<string>): ReadonlySet<string> {
  if (dismissed.size === 0) return dismissed;
  const prefix = `${key}|leak/`;
  let kept: Set<string> | undefined;
  for (const leakKey of dismissed) {
    // Only this context's keys: another context's URL may contain `|leak/` itself.
    if (!leakKey.startsWith(prefix) || !/^\d+$/.test(leakKey.slice(prefix.length)) || listed.has(leakKey)) continue;
    kept ??= new Set(dismissed);
    kept.delete(leakKey);
  }
  return kept ?? dismissed;
}

/** `data` after `frame` enabled debug mode; in a new top-frame document, the panel starts over. */
export function withAnnounce(data: PanelData, frame: FrameInfo): PanelData {
  const top = frame.frameId === 0 ? topFrame(data) : undefined;
  if (top !== undefined && top.frame.documentId !== frame.documentId) return startOver(data, true);
  return data.debugSeen ? data : { ...data, debugSeen: true };
}

/**
 * `data` without the contexts (and the notices) of the document that is gone. When the top frame's document
 * goes, the whole page did (a navigation, or into the back/forward cache), and when the last
 * reporting frame goes, nothing is known about the page any more: either way the panel starts
 * over — keeping the leaks, which stay until Clear.
 */
export function withoutFrame(data: PanelData, documentId: string): PanelData {
  // Its notices go with it (frames that come and go would pile them up otherwise), whether or
  // not it ever sent a snapshot the panel could show.
  const notices = data.notices.filter((notice) => notice.frame.documentId !== documentId);
  const gone = [...data.frames.values()].filter((state) => state.frame.documentId === documentId);
  if (gone.length === 0) return notices.length === data.notices.length ? data : { ...data, notices };
  if (gone.some((state) => state.frame.frameId === 0) || gone.length === data.frames.size) {
    return startOver(data, false);
  }
  const frames = new Map(data.frames);
  for (const state of gone) frames.delete(state.key);
  return { ...data, frames, notices };
}

/** Whether `value` is a page's snapshot (the protocol's guard). */
export const isSnapshot = (value: unknown): value is SnapshotMessage =>
  isPageToInspectorMessage(value) && value.type === 'snapshot';

/**
 * `data` with the kept snapshots of a `restore` message (`frames`, unchecked: each entry is
 * checked here and skipped if malformed) — except those of documents in `gone`, which the panel
 * heard leave (`frame-gone`): the service worker pings every kept frame before it restores
 * them, and a document that answered and then left while another ping was pending arrives in
 * the restore after its `frame-gone` (audit BU: its rows came back for good and aged into
 * "stuck"). Document ids are never reused.
 */
export function withRestore(data: PanelData, frames: readonly unknown[], gone: ReadonlySet<string>): PanelData {
  let next = data;
  for (const entry of frames) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { frame, snapshot, receivedAt } = entry as Record<string, unknown>;
    if (isFrameInfo(frame) && isSnapshot(snapshot) && typeof receivedAt === 'number' && !gone.has(frame.documentId)) {
      next = withSnapshot(next, frame, snapshot, receivedAt);
    }
  }
  return next;
}

/** `data` with one more refused message of `frame` counted. */
export function withNotice(data: PanelData, reason: NoticeReason, frame: FrameInfo, chars?: number): PanelData {
  const index = data.notices.findIndex((n) => n.reason === reason && n.frame.documentId === frame.documentId);
  const count = (data.notices[index]?.count ?? 0) + 1;
  const notice: Notice = chars === undefined ? { reason, frame, count } : { reason, frame, chars, count };
  const notices = index < 0 ? [...data.notices, notice] : data.notices.map((n, i) => (i === index ? notice : n));
  return { ...data, notices };
}

/**
 * `data` after Clear: no rows, history, leaks or notices, but still knowing that the page has
 * debug mode. The cleared leaks are remembered, so the page's next snapshot (which lists its
 * leaks again) does not bring them back.
 */
export function cleared(data: PanelData): PanelData {
  const dismissed = new Set(data.dismissed);
  for (const entry of data.leaks) dismissed.add(entry.key);
  // Keys of documents that are gone for good are never pruned by a snapshot: keep the newest.
  const kept =
    dismissed.size > MAX_DISMISSED ? new Set([...dismissed].slice(dismissed.size - MAX_DISMISSED)) : dismissed;
  return { ...EMPTY_DATA, dismissed: kept, debugSeen: data.debugSeen };
}

// ── derived rows ────────────────────────────────────────────────────────────────────────────

/** The name shown for a channel: its name, or `#id`. */
export function labelOf(channel: { readonly id: number; readonly name: string }): string {
  return channel.name === '' ? `#${channel.id}` : channel.name;
}

/** The earliest of some instants, or `undefined` if there are none. */
function earliest(values: Iterable<number | undefined>): number | undefined {
  let result: number | undefined;
  for (const value of values) if (value !== undefined && (result === undefined || value < result)) result = value;
  return result;
}

/** When `waiter` began, on the extension's clock. */
const sinceOf = (waiter: Waiting, state: FrameState) => state.receivedAt - waiter.ageAtSnapshot;

/** The state of a row whose oldest unexplained wait began at `unexplained`, and whether it has explained waits. */
function stateOf(unexplained: number | undefined, explained: boolean, thresholdMs: number, now: number): RowState {
  if (unexplained !== undefined) return ageAt(unexplained, now) >= thresholdMs ? 'stuck' : 'waiting';
  return explained ? 'input' : 'idle';
}

/** The waiter of `waiters` that has waited longest, if any. */
const oldestOf = (waiters: readonly Waiting[]) => [...waiters].sort((a, b) => b.ageAtSnapshot - a.ageAtSnapshot)[0];

/** Whether a row labelled `label` passes `filter` (already trimmed and lower-cased; `''` passes all). */
const matches = (label: string, filter: string) => filter === '' || label.toLowerCase().includes(filter);

/**
 * The rows of one context that pass `filter`: its channels and its multi-case selects. A row
 * the filter hides is not built.
 */
function rowsOfFrame(state: FrameState, filter: string, thresholdMs: number, now: number, out: Row[]): void {
  frameRowsBuilt++;
  // Cases of one select, by select id: a select with cases on several listed channels is one row.
  const selects = new Map<number, SelectCase[]>();
  for (const channel of state.channels) {
    for (const waiter of [...channel.pushers, ...channel.pullers]) {
      if (waiter.select === undefined) continue;
      const cases = selects.get(waiter.select) ?? [];
      cases.push({ channel, waiter });
      selects.set(waiter.select, cases);
    }
  }
  const inSelectRow = (waiter: Waiting) => waiter.select !== undefined && (selects.get(waiter.select)?.length ?? 0) > 1;

  for (const channel of state.channels) {
    const label = labelOf(channel);
    if (!matches(label, filter)) continue;
    const all = [...channel.pushers, ...channel.pullers];
    const own = all.filter((waiter) => !inSelectRow(waiter));
    const unexplained = own.filter((waiter) => !waiter.input && !channel.input);
    const unexplainedSince = earliest(unexplained.map((waiter) => sinceOf(waiter, state)));
    const rowState = stateOf(unexplainedSince, own.length > unexplained.length, thresholdMs, now);
    // The operation the row's Waiting and Parked at describe: on a row with waits nothing
    // explains, the oldest of those (the one that makes it stuck), not an older explained one.
    const oldest = oldestOf(unexplained) ?? oldestOf(all);
    const { capacity, size } = channel;
    out.push({
      key: `${state.key}/${channel.id}`,
      kind: 'channel',
      id: channel.id,
      frameKey: state.key,
      frame: state.frame,
      context: state.context,
      label,
      state: rowState,
      version: state.version,
      channel,
      receivedAt: state.receivedAt,
      occupancy:
        capacity === null
          ? undefined
          : capacity === 0
            ? size > 0
              ? 1
              : undefined
            : Math.min(1, Math.max(0, size / capacity)),
      waiters: queued(channel, 'pushers') + queued(channel, 'pullers'),
      pushers: queued(channel, 'pushers'),
      pullers: queued(channel, 'pullers'),
      pushersSince: earliest(channel.pushers.map((waiter) => sinceOf(waiter, state))),
      pullersSince: earliest(channel.pullers.map((waiter) => sinceOf(waiter, state))),
      since: oldest === undefined ? undefined : sinceOf(oldest, state),
      unexplainedSince,
      producerSince: earliest(unexplained.filter((w) => w.queue === 'push').map((waiter) => sinceOf(waiter, state))),
      oldest,
      history: state.history.get(channel.id) ?? [size],
    });
  }

  for (const [id, cases] of selects) {
    if (cases.length < 2) continue;
    const label = `select: ${cases.map(({ waiter, channel }) => `${waiter.queue} ${labelOf(channel)}`).join(' | ')}`;
    if (!matches(label, filter)) continue;
    const explained = cases.some(({ channel, waiter }) => waiter.input || channel.input);
    const since = earliest(cases.map(({ waiter }) => sinceOf(waiter, state))) as number;
    const oldest = cases.find(({ waiter }) => waiter.stack !== undefined)?.waiter ?? cases[0]?.waiter;
    const pushes = cases.filter(({ waiter }) => waiter.queue === 'push');
    out.push({
      key: `${state.key}/select/${id}`,
      kind: 'select',
      id,
      frameKey: state.key,
      frame: state.frame,
      context: state.context,
      label,
      state: stateOf(explained ? undefined : since, explained, thresholdMs, now),
      version: state.version,
      cases,
      receivedAt: state.receivedAt,
      occupancy: undefined,
      waiters: cases.length,
      pushers: pushes.length,
      pullers: cases.length - pushes.length,
      pushersSince: pushes.length > 0 ? since : undefined,
      pullersSince: pushes.length < cases.length ? since : undefined,
      since,
      unexplainedSince: explained ? undefined : since,
      producerSince: explained || pushes.length === 0 ? undefined : since,
      oldest,
      history: [],
    });
  }
}

/** Each listed leak's row (a leak's row never changes: its state is always `leaked`). */
const leakRows = new WeakMap<LeakEntry, Row>();

function leakRow(entry: LeakEntry): Row {
  let row = leakRows.get(entry);
  if (row === undefined) {
    row = buildLeakRow(entry);
    leakRows.set(entry, row);
  }
  return row;
}

function buildLeakRow(entry: LeakEntry): Row {
  const { leak } = entry;
  return {
    key: entry.key,
    kind: 'leak',
    id: leak.id,
    frameKey: entry.frameKey,
    frame: entry.frame,
    context: entry.context,
    // A select by all its cases, as while it was stuck (the page lists them since 2026-12-06).
    label:
      leak.cases !== undefined && leak.cases.length > 1
        ? `select: ${leak.cases.map(({ kind, channel }) => `${kind} ${labelOf(channel)}`).join(' | ')}`
        : labelOf(leak.channel),
    state: 'leaked',
    version: entry.version,
    leak,
    receivedAt: entry.since + leak.ageAtSnapshot,
    occupancy: undefined,
    waiters: 1,
    pushers: leak.kind === 'push' ? 1 : 0,
    pullers: leak.kind === 'pull' ? 1 : 0,
    pushersSince: leak.kind === 'push' ? entry.since : undefined,
    pullersSince: leak.kind === 'pull' ? entry.since : undefined,
    since: entry.since,
    unexplainedSince: undefined,
    producerSince: undefined,
    oldest: {
      kind: leak.kind,
      queue: leak.kind === 'push' ? 'push' : 'pull',
      ageAtSnapshot: leak.ageAtSnapshot,
      ...(leak.stack === undefined ? {} : { stack: leak.stack }),
      input: false,
    },
    history: [],
  };
}

/** Orders names as people read them ("job-2" before "job-10"); much faster than `localeCompare`. */
const NAMES = new Intl.Collator(undefined, { numeric: true });

/** `undefined` (no wait) after every instant. */
const bySince = (a: number | undefined, b: number | undefined) =>
  (a ?? Number.POSITIVE_INFINITY) - (b ?? Number.POSITIVE_INFINITY) || 0;

/** Descending by the sort key (ascending for names). */
const COMPARE: Record<SortKey, (a: Row, b: Row) => number> = {
  age: (a, b) => bySince(a.since, b.since),
  pushers: (a, b) => b.pushers - a.pushers || bySince(a.pushersSince, b.pushersSince),
  pullers: (a, b) => b.pullers - a.pullers || bySince(a.pullersSince, b.pullersSince),
  waiters: (a, b) => b.waiters - a.waiters || bySince(a.since, b.since),
  occupancy: (a, b) => (b.occupancy ?? -1) - (a.occupancy ?? -1) || (b.channel?.size ?? -1) - (a.channel?.size ?? -1),
  name: (a, b) => NAMES.compare(a.label, b.label),
};

/** Rank of each state: lower first. */
const RANK: Record<RowState, number> = { leaked: 0, stuck: 1, input: 2, waiting: 3, idle: 3 };

/** The rows to show, and until when (extension clock) they stay valid as they are. */
export interface Rows {
  readonly rows: Row[];
  /** The first instant at which a row's state changes with time alone (a wait turns stuck). */
  readonly validUntil: number;
}

/** How many times one context's rows were built (for tests: the work is per context that changed). */
let frameRowsBuilt = 0;
export const frameRowsBuiltCount = (): number => frameRowsBuilt;

/**
 * One context's rows as last derived: those passing `filter`, ranked for `sort` (ties by kind
 * and id), built at `at` and unchanged until `validUntil` (a wait turning stuck).
 */
interface FrameRows {
  readonly filter: string;
  readonly thresholdMs: number;
  readonly sort: SortKey;
  readonly at: number;
  readonly validUntil: number;
  readonly rows: readonly Row[];
}

/**
 * Each context's rows, by its (immutable) state: a context whose snapshot did not change keeps
 * its rows, so deriving the rows after one snapshot builds and sorts only that context's, and
 * merges the others' ranked runs (audit BA: a frame's forged contexts, 20,000 channels, were
 * all rebuilt for every snapshot of the page).
 */
const frameRowsCache = new WeakMap<FrameState, FrameRows>();
/**
 * The same, for the rows no filter hides: the status line counts states over every row while a
 * filter is on, and one cache for both would rebuild at every repaint.
 */
const unfilteredRowsCache = new WeakMap<FrameState, FrameRows>();

/** The first instant at which a row of `rows` changes state with time alone (a wait turns stuck). */
function validUntilOf(rows: readonly Row[], thresholdMs: number): number {
  let validUntil = Number.POSITIVE_INFINITY;
  for (const row of rows) {
    if (row.state === 'waiting' && row.unexplainedSince !== undefined) {
      validUntil = Math.min(validUntil, row.unexplainedSince + thresholdMs);
    }
  }
  return validUntil;
}

const KINDS = { leak: 0, channel: 1, select: 2 };

/** The order of rows within one context: state, stuck producers, the sort key, then kind and id. */
function rankWithin(compare: (a: Row, b: Row) => number): (a: Row, b: Row) => number {
  return (a, b) =>
    RANK[a.state] - RANK[b.state] ||
    (a.state === 'stuck' ? bySince(a.producerSince, b.producerSince) : 0) ||
    compare(a, b) ||
    KINDS[a.kind] - KINDS[b.kind] ||
    a.id - b.id;
}

/** `state`'s rows passing `filter` at `now`, ranked: the cached ones while still valid. */
function frameRows(state: FrameState, filter: string, view: ViewState, now: number): FrameRows {
  const cache = filter === '' ? unfilteredRowsCache : frameRowsCache;
  const cached = cache.get(state);
  if (
    cached !== undefined &&
    cached.filter === filter &&
    cached.thresholdMs === view.thresholdMs &&
    cached.sort === view.sort &&
    now >= cached.at &&
    now < cached.validUntil
  ) {
    return cached;
  }
  const rows: Row[] = [];
  rowsOfFrame(state, filter, view.thresholdMs, now, rows);
  rows.sort(rankWithin(COMPARE[view.sort]));
  const result = {
    filter,
    thresholdMs: view.thresholdMs,
    sort: view.sort,
    at: now,
    validUntil: validUntilOf(rows, view.thresholdMs),
    rows,
  };
  cache.set(state, result);
  return result;
}

/**
 * The rows to show at `now`, in order: those matching the filter, ranked by state (leaked,
 * stuck — blocked producers first —, waiting for input, the rest), then by the sort key; ties by
 * frame (in reporting order), kind and id.
 *
 * The work is in proportion to what changed: each context's rows are kept ranked by its state
 * (see {@link frameRowsCache}), rows the filter hides are never built, and the contexts' ranked
 * runs are merged by one sort, which finds and merges runs.
 */
export function rowsOf(data: PanelData, view: ViewState, now: number): Rows {
  const filter = view.filter.trim().toLowerCase();
  const leaks = data.leaks.map(leakRow).filter((row) => matches(row.label, filter));
  const order = new Map<string, number>();
  const rows: Row[] = [];
  let validUntil = Number.POSITIVE_INFINITY;
  for (const state of data.frames.values()) {
    order.set(state.key, order.size);
    const derived = frameRows(state, filter, view, now);
    validUntil = Math.min(validUntil, derived.validUntil);
    for (const row of derived.rows) rows.push(row);
  }
  const compare = COMPARE[view.sort];
  const frameOf = (row: Row) => order.get(row.frameKey) ?? -1;
  const within = rankWithin(compare);
  leaks.sort(within);
  const all = leaks.length === 0 ? rows : [...leaks, ...rows];
  all.sort(
    (a, b) =>
      RANK[a.state] - RANK[b.state] ||
      (a.state === 'stuck' ? bySince(a.producerSince, b.producerSince) : 0) ||
      compare(a, b) ||
      frameOf(a) - frameOf(b) ||
      KINDS[a.kind] - KINDS[b.kind] ||
      a.id - b.id,
  );
  return { rows: all, validUntil };
}

/** Channels across all contexts (before filtering). */
export function channelCount(data: PanelData): number {
  let count = 0;
  for (const state of data.frames.values()) count += state.channels.length;
  return count;
}

/** Whether anything shown has an age that grows (a parked operation or a leak). */
export function hasWaits(data: PanelData): boolean {
  if (data.leaks.length > 0) return true;
  for (const state of data.frames.values()) {
    for (const channel of state.channels) if (channel.pushers.length + channel.pullers.length > 0) return true;
  }
  return false;
}
