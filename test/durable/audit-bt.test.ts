/**
 * Audit BT (durable): a push id reused after the window in which ids are remembered is a new
 * value, also before a later push purged the expired row; `stats()` comes after the operations
 * made before it in the same synchronous run, as a local channel's does.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { ChannelClosedError } from '../../src/errors.js';
import { agePushIds, freshName, resetObject, until } from './helpers.js';

/** Eleven minutes pass for the object's memory of push ids (and for its last purge). */
const elevenMinutesLater = (name: string) => agePushIds(name, 11);

describe('a push id reused after 10 minutes, with no push in between to purge it', () => {
  test('stores the new value (push and tryPush), after a restart too', async () => {
    const name = freshName('bt-reuse');
    const ch = durableChannel<string>(env.CHANNELS, name);
    await ch.push('monday', { id: 'weekly-report' });
    expect(await ch.pull()).toBe('monday');
    await elevenMinutesLater(name);
    await ch.push('next monday', { id: 'weekly-report' });
    expect(await ch.tryPull()).toBe('next monday');
    await elevenMinutesLater(name);
    await resetObject(name);
    expect(await ch.tryPush('a monday later', { id: 'weekly-report' })).toBe(true);
    expect(await ch.tryPull()).toBe('a monday later');
  });

  test('a producer that pushes one fixed id every 11 minutes stores every value', async () => {
    const name = freshName('bt-periodic');
    const ch = durableChannel<number>(env.CHANNELS, name);
    const got: (number | undefined)[] = [];
    for (let round = 1; round <= 3; round++) {
      await ch.push(round, { id: 'heartbeat' });
      got.push(await ch.tryPull());
      await elevenMinutesLater(name);
    }
    expect(got).toEqual([1, 2, 3]);
  });

  test('on a closed channel rejects with ChannelClosedError; on a full one waits for room', async () => {
    const closed = freshName('bt-reuse-closed');
    const ch = durableChannel<string>(env.CHANNELS, closed);
    await ch.push('old', { id: 'k' });
    expect(await ch.pull()).toBe('old');
    await elevenMinutesLater(closed);
    await ch.close();
    await expect(ch.push('new', { id: 'k' })).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.tryPush('new', { id: 'k' })).toBe(false);

    const full = freshName('bt-reuse-full');
    const small = durableChannel<string>(env.CHANNELS, full, { capacity: 1 });
    await small.push('old', { id: 'k' });
    expect(await small.pull()).toBe('old');
    await small.push('filler', { id: 'filler' });
    await elevenMinutesLater(full);
    const reuse = small.push('new', { id: 'k' });
    await until(async () => (await small.stats()).waitingPushers === 1);
    expect(await small.pull()).toBe('filler');
    await reuse;
    expect(await small.tryPull()).toBe('new');
  });

  test('within the window a retry is still stored once, though its value was consumed', async () => {
    const name = freshName('bt-retry');
    const ch = durableChannel<string>(env.CHANNELS, name);
    await ch.push('once', { id: 'r' });
    expect(await ch.pull()).toBe('once');
    await ch.push('once', { id: 'r' });
    expect(await ch.stats()).toMatchObject({ size: 0 });
  });
});

describe('stats() in the same synchronous run as other operations', () => {
  test('push(1); stats() sees the value; push(1); close(); stats() sees it closed with it', async () => {
    const ch = durableChannel<number>(env.CHANNELS, freshName('bt-run-stats'));
    const pushed = ch.push(1);
    const stats = ch.stats();
    await pushed;
    expect(await stats).toMatchObject({ size: 1, closed: false });

    const other = durableChannel<number>(env.CHANNELS, freshName('bt-run-close-stats'));
    const results = Promise.all([other.push(1), other.close(), other.stats()]);
    const [, , seen] = await results;
    expect(seen).toMatchObject({ size: 1, closed: true });
  });
});
