/**
 * Audit AD: the SHIPPED declarations (dist/*.d.ts, reached through the package's own name and
 * its `exports` map) as a strict consumer uses them. `npm test` type-checks this file with
 * test/tsconfig.json (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess,
 * verbatimModuleSyntax), so each `expectTypeOf` that no longer holds, and each
 * `// @ts-expect-error` whose line becomes legal, fails the build. The runtime assertions
 * check that what compiles behaves as typed.
 */

import {
  type Broadcast,
  broadcast,
  Channel,
  ChannelClosedError,
  type ChannelError,
  type ChannelOptions,
  type ChannelValue,
  type EventOf,
  from,
  fromEvent,
  merge,
  type PullChannel,
  type PushChannel,
  type PushValue,
  pull,
  push,
  type SelectCase,
  type SelectResult,
  select,
  selectNowait,
  toReadableStream,
} from 'chanasync';
import { type DebugSnapshot, enableDebug, snapshot, type Waiter } from 'chanasync/debug';
import type { DurableChannel, DurableDelivery } from 'chanasync/durable';
import { fromPort, type PortLike, type PortResult, toPort } from 'chanasync/port';
import { describe, expect, expectTypeOf, test } from 'vitest';

interface Animal {
  readonly name: string;
}
interface Dog extends Animal {
  bark(): string;
}

describe('variance', () => {
  test('Channel<T> is invariant; PushChannel<T> contravariant; PullChannel<T> covariant', () => {
    expectTypeOf<Channel<Dog>>().not.toExtend<Channel<Animal>>();
    expectTypeOf<Channel<Animal>>().not.toExtend<Channel<Dog>>();
    expectTypeOf<PushChannel<Animal>>().toExtend<PushChannel<Dog>>();
    expectTypeOf<PushChannel<Dog>>().not.toExtend<PushChannel<Animal>>();
    expectTypeOf<PullChannel<Dog>>().toExtend<PullChannel<Animal>>();
    expectTypeOf<PullChannel<Animal>>().not.toExtend<PullChannel<Dog>>();
    expectTypeOf<Channel<Dog>>().toExtend<PullChannel<Animal>>();
    expectTypeOf<Channel<Animal>>().toExtend<PushChannel<Dog>>();
    const dogs = new Channel<Dog>(1);
    // @ts-expect-error a Channel<Dog> is not a Channel<Animal>
    const animals: Channel<Animal> = dogs;
    expect(animals).toBe(dogs);
  });

  test('DurableChannel<T> is invariant, as Channel<T> is (it pushes and pulls)', () => {
    // It was bivariant (method syntax): a DurableChannel<Dog> passed where a
    // DurableChannel<Animal> was wanted took any animal into a channel of dogs.
    expectTypeOf<DurableChannel<Dog>>().not.toExtend<DurableChannel<Animal>>();
    expectTypeOf<DurableChannel<Animal>>().not.toExtend<DurableChannel<Dog>>();
    expectTypeOf<DurableChannel<Dog>>().toExtend<AsyncIterable<Animal>>();
  });
});

describe('misuse that must not compile', () => {
  test('pushing a wrong type, a PushChannel in a pull case, a PullChannel in a push case', async () => {
    const numbers = new Channel<number>(4);
    // @ts-expect-error a string into a channel of numbers
    await numbers.push('1').catch(() => undefined);
    // @ts-expect-error likewise through the select case builder
    expect(() => push(numbers, 'x')).not.toThrow();
    const sendOnly: PushChannel<number> = numbers;
    const receiveOnly: PullChannel<number> = numbers;
    // @ts-expect-error a pull case needs a PullChannel
    expect(pull(sendOnly).kind).toBe('pull');
    // @ts-expect-error a push case needs a PushChannel
    expect(push(receiveOnly, 1).kind).toBe('push');
    // @ts-expect-error a PushChannel has no pull
    expect(sendOnly.pull).toBeDefined();
    // @ts-expect-error a PullChannel has no push (at run time it is the Channel)
    expect(receiveOnly.push).toBeDefined();
    // @ts-expect-error a value is required for a channel of number
    expect(() => push(numbers)).not.toThrow();
    numbers.close();
  });

  test('options typos and explicit undefined under exactOptionalPropertyTypes', () => {
    // @ts-expect-error a typo in a constructor option
    expect(() => new Channel<number>(1, { overflw: 'drop-oldest' })).not.toThrow();
    // @ts-expect-error an unknown overflow policy
    expect(() => new Channel<number>(1, { overflow: 'drop' })).toThrow(TypeError);
    // Every option admits an explicit `undefined` (forwarding an optional value).
    const name: string | undefined = undefined;
    const options: ChannelOptions = { name, overflow: undefined, input: undefined };
    expect(new Channel<number>(1, options).name).toBeUndefined();
    const channel = new Channel<number>(1);
    // @ts-expect-error a signal passed as the options
    void channel.pull(AbortSignal.abort()).catch(() => undefined);
    // @ts-expect-error a typo in a subscribe option
    expect(() => broadcast(channel).subscribe({ capcity: 2 }).close()).not.toThrow();
    // @ts-expect-error fromEvent's signal belongs in options, not listenerOptions
    expect(() => fromEvent(new EventTarget(), 'x', { listenerOptions: { signal: AbortSignal.abort() } })).toThrow();
  });
});

