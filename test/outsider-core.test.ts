/**
 * An outsider's checks of SPEC.md, written from the SPEC alone against the package as it is
 * exported (`chanasync` resolves to dist/): "Channel<T>", "select", "Errors", "Interop",
 * "Non-blocking and batch operations on Channel<T>", "Broadcast and ticker" and "Packaging".
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  fromEvent,
  merge,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { build } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { openStaticPage } from './helpers/static-page.js';
import { rejection, thrown } from './helpers/track.js';

const root = join(import.meta.dirname, '..');

/** Lets every pending microtask and one timer turn run. */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Follows a promise without awaiting it: 'pending', or how it settled. */
function watch<T>(promise: Promise<T>): { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } {
  const seen: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => {
      seen.state = 'resolved';
      seen.value = value;
    },
    (error: unknown) => {
      seen.state = 'rejected';
      seen.error = error;
    },
  );
  return seen;
}

async function drain<T>(channel: PullChannel<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

function stuckWaiters(channel: { stats(): { waitingPushers: number; waitingPullers: number } }): {
  pushers: number;
  pullers: number;
} {
  const stats = channel.stats();
  return { pushers: stats.waitingPushers, pullers: stats.waitingPullers };
}

// ---------------------------------------------------------------------------------------------
describe('Channel constructor and properties', () => {
  test('a channel without arguments is unbuffered: capacity 0, always full, always empty', () => {
    const channel = new Channel<number>();
    expect(channel.capacity).toBe(0);
    expect(channel.size).toBe(0);
    expect(channel.full).toBe(true);
    expect(channel.empty).toBe(true);
    expect(channel.closed).toBe(false);
    expect(channel.name).toBeUndefined();
  });

  test('an explicit undefined capacity means the default capacity 0', () => {
    expect(new Channel<number>(undefined).capacity).toBe(0);
  });

  test('an Infinity capacity is unbounded and never full', () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 10_000; i++) channel.pushNowait(i);
    expect(channel.capacity).toBe(Infinity);
    expect(channel.size).toBe(10_000);
    expect(channel.full).toBe(false);
  });

  test.each([-1, Number.NaN, 1.5, -Infinity, -0.5])(
    'capacity %s throws a RangeError from the constructor',
    (capacity) => {
      expect(() => new Channel(capacity)).toThrow(RangeError);
    },
  );

  test.each([['1'], [null], [true], [{}], [1n]])('a non-number capacity %s throws a TypeError', (capacity) => {
    expect(() => new Channel(capacity as unknown as number)).toThrow(TypeError);
  });

  test('a capacity error names the constructor and the bad value', () => {
    const error = thrown(() => new Channel(-3)) as Error;
    expect(error.message).toMatch(/Channel/);
    expect(error.message).toMatch(/-3/);
  });

  test.each(['drop-oldest', 'drop-newest'] as const)('overflow %s with capacity 0 throws a RangeError', (overflow) => {
    expect(() => new Channel(0, { overflow })).toThrow(RangeError);
    expect(() => new Channel(undefined, { overflow })).toThrow(RangeError);
  });

  test('an unknown overflow policy is refused at construction', () => {
    const error = thrown(() => new Channel(1, { overflow: 'drop-middle' as never }));
    expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
  });

  test('the name option labels the channel', () => {
    expect(new Channel(1, { name: 'jobs' }).name).toBe('jobs');
  });

  test('size, full and empty follow the buffer of a buffered channel', () => {
    const channel = new Channel<number>(2);
    expect([channel.size, channel.empty, channel.full]).toEqual([0, true, false]);
    channel.pushNowait(1);
    expect([channel.size, channel.empty, channel.full]).toEqual([1, false, false]);
    channel.pushNowait(2);
    expect([channel.size, channel.empty, channel.full]).toEqual([2, false, true]);
  });

  test('an unbuffered channel reports size 0 even while a pusher waits', async () => {
    const channel = new Channel<number>();
    void channel.push(1).catch(() => {});
    await turn();
    expect(channel.size).toBe(0);
    expect(channel.full).toBe(true);
    channel.close();
  });

  test('stats() reports exactly the SPEC shape', () => {
    const channel = new Channel<string>(3, { name: 'log', overflow: 'drop-newest' });
    channel.pushNowait('a');
    expect(channel.stats()).toEqual({
      name: 'log',
      capacity: 3,
      size: 1,
      closed: false,
      overflow: 'drop-newest',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  test('stats() of a default channel says block and an undefined name', () => {
    expect(new Channel().stats()).toEqual({
      name: undefined,
      capacity: 0,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  test('stats() counts parked pushers and parked pullers', async () => {
    const pushes = new Channel<number>();
    const pulls = new Channel<number>();
    const parked = [pushes.push(1), pushes.push(2), pulls.pull(), pulls.pull(), pulls.pull()];
    for (const p of parked) p.catch(() => {});
    await turn();
    expect(stuckWaiters(pushes)).toEqual({ pushers: 2, pullers: 0 });
    expect(stuckWaiters(pulls)).toEqual({ pushers: 0, pullers: 3 });
    pushes.close();
    pulls.close();
  });

  test('stats() counts a parked select case on each channel it waits on', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const waiting = select([pull(a), push(b, 1)], { signal: ac.signal }).catch(() => {});
    await turn();
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 1 });
    expect(stuckWaiters(b)).toEqual({ pushers: 1, pullers: 0 });
    ac.abort();
    await waiting;
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 0 });
    expect(stuckWaiters(b)).toEqual({ pushers: 0, pullers: 0 });
  });

  test('closed becomes true once close() is called', () => {
    const channel = new Channel();
    channel.close();
    expect(channel.closed).toBe(true);
    expect(channel.stats().closed).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
describe('push and pull', () => {
  test('an unbuffered push waits until a puller takes the value', async () => {
    const channel = new Channel<string>();
    const pushed = watch(channel.push('x'));
    await turns();
    expect(pushed.state).toBe('pending');
    expect(await channel.pull()).toBe('x');
    await turn();
    expect(pushed.state).toBe('resolved');
  });

  test('an unbuffered pull waits until a pusher comes', async () => {
    const channel = new Channel<string>();
    const pulled = watch(channel.pull());
    await turns();
    expect(pulled.state).toBe('pending');
    await channel.push('y');
    await turn();
    expect(pulled).toEqual({ state: 'resolved', value: 'y' });
  });

  test('a buffered push resolves without a puller while there is room', async () => {
    const channel = new Channel<number>(2);
    await channel.push(1);
    await channel.push(2);
    expect(channel.size).toBe(2);
  });

  test('a push into a full buffer waits for room and then stores its value', async () => {
    const channel = new Channel<number>(1);
    await channel.push(1);
    const second = watch(channel.push(2));
    await turns();
    expect(second.state).toBe('pending');
    expect(await channel.pull()).toBe(1);
    await turn();
    expect(second.state).toBe('resolved');
    expect(channel.size).toBe(1);
    expect(await channel.pull()).toBe(2);
  });

  test('a pull takes the buffer head and moves a waiting pusher value into the buffer in FIFO order', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const third = channel.push(3);
    const fourth = channel.push(4);
    await turn();
    expect(await channel.pull()).toBe(1);
    expect(channel.size).toBe(2);
    await third;
    expect(await channel.pull()).toBe(2);
    await fourth;
    expect([await channel.pull(), await channel.pull()]).toEqual([3, 4]);
  });

  test('parked pushers are served in FIFO order', async () => {
    const channel = new Channel<number>();
    const pushes = [1, 2, 3, 4, 5].map((v) => channel.push(v));
    await turn();
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await channel.pull());
    await Promise.all(pushes);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  test('parked pullers are served in FIFO order', async () => {
    const channel = new Channel<number>();
    const pulls = [channel.pull(), channel.pull(), channel.pull()];
    await turn();
    channel.pushNowait(10);
    channel.pushNowait(20);
    channel.pushNowait(30);
    expect(await Promise.all(pulls)).toEqual([10, 20, 30]);
  });

  test('push on a closed channel rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>(5);
    channel.close();
    expect(await rejection(channel.push(1))).toBeInstanceOf(ChannelClosedError);
    expect(channel.size).toBe(0);
  });

  test('a parked push rejects with ChannelClosedError when the channel closes and its value is not delivered', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const parked = channel.push(2);
    await turn();
    channel.close();
    expect(await rejection(parked)).toBeInstanceOf(ChannelClosedError);
    expect(await drain(channel)).toEqual([1]);
  });

  test('pull on a closed and drained channel rejects with ChannelClosedError whose cause is the close reason', async () => {
    const channel = new Channel<number>();
    const reason = new Error('shutdown');
    channel.close(reason);
    const error = await rejection(channel.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
  });

  test('pull on a channel closed without a reason rejects with a ChannelClosedError without a cause', async () => {
    const channel = new Channel<number>();
    channel.close();
    const error = (await rejection(channel.pull())) as Error;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeUndefined();
  });

  test('a non-Error close reason such as a string is kept as the cause', async () => {
    const channel = new Channel<number>();
    channel.close('bye');
    expect(((await rejection(channel.pull())) as Error).cause).toBe('bye');
  });

  test('a push with an already aborted signal rejects with its reason even when a puller waits', async () => {
    const channel = new Channel<number>();
    const pulled = watch(channel.pull());
    await turn();
    const reason = new Error('stop');
    expect(await rejection(channel.push(1, { signal: AbortSignal.abort(reason) }))).toBe(reason);
    await turn();
    expect(pulled.state).toBe('pending');
    channel.close();
  });

  test('a push with an already aborted signal rejects with its reason even on a closed channel', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const reason = new Error('abort first');
    expect(await rejection(channel.push(1, { signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  test('a pull with an already aborted signal rejects with its reason and consumes nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(7);
    const reason = new Error('no');
    expect(await rejection(channel.pull({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(channel.pullNowait()).toBe(7);
  });

  test('a pull with an already aborted signal rejects with its reason even on a closed, drained channel', async () => {
    const channel = new Channel<number>();
    channel.close();
    const reason = new Error('abort first');
    expect(await rejection(channel.pull({ signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  test('the default abort reason is the AbortError DOMException of the signal', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    const parked = channel.pull({ signal: ac.signal });
    ac.abort();
    const error = await rejection(parked);
    expect(error).toBe(ac.signal.reason);
    expect((error as Error).name).toBe('AbortError');
  });

  test('aborting a parked push rejects it with the reason, delivers nothing and leaves no waiter', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    const parked = channel.push(1, { signal: ac.signal });
    await turn();
    expect(channel.stats().waitingPushers).toBe(1);
    ac.abort('reason');
    expect(await rejection(parked)).toBe('reason');
    expect(channel.stats().waitingPushers).toBe(0);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('aborting a parked pull rejects it, and a later value goes to the next puller', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    const aborted = channel.pull({ signal: ac.signal });
    const next = channel.pull();
    await turn();
    ac.abort();
    await rejection(aborted);
    expect(channel.stats().waitingPullers).toBe(1);
    channel.pushNowait(5);
    expect(await next).toBe(5);
  });

  test('a pull whose value was committed keeps it even if its signal aborts right after', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    const pulled = channel.pull({ signal: ac.signal });
    await turn();
    channel.pushNowait(42);
    ac.abort();
    expect(await pulled).toBe(42);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('a push whose value was taken resolves even if its signal aborts right after', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    const pushed = channel.push(9, { signal: ac.signal });
    await turn();
    expect(channel.pullNowait()).toBe(9);
    ac.abort();
    await expect(pushed).resolves.toBeUndefined();
  });

  test('a pull committed just before close() keeps its value', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull();
    await turn();
    channel.pushNowait(3);
    channel.close();
    expect(await pulled).toBe(3);
  });

  test('a parked push whose value moved into the buffer resolves even if the channel closes right after', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const second = channel.push(2);
    await turn();
    expect(channel.pullNowait()).toBe(1);
    channel.close();
    await expect(second).resolves.toBeUndefined();
    expect(await drain(channel)).toEqual([2]);
  });

  test('a signal that aborts after the operation settled does not throw or change anything', async () => {
    const channel = new Channel<number>(1);
    const ac = new AbortController();
    await channel.push(1, { signal: ac.signal });
    expect(await channel.pull({ signal: ac.signal })).toBe(1);
    expect(() => ac.abort()).not.toThrow();
    await turn();
    expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
  });

  test('one signal can guard many parked operations and aborts them all', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    const ops = [channel.pull({ signal: ac.signal }), channel.pull({ signal: ac.signal })];
    await turn();
    ac.abort('all');
    expect(await Promise.all(ops.map(rejection))).toEqual(['all', 'all']);
    expect(stuckWaiters(channel)).toEqual({ pushers: 0, pullers: 0 });
  });

  test('the same value object pushed twice arrives twice', async () => {
    const channel = new Channel<object>(2);
    const value = {};
    await channel.push(value);
    await channel.push(value);
    expect(await channel.pull()).toBe(value);
    expect(await channel.pull()).toBe(value);
  });

  test('undefined and null are ordinary values', async () => {
    const channel = new Channel<undefined | null>(2);
    await channel.push(undefined);
    await channel.push(null);
    expect(await channel.pull()).toBeUndefined();
    expect(await channel.pull()).toBeNull();
  });

  test('a puller that pushes again from inside its continuation keeps FIFO order', async () => {
    const channel = new Channel<number>(Infinity);
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const v of channel) {
        seen.push(v);
        if (v < 3) channel.pushNowait(v + 10);
        if (seen.length === 5) break;
      }
    })();
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.pushNowait(3);
    await consumer;
    expect(seen).toEqual([1, 2, 3, 11, 12]);
  });

  test('a large number of parked pushers on one unbuffered channel all deliver in order', async () => {
    const channel = new Channel<number>();
    const n = 5000;
    const pushes = Array.from({ length: n }, (_, i) => channel.push(i));
    const got: number[] = [];
    for (let i = 0; i < n; i++) got.push(await channel.pull());
    await Promise.all(pushes);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  test.each([
    ['not an object', 'abc'],
    ['a signal-less object with a non-signal', { signal: 42 }],
  ])('push with options that are %s is refused with a TypeError', async (_label, options) => {
    const channel = new Channel<number>(1);
    const error = await (async () => channel.push(1, options as never))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(channel.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('pushNowait and pullNowait', () => {
  test('pushNowait stores in a buffer with room', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(channel.size).toBe(1);
  });

  test('pushNowait on a full buffer throws ChannelFullError and stores nothing', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(() => channel.pushNowait(2)).toThrow(ChannelFullError);
    expect(channel.pullNowait()).toBe(1);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('pushNowait on an unbuffered channel without a puller throws ChannelFullError', () => {
    expect(() => new Channel<number>().pushNowait(1)).toThrow(ChannelFullError);
  });

  test('pushNowait on an unbuffered channel hands the value to a waiting puller', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull();
    await turn();
    channel.pushNowait(8);
    expect(await pulled).toBe(8);
  });

  test('pushNowait on a closed channel throws ChannelClosedError, even when it is also full', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close();
    expect(() => channel.pushNowait(2)).toThrow(ChannelClosedError);
    expect(() => new Channel<number>(0).pushNowait(1)).toThrow(ChannelFullError);
  });

  test('pullNowait on an empty channel throws ChannelEmptyError', () => {
    expect(() => new Channel<number>(3).pullNowait()).toThrow(ChannelEmptyError);
    expect(() => new Channel<number>().pullNowait()).toThrow(ChannelEmptyError);
  });

  test('pullNowait on a closed channel still returns the buffered values, then throws ChannelClosedError', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close('r');
    expect(channel.pullNowait()).toBe(1);
    expect(channel.pullNowait()).toBe(2);
    const error = thrown(() => channel.pullNowait()) as Error;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('r');
  });

  test('pullNowait on an unbuffered channel takes the value of a waiting pusher and that push resolves', async () => {
    const channel = new Channel<string>();
    const pushed = channel.push('hi');
    await turn();
    expect(channel.pullNowait()).toBe('hi');
    await expect(pushed).resolves.toBeUndefined();
  });

  test('pullNowait on a full buffer with a waiting pusher moves that value into the buffer', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const pushed = channel.push(2);
    await turn();
    expect(channel.pullNowait()).toBe(1);
    expect(channel.size).toBe(1);
    await pushed;
    expect(channel.pullNowait()).toBe(2);
  });

  test('pushNowait right after a parked push was aborted does not see the aborted value', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    const parked = channel.push(1, { signal: ac.signal });
    await turn();
    ac.abort();
    await rejection(parked);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });
});

// ---------------------------------------------------------------------------------------------
describe('drop modes', () => {
  test('drop-oldest discards the oldest buffered value to make room', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-oldest' });
    await channel.push(1);
    await channel.push(2);
    await channel.push(3);
    channel.pushNowait(4);
    expect(channel.size).toBe(2);
    channel.close();
    expect(await drain(channel)).toEqual([3, 4]);
  });

  test('drop-newest discards the pushed value when the buffer is full', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-newest' });
    await channel.push(1);
    await channel.push(2);
    await channel.push(3);
    channel.pushNowait(4);
    channel.close();
    expect(await drain(channel)).toEqual([1, 2]);
  });

  test('a conflated channel (capacity 1, drop-oldest) keeps only the latest value', () => {
    const channel = new Channel<number>(1, { overflow: 'drop-oldest' });
    for (let i = 0; i < 100; i++) channel.pushNowait(i);
    expect(channel.pullNowait()).toBe(99);
  });

  test.each(['drop-oldest', 'drop-newest'] as const)(
    'a %s push never waits and tryPush returns true when full',
    (overflow) => {
      const channel = new Channel<number>(1, { overflow });
      channel.pushNowait(1);
      expect(channel.tryPush(2)).toBe(true);
      expect(channel.full).toBe(true);
      expect(channel.stats().waitingPushers).toBe(0);
    },
  );

  test.each(['drop-oldest', 'drop-newest'] as const)(
    'a %s channel hands the value to a waiting puller',
    async (overflow) => {
      const channel = new Channel<number>(1, { overflow });
      const pulled = channel.pull();
      await turn();
      channel.pushNowait(5);
      expect(await pulled).toBe(5);
      expect(channel.size).toBe(0);
    },
  );

  test.each(['drop-oldest', 'drop-newest'] as const)(
    'a closed %s channel still refuses pushes with ChannelClosedError',
    async (overflow) => {
      const channel = new Channel<number>(1, { overflow });
      channel.close();
      expect(() => channel.pushNowait(1)).toThrow(ChannelClosedError);
      expect(await rejection(channel.push(1))).toBeInstanceOf(ChannelClosedError);
      expect(channel.tryPush(1)).toBe(false);
    },
  );

  test('drop-oldest with an unbounded capacity never drops', () => {
    const channel = new Channel<number>(Infinity, { overflow: 'drop-oldest' });
    for (let i = 0; i < 50; i++) channel.pushNowait(i);
    expect(channel.size).toBe(50);
    expect(channel.pullNowait()).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('close', () => {
  test('close is idempotent: the first reason stays', async () => {
    const channel = new Channel<number>();
    const first = new Error('first');
    channel.close(first);
    expect(() => channel.close(new Error('second'))).not.toThrow();
    channel.close();
    expect(((await rejection(channel.pull())) as Error).cause).toBe(first);
  });

  test('buffered values stay readable after close and pulls reject only once drained', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBe(2);
    expect(await rejection(channel.pull())).toBeInstanceOf(ChannelClosedError);
  });

  test('close rejects every parked pusher with ChannelClosedError and adds none of their values', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    const parked = [channel.push(1), channel.push(2), channel.push(3)];
    await turn();
    channel.close();
    for (const error of await Promise.all(parked.map(rejection))) expect(error).toBeInstanceOf(ChannelClosedError);
    expect(channel.size).toBe(1);
    expect(channel.stats().waitingPushers).toBe(0);
  });

  test('close rejects every parked puller with ChannelClosedError carrying the reason', async () => {
    const channel = new Channel<number>();
    const parked = [channel.pull(), channel.pull()];
    await turn();
    channel.close('done');
    for (const error of await Promise.all(parked.map(rejection))) {
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).cause).toBe('done');
    }
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('for await ends normally after close()', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    expect(await drain(channel)).toEqual([1, 2]);
  });

  test('for await throws the reason after close(reason), once the buffer is drained', async () => {
    const channel = new Channel<number>(3);
    const reason = new Error('broken');
    channel.pushNowait(1);
    channel.close(reason);
    const seen: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const v of channel) seen.push(v);
      })(),
    );
    expect(seen).toEqual([1]);
    expect(error).toBe(reason);
  });

  test('for await throws a null reason too (any reason other than undefined)', async () => {
    const channel = new Channel<number>();
    channel.close(null);
    const outcome = await (async () => {
      for await (const _ of channel) {
      }
    })().then(
      () => 'ended',
      (e: unknown) => ({ threw: e }),
    );
    expect(outcome).toEqual({ threw: null });
  });

  test('for await parked on an empty channel ends when the channel is closed', async () => {
    const channel = new Channel<number>();
    const loop = watch(drain(channel));
    await turns();
    expect(loop.state).toBe('pending');
    channel.close();
    await turn();
    expect(loop).toEqual({ state: 'resolved', value: [] });
  });

  test('closing from inside a for await loop ends it after the buffered values', async () => {
    const channel = new Channel<number>(5);
    for (const v of [1, 2, 3]) channel.pushNowait(v);
    const seen: number[] = [];
    for await (const v of channel) {
      seen.push(v);
      channel.close();
    }
    expect(seen).toEqual([1, 2, 3]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('iteration and disposal', () => {
  test('several iterators running at once each get every value exactly once in total', async () => {
    const channel = new Channel<number>(4);
    const consumers = [drain(channel), drain(channel), drain(channel)];
    for (let i = 0; i < 300; i++) await channel.push(i);
    channel.close();
    const results = await Promise.all(consumers);
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const r of results) expect([...r].sort((a, b) => a - b)).toEqual(r);
  });

  test('breaking out of for await does not close the channel and loses no value', async () => {
    const channel = new Channel<number>(5);
    for (const v of [1, 2, 3, 4]) channel.pushNowait(v);
    for await (const v of channel) {
      if (v === 2) break;
    }
    expect(channel.closed).toBe(false);
    expect([channel.pullNowait(), channel.pullNowait()]).toEqual([3, 4]);
  });

  test('throwing out of for await does not close the channel and loses no value', async () => {
    const channel = new Channel<number>(5);
    for (const v of [1, 2, 3]) channel.pushNowait(v);
    await rejection(
      (async () => {
        for await (const v of channel) if (v === 1) throw new Error('x');
      })(),
    );
    expect(channel.closed).toBe(false);
    expect(channel.size).toBe(2);
  });

  test('returning from a function inside for await does not close the channel', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const first = await (async () => {
      for await (const v of channel) return v;
      return undefined;
    })();
    expect(first).toBe(1);
    expect(channel.closed).toBe(false);
    expect(channel.pullNowait()).toBe(2);
  });

  test('a second for await after a break continues with the next value', async () => {
    const channel = new Channel<number>(4);
    for (const v of [1, 2, 3]) channel.pushNowait(v);
    for await (const _ of channel) break;
    channel.close();
    expect(await drain(channel)).toEqual([2, 3]);
  });

  test('calling return() on an iterator while its next() is parked loses no later value', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const next = iterator.next();
    await turn();
    const returned = iterator.return?.();
    const taken = channel.tryPush(1);
    const [result] = await Promise.all([next, returned]);
    // either the parked next() took the value, or nobody did and tryPush said so
    if (taken) expect(result).toEqual({ value: 1, done: false });
    else expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.closed).toBe(false);
  });

  test('Symbol.asyncDispose closes the channel', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await channel[Symbol.asyncDispose]();
    expect(channel.closed).toBe(true);
    expect(channel.pullNowait()).toBe(1);
  });

  test('Symbol.dispose closes the channel', () => {
    const channel = new Channel<number>();
    channel[Symbol.dispose]();
    expect(channel.closed).toBe(true);
  });

  test('disposing a channel rejects a parked pull with ChannelClosedError', async () => {
    const channel = new Channel<number>();
    const parked = channel.pull();
    await turn();
    await channel[Symbol.asyncDispose]();
    expect(await rejection(parked)).toBeInstanceOf(ChannelClosedError);
  });

  test('a Channel satisfies the PushChannel and PullChannel views', async () => {
    const channel = new Channel<number>(4);
    const producer = async (out: PushChannel<number>): Promise<void> => {
      await out.push(1);
      out.pushNowait(2);
      expect(out.tryPush(3)).toBe(true);
      await out.pushAll([4]);
      out.close();
    };
    const consumer = async (input: PullChannel<number>): Promise<number[]> => {
      const values = [await input.pull(), input.pullNowait(), input.tryPull() as number];
      values.push(...(await input.pullMany(5)));
      for await (const v of input) values.push(v);
      return values;
    };
    await producer(channel);
    expect(await consumer(channel)).toEqual([1, 2, 3, 4]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('select', () => {
  test('a ready pull case resolves with { index, channel, value, ok: true }', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    b.pushNowait('b');
    const result = await select([pull(a), pull(b)]);
    expect(result).toEqual({ index: 1, channel: b, value: 'b', ok: true });
    expect(result.channel).toBe(b);
  });

  test('a push case resolves with value undefined and ok true, and its value is delivered', async () => {
    const a = new Channel<number>(1);
    const result = await select([push(a, 5)]);
    expect(result).toEqual({ index: 0, channel: a, value: undefined, ok: true });
    expect(a.pullNowait()).toBe(5);
  });

  test('a pull case on a closed and drained channel fires with ok false and value undefined', async () => {
    const a = new Channel<number>();
    const idle = new Channel<number>();
    a.close(new Error('x'));
    expect(await select([pull(idle), pull(a)])).toEqual({ index: 1, channel: a, value: undefined, ok: false });
    expect(idle.stats().waitingPullers).toBe(0);
  });

  test('a pull case on a closed channel with buffered values returns them with ok true first', async () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    a.close();
    expect(await select([pull(a)])).toEqual({ index: 0, channel: a, value: 1, ok: true });
    expect(await select([pull(a)])).toEqual({ index: 0, channel: a, value: undefined, ok: false });
  });

  test('a parked pull case fires with ok false when its channel is closed while it waits', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const pending = select([pull(a), pull(b)]);
    await turn();
    b.close();
    expect(await pending).toEqual({ index: 1, channel: b, value: undefined, ok: false });
    expect(a.stats().waitingPullers).toBe(0);
  });

  test('select waits until a case can proceed', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const pending = watch(select([pull(a), pull(b)]));
    await turns();
    expect(pending.state).toBe('pending');
    await b.push(2);
    await turn();
    expect(pending).toEqual({ state: 'resolved', value: { index: 1, channel: b, value: 2, ok: true } });
  });

  test('a parked push case commits when a puller arrives, and the other cases leave no trace', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const pending = select([push(a, 1), pull(b), push(b, 9)]);
    await turn();
    expect(await a.pull()).toBe(1);
    expect(await pending).toEqual({ index: 0, channel: a, value: undefined, ok: true });
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 0 });
    expect(stuckWaiters(b)).toEqual({ pushers: 0, pullers: 0 });
    expect(() => b.pullNowait()).toThrow(ChannelEmptyError);
    expect(() => b.pushNowait(3)).toThrow(ChannelFullError);
  });

  test('exactly one case commits when several are ready: no other value is consumed or delivered', async () => {
    for (let round = 0; round < 50; round++) {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      const c = new Channel<number>(1);
      a.pushNowait(1);
      b.pushNowait(2);
      const result = await select([pull(a), pull(b), push(c, 3)]);
      const sizes = [a.size, b.size, c.size];
      const expected = [1, 1, 0];
      expected[result.index] = result.index === 2 ? 1 : 0;
      expect(sizes).toEqual(expected);
    }
  });

  test('the winner among ready cases is chosen at random, each ready case winning sometimes', async () => {
    const channels = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
    const wins = [0, 0, 0];
    for (let i = 0; i < 600; i++) {
      for (const c of channels) if (c.empty) c.pushNowait(i);
      const result = await select(channels.map((c) => pull(c)));
      wins[result.index] = (wins[result.index] ?? 0) + 1;
    }
    for (const w of wins) expect(w).toBeGreaterThan(120);
  });

  test('selectNowait also picks at random among ready cases', () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    const wins = [0, 0];
    for (let i = 0; i < 400; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
      const result = selectNowait([pull(a), pull(b)]);
      if (result) wins[result.index] = (wins[result.index] ?? 0) + 1;
    }
    expect(wins[0]).toBeGreaterThan(100);
    expect(wins[1]).toBeGreaterThan(100);
  });

  test('a push case on a full drop-mode channel is always ready', async () => {
    const dropping = new Channel<number>(1, { overflow: 'drop-newest' });
    dropping.pushNowait(1);
    const idle = new Channel<number>();
    expect(await select([pull(idle), push(dropping, 2)])).toEqual({
      index: 1,
      channel: dropping,
      value: undefined,
      ok: true,
    });
    expect(selectNowait([push(dropping, 3)])).toEqual({ index: 0, channel: dropping, value: undefined, ok: true });
    expect(idle.stats().waitingPullers).toBe(0);
  });

  test('null and undefined entries are skipped and the index counts them', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(4);
    expect(await select([null, undefined, pull(a)])).toEqual({ index: 2, channel: a, value: 4, ok: true });
  });

  test('select over a list with no case rejects with a TypeError', async () => {
    expect(await rejection(select([]))).toBeInstanceOf(TypeError);
    expect(await rejection(select([null, undefined]))).toBeInstanceOf(TypeError);
  });

  test('selectNowait over a list with no case returns undefined', () => {
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
  });

  test('a push case on a channel already closed rejects, even when another case is ready', async () => {
    for (let i = 0; i < 30; i++) {
      const closed = new Channel<number>(1);
      closed.close();
      const ready = new Channel<number>(1);
      ready.pushNowait(1);
      const error = await rejection(select([pull(ready), push(closed, 2)]));
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as ChannelClosedError).channel).toBe(closed);
      expect(ready.size).toBe(1);
    }
  });

  test('a push case whose channel closes while select waits rejects it with ChannelClosedError', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const pending = select([pull(a), push(b, 1)]);
    await turn();
    b.close();
    expect(await rejection(pending)).toBeInstanceOf(ChannelClosedError);
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 0 });
    a.close();
  });

  test('selectNowait throws ChannelClosedError for a push case on a closed channel', () => {
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    const closed = new Channel<number>(1);
    closed.close();
    expect(() => selectNowait([pull(ready), push(closed, 1)])).toThrow(ChannelClosedError);
    expect(ready.size).toBe(1);
  });

  test('an already aborted signal rejects select with its reason and commits no ready case', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const reason = new Error('aborted');
    expect(await rejection(select([pull(a)], { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(a.size).toBe(1);
  });

  test('aborting a waiting select rejects it with the reason and leaves no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const pending = select([pull(a), push(b, 1)], { signal: ac.signal });
    await turn();
    ac.abort('gone');
    expect(await rejection(pending)).toBe('gone');
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 0 });
    expect(stuckWaiters(b)).toEqual({ pushers: 0, pullers: 0 });
    expect(() => b.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('a select that committed keeps its result when its signal aborts right after', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const pending = select([pull(a)], { signal: ac.signal });
    await turn();
    a.pushNowait(1);
    ac.abort();
    expect(await pending).toEqual({ index: 0, channel: a, value: 1, ok: true });
  });

  test('a select never matches its own push case with its own pull case on one channel', async () => {
    const a = new Channel<number>();
    expect(selectNowait([push(a, 1), pull(a)])).toBeUndefined();
    const pending = watch(select([push(a, 1), pull(a)]));
    await turns();
    expect(pending.state).toBe('pending');
    expect(await a.pull()).toBe(1);
    await turn();
    expect(pending).toEqual({ state: 'resolved', value: { index: 0, channel: a, value: undefined, ok: true } });
  });

  test('two selects on the two ends of an unbuffered channel meet', async () => {
    const a = new Channel<string>();
    const sender = select([push(a, 'v')]);
    const receiver = select([pull(a)]);
    expect(await receiver).toEqual({ index: 0, channel: a, value: 'v', ok: true });
    expect(await sender).toEqual({ index: 0, channel: a, value: undefined, ok: true });
  });

  test('selectNowait returns a ready case result, or undefined when none can proceed now', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    expect(selectNowait([pull(a), pull(b)])).toBeUndefined();
    b.pushNowait(2);
    expect(selectNowait([pull(a), pull(b)])).toEqual({ index: 1, channel: b, value: 2, ok: true });
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 0 });
  });

  test('selectNowait on an unbuffered channel succeeds exactly when the other side waits', async () => {
    const a = new Channel<number>();
    expect(selectNowait([push(a, 1)])).toBeUndefined();
    const pulled = a.pull();
    await turn();
    expect(selectNowait([push(a, 1)])).toEqual({ index: 0, channel: a, value: undefined, ok: true });
    expect(await pulled).toBe(1);
  });

  test('one array of cases can be passed to many selects', async () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    const cases = [pull(a), push(b, 7)] as const;
    a.pushNowait(1);
    a.pushNowait(2);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await select(cases));
    expect(seen.filter((r) => r.index === 0).map((r) => r.value)).toEqual(
      [1, 2].slice(0, seen.filter((r) => r.index === 0).length),
    );
    expect(b.size).toBe(seen.filter((r) => r.index === 1).length);
    expect(b.tryPull()).toBe(seen.some((r) => r.index === 1) ? 7 : undefined);
  });

  test('select never writes to the case descriptors it is given', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const cases = [push(a, 1), pull(b)];
    const before = cases.map((c) => Object.entries(c));
    b.pushNowait(2);
    await select(cases);
    selectNowait(cases);
    const pending = select(cases).catch(() => {});
    await turn();
    a.close();
    b.close();
    await pending;
    expect(cases.map((c) => Object.entries(c))).toEqual(before);
  });

  test('a select case list that is not an array is refused with a TypeError', async () => {
    const error = await (async () => select(42 as never))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
  });

  test('a select case that is not a case descriptor is refused with a TypeError', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const error = await (async () => select([pull(a), { channel: a } as never]))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(a.size).toBe(1);
  });

  test('pull() and push() refuse something that is not a channel with a TypeError', () => {
    expect(() => pull({} as never)).toThrow(TypeError);
    expect(() => push(null as never, 1)).toThrow(TypeError);
  });

  test('the same channel twice as pull cases delivers a value once', async () => {
    const a = new Channel<number>(1);
    const pending = select([pull(a), pull(a)]);
    await turn();
    a.pushNowait(1);
    const result = await pending;
    expect(result.value).toBe(1);
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 0 });
    expect(a.size).toBe(0);
  });

  test('a select parked on an unbuffered push is taken by pullNowait', async () => {
    const a = new Channel<number>();
    const pending = select([push(a, 11)]);
    await turn();
    expect(a.pullNowait()).toBe(11);
    expect((await pending).index).toBe(0);
  });

  test('two waiting selects sharing a channel: one value wakes exactly one of them', async () => {
    const a = new Channel<number>();
    const other1 = new Channel<number>();
    const other2 = new Channel<number>();
    const s1 = watch(select([pull(a), pull(other1)]));
    const s2 = watch(select([pull(a), pull(other2)]));
    await turn();
    a.pushNowait(1);
    await turns();
    expect([s1.state, s2.state].sort()).toEqual(['pending', 'resolved']);
    a.pushNowait(2);
    await turns();
    expect([s1.state, s2.state]).toEqual(['resolved', 'resolved']);
    expect([(s1.value as { value: number }).value, (s2.value as { value: number }).value]).toEqual([1, 2]);
  });

  test('the result type narrows value by index for a const tuple of cases', async () => {
    const nums = new Channel<number>();
    const strs = new Channel<string>(1);
    strs.pushNowait('s');
    const result = await select([pull(nums), pull(strs), push(nums, 3)] as const);
    expect(result).toEqual({ index: 1, channel: strs, value: 's', ok: true });
    if (result.index === 0) expectTypeOf(result.value).toEqualTypeOf<number | undefined>();
    if (result.index === 1) {
      expectTypeOf(result.value).toEqualTypeOf<string | undefined>();
      if (result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
    }
    if (result.index === 2) expectTypeOf(result.value).toEqualTypeOf<undefined>();
    expectTypeOf(result.index).toEqualTypeOf<0 | 1 | 2>();
  });
});

