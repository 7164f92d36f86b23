/**
 * The service worker's routing rules, as a pure state machine: events in, effects out
 * (`Effect`s) that `background/index.ts` carries out with the extension APIs. No extension API
 * here, so the rules are unit-tested directly:
 *
 * - A tab's pages hear `hello` when its first panel subscribes and `bye` when its last panel
 *   leaves: pages pay nothing while no panel is open.
 * - A frame that posts anyway for a tab with no panel (a page restored from the back/forward
 *   cache whose `bye` went to another document; a `bye` lost while the service worker was
 *   stopped) is answered `bye` on its own port, at most once per {@link BYE_INTERVAL_MS}.
 *   Nothing it sent is validated, stored or queued: an uninspected tab costs the extension a
 *   rate check per message.
 * - Data travels by tab id taken from the content port's sender (never from a message), and
 *   only to the panels subscribed to that tab: one tab's channels never reach another's panel.
 * - Every page message of an inspected tab is checked with the protocol guard
 *   (`isPageToInspectorMessage`) and a size bound before anything else looks at it; failures
 *   become a `refused` notice. The size is bounded by a walk (`jsonCharsBound`), and a message
 *   is serialized to be measured only when that bound passes the limit.
 * - Each content port may send {@link RATE.burst} messages at once and {@link RATE.perSecond}
 *   a second on average (debug mode posts at most one snapshot per interval, 4 a second by
 *   default); the rest are dropped unread and counted in a `flooded` notice, at most one per
 *   second. One flooding frame cannot delay another tab: storage is queued per tab
 *   (`store.ts`). A frame that lost messages is told `hello` again {@link CATCH_UP_MS} later
 *   (the `later` effect, then {@link Router.catchUp}), so that its debug sessions re-post the
 *   state the panel may have missed: debug mode posts only on change.
 * - Snapshots are kept in `storage.session` only while the tab has a panel, and the tab's
 *   record is dropped when its last panel leaves.
 *
 * Invariants: a port is in `roles` at most once, as a panel or as a frame; a subscribed panel
 * port is in `panelsByTab.get(tabId)` exactly when its role says that tab; no set in
 * `panelsByTab` is empty (the last panel leaving deletes it — that is when `bye` goes out).
 * Everything here can be lost: after a service-worker restart, ports reconnect and rebuild it.
 *
 * Navigation needs no event of its own (and `tabs.onUpdated` would be wrong: it reports
 * `loading` for iframe navigations and `pushState` too): a document that goes away closes its
 * frame's port, which the panels hear as `frame-gone`, and a new document has a new id. A
 * document entering the back/forward cache closes its port too (the content script
 * disconnects on `pagehide`), and reconnects on `pageshow`.
 */
import { isPageToInspectorMessage } from '../../../src/protocol.js';
import {
  BACKGROUND_SOURCE,
  type BackgroundToContentMessage,
  type BackgroundToPanelMessage,
  CONTENT_PORT_PREFIX,
  type FrameInfo,
  isContentToBackgroundMessage,
  isPanelToBackgroundMessage,
  jsonChars,
  jsonCharsBound,
  MAX_MESSAGE_CHARS,
  type RefusalReason,
  type StoredFrame,
} from '../messages.js';

/** A change to the kept snapshots (`storage.session`), applied in order by `store.ts`. */
export type StoreOp =
  | { readonly op: 'put'; readonly tabId: number; readonly entry: StoredFrame }
  | { readonly op: 'remove-frame'; readonly tabId: number; readonly documentId: string }
  | { readonly op: 'clear-tab'; readonly tabId: number };

/** Something the router wants done; `P` is the port type (a `Runtime.Port` in the extension). */
export type Effect<P> =
  /** Post on one port (a panel's or a frame's). */
  | { readonly kind: 'post'; readonly port: P; readonly message: BackgroundToPanelMessage | BackgroundToContentMessage }
  /** Send to the content scripts of every frame of a tab (`tabs.sendMessage`), port or not. */
  | { readonly kind: 'tab'; readonly tabId: number; readonly message: BackgroundToContentMessage }
  /** Post the tab's kept snapshots — those of documents still there (see {@link liveFrames}) — to the panel. */
  | { readonly kind: 'restore'; readonly port: P; readonly tabId: number }
  /** Update the kept snapshots. */
  | { readonly kind: 'store'; readonly change: StoreOp }
  /** Call {@link Router.catchUp} for `port` after `delayMs` (a frame that lost messages to the rate limit). */
  | { readonly kind: 'later'; readonly port: P; readonly delayMs: number };

