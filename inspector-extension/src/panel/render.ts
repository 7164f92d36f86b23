/**
 * The panel's view: a pure function from what the panel knows (`PanelData`), what the user
 * chose (`ViewState`) and the time, to fresh DOM nodes. No extension API and no state, so it is
 * tested in happy-dom; `index.ts` puts the nodes in the page.
 *
 * Everything shown comes from the page and is untrusted: it only ever reaches the DOM as text
 * (`textContent`, attribute values), never as markup.
 *
 * The table is virtualized: its body has the full height of every row, but only the rows in
 * view (plus a margin) are built, absolutely positioned. A collapsed row is {@link ROW_HEIGHT}
 * tall; an expanded one adds a details box whose height is computed from its line count, so
 * every row's offset is known without measuring the DOM. That keeps 10k channels as cheap to
 * render as 30.
 */
import { LIMITS } from '../../../src/protocol.js';
import { type FrameInfo, MAX_MESSAGE_CHARS } from '../messages.js';
import {
  type ChannelRow,
  channelCount,
  type FrameState,
  type Notice,
  type PanelData,
  rowsOf,
  type SortKey,
  type ViewState,
  waiterAge,
} from './model.js';

/** Height of a collapsed row and of the header, in px (CSS agrees: `--row-height`). */
export const ROW_HEIGHT = 28;
/** Height of one line in an expanded row's details, in px (CSS: `--line-height`). */
export const LINE_HEIGHT = 16;
/** Vertical padding of the details box, top plus bottom, in px. */
const DETAILS_PADDING = 16;
/** The tallest a details box gets; longer details scroll inside it. */
export const DETAILS_MAX_HEIGHT = 360;
/** Rows built beyond each edge of the view, in px, so that scrolling shows no gap. */
const OVERSCAN = 6 * ROW_HEIGHT;

/** The panel's link to the service worker. */
export type Connection = 'connecting' | 'connected' | 'reconnecting' | 'no-tab';

export interface RenderInput {
  readonly data: PanelData;
  readonly view: ViewState;
  /** The time to age waiters at (frozen while paused). */
  readonly now: number;
  readonly connection: Connection;
}

export interface RenderOutput {
  /** One line for the toolbar: counts and the connection. */
  readonly status: string;
  /** Banners above the table: paused, truncated snapshots, refused messages. */
  readonly notices: HTMLElement;
  /** The table — header and a body as tall as all rows, with the rows in view — or an empty state. */
  readonly content: HTMLElement;
  /** Every row in display order, built or not. */
  readonly rows: readonly ChannelRow[];
}

interface Column {
  readonly id: string;
  readonly title: string;
  readonly sort?: SortKey;
  /** Tooltip of the header. */
  readonly hint?: string;
}

const COLUMNS: readonly Column[] = [
  { id: 'caret', title: '' },
  { id: 'name', title: 'Channel', sort: 'name' },
  { id: 'frame', title: 'Frame', hint: 'The frame of the page the channel lives in' },
  { id: 'capacity', title: 'Capacity' },
  { id: 'occupancy', title: 'Occupancy', sort: 'occupancy', hint: 'Buffered values / capacity' },
  { id: 'trend', title: 'Trend', hint: 'Buffered values over the recent snapshots' },
  { id: 'overflow', title: 'Overflow' },
  { id: 'pushers', title: 'Pushers', sort: 'waiters', hint: 'Parked pushes · how long the oldest has waited' },
  { id: 'pullers', title: 'Pullers', sort: 'waiters', hint: 'Parked pulls · how long the oldest has waited' },
  { id: 'wait', title: 'Waiting', sort: 'age', hint: 'How long the oldest parked operation has waited' },
  { id: 'where', title: 'Oldest parked at', hint: 'Where the oldest parked operation waits (needs stacks: true)' },
];

/** The code that turns debug mode on, as the empty state shows it. */
export const ENABLE_SNIPPET = "import { enableDebug } from 'chanasync/debug';\nenableDebug({ stacks: true });";

// ── formatting ──────────────────────────────────────────────────────────────────────────────

