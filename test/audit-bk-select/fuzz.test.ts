/**
 * Audit BK-select: seeded random programs of selects, selectNowait, plain operations, aborts
 * and closes over three block-mode channels (capacities 0, 1 and 2). Every value is unique, so
 * conservation checks that each select committed exactly one case: every value whose push
 * committed is received exactly once (or still buffered), no value whose push failed is ever
 * received, no operation is left pending once everything is closed, and no waiter or abort
 * listener is left behind.
 */
import { Channel, pull, push, type SelectCase, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { seededRandom } from '../helpers/random.js';
import { countListeners, flush, track } from '../helpers/track.js';

async function runProgram(seed: number): Promise<void> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chans = [new Channel<number>(0), new Channel<number>(1), new Channel<number>(2)];
  const controllers = [new AbortController(), new AbortController()];
  const listeners = controllers.map((c) => countListeners(c.signal));
  let next = 1;
  const committed = new Set<number>();
  const failed = new Set<number>();
  const received: number[] = [];
  const pending: { current: { status: string } }[] = [];

  const signalOrNone = () => (random() < 0.4 ? pick(controllers).signal : undefined);
  const randomCases = (): { cases: (SelectCase | null)[]; pushed: (number | undefined)[] } => {
    const n = 1 + Math.floor(random() * 4);
    const cases: (SelectCase | null)[] = [];
    const pushed: (number | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      const r = random();
      const ch = pick(chans);
      if (r < 0.1) {
        cases.push(null);
        pushed.push(undefined);
      } else if (r < 0.55 && !ch.closed) {
        const v = next++;
        cases.push(push(ch, v));
        pushed.push(v);
      } else {
        cases.push(pull(ch));
        pushed.push(undefined);
      }
    }
    return { cases, pushed };
  };
  const onResult = (
    result: { index: number; value: unknown; ok: boolean } | undefined,
    pushed: (number | undefined)[],
  ): void => {
    pushed.forEach((v, i) => {
      if (v === undefined) return;
      if (result !== undefined && result.index === i) committed.add(v);
      else failed.add(v);
    });
    if (result !== undefined && pushed[result.index] === undefined && result.ok) received.push(result.value as number);
  };

  for (let step = 0; step < 60; step++) {
    const op = random();
    if (op < 0.35) {
      const { cases, pushed } = randomCases();
      if (cases.every((c) => c === null)) continue;
      const promise = select(cases, { signal: signalOrNone() });
      const t = track(promise);
      pending.push(t);
      promise.then(
        (r) => onResult(r, pushed),
        () => onResult(undefined, pushed),
      );
    } else if (op < 0.5) {
      const { cases, pushed } = randomCases();
      try {
        onResult(selectNowait(cases), pushed);
      } catch {
        onResult(undefined, pushed);
      }
    } else if (op < 0.62) {
      const ch = pick(chans);
      if (ch.closed) continue;
      const v = next++;
      const promise = ch.push(v, { signal: signalOrNone() });
      pending.push(track(promise));
      promise.then(
        () => committed.add(v),
        () => failed.add(v),
      );
    } else if (op < 0.74) {
      const promise = pick(chans).pull({ signal: signalOrNone() });
      pending.push(track(promise));
      promise.then(
        (v) => received.push(v),
        () => {},
      );
    } else if (op < 0.8) {
      const ch = pick(chans);
      if (ch.closed) continue;
      const v = next++;
      try {
        ch.pushNowait(v);
        committed.add(v);
      } catch {
        failed.add(v);
      }
    } else if (op < 0.86) {
      try {
        received.push(pick(chans).pullNowait());
      } catch {}
    } else if (op < 0.9) {
      pick(controllers).abort('abort');
    } else if (op < 0.92) {
      pick(chans).close();
    } else {
      await flush(1 + Math.floor(random() * 4));
    }
  }
  await flush();
  for (const ch of chans) ch.close();
  await flush(40);
  for (const c of controllers) c.abort('end');
  await flush(40);
  for (const ch of chans) received.push(...drainNow(ch));

  expect(pending.filter((t) => t.current.status === 'pending')).toEqual([]);
  for (const ch of chans) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
  for (const l of listeners) expect(l.live).toBe(0);
  expect(new Set(received).size).toBe(received.length);
  for (const v of received) {
    expect(committed.has(v)).toBe(true);
    expect(failed.has(v)).toBe(false);
  }
  expect([...committed].sort((a, b) => a - b)).toEqual([...received].sort((a, b) => a - b));
}

describe('seeded random select programs', () => {
  it('every committed value is received exactly once, no failed push is delivered, nothing is left pending or parked (400 seeds)', async () => {
    for (let seed = 1; seed <= 400; seed++) {
      try {
        await runProgram(seed);
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}`);
      }
    }
  });
});
