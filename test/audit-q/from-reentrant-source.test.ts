/**
 * Audit Q: a `from()` source whose own methods reach back into the channel it feeds —
 * `next()` pushing into it or pulling from it, `return()` pushing into it and throwing. Every
 * value arrives exactly once and in a consistent order, nothing rejects unhandled, and the
 * channel ends.
 */
import { expect, test } from 'vitest';
import { type Channel, from } from '../../src/index.js';
import { failOnUnhandledRejections } from '../helpers/unhandled.js';

failOnUnhandledRejections();

/** A sync iterable of 1..n whose next() runs `during(i)` before answering the i-th call. */
function counting(n: number, during: (i: number) => void, onReturn?: () => void): Iterable<number> {
  return {
    [Symbol.iterator]() {
      let i = 0;
      return {
        next() {
          i++;
          during(i);
          return i > n ? { done: true, value: undefined } : { done: false, value: i };
        },
        return() {
          onReturn?.();
          return { done: true, value: undefined };
        },
      };
    },
  } as Iterable<number>;
}

async function drain<T>(channel: Channel<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

test('a source whose next() pushes into its own channel: that value comes before the one next() returns, none lost', async () => {
  let channel!: Channel<number>;
  channel = from(
    counting(3, (i) => {
      if (i === 2) expect(channel.tryPush(100)).toBe(true);
    }),
    { capacity: 2 },
  );
  await expect(drain(channel)).resolves.toEqual([1, 100, 2, 3]);
});

test('a source whose next() pulls from its own channel: the value it takes is gone from the stream, nothing is duplicated', async () => {
  let channel!: Channel<number>;
  const stolen: (number | undefined)[] = [];
  channel = from(
    counting(5, (i) => {
      if (i === 3) stolen.push(channel.tryPull());
    }),
    { capacity: 2 },
  );
  const got = await drain(channel);
  expect([...got, ...stolen.filter((v) => v !== undefined)].sort()).toEqual([1, 2, 3, 4, 5]);
});

test('a source whose next() closes its own channel: the pump stops, the source is returned once, the loop ends', async () => {
  let channel!: Channel<number>;
  let returned = 0;
  channel = from(
    counting(
      10,
      (i) => {
        if (i === 3) channel.close();
      },
      () => returned++,
    ),
    { capacity: 1 },
  );
  const got = await drain(channel);
  expect(got).toEqual(got.length ? [1, 2].slice(0, got.length) : []);
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(returned).toBe(1);
});

test('a source whose return() pushes into the closed channel and throws: nothing escapes, nothing is added', async () => {
  let channel!: Channel<number>;
  let pushedInReturn: boolean | undefined;
  channel = from(
    counting(
      Number.POSITIVE_INFINITY,
      () => {},
      () => {
        pushedInReturn = channel.tryPush(-1);
        throw new Error('return throws');
      },
    ),
    { capacity: 1 },
  );
  expect(await channel.pull()).toBe(1);
  channel.close();
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(pushedInReturn).toBe(false);
  expect(channel.stats()).toMatchObject({ closed: true, waitingPushers: 0, waitingPullers: 0 });
  const rest = await drain(channel);
  expect(rest).not.toContain(-1);
});
