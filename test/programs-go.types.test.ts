/**
 * The TypeScript experience of the Go programs in test/programs-go.test.ts: the types accept
 * the programs as users write them, without casts, and reject the slips (`// @ts-expect-error`
 * lines fail the type check if the slip compiles). `npm test` type-checks this file; the
 * runtime assertions check that what compiles also runs.
 */
import {
  broadcast,
  Channel,
  type PullCase,
  type PullChannel,
  type PushCase,
  type PushChannel,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  after as timeAfter,
} from 'chanasync';
import { expect, expectTypeOf, test } from 'vitest';

test('a pipeline of directional stages takes channels without casts, and each stage sees only its side', async () => {
  const gen = (...nums: number[]): PullChannel<number> => {
    const out = new Channel<number>();
    void (async () => {
      for (const n of nums) await out.push(n);
      out.close();
    })();
    return out;
  };
  const sq = (input: PullChannel<number>, out: PushChannel<number>) =>
    (async () => {
      for await (const n of input) await out.push(n * n);
      out.close();
    })();
  const squares = new Channel<number>(4);
  const input = gen(1, 2, 3);
  void sq(input, squares);
  const seen: number[] = [];
  for await (const n of squares) seen.push(n);
  expect(seen).toEqual([1, 4, 9]);

  // @ts-expect-error a receive-only channel cannot be pushed to (Go: send to receive-only type)
  input.push;
  // @ts-expect-error a receive-only channel cannot be closed (Go: close of receive-only channel)
  input.close;
  const sink: PushChannel<number> = squares;
  // @ts-expect-error a send-only channel cannot be pulled from
  sink.pull;
  // @ts-expect-error nor iterated
  for await (const _ of sink);
});

test('directional views follow the variance a Go programmer expects, a plain Channel stays invariant', () => {
  class Animal {
    name = 'animal';
  }
  class Dog extends Animal {
    bark() {}
  }
  const dogs = new Channel<Dog>(1);
  const readAnimals: PullChannel<Animal> = dogs; // reading dogs as animals is safe
  const writeDogs: PushChannel<Dog> = new Channel<Animal>(1); // writing dogs into animals too
  // @ts-expect-error a Channel<Dog> is not a Channel<Animal>: one could push a cat into it
  const animals: Channel<Animal> = dogs;
  // @ts-expect-error nor a PushChannel<Animal>
  const writeAnimals: PushChannel<Animal> = dogs;
  expect([readAnimals, writeDogs, animals, writeAnimals]).toHaveLength(4);
});

test('a fan-in select loop with nullable cases narrows each value by its index', async () => {
  const letters = new Channel<string>(2);
  const numbers = new Channel<number>(2);
  letters.pushNowait('a');
  numbers.pushNowait(1);
  letters.close();
  numbers.close();
  let cases: [PullCase<string> | null, PullCase<number> | null] = [pull(letters), pull(numbers)];
  const got: (string | number)[] = [];
  while (cases[0] || cases[1]) {
    const r = await select(cases);
    if (r.index === 0) {
      if (r.ok) {
        expectTypeOf(r.value).toEqualTypeOf<string>();
        got.push(r.value.toUpperCase());
      } else cases = [null, cases[1]];
    } else if (r.ok) {
      expectTypeOf(r.value).toEqualTypeOf<number>();
      got.push(r.value + 1);
    } else cases = [cases[0], null];
  }
  expect(got.sort()).toEqual([2, 'A']);
});

test('conditional cases (the nil-channel idiom) written inline keep their index and types', async () => {
  const updates = new Channel<{ guid: string }>(1);
  const closing = new Channel<Channel<Error | null>>(1);
  const pending = [{ guid: 'a' }];
  const first = pending[0];
  using startFetch = pending.length < 10 ? timeAfter(0) : undefined;
  const r = await select([startFetch ? pull(startFetch) : null, pull(closing), first ? push(updates, first) : null]);
  if (r.index === 0 && r.ok) expectTypeOf(r.value).toEqualTypeOf<number>();
  if (r.index === 1 && r.ok) expectTypeOf(r.value).toEqualTypeOf<Channel<Error | null>>();
  if (r.index === 2) expectTypeOf(r.value).toEqualTypeOf<undefined>();
  expectTypeOf(r.index).toEqualTypeOf<0 | 1 | 2>();
  expect([0, 2]).toContain(r.index);
});

