/**
 * The panel's model (src/panel/model.ts, src/panel/sanitize.ts): how snapshots, frames,
 * workers, leaks, notices and Clear fold into the panel's data; which state each row is in and
 * how rows rank; clocks; and what is kept of untrusted input.
 */
import { describe, expect, test } from 'vitest';
import type { LeakSnapshot } from '../../src/protocol.js';
import {
  ageAt,
  cleared,
  DEFAULT_VIEW,
  EMPTY_DATA,
  HISTORY_LENGTH,
  type PanelData,
  rowsOf,
  withAnnounce,
  withNotice,
  withoutFrame,
  withSnapshot,
} from '../src/panel/model.js';
import { channel, dataOf, IFRAME, snapshot, T0, TOP, waiter } from './snapshots.js';

const key = (frame = TOP, context = 'page') => `${frame.documentId}|${context}`;
const stateOf = (data: PanelData) => data.frames.get(key());
const rows = (data: PanelData, now = T0, view = {}) => rowsOf(data, { ...DEFAULT_VIEW, ...view }, now).rows;
const summary = (data: PanelData, now = T0, view = {}) =>
  rows(data, now, view).map((row) => `${row.label}:${row.state}`);

function leak(id: number, fields: Partial<LeakSnapshot> = {}): LeakSnapshot {
  return {
    id,
    kind: 'pull',
    since: T0 - 60_000,
    detectedAt: T0 - 1000,
    channel: { id: 100 + id, name: `gone-${id}`, capacity: 0 },
    ...fields,
  };
}

describe('withSnapshot', () => {
  test('each newer snapshot appends every channel’s size to its history, keeping the last HISTORY_LENGTH', () => {
    let data = EMPTY_DATA;
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) {
      data = withSnapshot(data, TOP, snapshot([channel({ id: 1, capacity: 100, size: i })], { time: T0 + i }), T0 + i);
    }
    const history = stateOf(data)?.history.get(1);
    expect(history).toHaveLength(HISTORY_LENGTH);
    expect(history?.at(-1)).toBe(HISTORY_LENGTH + 4);
    expect(history?.[0]).toBe(5);
  });

  test('a snapshot received before the one shown is ignored (a kept snapshot arriving after a live one)', () => {
    const live = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, size: 2 })]), T0 + 10);
    expect(withSnapshot(live, TOP, snapshot([channel({ id: 1, size: 1 })]), T0)).toBe(live);
  });

  test('one snapshot dated an hour ahead does not freeze the rows: later ones still replace it', () => {
    const ahead = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, size: 9 })], { time: T0 + 3_600_000 }), T0);
    const next = withSnapshot(ahead, TOP, snapshot([channel({ id: 1, size: 1 })], { time: T0 + 100 }), T0 + 100);
    expect(stateOf(next)?.channels[0]?.size).toBe(1);
  });

  test('a page clock stepping back does not freeze the rows either', () => {
    const first = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, size: 1 })], { time: T0 }), T0);
    const back = withSnapshot(first, TOP, snapshot([channel({ id: 1, size: 2 })], { time: T0 - 50_000 }), T0 + 100);
    expect(stateOf(back)?.channels[0]?.size).toBe(2);
  });

  test('two snapshots received in the same millisecond are ordered by their seq', () => {
    const first = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, size: 1 })], { seq: 5 }), T0);
    const older = withSnapshot(first, TOP, snapshot([channel({ id: 1, size: 0 })], { seq: 4 }), T0);
    expect(older).toBe(first);
    const newer = withSnapshot(first, TOP, snapshot([channel({ id: 1, size: 2 })], { seq: 6 }), T0);
    expect(stateOf(newer)?.channels[0]?.size).toBe(2);
  });

  test('a channel that left the snapshot leaves its history behind', () => {
    const first = dataOf([channel({ id: 1 }), channel({ id: 2 })]);
    const second = withSnapshot(first, TOP, snapshot([channel({ id: 2 })]), T0 + 1);
    expect([...(stateOf(second)?.history.keys() ?? [])]).toEqual([2]);
  });

  test('updates never mutate the data they start from', () => {
    const before = dataOf([channel({ id: 1 })]);
    const frames = before.frames;
    withSnapshot(before, IFRAME, snapshot([channel({ id: 9 })]), T0);
    expect(before.frames).toBe(frames);
    expect(before.frames.size).toBe(1);
  });

  test('a Worker’s snapshots, relayed by its page, are kept apart from the page’s own', () => {
    const page = dataOf([channel({ id: 1, name: 'page-jobs' })]);
    const worker = withSnapshot(
      page,
      TOP,
      snapshot([channel({ id: 1, name: 'worker-jobs' })], {
        context: { kind: 'worker', url: 'https://app.example/w.js' },
      }),
      T0 + 1,
    );
    expect(worker.frames.size).toBe(2);
    expect(rows(worker).map((row) => [row.label, row.context.kind])).toEqual([
      ['page-jobs', 'page'],
      ['worker-jobs', 'worker'],
    ]);
  });
});

