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
import { collectAll, tick } from '../helpers/gc.js';

/** A live operation parks with `signal` and commits. */
async function liveOperationComesAndGoes(signal: AbortSignal): Promise<void> {
  const channel = new Channel<number>();
  const pulled = channel.pull({ signal });
  channel.tryPush(1);
  await pulled;
}

/** `count` fromEvent channels on `signal` whose targets are dropped at once; their weak refs. */
function droppedFromEventChannels(signal: AbortSignal, count: number): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) refs.push(new WeakRef(fromEvent(new EventTarget(), 'message', { signal })));
  return refs;
}

describe('the signal set sweep keeps what the abort needs', () => {
  it('a pull parked on an abandoned channel is still rejected by the abort after operations on the signal swept its set', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const refs: WeakRef<object>[] = [];
    let outcome: unknown = 'pending';
    (() => {
      const abandoned = new Channel<number>();
      refs.push(new WeakRef(abandoned));
      abandoned.pull({ signal }).then(
        (value) => {
          outcome = { value };
        },
        (error: unknown) => {
          outcome = error;
        },
      );
    })();
    // Channels the signal closes, dropped unclosed: entries the sweep may drop, so it runs.
    refs.push(...droppedFromEventChannels(signal, 10));
    await collectAll(refs);
    // Each operation checks entries of the set: they go round it several times.
    for (let i = 0; i < 50; i++) await liveOperationComesAndGoes(signal);
    const reason = new Error('gave up');
    controller.abort(reason);
    await tick();
    expect(outcome).toBe(reason);
  });

  it('(holds) without dropped fromEvent channels on the signal, the same abandoned pull is rejected by the abort', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const refs: WeakRef<object>[] = [];
    let outcome: unknown = 'pending';
    (() => {
      const abandoned = new Channel<number>();
      refs.push(new WeakRef(abandoned));
      abandoned.pull({ signal }).catch((error: unknown) => {
        outcome = error;
      });
    })();
    await collectAll(refs);
    for (let i = 0; i < 50; i++) await liveOperationComesAndGoes(signal);
    const reason = new Error('gave up');
    controller.abort(reason);
    await tick();
    expect(outcome).toBe(reason);
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
