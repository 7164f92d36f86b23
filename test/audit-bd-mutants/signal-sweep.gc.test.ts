/**
 * Audit BD (mutation testing of the signal-set sweep, `src/signals.ts` "Why swept"): behaviours
 * of the sweep that no earlier test pinned down — a mutant of each survived the suite.
 *
 * - The sweep drops only entries with nothing to keep: an operation parked on a channel that
 *   was collected keeps its way out, so the abort still rejects it (mutant S08: the sweep
 *   dropped every collected entry, `fail` or not).
 * - When the last operation that must stay leaves, the sweep checks up to 64 entries: 40 dead
 *   ones go, and the listener with them (mutant S03: 8 for 64; BC-soak's test has 10 dead entries,
 *   which 2 + 8 checks happen to clear).
 * - The sweep goes round the whole set: long-lived channels at the front of the set do not stop
 *   it from reaching the dead entries behind them (mutant S12: each sweep started again at the
 *   first entry).
 */
import { getEventListeners } from 'node:events';
import { Channel, fromEvent } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { abandonedPull, liveOperationComesAndGoes } from '../helpers/abandoned.js';
import { collectAll } from '../helpers/gc.js';

/** `count` fromEvent channels on `signal` whose targets are dropped at once; their weak refs. */
function droppedFromEventChannels(signal: AbortSignal, count: number): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) refs.push(new WeakRef(fromEvent(new EventTarget(), 'message', { signal })));
  return refs;
}

/**
 * A pull parked with a signal on a channel then abandoned and collected, `dropped` fromEvent
 * channels dropped unclosed on the same signal (entries the sweep may drop, so it runs), 50
 * operations on the signal (the sweep goes round the set several times), then the abort: how
 * the pull settled.
 */
async function abandonedPullAfterSweeps(dropped: number): Promise<string> {
  const controller = new AbortController();
  const { signal } = controller;
  const { channel, settled } = abandonedPull(signal);
  await collectAll([channel, ...droppedFromEventChannels(signal, dropped)]);
  for (let i = 0; i < 50; i++) await liveOperationComesAndGoes(signal);
  controller.abort(new Error('gave up'));
  return settled;
}

describe('the signal set sweep keeps what the abort needs', () => {
  it('a pull parked on an abandoned channel is still rejected by the abort after operations on the signal swept its set', async () => {
    expect(await abandonedPullAfterSweeps(10)).toBe('rejected gave up');
  });

  it('(holds) without dropped fromEvent channels on the signal, the same abandoned pull is rejected by the abort', async () => {
    expect(await abandonedPullAfterSweeps(0)).toBe('rejected gave up');
  });
});

describe('the signal set sweep goes round the whole set', () => {
  it('40 dropped fromEvent channels: once the one live operation on the signal left, the signal has no abort listener', async () => {
    const { signal } = new AbortController();
    await collectAll(droppedFromEventChannels(signal, 40));
    await liveOperationComesAndGoes(signal);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('dropped fromEvent channels behind long-lived ones are swept: once everything is closed, the signal has no abort listener', async () => {
    const { signal } = new AbortController();
    // An application's long-lived channels on its one signal, made first: the front of its set.
    const resize = fromEvent(new EventTarget(), 'resize', { signal });
    const online = fromEvent(new EventTarget(), 'online', { signal });
    // A long-lived operation stays parked all along (so no operation that leaves is the last).
    const jobs = new Channel<number>();
    const waiting = jobs.pull({ signal });
    // Components come and go: their fromEvent channels are dropped with their targets, unclosed.
    await collectAll(droppedFromEventChannels(signal, 1000));
    for (let i = 0; i < 1000; i++) await liveOperationComesAndGoes(signal);
    resize.close();
    online.close();
    expect(jobs.tryPush(1)).toBe(true);
    expect(await waiting).toBe(1);
    // The set emptied with its last live entry, and its listener went with it.
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
