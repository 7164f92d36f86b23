/**
 * The console side of leak detection: one `console.warn` per leaked operation, so that a
 * developer without the inspector learns about it too.
 */
import type { LeakSnapshot } from '../protocol.js';

/**
 * `ms` as a person reads an age, as the inspector's panel writes it: `850 ms`, `12.3 s`,
 * `5 min 3 s`, `2 h 10 min`.
 */
export function formatAge(ms: number): string {
  if (!(ms >= 0)) return '0 ms'; // a clock that stepped back
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** What an operation of each kind was doing, for the message. */
const DOING = { push: 'push into', pull: 'pull from', select: 'select on' } as const;

/** The text of the warning for `leak`. */
export function leakMessage(leak: LeakSnapshot): string {
  const { channel, cases = [] } = leak;
  const name = channel.name === '' ? 'an unnamed channel' : `channel "${channel.name}"`;
  const capacity = channel.capacity === null ? 'unbounded' : `capacity ${channel.capacity}`;
  const lines = [
    `chanasync: leaked ${leak.kind} — a ${DOING[leak.kind]} ${name} (#${channel.id}, ${capacity}) ` +
      `waited ${formatAge(leak.detectedAt - leak.since)} and can never complete: the channel was ` +
      'garbage-collected while the operation was parked on it (nothing committed, aborted or closed it).',
  ];
  if (cases.length > 1) {
    const each = cases.map(
      ({ kind, channel }) => `${kind} ${channel.name === '' ? `#${channel.id}` : `"${channel.name}" (#${channel.id})`}`,
    );
    lines.push(`Its cases: ${each.join(', ')}.`);
  }
  if (leak.stack === undefined && channel.createdAt === undefined) {
    lines.push('Call enableDebug({ stacks: true }) to see where it parked and where the channel was created.');
  }
  if (leak.stack !== undefined) lines.push(`Parked at:\n${indent(leak.stack)}`);
  if (channel.createdAt !== undefined) lines.push(`Channel created at:\n${indent(channel.createdAt)}`);
  return lines.join('\n');
}

function indent(stack: string): string {
  return stack === '' ? '    (no user frames)' : stack.replace(/^/gm, '    ');
}

/** Warns about `leak` on the console, if there is one. */
export function warnLeak(leak: LeakSnapshot): void {
  globalThis.console?.warn(leakMessage(leak));
}
