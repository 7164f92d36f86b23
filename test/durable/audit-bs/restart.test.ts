// Blind acceptance tests (audit BS-durable): what survives an object reset (SPEC: "survives
// eviction, restarts and deploys"; "a closed channel stays closed across restarts").
// The reset is `ctx.abort()` inside the channel's object (runInDurableObject).
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ChannelClosedError } from '../../../src/index.js';
import { fresh, NS, open, rejection, until } from './util.js';

type Stub = Parameters<typeof runInDurableObject>[0];
const MARK = Symbol.for('audit-bs-instance');

function stubOf(name: string): Stub {
  const ns = NS as unknown as { get(id: unknown): Stub; idFromName(n: string): unknown };
  return ns.get(ns.idFromName(name));
}

/** Resets the channel's object and checks that a fresh instance answers afterwards. */
async function reset(name: string): Promise<void> {
  await runInDurableObject(stubOf(name), (instance) => {
    (instance as unknown as Record<symbol, boolean>)[MARK] = true;
  });
  await runInDurableObject(stubOf(name), (_instance, state) => {
    (state as unknown as { abort(reason?: string): void }).abort('audit-bs reset');
  }).catch(() => undefined);
  const marked = await runInDurableObject(
    stubOf(name),
    (instance) => (instance as unknown as Record<symbol, boolean>)[MARK] === true,
  );
  expect(marked).toBe(false);
}

describe('across an object reset', () => {
  it('stored values survive, in order, with their ids', async () => {
    const name = fresh('rs-values');
    const ch = open<string>(name);
    await ch.push('a', { id: 'A' });
    await ch.push('b', { id: 'B' });
    await ch.push('c', { id: 'C' });
    await reset(name);
    expect(await ch.stats()).toMatchObject({ size: 3, leased: 0 });
    expect(await ch.pullWithId()).toEqual({ value: 'a', id: 'A', attempt: 1 });
    expect(await ch.pullMany(5)).toEqual(['b', 'c']);
    await ch.close();
  });

  it('a closed channel stays closed, with its reason, and keeps its remaining values', async () => {
    const name = fresh('rs-closed');
    const ch = open<number>(name);
    await ch.push(1);
    await ch.close({ why: 'done' });
    await reset(name);
    expect((await ch.stats()).closed).toBe(true);
    await expect(ch.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe(1);
    const e = (await rejection(ch.pull())) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toEqual({ why: 'done' });
  });

  it('the capacity stays fixed', async () => {
    const name = fresh('rs-cap');
    await open<number>(name, { capacity: 2 }).push(1);
    await reset(name);
    await expect(open<number>(name, { capacity: 3 }).push(2)).rejects.toBeInstanceOf(RangeError);
    const same = open<number>(name, { capacity: 2 });
    expect(await same.tryPush(2)).toBe(true);
    expect(await same.tryPush(3)).toBe(false);
    await same.close();
  });

  it('push ids are still remembered: a retry after the reset stores nothing', async () => {
    const name = fresh('rs-idem');
    const ch = open<string>(name);
    await ch.push('once', { id: 'K1' });
    await ch.push('consumed', { id: 'K2' });
    await reset(name);
    await ch.push('once', { id: 'K1' });
    expect(await ch.pull()).toBe('once');
    expect(await ch.pull()).toBe('consumed');
    await reset(name);
    await ch.push('consumed', { id: 'K2' });
    await ch.push('once', { id: 'K1' });
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
  });

  it('a pull waiting through a reset still gets the next value, exactly once', async () => {
    const name = fresh('rs-waitpull');
    const ch = open<string>(name, { sliceMs: 300, leaseMs: 1000 });
    const pending = ch.pull({ signal: AbortSignal.timeout(15_000) });
    await until(async () => (await ch.stats()).waitingPullers === 1);
    await reset(name);
    await open<string>(name).push('after');
    expect(await pending).toBe('after');
    await until(async () => {
      const s = await ch.stats();
      return s.leased === 0 && s.waitingPullers === 0;
    });
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
  });

  it('a push waiting for room through a reset is stored exactly once', async () => {
    const name = fresh('rs-waitpush');
    const ch = open<string>(name, { capacity: 1, sliceMs: 300, leaseMs: 1000 });
    await ch.push('first');
    const pending = ch.push('second');
    await until(async () => (await ch.stats()).waitingPushers === 1);
    await reset(name);
    expect(await ch.pull({ signal: AbortSignal.timeout(15_000) })).toBe('first');
    await pending;
    expect(await ch.pull({ signal: AbortSignal.timeout(15_000) })).toBe('second');
    expect(await ch.tryPull()).toBeUndefined();
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
    await ch.close();
  });
});
