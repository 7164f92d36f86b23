/**
 * Type tests for `Channel<T>` and its directional views (issue 11 items 15 and 16): `npm test`
 * type-checks this file with tsc, so each `// @ts-expect-error` line fails to compile if the
 * assignment it marks becomes legal — i.e. when variance breaks. The runtime assertions check
 * that the assignments that do compile are sound.
 *
 * Checked against src/, where `Channel`'s internal fields alone would already make it invariant;
 * the shipped declaration (internals stripped) is checked the same way by test/package.test.ts
 * (test/package/.consumer/types.ts). The views have no internal fields: the lines below are what
 * catches their variance breaking.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  Channel,
  ChannelClosedError,
  ChannelError,
  type PullCase,
  type PullChannel,
  type PushCase,
  type PushChannel,
  pull,
  push,
  select,
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

describe('variance', () => {
  test('Channel<T> is invariant: a Channel<Dog> is not a Channel<Animal>, nor the reverse', async () => {
    const dogs = new Channel<Dog>(1);
    // @ts-expect-error a Channel<Dog> would accept a Cat through a Channel<Animal>
    const animals: Channel<Animal> = dogs;
    // @ts-expect-error a Channel<Animal> would hand out a Cat as a Dog
    const moreDogs: Channel<Dog> = new Channel<Animal>(1);
    // What the first error prevents: a cat in the dogs' channel.
    await animals.push(tom);
    expect(typeof (dogs.pullNowait() as Partial<Dog>).bark).toBe('undefined');
    expect(moreDogs.size).toBe(0);
  });

  test('PushChannel<T> is contravariant: a PushChannel<Animal> is a PushChannel<Dog>, not the reverse', () => {
    const animals = new Channel<Animal>(2);
    const forDogs: PushChannel<Dog> = animals;
    const alsoForDogs: PushChannel<Dog> = animals as PushChannel<Animal>;
    // @ts-expect-error a channel of dogs cannot take any animal
    const forAnimals: PushChannel<Animal> = new Channel<Dog>(1);
    // @ts-expect-error nor can the push side of one
    const viaView: PushChannel<Animal> = new Channel<Dog>(1) as PushChannel<Dog>;
    forDogs.pushNowait(rex);
    alsoForDogs.pushNowait(rex);
    expect(animals.size).toBe(2);
    expect([forAnimals.capacity, viaView.capacity]).toEqual([1, 1]);
  });

  test('PullChannel<T> is covariant: a PullChannel<Dog> is a PullChannel<Animal>, not the reverse', () => {
    const dogs = new Channel<Dog>(1);
    dogs.pushNowait(rex);
    const fromAnimals: PullChannel<Animal> = dogs;
    const alsoFromAnimals: PullChannel<Animal> = dogs as PullChannel<Dog>;
    // @ts-expect-error any animal could come out: not necessarily a dog
    const fromDogs: PullChannel<Dog> = new Channel<Animal>(1);
    // @ts-expect-error nor from the pull side of one
    const viaView: PullChannel<Dog> = new Channel<Animal>(1) as PullChannel<Animal>;
    expect(fromAnimals.pullNowait().name).toBe('rex');
    expect(alsoFromAnimals.empty).toBe(true);
    expect([fromDogs.size, viaView.size]).toEqual([0, 0]);
  });

  test('a PushChannel cannot pull and a PullChannel cannot push', () => {
    const channel = new Channel<number>(1);
    const out: PushChannel<number> = channel;
    const input: PullChannel<number> = channel;
    // @ts-expect-error the push side has no tryPull
    out.tryPull;
    // @ts-expect-error the push side has no pullMany
    out.pullMany;
    // @ts-expect-error the pull side has no tryPush
    input.tryPush;
    // @ts-expect-error the pull side has no pushAll
    input.pushAll;
    expect(out.tryPush(1)).toBe(true);
    expect(input.tryPull()).toBe(1);
  });
});

describe('the non-blocking and batch methods', () => {
  test('tryPush, tryPull, pullMany and pushAll have their SPEC signatures on Channel and the views', async () => {
    expectTypeOf<Channel<number>['tryPush']>().toEqualTypeOf<(value: number) => boolean>();
    expectTypeOf<PushChannel<number>['tryPush']>().toEqualTypeOf<(value: number) => boolean>();
    expectTypeOf<Channel<number>['tryPull']>().returns.toEqualTypeOf<number | undefined>();
    expectTypeOf<PullChannel<number>['tryPull']>().returns.toEqualTypeOf<number | undefined>();
    expectTypeOf<Channel<number>['pullMany']>().returns.toEqualTypeOf<Promise<number[]>>();
    expectTypeOf<PullChannel<number>['pullMany']>().returns.toEqualTypeOf<Promise<number[]>>();
    expectTypeOf<Channel<number>['pullMany']>().parameter(0).toEqualTypeOf<number>();
    expectTypeOf<Channel<number>['pushAll']>().parameter(0).toEqualTypeOf<Iterable<number>>();
    expectTypeOf<PushChannel<number>['pushAll']>().returns.toEqualTypeOf<Promise<void>>();
    const misused = new Channel<number>(3);
    // @ts-expect-error pushAll takes values of the channel's type
    await misused.pushAll(['1']);
    // @ts-expect-error tryPush takes a value of the channel's type
    misused.tryPush('1');
    expect(misused.size).toBe(2);
    const channel = new Channel<number>(3);
    await channel.pushAll(new Set([1, 2]));
    expect(await channel.pullMany(5)).toEqual([1, 2]);
  });
});

describe('select cases take directional views', () => {
  test('the pull() case accepts a PullChannel<T>, and its value is a T', async () => {
    const dogs = new Channel<Dog>(1);
    dogs.pushNowait(rex);
    const view: PullChannel<Dog> = dogs;
    const selectCase = pull(view);
    expectTypeOf(selectCase).toEqualTypeOf<PullCase<Dog>>();
    const result = await select([selectCase] as const);
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<Dog>();
    expect(result.value?.bark()).toBe('woof');
  });

  test('the push() case accepts a PushChannel<T> and only values of T', async () => {
    const animals = new Channel<Animal>(1);
    const forDogs: PushChannel<Dog> = animals;
    const selectCase = push(forDogs, rex);
    expectTypeOf(selectCase).toEqualTypeOf<PushCase<Dog>>();
    // @ts-expect-error a cat is not a dog
    push(forDogs, tom);
    // @ts-expect-error the pull() case needs the pull side
    pull(forDogs);
    const result = await select([selectCase]);
    expect(result.index).toBe(0);
    expect(animals.pullNowait()).toBe(rex);
  });

  test('the push() case does not accept a pull view, nor a channel of a narrower type', () => {
    const dogs = new Channel<Dog>(1);
    const input: PullChannel<Dog> = dogs;
    // @ts-expect-error the push() case needs the push side
    expect(() => push(input, rex)).not.toThrow();
    // @ts-expect-error an Animal cannot go into a Channel<Dog>
    expect(() => push(dogs, rex as Animal)).not.toThrow();
  });
});

describe('errors', () => {
  test('ChannelError.channel is typed as a Channel', () => {
    expectTypeOf<ChannelError['channel']>().toEqualTypeOf<Channel<any>>();
    expectTypeOf<ChannelClosedError['channel']>().toEqualTypeOf<Channel<any>>();
    const channel = new Channel<number>(1, { name: 'typed' });
    channel.close();
    try {
      channel.pullNowait();
    } catch (error) {
      if (!(error instanceof ChannelClosedError)) throw error;
      // Usable as a channel without a cast.
      expect(error.channel.stats().name).toBe('typed');
      expect(error.channel.closed).toBe(true);
    }
    expect.assertions(2);
  });

  test('pushed is an optional number on every ChannelError', () => {
    expectTypeOf<ChannelError['pushed']>().toEqualTypeOf<number | undefined>();
    expect(new ChannelError('push', 'is odd', new Channel<number>()).pushed).toBeUndefined();
  });
});
