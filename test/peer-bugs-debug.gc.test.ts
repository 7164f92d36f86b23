/**
 * Third audit of leak detection (SPEC.md second map: leaked waiters), from platform and Go
 * reports about garbage-collection-based detection: a `WeakRef.deref()` in the same task as the
 * drop, and a channel that only a finalizer can still reach. Runs with `--expose-gc` (the vitest
 * `gc` project); every "no leak" test first proves that the channel was collected.
 */
import { beforeEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel, ChannelClosedError } from '../src/index.js';
import type { LeakSnapshot } from '../src/protocol.js';
import { collectAll, quiet, tick } from './helpers/gc.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];
const gc = (globalThis as { gc?: () => void }).gc as () => void;

useQuietDebug(disableDebug);
beforeEach(() => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
});

// A WeakRef's target is kept alive until the end of the job in which it was created or deref'd
// ("KeepDuringJob", https://github.com/tc39/proposal-weakrefs/pull/196): a snapshot derefs every
// tracked channel, so a program that drops a channel in the same task as a snapshot must still
// have it collected — and its parked pull reported — in a later task.
test('a channel dropped in the task of a snapshot that listed it is still collected and its pull reported', async () => {
  let ref: WeakRef<Channel<number>> | undefined;
  (() => {
    const channel = new Channel<number>(0, { name: 'seen-then-dropped' });
    quiet(channel.pull());
    expect(snapshot().channels.map((entry) => entry.name)).toContain('seen-then-dropped');
    ref = new WeakRef(channel);
  })();
  await collectAll([ref as WeakRef<Channel<number>>]);
  expect(leaks().map((leak) => [leak.kind, leak.channel.name])).toEqual([['pull', 'seen-then-dropped']]);
});

// Go's GC-based leak detection must treat what a finalizer can reach as reachable ("finalizers
// will have access to otherwise blocked channels", https://github.com/golang/go/issues/19702).
// Here: a FinalizationRegistry's held value is the only path to a channel whose pull is parked,
// and the registry's cleanup closes it. Until then the pull is not leaked; after, it failed by
// close, which is never a leak either.
test('a channel reachable only from a FinalizationRegistry’s held value is not leaked, and its close by the cleanup is no leak', async () => {
  const closeOnCleanup = new FinalizationRegistry<Channel<number>>((channel) => channel.close());
  let token: object | undefined = {};
  let pulled: Promise<unknown> | undefined;
  let ref: WeakRef<Channel<number>> | undefined;
  (() => {
    const channel = new Channel<number>(0, { name: 'held-by-a-finalizer' });
    pulled = channel.pull().then(
      () => 'value',
      (error: unknown) => error,
    );
    closeOnCleanup.register(token as object, channel);
    ref = new WeakRef(channel);
  })();
  for (let round = 0; round < 5; round++) {
    await tick();
    gc();
  }
  expect(ref?.deref()).toBeDefined(); // the registry holds it
  expect(leaks()).toEqual([]);
  token = undefined; // now the cleanup runs (after a collection) and closes the channel
  let settled = false;
  void pulled?.then(() => {
    settled = true;
  });
  for (let round = 0; round < 30 && !settled; round++) {
    gc();
    await tick();
  }
  // (The error names its channel: keep only whether it is one.)
  expect(await pulled?.then((outcome) => outcome instanceof ChannelClosedError)).toBe(true);
  pulled = undefined;
  await collectAll([ref as WeakRef<Channel<number>>]);
  expect(leaks()).toEqual([]);
});
