/**
 * Audit O: the public types as a strict outside consumer checks them against SPEC.md's
 * signatures. `npm run typecheck` compiles this file with test/tsconfig.json (strict,
 * exactOptionalPropertyTypes), so every `// @ts-expect-error` line fails the build if what it
 * marks becomes legal, and every `expectTypeOf` is a compile-time check; the runtime lines only
 * show that what compiles behaves as typed.
 */
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.

import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  after as afterMs,
  broadcast,
  Channel,
  type ChannelStats,
  fromEvent,
  merge,
  type PullCase,
  type PullChannel,
  type PushCase,
  type PushChannel,
  type PushValue,
  pull,
  push,
  type SelectCase,
  type SelectResult,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from '../../src/index.js';
import { fromPort, type PortLike, type PortResult, toPort } from '../../src/port/index.js';

interface Animal {
  readonly name: string;
}
interface Dog extends Animal {
  bark(): string;
}
const rex: Dog = { name: 'rex', bark: () => 'woof' };

describe('no any leaks out of a select over cases of unknown element type', () => {
  test('select over a SelectCase[] resolves with an unknown value, not any', async () => {
    const numbers = new Channel<number>(1);
    numbers.pushNowait(1);
    const cases: SelectCase[] = [pull(numbers), push(new Channel<string>(1), 's')];
    const result = await select(cases);
    expectTypeOf(result.value).not.toBeAny();
    expectTypeOf(result.value).toEqualTypeOf<unknown>();
    expectTypeOf(result.index).toEqualTypeOf<number>();
    expectTypeOf(result.ok).toEqualTypeOf<boolean>();
    // Which channel fired is still told by comparing with the channels at hand.
    expect(result.channel === numbers).toBe(result.index === 0);
    expect([0, 1]).toContain(result.index);
  });

  test('selectNowait over a SelectCase[] gives an unknown value, not any, or undefined', () => {
    const numbers = new Channel<number>(1);
    numbers.pushNowait(2);
    const cases: readonly (SelectCase | null)[] = [pull(numbers), null];
    const result = selectNowait(cases);
    expectTypeOf(result).toBeNullable();
    expectTypeOf(result?.value).not.toBeAny();
    expect(result?.value).toBe(2);
  });

  test('the default SelectResult (as the SPEC writes select’s return type) has an unknown value', () => {
    expectTypeOf<SelectResult['value']>().not.toBeAny();
    expectTypeOf<SelectResult['value']>().toEqualTypeOf<unknown>();
    expectTypeOf<SelectResult['index']>().toEqualTypeOf<number>();
  });

  test('every kind of case is still a SelectCase: pull and push cases of any element type', () => {
    expectTypeOf<PullCase<Dog>>().toMatchTypeOf<SelectCase>();
    expectTypeOf<PullCase<undefined>>().toMatchTypeOf<SelectCase>();
    expectTypeOf<PushCase<Dog>>().toMatchTypeOf<SelectCase>();
    expectTypeOf<PushCase<void>>().toMatchTypeOf<SelectCase>();
    const cases: SelectCase[] = [];
    cases.push(pull(new Channel<Dog>()), push(new Channel<number>(), 1), push(new Channel<void>()));
    expect(cases.map((c) => c.kind)).toEqual(['pull', 'push', 'push']);
  });
});

