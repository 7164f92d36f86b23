/**
 * Audit BV (interop): a `from` channel of an array, at the default capacity 0, reported open
 * after its last value was taken — `closed` false, `pullNowait()` a `ChannelEmptyError` — until
 * another pull waited on it, and `from([])` never closed by itself, against the SPEC's "closed
 * when it ends". An array's end is its length, known without running any code: the channel now
 * closes as soon as its last value is taken (an empty array at once), at any capacity. Any other
 * source is still read only for a pull that waits (its `next()` may run code).
 */
import { Channel, ChannelClosedError, from } from 'chanasync';
import { describe, expect, test } from 'vitest';

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('from(array) closes when the array ends, without a pull waiting (audit BV)', () => {
  test('an empty array gives a closed channel at once, at capacity 0 and more', async () => {
    for (const capacity of [undefined, 0, 1, 3, Number.POSITIVE_INFINITY]) {
      const channel = from([], { capacity });
      expect([capacity, channel.closed]).toEqual([capacity, true]);
      expect(channel.stats().closed).toBe(true);
      await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      expect(Channel.from([]).closed).toBe(true);
    }
  });

  test('at capacity 0, the channel closes as its last value is taken: no third pull needed', async () => {
    const channel = from(['a', 'b']);
    expect(channel.closed).toBe(false);
    expect(await channel.pull()).toBe('a');
    expect(channel.closed).toBe(false);
    expect(await channel.pull()).toBe('b');
    expect(channel.closed).toBe(true);
    expect(channel.stats()).toMatchObject({ closed: true, size: 0, waitingPullers: 0 });
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
    expect(channel.tryPull()).toBeUndefined();
  });

  test('at capacity 2, a full buffer holding the last values is closed, and both stay readable', async () => {
    const channel = from([1, 2], { capacity: 2 });
    await turn(); // an endless source may not read as one synchronous loop: a microtask per value
    expect(channel.closed).toBe(true);
    expect(channel.size).toBe(2);
    const got: number[] = [];
    for await (const value of channel) got.push(value);
    expect(got).toEqual([1, 2]);
  });

  test('values appended before the end was reached are read, as the array iterator reads them', async () => {
    const source = [1];
    const channel = from(source);
    source.push(2);
    expect(await channel.pull()).toBe(1);
    expect(channel.closed).toBe(false);
    source.push(3);
    expect(await channel.pull()).toBe(2);
    expect(await channel.pull()).toBe(3);
    expect(channel.closed).toBe(true);
  });

  test('an array of promises: each awaited, and the channel closes after the last', async () => {
    const channel = from([Promise.resolve(1), 2]);
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBe(2);
    await turn();
    expect(channel.closed).toBe(true);
  });

  // Controls: a source whose `next()` runs code is read only for a pull that waits.
  test.each([
    [
      'a generator',
      (step: () => void) =>
        (function* () {
          yield 1;
          step();
        })(),
    ],
    [
      'an array with an iterator of its own',
      (step: () => void) =>
        Object.defineProperty([1], Symbol.iterator, {
          value: function* () {
            yield 1;
            step();
          },
        }),
    ],
  ])('%s is not read ahead to find its end: its code after the last value runs only for a pull', async (_, make) => {
    let after = 0;
    const channel = from(make(() => after++) as Iterable<number>);
    expect(await channel.pull()).toBe(1);
    await turn();
    expect([after, channel.closed]).toEqual([0, false]);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(after).toBe(1);
  });

  test('a select over two array channels takes one value and leaves the other array unread', async () => {
    const { select, pull } = await import('chanasync');
    const a = from([1]);
    const b = from([2]);
    const first = await select([pull(a), pull(b)]);
    expect(first.ok).toBe(true);
    const [won, lost] = first.index === 0 ? [a, b] : [b, a];
    expect(won.closed).toBe(true);
    expect(lost.closed).toBe(false);
    expect(await lost.pull()).toBe(first.index === 0 ? 2 : 1);
    expect(lost.closed).toBe(true);
  });
});
