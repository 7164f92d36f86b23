/**
 * The Channels panel page: connects to the service worker for the inspected tab, folds what it
 * hears into the model (`model.ts`), and repaints with the pure render function (`render.ts`) at
 * most once per animation frame — plus twice a second while something waits, since waiting
 * times grow even when the page posts nothing.
 *
 * The tab comes from `devtools.inspectedWindow.tabId` inside DevTools; outside (tests, or the
 * page opened as a normal tab) from `?tabId=N`. When the service worker restarts, the port
 * closes and the panel reconnects, re-subscribes and is refilled from the kept snapshots. When
 * the page navigates, its frames' documents go away (`frame-gone`) and the panel starts over.
 * Every message is checked: the envelope with the extension's guard, each snapshot with the
 * protocol's `isPageToInspectorMessage`, even though the service worker checked it already.
 */
import browser, { type Devtools, type Runtime } from 'webextension-polyfill';
import {
  type BackgroundToPanelMessage,
  isBackgroundToPanelMessage,
  isTabId,
  PANEL_PORT,
  PANEL_SOURCE,
  type PanelToBackgroundMessage,
} from '../messages.js';
import {
  cleared,
  DEFAULT_THRESHOLD_MS,
  DEFAULT_VIEW,
  EMPTY_DATA,
  hasWaits,
  isSnapshot,
  type PanelData,
  type SortKey,
  type ViewState,
  withAnnounce,
  withNotice,
  withoutFrame,
  withRestore,
  withSnapshot,
} from './model.js';
import { type Connection, View } from './render.js';
import { repaintScheduler } from './schedule.js';

/** How often the panel tells the service worker it is still there (which keeps it alive). */
const KEEPALIVE_MS = 20_000;
/** How often ages are repainted while channels have waiters. */
const TICK_MS = 500;
/** Reconnection delays: from the first to the longest, doubling in between. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;
const THRESHOLD_KEY = 'chanasync-inspector.thresholdMs';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const viewport = byId<HTMLElement>('viewport');
const noticesBox = byId<HTMLElement>('notices');
const statusBox = byId<HTMLElement>('status');
const filterInput = byId<HTMLInputElement>('filter');
const thresholdInput = byId<HTMLInputElement>('threshold');
const pauseButton = byId<HTMLButtonElement>('pause');
const clearButton = byId<HTMLButtonElement>('clear');

/** DevTools APIs, present only when the page runs as a DevTools panel. */
const devtools = (browser as { devtools?: Devtools.Static }).devtools;
/**
 * `devtools.panels.openResource(url, lineNumber, columnNumber?)` where the browser has it
 * (Chrome; line and column 0-based). Firefox's schema declares it unsupported.
 */
const openResource = (
  devtools?.panels as { openResource?: (url: string, line: number, column?: number) => unknown } | undefined
)?.openResource;

// ── state ───────────────────────────────────────────────────────────────────────────────────

/** What the panel knows, updated by every message. */
let data: PanelData = EMPTY_DATA;
/** While paused: the data and time shown, frozen at the moment Pause was pressed. */
let frozen: { data: PanelData; now: number } | undefined;
let view: ViewState = { ...DEFAULT_VIEW, thresholdMs: savedThreshold(), viewportHeight: viewport.clientHeight };
let connection: Connection = 'connecting';
/** The port to the service worker; `undefined` between a disconnect and the reconnection. */
let port: Runtime.Port | undefined;
let retryDelay = RETRY_MIN_MS;

const tabId = inspectedTabId();

function inspectedTabId(): number | undefined {
  const fromDevtools = devtools?.inspectedWindow.tabId;
  if (isTabId(fromDevtools)) return fromDevtools;
  const query = new URLSearchParams(location.search).get('tabId');
  const fromQuery = query === null || query.trim() === '' ? Number.NaN : Number(query);
  return isTabId(fromQuery) ? fromQuery : undefined;
}

/**
 * The threshold the toolbar saved: any the input accepts, 0 too (audit BU: a saved 0 came back
 * as the default). Nothing saved, or something unreadable: the default.
 */
function savedThreshold(): number {
  const raw = localStorage.getItem(THRESHOLD_KEY);
  const saved = raw === null || raw.trim() === '' ? Number.NaN : Number(raw);
  return saved >= 0 && Number.isFinite(saved) ? saved : DEFAULT_THRESHOLD_MS;
}

// ── connection ──────────────────────────────────────────────────────────────────────────────

function connect(): void {
  if (tabId === undefined) {
    connection = 'no-tab';
    schedule();
    return;
  }
  let opened: Runtime.Port;
  try {
    opened = browser.runtime.connect({ name: PANEL_PORT });
  } catch {
    reconnectLater();
    return;
  }
  port = opened;
  opened.onMessage.addListener((message: unknown) => {
    if (port !== opened) return;
    retryDelay = RETRY_MIN_MS;
    receive(message);
  });
  opened.onDisconnect.addListener(() => {
    if (port !== opened) return;
    port = undefined;
    reconnectLater();
  });
  post({ source: PANEL_SOURCE, type: 'subscribe', tabId });
  connection = 'connected';
  schedule();
}

function reconnectLater(): void {
  connection = 'reconnecting';
  schedule();
  setTimeout(connect, retryDelay);
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
}

function post(message: PanelToBackgroundMessage): void {
  try {
    port?.postMessage(message);
  } catch {
    // Disconnected; onDisconnect reconnects.
  }
}