describe('no any in what the public functions return', () => {
  test('the values pulled, and the channels made by the helpers, are never any', async () => {
    const channel = new Channel<number>(4);
    expectTypeOf(channel.pull).returns.not.toBeAny();
    expectTypeOf(channel.pullNowait).returns.not.toBeAny();
    expectTypeOf(channel.tryPull).returns.not.toBeAny();
    expectTypeOf(channel.pullMany).returns.toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(Channel.from([1])).toEqualTypeOf<Channel<number>>();
    expectTypeOf(merge()).not.toBeAny();
    expectTypeOf(merge()).toEqualTypeOf<Channel<never>>();
    expectTypeOf(broadcast(channel).subscribe()).toEqualTypeOf<Channel<number>>();
    expectTypeOf(toReadableStream(channel)).toEqualTypeOf<ReadableStream<number>>();
    expectTypeOf(fromPort(new MessageChannel().port1)).toEqualTypeOf<Channel<unknown>>();
    const ticks = ticker(1000);
    const timer = afterMs(1000);
    expectTypeOf(ticks).toEqualTypeOf<Channel<number>>();
    for (const c of [ticks, timer, channel]) c.close();
    expect(await channel.pullMany(1).catch((e: unknown) => e)).toBeInstanceOf(Error);
  });

  test('new Channel() without a type argument is a Channel<unknown>', () => {
    const channel = new Channel();
    expectTypeOf(channel).toEqualTypeOf<Channel<unknown>>();
    expectTypeOf(channel.tryPull()).toEqualTypeOf<unknown>();
    expect(channel.capacity).toBe(0);
  });
});

describe('the constructor and the option objects', () => {
  test('capacity is a number; options reject unknown keys in an object literal, as TypeScript does', () => {
    // @ts-expect-error capacity is a number (and the constructor throws TypeError for a string)
    expect(() => new Channel<number>('2')).toThrow(TypeError);
    // @ts-expect-error a misspelt option is an excess property
    new Channel<number>(1, { nmae: 'jobs' });
    const channel = new Channel<number>(1);
    // @ts-expect-error push takes { signal } only
    void channel.push(1, { timeout: 5 }).catch(() => {});
    // @ts-expect-error select takes { signal } only
    void select([pull(channel)], { timeout: 5 }).catch(() => {});
    channel.close();
    expect(channel.closed).toBe(true);
  });

  test('options stored in a variable with extra keys are still accepted (structural typing)', async () => {
    const options = { name: 'jobs', overflow: 'drop-oldest', extra: true } as const;
    const channel = new Channel<number>(1, options);
    const controller = new AbortController();
    const operation = { signal: controller.signal, note: 'kept' };
    await channel.push(1, operation);
    expect(channel.stats()).toMatchObject({ name: 'jobs', overflow: 'drop-oldest', size: 1 });
  });

  test('stats() has exactly the SPEC keys with their types', () => {
    expectTypeOf<keyof ChannelStats>().toEqualTypeOf<
      'name' | 'capacity' | 'size' | 'closed' | 'overflow' | 'waitingPushers' | 'waitingPullers'
    >();
    expectTypeOf<ChannelStats['name']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ChannelStats['capacity']>().toEqualTypeOf<number>();
    expect(Object.keys(new Channel<number>(1).stats()).sort()).toEqual(
      ['capacity', 'closed', 'name', 'overflow', 'size', 'waitingPullers', 'waitingPushers'].sort(),
    );
  });
});

describe('readonly inputs are accepted wherever only read', () => {
  test('pushAll, Channel.from, merge and select take readonly arrays and tuples', async () => {
    const values: readonly number[] = [1, 2];
    const channel = new Channel<number>(Infinity);
    await channel.pushAll(values);
    expectTypeOf(Channel.from(values)).toEqualTypeOf<Channel<number>>();
    const inputs: readonly PullChannel<number>[] = [new Channel<number>()];
    const merged = merge(...inputs);
    expectTypeOf(merged).toEqualTypeOf<Channel<number>>();
    merged.close();
    const cases: readonly [PullCase<number>] = [pull(channel)];
    const result = await select(cases);
    expectTypeOf(result.index).toEqualTypeOf<0>();
    expect(result).toMatchObject({ index: 0, value: 1, ok: true });
  });

  test('merge of a readonly array of channels of different types gives the union', () => {
    const inputs: readonly (PullChannel<number> | PullChannel<string>)[] = [new Channel<number>()];
    expectTypeOf(merge(...inputs)).toEqualTypeOf<Channel<number | string>>();
  });
});

