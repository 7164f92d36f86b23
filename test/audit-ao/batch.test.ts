import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, settle, track } from './helpers.js';

type Pushed = { pushed?: unknown };

describe('pullMany', () => {
  it('takes up to max buffered values in FIFO order in one call', async () => {
    const ch = new Channel<number>(5);
    for (const v of [1, 2, 3, 4]) ch.pushNowait(v);
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
    expect(await ch.pullMany(3)).toEqual([4]);
    expect(ch.size).toBe(0);
  });

  it('keeps FIFO across the ring buffer wrap-around', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    ch.pullNowait();
    ch.pushNowait(4);
    expect(await ch.pullMany(10)).toEqual([2, 3, 4]);
  });

  it('takes buffer first, then parked pushers in order, resolving each taken pusher', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const ps = [3, 4, 5, 6].map((v) => track(ch.push(v)));
    expect(await ch.pullMany(4)).toEqual([1, 2, 3, 4]);
    await flush();
    // Equivalent to 4 pullNowait: after them, 5 and 6 moved into the buffer.
    expect(ch.size).toBe(2);
    expect(ps.map((p) => p.state.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(await ch.pullMany(10)).toEqual([5, 6]);
  });

  it('matches max consecutive pullNowait calls (model comparison)', async () => {
    for (const cap of [0, 1, 2, 5]) {
      for (let parked = 0; parked < 5; parked++) {
        for (const max of [1, 2, 3, 7]) {
          const make = () => {
            const ch = new Channel<number>(cap);
            let v = 0;
            for (let i = 0; i < cap; i++) ch.pushNowait(v++);
            const ps = Array.from({ length: parked }, () => ch.push(v++).catch(() => {}));
            return { ch, ps };
          };
          const a = make();
          const b = make();
          const expected: number[] = [];
          for (let i = 0; i < max; i++) {
            try {
              expected.push(b.ch.pullNowait());
            } catch {
              break;
            }
          }
          if (expected.length === 0) continue;
          expect(await a.ch.pullMany(max)).toEqual(expected);
          expect(a.ch.size).toBe(b.ch.size);
          expect(a.ch.stats().waitingPushers).toBe(b.ch.stats().waitingPushers);
          a.ch.close();
          b.ch.close();
        }
      }
    }
  });

  it('on an unbuffered channel takes the values of parked pushers up to max', async () => {
    const ch = new Channel<string>();
    const ps = ['a', 'b', 'c'].map((v) => track(ch.push(v)));
    expect(await ch.pullMany(2)).toEqual(['a', 'b']);
    await flush();
    expect(ps.map((p) => p.state.status)).toEqual(['fulfilled', 'fulfilled', 'pending']);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(ch.size).toBe(0);
    expect(await ch.pullMany(5)).toEqual(['c']);
  });

  it('skips aborted parked pushers on an unbuffered channel', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p1 = ch.push(1);
    const p2 = track(ch.push(2, { signal: c.signal }));
    const p3 = ch.push(3);
    c.abort('no');
    expect(await ch.pullMany(5)).toEqual([1, 3]);
    await Promise.all([p1, p3]);
    await flush();
    expect(p2.state).toEqual({ status: 'rejected', reason: 'no' });
  });

  it('when nothing is there it waits and gets the next single value', async () => {
    const ch = new Channel<number>(5);
    const p = ch.pullMany(5);
    await flush();
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await p).toEqual([1]);
    expect(ch.pullNowait()).toBe(2);
  });

  it('a parked pullMany is served FIFO with parked pulls', async () => {
    const ch = new Channel<number>();
    const a = ch.pull();
    const b = ch.pullMany(3);
    const c = ch.pull();
    await ch.pushAll([1, 2, 3]);
    expect(await a).toBe(1);
    expect(await b).toEqual([2]);
    expect(await c).toBe(3);
  });

  it('pullMany parked on an unbuffered channel is satisfied by pushNowait', async () => {
    const ch = new Channel<number>();
    const p = ch.pullMany(4);
    ch.pushNowait(7);
    expect(await p).toEqual([7]);
  });

  it('returns remaining values after close, then rejects with ChannelClosedError carrying cause', async () => {
    const ch = new Channel<number>(4);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const reason = new Error('done');
    ch.close(reason);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    const e = await ch.pullMany(10).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBe(reason);
  });

  it('a parked pullMany rejects with ChannelClosedError on close', async () => {
    const ch = new Channel<number>();
    const p = ch.pullMany(3);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('aborted while parked: rejects with reason, takes nothing, leaves no waiter', async () => {
    const ch = new Channel<number>(2);
    const c = new AbortController();
    const p = ch.pullMany(2, { signal: c.signal });
    expect(ch.stats().waitingPullers).toBe(1);
    c.abort('bye');
    await expect(p).rejects.toBe('bye');
    expect(ch.stats().waitingPullers).toBe(0);
    ch.pushNowait(1);
    expect(ch.size).toBe(1);
  });

  it('a value committed to a parked pullMany stays its own when the signal aborts in the same turn', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.pullMany(3, { signal: c.signal });
    ch.pushNowait(1);
    c.abort('late');
    expect(await p).toEqual([1]);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity])('rejects max=%s with RangeError', async (max) => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = ch.pullMany(max);
    }).not.toThrow();
    await expect(p).rejects.toThrow(RangeError);
    expect(ch.size).toBe(1);
  });

  it('rejects a non-number max with TypeError', async () => {
    const ch = new Channel<number>(2);
    await expect(ch.pullMany('2' as never)).rejects.toThrow(TypeError);
    await expect(ch.pullMany(undefined as never)).rejects.toThrow(TypeError);
  });

  it('validates max even on a closed drained channel', async () => {
    const ch = new Channel<number>(2);
    ch.close();
    await expect(ch.pullMany(0)).rejects.toThrow(RangeError);
  });

  it('works on drop-oldest channels', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-oldest' });
    for (let i = 0; i < 10; i++) ch.pushNowait(i);
    expect(await ch.pullMany(10)).toEqual([7, 8, 9]);
  });

  it('carries undefined values', async () => {
    const ch = new Channel<undefined | null>(3);
    ch.pushNowait(undefined);
    ch.pushNowait(null);
    ch.pushNowait(undefined);
    expect(await ch.pullMany(3)).toEqual([undefined, null, undefined]);
  });

  it('returns a fresh array each call', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    const a = await ch.pullMany(1);
    ch.pushNowait(2);
    const b = await ch.pullMany(1);
    expect(a).not.toBe(b);
    expect(a).toEqual([1]);
  });
});

