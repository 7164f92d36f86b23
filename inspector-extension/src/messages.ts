/**
 * The extension's internal messages: what its contexts (content script, service worker, panel)
 * say to each other over ports, as tagged unions named by direction, each with a literal
 * `source`, and the guards every receiver runs before trusting one.
 *
 * What the *page* says (`announce`, `snapshot`) and hears (`hello`, `bye`) is not defined here:
 * it comes only from chanasync's wire protocol, `src/protocol.ts`. Page messages travel inside
 * these envelopes still unvalidated (`unknown`) until the service worker checks them with
 * `isPageToInspectorMessage`; the panel checks them again before rendering.
 *
 *   page ──window.postMessage──▶ content ──port──▶ background ──port──▶ panel
 *   page ◀──window.postMessage── content ◀──port / tabs.sendMessage── background ◀──port── panel
 */
import type { SnapshotMessage } from '../../src/protocol.js';

/** The `source` of messages from the content script. */
export const CONTENT_SOURCE = 'chanasync-inspector-content';
/** The `source` of messages from the service worker. */
export const BACKGROUND_SOURCE = 'chanasync-inspector-background';
/** The `source` of messages from a panel. */
export const PANEL_SOURCE = 'chanasync-inspector-panel';

/** Name of a panel's port. */
export const PANEL_PORT = 'chanasync-panel';
/**
 * Prefix of a content script's port name; the rest is `<document id>/<started at>`: the
 * frame's document id, a random id the content script draws once per document, so that a
 * frame keeps its identity (and its sparklines) across service-worker restarts and loses it
 * when its document changes; and when the document started (`performance.timeOrigin`, whole
 * ms), which bounds how long anything in it can have waited.
 */
export const CONTENT_PORT_PREFIX = 'chanasync-content/';

/**
 * The largest page message the extension relays, in characters of JSON (about its size in
 * bytes). A snapshot within `LIMITS` is normally far smaller; anything bigger is refused with a
 * notice instead of being shipped through three contexts and `storage.session`.
 */
export const MAX_MESSAGE_CHARS = 4 * 1024 * 1024;

/** Which frame of the inspected tab a message came from (set by the service worker, from the port's sender). */
export interface FrameInfo {
  /** The browser's frame id: `0` is the top frame. */
  readonly frameId: number;
  /** The frame's URL when its content script connected. */
  readonly url: string;
  /** The content script's random id for the frame's document (see {@link CONTENT_PORT_PREFIX}). */
  readonly documentId: string;
  /**
   * The frame's origin, as the browser reports it for the port (or derived from `url`): what
   * every row of the frame is tagged with. `'null'` for an opaque origin.
   */
  readonly origin: string;
  /**
   * When the frame's document started, in ms since the epoch (the content script's
   * `performance.timeOrigin`, which the page cannot change): no wait in it can be older.
   */
  readonly startedAt?: number;
}

/** The last snapshot of one frame, as the service worker keeps it in `storage.session`. */
export interface StoredFrame {
  readonly frame: FrameInfo;
  readonly snapshot: SnapshotMessage;
  /** When the service worker received it (extension clock, ms since the epoch). */
  readonly receivedAt: number;
}

/** Why a page message was not relayed. */
export type RefusalReason =
  /** Bigger than {@link MAX_MESSAGE_CHARS}. */
  | 'oversized'
  /** Not JSON, or failing the protocol guard. */
  | 'malformed'
  /** Over the per-frame rate limit (see `background/router.ts`); dropped unread. */
  | 'flooded';

// ── content script → service worker ─────────────────────────────────────────────────────────

/** Content script → service worker, over the frame's port. */
export type ContentToBackgroundMessage =
  /** A chanasync message the page posted to its own window, not yet validated. */
  | { readonly source: typeof CONTENT_SOURCE; readonly type: 'page'; readonly message: unknown }
  /** A chanasync message too big to relay (`chars` of JSON), or one that isn't JSON at all. */
  | {
      readonly source: typeof CONTENT_SOURCE;
      readonly type: 'refused';
      readonly reason: RefusalReason;
      readonly chars?: number;
    }
  /** The document came back from the back/forward cache; its debug mode may need a `hello`. */
  | { readonly source: typeof CONTENT_SOURCE; readonly type: 'restored' };

