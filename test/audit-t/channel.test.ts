/**
 * Audit T: the core channel as an outside tester reads the SPEC — constructor boundaries,
 * blocking and non-blocking operations, closing, iteration and disposal, errors.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from '../../src/index.js';
import { settle, track } from './helpers.js';

describe('constructor boundaries', () => {
  test.each([
    [0, 0],
    [-0, 0],
    [1, 1],
    [2 ** 31, 2 ** 31],
    [2 ** 32 + 1, 2 ** 32 + 1],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [Number.MAX_VALUE, Number.MAX_VALUE],
    [Infinity, Infinity],
  ])('capacity %s is accepted and reads back as %s', (capacity, expected) => {
    const ch = new Channel(capacity);
    expect(Object.is(ch.capacity, expected)).toBe(true);
    expect(ch.stats().capacity).toBe(expected);
    expect(ch.size).toBe(0);
    expect(ch.empty).toBe(true);
    expect(ch.full).toBe(expected === 0);
  });

  test.each([-1, -Infinity, NaN, 0.5, 1.5, -0.5, 2 ** 31 + 0.5, Number.EPSILON])(
    'capacity %s is a RangeError naming the constructor',
    (capacity) => {
      expect(() => new Channel(capacity)).toThrow(RangeError);
      expect(() => new Channel(capacity)).toThrow(/new Channel/);
    },
  );

  test.each([
    ['a string', '1'],
    ['a bigint', 1n],
    ['null', null],
    ['a boolean', true],
    ['an object', { valueOf: () => 1 }],
    ['a Number object', Object(1)],
    ['a symbol', Symbol('x')],
  ])('capacity that is %s is a TypeError', (_label, capacity) => {
    expect(() => new Channel(capacity as never)).toThrow(TypeError);
  });

  test('capacity undefined is the default 0', () => {
    expect(new Channel(undefined).capacity).toBe(0);
  });

  test('a huge capacity does not allocate its buffer up front and works like any buffered channel', async () => {
    const ch = new Channel<number>(2 ** 40);
    for (let i = 0; i < 5000; i++) ch.pushNowait(i);
    expect(ch.size).toBe(5000);
    expect(ch.full).toBe(false);
    const all = await ch.pullMany(10_000);
    expect(all).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  test.each(['drop-oldest', 'drop-newest'] as const)('%s with capacity 0 is a RangeError', (overflow) => {
    expect(() => new Channel(0, { overflow })).toThrow(RangeError);
    expect(() => new Channel(undefined, { overflow })).toThrow(RangeError);
  });

  test('an unknown overflow policy is refused, naming the bad value', () => {
    expect(() => new Channel(1, { overflow: 'drop' as never })).toThrow(/overflow.*drop/);
  });

  test('drop modes with Infinity capacity never drop', () => {
    const ch = new Channel<number>(Infinity, { overflow: 'drop-oldest' });
    for (let i = 0; i < 3000; i++) ch.pushNowait(i);
    expect(ch.size).toBe(3000);
    expect(ch.pullNowait()).toBe(0);
  });
});

describe('properties and stats', () => {
  test('full and empty follow size on a buffered channel', () => {
    const ch = new Channel<number>(2);
    expect([ch.full, ch.empty]).toEqual([false, true]);
    ch.pushNowait(1);
    expect([ch.full, ch.empty, ch.size]).toEqual([false, false, 1]);
    ch.pushNowait(2);
    expect([ch.full, ch.empty, ch.size]).toEqual([true, false, 2]);
  });

  test('an unbuffered channel stays full and empty with parked pushers', () => {
    const ch = new Channel<number>();
    const p = track(ch.push(1));
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(p.status).toBe('pending');
    expect(ch.pullNowait()).toBe(1);
  });

  test('stats reports the overflow policy and the name', () => {
    const ch = new Channel<number>(3, { name: 'jobs', overflow: 'drop-newest' });
    expect(ch.stats()).toEqual({
      name: 'jobs',
      capacity: 3,
      size: 0,
      closed: false,
      overflow: 'drop-newest',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  test('getters are read-only: assigning to them changes nothing (or throws in strict mode)', () => {
    const ch = new Channel<number>(2, { name: 'n' });
    expect(() => {
      (ch as { capacity: number }).capacity = 5;
    }).toThrow(TypeError);
    expect(() => {
      (ch as { closed: boolean }).closed = true;
    }).toThrow(TypeError);
    expect(ch.capacity).toBe(2);
    expect(ch.closed).toBe(false);
  });
});

describe('blocking operations', () => {
  test('unbuffered push resolves only once a puller takes the value', async () => {
    const ch = new Channel<string>();
    const p = track(ch.push('a'));
    await settle();
    expect(p.status).toBe('pending');
    expect(await ch.pull()).toBe('a');
    await settle();
    expect(p.status).toBe('resolved');
  });

  test('undefined is a value like any other, through push/pull and iteration', async () => {
    const ch = new Channel<undefined | null>(4);
    await ch.push(undefined);
    await ch.push(null);
    await ch.push(undefined);
    ch.close();
    const seen: unknown[] = [];
    for await (const v of ch) seen.push(v);
    expect(seen).toEqual([undefined, null, undefined]);
  });

  test('parked pushers of a full buffer are moved up in FIFO order as pulls free slots', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(0);
    ch.pushNowait(1);
    const pushes = [2, 3, 4, 5].map((v) => track(ch.push(v)));
    expect(ch.stats().waitingPushers).toBe(4);
    expect(ch.pullNowait()).toBe(0);
    // The oldest parked push moved into the buffer at once: a pushNowait now finds it full.
    expect(() => ch.pushNowait(99)).toThrow(ChannelFullError);
    await settle();
    expect(pushes.map((p) => p.status)).toEqual(['resolved', 'pending', 'pending', 'pending']);
    const rest: number[] = [];
    for (let i = 0; i < 5; i++) rest.push(await ch.pull());
    expect(rest).toEqual([1, 2, 3, 4, 5]);
  });

  test('parked pullers are served in FIFO order', async () => {
    const ch = new Channel<number>(1);
    const pulls = [ch.pull(), ch.pull(), ch.pull()];
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    expect(await Promise.all(pulls)).toEqual([1, 2, 3]);
  });

  test('an already aborted signal wins over a closed channel for push and pull', async () => {
    const ch = new Channel<number>(1);
    ch.close(new Error('closed'));
    const reason = new Error('stop');
    const signal = AbortSignal.abort(reason);
    await expect(ch.push(1, { signal })).rejects.toBe(reason);
    await expect(ch.pull({ signal })).rejects.toBe(reason);
  });

  test('an already aborted signal wins over a value ready in the buffer: nothing consumed', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(7);
    const signal = AbortSignal.abort('no');
    await expect(ch.pull({ signal })).rejects.toBe('no');
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe(7);
  });

  test('an already aborted signal wins over room in the buffer: nothing delivered', async () => {
    const ch = new Channel<number>(1);
    await expect(ch.push(7, { signal: AbortSignal.abort('no') })).rejects.toBe('no');
    expect(ch.size).toBe(0);
  });

  test('an already aborted signal wins over a parked partner on an unbuffered channel', async () => {
    const ch = new Channel<number>();
    const puller = track(ch.pull());
    await expect(ch.push(7, { signal: AbortSignal.abort('no') })).rejects.toBe('no');
    await settle();
    expect(puller.status).toBe('pending');
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(8);
    await settle();
    expect(puller.value).toBe(8);
  });

  test('aborting a parked push leaves no trace and the next pusher is served', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p1 = track(ch.push(1, { signal: ac.signal }));
    const p2 = track(ch.push(2));
    ac.abort('gone');
    await settle();
    expect(p1.status).toBe('rejected');
    expect(p1.reason).toBe('gone');
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(2);
    await settle();
    expect(p2.status).toBe('resolved');
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('an abort after the commit changes nothing: the pulled value is the caller’s', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const pulled = ch.pull({ signal: ac.signal });
    ch.pushNowait(5);
    ac.abort('late');
    await expect(pulled).resolves.toBe(5);
  });

  test('an abort reason of undefined still rejects (with the platform’s AbortError)', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ac.abort();
    const error = await p.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  test('one signal shared by many parked operations on many channels cancels them all and leaves no listener', async () => {
    const ac = new AbortController();
    const channels = Array.from({ length: 20 }, () => new Channel<number>());
    const ops = channels.flatMap((ch) => [
      track(ch.pull({ signal: ac.signal })),
      track(ch.push(1, { signal: ac.signal })),
    ]);
    // push on a channel with a parked pull commits at once: half of the pushes commit
    await settle();
    ac.abort('all');
    await settle();
    for (const ch of channels) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    // Every pull got the value of the push after it (same channel), so nothing is left rejected wrongly.
    expect(ops.every((op) => op.status === 'resolved')).toBe(true);
  });

  test('a push rejected by close leaves its value undelivered', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = ch.push(2);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });
});

describe('non-blocking operations', () => {
  test('pushNowait on an unbuffered channel succeeds exactly when a puller waits', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
    const p = ch.pull();
    ch.pushNowait(2);
    expect(await p).toBe(2);
    expect(() => ch.pushNowait(3)).toThrow(ChannelFullError);
  });

  test('pushNowait does not commit to a puller whose signal is aborted (not yet dispatched)', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const early = new Channel<number>();
    // A listener registered before the parked pull's watch runs first and pushes.
    const result: unknown[] = [];
    ac.signal.addEventListener('abort', () => {
      try {
        ch.pushNowait(1);
        result.push('committed');
      } catch (error) {
        result.push((error as Error).name);
      }
    });
    const p = track(ch.pull({ signal: ac.signal }));
    ac.abort('x');
    await settle();
    expect(result).toEqual(['ChannelFullError']);
    expect(p.status).toBe('rejected');
    void early;
  });

  test('pullNowait on an unbuffered channel succeeds exactly when a pusher waits', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    const p = track(ch.push(4));
    expect(ch.pullNowait()).toBe(4);
    await settle();
    expect(p.status).toBe('resolved');
  });

  test('pushNowait on a closed drop-mode channel throws ChannelClosedError', () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      ch.close();
      expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
    }
  });

  test('drop-oldest slides, drop-newest keeps the first values', () => {
    const sliding = new Channel<number>(2, { overflow: 'drop-oldest' });
    const dropping = new Channel<number>(2, { overflow: 'drop-newest' });
    for (let i = 1; i <= 5; i++) {
      sliding.pushNowait(i);
      dropping.pushNowait(i);
    }
    expect([sliding.pullNowait(), sliding.pullNowait()]).toEqual([4, 5]);
    expect([dropping.pullNowait(), dropping.pullNowait()]).toEqual([1, 2]);
  });

  test('drop modes hand the value to a parked puller rather than dropping it', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    const p = ch.pull();
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    expect(await p).toBe(1);
    expect(ch.pullNowait()).toBe(2);
  });

  test('pullNowait drains a closed channel before throwing ChannelClosedError with the reason as cause', () => {
    const ch = new Channel<number>(2, { name: 'q' });
    ch.pushNowait(1);
    const reason = new Error('done');
    ch.close(reason);
    expect(ch.pullNowait()).toBe(1);
    let error: unknown;
    try {
      ch.pullNowait();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
    expect((error as Error).message).toMatch(/pullNowait/);
    expect((error as Error).message).toMatch(/"q"/);
  });
});

describe('closing', () => {
  test('close is idempotent: the first reason is kept', async () => {
    const ch = new Channel<number>();
    ch.close('first');
    ch.close('second');
    ch.close();
    const error = await ch.pull().catch((e: unknown) => e);
    expect((error as Error).cause).toBe('first');
  });

  test('close fails every parked pusher and puller, and leaves nothing parked', async () => {
    const a = new Channel<number>();
    const pushers = [track(a.push(1)), track(a.push(2))];
    const b = new Channel<number>();
    const pullers = [track(b.pull()), track(b.pull()), track(b.pullMany(3))];
    a.close();
    b.close();
    await settle();
    for (const op of [...pushers, ...pullers]) {
      expect(op.status).toBe('rejected');
      expect(op.reason).toBeInstanceOf(ChannelClosedError);
    }
    expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, closed: true });
    expect(b.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, closed: true });
  });

  test('for await ends normally after close() and after close(undefined)', async () => {
    for (const close of [(c: Channel<number>) => c.close(), (c: Channel<number>) => c.close(undefined)]) {
      const ch = new Channel<number>(3);
      ch.pushNowait(1);
      ch.pushNowait(2);
      close(ch);
      const seen: number[] = [];
      for await (const v of ch) seen.push(v);
      expect(seen).toEqual([1, 2]);
    }
  });

  test.each([null, 0, false, '', Number.NaN])('for await throws the falsy reason %s after draining', async (reason) => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close(reason);
    const seen: number[] = [];
    let thrown: unknown = 'nothing';
    try {
      for await (const v of ch) seen.push(v);
    } catch (e) {
      thrown = e;
    }
    expect(seen).toEqual([1]);
    expect(Object.is(thrown, reason)).toBe(true);
  });

  test('a for await parked on an empty channel throws the reason when closed with one', async () => {
    const ch = new Channel<number>();
    const reason = new Error('boom');
    const loop = (async () => {
      for await (const _ of ch) {
        // nothing
      }
    })();
    await settle();
    ch.close(reason);
    await expect(loop).rejects.toBe(reason);
  });

  test('close from inside a pull’s continuation while other pulls are parked fails the rest', async () => {
    const ch = new Channel<number>();
    const first = ch.pull().then((v) => {
      ch.close();
      return v;
    });
    const second = track(ch.pull());
    ch.pushNowait(1);
    expect(await first).toBe(1);
    await settle();
    expect(second.status).toBe('rejected');
  });
});

describe('iteration and disposal', () => {
  test('several iterators share the values: each value goes to exactly one', async () => {
    const ch = new Channel<number>(4);
    const seen: number[][] = [[], [], []];
    const loops = seen.map(async (into) => {
      for await (const v of ch) {
        into.push(v);
        await Promise.resolve();
      }
    });
    for (let i = 0; i < 300; i++) await ch.push(i);
    ch.close();
    await Promise.all(loops);
    const all = seen.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const into of seen) expect(into).toEqual([...into].sort((a, b) => a - b));
  });

  test('leaving a for await with break does not close the channel nor lose the next value', async () => {
    const ch = new Channel<number>(5);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    for await (const v of ch) {
      if (v === 1) break;
    }
    expect(ch.closed).toBe(false);
    expect(await ch.pullMany(10)).toEqual([2, 3, 4]);
  });

  test('leaving a for await by throwing does not close the channel', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    await expect(
      (async () => {
        for await (const _ of ch) throw new Error('out');
      })(),
    ).rejects.toThrow('out');
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(2);
  });

  test('return() on an iterator whose next() is parked withdraws it: the next value goes to the next puller', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const pending = it.next();
    expect(ch.stats().waitingPullers).toBe(1);
    await it.return?.();
    expect(ch.stats().waitingPullers).toBe(0);
    expect(await pending).toEqual({ done: true, value: undefined });
    const p = ch.pull();
    ch.pushNowait(9);
    expect(await p).toBe(9);
    expect(ch.closed).toBe(false);
  });

  test('an iterator stays usable after return()', async () => {
    const ch = new Channel<number>(2);
    const it = ch[Symbol.asyncIterator]();
    await it.return?.();
    ch.pushNowait(1);
    expect(await it.next()).toEqual({ done: false, value: 1 });
  });

  test('next() calls made without awaiting get the values in call order', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const a = it.next();
    const b = it.next();
    const c = it.next();
    ch.pushNowait(1);
    ch.pushNowait(2);
    await it.return?.();
    expect(await a).toEqual({ done: false, value: 1 });
    expect(await b).toEqual({ done: false, value: 2 });
    expect(await c).toEqual({ done: true, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
  });

  test('return() of one iterator does not withdraw another iterator’s parked next()', async () => {
    const ch = new Channel<number>();
    const one = ch[Symbol.asyncIterator]();
    const two = ch[Symbol.asyncIterator]();
    const a = one.next();
    const b = two.next();
    const c = one.next();
    await one.return?.();
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(5);
    expect(await b).toEqual({ done: false, value: 5 });
    expect(await a).toEqual({ done: true, value: undefined });
    expect(await c).toEqual({ done: true, value: undefined });
  });

  test('using closes the channel at the end of the block; await using too', async () => {
    let kept: Channel<number>;
    {
      using ch = new Channel<number>(1);
      ch.pushNowait(1);
      kept = ch;
    }
    expect(kept.closed).toBe(true);
    expect(kept.pullNowait()).toBe(1);
    {
      await using ch2 = new Channel<number>();
      kept = ch2;
    }
    expect(kept.closed).toBe(true);
  });

  test('asyncDispose returns a promise and disposing twice is harmless', async () => {
    const ch = new Channel<number>();
    const result = ch[Symbol.asyncDispose]();
    expect(result).toBeInstanceOf(Promise);
    await result;
    ch[Symbol.dispose]();
    expect(ch.closed).toBe(true);
  });

  test('a parked for await ends when the channel is disposed', async () => {
    const ch = new Channel<number>();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of ch) seen.push(v);
    })();
    await ch.push(1);
    ch[Symbol.dispose]();
    await loop;
    expect(seen).toEqual([1]);
  });
});

describe('errors', () => {
  test('each error class has its name, extends ChannelError and Error, and carries the channel', () => {
    const ch = new Channel<number>(0, { name: 'pipe' });
    const errors: ChannelError[] = [];
    for (const op of [() => ch.pushNowait(1), () => ch.pullNowait()]) {
      try {
        op();
      } catch (e) {
        errors.push(e as ChannelError);
      }
    }
    ch.close();
    try {
      ch.pushNowait(1);
    } catch (e) {
      errors.push(e as ChannelError);
    }
    expect(errors.map((e) => e.name)).toEqual(['ChannelFullError', 'ChannelEmptyError', 'ChannelClosedError']);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toBeInstanceOf(Error);
      expect(error.channel).toBe(ch);
      expect(error.message).toContain('"pipe"');
      expect(String(error)).toMatch(/^Channel\w*Error: /);
      expect(typeof error.stack).toBe('string');
    }
    expect(errors[0]?.message).toMatch(/^pushNowait: /);
    expect(errors[1]?.message).toMatch(/^pullNowait: /);
    expect(errors[2]?.message).toMatch(/^pushNowait: /);
  });

  test('the error of a parked operation failed by close names the operation', async () => {
    const ch = new Channel<number>(0, { name: 'x' });
    const pushError = ch.push(1).catch((e: unknown) => e);
    ch.close();
    const pullError = ch.pull().catch((e: unknown) => e);
    expect(((await pushError) as Error).message).toBe('push: channel "x" is closed');
    expect(((await pullError) as Error).message).toBe('pull: channel "x" is closed');
  });

  test('a channel without a name says "channel" alone; the empty name is still shown', () => {
    const anon = new Channel<number>();
    expect(() => anon.pullNowait()).toThrow(/^pullNowait: channel is empty$/);
    const empty = new Channel<number>(0, { name: '' });
    expect(() => empty.pullNowait()).toThrow(/^pullNowait: channel "" is empty$/);
  });

  test('errors serialise to JSON without a circular structure', async () => {
    const ch = new Channel<number>(0, { name: 'j' });
    const parked = ch.pull().catch((e: unknown) => e);
    ch.close();
    const error = (await parked) as ChannelError;
    expect(() => JSON.stringify(error)).not.toThrow();
    expect(JSON.parse(JSON.stringify({ channel: error.channel }))).toMatchObject({
      channel: { name: 'j', closed: true },
    });
  });
});
