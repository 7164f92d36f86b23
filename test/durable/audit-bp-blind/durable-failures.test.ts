/**
 * Blind specification pass (audit BP) over SPEC.md "Durable channels on Cloudflare": what a
 * durable channel adds because callers and objects fail — durable commit across restarts,
 * leases and redelivery, idempotent pushes, waiting in slices without losing place, close
 * across restarts. Restarts use `abortAllDurableObjects` (storage stays).
 */
import { abortAllDurableObjects } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { startInOrder } from '../helpers.js';
import { channel, outcome, sleep, uniqueName, until } from './helpers.js';

describe('durable commit and restarts', () => {
  it('values pushed survive an object reset, in order', async () => {
    const name = uniqueName('restart');
    const ch = channel<number>(name, { capacity: 10 });
    for (const v of [1, 2, 3]) await ch.push(v);
    await abortAllDurableObjects();
    const fresh = channel<number>(name);
    expect(await fresh.stats()).toMatchObject({ capacity: 10, size: 3, closed: false });
    expect(await fresh.pullMany(10)).toEqual([1, 2, 3]);
  });

  it('a closed channel stays closed across a reset, its values and reason kept', async () => {
    const name = uniqueName('closed-restart');
    const ch = channel<number>(name);
    await ch.push(1);
    await ch.close('the end');
    await abortAllDurableObjects();
    const fresh = channel<number>(name);
    await expect(fresh.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await fresh.pull()).toBe(1);
    const last = await outcome(fresh.pull());
    expect(last.ok).toBe(false);
    expect((last as { error: ChannelClosedError }).error).toBeInstanceOf(ChannelClosedError);
    expect((last as { error: ChannelClosedError }).error.cause).toBe('the end');
  });

  it('the capacity fixed by the first call is still fixed after a reset', async () => {
    const name = uniqueName('cap-restart');
    await channel<number>(name, { capacity: 2 }).push(1);
    await abortAllDurableObjects();
    await expect(channel<number>(name, { capacity: 3 }).push(2)).rejects.toBeInstanceOf(RangeError);
    expect((await channel<number>(name).stats()).capacity).toBe(2);
  });

  it('a pull waiting across a reset either resolves or fails with the platform error, and loses nothing', async () => {
    // abortAllDurableObjects' error carries no `retryable`/`durableObjectReset` flag, which the
    // README names as what the client retries: a waiting pull may then fail with it.
    const name = uniqueName('wait-restart');
    const ch = channel<string>(name, { sliceMs: 300 });
    const pulling = outcome(ch.pull());
    await sleep(400);
    await abortAllDurableObjects();
    await sleep(100);
    await channel<string>(name).push('after');
    const result = await pulling;
    if (result.ok) {
      expect(result.value).toBe('after');
      expect((await channel<string>(name).stats()).size).toBe(0);
    } else {
      expect(String(result.error)).toMatch(/abortAllDurableObjects/);
      // The failed waiter holds nothing: the value is ready for the next pull.
      expect(await channel<string>(name).stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
      expect(await channel<string>(name).tryPull()).toBe('after');
    }
  });
});

describe('idempotent push', () => {
  it('a retried push with the same id is stored once', async () => {
    const ch = channel<string>(uniqueName('idem'));
    await ch.push('x', { id: 'k1' });
    await ch.push('x', { id: 'k1' });
    await ch.push('y', { id: 'k2' });
    expect((await ch.stats()).size).toBe(2);
    expect(await ch.pullMany(10)).toEqual(['x', 'y']);
  });

  it('a retry after a reset is stored once', async () => {
    const name = uniqueName('idem-reset');
    await channel<string>(name).push('x', { id: 'k1' });
    await abortAllDurableObjects();
    await channel<string>(name).push('x', { id: 'k1' });
    expect((await channel<string>(name).stats()).size).toBe(1);
  });

  it('a retry after the value was consumed is not stored again', async () => {
    const ch = channel<string>(uniqueName('idem-consumed'));
    await ch.push('x', { id: 'k1' });
    expect(await ch.pull()).toBe('x');
    await ch.push('x', { id: 'k1' });
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('concurrent pushes with one id from different clients store it once', async () => {
    const name = uniqueName('idem-concurrent');
    await Promise.all([1, 2, 3].map(() => channel<string>(name).push('x', { id: 'same' })));
    expect((await channel<string>(name).stats()).size).toBe(1);
  });
});

describe('leases and redelivery', () => {
  it('a pull aborted around the hand-out never loses nor duplicates the value', async () => {
    // Fixed schedule of abort delays; each run: a pull waits, a value arrives, the pull aborts.
    const delays = [0, 5, 10, 20, 40, 80];
    for (const delay of delays) {
      const name = uniqueName(`race-${delay}`);
      const ch = channel<string>(name, { sliceMs: 500, leaseMs: 2000 });
      const controller = new AbortController();
      const pulling = outcome(ch.pullWithId({ signal: controller.signal }));
      await sleep(100);
      await channel<string>(name).push('v', { id: `id-${delay}` });
      await sleep(delay);
      controller.abort(new Error('left'));
      const result = await pulling;
      const rest = await channel<string>(name).tryPull();
      if (result.ok) {
        expect(result.value).toMatchObject({ value: 'v', id: `id-${delay}` });
        expect(rest).toBeUndefined();
      } else {
        expect(rest).toBe('v'); // back at once (or never taken)
      }
    }
  });

  /** A pull made by a request that is abandoned while it waits; resolves with what it got, if anything. */
  async function abandonedPull(name: string, leaseMs: number) {
    const controller = new AbortController();
    const request = exports.default
      .fetch(`http://x/pull?name=${encodeURIComponent(name)}&withId=1&leaseMs=${leaseMs}&sliceMs=300`, {
        signal: controller.signal,
      })
      .then(
        async (response) => (await response.json()) as { value: string; id: string; attempt: number },
        () => undefined,
      );
    await sleep(300);
    controller.abort();
    return request;
  }

  it('a value handed to a caller that went away comes back to the head after the lease, same id', async () => {
    const name = uniqueName('lease');
    const leaseMs = 1000;
    const departed = await abandonedPull(name, leaseMs);
    const ch = channel<string>(name, { leaseMs });
    await ch.push('first', { id: 'f' });
    await ch.push('second', { id: 's' });
    await ch.push('third', { id: 't' });
    if (departed !== undefined) {
      // The request was not cancelled after all and took 'first': the rest follows.
      expect(departed).toMatchObject({ value: 'first', id: 'f' });
      expect(await ch.pullMany(10)).toEqual(['second', 'third']);
      return;
    }
    const leasedAtFirst = (await ch.stats()).leased;
    await until(async () => (await ch.stats()).size === 3, 'every value ready again', 15_000);
    const again = await ch.pullWithId();
    expect(again).toMatchObject({ value: 'first', id: 'f' });
    if (leasedAtFirst === 1) expect(again.attempt).toBeGreaterThanOrEqual(2);
    expect(await ch.pullMany(10)).toEqual(['second', 'third']);
  }, 30_000);

  it('values leased when the object is reset are back at the head of the fresh instance', async () => {
    const name = uniqueName('lease-reset');
    const leaseMs = 20_000; // far longer than the test waits: only the reset can give it back
    const departed = await abandonedPull(name, leaseMs);
    const ch = channel<string>(name, { leaseMs });
    await ch.push('first', { id: 'f' });
    await ch.push('second', { id: 's' });
    if (departed !== undefined) return; // nothing was left leased
    await until(async () => (await ch.stats()).leased === 1, 'first leased to the departed pull', 5_000);
    await abortAllDurableObjects();
    const fresh = channel<string>(name, { leaseMs });
    const got = await fresh.pullWithId({ signal: AbortSignal.timeout(8_000) });
    expect(got).toMatchObject({ value: 'first', id: 'f' });
    expect(await fresh.pull({ signal: AbortSignal.timeout(8_000) })).toBe('second');
  }, 30_000);
});

describe('waiting in slices', () => {
  it('waiting pulls are served in FIFO order across several slices', async () => {
    const name = uniqueName('pull-fifo');
    const order: string[] = [];
    // Each pull starts once the one before it waits at the object (not 150 ms later).
    const pulls = await startInOrder(
      ['a', 'b', 'c'].map(
        (who) => () =>
          channel<number>(name, { sliceMs: 200 })
            .pull()
            .then((v) => order.push(`${who}${v}`)),
      ),
      async () => (await channel<number>(name).stats()).waitingPullers,
    );
    await sleep(700); // several slices
    expect((await channel<number>(name).stats()).waitingPullers).toBe(3);
    const producer = channel<number>(name);
    for (const v of [1, 2, 3]) await producer.push(v);
    await Promise.all(pulls);
    expect(order.sort()).toEqual(['a1', 'b2', 'c3']);
  });

  it('waiting pushes are stored in FIFO order across several slices', async () => {
    const name = uniqueName('push-fifo');
    await channel<string>(name, { capacity: 1 }).push('0');
    const pushes = await startInOrder(
      ['a', 'b', 'c'].map((v) => () => channel<string>(name, { capacity: 1, sliceMs: 200 }).push(v)),
      async () => (await channel<string>(name).stats()).waitingPushers,
    );
    await sleep(700);
    expect((await channel<string>(name).stats()).waitingPushers).toBe(3);
    const consumer = channel<string>(name);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await consumer.pull());
    await Promise.all(pushes);
    expect(got).toEqual(['0', 'a', 'b', 'c']);
  });

  it('a waiter between slices is counted, and a pull that long outlasts a slice still resolves', async () => {
    const name = uniqueName('long-wait');
    const ch = channel<number>(name, { sliceMs: 100 });
    const pulling = ch.pull();
    await until(async () => (await channel<number>(name).stats()).waitingPullers === 1, 'the pull to wait');
    await sleep(1000);
    expect((await channel<number>(name).stats()).waitingPullers).toBe(1);
    await channel<number>(name).push(5);
    expect(await pulling).toBe(5);
  });
});
