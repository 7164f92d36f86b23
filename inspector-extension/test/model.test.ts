/**
 * The panel's model (src/panel/model.ts): how snapshots, frames, notices and Clear fold into
 * the panel's data, and how waiting times are computed.
 */
import { describe, expect, test } from 'vitest';
import {
  cleared,
  DEFAULT_VIEW,
  EMPTY_DATA,
  HISTORY_LENGTH,
  rowsOf,
  waiterAge,
  withAnnounce,
  withNotice,
  withoutFrame,
  withSnapshot,
} from '../src/panel/model.js';
import { channel, dataOf, IFRAME, snapshot, T0, TOP, waiter } from './snapshots.js';

describe('withSnapshot', () => {
  test('each newer snapshot appends every channel’s size to its history, keeping the last HISTORY_LENGTH', () => {
    let data = EMPTY_DATA;
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) {
      data = withSnapshot(data, TOP, snapshot([channel({ id: 1, capacity: 100, size: i })], { time: T0 + i }), T0 + i);
    }
    const history = data.frames.get(TOP.documentId)?.history.get(1);
    expect(history).toHaveLength(HISTORY_LENGTH);
    expect(history?.at(-1)).toBe(HISTORY_LENGTH + 4);
    expect(history?.[0]).toBe(5);
  });

  test('an older snapshot than the one shown is ignored (a kept snapshot arriving after a live one)', () => {
    const live = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, size: 2 })], { time: T0 + 10 }), T0 + 10);
    const restored = withSnapshot(live, TOP, snapshot([channel({ id: 1, size: 1 })], { time: T0 }), T0);
    expect(restored).toBe(live);
    expect(withSnapshot(live, TOP, snapshot([channel({ id: 1, size: 2 })], { time: T0 + 10 }), T0 + 10)).toBe(live);
  });

  test('a channel that left the snapshot leaves its history behind', () => {
    const first = dataOf([channel({ id: 1 }), channel({ id: 2 })]);
    const second = withSnapshot(first, TOP, snapshot([channel({ id: 2 })], { time: T0 + 1 }), T0 + 1);
    expect([...(second.frames.get(TOP.documentId)?.history.keys() ?? [])]).toEqual([2]);
  });

  test('updates never mutate the data they start from', () => {
    const before = dataOf([channel({ id: 1 })]);
    const frames = before.frames;
    withSnapshot(before, IFRAME, snapshot([channel({ id: 9 })]), T0);
    expect(before.frames).toBe(frames);
    expect(before.frames.size).toBe(1);
  });
});

describe('frames, notices and Clear', () => {
  test('an iframe going away removes only its rows', () => {
    const data = dataOf([channel({ id: 1 })], IFRAME, dataOf([channel({ id: 1 })]));
    const after = withoutFrame(data, IFRAME.documentId);
    expect([...after.frames.keys()]).toEqual([TOP.documentId]);
  });

  test('the top frame going away (a navigation) starts the panel over', () => {
    const data = withNotice(dataOf([channel({ id: 1 })], IFRAME, dataOf([channel({ id: 1 })])), 'malformed', TOP);
    expect(withoutFrame(data, TOP.documentId)).toBe(EMPTY_DATA);
  });

  test('when the last reporting frame goes away, the panel starts over', () => {
    const data = dataOf([channel({ id: 1 })], IFRAME);
    expect(withoutFrame(data, IFRAME.documentId)).toBe(EMPTY_DATA);
  });

  test('a new document in the top frame (a navigation) starts the panel over with the new page', () => {
    const before = dataOf([channel({ id: 1, name: 'old' })], IFRAME, dataOf([channel({ id: 1, name: 'old' })]));
    const next = { ...TOP, documentId: 'doc-next' };
    const after = withSnapshot(before, next, snapshot([channel({ id: 1, name: 'new' })]), T0 + 1);
    expect([...after.frames.keys()]).toEqual(['doc-next']);
    expect(after.frames.get('doc-next')?.history.get(1)).toEqual([0]);
    const announced = withAnnounce(before, next);
    expect(announced.frames.size).toBe(0);
    expect(announced.debugSeen).toBe(true);
  });

  test('a kept snapshot of the previous top document, arriving after the new page’s, is ignored', () => {
    const next = { ...TOP, documentId: 'doc-next' };
    const live = withSnapshot(EMPTY_DATA, next, snapshot([channel({ id: 1 })]), T0 + 10);
    expect(withSnapshot(live, TOP, snapshot([channel({ id: 2 })]), T0)).toBe(live);
  });

  test('an unknown frame going away changes nothing', () => {
    const data = dataOf([channel({ id: 1 })]);
    expect(withoutFrame(data, 'nobody')).toBe(data);
  });

  test('notices are counted per frame and reason', () => {
    let data = withNotice(EMPTY_DATA, 'oversized', TOP, 10);
    data = withNotice(data, 'oversized', TOP, 20);
    data = withNotice(data, 'malformed', TOP);
    data = withNotice(data, 'oversized', IFRAME, 5);
    expect(data.notices.map((n) => [n.reason, n.frame.frameId, n.count, n.chars])).toEqual([
      ['oversized', 0, 2, 20],
      ['malformed', 0, 1, undefined],
      ['oversized', 7, 1, 5],
    ]);
  });

  test('Clear forgets rows, history and notices, but remembers that the page has debug mode', () => {
    const data = withNotice(dataOf([channel({ id: 1 })]), 'malformed', TOP);
    const after = cleared(data);
    expect(after.frames.size).toBe(0);
    expect(after.notices).toEqual([]);
    expect(after.debugSeen).toBe(true);
    expect(cleared(EMPTY_DATA).debugSeen).toBe(false);
    expect(withAnnounce(EMPTY_DATA, TOP).debugSeen).toBe(true);
  });
});

describe('ages', () => {
  test('a waiter’s age is its age in the snapshot plus the time since the snapshot arrived', () => {
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1 })], { time: T0 }), T0 + 50_000);
    const state = data.frames.get(TOP.documentId)!;
    // The extension's clock is 50 s ahead of the page's: only differences on each clock count.
    expect(waiterAge(waiter('pull', 3000), state, T0 + 50_000)).toBe(3000);
    expect(waiterAge(waiter('pull', 3000), state, T0 + 52_000)).toBe(5000);
  });

  test('a row’s age is that of its oldest waiter, pusher or puller', () => {
    const data = dataOf([channel({ id: 1, pushers: [waiter('push', 2000)], pullers: [waiter('select', 7000)] })]);
    const [row] = rowsOf(data, DEFAULT_VIEW, T0);
    expect(row?.age).toBe(7000);
    expect(row?.oldest?.kind).toBe('select');
    expect(row?.waiters).toBe(2);
  });
});