describe('pushAll', () => {
  it('pushes all values in order into the buffer synchronously while there is room', async () => {
    const ch = new Channel<number>(4);
    const p = ch.pushAll([1, 2, 3]);
    expect(ch.size).toBe(3);
    await p;
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
  });

  it('hands values to parked pullers first, FIFO', async () => {
    const ch = new Channel<number>(1);
    const a = ch.pull();
    const b = ch.pull();
    await ch.pushAll([1, 2, 3]);
    expect([await a, await b]).toEqual([1, 2]);
    expect(ch.pullNowait()).toBe(3);
  });

  it('waits for room as consecutive awaits of push would', async () => {
    const ch = new Channel<number>(2);
    const p = track(ch.pushAll([1, 2, 3, 4, 5]));
    await flush();
    expect(p.state.status).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await ch.pull());
    expect(got).toEqual([1, 2, 3, 4, 5]);
    await flush();
    expect(p.state.status).toBe('fulfilled');
  });

  it('on an unbuffered channel delivers one value per pull, in order', async () => {
    const ch = new Channel<string>();
    const p = ch.pushAll(['a', 'b', 'c']);
    const got = [await ch.pull(), await ch.pull(), await ch.pull()];
    await p;
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('into a drop-oldest channel resolves and keeps the newest values', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([4, 5]);
  });

  it('into a drop-newest channel resolves and keeps the oldest values', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('into a drop channel with a parked puller hands the first value to it', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    const p = ch.pull();
    await ch.pushAll([1, 2, 3]);
    expect(await p).toBe(1);
    expect(ch.pullNowait()).toBe(3);
  });

  it('does not overtake already parked pushers', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('a');
    const first = ch.push('b');
    const all = ch.pushAll(['c', 'd']);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await ch.pull());
    await Promise.all([first, all]);
    expect(got).toEqual(['a', 'b', 'c', 'd']);
  });

  it('two concurrent pushAll calls keep each one’s order and deliver everything once', async () => {
    const ch = new Channel<string>(1);
    const a = ch.pushAll(['a1', 'a2', 'a3', 'a4']);
    const b = ch.pushAll(['b1', 'b2', 'b3', 'b4']);
    const got: string[] = [];
    for (let i = 0; i < 8; i++) got.push(await ch.pull());
    await Promise.all([a, b]);
    expect(got.filter((v) => v.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(got.filter((v) => v.startsWith('b'))).toEqual(['b1', 'b2', 'b3', 'b4']);
  });

  it('reads a generator lazily and values can depend on channel state', async () => {
    const ch = new Channel<number>(1);
    const reads: number[] = [];
    function* gen() {
      for (let i = 0; i < 3; i++) {
        reads.push(i);
        yield i;
      }
    }
    const p = ch.pushAll(gen());
    // 0 committed, 1 read and waiting; 2 not read yet
    expect(reads).toEqual([0, 1]);
    expect(await ch.pull()).toBe(0);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await p;
    expect(reads).toEqual([0, 1, 2]);
  });

  it('pushAll([]) resolves even on a closed channel', async () => {
    const ch = new Channel<number>();
    ch.close();
    await expect(ch.pushAll([])).resolves.toBeUndefined();
  });

  it('rejects a non-iterable with TypeError', async () => {
    const ch = new Channel<number>(1);
    await expect(ch.pushAll(5 as never)).rejects.toThrow(TypeError);
    await expect(ch.pushAll(null as never)).rejects.toThrow(TypeError);
  });

  it('on a closed channel rejects with ChannelClosedError naming pushAll, pushed 0', async () => {
    const ch = new Channel<number>(3, { name: 'pa' });
    ch.close('why');
    const e = await ch.pushAll([1, 2]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).message).toMatch(/^pushAll/);
    expect((e as Pushed).pushed).toBe(0);
    expect((e as Error).cause).toBe('why');
    expect(ch.size).toBe(0);
  });

  it('with an already aborted signal rejects with the reason and pushed 0', async () => {
    const ch = new Channel<number>(3);
    const reason = new Error('pre');
    const e = await ch.pushAll([1, 2], { signal: AbortSignal.abort(reason) }).catch((x: unknown) => x);
    expect(e).toBe(reason);
    expect((e as Pushed).pushed).toBe(0);
    expect(ch.size).toBe(0);
  });

  it.each([0, 1, 2, 3, 4, 5])('abort after %i pulls: pushed counts exactly the committed values', async (pulls) => {
    const ch = new Channel<number>(2);
    const c = new AbortController();
    const p = ch.pushAll([1, 2, 3, 4, 5, 6], { signal: c.signal });
    const got: number[] = [];
    for (let i = 0; i < pulls; i++) got.push(await ch.pull());
    const reason = new Error(`abort-${pulls}`);
    c.abort(reason);
    const e = await p.then(
      () => 'resolved',
      (x: unknown) => x,
    );
    const committed = Math.min(6, 2 + pulls);
    if (committed === 6) {
      // every value was committed before the abort: it resolves (README "Batches")
      expect(e).toBe('resolved');
    } else {
      expect(e).toBe(reason);
      expect((e as Pushed).pushed).toBe(committed);
    }
    while (ch.size > 0) got.push(ch.pullNowait());
    expect(got).toEqual([1, 2, 3, 4, 5, 6].slice(0, committed));
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it.each([0, 1, 2, 3])('close after %i pulls on unbuffered: pushed counts delivered values', async (pulls) => {
    const ch = new Channel<number>();
    const p = ch.pushAll([1, 2, 3, 4]);
    const got: number[] = [];
    for (let i = 0; i < pulls; i++) got.push(await ch.pull());
    await flush();
    ch.close();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Pushed).pushed).toBe(pulls);
    expect(got).toEqual([1, 2, 3, 4].slice(0, pulls));
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it.each([0, 1, 2, 3, 4])(
    'close after %i pulls on capacity 2: pushed counts committed values, none after',
    async (pulls) => {
      const ch = new Channel<number>(2);
      const p = ch.pushAll([1, 2, 3, 4, 5, 6, 7]);
      const got: number[] = [];
      for (let i = 0; i < pulls; i++) got.push(await ch.pull());
      ch.close();
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ChannelClosedError);
      const committed = 2 + pulls;
      expect((e as Pushed).pushed).toBe(committed);
      for await (const v of ch) got.push(v);
      expect(got).toEqual([1, 2, 3, 4, 5, 6, 7].slice(0, committed));
    },
  );

  it.each([0, 1, 2, 3])('abort after %i single-value pullMany on unbuffered: pushed is exact', async (pulls) => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.pushAll([1, 2, 3, 4], { signal: c.signal });
    const got: number[] = [];
    for (let i = 0; i < pulls; i++) got.push(...(await ch.pullMany(10)));
    c.abort(new Error('stop'));
    const e = await p.catch((x: unknown) => x);
    expect((e as Error).message).toBe('stop');
    expect((e as Pushed).pushed).toBe(pulls);
    expect(got).toEqual([1, 2, 3, 4].slice(0, pulls));
    expect(ch.tryPull()).toBeUndefined();
  });

  it('a value committed and an abort in the same turn: pushed counts that value', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.pushAll([1, 2, 3], { signal: c.signal });
    expect(ch.pullNowait()).toBe(1);
    c.abort(new Error('same turn'));
    const e = await p.catch((x: unknown) => x);
    expect((e as Error).message).toBe('same turn');
    expect((e as Pushed).pushed).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('close part-way (README example): pushed includes the value moved into the freed slot', async () => {
    const small = new Channel<number>(2);
    const pushing = small.pushAll([1, 2, 3, 4]);
    expect(await small.pull()).toBe(1);
    small.close();
    const error = (await pushing.catch((e: unknown) => e)) as ChannelClosedError & Pushed;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(3);
    expect(await small.pullMany(10)).toEqual([2, 3]);
  });

  it('an iterable that throws stops pushAll with that error and pushed count', async () => {
    const ch = new Channel<number>(5);
    const boom = new Error('iter');
    function* gen() {
      yield 1;
      yield 2;
      throw boom;
    }
    const e = await ch.pushAll(gen()).catch((x: unknown) => x);
    expect(e).toBe(boom);
    expect((e as Pushed).pushed).toBe(2);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('closes the iterator (runs generator finally) when stopped part-way', async () => {
    const ch = new Channel<number>(1);
    let finalized = false;
    let produced = 0;
    function* gen() {
      try {
        for (;;) yield produced++;
      } finally {
        finalized = true;
      }
    }
    const c = new AbortController();
    const p = ch.pushAll(gen(), { signal: c.signal });
    c.abort('stop');
    await expect(p).rejects.toBe('stop');
    expect(finalized).toBe(true);
    expect(produced).toBeLessThan(5);
  });

  it('an iterable that closes the channel mid-way rejects with closed and the pushed count', async () => {
    const ch = new Channel<number>(5);
    function* gen() {
      yield 1;
      yield 2;
      ch.close();
      yield 3;
    }
    const e = await ch.pushAll(gen()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Pushed).pushed).toBe(2);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('an iterable that pulls from the same channel mid-way keeps order and counts', async () => {
    const ch = new Channel<number>(1);
    const side: number[] = [];
    function* gen() {
      yield 1;
      side.push(ch.pullNowait());
      yield 2;
      side.push(ch.pullNowait());
      yield 3;
    }
    await ch.pushAll(gen());
    expect(side).toEqual([1, 2]);
    expect(ch.pullNowait()).toBe(3);
  });

  it('rejects a thenable value part-way with TypeError carrying pushed', async () => {
    const ch = new Channel<unknown>(5);
    const e = await ch.pushAll([1, Promise.resolve(2), 3]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Pushed).pushed).toBe(1);
    expect(ch.size).toBe(1);
  });

  it('a signal aborted after every value was committed does not reject', async () => {
    const ch = new Channel<number>(3);
    const c = new AbortController();
    const p = ch.pushAll([1, 2, 3], { signal: c.signal });
    await p;
    c.abort('late');
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
  });

  it('a pullMany parked on an unbuffered channel takes only one value of a pushAll', async () => {
    const ch = new Channel<number>();
    const many = ch.pullMany(10);
    const all = ch.pushAll([1, 2, 3]);
    expect(await many).toEqual([1]);
    expect(await ch.pullMany(10)).toEqual([2]);
    expect(await ch.pull()).toBe(3);
    await all;
  });

  it('a shared abort reason stopping two pushAll with different counts: each caller learns its own count', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(3);
    const c = new AbortController();
    const pa = ch2(a.pushAll([1, 2, 3], { signal: c.signal }));
    const pb = ch2(b.pushAll([1, 2, 3, 4, 5], { signal: c.signal }));
    const reason = new Error('shared');
    c.abort(reason);
    const [ea, eb] = [await pa, await pb];
    const counts = [ea, eb].map((e) => (e as Pushed).pushed);
    expect(counts.sort()).toEqual([1, 3]);
    for (const e of [ea, eb]) expect(e === reason || (e as Error).cause === reason).toBe(true);
  });

  it('while parked shows as exactly one waiting pusher', async () => {
    const ch = new Channel<number>();
    const p = track(ch.pushAll([1, 2, 3]));
    expect(ch.stats().waitingPushers).toBe(1);
    ch.pullNowait();
    await flush();
    expect(ch.stats().waitingPushers).toBe(1);
    ch.close();
    await flush();
    expect(p.state.status).toBe('rejected');
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('rejects after close with error that carries cause and pushed', async () => {
    const ch = new Channel<number>(1);
    const p = ch.pushAll([1, 2, 3]);
    const reason = new Error('shutdown');
    ch.close(reason);
    const s = await settle(p);
    expect(s.status).toBe('rejected');
    const e = (s as { reason: unknown }).reason as Error & Pushed;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
    expect(e.pushed).toBe(1);
  });
});

function ch2<T>(p: Promise<T>): Promise<unknown> {
  return p.then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

describe('pushAll and abort reasons reused across calls', () => {
  // README "Batches": one reason object can carry one count. A later pushAll whose signal was
  // already aborted pushed nothing; when the reason already says another call's count, it gets
  // a ChannelError of its own whose cause is the reason — so neither caller misreads its count.
  it('an already aborted signal whose reason an earlier pushAll stamped: a ChannelError with that cause and pushed 0; the earlier count stands', async () => {
    const c = new AbortController();
    const reason = new Error('stop');
    const first = new Channel<number>(3).pushAll([1, 2, 3, 4, 5], { signal: c.signal });
    c.abort(reason);
    const e1 = await first.catch((x: unknown) => x);
    expect(e1).toBe(reason);
    expect((e1 as Pushed).pushed).toBe(3);

    const e2 = await new Channel<number>(3).pushAll([1, 2], { signal: c.signal }).catch((x: unknown) => x);
    expect(e2).toBeInstanceOf(ChannelError);
    expect((e2 as Error).cause).toBe(reason);
    expect((e2 as Pushed).pushed).toBe(0);
    expect((reason as Pushed).pushed).toBe(3);
  });

  it('an already aborted signal with an unstamped reason rejects a later pushAll with the reason itself (AbortError by default)', async () => {
    const c = new AbortController();
    c.abort();
    const e1 = await new Channel<number>(1).pushAll([1], { signal: c.signal }).catch((x: unknown) => x);
    expect((e1 as DOMException).name).toBe('AbortError');
    expect(e1).toBe(c.signal.reason);
    // Stamped 0 by the first; the second pushed 0 too: the same reason, as is.
    const e2 = await new Channel<number>(1).pushAll([1], { signal: c.signal }).catch((x: unknown) => x);
    expect(e2).toBe(c.signal.reason);
    expect((e2 as Pushed).pushed).toBe(0);
  });

  it('a sentinel reason reused for a later abort part-way: the caller still learns its own count (README: ChannelError with cause)', async () => {
    const STOP = new Error('shutdown');
    const run = async (cap: number) => {
      const c = new AbortController();
      const p = new Channel<number>(cap).pushAll([1, 2, 3, 4, 5], { signal: c.signal });
      c.abort(STOP);
      return p.catch((x: unknown) => x);
    };
    const e1 = await run(2);
    const e2 = await run(3);
    expect((e1 as Pushed).pushed).toBe(2);
    expect((e2 as Pushed).pushed).toBe(3);
    expect(e2 === STOP || (e2 as Error).cause === STOP).toBe(true);
  });
});
