// Audit BT (core): a subclass's own fields and methods do not clash with the channel's state.
// dist/ gives the channel's internal fields short names (esbuild `mangleProps`); with one
// letter, a subclass's `x = 0; y = 0` overwrote the name, `d` the capacity, `a` the closed flag,
// `c` the feeder (and `pull()` threw). They are `$` and letters now, which the README reserves.
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';

const letters = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_'];

describe('a subclass of Channel', () => {
  it('with an own field of every one-letter name still works as a channel', async () => {
    class Busy<T> extends Channel<T> {
      constructor(capacity: number, name: string) {
        super(capacity, { name });
        for (const letter of letters) (this as unknown as Record<string, unknown>)[letter] = `mine: ${letter}`;
      }
    }
    const channel = new Busy<number>(2, 'jobs');
    expect([channel.name, channel.capacity, channel.closed, channel.size]).toEqual(['jobs', 2, false, 0]);
    expect(channel.tryPush(1)).toBe(true);
    const pulled = channel.pull();
    const parked = new Busy<number>(0, 'rendezvous');
    const waiting = parked.pull();
    expect(parked.tryPush(7)).toBe(true);
    expect([await pulled, await waiting]).toEqual([1, 7]);
    channel.close();
    expect(channel.stats()).toMatchObject({ name: 'jobs', capacity: 2, closed: true, size: 0 });
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(channel.pull()).rejects.toThrow(/"jobs"/);
    for (const letter of letters)
      expect((channel as unknown as Record<string, unknown>)[letter]).toBe(`mine: ${letter}`);
  });

  it('with class fields and parameter properties named like common state', () => {
    class Positioned<T> extends Channel<T> {
      x = 10;
      y = 20;
      limit = 5;
      feed = 'rss';
      policy = 'mine';
      slots = [];
      constructor(
        capacity: number,
        public d = 0,
      ) {
        super(capacity, { name: 'positioned' });
      }
      s(): string {
        return 'method';
      }
    }
    const channel = new Positioned<number>(3);
    expect([channel.name, channel.capacity, channel.full, channel.s()]).toEqual(['positioned', 3, false, 'method']);
    expect([channel.tryPush(1), channel.tryPush(2), channel.tryPush(3), channel.tryPush(4)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(channel.tryPull()).toBe(1);
  });

  it('own state of the channel is only under names that start with `$`', () => {
    expect(Object.keys(new Channel(2)).every((key) => key.startsWith('$'))).toBe(true);
  });
});