describe('what is kept of untrusted input', () => {
  test('unknown fields are dropped from channels and waiters', () => {
    const hostile = { ...channel({ id: 1, pullers: [{ ...waiter('pull', 10), extra: 'x' } as never] }), secret: 1 };
    const kept = stateOf(dataOf([hostile as never]))?.channels[0] as unknown as Record<string, unknown>;
    expect(kept.secret).toBeUndefined();
    expect((kept.pullers as Record<string, unknown>[])[0]?.extra).toBeUndefined();
  });

  test('a channel’s waiting (its queues’ true lengths) is kept field by field and counts in its row', () => {
    const cut = channel({
      id: 1,
      name: 'cut',
      pullers: [waiter('pull', 10)],
      waiting: { pushers: 0, pullers: 5000, extra: 'x' } as never,
    });
    const kept = stateOf(dataOf([cut, channel({ id: 2, name: 'whole', pushers: [waiter('push', 10)] })]));
    expect(kept?.channels[0]?.waiting).toEqual({ pushers: 0, pullers: 5000 });
    expect(kept?.channels[1]?.waiting).toBeUndefined();
    const data = dataOf([cut]);
    expect(rows(data)[0]?.waiters).toBe(5000);
  });

  test('bidi overrides and control characters are removed from names and stacks', () => {
    const data = dataOf([
      channel({
        id: 1,
        name: 'jobs\u202Egnp.exe\u2066x\u0007',
        pullers: [waiter('pull', 10, 'at f (a.js:1:1)\u202E')],
      }),
    ]);
    const kept = stateOf(data)?.channels[0];
    expect(kept?.name).toBe('jobsgnp.exex ');
    expect(kept?.pullers[0]?.stack).toBe('at f (a.js:1:1)');
  });

  test('an ancient since reads as the age of the document, not as billions of hours', () => {
    const frame = { ...TOP, startedAt: T0 - 30_000 };
    const data = withSnapshot(
      EMPTY_DATA,
      frame,
      snapshot([channel({ id: 1, pullers: [{ kind: 'pull', since: 1 }] })]),
      T0,
    );
    expect(ageAt(rows(data)[0]?.since ?? 0, T0)).toBe(30_000);
  });

  test('a since after the snapshot’s time (a clock stepping back) reads as no wait yet', () => {
    const data = dataOf([channel({ id: 1, pullers: [{ kind: 'pull', since: T0 + 60_000 }] })]);
    expect(ageAt(rows(data)[0]?.since ?? 0, T0)).toBe(0);
  });
});

