/**
 * `from()` under the consumers that compete for its values — a select over several `from`
 * channels, a `merge` of them — as users write a "first of several sources" loop. The SPEC:
 * "a channel fed lazily from `source` (never more than `capacity` values ahead of its
 * consumer)"; the README: it "reads the source only when the value read can be committed at
 * once", and "never more than `capacity` values ahead" holds exactly (the one exception is an
 * async source whose pull gives up while the value is being produced).
 */
import { describe, expect, test } from 'vitest';
import { from, merge, pull, select, selectNowait } from '../../src/index.js';

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
});
