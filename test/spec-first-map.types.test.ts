/**
 * Type tests for the SPEC's first map, as an outsider writes them against the package
 * ('chanasync', 'chanasync/debug'): `tsc -p test/tsconfig.json` type-checks this file, so a
 * name or shape that the SPEC spells and the types do not have fails to compile. (The runtime
 * assertions only keep vitest from calling the file empty.)
 */
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  type ChannelError,
  fromEvent,
  merge,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  type SelectCase,
  type SelectResult,
  select,
  selectNowait,
} from 'chanasync';
import {
  type ChannelSnapshot,
  type DebugSnapshot,
  disableDebug,
  enableDebug,
  snapshot,
  type Waiter,
} from 'chanasync/debug';
import { expect, expectTypeOf, test } from 'vitest';

test('Channel<T> satisfies PushChannel<T> and PullChannel<T> for directional parameters', async () => {
  const channel = new Channel<number>(1);
  const produce = async (out: PushChannel<number>) => out.push(1);
  const consume = async (input: PullChannel<number>) => input.pull();
  await produce(channel);
  expect(await consume(channel)).toBe(1);
  expectTypeOf(channel).toMatchTypeOf<PushChannel<number>>();
  expectTypeOf(channel).toMatchTypeOf<PullChannel<number>>();
  expectTypeOf<PullChannel<number>>().toMatchTypeOf<AsyncIterable<number>>();
  // @ts-expect-error a pull side has no push
  ((input: PullChannel<number>) => input.push)(channel);
  // @ts-expect-error a push side has no pull
  ((out: PushChannel<number>) => out.pull)(channel);
});

test('the constructor takes capacity and { name, overflow } and the getters have the SPEC types', () => {
  const channel = new Channel<string>(2, { name: 'n', overflow: 'drop-oldest' });
  expectTypeOf(channel.capacity).toEqualTypeOf<number>();
  expectTypeOf(channel.size).toEqualTypeOf<number>();
  expectTypeOf(channel.closed).toEqualTypeOf<boolean>();
  expectTypeOf(channel.full).toEqualTypeOf<boolean>();
  expectTypeOf(channel.empty).toEqualTypeOf<boolean>();
  expectTypeOf(channel.push).returns.toEqualTypeOf<Promise<void>>();
  expectTypeOf(channel.pull).returns.toEqualTypeOf<Promise<string>>();
  expectTypeOf(channel.pullNowait).returns.toEqualTypeOf<string>();
  expectTypeOf(channel.pushNowait).returns.toEqualTypeOf<void>();
  // @ts-expect-error overflow is one of three strings (and the constructor refuses it at run time)
  expect(() => new Channel<string>(2, { overflow: 'drop' })).toThrow();
  const stats = channel.stats();
  expectTypeOf(stats.waitingPushers).toEqualTypeOf<number>();
  expectTypeOf(stats.waitingPullers).toEqualTypeOf<number>();
  expectTypeOf(stats.overflow).toEqualTypeOf<'block' | 'drop-oldest' | 'drop-newest'>();
  expect(stats.overflow).toBe('drop-oldest');
});

test('push and pull take { signal } options', async () => {
  const channel = new Channel<number>(1);
  const controller = new AbortController();
  await channel.push(1, { signal: controller.signal });
  expect(await channel.pull({ signal: controller.signal })).toBe(1);
});

test('select accepts null and undefined entries and its result has index, channel, value and ok', async () => {
  const a = new Channel<number>(1);
  a.pushNowait(1);
  const cases: readonly (SelectCase | null | undefined)[] = [pull(a), null, undefined];
  const result: SelectResult = await select(cases, { signal: new AbortController().signal });
  expectTypeOf(result.index).toEqualTypeOf<number>();
  expectTypeOf(result.ok).toEqualTypeOf<boolean>();
  expect(result).toMatchObject({ index: 0, channel: a, value: 1, ok: true });
  const none: SelectResult | undefined = selectNowait(cases);
  expect(none).toBeUndefined();
});

