/**
 * The sweep that frees the signal-set entries of channels collected unclosed (BC-S2,
 * `src/signals.ts`, "Why swept") must cost O(1) per operation on the signal, whatever the
 * number of live channels the signal watches: a page's one application signal given to
 * thousands of `fromEvent` channels, and operations parking and leaving with it all along. A
 * sweep of the whole set per operation would make each of them O(n) (the O(n²) of issue 11's
 * item 9, back). Counted, not timed: the calls of `WeakRef.prototype.deref`.
 */
import { Channel, fromEvent } from 'chanasync';
import { afterEach, describe, expect, it } from 'vitest';

const deref = WeakRef.prototype.deref;
let derefs = 0;
afterEach(() => {
  WeakRef.prototype.deref = deref;
});
function countDerefs(): void {
  derefs = 0;
  WeakRef.prototype.deref = function (this: WeakRef<object>) {
    derefs++;
    return deref.call(this);
  };
}

describe('the signal set sweep', () => {
  it('checks a bounded number of entries per operation, with 10,000 live fromEvent channels on the signal', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const targets = Array.from({ length: 10_000 }, () => new EventTarget());
    const events = targets.map((target) => fromEvent(target, 'message', { signal }));
    countDerefs();
    const channel = new Channel<number>();
    for (let i = 0; i < 1000; i++) {
      const pulled = channel.pull({ signal });
      expect(channel.tryPush(i)).toBe(true);
      expect(await pulled).toBe(i);
    }
    // Each park and leave checks 2 entries, and the last held one to leave up to 64 more.
    expect(derefs).toBeLessThanOrEqual(1000 * (2 + 2 + 64));
    WeakRef.prototype.deref = deref;
    // The live channels were kept, and the signal still closes every one of them.
    controller.abort(new Error('unmounted'));
    expect(events.every((events) => events.closed)).toBe(true);
    expect(targets.length).toBe(10_000);
  });

  it('costs nothing while the set holds only operations with a way out (no channel it could find collected)', async () => {
    const { signal } = new AbortController();
    const channel = new Channel<number>();
    const parked = Array.from({ length: 1000 }, () => channel.pull({ signal }));
    countDerefs();
    for (let i = 0; i < 1000; i++) expect(channel.tryPush(i)).toBe(true);
    expect(await Promise.all(parked)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(derefs).toBe(0);
  });
});
