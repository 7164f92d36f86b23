/**
 * Audit BD-sweep: "the last operation with a way out to leave checks up to 64 more, so an
 * application-lifetime signal given to every component's `fromEvent` … loses its listener with
 * its last live operation" (README, Cancellation; `src/signals.ts`, "Why swept"). The 64-entry
 * sweep runs only when the last entry *counted* in `mustStayCount` leaves. Entries that are not
 * counted — a `fromEvent` channel, a broadcast subscriber, an operation on a channel debug mode
 * tracks, and one that debug mode gave its way out later (`untrack`) — check two entries as they
 * leave, so when one of them is the last live entry the signal keeps its listener (and the dead
 * entries) until some later operation on the signal, or the abort. Runs with `--expose-gc`.
 */
import { getEventListeners } from 'node:events';
import { broadcast, Channel, fromEvent } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';
import { abandonedPull } from '../helpers/abandoned.js';
import { collectAll, quiet } from '../helpers/gc.js';
import { useQuietDebug } from '../helpers/quiet-debug.js';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

const makers = {
  'fromEvent channels': (signal: AbortSignal) => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'message', { signal });
    return { channel, close: () => channel.close() };
  },
  'broadcast subscribers': (signal: AbortSignal) => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const channel = hub.subscribe({ signal });
    return { channel, close: () => channel.close() };
  },
};

/** Ten components mount and go away without closing their channel; they are collected. */
async function tenDropped(make: (signal: AbortSignal) => { channel: object }, signal: AbortSignal): Promise<void> {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < 10; i++) refs.push(new WeakRef(make(signal).channel));
  await collectAll(refs);
}

describe.each(Object.entries(makers))('%s on an application-lifetime signal, some dropped unclosed', (_, make) => {
  it('the signal loses its listener once the last live one is closed', async () => {
    const { signal } = new AbortController();
    await tenDropped(make, signal);
    // The last component mounts, and unmounts properly.
    const live = make(signal);
    live.close();
    // Observed: 1 (the close checked two of the ten dead entries; the other six stay, with the
    // listener, until a later operation on the signal or its abort).
    expect(listeners(signal)).toBe(0);
  });

  it('(holds) when the last to leave is a pull with its way out, the listener goes', async () => {
    const { signal } = new AbortController();
    await tenDropped(make, signal);
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal });
    channel.tryPush(1);
    expect(await pulled).toBe(1);
    expect(listeners(signal)).toBe(0);
  });
});

describe('an operation with a way out whose channel was collected', () => {
  it('(holds) keeps its entry, and the signal its listener, after every live operation left, until the abort rejects it', async () => {
    // src/signals.ts says such entries "stay in the set until the signal aborts or every live
    // operation on it left"; they stay until the abort (which needs them), whatever else leaves.
    const controller = new AbortController();
    const { signal } = controller;
    const { channel, settled: outcome } = abandonedPull(signal);
    await collectAll([channel]);
    const jobs = new Channel<number>();
    const pulled = jobs.pull({ signal });
    jobs.tryPush(1);
    expect(await pulled).toBe(1);
    expect(listeners(signal)).toBe(1);
    controller.abort(new Error('timeout'));
    expect(await outcome).toBe('rejected timeout');
    expect(listeners(signal)).toBe(0);
  });
});

describe('with debug mode', () => {
  useQuietDebug(disableDebug);

  it('a pull that debug mode gave its way out when turned off, the last to leave, takes the listener with it', async () => {
    const { signal } = new AbortController();
    enableDebug({ warnLeaks: false });
    const channel = new Channel<number>(0, { name: 'tracked' });
    const pulled = channel.pull({ signal }); // tracked: parked without its way out
    await tenDropped(makers['fromEvent channels'], signal);
    disableDebug(); // untrack: the pull gets its way out (README: "gives … their way out back")
    channel.tryPush(1);
    expect(await pulled).toBe(1);
    // Observed: 1. The README: "the last operation with a way out to leave checks up to 64 more".
    expect(listeners(signal)).toBe(0);
  });

  it('a pull on a channel debug mode tracks, the last live operation to leave, takes the listener with it', async () => {
    const { signal } = new AbortController();
    enableDebug({ warnLeaks: false });
    const channel = new Channel<number>(0, { name: 'tracked' });
    await tenDropped(makers['fromEvent channels'], signal);
    const pulled = channel.pull({ signal });
    channel.tryPush(1);
    expect(await pulled).toBe(1);
    // Observed: 1 (README: "loses its listener with its last live operation").
    expect(listeners(signal)).toBe(0);
  });

  it('(holds) a pull debug mode gave its way out still fails by the abort once its channel is collected, with dead entries swept around it', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    enableDebug({ warnLeaks: false });
    const refs: WeakRef<object>[] = [];
    const outcome = (() => {
      const channel = new Channel<number>(0, { name: 'tracked' });
      refs.push(new WeakRef(channel));
      return channel.pull({ signal }).then(
        () => 'resolved',
        (error: unknown) => `rejected ${(error as Error).message}`,
      );
    })();
    disableDebug();
    await collectAll(refs);
    // Dead entries on both sides of it, and many sweeps going round the set after the pull's
    // channel is collected: none may drop the entry that keeps its way out.
    await tenDropped(makers['fromEvent channels'], signal);
    const jobs = new Channel<number>();
    for (let round = 0; round < 3; round++) {
      await tenDropped(makers['fromEvent channels'], signal);
      for (let i = 0; i < 100; i++) {
        quiet(jobs.pull({ signal }));
        jobs.tryPush(i);
        makers['fromEvent channels'](signal).close();
      }
    }
    controller.abort(new Error('timeout'));
    expect(await outcome).toBe('rejected timeout');
    expect(listeners(signal)).toBe(0);
  });
});
