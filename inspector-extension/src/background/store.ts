/**
 * The last snapshot of every frame of every *inspected* tab, kept in `storage.session` (memory
 * only, cleared with the browser session, not readable by content scripts) so that a panel
 * reconnecting after a service-worker restart fills at once. The router stores nothing for a
 * tab without a panel and clears a tab's record when its last panel leaves.
 *
 * One key per tab (`tab:<id>`) holds its frames, one per context of each document — the page's
 * own and each Worker it relays (`relayDebug`), which share the document's port — as one JSON
 * string: the browser stores a string at the cost of a copy, where a record of objects is
 * converted value by value (audit BA: a 2 MB record of 13,000 channels stalled the service
 * worker for most of a second on every write). Each entry is serialized once, when first
 * written, and its JSON reused by every later write of the record. Updating it is a
 * read-modify-write, and the listeners that trigger updates overlap (two frames posting at
 * once), so each tab has its own queue: one flush at a time per tab, each starting after the
 * previous one finished. Tabs never wait for each other — a frame flooding its tab cannot delay
 * another tab's panel.
 *
 * Writes are coalesced per context: changes queued while a flush runs (or before it starts)
 * replace each other, and the next flush writes only the last one of each context. A tab's
 * queue therefore holds at most one pending change per context, however fast its frames post.
 * Reads wait for that tab's pending changes, so a read sees every change queued before it.
 *
 * Writes are paced by their size ({@link TAB_WRITE_CHARS_PER_SECOND}): after writing a record
 * of N characters, a tab's next write waits N / that rate. Writing a record costs the service
 * worker time in proportion to its size, so a tab whose frames post large snapshots non-stop
 * (audit BA: 2 MB records rewritten back to back kept the worker busy, and every other tab's
 * messages waited behind it) gets a bounded share of the worker; a page of a few kilobytes is
 * written within milliseconds. A read, and clearing a tab, do not wait: they flush at once.
 *
 * Each tab's record is bounded ({@link TAB_BUDGET_CHARS}): a record over it keeps its newest
 * frames that fit. So no tab can fill the area's quota and evict another tab's record; and
 * when storage fails anyway (quota, a browser without `storage.session`) the tab's entry is
 * dropped and the panel simply waits for the next live snapshot.
 */
import { isPageToInspectorMessage } from '../../../src/protocol.js';
import { isFrameInfo, type StoredFrame } from '../messages.js';
import type { StoreOp } from './router.js';

