/**
 * Audit BO-programs: a broadcast hub whose subscribers join and leave (close, signal) while values
 * flow, with `'block'` and `'drop-oldest'` subscribers, the source closed with a reason at the end.
 * Each `'block'` subscriber must see one contiguous run of values starting exactly where it
 * joined, a subscriber present from the start sees every value, a `'drop-oldest'` one that stays
 * sees an increasing sequence ending with the last value, and every subscriber that stays ends
 * with the source's reason. Nothing is parked afterwards and no abort listener is left.
 */
import { getEventListeners } from 'node:events';
import { broadcast, Channel, ChannelClosedError, type Overflow } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { tick } from './helpers.js';

interface Sub {
  id: number;
  overflow: Overflow;
  capacity: number;
  leave: 'stay' | 'close' | 'signal';
  leaveAfter: number;
  joinLo: number; // lowest possible first value (values pulled before it subscribed)
  got: number[];
  end?: unknown;
  closedAtLeave?: boolean; // already closed by the source's end when it meant to leave
  ch: Channel<number>;
  ac?: AbortController | undefined;
  done: Promise<void>;
}

async function program(seed: number) {
  const rnd = seededRandom(seed);
  const N = 150 + Math.floor(rnd() * 150);
  const source = new Channel<number>(Math.floor(rnd() * 5), { name: 'source' });
  const hub = broadcast(source);
  const reason = new Error(`eof ${seed}`);
  const subs: Sub[] = [];
  const signals: AbortSignal[] = [];

  const join = (first: boolean) => {
    const overflow: Overflow = first ? 'block' : rnd() < 0.7 ? 'block' : 'drop-oldest';
    const capacity = overflow === 'block' ? Math.floor(rnd() * 4) : 1 + Math.floor(rnd() * 2);
    const leave = first ? 'stay' : ((['stay', 'close', 'signal'] as const)[Math.floor(rnd() * 3)] ?? 'stay');
    const ac = leave === 'signal' ? new AbortController() : undefined;
    if (ac) signals.push(ac.signal);
    // Values already pulled: everything the first subscriber got or holds.
    const s0 = subs[0];
    const joinLo = s0 ? s0.got.length + s0.ch.size : 0;
    const ch = hub.subscribe({ capacity, overflow, signal: ac?.signal });
    const sub: Sub = {
      id: subs.length,
      overflow,
      capacity,
      leave,
      leaveAfter: 1 + Math.floor(rnd() * 40),
      joinLo,
      got: [],
      ch,
      ac,
      done: Promise.resolve(),
    };
    const slow = overflow === 'drop-oldest' ? 0.6 : 0.15;
    sub.done = (async () => {
      try {
        for await (const v of ch) {
          sub.got.push(v);
          if (sub.got.length === sub.leaveAfter) {
            sub.closedAtLeave = ch.closed;
            if (sub.leave === 'close') ch.close();
            else if (sub.leave === 'signal') sub.ac?.abort();
          }
          if (rnd() < slow) await tick();
        }
      } catch (error) {
        sub.end = error;
      }
    })();
    subs.push(sub);
  };

  join(true);
  for (let i = 0; i < N; i++) {
    await source.push(i);
    if (rnd() < 0.05) join(false);
    if (rnd() < 0.1) await tick();
  }
  source.close(reason);
  await Promise.all(subs.map((s) => s.done));
  return { N, subs, reason, source, hub, signals };
}

describe('broadcast with subscribers joining and leaving while values flow', () => {
  for (const seed of Array.from({ length: 30 }, (_, i) => 500 + i)) {
    it(`seed ${seed}: contiguous runs from the join point, drop-oldest ends with the last value, every stayer ends with the reason`, async () => {
      const { N, subs, reason, source, signals } = await program(seed);
      const s0 = subs[0] as Sub;
      expect(s0.got).toEqual(Array.from({ length: N }, (_, i) => i));
      for (const s of subs) {
        const label = `sub ${s.id} (${s.overflow}, cap ${s.capacity}, ${s.leave} after ${s.leaveAfter})`;
        if (s.overflow === 'block') {
          if (s.got.length > 0) {
            const first = s.got[0] as number;
            expect(s.got, label).toEqual(Array.from({ length: s.got.length }, (_, i) => first + i));
            expect(first, label).toBeGreaterThanOrEqual(s.joinLo);
            expect(first, label).toBeLessThanOrEqual(s.joinLo + 1);
          }
          if (s.leave === 'stay') {
            expect(s.got.at(-1), label).toBe(N - 1);
          }
          if (s.leave !== 'stay' && s.got.length >= s.leaveAfter) {
            // A subscriber that left receives what it held then, and nothing pushed afterwards:
            // at most its capacity (+1 for a value handed to its parked pull) beyond the leave.
            expect(s.got.length - s.leaveAfter, label).toBeLessThanOrEqual(s.capacity + 1);
          }
        } else {
          for (let k = 1; k < s.got.length; k++)
            expect(s.got[k] as number, label).toBeGreaterThan(s.got[k - 1] as number);
          if (s.got.length > 0) expect(s.got[0] as number, label).toBeGreaterThanOrEqual(s.joinLo);
          if (s.leave === 'stay') expect(s.got.at(-1), label).toBe(N - 1);
        }
        // A leaver that had not yet reached its leaving point when the source ended is a stayer.
        const left = s.leave !== 'stay' && s.got.length >= s.leaveAfter && !s.closedAtLeave;
        if (!left) expect(s.end, label).toBe(reason);
        else expect(s.end, label).toBeUndefined();
        expect(s.ch.closed, label).toBe(true);
        expect([s.ch.stats().waitingPullers, s.ch.stats().waitingPushers], label).toEqual([0, 0]);
      }
      expect(source.size).toBe(0);
      expect([source.stats().waitingPullers, source.stats().waitingPushers]).toEqual([0, 0]);
      for (const sig of signals) expect(getEventListeners(sig, 'abort').length).toBe(0);
    });
  }

  it('a subscriber that joins after the source ended gets a closed channel carrying the reason', async () => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const a = hub.subscribe();
    await source.push(1);
    const reason = new Error('done');
    source.close(reason);
    expect(await a.pull()).toBe(1);
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    const e = await late.pull().catch((error) => error);
    expect((e as ChannelClosedError).cause).toBe(reason);
  });

  it('hub.close() mid-stream: every subscriber present keeps what it received; the source keeps the rest, in order', async () => {
    const source = new Channel<number>(8, { name: 'source' });
    const hub = broadcast(source);
    const subs = [0, 1, 2].map((i) => hub.subscribe({ capacity: i }));
    const got: number[][] = [[], [], []];
    const loops = subs.map(async (s, i) => {
      for await (const v of s) {
        got[i]?.push(v);
        if (i === 2) await tick();
      }
    });
    const producer = source.pushAll(Array.from({ length: 100 }, (_, i) => i));
    while ((got[2]?.length ?? 0) < 30) await tick();
    hub.close();
    await Promise.all(loops);
    const rest: number[] = [];
    while ((got[0]?.length ?? 0) + rest.length < 100) rest.push(...(await source.pullMany(100)));
    await producer;
    // Every subscriber got the same prefix; nothing pulled from the source went missing.
    expect(got[0]).toEqual(got[1]);
    expect(got[1]).toEqual(got[2]);
    expect([...(got[0] as number[]), ...rest]).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(source.closed).toBe(false);
  });
});
