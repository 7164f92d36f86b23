/**
 * Auditor BO — bursts of operations made together (Promise.all) by several clients, with signals
 * that abort at every phase: synchronously after the call, at the next microtask, at a 0 ms timer,
 * after a few ms. Whatever resolved is delivered exactly once; whatever rejected with the reason is
 * not.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { observed } from '../helpers.js';
import { freshName, ns, rejection, sleep, within } from './bo-helpers.js';

type Phase = 'none' | 'sync' | 'microtask' | 'timer0' | 'ms';
const PHASES: Phase[] = ['none', 'sync', 'microtask', 'timer0', 'ms'];

function abortAt(phase: Phase, ac: AbortController, reason: unknown, rnd: () => number): void {
  if (phase === 'sync') ac.abort(reason);
  else if (phase === 'microtask') queueMicrotask(() => ac.abort(reason));
  else if (phase === 'timer0') setTimeout(() => ac.abort(reason), 0);
  else if (phase === 'ms') setTimeout(() => ac.abort(reason), 1 + Math.floor(rnd() * 30));
}

describe('bursts with aborts at every phase (seeded)', () => {
  for (const seed of [5, 17, 123]) {
    it(`seed ${seed}`, async () => {
      const rnd = seededRandom(seed);
      const name = freshName(`bo-bursts-${seed}`);
      const capacity = 2 + Math.floor(rnd() * 4);
      const stored = new Set<number>();
      const aborted = new Set<number>();
      const delivered: number[] = [];
      let next = 0;
      const clientTask = async (k: number) => {
        const ch = durableChannel<number>(ns(), name, { capacity });
        for (let round = 0; round < 6; round++) {
          const ops: Promise<void>[] = [];
          const burstPulls: Promise<number | undefined>[] = [];
          const size = 1 + Math.floor(rnd() * 5);
          for (let j = 0; j < size; j++) {
            const phase = PHASES[Math.floor(rnd() * PHASES.length)]!;
            const ac = new AbortController();
            const reason = new Error(`r${k}-${round}-${j}`);
            if (rnd() < 0.55) {
              const v = next++;
              const p = ch.push(v, { signal: ac.signal, id: `b${seed}-${v}` }).then(
                () => void stored.add(v),
                (e) => {
                  expect(e).toBe(reason);
                  aborted.add(v);
                },
              );
              ops.push(p);
            } else {
              const p = ch.pull({ signal: ac.signal }).then(
                (v) => {
                  delivered.push(v);
                  return v;
                },
                (e) => {
                  expect(e).toBe(reason);
                  return undefined;
                },
              );
              burstPulls.push(p);
              ops.push(p.then(() => {}));
            }
            // a pull that never gets aborted could wait forever: give every op without abort a late one
            abortAt(phase === 'none' ? 'ms' : phase, ac, reason, rnd);
            if (phase === 'none') setTimeout(() => ac.abort(reason), 400);
          }
          await within(Promise.all(ops), 15_000, `burst ${k}/${round}`);
          // No order check here: a value handed to an aborted pull (of any client) goes back to the
          // head, so a later pull may rightly get an older value than an earlier pull of the
          // same burst got. FIFO without aborts is checked in bo-clients and bo-iter.
          await Promise.all(burstPulls);
        }
      };
      await Promise.all([0, 1, 2].map(clientTask));
      await sleep(100);
      const ch = durableChannel<number>(ns(), name);
      const s = await ch.stats();
      expect(s).toMatchObject({ leased: 0, waitingPushers: 0, waitingPullers: 0 });
      await ch.close();
      for await (const v of ch) delivered.push(v);
      expect([...delivered].sort((a, b) => a - b)).toEqual([...stored].sort((a, b) => a - b));
      expect(stored.size + aborted.size).toBe(next);
      expect(aborted.size).toBeGreaterThan(0);
      expect(stored.size).toBeGreaterThan(0);
    }, 30_000);
  }
});

describe('an abort while the acknowledgement is in flight', () => {
  it('the pull either resolves with the value (committed) or rejects and the value is back: never lost, never twice', async () => {
    const name = freshName('bo-ack-abort');
    let holdAck: (() => void) | undefined;
    const { namespace } = observed({
      ack: async (real) => {
        await new Promise<void>((r) => {
          holdAck = r;
        });
        return real();
      },
    });
    const slow = durableChannel<string>(namespace as never, name);
    const plain = durableChannel<string>(ns(), name);
    await plain.push('only');
    const ac = new AbortController();
    const outcome = slow.pull({ signal: ac.signal }).then(
      (v) => ({ resolved: v }),
      (e) => ({ rejected: e }),
    );
    for (let i = 0; i < 100 && holdAck === undefined; i++) await sleep(5);
    expect(holdAck).toBeDefined();
    ac.abort(new Error('too late?'));
    await sleep(50);
    holdAck!();
    const result = await within(outcome, 5000, 'pull');
    const after = await plain.tryPull();
    if ('resolved' in result) {
      expect(result.resolved).toBe('only');
      expect(after).toBeUndefined();
    } else {
      expect((result.rejected as Error).message).toBe('too late?');
      expect(after).toBe('only');
    }
    expect(await plain.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});

describe('same push id from two clients on a full channel (documented: one waiting push)', () => {
  it('one caller aborts: the other still gets its value stored, once', async () => {
    const name = freshName('bo-same-id');
    const a = durableChannel<string>(ns(), name, { capacity: 1 });
    const b = durableChannel<string>(ns(), name, { capacity: 1 });
    await a.push('first');
    const ac = new AbortController();
    const pa = rejection(a.push('job', { id: 'J', signal: ac.signal }));
    await sleep(100);
    const pb = b.push('job', { id: 'J' });
    await sleep(100);
    expect((await a.stats()).waitingPushers).toBe(1);
    ac.abort('a gives up');
    expect(await within(pa, 5000, 'a')).toBe('a gives up');
    await sleep(100);
    expect(await a.pull()).toBe('first');
    await within(pb, 5000, 'b');
    expect(await a.pullWithId()).toMatchObject({ value: 'job', id: 'J' });
    expect(await a.tryPull()).toBeUndefined();
  });

  it('neither aborts: both resolve when room appears, the value is stored once', async () => {
    const name = freshName('bo-same-id2');
    const a = durableChannel<string>(ns(), name, { capacity: 1 });
    await a.push('first');
    const both = Promise.all([a.push('job', { id: 'K' }), durableChannel<string>(ns(), name).push('job', { id: 'K' })]);
    await sleep(150);
    expect(await a.pull()).toBe('first');
    await within(both, 5000, 'both');
    expect(await a.pullMany(10)).toEqual(['job']);
  });
});

describe('close while operations of other clients are in flight', () => {
  it('a close racing a burst of pushes: every push either resolved (and is read) or rejected ChannelClosedError (and is not)', async () => {
    const rnd = seededRandom(4242);
    const name = freshName('bo-close-race');
    const stored: number[] = [];
    const refused: number[] = [];
    const producers = [0, 1, 2].map(async (p) => {
      const ch = durableChannel<number>(ns(), name, { capacity: 3 });
      for (let i = 0; i < 10; i++) {
        const v = p * 100 + i;
        try {
          await ch.push(v);
          stored.push(v);
        } catch (e) {
          expect(e).toBeInstanceOf(ChannelClosedError);
          refused.push(v);
        }
      }
    });
    const consumer = (async () => {
      const ch = durableChannel<number>(ns(), name, { capacity: 3 });
      const got: number[] = [];
      try {
        for await (const v of ch) {
          got.push(v);
          if (rnd() < 0.2) await sleep(5);
        }
      } catch (e) {
        return { got, thrown: e };
      }
      return { got, thrown: undefined };
    })();
    await sleep(40);
    // With its capacity: a client without one that reached the channel first would create it
    // unbounded (README), and the producers would then get RangeErrors.
    await durableChannel<number>(ns(), name, { capacity: 3 }).close('stop now');
    await within(Promise.all(producers), 10_000, 'producers');
    const { got, thrown } = await within(consumer, 10_000, 'consumer');
    expect(thrown).toBe('stop now');
    expect([...got].sort((a, b) => a - b)).toEqual([...stored].sort((a, b) => a - b));
    expect(stored.length + refused.length).toBe(30);
  });
});