/** The subset of `storage.StorageArea` used here (a fake in tests). */
export interface SessionArea {
  get(key: string | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

/**
 * The most characters of JSON one tab's record may hold (`storage.session` holds 10 MB in
 * all). A single snapshot may be up to 4 MB (`MAX_MESSAGE_CHARS`); a record over the budget
 * keeps the newest frames that fit.
 */
export const TAB_BUDGET_CHARS = 2 * 1024 * 1024;

/**
 * How many characters of JSON a tab's writes may average per second: after a write of N
 * characters, the tab's next one waits N / this (a full {@link TAB_BUDGET_CHARS} record: 2 s).
 * What a restart of the service worker loses in between, the panel gets again from the page
 * (its re-subscription says `hello`, and the page re-posts its state).
 */
export const TAB_WRITE_CHARS_PER_SECOND = 1024 * 1024;

/** A tab's kept frames, at most one per context of a document. */
type TabRecord = StoredFrame[];

/**
 * Which context of which document a kept frame is: its document id, for a Worker's relayed
 * snapshot the worker's URL, and the copy of chanasync that posted it (`instance`, when the
 * snapshot has one: two bundles with chanasync in one document) — the panel tells contexts
 * apart the same way.
 */
function contextOf(entry: StoredFrame): string {
  const context = entry.snapshot.context;
  const instance = (entry.snapshot as { readonly instance?: unknown }).instance;
  const base = `${entry.frame.documentId}|${context?.kind === 'worker' ? `worker:${context.url ?? ''}` : 'page'}`;
  return typeof instance === 'string' ? `${base}#${instance}` : base;
}

const PREFIX = 'tab:';
const keyOf = (tabId: number) => `${PREFIX}${tabId}`;

/** Whether `value` is a kept frame whose snapshot still passes the protocol guard. */
function isStoredFrame(value: unknown): value is StoredFrame {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    isFrameInfo(entry.frame) &&
    typeof entry.receivedAt === 'number' &&
    isPageToInspectorMessage(entry.snapshot) &&
    entry.snapshot.type === 'snapshot'
  );
}

/** One tab's queue. */
interface TabQueue {
  /** Settles when the running flush (if any) has. Never rejects. */
  tail: Promise<void>;
  /** Entries not yet written, by {@link contextOf}. */
  pending: Map<string, StoredFrame>;
  /** Documents whose entries are to be removed (before `pending` is written). */
  removed: Set<string>;
  /** Whether a flush is queued to write `pending`. */
  scheduled: boolean;
  /** Whether the whole record is to be removed first. */
  clear: boolean;
  /** Whether the next flush is wanted at once (a read, a clear), whatever the pacing says. */
  urgent: boolean;
  /** Ends the pause before the next flush now, while one is under way. */
  wake: (() => void) | undefined;
}

/** `storage.session`, one queue per tab, writes coalesced per document. */
export class SnapshotStore {
  private readonly queues = new Map<number, TabQueue>();
  /**
   * Each tab's record as this store last wrote it: the next flush starts from it rather than
   * reading the record back and checking every entry again (a frame posting snapshots of 1000
   * channels kept the service worker busy with that: audit BA). After a restart of the
   * service worker, the first flush of a tab reads its record from storage.
   */
  private readonly records = new Map<number, TabRecord>();
  /** The JSON of each kept entry, serialized once (see {@link bounded}); `''` if it has none. */
  private readonly json = new WeakMap<StoredFrame, string>();
  /** When (by {@link now}) each tab may write again: see {@link TAB_WRITE_CHARS_PER_SECOND}. */
  private readonly quietUntil = new Map<number, number>();
  /** Writes actually made to the area (for tests and diagnostics). */
  writes = 0;
  /** Entries serialized (for tests: each kept entry is serialized once, however often written). */
  serialized = 0;