// ---------------------------------------------------------------------------------------------
describe('after', () => {
  test('after(ms) delivers Date.now() once after ms and then closes', async () => {
    const start = Date.now();
    const channel = afterMs(20);
    const values = await drain(channel);
    expect(values).toHaveLength(1);
    expect(values[0]).toBeGreaterThanOrEqual(start + 19);
    expect(values[0]).toBeLessThanOrEqual(Date.now());
    expect(channel.closed).toBe(true);
  });

  test('after(ms) delivers nothing before ms', async () => {
    const channel = afterMs(400);
    await sleep(20);
    expect(channel.tryPull()).toBeUndefined();
    channel.close();
  });

  test('after is usable as a timeout case in select', async () => {
    const never = new Channel<number>();
    const timeout = afterMs(10);
    const result = await select([pull(never), pull(timeout)]);
    expect(result.index).toBe(1);
    expect(result.ok).toBe(true);
    expect(typeof result.value).toBe('number');
    expect(never.stats().waitingPullers).toBe(0);
  });

  test('after(ms) with a signal that aborts first delivers nothing and closes the channel', async () => {
    const ac = new AbortController();
    const channel = afterMs(30, { signal: ac.signal });
    ac.abort();
    expect(channel.closed).toBe(true);
    await sleep(60);
    expect(await drain(channel)).toEqual([]);
  });

  test('after(ms) with an already aborted signal is closed at once and never delivers', async () => {
    const channel = afterMs(5, { signal: AbortSignal.abort() });
    expect(channel.closed).toBe(true);
    await sleep(20);
    expect(channel.size).toBe(0);
  });

  test('after accepts a delay above 2^31-1 ms without firing early', async () => {
    const channel = afterMs(2 ** 31 + 5_000);
    await sleep(50);
    expect(channel.size).toBe(0);
    expect(channel.closed).toBe(false);
    channel.close();
  });

  test('a closed after() channel lets the process exit at once, and nothing throws later', () => {
    const result = runScript(`
      import { after } from 'chanasync';
      const a = after(60_000); a.close();
      const b = after(2 ** 31 + 10); b.close();
      const c = after(30); c.close();
      setTimeout(() => console.log('still fine'), 60);
    `);
    expect(result).toMatchObject({ status: 0, stdout: 'still fine\n', stderr: '' });
  });
});

