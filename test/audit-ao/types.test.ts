import { Channel, type ChannelStats, type PullChannel, type PushChannel } from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';

describe('type-level expectations', () => {
  it('PushChannel and PullChannel views carry the batch and try methods', async () => {
    const ch = new Channel<number>(4);
    const out: PushChannel<number> = ch;
    const input: PullChannel<number> = ch;
    expectTypeOf(out.tryPush).toEqualTypeOf<(value: number) => boolean>();
    expectTypeOf(out.pushAll).parameter(0).toEqualTypeOf<Iterable<number>>();
    expectTypeOf(out.pushAll).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(input.tryPull).returns.toEqualTypeOf<number | undefined>();
    expectTypeOf(input.pullMany).returns.toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(input.pullMany).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(input).toMatchTypeOf<AsyncIterable<number>>();
    // @ts-expect-error the push view has no pull side
    out.pull;
    // @ts-expect-error the pull view has no push side
    input.push;
    // @ts-expect-error the pull view has no pushAll
    input.pushAll;
    // @ts-expect-error the push view has no pullMany
    out.pullMany;
    await out.pushAll([1, 2]);
    expect(await input.pullMany(2)).toEqual([1, 2]);
  });

  it('Channel method types', () => {
    const ch = new Channel<string>(3);
    ch.pushNowait('a');
    ch.pushNowait('b');
    ch.pushNowait('c');
    expectTypeOf(ch.pull()).toEqualTypeOf<Promise<string>>();
    expectTypeOf(ch.tryPull()).toEqualTypeOf<string | undefined>();
    expectTypeOf(ch.pullNowait()).toEqualTypeOf<string>();
    expectTypeOf(ch.stats()).toMatchTypeOf<ChannelStats>();
    expectTypeOf(ch.capacity).toEqualTypeOf<number>();
    expectTypeOf(ch.closed).toEqualTypeOf<boolean>();
    // @ts-expect-error wrong element type
    ch.tryPush(1);
    // @ts-expect-error wrong element type in pushAll
    void ch.pushAll([1]).catch(() => {});
    // @ts-expect-error overflow must be one of the policies
    expect(() => new Channel<number>(1, { overflow: 'drop' })).toThrow(TypeError);
  });

  it('variance: a PullChannel of a subtype is a PullChannel of the supertype; a PushChannel goes the other way', () => {
    type Animal = { name: string };
    type Dog = Animal & { bark(): void };
    const dogs = new Channel<Dog>();
    const animals = new Channel<Animal>();
    const readAnimals: PullChannel<Animal> = dogs;
    const writeDogs: PushChannel<Dog> = animals;
    // @ts-expect-error a Channel<Dog> must not accept cats through a PushChannel<Animal>
    const writeAnimals: PushChannel<Animal> = dogs;
    // @ts-expect-error Channel is invariant
    const asAnimals: Channel<Animal> = dogs;
    expect([readAnimals, writeDogs, writeAnimals, asAnimals].length).toBe(4);
  });
});
