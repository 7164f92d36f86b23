/**
 * Auditor AW — port: randomized races between the receiver's close, the sender's local close,
 * toPort's abort and the consumer's pace. Invariant: every pushed value is exactly once in
 * (taken remotely ∪ left buffered remotely) = the first `sent`, or in undelivered, or still local;
 * order preserved.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const turn = () => new Promise<void>((r) => setImmediate(r));

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('races', () => {
  it('200 random rounds keep every value exactly once and in order', async () => {
    for (let round = 0; round < 200; round++) {
      const r = rng(round + 1);
      const { port1, port2 } = new MessageChannel();
      const caps = [0, 1, 2, 5, Infinity];
      const capacity = caps[Math.floor(r() * caps.length)]!;
      const localCap = [0, 3, Infinity][Math.floor(r() * 3)]!;
      const local = new Channel<number>(localCap);
      const remote = fromPort<number>(port2, { capacity });
      const ac = new AbortController();
      const done = toPort(local, port1, { signal: ac.signal });
      // Paired first (README: a fromPort closed before pairing tells no sender). A sleep(5) here
      // once ended before the `open` arrived on a loaded CI machine, and round 74 hung.
      await paired(port1);
      const N = 20;
      let pushed = 0;
      const producer = (async () => {
        for (let i = 0; i < N; i++) {
          try {
            await local.push(i);
            pushed++;
          } catch {
            break;
          }
          if (r() < 0.3) await turn();
        }
      })();
      const taken: number[] = [];
      const consumer = (async () => {
        try {
          for await (const v of remote) {
            taken.push(v);
            if (r() < 0.3) await turn();
            if (taken.length > 40) break;
          }
        } catch {}
      })();
      const action = Math.floor(r() * 4);
      const delay = Math.floor(r() * 6);
      for (let k = 0; k < delay; k++) await turn();
      if (action === 0) remote.close();
      else if (action === 1) local.close();
      else if (action === 2) ac.abort(new Error('abort'));
      else {
        remote.close();
        local.close();
      }
      const result = await Promise.race([done, sleep(8000).then(() => 'hang' as const)]);
      expect(result, `round ${round} hang (cap ${capacity}, action ${action})`).not.toBe('hang');
      if (result === 'hang') return;
      // stop the producer: close local (if not closed) so parked pushes reject
      local.close();
      await producer;
      await Promise.race([consumer, sleep(100)]);
      remote.close();
      const buffered: number[] = [];
      while (remote.size > 0) buffered.push(remote.pullNowait());
      const left: number[] = [];
      while (local.size > 0) left.push(local.pullNowait());
      const received = [...taken, ...buffered];
      const ctx = `round ${round} cap ${capacity} localCap ${localCap} action ${action} delay ${delay}`;
      expect(received.length, ctx).toBe(result.sent);
      const all = [...received, ...result.undelivered, ...left];
      expect(all, ctx).toEqual(Array.from({ length: pushed }, (_, i) => i));
      port1.close();
      port2.close();
    }
  }, 120_000);
});
