/**
 * Audit BD-sweep: user code that runs inside `watch`, `unwatch`/`forget` and the abort listener
 * (`onAbort`) — a `Proxy` signal's traps, a getter of its `reason` — parking, settling or closing
 * other operations with the same signal, while the set holds dead entries that a sweep deletes
 * (`src/signals.ts`). Runs with `--expose-gc` (dead entries need collected channels).
 */
import { getEventListeners } from 'node:events';
import { after as afterMs, Channel, fromEvent, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collectAll, tick } from '../helpers/gc.js';

/** How a promise settled, read after the test let it: `pending` until then. */
function watchOutcome(promise: Promise<unknown>): { state: string } {
  const outcome = { state: 'pending' };
  promise.then(
    (value) => {
      outcome.state = `resolved ${String(value)}`;
    },
    (error: unknown) => {
      outcome.state = `rejected ${error instanceof Error ? error.message : String(error)}`;
    },
  );
  return outcome;
}

/** `count` fromEvent channels made with `signal` and dropped unclosed, collected: dead entries. */
async function deadEntries(signal: AbortSignal, count: number): Promise<void> {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) refs.push(new WeakRef(fromEvent(new EventTarget(), 'message', { signal })));
  await collectAll(refs);
}

/** What a trap runs, once, before the signal's own `addEventListener`/`removeEventListener`. */
type Traps = { add?: ((proxy: AbortSignal) => void) | undefined; remove?: ((proxy: AbortSignal) => void) | undefined };