/** A duration for humans: `820 ms`, `12.3 s`, `4 m 05 s`, `2 h 03 m`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor(seconds / 60) % 60).padStart(2, '0')} m`;
}

/** A size in characters of JSON, as bytes for humans: `512 B`, `3.2 MB`. */
export function formatSize(chars: number): string {
  if (chars < 1024) return `${chars} B`;
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(1)} KB`;
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}

/** A capacity: `∞` for unbounded (`null` on the wire). */
export function formatCapacity(capacity: number | null): string {
  return capacity === null ? '∞' : String(capacity);
}

/**
 * The first frame of a stack as `function (file:line)`, for the table: V8's `at f (url:1:2)`
 * and Firefox's `f@url:1:2` are understood; anything else is shown as it is.
 */
export function whereOf(stack: string | undefined): string | undefined {
  const line = stack
    ?.split('\n')
    .map((frame) => frame.trim())
    .find((frame) => frame !== '');
  if (line === undefined) return undefined;
  const match =
    /^at (?:(?<fn>.+?) \()?(?<url>.+?):(?<line>\d+):\d+\)?$/.exec(line) ??
    /^(?<fn>[^@]*)@(?<url>.+?):(?<line>\d+):\d+$/.exec(line);
  if (match?.groups === undefined) return line;
  const { fn, url = '', line: lineNumber } = match.groups;
  const file = url.replace(/[?#].*$/, '').replace(/^.*\//, '') || url;
  return fn ? `${fn} (${file}:${lineNumber})` : `${file}:${lineNumber}`;
}

/** The frame a row belongs to, for the Frame column: `top`, or the last part of the frame's path (or its host). */
export function frameLabel(frame: FrameInfo): string {
  if (frame.frameId === 0) return 'top';
  try {
    const url = new URL(frame.url);
    return (
      url.pathname
        .split('/')
        .filter((part) => part !== '')
        .at(-1) ?? url.host
    );
  } catch {
    return `frame ${frame.frameId}`;
  }
}

/** Each frame's label by document id; frames that would share one get their frame id added. */
export function frameLabels(data: PanelData): Map<string, string> {
  const states = [...data.frames.values()];
  const counts = new Map<string, number>();
  for (const { frame } of states) counts.set(frameLabel(frame), (counts.get(frameLabel(frame)) ?? 0) + 1);
  return new Map(
    states.map(({ frame }) => {
      const label = frameLabel(frame);
      return [frame.documentId, (counts.get(label) ?? 0) > 1 ? `${label} (${frame.frameId})` : label];
    }),
  );
}

/**
 * The `points` of a sparkline polyline `width`×`height` for `values` on a scale of 0..`max`
 * (a flat line for a single value).
 */
export function sparklinePoints(values: readonly number[], max: number, width: number, height: number): string {
  const series = values.length === 1 ? [values[0] ?? 0, values[0] ?? 0] : values;
  const scale = max > 0 ? max : 1;
  const step = series.length > 1 ? width / (series.length - 1) : 0;
  return series
    .map((value, i) => {
      const y = height - 1 - (Math.min(value, scale) / scale) * (height - 2);
      return `${round(i * step)},${round(y)}`;
    })
    .join(' ');
}

const round = (n: number) => Math.round(n * 10) / 10;

// ── DOM helpers ─────────────────────────────────────────────────────────────────────────────

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text; // untrusted text stays text
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';

// ── layout of expanded rows ─────────────────────────────────────────────────────────────────

const lineCount = (text: string | undefined) => (text === undefined || text === '' ? 0 : text.split('\n').length);

/** Lines of a row's details: creation site, frame, then each waiter with its stack. */
function detailLines(row: ChannelRow): number {
  const { channel } = row;
  let lines = Math.max(1, lineCount(channel.createdAt)) + 1; // created at, frame
  const waiters = [...channel.pushers, ...channel.pullers];
  if (waiters.length === 0) lines += 1; // "no parked operations"
  for (const waiter of waiters) lines += 1 + lineCount(waiter.stack);
  return lines;
}

/** Height of a row in px: a line, plus its details box when expanded. */
export function rowHeight(row: ChannelRow, expanded: boolean): number {
  if (!expanded) return ROW_HEIGHT;
  return ROW_HEIGHT + Math.min(DETAILS_MAX_HEIGHT, DETAILS_PADDING + detailLines(row) * LINE_HEIGHT);
}

// ── the render function ─────────────────────────────────────────────────────────────────────

/**
 * The last rows computed, reused while data, filter, threshold, sort and time are the same —
 * a repaint for scrolling or expanding a row then skips filtering and sorting 10k rows. Caching
 * by identity keeps `render` a function of its input.
 */
let cached:
  | { data: PanelData; filter: string; thresholdMs: number; sort: SortKey; now: number; rows: ChannelRow[] }
  | undefined;

function cachedRowsOf(data: PanelData, view: ViewState, now: number): ChannelRow[] {
  const { filter, thresholdMs, sort } = view;
  if (
    cached === undefined ||
    cached.data !== data ||
    cached.filter !== filter ||
    cached.thresholdMs !== thresholdMs ||
    cached.sort !== sort ||
    cached.now !== now
  ) {
    cached = { data, filter, thresholdMs, sort, now, rows: rowsOf(data, view, now) };
  }
  return cached.rows;
}

/** Renders the panel's dynamic parts for `input`, with nodes of `doc`. */
export function render(input: RenderInput, doc: Document): RenderOutput {
  const { data, view, now, connection } = input;
  const rows = cachedRowsOf(data, view, now);
  const total = channelCount(data);
  return {
    status: statusLine(data, rows, total, connection, view),
    notices: notices(doc, data, view, now),
    content: content(doc, input, rows, total),
    rows,
  };
}

function statusLine(
  data: PanelData,
  rows: readonly ChannelRow[],
  total: number,
  connection: Connection,
  view: ViewState,
): string {
  const parts: string[] = [];
  if (data.frames.size > 0) {
    parts.push(`${total} channel${total === 1 ? '' : 's'}`);
    const stuck = rows.filter((row) => row.stuck).length;
    if (stuck > 0) parts.push(`${stuck} stuck`);
    const waiting = rows.reduce((sum, row) => sum + row.waiters, 0);
    if (waiting > 0) parts.push(`${waiting} waiting`);
    if (data.frames.size > 1) parts.push(`${data.frames.size} frames`);
    if (view.filter.trim() !== '') parts.push(`${rows.length} shown`);
  }
  if (connection === 'reconnecting' || connection === 'connecting') parts.push(`${connection}…`);
  if (view.paused) parts.push('paused');
  return parts.join(' · ');
}

function notices(doc: Document, data: PanelData, view: ViewState, now: number): HTMLElement {
  const box = el(doc, 'div', 'notices');
  const add = (kind: string, text: string) => box.append(el(doc, 'div', `notice notice-${kind}`, text));
  const multiFrame = data.frames.size > 1;
  if (view.paused) {
    add('paused', `Paused — showing the channels as of ${new Date(now).toLocaleTimeString()}. Resume to catch up.`);
  }
  for (const state of data.frames.values()) {
    const truncated = state.snapshot.truncated;
    if (truncated === undefined) continue;
    const from = multiFrame ? ` (frame ${frameLabel(state.frame)})` : '';
    add(
      'truncated',
      `The page left ${truncated.channels} channel${truncated.channels === 1 ? '' : 's'} and ` +
        `${truncated.waiters} waiter${truncated.waiters === 1 ? '' : 's'} out of its snapshot${from}: it lists at most ` +
        `${LIMITS.channels} channels and ${LIMITS.waiters} waiters per queue, longest waiting first.`,
    );
  }
  for (const notice of data.notices) add(notice.reason, noticeText(notice));
  return box;
}

function noticeText(notice: Notice): string {
  const from = notice.frame.frameId === 0 ? 'the page' : `frame ${frameLabel(notice.frame)}`;
  const times = notice.count === 1 ? '' : ` (${notice.count} times)`;
  if (notice.reason === 'oversized') {
    const size = notice.chars === undefined ? '' : ` of ${formatSize(notice.chars)}`;
    return `Refused a snapshot${size} from ${from}${times}: the limit is ${formatSize(MAX_MESSAGE_CHARS)}.`;
  }
  return `Ignored a malformed chanasync message from ${from}${times}.`;
}

function content(doc: Document, input: RenderInput, rows: readonly ChannelRow[], total: number): HTMLElement {
  const { data, view, connection } = input;
  if (connection === 'no-tab') {
    return emptyState(doc, 'No tab to inspect', [
      el(doc, 'p', undefined, 'Open this panel from DevTools, or add ?tabId=N to its address.'),
    ]);
  }
  if (data.frames.size === 0) {
    if (data.debugSeen) {
      return emptyState(doc, 'Waiting for a snapshot…', [
        el(doc, 'p', undefined, 'chanasync debug mode is on in this page; its channels appear with its next snapshot.'),
      ]);
    }
    const code = el(doc, 'pre', 'snippet', ENABLE_SNIPPET);
    return emptyState(doc, 'No chanasync debug mode on this page', [
      el(doc, 'p', undefined, 'This panel shows the channels of a page that turned on chanasync’s debug mode.'),
      el(doc, 'p', undefined, 'Enable it before creating the channels you want to see:'),
      code,
      el(
        doc,
        'p',
        'hint',
        'stacks: true records where each channel was created and where each operation waits. ' +
          'Snapshots appear here as soon as the page posts one.',
      ),
    ]);
  }
  if (total === 0) {
    return emptyState(doc, 'No channels yet', [
      el(doc, 'p', undefined, 'Debug mode is on. Channels created after enableDebug() appear here.'),
    ]);
  }
  if (rows.length === 0) {
    return emptyState(doc, `No channel matches “${view.filter.trim()}”`, [
      el(doc, 'p', undefined, 'Clear the filter to see all channels.'),
    ]);
  }
  return table(doc, input, rows);
}

function emptyState(doc: Document, title: string, body: readonly Node[]): HTMLElement {
  const box = el(doc, 'div', 'empty');
  box.append(el(doc, 'h2', undefined, title), ...body);
  return box;
}

function table(doc: Document, input: RenderInput, rows: readonly ChannelRow[]): HTMLElement {
  const { data, view, now } = input;
  const multiFrame = data.frames.size > 1;
  const columns = COLUMNS.filter((column) => column.id !== 'frame' || multiFrame);
  const table = el(doc, 'div', multiFrame ? 'table multi-frame' : 'table');
  table.setAttribute('role', 'table');
  table.setAttribute('aria-rowcount', String(rows.length));

  const head = el(doc, 'div', 'thead');
  head.setAttribute('role', 'row');
  for (const column of columns) {
    const sortable = column.sort !== undefined;
    const cell = el(doc, sortable ? 'button' : 'div', `th col-${column.id}`, column.title);
    cell.setAttribute('role', 'columnheader');
    if (column.hint !== undefined) cell.title = column.hint;
    if (sortable) {
      cell.dataset.sort = column.sort;
      const active = view.sort === column.sort;
      cell.setAttribute('aria-sort', active ? (column.sort === 'name' ? 'ascending' : 'descending') : 'none');
      if (active) cell.classList.add('sorted');
    }
    head.append(cell);
  }

  // Virtualization: walk the rows' offsets, build only those that intersect the view.
  const labels = multiFrame ? frameLabels(data) : undefined;
  const body = el(doc, 'div', 'tbody');
  const top = view.scrollTop - OVERSCAN;
  const bottom = view.scrollTop + view.viewportHeight + OVERSCAN;
  let offset = 0;
  rows.forEach((row, index) => {
    const expanded = view.expanded.has(row.key);
    const height = rowHeight(row, expanded);
    if (offset + height > top && offset < bottom) {
      body.append(rowElement(doc, row, index, offset, expanded, labels, data, now));
    }
    offset += height;
  });
  body.style.height = `${offset}px`;
  table.append(head, body);
  return table;
}

function rowElement(
  doc: Document,
  row: ChannelRow,
  index: number,
  offset: number,
  expanded: boolean,
  frameLabels: ReadonlyMap<string, string> | undefined,
  data: PanelData,
  now: number,
): HTMLElement {
  const { channel } = row;
  const classes = ['row'];
  if (row.stuck) classes.push('stuck');
  if (channel.closed) classes.push('closed');
  if (expanded) classes.push('expanded');
  if (index % 2 === 1) classes.push('odd');
  const element = el(doc, 'div', classes.join(' '));
  element.setAttribute('role', 'row');
  element.setAttribute('aria-rowindex', String(index + 1));
  element.dataset.key = row.key;
  element.style.top = `${offset}px`;

  const line = el(doc, 'div', 'line');
  const caret = el(doc, 'button', 'caret');
  caret.dataset.key = row.key;
  caret.setAttribute('aria-expanded', String(expanded));
  caret.setAttribute('aria-label', `${expanded ? 'Collapse' : 'Expand'} ${row.label}`);
  line.append(cell(doc, 'caret', caret));

  const name = cell(doc, 'name');
  name.append(el(doc, 'span', channel.name === '' ? 'name-text unnamed' : 'name-text', row.label));
  name.title = channel.name === '' ? `Unnamed channel #${channel.id}` : `${channel.name} (#${channel.id})`;
  if (row.stuck) name.append(el(doc, 'span', 'badge badge-stuck', 'stuck'));
  if (channel.closed) name.append(el(doc, 'span', 'badge badge-closed', 'closed'));
  line.append(name);

  if (frameLabels !== undefined) {
    const frame = cell(doc, 'frame', undefined, frameLabels.get(row.frame.documentId) ?? frameLabel(row.frame));
    frame.title = row.frame.url;
    line.append(frame);
  }

  const capacity = cell(doc, 'capacity num', undefined, formatCapacity(channel.capacity));
  if (channel.capacity === 0) capacity.title = 'Unbuffered: every push waits for a pull';
  if (channel.capacity === null) capacity.title = 'Unbounded';
  line.append(
    capacity,
    occupancyCell(doc, row),
    trendCell(doc, row),
    cell(doc, 'overflow', undefined, channel.overflow),
  );
  line.append(
    waitersCell(doc, 'pushers', channel.pushers.length, row.pushersAge),
    waitersCell(doc, 'pullers', channel.pullers.length, row.pullersAge),
  );

  const wait = cell(doc, 'wait num', undefined, row.age === undefined ? '–' : formatAge(row.age));
  if (row.age === undefined) wait.classList.add('muted');
  line.append(wait);

  const where = whereOf(row.oldest?.stack);
  const whereCell = cell(doc, 'where mono', undefined, where ?? (row.oldest === undefined ? '' : '—'));
  whereCell.title =
    row.oldest?.stack ?? (row.oldest === undefined ? '' : 'Enable debug mode with stacks: true to see where');
  line.append(whereCell);

  element.append(line);
  if (expanded) element.append(details(doc, row, data, now));
  return element;
}