// ── service worker → content script ─────────────────────────────────────────────────────────

/**
 * Service worker → content script, over the frame's port or `tabs.sendMessage`: relay `hello`
 * or `bye` to the page; or `ping`, which the content script answers with its document id (so
 * that the service worker restores only snapshots of documents that are still there).
 */
export type BackgroundToContentMessage = {
  readonly source: typeof BACKGROUND_SOURCE;
  readonly type: 'hello' | 'bye' | 'ping';
};

// ── panel → service worker ──────────────────────────────────────────────────────────────────

/** Panel → service worker, over the panel's port. */
export type PanelToBackgroundMessage =
  /** The first message on a panel's port: which tab it inspects. */
  | { readonly source: typeof PANEL_SOURCE; readonly type: 'subscribe'; readonly tabId: number }
  /** Ask the tab's pages for a fresh snapshot (a `hello` again), e.g. after Clear. */
  | { readonly source: typeof PANEL_SOURCE; readonly type: 'resync' }
  /** Sent every 20 s: a message on a port keeps the service worker alive while a panel is open. */
  | { readonly source: typeof PANEL_SOURCE; readonly type: 'keepalive' };

// ── service worker → panel ──────────────────────────────────────────────────────────────────

/** Service worker → panel, over the panel's port; only ever about the panel's own tab. */
export type BackgroundToPanelMessage =
  /** A frame's new snapshot (validated by the service worker; the panel validates it again). */
  | {
      readonly source: typeof BACKGROUND_SOURCE;
      readonly type: 'snapshot';
      readonly frame: FrameInfo;
      readonly snapshot: SnapshotMessage;
      readonly receivedAt: number;
    }
  /** The last snapshots kept for the tab, sent when the panel subscribes, so it fills at once. */
  | { readonly source: typeof BACKGROUND_SOURCE; readonly type: 'restore'; readonly frames: readonly StoredFrame[] }
  /** A frame enabled debug mode (its first snapshot follows). */
  | { readonly source: typeof BACKGROUND_SOURCE; readonly type: 'announce'; readonly frame: FrameInfo }
  /**
   * A frame's document went away (unloaded, removed, or into the back/forward cache); when it is
   * the top frame's, the page navigated.
   */
  | { readonly source: typeof BACKGROUND_SOURCE; readonly type: 'frame-gone'; readonly documentId: string }
  /** A page message was not relayed. */
  | {
      readonly source: typeof BACKGROUND_SOURCE;
      readonly type: 'refused';
      readonly frame: FrameInfo;
      readonly reason: RefusalReason;
      readonly chars?: number;
    };

// ── guards ──────────────────────────────────────────────────────────────────────────────────

type Fields = Record<string, unknown>;

function fields(message: unknown, source: string): Fields | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  return (message as Fields).source === source ? (message as Fields) : undefined;
}

function isRefusal(message: Fields): boolean {
  return (
    (message.reason === 'oversized' || message.reason === 'malformed' || message.reason === 'flooded') &&
    (message.chars === undefined || typeof message.chars === 'number')
  );
}

/** A usable tab id: the browser's tab ids are non-negative integers. */
export function isTabId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Whether `value` is a well-formed {@link FrameInfo}. */
export function isFrameInfo(value: unknown): value is FrameInfo {
  if (typeof value !== 'object' || value === null) return false;
  const frame = value as Fields;
  return (
    typeof frame.frameId === 'number' &&
    typeof frame.url === 'string' &&
    typeof frame.documentId === 'string' &&
    typeof frame.origin === 'string' &&
    (frame.startedAt === undefined || (typeof frame.startedAt === 'number' && Number.isFinite(frame.startedAt)))
  );
}

