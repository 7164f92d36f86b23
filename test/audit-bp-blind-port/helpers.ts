/**
 * Helpers of the blind port tests (audit BP): polling with deadlines, a port that records what
 * is posted through it, and real worker_threads contexts running one end of a stream.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { PortLike } from 'chanasync/port';

/** Resolves once `predicate()` holds, polling; rejects with `what` after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A deterministic PRNG (mulberry32) for fixed-seed pacing. */
export { seededRandom as prng } from '../helpers/random.js';

/**
 * A new MessageChannel whose two ports stand for two contexts; `closeOpened()` (in `afterEach`)
 * closes every port made since.
 */
export function pair(): { port1: MessagePort; port2: MessagePort } {
  const channel = new MessageChannel();
  opened.push(channel.port1, channel.port2);
  return channel;
}
const opened: MessagePort[] = [];
export function closeOpened(): void {
  for (const port of opened.splice(0)) port.close();
}

export interface Recorded {
  readonly type?: string;
  readonly values?: unknown[];
  readonly granted?: number;
  readonly committed?: number;
  readonly [key: string]: unknown;
}

/** A PortLike over a real MessagePort that records every message posted through it. */
export function tap(port: MessagePort): { port: PortLike; posted: Recorded[] } {
  const posted: Recorded[] = [];
  const wrapper: PortLike = {
    postMessage(message: unknown, transfer?: unknown) {
      posted.push(message as Recorded);
      port.postMessage(message, transfer as any);
    },
    addEventListener(type: string, listener: (event: unknown) => void) {
      (port as any).addEventListener(type, listener);
      port.start();
    },
    removeEventListener(type: string, listener: (event: unknown) => void) {
      (port as any).removeEventListener(type, listener);
    },
  } as PortLike;
  return { port: wrapper, posted };
}

/** The `values` messages among `posted`. */
export function valuesMessages(posted: readonly Recorded[]): Recorded[] {
  return posted.filter((m) => m !== null && typeof m === 'object' && m.type === 'values');
}

export interface WorkerMessage {
  type: string;
  value?: unknown;
  sent?: number;
  undelivered?: number;
}

/** A worker_threads context running one end of a stream over `port2`; we keep `port1`. */
export interface Context {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly inbox: WorkerMessage[];
  readonly got: unknown[];
  send(command: object): void;
  waitFor(type: string, timeoutMs?: number): Promise<WorkerMessage>;
  dispose(): Promise<void>;
}

export async function startContext(options: {
  role: 'receiver' | 'sender';
  name?: string;
  capacity?: number;
}): Promise<Context> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./worker-fixture.mjs', import.meta.url), {
    workerData: { port: port2, role: options.role, name: options.name ?? '', capacity: options.capacity ?? 0 },
    transferList: [port2],
  });
  const inbox: WorkerMessage[] = [];
  const got: unknown[] = [];
  worker.on('message', (message: WorkerMessage) => {
    inbox.push(message);
    if (message.type === 'got') got.push(message.value);
  });
  worker.on('error', (error) => inbox.push({ type: 'error', value: String(error) }));
  const context: Context = {
    worker,
    port: port1,
    inbox,
    got,
    send: (command) => worker.postMessage(command),
    async waitFor(type, timeoutMs = 10_000) {
      await until(() => inbox.some((m) => m.type === type), `worker message ${type}`, timeoutMs);
      const found = inbox.find((m) => m.type === type) as WorkerMessage;
      inbox.splice(inbox.indexOf(found), 1);
      return found;
    },
    async dispose() {
      await worker.terminate();
      port1.close();
    },
  };
  await context.waitFor('started');
  return context;
}
