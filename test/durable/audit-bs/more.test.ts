// Blind acceptance tests (audit BS-durable): further edges — values as structured clone carries
// them, FIFO among waiting pushes of one client, ids of waiting pushes, iterator queues, and
// leased values across a reset.

import { runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Channel, ChannelClosedError } from '../../../src/index.js';
import { fresh, NS, open, until } from './util.js';

describe('values', () => {
  it('errors arrive as the built-in error their name names; a body-less Response keeps its status', async () => {
    const ch = open<unknown>(fresh('mv-values'));
    class MyError extends Error {}
    await ch.push(new TypeError('t'));
    await ch.push(new MyError('m'));
    await ch.push(new Response(null, { status: 204 }));
    const t = await ch.pull();
    expect(t).toBeInstanceOf(TypeError);
    expect((t as Error).message).toBe('t');
    const m = await ch.pull();
    expect(m).toBeInstanceOf(Error);
    expect((m as Error).message).toBe('m');
    const r = (await ch.pull()) as Response;
    expect(r.status).toBe(204);
    await ch.close();
  });

  it('close(undefined) is close(): iteration ends, no cause, as locally', async () => {
    const local = new Channel<number>(1);
    local.close(undefined);
    const ch = open<number>(fresh('mv-undef'));
    await ch.close(undefined);
    for await (const _ of ch) throw new Error('no values expected');
    for await (const _ of local) throw new Error('no values expected');
    const e = await ch.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBeUndefined();
  });
});

describe('waiting pushes of one client', () => {
  it('pushes started together on a full channel are stored in call order', async () => {
    const ch = open<number>(fresh('mv-full-together'), { capacity: 1, sliceMs: 300 });
    await ch.push(0);
    const pending = Promise.all([ch.push(1), ch.push(2), ch.push(3)]);
    await until(async () => (await ch.stats()).waitingPushers === 3);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(await ch.pull());
    await pending;
    expect(got).toEqual([0, 1, 2, 3]);
    await ch.close();
  });

  it('tryPush with the id of a waiting push answers false and stores nothing of its own', async () => {
    const ch = open<string>(fresh('mv-waiting-id'), { capacity: 1, sliceMs: 300 });
    await ch.push('a');
    const waiting = ch.push('w', { id: 'W' });
    await until(async () => (await ch.stats()).waitingPushers === 1);
    expect(await ch.tryPush('other', { id: 'W' })).toBe(false);
    expect(await ch.pull()).toBe('a');
    await waiting;
    expect(await ch.pullWithId()).toEqual({ value: 'w', id: 'W', attempt: 1 });
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
  });

  it('two callers of one waiting push id: one aborts, the other still stores it once', async () => {
    const name = fresh('mv-shared-abort');
    const a = open<string>(name, { capacity: 1, sliceMs: 300 });
    const b = open<string>(name, { capacity: 1, sliceMs: 300 });
    await a.push('first');
    const ac = new AbortController();
    const pa = a.push('v', { id: 'S', signal: ac.signal }).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await until(async () => (await a.stats()).waitingPushers === 1);
    const pb = b.push('v', { id: 'S' });
    await new Promise((r) => setTimeout(r, 50));
    expect((await a.stats()).waitingPushers).toBe(1);
    ac.abort('gone');
    expect(await pa).toBe('gone');
    expect(await a.pull()).toBe('first');
    await pb;
    expect(await a.pullWithId()).toMatchObject({ value: 'v', id: 'S' });
    expect(await a.tryPull()).toBeUndefined();
    await a.close();
  });
});

describe('iterator', () => {
  it('next() calls queued without awaiting, then return(): all answer done, nothing is consumed', async () => {
    const ch = open<number>(fresh('mv-iter-queue'), { sliceMs: 300 });
    const it = ch[Symbol.asyncIterator]();
    const nexts = [it.next(), it.next(), it.next()];
    await until(async () => (await ch.stats()).waitingPullers >= 1);
    await it.return?.();
    for (const n of await Promise.all(nexts)) expect(n.done).toBe(true);
    await until(async () => (await ch.stats()).waitingPullers === 0);
    await ch.push(1);
    expect(await ch.tryPull()).toBe(1);
    await ch.close();
  });
});

describe('leased values across a reset', () => {
  it('come back at the head in the fresh instance, in order, without waiting for the lease', async () => {
    const name = fresh('mv-reset-lease');
    const LONG = 60_000;
    const ac = new AbortController();
    const ch = open<string>(name, { leaseMs: LONG, sliceMs: 300 });
    const request = exports.default
      .fetch(`http://x/pull?name=${encodeURIComponent(name)}&leaseMs=${LONG}&sliceMs=5000`, {
        signal: ac.signal,
      })
      .then(
        () => 'answered',
        () => 'aborted',
      );
    await until(async () => (await ch.stats()).waitingPullers === 1);
    ac.abort();
    expect(await request).toBe('aborted');
    await ch.push('a', { id: 'A' });
    await ch.push('b', { id: 'B' });
    expect(await ch.stats()).toMatchObject({ leased: 1, size: 1 });
    const ns = NS as unknown as { get(id: unknown): never; idFromName(n: string): unknown };
    await runInDurableObject(ns.get(ns.idFromName(name)), (_i, state) => {
      (state as unknown as { abort(r?: string): void }).abort('audit-bs reset');
    }).catch(() => undefined);
    await until(async () => (await ch.stats()).leased === 0, 5000);
    const first = await ch.pullWithId({ signal: AbortSignal.timeout(5000) });
    expect(first).toEqual({ value: 'a', id: 'A', attempt: 2 });
    expect(await ch.pull()).toBe('b');
    await ch.close();
  });
});
