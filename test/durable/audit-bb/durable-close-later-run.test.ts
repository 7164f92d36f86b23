/**
 * Auditor BB — durable: a push made after close(reason) returned, in a later microtask (an
 * `await` in between, the close not awaited).
 *
 * BB-D4, decided (README, "Operations started together without awaiting"): operations of
 * different runs take effect in the order their calls arrive — calls on separate stubs can
 * overtake each other. Before the fix the close with a class-instance reason made two calls
 * (the first refused by Workers RPC), so such a push was stored in the closed channel in 10 of
 * 10 rounds; now the reason becomes an Error before the first call and the close is one call,
 * so the push is refused in nearly every round (1 of 10 stored under load, in one run). What
 * always holds: the push either is stored (its call came first) or rejects closed, and the
 * reason is kept as an Error with its message.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, observed } from '../helpers.js';

class Shutdown {
  constructor(readonly message: string) {}
}

it('close(classReason); await null; push(): the push is stored or rejects closed, the close is one call, the reason kept', async () => {
  for (let round = 0; round < 10; round++) {
    const { namespace, calls } = observed();
    const ch = durableChannel<string>(namespace as never, freshName('bb-close-later'));
    const closing = ch.close(new Shutdown('bye'));
    await null;
    const late = ch.push('late').then(
      () => 'stored',
      (e: unknown) => (e instanceof ChannelClosedError ? 'closed' : String(e)),
    );
    await closing;
    const outcome = await late;
    expect(['stored', 'closed']).toContain(outcome);
    expect((await ch.stats()).size).toBe(outcome === 'stored' ? 1 : 0);
    expect(calls.close).toBe(1);
    const error = await ch
      .pullMany(10)
      .then(
        () => ch.pull(),
        () => ch.pull(),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(((error as Error).cause as Error).message).toBe('bye');
  }
});
