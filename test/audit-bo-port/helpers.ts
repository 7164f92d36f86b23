/**
 * Audit BO-port helpers: ports whose delivery the test controls.
 *
 * {@link ctlPorts} makes two hand-made PortLike objects, A and B. What one side posts is
 * structured-cloned (so transfer lists detach, uncloneable values throw as in a real
 * postMessage), logged, and queued; it reaches the other side's `message` listeners in FIFO order
 * either automatically (one message per macrotask, optionally with an extra delay) or only when
 * the test calls `deliver()` (manual mode). A side can be made dead: it posts nothing and hears
 * nothing, without a word (no `close` event), as a terminated context.
 *
 * {@link countingWrapper} wraps a real MessagePort and counts what is posted through it.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { PortLike } from 'chanasync/port';

export type Msg = { type: string; name?: string; values?: unknown[]; [k: string]: unknown };
type Listener = ((event: unknown) => void) | { handleEvent(event: unknown): void };

export class CtlPort implements PortLike {
  peer!: CtlPort;
  readonly label: string;
  /** Every message this side posted (the clone that travels). */
  readonly log: Msg[] = [];
  /** Messages this side posted that the peer has not heard yet. */
  readonly queue: Msg[] = [];
  /** Manual delivery: nothing moves until deliver(). */
  manual = false;
  /** Extra delay (ms) of automatic delivery. */
  delay = 0;
  /** Deliver synchronously, inside postMessage. */
  sync = false;
  /** A dead context: posts nothing, hears nothing. */
  dead = false;
  readonly listeners = new Set<Listener>();
  private scheduled = false;

  constructor(label: string) {
    this.label = label;
  }

  postMessage(message: unknown, transfer?: unknown): void {
    if (this.dead) return;
    const options = Array.isArray(transfer) ? { transfer: transfer as Transferable[] } : undefined;
    const data = structuredClone(message, options) as Msg;
    this.log.push(data);
    if (this.sync) {
      // delivered inside postMessage, as a hand-made port may (README: supported)
      if (!this.peer.dead) this.peer.dispatch(data);
      return;
    }
    this.queue.push(data);
    if (!this.manual) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      if (this.manual) return;
      this.deliver(1);
      if (this.queue.length > 0) this.schedule();
    }, this.delay);
  }

  /** Delivers up to `count` queued messages to the peer, in order; returns how many. */
  deliver(count = Number.POSITIVE_INFINITY): number {
    let n = 0;
    while (n < count && this.queue.length > 0) {
      const data = this.queue.shift() as Msg;
      n++;
      if (this.peer.dead || this.dead) continue;
      this.peer.dispatch(data);
    }
    return n;
  }

  /** Hands raw `data` to this side's listeners, as if the peer had posted it. */
  dispatch(data: unknown): void {
    const event = { data, type: 'message' };
    for (const listener of [...this.listeners]) {
      if (typeof listener === 'function') listener(event);
      else listener.handleEvent(event);
    }
  }

  setManual(manual: boolean): void {
    this.manual = manual;
    if (!manual && this.queue.length > 0) this.schedule();
  }

  addEventListener(type: string, listener: Listener): void {
    if (type === 'message') this.listeners.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    if (type === 'message') this.listeners.delete(listener);
  }

  /** Messages of `type` this side posted. */
  sent(type: string): Msg[] {
    return this.log.filter((m) => m.type === type);
  }

  /** The values this side posted in `values` messages, in order. */
  postedValues(): unknown[] {
    return this.sent('values').flatMap((m) => m.values as unknown[]);
  }
}

export function ctlPorts(): { a: CtlPort; b: CtlPort } {
  const a = new CtlPort('A');
  const b = new CtlPort('B');
  a.peer = b;
  b.peer = a;
  return { a, b };
}

/** A PortLike over a real MessagePort that records every message posted through it. */
export class CountingPort implements PortLike {
  readonly posted: Msg[] = [];
  constructor(readonly inner: MessagePort) {}
  postMessage(message: unknown, transfer?: unknown): void {
    this.posted.push(message as Msg);
    if (transfer === undefined) this.inner.postMessage(message);
    else this.inner.postMessage(message, transfer as never);
  }
  addEventListener(type: string, listener: never): void {
    (this.inner as unknown as EventTarget).addEventListener(type, listener);
  }
  removeEventListener(type: string, listener: never): void {
    (this.inner as unknown as EventTarget).removeEventListener(type, listener);
  }
  start(): void {
    this.inner.start();
  }
  sent(type: string): Msg[] {
    return this.posted.filter((m) => m.type === type);
  }
}

/** Ports to close after each test. */
const opened: { close(): void }[] = [];

/** A fresh Node MessageChannel; both ports closed by {@link closeAll}. */
export function channelPair(): [MessagePort & PortLike, MessagePort & PortLike] {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return [port1 as MessagePort & PortLike, port2 as MessagePort & PortLike];
}

export function closeAll(): void {
  for (const p of opened.splice(0)) {
    try {
      p.close();
    } catch {}
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Waits until `cond()` holds, polling every 5 ms, failing after `timeout` ms. */
export async function waitFor(cond: () => boolean, timeout = 3000, what = 'condition'): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** How a promise settled, without throwing. */
export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Whether `p` has settled, observed after a macrotask. */
export function tracked<T>(p: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { done: () => done, promise: p };
}

/** Drains a channel with tryPull-like pullNowait until empty; returns the values. */
export function drainNow<T>(ch: { pullNowait(): T }): T[] {
  const out: T[] = [];
  for (;;) {
    try {
      out.push(ch.pullNowait());
    } catch {
      return out;
    }
  }
}
