// Blind conformance pass (audit BO-spec): seeded random use of a broadcast, checked against the
// SPEC's promises: every value pulled reaches every 'block' subscriber present, in order, with no
// gap; drop-mode subscribers see an ordered subsequence; the end reaches everyone with the reason.

import { broadcast, Channel, type Overflow } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { tick } from './helpers.js';

interface Sub {
  ch: Channel<number>;
  overflow: Overflow;
  got: number[];
  ac?: AbortController;
  left: boolean;
  ended?: { error?: unknown; threw: boolean };
}

async function run(seed: number) {
  const rnd = seededRandom(seed);
  const srcCap = [0, 1, 4][Math.floor(rnd() * 3)]!;
  const src = new Channel<number>(srcCap);
  const b = broadcast(src);
  const subs: Sub[] = [];
  const addSub = () => {
    const r = rnd();
    const overflow: Overflow = r < 0.6 ? 'block' : r < 0.8 ? 'drop-oldest' : 'drop-newest';
    const capacity = overflow === 'block' ? [0, 1, 3][Math.floor(rnd() * 3)]! : [1, 2][Math.floor(rnd() * 2)]!;
    const ac = rnd() < 0.4 ? new AbortController() : undefined;
    const ch = b.subscribe({ capacity, overflow, ...(ac ? { signal: ac.signal } : {}) });
    subs.push({ ch, overflow, got: [], ...(ac ? { ac } : {}), left: false });
  };
  // a reference subscriber present from the start and never leaving
  const ref: Sub = { ch: b.subscribe({ capacity: 2 }), overflow: 'block', got: [], left: false };
  subs.push(ref);
  let next = 0;
  const producer: Promise<void>[] = [];
  for (let step = 0; step < 300; step++) {
    const r = rnd();
    if (r < 0.3) {
      const v = next++;
      producer.push(src.push(v));
    } else if (r < 0.35) {
      addSub();
    } else if (r < 0.38) {
      const live = subs.filter((s) => !s.left && s !== ref);
      const s = live[Math.floor(rnd() * live.length)];
      if (s) {
        s.left = true;
        if (s.ac && rnd() < 0.5) s.ac.abort();
        else s.ch.close();
      }
    } else if (r < 0.9) {
      const s = subs[Math.floor(rnd() * subs.length)]!;
      if (rnd() < 0.5) {
        const v = s.ch.tryPull();
        if (v !== undefined) s.got.push(v);
      } else if (!s.ch.closed || s.ch.size > 0) {
        // a pull given one timer turn, then withdrawn (a committed value is still ours)
        const ac = new AbortController();
        const p = s.ch.pull({ signal: ac.signal });
        await tick();
        ac.abort();
        try {
          s.got.push(await p);
        } catch {
          // aborted or closed: nothing taken
        }
      }
    } else {
      await tick();
    }
  }
  const reason = { end: seed };
  // Finish: close the source after every push settles (keep reading the reference meanwhile)
  const endings = subs.map(async (s) => {
    try {
      for await (const v of s.ch) s.got.push(v);
      s.ended = { threw: false };
    } catch (error) {
      s.ended = { threw: true, error };
    }
  });
  await Promise.all(producer);
  src.close(reason);
  await Promise.all(endings);

  const all = Array.from({ length: next }, (_, i) => i);
  // the reference got everything, in order, and the reason
  expect(ref.got, `seed ${seed}`).toEqual(all);
  expect(ref.ended, `seed ${seed}`).toEqual({ threw: true, error: reason });
  for (const s of subs) {
    // ordered, no duplicates
    for (let i = 1; i < s.got.length; i++) expect(s.got[i]!, `seed ${seed}`).toBeGreaterThan(s.got[i - 1]!);
    if (s.overflow === 'block' && s.got.length > 0) {
      // contiguous: no value skipped between the first and the last it received
      const first = s.got[0]!;
      expect(s.got, `seed ${seed} block sub`).toEqual(Array.from({ length: s.got.length }, (_, i) => first + i));
      if (!s.left) expect(s.got[s.got.length - 1], `seed ${seed}`).toBe(next - 1);
    }
    if (!s.left) expect(s.ended, `seed ${seed}`).toEqual({ threw: true, error: reason });
  }
}

describe('broadcast model', () => {
  it('seeded random subscribers, readers, leaves and a final close', async () => {
    for (let seed = 1; seed <= 40; seed++) await run(seed);
  });
});
