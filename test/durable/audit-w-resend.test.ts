/**
 * Audit W: a push waiting for room re-sends its value with every call (each wait slice, each
 * retry). When a later call cannot be sent — the caller changed the object after calling push
 * (a symbol or a class instance added to it), or a getter throws the second time — `push`
 * rejected with a TypeError ("the value cannot be sent"), but the place its first call took in
 * the object stayed, and the first copy of the value was stored when room appeared: a rejected
 * push delivered its value (a caller that then pushes a fixed copy under a new id delivers it
 * twice). SPEC: a push rejects only if the value is "not delivered"; README: a value that cannot
 * be stored "rejects the push with a TypeError … and nothing is stored". Runs inside workerd.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { freshName, sleep, until } from './helpers.js';

describe('a waiting push whose value can no longer be sent', () => {
  test('a symbol added to the value while the push waits: the push rejects with a TypeError naming push, and nothing of it is stored', async () => {
    const name = freshName('w-resend-symbol');
    const channel = durableChannel<unknown>(env.CHANNELS, name, { capacity: 1, sliceMs: 50 });
    await channel.push('first');
    const job: Record<string, unknown> = { n: 1 };
    const push = channel.push(job).then(
      () => undefined,
      (error: unknown) => error,
    );
    await until(async () => (await channel.stats()).waitingPushers === 1);
    job.tag = Symbol('added later'); // the next slice's call cannot carry it
    const error = await push;
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^push\(value\)/);
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    expect(await channel.pull()).toBe('first'); // room
    await sleep(50);
    expect(await channel.tryPull()).toBeUndefined();
  });

  test('a getter that throws on its second read: the push rejects, and nothing of it is stored', async () => {
    const name = freshName('w-resend-getter');
    const channel = durableChannel<unknown>(env.CHANNELS, name, { capacity: 1, sliceMs: 50 });
    await channel.push('first');
    let reads = 0;
    const job = {
      get n() {
        if (++reads > 1) throw new Error('read twice');
        return 1;
      },
    };
    const error = await channel.push(job).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    expect(await channel.pull()).toBe('first');
    await sleep(50);
    expect(await channel.tryPull()).toBeUndefined();
  });

  test('if room appeared before the push could be withdrawn, the first copy is stored and the push resolves: it committed', async () => {
    // The push waits; room appears and the object stores the first copy while the caller is
    // between two slices; the caller's next call cannot be sent. Stored, so it must resolve.
    const name = freshName('w-resend-stored');
    const channel = durableChannel<unknown>(env.CHANNELS, name, { capacity: 1, sliceMs: 100 });
    await channel.push('first');
    const job: Record<string, unknown> = { n: 1 };
    const push = channel.push(job).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await until(async () => (await channel.stats()).waitingPushers === 1);
    job.tag = Symbol('added later');
    expect(await channel.pull()).toBe('first'); // room now: the waiting push is stored at once
    const outcome = await push;
    const stored = await channel.tryPull();
    if (outcome === 'resolved') expect(stored).toEqual({ n: 1 });
    else {
      expect(outcome).toBeInstanceOf(TypeError);
      expect(stored).toBeUndefined();
    }
  });
});
