/**
 * Pushes and pulls one client makes without awaiting, in one synchronous run of code, take
 * effect in the order they were made, as a local channel's do: their first calls go to the
 * object as one `inOrder` call (src/durable/client.ts, `together`). These tests pin that order
 * under a small capacity, for tries and batches, for runs longer than one call carries, and
 * what happens when the joint call cannot be made: each operation then calls on its own and
 * nothing is lost, stored twice or taken twice. Runs inside workerd (project `workers`).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { freshName, observed } from './helpers.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('pushes made together are stored in the order they were made', () => {
  test('300 pushes made without awaiting (more than one joint call carries) come out in call order', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-long'), { capacity: Infinity });
    await Promise.all(range(300).map((i) => ch.push(i)));
    expect(await ch.pullMany(300)).toEqual(range(300));
  });

  test('on a channel of capacity 2, pushes that must wait keep their order while a consumer drains it', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-full'), { capacity: 2, sliceMs: 50 });
    const pushes = Promise.all(range(12).map((i) => ch.push(i)));
    const got: number[] = [];
    while (got.length < 12) got.push(await ch.pull());
    await pushes;
    expect(got).toEqual(range(12));
  });

  test('tries made together on a channel with room for 2: the first two are stored, the rest answer false', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-try'), { capacity: 2 });
    expect(await Promise.all(range(5).map((i) => ch.tryPush(i)))).toEqual([true, true, false, false, false]);
    expect(await ch.pullMany(5)).toEqual([0, 1]);
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });

  test('the pushes of one run go as one call; a push made alone still makes a push call', async () => {
    const { namespace, calls } = observed();
    const ch = durableChannel<number>(namespace as never, freshName('together-calls'), { capacity: 10 });
    await Promise.all(range(5).map((i) => ch.push(i)));
    expect(calls).toMatchObject({ inOrder: 1 });
    expect(calls.push ?? 0).toBe(0);
    await ch.push(5);
    expect(calls).toMatchObject({ inOrder: 1, push: 1 });
    expect(await ch.pullMany(10)).toEqual(range(6));
  });

  test('a push whose signal aborts before the joint call is made is not sent: it rejects and the others are stored in order', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-abort'), { capacity: 10 });
    const controller = new AbortController();
    const reason = new Error('changed my mind');
    const first = ch.push(0);
    const aborted = ch.push(1, { signal: controller.signal });
    const third = ch.push(2);
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await Promise.all([first, third]);
    expect(await ch.pullMany(10)).toEqual([0, 2]);
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });
  test('operations made together by a client that asks for another capacity each reject with the RangeError naming them', async () => {
    const name = freshName('together-capacity');
    await durableChannel<number>(env.CHANNELS, name, { capacity: 10 }).push(0);
    const wrong = durableChannel<number>(env.CHANNELS, name, { capacity: 5 });
    const outcomes = await Promise.allSettled([wrong.push(1), wrong.pull(), wrong.tryPush(2)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const errors = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason as Error);
    expect(errors.every((error) => error instanceof RangeError)).toBe(true);
    expect(errors.map((error) => error.message.split(':')[0])).toEqual(['push', 'pull', 'tryPush']);
    expect(await durableChannel<number>(env.CHANNELS, name).pullMany(10)).toEqual([0]);
  });
});

describe('pulls made together take values in the order they were made', () => {
  test('100 pulls made without awaiting on 100 stored values get them in call order', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-pulls'), { capacity: Infinity });
    await Promise.all(range(100).map((i) => ch.push(i)));
    expect(await Promise.all(range(100).map(() => ch.pull()))).toEqual(range(100));
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('pullMany calls made together take consecutive batches in call order', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-batches'), { capacity: Infinity });
    await Promise.all(range(50).map((i) => ch.push(i)));
    const batches = await Promise.all(range(5).map(() => ch.pullMany(10)));
    expect(batches).toEqual(range(5).map((b) => range(10).map((i) => b * 10 + i)));
  });

  test('tryPull calls made together on 3 stored values: the first three get them in order, the rest undefined', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-trypull'), { capacity: 10 });
    await Promise.all(range(3).map((i) => ch.push(i)));
    expect(await Promise.all(range(5).map(() => ch.tryPull()))).toEqual([0, 1, 2, undefined, undefined]);
  });

  test('pulls and a push made together: each pull takes the value a local channel would give it', async () => {
    const ch = durableChannel<string>(env.CHANNELS, freshName('together-mixed'), { capacity: 10 });
    await ch.push('stored before');
    const [first, , second] = await Promise.all([ch.pull(), ch.push('pushed between'), ch.pull()]);
    expect([first, second]).toEqual(['stored before', 'pushed between']);
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
  });

  test('a pull whose signal aborts before the joint call is made takes nothing; the others get the values in order', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('together-pull-abort'), { capacity: 10 });
    await Promise.all(range(3).map((i) => ch.push(i)));
    const controller = new AbortController();
    const reason = new Error('not any more');
    const first = ch.pull();
    const aborted = ch.pull({ signal: controller.signal });
    const third = ch.pull();
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(await Promise.all([first, third])).toEqual([0, 1]);
    expect(await ch.pullMany(10)).toEqual([2]);
  });
});

describe('when the joint call cannot be made, each operation calls on its own', () => {
  test('a value that cannot be sent: that push rejects with a TypeError naming it, every other value is stored once', async () => {
    const ch = durableChannel<unknown>(env.CHANNELS, freshName('together-bad'), { capacity: 10 });
    const outcomes = await Promise.allSettled([ch.push('a'), ch.push(new WeakMap()), ch.push('c'), ch.push('d')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const error = (outcomes[1] as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message.startsWith('push(value)'), error.message).toBe(true);
    // Each went alone: stored once each; their order across separate calls is not promised.
    expect(((await ch.pullMany(10)) as string[]).sort()).toEqual(['a', 'c', 'd']);
  });

  test('a joint call that stored the values but whose answer was lost: each push calls again and each value is stored once', async () => {
    const { namespace, calls } = observed({
      inOrder: async (real) => {
        await real();
        throw new Error('network connection lost');
      },
    });
    const ch = durableChannel<number>(namespace as never, freshName('together-lost'), { capacity: 10 });
    await Promise.all(range(4).map((i) => ch.push(i)));
    expect(calls).toMatchObject({ inOrder: 1, push: 4 });
    expect(await ch.pullMany(10)).toEqual(range(4));
  });

  test('an object without inOrder (an earlier version): each push makes its own call and every value is stored', async () => {
    const { namespace, calls } = observed({
      inOrder: async () => {
        throw new TypeError('The RPC receiver does not implement the method "inOrder".');
      },
    });
    const ch = durableChannel<number>(namespace as never, freshName('together-old'), { capacity: 10 });
    await Promise.all(range(4).map((i) => ch.push(i)));
    expect(calls.push).toBe(4);
    expect(((await ch.pullMany(10)) as number[]).sort()).toEqual(range(4));
  });

  test('a joint call that leased values to pulls but whose answer was lost: each pull calls again and gets a value, none taken twice', async () => {
    const { namespace, calls } = observed({
      inOrder: async (real) => {
        await real();
        throw new Error('network connection lost');
      },
    });
    const ch = durableChannel<number>(namespace as never, freshName('together-lost-pulls'), { capacity: 10 });
    for (const i of range(4)) await ch.push(i);
    const got = await Promise.all(range(4).map(() => ch.pull()));
    expect(calls.inOrder).toBe(1);
    expect([...got].sort()).toEqual(range(4));
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });
});
