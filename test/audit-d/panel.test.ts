/**
 * Audit D: the Channels panel as a developer reads it (SPEC.md second map, "Idle is not stuck":
 * stuck marking is for waits that nothing explains), through the panel's model.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_VIEW, rowsOf } from '../../inspector-extension/src/panel/model.js';
import { channel, dataOf, T0, waiter } from '../../inspector-extension/test/snapshots.js';

const rowNamed = (data: ReturnType<typeof dataOf>, label: string, now = T0) =>
  rowsOf(data, DEFAULT_VIEW, now).rows.find((row) => row.label === label);

describe('a stuck row points at the wait that makes it stuck', () => {
  test('Parked at and Waiting show the stuck pull, not an older wait for input on the same channel', () => {
    // A search loop's select (its other case is on an input channel) has waited on `replies`
    // for a minute — that is fine; a plain pull parked 10 s ago, which nothing explains, is the bug.
    const data = dataOf([
      channel({
        id: 1,
        name: 'replies',
        pullers: [
          { ...waiter('select', 60_000, 'searchLoop (search.js:98)'), input: true },
          waiter('pull', 10_000, 'waitForReply (reply.js:7)'),
        ],
      }),
    ]);
    const row = rowNamed(data, 'replies');
    expect(row?.state).toBe('stuck');
    expect(row?.oldest?.stack).toBe('waitForReply (reply.js:7)');
    expect(row?.since).toBe(T0 - 10_000);
  });

  test('Parked at shows the stuck plain push, not an older case of a select that has a row of its own', () => {
    const selectCase = { ...waiter('select', 90_000, 'dispatch (bus.js:3)'), select: 4 };
    const data = dataOf([
      channel({
        id: 1,
        name: 'out',
        pushers: [selectCase, waiter('push', 8000, 'produce (producer.js:12)')],
      }),
      channel({ id: 2, name: 'ticks', input: true, pullers: [{ ...selectCase, input: true }] }),
    ]);
    const row = rowNamed(data, 'out');
    expect(row?.state).toBe('stuck');
    expect(row?.oldest?.stack).toBe('produce (producer.js:12)');
  });

  test('a row waiting for input still shows its oldest wait', () => {
    const data = dataOf([
      channel({
        id: 1,
        name: 'clicks',
        input: true,
        pullers: [waiter('pull', 30_000, 'loop (ui.js:1)'), waiter('pull', 1000, 'other (ui.js:9)')],
      }),
    ]);
    const row = rowNamed(data, 'clicks');
    expect(row?.state).toBe('input');
    expect(row?.oldest?.stack).toBe('loop (ui.js:1)');
  });
});
