/**
 * Audit L, regression: a merge that finds one of its inputs closed and drained while it looks
 * round the inputs must still look at every other input. It used to take the next index
 * modulo the shorter list, skip an input holding a value, and park a pull on that input: the
 * value then waited (a pull on the merge hung), was overtaken by the input's next value, or —
 * when the skipped input was itself a merge that closed — was lost. Likewise, asking the
 * inputs' feeders in turn must not skip one when an input closes as it is asked.
 */
import { expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, from, merge } from '../../src/index.js';

test('a merge whose input closed while it was full still takes the value waiting in a later input', async () => {
  const p = new Channel<number>(1);
  const q = new Channel<number>(1);
  const r = new Channel<number>(2);
  r.pushNowait(1);
  const merged = merge(p, q, r); // takes 1 from r, the third input
  r.pushNowait(2);
  q.close(); // closed and drained while the merged channel was full
  expect(await merged.pull()).toBe(1);
  // 2 waits in r: the merged channel takes it (nothing parked on r while r holds a value)
  expect(r.stats().waitingPullers).toBe(0);
  expect(merged.tryPull()).toBe(2);
  r.pushNowait(3);
  expect(await merged.pull()).toBe(3);
});

test('merge(merge(from(empty), a, merge(b, c))) delivers every value: nothing stays behind in a closed inner merge', async () => {
  const empty = new Channel<number>();
  const [a, b, c] = [new Channel<number>(), new Channel<number>(), new Channel<number>()];
  const inner = merge(b, c);
  const root = merge(merge(from(empty), a, inner));
  const produce = async (channel: Channel<number>, values: number[]) => {
    for (const v of values) await channel.push(v);
    channel.close();
  };
  const producers = [produce(empty, []), produce(a, [0, 1, 2]), produce(b, [3, 4, 5]), produce(c, [6, 7])];
  const got: number[] = [];
  for (;;) {
    try {
      got.push(await root.pull());
    } catch (error) {
      expect(error).toBeInstanceOf(ChannelClosedError);
      break;
    }
  }
  await Promise.all(producers);
  expect([...got].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(inner.size).toBe(0);
});

test('a merge whose input closes when asked for a value still asks the input after it (a lazy from)', async () => {
  // A subscriber whose broadcast learns only at its next look that its source ended (another
  // consumer drained the source: README, Broadcast and ticker) closes when the merge asks it.
  const leaf = new Channel<number>();
  const producer = (async () => {
    await leaf.push(0);
    leaf.close();
  })();
  const middle = broadcast(leaf).subscribe({ capacity: 0 });
  const stale = broadcast(middle).subscribe({ capacity: 0 });
  await new Promise((resolve) => setTimeout(resolve, 0));
  // Taken from under the second broadcast, whose pull on `middle` is no room while `stale` has
  // none (since 2026-12-03 the first broadcast takes nothing for it: a pull of our own does).
  expect(await middle.pull()).toBe(0);
  await producer;
  const merged = merge(new Channel<number>(), stale, from([1]));
  const pulled = merged.pull();
  const result = await Promise.race([pulled, new Promise((resolve) => setTimeout(() => resolve('hung'), 200))]);
  expect(result).toBe(1);
  expect(stale.closed).toBe(true);
});
