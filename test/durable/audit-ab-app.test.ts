/**
 * Audit AB: chanasync/durable used as a Workers application uses it — many concurrent requests,
 * retries, object resets, slices — inside workerd (vitest-pool-workers, test/durable/worker.ts).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { DurableChannelStats } from '../../src/durable/index.js';
import { durableChannel } from '../../src/durable/index.js';
import { ChannelClosedError } from '../../src/errors.js';
import {
  freshName,
  observed,
  pause,
  rawLimits,
  rawStub,
  resetFlagged,
  resetObject,
  timerCount,
  until,
} from './helpers.js';

const base = 'http://worker.test';

/** The invariants every stats() answer must satisfy. */
function checkStats(stats: DurableChannelStats, capacity: number): void {
  expect(stats.capacity).toBe(capacity);
  expect(stats.size).toBeGreaterThanOrEqual(0);
  expect(stats.leased).toBeGreaterThanOrEqual(0);
  expect(stats.size + stats.leased).toBeLessThanOrEqual(capacity);
  // Ready values and waiting pulls never coexist; waiting pushes only while full.
  if (stats.waitingPullers > 0) expect(stats.size).toBe(0);
  if (stats.waitingPushers > 0 && !stats.closed) expect(stats.size + stats.leased).toBe(capacity);
}

