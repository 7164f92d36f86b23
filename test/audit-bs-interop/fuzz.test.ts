import { after, broadcast, Channel, ChannelClosedError, merge, type Overflow, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { tick, until } from './util.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pause = (r: () => number) =>
  r() < 0.5 ? Promise.resolve() : r() < 0.8 ? tick() : new Promise((res) => setTimeout(res, 1));

async function readAll(ch: Channel<number>, r: () => number, stopAfter: number | undefined): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    if (stopAfter !== undefined && out.length >= stopAfter) return out;
    const mode = r();
    try {
      if (mode < 0.4) out.push(await ch.pull());
      else if (mode < 0.6) out.push(...(await ch.pullMany(1 + Math.floor(r() * 3))));
      else {
        using timeout = after(1);
        const res = await select([pull(ch), pull(timeout)]);
        if (res.index === 0) {
          if (!res.ok) return out;
          out.push(res.value as number);
        }
      }
    } catch (e) {
      if (e instanceof ChannelClosedError) return out;
      throw e;
    }
    await pause(r);
  }
}

describe('fuzz: broadcast', () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`seed ${seed}: block subscribers get contiguous runs, drop subscribers increasing subsequences`, async () => {
      const r = rng(seed);
      const N = 40;
      const src = new Channel<number>(Math.floor(r() * 4));
      const hub = broadcast(src);
      type Sub = {
        ch: Channel<number>;
        overflow: Overflow;
        leaves: boolean;
        read: Promise<number[]>;
        ac?: AbortController | undefined;
      };
      const subs: Sub[] = [];
      const add = () => {
        const overflow: Overflow = r() < 0.6 ? 'block' : r() < 0.5 ? 'drop-oldest' : 'drop-newest';
        const capacity = overflow === 'block' ? Math.floor(r() * 4) : 1 + Math.floor(r() * 3);
        const leaves = subs.length > 0 && r() < 0.3;
        const ac = leaves && r() < 0.5 ? new AbortController() : undefined;
        const ch = hub.subscribe({ capacity, overflow, signal: ac?.signal });
        const stopAfter = leaves ? Math.floor(r() * 10) : undefined;
        const read = readAll(ch, rng(seed * 1000 + subs.length), stopAfter).then((out) => {
          if (leaves) {
            if (ac) ac.abort();
            else ch.close();
          }
          return out;
        });
        subs.push({ ch, overflow, leaves, read, ac });
      };
      // a permanent 'block' subscriber from the start: it must get every value
      const first = hub.subscribe({ capacity: Math.floor(r() * 3) });
      const firstRead = readAll(first, rng(seed * 7), undefined);
      for (let i = 0; i < N; i++) {
        if (r() < 0.15) add();
        await src.push(i);
        await pause(r);
      }
      src.close();
      const firstGot = await firstRead;
      expect(firstGot).toEqual(Array.from({ length: N }, (_, i) => i));
      for (const s of subs) {
        const got = await s.read;
        // rest of a subscriber that stopped reading but did not leave
        for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]!);
        if (s.overflow === 'block' && got.length > 0) {
          for (let i = 1; i < got.length; i++) expect(got[i]).toBe(got[i - 1]! + 1);
          if (!s.leaves) expect(got[got.length - 1]).toBe(N - 1);
        }
        if (!s.leaves) await until(() => s.ch.closed, 'subscriber closed');
      }
      hub.close();
    });
  }
});

describe('fuzz: merge of merges read through select', () => {
  for (let seed = 1; seed <= 15; seed++) {
    it(`seed ${seed}: every value once, each input in order, closes`, async () => {
      const r = rng(seed + 99);
      const ins = Array.from({ length: 4 }, () => new Channel<number>(Math.floor(r() * 3)));
      const m =
        r() < 0.5
          ? merge(merge(ins[0]!, ins[1]!), merge(ins[2]!, ins[3]!))
          : merge(ins[0]!, merge(ins[1]!, merge(ins[2]!, ins[3]!)));
      const prods = ins.map(async (c, k) => {
        const pr = rng(seed * 31 + k);
        for (let i = 0; i < 15; i++) {
          const v = k * 100 + i;
          if (pr() < 0.3) {
            if (!c.tryPush(v)) await c.push(v);
          } else await c.push(v);
          await pause(pr);
        }
        c.close();
      });
      const got = await readAll(m, rng(seed * 13), undefined);
      await Promise.all(prods);
      expect(got).toHaveLength(60);
      for (let k = 0; k < 4; k++)
        expect(got.filter((v) => Math.floor(v / 100) === k)).toEqual(Array.from({ length: 15 }, (_, i) => k * 100 + i));
      expect(m.closed).toBe(true);
    });
  }
});
