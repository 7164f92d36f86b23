/**
 * Type tests of the core audit: `npm test` type-checks this file with tsc (test/tsconfig.json),
 * so each `// @ts-expect-error` line fails to compile if what it marks becomes legal. The
 * runtime assertions check that what does compile behaves as typed.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  after,
  Channel,
  ChannelClosedError,
  type ChannelStats,
  type PullCase,
  type PullChannel,
  type PushCase,
  type PushChannel,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from '../src/index.js';

interface Animal {
  readonly name: string;
}
interface Dog extends Animal {
  bark(): string;
}
interface Cat extends Animal {
  meow(): string;
}
const rex: Dog = { name: 'rex', bark: () => 'woof' };
const tom: Cat = { name: 'tom', meow: () => 'meow' };

describe('the batch and non-blocking methods through the views', () => {
  test('pullMany through a covariant PullChannel<Animal> view of dogs gives Animal[]', async () => {
    const dogs = new Channel<Dog>(2);
    await dogs.pushAll([rex, rex]);
    const animals: PullChannel<Animal> = dogs;
    const batch = await animals.pullMany(2);
    expectTypeOf(batch).toEqualTypeOf<Animal[]>();
    expectTypeOf(animals.tryPull()).toEqualTypeOf<Animal | undefined>();
    expect(batch.map((animal) => animal.name)).toEqual(['rex', 'rex']);
  });

  test('pushAll and tryPush through a contravariant PushChannel<Dog> view of animals take dogs only', async () => {
    const animals = new Channel<Animal>(3);
    const forDogs: PushChannel<Dog> = animals;
    await forDogs.pushAll([rex]);
    expect(forDogs.tryPush(rex)).toBe(true);
    // @ts-expect-error a cat is not a dog, even in a batch
    await forDogs.pushAll([tom]);
    // @ts-expect-error nor one at a time
    forDogs.tryPush(tom);
    expect(animals.size).toBe(3);
  });

  test('a PushChannel<Dog> does not pass as a PushChannel<Animal> through pushAll', () => {
    const dogs = new Channel<Dog>(1);
    // @ts-expect-error its pushAll would accept cats
    const forAnimals: Pick<PushChannel<Animal>, 'pushAll'> = dogs as PushChannel<Dog>;
    expect(forAnimals).toBe(dogs);
  });

  test('pushAll takes any iterable of the element type: a Set, a generator, a string for a Channel<string>', async () => {
    const letters = new Channel<string>(Infinity);
    await letters.pushAll(new Set(['a']));
    await letters.pushAll(
      (function* () {
        yield 'b';
      })(),
    );
    await letters.pushAll('cd');
    expect(await letters.pullMany(10)).toEqual(['a', 'b', 'c', 'd']);
  });

  test('the pull side cannot close the channel and has no full; the push side has no empty', () => {
    const channel = new Channel<number>(1);
    const input: PullChannel<number> = channel;
    const out: PushChannel<number> = channel;
    // @ts-expect-error closing is the sending side's job
    input.close;
    // @ts-expect-error the pull side has no full
    input.full;
    // @ts-expect-error the push side has no empty
    out.empty;
    expect([input.empty, out.full]).toEqual([true, false]);
  });

  test('the properties and stats() are read-only', () => {
    const channel = new Channel<number>(1);
    expect(() => {
      // @ts-expect-error size is a getter
      channel.size = 3;
    }).toThrow(TypeError);
    const stats: ChannelStats = channel.stats();
    // @ts-expect-error stats() is a copy with read-only fields
    stats.waitingPullers = 2;
    expect(channel.stats().waitingPullers).toBe(0);
  });
});

describe('iteration and disposal', () => {
  test('a Channel is AsyncDisposable and Disposable, and its pull view iterates values of its type', async () => {
    const channel = new Channel<number>(2);
    const asyncDisposable: AsyncDisposable = channel;
    const disposable: Disposable = channel;
    await channel.pushAll([1, 2]);
    channel.close();
    const input: PullChannel<number> = channel;
    const seen: number[] = [];
    for await (const value of input) {
      expectTypeOf(value).toEqualTypeOf<number>();
      seen.push(value);
    }
    expect(seen).toEqual([1, 2]);
    expect([asyncDisposable, disposable]).toEqual([channel, channel]);
  });

  test('await using a channel compiles and closes it at the end of the block', async () => {
    let kept: Channel<string> | undefined;
    {
      await using channel = new Channel<string>();
      kept = channel;
    }
    expect(kept.closed).toBe(true);
  });
});

describe('select narrowing', () => {
  test('a pull(after(ms)) case narrows value to number next to a string case', async () => {
    const replies = new Channel<string>();
    const result = await select([pull(replies), pull(after(1))]);
    if (result.index === 1 && result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    if (result.index === 0 && result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
    expect(result.index).toBe(1);
  });

  test('a typed tuple with nullable entries narrows value by index', async () => {
    const letters = new Channel<string>(1);
    const numbers = new Channel<number>(1);
    numbers.pushNowait(4);
    const cases: [PullCase<string> | null, PullCase<number> | null] = [null, pull(numbers)];
    const result = await select(cases);
    if (result.index === 1 && result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    if (result.index === 0 && result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
    expectTypeOf(result.index).toEqualTypeOf<0 | 1>();
    expect(result).toMatchObject({ index: 1, value: 4 });
    expect(letters.size).toBe(0);
  });

  test('a pull case that fired with ok false has value undefined, and a push case has value undefined', async () => {
    const names = new Channel<string>(1);
    names.close();
    const out = new Channel<number>(1);
    const result = await select([pull(names), push(out, 1)] as const);
    if (result.index === 0 && !result.ok) expectTypeOf(result.value).toEqualTypeOf<undefined>();
    if (result.index === 1) {
      expectTypeOf(result.value).toEqualTypeOf<undefined>();
      expectTypeOf(result.channel).toEqualTypeOf<PushChannel<number>>();
    }
    expect(result.value).toBeUndefined();
  });

  test('selectNowait of a tuple narrows the same way, or is undefined', () => {
    const numbers = new Channel<number>(1);
    numbers.pushNowait(9);
    const result = selectNowait([pull(numbers), pull(new Channel<string>())]);
    expectTypeOf(result).toBeNullable();
    if (result?.index === 0 && result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    expect(result?.value).toBe(9);
  });

  test('push and pull cases are SelectCases, and a case array may be reused with its narrowing', async () => {
    const numbers = new Channel<number>(2);
    const cases = [push(numbers, 1)] as const;
    expectTypeOf(cases[0]).toEqualTypeOf<PushCase<number>>();
    expectTypeOf(cases[0]).toMatchTypeOf<SelectCase>();
    const first = await select(cases);
    const second = await select(cases);
    expectTypeOf(first.index).toEqualTypeOf<0>();
    expect([first.index, second.index, numbers.size]).toEqual([0, 0, 2]);
  });
});

describe('errors', () => {
  test('pushed and cause are readable on a ChannelClosedError caught from pushAll', async () => {
    const channel = new Channel<number>();
    channel.close('done');
    const error = await channel.pushAll([1]).catch((e: unknown) => e);
    if (!(error instanceof ChannelClosedError)) throw error;
    expectTypeOf(error.pushed).toEqualTypeOf<number | undefined>();
    expectTypeOf(error.cause).toEqualTypeOf<unknown>();
    expect([error.pushed, error.cause]).toEqual([0, 'done']);
  });
});