describe('audit AB: producers and consumers in separate requests', () => {
  for (const capacity of [1, 10, Infinity]) {
    it(`capacity ${capacity}: 4 producers × 12 values, 3 consumers (pull, pullMany, tryPull): each id once, FIFO per producer per consumer, stats consistent`, async () => {
      const name = freshName(`ab-pc-${capacity}`);
      const setup = durableChannel<string>(env.CHANNELS, name, { capacity });
      await setup.stats(); // fixes the capacity
      const producers = 4;
      const perProducer = 12;
      const total = producers * perProducer;
      let delivered = 0;
      let stop = false;
      const statsSeen: DurableChannelStats[] = [];
      const watcher = (async () => {
        while (!stop) {
          statsSeen.push(await setup.stats());
          await pause(5);
        }
      })();
      const produce = async (p: number) => {
        for (let k = 0; k < perProducer; k++) {
          const value = `${p}:${k}`;
          if (k % 4 === 3) {
            // tryPush in the mix: retried (same id) until it finds room.
            const client = durableChannel<string>(env.CHANNELS, name);
            while (!(await client.tryPush(value, { id: value }))) await pause(5);
            continue;
          }
          const response = await exports.default.fetch(`${base}/push?name=${name}&id=${encodeURIComponent(value)}`, {
            method: 'POST',
            body: JSON.stringify(value),
          });
          expect(response.status).toBe(204);
        }
      };
      const got: { consumer: number; id: string; value: string; attempt: number }[] = [];
      const consume = async (c: number) => {
        const client = durableChannel<string>(env.CHANNELS, name);
        while (delivered < total) {
          if (c === 0) {
            // A request per pull.
            const ac = new AbortController();
            const timer = setTimeout(() => ac.abort(), 2000);
            try {
              const response = await exports.default.fetch(
                `${base}/pull?name=${name}&withId=1&sliceMs=300&leaseMs=3000`,
                {
                  signal: ac.signal,
                },
              );
              const body = (await response.json()) as { value: string; id: string; attempt: number };
              got.push({ consumer: c, ...body });
              delivered++;
            } catch {
              // timed out with nothing left: loop checks delivered
            } finally {
              clearTimeout(timer);
            }
          } else if (c === 1) {
            try {
              const batch = await client.pullMany(5, { signal: AbortSignal.timeout(500) });
              for (const value of batch) got.push({ consumer: c, id: value, value, attempt: 0 });
              delivered += batch.length;
            } catch (error) {
              expect((error as Error).name).toBe('TimeoutError');
            }
          } else {
            const value = await client.tryPull();
            if (value === undefined) await pause(10);
            else {
              got.push({ consumer: c, id: value, value, attempt: 0 });
              delivered++;
            }
          }
        }
      };
      await Promise.all([
        ...Array.from({ length: producers }, (_, p) => produce(p)),
        ...Array.from({ length: 3 }, (_, c) => consume(c)),
      ]);
      stop = true;
      await watcher;
      // Exactly once.
      expect(got.length).toBe(total);
      expect(new Set(got.map((g) => g.value)).size).toBe(total);
      for (const g of got) {
        expect(g.id).toBe(g.value);
        // A request whose 2 s timer aborted it after its pull was handed a value (a loaded
        // machine) is a caller that vanished: the value comes back after the lease with attempt 2.
        if (g.attempt !== 0) expect(g.attempt).toBeGreaterThanOrEqual(1);
      }
      // FIFO per producer, as each consumer saw them.
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < producers; p++) {
          const ks = got
            .filter((g) => g.consumer === c && g.value.startsWith(`${p}:`))
            .map((g) => Number(g.value.split(':')[1]));
          expect(ks).toEqual([...ks].sort((a, b) => a - b));
        }
      }
      for (const stats of statsSeen) checkStats(stats, capacity);
      const last = await setup.stats();
      expect(last).toMatchObject({ size: 0, leased: 0, waitingPushers: 0, closed: false });
      await setup.close();
    });
  }

  it('parked pulls from different requests are served in the order they parked, across slices', async () => {
    const name = freshName('ab-fifo-pull');
    const order: number[] = [];
    const pulls: Promise<void>[] = [];
    const client = durableChannel<number>(env.CHANNELS, name, { sliceMs: 150, leaseMs: 3000 });
    for (let i = 0; i < 4; i++) {
      // Each pull from its own client (as from its own request), parked one after the other.
      const own = durableChannel<number>(env.CHANNELS, name, { sliceMs: 150 + 40 * i, leaseMs: 3000 });
      pulls.push(own.pull().then((value) => void order.push(i * 100 + value)));
      await until(async () => (await client.stats()).waitingPullers === i + 1);
    }
    await pause(700); // several slices each
    expect((await client.stats()).waitingPullers).toBe(4);
    for (let v = 0; v < 4; v++) await client.push(v);
    await Promise.all(pulls);
    expect(order.sort((a, b) => a - b)).toEqual([0, 101, 202, 303]);
  });

  it('parked pushes on a full channel are stored in the order they parked, across slices', async () => {
    const name = freshName('ab-fifo-push');
    const client = durableChannel<string>(env.CHANNELS, name, { capacity: 1, sliceMs: 150, leaseMs: 3000 });
    await client.push('first');
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < 4; i++) {
      const own = durableChannel<string>(env.CHANNELS, name, { sliceMs: 120 + 50 * i, leaseMs: 3000 });
      pushes.push(own.push(`p${i}`));
      await until(async () => (await client.stats()).waitingPushers === i + 1);
    }
    await pause(700);
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(await client.pull());
    await Promise.all(pushes);
    expect(got).toEqual(['first', 'p0', 'p1', 'p2', 'p3']);
  });
});