describe('PushValue, the value argument of push()', () => {
  test('PushValue<T> is exported, so a generic wrapper of push() can forward its value', async () => {
    function pushCase<T>(channel: PushChannel<T>, ...value: PushValue<T>): PushCase<T> {
      return push(channel, ...value);
    }
    expectTypeOf<PushValue<number>>().toEqualTypeOf<[value: number]>();
    const done = new Channel<void>(1);
    const numbers = new Channel<number>(1);
    const result = await select([pushCase(done), pushCase(numbers, 3)]);
    // @ts-expect-error a channel of numbers needs its value
    pushCase(numbers);
    expect([0, 1]).toContain(result.index);
  });

  test('a channel of undefined: the case may leave the value out, the methods take it (TypeScript omits only void)', () => {
    const nothing = new Channel<undefined>(2);
    expectTypeOf<PushValue<undefined>>().toEqualTypeOf<[value?: undefined]>();
    expect(push(nothing).value).toBeUndefined();
    // @ts-expect-error a method parameter of type undefined (not void) cannot be left out
    nothing.pushNowait();
    nothing.pushNowait(undefined);
    expect(nothing.size).toBe(2);
  });
});

describe('generic code written over the views compiles without casts', () => {
  test('a generic first-of-two over PullChannel<T> narrows value to T by ok', async () => {
    async function first<T>(a: PullChannel<T>, b: PullChannel<T>): Promise<T | undefined> {
      const result = await select([pull(a), pull(b)]);
      return result.ok ? result.value : undefined;
    }
    function send<T>(out: PushChannel<T>, value: T): PushCase<T> {
      return push(out, value);
    }
    const dogs = new Channel<Dog>(1);
    dogs.pushNowait(rex);
    const found = await first<Animal>(dogs, new Channel<Animal>());
    expectTypeOf(found).toEqualTypeOf<Animal | undefined>();
    expect(found?.name).toBe('rex');
    expect(send(dogs, rex).kind).toBe('push');
  });
});

describe('chanasync/port types', () => {
  test('toPort infers T from the channel and types transfer’s value and the result from it', async () => {
    const { port1, port2 } = new MessageChannel();
    const buffers = new Channel<Uint8Array>(1);
    const receiver = fromPort<Uint8Array>(port2);
    const sent = toPort(buffers, port1, {
      transfer: (value) => {
        expectTypeOf(value).toEqualTypeOf<Uint8Array>();
        return [value.buffer];
      },
    });
    expectTypeOf(sent).toEqualTypeOf<Promise<PortResult<Uint8Array>>>();
    buffers.close();
    const result = await sent;
    expectTypeOf(result.sent).toEqualTypeOf<number>();
    expectTypeOf(result.undelivered).toEqualTypeOf<Uint8Array[]>();
    receiver.close();
    port1.close();
    port2.close();
    expect(result).toEqual({ sent: 0, undelivered: [] });
  });

  test('toPort takes a pull view of a narrower type, and a hand-made PortLike', () => {
    const post: PortLike = { postMessage() {}, addEventListener() {} };
    const dogs: PullChannel<Animal> = new Channel<Dog>();
    const controller = new AbortController();
    const sending = toPort(dogs, post, { name: 'dogs', signal: controller.signal });
    expectTypeOf(sending).toEqualTypeOf<Promise<PortResult<Animal>>>();
    // @ts-expect-error a push view cannot be sent: toPort pulls from it
    void toPort(new Channel<Dog>() as PushChannel<Dog>, post).catch(() => {});
    controller.abort();
    return sending;
  });
});

describe('fromEvent', () => {
  test('fromEvent with a type the target’s event map declares gives that event; listener options typed', () => {
    const signal = new AbortController().signal;
    const target = new EventTarget() as AbortSignal;
    const aborts = fromEvent(target, 'abort', { capacity: 2, overflow: 'block', signal });
    expectTypeOf(aborts).toEqualTypeOf<Channel<Event>>();
    // @ts-expect-error overflow is one of the three policies (and fromEvent throws TypeError)
    expect(() => fromEvent(new EventTarget(), 'x', { overflow: 'latest' })).toThrow(TypeError);
    aborts.close();
    expect(aborts.closed).toBe(true);
  });
});
