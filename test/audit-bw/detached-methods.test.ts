/**
 * Audit BW: a method taken off its channel and called plainly — `this` undefined, as in module
 * code after `const { push } = channel`, or `values.forEach(channel.tryPush)` — throws a
 * `TypeError` that names the method, at the call, as one called on a wrong object does. Before,
 * every push and pull method but `close` and `pushNowait` threw the engine's `TypeError` on the
 * internal field it read first (`Cannot read properties of undefined (reading '$a')`), a
 * detached `pushAll` was refused as `push`, and a detached `pullNowait` threw `ChannelEmptyError`.
 */
import { Channel } from 'chanasync';
import { describe, expect, test } from 'vitest';

type Call = [name: string, call: (channel: Channel<number>, self: unknown) => unknown];

const calls: Call[] = [
  ['push', (c, self) => Reflect.apply(c.push, self, [1])],
  ['pull', (c, self) => Reflect.apply(c.pull, self, [])],
  ['pushNowait', (c, self) => Reflect.apply(c.pushNowait, self, [1])],
  ['pullNowait', (c, self) => Reflect.apply(c.pullNowait, self, [])],
  ['tryPush', (c, self) => Reflect.apply(c.tryPush, self, [1])],
  ['tryPull', (c, self) => Reflect.apply(c.tryPull, self, [])],
  ['pushAll', (c, self) => Reflect.apply(c.pushAll, self, [[1, 2]])],
  ['pullMany', (c, self) => Reflect.apply(c.pullMany, self, [2])],
  ['stats', (c, self) => Reflect.apply(c.stats, self, [])],
  ['close', (c, self) => Reflect.apply(c.close, self, [])],
];

describe('a detached method names itself', () => {
  for (const [self, what] of [
    [undefined, 'this undefined'],
    [null, 'this null'],
    [new EventTarget(), 'an event target as this'],
    [{}, 'a plain object as this'],
  ] as const) {
    for (const [name, call] of calls) {
      test(`${name}, ${what}: a TypeError naming ${name}, thrown at the call; the channel untouched`, () => {
        const channel = new Channel<number>(2);
        channel.pushNowait(7);
        let error: unknown;
        try {
          call(channel, self);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toBe(
          `${name}: called without its channel as this (wrap it in an arrow function)`,
        );
        expect(channel.stats()).toMatchObject({ size: 1, closed: false, waitingPushers: 0, waitingPullers: 0 });
        expect(channel.pullNowait()).toBe(7);
      });
    }
  }

  test('the everyday shapes: destructuring, forEach and map', async () => {
    const channel = new Channel<number>(4, { name: 'jobs' });
    const { push, pull, tryPush } = channel;
    expect(() => push(1)).toThrow(/^push: called without its channel/);
    expect(() => pull()).toThrow(/^pull: called without its channel/);
    expect(() => [1, 2].forEach(tryPush)).toThrow(/^tryPush: called without its channel/);
    expect(() => [1, 2].map(channel.pushNowait)).toThrow(/^pushNowait: called without its channel/);
    expect(channel.size).toBe(0);
  });

  test('control: bound, or in an arrow function, each works', async () => {
    const channel = new Channel<number>(4);
    [1, 2].forEach((value) => {
      channel.tryPush(value);
    });
    const push = channel.push.bind(channel);
    await push(3);
    expect(await channel.pullMany(3)).toEqual([1, 2, 3]);
  });

  test('the iterator’s next() is bound to its iterator: detached, it still pulls', async () => {
    const channel = new Channel<number>(1);
    const { next } = channel[Symbol.asyncIterator]();
    const pending = next();
    channel.pushNowait(5);
    expect(await pending).toEqual({ done: false, value: 5 });
  });
});