/** A content port's message budget (a token bucket) and what it dropped. */
interface Budget {
  /** Messages it may still send now. */
  tokens: number;
  /** When `tokens` was last refilled (service worker's clock). */
  refilledAt: number;
  /** Messages dropped since the last `flooded` notice. */
  dropped: number;
  /** When the last `flooded` notice went out, and the last unsolicited `bye`. */
  noticeAt: number;
  byeAt: number;
  /** Whether a {@link Router.catchUp} is scheduled for the port (messages were dropped since). */
  catchUp: boolean;
}

/** What a connected port is. A panel port has no tab until its `subscribe`. */
type Role =
  | { readonly kind: 'panel'; readonly tabId: number | undefined }
  | { readonly kind: 'frame'; readonly tabId: number; readonly frame: FrameInfo; readonly budget: Budget };

/** Each content port's message budget: a burst, then a steady rate. */
export const RATE = { burst: 40, perSecond: 20 } as const;
/** The shortest time between two `bye`s to a frame that keeps posting for an uninspected tab. */
export const BYE_INTERVAL_MS = 1000;
/** The shortest time between two `flooded` notices about one frame. */
const NOTICE_INTERVAL_MS = 1000;
/**
 * How long after a frame's first dropped message it is told `hello` again, so that every
 * debug session in it re-posts its current state: time enough for its budget to refill a whole
 * burst. Debug mode posts only when something changed, so without it a snapshot dropped last
 * (the state the page then keeps) would never reach the panel.
 */
export const CATCH_UP_MS = (RATE.burst / RATE.perSecond) * 1000;

/** The sender of a port as the browser reports it (a subset of `Runtime.MessageSender`). */
export interface PortSender {
  readonly tab?: { readonly id?: number } | undefined;
  readonly frameId?: number | undefined;
  readonly url?: string | undefined;
  /** The frame's origin (Chrome sets it; Firefox may not: then it comes from `url`). */
  readonly origin?: string | undefined;
}

/** The origin of a sender: as the browser reports it, or from its URL (`'null'` if opaque or unknown). */
function originOf(sender: PortSender | undefined): string {
  if (typeof sender?.origin === 'string' && sender.origin !== '') return sender.origin;
  try {
    return new URL(sender?.url ?? '').origin;
  } catch {
    return 'null';
  }
}

/**
 * A content port's name after the prefix: a document id as the content script draws it
 * (`crypto.randomUUID()`, bounded for safety), then optionally `/` and when the document
 * started (whole ms since the epoch).
 */
const PORT_NAME = /^(?<documentId>[\w-]{1,64})(?:\/(?<startedAt>\d{1,16}))?$/;

const HELLO: BackgroundToContentMessage = { source: BACKGROUND_SOURCE, type: 'hello' };
const BYE: BackgroundToContentMessage = { source: BACKGROUND_SOURCE, type: 'bye' };

/**
 * The frame a content-script port speaks for, or `undefined` if the port is not a content
 * script's: the name must carry a document id, and the browser-set sender must be a frame of a
 * tab (panels and other extension pages are not).
 */
export function frameOfPort(
  name: string,
  sender: PortSender | undefined,
  extensionOrigin: string,
): FrameInfo | undefined {
  if (!name.startsWith(CONTENT_PORT_PREFIX)) return undefined;
  const parts = PORT_NAME.exec(name.slice(CONTENT_PORT_PREFIX.length))?.groups;
  const tabId = sender?.tab?.id;
  const frameId = sender?.frameId;
  const url = sender?.url ?? '';
  if (parts?.documentId === undefined || tabId === undefined || tabId < 0 || typeof frameId !== 'number')
    return undefined;
  if (url.startsWith(extensionOrigin)) return undefined;
  const frame = { frameId, url, documentId: parts.documentId, origin: originOf(sender) };
  return parts.startedAt === undefined ? frame : { ...frame, startedAt: Number(parts.startedAt) };
}

/** Whether a page message is a snapshot (by its `type` alone: it is not validated for an uninspected tab). */
function isSnapshotLike(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'snapshot';
}

/** The service worker's routing table; see the top of this file. */
export class Router<P> {
  /** Every connected port we accepted, with what it is. */
  private readonly roles = new Map<P, Role>();
  /** Subscribed panel ports by inspected tab; a tab with no panel has no entry. */
  private readonly panelsByTab = new Map<number, Set<P>>();

