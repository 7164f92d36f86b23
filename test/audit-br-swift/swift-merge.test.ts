// Audit BR-peers-f: behaviour checked by apple/swift-async-algorithms'
// Tests/AsyncAlgorithmsTests/TestMerge.swift (TestMerge2 and TestMerge3), ported onto
// chanasync's `merge` over `from(...)` channels. Swift's `merge(a, b)` of `[..].async` ≈
// `merge(from([..]), from([..]))`; a `map { try throwOn(k, $0) }` ≈ a generator that throws.
import { Channel, ChannelClosedError, from, merge } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Failure, track, turn, turns } from './util.js';

afterEach(() => {
  vi.useRealTimers();
});

async function collect<T>(ch: Channel<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of ch) values.push(v);
  } catch (error) {
    return { values, error };
  }
  return { values };
}

function* throwOn(values: number[], bad: number): Generator<number> {
  for (const v of values) {
    if (v === bad) throw new Failure();
    yield v;
  }
}

function subsequence<T>(all: T[], of: T[]): T[] {
  const set = new Set(of);
  return all.filter((v) => set.has(v));
}

describe('swift TestMerge ported', () => {
  // test_merge_makes_sequence_with_elements_from_sources_when_all_have_same_size /
  // first_is_longer / second_is_longer (TestMerge2), plus the past-end next().
  for (const [name, first, second] of [
    ['all have same size', [1, 2, 3], [4, 5, 6]],
    ['first is longer', [1, 2, 3, 4, 5, 6, 7], [8, 9, 10]],
    ['second is longer', [1, 2, 3], [4, 5, 6, 7]],
  ] as const) {
    it(`merge of two: ${name} — every element once, each input's order kept, done after`, async () => {
      const merged = merge(from([...first]), from([...second]));
      const { values, error } = await collect(merged);
      expect(error).toBeUndefined();
      expect([...values].sort((a, b) => a - b)).toEqual([...first, ...second].sort((a, b) => a - b));
      expect(subsequence(values, [...first])).toEqual([...first]);
      expect(subsequence(values, [...second])).toEqual([...second]);
      expect((await merged[Symbol.asyncIterator]().next()).done).toBe(true);
    });
  }

  // TestMerge3: three inputs of various lengths (same_size, first/second/third longer, pairs longer).
  for (const [name, a, b, c] of [
    ['all have same size', [1, 2, 3], [4, 5, 6], [7, 8, 9]],
    ['third is longer', [1, 2, 3], [4, 5, 6], [7, 8, 9, 10]],
    ['first and second are longer', [1, 2, 3, 4, 5], [6, 7, 8, 9], [10, 11]],
    ['second and third are longer', [1], [2, 3, 4], [5, 6, 7, 8]],
  ] as const) {
    it(`merge of three: ${name}`, async () => {
      const merged = merge(from([...a]), from([...b]), from([...c]));
      const { values, error } = await collect(merged);
      expect(error).toBeUndefined();
      expect(values).toHaveLength(a.length + b.length + c.length);
      expect(subsequence(values, [...a])).toEqual([...a]);
      expect(subsequence(values, [...b])).toEqual([...b]);
      expect(subsequence(values, [...c])).toEqual([...c]);
    });
  }

  // test_merge_produces_three_elements_from_first_and_throws_when_first_is_longer_and_throws_after_three_elements
  // (and ..._when_first_is_shorter_..., ..._from_second_...): the elements produced before the
  // failure are all delivered, then the merged sequence throws the failure, then is done.
  // Difference: chanasync's merged iterator, a new one after the failure, throws the reason again
  // (README: iteration "throws the reason after close(reason)"); Swift's is nil past the failure.
  it('an input that throws after three elements: the three arrive, then the failure', async () => {
    const merged = merge(from(throwOn([1, 2, 3, 4, 5], 4)), from([6, 7, 8]));
    const { values, error } = await collect(merged);
    expect(error).toBeInstanceOf(Failure);
    expect(subsequence(values, [1, 2, 3])).toEqual([1, 2, 3]);
  });

  it('the second input throws after three elements (second shorter)', async () => {
    const merged = merge(from([1, 2, 3, 4, 5, 6, 7]), from(throwOn([7, 8, 9, 10, 11], 10)));
    const { values, error } = await collect(merged);
    expect(error).toBeInstanceOf(Failure);
    expect(values.filter((v) => v >= 8)).toEqual([8, 9]);
    expect(values.filter((v) => v === 7).length).toBeGreaterThanOrEqual(1);
  });

  // Same peer tests, with the failing input buffered: its three values are committed into the
  // input channel before it fails. The SPEC says of close(reason) "Values already in the buffer
  // stay readable; pulls reject only once it is drained" and of merge "closed once every input
  // is closed and drained"; Swift delivers all three before the failure.
  it('a buffered input that fails after three elements: its committed values still come through merge', async () => {
    const failing = new Channel<number>(3);
    failing.pushNowait(1);
    failing.pushNowait(2);
    failing.pushNowait(3);
    const failure = new Failure();
    failing.close(failure);
    const merged = merge(failing, from([6, 7, 8]));
    const { values, error } = await collect(merged);
    expect(error).toBe(failure);
    expect(subsequence(values, [1, 2, 3])).toEqual([1, 2, 3]);
  });

  // TestMerge checks only membership; chanasync's README promises more: "When several inputs
  // have a value, they are served round-robin (deterministic, fair)".
  it('inputs that all hold values are served round-robin', async () => {
    const ins = ['a', 'b', 'c'].map((tag) => {
      const c = new Channel<string>(3);
      for (const i of [1, 2, 3]) c.pushNowait(tag + i);
      c.close();
      return c;
    });
    const { values } = await collect(merge(...ins));
    expect(values.join(' ')).toBe('a1 b1 c1 a2 b2 c2 a3 b3 c3');
  });

  // Leaving a `for await` over a merge early loses no value (SPEC "Leaving a for await loop
  // early … loses no value"; the merge holds one value ahead of its consumer).
  it('leaving a loop over a merge and iterating again loses nothing', async () => {
    const merged = merge(from([1, 2, 3, 4, 5]));
    const out: number[] = [];
    for await (const v of merged) {
      out.push(v);
      if (v === 2) break;
    }
    for await (const v of merged) out.push(v);
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });

  // test_merge_makes_sequence_with_ordered_elements_when_sources_follow_a_timeline:
  // "a-c-e-g-|" and "-b-d-f-h" merged give "abcdefgh|". Ported with fake timers: one letter
  // per tick, alternating inputs.
  it('inputs following a timeline come out in timeline order', async () => {
    vi.useFakeTimers();
    const x = new Channel<string>();
    const y = new Channel<string>();
    const merged = merge(x, y);
    const out: string[] = [];
    const reader = (async () => {
      for await (const v of merged) out.push(v);
    })();
    const timeline: [Channel<string>, string][] = [
      [x, 'a'],
      [y, 'b'],
      [x, 'c'],
      [y, 'd'],
      [x, 'e'],
      [y, 'f'],
      [x, 'g'],
      [y, 'h'],
    ];
    for (const [ch, v] of timeline) {
      await vi.advanceTimersByTimeAsync(1);
      await ch.push(v);
    }
    x.close();
    await vi.advanceTimersByTimeAsync(1);
    expect(merged.closed).toBe(false); // y still open
    y.close();
    await vi.advanceTimersByTimeAsync(1);
    await reader;
    expect(out.join('')).toBe('abcdefgh');
  });

  // test_merge_finishes_when_iteration_task_is_cancelled: infinite sources, the consumer stops.
  // Difference: Swift cancels the sources; chanasync's README: leaving a loop "does not close the
  // channel", and closing a merged channel "leaves the inputs alone". The consumer closes the
  // merged channel; the merge must then stop taking from its inputs.
  it('a consumer that stops reading infinite inputs: closing the merged channel stops the merge', async () => {
    let readA = 0;
    let readB = 0;
    function* indefinite(count: () => void): Generator<string> {
      for (;;) {
        count();
        yield 'x';
      }
    }
    const a = from(indefinite(() => readA++));
    const b = from(indefinite(() => readB++));
    const merged = merge(a, b);
    let n = 0;
    for await (const _ of merged) {
      if (++n === 5) break;
    }
    merged.close();
    await turns(3);
    const before = readA + readB;
    await turns(5);
    expect(readA + readB).toBe(before);
    // capacity-0 from channels read only for a pull that waits: nothing runs ahead for ever.
    expect(before).toBeLessThanOrEqual(5 + 1 + 2);
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPullers).toBe(0);
    a.close();
    b.close();
  });

  // test_merge_when_cancelled: merging never-ending sources inside a task cancelled at once
  // must not hang. Ported: merged channel closed right away; its iteration ends.
  it('a merged channel closed before anyone reads ends its iteration at once', async () => {
    const a = from(
      (function* () {
        for (;;) yield 1;
      })(),
    );
    const b = new Channel<number>();
    const merged = merge(a, b);
    merged.close();
    const seen: number[] = [];
    for await (const v of merged) seen.push(v);
    // README: "Closing it keeps the value it took readable" — at most that one value.
    expect(seen.length).toBeLessThanOrEqual(1);
    a.close();
  });

  // Swift's merge is demand-driven: an element is pulled from a base only when the merged
  // iterator asks. chanasync's README: "merge takes one value ahead of its consumer (its buffer
  // of one)", so a rendezvous push into an unbuffered input resolves before anyone read the
  // merged channel — once, and only once: the next push waits.
  it('a merge reads exactly one value ahead of its consumer', async () => {
    const a = new Channel<number>();
    const merged = merge(a);
    const p1 = track(a.push(1));
    const p2 = track(a.push(2));
    await turns(2);
    expect(p1.state).toBe('fulfilled');
    expect(p2.state).toBe('pending');
    expect(merged.size).toBe(1);
    expect(await merged.pull()).toBe(1);
    await turn();
    expect(p2.state).toBe('fulfilled');
    expect(await merged.pull()).toBe(2);
  });

  // testIteratorDeinitialized_whenFinished: once every input finished, the merge is closed
  // (README: "`closed` is true without a pull first").
  it('the merged channel is closed once every input is closed and drained', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    const merged = merge(a, b);
    b.pushNowait(1);
    a.close();
    b.close();
    await turn();
    expect(merged.closed).toBe(true);
    expect(await merged.pull()).toBe(1);
    await expect(merged.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});