/**
 * Documents the panel heard leave (`frame-gone`), the newest {@link MAX_GONE}: a `restore` that
 * comes after must not bring them back (see `withRestore`).
 */
const goneDocuments = new Set<string>();
const MAX_GONE = 1000;

function receive(message: unknown): void {
  if (!isBackgroundToPanelMessage(message)) return;
  data = update(data, message);
  if (data.frames.size === 0 && view.expanded.size > 0) view = { ...view, expanded: new Set() }; // a new page
  schedule();
}

/** `current` after `message`; snapshots that fail the protocol guard are counted as malformed. */
function update(current: PanelData, message: BackgroundToPanelMessage): PanelData {
  switch (message.type) {
    case 'snapshot':
      return isSnapshot(message.snapshot)
        ? withSnapshot(current, message.frame, message.snapshot, message.receivedAt)
        : withNotice(current, 'malformed', message.frame);
    case 'restore':
      return withRestore(current, message.frames as readonly unknown[], goneDocuments);
    case 'announce':
      return withAnnounce(current, message.frame);
    case 'frame-gone':
      goneDocuments.add(message.documentId);
      if (goneDocuments.size > MAX_GONE) goneDocuments.delete(goneDocuments.values().next().value as string);
      return withoutFrame(current, message.documentId);
    case 'refused':
      return withNotice(current, message.reason, message.frame, message.chars);
  }
}

// ── painting ────────────────────────────────────────────────────────────────────────────────

/**
 * Repaints soon: on the next animation frame, or after 100 ms if frames don't come (a hidden
 * panel gets none; it then repaints at most ten times a second, and not at all when idle).
 */
const schedule = repaintScheduler(() => repaint());

/** The panel's DOM, updated in place (see render.ts): a repaint rewrites ages, nothing else. */
const table = new View(document, { status: statusBox, notices: noticesBox, content: viewport });

function repaint(): void {
  const shown = frozen ?? { data, now: Date.now() };
  table.update({ data: shown.data, view, now: shown.now, connection, canOpenResources: openResource !== undefined });
}

function setView(change: Partial<ViewState>): void {
  view = { ...view, ...change };
  schedule();
}

// ── controls ────────────────────────────────────────────────────────────────────────────────

filterInput.addEventListener('input', () => {
  viewport.scrollTop = 0;
  setView({ filter: filterInput.value, scrollTop: 0 });
});

thresholdInput.value = String(view.thresholdMs / 1000);
thresholdInput.addEventListener('input', () => {
  const seconds = thresholdInput.valueAsNumber;
  if (!(seconds >= 0 && Number.isFinite(seconds))) return;
  localStorage.setItem(THRESHOLD_KEY, String(seconds * 1000));
  setView({ thresholdMs: seconds * 1000 });
});

pauseButton.addEventListener('click', () => {
  frozen = frozen === undefined ? { data, now: Date.now() } : undefined;
  pauseButton.setAttribute('aria-pressed', String(frozen !== undefined));
  pauseButton.textContent = frozen === undefined ? 'Pause' : 'Resume';
  setView({ paused: frozen !== undefined });
});

clearButton.addEventListener('click', () => {
  data = cleared(data); // leaks too: they stay listed until this button

  if (frozen !== undefined) frozen = { data, now: frozen.now };
  setView({ expanded: new Set() });
  post({ source: PANEL_SOURCE, type: 'resync' }); // the page re-posts its current state
});

viewport.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const sort = target?.closest<HTMLElement>('[data-sort]')?.dataset.sort;
  if (sort !== undefined) {
    setView({ sort: sort as SortKey });
    return;
  }
  const location = target?.closest<HTMLElement>('.loc');
  if (location !== null && location !== undefined && openResource !== undefined) {
    // Only http(s) URLs of the inspected page's frames are ever marked (render.ts, isOpenable).
    const { url, line, column } = location.dataset;
    if (url !== undefined) {
      void Promise.resolve(
        openResource.call(devtools?.panels, url, Math.max(0, Number(line) - 1), Math.max(0, Number(column) - 1)),
      ).catch(() => {});
      event.stopPropagation();
      return;
    }
  }
  const line = target?.closest('.line'); // clicks in the details (selecting a stack) don't toggle
  if (line === null || line === undefined) return;
  const key = line.closest<HTMLElement>('.row')?.dataset.key;
  if (key === undefined) return;
  const expanded = new Set(view.expanded);
  if (!expanded.delete(key)) expanded.add(key);
  setView({ expanded });
});

viewport.addEventListener('scroll', () => setView({ scrollTop: viewport.scrollTop }), { passive: true });
new ResizeObserver(() => setView({ viewportHeight: viewport.clientHeight })).observe(viewport);

// ── theme ───────────────────────────────────────────────────────────────────────────────────

/** Follows DevTools' theme in DevTools, the system's elsewhere. */
function applyTheme(): void {
  const theme = devtools?.panels.themeName;
  const dark = theme === undefined ? matchMedia('(prefers-color-scheme: dark)').matches : theme === 'dark';
  document.documentElement.classList.toggle('theme-dark', dark);
}
applyTheme();
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);
devtools?.panels.onThemeChanged?.addListener(applyTheme); // Firefox only

// ── go ──────────────────────────────────────────────────────────────────────────────────────

setInterval(() => post({ source: PANEL_SOURCE, type: 'keepalive' }), KEEPALIVE_MS);
setInterval(() => {
  if (frozen === undefined && hasWaits(data)) schedule();
}, TICK_MS);

connect();