  /** Whether any panel inspects `tabId` (its pages should be posting snapshots). */
  isInspected(tabId: number): boolean {
    return this.panelsByTab.has(tabId);
  }

  /** A panel's port connected; it is not subscribed to any tab until its `subscribe`. */
  panelConnected(port: P): Effect<P>[] {
    this.roles.set(port, { kind: 'panel', tabId: undefined });
    return [];
  }

  /** A content script's port connected at `now`, for `frame` of tab `tabId` (both from the sender). */
  frameConnected(port: P, tabId: number, frame: FrameInfo, now = 0): Effect<P>[] {
    const budget: Budget = {
      tokens: RATE.burst,
      refilledAt: now,
      dropped: 0,
      noticeAt: -Infinity,
      byeAt: -Infinity,
      catchUp: false,
    };
    this.roles.set(port, { kind: 'frame', tabId, frame, budget });
    return [];
  }

  /** A message arrived on a port; anything not well-formed for the port's role is dropped. */
  received(port: P, message: unknown, now: number): Effect<P>[] {
    const role = this.roles.get(port);
    if (role?.kind === 'panel') return this.fromPanel(port, role, message);
    if (role?.kind === 'frame') return this.fromFrame(port, role, message, now);
    return [];
  }

  /** A port disconnected: a panel leaves its tab; a frame's document is gone. */
  disconnected(port: P): Effect<P>[] {
    const role = this.roles.get(port);
    this.roles.delete(port);
    if (role === undefined || role.tabId === undefined) return [];
    if (role.kind === 'panel') return this.unsubscribe(port, role.tabId);
    if (!this.isInspected(role.tabId)) return []; // nothing was shown or kept for it
    return [
      ...this.toPanels(role.tabId, {
        source: BACKGROUND_SOURCE,
        type: 'frame-gone',
        documentId: role.frame.documentId,
      }),
      { kind: 'store', change: { op: 'remove-frame', tabId: role.tabId, documentId: role.frame.documentId } },
    ];
  }

  /**
   * The time to catch up has come for a frame that lost messages to the rate limit (see the
   * `later` effect): if its tab is still inspected, it is told `hello`, so that each debug
   * session in it posts its current state (at its own pace: a `hello` never makes debug mode
   * post more than once per interval). A port that closed in the meantime gets nothing.
   */
  catchUp(port: P): Effect<P>[] {
    const role = this.roles.get(port);
    if (role?.kind !== 'frame') return [];
    role.budget.catchUp = false;
    if (!this.isInspected(role.tabId)) return [];
    return [{ kind: 'post', port, message: HELLO }];
  }

  /** The tab was closed: forget its kept snapshots. */
  tabRemoved(tabId: number): Effect<P>[] {
    return [{ kind: 'store', change: { op: 'clear-tab', tabId } }];
  }

  private fromPanel(port: P, role: Role & { kind: 'panel' }, message: unknown): Effect<P>[] {
    if (!isPanelToBackgroundMessage(message)) return [];
    if (message.type === 'subscribe') {
      if (role.tabId !== undefined) return []; // a port inspects one tab for its whole life
      this.roles.set(port, { kind: 'panel', tabId: message.tabId });
      // The kept snapshots fill the panel at once; the first panel of a tab also wakes its pages
      // (a later one finds them posting already, and the kept snapshots are the latest).
      const effects: Effect<P>[] = [{ kind: 'restore', port, tabId: message.tabId }];
      const panels = this.panelsByTab.get(message.tabId);
      if (panels === undefined) {
        this.panelsByTab.set(message.tabId, new Set([port]));
        effects.push({ kind: 'tab', tabId: message.tabId, message: HELLO });
      } else {
        panels.add(port);
      }
      return effects;
    }
    if (message.type === 'resync' && role.tabId !== undefined) {
      return [{ kind: 'tab', tabId: role.tabId, message: HELLO }];
    }
    return []; // keepalive: receiving it was the point
  }

  private unsubscribe(port: P, tabId: number): Effect<P>[] {
    const panels = this.panelsByTab.get(tabId);
    panels?.delete(port);
    if (panels === undefined || panels.size > 0) return [];
    this.panelsByTab.delete(tabId);
    return [
      { kind: 'tab', tabId, message: BYE },
      { kind: 'store', change: { op: 'clear-tab', tabId } }, // nothing is kept for an uninspected tab
    ];
  }