test('select narrows value by index for a tuple of cases written as const', async () => {
  const numbers = new Channel<number>(1);
  const words = new Channel<string>(1);
  numbers.pushNowait(1);
  const result = await select([pull(numbers), pull(words), push(words, 'w')] as const);
  if (result.index === 0 && result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
  if (result.index === 1 && result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
  if (result.index === 2) expectTypeOf(result.value).toEqualTypeOf<undefined>();
  expect([0, 2]).toContain(result.index);
});

test('case descriptors are read-only in the types', () => {
  const channel = new Channel<number>(1);
  const pushCase = push(channel, 1);
  const pullCase = pull(channel);
  const assignValue = () => {
    // @ts-expect-error a case descriptor is immutable
    pushCase.value = 2;
  };
  const assignChannel = () => {
    // @ts-expect-error a case descriptor is immutable
    pullCase.channel = new Channel<number>();
  };
  expect([typeof assignValue, typeof assignChannel]).toEqual(['function', 'function']);
  expect(pushCase.value).toBe(1);
});

test('after(ms, { signal }) is a Channel<number>', () => {
  const timer = afterMs(1, { signal: new AbortController().signal });
  expectTypeOf(timer).toEqualTypeOf<Channel<number>>();
  timer.close();
  expect(timer.closed).toBe(true);
});

test('the errors are classes with a channel property', () => {
  const channel = new Channel<number>();
  channel.close();
  let error: unknown;
  try {
    channel.pullNowait();
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ChannelClosedError)) throw new Error('expected ChannelClosedError');
  expectTypeOf(error).toMatchTypeOf<ChannelError>();
  expect(error.channel).toBe(channel);
});

test('Channel.from infers T from an iterable, an async iterable and a ReadableStream', () => {
  expectTypeOf(Channel.from([1, 2])).toEqualTypeOf<Channel<number>>();
  async function* words() {
    yield 'a';
  }
  expectTypeOf(Channel.from(words(), { capacity: 2, signal: new AbortController().signal })).toEqualTypeOf<
    Channel<string>
  >();
  const stream = new ReadableStream<boolean>();
  expectTypeOf(Channel.from(stream)).toEqualTypeOf<Channel<boolean>>();
  expect(Channel.from([1])).toBeInstanceOf(Channel);
});

test('channel.toReadableStream({ highWaterMark }) is a ReadableStream<T>', async () => {
  const channel = new Channel<number>(1);
  const stream = channel.toReadableStream({ highWaterMark: 0 });
  expectTypeOf(stream).toEqualTypeOf<ReadableStream<number>>();
  await stream.cancel();
  expect(channel.closed).toBe(false);
});

test('fromEvent returns a channel of events and takes capacity, overflow and signal', () => {
  const channel = fromEvent(new EventTarget(), 'ping', {
    capacity: 2,
    overflow: 'drop-newest',
    signal: new AbortController().signal,
  });
  expectTypeOf(channel.pullNowait).returns.toMatchTypeOf<Event>();
  channel.close();
  expect(channel.closed).toBe(true);
});

test('fromEvent infers the target event type; Channel<Event> is read through PullChannel or fromEvent<Event>', () => {
  const button = new EventTarget() as HTMLButtonElement;
  expectTypeOf(fromEvent(button, 'keydown')).toEqualTypeOf<Channel<KeyboardEvent>>();
  expectTypeOf(fromEvent(new EventTarget(), 'note')).toEqualTypeOf<Channel<Event>>();
  expectTypeOf(fromEvent<CustomEvent<string>>(new EventTarget(), 'note')).toEqualTypeOf<Channel<CustomEvent<string>>>();
  const anyEvents: PullChannel<Event> = fromEvent(button, 'click');
  const clicks: Channel<Event> = fromEvent<Event>(button, 'click');
  // @ts-expect-error Channel is invariant: the inferred Channel<PointerEvent> is not a Channel<Event>
  const invariant: Channel<Event> = fromEvent(button, 'click');
  for (const channel of [clicks, invariant]) channel.close();
  expect(anyEvents.closed).toBe(false);
  expect(clicks.closed).toBe(true);
});

test('merge and Channel.from results can be read as a supertype through PullChannel or an explicit T', async () => {
  interface Animal {
    name: string;
  }
  interface Dog extends Animal {
    bark(): void;
  }
  interface Cat extends Animal {
    meow(): void;
  }
  const dogs = new Channel<Dog>(1);
  const cats = new Channel<Cat>(1);
  const animals: PullChannel<Animal> = merge(dogs, cats);
  const mixed: Channel<number | string> = Channel.from<number | string>([1, 2]);
  dogs.pushNowait({ name: 'rex', bark() {} });
  expect((await animals.pull()).name).toBe('rex');
  expect(await mixed.pull()).toBe(1);
  // @ts-expect-error Channel is invariant: a Channel<Dog | Cat> is not a Channel<Animal>
  const invariant: Channel<Animal> = merge(dogs, cats);
  for (const channel of [dogs, cats, invariant, mixed]) channel.close();
});

test('merge of channels of one type is a channel of that type', () => {
  const merged = merge(new Channel<number>(), new Channel<number>());
  expectTypeOf(merged).toEqualTypeOf<Channel<number>>();
  merged.close();
  expect(merged.closed).toBe(true);
});

test('debug types: DebugSnapshot, ChannelSnapshot and Waiter have the SPEC fields', () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), intervalMs: 100, stacks: false });
  const snap: DebugSnapshot = snapshot();
  expectTypeOf(snap.source).toEqualTypeOf<'chanasync'>();
  expectTypeOf(snap.version).toEqualTypeOf<1>();
  expectTypeOf(snap.type).toEqualTypeOf<'snapshot'>();
  expectTypeOf(snap.time).toEqualTypeOf<number>();
  const channel = snap.channels[0] as ChannelSnapshot | undefined;
  expectTypeOf<ChannelSnapshot['capacity']>().toEqualTypeOf<number | null>();
  expectTypeOf<ChannelSnapshot['closed']>().toEqualTypeOf<boolean>();
  expectTypeOf<ChannelSnapshot['pushers']>().toMatchTypeOf<readonly Waiter[]>();
  expectTypeOf<Waiter['kind']>().toEqualTypeOf<'push' | 'pull' | 'select'>();
  expectTypeOf<Waiter['since']>().toEqualTypeOf<number>();
  disableDebug();
  expect(channel === undefined || typeof channel.id !== 'undefined').toBe(true);
});