describe('audit AB: failures', () => {
  it('a pull whose caller vanished after the hand-out: the lease ends, the value returns to the head, a parked pull gets it with the same id and attempt 2', async () => {
    const name = freshName('ab-vanish');
    const client = durableChannel<string>(env.CHANNELS, name);
    await client.push('a', { id: 'id-a' });
    await client.push('b', { id: 'id-b' });
    // A caller that got the value and vanished before acknowledging it (its lease long enough
    // for the pull below to come first on a loaded machine).
    const raw = await rawStub(name).pull({ ...rawLimits(2000), ticket: 'vanished', max: 1 });
    expect(raw).toMatchObject({ kind: 'values', deliveries: [{ id: 'id-a', attempt: 1 }] });
    const first = await client.pullWithId();
    expect(first).toEqual({ value: 'b', id: 'id-b', attempt: 1 });
    // A pull parked now: the lease of 'a' ends while it waits (the alarm, not another call).
    const second = await client.pullWithId({ signal: AbortSignal.timeout(10_000) });
    expect(second).toEqual({ value: 'a', id: 'id-a', attempt: 2 });
    expect(await client.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  it('a pull whose signal aborts after the object handed it a value: back at the head at once, redelivered with the same id', async () => {
    const name = freshName('ab-abort-after');
    const ac = new AbortController();
    const { namespace } = observed({
      pull: async (real) => {
        const answer = await real();
        ac.abort(new Error('client gone'));
        return answer;
      },
    });
    const setup = durableChannel<number>(env.CHANNELS, name);
    await setup.push(1, { id: 'one' });
    await setup.push(2, { id: 'two' });
    const client = durableChannel<number>(namespace, name);
    await expect(client.pull({ signal: ac.signal })).rejects.toThrow('client gone');
    expect(await setup.stats()).toMatchObject({ size: 2, leased: 0 });
    // Withdrawn before it reached a caller: the hand-out does not count (audit BS-durable-1).
    expect(await setup.pullWithId()).toEqual({ value: 1, id: 'one', attempt: 1 });
    expect(await setup.pullWithId()).toEqual({ value: 2, id: 'two', attempt: 1 });
  });

  it('an object reset after the push was stored and before it answered: the retried push (same id) is stored once', async () => {
    const name = freshName('ab-reset-push');
    let resets = 0;
    const { namespace } = observed({
      push: async (real) => {
        const answer = await real();
        if (resets++ === 0) {
          await resetObject(name);
          throw Object.assign(new Error('Durable Object reset'), { durableObjectReset: true });
        }
        return answer;
      },
    });
    const client = durableChannel<string>(namespace, name);
    await client.push('x', { id: 'only-once' });
    await client.push('y');
    expect(resets).toBe(3);
    const plain = durableChannel<string>(env.CHANNELS, name);
    expect(await plain.stats()).toMatchObject({ size: 2 });
    expect(await plain.pullMany(10)).toEqual(['x', 'y']);
  });

  it('a restart with buffered values and a closed channel: still closed, values readable in order, then the reason', async () => {
    const name = freshName('ab-restart-closed');
    const client = durableChannel<number>(env.CHANNELS, name, { capacity: 5 });
    for (let i = 1; i <= 3; i++) await client.push(i);
    // One value handed out and never acknowledged when the object resets.
    await rawStub(name).pull({ ...rawLimits(60_000), ticket: 'lost-in-reset', max: 1 });
    await client.close(new Error('shutting down'));
    await resetObject(name);
    const after = durableChannel<number>(resetFlagged(), name);
    expect(await after.stats()).toMatchObject({ closed: true, size: 3, leased: 0, capacity: 5 });
    await expect(after.push(9)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await after.tryPush(9)).toBe(false);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of after) seen.push(value);
      })(),
    ).rejects.toThrow('shutting down');
    expect(seen).toEqual([1, 2, 3]);
    const error = await after.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(((error as ChannelClosedError).cause as Error).message).toBe('shutting down');
  });
});

describe("audit AB: one client's waiters across a reset", () => {
  it("pushes made together on a full channel and pulls made together on an empty one keep the client's order after the object resets", async () => {
    const name = freshName('ab-reset-order');
    const client = durableChannel<string>(resetFlagged(), name, { capacity: 1, sliceMs: 2000, leaseMs: 5000 });
    await client.push('head');
    const pushes = ['a', 'b', 'c'].map((v) => client.push(v));
    await until(async () => (await client.stats()).waitingPushers === 3);
    await resetObject(name);
    // The retried pushes reach the fresh instance in any order; the client's order holds.
    await until(async () => (await client.stats()).waitingPushers === 3);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await client.pull());
    await Promise.all(pushes);
    expect(got).toEqual(['head', 'a', 'b', 'c']);

    const pulls = [0, 1, 2].map(() => client.pull());
    await until(async () => (await client.stats()).waitingPullers === 3);
    await resetObject(name);
    await until(async () => (await client.stats()).waitingPullers === 3);
    for (const v of ['x', 'y', 'z']) await client.push(v);
    expect(await Promise.all(pulls)).toEqual(['x', 'y', 'z']);
  });
});

