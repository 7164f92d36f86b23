/**
 * Audit BD-sweep: the sweep must cost O(1) per operation on the signal (`src/signals.ts`, "Why
 * swept"; README: "at O(1) per operation"). Counted, never timed: the calls of
 * `WeakRef.prototype.deref` (the sweep's check of an entry; the abort listener's too). The
 * shapes audit BC-soak did not count: selects, debug mode's entries (watched without a way out,
 * not counted in `mustStayCount`), a churn of timer channels, the abort itself.
 */
import { after as afterMs, Channel, fromEvent, pull, select } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';

const deref = WeakRef.prototype.deref;
let derefs = 0;
afterEach(() => {
  WeakRef.prototype.deref = deref;
  disableDebug();
  vi.restoreAllMocks();
});
function countDerefs(): void {
  derefs = 0;
  WeakRef.prototype.deref = function (this: WeakRef<object>) {
    derefs++;
    return deref.call(this);
  };
}

/** `count` live fromEvent channels on `signal` (weak entries the sweep must check and keep). */
function liveEvents(signal: AbortSignal, count: number): { targets: EventTarget[]; events: Channel<Event>[] } {
  const targets = Array.from({ length: count }, () => new EventTarget());
  return { targets, events: targets.map((target) => fromEvent(target, 'message', { signal })) };
}

describe('the sweep costs O(1) per operation', () => {
  it('(holds) 1,000 multi-case selects parking and winning one after another, 10,000 live weak entries beside them', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const live = liveEvents(signal, 10_000);
    const a = new Channel<number>();
    const b = new Channel<number>();
    countDerefs();
    for (let i = 0; i < 1000; i++) {
      const selected = select([pull(a), pull(b)], { signal });
      expect((i % 2 ? a : b).tryPush(i)).toBe(true);
      expect((await selected).value).toBe(i);
    }
    // Each select parks (2) and leaves as the last held entry (2 + 64 at most).
    expect(derefs).toBeLessThanOrEqual(1000 * (2 + 64));
    WeakRef.prototype.deref = deref;
    controller.abort();
    expect(live.events.every((events) => events.closed)).toBe(true);
  });

  it('(holds) 1,000 selects parked at once on one signal, then won one by one', async () => {
    const { signal } = new AbortController();
    liveEvents(signal, 1000);
    const a = new Channel<number>();
    const b = new Channel<number>();
    countDerefs();
    const selected = Array.from({ length: 1000 }, () => select([pull(a), pull(b)], { signal }));
    for (let i = 0; i < 1000; i++) expect(a.tryPush(i)).toBe(true);
    expect((await Promise.all(selected)).map((result) => result.value)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    expect(derefs).toBeLessThanOrEqual(2000 * 2 + 64);
  });

  it('(holds) debug mode: 5,000 pulls parked on tracked channels (entries without a way out, not counted), a worker loop beside them', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { signal } = new AbortController();
    enableDebug({ warnLeaks: false });
    const tracked = Array.from({ length: 5000 }, (_, i) => new Channel<number>(0, { name: `t${i}` }));
    const parked = tracked.map((channel) => channel.pull({ signal }));
    const jobs = new Channel<number>();
    countDerefs();
    for (let i = 0; i < 1000; i++) {
      const pulled = jobs.pull({ signal });
      expect(jobs.tryPush(i)).toBe(true);
      expect(await pulled).toBe(i);
    }
    // The jobs channel is tracked too: its pulls are entries without a way out, like the 5,000.
    expect(derefs).toBeLessThanOrEqual(1000 * (2 + 64));
    WeakRef.prototype.deref = deref;
    for (const [i, channel] of tracked.entries()) channel.tryPush(i);
    expect(await Promise.all(parked)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('(holds) the timeout idiom in a loop: after(ms, { signal }) lost 1,000 times while 10,000 live entries share the signal', async () => {
    const { signal } = new AbortController();
    liveEvents(signal, 10_000);
    const data = new Channel<number>();
    countDerefs();
    for (let i = 0; i < 1000; i++) {
      const timeout = afterMs(60_000, { signal });
      const selected = select([pull(data), pull(timeout)], { signal });
      expect(data.tryPush(i)).toBe(true);
      expect((await selected).index).toBe(0);
      timeout.close();
    }
    // Per turn: the timer watched (2), the select parked (2); the select gone and the timer
    // closed, each leaving no entry that must stay (64 each).
    expect(derefs).toBeLessThanOrEqual(1000 * (2 + 2 + 64 + 64));
  });

  it('(holds) the abort of 10,000 live weak entries and 10,000 parked pulls checks each entry a bounded number of times', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const live = liveEvents(signal, 10_000);
    const channel = new Channel<number>();
    const parked = Array.from({ length: 10_000 }, () => channel.pull({ signal }).catch((error: unknown) => error));
    countDerefs();
    controller.abort(new Error('stop'));
    // The listener's own deref of each entry, and each cancel's unwatch sweeping 2 (64 once).
    expect(derefs).toBeLessThanOrEqual(20_000 * (1 + 2) + 64);
    expect(live.events.every((events) => events.closed)).toBe(true);
    expect((await Promise.all(parked)).every((error) => (error as Error).message === 'stop')).toBe(true);
  });
});
