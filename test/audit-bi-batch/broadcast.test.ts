/**
 * Audit BI-batch: broadcast(source) and subscribe(options) — joins and leaves during delivery,
 * capacity-0 and drop-mode subscribers, ends with a reason, close-then-subscribe, aborted
 * signals, select over subscribers, batches on subscribers — against SPEC "Broadcast and ticker"
 * and the README's "Broadcast and ticker" decisions.
 */
import { after as afterMs, broadcast, Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { flush, rejection, state, thrown, trapSignal } from './util.js';

afterEach(() => {
  vi.useRealTimers();
});

/** The values a channel holds now (its size at the call), without waiting. */
function held<T>(ch: Channel<T>): T[] {
  const out: T[] = [];
  for (let n = ch.size; n > 0; n--) out.push(ch.pullNowait());
  return out;
}

describe('delivery: every value to every present subscriber, nothing lost or duplicated', () => {
  it('(holds) pushAll into an unbuffered source with two capacity-2 subscribers: the batch is paced by the slower, each gets all values in order', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const fast = hub.subscribe({ capacity: 2 });
    const slow = hub.subscribe({ capacity: 2 });
    const all = source.pushAll([1, 2, 3, 4, 5]);
    await flush();
    expect(fast.size).toBe(2);
    expect(slow.size).toBe(2);
    expect((await state(all)).status).toBe('pending');
    const gotFast: number[] = [];
    const gotSlow: number[] = [];
    while (gotSlow.length < 5) {
      gotFast.push(...held(fast));
      gotSlow.push(await slow.pull());
      await flush();
    }
    gotFast.push(...held(fast));
    await all;
    expect(gotFast).toEqual([1, 2, 3, 4, 5]);
    expect(gotSlow).toEqual([1, 2, 3, 4, 5]);
  });

  it('(holds) pullMany on a subscriber takes the values the broadcast refills during its commit, never more than max, in order', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 2 });
    await source.pushAll([1, 2, 3, 4, 5, 6, 7]);
    expect(sub.size).toBe(2);
    expect(await sub.pullMany(4)).toEqual([1, 2, 3, 4]);
    expect(held(sub)).toEqual([5, 6]);
    expect(held(sub)).toEqual([7]);
  });

  it('(holds) a parked pullMany on a capacity-0 subscriber is room: the value goes to it as [value]', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const other = hub.subscribe({ capacity: 4 });
    const batch = sub.pullMany(5);
    await source.pushAll([1, 2]);
    expect(await batch).toEqual([1]);
    expect(source.size).toBe(1);
    expect(drainNow(other)).toEqual([1]);
  });

  it('(holds) a subscriber that joins inside a for await over another gets only values taken after it joined, in order', async () => {
    const source = new Channel<number>(16);
    const hub = broadcast(source);
    const first = hub.subscribe({ capacity: 16 });
    let late: Channel<number> | undefined;
    const seenFirst: number[] = [];
    await source.pushAll([1, 2, 3]);
    const reading = (async () => {
      for await (const v of first) {
        seenFirst.push(v);
        if (v === 2) late = hub.subscribe({ capacity: 16 });
      }
    })();
    await flush();
    await source.pushAll([4, 5]);
    source.close();
    await reading;
    expect(seenFirst).toEqual([1, 2, 3, 4, 5]);
    const seenLate: number[] = [];
    for await (const v of late!) seenLate.push(v);
    expect(seenLate).toEqual([4, 5]);
  });

  it('(holds) a subscriber added by the aborted getter of a full subscriber’s parked pull (the room check) receives the value taken then', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    let added: Channel<number> | undefined;
    const trap = trapSignal(() => {
      added = hub.subscribe({ capacity: 4 });
    });
    const zero = hub.subscribe({ capacity: 0 });
    const parked = zero.pull({ signal: trap.signal });
    trap.arm();
    await source.push(9);
    expect(await parked).toBe(9);
    expect(added).toBeDefined();
    // it was added before the value was taken, so it is a subscriber present at that moment
    expect(drainNow(added!)).toEqual([9]);
  });

  it('(holds) hub.close() run by user code inside the delivery keeps the value in every subscriber present, and the source loses nothing else', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 4 });
    let calls = 0;
    const trap = trapSignal(() => {
      calls++;
      hub.close();
    });
    const parked = a.pull({ signal: trap.signal });
    // read 1: the room check (a has a live parked pull); read 2: the delivery's commit into a
    trap.arm(1);
    await source.pushAll([1, 2]);
    const pa = await state(parked);
    expect(calls).toBe(1);
    expect(a.closed && b.closed).toBe(true);
    const inA = pa.status === 'fulfilled' ? [pa.value, ...held(a)] : held(a);
    const inB = held(b);
    // every value the broadcast took reached both; the rest stays in the source, in order
    expect(inA).toEqual([1]);
    expect(inB).toEqual([1]);
    expect(held(source)).toEqual([2]);
  });

  it('(holds) a drop-oldest subscriber and a drop-newest subscriber beside a block one: the block one sets the pace, the drop ones keep the newest / oldest of what was taken', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const newest = hub.subscribe({ capacity: 2, overflow: 'drop-oldest' });
    const oldest = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    const block = hub.subscribe({ capacity: 3 });
    await source.pushAll([1, 2, 3, 4, 5, 6]);
    expect(held(newest)).toEqual([2, 3]);
    expect(held(oldest)).toEqual([1, 2]);
    expect(held(block)).toEqual([1, 2, 3]);
    expect(held(newest)).toEqual([5, 6]);
    expect(held(oldest)).toEqual([4, 5]);
    expect(held(block)).toEqual([4, 5, 6]);
  });

  it('(holds) with only drop-mode subscribers the broadcast drains the source at once', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await source.pushAll([1, 2, 3, 4]);
    expect(source.size).toBe(0);
    expect(drainNow(latest)).toEqual([4]);
  });
});