function cell(doc: Document, id: string, child?: Node, text?: string): HTMLElement {
  const node = el(doc, 'div', `cell col-${id}`, text);
  node.setAttribute('role', 'cell');
  if (child !== undefined) node.append(child);
  return node;
}

function occupancyCell(doc: Document, row: ChannelRow): HTMLElement {
  const { capacity, size } = row.channel;
  const node = cell(doc, 'occupancy');
  if (capacity === 0) {
    node.append(el(doc, 'span', 'muted', 'unbuffered'));
    return node;
  }
  const bar = el(doc, 'div', capacity === null ? 'bar unbounded' : 'bar');
  bar.setAttribute('role', 'meter');
  bar.setAttribute('aria-valuenow', String(size));
  bar.setAttribute('aria-valuemin', '0');
  if (capacity !== null) bar.setAttribute('aria-valuemax', String(capacity));
  if (row.occupancy !== undefined) {
    // A full buffer is a warning only where it blocks pushes; the drop modes never block.
    const blocks = row.channel.overflow === 'block';
    const level = !blocks ? '' : row.occupancy >= 1 ? ' full' : row.occupancy >= 0.75 ? ' high' : '';
    const fill = el(doc, 'div', `fill${level}`);
    fill.style.width = `${round(row.occupancy * 100)}%`;
    bar.append(fill);
  }
  node.append(bar, el(doc, 'span', 'occupancy-text num', `${size} / ${formatCapacity(capacity)}`));
  return node;
}

