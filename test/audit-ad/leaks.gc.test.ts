/**
 * Audit AD: debug mode's leak sentences (enableDebug, DebugOptions.warnLeaks, clearLeaks,
 * OperationOptions.signal) in the gc project: an operation parked on a channel that is
 * garbage-collected is reported as leaked — in `snapshot().leaked` until `clearLeaks()`, and
 * with one `console.warn` unless `warnLeaks: false` — and never one that committed, was
 * aborted or failed by close.
 */
import { Channel } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectAll } from '../helpers/gc.js';

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

const quietTarget = { postMessage: () => undefined };

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
    (globalThis as { gc?: () => void }).gc?.();
  }
}

describe('leaked operations in debug mode', () => {
  it('one leak per parked operation of a collected channel, one console.warn each; clearLeaks forgets them', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    enableDebug({ target: quietTarget, listen: new EventTarget() });
    const refs: WeakRef<object>[] = [];
    (() => {
      const lost = new Channel<number>(0, { name: 'lost' });
      const full = new Channel<number>(1, { name: 'full' });
      refs.push(new WeakRef(lost), new WeakRef(full));
      void lost.pull().catch(() => undefined);
      full.tryPush(0);
      void full.push(1).catch(() => undefined);
      // Not leaks: one that committed, one aborted, one failed by close.
      const fine = new Channel<number>(1, { name: 'fine' });
      refs.push(new WeakRef(fine));
      void fine.pull().catch(() => undefined);
      fine.tryPush(1);
      const controller = new AbortController();
      void fine.pull({ signal: controller.signal }).catch(() => undefined);
      controller.abort();
      const closed = new Channel<number>(0, { name: 'closed' });
      refs.push(new WeakRef(closed));
      void closed.pull().catch(() => undefined);
      closed.close();
    })();
    await collectAll(refs);
    await waitFor(() => (snapshot().leaked?.length ?? 0) >= 2);
    const leaked = snapshot().leaked ?? [];
    expect(leaked.map((leak) => leak.kind).sort()).toEqual(['pull', 'push']);
    expect(JSON.stringify(leaked)).not.toMatch(/"fine"|"closed"/);
    expect(warn).toHaveBeenCalledTimes(2);
    clearLeaks();
    expect(snapshot().leaked).toBeUndefined();
  });

  it('warnLeaks: false reports leaks in snapshots only, without console.warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    enableDebug({ target: quietTarget, listen: new EventTarget(), warnLeaks: false });
    const refs: WeakRef<object>[] = [];
    (() => {
      const lost = new Channel<number>();
      refs.push(new WeakRef(lost));
      void lost.pull().catch(() => undefined);
    })();
    await collectAll(refs);
    await waitFor(() => (snapshot().leaked?.length ?? 0) === 1);
    expect(warn).not.toHaveBeenCalled();
  });
});
