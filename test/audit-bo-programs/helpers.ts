/** Shared helpers of the audit BO-programs files. */
import { getEventListeners } from 'node:events';
import type { Channel, ChannelStats } from 'chanasync';
import { expect } from 'vitest';

/** What the end-of-program checks read: any channel, whatever its element type. */
export type Idle = { stats(): ChannelStats; readonly closed: boolean };

/** Resolves after `ms` of real (or fake) time. */
export const tick = (ms = 0): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

/** `[start, start + 1, …]`, `n` numbers. */
export const range = (n: number, start = 0): number[] => Array.from({ length: n }, (_, i) => start + i);

/** How many abort listeners `signal` has (Node's own count). */
export const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

/** Takes every value `ch` holds now, without waiting. */
export function drain<T>(ch: Channel<T>): T[] {
  const out: T[] = [];
  for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) out.push(v);
  return out;
}

/** Nothing is left parked on any of `chs`. */
export function idle(...chs: Idle[]): void {
  for (const ch of chs) {
    const s = ch.stats();
    expect([s.name, s.waitingPushers, s.waitingPullers]).toEqual([s.name, 0, 0]);
  }
}
