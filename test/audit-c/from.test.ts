/**
 * `from()` under the consumers that compete for its values — a select over several `from`
 * channels, a `merge` of them — as users write a "first of several sources" loop. The SPEC:
 * "a channel fed lazily from `source` (never more than `capacity` values ahead of its
 * consumer)"; the README: it "reads the source only when the value read can be committed at
 * once", and "never more than `capacity` values ahead" holds exactly (the one exception is an
 * async source whose pull gives up while the value is being produced).
 */
import { describe, expect, test } from 'vitest';
import { broadcast, from, merge, pull, select, selectNowait } from '../../src/index.js';

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

/** An endless synchronous source that logs every value read from it. */
function* counting(log: number[], base: number): Generator<number> {
  for (let i = base; ; i++) {
    log.push(i);
    yield i;
  }
}

describe('from() read by a select or a merge', () => {
  test('a select over two from() channels of capacity 0 reads exactly one source, once', async () => {
    const readA: number[] = [];
    const readB: number[] = [];
    const a = from(counting(readA, 0));
    const b = from(counting(readB, 100));
    const result = await select([pull(a), pull(b)]);
    await turn();
    expect([...readA, ...readB]).toEqual([result.value]);
    // The loser was not read ahead: nothing waits in either channel for a consumer.
    expect(a.stats().waitingPushers + b.stats().waitingPushers).toBe(0);
    expect(selectNowait([pull(a), pull(b)])).toBeUndefined();
    a.close();
    b.close();
  });

  test('a select loop over two from() channels of capacity 0 reads each source only for a value it delivers', async () => {
    const readA: number[] = [];
    const readB: number[] = [];
    const a = from(counting(readA, 0));
    const b = from(counting(readB, 100));
    const received: number[] = [];
    for (let i = 0; i < 20; i++) received.push((await select([pull(a), pull(b)])).value as number);
    await turn();
    expect([...readA, ...readB].sort((x, y) => x - y)).toEqual(received.sort((x, y) => x - y));
    a.close();
    b.close();
  });

  test('closing both channels after a select over two from() channels loses no value read from either source', async () => {
    // Shared iterators: what a channel read and dropped, no one else will see.
    const letters = ['a', 'b', 'c'][Symbol.iterator]();
    const digits = ['1', '2', '3'][Symbol.iterator]();
    const a = from({ [Symbol.iterator]: () => letters });
    const b = from({ [Symbol.iterator]: () => digits });
    const first = await select([pull(a), pull(b)]);
    await turn();
    a.close();
    b.close();
    // Everything not delivered is still in its iterator.
    const rest = [...letters, ...digits];
    expect([first.value, ...rest].sort()).toEqual(['1', '2', '3', 'a', 'b', 'c']);
  });

  test('a merge of two endless from() channels reads one value ahead of its consumer, not one per input', async () => {
    const readA: number[] = [];
    const readB: number[] = [];
    const merged = merge(from(counting(readA, 0)), from(counting(readB, 100)));
    await turn();
    expect(readA.length + readB.length).toBe(1); // the merged channel's one slot
    const values = [await merged.pull(), await merged.pull(), await merged.pull()];
    await turn();
    expect(readA.length + readB.length).toBe(4);
    expect([...readA, ...readB].sort((x, y) => x - y).slice(0, 3)).toEqual(expect.arrayContaining(values));
    merged.close();
  });

  for (const kind of ['synchronous', 'async'] as const) {
    test(`leaving a for await over a from() of a ${kind} source early reads nothing ahead: a second loop continues with the next value`, async () => {
      const values = [1, 2, 3, 4, 5];
      const source: Iterable<number> | AsyncIterable<number> =
        kind === 'synchronous'
          ? values
          : (async function* () {
              yield* values;
            })();
      const channel = from(source);
      const first: number[] = [];
      for await (const value of channel) {
        first.push(value);
        if (value === 2) break;
      }
      await turn();
      expect(channel.stats().waitingPushers).toBe(0);
      const rest: number[] = [];
      for await (const value of channel) rest.push(value);
      expect([...first, ...rest]).toEqual(values);
    });
  }

  test('a select loop over two endless from() channels of capacity 0 takes from both, at random (neither starves)', async () => {
    const a = from(counting([], 0));
    const b = from(counting([], 1000));
    const wins = [0, 0];
    for (let i = 0; i < 200; i++) {
      const { index } = await select([pull(a), pull(b)]);
      wins[index] = (wins[index] as number) + 1;
    }
    // Uniform: 100 ± 50 each is more than 7 standard deviations wide.
    expect(wins[0]).toBeGreaterThan(50);
    expect(wins[1]).toBeGreaterThan(50);
    a.close();
    b.close();
  });

  test('a merge of two endless from() channels takes from both in turn (neither starves)', async () => {
    const merged = merge(from(counting([], 0)), from(counting([], 1000)));
    let first = 0;
    for (let i = 0; i < 200; i++) if ((await merged.pull()) < 1000) first++;
    expect(first).toBeGreaterThan(50);
    expect(first).toBeLessThan(150);
    merged.close();
  });

  test('an endless synchronous source lets other work run: a consumer that closes after ten values stops it', async () => {
    // Unbounded capacity, and a broadcast with only a drop-mode subscriber: nothing ever waits
    // for the consumer, so only microtasks between the reads let it run.
    const unbounded = from(counting([], 0), { capacity: Number.POSITIVE_INFINITY });
    const seen: number[] = [];
    for await (const value of unbounded) if (seen.push(value) === 10) unbounded.close();
    expect(seen.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const hub = broadcast(from(counting([], 0)));
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    let count = 0;
    for await (const _ of latest) if (++count === 10) hub.close();
    expect(count).toBeGreaterThanOrEqual(10);
  });
});
