/**
 * The content script, one per frame (`all_frames`, from `document_start` so it hears a page's
 * very first `announce`): a relay between the page's debug mode and the service worker.
 *
 * - Page → extension: a `message` event posted by the page to its own window
 *   (`event.source === window`) whose data carries chanasync's `source` goes to the service
 *   worker over this frame's port as its JSON, unvalidated (the service worker runs the
 *   protocol guard) but size-checked here, so that a huge message is never shipped at all.
 * - Extension → page: `hello` / `bye` from the service worker (on the port, or broadcast to the
 *   tab with `tabs.sendMessage`) become the protocol's `InspectorToPageMessage` on the window.
 * - A `ping` from the service worker is answered with this document's id: kept snapshots are
 *   restored only for documents that are still there.
 *
 * The port opens lazily, on the page's first chanasync message: a page without debug mode never
 * connects, and one with debug mode but no panel open costs one idle port. When the service
 * worker restarts the port disconnects, and the next page message opens a new one.
 *
 * The back/forward cache: on `pagehide` the port is closed (the service worker tells the
 * panels the document left), since a port kept while the page is frozen is dead when it comes
 * back. On `pageshow` from the cache, a document with debug mode reconnects at once and says
 * `restored`: the service worker answers `hello` if a panel is open, `bye` if none is (the
 * page may still believe the inspector is there: its `bye` went out while it was frozen).
 *
 * An orphan: when the extension is reloaded, updated or removed, this script keeps running in
 * the page but can no longer reach the extension ("Extension context invalidated"). It notices
 * when its port disconnects with the extension gone (`runtime.id` unset, at once or 1 s later)
 * or when it cannot connect at all; then it stops listening and, if the page has debug mode, posts `bye` to the
 * page itself: no inspector can hear that page any more, so it must stop posting snapshots.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { INSPECTOR_SOURCE, type InspectorToPageMessage, PAGE_SOURCE, PROTOCOL_VERSION } from '../../../src/protocol.js';
import {
  CONTENT_PORT_PREFIX,
  CONTENT_SOURCE,
  type ContentToBackgroundMessage,
  isBackgroundToContentMessage,
  MAX_MESSAGE_CHARS,
} from '../messages.js';

/** This document's identity for the service worker and the panel (see `CONTENT_PORT_PREFIX`). */
const documentId = crypto.randomUUID();
/** The port to the service worker; `undefined` until the page first speaks, and after a disconnect. */
let port: Runtime.Port | undefined;
/** Whether this document has debug mode (it posted a chanasync message). */
let hasDebugMode = false;

/** When this document started (whole ms since the epoch): no wait in it is older. */
const startedAt = Math.round(performance.timeOrigin);

/** How long after a port's disconnect the content script checks again whether the extension is gone. */
const ORPHAN_RECHECK_MS = 1000;

/** Set once the extension is gone (see the file's top): this script then does nothing more. */
let orphan = false;

function connect(): Runtime.Port {
  const opened = browser.runtime.connect({ name: `${CONTENT_PORT_PREFIX}${documentId}/${startedAt}` });
  opened.onMessage.addListener(relayToPage);
  opened.onDisconnect.addListener(() => {
    if (port === opened) port = undefined; // the service worker stopped: reconnect on the next message
    // Or the extension itself went away. Chromium unsets `runtime.id` only a moment after the
    // port's disconnect, so look again a little later (a quiet page posts nothing that would
    // tell us).
    if (!extensionAlive()) becomeOrphan();
    else setTimeout(() => extensionAlive() || becomeOrphan(), ORPHAN_RECHECK_MS);
  });
  return opened;
}

/**
 * Whether the extension this script belongs to is still there: an orphaned content script's
 * `runtime.id` is `undefined` (Chrome), or reading it throws.
 */
function extensionAlive(): boolean {
  try {
    return typeof browser.runtime.id === 'string' && browser.runtime.id !== '';
  } catch {
    return false;
  }
}