  constructor(
    private readonly area: SessionArea | undefined,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly charsPerSecond = TAB_WRITE_CHARS_PER_SECOND,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues `change`; resolves once it is written (or dropped on error). */
  apply(change: StoreOp): Promise<void> {
    if (this.area === undefined) return Promise.resolve();
    const queue = this.queueOf(change.tabId);
    if (change.op === 'clear-tab') {
      queue.pending.clear();
      queue.removed.clear();
      queue.clear = true;
      queue.urgent = true;
    } else if (change.op === 'put') {
      queue.pending.set(contextOf(change.entry), change.entry);
    } else {
      for (const [key, entry] of queue.pending)
        if (entry.frame.documentId === change.documentId) queue.pending.delete(key);
      queue.removed.add(change.documentId);
    }
    return this.schedule(change.tabId, queue);
  }

  /** The kept frames of `tabId`, after every change queued for it before this call. */
  async read(tabId: number): Promise<StoredFrame[]> {
    const area = this.area;
    if (area === undefined) return [];
    const queue = this.queues.get(tabId);
    if (queue !== undefined) {
      queue.urgent = true;
      await this.schedule(tabId, queue);
    }
    try {
      return await this.readRecord(area, keyOf(tabId));
    } catch (error) {
      this.onError(error);
      return [];
    }
  }

  /** Removes the records of every tab for which `keep` says no (e.g. tabs left without a panel). */
  async retain(keep: (tabId: number) => boolean): Promise<void> {
    const area = this.area;
    if (area === undefined) return;
    try {
      const all = await area.get(null);
      for (const key of Object.keys(all)) {
        const tabId = Number(key.slice(PREFIX.length));
        if (key.startsWith(PREFIX) && Number.isSafeInteger(tabId) && !keep(tabId))
          await this.apply({ op: 'clear-tab', tabId });
      }
    } catch (error) {
      this.onError(error);
    }
  }

  private queueOf(tabId: number): TabQueue {
    let queue = this.queues.get(tabId);
    if (queue === undefined) {
      queue = {
        tail: Promise.resolve(),
        pending: new Map(),
        removed: new Set(),
        scheduled: false,
        clear: false,
        urgent: false,
        wake: undefined,
      };
      this.queues.set(tabId, queue);
    }
    return queue;
  }

  /** A flush of `queue` after the running one; one flush covers every change queued before it starts. */
  private schedule(tabId: number, queue: TabQueue): Promise<void> {
    if (queue.urgent) queue.wake?.();
    if (queue.scheduled) return queue.tail;
    queue.scheduled = true;
    queue.tail = queue.tail.then(() => this.paced(tabId, queue)).then(() => this.flush(tabId, queue));
    return queue.tail;
  }

  /** Resolves when `tabId` may write again (at once for an urgent flush, or when woken by one). */
  private paced(tabId: number, queue: TabQueue): Promise<void> | undefined {
    const wait = (this.quietUntil.get(tabId) ?? 0) - this.now();
    if (queue.urgent || !(wait > 0)) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        queue.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, wait);
      queue.wake = done;
    });
  }

  private async flush(tabId: number, queue: TabQueue): Promise<void> {
    const area = this.area as SessionArea;
    const key = keyOf(tabId);
    const changes = queue.pending;
    const removed = queue.removed;
    const clear = queue.clear;
    queue.pending = new Map();
    queue.removed = new Set();
    queue.clear = false;
    queue.scheduled = false;
    queue.urgent = false;
    try {
      if (clear && changes.size === 0) {
        this.records.delete(tabId);
        this.quietUntil.delete(tabId);
        await area.remove(key);
        this.writes++;
        return;
      }
      if (changes.size === 0 && removed.size === 0) return;
      const before = clear ? [] : (this.records.get(tabId) ?? (await this.readRecord(area, key)));
      const { record, text } = this.bounded([
        ...before.filter((entry) => !removed.has(entry.frame.documentId) && !changes.has(contextOf(entry))),
        ...changes.values(),
      ]);
      this.writes++;
      this.quietUntil.set(tabId, this.now() + (text.length * 1000) / this.charsPerSecond);
      // Forgotten while the write runs: a failed one leaves the stored record unknown.
      this.records.delete(tabId);
      try {
        if (record.length === 0) await area.remove(key);
        else await area.set({ [key]: text });
      } catch (error) {
        await area.remove(key); // over quota: better nothing than a stale entry
        throw error;
      }
      if (record.length > 0) this.records.set(tabId, record);
    } catch (error) {
      this.onError(error);
    } finally {
      if (!queue.scheduled && queue.pending.size === 0 && queue.removed.size === 0 && !queue.clear) {
        this.queues.delete(tabId);
      }
    }
  }

  private async readRecord(area: SessionArea, key: string): Promise<TabRecord> {
    const value = (await area.get(key))[key];
    const record = typeof value === 'string' ? parsed(value) : value; // an array: an older version's
    return Array.isArray(record) ? record.filter(isStoredFrame) : [];
  }

  /**
   * The newest entries of `record` that fit in {@link TAB_BUDGET_CHARS}, in their order, and
   * their JSON array (at most that long).
   */
  private bounded(record: TabRecord): { record: TabRecord; text: string } {
    let total = 1; // the brackets, and a comma after each entry but the last
    const kept = new Set<StoredFrame>();
    for (const entry of [...record].sort((a, b) => b.receivedAt - a.receivedAt)) {
      let text = this.json.get(entry);
      if (text === undefined) {
        text = jsonText(entry) ?? '';
        this.serialized++;
        this.json.set(entry, text);
      }
      if (text === '' || total + text.length + 1 > TAB_BUDGET_CHARS) continue;
      total += text.length + 1;
      kept.add(entry);
    }
    const written = record.filter((entry) => kept.has(entry));
    return { record: written, text: `[${written.map((entry) => this.json.get(entry)).join(',')}]` };
  }
}

/** `value` as JSON, or `undefined` when it has none. */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** The value of JSON `text`, or `undefined` if it is not JSON. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
