/**
 * A port pair whose deliveries a test schedules by hand, for the fuzz tests of
 * `chanasync/port`: what each side posts is structured-cloned at once (so cloning and
 * transferring throw or detach as in a real `postMessage`) and queued; it reaches the other side
 * only when the test calls {@link ScheduledPort.deliverNext} — or inside `postMessage` itself
 * when `sync` is set. Each queued message notes when it was posted, so that a test can deliver
 * it after a latency ({@link ScheduledPort.dueAt}). Messages of one direction arrive in the
 * order they were posted, as over any port; the two directions interleave as the test chooses.
 *
 * Faults: a side that dies ({@link ScheduledPort.die}: posts and hears nothing more), a link
 * that is cut ({@link cut}: with or without a `close` event on both sides, with the messages on
 * their way dropped or still delivered), a message the receiving side cannot deserialize (a
 * `messageerror` instead), and foreign messages or `messageerror`s slipped into a direction.
 */

/** A message as the tests read it: its `type` and whatever else it carries. */
export type Message = { type: string; [key: string]: unknown };

/** What waits in a direction: a message (cloned), a foreign `messageerror`, or the `close` event. */
type Queued = ({ kind: 'message'; data: unknown } | { kind: 'messageerror' } | { kind: 'close' }) & {
  /** When it was queued (`performance.now()`). */
  at: number;
};

/** One side of {@link scheduledPorts}. */
export class ScheduledPort extends EventTarget {
  peer!: ScheduledPort;
  /** Delivers each message inside `postMessage` (set on both sides for a synchronous port). */
  sync = false;
  /** This side's context died: it posts nothing and hears nothing. */
  dead = false;
  /** The link was cut: nothing more is posted either way. */
  severed = false;
  /** Decides, per message arriving on this side, whether it fails to deserialize here. */
  undeserializable: (data: Message) => boolean = () => false;
  /** Whether a message that fails to deserialize fires `messageerror` (else it vanishes). */
  firesMessageError = true;
  /** What this side posted and the other has not heard yet, in order. */
  readonly inTransit: Queued[] = [];
  /** Every message posted on this side, as posted (the objects given to `postMessage`), delivered or not. */
  readonly posted: Message[] = [];
  /** Listeners added minus removed, by event type. */
  readonly listening = new Map<string, number>();
  /** Every message dispatched on this side, in order. */
  readonly heard: unknown[] = [];

  postMessage(message: unknown, transfer?: Transferable[]): void {
    // Posting over a dead or cut link still serializes (and detaches what it transfers).
    const data = structuredClone(message, transfer === undefined ? undefined : { transfer });
    this.posted.push(message as Message);
    if (this.dead || this.severed) return;
    if (this.sync) this.peer.hear({ kind: 'message', data, at: performance.now() });
    else this.inTransit.push({ kind: 'message', data, at: performance.now() });
  }

  /** A message on its way from this side: `data` is delivered as if posted here. */
  slip(data: unknown): void {
    this.inTransit.push({ kind: 'message', data, at: performance.now() });
  }

  /** A `messageerror` on its way from this side (someone else's message the peer cannot read). */
  slipMessageError(): void {
    this.inTransit.push({ kind: 'messageerror', at: performance.now() });
  }

  /** Delivers the oldest thing on its way from this side to the peer; false if there is none. */
  deliverNext(): boolean {
    const next = this.inTransit.shift();
    if (next === undefined) return false;
    this.peer.hear(next);
    return true;
  }

  /**
   * When the oldest thing on its way from this side has been on its way for `latency` ms (a
   * `performance.now()` time), or undefined if nothing is.
   */
  dueAt(latency: number): number | undefined {
    const first = this.inTransit[0];
    return first === undefined ? undefined : first.at + latency;
  }

  /** Dispatches what arrived on this side. */
  private hear(queued: Queued): void {
    if (this.dead) return;
    if (queued.kind === 'close') {
      this.dispatchEvent(new Event('close'));
    } else if (queued.kind === 'messageerror') {
      this.dispatchEvent(new MessageEvent('messageerror', { data: null }));
    } else if (this.undeserializable(queued.data as Message)) {
      if (this.firesMessageError) this.dispatchEvent(new MessageEvent('messageerror', { data: null }));
    } else {
      this.heard.push(queued.data);
      this.dispatchEvent(new MessageEvent('message', { data: queued.data }));
    }
  }

  /** This side's context dies without a word: what it posted before may still arrive. */
  die(): void {
    this.dead = true;
  }

  /** The messages of `type` posted on this side. */
  sent(type: string): Message[] {
    return this.posted.filter((message) => message.type === type);
  }

  /** Listeners added minus removed, all event types together. */
  get allListeners(): number {
    let count = 0;
    for (const n of this.listening.values()) count += n;
    return count;
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) + 1);
    super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) - 1);
    super.removeEventListener(type, listener);
  }
}

/** Two scheduled ports wired to each other: `a` for the sender, `b` for the receiver by convention. */
export function scheduledPorts(): { a: ScheduledPort; b: ScheduledPort } {
  const a = new ScheduledPort();
  const b = new ScheduledPort();
  a.peer = b;
  b.peer = a;
  return { a, b };
}

/**
 * Cuts the link between `a` and `b`, as `MessagePort.close()` does: nothing more is posted
 * either way; the messages on their way are dropped unless `keepInTransit`; with `fireClose`,
 * each side then hears a `close` event (Node fires it; Chromium 156 did not, for a terminated
 * worker's port), after what was kept.
 */
export function cut(a: ScheduledPort, b: ScheduledPort, fireClose: boolean, keepInTransit: boolean): void {
  for (const side of [a, b]) {
    side.severed = true;
    if (!keepInTransit) side.inTransit.length = 0;
    if (fireClose) side.inTransit.push({ kind: 'close', at: performance.now() });
  }
}