/**
 * The extension is gone: stop listening, and tell a page with debug mode `bye`, since no
 * inspector will hear it again (it would otherwise keep posting snapshots for nobody). Once.
 */
function becomeOrphan(): void {
  if (orphan) return;
  orphan = true;
  port = undefined;
  window.removeEventListener('message', relayToExtension);
  window.removeEventListener('pagehide', onPageHide);
  window.removeEventListener('pageshow', onPageShow);
  try {
    browser.runtime.onMessage.removeListener(onRuntimeMessage);
  } catch {
    // The extension API is gone with the extension.
  }
  if (hasDebugMode) sayToPage('bye');
}

function send(message: ContentToBackgroundMessage): void {
  try {
    port ??= connect();
    port.postMessage(message);
    return;
  } catch {
    // The port closed (the service worker stopped) before its `onDisconnect` reached us: try a
    // new one, once.
    port = undefined;
  }
  try {
    port = connect();
    port.postMessage(message);
  } catch {
    // The extension was reloaded or removed ("Extension context invalidated"): this script is
    // an orphan now. (If the extension is still there, only this message is lost.)
    port = undefined;
    if (!extensionAlive()) becomeOrphan();
  }
}

/** `data` as JSON, or `undefined` when it has none (a cycle, a BigInt, a getter that throws). */
function json(data: unknown): string | undefined {
  try {
    return JSON.stringify(data);
  } catch {
    return undefined;
  }
}

function relayToExtension(event: MessageEvent): void {
  if (event.source !== window) return; // other frames' messages are their content scripts' business
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null || (data as { source?: unknown }).source !== PAGE_SOURCE) return;
  hasDebugMode = true;
  const text = json(data);
  if (text === undefined) send({ source: CONTENT_SOURCE, type: 'refused', reason: 'malformed' });
  else if (text.length > MAX_MESSAGE_CHARS) {
    send({ source: CONTENT_SOURCE, type: 'refused', reason: 'oversized', chars: text.length });
  } else {
    // Relayed as its JSON, in every browser: Chrome's extension messaging is JSON already, but
    // Firefox's structured clone throws on a function or symbol field (which JSON drops), and
    // a message that cannot be posted must not pass for an extension that is gone.
    send({ source: CONTENT_SOURCE, type: 'page', message: JSON.parse(text) as unknown });
  }
}

function relayToPage(message: unknown): void {
  if (orphan || !isBackgroundToContentMessage(message) || message.type === 'ping') return;
  sayToPage(message.type);
}

/** Posts the protocol's `hello` or `bye` to the page. */
function sayToPage(type: InspectorToPageMessage['type']): void {
  const command: InspectorToPageMessage = { source: INSPECTOR_SOURCE, version: PROTOCOL_VERSION, type };
  // The target is this very window, and `hello`/`bye` carry nothing secret, so any origin will
  // do — including the opaque origin of a sandboxed frame, which no origin string can name.
  window.postMessage(command, '*');
}

function onRuntimeMessage(message: unknown): Promise<string> | undefined {
  // A ping asks whether this frame still holds the document a kept snapshot came from.
  if (isBackgroundToContentMessage(message) && message.type === 'ping') return Promise.resolve(documentId);
  relayToPage(message);
  return undefined; // no reply
}

function onPageHide(): void {
  // Leaving (maybe into the back/forward cache): close the port now, so that the service
  // worker and the panels learn that this document left, and no dead port is kept.
  const closing = port;
  port = undefined;
  try {
    closing?.disconnect();
  } catch {
    // Already disconnected.
  }
}

function onPageShow(event: PageTransitionEvent): void {
  // Back from the back/forward cache: reconnect and say so; the service worker answers
  // `hello` if a panel is open, `bye` if not.
  if (event.persisted && hasDebugMode) send({ source: CONTENT_SOURCE, type: 'restored' });
}

window.addEventListener('message', relayToExtension);
browser.runtime.onMessage.addListener(onRuntimeMessage);
window.addEventListener('pagehide', onPageHide);
window.addEventListener('pageshow', onPageShow);