/** A `Proxy` of `signal` whose `addEventListener`/`removeEventListener` run a trap first, once. */
function trapping(signal: AbortSignal, traps: Traps): AbortSignal {
  const proxy: AbortSignal = new Proxy(signal, {
    get(target, key) {
      if (key === 'addEventListener' || key === 'removeEventListener') {
        return (...args: Parameters<AbortSignal['addEventListener']>) => {
          const trap = key === 'addEventListener' ? traps.add : traps.remove;
          if (trap) {
            // Once each.
            if (key === 'addEventListener') traps.add = undefined;
            else traps.remove = undefined;
            trap(proxy);
          }
          return (target[key] as (...a: unknown[]) => void)(...args);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return proxy;
}

describe('a Proxy signal whose traps park and settle other operations with it', () => {
  it('a pull parked with it is still cancelled by the abort when its addEventListener trap parked and settled another pull with it', async () => {
    const controller = new AbortController();
    const other = new Channel<number>(0, { name: 'other' });
    const signal = trapping(controller.signal, {
      add: (proxy) => {
        // Another operation joins the set being made, and leaves it at once: the set empties.
        void other.pull({ signal: proxy });
        other.tryPush(1);
      },
    });
    const channel = new Channel<number>(0, { name: 'channel' });
    const outcome = watchOutcome(channel.pull({ signal }));
    controller.abort(new Error('stop'));
    await tick();
    // Observed: pending, for ever (an AbortSignal.timeout would never end it; a later push on
    // the channel finds it aborted and cancels it then).
    expect(outcome.state).toBe('rejected stop');
  });

  it('a pull parked with it is still cancelled by the abort when its addEventListener, after adding the listener, parked and settled another pull with it', async () => {
    // The same as above with the user code after the platform's own call (a wrapper, not a
    // trap before it): the settled pull's leaving then removed the listener just added.
    const controller = new AbortController();
    const other = new Channel<number>(0, { name: 'other' });
    let armed = true;
    const signal: AbortSignal = new Proxy(controller.signal, {
      get(target, key) {
        if (key === 'addEventListener') {
          return (...args: Parameters<AbortSignal['addEventListener']>) => {
            target.addEventListener(...args);
            if (armed) {
              armed = false;
              void other.pull({ signal });
              other.tryPush(1);
            }
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const channel = new Channel<number>(0, { name: 'channel' });
    const outcome = watchOutcome(channel.pull({ signal }));
    controller.abort(new Error('stop'));
    await tick();
    expect(outcome.state).toBe('rejected stop');
  });

  it('(holds) when the addEventListener trap parks another pull and leaves it parked, the abort cancels both', async () => {
    const controller = new AbortController();
    const other = new Channel<number>(0, { name: 'other' });
    let inner: { state: string } | undefined;
    const signal = trapping(controller.signal, {
      add: (proxy) => {
        inner = watchOutcome(other.pull({ signal: proxy }));
      },
    });
    const outer = watchOutcome(new Channel<number>().pull({ signal }));
    controller.abort(new Error('stop'));
    await tick();
    expect([outer.state, inner?.state]).toEqual(['rejected stop', 'rejected stop']);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  it('(holds) when the removeEventListener trap (the set being forgotten) parks another pull, the abort cancels it', async () => {
    const controller = new AbortController();
    const other = new Channel<number>(0, { name: 'other' });
    let inner: { state: string } | undefined;
    const signal = trapping(controller.signal, {
      remove: (proxy) => {
        inner = watchOutcome(other.pull({ signal: proxy }));
      },
    });
    // Dead entries in the set: the last held pull to leave sweeps them, the set empties and is
    // forgotten, and the trap parks a pull that needs a set and a listener of its own.
    const channel = new Channel<number>();
    const first = channel.pull({ signal });
    await deadEntries(signal, 10);
    channel.tryPush(1);
    expect(await first).toBe(1);
    expect(inner?.state).toBe('pending');
    controller.abort(new Error('stop'));
    await tick();
    expect(inner?.state).toBe('rejected stop');
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });
});

describe('the abort listener while sweeps delete entries ahead of its loop', () => {
  it('(holds) every operation settles once: timers closed, pulls and selects rejected, dead entries skipped', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    // A mix, in the set's order: timer channels (their cancel closes them, and the close's
    // unwatch sweeps), dead entries, held pulls, selects, more dead entries.
    const timers = Array.from({ length: 5 }, () => afterMs(60_000, { signal }));
    await deadEntries(signal, 20);
    const channel = new Channel<number>(0, { name: 'channel' });
    const pulls = Array.from({ length: 5 }, () => watchOutcome(channel.pull({ signal })));
    await deadEntries(signal, 20);
    const selects = Array.from({ length: 5 }, () =>
      watchOutcome(select([pull(channel), pull(new Channel<number>())], { signal })),
    );
    await deadEntries(signal, 20);
    const events = fromEvent(new EventTarget(), 'message', { signal });
    controller.abort(new Error('stop'));
    await tick();
    expect(timers.every((timer) => timer.closed)).toBe(true);
    expect(events.closed).toBe(true);
    expect([...pulls, ...selects].map((o) => o.state)).toEqual(Array.from({ length: 10 }, () => 'rejected stop'));
    expect(getEventListeners(signal, 'abort').length).toBe(0);
  });

  it('(holds) a reason getter that closes a channel with other operations parked with the signal, mid-abort', async () => {
    const controller = new AbortController();
    const victim = new Channel<number>(0, { name: 'victim' });
    let closing = true;
    const signal: AbortSignal = new Proxy(controller.signal, {
      get(target, key) {
        if (key === 'reason' && target.aborted && closing) {
          closing = false;
          victim.close(); // its parked pulls leave the set (claim → unwatch → sweep) mid-loop
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const first = watchOutcome(new Channel<number>().pull({ signal }));
    await deadEntries(signal, 30);
    const victims = Array.from({ length: 5 }, () => watchOutcome(victim.pull({ signal })));
    await deadEntries(signal, 30);
    controller.abort(new Error('stop'));
    await tick();
    expect(first.state).toBe('rejected stop');
    // The close finds them aborted and fails them with the reason (README: an aborted operation
    // is never committed), taking them out of the set ahead of the listener's loop: once each.
    expect(victims.map((o) => o.state)).toEqual(Array.from({ length: 5 }, () => 'rejected stop'));
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  it('(holds) a signal forgotten and watched again: the new set sweeps and forgets on its own', async () => {
    const { signal } = new AbortController();
    await deadEntries(signal, 10);
    const channel = new Channel<number>();
    const one = channel.pull({ signal });
    channel.tryPush(1);
    expect(await one).toBe(1);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
    // The old set, its cursor in the middle of it, is gone; a new one is made.
    await deadEntries(signal, 10);
    const two = channel.pull({ signal });
    channel.tryPush(2);
    expect(await two).toBe(2);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
  });
});
