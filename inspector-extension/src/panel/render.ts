/**
 * The panel's view: turns what the panel knows (`PanelData`), what the user chose
 * (`ViewState`) and the time into DOM, and keeps that DOM up to date **in place**. No extension
 * API, so it is tested in happy-dom; `index.ts` gives it the page's containers.
 *
 * Everything shown comes from the page and is untrusted: it only ever reaches the DOM as text
 * (`textContent`, `Text` nodes, attribute values), never as markup; names sit in `<bdi>` so
 * that right-to-left text cannot reorder what is around it.
 *
 * Updating in place. The 500 ms repaint that ages waits must not rebuild anything: a rebuilt
 * node loses the user's text selection (a stack being copied) and costs layout. So each built
 * row remembers a signature of everything it shows except ages (the version of its data, its
 * state, whether it is expanded, its stripe, its frame label); a repaint with the same
 * signature only moves the row if its offset changed and rewrites the `data` of its age `Text`
 * nodes — which keeps a selection. Rows are recomputed (filtered, ranked) only when the data,
 * filter, threshold or sort changed, or when a wait crossed the threshold (`Rows.validUntil`);
 * a tick in between costs a few text updates of the rows in view, however many frames report.
 *
 * The table is virtualized: its body has the full height of every row, but only the rows in
 * view (plus a margin) are built, absolutely positioned. A collapsed row is {@link ROW_HEIGHT}
 * tall; an expanded one adds a details box whose height is computed from its line count, so
 * every row's offset is known without measuring the DOM.
 */
import { formatAge } from '../../../src/debug/warn.js';
import { LIMITS } from '../../../src/protocol.js';
import { type FrameInfo, MAX_MESSAGE_CHARS } from '../messages.js';
import {
  ageAt,
  type ChannelInfo,
  type ContextInfo,
  channelCount,
  MAX_CHANNELS,
  MAX_LEAKS,
  type Notice,
  type PanelData,
  queued,
  type Row,
  type RowState,
  type Rows,
  rowsOf,
  type SortKey,
  type ViewState,
  type Waiting,
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
  /**
   * Whether locations can be opened in the Sources panel (`devtools.panels.openResource`
   * exists: Chrome's DevTools; Firefox declares it unsupported). Without it, stacks are text.
   */
  readonly canOpenResources?: boolean;
}

interface Column {
  readonly id: string;
  readonly title: string;
  readonly sort?: SortKey;
  /** Tooltip of the header. */
  readonly hint?: string;
}

/**
 * The columns, in order. In a narrow panel (docked DevTools) CSS hides all but caret, name,
 * state, waiting and parked-at; what they show is repeated in the expanded row.
 */
const COLUMNS: readonly Column[] = [
  { id: 'caret', title: '' },
  { id: 'name', title: 'Channel', sort: 'name' },
  { id: 'state', title: 'State', hint: 'leaked, stuck, waiting for input, waiting or idle — ranked in that order' },
  { id: 'frame', title: 'Frame', hint: 'The frame (and origin) or Worker the channel lives in' },
  { id: 'capacity', title: 'Capacity' },
  { id: 'occupancy', title: 'Occupancy', sort: 'occupancy', hint: 'Buffered values / capacity' },
  { id: 'trend', title: 'Trend', hint: 'Buffered values over the recent snapshots' },
  { id: 'overflow', title: 'Overflow' },
  { id: 'pushers', title: 'Pushers', sort: 'pushers', hint: 'Parked pushes · how long the oldest has waited' },
  { id: 'pullers', title: 'Pullers', sort: 'pullers', hint: 'Parked pulls · how long the oldest has waited' },
  { id: 'wait', title: 'Waiting', sort: 'age', hint: 'How long the oldest parked operation has waited' },
  { id: 'where', title: 'Parked at', hint: 'Where the oldest parked operation waits (needs stacks: true)' },
];

/** The code that turns debug mode on, as the empty state shows it. */
export const ENABLE_SNIPPET = "import { enableDebug } from 'chanasync/debug';\nenableDebug({ stacks: true });";

/** What the State column says for each state. */
const STATE_TEXT: Record<RowState, string> = {
  leaked: 'leaked',
  stuck: 'stuck',
  input: 'waiting for input',
  waiting: 'waiting',
  idle: 'idle',
};

// ── formatting ──────────────────────────────────────────────────────────────────────────────

/**
 * A duration for humans, in full (`820 ms`, `12.3 s`, `5 min 3 s`, `2 h 10 min`): the function
 * debug mode's leak warnings write ages with, so both say the same.
 */
export { formatAge };

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

/** A stack frame's parts: V8's `at f (url:1:2)` and Firefox's `f@url:1:2`. */
export interface StackLocation {
  readonly fn: string | undefined;
  readonly url: string;
  /** 1-based, as stacks print them. */
  readonly line: number;
  readonly column: number;
}

/** The location in one stack line, if it has one. */
export function locationOf(frame: string): StackLocation | undefined {
  const text = frame.trim();
  const match =
    /^at (?:(?<fn>.+?) \()?(?<url>.+?):(?<line>\d+):(?<column>\d+)\)?$/.exec(text) ??
    /^(?<fn>[^@]*)@(?<url>.+?):(?<line>\d+):(?<column>\d+)$/.exec(text);
  if (match?.groups === undefined) return undefined;
  const { fn, url = '', line = '0', column = '0' } = match.groups;
  return { fn: fn === '' ? undefined : fn, url, line: Number(line), column: Number(column) };
}

