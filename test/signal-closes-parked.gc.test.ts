/**
 * A channel its signal closes — `fromEvent`'s, a broadcast subscriber — is watched weakly, so
 * a long-lived signal does not keep an abandoned one alive. But while something waits on it, the
 * abort is that waiter's way out: a loop over `fromEvent(target, type, { signal })` must end at
 * the abort even when nothing else holds the target, the channel or the loop (a closed
 * WebSocket, a local `EventTarget`, an `AbortSignal.timeout`). Found by CI: audit BF-web's
 * `AbortSignal.timeout` loop hung when a collection came before the timeout.
 */
import { broadcast, Channel, from, fromEvent, merge, pull, push, select, toReadableStream } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectAll, tick } from './helpers/gc.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;

/** Collections and macrotasks, `rounds` of each: whatever nothing roots is gone afterwards. */
async function collect(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await tick();
    gc();
  }
}

/** Settles once `promise` settles, or with `'pending'` after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

/** How `promise` settles: `'resolved'`, or the name of the error it rejects with. */
function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error as Error).name,
  );
}

/**
 * Starts `wait` with a fresh controller's signal (it makes and holds its channels itself, so
 * that nothing else does), collects garbage, aborts: what `wait` returned, or `'pending'` if
 * it had not ended a second later.
 */
async function collectedThenAborted<T>(wait: (signal: AbortSignal) => Promise<T>): Promise<T | 'pending'> {
  const controller = new AbortController();
  const ended = wait(controller.signal);
  await collect();
  controller.abort();
  return within(ended, 1000);
}

describe('an abandoned loop over a channel its signal closes ends at the abort', () => {
  it('for await over fromEvent on a target nothing holds: the abort after a collection ends the loop normally, its finally runs', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    let cleanedUp = false;
    const ended = (() => {
      const target = new EventTarget();
      refs.push(new WeakRef(target));
      return (async () => {
        let n = 0;
        try {
          for await (const _ of fromEvent(target, 'x', { signal: controller.signal })) n++;
        } finally {
          cleanedUp = true;
        }
        return n;
      })();
    })();
    await collect();
    controller.abort();
    expect(await within(ended, 1000)).toBe(0);
    expect(cleanedUp).toBe(true);
    // Once ended, nothing keeps the target.
    await collectAll(refs);
  });

  it('the same loop with AbortSignal.timeout: the timeout ends it though collections come first', async () => {
    const ended = (async () => {
      const signal = AbortSignal.timeout(150);
      let n = 0;
      for await (const _ of fromEvent(new EventTarget(), 'x', { signal })) n++;
      return { n, aborted: signal.aborted };
    })();
    await collect();
    expect(await within(ended, 3000)).toEqual({ n: 0, aborted: true });
  });

  it('a select parked on such a channel gets its closed case at the abort', async () => {
    const ended = collectedThenAborted(async (signal) => {
      const events = fromEvent(new EventTarget(), 'x', { signal });
      const never = new Channel<number>();
      const result = await select([pull(events), pull(never)]);
      return { index: result.index, ok: result.ok };
    });
    expect(await ended).toEqual({ index: 0, ok: false });
  });

  it('a merge of such channels, consumed by a loop nothing holds, ends at the abort', async () => {
    const ended = collectedThenAborted(async (signal) => {
      let n = 0;
      for await (const _ of merge(
        fromEvent(new EventTarget(), 'a', { signal }),
        fromEvent(new EventTarget(), 'b', { signal }),
      ))
        n++;
      return n;
    });
    expect(await ended).toBe(0);
  });

  it('a loop over a broadcast subscriber whose broadcast and source nothing holds ends at the abort', async () => {
    const ended = collectedThenAborted(async (signal) => {
      const hub = broadcast(new Channel<number>());
      let n = 0;
      for await (const _ of hub.subscribe({ signal })) n++;
      return n;
    });
    expect(await ended).toBe(0);
  });

  it('events that come before the abort are read, then the loop ends', async () => {
    const controller = new AbortController();
    const target = new EventTarget();
    const got: string[] = [];
    const ended = (async () => {
      for await (const event of fromEvent(target, 'x', { signal: controller.signal, capacity: 8 }))
        got.push(event.type);
      return got.length;
    })();
    await collect(2);
    target.dispatchEvent(new Event('x'));
    await tick();
    target.dispatchEvent(new Event('x'));
    await collect(2);
    controller.abort();
    expect(await within(ended, 1000)).toBe(2);
  });
});

