/**
 * Where a snapshot crosses into the inspector: the `postMessage` transport, the
 * `hello`/`bye` handshake and the throttle. Nothing is posted but `announce` until an
 * inspector says `hello`.
 */
import {
  type AnnounceMessage,
  type DebugContext,
  isInspectorToPageMessage,
  LIMITS,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type SnapshotMessage,
} from '../protocol.js';
import { instanceId, type Registry, takeSeq } from './snapshot.js';

/**
 * Something to post messages to: a window, a worker's `self`, a `Worker`, a `MessagePort`.
 * A window is told `postMessage(message, '*')`, anything else `postMessage(message)`; the type
 * names only the one-argument form, which every one of them has.
 */
export interface DebugTarget {
  /** Posts one protocol message (structured-clone safe). */
  postMessage(message: unknown): void;
}

/** The longest delay a timer takes as it is (a longer one fires at once in browsers and Node). */
const MAX_DELAY = 2 ** 31 - 1;

/** One enabled period of debug mode: its registry, its transport and its timer. */
export class Session {
  /** Between a `hello` and a `bye` (or the end of the session). */
  private connected = false;
  /** The throttle's timer while an inspector is connected. */
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** What is left of the current period, in ms (more than one timer for a very long `intervalMs`). */
  private remaining = 0;
  /** The last snapshot posted, without its time, to post only changes. */
  private lastPosted = '';
  /** Set by {@link close}: a listener that could not be removed hears nothing more. */
  private ended = false;
  /** When the last snapshot was posted (for `hello`s in quick succession). */
  private lastPostedAt = -Infinity;

