/**
 * The wire protocol's guards: they accept exactly the messages of SPEC.md's "Debug mode" and
 * reject malformed, oversized and foreign ones.
 */
import { describe, expect, test } from 'vitest';
import {
  INSPECTOR_SOURCE,
  isInspectorToPageMessage,
  isPageToInspectorMessage,
  LIMITS,
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
  ])('rejects %s', (_, message) => {
    expect(isInspectorToPageMessage(message)).toBe(false);
  });
});

describe('isPageToInspectorMessage', () => {
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
