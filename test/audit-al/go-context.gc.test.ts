/**
 * Go's src/context/context_test.go, the parts that involve the collector: a derived context
 * stays cancellable while something waits on it (≈ an `AbortSignal.any` child that only the
 * parked operation references), and an abandoned operation still hears its context's cancel.
 */
import { after as afterMs, Channel, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collectAll, quiet, tick } from '../helpers/gc.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;

async function collect(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await tick();
    gc();
  }
}

describe('src/context/context_test.go (collector)', () => {
  // TestWithCancel / TestParentFinishesChild with a child nobody else holds: the parked
  // operations keep their AbortSignal.any child signal alive, so the parent's cancel reaches them.
  it('TestParentFinishesChild (a child signal held only by parked operations)', async () => {
    const parent = new AbortController();
    const ch = new Channel<number>();
    const ops = [
      quiet(ch.pull({ signal: AbortSignal.any([parent.signal]) })),
      quiet(ch.pullMany(2, { signal: AbortSignal.any([AbortSignal.any([parent.signal])]) })),
    ];
    const timer = afterMs(60_000, { signal: AbortSignal.any([parent.signal]) });
    const ticks = ticker(60_000, { signal: AbortSignal.any([parent.signal]) });
    await collect();
    parent.abort('parent');
    for (const op of ops) await expect(op).rejects.toBe('parent');
    expect(timer.closed).toBe(true);
    expect(ticks.closed).toBe(true);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // An abandoned channel (its operations can never commit) is not kept alive by a long-lived
  // context, yet the context's cancel still ends the operations (their finally blocks run).
  it('an abandoned channel is collected; the cancel still rejects its operations', async () => {
    const parent = new AbortController();
    let finished = 0;
    const refs: WeakRef<object>[] = [];
    const ops = (() => {
      const a = new Channel<number>();
      const b = new Channel<number>();
      refs.push(new WeakRef(a), new WeakRef(b));
      return [a.pull({ signal: parent.signal }), b.push(1, { signal: AbortSignal.any([parent.signal]) })].map(
        (p: Promise<unknown>) => quiet(p.finally(() => finished++)),
      );
    })();
    await collectAll(refs);
    expect(finished).toBe(0);
    parent.abort('late');
    const settled = await Promise.allSettled(ops);
    expect(finished).toBe(2);
    expect(settled.map((r) => r.status === 'rejected' && r.reason)).toEqual(['late', 'late']);
  });
});
