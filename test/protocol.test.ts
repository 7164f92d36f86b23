/**
 * The wire protocol's guards: they accept exactly the messages of SPEC.md's "Debug mode" and
 * reject malformed, oversized and foreign ones.
 */
import { describe, expect, test } from 'vitest';
import {
  INSPECTOR_SOURCE,
  isInspectorToPageMessage,
  isInstanceId,
  isPageToInspectorMessage,
  LIMITS,
  MAX_TIME,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
} from '../src/protocol.js';

const channel = {
  id: 1,
  name: 'jobs',
  capacity: null,
  size: 0,
  closed: false,
  overflow: 'block',
  pushers: [],
  pullers: [{ kind: 'pull', since: 1 }],
};
const snapshot = { source: PAGE_SOURCE, version: PROTOCOL_VERSION, type: 'snapshot', time: 1, channels: [channel] };
const leak = {
  id: 1,
  kind: 'pull',
  since: 1,
  detectedAt: 2,
  channel: { id: 7, name: 'replies', capacity: 0 },
};
/** `snapshot` with its first channel changed by `fields`. */
const withChannel = (fields: Record<string, unknown>) => ({ ...snapshot, channels: [{ ...channel, ...fields }] });
/** `snapshot` with one waiter (a puller) made of `fields`. */
const withWaiter = (fields: Record<string, unknown>) =>
  withChannel({ pullers: [{ kind: 'pull', since: 1, ...fields }] });
/** `snapshot` with one leak changed by `fields`. */
const withLeak = (fields: Record<string, unknown>) => ({ ...snapshot, leaked: [{ ...leak, ...fields }] });

describe('isInspectorToPageMessage', () => {
  test('accepts hello and bye from the inspector', () => {
    for (const type of ['hello', 'bye']) {
      expect(isInspectorToPageMessage({ source: INSPECTOR_SOURCE, version: 1, type })).toBe(true);
    }
  });

  test.each([
    ['null', null],
    ['a string', 'hello'],
    ['another source', { source: 'react-devtools', version: 1, type: 'hello' }],
    ['the page’s own message', { source: PAGE_SOURCE, version: 1, type: 'announce' }],
    ['another version', { source: INSPECTOR_SOURCE, version: 2, type: 'hello' }],
    ['no version', { source: INSPECTOR_SOURCE, type: 'hello' }],
    ['an unknown type', { source: INSPECTOR_SOURCE, version: 1, type: 'snapshot' }],
    // Not of the exact shape: the fields are not the object's own, or it is an array (a
    // structured clone keeps an array's named properties).
    ['an object that inherits the fields', Object.create({ source: INSPECTOR_SOURCE, version: 1, type: 'hello' })],
    ['an array that carries the fields', Object.assign([], { source: INSPECTOR_SOURCE, version: 1, type: 'hello' })],
  ])('rejects %s', (_, message) => {
    expect(isInspectorToPageMessage(message)).toBe(false);
  });
});