/** The first non-empty line of a stack. */
const firstFrame = (stack: string | undefined) =>
  stack
    ?.split('\n')
    .map((frame) => frame.trim())
    .find((frame) => frame !== '');

/**
 * The first frame of a stack as `function (file:line)`, for the table: V8's `at f (url:1:2)`
 * and Firefox's `f@url:1:2` are understood; anything else is shown as it is.
 */
export function whereOf(stack: string | undefined): string | undefined {
  const line = firstFrame(stack);
  if (line === undefined) return undefined;
  const location = locationOf(line);
  if (location === undefined) return line;
  const { fn, url, line: lineNumber } = location;
  const file = url.replace(/[?#].*$/, '').replace(/^.*\//, '') || url;
  return fn ? `${fn} (${file}:${lineNumber})` : `${file}:${lineNumber}`;
}

/**
 * Whether `url` may be opened in the Sources panel: an http(s) URL of one of `origins` (the
 * inspected page's frames). Anything else a page wrote into a stack is only text.
 */
export function isOpenable(url: string, origins: ReadonlySet<string>): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && origins.has(parsed.origin);
  } catch {
    return false;
  }
}

function host(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

function lastPart(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return (
      parsed.pathname
        .split('/')
        .filter((part) => part !== '')
        .at(-1) ??
      (parsed.host || undefined)
    );
  } catch {
    return undefined;
  }
}

/**
 * The frame a row belongs to, for the Frame column: `top` for the top frame, and only for it;
 * otherwise the last part of the frame's path, after its host when its origin is not the top
 * frame's (`ads.example › top` can never pass for the top frame). A Worker adds `› worker x.js`.
 */
export function frameLabel(frame: FrameInfo, context: ContextInfo = { kind: 'page' }, topOrigin?: string): string {
  let label: string;
  if (frame.frameId === 0) {
    label = 'top';
  } else {
    const part = lastPart(frame.url) ?? `frame ${frame.frameId}`;
    const crossOrigin = topOrigin !== undefined && frame.origin !== topOrigin;
    label = crossOrigin ? `${host(frame.url) ?? frame.origin} › ${part}` : part;
    if (label === 'top') label = `frame ${frame.frameId} › top`;
  }
  if (context.kind === 'worker') label += ` › worker ${workerPart(context.url ?? '')}`.trimEnd();
  return label;
}

/** The top frame's origin, if the top frame reported. */
function topOriginOf(data: PanelData): string | undefined {
  for (const state of data.frames.values()) if (state.frame.frameId === 0) return state.frame.origin;
  return undefined;
}

/** Each context's label by frame key; contexts that would share one get their frame id added. */
export function frameLabels(data: PanelData): Map<string, string> {
  const topOrigin = topOriginOf(data);
  const entries: [string, FrameInfo, ContextInfo][] = [
    ...[...data.frames.values()].map(
      (state) => [state.key, state.frame, state.context] as [string, FrameInfo, ContextInfo],
    ),
    ...data.leaks.map((leak) => [leak.frameKey, leak.frame, leak.context] as [string, FrameInfo, ContextInfo]),
  ];
  const labels = new Map<string, string>();
  const counts = new Map<string, Set<string>>();
  for (const [key, frame, context] of entries) {
    const label = frameLabel(frame, context, topOrigin);
    labels.set(key, label);
    counts.set(label, (counts.get(label) ?? new Set()).add(frame.documentId));
  }
  for (const [key, frame] of entries) {
    const label = labels.get(key) as string;
    if ((counts.get(label)?.size ?? 0) > 1) labels.set(key, `${label} (${frame.frameId})`);
  }
  return labels;
}

/**
 * What names a Worker: the last part of its URL's path with the fragment that a page adds to
 * keep Workers of one script apart (`relayDebug(worker, { url: `${script}#2` })`), or the `url`
 * itself when it is no URL (`relayDebug(worker, { url: 'resizer 2' })`). Not the query: a dev
 * server's (`?worker_file&type=module`) would only add noise.
 */