  /** Whether `budget` allows one more message at `now` (and spends it). */
  private spend(budget: Budget, now: number): boolean {
    const elapsed = Math.max(0, now - budget.refilledAt);
    budget.tokens = Math.min(RATE.burst, budget.tokens + (elapsed * RATE.perSecond) / 1000);
    budget.refilledAt = now;
    if (budget.tokens < 1) return false;
    budget.tokens -= 1;
    return true;
  }

  private fromFrame(port: P, role: Role & { kind: 'frame' }, message: unknown, now: number): Effect<P>[] {
    const { tabId, frame, budget } = role;
    if (!this.spend(budget, now)) {
      budget.dropped++;
      if (!this.isInspected(tabId)) return [];
      const effects: Effect<P>[] = [];
      if (!budget.catchUp) {
        budget.catchUp = true;
        effects.push({ kind: 'later', port, delayMs: CATCH_UP_MS });
      }
      if (now - budget.noticeAt >= NOTICE_INTERVAL_MS) {
        budget.noticeAt = now;
        effects.push(...this.refused(tabId, frame, 'flooded', undefined));
      }
      return effects;
    }
    if (!isContentToBackgroundMessage(message)) return [];
    if (!this.isInspected(tabId)) {
      // No panel: a frame that still posts was never told (or missed) `bye`. Tell it again —
      // rarely, so that a page cannot make the extension busy — and look at nothing it sent.
      const posting = message.type === 'restored' || (message.type === 'page' && isSnapshotLike(message.message));
      if (!posting || now - budget.byeAt < BYE_INTERVAL_MS) return [];
      budget.byeAt = now;
      return [{ kind: 'post', port, message: BYE }];
    }
    if (message.type === 'restored') return [{ kind: 'post', port, message: HELLO }];
    if (message.type === 'refused') return this.refused(tabId, frame, message.reason, message.chars);
    const page = message.message;
    // A cheap upper bound first: only a message that might be over the limit is serialized.
    const chars = jsonCharsBound(page, MAX_MESSAGE_CHARS) ?? jsonChars(page);
    if (chars === undefined) return this.refused(tabId, frame, 'malformed', undefined);
    if (chars > MAX_MESSAGE_CHARS) return this.refused(tabId, frame, 'oversized', chars);
    if (!isPageToInspectorMessage(page)) return this.refused(tabId, frame, 'malformed', undefined);
    if (page.type === 'announce') {
      // Debug mode just started in this frame, and a panel is open: say hello to it.
      return [
        ...this.toPanels(tabId, { source: BACKGROUND_SOURCE, type: 'announce', frame }),
        { kind: 'post', port, message: HELLO },
      ];
    }
    const entry: StoredFrame = { frame, snapshot: page, receivedAt: now };
    return [
      ...this.toPanels(tabId, { source: BACKGROUND_SOURCE, type: 'snapshot', ...entry }),
      { kind: 'store', change: { op: 'put', tabId, entry } },
    ];
  }

  private refused(tabId: number, frame: FrameInfo, reason: RefusalReason, chars: number | undefined): Effect<P>[] {
    return this.toPanels(tabId, {
      source: BACKGROUND_SOURCE,
      type: 'refused',
      frame,
      reason,
      ...(chars === undefined ? {} : { chars }),
    });
  }

  /** `message` posted to every panel of `tabId` — and to no other. */
  private toPanels(tabId: number, message: BackgroundToPanelMessage): Effect<P>[] {
    return [...(this.panelsByTab.get(tabId) ?? [])].map((port) => ({ kind: 'post', port, message }));
  }
}

/**
 * The kept frames whose document is still there, and those whose document is gone: `ask` sends
 * a `ping` to the frame's content script and resolves with its answer — its document id —
 * or rejects when no content script answers. A frame's kept snapshot can outlive its document
 * when the service worker was asleep as the document went away.
 */
export async function liveFrames(
  frames: readonly StoredFrame[],
  ask: (frameId: number) => Promise<unknown>,
): Promise<{ live: StoredFrame[]; gone: StoredFrame[] }> {
  const answers = await Promise.all(
    frames.map((entry) =>
      ask(entry.frame.frameId).then(
        (documentId) => documentId === entry.frame.documentId,
        () => false,
      ),
    ),
  );
  return {
    live: frames.filter((_, i) => answers[i]),
    gone: frames.filter((_, i) => !answers[i]),
  };
}