/** Whether `message` is a {@link ContentToBackgroundMessage} (its page message still unchecked). */
export function isContentToBackgroundMessage(message: unknown): message is ContentToBackgroundMessage {
  const m = fields(message, CONTENT_SOURCE);
  if (m === undefined) return false;
  if (m.type === 'page') return 'message' in m;
  if (m.type === 'refused') return isRefusal(m);
  return m.type === 'restored';
}

/** Whether `message` is a {@link BackgroundToContentMessage}. */
export function isBackgroundToContentMessage(message: unknown): message is BackgroundToContentMessage {
  const m = fields(message, BACKGROUND_SOURCE);
  return m !== undefined && (m.type === 'hello' || m.type === 'bye' || m.type === 'ping');
}

/** Whether `message` is a {@link PanelToBackgroundMessage}. */
export function isPanelToBackgroundMessage(message: unknown): message is PanelToBackgroundMessage {
  const m = fields(message, PANEL_SOURCE);
  if (m === undefined) return false;
  if (m.type === 'subscribe') return isTabId(m.tabId);
  return m.type === 'resync' || m.type === 'keepalive';
}

/**
 * Whether `message` is a {@link BackgroundToPanelMessage} *envelope*. Snapshots inside it are
 * not checked here: the panel runs `isPageToInspectorMessage` on each before using it.
 */
export function isBackgroundToPanelMessage(message: unknown): message is BackgroundToPanelMessage {
  const m = fields(message, BACKGROUND_SOURCE);
  if (m === undefined) return false;
  switch (m.type) {
    case 'snapshot':
      return isFrameInfo(m.frame) && typeof m.receivedAt === 'number' && 'snapshot' in m;
    case 'restore':
      return Array.isArray(m.frames);
    case 'announce':
      return isFrameInfo(m.frame);
    case 'frame-gone':
      return typeof m.documentId === 'string';
    case 'refused':
      return isFrameInfo(m.frame) && isRefusal(m);
    default:
      return false;
  }
}

/**
 * Characters of `message` as JSON — about what it costs to relay — or `undefined` when it can't
 * be serialized (a cycle, a BigInt), which no genuine page message contains.
 */
export function jsonChars(message: unknown): number | undefined {
  try {
    return JSON.stringify(message)?.length;
  } catch {
    return undefined;
  }
}

/**
 * An upper bound on {@link jsonChars}`(message)`, found by walking it without building its
 * JSON; `undefined` when the bound passes `limit`, or when the walk meets what it does not
 * bound (a BigInt, a `toJSON`, a depth past 64: then measure it with {@link jsonChars}). Each
 * string counts 6 characters per code unit (the longest escape, `\u0000`) plus its quotes, each
 * number 24 (the longest a number prints), so a snapshot far under the limit — every genuine
 * one — is never serialized just to be measured. The walk stops once the bound passes
 * `limit`, so it costs at most one step per character allowed, whatever the value.
 */
export function jsonCharsBound(message: unknown, limit: number): number | undefined {
  let total = 0;
  const walk = (value: unknown, depth: number): boolean => {
    switch (typeof value) {
      case 'string':
        total += value.length * 6 + 2;
        return total <= limit;
      case 'number':
        total += 24;
        return total <= limit;
      case 'boolean':
      case 'undefined': // dropped, or `null` in an array
      case 'function':
      case 'symbol':
        total += 5;
        return total <= limit;
      case 'object': {
        if (value === null) {
          total += 4;
          return total <= limit;
        }
        if (depth > 64 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
        total += 2;
        if (Array.isArray(value)) {
          for (const item of value) {
            total += 1;
            if (!walk(item, depth + 1)) return false;
          }
          return total <= limit;
        }
        for (const key of Object.keys(value)) {
          total += key.length * 6 + 4;
          if (!walk((value as Record<string, unknown>)[key], depth + 1)) return false;
        }
        return total <= limit;
      }
      default:
        return false; // a BigInt: JSON.stringify throws
    }
  };
  try {
    return walk(message, 0) ? total : undefined;
  } catch {
    return undefined; // a getter that throws, a revoked proxy: measured (and refused) by jsonChars
  }
}
