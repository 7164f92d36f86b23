/**
 * Port pairs made of plain `EventTarget`s, for the Node tests of `chanasync/port`: what each
 * side posts is structured-cloned (so cloning and transferring may throw, as in a real
 * `postMessage`), recorded, and delivered to the other side — a task later ({@link fakePorts})
 * or inside `postMessage` itself ({@link syncPorts}, as any object with `postMessage` may).
 * Knobs let a test stand for a context that died, messages held back, a message the other side
 * cannot deserialize, and hooks around each delivery.
 */

/** A message as the tests read it: its `type` and whatever else it carries. */
export type Message = { type: string; [key: string]: unknown };

/** One side of {@link fakePorts}. */
export class FakePort extends EventTarget {
  peer!: FakePort;
  /** Posts and hears nothing (a context that died without a word). */
  dead = false;
  /** While set, what this side posts is recorded but not delivered. */
  held = false;
  /**
   * Decides, per message arriving on this side, whether its deserialization fails: then a
   * `messageerror` event with `data: null` is dispatched instead (unless `firesMessageError` is
   * off: then it vanishes), and the next messages arrive as usual — what a `MessagePort` does
   * with, say, a `WebAssembly.Module` sent to a SharedWorker.
   */
  undeserializable: (data: Message) => boolean = () => false;
  /** Whether a message that fails to deserialize fires `messageerror` (as it should). */
  firesMessageError = true;
  /** Called in the delivery task of each message to this side, before it is dispatched. */
  beforeDeliver: ((data: Message) => void) | undefined = undefined;
  /** Called right after each message to this side was dispatched (before its microtasks). */
  afterDeliver: ((data: Message) => void) | undefined = undefined;
  /** Every message posted on this side, as posted. */
  readonly posted: Message[] = [];
  /** The `message` listeners registered, in order (see {@link FakePort.inject}). */
  readonly messageListeners: EventListenerOrEventListenerObject[] = [];
  /** Listeners added minus listeners removed, by event type. */
  readonly listening = new Map<string, number>();

  postMessage(message: unknown, transfer?: Transferable[]): void {
    if (this.dead) return;
    const data = structuredClone(message, transfer === undefined ? undefined : { transfer }) as Message;
    this.posted.push(message as Message);
    if (this.held) return;
    const peer = this.peer;
    setTimeout(() => {
      if (this.dead || peer.dead) return;
      if (peer.undeserializable(data)) {
        if (peer.firesMessageError) peer.dispatchEvent(new MessageEvent('messageerror', { data: null }));
        return;
      }
      peer.beforeDeliver?.(data);
      peer.dispatchEvent(new MessageEvent('message', { data }));
      peer.afterDeliver?.(data);
    }, 0);
  }

  /** Hands `data` to this side's listeners directly, so that anything they throw reaches the caller. */
  inject(data: unknown): void {
    const event = new MessageEvent('message', { data });
    for (const listener of [...this.messageListeners]) {
      if (typeof listener === 'function') listener(event);
      else listener.handleEvent(event);
    }
  }

  /** The messages of `type` posted on this side. */
  sent(type: string): Message[] {
    return this.posted.filter((message) => message.type === type);
  }

  /** Whether a `values` message posted on this side carried `value`. */
  postedValue(value: unknown): boolean {
    return this.sent('values').some((message) => (message.values as unknown[]).includes(value));
  }

  /** `message` listeners added minus removed. */
  get listeners(): number {
    return this.listening.get('message') ?? 0;
  }

  /** Listeners added minus removed, all event types together. */
  get allListeners(): number {
    let count = 0;
    for (const n of this.listening.values()) count += n;
    return count;
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message' && listener !== null) this.messageListeners.push(listener);
    this.listening.set(type, (this.listening.get(type) ?? 0) + 1);
    super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') {
      const index = this.messageListeners.indexOf(listener as EventListenerOrEventListenerObject);
      if (index >= 0) this.messageListeners.splice(index, 1);
    }
    this.listening.set(type, (this.listening.get(type) ?? 0) - 1);
    super.removeEventListener(type, listener);
  }
}

/** Two fake ports wired to each other: `a` for the sender, `b` for the receiver by convention. */
export function fakePorts(): { a: FakePort; b: FakePort } {
  const a = new FakePort();
  const b = new FakePort();
  a.peer = b;
  b.peer = a;
  return { a, b };
}

/** One side of {@link syncPorts}: delivers each message inside `postMessage`. */
export class SyncPort extends EventTarget {
  peer!: SyncPort;
  /** `message` listeners added minus removed. */
  listeners = 0;
  /** Every message posted on this side, as posted. */
  readonly posted: Message[] = [];

  postMessage(message: unknown, transfer?: Transferable[]): void {
    const data = structuredClone(message, transfer === undefined ? undefined : { transfer });
    this.posted.push(message as Message);
    this.peer.dispatchEvent(new MessageEvent('message', { data }));
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.listeners++;
    super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.listeners--;
    super.removeEventListener(type, listener);
  }
}

/** Two ports that deliver synchronously, wired to each other. */
export function syncPorts(): { a: SyncPort; b: SyncPort } {
  const a = new SyncPort();
  const b = new SyncPort();
  a.peer = b;
  b.peer = a;
  return { a, b };
}
