/**
 * Audit BE, durable (BE-P1): a push whose write fails because storage itself is failing — what a
 * deploy's reset does for its grace period ("storage calls fail", RECIPES.md) — must not be
 * reported as a value that cannot be stored (a `TypeError`, which a caller takes for a bad value
 * and does not retry); a value storage refuses still is. Storage is made to fail inside this
 * file's own objects (`runInDurableObject`), never with `abortAllDurableObjects()`, which would
 * reset the objects of the test files running alongside.
 */
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { rawStub } from '../helpers.js';
import { channel, fresh } from './helpers.js';

type Kv = { put(key: string, value: unknown): void; delete(key: string): boolean };
type PushAnswer = { kind: string; message?: string };
type Inside = {
  push(request: unknown): Promise<PushAnswer>;
  $pushWaiters: Map<string, unknown>;
  ctx: { storage: { kv: Kv } };
};

const request = (id: string, value: unknown, wait = true) => ({
  capacity: 1,
  id,
  value,
  wait,
  sliceMs: 1000,
  leaseMs: 1000,
});

/**
 * Runs `body` inside the object of `name` with its storage's `put` replaced by `failing` (given
 * the key and the real put) for the time of `body`.
 */
async function withFailingPut<R>(
  name: string,
  failing: (key: string, value: unknown, put: Kv['put']) => void,
  body: (inside: Inside) => Promise<R>,
): Promise<R> {
  return runInDurableObject(rawStub(name) as never, async (instance: unknown) => {
    const inside = instance as Inside;
    const kv = inside.ctx.storage.kv;
    const put = kv.put.bind(kv);
    kv.put = (key, value) => failing(key, value, put);
    try {
      return await body(inside);
    } finally {
      kv.put = put;
    }
  });
}

/** Replaces the put of `name`'s object as {@link withFailingPut} does, until the returned function restores it. */
async function failPutUntilRestored(
  name: string,
  failing: (key: string, value: unknown, put: Kv['put']) => void,
): Promise<() => Promise<void>> {
  await runInDurableObject(rawStub(name) as never, async (instance: unknown) => {
    const kv = (instance as Inside).ctx.storage.kv;
    const put = kv.put.bind(kv);
    kv.put = (key, value) => failing(key, value, put);
    (kv as { realPut?: Kv['put'] }).realPut = put;
  });
  return () =>
    runInDurableObject(rawStub(name) as never, async (instance: unknown) => {
      const kv = (instance as Inside).ctx.storage.kv as Kv & { realPut?: Kv['put'] };
      if (kv.realPut) kv.put = kv.realPut;
      delete kv.realPut;
    });
}

describe('storage failing under a push (BE-P1)', () => {
  it('a push whose write fails with every write failing throws the platform error, not "invalid"', async () => {
    const name = fresh('storage-down');
    const ch = channel<number>(name, { capacity: 1 });
    await ch.stats(); // the object exists, with capacity 1
    const outage = new Error('storage is failing: the object is being reset');
    const outcome = await withFailingPut(
      name,
      () => {
        throw outage;
      },
      (inside) => inside.push(request('a', 1)).catch((error: unknown) => ({ thrown: error })),
    );
    expect(outcome).toEqual({ thrown: outage });
    expect(await ch.stats()).toMatchObject({ size: 0 });
    // Storage back: the same push, retried, is stored once.
    await ch.push(1);
    expect(await ch.pullMany(5)).toEqual([1]);
  });

  it('a value storage refuses while it takes others is still answered "invalid" (a TypeError for the caller)', async () => {
    const name = fresh('value-refused');
    const ch = channel<number>(name, { capacity: 1 });
    await ch.stats();
    const answer = await withFailingPut(
      name,
      (key, value, put) => {
        if (value === 'refused') throw new Error('DataCloneError: could not be cloned');
        put(key, value);
      },
      (inside) => inside.push(request('b', 'refused')),
    );
    expect(answer).toMatchObject({ kind: 'invalid' });
    expect(answer.message).toMatch(/could not be cloned/);
  });

  it('a waiting push whose write fails with storage failing keeps its place, and is stored once storage is back', async () => {
    const name = fresh('waiter-keeps-place');
    const ch = channel<number>(name, { capacity: 1 });
    await ch.push(1); // full
    const waiting = ch.push(2);
    // The waiting push is parked in the object; a pull frees the room while storage fails.
    await expect
      .poll(async () =>
        runInDurableObject(rawStub(name) as never, async (i: unknown) => (i as Inside).$pushWaiters.size),
      )
      .toBe(1);
    const outage = new Error('storage is failing');
    const restore = await failPutUntilRestored(name, (key, value, put) => {
      if (key.startsWith('chanasync/value/') || key === 'chanasync/probe') throw outage;
      put(key, value);
    });
    try {
      expect(await ch.pull()).toBe(1); // its acknowledgement is not failed for the waiting push
      expect(await ch.stats()).toMatchObject({ size: 0, waitingPushers: 1 });
    } finally {
      await restore();
    }
    await ch.stats(); // a request after storage is back; the pull below also looks again
    // The waiter kept its place: once storage is back, the next look stores it.
    expect(await ch.pull()).toBe(2);
    await waiting;
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });
});
