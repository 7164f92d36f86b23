/**
 * Auditor AW — durable: a pullMany batch whose acknowledgement never comes.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, observed, sleep, until } from '../helpers.js';

describe('pullMany under one lease', () => {
  it('an unacknowledged batch of 3 comes back at the head, in order, ahead of later pushes, with attempt 2', async () => {
    const name = freshName('many-lease');
    const { namespace } = observed({ ack: () => new Promise(() => {}) });
    // Leases of 1.5 s: the polls below must see the lease while it lasts, also on a loaded CI
    // machine (with 300 ms, one CI run's poll never saw it: "until: condition not met").
    const stuck = durableChannel<number>(namespace as any, name, { leaseMs: 1500 } as any);
    const good = durableChannel<number>(env.CHANNELS as any, name, { leaseMs: 1500 } as any);
    for (let i = 0; i < 4; i++) await good.push(i, { id: `id-${i}` });
    void stuck.pullMany(3).catch(() => {});
    await until(async () => (await good.stats()).leased === 3);
    await good.push(4, { id: 'id-4' });
    expect(await good.stats()).toMatchObject({ size: 2, leased: 3 });
    // The lease ends: the batch comes back at the head.
    await until(async () => (await good.stats()).leased === 0);
    const ds = [];
    for (let i = 0; i < 5; i++) ds.push(await good.pullWithId());
    expect(ds.map((d) => d.value)).toEqual([0, 1, 2, 3, 4]);
    expect(ds.map((d) => d.id)).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
    expect(ds.map((d) => d.attempt)).toEqual([2, 2, 2, 1, 1]);
  });

  it('a capacity-2 channel with 2 values leased by a vanished pull: a push waits, then is stored when the lease ends', async () => {
    const name = freshName('lease-room');
    const { namespace } = observed({ ack: () => new Promise(() => {}) });
    const stuck = durableChannel<number>(namespace as any, name, { capacity: 2, leaseMs: 1500 } as any);
    const good = durableChannel<number>(env.CHANNELS as any, name, { capacity: 2, leaseMs: 1500 } as any);
    await good.push(1);
    await good.push(2);
    void stuck.pullMany(2).catch(() => {});
    await until(async () => (await good.stats()).leased === 2);
    let stored = false;
    const p = good.push(3).then(() => (stored = true));
    await sleep(150);
    expect(stored).toBe(false);
    // the lease ends: values come back, channel still full: the push keeps waiting
    await until(async () => {
      const stats = await good.stats();
      return stats.leased === 0 && stats.size === 2;
    });
    await sleep(50);
    expect(stored).toBe(false);
    expect(await good.pull()).toBe(1);
    await p;
    expect(await good.pullMany(5)).toEqual([2, 3]);
  });
});
