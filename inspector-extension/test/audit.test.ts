/**
 * Red-team audit of the panel's ranking (SPEC.md second map: "rows are ranked leaked first,
 * then stuck, the longest-blocked producer first") and of leaks that outlive their channel.
 */
import { describe, expect, test } from 'vitest';
import type { LeakSnapshot } from '../../src/protocol.js';
import { cleared, DEFAULT_VIEW, EMPTY_DATA, type PanelData, rowsOf, withSnapshot } from '../src/panel/model.js';
import { channel, dataOf, snapshot, T0, TOP, waiter } from './snapshots.js';

const summary = (data: PanelData, view = {}, now = T0) =>
  rowsOf(data, { ...DEFAULT_VIEW, ...view }, now).rows.map((row) => `${row.label}:${row.state}`);

function leak(id: number, fields: Partial<LeakSnapshot> = {}): LeakSnapshot {
  return {
    id,
    kind: 'push',
    since: T0 - 1000,
    detectedAt: T0 - 10,
    channel: { id: 100 + id, name: `leak-${id}`, capacity: 0 },
    ...fields,
  };
}

describe('ranking', () => {
  test('sorted by name, leaked rows still come first, then stuck ones with blocked producers first', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot(
        [
          channel({ id: 1, name: 'a-consumer', pullers: [waiter('pull', 90_000)] }),
          channel({ id: 2, name: 'b-input', input: true, pullers: [waiter('pull', 90_000)] }),
          channel({ id: 3, name: 'c-idle' }),
          channel({ id: 4, name: 'z-producer', pushers: [waiter('push', 6000)] }),
        ],
        { leaked: [leak(1, { channel: { id: 50, name: 'zz-leak', capacity: 0 } })] },
      ),
      T0,
    );
    expect(summary(data, { sort: 'name' })).toEqual([
      'zz-leak:leaked',
      'z-producer:stuck',
      'a-consumer:stuck',
      'b-input:input',
      'c-idle:idle',
    ]);
  });

  test('a stuck select with a push case ranks as a blocked producer, before a consumer stuck longer', () => {
    const selectCase = (kind: 'select', age: number) => ({ ...waiter(kind, age), select: 9 });
    const data = dataOf([
      channel({ id: 1, name: 'consumer', pullers: [waiter('pull', 120_000)] }),
      channel({ id: 2, name: 'out', pushers: [selectCase('select', 6000)] }),
      channel({ id: 3, name: 'stop', pullers: [selectCase('select', 6000)] }),
    ]);
    expect(summary(data)[0]).toBe('select: push out | pull stop:stuck');
    expect(summary(data)[1]).toBe('consumer:stuck');
  });

  test('a plain wait nothing explains makes its channel stuck even when another wait on it is explained', () => {
    const data = dataOf([
      channel({
        id: 1,
        name: 'mixed',
        pullers: [{ ...waiter('select', 60_000), input: true }, waiter('pull', 10_000)],
      }),
    ]);
    expect(summary(data)).toEqual(['mixed:stuck']);
  });

  test('a waiting-for-input row is never stuck, whatever the threshold', () => {
    const data = dataOf([channel({ id: 1, name: 'ticks', input: true, pullers: [waiter('pull', 10 ** 9)] })]);
    expect(summary(data, { thresholdMs: 1 })).toEqual(['ticks:input']);
  });

  test('several leaks rank before every stuck row, the oldest first under the default sort', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, name: 'stuck', pushers: [waiter('push', 10 ** 7)] })], {
        leaked: [leak(1, { since: T0 - 5000 }), leak(2, { since: T0 - 50_000 })],
      }),
      T0,
    );
    expect(summary(data)).toEqual(['leak-2:leaked', 'leak-1:leaked', 'stuck:stuck']);
  });
});

describe('leaks outlive their channel', () => {
  test('leaks of a page and of its relayed worker with the same id are two rows', () => {
    const page = withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak(1)] }), T0);
    const both = withSnapshot(
      page,
      TOP,
      snapshot([], { leaked: [leak(1)], context: { kind: 'worker', url: 'https://app.example/w.js' } }),
      T0 + 1,
    );
    expect(both.leaks).toHaveLength(2);
  });

  test('Clear of a page’s leak does not dismiss the worker’s leak of the same id reported later', () => {
    const page = cleared(withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak(1)] }), T0));
    const worker = withSnapshot(
      page,
      TOP,
      snapshot([], { leaked: [leak(1)], context: { kind: 'worker', url: 'https://app.example/w.js' } }),
      T0 + 1,
    );
    expect(worker.leaks.map((entry) => entry.context.kind)).toEqual(['worker']);
  });
});