describe('leaving and ending', () => {
  it('(holds) source closed with a reason while a subscriber is full: every subscriber is closed at once with that reason, the full one keeps its values', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const full = hub.subscribe({ capacity: 1 });
    const waiting = hub.subscribe({ capacity: 4 });
    await source.pushAll([1, 2]);
    expect(full.size).toBe(1);
    // 2 stays in the source: the full subscriber holds it back
    expect(drainNow(waiting)).toEqual([1]);
    const reason = new Error('upstream failed');
    const w = waiting.pull();
    // the source still holds 2: it is not drained, so nobody ends yet
    source.close(reason);
    expect(full.closed).toBe(false);
    expect(await full.pull()).toBe(1);
    await flush();
    expect(await w).toBe(2);
    expect(full.closed && waiting.closed).toBe(true);
    expect(await full.pull()).toBe(2);
    const error = await rejection(full.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    const errors: unknown[] = [];
    try {
      for await (const _ of waiting) errors.push('value');
    } catch (e) {
      errors.push(e);
    }
    expect(errors).toEqual([reason]);
  });

  it('(holds) a parked pullMany on a subscriber is failed by the source’s close(reason): ChannelClosedError naming pullMany, cause the reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe();
    const batch = sub.pullMany(3);
    const reason = 'eof';
    source.close(reason);
    const error = await rejection(batch);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toMatch(/^pullMany/);
    expect(error.cause).toBe(reason);
  });

  it('(holds) hub.close() then subscribe(): a closed channel without a cause; the source keeps its values and is not pulled', async () => {
    const source = new Channel<number>(4);
    await source.pushAll([1, 2]);
    const hub = broadcast(source);
    hub.close();
    const sub = hub.subscribe({ capacity: 4 });
    expect(sub.closed).toBe(true);
    const error = await rejection(sub.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeUndefined();
    expect(source.size).toBe(2);
    expect(source.stats().waitingPullers).toBe(0);
  });

  it('(holds) subscribe() after the source ended with a reason (seen by an earlier subscriber) gives a channel closed with that reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    hub.subscribe();
    const reason = new Error('gone');
    source.close(reason);
    const late = hub.subscribe({ capacity: 2 });
    expect(late.closed).toBe(true);
    expect((await rejection(late.pull())).cause).toBe(reason);
  });

  it('(holds) a subscriber whose signal aborts while the broadcast waits on it leaves: the others get the values it missed', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const ac = new AbortController();
    const stuck = hub.subscribe({ capacity: 1, signal: ac.signal });
    const other = hub.subscribe({ capacity: 8 });
    await source.pushAll([1, 2, 3]);
    expect(drainNow(other)).toEqual([1]);
    ac.abort(new Error('leave'));
    expect(stuck.closed).toBe(true);
    // its buffered value stays readable; it closed normally (the reason is not a close reason)
    expect(stuck.tryPull()).toBe(1);
    expect(await rejection(stuck.pull())).toBeInstanceOf(ChannelClosedError);
    await flush();
    expect(drainNow(other)).toEqual([2, 3]);
  });

  it('(holds) a pull parked on a subscriber with the same signal as the subscriber rejects with the signal’s reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const ac = new AbortController();
    const sub = hub.subscribe({ signal: ac.signal });
    const p = sub.pull({ signal: ac.signal });
    const reason = new Error('bye');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(sub.closed).toBe(true);
    expect(source.stats().waitingPullers).toBe(0);
  });

  it('(holds) the last subscriber leaving while the broadcast waits on a full one: the value pushed meanwhile stays in the source', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2]);
    a.close();
    expect(drainNow(a)).toEqual([1]);
    expect(drainNow(source)).toEqual([2]);
    expect(source.stats().waitingPullers).toBe(0);
  });

  it('(holds) closing a subscriber from inside a for await over it (capacity 0) leaves no value stuck and the others finish', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const zero = hub.subscribe({ capacity: 0 });
    const keep = hub.subscribe({ capacity: 8 });
    const seen: number[] = [];
    const reader = (async () => {
      for await (const v of zero) {
        seen.push(v);
        if (v === 2) zero.close();
      }
    })();
    const producer = source.pushAll([1, 2, 3, 4]).then(() => source.close());
    await reader;
    await producer;
    expect(seen).toEqual([1, 2]);
    const kept: number[] = [];
    for await (const v of keep) kept.push(v);
    expect(kept).toEqual([1, 2, 3, 4]);
  });
});

