/**
 * Type tests for select: `npm test` type-checks this file with tsc, so a narrowing that breaks
 * fails to compile. (The runtime assertions only keep vitest from calling the file empty.)
 */
import { expect, expectTypeOf, test } from 'vitest';
import { Channel, type PullChannel, pull, push, type SelectResult, select, selectNowait } from '../src/index.js';

test('select narrows value by index for a tuple of cases written as const', async () => {
  const numbers = new Channel<number>(1);
  const names = new Channel<string>(1);
  numbers.pushNowait(1);
  const cases = [pull(numbers), pull(names), push(names, 'x')] as const;
  const result = await select(cases);
  if (result.index === 0) {
    expectTypeOf(result.channel).toEqualTypeOf<PullChannel<number>>();
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    else expectTypeOf(result.value).toEqualTypeOf<undefined>();
  } else if (result.index === 1) {
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
  } else {
    expectTypeOf(result.index).toEqualTypeOf<2>();
    expectTypeOf(result.value).toEqualTypeOf<undefined>();
    expectTypeOf(result.ok).toEqualTypeOf<true>();
  }
  expectTypeOf(result.index).toEqualTypeOf<0 | 1 | 2>();
  // @ts-expect-error a number case's value is not a string
  if (result.index === 0 && result.ok) result.value satisfies string;
  expect([0, 2]).toContain(result.index);
});

test('select infers the tuple without as const, and skips null entries in the index union', async () => {
  const numbers = new Channel<number>(1);
  numbers.pushNowait(1);
  const result = await select([null, pull(numbers)]);
  expectTypeOf(result.index).toEqualTypeOf<1>();
  if (result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
  expect(result.index).toBe(1);
});

test('select over an array of unknown length gives index number and the union of values', async () => {
  const channels = [new Channel<number>(1)];
  channels[0]?.pushNowait(1);
  const cases = channels.map((c) => pull(c));
  const result = await select(cases);
  expectTypeOf(result.index).toEqualTypeOf<number>();
  expectTypeOf(result.value).toEqualTypeOf<number | undefined>();
  expectTypeOf<SelectResult>().toHaveProperty('ok');
  expect(result.value).toBe(1);
});

test('selectNowait returns the same narrowed result or undefined', () => {
  const names = new Channel<string>(1);
  const result = selectNowait([pull(names)] as const);
  expectTypeOf(result).toEqualTypeOf<SelectResult<readonly [ReturnType<typeof pull<string>>]> | undefined>();
  if (result?.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
  expect(result).toBeUndefined();
});

test('case builders keep the channel type: a push case takes only values of its channel', () => {
  const numbers = new Channel<number>(1);
  // @ts-expect-error a string cannot be pushed into a Channel<number>
  push(numbers, 'one');
  expect(numbers.size).toBe(0);
});
