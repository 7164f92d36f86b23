/**
 * The service worker (Firefox: the event page): the extension's switchboard. Content scripts
 * (one per frame) and panels (one per open Channels panel) connect to it with ports; it routes
 * the pages' snapshots to the panels of the same tab, tells a tab's pages `hello` when its first
 * panel opens and `bye` when its last one closes, and keeps each frame's last snapshot in
 * `storage.session` so that a reopened panel fills at once.
 *
 * The decisions live in `router.ts` (pure, unit-tested); this file only connects it to the
 * extension APIs. All listeners are registered synchronously at the top level, so an event
 * (a port connecting, a tab closing) restarts a stopped worker and reaches them. In-memory
 * state is lost on such a restart, by design: every port disconnects with it, and panels and
 * content scripts reconnect and rebuild it.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  BACKGROUND_SOURCE,
  type BackgroundToContentMessage,
  type BackgroundToPanelMessage,
  PANEL_PORT,
} from '../messages.js';
import { type Effect, frameOfPort, liveFrames, Router } from './router.js';
import { SnapshotStore } from './store.js';

const router = new Router<Runtime.Port>();
const store = new SnapshotStore(browser.storage.session, (error) => console.warn('chanasync inspector:', error));
const extensionOrigin = browser.runtime.getURL('');

/** Carries out the router's effects. Posting to a port that just closed is not an error. */
function run(effects: readonly Effect<Runtime.Port>[]): void {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'post':
        safePost(effect.port, effect.message);
        break;
      case 'tab':
        // Every frame's content script, whether or not it has a port open (it opens one lazily).
        browser.tabs.sendMessage(effect.tabId, effect.message).catch(() => {}); // no content script: nothing to tell
        break;
      case 'restore':
        void restore(effect.port, effect.tabId);
        break;
      case 'store':
        void store.apply(effect.change);
        break;
      case 'later': {
        const { port } = effect;
        setTimeout(() => run(router.catchUp(port)), effect.delayMs);
        break;
      }
    }
  }
}

/** Posts the tab's kept snapshots of documents still there to a new panel; forgets the others. */
async function restore(port: Runtime.Port, tabId: number): Promise<void> {
  const kept = await store.read(tabId);
  if (kept.length === 0) return;
  const ping: BackgroundToContentMessage = { source: BACKGROUND_SOURCE, type: 'ping' };
  const { live, gone } = await liveFrames(kept, (frameId) => browser.tabs.sendMessage(tabId, ping, { frameId }));
  for (const entry of gone) void store.apply({ op: 'remove-frame', tabId, documentId: entry.frame.documentId });
  if (live.length === 0 || !router.isInspected(tabId)) return;
  const message: BackgroundToPanelMessage = { source: BACKGROUND_SOURCE, type: 'restore', frames: live };
  safePost(port, message);
}

function safePost(port: Runtime.Port, message: unknown): void {
  try {
    port.postMessage(message);
  } catch {
    // The port disconnected in the meantime; its onDisconnect cleans up.
  }
}

browser.runtime.onConnect.addListener((port) => {
  const sender = port.sender;
  const frame = frameOfPort(port.name, sender, extensionOrigin);
  const tabId = sender?.tab?.id;
  if (frame !== undefined && tabId !== undefined) {
    run(router.frameConnected(port, tabId, frame, Date.now()));
  } else if (port.name === PANEL_PORT && (sender?.url ?? '').startsWith(extensionOrigin)) {
    // Only our own pages may subscribe to a tab: the browser sets `sender.url`, a web page
    // cannot claim the extension's origin.
    run(router.panelConnected(port));
  } else {
    port.disconnect();
    return;
  }
  port.onMessage.addListener((message: unknown) => run(router.received(port, message, Date.now())));
  port.onDisconnect.addListener(() => run(router.disconnected(port)));
});

browser.tabs.onRemoved.addListener((tabId) => run(router.tabRemoved(tabId)));

/**
 * Kept snapshots of tabs that have no panel once the panels had time to reconnect: left
 * behind when a panel closed while the service worker was stopped (its `clear-tab` never
 * ran). Nothing is kept for an uninspected tab.
 */
const SWEEP_AFTER_MS = 10_000;
setTimeout(() => void store.retain((tabId) => router.isInspected(tabId)), SWEEP_AFTER_MS);