describe('select and after over subscribers', () => {
  it('(holds) select over two subscribers of one hub (capacity 1): one case wins, the other subscriber keeps its copy', async () => {
    const source = new Channel<string>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    const sel = select([pull(a), pull(b)]);
    await source.push('x');
    const r = await sel;
    expect(r.value).toBe('x');
    const loser = r.index === 0 ? b : a;
    expect(loser.tryPull()).toBe('x');
  });

  it('(holds) select over a subscriber and after(ms) under fake timers: the timeout wins, and a value pushed later is still delivered to the subscriber', async () => {
    vi.useFakeTimers();
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const sel = select([pull(sub), pull(afterMs(50))]);
    vi.advanceTimersByTime(50);
    const r = await sel;
    expect(r.index).toBe(1);
    expect(r.ok).toBe(true);
    expect(typeof r.value).toBe('number');
    // the select's pull left: the capacity-0 subscriber has no room, the push waits
    const pushed = source.push(1);
    await flush();
    expect((await state(pushed)).status).toBe('pending');
    expect(await sub.pull()).toBe(1);
    await pushed;
  });

  it('(holds) selectNowait with a push case into the source and a pull case on a buffered subscriber takes one of them only', async () => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    await source.push(5);
    expect(sub.size).toBe(1);
    const r = selectNowait([push(source, 6), pull(sub)]);
    expect(r).toBeDefined();
    if (r!.index === 0) {
      expect(sub.tryPull()).toBe(5);
      await flush();
      expect(sub.tryPull()).toBe(6);
    } else {
      expect(r!.value).toBe(5);
    }
  });
});

describe('broadcast and subscribe: bad input', () => {
  it('(holds) broadcast(notAChannel) is a TypeError naming broadcast(source)', () => {
    for (const source of [undefined, null, {}, [1, 2], (async function* () {})()]) {
      const error = thrown(() => broadcast(source as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('broadcast(source)');
    }
  });

  it('(holds) subscribe with capacity 0 and a drop mode is a RangeError naming broadcast.subscribe(options), and subscribes nothing', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const error = thrown(() => hub.subscribe({ capacity: 0, overflow }));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain('broadcast.subscribe(options)');
    }
    await source.push(1);
    expect(source.size).toBe(1);
  });

  it('(holds) subscribe with a bad overflow, a string capacity, a signal in place of options or a non-signal is a TypeError naming broadcast.subscribe(options)', () => {
    const hub = broadcast(new Channel<number>());
    for (const options of [
      { overflow: 'sliding' },
      { capacity: '2' },
      new AbortController().signal,
      { signal: new AbortController() },
      'x',
    ]) {
      const error = thrown(() => hub.subscribe(options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('broadcast.subscribe(options)');
    }
  });

  it('(holds) subscribe with capacity -1, NaN or 1.5 is a RangeError naming broadcast.subscribe(options)', () => {
    const hub = broadcast(new Channel<number>());
    for (const capacity of [-1, Number.NaN, 1.5]) {
      const error = thrown(() => hub.subscribe({ capacity }));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain('broadcast.subscribe(options)');
    }
  });

  it('(holds) subscribe with an already aborted signal returns a closed channel that takes nothing from the source', async () => {
    const source = new Channel<number>(2);
    await source.push(1);
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: AbortSignal.abort() });
    expect(sub.closed).toBe(true);
    expect(source.size).toBe(1);
    expect(source.stats().waitingPullers).toBe(0);
  });
});
