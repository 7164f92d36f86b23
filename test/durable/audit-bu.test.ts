/**
 * Audit BU (durable): a subclass of `ChannelObject` with fields of its own keeps the channel's
 * state; `tryPullMany` whose values would not fit in one answer takes fewer, as `pullMany` does,
 * and leaves nothing leased; an `AbortSignal` given as the options of a call that takes no
 * signal is told so.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { ChannelObject, durableChannel } from '../../src/durable/index.js';
import type { ChannelRpc } from '../../src/durable/protocol.js';
import { freshName, rawLimits, rawStub } from './helpers.js';

// An application's subclasses, with fields of their own named as the object's state once was.
class NoFields extends ChannelObject {}
class Ready extends ChannelObject {
  ready = false;
}
class MetaLeases extends ChannelObject {
  meta = {};
  leases = [];
}
class Waiters extends ChannelObject {
  pullWaiters = 0;
  places = -1;
  deadline = 0;
}

describe('a subclass of ChannelObject with fields of its own', () => {
  const subclasses = [
    ['no fields of its own', NoFields],
    ['ready = false', Ready],
    ['meta = {} and leases = []', MetaLeases],
    ['pullWaiters, places, deadline', Waiters],
  ] as const;
  test.each(subclasses)('with %s, still sees the stored values, in order, and counts them', async (_label, Sub) => {
    const name = freshName('bu-subclass');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('a');
    await channel.push('b');
    const seen = await runInDurableObject(rawStub(name), async (_instance, state) => {
      // As the runtime would construct it, over the same storage.
      const object = new (Sub as unknown as new (state: unknown, env: unknown) => ChannelRpc)(state, env);
      const stats = await object.stats({ capacity: null });
      const pulled = await object.pull({
        ...rawLimits(10_000, false),
        capacity: null,
        ticket: crypto.randomUUID(),
        max: 2,
      });
      return JSON.parse(JSON.stringify({ stats, pulled }));
    });
    expect(seen.stats).toMatchObject({ kind: 'stats', stats: { size: 2 } });
    expect(seen.pulled.kind).toBe('values');
    expect(seen.pulled.deliveries.map((delivery: { value: string }) => delivery.value)).toEqual(['a', 'b']);
  });
});

describe('tryPullMany whose values would not fit in one answer (32 MiB)', () => {
  test('takes fewer instead of failing, in order, and leaves nothing leased for the next pull', async () => {
    const channel = durableChannel<string>(env.CHANNELS, freshName('bu-big-try'), { leaseMs: 60_000 });
    const big = 'y'.repeat(1_900_000); // 18 of them are more than Workers RPC carries at once
    for (let i = 0; i < 18; i++) await channel.push(`${i}:${big}`, { id: `v${i}` });
    const first = await channel.tryPullMany(18);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(18);
    expect(await channel.stats()).toMatchObject({ size: 18 - first.length, leased: 0 });
    // The next value is there at once, handed out for the first time.
    const next = await channel.pullWithId();
    expect(next.id).toBe(`v${first.length}`);
    expect(next.attempt).toBe(1);
    const rest: string[] = [];
    while (first.length + 1 + rest.length < 18) rest.push(...(await channel.tryPullMany(18)));
    expect([...first, next.value, ...rest].map((value) => Number(value.split(':')[0]))).toEqual(
      Array.from({ length: 18 }, (_, i) => i),
    );
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  }, 120_000);
});

describe('an AbortSignal given as the options of a call that takes no signal', () => {
  test('durableChannel and tryPush say they take none, rather than advise { signal }', async () => {
    const signal = new AbortController().signal;
    expect(() => durableChannel(env.CHANNELS, freshName('bu-sig'), signal as never)).toThrow(
      'durableChannel(namespace, name, options): options is an AbortSignal: a durable channel takes no signal (pass one to each operation)',
    );
    const channel = durableChannel<number>(env.CHANNELS, freshName('bu-sig'));
    await expect(channel.tryPush(1, signal as never)).rejects.toThrow(
      'tryPush(value, options): options is an AbortSignal: tryPush never waits and takes no signal',
    );
    // A call that takes a signal still says how to pass it.
    await expect(channel.push(1, signal as never)).rejects.toThrow('pass { signal } instead');
    expect(await channel.stats()).toMatchObject({ size: 0 });
  });
});
