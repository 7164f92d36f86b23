/**
 * An operation parked with a signal keeps its way out — its signal still fails it once its
 * channel is collected — unless debug mode tracks that channel and will report the operation as
 * leaked (README, Semantic details: "A signal is no way out"). Found by the twenty-fourth
 * session's audit: with debug mode on, every such operation lost its way out, even on a channel
 * created before `enableDebug` (which nothing tracks, so nothing reported it either), and after
 * `disableDebug` the operations parked meanwhile never got it back. Runs with `--expose-gc`.
 */
import { describe, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel, pull, select } from '../src/index.js';
import { collectAll, tick } from './helpers/gc.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const quietTarget = () => ({ target: { postMessage() {} }, listen: new EventTarget() });

useQuietDebug(disableDebug);

/** How an operation ended, as seen by the caller that awaits it. */
async function outcome(promise: Promise<unknown>, counted = false): Promise<string> {
  try {
    return `resolved ${JSON.stringify(await promise)}`;
  } catch (error) {
    // (The signal's one reason carries the count of the pushAll that failed with it.)
    return `rejected ${String(error)}${counted ? ` pushed=${(error as { pushed?: unknown }).pushed}` : ''}`;
  }
}

/**
 * Parks one operation of each kind with `signal` on channels that nothing else holds; returns
 * the callers' outcomes (pending until the signal fails them) and WeakRefs to the channels.
 */
function parkEach(signal: AbortSignal): { outcomes: Promise<string>[]; refs: WeakRef<Channel<number>>[] } {
  const pulled = new Channel<number>(0, { name: 'pull' });
  const batched = new Channel<number>(0, { name: 'pullMany' });
  const pushedAll = new Channel<number>(1, { name: 'pushAll' });
  const selected = [new Channel<number>(0, { name: 'select a' }), new Channel<number>(0, { name: 'select b' })];
  const lone = new Channel<number>(0, { name: 'one-case select' });
  const outcomes = [
    outcome(pulled.pull({ signal })),
    outcome(batched.pullMany(4, { signal })),
    outcome(pushedAll.pushAll([1, 2, 3], { signal }), true),
    outcome(select([pull(selected[0] as Channel<number>), pull(selected[1] as Channel<number>)], { signal })),
    outcome(select([pull(lone)], { signal })),
  ];
  const refs = [pulled, batched, pushedAll, ...selected, lone].map((channel) => new WeakRef(channel));
  return { outcomes, refs };
}

/** A pull on the first channel and a select over the other two, with `signal`; their outcomes. */
function parkOn(channels: WeakRef<Channel<number>>[], signal: AbortSignal): Promise<string>[] {
  const [a, b, c] = channels.map((ref) => ref.deref() as Channel<number>) as [
    Channel<number>,
    Channel<number>,
    Channel<number>,
  ];
  return [outcome(a.pull({ signal })), outcome(select([pull(b), pull(c)], { signal }))];
}

const failedByTheSignal = [
  'rejected Error: stop',
  'rejected Error: stop',
  'rejected Error: stop pushed=1',
  'rejected Error: stop',
  'rejected Error: stop',
];

describe('the signal still fails an operation whose channel was collected', () => {
  test('debug mode off (the baseline)', async () => {
    const controller = new AbortController();
    const { outcomes, refs } = parkEach(controller.signal);
    await collectAll(refs);
    controller.abort(new Error('stop'));
    // Each caller gets the reason (a pushAll with the count it committed), not a promise that never settles.
    expect(await Promise.all(outcomes)).toEqual(failedByTheSignal);
  });

  test('channels created before enableDebug: nothing tracks them, so they keep their way out', async () => {
    const controller = new AbortController();
    const { outcomes, refs } = parkEach(controller.signal);
    enableDebug(quietTarget());
    await collectAll(refs);
    controller.abort(new Error('stop'));
    expect(await Promise.all(outcomes)).toEqual(failedByTheSignal);
    expect(snapshot().leaked).toBeUndefined(); // not tracked: not reported either
  });

  test('parked on untracked channels while debug mode is on', async () => {
    const controller = new AbortController();
    const early = [1, 2, 3].map(() => new WeakRef(new Channel<number>(0, { name: 'early' })));
    enableDebug(quietTarget());
    const outcomes = parkOn(early, controller.signal);
    await tick();
    await collectAll(early);
    controller.abort(new Error('stop'));
    expect(await Promise.all(outcomes)).toEqual(['rejected Error: stop', 'rejected Error: stop']);
  });

  test('parked on tracked channels, then debug mode turned off: the way out comes back', async () => {
    enableDebug(quietTarget());
    const controller = new AbortController();
    const { outcomes, refs } = parkEach(controller.signal);
    await tick(); // recorded by debug mode
    disableDebug();
    await collectAll(refs);
    controller.abort(new Error('stop'));
    expect(await Promise.all(outcomes)).toEqual(failedByTheSignal);
  });

  test('parked on tracked channels while debug mode stays on: reported as leaked instead (documented)', async () => {
    enableDebug(quietTarget());
    const controller = new AbortController();
    const { refs } = parkEach(controller.signal);
    await tick();
    await collectAll(refs); // the signal does not keep the channels alive
    expect((snapshot().leaked ?? []).map((leak) => leak.kind).sort()).toEqual([
      'pull',
      'pull',
      'push',
      'select',
      'select',
    ]);
  });

  test('a select with one case on a tracked channel withholds the way out (its leak is reported)', async () => {
    const early = new WeakRef(new Channel<number>(0, { name: 'early' }));
    enableDebug(quietTarget());
    const tracked = new WeakRef(new Channel<number>(0, { name: 'tracked' }));
    const controller = new AbortController();
    void parkOn([early, early, tracked], controller.signal)[1];
    await tick();
    await collectAll([early, tracked]);
    expect((snapshot().leaked ?? []).map((leak) => [leak.kind, leak.channel.name])).toEqual([['select', 'tracked']]);
  });
});
