/**
 * Where a snapshot crosses into the inspector: the `postMessage` transport, the
 * `hello`/`bye` handshake and the throttle. Nothing is posted but `announce` until an
 * inspector says `hello`.
 */
import {
  type AnnounceMessage,
  isInspectorToPageMessage,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type SnapshotMessage,
} from '../protocol.js';
import type { Registry } from './snapshot.js';

/** Something to post messages to: a window, a worker's `self`, a `MessagePort`. */
export interface DebugTarget {
  postMessage(message: unknown, targetOrigin?: string): void;
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

  /** Posts a snapshot if anything but its time changed since the last one. */
  private tick(): void {
    const snapshot: SnapshotMessage = this.registry.snapshot();
    const fingerprint = JSON.stringify([snapshot.channels, snapshot.truncated]);
    if (fingerprint === this.lastPosted) return;
    this.lastPosted = fingerprint;
    this.lastPostedAt = performance.now();
    this.post(snapshot);
  }

  /** `postMessage(message, '*')` to a window, `postMessage(message)` to anything else. */
  private post(message: unknown): void {
    const target = this.target;
    if (target === undefined) return;
    if ((target as { window?: unknown }).window === target) target.postMessage(message, '*');
    else target.postMessage(message);
  }
}
