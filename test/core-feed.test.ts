/**
 * The core's internal demand hook, `channel.feed` (common.md "Core changes"): what merge,
 * broadcast subscribers, fromPort and lazy sources rely on to learn that a channel they feed
 * has demand or room. Internal API on purpose: these tests pin down its contract —
 * - called synchronously right after a pull-side operation parked (pull, iteration, pullMany,
 *   a one-case select, and a multi-case select once all its cases are parked);
 * - called at the end of a commit that took a value out of the buffer and left a free slot (no
 *   parked push refilled it) while the channel is open;
 * - it may commit values into the channel (`commitPush`) right there;
 * - called with `left` true, no demand, right after a push-side operation parked (a channel its
 *   signal closes holds itself for it: `hold` in waiters.ts).
 */
import { describe, expect, test } from 'vitest';
import { Channel, commitPush } from '../src/channel.js';
import { pull, push, select } from '../src/select.js';
import { flush, track } from './helpers/track.js';

/**
 * Counts the calls of `channel.feed` for demand or room; `supply` (if given) runs inside each.
 * Calls with `left` true (no demand: a push parked, an operation left) are counted apart.
 */
function watchFeed<T>(channel: Channel<T>, supply?: () => void): { calls: number; noDemand: number } {
  const counter = { calls: 0, noDemand: 0 };
  channel.feed = (left) => {
    if (left) {
      counter.noDemand++;
      return;
    }
    counter.calls++;
    supply?.();
  };
  return counter;
}

describe('demand: a pull-side operation parked', () => {
  test.each([
    ['pull()', (c: Channel<number>) => c.pull()],
    ['iteration', (c: Channel<number>) => c[Symbol.asyncIterator]().next()],
    ['pullMany()', (c: Channel<number>) => c.pullMany(3)],
    ['a one-case select', (c: Channel<number>) => select([pull(c)])],
  ])('%s that parks calls feed once, synchronously', async (_, park) => {
    const channel = new Channel<number>();
    const feed = watchFeed(channel);
    const parked = track(park(channel) as Promise<unknown>);
    expect(feed.calls).toBe(1);
    channel.close();
    await flush();
    expect(parked.current.status).not.toBe('pending');
  });

  test('a feeder that commits during the call serves the operation that just parked', async () => {
    const channel = new Channel<string>();
    watchFeed(channel, () => commitPush(channel, 'fed'));
    expect(await channel.pull()).toBe('fed');
    expect(await channel.pullMany(5)).toEqual(['fed']);
    expect((await channel[Symbol.asyncIterator]().next()).value).toBe('fed');
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('a multi-case select calls the feeders after all its cases are parked', async () => {
    const first = new Channel<string>();
    const second = new Channel<string>();
    const out = new Channel<string>();
    const seen: string[] = [];
    first.feed = () => {
      // Every case is parked by now: the pull case on `second` and the push case on `out` too.
      seen.push(`first: ${second.stats().waitingPullers} ${out.stats().waitingPushers}`);
      commitPush(first, 'from first');
    };
    second.feed = () => seen.push('second');
    const result = await select([pull(second), push(out, 'x'), pull(first)]);
    expect(result).toMatchObject({ index: 2, value: 'from first', ok: true });
    expect(seen.filter((entry) => entry.startsWith('first'))).toEqual(['first: 1 1']);
    for (const channel of [first, second, out]) {
      expect(channel.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    }
  });

  test('once a feeder commits one of a select’s cases, no other feeder of that select is called', async () => {
    const channels = [new Channel<string>(), new Channel<string>(), new Channel<string>()];
    let calls = 0;
    for (const channel of channels) {
      channel.feed = () => {
        calls++;
        commitPush(channel, channel === channels[0] ? 'a' : 'other');
      };
    }
    await select(channels.map((channel) => pull(channel)));
    expect(calls).toBe(1);
    for (const channel of channels) expect(channel.stats()).toMatchObject({ waitingPullers: 0, size: 0 });
  });

  test('a push that parks calls feed with no demand (left: true), once per park, never for demand', () => {
    const channel = new Channel<number>();
    const feed = watchFeed(channel);
    void channel.push(1).catch(() => {});
    void select([push(channel, 2), push(new Channel<number>(), 3)]).catch(() => {});
    expect(feed).toEqual({ calls: 0, noDemand: 2 });
    channel.close();
  });

  test('an operation that commits at once does not call feed for demand', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const feed = watchFeed(channel);
    void channel.pull();
    // It took a buffered value and freed a slot: that is room, called once.
    expect(feed.calls).toBe(1);
  });
});

describe('room: a pull took a buffered value and left the slot free', () => {
  test('pull, pullNowait, tryPull and iteration each call feed once per value taken', async () => {
    const channel = new Channel<number>(4);
    for (let i = 0; i < 4; i++) channel.pushNowait(i);
    const feed = watchFeed(channel);
    await channel.pull();
    channel.pullNowait();
    channel.tryPull();
    await channel[Symbol.asyncIterator]().next();
    expect(feed.calls).toBe(4);
  });

  test('pullMany calls feed per value taken, and takes what the feeder commits in between', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(0);
    channel.pushNowait(1);
    let next = 2;
    const feed = watchFeed(channel, () => {
      if (next < 5) commitPush(channel, next++);
    });
    expect(await channel.pullMany(10)).toEqual([0, 1, 2, 3, 4]);
    expect(feed.calls).toBe(5);
  });

  test('a slot refilled by a parked push is not room: feed is not called', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const parked = channel.push(2);
    const feed = watchFeed(channel);
    expect(channel.pullNowait()).toBe(1);
    expect(feed.calls).toBe(0);
    await parked;
  });

  test('a closed channel being drained does not call feed', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.close();
    const feed = watchFeed(channel);
    expect(channel.tryPull()).toBe(1);
    expect(feed.calls).toBe(0);
  });

  test('taking a parked push’s value on an unbuffered channel frees no slot: feed is not called', async () => {
    const channel = new Channel<number>();
    const parked = channel.push(1);
    const feed = watchFeed(channel);
    expect(channel.tryPull()).toBe(1);
    expect(feed.calls).toBe(0);
    await parked;
  });
});
