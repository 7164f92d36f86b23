// Helpers for the audit-bo-debug suite (black-box: only 'chanasync' and 'chanasync/debug').
import type { ChannelSnapshot, DebugSnapshot } from 'chanasync/debug';

// Shared with audit BN's debug suite.
export { BYE, byName, HELLO, quiet, recorder, sleep } from '../audit-bn-debug/helpers.js';

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