function workerPart(url: string): string {
  try {
    return `${lastPart(url) ?? ''}${new URL(url).hash}`;
  } catch {
    return url;
  }
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

/** An age shown somewhere in a row, rewritten in place by every repaint. */
interface Tick {
  readonly node: Text;
  /** When the wait began (extension clock). */
  readonly since: number;
  readonly prefix: string;
}

/** What a row's builder needs besides the row. */
interface RowContext {
  readonly doc: Document;
  readonly now: number;
  readonly frameLabel: string;
  /** Whether the table has a Frame column (more than one context reports). */
  readonly multiFrame: boolean;
  /** Origins whose http(s) URLs may open in the Sources panel. */
  readonly origins: ReadonlySet<string>;
  readonly ticks: Tick[];
}

function tick(context: RowContext, since: number, prefix = ''): Text {
  const node = context.doc.createTextNode(prefix + formatAge(ageAt(since, context.now)));
  context.ticks.push({ node, since, prefix });
  return node;
}

// ── details of an expanded row: a list of entries, counted in lines before it is built ─────

interface DetailEntry {
  readonly term: string;
  readonly items: readonly DetailItem[];
}

type DetailItem =
  /** Plain text (one line unless it has line breaks). */
  | { readonly type: 'text'; readonly text: string; readonly muted?: boolean }
  /** A stack: one line per frame, locations openable where allowed. */
  | { readonly type: 'stack'; readonly stack: string }
  /** A parked operation: a head line with kind and age, then its stack. */
  | {
      readonly type: 'waiter';
      readonly label: string;
      readonly kindClass: string;
      readonly since: number;
      readonly stack?: string;
    };

const lineCount = (text: string | undefined) => (text === undefined || text === '' ? 0 : text.split('\n').length);

function itemLines(item: DetailItem): number {
  if (item.type === 'text') return Math.max(1, lineCount(item.text));
  if (item.type === 'stack') return Math.max(1, lineCount(item.stack));
  return 1 + lineCount(item.stack);
}

const NO_STACKS = 'unknown — enable debug mode with stacks: true to record it';

function stackItem(stack: string | undefined): DetailItem {
  return stack === undefined || stack === ''
    ? { type: 'text', text: NO_STACKS, muted: true }
    : { type: 'stack', stack };
}

function frameText(row: Row, label: string): string {
  const where = row.frame.frameId === 0 ? 'top frame' : `frame ${row.frame.frameId}`;
  const worker = row.context.kind === 'worker' ? ` · worker ${row.context.url ?? ''}` : '';
  return `${label} — ${where} · origin ${row.frame.origin} · ${row.frame.url}${worker}`;
}

function waitersItems(row: Row, waiters: readonly Waiting[]): DetailItem[] {
  return [...waiters]
    .sort((a, b) => b.ageAtSnapshot - a.ageAtSnapshot)
    .map((waiter) => ({
      type: 'waiter',
      label: waiter.kind === 'select' ? `select (${waiter.queue})` : waiter.kind,
      kindClass: `kind kind-${waiter.kind}`,
      since: row.receivedAt - waiter.ageAtSnapshot,
      ...(waiter.stack === undefined || waiter.stack === '' ? {} : { stack: waiter.stack }),
    }));
}

/** A channel as an expanded leak row names it. */
function channelText({ id, name }: { readonly id: number; readonly name: string }): string {
  return name === '' ? `channel #${id}` : `channel "${name}" (#${id})`;
}

/** What an expanded row shows, entry by entry. */
function detailEntries(row: Row, label: string): DetailEntry[] {
  const entries: DetailEntry[] = [];
  if (row.kind === 'leak' && row.leak !== undefined) {
    const { leak } = row;
    entries.push({
      term: 'Leaked',
      items: [
        {
          type: 'text',
          text:
            leak.cases !== undefined && leak.cases.length > 1
              ? `a select parked on ${leak.cases.map(({ kind, channel }) => `${kind} ${channelText(channel)}`).join(', ')}, which were garbage-collected: it can never complete`
              : `a ${leak.kind} parked on ${channelText(leak.channel)}, which was garbage-collected: it can never complete`,
        },
      ],
    });
    entries.push({ term: 'Parked at', items: [stackItem(leak.stack)] });
    entries.push({ term: 'Created at', items: [stackItem(leak.channel.createdAt)] });
    entries.push({ term: 'Frame', items: [{ type: 'text', text: frameText(row, label) }] });
    return entries;
  }
  if (row.kind === 'select' && row.cases !== undefined) {
    // "(input)" marks the cases on an input channel — what explains the select — not every case
    // of an explained select (each of which the page marks `input`). An input channel the page
    // does not list (created before enableDebug) is said once.
    const items: DetailItem[] = row.cases.map(({ channel, waiter }) => ({
      type: 'text',
      text: `${waiter.queue} ${channel.name === '' ? `#${channel.id}` : channel.name}${channel.input ? ' (input)' : ''}`,
    }));
    if (row.state === 'input' && !row.cases.some(({ channel }) => channel.input)) {
      items.push({ type: 'text', text: 'and a case on an input channel that is not listed' });
    }
    entries.push({ term: 'Select', items });
    entries.push({ term: 'Parked at', items: [stackItem(row.oldest?.stack)] });
    entries.push({ term: 'Frame', items: [{ type: 'text', text: frameText(row, label) }] });
    return entries;
  }
  const channel = row.channel;
  if (channel === undefined) return entries;
  const parts = [
    `capacity ${formatCapacity(channel.capacity)}`,
    `${channel.size} buffered`,
    channel.overflow,
    parkedText(channel, 'pushers', 'push', 'es'),
    parkedText(channel, 'pullers', 'pull', 's'),
  ];
  if (channel.closed) parts.push('closed');
  if (channel.input) parts.push('input (waits on it are expected)');
  entries.push({ term: 'Channel', items: [{ type: 'text', text: parts.join(' · ') }] });
  entries.push({ term: 'Created at', items: [stackItem(channel.createdAt)] });
  entries.push({ term: 'Frame', items: [{ type: 'text', text: frameText(row, label) }] });
  const waiters = [...channel.pushers, ...channel.pullers];
  entries.push({
    term: 'Parked',
    items:
      waiters.length === 0 ? [{ type: 'text', text: 'no parked operations', muted: true }] : waitersItems(row, waiters),
  });
  return entries;
}

/**
 * `channel`'s parked operations of one queue, for the details: "3 parked pulls"; with how many
 * are listed when the page cut the list ("10 000 parked pulls (1 listed)").
 */
function parkedText(channel: ChannelInfo, queue: 'pushers' | 'pullers', noun: string, plural: string): string {
  const count = queued(channel, queue);
  const listed = channel[queue].length;
  const text = `${count} parked ${noun}${count === 1 ? '' : plural}`;
  return listed === count ? text : `${text} (${listed} listed)`;
}

function detailHeight(entries: readonly DetailEntry[]): number {
  let lines = 0;
  for (const entry of entries)
    lines += Math.max(
      1,
      entry.items.reduce((sum, item) => sum + itemLines(item), 0),
    );
  return Math.min(DETAILS_MAX_HEIGHT, DETAILS_PADDING + lines * LINE_HEIGHT);
}

/** Height of a row in px: a line, plus its details box when expanded. */
export function rowHeight(row: Row, expanded: boolean, label = ''): number {
  return expanded ? ROW_HEIGHT + detailHeight(detailEntries(row, label)) : ROW_HEIGHT;
}

/** A stack, one block per frame; frames at openable locations carry `data-url`/`data-line`. */
function stackNode(context: RowContext, stack: string, className: string): HTMLElement {
  const box = el(context.doc, 'div', className);
  for (const line of stack.split('\n')) {
    const location = locationOf(line);
    const node = el(context.doc, 'div', 'frame-line', line === '' ? ' ' : line);
    if (location !== undefined && isOpenable(location.url, context.origins)) markOpenable(node, location);
    box.append(node);
  }
  return box;
}

function markOpenable(node: HTMLElement, location: StackLocation): void {
  node.classList.add('loc');
  node.dataset.url = location.url;
  node.dataset.line = String(location.line);
  node.dataset.column = String(location.column);
  node.title = `Open ${location.url}:${location.line} in the Sources panel`;
}

function details(context: RowContext, row: Row, entries: readonly DetailEntry[]): HTMLElement {
  const { doc } = context;
  const box = el(doc, 'div', 'details');
  box.style.height = `${detailHeight(entries)}px`;
  const grid = el(doc, 'dl', 'details-grid');
  for (const entry of entries) {
    grid.append(el(doc, 'dt', undefined, entry.term));
    const dd = el(doc, 'dd');
    const list = entry.items.some((item) => item.type === 'waiter') ? el(doc, 'ol', 'waiters') : undefined;
    for (const item of entry.items) {
      if (item.type === 'text') {
        const line = el(doc, 'div', item.muted ? 'muted' : undefined, item.text);
        line.title = item.text; // cut to one line by CSS
        dd.append(line);
      } else if (item.type === 'stack') dd.append(stackNode(context, item.stack, 'stack'));
      else {
        const li = el(doc, 'li', 'waiter');
        const head = el(doc, 'div', 'waiter-head');
        const age = el(doc, 'span', 'age');
        age.append(tick(context, item.since, 'waiting '));
        head.append(el(doc, 'span', item.kindClass, item.label), age);
        li.append(head);
        if (item.stack !== undefined) li.append(stackNode(context, item.stack, 'stack'));
        list?.append(li);
      }
    }
    if (list !== undefined) dd.append(list);
    if (row.kind === 'leak' && entry.term === 'Leaked') dd.classList.add('leak-text');
    grid.append(dd);
  }
  box.append(grid);
  return box;
}

// ── rows ────────────────────────────────────────────────────────────────────────────────────

function cell(doc: Document, id: string, child?: Node, text?: string): HTMLElement {
  const node = el(doc, 'div', `cell col-${id}`, text);
  node.setAttribute('role', 'cell');
  if (child !== undefined) node.append(child);
  return node;
}

function stateText(row: Row): string {
  if (row.state === 'idle') {
    if (row.channel?.closed) return 'closed';
    if (row.waiters > 0) return 'in a select';
  }
  return STATE_TEXT[row.state];
}

function occupancyCell(doc: Document, row: Row): HTMLElement {
  const node = cell(doc, 'occupancy');
  const channel = row.channel;
  if (channel === undefined) return node;
  const { capacity, size } = channel;
  if (capacity === 0) {
    node.append(el(doc, 'span', 'muted', 'unbuffered'));
    // A relay (a broadcast subscriber, `from`, `merge`) may store a value beyond the capacity
    // for a moment, and it holds up what feeds it until read: shown, not hidden (audit AX-D3).
    if (size > 0) node.append(el(doc, 'span', 'occupancy-text num', ` · holds ${size}`));
    return node;
  }
  const bar = el(doc, 'div', capacity === null ? 'bar unbounded' : 'bar');
  bar.setAttribute('role', 'meter');
  bar.setAttribute('aria-valuenow', String(size));
  bar.setAttribute('aria-valuemin', '0');
  if (capacity !== null) bar.setAttribute('aria-valuemax', String(capacity));
  if (row.occupancy !== undefined) {
    // A full buffer is a warning only where it blocks pushes; the drop modes never block.
    const blocks = channel.overflow === 'block';
    const level = !blocks ? '' : row.occupancy >= 1 ? ' full' : row.occupancy >= 0.75 ? ' high' : '';
    const fill = el(doc, 'div', `fill${level}`);
    fill.style.width = `${round(row.occupancy * 100)}%`;
    bar.append(fill);
  }
  node.append(bar, el(doc, 'span', 'occupancy-text num', `${size} / ${formatCapacity(capacity)}`));
  return node;
}

function trendCell(doc: Document, row: Row): HTMLElement {
  const node = cell(doc, 'trend');
  const channel = row.channel;
  if (channel === undefined) return node;
  const width = 64;
  const height = 16;
  const { capacity } = channel;
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

function waitersCell(context: RowContext, id: 'pushers' | 'pullers', row: Row): HTMLElement {
  const { doc } = context;
  const node = cell(doc, `${id} num`);
  const channel = row.channel;
  const count = channel
    ? queued(channel, id)
    : row.cases
      ? row.cases.filter(({ waiter }) => waiter.queue === (id === 'pushers' ? 'push' : 'pull')).length
      : (id === 'pushers' ? row.pushersSince : row.pullersSince) === undefined
        ? 0
        : 1;
  const since = id === 'pushers' ? row.pushersSince : row.pullersSince;
  if (count === 0) {
    node.append(el(doc, 'span', 'muted', '–'));
    return node;
  }
  // A page that cut the list says how long the queue is (`waiting`); an older page does not, and
  // a full list may then be longer.
  const exact = channel?.waiting !== undefined || count < LIMITS.waiters;
  node.append(el(doc, 'span', 'count', exact ? String(count) : `${count}+`));
  if (since !== undefined) {
    const age = el(doc, 'span', 'age');
    age.append(tick(context, since, ' · '));
    node.append(age);
  }
  return node;
}

/** A row element's classes: its kind, state, and look. */
function rowClasses(row: Row, expanded: boolean, index: number): string {
  const classes = ['row', `kind-${row.kind}`, `state-${row.state}`];
  if (row.state === 'stuck') classes.push('stuck');
  if (row.state === 'leaked') classes.push('leaked');
  if (row.channel?.closed === true) classes.push('closed');
  if (expanded) classes.push('expanded');
  if (index % 2 === 1) classes.push('odd');
  return classes.join(' ');
}

/** The State column's badge. */
function stateBadge(doc: Document, row: Row): HTMLElement {
  const closed = row.channel?.closed === true ? ' state-badge-closed' : '';
  return el(doc, 'span', `state-badge state-badge-${row.state}${closed}`, stateText(row));
}

function rowElement(context: RowContext, row: Row, index: number, offset: number, expanded: boolean): HTMLElement {
  const { doc } = context;
  const element = el(doc, 'div', rowClasses(row, expanded, index));
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
  const unnamed = row.kind === 'channel' && row.channel?.name === '';
  const text = el(doc, 'bdi', unnamed ? 'name-text unnamed' : 'name-text', row.label);
  name.append(text);
  name.title =
    row.kind === 'select'
      ? `A select waiting on ${row.cases?.length ?? 0} cases`
      : row.kind === 'leak'
        ? `${row.label} (#${row.leak?.channel.id}) — garbage-collected`
        : unnamed
          ? `Unnamed channel #${row.channel?.id}`
          : `${row.label} (#${row.channel?.id})`;
  if (row.frame.frameId !== 0 || row.context.kind === 'worker') {
    name.append(el(doc, 'span', 'frame-chip', context.frameLabel));
  }
  line.append(name);

  const state = cell(doc, 'state', stateBadge(doc, row));
  line.append(state);

  if (context.multiFrame) {
    const frame = cell(doc, 'frame', undefined, context.frameLabel);
    // A Worker's row names its script first: the frame's URL alone is the page's (the label
    // shows the script's last part only).
    const page = `${row.frame.url} (origin ${row.frame.origin})`;
    frame.title = row.context.kind === 'worker' ? `Worker ${row.context.url ?? '(no URL)'} in ${page}` : page;
    line.append(frame);
  }

  const capacity = cell(doc, 'capacity num', undefined, row.channel ? formatCapacity(row.channel.capacity) : '');
  if (row.channel?.capacity === 0) capacity.title = 'Unbuffered: every push waits for a pull';
  if (row.channel?.capacity === null) capacity.title = 'Unbounded';
  line.append(
    capacity,
    occupancyCell(doc, row),
    trendCell(doc, row),
    cell(doc, 'overflow', undefined, row.channel?.overflow ?? ''),
    waitersCell(context, 'pushers', row),
    waitersCell(context, 'pullers', row),
  );

  const wait = cell(doc, 'wait num');
  if (row.since === undefined) {
    wait.textContent = '–';
    wait.classList.add('muted');
  } else {
    wait.append(tick(context, row.since));
  }
  line.append(wait);

  const stack = row.oldest?.stack;
  const where = whereOf(stack);
  const whereCell = cell(doc, 'where mono');
  if (where === undefined) {
    whereCell.textContent = row.oldest === undefined ? '' : '—';
    // An empty stack is one taken with stacks on that holds no frame of the application (a
    // stream's pull, a port's sender): not a hint to turn stacks on (audit BF-I1).
    whereCell.title =
      row.oldest === undefined
        ? ''
        : stack === ''
          ? 'No frame of the application: chanasync parked this operation itself (the pull of a stream or of a port’s sender)'
          : 'Enable debug mode with stacks: true to see where';
  } else {
    const span = el(doc, 'span', 'where-text', where);
    const location = locationOf(firstFrame(stack) ?? '');
    if (location !== undefined && isOpenable(location.url, context.origins)) markOpenable(span, location);
    whereCell.append(span);
    whereCell.title = stack ?? '';
  }
  line.append(whereCell);

  element.append(line);
  if (expanded) element.append(details(context, row, detailEntries(row, context.frameLabel)));
  return element;
}

// ── the view ────────────────────────────────────────────────────────────────────────────────

/** A built row and what it was built from. */
interface BuiltRow {
  readonly element: HTMLElement;
  /** Everything the row shows but its ages, state and stripe (those are patched in place). */
  readonly signature: string;
  readonly ticks: readonly Tick[];
  top: number;
  state: RowState;
}

/** The containers the view fills. */
export interface ViewTargets {
  /** One line for the toolbar: counts and the connection. */
  readonly status: HTMLElement;
  /** Banners above the table: paused, truncated snapshots, refused messages. */
  readonly notices: HTMLElement;
  /** The table — header and a body as tall as all rows, with the rows in view — or an empty state. */
  readonly content: HTMLElement;
}

/**
 * The panel's DOM, kept up to date in place by {@link View.update}. One per panel page (and
 * one per render in tests).
 */
export class View {
  /** Every row in display order, built or not, as of the last update. */
  rows: readonly Row[] = [];
  private readonly computed: Partial<
    Record<
      'shown' | 'all',
      { data: PanelData; filter: string; thresholdMs: number; sort: SortKey; at: number; result: Rows }
    >
  > = {};
  /** What `content` shows now: `table`, or an empty state's title. */
  private mode = '';
  private table: { element: HTMLElement; head: HTMLElement; body: HTMLElement; headSignature: string } | undefined;
  private readonly built = new Map<string, BuiltRow>();
  private noticesSignature = '';

  constructor(
    private readonly doc: Document,
    readonly targets: ViewTargets,
  ) {}

  /** Brings the DOM up to date with `input`, touching only what changed. */
  update(input: RenderInput): void {
    const { data, view, now, connection } = input;
    const { rows } = this.rowsAt(data, view, now, 'shown');
    this.rows = rows;
    // The stuck and waiting-for-input counts are the page's, as its channel and leak counts
    // are, whatever the filter shows (audit BN-inspector-1: filtered down to an idle channel,
    // the line said nothing was stuck).
    const counted = view.filter.trim() === '' ? rows : this.rowsAt(data, { ...view, filter: '' }, now, 'all').rows;
    const status = statusLine(data, rows, counted, channelCount(data), connection, view);
    if (this.targets.status.textContent !== status) {
      this.targets.status.textContent = status;
      this.targets.status.title = status; // the whole line, where a narrow panel cuts it short
    }
    this.updateNotices(data, view, now);
    this.updateContent(input, rows);
  }

  /** The rows at `now`, recomputed only when something they depend on changed. */
  private rowsAt(data: PanelData, view: ViewState, now: number, slot: 'shown' | 'all'): Rows {
    const last = this.computed[slot];
    if (
      last !== undefined &&
      last.data === data &&
      last.filter === view.filter &&
      last.thresholdMs === view.thresholdMs &&
      last.sort === view.sort &&
      now >= last.at &&
      now < last.result.validUntil
    ) {
      return last.result;
    }
    const result = rowsOf(data, view, now);
    this.computed[slot] = {
      data,
      filter: view.filter,
      thresholdMs: view.thresholdMs,
      sort: view.sort,
      at: now,
      result,
    };
    return result;
  }

  private updateNotices(data: PanelData, view: ViewState, now: number): void {
    const list = notices(data, view, now);
    const signature = list.map(([kind, text]) => `${kind}\u0000${text}`).join('\u0001');
    if (signature === this.noticesSignature) return;
    this.noticesSignature = signature;
    this.targets.notices.replaceChildren(
      ...list.map(([kind, text]) => el(this.doc, 'div', `notice notice-${kind}`, text)),
    );
  }

  private setContent(mode: string, node: HTMLElement): void {
    this.mode = mode;
    this.table = undefined;
    this.built.clear();
    this.targets.content.replaceChildren(node);
  }

  private updateContent(input: RenderInput, rows: readonly Row[]): void {
    const empty = emptyState(this.doc, input, rows);
    if (empty !== undefined) {
      if (this.mode !== empty.title) this.setContent(empty.title, empty.node);
      return;
    }
    if (this.mode !== 'table' || this.table === undefined) {
      const element = el(this.doc, 'div', 'table');
      element.setAttribute('role', 'table');
      const head = el(this.doc, 'div', 'thead');
      head.setAttribute('role', 'row');
      const body = el(this.doc, 'div', 'tbody');
      element.append(head, body);
      this.setContent('table', element);
      this.table = { element, head, body, headSignature: '' };
    }
    this.updateTable(input, rows, this.table);
  }

  private updateTable(
    input: RenderInput,
    rows: readonly Row[],
    table: { element: HTMLElement; head: HTMLElement; body: HTMLElement; headSignature: string },
  ): void {
    const { data, view, now } = input;
    const labels = frameLabels(data);
    const multiFrame = new Set(labels.values()).size > 1;
    const className = multiFrame ? 'table multi-frame' : 'table';
    if (table.element.className !== className) table.element.className = className;
    table.element.setAttribute('aria-rowcount', String(rows.length));

    const headSignature = `${multiFrame}|${view.sort}`;
    if (table.headSignature !== headSignature) {
      table.headSignature = headSignature;
      const focused = focusedIndex(this.doc, table.head);
      table.head.replaceChildren(...header(this.doc, view, multiFrame));
      refocus(table.head, focused);
    }

    const origins = new Set<string>();
    if (input.canOpenResources === true) {
      for (const state of data.frames.values()) origins.add(state.frame.origin);
      for (const leak of data.leaks) origins.add(leak.frame.origin);
      origins.delete('null');
    }
    const originsSignature = [...origins].sort().join(' ');

    // Virtualization: walk the rows' offsets; build (or reuse) only those that intersect the view.
    const top = view.scrollTop - OVERSCAN;
    const bottom = view.scrollTop + view.viewportHeight + OVERSCAN;
    const wanted: { key: string; row: Row; index: number; offset: number; expanded: boolean; label: string }[] = [];
    let offset = 0;
    rows.forEach((row, index) => {
      const expanded = view.expanded.has(row.key);
      const label = labels.get(row.frameKey) ?? frameLabel(row.frame, row.context);
      const height = rowHeight(row, expanded, label);
      if (offset + height > top && offset < bottom) wanted.push({ key: row.key, row, index, offset, expanded, label });
      offset += height;
    });
    const height = `${offset}px`;
    if (table.body.style.height !== height) table.body.style.height = height;

    // Drop the rows that left the view, then build or refresh the others in order.
    const keep = new Set(wanted.map((entry) => entry.key));
    for (const [key, built] of this.built) {
      if (!keep.has(key)) {
        built.element.remove();
        this.built.delete(key);
      }
    }
    const elements: HTMLElement[] = [];
    for (const { key, row, index, offset: rowTop, expanded, label } of wanted) {
      const signature = `${row.version}|${expanded}|${label}|${multiFrame}|${originsSignature}`;
      const existing = this.built.get(key);
      if (existing !== undefined && existing.signature === signature) {
        // A wait that turned stuck, or a stripe that moved with the ranking: patched, not rebuilt.
        const classes = rowClasses(row, expanded, index);
        if (existing.element.className !== classes) existing.element.className = classes;
        if (existing.state !== row.state) {
          existing.element.querySelector('.col-state')?.replaceChildren(stateBadge(this.doc, row));
          existing.state = row.state;
        }
        if (existing.top !== rowTop) {
          existing.element.style.top = `${rowTop}px`;
          existing.top = rowTop;
        }
        if (existing.element.getAttribute('aria-rowindex') !== String(index + 1)) {
          existing.element.setAttribute('aria-rowindex', String(index + 1));
        }
        for (const { node, since, prefix } of existing.ticks) {
          const text = prefix + formatAge(ageAt(since, now));
          if (node.data !== text) node.data = text;
        }
        elements.push(existing.element);
        continue;
      }
      const ticks: Tick[] = [];
      const element = rowElement(
        { doc: this.doc, now, frameLabel: label, multiFrame, origins, ticks },
        row,
        index,
        rowTop,
        expanded,
      );
      if (existing !== undefined) {
        const focused = focusedIndex(this.doc, existing.element);
        existing.element.replaceWith(element);
        refocus(element, focused);
      }
      this.built.set(key, { element, signature, ticks, top: rowTop, state: row.state });
      elements.push(element);
    }
    // Keep document order = display order (for assistive technology), moving as little as possible.
    let cursor = table.body.firstChild;
    for (const element of elements) {
      if (element === cursor) cursor = cursor.nextSibling;
      else table.body.insertBefore(element, cursor);
    }
  }
}

/** What can hold the keyboard focus in a row or the header. */
const FOCUSABLE = 'button, a[href], input, [tabindex]';

/**
 * Where the focus is in `container` (a row or the header about to be rebuilt), as an index among
 * its focusable elements; -1 when it is elsewhere. The rebuilt one has the same controls in the
 * same order, so {@link refocus} puts the focus back on the control the user was on: a caret
 * pressed with Enter, or one that a new snapshot rebuilt under it, keeps the focus.
 */
function focusedIndex(doc: Document, container: Element): number {
  const active = doc.activeElement;
  if (active === null || !container.contains(active)) return -1;
  return [...container.querySelectorAll(FOCUSABLE)].indexOf(active);
}

function refocus(container: Element, index: number): void {
  if (index >= 0) container.querySelectorAll<HTMLElement>(FOCUSABLE)[index]?.focus({ preventScroll: true });
}

function header(doc: Document, view: ViewState, multiFrame: boolean): HTMLElement[] {
  return COLUMNS.filter((column) => column.id !== 'frame' || multiFrame).map((column) => {
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
    return cell;
  });
}

/** What {@link render} returns: fresh containers filled for one input. */
export interface RenderOutput {
  readonly status: string;
  readonly notices: HTMLElement;
  readonly content: HTMLElement;
  readonly rows: readonly Row[];
}

/** Renders `input` into fresh containers of `doc` (a one-off {@link View}; the panel keeps one). */
export function render(input: RenderInput, doc: Document): RenderOutput {
  const targets = { status: el(doc, 'span'), notices: el(doc, 'div', 'notices'), content: el(doc, 'div', 'content') };
  const view = new View(doc, targets);
  view.update(input);
  return {
    status: targets.status.textContent ?? '',
    notices: targets.notices,
    content: targets.content,
    rows: view.rows,
  };
}

/**
 * The status line: the page's channels, leaks, stuck and waiting-for-input rows (`counted`:
 * every row, whatever the filter), its contexts, and how many rows the filter shows (`rows`).
 */
function statusLine(
  data: PanelData,
  rows: readonly Row[],
  counted: readonly Row[],
  total: number,
  connection: Connection,
  view: ViewState,
): string {
  const parts: string[] = [];
  if (data.frames.size > 0 || data.leaks.length > 0) {
    parts.push(`${total} channel${total === 1 ? '' : 's'}`);
    const count = (state: RowState) => counted.filter((row) => row.state === state).length;
    if (data.leaks.length > 0) parts.push(`${data.leaks.length} leaked`);
    const stuck = count('stuck');
    if (stuck > 0) parts.push(`${stuck} stuck`);
    const input = count('input');
    if (input > 0) parts.push(`${input} waiting for input`);
    // Several contexts: how many of each (a page and the Worker it relays are not two frames).
    const contexts = [...data.frames.values()];
    if (new Set(contexts.map((state) => state.key)).size > 1) {
      const workers = new Set(contexts.filter((state) => state.context.kind === 'worker').map((state) => state.key));
      const frames = new Set(contexts.filter((state) => state.context.kind !== 'worker').map((state) => state.key));
      if (frames.size > 0) parts.push(plural(frames.size, 'frame'));
      if (workers.size > 0) parts.push(plural(workers.size, 'worker'));
    }
    if (view.filter.trim() !== '') parts.push(`${rows.length} shown`);
  }
  if (connection === 'reconnecting' || connection === 'connecting') parts.push(`${connection}…`);
  if (view.paused) parts.push('paused');
  return parts.join(' · ');
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The notices to show, as `[kind, text]`. */
function notices(data: PanelData, view: ViewState, now: number): [string, string][] {
  const list: [string, string][] = [];
  const labels = frameLabels(data);
  const multiFrame = new Set(labels.values()).size > 1;
  if (view.paused) {
    list.push([
      'paused',
      `Paused — showing the channels as of ${new Date(now).toLocaleTimeString()}. Resume to catch up.`,
    ]);
  }
  for (const state of data.frames.values()) {
    const truncated = state.truncated;
    if (truncated === undefined) continue;
    const from = multiFrame ? ` (${labels.get(state.key)})` : '';
    const left = [
      truncated.channels > 0 ? plural(truncated.channels, 'channel') : '',
      truncated.waiters > 0 ? plural(truncated.waiters, 'parked operation') : '',
      truncated.leaks > 0 ? plural(truncated.leaks, 'leak') : '',
    ].filter((part) => part !== '');
    if (left.length === 0) continue;
    list.push([
      'truncated',
      `The page left ${left.join(', ')} out of its snapshot${from} — counting the parked operations of the channels it ` +
        `left out. It lists at most ${LIMITS.channels} channels, ${LIMITS.waiters} parked operations per queue, ` +
        `${LIMITS.totalWaiters} parked operations in all (the oldest of each queue always), longest waiting first, ` +
        `and its newest ${LIMITS.leaks} leaks: this panel keeps the leaks it was sent before.`,
    ]);
  }
  if (data.leaksDropped > 0) {
    list.push([
      'truncated',
      `${plural(data.leaksDropped, 'older leak')} no longer listed: the panel lists ${MAX_LEAKS}, and past that the ` +
        'oldest of the frame listing the most leave. Clear starts over.',
    ]);
  }
  for (const notice of data.notices) list.push([notice.reason, noticeText(notice)]);
  return list;
}

function noticeText(notice: Notice): string {
  const from = notice.frame.frameId === 0 ? 'the page' : `frame ${frameLabel(notice.frame)} (${notice.frame.origin})`;
  const times = notice.count === 1 ? '' : ` (${notice.count} times)`;
  if (notice.reason === 'oversized') {
    const size = notice.chars === undefined ? '' : ` of ${formatSize(notice.chars)}`;
    return `Refused a snapshot${size} from ${from}${times}: the limit is ${formatSize(MAX_MESSAGE_CHARS)}.`;
  }
  if (notice.reason === 'flooded') {
    return `Dropped messages from ${from}${times}: it posted faster than the inspector's rate limit.`;
  }
  if (notice.reason === 'crowded') {
    return (
      `Dropped ${plural(notice.count, 'context')} of ${from}, the one holding the most channels: ` +
      `the panel holds at most ${MAX_CHANNELS} channels in all.`
    );
  }
  return `Ignored a malformed chanasync message from ${from}${times}.`;
}

/** The empty state to show instead of the table, if any. */
function emptyState(
  doc: Document,
  input: RenderInput,
  rows: readonly Row[],
): { title: string; node: HTMLElement } | undefined {
  const { data, view, connection } = input;
  const box = (title: string, body: readonly Node[]) => {
    const node = el(doc, 'div', 'empty');
    node.append(el(doc, 'h2', undefined, title), ...body);
    return { title, node };
  };
  if (connection === 'no-tab') {
    return box('No tab to inspect', [
      el(doc, 'p', undefined, 'Open this panel from DevTools, or add ?tabId=N to its address.'),
    ]);
  }
  if (data.frames.size === 0 && data.leaks.length === 0) {
    if (data.debugSeen) {
      return box('Waiting for a snapshot…', [
        el(doc, 'p', undefined, 'chanasync debug mode is on in this page; its channels appear with its next snapshot.'),
      ]);
    }
    return box('No chanasync debug mode on this page', [
      el(doc, 'p', undefined, 'This panel shows the channels of a page that turned on chanasync’s debug mode.'),
      el(doc, 'p', undefined, 'Enable it before creating the channels you want to see:'),
      el(doc, 'pre', 'snippet', ENABLE_SNIPPET),
      el(
        doc,
        'p',
        'hint',
        'stacks: true records where each channel was created and where each operation waits. ' +
          'Snapshots appear here as soon as the page posts one.',
      ),
      el(
        doc,
        'p',
        'hint',
        'Debug mode already on? Reload the page if it was open before the extension was installed, ' +
          'updated or reloaded (the browser adds the extension only to pages loaded after that). ' +
          'Pages opened from file:// are not inspected: serve them over http(s), e.g. from localhost.',
      ),
    ]);
  }
  if (channelCount(data) === 0 && data.leaks.length === 0) {
    return box('No channels yet', [
      el(
        doc,
        'p',
        undefined,
        'The page lists no channels. Channels created after enableDebug() appear here; a page that called disableDebug() lists none.',
      ),
    ]);
  }
  if (rows.length === 0) {
    return box(`No channel matches “${view.filter.trim()}”`, [
      el(doc, 'p', undefined, 'Clear the filter to see all channels.'),
    ]);
  }
  return undefined;
}