describe('audit AB: close', () => {
  it('waiters parked at close: pushes reject, pulls reject once drained, buffered values stay readable', async () => {
    const name = freshName('ab-close-waiters');
    const client = durableChannel<number>(env.CHANNELS, name, { capacity: 2, sliceMs: 200 });
    await client.push(1);
    await client.push(2);
    const parkedPush = client.push(3).catch((e: unknown) => e);
    await until(async () => (await client.stats()).waitingPushers === 1);
    await client.close('done');
    const pushError = await parkedPush;
    expect(pushError).toBeInstanceOf(ChannelClosedError);
    expect((pushError as ChannelClosedError).cause).toBe('done');
    expect(await client.pullMany(10)).toEqual([1, 2]);
    const other = durableChannel<number>(env.CHANNELS, name);
    await expect(other.pull()).rejects.toBeInstanceOf(ChannelClosedError);

    const name2 = freshName('ab-close-pullers');
    const c2 = durableChannel<number>(env.CHANNELS, name2, { sliceMs: 150 });
    const parked = [c2.pull(), c2.pullMany(3), c2.pullWithId()].map((p) => p.catch((e: unknown) => e));
    await until(async () => (await c2.stats()).waitingPullers === 3);
    await pause(400); // across slices
    await c2.close();
    for (const outcome of await Promise.all(parked)) {
      expect(outcome).toBeInstanceOf(ChannelClosedError);
      expect((outcome as ChannelClosedError).cause).toBeUndefined();
    }
    expect(await c2.stats()).toMatchObject({ waitingPullers: 0, closed: true });
  });

  it('a close reason that is a DOMException reaches the caller with its name (cause), and for-await throws it', async () => {
    const name = freshName('ab-close-reason');
    const client = durableChannel<number>(env.CHANNELS, name);
    await client.push(7);
    const ac = new AbortController();
    ac.abort();
    await client.close(ac.signal.reason);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const value of client) seen.push(value);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([7]);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });
});

describe('audit AB: capacity and arguments', () => {
  it('the first call fixes the capacity; a different one is a RangeError naming both; no capacity accepts it', async () => {
    const name = freshName('ab-cap');
    const a = durableChannel<number>(env.CHANNELS, name, { capacity: 3 });
    await a.push(1);
    const b = durableChannel<number>(env.CHANNELS, name, { capacity: 4 });
    for (const op of [() => b.push(2), () => b.pull(), () => b.tryPull(), () => b.stats(), () => b.close()]) {
      const error = await op().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect(String(error)).toMatch(/capacity 3.*asked for 4/);
    }
    const c = durableChannel<number>(env.CHANNELS, name);
    expect((await c.stats()).capacity).toBe(3);
    expect((await a.stats()).closed).toBe(false); // b's close did nothing
    expect(() => durableChannel(env.CHANNELS, name, { capacity: 0 })).toThrow(RangeError);
    expect(() => durableChannel(env.CHANNELS, '')).toThrow(TypeError);
    expect(() => durableChannel(env.CHANNELS, name, { sliceMs: -1 })).toThrow(RangeError);
    await expect(a.pullMany(0)).rejects.toThrow(RangeError);
    await expect(a.push(1, { id: '' })).rejects.toThrow(TypeError);
  });
});