// ---------------------------------------------------------------------------------------------
describe('ticker', () => {
  test('ticker(ms) is a channel of capacity 1 receiving increasing Date.now() values', async () => {
    const start = Date.now();
    const channel = ticker(10);
    expect(channel.capacity).toBe(1);
    const values = [await channel.pull(), await channel.pull(), await channel.pull()];
    channel.close();
    expect(values[0]).toBeGreaterThanOrEqual(start + 9);
    expect(values[1]).toBeGreaterThan(values[0] as number);
    expect(values[2]).toBeGreaterThan(values[1] as number);
  });

  test('a tick that finds the buffer full is dropped', async () => {
    const channel = ticker(5);
    await sleep(80);
    expect(channel.size).toBe(1);
    expect(channel.stats().waitingPushers).toBe(0);
    channel.close();
  });

  test('a slow reader gets the tick that was buffered, not the latest one (Go drops the new ticks)', async () => {
    const channel = ticker(10);
    // The first tick buffered, whenever a loaded machine lets it come; then many more are due.
    while (channel.size === 0) await sleep(5);
    const buffered = Date.now();
    await sleep(400);
    const tick = await channel.pull();
    channel.close();
    expect(tick).toBeLessThanOrEqual(buffered); // the latest would be some 400 ms later
  });

  test.each([0, -1, Number.NaN, Infinity, -Infinity])('ticker(%s) throws a RangeError', (ms) => {
    expect(() => ticker(ms)).toThrow(RangeError);
  });

  test('ticker with a non-number period is refused', () => {
    const error = thrown(() => ticker('10' as never));
    expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
  });

  test('aborting the signal closes the ticker and no more ticks arrive', async () => {
    const ac = new AbortController();
    const channel = ticker(5, { signal: ac.signal });
    await channel.pull();
    ac.abort();
    expect(channel.closed).toBe(true);
    await sleep(30);
    expect(channel.size).toBeLessThanOrEqual(1);
    const rest = await drain(channel).catch(() => []);
    expect(rest.length).toBeLessThanOrEqual(1);
  });

  test('the ticker schedule does not drift: a late tick does not push the next ones back', async () => {
    // 500 ms: the second tick is due 250 ms after the late first one, a chained schedule's 500
    // ms or more — room for a loaded machine's late timers.
    const ms = 500;
    const start = Date.now();
    const channel = ticker(ms);
    const block = Date.now() + 2.5 * ms;
    while (Date.now() < block) {
      // a long synchronous task makes the first tick late
    }
    const first = await channel.pull();
    const second = await channel.pull();
    channel.close();
    expect(first).toBeGreaterThanOrEqual(start + 2.5 * ms - 1);
    // due at start + 3·ms; a schedule chained from the late tick would give first + ms or later
    expect(second - first).toBeLessThan(ms - 20);
  });

  test('a closed or aborted ticker lets the process exit, also for a period above 2^31-1 ms', () => {
    const result = runScript(`
      import { ticker } from 'chanasync';
      const a = ticker(5); a.close();
      const ac = new AbortController();
      ticker(7, { signal: ac.signal }); ac.abort();
      const b = ticker(2 ** 31 + 10); b.close();
      setTimeout(() => console.log('ok'), 40);
    `);
    expect(result).toMatchObject({ status: 0, stdout: 'ok\n', stderr: '' });
  });
});

