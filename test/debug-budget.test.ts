/**
 * The total waiter budget of a snapshot (`LIMITS.totalWaiters`) and a channel's `waiting`: a
 * page stuck at scale — 1000 channels, each with 100 parked operations — still posts a snapshot
 * the inspector accepts (at most `MAX_MESSAGE_CHARS` of JSON), in which every channel keeps the
 * oldest waiter of each non-empty queue, the most stuck channels keep their whole lists, and
 * `waiting` gives the true queue lengths of the lists that were cut. Runs the built package.
 */
import { after, Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { type ChannelSnapshot, isPageToInspectorMessage, LIMITS, type SnapshotMessage } from 'chanasync/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { MAX_MESSAGE_CHARS } from '../inspector-extension/src/messages.js';

/** Leaves an operation parked; its rejection when the test closes the channel is expected. */
function parked(operation: Promise<unknown>): void {
  operation.catch(() => {});
}

const CHANNELS = 1000;
const PER_QUEUE = 100;
/** A name of `LIMITS.name` characters, unique per channel. */
const longName = (i: number) => `${i}:`.padEnd(LIMITS.name, 'x');

const cleanups: (() => void)[] = [];
// Closing 100,000 parked operations with debug mode on: about a second on a quiet machine, more
// than vitest's 10 s hook default on a loaded one (seen with four test files at a time).
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  disableDebug();
}, 120_000);

const listedWaiters = (snap: SnapshotMessage) =>
  snap.channels.reduce((total, channel) => total + channel.pushers.length + channel.pullers.length, 0);

/** The checks every scale case shares: `queues` maps a channel id to its queues' true lengths. */
function checkBudget(snap: SnapshotMessage, parkedTotal: number, queues: Map<number, [number, number]>): void {
  expect(JSON.stringify(snap).length).toBeLessThan(MAX_MESSAGE_CHARS);
  expect(isPageToInspectorMessage(snap)).toBe(true);
  expect(snap.channels).toHaveLength(LIMITS.channels);
  const listed = listedWaiters(snap);
  expect(listed).toBeLessThanOrEqual(LIMITS.totalWaiters);
  expect((snap.truncated?.waiters ?? 0) + listed).toBe(parkedTotal);
  let whole = 0;
  for (const channel of snap.channels) {
    const [pushers, pullers] = queues.get(channel.id) ?? [0, 0];
    // The oldest waiter of each non-empty queue is always there.
    expect(channel.pushers.length > 0).toBe(pushers > 0);
    expect(channel.pullers.length > 0).toBe(pullers > 0);
    // `waiting` is present exactly when a list is cut, and holds the true lengths.
    if (channel.pushers.length === pushers && channel.pullers.length === pullers) {
      expect(channel.waiting).toBeUndefined();
    } else {
      expect(channel.waiting).toEqual({ pushers, pullers });
    }
    if (channel.pushers.length + channel.pullers.length === Math.min(pushers, PER_QUEUE) + Math.min(pullers, PER_QUEUE))
      whole++;
  }
  // The most stuck channels (listed first) keep their whole lists, then the rest only their oldest.
  expect(whole).toBeGreaterThan(0);
  const full = (channel: ChannelSnapshot) => channel.pushers.length + channel.pullers.length >= PER_QUEUE;
  const firstCut = snap.channels.findIndex((channel) => !full(channel));
  expect(firstCut).toBeGreaterThan(0);
  expect(snap.channels.slice(0, firstCut).every(full)).toBe(true);
  expect(
    snap.channels.slice(firstCut + 1).every((channel) => channel.pushers.length + channel.pullers.length === 1),
  ).toBe(true);
}

describe('a snapshot at scale stays within the inspector’s message limit', () => {
  test('1000 channels × 100 parked selects, each with a timeout case', { timeout: 120_000 }, () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const stop = new AbortController();
    const channels = Array.from({ length: CHANNELS }, (_, i) => new Channel<number>(0, { name: longName(i) }));
    cleanups.push(() => {
      stop.abort();
      for (const channel of channels) channel.close();
    });
    for (const channel of channels) {
      for (let k = 0; k < PER_QUEUE; k++) {
        parked(select([pull(channel), pull(after(3_600_000, { signal: stop.signal }))]));
      }
    }
    const snap = snapshot();
    // Each select parks a pull on its channel and one on its own timer channel: the timer
    // channels (one waiter each) and the named channels (100 each) compete for the 1000 places.
    const queues = new Map<number, [number, number]>();
    let parkedTotal = 0;
    for (const channel of snap.channels) {
      const pullers = channel.name.length === LIMITS.name ? PER_QUEUE : 1;
      queues.set(channel.id, [0, pullers]);
    }
    // Every parked case is counted: the listed ones and those of the channels left out.
    parkedTotal = CHANNELS * PER_QUEUE * 2;
    checkBudget(snap, parkedTotal, queues);
    expect(snap.channels.some((channel) => channel.waiting?.pullers === PER_QUEUE)).toBe(true);
  });

  // On input channels, whose waiters say `input: true`: as plain channels such a snapshot was
  // 3.9 MiB of JSON before the budget, 5.2 MiB so (and 5.05 MiB with stacks, which take long to record).
  test('1000 channels with 100 pushers and 1000 with 100 pullers', { timeout: 120_000 }, () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    // Created in turn, so that the 1000 listed (same age, then by id) are half of each.
    const pushedTo: Channel<number>[] = [];
    const pulledFrom: Channel<number>[] = [];
    for (let i = 0; i < CHANNELS; i++) {
      pushedTo.push(new Channel<number>(0, { name: longName(2 * i), input: true }));
      pulledFrom.push(new Channel<number>(0, { name: longName(2 * i + 1), input: true }));
    }
    cleanups.push(() => {
      for (const channel of [...pushedTo, ...pulledFrom]) channel.close();
    });
    for (let k = 0; k < PER_QUEUE; k++) {
      for (const channel of pushedTo) parked(channel.push(k));
      for (const channel of pulledFrom) parked(channel.pull());
    }
    const snap = snapshot();
    const queues = new Map<number, [number, number]>();
    for (const channel of snap.channels) {
      queues.set(channel.id, channel.pushers.length > 0 ? [PER_QUEUE, 0] : [0, PER_QUEUE]);
    }
    checkBudget(snap, 2 * CHANNELS * PER_QUEUE, queues);
    expect(snap.channels[0]?.pushers[0]?.input).toBe(true);
    expect(snap.channels.filter((channel) => channel.pullers.length > 0)).toHaveLength(CHANNELS / 2);
  });

  test('a queue longer than LIMITS.waiters carries its true length in waiting', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const crowded = new Channel<number>(0, { name: 'crowded' });
    const few = new Channel<number>(0, { name: 'few' });
    cleanups.push(() => {
      crowded.close();
      few.close();
    });
    for (let k = 0; k < LIMITS.waiters + 7; k++) parked(crowded.push(k));
    parked(few.pull());
    const snap = snapshot();
    const byName = Object.fromEntries(snap.channels.map((channel) => [channel.name, channel]));
    expect(byName.crowded?.pushers).toHaveLength(LIMITS.waiters);
    expect(byName.crowded?.waiting).toEqual({ pushers: LIMITS.waiters + 7, pullers: 0 });
    expect(byName.few?.waiting).toBeUndefined();
    expect(snap.truncated).toEqual({ channels: 0, waiters: 7 });
    expect(isPageToInspectorMessage(snap)).toBe(true);
  });
});
