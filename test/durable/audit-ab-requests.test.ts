/**
 * Audit AB: durable channels reached through the Worker's own requests (fetch through the
 * Worker's `exports.default`, as clients reach an application), with clients kept at module
 * scope, several iterators at once, and a close that lands while requests wait.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { ChannelClosedError } from '../../src/errors.js';
import { freshName, until } from './helpers.js';

const base = 'http://worker.test';

describe('audit AB: through requests', () => {
  it('a pull request cancelled while it waits: the value handed to it comes back after its lease, same id, attempt 2', async () => {
    const name = freshName('ab-cancel-request');
    const client = durableChannel<string>(env.CHANNELS, name);
    const ac = new AbortController();
    const request = exports.default
      .fetch(`${base}/pull?name=${name}&withId=1&leaseMs=500&sliceMs=5000`, { signal: ac.signal })
      .then(
        () => 'answered',
        (error: unknown) => (error as Error).name,
      );
    await until(async () => (await client.stats()).waitingPullers === 1);
    ac.abort();
    expect(await request).toBe('AbortError');
    await client.push('job', { id: 'job-1' });
    // The object cannot know the caller left: the value goes to its parked call, leased.
    const got = await client.pullWithId({ signal: AbortSignal.timeout(10_000) });
    expect(got).toEqual({ value: 'job', id: 'job-1', attempt: 2 });
    expect(await client.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  it('clients kept at module scope serve many concurrent requests: each value once, per-producer FIFO', async () => {
    const name = freshName('ab-shared');
    const values = Array.from({ length: 24 }, (_, i) => i);
    // 3 producers in sequence each, through the shared client of the Worker.
    const producers = [0, 1, 2].map(async (p) => {
      for (const v of values.filter((x) => x % 3 === p)) {
        const response = await exports.default.fetch(`${base}/shared-push?name=${name}`, {
          method: 'POST',
          body: JSON.stringify(v),
        });
        expect(response.status).toBe(204);
      }
    });
    const got: number[][] = [[], [], [], []];
    const consumers = got.map(async (mine, c) => {
      for (let i = 0; i < 6; i++) {
        const response = await exports.default.fetch(`${base}/shared-pull?name=${name}&c=${c}`);
        mine.push((await response.json()) as number);
      }
    });
    await Promise.all([...producers, ...consumers]);
    expect(got.flat().sort((a, b) => a - b)).toEqual(values);
    for (const mine of got) {
      for (let p = 0; p < 3; p++) {
        const ofP = mine.filter((v) => v % 3 === p);
        expect(ofP).toEqual([...ofP].sort((a, b) => a - b));
      }
    }
    expect(await durableChannel(env.CHANNELS, name).stats()).toMatchObject({ size: 0, leased: 0 });
  });

  it('several iterators at once share the values (each once) and all end on close', async () => {
    const name = freshName('ab-iterators');
    const client = durableChannel<number>(env.CHANNELS, name, { sliceMs: 200 });
    const seen: number[][] = [[], [], []];
    const loops = seen.map(async (mine) => {
      const own = durableChannel<number>(env.CHANNELS, name, { sliceMs: 200 });
      for await (const value of own) mine.push(value);
    });
    for (let i = 0; i < 30; i++) await client.push(i);
    await until(async () => (await client.stats()).size === 0);
    await client.close();
    await Promise.all(loops); // every loop ends normally
    expect(seen.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const mine of seen) expect(mine).toEqual([...mine].sort((a, b) => a - b));
  });

  it('a close while push and pull requests wait: the pushes fail (nothing stored), the pulls get what was stored, then fail', async () => {
    const name = freshName('ab-close-requests');
    const client = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await client.push('kept', { id: 'kept-id' });
    const pushes = [1, 2].map((i) =>
      exports.default
        .fetch(`${base}/push?name=${name}&id=late-${i}&sliceMs=200`, {
          method: 'POST',
          body: JSON.stringify(`late-${i}`),
        })
        .then(
          (response) => response.status,
          (error: unknown) => String(error),
        ),
    );
    await until(async () => (await client.stats()).waitingPushers === 2);
    await client.close('maintenance');
    // The test Worker lets the ChannelClosedError escape: the fetch rejects with it.
    for (const outcome of await Promise.all(pushes)) expect(outcome).toMatch(/push: channel ".*" is closed/);
    expect(await client.stats()).toMatchObject({ size: 1, closed: true, waitingPushers: 0 });
    const response = await exports.default.fetch(`${base}/pull?name=${name}&withId=1`);
    expect(await response.json()).toMatchObject({ value: 'kept', attempt: 1 });
    const error = await client.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toBe('maintenance');
    // After the close, the retry of a push stored before it resolves (it was delivered, and its
    // id is remembered), the retry of one the close failed fails again.
    const retried = await exports.default.fetch(`${base}/push?name=${name}&id=kept-id`, {
      method: 'POST',
      body: JSON.stringify('kept'),
    });
    expect(retried.status).toBe(204);
    await expect(client.push('late-1', { id: 'late-1' })).rejects.toBeInstanceOf(ChannelClosedError);
    expect((await client.stats()).size).toBe(0);
  });

  it('a push retried after its value was consumed stores nothing (the id is remembered)', async () => {
    const name = freshName('ab-retry-after-consumed');
    const client = durableChannel<string>(env.CHANNELS, name);
    await client.push('once', { id: 'order-7' });
    expect(await client.pull()).toBe('once');
    await client.push('once', { id: 'order-7' }); // the retry of a push whose answer was lost
    expect(await client.tryPull()).toBeUndefined();
    expect(await client.tryPush('once', { id: 'order-7' })).toBe(true);
    expect((await client.stats()).size).toBe(0);
  });
});