// ---------------------------------------------------------------------------------------------
describe('Errors', () => {
  test('the error classes form the documented hierarchy', () => {
    for (const E of [ChannelClosedError, ChannelFullError, ChannelEmptyError]) {
      expect(E.prototype).toBeInstanceOf(ChannelError);
    }
    expect(ChannelError.prototype).toBeInstanceOf(Error);
  });

  test('each error has name equal to its class name, a channel property and names the channel and the operation', async () => {
    const channel = new Channel<number>(1, { name: 'orders' });
    channel.pushNowait(1);
    const full = thrown(() => channel.pushNowait(2)) as ChannelFullError;
    expect(full.name).toBe('ChannelFullError');
    expect(full.channel).toBe(channel);
    expect(full.message).toContain('orders');
    expect(full.message).toContain('pushNowait');

    channel.pullNowait();
    const empty = thrown(() => channel.pullNowait()) as ChannelEmptyError;
    expect(empty.name).toBe('ChannelEmptyError');
    expect(empty.channel).toBe(channel);
    expect(empty.message).toContain('orders');
    expect(empty.message).toContain('pullNowait');

    channel.close();
    const closed = (await rejection(channel.push(1))) as ChannelClosedError;
    expect(closed.name).toBe('ChannelClosedError');
    expect(closed.channel).toBe(channel);
    expect(closed.message).toContain('orders');
    expect(closed.message).toContain('push');

    const pulled = (await rejection(channel.pull())) as ChannelClosedError;
    expect(pulled.message).toContain('pull');
    expect(pulled).toBeInstanceOf(ChannelError);
    expect(pulled).toBeInstanceOf(Error);
  });

  test('the error of an unnamed channel does not print "undefined"', () => {
    const error = thrown(() => new Channel<number>().pullNowait()) as Error;
    expect(error.message).not.toContain('undefined');
    expect(error.message.length).toBeGreaterThan(0);
  });

  test('String(error) starts with the class name', () => {
    const error = thrown(() => new Channel<number>(1).pullNowait()) as Error;
    expect(String(error)).toMatch(/^ChannelEmptyError: /);
  });

  test('a ChannelClosedError from a select names the channel of the failing push case', async () => {
    const channel = new Channel<number>(1, { name: 'sink' });
    channel.close();
    const error = (await rejection(select([push(channel, 1)]))) as ChannelClosedError;
    expect(error.channel).toBe(channel);
    expect(error.message).toContain('sink');
  });

  test('errors carry a stack', () => {
    const error = thrown(() => new Channel<number>().pushNowait(1)) as Error;
    expect(typeof error.stack).toBe('string');
  });
});

