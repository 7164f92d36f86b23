/**
 * Audit BE, durable: calls that reach an object whose storage fails under them — what a deploy's
 * reset does ("Deploys reset objects ... after a 30 s grace during which storage calls fail",
 * RECIPES.md) and what `abortAllDurableObjects()` does to the calls under way. A plain number is
 * structured-cloneable and storable: whatever else happens, the client must not report it as a
 * value that cannot be stored (a `TypeError`, which a caller takes for a bad value and does not
 * retry). The local abort error carries no `retryable` / `durableObjectReset` flag, so a plain
 * rejection with the platform's error is acceptable here; so is the value stored after a retry.
 *
 * `abortAllDurableObjects()` resets every object of the run, so this file keeps its calls few.
 */
import { abortAllDurableObjects } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { channel, fresh, sleep } from './helpers.js';

/** Points at which the reset lands while a call is under way: at once, after a microtask, a macrotask, 2 ms. */
const cuts: (() => Promise<void>)[] = [
  async () => {},
  async () => {
    await Promise.resolve();
  },
  () => sleep(0),
  () => sleep(2),
];

describe('storage failing under a call', () => {
  it('a push whose object is reset under it does not reject with a TypeError saying the value cannot be stored', async () => {
    const outcomes: unknown[] = [];
    for (const cut of cuts) {
      const ch = channel<number>(fresh('reset-push'));
      await ch.stats(); // the object exists
      const push = ch.push(1).then(
        () => 'stored',
        (error: unknown) => error,
      );
      await cut();
      await abortAllDurableObjects();
      outcomes.push(await push);
    }
    const blamed = outcomes.filter((o) => o instanceof TypeError).map(String);
    expect(blamed).toEqual([]);
  });

  it('a tryPush whose object is reset under it does not reject with a TypeError saying the value cannot be stored', async () => {
    const outcomes: unknown[] = [];
    for (const cut of cuts) {
      const ch = channel<number>(fresh('reset-trypush'));
      await ch.stats();
      const push = ch.tryPush(1).then(
        (ok) => ok,
        (error: unknown) => error,
      );
      await cut();
      await abortAllDurableObjects();
      outcomes.push(await push);
    }
    const blamed = outcomes.filter((o) => o instanceof TypeError).map(String);
    expect(blamed).toEqual([]);
  });

  it('a pull and a close whose object is reset under them fail with the platform error and lose nothing', async () => {
    const name = fresh('reset-pull-close');
    const ch = channel<number>(name);
    await ch.push(7);
    const pull = ch.pull().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const closing = ch.close('why').then(
      () => 'closed',
      (error: unknown) => error,
    );
    await Promise.resolve();
    await abortAllDurableObjects();
    const pulled = await pull;
    const closed = await closing;
    expect(closed instanceof TypeError).toBe(false);
    if (!('value' in pulled)) {
      expect(pulled.error instanceof TypeError).toBe(false);
      // not taken: still there (its lease, if any, ends after leaseMs)
      await sleep(50);
      const again = channel<number>(name, { leaseMs: 10_000 });
      const stats = await again.stats();
      expect(stats.size + stats.leased).toBe(1);
    } else expect(pulled.value).toBe(7);
  });
});