describe('states and ranking', () => {
  test('a wait that nothing explains is stuck once it lasts the threshold; shorter, it is only waiting', () => {
    const data = dataOf([
      channel({ id: 1, name: 'old', pullers: [waiter('pull', 6000)] }),
      channel({ id: 2, name: 'young', pullers: [waiter('pull', 1000)] }),
      channel({ id: 3, name: 'none' }),
    ]);
    expect(summary(data)).toEqual(['old:stuck', 'young:waiting', 'none:idle']);
  });

  test('a wait on an input channel is waiting for input however long it lasts, never stuck', () => {
    const data = dataOf([
      channel({ id: 1, name: 'fromEvent(input)', input: true, pullers: [waiter('pull', 3_600_000)] }),
      channel({ id: 2, name: 'marked', pullers: [{ ...waiter('pull', 3_600_000), input: true }] }),
    ]);
    expect(summary(data)).toEqual(['fromEvent(input):input', 'marked:input']);
  });

  test('rows rank leaked, then stuck, then waiting for input, then the rest', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot(
        [
          channel({ id: 1, name: 'idle' }),
          channel({ id: 2, name: 'input', input: true, pullers: [waiter('pull', 90_000)] }),
          channel({ id: 3, name: 'stuck', pullers: [waiter('pull', 10_000)] }),
        ],
        { leaked: [leak(1)] },
      ),
      T0,
    );
    expect(summary(data)).toEqual(['gone-1:leaked', 'stuck:stuck', 'input:input', 'idle:idle']);
  });

  test('among stuck rows, blocked producers come first, the longest-blocked first', () => {
    const data = dataOf([
      channel({ id: 1, name: 'consumer', pullers: [waiter('pull', 60_000)] }),
      channel({ id: 2, name: 'producer-young', capacity: 1, size: 1, pushers: [waiter('push', 7000)] }),
      channel({ id: 3, name: 'producer-old', capacity: 1, size: 1, pushers: [waiter('push', 9000)] }),
    ]);
    expect(summary(data)).toEqual(['producer-old:stuck', 'producer-young:stuck', 'consumer:stuck']);
  });

  test('a select shows once, as its own row; its cases do not make their channels stuck', () => {
    const selectCase = (select: number) => ({ ...waiter('select', 8000), select });
    const data = dataOf([
      channel({ id: 1, name: 'shutdown', pullers: [selectCase(7)] }),
      channel({ id: 2, name: 'cancel', pullers: [selectCase(7)] }),
    ]);
    expect(summary(data)).toEqual(['select: pull shutdown | pull cancel:stuck', 'shutdown:idle', 'cancel:idle']);
    const [select] = rows(data);
    expect(select?.kind).toBe('select');
    expect(select?.cases?.map((c) => c.channel.name)).toEqual(['shutdown', 'cancel']);
  });

  test('a select with a case on an input channel is waiting for input', () => {
    const selectCase = (select: number) => ({ ...waiter('select', 60_000), select });
    const data = dataOf([
      channel({ id: 1, name: 'keys', input: true, pullers: [selectCase(3)] }),
      channel({ id: 2, name: 'replies', capacity: 1, pullers: [selectCase(3)] }),
    ]);
    expect(summary(data)[0]).toBe('select: pull keys | pull replies:input');
  });

  test('rows say until when they stay valid: the instant the next wait turns stuck', () => {
    const data = dataOf([channel({ id: 1, pullers: [waiter('pull', 1000)] })]);
    expect(rowsOf(data, DEFAULT_VIEW, T0).validUntil).toBe(T0 + 4000);
    expect(rowsOf(dataOf([channel({ id: 1 })]), DEFAULT_VIEW, T0).validUntil).toBe(Number.POSITIVE_INFINITY);
  });

  test('a wait keeps ageing after its snapshot arrived', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([channel({ id: 1, pullers: [waiter('pull', 3000)] })]),
      T0 + 50_000,
    );
    // The extension's clock is 50 s ahead of the page's: only differences on each clock count.
    expect(ageAt(rows(data, T0 + 50_000)[0]?.since ?? 0, T0 + 50_000)).toBe(3000);
    expect(ageAt(rows(data, T0 + 52_000)[0]?.since ?? 0, T0 + 52_000)).toBe(5000);
  });
});

