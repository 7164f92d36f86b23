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
import type { Registry } from './snapshot.js';

/**
 * Something to post messages to: a window, a worker's `self`, a `Worker`, a `MessagePort`.
 * A window is told `postMessage(message, '*')`, anything else `postMessage(message)`; the type
 * names only the one-argument form, which every one of them has.
 */
export interface DebugTarget {
  postMessage(message: unknown): void;
}

/** One enabled period of debug mode: its registry, its transport and its timer. */
export class Session {
  /** The throttle's timer while an inspector is connected. */
  private timer: ReturnType<typeof setInterval> | undefined = undefined;
  /** The last snapshot posted, without its time, to post only changes. */
  private lastPosted = '';
  /** When the last snapshot was posted (for `hello`s in quick succession). */
  private lastPostedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly registry: Registry,
    private readonly target: DebugTarget | undefined,
    private readonly listen: EventTarget | undefined,
    private readonly intervalMs: number,
  ) {
    listen?.addEventListener('message', this);
    const announce: AnnounceMessage = { source: PAGE_SOURCE, version: PROTOCOL_VERSION, type: 'announce' };
    this.post(announce);
  }

  /** The `message` listener. Anything but a `hello` or `bye` costs one type check. */
  handleEvent(event: Event): void {
    const message = (event as MessageEvent).data;
    if (!isInspectorToPageMessage(message)) return;
    if (message.type === 'hello') this.connect();
    else this.disconnect();
  }

  /** Stops everything: the timer and the listener. */
  close(): void {
    this.disconnect();
    this.listen?.removeEventListener('message', this);
  }

  private connect(): void {
    this.lastPosted = ''; // a new inspector gets the current state at once
    if (performance.now() - this.lastPostedAt >= this.intervalMs) this.tick();
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
  }

  private disconnect(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Posts a snapshot if anything but its time and sequence number changed since the last one. */
  private tick(): void {
    const snapshot: SnapshotMessage = this.registry.snapshot();
    const fingerprint = JSON.stringify([snapshot.channels, snapshot.truncated, snapshot.leaked]);
    if (fingerprint === this.lastPosted) return;
    this.lastPosted = fingerprint;
    this.lastPostedAt = performance.now();
    this.post(snapshot);
  }

  private post(message: unknown): void {
    if (this.target !== undefined) post(this.target, message);
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
  const global = globalThis as unknown as Record<string, unknown> & { location?: { href?: unknown; origin?: unknown } };
  const Scope = global.WorkerGlobalScope;
  const Window = global.Window;
  let kind: DebugContext['kind'];
  if (typeof Scope === 'function' && global instanceof Scope) kind = 'worker';
  else if (typeof Window === 'function' && global instanceof Window) kind = isTop(global) ? 'page' : 'frame';
  else return undefined;
  const { href, origin } = global.location ?? {};
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