describe('isPageToInspectorMessage', () => {
  test('rejects an announce or a snapshot whose fields are inherited, or that is an array', () => {
    for (const message of [{ source: PAGE_SOURCE, version: 1, type: 'announce' }, snapshot]) {
      expect(isPageToInspectorMessage(Object.create(message))).toBe(false);
      expect(isPageToInspectorMessage(Object.assign([], message))).toBe(false);
      expect(isPageToInspectorMessage({ ...message })).toBe(true);
    }
  });

  test('accepts announce and a well-formed snapshot', () => {
    expect(isPageToInspectorMessage({ source: PAGE_SOURCE, version: 1, type: 'announce' })).toBe(true);
    expect(isPageToInspectorMessage(snapshot)).toBe(true);
    expect(isPageToInspectorMessage({ ...snapshot, truncated: { channels: 3, waiters: 0 } })).toBe(true);
    expect(
      isPageToInspectorMessage({
        ...snapshot,
        channels: [{ ...channel, createdAt: 'at f (a.js:1:1)', pushers: [{ kind: 'select', since: 2, stack: 's' }] }],
      }),
    ).toBe(true);
  });

  test('accepts the optional fields of issue 12: input, select, leaked, seq, context, truncated leaks', () => {
    const full = {
      ...snapshot,
      seq: 12,
      context: { kind: 'worker', url: 'https://example.com/worker.js', origin: 'https://example.com' },
      truncated: { channels: 0, waiters: 0, leaks: 3 },
      leaked: [
        { ...leak, stack: 'at main (app.js:3:1)', channel: { ...leak.channel, createdAt: 'at app.js:1:1' } },
        { ...leak, id: 2, kind: 'select', channel: { id: 8, name: '', capacity: null } },
      ],
      channels: [
        {
          ...channel,
          input: true,
          pullers: [
            { kind: 'select', since: 1, select: 4, input: true },
            { kind: 'pull', since: 2, input: false },
          ],
        },
      ],
    };
    expect(isPageToInspectorMessage(full)).toBe(true);
    for (const kind of ['page', 'frame']) {
      expect(isPageToInspectorMessage({ ...snapshot, context: { kind } })).toBe(true);
    }
  });

  test('accepts a buffered channel whose buffer is full, and an infinite one with any size', () => {
    expect(isPageToInspectorMessage(withChannel({ capacity: 3, size: 3 }))).toBe(true);
    expect(isPageToInspectorMessage(withChannel({ capacity: null, size: 1_000_000 }))).toBe(true);
    expect(isPageToInspectorMessage(withChannel({ capacity: 1, size: 1, overflow: 'drop-oldest' }))).toBe(true);
  });

  test('accepts an unbuffered channel holding one value (a broadcast subscriber of capacity 0 that holds its value)', () => {
    expect(isPageToInspectorMessage(withChannel({ capacity: 0, size: 1 }))).toBe(true);
  });

  test.each([
    ['a negative size', withChannel({ size: -1 })],
    ['a fractional size', withChannel({ size: 0.5 })],
    ['a size above the capacity', withChannel({ capacity: 2, size: 3 })],
    ['a size of 2 on an unbuffered channel', withChannel({ capacity: 0, size: 2 })],
    ['a negative capacity', withChannel({ capacity: -1 })],
    ['a fractional capacity', withChannel({ capacity: 1.5 })],
    ['an infinite capacity as a number', withChannel({ capacity: Infinity })],
    ['a drop policy on an unbuffered channel', withChannel({ capacity: 0, overflow: 'drop-newest' })],
    ['a negative id', withChannel({ id: -1 })],
    ['a fractional id', withChannel({ id: 1.5 })],
    ['a non-boolean input', withChannel({ input: 'yes' })],
    ['a since before the epoch', withWaiter({ since: -1 })],
    ['a since beyond the last Date', withWaiter({ since: MAX_TIME + 1 })],
    ['a NaN since', withWaiter({ since: Number.NaN })],
    ['a fractional select id', withWaiter({ select: 1.5 })],
    ['a select id that is a string', withWaiter({ select: '1' })],
    ['a non-boolean waiter input', withWaiter({ input: 1 })],
    ['a waiter stack that is too long', withWaiter({ stack: 'x'.repeat(LIMITS.stack + 1) })],
    ['a time that is not finite', { ...snapshot, time: Infinity }],
    ['a negative seq', { ...snapshot, seq: -1 }],
    ['a fractional seq', { ...snapshot, seq: 1.5 }],
    ['a context of an unknown kind', { ...snapshot, context: { kind: 'tab' } }],
    ['a context that is a string', { ...snapshot, context: 'worker' }],
    ['a context url that is too long', { ...snapshot, context: { kind: 'page', url: 'x'.repeat(LIMITS.url + 1) } }],
    ['a context origin that is not a string', { ...snapshot, context: { kind: 'frame', origin: 1 } }],
    ['negative truncated counts', { ...snapshot, truncated: { channels: -1, waiters: 0 } }],
    ['a fractional truncated leak count', { ...snapshot, truncated: { channels: 0, waiters: 0, leaks: 0.5 } }],
    ['leaked that is not an array', { ...snapshot, leaked: leak }],
    ['a leak of an unknown kind', withLeak({ kind: 'sleep' })],
    ['a leak without detectedAt', withLeak({ detectedAt: undefined })],
    ['a leak with a negative since', withLeak({ since: -5 })],
    ['a leak without its channel', withLeak({ channel: undefined })],
    ['a leak whose channel has a bad capacity', withLeak({ channel: { id: 1, name: '', capacity: -2 } })],
    [
      'a leak whose channel name is too long',
      withLeak({ channel: { id: 1, name: 'n'.repeat(LIMITS.name + 1), capacity: 0 } }),
    ],
    ['a leak stack that is too long', withLeak({ stack: 'x'.repeat(LIMITS.stack + 1) })],
  ])('rejects a snapshot with %s', (_, message) => {
    expect(isPageToInspectorMessage(message)).toBe(false);
  });

  test('rejects duplicate channel ids (one click would expand two rows)', () => {
    expect(isPageToInspectorMessage({ ...snapshot, channels: [channel, { ...channel, name: 'twin' }] })).toBe(false);
    expect(isPageToInspectorMessage({ ...snapshot, channels: [channel, { ...channel, id: 2 }] })).toBe(true);
  });

  test('rejects duplicate leak ids', () => {
    expect(isPageToInspectorMessage({ ...snapshot, leaked: [leak, leak] })).toBe(false);
    expect(isPageToInspectorMessage({ ...snapshot, leaked: [leak, { ...leak, id: 2 }] })).toBe(true);
  });

  test('rejects a pull among the pushers and a push among the pullers (a select may be in either)', () => {
    expect(isPageToInspectorMessage(withChannel({ pushers: [{ kind: 'pull', since: 1 }] }))).toBe(false);
    expect(isPageToInspectorMessage(withChannel({ pullers: [{ kind: 'push', since: 1 }] }))).toBe(false);
    expect(isPageToInspectorMessage(withChannel({ pushers: [{ kind: 'select', since: 1 }] }))).toBe(true);
    expect(isPageToInspectorMessage(withChannel({ pullers: [{ kind: 'select', since: 1 }] }))).toBe(true);
  });

  test('rejects lists with holes, which structured clone keeps and every() would skip (found by the panel fuzz)', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const holes = [, ,];
    expect(isPageToInspectorMessage({ ...snapshot, leaked: holes })).toBe(false);
    expect(isPageToInspectorMessage({ ...snapshot, channels: holes })).toBe(false);
    expect(isPageToInspectorMessage(withChannel({ pullers: holes }))).toBe(false);
    const pushers = [{ kind: 'push', since: 1 }];
    pushers.length = 2; // a hole after a valid waiter
    expect(isPageToInspectorMessage(withChannel({ pushers }))).toBe(false);
  });

  test('rejects more than LIMITS.leaks leaks', () => {
    const leaked = Array.from({ length: LIMITS.leaks + 1 }, (_, id) => ({ ...leak, id }));
    expect(isPageToInspectorMessage({ ...snapshot, leaked })).toBe(false);
    expect(isPageToInspectorMessage({ ...snapshot, leaked: leaked.slice(1) })).toBe(true);
  });

  test.each([
    ['a foreign source', { ...snapshot, source: 'other' }],
    ['another version', { ...snapshot, version: 2 }],
    ['a missing time', { ...snapshot, time: undefined }],
    ['channels that are not an array', { ...snapshot, channels: {} }],
    ['a channel without an id', { ...snapshot, channels: [{ ...channel, id: '1' }] }],
    ['an unknown overflow', { ...snapshot, channels: [{ ...channel, overflow: 'drop' }] }],
    ['Infinity spelled as a string', { ...snapshot, channels: [{ ...channel, capacity: 'Infinity' }] }],
    ['a waiter of an unknown kind', { ...snapshot, channels: [{ ...channel, pullers: [{ kind: 'wait', since: 1 }] }] }],
    ['a malformed truncated', { ...snapshot, truncated: { channels: 'many' } }],
  ])('rejects a snapshot with %s', (_, message) => {
    expect(isPageToInspectorMessage(message)).toBe(false);
  });

  test('accepts a channel’s waiting: its queues’ true lengths, not below its lists’ lengths', () => {
    const pullers = [{ kind: 'pull', since: 1 }];
    const cut = (waiting: unknown) => ({ ...snapshot, channels: [{ ...channel, pullers, waiting }] });
    expect(isPageToInspectorMessage(cut({ pushers: 0, pullers: 1 }))).toBe(true);
    expect(isPageToInspectorMessage(cut({ pushers: 7, pullers: 100_000 }))).toBe(true);
    expect(isPageToInspectorMessage(cut(undefined))).toBe(true);
  });

  test.each([
    ['negative', { pushers: -1, pullers: 1 }],
    ['fractional', { pushers: 0, pullers: 1.5 }],
    ['below the list length', { pushers: 0, pullers: 0 }],
    ['a string count', { pushers: 0, pullers: '5' }],
    ['a missing count', { pullers: 5 }],
    ['beyond the safe integers', { pushers: 0, pullers: 2 ** 53 }],
    ['not an object', 5],
    ['null', null],
  ])('rejects a channel whose waiting is %s', (_, waiting) => {
    const pullers = [{ kind: 'pull', since: 1 }];
    expect(isPageToInspectorMessage({ ...snapshot, channels: [{ ...channel, pullers, waiting }] })).toBe(false);
  });

  test('rejects oversized snapshots: too many channels or waiters, too long names or stacks', () => {
    const many = Array.from({ length: LIMITS.channels + 1 }, (_, id) => ({ ...channel, id }));
    expect(isPageToInspectorMessage({ ...snapshot, channels: many })).toBe(false);
    const waiters = Array.from({ length: LIMITS.waiters + 1 }, () => ({ kind: 'pull', since: 1 }));
    expect(isPageToInspectorMessage({ ...snapshot, channels: [{ ...channel, pullers: waiters }] })).toBe(false);
    const name = 'x'.repeat(LIMITS.name + 1);
    expect(isPageToInspectorMessage({ ...snapshot, channels: [{ ...channel, name }] })).toBe(false);
    const createdAt = 'x'.repeat(LIMITS.stack + 1);
    expect(isPageToInspectorMessage({ ...snapshot, channels: [{ ...channel, createdAt }] })).toBe(false);
  });
});

describe('isInstanceId', () => {
  test('accepts the ids a copy of chanasync draws for its posted snapshots (1–64 letters, digits, _ or -)', () => {
    expect(isInstanceId('k3x9q0ab7mz2c1de')).toBe(true);
    expect(isInstanceId('a')).toBe(true);
    expect(isInstanceId('copy_1-B')).toBe(true);
    expect(isInstanceId('x'.repeat(64))).toBe(true);
  });

  test('refuses anything else: empty, too long, other characters, not a string', () => {
    for (const value of ['', 'x'.repeat(65), 'a b', 'a/b', '<img>', 'é', 42, null, undefined, {}]) {
      expect(isInstanceId(value)).toBe(false);
    }
  });
});