test('tee keeps its two push cases in a tuple it sets to null as each is sent', async () => {
  const out1 = new Channel<number>(1);
  const out2 = new Channel<number>(1);
  let cases: [PushCase<number> | null, PushCase<number> | null] = [push(out1, 7), push(out2, 7)];
  for (let i = 0; i < 2; i++) {
    const r = await select(cases);
    cases = r.index === 0 ? [null, cases[1]] : [cases[0], null];
  }
  expect([out1.tryPull(), out2.tryPull()]).toEqual([7, 7]);
});

test('a done channel of void is pushed and selected on without a value', async () => {
  const done = new Channel<void>(1);
  await done.push();
  expect(done.tryPush()).toBe(false);
  const r = selectNowait([pull(done), push(done, undefined)]);
  expect(r?.index).toBe(0);
  // @ts-expect-error a done channel carries nothing
  done.tryPush(1);
});

test('a push case on a done channel of void needs no value, as done.push() does, and other channels still need theirs', () => {
  const done = new Channel<void>(1);
  const r = selectNowait([push(done)]); // Go: case done <- struct{}{}:
  expect(r?.index).toBe(0);
  expect(done.size).toBe(1);
  const numbers = new Channel<number>(1);
  const maybe = new Channel<number | undefined>(1);
  const cases = [
    push(numbers, 1),
    push(maybe, undefined),
    // @ts-expect-error a channel of numbers needs its value
    push(numbers),
    // @ts-expect-error and one of number | undefined too: undefined is a value there
    push(maybe),
    // @ts-expect-error a value of another type
    push(numbers, 'one'),
  ];
  expect(cases).toHaveLength(5);
  const forward = <T>(channel: Channel<T>, value: T) => push(channel, value); // generic code still compiles
  expect(forward(numbers, 2).value).toBe(2);
});

test('timers, tickers and channels work in using scopes', async () => {
  {
    using timeout = timeAfter(1);
    expectTypeOf(timeout).toEqualTypeOf<Channel<number>>();
    expectTypeOf(await timeout.pull()).toEqualTypeOf<number>();
  }
  {
    using ticks = ticker(1);
    expectTypeOf(ticks).toEqualTypeOf<Channel<number>>();
  }
  let escaped: Channel<string> | undefined;
  {
    await using jobs = new Channel<string>(1);
    escaped = jobs;
  }
  expect(escaped.closed).toBe(true);
});

test('a broadcast of a channel subscribes channels of the same type', async () => {
  const prices = new Channel<number>(1);
  const hub = broadcast(prices);
  const chart = hub.subscribe({ capacity: 4 });
  expectTypeOf(chart).toEqualTypeOf<Channel<number>>();
  await prices.push(1);
  expect(await chart.pull()).toBe(1);
  hub.close();
});

test('the slips are type errors: a signal as the options, a controller as the signal, pull(ch) awaited, ch.pull() as a case', async () => {
  const controller = new AbortController();
  const replies = new Channel<number>(1);
  replies.pushNowait(1);
  const slips: (() => unknown)[] = [
    // @ts-expect-error Go's positional ctx: the signal goes in { signal }
    () => replies.pull(controller.signal),
    // @ts-expect-error the controller goes in as its signal
    () => replies.pull({ signal: controller }),
    // @ts-expect-error a signal as select's options
    () => select([pull(replies)], controller.signal),
    // @ts-expect-error after's options too
    () => timeAfter(10, controller.signal),
    // @ts-expect-error channel.pull() is a promise, not a select case
    () => select([replies.pull()]),
    async () => {
      // @ts-expect-error pull(channel) builds a case: awaiting it gives no value
      const n: number = await pull(replies);
      return n;
    },
    // @ts-expect-error a channel is not an iterable (pushAll takes one)
    () => replies.pushAll(new Channel<number>()),
    // @ts-expect-error nor an array-like
    () => Array.from(replies),
    () => {
      // @ts-expect-error for-of needs a sync iterable: use for await
      for (const _ of replies);
    },
    // @ts-expect-error a subscriber's options take { signal }
    () => broadcast(replies).subscribe(controller.signal),
    // @ts-expect-error a push case takes a value of its channel's type
    () => push(replies, 'one'),
  ];
  expect(slips).toHaveLength(11);
  // The controller passed as the options has a signal, so it type-checks (and works).
  const got: number = await replies.pull(controller);
  expect(got).toBe(1);
});