  /**
   * Listens on `listen` and posts `announce` to `target`. If posting throws, the listener is
   * removed again and the error propagates: a session that could not announce is no session.
   */
  constructor(
    readonly registry: Registry,
    private readonly target: DebugTarget | undefined,
    private readonly listen: EventTarget | undefined,
    private readonly intervalMs: number,
  ) {
    // Listening first: an inspector that answers the announce synchronously is heard.
    listen?.addEventListener('message', this);
    const announce: AnnounceMessage = { source: PAGE_SOURCE, version: PROTOCOL_VERSION, type: 'announce' };
    try {
      // A MessagePort (a SharedWorker's, a MessageChannel's) delivers messages only once started
      // — `addEventListener` does not start it in browsers — as relayDebug's endpoint does. (In
      // the try: a `start` that throws leaves no listener either.)
      if (isPort(listen)) listen.start();
      this.post(announce);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * The `message` listener. Anything but a `hello` or `bye` costs one type check (and a
   * message whose fields throw when read is ignored like any other foreign message).
   */
  handleEvent(event: Event): void {
    if (this.ended) return;
    const says = inspectorSays(event, this.listen);
    if (says === 'hello') this.connect();
    else if (says === 'bye') this.disconnect();
  }

  /**
   * Stops everything: the timer and the listener. A connected inspector first gets a last
   * snapshot, of the registry closed before (no channels), unless the last one posted had none
   * either: the channels it showed are no longer followed, and nothing else would ever replace
   * them (without it, a panel kept listing them as live, their waits ageing into "stuck").
   * Only while the throttle's timer runs — connected, and not inside a post: a target that
   * turns debug mode off as it receives a snapshot has its answer, and one that threw has
   * stopped the posting. Never throws: a target that refuses loses only this last word.
   */
  close(): void {
    try {
      if (this.timer !== undefined) this.tick();
    } catch {
      // Turning debug mode off never throws.
    }
    this.ended = true;
    this.disconnect();
    try {
      this.listen?.removeEventListener('message', this);
    } catch {
      // A duck-typed `listen` whose `removeEventListener` throws: debug mode is off all the
      // same — the listener left behind ignores every message (`ended`).
    }
  }

  private connect(): void {
    this.connected = true;
    this.lastPosted = ''; // a new inspector gets the current state at once
    if (performance.now() - this.lastPostedAt >= this.intervalMs) {
      // Not inside a post with the timer running: a target that turns debug mode off as it
      // receives this snapshot must not get the last, empty one posted into its own call.
      clearTimeout(this.timer);
      this.timer = undefined;
      this.tick();
      // The next snapshot no sooner than intervalMs after this one — unless posting it made the
      // inspector say `bye` (or turned debug mode off) at once.
      if (this.connected) this.restart();
    } else if (this.timer === undefined) {
      this.restart();
    }
  }

  private disconnect(): void {
    this.connected = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts a new period of `intervalMs` from now. */
  private restart(): void {
    clearTimeout(this.timer);
    this.remaining = this.intervalMs;
    this.arm();
  }

  /** Waits for what is left of the period, in steps no timer overflows on. */
  private arm(): void {
    this.timer = setTimeout(this.onTimer, Math.min(this.remaining, MAX_DELAY));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.remaining -= Math.min(this.remaining, MAX_DELAY);
    if (this.remaining > 0) {
      this.arm();
      return;
    }
    // A target that throws stops the posting (until the next hello) rather than throwing at
    // every period; the error reaches the platform's error reporting.
    this.tick();
    if (this.connected) this.restart(); // not if posting made the inspector say `bye`
  };

  /** Posts a snapshot if anything but its time and sequence number changed since the last one. */
  private tick(): void {
    const snapshot: SnapshotMessage = this.registry.snapshot();
    const fingerprint = JSON.stringify([snapshot.channels, snapshot.truncated, snapshot.leaked]);
    if (fingerprint === this.lastPosted) return;
    this.lastPosted = fingerprint;
    this.lastPostedAt = performance.now();
    // The order of what was posted, and which copy of chanasync posted it, for the inspector
    // (`snapshot()` itself has the SPEC's shape).
    this.post({ ...snapshot, seq: takeSeq(), instance: instanceId() });
  }

  private post(message: unknown): void {
    if (this.target !== undefined) post(this.target, message);
  }
}

/** A snapshot with no channels: a context without debug mode, or one that has no channels any more. */
export function emptySnapshot(): SnapshotMessage {
  return { source: PAGE_SOURCE, version: PROTOCOL_VERSION, type: 'snapshot', time: Date.now(), channels: [] };
}

/** Whether `value` has a method `name` (checks of `enableDebug`'s and `relayDebug`'s options). */
export function hasMethod(value: unknown, name: string): boolean {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[name] === 'function';
}

/**
 * Whether `value` looks like a `MessagePort` (`start`, `close` and `postMessage`; duck-typed so
 * that a port of another realm counts): only such a target is started by debug mode.
 */
function isPort(value: unknown): value is { start(): void } {
  return hasMethod(value, 'start') && hasMethod(value, 'close') && hasMethod(value, 'postMessage');
}

/**
 * Whether a `message` event was posted by another window than `listen` — a frame to its parent
 * (`parent.postMessage`), a parent to a frame: never the inspector, which speaks on the very
 * window it listens to (a Worker's or a port's messages have no window as their `source`).
 * Without this check, any frame of the page (an ad) could say `bye` and freeze the panel.
 * Told apart by document, since a DOM emulation (happy-dom) gives its own messages a `source`
 * that is not `globalThis`; another origin's window refuses to show its document.
 */
function fromOtherWindow(event: Event, listen: EventTarget | undefined): boolean {
  const source = (event as MessageEvent).source as { window?: unknown; document?: unknown } | null;
  return source != null && source.window === source && source.document !== (listen as { document?: unknown }).document;
}

/**
 * What the inspector says in a `message` event heard on `listen`: `'hello'`, `'bye'`, or
 * nothing — for a foreign message, one from another window ({@link fromOtherWindow}), or an
 * event or message whose fields throw when read (a synthetic event's `data` or `source` getter,
 * a revoked `Proxy`), which is ignored like any foreign message. Never throws; the message's
 * `type` is read once after the check, and a value it then gives that is neither is nothing.
 */
export function inspectorSays(event: Event, listen: EventTarget | undefined): 'hello' | 'bye' | undefined {
  try {
    const message: unknown = (event as MessageEvent).data;
    if (!isInspectorToPageMessage(message) || fromOtherWindow(event, listen)) return undefined;
    const type = message.type;
    return type === 'hello' || type === 'bye' ? type : undefined;
  } catch {
    return undefined;
  }
}

/** `postMessage(message, '*')` to a window, `postMessage(message)` to anything else. */
export function post(target: DebugTarget, message: unknown): void {
  if ((target as { window?: unknown }).window === target) {
    (target as { postMessage(message: unknown, targetOrigin: string): void }).postMessage(message, '*');
  } else {
    target.postMessage(message);
  }
}

/**
 * Where this code runs, as snapshots name it: a dedicated (or shared, or service) worker, a
 * frame, or the top page — with the URL and origin where the platform has them — or
 * `undefined` outside the web platform's windows and workers (Node, a Cloudflare Worker).
 */
export function detectContext(): DebugContext | undefined {
  const here = globalThis as unknown as Record<string, unknown> & { location?: { href?: unknown; origin?: unknown } };
  const Scope = here.WorkerGlobalScope;
  const Window = here.Window;
  let kind: DebugContext['kind'];
  if (typeof Scope === 'function' && here instanceof Scope) kind = 'worker';
  else if (typeof Window === 'function' && here instanceof Window) kind = isTop(here) ? 'page' : 'frame';
  else return undefined;
  const { href, origin } = here.location ?? {};
  return {
    kind,
    ...(typeof href === 'string' ? { url: href.slice(0, LIMITS.url) } : {}),
    ...(typeof origin === 'string' ? { origin: origin.slice(0, LIMITS.url) } : {}),
  };
}

/** Whether a window is the top one (`window.top` is readable across origins; be careful anyway). */
function isTop(window: Record<string, unknown>): boolean {
  try {
    return window.top === window;
  } catch {
    return false;
  }
}
