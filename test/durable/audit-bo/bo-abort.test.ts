/**
 * Auditor BO — abort signals on durable operations: before, while waiting, after commit; an
 * abort storm over several clients checked for loss and duplication.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { freshName, ns, rejection, sleep, until, within } from './bo-helpers.js';

const drain = async (name: string) => {
  const ch = durableChannel<unknown>(ns(), name);
  const out: unknown[] = [];
  for (;;) {
    const batch = await ch.pullMany(100, { signal: AbortSignal.timeout(300) }).catch((e) => {
      if (e instanceof ChannelClosedError || (e as DOMException).name === 'TimeoutError') return [];
      throw e;
    });
    if (batch.length === 0) return out;
    out.push(...batch);
  }
};

describe('an already aborted signal', () => {
  it('push rejects with signal.reason (the same object) and stores nothing', async () => {
    const name = freshName('bo-pre-push');
    const ch = durableChannel<number>(ns(), name);
    const reason = new Error('no thanks');
    const e = await rejection(ch.push(1, { signal: AbortSignal.abort(reason) }));
    expect(e).toBe(reason);
    expect(await ch.tryPull()).toBeUndefined();
    expect((await ch.stats()).size).toBe(0);
  });

  it('pull, pullWithId and pullMany reject with signal.reason and consume nothing', async () => {
    const name = freshName('bo-pre-pull');
    const ch = durableChannel<number>(ns(), name);
    await ch.push(1);
    const reason = { why: 'user left' };
    const signal = AbortSignal.abort(reason);
    expect(await rejection(ch.pull({ signal }))).toBe(reason);
    expect(await rejection(ch.pullWithId({ signal }))).toBe(reason);
    expect(await rejection(ch.pullMany(5, { signal }))).toBe(reason);
    expect(await ch.pullWithId()).toMatchObject({ value: 1, attempt: 1 });
  });

  it('the abort check comes first, even on a closed channel', async () => {
    const name = freshName('bo-pre-closed');
    const ch = durableChannel<number>(ns(), name);
    await ch.close('done');
    const reason = new Error('aborted first');
    const signal = AbortSignal.abort(reason);
    expect(await rejection(ch.push(1, { signal }))).toBe(reason);
    expect(await rejection(ch.pull({ signal }))).toBe(reason);
    expect(await rejection(ch.pullMany(2, { signal }))).toBe(reason);
    // and the for-await iterator has no signal: it sees the close
  });
});

describe('aborted while waiting', () => {
  it('a waiting pull aborted: rejects with the reason, leaves no waiter, the next value goes to the next pull', async () => {
    const name = freshName('bo-wait-pull');
    const a = durableChannel<string>(ns(), name);
    const b = durableChannel<string>(ns(), name);
    const ac = new AbortController();
    const pa = rejection(a.pull({ signal: ac.signal }));
    await sleep(150);
    const pb = b.pull();
    await until(async () => (await a.stats()).waitingPullers === 2); // polled: a fixed sleep is no guarantee on a loaded machine
    const reason = new Error('stop waiting');
    ac.abort(reason);
    expect(await within(pa, 5000, 'aborted pull')).toBe(reason);
    await until(async () => (await a.stats()).waitingPullers === 1); // polled: a fixed sleep is no guarantee on a loaded machine
    await a.push('x');
    expect(await within(pb, 5000, 'pull b')).toBe('x');
    expect(await a.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  it('a waiting pullMany aborted takes nothing', async () => {
    const name = freshName('bo-wait-pullmany');
    const ch = durableChannel<number>(ns(), name);
    const ac = new AbortController();
    const p = rejection(ch.pullMany(10, { signal: ac.signal }));
    await sleep(150);
    ac.abort();
    const e = await within(p, 5000, 'pullMany');
    expect((e as DOMException).name).toBe('AbortError');
    await ch.push(1);
    await ch.push(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  it('a push waiting for room aborted: rejects with the reason and its value is never delivered', async () => {
    const name = freshName('bo-wait-push');
    const ch = durableChannel<string>(ns(), name, { capacity: 1 });
    await ch.push('a');
    const ac = new AbortController();
    const p = rejection(durableChannel<string>(ns(), name).push('b', { signal: ac.signal }));
    const after = durableChannel<string>(ns(), name).push('c');
    await until(async () => (await ch.stats()).waitingPushers === 2); // polled: a fixed sleep is no guarantee on a loaded machine
    ac.abort('nope');
    expect(await within(p, 5000, 'push')).toBe('nope');
    expect(await ch.pull()).toBe('a');
    await within(after, 5000, 'push c');
    expect(await ch.pull()).toBe('c');
    expect(await ch.tryPull()).toBeUndefined();
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });

  it('an abort after the commit changes nothing (push resolved, pull resolved)', async () => {
    const name = freshName('bo-after');
    const ch = durableChannel<number>(ns(), name);
    const ac1 = new AbortController();
    await ch.push(1, { signal: ac1.signal });
    ac1.abort();
    const ac2 = new AbortController();
    expect(await ch.pull({ signal: ac2.signal })).toBe(1);
    ac2.abort();
    await sleep(200);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
    expect(await ch.tryPull()).toBeUndefined();
    // the pushed value was stored once, the aborted-after pull kept it
    const ac3 = new AbortController();
    await ch.push(2, { signal: ac3.signal });
    ac3.abort();
    expect(await ch.pullMany(5)).toEqual([2]);
  });
});

describe('abort storm across clients (seeded): nothing lost, nothing duplicated', () => {
  for (const seed of [3, 11, 58]) {
    it(`seed ${seed}`, async () => {
      const rnd = seededRandom(seed);
      const name = freshName(`bo-storm-${seed}`);
      const capacity = 1 + Math.floor(rnd() * 3);
      const delivered: number[] = [];
      const pushed = new Map<number, 'stored' | 'aborted'>();
      const tasks: Promise<void>[] = [];
      let v = 0;
      for (let p = 0; p < 3; p++) {
        const ch = durableChannel<number>(ns(), name, { capacity });
        const mine = Array.from({ length: 8 }, () => v++);
        const delays = mine.map(() => Math.floor(rnd() * 60));
        const aborts = mine.map(() => rnd() < 0.5);
        tasks.push(
          (async () => {
            for (const [k, value] of mine.entries()) {
              const ac = new AbortController();
              let t: ReturnType<typeof setTimeout> | undefined;
              if (aborts[k]) t = setTimeout(() => ac.abort(new Error(`abort ${value}`)), delays[k]);
              try {
                await ch.push(value, { signal: ac.signal, id: `s${seed}-${value}` });
                pushed.set(value, 'stored');
              } catch (e) {
                expect((e as Error).message).toBe(`abort ${value}`);
                pushed.set(value, 'aborted');
              } finally {
                clearTimeout(t);
              }
            }
          })(),
        );
      }
      let producersDone = false;
      const all = Promise.all(tasks).then(() => {
        producersDone = true;
      });
      const consumers = [0, 1].map(async (c) => {
        const ch = durableChannel<number>(ns(), name, { capacity });
        const local = seededRandom(seed * 100 + c);
        while (!producersDone) {
          const ac = new AbortController();
          const t = setTimeout(() => ac.abort(new Error('pull abort')), Math.floor(local() * 80));
          try {
            if (local() < 0.5) delivered.push(await ch.pull({ signal: ac.signal }));
            else delivered.push(...(await ch.pullMany(2, { signal: ac.signal })));
          } catch (e) {
            expect((e as Error).message).toBe('pull abort');
          } finally {
            clearTimeout(t);
          }
        }
      });
      await within(Promise.all([all, ...consumers]), 25_000, 'storm');
      await sleep(100);
      const stats = await durableChannel(ns(), name).stats();
      expect(stats.leased).toBe(0);
      expect(stats.waitingPushers).toBe(0);
      delivered.push(...((await drain(name)) as number[]));
      const stored = [...pushed]
        .filter(([, s]) => s === 'stored')
        .map(([k]) => k)
        .sort((a, b) => a - b);
      expect([...delivered].sort((a, b) => a - b)).toEqual(stored);
    });
  }
});