describe('audit AB: slices and hibernation', () => {
  it('once nothing waits, the object keeps no alarm due later and no timer', async () => {
    const name = freshName('ab-idle');
    const client = durableChannel<number>(env.CHANNELS, name, { sliceMs: 100, leaseMs: 400 });
    const pulled = client.pull();
    await pause(350); // a few slices: the waiter goes away between them
    await client.push(1);
    expect(await pulled).toBe(1);
    // After the last place or lease could have ended, the alarm has fired or is gone.
    await until(
      async () => (await runInDurableObject(rawStub(name), (_instance, state) => state.storage.getAlarm())) === null,
      10_000,
    );
    expect(await client.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, waitingPushers: 0 });
  });
  it('waiters that were served, withdrawn or failed by close leave no slice timer behind', async () => {
    const timers = timerCount();
    try {
      const name = freshName('ab-timers');
      const client = durableChannel<number>(env.CHANNELS, name, { capacity: 1, sliceMs: 20_000 });
      const ac = new AbortController();
      const aborted = [client.pull({ signal: ac.signal }), client.pullMany(3, { signal: ac.signal })].map((p) =>
        p.catch((e: unknown) => e),
      );
      const served = client.pull();
      await until(async () => (await client.stats()).waitingPullers === 3);
      // Made together, their first calls went as one, which parks them for no slice; each then
      // waits in a call of its own, with its slice timer: wait for those calls to arrive.
      await until(() => timers.pending() >= 3);
      ac.abort(new Error('stop'));
      for (const outcome of await Promise.all(aborted)) expect((outcome as Error).message).toBe('stop');
      await client.push(1);
      expect(await served).toBe(1);
      await client.push(2);
      const failed = client.push(3).catch((e: unknown) => e);
      await until(async () => (await client.stats()).waitingPushers === 1);
      await client.close();
      expect(await failed).toBeInstanceOf(ChannelClosedError);
      await until(() => timers.pending() === 0, 5000);
    } finally {
      timers.restore();
    }
  });

  it('a waiter whose caller vanished between two slices is forgotten by the alarm alone (no request needed), leaving no alarm', async () => {
    const name = freshName('ab-vanished-waiter');
    const stub = rawStub(name);
    // One slice of a pull, never called again: its caller vanished between two slices.
    // (Its place kept 2 s: long enough to be seen below on a loaded machine.)
    expect(
      await stub.pull({ capacity: null, wait: true, sliceMs: 150, leaseMs: 2000, ticket: 'gone', max: 1 }),
    ).toEqual({
      kind: 'again',
    });
    type Inside = { $pullWaiters: Map<string, unknown> };
    const inside = () =>
      runInDurableObject(stub, async (instance, state) => ({
        waiting: (instance as unknown as Inside).$pullWaiters.size,
        alarm: await state.storage.getAlarm(),
      }));
    expect((await inside()).waiting).toBe(1); // its place is kept for leaseMs
    await until(async () => {
      const now = await inside();
      return now.waiting === 0 && now.alarm === null;
    }, 10_000);
  });
});

describe('audit AB: iteration', () => {
  it('break releases nothing held and consumes nothing more; an iterator returned mid-pull gives the value back', async () => {
    const name = freshName('ab-iter');
    const client = durableChannel<number>(env.CHANNELS, name);
    for (let i = 0; i < 5; i++) await client.push(i);
    const seen: number[] = [];
    for await (const value of client) {
      seen.push(value);
      if (value === 1) break;
    }
    expect(seen).toEqual([0, 1]);
    expect(await client.stats()).toMatchObject({ size: 3, leased: 0 });
    // An iterator whose next() waits on an empty channel, returned while it waits.
    const empty = durableChannel<number>(env.CHANNELS, freshName('ab-iter-empty'), { sliceMs: 100 });
    const iterator = empty[Symbol.asyncIterator]();
    const pending = iterator.next();
    await until(async () => (await empty.stats()).waitingPullers === 1);
    await iterator.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    await empty.push(42);
    expect(await empty.stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
    expect(await empty.pull()).toBe(42);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