function trendCell(doc: Document, row: ChannelRow): HTMLElement {
  const node = cell(doc, 'trend');
  const width = 64;
  const height = 16;
  const { capacity } = row.channel;
  const max = capacity !== null && capacity > 0 ? capacity : Math.max(1, ...row.history);
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('aria-label', `Buffered values over the last ${row.history.length} snapshots`);
  const points = sparklinePoints(row.history, max, width, height);
  const area = doc.createElementNS(SVG, 'polygon');
  area.setAttribute('class', 'spark-area');
  area.setAttribute('points', `0,${height} ${points} ${width},${height}`);
  const stroke = doc.createElementNS(SVG, 'polyline');
  stroke.setAttribute('class', 'spark-line');
  stroke.setAttribute('points', points);
  svg.append(area, stroke);
  node.append(svg);
  return node;
}

function waitersCell(doc: Document, id: string, count: number, age: number | undefined): HTMLElement {
  const node = cell(doc, `${id} num`);
  if (count === 0) {
    node.append(el(doc, 'span', 'muted', '–'));
    return node;
  }
  node.append(el(doc, 'span', 'count', count >= LIMITS.waiters ? `${count}+` : String(count)));
  if (age !== undefined) node.append(el(doc, 'span', 'age', ` · ${formatAge(age)}`));
  return node;
}

