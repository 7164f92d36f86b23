/**
 * Audit BK-select: uniform random choice among ready cases and among parked cases of one select
 * (Go: TestSelectFairness, TestPseudoRandomSend), and no starvation in a select loop.
 *
 * The library's generator cannot be seeded from outside, so every statistical test draws many
 * samples and allows a deviation of about 8 standard deviations: a fair implementation fails
 * with probability below 1e-14, while a bias of a few percent (e.g. always the first ready case,
 * or a 60/40 split) fails every time.
 */
import { Channel, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush } from '../helpers/track.js';

/** Asserts `counts` (of `total` draws) are each total/k within 8 standard deviations. */
function expectUniform(counts: number[], total: number): void {
  const k = counts.length;
  const p = 1 / k;
  const sd = Math.sqrt(total * p * (1 - p));
  for (const count of counts) {
    expect(count).toBeGreaterThan(total * p - 8 * sd);
    expect(count).toBeLessThan(total * p + 8 * sd);
  }
  expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
}

describe('uniform choice among ready cases', () => {
  it('selectNowait over four always-ready pull cases picks each about a quarter of the time (TestSelectFairness)', () => {
    const chans = Array.from({ length: 4 }, () => new Channel<number>(Infinity));
    const cases = chans.map((c) => pull(c));
    const N = 20_000;
    for (const c of chans) for (let i = 0; i < N; i++) c.pushNowait(i);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) {
      const result = selectNowait(cases);
      counts[result!.index]!++;
    }
    expectUniform(counts, N);
  });

  it('select (the promise form) over three ready cases picks each about a third of the time', async () => {
    const chans = Array.from({ length: 3 }, () => new Channel<number>(Infinity));
    const N = 9_000;
    for (const c of chans) for (let i = 0; i < N; i++) c.pushNowait(i);
    const cases = chans.map((c) => pull(c));
    const counts = [0, 0, 0];
    for (let i = 0; i < N; i++) counts[(await select(cases)).index]!++;
    expectUniform(counts, N);
  });

  it('only the ready cases share the choice, uniformly, whatever their positions among null and not-ready cases', () => {
    const ready = [new Channel<number>(Infinity), new Channel<number>(Infinity), new Channel<number>(Infinity)];
    const idle = [new Channel<number>(), new Channel<number>()];
    // positions: 0 idle, 1 null, 2 ready, 3 idle, 4 ready, 5 undefined, 6 null, 7 ready
    const cases = [
      pull(idle[0]!),
      null,
      pull(ready[0]!),
      pull(idle[1]!),
      pull(ready[1]!),
      undefined,
      null,
      pull(ready[2]!),
    ];
    const N = 12_000;
    for (const c of ready) for (let i = 0; i < N; i++) c.pushNowait(i);
    const byIndex = new Map<number, number>([
      [2, 0],
      [4, 0],
      [7, 0],
    ]);
    for (let i = 0; i < N; i++) {
      const { index } = selectNowait(cases)!;
      expect(byIndex.has(index)).toBe(true);
      byIndex.set(index, byIndex.get(index)! + 1);
    }
    expectUniform([...byIndex.values()], N);
  });

  it('a single ready case at the last of many positions is always chosen (no bias to an earlier not-ready slot)', () => {
    const idle = Array.from({ length: 9 }, () => new Channel<number>());
    const ready = new Channel<number>(Infinity);
    for (let i = 0; i < 200; i++) ready.pushNowait(i);
    const cases = [...idle.map((c) => pull(c)), pull(ready)];
    for (let i = 0; i < 200; i++) expect(selectNowait(cases)).toEqual({ index: 9, channel: ready, value: i, ok: true });
  });

  it('a ready push case and a ready pull case are chosen about equally', () => {
    const out = new Channel<number>(Infinity);
    const inp = new Channel<number>(Infinity);
    const N = 10_000;
    for (let i = 0; i < N; i++) inp.pushNowait(i);
    const cases = [push(out, 1), pull(inp)];
    const counts = [0, 0];
    for (let i = 0; i < N; i++) counts[selectNowait(cases)!.index]!++;
    expectUniform(counts, N);
    expect(out.size).toBe(counts[0]);
    expect(inp.size).toBe(N - counts[1]!);
  });

  it('a pull case on a closed channel (ok false) competes fairly with a buffered ready case', () => {
    const closed = new Channel<number>();
    closed.close();
    const busy = new Channel<number>(Infinity);
    const N = 10_000;
    for (let i = 0; i < N; i++) busy.pushNowait(i);
    const counts = [0, 0];
    for (let i = 0; i < N; i++) {
      const result = selectNowait([pull(busy), pull(closed)])!;
      counts[result.index]!++;
      expect(result.ok).toBe(result.index === 0);
    }
    expectUniform(counts, N);
  });

  it('consecutive choices are independent: each ordered pair of winners among two ready cases appears about a quarter of the time', () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    const N = 40_000;
    for (let i = 0; i < N; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
    }
    const cases = [pull(a), pull(b)];
    const pairs = [0, 0, 0, 0];
    let previous = selectNowait(cases)!.index;
    for (let i = 1; i < N; i++) {
      const next = selectNowait(cases)!.index;
      pairs[previous * 2 + next]!++;
      previous = next;
    }
    expectUniform(pairs, N - 1);
  });

  it('the same case listed twice (duplicate case) is picked at either position about equally, and commits once', () => {
    const a = new Channel<number>(Infinity);
    const N = 10_000;
    for (let i = 0; i < N; i++) a.pushNowait(i);
    const c = pull(a);
    const counts = [0, 0];
    for (let i = 0; i < N; i++) {
      const result = selectNowait([c, c])!;
      expect(result.value).toBe(i);
      counts[result.index]!++;
    }
    expectUniform(counts, N);
    expect(a.size).toBe(0);
  });
});