// ---------------------------------------------------------------------------------------------
describe('Channel.from', () => {
  test('Channel.from(array) yields every value in order and then closes', async () => {
    expect(await drain(Channel.from([1, 2, 3]))).toEqual([1, 2, 3]);
  });

  test('Channel.from(async iterable) yields every value and then closes', async () => {
    async function* gen(): AsyncGenerator<string> {
      yield 'a';
      await sleep(1);
      yield 'b';
    }
    expect(await drain(Channel.from(gen()))).toEqual(['a', 'b']);
  });

  test('Channel.from(ReadableStream) yields the chunks and then closes', async () => {
    const stream = new ReadableStream<number>({
      start(controller) {
        controller.enqueue(1);
        controller.enqueue(2);
        controller.close();
      },
    });
    expect(await drain(Channel.from(stream))).toEqual([1, 2]);
  });

  test('an endless source is pulled no more than capacity values ahead of the consumer', async () => {
    let produced = 0;
    function* endless(): Generator<number> {
      for (;;) yield produced++;
    }
    const channel = Channel.from(endless(), { capacity: 2 });
    await turns(5);
    expect(produced).toBeLessThanOrEqual(2);
    expect(await channel.pull()).toBe(0);
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBe(2);
    await turns(5);
    expect(produced).toBeLessThanOrEqual(3 + 2);
    channel.close();
  });

  test('an endless async source is pulled lazily', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<number> {
      for (;;) yield produced++;
    }
    const channel = Channel.from(endless(), { capacity: 1 });
    await turns(10);
    expect(produced).toBeLessThanOrEqual(1);
    expect(await channel.pull()).toBe(0);
    await turns(10);
    expect(produced).toBeLessThanOrEqual(2);
    channel.close();
  });

  test('a source that throws closes the channel with that error after the values before it', async () => {
    const boom = new Error('boom');
    function* failing(): Generator<number> {
      yield 1;
      throw boom;
    }
    const channel = Channel.from(failing());
    const seen: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const v of channel) seen.push(v);
      })(),
    );
    expect(seen).toEqual([1]);
    expect(error).toBe(boom);
    expect(((await rejection(channel.pull())) as Error).cause).toBe(boom);
  });

  test('an erroring ReadableStream closes the channel with its error', async () => {
    const boom = new Error('stream broke');
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.error(boom);
      },
    });
    const error = await rejection(drain(Channel.from(stream)));
    expect(error).toBe(boom);
  });

  test('closing the channel stops the source and runs its finally block', async () => {
    let finished = false;
    function* gen(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finished = true;
      }
    }
    const channel = Channel.from(gen(), { capacity: 1 });
    expect(await channel.pull()).toBe(0);
    channel.close();
    await turns(5);
    expect(finished).toBe(true);
  });

  test('aborting the signal stops feeding from the source', async () => {
    let finished = false;
    let produced = 0;
    async function* gen(): AsyncGenerator<number> {
      try {
        for (;;) yield produced++;
      } finally {
        finished = true;
      }
    }
    const ac = new AbortController();
    const channel = Channel.from(gen(), { capacity: 1, signal: ac.signal });
    await channel.pull();
    ac.abort();
    await turns(5);
    const count = produced;
    await turns(5);
    expect(produced).toBe(count);
    expect(finished).toBe(true);
  });

  test('Channel.from refuses something that is not iterable with a TypeError', () => {
    expect(() => Channel.from(42 as never)).toThrow(TypeError);
  });

  test('Channel.from with a negative capacity throws a RangeError', () => {
    expect(() => Channel.from([1], { capacity: -1 })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
describe('toReadableStream', () => {
  test('with the default highWaterMark it pulls only for a pending read', async () => {
    const channel = new Channel<number>(3);
    for (const v of [1, 2, 3]) channel.pushNowait(v);
    const reader = channel.toReadableStream().getReader();
    await turns(5);
    expect(channel.size).toBe(3);
    expect(await reader.read()).toEqual({ value: 1, done: false });
    await turns(5);
    expect(channel.size).toBe(2);
    reader.releaseLock();
  });

  test('the stream closes when the channel is closed and drained', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.close();
    const reader = channel.toReadableStream().getReader();
    expect(await reader.read()).toEqual({ value: 1, done: false });
    expect(await reader.read()).toEqual({ value: undefined, done: true });
  });

  test('the stream errors with the close reason', async () => {
    const channel = new Channel<number>();
    const reason = new Error('fail');
    const reader = channel.toReadableStream().getReader();
    const read = reader.read();
    await turn();
    channel.close(reason);
    expect(await rejection(read)).toBe(reason);
  });

  test('cancelling the stream does not close the channel and consumes nothing more', async () => {
    const channel = new Channel<number>();
    const stream = channel.toReadableStream();
    const reader = stream.getReader();
    const read = reader.read();
    await turn();
    await reader.cancel();
    await read;
    await turn();
    expect(channel.closed).toBe(false);
    expect(channel.stats().waitingPullers).toBe(0);
    const pushed = channel.push(5);
    await turn();
    expect(channel.pullNowait()).toBe(5);
    await pushed;
  });

  test('a stream with highWaterMark n pulls up to n values ahead', async () => {
    const channel = new Channel<number>(5);
    for (const v of [1, 2, 3, 4, 5]) channel.pushNowait(v);
    const stream = channel.toReadableStream({ highWaterMark: 2 });
    await turns(5);
    expect(channel.size).toBe(3);
    await stream.cancel();
  });

  test('a stream works with for await over the stream reader', async () => {
    const channel = Channel.from([1, 2, 3]);
    const reader = channel.toReadableStream().getReader();
    const values: number[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      values.push(value);
    }
    expect(values).toEqual([1, 2, 3]);
  });

  test('toReadableStream with a negative highWaterMark is refused with a RangeError', () => {
    expect(() => new Channel<number>().toReadableStream({ highWaterMark: -1 })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
describe('fromEvent', () => {
  /** An EventTarget that knows which listeners are registered on it. */
  class CountingTarget extends EventTarget {
    readonly registered = new Set<unknown>();
    get listeners(): number {
      return this.registered.size;
    }
    override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
      const [, listener, options] = args;
      const signal = typeof options === 'object' ? options.signal : undefined;
      if (signal?.aborted) return;
      this.registered.add(listener);
      signal?.addEventListener('abort', () => this.registered.delete(listener), { once: true });
      super.addEventListener(...args);
    }
    override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
      this.registered.delete(args[1]);
      super.removeEventListener(...args);
    }
  }

  test('fromEvent delivers dispatched events into the channel', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'ping');
    const event = new Event('ping');
    target.dispatchEvent(event);
    expect(await channel.pull()).toBe(event);
    channel.close();
  });

  test('fromEvent defaults to capacity 1 with drop-oldest: the latest event wins', () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'x');
    expect(channel.stats()).toMatchObject({ capacity: 1, overflow: 'drop-oldest' });
    const events = [new Event('x'), new Event('x'), new Event('x')];
    for (const e of events) target.dispatchEvent(e);
    expect(channel.pullNowait()).toBe(events[2]);
    channel.close();
  });

  test('fromEvent honours capacity and overflow options', () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'x', { capacity: 2, overflow: 'drop-newest' });
    const events = [new Event('x'), new Event('x'), new Event('x')];
    for (const e of events) target.dispatchEvent(e);
    expect([channel.pullNowait(), channel.pullNowait()]).toEqual([events[0], events[1]]);
    channel.close();
  });

  test('closing the channel removes the listener', () => {
    const target = new CountingTarget();
    const channel = fromEvent(target, 'x');
    expect(target.listeners).toBe(1);
    channel.close();
    expect(target.listeners).toBe(0);
    expect(() => target.dispatchEvent(new Event('x'))).not.toThrow();
    expect(channel.size).toBe(0);
  });

  test('aborting the signal removes the listener and closes the channel', () => {
    const target = new CountingTarget();
    const ac = new AbortController();
    const channel = fromEvent(target, 'x', { signal: ac.signal });
    ac.abort();
    expect(target.listeners).toBe(0);
    expect(channel.closed).toBe(true);
  });

  test('an already aborted signal gives a closed channel and leaves no listener', () => {
    const target = new CountingTarget();
    const channel = fromEvent(target, 'x', { signal: AbortSignal.abort() });
    expect(channel.closed).toBe(true);
    target.dispatchEvent(new Event('x'));
    expect(target.listeners).toBe(0);
    expect(channel.size).toBe(0);
  });

  test('fromEvent with a blocking channel keeps every event in order', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'x', { capacity: 10, overflow: 'block' });
    const events = Array.from({ length: 5 }, () => new Event('x'));
    for (const e of events) target.dispatchEvent(e);
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await channel.pull());
    expect(got).toEqual(events);
    channel.close();
  });

  test('fromEvent refuses a target that is not an EventTarget with a TypeError', () => {
    expect(() => fromEvent({} as never, 'x')).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
describe('merge', () => {
  test('merge fans in every value, keeping each input order, and closes after all inputs', async () => {
    const a = Channel.from([1, 2, 3]);
    const b = Channel.from(['a', 'b', 'c']);
    const values = await drain(merge(a, b));
    expect(values.filter((v) => typeof v === 'number')).toEqual([1, 2, 3]);
    expect(values.filter((v) => typeof v === 'string')).toEqual(['a', 'b', 'c']);
  });

  test('merge stays open while one input is open', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const merged = merge(a, b);
    a.close();
    await turns(5);
    expect(merged.closed).toBe(false);
    await b.push(4);
    expect(await merged.pull()).toBe(4);
    b.close();
    expect(await drain(merged)).toEqual([]);
  });

  test('merge reads the buffered values of an input closed before merging', async () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    a.pushNowait(2);
    a.close();
    expect(await drain(merge(a))).toEqual([1, 2]);
  });

  test('merge of the same channel twice delivers each value once', async () => {
    const a = Channel.from([1, 2, 3, 4]);
    const values = await drain(merge(a, a));
    expect(values.sort()).toEqual([1, 2, 3, 4]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('tryPush and tryPull', () => {
  test('tryPush returns true when it commits', () => {
    const channel = new Channel<number>(1);
    expect(channel.tryPush(1)).toBe(true);
    expect(channel.pullNowait()).toBe(1);
  });

  test('tryPush returns false when the push would have to wait', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(channel.tryPush(2)).toBe(false);
    expect(new Channel<number>().tryPush(1)).toBe(false);
    expect(channel.pullNowait()).toBe(1);
    expect(channel.tryPull()).toBeUndefined();
  });

  test('tryPush returns false on a closed channel instead of throwing', () => {
    const channel = new Channel<number>(5);
    channel.close();
    expect(channel.tryPush(1)).toBe(false);
    expect(channel.closed).toBe(true);
  });

  test('tryPush on an unbuffered channel hands the value to a waiting puller', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull();
    await turn();
    expect(channel.tryPush(3)).toBe(true);
    expect(await pulled).toBe(3);
  });

  test('tryPush hands the value to a parked select pull case', async () => {
    const channel = new Channel<number>();
    const pending = select([pull(channel)]);
    await turn();
    expect(channel.tryPush(3)).toBe(true);
    expect((await pending).value).toBe(3);
  });

  test('tryPull returns the next value, or undefined when there is none', () => {
    const channel = new Channel<number>(2);
    expect(channel.tryPull()).toBeUndefined();
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(channel.tryPull()).toBe(1);
    expect(channel.tryPull()).toBe(2);
    expect(channel.tryPull()).toBeUndefined();
  });

  test('tryPull returns undefined on a closed and drained channel instead of throwing', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close(new Error('x'));
    expect(channel.tryPull()).toBe(1);
    expect(channel.tryPull()).toBeUndefined();
  });

  test('tryPull on an unbuffered channel takes a waiting pusher value and that push resolves', async () => {
    const channel = new Channel<number>();
    const pushed = channel.push(6);
    await turn();
    expect(channel.tryPull()).toBe(6);
    await expect(pushed).resolves.toBeUndefined();
  });

  test('tryPull on a full buffer with a parked pusher moves the pusher value in', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const pushed = channel.push(2);
    await turn();
    expect(channel.tryPull()).toBe(1);
    await pushed;
    expect(channel.size).toBe(1);
    expect(channel.tryPull()).toBe(2);
  });

  test('tryPull takes the value of a parked select push case', async () => {
    const channel = new Channel<number>();
    const pending = select([push(channel, 4)]);
    await turn();
    expect(channel.tryPull()).toBe(4);
    expect((await pending).index).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('pullMany', () => {
  test('pullMany takes up to max buffered values in FIFO order at once', async () => {
    const channel = new Channel<number>(5);
    for (const v of [1, 2, 3, 4, 5]) channel.pushNowait(v);
    expect(await channel.pullMany(3)).toEqual([1, 2, 3]);
    expect(channel.size).toBe(2);
    expect(await channel.pullMany(10)).toEqual([4, 5]);
  });

  test('pullMany takes the buffer first, then the parked pushers values, each pusher resolving', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const pushes = [channel.push(3), channel.push(4), channel.push(5)];
    await turn();
    expect(await channel.pullMany(4)).toEqual([1, 2, 3, 4]);
    await Promise.all(pushes.slice(0, 2));
    await turn();
    const rest = await channel.pullMany(4);
    await pushes[2];
    expect(rest).toEqual([5]);
    expect(stuckWaiters(channel)).toEqual({ pushers: 0, pullers: 0 });
  });

  test('pullMany on an unbuffered channel takes the values of the parked pushers', async () => {
    const channel = new Channel<number>();
    const pushes = [1, 2, 3].map((v) => channel.push(v));
    await turn();
    expect(await channel.pullMany(2)).toEqual([1, 2]);
    await Promise.all(pushes.slice(0, 2));
    expect(channel.stats().waitingPushers).toBe(1);
    expect(channel.pullNowait()).toBe(3);
  });

  test('pullMany waits until at least one value can be taken', async () => {
    const channel = new Channel<number>(4);
    const pending = watch(channel.pullMany(3));
    await turns();
    expect(pending.state).toBe('pending');
    channel.pushNowait(1);
    await turns();
    expect(pending.state).toBe('resolved');
    expect(pending.value?.[0]).toBe(1);
    expect(pending.value?.length).toBeGreaterThanOrEqual(1);
  });

  test('a parked pullMany is served before a later pull', async () => {
    const channel = new Channel<number>();
    const many = channel.pullMany(5);
    const one = channel.pull();
    await turn();
    channel.pushNowait(1);
    await turn();
    channel.pushNowait(2);
    expect(await many).toEqual([1]);
    expect(await one).toBe(2);
  });

  test('pullMany on a closed channel returns the remaining values, then rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const reason = new Error('r');
    channel.close(reason);
    expect(await channel.pullMany(5)).toEqual([1, 2]);
    const error = await rejection(channel.pullMany(5));
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
  });

  test('a parked pullMany rejects with ChannelClosedError on close', async () => {
    const channel = new Channel<number>();
    const pending = channel.pullMany(3);
    await turn();
    channel.close();
    expect(await rejection(pending)).toBeInstanceOf(ChannelClosedError);
  });

  test('pullMany with an already aborted signal rejects with its reason and takes nothing', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    const reason = new Error('a');
    expect(await rejection(channel.pullMany(2, { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(channel.size).toBe(1);
  });

  test('aborting a parked pullMany rejects it, takes nothing and leaves no waiter', async () => {
    const channel = new Channel<number>(2);
    const ac = new AbortController();
    const pending = channel.pullMany(2, { signal: ac.signal });
    await turn();
    ac.abort('stop');
    expect(await rejection(pending)).toBe('stop');
    expect(channel.stats().waitingPullers).toBe(0);
    channel.pushNowait(1);
    expect(channel.size).toBe(1);
  });

  test.each([0, -1, 1.5, Number.NaN, Infinity])('pullMany(%s) throws a RangeError', async (max) => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const error = await (async () => channel.pullMany(max))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect(channel.size).toBe(1);
  });

  test('pullMany with a non-number max is refused', async () => {
    const channel = new Channel<number>(1);
    const error = await (async () => channel.pullMany('2' as never))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
  });

  test('pullMany(1) behaves like pull', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await channel.pullMany(1)).toEqual([1]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('pushAll', () => {
  test('pushAll pushes the values in order and resolves once all are committed', async () => {
    const channel = new Channel<number>(10);
    await channel.pushAll([1, 2, 3]);
    expect(await channel.pullMany(10)).toEqual([1, 2, 3]);
  });

  test('pushAll into a small buffer waits for room and keeps order', async () => {
    const channel = new Channel<number>(1);
    const done = watch(channel.pushAll([1, 2, 3, 4]));
    await turns();
    expect(done.state).toBe('pending');
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await channel.pull());
    await turn();
    expect(got).toEqual([1, 2, 3, 4]);
    expect(done.state).toBe('resolved');
  });

  test('pushAll on an unbuffered channel is a rendezvous per value', async () => {
    const channel = new Channel<string>();
    const done = watch(channel.pushAll(['a', 'b']));
    expect(await channel.pull()).toBe('a');
    await turns();
    expect(done.state).toBe('pending');
    expect(await channel.pull()).toBe('b');
    await turn();
    expect(done.state).toBe('resolved');
  });

  test('pushAll accepts any iterable, such as a generator and a Set', async () => {
    const channel = new Channel<number>(Infinity);
    await channel.pushAll(new Set([1, 2]));
    await channel.pushAll(
      (function* () {
        yield 3;
        yield 4;
      })(),
    );
    expect(await channel.pullMany(10)).toEqual([1, 2, 3, 4]);
  });

  test('pushAll of an empty iterable resolves and pushes nothing', async () => {
    const channel = new Channel<number>(1);
    await channel.pushAll([]);
    expect(channel.size).toBe(0);
  });

  test('pushAll rejects with ChannelClosedError whose pushed counts the committed values when the channel closes part-way', async () => {
    const channel = new Channel<number>(2);
    const all = channel.pushAll([1, 2, 3, 4, 5]);
    await turn();
    expect(await channel.pull()).toBe(1);
    await turn();
    channel.close();
    const error = (await rejection(all)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(3);
    expect(await drain(channel)).toEqual([2, 3]);
  });

  test('pushAll on a channel already closed rejects with pushed 0', async () => {
    const channel = new Channel<number>(2);
    channel.close();
    const error = (await rejection(channel.pushAll([1]))) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(0);
  });

  test('an aborted pushAll rejects with the signal reason, whose pushed counts the committed values', async () => {
    const channel = new Channel<number>(2);
    const ac = new AbortController();
    const reason = new Error('stop');
    const all = channel.pushAll([1, 2, 3, 4], { signal: ac.signal });
    await turn();
    ac.abort(reason);
    const error = (await rejection(all)) as Error & { pushed?: number };
    expect(error).toBe(reason);
    expect(error.pushed).toBe(2);
    expect(channel.stats().waitingPushers).toBe(0);
    expect(await channel.pullMany(10)).toEqual([1, 2]);
  });

  test('an aborted pushAll with the default reason sets pushed on the AbortError', async () => {
    const channel = new Channel<number>(1);
    const ac = new AbortController();
    const all = channel.pushAll([1, 2], { signal: ac.signal });
    await turn();
    ac.abort();
    const error = (await rejection(all)) as DOMException & { pushed?: number };
    expect(error.name).toBe('AbortError');
    expect(error.pushed).toBe(1);
  });

  test('pushAll with an already aborted signal pushes nothing', async () => {
    const channel = new Channel<number>(5);
    const reason = new Error('early');
    const error = (await rejection(channel.pushAll([1, 2], { signal: AbortSignal.abort(reason) }))) as Error & {
      pushed?: number;
    };
    expect(error).toBe(reason);
    expect(error.pushed).toBe(0);
    expect(channel.size).toBe(0);
  });

  test('pushAll on a drop-newest channel never waits', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-newest' });
    await channel.pushAll([1, 2, 3, 4]);
    expect(await channel.pullMany(5)).toEqual([1, 2]);
  });

  test('pushAll on a drop-oldest channel keeps the last values', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-oldest' });
    await channel.pushAll([1, 2, 3, 4]);
    expect(await channel.pullMany(5)).toEqual([3, 4]);
  });

  test('pushAll of something that is not iterable is refused with a TypeError', async () => {
    const channel = new Channel<number>(1);
    const error = await (async () => channel.pushAll(5 as never))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
  });

  test('values pushed by pushAll stay contiguous against a second producer that waits', async () => {
    const channel = new Channel<number>(1);
    const all = channel.pushAll([1, 2, 3]);
    const other = channel.push(100);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await channel.pull());
    await Promise.all([all, other]);
    expect(got.filter((v) => v < 100)).toEqual([1, 2, 3]);
    expect(got).toContain(100);
  });
});

// ---------------------------------------------------------------------------------------------
describe('broadcast', () => {
  test('every subscriber receives every value pulled after it subscribed, in order', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    for (const v of [1, 2, 3]) source.pushNowait(v);
    source.close();
    expect(await Promise.all([drain(a), drain(b)])).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  test('subscribe() without options gives capacity 1 and block', () => {
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe();
    expect(sub.capacity).toBe(1);
    expect(sub.stats().overflow).toBe('block');
    hub.close();
  });

  test('with no subscriber it pulls nothing: values wait in the source', async () => {
    const source = new Channel<number>(3);
    source.pushNowait(1);
    source.pushNowait(2);
    const hub = broadcast(source);
    await turns(5);
    expect(source.size).toBe(2);
    const sub = hub.subscribe();
    expect(await sub.pull()).toBe(1);
    hub.close();
  });

  test('the slowest blocking subscriber sets the pace: no value is pulled while it has no room', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const fast = hub.subscribe();
    const slow = hub.subscribe();
    for (let i = 1; i <= 10; i++) source.pushNowait(i);
    expect(await fast.pull()).toBe(1);
    await turns(5);
    expect(fast.size).toBe(0);
    expect(source.size).toBe(9);
    expect(slow.pullNowait()).toBe(1);
    expect(await fast.pull()).toBe(2);
    hub.close();
  });

  test('a drop-mode subscriber never holds the others back', async () => {
    const source = Channel.from([1, 2, 3, 4, 5]);
    const hub = broadcast(source);
    const lagging = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const reader = hub.subscribe({ capacity: 1 });
    expect(await drain(reader)).toEqual([1, 2, 3, 4, 5]);
    expect(await drain(lagging)).toEqual([5]);
  });

  test('a subscriber leaves when its channel is closed', async () => {
    const source = Channel.from([1, 2, 3, 4]);
    const hub = broadcast(source);
    const quitter = hub.subscribe();
    const stayer = hub.subscribe();
    expect(await stayer.pull()).toBe(1);
    quitter.close();
    expect(await drain(stayer)).toEqual([2, 3, 4]);
  });

  test('a subscriber leaves when its signal aborts, and its channel is closed', async () => {
    const source = Channel.from([1, 2, 3, 4]);
    const hub = broadcast(source);
    const ac = new AbortController();
    const quitter = hub.subscribe({ signal: ac.signal });
    const stayer = hub.subscribe();
    expect(await stayer.pull()).toBe(1);
    ac.abort();
    expect(quitter.closed).toBe(true);
    expect(await drain(stayer)).toEqual([2, 3, 4]);
  });

  test('a subscriber only sees values pulled after it subscribed', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const first = hub.subscribe();
    source.pushNowait(1);
    expect(await first.pull()).toBe(1);
    const second = hub.subscribe();
    source.pushNowait(2);
    source.close();
    expect(await drain(first)).toEqual([2]);
    expect(await drain(second)).toEqual([2]);
  });

  test('when the source is closed with a reason, every subscriber is closed with the same reason after its values', async () => {
    const source = new Channel<number>(5);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 5 });
    const b = hub.subscribe({ capacity: 5 });
    const reason = new Error('upstream');
    source.pushNowait(1);
    source.pushNowait(2);
    source.close(reason);
    for (const sub of [a, b]) {
      const seen: number[] = [];
      const error = await rejection(
        (async () => {
          for await (const v of sub) seen.push(v);
        })(),
      );
      expect(seen).toEqual([1, 2]);
      expect(error).toBe(reason);
    }
  });

  test('broadcast.close() stops pulling and closes the subscribers, leaving unpulled values in the source', async () => {
    const source = new Channel<number>(10);
    for (let i = 1; i <= 5; i++) source.pushNowait(i);
    const hub = broadcast(source);
    const sub = hub.subscribe();
    await turns(5);
    hub.close();
    await turns(5);
    const got = await drain(sub);
    expect(got.length + source.size).toBe(5);
    expect(got).toEqual([1, 2, 3, 4, 5].slice(0, got.length));
    expect(source.closed).toBe(false);
    expect(sub.closed).toBe(true);
  });

  test('no value is pulled that is not delivered to every subscriber present', async () => {
    const source = new Channel<number>(10);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 1 });
    for (let i = 1; i <= 6; i++) source.pushNowait(i);
    await turns(5);
    hub.close();
    await turns(3);
    const [gotA, gotB] = await Promise.all([drain(a), drain(b)]);
    expect(gotA).toEqual(gotB);
    expect(gotA).toEqual([1]);
    expect(source.size).toBe(5);
  });

  test('a subscriber with a larger capacity receives up to its capacity while another reads', async () => {
    const source = new Channel<number>(3);
    const hub = broadcast(source);
    const buffered = hub.subscribe({ capacity: 3 });
    const reader = hub.subscribe();
    const read = drain(reader);
    for (const v of [1, 2, 3]) await source.push(v);
    await turns(3);
    expect(buffered.size).toBe(3);
    source.close();
    expect(await read).toEqual([1, 2, 3]);
    expect(await drain(buffered)).toEqual([1, 2, 3]);
  });

  test('subscribe refuses a bad capacity with a RangeError', () => {
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    hub.close();
  });

  test('broadcast refuses a source that is not a channel with a TypeError', () => {
    expect(() => broadcast({} as never)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Packaging
// ---------------------------------------------------------------------------------------------

/** Runs an ES module script with Node in the project folder (so `chanasync` resolves). */
function runScript(source: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'outsider-core-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'chanasync'), 'dir');
    const file = join(dir, 'script.mjs');
    writeFileSync(file, source);
    const result = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bundle(entry: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    write: false,
    minify: false,
    platform: 'neutral',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('Packaging', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  test('the package is ESM only, side-effect free and has no runtime dependencies', () => {
    expect(pkg.name).toBe('chanasync');
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.main === undefined || String(pkg.main).endsWith('.js')).toBe(true);
  });

  test('every exports entry has types, and chanasync and chanasync/debug are entries', () => {
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './debug']));
    for (const [key, entry] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (key === './package.json') continue;
      expect(entry).toHaveProperty('types');
    }
  });

  test('the shipped JavaScript uses no Node API', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.js')) files.push(path);
      }
    };
    walk(join(root, 'dist'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect({
        file,
        hits: text.match(/from\s+["']node:|\bprocess\.|\bBuffer\.|\bsetImmediate\(|\brequire\(/g),
      }).toEqual({
        file,
        hits: null,
      });
    }
  });

  test('a bundle that imports only Channel contains no select, helpers or debug code', async () => {
    const channelOnly = await bundle(`import { Channel } from 'chanasync'; console.log(new Channel(1));`);
    const withSelect = await bundle(`import { select } from 'chanasync'; console.log(select);`);
    expect(withSelect).toMatch(/function select\b/);
    for (const name of [
      'select',
      'selectNowait',
      'broadcast',
      'ticker',
      'after',
      'merge',
      'fromEvent',
      'enableDebug',
    ]) {
      expect({ name, found: new RegExp(`function ${name}\\b`).test(channelOnly) }).toEqual({ name, found: false });
    }
    expect(channelOnly).not.toContain('chanasync-inspector');
    expect(channelOnly.length).toBeLessThan(withSelect.length + 20_000);
  });

  test('Channel and errors work when Symbol.asyncDispose and Symbol.dispose are missing, through Symbol.for', async () => {
    const code = await build({
      stdin: {
        contents: `import { Channel } from 'chanasync'; globalThis.Channel = Channel;`,
        resolveDir: root,
        loader: 'js',
      },
      bundle: true,
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    const context: Record<string, unknown> = { queueMicrotask, setTimeout, clearTimeout };
    const out = runInNewContext(
      `'use strict';
       const hadAsync = typeof Symbol.asyncDispose;
       const hadSync = typeof Symbol.dispose;
       ${code.outputFiles[0]?.text}
       const a = new Channel(1);
       const b = new Channel(1);
       const asyncKey = typeof Symbol.asyncDispose === 'symbol' ? Symbol.asyncDispose : Symbol.for('Symbol.asyncDispose');
       const syncKey = typeof Symbol.dispose === 'symbol' ? Symbol.dispose : Symbol.for('Symbol.dispose');
       const viaFor = typeof Channel.prototype[Symbol.for('Symbol.asyncDispose')] === 'function'
         && typeof Channel.prototype[Symbol.for('Symbol.dispose')] === 'function';
       a[asyncKey]();
       b[syncKey]();
       ({ hadAsync, hadSync, viaFor, closed: [a.closed, b.closed] })`,
      context,
    );
    expect(out.hadAsync).toBe('undefined');
    expect(out.hadSync).toBe('undefined');
    expect(out.viaFor).toBe(true);
    expect(out.closed).toEqual([true, true]);
  });

  test('dist/index.js loads as-is from <script type="module"> in Chromium', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outsider-core-page-'));
    try {
      mkdirSync(join(dir, 'dist'));
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
      writeFileSync(
        join(dir, 'index.html'),
        `<!doctype html><link rel="icon" href="data:,"><pre id="out"></pre>
<script type="module">
  import { Channel, select, pull, after } from './dist/index.js';
  const ch = new Channel(1);
  await ch.push(1);
  const r = await select([pull(ch), pull(after(1000))]);
  ch.close();
  let ended = true;
  for await (const _ of ch) ended = false;
  document.getElementById('out').textContent = JSON.stringify({ index: r.index, value: r.value, ended });
</script>`,
      );
      const { out, problems } = await openStaticPage(dir);
      expect(problems).toEqual([]);
      expect(out).toEqual({ index: 0, value: 1, ended: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('more edge cases', () => {
  test('stats() returns a snapshot that later operations do not change', () => {
    const channel = new Channel<number>(2);
    const before = channel.stats();
    channel.pushNowait(1);
    expect(before.size).toBe(0);
    expect(channel.stats().size).toBe(1);
  });

  test('a closed channel still reports its buffered values in size, full and empty', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    expect([channel.size, channel.full, channel.empty, channel.closed]).toEqual([2, true, false, true]);
  });

  test('a capacity of Number.MAX_SAFE_INTEGER is a valid buffered channel', () => {
    const channel = new Channel<number>(Number.MAX_SAFE_INTEGER);
    channel.pushNowait(1);
    expect(channel.capacity).toBe(Number.MAX_SAFE_INTEGER);
    expect(channel.full).toBe(false);
  });

  test('a parked select push case and a parked push are served in the order they parked', async () => {
    const channel = new Channel<number>();
    const plain = channel.push(1);
    const selected = select([push(channel, 2)]);
    const plain2 = channel.push(3);
    await turn();
    expect([await channel.pull(), await channel.pull(), await channel.pull()]).toEqual([1, 2, 3]);
    await Promise.all([plain, selected, plain2]);
  });

  test('a parked select pull case and a parked pull are served in the order they parked', async () => {
    const channel = new Channel<number>();
    const plain = channel.pull();
    const selected = select([pull(channel)]);
    await turn();
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await plain).toBe(1);
    expect((await selected).value).toBe(2);
  });

  test('pushAll hands values straight to parked pullers of an unbuffered channel', async () => {
    const channel = new Channel<number>();
    const pulls = [channel.pull(), channel.pull()];
    await turn();
    await channel.pushAll([1, 2]);
    expect(await Promise.all(pulls)).toEqual([1, 2]);
  });

  test('pullMany takes the value of a parked select push case', async () => {
    const channel = new Channel<number>();
    const pending = select([push(channel, 1)]);
    const plain = channel.push(2);
    await turn();
    expect(await channel.pullMany(5)).toEqual([1, 2]);
    expect((await pending).index).toBe(0);
    await plain;
  });

  test('pullMany with a huge max takes everything available', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await channel.pullMany(1e9)).toEqual([1, 2]);
  });

  test('Channel.from with capacity 0 reads its source only for a waiting pull', async () => {
    let produced = 0;
    function* gen(): Generator<number> {
      for (;;) yield produced++;
    }
    const channel = Channel.from(gen(), { capacity: 0 });
    await turns(5);
    expect(produced).toBe(0);
    expect(await channel.pull()).toBe(0);
    await turns(5);
    expect(produced).toBe(1);
    channel.close();
  });

  test('merge of many unbuffered producers loses nothing and keeps each producer in order', async () => {
    const inputs = [new Channel<string>(), new Channel<string>(), new Channel<string>()];
    const merged = merge(...inputs);
    const producers = inputs.map(async (input, p) => {
      for (let i = 0; i < 200; i++) await input.push(`${p}:${i}`);
      input.close();
    });
    const values = await drain(merged);
    await Promise.all(producers);
    expect(values).toHaveLength(600);
    for (let p = 0; p < 3; p++) {
      expect(values.filter((v) => v.startsWith(`${p}:`))).toEqual(Array.from({ length: 200 }, (_, i) => `${p}:${i}`));
    }
  });

  test('broadcast delivers the same object to every subscriber', async () => {
    const source = new Channel<object>(1);
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    const value = { id: 1 };
    await source.push(value);
    expect(await a.pull()).toBe(value);
    expect(await b.pull()).toBe(value);
    hub.close();
  });

  test('subscribe() after the source ended returns a closed channel (README: with the source reason)', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const first = hub.subscribe();
    const reason = new Error('over');
    source.close(reason);
    await rejection(first.pull());
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expect(((await rejection(late.pull())) as Error).cause).toBe(reason);
  });

  test('an unbounded subscriber never holds the broadcast back', async () => {
    const source = Channel.from([1, 2, 3, 4, 5]);
    const hub = broadcast(source);
    const unbounded = hub.subscribe({ capacity: Infinity });
    const reader = hub.subscribe();
    expect(await drain(reader)).toEqual([1, 2, 3, 4, 5]);
    expect(unbounded.size).toBe(5);
  });

  test.each([Number.NaN, Infinity, -Infinity])('after(%s) throws a RangeError (README)', (ms) => {
    expect(() => afterMs(ms)).toThrow(RangeError);
  });

  test('after(0) delivers on a later timer turn, not synchronously (README)', async () => {
    const channel = afterMs(0);
    expect(channel.size).toBe(0);
    expect(typeof (await channel.pull())).toBe('number');
  });

  test('a pull that resolves lets its continuation push into the same channel without losing order', async () => {
    const channel = new Channel<number>(1);
    const order: number[] = [];
    const consumer = channel.pull().then(async (v) => {
      order.push(v);
      await channel.push(v + 100);
    });
    await channel.push(1);
    await consumer;
    order.push(await channel.pull());
    expect(order).toEqual([1, 101]);
  });

  test('closing the channel from an abort listener of the push signal leaves no waiter and delivers nothing', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => channel.close());
    const parked = channel.push(1, { signal: ac.signal });
    await turn();
    ac.abort('r');
    const error = await rejection(parked);
    expect(error === 'r' || error instanceof ChannelClosedError).toBe(true);
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, size: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
describe('nothing is lost, duplicated or reordered (model check)', () => {
  type Command =
    | { kind: 'push'; abortable: boolean }
    | { kind: 'pull'; abortable: boolean }
    | { kind: 'pullMany'; max: number }
    | { kind: 'tryPush' }
    | { kind: 'pushAll'; count: number; abortable: boolean }
    | { kind: 'selectPush'; abortable: boolean }
    | { kind: 'selectPull'; abortable: boolean }
    | { kind: 'tryPull' }
    | { kind: 'abort'; which: number }
    | { kind: 'turn' }
    | { kind: 'close' };

  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), abortable: fc.boolean() }),
    fc.record({ kind: fc.constant('pull' as const), abortable: fc.boolean() }),
    fc.record({ kind: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('tryPush' as const) }),
    fc.record({
      kind: fc.constant('pushAll' as const),
      count: fc.integer({ min: 0, max: 4 }),
      abortable: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('selectPush' as const), abortable: fc.boolean() }),
    fc.record({ kind: fc.constant('selectPull' as const), abortable: fc.boolean() }),
    fc.record({ kind: fc.constant('tryPull' as const) }),
    fc.record({ kind: fc.constant('abort' as const), which: fc.nat() }),
    fc.record({ kind: fc.constant('turn' as const) }),
    fc.constantFrom({ kind: 'close' as const }),
  );

  test('every value whose push committed (push, tryPush, pushAll, select) is taken exactly once, in push order; no other value is taken', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2, 3, Infinity),
        fc.array(command, { maxLength: 40 }),
        async (capacity, commands) => {
          const channel = new Channel<number>(capacity);
          const committed = new Set<number>();
          // pushAll offers its next value only once the previous one committed (as consecutive
          // `await push(v)`), so its values keep their own order but may interleave with others
          const batches: number[][] = [];
          // what each taker got, by the order the takers were called: FIFO among takers and
          // among values means that, read in that order, the values come in push order
          const taken: number[][] = [];
          const controllers: AbortController[] = [];
          const settling: Promise<unknown>[] = [];
          let next = 0;
          for (const c of commands) {
            if (c.kind === 'push') {
              const v = next++;
              const ac = c.abortable ? new AbortController() : undefined;
              if (ac) controllers.push(ac);
              settling.push(
                channel.push(v, { signal: ac?.signal }).then(
                  () => committed.add(v),
                  () => {},
                ),
              );
            } else if (c.kind === 'pull') {
              const ac = c.abortable ? new AbortController() : undefined;
              if (ac) controllers.push(ac);
              const slot: number[] = [];
              taken.push(slot);
              settling.push(
                channel.pull({ signal: ac?.signal }).then(
                  (v) => slot.push(v),
                  () => {},
                ),
              );
            } else if (c.kind === 'pullMany') {
              const slot: number[] = [];
              taken.push(slot);
              settling.push(
                channel.pullMany(c.max).then(
                  (vs) => slot.push(...vs),
                  () => {},
                ),
              );
            } else if (c.kind === 'pushAll') {
              const values = Array.from({ length: c.count }, () => next++);
              batches.push(values);
              const ac = c.abortable ? new AbortController() : undefined;
              if (ac) controllers.push(ac);
              settling.push(
                channel.pushAll(values, { signal: ac?.signal }).then(
                  () => {
                    for (const v of values) committed.add(v);
                  },
                  (error: { pushed?: unknown }) => {
                    expect(typeof error.pushed).toBe('number');
                    for (const v of values.slice(0, error.pushed as number)) committed.add(v);
                  },
                ),
              );
            } else if (c.kind === 'selectPush') {
              const v = next++;
              const ac = c.abortable ? new AbortController() : undefined;
              if (ac) controllers.push(ac);
              settling.push(
                select([push(channel, v)], { signal: ac?.signal }).then(
                  () => committed.add(v),
                  () => {},
                ),
              );
            } else if (c.kind === 'selectPull') {
              const ac = c.abortable ? new AbortController() : undefined;
              if (ac) controllers.push(ac);
              const slot: number[] = [];
              taken.push(slot);
              settling.push(
                select([pull(channel)], { signal: ac?.signal }).then(
                  (result) => {
                    if (result.ok) slot.push(result.value as number);
                  },
                  () => {},
                ),
              );
            } else if (c.kind === 'tryPush') {
              const v = next++;
              if (channel.tryPush(v)) committed.add(v);
            } else if (c.kind === 'tryPull') {
              const v = channel.tryPull();
              taken.push(v === undefined ? [] : [v]);
            } else if (c.kind === 'abort') {
              controllers[c.which % Math.max(1, controllers.length)]?.abort();
            } else if (c.kind === 'turn') {
              await turn();
            } else {
              channel.close();
            }
          }
          await turn();
          channel.close();
          await Promise.all(settling);
          const rest: number[] = [];
          for (let v = channel.tryPull(); v !== undefined; v = channel.tryPull()) rest.push(v);
          taken.push(rest);
          expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
          const delivered = taken.flat();
          const ascending = (values: number[]): number[] => [...values].sort((a, b) => a - b);
          expect(ascending(delivered)).toEqual(ascending([...committed]));
          const batched = new Set(batches.flat());
          const single = delivered.filter((v) => !batched.has(v));
          expect(single).toEqual(ascending(single));
          for (const batch of batches) {
            const got = delivered.filter((v) => batch.includes(v));
            expect(got).toEqual(batch.slice(0, got.length));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('crossing selects, reentrancy and concurrent iterators', () => {
  test('two selects crossing on two unbuffered channels each commit exactly one matching case', async () => {
    for (let round = 0; round < 40; round++) {
      const x = new Channel<number>();
      const y = new Channel<number>();
      const a = select([push(x, 1), pull(y)]);
      const b = select([push(y, 2), pull(x)]);
      const [ra, rb] = await Promise.all([a, b]);
      if (ra.index === 0) expect(rb).toEqual({ index: 1, channel: x, value: 1, ok: true });
      else
        expect([ra, rb]).toEqual([
          { index: 1, channel: y, value: 2, ok: true },
          { index: 0, channel: y, value: undefined, ok: true },
        ]);
      for (const c of [x, y]) expect(stuckWaiters(c)).toEqual({ pushers: 0, pullers: 0 });
    }
  });

  test('two push cases on one channel deliver exactly one value', async () => {
    const channel = new Channel<number>();
    const pending = select([push(channel, 1), push(channel, 2)]);
    await turn();
    const value = await channel.pull();
    const result = await pending;
    expect(value).toBe(result.index + 1);
    expect(stuckWaiters(channel)).toEqual({ pushers: 0, pullers: 0 });
  });

  test('a value pushed from an abort listener that runs before the pull sees the abort is not lost', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    let pushed = false;
    ac.signal.addEventListener('abort', () => {
      pushed = channel.tryPush(1);
    });
    const parked = channel.pull({ signal: ac.signal }).then(
      (v) => ({ value: v }),
      (e: unknown) => ({ error: e }),
    );
    await turn();
    ac.abort('stop');
    const outcome = await parked;
    if (pushed) expect(outcome).toEqual({ value: 1 });
    else expect(outcome).toEqual({ error: 'stop' });
    expect(stuckWaiters(channel)).toEqual({ pushers: 0, pullers: 0 });
  });

  test('a value pushed from an abort listener of a waiting select is not lost', async () => {
    const channel = new Channel<number>();
    const ac = new AbortController();
    let pushed = false;
    ac.signal.addEventListener('abort', () => {
      pushed = channel.tryPush(1);
    });
    const parked = select([pull(channel)], { signal: ac.signal }).then(
      (r) => ({ value: r.value }),
      (e: unknown) => ({ error: e }),
    );
    await turn();
    ac.abort('stop');
    const outcome = await parked;
    if (pushed) expect(outcome).toEqual({ value: 1 });
    else expect(outcome).toEqual({ error: 'stop' });
  });

  test('next() called twice on one iterator without awaiting gets two values in order', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    await turn();
    channel.pushNowait(1);
    await turn();
    channel.pushNowait(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await second).toEqual({ value: 2, done: false });
    channel.close();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  test('a channel can be iterated again after a for await loop ended by close: it ends at once', async () => {
    const channel = new Channel<number>();
    channel.close();
    expect(await drain(channel)).toEqual([]);
    expect(await drain(channel)).toEqual([]);
  });

  test('closing the channel inside a pull continuation still rejects the parked pushers that follow', async () => {
    const channel = new Channel<number>();
    const first = channel.push(1);
    const second = channel.push(2);
    await turn();
    const pulled = channel.pull().then((v) => {
      channel.close();
      return v;
    });
    expect(await pulled).toBe(1);
    await first;
    expect(await rejection(second)).toBeInstanceOf(ChannelClosedError);
  });
});

describe('drop modes against a model', () => {
  test.each(['drop-oldest', 'drop-newest'] as const)('%s matches a sliding or dropping array buffer', (overflow) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.boolean(), { maxLength: 60 }), (capacity, ops) => {
        const channel = new Channel<number>(capacity, { overflow });
        const model: number[] = [];
        let next = 0;
        for (const isPush of ops) {
          if (isPush) {
            const v = next++;
            channel.pushNowait(v);
            if (model.length < capacity) model.push(v);
            else if (overflow === 'drop-oldest') {
              model.shift();
              model.push(v);
            }
          } else {
            expect(channel.tryPull()).toBe(model.shift());
          }
          expect(channel.size).toBe(model.length);
        }
      }),
    );
  });
});

describe('Packaging entries', () => {
  test('chanasync/debug resolves to the debug entry', async () => {
    const debug = await import('chanasync/debug');
    expect(typeof debug.enableDebug).toBe('function');
    expect(typeof debug.disableDebug).toBe('function');
    expect(typeof debug.snapshot).toBe('function');
  });

  test('the main entry exports the whole core API', async () => {
    const api = await import('chanasync');
    for (const name of [
      'Channel',
      'select',
      'selectNowait',
      'pull',
      'push',
      'after',
      'ticker',
      'broadcast',
      'fromEvent',
      'merge',
      'ChannelError',
      'ChannelClosedError',
      'ChannelFullError',
      'ChannelEmptyError',
    ]) {
      expect({ name, type: typeof (api as Record<string, unknown>)[name] }).toEqual({ name, type: 'function' });
    }
    expect(typeof api.Channel.from).toBe('function');
    expect(typeof api.Channel.prototype.toReadableStream).toBe('function');
  });
});

describe('interop loses nothing when a consumer stops', () => {
  test('closing a merged channel leaves the values it did not take in its inputs', async () => {
    const input = new Channel<number>(5);
    for (let i = 0; i < 5; i++) input.pushNowait(i);
    const merged = merge(input);
    expect(await merged.pull()).toBe(0);
    merged.close();
    await turns(5);
    const inMerged = await drain(merged);
    const left: number[] = [];
    for (let v = input.tryPull(); v !== undefined; v = input.tryPull()) left.push(v);
    expect([0, ...inMerged, ...left]).toEqual([0, 1, 2, 3, 4]);
  });

  test('closing a Channel.from channel cancels its ReadableStream source', async () => {
    let cancelled = false;
    let n = 0;
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.enqueue(n++);
      },
      cancel() {
        cancelled = true;
      },
    });
    const channel = Channel.from(stream, { capacity: 1 });
    expect(await channel.pull()).toBe(0);
    channel.close();
    await turns(5);
    expect(cancelled).toBe(true);
  });

  test('a source whose first next() throws closes the channel with that error', async () => {
    const boom = new Error('first');
    const source: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => {
          throw boom;
        },
      }),
    };
    const error = await rejection(drain(Channel.from(source)));
    expect(error).toBe(boom);
  });

  test('Channel.from with an already aborted signal reads nothing from its source', async () => {
    let produced = 0;
    function* gen(): Generator<number> {
      for (;;) yield produced++;
    }
    const channel = Channel.from(gen(), { signal: AbortSignal.abort() });
    await turns(5);
    expect(produced).toBe(0);
    expect(channel.tryPull()).toBeUndefined();
  });

  test('a stream of a channel closed without a reason ends normally', async () => {
    const channel = new Channel<number>();
    const reader = channel.toReadableStream().getReader();
    const read = reader.read();
    await turn();
    channel.close();
    expect(await read).toEqual({ value: undefined, done: true });
  });

  test('a ReadableStream of a channel can be consumed with pipeTo, keeping order', async () => {
    const channel = Channel.from([1, 2, 3, 4]);
    const got: number[] = [];
    await channel.toReadableStream().pipeTo(
      new WritableStream<number>({
        write(chunk) {
          got.push(chunk);
        },
      }),
    );
    expect(got).toEqual([1, 2, 3, 4]);
  });
});

