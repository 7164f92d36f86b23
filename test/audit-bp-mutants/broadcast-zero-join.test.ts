/**
 * Audit BP, mutant B07 (`pumpHub`'s early return no longer makes an exception for a capacity-0
 * subscriber's join — `!joinedFull` dropped: it survived the broadcast set). Judged equivalent:
 * the hub's parked source pull has the hub's `aborted` getter as its signal, which the core reads
 * at every commit, so a pull left parked after the join is cancelled by the next push instead of
 * taking it. This test pins what a user sees either way (it passes on the mutant too): "the
 * broadcast takes the next value from source only when every subscriber has room" — a
 * capacity-0 `'block'` subscriber with no pull waiting has none.
 */
import { broadcast, Channel } from 'chanasync';
import { describe, expect, it } from 'vitest';

const turns = async (count = 10): Promise<void> => {
  for (let i = 0; i < count; i++) await Promise.resolve();
};

describe('a capacity-0 subscriber joining a broadcast whose source pull is parked', () => {
  it('(holds) holds the source back until it has a pull waiting, then both subscribers get the value', async () => {
    const source = new Channel<number>(0, { name: 'source' });
    const hub = broadcast(source);
    const roomy = hub.subscribe(); // capacity 1: room, so the hub parks a pull on the source
    await turns();
    expect(source.stats().waitingPullers).toBe(1);
    const rendezvous = hub.subscribe({ capacity: 0 });
    await turns();
    let resolved = false;
    const pushed = source.push(1).then(() => {
      resolved = true;
    });
    await turns();
    expect(resolved).toBe(false);
    expect(rendezvous.size).toBe(0);
    expect(roomy.size).toBe(0);
    // A pull on the capacity-0 subscriber is its room: the value goes to both.
    const pulled = rendezvous.pull();
    await expect(pulled).resolves.toBe(1);
    await pushed;
    expect(roomy.tryPull()).toBe(1);
    hub.close();
  });
});
