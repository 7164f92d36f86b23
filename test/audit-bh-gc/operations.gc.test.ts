// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
/**
 * Audit BH-gc: every blocking operation with `{ signal }`, built so that nothing but the
 * suspended code holds the channel, collected, then aborted (or timed out): the wait must end
 * with the documented outcome. README, Semantic details, "Cancellation": "an
 * `AbortSignal.timeout(ms)` always fires, even on a channel that only the suspended functions
 * waiting on it hold".
 */
import { after, Channel, pull, push, select, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collectAll } from '../helpers/gc.js';
import { collect, handled, outcome } from './util.js';

describe('an operation on a channel only its suspended caller holds ends at its signal', () => {
  it('(holds) pull with AbortSignal.timeout: the timeout rejects it after collections, finally runs', async () => {
    let finallyRan = false;
    const ended = handled(
      (async () => {
        const channel = new Channel<number>();
        try {
          return await channel.pull({ signal: AbortSignal.timeout(120) });
        } finally {
          finallyRan = true;
        }
      })(),
    );
    await collect();
    expect(await outcome(ended)).toBe('rejected TimeoutError: The operation was aborted due to timeout');
    expect(finallyRan).toBe(true);
  });

  it('(holds) push, pullMany, pushAll and both selects with a controller: each rejects with the reason after collections', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    const waits = (() => {
      const { signal } = controller;
      const make = (capacity = 0) => {
        const channel = new Channel<number>(capacity);
        refs.push(new WeakRef(channel));
        return channel;
      };
      const full = make(1);
      full.tryPush(0);
      const fullToo = make(1); // room for one: pushAll commits 1, then parks
      return [
        full.push(1, { signal }),
        make().pullMany(3, { signal }),
        fullToo.pushAll([1, 2, 3], { signal }).catch((error: { pushed?: number; message: string }) => {
          throw new Error(`${error.message} pushed=${error.pushed}`);
        }),
        select([pull(make())], { signal }),
        select([pull(make()), push(make(), 1)], { signal }),
      ];
    })();
    // The channels are gone: only the signal's way out is left.
    await collectAll(refs);
    controller.abort(new Error('stop'));
    expect(await Promise.all(waits.map((wait) => outcome(wait)))).toEqual([
      'rejected Error: stop',
      'rejected Error: stop',
      'rejected Error: stop pushed=1',
      'rejected Error: stop',
      'rejected Error: stop',
    ]);
  });

  it('(holds) a pushAll part-way on a dropped channel, timed out: rejects with the count', async () => {
    const ended = (async () => {
      const channel = new Channel<number>(2);
      try {
        await channel.pushAll([1, 2, 3, 4], { signal: AbortSignal.timeout(100) });
        return 'done';
      } catch (error) {
        return `${(error as Error).name} pushed=${(error as { pushed?: number }).pushed}`;
      }
    })();
    await collect();
    expect(await outcome(ended)).toBe('resolved "TimeoutError pushed=2"');
  });
});

describe('timers: after and ticker with a signal', () => {
  it('(holds) after(long, { signal }).pull() in a dropped scope: the abort closes it, the pull rejects closed', async () => {
    const controller = new AbortController();
    const ended = (async () => {
      const timeout = after(10_000_000, { signal: controller.signal });
      return timeout.pull();
    })();
    await collect();
    controller.abort();
    expect(await outcome(ended)).toMatch(/^rejected ChannelClosedError/);
  });

  it('(holds) for await over ticker(long, { signal: AbortSignal.timeout }) ends at the timeout', async () => {
    const ended = (async () => {
      let n = 0;
      for await (const _ of ticker(10_000_000, { signal: AbortSignal.timeout(100) })) n++;
      return n;
    })();
    await collect();
    expect(await outcome(ended)).toBe('resolved 0');
  });

  it('(holds) select on a dropped channel and after(ms): the after case fires after collections', async () => {
    const ended = (async () => {
      const result = await select([pull(new Channel<number>()), pull(after(80))]);
      return [result.index, result.ok];
    })();
    await collect();
    expect(await outcome(ended)).toBe('resolved [1,true]');
  });

  it('(holds) select on a dropped channel and after(long, { signal }): the abort fires the after case closed', async () => {
    const controller = new AbortController();
    const ended = (async () => {
      const result = await select([
        pull(new Channel<number>()),
        pull(after(10_000_000, { signal: controller.signal })),
      ]);
      return [result.index, result.ok];
    })();
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved [1,false]');
  });

  it('(holds) a select and its after case sharing one signal, both dropped: rejects with the reason once', async () => {
    const controller = new AbortController();
    const ended = (async () => {
      const { signal } = controller;
      await select([pull(new Channel<number>()), pull(after(10_000_000, { signal }))], { signal });
      return 'resolved';
    })();
    await collect();
    controller.abort(new Error('shared'));
    expect(await outcome(ended)).toBe('rejected Error: shared');
  });
});
