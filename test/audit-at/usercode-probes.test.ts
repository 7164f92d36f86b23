/**
 * User code run while a broadcast takes and delivers values: a duck-typed signal's `aborted`
 * getter on a subscriber's parked pull fires an action on its k-th read (k = 1..6), which covers
 * the room check, the commit into the subscriber, and later looks.
 * Invariants: the capacity-0 subscriber never holds a value; every value a subscriber got is one
 * that was pushed and committed, at most once, in push-commit order; a value taken from the source
 * while `other` was open is in `other`; the pull settles.
 */
import { expect, test } from 'vitest';
import { broadcast, Channel } from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

function hookSignal(k: number, onRead: () => void) {
  let reads = 0;
  const signal = {
    get aborted() {
      if (++reads === k) onRead();
      return false;
    },
    reason: undefined,
    addEventListener() {},
    removeEventListener() {},
  };
  return signal as unknown as AbortSignal;
}

const actions = [
  'close other subscriber',
  'close source',
  'hub.close',
  'subscribe new',
  'push source',
  'pull other',
  'close a',
] as const;
for (const action of actions)
  for (let k = 1; k <= 6; k++) {
    test(`${action} on read ${k}`, async () => {
      const src = new Channel<number>(4);
      const hub = broadcast(src);
      let other!: Channel<number>;
      let a!: Channel<number>;
      const late: Channel<number>[] = [];
      const pushed: number[] = [];
      const otherGot: number[] = [];
      const signal = hookSignal(k, () => {
        if (action === 'close other subscriber') other.close();
        else if (action === 'close source') src.close('mid');
        else if (action === 'hub.close') hub.close();
        else if (action === 'subscribe new') late.push(hub.subscribe({ capacity: 4 }));
        else if (action === 'push source') {
          if (src.tryPush(99)) pushed.push(99);
        } else if (action === 'pull other') {
          const v = other.tryPull();
          if (v !== undefined) otherGot.push(v);
        } else a.close();
      });
      a = hub.subscribe({ capacity: 0 });
      other = hub.subscribe({ capacity: 4 });
      const p = track(a.pull({ signal }));
      await flush();
      for (const v of [1, 2, 3]) if (src.tryPush(v)) pushed.push(v);
      await flush();
      const st = p.current as { status: string; value?: number };
      expect(st.status).not.toBe('pending');
      const drain = (c: Channel<number>) => {
        const out: number[] = [];
        for (let v = c.tryPull(); v !== undefined; v = c.tryPull()) out.push(v);
        return out;
      };
      const inA = drain(a);
      otherGot.push(...drain(other));
      const inSrc = drain(src);
      const info = JSON.stringify({ st, inA, otherGot, inSrc, pushed, late: late.map((c) => drain(c)) });
      // A subscriber that the user code closed during the delivery keeps the value readable (by
      // design: src/broadcast.ts `deliver`), even a capacity-0 one; otherwise it never holds one.
      if (action !== 'close a' && action !== 'hub.close') expect(inA, info).toEqual([]);
      // every pushed value is in the source, or was taken: then `other` (if open then) has it
      for (const v of pushed) {
        const inS = inSrc.includes(v);
        const inO = otherGot.includes(v);
        if (
          !inS &&
          !inO &&
          !(action === 'close other subscriber' || action === 'hub.close' || action === 'close source')
        )
          throw new Error(`value ${v} neither in source nor in other: ${info}`);
      }
      // order: other's values are in push-commit order and unique
      const idx = otherGot.map((v) => pushed.indexOf(v));
      expect(
        idx.every((x) => x >= 0),
        info,
      ).toBe(true);
      expect(
        [...idx].sort((x, y) => x - y),
        info,
      ).toEqual(idx);
      if (st.status === 'fulfilled') expect(pushed, info).toContain(st.value);
    });
  }
