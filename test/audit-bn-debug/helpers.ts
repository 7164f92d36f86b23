// Helpers for the audit-bn-debug suite (black-box: only 'chanasync' and 'chanasync/debug').
import type { ChannelSnapshot, DebugSnapshot } from 'chanasync/debug';

export const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
export const BYE = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

export const sleep = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Swallows the rejection of `promise` (an operation that a test lets fail), and returns it. */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

export function byName(snap: DebugSnapshot): Record<string, ChannelSnapshot> {
  return Object.fromEntries(snap.channels.map((channel) => [channel.name, channel]));
}

/** Forces collections across macrotasks until `done()` holds (finalizers run in later tasks). */
export async function collectUntil(done: () => boolean, rounds = 40): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (a *.gc.test.ts file)');
  for (let i = 0; i < rounds; i++) {
    await sleep(0);
    gc();
    await sleep(2);
    if (done()) return true;
  }
  return done();
}

/** A few more collections, so that finalizer callbacks still queued have run. */
export async function settleFinalizers(rounds = 5): Promise<void> {
  await collectUntil(() => false, rounds);
}

/** A recording postMessage target and an EventTarget to say hello/bye on. */
export function recorder() {
  const calls: unknown[][] = [];
  const listen = new EventTarget();
  const target = {
    postMessage(...args: unknown[]) {
      calls.push(args);
    },
  };
  const say = (data: unknown) => listen.dispatchEvent(new MessageEvent('message', { data }));
  const messages = () => calls.map((call) => call[0] as any);
  const snapshots = () => messages().filter((m) => m?.type === 'snapshot') as DebugSnapshot[];
  return { calls, listen, target, say, messages, snapshots };
}