describe('a relay that reads such a channel passes the wait on: the abort ends a loop over the relay', () => {
  it('from(events, { capacity: 1 }), which reads ahead: a loop over it that nothing holds ends at the abort', async () => {
    const ended = collectedThenAborted(async (signal) => {
      let n = 0;
      for await (const _ of from(fromEvent(new EventTarget(), 'x', { signal }), { capacity: 1 })) n++;
      return n;
    });
    expect(await ended).toBe(0);
  });

  it('a merge inside a merge: a loop over the outer one ends at the abort', async () => {
    const ended = collectedThenAborted(async (signal) => {
      let n = 0;
      const inner = merge(fromEvent(new EventTarget(), 'a', { signal }), fromEvent(new EventTarget(), 'b', { signal }));
      for await (const _ of merge(inner)) n++;
      return n;
    });
    expect(await ended).toBe(0);
  });

  it('a subscriber with no signal of a broadcast of a merge of such channels: a loop over it ends at the abort', async () => {
    const ended = collectedThenAborted(async (signal) => {
      const clicks = broadcast(
        merge(fromEvent(new EventTarget(), 'a', { signal }), fromEvent(new EventTarget(), 'b', { signal })),
      );
      let n = 0;
      for await (const _ of clicks.subscribe()) n++;
      return n;
    });
    expect(await ended).toBe(0);
  });

  it('a select with no signal over from(events, { capacity: 1 }) gets the closed case', async () => {
    const ended = collectedThenAborted(async (signal) => {
      const result = await select([pull(from(fromEvent(new EventTarget(), 'x', { signal }), { capacity: 1 }))]);
      return { index: result.index, ok: result.ok };
    });
    expect(await ended).toEqual({ index: 0, ok: false });
  });

  it('a read waiting on toReadableStream(events) resolves done at the abort', async () => {
    const ended = collectedThenAborted(async (signal) => {
      const reader = toReadableStream(fromEvent(new EventTarget(), 'x', { signal })).getReader();
      return (await reader.read()).done;
    });
    expect(await ended).toBe(true);
  });
});

describe('a push waiting on such a channel (full, overflow: block) fails closed at the abort', () => {
  it('a push parked on a full fromEvent channel nothing holds', async () => {
    const ended = collectedThenAborted(async (signal) => {
      const events = fromEvent(new EventTarget(), 'x', { signal, overflow: 'block', capacity: 1 });
      events.tryPush(new Event('queued'));
      return outcome(events.push(new Event('mine')));
    });
    expect(await ended).toBe('ChannelClosedError');
  });

  it('a select with no signal whose one case pushes into a full subscriber', async () => {
    const ended = collectedThenAborted(async (signal) => {
      const mine = broadcast(new Channel<number>()).subscribe({ signal, capacity: 0 });
      return outcome(select([push(mine, 1), pull(new Channel<number>())]));
    });
    expect(await ended).toBe('ChannelClosedError');
  });

  it('after the pull that took the queued event, the push that moved up is answered, and nothing is held', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal, overflow: 'block', capacity: 1 });
      refs.push(new WeakRef(events), new WeakRef(target));
      events.tryPush(new Event('queued'));
      const pushed = events.push(new Event('mine'));
      expect((await events.pull()).type).toBe('queued');
      await pushed;
      expect((await events.pull()).type).toBe('mine');
    })();
    await collectAll(refs);
  });
});

describe('pulls with a way out of their own do not make the signal keep the channel (SPEC: retention)', () => {
  it('a pull parked with a signal of its own on a fromEvent channel of another signal: both collected, its abort rejects it', async () => {
    const events = new AbortController();
    const giveUp = new AbortController();
    const refs: WeakRef<object>[] = [];
    const settled = (() => {
      const target = new EventTarget();
      const channel = fromEvent(target, 'x', { signal: events.signal });
      refs.push(new WeakRef(channel), new WeakRef(target));
      return channel.pull({ signal: giveUp.signal }).then(
        () => 'resolved',
        (error: unknown) => `rejected ${(error as Error).message}`,
      );
    })();
    await collectAll(refs);
    giveUp.abort(new Error('gave up'));
    expect(await within(settled, 1000)).toBe('rejected gave up');
  });

  it('a loop, then a pull with a signal of its own parked after it: the loop still ends at the abort', async () => {
    const events = new AbortController();
    const { signal: longLived } = new AbortController();
    let other: Promise<string> | undefined;
    const ended = (async () => {
      const channel = fromEvent(new EventTarget(), 'x', { signal: events.signal });
      const loop = (async () => {
        let n = 0;
        for await (const _ of channel) n++;
        return n;
      })();
      await tick();
      // Settled by a function of the module's: a callback written here would share this
      // function's scope, and so hold the channel through the pull's way out.
      other = outcome(channel.pull({ signal: longLived }));
      return loop;
    })();
    await collect();
    events.abort();
    expect(await within(ended, 1000)).toBe(0);
    expect(await other).toBe('ChannelClosedError');
  });
});

