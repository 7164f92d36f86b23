/**
 * Helpers of the audit-u port tests: counted wrappers over Node's global `MessageChannel`
 * ports, and hand-made ports (a bus) that can die, be held, or get foreign messages.
 */
import { afterEach } from 'vitest';

export type Msg = { type: string; [key: string]: unknown };

const toClose: { close(): void }[] = [];
afterEach(() => {
  for (const port of toClose.splice(0)) port.close();
});

/**
 * A port over a real `MessagePort` that records what is posted and counts listeners
 * (it is the object the library sees, so its endpoint is keyed on it).
 */
export class CountedPort {
  readonly posted: Msg[] = [];
  readonly listening = new Map<string, number>();
  /** When set, what this side posts is dropped (a context that died without a word). */
  dead = false;
  constructor(readonly inner: MessagePort) {}
  postMessage(message: unknown, transfer?: Transferable[]): void {
    if (this.dead) return;
    this.posted.push(message as Msg);
    if (transfer === undefined) this.inner.postMessage(message);
    else this.inner.postMessage(message, transfer);
  }
  addEventListener(type: string, listener: EventListenerOrEventListenerObject): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) + 1);
    this.inner.addEventListener(type, this.wrap(listener) as EventListener);
  }
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) - 1);
    this.inner.removeEventListener(type, this.wrap(listener) as EventListener);
  }
  private readonly wrapped = new Map<unknown, EventListener>();
  private wrap(listener: EventListenerOrEventListenerObject): EventListener {
    let w = this.wrapped.get(listener);
    if (w === undefined) {
      w = (event: Event) => {
        if (this.dead) return; // a dead context hears nothing
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      this.wrapped.set(listener, w);
    }
    return w;
  }
  start(): void {
    this.inner.start();
  }
  /** Message listeners added minus removed. */
  get listeners(): number {
    return this.listening.get('message') ?? 0;
  }
  sent(type: string): Msg[] {
    return this.posted.filter((m) => m.type === type);
  }
}

/** Two counted ports of one fresh `MessageChannel`, closed after the test. */
export function pair(): [CountedPort, CountedPort] {
  const { port1, port2 } = new MessageChannel();
  toClose.push(port1, port2);
  return [new CountedPort(port1), new CountedPort(port2)];
}

/** Raw ports of a fresh `MessageChannel`, closed after the test. */
export function rawPair(): [MessagePort, MessagePort] {
  const { port1, port2 } = new MessageChannel();
  toClose.push(port1, port2);
  return [port1, port2];
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await sleep(1);
  }
}

/** Everything `channel` yields, and how it ended. */
export async function drain<T>(channel: AsyncIterable<T>): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of channel) values.push(v);
    return { values, error: undefined };
  } catch (error) {
    return { values, error };
  }
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

/** Active timers (Node `Timeout` resources). */
export function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** A seeded PRNG. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * A hand-made port pair that delivers synchronously, from inside `postMessage` (allowed by the
 * README), structured-cloning each message; `emitter` calls listeners with the data itself.
 */
export class SyncPort {
  peer!: SyncPort;
  readonly posted: Msg[] = [];
  private readonly handlers = new Set<(event: unknown) => void>();
  dead = false;
  constructor(private readonly emitter = false) {}
  postMessage(message: unknown, transfer?: Transferable[]): void {
    if (this.dead) return;
    const data = structuredClone(message, transfer === undefined ? undefined : { transfer }) as Msg;
    this.posted.push(data);
    if (this.peer.dead) return;
    for (const listener of [...this.peer.handlers]) listener(this.peer.emitter ? data : { type: 'message', data });
  }
  addEventListener(type: string, listener: (event: unknown) => void): void {
    if (type === 'message') this.handlers.add(listener);
  }
  removeEventListener(type: string, listener: (event: unknown) => void): void {
    if (type === 'message') this.handlers.delete(listener);
  }
  /** Message listeners added minus removed. */
  get listeners(): number {
    return this.handlers.size;
  }
  sent(type: string): Msg[] {
    return this.posted.filter((m) => m.type === type);
  }
}

export function syncPair(emitter = false): [SyncPort, SyncPort] {
  const a = new SyncPort(emitter);
  const b = new SyncPort(emitter);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