describe('many waiters at once', () => {
  test('closing a channel with 50,000 parked pullers rejects every one of them', async () => {
    const channel = new Channel<number>();
    const pulls = Array.from({ length: 50_000 }, () => channel.pull());
    await turn();
    channel.close();
    const results = await Promise.allSettled(pulls);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ChannelClosedError)).toBe(true);
    expect(stuckWaiters(channel)).toEqual({ pushers: 0, pullers: 0 });
  });

  test('pullMany takes 50,000 parked pushers values at once, in order, resolving each push', async () => {
    const channel = new Channel<number>();
    const n = 50_000;
    const pushes = Array.from({ length: n }, (_, i) => channel.push(i));
    await turn();
    const values = await channel.pullMany(n);
    await Promise.all(pushes);
    expect(values).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  test('pushAll of 100,000 values into an unbounded channel keeps them all in order', async () => {
    const channel = new Channel<number>(Infinity);
    const n = 100_000;
    await channel.pushAll(Array.from({ length: n }, (_, i) => i));
    expect(channel.size).toBe(n);
    const values = await channel.pullMany(n);
    expect(values[0]).toBe(0);
    expect(values[n - 1]).toBe(n - 1);
    expect(values.every((v, i) => v === i)).toBe(true);
  });

  test('aborting one signal shared by 20,000 parked selects removes every waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const selects = Array.from({ length: 20_000 }, () => select([pull(a), push(b, 1)], { signal: ac.signal }));
    await turn();
    ac.abort();
    const results = await Promise.allSettled(selects);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(stuckWaiters(a)).toEqual({ pushers: 0, pullers: 0 });
    expect(stuckWaiters(b)).toEqual({ pushers: 0, pullers: 0 });
  });
});

