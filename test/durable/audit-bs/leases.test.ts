// Blind acceptance tests (audit BS-durable): leases and redelivery, made by a request that goes
// away while its pull waits (test/durable/worker.ts's `GET /pull`), as a real client would.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ChannelClosedError } from '../../../src/index.js';
import { fresh, open, rejection, until } from './util.js';

const LEASE = 800;

/** Parks a pull in a request, then makes the request go away: its place holds for `LEASE` ms. */
async function vanishedPuller(name: string, capacity?: number): Promise<void> {
  const ac = new AbortController();
  const ch = open<unknown>(name, { leaseMs: LEASE, sliceMs: 5000, ...(capacity ? { capacity } : {}) });
  const before = (await ch.stats()).waitingPullers;
  const request = exports.default
    .fetch(`http://x/pull?withId=1&name=${encodeURIComponent(name)}&leaseMs=${LEASE}&sliceMs=5000`, {
      signal: ac.signal,
    })
    .then(
      () => 'answered',
      () => 'aborted',
    );
  await until(async () => (await ch.stats()).waitingPullers === before + 1);
  ac.abort();
  expect(await request).toBe('aborted');
}

describe('a value handed to a caller that went away', () => {
  it('goes back to the head after the lease, with the same id and attempt 2, ahead of later values', async () => {
    const name = fresh('lease-head');
    await vanishedPuller(name);
    const ch = open<string>(name, { leaseMs: LEASE });
    await ch.push('a', { id: 'id-a' });
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 1 });
    // Leased values are not ready: tryPull / tryPullMany do not see them.
    await ch.push('b');
    await ch.push('c');
    expect(await ch.tryPullMany(10)).toEqual(['b', 'c']);
    await ch.push('d');
    await until(async () => (await ch.stats()).leased === 0);
    expect(await ch.stats()).toMatchObject({ size: 2, leased: 0 });
    expect(await ch.pullWithId()).toEqual({ value: 'a', id: 'id-a', attempt: 2 });
    expect(await ch.pull()).toBe('d');
    await ch.close();
  });

  it('a live pull that waits meanwhile gets it when the lease ends', async () => {
    const name = fresh('lease-live');
    await vanishedPuller(name);
    const ch = open<string>(name, { leaseMs: LEASE, sliceMs: 300 });
    await ch.push('x', { id: 'x' });
    const d = await ch.pullWithId({ signal: AbortSignal.timeout(10_000) });
    expect(d).toEqual({ value: 'x', id: 'x', attempt: 2 });
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
    await ch.close();
  });

  it('close with a leased value: pulls wait for it, get it, then reject with the reason', async () => {
    const name = fresh('lease-close');
    await vanishedPuller(name);
    const ch = open<string>(name, { leaseMs: LEASE, sliceMs: 300 });
    await ch.push('kept');
    await ch.close('over');
    expect(await ch.stats()).toMatchObject({ closed: true, leased: 1, size: 0 });
    // Not closed-and-drained yet: tryPull answers undefined, a pull waits.
    expect(await ch.tryPull()).toBeUndefined();
    expect(await ch.pull({ signal: AbortSignal.timeout(10_000) })).toBe('kept');
    const e = (await rejection(ch.pull())) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('over');
  });

  it('iteration over a closed channel with a leased value still yields it', async () => {
    const name = fresh('lease-iter');
    await vanishedPuller(name);
    const ch = open<string>(name, { leaseMs: LEASE, sliceMs: 300 });
    await ch.push('v1');
    await ch.push('v2');
    await ch.close();
    const got: string[] = [];
    for await (const v of ch) got.push(v);
    expect(got.sort()).toEqual(['v1', 'v2']);
  });

  it('leased values count against the capacity until the lease ends and the value is read', async () => {
    const name = fresh('lease-cap');
    await vanishedPuller(name, 1);
    const ch = open<string>(name, { capacity: 1, leaseMs: LEASE, sliceMs: 300 });
    await ch.push('a');
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 1 });
    expect(await ch.tryPush('b')).toBe(false);
    const waiting = ch.push('b');
    await until(async () => (await ch.stats()).waitingPushers === 1);
    expect(await ch.pull({ signal: AbortSignal.timeout(10_000) })).toBe('a');
    await waiting;
    expect(await ch.pull()).toBe('b');
    await ch.close();
  });

  it('the vanished puller stays counted in waitingPullers for at most about leaseMs', async () => {
    const name = fresh('lease-place');
    await vanishedPuller(name);
    const ch = open<string>(name, { leaseMs: LEASE });
    expect((await ch.stats()).waitingPullers).toBe(1);
    await until(async () => (await ch.stats()).waitingPullers === 0, 10_000);
    // Nothing is leased to it once its place is gone.
    await ch.push('z');
    expect(await ch.tryPull()).toBe('z');
    await ch.close();
  });
});