describe('leaks', () => {
  const leaky = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1 })], { leaked: [leak(1)] }), T0);

  test('a leaked select is labelled by all its cases, as while it was stuck, and any of their names finds it (BQ-inspector-1)', () => {
    const cases = [
      { kind: 'pull', channel: { id: 101, name: 'shutdown' } },
      { kind: 'push', channel: { id: 102, name: '' } },
    ] as const;
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak(1, { kind: 'select', cases })] }), T0);
    expect(summary(data)).toEqual(['select: pull shutdown | push #102:leaked']);
    expect(summary(data, T0, { filter: '#102' })).toEqual(['select: pull shutdown | push #102:leaked']);
    expect(summary(data, T0, { filter: 'nothing' })).toEqual([]);
    // From a page of an earlier release (no `cases`): by its first case's channel, as before.
    const older = withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak(2, { kind: 'select' })] }), T0);
    expect(summary(older)).toEqual(['gone-2:leaked']);
  });

  test('a leak stays listed after its channel is gone, in later snapshots and across a navigation', () => {
    const later = withSnapshot(leaky, TOP, snapshot([channel({ id: 1 })]), T0 + 10);
    expect(summary(later)[0]).toBe('gone-1:leaked');
    const navigated = withSnapshot(later, { ...TOP, documentId: 'doc-next' }, snapshot([]), T0 + 20);
    expect(summary(navigated)).toEqual(['gone-1:leaked']);
    expect(summary(withoutFrame(later, TOP.documentId))).toEqual(['gone-1:leaked']);
  });

  test('a leak reported again is listed once', () => {
    const again = withSnapshot(leaky, TOP, snapshot([], { leaked: [leak(1)] }), T0 + 10);
    expect(again.leaks).toHaveLength(1);
  });

  test('Clear removes the leaks, and a page that lists them again does not bring them back', () => {
    const after = cleared(leaky);
    expect(after.leaks).toEqual([]);
    const again = withSnapshot(after, TOP, snapshot([], { leaked: [leak(1), leak(2)] }), T0 + 10);
    expect(again.leaks.map((entry) => entry.leak.id)).toEqual([2]);
  });
});

describe('frames, notices and Clear', () => {
  test('an iframe going away removes only its rows', () => {
    const data = dataOf([channel({ id: 1 })], IFRAME, dataOf([channel({ id: 1 })]));
    const after = withoutFrame(data, IFRAME.documentId);
    expect([...after.frames.keys()]).toEqual([key()]);
  });

  test('the top frame going away (a navigation) starts the panel over', () => {
    const data = withNotice(dataOf([channel({ id: 1 })], IFRAME, dataOf([channel({ id: 1 })])), 'malformed', TOP);
    const after = withoutFrame(data, TOP.documentId);
    expect(after.frames.size).toBe(0);
    expect(after.notices).toEqual([]);
    expect(after.debugSeen).toBe(false);
  });

  test('when the last reporting frame goes away, the panel starts over', () => {
    const data = dataOf([channel({ id: 1 })], IFRAME);
    expect(withoutFrame(data, IFRAME.documentId).frames.size).toBe(0);
  });

  test('a new document in the top frame (a navigation) starts the panel over with the new page', () => {
    const before = dataOf([channel({ id: 1, name: 'old' })], IFRAME, dataOf([channel({ id: 1, name: 'old' })]));
    const next = { ...TOP, documentId: 'doc-next' };
    const after = withSnapshot(before, next, snapshot([channel({ id: 1, name: 'new' })]), T0 + 1);
    expect([...after.frames.keys()]).toEqual([key(next)]);
    expect(after.frames.get(key(next))?.history.get(1)).toEqual([0]);
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
