/**
 * AX-C1: a select with a push case into a channel `a` and a pull case on `from(a)` (the or-done
 * idiom) — the from channel's relay takes the select's own pushed value for the select's own
 * pull case; the push case wins, the pull case is withdrawn in the same step, and the value is
 * left as a parked push on the capacity-0 from channel: read ahead of every consumer, and lost
 * when the from channel is closed (or its signal aborts).
 */
import { Channel, from, pull as pullCase, push as pushCase, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const flush = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
};

/** Everything still readable from `channels` (tryPull until none). */
function drain(...channels: Channel<string>[]): string[] {
  const out: string[] = [];
  for (const channel of channels) for (let v = channel.tryPull(); v !== undefined; v = channel.tryPull()) out.push(v);
  return out;
}

describe('from(channel) and a select over both ends', () => {
  it('a value whose select push case won is not lost when the from channel is closed (unbuffered source)', async () => {
    const a = new Channel<string>(0, { name: 'a' });
    const f = from(a);
    const result = await select([pushCase(a, 'x'), pullCase(f)]);
    expect(result.index).toBe(0); // the push case committed 'x' into a
    await flush();
    f.close(); // "closing the from channel ... never loses a value taken from the source"
    await flush();
    expect(drain(a, f)).toEqual(['x']);
  });

  it('the value the select pushed is stored in the from channel, one beyond its capacity, not parked as a push', async () => {
    const a = new Channel<string>(0, { name: 'a' });
    const f = from(a);
    await select([pushCase(a, 'x'), pullCase(f)]);
    await flush();
    // README, Semantic details (from): the one case where a from channel takes a value without a
    // pull to hand it to keeps it readable, as Go's relaying goroutine would hold it.
    expect(f.stats()).toMatchObject({ capacity: 0, size: 1, waitingPushers: 0 });
    expect(await f.pull()).toBe('x');
    expect(f.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
    f.close();
  });

  it('a buffered value of the source is not lost either (full source, select push case refills it)', async () => {
    const a = new Channel<string>(1, { name: 'a' });
    a.tryPush('old');
    const f = from(a);
    const result = await select([pushCase(a, 'x'), pullCase(f)]);
    await flush();
    const seen = result.index === 1 ? [result.value as string] : [];
    f.close();
    await flush();
    expect([...seen, ...drain(a, f)].sort()).toEqual(['old', 'x']);
  });

  it('aborting the from channel signal loses nothing either', async () => {
    const a = new Channel<string>(0, { name: 'a' });
    const ac = new AbortController();
    const f = from(a, { signal: ac.signal });
    const result = await select([pullCase(f), pushCase(a, 'x')]);
    expect(result.index).toBe(1);
    await flush();
    ac.abort();
    await flush();
    expect(drain(a, f)).toEqual(['x']);
  });
});
