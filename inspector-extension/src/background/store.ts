/**
 * The last snapshot of every frame of every inspected tab, kept in `storage.session` (memory
 * only, cleared with the browser session, not readable by content scripts) so that a panel
 * reopened — or reconnecting after a service-worker restart — fills at once.
 *
 * One key per tab (`tab:<id>`) holds its frames, one per document id. Updating it is a
 * read-modify-write, and the listeners that trigger updates overlap (two frames posting at
 * once), so every operation goes through one promise queue: each starts after the previous one
 * finished, and reads queue too, so a read sees every update queued before it.
 *
 * Nothing here is essential: when storage fails (quota, a browser without `storage.session`)
 * the tab's entry is dropped and the panel simply waits for the next live snapshot.
 */
import { isPageToInspectorMessage } from '../../../src/protocol.js';
import { isFrameInfo, type StoredFrame } from '../messages.js';
import type { StoreOp } from './router.js';

/** The subset of `storage.StorageArea` used here (a fake in tests). */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

/** A tab's kept frames, at most one per document id. */
type TabRecord = StoredFrame[];

const keyOf = (tabId: number) => `tab:${tabId}`;

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

/** `storage.session`, one queued operation at a time. */
export class SnapshotStore {
  /** The tail of the queue: settles when every operation queued so far has. Never rejects. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly area: SessionArea | undefined,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Queues `change`; resolves once applied (or dropped on error). */
  apply(change: StoreOp): Promise<void> {
    return this.enqueue(async (area) => {
      const key = keyOf(change.tabId);
      if (change.op === 'clear-tab') return area.remove(key);
      const documentId = change.op === 'put' ? change.entry.frame.documentId : change.documentId;
      const record = (await this.readRecord(area, key)).filter((entry) => entry.frame.documentId !== documentId);
      if (change.op === 'put') record.push(change.entry);
      try {
        if (record.length === 0) await area.remove(key);
        else await area.set({ [key]: record });
      } catch (error) {
        await area.remove(key); // over quota: better nothing than a stale entry
        throw error;
      }
    }, undefined);
  }

  /** The kept frames of `tabId`, after every operation queued before this call. */
  read(tabId: number): Promise<StoredFrame[]> {
    return this.enqueue((area) => this.readRecord(area, keyOf(tabId)), []);
  }

  private async readRecord(area: SessionArea, key: string): Promise<TabRecord> {
    const value = (await area.get(key))[key];
    return Array.isArray(value) ? value.filter(isStoredFrame) : [];
  }

  private enqueue<T>(operation: (area: SessionArea) => Promise<T>, fallback: T): Promise<T> {
    const area = this.area;
    if (area === undefined) return Promise.resolve(fallback);
    const result = this.tail.then(() => operation(area));
    const settled = result.catch((error: unknown) => {
      this.onError(error);
      return fallback;
    });
    this.tail = settled;
    return settled;
  }
}