function details(doc: Document, row: ChannelRow, data: PanelData, now: number): HTMLElement {
  const { channel } = row;
  const box = el(doc, 'div', 'details');
  box.style.height = `${rowHeight(row, true) - ROW_HEIGHT}px`;
  const grid = el(doc, 'dl', 'details-grid');

  grid.append(el(doc, 'dt', undefined, 'Created at'));
  grid.append(
    channel.createdAt === undefined || channel.createdAt === ''
      ? el(doc, 'dd', 'muted', 'unknown — enable debug mode with stacks: true to record it')
      : el(doc, 'dd', 'stack', channel.createdAt),
  );
  grid.append(el(doc, 'dt', undefined, 'Frame'));
  grid.append(
    el(
      doc,
      'dd',
      undefined,
      `${row.frame.frameId === 0 ? 'top frame' : `frame ${row.frame.frameId}`} · ${row.frame.url}`,
    ),
  );

  const state = data.frames.get(row.frame.documentId) as FrameState;
  const waiters = [
    ...channel.pushers.map((waiter) => ({ waiter, queue: 'push' })),
    ...channel.pullers.map((waiter) => ({ waiter, queue: 'pull' })),
  ].sort((a, b) => a.waiter.since - b.waiter.since);
  grid.append(el(doc, 'dt', undefined, 'Parked'));
  if (waiters.length === 0) {
    grid.append(el(doc, 'dd', 'muted', 'no parked operations'));
  } else {
    const list = el(doc, 'ol', 'waiters');
    for (const { waiter, queue } of waiters) {
      const item = el(doc, 'li', 'waiter');
      const head = el(doc, 'div', 'waiter-head');
      head.append(
        el(doc, 'span', `kind kind-${waiter.kind}`, waiter.kind === 'select' ? `select (${queue})` : waiter.kind),
        el(doc, 'span', 'age', `waiting ${formatAge(waiterAge(waiter, state, now))}`),
      );
      item.append(head);
      if (waiter.stack !== undefined && waiter.stack !== '') item.append(el(doc, 'div', 'stack', waiter.stack));
      list.append(item);
    }
    const dd = el(doc, 'dd');
    dd.append(list);
    grid.append(dd);
  }
  box.append(grid);
  return box;
}
