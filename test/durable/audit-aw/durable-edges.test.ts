/**
 * Auditor AW — durable: falsy close reasons, shared waiting push ids, reset while leased.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, observed, resetObject, sleep, until } from '../helpers.js';

const open = <T>(label: string, options?: { capacity?: number; leaseMs?: number; sliceMs?: number }) =>
  durableChannel<T>(env.CHANNELS as any, freshName(label), options as any);

describe('falsy close reasons (a reason other than undefined)', () => {
  for (const reason of [null, 0, false, '']) {
    it(`close(${JSON.stringify(reason)}): for await throws it and pull's ChannelClosedError has it as cause`, async () => {
      const ch = open<number>('falsy', { capacity: 3 });
      await ch.push(1);
      await ch.close(reason);
      const got: number[] = [];
      let thrown: unknown = 'none';
      try {
        for await (const v of ch) got.push(v);
      } catch (e) {
        thrown = e;
      }
      expect(got).toEqual([1]);
      expect(thrown).toBe(reason);
      const e = await ch.pull().catch((x) => x);
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toBe(reason);
    });
  }

  it('close(undefined) explicitly: for await ends normally', async () => {
    const ch = open<number>('undef-reason', { capacity: 3 });
    await ch.close(undefined);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([]);
  });
});

describe('one push id, several callers', () => {
  it('two waiting pushes with the same id on a full channel: stored once, both resolve', async () => {
    const ch = open<string>('shared-id-wait', { capacity: 1 });
    await ch.push('head');
    const a = ch.push('v', { id: 'same' });
    const b = ch.push('v', { id: 'same' });
    await sleep(100);
    expect(await ch.pull()).toBe('head');
    await Promise.all([a, b]);
    await sleep(50);
    const st = await ch.stats();
    expect(st.size).toBe(1);
    expect(await ch.pull()).toBe('v');
    expect(await ch.tryPull()).toBeUndefined();
  });
});

describe('reset while leased', () => {
  it('a value leased when the object resets comes back with the same delivery id and a higher attempt', async () => {
    const name = freshName('reset-lease');
    const { namespace } = observed({ ack: () => new Promise(() => {}) });
    const stuck = durableChannel<string>(namespace as any, name, { leaseMs: 60_000 } as any);
    const good = durableChannel<string>(env.CHANNELS as any, name);
    await good.push('only', { id: 'the-id' });
    void stuck.pullWithId().catch(() => {});
    await until(async () => (await good.stats()).leased === 1);
    await resetObject(name);
    const d = await Promise.race([good.pullWithId(), sleep(5000).then(() => 'hang' as const)]);
    expect(d).not.toBe('hang');
    if (d === 'hang') return;
    expect(d.value).toBe('only');
    expect(d.id).toBe('the-id');
    expect(d.attempt).toBeGreaterThanOrEqual(2);
  });
});

describe('durable close + waiting pull ordering', () => {
  it('close while a pull waits and values leased elsewhere: the waiting pull gets a leased value that comes back, not ChannelClosedError', async () => {
    // SPEC: buffered values stay readable, then pulls reject. A value leased and returned must be readable after close.
    const name = freshName('close-leased');
    const { namespace } = observed({ ack: () => new Promise(() => {}) });
    // A lease long enough that the poll below sees it on a loaded machine: with 300 ms, a CI run
    // whose stats() calls took longer than that missed the one moment it was leased (2026-12-06).
    const stuck = durableChannel<string>(namespace as any, name, { leaseMs: 2000 } as any);
    const good = durableChannel<string>(env.CHANNELS as any, name, { leaseMs: 2000 } as any);
    await good.push('x');
    void stuck.pull().catch(() => {});
    await until(async () => (await good.stats()).leased === 1);
    await good.close();
    const r = await good.pull().then(
      (v) => v,
      (e) => e,
    );
    expect(r).toBe('x');
    const e = await good.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
  });
});