describe('inference through select, from, merge, fromEvent, broadcast, pullMany/pushAll', () => {
  test('select over a tuple narrows value by index; ok discriminates closed pulls', async () => {
    const names = new Channel<string>(1);
    const counts = new Channel<number>(1);
    const done = new Channel<void>(); // unbuffered, no puller: its push case is not ready
    names.tryPush('n');
    const result = await select([pull(names), pull(counts), push(done)]);
    if (result.index === 0) {
      if (result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
      else expectTypeOf(result.value).toEqualTypeOf<undefined>();
      expectTypeOf(result.channel).toEqualTypeOf<PullChannel<string>>();
      expect(result.value).toBe('n');
    } else if (result.index === 1) {
      if (result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    } else {
      expectTypeOf(result.index).toEqualTypeOf<2>();
      expectTypeOf(result.value).toEqualTypeOf<undefined>();
      expectTypeOf(result.channel).toEqualTypeOf<PushChannel<void>>();
    }
    // A conditional (nil) case keeps the narrowing of the others.
    const maybe = (names.size === 0 ? pull(counts) : null) as ReturnType<typeof pull<number>> | null;
    counts.tryPush(3);
    const second = await select([pull(names), maybe]);
    if (second.index === 1 && second.ok) expectTypeOf(second.value).toEqualTypeOf<number>();
    expect(second.index).toBe(1);
    const none = selectNowait([pull(names)]);
    expectTypeOf(none).toEqualTypeOf<SelectResult<readonly [ReturnType<typeof pull<string>>]> | undefined>();
    if (none?.ok) expectTypeOf(none.value).toEqualTypeOf<string>();
    // An array that is not a tuple: value is unknown, not any.
    const cases = [pull(names), pull(counts)].slice();
    counts.tryPush(1);
    const loose = await select(cases);
    expectTypeOf(loose.value).toEqualTypeOf<string | number | undefined>();
  });

  test('from, merge (a union), broadcast subscribers, pullMany and pushAll carry the element type', async () => {
    const letters = from(['a', 'b']);
    expectTypeOf(letters).toEqualTypeOf<Channel<string>>();
    expectTypeOf(Channel.from(new ReadableStream<Uint8Array>())).toEqualTypeOf<Channel<Uint8Array>>();
    async function* gen() {
      yield 1;
    }
    expectTypeOf(from(gen())).toEqualTypeOf<Channel<number>>();
    const flags = new Channel<boolean>(1);
    const merged = merge(letters, flags);
    expectTypeOf(merged).toEqualTypeOf<Channel<string | boolean>>();
    expectTypeOf<ChannelValue<Channel<string> | PullChannel<Date>>>().toEqualTypeOf<string | Date>();
    const hub = broadcast(flags);
    expectTypeOf(hub).toEqualTypeOf<Broadcast<boolean>>();
    expectTypeOf(hub.subscribe()).toEqualTypeOf<Channel<boolean>>();
    hub.close();
    const batch = await merged.pullMany(2);
    expectTypeOf(batch).toEqualTypeOf<(string | boolean)[]>();
    expectTypeOf(batch[0]).toEqualTypeOf<string | boolean | undefined>();
    expectTypeOf(flags.pushAll([true])).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error pushAll of the wrong element type
    await flags.pushAll(['x']).catch(() => undefined);
    expectTypeOf(toReadableStream(letters)).toEqualTypeOf<ReadableStream<string>>();
    expectTypeOf(flags.toReadableStream()).toEqualTypeOf<ReadableStream<boolean>>();
    expectTypeOf(flags.tryPull()).toEqualTypeOf<boolean | undefined>();
    merged.close();
    letters.close();
  });

  test('from over a synchronous iterable of promises is a channel of the awaited values, as it runs', async () => {
    // Was wrong: `from` was typed `<T>(source: Source<T>) => Channel<T>`, so
    // `from([Promise.resolve(1), 2])` was a `Channel<number | Promise<number>>` although `from`
    // awaits a sync iterable's promises (as its TSDoc says) and a channel refuses thenables:
    // `tryPull()` was typed `number | Promise<number> | undefined` and returned a number.
    const awaited = from([Promise.resolve(1), 2], { capacity: 2 });
    expectTypeOf(awaited).toEqualTypeOf<Channel<number>>();
    expectTypeOf(Channel.from([Promise.resolve('x')])).toEqualTypeOf<Channel<string>>();
    expectTypeOf(from([1, Promise.resolve('a')])).toEqualTypeOf<Channel<number | string>>();
    expectTypeOf(from<number>([1, Promise.resolve(2)])).toEqualTypeOf<Channel<number>>();
    // Generic code keeps its element type (no deferred Awaited<U> in an invariant Channel).
    function wrap<U>(items: Iterable<U> | AsyncIterable<U>): Channel<U> {
      return from(items);
    }
    expectTypeOf(wrap(new Set([1n]))).toEqualTypeOf<Channel<bigint>>();
    const values: number[] = [];
    for await (const value of awaited) values.push(value);
    expect(values).toEqual([1, 2]);
  });

  test('fromEvent follows the target event map; a plain EventTarget gives Event; the type can be named', () => {
    expectTypeOf<EventOf<HTMLInputElement, 'keydown'>>().toEqualTypeOf<KeyboardEvent>();
    expectTypeOf<EventOf<WebSocket, 'message'>>().toEqualTypeOf<MessageEvent>();
    expectTypeOf<EventOf<Window, 'resize'>>().toEqualTypeOf<UIEvent>();
    expectTypeOf<EventOf<EventTarget, 'anything'>>().toEqualTypeOf<Event>();
    const bus = new EventTarget();
    const notes = fromEvent<CustomEvent<string>>(bus, 'note');
    expectTypeOf(notes).toEqualTypeOf<Channel<CustomEvent<string>>>();
    expectTypeOf(fromEvent(bus, 'x')).toEqualTypeOf<Channel<Event>>();
    notes.close();
  });

  test('errors: pushed is optional number; ChannelClosedError carries its channel', async () => {
    const channel = new Channel<number>(0, { name: 'c' });
    channel.close();
    const error = await channel.push(1).catch((e: unknown) => e);
    if (error instanceof ChannelClosedError) {
      expectTypeOf(error.pushed).toEqualTypeOf<number | undefined>();
      expectTypeOf(error).toExtend<ChannelError>();
      expect(error.channel).toBe(channel);
    } else throw new Error('expected a ChannelClosedError');
  });
});

describe('claims of PushValue, SelectCase, EventOf and ChannelStats', () => {
  test('PushValue: optional for void (and undefined) channels in push(); a forwarding wrapper compiles', async () => {
    const done = new Channel<void>(1);
    const nothing = new Channel<undefined>(2);
    expect(push(done).kind).toBe('push');
    expect(push(nothing).kind).toBe('push');
    await done.push();
    // @ts-expect-error a channel of undefined: its methods still take the argument
    await nothing.push();
    function forward<T>(channel: PushChannel<T>, ...value: PushValue<T>) {
      return push(channel, ...value);
    }
    const numbers = new Channel<number>(1);
    expectTypeOf(forward(numbers, 1).value).toEqualTypeOf<number>();
    // @ts-expect-error the wrapper keeps the value required for a channel of number
    forward(numbers);
    expect(forward(done).kind).toBe('push');
  });

  test('a tuple built beforehand with as const (the SPEC spelling) narrows by index too', async () => {
    const words = new Channel<string>(1);
    const numbers = new Channel<number>(1);
    numbers.tryPush(2);
    const cases = [pull(words), pull(numbers)] as const;
    const result = await select(cases);
    if (result.index === 1 && result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    if (result.index === 0 && result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
    expectTypeOf(result.index).toEqualTypeOf<0 | 1>();
    expect(result).toMatchObject({ index: 1, value: 2, ok: true });
  });

  test('a select over SelectCase[] has value unknown, not any', async () => {
    const channel = new Channel<number>(1);
    channel.tryPush(1);
    const cases: SelectCase[] = [pull(channel)];
    const result = await select(cases);
    expectTypeOf(result.value).toEqualTypeOf<unknown>();
    expectTypeOf(result.index).toEqualTypeOf<number>();
    expect(result.value).toBe(1);
  });

  test("EventOf: error and focusin give the event map's types (audit AX-N1); a union of types gives their events", () => {
    expectTypeOf<EventOf<Window, 'error'>>().toEqualTypeOf<ErrorEvent>();
    expectTypeOf<EventOf<HTMLElement, 'focusin'>>().toEqualTypeOf<FocusEvent>();
    expectTypeOf<EventOf<HTMLElement, 'keydown' | 'focusin'>>().toEqualTypeOf<KeyboardEvent | FocusEvent>();
    expectTypeOf<EventOf<EventTarget, 'error'>>().toEqualTypeOf<Event>();
    expectTypeOf<EventOf<HTMLElement, 'keydown' | 'keyup'>>().toEqualTypeOf<KeyboardEvent>();
    expectTypeOf<EventOf<MessagePort, 'message'>>().toEqualTypeOf<MessageEvent>();
    expectTypeOf<EventOf<Worker, 'error'>>().toEqualTypeOf<ErrorEvent>();
  });

  test('ChannelStats is a read-only copy', () => {
    const stats = new Channel<number>(1).stats();
    // @ts-expect-error read-only
    stats.size = 3;
    expect(stats.size).toBe(3);
  });
});

describe('port, debug and durable entries', () => {
  test('toPort / fromPort: element type through transfer and the result; PortLike accepts a MessagePort', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<ArrayBuffer>(2);
    const done = toPort(local, port1, { transfer: (buffer) => [buffer] });
    expectTypeOf(done).toEqualTypeOf<Promise<PortResult<ArrayBuffer>>>();
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 2 });
    expectTypeOf(remote).toEqualTypeOf<Channel<ArrayBuffer>>();
    expectTypeOf(port1).toExtend<PortLike>();
    // @ts-expect-error transfer takes the channel's element type
    void toPort(new Channel<string>(), port1, { transfer: (value: number) => [value] }).catch(() => undefined);
    await local.push(new ArrayBuffer(8));
    expect((await remote.pull()).byteLength).toBe(8);
    local.close();
    const result = await done;
    expectTypeOf(result.undelivered).toEqualTypeOf<ArrayBuffer[]>();
    expect(result).toEqual({ sent: 1, undelivered: [] });
    port1.close();
    port2.close();
  });

  test('debug: snapshot() is a DebugSnapshot whose waiters are Waiter; durable types carry T', () => {
    expectTypeOf(snapshot).returns.toEqualTypeOf<DebugSnapshot>();
    expectTypeOf<DebugSnapshot['channels'][number]['pushers'][number]>().toEqualTypeOf<Waiter>();
    expectTypeOf<Waiter['kind']>().toEqualTypeOf<'push' | 'pull' | 'select'>();
    // @ts-expect-error intervalMs is a number
    expect(() => enableDebug({ intervalMs: '5' })).toThrow(TypeError);
    expectTypeOf<ReturnType<DurableChannel<string>['pull']>>().toEqualTypeOf<Promise<string>>();
    expectTypeOf<Awaited<ReturnType<DurableChannel<string>['pullWithId']>>>().toEqualTypeOf<DurableDelivery<string>>();
    expectTypeOf<DurableDelivery<string>['value']>().toEqualTypeOf<string>();
    expectTypeOf<DurableDelivery<string>['id']>().toEqualTypeOf<string>();
  });
});