describe('uniform choice among the parked cases of one select on one channel', () => {
  it('two push cases of one parked select on one unbuffered channel: a plain pull gets either value about half the time (TestPseudoRandomSend)', async () => {
    const c = new Channel<string>();
    const N = 4_000;
    const counts = [0, 0];
    for (let i = 0; i < N; i++) {
      const sel = select([push(c, 'A'), push(c, 'B')]);
      await flush(2);
      expect(c.stats().waitingPushers).toBe(2);
      const value = await c.pull();
      const result = await sel;
      expect(result.index).toBe(value === 'A' ? 0 : 1);
      expect(c.stats().waitingPushers).toBe(0);
      counts[result.index]!++;
    }
    expectUniform(counts, N);
  });

  it('three pull cases of one parked select on one channel: a pushNowait is taken by each case about a third of the time', async () => {
    const c = new Channel<number>();
    const N = 6_000;
    const counts = [0, 0, 0];
    for (let i = 0; i < N; i++) {
      const sel = select([pull(c), pull(c), pull(c)]);
      expect(c.stats().waitingPullers).toBe(3);
      c.pushNowait(i);
      expect(c.stats().waitingPullers).toBe(0);
      const result = await sel;
      expect(result.value).toBe(i);
      counts[result.index]!++;
    }
    expectUniform(counts, N);
  });

  it('a select arriving at another select parked on two channels picks either match about half the time', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const N = 4_000;
    const counts = [0, 0];
    for (let i = 0; i < N; i++) {
      const parked = select([pull(a), pull(b)]);
      const result = selectNowait([push(a, 1), push(b, 2)])!;
      const other = await parked;
      expect(other.index).toBe(result.index);
      expect(other.value).toBe(result.index + 1);
      expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
      counts[result.index]!++;
    }
    expectUniform(counts, N);
  });
});

describe('no starvation in a select loop', () => {
  it('a loop over an always-ready channel and a rarely ready one takes the rare value within a few dozen turns', async () => {
    const busy = new Channel<number>(Infinity);
    const rare = new Channel<string>(1);
    for (let i = 0; i < 1000; i++) busy.pushNowait(i);
    for (let round = 0; round < 50; round++) {
      rare.pushNowait('rare');
      let turns = 0;
      for (;;) {
        turns++;
        const result = await select([pull(busy), pull(rare)]);
        if (result.index === 1) break;
        busy.pushNowait(result.value as number); // keep it always ready
        expect(turns).toBeLessThan(60); // (1/2)^60: never for a fair select
      }
      expect(rare.size).toBe(0);
    }
  });

  it('a for-select loop over four channels fed by four producers receives every value exactly once, in each producer order', async () => {
    const chans = [new Channel<number>(), new Channel<number>(), new Channel<number>(2), new Channel<number>(3)];
    const N = 500;
    const producers = chans.map(async (c, k) => {
      for (let i = 0; i < N; i++) await c.push(k * N + i);
      c.close();
    });
    const received: number[][] = [[], [], [], []];
    let cases: (ReturnType<typeof pull<number>> | null)[] = chans.map((c) => pull(c));
    while (cases.some((c) => c !== null)) {
      const result = await select(cases);
      if (result.ok) received[result.index]!.push(result.value as number);
      else cases = cases.map((c, i) => (i === result.index ? null : c));
    }
    await Promise.all(producers);
    for (let k = 0; k < 4; k++) expect(received[k]).toEqual(Array.from({ length: N }, (_, i) => k * N + i));
    for (const c of chans) expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});
