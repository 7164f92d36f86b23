/**
 * Audit BD, mutant S18 (`forget`'s try/catch in `src/signals.ts` removed: it survived the suite).
 * A duck-typed signal whose `removeEventListener` throws: the commit that takes the last
 * operation parked with it calls that, and must neither throw half-way nor lose the value — the
 * operation already out of its queue, its promise never settled.
 */
import { Channel } from 'chanasync';
import { describe, expect, it } from 'vitest';

/** A signal that works but whose `removeEventListener` throws. */
function stubbornSignal(): AbortSignal {
  const target = new EventTarget();
  return {
    aborted: false,
    reason: undefined,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener() {
      throw new Error('removeEventListener refused');
    },
  } as unknown as AbortSignal;
}

describe('a signal whose removeEventListener throws', () => {
  it('the push that commits to the last pull parked with it resolves, and the pull gets the value', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal: stubbornSignal() });
    await expect(channel.push(1)).resolves.toBeUndefined();
    await expect(pulled).resolves.toBe(1);
  });

  it('tryPush commits to that pull and says so, and the channel goes on working', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal: stubbornSignal() });
    expect(channel.tryPush(1)).toBe(true);
    await expect(pulled).resolves.toBe(1);
    const next = channel.pull();
    expect(channel.tryPush(2)).toBe(true);
    await expect(next).resolves.toBe(2);
  });
});