describe('broadcast without subscribers', () => {
  test('once every subscriber has left, the broadcast pulls nothing more', async () => {
    const source = new Channel<number>(5);
    const hub = broadcast(source);
    const only = hub.subscribe();
    source.pushNowait(1);
    expect(await only.pull()).toBe(1);
    only.close();
    await turns(3);
    source.pushNowait(2);
    source.pushNowait(3);
    await turns(5);
    expect(source.size).toBe(2);
    hub.close();
  });
});

describe('corollaries', () => {
  test('selectNowait over pull cases whose channels are closed and drained returns ok false', () => {
    const a = new Channel<number>();
    a.close();
    expect(selectNowait([pull(a)])).toEqual({ index: 0, channel: a, value: undefined, ok: false });
  });

  test('after pullMany takes from the buffer, parked pushers move into the freed room and resolve', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const pushes = [3, 4, 5].map((v) => channel.push(v));
    await turn();
    expect(await channel.pullMany(3)).toEqual([1, 2, 3]);
    await Promise.all(pushes);
    expect(channel.stats()).toMatchObject({ size: 2, waitingPushers: 0 });
    expect(await channel.pullMany(5)).toEqual([4, 5]);
  });

  test('the ChannelClosedError of a parked pull rejected by close names its channel', async () => {
    const channel = new Channel<number>(0, { name: 'inbox' });
    const parked = channel.pull();
    await turn();
    channel.close();
    const error = (await rejection(parked)) as ChannelClosedError;
    expect(error.channel).toBe(channel);
    expect(error.message).toContain('inbox');
  });

  test('the iterator of a channel is itself async iterable', () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    expect(iterator[Symbol.asyncIterator]()).toBe(iterator);
  });

  test('select refuses a signal option that is not an AbortSignal with a TypeError', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const error = await (async () => select([pull(a)], { signal: 'nope' as never }))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(a.size).toBe(1);
  });

  test('Channel.from of a string yields its characters', async () => {
    expect(await drain(Channel.from('héllo'))).toEqual(['h', 'é', 'l', 'l', 'o']);
  });
});

