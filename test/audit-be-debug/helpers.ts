// Helpers for the audit-be-debug conformance suite (written from SPEC.md, not from the source).
import type { ChannelSnapshot, DebugSnapshot } from 'chanasync/debug';

export const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
export const BYE = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

/** A macrotask boundary (and optionally some time). */
export const sleep = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake `postMessage` target recording every call with its arguments and arrival time. */
export interface FakeTarget {
  postMessage(message: unknown, targetOrigin?: string): void;
  calls: unknown[][];
  times: number[];
  readonly messages: any[];
  readonly snapshots: DebugSnapshot[];
}

export function fakeTarget(): FakeTarget {
  const calls: unknown[][] = [];
  const times: number[] = [];
  return {
    calls,
    times,
    postMessage(...args: unknown[]) {
      calls.push(args);
      times.push(Date.now());
    },
    get messages() {
      return calls.map((call) => call[0] as any);
    },
    get snapshots() {
      return calls.map((call) => call[0] as any).filter((message) => message?.type === 'snapshot') as DebugSnapshot[];
    },
  };
}

/** Dispatches a `message` event carrying `data` on `target`, as an inspector's content script would. */
export function say(target: EventTarget, data: unknown): void {
  target.dispatchEvent(new MessageEvent('message', { data }));
}

/** Polls `predicate` on macrotask boundaries until it holds or `timeoutMs` passes. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3000, stepMs = 5): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (predicate()) return true;
    await sleep(stepMs);
  }
  return predicate();
}

export function byName(snap: DebugSnapshot): Record<string, ChannelSnapshot> {
  return Object.fromEntries(snap.channels.map((channel) => [channel.name, channel]));
}

export function find(snap: DebugSnapshot, name: string): ChannelSnapshot | undefined {
  return snap.channels.find((channel) => channel.name === name);
}

/** Swallows a promise's rejection (a parked operation we never expect to settle, or expect to fail). */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Collects garbage (with a turn before and after) until `done()` holds, at most `rounds` times; whether it held. */
export async function collect(done: () => boolean, rounds = 30): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  for (let i = 0; i < rounds; i++) {
    await sleep(0);
    gc();
    await sleep(1);
    if (done()) return true;
  }
  return done();
}
