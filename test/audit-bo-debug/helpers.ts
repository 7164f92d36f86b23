// Helpers for the audit-bo-debug suite (black-box: only 'chanasync' and 'chanasync/debug').
import type { ChannelSnapshot, DebugSnapshot } from 'chanasync/debug';

export const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
export const BYE = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

export const sleep = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Swallows the rejection of `promise` (an operation a test lets fail) and returns it. */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** The channels of a snapshot by name (names are unique in each test). */
export function byName(snap: DebugSnapshot): Record<string, ChannelSnapshot> {
  return Object.fromEntries(snap.channels.map((channel) => [channel.name, channel]));
}

/** The channel named `name` in `snap`, or a failure. */
export function row(snap: DebugSnapshot, name: string): ChannelSnapshot {
  const found = snap.channels.filter((channel) => channel.name === name);
  if (found.length !== 1) throw new Error(`expected one channel named ${name}, got ${found.length}`);
  return found[0]!;
}

/**
 * The number of the line after the caller's (in its test file, as source-mapped stacks name
 * it): `const line = nextLine();` above the operation whose call site a test checks.
 */
export function nextLine(): number {
  const frame = (new Error().stack ?? '').split('\n')[2] ?? '';
  const match = /:(\d+):\d+\)?$/.exec(frame.trim());
  if (!match) throw new Error(`no line in ${frame}`);
  return Number(match[1]) + 1;
}

/** The first frame of a debug stack (the user's innermost frame). */
export function firstFrame(stack: string | undefined): string {
  return (stack ?? '').split('\n')[0] ?? '';
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

/** Parked counts of a channel row, for compact assertions. */
export function counts(channel: ChannelSnapshot) {
  return {
    size: channel.size,
    capacity: channel.capacity,
    closed: channel.closed,
    pushers: channel.pushers.length,
    pullers: channel.pullers.length,
  };
}