describe('promise-returning operations and thenables', () => {
  test('push, pull, pullMany, pushAll and select on a closed channel reject instead of throwing', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const calls: (() => Promise<unknown>)[] = [
      () => channel.push(1),
      () => channel.pull(),
      () => channel.pullMany(2),
      () => channel.pushAll([1]),
      () => select([push(channel, 1)]),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }).not.toThrow();
      expect(await rejection(promise as Promise<unknown>)).toBeInstanceOf(ChannelClosedError);
    }
  });

  test('a promise is refused as a value with a TypeError, and wrapped in an object it travels (README: thenables are not values)', async () => {
    const channel = new Channel<unknown>(2);
    const promise = Promise.resolve(1);
    expect(await rejection(channel.push(promise))).toBeInstanceOf(TypeError);
    expect(channel.size).toBe(0);
    await channel.push({ promise });
    expect(((await channel.pull()) as { promise: Promise<number> }).promise).toBe(promise);
  });
});

describe('backpressure through helpers', () => {
  test('a push into an unbuffered broadcast source resolves only once every subscriber had room', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe();
    await source.push(1);
    const second = watch(source.push(2));
    await turns(5);
    expect(second.state).toBe('pending');
    expect(await sub.pull()).toBe(1);
    await turns(3);
    expect(second.state).toBe('resolved');
    expect(await sub.pull()).toBe(2);
    hub.close();
  });

  test('a stream with highWaterMark 2 delivers its queued values, then ends when the channel closes', async () => {
    const channel = new Channel<number>(3);
    for (const v of [1, 2, 3]) channel.pushNowait(v);
    channel.close();
    const reader = channel.toReadableStream({ highWaterMark: 2 }).getReader();
    const got: number[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(r.value);
    expect(got).toEqual([1, 2, 3]);
  });
});