describe('what nobody waits on is still not kept by its signal', () => {
  it('a fromEvent channel whose one pull was answered, then dropped, is collected though its signal lives', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal });
      refs.push(new WeakRef(events), new WeakRef(target));
      const first = events.pull();
      target.dispatchEvent(new Event('x'));
      await first;
    })();
    await collectAll(refs);
  });

  it('a fromEvent channel whose parked pull was cancelled by its own signal is collected', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const events = fromEvent(new EventTarget(), 'x', { signal });
      refs.push(new WeakRef(events));
      const giveUp = new AbortController();
      const pulled = events.pull({ signal: giveUp.signal });
      giveUp.abort(new Error('gave up'));
      await pulled.catch(() => {});
    })();
    await collectAll(refs);
  });

  it('a select that took another case leaves the fromEvent channel collectable', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const events = fromEvent(new EventTarget(), 'x', { signal });
      refs.push(new WeakRef(events));
      const other = new Channel<number>();
      const selected = select([pull(events), pull(other)]);
      other.tryPush(1);
      expect((await selected).index).toBe(1);
    })();
    await collectAll(refs);
  });
});

describe('a relay nobody reads is not kept by the signal of what it reads (SPEC: retention)', () => {
  it('a loop that broke out of merge(events, other) after one event: merge, channel and target collected, the signal living on', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal });
      const merged = merge(events, new Channel<Event>());
      refs.push(new WeakRef(target), new WeakRef(events), new WeakRef(merged));
      const loop = (async () => {
        for await (const event of merged) return event.type;
      })();
      await tick();
      target.dispatchEvent(new Event('x'));
      expect(await loop).toBe('x');
    })();
    await collectAll(refs);
  });

  it('a select with no signal over a subscriber of broadcast(events) that took another case: all collected', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal });
      const subscriber = broadcast(events).subscribe();
      refs.push(new WeakRef(target), new WeakRef(events), new WeakRef(subscriber));
      const other = new Channel<number>();
      const selected = select([pull(subscriber), pull(other)]);
      other.tryPush(1);
      expect((await selected).index).toBe(1);
    })();
    await collectAll(refs);
  });

  it('from(events, { capacity: 1 }) whose one pull was answered, then dropped: all collected', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal });
      const relay = from(events, { capacity: 1 });
      refs.push(new WeakRef(target), new WeakRef(events), new WeakRef(relay));
      const first = relay.pull();
      await tick();
      target.dispatchEvent(new Event('x'));
      expect((await first).type).toBe('x');
    })();
    await collectAll(refs);
  });

  it('a push parked with a signal of its own on a full fromEvent channel: collected with it, its own abort rejects it', async () => {
    const { signal } = new AbortController();
    const giveUp = new AbortController();
    const refs: WeakRef<object>[] = [];
    const settled = (() => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal, overflow: 'block', capacity: 0 });
      refs.push(new WeakRef(events), new WeakRef(target));
      return outcome(events.push(new Event('mine'), { signal: giveUp.signal }));
    })();
    await collectAll(refs);
    giveUp.abort();
    expect(await within(settled, 1000)).toBe('AbortError');
  });
});

describe('debug mode still reports the wait as leaked', () => {
  afterEach(() => {
    disableDebug();
    vi.restoreAllMocks();
  });

  it('a loop on a removed element whose signal never aborts: a leaked pull, as without a signal', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug();
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    (() => {
      const button = new EventTarget();
      refs.push(new WeakRef(button));
      void (async () => {
        for await (const _ of fromEvent(button, 'click', { signal })) console.log('click');
      })();
    })();
    await tick();
    await collectAll(refs);
    await collect(3);
    expect(snapshot().leaked?.map((leak) => `${leak.kind} ${leak.channel.name}`)).toEqual(['pull fromEvent(click)']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('turning debug mode off while such a loop waits gives it its way out back: the abort after a collection ends it', async () => {
    enableDebug({ warnLeaks: false });
    const controller = new AbortController();
    const ended = (async () => {
      let n = 0;
      for await (const _ of fromEvent(new EventTarget(), 'x', { signal: controller.signal })) n++;
      return n;
    })();
    const subscribed = (async () => {
      let n = 0;
      for await (const _ of broadcast(new Channel<number>()).subscribe({ signal: controller.signal })) n++;
      return n;
    })();
    await tick();
    disableDebug();
    await collect();
    controller.abort();
    expect(await within(Promise.all([ended, subscribed]), 1000)).toEqual([0, 0]);
  });
});
