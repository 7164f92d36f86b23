import { Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

// A small deterministic PRNG for the test's own choices (select's choice stays random).
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('select under load: every value delivered exactly once, rejected pushes deliver nothing', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: producers and consumers selecting over mixed channels, with aborts`, async () => {
      const rnd = prng(seed);
      const caps = [0, 0, 1, 2, Infinity];
      const chans = caps.map((c, i) => new Channel<string>(c, { name: `c${i}` }));
      const committed = new Set<string>();
      const rejected = new Set<string>();
      const received: string[] = [];
      const producers = Array.from({ length: 4 }, async (_, p) => {
        for (let i = 0; i < 60; i++) {
          const v = `p${p}-${i}`;
          // push v on one of two random channels (same value on both: at most one may commit)
          const a = chans[Math.floor(rnd() * chans.length)] as Channel<string>;
          const b = chans[Math.floor(rnd() * chans.length)] as Channel<string>;
          const ctl = new AbortController();
          if (rnd() < 0.2) setTimeout(() => ctl.abort(new Error('timeout')), 1);
          try {
            if (rnd() < 0.3) {
              const r = selectNowait([push(a, v), push(b, v)]);
              if (r) committed.add(v);
              else rejected.add(v);
            } else {
              await select([push(a, v), a === b ? null : push(b, v)], { signal: ctl.signal });
              committed.add(v);
            }
          } catch (e) {
            if (e instanceof ChannelClosedError) throw e;
            rejected.add(v);
          }
        }
      });
      let stop = false;
      const consumers = Array.from({ length: 3 }, async () => {
        while (!stop) {
          const ctl = new AbortController();
          const t = setTimeout(() => ctl.abort(), 2);
          try {
            const r = await select(
              chans.map((c) => pull(c)),
              { signal: ctl.signal },
            );
            if (r.ok) received.push(r.value as string);
          } catch {
            // aborted: took nothing
          } finally {
            clearTimeout(t);
          }
        }
      });
      await Promise.all(producers);
      // drain what is buffered
      await sleep(20);
      stop = true;
      await Promise.all(consumers);
      for (const c of chans) {
        for (;;) {
          const r = selectNowait([pull(c)]);
          if (!r) break;
          received.push(r.value as string);
        }
      }
      expect(received.length).toBeGreaterThan(60);
      // every committed value received exactly once; no rejected value received
      expect(new Set(received).size).toBe(received.length);
      expect(received.length).toBe(committed.size);
      for (const v of received) {
        expect(committed.has(v)).toBe(true);
        expect(rejected.has(v)).toBe(false);
      }
      for (const c of chans) {
        const s = c.stats();
        expect([s.waitingPushers, s.waitingPullers, s.size]).toEqual([0, 0, 0]);
      }
    }, 20_000);
  }
});
