/**
 * Audit AD: `OperationOptions.signal`'s TSDoc, in the gc project — "a parked operation does not
 * keep its channel alive through the signal. The signal does keep the operation's promise:
 * should the channel be garbage-collected while the operation is parked, an abort still rejects
 * it with `signal.reason`, so an `AbortSignal.timeout` always fires".
 */
import { Channel } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collectAll } from '../helpers/gc.js';

describe('OperationOptions.signal and garbage collection', () => {
  it('a channel abandoned with operations parked under a long-lived signal is collected; the abort still rejects them', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    const parked: Promise<unknown>[] = [];
    (() => {
      const pulls = new Channel<number>();
      const pushes = new Channel<number>();
      refs.push(new WeakRef(pulls), new WeakRef(pushes));
      parked.push(pulls.pull({ signal: controller.signal }).catch((e: unknown) => e));
      parked.push(pushes.push(1, { signal: controller.signal }).catch((e: unknown) => e));
      parked.push(pulls.pullMany(3, { signal: controller.signal }).catch((e: unknown) => e));
    })();
    await collectAll(refs);
    const reason = new Error('gave up');
    controller.abort(reason);
    expect(await Promise.all(parked)).toEqual([reason, reason, reason]);
  });

  it('AbortSignal.timeout fires for an operation whose channel was collected', async () => {
    const refs: WeakRef<object>[] = [];
    let parked: Promise<unknown> = Promise.resolve();
    (() => {
      const channel = new Channel<number>();
      refs.push(new WeakRef(channel));
      parked = channel.pull({ signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    })();
    await collectAll(refs);
    const error = (await parked) as DOMException;
    expect(error.name).toBe('TimeoutError');
  });
});
